"""Coder files in every shape people have, and writes that fail loudly (issue 19).

A coder's file comes from litcoder, from Excel in a European locale (semicolons), from
Excel on Windows (Windows-1252), from R (every cell in quotes), from a UTF-16 export, or
from a text editor. Each test takes one shape or one way a write can go wrong, drives the
real path a coder takes (the coding session, import-sheet, reanchor, or the store under
them), and checks the file byte for byte as another program would read it: written back
in its own shape, never in a mix; or, when the write cannot happen, left as it was with a
message that says so.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import multiprocessing
import os
import re
import shutil
import stat
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, coder_file, read_rows
from openpyxl import Workbook

from litcoder import Review
from litcoder.files import FIELD_LIMIT, read_csv_rows
from litcoder.inputs.codings import KNOWN, REQUIRED, reanchor
from litcoder.inputs.coverage import CoverageFile
from litcoder.problems import ProblemLog
from litcoder.screens import sheet as sheet_module
from litcoder.screens.session import CodingError, CodingSession
from litcoder.screens.sheet import import_sheet
from litcoder.store import (
    COLUMNS,
    ChangedMeanwhile,
    CoderFile,
    CoderFileError,
    CodingNotFound,
    DuplicateId,
    NotSaved,
    ReadOnlyFile,
    UnreadableFile,
)

CODER_FILES = FIXTURES / "coder-files"
SHEETS = FIXTURES / "sheets"
KOTTER = "Kotter1990WhatLeaders"
P3_QUOTE = "The manager decides on targets for the coming year or so"  # Kotter, passage 3
HEADING = "## Two kinds of work, three pairs of processes\n\n"
NEW_PARAGRAPH = "A paragraph added by the committee after a second reading, before Kotter's argument begins."

# The shapes coder files come in: separator, every cell quoted, line end, codec, byte-order mark.
SHAPES = {
    "semicolon-excel": (";", False, "\r\n", "utf-8", codecs.BOM_UTF8),        # Excel, CSV UTF-8, German locale
    "semicolon-windows-1252": (";", False, "\r\n", "cp1252", b""),           # Excel, CSV, French locale
    "windows-1252": (",", False, "\r\n", "cp1252", b""),                     # Excel, CSV, English locale
    "utf-16": (",", False, "\r\n", "utf-16-le", codecs.BOM_UTF16_LE),        # an export in "Unicode"
    "r-write-csv": (",", True, "\n", "utf-8", b""),                          # R: write.csv(..., row.names = FALSE)
}


def render(rows: list[list[str]], shape: tuple) -> str:
    delimiter, quote_all, line_end, _, _ = shape
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end,
               quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue()


def reshape(path: Path, shape: tuple) -> None:
    """Save a litcoder-written coder file again in another shape, as that program would."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    path.write_bytes(shape[4] + render(rows, shape).encode(shape[3]))


def assert_in_shape(path: Path, shape: tuple) -> list[list[str]]:
    """The file is wholly in `shape`: its byte-order mark, every byte in its encoding, and every
    row (old, edited or new) as that program writes it; returns the rows."""
    delimiter, _, _, codec, bom = shape
    data = path.read_bytes()
    assert data.startswith(bom)
    if not bom:
        assert not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = data[len(bom):].decode(codec)  # strict: a byte of another encoding fails here
    assert "Ã" not in text and "â€" not in text  # UTF-8 read as Windows-1252: a mix
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert text == render(rows, shape)
    return rows


def insert_paragraph(root: Path) -> None:
    path = root / "corpus" / "sources" / f"{KOTTER}.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(HEADING) == 1
    path.write_text(text.replace(HEADING, HEADING + NEW_PARAGRAPH + "\n\n"), encoding="utf-8", newline="")


def file_problems(review: Review, coder: str) -> list[tuple[str, int | None, str]]:
    return [(p.severity, p.line, p.kind) for p in review.problems if p.file == f"corpus/codings/{coder}.csv"]


def codings_of(review: Review, coder: str):
    return review.codings[review.codings["coder"] == coder].set_index("id")


def code_in_every_way(root: Path, coder: str = "coder-b") -> dict:
    """What a coder does to their file: save, edit, remove, import a sheet, and reanchor after an
    edit to the source. Returns the saved coding."""
    session = CodingSession(Review.load(root), coder)
    session.open(KOTTER)
    session.go(3)
    saved = session.save("planning", "management", P3_QUOTE, memo="naïve – “planning”; with a comma, and a ;")
    session.edit(saved["id"], memo="edited: ½ done, “still” naïve")
    session.remove(f"{coder}-0006")
    result = import_sheet(Review.load(root), SHEETS / "clean-sheet.csv", coder)
    assert (result.added, [p for p in result.problems if p.severity == "error"]) == (4, [])
    insert_paragraph(root)
    [summary] = [s for s in reanchor(Review.load(root)) if s["file"] == f"corpus/codings/{coder}.csv"]
    assert summary["updated"] == 14 + 1 - 1 + 2 and "notices" not in summary  # Kotter's: 14, +saved, -removed, +2
    return saved


def assert_coded_in_every_way(root: Path, bundled: Review, saved: dict, coder: str = "coder-b") -> None:
    after = Review.load(root)
    mine, before = codings_of(after, coder), codings_of(bundled, coder)
    assert len(mine) == len(before) + 1 - 1 + 4
    assert mine.loc[saved["id"], "memo"] == "edited: ½ done, “still” naïve"
    assert f"{coder}-0006" not in mine.index
    assert mine["anchored"].all() and (mine["anchor"] == "position").all()  # every new place written back
    kept = before.drop(index=f"{coder}-0006")
    assert mine.loc[kept.index, "quote"].tolist() == kept["quote"].tolist()


