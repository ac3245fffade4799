"""Saved web pages (`.html`, `.htm`) → the page's main text, headings as `# …`."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

from ...problems import ProblemLog
from .common import quiet
from .text import BOMS, decode_text, looks_binary

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WORD = re.compile(r"\w+")
_COMMENTS_START = re.compile(
    r"^(#+ )?(\d+|one|two|three|no)\s+(responses?|comments?|replies|reply|thoughts?)\s+(to|on)\b"
    r"|^(#+ )?(leave a (reply|comment)|post a comment|add a comment|join the discussion)\s*:?$"
    r"|^(#+ )?(trackbacks?|pingbacks?)( and (trackbacks|pingbacks))?\s*:?$", re.I)
_CHROME = re.compile(
    r"^(share( this( post| article| page)?)?:?|share (on|via) (facebook|twitter|x|linkedin|email|whatsapp|reddit|"
    r"pinterest|mastodon|bluesky)|(pingback|trackback):.*|related( posts| articles)?:?|you (may|might) also like:?|"
    r"like this:?|like loading\.{3}|click to (share|print|email).*|print( this( page)?)?|email this( page)?|"
    r"tags?:.*|categor(y|ies):.*)$", re.I)


def _html_decode(data: bytes, log: ProblemLog) -> str:
    for bom, codec, _label in BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = None
    found = _META_CHARSET.search(data[:4096]) or re.search(rb"""<\?xml[^>]+encoding=["']([A-Za-z0-9_.:-]+)""",
                                                            data[:200])
    if found:
        try:
            declared = codecs.lookup(found.group(1).decode("ascii")).name
        except LookupError:
            declared = None
    if declared in ("latin-1", "iso8859-1", "ascii"):
        declared = "cp1252"  # as browsers read them (the HTML standard says so)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    text, encoding, line, bad = decode_text(data)
    read_as = "UTF-8, with some Windows-1252 bytes" if bad else (encoding or "UTF-8")
    if declared:
        said = found.group(1).decode("ascii")
        log.warning(line, f"the page says it is {said}, but it is not; read as {read_as}",
                    "check the accented characters", "encoding")
    elif encoding is not None or bad:
        log.info(line, f"the page does not say its encoding; read as {read_as}",
                 "check the accented characters", "encoding")
    return text


RETENTION_WARNING = 0.98
"""The least share of the words trafilatura found in a page that its passages must hold
before the page is reported: the conversion keeps them all (the benchmark measures it), so a
page below this lost text in some markup not yet handled."""

TRAFILATURA_OPTIONS = dict(include_comments=False, include_tables=True, include_images=False, favor_precision=False,
                           deduplicate=False)
"""How trafilatura is asked for a page's main text (and for its plain text, to measure against)."""


def html_file(data: bytes, log: ProblemLog) -> str:
    """A saved web page's main text: paragraphs separated by blank lines, headings as `# …`."""
    html = page_markup(data, log)
    if html is None:
        return ""
    found, body, title = _trafilatura(html)
    blocks = page_blocks(body) if body is not None else []
    if blocks and title and not any(b.startswith("#") and b.lstrip("# ") == title for b in blocks[:3]):
        blocks.insert(0, "# " + title)  # the page's title, as the heading of what follows
    if not blocks:
        blocks = _visible_blocks(html)
        if blocks:
            log.warning(None, "no main text found in the page: read all its visible text, menus and footers included",
                        "check the passages; or save the article's own text as .md beside it", "source-html-fallback")
        return "\n\n".join(blocks) + "\n" if blocks else ""
    report_retention(log, "\n\n".join(blocks), found, "the page", "source-html-retention")
    kept, cut = _drop_chrome(blocks)
    if cut:
        log.info(None, f"left out the page's comment section from '{cut[:60]}' on", "", "source-html-comments")
    return "\n\n".join(kept) + "\n" if kept else ""


def page_markup(data: bytes, log: ProblemLog) -> str | None:
    """The page's markup as trafilatura is given it: decoded, without an XML declaration
    (lxml refuses one in a str); None for a file that is not text at all (reported)."""
    html = _html_decode(data, log)
    if looks_binary(html, data, log):
        return None
    return _XML_DECLARATION.sub("", html, count=1)


