"""Source files as people really have them → the text that passages are split from.

A committee's sources come as PDFs, saved web pages, Word files and plain text in whatever
encoding the machine that wrote them used. `extract` turns each into one plain text whose
paragraphs are separated by blank lines (and whose headings are `# …` lines), which
`corpus.split_passages` then splits exactly as it splits a `.md` file:

- `.md`, `.txt`: the text as it is, decoded: UTF-8 (with or without a byte-order mark),
  else UTF-16/32 with a byte-order mark, else mostly UTF-8 with a few Windows-1252 bytes
  pasted in, else the encoding detected (Windows-1252, Latin-1, Mac Roman, UTF-16
  without a mark, …; a warning says which). Nothing else changes, so offsets count code
  points in the file's text (a lone CR, the old Mac line end, becomes LF: one for one);
- `.html`, `.htm`: the page's main text only (trafilatura), headings as `# …`: menus,
  headers and footers, share buttons, comment sections and trackbacks, scripts and
  styles are left out; a page without an article falls back to all its visible text;
- `.pdf`: the text layer page by page (pypdf), lines joined into paragraphs (by the gaps
  between lines, first-line indents, font changes), words broken at a line end by a
  hyphen joined again, running heads and feet and page numbers left out, a paragraph that
  runs on to the next page kept whole; `pages` gives where each page starts in the text;
- `.docx`: paragraphs, headings (as `# …`) and tables (python-docx); no pages.

A file whose bytes are a PDF or a Word file is read as one, whatever its suffix says.
What goes wrong (an encrypted, damaged or scanned PDF, a Word file that is not one, an
empty file) or was guessed (an encoding) is a problem in `Extracted.problems`, naming the
file and what to do; the function never raises for a bad file. A file that cannot be read
at all gives an `Extracted` with empty text and an error; a suffix not in READABLE gives
None (the caller says what to do with the file).

`extract_cached` keeps each result in a cache folder under the hash of the file's bytes,
so an unchanged source is not read again (`prune_cache` removes entries long unused):

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.md").write_text("# Notes\\n\\nLeaders ask why.\\n\\nManagers ask how.\\n")
    >>> result = extract_cached(folder / "notes.md", "notes.md", folder / "cache")
    >>> result.text.split("\\n\\n")[1:], result.pages, list(result.problems)
    (['Leaders ask why.', 'Managers ask how.\\n'], None, [])
"""

from __future__ import annotations

import bisect
import codecs
import functools
import hashlib
import io
import json
import logging
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..files import write_atomic
from ..problems import SEVERITIES, Problem, ProblemLog

EXTRACTOR_VERSION = "2"
"""Raise it whenever a change here changes the text extracted from some file: cached
results made by another version are not used."""

READABLE = (".md", ".txt", ".html", ".htm", ".pdf", ".docx")

KINDS = {".md": "text", ".txt": "text", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}


