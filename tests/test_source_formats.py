"""Source texts as committees have them, inside a review: the bundled PDF, saved web page and
Word file; pages carried from passages to codings to the report; the extraction cache; and
a bad file among good ones.

The bundled files were made from reading notes by tools/bundled_formats.py; the quirks of
each format are tested one by one in test_extract.py.
"""

from __future__ import annotations

import os
import shutil
import time
from html import escape as html_escape

import pytest
from conftest import problems_of

from litcoder import Review
from litcoder.inputs import extract as extract_module
from litcoder.inputs.extract import page_of
from litcoder.outputs.report import build

SOURCES = "corpus/sources"
PDF, HTML, DOCX = "Zaleznik1977ManagersLeaders", "Hibner2013ManagementVsLeadership", "Mintzberg1973Nature"


def of(frame, citekey):
    return frame[frame["citekey"] == citekey]


@pytest.mark.parametrize("citekey, suffix", [(PDF, ".pdf"), (HTML, ".html"), (DOCX, ".docx")])
def test_bundled_pdf_web_page_and_word_file_load_passaged_and_coded(bundled, citekey, suffix):
    assert bundled.text_files[citekey] == f"{SOURCES}/{citekey}{suffix}"
    passages = of(bundled.passages, citekey)
    assert len(passages) >= 8
    for row in passages.itertuples():
        assert bundled.texts[citekey][row.start:row.end] == row.text
    codings = of(bundled.codings, citekey)
    assert len(codings) >= 20 and codings["anchored"].all()
    for row in codings.itertuples():
        assert " ".join(bundled.texts[citekey][row.start:row.end].split()) == " ".join(row.quote.split())


def test_bundled_pdf_passages_and_codings_carry_their_pages(bundled):
    passages = of(bundled.passages, PDF)
    pages = passages["pdf_page"].tolist()
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == len(bundled.text_pages[PDF]) == 3
    # the notes' PDF has no page labels and its entry no pages field: the printed page is the file's
    assert passages["page"].tolist() == [str(p) for p in pages]
    assert list(passages["section"].unique()) == ["Two personalities", "How leaders develop"]
    codings = of(bundled.codings, PDF)
    assert codings["page"].notna().all() and set(codings["page"]) == {"1", "2", "3"}
    for row in codings.itertuples():
        assert row.pdf_page == page_of(bundled.text_pages[PDF], row.start) and row.page == str(row.pdf_page)
    assert of(bundled.codings, HTML)["page"].isna().all() and of(bundled.passages, DOCX)["page"].isna().all()


def test_bundled_web_page_is_the_notes_without_the_site_around_them(bundled):
    text = bundled.texts[HTML]
    assert text.startswith("# Hibner, Holly (2013). Management vs. Leadership\n\n")
    for chrome in ("Search the notes", "About", "Share this", "Facebook", "Tags:", "Leave a reply",
                   "Second reader", "Committee chair", "Recent notes", "for members only", "dataLayer"):
        assert chrome not in text, chrome


def test_bundled_word_file_keeps_its_headings_as_sections(bundled):
    passages = of(bundled.passages, DOCX)
    assert "The ten roles" in set(passages["section"])
    assert bundled.texts[DOCX].startswith("# Mintzberg (1973). The Nature of Managerial Work\n\n")


def test_report_and_tables_cite_pdf_quotes_with_their_page(review_copy):
    result = build(review_copy, images=False)
    html = result.report.read_text(encoding="utf-8")
    review = Review.load(review_copy)
    first = of(review.codings, PDF).sort_values(["competency", "passage", "coder", "id"]).iloc[0]
    author_year = review.sources.set_index("citekey").loc[PDF, "author_year"]
    cited = f"{html_escape(author_year)}, p. {first['page']}"
    assert f'#p{first["passage"]}" title="Read it in context">{cited}</a>' in html
    table = (review_copy / "outputs/tables/codings.csv").read_text(encoding="utf-8").splitlines()
    assert "page" in table[0].split(",")
    assert any(line.startswith(f"{first['coder']},{first['id']},{PDF},{first['passage']},") and
               f",{first['page']}," in line for line in table)


def test_second_load_reads_every_text_from_the_cache(review_copy, monkeypatch):
    first = Review.load(review_copy)
    assert len(list((review_copy / ".litcoder/cache").glob("*.json"))) == 12

    def no_reading(*args):
        raise AssertionError("a source was extracted again")

    monkeypatch.setattr(extract_module, "_extract_data", no_reading)
    second = Review.load(review_copy)
    assert second.texts == first.texts and second.problems == first.problems
    assert second.passages.equals(first.passages) and second.codings.equals(first.codings)


