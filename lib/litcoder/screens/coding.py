"""The coding screen (ipywidgets around the coding pad), drawn over a CodingSession.

    from litcoder.screens.coding import coding_screen
    coding_screen()          # in a notebook of the review: the screen, ready to code

The coder selects the words of the passage with the mouse, chooses a competency (a
suggestion's key, or / to search), a framing (1–4) and presses Enter: the coding is in the
coder's file at once; nothing waits for a notebook save. The pad's Keys (?) lists every
key; everything else is reachable with Tab and Enter. Where the committee has a plan of who
codes which source (`litcoder assign`), the coder's own sources come first in the list,
marked ★, with their progress against the plan; the other sources follow.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..inputs.history import coding_history
from ..layout import ASSIGNMENTS
from ..review import Review
from .pad import CodingPad
from .session import (
    BlindCoding,
    CodingError,
    CodingSession,
    UnjudgedPassages,
    coder_name_message,
    coder_name_problem,
    coder_status,
    remembered_coder,
)

STYLE = """
<style>
.lc-context { color: #6b6b70; font-size: .9rem; line-height: 1.45; padding: .2rem .8rem; white-space: pre-wrap;
              max-height: 5.5em; overflow: hidden; max-width: 52rem; }
.lc-coding { font-size: .9rem; padding: .15rem 0; }
.lc-tag { display: inline-block; padding: 0 .45rem; border-radius: 9px; color: #fff; font-size: .8rem; }
.lc-tag.leadership { background: #0F3A73; } .lc-tag.management { background: #C04E00; }
.lc-tag.both { background: #B77AAC; } .lc-tag.neither { background: #6b6b70; }
.lc-error { color: #b3261e; } .lc-ok { color: #1e7d34; } .lc-warn { color: #8a4b00; }
.lc-plan { font-size: .9rem; color: #3c3c41; }
.lc-history td, .lc-history th { font-size: .85rem; padding: .1rem .5rem; text-align: left; vertical-align: top; }
</style>
"""


AUTO = w.Layout(width="auto")
YOURS = "★ "
"""What marks, in the source list, a source the committee's plan gives this coder."""
QUICK_PICKS = 5
"""Competencies offered on a key (pad.js QUICK_KEYS): suggestions, then recent ones."""


def coding_screen(path: str = ".") -> CodingScreen:
    """The coding screen for the review that holds `path` (the notebook's folder by default)."""
    return CodingScreen(Review.find(path))


def _tag(framing: str) -> str:
    return f'<span class="lc-tag {html.escape(framing)}">{html.escape(framing)}</span>'


def _say_html(message: str, kind: str) -> str:
    return f'<span class="lc-{kind}">{html.escape(message)}</span>' if message else ""


class CodingScreen(w.VBox):
    def __init__(self, review: Review):
        self.review = review
        self.session: CodingSession | None = None
        self.editing: str | None = None
        self._quiet = False  # set while the screen itself changes a widget, so observers keep still
        self.labels = dict(zip(review.codebook["competency"], review.codebook["label"]))

        # who codes: a name, then an explicit choice for a new coder or someone else's name
        self.coder = w.Text(value=remembered_coder(review.path), placeholder="your coder name", description="Coder")
        self.start = w.Button(description="Start coding", button_style="primary", icon="play")
        self.coder_message = w.HTML()
        self.confirm = w.HBox()
        # where
        self.source = w.Dropdown(description="Source", options=[], layout=w.Layout(width="60%"), disabled=True)
        self.progress = w.HTML()
        self.plan = w.HTML()
        self.previous_button = w.Button(description="Previous (p)", icon="arrow-left", layout=AUTO)
        self.next_button = w.Button(description="Next (n)", icon="arrow-right", layout=AUTO)
        self.uncoded_button = w.Button(description="Next unjudged (u)", icon="forward", layout=AUTO)
        self.number = w.BoundedIntText(value=1, min=1, max=1, description="Passage", layout=w.Layout(width="11rem"))
        self.before, self.after = w.HTML(), w.HTML()
        # the pad: selection, competency, framing, save
        self.pad = CodingPad(review.codebook, on_action=self._act)
        self.memo = w.Textarea(description="Memo", placeholder="optional (m)",
                               layout=w.Layout(width="95%", height="3.5rem"))
        self.memo.add_class("lc-memo")
        self.mine = w.VBox()
        self.history = w.HTML()
        # finishing, and the other coders
        self.finish_button = w.Button(description="Mark source finished", icon="flag-checkered")
        self.finish_confirm = w.HBox()
        self.show_others = w.Checkbox(description="Show other coders' codings", value=False, disabled=True)
        self.others = w.HTML()
        self.notes = w.HTML()

        self.workspace = w.VBox([
            w.HBox([self.source]), self.progress, self.plan,
            w.HBox([self.previous_button, self.next_button, self.uncoded_button, self.number]),
            self.before, self.pad, self.after, self.memo,
            w.HTML("<b>Your codings of this passage</b>"), self.mine, self.history,
            w.HBox([self.finish_button, self.show_others]), self.finish_confirm, self.others, self.notes,
        ], layout=w.Layout(display="none"))
        super().__init__([w.HTML(STYLE), w.HBox([self.coder, self.start]), self.coder_message, self.confirm,
                          self.workspace])
        self.add_class("lc-screen")

        self.start.on_click(lambda _: self._start())
        self.coder.observe(lambda _: self._forget_confirmation(), names="value")
        self.source.observe(lambda change: self._open(change["new"]), names="value")
        self.previous_button.on_click(lambda _: self._act("previous", {}))
        self.next_button.on_click(lambda _: self._act("next", {}))
        self.uncoded_button.on_click(lambda _: self._act("uncoded", {}))
        self.number.observe(lambda change: self._go(change["new"]), names="value")
        self.finish_button.on_click(lambda _: self._toggle_finished())
        self.show_others.observe(lambda _: self._draw_others(), names="value")

    # ------------------------------------------------------------ who codes

    def _start(self) -> None:
        name = self.coder.value.strip()
        problem = coder_name_problem(name) if name else "it is empty"
        if problem:
            self._coder_says(coder_name_message(name, problem), "error")
            return
        status = coder_status(self.review.path, name)
        if status != "new" and name == remembered_coder(self.review.path):
            self._begin(name, practice=status == "practice")
        elif status == "new":
            self._ask(f"There is no coder named {name} in this review yet.",
                      [(f"Create coder {name}", lambda: self._begin(name, False)),
                       (f"Create practice coder {name}", lambda: self._begin(name, True))],
                      "a practice coder's codings are kept out of agreement, the evidence and the report until the "
                      f"committee enrols them (litcoder enrol {name})")
        else:
            kind = "a practice coder" if status == "practice" else "a coder"
            self._ask(f"{name} is {kind} with codings in this review already. Code as {name} only if you are "
                      f"{name}: your codings go into their file.",
                      [(f"I am {name}", lambda: self._begin(name, status == "practice"))], "")

    def _ask(self, question: str, choices: list, note: str) -> None:
        buttons = []
        for label, chosen in choices:
            button = w.Button(description=label, layout=w.Layout(width="auto"))
            button.on_click(lambda _, chosen=chosen: chosen())
            buttons.append(button)
        cancel = w.Button(description="Cancel")
        cancel.on_click(lambda _: self._forget_confirmation())
        self.confirm.children = buttons + [cancel]
        self._coder_says(question + (f" ({note})" if note else ""), "warn")

    def _forget_confirmation(self) -> None:
        self.confirm.children = []
        self.coder_message.value = ""

    def _coder_says(self, message: str, kind: str) -> None:
        self.coder_message.value = _say_html(message, kind)

    def _begin(self, name: str, practice: bool) -> None:
        try:
            self.session = CodingSession(self.review, name, practice=practice)
        except CodingError as err:
            self._coder_says(str(err), "error")
            return
        self.confirm.children = []
        self._coder_says(f"coding as {name}" + (" (practice: not counted until enrolled)" if practice else ""), "ok")
        self._quietly(lambda: setattr(self.source, "options", self._source_options()))
        self.source.disabled = False
        self.workspace.layout.display = "flex"
        unfinished = self.session.sources()
        unfinished = unfinished[~unfinished["finished"]]
        first = unfinished["citekey"].iloc[0] if len(unfinished) else self.source.options[0][1]
        self._quietly(lambda: setattr(self.source, "value", first))
        self._open(first)

    # ------------------------------------------------------------ where

    def _source_options(self) -> list[tuple[str, str]]:
        """The source list: the coder's own sources first (★), finished ones ticked (✓)."""
        table = self.session.sources()
        return [(f"{YOURS if y else ''}{'✓ ' if f else ''}{a} — {t[:60]} ({c}/{p})", k)
                for k, a, t, p, c, f, y in zip(table["citekey"], table["author_year"], table["title"],
                                               table["passages"], table["coded"], table["finished"], table["yours"])]

    def _plan_text(self) -> str:
        """The coder's progress against the committee's plan ('' when there is no plan)."""
        p = self.session.plan_progress()
        if p is None:
            return ("" if self.review.assignments.empty else
                    f'<span class="lc-plan">The committee\'s plan ({ASSIGNMENTS}) gives you no sources: every source '
                    "is listed as before.</span>")
        twice = f"; {p['coded_twice']} of them coded by two coders, for agreement" if p["coded_twice"] else ""
        untexted = (f"; {p['without_text']} {'has' if p['without_text'] == 1 else 'have'} no text yet, so "
                    f"{'is' if p['without_text'] == 1 else 'are'} not in the list") if p["without_text"] else ""
        return (f'<span class="lc-plan">{YOURS}Your sources in the committee\'s plan: <b>{p["finished"]} of '
                f'{p["sources"]} finished</b>, {p["to_do"]} to do{twice}{untexted}. The other sources follow '
                "yours in the list.</span>")

    def _open(self, citekey: str | None, number: int | None = None) -> None:
        if self._quiet or not citekey or self.session is None:
            return
        if citekey == self.session.citekey and number is None:
            return  # the list redrawn in the browser, not the coder choosing: keep the coder's work in hand
        self.session.open(citekey, number)
        self._quietly(lambda: setattr(self.number, "max", len(self.session.passages)))
        self.finish_confirm.children = []
        self._clear_form()
        self._draw()

    def open_passage(self, citekey: str, number: int) -> None:
        """Show a passage (a search result's 'Open'), once a coder has started."""
        if self.session is None:
            self._coder_says("start coding first (your coder name, then Start coding)", "error")
            return
        self._quietly(lambda: setattr(self.source, "value", citekey))
        self._open(citekey, number)
        self.pad.focus()

    def _quietly(self, change) -> None:
        """Change widgets without their observers acting (a new options list resets a Dropdown's
        value, a lower maximum clamps a number box: neither is the user moving)."""
        self._quiet = True
        try:
            change()
        finally:
            self._quiet = False

    def _go(self, number: int) -> None:
        if not self._quiet and self.session and number != self.session.number:
            self.session.go(number)
            self._clear_form()
            self._draw()

    # ------------------------------------------------------------ what the pad asks for

    def _act(self, action: str, message: dict) -> None:
        if self.session is None:
            return
        s = self.session
        moves = {"next": s.next, "previous": s.previous, "uncoded": s.next_uncoded}
        try:
            if action in moves:
                if not moves[action]():
                    self.pad.say("no further passage that way" if action != "uncoded"
                                 else "every passage of this source is judged")
                    return
                self._clear_form()
                self._draw()
            elif action == "save":
                if isinstance(message.get("memo"), str):  # as typed: its own sync may still be on its way
                    self.memo.value = message["memo"]
                self._save()
            elif action == "cancel":
                self._clear_form()
            elif action == "edit":
                self._edit(s._mine(message.get("id", "")))
            elif action == "nothing":
                marked = s.nothing_here()
                self._draw()
                self.pad.say("marked: nothing to code in this passage" if marked else "“nothing to code here” taken "
                             "back", "ok")
            elif action == "undo":
                said = s.undo()
                self._clear_form()
                self._draw()
                self.pad.say(said, "ok")
        except CodingError as err:
            self.pad.say(str(err), "error")
        except Exception as err:  # a file that cannot be written: the coder must know, and keep the form
            self.pad.say(f"not saved ({type(err).__name__}: {err}); your coding is still in the form, try again",
                         "error")
        else:
            self._tell_notices()
        self.pad.focus()

    def _save(self) -> None:
        pad = self.pad
        if pad.competency not in self.labels:
            pad.say("choose a competency: press / and type part of its name (or a suggestion's key)", "error")
            return
        if not pad.framing:
            pad.say("choose how the source frames it: 1 leadership, 2 management, 3 both, 4 neither", "error")
            return
        if self.editing:
            self.session.edit(self.editing, pad.competency, pad.framing, None, self.memo.value,
                              pad.quote_span or self._passage_span())
            message = "changes saved"
        else:
            saved = self.session.save(pad.competency, pad.framing, None, self.memo.value, pad.quote_span)
            message = f"saved to {self.session.file}: {self.labels[saved['competency']]}, {saved['framing']}"
        self._clear_form()
        self._draw()
        pad.say(message, "ok")

    def _passage_span(self) -> tuple[int, int]:
        return 0, len(self.session.passage["text"])

    def _edit(self, coding: dict) -> None:
        self.editing = coding["id"]
        start = self.session.passage["start"]
        span = [int(coding["start"]) - start, int(coding["end"]) - start] if pd.notna(coding.get("start")) else []
        self.pad.show_choice(coding["competency"], coding["framing"], span, coding["id"])
        self.memo.value = coding.get("memo") or ""
        self.pad.say("editing this coding: change the selection, competency, framing or memo, then Enter")

    def _remove(self, coding: dict) -> None:
        try:
            self.session.remove(coding["id"])
        except CodingError as err:
            self.pad.say(str(err), "error")
            return
        self._clear_form()
        self._draw()
        self.pad.say(f"coding removed ({self.labels[coding['competency']]}): press z or Undo to bring it back", "ok")
        self.pad.focus()

    def _show_history(self, coding: dict) -> None:
        versions = coding_history(self.review.path, self.session.coder, coding["id"])
        rows = "".join(f"<tr><td>{html.escape(str(v.get('when') or ''))}</td><td>{html.escape(v['how'])}</td>"
                       f"<td>{html.escape(self.labels.get(v.get('competency'), v.get('competency') or ''))}</td>"
                       f"<td>{html.escape(v.get('framing') or '')}</td><td>“{html.escape(v.get('quote') or '')}”</td>"
                       f"<td>{html.escape(v.get('memo') or '')}</td></tr>" for v in versions)
        self.history.value = ('<table class="lc-history"><tr><th>when</th><th>what</th><th>competency</th>'
                              f"<th>framing</th><th>quote</th><th>memo</th></tr>{rows}</table>")

    # ------------------------------------------------------------ finishing a source

    def _toggle_finished(self) -> None:
        s = self.session
        self.finish_confirm.children = []
        try:
            if s.is_finished():
                s.reopen()
                note = (" You have seen the other coders' codings of this source: what you code or change in it "
                        "from now on is left out of agreement (it still counts as evidence).") if s.revealed() else ""
                self.pad.say("the source is open for coding again." + note, "warn" if note else "ok")
            else:
                s.finish()
                self.pad.say("source finished: the other coders' codings can be shown now", "ok")
        except UnjudgedPassages as err:
            self._confirm_finish(err)
            return
        except CodingError as err:
            self.pad.say(str(err), "error")
            return
        self._draw()
        self._tell_notices()

    def _confirm_finish(self, err: UnjudgedPassages) -> None:
        anyway = w.Button(description="Finish anyway", button_style="warning")
        first = w.Button(description=f"Go to passage {err.numbers[0]}", button_style="primary")
        keep = w.Button(description="Keep coding")
        anyway.on_click(lambda _: self._finish_anyway())
        first.on_click(lambda _: self._jump(err.numbers[0]))
        keep.on_click(lambda _: setattr(self.finish_confirm, "children", []))
        self.finish_confirm.children = [w.HTML(_say_html(str(err), "warn"), layout=w.Layout(width="60%")),
                                        first, anyway, keep]

    def _finish_anyway(self) -> None:
        try:
            self.session.finish(anyway=True)
        except CodingError as err:
            self.pad.say(str(err), "error")
            return
        self.finish_confirm.children = []
        self._draw()
        self.pad.say("source finished; its unjudged passages do not count in agreement", "ok")

    def _jump(self, number: int) -> None:
        self.finish_confirm.children = []
        self.session.go(number)
        self._clear_form()
        self._draw()
        self.pad.focus()

    # ------------------------------------------------------------ drawing

    def _clear_form(self) -> None:
        self.editing = None
        self.memo.value = ""
        self.history.value = ""
        self.pad.show_choice()

    def _draw(self) -> None:
        s = self.session
        before, text, after = s.context()
        self._quietly(lambda: setattr(self.number, "value", s.number))
        p = s.progress()
        finished = s.is_finished()
        self.progress.value = (f"Judged {p['passages_judged']} of {p['passages_total']} passages of this source · "
                               f"sources finished {p['sources_finished']} of {p['sources_total']}"
                               + (" · <b>this source is finished</b>" if finished else ""))
        self.plan.value = self._plan_text()
        self.before.value = f'<div class="lc-context">{html.escape(before)}</div>' if before else ""
        self.after.value = f'<div class="lc-context">{html.escape(after)}</div>' if after else ""
        start = s.passage["start"]
        mine = s.my_codings()
        self.pad.text = text
        self.pad.marks = [{"id": c["id"], "start": int(c["start"]) - start, "end": int(c["end"]) - start,
                           "label": self.labels[c["competency"]], "framing": c["framing"]}
                          for c in mine if pd.notna(c.get("start"))]
        self.pad.quick = self._quick_picks()
        self.pad.nothing = s.number in s.nothing_passages()
        self.pad.where = self._where(p)
        self.mine.children = [self._coding_row(c) for c in mine] or [
            w.HTML("<i>nothing to code here (you said so: 0 takes it back)</i>" if self.pad.nothing
                   else "<i>none yet</i>")]
        self.finish_button.description = "Reopen source" if finished else "Mark source finished"
        self.show_others.disabled = not finished
        self.show_others.description = ("Show other coders' codings (recorded in your coverage log)"
                                        if not s.revealed() else "Show other coders' codings")
        if not finished:
            self.show_others.value = False
        self._draw_others()

        def refresh_sources():
            options = self._source_options()
            if list(self.source.options) != options:  # a new list makes the browser choose again
                self.source.options = options
            if self.source.value != s.citekey:
                self.source.value = s.citekey
        self._quietly(refresh_sources)

    def _quick_picks(self) -> list[dict]:
        """The competencies a key chooses (q w e r t): the suggestions for this passage, then
        the ones this coder used last."""
        picks = [{"id": x["competency"], "label": x["label"], "framing": x["framing"], "why": "suggested"}
                 for x in self.session.suggestions()]
        for competency in self.session.recent_competencies():
            if len(picks) < QUICK_PICKS and competency not in {p["id"] for p in picks}:
                picks.append({"id": competency, "label": self.labels[competency], "framing": "", "why": "recent"})
        return picks

    def _where(self, progress: dict) -> str:
        s = self.session
        page, pdf_page = s.passage["page"], s.passage.get("pdf_page")  # printed page, and the PDF's when it differs
        where = "" if pd.isna(page) else f" (p. {page}" + (
            "" if pd.isna(pdf_page) or str(pdf_page) == str(page) else f"; PDF page {pdf_page}") + ")"
        return f"Passage {s.number} of {progress['passages_total']}{where}"

    def _coding_row(self, coding: dict) -> w.HBox:
        label = self.labels[coding["competency"]]
        memo = f" — <i>{html.escape(coding.get('memo') or '')}</i>" if coding.get("memo") else ""
        text = w.HTML(f'<div class="lc-coding"><b>{html.escape(label)}</b> {_tag(coding["framing"])} '
                      f'“{html.escape(coding["quote"])}”{memo}</div>', layout=w.Layout(width="65%"))
        edit = w.Button(description="Edit", icon="pencil", layout=w.Layout(width="6rem"))
        remove = w.Button(description="Remove", icon="trash", layout=w.Layout(width="7rem"),
                          tooltip="remove this coding (z or Undo brings it back)")
        history = w.Button(description="History", icon="clock", layout=w.Layout(width="7rem"))
        edit.on_click(lambda _: (self._edit(coding), self.pad.focus()))
        remove.on_click(lambda _: self._remove(coding))
        history.on_click(lambda _: self._show_history(coding))
        return w.HBox([text, edit, remove, history])

    def _draw_others(self) -> None:
        if not self.show_others.value:
            self.others.value = ""
            return
        try:
            codings = self.session.others_codings()
        except BlindCoding as err:
            self.others.value = f"<i>{html.escape(str(err))}</i>"
            return
        self.show_others.description = "Show other coders' codings"
        rows = [f'<div class="lc-coding">{html.escape(c["coder"])}: <b>{html.escape(self.labels[c["competency"]])}'
                f'</b> {_tag(c["framing"])} “{html.escape(c["quote"])}”</div>' for c in codings]
        self.others.value = "".join(rows) or "<i>no other coder coded this passage</i>"

    def _tell_notices(self) -> None:
        """What the coder's files have to tell (a cut-off row moved aside, a file converted to UTF-8)."""
        notices = self.session.notices() if self.session else []
        if notices:
            self.notes.value = "".join(f'<div class="lc-error">note: {html.escape(n)}</div>' for n in notices)