@dataclass
class Extracted:
    text: str
    """The text passages are split from: paragraphs separated by blank lines."""
    pages: list[int] | None
    """Start offset (code points, into `text`) of each page, page 1 first; None when the
    format has no pages. A page without text starts where the next one does."""
    problems: ProblemLog
    """What went wrong or was guessed, each with the file and what to do."""
    kind: str
    """'text', 'html', 'pdf' or 'docx'."""

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) holding that offset of the text; None without pages.

        >>> Extracted("one\\n\\ntwo\\n", [0, 5], ProblemLog("a.pdf"), "pdf").page_at(6)
        2
        """
        return page_of(self.pages, offset) if offset <= len(self.text) else None


def page_of(pages: list[int] | None, offset: int) -> int | None:
    """The page (from 1) holding an offset, given where each page starts; None without pages."""
    if not pages or offset < 0:
        return None
    return max(1, bisect.bisect_right(pages, offset))


def extract(path: Path, name: str) -> Extracted | None:
    """The text of one source file, with its problems reported under `name`.

    None when the suffix is not one of READABLE (the caller says what to do with it).
    """
    path = Path(path)
    if path.suffix.lower() not in READABLE:
        return None
    data = _read(path, name)
    if isinstance(data, Extracted):
        return data
    return _extract_data(data, path.suffix.lower(), name)


def extract_cached(path: Path, name: str, cache_dir: Path) -> Extracted | None:
    """`extract`, keeping the result in `cache_dir` under the hash of the file's bytes.

    The key is the SHA-256 of the extractor's version and the bytes, so an edited file is
    read again and an unchanged one is not; an entry that cannot be read is ignored and
    written again. The problems are kept too, and reported under `name` (a renamed file
    keeps its entry).
    """
    path, cache_dir = Path(path), Path(cache_dir)
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        return None
    data = _read(path, name)
    if isinstance(data, Extracted):
        return data
    digest = hashlib.sha256(f"{extractor_version()}\0{KINDS[suffix]}\0".encode())
    digest.update(data)
    entry = cache_dir / f"{digest.hexdigest()}.json"
    cached = _load_entry(entry, name)
    if cached is not None:
        _touch(entry)  # in use: kept by prune_cache
        return cached
    result = _extract_data(data, suffix, name)
    _store_entry(entry, result)
    return result


def prune_cache(cache_dir: Path, unused_days: float = 30) -> int:
    """Remove the cache entries no load has used for `unused_days` (texts of files since
    edited or deleted), so the cache does not grow for ever; returns how many went."""
    cutoff = time.time() - unused_days * 86400
    removed = 0
    try:
        entries = list(Path(cache_dir).iterdir())
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
                removed += 1
        except OSError:
            pass  # another load removed it, or the folder is read-only: harmless
    return removed


def _touch(entry: Path) -> None:
    try:
        os.utime(entry)
    except OSError:
        pass


@functools.cache
def extractor_version() -> str:
    """This module's version and the versions of the readers it uses."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"litcoder-extract {EXTRACTOR_VERSION}"]
    for package in ("pypdf", "trafilatura", "python-docx", "charset-normalizer"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} none")
    return "; ".join(parts)


# ---------------------------------------------------------------- reading and caching


def _read(path: Path, name: str) -> bytes | Extracted:
    try:
        return path.read_bytes()
    except OSError as err:
        log = ProblemLog(name)
        log.error(None, f"cannot be read: {err.strerror or err}", "check that the file exists and can be read",
                  "source-unreadable")
        return Extracted("", None, log, KINDS[path.suffix.lower()])


