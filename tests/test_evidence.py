"""Evidence: the Beta method against closed forms, per-source weighing, robustness, decisions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from litcoder.analysis.evidence import (
    COMPOSITION,
    METHOD,
    SPLIT,
    THRESHOLD,
    chance,
    classify,
    coder_votes,
    explain,
    leadership_share,
    source_framings,
    weigh_evidence,
)


def binomial_tail(a: int, b: int) -> float:
    """P(θ > ½) for θ ~ Beta(a, b), a and b whole: P(Binomial(a + b − 1, ½) ≤ a − 1).

    The standard identity between the Beta and binomial distributions (e.g. Johnson, Kotz &
    Balakrishnan, Continuous Univariate Distributions, vol. 2, ch. 25), computed exactly.
    """
    n = a + b - 1
    return sum(math.comb(n, k) for k in range(a)) / 2**n


@pytest.mark.parametrize("L,M", [(0, 0), (1, 0), (2, 0), (3, 0), (5, 2), (8, 3), (4, 4), (0, 7), (12, 1)])
def test_leadership_probability_matches_the_binomial_identity(L, M):
    _, p = classify([L], [M], [0], [0])
    assert p["leadership"][0] == pytest.approx(binomial_tail(1 + L, 1 + M), abs=1e-12)
    assert p["management"][0] == pytest.approx(binomial_tail(1 + M, 1 + L), abs=1e-12)


def test_three_unanimous_sources_are_the_fewest_that_classify():
    # Beta(4, 1): P(θ > ½) = 1 − ½⁴ = 0.9375 ≥ 0.9; Beta(3, 1): 1 − ½³ = 0.875 < 0.9.
    result, p = classify([3, 2, 0, 0], [0, 0, 3, 2], [0, 0, 0, 0], [0, 0, 0, 0])
    assert result.tolist() == ["leadership", "insufficient", "management", "insufficient"]
    assert p["leadership"][0] == pytest.approx(0.9375)
    assert p["leadership"][1] == pytest.approx(0.875)


def test_credible_interval_matches_closed_form_quantiles():
    # Beta(1, 1) is uniform; Beta(2, 1) has CDF x², so its quantile q is √q.
    mean, low, high = leadership_share([0, 1], [0, 0], [0, 0])
    assert mean.tolist() == pytest.approx([0.5, 2 / 3])
    assert low.tolist() == pytest.approx([0.025, math.sqrt(0.025)])
    assert high.tolist() == pytest.approx([0.975, math.sqrt(0.975)])


def test_both_counts_half_each_way_and_neither_counts_against_a_side():
    result, p = classify([0], [0], [4], [0])
    assert result[0] == "both"
    # A source saying "both" adds ½ to leadership and ½ to management.
    _, p = classify([2], [0], [2], [0])
    assert p["leadership"][0] == pytest.approx(binomial_tail(1 + 3, 1 + 1))
    # Neither: four sources say it is neither, so no side can win.
    result, p = classify([3], [0], [0], [4])
    assert result[0] == "contested"
    assert p["leadership"][0] == pytest.approx(binomial_tail(1 + 3, 1 + 4))
    assert classify([0], [0], [0], [5])[0][0] == "neither"


def test_contested_when_the_sources_point_both_ways():
    assert classify([3], [3], [0], [0])[0][0] == "contested"
    assert classify([1], [1], [0], [0])[0][0] == "contested"
    assert classify([0], [0], [0], [0])[0][0] == "insufficient"


def _codings(rows):
    frame = pd.DataFrame(rows, columns=["coder", "citekey", "passage", "competency", "framing"])
    frame["passage_id"] = frame["citekey"] + "/" + frame["passage"].astype(str)
    frame["id"] = [f"{c}-{i}" for i, c in enumerate(frame["coder"])]
    return frame


def test_a_source_is_one_voice_however_many_passages_say_it():
    codings = _codings([("a", "S1", p, "budgeting", "leadership") for p in range(1, 11)]
                       + [("a", "S2", 1, "budgeting", "management")])
    voices = source_framings(codings)
    assert voices["leadership"].tolist() == [1.0, 0.0]
    assert voices["management"].tolist() == [0.0, 1.0]
    assert voices["passages"].tolist() == [10, 1]
    assert voices["passage_list"].iloc[0] == "1 2 3 4 5 6 7 8 9 10"


def test_disputed_sources_split_their_voice_by_coder():
    codings = _codings([
        ("coder-a", "S1", 1, "charisma", "leadership"),
        ("coder-b", "S1", 1, "charisma", "neither"),
        ("coder-a", "S2", 1, "charisma", "neither"),
        ("coder-b", "S2", 2, "charisma", "neither"),
        # one coder, two framings in one source: the vote is split ⅔ / ⅓
        ("coder-c", "S3", 1, "charisma", "leadership"),
        ("coder-c", "S3", 2, "charisma", "leadership"),
        ("coder-c", "S3", 3, "charisma", "both"),
    ])
    voices = source_framings(codings).set_index("citekey")
    assert voices.loc["S1", "framing"] == "disputed"
    assert voices.loc["S1", ["leadership", "neither"]].tolist() == [0.5, 0.5]
    assert voices.loc["S1", "coder_framings"] == "coder-a: leadership; coder-b: neither"
    assert voices.loc["S2", "framing"] == "neither"
    assert voices.loc["S3", "framing"] == "leadership"
    assert voices.loc["S3", ["leadership", "both"]].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert voices[["leadership", "management", "both", "neither"]].sum(axis=1).tolist() == pytest.approx([1, 1, 1])


def test_a_lone_coder_whose_codings_split_evenly_gives_a_split_source_not_a_disputed_one():
    codings = _codings([("a", "S1", 1, "x", "leadership"), ("a", "S1", 2, "x", "management")])
    votes = coder_votes(codings)
    assert votes[["main_framing", "tied"]].values.tolist() == [[SPLIT, "leadership/management"]]
    voices = source_framings(codings)
    assert voices["framing"].tolist() == [SPLIT]
    assert voices["coder_framings"].tolist() == ["a: split evenly between leadership and management"]
    assert voices[["leadership", "management"]].values.tolist() == [[0.5, 0.5]]


def test_a_split_coder_beside_a_coder_with_a_main_framing_among_theirs_is_not_a_dispute():
    voices = source_framings(_codings([
        ("a", "S1", 1, "x", "leadership"), ("a", "S1", 2, "x", "management"),  # split: leadership/management
        ("b", "S1", 1, "x", "leadership"),
        ("a", "S2", 1, "x", "leadership"), ("a", "S2", 2, "x", "management"),  # split, but b says neither
        ("b", "S2", 1, "x", "neither"),
        ("a", "S3", 1, "x", "leadership"), ("b", "S3", 1, "x", "leadership"), ("c", "S3", 1, "x", "leadership"),
    ])).set_index("citekey")
    assert voices["framing"].to_dict() == {"S1": "leadership", "S2": "disputed", "S3": "leadership"}


def test_only_the_coders_who_finished_a_source_count_where_one_has():
    codings = _codings([("a", "S1", 1, "x", "leadership"), ("b", "S1", 1, "x", "management"),
                        ("b", "S2", 1, "x", "management")])
    coverage = pd.DataFrame({"coder": ["a"], "citekey": ["S1"]})
    voices = source_framings(codings, coverage).set_index("citekey")
    # b has not finished S1, where a has: a's voice alone; nobody has finished S2: b still counts there
    assert voices["framing"].to_dict() == {"S1": "leadership", "S2": "management"}
    assert voices.loc["S1", "coders"] == "a"
    assert source_framings(codings).set_index("citekey").loc["S1", "framing"] == "disputed"


class _Review:
    """The parts of a Review that weigh_evidence reads."""

    def __init__(self, codings, competencies, decisions=None):
        self.codings = self.counted_codings = codings
        self.coverage = None
        self.codebook = pd.DataFrame({"competency": competencies, "label": competencies, "group": "g",
                                      "group_label": "G", "working_classification": "contested"})
        self.decisions = decisions if decisions is not None else pd.DataFrame(
            columns=["competency", "classification", "decided_on", "rationale", "leadership_sources",
                     "management_sources", "both_sources", "neither_sources"])


def test_fragile_names_the_sources_the_classification_hangs_on():
    rows = [("a", f"S{i}", 1, "vision", "leadership") for i in range(3)]           # exactly three: fragile
    rows += [("a", f"T{i}", 1, "budget", "management") for i in range(6)]          # six: robust
    evidence = weigh_evidence(_Review(_codings(rows), ["vision", "budget", "uncoded"])).set_index("competency")
    assert evidence.loc["vision", "classification"] == "leadership"
    assert evidence.loc["vision", "fragile"]
    assert evidence.loc["vision", "pivotal_sources"] == "S0, S1, S2"
    assert not evidence.loc["budget", "fragile"]
    assert evidence.loc["uncoded", ["sources", "classification", "fragile"]].tolist() == [0, "insufficient", False]


def test_decisions_agree_drift_and_the_latest_ruling_counts():
    rows = [("a", f"S{i}", 1, "budget", "management") for i in range(5)]
    decisions = pd.DataFrame([
        {"competency": "budget", "classification": "leadership", "decided_on": "2026-01-01", "rationale": "old",
         "leadership_sources": None, "management_sources": None, "both_sources": None, "neither_sources": None},
        {"competency": "budget", "classification": "management", "decided_on": "2026-02-01", "rationale": "new",
         "leadership_sources": 0, "management_sources": 3, "both_sources": 0, "neither_sources": 0},
        {"competency": "vision", "classification": "leadership", "decided_on": "2026-02-01", "rationale": "hope",
         "leadership_sources": 1, "management_sources": 0, "both_sources": 0, "neither_sources": 0},
    ])
    evidence = weigh_evidence(_Review(_codings(rows), ["budget", "vision", "other"], decisions)).set_index("competency")
    assert evidence.loc["budget", ["decision", "decision_status", "decision_rationale"]].tolist() == \
        ["management", "agrees", "new"]
    assert evidence.loc["budget", "evidence_changed"]  # ruled on 3 management sources, now 5
    assert evidence.loc["budget", "ruled_on_counts"] == "0 leadership, 3 management, 0 both, 0 neither"
    # ruled leadership on one source, when the evidence was insufficient: a deliberate override
    assert evidence.loc["vision", ["decision_status", "ruled_on_classification"]].tolist() == \
        ["overrides", "insufficient"]
    assert evidence.loc["other", "decision_status"] == "no decision"


def test_bundled_review_classifications(bundled):
    evidence = weigh_evidence(bundled).set_index("competency")
    assert len(evidence) == 24
    for competency in ("planning", "budgeting", "staffing", "organizing"):
        assert evidence.loc[competency, "classification"] == "management"
    for competency in ("setting-vision", "winning-buy-in", "aligning-people", "facilitating-change"):
        assert evidence.loc[competency, "classification"] == "leadership"
    # Charisma: the literature disputes it (Kotter: not leadership; Bass: part of it).
    assert evidence.loc["charisma", "classification"] == "contested"
    assert evidence.loc["charisma", "neither_sources"] >= 2
    # charisma was ruled neither on 3 neither sources (then classified neither): drifted since;
    # communication was ruled both when the evidence was already contested: an override
    assert evidence.loc["charisma", "decision_status"] == "drifted"
    assert evidence.loc["communication", "decision_status"] == "overrides"
    assert (evidence["decision_status"] == "agrees").sum() >= 4
    # every competency's counts add up to its sources
    counts = evidence[[f"{part}_sources" for part in COMPOSITION]].sum(axis=1)
    assert (counts == evidence["sources"]).all()
    for part in COMPOSITION:
        share = (1 + evidence[f"{part}_sources"]) / (2 + evidence["sources"])  # the posterior mean
        assert ((evidence[f"{part}_low"] <= share) & (share <= evidence[f"{part}_high"])).all()
    assert ((evidence["share_low"] <= evidence["leadership_share"])
            & (evidence["leadership_share"] <= evidence["share_high"])).all()


def test_every_bundled_source_is_coded_by_at_least_two_coders(bundled):
    coders = bundled.codings.groupby("citekey")["coder"].nunique()
    assert len(coders) == 12 and (coders >= 2).all()
    assert len(bundled.codings) >= 200
    # realistic disagreements, on competency and on framing
    voices = source_framings(bundled.codings)
    assert (voices["framing"] == "disputed").sum() >= 5
    by_passage = bundled.codings.groupby(["passage_id", "coder"])["competency"].agg(frozenset).unstack()
    both = by_passage.dropna(subset=["coder-a", "coder-b"])
    assert (both["coder-a"] != both["coder-b"]).sum() >= 5


def test_method_names_the_threshold_and_the_prior():
    assert f"{THRESHOLD:.0%}" in METHOD and "Beta(1, 1)" in METHOD and "fragile" in METHOD
    assert "split evenly" in METHOD and "disputed" in METHOD and "overrides the evidence" in METHOD
    assert np.isfinite(leadership_share([1], [1], [1])[0]).all()


def test_each_shares_interval_is_the_beta_quantile_of_its_count():
    # 0 of 2 sources: Beta(1, 3), whose CDF is 1 − (1 − x)³, so its q quantile is 1 − (1 − q)^⅓
    rows = [("a", "S1", 1, "x", "leadership"), ("a", "S2", 1, "x", "leadership")]
    evidence = weigh_evidence(_Review(_codings(rows), ["x"])).iloc[0]
    assert evidence["management_low"] == pytest.approx(1 - 0.975 ** (1 / 3))
    assert evidence["management_high"] == pytest.approx(1 - 0.025 ** (1 / 3))
    # 2 of 2: Beta(3, 1), CDF x³
    assert evidence["leadership_low"] == pytest.approx(0.025 ** (1 / 3))


@pytest.mark.parametrize("counts,classification,words", [
    ((0, 0, 0, 0, 0, 0), "insufficient", "No source has been coded to x yet"),
    ((1, 0, 0, 0, 0, 0), "insufficient", "The one source frames x as leadership; one source is too few"),
    ((2, 0, 0, 0, 0, 0), "insufficient", "Of 2 sources, 2 frame x as leadership; the sources agree but are too few"),
    ((5, 0, 1, 0, 0, 0), "leadership", "(a source saying both counts half)"),
    ((0, 0, 0, 4, 0, 0), "neither", "so it is classified neither."),
    ((0, 0, 4, 0, 0, 0), "both", "so it is classified both leadership and management."),
    ((2, 2, 0, 0, 1, 1), "contested", "Of 6 sources, 2 frame x as leadership, 2 as management, 1 is disputed and "
                                      "1 is split evenly; no framing is held by a clear majority"),
])
def test_the_sentence_says_what_the_sources_say_and_why(counts, classification, words):
    rows = []
    for part, k in zip(COMPOSITION, counts):
        for i in range(k):
            source = f"{part}{i}"
            if part == "disputed":
                rows += [("a", source, 1, "x", "leadership"), ("b", source, 1, "x", "management")]
            elif part == SPLIT:
                rows += [("a", source, 1, "x", "leadership"), ("a", source, 2, "x", "neither")]
            else:
                rows.append(("a", source, 1, "x", part))
    evidence = weigh_evidence(_Review(_codings(rows) if rows else _codings([]), ["x"])).iloc[0]
    assert [evidence[f"{part}_sources"] for part in COMPOSITION] == list(counts)
    assert evidence["classification"] == classification
    assert words in evidence["explanation"]
    assert evidence["explanation"] == explain(evidence.to_dict())


def test_a_probability_is_never_shown_across_the_threshold():
    assert chance(THRESHOLD - 1e-4) != f"{THRESHOLD:.0%}"
    assert chance(0.8963) == "89.6%" and chance(0.5) == "50%" and chance(1.0) == "over 99%"
