"""Disagreements between coders and the committee's settlements of them (litcoder.inputs.settlements).

The toy review (see test_reliability) has, worked out by hand:

- presence disagreements (a passage finished by two or more coders, coded by some of them):
  A2001/2 vision (cat did not code it), A2001/3 charisma (bob did not), B2002/1 planning and
  B2002/2 vision (bob did not; cat has not finished B2002, so is not asked);
- framing disagreements: A2001 planning (ann, bob management; cat leadership). B2002 vision
  is not one: ann's codings split evenly between leadership and management, and bob's main
  framing, leadership, is among them, so the evidence counts the source as leadership.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest
from conftest import problems_of
from test_reliability import TOY_CODINGS, TOY_COVERAGE, make_toy_review

from litcoder import Review
from litcoder.analysis.disagreements import disagreements
from litcoder.analysis.evidence import source_framings, weigh_evidence
from litcoder.inputs.coverage import finished_codings
from litcoder.inputs.settlements import apply_settlements, item_key, parse_key, read_settlements, settle, settle_many
from litcoder.layout import SETTLEMENTS
from litcoder.store import CsvFile

HEADER = "item,resolution,rationale,settled_by,settled_on\n"
SPLIT_STANCE = "split evenly"
"""How a stance names a coder whose codings split evenly (whatever coder_votes calls the tie)."""


@pytest.fixture
def toy_path(tmp_path):
    return make_toy_review(tmp_path / "toy")


def write_settlements(root, *rows: str) -> None:
    (root / SETTLEMENTS).write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def voice(review, competency: str, citekey: str) -> dict:
    voices = source_framings(review.counted_codings)
    row = voices[(voices["competency"] == competency) & (voices["citekey"] == citekey)]
    assert len(row) == 1, (competency, citekey)
    return row.iloc[0].to_dict()


# ---------------------------------------------------------------- the disagreements

EXPECTED_ITEMS = [  # in the list's order: open first, then kind, competency, citekey, passage
    "framing:A2001:planning",
    "presence:A2001/3:charisma",
    "presence:B2002/1:planning",
    "presence:A2001/2:vision",
    "presence:B2002/2:vision",
]


def test_disagreements_of_the_toy_review(toy_path):
    items = disagreements(Review.load(toy_path))
    assert list(items["item"]) == EXPECTED_ITEMS
    assert list(items.columns) == ["item", "kind", "citekey", "author_year", "passage", "page", "competency", "label",
                                   "coders", "stances", "positions", "status", "resolution", "rationale",
                                   "settled_by", "settled_on"]
    assert list(items["kind"]) == ["framing"] + ["presence"] * 4
    assert set(items["status"]) == {"open"} and set(items["resolution"]) == {""}
    assert items["passage"].tolist()[1:] == [3, 1, 2, 2] and pd.isna(items["passage"].iloc[0])
    assert items["page"].isna().all()  # Markdown notes have no pages
    assert list(items["author_year"]) == ["Adams, 2001", "Adams, 2001", "Brown, 2002", "Adams, 2001", "Brown, 2002"]
    assert list(items["label"]) == ["Planning", "Charisma", "Planning", "Setting a vision", "Setting a vision"]
    # the coders set side by side, and where each stands
    assert list(items["coders"]) == ["ann, bob, cat", "ann, bob, cat", "ann, bob", "ann, bob, cat", "ann, bob"]
    assert items["stances"].tolist() == ["ann: management\nbob: management\ncat: leadership",
                                         "ann: coded\nbob: not coded\ncat: coded",
                                         "ann: coded\nbob: not coded",
                                         "ann: coded\nbob: coded\ncat: not coded",
                                         "ann: coded\nbob: not coded"]


def test_framing_items_are_the_sources_the_evidence_counts_disputed(toy_path, bundled):
    """Every number must agree: a source is a framing disagreement exactly when the evidence,
    on the codings of the coders who finished it, says it is disputed."""
    for review in (Review.load(toy_path), bundled):
        voices = source_framings(finished_codings(review))
        disputed = {item_key("framing", k, c) for k, c, f in zip(voices["citekey"], voices["competency"],
                                                                 voices["framing"]) if f == "disputed"}
        items = disagreements(review)
        framing = items[items["kind"] == "framing"]
        assert set(framing.loc[framing["status"] == "open", "item"]) == disputed - set(review.settlements["item"])
        assert disputed <= set(framing["item"])


def test_a_coder_split_evenly_agrees_when_the_shared_framing_is_among_theirs(tmp_path):
    """B2002 vision: ann split leadership/management, bob leadership: agreed, not listed. With
    bob's codings saying both, ann's split does not hold it: the source is disputed."""
    assert "framing:B2002:vision" not in set(disagreements(Review.load(make_toy_review(tmp_path / "a")))["item"])
    codings = {coder: [row if (coder, row[0], row[3]) != ("bob", "B2002", "vision") else (*row[:4], "both", "")
                       for row in rows] for coder, rows in TOY_CODINGS.items()}
    items = disagreements(Review.load(make_toy_review(tmp_path / "b", codings=codings))).set_index("item")
    vision = items.loc["framing:B2002:vision"]
    assert vision["stances"].split("\n") == [f"ann: {SPLIT_STANCE} (leadership/management)", "bob: both"]
    assert vision["coders"] == "ann, bob"
    assert vision["positions"].split("\n") == [
        "ann: leadership, passage 1: “a vision beyond it”; management, passage 2: “The vision is a management tool”",
        "bob: both, passage 1: “a vision beyond it”"]


def test_a_settled_item_stays_listed_when_the_coders_no_longer_differ(toy_path):
    """A settlement never drops out of sight: B2002 vision, settled, though its coders agree,
    is listed settled with each coder's position as it is now."""
    write_settlements(toy_path, "framing:B2002:vision,leadership,Both coders lean so,member-h,2026-11-18",
                      "presence:C2003/2:planning,absent,Nothing there,member-h,2026-11-18")
    items = disagreements(Review.load(toy_path)).set_index("item")
    vision = items.loc["framing:B2002:vision"]
    assert vision[["status", "resolution", "coders"]].tolist() == ["settled", "leadership", "ann, bob"]
    assert vision["stances"] == f"ann: {SPLIT_STANCE} (leadership/management)\nbob: leadership"
    planning = items.loc["presence:C2003/2:planning"]  # only ann finished C2003, and did not code it there
    assert planning[["status", "coders", "stances", "positions"]].tolist() == [
        "settled", "ann", "ann: not coded", "ann: not coded"]
    assert list(items.index[:len(EXPECTED_ITEMS)]) == EXPECTED_ITEMS  # the open ones as before


