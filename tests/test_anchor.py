"""litcoder.inputs.anchor: quotes described in a source text and found again after real edits.

One realistic source (a branch library's working notes) is anchored at a handful of
quotes; each test applies one scripted edit to the text, named in the test's name, and
says exactly where each quote must be found in the edited text, how, or that it is an
orphan.
"""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from litcoder.inputs.anchor import CONTEXT, Anchor, Match, describe, locate

SOURCE = (
    "# Running a branch library\n"
    "\n"
    "The branch opens at nine, and the first hour belongs to the returns trolley. Staff chek\n"
    "in what came back overnight, shelve it by the Dewey number, and set aside anything\n"
    "damaged for repair. The catalogue is updated every Friday afternoon.\n"
    "\n"
    "📚 Reading groups meet on Tuesday evenings in the small room upstairs. The head\n"
    "librarian, Rene\u0301e Marchand, chairs the group and chooses the books a season ahead;\n"
    "she says the group’s choices should stretch its members rather than comfort them.\n"
    "\n"
    "Budgets are set for the year in March. The acquisitions budget is split 60–40 between\n"
    "print and digital, and the split is reviewed when the loan figures come in.\n"
    "The catalogue is updated every Friday afternoon, after the new stock is processed.\n"
    "\n"
    "Weeding is done each spring: staff remove worn copies and titles nobody has borrowed\n"
    "in five years, so that the shelves keep room for what readers ask for. A good manger\n"
    "plans the weeding; a good leader explains to the readers why the shelves change.\n"
    "\n"
    "Volunteers run the homework club on weekday afternoons. They are trained by the\n"
    "children’s librarian and follow a short written guide on safeguarding.\n"
)

# The coded quotes; each occurs once in SOURCE except CATALOGUE, which is anchored at its
# second occurrence (in the budgets paragraph).
QUOTES = {
    "trolley": "the first hour belongs to the returns trolley",
    "dewey": "Dewey",
    "reading": "Reading groups meet on Tuesday evenings",
    "renee": "Rene\u0301e Marchand, chairs the group",
    "choices": "the group’s choices should stretch its members",
    "split": "split 60–40 between\nprint and digital",
    "weeding": "staff remove worn copies and titles nobody has borrowed\nin five years",
    "manger": "A good manger\nplans the weeding; a good leader explains",
    "explains": "a good leader explains to the readers why the shelves change",
    "volunteers": "They are trained by the\nchildren’s librarian",
}
CATALOGUE = "The catalogue is updated every Friday afternoon"


def anchor_at(text: str, quote: str, occurrence: int = 0) -> Anchor:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return describe(text, start, start + len(quote))


ANCHORS = {name: anchor_at(SOURCE, quote) for name, quote in QUOTES.items()}
ANCHORS["catalogue"] = anchor_at(SOURCE, CATALOGUE, occurrence=1)


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def span(text: str, words: str, after: str = "") -> tuple[int, int]:
    """The span of `words` in `text` (the first after `after`, when given)."""
    start = text.index(words, text.index(after) if after else 0)
    return start, start + len(words)


def found(text: str, name: str) -> tuple[int, int, str]:
    match = locate(text, ANCHORS[name])
    assert match is not None, name
    return match.start, match.end, match.method


# --- describe ---------------------------------------------------------------------------

def test_describe_records_quote_context_and_code_point_offsets():
    anchor = ANCHORS["reading"]
    assert anchor.exact == "Reading groups meet on Tuesday evenings"
    assert anchor.prefix == "ated every Friday afternoon.\n\n📚 "
    assert len(anchor.prefix) == CONTEXT  # code points: the emoji is one
    assert anchor.suffix == " in the small room upstairs. The"
    assert len(anchor.suffix) == CONTEXT
    assert SOURCE[anchor.start:anchor.end] == anchor.exact


def test_describe_context_is_cut_at_the_text_edges():
    anchor = describe(SOURCE, 0, 9)
    assert (anchor.exact, anchor.prefix, anchor.start, anchor.end) == ("# Running", "", 0, 9)
    anchor = describe(SOURCE, len(SOURCE) - 14, len(SOURCE))
    assert (anchor.exact, anchor.suffix) == ("safeguarding.\n", "")


def test_describe_rejects_a_span_outside_the_text():
    with pytest.raises(ValueError):
        describe("short", 2, 9)


# --- scripted edits ---------------------------------------------------------------------

def test_unchanged_text_every_anchor_by_position():
    for name, anchor in ANCHORS.items():
        assert locate(SOURCE, anchor) == Match(anchor.start, anchor.end, "position", 1.0), name


