"""Saving a coder's work: corpus/codings/<coder>.csv, written so that nothing is ever lost.

- Every write holds the file's lock (`<coder>.csv.lock`, filelock), so two kernels, two
  notebooks or an import running at once never interleave.
- A file is written back in its own shape: its separator (',' or the ';' of a European
  Excel), its quoting (every cell in quotes, as R's write.csv does, or only where needed),
  its line ends and its encoding (UTF-8 with or without a byte-order mark, UTF-16,
  Windows-1252), never in a mix. A value its encoding cannot hold (an emoji in a
  Windows-1252 file) converts the file once to UTF-8 with a byte-order mark, keeping the
  file as it was in `<coder>.csv.bak`, and says so in `notices`.
- A new coding is appended to the end of the file, then flushed to disk (fsync): a save
  stays fast however long the file grows. Every byte lands or the file is cut back to
  what it was and the save fails loudly (a full disk): a coding is never reported saved
  when it was not.
- Editing or removing a coding finds its row by reading the file as CSV (never by
  searching its text), refuses an id that two rows share, and rewrites only that row, into
  a new file that then replaces the old one (write, fsync, rename): a reader sees the old
  file or the new one, never half of either; every other row keeps its exact bytes and the
  file keeps its permissions. A read-only file is refused, never replaced.
- A change worked out from values read earlier (`reanchor`) passes those values along; a
  row that has changed since is left as it is and reported, so no edit is undone.
- A file whose last row was cut off (a machine that lost power mid-write) is repaired
  before the next append: a complete last row gets its missing line end; a cut-off one is
  moved to `<coder>.csv.torn` and the user is told, never silently dropped.
- Temp files are named `.<coder>.csv.<random>.tmp`; one left behind by a killed writer is
  removed by the next write (git should ignore `.*.tmp`).
- An edit leaves a trace: it sets the coding's `edited_at` (a column an older file gains at
  its first edit), and every edit, re-anchoring, removal and restore first appends the
  coding as it was to `history/<coder>.csv` beside the coder's file (append-only:
  `change, changed_at`, then the coding's columns).

    >>> folder = Path(tempfile.mkdtemp())
    >>> store = CoderFile(folder / "coder-a.csv")
    >>> [coding] = store.append({"citekey": "Kotter1990WhatLeaders", "passage": 3, "quote": "plans and budgets",
    ...                          "competency": "budgeting", "framing": "management"})
    >>> store.update(coding["id"], framing="both")["framing"]
    'both'
    >>> [row["competency"] for row in store.rows()]
    ['budgeting']
    >>> [(row["change"], row["framing"]) for row in store.history.rows()]
    [('edited', 'management')]
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
import stat
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from filelock import FileLock, Timeout

from .files import (
    FIELD_LIMIT,
    NOT_TEXT,
    NOT_TEXT_ACTION,
    UTF8,
    CsvRecord,
    TextEncoding,
    bom_encoding,
    csv_delimiter,
    csv_records,
    decode,
    looks_like_utf16,
    split_lines,
)

COLUMNS = ["id", "citekey", "passage", "quote", "competency", "framing", "memo", "coded_at", "edited_at",
           "start", "end", "prefix", "suffix", "page"]
"""The columns litcoder writes, in this order; a file may hold its columns in any order. An older
file without some of them gains them, empty, at its next save (edited_at at its first edit)."""

POSITION = frozenset({"passage", "start", "end", "prefix", "suffix", "page"})
"""A coding's columns that say where its quote is: changing only them re-anchors the coding (after
its source's text was edited), which is not an edit of it, so its edited_at stays."""

HISTORY = "history"
"""The folder beside the coders' files that holds each coder's history (`history/<coder>.csv`)."""

HISTORY_COLUMNS = ["change", "changed_at", *COLUMNS]
"""A history row: what was done (edited, reanchored, removed, restored), when, and the coding's
values as they were before (for a restore: the values put back)."""

LOCK_TIMEOUT = 30
"""Seconds a write waits for another writer of the same file before giving up with a message."""

HEAD_BYTES = 64 * 1024
"""How much of a file's start an append reads to learn its shape from the header line: far more
than any header, and quick to read on every save."""

STALE_TEMP_SECONDS = 60
"""A temp file of ours older than this, met while we hold the file's lock, was left by a writer
that was killed (every writer holds the lock while its temp file exists): it is removed."""


class CoderFileError(Exception):
    """A write that did not happen; the message says why and what to do. The file is as it was."""


class CodingNotFound(CoderFileError, KeyError):
    """No coding with that id in the coder's file (removed in another window, perhaps)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DuplicateId(CoderFileError):
    """Two rows of the file share the id: which one to change cannot be told."""


class ChangedMeanwhile(CoderFileError):
    """The row changed since it was read (another window, or a hand edit): the change would undo that."""


class AlreadyPresent(CoderFileError):
    """A coding to restore whose id the file already holds: restoring it would make two."""


class ReadOnlyFile(CoderFileError):
    """The file is read-only: litcoder does not replace it."""


class NotSaved(CoderFileError):
    """A write failed part way (a full disk, a drive gone): the file was put back as it was."""


class UnreadableFile(CoderFileError):
    """The file's text cannot be read back exactly, so it cannot be written back without changing it."""


