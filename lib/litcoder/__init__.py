"""litcoder: a Jupyter workbench for a committee's literature review.

Researchers code passages of each source to competencies, saying whether the source
frames each as leadership or management; members weigh the evidence per competency;
authors take the figures and tables into the committee's report.

    >>> from litcoder import Review, weigh_evidence
    >>> review = Review.load(".")
    >>> evidence = weigh_evidence(review)
"""

from .analysis.evidence import weigh_evidence
from .review import NotAReview, Review

__all__ = ["NotAReview", "Review", "weigh_evidence"]
__version__ = "0.1.0"
