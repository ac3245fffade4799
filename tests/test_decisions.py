"""corpus/decisions.csv → the committee's rulings: the bundled ones, and rows as people get them wrong.

The broken rows are appended to a copy of the bundled decisions.csv, so every test also
checks that the nine good rulings still load.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, problems_of

from litcoder import Review
from litcoder.inputs.decisions import COUNT_COLUMNS, DECISION_COLUMNS, KNOWN, read_decisions, record_decision

NAME = "corpus/decisions.csv"
BUNDLED = (ROOT / NAME).read_text(encoding="utf-8")
GOOD = "planning,management,2026-12-01,full committee,Confirmed after the new sources.,0,7,0,0\n"


def with_rows(tmp_path, bundled, *rows: str):
    """The bundled decisions plus `rows` (lines 11, 12 …), read against the bundled codebook."""
    path = tmp_path / "decisions.csv"
    path.write_text(BUNDLED + "".join(rows), encoding="utf-8")
    return read_decisions(path, NAME, bundled.codebook)


def triples(log):
    return [(p.severity, p.line, p.kind) for p in log]


def assert_bundled_rows_kept(frame):
    bundled_lines = set(range(2, 11))
    assert bundled_lines <= set(frame["line"])


# ---------------------------------------------------------------- the bundled decisions


def test_bundled_decisions_nine_rows_sorted_by_date(bundled):
    decisions = bundled.decisions
    assert len(decisions) == 9
    assert list(decisions.columns) == DECISION_COLUMNS
    assert decisions["decided_on"].tolist() == sorted(decisions["decided_on"])
    assert decisions["decided_on"].tolist() == ["2026-10-14"] * 5 + ["2026-10-28"] * 2 + ["2026-11-11"] * 2
    assert decisions["line"].tolist() == list(range(2, 11))        # same-day rulings keep file order
    assert decisions["competency"].tolist()[:2] == ["planning", "budgeting"]
    assert not problems_of(bundled, file=NAME)


def test_bundled_decisions_fields(bundled):
    staffing = bundled.decisions[bundled.decisions["competency"] == "staffing"]
    assert staffing["classification"].tolist() == ["both", "management"]        # the later one last
    assert staffing["decided_by"].tolist() == ["management subgroup", "full committee"]
    last = staffing.iloc[-1]
    assert [last[c] for c in ("leadership_sources", "management_sources", "both_sources", "neither_sources")] == [
        0, 6, 1, 0]
    assert str(bundled.decisions["management_sources"].dtype) == "Int64"


def test_bundled_decisions_predate_the_new_columns(bundled):
    """The bundled file has no lists, evidence_classification, disputed or split counts: read as empty."""
    decisions = bundled.decisions
    assert set(decisions["lists"]) == {""} and set(decisions["evidence_classification"]) == {""}
    assert decisions["disputed_sources"].isna().all() and decisions["split_sources"].isna().all()
    assert str(decisions["split_sources"].dtype) == "Int64"


def test_rows_out_of_date_order_are_sorted(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "charisma,neither,2026-09-30,full committee,An early ruling added late.,0,0,0,2\n")
    assert list(log) == []
    assert frame.iloc[0][["competency", "decided_on", "line"]].tolist() == ["charisma", "2026-09-30", 11]
    assert frame["decided_on"].is_monotonic_increasing


# ---------------------------------------------------------------- broken rows


def test_unknown_competency_is_an_error_with_a_suggestion(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "setting-vison,leadership,2026-12-01,full committee,Typo in the id.,4,0,0,0\n", GOOD)
    assert triples(log) == [("error", 11, "decision-competency")]
    assert log[0].file == NAME
    assert "'setting-vison'" in log[0].message and "did you mean setting-vision?" in log[0].message
    assert len(frame) == 10 and 11 not in set(frame["line"]) and 12 in set(frame["line"])
    assert_bundled_rows_kept(frame)


def test_evidence_classification_insufficient_is_not_a_ruling(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,insufficient,2026-12-01,full committee,Too few sources.,2,2,0,0\n", GOOD)
    assert triples(log) == [("error", 11, "decision-classification")]
    assert "'insufficient'" in log[0].message
    assert "leadership, management, both, neither, contested, deferred" in log[0].action
    assert len(frame) == 10
    assert_bundled_rows_kept(frame)


def test_classification_with_a_capital_is_accepted(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,Management,2026-12-01,full committee,Fayol's command.,0,3,0,0\n")
    assert list(log) == []
    assert frame[frame["line"] == 11]["classification"].item() == "management"


def test_bad_date_is_an_error(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,management,01/12/2026,full committee,Date as Excel shows it.,0,3,0,0\n", GOOD)
    assert triples(log) == [("error", 11, "decision-date")]
    assert "'01/12/2026'" in log[0].message and "YYYY-MM-DD" in log[0].action
    assert set(frame["line"]) == set(range(2, 11)) | {12}


def test_missing_rationale_is_a_warning_and_the_ruling_is_kept(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled, "directing,management,2026-12-01,full committee,,0,3,0,0\n", GOOD)
    assert triples(log) == [("warning", 11, "decision-rationale")]
    assert "directing" in log[0].message
    row = frame[frame["line"] == 11].iloc[0]
    assert (row["competency"], row["rationale"], row["management_sources"]) == ("directing", "", 3)
    assert len(frame) == 11


def test_non_numeric_count_is_a_warning_and_ignored(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,management,2026-12-01,full committee,Counted by hand.,none,three,0,0\n", GOOD)
    assert triples(log) == [("warning", 11, "decision-count"), ("warning", 11, "decision-count")]
    assert "leadership_sources 'none'" in log[0].message
    assert "management_sources 'three'" in log[1].message
    row = frame[frame["line"] == 11].iloc[0]
    assert pd.isna(row["leadership_sources"]) and pd.isna(row["management_sources"])
    assert row["both_sources"] == 0
    assert len(frame) == 11


def test_count_with_a_footnote_marker_is_a_warning_not_a_crash(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,management,2026-12-01,full committee,From the table.,0,3¹,0,0\n")
    assert triples(log) == [("warning", 11, "decision-count")]
    assert len(frame) == 10


def test_empty_counts_are_missing_not_zero(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled, "directing,management,2026-12-01,full committee,No counts.,,,,\n")
    assert list(log) == []
    row = frame[frame["line"] == 11].iloc[0]
    assert all(pd.isna(row[c]) for c in
               ("leadership_sources", "management_sources", "both_sources", "neither_sources"))


def test_header_without_rationale_reads_no_ruling(tmp_path, bundled):
    path = tmp_path / "decisions.csv"
    path.write_text("competency,classification,decided_on\nplanning,management,2026-10-14\n", encoding="utf-8")
    frame, log = read_decisions(path, NAME, bundled.codebook)
    assert triples(log) == [("error", 1, "csv-header")]
    assert "rationale" in log[0].message
    assert frame.empty and list(frame.columns) == DECISION_COLUMNS


def test_missing_decisions_file_is_no_ruling_and_no_problem(tmp_path, bundled):
    frame, log = read_decisions(tmp_path / "decisions.csv", NAME, bundled.codebook)
    assert frame.empty and list(log) == []


def test_broken_rulings_in_the_review(review_copy):
    path = review_copy / NAME
    with path.open("a", encoding="utf-8") as f:
        f.write("vision,leadership,2026-12-01,full committee,Wrong id.,4,0,0,0\n")            # line 11
        f.write("directing,leadership,2026-12-01,full committee,,1,3,0,0\n")                 # line 12
        f.write("directing,both,2026-13-01,full committee,Month 13.,1,3,0,0\n")              # line 13
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("error", NAME, 11, "decision-competency"),
        ("warning", NAME, 12, "decision-rationale"),
        ("error", NAME, 13, "decision-date"),
    ]
    assert len(review.decisions) == 10
    assert review.decisions.iloc[-1][["competency", "line"]].tolist() == ["directing", 12]
    assert len(review.codings) == 313 and len(review.codebook) == 24


# ---------------------------------------------------------------- the new columns: lists, evidence, counts

HEADER = ",".join(KNOWN) + "\n"


def with_new_columns(tmp_path, bundled, *rows: str):
    """A decisions file with every column (the first ruling is on line 2)."""
    path = tmp_path / "decisions.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return read_decisions(path, NAME, bundled.codebook)


def test_contested_and_deferred_rulings_are_read(tmp_path, bundled):
    frame, log = with_new_columns(
        tmp_path, bundled,
        "charisma,contested,neither,2026-12-01,full committee,Split.,contested,1,0,0,2,4,0\n",
        "directing,Deferred,,2026-12-01,full committee,Wait for Fayol.,contested,0,1,0,0,3,1\n",
        "motivating,contested,Both,2026-12-02,full committee,Both sides.,,,,,,,\n")
    assert list(log) == []
    rows = frame.set_index("line")
    assert rows.loc[2, ["classification", "lists", "evidence_classification"]].tolist() == [
        "contested", "neither", "contested"]
    assert rows.loc[2, COUNT_COLUMNS].tolist() == [1, 0, 0, 2, 4, 0]
    assert rows.loc[3, ["classification", "lists", "split_sources"]].tolist() == ["deferred", "", 1]
    assert rows.loc[4, ["lists", "evidence_classification"]].tolist() == ["both", ""]
    assert pd.isna(rows.loc[4, "disputed_sources"])


def test_contested_without_lists_is_a_warning_and_stays_in_both(tmp_path, bundled):
    frame, log = with_new_columns(tmp_path, bundled,
                                  "charisma,contested,,2026-12-01,full committee,Split.,contested,1,0,0,2,4,0\n")
    assert triples(log) == [("warning", 2, "decision-lists")]
    assert log[0].file == NAME
    assert "charisma" in log[0].message and "taken as both" in log[0].message
    assert log[0].action == "write both or neither in the lists column"
    assert frame["lists"].tolist() == ["both"]


def test_contested_with_a_bad_lists_value_is_a_warning_and_stays_in_both(tmp_path, bundled):
    frame, log = with_new_columns(tmp_path, bundled,
                                  "charisma,contested,either,2026-12-01,full committee,Split.,contested,,,,,,\n")
    assert triples(log) == [("warning", 2, "decision-lists")]
    assert "'either'" in log[0].message
    assert frame["lists"].tolist() == ["both"] and len(frame) == 1


def test_lists_on_a_framing_ruling_is_ignored_with_a_note(tmp_path, bundled):
    frame, log = with_new_columns(tmp_path, bundled,
                                  "planning,management,neither,2026-12-01,full committee,Clear.,management,,,,,,\n")
    assert triples(log) == [("info", 2, "decision-lists")]
    assert "management" in log[0].message and "leave lists empty" in log[0].action
    assert frame["lists"].tolist() == [""] and frame["classification"].tolist() == ["management"]


def test_bad_evidence_classification_is_a_warning_and_the_ruling_kept(tmp_path, bundled):
    frame, log = with_new_columns(
        tmp_path, bundled,
        "planning,management,,2026-12-01,full committee,Clear.,managment,0,7,0,0,0,0\n",
        "budgeting,management,,2026-12-01,full committee,Clear.,Management,0,7,0,0,0,0\n")
    assert triples(log) == [("warning", 2, "decision-evidence")]
    assert "'managment'" in log[0].message and "counts" in log[0].message
    assert "leadership, management, both, neither, contested, insufficient" in log[0].action
    assert frame["evidence_classification"].tolist() == ["", "management"]
    assert frame["management_sources"].tolist() == [7, 7]


def test_bad_disputed_and_split_counts_are_warnings(tmp_path, bundled):
    frame, log = with_new_columns(
        tmp_path, bundled, "charisma,neither,,2026-12-01,full committee,Charm.,contested,1,0,0,2,four,-1\n")
    assert triples(log) == [("warning", 2, "decision-count"), ("warning", 2, "decision-count")]
    assert "disputed_sources 'four'" in log[0].message and "split_sources '-1'" in log[1].message
    assert pd.isna(frame["disputed_sources"].item()) and pd.isna(frame["split_sources"].item())
    assert frame["neither_sources"].item() == 2


# ---------------------------------------------------------------- record_decision


def test_record_decision_adds_the_new_columns_to_an_old_file(review_copy):
    path = review_copy / NAME
    row = record_decision(review_copy, "charisma", "contested", " Split. ", "full committee",
                          {"leadership_sources": 1, "neither_sources": 2, "disputed_sources": 4}, "contested",
                          lists="neither")
    assert row["lists"] == "neither" and row["evidence_classification"] == "contested"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(KNOWN) <= set(header)
    review = Review.load(review_copy)
    assert not problems_of(review, file=NAME)
    last = review.decisions.iloc[-1]
    assert last[["competency", "classification", "lists", "evidence_classification", "rationale"]].tolist() == [
        "charisma", "contested", "neither", "contested", "Split."]
    assert [last[c] for c in ("leadership_sources", "neither_sources", "disputed_sources")] == [1, 2, 4]
    assert pd.isna(last["management_sources"]) and pd.isna(last["split_sources"])  # not given: left empty
    assert len(review.decisions) == 10


def test_record_decision_refuses_what_it_cannot_mean(review_copy):
    before = (review_copy / NAME).read_bytes()
    calls = [
        ("charisma", "contested", "contested", None),       # contested must say where it stays
        ("charisma", "contested", "contested", "all"),
        ("planning", "management", "management", "both"),   # lists only for contested
        ("planning", "management", "managment", None),      # not a classification of the evidence
        ("planning", "insufficient", "management", None),   # not a ruling
    ]
    for competency, ruling, evidence, lists in calls:
        with pytest.raises(ValueError):
            record_decision(review_copy, competency, ruling, "Why.", "full committee", {}, evidence, lists=lists)
    assert (review_copy / NAME).read_bytes() == before
