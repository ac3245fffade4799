"""The coding screen (ipywidgets) driven in plain Python: set widget values, click buttons.

Each test opens CodingScreen on a copy of the bundled review, as a new coder (coder-d)
unless it says otherwise, and checks what the screen shows and what lands in
corpus/codings/coder-d.csv.
"""

from __future__ import annotations

import html
import re
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




def started(root: Path, coder: str = "coder-d") -> CodingScreen:
    screen = CodingScreen(Review.load(root))
    screen.coder.value = coder
    screen.start.click()
    return screen


def passage_text(screen: CodingScreen, citekey: str, number: int) -> str:
    p = screen.review.passages
    return p[(p["citekey"] == citekey) & (p["passage"] == number)]["text"].item()


def fill(screen: CodingScreen, competency: str, framing: str | None, quote: str | None = None, memo: str = "") -> None:
    screen.competency.value = screen.choice_of.get(competency, competency)
    screen.framing.value = framing
    if quote is not None:
        screen.quote.value = quote
    screen.memo.value = memo


def coding_rows(screen: CodingScreen) -> list:
    """The rows of 'Your codings of this passage': (HTML, Edit, Remove) boxes."""
    return [row for row in screen.mine.children if hasattr(row, "children")]


def status(screen: CodingScreen) -> tuple[str, str]:
    """('ok' | 'error', the message) of the status line."""
    value = screen.status.value
    kind = "error" if 'class="lc-error"' in value else "ok" if 'class="lc-ok"' in value else ""
    return kind, html.unescape(value.split(">", 1)[1].rsplit("<", 1)[0]) if value else ""


def assert_form_clear(screen: CodingScreen) -> None:
    assert screen.competency.value == ""
    assert screen.framing.value is None
    assert screen.memo.value == ""
    assert screen.quote.value == screen.session.passage["text"]
    assert screen.save_button.description == "Save coding"
    assert screen.cancel_button.layout.display == "none"
    assert screen.editing is None


# ---------------------------------------------------------------- starting


def test_start_shows_the_workspace_on_the_first_unfinished_source(review_copy):
    screen = CodingScreen(Review.load(review_copy))
    assert screen.workspace.layout.display == "none" and screen.source.disabled
    assert screen.coder.value == "" and list(screen.coder.options) == ["coder-a", "coder-b", "coder-c"]
    screen.coder.value = " coder-d "
    screen.start.click()
    assert screen.session.coder == "coder-d"
    assert screen.workspace.layout.display == "flex" and not screen.source.disabled
    assert screen.source.value == screen.session.citekey == KOTTER
    assert (screen.session.number, screen.number.value, screen.number.max) == (1, 1, 12)
    assert screen.source.label == "Kotter, 1990 — What Leaders Really Do (0/12)"
    assert len(screen.source.options) == 12
    assert screen.text.value == f'<div class="lc-passage">{html.escape(passage_text(screen, KOTTER, 1))}</div>'
    assert screen.before.value == ""
    assert html.escape(passage_text(screen, KOTTER, 2)) in screen.after.value
    assert screen.progress.value == "Passage 1 of 12 · coded 0 of 12 · sources finished 0 of 12"
    assert_form_clear(screen)
    assert [c.value for c in screen.mine.children] == ["<i>none yet</i>"]
    # the next screen on this review remembers the coder
    assert CodingScreen(Review.load(review_copy)).coder.value == "coder-d"


def test_a_coder_starts_on_the_first_source_they_have_not_finished(review_copy):
    screen = started(review_copy, "coder-b")  # coder-b has finished all but Bass and Schmalenberg & Kramer
    assert screen.source.value == screen.session.citekey == "Bass1985Beyond"
    finished = [label for label, _ in screen.source.options if label.startswith("✓ ")]
    assert len(finished) == 10


def test_a_bad_coder_name_is_an_error_and_the_workspace_stays_hidden(review_copy):
    screen = CodingScreen(Review.load(review_copy))
    screen.coder.value = "coder d"
    screen.start.click()
    assert status(screen) == ("error", "'coder d' cannot name a coder file: it holds ' ', which a coder's name "
                                       "may not hold; use letters, digits, '-' or '_' (e.g. coder-a)")
    assert screen.session is None and screen.workspace.layout.display == "none"
    assert not (review_copy / ".litcoder" / "coder").exists()