# ---------------------------------------------------------------- 1, 8, 10, 12: every shape, written back as it is


def test_semicolon_coder_file_is_written_back_with_semicolons(review_copy, bundled):
    shape = SHAPES["semicolon-excel"]
    path = coder_file(review_copy, "coder-b")
    reshape(path, shape)
    loaded = Review.load(review_copy)
    assert file_problems(loaded, "coder-b") == []
    assert codings_of(loaded, "coder-b")["quote"].tolist() == codings_of(bundled, "coder-b")["quote"].tolist()
    header = path.read_bytes().split(b"\r\n", 1)[0]
    saved = code_in_every_way(review_copy)
    rows = assert_in_shape(path, shape)
    # never a mixed header: the first edit adds edited_at, in the file's own shape
    assert path.read_bytes().split(b"\r\n", 1)[0] == header + b";edited_at"
    assert len(rows[0]) == len(COLUMNS) and all(len(row) == len(COLUMNS) for row in rows)
    assert_coded_in_every_way(review_copy, bundled, saved)
    assert file_problems(Review.load(review_copy), "coder-b") == []


@pytest.mark.parametrize("name", ["windows-1252", "semicolon-windows-1252"])
def test_windows_1252_coder_file_is_written_back_in_windows_1252(review_copy, bundled, name):
    shape = SHAPES[name]
    path = coder_file(review_copy, "coder-b")
    reshape(path, shape)
    assert file_problems(Review.load(review_copy), "coder-b") == [("warning", 5, "encoding")]
    saved = code_in_every_way(review_copy)
    assert_in_shape(path, shape)
    assert_coded_in_every_way(review_copy, bundled, saved)
    after = Review.load(review_copy)
    assert file_problems(after, "coder-b") == [("warning", 5, "encoding")]  # read, and still said


def test_a_fully_quoted_coder_file_takes_edits_and_removals(review_copy, bundled):
    shape = SHAPES["r-write-csv"]
    path = coder_file(review_copy, "coder-b")
    reshape(path, shape)
    saved = code_in_every_way(review_copy)
    assert_in_shape(path, shape)
    assert_coded_in_every_way(review_copy, bundled, saved)


def test_a_file_saved_by_r_with_numbers_unquoted_takes_edits_and_new_rows(review_copy):
    path = coder_file(review_copy, "coder-r")
    shutil.copy(CODER_FILES / "r-write-csv.csv", path)
    store = CoderFile(path)
    store.update("r-2", memo="edited, with “quotes”")
    store.remove("r-1")
    [new] = store.append({"citekey": KOTTER, "passage": 3, "quote": P3_QUOTE, "competency": "planning",
                          "framing": "management", "start": 1138, "end": 1194})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"id","citekey","passage"')
    assert lines[1].startswith('"r-2","Kotter1990WhatLeaders","2","its job')  # in its place, every cell quoted
    assert re.search('"edited, with “quotes”","2026-09-16T09:17:17[+]00:00","908","939",'
                     '"ving and more competitive – and ",". The more an organisation must ","NA","[0-9T:+-]+"$',
                     lines[1])  # the edit's time in a column of its own, quoted as the file quotes
    # untouched but for the edited_at column the first edit adds, quoted as the file quotes
    assert lines[2] == (CODER_FILES / "r-write-csv.csv").read_text(encoding="utf-8").splitlines()[3] + ',""'
    assert lines[3].startswith(f'"{new["id"]}","{KOTTER}","3",')  # a new row in quotes, as the file has them
    review = Review.load(review_copy)
    assert file_problems(review, "coder-r") == []
    assert codings_of(review, "coder-r")["memo"].tolist() == ["edited, with “quotes”",
                                                              'saved from R: write.csv(codings, row.names = FALSE), '
                                                              'every text cell in "quotes"', ""]


@pytest.mark.parametrize("name", ["utf-16", "windows-1252"])
def test_import_sheet_into_a_utf16_or_windows_1252_coder_file(review_copy, bundled, name):
    shape = SHAPES[name]
    path = coder_file(review_copy, "coder-a")
    reshape(path, shape)
    before = codings_of(Review.load(review_copy), "coder-a")
    result = import_sheet(Review.load(review_copy), SHEETS / "clean-sheet.csv", "coder-a")
    assert (result.rows, result.added, result.problems) == (4, 4, [])
    assert_in_shape(path, shape)
    after = Review.load(review_copy)
    mine = codings_of(after, "coder-a")
    assert len(mine) == len(before) + 4 and mine.loc[before.index, "quote"].tolist() == before["quote"].tolist()
    assert [k for _, _, k in file_problems(after, "coder-a")] == ([] if name == "utf-16" else ["encoding"])
    again = import_sheet(after, SHEETS / "clean-sheet.csv", "coder-a")
    assert (again.added, again.already_there) == (0, 4)