def test_pages_are_the_passages_pages(bundled):
    items = disagreements(bundled)
    pages = bundled.passages.set_index("passage_id")["page"]
    presence = items[items["kind"] == "presence"]
    expected = [pages[f"{k}/{p}"] for k, p in zip(presence["citekey"], presence["passage"])]
    assert [None if pd.isna(p) else p for p in presence["page"]] == [None if pd.isna(p) else p for p in expected]
    assert presence["page"].notna().any()  # the bundled PDF's passages have pages
    assert items.loc[items["kind"] == "framing", "page"].isna().all()


def test_each_coders_position_is_one_line(toy_path):
    positions = disagreements(Review.load(toy_path)).set_index("item")["positions"]
    assert positions["framing:A2001:planning"].split("\n") == [
        "ann: management, passage 1: “writes a plan”",
        "bob: management, passage 1: “a plan with dates”",
        "cat: leadership, passage 1: “writes a plan with dates and targets” (memo: reads as direction)",
    ]
    assert positions["presence:A2001/2:vision"].split("\n") == [
        "ann: leadership, passage 2: “paints a vision”",
        "bob: leadership, passage 2: “a vision of the future”",
        "cat: not coded",
    ]
    assert positions["presence:A2001/3:charisma"].split("\n") == [
        "ann: neither, passage 3: “Personal charm”",
        "bob: not coded",
        "cat: neither, passage 3: “charm is beside the point”",
    ]
    # only the coders who finished B2002 are asked: cat (who has not) is not listed
    assert positions["presence:B2002/1:planning"].split("\n") == [
        "ann: management, passage 1: “A plan for the year”", "bob: not coded"]


