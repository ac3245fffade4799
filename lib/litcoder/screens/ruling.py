"""The ruling screen: the committee records its ruling on a competency beside its evidence.

    from litcoder.screens.ruling import ruling_screen
    ruling_screen()          # in a notebook of the review

Each ruling is saved with what the evidence supported at that moment and its counts, so a
ruling just recorded either agrees with the evidence or overrides it, and is never drifted.
Below, a collapsed "History of this competency" tells who changed it and when (its rulings,
settlements, codebook changes, codings and commits); it is read, git included, only when opened.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from ..analysis.evidence import weigh_evidence
from ..analysis.rulings import COUNT_WORDS, STATUS_DEFINITIONS, STATUS_LABELS, STATUSES
from ..inputs.decisions import COUNT_COLUMNS, RULINGS, record_decision
from ..inputs.history import changes
from ..review import Review
from ..store import CoderFileError
from .coding import STYLE

ORDER = {"drifted": 0, "no decision": 1}
"""Drifted rulings first (the evidence moved away from them), then competencies not ruled on,
then the rest, each by label."""
LIST_CHOICES = [("stays in both lists", "both"), ("stays in neither list", "neither")]
STATUS_STYLE = {"agrees": "lc-ok", "overrides": "lc-override", "drifted": "lc-error", "deferred": "lc-deferred",
                "no decision": "lc-none"}


def ruling_screen(path: str = ".") -> RulingScreen:
    """The screen where the committee records a ruling on a competency, beside its evidence."""
    return RulingScreen(Review.find(path))


def status_html(status: str) -> str:
    """A ruling's status in a member's words, its definition on hover."""
    return (f'<span class="{STATUS_STYLE[status]}" title="{html.escape(STATUS_DEFINITIONS[status])}">'
            f"{html.escape(STATUS_LABELS[status])}</span>")


class RulingScreen(w.VBox):
    """Pick a competency, see its evidence and current ruling, record a new ruling."""

    def __init__(self, review: Review):
        self.review = review
        self.summary = w.HTML()
        self.competency = w.Dropdown(description="Competency", layout=w.Layout(width="80%"))
        self.evidence_view = w.HTML()
        self.ruling = w.ToggleButtons(options=list(RULINGS), value=None, description="Ruling")
        self.lists = w.ToggleButtons(options=LIST_CHOICES, value=None, description="Contested",
                                     layout=w.Layout(display="none"))
        self.rationale = w.Textarea(description="Rationale", layout=w.Layout(width="90%", height="4rem"))
        self.member = w.Text(value="full committee", description="Decided by")
        self.save_button = w.Button(description="Record ruling", button_style="success", icon="gavel")
        self.status = w.HTML()
        self.history_view = w.HTML()
        self.history = w.Accordion(children=[self.history_view], selected_index=None)
        self.history.set_title(0, "History of this competency")
        super().__init__([w.HTML(STYLE), self.summary, self.competency, self.evidence_view, self.ruling, self.lists,
                          self.rationale, self.member, w.HBox([self.save_button, self.status]), self.history])
        self.competency.observe(lambda _: self._show(), names="value")
        self.history.observe(lambda _: self._show_history(), names="selected_index")
        self.ruling.observe(lambda _: self._ask_lists(), names="value")
        self.save_button.on_click(lambda _: self._save())
        self._refresh()

    def _refresh(self) -> None:
        self.evidence = weigh_evidence(self.review).set_index("competency")
        ranked = sorted(self.evidence.iterrows(), key=lambda kv: (ORDER.get(kv[1]["decision_status"], 2),
                                                                  kv[1]["label"]))
        current = self.competency.value
        self.competency.options = [(f"{row['label']} — evidence: {row['classification']} — "
                                    f"{STATUS_LABELS[row['decision_status']]}", c) for c, row in ranked]
        self.competency.value = current if current in self.evidence.index else ranked[0][0] if ranked else None
        self.summary.value = self._summary()
        self._show()

    def _summary(self) -> str:
        """How many competencies have each status, in the members' words."""
        counts = self.evidence["decision_status"].value_counts()
        parts = [f"{status_html(s)}: {counts[s]}" for s in STATUSES if counts.get(s, 0)]
        return f"<p>Rulings on {len(self.evidence)} competencies — {' · '.join(parts)}</p>"

    def _ask_lists(self) -> None:
        """Only a contested ruling asks whether the competency stays in both lists or in neither."""
        contested = self.ruling.value == "contested"
        self.lists.layout.display = None if contested else "none"
        if not contested:
            self.lists.value = None

    def _show(self) -> None:
        if not self.competency.value:
            return
        row = self.evidence.loc[self.competency.value]
        counts = ", ".join(f"{int(row[c])} {COUNT_WORDS.get(c, c.removesuffix('_sources'))}" for c in COUNT_COLUMNS
                           if c in row and (c != "split_sources" or row[c]))  # split evenly only when any
        self.evidence_view.value = (
            f"<p>The evidence: <b>{html.escape(row['classification'])}</b>{' (fragile)' if row['fragile'] else ''} · "
            f"{row['sources']} sources: {counts}</p>"
            f"<p>{_current_ruling(row)}</p>")
        self._show_history()

    def _show_history(self) -> None:
        """The competency's history, read (git too) only while the panel is open, so the screen stays fast."""
        if self.history.selected_index is None or not self.competency.value:
            self.history_view.value = ""
            return
        try:
            table = changes(self.review.path, "competency", self.competency.value)
        except ValueError as err:  # a competency the codebook lost meanwhile
            self.history_view.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            return
        self.history_view.value = history_html(table)

    def _save(self) -> None:
        if self.ruling.value is None or not self.rationale.value.strip():
            self.status.value = '<span class="lc-error">choose a ruling and give the rationale</span>'
            return
        if self.ruling.value == "contested" and self.lists.value is None:
            self.status.value = ('<span class="lc-error">say whether the contested competency stays in both lists '
                                 'or in neither</span>')
            return
        competency, row = self.competency.value, self.evidence.loc[self.competency.value]
        try:
            record_decision(self.review.path, competency, self.ruling.value, self.rationale.value,
                            self.member.value, {c: row[c] for c in COUNT_COLUMNS if c in row},
                            row["classification"], self.lists.value if self.ruling.value == "contested" else None)
        except CoderFileError as err:  # a read-only file, a full disk: nothing was written, and the member is told
            self.status.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            return
        self.review = Review.load(self.review.path)
        self.rationale.value = ""
        self.ruling.value = None
        self._refresh()
        status = self.evidence.loc[competency, "decision_status"]
        self.status.value = f'<span class="lc-ok">ruling recorded in corpus/decisions.csv</span>: {status_html(status)}'


