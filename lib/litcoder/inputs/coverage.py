"""What each coder has judged, as a log of events: corpus/coverage/<coder>.csv.

Coverage is explicit. A coder marks a source finished; until then a passage without a
coding means "not read yet". The file is a log, appended and never rewritten, with the
columns `event, citekey, passage, at, note`, one row per event:

- `finished`: the coder marked the source finished (`note` names the passages left unread
  when the coder confirmed finishing anyway, e.g. "unread: 4, 5, 9");
- `reopened`: the coder took the source back to coding;
- `revealed`: the coder was shown the other coders' codings of the source;
- `nothing`: the coder judged passage `passage` "nothing to code here";
- `nothing-withdrawn`: that judgement was taken back.

A source is finished when its last `finished` or `reopened` event is `finished`. The judged
passages of a finished source are the ones the coder coded or marked `nothing`; only they
are units of agreement. The old files (`citekey, finished_at`, one row per source finished)
are still read: a row without an event is a `finished` event at `finished_at`, and it meant
that every passage of the source was read and judged (`judged` "all").

Agreement measures independent judgement. A coder who was shown the others' codings of a
source and then changed a passage of it (a coding made or edited after the first reveal, a
passage marked or unmarked `nothing` after it) no longer judged that passage alone: by
default that passage is left out of that coder's units (all of the coder's codings of it,
not only the later ones, so that the passage never reads as "nothing here" for the
competencies whose codings were set aside). The evidence keeps every coding: it is still
the coder's reading. See `finished_passages` and `finished_codings`.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> log = CoverageFile(folder / "coder-a.csv")
    >>> log.nothing("Kotter1990WhatLeaders", 2)
    >>> log.finish("Kotter1990WhatLeaders", unread=[4, 5])
    >>> log.reveal("Kotter1990WhatLeaders")
    >>> log.reopen("Kotter1990WhatLeaders")
    >>> [event["event"] for event in log.events()]
    ['nothing', 'finished', 'revealed', 'reopened']
    >>> log.finished(), log.nothing_passages("Kotter1990WhatLeaders")
    (set(), {2})
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..files import number_problem, read_csv_rows, shown, whole_number
from ..problems import ProblemLog
from ..store import CsvFile, now
from .bibliography import closest
from .codings import is_iso_time

COLUMNS = ["event", "citekey", "passage", "at", "note"]
"""The columns litcoder writes, in this order."""
OLD_COLUMNS = ["citekey", "finished_at"]
"""The columns of a coverage file before it became a log (still read, and appended to)."""
KNOWN = [*COLUMNS, "finished_at"]
FINISHED, REOPENED, REVEALED, NOTHING, WITHDRAWN = "finished", "reopened", "revealed", "nothing", "nothing-withdrawn"
EVENTS = (FINISHED, REOPENED, REVEALED, NOTHING, WITHDRAWN)
ALL, MARKED = "all", "marked"
"""What a finished source's judged passages are: every passage (an old-format row), or
those coded or marked `nothing` (the log)."""

COVERAGE_COLUMNS = ["coder", "citekey", "finished_at", "file", "line", "judged", "revealed_at"]
LOG_COLUMNS = ["coder", "event", "citekey", "passage", "at", "note", "file", "line"]
UNIT_COLUMNS = ["passage_id", "citekey", "passage", "coder"]


# ---------------------------------------------------------------- reading the review's files


def read_coverage(folder: Path, root: Path, citekeys: set[str], passages: dict[str, int] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[ProblemLog]]:
    """The sources each coder has finished now, the whole log, and the problems met.

    Finished: one row per (coder, source) whose last finished/reopened event is `finished`
    (COVERAGE_COLUMNS: file and line of that event, `judged` "all" or "marked", `revealed_at`
    the time of the coder's first reveal of the source, "?" if that reveal has no time, ""
    if none; a source finished again after a reopening is judged as its last finish says). Log: every readable event in
    file order (LOG_COLUMNS; an old row is a `finished` event). `passages`: how many passages
    each source has, to check the passage of a `nothing` event.
    """
    finished, events, logs = [], [], []
    if folder.is_dir():
        for path in sorted(folder.glob("*.csv")):
            log = ProblemLog(path.relative_to(root).as_posix())
            logs.append(log)
            rows = [_checked(row.line, row.values, log, citekeys, passages)
                    for row in read_csv_rows(path, log, ["citekey"], KNOWN) or []]
            rows = [row for row in rows if row is not None]
            events += [{"coder": path.stem, **{k: row[k] for k in COLUMNS}, "file": log.file, "line": row["line"]}
                       for row in rows]
            finished += [{"coder": path.stem, **state} for state in _finished_states(rows, log.file)]
    log_frame = pd.DataFrame(events, columns=LOG_COLUMNS).astype({"passage": "Int64"})
    return pd.DataFrame(finished, columns=COVERAGE_COLUMNS), log_frame, logs


def _checked(line: int, values: dict, log: ProblemLog, citekeys: set[str], passages: dict[str, int] | None
             ) -> dict | None:
    """One row of a coverage file as an event (COLUMNS, line, old), or None (and a problem) if unusable."""
    event, citekey = values.get("event", "").lower(), values["citekey"]
    old = not event  # a row of the old format: a source finished, every passage judged
    event = event or FINISHED
    if event not in EVENTS:
        log.warning(line, f"unknown event '{shown(event)}'; the row was left out",
                    f"use one of {', '.join(EVENTS)}", "coverage-event")
        return None
    if citekey not in citekeys:
        log.warning(line, f"unknown citekey '{citekey}'{closest(citekey, citekeys)}",
                    "use a citekey from references.bib", "coverage-citekey")
        return None
    passage = None
    if event in (NOTHING, WITHDRAWN):
        passage = _passage(line, values.get("passage", ""), citekey, log, passages)
        if passage is None:
            return None
    at = values.get("at", "") or values.get("finished_at", "")
    if at and not is_iso_time(at):
        log.warning(line, f"'{shown(at)}' is not an ISO 8601 time; the {event} event is kept, but "
                    + ("agreement leaves this coder's codings of the source out until it is fixed"
                       if event == REVEALED else "its time is unknown"),
                    "write it like 2026-10-02T14:05:00+00:00", "coverage-time")
    elif not at and not old:
        log.warning(line, f"the {event} event has no time"
                    + ("; agreement leaves this coder's codings of the source out until it has one"
                       if event == REVEALED else ""),
                    "write when it happened in `at`, like 2026-10-02T14:05:00+00:00", "coverage-time")
    return {"event": event, "citekey": citekey, "passage": passage, "at": at, "note": values.get("note", ""),
            "line": line, "old": old}


def _passage(line: int, cell: str, citekey: str, log: ProblemLog, passages: dict[str, int] | None) -> int | None:
    """The passage a `nothing` event names, or None (and a problem)."""
    number = whole_number(cell) if cell else None
    if number is None:
        what = number_problem(cell) if cell else "no passage number"
        log.warning(line, f"a '{NOTHING}' event needs the passage it judges: {what}; the row was left out",
                    "write the passage number (1 is the source's first passage)", "coverage-passage")
        return None
    if passages is not None and not 1 <= number <= passages.get(citekey, 0):
        log.warning(line, f"{citekey} has no passage {number} (it has {passages.get(citekey, 0)}); the row was "
                    "left out", "write a passage number of the source (did its text change?)", "coverage-passage")
        return None
    return number


def _finished_states(rows: list[dict], file: str) -> list[dict]:
    """For each source whose last finished/reopened event is `finished`: when, where, what was
    judged, and the first reveal (kept through reopenings)."""
    state: dict[str, dict] = {}
    revealed: dict[str, str] = {}
    for row in rows:
        citekey = row["citekey"]
        if row["event"] == FINISHED and citekey not in state:  # finished twice (merged branches): the first
            state[citekey] = {"citekey": citekey, "finished_at": row["at"], "file": file, "line": row["line"],
                              "judged": ALL if row["old"] else MARKED}
        elif row["event"] == REOPENED:
            state.pop(citekey, None)
        elif row["event"] == REVEALED:
            revealed.setdefault(citekey, row["at"] or "?")  # '?': revealed, but when is not known
    return [{**finished, "revealed_at": revealed.get(citekey, "")} for citekey, finished in state.items()]


# ---------------------------------------------------------------- writing a coder's log


class CoverageFile(CsvFile):
    """A coder's coverage log, with the codings file's locking, shape keeping and crash-safe
    appends. Each method reads the log and appends its event under one hold of the lock, so
    two windows never both record the same change, and an event that changes nothing is not
    written (finishing a finished source, withdrawing a judgement never made)."""

    noun = "coverage event"

    def __init__(self, path: Path):
        super().__init__(path, COLUMNS)

    # ------------------------------------------------------------ events

    def finish(self, citekey: str, unread: list[int] = ()) -> None:
        """Mark a source finished; `unread`: the passages the coder confirmed leaving unread."""
        note = f"unread: {', '.join(str(p) for p in sorted(unread))}" if unread else ""
        with self._locked():
            if citekey not in self.finished():
                self._append(FINISHED, citekey, note=note)

    def reopen(self, citekey: str) -> None:
        """Take a finished source back to coding; its earlier events stay in the log."""
        with self._locked():
            if citekey in self.finished():
                self._append(REOPENED, citekey)

    def reveal(self, citekey: str) -> None:
        """Record that the coder was shown the other coders' codings of the source (once
        until the source is finished or reopened again: showing it twice is one reveal)."""
        with self._locked():
            last = [e["event"] for e in self.events() if e["citekey"] == citekey and e["event"] != NOTHING
                    and e["event"] != WITHDRAWN]
            if not last or last[-1] != REVEALED:
                self._append(REVEALED, citekey)

    def nothing(self, citekey: str, passage: int) -> None:
        """Record the coder's judgement that passage `passage` has nothing to code."""
        with self._locked():
            if passage not in self.nothing_passages(citekey):
                self._append(NOTHING, citekey, passage)

    def withdraw_nothing(self, citekey: str, passage: int) -> None:
        """Take back a `nothing` judgement (an undo, or the passage was coded after all)."""
        with self._locked():
            if passage in self.nothing_passages(citekey):
                self._append(WITHDRAWN, citekey, passage)

    # the coding screen's older names
    def mark(self, citekey: str) -> None:
        """finish(citekey)."""
        self.finish(citekey)

    def unmark(self, citekey: str) -> None:
        """reopen(citekey): nothing is deleted."""
        self.reopen(citekey)

    def _append(self, event: str, citekey: str, passage: int | None = None, note: str = "") -> None:
        self.append_rows({"event": event, "citekey": citekey, "passage": passage, "at": now(), "note": note})

    # ------------------------------------------------------------ reading

    def events(self) -> list[dict]:
        """Every event in file order: event, citekey, passage (int or None), at, note. A row of
        the old format is a `finished` event at its finished_at; unreadable rows are skipped
        (Review.load reports them)."""
        events = []
        for row in self.rows():
            event = row.get("event", "").lower() or FINISHED
            events.append({"event": event, "citekey": row.get("citekey", ""),
                           "passage": whole_number(row.get("passage", "")) if row.get("passage") else None,
                           "at": row.get("at", "") or row.get("finished_at", ""), "note": row.get("note", "")})
        return events

    def finished(self) -> set[str]:
        """The sources whose last finished/reopened event is `finished`."""
        state: dict[str, bool] = {}
        for event in self.events():
            if event["event"] in (FINISHED, REOPENED):
                state[event["citekey"]] = event["event"] == FINISHED
        return {citekey for citekey, done in state.items() if done and citekey}

    def nothing_passages(self, citekey: str) -> set[int]:
        """The passages of `citekey` judged "nothing to code here" and not withdrawn."""
        marked: set[int] = set()
        for event in self.events():
            if event["citekey"] == citekey and event["passage"] is not None:
                if event["event"] == NOTHING:
                    marked.add(event["passage"])
                elif event["event"] == WITHDRAWN:
                    marked.discard(event["passage"])
        return marked

    def revealed_at(self, citekey: str) -> str | None:
        """When the coder was first shown the others' codings of `citekey`; None if never."""
        return next((e["at"] for e in self.events() if e["citekey"] == citekey and e["event"] == REVEALED), None)