def test_typo_fixed_outside_the_quote_shifts_offsets_exact():
    text = edit(SOURCE, "Staff chek\nin", "Staff check\nin")
    assert found(text, "trolley") == (*span(text, QUOTES["trolley"]), "position")  # before the edit
    assert found(text, "dewey") == (*span(text, "Dewey"), "exact")
    assert found(text, "dewey")[0] == ANCHORS["dewey"].start + 1
    for name in ("reading", "choices", "weeding", "volunteers"):
        assert found(text, name) == (*span(text, QUOTES[name]), "exact"), name


def test_typo_fixed_inside_the_quote_fuzzy_covers_the_corrected_words():
    text = edit(SOURCE, "A good manger\nplans", "A good manager\nplans")
    match = locate(text, ANCHORS["manger"])
    corrected = "A good manager\nplans the weeding; a good leader explains"
    assert (match.start, match.end, match.method) == (*span(text, corrected), "fuzzy")
    assert text[match.start:match.end] == corrected
    assert 0.9 < match.score < 1.0
    assert found(text, "explains") == (*span(text, QUOTES["explains"]), "exact")  # shifted by one


def test_word_changed_inside_the_quote_fuzzy():
    text = edit(SOURCE, "staff remove worn copies", "staff withdraw worn copies")
    match = locate(text, ANCHORS["weeding"])
    words = "staff withdraw worn copies and titles nobody has borrowed\nin five years"
    assert (match.start, match.end, match.method) == (*span(text, words), "fuzzy")


def test_paragraph_inserted_before_found_at_the_shifted_place():
    inserted = ("Opening hours change in August, when the branch closes on Mondays and the\n"
                "mobile library covers the outlying villages.\n\n")
    text = edit(SOURCE, "📚 Reading groups", inserted + "📚 Reading groups")
    for name in ("reading", "renee", "split", "weeding", "volunteers", "catalogue"):
        anchor = ANCHORS[name]
        assert found(text, name) == (anchor.start + len(inserted), anchor.end + len(inserted), "exact"), name
    assert found(text, "trolley")[2] == "position"


def test_paragraph_deleted_before_found_at_the_shifted_place():
    paragraph = SOURCE[SOURCE.index("📚"):SOURCE.index("Budgets are set")]
    text = edit(SOURCE, paragraph, "")
    for name in ("split", "weeding", "explains", "volunteers"):
        anchor = ANCHORS[name]
        assert found(text, name) == (anchor.start - len(paragraph), anchor.end - len(paragraph), "exact"), name
    assert locate(text, ANCHORS["reading"]) is None


def test_paragraph_holding_the_quote_deleted_orphan():
    paragraph = SOURCE[SOURCE.index("Volunteers run"):]
    text = edit(SOURCE, paragraph, "")
    assert locate(text, ANCHORS["volunteers"]) is None
    assert found(text, "explains")[2] == "position"


def test_lines_rewrapped_inside_the_quote_normalized():
    text = edit(SOURCE, "The acquisitions budget is split 60–40 between\nprint and digital, and the split",
                "The acquisitions budget is\nsplit 60–40 between print and\ndigital, and the split")
    assert found(text, "split") == (*span(text, "split 60–40 between print and\ndigital"), "normalized")


