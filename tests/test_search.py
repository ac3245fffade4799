"""Full-text search of the sources (analysis.search) and the search screen, on the bundled
review and on a small review of German, French and Spanish texts with the characters that make
folding hard: 'ß', ligatures, accents typed as a letter and a combining mark, curly quotes."""

from __future__ import annotations

import html
import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litcoder import Review
from litcoder.analysis.search import SEARCH_COLUMNS, TextIndex, fold, parse_query, search_passages, text_index
from litcoder.inputs.project import init_review
from litcoder.screens.search import PAGE, SearchScreen, marked_snippet

BIB = r"""@book{Mueller2019Fuehrung,
  author = {M{\"u}ller, J{\"o}rg},
  title = {F{\"u}hrung und Management in Bibliotheken},
  publisher = {Verlag},
  year = {2019}
}

@article{Dupont2015Gestion,
  author = {Dupont, H{\'e}l{\`e}ne},
  title = {Gestion et leadership},
  journal = {Revue},
  year = {2015}
}

@book{Garcia2018Liderazgo,
  author = {Garc{\'\i}a, Ana},
  title = {Liderazgo y gesti{\'o}n},
  publisher = {Editorial},
  year = {2018}
}
"""
TEXTS = {
    "Mueller2019Fuehrung": ["Gute Führung beginnt mit einer klaren Vision für die Bibliothek.",
                            "Die Mitarbeiterführung verlangt\nVertrauen; der Weg über die Straße des Erfolgs ist lang.",
                            "Planung und Budget gehören zum Management, nicht zur FÜHRUNG."],
    # accents typed as a letter and a combining acute (U+0301), as some editors write them
    "Dupont2015Gestion": ["Le résumé de l’étude : la gestion planifie, le « leadership » inspire.",
                          "Une e\u0301quipe motive\u0301e accepte le changement < 3 & plus."],
    "Garcia2018Liderazgo": ["El liderazgo señala la dirección; la gestión — el control — mantiene el rumbo.",
                            "Los líderes eﬁcientes ﬁjan metas."],  # the 'ﬁ' ligature, as PDFs give it
}
CODINGS = {
    "coder-a": [
        ("Mueller2019Fuehrung", 1, "klaren Vision", "setting-vision", "leadership", ""),
        ("Mueller2019Fuehrung", 3, "Planung und Budget", "planning", "management", '=HYPERLINK("http://example.com")'),
        ("Mueller2019Fuehrung", 3, "Budget", "budgeting", "management", ""),
        ("Dupont2015Gestion", 1, "la gestion planifie", "planning", "management", "Planifier ≠ diriger"),
    ],
    "coder-b": [
        ("Mueller2019Fuehrung", 1, "Gute Führung", "setting-vision", "both", ""),
        ("Mueller2019Fuehrung", 1, "Vision", "planning", "leadership", ""),
        ("Dupont2015Gestion", 1, "le « leadership » inspire", "setting-vision", "leadership", ""),
    ],
}


