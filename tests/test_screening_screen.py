# ruff: noqa: F811 - the small review fixture is imported from test_selection and named by the tests
"""The screening screen without a browser: the session's records and progress, decisions as the
loader reads them back, undo, blindness, and the widget's state as the pad's keys drive it
(ScreeningPad.press), on the small review of tests/test_selection.py.

In that review: title and abstract lists lista:1–5 and bsc:3 (bsc:1, bsc:2 and cites:1 are
duplicates removed; cites:2 comes from citation searching); member-h decided all six,
member-j all but lista:5. Full text lists the works that passed (lista:1, lista:2, and lista:4
by a resolution) and cites:2. The keys themselves, in JupyterLab, are
tests/test_screening_browser.py's.
"""

from __future__ import annotations

import os
import stat
import time
from datetime import datetime

import pytest
from conftest import read_rows
from test_selection import small  # noqa: F401 - the fixture, used by name as the tests' argument

from litcoder import Review
from litcoder.inputs.screening import ScreeningError, latest_decisions, record_decision
from litcoder.screens.screening import BLIND, ScreeningScreen, ScreeningSession

TITLES = ["lista:1", "lista:2", "lista:3", "lista:4", "lista:5", "bsc:3"]
REASONS = ["not about leadership or management", "no competencies named"]


def session(root, screener="member-k", stage="title-abstract") -> ScreeningSession:
    return ScreeningSession(Review.load(root), screener, stage)


def latest(root, screener="member-k") -> dict:
    """What the loader counts of a screener's decisions: (record, stage) → (decision, reason, note)."""
    decisions = Review.load(root).selection.decisions
    own = latest_decisions(decisions[decisions["screener"] == screener])
    return {(r.record, r.stage): (r.decision, r.reason, r.note) for r in own.itertuples()}


def started(root, screener="member-k") -> ScreeningScreen:
    """The screen, started as `screener` (a new one created, an existing one confirmed)."""
    screen = ScreeningScreen(Review.load(root))
    screen.screener.value = screener
    screen.start.click()
    if screen.session is None:
        screen.confirm.children[0].click()
    return screen


# ---------------------------------------------------------------- the records and progress

def test_the_records_to_screen_at_each_stage_in_the_searches_order(small):
    s = session(small)
    assert s.queue == TITLES and s.record == "lista:1"
    assert s.progress_text() == "0 of 6 screened at title and abstract"
    s.choose_stage("full-text")
    assert s.queue == ["lista:1", "lista:2", "lista:4", "cites:2"]  # passed, or found by citation searching
    assert s.progress_text() == "0 of 4 screened at full text"


def test_a_screener_starts_at_their_first_record_not_screened(small):
    s = session(small, "member-j")
    assert (s.record, s.progress()) == ("lista:5", {"stage": "title-abstract", "screened": 5, "records": 6,
                                                    "to_go": 1})
    s.decide("include")
    assert s.progress_text() == "6 of 6 screened at title and abstract"
    assert s.record == "lista:5"  # nothing left: it stays on the record just decided


def test_the_full_text_list_follows_title_and_abstract_as_it_stands_when_chosen(small):
    s = session(small, "member-j")
    s.decide("include")  # lista:5: member-h excluded it, so it is a conflict, not passed
    s.choose_stage("full-text")
    assert "lista:5" not in s.queue
    with (small / "corpus/screening-resolved.csv").open("a", encoding="utf-8") as f:
        f.write("lista:5,title-abstract,include,,member-k,2026-09-16,\n")
    s.choose_stage("full-text")
    assert s.queue == ["lista:1", "lista:2", "lista:4", "lista:5", "cites:2"]


def test_what_a_record_shows(small):
    shown = session(small).details("lista:1")
    assert shown == {
        "record": "lista:1", "title": "Leading the branch library", "authors": "Ward, A.", "year": "2012",
        "container": "Library Leadership & Management", "abstract": "Our summary: what branch heads say leading is.",
        "link": "https://doi.org/10.5555/llm.2012.1", "link_text": "10.5555/llm.2012.1",
        "search": "LISTA (EBSCOhost), search lista run 2026-09-02", "also": ["bsc:1", "cites:1"]}
    bare = session(small).details("lista:2")
    assert (bare["abstract"], bare["link"], bare["also"]) == ("", "", ["bsc:2"])