def test_passage_text_is_shown_escaped(review_copy):
    path = review_copy / "corpus" / "sources" / f"{KOTTER}.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Kotter begins by", "Kotter <script>alert(\"x\")</script> & <b>begins</b> by", 1)
    text = text.replace("The organising contrast", "The <img src=x onerror=alert(1)> contrast", 1)
    path.write_text(text, encoding="utf-8")
    screen = started(review_copy)
    assert "<script>" not in screen.text.value and "<b>" not in screen.text.value
    assert ("Kotter &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;begins&lt;/b&gt; by"
            in screen.text.value)
    assert "<img" not in screen.after.value and "The &lt;img src=x onerror=alert(1)&gt; contrast" in screen.after.value
    # a coding of the unsafe words: highlighted, still escaped, in the passage and in the list
    fill(screen, "charisma", "neither", 'Kotter <script>alert("x")</script> &', memo="<i>memo</i>")
    screen.save_button.click()
    assert status(screen)[0] == "ok"
    assert ('<mark>Kotter &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;</mark> &lt;b&gt;begins'
            in screen.text.value)
    [row] = coding_rows(screen)
    shown = row.children[0].value
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "&lt;i&gt;memo&lt;/i&gt;" in shown
    screen.next_button.click()
    assert "<script>" not in screen.before.value and "&lt;script&gt;" in screen.before.value


# ---------------------------------------------------------------- saving


def test_save_writes_the_row_clears_the_form_and_lists_the_coding(review_copy):
    screen = started(review_copy)
    screen.number.value = 3
    assert screen.session.number == 3 and screen.quote.value == passage_text(screen, KOTTER, 3)
    label = screen.choice_of["planning"]
    assert label == "Planning — Keeping the organisation on track"
    assert label in screen.competency.options
    fill(screen, "planning", "management", "  " + P3_QUOTE + "  ", memo="targets")
    screen.save_button.click()
    [row] = read_rows(coder_file(review_copy))
    assert {k: row[k] for k in ("citekey", "passage", "quote", "competency", "framing", "memo", "start", "end")} == {
        "citekey": KOTTER, "passage": "3", "quote": P3_QUOTE, "competency": "planning", "framing": "management",
        "memo": "targets", "start": "1138", "end": "1194"}
    assert status(screen) == ("ok", "saved to corpus/codings/coder-d.csv")
    assert_form_clear(screen)
    assert (screen.session.citekey, screen.session.number, screen.number.value) == (KOTTER, 3, 3)
    [listed] = coding_rows(screen)
    text, edit, remove = listed.children
    assert "<b>Planning</b>" in text.value and f"“{P3_QUOTE}”" in text.value and "<i>targets</i>" in text.value
    assert 'class="lc-tag management"' in text.value
    assert (edit.description, remove.description) == ("Edit", "Remove")
    assert f"<mark>{P3_QUOTE}</mark>" in screen.text.value
    assert screen.source.label == "Kotter, 1990 — What Leaders Really Do (1/12)"
    assert "coded 1 of 12" in screen.progress.value


@pytest.mark.parametrize("competency, framing, message", [
    ("", "management", "choose a competency: type part of its name and pick it from the list"),
    ("Plann", "management", "choose a competency: type part of its name and pick it from the list"),
    ("planning", None, "choose how the source frames it: leadership, management, both or neither"),
])
def test_save_without_competency_or_framing_is_an_error_and_writes_nothing(review_copy, competency, framing,
                                                                           message):
    screen = started(review_copy)
    screen.number.value = 3
    fill(screen, competency, framing, P3_QUOTE)
    screen.save_button.click()
    assert status(screen) == ("error", message)
    assert not coder_file(review_copy).exists()
    assert screen.quote.value == P3_QUOTE
    assert coding_rows(screen) == []


def test_a_bad_quote_is_an_error_and_the_form_keeps_the_coding(review_copy):
    screen = started(review_copy)
    screen.number.value = 3
    fill(screen, "planning", "management", "The boss decides on targets", memo="my memo")
    screen.save_button.click()
    assert status(screen) == ("error", "the quote is not in this passage: narrow it by deleting words, "
                                       "not by retyping")
    assert not coder_file(review_copy).exists()
    assert screen.quote.value == "The boss decides on targets"
    assert screen.competency.value == screen.choice_of["planning"]
    assert screen.framing.value == "management" and screen.memo.value == "my memo"
    # fixed in the form, it saves
    screen.quote.value = P3_QUOTE
    screen.save_button.click()
    assert status(screen)[0] == "ok" and len(read_rows(coder_file(review_copy))) == 1


def test_whole_passage_button_restores_the_quote(review_copy):
    screen = started(review_copy)
    screen.quote.value = "Kotter begins"
    screen.whole.click()
    assert screen.quote.value == passage_text(screen, KOTTER, 1)


# ---------------------------------------------------------------- editing and removing


def _one_saved(root: Path) -> CodingScreen:
    screen = started(root)
    screen.number.value = 3
    fill(screen, "planning", "management", P3_QUOTE, memo="first")
    screen.save_button.click()
    return screen


