"""litcoder.toml: what a review reads, in one small file people edit.

    [references]
    files = ["references.bib", "database-export.ris", "zotero.json"]
    distinct = [["Smith2020Leading", "Smith2020Leading1"]]
    allow_outside = false     # true: reference files outside the review are read too

    [sources.Kotter1990Force]
    first_page = 103          # the page number printed on the first page of its PDF

Everything in it is optional; without the file a review reads references.bib, and a PDF's
pages are cited as its page labels or its entry's `pages` field number them (inputs.pages).
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

from ..files import shown
from ..layout import SETTINGS_FILE
from ..problems import Problem, ProblemLog

DEFAULT_SETTINGS = {"references": {"files": ["references.bib"], "distinct": [], "allow_outside": False},
                    "sources": {}, "attributes": {}}
"""`sources` holds what litcoder.toml says of single sources: {citekey: {"first_page": "103",
"line": its line in litcoder.toml}}; `attributes` the attributes of sources the committee
compares the evidence by: {id: {"label": "Source type", "values": [allowed values], "line": …}}."""
SETTINGS_TEMPLATE = """\
# litcoder.toml: what this review reads. Everything here is optional.

[references]
# The bibliography files, read in this order: BibTeX (.bib), RIS (.ris, from library
# databases and EndNote), PubMed/MEDLINE (.nbib) or CSL-JSON (.json, from Zotero). A
# citekey in two files is reported, and the first file wins.
files = ["references.bib"]

# Records that look like the same work (same DOI, or same title, year and first author)
# are reported. Pairs or groups of citekeys named here are different works: not reported.
# distinct = [["Smith2020Leading", "Smith2020Leading1"]]

# Files outside this review's folder (../shared/library.bib, /home/ana/zotero.json, or a
# link that leads out of it) are not read, so that a review cloned from someone else reads
# only its own files. Write true here to read such reference files all the same.
# allow_outside = true

# Quotes from a PDF cite its printed page numbers: the page labels the PDF carries, else
# counted from the first page in its entry's `pages` field (pages = {67--78}: the PDF's
# first page is 67). When neither is right (a PDF that starts with a cover page, or a
# chapter scanned from a book), give the number printed on the PDF's first page:
# [sources.Kotter1990Force]
# first_page = 103

# The attributes of sources the committee compares the evidence by, each with the values it
# may take; corpus/attributes.csv gives each source's (a citekey column, one column each).
# [attributes.source_type]
# label = "Source type"
# values = ["peer-reviewed article", "book", "chapter", "practitioner article", "blog post"]
"""

KNOWN = {"files", "distinct", "allow_outside"}
READ_ELSEWHERE = {"screening", "searches"}
"""Sections inputs.searches reads: how the literature was selected."""
SOURCE_KNOWN = {"first_page"}
ATTRIBUTE_KNOWN = {"label", "values"}
ATTRIBUTE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")
"""An attribute's id, which names its column in corpus/attributes.csv."""


def read_settings(root: Path):
    """The review's settings from litcoder.toml (defaults where it is missing), and problems.

    A value of the wrong type is an error naming its line, and its default is used; a
    reference file that lies outside the review (a link that leads out of it included) is
    left out with an error, unless `allow_outside = true` says to read it.
    """
    root = Path(root)
    log = ProblemLog(SETTINGS_FILE)
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    text = _read_document(root, settings, log)
    settings["references"]["files"] = _inside(root, settings["references"], text, log)
    return settings, log