def new_id() -> str:
    """A fresh coding id: 12 hex digits, unique without reading the file."""
    return uuid.uuid4().hex[:12]


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Shape:
    """How a CSV file is written: separator, quoting, line end and encoding."""

    delimiter: str = ","
    quote_all: bool = False
    """Every cell in quotes (R's write.csv, some exports); else quotes only where a cell needs them."""
    line_end: str = "\n"
    encoding: TextEncoding = UTF8

    def line(self, cells: list[str]) -> str:
        """One row as this file writes rows, with its line end."""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator=self.line_end,
                   quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL).writerow(cells)
        return buffer.getvalue()


class Row(NamedTuple):
    """One readable row of a file: its characters [start, end) in the text, first line (0 if not
    counted), and cells."""

    start: int
    end: int
    line: int
    cells: list[str]


@dataclass
class UpdateReport:
    """What `update_many` did: rows changed, and ids it left alone with the reason."""

    changed: int = 0
    changed_meanwhile: list[str] = field(default_factory=list)
    """Rows that differ from the values the change was worked out from."""
    duplicated: dict[str, list[int]] = field(default_factory=dict)
    """Ids that more than one row has, with those rows' lines."""
    missing: list[str] = field(default_factory=list)
    """Ids no longer in the file (removed meanwhile)."""


class _Snapshot(NamedTuple):
    """A file as read under its lock: raw bytes, status, shape, text (without byte-order mark) and header."""

    data: bytes
    status: os.stat_result | None
    """None when there is no file yet."""
    shape: Shape
    text: str
    header: list[str]


