"""Saving a coder's work: corpus/codings/<coder>.csv, written so that nothing is ever lost.

- Every write holds the file's lock (`<coder>.csv.lock`, filelock), so two kernels, two
  notebooks or an import running at once never interleave.
- A new coding is appended with one `write` to the end of the file, then flushed to disk
  (fsync): a save stays fast however long the file grows, and a crash leaves every earlier
  row as it was.
- Editing or removing a coding rewrites only that coding's lines, into a new file that
  then replaces the old one (write, fsync, rename), so a reader sees the old file or the
  new one, never half of either; every other row keeps its exact bytes.
- A file whose last row was cut off (a machine that lost power mid-write) is repaired
  before the next append: a complete last row gets its missing line end; a cut-off one is
  moved to `<coder>.csv.torn` and the user is told, never silently dropped.

    >>> folder = Path(tempfile.mkdtemp())
    >>> store = CoderFile(folder / "coder-a.csv")
    >>> [coding] = store.append({"citekey": "Kotter1990WhatLeaders", "passage": 3, "quote": "plans and budgets",
    ...                          "competency": "budgeting", "framing": "management"})
    >>> store.update(coding["id"], framing="both")["framing"]
    'both'
    >>> [row["competency"] for row in store.rows()]
    ['budgeting']
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from .files import split_lines

COLUMNS = ["id", "citekey", "passage", "quote", "competency", "framing", "memo", "coded_at",
           "start", "end", "prefix", "suffix", "page"]
"""The columns litcoder writes, in this order; a file may hold its columns in any order."""

LOCK_TIMEOUT = 30


class CodingNotFound(KeyError):
    """No coding with that id in the coder's file (removed in another window, perhaps)."""


