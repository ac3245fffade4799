"""The review's reliability units (litcoder.analysis.reliability): which units the coders judged, and
the agreement tables built on them.

Most tests use a toy review written here, small enough to work out by hand:

- sources A2001 (3 passages), B2002 (2), C2003 (2); competencies planning, vision, charisma;
- coders ann (finished A, B, C), bob (finished A, B) and cat (finished A only);
- so the presence units are A's 3 passages (ann, bob, cat) and B's 2 (ann, bob; cat has not
  finished B, so cat is missing there even where cat coded), × 3 competencies = 15 pooled
  units; C is finished by ann alone and is not a unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from litcoder import Review
from litcoder.analysis.agreement import (
    coefficients,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    prevalence_bias,
)
from litcoder.analysis.reliability import (
    ALL,
    FRAMING_CODES,
    TABLE_COLUMNS,
    agreement_table,
    framing_matrix,
    pair_table,
    presence_matrix,
)
from litcoder.inputs.matrix import read_matrix
from litcoder.outputs.charts import agreement_chart, pairs_chart

MATRICES = FIXTURES / "matrices"
nan = np.nan

# ---------------------------------------------------------------- the toy review

TOY_BIB = """\
@book{A2001,
  author = {Adams, Ann},
  title = {Plans and Visions},
  year = {2001}
}

@book{B2002,
  author = {Brown, Bea},
  title = {Leading Through Budgets},
  year = {2002}
}

@book{C2003,
  author = {Clark, Cy},
  title = {Managing the Plan},
  year = {2003}
}
"""

TOY_SOURCES = {
    "A2001": ("# One\n\nThe manager writes a plan with dates and targets.\n\n"
              "The leader paints a vision of the future.\n\nPersonal charm is beside the point here.\n"),
    "B2002": "A plan for the year, and a vision beyond it.\n\nThe vision is a management tool too.\n",
    "C2003": "Planning is the first duty of the manager.\n\nNothing else is said.\n",
}

TOY_CODEBOOK = """\
title: Toy review
framings: [leadership, management, both, neither]
groups:
  - id: work
    label: Work
    description: The work.
    competencies:
      - id: planning
        label: Planning
        definition: Making plans.
        indicators: [plans]
        examples: [A plan.]
        classification: management
      - id: vision
        label: Setting a vision
        definition: A picture of the future.
        indicators: [vision]
        examples: [A vision.]
        classification: leadership
      - id: charisma
        label: Charisma
        definition: Personal magnetism.
        indicators: [charm]
        examples: [Charm.]
        classification: neither
