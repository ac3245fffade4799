"""Source attributes (litcoder.toml's [attributes.<id>], corpus/attributes.csv) and the evidence
by attribute (analysis/subsets.py): every bad input reported with its line, the rest read;
cross-tab counts that add up; the classification within a subset made as for all sources."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, problems_of

from litcoder import Review
from litcoder.analysis.evidence import COMPOSITION, review_voices, weigh_evidence
from litcoder.analysis.subsets import NOT_GIVEN, divided, evidence_within, framing_by_attribute, leaning_apart

ATTRIBUTES = "corpus/attributes.csv"


def write(root, text: str) -> None:
    """corpus/attributes.csv, and the bundled review's litcoder.toml, which defines the attributes."""
    (root / "corpus" / "attributes.csv").write_text(text, encoding="utf-8")
    (root / "litcoder.toml").write_text((ROOT / "litcoder.toml").read_text(encoding="utf-8"), encoding="utf-8")


def test_the_bundled_review_gives_every_source_its_attributes(bundled):
    assert list(bundled.attribute_definitions) == ["source_type", "field", "sector"]
    assert (bundled.attributes[["source_type", "field", "sector"]] != "").all().all()
    assert list(bundled.attributes["citekey"]) == list(bundled.sources["citekey"])
    assert problems_of(bundled, file=ATTRIBUTES) == []
    row = bundled.attributes.set_index("citekey").loc["Gulick1937Notes"]
    assert (row["source_type"], row["field"], row["sector"]) == ("chapter", "public administration", "government")


def test_bad_rows_are_reported_with_their_lines_and_the_rest_read(review_copy):
    write(review_copy, "citekey,source_type,field,sector,colour\n"
                       "Kotter1990WhatLeaders,Practitioner  Article,business and management,business,red\n"
                       "Kotter1990WhatLeaders,book,,,\n"
                       "Kotter1990WhatLeader,book,,,\n"
                       "Burns1978Leadership,monograph,political science,government,\n")
    review = Review.load(review_copy)
    got = review.attributes.set_index("citekey")
    assert got.loc["Kotter1990WhatLeaders", "source_type"] == "practitioner article"  # its allowed spelling
    assert got.loc["Burns1978Leadership", ["source_type", "field"]].tolist() == ["", "political science"]
    assert [p.line for p in problems_of(review, "attributes-duplicate")] == [3]
    unknown = problems_of(review, "attributes-citekey")
    assert [p.line for p in unknown] == [4] and "Kotter1990WhatLeaders" in unknown[0].message
    value = problems_of(review, "attributes-value")
    assert [p.line for p in value] == [5] and "monograph" in value[0].message and "book" in value[0].action
    assert [p.line for p in problems_of(review, "csv-column")] == [1]  # colour: not an attribute
    assert "sources have no row" in problems_of(review, "attributes-missing")[0].message


def test_a_file_without_its_citekey_column_is_an_error(review_copy):
    write(review_copy, "source,source_type\nKotter1990WhatLeaders,book\n")
    review = Review.load(review_copy)
    assert problems_of(review, "csv-header") and (review.attributes["source_type"] == "").all()


def test_a_file_without_definitions_is_not_read(review_copy):
    (review_copy / "corpus" / "attributes.csv").write_text("citekey,kind\nKotter1990WhatLeaders,book\n")
    (review_copy / "litcoder.toml").unlink()
    review = Review.load(review_copy)  # no litcoder.toml: no attribute defined
    assert problems_of(review, "attributes-undefined") and list(review.attributes.columns) == ["citekey"]


@pytest.mark.parametrize("section, kind", [
    ('[attributes.kind]\nvalues = "book"\n', "values must be a list"),
    ("[attributes.kind]\nlabel = 'Kind'\n", "values must be a list"),
    ('[attributes."two words"]\nvalues = ["a"]\n', "an attribute's id names its column"),
    ('attributes = 3\n', "attributes must be sections"),
    ('[attributes.kind]\nvalues = ["a"]\nlabel = 4\n', "label must be text"),
    ('[attributes.kind]\nvalues = ["a", "A "]\n', "lists 'a' twice"),
    ('[attributes.kind]\nvalues = ["a"]\ncolour = "red"\n', "attributes.kind.colour is not used"),
])
def test_bad_definitions_are_reported_at_their_line(review_copy, section, kind):
    (review_copy / "litcoder.toml").write_text("# settings\n\n" + section, encoding="utf-8")
    review = Review.load(review_copy)
    found = [p for p in review.problems if p.file == "litcoder.toml" and kind in p.message]
    assert found and all(p.line and p.line >= 3 for p in found), [str(p) for p in review.problems]


