"""Saved web pages (`.html`, `.htm`) → the page's main text, headings as `# …`."""

from __future__ import annotations

import codecs
import re

from ...problems import ProblemLog
from .common import quiet
from .text import BOMS, decode_text, looks_binary

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
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


def html_file(data: bytes, log: ProblemLog) -> str:
    import trafilatura
    from lxml import etree

    html = _html_decode(data, log)
    if looks_binary(html, data, log):
        return ""
    html = _XML_DECLARATION.sub("", html, count=1)
    blocks: list[str] = []
    with quiet("trafilatura", "htmldate", "courlan", "justext"):
        try:
            xml = trafilatura.extract(html, include_comments=False, include_tables=True, include_images=False,
                                      output_format="xml", favor_precision=False, deduplicate=False,
                                      with_metadata=True)
        except Exception:  # trafilatura gives up on some broken markup: fall back, below
            xml = None
    if xml:
        try:
            root = etree.fromstring(xml.encode("utf-8"))
            main = root.find("main")
            blocks = list(_xml_blocks(main if main is not None else root))
            title = _words(root.get("title") or "")
            if blocks and title and not any(b.startswith("#") and b.lstrip("# ") == title for b in blocks[:3]):
                blocks.insert(0, "# " + title)  # the page's title, as the heading of what follows
        except etree.XMLSyntaxError:
            blocks = []
    if not blocks:
        blocks = _visible_blocks(html)
        if blocks:
            log.warning(None, "no main text found in the page: read all its visible text, menus and footers included",
                        "check the passages; or save the article's own text as .md beside it", "source-html-fallback")
        return "\n\n".join(blocks) + "\n" if blocks else ""
    kept, cut = _drop_chrome(blocks)
    if cut:
        log.info(None, f"left out the page's comment section from '{cut[:60]}' on", "", "source-html-comments")
    return "\n\n".join(kept) + "\n" if kept else ""


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


def _inline(el) -> str:
    """An element's text; <lb/> as a line break; no blank line inside."""
    parts: list[str] = []

    def walk(node):
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag not in ("list", "table", "graphic"):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = [_words(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _list_lines(el, depth: int = 0) -> list[str]:
    lines = []
    for item in el:
        if item.tag != "item":
            continue
        own = _inline(item)
        if own:
            lines.append("  " * depth + "- " + own.replace("\n", " "))
        for child in item:
            if child.tag == "list":
                lines.extend(_list_lines(child, depth + 1))
    return lines


def _xml_blocks(el):
    """Paragraph-level blocks of trafilatura's XML: headings as `# …`."""
    loose = _words(el.text or "")
    if loose:
        yield loose  # text straight inside <main>, as trafilatura leaves a very short page
    for child in el:
        if isinstance(child.tag, str):
            yield from _xml_block(child)
        loose = _words(child.tail or "")
        if loose:
            yield loose


def _xml_block(child):
    tag = child.tag
    if tag == "head":
        text = _inline(child).replace("\n", " ")
        level = child.get("rend", "h1")[1:]
        if text:
            yield "#" * (int(level) if level.isdigit() and 1 <= int(level) <= 6 else 1) + " " + text
    elif tag == "list":
        lines = _list_lines(child)
        if lines:
            yield "\n".join(lines)
    elif tag == "table":
        rows = []
        for row in child.iter("row"):
            cells = [_inline(cell).replace("\n", " ") for cell in row if cell.tag == "cell"]
            if any(cells):
                rows.append(" | ".join(c for c in cells if c))
        if rows:
            yield "\n".join(rows)
    elif tag in ("quote", "div", "main", "body") and any(c.tag in ("p", "list", "head", "table", "quote")
                                                         for c in child):
        yield from _xml_blocks(child)
    elif tag not in ("graphic", "comments"):
        text = _inline(child)
        if text:
            yield text


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