# ---------------------------------------------------------------- deciding

def test_decisions_are_appended_as_the_loader_reads_them_back(small):
    s = session(small)
    s.decide("include", note="names  branch heads'\ncompetencies")
    s.decide("exclude", 2)
    s.decide("maybe")
    assert s.record == "lista:4" and s.progress_text() == "3 of 6 screened at title and abstract"
    assert latest(small) == {
        ("lista:1", "title-abstract"): ("include", "", "names branch heads' competencies"),
        ("lista:2", "title-abstract"): ("exclude", "no competencies named", ""),
        ("lista:3", "title-abstract"): ("maybe", "", "")}
    rows = read_rows(small / "corpus/screening/member-k.csv")
    assert list(rows[0]) == ["record", "stage", "decision", "reason", "note", "screened_at"]
    assert all(datetime.fromisoformat(r["screened_at"]).tzinfo is not None for r in rows)
    assert not [p for p in Review.load(small).problems if p.file == "corpus/screening/member-k.csv"]


def test_an_exclusion_needs_one_of_the_committees_reasons(small):
    s = session(small)
    for reason, said in (("", "an exclusion needs a reason"), (3, "there is no reason numbered 3"),
                         (0, "there is no reason numbered 0"), ("off topic", "'off topic' is not one")):
        with pytest.raises(ScreeningError, match=said):
            s.decide("exclude", reason)
    assert not (small / "corpus/screening/member-k.csv").exists() and s.record == "lista:1"
    s.decide("exclude", "no competencies named")
    assert latest(small)[("lista:1", "title-abstract")][:2] == ("exclude", "no competencies named")


def test_not_retrieved_is_for_full_text_only(small):
    s = session(small)
    with pytest.raises(ScreeningError, match="'not-retrieved' is not a decision at title and abstract"):
        s.decide("not-retrieved")
    s.choose_stage("full-text")
    s.decide("not-retrieved", record="lista:4")
    assert latest(small) == {("lista:4", "full-text"): ("not-retrieved", "", "")}


def test_a_record_not_to_screen_at_the_stage_is_refused(small):
    s = session(small, stage="full-text")
    for record in ("lista:3", "bsc:1", "nowhere:1"):  # excluded on its title; a duplicate; no such record
        with pytest.raises(ScreeningError, match="is not among the records to screen at full text"):
            s.decide("include", record=record)


def test_going_back_and_changing_ones_mind_appends_a_row_that_counts(small):
    s = session(small)
    s.decide("include")
    assert s.previous() and s.record == "lista:1" and s.mine()["decision"] == "include"
    s.decide("exclude", 1, note="on second reading")
    assert s.record == "lista:2"  # on to the first record not screened
    assert latest(small)[("lista:1", "title-abstract")] == ("exclude", REASONS[0], "on second reading")
    assert len(read_rows(small / "corpus/screening/member-k.csv")) == 2  # nothing rewritten


def test_undo_takes_back_the_last_decision_and_what_counted_before_counts_again(small):
    s = session(small)
    with pytest.raises(ScreeningError, match="no decision to undo"):
        s.undo()
    s.decide("include")  # lista:1
    s.previous()
    s.decide("maybe", note="unsure now")  # lista:1 again: a change of mind
    s.decide("exclude", 2)  # lista:2
    assert s.undo() == ("your decision on lista:2 (exclude: no competencies named) was taken back: it is not "
                        "screened by you")
    assert s.record == "lista:2" and s.mine() is None
    assert s.undo() == ("your decision on lista:1 (maybe) was taken back: your earlier decision (include) counts "
                        "again")
    assert s.record == "lista:1" and s.mine()["decision"] == "include"
    assert latest(small) == {("lista:1", "title-abstract"): ("include", "", "")}
    assert [r["decision"] for r in read_rows(small / "corpus/screening/member-k.csv")] == ["include"]
    assert "lista:1 (include) was taken back" in s.undo()
    assert latest(small) == {} and s.progress()["screened"] == 0
    assert read_rows(small / "corpus/screening/member-k.csv") == []


