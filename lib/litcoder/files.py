"""Reading people's text files as they really are, and writing outputs safely.

Text made by people comes with a byte-order mark, Windows line ends, a legacy encoding
from a spreadsheet program, UTF-16 from an export, or semicolons where a European Excel
wrote a CSV. These helpers read all of that, say what they had to guess, and give line
numbers for every CSV row so that a problem can point at it. The coder-file store
(store.py) reads and writes by the same rules, so what it saves is read back the same.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import itertools
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .problems import ProblemLog

FIELD_LIMIT = 64 * 2**20
"""The longest CSV cell litcoder reads or writes (64 MB of text). Python's csv module stops
at 128 KB, but a quote may be a whole passage and a passage a whole long source; 64 MB is
some ten thousand printed pages, more than any passage. The coder-file store refuses to
save a longer cell, so every cell it saves loads again. Set here, once, for the process
(the csv module has one limit), before any reader or writer runs."""

csv.field_size_limit(FIELD_LIMIT)

NUMBER_LIMIT = 10**12
"""The largest whole number litcoder reads from a cell (passage, position, page, count): a
million million is far beyond any real one and well inside a 64-bit column; a larger one
is a slip of the keyboard or a damaged cell, reported rather than read."""


@dataclass(frozen=True)
class TextEncoding:
    """How a file's text is stored: a Python codec and the byte-order mark (if any) before the text."""

    codec: str
    bom: bytes = b""

    @property
    def name(self) -> str:
        """The encoding as people know it (Excel's and editors' names)."""
        name = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32-le": "UTF-32",
                "utf-32-be": "UTF-32", "cp1252": "Windows-1252", "latin-1": "Latin-1"}.get(self.codec, self.codec)
        return name + (" with a byte-order mark" if self.bom and self.codec == "utf-8" else "")

    def newline(self) -> bytes:
        return "\n".encode(self.codec)


UTF8 = TextEncoding("utf-8")
UTF8_BOM = TextEncoding("utf-8", codecs.BOM_UTF8)
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]  # UTF-32 LE starts like UTF-16 LE


class Decoded(NamedTuple):
    text: str
    """The text, without its byte-order mark."""
    encoding: TextEncoding
    bad_line: int | None = None
    """The line of the first byte that is not UTF-8, when the text was read as Windows-1252 or Latin-1."""
    damaged: bool = False
    """Bytes that do not fit the encoding its byte-order mark names were replaced (a cut-off UTF-16 file)."""


def bom_encoding(head: bytes) -> TextEncoding | None:
    """The encoding a byte-order mark at the start of `head` names, or None without one."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return TextEncoding(codec, bom)
    return None


def decode(data: bytes) -> Decoded:
    """A file's bytes as text: by its byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8, else
    Windows-1252 (what Excel and Word save on most Western machines), else Latin-1.

    Each is read back to the same bytes by `Decoded.encoding`, so a file can be written in
    the encoding it came in.
    """
    marked = bom_encoding(data[:4])
    if marked:
        body = data[len(marked.bom):]
        try:
            return Decoded(body.decode(marked.codec), marked)
        except UnicodeDecodeError:
            return Decoded(body.decode(marked.codec, errors="replace"), marked, damaged=True)
    try:
        return Decoded(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
    try:
        return Decoded(data.decode("cp1252"), TextEncoding("cp1252"), line)
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), TextEncoding("latin-1"), line)


def looks_like_utf16(text: str) -> bool:
    """Whether text read without a byte-order mark is really UTF-16 (or not text at all):
    NUL characters between the letters, which no CSV or text file people write has."""
    head = text[:4096]
    return head.count("\x00") * 4 > len(head) > 0


NOT_TEXT = ("it looks like UTF-16 text without a byte-order mark, or not text at all (NUL characters), "
            "so litcoder cannot tell how to read it")
NOT_TEXT_ACTION = "save it again as CSV UTF-8 (in Excel: Save As → CSV UTF-8), or as UTF-16 with a byte-order mark"


def read_text(path: Path, log: ProblemLog) -> str:
    """The file's text: by its byte-order mark (UTF-8, UTF-16), else UTF-8, else Windows-1252.

    A file that is not UTF-8 is still read, with a warning saying how, so that nothing in
    it is lost; Windows-1252 covers what Excel and Word save on most Western machines.
    """
    decoded = decode(path.read_bytes())
    if decoded.damaged:
        log.warning(None, f"not valid {decoded.encoding.name} (cut off?); characters that could not be read "
                    "were replaced by �", "save the file again from the program that made it", "encoding")
    elif decoded.bad_line is not None:
        log.warning(
            decoded.bad_line,
            f"not UTF-8 (first bad byte on this line); read as {decoded.encoding.name}",
            "check the accented characters, then save the file as UTF-8",
            "encoding",
        )
    return decoded.text


def split_lines(text: str) -> list[str]:
    """Lines with their ends, split at \n only: a CSV cell may hold characters (\u2028, \x0c)
    that str.splitlines would break on."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


