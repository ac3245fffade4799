"""Co-occurrence of competencies (analysis/cooccurrence.py) counted by hand on a small review,
the retrieval of the passages behind a pair, and the literature figures (outputs/literature.py)."""

from __future__ import annotations

import json
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from litcoder import Review
from litcoder.analysis.cooccurrence import (
    PAIR_COLUMNS,
    PASSAGES_WITH_COLUMNS,
    WITHOUT_COLUMNS,
    coded_without,
    cooccurrence,
    cooccurrence_matrix,
    passages_with,
)
from litcoder.analysis.evidence import COMPOSITION
from litcoder.analysis.subsets import framing_by_attribute
from litcoder.inputs.project import init_review
from litcoder.outputs.literature import cooccurrence_chart, framing_by_attribute_chart
from litcoder.outputs.theme import FRAMING_COLOURS, lightness

BIB = """@book{Alpha2001One, author = {Alpha, Ann}, title = {One}, publisher = {P}, year = {2001}}
@book{Beta2002Two, author = {Beta, Bo}, title = {Two}, publisher = {P}, year = {2002}}
@book{Gamma2003Three, author = {Gamma, Gil}, title = {Three}, publisher = {P}, year = {2003}}
"""
CODEBOOK = """groups:
  - id: on-track
    label: Keeping on track
    competencies:
      - {id: planning, label: Planning, definition: Plans.}
      - {id: budgeting, label: Budgeting, definition: Money.}
  - id: forward
    label: Moving forward
    competencies:
      - {id: setting-vision, label: Setting a vision, definition: Vision.}
      - {id: motivating, label: Motivating, definition: Inspiring.}
"""
TEXTS = {
    "Alpha2001One": ["The director drew up a yearly plan and a budget for every branch. She also set out a vision "
                     "of the library as a civic hub.",
                     "Her vision guided the plan for the new building.",
                     "Costs were tracked against the budget each month."],
    "Beta2002Two": ["Managers plan the work of their teams.", "Budgets are drawn up by the finance office."],
    "Gamma2003Three": ["Good leaders inspire their staff.", "A shared vision inspires people to change."],
}
CODINGS = {
    "coder-a": [("Alpha2001One", 1, "drew up a yearly plan", "planning", "management"),
                ("Alpha2001One", 1, "a budget for every branch", "budgeting", "management"),
                ("Alpha2001One", 2, "Her vision", "setting-vision", "leadership"),
                ("Beta2002Two", 1, "Managers plan the work", "planning", "management"),
                ("Gamma2003Three", 1, "Good leaders inspire", "motivating", "leadership")],
    "coder-b": [("Alpha2001One", 1, "a vision of the library as a civic hub", "setting-vision", "leadership"),
                ("Alpha2001One", 2, "guided the plan for the new building", "planning", "both"),
                ("Beta2002Two", 2, "Budgets are drawn up", "budgeting", "management"),
                ("Gamma2003Three", 1, "inspire their staff", "motivating", "leadership")],
    "coder-c": [("Gamma2003Three", 2, "A shared vision", "setting-vision", "leadership"),
                ("Gamma2003Three", 2, "inspires people to change", "motivating", "both"),
                ("Alpha2001One", 3, "tracked against the budget", "budgeting", "management")],
}
# The passages and what anyone coded them to (P planning, B budgeting, V setting-vision, M motivating):
#   Alpha/1: P (a), B (a), V (b)     Alpha/2: V (a), P (b)     Alpha/3: B (c)
#   Beta/1: P (a)                    Beta/2: B (b)
#   Gamma/1: M (a and b: one unit)   Gamma/2: V (c), M (c)
# Passages per competency: P 3 (A1 A2 B1), B 3 (A1 A3 B2), V 3 (A1 A2 G2), M 2 (G1 G2).
# Pairs: P+V 2 (A1, and A2 where coder-a coded V and coder-b P): jaccard 2/(3+3-2) = 1/2, overlap 2/3;
#   P+B 1 (A1): 1/(3+3-1) = 1/5, 1/3;  B+V 1 (A1): 1/5, 1/3;  V+M 1 (G2): 1/(3+2-1) = 1/4, 1/2;  P+M, B+M none.
# Sources: Alpha P B V, Beta P B, Gamma V M; so P 2, B 2, V 2, M 1.
#   P+B 2 (Alpha, Beta): 2/(2+2-2) = 1, overlap 1;  P+V 1 (Alpha): 1/3, 1/2;  B+V 1: 1/3, 1/2;
#   V+M 1 (Gamma): 1/(2+1-1) = 1/2, overlap 1.
PASSAGE_PAIRS = [("planning", "setting-vision", 2, 3, 3, 1 / 2, 2 / 3),
                 ("planning", "budgeting", 1, 3, 3, 1 / 5, 1 / 3),
                 ("budgeting", "setting-vision", 1, 3, 3, 1 / 5, 1 / 3),
                 ("setting-vision", "motivating", 1, 3, 2, 1 / 4, 1 / 2)]
