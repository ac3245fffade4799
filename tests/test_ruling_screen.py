"""The ruling screen (litcoder.screens.ruling), driven in plain Python on a
copy of the bundled review: set the widgets' values, press their buttons, read what they show
and what they wrote."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import traitlets

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.inputs.decisions import COUNT_COLUMNS, record_decision
from litcoder.screens.ruling import RulingScreen

DECISIONS = "corpus/decisions.csv"
SCRIPT = "<script>alert('memo')</script>"
ALIGNING = "framing:Northouse2021Leadership9:aligning-people"


def rewrite_csv(path, change) -> None:
    """Rewrite a CSV file, each row (a dict) passed through `change`."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, [change(row) for row in reader]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def values(dropdown) -> list[str]:
    return [value for _, value in dropdown.options]


# ---------------------------------------------------------------- ruling

@pytest.fixture
def ruling(review_copy) -> RulingScreen:
    return RulingScreen(Review.load(review_copy))


def status_of(screen: RulingScreen, competency: str) -> str:
    title = {value: title for title, value in screen.competency.options}[competency]
    return title.rsplit(" — ", 1)[1]


def test_ruling_lists_drifted_competencies_first(ruling):
    evidence = weigh_evidence(ruling.review)
    order = {"drifted": 0, "no decision": 1, "agrees": 2}
    ranked = evidence.assign(rank=evidence["decision_status"].map(order)).sort_values(["rank", "label"], kind="stable")
    assert values(ruling.competency) == list(ranked["competency"])
    statuses = [title.rsplit(" — ", 1)[1] for title, _ in ruling.competency.options]
    assert statuses == sorted(statuses, key=order.get)
    assert statuses[:2] == ["drifted", "drifted"]
    assert values(ruling.competency)[:2] == ["charisma", "communication"]  # by label
    assert ruling.competency.options[0][0] == "Charisma — evidence: contested — drifted"
    assert ruling.competency.value == "charisma"


def test_ruling_shows_the_evidence_and_the_current_ruling(ruling):
    row = weigh_evidence(ruling.review).set_index("competency").loc["charisma"]
    view = ruling.evidence_view.value
    assert (f"The evidence: <b>contested</b>{' (fragile)' if row['fragile'] else ''} · {row['sources']} sources: "
            f"{row['leadership_sources']} leadership, {row['management_sources']} management, "
            f"{row['both_sources']} both, {row['neither_sources']} neither, {row['disputed_sources']} disputed") in view
    assert "Current ruling (2026-10-14): <b>neither</b>" in view
    assert "the evidence no longer supports it" in view
    ruling.competency.value = "aligning-people"
    assert "No ruling yet." in ruling.evidence_view.value
    assert "The evidence: <b>leadership</b>" in ruling.evidence_view.value
    ruling.competency.value = "setting-vision"
    assert "Current ruling (2026-10-14): <b>leadership</b> — the evidence agrees" in ruling.evidence_view.value


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


def test_contested_is_not_a_ruling(ruling, review_copy):
    """charisma's evidence is contested, but a ruling is one of the four framings."""
    before = (review_copy / DECISIONS).read_bytes()
    assert "contested" not in ruling.ruling.options
    with pytest.raises(traitlets.TraitError):
        ruling.ruling.value = "contested"
    with pytest.raises(ValueError):
        record_decision(review_copy, "charisma", "contested", "Split.", "full committee", {})
    assert (review_copy / DECISIONS).read_bytes() == before


def last_decision(review_copy) -> dict:
    with open(review_copy / DECISIONS, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))[-1]


def test_ruling_records_the_ruling_with_the_current_evidence(ruling, review_copy):
    ruling.competency.value = "aligning-people"
    assert status_of(ruling, "aligning-people") == "no decision"
    counts = weigh_evidence(ruling.review).set_index("competency").loc["aligning-people", COUNT_COLUMNS]
    ruling.ruling.value = "leadership"
    ruling.rationale.value = "  Aligning people is leadership in every source but one.  "
    ruling.member.value = "full committee"
    ruling.save_button.click()

    assert ruling.status.value == '<span class="lc-ok">ruling recorded in corpus/decisions.csv</span>'
    assert last_decision(review_copy) == {
        "competency": "aligning-people", "classification": "leadership", "decided_on": date.today().isoformat(),
        "decided_by": "full committee", "rationale": "Aligning people is leadership in every source but one.",
        **{c: str(int(counts[c])) for c in COUNT_COLUMNS}}
    assert ruling.ruling.value is None and ruling.rationale.value == ""
    assert ruling.competency.value == "aligning-people"  # still the one ruled on
    assert status_of(ruling, "aligning-people") == "agrees"
    assert "Current ruling (" + date.today().isoformat() + "): <b>leadership</b> — the evidence agrees" in (
        ruling.evidence_view.value)
    evidence = weigh_evidence(Review.load(review_copy)).set_index("competency").loc["aligning-people"]
    assert (evidence["decision"], evidence["decision_status"], evidence["evidence_changed"]) == (
        "leadership", "agrees", False)


def test_ruling_a_drifted_competency_as_its_evidence_makes_it_agree(review_copy):
    """organizing's evidence is management; an older ruling of 'leadership' has drifted. Ruling
    it management now (the later ruling supersedes) makes it agree."""
    record_decision(review_copy, "organizing", "leadership", "An early view.", "subgroup", {})
    rewrite_csv(review_copy / DECISIONS,
                lambda row: {**row, "decided_on": "2026-09-01"} if row["competency"] == "organizing" else row)
    screen = RulingScreen(Review.load(review_copy))
    assert status_of(screen, "organizing") == "drifted"
    assert values(screen.competency)[:3] == ["charisma", "communication", "organizing"]
    screen.competency.value = "organizing"
    assert "Current ruling (2026-09-01): <b>leadership</b>" in screen.evidence_view.value
    screen.ruling.value = "management"
    screen.rationale.value = "Every source that treats organizing places it with management."
    screen.save_button.click()
    assert status_of(screen, "organizing") == "agrees"
    assert values(screen.competency)[:2] == ["charisma", "communication"]
    decisions = Review.load(review_copy).decisions
    rulings = decisions[decisions["competency"] == "organizing"]
    assert list(rulings["classification"]) == ["leadership", "management"]


def test_ruling_charisma_again_leaves_it_drifted(ruling, review_copy):
    """Re-ruling charisma 'neither' records today's counts, but the evidence is contested: the
    ruling still does not agree."""
    row = weigh_evidence(ruling.review).set_index("competency").loc["charisma"]
    assert row["evidence_changed"]
    ruling.ruling.value = "neither"
    ruling.rationale.value = "Still neither."
    ruling.save_button.click()
    recorded = last_decision(review_copy)
    assert [int(recorded[c]) for c in COUNT_COLUMNS] == [int(row[c]) for c in COUNT_COLUMNS]
    assert status_of(ruling, "charisma") == "drifted"
    evidence = weigh_evidence(Review.load(review_copy)).set_index("competency").loc["charisma"]
    assert not evidence["evidence_changed"]  # the counts it was made on are today's
    assert evidence["decided_on"] == date.today().isoformat()
