"""The conflict screen (litcoder.screens.conflicts): settlements and rulings made two ways in two
clones at once, as litcoder's merge writes them (merging.merge_tables run on the texts git would
give it: the common base, ours and theirs), found, chosen between, and driven through the widget
on a copy of the bundled review."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import read_rows

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.inputs.decisions import COUNT_COLUMNS, all_rulings, record_decision
from litcoder.inputs.settlements import all_settlements, settle
from litcoder.layout import DECISIONS, SETTLEMENTS
from litcoder.merging import GROUPED, merge_tables
from litcoder.screens.conflicts import AlreadyChosen, ConflictScreen, choose, conflict_screen, open_conflicts

CHARISMA = "framing:Bass1985Beyond:charisma"
PLANNING = "framing:Fayol1949General:planning"
TODAY = date.today().isoformat()
DAYS_AGO, YESTERDAY = ((date.today() - timedelta(days=n)).isoformat() for n in (3, 1))
"""Rulings made in the clones before today's choice (rulings are read in the order of their dates)."""


def line(*cells) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def merge_into(root: Path, name: str, ours: list[str], theirs: list[str]) -> None:
    """The file as git leaves it after merging two clones that each added rows to it, with litcoder's merge."""
    path = root / name
    base = path.read_text(encoding="utf-8")
    merged = merge_tables(base, base + "".join(ours), base + "".join(theirs), by_id=False, group=GROUPED[name])
    path.write_text(merged.text, encoding="utf-8")


def ruling(root: Path, competency, classification, by, rationale, basis="", counts=(), lists="",
           on=DAYS_AGO) -> str:
    """A row of the review's decisions.csv, its cells in the order of the file's header."""
    header = (root / DECISIONS).read_text(encoding="utf-8").splitlines()[0].split(",")
    cells = {"competency": competency, "classification": classification, "lists": lists, "decided_on": on,
             "decided_by": by, "rationale": rationale, "evidence_classification": basis,
             **dict(zip(COUNT_COLUMNS, counts))}
    return line(*(cells.get(column, "") for column in header))


@pytest.fixture
def conflicted(review_copy) -> Path:
    """Member-h and member-j each settled the charisma framing in Bass and ruled on winning buy-in
    in their own clones; member-j also settled the planning framing in Fayol, alone."""
    merge_into(review_copy, SETTLEMENTS,
               [line(CHARISMA, "leadership", "Bass's own word for it", "member-h", "2026-11-20")],
               [line(CHARISMA, "neither", "<b>set aside</b> as charm", "member-j", "2026-11-21"),
                line(PLANNING, "management", "foresight is planning", "member-j", "2026-11-21")])
    # a ruling recorded through the ruling screen's function first gives the file its full header
    record_decision(review_copy, "reporting", "management", "reports go up the line", "full committee",
                    {"leadership_sources": 0, "management_sources": 3}, "management")
    merge_into(review_copy, DECISIONS,
               [ruling(review_copy, "winning-buy-in", "leadership", "member-h", "the sources agree", "leadership",
                       (4, 0, 1, 0))],
               [ruling(review_copy, "winning-buy-in", "contested", "member-j", "split evenly", "contested",
                       (2, 2, 0, 0), lists="neither", on=YESTERDAY)])
    return review_copy


def kinds_of(review: Review) -> list[str]:
    return [p.kind for p in review.problems if p.kind in ("settlement-conflict", "decision-conflict")]


# ---------------------------------------------------------------- finding them


def test_the_merge_marks_rows_and_the_inputs_list_every_row_with_its_mark(conflicted):
    review = Review.load(conflicted)
    settled = all_settlements(conflicted / SETTLEMENTS, set(review.codebook["competency"]),
                              set(review.sources["citekey"]))
    assert len(settled) == 8  # every row, not only the latest per item
    assert list(settled.loc[settled["made_at_once"], "item"]) == [CHARISMA, CHARISMA]
    ruled = all_rulings(conflicted / DECISIONS, review.codebook)
    assert list(ruled.loc[ruled["made_at_once"], "classification"]) == ["leadership", "contested"]
    assert sorted(kinds_of(review)) == ["decision-conflict", "settlement-conflict"]