class CsvFile:
    """A CSV file people also edit by hand, with locked, crash-safe appends, edits and removals.

    `columns` are the columns litcoder writes (a file may hold them in any order, and more);
    `key` is the column that names a row, for edits and removals.
    """

    noun = "change"
    """What a failed write did not save, in messages."""

    stamp: str | None = None
    """A column set to the time of each change of a row by `update`/`update_many`."""

    unstamped: frozenset[str] = frozenset()
    """Columns whose change alone does not set the `stamp` column (e.g. where a quote is)."""

    optional: frozenset[str] = frozenset()
    """Columns (of `columns`) added to an older file only when a value is first written to one,
    so that a file gains no column that every row of it would leave empty."""

    def __init__(self, path: Path, columns: list[str] | None = None, key: str | None = None):
        self.path = Path(path)
        self.columns = list(columns or COLUMNS)
        self.key = key
        self.lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT)
        self.notices: list[str] = []
        """Things the user should know about the file (a cut-off row moved aside, a conversion):
        the screens and the command line show them."""
        self._encoding_seen: tuple[tuple[int, int, int], TextEncoding] | None = None

    # ------------------------------------------------------------ adding

    def append_rows(self, *rows: dict) -> list[dict]:
        """Add rows at the end of the file (values by column; other keys are ignored)."""
        with self._locked():
            written = {name for row in rows for name, value in row.items() if _cell(value)}
            for _ in range(3):  # a repaired end or new columns mean a second look at the file
                ready = self._ready_for_append(written)
                if ready is not None:
                    break
            else:
                raise CoderFileError(f"{self.path.name} keeps changing while litcoder writes it; nothing was saved: "
                                     "close other programs that have it open, then save again")
            fd, header, shape, known = ready
            try:
                lines = [[_cell(row.get(name)) for name in header] for row in rows]
                self._check_cells(header, lines)
                text = "".join(shape.line(cells) for cells in lines)
                data = self._encoded_for_append(text, shape, known)
                if data is not None:
                    self._append_bytes(fd, data)
            finally:
                os.close(fd)
        return list(rows)

    def _ready_for_append(self, written: set[str]) -> tuple[int, list[str], Shape, bool] | None:
        """An open descriptor, the header and the shape of a file ready to take rows at its end,
        and whether its encoding is sure; None after a repair or a rewrite (the caller looks again)."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            status = None
        if status is None or status.st_size == 0:
            if status is not None:
                self._check_writable(status)
            self._replace(Shape().line(self.columns).encode("utf-8"), _mode(status))
            return None
        fd = self._open_for_append()
        try:
            status = os.fstat(fd)
            self._check_writable(status)
            head = _read_at(fd, 0, HEAD_BYTES)
            tail = _read_at(fd, max(0, status.st_size - 4), 4)
            shape, header, known = self._head(head)
        except BaseException:
            os.close(fd)
            raise
        if not any(header):
            os.close(fd)
            self._start_blank_file()
            return None
        if not tail.endswith(shape.encoding.newline()):
            os.close(fd)
            self._repair_end()
            return None
        missing = self._missing(header, written)
        if missing:
            os.close(fd)
            self._add_columns(missing)
            return None
        return fd, header, shape, known

    def _open_for_append(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_APPEND | _BINARY)
        except PermissionError as err:
            raise ReadOnlyFile(self._read_only_message()) from err
        except OSError as err:
            raise NotSaved(self._not_saved(err)) from err

    def _head(self, head: bytes) -> tuple[Shape, list[str], bool]:
        """The shape and header a file's first bytes show, and whether they settle its encoding:
        a byte-order mark does, and so do accents in valid UTF-8 (Windows-1252 accents never
        are); else the encoding is taken as UTF-8 until `_encoded_for_append` needs to know."""
        encoding = bom_encoding(head) or UTF8
        body = head[len(encoding.bom):]
        text = body.decode(encoding.codec, errors="replace")
        if not encoding.bom and looks_like_utf16(text):
            raise UnreadableFile(f"{self.path.name}: {NOT_TEXT}; nothing was saved: {NOT_TEXT_ACTION}")
        known = bool(encoding.bom) or _utf8_accents(body[: body.rfind(b"\n") + 1])
        return (*_shape_and_header(text, encoding), known)

    def _encoded_for_append(self, text: str, shape: Shape, known: bool) -> bytes | None:
        """The rows' bytes in the file's encoding; None if the file had to be converted to UTF-8
        to hold them (the rows were written with the conversion)."""
        _check_encodable(text, self.path.name)
        if known or text.isascii():  # ASCII is the same bytes in UTF-8 and Windows-1252
            encoding = shape.encoding
        else:
            encoding = self._whole_file_encoding()
        try:
            return text.encode(encoding.codec)
        except UnicodeEncodeError:
            snapshot = self._load()
            self._write_text(snapshot, snapshot.text + text)
            return None

    def _whole_file_encoding(self) -> TextEncoding:
        """UTF-8, Windows-1252 or Latin-1: known only from every byte of a file without a byte-order
        mark, so remembered for as long as the file is as this object last saw it."""
        status = os.stat(self.path)
        seen = (status.st_ino, status.st_size, status.st_mtime_ns)
        if self._encoding_seen and self._encoding_seen[0] == seen:
            return self._encoding_seen[1]
        encoding = self._load().shape.encoding
        self._encoding_seen = (seen, encoding)
        return encoding

    def _append_bytes(self, fd: int, data: bytes) -> None:
        """Write `data` at the end of the file and flush it to disk; on any failure cut the file
        back to its old size and raise NotSaved."""
        before = os.fstat(fd)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as err:
            message = self._not_saved(err)
            try:
                os.ftruncate(fd, before.st_size)
                os.fsync(fd)
            except OSError:
                message += (f" (and its partial last row could not be cut off: litcoder moves it to "
                            f"{self.path.name}.torn at the next save)")
            raise NotSaved(message) from err
        after = os.fstat(fd)
        if self._encoding_seen and self._encoding_seen[0] == (before.st_ino, before.st_size, before.st_mtime_ns):
            self._encoding_seen = ((after.st_ino, after.st_size, after.st_mtime_ns), self._encoding_seen[1])

    def _start_blank_file(self) -> None:
        """Give a file of blank lines (a byte-order mark, spaces) the header; refuse one whose
        first line is blank but which holds rows (which column is which cannot be told)."""
        snapshot = self._load()
        self._check_writable(snapshot.status)
        if snapshot.text.strip():
            raise CoderFileError(f"the first line of {self.path.name} is blank, so litcoder cannot tell which column "
                                 f"is which; nothing was saved: put the header ({','.join(self.columns)}) on the "
                                 "first line, then save again")
        shape = snapshot.shape
        self._replace(shape.encoding.bom + Shape(line_end=shape.line_end).line(self.columns).encode(
            shape.encoding.codec), _mode(snapshot.status))

    def _repair_end(self) -> None:
        """Give a file that does not end with a line end one: after its last row if that row is
        complete, else after moving the cut-off row to `<name>.torn`."""
        snapshot = self._load()
        self._check_writable(snapshot.status)
        lines = split_lines(snapshot.text)
        records = list(csv_records(lines, snapshot.shape.delimiter))
        torn_from = _torn_start(records, len(snapshot.header), len(lines))
        if torn_from is None:
            fd = self._open_for_append()
            try:
                self._append_bytes(fd, snapshot.shape.line_end.encode(snapshot.shape.encoding.codec))
            finally:
                os.close(fd)
            return
        cut = sum(len(line) for line in lines[: torn_from - 1])
        torn = self.path.with_name(self.path.name + ".torn")
        tail = snapshot.text[cut:]
        _append_to(torn, (tail + ("" if tail.endswith("\n") else "\n")).encode("utf-8"), self._not_saved)
        self._write_text(snapshot, snapshot.text[:cut])
        self.notices.append(f"{self.path.name}: its last row (line {torn_from}) was cut off (a crash during a save?); "
                            f"it was moved to {torn.name} so that you can check it")

    def _add_columns(self, missing: list[str]) -> None:
        """Add empty columns to every row (a rewrite, once per file), keeping everything else as it is."""
        snapshot = self._load()
        self._check_writable(snapshot.status)
        edits = _widened(snapshot, self._rows(snapshot), missing, {})
        self._write_text(snapshot, _spliced(snapshot.text, edits))

    def _check_cells(self, header: list[str], lines: list[list[str]]) -> None:
        for cells in lines:
            for name, cell in zip(header, cells):
                if len(cell) > FIELD_LIMIT:
                    raise CoderFileError(f"the {name} is {len(cell):,} characters long, more than the "
                                         f"{FIELD_LIMIT:,} a cell of {self.path.name} may hold; nothing was saved: "
                                         f"make it shorter (quote only the words that show the competency)")

    # ------------------------------------------------------------ changing

    def update(self, key: str, expected: dict | None = None, **changes) -> dict:
        """Change fields of one row (e.g. framing, memo, quote); returns the new row.

        `expected`: values of the row as the change was worked out from them (e.g. what a
        screen shows); if the row now differs, nothing is written (ChangedMeanwhile). A change
        that changes nothing writes nothing.
        """
        with self._locked():
            snapshot = self._load()
            self._check_writable(snapshot.status)
            row = self._one_row(snapshot, key)
            self._check_unchanged(snapshot.header, row, expected)
            changed = self._changes(snapshot.header, row.cells, changes)
            if not changed:
                return _as_dict(snapshot.header, row.cells)
            missing = self._missing(snapshot.header, [name for name, value in changed.items() if value])
            if missing:
                self._add_columns(missing)
                snapshot = self._load()
                row = self._one_row(snapshot, key)
            header = snapshot.header
            cells = _applied(header, row.cells, changed)
            self._check_cells(header, [cells])
            self._before_change(self._change_of(changed), [_as_dict(header, row.cells)])
            new = snapshot.shape.line(cells)
            self._write_text(snapshot, snapshot.text[: row.start] + new + snapshot.text[row.end:])
        return _as_dict(header, cells)

    def _changes(self, header: list[str], cells: list[str], changes: dict) -> dict[str, str]:
        """The cells `changes` would change in a row (never its key; a column the file lacks counts
        as empty), with the time in the `stamp` column if any but the `unstamped` ones change."""
        current: dict[str, str] = {}
        for name, cell in zip(header, cells):
            current.setdefault(name, cell)
        changed = {}
        for name, value in changes.items():
            new = _cell(value)
            if name != self.key and (name in header or name in self.columns) and new != current.get(name, ""):
                changed[name] = new
        if self.stamp and any(name not in self.unstamped for name in changed):
            changed[self.stamp] = now()
        return changed

    def _missing(self, header: list[str], written: list[str] | set[str]) -> list[str]:
        """The columns to add to a file with `header` before values are written to the `written`
        columns: every column litcoder writes that it lacks, an optional one only if written to."""
        return [c for c in self.columns if c not in header and (c not in self.optional or c in written)]

    def _change_of(self, changed: dict[str, str]) -> str:
        """What a change of these cells is called in the trace a subclass keeps."""
        return "edited"

    def _before_change(self, change: str, rows: list[dict]) -> None:
        """Called under the file's lock just before rows are changed or removed (`change`: edited,
        removed, …), with the rows as they are; a subclass keeps a trace. Raising stops the change."""

    def remove(self, key: str) -> dict:
        """Delete one row; returns it as it was."""
        with self._locked():
            snapshot = self._load()
            self._check_writable(snapshot.status)
            row = self._one_row(snapshot, key)
            self._before_change("removed", [_as_dict(snapshot.header, row.cells)])
            self._write_text(snapshot, snapshot.text[: row.start] + snapshot.text[row.end:])
        return _as_dict(snapshot.header, row.cells)

    def remove_where(self, column: str, value: str) -> int:
        """Delete every row whose `column` is `value`; returns how many were removed."""
        with self._locked():
            if not self.path.exists():
                return 0
            snapshot = self._load()
            if column not in snapshot.header:
                return 0
            at = snapshot.header.index(column)
            rows = [r for r in self._rows(snapshot) if r.cells[at].strip() == value]
            gone = [(r.start, r.end, "") for r in rows]
            if gone:
                self._check_writable(snapshot.status)
                self._before_change("removed", [_as_dict(snapshot.header, r.cells) for r in rows])
                self._write_text(snapshot, _spliced(snapshot.text, gone))
        return len(gone)

    def rewrite_rows(self, change: Callable[[dict], dict | None]) -> int:
        """Change every row for which `change(row)` gives new values (key column included), in
        one rewrite under the lock, so a row appended meanwhile is seen and none is lost.
        Every other row keeps its bytes; the changed rows get the `stamp`. Returns how many
        rows were changed."""
        with self._locked():
            if not self.path.exists():
                return 0
            snapshot = self._load()
            header = snapshot.header
            edits, before = [], []
            for row in self._rows(snapshot):
                values = change(_as_dict(header, row.cells)) or {}
                changed = {name: _cell(value) for name, value in values.items() if name in header}
                if not changed:
                    continue
                if self.stamp in header:
                    changed[self.stamp] = now()
                cells = _applied(header, row.cells, changed)
                self._check_cells(header, [cells])
                edits.append((row.start, row.end, snapshot.shape.line(cells)))
                before.append(_as_dict(header, row.cells))
            if edits:
                self._check_writable(snapshot.status)
                self._before_change("edited", before)
                self._write_text(snapshot, _spliced(snapshot.text, edits))
        return len(edits)

    def update_many(self, changes: dict[str, dict], expected: dict[str, dict] | None = None) -> UpdateReport:
        """Change fields of many rows in one rewrite.

        `changes`: new values by key. `expected`: for each key, the row's values as the
        changes were worked out from them; a row that now differs is left as it is. Keys no
        longer in the file, and keys that more than one row has, are left too, and so are
        rows the change would not change. Every other row keeps its bytes. The report says
        what was changed and what was left, and why.
        """
        report = UpdateReport()
        with self._locked():
            snapshot = self._load()
            header = snapshot.header
            if self.key not in header:
                report.missing = sorted(changes)
                return report
            at = header.index(self.key)
            found: dict[str, list[Row]] = {}
            rows = self._rows(snapshot)
            for row in rows:
                if row.cells[at].strip() in changes:
                    found.setdefault(row.cells[at].strip(), []).append(row)
            planned: list[tuple[Row, dict[str, str]]] = []
            for key, values in changes.items():
                matches = found.get(key, [])
                if not matches:
                    report.missing.append(key)
                elif len(matches) > 1:
                    report.duplicated[key] = [r.line for r in matches]
                elif _differs(header, matches[0].cells, (expected or {}).get(key)):
                    report.changed_meanwhile.append(key)
                else:
                    changed = self._changes(header, matches[0].cells, values)
                    if changed:
                        planned.append((matches[0], changed))
            if not planned:
                return report
            missing_columns = self._missing(header, {name for _, changed in planned
                                                     for name, value in changed.items() if value})
            new_header = header + missing_columns
            edits: dict[int, str] = {}
            before: dict[str, list[dict]] = {}
            for row, changed in planned:
                cells = _applied(new_header, row.cells + [""] * len(missing_columns), changed)
                self._check_cells(new_header, [cells])
                edits[row.start] = snapshot.shape.line(cells)
                before.setdefault(self._change_of(changed), []).append(_as_dict(header, row.cells))
            report.changed = len(edits)
            self._check_writable(snapshot.status)
            for change, rows_before in before.items():
                self._before_change(change, rows_before)
            if missing_columns:
                spliced = _widened(snapshot, rows, missing_columns, edits)
            else:
                spliced = [(r.start, r.end, edits[r.start]) for r in rows if r.start in edits]
            self._write_text(snapshot, _spliced(snapshot.text, spliced))
        return report

    def _one_row(self, snapshot: _Snapshot, key: str) -> Row:
        rows = self._rows_with_key(snapshot, key)
        if not rows:
            raise CodingNotFound(f"no {self.noun if self.noun != 'change' else 'row'} '{key}' in {self.path.name} "
                                 "(was it removed in another window?)")
        if len(rows) > 1:
            lines = ", ".join(str(r.line) for r in rows)
            raise DuplicateId(f"'{key}' is the {self.key} of more than one row of {self.path.name} (lines {lines}), "
                              "so litcoder cannot tell which to change; nothing was saved: give each row its own "
                              f"{self.key} (e.g. add a suffix to one), then try again")
        return rows[0]

    def _check_unchanged(self, header: list[str], row: Row, expected: dict | None) -> None:
        changed = _differs(header, row.cells, expected)
        if changed:
            raise ChangedMeanwhile(f"this {self.noun} was changed in {self.path.name} since it was read (its "
                                   f"{', '.join(changed)}; in another window, or by hand); nothing was saved, so "
                                   "that change is kept: reload to see it, then make yours again")

    # ------------------------------------------------------------ reading

    def row(self, key: str) -> dict:
        """The row named `key` as it is in the file now (CodingNotFound, DuplicateId)."""
        with self._locked(writing=False):
            snapshot = self._load()
            return _as_dict(snapshot.header, self._one_row(snapshot, key).cells)

    def keys(self) -> set[str]:
        """The key (e.g. id) of every readable row of the file."""
        with self._locked(writing=False):
            if not self.path.exists() or self.key is None:
                return set()
            snapshot = self._load()
            if self.key not in snapshot.header:
                return set()
            at = snapshot.header.index(self.key)
            return {row.cells[at].strip() for row in self._rows(snapshot)}

    def rows(self) -> list[dict]:
        """Every readable row of the file, values stripped (a consistent copy, read under the lock)."""
        with self._locked(writing=False):
            if not self.path.exists():
                return []
            snapshot = self._load()
            return [_as_dict(snapshot.header, row.cells) for row in self._rows(snapshot)]

    def _load(self) -> _Snapshot:
        """The file as it is now; UnreadableFile if its text cannot be read back byte for byte."""
        try:
            with open(self.path, "rb") as f:
                status = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:
            return _Snapshot(b"", None, Shape(), "", list(self.columns))
        except OSError as err:
            raise CoderFileError(f"{self.path.name} cannot be read ({err.strerror or err}); nothing was saved: "
                                 "check that the file may be read, then try again") from err
        decoded = decode(data)
        if decoded.damaged:
            raise UnreadableFile(f"{self.path.name} is not valid {decoded.encoding.name} (cut off?), so litcoder "
                                 "cannot write it back without changing it; nothing was saved: open it in a "
                                 "spreadsheet or editor and save it again (as CSV UTF-8)")
        if not decoded.encoding.bom and looks_like_utf16(decoded.text):
            raise UnreadableFile(f"{self.path.name}: {NOT_TEXT}; nothing was saved: {NOT_TEXT_ACTION}")
        shape, header = _shape_and_header(decoded.text, decoded.encoding)
        return _Snapshot(data, status, shape, decoded.text, header)

    def _rows(self, snapshot: _Snapshot) -> list[Row]:
        """The rows the reader (files.read_csv_rows) reads: readable, as many cells as the header, not blank."""
        return _readable_rows(snapshot)

    def _rows_with_key(self, snapshot: _Snapshot, key: str) -> list[Row]:
        if self.key not in snapshot.header:
            return []
        quick = _rows_by_first_cell(snapshot, key) if snapshot.header[0] == self.key else None
        if quick is not None:
            return quick
        at = snapshot.header.index(self.key)
        return [row for row in self._rows(snapshot) if row.cells[at].strip() == key]

    # ------------------------------------------------------------ writing whole files

    def _write_text(self, snapshot: _Snapshot, text: str) -> None:
        """Replace the file with `text` in its own encoding, or converted once to UTF-8 if that
        cannot hold it (keeping the old file as a backup)."""
        encoding = snapshot.shape.encoding
        try:
            data = encoding.bom + text.encode(encoding.codec)
        except UnicodeEncodeError as err:
            _check_encodable(text, self.path.name)
            data = codecs.BOM_UTF8 + text.encode("utf-8")
            backup = self._backup(snapshot)
            self.notices.append(
                f"{self.path.name} was saved as {encoding.name}, which cannot hold “{err.object[err.start]}”; "
                f"it is now UTF-8 (with a byte-order mark, so that Excel reads it right), and the file as it was "
                f"is kept as {backup.name}")
        self._replace(data, _mode(snapshot.status))
        self._encoding_seen = None

    def _backup(self, snapshot: _Snapshot) -> Path:
        backup = self.path.with_name(self.path.name + ".bak")
        number = 1
        while backup.exists():
            number += 1
            backup = self.path.with_name(f"{self.path.name}.{number}.bak")
        _write_file(backup, snapshot.data, self._not_saved)
        return backup

    def _replace(self, data: bytes, mode: int | None) -> None:
        """Write `data` as the whole file: temp file, fsync, rename; the file keeps `mode`."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise NotSaved(self._not_saved(err)) from err
        _write_file(self.path, data, self._not_saved, mode)
        _sync_folder(self.path.parent)

    def _clean_temp_files(self) -> None:
        """Remove temp files a killed writer of this file left (ours only, and only old ones)."""
        prefix = f".{self.path.name}."
        try:
            entries = list(os.scandir(self.path.parent))
        except OSError:
            return
        old = time.time() - STALE_TEMP_SECONDS
        for entry in entries:
            rest = entry.name[len(prefix):]
            ours = entry.name.startswith(prefix) and (rest.endswith(".tmp") or _OLD_TEMP.fullmatch(rest))
            try:
                if ours and entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < old:
                    os.unlink(entry.path)
            except OSError:
                continue

    # ------------------------------------------------------------ locks, checks, messages

    @contextmanager
    def _locked(self, writing: bool = True) -> Iterator[None]:
        """Hold the file's lock; a writer also clears away temp files a killed writer left."""
        acquired = False
        try:
            self.lock.acquire()
            acquired = True
        except Timeout as err:
            raise CoderFileError(f"{self.path.name} is being written by another window or program (waited "
                                 f"{LOCK_TIMEOUT} s); nothing was {'saved' if writing else 'read'}: "
                                 "try again in a moment") from err
        except OSError as err:
            if writing:  # no lock file in a folder litcoder may not write in: a reader reads on
                raise NotSaved(self._not_saved(err)) from err
        try:
            if writing:
                self._clean_temp_files()
            yield
        finally:
            if acquired:
                self.lock.release()

    def _check_writable(self, status: os.stat_result | None) -> None:
        # Write bits, not just os.access: an administrator may write anything, but a file
        # someone made read-only is not litcoder's to replace.
        if status is None:
            return
        if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(self.path, os.W_OK):
            raise ReadOnlyFile(self._read_only_message())

    def _read_only_message(self) -> str:
        return (f"{self.path.name} is read-only; the {self.noun} was NOT saved: make the file writable "
                "(or ask its owner to), then save again")

    def _not_saved(self, err: OSError) -> str:
        if isinstance(err, PermissionError):
            reason = (f"permission denied: the file may be open in another program, such as Excel, or litcoder may "
                      f"not write in the folder {self.path.parent.name or self.path.parent}")
            action = "close it there (or ask the folder's owner for write access), then save again"
        elif err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            reason, action = "the disk may be full", "free some space, then save again"
        else:
            reason = f"{err.strerror or err}; the disk may be full or the drive gone"
            action = "check the drive, then save again"
        return f"{self.path.name}: the {self.noun} was NOT saved ({reason}); the file is as it was: {action}"


