"""The searches the committee ran, the records each export holds, and which records are one work.

    [[searches]]                          # in litcoder.toml, one table per search
    id = "lista"
    method = "database"                   # database | register | other
    source = "LISTA (EBSCOhost)"
    date = "2026-09-02"
    query = "(leadership OR leader*) AND management AND competenc*"
    file = "corpus/searches/lista.ris"    # the export it produced: RIS, BibTeX, CSL JSON, PubMed

A record is named `<search id>:<n>`, n its place in its export (1 for the first record), so
that a screener's decisions name it however the export writes its own keys. The records are
read with the bibliography's readers, their problems named at their lines.

Records that are the same work (the bibliography's rule: the same DOI, or the same title, year
and first author) form a duplicate set. One record of each set is kept for screening: the one
from the search listed first (database and register searches before other methods), the
first in its file; the others are duplicates removed, each with why. `[screening] distinct`
names records the rule pairs wrongly, `same` records it misses. A work is also matched to the
review's source of the same work, which is how an included record becomes a source.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..files import shown
from ..layout import SETTINGS_FILE
from ..problems import ProblemLog
from .bibliography import closest, sources_frame
from .references import find_duplicates, read_references
from .settings import _key, _line_after, _line_of

METHODS = ("database", "register", "other")
"""How records were identified: PRISMA 2020's databases, registers, and other methods
(websites, organisations, citation searching, works known to the committee)."""
SEARCH_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
SEARCH_KNOWN = ("id", "method", "source", "date", "query", "file")
SEARCH_COLUMNS = ["search", "method", "source", "date", "query", "file", "records", "line"]
RECORD_COLUMNS = ["record", "search", "position", "method", "author_year", "authors", "title", "year", "container",
                  "doi", "url", "abstract", "reference", "work", "duplicate_of", "why", "citekey", "file", "line"]
"""`work`: the record kept for its duplicate set (itself when it has no duplicate); `duplicate_of`
and `why`: for a duplicate removed, the record kept and why; `citekey`: the review's source of
the same work, if any."""
SCREENING_KNOWN = ("reasons", "screeners", "distinct", "same")
DEFAULT_SCREENERS = 2


@dataclass
class Searches:
    """What litcoder.toml says of the searches and of screening, and the records read."""

    searches: pd.DataFrame
    records: pd.DataFrame
    reasons: list[str] = field(default_factory=list)
    screeners: int = DEFAULT_SCREENERS
    problems: list[ProblemLog] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        """Whether the review records how its literature was selected (it names searches)."""
        return not self.searches.empty


def read_searches(root: Path, sources: pd.DataFrame) -> Searches:
    """The review's searches, their records as one frame (duplicates and sources matched), the
    screening settings, and the problems met. `sources` is the review's sources frame (with
    `_people`), to match each work to its source."""
    root = Path(root)
    log = ProblemLog(SETTINGS_FILE)
    text, document = _settings(root)
    screening = _screening(document.get("screening", {}), text, log)
    searches = _searches(document.get("searches", []), root, text, log)
    frames, logs = [], [log]
    for search in searches:
        rows, file_log = _records(root, search)
        logs.append(file_log)
        search["records"] = len(rows)
        frames.append(rows)
    rows = [row for frame in frames for row in frame]
    _duplicates(rows, screening, text, log)
    _sources(rows, sources)
    frame = sources_frame(rows) if rows else pd.DataFrame(columns=RECORD_COLUMNS)
    if rows:
        for column in ("record", "search", "position", "method", "work", "duplicate_of", "why", "citekey", "abstract"):
            frame[column] = [row[column] for row in rows]
    return Searches(pd.DataFrame(searches, columns=SEARCH_COLUMNS), frame[RECORD_COLUMNS].reset_index(drop=True),
                    screening["reasons"], screening["screeners"], logs)


def _settings(root: Path) -> tuple[str, dict]:
    """litcoder.toml's text and document ('' and {} when it is missing or unreadable: settings.py says why)."""
    try:
        text = (root / SETTINGS_FILE).read_text(encoding="utf-8-sig")
        return text, tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", {}


