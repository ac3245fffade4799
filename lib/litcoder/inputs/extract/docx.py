"""Word files (`.docx`) → paragraphs, headings (as `# …`) and tables, as the document reads
now: tracked insertions and moves in, deletions out; text in smart tags, content controls,
custom XML, fields and text boxes kept. What is kept is checked against all the document's
w:t text outside deletions (`found_text`); a file whose passages hold much less is reported."""

from __future__ import annotations

import io
import zipfile

from ...problems import ProblemLog
from .html import report_retention

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
    """A Word file's text as the document reads now: paragraphs, headings as `# …`, tables
    as `cell | cell` lines, text boxes after the paragraph they are anchored in; tracked
    insertions and moves kept, tracked deletions left out."""
    import docx

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
    body = document.element.body
    blocks = body_blocks(body, _heading_levels(document))
    text = "\n\n".join(blocks) + "\n" if blocks else ""
    report_retention(log, text, found_text(body), "the document", "source-docx-retention")
    return text


# ---------------------------------------------------------------- WordprocessingML → blocks

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
P, TBL, TR, TC, T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
TEXT_BOX = _W + "txbxContent"
ALTERNATE, CHOICE, FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
REMOVED = {_W + "del", _W + "moveFrom"}
"""Tracked deletions, and the old place of moved text: not in the document as it reads now."""
_SPACES = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_PROPERTIES = {_W + name for name in ("pPr", "rPr", "sdtPr", "sdtEndPr", "tblPr", "tblGrid", "trPr", "tcPr",
                                      "sectPr", "tblPrEx", "customXmlPr", "smartTagPr")}


def _heading_levels(document) -> dict[str, int]:
    """The heading level of each paragraph style id: Title 1, Heading n n."""
    levels: dict[str, int] = {}
    try:
        styles = list(document.styles)
    except Exception:  # a styles part that python-docx cannot read: no headings then
        return levels
    for style in styles:
        name = getattr(style, "name", None) or ""
        if name == "Title" or name.startswith("Heading"):
            level = name.rsplit(" ", 1)[-1]
            levels[style.style_id] = int(level) if level.isdigit() and 1 <= int(level) <= 6 else 1
    return levels


def _branch(alternate):
    """The one branch of an mc:AlternateContent read: its first choice (Word's own, newer
    markup), else its fallback; reading both would give a text box's text twice."""
    choice = alternate.find(CHOICE)
    return choice if choice is not None else alternate.find(FALLBACK)


def body_blocks(body, headings: dict[str, int]) -> list[str]:
    """The blocks of a document body (or a text box, a table cell): paragraphs, tables, and
    whatever wraps them (content controls, custom XML, smart tags) read through."""
    blocks: list[str] = []
    _walk_blocks(body, blocks, headings)
    return blocks


def _walk_blocks(parent, out: list[str], headings: dict[str, int]) -> None:
    for child in parent:
        tag = child.tag
        if not isinstance(tag, str) or tag in REMOVED or tag in _PROPERTIES:
            continue
        if tag == P:
            boxes: list = []
            text = _paragraph(child, headings, boxes)
            if text:
                out.append(text)
            for box in boxes:
                _walk_blocks(box, out, headings)
        elif tag == TBL:
            out.extend(_table(child, headings))
        elif tag == ALTERNATE:
            branch = _branch(child)
            if branch is not None:
                _walk_blocks(branch, out, headings)
        else:
            _walk_blocks(child, out, headings)


def _paragraph(p, headings: dict[str, int], boxes: list) -> str:
    parts: list[str] = []
    _runs(p, parts, boxes)
    lines = [line.strip() for line in "".join(parts).replace("\r", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    if not text:
        return ""
    style = p.find(f"{_W}pPr/{_W}pStyle")
    level = headings.get(style.get(_W + "val")) if style is not None else None
    return "#" * level + " " + text.replace("\n", " ") if level else text


def _runs(node, parts: list[str], boxes: list) -> None:
    """The text of a paragraph's runs, through hyperlinks, insertions, moves, smart tags,
    content controls and fields; text boxes met on the way are set aside in `boxes`."""
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or tag in REMOVED or tag in _PROPERTIES:
            continue
        if tag == T or tag == _M + "t":
            parts.append(child.text or "")
        elif tag in _SPACES:
            parts.append(_SPACES[tag])
        elif tag == TEXT_BOX:
            boxes.append(child)
        elif tag == ALTERNATE:
            branch = _branch(child)
            if branch is not None:
                _runs(branch, parts, boxes)
        else:
            _runs(child, parts, boxes)


def _within(parent, tag: str):
    """The `tag` elements of a table or row, through the content controls and custom XML
    that may wrap them, leaving out deleted ones."""
    for child in parent:
        if not isinstance(child.tag, str) or child.tag in REMOVED or child.tag in _PROPERTIES:
            continue
        if child.tag == tag:
            yield child
        elif child.tag not in (TBL, TR, TC, P):
            yield from _within(child, tag)


def _table(tbl, headings: dict[str, int]) -> list[str]:
    """A table's simple rows as one block of "cell | cell" lines; a row whose cells hold
    paragraphs of their own (a table used for layout) as those paragraphs."""
    out: list[str] = []
    rows: list[str] = []
    for tr in _within(tbl, TR):
        cells = [body_blocks(tc, headings) for tc in _within(tr, TC)]
        if any(len(c) > 1 or sum(map(len, c)) > 200 for c in cells):
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
    return out


def found_text(body) -> str:
    """All the text of the body's w:t elements outside deletions, one line per paragraph
    (text boxes too; one branch of each mc:AlternateContent): what the retention of
    `docx_file` is measured against. Found by a search of its own, not by the walk above."""
    lines: dict[object, list[str]] = {}
    for element in body.iter(T, *_SPACES):
        paragraph = None
        kept = True
        for ancestor in element.iterancestors():
            if ancestor.tag in REMOVED or (ancestor.tag in (CHOICE, FALLBACK) and ancestor is not
                                           _branch(ancestor.getparent())):
                kept = False
                break
            if paragraph is None and ancestor.tag == P:
                paragraph = ancestor
        if kept:
            lines.setdefault(paragraph, []).append(element.text or "" if element.tag == T else " ")
    return "\n".join("".join(parts) for parts in lines.values())
