"""`litcoder init`: a new, empty review with the same shape as the bundled one."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..layout import BIBLIOGRAPHY, CODEBOOK, CODINGS, DECISIONS, SETTINGS_FILE, SOURCES
from .decisions import KNOWN as DECISION_COLUMNS
from .settings import SETTINGS_TEMPLATE


class ProjectExists(Exception):
    """The folder for a new review already holds files."""


README = """\
# {name}

A literature review coded with litcoder.

- `references.bib`: the bibliography (export it from Zotero as BibTeX; RIS and CSL-JSON
  files are read too when `litcoder.toml` names them).
- `corpus/sources/<citekey>.pdf` (or `.html`, `.docx`, `.md`, `.txt`): the text of each
  source, or your reading notes on it.
- `corpus/codebook.yaml`: the competencies.
- `corpus/codings/<coder>.csv`: one file per coder.
- `corpus/decisions.csv`: the committee's rulings.

`litcoder validate` lists input problems; `litcoder build` writes `outputs/`.
"""


def init_review(directory: Path) -> list[Path]:
    """Create the files of an empty review in `directory`; returns the files made."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ProjectExists(f"{directory} already holds files; choose a new or empty folder")
    contents = {
        BIBLIOGRAPHY: "% The review's bibliography: one BibTeX entry per work, keyed by citekey.\n",
        CODEBOOK: files("litcoder").joinpath("starter/codebook.yaml").read_text(encoding="utf-8"),
        DECISIONS: ",".join(DECISION_COLUMNS) + "\n",
        f"{SOURCES}/.gitkeep": "",
        f"{CODINGS}/.gitkeep": "",
        ".gitignore": "/outputs\n/.litcoder\n.ipynb_checkpoints/\n*.lock\n*.torn\n*.bak\n.*.tmp\n",
        SETTINGS_FILE: SETTINGS_TEMPLATE,
        "README.md": README.format(name=directory.resolve().name),
    }
    made = []
    for relative, text in contents.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made
