"""inputs/extract: source files as people really have them → text split into passages.

Each test names the real-world quirk it covers. Binary fixtures (PDFs, Word files, texts in
legacy encodings) are made in tmp_path at test time; the one committed fixture is a blog
post page, tests/fixtures/texts/blog-post-with-comments.html. All texts are written for
these tests.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from fpdf import FPDF

from litcoder.inputs import extract as extract_module
from litcoder.inputs.corpus import split_passages
from litcoder.inputs.extract import READABLE, Extracted, extract, extract_cached
from litcoder.inputs.extract import pdf as pdf_reader
from litcoder.problems import ProblemLog

TEXTS = Path(__file__).resolve().parent / "fixtures" / "texts"
BLOG = TEXTS / "blog-post-with-comments.html"

FRENCH = ("Le rôle du directeur de bibliothèque : « diriger » n’est pas « gérer ».\n\n"
          "Un café pour l’équipe, une idée naïve, un résumé — “entre guillemets”.\n")
GERMAN = "Führung heißt nicht Verwaltung.\n\nDie Größe der Bibliothek ändert daran nichts.\n"


def kinds(result: Extracted) -> list[tuple[str, str]]:
    return [(p.severity, p.kind) for p in result.problems]


def only(result: Extracted, kind: str):
    found = [p for p in result.problems if p.kind == kind]
    assert len(found) == 1, list(result.problems)
    return found[0]


def paragraphs(text: str) -> list[str]:
    return [p["text"] for p in split_passages(text)]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- PDF fixtures


RUNNING_HEAD = "Journal of Branch Library Practice"


def make_pdf(path: Path, pages: list[list[tuple[str, object]]], running_head: str | None = RUNNING_HEAD,
             page_numbers: bool = True, indent: bool = False, gap: float = 4.0) -> Path:
    """A PDF laid out line by line, as a typesetter did: ("h", text) is a heading,
    ("p", [lines]) a paragraph, ("cont", [lines]) the rest of a paragraph from the page
    before, ("img", None) a scanned-looking image, ("rect", None) a drawn box. A running
    head at the top and the page number at the foot of every page."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    for number, items in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        if running_head:
            pdf.text(20, 12, running_head)
        if page_numbers:
            pdf.text(104, 287, str(number))
        y = 25.0
        for kind, content in items:
            if kind == "h":
                pdf.set_font("Helvetica", "B", 15)
                pdf.text(20, y, content)
                y += 10
            elif kind == "img":
                from PIL import Image

                image = Image.new("L", (60, 80), 200)
                pdf.image(image, x=20, y=y, w=120)
                y += 160
            elif kind == "rect":
                pdf.rect(20, y, 150, 100)
                y += 110
            else:
                pdf.set_font("Helvetica", size=11)
                for i, line in enumerate(content):
                    pdf.text(20 + (7 if indent and i == 0 and kind == "p" else 0), y, line)
                    y += 5.5
                y += gap
    pdf.output(str(path))
    return path


ESSAY = [
    [("h", "Leading the branch library"),
     ("p", ["Library leadership is not the same as library management, and a director",
            "who confuses the two will find the budget balanced while the staff drift."]),
     ("p", ["Good managers keep the catalogue current and the rota fair; good leader-",
            "ship asks what the library is for and brings the council along with it.",
            "Both are needed, and the best branch heads move between them as the"])],
    [("cont", ["week demands, without pretending that one can replace the other."]),
     ("p", ["On the second page the author turns to the self-",
            "management of small teams, and to self-management as a habit of the desk."])],
    [("h", "Conclusion"),
     ("p", ["A branch needs both: routines that run, and a reason for running them."])],
]


@pytest.fixture
def essay_pdf(tmp_path) -> Path:
    return make_pdf(tmp_path / "essay.pdf", ESSAY)


# ---------------------------------------------------------------- the API


def test_readable_suffixes_and_unknown_suffix_left_to_the_caller(tmp_path):
    assert READABLE == (".md", ".txt", ".html", ".htm", ".pdf", ".docx")
    assert extract(write(tmp_path, "notes.rtf", "{\\rtf1 text}"), "notes.rtf") is None
    assert extract_cached(write(tmp_path, "notes.odt", "x"), "notes.odt", tmp_path / "cache") is None


