"""The screening screen: a screener decides, record by record, which of the searches' records
go on (include, exclude with one of the committee's reasons, maybe; at full text also not
retrieved), on the keyboard (static/screening.js) or with the buttons.

    from litcoder.screens.screening import screening_screen
    screening_screen()       # in a notebook of the review: the screener's name, then the records

A `ScreeningSession` holds the logic without widgets (tests drive it directly): the records
the screener decides on at a stage (`inputs.screening.records_to_screen`), their progress, a
decision appended at once to corpus/screening/<screener>.csv, going back to change one's
mind (a new row: the latest counts), and undo (`take_back_decision`: the decision just made is
removed while it is still the row that counts, so what counted before counts again).

Screening is blind: the session reads only this screener's own decisions, so the screen
never shows what another screener decided (the full-text list does follow the decisions
made at title and abstract, as it must). Only the current record is drawn, so a search
export of thousands of records opens as fast as one of ten.
"""

from __future__ import annotations

import html
from pathlib import Path

import anywidget
import ipywidgets as w
import pandas as pd
import traitlets as t

from ..inputs.screening import (
    STAGE_LABELS,
    STAGES,
    ScreeningError,
    latest_decisions,
    paths,
    read_screening,
    record_decision,
    records_to_screen,
    screener_file,
    take_back_decision,
)
from ..layout import SCREENING, SETTINGS_FILE
from ..review import Review
from ..store import CoderFileError
from .coding import STYLE, _say_html
from .session import coder_name_problem, remember_coder, remembered_coder

STATIC = Path(__file__).parent / "static"
ACTIONS = ("include", "exclude", "maybe", "not-retrieved", "next", "previous", "undo")
DECIDING = ("include", "exclude", "maybe", "not-retrieved")
BLIND = ("Blind screening: this screen shows only your own decisions, never another screener's; "
         "disagreements are settled afterwards (corpus/screening-resolved.csv).")


def screening_screen(path: str = ".") -> ScreeningScreen:
    """The screening screen for the review that holds `path` (the notebook's folder by default)."""
    return ScreeningScreen(Review.find(path))


def screener_status(review_path: Path, name: str) -> str:
    """'screener' (has a file in corpus/screening/) or 'new'."""
    return "screener" if screener_file(review_path, name).is_file() else "new"


def screener_name_message(name: str, problem: str) -> str:
    return (f"'{name}' cannot name a screener's file: {problem}; use letters, digits, '-' or '_' "
            "(e.g. member-h)")