# ---------------------------------------------------------------- the units agreement counts


def finished_passages(review, after_reveal: bool = False) -> pd.DataFrame:
    """One row per (passage, coder) that the coder judged in a source they finished (UNIT_COLUMNS).

    Judged: every passage of a source finished in the old format (`judged` "all"); in the
    log, the passages the coder coded or marked `nothing` (net of withdrawals), so the
    passages a coder left unread when confirming the finish are not units. Unless
    `after_reveal`, a passage the coder changed after first seeing the others' codings of
    the source is left out for that coder (see `set_aside`).
    """
    coverage = review.coverage
    judged = coverage.get("judged", ALL)
    finished = coverage[["coder", "citekey"]].assign(judged=judged)
    units = review.passages[["passage_id", "citekey", "passage"]].merge(finished, on="citekey")
    marked = units["judged"].eq(MARKED).to_numpy()
    if marked.any():
        units = units[~marked | _among(units, "passage_id", _judged_keys(review))]
    if not after_reveal:
        units = units[~_set_aside_mask(review, units)]
    return units[UNIT_COLUMNS].reset_index(drop=True)


def finished_codings(review, after_reveal: bool = False) -> pd.DataFrame:
    """The codings of sources their coder has finished (what agreement compares); unless
    `after_reveal`, without the codings of passages the coder changed after a reveal."""
    codings = review.codings
    done = set(zip(review.coverage["coder"].tolist(), review.coverage["citekey"].tolist()))
    codings = codings[_among(codings, "citekey", done)]
    if not after_reveal:
        codings = codings[~_set_aside_mask(review, codings)]
    return codings