SOURCE_PAIRS = [("planning", "budgeting", 2, 2, 2, 1, 1),
                ("planning", "setting-vision", 1, 2, 2, 1 / 3, 1 / 2),
                ("budgeting", "setting-vision", 1, 2, 2, 1 / 3, 1 / 2),
                ("setting-vision", "motivating", 1, 2, 1, 1 / 2, 1)]
IDS = ["planning", "budgeting", "setting-vision", "motivating"]


def small_review(root, codings=CODINGS) -> Review:
    init_review(root)
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    (root / "corpus" / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for citekey, paragraphs in TEXTS.items():
        (root / "corpus" / "sources" / f"{citekey}.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    for coder, rows in codings.items():
        lines = ["id,citekey,passage,quote,competency,framing,memo,coded_at"]
        lines += [f"{coder}-{n},{key},{passage},{quote},{competency},{framing},,2026-10-01T10:00:00+00:00"
                  for n, (key, passage, quote, competency, framing) in enumerate(rows, 1)]
        (root / "corpus" / "codings" / f"{coder}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Review.load(root)


@pytest.fixture
def small(tmp_path) -> Review:
    review = small_review(tmp_path / "review")
    assert not [p for p in review.problems if p.severity != "info"], [str(p) for p in review.problems]
    assert len(review.codings) == 12 and review.codings["anchored"].all()
    return review


@pytest.fixture
def empty(tmp_path) -> Review:
    return small_review(tmp_path / "empty", codings={})


def rows(table: pd.DataFrame) -> list[tuple]:
    return list(table[["a", "b", "together", "a_units", "b_units", "jaccard", "overlap"]].itertuples(index=False,
                                                                                                    name=None))


def assert_pairs(table: pd.DataFrame, expected: list[tuple]) -> None:
    got = rows(table)
    assert [r[:5] for r in got] == [e[:5] for e in expected]
    assert [r[5:] for r in got] == [pytest.approx(e[5:]) for e in expected]


# ---------------------------------------------------------------- counted by hand

def test_pairs_in_the_same_passage_counted_by_hand(small):
    table = cooccurrence(small)
    assert list(table.columns) == PAIR_COLUMNS
    assert_pairs(table, PASSAGE_PAIRS)
    assert table[["label_a", "label_b"]].iloc[0].tolist() == ["Planning", "Setting a vision"]
    assert table.attrs["units"] == {"planning": 3, "budgeting": 3, "setting-vision": 3, "motivating": 2}


def test_pairs_in_the_same_source_counted_by_hand(small):
    assert_pairs(cooccurrence(small, level="source"), SOURCE_PAIRS)


def test_a_passage_coded_by_two_coders_to_the_two_competencies_counts(small):
    # Alpha/2: coder-a coded setting-vision, coder-b planning; neither coded both
    alone = {coder: cooccurrence(small, coders=coder) for coder in ("coder-a", "coder-b")}
    assert not any(((t["a"] == "planning") & (t["b"] == "setting-vision")).any() for t in alone.values())
    together = cooccurrence(small, coders=["coder-a", "coder-b"]).set_index(["a", "b"])
    # P in A1 A2 B1 (3), V in A1 A2 (2): together 2, jaccard 2/(3+2-2), overlap 2/2
    assert together.loc[("planning", "setting-vision"), ["together", "a_units", "b_units"]].tolist() == [2, 3, 2]
    assert together.loc[("planning", "setting-vision"), "jaccard"] == pytest.approx(2 / 3)
    assert together.loc[("planning", "setting-vision"), "overlap"] == 1


def test_coders_restrict_the_codings_counted(small):
    # coder-a alone: A1 P B, A2 V, B1 P, G1 M: one pair, P 2 and B 1 passages
    assert_pairs(cooccurrence(small, coders=["coder-a"]), [("planning", "budgeting", 1, 2, 1, 1 / 2, 1)])
    only_b = cooccurrence(small, coders="coder-b")  # A1 V, A2 P, B2 B, G1 M: nothing together
    assert only_b.empty and list(only_b.columns) == PAIR_COLUMNS
    # coder-c alone, by source: Alpha B; Gamma V M
    assert_pairs(cooccurrence(small, level="source", coders="coder-c"),
                 [("setting-vision", "motivating", 1, 1, 1, 1, 1)])


def test_the_matrix_is_symmetric_with_each_competencys_units_on_its_diagonal(small):
    matrix = cooccurrence_matrix(small)
    assert list(matrix.index) == list(matrix.columns) == IDS
    assert np.diag(matrix).tolist() == [3, 3, 3, 2]
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()
    assert matrix.loc["setting-vision", "planning"] == 2 and matrix.loc["budgeting", "motivating"] == 0
    sources = cooccurrence_matrix(small, level="source")
    assert np.diag(sources).tolist() == [2, 2, 2, 1] and sources.loc["budgeting", "planning"] == 2


def test_the_matrix_of_a_measure_agrees_with_the_table(small):
    for level in ("passage", "source"):
        table = cooccurrence(small, level)
        for measure in ("jaccard", "overlap"):
            matrix = cooccurrence_matrix(small, level, measure)
            assert (np.diag(matrix) == 1).all()
            assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T)
            for row in table.itertuples():
                assert matrix.loc[row.b, row.a] == pytest.approx(getattr(row, measure))
    assert cooccurrence_matrix(small, measure="jaccard").loc["planning", "motivating"] == 0  # coded, never together


# ---------------------------------------------------------------- retrieval

def test_passages_with_both_give_the_text_and_each_competencys_quotes(small):
    found = passages_with(small, "planning", "setting-vision")
    assert list(found.columns) == PASSAGES_WITH_COLUMNS
    assert list(zip(found["citekey"], found["passage"])) == [("Alpha2001One", 1), ("Alpha2001One", 2)]
    assert found["text"].tolist() == TEXTS["Alpha2001One"][:2]
    assert found["quotes_a"].tolist() == ["coder-a (management): “drew up a yearly plan”",
                                          "coder-b (both): “guided the plan for the new building”"]
    assert found["quotes_b"].tolist() == ["coder-b (leadership): “a vision of the library as a civic hub”",
                                          "coder-a (leadership): “Her vision”"]
    swapped = passages_with(small, "Setting a vision", "planning")  # a label does as well as an id
    assert swapped["quotes_a"].tolist() == found["quotes_b"].tolist()
    assert passages_with(small, "planning", "setting-vision", coders="coder-a").empty


def test_quotes_of_one_competency_in_a_passage_are_joined_in_text_order(small):
    found = passages_with(small, "setting-vision", "motivating")
    assert found[["citekey", "passage"]].values.tolist() == [["Gamma2003Three", 2]]
    assert found["quotes_b"].tolist() == ["coder-c (both): “inspires people to change”"]
    gamma1 = coded_without(small, "motivating", "setting-vision")
    assert gamma1["quotes_x"].tolist() == ["coder-a (leadership): “Good leaders inspire”; "
                                           "coder-b (leadership): “inspire their staff”"]


def test_coded_x_but_not_y_by_passage_and_by_source(small):
    without = coded_without(small, "planning", "budgeting")
    assert list(without.columns) == WITHOUT_COLUMNS["passage"]
    assert list(zip(without["citekey"], without["passage"])) == [("Alpha2001One", 2), ("Beta2002Two", 1)]
    assert without["quotes_x"].tolist() == ["coder-b (both): “guided the plan for the new building”",
                                            "coder-a (management): “Managers plan the work”"]
    assert without["text"].tolist() == [TEXTS["Alpha2001One"][1], TEXTS["Beta2002Two"][0]]
    assert coded_without(small, "planning", "budgeting", level="source").empty  # Alpha and Beta have both
    vision = coded_without(small, "setting-vision", "planning", level="source")
    assert list(vision.columns) == WITHOUT_COLUMNS["source"]
    assert vision[["citekey", "author_year", "passages"]].values.tolist() == [["Gamma2003Three", "Gamma, 2003", "2"]]
    assert vision["quotes_x"].tolist() == ["passage 2, coder-c (leadership): “A shared vision”"]
    # coder-b alone never coded setting-vision where it coded planning
    assert coded_without(small, "setting-vision", "planning", coders="coder-b")["passage"].tolist() == [1]


# ---------------------------------------------------------------- bad requests, no codings

@pytest.mark.parametrize("call, says", [
    (lambda r: passages_with(r, "planing", "budgeting"), r"'planing' \(did you mean planning\?\)"),
    (lambda r: coded_without(r, "visoin", "charisma"), r"'visoin'.* or 'charisma'.*its ids: planning, budgeting"),
    (lambda r: passages_with(r, "planning", "Planning"), None),
])
def test_unknown_competencies_are_named_with_the_known_ids(small, call, says):
    if says is None:  # the same competency twice
        with pytest.raises(ValueError, match="two different competencies"):
            call(small)
        return
    with pytest.raises(KeyError, match=says):
        call(small)


@pytest.mark.parametrize("call, says", [
    (lambda r: cooccurrence(r, level="paragraph"), "level must be 'passage' or 'source', not 'paragraph'"),
    (lambda r: cooccurrence_matrix(r, level="sources"), "level must be"),
    (lambda r: coded_without(r, "planning", "budgeting", level="page"), "level must be"),
    (lambda r: cooccurrence_matrix(r, measure="cosine"), "measure must be one of together, jaccard, overlap"),
    (lambda r: cooccurrence(r, coders=["coder-a", "coder-x"]), r"no coder 'coder-x' in this review \(did you mean"),
    (lambda r: passages_with(r, "planning", "budgeting", coders=[]), "names no coder"),
])
def test_bad_levels_measures_and_coders_are_plain_errors(small, call, says):
    with pytest.raises(ValueError, match=says):
        call(small)


def test_a_review_without_codings_gives_empty_frames_with_their_columns(empty):
    assert len(empty.codebook) == 4 and empty.codings.empty
    table = cooccurrence(empty)
    assert table.empty and list(table.columns) == PAIR_COLUMNS
    assert cooccurrence(empty, "source").empty
    matrix = cooccurrence_matrix(empty)
    assert matrix.shape == (4, 4) and (matrix.to_numpy() == 0).all()
    assert cooccurrence_matrix(empty, measure="jaccard").isna().all().all()
    assert list(passages_with(empty, "planning", "budgeting").columns) == PASSAGES_WITH_COLUMNS
    for level, columns in WITHOUT_COLUMNS.items():
        without = coded_without(empty, "planning", "budgeting", level)
        assert without.empty and list(without.columns) == columns
    figure = cooccurrence_chart(empty, table)
    json.loads(figure.to_json())
    with pytest.raises(ValueError, match=r"no coder 'coder-a'.*none yet"):
        cooccurrence(empty, coders="coder-a")


# ---------------------------------------------------------------- the bundled review

def test_on_the_bundled_review_counts_are_bounded_and_the_levels_agree(bundled):
    for level in ("passage", "source"):
        table = cooccurrence(bundled, level)
        matrix = cooccurrence_matrix(bundled, level)
        assert len(table) > 10 and (matrix.to_numpy() == matrix.to_numpy().T).all()
        assert (table["together"] <= table[["a_units", "b_units"]].min(axis=1)).all()
        assert table["jaccard"].between(0, 1).all() and (table["jaccard"] <= table["overlap"]).all()
        passages = bundled.codings.dropna(subset=["passage"]) if level == "passage" else bundled.codings
        units = passages.drop_duplicates(["competency", "citekey", *(["passage"] if level == "passage" else [])])
        assert np.diag(matrix).tolist() == units["competency"].value_counts().reindex(matrix.index, fill_value=0
                                                                                      ).tolist()
    # two competencies coded together in a passage are coded together in its source
    by_passage, by_source = cooccurrence_matrix(bundled).to_numpy(), cooccurrence_matrix(bundled, "source").to_numpy()
    assert ((by_passage > 0) <= (by_source > 0)).all() and (np.diag(by_source) <= np.diag(by_passage)).all()
    top = cooccurrence(bundled).iloc[0]
    assert len(passages_with(bundled, top["a"], top["b"])) == top["together"]
    assert len(coded_without(bundled, top["a"], top["b"])) == top["a_units"] - top["together"]


# ---------------------------------------------------------------- the figures

def test_the_cooccurrence_heatmap_shows_the_table(small):
    table = cooccurrence(small)
    figure = cooccurrence_chart(small, table)
    heatmap = figure.data[0]
    # lower triangle: rows budgeting … motivating, columns planning … setting-vision
    z = np.array(heatmap.z, dtype=float)
    assert z.shape == (3, 3)
    assert z[1, 0] == pytest.approx(1 / 2) and z[0, 0] == pytest.approx(1 / 5) and z[2, 2] == pytest.approx(1 / 4)
    assert z[2, 0] == 0 and np.isnan(z[0, 1])  # coded, never together; above the diagonal: nothing
    assert list(figure.layout.yaxis.ticktext) == ["Budgeting (3)", "Setting a vision (3)", "Motivating (2)"]
    hover = heatmap.hovertext[1][0]
    assert "Planning" in hover and "Setting a vision" in hover and "2 passages" in hover and "0.50" in hover
    assert figure.to_json() == cooccurrence_chart(small, cooccurrence_matrix(small)).to_json()
    json.loads(figure.to_json())
    by_source = cooccurrence_chart(small, cooccurrence(small, "source"))
    assert "sources" in by_source.data[0].hovertext[0][0]


def test_the_heatmap_escapes_labels_and_its_colours_darken_steadily(small):
    codebook = small.codebook.copy()
    codebook.loc[0, "label"] = "Planning <b>& scheduling</b>"
    small.codebook = codebook
    figure = cooccurrence_chart(small, cooccurrence(small))
    assert "Planning &lt;b&gt;&amp; scheduling&lt;/b&gt;" in figure.data[0].hovertext[0][0]
    scale = [colour for _, colour in figure.data[0].colorscale]
    assert all(lightness(a) > lightness(b) + 10 for a, b in pairwise(scale))  # reads in greys


def test_a_jaccard_matrix_alone_is_refused(small):
    with pytest.raises(ValueError, match="together"):
        cooccurrence_chart(small, cooccurrence_matrix(small, measure="jaccard"))


def test_the_framing_by_attribute_chart_shows_the_tables_shares(bundled):
    table = framing_by_attribute(bundled, "sector")
    figure = framing_by_attribute_chart(bundled, table, "sector")
    values = list(dict.fromkeys(table["value"]))
    bars = [t for t in figure.data if t.type == "bar"]
    assert {t.name for t in bars} == set(COMPOSITION)
    assert len(bars) == len(values) * len(COMPOSITION)
    for trace in bars:
        value = values[int((trace.xaxis or "x").lstrip("x") or 1) - 1]
        mine = table[table["value"] == value].set_index("label")
        assert list(trace.y) == list(mine.index)
        assert list(trace.x) == pytest.approx(mine[f"{trace.name}_share"].tolist())
        assert trace.marker.color == FRAMING_COLOURS[trace.name]
    business = next(t for t in bars if t.name == "management" and t.xaxis in (None, "x"))
    row = table[(table["value"] == values[0]) & (table["label"] == "Planning")].iloc[0]
    said = business.hovertext[list(business.y).index("Planning")]
    assert f"{row['management_sources']} of {row['sources']} {values[0]} sources" in said
    json.loads(figure.to_json())