"""

# coder: (citekey, passage, quote, competency, framing, memo)
TOY_CODINGS = {
    "ann": [("A2001", 1, "writes a plan", "planning", "management", ""),
            ("A2001", 2, "paints a vision", "vision", "leadership", ""),
            ("A2001", 3, "Personal charm", "charisma", "neither", ""),
            ("B2002", 1, "A plan for the year", "planning", "management", ""),
            ("B2002", 1, "a vision beyond it", "vision", "leadership", ""),        # ann splits B's vision
            ("B2002", 2, "The vision is a management tool", "vision", "management", ""),  # evenly: missing
            ("C2003", 1, "Planning is the first duty", "planning", "management", "")],
    "bob": [("A2001", 1, "a plan with dates", "planning", "management", ""),
            ("A2001", 2, "a vision of the future", "vision", "leadership", ""),
            ("B2002", 1, "a vision beyond it", "vision", "leadership", "")],
    "cat": [("A2001", 1, "writes a plan with dates and targets", "planning", "leadership", "reads as direction"),
            ("A2001", 3, "charm is beside the point", "charisma", "neither", ""),
            ("B2002", 1, "a vision beyond it", "charisma", "leadership", "")],  # B is not finished by cat
}

TOY_COVERAGE = {"ann": ["A2001", "B2002", "C2003"], "bob": ["A2001", "B2002"], "cat": ["A2001"]}


def coding_line(coder: str, number: int, row: tuple) -> str:
    citekey, passage, quote, competency, framing, memo = row
    return f"{coder}-{number},{citekey},{passage},{quote},{competency},{framing},{memo}\n"


def make_toy_review(root: Path, codings: dict | None = None, coverage: dict | None = None) -> Path:
    """Write the toy review (or a variant of its codings / coverage) into `root`."""
    root = Path(root)
    for folder in ("corpus/sources", "corpus/codings", "corpus/coverage"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "references.bib").write_text(TOY_BIB, encoding="utf-8")
    for citekey, text in TOY_SOURCES.items():
        (root / f"corpus/sources/{citekey}.md").write_text(text, encoding="utf-8")
    (root / "corpus/codebook.yaml").write_text(TOY_CODEBOOK, encoding="utf-8")
    for coder, rows in (TOY_CODINGS if codings is None else codings).items():
        lines = ["id,citekey,passage,quote,competency,framing,memo\n"]
        lines += [coding_line(coder, i, row) for i, row in enumerate(rows, 1)]
        (root / f"corpus/codings/{coder}.csv").write_text("".join(lines), encoding="utf-8")
    for coder, citekeys in (TOY_COVERAGE if coverage is None else coverage).items():
        rows = "".join(f"{k},2026-09-0{i + 1}T10:00:00+00:00\n" for i, k in enumerate(citekeys))
        (root / f"corpus/coverage/{coder}.csv").write_text("citekey,finished_at\n" + rows, encoding="utf-8")
    return root


@pytest.fixture
def toy(tmp_path) -> Review:
    review = Review.load(make_toy_review(tmp_path / "toy"))
    assert review.problems == [], [str(p) for p in review.problems]
    return review


# The presence matrix worked out by hand: (passage, competency) × (ann, bob, cat).
EXPECTED_PRESENCE = {
    ("A2001/1", "planning"): [1, 1, 1], ("A2001/1", "vision"): [0, 0, 0], ("A2001/1", "charisma"): [0, 0, 0],
    ("A2001/2", "planning"): [0, 0, 0], ("A2001/2", "vision"): [1, 1, 0], ("A2001/2", "charisma"): [0, 0, 0],
    ("A2001/3", "planning"): [0, 0, 0], ("A2001/3", "vision"): [0, 0, 0], ("A2001/3", "charisma"): [1, 0, 1],
    ("B2002/1", "planning"): [1, 0, nan], ("B2002/1", "vision"): [1, 1, nan], ("B2002/1", "charisma"): [0, 0, nan],
    ("B2002/2", "planning"): [0, 0, nan], ("B2002/2", "vision"): [1, 0, nan], ("B2002/2", "charisma"): [0, 0, nan],
}
L, M, B, N = (float(FRAMING_CODES[f]) for f in ("leadership", "management", "both", "neither"))
EXPECTED_FRAMING = {
    ("A2001", "charisma"): [N, nan, N],
    ("A2001", "planning"): [M, M, L],
    ("A2001", "vision"): [L, L, nan],
}


def expected_presence(competency: str | None = None) -> np.ndarray:
    return np.array([v for (p, c), v in EXPECTED_PRESENCE.items() if competency in (None, c)], dtype=float)


# ---------------------------------------------------------------- presence

def test_presence_matrix_of_the_toy_review(toy):
    matrix = presence_matrix(toy)
    assert list(matrix.columns) == ["ann", "bob", "cat"]
    assert matrix.index.names == ["passage_id", "competency"]
    assert list(matrix.index) == list(EXPECTED_PRESENCE)
    np.testing.assert_array_equal(matrix.to_numpy(), expected_presence())


def test_pooled_presence_units_are_passages_times_competencies(toy):
    matrix = presence_matrix(toy)
    passages = sorted(set(matrix.index.get_level_values("passage_id")))
    assert passages == ["A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2"]
    assert len(matrix) == len(passages) * len(toy.codebook) == 15


def test_presence_values_are_one_or_zero_for_a_finished_source(toy):
    matrix = presence_matrix(toy)
    finished = matrix.loc[["A2001/1", "A2001/2", "A2001/3"]]
    assert set(np.unique(finished.to_numpy())) == {0.0, 1.0}
    assert matrix.loc[("A2001/2", "vision")].tolist() == [1.0, 1.0, 0.0]  # cat read it and did not code it


def test_an_unfinished_source_is_missing_not_disagreement(toy):
    """cat coded B2002/1 with charisma but has not finished B2002: cat's B values are all NaN,
    the coding included; ann and bob (who finished it) both have 0 there."""
    matrix = presence_matrix(toy)
    b_rows = matrix[matrix.index.get_level_values("passage_id").str.startswith("B2002/")]
    assert b_rows["cat"].isna().all()
    assert matrix.loc[("B2002/1", "charisma")].tolist()[:2] == [0.0, 0.0]
    # missing data does not count as a unit value: B's units have two values each
    assert (b_rows.notna().sum(axis=1) == 2).all()


def test_a_source_finished_by_one_coder_only_gives_no_units(toy):
    """C2003 is finished by ann alone (and coded by her): none of its passages is a unit."""
    matrix = presence_matrix(toy)
    assert not matrix.index.get_level_values("passage_id").str.startswith("C2003/").any()


def test_presence_matrix_of_one_competency(toy):
    vision = presence_matrix(toy, "vision")
    assert list(vision.index.get_level_values("competency").unique()) == ["vision"]
    assert list(vision.index.get_level_values("passage_id")) == ["A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2"]
    np.testing.assert_array_equal(vision.to_numpy(), expected_presence("vision"))


def test_presence_with_no_coverage_has_no_units(tmp_path):
    review = Review.load(make_toy_review(tmp_path / "r", coverage={}))
    assert presence_matrix(review).empty


def test_finishing_a_source_turns_missing_values_into_zeros(tmp_path):
    coverage = {**TOY_COVERAGE, "cat": ["A2001", "B2002"]}
    matrix = presence_matrix(Review.load(make_toy_review(tmp_path / "r", coverage=coverage)))
    assert matrix.loc[("B2002/1", "charisma")].tolist() == [0.0, 0.0, 1.0]
    assert matrix.loc[("B2002/2", "vision")].tolist() == [1.0, 0.0, 0.0]


# ---------------------------------------------------------------- framing

def test_framing_matrix_of_the_toy_review(toy):
    matrix = framing_matrix(toy)
    assert list(matrix.columns) == ["ann", "bob", "cat"]
    assert list(matrix.index) == list(EXPECTED_FRAMING)
    np.testing.assert_array_equal(matrix.to_numpy(), np.array(list(EXPECTED_FRAMING.values())))


def test_framing_units_need_two_coders(toy):
    """B2002/planning, C2003/planning and B2002/charisma have one coder each: no unit."""
    units = set(framing_matrix(toy).index)
    assert not units & {("B2002", "planning"), ("C2003", "planning"), ("B2002", "charisma")}
    assert (framing_matrix(toy).notna().sum(axis=1) >= 2).all()


def test_a_coder_split_evenly_between_framings_is_missing(toy):
    """ann frames B2002's vision once leadership, once management: no single framing, so missing;
    with bob's one value left, (B2002, vision) is not a unit."""
    assert ("B2002", "vision") not in framing_matrix(toy).index


