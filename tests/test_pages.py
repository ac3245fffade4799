"""Pages a reader can cite: a PDF's printed page numbers, from its page labels, else its
entry's `pages` field, else litcoder.toml's first_page (which wins over both), carried
from passages to codings, citations and codings.csv."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from conftest import ROOT, problems_of
from fpdf import FPDF

from litcoder import Review
from litcoder.inputs.bibliography import with_page
from litcoder.inputs.extract import extract, extract_cached
from litcoder.inputs.pages import (
    LABEL_CHARS,
    cited_pages,
    count_on,
    countable,
    first_page,
    informative,
    label_of,
    page_span,
    printed_pages,
)
from litcoder.inputs.settings import read_settings
from litcoder.outputs.report import codings_table

# ---------------------------------------------------------------- the pages field


@pytest.mark.parametrize("pages, first", [
    ("67--78", "67"), ("67–78", "67"), ("67-78", "67"), ("67 — 78", "67"), ("67", "67"), ("pp. 67-78", "67"),
    ("p. 67", "67"), ("Pages 67–78", "67"), ("67+", "67"), ("67ff.", "67"), ("S12--S19", "S12"), ("S12-19", "S12"),
    ("xii--xx", "xii"), ("XII–XX", "XII"), (" 67 -- 78 ", "67"), ("1234-56", "1234"),
    ("e1234", None), ("", None), (None, None), (pd.NA, None), (float("nan"), None),
    ("67, 70--72", None), ("Article 5", None), ("78--67", None),
    ("1-2-3", None), ("S12--T19", None), ("xii--20", None), ("forthcoming", None), ("67--", None),
])
def test_first_page_of_real_pages_fields(pages, first):
    assert first_page(pages) == first


def test_page_span_knows_abbreviated_ranges():
    assert page_span("67--78") == ("67", 12)
    assert page_span("1234-56") == ("1234", 23)
    assert page_span("67-8") == ("67", 2)
    assert page_span("xii--xx") == ("xii", 9)
    assert page_span("67") == ("67", None)


def test_labels_are_counted_on_in_their_own_style():
    assert count_on("67", 3) == ["67", "68", "69"]
    assert count_on("S12", 2) == ["S12", "S13"]
    assert count_on("A-9", 2) == ["A-9", "A-10"]
    assert count_on("xii", 4) == ["xii", "xiii", "xiv", "xv"]
    assert count_on("XCIX", 2) == ["XCIX", "C"]
    assert [countable(x) for x in ("103", "S12", "xii", "Xii", "12a", "iiii", "", "A-3-4")] == [
        True, True, True, False, False, False, False, False]
    with pytest.raises(ValueError):
        count_on("12a", 2)


def test_precedence_override_then_pdf_labels_then_bibliography_then_the_file():
    labels = ["i", "ii", "1"]
    assert printed_pages(3, labels, "103", "67--78") == (["103", "104", "105"], "litcoder.toml")
    assert printed_pages(3, labels, None, "67--78") == (labels, "PDF")
    assert printed_pages(3, None, None, "67--78") == (["67", "68", "69"], "bibliography")
    assert printed_pages(3, None, None, "e1234") == (["1", "2", "3"], "file")
    assert printed_pages(3, None, None, "") == (["1", "2", "3"], "file")
    # labels that only count as the file does say nothing: the pages field decides
    assert not informative(["1", "2", "3"]) and informative(["1", "2", "4"])
    assert printed_pages(3, ["1", "2", "3"], None, "67--78")[1] == "bibliography"
    # an unlabelled page (a cover) has no printed page; a label past the list is the file's page
    assert printed_pages(2, [None, "1"])[0] == [None, "1"]
    assert label_of([None, "1"], 1) is None and label_of(["67"], 5) == "5"


def test_citations_take_the_label_as_it_is():
    assert with_page("Kotter, 1990", "104") == "Kotter, 1990, p. 104"
    assert with_page("Kotter, 1990", "xii") == "Kotter, 1990, p. xii"
    assert with_page("Kotter, 1990", "S13") == "Kotter, 1990, p. S13"
    assert with_page("Kotter, 1990", pd.NA) == with_page("Kotter, 1990", None) == "Kotter, 1990"


def test_codings_get_the_printed_page_and_keep_the_pdf_page():
    codings = pd.DataFrame({"citekey": ["pdf", "pdf", "notes", "pdf"], "page": pd.array([2, 1, 104, 9], "Int64"),
                            "anchored": [True, True, True, False], "quote": ["a", "b", "c", "d"]})
    cited = cited_pages(codings, {"pdf": ["67", "68"]})
    assert cited["page"].tolist() == ["68", "67", "104", "9"]  # the orphan keeps the page its coder gave
    assert cited["pdf_page"].tolist() == [2, 1, pd.NA, pd.NA]
    assert list(cited.columns) == ["citekey", "page", "pdf_page", "anchored", "quote"]
    assert str(cited["page"].dtype) == "string" and str(cited["pdf_page"].dtype) == "Int64"


# ---------------------------------------------------------------- PDFs with and without labels


PAGE_TEXTS = [
    "Leaders set a direction for the branch and say why it matters to the people who work there.",
    "Managers plan the budget for the year and keep the rota fair for every member of staff.",
    "Charisma is not what makes a leader; what a leader does with the staff is what counts.",
]


def make_pdf(path: Path, texts: list[str] = PAGE_TEXTS, labels: list[tuple] = ()) -> Path:
    """A PDF with one paragraph per page; `labels` are (first page, last page, style, prefix, start)
    ranges written to its /PageLabels."""
    pdf = FPDF(format=(148, 210), unit="mm")  # A5
    pdf.set_auto_page_break(False)
    for text in texts:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.set_xy(15, 25)
        pdf.multi_cell(110, 5.5, text)
    data = bytes(pdf.output())
    if labels:
        writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
        for start, end, style, prefix, first in labels:
            writer.set_page_label(start, end, style=style, prefix=prefix, start=first)
        buffer = io.BytesIO()
        writer.write(buffer)
        data = buffer.getvalue()
    path.write_bytes(data)
    return path


def test_a_pdf_with_labels_gives_them_and_one_without_gives_none(tmp_path):
    labelled = make_pdf(tmp_path / "labelled.pdf", labels=[(0, 0, "/r", None, 11), (1, 2, "/D", "A-", 3)])
    plain = make_pdf(tmp_path / "plain.pdf")
    result = extract(labelled, "labelled.pdf")
    assert result.labels == ["xi", "A-3", "A-4"] and len(result.pages) == 3
    assert extract(plain, "plain.pdf").labels is None
    (tmp_path / "notes.md").write_text("\n\n".join(PAGE_TEXTS), encoding="utf-8")
    assert extract(tmp_path / "notes.md", "notes.md").labels is None


def test_labels_out_of_reason_are_cut_or_left_unused(tmp_path):
    long = make_pdf(tmp_path / "long.pdf", labels=[(0, 2, "/D", "Chapter\x07 one  ", 1)])
    assert extract(long, "long.pdf").labels == ["Chapter one 1", "Chapter one 2", "Chapter one 3"]
    longer = make_pdf(tmp_path / "longer.pdf", labels=[(0, 2, "/D", "y" * 100, 1)])
    assert extract(longer, "longer.pdf").labels == ["y" * LABEL_CHARS] * 3
    huge = make_pdf(tmp_path / "huge.pdf", labels=[(0, 2, "/D", "x" * 10_000, 1)])
    assert extract(huge, "huge.pdf").labels is None
    writer = pypdf.PdfWriter(clone_from=make_pdf(tmp_path / "broken.pdf"))
    writer._root_object[pypdf.generic.NameObject("/PageLabels")] = pypdf.generic.NumberObject(7)
    writer.write(tmp_path / "broken.pdf")
    result = extract(tmp_path / "broken.pdf", "broken.pdf")
    assert result.labels is None and len(result.pages) == 3 and [p.severity for p in result.problems] == []


def test_the_cache_keeps_the_labels(tmp_path):
    labelled = make_pdf(tmp_path / "labelled.pdf", labels=[(0, 2, "/R", None, 4)])
    first = extract_cached(labelled, "labelled.pdf", tmp_path / "cache")
    again = extract_cached(labelled, "labelled.pdf", tmp_path / "cache")
    assert first.labels == again.labels == ["IV", "V", "VI"]


# ---------------------------------------------------------------- a tiny review with both


BIB = """\
@article{Labelled2001,
  author  = {Ash, Ann},
  title   = {A Labelled Article},
  journal = {Library Leadership},
  year    = {2001},
  pages   = {200--202}
}

