"""Saved web pages: nothing trafilatura finds in a page is dropped on the way to passages.

Each test names a quirk of real pages. The pages are ours, in tests/fixtures/texts/quirks/,
modelled on the markup of real blogs, handbooks and course pages; the trees are trafilatura's
own vocabulary (p, list/item, table/row/cell, code, quote) in the shapes it leaves them when
a page's markup is odd. Retention is measured against trafilatura's own plain text of the
same page, as benchmarks/retention_benchmark.py does over more pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from lxml import etree

from litcoder.inputs.corpus import split_passages
from litcoder.inputs.extract import extract
from litcoder.inputs.extract import html as html_reader
from litcoder.inputs.extract.html import RETENTION_WARNING, page_blocks, retention

QUIRKS = Path(__file__).resolve().parent / "fixtures" / "texts" / "quirks"
PAGES = sorted(QUIRKS.glob("*.html"))


def passages(path: Path) -> list[str]:
    result = extract(path, path.name)
    assert [p for p in result.problems if p.severity != "info"] == []
    return [p["text"] for p in split_passages(result.text)]


def trafilatura_text(path: Path) -> str:
    return trafilatura.extract(path.read_text(encoding="utf-8"), output_format="txt", **html_reader.TRAFILATURA_OPTIONS)


def blocks_of(tree: str) -> list[str]:
    return page_blocks(etree.fromstring(tree))


# ---------------------------------------------------------------- a table inside <pre>


def test_table_inside_pre_keeps_its_rows_and_cells():
    found = passages(QUIRKS / "results-table-in-pre.html")
    table = [p for p in found if p.startswith("Activity")]
    assert table == ["Activity | Framing | Mean hours | SD\n"
                     "Rota and cover | management | 6.4 | 2.1\n"
                     "Budget monitoring | management | 3.9 | 1.7\n"
                     "Meeting partners about new services | leadership | 2.2 | 1.5\n"
                     "Coaching staff | leadership | 1.8 | 1.1\n"
                     "Answering email | neither | 7.7 | 3.0"]
    assert found.index(table[0]) == 1  # between the paragraphs it sits between on the page


def test_table_inside_code_inside_code_as_trafilatura_leaves_it():
    tree = ("<body><p>The raw table:</p><code><code><table><tr><th>Activity</th><th>SD</th></tr>"
            "<tr><td>Coaching staff</td><td>1.1</td></tr></table></code></code><p>After it.</p></body>")
    assert blocks_of(tree) == ["The raw table:", "Activity | SD\nCoaching staff | 1.1", "After it."]


def test_preformatted_text_keeps_its_lines():
    found = passages(QUIRKS / "results-table-in-pre.html")
    assert "Framing Heads Share of week\nmanagement 42 61 %\nleadership 39 22 %\nneither 42 17 %" in found


# ---------------------------------------------------------------- lists


def test_list_in_nested_divs():
    found = passages(QUIRKS / "list-in-nested-divs.html")
    assert "- They let the staff closest to the public redesign the service." in found[1]
    assert "- They treat a failed pilot as news, not as blame." in found[2]
    tree = ("<body><p>Habits.</p><div><div><div><list rend='ul'><item>They say where the branch is going.</item>"
            "<item>They coach.</item></list></div></div></div><div><div><p>Routines first.</p></div></div></body>")
    assert blocks_of(tree) == ["Habits.", "- They say where the branch is going.\n- They coach.", "Routines first."]


def test_list_inside_a_paragraph():
    found = passages(QUIRKS / "list-inside-paragraph.html")
    assert found[1:4] == [
        "In a typical branch the deputy is responsible for the following duties:",
        "- the weekly rota, including cover for sickness and leave;\n- the petty cash and the monthly budget "
        "return;\n- the health and safety checks of the building;",
        "and the branch head keeps the conversations with partners, the plan for the year and the coaching of staff."]
    tree = "<body><p>Duties: <list rend='ul'><item>the rota</item><item>the budget</item></list> and more.</p></body>"
    assert blocks_of(tree) == ["Duties:", "- the rota\n- the budget", "and more."]


def test_list_in_a_table_cell_and_table_in_a_list_item_keep_their_words():
    in_cell = "<body><table><row><cell>3</cell><cell><list><item>Vision</item><item>Mission</item></list></cell>" \
              "</row></table></body>"
    assert blocks_of(in_cell) == ["3 | Vision Mission"]
    in_item = ("<body><list><item>Readings<table><row><cell>1</cell><cell>What is politics</cell></row></table>"
               "<list><item>optional</item></list></item></list></body>")
    assert blocks_of(in_item) == ["- Readings 1 What is politics\n  - optional"]


# ---------------------------------------------------------------- table cells


def test_table_cells_are_not_glued():
    found = passages(QUIRKS / "table-of-contents-cells.html")
    table = next(p for p in found if p.startswith("Week"))
    assert table.split("\n")[:3] == ["Week | Reading | Pages", "1 | What is politics | p. 4-8",
                                     "2 | Managers and leaders: are they different? | p. 9-21"]
    # rows trafilatura leaves inside a paragraph, without their table
    tree = ("<body><p>Contents of the reader:<row><cell>1</cell><cell>What is politics</cell><cell>p. 4-8</cell></row>"
            "<row><cell>2</cell><cell>Who leads</cell><cell>p. 9-12</cell></row></p></body>")
    assert blocks_of(tree) == ["Contents of the reader:", "1 | What is politics | p. 4-8\n2 | Who leads | p. 9-12"]


def test_table_cells_with_paragraphs_keep_them_on_the_row():
    tree = ("<body><table><row><cell role='head'>Week</cell><cell role='head'>Reading</cell></row><row><cell>2</cell>"
            "<cell><p>Managers and leaders:</p><p>are they different?</p></cell></row></table></body>")
    assert blocks_of(tree) == ["Week | Reading\n2 | Managers and leaders: are they different?"]


def test_page_laid_out_in_tables_keeps_its_paragraphs_and_list():
    found = passages(QUIRKS / "table-layout-page.html")
    assert found == [
        "The network brings together the heads of small branch libraries who run their branches alone or with one "
        "deputy.",
        "What the members share, month by month:",
        "- rotas and cover arrangements that worked in a small team\n"
        "- budget returns, and how each council wants them presented\n"
        "- plans for changing a service, and what the staff thought of them\n"
        "- the questions to ask before a branch is merged or moved",
        "Members meet four times a year, in a different branch each time, so that everyone sees how another head has "
        "arranged the same work.",
        "The network's secretary"]
    # the same inside a table: a layout row ends the data rows before it
    tree = ("<body><table><row><cell>Week</cell><cell>Reading</cell></row><row><cell><head rend='h2'>Notes</head>"
            "<p>First.</p></cell></row></table></body>")
    assert blocks_of(tree) == ["Week | Reading", "## Notes", "First."]


# ---------------------------------------------------------------- retention


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_quirk_pages_keep_all_the_words_trafilatura_finds(page):
    result = extract(page, page.name)
    held, total = retention(result.text, trafilatura_text(page))
    assert total > 50 and held / total >= 0.995


def test_retention_counts_glued_cells_as_lost_words():
    found = "| 1 | What is politics | p. 4-8 |"
    assert retention("1 | What is politics | p. 4-8", found) == (7, 7)
    assert retention("1What is politicsp. 4-8", found) == (3, 7)
    assert retention("", found) == (0, 7)
    assert retention("Ünïcode", "U\u0308ni\u0308code") == (1, 1)  # one word, however it is composed


def test_page_whose_passages_hold_much_less_is_reported(monkeypatch):
    page = QUIRKS / "results-table-in-pre.html"
    monkeypatch.setattr(html_reader, "page_blocks", lambda body: ["Most of the week goes to keeping it running."])
    result = extract(page, "results.html")
    warned = [p for p in result.problems if p.kind == "source-html-retention"]
    assert len(warned) == 1 and warned[0].severity == "warning" and warned[0].file == "results.html"
    assert "of the words found in the page" in warned[0].message and "compare the passages" in warned[0].action


def test_page_that_keeps_its_words_is_not_reported():
    for page in PAGES:
        result = extract(page, page.name)
        assert not [p for p in result.problems if p.kind == "source-html-retention"], page.name
    assert 0.9 < RETENTION_WARNING < 1


def test_code_inside_a_sentence_stays_in_its_paragraph():
    tree = ("<body><p>To fix it, remove the pattern (<code>_</code> is allowed) and build again.</p>"
            "<code>fn main() {\n    let rota = 1;\n}</code><p>Use <code>Vec</code></p></body>")
    assert blocks_of(tree) == ["To fix it, remove the pattern (_ is allowed) and build again.",
                               "fn main() {\nlet rota = 1;\n}", "Use Vec"]