def _screening(values, text: str, log: ProblemLog) -> dict:
    """[screening]: the reasons for setting a record aside, screeners per record, and duplicate overrides."""
    found = {"reasons": [], "screeners": DEFAULT_SCREENERS, "distinct": [], "same": []}
    line = _line_of(text, _key("screening"))
    if not isinstance(values, dict):
        log.error(line, "screening must be a section; it is not used", "write [screening] on a line of its own",
                  "settings-screening")
        return found
    reasons = values.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) and r.strip() for r in reasons):
        log.error(_line_after(text, line, _key("reasons")), "screening.reasons must be a list of reasons, each a "
                  "text; none is used", 'write reasons = ["not about leadership or management", "…"]',
                  "settings-screening")
    else:
        found["reasons"] = list(dict.fromkeys(" ".join(r.split()) for r in reasons))
    screeners = values.get("screeners", DEFAULT_SCREENERS)
    if isinstance(screeners, bool) or not isinstance(screeners, int) or not 1 <= screeners <= 10:
        log.error(_line_after(text, line, _key("screeners")), f"screening.screeners must be a whole number from 1 "
                  f"to 10 (how many screeners each record needs); {DEFAULT_SCREENERS} is used",
                  "write screeners = 2", "settings-screening")
    else:
        found["screeners"] = screeners
    for name in ("distinct", "same"):
        groups = values.get(name, [])
        if not isinstance(groups, list) or not all(isinstance(g, list) and all(isinstance(r, str) for r in g)
                                                   for g in groups):
            log.error(_line_after(text, line, _key(name)), f"screening.{name} must be a list of lists of record ids; "
                      "it is not used", f'write {name} = [["lista:3", "bsc:7"]]', "settings-screening")
        else:
            found[name] = groups
    for key in sorted(set(values) - set(SCREENING_KNOWN)):
        log.warning(_line_after(text, line, _key(key)), f"screening.{key} is not used",
                    "known: " + ", ".join(f"screening.{k}" for k in SCREENING_KNOWN), "settings-key")
    return found


def _searches(values, root: Path, text: str, log: ProblemLog) -> list[dict]:
    """Each [[searches]] table that names its id, method and file rightly."""
    if not isinstance(values, list):
        log.error(_line_of(text, _key("searches")), "searches must be tables, each [[searches]] on a line of its own; "
                  "none is used", "write [[searches]], then id = …, method = …, file = … below it",
                  "settings-searches")
        return []
    starts = [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*searches\s*\]\]", line)]
    found, seen = [], set()
    for n, values_ in enumerate(values):
        line = starts[n] if n < len(starts) else None
        search = _search(values_, line, root, text, log)
        if search is None:
            continue
        if search["search"] in seen:
            log.error(line, f"a search with id '{search['search']}' is already listed; this one is not used",
                      "give each search its own id", "settings-searches")
            continue
        seen.add(search["search"])
        found.append(search)
    return sorted(found, key=lambda s: s["method"] == "other")  # database and register records kept first


def _search(values, line: int | None, root: Path, text: str, log: ProblemLog) -> dict | None:
    if not isinstance(values, dict):
        return None
    where = {key: _line_after(text, line, _key(key)) or line for key in SEARCH_KNOWN}
    sid, method, name = values.get("id"), values.get("method", "database"), values.get("file")
    if not isinstance(sid, str) or not SEARCH_ID.fullmatch(sid):
        log.error(where["id"], f"a search's id must be lower-case letters, digits and hyphens (at most 40), not "
                  f"{shown(str(sid), 40)!r}; the search is not used", 'write id = "lista"', "settings-searches")
        return None
    if method not in METHODS:
        log.error(where["method"], f"search {sid}: method {shown(str(method), 40)!r} is not one of "
                  f"{', '.join(METHODS)}; the search is not used", 'write method = "database" (or "register", '
                  '"other" for websites, organisations, citation searching)', "settings-searches")
        return None
    if not isinstance(name, str) or not name.strip():
        log.error(where["file"], f"search {sid} names no export file; the search is not used",
                  f'write file = "corpus/searches/{sid}.ris"', "settings-searches")
        return None
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        log.error(where["file"], f"search {sid}: {name} lies outside the review; it was not read",
                  "copy the export into the review's folder (e.g. corpus/searches/) and name it there",
                  "settings-searches")
        return None
    search = {"search": sid, "method": method, "file": name, "line": line, "file_line": where["file"]}
    for key in ("source", "date", "query"):
        value = values.get(key, "")
        search[key] = str(value).strip() if isinstance(value, str | int | float) or hasattr(value, "isoformat") \
            else ""
    if not search["source"]:
        log.warning(where["source"], f"search {sid} does not say which database or register it searched (or where "
                    "its records came from)", 'write source = "LISTA (EBSCOhost)"', "settings-searches")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", search["date"]):
        log.warning(where["date"], f"search {sid}: date {shown(search['date'], 30)!r} is not a day (YYYY-MM-DD); "
                    "PRISMA asks when each search was run", "write date = 2026-09-02", "settings-searches")
    for key in sorted(set(values) - set(SEARCH_KNOWN)):
        log.warning(_line_after(text, line, _key(key)) or line, f"search {sid}: {key} is not used",
                    "known: " + ", ".join(SEARCH_KNOWN), "settings-key")
    return search