@article{Unlabelled2002,
  author  = {Birch, Ben},
  title   = {An Article Without Labels},
  journal = {Library Leadership},
  year    = {2002},
  pages   = {67--78}
}

@article{Unnumbered2003,
  author  = {Cedar, Cy},
  title   = {An Article Numbered Online},
  journal = {Library Leadership},
  year    = {2003},
  pages   = {e1234}
}

@misc{Notes2004,
  author  = {Dale, Di},
  title   = {Reading Notes},
  year    = {2004}
}
"""


def tiny_review(root: Path, toml: str | None = None) -> Review:
    """A review of three PDFs (one with labels i, ii, iii; one at pp. 67–78 without labels; one
    with an article number) and Markdown notes, each page's paragraph coded by one coder."""
    sources = root / "corpus" / "sources"
    sources.mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "codebook.yaml", root / "corpus" / "codebook.yaml")
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    if toml is not None:
        (root / "litcoder.toml").write_text(toml, encoding="utf-8")
    make_pdf(sources / "Labelled2001.pdf", labels=[(0, 2, "/r", None, 1)])
    make_pdf(sources / "Unlabelled2002.pdf")
    make_pdf(sources / "Unnumbered2003.pdf")
    (sources / "Notes2004.md").write_text("# Notes\n\n" + "\n\n".join(PAGE_TEXTS) + "\n", encoding="utf-8")
    passages = Review.load(root).passages
    rows = ["id,citekey,passage,quote,competency,framing,page"]
    for n, p in enumerate(passages.itertuples(), 1):
        page = "12" if p.citekey == "Notes2004" and p.passage == 1 else ""
        rows.append(f'c{n},{p.citekey},{p.passage},"{p.text.split(";")[0]}",setting-vision,leadership,{page}')
    (root / "corpus" / "codings").mkdir()
    (root / "corpus" / "codings" / "coder-a.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Review.load(root)


def pages_of(frame: pd.DataFrame, citekey: str, column: str = "page") -> list:
    return frame[frame["citekey"] == citekey].sort_values("passage")[column].tolist()


def test_codings_cite_pdf_labels_else_the_pages_field_else_the_file(tmp_path):
    review = tiny_review(tmp_path)
    assert [(p.severity, p.file, p.kind) for p in review.problems] == []
    assert pages_of(review.passages, "Labelled2001") == ["i", "ii", "iii"]
    assert pages_of(review.passages, "Unlabelled2002") == ["67", "68", "69"]
    assert pages_of(review.passages, "Unnumbered2003") == ["1", "2", "3"]
    assert pages_of(review.passages, "Notes2004") == [pd.NA] * 3
    assert pages_of(review.passages, "Labelled2001", "pdf_page") == [1, 2, 3]
    codings = review.codings
    assert pages_of(codings, "Labelled2001") == ["i", "ii", "iii"]
    assert pages_of(codings, "Unlabelled2002") == ["67", "68", "69"]
    assert pages_of(codings, "Unnumbered2003") == ["1", "2", "3"]
    assert pages_of(codings, "Notes2004")[0] == "12" and pages_of(codings, "Notes2004")[1:] == [pd.NA] * 2
    assert pages_of(codings, "Unlabelled2002", "pdf_page") == [1, 2, 3]
    assert pages_of(codings, "Notes2004", "pdf_page") == [pd.NA] * 3
    # codings.csv as the build writes it: the printed page, and the PDF's page beside it
    path = tmp_path / "codings.csv"
    codings_table(review).to_csv(path, index=False)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert pages_of(table, "Labelled2001") == ["i", "ii", "iii"]
    assert pages_of(table, "Unlabelled2002") == ["67", "68", "69"]
    assert pages_of(table, "Unlabelled2002", "pdf_page") == ["1", "2", "3"]
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    second = codings[(codings["citekey"] == "Unlabelled2002") & (codings["passage"] == 2)].iloc[0]
    assert with_page(cite["Unlabelled2002"], second["page"]) == "Birch, 2002, p. 68"


def test_first_page_in_litcoder_toml_wins_over_labels_and_the_pages_field(tmp_path):
    toml = ('[sources.Labelled2001]\nfirst_page = 103\n\n[sources.Unlabelled2002]\nfirst_page = "S12"\n\n'
            '[sources.Unnumbered2003]\nfirst_page = "xii"\n')
    review = tiny_review(tmp_path, toml)
    assert [(p.severity, p.kind) for p in review.problems] == []
    assert pages_of(review.codings, "Labelled2001") == ["103", "104", "105"]
    assert pages_of(review.codings, "Unlabelled2002") == ["S12", "S13", "S14"]
    assert pages_of(review.codings, "Unnumbered2003") == ["xii", "xiii", "xiv"]


def test_a_pdf_longer_than_its_pages_field_gets_a_note_on_cover_pages(tmp_path):
    review = tiny_review(tmp_path)
    (tmp_path / "references.bib").write_text(BIB.replace("67--78", "67--68"), encoding="utf-8")
    review = Review.load(tmp_path)
    (note,) = problems_of(review, "source-pages")
    assert note.severity == "info" and note.file == "corpus/sources/Unlabelled2002.pdf"
    assert "67–69" in note.message and "first_page" in note.action
    assert pages_of(review.codings, "Unlabelled2002") == ["67", "68", "69"]


# ---------------------------------------------------------------- litcoder.toml


def write_toml(root: Path, text: str) -> None:
    (root / "litcoder.toml").write_text(text, encoding="utf-8")


def test_first_page_is_read_per_source(tmp_path):
    write_toml(tmp_path, '[sources.Kotter1990Force]\nfirst_page = 103\n\n[sources."odd key"]\nfirst_page = "S12"\n'
               '\n[sources]\nInline2020 = { first_page = "xii" }\n')
    settings, log = read_settings(tmp_path)
    assert list(log) == []
    assert settings["sources"] == {"Kotter1990Force": {"first_page": "103", "line": 1},
                                   "odd key": {"first_page": "S12", "line": 4},
                                   "Inline2020": {"first_page": "xii", "line": 8}}


@pytest.mark.parametrize("value", ['"one hundred"', "true", "0", "-3", "10.5", '"12a"', "[103]"])
def test_a_first_page_that_cannot_be_counted_on_is_an_error_at_its_line(tmp_path, value):
    write_toml(tmp_path, f'[references]\nfiles = ["references.bib"]\n\n[sources.Kotter1990Force]\n# note\n'
               f'first_page = {value}\n')
    settings, log = read_settings(tmp_path)
    (problem,) = list(log)
    assert (problem.severity, problem.kind, problem.line) == ("error", "settings-sources", 6)
    assert "first_page" in problem.message and "first_page = 103" in problem.action
    assert "first_page" not in settings["sources"]["Kotter1990Force"]


def test_sources_that_are_not_sections_and_unknown_keys(tmp_path):
    write_toml(tmp_path, 'sources = 3\n')
    settings, log = read_settings(tmp_path)
    assert [(p.severity, p.kind, p.line) for p in log] == [("error", "settings-sources", 1)]
    write_toml(tmp_path, '[sources]\nKotter1990Force = 103\n\n[sources.Bass1985Beyond]\nfirstpage = 5\n')
    settings, log = read_settings(tmp_path)
    assert [(p.severity, p.kind, p.line) for p in log] == [("error", "settings-sources", 2),
                                                            ("warning", "settings-key", 5)]
    assert settings["sources"] == {"Bass1985Beyond": {"line": 4}}


def test_bundled_review_with_a_first_page_for_an_unknown_citekey_and_for_notes(review_copy):
    write_toml(review_copy, '[references]\nfiles = ["references.bib"]\n\n[sources.Zaleznik1977ManagerLeaders]\n'
               'first_page = 67\n\n[sources.Kotter1990WhatLeaders]\nfirst_page = 103\n')
    review = Review.load(review_copy)
    unknown, notes = sorted(problems_of(review, "settings-sources"), key=lambda p: p.line)
    assert (unknown.severity, unknown.file, unknown.line) == ("warning", "litcoder.toml", 4)
    assert "did you mean Zaleznik1977ManagersLeaders?" in unknown.message
    assert (notes.severity, notes.line) == ("warning", 7) and "has no pages" in notes.message
    assert pages_of(review.codings, "Zaleznik1977ManagersLeaders")[0] == "1"


def test_bundled_review_cites_the_pdfs_own_pages_and_a_first_page_moves_them(bundled, review_copy):
    pdf = "Zaleznik1977ManagersLeaders"
    assert set(bundled.codings.loc[bundled.codings["citekey"] == pdf, "page"]) == {"1", "2", "3"}
    bundled_toml = (ROOT / "litcoder.toml").read_text(encoding="utf-8")  # its attributes too
    write_toml(review_copy, f"{bundled_toml}\n[sources.{pdf}]\nfirst_page = 67\n")
    review = Review.load(review_copy)
    assert review.problem_counts() == {"error": 0, "warning": 0, "info": 0}
    codings = review.codings[review.codings["citekey"] == pdf]
    assert set(codings["page"]) == {"67", "68", "69"}
    assert (codings["page"].astype(int) - codings["pdf_page"] == 66).all()


def test_cards_and_codings_csv_of_a_build_cite_printed_pages(tmp_path):
    from litcoder.outputs.report import build

    tiny_review(tmp_path)
    html = build(tmp_path, images=False).report.read_text(encoding="utf-8")
    for cited in ("Ash, 2001, p. ii", "Birch, 2002, p. 68", "Cedar, 2003, p. 3", "Dale, 2004, p. 12"):
        assert cited in html
    assert "Birch, 2002, p. 2" not in html
    table = pd.read_csv(tmp_path / "outputs" / "tables" / "codings.csv", dtype=str, keep_default_na=False)
    assert pages_of(table, "Labelled2001") == ["i", "ii", "iii"]
    assert pages_of(table, "Unlabelled2002") == ["67", "68", "69"]