def test_uppercase_suffix_from_windows_is_read(tmp_path):
    result = extract(write(tmp_path, "NOTES.TXT", "Leaders ask why.\n"), "NOTES.TXT")
    assert result.kind == "text" and result.text == "Leaders ask why.\n"


def test_missing_file_is_an_error_not_a_crash(tmp_path):
    result = extract(tmp_path / "gone.pdf", "corpus/sources/gone.pdf")
    assert result.text == "" and kinds(result) == [("error", "source-unreadable")]
    assert result.problems[0].file == "corpus/sources/gone.pdf"


def test_page_at():
    result = Extracted("one\n\ntwo\n\nthree\n", [0, 5, 5, 10], ProblemLog("a.pdf"), "pdf")
    assert [result.page_at(i) for i in (0, 4, 5, 9, 10, 15)] == [1, 1, 3, 3, 4, 4]
    assert result.page_at(-1) is None and result.page_at(99) is None
    assert Extracted("text", None, ProblemLog("a.md"), "text").page_at(0) is None


# ---------------------------------------------------------------- .txt and .md


def test_utf8_markdown_is_kept_exactly_so_offsets_match_split_passages(tmp_path):
    source = "\ufeff# Notes\r\n\r\nLeaders ask why 👍.\r\n\r\nManagers ask how.\r\n"
    result = extract(write(tmp_path, "notes.md", source), "notes.md")
    assert result.text == source[1:]  # the byte-order mark goes, nothing else changes
    assert result.kind == "text" and result.pages is None and list(result.problems) == []
    for p in split_passages(result.text):
        assert result.text[p["start"]:p["end"]] == p["text"]
    assert paragraphs(result.text) == ["Leaders ask why 👍.", "Managers ask how."]


def test_windows_1252_text_with_accents_is_detected_not_read_as_central_european(tmp_path):
    # charset-normalizer ties Windows-1250 and -1252 on such text and picks 1250 (è → č)
    result = extract(write(tmp_path, "notes.txt", ("Plain first line\n" + FRENCH).encode("cp1252")), "notes.txt")
    assert result.text == "Plain first line\n" + FRENCH
    problem = only(result, "encoding")
    assert problem.severity == "warning" and problem.line == 2
    assert "read as Windows-1252; save it as UTF-8" in problem.message and "UTF-8" in problem.action


def test_latin1_german_text_is_read(tmp_path):
    result = extract(write(tmp_path, "notes.txt", GERMAN.encode("latin-1")), "notes.txt")
    assert result.text == GERMAN
    assert "read as" in only(result, "encoding").message


def test_central_european_text_keeps_its_code_page(tmp_path):
    czech = "Řízení knihovny není vedení knihovny. Ředitel, který je zaměňuje, ztratí důvěru zaměstnanců.\n"
    result = extract(write(tmp_path, "notes.txt", czech.encode("cp1250")), "notes.txt")
    assert result.text == czech
    assert "Windows-1250" in only(result, "encoding").message


def test_utf16_with_byte_order_mark_from_windows_notepad(tmp_path):
    result = extract(write(tmp_path, "notes.txt", GERMAN.replace("\n", "\r\n").encode("utf-16")), "notes.txt")
    assert result.text == GERMAN.replace("\n", "\r\n")
    problem = only(result, "encoding")
    assert "read as UTF-16" in problem.message and problem.line is None
    assert paragraphs(result.text) == ["Führung heißt nicht Verwaltung.",
                                       "Die Größe der Bibliothek ändert daran nichts."]


def test_utf16_without_byte_order_mark(tmp_path):
    result = extract(write(tmp_path, "notes.txt", GERMAN.encode("utf-16-le")), "notes.txt")
    assert result.text == GERMAN
    assert "UTF-16" in only(result, "encoding").message


def test_mac_roman_with_classic_mac_line_ends(tmp_path):
    source = FRENCH.replace("\n", "\r")
    result = extract(write(tmp_path, "notes.txt", source.encode("mac_roman")), "notes.txt")
    # CR alone becomes LF, one for one, so the offsets into the text are unchanged
    assert result.text == FRENCH and len(result.text) == len(source)
    assert "read as Mac Roman" in only(result, "encoding").message
    assert len(paragraphs(result.text)) == 2