class CoderFile(CsvFile):
    """One coder's codings file (corpus/codings/<coder>.csv); rows are named by their id.

    Every change leaves a trace: `edited_at` on an edited coding, and a row in the coder's
    history file (`history`) for each edit, removal and restore.
    """

    noun = "coding"
    stamp = "edited_at"
    unstamped = POSITION
    optional = frozenset({"edited_at"})

    def __init__(self, path: Path):
        super().__init__(path, COLUMNS, key="id")
        self.history = _History(history_path(self.path), HISTORY_COLUMNS)
        """The coder's history file: append-only, one row per change, the coding as it was before."""

    @property
    def coder(self) -> str:
        return self.path.stem

    def _change_of(self, changed: dict[str, str]) -> str:
        # only where the quote is (re-anchored after its source's text was edited): not an edit
        return "reanchored" if changed.keys() <= POSITION else "edited"

    def _before_change(self, change: str, rows: list[dict]) -> None:
        # The history row is written (and flushed) before the coder's file is changed, under
        # its lock: a crash between the two leaves a history row for a change that did not
        # happen, never a change without its history. A history that cannot be written stops
        # the change.
        folder = self.history.path.parent
        made = not folder.is_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise NotSaved(self.history._not_saved(err)) from err
        changed_at = now()
        try:
            self.history.append_rows(*({**row, "change": change, "changed_at": changed_at} for row in rows))
        except BaseException:
            if made:  # leave no empty folder behind a change that did not happen
                try:
                    folder.rmdir()
                except OSError:
                    pass
            raise

    def restore(self, row: dict) -> dict:
        """Put back a removed coding (`row`: its values, as `remove` returned them), with its id,
        at the end of the file; recorded in the history as restored. Returns the row saved.

        AlreadyPresent if the file holds a coding with that id (restored already, or never removed).
        """
        coding_id = _cell(row.get("id")).strip()
        if not coding_id:
            raise CoderFileError(f"the coding to restore has no id; nothing was saved to {self.path.name}: "
                                 "restore the row that removing it gave back")
        values = {name: _cell(row.get(name)) for name in self.columns}
        values["id"] = coding_id
        with self._locked():
            if coding_id in self.keys():
                raise AlreadyPresent(f"{self.path.name} already holds a coding '{coding_id}' (restored already, or "
                                     "never removed); nothing was saved, so there are not two: edit that coding "
                                     "instead")
            self._before_change("restored", [values])
            self.append_rows(values)
        return values

    def append(self, *codings: dict) -> list[dict]:
        """Save new codings at the end of the file; returns them with their id and time.

        Missing ids and times are filled in; columns not in COLUMNS are ignored.
        """
        return self.append_rows(*({**c, "id": c.get("id") or new_id(), "coded_at": c.get("coded_at") or now()}
                                  for c in codings))

    def add_new(self, *codings: dict) -> list[dict]:
        """Save the codings whose id the file does not hold yet (under one lock, so that two
        imports of one sheet add it once); returns those saved."""
        with self._locked():
            have = self.keys()
            fresh = []
            for coding in codings:
                if coding.get("id") and coding["id"] not in have:
                    have.add(coding["id"])
                    fresh.append(coding)
            return self.append(*fresh) if fresh else []