def test_agreed_units_and_unfinished_sources_are_not_disagreements(toy_path):
    items = set(disagreements(Review.load(toy_path))["item"])
    assert "presence:A2001/1:planning" not in items  # all three coded it (framings differ: a framing item)
    assert "framing:A2001:vision" not in items and "framing:A2001:charisma" not in items  # agreed
    assert "presence:B2002/1:charisma" not in items  # only cat coded it, and cat has not finished B2002
    assert not any(i.startswith(("presence:C2003", "framing:C2003")) for i in items)  # one coder


def test_item_keys_round_trip(toy_path):
    items = disagreements(Review.load(toy_path))
    for row in items.itertuples():
        passage = None if pd.isna(row.passage) else int(row.passage)
        assert item_key(row.kind, row.citekey, row.competency, passage) == row.item
        assert parse_key(row.item) == {"kind": row.kind, "citekey": row.citekey, "passage": passage,
                                       "competency": row.competency}


def test_parse_key_rejects_what_is_not_an_item():
    assert parse_key("nonsense") is None
    assert parse_key("framing:A2001") is None
    assert parse_key("presence:A2001:planning") is None  # no passage
    assert parse_key("vote:A2001:planning") is None
    assert parse_key("presence:Smith2020/a/b/4:planning") == {"kind": "presence", "citekey": "Smith2020/a/b",
                                                               "passage": 4, "competency": "planning"}


def test_disagreements_when_only_one_coder_has_finished_anything(tmp_path):
    """Early in a review only ann has marked sources finished: nothing can be compared yet,
    so no disagreement is listed, and the list is still made (the build and `litcoder
    agreement` need it). (At commit 5d88815 this raised KeyError('passage_id').)"""
    review = Review.load(make_toy_review(tmp_path / "r", coverage={"ann": TOY_COVERAGE["ann"]}))
    items = disagreements(review)
    assert list(items["item"]) == []
    assert list(items.columns)[:5] == ["item", "kind", "citekey", "author_year", "passage"]


def test_disagreements_with_no_codings(tmp_path):
    review = Review.load(make_toy_review(tmp_path / "r", codings={}))
    assert disagreements(review).empty


# ---------------------------------------------------------------- recording settlements

def test_settle_appends_a_row_and_the_latest_wins(toy_path):
    row = settle(toy_path, "framing:A2001:planning", "management", "  Fayol's sense.  ", " member-h ")
    today = date.today().isoformat()
    assert row == {"item": "framing:A2001:planning", "resolution": "management", "rationale": "Fayol's sense.",
                   "settled_by": "member-h", "settled_on": today}
    lines = (toy_path / SETTLEMENTS).read_text(encoding="utf-8").splitlines()
    assert lines == [HEADER.strip(), f"framing:A2001:planning,management,Fayol's sense.,member-h,{today}"]
    review = Review.load(toy_path)
    assert review.problems == []
    assert review.settlements[["item", "resolution", "line"]].values.tolist() == [
        ["framing:A2001:planning", "management", 2]]

    settle(toy_path, "presence:A2001/2:vision", "present", "It is there.", "member-k")
    settle(toy_path, "framing:A2001:planning", "both", "On reflection, both.", "member-k")
    assert len((toy_path / SETTLEMENTS).read_text(encoding="utf-8").splitlines()) == 4
    review = Review.load(toy_path)
    settled = review.settlements.set_index("item")
    assert sorted(settled.index) == ["framing:A2001:planning", "presence:A2001/2:vision"]
    assert settled.loc["framing:A2001:planning", "resolution"] == "both"
    assert settled.loc["framing:A2001:planning", "settled_by"] == "member-k"
    assert settled.loc["framing:A2001:planning", "line"] == 4

    items = disagreements(review).set_index("item")
    assert items.loc["framing:A2001:planning", ["status", "resolution", "rationale"]].tolist() == [
        "settled", "both", "On reflection, both."]
    assert items.loc["presence:A2001/2:vision", "status"] == "settled"
    assert (items["status"] == "open").sum() == 3
    assert list(items["status"]) == ["open"] * 3 + ["settled"] * 2  # open ones first


