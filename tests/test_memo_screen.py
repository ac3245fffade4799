"""The memo screen: write a memo, read it back, and never overwrite one changed meanwhile."""

from __future__ import annotations

import pytest

from litcoder import Review
from litcoder.inputs.memos import MemoChanged
from litcoder.screens.memos import MemoSession, memo_screen


def test_a_memo_written_on_the_screen_is_read_back_with_its_backlinks(review_copy):
    review = Review.load(review_copy)
    session = MemoSession(review, "competency", "staffing")
    assert session.read() == ""
    assert session.linked_from() == ["source: Hibner2013ManagementVsLeadership"]  # the bundled memo links to it
    assert session.save("Rotas count as staffing.\n") == "Saved to corpus/memos/competency/staffing.md"
    assert Review.load(review_copy).memos.set_index("id").loc["staffing", "text"] == "Rotas count as staffing.\n"


def test_a_memo_changed_meanwhile_is_kept_and_the_second_save_goes_through(review_copy):
    review = Review.load(review_copy)
    mine = MemoSession(review, "competency", "charisma")
    theirs = MemoSession(review, "competency", "charisma")
    theirs.save(theirs.read() + "\nAdded in another window.\n")
    with pytest.raises(MemoChanged) as raised:
        mine.save("My version.\n")
    assert "Added in another window." in raised.value.current
    path = review_copy / "corpus" / "memos" / "competency" / "charisma.md"
    assert "Added in another window." in path.read_text(encoding="utf-8")  # theirs kept
    mine.save(raised.value.current + "\nMy version.\n")  # merged
    assert path.read_text(encoding="utf-8").endswith("Added in another window.\n\nMy version.\n")


def test_the_screen_saves_and_says_so(review_copy):
    screen = memo_screen(Review.load(review_copy), "source", "Gulick1937Notes")
    box, save, message, shown = screen.children[1:]
    box.value = "POSDCORB, *seven* functions; see [[planning]]."
    assert "<em>seven</em>" in shown.value
    save.click()
    assert "Saved to corpus/memos/source/Gulick1937Notes.md" in message.value
    box.value = " "
    save.click()
    assert "Not saved" in message.value
