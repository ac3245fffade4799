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

NAME_LIMIT = 100
"""The longest citekey or coder name that may name a file: well under every file
system's 255-byte limit once a suffix and UTF-8 are counted, and readable in a list."""

_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_NOT_IN_NAMES = set('/\\:*?"<>|')


def file_name_problem(name: str) -> str | None:
    """Why `name` (a citekey or coder name) cannot name a file on every system, or None.

    Such names become `corpus/sources/<citekey>.pdf` and `corpus/codings/<coder>.csv` on
    Windows, macOS and Linux alike, and in git.

    >>> file_name_problem("Kotter1990WhatLeaders") is None
    True
    >>> file_name_problem("../../escape")
    "it holds '/', which no file name may hold"
    >>> file_name_problem("CON")
    "'CON' names a device on Windows"
    """
    if not name or not name.strip():
        return "it is empty"
    if len(name) > NAME_LIMIT:
        return f"it is {len(name)} characters long; at most {NAME_LIMIT} can name a file"
    bad = sorted({c for c in name if c in _NOT_IN_NAMES or ord(c) < 32 or ord(c) == 127})
    if bad:
        shown = ", ".join(repr(c)[1:-1] if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        return f"it holds '{shown}', which no file name may hold"
    if name.startswith("."):
        return "it starts with '.', which hides a file"
    if name[-1] in ". ":
        return "it ends with a dot or a space, which Windows drops from file names"
    if name.split(".")[0].strip().lower() in _WINDOWS_DEVICES:
        return f"'{name}' names a device on Windows"
    return None
