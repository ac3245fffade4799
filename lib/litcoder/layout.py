"""Where a review keeps each of its files, relative to the review's folder.

The inputs are made by people and merged with git; `outputs/` and `.litcoder/` are
derived, rebuilt by litcoder and never committed.
"""

SETTINGS_FILE = "litcoder.toml"
BIBLIOGRAPHY = "references.bib"
SOURCES = "corpus/sources"
CODEBOOK = "corpus/codebook.yaml"
CODINGS = "corpus/codings"
COVERAGE = "corpus/coverage"
SETTLEMENTS = "corpus/settlements.csv"
DECISIONS = "corpus/decisions.csv"

OUTPUTS = "outputs"
LOCAL = ".litcoder"
"""This machine's own state: the remembered coder and the cache of extracted texts."""
CACHE = f"{LOCAL}/cache"