def test_a_changed_file_is_read_again(review_copy):
    Review.load(review_copy)
    page = review_copy / SOURCES / f"{HTML}.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", "<p>A paragraph the committee added after the first load.</p></article>"), encoding="utf-8")
    review = Review.load(review_copy)
    assert of(review.passages, HTML)["text"].iloc[-1] == "A paragraph the committee added after the first load."
    assert review.problems == []


def test_a_lost_or_broken_cache_only_costs_reading_again(bundled, review_copy):
    Review.load(review_copy)
    for entry in (review_copy / ".litcoder/cache").glob("*.json"):
        entry.write_text('{"version": "0", "text": 1', encoding="utf-8")
    assert Review.load(review_copy).texts == bundled.texts
    shutil.rmtree(review_copy / ".litcoder")
    assert Review.load(review_copy).texts == bundled.texts


def test_damaged_pdf_is_an_error_and_the_rest_of_the_review_loads(bundled, review_copy):
    path = review_copy / SOURCES / f"{PDF}.pdf"
    path.write_bytes(path.read_bytes()[:2000])  # an interrupted download
    review = Review.load(review_copy)
    errors = [p for p in review.problems if p.severity == "error"]
    assert [(p.file, p.kind) for p in errors] == [(f"{SOURCES}/{PDF}.pdf", "source-pdf-damaged")]
    assert errors[0].action  # says what to do
    assert of(review.passages, PDF).empty
    assert len(review.passages) == len(bundled.passages) - len(of(bundled.passages, PDF))
    assert len(review.codings) == len(bundled.codings)  # the source's codings are kept, unplaced
    assert not of(review.codings, PDF)["anchored"].any()
    assert sorted((p.file, p.kind) for p in review.problems) == [
        (f"{SOURCES}/{PDF}.pdf", "source-codings-unplaced"), (f"{SOURCES}/{PDF}.pdf", "source-pdf-damaged")]
    assert review.sources.set_index("citekey").at[PDF, "text_file"] == f"{SOURCES}/{PDF}.pdf"


def test_scanned_pdf_says_to_run_ocr(review_copy):
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(Image.new("L", (60, 80), 200), x=20, y=20, w=120)
    (review_copy / SOURCES / f"{PDF}.pdf").write_bytes(bytes(pdf.output()))
    review = Review.load(review_copy)
    (problem,) = [p for p in review.problems if p.file == f"{SOURCES}/{PDF}.pdf" and p.severity == "error"]
    assert "no text layer" in problem.message and "OCR" in problem.action


def test_coders_page_is_kept_for_a_source_without_pages_and_the_texts_page_wins_in_a_pdf(bundled, review_copy):
    pdf_coding = of(bundled.codings, PDF).iloc[0]
    md_coding = of(bundled.codings, "Kotter1990WhatLeaders").iloc[0]
    header = "id,citekey,passage,quote,competency,framing,page\n"
    (review_copy / "corpus/codings/coder-p.csv").write_text(
        header
        + f'p1,{PDF},{pdf_coding["passage"]},"{pdf_coding["quote"]}",setting-vision,leadership,99\n'
        + f'p2,Kotter1990WhatLeaders,{md_coding["passage"]},"{md_coding["quote"]}",setting-vision,leadership,104\n'
        + f'p3,Kotter1990WhatLeaders,{md_coding["passage"]},"{md_coding["quote"]}",setting-vision,leadership,0\n',
        encoding="utf-8")
    review = Review.load(review_copy)
    assert problems_of(review, file="corpus/codings/coder-p.csv") == []
    mine = review.codings[review.codings["coder"] == "coder-p"].set_index("id")["page"]
    assert mine["p1"] == pdf_coding["page"] and mine["p2"] == "104" and mine.isna()["p3"]


def test_cache_entries_long_unused_are_removed_and_those_in_use_kept(review_copy):
    Review.load(review_copy)
    cache = review_copy / ".litcoder/cache"
    stale = cache / f"{'0123abcd' * 8}.json"  # an entry's name: the SHA-256 of a text since edited
    stale.write_text('{"text": "a text since edited"}', encoding="utf-8")
    notes = cache / "notes.json"  # not litcoder's: never removed
    notes.write_text("{}", encoding="utf-8")
    forty_days_ago = time.time() - 40 * 86400
    for entry in cache.iterdir():
        os.utime(entry, (forty_days_ago, forty_days_ago))
    Review.load(review_copy)
    assert not stale.exists() and len(list(cache.glob("*.json"))) == 12 + 1 and notes.exists()
