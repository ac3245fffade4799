"""The ruling screen (litcoder.screens.ruling), driven in plain Python on a
copy of the bundled review: set the widgets' values, press their buttons, read what they show
and what they wrote."""

from __future__ import annotations

import csv
import html
from datetime import date

import pytest
import traitlets
from conftest import rewrite_csv, values

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.analysis.rulings import STATUS_DEFINITIONS, STATUS_LABELS
from litcoder.inputs.decisions import COUNT_COLUMNS, KNOWN, RULINGS, record_decision
from litcoder.screens.ruling import ORDER, RulingScreen

DECISIONS = "corpus/decisions.csv"
SCRIPT = "<script>alert('memo')</script>"


@pytest.fixture
def ruling(review_copy) -> RulingScreen:
    return RulingScreen(Review.load(review_copy))


def status_of(screen: RulingScreen, competency: str) -> str:
    """The status a competency's entry in the list shows, in the members' words."""
    title = {value: title for title, value in screen.competency.options}[competency]
    return title.rsplit(" — ", 1)[1]


def last_decision(review_copy) -> dict:
    with open(review_copy / DECISIONS, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))[-1]


def evidence_of(review_copy, competency: str):
    return weigh_evidence(Review.load(review_copy)).set_index("competency").loc[competency]


def record(screen: RulingScreen, competency: str, ruling: str, rationale: str, lists: str | None = None) -> None:
    screen.competency.value = competency
    screen.ruling.value = ruling
    if lists:
        screen.lists.value = lists
    screen.rationale.value = rationale
    screen.save_button.click()


# ---------------------------------------------------------------- the list and the summary


def test_ruling_lists_drifted_first_then_no_decision_then_the_rest(ruling):
    evidence = weigh_evidence(ruling.review)
    ranked = evidence.assign(rank=evidence["decision_status"].map(lambda s: ORDER.get(s, 2)))
    ranked = ranked.sort_values(["rank", "label"], kind="stable")
    assert values(ruling.competency) == list(ranked["competency"])
    shown = [status_of(ruling, c) for c in ranked["competency"]]
    assert shown == [STATUS_LABELS[s] for s in ranked["decision_status"]]
    assert ruling.competency.options[0][0] == "Charisma — evidence: contested — drifted from the evidence"
    assert ruling.competency.value == "charisma"
    assert status_of(ruling, "communication") == "overrides the evidence"  # ruled both on contested evidence


def test_the_summary_counts_each_status_in_the_members_words(ruling):
    evidence = weigh_evidence(ruling.review)
    summary = ruling.summary.value
    assert f"Rulings on {len(evidence)} competencies" in summary
    for status, count in evidence["decision_status"].value_counts().items():
        assert f">{STATUS_LABELS[status]}</span>: {count}" in summary
        assert f'title="{html.escape(STATUS_DEFINITIONS[status])}"' in summary


# ---------------------------------------------------------------- the evidence and the current ruling


def test_ruling_shows_the_evidence_and_the_current_ruling(ruling):
    row = weigh_evidence(ruling.review).set_index("competency").loc["charisma"]
    view = ruling.evidence_view.value
    assert (f"The evidence: <b>contested</b>{' (fragile)' if row['fragile'] else ''} · {row['sources']} sources: "
            f"{row['leadership_sources']} leadership, {row['management_sources']} management, "
            f"{row['both_sources']} both, {row['neither_sources']} neither, {row['disputed_sources']} disputed") in view
    assert "Current ruling (2026-10-14, full committee): <b>neither</b>" in view
    ruling.competency.value = "aligning-people"
    assert "No ruling yet." in ruling.evidence_view.value
    assert "The evidence: <b>leadership</b>" in ruling.evidence_view.value
    ruling.competency.value = "setting-vision"
    assert "Current ruling (2026-10-14, full committee): <b>leadership</b> — " in ruling.evidence_view.value
    assert ">agrees with the evidence</span>" in ruling.evidence_view.value


