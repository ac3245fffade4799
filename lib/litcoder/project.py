"""`litcoder init`: a new, empty review with the same shape as the bundled one."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .decisions import KNOWN as DECISION_COLUMNS
from .review import BIBLIOGRAPHY, CODEBOOK, CODINGS, DECISIONS, SOURCES


class ProjectExists(Exception):
    """The folder for a new review already holds files."""


README = """\
# {name}

A literature review coded with litcoder.

- `references.bib`: the bibliography (export it from Zotero as BibTeX).
- `corpus/sources/<citekey>.md`: the text of each source, or your reading notes on it.
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
        ".gitignore": "/outputs/\n.ipynb_checkpoints/\n/.litcoder/\n*.lock\n",
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


# ---------------------------------------------------------------- litcoder.toml

SETTINGS_FILE = "litcoder.toml"
DEFAULT_SETTINGS = {"references": {"files": ["references.bib"]}}
SETTINGS_TEMPLATE = """\
# litcoder.toml: what this review reads. Everything here is optional.

[references]
# The bibliography files, read in this order: BibTeX (.bib), RIS (.ris, from library
# databases and EndNote) or CSL-JSON (.json, from Zotero). A citekey in two files is
# reported, and the first file wins.
files = ["references.bib"]
"""


def read_settings(root: Path):
    """The review's settings from litcoder.toml (defaults where it is missing), and problems."""
    import tomllib

    from .problems import ProblemLog

    log = ProblemLog(SETTINGS_FILE)
    settings = {"references": dict(DEFAULT_SETTINGS["references"])}
    path = Path(root) / SETTINGS_FILE
    if not path.exists():
        return settings, log
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        line = getattr(err, "lineno", None) or _toml_line(str(err))
        log.error(line, f"not valid TOML ({err}); the defaults are used", "fix the line, e.g. strings need quotes",
                  "settings-toml")
        return settings, log
    for section in sorted(set(document) - set(DEFAULT_SETTINGS)):
        log.warning(None, f"section [{section}] is not used", "known sections: [references]", "settings-key")
    references = document.get("references", {})
    files = references.get("files", settings["references"]["files"])
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        log.error(None, "references.files must be a list of file names", 'write files = ["references.bib"]',
                  "settings-references")
    else:
        settings["references"]["files"] = files
    for key in sorted(set(references) - {"files"}):
        log.warning(None, f"references.{key} is not used", "known: references.files", "settings-key")
    return settings, log


def _toml_line(message: str) -> int | None:
    import re

    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
