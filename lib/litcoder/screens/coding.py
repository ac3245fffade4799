"""The coding screen (ipywidgets), drawn over a CodingSession.

    from litcoder.screens.coding import coding_screen
    coding_screen()          # in a notebook of the review: the screen, ready to code

Everything is reachable with Tab and Enter: coder, source, passage navigation, the
suggestions, competency (type to search), framing, quote, memo, Save. Each Save writes
the coding to the coder's file at once; nothing waits for a notebook save.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..inputs.codebook import FRAMINGS
from ..review import Review
from .session import BlindCoding, CodingError, CodingSession, remembered_coder

STYLE = """
<style>
.lc-passage { font-size: 1.05rem; line-height: 1.55; padding: .6rem .8rem; border-left: 4px solid #1d1d1f;
              background: #f6f6f8; white-space: pre-wrap; }
.lc-context { color: #6b6b70; font-size: .9rem; line-height: 1.45; padding: .2rem .8rem; white-space: pre-wrap;
              max-height: 5.5em; overflow: hidden; }
.lc-passage mark { background: #fff1a8; }
.lc-coding { font-size: .9rem; padding: .15rem 0; }
.lc-tag { display: inline-block; padding: 0 .45rem; border-radius: 9px; color: #fff; font-size: .8rem; }
.lc-tag.leadership { background: #0072B2; } .lc-tag.management { background: #D55E00; }
.lc-tag.both { background: #CC79A7; } .lc-tag.neither { background: #A6A6A6; }
.lc-error { color: #b3261e; } .lc-ok { color: #1e7d34; }
</style>
"""


def coding_screen(path: str = ".") -> CodingScreen:
    """The coding screen for the review that holds `path` (the notebook's folder by default)."""
    return CodingScreen(Review.find(path))


def _tag(framing: str) -> str:
    return f'<span class="lc-tag {html.escape(framing)}">{html.escape(framing)}</span>'


class CodingScreen(w.VBox):
    def __init__(self, review: Review):
        self.review = review
        self.session: CodingSession | None = None
        self.editing: str | None = None
        self._quiet = False  # set while the screen itself changes a widget, so observers keep still
        labels = review.codebook
        self.choices = {f"{label} — {g}": c
                        for label, g, c in zip(labels["label"], labels["group_label"], labels["competency"])}
        self.choice_of = {c: k for k, c in self.choices.items()}

        coders = sorted(set(review.coders) | {remembered_coder(review.path)} - {""})
        self.coder = w.Combobox(value=remembered_coder(review.path), options=coders, placeholder="your coder name",
                                description="Coder", ensure_option=False)
        self.start = w.Button(description="Start coding", button_style="primary", icon="play")
        self.source = w.Dropdown(description="Source", options=[], layout=w.Layout(width="60%"), disabled=True)
        self.progress = w.HTML()
        self.previous_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.uncoded_button = w.Button(description="Next uncoded", icon="forward")
        self.number = w.BoundedIntText(value=1, min=1, max=1, description="Passage", layout=w.Layout(width="11rem"))
        self.before, self.text, self.after = w.HTML(), w.HTML(), w.HTML()
        self.suggested = w.HBox()
        self.competency = w.Combobox(options=list(self.choices), placeholder="type to search the codebook",
                                     description="Competency", ensure_option=True, layout=w.Layout(width="60%"))
        self.framing = w.ToggleButtons(options=list(FRAMINGS), value=None, description="Framing")
        self.quote = w.Textarea(description="Quote", layout=w.Layout(width="95%", height="5.5rem"),
                                placeholder="the words that show the competency; delete words to narrow it")
        self.whole = w.Button(description="Whole passage", icon="undo", tooltip="Quote the whole passage again")
        self.memo = w.Textarea(description="Memo", placeholder="optional",
                               layout=w.Layout(width="95%", height="3.5rem"))
        self.save_button = w.Button(description="Save coding", button_style="success", icon="check")
        self.cancel_button = w.Button(description="Cancel edit", layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.mine = w.VBox()
        self.finish_button = w.Button(description="Mark source finished", icon="flag-checkered")
        self.show_others = w.Checkbox(description="Show other coders' codings", value=False, disabled=True)
        self.others = w.HTML()

        self.workspace = w.VBox([
            w.HBox([self.source]), self.progress,
            w.HBox([self.previous_button, self.next_button, self.uncoded_button, self.number]),
            self.before, self.text, self.after, self.suggested, self.competency, self.framing,
            w.HBox([self.quote, self.whole]), self.memo, w.HBox([self.save_button, self.cancel_button, self.status]),
            w.HTML("<b>Your codings of this passage</b>"), self.mine,
            w.HBox([self.finish_button, self.show_others]), self.others,
        ], layout=w.Layout(display="none"))
        super().__init__([w.HTML(STYLE), w.HBox([self.coder, self.start]), self.workspace])

        self.start.on_click(lambda _: self._start())
        self.source.observe(lambda change: self._open(change["new"]), names="value")
        self.previous_button.on_click(lambda _: self._move(self.session.previous))
        self.next_button.on_click(lambda _: self._move(self.session.next))
        self.uncoded_button.on_click(lambda _: self._move(self.session.next_uncoded))
        self.number.observe(lambda change: self._go(change["new"]), names="value")
        self.whole.on_click(lambda _: self._reset_quote())
        self.save_button.on_click(lambda _: self._save())
        self.cancel_button.on_click(lambda _: self._clear_form())
        self.finish_button.on_click(lambda _: self._toggle_finished())
        self.show_others.observe(lambda _: self._draw_others(), names="value")

    # ------------------------------------------------------------ actions

    def _start(self) -> None:
        try:
            self.session = CodingSession(self.review, self.coder.value.strip())
        except CodingError as err:
            self._say(str(err), error=True)
            return
        self._quietly(lambda: setattr(self.source, "options", self._source_options()))
        self.source.disabled = False
        self.workspace.layout.display = "flex"
        unfinished = self.session.sources()
        unfinished = unfinished[~unfinished["finished"]]
        first = unfinished["citekey"].iloc[0] if len(unfinished) else self.source.options[0][1]
        self._quietly(lambda: setattr(self.source, "value", first))
        self._open(first)

    def _source_options(self) -> list[tuple[str, str]]:
        table = self.session.sources()
        return [(f"{'✓ ' if f else ''}{a} — {t[:60]} ({c}/{p})", k)
                for k, a, t, p, c, f in zip(table["citekey"], table["author_year"], table["title"],
                                            table["passages"], table["coded"], table["finished"])]

    def _open(self, citekey: str | None) -> None:
        if self._quiet or not citekey or self.session is None:
            return
        self.session.open(citekey)
        self._quietly(lambda: setattr(self.number, "max", len(self.session.passages)))
        self._clear_form()
        self._draw()

    def _quietly(self, change) -> None:
        """Change widgets without their observers acting (a new options list resets a Dropdown's
        value, a lower maximum clamps a number box: neither is the user moving)."""
        self._quiet = True
        try:
            change()
        finally:
            self._quiet = False

    def _move(self, step) -> None:
        if not step():
            self._say("no further passage that way", error=False)
        self._clear_form()
        self._draw()

    def _go(self, number: int) -> None:
        if not self._quiet and self.session and number != self.session.number:
            self.session.go(number)
            self._clear_form()
            self._draw()

    def _reset_quote(self) -> None:
        self.quote.value = self.session.passage["text"]

    def _save(self) -> None:
        competency = self.choices.get(self.competency.value)
        if competency is None:
            self._say("choose a competency: type part of its name and pick it from the list", error=True)
            return
        if self.framing.value is None:
            self._say("choose how the source frames it: leadership, management, both or neither", error=True)
            return
        try:
            if self.editing:
                self.session.edit(self.editing, competency, self.framing.value, self.quote.value, self.memo.value)
                message = "changes saved"
            else:
                self.session.save(competency, self.framing.value, self.quote.value, self.memo.value)
                message = f"saved to corpus/codings/{self.session.coder}.csv"
        except CodingError as err:
            self._say(str(err), error=True)
            return
        except Exception as err:
            self._say(f"not saved ({type(err).__name__}: {err}); your coding is still in the form, try again",
                      error=True)
            return
        self._clear_form()
        self._draw()
        self._say(message, error=False)

    def _edit(self, coding: dict) -> None:
        self.editing = coding["id"]
        self.competency.value = self.choice_of[coding["competency"]]
        self.framing.value = coding["framing"]
        self.quote.value = coding["quote"]
        self.memo.value = coding.get("memo") or ""
        self.save_button.description = "Save changes"
        self.cancel_button.layout.display = "inline-flex"

    def _remove(self, coding: dict) -> None:
        try:
            self.session.remove(coding["id"])
        except CodingError as err:
            self._say(str(err), error=True)
            return
        self._clear_form()
        self._draw()
        self._say("coding removed", error=False)

    def _toggle_finished(self) -> None:
        try:
            if self.session.is_finished():
                self.session.reopen()
            else:
                self.session.finish()
        except CodingError as err:
            self._say(str(err), error=True)
            return
        self._draw()
        if self.session.has_notices():
            self._say("", error=False)

    def _choose(self, suggestion: dict) -> None:
        self.competency.value = self.choice_of[suggestion["competency"]]
        if suggestion["framing"]:
            self.framing.value = suggestion["framing"]

    # ------------------------------------------------------------ drawing

    def _clear_form(self) -> None:
        self.editing = None
        self.competency.value = ""
        self.framing.value = None
        self.memo.value = ""
        self.save_button.description = "Save coding"
        self.cancel_button.layout.display = "none"
        if self.session and self.session.citekey:
            self._reset_quote()

    def _draw(self) -> None:
        s = self.session
        before, text, after = s.context()
        self._quietly(lambda: setattr(self.number, "value", s.number))
        p = s.progress()
        finished = s.is_finished()
        page, pdf_page = s.passage["page"], s.passage.get("pdf_page")  # printed page, and the PDF's when it differs
        where = "" if pd.isna(page) else f" (p. {html.escape(str(page))}" + (
            "" if pd.isna(pdf_page) or str(pdf_page) == str(page) else f"; PDF page {pdf_page}") + ")"
        self.progress.value = (f"Passage {s.number} of {p['passages_total']}"
                               + where + f" · coded {p['passages_coded']} of "
                               f"{p['passages_total']} · sources finished {p['sources_finished']} of "
                               f"{p['sources_total']}"
                               + (" · <b>this source is finished</b>" if finished else ""))
        self.before.value = f'<div class="lc-context">{html.escape(before)}</div>' if before else ""
        self.text.value = f'<div class="lc-passage">{self._marked(text)}</div>'
        self.after.value = f'<div class="lc-context">{html.escape(after)}</div>' if after else ""
        self.suggested.children = [w.HTML("Suggested: ")] + [self._suggestion_button(x) for x in s.suggestions()]
        self.mine.children = [self._coding_row(c) for c in s.my_codings()] or [w.HTML("<i>none yet</i>")]
        self.finish_button.description = "Reopen source" if finished else "Mark source finished"
        self.show_others.disabled = not finished
        if not finished:
            self.show_others.value = False
        self._draw_others()

        def refresh_sources():
            self.source.options = self._source_options()
            self.source.value = s.citekey
        self._quietly(refresh_sources)

    def _marked(self, text: str) -> str:
        """The passage with this coder's quotes highlighted (escaped first)."""
        spans = sorted({(c["start"] - self.session.passage["start"], c["end"] - self.session.passage["start"])
                        for c in self.session.my_codings()
                        if c.get("start") == c.get("start") and c.get("start") is not None
                        and str(c.get("start")) != ""}, key=lambda span: span[0])
        out, last = [], 0
        for start, end in spans:
            start, end = max(int(start), last), int(end)
            if 0 <= start < end <= len(text):
                out += [html.escape(text[last:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
                last = end
        return "".join(out) + html.escape(text[last:])

    def _suggestion_button(self, suggestion: dict) -> w.Button:
        label = suggestion["label"] + (f" · {suggestion['framing']}" if suggestion["framing"] else "")
        button = w.Button(description=label, tooltip="fill in this competency and framing (you still Save)",
                          layout=w.Layout(width="auto"))
        button.on_click(lambda _: self._choose(suggestion))
        return button

    def _coding_row(self, coding: dict) -> w.HBox:
        label = self.session.review.codebook.set_index("competency").at[coding["competency"], "label"]
        memo = f" — <i>{html.escape(coding.get('memo') or '')}</i>" if coding.get("memo") else ""
        text = w.HTML(f'<div class="lc-coding"><b>{html.escape(label)}</b> {_tag(coding["framing"])} '
                      f'“{html.escape(coding["quote"])}”{memo}</div>', layout=w.Layout(width="70%"))
        edit = w.Button(description="Edit", icon="pencil", layout=w.Layout(width="6rem"))
        remove = w.Button(description="Remove", icon="trash", button_style="danger", layout=w.Layout(width="7rem"))
        edit.on_click(lambda _: self._edit(coding))
        remove.on_click(lambda _: self._remove(coding))
        return w.HBox([text, edit, remove])

    def _draw_others(self) -> None:
        if not self.show_others.value:
            self.others.value = ""
            return
        try:
            codings = self.session.others_codings()
        except BlindCoding as err:
            self.others.value = f"<i>{html.escape(str(err))}</i>"
            return
        labels = dict(zip(self.review.codebook["competency"], self.review.codebook["label"]))
        rows = [f'<div class="lc-coding">{html.escape(c["coder"])}: <b>{html.escape(labels[c["competency"]])}</b> '
                f'{_tag(c["framing"])} “{html.escape(c["quote"])}”</div>' for c in codings]
        self.others.value = "".join(rows) or "<i>no other coder coded this passage</i>"

    def _say(self, message: str, error: bool) -> None:
        """Show a message by the Save button, with what the coder's files have to tell (a
        cut-off row moved aside, a file converted to UTF-8) after it."""
        notices = self.session.notices() if self.session else []
        shown = f'<span class="{"lc-error" if error else "lc-ok"}">{html.escape(message)}</span>' if message else ""
        self.status.value = shown + "".join(f'<br><span class="lc-error">note: {html.escape(n)}</span>'
                                            for n in notices)