def _sniff(data: bytes) -> str | None:
    """What the bytes are, whatever the file's name says: 'pdf', 'docx' or None."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    return None


def _extract_data(data: bytes, suffix: str, name: str) -> Extracted:
    kind = KINDS[suffix]
    log = ProblemLog(name)
    real = _sniff(data)
    if real and real != kind:
        log.warning(None, f"this is a {'PDF' if real == 'pdf' else 'Word (.docx) file'} named {suffix}; read as one",
                    f"rename it to .{real}", "source-format")
        kind = real
    pages: list[int] | None = [] if kind == "pdf" else None
    text = ""
    try:
        if not data.strip():
            pass
        elif kind == "text":
            text = _text_file(data, log)
        elif kind == "html":
            text = _html_file(data, log)
        elif kind == "docx":
            text = _docx_file(data, log)
        else:
            text, pages = _pdf_file(data, log)
    except Exception as err:  # a reader's bug on a strange file must not stop the review loading
        log.error(None, f"could not be read ({type(err).__name__}: {_short(err)})",
                  "re-export or re-save the file, or save its text as .md beside it", "source-unreadable")
        text, pages = "", ([] if kind == "pdf" else None)
    if not _has_passages(text) and not any(p.severity == "error" for p in log):
        log.warning(None, "empty: no text to code", "put the source's text (or your notes on it) in the file"
                    if kind == "text" else "check that the file opens and shows text; else save its text as .md",
                    "source-empty")
    return Extracted(text, pages, log, kind)


_HEADING_BLOCK = re.compile(r"#{1,6}[ \t]+[^\n]*")


def _has_passages(text: str) -> bool:
    """Whether some block of the text is more than a heading (as corpus.split_passages sees it)."""
    return any(block.strip() and not _HEADING_BLOCK.fullmatch(block.strip())
               for block in re.split(r"\n[ \t\r]*\n", text))


def _load_entry(entry: Path, name: str) -> Extracted | None:
    try:
        stored = json.loads(entry.read_text(encoding="utf-8"))
        if stored.get("version") != extractor_version():
            return None
        text, pages, kind = stored["text"], stored["pages"], stored["kind"]
        if not isinstance(text, str) or kind not in KINDS.values():
            return None
        if pages is not None and not (isinstance(pages, list) and all(isinstance(p, int) for p in pages)):
            return None
        log = ProblemLog(name)
        for p in stored["problems"]:
            if p["severity"] not in SEVERITIES:
                return None
            log.append(Problem(p["severity"], name, p["line"], str(p["message"]), str(p["action"]), str(p["kind"])))
        return Extracted(text, pages, log, kind)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _store_entry(entry: Path, result: Extracted) -> None:
    stored = {
        "version": extractor_version(),
        "kind": result.kind,
        "text": result.text,
        "pages": result.pages,
        "problems": [{"severity": p.severity, "line": p.line, "message": p.message, "action": p.action,
                      "kind": p.kind} for p in result.problems],
    }
    try:
        write_atomic(entry, json.dumps(stored, ensure_ascii=False))
    except OSError:
        pass  # a read-only or full disk only costs reading the file again next time


@contextmanager
def _quiet(*loggers: str):
    """Collect what the readers log (pypdf warns about every fault it repairs) instead of
    printing it into the notebook."""
    caught: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            caught.append(record.getMessage())

    handler = Collect(logging.WARNING)
    saved = []
    for name in loggers:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield caught
    finally:
        for logger, propagate in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate


# ---------------------------------------------------------------- encodings

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", None),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
]

_NAMES = {  # by Python's own name for each codec (codecs.lookup(...).name)
    "cp1252": "Windows-1252", "iso8859-1": "Latin-1 (ISO-8859-1)", "iso8859-15": "Latin-9 (ISO-8859-15)",
    "mac-roman": "Mac Roman", "cp1250": "Windows-1250", "cp1251": "Windows-1251", "iso8859-2": "Latin-2 (ISO-8859-2)",
    "utf-16": "UTF-16", "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
    "utf-16-be": "UTF-16 (big-endian, no byte-order mark)", "utf-32": "UTF-32", "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32", "cp437": "DOS (code page 437)", "cp850": "DOS (code page 850)", "koi8-r": "KOI8-R",
    "shift_jis": "Shift JIS", "gb18030": "GB18030", "big5": "Big5", "euc_kr": "EUC-KR",
}

# Languages in which a Central European code page (cp1250, ISO-8859-2) is the likely one;
# for all others, when Windows-1252 reads the bytes just as well, it is the likelier.
_CENTRAL = {"Czech", "Slovak", "Polish", "Hungarian", "Croatian", "Slovene", "Romanian", "Serbian", "Bosnian"}


def _cp1252_for_bad_bytes(err: UnicodeDecodeError):
    bad = err.object[err.start:err.end]
    try:
        return bad.decode("cp1252"), err.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), err.end


codecs.register_error("litcoder-cp1252", _cp1252_for_bad_bytes)


def _decode_text(data: bytes) -> tuple[str, str | None, int | None, int]:
    """(text, the encoding's name when it is not UTF-8, the line of the first byte that is
    not UTF-8, how many bytes were not UTF-8 in a mostly UTF-8 file: then the name is None)."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, None, 0
            except UnicodeDecodeError:
                break  # a stray BOM-like start: detect below
    try:
        return data.decode("utf-8"), None, None, 0
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
    # Notes pasted together from several programs: mostly UTF-8, with a few Windows bytes.
    # (Bytes of a legacy encoding form a valid UTF-8 sequence now and then, e.g. Mac Roman
    # "’é": only Latin letters and typographic marks count as signs of real UTF-8.)
    loose = data.decode("utf-8", errors="replace")
    if any(0xA0 <= ord(c) <= 0x17F or 0x2000 <= ord(c) != 0xFFFD for c in loose) and data.count(0) == 0:
        bad = loose.count("\ufffd")
        return data.decode("utf-8", errors="litcoder-cp1252"), None, line, bad
    codec = _detect(data)
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        codec = "cp1252"
        text = data.decode("cp1252", errors="litcoder-cp1252")
    return text, _NAMES.get(codec, codec), (None if codec.startswith("utf") else line), 0


