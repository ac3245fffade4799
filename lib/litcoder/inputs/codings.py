"""corpus/codings/<coder>.csv → the codings table, each coding placed in its source.

One file per coder, one row per coding: a quote from a passage, the competency it shows,
and how the source frames that competency (leadership, management, both, neither).
Every row is checked against the bibliography, the passages and the codebook. A row
that cannot be used (unknown source, competency or framing, a repeated id, a broken CSV
row) is reported with its file and line and left out of the evidence; it is never
removed from the file. A quote that is not where the row says is looked for in the
rest of its source: found, it is counted where it is; not found, it is kept and counted
but reported as an orphan, so that nobody's judgement silently disappears.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..alongside import Alongside
from ..files import number_problem, read_csv_rows, shown, whole_number
from ..problems import ProblemLog
from ..store import HISTORY
from .anchor import Anchor, describe, locate
from .bibliography import closest
from .codebook import FRAMINGS
from .extract import page_of
from .kept import Kept, digest

REQUIRED = ["id", "citekey", "passage", "quote", "competency", "framing"]
KNOWN = REQUIRED + ["memo", "coded_at", "edited_at", "start", "end", "prefix", "suffix", "page"]

CODING_COLUMNS = ["coder", "id", "citekey", "passage", "passage_id", "page", "quote", "competency", "framing",
                  "memo", "coded_at", "edited_at", "start", "end", "anchored", "anchor", "file", "line"]
"""`page` is the page the quote starts on when the source has pages (a PDF), else the page
the coder gave (a sheet's page column, for notes on a printed work), else empty.
`anchor` says how the quote was placed: position (where it was saved), passage (found in
its passage), exact / normalized / fuzzy (re-anchored in the edited text), '' (an orphan).
`edited_at` is when the coding was last changed through litcoder ('' if never)."""

PRACTICE = "practice"
"""The folder of corpus/codings/ that holds practice coders' files, kept out of the review until enrolled."""

NOT_CODERS = {PRACTICE, HISTORY}
"""Folders of corpus/codings/ that hold no committee coder's file: practice coders' files, and
each coder's history of changes. They are passed over without a word; any other folder is said
not to be read."""

# Typographic variants a quote typed by hand may differ in; one character for one, so
# offsets in the folded text are offsets in the original.
_FOLD = str.maketrans({"‘": "'", "’": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
                       "–": "-", "—": "-", "\u00a0": " "})


def locate_quote(quote: str, text: str) -> tuple[int, int] | None:
    """Where `quote` is in `text` (start, end), tolerating line breaks and typographic quotes.

    >>> locate_quote("leaders  do", "what\\nleaders\\ndo")
    (5, 15)
    """
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    return _locate_folded(quote, text, {})


def _locate_folded(quote: str, text: str, cache: dict) -> tuple[int, int] | None:
    """locate_quote's search past the exact words; `cache` keeps `text` folded and collapsed,
    for the next quote looked for in the same text."""
    wanted = " ".join(quote.translate(_FOLD).split())
    if not wanted:
        return None
    if "folded" not in cache:
        cache["folded"] = text.translate(_FOLD)
        cache["collapsed"] = _collapsed(cache["folded"])
    folded, collapsed = cache["folded"], cache["collapsed"]
    at = collapsed.find(wanted)
    if at < 0:
        return None
    if len(collapsed) == len(folded):  # no run of two or more spaces: the offsets are the text's
        return at, at + len(wanted)
    return _original(folded, at), _original(folded, at + len(wanted) - 1) + 1


def _collapsed(text: str) -> str:
    """`text` with each run of whitespace made one space: what re.sub(r"\\s+", " ", text) gives, in
    a fraction of the time (str.split knows the same whitespace as re's \\s)."""
    words = text.split()
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(words) + (" " if text[-1].isspace() else "")


_LONG_WHITESPACE = re.compile(r"\s{2,}")


def _original(text: str, index: int) -> int:
    """The offset in `text` of the character at `index` of its collapsed form (each run of
    whitespace one space), that character not being whitespace.

    Only runs of two or more characters move offsets, and texts have few, so only those are walked.
    """
    shift = 0
    for run in _LONG_WHITESPACE.finditer(text):
        if run.start() - shift > index:  # the run's place in the collapsed text is past the character
            break
        shift += run.end() - run.start() - 1
    return index + shift


class _Context:
    """What a coding row is checked against."""

    def __init__(self, sources: pd.DataFrame, passages: pd.DataFrame, texts: dict[str, str],
                 competencies: pd.DataFrame, pages: dict[str, list[int]] | None = None, moves: dict | None = None):
        self.citekeys = set(sources["citekey"].tolist())
        self.competencies = set(competencies["competency"].tolist())
        self.moves = moves or {}
        """Old competency id → codebook_changes.Move: where the codebook's change log leads it."""
        self.texts = texts
        self.pages = pages or {}
        self.passage_texts: dict[tuple[str, int], dict[str, str]] = {}
        # columns as lists: iterating a pandas column yields its values one slow call at a time
        spans = list(zip(*(passages[column].tolist() for column in ("citekey", "passage", "start", "end"))))
        self.passages = {(c, n): (s, e) for c, n, s, e in spans}
        self.passage_starts: dict[str, list[tuple[int, int, int]]] = {}
        for c, n, s, e in spans:
            self.passage_starts.setdefault(c, []).append((s, e, n))
        # a source's passages follow one another in its text, so the one holding an offset is
        # found by halving; a source whose passages do not is searched one by one
        self.ordered = {c: [start for start, _, _ in spans] for c, spans in self.passage_starts.items()
                        if all(a[1] <= b[0] and a[0] <= a[1] for a, b in itertools.pairwise(spans))}

    @functools.cached_property
    def digest(self) -> str:
        """A digest of everything a row is checked against and placed in (see inputs.kept)."""
        parts = [repr(sorted(self.citekeys)), repr(sorted(self.competencies)), repr(sorted(self.moves.items()))]
        for citekey in sorted(self.texts):
            parts += [citekey, self.texts[citekey], repr(self.pages.get(citekey)),
                      repr(self.passage_starts.get(citekey))]
        return digest(*parts)

    def locate_in_passage(self, quote: str, citekey: str, number: int, span: tuple[int, int]) -> tuple[int, int] | None:
        """locate_quote in a passage, the passage's text (and its folded form) kept for the
        other codings of the same passage: coders quote the same passages many times."""
        cached = self.passage_texts.get((citekey, number))
        if cached is None:
            cached = self.passage_texts[(citekey, number)] = {"text": self.texts[citekey][span[0]:span[1]]}
        text = cached["text"]
        at = text.find(quote)
        if at >= 0:
            return at, at + len(quote)
        return _locate_folded(quote, text, cached)

    def passage_at(self, citekey: str, offset: int) -> int | None:
        starts = self.ordered.get(citekey)
        if starts is not None:
            k = bisect.bisect_right(starts, offset) - 1
            if k >= 0:
                start, end, number = self.passage_starts[citekey][k]
                if start <= offset < end:
                    return number
            return None
        for start, end, number in self.passage_starts.get(citekey, []):
            if start <= offset < end:
                return number
        return None


def read_codings(codings_dir: Path, root: Path, sources: pd.DataFrame, passages: pd.DataFrame,
                 texts: dict[str, str], competencies: pd.DataFrame, pages: dict[str, list[int]] | None = None,
                 moves: dict | None = None) -> tuple[pd.DataFrame, list[ProblemLog]]:
    """Every coder's usable codings, and the problems met, one log per file (`moves`: where the
    codebook's change log leads old competency ids)."""
    context = _Context(sources, passages, texts, competencies, pages, moves)
    if not codings_dir.is_dir():
        return pd.DataFrame(columns=CODING_COLUMNS), []
    entries = [path for path in sorted(codings_dir.iterdir()) if not path.name.startswith(".")]
    paths = [path for path in entries if path.is_file() and path.suffix != ".lock"]
    folders = [_folder_not_read(path, root) for path in entries if path.is_dir() and path.name not in NOT_CODERS]
    kept = Kept(root, "codings")
    read, keys = _kept_codings(paths, root, context, kept)
    unread = [path for path in paths if path not in read]
    theirs = _read_alongside([path for path in unread if path.suffix.lower() == ".csv"])
    with Alongside(lambda: [_coder_columns(path, root, context) for path in theirs]) if theirs else nullcontext() \
            as alongside:
        read.update({path: _coder_columns(path, root, context) for path in unread if path not in theirs})
        read.update(zip(theirs, alongside.result() if theirs else []))
    for path in unread:
        if path in keys and _key(path, root, context) == keys[path]:  # not saved to while it was read
            kept.put(read[path][1].file, keys[path], read[path][0], read[path][1])
    columns = {column: [] for column in CODING_COLUMNS}
    for path in paths:  # in the files' order, as if read one by one
        for column, values in read[path][0].items():
            columns[column] += values
    frame = pd.DataFrame(columns, columns=CODING_COLUMNS)
    logs = [read[path][1] for path in paths] + folders
    for column in ("passage", "page", "start", "end", "line"):
        frame[column] = frame[column].astype("Int64")
    frame["anchored"] = frame["anchored"].astype(bool)
    return frame, logs


ALONGSIDE_FROM = 4_000_000
"""Bytes of coder files from which half of them are read in a second process (alongside.py):
some 30,000 codings, which take a second to read; below it, starting one costs more than it saves."""


def _read_alongside(coder_files: list[Path]) -> list[Path]:
    """The coder files a second process reads: about half the bytes, where there is enough to share."""
    sizes = {path: path.stat().st_size for path in coder_files}
    if len(coder_files) < 2 or sum(sizes.values()) < ALONGSIDE_FROM:
        return []
    theirs, share = [], {"mine": 0, "theirs": 0}
    for path in sorted(coder_files, key=lambda p: -sizes[p]):  # largest first, to whoever has less
        side = "theirs" if share["theirs"] < share["mine"] else "mine"
        share[side] += sizes[path]
        theirs += [path] if side == "theirs" else []
    return theirs


def _kept_codings(paths: list[Path], root: Path, context: _Context, kept: Kept
                  ) -> tuple[dict[Path, tuple[dict[str, list], ProblemLog]], dict[Path, str]]:
    """The coder files read before and unchanged since (with what they were checked against),
    taken from what was kept (inputs/kept.py); and the key of every coder's CSV, for keeping what is read now."""
    found, keys = {}, {}
    for path in paths:
        key = _key(path, root, context) if path.suffix.lower() == ".csv" else None
        if key is None:
            continue
        keys[path] = key
        hit = kept.get(path.relative_to(root).as_posix(), key)
        if hit is not None and _as_read(hit[0]):
            found[path] = hit
    return found, keys


def _as_read(columns: dict) -> bool:
    """Whether kept columns are what _coder_columns makes: every column, as long as the others,
    whole numbers where numbers go (anything else is read from the file again)."""
    if set(columns) != set(CODING_COLUMNS) or not all(isinstance(v, list) for v in columns.values()):
        return False
    numbers = ("passage", "line", "start", "end", "page")
    return len({len(v) for v in columns.values()}) == 1 and all(
        value is None or type(value) is int for column in numbers for value in columns[column]) and all(
        type(value) is bool for value in columns["anchored"])


def _key(path: Path, root: Path, context: _Context) -> str | None:
    """What a coder's file is read from: its name, its bytes and what its rows are checked against."""
    try:
        data = path.read_bytes()
    except OSError:
        return None  # reported when the file is read
    return digest(path.relative_to(root).as_posix(), context.digest, data)


def _coder_columns(path: Path, root: Path, context: _Context) -> tuple[dict[str, list], ProblemLog]:
    """One file of corpus/codings/: its usable codings as columns (CODING_COLUMNS), and its problems."""
    log = ProblemLog(path.relative_to(root).as_posix())
    if path.suffix.lower() != ".csv":
        _not_a_coder_file(path, log)
        return {}, log
    rows = read_coder_file(path, log, context)
    return {column: [row[column] for row in rows] for column in CODING_COLUMNS}, log


def _folder_not_read(path: Path, root: Path) -> ProblemLog:
    """A folder in corpus/codings/ that litcoder does not read (only coders' files are read)."""
    log = ProblemLog(path.relative_to(root).as_posix())
    log.info(None, f"the folder {path.name}/ in corpus/codings/ is not read: coders' files are read only from "
             "corpus/codings/ itself", f"move a coder's file out of {path.name}/ into corpus/codings/ to count it "
             "(practice coders belong in corpus/codings/practice/)", "coding-folder")
    return log


def _not_a_coder_file(path: Path, log: ProblemLog) -> None:
    """A file in corpus/codings/ that is not a coder's CSV: the store's own leftovers get their own words."""
    if path.name.endswith(".csv.torn"):
        log.warning(None, f"{path.name} holds a row cut off when a save was interrupted (a crash?); it is not read",
                    f"check it: copy what is right into {path.name[:-5]} by hand, then delete {path.name}",
                    "coding-file")
    elif path.name.endswith(".bak") and ".csv." in path.name:
        log.info(None, f"{path.name} is the copy litcoder kept when it converted a coder's file to UTF-8; it is not "
                 "read", "delete it once you have checked the converted file", "coding-file")
    else:
        log.warning(None, f"{path.name} is not a coder's CSV file and was not read",
                    "save a coder's codings as corpus/codings/<coder>.csv", "coding-file")


def read_coder_file(path: Path, log: ProblemLog, context: _Context) -> list[dict]:
    return [coding for coding, _ in _coder_rows(path, log, context)]


def _coder_rows(path: Path, log: ProblemLog, context: _Context) -> list[tuple[dict, dict[str, str]]]:
    """Each usable coding of a coder's file, with the row's cells as read (for `reanchor`)."""
    coder = path.stem
    table = read_csv_rows(path, log, REQUIRED, KNOWN)
    if not table:
        return []
    rows, ids = [], {}
    for row in table:
        coding = _check_row(coder, row.values, row.line, log, context)
        if coding is None:
            continue
        if coding["id"] in ids:
            log.error(row.line, f"id '{coding['id']}' is already used on line {ids[coding['id']]}; "
                      "this coding was left out",
                      "give this coding its own id (e.g. add a suffix)", "coding-duplicate-id")
            continue
        ids[coding["id"]] = row.line
        coding["file"] = log.file
        rows.append((coding, row.values))
    return rows


def _moved(old: str, move, line: int, log: ProblemLog) -> tuple[str, bool]:
    """A coding of a competency the codebook's change log renamed, merged or split."""
    if move.split:
        log.warning(line, f"coded '{old}', which was {move.how}; this coding waits to be recoded and is left out of "
                    f"the evidence", f"choose {' or '.join(move.into)}: `litcoder codebook recode`", "coding-recode")
        return old, False
    log.info(line, f"coded '{old}', which was {move.how}; counted as {move.into[0]}",
             "`litcoder codebook migrate` writes the new id into the file", "coding-migrated")
    return move.into[0], True


def _check_row(coder: str, values: dict[str, str], line: int, log: ProblemLog, context: _Context) -> dict | None:
    coding_id = values["id"]
    if not coding_id:
        log.error(line, "this coding has no id; it was left out", "give it an id unique in this file", "coding-no-id")
        return None
    citekey, competency = values["citekey"], values["competency"]
    framing = values["framing"].lower()
    usable = True
    if citekey not in context.citekeys:
        log.error(line, f"unknown citekey '{shown(citekey)}'{closest(citekey, context.citekeys)}; "
                  "this coding was left out", "use a citekey from references.bib", "coding-citekey")
        usable = False
    if competency in context.moves:
        competency, counted = _moved(competency, context.moves[competency], line, log)
        usable = usable and counted
    elif competency not in context.competencies:
        log.error(line, f"unknown competency '{shown(competency)}'{closest(competency, context.competencies)}; "
                  "this coding was left out", "use a competency id from corpus/codebook.yaml", "coding-competency")
        usable = False
    if framing not in FRAMINGS:
        log.error(line, f"unknown framing '{shown(values['framing'])}'{closest(framing, FRAMINGS)}; "
                  "this coding was left out", f"use one of: {', '.join(FRAMINGS)}", "coding-framing")
        usable = False
    passage = _passage_number(values["passage"])
    if passage is None:
        why = (f"passage {number_problem(values['passage'])}" if _too_large(values["passage"]) else
               f"passage '{shown(values['passage'])}' is not a passage number")
        log.error(line, f"{why}; this coding was left out",
                  "give the passage's number within its source (1, 2, 3 …)", "coding-passage")
        usable = False
    coded_at, edited_at = values.get("coded_at", ""), values.get("edited_at", "")
    for name, value in (("coded_at", coded_at), ("edited_at", edited_at)):
        if value and not is_iso_time(value):
            log.warning(line, f"{name} '{shown(value)}' is not an ISO 8601 time",
                        "write it like 2026-10-02T14:05:00+00:00", "coding-time")
    if not usable:
        return None
    coding = {"coder": coder, "id": coding_id, "citekey": citekey, "passage": passage,
              "quote": values["quote"], "competency": competency, "framing": framing,
              "memo": values.get("memo", ""), "coded_at": coded_at, "edited_at": edited_at, "line": line,
              "start": None, "end": None, "anchored": False, "anchor": ""}  # until _anchor places it
    _anchor(coding, values, _stored_anchor(values, line, log), log, context)
    page = values.get("page", "")
    if page and _too_large(page):
        log.warning(line, f"page {number_problem(page)}; it is ignored", "write the page the quote is on",
                    "coding-page")
    coding["passage_id"] = f"{citekey}/{coding['passage']}"
    pages = context.pages.get(citekey)
    coding["page"] = page_of(pages, coding["start"]) if pages and coding["anchored"] else (
        (whole_number(page) or None) if page else None)
    return coding


def _stored_anchor(values: dict[str, str], line: int, log: ProblemLog) -> Anchor | None:
    """The selector saved with a coding (quote, context, position), as far as the row has one;
    None for a row with no position (the usual hand-made row).

    litcoder writes only numbers as positions; any other start or end is reported and the
    quote is looked for by its words instead.
    """
    cells = values.get("start", ""), values.get("end", "")
    if not any(cells):
        return None
    start, end = (whole_number(cell) if cell else None for cell in cells)
    for column, number in (("start", start), ("end", end)):
        if number is None and values.get(column, ""):
            log.warning(line, f"{column} {number_problem(values[column])}; the quote is looked for by its words",
                        f"leave {column} empty (litcoder fills it in) or write the quote's position in the text",
                        "coding-position")
    return Anchor(exact=values["quote"], prefix=values.get("prefix", ""), suffix=values.get("suffix", ""),
                  start=start, end=end if start is not None else None)


def _anchor(coding: dict, values: dict[str, str], stored: Anchor | None, log: ProblemLog, context: _Context) -> None:
    """Place the quote in its source: where it was saved, else in its passage, else by
    re-anchoring on quote, context and position (the source was edited), else an orphan
    (`coding` comes unplaced: no start or end, not anchored)."""
    citekey, number, quote, line = coding["citekey"], coding["passage"], coding["quote"], coding["line"]
    text = context.texts.get(citekey)
    if text is None:
        return  # the source has no text; that is reported once, for the source
    span = context.passages.get((citekey, number))
    if not quote:
        if span:
            coding.update(start=span[0], end=span[1], anchored=True, anchor="passage")
            log.warning(line, f"no quote: the whole of passage {number} is taken as the quote",
                        "copy the words that show the competency into the quote column", "coding-no-quote")
        else:
            log.warning(line, f"{citekey} has no passage {number} and the coding has no quote, so it is not placed",
                        "fix the passage number and add a quote", "coding-orphan")
        return
    saved_at = stored is not None and stored.start is not None and stored.end is not None
    if saved_at and _same_words(text[stored.start:stored.end], quote):
        found, method = (stored.start, stored.end), "position"
    elif not saved_at and span and (inside := context.locate_in_passage(quote, citekey, number, span)):
        # A hand-made row (no saved place): its passage number says where to look first.
        found, method = (span[0] + inside[0], span[0] + inside[1]), "passage"
    else:
        hint = stored if stored is not None and stored.start is not None else Anchor(
            quote, values.get("prefix", ""), values.get("suffix", ""), span[0] if span else None)
        match = locate(text, hint)
        found, method = ((match.start, match.end), match.method) if match else (None, "")
        if match and match.method == "fuzzy":
            log.warning(line, f"the quote is no longer word for word in {citekey} (edited?); it now matches "
                        f"“{_short(text[match.start:match.end])}” ({match.score:.0%})",
                        "check the coding; `litcoder reanchor` records the new place", "coding-fuzzy")
    if found is None:
        log.warning(line, f"orphan: the quote “{_short(quote)}” is not in {citekey}"
                    + ("" if span else f" (which has no passage {number})") + "; the coding is kept and still counted",
                    "copy the quote again from the source text, or fix the source if it was edited", "coding-orphan")
        return
    # found in its own passage, of passages that do not overlap: no other passage holds it
    in_its_passage = method == "passage" and citekey in context.ordered
    now_in = number if in_its_passage else context.passage_at(citekey, found[0])
    if now_in is None:
        log.warning(line, f"orphan: the quote falls between the passages of {citekey}; the coding is kept and counted",
                    "quote words from one passage", "coding-orphan")
        return
    coding.update(start=found[0], end=found[1], anchored=True, anchor=method, passage=now_in)
    if now_in != number:
        where = f"passage {number}" if span else f"passage {number} (the source has no passage {number})"
        log.warning(line, f"the quote is not in {where} but in passage {now_in}; it is counted there",
                    f"run `litcoder reanchor` (or set passage to {now_in})", "coding-moved")


def _same_words(text: str, quote: str) -> bool:
    """The same words, whatever the line breaks and typographic quotes and dashes."""
    return text == quote or text.translate(_FOLD).split() == quote.translate(_FOLD).split()


def _too_large(cell: str) -> bool:
    """A whole number, but one too large to read (see files.NUMBER_LIMIT)."""
    digits = cell.strip().removesuffix(".0")
    return digits.isascii() and digits.isdigit() and whole_number(cell) is None


def _passage_number(value: str) -> int | None:
    # the usual cell, a few digits, read at once; anything else as whole_number reads numbers
    number = int(value) if len(value) < 6 and value.isascii() and value.isdigit() else whole_number(value)
    return number if number else None


def is_iso_time(value: str) -> bool:
    """Whether a cell is an ISO 8601 time (coded_at, edited_at, a coverage event's at)."""
    try:
        datetime.fromisoformat(value)
        return True
    except ValueError:
        return False


def _short(quote: str, limit: int = 60) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1] + "…"


