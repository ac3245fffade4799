"""Source texts → passages, the unit of coding.

A source's text is `corpus/sources/<citekey>.<ext>`: .md or .txt notes, a PDF, a saved web
page or a Word file (extract turns each into plain text, and says what went wrong).
The text is split into passages at blank lines; a block that is only a Markdown heading
names the section of the passages after it instead of being a passage. Passages are
numbered from 1 within their source; offsets count Unicode code points in the extracted
text, so `text[start:end]` is the passage exactly, and a PDF's passages keep the page they
start on: `page` the printed page a reader cites ('67', 'xii'; see inputs.pages), `pdf_page`
the page of the file (from 1).

    >>> [p["text"] for p in split_passages("# Notes\\n\\nFirst one.\\n\\nSecond\\none.\\n")]
    ['First one.', 'Second\\none.']
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..layout import CACHE, SETTINGS_FILE, derived_folder_problem, file_name_problem
from ..problems import Problem, ProblemLog
from .extract import READABLE, Extracted, extract, extract_cached, mark_cache, prune_cache
from .pages import page_span, printed_pages
from .settings import unknown_sources

PASSAGE_COLUMNS = ["passage_id", "citekey", "passage", "section", "page", "pdf_page", "start", "end", "line", "text"]

_BLANK_LINES = re.compile(r"\n[ \t\r]*\n\s*")
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t#]*")


def split_passages(text: str) -> list[dict]:
    """Passages of one text: number (from 1), section, start, end, line and text.

    Linear in the text's length: lines are counted from one passage to the next, never
    from the start of the text again.
    """
    passages, section = [], ""
    begin = 0
    line, counted = 1, 0  # the line number at offset `counted`
    for separator in itertools.chain(_BLANK_LINES.finditer(text), [None]):
        stop = separator.start() if separator else len(text)
        block = text[begin:stop]
        stripped = block.strip()
        if stripped:
            start = begin + (len(block) - len(block.lstrip()))
            heading = _HEADING.fullmatch(stripped)
            if heading and "\n" not in stripped:
                section = heading.group(1)
            else:
                line += text.count("\n", counted, start)
                counted = start
                passages.append({"passage": len(passages) + 1, "section": section, "start": start,
                                 "end": start + len(stripped), "line": line, "text": stripped})
        if separator:
            begin = separator.end()
    return passages


def find_source_files(sources_dir: Path) -> dict[str, list[Path]]:
    """Files in corpus/sources by citekey (the file name without its suffix)."""
    found: dict[str, list[Path]] = {}
    if sources_dir.is_dir():
        for path in sorted(sources_dir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                found.setdefault(path.stem, []).append(path)
    return found


@dataclass
class Corpus:
    """What the source texts give the review."""

    passages: pd.DataFrame
    texts: dict[str, str]
    """The extracted text of each source that has passages, by citekey: quotes and offsets
    point into it."""
    files: dict[str, str]
    """The file read for each source (relative to the review), with or without text."""
    pages: dict[str, list[int]]
    """For sources with pages (PDFs): where each page starts in the text."""
    problems: list[ProblemLog]
    labels: dict[str, list[str | None]] = field(default_factory=dict)
    """For sources with pages: the printed page of each page of the file (inputs.pages)."""


def read_corpus(sources_dir: Path, citekeys: list[str], root: Path, cache_dir: Path | None = None,
                page_fields: dict[str, str] | None = None, settings: dict | None = None) -> Corpus:
    """Passages of every source text, with the texts, their files, pages and problems.

    Texts whose name is not a citekey in the bibliography, and citekeys without a text,
    are reported; a text is only read when it belongs to a known source, and only when it
    lies in the review (a link to a file elsewhere is reported, not followed). Extracted
    texts are kept in `cache_dir` (by content; the review's .litcoder/cache when not
    given), so an unchanged file is not read twice.

    A PDF's pages are cited by their printed numbers: from `settings` (litcoder.toml's
    [sources.<citekey>] first_page, as settings.read_settings gives it under "sources"), the
    PDF's own page labels, or the entry's pages field (`page_fields`, by citekey).
    """
    corpus = Corpus(_passages_frame([]), {}, {}, {}, [])
    page_fields, settings = page_fields or {}, settings or {}
    toml = ProblemLog(SETTINGS_FILE)  # what litcoder.toml says of sources that cannot be used
    toml.extend(unknown_sources({"sources": settings}, citekeys))
    corpus.problems.append(toml)
    rows: list[dict] = []
    known = set(citekeys)
    if cache_dir is None:
        cache_dir = _review_cache(root, corpus.problems)
    try:
        home = Path(root).resolve()
    except (OSError, RuntimeError):
        home = None  # each file says so below
    for citekey, candidates in find_source_files(sources_dir).items():
        path, log = _choose(candidates, root)
        corpus.problems.append(log)
        if path is None:
            continue
        if citekey not in known:
            log.warning(None, f"no entry '{citekey}' in the bibliography, so this text is not part of the review"
                        f"{_did_you_mean(citekey, known)}",
                        "add the entry to references.bib, or rename the file to its citekey", "source-orphan-text")
            continue
        if _outside(path, root, log, home):
            continue
        extracted = extract_cached(path, log.file, cache_dir) if cache_dir else extract(path, log.file)
        log.extend(extracted.problems)
        corpus.files[citekey] = log.file
        passages = split_passages(extracted.text)
        if not passages:  # unreadable or empty: said above, by the extractor
            continue
        corpus.texts[citekey] = extracted.text
        labels = _printed(citekey, extracted, page_fields.get(citekey, ""), settings.get(citekey, {}), corpus,
                          (log, toml))
        for p in passages:
            pdf_page = extracted.page_at(p["start"])
            page = labels[pdf_page - 1] if labels and pdf_page is not None else None
            p.update(citekey=citekey, passage_id=f"{citekey}/{p['passage']}", page=page, pdf_page=pdf_page)
            rows.append(p)
    corpus.passages = _passages_frame(rows)
    if cache_dir:
        prune_cache(cache_dir)
    return corpus


def _printed(citekey: str, extracted: Extracted, pages_field: str, setting: dict, corpus: Corpus,
             logs: tuple[ProblemLog, ProblemLog]) -> list[str | None] | None:
    """The printed page of each page of a source's file (None without pages), kept in the
    corpus; what needs saying about how they were numbered goes to the source's log or to
    litcoder.toml's (`logs`)."""
    log, toml = logs
    first = setting.get("first_page")
    if extracted.pages is None:
        if first is not None:
            toml.warning(setting.get("line"), f"[sources.{citekey}] gives first_page = {first}, but its text "
                         f"({corpus.files[citekey]}) has no pages, so it is not used", "remove the line, or put the "
                         "source's PDF in corpus/sources in place of its text", "settings-sources")
        return None
    corpus.pages[citekey] = extracted.pages
    count = len(extracted.pages)
    labels, origin = printed_pages(count, extracted.labels, first, pages_field)
    corpus.labels[citekey] = labels
    span = page_span(pages_field)
    if origin == "bibliography" and span and span[1] is not None and count > span[1]:
        log.info(None, f"its {count} pages are cited as {labels[0]}–{labels[-1]}, counted from the entry's pages "
                 f"({pages_field}), which span {span[1]}", "if the PDF starts with a cover page or other added "
                 f"pages, write the number printed on its first page under [sources.{citekey}] in {SETTINGS_FILE}: "
                 "first_page = …", "source-pages")
    return labels