def nothing_marks(log: pd.DataFrame | None) -> pd.DataFrame:
    """The passages each coder judged "nothing to code here" and has not withdrawn: coder,
    citekey, passage, passage_id, at (of the mark)."""
    columns = ["coder", "citekey", "passage", "passage_id", "at"]
    if log is None or log.empty:
        return pd.DataFrame(columns=columns)
    marks = log[log["event"].isin([NOTHING, WITHDRAWN])]
    last = marks.drop_duplicates(["coder", "citekey", "passage"], keep="last")  # file order is the log's order
    last = last[last["event"] == NOTHING]
    return last.assign(passage_id=last["citekey"] + "/" + last["passage"].astype("string"))[columns]


def set_aside(review) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What agreement leaves out by default, as it was not judged independently:

    - passages (coder, passage_id): of a source the coder was shown the others' codings of,
      a passage with a coding by that coder made or edited (coded_at, edited_at) later than
      the first reveal, or marked or unmarked `nothing` later than it;
    - sources (coder, citekey): those whose reveal has no readable time (which codings came
      after it cannot be told), left out whole until the time is fixed.

    A coding whose own time is missing or unreadable cannot be shown to be later: it counts.
    """
    coverage = review.coverage
    empty = pd.DataFrame(columns=["coder", "passage_id"]), pd.DataFrame(columns=["coder", "citekey"])
    if "revealed_at" not in coverage or not coverage["revealed_at"].astype(bool).any():
        return empty
    revealed = coverage.loc[coverage["revealed_at"].astype(bool), ["coder", "citekey", "revealed_at"]]
    revealed = revealed.assign(reveal=_instants(revealed["revealed_at"]))
    unknown = revealed.loc[revealed["reveal"].isna(), ["coder", "citekey"]].reset_index(drop=True)
    known = revealed[revealed["reveal"].notna()][["coder", "citekey", "reveal"]]
    codings = review.codings.merge(known, on=["coder", "citekey"])
    when = _instants(codings["coded_at"])
    if "edited_at" in codings:
        when = pd.concat([when, _instants(codings["edited_at"])], axis=1).max(axis=1)
    later = [codings.loc[(when > codings["reveal"]).to_numpy(), ["coder", "passage_id"]]]
    log = getattr(review, "coverage_log", None)
    if log is not None and len(log):
        marks = log[log["event"].isin([NOTHING, WITHDRAWN])].merge(known, on=["coder", "citekey"])
        marks = marks[(_instants(marks["at"]) > marks["reveal"]).to_numpy()]
        later.append(marks.assign(passage_id=marks["citekey"] + "/" + marks["passage"].astype("string"))[
            ["coder", "passage_id"]])
    passages = pd.concat(later, ignore_index=True).drop_duplicates().reset_index(drop=True)
    return passages, unknown


def _set_aside_mask(review, rows: pd.DataFrame) -> np.ndarray:
    """Which of `rows` (with coder, citekey, passage_id) `set_aside` leaves out."""
    passages, sources = set_aside(review)
    out = _among(rows, "passage_id", _pairs(passages, "passage_id"))
    return out | _among(rows, "citekey", _pairs(sources, "citekey")) if len(sources) else out


def _judged_keys(review) -> set[tuple[str, str]]:
    """(coder, passage_id) of every passage a coder coded or marked `nothing`."""
    marks = nothing_marks(getattr(review, "coverage_log", None))
    return _pairs(review.codings, "passage_id") | _pairs(marks, "passage_id")


def _pairs(frame: pd.DataFrame, column: str) -> set[tuple[str, str]]:
    return set(zip(frame["coder"].tolist(), frame[column].tolist()))


def _among(rows: pd.DataFrame, column: str, pairs: set[tuple[str, str]]) -> np.ndarray:
    """Whether each row's (coder, `column`) is one of `pairs` (a set: faster than a MultiIndex here)."""
    if not pairs:
        return np.zeros(len(rows), dtype=bool)
    return np.fromiter(((c, k) in pairs for c, k in zip(rows["coder"].tolist(), rows[column].tolist())),
                       dtype=bool, count=len(rows))


def _instants(times: pd.Series) -> pd.Series:
    """ISO 8601 times as UTC instants (a time without zone taken as UTC); NaT where unreadable."""
    return pd.to_datetime(times.fillna("").astype(str), utc=True, errors="coerce", format="ISO8601")