class ScreeningSession:
    """One screener at one stage: the records to decide on, in the searches' order, and where the
    screener is among them."""

    def __init__(self, review: Review, screener: str, stage: str = "title-abstract"):
        problem = coder_name_problem(screener)
        if problem:
            raise ScreeningError(screener_name_message(screener, problem))
        selection = review.selection
        if not selection.configured:
            raise ScreeningError(f"this review names no search in {SETTINGS_FILE}, so there is nothing to screen: "
                                 "add a [[searches]] table for each search and its export file")
        self.review, self.screener = review, screener
        self.file = f"{SCREENING}/{screener}.csv"
        self.reasons = list(selection.reasons)
        self.records = selection.records.set_index("record", drop=False)
        searches = selection.searches.set_index("search")
        self._from = {s: (row["source"] or s, row["date"]) for s, row in searches.iterrows()}
        duplicates = self.records[self.records["duplicate_of"] != ""]
        self._also = duplicates.groupby("duplicate_of")["record"].agg(list).to_dict()
        self._mine: dict[tuple[str, str], dict] = {}
        self._undo: list[tuple[dict, dict | None]] = []
        self.stage, self.queue, self.at = stage, [], 0
        self._refresh(selection.decisions, selection.paths)
        self.choose_stage(stage)
        remember_coder(review.path, screener)

    # ------------------------------------------------------------ which records

    def _refresh(self, decisions: pd.DataFrame, ends: pd.DataFrame) -> None:
        """This screener's own latest decisions (nobody else's: screening is blind), and the works' paths."""
        own = latest_decisions(decisions[decisions["screener"] == self.screener])
        self._mine = {(r["record"], r["stage"]): {k: r[k] for k in ("record", "stage", "decision", "reason", "note",
                                                                    "screened_at")} for r in own.to_dict("records")}
        self._ends = ends

    def choose_stage(self, stage: str) -> None:
        """Screen at `stage`, from the first record this screener has not decided on there. The
        decisions are read again, so the full-text list follows title and abstract as it now stands."""
        if stage not in STAGES:
            raise ScreeningError(f"'{stage}' is not a stage: {' or '.join(STAGES)}")
        if stage != self.stage or self.queue:
            s = self.review.selection
            decisions, resolved, _ = read_screening(self.review.path, s.records, s.reasons)
            self._refresh(decisions, paths(s.records, decisions, resolved, s.screeners))
        self.stage = stage
        self.queue = records_to_screen(self.review.selection.records, self._ends, stage)
        self._place = {record: n for n, record in enumerate(self.queue)}
        self._undo = []  # undo takes back decisions made at the stage in hand
        self.at = self._next_undecided(-1) if self.queue else 0

    def _next_undecided(self, after: int) -> int:
        """The place of the first record after `after` (then from the start) not decided by this
        screener at this stage; `after` itself when every record is decided."""
        n = len(self.queue)
        for step in range(1, n + 1):
            place = (after + step) % n
            if (self.queue[place], self.stage) not in self._mine:
                return place
        return max(after, 0)

    @property
    def record(self) -> str | None:
        """The record shown (None when the stage has no record to screen)."""
        return self.queue[self.at] if self.queue else None

    def go(self, number: int) -> None:
        """Show the `number`-th record of the list (1 for the first)."""
        if not 1 <= number <= len(self.queue):
            raise ScreeningError(f"there is no record {number} here: 1 to {len(self.queue)}")
        self.at = number - 1

    def next(self) -> bool:
        if self.at + 1 >= len(self.queue):
            return False
        self.at += 1
        return True

    def previous(self) -> bool:
        if self.at == 0:
            return False
        self.at -= 1
        return True

    def progress(self) -> dict:
        """How many of this stage's records this screener has decided on, of how many."""
        screened = sum((record, self.stage) in self._mine for record in self.queue)
        return {"stage": self.stage, "screened": screened, "records": len(self.queue),
                "to_go": len(self.queue) - screened}

    def progress_text(self) -> str:
        p = self.progress()
        return f"{p['screened']} of {p['records']} screened at {STAGE_LABELS[self.stage]}"

    def mine(self, record: str | None = None) -> dict | None:
        """This screener's decision on a record (the one shown by default) at this stage, or None."""
        return self._mine.get((record or self.record, self.stage))

    def details(self, record: str | None = None) -> dict:
        """What the screen shows of a record: title, authors, year, venue, abstract, link, and
        the search it came from (with the records of the same work found by other searches)."""
        row = self.records.loc[record or self.record]
        source, date = self._from.get(row["search"], (row["search"], ""))
        doi, url = _text(row["doi"]), _text(row["url"])
        link = (doi if doi.startswith(("https://", "http://")) else f"https://doi.org/{doi}") if doi else (
            url if url.startswith(("https://", "http://")) else "")
        return {"record": row["record"], "title": _text(row["title"]) or "(no title in the export)",
                "authors": _text(row["authors"]), "year": _text(row["year"]), "container": _text(row["container"]),
                "abstract": _text(row["abstract"]), "link": link, "link_text": doi or url,
                "search": f"{source}, search {row['search']}" + (f" run {date}" if date else ""),
                "also": self._also.get(row["record"], [])}

    # ------------------------------------------------------------ deciding

    def decide(self, decision: str, reason: str | int = "", note: str = "", record: str | None = None) -> dict:
        """Record this screener's decision on `record` (the one shown by default): include,
        exclude (with a reason: its text, or its number from 1 in the committee's list), maybe,
        or at full text not-retrieved. Appended at once; then the next record not yet decided
        is shown. Returns the row written; ScreeningError when it cannot be (nothing written)."""
        record = record or self.record
        if record not in self._place:
            raise ScreeningError(f"{record} is not among the records to screen at {STAGE_LABELS[self.stage]}")
        reason = self._reason(reason) if decision == "exclude" else ""
        before = self.mine(record)
        try:
            row = record_decision(self.review.path, self.screener, record, self.stage, decision, reason, note,
                                  self.reasons)
        except CoderFileError as err:
            raise ScreeningError(str(err)) from err
        self._mine[(record, self.stage)] = row
        self._undo.append((row, before))
        self.at = self._next_undecided(self._place[record])
        return row

    def _reason(self, reason: str | int) -> str:
        if isinstance(reason, int) and not isinstance(reason, bool):
            if not 1 <= reason <= len(self.reasons):
                raise ScreeningError(f"there is no reason numbered {reason}: the committee's reasons are numbered 1 "
                                     f"to {len(self.reasons)}" if self.reasons else self._no_reasons())
            return self.reasons[reason - 1]
        if not self.reasons:
            raise ScreeningError(self._no_reasons())
        if not str(reason).strip():
            raise ScreeningError("an exclusion needs a reason: press e, then the reason's number")
        return str(reason)

    @staticmethod
    def _no_reasons() -> str:
        return (f"the committee has listed no reasons for excluding a record: add them in {SETTINGS_FILE}, "
                '[screening] reasons = ["…", "…"], then open the screen again')

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> str:
        """Take back this session's last decision at this stage (see take_back_decision) and show
        its record again; returns what was done."""
        if not self._undo:
            raise ScreeningError(f"no decision to undo at {STAGE_LABELS[self.stage]} in this session")
        row, before = self._undo[-1]
        try:
            said = take_back_decision(self.review.path, self.screener, row, before)
        except CoderFileError as err:
            raise ScreeningError(str(err)) from err
        self._undo.pop()
        key = (row["record"], row["stage"])
        if before is None:
            self._mine.pop(key, None)
        else:
            self._mine[key] = before
        self.at = self._place[row["record"]]
        return said


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


