"""Per-competency evidence: how the literature frames each competency, weighed per source.

The method is written down once, in METHOD below; the report shows it as it is here.
In short: each source is one voice however many passages say it; its coders' framings
split that voice when they disagree; Beta posteriors on the sources' shares give each
competency a classification with its uncertainty; leaving out each source in turn shows
whether the classification hangs on one source (fragile); the committee's latest ruling
is checked against the result.

    >>> from litcoder import Review
    >>> evidence = weigh_evidence(Review.load("."))
    >>> evidence.loc[evidence.competency == "budgeting", "classification"].item()
    'management'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc, betaincinv

from ..inputs.codebook import FRAMINGS

THRESHOLD = 0.9
"""Posterior probability a majority must reach for a classification."""
INTERVAL = 0.95
"""Width of the credible interval reported for the leadership share."""
PRIOR = 1.0
"""Beta(1, 1): a uniform prior on every share."""

CLASSIFICATIONS = ("leadership", "management", "both", "neither", "contested", "insufficient")

METHOD = f"""\
**The unit is the source.** A source that makes a point in ten passages is still one
voice. For each competency and each source, every coder who coded that competency in
the source gives one vote, split over the framings of their codings there (a coder who
coded two passages as leadership and one as both gives ⅔ leadership, ⅓ both). The
source's voice is the mean of its coders' votes, so it always weighs 1. When the
coders' main framings differ, the source is counted as *disputed* and its voice is
split between them.

**Classification.** With L, M, B and N the summed voices framing a competency as
leadership, management, both and neither (n = L + M + B + N sources), a framing wins
when the posterior probability that it is the framing of more than half of the
literature reaches {THRESHOLD}, each share having a uniform Beta(1, 1) prior. Tried in
this order:

1. *neither*: share ~ Beta(1 + N, 1 + n − N);
2. *both*: share ~ Beta(1 + B, 1 + n − B);
3. *leadership*: share ~ Beta(1 + L + B/2, 1 + n − L − B/2) (a source saying *both*
   counts half for leadership and half for management);
4. *management*: share ~ Beta(1 + M + B/2, 1 + n − M − B/2);
5. else *contested* when the sources point different ways, or *insufficient* when they
   agree but are too few (three sources in full agreement are needed; with no sources,
   nothing can be said).

For the picture of leadership against management, the leadership share of the sources
that place the competency on that axis, θ ~ Beta(1 + L + B/2, 1 + M + B/2), is reported
with its posterior mean and {INTERVAL:.0%} equal-tailed credible interval.

**Robustness.** The classification is recomputed leaving out each source in turn. It is
*fragile* when leaving out any one source changes it; the sources that change it are named.

**Decisions.** The committee's latest ruling on a competency *agrees* when it matches the
classification, and has *drifted* when the evidence now supports something else; the
evidence counts recorded with a ruling show what it was made on.
"""


def coder_votes(codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (competency, citekey, coder): that coder's vote split over the framings."""
    counts = (codings.groupby(["competency", "citekey", "coder", "framing"], observed=True).size()
              .unstack("framing", fill_value=0).reindex(columns=list(FRAMINGS), fill_value=0))
    shares = counts.div(counts.sum(axis=1), axis=0)
    top = counts.to_numpy()
    modal = np.where((top == top.max(axis=1, keepdims=True)).sum(axis=1) == 1,
                     np.array(FRAMINGS)[top.argmax(axis=1)], "mixed")
    return shares.assign(main_framing=modal).reset_index()


