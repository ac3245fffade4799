"""corpus/decisions.csv → the committee's rulings: the bundled ones, and rows as people get them wrong.

The broken rows are appended to a copy of the bundled decisions.csv, so every test also
checks that the nine good rulings still load.
"""

from __future__ import annotations

import pandas as pd
from conftest import ROOT, problems_of

from litcoder import Review
from litcoder.inputs.decisions import DECISION_COLUMNS, read_decisions

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


def test_working_classification_contested_is_not_a_ruling(tmp_path, bundled):
    frame, log = with_rows(tmp_path, bundled,
                           "directing,contested,2026-12-01,full committee,No agreement.,2,2,0,0\n", GOOD)
    assert triples(log) == [("error", 11, "decision-classification")]
    assert "'contested'" in log[0].message
    assert "leadership, management, both, neither" in log[0].action
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
