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
from .rulings import RULINGS_METHOD, with_rulings

THRESHOLD = 0.9
"""Posterior probability a majority must reach for a classification."""
INTERVAL = 0.95
"""Width of the credible interval reported for the leadership share."""
PRIOR = 1.0
"""Beta(1, 1): a uniform prior on every share."""

CLASSIFICATIONS = ("leadership", "management", "both", "neither", "contested", "insufficient")
CLASSIFICATION_DEFINITIONS = {
    **{f: f"more than half of the sources frame it as {'both leadership and management' if f == 'both' else f}, "
          f"with a probability of at least {THRESHOLD:.0%}" for f in FRAMINGS},
    "contested": "the sources point different ways: no framing reaches the probability needed",
    "insufficient": "the sources agree but are too few to be sure (three in full agreement are needed), "
                    "or no source has been coded yet",
}
FRAGILE = "leaving out any one of the sources named would change the classification"

SPLIT = "split"
"""A coder's main framing in a source when their codings there split evenly between framings."""
COMPOSITION = (*FRAMINGS, "disputed", SPLIT)
"""What each source says of a competency: one of these, so that they add up to the sources."""
COMPOSITION_LABELS = {"leadership": "leadership", "management": "management", "both": "both",
                      "neither": "neither", "disputed": "disputed", SPLIT: "split evenly"}
COMPOSITION_DEFINITIONS = {
    "leadership": "the source frames it as leadership (every coder's main framing there)",
    "management": "the source frames it as management (every coder's main framing there)",
    "both": "the source frames it as both leadership and management",
    "neither": "the source names it but frames it as neither leadership nor management",
    "disputed": "the coders of this source give it different main framings",
    SPLIT: "the codings of this source are split evenly between framings, so it has no main framing",
}

METHOD = f"""\
**The unit is the source.** A source that makes a point in ten passages is still one
voice. For each competency and each source, every coder who coded that competency in
the source gives one vote, split over the framings of their codings there (a coder who
coded two passages as leadership and one as both gives ⅔ leadership, ⅓ both). The coders
counted are those who have marked the source finished; a coder still working on a source
counts only while no one who coded the competency there has finished it. The source's
voice is the mean of its coders' votes, so it always weighs 1. Codings the committee
settled *absent* are left out; a framing the committee settled is the source's one voice.

**What each source says.** A coder's *main framing* in a source is the framing of most of
their codings of the competency there. When a coder's codings split evenly (one leadership,
one management), that coder has no main framing there, and their vote stays split evenly.
Each source then says one of: *leadership*, *management*, *both* or *neither*, when every
coder with a main framing gives that one (and any coder whose codings split evenly has it
among theirs); *disputed*, when the coders give different main framings; *split evenly*,
when no coder has a main framing. These add up to the number of sources. A disputed or
split source's voice is shared between the framings its coders gave.

**Classification.** With L, M, B and N the summed voices framing a competency as
leadership, management, both and neither (n = L + M + B + N sources), a framing wins
when the probability that more than half of the sources frame it so reaches
{THRESHOLD:.0%}, each share having a uniform Beta(1, 1) prior. Tried in this order:

1. *neither*: share ~ Beta(1 + N, 1 + n − N);
2. *both*: share ~ Beta(1 + B, 1 + n − B);
3. *leadership*: share ~ Beta(1 + L + B/2, 1 + n − L − B/2) (a source saying *both*
   counts half for leadership and half for management);
4. *management*: share ~ Beta(1 + M + B/2, 1 + n − M − B/2);
5. else *contested* when the sources point different ways, or *insufficient* when they
   agree but are too few (three sources in full agreement are needed; with no sources,
   nothing can be said).

Each probability answers its own question, so they need not add up to 100%: with few
sources every one is low, and since a source saying both counts half for each side, the
leadership and management probabilities can both be high together.

**Uncertainty of each share.** The share of the sources saying each thing (leadership,
management, both, neither, disputed, split evenly) is shown with its {INTERVAL:.0%}
equal-tailed credible interval from its own Beta(1 + k, 1 + n − k) posterior (k of the n
sources say it). The leadership share of only those sources that place the competency on
the leadership–management axis, θ ~ Beta(1 + L + B/2, 1 + M + B/2), is in
tables/evidence.csv (leadership_share, share_low, share_high).

**Robustness.** The classification is recomputed leaving out each source in turn. It is
*fragile* when leaving out any one source changes it; the sources that change it are named.

""" + RULINGS_METHOD


