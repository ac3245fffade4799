"""PDFs → the text layer page by page, lines joined into paragraphs, running heads and
page numbers left out; where each page starts in the text.

What real files do to that, and what is done about it:
- a scan has no text layer, or only a scanner's stamp ("Scanned with …") or a stray glyph:
  pages without a word are pages without text, and a file that is mostly such pages is an
  error that says to run OCR;
- a font without a character map gives glyph names ("/Bullet") for its characters: a name
  the Adobe Glyph List knows becomes its character (•), any other is left out;
- a table's cells (often written column by column) and a figure's labels and axis numbers
  come as short lines: a run of them is one passage, a row a line, and never a heading;
  nor is a figure or table label ("Figure 3").
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from ...problems import ProblemLog
from ..pages import LABEL_CHARS, clean_label
from .common import quiet, short

_TERMINAL = tuple(".!?:\"”’»)]…")
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*((page|p\.|seite)\s*)?(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/|von)\s*\d{1,4})?[-–—\s]*$", re.I)
_BULLET = re.compile(r"^([•◦▪‣∙·●○■□➢►*–—-]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\([ivx]{1,4}\))\s")
_WORD_TAIL = re.compile(r"([^\W\d_]+)[-\u2010\u00ad]$")
_WORD_HEAD = re.compile(r"^([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_GARBLED = re.compile("[\ue000-\uf8ff\ufffd\x01-\x08\x0b-\x1f\x7f]")
_ALNUM = re.compile(r"[^\W_]")
_WORDLIKE = re.compile("[^\\W_]{2}|[\ue000-\uf8ff\ufffd]")
_FIGURE_LABEL = re.compile(r"^(fig(ure)?s?|tables?|tab|charts?|exhibits?|graphs?|plates?|maps?|diagrams?|"
                           r"illustrations?|box|abbildung|tabelle)"
                           r"\.?\s*([A-Z]?\d+|[IVXLC]+)([.-]\d+)*[.:]?(\s|$)", re.I)
_NUMBER = re.compile(r"[(\[]?[-+−–±<>≤≥~$€£]?\.?\d[\d.,:/–-]*%?[)\]]?[*†‡a-c]?[,;]?")
_STAMP = re.compile(r"^(scanned|digiti[sz]ed|captured)\s+(with|by|using)\s+\S+(\s+\S+){0,3}$", re.I)
_GLYPH_NAME = re.compile(r"(?<![\w/])/([A-Za-z][a-z0-9]{3,}(?:\.[a-z0-9]+)?)")
_EXTRA_GLYPHS = {"box": "□", "blackbox": "■", "arrowhead": "➢", "tick": "✓"}
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", "\x00": ""})


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool
    upright: bool = True
    """Set along the page, not turned (a turned line is an axis label or a margin note)."""


def pdf_file(data: bytes, log: ProblemLog) -> tuple[str, list[int], list[str | None] | None]:
    """The PDF's text, where each page starts in it, and the page labels the file carries
    (its printed page numbers: 'xii', '67', 'A-3'; None when it has none)."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError

    head = data[:1024].lstrip().lower()
    if b"%PDF-" not in data[:1024]:
        if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
            log.error(None, "not a PDF but a web page (often a sign-in or error page saved in place of the article)",
                      "download the PDF again, from a browser where you are signed in", "source-pdf-damaged")
        else:
            log.error(None, "damaged: this is not a PDF (it lacks the %PDF header)",
                      "re-download or re-export the PDF", "source-pdf-damaged")
        return "", [], None
    with quiet("pypdf") as repaired:
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except DependencyError:
                    log.error(None, "encrypted (AES), and the 'cryptography' package that opens it is not installed",
                              "save an unprotected copy (print to PDF, or 'remove security' in a PDF tool)",
                              "source-pdf-encrypted")
                    return "", [], None
                if opened == pypdf.PasswordType.NOT_DECRYPTED:
                    log.error(None, "encrypted: it needs a password to open",
                              "save an unprotected copy (open it with the password, then print to PDF or "
                              "'remove security')", "source-pdf-encrypted")
                    return "", [], None
                log.info(None, "encrypted, but opens without a password (it only restricts copying or printing); "
                               "read as usual", "", "source-pdf-encrypted")
            count = len(reader.pages)
        except FileNotDecryptedError:
            log.error(None, "encrypted: it needs a password to open", "save an unprotected copy",
                      "source-pdf-encrypted")
            return "", [], None
        except Exception as err:  # pypdf raises many kinds on a broken file
            log.error(None, f"damaged: pypdf cannot open it ({type(err).__name__}: {short(err)})",
                      "re-download or re-export the PDF", "source-pdf-damaged")
            return "", [], None
        if count == 0:
            log.error(None, "damaged: the PDF has no pages", "re-download or re-export the PDF", "source-pdf-damaged")
            return "", [], None
        labels = _page_labels(reader, count)
        page_lines: list[list[_Line] | None] = []
        for number in range(count):
            try:
                page_lines.append(_page_lines(reader.pages[number]))
            except Exception:  # one broken page: keep the others
                page_lines.append(None)
    broken = [i + 1 for i, lines in enumerate(page_lines) if lines is None]
    pages = [lines or [] for lines in page_lines]
    if not any(pages) and not broken and repaired:
        log.error(None, f"damaged: no text could be read (pypdf: {short(repaired[-1])})",
                  "re-download or re-export the PDF", "source-pdf-damaged")
        return "", [0] * count, None
    _drop_running_lines(pages)
    # a page whose lines hold no word (a scanner's stamp left out above, a stray glyph) has no text
    textless = [i + 1 for i, lines in enumerate(page_lines) if lines is not None and not _has_words(pages[i])]
    for number in textless:
        pages[number - 1] = []
    if len(textless) == count:
        log.error(None, f"no text layer (a scan): none of its {count} page(s) has text to read",
                  "run OCR on it first, e.g. `ocrmypdf in.pdf out.pdf`, and put the result in its place",
                  "source-pdf-no-text")
        return "", [0] * count, None
    if not any(pages):
        log.error(None, "damaged: pypdf could not read any of its pages", "re-download or re-export the PDF",
                  "source-pdf-damaged")
        return "", [0] * count, None
    if broken:
        log.error(None, f"damaged: {_page_list(broken)} could not be read; the text of the rest is here",
                  "re-download or re-export the PDF", "source-pdf-damaged")
    if len(textless) >= 2 and 2 * len(textless) > count - len(broken):
        # mostly a scan (a publisher's cover page before scanned pages, say): what can be read is little
        log.error(None, f"no text layer (a scan) on {_page_list(textless)} of {count}: only the text of the "
                        "other pages is here", "run OCR on it first, e.g. `ocrmypdf --skip-text in.pdf out.pdf`, "
                        "and put the result in its place", "source-pdf-no-text")
    elif textless:
        log.warning(None, f"partly scanned? {_page_list(textless)} {'has' if len(textless) == 1 else 'have'} "
                          "no text", "if those pages are not blank, run OCR on the file first, e.g. "
                    "`ocrmypdf --skip-text in.pdf out.pdf`", "source-pdf-partly-scanned")
    if repaired:
        log.info(None, f"pypdf repaired {len(repaired)} fault(s) in the file while reading it "
                       f"(first: {short(repaired[0])})",
                 "if the text looks wrong, re-download or re-export the PDF", "source-pdf-repaired")
    text, starts = _assemble(pages)
    odd = len(_GARBLED.findall(text))
    if odd > 0.05 * max(1, len(text) - text.count(" ")):
        log.warning(None, "the text layer looks garbled (fonts without a character map), so the text is unusable",
                    "run OCR on it, replacing the text layer: `ocrmypdf --force-ocr in.pdf out.pdf`",
                    "source-pdf-garbled")
    return text, starts, labels