@dataclass
class CsvRow:
    line: int
    """Line of the file on which the row starts (1-based)."""
    values: dict[str, str]


def csv_delimiter(header_line: str) -> str:
    """The separator a CSV file uses, from its header line: ';' where a European Excel wrote it, else ','."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


class CsvRecord(NamedTuple):
    """One record of a CSV text as litcoder reads it: lines `start` to `end` (1-based, inclusive)."""

    start: int
    end: int
    cells: list[str] | None
    """None when the record cannot be read as CSV."""
    error: str = ""
    unclosed: bool = False
    """A quote opened on the record's first line is never closed (the lines after it are read again)."""


def csv_records(lines: list[str], delimiter: str) -> Iterator[CsvRecord]:
    """The records of a CSV file's lines (each with its line end), the header first.

    Records are read as the CSV rules say, with one repair: a record that goes wrong after
    running over several lines (a quote that is not closed, or the wrong number of cells)
    is almost always an unclosed quote, so the lines after its first are read again as
    records of their own, and the rows it ran into are not lost. Reading (read_csv_rows)
    and writing (the coder-file store) both go by these records, so they agree on what is
    a row and on which line it starts.
    """
    def reader_from(index: int):
        return csv.reader(itertools.islice(lines, index, None), delimiter=delimiter, strict=True)

    reader = reader_from(0)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as err:
        yield CsvRecord(1, max(reader.line_num, 1), None, str(err))
        return
    yield CsvRecord(1, reader.line_num, header)
    width = len(header)
    offset, next_line = 0, reader.line_num + 1
    while True:
        start = next_line
        try:
            for cells in reader:  # the usual record, read without a try of its own
                end = offset + reader.line_num
                next_line = end + 1
                yield CsvRecord(start, end, cells)
                if len(cells) != width and end > start and any(c.strip() for c in cells):
                    offset, next_line = start, start + 1
                    reader = reader_from(offset)
                    break
                start = next_line
            else:
                return
        except csv.Error as err:
            end = offset + reader.line_num
            unclosed = end > start or "end of data" in str(err)
            yield CsvRecord(start, end, None, str(err), unclosed)
            offset, next_line = (start, start + 1) if unclosed else (offset, end + 1)
            if unclosed:
                reader = reader_from(offset)


def read_csv_rows(
    path: Path, log: ProblemLog, required: list[str], known: list[str], row_limit: int | None = None
) -> list[CsvRow] | None:
    """Rows of a CSV file with a header, each with the line it starts on.

    Returns None (and logs an error) when the header lacks a required column, since then
    no row can be read safely. A row with the wrong number of cells, or a cell the CSV
    reader cannot parse, is logged as an error and skipped; the other rows are returned.
    Blank rows are ignored. Cells are stripped of surrounding whitespace. With `row_limit`,
    reading stops after that many rows and one more (the caller says what the limit is).
    """
    text = read_text(path, log)
    lines = split_lines(text)
    if not text.strip():
        log.warning(1, "the file is empty: it has no header row", "add the header: " + ",".join(known), "csv-empty")
        return []
    if looks_like_utf16(text):
        log.error(None, f"{NOT_TEXT}; no row of this file was read", NOT_TEXT_ACTION, "csv-encoding")
        return None
    lines, doubled_header = _without_merge_markers(lines, log)
    records = csv_records(lines, csv_delimiter(lines[0]))
    first = next(records)
    if first.cells is None:
        log.error(1, f"the header row cannot be read: {first.error}", "fix the first line", "csv-header")
        return None
    header = [h.strip().lower() for h in first.cells]
    missing = [c for c in required if c not in header]
    if missing:
        log.error(
            1,
            f"the header lacks the column(s) {', '.join(missing)}; no row of this file was read",
            f"the first line must name the columns, e.g. {','.join(known)}",
            "csv-header",
        )
        return None
    unknown = [h for h in header if h and h not in known]
    if unknown:
        log.info(1, f"column(s) {', '.join(unknown)} are not used", f"known columns: {', '.join(known)}", "csv-column")
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicated:
        log.error(1, f"column(s) {', '.join(duplicated)} appear twice; the first of each is used",
                  "remove or rename the repeated column", "csv-header")

    rows: list[CsvRow] = []
    width = len(header)
    # without a repeated column, each name takes its own cell; with one, the first cell of the name
    names = list(dict.fromkeys(header))
    kept = None if len(names) == len(header) else [header.index(name) for name in names]
    for record in records:
        cells = record.cells
        if cells is None:
            _log_unreadable(log, record)
            continue
        if not "".join(cells).strip():  # a blank row: no cell with anything but whitespace
            continue
        if doubled_header and [c.strip().lower() for c in cells] == header:  # both sides' header, after a marker
            continue
        if len(cells) != width:
            log.error(record.start, f"this row has {len(cells)} cells, the header has {width}; it was left out",
                      "check for a missing or extra separator, an unquoted comma inside a cell, "
                      "or a quote that is never closed", "csv-malformed")
            continue
        if kept is not None:
            cells = [cells[i] for i in kept]
        rows.append(CsvRow(record.start, dict(zip(names, map(str.strip, cells)))))
        if row_limit is not None and len(rows) > row_limit:
            break
    return rows