def _detect(data: bytes) -> str:
    """The likeliest encoding of bytes that are not UTF-8, as a Python codec name."""
    from charset_normalizer import from_bytes

    sample = data if len(data) <= 200_000 else data[:200_000]
    results = list(from_bytes(sample))
    if not results:
        return "cp1252"
    best = results[0]
    codec = codecs.lookup(best.encoding).name
    if codec.startswith("utf"):
        return codec
    if best.language in _CENTRAL:
        return codec
    # Western text. charset-normalizer ranks code pages that read these bytes the same way
    # (Windows-1250 and -1252, Mac Icelandic and Mac Roman) in an arbitrary order, and a
    # DOS code page now and then above them: take the commonest Western one that fits.
    low = min(m.chaos for m in results)
    groups = [best] + [m for m in results if m.chaos <= low + 0.02]
    for match in groups:
        fits = {_codec_name(name) for name in [match.encoding, *match.could_be_from_charset]}
        for western in ("cp1252", "mac-roman", "iso8859-1", "iso8859-15"):
            if western in fits:
                return western
    return codec


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _decode_report(log: ProblemLog, encoding: str | None, line: int | None, bad: int) -> None:
    if bad:
        log.warning(line, f"mostly UTF-8, but {bad} byte(s) are not (the first on this line); "
                          "read those as Windows-1252; save it as UTF-8",
                    "check the accented characters there, then save the file as UTF-8", "encoding")
    elif encoding is not None:
        log.warning(line, f"not UTF-8: read as {encoding}; save it as UTF-8",
                    "check the accented characters, then save the file as UTF-8", "encoding")


# ---------------------------------------------------------------- .txt, .md


def _binary(text: str, data: bytes, log: ProblemLog) -> bool:
    """Whether the file is not text at all (an old .doc, an image, …), reporting it."""
    control = len(_CONTROL.findall(text[:100_000]))
    if control <= max(8, 0.01 * min(len(text), 100_000)):
        return False
    what = "an old Word .doc or other Office file" if data[:4] == b"\xd0\xcf\x11\xe0" else "binary"
    log.error(None, f"not a text file: it is {what}, so it cannot be read as text",
              "open it in the program that made it and save it as .docx, .pdf or .md", "source-format")
    return True


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")


def _text_file(data: bytes, log: ProblemLog) -> str:
    text, encoding, line, bad = _decode_text(data)
    if _binary(text, data, log):
        return ""
    _decode_report(log, encoding, line, bad)
    # Classic Mac OS ended lines with CR alone; as LF, blank lines separate passages. One
    # character for one, so offsets into the text stay where they were.
    return re.sub(r"\r(?!\n)", "\n", text)


# ---------------------------------------------------------------- .html

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
    for bom, codec, _label in _BOMS:
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
    text, encoding, line, bad = _decode_text(data)
    read_as = "UTF-8, with some Windows-1252 bytes" if bad else (encoding or "UTF-8")
    if declared:
        said = found.group(1).decode("ascii")
        log.warning(line, f"the page says it is {said}, but it is not; read as {read_as}",
                    "check the accented characters", "encoding")
    elif encoding is not None or bad:
        log.info(line, f"the page does not say its encoding; read as {read_as}",
                 "check the accented characters", "encoding")
    return text


def _html_file(data: bytes, log: ProblemLog) -> str:
    import trafilatura
    from lxml import etree

    html = _html_decode(data, log)
    if _binary(html, data, log):
        return ""
    html = _XML_DECLARATION.sub("", html, count=1)
    blocks: list[str] = []
    with _quiet("trafilatura", "htmldate", "courlan", "justext"):
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