def test_an_uneven_split_gives_the_main_framing(tmp_path):
    codings = {**TOY_CODINGS, "ann": TOY_CODINGS["ann"] + [("B2002", 2, "The vision", "vision", "leadership", "")]}
    matrix = framing_matrix(Review.load(make_toy_review(tmp_path / "r", codings=codings)))
    np.testing.assert_array_equal(matrix.loc[("B2002", "vision")].to_numpy(), [L, L, nan])


def test_framing_matrix_of_one_competency(toy):
    planning = framing_matrix(toy, "planning")
    assert list(planning.index) == [("A2001", "planning")]
    assert planning.iloc[0].tolist() == [M, M, L]


def test_framing_leaves_out_a_source_the_coder_has_not_finished(tmp_path):
    """bob codes C2003 (which only ann finished) as leadership. The reliability module's rule
    (and notebook 03 / the report's note): 'a coder's judgement of a source counts only once
    that coder marked the source finished; an unfinished source is missing data, not
    disagreement'. So (C2003, planning) has one judged value (ann's) and is not a unit."""
    codings = {**TOY_CODINGS, "bob": TOY_CODINGS["bob"] + [("C2003", 1, "Planning is the first duty", "planning",
                                                            "leadership", "")]}
    review = Review.load(make_toy_review(tmp_path / "r", codings=codings))
    assert ("C2003", "planning") not in framing_matrix(review).index