class ScreeningPad(anywidget.AnyWidget):
    """The record and the screener's keys (static/screening.js). It only shows and collects: what
    a key asks for reaches `on_action(action, message)`, which the screening screen answers."""

    _esm = (STATIC / "screening.js").read_text(encoding="utf-8")
    _css = (STATIC / "screening.css").read_text(encoding="utf-8")

    record = t.Dict().tag(sync=True)
    """The record shown (ScreeningSession.details)."""
    reasons = t.List(t.Unicode()).tag(sync=True)
    stage = t.Unicode("title-abstract").tag(sync=True)
    mine = t.Dict().tag(sync=True)
    """This screener's decision on the record at this stage ({} when none)."""
    where = t.Unicode("").tag(sync=True)
    progress = t.Unicode("").tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    status_kind = t.Unicode("").tag(sync=True)

    def __init__(self, on_action=lambda action, message: None, **kwargs):
        super().__init__(**kwargs)
        self.on_action = on_action
        self.note = ""
        """The note as the screener last typed it (sent with each key) or as the screen last showed it."""
        self.on_msg(self._received)

    def _received(self, _widget, content, _buffers) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action not in ACTIONS:
            return
        if isinstance(content.get("note"), str):
            self.note = content["note"]
        self.on_action(action, content)

    def press(self, action: str, **message) -> None:
        """Act as if the screener pressed the key for `action` (tests, and the screen's own buttons)."""
        self._received(self, {"action": action, **message}, [])

    def show_note(self, note: str) -> None:
        """Put `note` in the note box (a record's own earlier note, or empty for a new record)."""
        self.note = note
        self.send({"note": note})

    def focus(self) -> None:
        self.send({"focus": True})

    def say(self, message: str, kind: str = "plain") -> None:
        self.status, self.status_kind = message, kind


