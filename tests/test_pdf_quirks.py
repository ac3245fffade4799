"""inputs/extract/pdf: what real PDFs do to a text layer, each quirk a fixture of ours.

The fixtures are in tests/fixtures/texts/pdf-quirks/, made by make_fixtures.py beside them
(run it again after changing it); its docstring says what each file reproduces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from litcoder.inputs.corpus import split_passages
from litcoder.inputs.extract import Extracted, extract
from litcoder.inputs.extract import pdf as pdf_reader

QUIRKS = Path(__file__).resolve().parent / "fixtures" / "texts" / "pdf-quirks"


def read(name: str) -> Extracted:
    return extract(QUIRKS / name, f"corpus/sources/{name}")


def passages(result: Extracted) -> list[dict]:
    return split_passages(result.text)


def bare_numbers(text: str) -> bool:
    return re.fullmatch(r"[\d\s.,%]+", text) is not None


# ---------------------------------------------------------------- scans


def test_image_only_pdf_with_a_scanning_apps_stamp_is_one_no_text_layer_error():
    # The stamp at the foot of two pages was all the text pypdf found: before, that gave
    # "partly scanned? page 3" and "empty", both warnings, so the load went on as if all was well.
    result = read("scanned-with-a-stamp.pdf")
    assert result.text == "" and result.pages == [0, 0, 0]
    [problem] = list(result.problems)
    assert problem.severity == "error" and problem.kind == "source-pdf-no-text"
    assert problem.message.startswith("no text layer") and "3 page(s)" in problem.message
    assert "ocrmypdf in.pdf out.pdf" in problem.action
    assert problem.file == "corpus/sources/scanned-with-a-stamp.pdf"


def test_scan_behind_a_cover_page_is_a_no_text_layer_error_naming_the_scanned_pages():
    result = read("scan-behind-a-cover-page.pdf")
    [problem] = list(result.problems)
    assert problem.severity == "error" and problem.kind == "source-pdf-no-text"
    assert problem.message.startswith("no text layer") and "pages 2–5 of 5" in problem.message
    assert "ocrmypdf --skip-text" in problem.action
    # the cover's text is kept; neither the archive's note at the foot of every page nor the stray
    # full stop on a scanned page is a passage (before, the note of page 4 was, and no problem was said)
    assert [p["text"][:20] for p in passages(result)] == ["This copy was made f"]
    assert len(result.pages) == 5 and result.page_at(result.text.index("the archive.")) == 1


def test_stamp_of_a_scanning_app_is_left_out_like_a_running_foot():
    line = pdf_reader._Line("Scanned with PageSnap", 450, 20, 7, False)
    body = [pdf_reader._Line(f"Line {i} of a typed page about the rota and the council.", 57, 700 - 14 * i, 11, False)
            for i in range(6)]
    pages = [[*body, line]]
    pdf_reader._drop_running_lines(pages)
    assert line not in pages[0] and len(pages[0]) == 6


# ---------------------------------------------------------------- glyph names


def test_glyph_names_from_a_font_without_a_character_map_become_their_characters():
    result = read("glyph-names.pdf")
    assert list(result.problems) == []
    assert "/" not in result.text  # not /Bullet, /checkbox.alt, nor the unknown /g17
    assert [p["text"] for p in passages(result)] == [
        "The heads named what a week at the branch holds:",
        "• the rota, set a month ahead;",
        "• the budget, checked each Friday;",
        "• a talk with the staff about what the library is for.",
        "Each answer was marked ☐ when the head called it leadership."]


@pytest.mark.parametrize(("text", "read_as"), [
    ("/Bullet Leaders set the direction", "• Leaders set the direction"),
    ("/bullet Managers keep the rota", "• Managers keep the rota"),
    ("/endash a dash, /H18533 a dot", "– a dash, ● a dot"),
    # slashes that are text stay: either/or, addresses, fractions, an unknown name
    ("plan and/or lead", "plan and/or lead"),
    ("see https://example.org/about/leading", "see https://example.org/about/leading"),
    ("1/2 of the week", "1/2 of the week"),
    ("the /Director of the branch", "the /Director of the branch"),
])
def test_glyph_names_in_text_are_read_only_where_they_name_a_symbol(text, read_as):
    assert pdf_reader._read_glyph_names(text, None) == read_as


# ---------------------------------------------------------------- figures


def test_figure_labels_and_axis_titles_are_not_section_names():
    result = read("figure-labels.pdf")
    found = passages(result)
    # before: "Figure 3" and then "Leading Managing" (small bold box names) were section names
    assert [p["section"] for p in found] == ["Findings"] * 4 + ["Discussion"] * 4
    assert "# Figure" not in result.text and "# Year" not in result.text
    texts = [p["text"] for p in found]
    # the label goes with its caption
    assert "Figure 3 Hours a week given to the rota, by year, across the branches." in texts
    # the chart's numbers and titles are one passage, not a passage a number
    chart = next(t for t in texts if "2019 2020 2021" in t)
    assert all(label in chart for label in ("30", "Hours per week", "Year"))
    assert not any(bare_numbers(t) for t in texts)


# ---------------------------------------------------------------- tables

TABLE = "Task Branch A Branch B Branch C\nRota 4 6 5\nBudget 3 2 7\nVision 1 2 1"


def test_table_written_column_by_column_keeps_its_rows_together():
    result = read("table-by-columns.pdf")
    found = passages(result)
    texts = [p["text"] for p in found]
    # before: each cell was a passage ("4", "3", …) and each head cell a section name
    assert not any(bare_numbers(t) for t in texts)
    assert texts[1:3] == ["Table 2 Hours a week by task and branch", TABLE]
    assert {p["section"] for p in found} == {"Results"}


def test_table_written_row_by_row_with_wide_rows_is_one_passage():
    texts = [p["text"] for p in passages(read("table-by-columns.pdf"))]
    assert texts[4:] == ["Table 3 The same hours, a year later", TABLE,
                         "Both tables were checked against the rotas kept at each branch."]


def test_short_prose_lines_are_not_taken_for_a_table():
    # a list of short items, numbered or not, is not a table; three rows of numbers are
    lines = [pdf_reader._Line(text, 57, 700 - 16 * i, 11, False) for i, text in enumerate(
        ["The functions are these:", "planning", "staffing", "budgeting in 2019", "controlling"])]
    assert pdf_reader._table_runs(lines, 11, None) == {}
    numbered = [pdf_reader._Line(text, 57, 700 - 16 * i, 11, False) for i, text in enumerate(
        ["1. planning", "2. staffing", "3. budgeting", "4. controlling"])]
    assert pdf_reader._table_runs(numbered, 11, None) == {}
    numbers = [pdf_reader._Line(text, 57, 700 - 16 * i, 11, False) for i, text in enumerate(
        ["Rota 4 6", "Budget 3 2", "Vision 1 2"])]
    assert pdf_reader._table_runs(numbers, 11, None) == {0: 3}


def test_glyph_names_of_a_font_with_an_endless_differences_array_are_bounded():
    # a hostile or broken font names far more glyphs than one byte has codes: only the
    # 256 that pypdf reads are looked for in the text
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    names = ArrayObject([NumberObject(0), *(NameObject(f"/glyph{i}") for i in range(20000))])
    font = DictionaryObject({NameObject("/Encoding"): DictionaryObject({NameObject("/Differences"): names})})
    pattern = pdf_reader._font_glyph_names(font)
    assert pattern.pattern.count("|") == 255
    assert pdf_reader._read_glyph_names("/glyph12 the rota", pattern) == " the rota"