# ---------------------------------------------------------------- .docx


def _docx_file(data: bytes, log: ProblemLog) -> str:
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


# ---------------------------------------------------------------- .pdf

_TERMINAL = tuple(".!?:\"”’»)]…")
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*((page|p\.|seite)\s*)?(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/|von)\s*\d{1,4})?[-–—\s]*$", re.I)
_BULLET = re.compile(r"^([•◦▪‣∙·●○■□➢►*–—-]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\([ivx]{1,4}\))\s")
_WORD_TAIL = re.compile(r"([^\W\d_]+)[-\u2010\u00ad]$")
_WORD_HEAD = re.compile(r"^([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_GARBLED = re.compile("[\ue000-\uf8ff\ufffd\x01-\x08\x0b-\x1f\x7f]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", "\x00": ""})


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool


def _pdf_file(data: bytes, log: ProblemLog) -> tuple[str, list[int]]:
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
        return "", []
    with _quiet("pypdf") as repaired:
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except DependencyError:
                    log.error(None, "encrypted (AES), and the 'cryptography' package that opens it is not installed",
                              "save an unprotected copy (print to PDF, or 'remove security' in a PDF tool)",
                              "source-pdf-encrypted")
                    return "", []
                if opened == pypdf.PasswordType.NOT_DECRYPTED:
                    log.error(None, "encrypted: it needs a password to open",
                              "save an unprotected copy (open it with the password, then print to PDF or "
                              "'remove security')", "source-pdf-encrypted")
                    return "", []
                log.info(None, "encrypted, but opens without a password (it only restricts copying or printing); "
                               "read as usual", "", "source-pdf-encrypted")
            count = len(reader.pages)
        except FileNotDecryptedError:
            log.error(None, "encrypted: it needs a password to open", "save an unprotected copy",
                      "source-pdf-encrypted")
            return "", []
        except Exception as err:  # pypdf raises many kinds on a broken file
            log.error(None, f"damaged: pypdf cannot open it ({type(err).__name__}: {_short(err)})",
                      "re-download or re-export the PDF", "source-pdf-damaged")
            return "", []
        if count == 0:
            log.error(None, "damaged: the PDF has no pages", "re-download or re-export the PDF", "source-pdf-damaged")
            return "", []
        page_lines: list[list[_Line] | None] = []
        for number in range(count):
            try:
                page_lines.append(_page_lines(reader.pages[number]))
            except Exception:  # one broken page: keep the others
                page_lines.append(None)
    broken = [i + 1 for i, lines in enumerate(page_lines) if lines is None]
    pages = [lines or [] for lines in page_lines]
    if not any(pages) and not broken and repaired:
        log.error(None, f"damaged: no text could be read (pypdf: {_short(repaired[-1])})",
                  "re-download or re-export the PDF", "source-pdf-damaged")
        return "", [0] * count
    if not any(pages) and not broken:
        log.error(None, f"no text layer (a scan): none of its {count} page(s) has text to read",
                  "run OCR on it first, e.g. `ocrmypdf in.pdf out.pdf`, and put the result in its place",
                  "source-pdf-no-text")
        return "", [0] * count
    if not any(pages):
        log.error(None, "damaged: pypdf could not read any of its pages", "re-download or re-export the PDF",
                  "source-pdf-damaged")
        return "", [0] * count
    if broken:
        log.error(None, f"damaged: {_page_list(broken)} could not be read; the text of the rest is here",
                  "re-download or re-export the PDF", "source-pdf-damaged")
    empty = [i + 1 for i, lines in enumerate(page_lines) if lines is not None and not lines]
    if empty:
        log.warning(None, f"partly scanned? {_page_list(empty)} {'has' if len(empty) == 1 else 'have'} no text",
                    "if those pages are not blank, run OCR on the file first, e.g. "
                    "`ocrmypdf --skip-text in.pdf out.pdf`", "source-pdf-partly-scanned")
    if repaired:
        log.info(None, f"pypdf repaired {len(repaired)} fault(s) in the file while reading it "
                       f"(first: {_short(repaired[0])})",
                 "if the text looks wrong, re-download or re-export the PDF", "source-pdf-repaired")
    _drop_running_lines(pages)
    text, starts = _assemble(pages)
    odd = len(_GARBLED.findall(text))
    if odd > 0.05 * max(1, len(text) - text.count(" ")):
        log.warning(None, "the text layer looks garbled (fonts without a character map), so the text is unusable",
                    "run OCR on it, replacing the text layer: `ocrmypdf --force-ocr in.pdf out.pdf`",
                    "source-pdf-garbled")
    return text, starts


def _short(message, limit: int = 120) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


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
    current: list = []  # [parts, x, y, characters by size, bold characters]

    def close():
        if current:
            text = " ".join("".join(current[0]).translate(_LIGATURES).split())
            if text:
                sizes, bold = current[3], current[4]
                size = max(sizes, key=sizes.get)
                lines.append(_Line(text, current[1], current[2], size, bold >= 0.9 * sum(sizes.values())))
        current.clear()

    def visit(text, cm, tm, font, size):
        if not text:
            return
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
                current.extend([[], tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                                Counter(), 0])
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
    a line there that starts or ends with the page's printed number."""
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
            if (_PAGE_NUMBER.match(line.text) or _running_key(line.text) in repeated
                    or (folio is not None and folio - index in offsets)):
                lines.remove(line)


def _folio(text: str) -> int | None:
    """The number a running head or foot starts or ends with, if any."""
    found = re.match(r"^(\d{1,4})\s+\S", text) or re.search(r"\S\s+(\d{1,4})$", text)
    return int(found.group(1)) if found else None


def _edge_lines(lines: list[_Line]) -> list[_Line]:
    """The two highest and two lowest lines of a page (where heads and feet are)."""
    if len(lines) <= 1:
        return list(lines)
    ys = sorted({round(line.y, 1) for line in lines})
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
        for prev, line in zip(lines, lines[1:]):
            dy = prev.y - line.y
            if abs(prev.size - body) < 0.6 and abs(line.size - body) < 0.6 and 0.5 * body < dy < 3 * body:
                gaps.append(dy)
    gaps.sort()
    leading = gaps[len(gaps) // 2] if gaps else 1.2 * body
    return body, leading


def _paragraphs(lines: list[_Line], body: float, leading: float) -> list[list[_Line]]:
    """A page's lines grouped into paragraphs, by the gaps between them, first-line
    indents, changes of font size or weight, bullets and short closing lines."""
    if not lines:
        return []
    body_lines = [line for line in lines if abs(line.size - body) < 0.6] or lines
    lengths = sorted(len(line.text) for line in body_lines)
    full = lengths[len(lengths) * 3 // 4] if len(lengths) >= 4 else None
    groups: list[list[_Line]] = [[lines[0]]]
    for i, line in enumerate(lines[1:], 1):
        prev = lines[i - 1]
        group = groups[-1]
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
        if new:
            groups.append([line])
        else:
            group.append(line)
    return groups


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
            joined = g[0].text
            for line in g[1:]:
                joined = _join(joined, line.text, words)
            heading = (all(line.size > 1.15 * body for line in g) or (len(g) == 1 and g[0].bold)) and (
                len(joined) <= 150 and not joined.endswith((".", ",", ";")))
            paragraphs.append(("# " + joined) if heading else joined)
        first = groups[0][0]
        continues = (last_open and not paragraphs[0].startswith("# ") and first.text[:1].islower()
                     and abs(first.size - body) < 0.6)
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
        last_open = not last_line.startswith("# ") and not last_line.endswith(_TERMINAL)
    # a page without text starts where the next one does
    for i in range(len(starts) - 2, -1, -1):
        starts[i] = min(starts[i], starts[i + 1])
    return (text + "\n" if text else ""), [min(s, len(text)) for s in starts]