def test_a_utf16_coder_file_is_read_and_one_without_a_byte_order_mark_gets_a_plain_message(review_copy, bundled):
    path = coder_file(review_copy, "coder-b")
    reshape(path, SHAPES["utf-16"])
    review = Review.load(review_copy)
    assert file_problems(review, "coder-b") == []
    assert codings_of(review, "coder-b")["quote"].tolist() == codings_of(bundled, "coder-b")["quote"].tolist()
    path.write_bytes(path.read_bytes()[2:])  # the same text without its byte-order mark
    review = Review.load(review_copy)
    [problem] = [p for p in review.problems if p.file == "corpus/codings/coder-b.csv"]
    assert (problem.severity, problem.kind) == ("error", "csv-encoding")
    assert "UTF-16 text without a byte-order mark" in problem.message and "new-line" not in problem.message
    assert "CSV UTF-8" in problem.action
    before = path.read_bytes()
    for write in (lambda s: s.append({"citekey": KOTTER, "quote": "q"}), lambda s: s.remove("coder-b-0001")):
        with pytest.raises(UnreadableFile, match=r"without a byte-order mark.*; nothing was saved"):
            write(CoderFile(path))
    assert path.read_bytes() == before


def test_every_shape_is_read_with_the_same_rows_and_lines_by_the_reader_and_the_store(tmp_path):
    for name, shape in SHAPES.items():
        path = tmp_path / f"{name}.csv"
        shutil.copy(CODER_FILES / "memo-line-like-a-row.csv", path)
        reshape(path, shape)
        log = ProblemLog(path.name)
        read = [(row.line, row.values["id"]) for row in read_csv_rows(path, log, REQUIRED, KNOWN)]
        store = CoderFile(path)
        stored = [(row.line, row.cells[0]) for row in store._rows(store._load())]
        assert read == stored == [(2, "1"), (6, "2"), (7, "3")], name
        assert [p.kind for p in log] in ([], ["encoding"])


# ---------------------------------------------------------------- 2: a full disk


def _full_disk_after(monkeypatch, written: int):
    """os.write that writes `written` bytes, then finds the disk full."""
    real, calls = os.write, []

    def write(fd, data):
        calls.append(len(data))
        if len(calls) == 1 and written:
            return real(fd, bytes(data[:written]))
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", write)
    return calls


CODING = {"citekey": KOTTER, "passage": 3, "quote": "plans, \"budgets\"\nand targets", "competency": "budgeting",
          "framing": "management", "memo": "a memo, with a comma"}


def test_a_save_on_a_full_disk_fails_loudly_and_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    store.append(CODING)
    before = path.read_bytes()
    calls = _full_disk_after(monkeypatch, 40)  # a short write, then no space at all
    with pytest.raises(NotSaved) as err:
        store.append({**CODING, "memo": "lost?"})
    monkeypatch.undo()
    assert len(calls) == 2
    assert "the coding was NOT saved (the disk may be full)" in str(err.value)
    assert path.read_bytes() == before  # cut back: no half row
    store.append({**CODING, "memo": "after space was freed"})
    assert [r["memo"] for r in read_rows(path)] == ["a memo, with a comma", "after space was freed"]


def test_an_edit_on_a_full_disk_leaves_the_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    [coding] = store.append(CODING)
    before = path.read_bytes()
    _full_disk_after(monkeypatch, 0)
    saying = "coder-a.csv: the coding was NOT saved (the disk may be full); the file is as it was"
    with pytest.raises(NotSaved, match=re.escape(saying)):
        store.update(coding["id"], memo="changed")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coder-a.csv", "coder-a.csv.lock"]


def test_short_writes_are_written_on_until_every_byte_has_landed(tmp_path, monkeypatch):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    store.append(CODING)
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))  # a pipe-like, short write
    store.append({**CODING, "memo": "written seven bytes at a time"})
    monkeypatch.undo()
    assert [r["memo"] for r in read_rows(path)] == ["a memo, with a comma", "written seven bytes at a time"]


def test_import_sheet_on_a_full_disk_reports_nothing_added(review_copy, monkeypatch):
    path = coder_file(review_copy, "coder-a")
    before = path.read_bytes()
    review = Review.load(review_copy)
    _full_disk_after(monkeypatch, 100)
    result = import_sheet(review, SHEETS / "clean-sheet.csv", "coder-a")
    monkeypatch.undo()
    assert (result.rows, result.added) == (4, 0)
    [problem] = result.problems
    assert (problem.severity, problem.kind) == ("error", "sheet-coder-file")
    assert "nothing was imported" in problem.message and "NOT saved (the disk may be full)" in problem.message
    assert path.read_bytes() == before


# ---------------------------------------------------------------- 3, 5: rows found by reading the file, ids unique


def test_removing_a_coding_never_touches_a_memo_line_that_looks_like_a_row(tmp_path):
    path = tmp_path / "coder-h.csv"
    shutil.copy(CODER_FILES / "memo-line-like-a-row.csv", path)
    store = CoderFile(path)
    memo = read_rows(path)[0]["memo"]
    assert "\n2, it sets targets\n" in memo
    removed = store.remove("2")
    assert removed["quote"] == "allocates money and other resources to each step"
    assert [(r["id"], r["memo"]) for r in read_rows(path)] == [
        ("1", memo), ("3", "memo of a hand-made file: short numeric ids")]
    store.update("3", framing="both")
    assert [(r["id"], r["memo"], r["framing"]) for r in read_rows(path)] == [
        ("1", memo, "management"), ("3", "memo of a hand-made file: short numeric ids", "both")]
    with pytest.raises(CodingNotFound, match=re.escape("no coding '2' in coder-h.csv")):
        store.update("2", memo="x")


