"""analysis/rulings.py: each ruling's status against the evidence of its time and of today.

Frames are built by hand (one row per competency, as weigh_evidence gives them) and weighed
with the evidence's own classify; the bundled review's legacy rulings are weighed as they are.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from litcoder import Review
from litcoder.analysis import rulings as rulings_module
from litcoder.analysis.evidence import classify, weigh_evidence
from litcoder.analysis.rulings import (
    ADDED,
    RULINGS,
    RULINGS_METHOD,
    STATUS_DEFINITIONS,
    STATUS_LABELS,
    STATUSES,
    ruled_status,
    with_rulings,
)
from litcoder.inputs.decisions import COUNT_COLUMNS, DECISION_COLUMNS, FRAMING_COUNTS, record_decision

COUNTS = {"budget": (0, 5, 0, 0, 0, 0), "vision": (4, 0, 0, 0, 0, 0), "charm": (1, 0, 0, 2, 3, 1),
          "other": (0, 0, 0, 0, 0, 0)}


def evidence_frame(counts: dict[str, tuple] = COUNTS) -> pd.DataFrame:
    """One row per competency with its source counts and the classification classify gives them."""
    frame = pd.DataFrame([{"competency": c, **dict(zip(COUNT_COLUMNS, n))} for c, n in counts.items()])
    frame["classification"], _ = classify(*(frame[c] for c in FRAMING_COUNTS))
    return frame


def ruling(competency: str, classification: str, decided_on: str = "2026-01-01", evidence: str | None = None,
           counts: tuple | None = None, lists: str = "", rationale: str = "why") -> dict:
    """A row of review.decisions; `evidence` and `counts` None leave them unrecorded, as in old files."""
    recorded = dict(zip(COUNT_COLUMNS, counts)) if counts else {}
    return {"competency": competency, "classification": classification, "lists": lists, "decided_on": decided_on,
            "decided_by": "full committee", "rationale": rationale, "evidence_classification": evidence or "",
            **{c: recorded.get(c, pd.NA) for c in COUNT_COLUMNS}, "line": 0}


def weigh(*rows: dict, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    decisions = pd.DataFrame(list(rows), columns=DECISION_COLUMNS)
    for column in COUNT_COLUMNS:
        decisions[column] = decisions[column].astype("Int64")
    return with_rulings(evidence_frame() if frame is None else frame, decisions, classify).set_index("competency")


def without_rulings(evidence: pd.DataFrame) -> pd.DataFrame:
    """weigh_evidence's frame without whatever ruling columns it already carries."""
    return evidence.drop(columns=[c for c in ADDED if c in evidence])


def test_the_hand_made_evidence_is_what_the_statuses_are_weighed_against():
    classes = evidence_frame().set_index("competency")["classification"]
    assert classes.to_dict() == {"budget": "management", "vision": "leadership", "charm": "contested",
                                 "other": "insufficient"}


# ---------------------------------------------------------------- one test per status


def test_agrees_when_the_ruling_is_what_the_evidence_supports_today():
    row = weigh(ruling("budget", "management", evidence="management", counts=(0, 5, 0, 0, 0, 0))).loc["budget"]
    assert row["decision_status"] == "agrees"
    assert row["ruled_on_classification"] == "management"
    assert not row["evidence_changed"]


def test_overrides_when_the_committee_ruled_against_the_evidence_of_its_time():
    row = weigh(ruling("budget", "leadership", evidence="management", counts=(0, 5, 0, 0, 0, 0),
                       rationale="The committee's charge puts budgets with leaders.")).loc["budget"]
    assert row["decision_status"] == "overrides"
    assert (row["decision"], row["ruled_on_classification"]) == ("leadership", "management")
    assert row["decision_rationale"] == "The committee's charge puts budgets with leaders."


def test_drifted_when_the_evidence_moved_away_from_a_ruling_it_once_supported():
    row = weigh(ruling("charm", "neither", evidence="neither", counts=(0, 0, 0, 3, 0, 0))).loc["charm"]
    assert row["decision_status"] == "drifted"
    assert row["evidence_changed"]
    assert row["ruled_on_counts"] == "0 leadership, 0 management, 0 both, 3 neither"


def test_deferred_whatever_the_evidence():
    for competency in COUNTS:
        row = weigh(ruling(competency, "deferred", evidence="contested", counts=COUNTS[competency])).loc[competency]
        assert row["decision_status"] == "deferred"
        assert row["decision"] == "deferred" and row["decision_lists"] == ""


def test_no_decision_without_a_ruling():
    evidence = weigh(ruling("budget", "management", evidence="management"))
    for competency in ("vision", "charm", "other"):
        row = evidence.loc[competency]
        assert row["decision_status"] == "no decision"
        assert [row[c] for c in ("decision", "decided_on", "decided_by", "decision_rationale", "decision_lists",
                                 "ruled_on_classification", "ruled_on_counts")] == [""] * 7
        assert not row["evidence_changed"]
    assert evidence["evidence_changed"].dtype == bool