def small_review(root: Path) -> Review:
    """A new review (litcoder init) with the three sources above and two coders' codings."""
    init_review(root)
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    for citekey, paragraphs in TEXTS.items():
        (root / "corpus" / "sources" / f"{citekey}.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    for coder, rows in CODINGS.items():
        lines = ["id,citekey,passage,quote,competency,framing,memo,coded_at"]
        for n, (citekey, passage, quote, competency, framing, memo) in enumerate(rows, 1):
            memo = '"' + memo.replace('"', '""') + '"' if memo else ""
            lines.append(f"{coder}-{n:04d},{citekey},{passage},{quote},{competency},{framing},{memo},"
                         f"2026-10-0{n}T10:00:00+00:00")
        (root / "corpus" / "codings" / f"{coder}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Review.load(root)


@pytest.fixture
def small(tmp_path) -> Review:
    review = small_review(tmp_path / "review")
    assert not [p for p in review.problems if p.severity == "error"], review.problems
    return review


def places(found) -> list[tuple[str, int]]:
    return list(zip(found["citekey"], found["passage"]))


def hit_texts(review: Review, found) -> list[list[str]]:
    """Each result's hits, as the passage's own text has them."""
    text = review.passages.set_index(["citekey", "passage"])["text"]
    return [[text[(k, p)][s:e] for s, e in spans] for k, p, spans in zip(found["citekey"], found["passage"],
                                                                       found["spans"])]


# ---------------------------------------------------------------- folding and matching

def test_fold_lowers_case_and_drops_accents_and_typographic_marks():
    assert fold("Führung") == "fuhrung"
    assert fold("RÉSUMÉ") == "resume"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("e\u0301quipe") == "equipe"
    assert fold("“l’étude” – «oui»") == '"l\'etude" - "oui"'
    assert fold("eﬁcientes") == "eficientes"


@pytest.mark.parametrize("query", ["fuhrung", "FÜHRUNG", "Führung", "fÜhRuNg"])
def test_case_and_accents_do_not_matter(small, query):
    found = search_passages(small, query)
    assert places(found) == [("Mueller2019Fuehrung", 1), ("Mueller2019Fuehrung", 2), ("Mueller2019Fuehrung", 3)]
    assert hit_texts(small, found) == [["Führung"], ["führung"], ["FÜHRUNG"]]  # in 'Mitarbeiterführung' too


@pytest.mark.parametrize("query, place, hit", [
    ("resume", ("Dupont2015Gestion", 1), "résumé"),
    ("strasse", ("Mueller2019Fuehrung", 2), "Straße"),
    ("equipe", ("Dupont2015Gestion", 2), "e\u0301quipe"),
    ("motivee", ("Dupont2015Gestion", 2), "motive\u0301e"),
    ("fijan", ("Garcia2018Liderazgo", 2), "ﬁjan"),
    ("direccion", ("Garcia2018Liderazgo", 1), "dirección"),
    ("l'etude", ("Dupont2015Gestion", 1), "l’étude"),
])
def test_offsets_are_the_passage_texts_own(small, query, place, hit):
    """A hit's (start, end) cut the passage's text, not the folded one, even where folding
    changes lengths ('ß' is 'ss', 'ﬁ' is 'fi', a combining accent is nothing)."""
    found = search_passages(small, query)
    assert places(found) == [place]
    assert hit_texts(small, found) == [[hit]]
    assert fold(hit) == fold(query)


PIECES = ["a", "B", "ß", "ẞ", "ﬁ", "é", "E\u0301", "\u0301", "’", "—", "æ", "\u00ad", "İ", " ", "\n", "ö"]


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=40), data=st.data())
def test_any_hit_cut_from_the_text_folds_to_what_was_searched(pieces, data):
    """Whatever mix of letters that fold to one, two or no characters: each hit's (start, end)
    cut from the passage's own text holds the word searched, and hits are apart and in order."""
    text = "".join(pieces)
    words = fold(text).split()
    words = [w for w in words if w.strip(".,;:!?()[]{}-'\"")]
    if not words:
        return
    word = data.draw(st.sampled_from(words))
    start = data.draw(st.integers(0, len(word) - 1))
    query = word[start:data.draw(st.integers(start + 1, len(word)))].strip(".,;:!?()[]{}")
    if not query or query.startswith(("-", '"')):
        return
    found = TextIndex(_one_passage(text)).search(query)
    assert len(found) == 1, (text, query)
    spans = found["spans"][0]
    assert spans and all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))
    for s, e in spans:
        assert query in fold(text[s:e]), (text, query, text[s:e])


def test_a_hit_ending_on_a_letter_takes_its_combining_accent(small):
    found = search_passages(small, "motive")
    (start, end), = found["spans"][0]
    assert small.passages.set_index(["citekey", "passage"])["text"][("Dupont2015Gestion", 2)][start:end] \
        == "motive\u0301"


def test_every_word_must_occur_in_any_order(small):
    assert places(search_passages(small, "vision fuhrung")) == [("Mueller2019Fuehrung", 1)]
    assert places(search_passages(small, "FÜHRUNG gute")) == [("Mueller2019Fuehrung", 1)]
    assert places(search_passages(small, "budget planung fuhrung")) == [("Mueller2019Fuehrung", 3)]
    assert places(search_passages(small, "vision budget")) == []


def test_hits_of_every_word_are_counted_and_given_in_order(small):
    found = search_passages(small, "vision gute")
    assert found["hits"].tolist() == [2]
    assert hit_texts(small, found) == [["Gute", "Vision"]]


def test_a_phrase_is_its_words_in_order_whatever_whitespace_lies_between(small):
    found = search_passages(small, '"verlangt vertrauen"')  # a line break in the text
    assert places(found) == [("Mueller2019Fuehrung", 2)]
    assert hit_texts(small, found) == [["verlangt\nVertrauen"]]
    assert places(search_passages(small, '"vertrauen verlangt"')) == []
    assert places(search_passages(small, '"klaren   vision"')) == [("Mueller2019Fuehrung", 1)]


