"""Source texts → passages, the unit of coding.

A source's text is `corpus/sources/<citekey>.md` (or `.txt`). It is split into passages at
blank lines; a block that is only a Markdown heading names the section of the passages
after it instead of being a passage. Passages are numbered from 1 within their source;
offsets count Unicode code points in the text as read (after decoding, before any
change), so `text[start:end]` is the passage exactly.

    >>> [p["text"] for p in split_passages("# Notes\\n\\nFirst one.\\n\\nSecond\\none.\\n")]
    ['First one.', 'Second\\none.']
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .files import read_text
from .problems import ProblemLog

TEXT_SUFFIXES = (".md", ".txt")
LATER_SUFFIXES = (".pdf", ".html", ".htm", ".docx")

PASSAGE_COLUMNS = ["passage_id", "citekey", "passage", "section", "start", "end", "line", "text"]

_BLANK_LINES = re.compile(r"\n[ \t\r]*\n\s*")
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t#]*")


def split_passages(text: str) -> list[dict]:
    """Passages of one text: number (from 1), section, start, end, line and text."""
    passages, section = [], ""
    begin = 0
    for separator in [*_BLANK_LINES.finditer(text), None]:
        stop = separator.start() if separator else len(text)
        block = text[begin:stop]
        stripped = block.strip()
        if stripped:
            start = begin + (len(block) - len(block.lstrip()))
            heading = _HEADING.fullmatch(stripped)
            if heading and "\n" not in stripped:
                section = heading.group(1)
            else:
                passages.append({"passage": len(passages) + 1, "section": section, "start": start,
                                 "end": start + len(stripped), "line": text.count("\n", 0, start) + 1,
                                 "text": stripped})
        if separator:
            begin = separator.end()
    return passages


def find_source_files(sources_dir: Path) -> dict[str, list[Path]]:
    """Text files in corpus/sources by citekey (the file name without its suffix)."""
    found: dict[str, list[Path]] = {}
    if sources_dir.is_dir():
        for path in sorted(sources_dir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                found.setdefault(path.stem, []).append(path)
    return found


def read_corpus(
    sources_dir: Path, citekeys: list[str], root: Path
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str], list]:
    """Passages of every source text, the texts by citekey, their file names, and problems.

    Texts whose name is not a citekey in the bibliography, and citekeys without a text,
    are reported; a text is only split when it belongs to a known source.
    """
    problems: list = []
    texts: dict[str, str] = {}
    paths: dict[str, str] = {}
    rows: list[dict] = []
    known = set(citekeys)
    files = find_source_files(sources_dir)
    for citekey, candidates in files.items():
        name = _relative(candidates[0], root)
        log = ProblemLog(name)
        problems.append(log)
        readable = [p for p in candidates if p.suffix.lower() in TEXT_SUFFIXES]
        for path in candidates:
            if path.suffix.lower() not in TEXT_SUFFIXES:
                later = path.suffix.lower() in LATER_SUFFIXES
                ProblemLog.warning(
                    log, None,
                    f"{path.name}: {path.suffix or 'files without a suffix'} "
                    f"{'is not read yet' if later else 'is not a kind of source text litcoder reads'}",
                    "save the text as .md or .txt beside it", "source-format")
        if not readable:
            continue
        if len(readable) > 1:
            log.error(None, f"{citekey} has more than one text ({', '.join(p.name for p in readable)}); "
                      f"only {readable[0].name} is read", "keep one text per source", "source-duplicate")
        path = readable[0]
        name = log.file = _relative(path, root)
        if citekey not in known:
            log.warning(None, f"no entry '{citekey}' in the bibliography, so this text is not part of the review"
                        f"{_did_you_mean(citekey, known)}",
                        "add the entry to references.bib, or rename the file to its citekey", "source-orphan-text")
            continue
        text = read_text(path, log)
        passages = split_passages(text)
        if not passages:
            log.warning(None, "the text is empty: no passage to code", "paste the source's text or notes into it", "source-empty")
        texts[citekey] = text
        paths[citekey] = name
        for p in passages:
            p["citekey"] = citekey
            p["passage_id"] = f"{citekey}/{p['passage']}"
        rows.extend(passages)
    return _passages_frame(rows), texts, paths, problems


def missing_texts(sources: pd.DataFrame, texts: dict[str, str]) -> list[ProblemLog]:
    """A problem for each source in the bibliography with no text to code, at its record."""
    logs: dict[str, ProblemLog] = {}
    for citekey, file, line in zip(sources["citekey"], sources["file"], sources["line"]):
        if citekey not in texts:
            log = logs.setdefault(file, ProblemLog(file))
            log.warning(None if pd.isna(line) else int(line), f"{citekey} has no text in corpus/sources, so it cannot be coded",
                        f"add corpus/sources/{citekey}.md with its text or your reading notes", "source-no-text")
    return list(logs.values())


def _passages_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=PASSAGE_COLUMNS)
    for column in ("passage", "start", "end", "line"):
        frame[column] = frame[column].astype("int64")
    return frame


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _did_you_mean(name: str, known) -> str:
    from .bibliography import closest

    return closest(name, known)