def _review_cache(root: Path, problems: list[ProblemLog]) -> Path | None:
    """The review's cache folder, or None (with a warning saying why) when it is not a folder
    of the review's own: then texts are read without a cache."""
    refused = derived_folder_problem(root, CACHE)
    if refused is None:
        cache_dir = Path(root) / CACHE
        if cache_dir.is_dir():
            mark_cache(cache_dir)  # one an earlier litcoder made: litcoder's own, so it may be pruned
        return cache_dir
    log = ProblemLog(refused.folder)
    log.warning(None, f"{refused.message}, so extracted texts are not cached there: every load reads each source "
                "file again", refused.action, "cache-refused")
    problems.append(log)
    return None


def _outside(path: Path, root: Path, log: ProblemLog, home: Path | None = None) -> bool:
    """Whether a source file leads outside the review (a link to a file elsewhere), reported.

    `home` is the review's folder resolved, when the caller has it (resolving it again for
    each of thousands of files is a tenth of a large review's corpus read)."""
    try:
        target = path.resolve()
        inside = target.is_relative_to(home or Path(root).resolve())
    except (OSError, RuntimeError) as err:  # a loop of links
        target, inside = f"a link that cannot be followed: {err}", False
    if not inside:
        log.error(None, f"{path.name} is a link to a file outside the review ({target}); it was not read",
                  "put the file itself in corpus/sources in place of the link, so the review holds what it codes",
                  "source-outside")
    return not inside


