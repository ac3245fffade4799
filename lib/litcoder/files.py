"""Reading people's text files as they really are, and writing outputs safely.

Text made by people comes with a byte-order mark, Windows line ends, a legacy encoding
from a spreadsheet program, or semicolons where a European Excel wrote a CSV. These
helpers read all of that, say what they had to guess, and give line numbers for every
CSV row so that a problem can point at it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .problems import ProblemLog


def read_text(path: Path, log: ProblemLog) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252.

    A file that is not UTF-8 is still read, with a warning saying how, so that nothing in
    it is lost; Windows-1252 covers what Excel and Word save on most Western machines.
    """
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
            encoding = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            encoding = "Latin-1"
        log.warning(
            line,
            f"not UTF-8 (first bad byte on this line); read as {encoding}",
            "check the accented characters, then save the file as UTF-8",
            "encoding",
        )
        return text


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


def _delimiter(header_line: str) -> str:
    # Excel in many European locales writes ';'-separated "CSV".
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv_rows(
    path: Path, log: ProblemLog, required: list[str], known: list[str]
) -> list[CsvRow] | None:
    """Rows of a CSV file with a header, each with the line it starts on.

    Returns None (and logs an error) when the header lacks a required column, since then
    no row can be read safely. A row with the wrong number of cells, or a cell the CSV
    reader cannot parse, is logged as an error and skipped; the other rows are returned.
    Blank rows are ignored. Cells are stripped of surrounding whitespace.
    """
    text = read_text(path, log)
    lines = split_lines(text)
    if not text.strip():
        log.warning(1, "the file is empty: it has no header row", "add the header: " + ",".join(known), "csv-empty")
        return []
    delimiter = _delimiter(lines[0])
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as err:
        log.error(1, f"the header row cannot be read: {err}", "fix the first line", "csv-header")
        return None
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

    def reader_from(index: int):
        return csv.reader((lines[i] for i in range(index, len(lines))), delimiter=delimiter, strict=True)

    # A record that goes wrong after running over several lines is almost always an
    # unclosed quote: report its first line and read again from the line after it, so the
    # rows it ran into are not lost.
    offset, next_line = 0, reader.line_num + 1
    while True:
        start = next_line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            end = offset + reader.line_num
            unclosed = end > start or "end of data" in str(err)
            log.error(start, "a quote opened on this row is never closed; the row was left out" if unclosed else
                      f"this row cannot be read as CSV ({err}); it was left out",
                      "a cell with a comma or quote must be in \"…\", and a quote inside it doubled (\"\")",
                      "csv-malformed")
            offset, next_line = (start, start + 1) if unclosed else (offset, end + 1)
            if unclosed:
                reader = reader_from(offset)
            continue
        end = offset + reader.line_num
        next_line = end + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            log.error(start, f"this row has {len(cells)} cells, the header has {len(header)}; it was left out",
                      "check for a missing or extra separator, an unquoted comma inside a cell, "
                      "or a quote that is never closed", "csv-malformed")
            if end > start:
                offset, next_line = start, start + 1
                reader = reader_from(offset)
            continue
        values: dict[str, str] = {}
        for name, cell in zip(header, cells):
            values.setdefault(name, cell.strip())
        rows.append(CsvRow(start, values))
    return rows


def whole_number(cell: str) -> int | None:
    """A cell as a whole number ≥ 0: '3', ' 3 ', and '3.0' as spreadsheets write it; else None."""
    cell = cell.strip()
    if cell.endswith(".0"):
        cell = cell[:-2]
    return int(cell) if cell.isascii() and cell.isdigit() else None


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
