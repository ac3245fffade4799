"""Spreadsheet coding sheets (CSV, XLSX) → a coder's codings file, as members really hand them in.

Each CSV fixture in tests/fixtures/sheets/ is named for the quirk it reproduces (its memo
column says more); XLSX workbooks are made here with openpyxl in tmp_path. Every sheet is
imported into a copy of the bundled review for a new coder, coder-d, and the coder's file
is read back with csv.DictReader.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, coder_file, read_rows
from openpyxl import Workbook

from litcoder import Review
from litcoder.inputs.anchor import CONTEXT
from litcoder.screens.sheet import import_sheet, sheet_id

SHEETS = FIXTURES / "sheets"
KOTTER = "Kotter1990WhatLeaders"
GULICK = "Gulick1937Notes"
HEADER = ["citekey", "quote", "competency", "framing", "memo", "page"]
P3_QUOTE = "The manager decides on targets for the coming year or so"
GULICK_P4_QUOTE = "A single head can direct only a limited number of immediate subordinates"




def run(root: Path, sheet: Path, coder: str = "coder-d"):
    return import_sheet(Review.load(root), sheet, coder)


def kinds(result) -> list[tuple]:
    return [(p.severity, p.line, p.kind) for p in result.problems]


def placed(rows: list[dict]) -> list[tuple]:
    return [(r["citekey"], r["passage"], r["quote"]) for r in rows]


def assert_anchored(root: Path, rows: list[dict]) -> None:
    """Each row's offsets and context are those of its quote in the source, inside its passage."""
    review = Review.load(root)
    for row in rows:
        text = review.texts[row["citekey"]]
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["quote"]
        assert row["prefix"] == text[max(0, start - CONTEXT):start] and row["suffix"] == text[end:end + CONTEXT]
        p = review.passages
        passage = p[(p["citekey"] == row["citekey"]) & (p["passage"] == int(row["passage"]))].iloc[0]
        assert passage["start"] <= start < end <= passage["end"]
    mine = review.codings[review.codings["coder"] == "coder-d"]
    assert len(mine) == len(rows) and (mine["anchor"] == "position").all()
    assert not [p for p in review.problems if p.file == "corpus/codings/coder-d.csv"]


