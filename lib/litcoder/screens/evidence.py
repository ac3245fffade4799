"""The evidence screen: pick a competency and read its card, exactly as the report draws it.

    from litcoder.screens.evidence import evidence_screen
    evidence_screen()        # in a notebook of the review
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..analysis.evidence import review_voices, weigh_evidence
from ..analysis.rulings import STATUS_LABELS
from ..layout import OUTPUTS
from ..outputs.report import card_page
from ..review import Review
from .links import served_url

CARD_HEIGHT = "820px"


def evidence_screen(path: str = ".") -> EvidenceScreen:
    """The evidence card of each competency of the review holding `path`, chosen from a list."""
    return EvidenceScreen(Review.find(path))


class EvidenceScreen(w.VBox):
    """A list of the competencies (with what the evidence says and the ruling's status) and the
    chosen one's card: the sentence, what each source says, the ruling, the quotes once each."""

    def __init__(self, review: Review):
        self.review = review
        self.voices = review_voices(review)
        self.evidence = weigh_evidence(review, self.voices)
        self.competency = w.Dropdown(description="Competency", layout=w.Layout(width="95%"), options=[
            (f"{r['label']} — evidence: {r['classification']} — {STATUS_LABELS[r['decision_status']]}", r["competency"])
            for r in self.evidence.to_dict("records")])
        self.card = w.HTML()
        super().__init__([self.competency, self.card])
        self.competency.observe(lambda _: self.show(), names="value")
        self.show()

    def show(self) -> None:
        if self.competency.value is None:
            self.card.value = "<p>The codebook has no competencies yet.</p>"
            return
        outputs = served_url(self.review.path / OUTPUTS)
        page = card_page(self.review, self.evidence, self.voices, self.competency.value,
                         outputs + "/" if outputs else None)
        # a frame of its own, so that the card's style does not touch JupyterLab's
        self.card.value = (f'<iframe title="Evidence card" srcdoc="{html.escape(page)}" '
                           f'style="width: 100%; height: {CARD_HEIGHT}; border: 1px solid #d9d9de"></iframe>')