class _History(CsvFile):
    """A coder's history file. It is written only while its coder's file is locked, so that
    lock is its lock too: it needs no lock file of its own."""

    noun = "coding"

    @contextmanager
    def _locked(self, writing: bool = True) -> Iterator[None]:
        if writing:
            self._clean_temp_files()
        yield


def find_row(text: str, key: str, column: str = "id") -> dict | None:
    """The first row of a CSV file's text (e.g. a coder's file as git holds it) whose `column` is
    `key`, by column, values stripped; None if there is none. Found quickly where the file is as
    litcoder writes it, else by reading every row."""
    shape, header = _shape_and_header(text, UTF8)
    if column not in header or key not in text:
        return None
    snapshot = _Snapshot(b"", None, shape, text, header)
    rows = _rows_by_first_cell(snapshot, key) if header[0] == column else None
    if rows is None:
        at = header.index(column)
        rows = [row for row in _readable_rows(snapshot) if row.cells[at].strip() == key]
    return _as_dict(header, rows[0].cells) if rows else None


def history_path(coder_path: Path) -> Path:
    """The history file of a coder's file: corpus/codings/history/<coder>.csv for corpus/codings/<coder>.csv."""
    coder_path = Path(coder_path)
    return coder_path.parent / HISTORY / coder_path.name