MERGE_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?:[ \t].*)?\r?\n?$")
"""A line git writes where it could not merge two versions of a file by its lines."""


def _without_merge_markers(lines: list[str], log: ProblemLog) -> tuple[list[str], bool]:
    """The lines with git's conflict markers blanked (line numbers stay), each conflict named.
    The rows of both versions are kept: for litcoder's files, which gain rows, keeping both is
    the merge. Also whether markers were found, so that a second header (a file both clones
    created) is not read as a row."""
    marked = {i for i, line in enumerate(lines) if MERGE_MARKER.match(line)}
    if not marked:
        return lines, False
    opening = sorted(i for i in marked if lines[i].startswith("<<<<<<<")) or [min(marked)]
    lines = ["\n" if i in marked else line for i, line in enumerate(lines)]
    if 0 in marked:  # a file both clones created: its header stands after the first marker
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        lines[0], lines[first] = lines[first], "\n"
    for i in opening:
        log.error(i + 1, "git left a conflict here: this clone merged the file line by line, not as litcoder does "
                  "(litcoder setup-git was not run in it); both versions' rows are read for now",
                  "run `litcoder setup-git` once in this clone; then delete the lines <<<<<<<, ======= and >>>>>>> "
                  "(keep the rows of both sides) and commit", "merge-markers")
    return lines, True


def _log_unreadable(log: ProblemLog, record: CsvRecord) -> None:
    if "field larger than field limit" in record.error:
        log.error(record.start, f"a cell of this row is longer than {FIELD_LIMIT // 2**20} MB, the most litcoder "
                  "reads (or a quote opened here is never closed); the row was left out",
                  "shorten the cell, or close the quote with a \" at the end of the cell", "csv-malformed")
    elif record.unclosed:
        log.error(record.start, "a quote opened on this row is never closed; the row was left out",
                  "a cell with a comma or quote must be in \"…\", and a quote inside it doubled (\"\")",
                  "csv-malformed")
    else:
        log.error(record.start, f"this row cannot be read as CSV ({record.error}); it was left out",
                  "a cell with a comma or quote must be in \"…\", and a quote inside it doubled (\"\")",
                  "csv-malformed")


def whole_number(cell: str) -> int | None:
    """A cell as a whole number from 0 to NUMBER_LIMIT: '3', ' 3 ', and '3.0' as spreadsheets
    write it; else None (`number_problem` says why).

    >>> whole_number(" 12 "), whole_number("3.0"), whole_number("12a"), whole_number("9" * 5000)
    (12, 3, None, None)
    """
    cell = cell.strip()
    if cell.endswith(".0"):
        cell = cell[:-2]
    if not (cell.isascii() and cell.isdigit()):
        return None
    digits = cell.lstrip("0")
    if len(digits) > len(str(NUMBER_LIMIT)):  # never int() a number of thousands of digits
        return None
    number = int(cell)
    return number if number <= NUMBER_LIMIT else None


def number_problem(cell: str) -> str:
    """Why a cell that `whole_number` does not take is not a number litcoder can use, for a message.

    >>> number_problem("12a")
    "'12a' is not a whole number"
    >>> number_problem("1" + "0" * 20)
    "'100000000000000000000' (21 digits) is larger than 1,000,000,000,000, the largest ..."
    """
    cell = cell.strip()
    digits = cell[:-2] if cell.endswith(".0") else cell
    if digits.isascii() and digits.isdigit():
        size = f" ({len(digits):,} digits)" if len(digits) > 15 else ""
        return f"'{shown(cell)}'{size} is larger than {NUMBER_LIMIT:,}, the largest number litcoder reads"
    return f"'{shown(cell)}' is not a whole number"


def shown(value: str, limit: int = 40) -> str:
    """A cell's value as a message shows it: on one line, cut at `limit` characters.

    >>> shown("a long   memo", 8)
    'a long …'
    """
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


@functools.cache
def code_version() -> str:
    """A digest of litcoder's code, and of the Python, pandas and NumPy it runs on: what was
    made by other code (a kept read, an output) is made again after an upgrade."""
    from importlib.metadata import version

    digest = hashlib.blake2b(repr((sys.version, version("pandas"), version("numpy"))).encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that a reader never sees it half written: temp file, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