def test_an_edit_of_an_id_two_rows_share_is_refused(tmp_path):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    store.append({**CODING, "id": "same"}, {**CODING, "id": "other"}, {**CODING, "id": "same", "quote": "second"})
    before = path.read_bytes()
    for change in (lambda: store.update("same", memo="x"), lambda: store.remove("same")):
        with pytest.raises(DuplicateId, match=r"'same' is the id of more than one row of coder-a.csv \(lines 2, 6\)"):
            change()
    assert path.read_bytes() == before
    report = store.update_many({"same": {"quote": "first"}, "other": {"memo": "changed"}})
    assert (report.changed, report.duplicated) == (1, {"same": [2, 6]})
    assert [(r["id"], r["quote"], r["memo"]) for r in read_rows(path)] == [
        ("same", CODING["quote"], CODING["memo"]), ("other", CODING["quote"], "changed"),
        ("same", "second", CODING["memo"])]


def test_reanchor_leaves_rows_that_share_an_id_alone(review_copy):
    path = coder_file(review_copy, "coder-a")
    rows = read_rows(path)
    twin = next(r for r in rows if r["id"] == "coder-a-0002")
    other = next(r for r in rows if r["citekey"] == KOTTER and r["passage"] == "3")
    with open(path, "a", newline="", encoding="utf-8") as f:  # a hand-made copy keeps another row's id
        csv.writer(f, lineterminator="\n").writerow([{**other, "id": twin["id"]}[c] for c in rows[0]])
    twins_before = [line for line in path.read_bytes().split(b"\n") if line.startswith(b"coder-a-0002,")]
    insert_paragraph(review_copy)
    [summary] = [s for s in reanchor(Review.load(review_copy)) if s["file"].endswith("coder-a.csv")]
    assert summary["updated"] == 13  # Kotter's 14, less the one whose id two rows share
    assert summary["notices"] == ["corpus/codings/coder-a.csv: id 'coder-a-0002' is on more than one row "
                                  "(lines 3, 187), so none of them was re-anchored: give each row its own id, "
                                  "then run reanchor again"]
    assert [line for line in path.read_bytes().split(b"\n") if line.startswith(b"coder-a-0002,")] == twins_before


# ---------------------------------------------------------------- 4: the end of a file edited by hand


def test_a_complete_last_row_with_a_multi_line_memo_and_no_line_end_is_kept(tmp_path):
    path = tmp_path / "coder-h.csv"
    shutil.copy(CODER_FILES / "multi-line-memo-no-final-newline.csv", path)
    store = CoderFile(path)
    store.append({**CODING, "memo": "after the hand edit"})
    rows = read_rows(path)
    assert [r["id"] for r in rows][:2] == ["hand-1", "hand-2"]
    assert rows[1]["memo"] == "edited by hand in a text editor:\na memo over two lines, and the file left without a " \
                              "line end"
    assert rows[2]["memo"] == "after the hand edit"
    assert not (tmp_path / "coder-h.csv.torn").exists() and store.notices == []


def test_a_row_cut_off_over_several_lines_is_moved_aside_whole(tmp_path):
    path = tmp_path / "coder-e.csv"
    store = CoderFile(path)
    store.append(CODING)
    with open(path, "ab") as f:  # a power cut in the middle of a quote that spans lines
        f.write(b'abc123,Kotter1990WhatLeaders,4,"a quote over\ntwo lines, cut off in the mid')
    store.append({**CODING, "memo": "after the crash"})
    assert [r["memo"] for r in read_rows(path)] == [CODING["memo"], "after the crash"]
    torn = (tmp_path / "coder-e.csv.torn").read_text(encoding="utf-8")
    assert torn == 'abc123,Kotter1990WhatLeaders,4,"a quote over\ntwo lines, cut off in the mid\n'
    assert store.notices == ["coder-e.csv: its last row (line 4) was cut off (a crash during a save?); it was moved "
                             "to coder-e.csv.torn so that you can check it"]


def test_an_older_semicolon_file_gains_the_anchor_columns_with_semicolons(review_copy):
    path = coder_file(review_copy, "coder-s")
    shutil.copy(FIXTURES / "codings" / "semicolon-european-excel.csv", path)  # 8 columns, no anchors
    session = CodingSession(Review.load(review_copy), "coder-s")
    session.open(KOTTER)
    session.go(3)
    session.save("budgeting", "management", "allocates money and other resources to each step")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id;citekey;passage;quote;competency;framing;memo;coded_at;start;end;prefix;suffix;page"
    assert lines[1].endswith(";2026-10-01T10:00:00+00:00;;;;;")  # an old row: five empty cells more
    assert lines[-1].count(";") == 12 and ",1255," not in lines[-1] and ";1255;1303;" in lines[-1]
    review = Review.load(review_copy)
    assert file_problems(review, "coder-s") == []
    assert len(codings_of(review, "coder-s")) == 4


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b"\r\n\r\n", b"   \n"])
def test_an_empty_or_blank_coder_file_gets_its_header(tmp_path, content):
    path = tmp_path / "coder-a.csv"
    path.write_bytes(content)
    CoderFile(path).append(CODING)
    rows = read_rows(path)
    assert list(rows[0]) == COLUMNS and rows[0]["memo"] == CODING["memo"] and len(rows) == 1


def test_a_file_whose_first_line_is_blank_but_holds_rows_is_refused(tmp_path):
    path = tmp_path / "coder-a.csv"
    path.write_bytes(b"\nx1,K,1,q,planning,management\n")
    with pytest.raises(CoderFileError, match=re.escape("the first line of coder-a.csv is blank")):
        CoderFile(path).append(CODING)
    assert path.read_bytes() == b"\nx1,K,1,q,planning,management\n"


# ---------------------------------------------------------------- 6: a rewrite never undoes an edit