def test_ruling_shows_what_a_ruling_was_made_on_and_why_it_drifted_or_overrides(ruling):
    view = ruling.evidence_view.value  # charisma
    assert ">drifted from the evidence</span>; made when the evidence supported <b>neither</b> " in view
    assert "(0 leadership, 0 management, 0 both, 3 neither); today it supports <b>contested</b>" in view
    ruling.competency.value = "communication"
    view = ruling.evidence_view.value
    assert ">overrides the evidence</span>; made when the evidence supported <b>contested</b>" in view
    assert "<i>Communication runs through both lists" in view


# ---------------------------------------------------------------- recording


def test_ruling_offers_six_rulings_and_asks_the_lists_only_for_contested(ruling):
    assert tuple(ruling.ruling.options) == RULINGS
    assert ruling.lists.layout.display == "none"
    ruling.ruling.value = "contested"
    assert ruling.lists.layout.display is None
    assert values(ruling.lists) == ["both", "neither"]
    ruling.lists.value = "neither"
    ruling.ruling.value = "deferred"
    assert ruling.lists.layout.display == "none" and ruling.lists.value is None
    with pytest.raises(traitlets.TraitError):
        ruling.ruling.value = "insufficient"


def test_ruling_refuses_without_a_ruling_or_a_rationale(ruling, review_copy):
    before = (review_copy / DECISIONS).read_bytes()
    ruling.rationale.value = "A reason."
    ruling.save_button.click()
    assert ruling.status.value == '<span class="lc-error">choose a ruling and give the rationale</span>'
    ruling.ruling.value = "neither"
    ruling.rationale.value = "  \n "
    ruling.save_button.click()
    assert ruling.status.value == '<span class="lc-error">choose a ruling and give the rationale</span>'
    assert (review_copy / DECISIONS).read_bytes() == before


def test_contested_is_refused_until_the_lists_are_chosen(ruling, review_copy):
    before = (review_copy / DECISIONS).read_bytes()
    record(ruling, "charisma", "contested", "The literature is split.")
    assert "both lists or in neither" in ruling.status.value and "lc-error" in ruling.status.value
    assert (review_copy / DECISIONS).read_bytes() == before
    ruling.lists.value = "neither"
    ruling.save_button.click()
    recorded = last_decision(review_copy)
    assert [recorded[c] for c in ("competency", "classification", "lists", "evidence_classification")] == [
        "charisma", "contested", "neither", "contested"]
    assert ruling.lists.value is None and ruling.lists.layout.display == "none"


def test_ruling_records_the_ruling_with_the_evidence_of_the_moment(ruling, review_copy):
    ruling.competency.value = "aligning-people"
    assert status_of(ruling, "aligning-people") == "no ruling yet"
    row = weigh_evidence(ruling.review).set_index("competency").loc["aligning-people"]
    record(ruling, "aligning-people", "leadership", "  Aligning people is leadership in every source but one.  ")
    assert ruling.status.value.startswith('<span class="lc-ok">ruling recorded in corpus/decisions.csv</span>: ')
    assert ">agrees with the evidence</span>" in ruling.status.value
    recorded = last_decision(review_copy)
    assert set(recorded) == set(KNOWN)  # the old file gained the new columns
    assert recorded == {
        "competency": "aligning-people", "classification": "leadership", "lists": "",
        "decided_on": date.today().isoformat(), "decided_by": "full committee",
        "rationale": "Aligning people is leadership in every source but one.",
        "evidence_classification": str(row["classification"]),
        **{c: str(int(row[c])) if c in row else "" for c in COUNT_COLUMNS}}
    assert ruling.ruling.value is None and ruling.rationale.value == ""
    assert ruling.competency.value == "aligning-people"  # still the one ruled on
    assert status_of(ruling, "aligning-people") == "agrees with the evidence"
    evidence = evidence_of(review_copy, "aligning-people")
    assert (evidence["decision"], evidence["decision_status"], evidence["evidence_changed"]) == (
        "leadership", "agrees", False)