def _read_document(root: Path, settings: dict, log: ProblemLog) -> str:
    """Fill `settings` from litcoder.toml, where its values have the right types; gives the
    file's text ('' without one)."""
    path = root / SETTINGS_FILE
    if not path.exists() and not path.is_symlink():
        return ""
    text = _read(path, root, log)
    if text is None:
        return ""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None) or _toml_line(str(err))
        log.error(line, f"not valid TOML ({err}); the defaults are used", "fix the line, e.g. strings need quotes",
                  "settings-toml")
        return text
    for section in sorted(set(document) - set(DEFAULT_SETTINGS) - READ_ELSEWHERE):
        what = f"section [{section}]" if isinstance(document[section], dict) else f"key {section}"
        log.warning(_line_of(text, _key(section)), f"{what} is not used",
                    "known sections: [references], [sources.<citekey>], [attributes.<id>], [screening], "
                    "[[searches]]", "settings-key")
    _read_sources(document.get("sources", {}), settings["sources"], text, log)
    _read_attributes(document.get("attributes", {}), settings["attributes"], text, log)
    references = document.get("references", {})
    if not isinstance(references, dict):
        log.error(_line_of(text, _key("references")), f"references must be a section, not {_kind(references)}; "
                  "the defaults are used", 'write it as a section: [references] on a line of its own, then '
                  'files = ["references.bib"] below it', "settings-references")
        return text
    _read_references(references, settings["references"], text, log)
    return text


def _read(path: Path, root: Path, log: ProblemLog) -> str | None:
    """The text of litcoder.toml, or None (with an error) when it cannot or must not be read."""
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            log.error(None, f"{SETTINGS_FILE} is a link to a file outside the review ({path.resolve()}); it was "
                      "not read, and the defaults are used", f"put the settings themselves in {SETTINGS_FILE} in "
                      "place of the link", "settings-outside")
            return None
        return path.read_text(encoding="utf-8-sig")
    except (OSError, RuntimeError, UnicodeDecodeError) as err:
        reason = "it is not UTF-8 text" if isinstance(err, UnicodeDecodeError) else getattr(err, "strerror", None)
        log.error(None, f"cannot be read ({reason or err}); the defaults are used",
                  "save it as a UTF-8 text file", "settings-toml")
        return None


def _read_references(references: dict, settings: dict, text: str, log: ProblemLog) -> None:
    """Each value of the [references] section into `settings`, when it has the right type."""
    files = references.get("files", settings["files"])
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        log.error(_line_of(text, _key("files")), "references.files must be a list of file names",
                  'write files = ["references.bib"]', "settings-references")
    else:
        settings["files"] = files
    distinct = references.get("distinct", [])
    if not isinstance(distinct, list) or not all(
            isinstance(group, list) and len(group) >= 2 and all(isinstance(k, str) for k in group)
            for group in distinct):
        log.error(_line_of(text, _key("distinct")), "references.distinct must be a list of groups of two or more "
                  "citekeys", 'write distinct = [["Smith2020Leading", "Smith2020Leading1"]]', "settings-references")
    else:
        settings["distinct"] = distinct
    allow_outside = references.get("allow_outside", False)
    if not isinstance(allow_outside, bool):
        log.error(_line_of(text, _key("allow_outside")), f"references.allow_outside must be true or false, not "
                  f"{_kind(allow_outside)}; reference files outside the review are not read",
                  "write allow_outside = true (without quotes), or remove the line", "settings-references")
    else:
        settings["allow_outside"] = allow_outside
    for key in sorted(set(references) - KNOWN):
        log.warning(_line_of(text, _key(key)), f"references.{key} is not used",
                    "known: " + ", ".join(f"references.{k}" for k in sorted(KNOWN)), "settings-key")