# ---------------------------------------------------------------- per pair of coders

def test_pair_table_of_the_toy_review(toy):
    """Worked out by hand from the matrices above.

    Presence, ann × bob: 15 units, 3 disagree (A2001/3 charisma, B2002/1 planning, B2002/2
    vision); ann has 6 ones, bob 3: kappa = (12/15 − 126/225) / (1 − 126/225) = 6/11;
    alpha = 1 − 29·6 / (2·9·21) = 34/63. ann × cat: 9 units (A only), one disagreement:
    kappa 8/11, alpha 48/65. bob × cat: 9 units, two: kappa 5/14, alpha 11/28.
    Framing, ann × bob: (A, planning) M M, (A, vision) L L: 2 units, alpha = kappa = 1.
    ann × cat: (A, charisma) N N, (A, planning) M L: alpha = 1 − 3·2/10 = 0.4, kappa 1/3.
    bob × cat: (A, planning) M L only: alpha 0 (one unit with two values is defined), kappa 0.
    """
    pairs = pair_table(toy)
    assert list(pairs.columns) == ["coder_a", "coder_b", "presence_units", "presence_alpha", "presence_kappa",
                                   "framing_units", "framing_alpha", "framing_kappa", "presence_prevalence_index",
                                   "presence_bias_index", "presence_pabak"]
    # the prevalence indices of each pair's presence table (Byrt, Bishop & Carlin 1993)
    presence = presence_matrix(toy)
    for row in pairs.itertuples():
        both = presence[[row.coder_a, row.coder_b]].dropna().to_numpy()
        expected_indices = prevalence_bias(both, categories=[0.0, 1.0])
        assert row.presence_pabak == pytest.approx(expected_indices["pabak"])
        assert row.presence_prevalence_index == pytest.approx(expected_indices["prevalence_index"])
    expected = pd.DataFrame({
        "coder_a": ["ann", "ann", "bob"], "coder_b": ["bob", "cat", "cat"],
        "presence_units": [15, 9, 9],
        "presence_alpha": [34 / 63, 48 / 65, 11 / 28], "presence_kappa": [6 / 11, 8 / 11, 5 / 14],
        "framing_units": [2, 2, 1],
        "framing_alpha": [1.0, 0.4, 0.0], "framing_kappa": [1.0, 1 / 3, 0.0],
    })
    pd.testing.assert_frame_equal(pairs[list(expected.columns)], expected, check_dtype=False, atol=1e-12, rtol=0)


def test_pair_table_uses_the_units_both_coders_judged(toy):
    presence = presence_matrix(toy)
    pairs = pair_table(toy).set_index(["coder_a", "coder_b"])
    for (a, b), row in pairs.iterrows():
        both = presence[[a, b]].dropna().to_numpy()
        assert row["presence_units"] == len(both)
        assert row["presence_alpha"] == pytest.approx(krippendorff_alpha(both))
        assert row["presence_kappa"] == pytest.approx(cohen_kappa(both))


