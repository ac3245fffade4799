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
  runs on to the next page kept whole; a table's rows kept together as one passage, a
  figure's labels never taken for headings, glyph names (`/Bullet`) given as their
  characters; a scan (no text layer) is an error that says to run OCR; `pages` gives where
  each page starts in the text, and `labels` the page labels the file carries (its
  printed page numbers), if any;
- `.docx`: paragraphs, headings (as `# …`) and tables, read from the document's XML:
  tracked insertions and moves kept, deletions left out; smart tags, content controls,
  field results and text boxes kept (a text box once, after its paragraph); no pages.

Web pages and Word files are checked for the words they keep against what their reader
itself finds (trafilatura's plain text; every `w:t` outside deletions): a file whose
passages hold much less is reported.

A file whose bytes are a PDF or a Word file is read as one, whatever its suffix says.
What goes wrong (an encrypted, damaged or scanned PDF, a Word file that is not one, an
empty file) or was guessed (an encoding) is a problem in `Extracted.problems`, naming the
file and what to do; the function never raises for a bad file. A file that cannot be read
at all gives an `Extracted` with empty text and an error; a suffix not in READABLE gives
None (the caller says what to do with the file).

`extract_cached` keeps each result in a cache folder under the hash of the file's bytes,
so an unchanged source is not read again (`prune_cache` removes entries long unused, only
in a folder `mark_cache` marked as litcoder's own):

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.md").write_text("# Notes\\n\\nLeaders ask why.\\n\\nManagers ask how.\\n")
    >>> result = extract_cached(folder / "notes.md", "notes.md", folder / "cache")
    >>> result.text.split("\\n\\n")[1:], result.pages, list(result.problems)
    (['Leaders ask why.', 'Managers ask how.\\n'], None, [])
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ...files import write_atomic
from ...problems import SEVERITIES, Problem, ProblemLog
from .common import short
from .docx import docx_file
from .html import html_file
from .pdf import pdf_file
from .text import text_file

EXTRACTOR_VERSION = "4"
"""Raise it whenever a change in this package changes what is extracted from some file (the
text, the pages, the labels): cached results made by another version are not used."""

READABLE = (".md", ".txt", ".html", ".htm", ".pdf", ".docx")

SOURCE_SIZE_LIMIT = 512 * 2**20
"""The largest source file read (512 MB). A long book is a few MB of text; loading a text
takes about five times its size in memory (bytes, text, passages, cache entry), so a bigger
file would exhaust a laptop's memory rather than be coded. A 200 MB text loads in seconds."""

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
    labels: list[str | None] | None = None
    """The page label of each page ('xii', '67', 'A-3'; None for a page labelled with nothing)
    when the PDF carries labels, else None: inputs.pages turns pages into printed pages."""

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
    if not cache_dir.exists():
        mark_cache(cache_dir)  # a folder made here is litcoder's own: it may be pruned
    _store_entry(entry, result)
    return result


CACHE_TAG = "CACHEDIR.TAG"
"""The marker file of a cache folder litcoder made: it prunes only folders that carry it.
Named and begun as the Cache Directory Tagging Specification says, so that backup tools
skip the folder too."""

_TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
             "# This folder is litcoder's cache of extracted source texts: every file in it can be made again.\n"
             "# litcoder removes the entries (<sha-256>.json) no load has used for 30 days, only in a folder with this "
             "file.\n")
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")


def mark_cache(cache_dir: Path) -> bool:
    """Make `cache_dir` (if missing) and put litcoder's marker in it, so that `prune_cache`
    may prune it; returns whether the folder carries the marker. Call it only on a folder
    that is litcoder's own (see layout.derived_folder_problem)."""
    cache_dir = Path(cache_dir)
    if is_cache(cache_dir):
        return True
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(cache_dir / CACHE_TAG, _TAG_TEXT)
    except OSError:
        return False  # a read-only disk: the cache is only not pruned
    return True


def is_cache(cache_dir: Path) -> bool:
    """Whether `cache_dir` carries litcoder's marker (a file of its own, not a link)."""
    tag = Path(cache_dir) / CACHE_TAG
    try:
        return not tag.is_symlink() and tag.is_file() and tag.read_text(encoding="utf-8") == _TAG_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def prune_cache(cache_dir: Path, unused_days: float = 30) -> int:
    """Remove the cache entries no load has used for `unused_days` (texts of files since
    edited or deleted), so the cache does not grow for ever; returns how many went.

    Only litcoder's own entries (files named `<sha-256>.json`) go, and only in a folder that
    carries litcoder's marker (`mark_cache`): nothing else is ever deleted.
    """
    if not is_cache(cache_dir):
        return 0
    cutoff = time.time() - unused_days * 86400
    removed = 0
    try:
        entries = [e for e in Path(cache_dir).iterdir() if _ENTRY_NAME.fullmatch(e.name)]
    except OSError:
        return 0
    for entry in entries:
        try:
            status = entry.lstat()
            if stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff:
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
    log = ProblemLog(name)
    try:
        size = path.stat().st_size
        if size > SOURCE_SIZE_LIMIT:
            log.error(None, f"the file is {_megabytes(size)}; litcoder reads source files of up to "
                      f"{_megabytes(SOURCE_SIZE_LIMIT)}, so it was not read",
                      "split the source: keep the parts you code (a chapter, a section) as texts of their own, "
                      "or save its text as .md", "source-too-big")
            return Extracted("", None, log, KINDS[path.suffix.lower()])
        return path.read_bytes()
    except OSError as err:
        log.error(None, f"cannot be read: {err.strerror or err}", "check that the file exists and can be read",
                  "source-unreadable")
        return Extracted("", None, log, KINDS[path.suffix.lower()])


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} KB"


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
    labels: list[str | None] | None = None
    text = ""
    try:
        if not data.strip():
            pass
        elif kind == "text":
            text = text_file(data, log)
        elif kind == "html":
            text = html_file(data, log)
        elif kind == "docx":
            text = docx_file(data, log)
        else:
            text, pages, labels = pdf_file(data, log)
    except Exception as err:  # a reader's bug on a strange file must not stop the review loading
        log.error(None, f"could not be read ({type(err).__name__}: {short(err)})",
                  "re-export or re-save the file, or save its text as .md beside it", "source-unreadable")
        text, pages, labels = "", ([] if kind == "pdf" else None), None
    if not _has_passages(text) and not any(p.severity == "error" for p in log):
        log.warning(None, "empty: no text to code", "put the source's text (or your notes on it) in the file"
                    if kind == "text" else "check that the file opens and shows text; else save its text as .md",
                    "source-empty")
    return Extracted(text, pages, log, kind, labels)


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
        labels = stored["labels"]
        if labels is not None and not (isinstance(labels, list) and len(labels) == len(pages or [])
                                       and all(label is None or isinstance(label, str) for label in labels)):
            return None
        log = ProblemLog(name)
        for p in stored["problems"]:
            if p["severity"] not in SEVERITIES:
                return None
            log.append(Problem(p["severity"], name, p["line"], str(p["message"]), str(p["action"]), str(p["kind"])))
        return Extracted(text, pages, log, kind, labels)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _store_entry(entry: Path, result: Extracted) -> None:
    stored = {
        "version": extractor_version(),
        "kind": result.kind,
        "text": result.text,
        "pages": result.pages,
        "labels": result.labels,
        "problems": [{"severity": p.severity, "line": p.line, "message": p.message, "action": p.action,
                      "kind": p.kind} for p in result.problems],
    }
    try:
        write_atomic(entry, json.dumps(stored, ensure_ascii=False))
    except OSError:
        pass  # a read-only or full disk only costs reading the file again next time