def _read_sources(sources, settings: dict, text: str, log: ProblemLog) -> None:
    """Each [sources.<citekey>] section into `settings`, where its values can be used."""
    if not isinstance(sources, dict):
        log.error(_line_of(text, _key("sources")), f"sources must be sections, not {_kind(sources)}; it is not used",
                  "write a section per source: [sources.Kotter1990Force] on a line of its own, then "
                  "first_page = 103 below it", "settings-sources")
        return
    for citekey, values in sources.items():
        line = _source_line(text, citekey)
        if not isinstance(values, dict):
            log.error(line, f"sources.{citekey} must be a section, not {_kind(values)}; it is not used",
                      f"write [sources.{citekey}] on a line of its own, then first_page = 103 below it",
                      "settings-sources")
            continue
        kept = {"line": line}
        if "first_page" in values:
            first = _first_page(values["first_page"])
            where = _line_after(text, line, _key("first_page")) or line
            if first is None:
                log.error(where, f"sources.{citekey}.first_page must be the page number printed on the first page "
                          f"of its PDF, not {shown(repr(values['first_page']), 60)}; it is not used",
                          "write a number (first_page = 103), or a page label in quotes that counts on "
                          '(first_page = "S12" or "xii")', "settings-sources")
            else:
                kept["first_page"] = first
        for key in sorted(set(values) - SOURCE_KNOWN):
            log.warning(_line_after(text, line, _key(key)) or line, f"sources.{citekey}.{key} is not used",
                        "known: " + ", ".join(f"sources.<citekey>.{k}" for k in sorted(SOURCE_KNOWN)),
                        "settings-key")
        settings[citekey] = kept


def _read_attributes(attributes, settings: dict, text: str, log: ProblemLog) -> None:
    """Each [attributes.<id>] section into `settings`, where it has a list of allowed values."""
    example = 'values = ["book", "chapter"]'
    if not isinstance(attributes, dict):
        log.error(_line_of(text, _key("attributes")), f"attributes must be sections, not {_kind(attributes)}; they "
                  "are not used", f"write a section per attribute: [attributes.source_type], then {example}",
                  "settings-attributes")
        return
    for name, values in attributes.items():
        line = _section_line(text, "attributes", name)
        if not isinstance(values, dict):
            log.error(line, f"attributes.{name} must be a section, not {_kind(values)}; it is not used",
                      f"write [attributes.{name}] on a line of its own, then {example} below it", "settings-attributes")
            continue
        if not ATTRIBUTE_ID.fullmatch(name):
            log.error(line, f"attributes.{shown(name, 60)}: an attribute's id names its column in "
                      "corpus/attributes.csv, so it is letters, digits, _ or - (starting with a letter, at most 40); "
                      "it is not used", "rename it, e.g. [attributes.source_type]", "settings-attributes")
            continue
        allowed = values.get("values")
        where = _line_after(text, line, _key("values")) or line
        if not isinstance(allowed, list) or not allowed or not all(isinstance(v, str) and v.strip() for v in allowed):
            log.error(where, f"attributes.{name}.values must be a list of the values it may take; the attribute is "
                      "not used", f"write {example}", "settings-attributes")
            continue
        folded = [" ".join(v.split()).casefold() for v in allowed]
        for twice in sorted({v for v in folded if folded.count(v) > 1}):
            log.warning(where, f"attributes.{name}.values lists '{twice}' twice", "remove the repeat",
                        "settings-attributes")
        label = values.get("label", name.replace("_", " ").capitalize())
        if not isinstance(label, str) or not label.strip():
            log.warning(_line_after(text, line, _key("label")) or line, f"attributes.{name}.label must be text; "
                        "the id is shown instead", f'write label = "{name.replace("_", " ").capitalize()}"',
                        "settings-attributes")
            label = name
        for key in sorted(set(values) - ATTRIBUTE_KNOWN):
            log.warning(_line_after(text, line, _key(key)) or line, f"attributes.{name}.{key} is not used",
                        "known: " + ", ".join(f"attributes.<id>.{k}" for k in sorted(ATTRIBUTE_KNOWN)),
                        "settings-key")
        settings[name] = {"label": label.strip(), "values": list(dict.fromkeys(" ".join(v.split()) for v in allowed)),
                          "line": line}


def _first_page(value) -> str | None:
    """first_page as a countable page label ('103', 'S12', 'xii'), or None when it is not one."""
    from .pages import countable

    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if 1 <= value < 10**9 else None
    if isinstance(value, str) and countable(value.strip()):
        return value.strip()
    return None