def test_mostly_utf8_notes_with_one_pasted_windows_quote(tmp_path):
    data = "Café notes, in UTF-8.\n\n".encode() + "The staff’s idea.\n".encode("cp1252")
    result = extract(write(tmp_path, "notes.md", data), "notes.md")
    assert result.text == "Café notes, in UTF-8.\n\nThe staff’s idea.\n"
    problem = only(result, "encoding")
    assert problem.line == 3 and "mostly UTF-8" in problem.message and "1 byte" in problem.message


@pytest.mark.parametrize("name, data", [
    ("empty.md", b""),
    ("blank.txt", b"  \r\n\t\n"),
    ("bom-only.txt", b"\xff\xfe"),
    ("empty.pdf", b""),
    ("empty.docx", b""),
    ("empty.html", b"\n"),
    ("headings-only.md", b"# Notes\n\n## To do\n"),
])
def test_empty_file_is_a_warning(tmp_path, name, data):
    result = extract(write(tmp_path, name, data), name)
    assert split_passages(result.text) == []
    problem = only(result, "source-empty")
    assert problem.severity == "warning" and problem.message == "empty: no text to code"


def test_binary_file_named_txt_is_an_error(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
    result = extract(write(tmp_path, "notes.txt", data), "notes.txt")
    assert result.text == ""
    problem = only(result, "source-format")
    assert problem.severity == "error" and "old Word .doc" in problem.message


def test_pdf_saved_with_a_txt_name_is_read_as_a_pdf(tmp_path, essay_pdf):
    path = write(tmp_path, "essay.txt", essay_pdf.read_bytes())
    result = extract(path, "essay.txt")
    assert result.kind == "pdf" and len(result.pages) == 3 and "good leadership asks" in result.text
    assert "rename it to .pdf" in only(result, "source-format").action


# ---------------------------------------------------------------- .html


def test_html_blog_post_main_text_only(tmp_path):
    result = extract(BLOG, "post.html")
    text = result.text
    assert result.kind == "html" and result.pages is None
    for chrome in ("NAV-TEXT", "SCRIPT-TEXT", "STYLE-TEXT", "SHARE-TEXT", "Share this", "COMMENT-TEXT",
                   "TRACKBACK-TEXT", "Pingback", "REPLY-FORM-TEXT", "Leave a Reply", "responses to",
                   "FOOTER-TEXT", "Posted on"):
        assert chrome not in text
    passages = split_passages(text)
    assert [p["text"][:30] for p in passages] == [
        "When I took over the branch, I", "Leadership turned out to be so",
        "We stopped measuring success o", "None of this replaced the rout"]
    # the page title and the article's headings are sections, not passages
    assert [p["section"] for p in passages] == ["Leading a small library is not the same as running it"] * 2 + [
        "What changed in the first year"] * 2
    assert "The café corner was the staff’s idea, not mine." in text
    assert "\n\n## What changed in the first year\n\n" in text
    assert list(result.problems) == []


def test_html_in_windows_1252_declared_in_meta(tmp_path):
    page = BLOG.read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="windows-1252"')
    result = extract(write(tmp_path, "post.htm", page.encode("cp1252", errors="replace")), "post.htm")
    assert "The café corner was the staff’s idea, not mine." in result.text
    assert list(result.problems) == []


def test_html_that_lies_about_its_encoding(tmp_path):
    page = BLOG.read_text(encoding="utf-8")  # says utf-8, but saved by an old editor as Windows-1252
    result = extract(write(tmp_path, "post.html", page.encode("cp1252", errors="replace")), "post.html")
    assert "The café corner was the staff’s idea, not mine." in result.text
    problem = only(result, "encoding")
    assert problem.severity == "warning" and "says it is utf-8, but it is not" in problem.message


def test_html_comment_section_the_layout_let_through_is_cut(tmp_path):
    page = """<html><head><title>Post</title></head><body><div class="content"><h1>Post</h1>
    <p>Leaders in libraries set the direction for their staff and explain the reasons behind every change
    they ask for, which takes time and patience.</p>
    <p>Managers in libraries keep the daily work going, from the rota to the budget, and they make sure every
    promise made to the public is kept.</p>
    <h3>2 responses to Post</h3>
    <p>Alex: COMMENT-TEXT nice post about leaders and managers, I will share it with my team.</p>
    <p>Kim: COMMENT-TEXT the distinction is overdrawn in small branches where one person does both.</p>
    <h3>Leave a Reply</h3></div></body></html>"""
    result = extract(write(tmp_path, "post.html", page), "post.html")
    assert "COMMENT-TEXT" not in result.text and "responses" not in result.text
    assert len(paragraphs(result.text)) == 2
    assert only(result, "source-html-comments").severity == "info"


def test_html_lists_tables_and_line_breaks_keep_blank_lines_between_blocks(tmp_path):
    page = """<html><body><article><h2>Roles</h2>
    <p>A first paragraph about how a library director divides the week between planning and people,
    long enough to be the article.<br>A second line of it.</p>
    <ul><li>the rota</li><li>the budget<ul><li>the book fund</li></ul></li></ul>
    <table><tr><th>Task</th><th>Framing</th></tr><tr><td>Vision</td><td>Leadership</td></tr></table>
    <p>A last paragraph, about why managers and leaders in libraries need each other every single day.</p>
    </article></body></html>"""
    result = extract(write(tmp_path, "roles.html", page), "roles.html")
    assert paragraphs(result.text) == [
        "A first paragraph about how a library director divides the week between planning and people, "
        "long enough to be the article.\nA second line of it.",
        "- the rota\n- the budget\n  - the book fund",
        "Task | Framing\nVision | Leadership",
        "A last paragraph, about why managers and leaders in libraries need each other every single day."]


def test_html_where_trafilatura_finds_no_article_falls_back_to_visible_text(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    result = extract(BLOG, "post.html")
    assert "When I took over the branch" in result.text and "Leave a Reply" in result.text
    assert "SCRIPT-TEXT" not in result.text and "STYLE-TEXT" not in result.text
    assert "\n\n# Leading a small library is not the same as running it\n\n" in result.text
    problem = only(result, "source-html-fallback")
    assert problem.severity == "warning" and "no main text" in problem.message


def test_html_when_trafilatura_raises_it_falls_back(tmp_path, monkeypatch):
    import trafilatura

    def broken(*args, **kwargs):
        raise ValueError("broken markup")

    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    result = extract(BLOG, "post.html")
    assert "When I took over the branch" in result.text
    assert kinds(result) == [("warning", "source-html-fallback")]


def test_html_page_with_only_an_image_is_empty(tmp_path):
    result = extract(write(tmp_path, "photo.html", '<html><body><img src="desk.jpg" alt="The desk"></body></html>'),
                     "photo.html")
    assert result.text == "" and kinds(result) == [("warning", "source-empty")]


def test_html_very_short_page(tmp_path):
    result = extract(write(tmp_path, "notice.html", "<html><body><div>Closed today.</div></body></html>"),
                     "notice.html")
    assert paragraphs(result.text) == ["Closed today."]


# ---------------------------------------------------------------- .pdf


def test_pdf_lines_become_paragraphs_with_pages_hyphens_and_running_heads(essay_pdf):
    result = extract(essay_pdf, "essay.pdf")
    assert result.kind == "pdf" and list(result.problems) == []
    text = result.text
    # running head and page numbers are left out
    assert RUNNING_HEAD not in text
    passages = split_passages(text)
    assert [p["text"] for p in passages] == [
        "Library leadership is not the same as library management, and a director who confuses the two will "
        "find the budget balanced while the staff drift.",
        # "leader-" + "ship" at a line end is one word again; the paragraph that runs on to
        # page 2 is one passage
        "Good managers keep the catalogue current and the rota fair; good leadership asks what the library is "
        "for and brings the council along with it. Both are needed, and the best branch heads move between them "
        "as the week demands, without pretending that one can replace the other.",
        # "self-" + "management": the document spells it with a hyphen elsewhere, so it keeps it
        "On the second page the author turns to the self-management of small teams, and to self-management as "
        "a habit of the desk.",
        "A branch needs both: routines that run, and a reason for running them."]
    assert [p["section"] for p in passages] == ["Leading the branch library"] * 3 + ["Conclusion"]
    # pages: where each starts; page 2 starts inside the paragraph that crosses it
    assert len(result.pages) == 3 and result.pages[0] == 0
    assert text[result.pages[1]:].startswith("week demands")
    assert text[result.pages[2]:].startswith("# Conclusion")
    assert [result.page_at(p["start"]) for p in passages] == [1, 1, 2, 3]
    assert result.page_at(text.index("week demands")) == 2 and result.page_at(text.index("as the week")) == 1


def test_pdf_paragraphs_marked_only_by_first_line_indents(tmp_path):
    pages = [[("p", ["The director spends the morning on the rota and the budget, which are the",
                     "plain work of management."]),
              ("p", ["In the afternoon she talks with the staff about what the branch is for,",
                     "which is the work of leadership, and it does not fit in a spreadsheet."]),
              ("p", ["Both halves of the day are needed."])]]
    result = extract(make_pdf(tmp_path / "indents.pdf", pages, running_head=None, indent=True, gap=0),
                     "indents.pdf")
    assert [p[:20] for p in paragraphs(result.text)] == ["The director spends ", "In the afternoon she",
                                                         "Both halves of the d"]


def test_pdf_line_starting_with_a_dash_or_a_page_reference_stays_in_its_paragraph(tmp_path):
    # Lines that only wrapped to start with "- " or "(p. 67)" look like list items; they are not.
    pages = [[("p", ["A company built on managerial values",
                     "- peer consensus and tight control - may stifle its leaders. The opening pages",
                     "(p. 67) frame the difference as one of personality."]),
              ("p", ["The functions are these:"]),
              ("p", ["- planning", "- staffing", "(a) budgeting, which takes most of",
                     "the winter.", "b) controlling"])]]
    result = extract(make_pdf(tmp_path / "dashes.pdf", pages, running_head=None), "dashes.pdf")
    assert paragraphs(result.text) == [
        "A company built on managerial values - peer consensus and tight control - may stifle its leaders. "
        "The opening pages (p. 67) frame the difference as one of personality.",
        "The functions are these:", "- planning", "- staffing", "(a) budgeting, which takes most of the winter.",
        "b) controlling"]


def test_pdf_without_page_numbers_or_running_head(tmp_path):
    pages = [[("p", ["A single page with one paragraph about the library council."])]]
    result = extract(make_pdf(tmp_path / "one.pdf", pages, running_head=None, page_numbers=False), "one.pdf")
    assert result.text == "A single page with one paragraph about the library council.\n"
    assert result.pages == [0]


def test_pdf_two_columns_with_a_paragraph_running_into_the_second(tmp_path):
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    columns = [[["Left column, first paragraph about the", "rota and the budget of the branch."],
                ["Left column, second paragraph that runs", "on into the right column, because the"]],
               [["column is full, and ends there."],
                ["Right column, its own paragraph about", "the vision of the library board."]]]
    for c, column in enumerate(columns):
        y = 30
        for lines in column:
            for line in lines:
                pdf.text(20 + 95 * c, y, line)
                y += 5
            y += 3
    pdf.output(str(tmp_path / "columns.pdf"))
    result = extract(tmp_path / "columns.pdf", "columns.pdf")
    assert paragraphs(result.text) == [
        "Left column, first paragraph about the rota and the budget of the branch.",
        "Left column, second paragraph that runs on into the right column, because the column is full, and ends there.",
        "Right column, its own paragraph about the vision of the library board."]


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU.exists(), reason="needs the DejaVu font (Debian's fonts-dejavu-core)")
def test_pdf_typographic_ligatures_and_quotes(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", "", str(DEJAVU))
    pdf.set_font("DejaVu", size=11)
    pdf.text(20, 30, "The staff’s \ufb01rst “vision” for the café, in a \ufb02at hierarchy.")
    pdf.output(str(tmp_path / "typeset.pdf"))
    result = extract(tmp_path / "typeset.pdf", "typeset.pdf")
    # the ﬁ and ﬂ ligatures become two letters, so a search or a quote for "first" finds them
    assert result.text == "The staff’s first “vision” for the café, in a flat hierarchy.\n"


def test_pdf_with_a_wrong_cross_reference_offset_is_repaired_with_a_note(tmp_path, essay_pdf, capsys):
    import re

    data = re.sub(rb"startxref\s+\d+", b"startxref\n999", essay_pdf.read_bytes())
    result = extract(write(tmp_path, "moved.pdf", data), "moved.pdf")
    assert "good leadership asks" in result.text
    problem = only(result, "source-pdf-repaired")
    assert problem.severity == "info" and "startxref" in problem.message
    assert "startxref" not in capsys.readouterr().err  # pypdf's own warnings are not printed


def test_pdf_text_layer_of_unmapped_glyphs_is_garbled(essay_pdf, monkeypatch):
    garbled = [pdf_reader._Line("\ue001\ue002\ue003 \ue004\ue005 \ue006\ue007\ue008", 72, 700 - 14 * i, 11, False)
               for i in range(10)]
    monkeypatch.setattr(pdf_reader, "_page_lines", lambda page: list(garbled))
    result = extract(essay_pdf, "essay.pdf")
    problem = only(result, "source-pdf-garbled")
    assert problem.severity == "warning" and "ocrmypdf --force-ocr" in problem.action


def encrypted_pdf(path: Path, text: str, user_password: str) -> Path:
    """A one-page PDF locked with an owner password, and this password (maybe none) to open it."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.text(20, 30, text)
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.output(str(path))
    return path


def test_pdf_encrypted_with_a_password_is_an_error(tmp_path):
    encrypted_pdf(tmp_path / "locked.pdf", "A protected paragraph about library leadership.", user_password="secret")
    result = extract(tmp_path / "locked.pdf", "locked.pdf")
    assert result.text == "" and result.pages == []
    problem = only(result, "source-pdf-encrypted")
    assert problem.severity == "error" and problem.message.startswith("encrypted")
    assert "save an unprotected copy" in problem.action


def test_pdf_encrypted_without_an_opening_password_is_read_with_a_note(tmp_path):
    encrypted_pdf(tmp_path / "restricted.pdf", "A copy-protected paragraph about library leadership.", user_password="")
    result = extract(tmp_path / "restricted.pdf", "restricted.pdf")
    assert result.text == "A copy-protected paragraph about library leadership.\n"
    assert only(result, "source-pdf-encrypted").severity == "info"


def test_pdf_encrypted_with_aes_when_the_cryptography_package_is_missing(tmp_path, monkeypatch):
    encrypted_pdf(tmp_path / "aes.pdf", "A protected paragraph about library leadership.", user_password="secret")

    def needs_cryptography(self, password):
        raise pypdf.errors.DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", needs_cryptography)
    result = extract(tmp_path / "aes.pdf", "aes.pdf")
    problem = only(result, "source-pdf-encrypted")
    assert result.text == "" and problem.severity == "error" and "save an unprotected copy" in problem.action


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9])
def test_pdf_truncated_by_an_interrupted_download(tmp_path, essay_pdf, fraction):
    data = essay_pdf.read_bytes()
    path = write(tmp_path, "cut.pdf", data[: int(len(data) * fraction)])
    result = extract(path, "cut.pdf")
    problem = only(result, "source-pdf-damaged")
    assert problem.severity == "error" and problem.message.startswith("damaged")
    assert "re-download or re-export" in problem.action


def test_pdf_with_its_content_overwritten_in_the_middle(tmp_path, essay_pdf):
    data = bytearray(essay_pdf.read_bytes())
    data[300:1500] = b"x" * 1200
    result = extract(write(tmp_path, "broken.pdf", bytes(data)), "broken.pdf")
    errors = [p for p in result.problems if p.severity == "error"]
    assert errors and all(p.kind == "source-pdf-damaged" for p in errors)


def test_pdf_that_is_a_sign_in_page_saved_by_the_browser(tmp_path):
    page = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in to read</body></html>"
    result = extract(write(tmp_path, "article.pdf", page), "article.pdf")
    problem = only(result, "source-pdf-damaged")
    assert problem.severity == "error" and "web page" in problem.message and "download the PDF again" in problem.action


def test_pdf_with_no_text_layer_is_a_scan(tmp_path):
    result = extract(make_pdf(tmp_path / "scan.pdf", [[("img", None)], [("rect", None)]], running_head=None,
                              page_numbers=False), "scan.pdf")
    assert result.text == "" and result.pages == [0, 0]
    problem = only(result, "source-pdf-no-text")
    assert problem.severity == "error" and problem.message.startswith("no text layer (a scan)")
    assert "ocrmypdf" in problem.action


def test_pdf_partly_scanned_names_the_pages_without_text(tmp_path):
    pages = [[("p", ["Typed first page, about what the branch library is for."])],
             [("img", None)], [("img", None)],
             [("p", ["Typed fourth page, about who keeps the rota fair."])]]
    result = extract(make_pdf(tmp_path / "mixed.pdf", pages, running_head=None, page_numbers=False), "mixed.pdf")
    assert paragraphs(result.text) == ["Typed first page, about what the branch library is for.",
                                       "Typed fourth page, about who keeps the rota fair."]
    problem = only(result, "source-pdf-partly-scanned")
    assert problem.severity == "warning" and "pages 2–3 have no text" in problem.message
    assert "ocrmypdf --skip-text" in problem.action
    # pages without text start where the next page does
    fourth = result.text.index("Typed fourth")
    assert result.pages == [0, fourth, fourth, fourth]
    assert result.page_at(fourth) == 4 and result.page_at(fourth - 1) == 1


def test_pdf_pypdf_error_on_one_page_keeps_the_others(essay_pdf, monkeypatch):
    real = pdf_reader._page_lines

    def flaky(page):
        if "Conclusion" in page.extract_text():
            raise KeyError("/Contents")
        return real(page)

    monkeypatch.setattr(pdf_reader, "_page_lines", flaky)
    result = extract(essay_pdf, "essay.pdf")
    assert "good leadership asks" in result.text and "Conclusion" not in result.text
    problem = only(result, "source-pdf-damaged")
    assert problem.severity == "error" and "page 3 could not be read" in problem.message


# ---------------------------------------------------------------- .docx


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Leadership and management in branch libraries", 0)
    document.add_heading("Introduction", 1)
    document.add_paragraph("Branch heads are asked both to run their libraries and to lead them.")
    document.add_paragraph("")
    document.add_paragraph("   ")
    mixed = document.add_paragraph("A paragraph with ")
    mixed.add_run("bold").bold = True
    mixed.add_run(" words and a line")
    mixed.add_run().add_break()
    mixed.add_run("break inside it.")
    document.add_heading("Findings", 2)
    table = document.add_table(rows=3, cols=2)
    for r, (task, framing) in enumerate([("Task", "Framing"), ("Rota", "Management"), ("Vision", "Leadership")]):
        table.cell(r, 0).text = task
        table.cell(r, 1).text = framing
    document.add_paragraph("Weekly staff meetings", style="List Bullet")
    document.add_paragraph("The last paragraph, after the table.")
    document.save(str(path))
    return path


def test_docx_headings_paragraphs_and_a_table(tmp_path):
    result = extract(make_docx(tmp_path / "report.docx"), "report.docx")
    assert result.kind == "docx" and result.pages is None and list(result.problems) == []
    assert result.text == (
        "# Leadership and management in branch libraries\n\n"
        "# Introduction\n\n"
        "Branch heads are asked both to run their libraries and to lead them.\n\n"
        "A paragraph with bold words and a line\nbreak inside it.\n\n"
        "## Findings\n\n"
        "Task | Framing\nRota | Management\nVision | Leadership\n\n"
        "Weekly staff meetings\n\n"
        "The last paragraph, after the table.\n")
    passages = split_passages(result.text)
    assert [p["section"] for p in passages] == ["Introduction"] * 2 + ["Findings"] * 3


def test_docx_table_used_for_layout_gives_its_cells_paragraphs(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.text = "The left column's first paragraph, on routines."
    left.add_paragraph("The left column's second paragraph, on budgets.")
    right.text = "The right column, on vision."
    document.save(str(tmp_path / "columns.docx"))
    result = extract(tmp_path / "columns.docx", "columns.docx")
    assert paragraphs(result.text) == ["The left column's first paragraph, on routines.",
                                       "The left column's second paragraph, on budgets.",
                                       "The right column, on vision."]


def test_docx_damaged_by_a_truncated_download(tmp_path):
    data = make_docx(tmp_path / "report.docx").read_bytes()
    result = extract(write(tmp_path, "cut.docx", data[: len(data) // 2]), "cut.docx")
    assert result.text == "" and result.pages is None
    problem = only(result, "source-docx-damaged")
    assert problem.severity == "error" and problem.message.startswith("damaged")


def test_docx_that_is_a_zip_without_a_document(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a word file")
    result = extract(write(tmp_path, "notes.docx", buffer.getvalue()), "notes.docx")
    assert only(result, "source-docx-damaged").severity == "error"


def test_docx_protected_with_a_password_or_an_old_doc_renamed(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    result = extract(write(tmp_path, "report.docx", data), "report.docx")
    problem = only(result, "source-docx-damaged")
    assert (problem.severity == "error" and "password" in problem.message
            and "save an unprotected copy" in problem.action)


# ---------------------------------------------------------------- the cache


def test_cache_second_load_does_not_extract_again(tmp_path, essay_pdf, monkeypatch):
    cache = tmp_path / "cache"
    first = extract_cached(essay_pdf, "essay.pdf", cache)
    assert len(list(cache.glob("*.json"))) == 1

    def must_not_run(*args):
        raise AssertionError("extracted again")

    monkeypatch.setattr(extract_module, "_extract_data", must_not_run)
    second = extract_cached(essay_pdf, "essay.pdf", cache)
    assert (second.text, second.pages, second.kind) == (first.text, first.pages, first.kind)
    assert second.page_at(second.text.index("week demands")) == 2


def test_cache_keeps_problems_and_reports_them_under_the_current_name(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    path = write(tmp_path, "notes.txt", FRENCH.encode("cp1252"))
    first = extract_cached(path, "corpus/sources/notes.txt", cache)
    monkeypatch.setattr(extract_module, "_extract_data", lambda *a: pytest.fail("extracted again"))
    again = extract_cached(path, "corpus/sources/renamed.txt", cache)
    assert again.text == FRENCH
    assert [(p.severity, p.line, p.message, p.action, p.kind) for p in again.problems] == [
        (p.severity, p.line, p.message, p.action, p.kind) for p in first.problems]
    assert [p.file for p in again.problems] == ["corpus/sources/renamed.txt"]
    assert isinstance(again.problems, ProblemLog) and again.problems.file == "corpus/sources/renamed.txt"


def test_cache_a_changed_file_is_read_again(tmp_path):
    cache = tmp_path / "cache"
    path = write(tmp_path, "notes.md", "Leaders ask why.\n")
    assert extract_cached(path, "notes.md", cache).text == "Leaders ask why.\n"
    path.write_text("Managers ask how.\n", encoding="utf-8")
    assert extract_cached(path, "notes.md", cache).text == "Managers ask how.\n"
    assert len(list(cache.glob("*.json"))) == 2


def test_cache_a_corrupt_entry_is_ignored_and_written_again(tmp_path):
    cache = tmp_path / "cache"
    path = write(tmp_path, "notes.md", "Leaders ask why.\n")
    extract_cached(path, "notes.md", cache)
    [entry] = cache.glob("*.json")
    valid = json.loads(entry.read_text(encoding="utf-8"))
    for corrupt in ('{"version": ', '{"unexpected": true}', "[1, 2]", "\x00\x01", "",
                    json.dumps({**valid, "pages": "x"}), json.dumps({**valid, "text": None}),
                    json.dumps({**valid, "problems": [{"severity": "fatal"}]})):
        entry.write_text(corrupt, encoding="utf-8")
        result = extract_cached(path, "notes.md", cache)
        assert result.text == "Leaders ask why.\n" and list(result.problems) == []
        assert json.loads(entry.read_text(encoding="utf-8")) == valid


def test_cache_made_by_another_extractor_version_is_not_used(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    path = write(tmp_path, "notes.md", "Leaders ask why.\n")
    extract_cached(path, "notes.md", cache)
    monkeypatch.setattr(extract_module, "extractor_version", lambda: "a later version")
    calls = []
    real = extract_module._extract_data
    monkeypatch.setattr(extract_module, "_extract_data", lambda *a: calls.append(a) or real(*a))
    assert extract_cached(path, "notes.md", cache).text == "Leaders ask why.\n"
    assert len(calls) == 1


def test_cache_folder_that_cannot_be_written_still_gives_the_text(tmp_path):
    blocker = write(tmp_path, "cache", "a file where the cache folder should be")
    path = write(tmp_path, "notes.md", "Leaders ask why.\n")
    assert extract_cached(path, "notes.md", blocker).text == "Leaders ask why.\n"


def test_cache_keeps_failures_too_so_a_scan_is_not_read_again(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    scan = make_pdf(tmp_path / "scan.pdf", [[("img", None)]], running_head=None, page_numbers=False)
    first = extract_cached(scan, "scan.pdf", cache)
    monkeypatch.setattr(extract_module, "_extract_data", lambda *a: pytest.fail("extracted again"))
    again = extract_cached(scan, "scan.pdf", cache)
    assert kinds(again) == kinds(first) == [("error", "source-pdf-no-text")] and again.pages == [0]