# ---------------------------------------------------------------- helpers

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no line-end translation on a raw descriptor
_OLD_TEMP = re.compile(r"[a-z0-9_]{8}")  # tempfile.mkstemp's names before temp files got their .tmp suffix
_CLEAN = {}  # separator → a pattern that matches a text whose quotes are all where the CSV rules put them


def _shape_and_header(text: str, encoding: TextEncoding) -> tuple[Shape, list[str]]:
    """A file's shape and header (lower case, stripped) from its text (or its first part)."""
    end = text.find("\n")
    first = text if end < 0 else text[: end + 1]
    delimiter = csv_delimiter(first)
    bare = first.rstrip("\r\n")
    quoted = r'"[^"]*"'
    quote_all = bool(bare) and re.fullmatch(f"{quoted}(?:{re.escape(delimiter)}{quoted})*", bare.lstrip("\ufeff"))
    shape = Shape(delimiter, bool(quote_all), "\r\n" if first.endswith("\r\n") else "\n", encoding)
    try:
        cells = next(csv.reader([first.lstrip("\ufeff")], delimiter=delimiter), [])
    except csv.Error:
        cells = []
    return shape, [h.strip().lower().lstrip("\ufeff") for h in cells]


def _utf8_accents(data: bytes) -> bool:
    """Whether `data` holds characters beyond ASCII, all in valid UTF-8."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _applied(header: list[str], cells: list[str], changed: dict[str, str]) -> list[str]:
    """A row's cells with the `changed` cells (by column, each in the header) put in."""
    new = list(cells)
    for name, cell in changed.items():
        new[header.index(name)] = cell
    return new