def unknown_sources(settings: dict, citekeys) -> list[Problem]:
    """A warning, at its line of litcoder.toml, for each [sources.<citekey>] whose citekey is
    not in the bibliography: what it says is not used."""
    from .bibliography import closest

    known = set(citekeys)
    return [Problem("warning", SETTINGS_FILE, values.get("line"),
                    f"[sources.{citekey}]: no entry '{citekey}' in the bibliography, so this is not used"
                    f"{closest(citekey, known)}", "correct the citekey, or remove the section", "settings-sources")
            for citekey, values in settings.get("sources", {}).items() if citekey not in known]


def _source_line(text: str, citekey: str) -> int | None:
    """The line of litcoder.toml that opens a source's section ([sources.X], sources.X = …, X = {…})."""
    return _section_line(text, "sources", citekey)


def _section_line(text: str, table: str, key: str) -> int | None:
    """The line of litcoder.toml that opens [table.key] (or table.key = …, key = {…})."""
    quoted = re.escape(json.dumps(key, ensure_ascii=False)[1:-1])
    name = "(" + "|".join((f'"{quoted}"', f"'{re.escape(key)}'", re.escape(key))) + ")"
    return _line_of(text, rf"^\s*\[\s*{table}\s*\.\s*{name}\s*\]", rf"^\s*{table}\s*\.\s*{name}\s*[=.]",
                    rf"^\s*{name}\s*=")


def _line_after(text: str, start: int | None, pattern: str) -> int | None:
    """The first line from line `start` on that matches `pattern`, or None."""
    if start is None:
        return None
    found = re.compile(pattern)
    for number, line in enumerate(text.splitlines()[start - 1:], start):
        if found.search(line):
            return number
    return None


def _inside(root: Path, references: dict, text: str, log: ProblemLog) -> list[str]:
    """The reference files to read: those outside the review (after links) are left out, each
    with an error at its line in litcoder.toml (or under its own name when the file is not
    named there), unless references.allow_outside is true."""
    kept = []
    home = root.resolve()
    for name in references["files"]:
        line = _line_of(text, re.escape(json.dumps(name, ensure_ascii=False)), re.escape(f"'{name}'"), _key("files"))
        where = log.file if line else name
        try:
            target = (root / name).resolve()
            target.exists()  # a name too long for the system raises here, not when resolved
        except (OSError, RuntimeError, ValueError) as err:  # a loop of links, a NUL in the name
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)[:200]
            log.append(Problem("error", where, line, f"references.files names {shown(name, 80)!r}, which cannot be a "
                               f"file ({reason}); it was not read",
                               "write the file's name, relative to the review's folder", "settings-references"))
            continue
        if not target.is_relative_to(home) and not references["allow_outside"]:
            named = f"references.files names {name}, which" if line else name
            log.append(Problem("error", where, line, f"{named} lies outside the review ({target}); it was not read",
                               "copy the file into the review's folder (in place of a link) and name it there; or, if "
                               "this review is meant to read it, write allow_outside = true under [references] in "
                               f"{SETTINGS_FILE}", "settings-outside"))
            continue
        kept.append(name)
    return kept


def _key(name: str) -> str:
    """A pattern for the line that sets `name` (key = …, [name] or [[name]])."""
    return rf"^\s*(\[\[?\s*{re.escape(name)}\s*\]|[\"']?{re.escape(name)}[\"']?\s*[=.])"


def _line_of(text: str, *patterns: str) -> int | None:
    """The first line of `text` that matches the first pattern that matches a line, or None."""
    lines = text.splitlines()
    for pattern in patterns:
        found = re.compile(pattern)
        for number, line in enumerate(lines, 1):
            if found.search(line):
                return number
    return None


def _kind(value) -> str:
    names = {str: "a string", bool: "true or false", int: "a number", float: "a number", list: "a list",
             dict: "a section"}
    return names.get(type(value), "a date or time")


def _toml_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