def _trafilatura(html: str):
    """(trafilatura's own plain text of the page, the tree that text was made from, the
    page's title); (None, None, "") when trafilatura finds no article or gives up.

    The plain text is trafilatura's own rendering of the tree (what `trafilatura.extract`
    gives), so the retention check measures our reading of the tree against trafilatura's."""
    import trafilatura

    with quiet("trafilatura", "htmldate", "courlan", "justext"):
        try:
            document = trafilatura.bare_extraction(html, with_metadata=True, **TRAFILATURA_OPTIONS)
        except Exception:  # trafilatura gives up on some broken markup: fall back to the visible text
            return None, None, ""
    found = getattr(document, "text", None) if document is not None else None
    if not found or getattr(document, "body", None) is None:
        return None, None, ""
    return found, document.body, _words(getattr(document, "title", None) or "")


def word_counts(text: str) -> Counter:
    """The words of a text (runs of letters and digits, case and Unicode form folded), counted."""
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def retention(kept: str, found: str) -> tuple[int, int]:
    """(how many of the words of `found` `kept` holds, how many `found` has): each word
    counted as often as it occurs, so cells glued into one word ("politicsp") count as lost.

    >>> retention("1 | What is politics | p. 4-8", "1 What is politics p. 4-8")
    (7, 7)
    >>> retention("1What is politicsp. 4-8", "1 What is politics p. 4-8")
    (3, 7)
    """
    ours, theirs = word_counts(kept), word_counts(found)
    return sum(min(n, ours[word]) for word, n in theirs.items()), sum(theirs.values())


def report_retention(log: ProblemLog, kept: str, found: str | None, what: str, kind: str) -> float | None:
    """Warn when `kept` holds less than RETENTION_WARNING of the words of `found` (what the
    reader itself found in the file); gives the share kept, None when nothing was found."""
    if not found:
        return None
    held, total = retention(kept, found)
    if not total:
        return None
    share = held / total
    if share < RETENTION_WARNING:
        log.warning(None, f"its passages hold only {share:.1%} of the words found in {what} "
                    f"({total - held:,} of {total:,} left out): some of its text is missing",
                    "compare the passages with the file; save the missing text as .md beside it, and report the "
                    "file to litcoder's developers", kind)
    return share


def _drop_chrome(blocks: list[str]) -> tuple[list[str], str]:
    """Blocks without leftover share buttons and the like, and cut at a comment section
    that the page's layout let through."""
    kept: list[str] = []
    for block in blocks:
        line = block.strip()
        if len(line) < 120 and _COMMENTS_START.match(line) and kept:
            return kept, line
        if len(line) < 120 and _CHROME.match(line.lstrip("#- ").strip()):
            continue
        kept.append(block)
    return kept, ""