def test_open_conflicts_gives_each_with_its_versions_in_the_order_of_the_file(conflicted):
    settled, ruled = open_conflicts(Review.load(conflicted))
    assert (settled.kind, settled.item, settled.file) == ("settlement", CHARISMA, SETTLEMENTS)
    assert [(v.what, v.by, v.on, v.line) for v in settled.versions] == [
        ("leadership", "member-h", "2026-11-20", 7), ("neither", "member-j", "2026-11-21", 8)]
    assert settled.versions[1].rationale == "<b>set aside</b> as charm"
    assert settled.title == "Settlement: how Bass1985Beyond frames Charisma — leadership or neither"
    assert (ruled.kind, ruled.item, ruled.label) == ("ruling", "winning-buy-in", "Winning buy-in")
    assert [v.what for v in ruled.versions] == ["leadership", "contested, staying in neither list"]
    assert [v.line for v in ruled.versions] == [12, 13]
    assert ruled.versions[1].values["counts"] == dict(zip(COUNT_COLUMNS, (2, 2, 0, 0)))


def test_no_conflict_in_the_bundled_review(review_copy):
    assert open_conflicts(Review.load(review_copy)) == []


# ---------------------------------------------------------------- choosing


def test_choosing_a_settlement_records_it_again_and_ends_the_conflict(conflicted):
    before = read_rows(conflicted / SETTLEMENTS)
    [conflict, _] = open_conflicts(Review.load(conflicted))
    row = choose(conflicted, conflict, 1, " member-q ", "agreed at the meeting")
    rows = read_rows(conflicted / SETTLEMENTS)
    assert rows[:-1] == before  # every earlier row, the versions included, as it was
    last = rows[-1]
    assert (last["item"], last["resolution"], last["settled_by"], last["settled_on"], last["conflict"]) == (
        CHARISMA, "neither", "member-q", TODAY, "")
    assert last["rationale"] == row["rationale"] == (
        "<b>set aside</b> as charm. Kept by member-q from versions made in two clones at once: member-j's of "
        "2026-11-21 (line 8), over leadership by member-h (line 7). agreed at the meeting")
    review = Review.load(conflicted)
    assert kinds_of(review) == ["decision-conflict"]
    kept = review.settlements.set_index("item").loc[CHARISMA]
    assert (kept["resolution"], kept["settled_by"]) == ("neither", "member-q")
    assert [c.item for c in open_conflicts(review)] == ["winning-buy-in"]


def test_choosing_a_ruling_keeps_its_lists_and_the_evidence_it_was_made_on(conflicted):
    [_, conflict] = open_conflicts(Review.load(conflicted))
    choose(conflicted, conflict, 1, "member-h")
    last = read_rows(conflicted / DECISIONS)[-1]
    assert (last["competency"], last["classification"], last["lists"], last["decided_by"], last["decided_on"],
            last["evidence_classification"], last["conflict"]) == (
        "winning-buy-in", "contested", "neither", "member-h", TODAY, "contested", "")
    assert [last[c] for c in COUNT_COLUMNS[:4]] == ["2", "2", "0", "0"]
    assert last["rationale"].startswith("split evenly. Kept by member-h from versions made in two clones at once")
    review = Review.load(conflicted)
    assert kinds_of(review) == ["settlement-conflict"]
    evidence = weigh_evidence(review).set_index("competency").loc["winning-buy-in"]
    assert (evidence["decision"], evidence["decision_lists"]) == ("contested", "neither")