def workbook(path: Path, rows: list[list], first_sheet_empty: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    if first_sheet_empty:
        sheet.title = "empty"
        sheet = book.create_sheet("codings")
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# ---------------------------------------------------------------- CSV sheets


def test_a_clean_sheet_is_added_whole(review_copy):
    result = run(review_copy, SHEETS / "clean-sheet.csv")
    assert (result.coder, result.rows, result.added, result.already_there, result.problems) == (
        "coder-d", 4, 4, 0, [])
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == [
        (KOTTER, "3", P3_QUOTE),
        (KOTTER, "3", "allocates money and other resources to each step"),
        (GULICK, "4", GULICK_P4_QUOTE),
        ("Mintzberg1973Nature", "3", "Managers prefer talk to paper."),
    ]
    assert [(r["start"], r["end"]) for r in rows] == [("1138", "1194"), ("1255", "1303"), ("1340", "1412"),
                                                      ("967", "997")]
    assert [r["competency"] for r in rows] == ["planning", "budgeting", "organizing", "communication"]
    assert [r["framing"] for r in rows] == ["management"] * 4  # 'Management' in the sheet
    assert [r["page"] for r in rows] == ["12", "12", "4", ""]
    assert rows[3]["memo"] == "a memo, with a comma"
    text = (review_copy / "corpus/sources" / f"{KOTTER}.md").read_text(encoding="utf-8")
    assert rows[0]["id"] == sheet_id(KOTTER, f"{rows[0]['start']}:{rows[0]['end']}", "planning", "management")
    assert text[int(rows[0]["start"]):int(rows[0]["end"])] == rows[0]["quote"]
    assert all(re.fullmatch(r"sheet-[0-9a-f]{10}", r["id"]) for r in rows)
    assert_anchored(review_copy, rows)


def test_bad_rows_are_reported_by_row_and_the_good_rows_still_imported(review_copy):
    result = run(review_copy, SHEETS / "bad-rows-mixed.csv")
    assert (result.rows, result.added, result.already_there) == (7, 2, 0)
    assert kinds(result) == [("error", 3, "sheet-citekey"), ("error", 4, "sheet-competency"),
                             ("error", 5, "sheet-framing"), ("error", 6, "sheet-quote"),
                             ("error", 7, "sheet-unmatched")]
    messages = [p.message for p in result.problems]
    assert messages[0] == "line 3: unknown citekey 'Kotter1990WhatLeader' (did you mean Kotter1990WhatLeaders?)"
    assert messages[1] == "line 4: unknown competency 'planing' (did you mean planning?)"
    assert messages[2] == "line 5: unknown framing 'mgmt'"
    assert messages[3] == "line 6: no quote"
    assert messages[4].startswith("line 7: the quote was not found in Kotter1990WhatLeaders: “The manager writes")
    assert {p.file for p in result.problems} == {"bad-rows-mixed.csv"}
    assert str(result.problems[0]).startswith("bad-rows-mixed.csv:3: error: line 3: unknown citekey")
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == [(KOTTER, "3", P3_QUOTE), (GULICK, "4", GULICK_P4_QUOTE)]
    assert [r["memo"] for r in rows] == ["good row 2", "good row 8"]
    assert_anchored(review_copy, rows)


@pytest.mark.parametrize("fixture, expected", [
    # the source has a line break where the sheet has a space; a cell with a line break typed in Excel
    ("quote-line-break-inside.csv", [("BennisNanus1985Leaders", "1", "chief executives\nand heads of public bodies"),
                                     (KOTTER, "3", P3_QUOTE), (GULICK, "4", GULICK_P4_QUOTE)]),
    # a word hyphenated at a line end in a PDF: "opera-⏎tions"
    ("quote-hyphenated-line-break.csv", [(KOTTER, "2", "keeps sprawling operations dependable in quality and cost"),
                                         (KOTTER, "1", "an organisation needs both of them to prosper")]),
    # straight quotes and apostrophes typed where the text has curly ones (and curly for curly)
    ("quote-curly-vs-straight.csv", [(KOTTER, "2", "its job is “coping with change”"),
                                     (KOTTER, "2", "Management, in Kotter’s telling, is the answer to complexity"),
                                     ("BennisNanus1985Leaders", "2", "“doing things right”")]),
    # doubled spaces, spaces around the cell, a tab
    ("quote-extra-spaces.csv", [(KOTTER, "3", P3_QUOTE), (GULICK, "4", GULICK_P4_QUOTE)]),
    # semicolons from a European Excel, with a byte-order mark and CRLF; commas inside unquoted cells
    ("semicolon-european-excel.csv", [
        (KOTTER, "3", P3_QUOTE + ", spells out the detailed steps needed to meet them"),
        ("Mintzberg1973Nature", "3", "Managers prefer talk to paper.")]),
])
def test_quotes_as_people_type_them_are_found(review_copy, fixture, expected):
    result = run(review_copy, SHEETS / fixture)
    assert result.problems == []
    assert (result.added, result.already_there) == (len(expected), 0)
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == expected
    assert_anchored(review_copy, rows)


def test_a_small_typo_is_matched_approximately_and_saved_as_in_the_text(review_copy):
    result = run(review_copy, SHEETS / "quote-small-typo.csv")
    assert result.added == 1
    assert kinds(result) == [("info", 2, "sheet-fuzzy")]
    assert re.fullmatch(r"line 2: quote matched approximately \(9\d%\); saved as it is in the text",
                        result.problems[0].message)
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == [(KOTTER, "3", "spells out the detailed steps needed to meet them")]
    assert rows[0]["memo"] == "typed by hand: detialed"
    assert_anchored(review_copy, rows)


def test_a_windows_1252_sheet_is_read_with_a_warning(review_copy):
    result = run(review_copy, SHEETS / "windows-1252-excel.csv")
    assert kinds(result) == [("warning", 2, "encoding")]
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == [(KOTTER, "2", "Management, in Kotter’s telling, is the answer to complexity"),
                            ("Fayol1949General", "2", "foreseeing and planning (his “prévoyance”)")]
    assert_anchored(review_copy, rows)


@pytest.mark.parametrize("fixture, count", [
    ("clean-sheet.csv", 4), ("bad-rows-mixed.csv", 2), ("quote-line-break-inside.csv", 3),
    ("quote-small-typo.csv", 1), ("semicolon-european-excel.csv", 2),
])
def test_importing_the_same_sheet_twice_adds_nothing_the_second_time(review_copy, fixture, count):
    first = run(review_copy, SHEETS / fixture)
    before = coder_file(review_copy).read_bytes()
    second = run(review_copy, SHEETS / fixture)
    assert (first.added, first.already_there) == (count, 0)
    assert (second.added, second.already_there) == (0, count)
    assert kinds(second) == kinds(first)  # the bad rows are reported again
    assert coder_file(review_copy).read_bytes() == before


def test_a_repeated_row_in_one_sheet_is_added_once(review_copy, tmp_path):
    sheet = tmp_path / "twice.csv"
    sheet.write_text("citekey,quote,competency,framing\n" + f"{KOTTER},{P3_QUOTE},planning,management\n" * 2
                     + f"{KOTTER},{P3_QUOTE},planning,both\n", encoding="utf-8")
    result = run(review_copy, sheet)
    assert (result.rows, result.added, result.already_there) == (3, 2, 1)
    assert [r["framing"] for r in read_rows(coder_file(review_copy))] == ["management", "both"]


def test_rows_are_appended_after_the_coders_own_codings(review_copy):
    path = coder_file(review_copy, "coder-a")
    before = path.read_bytes()
    result = run(review_copy, SHEETS / "clean-sheet.csv", coder="coder-a")
    assert result.added == 4
    after = path.read_bytes()
    assert after.startswith(before)
    rows = read_rows(path)
    assert len(rows) == 124 and [r["id"][:6] for r in rows[-4:]] == ["sheet-"] * 4


def test_a_csv_header_without_a_required_column_imports_nothing(review_copy, tmp_path):
    sheet = tmp_path / "no-framing.csv"
    sheet.write_text(f"citekey,quote,competency\n{KOTTER},{P3_QUOTE},planning\n", encoding="utf-8")
    result = run(review_copy, sheet)
    assert (result.rows, result.added) == (0, 0)
    assert kinds(result) == [("error", 1, "csv-header")]
    assert "lacks the column(s) framing" in result.problems[0].message
    assert not coder_file(review_copy).exists()


def test_missing_file_and_bad_coder_name(review_copy, tmp_path):
    result = run(review_copy, tmp_path / "nowhere.csv")
    assert kinds(result) == [("error", None, "sheet-file")] and result.added == 0
    result = run(review_copy, SHEETS / "clean-sheet.csv", coder="../coder-d")
    assert kinds(result) == [("error", None, "sheet-coder")] and result.added == 0
    assert not coder_file(review_copy).exists()
    assert not (review_copy / "corpus" / "coder-d.csv").exists()


# ---------------------------------------------------------------- XLSX workbooks


def test_an_xlsx_sheet_with_numbers_blank_rows_and_a_bad_row(review_copy, tmp_path):
    sheet = workbook(tmp_path / "coder-d.xlsx", [
        ["Citekey", "Quote", "Competency", "Framing", "Memo", "Page"],          # row 1, capitalised
        [KOTTER, "The manager decides on targets\nfor the coming year or so",   # row 2, a cell over two lines
         "planning", "management", None, 12.0],
        [None, None, None, None, None, None],                                   # row 3, blank
        [KOTTER, "allocates money", "budgetting", "management", "typo", 3],     # row 4, bad
        [GULICK, "  " + GULICK_P4_QUOTE + " ", "organizing", "LEADERSHIP", 7, 4.5],  # row 5
        ["Mintzberg1973Nature", "Managers prefer talk to paper.", "communication", "both", "m", "xii"],  # row 6
    ])
    result = run(review_copy, sheet)
    assert (result.rows, result.added, result.already_there) == (4, 3, 0)
    assert kinds(result) == [("error", 4, "sheet-competency")]
    assert result.problems[0].message == "row 4: unknown competency 'budgetting' (did you mean budgeting?)"
    assert result.problems[0].file == "coder-d.xlsx"
    rows = read_rows(coder_file(review_copy))
    assert placed(rows) == [(KOTTER, "3", P3_QUOTE), (GULICK, "4", GULICK_P4_QUOTE),
                            ("Mintzberg1973Nature", "3", "Managers prefer talk to paper.")]
    assert [r["page"] for r in rows] == ["12", "4.5", "xii"]  # 12.0 → "12"
    assert [r["memo"] for r in rows] == ["", "7", "m"]
    assert [r["framing"] for r in rows] == ["management", "leadership", "both"]
    assert_anchored(review_copy, rows)
    again = run(review_copy, sheet)
    assert (again.added, again.already_there) == (0, 3)


def test_an_xlsx_header_lacking_a_column_is_a_sheet_header_error(review_copy, tmp_path):
    sheet = workbook(tmp_path / "no-framing.xlsx", [
        ["citekey", "quote", "competency", "memo"],
        [KOTTER, P3_QUOTE, "planning", ""],
    ])
    result = run(review_copy, sheet)
    assert (result.rows, result.added) == (0, 0)
    assert kinds(result) == [("error", 1, "sheet-header")]
    assert result.problems[0].message == "the header lacks the column(s) framing; nothing was imported"
    assert not coder_file(review_copy).exists()


def test_an_xlsx_header_below_blank_rows_counts_rows_as_the_spreadsheet_does(review_copy, tmp_path):
    book = Workbook()
    sheet = book.active
    for column, name in enumerate(HEADER, 1):
        sheet.cell(row=3, column=column, value=name)
    for column, value in enumerate([KOTTER, P3_QUOTE, "planning", "managment"], 1):
        sheet.cell(row=5, column=column, value=value)
    path = tmp_path / "late-header.xlsx"
    book.save(path)
    result = run(review_copy, path)
    assert kinds(result) == [("error", 5, "sheet-framing")]
    assert result.problems[0].message == "row 5: unknown framing 'managment'"


def test_a_file_that_is_not_really_an_xlsx_is_a_sheet_file_error(review_copy, tmp_path):
    fake = tmp_path / "codings.xlsx"
    fake.write_text("citekey,quote,competency,framing\n" f"{KOTTER},{P3_QUOTE},planning,management\n",
                    encoding="utf-8")  # a CSV renamed .xlsx
    result = run(review_copy, fake)
    assert (result.rows, result.added) == (0, 0)
    assert kinds(result) == [("error", None, "sheet-file")]
    assert result.problems[0].message.startswith("cannot open it as an Excel workbook (")
    assert not coder_file(review_copy).exists()


def test_an_empty_first_sheet_imports_nothing_with_a_warning(review_copy, tmp_path):
    sheet = workbook(tmp_path / "empty-first.xlsx", [HEADER, [KOTTER, P3_QUOTE, "planning", "management", "", ""]],
                     first_sheet_empty=True)
    result = run(review_copy, sheet)
    assert (result.rows, result.added) == (0, 0)
    assert kinds(result) == [("warning", None, "sheet-empty")]
    assert not coder_file(review_copy).exists()


# ---------------------------------------------------------------- the command


def litcoder(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "litcoder.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_cli_import_sheet_clean_then_again(review_copy):
    sheet = SHEETS / "clean-sheet.csv"
    result = litcoder("import-sheet", sheet, "--coder", "coder-d", "--review", review_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "clean-sheet.csv: 4 rows; 4 codings added to corpus/codings/coder-d.csv, 0 already there"]
    assert len(read_rows(coder_file(review_copy))) == 4
    again = litcoder("import-sheet", sheet, "--coder", "coder-d", "--review", review_copy)
    assert again.returncode == 0
    assert "0 codings added to corpus/codings/coder-d.csv, 4 already there" in again.stdout
    assert len(read_rows(coder_file(review_copy))) == 4


def test_cli_import_sheet_exits_1_and_lists_the_bad_rows(review_copy):
    result = litcoder("import-sheet", SHEETS / "bad-rows-mixed.csv", "--coder", "coder-d", "--review", review_copy)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "bad-rows-mixed.csv: 7 rows; 2 codings added to corpus/codings/coder-d.csv, 0 already there"
    listed = [re.match(r"  bad-rows-mixed\.csv:(\d+): error: line (\d+): ", line) for line in lines[1:]]
    assert all(listed) and [(int(m[1]), int(m[2])) for m in listed] == [(3, 3), (4, 4), (5, 5), (6, 6), (7, 7)]
    assert "unknown citekey 'Kotter1990WhatLeader' (did you mean Kotter1990WhatLeaders?)" in lines[1]
    assert len(read_rows(coder_file(review_copy))) == 2


def test_cli_import_sheet_fuzzy_only_exits_0(review_copy):
    result = litcoder("import-sheet", SHEETS / "quote-small-typo.csv", "--coder", "coder-d", "--review", review_copy)
    assert result.returncode == 0
    assert "quote-small-typo.csv:2: info: line 2: quote matched approximately" in result.stdout


# ---------------------------------------------------------------- bugs


def test_a_quote_across_two_passages_is_refused(review_copy):
    result = run(review_copy, SHEETS / "quote-spans-two-passages.csv")
    assert kinds(result) == [("error", 2, "sheet-unmatched")]
    assert result.added == 0


def test_csv_sheets_name_the_file_line_after_a_multi_line_cell(review_copy):
    # Spreadsheet row 3 starts on line 4 of the CSV file (a cell of row 2 holds a line break):
    # the problem names the line, as an editor shows it, and says so.
    result = run(review_copy, SHEETS / "multiline-cell-shifts-row-numbers.csv")
    assert result.added == 1
    assert [p.kind for p in result.problems] == ["sheet-competency"]
    assert result.problems[0].message.startswith("line 4: unknown competency 'budgetting'")
    assert result.problems[0].line == 4


def test_an_xlsx_with_a_wrong_dimension_record_is_read_whole(review_copy, tmp_path):
    good = workbook(tmp_path / "good.xlsx", [HEADER, [KOTTER, P3_QUOTE, "planning", "management", "", 12]])
    with zipfile.ZipFile(good) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:F2"/>' in xml
    parts["xl/worksheets/sheet1.xml"] = xml.replace(b'<dimension ref="A1:F2"/>', b'<dimension ref="A1"/>')
    bad = tmp_path / "dimension-a1.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    result = run(review_copy, bad)
    assert result.problems == []
    assert placed(read_rows(coder_file(review_copy))) == [(KOTTER, "3", P3_QUOTE)]