def history_html(table: pd.DataFrame) -> str:
    """A history (inputs.history.changes) as an HTML table, newest first: what was done last is read first."""
    if table.empty:
        return "<p>Nothing recorded yet.</p>"
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in table.columns) + "</tr>"
                   for _, row in table.iloc[::-1].iterrows())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    return f'<table class="lc-history"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _current_ruling(row: pd.Series) -> str:
    """The latest ruling on a competency, its status, and what the evidence was when it was made."""
    if not row["decision"]:
        return "No ruling yet."
    by = f", {html.escape(row['decided_by'])}" if row.get("decided_by") else ""
    ruling = html.escape(row["decision"])
    if row["decision"] == "contested":
        ruling += f", kept in {'both lists' if row['decision_lists'] == 'both' else 'neither list'}"
    status = status_html(row["decision_status"])
    text = f"Current ruling ({html.escape(row['decided_on'])}{by}): <b>{ruling}</b> — {status}"
    basis = row.get("ruled_on_classification", "")
    if basis:
        text += f"; made when the evidence supported <b>{html.escape(basis)}</b>"
    elif row["decision_status"] != "no decision":
        text += "; what the evidence supported when it was made is not recorded"
    if row.get("ruled_on_counts"):
        text += f" ({html.escape(row['ruled_on_counts'])})"
    if row["decision_status"] in ("drifted", "overrides"):
        text += f"; today it supports <b>{html.escape(row['classification'])}</b>"
    if row.get("decision_rationale"):
        text += f'<br><i>{html.escape(row["decision_rationale"])}</i>'
    return text