class ScreeningScreen(w.VBox):
    def __init__(self, review: Review):
        self.review = review
        self.session: ScreeningSession | None = None
        self._quiet = False
        self.screener = w.Text(value=remembered_coder(review.path), placeholder="your name", description="Screener")
        self.start = w.Button(description="Start screening", button_style="primary", icon="play")
        self.message = w.HTML()
        self.confirm = w.HBox()
        self.stage = w.ToggleButtons(options=[(STAGE_LABELS[s], s) for s in STAGES], value=STAGES[0],
                                     description="Stage")
        self.pad = ScreeningPad(on_action=self._act, reasons=review.selection.reasons)
        self.workspace = w.VBox([self.stage, self.pad], layout=w.Layout(display="none"))
        blind = w.HTML(f'<div class="lc-plan">{html.escape(BLIND, quote=False)}</div>')
        super().__init__([w.HTML(STYLE), blind, w.HBox([self.screener, self.start]), self.message, self.confirm,
                          self.workspace])
        self.add_class("lc-screen")
        self.start.on_click(lambda _: self._start())
        self.screener.observe(lambda _: self._forget_confirmation(), names="value")
        self.stage.observe(lambda change: self._choose_stage(change["new"]), names="value")
        if not review.selection.configured:
            self.start.disabled = True
            self._says(f"This review names no search in {SETTINGS_FILE}, so there is nothing to screen yet: add a "
                       "[[searches]] table for each search, with the export it produced.", "warn")

    # ------------------------------------------------------------ who screens

    def _start(self) -> None:
        name = self.screener.value.strip()
        problem = coder_name_problem(name) if name else "it is empty"
        if problem:
            self._says(screener_name_message(name, problem), "error")
            return
        status = screener_status(self.review.path, name)
        if status == "screener" and name == remembered_coder(self.review.path):
            self._begin(name)
        elif status == "new":
            self._ask(f"No one named {name} has screened in this review yet.", f"Create screener {name}", name)
        else:
            self._ask(f"{name} has screened in this review already. Screen as {name} only if you are {name}: "
                      "your decisions go into their file.", f"I am {name}", name)

    def _ask(self, question: str, label: str, name: str) -> None:
        go, cancel = w.Button(description=label, layout=w.Layout(width="auto")), w.Button(description="Cancel")
        go.on_click(lambda _: self._begin(name))
        cancel.on_click(lambda _: self._forget_confirmation())
        self.confirm.children = [go, cancel]
        self._says(question, "warn")

    def _forget_confirmation(self) -> None:
        self.confirm.children = []
        self.message.value = ""

    def _says(self, message: str, kind: str) -> None:
        self.message.value = _say_html(message, kind)

    def _begin(self, name: str) -> None:
        try:
            self.session = ScreeningSession(self.review, name, self.stage.value)
        except ScreeningError as err:
            self._says(str(err), "error")
            return
        self.confirm.children = []
        self._says(f"screening as {name}: your decisions go to {self.session.file}", "ok")
        self.workspace.layout.display = "flex"
        self._draw()
        self.pad.focus()

    # ------------------------------------------------------------ what the pad asks for

    def _choose_stage(self, stage: str) -> None:
        if self._quiet or self.session is None:
            return
        self.session.choose_stage(stage)
        self.pad.say("")
        self._draw()
        self.pad.focus()

    def _act(self, action: str, message: dict) -> None:
        s = self.session
        if s is None:
            return
        try:
            if action in DECIDING:
                self._decide(action, message)
            elif action in ("next", "previous"):
                if not getattr(s, action)():
                    self.pad.say("no record further that way", "plain")
                    return
                self.pad.say("")
                self._draw()
            elif action == "undo":
                said = s.undo()
                self._draw()
                self.pad.say(said, "ok")
        except ScreeningError as err:
            self.pad.say(str(err), "error")
        except Exception as err:  # the screener must know, and keep the note they typed
            self.pad.say(f"not saved ({type(err).__name__}: {err}); try again", "error")
        finally:
            self.pad.focus()

    def _decide(self, decision: str, message: dict) -> None:
        s = self.session
        reason = message.get("reason", "")
        record = message.get("record") if isinstance(message.get("record"), str) else None
        row = s.decide(decision, reason if isinstance(reason, int | str) else "", self.pad.note, record)
        said = f"saved to {s.file}: {row['record']} {row['decision']}" + (f" ({row['reason']})" if row["reason"]
                                                                          else "")
        self._draw()
        p = s.progress()
        self.pad.say(said + ("; every record at this stage is screened" if not p["to_go"] else ""), "ok")

    # ------------------------------------------------------------ drawing

    def _draw(self) -> None:
        s = self.session
        record = s.record
        mine = s.mine() or {}
        with self.pad.hold_sync():
            self.pad.stage = s.stage
            self.pad.progress = s.progress_text()
            if record is None:
                self.pad.record, self.pad.mine = {}, {}
                self.pad.where = ("no record passed title and abstract yet" if s.stage == "full-text"
                                  else "no record to screen")
            else:
                self.pad.record, self.pad.mine = s.details(), dict(mine)
                self.pad.where = f"Record {s.at + 1} of {len(s.queue)} · {record}"
        self.pad.show_note(mine.get("note", ""))