@pytest.mark.parametrize("item, resolution", [("framing:A2001:planning", "absent"),
                                              ("presence:A2001/2:vision", "leadership"),
                                              ("presence:A2001/2:vision", "Present"),
                                              ("nonsense", "present")])
def test_settle_refuses_a_resolution_that_does_not_fit(toy_path, item, resolution):
    with pytest.raises(ValueError):
        settle(toy_path, item, resolution, "why", "member-h")
    assert not (toy_path / SETTLEMENTS).exists()


def test_settle_many_writes_every_row_in_one_append(toy_path, monkeypatch):
    appends = []
    append_rows = CsvFile.append_rows
    monkeypatch.setattr(CsvFile, "append_rows",
                        lambda self, *rows: appends.append(len(rows)) or append_rows(self, *rows))
    items = ["presence:B2002/1:planning", "presence:A2001/3:charisma", "presence:B2002/1:planning"]
    rows = settle_many(toy_path, items, "absent", " Not what the codebook means. ", "member-h")
    today = date.today().isoformat()
    assert appends == [2]  # one locked append, the item named twice written once
    assert rows == [{"item": item, "resolution": "absent", "rationale": "Not what the codebook means.",
                     "settled_by": "member-h", "settled_on": today} for item in items[:2]]
    lines = (toy_path / SETTLEMENTS).read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [f"{item},absent,Not what the codebook means.,member-h,{today}" for item in items[:2]]
    review = Review.load(toy_path)
    assert review.problems == []
    settled = disagreements(review).set_index("item")
    assert settled.loc[items[:2], "status"].tolist() == ["settled", "settled"]
    assert settled.loc[items[:2], "rationale"].tolist() == ["Not what the codebook means."] * 2
    assert (settled["status"] == "open").sum() == len(EXPECTED_ITEMS) - 2


@pytest.mark.parametrize("items, resolution", [(["presence:A2001/2:vision", "framing:A2001:planning"], "present"),
                                               (["framing:A2001:planning", "nonsense"], "management"),
                                               ([], "present")])
def test_settle_many_refuses_the_whole_batch_when_one_item_does_not_fit(toy_path, items, resolution):
    with pytest.raises(ValueError):
        settle_many(toy_path, items, resolution, "why", "member-h")
    assert not (toy_path / SETTLEMENTS).exists()


