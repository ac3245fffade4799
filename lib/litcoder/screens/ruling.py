"""The ruling screen: the committee records its ruling on a competency beside its evidence.

    from litcoder.screens.ruling import ruling_screen
    ruling_screen()          # in a notebook of the review
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..analysis.evidence import weigh_evidence
from ..inputs.decisions import COUNT_COLUMNS, RULINGS, record_decision
from ..review import Review
from ..store import CoderFileError
from .coding import STYLE


def ruling_screen(path: str = ".") -> RulingScreen:
    """The screen where the committee records a ruling on a competency, beside its evidence."""
    return RulingScreen(Review.find(path))


class RulingScreen(w.VBox):
    """Pick a competency, see its evidence and current ruling, record a new ruling."""

    def __init__(self, review: Review):
        self.review = review
        self.competency = w.Dropdown(description="Competency", layout=w.Layout(width="80%"))
        self.evidence_view = w.HTML()
        self.ruling = w.ToggleButtons(options=list(RULINGS), value=None, description="Ruling")
        self.rationale = w.Textarea(description="Rationale", layout=w.Layout(width="90%", height="4rem"))
        self.member = w.Text(value="full committee", description="Decided by")
        self.save_button = w.Button(description="Record ruling", button_style="success", icon="gavel")
        self.status = w.HTML()
        super().__init__([w.HTML(STYLE), self.competency, self.evidence_view, self.ruling, self.rationale,
                          self.member, w.HBox([self.save_button, self.status])])
        self.competency.observe(lambda _: self._show(), names="value")
        self.save_button.on_click(lambda _: self._save())
        self._refresh()

    def _refresh(self) -> None:
        self.evidence = weigh_evidence(self.review).set_index("competency")
        order = {"drifted": 0, "no decision": 1, "agrees": 2}
        ranked = sorted(self.evidence.iterrows(), key=lambda kv: (order[kv[1]["decision_status"]], kv[1]["label"]))
        current = self.competency.value
        self.competency.options = [(f"{row['label']} — evidence: {row['classification']} — "
                                    f"{row['decision_status']}", c) for c, row in ranked]
        self.competency.value = current if current in self.evidence.index else ranked[0][0] if ranked else None
        self._show()

    def _show(self) -> None:
        if not self.competency.value:
            return
        row = self.evidence.loc[self.competency.value]
        verdict = ('<span class="lc-error">the evidence no longer supports it</span>'
                   if row["decision_status"] == "drifted" else "the evidence agrees")
        ruling = (f"Current ruling ({html.escape(row['decided_on'])}): "
                  f"<b>{html.escape(row['decision'])}</b> — {verdict}"
                  if row["decision"] else "No ruling yet.")
        self.evidence_view.value = (
            f"<p>The evidence: <b>{html.escape(row['classification'])}</b>{' (fragile)' if row['fragile'] else ''} · "
            f"{row['sources']} sources: {row['leadership_sources']} leadership, "
            f"{row['management_sources']} management, "
            f"{row['both_sources']} both, {row['neither_sources']} neither, {row['disputed_sources']} disputed · "
            f"leadership share {row['leadership_share']:.0%} ({row['share_low']:.0%}–{row['share_high']:.0%})</p>"
            f"<p>{ruling}</p>")

    def _save(self) -> None:
        if self.ruling.value is None or not self.rationale.value.strip():
            self.status.value = '<span class="lc-error">choose a ruling and give the rationale</span>'
            return
        row = self.evidence.loc[self.competency.value]
        try:
            record_decision(self.review.path, self.competency.value, self.ruling.value, self.rationale.value,
                            self.member.value, {c: row[c] for c in COUNT_COLUMNS})
        except CoderFileError as err:  # a read-only file, a full disk: nothing was written, and the member is told
            self.status.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            return
        self.review = Review.load(self.review.path)
        self.rationale.value = ""
        self.ruling.value = None
        self._refresh()
        self.status.value = '<span class="lc-ok">ruling recorded in corpus/decisions.csv</span>'
