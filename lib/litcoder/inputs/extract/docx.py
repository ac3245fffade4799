"""Word files (`.docx`) → paragraphs, headings (as `# …`) and tables."""

from __future__ import annotations

import io

from ...problems import ProblemLog


def docx_file(data: bytes, log: ProblemLog) -> str:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

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
