"""Word files (`.docx`) → paragraphs, headings (as `# …`) and tables."""

from __future__ import annotations

import io
import zipfile

from ...problems import ProblemLog

INFLATED_LIMIT = 1 << 30
"""The most a Word file may inflate to, all its parts together (1 GB). A long report with
pictures inflates to some tens of MB; a file that inflates to more is a zip bomb or not a
document to code, and reading it would take several times that in memory."""
PART_LIMIT = 512 << 20
"""The most one part of a Word file may inflate to (512 MB): the text of the longest book is
a few MB of XML, pictures some MB each."""
RATIO_LIMIT = 200
"""The most a big part may inflate, as a multiple of its packed size. Word's XML packs about
5 to 20 times; pictures hardly at all. Parts under RATIO_FROM are not held to it."""
RATIO_FROM = 1 << 20
PARTS_LIMIT = 10_000
"""The most parts a Word file may hold: a document has tens, a long one with many pictures
some hundreds."""


def inflation_problem(data: bytes) -> str | None:
    """Why the Word file (a zip) must not be opened, as it would inflate beyond the limits
    above, or None. The sizes checked are those the zip declares for each part, which
    Python's zipfile never reads past."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None  # not a zip at all: python-docx says it is damaged
    if len(parts) > PARTS_LIMIT:
        return f"it holds {len(parts):,} parts, and a Word file has at most {PARTS_LIMIT:,}"
    total = sum(p.file_size for p in parts)
    if total > INFLATED_LIMIT:
        return f"it inflates to {_size(total)}, and litcoder opens Word files of up to {_size(INFLATED_LIMIT)}"
    for part in parts:
        if part.file_size > PART_LIMIT:
            return f"its part {part.filename} inflates to {_size(part.file_size)} (at most {_size(PART_LIMIT)})"
        if part.file_size > RATIO_FROM and part.file_size > RATIO_LIMIT * max(part.compress_size, 1):
            return (f"its part {part.filename} inflates {part.file_size // max(part.compress_size, 1):,} times, "
                    f"to {_size(part.file_size)} (a zip bomb: real documents pack about 5 to 20 times)")
    return None


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):,.0f} MB"


def docx_file(data: bytes, log: ProblemLog) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    refused = inflation_problem(data)
    if refused:
        log.error(None, f"not opened: {refused}", "open it in Word and save it again as .docx (pictures can be left "
                  "out); or save its text as .md beside it", "source-docx-too-big")
        return ""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:
        if data[:4] == b"\xd0\xcf\x11\xe0":
            log.error(None, "not a .docx inside: a password-protected Word file, or an old .doc renamed .docx",
                      "open it in Word and save an unprotected copy as .docx", "source-docx-damaged")
        else:
            log.error(None, f"damaged: not a Word document that can be opened ({type(err).__name__})",
                      "re-download it, or open and re-save it in Word as .docx", "source-docx-damaged")
        return ""
    P, TBL, SDT, TC, TR = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tc"), qn("w:tr")
    blocks: list[str] = []

    def paragraph(element) -> str:
        para = Paragraph(element, document)
        lines = [line.strip() for line in para.text.replace("\r", "\n").split("\n")]
        text = "\n".join(line for line in lines if line)
        if not text:
            return ""
        try:
            style = para.style.name or ""
        except Exception:  # a style the file names but does not define
            style = ""
        if style == "Title" or style.startswith("Heading"):
            level = style.rsplit(" ", 1)[-1]
            hashes = "#" * (int(level) if level.isdigit() and 1 <= int(level) <= 6 else 1)
            return hashes + " " + text.replace("\n", " ")
        return text

    def cell_paragraphs(tc) -> list[str]:
        found: list[str] = []
        walk(tc, found)
        return found

    def walk(parent, out: list[str]) -> None:
        for child in parent.iterchildren():
            if child.tag == P:
                text = paragraph(child)
                if text:
                    out.append(text)
            elif child.tag == TBL:
                rows: list[str] = []  # the table's simple rows, one block of "cell | cell" lines
                for tr in child.iterchildren(TR):
                    cells = [cell_paragraphs(tc) for tc in tr.iterchildren(TC)]
                    if any(len(c) > 1 or sum(map(len, c)) > 200 for c in cells):
                        # a table used for layout: its cells hold paragraphs of their own
                        if rows:
                            out.append("\n".join(rows))
                            rows = []
                        for c in cells:
                            out.extend(c)
                    else:
                        row = [" ".join(c).replace("\n", " ") for c in cells]
                        if any(row):
                            rows.append(" | ".join(r for r in row if r))
                if rows:
                    out.append("\n".join(rows))
            elif child.tag == SDT:
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content, out)

    walk(document.element.body, blocks)
    return "\n\n".join(blocks) + "\n" if blocks else ""