def test_quote_that_also_occurs_elsewhere_is_told_apart_by_its_context():
    # A long paragraph inserted at the top moves the first occurrence to about where the
    # coded (second) occurrence used to be: nearest the old offset is now the wrong one.
    first, second = SOURCE.index(CATALOGUE), ANCHORS["catalogue"].start
    inserted = "Notes kept by the branch staff. " * ((second - first) // 32) + "\n\n"
    text = edit(SOURCE, "# Running a branch library\n\n", "# Running a branch library\n\n" + inserted)
    occurrences = [text.index(CATALOGUE), text.index(CATALOGUE, text.index(CATALOGUE) + 1)]
    assert abs(occurrences[0] - second) < abs(occurrences[1] - second)
    match = locate(text, ANCHORS["catalogue"])
    assert (match.start, match.end, match.method) == (occurrences[1], occurrences[1] + len(CATALOGUE), "exact")
    assert match.start == second + len(inserted)
    assert text[match.end:match.end + 18] == ", after the new st"
    # and the first occurrence, anchored there, stays there
    first_anchor = anchor_at(SOURCE, CATALOGUE, occurrence=0)
    assert locate(text, first_anchor).start == first + len(inserted)


def test_quote_that_also_occurs_elsewhere_ties_go_to_the_nearest_old_position():
    text = "Loans are counted daily. " * 4
    anchor = describe(text, 50, 73)  # the third, with the same context as the second
    moved = "x" + text
    assert locate(moved, anchor) == Match(51, 74, "exact", 1.0)


def test_emoji_before_the_quote_offsets_are_code_points():
    text = edit(SOURCE, "📚 Reading groups", "📚🎉 New this term: 📚 Reading groups")
    start, end, method = found(text, "reading")
    assert method == "exact"
    assert text[start:end] == QUOTES["reading"]
    assert start == ANCHORS["reading"].start + len("🎉 New this term: 📚")
    # code points, not UTF-16 units as a browser would count: each emoji counts one
    assert len(text[:start].encode("utf-16-le")) // 2 == start + text[:start].count("📚") + text[:start].count("🎉")


def test_text_converted_to_nfc_quote_stored_nfd_normalized():
    text = unicodedata.normalize("NFC", SOURCE)
    assert text != SOURCE
    assert found(text, "renee") == (*span(text, "Renée Marchand, chairs the group"), "normalized")
    assert found(text, "reading")[2] == "position"  # before the name: offsets unchanged
    assert found(text, "choices") == (*span(text, QUOTES["choices"]), "exact")  # after it: one code point less
    assert found(text, "choices")[0] == ANCHORS["choices"].start - 1


def test_quote_stored_nfc_while_text_is_nfd_normalized():
    anchor = Anchor(exact="The head\nlibrarian, Renée Marchand,", start=ANCHORS["renee"].start - 21)
    match = locate(SOURCE, anchor)
    assert (match.start, match.end, match.method) == (*span(SOURCE, "The head\nlibrarian, Rene\u0301e Marchand,"),
                                                      "normalized")
    assert SOURCE[match.start:match.end].endswith("Rene\u0301e Marchand,")


def test_text_converted_nfc_to_nfd_normalized():
    composed = unicodedata.normalize("NFC", SOURCE)
    anchors = {name: describe(composed, *span(composed, quote)) for name, quote in
               [("name", "Renée"), ("renee", "Renée Marchand, chairs the group"), ("choices", QUOTES["choices"])]}
    assert anchors["name"].exact == "Ren\u00e9e"
    text = unicodedata.normalize("NFD", composed)  # == SOURCE
    for name, words in [("name", "Rene\u0301e"), ("renee", "Rene\u0301e Marchand, chairs the group")]:
        match = locate(text, anchors[name])
        assert (match.start, match.end, match.method) == (*span(text, words), "normalized"), name
    assert locate(text, anchors["choices"]) == Match(*span(text, QUOTES["choices"]), "exact", 1.0)


def test_crlf_line_ends_in_the_new_text():
    text = SOURCE.replace("\n", "\r\n")
    assert found(text, "reading") == (*span(text, QUOTES["reading"]), "exact")  # within a line
    assert found(text, "split") == (*span(text, "split 60–40 between\r\nprint and digital"), "normalized")
    assert found(text, "volunteers") == (*span(text, "They are trained by the\r\nchildren’s librarian"), "normalized")
    assert found(text, "catalogue") == (*span(text, CATALOGUE, after="Budgets"), "exact")


def test_curly_apostrophe_straightened_in_the_text_normalized():
    text = SOURCE.replace("’", "'")
    assert found(text, "choices") == (*span(text, "the group's choices should stretch its members"), "normalized")


def test_straight_apostrophe_in_the_quote_curly_in_the_text_normalized():
    anchor = Anchor(exact="the group's choices should stretch", prefix="she says ")
    match = locate(SOURCE, anchor)
    words = "the group’s choices should stretch"
    assert (match.start, match.end, match.method) == (*span(SOURCE, words), "normalized")


def test_en_dash_typed_as_a_hyphen_in_the_quote_normalized():
    anchor = Anchor(exact="split 60-40 between print")
    assert locate(SOURCE, anchor) == Match(*span(SOURCE, "split 60–40 between\nprint"), "normalized", 1.0)


def test_soft_hyphen_line_break_normalized():
    text = edit(SOURCE, "to the readers why the shelves change",
                "to the read-\ners why the shelves change")
    assert found(text, "explains") == (*span(text, "a good leader explains to the read-\ners why the shelves change"),
                                       "normalized")
    # and a discretionary hyphen character (U+00AD) inside a word
    text = edit(SOURCE, "homework club", "home\u00adwork club")
    anchor = Anchor(exact="run the homework club")
    assert locate(text, anchor) == Match(*span(text, "run the home\u00adwork club"), "normalized", 1.0)


def test_non_breaking_spaces_normalized():
    text = edit(SOURCE, "Tuesday evenings", "Tuesday\u00a0evenings")
    assert found(text, "reading") == (*span(text, "Reading groups meet on Tuesday\u00a0evenings"), "normalized")


def test_heavily_rewritten_passage_orphan():
    text = edit(SOURCE, "staff remove worn copies and titles nobody has borrowed\nin five years",
                "books that are falling apart, or that sat unread on the shelf\nfor half a decade, go")
    assert locate(text, ANCHORS["weeding"]) is None
    assert found(text, "manger")[2] == "exact"


def test_short_quote_that_is_gone_orphan_never_a_fuzzy_hit():
    text = edit(SOURCE, "by the Dewey number", "by the shelf mark")
    assert locate(text, ANCHORS["dewey"]) is None
    # a near miss of a short quote is not taken either
    assert locate(SOURCE, Anchor(exact="Dewy number")) is None
    assert locate(SOURCE, Anchor(exact="Tusday eve", prefix="meet on ")) is None
    # from 12 characters on, a near miss is a fuzzy match
    match = locate(SOURCE, Anchor(exact="Tusday evenings", prefix="meet on "))
    assert (match.start, match.end, match.method) == (*span(SOURCE, "Tuesday evenings"), "fuzzy")


def test_empty_quote_is_an_orphan():
    assert locate(SOURCE, Anchor(exact="", start=3, end=3)) is None


def test_every_scripted_edit_returns_text_that_is_the_quote_or_its_edit():
    """Sanity over all of the above: a found span is always inside the text and non-empty."""
    texts = [SOURCE, SOURCE.replace("\n", "\r\n"), unicodedata.normalize("NFC", SOURCE), SOURCE.replace("’", "'")]
    for text in texts:
        for anchor in ANCHORS.values():
            match = locate(text, anchor)
            assert match is not None and 0 <= match.start < match.end <= len(text)


def test_locating_ten_thousand_anchors_in_unchanged_texts_is_fast():
    texts = [SOURCE * 20, ("Managers plan, leaders align. " * 1500)]
    anchors = []
    for n in range(10_000):
        text = texts[n % 2]
        start = (n * 7919) % (len(text) - 60)
        anchors.append((text, describe(text, start, start + 40)))
    began = time.perf_counter()
    matches = [locate(text, anchor) for text, anchor in anchors]
    elapsed = time.perf_counter() - began
    assert all(m.method == "position" for m in matches)
    assert elapsed < 1.0


# --- properties -------------------------------------------------------------------------

@st.composite
def text_and_span(draw):
    text = draw(st.text(min_size=1, max_size=300))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


def occurrences(text: str, quote: str) -> int:
    count, at = 0, text.find(quote)
    while at >= 0:
        count, at = count + 1, text.find(quote, at + 1)
    return count


@given(text_and_span())
@settings(max_examples=300, deadline=None)
def test_property_describe_then_locate_on_the_same_text_is_the_same_span(case):
    text, start, end = case
    assert locate(text, describe(text, start, end)) == Match(start, end, "position", 1.0)


@given(text_and_span(), st.text(min_size=1, max_size=80))
@settings(max_examples=300, deadline=None)
def test_property_text_inserted_before_the_span_shifts_it(case, inserted):
    text, start, end = case
    anchor = describe(text, start, end)
    edited = text[:start] + inserted + text[start:]
    assume(occurrences(edited, anchor.exact) == 1)
    assert locate(edited, anchor) == Match(start + len(inserted), end + len(inserted), "exact", 1.0)


WORDS = ["the", "branch", "library", "group’s", "60–40", "Rene\u0301e", "loans", "📚", "catalogue", "staff"]
BREAKS = [" ", "\n", "\r\n", "  \n  ", "\u00a0"]


@given(st.lists(st.sampled_from(WORDS), min_size=2, max_size=40), st.data())
@settings(max_examples=300, deadline=None)
def test_property_rewrapped_text_gives_the_same_words_normalized(words, data):
    """Words re-joined by other whitespace (line breaks, CRLF, no-break spaces): the same words are found."""
    first = data.draw(st.integers(0, len(words) - 1))
    last = data.draw(st.integers(first + 1, len(words)))
    text = " ".join(words)
    quote = " ".join(words[first:last])
    assume(occurrences(text, quote) == 1)
    start = len(" ".join(words[:first])) + (1 if first else 0)
    anchor = describe(text, start, start + len(quote))
    breaks = data.draw(st.lists(st.sampled_from(BREAKS), min_size=len(words) - 1, max_size=len(words) - 1))
    rewrapped = words[0] + "".join(b + w for b, w in zip(breaks, words[1:]))
    new_start = len("".join(w + b for w, b in zip(words[:first], breaks[:first])))
    inside = words[first] + "".join(b + w for b, w in zip(breaks[first:last - 1], words[first + 1:last]))
    new_end = new_start + len(inside)
    match = locate(rewrapped, anchor)
    assert match is not None
    assert (match.start, match.end) == (new_start, new_end)
    assert match.method in ("position", "exact", "normalized")
