"""The network of sources and competencies (litcoder.analysis.network), as a committee member checks it.

Flows must carry every source's voice and nothing more; schools must find sources that frame
alike (planted ones, and the bundled review's leadership theorists and management classics);
competencies framed together, and the ego views, must list exactly what the voices say.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from conftest import copy_review

from litcoder import Review
from litcoder.analysis.evidence import review_voices
from litcoder.analysis.network import (
    EGO_COLUMNS,
    competency_ego,
    competency_network,
    flows,
    pairs_table,
    school_table,
    schools,
    source_ego,
    source_groups,
    source_network,
)
from litcoder.inputs.codebook import FRAMINGS

GROUPINGS = ["source", "source_type", "field", "sector", "decade"]


@pytest.fixture(scope="module")
def voices(bundled) -> pd.DataFrame:
    return review_voices(bundled)


def _cite(review) -> dict[str, str]:
    return dict(zip(review.sources["citekey"], review.sources["author_year"]))


def _labels(review) -> dict[str, str]:
    return dict(zip(review.codebook["competency"], review.codebook["label"]))


# --- constructed voices ------------------------------------------------------------------------

SHARES = {"disputed": {"leadership": 0.5, "management": 0.5}, "split": {"leadership": 0.5, "management": 0.5}}


def voice_rows(said: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Voices as review_voices gives them, from (citekey, competency, what the source says);
    a disputed or split source's voice is halved between leadership and management."""
    rows = []
    for citekey, competency, framing in said:
        shares = SHARES.get(framing, {framing: 1.0})
        rows.append({"competency": competency, "citekey": citekey,
                     **{f: shares.get(f, 0.0) for f in FRAMINGS}, "framing": framing, "coders": "coder-x",
                     "coder_framings": f"coder-x: {framing}", "passages": 1, "passage_list": "1", "codings": 1})
    return pd.DataFrame(rows)


# --- constructed reviews -----------------------------------------------------------------------