def new_id() -> str:
    """A fresh coding id: 12 hex digits, unique without reading the file."""
    return uuid.uuid4().hex[:12]


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def csv_line(values: list[str], end: str = "\n") -> bytes:
    """One CSV row, as litcoder writes rows: minimal quoting, the file's line end, UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=end).writerow(values)
    return buffer.getvalue().encode("utf-8")


class CsvFile:
    """A CSV file people also edit by hand, with locked, crash-safe appends, edits and removals.

    `columns` are the columns litcoder writes (a file may hold them in any order, and more).
    """

    def __init__(self, path: Path, columns: list[str] | None = None):
        self.path = Path(path)
        self.columns = list(columns or COLUMNS)
        self.lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT)
        self.notices: list[str] = []

    # ------------------------------------------------------------ adding

    def append_rows(self, *rows: dict) -> list[dict]:
        """Add rows at the end of the file (values by column; other keys are ignored)."""
        with self.lock:
            header = self._ready_header()
            end = self._line_end()
            data = b"".join(csv_line([_cell(row.get(name)) for name in header], end) for row in rows)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, data)  # one write: rows land whole, after every earlier row
                os.fsync(fd)
            finally:
                os.close(fd)
        return rows

    def _ready_header(self) -> list[str]:
        """The file's header, after creating the file, repairing a cut-off end, or adding
        columns litcoder writes that an older or hand-made file lacks."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._replace(csv_line(self.columns))
            return list(self.columns)
        with open(self.path, "rb") as f:
            first = f.readline().decode("utf-8-sig")
            f.seek(-1, os.SEEK_END)
            ends_with_newline = f.read(1) == b"\n"
        header = _header(first)
        if not ends_with_newline:
            self._repair_end(len(header))
        missing = [c for c in self.columns if c not in header]
        if missing:
            self._add_columns(header, missing)
            header = header + missing
        return header

    def _repair_end(self, cells: int) -> None:
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        tail = data[cut:]
        try:
            complete = len(next(csv.reader([tail.decode("utf-8")]))) == cells
        except (csv.Error, UnicodeDecodeError, StopIteration):
            complete = False
        if complete:
            self._append_bytes(self._line_end().encode())
            return
        torn = self.path.with_name(self.path.name + ".torn")
        with open(torn, "ab") as f:
            f.write(tail + b"\n")
        self._replace(data[:cut])
        self.notices.append(f"{self.path.name}: its last line was cut off (a crash during a save?); "
                            f"it was moved to {torn.name} so that you can check it")

    def _add_columns(self, header: list[str], missing: list[str]) -> None:
        """Add empty columns to every row (a rewrite, once per file), keeping its line ends."""
        text = self._text()
        bom, text = ("\ufeff", text[1:]) if text.startswith("\ufeff") else ("", text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=self._line_end())
        writer.writerow(header + missing)
        for row in rows[1:]:
            writer.writerow(row + [""] * len(missing) if row else row)
        self._replace((bom + buffer.getvalue()).encode("utf-8"))

    def _text(self) -> str:
        """The file's text exactly: line ends and a byte-order mark as they are."""
        return self.path.read_bytes().decode("utf-8") if self.path.exists() else ""

    def _line_end(self) -> str:
        """The line end the file uses (\\r\\n for a file from Windows or Excel), else \\n."""
        if not self.path.exists():
            return "\n"
        with open(self.path, "rb") as f:
            return "\r\n" if f.readline().endswith(b"\r\n") else "\n"

    def _append_bytes(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    # ------------------------------------------------------------ changing

    def update(self, coding_id: str, **changes) -> dict:
        """Change fields of one coding (e.g. framing, memo, quote); returns the new row."""
        with self.lock:
            text, header, start, end, row = self._locate_row(coding_id)
            row.update({k: v for k, v in changes.items() if k in header and k != "id"})
            new = csv_line([_cell(row.get(name)) for name in header], self._line_end()).decode("utf-8")
            self._replace((text[:start] + new + text[end:]).encode("utf-8"))
        return row

    def remove(self, coding_id: str) -> dict:
        """Delete one coding; returns the row that was removed."""
        with self.lock:
            text, _, start, end, row = self._locate_row(coding_id)
            self._replace((text[:start] + text[end:]).encode("utf-8"))
        return row

    def update_many(self, changes: dict[str, dict]) -> int:
        """Change fields of many codings in one rewrite; returns how many rows changed.

        Ids not in the file are skipped (removed meanwhile); other rows keep their bytes.
        """
        with self.lock:
            self._ready_header()  # gains the columns litcoder writes, if an older file lacks them
            header, lines, spans = self._read_rows()
            column = header.index("id")
            line_end = self._line_end()
            out, changed, done = [], 0, 0
            for start, end, cells in spans:
                out.extend(lines[done:start])
                coding_id = cells[column].strip() if len(cells) > column else ""
                if coding_id in changes:
                    row = dict(zip(header, cells))
                    row.update({k: v for k, v in changes[coding_id].items() if k in header and k != "id"})
                    out.append(csv_line([_cell(row.get(name)) for name in header], line_end).decode("utf-8"))
                    changed += 1
                else:
                    out.extend(lines[start:end])
                done = end
            out.extend(lines[done:])
            if changed:
                self._replace("".join(out).encode("utf-8"))
        return changed

    def _locate_row(self, coding_id: str) -> tuple[str, list[str], int, int, dict]:
        """The file's text, header, and the character span and cells of the coding's row.

        Rows whose id is the first cell (as litcoder writes them) are found by a text search,
        which keeps an edit quick in a file of 100,000 codings; otherwise the file is parsed.
        """
        text = self._text()
        first_line = text[: text.find("\n") + 1 or len(text)]
        header = _header(first_line)
        if header[:1] == ["id"]:
            at = text.find("\n" + coding_id + ",")
            while at >= 0:
                start = at + 1
                end, cells = _one_record(text, start)
                if cells and cells[0].strip() == coding_id:
                    return text, header, start, end, dict(zip(header, cells))
                at = text.find("\n" + coding_id + ",", start)
        else:
            _, lines, spans = self._read_rows()
            offsets = [0]
            for line in lines:
                offsets.append(offsets[-1] + len(line))
            column = header.index("id") if "id" in header else -1
            for first, last, cells in spans:
                if column >= 0 and len(cells) > column and cells[column].strip() == coding_id:
                    return text, header, offsets[first], offsets[last], dict(zip(header, cells))
        raise CodingNotFound(f"no coding '{coding_id}' in {self.path.name} (was it removed in another window?)")

    def rows(self) -> list[dict]:
        """Every row of the file as read (a consistent copy, read under the lock)."""
        with self.lock:
            if not self.path.exists():
                return []
            header, lines, spans = self._read_rows()
            return [dict(zip(header, cells)) for _, _, cells in spans]

    def _read_rows(self) -> tuple[list[str], list[str], list[tuple[int, int, list[str]]]]:
        """Header, physical lines (with their line ends), and each row's line span and cells."""
        lines = split_lines(self._text())
        if not lines:
            return list(self.columns), [], []
        reader = csv.reader(iter(lines))
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
        spans, begin = [], reader.line_num
        for cells in reader:
            spans.append((begin, reader.line_num, cells))
            begin = reader.line_num
        return header, lines, spans

    def _replace(self, data: bytes) -> None:
        """Write `data` as the whole file: temp file, fsync, rename."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class CoderFile(CsvFile):
    """One coder's codings file (corpus/codings/<coder>.csv)."""

    def __init__(self, path: Path):
        super().__init__(path, COLUMNS)

    @property
    def coder(self) -> str:
        return self.path.stem

    def append(self, *codings: dict) -> list[dict]:
        """Save new codings at the end of the file; returns them with their id and time.

        Missing ids and times are filled in; columns not in COLUMNS are ignored.
        """
        return self.append_rows(*({**c, "id": c.get("id") or new_id(), "coded_at": c.get("coded_at") or now()}
                                  for c in codings))


def _header(first_line: str) -> list[str]:
    return [h.strip().lower().lstrip("\ufeff") for h in next(csv.reader([first_line.lstrip("\ufeff")]), [])]


def _one_record(text: str, start: int) -> tuple[int, list[str]]:
    """The end offset and cells of the CSV record that starts at text[start]."""
    position, lines = start, []
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end + 1
        lines.append(text[position:end])
        position = end
        try:
            records = list(csv.reader(lines, strict=True))
        except csv.Error:
            continue  # an open quote: the record goes on on the next line
        if len(records) == 1:
            return position, records[0]
    return len(text), []


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a data frame
        return ""
    return str(value)
