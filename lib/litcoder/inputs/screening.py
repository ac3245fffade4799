"""Screening: each screener's decisions on the records, the resolutions of their disagreements,
and where each work's path through the selection ends.

    corpus/screening/<screener>.csv     record,stage,decision,reason,note,screened_at
    corpus/screening-resolved.csv       record,stage,decision,reason,resolved_by,resolved_on,note

One file per screener, as one per coder, so that screeners working apart merge without a
conflict. A screener judges each record at two stages: on its title and abstract
(`title-abstract`), then on the full report (`full-text`): include, exclude (with one of the
committee's reasons, `[screening] reasons` in litcoder.toml), maybe, or, at full text,
not-retrieved (the report could not be obtained). A screener's latest row for a record and
stage counts; records of an `other` search (citation searching, websites) start at full text,
as PRISMA 2020 has them.

Each work's decision at a stage is the resolution, if a third person recorded one; else, once
`screeners` screeners have decided: what they all decided (at full text, an exclusion with
the same reason); at title and abstract, include and maybe together pass the work on to full
text; any other mix is a conflict to resolve. A work leaves the selection at the last stage
that decided it, and is counted there only (with that stage's reason).

A decision is recorded (`record_decision`) by appending a row to the screener's file under
its lock, with the time; a screener who changes their mind appends another row, and no row is
ever edited. Taking back a decision just made (`take_back_decision`, the screening screen's
undo) removes its row, but only while it is still the row that counts for its record and stage
(nothing written for them since): what counted before, an earlier decision or none, counts
again. Appending the earlier decision again could not say "no decision", and undoing twice
would then have to remove some rows and not others; removing the last row is one rule.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..files import read_csv_rows, shown
from ..layout import SCREENING, SCREENING_RESOLVED, file_name_problem
from ..problems import Problem, ProblemLog
from ..store import CsvFile, now
from .bibliography import closest
from .searches import RECORD_COLUMNS, SEARCH_COLUMNS

STAGES = ("title-abstract", "full-text")
STAGE_LABELS = {"title-abstract": "title and abstract", "full-text": "full text"}
DECISIONS = ("include", "exclude", "maybe", "not-retrieved")
COLUMNS = ["record", "stage", "decision", "reason", "note", "screened_at"]
RESOLVED_COLUMNS = ["record", "stage", "decision", "reason", "resolved_by", "resolved_on", "note"]
DECISION_COLUMNS = ["screener", "record", "stage", "decision", "reason", "note", "screened_at", "named", "file", "line"]
"""`record`: the work's kept record; `named`: the record the row names (a duplicate's, moved to the kept one)."""
PATH_COLUMNS = ["work", "search", "method", "citekey", "title_abstract", "full_text", "outcome", "stage", "reason"]
"""A work's path: its decision at each stage ('' not reached, 'awaiting', 'conflict', or the
decision), where it ended (`outcome`, see OUTCOMES), the stage that decided it and the reason."""
OUTCOMES = ("duplicate", "excluded", "not retrieved", "included", "awaiting screening", "conflict")


def read_screening(root: Path, records: pd.DataFrame, reasons: list[str]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                  list[ProblemLog]]:
    """Every screener's usable decisions (one row each, in the order written) and the
    resolutions, with the problems met. A decision on a duplicate removed counts for the record
    kept for its work."""
    root = Path(root)
    work = dict(zip(records["record"], records["work"]))
    logs, rows = [], []
    folder = root / SCREENING
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        name = f"{SCREENING}/{path.name}"
        log = ProblemLog(name)
        logs.append(log)
        problem = file_name_problem(path.stem)
        if problem:
            log.error(None, f"'{path.stem}' cannot be a screener's name: {problem}; the file was not read",
                      "rename the file after the screener, e.g. member-h.csv", "screening-file")
            continue
        for row in read_csv_rows(path, log, ["record", "stage", "decision"], COLUMNS) or []:
            checked = _checked(row.values, row.line, log, work, reasons, "screened_at")
            if checked:
                rows.append({"screener": path.stem, **checked, "note": row.values.get("note", ""),
                             "screened_at": row.values.get("screened_at", ""), "named": row.values["record"],
                             "file": name, "line": row.line})
    decisions = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    log = ProblemLog(SCREENING_RESOLVED)
    logs.append(log)
    resolved = []
    path = root / SCREENING_RESOLVED
    for row in (read_csv_rows(path, log, ["record", "stage", "decision"], RESOLVED_COLUMNS) or []) \
            if path.exists() else []:
        checked = _checked(row.values, row.line, log, work, reasons, "resolved_on")
        if checked:
            resolved.append({**checked, **{k: row.values.get(k, "") for k in ("resolved_by", "resolved_on", "note")},
                             "line": row.line})
    return decisions, pd.DataFrame(resolved, columns=[*RESOLVED_COLUMNS, "line"]), logs


def _checked(values: dict, line: int, log: ProblemLog, work: dict[str, str], reasons: list[str],
             when: str) -> dict | None:
    """A decision's record (the kept one of its work), stage, decision and reason; None (with
    the problem) when it cannot count."""
    record, stage, decision = values["record"], values["stage"].lower(), values["decision"].lower()
    if record not in work:
        log.error(line, f"record '{shown(record)}' is in no search's export{closest(record, work)}; this decision "
                  "was left out", "name a record as <search id>:<its place in the export>, e.g. lista:12",
                  "screening-record")
        return None
    if stage not in STAGES:
        log.error(line, f"stage '{shown(values['stage'])}' is not a stage; this decision was left out",
                  f"write {' or '.join(STAGES)}", "screening-stage")
        return None
    if decision not in DECISIONS or (decision == "not-retrieved" and stage != "full-text"):
        log.error(line, f"'{shown(values['decision'])}' is not a decision at {STAGE_LABELS[stage]}; this decision "
                  "was left out", "write include, exclude or maybe (at full text also not-retrieved)",
                  "screening-decision")
        return None
    reason = " ".join(values.get("reason", "").split())
    if decision == "exclude" and reason not in reasons:
        said = f"'{shown(reason)}' is not one of the committee's reasons" if reason else "no reason is given"
        log.warning(line, f"an exclusion of {record}: {said}{closest(reason, reasons) if reason else ''}; it counts, "
                    "its reason shown as not given", "use a reason listed under [screening] reasons in "
                    "litcoder.toml (or add it there)", "screening-reason")
        reason = ""
    if values.get(when) and _instant(values[when]) is None:
        log.warning(line, f"{when} '{shown(values[when])}' is not a date or time", "write it as 2026-09-14 or "
                    "2026-09-14T10:30:00+00:00", "screening-time")
    if work[record] != record:
        log.info(line, f"{record} is a duplicate of {work[record]}; the decision counts for {work[record]} unless "
                 f"the screener decided on {work[record]} itself", "screen the record kept for the work",
                 "screening-duplicate")
    return {"record": work[record], "stage": stage, "decision": decision,
            "reason": reason if decision == "exclude" else ""}


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def stage_decision(decisions: list[tuple[str, str]], resolved: tuple[str, str] | None, stage: str,
                   screeners: int) -> tuple[str, str]:
    """A work's decision at one stage and its reason, from its screeners' latest (decision,
    reason) and any resolution: include, exclude, not-retrieved, 'awaiting' or 'conflict'."""
    if resolved is not None:
        return resolved
    if len(decisions) < screeners:
        return "awaiting", ""
    made = {decision for decision, _ in decisions}
    if made <= {"include", "maybe"} and (stage == "title-abstract" or made == {"include"}):
        return "include", ""
    reasons = {reason for _, reason in decisions}
    if made == {"exclude"} and (stage == "title-abstract" or len(reasons) == 1):
        return "exclude", decisions[-1][1] if len(reasons) == 1 else ""  # on titles, reasons may differ
    if made == {"not-retrieved"}:
        return "not-retrieved", ""
    return ("awaiting", "") if made == {"maybe"} else ("conflict", "")


def latest_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """Each screener's decision on each work at each stage: the latest on the work's kept record,
    else the latest on one of its duplicates."""
    own = decisions["named"] == decisions["record"]
    ordered = pd.concat([decisions[~own], decisions[own]])  # a decision on the record itself comes last, so wins
    return ordered.drop_duplicates(["screener", "record", "stage"], keep="last").sort_index()


def paths(records: pd.DataFrame, decisions: pd.DataFrame, resolved: pd.DataFrame, screeners: int) -> pd.DataFrame:
    """Each work's path through the selection (PATH_COLUMNS), duplicates removed included."""
    latest = latest_decisions(decisions)
    made = {key: list(zip(group["decision"], group["reason"])) for key, group in latest.groupby(["record", "stage"])}
    resolved_last = resolved.drop_duplicates(["record", "stage"], keep="last")
    settled = {(r.record, r.stage): (r.decision, r.reason) for r in resolved_last.itertuples()}
    rows = []
    for record in records.itertuples():
        if record.duplicate_of:
            rows.append([record.record, record.search, record.method, record.citekey, "", "", "duplicate", "", ""])
            continue
        at = {stage: stage_decision(made.get((record.record, stage), []), settled.get((record.record, stage)),
                                    stage, screeners) for stage in STAGES}
        if record.method == "other":
            at["title-abstract"] = ("", "")
        elif at["title-abstract"][0] != "include" and (record.record, "full-text") not in made \
                and (record.record, "full-text") not in settled:
            at["full-text"] = ("", "")  # not reached
        rows.append([record.record, record.search, record.method, record.citekey, at["title-abstract"][0],
                     at["full-text"][0], *_outcome(at, record.method == "other")])
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def _outcome(at: dict[str, tuple[str, str]], other: bool) -> tuple[str, str, str]:
    """Where a work's path ends: its outcome, the stage that decided it, and the reason. A work
    decided at full text is counted there even if it was excluded on its title and abstract."""
    (first, _), (full, reason) = at["title-abstract"], at["full-text"]
    if full in ("include", "exclude", "not-retrieved"):
        return {"include": "included", "exclude": "excluded", "not-retrieved": "not retrieved"}[full], \
            "full-text", reason
    if not other and first == "exclude":
        return "excluded", "title-abstract", at["title-abstract"][1]
    if not other and first != "include":
        return ("conflict" if first == "conflict" else "awaiting screening"), "title-abstract", ""
    return ("conflict" if full == "conflict" else "awaiting screening"), "full-text", ""


