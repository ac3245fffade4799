"""The coding screen (ipywidgets around the coding pad) driven in plain Python: set widget
values, press the pad's keys (CodingPad.press), click buttons.

Each test opens CodingScreen on a copy of the bundled review, as a new coder (coder-d)
unless it says otherwise, and checks what the screen shows and what lands in
corpus/codings/coder-d.csv and corpus/coverage/coder-d.csv. The keys themselves, in a
browser, are tests/test_jupyterlab.py's.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from conftest import coder_file, read_rows

from litcoder import Review
from litcoder.screens.coding import CodingScreen
from litcoder.screens.session import CodingSession

KOTTER = "Kotter1990WhatLeaders"
GULICK = "Gulick1937Notes"
P3_QUOTE = "The manager decides on targets for the coming year or so"  # Kotter, passage 3
GULICK_P4_QUOTE = "A single head can direct only a limited number of immediate subordinates"


def started(root: Path, coder: str = "coder-d", practice: bool = False) -> CodingScreen:
    """The screen, started as `coder`: a new coder created (as a practice coder with
    `practice`), an existing one confirmed."""
    screen = CodingScreen(Review.load(root))
    screen.coder.value = coder
    screen.start.click()
    if screen.session is None:
        screen.confirm.children[1 if practice else 0].click()
    return screen


def passage_text(screen: CodingScreen, citekey: str, number: int) -> str:
    p = screen.review.passages
    return p[(p["citekey"] == citekey) & (p["passage"] == number)]["text"].item()


def fill(screen: CodingScreen, competency: str, framing: str | None, quote: str | None = None, memo: str = "",
         occurrence: int = 0) -> None:
    """What the coder does on the pad: select the quote's words (the `occurrence`-th time
    they occur in the passage), choose a competency and a framing; and write a memo."""
    screen.pad.competency, screen.pad.framing = competency, framing or ""
    if quote is not None:
        text, at = screen.pad.text, -1
        for _ in range(occurrence + 1):
            at = text.index(quote, at + 1)
        screen.pad.select(at, at + len(quote))
    screen.memo.value = memo


def save(screen: CodingScreen) -> None:
    screen.pad.press("save")


def coding_rows(screen: CodingScreen) -> list:
    """The rows of 'Your codings of this passage': (HTML, Edit, Remove, History) boxes."""
    return [row for row in screen.mine.children if hasattr(row, "children")]


def status(screen: CodingScreen) -> tuple[str, str]:
    return screen.pad.status_kind, screen.pad.status


def assert_form_clear(screen: CodingScreen) -> None:
    pad = screen.pad
    assert (pad.competency, pad.framing, pad.selection, pad.editing) == ("", "", [], "")
    assert screen.memo.value == "" and screen.editing is None


def coverage_events(root: Path, coder: str = "coder-d") -> list[tuple[str, str, str]]:
    return [(r["event"], r["citekey"], r["passage"]) for r in read_rows(root / "corpus/coverage" / f"{coder}.csv")]


# ---------------------------------------------------------------- who codes


def test_start_shows_the_workspace_on_the_first_unfinished_source(review_copy):
    screen = CodingScreen(Review.load(review_copy))
    assert screen.workspace.layout.display == "none" and screen.source.disabled
    assert screen.coder.value == ""
    screen.coder.value = " coder-d "
    screen.start.click()
    # a new coder is made by an explicit choice, not by a typo
    assert screen.session is None and screen.workspace.layout.display == "none"
    assert "There is no coder named coder-d in this review yet" in screen.coder_message.value
    assert [b.description for b in screen.confirm.children] == [
        "Create coder coder-d", "Create practice coder coder-d", "Cancel"]
    screen.confirm.children[0].click()
    assert screen.session.coder == "coder-d" and not screen.session.practice
    assert screen.workspace.layout.display == "flex" and not screen.source.disabled
    assert screen.source.value == screen.session.citekey == KOTTER
    assert (screen.session.number, screen.number.value, screen.number.max) == (1, 1, 12)
    assert screen.source.label == "Kotter, 1990 — What leaders really do (0/12)"
    assert len(screen.source.options) == 12
    assert screen.pad.text == passage_text(screen, KOTTER, 1) and screen.pad.marks == []
    assert screen.before.value == ""
    assert html.escape(passage_text(screen, KOTTER, 2)) in screen.after.value
    assert screen.pad.where == "Passage 1 of 12"
    assert screen.progress.value == "Judged 0 of 12 passages of this source · sources finished 0 of 12"
    assert_form_clear(screen)
    assert [c.value for c in screen.mine.children] == ["<i>none yet</i>"]
    # the next screen on this review remembers the coder, and starts without asking
    again = CodingScreen(Review.load(review_copy))
    assert again.coder.value == "coder-d"


def test_the_remembered_coder_starts_at_once_once_they_have_a_file(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "management")
    save(screen)
    again = CodingScreen(Review.load(review_copy))
    again.start.click()
    assert again.session.coder == "coder-d" and again.confirm.children == ()


def test_someone_elses_name_asks_who_you_are(review_copy):
    screen = CodingScreen(Review.load(review_copy))
    screen.coder.value = "coder-b"
    screen.start.click()
    assert screen.session is None
    assert "coder-b is a coder with codings in this review already" in html.unescape(screen.coder_message.value)
    assert [b.description for b in screen.confirm.children] == ["I am coder-b", "Cancel"]
    screen.confirm.children[1].click()  # Cancel
    assert screen.session is None and screen.confirm.children == () and screen.coder_message.value == ""
    screen.start.click()
    screen.confirm.children[0].click()
    assert screen.session.coder == "coder-b"
    # coder-b has finished all but Bass and Schmalenberg & Kramer
    assert screen.source.value == screen.session.citekey == "Bass1985Beyond"
    assert len([label for label, _ in screen.source.options if label.startswith("✓ ")]) == 10


def test_a_bad_coder_name_is_an_error_shown_by_the_name(review_copy):
    screen = CodingScreen(Review.load(review_copy))
    screen.coder.value = "coder d"
    screen.start.click()
    assert 'class="lc-error"' in screen.coder_message.value
    assert html.unescape(screen.coder_message.value).endswith(
        "'coder d' cannot name a coder file: it holds ' ', which a coder's name may not hold; use letters, digits, "
        "'-' or '_' (e.g. coder-a)</span>")
    assert screen.session is None and screen.workspace.layout.display == "none"
    assert not (review_copy / ".litcoder" / "coder").exists()
    screen.coder.value = ""
    screen.start.click()
    assert "it is empty" in screen.coder_message.value


def test_a_practice_coder_codes_into_the_practice_folder_and_counts_nowhere(review_copy):
    screen = started(review_copy, "trial-1", practice=True)
    assert screen.session.practice and "practice" in screen.coder_message.value
    screen.number.value = 3
    fill(screen, "planning", "management", P3_QUOTE)
    save(screen)
    assert status(screen) == ("ok", "saved to corpus/codings/practice/trial-1.csv: Planning, management")
    assert not coder_file(review_copy, "trial-1").exists()
    [row] = read_rows(review_copy / "corpus/codings/practice/trial-1.csv")
    assert row["quote"] == P3_QUOTE
    review = Review.load(review_copy)
    assert "trial-1" not in set(review.codings["coder"])
    assert not any("practice" in str(p.file) for p in review.problems)  # the practice folder is not a problem
    # the practice coder comes back to their own codings
    again = started(review_copy, "trial-1")
    assert again.session.practice and len(again.session.my_codings(3)) == 1


# ---------------------------------------------------------------- saving


def test_save_writes_the_selected_words_clears_the_form_and_marks_the_coding(review_copy):
    screen = started(review_copy)
    screen.number.value = 3
    assert screen.session.number == 3 and screen.pad.text == passage_text(screen, KOTTER, 3)
    fill(screen, "planning", "management", P3_QUOTE, memo=" targets ")
    save(screen)
    [row] = read_rows(coder_file(review_copy))
    assert {k: row[k] for k in ("citekey", "passage", "quote", "competency", "framing", "memo", "start", "end")} == {
        "citekey": KOTTER, "passage": "3", "quote": P3_QUOTE, "competency": "planning", "framing": "management",
        "memo": "targets", "start": "1138", "end": "1194"}
    assert status(screen) == ("ok", "saved to corpus/codings/coder-d.csv: Planning, management")
    assert_form_clear(screen)
    assert (screen.session.citekey, screen.session.number, screen.number.value) == (KOTTER, 3, 3)
    [listed] = coding_rows(screen)
    text, edit, remove, history = listed.children
    assert "<b>Planning</b>" in text.value and f"“{P3_QUOTE}”" in text.value and "<i>targets</i>" in text.value
    assert 'class="lc-tag management"' in text.value
    assert (edit.description, remove.description, history.description) == ("Edit", "Remove", "History")
    start = screen.pad.text.index(P3_QUOTE)
    assert screen.pad.marks == [{"id": row["id"], "start": start, "end": start + len(P3_QUOTE), "label": "Planning",
                                 "framing": "management"}]
    assert screen.source.label == "Kotter, 1990 — What leaders really do (1/12)"
    assert screen.progress.value.startswith("Judged 1 of 12 passages")


def test_the_selected_occurrence_is_the_one_saved_when_words_repeat(review_copy):
    screen = started(review_copy)
    text = screen.pad.text
    word = "leadership" if text.count("leadership") > 1 else next(
        w for w in text.split() if len(w) > 3 and text.count(w) > 1)
    fill(screen, "setting-vision", "leadership", word, occurrence=1)
    save(screen)
    [row] = read_rows(coder_file(review_copy))
    second = text.index(word, text.index(word) + 1)
    at = int(screen.session.passages.iloc[0]["start"]) + second
    assert (int(row["start"]), int(row["end"])) == (at, at + len(word))


def test_no_selection_quotes_the_whole_passage(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "neither")
    save(screen)
    [row] = read_rows(coder_file(review_copy))
    assert row["quote"] == passage_text(screen, KOTTER, 1)


@pytest.mark.parametrize("competency, framing, message", [
    ("", "management", "choose a competency: press / and type part of its name (or a suggestion's key)"),
    ("Plann", "management", "choose a competency: press / and type part of its name (or a suggestion's key)"),
    ("planning", None, "choose how the source frames it: 1 leadership, 2 management, 3 both, 4 neither"),
])
def test_save_without_competency_or_framing_is_an_error_and_writes_nothing(review_copy, competency, framing,
                                                                           message):
    screen = started(review_copy)
    screen.number.value = 3
    fill(screen, competency, framing, P3_QUOTE)
    save(screen)
    assert status(screen) == ("error", message)
    assert not coder_file(review_copy).exists()
    assert screen.pad.selection != [] and coding_rows(screen) == []


def test_a_selection_outside_the_passage_is_refused_and_the_form_kept(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "management", memo="my memo")
    screen.pad.selection = [5, len(screen.pad.text) + 40]
    save(screen)
    assert status(screen)[0] == "error" and "select again" in status(screen)[1]
    assert not coder_file(review_copy).exists()
    assert (screen.pad.competency, screen.pad.framing, screen.memo.value) == ("planning", "management", "my memo")


def test_the_codebook_search_covers_label_id_definition_and_indicators(review_copy):
    screen = started(review_copy)
    choices = {c["id"]: c for c in screen.pad.competencies}
    assert len(choices) == len(screen.review.codebook)
    planning = choices["planning"]
    assert (planning["label"], planning["group"]) == ("Planning", "Keeping the organisation on track")
    assert "planning" in planning["haystack"] and "milestones" in planning["haystack"]  # an indicator's word
    assert "timetable" in planning["haystack"]  # the definition's


# ---------------------------------------------------------------- editing, removing, undo, history


def _one_saved(root: Path) -> CodingScreen:
    screen = started(root)
    screen.number.value = 3
    fill(screen, "planning", "management", P3_QUOTE, memo="first")
    save(screen)
    return screen


def test_edit_loads_the_coding_and_save_changes_updates_the_row(review_copy):
    screen = _one_saved(review_copy)
    [saved] = read_rows(coder_file(review_copy))
    coding_rows(screen)[0].children[1].click()  # Edit
    start = screen.pad.text.index(P3_QUOTE)
    assert screen.editing == saved["id"] == screen.pad.editing
    assert (screen.pad.competency, screen.pad.framing, screen.pad.selection, screen.memo.value) == (
        "planning", "management", [start, start + len(P3_QUOTE)], "first")
    fill(screen, "setting-vision", "both", "targets for the coming year", memo="second")
    save(screen)
    assert status(screen) == ("ok", "changes saved")
    [row] = read_rows(coder_file(review_copy))
    assert {k: row[k] for k in ("id", "competency", "framing", "quote", "memo", "coded_at")} == {
        "id": saved["id"], "competency": "setting-vision", "framing": "both", "quote": "targets for the coming year",
        "memo": "second", "coded_at": saved["coded_at"]}
    assert row["edited_at"] >= saved["coded_at"]
    text = screen.review.texts[KOTTER]
    assert text[int(row["start"]):int(row["end"])] == "targets for the coming year"
    assert_form_clear(screen)
    assert "<b>Setting a vision</b>" in coding_rows(screen)[0].children[0].value


def test_clicking_a_marked_quote_edits_that_coding(review_copy):
    screen = _one_saved(review_copy)
    [saved] = read_rows(coder_file(review_copy))
    screen.pad.press("edit", id=saved["id"])
    assert screen.editing == saved["id"] and screen.pad.competency == "planning"


def test_cancel_edit_leaves_the_row_as_it_was(review_copy):
    screen = _one_saved(review_copy)
    before = coder_file(review_copy).read_bytes()
    coding_rows(screen)[0].children[1].click()
    screen.pad.framing = "leadership"
    screen.pad.press("cancel")
    assert_form_clear(screen)
    assert coder_file(review_copy).read_bytes() == before
    # a save after cancelling is a new coding, not an edit
    fill(screen, "budgeting", "management", "allocates money")
    save(screen)
    assert [r["competency"] for r in read_rows(coder_file(review_copy))] == ["planning", "budgeting"]


def test_remove_offers_undo_and_undo_brings_the_coding_back(review_copy):
    screen = _one_saved(review_copy)
    fill(screen, "budgeting", "management", "allocates money and other resources to each step")
    save(screen)
    rows = coding_rows(screen)
    [planning] = [r for r in read_rows(coder_file(review_copy)) if r["competency"] == "planning"]
    rows[0].children[2].click()  # Remove the planning coding
    assert status(screen) == ("ok", "coding removed (Planning): press z or Undo to bring it back")
    assert [r["competency"] for r in read_rows(coder_file(review_copy))] == ["budgeting"]
    assert len(coding_rows(screen)) == 1 and len(screen.pad.marks) == 1
    screen.pad.press("undo")
    assert status(screen) == ("ok", "the removed coding is back")
    back = [r for r in read_rows(coder_file(review_copy)) if r["competency"] == "planning"]
    assert [{k: r[k] for k in ("id", "quote", "start", "end", "coded_at")} for r in back] == [
        {k: planning[k] for k in ("id", "quote", "start", "end", "coded_at")}]
    assert len(coding_rows(screen)) == 2
    history = read_rows(review_copy / "corpus/codings/history/coder-d.csv")
    assert [h["change"] for h in history] == ["removed", "restored"]


def test_undo_takes_back_a_save_then_an_edit(review_copy):
    screen = _one_saved(review_copy)
    coding_rows(screen)[0].children[1].click()
    fill(screen, "planning", "leadership", P3_QUOTE, memo="first")
    save(screen)
    assert read_rows(coder_file(review_copy))[0]["framing"] == "leadership"
    screen.pad.press("undo")
    assert status(screen) == ("ok", "the coding is back as it was before the edit")
    [row] = read_rows(coder_file(review_copy))
    assert (row["framing"], row["quote"]) == ("management", P3_QUOTE)
    screen.pad.press("undo")
    assert read_rows(coder_file(review_copy)) == [] and coding_rows(screen) == []
    screen.pad.press("undo")
    assert status(screen) == ("error", "nothing to undo in this session")


def test_history_shows_the_earlier_values_of_a_coding(review_copy):
    screen = _one_saved(review_copy)
    coding_rows(screen)[0].children[1].click()
    fill(screen, "planning", "leadership", P3_QUOTE, memo="second thoughts")
    save(screen)
    coding_rows(screen)[0].children[3].click()  # History
    shown = html.unescape(screen.history.value)
    assert "management" in shown and "leadership" in shown and "second thoughts" in shown


# ---------------------------------------------------------------- moving around, judging passages


def test_next_previous_next_unjudged_and_the_passage_box_move(review_copy):
    screen = started(review_copy)
    screen.pad.press("next")
    assert (screen.session.number, screen.number.value) == (2, 2)
    assert screen.pad.text == passage_text(screen, KOTTER, 2)
    assert html.escape(passage_text(screen, KOTTER, 1)) in screen.before.value
    screen.pad.press("previous")
    assert screen.session.number == 1
    screen.pad.press("previous")
    assert screen.session.number == 1 and status(screen) == ("plain", "no further passage that way")
    screen.number.value = 7
    assert screen.session.number == 7 and screen.pad.text == passage_text(screen, KOTTER, 7)
    assert screen.pad.where == "Passage 7 of 12"
    screen.number.value = 12
    screen.next_button.click()
    assert screen.session.number == 12 and status(screen)[1] == "no further passage that way"
    # code passage 1, judge 2 empty: from 1, the next unjudged is 3
    screen.number.value = 1
    fill(screen, "planning", "neither")
    save(screen)
    screen.number.value = 2
    screen.pad.press("nothing")
    assert screen.pad.nothing and status(screen) == ("ok", "marked: nothing to code in this passage")
    screen.number.value = 1
    screen.pad.press("uncoded")
    assert (screen.session.number, screen.number.value) == (3, 3)
    screen.number.value = 12
    screen.uncoded_button.click()  # wraps round past the judged 1 and 2
    assert screen.session.number == 3


def test_nothing_to_code_here_is_logged_taken_back_and_refused_where_coded(review_copy):
    screen = started(review_copy)
    screen.pad.press("nothing")
    assert screen.session.nothing_passages() == {1}
    assert [c.value for c in screen.mine.children] == [
        "<i>nothing to code here (you said so: 0 takes it back)</i>"]
    screen.pad.press("nothing")  # again: taken back
    assert not screen.pad.nothing and screen.session.nothing_passages() == set()
    screen.pad.press("nothing")
    fill(screen, "planning", "neither")
    save(screen)  # coded after all: no longer "nothing"
    assert screen.session.nothing_passages() == set() and not screen.pad.nothing
    screen.pad.press("nothing")
    assert status(screen)[0] == "error" and "remove your codings" in status(screen)[1]
    assert coverage_events(review_copy) == [("nothing", KOTTER, "1"), ("nothing-withdrawn", KOTTER, "1"),
                                            ("nothing", KOTTER, "1"), ("nothing-withdrawn", KOTTER, "1")]


def test_moving_clears_a_half_filled_form(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "management", "Kotter begins", memo="half done")
    screen.pad.press("next")
    assert_form_clear(screen)


def test_choosing_another_source_opens_it(review_copy):
    screen = started(review_copy)
    screen.source.value = GULICK
    assert (screen.session.citekey, screen.session.number, screen.number.max) == (GULICK, 1, 11)
    assert screen.pad.text == passage_text(screen, GULICK, 1)


def test_open_passage_shows_a_search_result(review_copy):
    screen = started(review_copy)
    screen.open_passage(GULICK, 4)
    assert (screen.source.value, screen.session.citekey, screen.session.number) == (GULICK, GULICK, 4)
    assert screen.pad.text == passage_text(screen, GULICK, 4)


def test_a_pdf_source_shows_the_page_of_each_passage(review_copy):
    screen = started(review_copy)
    screen.source.value = "Zaleznik1977ManagersLeaders"
    assert screen.pad.where == "Passage 1 of 11 (p. 1)"
    pages = screen.session.passages.set_index("passage")["pdf_page"]
    last_on_first_page = int(pages[pages == 1].index.max())
    screen.number.value = last_on_first_page + 1
    assert screen.pad.where == f"Passage {last_on_first_page + 1} of 11 (p. 2)"


# ---------------------------------------------------------------- suggestions


def test_a_suggestion_offers_the_competency_only(review_copy):
    screen = started(review_copy)
    screen.number.value = 3
    suggestions = screen.session.suggestions()
    assert screen.pad.quick == [{"id": s["competency"], "label": s["label"], "framing": s["framing"],
                                 "why": "suggested"} for s in suggestions]
    screen.pad.competency = screen.pad.quick[0]["id"]  # the key q
    assert screen.pad.framing == ""  # the framing stays the coder's to choose
    assert not coder_file(review_copy).exists()
    screen.pad.framing = "both"
    save(screen)
    [row] = read_rows(coder_file(review_copy))
    assert (row["competency"], row["framing"]) == (suggestions[0]["competency"], "both")
    # on the next passage, the competency just used is offered on a key as well
    screen.pad.press("next")
    assert row["competency"] in [q["id"] for q in screen.pad.quick]
    assert len(screen.pad.quick) <= 5


# ---------------------------------------------------------------- finishing, other coders


def test_finishing_with_unjudged_passages_asks_and_names_them(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "neither")
    save(screen)
    screen.pad.press("next")
    screen.pad.press("nothing")
    screen.finish_button.click()
    assert not screen.session.is_finished()
    message, go, anyway, keep = screen.finish_confirm.children
    assert "10 of Kotter1990WhatLeaders's passages are not judged yet (3–12)" in html.unescape(message.value)
    assert (go.description, anyway.description, keep.description) == (
        "Go to passage 3", "Finish anyway", "Keep coding")
    go.click()
    assert screen.session.number == 3 and screen.finish_confirm.children == ()
    screen.finish_button.click()
    screen.finish_confirm.children[2].click()  # Finish anyway
    assert screen.session.is_finished()
    assert coverage_events(review_copy)[-1] == ("finished", KOTTER, "")
    unread = ", ".join(map(str, range(3, 13)))
    assert read_rows(review_copy / "corpus/coverage/coder-d.csv")[-1]["note"] == f"unread: {unread}"


def test_other_coders_are_hidden_until_finished_and_seeing_them_is_recorded(review_copy):
    screen = started(review_copy)
    assert screen.show_others.disabled and not screen.show_others.value
    screen.show_others.value = True  # even ticked behind the screen's back, the others stay hidden
    assert screen.others.value == "<i>other coders&#x27; codings are shown once you mark this source finished</i>"
    screen.show_others.value = False
    for _ in range(12):
        screen.pad.press("nothing")
        screen.pad.press("next")
    screen.finish_button.click()
    assert screen.session.is_finished() and screen.finish_button.description == "Reopen source"
    assert not screen.show_others.disabled and "this source is finished" in screen.progress.value
    assert screen.source.label.startswith("✓ Kotter, 1990")
    assert "revealed" not in [e for e, _, _ in coverage_events(review_copy)]
    screen.number.value = 3
    screen.show_others.value = True
    others = screen.others.value
    for coding in screen.session.others_codings():
        assert f'{coding["coder"]}: <b>' in others and html.escape(coding["quote"]) in others
    assert [e for e, _, _ in coverage_events(review_copy)].count("revealed") == 1
    screen.finish_button.click()  # reopen: the record stays, and the coder is told what it means
    assert screen.finish_button.description == "Mark source finished"
    assert screen.show_others.disabled and not screen.show_others.value and screen.others.value == ""
    assert status(screen)[0] == "warn" and "left out of agreement" in status(screen)[1]
    events = [e for e, _, _ in coverage_events(review_copy)]
    assert events[-3:] == ["finished", "revealed", "reopened"]


# ---------------------------------------------------------------- bugs


@pytest.mark.parametrize("action", ["save", "finish", "remove"])
def test_the_screen_stays_on_the_source_being_coded(review_copy, action):
    if action == "remove":  # a coding saved earlier, to remove on the screen
        session = CodingSession(Review.load(review_copy), "coder-d")
        session.open(GULICK)
        session.go(4)
        session.save("organizing", "management", GULICK_P4_QUOTE)
    screen = started(review_copy)
    screen.source.value = GULICK
    screen.number.value = 4
    if action == "save":
        fill(screen, "organizing", "management", GULICK_P4_QUOTE)
        save(screen)
        assert [r["citekey"] for r in read_rows(coder_file(review_copy))] == [GULICK]
    elif action == "finish":
        screen.finish_button.click()
        screen.finish_confirm.children[2].click()
        assert screen.session.is_finished(GULICK)
    else:
        coding_rows(screen)[0].children[2].click()
        assert read_rows(coder_file(review_copy)) == []
    assert (screen.source.value, screen.session.citekey, screen.session.number) == (GULICK, GULICK, 4)
    assert screen.pad.text == passage_text(screen, GULICK, 4)


def test_choosing_a_shorter_source_opens_it_at_its_first_unjudged_passage(review_copy):
    screen = started(review_copy)
    screen.number.value = 12  # Kotter has 12 passages, Gulick 11
    screen.source.value = GULICK
    assert (screen.session.citekey, screen.session.number, screen.number.value) == (GULICK, 1, 1)


def test_a_save_shows_what_the_coder_file_had_to_tell(review_copy):
    path = coder_file(review_copy, "coder-a")
    with open(path, "ab") as f:  # a power cut left half a row at the end of the file
        f.write(b'coder-a-0999,Kotter1990WhatLeaders,3,"The manager decides on tar')
    screen = started(review_copy, "coder-a")
    screen.source.value = KOTTER
    screen.number.value = 3
    fill(screen, "planning", "management", P3_QUOTE)
    save(screen)
    assert status(screen) == ("ok", "saved to corpus/codings/coder-a.csv: Planning, management")
    assert ("note: coder-a.csv: its last row (line 187) was cut off (a crash during a save?); it was moved to "
            "coder-a.csv.torn so that you can check it") in html.unescape(screen.notes.value)
    assert (path.parent / "coder-a.csv.torn").read_text(encoding="utf-8").startswith("coder-a-0999,")
    assert read_rows(path)[-1]["quote"] == P3_QUOTE