def test_pair_table_bundled_shape(bundled):
    pairs = pair_table(bundled)
    assert list(zip(pairs["coder_a"], pairs["coder_b"])) == [("coder-a", "coder-b"), ("coder-a", "coder-c"),
                                                             ("coder-b", "coder-c")]
    presence, framing = presence_matrix(bundled), framing_matrix(bundled)
    for row in pairs.itertuples():
        assert row.presence_units == len(presence[[row.coder_a, row.coder_b]].dropna())
        assert row.framing_units == len(framing[[row.coder_a, row.coder_b]].dropna())
        assert -1 <= row.presence_alpha <= 1 and -1 <= row.framing_alpha <= 1


# ---------------------------------------------------------------- the agreement table

def test_agreement_table_rows_of_the_toy_review(toy):
    table = agreement_table(toy, resamples=200)
    assert list(table.columns) == TABLE_COLUMNS
    keys = list(dict.fromkeys(zip(table["measure"], table["competency"])))
    assert keys == [("presence", ALL), ("presence", "planning"), ("presence", "vision"), ("presence", "charisma"),
                    ("framing", ALL), ("framing", "planning"), ("framing", "vision"), ("framing", "charisma")]
    for (_measure, _competency), rows in table.groupby(["measure", "competency"]):
        assert list(rows["coefficient"]) == ["percent agreement", "Krippendorff's alpha", "Fleiss' kappa",
                                             "Gwet's AC1", "Brennan–Prediger"]  # 3 coders: no Cohen's kappa
        assert set(rows["coders"]) == {3} and set(rows["level"]) == {"nominal"}
    labels = dict(zip(table["competency"], table["label"]))
    assert labels == {ALL: ALL, "planning": "Planning", "vision": "Setting a vision", "charisma": "Charisma"}


def alpha_of(table, measure, competency):
    row = table[(table["measure"] == measure) & (table["competency"] == competency)
                & (table["coefficient"] == "Krippendorff's alpha")]
    assert len(row) == 1
    return row.iloc[0]


def test_agreement_table_values_of_the_toy_review(toy):
    """By hand: pooled presence, 39 values (11 ones, 28 zeros), observed 8:
    alpha = 1 − 38·8 / (2·11·28) = 39/77. Per competency 13 values each: planning (4 ones,
    observed 2) 1 − 12·2/72 = 2/3; vision (5 ones, observed 4) 1 − 48/80 = 0.4; charisma
    (2 ones, observed 2) 1 − 24/44 = 5/11. Pooled framing: 7 values L3 M2 N2, observed 2:
    1 − 6·2/32 = 0.625; planning alone (M M L) 0; vision and charisma hold one value: NaN."""
    table = agreement_table(toy, resamples=200)
    expected = {("presence", ALL): (39 / 77, 15), ("presence", "planning"): (2 / 3, 5),
                ("presence", "vision"): (0.4, 5), ("presence", "charisma"): (5 / 11, 5),
                ("framing", ALL): (0.625, 3), ("framing", "planning"): (0.0, 1)}
    for (measure, competency), (value, units) in expected.items():
        row = alpha_of(table, measure, competency)
        assert row["value"] == pytest.approx(value, abs=1e-12), (measure, competency)
        assert row["units"] == units
    for competency in ("vision", "charisma"):
        row = alpha_of(table, "framing", competency)
        assert np.isnan(row["value"]) and np.isnan(row["low"]) and np.isnan(row["high"]) and row["units"] == 1
    agreement = table[(table["measure"] == "presence") & (table["competency"] == ALL)
                      & (table["coefficient"] == "percent agreement")]
    assert agreement["value"].item() == pytest.approx(27 / 33)  # 27 of 33 pairs of values agree


def test_agreement_table_matches_the_coefficients_of_the_matrices(toy):
    table = agreement_table(toy, resamples=100, seed=3)
    for measure, matrix, categories in (("presence", expected_presence(), [0, 1]),
                                        ("framing", np.array(list(EXPECTED_FRAMING.values())), [0, 1, 2, 3])):
        expected = coefficients(matrix, "nominal", 100, 3, categories=categories)
        got = table[(table["measure"] == measure) & (table["competency"] == ALL)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)
    assert krippendorff_alpha(expected_presence()) == pytest.approx(39 / 77)
    assert percent_agreement(expected_presence()) == pytest.approx(27 / 33)