@dataclass
class Selection:
    """How the review's literature was selected: the searches and their records (inputs.searches),
    the screeners' decisions and the resolutions; empty frames when the review names no search."""

    searches: pd.DataFrame
    records: pd.DataFrame
    decisions: pd.DataFrame
    resolved: pd.DataFrame
    reasons: list[str] = field(default_factory=list)
    screeners: int = 2

    @property
    def configured(self) -> bool:
        return not self.searches.empty

    @functools.cached_property
    def paths(self) -> pd.DataFrame:
        """Each work's path (see `paths`)."""
        return paths(self.records, self.decisions, self.resolved, self.screeners)


def selection_problems(selection: Selection, sources: pd.DataFrame, coded: set[str]) -> list[Problem]:
    """What the selection says of the sources, each named where it can be fixed: a coded source
    whose work was set aside, a source found in no search (at its entry), an included work that
    is no source yet (at its record). An included source without its text is the corpus's own
    problem (source-no-text)."""
    if not selection.configured:
        return []
    found = []
    ends = selection.paths.set_index("work")
    kept = selection.records[selection.records["duplicate_of"] == ""]
    by_source = dict(zip(kept["citekey"], kept["record"]))
    for source in sources.itertuples():
        def say(severity: str, message: str, action: str, kind: str, source=source) -> None:
            found.append(Problem(severity, source.file or SCREENING, _line(source.line), message, action, kind))
        work = by_source.get(source.citekey)
        if work is None:
            say("warning", f"{source.citekey} is in no search's export, so the flow diagram cannot count it",
                "add it to the export of the search that found it, or to an `other` search (citation searching, "
                "works known to the committee)", "selection-unsearched")
            continue
        outcome, stage, reason = ends.loc[work, ["outcome", "stage", "reason"]]
        if outcome in ("excluded", "not retrieved") and source.citekey in coded:
            why = f" ({reason})" if reason else ""
            say("warning", f"{source.citekey} is coded, but its record {work} was {outcome} at "
                f"{STAGE_LABELS[stage]}{why}; its codings still count as evidence", "include it at screening (a "
                "resolution in corpus/screening-resolved.csv), or remove its codings", "selection-excluded-coded")
    records = selection.records.set_index("record")
    for work in ends.index[(ends["outcome"] == "included") & (ends["citekey"] == "")]:
        record = records.loc[work]
        found.append(Problem("warning", record["file"], _line(record["line"]), f"{work} ({shown(record['title'], 60)}) "
                             "was included at screening but is no source of the review yet", "add it to "
                             "references.bib, with the same DOI, or the same title, year and first author, to code it",
                             "selection-no-source"))
    return found