def source_framings(codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (competency, citekey): the source's voice and whether its coders agree.

    Columns: competency, citekey, leadership, management, both, neither (the voice, summing
    to 1), framing (the agreed framing, or 'disputed'), coders, coder_framings, passages
    (how many), passage_list (their numbers), codings.
    """
    columns = ["competency", "citekey", *FRAMINGS, "framing", "coders", "coder_framings", "passages",
               "passage_list", "codings"]
    if codings.empty:
        return pd.DataFrame(columns=columns)
    keys = ["competency", "citekey"]
    votes = coder_votes(codings)  # sorted by competency, citekey, coder
    by_source = votes.groupby(keys, sort=True)
    main = by_source["main_framing"].agg(["nunique", "first"])
    agreed = (main["nunique"] == 1) & (main["first"] != "mixed")
    votes["described"] = votes["coder"] + ": " + votes["main_framing"]
    passages = codings[[*keys, "passage"]].drop_duplicates().sort_values([*keys, "passage"])
    frame = by_source[list(FRAMINGS)].mean().assign(
        framing=main["first"].where(agreed, "disputed"),
        coders=_join_runs(votes, keys, "coder", ", "),
        coder_framings=_join_runs(votes, keys, "described", "; "),
        passages=passages.groupby(keys).size(),
        passage_list=_join_runs(passages, keys, "passage", " "),
        codings=codings.groupby(keys).size(),
    )
    return frame.reset_index()[columns]


def _join_runs(frame: pd.DataFrame, keys: list[str], column: str, separator: str) -> pd.Series:
    """`column`'s values joined per group of `keys`, for a frame sorted by `keys`.

    The same as groupby(keys)[column].agg(separator.join), without pandas' per-group cost.
    """
    codes = frame.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    ends = np.r_[starts[1:], len(frame)]
    values = frame[column].astype(str).tolist()
    index = pd.MultiIndex.from_frame(frame[keys].iloc[starts])
    return pd.Series([separator.join(values[a:b]) for a, b in zip(starts, ends)], index=index)


def classify(L, M, B, N) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Classification and each framing's majority probability, for arrays of summed voices.

    Returns (classification, {framing: P(framing's share > ½)}); see METHOD.

    >>> classify([3], [0], [0], [0])[0].tolist(), classify([2], [0], [0], [0])[0].tolist()
    (['leadership'], ['insufficient'])
    """
    L, M, B, N = (np.asarray(x, dtype=float) for x in (L, M, B, N))
    n = L + M + B + N
    votes = {"neither": N, "both": B, "leadership": L + B / 2, "management": M + B / 2}
    # P(share > ½) for share ~ Beta(a, b) is 1 − I½(a, b) = I½(b, a).
    p = {framing: betainc(PRIOR + n - v, PRIOR + v, 0.5) for framing, v in votes.items()}
    # Unanimous: all the weight on one framing (up to rounding), so nothing is contested.
    unanimous = np.isclose(np.maximum.reduce([L, M, B, N]), n)
    result = np.select(
        [p[f] >= THRESHOLD for f in votes] + [unanimous | (n == 0)],
        [*votes, "insufficient"],
        default="contested",
    )
    return result, {f: p[f] for f in FRAMINGS}


def leadership_share(L, M, B) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and credible interval of the leadership share θ."""
    a = PRIOR + np.asarray(L, float) + np.asarray(B, float) / 2
    b = PRIOR + np.asarray(M, float) + np.asarray(B, float) / 2
    tail = (1 - INTERVAL) / 2
    return a / (a + b), betaincinv(a, b, tail), betaincinv(a, b, 1 - tail)


def _robustness(voices: pd.DataFrame, classification: pd.Series) -> pd.Series:
    """Per competency, the sources whose leaving out changes its classification."""
    totals = voices.groupby("competency")[list(FRAMINGS)].transform("sum")
    left_out = totals - voices[list(FRAMINGS)]
    changed, _ = classify(*(left_out[f] for f in FRAMINGS))
    pivotal = voices.loc[changed != voices["competency"].map(classification).to_numpy(), ["competency", "citekey"]]
    return pivotal.groupby("competency")["citekey"].agg(lambda s: ", ".join(sorted(s)))


def weigh_evidence(review, voices: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per competency in the codebook: its evidence, classification and decision status.

    `voices` is `source_framings(review.counted_codings)`, if already computed.
    """
    codebook, codings = review.codebook, review.counted_codings
    voices = source_framings(codings) if voices is None else voices
    sums = voices.groupby("competency")[list(FRAMINGS)].sum().reindex(codebook["competency"], fill_value=0.0)
    counts = (voices.groupby(["competency", "framing"]).size().unstack(fill_value=0)
              .reindex(index=codebook["competency"], columns=[*FRAMINGS, "disputed"], fill_value=0))
    classification, p_majority = classify(*(sums[f] for f in FRAMINGS))
    mean, low, high = leadership_share(sums["leadership"], sums["management"], sums["both"])
    frame = codebook[["competency", "label", "group", "group_label", "working_classification"]].reset_index(drop=True)
    frame = frame.assign(
        sources=counts.sum(axis=1).to_numpy(),
        **{f"{f}_sources": counts[f].to_numpy() for f in (*FRAMINGS, "disputed")},
        **_per_competency(codings, codebook),
        leadership_share=mean, share_low=low, share_high=high,
        **{f"p_{f}": p_majority[f] for f in FRAMINGS},
        classification=classification,
    )
    classes = frame.set_index("competency")["classification"]
    pivotal = _robustness(voices, classes) if not voices.empty else {}
    frame["pivotal_sources"] = [pivotal.get(c, "") for c in frame["competency"]]
    frame["fragile"] = frame["pivotal_sources"] != ""
    return _with_decisions(frame, review.decisions)


def _per_competency(codings: pd.DataFrame, codebook: pd.DataFrame) -> dict[str, np.ndarray]:
    """Passages, codings and coders per competency, in codebook order."""
    counts = codings.groupby("competency").agg(passages=("passage_id", "nunique"), codings=("id", "size"),
                                               coders=("coder", "nunique"))
    counts = counts.reindex(codebook["competency"], fill_value=0)
    return {column: counts[column].astype(int).to_numpy() for column in ("passages", "codings", "coders")}


def _with_decisions(frame: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Add the latest ruling on each competency and whether the evidence still supports it."""
    latest = decisions.drop_duplicates("competency", keep="last").set_index("competency")
    rulings = dict(zip(latest.index, latest.to_dict("records")))
    columns = ["leadership_sources", "management_sources", "both_sources", "neither_sources"]
    added = {key: [] for key in ("decision", "decided_on", "decision_rationale", "decision_status",
                                 "evidence_changed", "ruled_on_counts")}
    for row in frame.to_dict("records"):
        ruling = rulings.get(row["competency"])
        if ruling is None:
            for key, value in zip(added, ("", "", "", "no decision", False, "")):
                added[key].append(value)
            continue
        recorded = {c: int(ruling[c]) for c in columns if c in ruling and pd.notna(ruling[c])}
        added["decision"].append(ruling["classification"])
        added["decided_on"].append(ruling["decided_on"])
        added["decision_rationale"].append(ruling["rationale"])
        added["decision_status"].append("agrees" if ruling["classification"] == row["classification"] else "drifted")
        added["evidence_changed"].append(any(n != row[c] for c, n in recorded.items()))
        added["ruled_on_counts"].append(", ".join(f"{n} {c.removesuffix('_sources')}" for c, n in recorded.items()))
    return frame.assign(**added)