def test_agreement_intervals_contain_the_value_when_defined(toy, bundled):
    for table in (agreement_table(toy, resamples=200), agreement_table(bundled, resamples=200)):
        defined = table[table["low"].notna()]
        assert len(defined)
        assert (defined["low"] <= defined["value"] + 1e-12).all()
        assert (defined["value"] <= defined["high"] + 1e-12).all()
        assert (table.loc[table["low"].isna(), "high"].isna()).all()


def test_agreement_table_is_deterministic_with_the_same_seed(toy):
    first, second = agreement_table(toy, resamples=150, seed=11), agreement_table(toy, resamples=150, seed=11)
    pd.testing.assert_frame_equal(first, second)
    other = agreement_table(toy, resamples=150, seed=12)
    pd.testing.assert_series_equal(first["value"], other["value"])
    assert not first[["low", "high"]].fillna(-9).equals(other[["low", "high"]].fillna(-9))


def test_agreement_table_of_the_bundled_review(bundled):
    table = agreement_table(bundled, resamples=100)
    competencies = list(bundled.codebook["competency"])
    presence = table[table["measure"] == "presence"]
    assert list(dict.fromkeys(presence["competency"])) == [ALL, *competencies]
    pooled = presence_matrix(bundled)
    units = dict(zip(presence["competency"], presence["units"]))
    assert units[ALL] == len(pooled)
    passages = pooled.index.get_level_values("passage_id").nunique()
    assert len(pooled) == passages * len(competencies)
    assert all(units[c] == passages for c in competencies)
    framing = table[table["measure"] == "framing"]
    assert dict(zip(framing["competency"], framing["units"]))[ALL] == len(framing_matrix(bundled))
    alpha = table[(table["competency"] == ALL) & (table["coefficient"] == "Krippendorff's alpha")]
    assert alpha.set_index("measure")["value"].to_dict() == pytest.approx(
        {"presence": krippendorff_alpha(pooled), "framing": krippendorff_alpha(framing_matrix(bundled))})


def test_agreement_table_with_nothing_to_compare(tmp_path):
    review = Review.load(make_toy_review(tmp_path / "r", codings={}, coverage={}))
    table = agreement_table(review, resamples=20)
    assert table.empty and list(table.columns) == TABLE_COLUMNS
    assert pair_table(review).empty


# ---------------------------------------------------------------- the agreement figures

def test_agreement_chart_of_the_toy_review(toy):
    table = agreement_table(toy, resamples=100)
    fig = agreement_chart(table)
    presence, framing = fig.data
    assert (presence.name, framing.name) == ("presence", "framing")
    assert list(fig.layout.yaxis.ticktext)[-1] == f"<b>{ALL}</b>"  # the pooled row on top
    assert set(fig.layout.yaxis.ticktext) == {f"<b>{ALL}</b>", "Planning", "Setting a vision", "Charisma"}
    alpha = table[(table["coefficient"] == "Krippendorff's alpha") & (table["measure"] == "presence")]
    np.testing.assert_allclose(presence.x, alpha["value"])


def test_pairs_chart_of_the_toy_review(toy):
    pairs = pair_table(toy)
    fig = pairs_chart(pairs)
    presence, framing = fig.data
    assert list(presence.x) == ["ann", "bob", "cat"]
    z = np.array(presence.z, dtype=float)
    np.testing.assert_allclose(z, z.T, equal_nan=True)
    assert np.isnan(np.diag(z)).all()
    assert z[0, 1] == pytest.approx(34 / 63) and z[1, 2] == pytest.approx(11 / 28)
    assert np.array(framing.z, dtype=float)[0, 2] == pytest.approx(0.4)