def passages_coded(sources: pd.DataFrame, codings: pd.DataFrame, finished: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (citekey, coder): passages coded, codings, the source's passages, the share
    coded and whether the coder marked the source finished (`finished`: the review's coverage).

    Every source with text appears for every coder, with zeros where that coder has not
    coded it.
    """
    coders = sorted(codings["coder"].unique())
    index = pd.MultiIndex.from_product([sources["citekey"], coders], names=["citekey", "coder"])
    grouped = codings.groupby(["citekey", "coder"])
    frame = pd.DataFrame({"passages_coded": grouped["passage"].nunique(), "codings": grouped.size()})
    frame = frame.reindex(index, fill_value=0).reset_index()
    frame["passages"] = frame["citekey"].map(dict(zip(sources["citekey"], sources["passages"]))).astype(int)
    frame["share_coded"] = (frame["passages_coded"] / frame["passages"].where(frame["passages"] > 0)).fillna(0.0)
    done = set() if finished is None else set(zip(finished["citekey"], finished["coder"]))
    frame["finished"] = [(k, c) in done for k, c in zip(frame["citekey"], frame["coder"])]
    return frame


def reanchor(review) -> list[dict]:
    """Write each placed coding's current position back to its coder's file.

    For every coding that could be placed, the passage, start, end, prefix and suffix in
    the file are set to where the quote is now; rows already right are left untouched, and
    orphans are kept as they are. Each file is read again just before it is written, and a
    row that changes between that read and the write (another window saving) is left as it
    is, so no edit is undone. Returns one summary per coder file: file, codings, updated,
    moved, orphans, and `notices` when there is something to tell (rows left alone and why).
    """
    from ..store import CoderFile, CoderFileError

    context = _Context(review.sources, review.passages, review.texts, review.codebook, review.text_pages,
                       review.moves)
    summaries = []
    for file in sorted(set(review.codings["file"])):
        store = CoderFile(review.path / file)
        codings = _coder_rows(store.path, ProblemLog(file), context) if store.path.exists() else []
        changes, read = {}, {}
        for coding, values in codings:
            if not coding["anchored"]:
                continue
            anchor = describe(review.texts[coding["citekey"]], int(coding["start"]), int(coding["end"]))
            now = {"passage": str(coding["passage"]), "start": str(anchor.start), "end": str(anchor.end),
                   "prefix": anchor.prefix, "suffix": anchor.suffix}
            if coding["anchor"] == "fuzzy":  # the words were edited: the quote follows the text
                now["quote"] = anchor.exact
            if any(values.get(k, "") != v.strip() for k, v in now.items()):  # cells are read stripped
                changes[coding["id"]], read[coding["id"]] = now, values
        summary = {"file": file, "codings": len(codings), "updated": 0,
                   "moved": sum(c["anchor"] in ("exact", "normalized", "fuzzy") for c, _ in codings),
                   "orphans": sum(not c["anchored"] for c, _ in codings)}
        try:
            if changes:
                report = store.update_many(changes, expected=read)
                summary["updated"] = report.changed
                notices = _reanchor_notices(report, file)
            else:
                notices = []
        except CoderFileError as err:
            notices = [str(err)]
        notices += store.notices
        if notices:
            summary["notices"] = notices
        summaries.append(summary)
    return summaries


def _reanchor_notices(report, file: str) -> list[str]:
    """What `reanchor` tells about the rows it left as they were."""
    notices = []
    if report.changed_meanwhile:
        notices.append(f"{file}: {len(report.changed_meanwhile)} codings changed meanwhile (in another window or "
                       "by hand) and were left as they are; run reanchor again")
    for coding_id, lines in report.duplicated.items():
        notices.append(f"{file}: id '{coding_id}' is on more than one row (lines {', '.join(map(str, lines))}), "
                       "so none of them was re-anchored: give each row its own id, then run reanchor again")
    if report.missing:
        notices.append(f"{file}: {len(report.missing)} codings were removed meanwhile; nothing to re-anchor there")
    return notices