def test_edit_button_loads_the_form_and_save_changes_updates_the_row(review_copy):
    screen = _one_saved(review_copy)
    [saved] = read_rows(coder_file(review_copy))
    [listed] = coding_rows(screen)
    listed.children[1].click()  # Edit
    assert screen.editing == saved["id"]
    assert screen.competency.value == screen.choice_of["planning"]
    assert (screen.framing.value, screen.quote.value, screen.memo.value) == ("management", P3_QUOTE, "first")
    assert screen.save_button.description == "Save changes" and screen.cancel_button.layout.display == "inline-flex"
    fill(screen, "setting-vision", "both", "targets for the coming year", memo="second")
    screen.save_button.click()
    assert status(screen) == ("ok", "changes saved")
    [row] = read_rows(coder_file(review_copy))
    assert {k: row[k] for k in ("id", "competency", "framing", "quote", "memo", "coded_at")} == {
        "id": saved["id"], "competency": "setting-vision", "framing": "both", "quote": "targets for the coming year",
        "memo": "second", "coded_at": saved["coded_at"]}
    text = screen.review.texts[KOTTER]
    assert text[int(row["start"]):int(row["end"])] == "targets for the coming year"
    assert_form_clear(screen)
    [listed] = coding_rows(screen)
    assert "<b>Setting a vision</b>" in listed.children[0].value


def test_cancel_edit_leaves_the_row_as_it_was(review_copy):
    screen = _one_saved(review_copy)
    before = coder_file(review_copy).read_bytes()
    coding_rows(screen)[0].children[1].click()
    screen.framing.value = "leadership"
    screen.cancel_button.click()
    assert_form_clear(screen)
    assert coder_file(review_copy).read_bytes() == before
    # a save after cancelling is a new coding, not an edit
    fill(screen, "budgeting", "management", "allocates money")
    screen.save_button.click()
    assert [r["competency"] for r in read_rows(coder_file(review_copy))] == ["planning", "budgeting"]


def test_remove_button_removes_the_coding(review_copy):
    screen = _one_saved(review_copy)
    fill(screen, "budgeting", "management", "allocates money and other resources to each step")
    screen.save_button.click()
    rows = coding_rows(screen)
    assert len(rows) == 2
    rows[0].children[2].click()  # Remove the planning coding
    assert status(screen) == ("ok", "coding removed")
    assert [r["competency"] for r in read_rows(coder_file(review_copy))] == ["budgeting"]
    [left] = coding_rows(screen)
    assert "<b>Budgeting</b>" in left.children[0].value
    assert "<mark>" + P3_QUOTE not in screen.text.value
    left.children[2].click()
    assert read_rows(coder_file(review_copy)) == []
    assert [c.value for c in screen.mine.children] == ["<i>none yet</i>"]


# ---------------------------------------------------------------- moving around


def test_next_previous_next_uncoded_and_the_passage_box_move(review_copy):
    screen = started(review_copy)
    screen.next_button.click()
    assert (screen.session.number, screen.number.value) == (2, 2)
    assert screen.text.value == f'<div class="lc-passage">{html.escape(passage_text(screen, KOTTER, 2))}</div>'
    assert html.escape(passage_text(screen, KOTTER, 1)) in screen.before.value
    screen.previous_button.click()
    assert screen.session.number == 1
    screen.previous_button.click()
    assert screen.session.number == 1 and status(screen) == ("ok", "no further passage that way")
    screen.number.value = 7
    assert screen.session.number == 7 and html.escape(passage_text(screen, KOTTER, 7)) in screen.text.value
    assert screen.progress.value.startswith("Passage 7 of 12")
    screen.number.value = 12
    screen.next_button.click()
    assert screen.session.number == 12 and status(screen)[1] == "no further passage that way"
    # code passages 1 and 2; from 1, next uncoded is 3
    for number in (1, 2):
        screen.number.value = number
        fill(screen, "planning", "neither")
        screen.save_button.click()
    screen.number.value = 1
    screen.uncoded_button.click()
    assert (screen.session.number, screen.number.value) == (3, 3)
    screen.number.value = 12
    screen.uncoded_button.click()  # wraps round past the coded 1 and 2
    assert screen.session.number == 3


def test_moving_clears_a_half_filled_form(review_copy):
    screen = started(review_copy)
    fill(screen, "planning", "management", "Kotter begins", memo="half done")
    screen.next_button.click()
    assert_form_clear(screen)
    assert screen.quote.value == passage_text(screen, KOTTER, 2)