def test_undo_never_removes_a_decision_written_after_it(small):
    s = session(small)
    s.decide("include")
    record_decision(small, "member-k", "lista:1", "title-abstract", "maybe")  # the same screener, another window
    with pytest.raises(ScreeningError, match="a later one was written for it"):
        s.undo()
    assert [r["decision"] for r in read_rows(small / "corpus/screening/member-k.csv")] == ["include", "maybe"]


# ---------------------------------------------------------------- blind screening

def test_a_screener_sees_only_their_own_decisions(small):
    h = session(small, "member-h")
    h.go(2)  # lista:2: member-h included it, member-j said maybe ("unsure")
    assert h.mine()["decision"] == "include"
    k = session(small)
    k.go(2)
    assert k.mine() is None and k.details()["record"] == "lista:2"
    screen = started(small)
    screen.pad.press("next")
    shown = ("record", "mine", "where", "progress", "status", "reasons", "stage")
    state = repr({name: getattr(screen.pad, name) for name in shown}) + screen.pad.note
    assert screen.pad.record["record"] == "lista:2" and screen.pad.mine == {}
    assert not any(word in state for word in ("member-h", "member-j", "unsure", "maybe"))
    assert BLIND in "".join(c.value for c in screen.children if isinstance(getattr(c, "value", None), str))


# ---------------------------------------------------------------- the screener's name

@pytest.mark.parametrize(("name", "said"), [
    ("", "it is empty"), ("member k", "holds ' '"), ("../x", "holds '.*/"), ("CON", "names a device"),
])
def test_a_screener_name_that_cannot_name_a_file_is_refused(small, name, said):
    screen = ScreeningScreen(Review.load(small))
    screen.screener.value = name
    screen.start.click()
    assert screen.session is None and screen.workspace.layout.display == "none"
    assert "lc-error" in screen.message.value and said.split("'")[0] in screen.message.value
    if name:
        with pytest.raises(ScreeningError, match="cannot name a screener's file"):
            ScreeningSession(Review.load(small), name)
    assert sorted(p.name for p in (small / "corpus/screening").iterdir()) == ["member-h.csv", "member-j.csv"]


def test_an_existing_screener_confirms_who_they_are_and_is_remembered(small):
    screen = ScreeningScreen(Review.load(small))
    screen.screener.value = "member-j"
    screen.start.click()
    assert screen.session is None and "member-j has screened in this review already" in screen.message.value
    assert screen.confirm.children[0].description == "I am member-j"
    screen.confirm.children[0].click()
    assert screen.session.screener == "member-j" and screen.pad.record["record"] == "lista:5"
    again = ScreeningScreen(Review.load(small))
    assert again.screener.value == "member-j"
    again.start.click()  # remembered on this machine: no question
    assert again.session is not None and not again.confirm.children


# ---------------------------------------------------------------- the widget

def test_the_pads_keys_decide_and_the_screen_confirms(small):
    screen = started(small)
    pad = screen.pad
    assert (pad.where, pad.progress) == ("Record 1 of 6 · lista:1", "0 of 6 screened at title and abstract")
    assert pad.reasons == REASONS and pad.stage == "title-abstract"
    pad.press("include", record="lista:1")
    assert (pad.status_kind, pad.status) == ("ok", "saved to corpus/screening/member-k.csv: lista:1 include")
    assert pad.record["record"] == "lista:2" and pad.mine == {}
    pad.press("exclude", record="lista:2", note="")
    assert pad.status_kind == "error" and "an exclusion needs a reason" in pad.status
    pad.press("exclude", record="lista:2", reason=2, note="only budgets")
    assert pad.status == "saved to corpus/screening/member-k.csv: lista:2 exclude (no competencies named)"
    # a key pressed before the screen redrew decides on the record the screener saw
    pad.press("maybe", record="lista:2")
    assert latest(small)[("lista:2", "title-abstract")] == ("maybe", "", "")
    pad.press("previous")
    pad.press("previous")
    assert pad.record["record"] == "lista:1" and pad.mine["decision"] == "include"
    pad.press("undo")
    assert pad.status_kind == "ok" and "lista:2 (maybe) was taken back: your earlier decision (exclude: no " \
        "competencies named) counts again" in pad.status
    assert pad.record["record"] == "lista:2" and pad.mine["decision"] == "exclude" and pad.note == "only budgets"
    assert pad.progress == "2 of 6 screened at title and abstract"


