"""Retrieval of a competency's quotes across sources (analysis.search.retrieve_quotes), AND/NOT
other competencies and filtered, and the quote screen with its CSV and XLSX exports."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from test_search import small_review

from litcoder import Review
from litcoder.analysis.search import QUOTE_COLUMNS, retrieve_quotes
from litcoder.screens.search import QuoteScreen

ZALEZNIK = "Zaleznik1977ManagersLeaders"  # a PDF: its quotes are cited with their page


@pytest.fixture
def small(tmp_path) -> Review:
    return small_review(tmp_path / "review")


def passages_coded(review: Review, competency: str) -> set[tuple[str, int]]:
    codings = review.quoted_codings
    chosen = codings[codings["competency"] == competency]
    return set(zip(chosen["citekey"], chosen["passage"]))


# ---------------------------------------------------------------- retrieve_quotes

def test_every_quote_of_a_competency_in_source_then_passage_order(bundled):
    quotes = retrieve_quotes(bundled, "planning")
    codings = bundled.quoted_codings
    assert list(quotes.columns) == QUOTE_COLUMNS
    assert len(quotes) == int((codings["competency"] == "planning").sum()) > 5
    assert set(quotes["competency"]) == {"planning"} and set(quotes["label"]) == {"Planning"}
    keys = list(zip(quotes["citekey"], quotes["passage"]))
    assert keys == sorted(keys)
    assert sorted(quotes["quote"]) == sorted(codings[codings["competency"] == "planning"]["quote"])


def test_codings_the_committee_settled_absent_are_not_quoted(bundled):
    gone = bundled.codings.drop(bundled.quoted_codings.index)
    assert len(gone) >= 1
    for coding in gone.itertuples():
        quotes = retrieve_quotes(bundled, coding.competency)
        mine = quotes[(quotes["coder"] == coding.coder) & (quotes["citekey"] == coding.citekey)
                      & (quotes["passage"] == coding.passage)]
        assert coding.quote not in mine["quote"].tolist()


def test_and_keeps_passages_also_coded_with_the_other_competency(bundled):
    both = retrieve_quotes(bundled, "planning", and_also=["setting-vision"])
    vision = passages_coded(bundled, "setting-vision")
    assert len(both) >= 1
    assert all(place in vision for place in zip(both["citekey"], both["passage"]))


def test_not_leaves_out_passages_coded_with_the_other_and_the_two_make_the_whole(bundled):
    everything = retrieve_quotes(bundled, "planning")
    both = retrieve_quotes(bundled, "planning", and_also="setting-vision")  # one id as a string
    without = retrieve_quotes(bundled, "planning", but_not=["setting-vision"])
    vision = passages_coded(bundled, "setting-vision")
    assert not any(place in vision for place in zip(without["citekey"], without["passage"]))
    assert len(both) + len(without) == len(everything)
    assert len(without) >= 1


def test_and_with_two_competencies_needs_both(small):
    quotes = retrieve_quotes(small, "setting-vision", and_also=["planning"])
    assert sorted(quotes["quote"]) == sorted(["klaren Vision", "Gute Führung", "le « leadership » inspire"])
    assert retrieve_quotes(small, "planning", and_also=["budgeting", "setting-vision"]).empty
    budget = retrieve_quotes(small, "planning", and_also=["budgeting"])
    assert budget["quote"].tolist() == ["Planung und Budget"]
    assert retrieve_quotes(small, "planning", and_also=["budgeting"], but_not=["budgeting"]).empty


def test_filters_by_coder_framing_and_source(small):
    assert sorted(retrieve_quotes(small, "setting-vision", coders=["coder-b"])["quote"]) == [
        "Gute Führung", "le « leadership » inspire"]
    assert retrieve_quotes(small, "setting-vision", framings="both")["quote"].tolist() == ["Gute Führung"]
    assert retrieve_quotes(small, "setting-vision", citekeys=["Dupont2015Gestion"])["quote"].tolist() == [
        "le « leadership » inspire"]
    assert retrieve_quotes(small, "setting-vision", coders="coder-a", framings=["both"]).empty


def test_citation_is_apa_in_text_with_page_or_paragraph(bundled, small):
    paged = retrieve_quotes(bundled, "planning", citekeys=[ZALEZNIK])
    assert len(paged) >= 1
    assert paged["citation"].tolist() == [f"(Zaleznik, 1977, p. {page})" for page in paged["page"]]
    kotter = retrieve_quotes(bundled, "planning", citekeys="Kotter1990WhatLeaders")
    assert kotter["citation"].tolist() == [f"(Kotter, 1990, para. {n})" for n in kotter["passage"]]
    assert retrieve_quotes(small, "budgeting")["citation"].tolist() == ["(Müller, 2019, para. 3)"]


@pytest.mark.parametrize("call, says", [
    (dict(competency="planing"), "no competency 'planing' in the codebook (did you mean planning?)"),
    (dict(competency="planning", and_also=["setting-visoin"]), "did you mean setting-vision?"),
    (dict(competency="planning", but_not=["charisma"]), "no competency 'charisma'"),  # not in this codebook
    (dict(competency="planning", coders=["coder-x"]), "no coder 'coder-x' in this review (did you mean coder-"),
    (dict(competency="planning", framings=["leadrship"]), "did you mean leadership?"),
    (dict(competency="planning", citekeys=["Dupont2015"]), "did you mean Dupont2015Gestion?"),
])
def test_unknown_names_are_clear_errors(small, call, says):
    with pytest.raises(ValueError) as raised:
        retrieve_quotes(small, **call)
    assert says in str(raised.value)


def test_a_competency_may_be_named_by_its_label(bundled):
    assert retrieve_quotes(bundled, "setting a VISION").equals(retrieve_quotes(bundled, "setting-vision"))


# ---------------------------------------------------------------- the quote screen

def table_rows(screen: QuoteScreen) -> int:
    return screen.table.value.count("<tr>") - 1  # the header


def test_screen_shows_the_quotes_of_the_competency_typed(small):
    screen = QuoteScreen(small)
    assert screen.csv_button.disabled
    screen.competency.value = "Setting a vision (setting-vision)"
    assert "<b>3</b> quotes from 2 sources" in screen.count.value
    assert table_rows(screen) == 3 and "(Dupont, 2015, para. 1)" in screen.table.value
    assert "le « leadership » inspire" in screen.table.value and not screen.csv_button.disabled
    screen.competency.value = "planning"  # the id typed: taken as well
    assert "<b>3</b> quotes from 2 sources" in screen.count.value


def test_screen_says_when_no_competency_has_the_name_typed(small):
    screen = QuoteScreen(small)
    screen.competency.value = "Leadrship"
    assert 'class="lc-error"' in screen.count.value and screen.table.value == ""
    assert screen.export("csv") is None and "choose a competency" in screen.status.value


def test_screen_and_not_and_filters(small):
    screen = QuoteScreen(small)
    screen.competency.value = "planning"
    screen.and_also.value = ("budgeting",)
    assert table_rows(screen) == 1 and "Planung und Budget" in screen.table.value
    screen.and_also.value = ()
    screen.but_not.value = ("setting-vision",)
    assert screen.quotes["quote"].tolist() == ["Planung und Budget"]  # Dupont's passage is coded a vision too
    screen.but_not.value = ()
    screen.coders.value = ("coder-b",)
    assert screen.quotes["quote"].tolist() == ["Vision"]
    screen.coders.value = ()
    screen.framings.value = ("management",)
    screen.sources.value = ("Dupont2015Gestion",)
    assert screen.quotes["quote"].tolist() == ["la gestion planifie"]


def test_screen_escapes_the_table(small):
    screen = QuoteScreen(small)
    screen.competency.value = "planning"
    assert "Planifier ≠ diriger" in screen.table.value
    assert "=HYPERLINK(&quot;http://example.com&quot;)" in screen.table.value


def test_export_csv_defuses_formulas(small):
    screen = QuoteScreen(small)
    screen.competency.value = "planning"
    screen.csv_button.click()
    path = small.path / "outputs" / "tables" / "quotes-planning.csv"
    assert "outputs/tables/quotes-planning.csv" in screen.status.value and 'class="lc-ok"' in screen.status.value
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [row["quote"] for row in rows] == screen.quotes["quote"].tolist()
    memos = {row["quote"]: row["memo"] for row in rows}
    assert memos["Planung und Budget"] == "'=HYPERLINK(\"http://example.com\")"  # shown as text, never run
    assert memos["la gestion planifie"] == "Planifier ≠ diriger"
    assert rows[0]["citation"].startswith("(")


def test_export_xlsx_opens_and_holds_the_rows_defused(small):
    screen = QuoteScreen(small)
    screen.competency.value = "planning"
    screen.xlsx_button.click()
    path = small.path / "outputs" / "tables" / "quotes-planning.xlsx"
    assert "quotes-planning.xlsx" in screen.status.value
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == QUOTE_COLUMNS
    assert len(rows) == 1 + len(screen.quotes)
    memo = QUOTE_COLUMNS.index("memo")
    cells = {row[QUOTE_COLUMNS.index("quote")]: row for row in rows[1:]}
    assert cells["Planung und Budget"][memo] == "'=HYPERLINK(\"http://example.com\")"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula at all
    assert cells["la gestion planifie"][QUOTE_COLUMNS.index("citation")] == "(Dupont, 2015, para. 1)"


def test_export_refused_when_outputs_is_a_file(small):
    (small.path / "outputs").write_text("not a folder", encoding="utf-8")
    screen = QuoteScreen(small)
    screen.competency.value = "planning"
    assert screen.export("csv") is None
    assert 'class="lc-error"' in screen.status.value and "nothing written" in screen.status.value