def _readable_rows(snapshot: _Snapshot) -> list[Row]:
    """The rows the reader (files.read_csv_rows) reads: readable, as many cells as the header, not blank."""
    lines = split_lines(snapshot.text)
    offsets = [0, *accumulate(len(line) for line in lines)]
    width = len(snapshot.header)
    records = csv_records(lines, snapshot.shape.delimiter)
    next(records, None)  # the header
    return [Row(offsets[r.start - 1], offsets[r.end], r.start, r.cells) for r in records
            if _readable(r, width) and any(c.strip() for c in r.cells)]


def _readable(record: CsvRecord, width: int) -> bool:
    return record.cells is not None and len(record.cells) == width


def _torn_start(records: list[CsvRecord], width: int, last_line: int) -> int | None:
    """The first line of a cut-off last row: the trailing run of unreadable records that run to
    the file's end (an unclosed quote is read again line by line), or None if the last row is whole."""
    start = None
    for record in reversed(records[1:]):
        blank = record.cells is not None and not any(c.strip() for c in record.cells)
        if blank or _readable(record, width) or record.end < last_line:
            break
        start = record.start
    return start


def _rows_by_first_cell(snapshot: _Snapshot, key: str) -> list[Row] | None:
    """The rows whose first cell is `key`, found quickly in a file whose quotes all follow the
    CSV rules (then a line end outside quotes, an even number of them before it, ends a
    record), each verified by reading it as CSV; None when unsure (the caller reads every row)."""
    text, delimiter = snapshot.text, snapshot.shape.delimiter
    if not key or key != key.strip() or any(c in key for c in f'"\r\n{delimiter}'):
        return None
    clean = _CLEAN.get(delimiter)
    if clean is None:
        d = re.escape(delimiter)
        clean = _CLEAN[delimiter] = re.compile(rf'(?:[^"]++|(?<![^{d}\n])(?:"[^"]*+")++(?=[{d}\r\n]|\Z))*+')
    if '"' in text and clean.match(text).end() != len(text):
        return None
    patterns = (f"\n{key}{delimiter}", f'\n"{key}"{delimiter}')
    starts = sorted(at for pattern in patterns for at in _find_all(text, pattern))
    rows, quotes, counted = [], 0, 0
    for at in starts:
        quotes += text.count('"', counted, at)
        counted = at
        if quotes % 2:  # inside a quoted cell: the reader may read it as a row; let it decide
            return None
        end, inside = at + 1, 0
        while True:
            newline = text.find("\n", end)
            if newline < 0:
                end = len(text)
                break
            inside += text.count('"', end, newline)
            end = newline + 1
            if inside % 2 == 0:
                break
        try:
            cells = next(csv.reader(split_lines(text[at + 1:end]), delimiter=delimiter, strict=True))
        except (csv.Error, StopIteration):
            return None
        if len(cells) != len(snapshot.header) or cells[0].strip() != key:
            return None
        rows.append(Row(at + 1, end, 0, cells))
    if len(rows) > 1:  # line numbers only for the message
        rows = [row._replace(line=text.count("\n", 0, row.start) + 1) for row in rows]
    return rows or None