def test_a_phrase_folds_typographic_dashes_and_quotes(small):
    found = search_passages(small, '"gestion - el control"')
    assert hit_texts(small, found) == [["gestión — el control"]]
    # typed with curly quotes, as a Mac or Word gives them: still a phrase
    assert places(search_passages(small, "“klaren vision”")) == [("Mueller2019Fuehrung", 1)]


def test_a_leading_minus_leaves_passages_out(small):
    assert places(search_passages(small, "fuhrung -budget")) == [("Mueller2019Fuehrung", 1), ("Mueller2019Fuehrung", 2)]
    assert places(search_passages(small, 'fuhrung -"klaren vision"')) == [("Mueller2019Fuehrung", 2),
                                                                          ("Mueller2019Fuehrung", 3)]
    assert places(search_passages(small, "fuhrung -STRASSE -planung")) == [("Mueller2019Fuehrung", 1)]


def test_punctuation_around_a_word_is_not_searched(small):
    assert places(search_passages(small, "Vision, (Bibliothek).")) == [("Mueller2019Fuehrung", 1)]


@pytest.mark.parametrize("query, says", [
    ("", "empty"), ("   ", "empty"), ('""', "empty"), ("-", "empty"), ("…,", "empty"),
    ("-budget", "only leaves passages out"), ('-budget -"klaren vision"', "only leaves passages out"),
])
def test_a_query_that_asks_for_nothing_is_a_clear_error(small, query, says):
    with pytest.raises(ValueError, match=says) as raised:
        search_passages(small, query)
    assert "type" in str(raised.value) or "add a word" in str(raised.value)


def test_an_unclosed_quote_is_a_phrase_to_the_end(small):
    assert [p.pattern for p in parse_query('gute "klaren vision').wanted] == ["gute", r"klaren\s+vision"]
    assert places(search_passages(small, 'gute "klaren vision')) == [("Mueller2019Fuehrung", 1)]


def test_results_are_in_source_then_passage_order_with_the_columns_promised(bundled):
    found = search_passages(bundled, "leadership")
    assert list(found.columns) == SEARCH_COLUMNS
    assert len(found) > 20
    keys = list(zip(found["citekey"], found["passage"]))
    assert keys == sorted(keys)
    cite = dict(zip(bundled.sources["citekey"], bundled.sources["author_year"]))
    assert found["author_year"].tolist() == [cite[k] for k in found["citekey"]]
    assert (found["hits"] == found["spans"].map(len)).all() and (found["hits"] >= 1).all()
    # every hit, cut from the passage's own text, folds to the word searched
    for hits in hit_texts(bundled, found):
        assert {fold(h) for h in hits} == {"leadership"}


def test_bundled_texts_curly_apostrophes_found_by_a_straight_one(bundled):
    found = search_passages(bundled, "kotter's")
    assert len(found) >= 1
    assert {h for hits in hit_texts(bundled, found) for h in hits} == {"Kotter’s"}


def test_pages_are_given_for_sources_with_pages(bundled):
    passages = bundled.passages[bundled.passages["page"].notna()]
    word = passages["text"].iloc[0].split()[3]
    found = search_passages(bundled, word)
    paged = found[found["citekey"] == passages["citekey"].iloc[0]]
    assert paged["page"].notna().all() and len(paged)


def test_limit_gives_the_first_results_and_counts_them_all(bundled):
    everything = search_passages(bundled, "the")
    first = search_passages(bundled, "the", limit=5)
    assert len(first) == 5 and first.attrs["matches"] == len(everything) == everything.attrs["matches"]
    assert places(first) == places(everything)[:5]


def test_the_folded_texts_are_made_once_per_review(bundled):
    assert text_index(bundled) is text_index(bundled)
    assert len(text_index(bundled)) == len(bundled.passages)


# ---------------------------------------------------------------- snippets

def test_snippet_is_plain_text_around_the_first_hit(bundled):
    found = search_passages(bundled, "charisma")
    text = bundled.passages.set_index(["citekey", "passage"])["text"]
    for citekey, passage, snippet, spans in zip(found["citekey"], found["passage"], found["snippet"], found["spans"]):
        start, end = spans[0]
        assert text[(citekey, passage)][start:end] in snippet
        assert "\n" not in snippet and "  " not in snippet
        assert len(snippet) <= 204
        if len(text[(citekey, passage)]) > 210:
            assert snippet.startswith("…") or snippet.endswith("…")


def test_snippet_cuts_between_words_and_says_so():
    words = "Führung " * 60 + "Vision " + "Straße " * 60
    index = TextIndex(_one_passage(words))
    found = index.search("vision")
    snippet = found["snippet"][0]
    assert snippet.startswith("…") and snippet.endswith("…") and "Vision" in snippet
    assert set(snippet.strip("…").split()) == {"Führung", "Vision", "Straße"}  # no word cut in half