def _recode(root, framing_of: dict[tuple[str, str], str]) -> None:
    """Replace every coder's codings by one coder's: (citekey, competency) → framing, each
    quoting the first words of its own passage of the source, so that every coding anchors."""
    for kind in ("codings", "coverage"):
        for path in (root / "corpus" / kind).glob("*.csv"):
            path.unlink()
    (root / "corpus" / "settlements.csv").write_text("item,resolution,rationale,settled_by,settled_on\n")
    passages = Review.load(root).passages
    rows, used = [], {}
    for (citekey, competency), framing in framing_of.items():
        passage = used[citekey] = used.get(citekey, 0) + 1
        text = passages.loc[(passages["citekey"] == citekey) & (passages["passage"] == passage), "text"].item()
        rows.append({"id": f"coder-x-{len(rows) + 1:04d}", "citekey": citekey, "passage": passage,
                     "quote": text.split("\n")[0][:40].strip(), "competency": competency, "framing": framing})
    with open(root / "corpus" / "codings" / "coder-x.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


PLANTED = ["budgeting", "motivating", "organizing", "planning", "setting-vision", "staffing"]
COMMON = "communication"
"""Framed as both by every source: the two planted schools still agree on one competency."""


@pytest.fixture(scope="module")
def planted(tmp_path_factory, bundled):
    """A review whose twelve sources, taken alternately, form two schools: one frames the six
    planted competencies as leadership, the other as management; all frame communication as both."""
    citekeys = sorted(bundled.sources["citekey"])
    leaders, managers = citekeys[0::2], citekeys[1::2]
    framing_of = {(k, c): "leadership" if k in leaders else "management" for k in citekeys for c in PLANTED}
    framing_of.update({(k, COMMON): "both" for k in citekeys})
    root = copy_review(tmp_path_factory.mktemp("planted"))
    _recode(root, framing_of)
    review = Review.load(root)
    return review, leaders, managers


def test_the_planted_review_is_read_as_written(planted):
    review = planted[0]
    assert not review.problems
    assert review.counted_codings["anchored"].all()
    voices = review_voices(review)
    assert len(voices) == 12 * 7
    assert set(voices["framing"]) == {"leadership", "management", "both"}


# --- flows -------------------------------------------------------------------------------------

@pytest.mark.parametrize("by", GROUPINGS)
def test_what_flows_into_a_competency_is_its_sources(bundled, voices, by):
    name, groups = source_groups(bundled, by)
    assert name == by
    assert set(groups) == set(bundled.sources["citekey"])
    flow = flows(voices, groups)
    into = flow.groupby("competency")["voice"].sum()
    sources = voices.groupby("competency").size()
    assert set(into.index) == set(sources.index)
    for competency, count in sources.items():
        assert into[competency] == pytest.approx(count), competency


@pytest.mark.parametrize("by", GROUPINGS)
def test_each_framing_carries_its_shares(bundled, voices, by):
    flow = flows(voices, source_groups(bundled, by)[1])
    for framing in FRAMINGS:
        carried = flow[flow["framing"] == framing].groupby("competency")["voice"].sum()
        shares = voices.groupby("competency")[framing].sum()
        shares = shares[shares > 0]
        assert set(carried.index) == set(shares.index), framing
        assert carried.to_numpy() == pytest.approx(shares.loc[carried.index].to_numpy()), framing
        speaking = voices[voices[framing] > 0].groupby("competency").size()
        assert flow[flow["framing"] == framing].groupby("competency")["sources"].sum().to_dict() == \
            speaking.to_dict(), framing
    assert (flow["voice"] > 0).all()


@pytest.mark.parametrize("by", GROUPINGS)
def test_what_flows_out_of_a_group_is_its_sources_voices(bundled, voices, by):
    groups = source_groups(bundled, by)[1]
    flow = flows(voices, groups)
    out = flow.groupby("group")["voice"].sum()
    expected = voices["citekey"].map(groups).value_counts()
    assert out.to_dict() == pytest.approx(expected.to_dict())
    for row in flow.itertuples():
        assert {groups[k] for k in row.citekeys} == {row.group}
        assert len(row.citekeys) == row.sources


def test_a_source_without_a_group_flows_as_itself(voices):
    flow = flows(voices, {})
    assert set(flow["group"]) == set(voices["citekey"])
    budgeting = flow[flow["competency"] == "budgeting"]
    assert budgeting["voice"].sum() == pytest.approx((voices["competency"] == "budgeting").sum())


def test_groups_by_decade_and_attribute(bundled):
    decades = source_groups(bundled, "decade")[1]
    assert decades["Gulick1937Notes"] == "1930s"
    assert decades["Fayol1949General"] == "1940s"  # the edition read, not the 1916 original
    assert decades["Northouse2021Leadership9"] == "2020s"
    sectors = source_groups(bundled, "sector")[1]
    assert sectors["SchmalenbergKramer2009NMSupport"] == "health care"
    with pytest.raises(KeyError, match="no attribute 'colour'"):
        source_groups(bundled, "colour")


def test_up_to_thirty_sources_each_is_its_own_group(bundled):
    name, groups = source_groups(bundled)
    assert name == "source"
    assert groups == _cite(bundled)
    assert len(set(groups.values())) == len(groups)


def test_more_sources_are_grouped_by_the_first_attribute_with_values(bundled):
    assert source_groups(bundled, each_up_to=11)[0] == "source_type"
    assert source_groups(bundled, each_up_to=12)[0] == "source"


def test_an_attribute_no_one_filled_in_is_passed_over(review_copy):
    path = review_copy / "corpus" / "attributes.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "source_type": ""} for row in rows)
    review = Review.load(review_copy)
    assert source_groups(review, each_up_to=5)[0] == "field"
    assert set(source_groups(review, "source_type")[1].values()) == {"not given"}


def test_without_attributes_more_sources_are_grouped_by_decade(review_copy):
    toml = review_copy / "litcoder.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"\[attributes\.\w+\][^\[]*", "", text), encoding="utf-8")
    (review_copy / "corpus" / "attributes.csv").unlink()
    review = Review.load(review_copy)
    assert review.attribute_definitions == {}
    assert source_groups(review)[0] == "source"
    by, groups = source_groups(review, each_up_to=5)
    assert by == "decade"
    assert groups["BennisNanus1985Leaders"] == "1980s"
    with pytest.raises(KeyError, match=r'group by source, decade"$'):
        source_groups(review, "sector")


def test_attributes_with_no_values_give_decades(review_copy):
    (review_copy / "corpus" / "attributes.csv").unlink()
    review = Review.load(review_copy)
    assert source_groups(review, each_up_to=5)[0] == "decade"
    assert set(source_groups(review, "field")[1].values()) == {"not given"}


# --- ego views ---------------------------------------------------------------------------------

def test_a_competencys_ego_lists_exactly_its_sources(bundled, voices):
    codings = bundled.counted_codings
    for competency in sorted(voices["competency"].unique()):
        ego = competency_ego(voices, competency)
        assert list(ego.columns) == EGO_COLUMNS
        assert ego["citekey"].tolist() == sorted(set(codings.loc[codings["competency"] == competency, "citekey"]))
        assert (ego["competency"] == competency).all()
        mine = voices[voices["competency"] == competency].set_index("citekey")
        assert ego.set_index("citekey")["framing"].to_dict() == mine["framing"].to_dict()
        assert ego[list(FRAMINGS)].sum(axis=1).to_numpy() == pytest.approx(1.0)


def test_a_sources_ego_lists_exactly_its_competencies(bundled, voices):
    codings = bundled.counted_codings
    for citekey in sorted(voices["citekey"].unique()):
        ego = source_ego(voices, citekey)
        assert ego["competency"].tolist() == sorted(set(codings.loc[codings["citekey"] == citekey, "competency"]))
        assert (ego["citekey"] == citekey).all()


def test_an_ego_of_nothing_is_empty(voices):
    assert competency_ego(voices, "no-such-competency").empty
    assert source_ego(voices, "NoSuch2000Source").empty
    assert list(source_ego(voices, "NoSuch2000Source").columns) == EGO_COLUMNS


# --- schools -----------------------------------------------------------------------------------

def test_planted_schools_are_found(planted):
    review, leaders, managers = planted
    graph = source_network(review_voices(review))
    found = schools(graph)
    assert {k for k, n in found.items() if n == 1} == set(leaders)  # the school holding the first citekey
    assert {k for k, n in found.items() if n == 2} == set(managers)
    # the two schools are linked, but only by the one competency both frame as both
    across = graph.edges[leaders[0], managers[0]]
    assert (across["agree"], across["competencies"]) == (1, COMMON)
    within = graph.edges[leaders[0], leaders[1]]
    assert (within["agree"], within["shared"], within["agreement"]) == (7, 7, 1.0)


def test_schools_are_the_same_at_every_build(planted, bundled, voices):
    for review in (planted[0], bundled):
        mine = review_voices(review)
        first = schools(source_network(mine))
        assert schools(source_network(mine)) == first
        shuffled = mine.sample(frac=1, random_state=3).reset_index(drop=True)
        assert schools(source_network(shuffled)) == first


def test_planted_school_table(planted):
    review, leaders, managers = planted
    voices = review_voices(review)
    graph = source_network(voices)
    cite, labels = _cite(review), _labels(review)
    table = school_table(schools(graph), voices, cite, labels)
    assert table["school"].tolist() == [1, 2]
    assert table["sources"].tolist() == [6, 6]
    assert table.loc[0, "members"] == "; ".join(sorted(cite[k] for k in leaders))
    assert table.loc[1, "members"] == "; ".join(sorted(cite[k] for k in managers))
    assert table.loc[0, list(FRAMINGS)].tolist() == pytest.approx([6 / 7, 0, 1 / 7, 0], abs=1e-4)
    assert table.loc[1, list(FRAMINGS)].tolist() == pytest.approx([0, 6 / 7, 1 / 7, 0], abs=1e-4)
    # every competency is agreed by all 15 pairs: the first five in the codebook's ids
    first_five = sorted([*PLANTED, COMMON])[:5]
    assert table.loc[0, "agreed"] == "; ".join(
        f"{labels[c]} ({'both' if c == COMMON else 'leadership'})" for c in first_five)
    assert table.loc[1, "agreed"] == "; ".join(
        f"{labels[c]} ({'both' if c == COMMON else 'management'})" for c in first_five)


def test_sources_that_agree_on_nothing_are_each_a_school():
    voices = voice_rows([("C", "planning", "leadership"), ("A", "planning", "management"),
                         ("B", "budgeting", "leadership"), ("D", "planning", "disputed")])
    graph = source_network(voices)
    assert graph.number_of_edges() == 0
    assert schools(graph) == {"A": 1, "B": 2, "C": 3, "D": 4}
    table = school_table(schools(graph), voices, {}, {})
    assert table["members"].tolist() == ["A", "B", "C", "D"]
    assert table["agreed"].tolist() == [""] * 4
    assert schools(source_network(voice_rows([]).reindex(columns=["citekey", "competency", "framing"]))) == {}


def test_the_largest_school_is_numbered_first():
    said = [(k, c, "leadership") for k in ("Z1", "Z2", "Z3") for c in ("c1", "c2")]
    said += [(k, c, "management") for k in ("A1", "A2") for c in ("c1", "c2")]
    said += [("M1", "c1", "both"), ("B1", "c2", "neither")]
    assert schools(source_network(voice_rows(said))) == {"Z1": 1, "Z2": 1, "Z3": 1, "A1": 2, "A2": 2,
                                                           "B1": 3, "M1": 4}


def test_the_bundled_schools_are_the_literatures(bundled, voices):
    found = schools(source_network(voices))
    theorists = ["Kotter1990WhatLeaders", "BennisNanus1985Leaders", "Burns1978Leadership", "Bass1985Beyond",
                 "Zaleznik1977ManagersLeaders", "Northouse2021Leadership9"]
    classics = ["Fayol1949General", "Gulick1937Notes"]
    assert len({found[k] for k in theorists}) == 1
    assert len({found[k] for k in classics}) == 1
    assert found[theorists[0]] != found[classics[0]]
    table = school_table(found, voices, _cite(bundled), _labels(bundled))
    leaning = table.set_index("school")
    assert leaning.loc[found[theorists[0]], "leadership"] > 0.5
    assert leaning.loc[found[classics[0]], "management"] > 0.5
    assert table["sources"].sum() == voices["citekey"].nunique()
    assert table[list(FRAMINGS)].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-3)


# --- source network, by hand ---------------------------------------------------------------------

def test_source_network_by_hand():
    voices = voice_rows([
        ("S1", "c1", "leadership"), ("S1", "c2", "management"), ("S1", "c3", "both"), ("S1", "c4", "disputed"),
        ("S2", "c1", "leadership"), ("S2", "c2", "leadership"), ("S2", "c3", "both"), ("S2", "c4", "disputed"),
        ("S3", "c1", "management"), ("S3", "c5", "split"),
        ("S4", "c5", "split"), ("S4", "c6", "neither"), ("S5", "c6", "neither"),
    ])
    graph = source_network(voices)
    assert sorted(graph.nodes) == ["S1", "S2", "S3", "S4", "S5"]
    assert sorted(graph.edges) == [("S1", "S2"), ("S4", "S5")]
    assert graph.edges["S1", "S2"] == {"agree": 2, "shared": 4, "agreement": 0.5, "competencies": "c1, c3"}
    assert graph.edges["S4", "S5"] == {"agree": 1, "shared": 1, "agreement": 1.0, "competencies": "c6"}


# --- competencies framed together ----------------------------------------------------------------

TOGETHER = voice_rows([
    ("S1", "c1", "leadership"), ("S1", "c2", "leadership"), ("S1", "c3", "leadership"),
    ("S2", "c1", "leadership"), ("S2", "c2", "leadership"),
    ("S3", "c1", "management"), ("S3", "c2", "management"),
    ("S4", "c1", "disputed"), ("S4", "c2", "disputed"),
    ("S5", "c1", "split"), ("S5", "c2", "split"),
    ("S6", "c1", "leadership"), ("S6", "c2", "management"),
    ("S7", "c3", "management"), ("S7", "c4", "management"), ("S8", "c3", "both"), ("S8", "c4", "both"),
])


def test_competencies_framed_alike_by_three_sources():
    graph = competency_network(TOGETHER)
    edge = graph.edges["c1", "c2"]
    assert edge["together"] == 3
    assert {f: edge[f] for f in FRAMINGS} == {"leadership": 2, "management": 1, "both": 0, "neither": 0}
    assert edge["sources"] == "S1, S2, S3"


def test_disputed_and_split_framings_never_link():
    graph = competency_network(TOGETHER)
    for a, b, data in graph.edges(data=True):
        assert not {"S4", "S5"} & set(data["sources"].split(", ")), (a, b)
    alone = competency_network(voice_rows([("S4", "c1", "disputed"), ("S4", "c2", "disputed"),
                                           ("S5", "c1", "split"), ("S5", "c2", "split")]))
    assert sorted(alone.nodes) == ["c1", "c2"]
    assert alone.number_of_edges() == 0


def test_pairs_table_most_sources_first():
    labels = {"c1": "Planning", "c2": "Budgeting", "c3": "Charisma", "c4": "Aligning"}
    table = pairs_table(competency_network(TOGETHER), labels)
    assert table[["a", "b", "together"]].values.tolist() == [
        ["Budgeting", "Planning", 3],  # each pair's names in alphabetical order
        ["Aligning", "Charisma", 2],
        ["Budgeting", "Charisma", 1],
        ["Charisma", "Planning", 1],
    ]
    assert table.loc[0, "mostly"] == "leadership"
    c3c4 = table[table["together"] == 2].iloc[0]
    assert (c3c4["management"], c3c4["both"], c3c4["mostly"]) == (1, 1, "management")  # a tie: the first framing
    assert (table[table["together"] == 1]["mostly"] == "leadership").all()
    assert len(pairs_table(competency_network(TOGETHER), labels, top=2)) == 2
    assert pairs_table(competency_network(voice_rows([("S1", "c1", "both")])), labels).empty


def test_pairs_on_the_bundled_review(bundled, voices):
    graph = competency_network(voices)
    assert set(graph.nodes) == set(voices["competency"])
    main = voices[voices["framing"].isin(FRAMINGS)]
    framing_of = dict(zip(zip(main["citekey"], main["competency"]), main["framing"]))
    for a, b, data in graph.edges(data=True):
        sources = data["sources"].split(", ")
        assert len(sources) == data["together"] == sum(data[f] for f in FRAMINGS)
        for k in sources:
            assert framing_of[(k, a)] == framing_of[(k, b)]
    table = pairs_table(graph, _labels(bundled))
    assert table["together"].is_monotonic_decreasing
    budgeting = graph.edges["budgeting", "planning"]
    assert budgeting["management"] == budgeting["together"] >= 3


def test_a_source_without_a_year_has_no_decade(review_copy):
    bib = review_copy / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("  year      = {1937}\n", "", 1), encoding="utf-8")
    review = Review.load(review_copy)
    decades = source_groups(review, "decade")[1]
    assert decades["Gulick1937Notes"] == "year not given"
    assert decades["Fayol1949General"] == "1940s"
    flow = flows(review_voices(review), decades)
    assert "year not given" in set(flow["group"])


def test_a_review_not_yet_coded_has_no_network(review_copy):
    for path in (review_copy / "corpus" / "codings").glob("*.csv"):
        path.unlink()
    voices = review_voices(Review.load(review_copy))
    assert voices.empty
    assert flows(voices, {}).empty and list(flows(voices, {}).columns) == ["group", "competency", "framing",
                                                                             "voice", "sources", "citekeys"]
    graph = source_network(voices)
    assert schools(graph) == {}
    assert school_table({}, voices, {}, {}).empty
    assert pairs_table(competency_network(voices), {}).empty
    assert competency_ego(voices, "planning").empty


def test_findings_are_made_once_for_the_same_voices(voices):
    """The graph export, the figures and the report's section each ask for them in one build."""
    import gc

    from litcoder.analysis import network

    made = network.findings(voices)
    assert network.findings(voices) is made
    other = voices.copy()
    again = network.findings(other)  # other voices (equal, but another frame): made anew
    assert again is not made and sorted(again.schools.items()) == sorted(made.schools.items())
    held = network._LAST[0]
    del other
    gc.collect()
    assert held() is None  # the voices are not kept alive for it