def test_contested_ruling_agrees_with_contested_evidence_and_keeps_its_lists():
    evidence = weigh(ruling("charm", "contested", evidence="contested", lists="neither"),
                     ruling("vision", "contested", evidence="leadership", lists="both"))
    assert evidence.loc["charm", ["decision_status", "decision_lists"]].tolist() == ["agrees", "neither"]
    assert evidence.loc["vision", ["decision_status", "decision_lists"]].tolist() == ["overrides", "both"]


def test_an_override_the_evidence_came_round_to_agrees():
    row = weigh(ruling("vision", "leadership", evidence="insufficient", counts=(2, 0, 0, 0, 0, 0))).loc["vision"]
    assert row["decision_status"] == "agrees"
    assert row["evidence_changed"]


def test_the_latest_ruling_is_the_one_weighed():
    evidence = weigh(ruling("charm", "neither", "2026-01-01", evidence="neither"),
                     ruling("charm", "contested", "2026-02-01", evidence="contested", lists="both", rationale="new"))
    assert evidence.loc["charm", ["decision", "decided_on", "decision_status", "decision_rationale"]].tolist() == [
        "contested", "2026-02-01", "agrees", "new"]


def test_ruled_status_table():
    assert ruled_status("", "", "leadership") == "no decision"
    assert ruled_status("deferred", "leadership", "leadership") == "deferred"
    assert ruled_status("leadership", "", "leadership") == "agrees"
    assert ruled_status("leadership", "", "management") == "overrides"
    assert ruled_status("leadership", "leadership", "contested") == "drifted"
    assert ruled_status("leadership", "management", "contested") == "overrides"


# ---------------------------------------------------------------- recorded now: never drifted


@pytest.mark.parametrize("decision", RULINGS)
def test_a_ruling_recorded_on_todays_evidence_is_never_drifted(decision):
    """Every ruling on every competency, recorded with today's classification and counts."""
    frame = evidence_frame()
    rows = [ruling(r["competency"], decision, evidence=r["classification"],
                   counts=tuple(r[c] for c in COUNT_COLUMNS), lists="both" if decision == "contested" else "")
            for r in frame.to_dict("records")]
    evidence = weigh(*rows, frame=frame)
    assert "drifted" not in set(evidence["decision_status"])
    expected = ["deferred" if decision == "deferred" else "agrees" if decision == c else "overrides"
                for c in evidence["classification"]]
    assert evidence["decision_status"].tolist() == expected
    assert not evidence["evidence_changed"].any()


def test_a_ruling_just_recorded_against_the_evidence_overrides_it(review_copy):
    """charisma's evidence is contested; the committee rules it neither today, with the screen's call."""
    review = Review.load(review_copy)
    today = without_rulings(weigh_evidence(review)).set_index("competency")
    charisma = today.loc["charisma"]
    assert charisma["classification"] == "contested"
    record_decision(review_copy, "charisma", "neither", "Charm does not make a leader.", "full committee",
                    {c: charisma[c] for c in COUNT_COLUMNS if c in charisma}, charisma["classification"])
    review = Review.load(review_copy)
    assert not [p for p in review.problems if p.file == "corpus/decisions.csv"]
    row = with_rulings(today.reset_index(), review.decisions, classify).set_index("competency").loc["charisma"]
    assert row["decision_status"] == "overrides"
    assert row["ruled_on_classification"] == "contested"
    assert not row["evidence_changed"]


# ---------------------------------------------------------------- rulings saved before the evidence was recorded


def test_old_ruling_without_its_evidence_is_classified_from_its_counts():
    """No evidence_classification: classify(L, M, B, N) of the counts recorded with it."""
    evidence = weigh(ruling("charm", "neither", counts=(0, 0, 0, 3)),
                     ruling("budget", "both", counts=(2, 1, 2, 0)))
    assert classify([0], [0], [0], [3])[0][0] == "neither"
    assert classify([2], [1], [2], [0])[0][0] == "contested"
    assert evidence.loc["charm", ["ruled_on_classification", "decision_status"]].tolist() == ["neither", "drifted"]
    assert evidence.loc["budget", ["ruled_on_classification", "decision_status"]].tolist() == [
        "contested", "overrides"]


def test_recorded_evidence_classification_wins_over_the_counts():
    row = weigh(ruling("charm", "neither", evidence="contested", counts=(0, 0, 0, 3))).loc["charm"]
    assert row["ruled_on_classification"] == "contested"
    assert row["decision_status"] == "overrides"


def test_old_ruling_without_counts_has_no_known_basis():
    evidence = weigh(ruling("budget", "management"), ruling("charm", "neither"),
                     ruling("vision", "leadership", counts=(4, 0, 0)))  # one framing count missing: unknown too
    assert evidence.loc["budget", ["ruled_on_classification", "decision_status"]].tolist() == ["", "agrees"]
    assert evidence.loc["charm", ["ruled_on_classification", "decision_status"]].tolist() == ["", "overrides"]
    assert evidence.loc["vision", "ruled_on_classification"] == ""
    assert evidence.loc["budget", "ruled_on_counts"] == ""
    assert not evidence.loc["budget", "evidence_changed"]