def test_the_stage_is_chosen_and_not_retrieved_is_offered_at_full_text_only(small):
    screen = started(small)
    screen.pad.press("not-retrieved", record="lista:1")
    assert screen.pad.status_kind == "error" and "not a decision at title and abstract" in screen.pad.status
    screen.stage.value = "full-text"
    assert (screen.pad.stage, screen.pad.where) == ("full-text", "Record 1 of 4 · lista:1")
    screen.pad.press("not-retrieved", record="lista:1")
    assert screen.pad.status.endswith("lista:1 not-retrieved") and screen.pad.record["record"] == "lista:2"


def test_a_file_that_cannot_be_written_is_said_on_screen_and_the_note_kept(small):
    screen = started(small)
    screen.pad.press("include", record="lista:1")
    path = small / "corpus/screening/member-k.csv"
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        screen.pad.press("maybe", record="lista:2", note="ask the committee")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert screen.pad.status_kind == "error" and "member-k.csv is read-only; the decision was NOT saved" \
        in screen.pad.status
    assert screen.pad.record["record"] == "lista:2" and screen.pad.note == "ask the committee"
    assert len(read_rows(path)) == 1


def test_a_review_without_searches_says_there_is_nothing_to_screen(tmp_path):
    (tmp_path / "corpus").mkdir()
    screen = ScreeningScreen(Review.load(tmp_path))
    assert screen.start.disabled and "names no search in litcoder.toml" in screen.message.value


def _big_review(root, records: int) -> None:
    """A review with one database search of `records` records, each with an abstract."""
    (root / "corpus/searches").mkdir(parents=True)
    (root / "litcoder.toml").write_text('[screening]\nreasons = ["off topic", "no competencies"]\n\n[[searches]]\n'
                                        'id = "big"\nmethod = "database"\nsource = "A database"\ndate = "2026-09-01"\n'
                                        'query = "leadership"\nfile = "corpus/searches/big.ris"\n', encoding="utf-8")
    ris = "".join(f"TY  - JOUR\nAU  - Author{n:04d}, Ann\nTI  - Study number {n} of leading and managing\n"
                  f"PY  - {1980 + n % 40}\nJO  - Journal {n % 50}\nAB  - {'What leaders and managers do. ' * 20}\n"
                  f"DO  - 10.5555/big.{n}\nER  - \n\n" for n in range(records))
    (root / "corpus/searches/big.ris").write_text(ris, encoding="utf-8")


def test_two_thousand_records_open_and_move_quickly(tmp_path):
    _big_review(tmp_path, 2000)
    started_at = time.perf_counter()
    review = Review.load(tmp_path)
    loaded = time.perf_counter() - started_at
    assert len(review.selection.records) == 2000
    started_at = time.perf_counter()  # the screen and its session, on the loaded review
    screen = ScreeningScreen(review)
    screen.screener.value = "member-k"
    screen.start.click()
    screen.confirm.children[0].click()
    opened = time.perf_counter() - started_at
    assert screen.pad.where == "Record 1 of 2000 · big:1"
    started_at = time.perf_counter()
    for _ in range(200):
        screen.pad.press("next")
    moved = (time.perf_counter() - started_at) / 200
    started_at = time.perf_counter()
    for n in range(201, 221):
        screen.pad.press("include", record=f"big:{n}")
    decided = (time.perf_counter() - started_at) / 20
    assert screen.pad.progress == "20 of 2000 screened at title and abstract"
    print(f"2,000 records: review loaded in {loaded:.2f} s; screen opened in {opened * 1000:.0f} ms; "
          f"a move {moved * 1000:.1f} ms; a decision saved and the next record shown {decided * 1000:.1f} ms")
    assert opened < 1.5 and moved < 0.05 and decided < 0.2