def test_read_settlements_reports_bad_rows_with_their_line_and_keeps_good_ones(toy_path):
    write_settlements(
        toy_path,
        "framing:A2001:planning,management,good,member-h,2026-11-01",      # 2
        "nonsense,present,,,",                                              # 3
        "framing:Z1999:planning,management,,,",                             # 4
        "presence:A2001/1:plannning,absent,,,",                             # 5
        "framing:A2001:vision,absent,,,",                                   # 6
        "presence:A2001/2:vision,Present,also good,member-k,2026-11-02",    # 7
        "presence:B2002/2:vision,leadership,,,",                            # 8
    )
    frame, log = read_settlements(toy_path / SETTLEMENTS, SETTLEMENTS, {"planning", "vision", "charisma"},
                                  {"A2001", "B2002", "C2003"})
    assert frame[["item", "resolution", "line"]].values.tolist() == [
        ["framing:A2001:planning", "management", 2], ["presence:A2001/2:vision", "present", 7]]
    assert [(p.severity, p.line, p.kind) for p in log] == [
        ("error", 3, "settlement-item"), ("error", 4, "settlement-item"), ("error", 5, "settlement-item"),
        ("error", 6, "settlement-resolution"), ("error", 8, "settlement-resolution")]
    messages = [p.message for p in log]
    assert "'nonsense' does not name a disagreement" in messages[0]
    assert "unknown source or competency 'Z1999'" in messages[1]
    assert "unknown source or competency 'plannning'" in messages[2] and "planning" in messages[2]
    assert "'absent' cannot settle a framing disagreement" in messages[3]
    assert "'leadership' cannot settle a presence disagreement" in messages[4]
    assert all(p.file == SETTLEMENTS for p in log)
    # the same through Review.load: problems in the review's list, good rows kept
    review = Review.load(toy_path)
    assert [p.line for p in problems_of(review, file=SETTLEMENTS)] == [3, 4, 5, 6, 8]
    assert list(review.settlements["item"]) == ["framing:A2001:planning", "presence:A2001/2:vision"]


def test_read_settlements_reports_a_passage_that_is_not_a_number(toy_path):
    write_settlements(toy_path, "presence:A2001/two:vision,absent,,,")
    review = Review.load(toy_path)
    assert [p.line for p in problems_of(review, file=SETTLEMENTS)] == [2]
    assert review.settlements.empty


# ---------------------------------------------------------------- what the evidence counts

def counted_keys(review, competency):
    codings = review.counted_codings
    codings = codings[codings["competency"] == competency]
    return sorted(zip(codings["passage_id"], codings["coder"], codings["framing"]))


def test_absent_removes_the_passages_codings_of_the_competency(toy_path):
    write_settlements(toy_path, "presence:A2001/3:charisma,absent,Charm is dismissed,member-k,2026-11-19")
    review = Review.load(toy_path)
    assert counted_keys(review, "charisma") == [("B2002/1", "cat", "leadership")]
    assert len(review.codings) == 13 and len(review.counted_codings) == 11  # the file's codings are untouched
    assert list(review.counted_codings.columns) == list(review.codings.columns)
    evidence = weigh_evidence(review).set_index("competency")
    assert evidence.loc["charisma", ["sources", "leadership_sources", "neither_sources"]].tolist() == [1, 1, 0]
    assert evidence.loc["planning", "sources"] == 3  # nothing else changes


def test_present_changes_nothing(toy_path):
    before = Review.load(toy_path).counted_codings
    write_settlements(toy_path, "presence:A2001/2:vision,present,It is there,member-h,2026-11-20")
    after = Review.load(toy_path).counted_codings
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))


def test_a_settled_framing_is_the_sources_one_voice(toy_path):
    before = Review.load(toy_path)
    assert voice(before, "planning", "A2001")["framing"] == "disputed"
    evidence = weigh_evidence(before).set_index("competency")
    assert evidence.loc["planning", ["management_sources", "disputed_sources"]].tolist() == [2, 1]

    write_settlements(toy_path, "framing:A2001:planning,management,Planning is a duty of management,member-h,"
                                "2026-11-18")
    review = Review.load(toy_path)
    assert counted_keys(review, "planning") == [("A2001/1", "ann", "management"), ("A2001/1", "bob", "management"),
                                                ("A2001/1", "cat", "management"), ("B2002/1", "ann", "management"),
                                                ("C2003/1", "ann", "management")]
    settled = voice(review, "planning", "A2001")
    assert settled["framing"] == "management" and settled["management"] == pytest.approx(1.0)
    assert settled["coders"] == "ann, bob, cat"
    evidence = weigh_evidence(review).set_index("competency")
    assert evidence.loc["planning", ["sources", "management_sources", "disputed_sources"]].tolist() == [3, 3, 0]
    assert evidence.loc["planning", "classification"] == "management"  # three sources in full agreement
    # the raw codings keep cat's own framing
    raw = review.codings[(review.codings["coder"] == "cat") & (review.codings["competency"] == "planning")]
    assert raw["framing"].tolist() == ["leadership"]