def _find_all(text: str, pattern: str) -> Iterator[int]:
    at = text.find(pattern)
    while at >= 0:
        yield at
        at = text.find(pattern, at + 1)


def _widened(snapshot: _Snapshot, rows: list[Row], missing: list[str], edits: dict[int, str]
             ) -> list[tuple[int, int, str]]:
    """Splices that add empty `missing` columns to the header and every row (the rows in `edits`,
    by start, are replaced by their new line instead), keeping each row's bytes and line end."""
    shape = snapshot.shape
    empty = '""' if shape.quote_all else ""
    header_end = snapshot.text.find("\n") + 1 or len(snapshot.text)
    names = "".join(shape.delimiter + (f'"{name}"' if shape.quote_all else name) for name in missing)
    out = [(0, header_end, _before_line_end(snapshot.text[:header_end], names))]
    cells = (shape.delimiter + empty) * len(missing)
    for row in rows:
        new = edits.get(row.start)
        out.append((row.start, row.end, new if new is not None
                    else _before_line_end(snapshot.text[row.start:row.end], cells)))
    return out


def _before_line_end(line: str, added: str) -> str:
    body = line.rstrip("\r\n")
    return body + added + line[len(body):]


def _spliced(text: str, edits: list[tuple[int, int, str]]) -> str:
    """`text` with each span [start, end) replaced (spans do not overlap)."""
    pieces, last = [], 0
    for start, end, new in sorted(edits, key=lambda edit: edit[0]):
        pieces += [text[last:start], new]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _differs(header: list[str], cells: list[str], expected: dict | None) -> list[str]:
    """The columns whose cell is not the expected value (both stripped)."""
    if not expected:
        return []
    values = _as_dict(header, cells)
    return [name for name, value in expected.items()
            if name in values and values[name] != _cell(value).strip()]


def _as_dict(header: list[str], cells: list[str]) -> dict:
    """A row by column, stripped; a repeated column counts once, by its first cell (as the reader reads it)."""
    values: dict[str, str] = {}
    for name, cell in zip(header, cells):
        values.setdefault(name, cell.strip())
    return values


def _check_encodable(text: str, name: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise CoderFileError(f"the text holds a character that no file can store (U+{ord(err.object[err.start]):04X},"
                             f" half of a pair); nothing was saved to {name}: retype the text around it") from err


def _read_at(fd: int, offset: int, size: int) -> bytes:
    """Up to `size` bytes from `offset` of an open file (appends still go to its end)."""
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte, however many writes it takes; OSError if the system stops taking them."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "no byte could be written")
        view = view[written:]


def _append_to(path: Path, data: bytes, message) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _BINARY, 0o666)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        raise NotSaved(message(err)) from err


def _write_file(path: Path, data: bytes, message, mode: int | None = None) -> None:
    """`path` holding `data`, written whole to a temp file (fsynced), then renamed into place, so
    a reader sees the old file or the new one; `message(err)` says what was not saved."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise NotSaved(message(err)) from err
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise NotSaved(message(err)) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    """Flush a rename to disk (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode(status: os.stat_result | None) -> int | None:
    return stat.S_IMODE(status.st_mode) if status is not None else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a data frame
        return ""
    return str(value)