def _words(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- trafilatura's tree → blocks
# trafilatura's tree is mostly its own vocabulary (head, p, list/item, table/row/cell, quote,
# code, lb, hi), but markup it did not convert (a table inside <pre>, the output of its
# fallback extractors) comes through as HTML: both are read alike.

_HEADINGS = {"head", "h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"list", "ul", "ol", "dl", "menu"}
_ITEMS = {"item", "li", "dt", "dd"}
_ROWS = {"row", "tr"}
_CELLS = {"cell", "td", "th"}
_BREAKS = {"lb", "br"}
_LEFT_OUT = {"graphic", "comments", "img", "script", "style", "noscript", "template", "svg"}
_PARAGRAPHS = {"p", "quote", "code", "pre", "blockquote", "div", "section", "article", "main", "body", "doc",
               "figure", "figcaption", "header", "footer", "aside", "details", "summary", "center", "address",
               "form", "fieldset", "hr", "nav", "caption", "table", "thead", "tbody", "tfoot", "dir"}
_PREFORMATTED = {"code", "pre", "quote"}
_STRUCTURE = _HEADINGS | _LISTS | _ITEMS | _ROWS | _CELLS | _PARAGRAPHS


def _tag(node) -> str:
    return node.tag.lower() if isinstance(node.tag, str) else ""


def page_blocks(body) -> list[str]:
    """The blocks of trafilatura's tree: paragraphs, `# ` headings, `- ` lists and
    `cell | cell` tables, a block wherever the page starts one, wherever it is nested (a
    list inside a paragraph, a table inside <pre>, either deep in <div>s)."""
    blocks: list[str] = []
    line: list[str] = []
    rows_at = [-1]  # the block that rows found outside a table (one after another) go to

    def flush():
        text = _lines("".join(line))
        if text:
            blocks.append(text)
        line.clear()

    def walk(node, preformatted: bool):
        tag = _tag(node)
        if tag in _LEFT_OUT or not tag:
            return
        if tag in _ROWS and _layout_row(node):
            flush()
            blocks.extend(_cell_blocks(node))
            return
        if tag in _ROWS:
            flush()
            row = _row_line(node)
            if row and rows_at[0] == len(blocks) - 1 >= 0:
                blocks[-1] += "\n" + row
            elif row:
                blocks.append(row)
                rows_at[0] = len(blocks) - 1
            return
        if tag in _HEADINGS or tag in _LISTS or tag == "table":
            flush()
            blocks.extend(b for b in _structured(node, tag) if b)
            return
        if tag in _BREAKS:
            line.append("\n")
            return
        if tag == "code" and _in_running_text(node):
            tag = "hi"  # `x` in a sentence: a word of the paragraph, not a block of its own
        preformatted = preformatted or tag in _PREFORMATTED
        block = tag in _PARAGRAPHS or tag in _ITEMS or tag in _CELLS
        if block:
            flush()
        line.append(_text(node.text, preformatted))
        for child in node:
            walk(child, preformatted)
            line.append(_text(child.tail, preformatted))
        if block:
            flush()

    walk(body, False)
    flush()
    return blocks


def _structured(node, tag: str) -> list[str]:
    if tag in _HEADINGS:
        level = (node.get("rend") or "h1")[1:] if tag == "head" else tag[1]
        text = _flat(node)
        return ["#" * (int(level) if level.isdigit() and 1 <= int(level) <= 6 else 1) + " " + text] if text else []
    if tag in _LISTS:
        return ["\n".join(_list_lines(node))]
    return _table_blocks(node)


def _in_running_text(code) -> bool:
    """Whether a code element is a word or two inside a sentence: one line, with text of the
    same paragraph before or after it."""
    if "\n" in "".join(code.itertext()).strip() or any(_tag(d) in _STRUCTURE for d in code.iterdescendants()):
        return False
    before = code.getprevious()
    text_before = (before.tail if before is not None else code.getparent().text) if code.getparent() is not None else ""
    return bool((text_before or "").strip() or (code.tail or "").strip())


def _text(text: str | None, preformatted: bool) -> str:
    """Text as it reads: the source's line ends are spaces, but lines of preformatted text
    (<pre>, code, a quote trafilatura made of <pre>) stay lines, as a table typed in it needs."""
    if not text:
        return ""
    return text if preformatted else text.replace("\n", " ")


def _lines(text: str) -> str:
    lines = [_words(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _flat(node) -> str:
    """All the text of an element on one line, its blocks, items and cells kept apart by spaces."""
    parts: list[str] = []

    def walk(el):
        tag = _tag(el)
        if tag in _LEFT_OUT or not tag:
            return
        apart = tag in _STRUCTURE or tag in _BREAKS
        if apart:
            parts.append(" ")
        parts.append(el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")
        if apart:
            parts.append(" ")

    walk(node)
    return _words("".join(parts))


def _list_lines(el, depth: int = 0) -> list[str]:
    """A list as `- item` lines, a nested list indented under its item; text that is in the
    list but in no item (trafilatura leaves some) gets a line of its own."""
    lines: list[str] = []
    loose = _words(el.text or "")
    if loose:
        lines.append("  " * depth + loose)
    for item in el:
        tag = _tag(item)
        if tag in _LISTS:
            lines.extend(_list_lines(item, depth + 1))
        elif tag and tag not in _LEFT_OUT:
            own, nested = _item(item, depth)
            if own:
                lines.append("  " * depth + ("- " if tag in _ITEMS else "") + own)
            lines.extend(nested)
        loose = _words(item.tail or "")
        if loose:
            lines.append("  " * depth + loose)
    return lines


def _item(item, depth: int) -> tuple[str, list[str]]:
    """An item's own text on one line, and the lines of the lists nested in it."""
    parts: list[str] = [item.text or ""]
    nested: list[str] = []
    for child in item:
        tag = _tag(child)
        if tag in _LISTS:
            nested.extend(_list_lines(child, depth + 1))
        elif tag and tag not in _LEFT_OUT:
            parts.append(" " + _flat(child) + " " if tag in _STRUCTURE or tag in _BREAKS else _flat(child))
        parts.append(child.tail or "")
    return _words("".join(parts)), nested


def _table_blocks(table) -> list[str]:
    """A table as a block of `cell | cell` lines, one per row, a cell's paragraphs, lists
    and nested tables on its one line, a caption or text outside the rows on a line of its
    own; rows used for layout (see `_layout_row`) as the blocks of their cells instead."""
    blocks: list[str] = []
    lines: list[str] = []

    def flush():
        if lines:
            blocks.append("\n".join(lines))
            lines.clear()

    def walk(el):
        loose = _words(el.text or "")
        if loose:
            lines.append(loose)
        for child in el:
            tag = _tag(child)
            if tag in _ROWS and _layout_row(child):
                flush()
                blocks.extend(_cell_blocks(child))
            elif tag in _ROWS:
                row = _row_line(child)
                if row:
                    lines.append(row)
            elif tag in _CELLS or (tag and tag not in _LEFT_OUT and not any(_tag(d) in _ROWS for d in child.iter())):
                text = _flat(child)
                if text:
                    lines.append(text)
            elif tag and tag not in _LEFT_OUT:
                walk(child)  # thead, tbody, a wrapper or a table nested outside any cell
            loose = _words(child.tail or "")
            if loose:
                lines.append(loose)

    walk(table)
    flush()
    return blocks


def _layout_row(row) -> bool:
    """Whether a row lays out a page rather than holds data: a cell of it holds a heading,
    or more than two paragraphs, lists or tables, or more than 200 characters (old sites
    and documentation tools put whole articles in table cells)."""
    for cell in row:
        if _tag(cell) not in _CELLS:
            continue
        blocks = [c for c in cell if _tag(c) in _STRUCTURE]
        if len(blocks) > 2 or any(_tag(d) in _HEADINGS for d in cell.iter()) or len(_flat(cell)) > 200:
            return True
    return False


def _cell_blocks(row) -> list[str]:
    """The blocks of a layout row's cells, one cell after another, with text between them."""
    blocks = [_words(row.text or "")]
    for cell in row:
        if _tag(cell) and _tag(cell) not in _LEFT_OUT:
            blocks.extend(page_blocks(cell))
        blocks.append(_words(cell.tail or ""))
    return [b for b in blocks if b]


def _row_line(row) -> str:
    """A row's cells apart, as `cell | cell` (text between cells is a cell of its own)."""
    cells = [_words(row.text or "")]
    for cell in row:
        if _tag(cell) and _tag(cell) not in _LEFT_OUT:
            cells.append(_flat(cell))
        cells.append(_words(cell.tail or ""))
    return " | ".join(c for c in cells if c)


_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "embed", "canvas",
              "button", "select", "input", "textarea"}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "ul", "ol", "li",
               "table", "tr", "td", "th", "thead", "tbody", "blockquote", "pre", "form", "figure", "figcaption",
               "dl", "dt", "dd", "address", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body", "center"}


def _visible_blocks(html: str) -> list[str]:
    """All text a browser would show, a block per block element: for pages in which
    trafilatura finds no article."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # lxml refuses an empty or binary document
        return []
    parts: list[str] = []

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _INVISIBLE or not tag or node.get("hidden") is not None:
            return
        block = tag in _BLOCK_TAGS
        heading = tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        if block:
            parts.append("\n\n" + ("#" * int(tag[1]) + " " if heading else ""))
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag == "br":
            parts.append("\n")
        if block:
            parts.append("\n\n")

    walk(root)
    blocks = []
    for chunk in re.split(r"\n\s*\n", "".join(parts)):
        lines = [_words(line) for line in chunk.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text and text.strip("# "):
            blocks.append(text)
    return blocks
