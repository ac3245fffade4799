"""litcoder.toml: what a review reads, in one small file people edit.

    [references]
    files = ["references.bib", "database-export.ris", "zotero.json"]
    distinct = [["Smith2020Leading", "Smith2020Leading1"]]

Everything in it is optional; without the file a review reads references.bib.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..layout import SETTINGS_FILE
from ..problems import ProblemLog

DEFAULT_SETTINGS = {"references": {"files": ["references.bib"], "distinct": []}}
SETTINGS_TEMPLATE = """\
# litcoder.toml: what this review reads. Everything here is optional.

[references]
# The bibliography files, read in this order: BibTeX (.bib), RIS (.ris, from library
# databases and EndNote) or CSL-JSON (.json, from Zotero). A citekey in two files is
# reported, and the first file wins.
files = ["references.bib"]

# Records that look like the same work (same DOI, or same title, year and first author)
# are reported. Pairs or groups of citekeys named here are different works: not reported.
# distinct = [["Smith2020Leading", "Smith2020Leading1"]]
"""


def read_settings(root: Path):
    """The review's settings from litcoder.toml (defaults where it is missing), and problems."""
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
    distinct = references.get("distinct", [])
    if not isinstance(distinct, list) or not all(
            isinstance(group, list) and len(group) >= 2 and all(isinstance(k, str) for k in group)
            for group in distinct):
        log.error(None, "references.distinct must be a list of groups of two or more citekeys",
                  'write distinct = [["Smith2020Leading", "Smith2020Leading1"]]', "settings-references")
    else:
        settings["references"]["distinct"] = distinct
    for key in sorted(set(references) - {"files", "distinct"}):
        log.warning(None, f"references.{key} is not used", "known: references.files, references.distinct",
                    "settings-key")
    return settings, log


def _toml_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