KIND_NAMES = {".md": ("Markdown note", "Markdown notes"), ".txt": ("text file", "text files"),
              ".pdf": ("PDF", "PDFs"), ".html": ("web page", "web pages"), ".htm": ("web page", "web pages"),
              ".docx": ("Word file", "Word files")}


def describe_texts(files: dict[str, str], pages: dict[str, list[int]]) -> str:
    """What the sources' files are, in a line: '9 Markdown notes, 1 PDF (3 pages), 1 web page'.

    >>> describe_texts({"a": "s/a.md", "b": "s/b.pdf", "c": "s/c.htm"}, {"b": [0, 10, 20]})
    '1 Markdown note, 1 PDF (3 pages), 1 web page'
    """
    counts: dict[str, int] = {}
    for file in files.values():
        name = KIND_NAMES[Path(file).suffix.lower()]
        counts[name] = counts.get(name, 0) + 1
    parts = []
    order = list(KIND_NAMES.values())
    for name, n in sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0]))):
        part = f"{n} {name[0] if n == 1 else name[1]}"
        if name[0] == "PDF":
            total = sum(len(p) for p in pages.values())
            part += f" ({total} page{'s' if total != 1 else ''})"
        parts.append(part)
    return ", ".join(parts) or "no texts"


def _choose(candidates: list[Path], root: Path) -> tuple[Path | None, ProblemLog]:
    """The one file of a citekey to read (the first readable kind, in READABLE's order),
    with a log that reports the others."""
    readable = sorted((p for p in candidates if p.suffix.lower() in READABLE),
                      key=lambda p: READABLE.index(p.suffix.lower()))
    log = ProblemLog(_relative(readable[0] if readable else candidates[0], root))
    for path in candidates:
        if path.suffix.lower() not in READABLE:
            log.warning(None, f"{path.name}: {path.suffix or 'a file without a suffix'} is not a kind of "
                        f"source text litcoder reads ({', '.join(READABLE)})",
                        "save the text in one of those formats, or move the file out of corpus/sources",
                        "source-format")
    if len(readable) > 1:
        log.error(None, f"{readable[0].stem} has more than one text ({', '.join(p.name for p in readable)}); "
                  f"only {readable[0].name} is read", "keep one text per source: move the others out of "
                  "corpus/sources", "source-duplicate")
    return (readable[0] if readable else None), log


def missing_texts(sources: pd.DataFrame, corpus: Corpus) -> list[ProblemLog]:
    """A problem for each source in the bibliography with no file to code, at its record.

    The file to add is named only when the citekey can name a file (layout.file_name_problem);
    otherwise the problem says to change the citekey first.
    """
    logs: dict[str, ProblemLog] = {}
    for citekey, file, line in zip(sources["citekey"], sources["file"], sources["line"]):
        if citekey not in corpus.files:
            log = logs.setdefault(file, ProblemLog(file))
            line = None if pd.isna(line) else int(line)
            unusable = file_name_problem(citekey)
            if unusable:
                log.warning(line, f"{citekey!r} has no text in corpus/sources, so it cannot be coded; and this "
                            f"citekey cannot name a file ({unusable})", f"change the citekey in {file} to one that "
                            "can name a file (letters, digits, - and _), then add its text as "
                            "corpus/sources/<new citekey>.pdf (or .html, .docx, .md)", "source-no-text")
                continue
            log.warning(line, f"{citekey} has no text in corpus/sources, so it cannot be coded",
                        f"add its text as corpus/sources/{citekey}.pdf (or .html, .docx, .md), or your notes on it",
                        "source-no-text")
    return list(logs.values())


def unplaced_codings(corpus: Corpus, codings: pd.DataFrame) -> list[Problem]:
    """One problem for each source whose file gave no text but which has codings: they are
    kept, and placed again once the file reads (rather than an orphan warning per coding)."""
    counts = codings["citekey"].value_counts()
    return [Problem("warning", file, None, f"{counts[citekey]} codings of {citekey} are kept but cannot be placed "
                    "until this file gives text again", "fix the file as said for it; nothing is lost meanwhile",
                    "source-codings-unplaced")
            for citekey, file in corpus.files.items() if citekey not in corpus.texts and counts.get(citekey, 0)]


def _passages_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=PASSAGE_COLUMNS)
    for column in ("passage", "start", "end", "line"):
        frame[column] = frame[column].astype("int64")
    frame["page"] = frame["page"].astype("string")
    frame["pdf_page"] = frame["pdf_page"].astype("Int64")
    return frame


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _did_you_mean(name: str, known) -> str:
    from .bibliography import closest

    return closest(name, known)