# ---------------------------------------------------------------- any reliability matrix from a file

def test_read_matrix_krippendorff_2011_example():
    matrix, coders, categories, problems = read_matrix(MATRICES / "krippendorff-2011.csv", "ordinal")
    assert coders == ["A", "B", "C", "D"]
    assert matrix.shape == (12, 4)
    assert problems == []
    assert categories == ["1", "2", "3", "4", "5"]
    np.testing.assert_array_equal(matrix[0], [1, 1, nan, 1])
    np.testing.assert_array_equal(matrix[11], [nan, 3, nan, nan])  # blank cells are missing
    assert int(np.isnan(matrix).sum()) == 7
    for level, published in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)):
        data = read_matrix(MATRICES / "krippendorff-2011.csv", level)[0]
        assert round(krippendorff_alpha(data, level), 3) == published


def test_read_matrix_codes_text_categories():
    matrix, coders, categories, problems = read_matrix(MATRICES / "text-categories.csv")
    assert coders == ["coder-a", "coder-b", "coder-c"]
    assert categories == ["both", "leadership", "management", "neither"]
    assert problems == []
    code = {c: float(i) for i, c in enumerate(categories)}
    expected = [["leadership", "leadership", "management"], ["management", "management", None],
                ["both", None, "both"], ["neither", "neither", "neither"],  # the blank line is skipped
                ["leadership", "management", "leadership"]]
    np.testing.assert_array_equal(matrix, [[code[c] if c else nan for c in row] for row in expected])
    # by hand: 13 values (L4 M4 B2 N3), observed 4: 1 − 12·4 / (169 − 45) = 76/124
    assert krippendorff_alpha(matrix) == pytest.approx(76 / 124)


def test_read_matrix_semicolons():
    matrix, coders, categories, problems = read_matrix(MATRICES / "semicolon.csv", "interval")
    assert coders == ["A", "B", "C"] and problems == []
    np.testing.assert_array_equal(matrix, [[1, 1, nan], [2, 2, 1], [nan, 3, 3], [1, 1, 1]])


def test_read_matrix_non_numeric_cell_at_interval_level():
    matrix, coders, categories, problems = read_matrix(MATRICES / "non-numeric-interval.csv", "interval")
    assert coders == ["x", "y"]
    assert matrix.shape == (0, 2)
    assert [(p.severity, p.kind) for p in problems] == [("error", "matrix-level")]
    assert "interval level needs numbers" in problems[0].message
    # at the nominal level the same file is fine: each distinct text is a category
    nominal, _, categories, problems = read_matrix(MATRICES / "non-numeric-interval.csv")
    assert problems == [] and categories == ["1", "2", "3", "high"] and nominal.shape == (3, 2)


def test_read_matrix_non_numeric_cell_names_its_line():
    _, _, _, problems = read_matrix(MATRICES / "non-numeric-interval.csv", "interval")
    assert [p.line for p in problems] == [3]  # "2,high" is on line 3


def test_read_matrix_extra_cells_are_a_problem_with_their_line():
    matrix, coders, _, problems = read_matrix(MATRICES / "extra-cells.csv", "interval")
    assert coders == ["A", "B"]
    np.testing.assert_array_equal(matrix, [[1, 1], [2, 2], [1, nan]])  # the extra value is ignored
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.severity, problem.file, problem.line, problem.kind) == ("error", "extra-cells.csv", 3, "matrix-row")
    assert "3 values but 2 coders" in problem.message


def test_read_matrix_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    matrix, coders, _, problems = read_matrix(path)
    assert matrix.size == 0 and coders == []
    assert [p.kind for p in problems] == ["matrix-empty"]


def test_read_matrix_names_unnamed_coders(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("A,,C\n1,2,\n", encoding="utf-8")
    matrix, coders, _, _ = read_matrix(path, "interval")
    assert coders == ["A", "coder 2", "C"]
    np.testing.assert_array_equal(matrix, [[1, 2, nan]])