def _line(value) -> int | None:
    return None if pd.isna(value) else int(value)


def records_to_screen(records: pd.DataFrame, ends: pd.DataFrame, stage: str) -> list[str]:
    """The records a screener decides on at `stage`, in the records' order (searches as listed,
    records as in their exports): the kept record of each work; at title and abstract those of
    database and register searches, at full text the works that passed title and abstract and
    the records of `other` searches. `ends`: the works' paths (`paths`)."""
    kept = records[records["duplicate_of"] == ""]
    if stage == "title-abstract":
        return kept.loc[kept["method"] != "other", "record"].tolist()
    passed = set(ends.loc[ends["title_abstract"] == "include", "work"])
    return [r for r, m in zip(kept["record"], kept["method"]) if m == "other" or r in passed]


class ScreeningError(ValueError):
    """A decision that cannot be recorded as asked; the message says why and what to do."""


def screener_file(root: Path, screener: str) -> Path:
    """A screener's file: corpus/screening/<screener>.csv."""
    return Path(root) / SCREENING / f"{screener}.csv"


def record_decision(root: Path, screener: str, record: str, stage: str, decision: str, reason: str = "",
                    note: str = "", reasons: list[str] | tuple[str, ...] = ()) -> dict:
    """Append a screener's decision on a record at a stage to their file, under its lock, with
    the time; returns the row written. An exclusion needs one of the committee's `reasons`;
    not-retrieved is for full text only. Refused (ScreeningError, nothing written) otherwise,
    and for a screener's name that cannot name a file the reader would read."""
    problem = file_name_problem(screener)
    if problem:
        raise ScreeningError(f"'{shown(screener)}' cannot name a screener's file: {problem}; use letters, digits, "
                             "'-' or '_' (e.g. member-h)")
    if stage not in STAGES:
        raise ScreeningError(f"'{shown(stage)}' is not a stage: screen at {' or '.join(STAGES)}")
    if decision not in DECISIONS or (decision == "not-retrieved" and stage != "full-text"):
        raise ScreeningError(f"'{shown(decision)}' is not a decision at {STAGE_LABELS[stage]}: include, exclude or "
                             "maybe" + (", or not-retrieved" if stage == "full-text" else ""))
    reason = " ".join(reason.split()) if decision == "exclude" else ""
    if decision == "exclude" and reason not in reasons:
        raise ScreeningError("an exclusion needs one of the committee's reasons ([screening] reasons in "
                             "litcoder.toml)" + (f"; '{shown(reason)}' is not one" if reason else ""))
    row = {"record": record, "stage": stage, "decision": decision, "reason": reason,
           "note": " ".join(note.split()), "screened_at": now()}
    return ScreeningFile(screener_file(root, screener)).append_rows(row)[0]