def test_a_ruling_made_without_its_evidence_is_kept_with_todays(review_copy):
    merge_into(review_copy, DECISIONS, [ruling(review_copy, "aligning-people", "leadership", "member-h", "together")],
               [ruling(review_copy, "aligning-people", "both", "member-j", "either")])
    review = Review.load(review_copy)
    [conflict] = open_conflicts(review)
    choose(review_copy, conflict, 0, "member-k")
    today = weigh_evidence(review).set_index("competency").loc["aligning-people"]
    last = read_rows(review_copy / DECISIONS)[-1]
    assert (last["classification"], last["evidence_classification"]) == ("leadership", today["classification"])
    assert last["neither_sources"] == str(today["neither_sources"])
    assert open_conflicts(Review.load(review_copy)) == []


def test_a_conflict_chosen_or_settled_meanwhile_is_refused_and_nothing_is_written(conflicted):
    [settled, ruled] = open_conflicts(Review.load(conflicted))
    choose(conflicted, settled, 0, "member-q")
    rows = read_rows(conflicted / SETTLEMENTS)
    with pytest.raises(AlreadyChosen, match=f"{CHARISMA} was settled leadership by member-q on {TODAY} "
                                            r"\(line 10\) meanwhile"):
        choose(conflicted, settled, 1, "member-j")
    assert read_rows(conflicted / SETTLEMENTS) == rows
    # a ruling recorded again through the ruling screen counts as chosen too
    record_decision(conflicted, "winning-buy-in", "both", "decided afresh", "full committee", {}, "both")
    decisions = read_rows(conflicted / DECISIONS)
    with pytest.raises(AlreadyChosen, match="winning-buy-in was ruled both by full committee"):
        choose(conflicted, ruled, 0, "member-j")
    assert read_rows(conflicted / DECISIONS) == decisions


def test_a_conflict_settled_again_in_the_settling_screen_is_refused(conflicted):
    [settled, _] = open_conflicts(Review.load(conflicted))
    settle(conflicted, CHARISMA, "both", "agreed at the meeting", "member-k")
    with pytest.raises(AlreadyChosen, match=f"{CHARISMA} was settled both by member-k"):
        choose(conflicted, settled, 0, "member-q")
    assert read_rows(conflicted / SETTLEMENTS)[-1]["settled_by"] == "member-k"


def test_a_conflict_whose_versions_changed_meanwhile_is_refused(conflicted):
    [settled, _] = open_conflicts(Review.load(conflicted))
    merge_into(conflicted, SETTLEMENTS, [line(CHARISMA, "both", "a third view", "member-k", "2026-11-22")],
               [line(CHARISMA, "management", "a fourth", "member-l", "2026-11-22")])
    with pytest.raises(AlreadyChosen, match=r"versions of .* changed meanwhile"):
        choose(conflicted, settled, 0, "member-q")
    [now, _] = open_conflicts(Review.load(conflicted))
    assert [v.what for v in now.versions] == ["leadership", "neither", "both", "management"]


def test_a_conflict_after_a_chosen_one_offers_only_its_own_versions(conflicted):
    [settled, _] = open_conflicts(Review.load(conflicted))
    choose(conflicted, settled, 0, "member-q")
    merge_into(conflicted, SETTLEMENTS, [line(CHARISMA, "both", "seen again", "member-h", "2026-11-23")],
               [line(CHARISMA, "neither", "still charm", "member-j", "2026-11-23")])
    [again, _] = open_conflicts(Review.load(conflicted))
    assert [(v.what, v.line) for v in again.versions] == [("both", 11), ("neither", 12)]


def test_a_ruling_dated_after_today_is_not_chosen_over(review_copy):
    ahead = (date.today() + timedelta(days=30)).isoformat()
    merge_into(review_copy, DECISIONS, [ruling(review_copy, "motivating", "leadership", "member-h", "drive", on=ahead)],
               [ruling(review_copy, "motivating", "management", "member-j", "incentives")])
    [conflict] = open_conflicts(Review.load(review_copy))
    rows = read_rows(review_copy / DECISIONS)
    with pytest.raises(ValueError, match=f"line 11 of corpus/decisions.csv is dated {ahead}, after today"):
        choose(review_copy, conflict, 1, "member-k")
    assert read_rows(review_copy / DECISIONS) == rows