def _fuzzy_review(root: Path) -> Review:
    """A review in which coder-a-0003's quote no longer matches its source word for word: reanchor
    would write the source's words into the quote."""
    source = root / "corpus" / "sources" / f"{KOTTER}.md"
    source.write_text(source.read_text(encoding="utf-8").replace("the detailed steps", "the detialed steps"),
                      encoding="utf-8")
    for coder in ("coder-a", "coder-b"):
        path = coder_file(root, coder)
        path.write_text(path.read_text(encoding="utf-8").replace("detailed steps", "detialed steps"),
                        encoding="utf-8")
    Review.load(root)
    source.write_text(source.read_text(encoding="utf-8").replace("the detialed steps", "the detailed steps"),
                      encoding="utf-8")
    review = Review.load(root)
    assert codings_of(review, "coder-a").loc["coder-a-0003", "anchor"] == "fuzzy"
    return review


def test_reanchor_does_not_undo_an_edit_made_after_the_review_was_read(review_copy):
    review = _fuzzy_review(review_copy)
    path = coder_file(review_copy, "coder-a")
    # the coder, in another window, gives coder-a-0003 another quote after reanchor's review was read
    session = CodingSession(Review.load(review_copy), "coder-a")
    session.open(KOTTER)
    session.edit("coder-a-0003", quote="allocates money and other resources to each step")
    reanchor(review)
    row = next(r for r in read_rows(path) if r["id"] == "coder-a-0003")
    assert row["quote"] == "allocates money and other resources to each step"
    text = review.texts[KOTTER]
    assert text[int(row["start"]):int(row["end"])] == row["quote"]


def test_reanchor_leaves_a_row_changed_between_its_read_and_its_write(review_copy, monkeypatch):
    review = _fuzzy_review(review_copy)
    path = coder_file(review_copy, "coder-a")
    real = CoderFile.update_many

    def edit_meanwhile(store, changes, expected=None):
        if store.path == path:  # a hand edit lands just before reanchor writes
            path.write_text(path.read_text(encoding="utf-8").replace(
                "spells out the detialed steps needed to meet them,planning,management,",
                "spells out the detialed steps needed to meet them,planning,management,checked by hand", 1),
                encoding="utf-8")
        return real(store, changes, expected)
    monkeypatch.setattr(CoderFile, "update_many", edit_meanwhile)
    summaries = {s["file"]: s for s in reanchor(review)}
    row = next(r for r in read_rows(path) if r["id"] == "coder-a-0003")
    assert (row["quote"], row["memo"]) == ("spells out the detialed steps needed to meet them", "checked by hand")
    assert summaries["corpus/codings/coder-a.csv"]["notices"] == [
        "corpus/codings/coder-a.csv: 1 codings changed meanwhile (in another window or by hand) and were left as "
        "they are; run reanchor again"]
    assert "notices" not in summaries["corpus/codings/coder-b.csv"]
    monkeypatch.undo()
    reanchor(Review.load(review_copy))  # run again, as the notice says
    row = next(r for r in read_rows(path) if r["id"] == "coder-a-0003")
    assert (row["quote"], row["memo"]) == ("spells out the detailed steps needed to meet them", "checked by hand")


def test_an_edit_in_the_coding_screen_does_not_undo_one_made_in_another_window(review_copy):
    first = CodingSession(Review.load(review_copy), "coder-a")
    second = CodingSession(Review.load(review_copy), "coder-a")
    for session in (first, second):
        session.open(KOTTER)
    first.edit("coder-a-0003", memo="from the first window")
    before = coder_file(review_copy, "coder-a").read_bytes()
    with pytest.raises(CodingError, match=re.escape("was changed in coder-a.csv since it was read (its memo")):
        second.edit("coder-a-0003", framing="both")
    assert coder_file(review_copy, "coder-a").read_bytes() == before
    second.edit("coder-a-0003", framing="both")  # made again, on the other window's change
    row = next(r for r in read_rows(coder_file(review_copy, "coder-a")) if r["id"] == "coder-a-0003")
    assert (row["memo"], row["framing"]) == ("from the first window", "both")
    store = CoderFile(coder_file(review_copy, "coder-a"))
    with pytest.raises(ChangedMeanwhile):
        store.update("coder-a-0003", expected={"memo": ""}, framing="both")


# ---------------------------------------------------------------- 7: a quote longer than 128 KB


def test_a_quote_longer_than_128_kb_is_saved_and_loads_again(review_copy):
    source = review_copy / "corpus" / "sources" / f"{KOTTER}.md"
    long_passage = " ".join(f"Sentence {i} of a very long passage on planning and budgeting." for i in range(4000))
    assert len(long_passage) > 200_000
    source.write_text(source.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + long_passage + "\n",
                      encoding="utf-8")
    session = CodingSession(Review.load(review_copy), "coder-d")
    session.open(KOTTER)
    session.go(len(session.passages))
    saved = session.save("planning", "management")  # no quote: the whole passage
    assert len(saved["quote"]) == len(long_passage)
    review = Review.load(review_copy)
    assert file_problems(review, "coder-d") == []
    assert codings_of(review, "coder-d").loc[saved["id"], "quote"] == long_passage
    assert len(CoderFile(coder_file(review_copy, "coder-d")).rows()) == 1
    result = import_sheet(review, SHEETS / "clean-sheet.csv", "coder-d")
    assert (result.added, result.problems) == (4, [])
    assert [s["updated"] for s in reanchor(Review.load(review_copy)) if s["file"].endswith("coder-d.csv")] == [0]