_TIED = np.array(["/".join(f for i, f in enumerate(FRAMINGS) if bits >> i & 1) for bits in range(1 << len(FRAMINGS))],
                 dtype=object)
"""Every set of framings, as coder_votes' `tied` writes it, by its bits (1 for FRAMINGS[0], 2 for the next…)."""


def coder_votes(codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (competency, citekey, coder): that coder's vote split over the framings,
    their main framing (SPLIT on a tie) and `tied`, the framings of most of their codings
    ('leadership/management' on a tie)."""
    counts = (codings.groupby(["competency", "citekey", "coder", "framing"], observed=True).size()
              .unstack("framing", fill_value=0).reindex(columns=list(FRAMINGS), fill_value=0))
    shares = counts.div(counts.sum(axis=1), axis=0)
    top = counts.to_numpy()
    most = top == top.max(axis=1, keepdims=True)
    modal = np.where(most.sum(axis=1) == 1, np.array(FRAMINGS)[top.argmax(axis=1)], SPLIT)
    tied = _TIED[most @ (1 << np.arange(len(FRAMINGS)))].tolist()  # each row's set of framings as bits
    return shares.assign(main_framing=modal, tied=tied).reset_index()


def counted_by_coverage(codings: pd.DataFrame, coverage: pd.DataFrame | None) -> pd.DataFrame:
    """The codings from coders who finished their source, where someone who coded the
    competency there has; elsewhere every coder's (see METHOD)."""
    if coverage is None or coverage.empty or codings.empty:
        return codings
    finished = pd.MultiIndex.from_frame(coverage[["coder", "citekey"]])
    done = pd.MultiIndex.from_frame(codings[["coder", "citekey"]]).isin(finished)
    keys = ["competency", "citekey"]
    any_done = pd.Series(done, index=codings.index).groupby([codings[k] for k in keys]).transform("any")
    return codings[done | ~any_done.to_numpy()]


def source_framings(codings: pd.DataFrame, coverage: pd.DataFrame | None = None,
                    votes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (competency, citekey): the source's voice and what it says (METHOD).

    Columns: competency, citekey, leadership, management, both, neither (the voice, summing
    to 1), framing (one of COMPOSITION), coders, coder_framings, passages (how many),
    passage_list (their numbers), codings. With `coverage` (the review's), only the coders who
    finished the source count where one has. `votes` is coder_votes(codings), if already made
    (and only without `coverage`, which would leave some of the codings out).
    """
    columns = ["competency", "citekey", *FRAMINGS, "framing", "coders", "coder_framings", "passages",
               "passage_list", "codings"]
    codings = counted_by_coverage(codings, coverage)
    if codings.empty:
        return pd.DataFrame(columns=columns)
    keys = ["competency", "citekey"]
    votes = coder_votes(codings) if votes is None or coverage is not None else votes  # by competency, citekey, coder
    votes = votes.assign(described=votes["coder"] + ": " + np.where(
        votes["main_framing"] == SPLIT, "split evenly between " + votes["tied"].str.replace("/", " and "),
        votes["main_framing"]))
    passages = codings[[*keys, "passage"]].drop_duplicates().sort_values([*keys, "passage"])
    frame = votes.groupby(keys, sort=True)[list(FRAMINGS)].mean().assign(
        framing=_what_sources_say(votes, keys),
        coders=_join_runs(votes, keys, "coder", ", "),
        coder_framings=_join_runs(votes, keys, "described", "; "),
        passages=passages.groupby(keys).size(),
        passage_list=_join_runs(passages, keys, "passage", " "),
        codings=codings.groupby(keys).size(),
    )
    return frame.reset_index()[columns]


def _what_sources_say(votes: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per source, the main framing its coders share, 'disputed' or SPLIT (see METHOD)."""
    decided = (votes["main_framing"] != SPLIT).to_numpy()
    mains = votes["main_framing"].where(decided)
    by_source = mains.groupby([votes[k] for k in keys], sort=True)
    count, first = by_source.nunique(), by_source.first()
    # a coder whose codings split evenly agrees with a shared framing that is among theirs;
    # only those coders (few) are looked at one by one
    source = by_source.ngroup().to_numpy()
    shared = first.to_numpy(dtype=object)[source]
    fits, tied = decided.copy(), votes["tied"].tolist()
    for i in np.flatnonzero(~decided):
        fits[i] = isinstance(shared[i], str) and shared[i] in tied[i].split("/")
    all_fit = np.bincount(source, weights=~fits, minlength=len(count)) == 0
    said = np.where(count == 0, SPLIT, np.where((count == 1) & all_fit, first.reindex(count.index), "disputed"))
    return pd.Series(said, index=count.index)


def _join_runs(frame: pd.DataFrame, keys: list[str], column: str, separator: str) -> pd.Series:
    """`column`'s values joined per group of `keys`, for a frame sorted by `keys`.

    The same as groupby(keys)[column].agg(separator.join), without pandas' per-group cost:
    a group starts wherever a key differs from the row before.
    """
    same = np.ones(max(len(frame) - 1, 0), dtype=bool)
    for key in keys:
        values = frame[key].to_numpy(dtype=object)
        same &= values[1:] == values[:-1]
    starts = np.r_[0, np.flatnonzero(~same) + 1]
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


def review_voices(review) -> pd.DataFrame:
    """The sources' voices as the evidence counts them: settlements applied, coverage heeded."""
    return source_framings(review.counted_codings, review.coverage)


def weigh_evidence(review, voices: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per competency in the codebook: its evidence, classification, the sentence that
    says why, and the committee's ruling with its status.

    `voices` is `review_voices(review)`, if already computed.
    """
    codebook, codings = review.codebook, review.counted_codings
    voices = review_voices(review) if voices is None else voices
    sums = voices.groupby("competency")[list(FRAMINGS)].sum().reindex(codebook["competency"], fill_value=0.0)
    counts = (voices.groupby(["competency", "framing"]).size().unstack(fill_value=0)
              .reindex(index=codebook["competency"], columns=list(COMPOSITION), fill_value=0))
    classification, p_majority = classify(*(sums[f] for f in FRAMINGS))
    mean, low, high = leadership_share(sums["leadership"], sums["management"], sums["both"])
    frame = codebook[["competency", "label", "group", "group_label", "working_classification"]].reset_index(drop=True)
    frame = frame.assign(
        sources=counts.sum(axis=1).to_numpy(),
        **{f"{f}_sources": counts[f].to_numpy() for f in COMPOSITION},
        **composition_intervals(counts),
        **_per_competency(codings, codebook),
        leadership_share=mean, share_low=low, share_high=high,
        **{f"p_{f}": p_majority[f] for f in FRAMINGS},
        classification=classification,
    )
    classes = frame.set_index("competency")["classification"]
    pivotal = _robustness(voices, classes) if not voices.empty else {}
    frame["pivotal_sources"] = [pivotal.get(c, "") for c in frame["competency"]]
    frame["fragile"] = frame["pivotal_sources"] != ""
    frame["explanation"] = [explain(row) for row in frame.to_dict("records")]
    return with_rulings(frame, review.decisions, classify)


def composition_intervals(counts: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each share's credible interval: k of n sources ~ Beta(1 + k, 1 + n − k) (METHOD)."""
    k = counts.to_numpy(dtype=float)
    n = k.sum(axis=1, keepdims=True)
    tail = (1 - INTERVAL) / 2
    low, high = betaincinv(PRIOR + k, PRIOR + n - k, tail), betaincinv(PRIOR + k, PRIOR + n - k, 1 - tail)
    out = {}
    for i, part in enumerate(counts.columns):
        out[f"{part}_low"], out[f"{part}_high"] = low[:, i], high[:, i]
    return out


def _framed(framing: str) -> str:
    return "both leadership and management" if framing == "both" else framing


def chance(p: float) -> str:
    """A probability as a member reads it, never rounded across the threshold or to certainty.

    >>> chance(0.8999), chance(0.9375), chance(0.9996), chance(0.001)
    ('89.9%', '94%', 'over 99%', 'under 1%')
    """
    if p > 0.99:
        return "over 99%"
    if p < 0.01:
        return "under 1%"
    shown = f"{p:.0%}"
    if (round(p, 2) >= THRESHOLD) != (p >= THRESHOLD):
        shown = f"{np.floor(p * 1000) / 10:.1f}%"
    return shown


def _what_is_said(row: dict, name: str) -> str:
    """'Of 7 sources, 2 frame charisma as leadership, 2 as neither and 3 are disputed'."""
    n = row["sources"]
    framed = sorted(((row[f"{f}_sources"], f) for f in FRAMINGS if row[f"{f}_sources"]),
                    key=lambda kf: (-kf[0], FRAMINGS.index(kf[1])))
    if n == 1 and framed:
        return f"The one source frames {name} as {_framed(framed[0][1])}"
    said = [f"{k} {'frames' if k == 1 else 'frame'} {name} as {_framed(f)}" if i == 0 else f"{k} as {_framed(f)}"
            for i, (k, f) in enumerate(framed)]
    for part in ("disputed", SPLIT):
        k = row[f"{part}_sources"]
        if k:
            said.append(f"{k} {'is' if k == 1 else 'are'} {COMPOSITION_LABELS[part]}")
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return f"Of {n} sources, {listed}"


def explain(row: dict) -> str:
    """The card's sentence: what the sources say and why that gives the classification.

    >>> explain({"label": "Charisma", "sources": 7, "leadership_sources": 1, "management_sources": 0,
    ...          "both_sources": 0, "neither_sources": 4, "disputed_sources": 2, "split_sources": 0,
    ...          "p_leadership": 0.1, "p_management": 0.01, "p_both": 0.0, "p_neither": 0.66,
    ...          "classification": "contested"})
    'Of 7 sources, 4 frame charisma as neither, 1 as leadership and 2 are disputed; no framing is held by a clear \
majority (the closest, neither, reaches 66% against the 90% needed), so it is contested.'
    """
    name, result = row["label"][:1].lower() + row["label"][1:], row["classification"]
    if row["sources"] == 0:
        return f"No source has been coded to {name} yet, so it cannot be classified."
    opening, needed = _what_is_said(row, name), f"{THRESHOLD:.0%}"
    if result in FRAMINGS:
        half = (" (a source saying both counts half)"
                if result in ("leadership", "management") and row["both_sources"] else "")
        return (f"{opening}; the probability that more than half of the sources frame it as {_framed(result)}"
                f"{half} is {chance(row[f'p_{result}'])}, above the {needed} needed, so it is classified "
                f"{_framed(result)}.")
    best = max(FRAMINGS, key=lambda f: row[f"p_{f}"])
    if result == "insufficient":
        few = "one source is too few" if row["sources"] == 1 else "the sources agree but are too few"
        return (f"{opening}; {few} to be sure: the probability that more than half of the sources frame it so "
                f"is {chance(row[f'p_{best}'])} against the {needed} needed (it takes three sources in full "
                f"agreement), so the evidence is insufficient.")
    return (f"{opening}; no framing is held by a clear majority (the closest, {_framed(best)}, reaches "
            f"{chance(row[f'p_{best}'])} against the {needed} needed), so it is contested.")


def _per_competency(codings: pd.DataFrame, codebook: pd.DataFrame) -> dict[str, np.ndarray]:
    """Passages, codings and coders per competency, in codebook order."""
    counts = codings.groupby("competency").agg(passages=("passage_id", "nunique"), codings=("id", "size"),
                                               coders=("coder", "nunique"))
    counts = counts.reindex(codebook["competency"], fill_value=0)
    return {column: counts[column].astype(int).to_numpy() for column in ("passages", "codings", "coders")}