def test_a_ruling_just_recorded_against_the_evidence_overrides_it_never_drifts(ruling, review_copy):
    """Re-ruling charisma 'neither' on contested evidence: a deliberate override, not a drift."""
    assert status_of(ruling, "charisma") == "drifted from the evidence"
    row = weigh_evidence(ruling.review).set_index("competency").loc["charisma"]
    record(ruling, "charisma", "neither", "Charm does not make a leader, whatever the sources say.")
    recorded = last_decision(review_copy)
    assert recorded["evidence_classification"] == "contested"
    assert [int(recorded[c]) for c in COUNT_COLUMNS if c in row] == [int(row[c]) for c in COUNT_COLUMNS if c in row]
    assert ">overrides the evidence</span>" in ruling.status.value
    assert status_of(ruling, "charisma") == "overrides the evidence"
    evidence = evidence_of(review_copy, "charisma")
    assert evidence["decision_status"] == "overrides" and not evidence["evidence_changed"]
    assert evidence["decided_on"] == date.today().isoformat()


@pytest.mark.parametrize("decision", RULINGS)
def test_no_ruling_recorded_on_the_screen_is_drifted(ruling, decision):
    for competency in ("charisma", "planning", "reporting"):
        record(ruling, competency, decision, "Recorded now.", lists="both" if decision == "contested" else None)
        assert "lc-ok" in ruling.status.value
        assert "drifted" not in ruling.status.value
        assert status_of(ruling, competency) != STATUS_LABELS["drifted"]


def test_a_deferred_ruling_is_shown_as_deferred(ruling, review_copy):
    record(ruling, "directing", "deferred", "Wait for the Fayol and Gulick codings.")
    assert ">ruling deferred</span>" in ruling.status.value
    assert status_of(ruling, "directing") == "ruling deferred"
    assert "<b>deferred</b>" in ruling.evidence_view.value
    assert evidence_of(review_copy, "directing")["decision_status"] == "deferred"


def test_ruling_a_drifted_competency_as_its_evidence_makes_it_agree(review_copy):
    """organizing's evidence is management; a ruling of 'leadership' made when the evidence
    supported leadership has drifted. Ruling it management now (the later ruling supersedes)
    makes it agree."""
    record_decision(review_copy, "organizing", "leadership", "An early view.", "subgroup", {}, "leadership")
    rewrite_csv(review_copy / DECISIONS,
                lambda row: {**row, "decided_on": "2026-09-01"} if row["competency"] == "organizing" else row)
    screen = RulingScreen(Review.load(review_copy))
    assert status_of(screen, "organizing") == "drifted from the evidence"
    assert values(screen.competency)[:2] == ["charisma", "organizing"]
    screen.competency.value = "organizing"
    assert "Current ruling (2026-09-01, subgroup): <b>leadership</b>" in screen.evidence_view.value
    record(screen, "organizing", "management", "Every source that treats organizing places it with management.")
    assert status_of(screen, "organizing") == "agrees with the evidence"
    assert values(screen.competency)[:1] == ["charisma"]
    decisions = Review.load(review_copy).decisions
    rulings = decisions[decisions["competency"] == "organizing"]
    assert list(rulings["classification"]) == ["leadership", "management"]


def test_the_rationale_and_member_are_shown_as_text(ruling):
    ruling.member.value = SCRIPT
    record(ruling, "planning", "management", SCRIPT)
    view = ruling.evidence_view.value
    assert SCRIPT not in view and view.count("&lt;script&gt;") == 2  # who ruled, and why


def test_sources_split_evenly_are_shown_only_when_there_are_some(ruling):
    assert "split evenly" not in ruling.evidence_view.value  # none in the bundled review
    ruling.evidence.loc["charisma", "split_sources"] = 2
    ruling._show()
    assert " disputed, 2 split evenly</p>" in ruling.evidence_view.value