def _records(root: Path, search: dict) -> tuple[list[dict], ProblemLog]:
    """The export's records, each named by its place in the file (records the reader left out
    still hold their places, so the names of the others do not move)."""
    path = root / search["file"]
    if not path.is_file():
        log = ProblemLog(SETTINGS_FILE)
        log.error(search["file_line"], f"the export of search {search['search']}, {search['file']}, is missing",
                  "put the file the database gave there, or correct file =", "search-file")
        return [], log
    rows, log, report = read_references(path, search["file"])
    taken = sorted({row["line"] for row in rows} | set(report.failed) | set(report.duplicates)
                   | set(report.unaccounted))
    place = {line: n for n, line in enumerate(taken, 1)}
    for row in rows:
        position = place[row["line"]]
        row.update(record=f"{search['search']}:{position}", search=search["search"], position=position,
                   method=search["method"], abstract=row.get("_abstract", ""), file=search["file"])
    return rows, log


def _duplicates(rows: list[dict], screening: dict, text: str, log: ProblemLog) -> None:
    """Mark each record with the record kept for its work, and each duplicate with why."""
    known = {row["record"] for row in rows}
    line = _line_of(text, _key("screening"))
    for name in ("distinct", "same"):
        for record in sorted({r for group in screening[name] for r in group} - known):
            log.warning(_line_after(text, line, _key(name)), f"screening.{name} names '{record}', which no search "
                        f"has{closest(record, known)}", "write <search id>:<place in its export>", "settings-screening")
    apart = {frozenset((a, b)) for group in screening["distinct"] for a in group for b in group if a != b}
    pairs = [(one["record"], other["record"], reason) for one, other, reason in find_duplicates(rows)
             if frozenset((one["record"], other["record"])) not in apart]
    pairs += [(group[0], record, "named the same work in screening.same") for group in screening["same"]
              for record in group[1:] if group[0] in known and record in known]
    order = {row["record"]: n for n, row in enumerate(rows)}  # searches in kept order, records in file order
    parent = {record: record for record in known}

    def root_of(record: str) -> str:
        while parent[record] != record:
            record = parent[record]
        return record

    why: dict[str, str] = {}
    for one, other, reason in pairs:
        a, b = sorted((root_of(one), root_of(other)), key=order.get)
        if a != b:
            parent[b] = a
        why.setdefault(other if order[other] > order[one] else one, reason)
    for row in rows:
        kept = root_of(row["record"])
        row.update(work=kept, duplicate_of="" if kept == row["record"] else kept,
                   why="" if kept == row["record"] else f"{why.get(row['record'], 'the same work')}; kept: the record "
                   "from the search listed first")


def _sources(rows: list[dict], sources: pd.DataFrame) -> None:
    """The review's source of each work (the same work by the duplicate rule), given to all its records."""
    for row in rows:
        row["citekey"] = ""
    if sources.empty or not rows or "_people" not in sources:
        return
    kept = [row for row in rows if row["record"] == row["work"]]
    references = [dict(r, record="") for r in sources.to_dict("records")]
    matched = {}
    for one, other, _ in find_duplicates(references + kept):
        source, record = (one, other) if one.get("record") == "" else (other, one)
        if source.get("record") == "" and record.get("record"):
            matched.setdefault(record["record"], source["citekey"])
    for row in rows:
        row["citekey"] = matched.get(row["work"], "")