def _page_labels(reader, count: int) -> list[str | None] | None:
    """The page labels the PDF's catalogue sets (/PageLabels), one per page (None for a page
    labelled with nothing); None when it sets none or they cannot be read (then pages are
    numbered otherwise, see inputs.pages)."""
    try:
        tree = reader.trailer["/Root"].get("/PageLabels")
        if tree is None or not _plain_label_tree(tree.get_object()):
            return None
        labels = list(reader.page_labels)
    except Exception:  # a broken number tree: the pages are still read
        return None
    if len(labels) != count:
        return None
    return [clean_label(label) for label in labels]


def _plain_label_tree(node, depth: int = 0) -> bool:
    """Whether a /PageLabels number tree is one a typesetter writes: not nested past reason,
    no prefix longer than a page label (pypdf would build a copy of it for every page)."""
    if depth > 16:
        return False
    nums = node.get("/Nums", [])
    for entry in nums[1::2]:
        if len(str(entry.get_object().get("/P", ""))) > 4 * LABEL_CHARS:
            return False
    return all(_plain_label_tree(kid.get_object(), depth + 1) for kid in node.get("/Kids", []))


def _page_list(numbers: list[int]) -> str:
    """'page 3', 'pages 2–4, 7'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)
    return f"page{'s' if len(numbers) > 1 else ''} {text}"


def _page_lines(page) -> list[_Line]:
    """The page's lines in the order pypdf reads them, each with where it starts, the font
    size of most of its characters and whether they are bold."""
    lines: list[_Line] = []
    current: list = []  # [parts, x, y, characters by size, bold characters, upright]
    names: dict[int, tuple] = {}  # the glyph names of each font, kept with the font so its id stays its own

    def close():
        if current:
            text = " ".join("".join(current[0]).translate(_LIGATURES).split())
            if text:
                sizes, bold = current[3], current[4]
                size = max(sizes, key=sizes.get)
                lines.append(_Line(text, current[1], current[2], size, bold >= 0.9 * sum(sizes.values()),
                                   current[5]))
        current.clear()

    def visit(text, cm, tm, font, size):
        if not text:
            return
        if "/" in text:
            if id(font) not in names:
                names[id(font)] = (font, _font_glyph_names(font))
            text = _read_glyph_names(text, names[id(font)][1])
        pieces = text.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                close()
            if not piece.strip():
                if piece and current:
                    current[0].append(piece)
                continue
            # the font's height on the page: its size, scaled by the text and graphics matrices
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            height = round((size or 10) * ((c * c + d * d) ** 0.5 or 1.0), 1)
            if not current:
                a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
                current.extend([[], tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                                Counter(), 0, a > 0 and abs(b) < 0.2 * a])
            current[0].append(piece)
            chars = len(piece) - piece.count(" ")
            current[3][height] += chars
            if _is_bold(font):
                current[4] += chars

    page.extract_text(visitor_text=visit)
    close()
    merged: list[_Line] = []
    for line in lines:
        previous = merged[-1] if merged else None
        # a superscript (a footnote mark) or a subscript pypdf put on its own line
        if previous and abs(previous.y - line.y) < 0.35 * max(previous.size, line.size) and (
                len(line.text) <= 3 or len(previous.text) <= 3):
            previous.text += line.text if len(line.text) <= 3 else " " + line.text
            continue
        merged.append(line)
    return merged


def _font_glyph_names(font) -> re.Pattern | None:
    """The glyph names a font's encoding gives that pypdf could not turn into characters
    (it puts the name itself in the text, "/Bullet"), as one pattern; None when there are none."""
    try:
        encoding = font.get("/Encoding") if font is not None else None
        encoding = encoding.get_object() if encoding is not None else None
        differences = encoding.get("/Differences") if hasattr(encoding, "get") else None
        found, code = set(), 0
        for item in differences.get_object() if differences is not None else []:
            if isinstance(item, int):
                code = item
            elif isinstance(item, str) and 0 <= code < 256:  # pypdf reads one byte's codes, no more
                found.add(str(item))
                code += 1
    except Exception:  # a broken font dictionary: the text is read as pypdf gives it
        return None
    unread = sorted((name for name in found if len(name) > 1 and not _pypdf_reads(name)), key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in unread)) if unread else None


def _read_glyph_names(text: str, unread: re.Pattern | None) -> str:
    """The text with glyph names standing for characters read as those characters: the
    font's own unread names (dropped when no list knows them), then, anywhere, a "/name"
    of a symbol the Adobe Glyph List knows ("/bullet", "/Bullet" → •)."""
    if unread is not None:
        text = unread.sub(lambda m: _glyph_char(m.group()[1:]) or "", text)

    def symbol(match: re.Match) -> str:
        char = _glyph_char(match.group(1))
        return char if char and not char.isalnum() else match.group()

    return _GLYPH_NAME.sub(symbol, text)


def _pypdf_reads(name: str) -> bool:
    """Whether pypdf turns this glyph name into a character itself (as listed, or uniXXXX, uXXXX)."""
    from pypdf._codecs import adobe_glyphs

    return name in adobe_glyphs or re.fullmatch(r"/u(ni)?[0-9A-Fa-f]{4,6}", name) is not None


@functools.lru_cache(maxsize=1024)
def _glyph_char(name: str) -> str | None:
    """The character(s) a glyph name stands for, read as the Adobe Glyph List says (a suffix
    after "." left out, "f_i" read part by part), its case aside; None when unknown."""
    from pypdf._codecs import adobe_glyphs

    chars = []
    for part in name.split(".")[0].split("_"):
        char = adobe_glyphs.get("/" + part) or adobe_glyphs.get("/" + part.lower()) or _EXTRA_GLYPHS.get(part.lower())
        if not char or not char.isprintable():
            return None
        chars.append(char)
    return "".join(chars) or None


@functools.lru_cache(maxsize=256)
def _bold_name(name: str) -> bool:
    return any(mark in name.lower() for mark in ("bold", "black", "heavy", "semibold"))


def _is_bold(font) -> bool:
    try:
        name = str(font.get("/BaseFont", "")) if font is not None else ""
    except Exception:
        return False
    return _bold_name(name)


def _drop_running_lines(pages: list[list[_Line]]) -> None:
    """Leave out page numbers, and running heads and feet: the same line (numbers aside)
    at the top or bottom of three pages or more (of every page in a shorter document), or
    a line there that starts or ends with the page's printed number, or a scanning app's
    stamp ("Scanned with …")."""
    with_text = [lines for lines in pages if lines]
    count: Counter = Counter()
    folios: Counter = Counter()
    for index, lines in enumerate(pages):
        edge = _edge_lines(lines)
        count.update({_running_key(line.text) for line in edge})
        folios.update({number - index for number in (_folio(line.text) for line in edge) if number is not None})
    needed = min(3, len(with_text))
    repeated = {key for key, n in count.items() if len(with_text) >= 2 and n >= needed}
    offsets = {offset for offset, n in folios.items() if n >= 3}
    for index, lines in enumerate(pages):
        for line in _edge_lines(lines):
            folio = _folio(line.text)
            if (_PAGE_NUMBER.match(line.text) or _STAMP.match(line.text) or _running_key(line.text) in repeated
                    or (folio is not None and folio - index in offsets)):
                lines.remove(line)


def _has_words(lines: list[_Line]) -> bool:
    """Whether some line holds a word or number (two letters or digits together), or glyphs
    of a font without a character map (that text is there, if garbled)."""
    return any(_WORDLIKE.search(line.text) for line in lines)


def _folio(text: str) -> int | None:
    """The number a running head or foot starts or ends with, if any."""
    found = re.match(r"^(\d{1,4})\s+\S", text) or re.search(r"\S\s+(\d{1,4})$", text)
    return int(found.group(1)) if found else None


def _edge_lines(lines: list[_Line]) -> list[_Line]:
    """The two highest and two lowest lines of a page (where heads and feet are); a stray
    glyph without a letter or digit (a speck on a scan) does not count as a line."""
    if len(lines) <= 1:
        return list(lines)
    counted = [line for line in lines if _ALNUM.search(line.text)] or lines
    ys = sorted({round(line.y, 1) for line in counted})
    edge = set(ys[:2]) | set(ys[-2:]) if len(ys) > 4 else set(ys[:1]) | set(ys[-1:])
    return [line for line in lines if round(line.y, 1) in edge]


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _body_metrics(pages: list[list[_Line]]) -> tuple[float, float]:
    """The body text's font size (the commonest, by characters) and line spacing."""
    sizes: Counter = Counter()
    for lines in pages:
        for line in lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    gaps = []
    for lines in pages:
        for prev, line in pairwise(lines):
            dy = prev.y - line.y
            if abs(prev.size - body) < 0.6 and abs(line.size - body) < 0.6 and 0.5 * body < dy < 3 * body:
                gaps.append(dy)
    gaps.sort()
    leading = gaps[len(gaps) // 2] if gaps else 1.2 * body
    return body, leading


def _paragraphs(lines: list[_Line], body: float, leading: float) -> list[list[_Line]]:
    """A page's lines grouped into paragraphs, by the gaps between them, first-line
    indents, changes of font size or weight, bullets and short closing lines; a table's
    (or a figure's) run of short lines is one group, a _Table."""
    if not lines:
        return []
    body_lines = [line for line in lines if abs(line.size - body) < 0.6] or lines
    lengths = sorted(len(line.text) for line in body_lines)
    full = lengths[len(lengths) * 3 // 4] if len(lengths) >= 4 else None
    tables = _table_runs(lines, body, full)
    inside = {i for start, end in tables.items() for i in range(start, end)}
    groups: list[list[_Line]] = []
    for i, line in enumerate(lines):
        if i in tables:
            groups.append(_Table(lines[i:tables[i]]))
        if i in inside:
            continue
        prev = lines[i - 1] if i else None
        group = groups[-1] if groups else None
        if prev is None or group is None or isinstance(group, _Table):
            groups.append([line])
            continue
        em = max(line.size, 1.0)
        dy = prev.y - line.y
        step = line.x - prev.x  # indents are judged against the lines around, so columns do not matter
        next_line = lines[i + 1] if i + 1 < len(lines) else None
        new = (
            dy > 1.35 * leading + 0.5
            or (dy < -2 * em and prev.text.endswith(_TERMINAL))
            or abs(line.size - prev.size) > 0.12 * body
            or (prev.bold and not line.bold and len(prev.text) < 100)
            or (line.bold and not prev.bold and not prev.text.endswith(("-", ",")))
            # a first-line indent: further in than the lines before and after it
            or (0.8 * em < step < 12 * em and not _BULLET.match(group[0].text)
                and (next_line is None or next_line.x < line.x - 0.5 * em))
            # back out after an indented block (a quotation)
            or (step < -0.8 * em and len(group) >= 2 and len(groups) >= 2
                and all(abs(g.x - prev.x) < 0.5 * em for g in group)
                and abs(group[0].x - groups[-2][-1].x) > 0.8 * em)
            # a list item; a dash or "(p. 67)" that only wrapped to the line's start is not
            or (_BULLET.match(line.text) is not None
                and (prev.text.endswith((*_TERMINAL, ";")) or _BULLET.match(group[0].text) is not None
                     or abs(line.x - prev.x) > 0.3 * em))
            or (full is not None and prev.text.endswith(_TERMINAL) and len(prev.text) < 0.7 * full)
        )
        # a figure's or table's label ("Figure 3", set apart in bold) goes with the caption after it
        if new and len(group) == 1 and _FIGURE_LABEL.match(prev.text) and len(prev.text) < 16 and 0 < dy < 3 * em:
            new = False
        if new:
            groups.append([line])
        else:
            group.append(line)
    return groups


class _Table(list):
    """The lines of a table, or of a figure's labels: one passage, a row a line."""

    def text(self) -> str:
        """The rows top to bottom, each row's cells left to right (cells written column by
        column, as some writers do, are put back in their rows)."""
        ordered = sorted(self, key=lambda line: -line.y)
        rows: list[list[_Line]] = []
        for line in ordered:
            if rows and abs(rows[-1][0].y - line.y) < 0.5 * max(line.size, 1.0):
                rows[-1].append(line)
            else:
                rows.append([line])
        return "\n".join(" ".join(cell.text for cell in sorted(row, key=lambda line: line.x)) for row in rows)


def _table_runs(lines: list[_Line], body: float, full: float | None) -> dict[int, int]:
    """Where runs of table cells or figure labels start and end (start → end, exclusive): three
    lines or more in a row, each mostly numbers, or short and open-ended (a row, a row's
    label, an axis title), half of them and two at least holding a number."""
    short = max(40.0, 0.6 * full) if full else 40.0
    cells = [not _FIGURE_LABEL.match(line.text) and line.size < 1.15 * body and (
        _numeric(line.text) or (len(line.text) <= short and not line.text.endswith((*_TERMINAL, ";", ","))))
        for line in lines]
    runs: dict[int, int] = {}
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and cells[end]:
            end += 1
        counted = sum(_has_number(line.text) for line in lines[start:end])
        if end - start >= 3 and counted >= 2 and 2 * counted >= end - start:
            runs[start] = end
        start = end + 1
    return runs


def _has_number(text: str) -> bool:
    """Whether a line holds a number, a list item's own number aside ("Rota 4"; not "2. Staffing")."""
    bullet = _BULLET.match(text)
    return any(_NUMBER.fullmatch(token) for token in text[bullet.end() if bullet else 0:].split())


def _numeric(text: str) -> bool:
    """Whether a line is mostly numbers ("4 6 5", "Rota 12 3.5%", "0 10 20 30"; not a
    numbered heading, "2.1 Sample")."""
    tokens = text.split()
    numbers = sum(1 for token in tokens if _NUMBER.fullmatch(token))
    return 2 * numbers >= len(tokens) and (numbers >= 2 or len(tokens) == 1)


def _may_head(group: list[_Line], text: str, body: float) -> bool:
    """Whether a paragraph set apart as a heading is one: not a table or a figure's labels,
    nor a figure label, nor mostly numbers, nor turned or set smaller than the body."""
    return (not isinstance(group, _Table) and not _FIGURE_LABEL.match(text) and not _numeric(text)
            and _WORD.search(text) is not None and all(line.upright and line.size > 0.9 * body for line in group))


def _join(left: str, right: str, words: Counter) -> str:
    """Two lines of one paragraph as one: a word broken by a hyphen at the end of the first
    is joined again, unless the document writes it with the hyphen elsewhere."""
    if left.endswith("\u00ad"):
        return left[:-1] + right
    tail, head = _WORD_TAIL.search(left[-64:]), _WORD_HEAD.match(right)
    if tail and head and head.group(1)[0].islower():
        joined = (tail.group(1) + head.group(1)).lower()
        hyphenated = f"{tail.group(1)}-{head.group(1)}".lower()
        if words[hyphenated] > words[joined]:
            return left[:-1] + "-" + right
        return left[:-1] + right
    return left + " " + right


def _assemble(pages: list[list[_Line]]) -> tuple[str, list[int]]:
    """The document's text, paragraphs separated by blank lines, and where each page starts.

    Pages are separated by a blank line too, except where a paragraph plainly runs on: the
    page before ends mid-sentence and this one starts in lower case."""
    body, leading = _body_metrics(pages)
    words: Counter = Counter(w.lower() for lines in pages for line in lines for w in _WORD.findall(line.text))
    text = ""
    starts: list[int] = []
    last_open = False  # the text so far ends inside a paragraph that may go on
    for lines in pages:
        groups = _paragraphs(lines, body, leading)
        if not groups:  # a page without text (a scanned page?) ends the paragraph before it
            starts.append(len(text) + (2 if text else 0))
            last_open = False
            continue
        paragraphs = []
        for g in groups:
            if isinstance(g, _Table):
                paragraphs.append(g.text())
                continue
            joined = g[0].text
            for line in g[1:]:
                joined = _join(joined, line.text, words)
            heading = (all(line.size > 1.15 * body for line in g) or (len(g) == 1 and g[0].bold)) and (
                len(joined) <= 150 and not joined.endswith((".", ",", ";"))) and _may_head(g, joined, body)
            paragraphs.append(("# " + joined) if heading else joined)
        first = groups[0][0]
        continues = (last_open and not paragraphs[0].startswith("# ") and first.text[:1].islower()
                     and abs(first.size - body) < 0.6 and not isinstance(groups[0], _Table))
        if continues:  # a paragraph going on from the page before: one passage
            text = _join(text, paragraphs[0], words)
            starts.append(len(text) - len(paragraphs[0]))
        else:
            if text:
                text += "\n\n"
            starts.append(len(text))
            text += paragraphs[0]
        for paragraph in paragraphs[1:]:
            text += "\n\n" + paragraph
        last_line = paragraphs[-1]
        last_open = (not last_line.startswith("# ") and not last_line.endswith(_TERMINAL)
                     and not isinstance(groups[-1], _Table))
    # a page without text starts where the next one does
    for i in range(len(starts) - 2, -1, -1):
        starts[i] = min(starts[i], starts[i + 1])
    return (text + "\n" if text else ""), [min(s, len(text)) for s in starts]