def test_bundled_legacy_rulings(bundled):
    """The nine bundled rulings record counts but not the evidence's classification.

    charisma was ruled neither on 3 neither sources, which classify calls neither: the
    evidence has since become contested, so the ruling has drifted. communication was ruled
    both on 2 leadership, 1 management and 2 both sources, which classify calls contested:
    the committee listed it in both on purpose (its rationale says so), so it overrides the
    evidence rather than having drifted from it.
    """
    evidence = with_rulings(without_rulings(weigh_evidence(bundled)), bundled.decisions, classify)
    evidence = evidence.set_index("competency")
    latest = bundled.decisions.drop_duplicates("competency", keep="last").set_index("competency")
    worked_out, _ = classify(*(latest[c].astype(float) for c in FRAMING_COUNTS))
    assert (evidence.loc[latest.index, "ruled_on_classification"] == worked_out).all()
    statuses = evidence.loc[latest.index, "decision_status"]
    assert statuses.to_dict() == {
        "planning": "agrees", "budgeting": "agrees", "setting-vision": "agrees", "charisma": "drifted",
        "communication": "overrides", "facilitating-change": "agrees", "staffing": "agrees",
        "empowering-others": "agrees"}
    charisma, communication = evidence.loc["charisma"], evidence.loc["communication"]
    assert (charisma["decision"], charisma["ruled_on_classification"], charisma["classification"]) == (
        "neither", "neither", "contested")
    assert (communication["decision"], communication["ruled_on_classification"]) == ("both", "contested")
    assert "with different indicators" in communication["decision_rationale"]
    assert charisma["evidence_changed"] and communication["evidence_changed"]
    assert set(evidence.loc[~evidence.index.isin(latest.index), "decision_status"]) == {"no decision"}


# ---------------------------------------------------------------- counts


def test_evidence_changed_and_the_counts_in_words():
    evidence = weigh(ruling("charm", "neither", evidence="neither", counts=(1, 0, 0, 2, 3, 1)),
                     ruling("budget", "management", evidence="management", counts=(0, 4, 0, 0, 0, 0)))
    assert not evidence.loc["charm", "evidence_changed"]
    assert evidence.loc["charm", "ruled_on_counts"] == (
        "1 leadership, 0 management, 0 both, 2 neither, 3 disputed, 1 split evenly")
    assert evidence.loc["budget", "evidence_changed"]  # 4 management then, 5 now
    assert evidence.loc["budget", "ruled_on_counts"] == "0 leadership, 4 management, 0 both, 0 neither"


def test_a_frame_without_split_counts_is_weighed_on_the_counts_it_has():
    frame = evidence_frame().drop(columns="split_sources")
    row = weigh(ruling("charm", "contested", evidence="contested", lists="both", counts=(1, 0, 0, 2, 3, 9)),
                frame=frame).loc["charm"]
    assert row["decision_status"] == "agrees"
    assert not row["evidence_changed"]  # split sources are not in the frame to compare


def test_decisions_without_the_new_columns_are_weighed():
    """A frame of rulings as older code built it (no lists, decided_by or evidence_classification)."""
    decisions = pd.DataFrame([{"competency": "charm", "classification": "neither", "decided_on": "2026-01-01",
                               "rationale": "old", "leadership_sources": 0, "management_sources": 0,
                               "both_sources": 0, "neither_sources": 3}])
    row = with_rulings(evidence_frame(), decisions, classify).set_index("competency").loc["charm"]
    assert row[["decision_status", "ruled_on_classification", "decided_by"]].tolist() == ["drifted", "neither", ""]


def test_no_rulings_at_all():
    evidence = with_rulings(evidence_frame(), pd.DataFrame(columns=DECISION_COLUMNS), classify)
    assert list(evidence.columns[-len(ADDED):]) == ADDED
    assert set(evidence["decision_status"]) == {"no decision"}


# ---------------------------------------------------------------- words for members


def test_every_status_has_a_label_and_a_definition():
    assert RULINGS == ("leadership", "management", "both", "neither", "contested", "deferred")
    assert set(STATUS_LABELS) == set(STATUS_DEFINITIONS) == set(STATUSES)
    assert STATUS_LABELS["overrides"] == "overrides the evidence"
    for status, sentence in STATUS_DEFINITIONS.items():
        assert sentence.endswith(".") and sentence.count(". ") == 0, status
    assert "counts" in STATUS_DEFINITIONS["overrides"]  # says what happens to rulings with no known basis


def test_the_method_paragraph_names_every_ruling_and_status():
    assert RULINGS_METHOD.startswith("**Rulings.**")
    emphasised = set(re.findall(r"(?<!\*)\*([^*]+)\*(?!\*)", RULINGS_METHOD))
    assert {"agrees", "overrides the evidence", "drifted", "contested"} <= emphasised
    assert all(r in RULINGS_METHOD for r in RULINGS[:4]) and "defers" in RULINGS_METHOD


def test_rulings_does_not_import_the_evidence_module():
    tree = ast.parse(Path(rulings_module.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any(name and name.endswith("evidence") for name in imported)