def take_back_decision(root: Path, screener: str, written: dict, before: dict | None = None) -> str:
    """Undo `written`, a decision just recorded: its row is removed while it is still the latest
    for its record and stage, so that `before` (the screener's decision until then, or None)
    counts again. Returns what was done, in words; ScreeningError (nothing removed) when a later
    row was written for that record and stage."""
    if not ScreeningFile(screener_file(root, screener)).remove_latest(written):
        raise ScreeningError(f"your decision on {written['record']} cannot be taken back: a later one was written "
                             "for it (in another window?); decide on it again instead")
    then = f"your earlier decision ({_said(before)}) counts again" if before else "it is not screened by you"
    return f"your decision on {written['record']} ({_said(written)}) was taken back: {then}"


def _said(row: dict) -> str:
    return row["decision"] + (f": {row['reason']}" if row.get("reason") else "")


class ScreeningFile(CsvFile):
    """A screener's decisions (corpus/screening/<screener>.csv), with the coders' files' locking,
    shape keeping and crash-safe appends."""

    noun = "decision"

    def __init__(self, path: Path):
        super().__init__(path, COLUMNS)

    def remove_latest(self, written: dict) -> bool:
        """Remove the row holding `written`'s values if it is the last row for its record and
        stage; False, removing nothing, when it is not."""
        with self._locked():
            if not self.path.exists():
                return False
            snapshot = self._load()
            header = snapshot.header
            if not set(COLUMNS) <= set(header):
                return False
            at = {name: header.index(name) for name in COLUMNS}
            same = [row for row in self._rows(snapshot) if (row.cells[at["record"]].strip(), row.cells[
                at["stage"]].strip().lower()) == (written["record"], written["stage"])]
            if not same or any(same[-1].cells[at[k]].strip() != str(written.get(k, "")) for k in COLUMNS):
                return False
            self._check_writable(snapshot.status)
            self._write_text(snapshot, snapshot.text[: same[-1].start] + snapshot.text[same[-1].end:])
        return True


def unsearched_screening(root: Path) -> ProblemLog:
    """Screening files in a review that names no search: said once, not row by row."""
    log = ProblemLog(SCREENING)
    folder = Path(root) / SCREENING
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if files or (Path(root) / SCREENING_RESOLVED).exists():
        log.warning(None, "there are screening decisions, but litcoder.toml names no searches, so the records they "
                    "name are unknown and they were not read", "add a [[searches]] table for each search, with the "
                    "export it produced (docs/review-format.md)", "screening-unsearched")
    return log


def empty_selection() -> Selection:
    """The selection of a review that names no search."""
    return Selection(pd.DataFrame(columns=SEARCH_COLUMNS), pd.DataFrame(columns=RECORD_COLUMNS),
                     pd.DataFrame(columns=DECISION_COLUMNS), pd.DataFrame(columns=[*RESOLVED_COLUMNS, "line"]))