def test_framing_by_attribute_adds_up_to_the_evidence(bundled):
    evidence = weigh_evidence(bundled).set_index("competency")
    for attribute in bundled.attribute_definitions:
        table = framing_by_attribute(bundled, attribute)
        per_competency = table.groupby("competency")[["sources", *(f"{p}_sources" for p in COMPOSITION)]].sum()
        for column in per_competency.columns:
            assert (per_competency[column] == evidence.loc[per_competency.index, column]).all(), (attribute, column)
        shares = table[[f"{p}_share" for p in COMPOSITION]].sum(axis=1)
        assert ((shares - 1).abs().lt(1e-9) | table["sources"].eq(0)).all()
        assert NOT_GIVEN not in set(table["value"])  # every source's attribute is given
    planning = framing_by_attribute(bundled, "sector").set_index(["competency", "value"]).loc["planning"]
    assert planning.loc["business", ["sources", "management_sources"]].tolist() == [4, 4]  # counted by hand


def test_sources_whose_attribute_is_not_given_make_a_subset(review_copy):
    write(review_copy, "citekey,source_type\nKotter1990WhatLeaders,practitioner article\n")
    (review_copy / "litcoder.toml").write_text('[attributes.source_type]\nvalues = ["book", "practitioner article"]\n',
                                               encoding="utf-8")
    review = Review.load(review_copy)
    table = framing_by_attribute(review, "source_type")
    assert list(dict.fromkeys(table["value"])) == ["book", "practitioner article", NOT_GIVEN]
    counted = table.groupby("competency")["sources"].sum()
    assert counted.equals(weigh_evidence(review).set_index("competency")["sources"].loc[counted.index])


def test_evidence_within_a_subset_is_the_evidence_of_its_sources_alone(bundled):
    voices = review_voices(bundled)
    within = evidence_within(bundled, "sector", voices)
    business = set(bundled.attributes.loc[bundled.attributes["sector"] == "business", "citekey"])
    alone = weigh_evidence(bundled, voices[voices["citekey"].isin(business)]).set_index("competency")
    mine = within[within["value"] == "business"].set_index("competency")
    assert (mine["classification"] == alone.loc[mine.index, "classification"]).all()
    assert (mine["sources"] == alone.loc[mine.index, "sources"]).all()


def test_divided_names_a_competency_classified_differently_in_two_subsets():
    within = pd.DataFrame({"competency": ["a", "a", "b", "b", "c", "c"], "label": ["A", "A", "B", "B", "C", "C"],
                           "value": ["business", "libraries"] * 3, "sources": [5, 4, 3, 3, 2, 0],
                           "classification": ["leadership", "management", "management", "management",
                                              "leadership", "insufficient"]})
    assert divided(within).to_dict("records") == [
        {"competency": "a", "label": "A", "by_subset": "business: leadership; libraries: management"}]


def test_leaning_apart_names_where_most_sources_of_two_values_say_different_things():
    counts = {"leadership_sources": [6, 0, 2, 1, 1, 1], "management_sources": [2, 1, 2, 0, 0, 0],
              "both_sources": [0, 0, 0, 0, 0, 0], "neither_sources": [0, 0, 0, 0, 0, 0]}
    table = pd.DataFrame({"competency": ["a", "a", "b", "b", "c", "c"], "label": ["A", "A", "B", "B", "C", "C"],
                          "value": ["business", "nursing"] * 3, "sources": [8, 1, 4, 1, 1, 1], **counts})
    # a: 6 of 8 leadership against 1 of 1 management; b: a tie in business says nothing; c: both leadership
    assert leaning_apart(table).to_dict("records") == [
        {"competency": "a", "label": "A", "by_subset": "business: leadership, 6 of 8; nursing: management, 1 of 1"}]


def test_an_attribute_not_defined_is_a_clear_error(bundled):
    with pytest.raises(KeyError, match=r"no attribute 'colour'.*source_type"):
        framing_by_attribute(bundled, "colour")