def test_choosing_asks_for_a_version_and_a_name(conflicted):
    [settled, _] = open_conflicts(Review.load(conflicted))
    rows = read_rows(conflicted / SETTLEMENTS)
    with pytest.raises(ValueError, match="has 2 versions"):
        choose(conflicted, settled, 2, "member-q")
    with pytest.raises(ValueError, match="say who chooses"):
        choose(conflicted, settled, 0, "  ")
    assert read_rows(conflicted / SETTLEMENTS) == rows


# ---------------------------------------------------------------- the screen


def test_the_screen_shows_the_versions_side_by_side_and_keeps_the_one_pressed(conflicted):
    screen = ConflictScreen(Review.load(conflicted))
    assert "<b>2</b> conflicts (1 settlement, 1 ruling), each made two ways in two clones at once" in (
        screen.summary.value)
    assert [title for title, _ in screen.conflict.options] == [
        "Settlement: how Bass1985Beyond frames Charisma — leadership or neither",
        "Ruling on Winning buy-in (winning-buy-in) — leadership or contested, staying in neither list"]
    cards = [box.children[0].value for box in screen.versions.children]
    assert "member-h on 2026-11-20 · corpus/settlements.csv, line 7" in cards[0]
    assert "&lt;b&gt;set aside&lt;/b&gt; as charm" in cards[1] and "<b>set aside</b>" not in cards[1]
    assert [b.description for b in screen.keep_buttons] == ["Keep this one", "Keep this one"]
    screen.member.value = ""
    screen.keep_buttons[0].click()
    assert "say who chooses" in screen.status.value
    assert len(read_rows(conflicted / SETTLEMENTS)) == 8
    screen.member.value = "member-q"
    screen.note.value = "as agreed"
    screen.keep_buttons[0].click()
    assert "kept leadership (member-h's, line 7)" in screen.status.value
    last = read_rows(conflicted / SETTLEMENTS)[-1]
    assert (last["resolution"], last["settled_by"]) == ("leadership", "member-q")
    assert last["rationale"].endswith("as agreed") and screen.note.value == ""
    # on to the ruling: its versions with the evidence each was made on
    assert [title for title, _ in screen.conflict.options] == [
        "Ruling on Winning buy-in (winning-buy-in) — leadership or contested, staying in neither list"]
    assert "<b>1</b> conflict (1 ruling)" in screen.summary.value
    cards = [box.children[0].value for box in screen.versions.children]
    assert "made when the evidence supported <b>contested</b>" in cards[1]
    screen.keep_buttons[0].click()
    assert "recorded in corpus/decisions.csv" in screen.status.value
    assert screen.summary.value.startswith("<p><b>No conflicts:</b>")
    assert screen.versions.children == () and screen.keep_buttons == []
    assert kinds_of(Review.load(conflicted)) == []


def test_a_screen_behind_the_times_is_told_and_refreshed(conflicted):
    one, two = ConflictScreen(Review.load(conflicted)), ConflictScreen(Review.load(conflicted))
    for screen in (one, two):
        screen.member.value = "member-q"
    one.keep_buttons[1].click()
    two.keep_buttons[0].click()
    assert "no longer in conflict; nothing was recorded" in two.status.value
    assert [c.kind for c in two.conflicts] == ["ruling"] and len(read_rows(conflicted / SETTLEMENTS)) == 9


def test_the_screen_opens_from_a_folder_of_the_review(conflicted):
    screen = conflict_screen(str(conflicted / "corpus"))
    assert len(screen.conflicts) == 2 and screen.review.path == conflicted.resolve()