def test_a_cell_longer_than_the_field_limit_is_refused_not_saved(tmp_path, monkeypatch):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    store.append(CODING)
    before = path.read_bytes()
    monkeypatch.setattr("litcoder.store.FIELD_LIMIT", 1000)
    with pytest.raises(CoderFileError, match="the memo is 1,001 characters long, more than the 1,000 a cell"):
        store.append({**CODING, "memo": "m" * 1001})
    assert path.read_bytes() == before
    assert FIELD_LIMIT == csv.field_size_limit() >= 64 * 2**20  # what a save may write, a read reads


# ---------------------------------------------------------------- 8: Windows-1252, and a value it cannot hold


def test_a_windows_1252_file_gets_windows_1252_even_when_its_accents_are_far_down(tmp_path):
    path = tmp_path / "coder-w.csv"
    row = ["", KOTTER, "3", P3_QUOTE, "planning", "management", "", "", "1138", "1194", "", "", ""]
    rows = [[c for c in COLUMNS if c != "edited_at"]] + [[f"w{i}", *row[1:]] for i in range(1500)]
    rows += [["w-last", *row[1:6], "naïve, as Excel saved it", *row[7:]]]
    path.write_bytes(render(rows, SHAPES["windows-1252"]).encode("cp1252"))
    assert path.stat().st_size > 100_000  # the accent is past the part an append reads first
    CoderFile(path).append({**CODING, "memo": "café – “naïve”"})
    data = path.read_bytes()
    assert "café – “naïve”".encode("cp1252") in data and "café".encode() not in data
    log = ProblemLog(path.name)
    read = read_csv_rows(path, log, REQUIRED, KNOWN)
    assert [r.values["memo"] for r in read[-2:]] == ["naïve, as Excel saved it", "café – “naïve”"]


def test_a_value_windows_1252_cannot_hold_converts_the_file_once_with_a_backup(review_copy, bundled):
    path = coder_file(review_copy, "coder-b")
    reshape(path, SHAPES["windows-1252"])
    original = path.read_bytes()
    session = CodingSession(Review.load(review_copy), "coder-b")
    session.open(KOTTER)
    session.go(3)
    session.save("planning", "management", P3_QUOTE, memo="naïve 📈 planning")
    notices = session.notices()
    assert notices == ["coder-b.csv was saved as Windows-1252, which cannot hold “📈”; it is now UTF-8 (with a "
                       "byte-order mark, so that Excel reads it right), and the file as it was is kept as "
                       "coder-b.csv.bak"]
    assert (path.parent / "coder-b.csv.bak").read_bytes() == original
    assert_in_shape(path, (",", False, "\r\n", "utf-8", codecs.BOM_UTF8))
    session.save("budgeting", "management", "allocates money and other resources to each step", memo="🙂 again")
    assert session.notices() == []  # converted once
    review = Review.load(review_copy)
    mine = codings_of(review, "coder-b")
    assert len(mine) == len(codings_of(bundled, "coder-b")) + 2
    assert mine["memo"].iloc[-2:].tolist() == ["naïve 📈 planning", "🙂 again"]
    assert mine["quote"].iloc[:-2].tolist() == codings_of(bundled, "coder-b")["quote"].tolist()
    assert file_problems(review, "coder-b") == []
    backup = [p for p in review.problems if p.file == "corpus/codings/coder-b.csv.bak"]
    assert [(p.severity, p.kind) for p in backup] == [("info", "coding-file")]


# ---------------------------------------------------------------- 9: read-only files


def test_a_read_only_coder_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    [coding] = store.append(CODING)
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        for write in (lambda: store.update(coding["id"], memo="x"), lambda: store.remove(coding["id"]),
                      lambda: store.append(CODING), lambda: store.update_many({coding["id"]: {"memo": "x"}})):
            with pytest.raises(ReadOnlyFile, match=re.escape("coder-a.csv is read-only; the coding was NOT saved: "
                                                             "make the file writable (or ask its owner to)")):
                write()
        assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    finally:
        path.chmod(0o644)


