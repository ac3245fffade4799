"""outputs/report.docx, opened as Word opens it (python-docx): headings, tables, figures with
captions, the quote book's APA citations, the reference list; the template; failures people can read."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import docx
import pytest

from litcoder import Review
from litcoder.analysis.evidence import METHOD, weigh_evidence
from litcoder.outputs.word import WordReportError, pandoc_and_style, write_word_report

BUILT_ON = "2026-11-30"
HEADINGS = ["Summary", "Leadership competencies", "Management competencies", "Contested competencies",
            "Other competencies", "Evidence", "The literature by kind of source", "Competencies coded together",
            "Figures", "Quote book", "How the literature was selected", "How the evidence was weighed", "References"]


def png(path: Path, width: int = 60, height: int = 40, colour=(0, 114, 178)) -> Path:
    """A small real PNG (one colour), written without any imaging library."""
    row = b"\x00" + bytes(colour) * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="module")
def evidence(bundled):
    return weigh_evidence(bundled)


@pytest.fixture(scope="module")
def written(bundled, evidence, tmp_path_factory):
    folder = tmp_path_factory.mktemp("docx")
    figures = {png(folder / "evidence.png"): "The evidence for each competency, by what its sources say",
               png(folder / "matrix.png", colour=(213, 94, 0)): "Competencies by source"}
    extra = {"Coders and their codings": bundled.codings.groupby("coder").size().rename("Codings").reset_index()}
    result = write_word_report(bundled, evidence, folder / "outputs" / "report.docx", figures=figures,
                               tables=extra, built_on=BUILT_ON)
    return result, docx.Document(str(result.path))


def curly(text: str) -> str:
    """Text as pandoc typesets it: apostrophes curly."""
    return text.replace("'", "’")


def paragraphs(document, style: str | None = None) -> list[str]:
    return [p.text for p in document.paragraphs if style is None or p.style.name == style]


def section(document, heading: str) -> list:
    """The paragraphs under a level-1 heading, up to the next one."""
    out, inside = [], False
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text == heading
        elif inside:
            out.append(p)
    return out


# ---------------------------------------------------------------- structure

def test_headings_in_order(written, bundled, evidence):
    result, document = written
    assert paragraphs(document, "Heading 1") == HEADINGS
    lists = [p.text for h in HEADINGS[1:5] for p in section(document, h) if p.style.name == "Heading 2"]
    assert sorted(lists) == sorted(evidence["label"])  # every competency in exactly one list
    leadership = [p.text for p in section(document, "Leadership competencies") if p.style.name == "Heading 2"]
    assert leadership == evidence.loc[evidence["classification"] == "leadership", "label"].tolist()


def test_each_competency_has_its_classification_sentence_and_ruling(written, evidence):
    _, document = written
    texts = paragraphs(document)
    row = evidence.set_index("competency").loc["setting-vision"]
    at = texts.index("Setting a vision")
    assert texts[at + 1] == curly(row["explanation"])
    assert texts[at + 2].startswith("Ruling: leadership (2026-10-14, full committee); it agrees with the evidence. ")
    assert texts[at + 2].endswith(curly(row["decision_rationale"]))
    at = texts.index("Winning buy-in")
    assert texts[at + 2] == "Ruling: none yet."
    charisma = texts[texts.index("Charisma") + 2]
    assert charisma.startswith("Ruling: neither (") and "it has drifted from the evidence" in charisma


def test_at_least_three_tables_with_numbered_captions(written, evidence):
    _, document = written
    # the summary, the evidence, the sources, the one given, where sources of two kinds lean apart (one
    # per attribute), the pairs of competencies coded together, and the searches, the works set aside and the
    # screeners' agreement
    assert len(document.tables) == 4 + 3 + 1 + 3
    assert paragraphs(document, "Table Caption") == [
        "Table 1. The competencies by the classification the evidence supports",
        "Table 2. The evidence for each competency", "Table 3. The sources coded",
        "Table 4. Coders and their codings",
        *(f"Table {n}. By {name}: where most sources of two kinds say different things, on too few sources to "
          "classify" for n, name in ((5, "source type"), (6, "field"), (7, "sector written for"))),
        "Table 8. The pairs of competencies coded together most often", "Table 9. The searches",
        "Table 10. The works set aside, by the committee’s reason and stage",
        "Table 11. Agreement between screeners, per stage"]
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["Competency", "Classified", "Sources (L / M / other)",
                                                     "Leadership share (95 % interval)", "Ruling"]
    assert len(table.rows) == len(evidence) + 1
    planning = [c.text for c in table.rows[1].cells]
    row = evidence.iloc[0]
    assert planning[0] == row["label"] and planning[1].startswith(row["classification"].capitalize())
    assert re.fullmatch(r"\d+\u00a0\(\d+\u00a0/\u00a0\d+\u00a0/\u00a0\d+\)", planning[2])
    assert re.fullmatch(r"\d+\u00a0%\u00a0\(\d+–\d+\u00a0%\)", planning[3])  # '10 % (0–34 %)', people's values


def test_one_picture_per_figure_with_its_caption_and_source_note(written, bundled):
    _, document = written
    assert len(document.inline_shapes) == 2
    texts = [(p.style.name, p.text) for p in section(document, "Figures")]
    captions = [text for style, text in texts if style == "Image Caption"]
    assert captions == ["Figure 1. The evidence for each competency, by what its sources say",
                        "Figure 2. Competencies by source"]
    coded = bundled.quoted_codings["citekey"].nunique()
    notes = [text for _, text in texts if text.startswith("Note.")]
    assert notes == [f"Note. Source: committee codings of {coded} sources, litcoder build of {BUILT_ON}."] * 2
    # each picture sits right before its caption
    styles = [style for style, _ in texts]
    assert [styles[i + 1] for i, s in enumerate(styles) if s == "Captioned Figure"] == ["Image Caption"] * 2


def test_method_text_is_the_reports_own(written):
    _, document = written
    texts = [p.text for p in section(document, "How the evidence was weighed")]
    first = METHOD.strip().split("\n\n")[0]
    plain = " ".join(first.replace("**", "").replace("*", "").split())
    assert texts[0] == curly(plain)


# ---------------------------------------------------------------- citations and references

def test_reference_list_every_cited_work_once_in_apa_order(written, bundled):
    result, document = written
    references = paragraphs(document, "Bibliography")
    coded = set(bundled.quoted_codings["citekey"])
    assert set(result.cited) == coded and len(references) == len(coded) == len(set(references))
    families = [r.split(",")[0] for r in references]
    years = [int(re.search(r"\((\d{4})", r).group(1)) for r in references]
    assert list(zip(families, years)) == sorted(zip(families, years), key=lambda fy: (fy[0].casefold(), fy[1]))
    assert ("Fayol, H. (1949). General and industrial management (C. Storrs, Trans.). Sir Isaac Pitman & Sons. "
            "(Original work published 1916)") in references
    assert ("Gulick, L. (1937). Notes on the theory of organization. In L. Gulick & L. Urwick (Eds.), Papers on the "
            "science of administration. Institute of Public Administration, Columbia University.") in references
    assert "Hibner, H. (2013, November 14). Management vs. leadership. Library Lost & Found." in references
    assert ("Schmalenberg, C., & Kramer, M. (2009). Nurse manager support: How do staff nurses define it? Critical "
            "Care Nurse, 29(4).") in references


def test_quote_book_cites_pages_paragraphs_and_both_years(written, bundled):
    _, document = written
    quotes = [p.text for p in section(document, "Quote book") if p.text.startswith("“")]
    assert quotes and not any("passage" in q for q in quotes)
    assert any(re.search(r"” \(Fayol, 1916/1949\) — ", q) for q in quotes)
    assert any(re.search(r"” \(Zaleznik, 1977, p\. \d+\) — (management|leadership)", q) for q in quotes)
    assert any(re.search(r"” \(Hibner, 2013, para\. \d+\) — ", q) for q in quotes)


def test_quote_book_lists_each_quote_once(written, bundled, evidence):
    _, document = written
    texts = [(p.style.name, p.text) for p in section(document, "Quote book")]
    label = evidence.set_index("competency").loc["planning", "label"]
    start = texts.index(("Heading 2", label))
    items = []
    for style, text in texts[start + 1:]:
        if style == "Heading 2":
            break
        items.append(text)
    codings = bundled.quoted_codings
    planning = codings[codings["competency"] == "planning"]
    words = {(k, " ".join(q.split())) for k, q in zip(planning["citekey"], planning["quote"])}
    alone = [(k, q) for k, q in words if not any(k == k2 and q != q2 and q in q2 for k2, q2 in words)]
    assert len(items) == min(len(alone), 40) and len(set(items)) == len(items)


def test_a_quote_inside_a_longer_one_is_shown_by_the_longer_one(written):
    _, document = written
    quotes = [p.text for p in section(document, "Quote book") if p.text.startswith("“")]
    shorter = "“As figurehead the manager carries out ceremonial and symbolic duties”"
    assert not any(q.startswith(shorter) for q in quotes)
    longer = [q for q in quotes if q.startswith(shorter[:-1]) and "(Mintzberg, 1973)" in q]
    assert longer and all(len(q) > len(shorter) for q in longer)


def test_the_default_template_indents_the_references_as_apa_does(written):
    _, document = written
    style = document.styles["Bibliography"].paragraph_format
    assert (style.left_indent.inches, style.first_line_indent.inches) == (0.5, -0.5)


def test_the_default_template_sets_arial_11_so_table_columns_hold_their_words(written):
    """Arial 11 pt is one of APA 7's fonts; LibreOffice shows it as Liberation Sans, of the same
    widths. Without a font named, a wider stand-in broke 'Management' in the evidence table."""
    _, document = written
    font = document.styles["Normal"].font
    assert (font.name, font.size.pt) == ("Arial", 11)
    widths = [column.width for column in document.tables[1].columns]
    assert len(widths) == 5 and widths[-1] and widths[-1] / sum(widths) >= 0.14  # the ruling column's share


def test_summary_counts(written, evidence, bundled):
    _, document = written
    summary = section(document, "Summary")[0].text
    assert f"codings of {bundled.quoted_codings['citekey'].nunique()} sources" in summary
    leadership = int((evidence["classification"] == "leadership").sum())
    assert f"{leadership} competencies are classified as leadership" in summary


# ---------------------------------------------------------------- template, bad input, failures

def default_template(path: Path, heading_font: str) -> Path:
    pandoc, _ = pandoc_and_style()
    data = subprocess.run([pandoc, "--print-default-data-file", "reference.docx"], capture_output=True,
                          check=True).stdout
    path.write_bytes(data)
    template = docx.Document(str(path))
    template.styles["Heading 1"].font.name = heading_font
    template.save(str(path))
    return path


def test_the_committees_template_is_used(review_copy, tmp_path):
    default_template(review_copy / "corpus" / "reference.docx", "Gentium Committee")
    review = Review.load(review_copy)
    result = write_word_report(review, weigh_evidence(review), review_copy / "outputs" / "report.docx",
                               built_on=BUILT_ON)
    assert result.reference_doc == (review_copy / "corpus" / "reference.docx").resolve() and result.problems == []
    assert docx.Document(str(result.path)).styles["Heading 1"].font.name == "Gentium Committee"


def test_a_template_that_is_not_a_docx_is_reported_and_the_report_still_written(review_copy):
    (review_copy / "corpus" / "reference.docx").write_text("Vorlage für den Bericht", encoding="utf-8")
    review = Review.load(review_copy)
    result = write_word_report(review, weigh_evidence(review), review_copy / "out.docx", built_on=BUILT_ON)
    [problem] = result.problems
    assert problem.kind == "docx-template" and problem.file.endswith("reference.docx")
    assert "not a Word (.docx) file" in problem.message and "Word Document" in problem.action
    assert result.reference_doc is None and paragraphs(docx.Document(str(result.path)), "Heading 1") == [
        h for h in HEADINGS if h != "Figures"]


def test_a_missing_figure_is_reported_and_the_others_kept(bundled, evidence, tmp_path):
    figures = [png(tmp_path / "évidence.png"), tmp_path / "not-built.png"]
    result = write_word_report(bundled, evidence, tmp_path / "report.docx", figures=figures, built_on=BUILT_ON)
    [problem] = result.problems
    assert (problem.kind, problem.file) == ("docx-figure", str(tmp_path / "not-built.png"))
    document = docx.Document(str(result.path))
    assert len(document.inline_shapes) == 1
    assert paragraphs(document, "Image Caption") == ["Figure 1. Évidence"]


def test_pandoc_missing_is_a_clear_error(bundled, evidence, tmp_path, monkeypatch):
    import pypandoc

    def missing():
        raise OSError("No pandoc was found")

    monkeypatch.setattr(pypandoc, "get_pandoc_path", missing)
    monkeypatch.setattr("litcoder.outputs.word.shutil.which", lambda name: None)
    with pytest.raises(WordReportError, match=r"pandoc is missing.*pip install pypandoc-binary"):
        write_word_report(bundled, evidence, tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()


def test_the_same_build_writes_the_same_file(bundled, evidence, tmp_path):
    one = write_word_report(bundled, evidence, tmp_path / "one.docx", built_on=BUILT_ON).path.read_bytes()
    two = write_word_report(bundled, evidence, tmp_path / "two.docx", built_on=BUILT_ON).path.read_bytes()
    assert one == two