def test_a_settled_framing_replaces_a_split_coders_framings(toy_path):
    write_settlements(toy_path, "framing:B2002:vision,both,The source holds both,member-h,2026-11-18")
    review = Review.load(toy_path)
    b_vision = [k for k in counted_keys(review, "vision") if k[0].startswith("B2002/")]
    assert b_vision == [("B2002/1", "ann", "both"), ("B2002/1", "bob", "both"), ("B2002/2", "ann", "both")]
    assert voice(review, "vision", "B2002")["framing"] == "both"
    assert voice(review, "vision", "A2001")["framing"] == "leadership"  # another source is untouched


def test_apply_settlements_with_none_is_the_codings(toy_path):
    review = Review.load(toy_path)
    assert apply_settlements(review.codings, review.settlements) is review.codings
    assert apply_settlements(review.codings, None) is review.codings


def test_absent_still_applies_beside_a_framing_settlement(toy_path):
    write_settlements(toy_path, "presence:A2001/3:charisma,absent,Charm is dismissed,member-k,2026-11-19",
                      "framing:A2001:planning,management,Planning is a duty of management,member-h,2026-11-18")
    review = Review.load(toy_path)
    assert counted_keys(review, "charisma") == [("B2002/1", "cat", "leadership")]


# ---------------------------------------------------------------- the bundled review's settlements

def test_bundled_settlements_are_read_cleanly(bundled):
    assert problems_of(bundled, file=SETTLEMENTS) == []
    assert len(bundled.settlements) == 5
    assert dict(zip(bundled.settlements["item"], bundled.settlements["resolution"])) == {
        "framing:Mintzberg1973Nature:motivating": "management",
        "framing:Fayol1949General:directing": "management",
        "framing:Bass1985Beyond:controlling": "leadership",
        "presence:Mintzberg1973Nature/12:charisma": "absent",
        "presence:Kotter1990WhatLeaders/3:budgeting": "present",
    }
    items = disagreements(bundled)
    settled = items[items["status"] == "settled"]
    assert sorted(settled["item"]) == sorted(bundled.settlements["item"])
    assert (items["status"] == "open").sum() == len(items) - 5


@pytest.mark.parametrize("competency, citekey, settled", [("motivating", "Mintzberg1973Nature", "management"),
                                                          ("directing", "Fayol1949General", "management"),
                                                          ("controlling", "Bass1985Beyond", "leadership")])
def test_bundled_framing_settlements_change_the_evidence(bundled, competency, citekey, settled):
    raw = source_framings(bundled.codings)
    raw = raw[(raw["competency"] == competency) & (raw["citekey"] == citekey)].iloc[0]
    assert raw[settled] < 1  # the coders' voices were shared before
    counted = voice(bundled, competency, citekey)
    assert counted["framing"] == settled
    assert counted[settled] == pytest.approx(1.0)


def test_bundled_mintzberg_counts_as_management_for_motivating(bundled):
    evidence = weigh_evidence(bundled).set_index("competency")
    unsettled = dataclasses.replace(bundled, settlements=bundled.settlements.iloc[0:0])
    before = weigh_evidence(unsettled).set_index("competency")
    assert evidence.loc["motivating", "management_sources"] == before.loc["motivating", "management_sources"] + 1
    assert evidence.loc["motivating", "disputed_sources"] == before.loc["motivating", "disputed_sources"] - 1


def test_bundled_absent_settlement_removes_mintzbergs_charisma_coding(bundled):
    codings = bundled.counted_codings
    assert not ((codings["passage_id"] == "Mintzberg1973Nature/12") & (codings["competency"] == "charisma")).any()