def test_choosing_another_source_opens_it(review_copy):
    screen = started(review_copy)
    screen.source.value = GULICK
    assert (screen.session.citekey, screen.session.number, screen.number.max) == (GULICK, 1, 11)
    assert html.escape(passage_text(screen, GULICK, 1)) in screen.text.value


def test_a_pdf_source_shows_the_page_of_each_passage(review_copy):
    screen = started(review_copy)
    screen.source.value = "Zaleznik1977ManagersLeaders"
    assert screen.progress.value.startswith("Passage 1 of 11 (p. 1) · coded 0 of 11")
    pages = screen.session.passages.set_index("passage")["pdf_page"]
    last_on_first_page = int(pages[pages == 1].index.max())
    screen.number.value = last_on_first_page + 1
    assert screen.progress.value.startswith(f"Passage {last_on_first_page + 1} of 11 (p. 2)")


# ---------------------------------------------------------------- suggestions


def test_a_suggestion_fills_competency_and_framing_but_does_not_save(review_copy):
    screen = started(review_copy)
    screen.number.value = 3
    suggestions = screen.session.suggestions()
    buttons = screen.suggested.children[1:]
    assert screen.suggested.children[0].value == "Suggested: "
    assert [b.description for b in buttons] == [s["label"] + (f" · {s['framing']}" if s["framing"] else "")
                                                for s in suggestions]
    buttons[0].click()
    assert screen.competency.value == screen.choice_of[suggestions[0]["competency"]]
    assert screen.framing.value == (suggestions[0]["framing"] or None)
    assert not coder_file(review_copy).exists()
    assert coding_rows(screen) == []
    screen.save_button.click()  # the coder still saves
    [row] = read_rows(coder_file(review_copy))
    assert (row["competency"], row["framing"]) == (suggestions[0]["competency"], suggestions[0]["framing"])


# ---------------------------------------------------------------- finishing, other coders


def test_other_coders_are_hidden_until_the_source_is_finished(review_copy):
    screen = started(review_copy)
    assert screen.show_others.disabled and not screen.show_others.value
    assert screen.others.value == ""
    assert screen.finish_button.description == "Mark source finished"
    # even ticked behind the screen's back, the others stay hidden
    screen.show_others.value = True
    assert "coder-a" not in screen.others.value
    assert screen.others.value == "<i>other coders&#x27; codings are shown once you mark this source finished</i>"
    screen.show_others.value = False

    screen.finish_button.click()
    assert screen.finish_button.description == "Reopen source"
    assert not screen.show_others.disabled
    assert "this source is finished" in screen.progress.value
    assert screen.source.label.startswith("✓ Kotter, 1990")
    assert [r["citekey"] for r in read_rows(review_copy / "corpus" / "coverage" / "coder-d.csv")] == [KOTTER]
    assert screen.others.value == ""  # shown only when asked for
    screen.show_others.value = True
    others = screen.others.value
    for coding in screen.session.others_codings():
        assert f'{coding["coder"]}: <b>' in others and html.escape(coding["quote"]) in others
    assert others.count('<div class="lc-coding">') == 3
    screen.number.value = 12  # nobody coded passage 12
    assert screen.others.value == "<i>no other coder coded this passage</i>"

    screen.finish_button.click()  # reopen
    assert screen.finish_button.description == "Mark source finished"
    assert screen.show_others.disabled and not screen.show_others.value and screen.others.value == ""
    assert read_rows(review_copy / "corpus" / "coverage" / "coder-d.csv") == []


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
        screen.save_button.click()
        assert [r["citekey"] for r in read_rows(coder_file(review_copy))] == [GULICK]
    elif action == "finish":
        screen.finish_button.click()
        assert screen.session.is_finished(GULICK)
    else:
        coding_rows(screen)[0].children[2].click()
        assert read_rows(coder_file(review_copy)) == []
    assert (screen.source.value, screen.session.citekey, screen.session.number) == (GULICK, GULICK, 4)
    assert html.escape(passage_text(screen, GULICK, 4)) in re.sub("</?mark>", "", screen.text.value)


def test_choosing_a_shorter_source_opens_it_at_its_first_uncoded_passage(review_copy):
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
    screen.save_button.click()
    assert 'class="lc-ok">saved to corpus/codings/coder-a.csv</span>' in screen.status.value
    assert ("note: coder-a.csv: its last row (line 187) was cut off (a crash during a save?); it was moved to "
            "coder-a.csv.torn so that you can check it") in html.unescape(screen.status.value)
    assert (path.parent / "coder-a.csv.torn").read_text(encoding="utf-8").startswith("coder-a-0999,")
    assert read_rows(path)[-1]["quote"] == P3_QUOTE
    screen.save_button.click()  # told once
    assert "note:" not in screen.status.value