def test_a_rewrite_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    [coding] = store.append(CODING)
    path.chmod(0o640)
    store.update(coding["id"], memo="edited")
    store.append(CODING)
    store.remove(coding["id"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_coding_screen_says_a_read_only_file_was_not_saved(review_copy):
    from litcoder.screens.coding import CodingScreen

    screen = CodingScreen(Review.load(review_copy))
    screen.coder.value = "coder-a"
    screen.start.click()
    screen.confirm.children[0].click()  # "I am coder-a"
    screen.session.open(KOTTER)
    screen.session.go(1)
    path = coder_file(review_copy, "coder-a")
    path.chmod(0o444)
    try:
        coding = screen.session.my_codings()[0]
        screen._remove(coding)
        assert "coder-a.csv is read-only; the coding was NOT saved" in screen.pad.status
        assert screen.pad.status_kind == "error"
        assert coding["id"] in [c["id"] for c in screen.session.my_codings()]
    finally:
        path.chmod(0o644)


# ---------------------------------------------------------------- 11: temp files


def test_temp_files_are_named_for_git_to_ignore_and_stale_ones_are_removed(tmp_path, monkeypatch):
    path = tmp_path / "coder-b.csv"
    store = CoderFile(path)
    [coding] = store.append(CODING)
    old = time.time() - 3600
    stale = [tmp_path / ".coder-b.csv.k2j3h4g5.tmp", tmp_path / ".coder-b.csv.q9w8e7r6"]  # ours, and an older name
    live = tmp_path / ".coder-b.csv.a1b2c3d4.tmp"  # another writer's, a moment ago
    others = [tmp_path / ".coder-a.csv.z1x2c3v4.tmp", tmp_path / ".notes.tmp"]  # not this file's
    for leftover in stale + others:
        leftover.write_text("half a file", encoding="utf-8")
        os.utime(leftover, (old, old))
    live.write_text("being written", encoding="utf-8")
    names = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (names.append(Path(src).name), real(src, dst))[1])
    store.update(coding["id"], memo="edited")
    monkeypatch.undo()
    assert names and all(n.endswith(".tmp") for n in names)
    temp = names[-1]  # the codings file's own (the history file's comes first)
    assert temp.startswith(".coder-b.csv.") and temp.endswith(".tmp")  # git ignores .*.tmp
    assert not any(p.exists() for p in stale)
    assert live.exists() and all(p.exists() for p in others)


# ---------------------------------------------------------------- 13 (and 12): what a reader is told


def test_a_file_with_a_cell_over_the_limit_is_a_problem_not_an_internal_error(tmp_path):
    path = tmp_path / "coder-a.csv"
    store = CoderFile(path)
    one_line = {**CODING, "quote": "plans and budgets"}
    store.append(one_line, {**one_line, "memo": "m" * 5000}, {**one_line, "memo": "last"})
    csv.field_size_limit(1000)  # as if a hand-made cell were over the real limit
    try:
        log = ProblemLog(path.name)
        rows = read_csv_rows(path, log, REQUIRED, KNOWN)
    finally:
        csv.field_size_limit(FIELD_LIMIT)
    assert [r.values["memo"] for r in rows] == [CODING["memo"], "last"]
    assert [(p.severity, p.line, p.kind) for p in log] == [("error", 3, "csv-malformed")]
    assert "longer than 64 MB" in log[0].message


# ---------------------------------------------------------------- 14, 15: spreadsheets


def workbook(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_formula_without_a_saved_value_is_reported(review_copy):
    sheet = workbook(review_copy / "sheet.xlsx", [
        ["citekey", "quote", "competency", "framing", "memo", "page"],
        [KOTTER, P3_QUOTE, "planning", "management", "typed", 12],
        [KOTTER, "=B2", "budgeting", "management", "a formula in the quote", 12],
        [KOTTER, "allocates money and other resources to each step", "budgeting", "management",
         '=CONCATENATE("seen on p. ", F4)', 12],
    ])  # openpyxl, like many programs that write workbooks, saves formulas without computing them
    result = import_sheet(Review.load(review_copy), sheet, "coder-d")
    assert (result.rows, result.added) == (1, 1)
    assert [(p.severity, p.line, p.kind) for p in result.problems] == [("error", 3, "sheet-formula"),
                                                                        ("error", 4, "sheet-formula")]
    assert result.problems[0].message.startswith("row 3: the quote cell holds a formula with no saved value")
    assert "memo cell" in result.problems[1].message
    assert "save it" in result.problems[0].action


def test_an_xlsx_longer_than_the_row_limit_is_refused_early(review_copy, monkeypatch):
    monkeypatch.setattr(sheet_module, "ROW_LIMIT", 50)
    book = Workbook(write_only=True)  # as programs that make big workbooks write them: no size recorded
    sheet = book.create_sheet()
    for row in [["citekey", "quote", "competency", "framing"]] + [[KOTTER, P3_QUOTE, "planning", "management"]] * 400:
        sheet.append(row)
    path = review_copy / "long.xlsx"
    book.save(path)

    def read_to_the_end(*_):
        raise AssertionError("the whole sheet was read to learn its size")
    monkeypatch.setattr("openpyxl.worksheet._reader.WorkSheetParser.parse_dimensions", read_to_the_end)
    read = []
    real = sheet_module._sheet_rows

    def counted(values, formulas, log):
        def count(rows):
            for row in rows:
                read.append(1)
                yield row
        return real(count(values), formulas, log)
    monkeypatch.setattr(sheet_module, "_sheet_rows", counted)
    result = import_sheet(Review.load(review_copy), path, "coder-d")
    assert (result.rows, result.added) == (0, 0)
    assert [(p.severity, p.line, p.kind) for p in result.problems] == [("error", 52, "sheet-too-long")]
    assert "more than 50 rows" in result.problems[0].message and "split it" in result.problems[0].action
    assert len(read) <= 53  # reading stopped at the limit, not at row 401
    assert not coder_file(review_copy, "coder-d").exists()


# ---------------------------------------------------------------- 16: coder names that cannot name a file


@pytest.mark.parametrize("name, why", [("a" * 300, "it is 300 characters long; at most 100 can name a file"),
                                       ("CON", "'CON' names a device on Windows"),
                                       ("coder d", "it holds ' ', which a coder's name may not hold")])
def test_a_coder_name_that_cannot_name_a_file_is_refused_with_a_message(review_copy, name, why):
    with pytest.raises(CodingError) as err:
        CodingSession(Review.load(review_copy), name)
    assert why in str(err.value) and "cannot name a coder file" in str(err.value)
    assert len(str(err.value)) < 250  # the name is shortened, not echoed in full
    result = import_sheet(Review.load(review_copy), SHEETS / "clean-sheet.csv", name)
    [problem] = result.problems
    assert (problem.kind, result.added) == ("sheet-coder", 0) and why in problem.message
    assert sorted(p.name for p in (review_copy / "corpus" / "codings").iterdir()) == [
        "coder-a.csv", "coder-b.csv", "coder-c.csv"]


# ---------------------------------------------------------------- 17: numbers of thousands of digits


def test_huge_numbers_in_codings_and_decisions_are_problems_not_internal_errors(review_copy):
    huge, over_int64 = "9" * 5000, str(2**63)
    codings = coder_file(review_copy, "coder-n")
    codings.write_text(
        "id,citekey,passage,quote,competency,framing,memo,coded_at,start,end,prefix,suffix,page\n"
        f"n1,{KOTTER},{huge},{P3_QUOTE},planning,management,,,,,,,\n"
        f"n2,{KOTTER},3,{P3_QUOTE},planning,management,,,{huge},{over_int64},,,{over_int64}\n"
        f"n3,{KOTTER},{over_int64},{P3_QUOTE},planning,management,,,,,,,\n", encoding="utf-8")
    decisions = review_copy / "corpus" / "decisions.csv"
    decisions.write_text(
        "competency,classification,decided_on,decided_by,rationale,leadership_sources,management_sources,"
        "both_sources,neither_sources\n"
        f"planning,management,2026-12-01,committee,Counted.,{huge},{over_int64},0,1\n", encoding="utf-8")
    settlements = review_copy / "corpus" / "settlements.csv"
    settlements.write_text("item,resolution,rationale,settled_by,settled_on\n"
                           f"presence:{KOTTER}/{huge}:planning,absent,,m,2026-12-01\n", encoding="utf-8")
    review = Review.load(review_copy)
    assert not [p for p in review.problems if p.kind == "internal"]
    found = sorted((p.file, p.line, p.severity, p.kind) for p in review.problems
                   if p.file in ("corpus/codings/coder-n.csv", "corpus/decisions.csv", "corpus/settlements.csv"))
    assert found == [("corpus/codings/coder-n.csv", 2, "error", "coding-passage"),
                     ("corpus/codings/coder-n.csv", 3, "warning", "coding-page"),
                     ("corpus/codings/coder-n.csv", 3, "warning", "coding-position"),
                     ("corpus/codings/coder-n.csv", 3, "warning", "coding-position"),
                     ("corpus/codings/coder-n.csv", 4, "error", "coding-passage"),
                     ("corpus/decisions.csv", 2, "warning", "decision-count"),
                     ("corpus/decisions.csv", 2, "warning", "decision-count"),
                     ("corpus/settlements.csv", 2, "error", "settlement-item")]
    messages = [p.message for p in review.problems if p.file == "corpus/codings/coder-n.csv"]
    assert messages[0].startswith("passage '99999") and "(5,000 digits) is larger than 1,000,000,000,000" in messages[0]
    assert all(len(m) < 300 for m in messages)
    assert codings_of(review, "coder-n").loc["n2", "anchored"]  # placed by its quote instead
    assert review.decisions[["leadership_sources", "management_sources"]].isna().all().all()
    sheet = review_copy / "sheet.csv"
    sheet.write_text(f"citekey,quote,competency,framing,page\n{KOTTER},{P3_QUOTE},planning,management,{huge}\n",
                     encoding="utf-8")
    result = import_sheet(review, sheet, "coder-d")
    assert [(p.severity, p.line, p.kind) for p in result.problems] == [("error", 2, "sheet-page")]
    assert result.added == 0


# ---------------------------------------------------------------- many writers at once


def _save_many(path: str, worker: int, count: int) -> None:
    store = CoderFile(Path(path))
    for i in range(count):
        store.append({**CODING, "memo": f"worker {worker} save {i}: naïve – “ok”"})


def test_eight_processes_saving_at_once_keep_a_semicolon_windows_1252_file_whole(tmp_path):
    shape = SHAPES["semicolon-windows-1252"]
    path = tmp_path / "coder-a.csv"
    path.write_bytes(render([COLUMNS, ["x1", KOTTER, "3", P3_QUOTE, "planning", "management", "déjà", "", "", "",
                                       "", "", ""]], shape).encode("cp1252"))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(str(path), w, 60)) for w in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    rows = assert_in_shape(path, shape)
    assert len(rows) == 1 + 1 + 8 * 60
    memos = {row[COLUMNS.index("memo")] for row in rows[2:]}
    assert memos == {f"worker {w} save {i}: naïve – “ok”" for w in range(8) for i in range(60)}


# ---------------------------------------------------------------- coverage files keep their shape too


def test_reopening_a_source_keeps_the_coverage_files_shape(tmp_path):
    path = tmp_path / "coder-a.csv"
    path.write_bytes(codecs.BOM_UTF8 + "citekey;finished_at\r\nBass1985Beyond;2026-10-01\r\n"
                     f"{KOTTER};2026-10-02\r\nBurns1978Leadership;2026-10-03\r\n".encode())
    coverage = CoverageFile(path)
    coverage.unmark(KOTTER)
    coverage.mark("Fayol1949General")
    assert coverage.finished() == {"Bass1985Beyond", "Burns1978Leadership", "Fayol1949General"}
    # the log's columns are added once, in the file's shape; nothing is deleted, events are appended
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + b"citekey;finished_at;event;passage;at;note\r\n"
                           b"Bass1985Beyond;2026-10-01;;;;\r\n" + f"{KOTTER};2026-10-02;;;;\r\n".encode()
                           + b"Burns1978Leadership;2026-10-03;;;;\r\n")
    assert [line.split(b";")[:3] for line in data.split(b"\r\n")[4:6]] == [
        [KOTTER.encode(), b"", b"reopened"], [b"Fayol1949General", b"", b"finished"]]
