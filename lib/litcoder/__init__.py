"""litcoder: a Jupyter workbench for a committee's literature review.

Researchers code passages of each source to competencies, saying whether the source
frames each as leadership or management; members weigh the evidence per competency;
authors take the figures and tables into the committee's report.

    >>> from litcoder import Review, weigh_evidence
    >>> review = Review.load(".")
    >>> evidence = weigh_evidence(review)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analysis.evidence import weigh_evidence
    from .review import NotAReview, Review

__all__ = ["NotAReview", "Review", "weigh_evidence"]
__version__ = "0.1.0"
_HOMES = {"NotAReview": ".review", "Review": ".review", "weigh_evidence": ".analysis.evidence"}


def __getattr__(name: str):
    """The package's names, imported when first asked for: git runs `python -m litcoder` as its
    merge driver and notebook filter, which need neither pandas nor the review."""
    if name not in _HOMES:
        raise AttributeError(f"module 'litcoder' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