def _one_passage(text: str):
    """A stand-in review of one source with one passage, for TextIndex."""
    import pandas as pd

    class Stand:
        passages = pd.DataFrame({"citekey": ["Xu2020"], "passage": [1], "page": [None], "text": [text]})
        sources = pd.DataFrame({"citekey": ["Xu2020"], "author_year": ["Xu, 2020"]})
    return Stand()


def test_marked_snippet_escapes_the_text_and_marks_each_hit(small):
    found = search_passages(small, "changement plus")
    text = small.passages.set_index(["citekey", "passage"])["text"][("Dupont2015Gestion", 2)]
    shown = marked_snippet(text, found["spans"][0])
    assert "<mark>changement</mark>" in shown and "<mark>plus</mark>" in shown
    assert "&lt; 3 &amp;" in shown
    assert html.unescape(re.sub(r"</?mark>", "", shown)) == " ".join(text.split())


# ---------------------------------------------------------------- the screen

def results(screen: SearchScreen) -> list[str]:
    return [row.children[0].value for row in screen.results.children]


def test_screen_searches_on_enter_and_marks_the_hits(small):
    screen = SearchScreen(small)
    screen.query.value = "FUHRUNG"  # what Enter does: the box's value changes
    assert "<b>3</b> passages in 1 source" in screen.count.value
    shown = results(screen)
    assert len(shown) == 3
    assert "<mark>Führung</mark>" in shown[0] and "Müller, 2019" in shown[0] and "passage 1" in shown[0]
    assert "Mitarbeiter<mark>führung</mark>" in shown[1]
    assert all(len(row.children) == 1 for row in screen.results.children)  # no on_open: no button


def test_screen_escapes_what_the_texts_hold(small):
    screen = SearchScreen(small)
    screen.query.value = "changement"
    assert "&lt; 3 &amp; plus" in results(screen)[0]
    assert "< 3" not in results(screen)[0]


def test_open_calls_back_with_the_citekey_and_passage(small):
    opened = []
    screen = SearchScreen(small, on_open=lambda citekey, passage: opened.append((citekey, passage)))
    screen.query.value = '"la gestion"'
    buttons = [row.children[1] for row in screen.results.children]
    assert len(buttons) == 2
    buttons[1].click()
    assert opened == [("Garcia2018Liderazgo", 1)]


def test_screen_shows_a_page_of_results_then_more(bundled):
    screen = SearchScreen(bundled)
    screen.query.value = "the"
    total = len(search_passages(bundled, "the"))
    assert total > PAGE
    assert f"<b>{total}</b> passages" in screen.count.value
    assert len(screen.results.children) == PAGE and screen.more.layout.display is None
    assert f"{total - PAGE} left" in screen.more.description
    screen.more.click()
    assert len(screen.results.children) == total and screen.more.layout.display == "none"


def test_screen_says_what_is_wrong_with_a_query(small):
    screen = SearchScreen(small)
    screen.query.value = "fuhrung"
    screen.query.value = "-budget"
    assert 'class="lc-error"' in screen.count.value and "only leaves passages out" in screen.count.value
    assert screen.results.children == ()
    screen.query.value = "xylophon"
    assert "no passage holds xylophon" in screen.count.value
    screen.query.value = ""
    assert screen.count.value == "" and screen.results.children == ()


def test_search_button_searches_the_box(small):
    screen = SearchScreen(small)
    screen.query.value = "liderazgo"
    screen.results.children = ()
    screen.search_button.click()
    assert len(results(screen)) == 1 and "García, 2018" in results(screen)[0]


def test_a_review_without_texts_finds_nothing_and_says_so(tmp_path):
    init_review(tmp_path / "empty")
    review = Review.load(tmp_path / "empty")
    found = search_passages(review, "Führung")
    assert found.empty and list(found.columns) == SEARCH_COLUMNS and found.attrs["matches"] == 0
    screen = SearchScreen(review)
    screen.query.value = "Führung"
    assert "no passage holds Führung" in screen.count.value


def test_the_folded_texts_follow_new_passages(small):
    before = text_index(small)
    assert places(search_passages(small, "fuhrung")) != []
    small.passages = small.passages[small.passages["citekey"] != "Mueller2019Fuehrung"]
    assert text_index(small) is not before
    assert places(search_passages(small, "fuhrung")) == []
    assert places(search_passages(small, "liderazgo")) == [("Garcia2018Liderazgo", 1)]
