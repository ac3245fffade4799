"""The settling screen: members settle the coders' disagreements, one item at a time.

    from litcoder.screens.settling import settling_screen
    settling_screen()        # in a notebook of the review
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..analysis.disagreements import disagreements
from ..inputs.settlements import RESOLUTIONS, settle
from ..review import Review
from ..store import CoderFileError
from .coding import STYLE
from .session import remembered_coder


def settling_screen(path: str = ".") -> SettleScreen:
    """The screen where members settle the coders' disagreements, for the review holding `path`."""
    return SettleScreen(Review.find(path))


class SettleScreen(w.VBox):
    """Pick a disagreement, read each coder's position, record the resolution and why."""

    def __init__(self, review: Review):
        self.review = review
        self.items = disagreements(review)
        self.kind = w.ToggleButtons(options=["all", "presence", "framing"], value="all", description="Kind")
        self.status_filter = w.ToggleButtons(options=["open", "settled", "all"], value="open", description="Show")
        self.item = w.Dropdown(description="Item", layout=w.Layout(width="90%"))
        self.details = w.HTML()
        self.resolution = w.ToggleButtons(options=[], value=None, description="Resolution")
        self.rationale = w.Textarea(description="Rationale", placeholder="why the committee settles it so",
                                    layout=w.Layout(width="90%", height="4rem"))
        self.member = w.Text(value=remembered_coder(review.path), description="Settled by", placeholder="your name")
        self.save_button = w.Button(description="Record settlement", button_style="success", icon="check")
        self.status = w.HTML()
        self.summary = w.HTML()
        super().__init__([w.HTML(STYLE), self.summary, w.HBox([self.kind, self.status_filter]), self.item,
                          self.details, self.resolution, self.rationale, self.member,
                          w.HBox([self.save_button, self.status])])
        self.kind.observe(lambda _: self._list(), names="value")
        self.status_filter.observe(lambda _: self._list(), names="value")
        self.item.observe(lambda _: self._show(), names="value")
        self.save_button.on_click(lambda _: self._save())
        self._list()

    def _list(self) -> None:
        items = self.items
        if self.kind.value != "all":
            items = items[items["kind"] == self.kind.value]
        if self.status_filter.value != "all":
            items = items[items["status"] == self.status_filter.value]
        counts = self.items["status"].value_counts()
        self.summary.value = (f"<b>{len(self.items)}</b> disagreements: {counts.get('open', 0)} open, "
                              f"{counts.get('settled', 0)} settled")
        options = [(self._title(row), row["item"]) for row in items.to_dict("records")]
        self.item.options = options
        self.item.value = options[0][1] if options else None
        self._show()

    @staticmethod
    def _title(row: dict) -> str:
        where = f", passage {row['passage']}" if row["kind"] == "presence" else ""
        return f"{row['status']} · {row['kind']} · {row['author_year']}{where} — {row['label']}"

    def _show(self) -> None:
        if not self.item.value:
            self.details.value, self.resolution.options = "<i>nothing to settle here</i>", []
            return
        row = self.items.set_index("item").loc[self.item.value]
        passage = ""
        if row["kind"] == "presence":
            texts = self.review.passages.set_index("passage_id")["text"]
            passage = f'<div class="lc-passage">{html.escape(texts.get(f"{row.citekey}/{row.passage}", ""))}</div>'
        positions = "".join(f'<div class="lc-coding">{html.escape(line)}</div>'
                            for line in row["positions"].split("\n"))
        settled = (f"<p>Settled {html.escape(row['resolution'])} by {html.escape(row['settled_by'])} on "
                   f"{html.escape(row['settled_on'])}: {html.escape(row['rationale'])}</p>"
                   if row["status"] == "settled" else "")
        question = ("Does the passage show this competency?" if row["kind"] == "presence" else
                    "How does the source frame this competency?")
        self.details.value = (f"<p><b>{html.escape(row['label'])}</b> in {html.escape(row['author_year'])} — "
                              f"{question}</p>{passage}{positions}{settled}")
        self.resolution.options = list(RESOLUTIONS[row["kind"]])
        self.resolution.value = None

    def _save(self) -> None:
        if not self.item.value or self.resolution.value is None:
            self.status.value = '<span class="lc-error">choose an item and a resolution</span>'
            return
        if not self.member.value.strip():
            self.status.value = '<span class="lc-error">say who settles it</span>'
            return
        try:
            settle(self.review.path, self.item.value, self.resolution.value, self.rationale.value, self.member.value)
        except CoderFileError as err:  # a read-only file, a full disk: nothing was written, and the member is told
            self.status.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            return
        self.review = Review.load(self.review.path)
        self.items = disagreements(self.review)
        self.rationale.value = ""
        self._list()
        self.status.value = '<span class="lc-ok">settlement recorded in corpus/settlements.csv</span>'
