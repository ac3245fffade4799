"""files.py: reading people's text files as they really are, and writing outputs safely."""

from __future__ import annotations

import os
import stat

import pytest

from litcoder.files import read_csv_rows, read_text, write_atomic
from litcoder.problems import ProblemLog

REQUIRED = ["id", "quote"]
KNOWN = ["id", "quote", "memo"]


def triples(log):
    return [(p.severity, p.line, p.kind) for p in log]


def rows(tmp_path, content: str | bytes, required=REQUIRED, known=KNOWN):
    path = tmp_path / "table.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    log = ProblemLog("table.csv")
    return read_csv_rows(path, log, required, known), log


# ---------------------------------------------------------------- read_text


def test_read_text_utf8(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes("Café – “quoted” 👍\n".encode())
    log = ProblemLog("a.md")
    assert read_text(path, log) == "Café – “quoted” 👍\n"
    assert list(log) == []


def test_read_text_strips_a_byte_order_mark(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"\xef\xbb\xbfFirst line\r\n")
    log = ProblemLog("a.md")
    assert read_text(path, log) == "First line\r\n"        # line ends are kept as they are
    assert list(log) == []


def test_read_text_windows_1252_with_a_warning_on_the_first_bad_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("plain line\nsecond line\nFayol’s “prévoyance” – foresight\n".encode("cp1252"))
    log = ProblemLog("a.csv")
    assert read_text(path, log) == "plain line\nsecond line\nFayol’s “prévoyance” – foresight\n"
    assert triples(log) == [("warning", 3, "encoding")]
    assert "Windows-1252" in log[0].message and log[0].file == "a.csv"


def test_read_text_falls_back_to_latin_1_for_bytes_windows_1252_lacks(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"ok\n\x81 and caf\xe9\n")       # 0x81 is undefined in Windows-1252
    log = ProblemLog("a.csv")
    assert read_text(path, log) == "ok\n\x81 and café\n"
    assert triples(log) == [("warning", 2, "encoding")]
    assert "Latin-1" in log[0].message


def test_read_text_empty_file(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"")
    log = ProblemLog("a.md")
    assert read_text(path, log) == ""
    assert list(log) == []


# ---------------------------------------------------------------- read_csv_rows


def test_csv_line_numbers_with_multi_line_quoted_cells(tmp_path):
    table, log = rows(tmp_path, (
        "id,quote,memo\n"                       # 1
        "r1,one line,\n"                        # 2
        'r2,"spans\nthree\nlines",memo\n'       # 3-5
        "r3,after it,\n"                        # 6
        "\n"                                    # 7 (blank, ignored)
        'r4,"two\nlines","and a memo\nover two"\n'  # 8-10
        "r5,last,no newline at the end"         # 11
    ))
    assert list(log) == []
    assert [(r.line, r.values["id"]) for r in table] == [(2, "r1"), (3, "r2"), (6, "r3"), (8, "r4"), (11, "r5")]
    assert table[1].values["quote"] == "spans\nthree\nlines"
    assert table[3].values["memo"] == "and a memo\nover two"


def test_csv_line_numbers_with_crlf_and_bom(tmp_path):
    table, log = rows(tmp_path, b'\xef\xbb\xbfid,quote,memo\r\nr1,"a\r\nb",m\r\nr2,c,\r\n')
    assert list(log) == []
    assert [(r.line, r.values["id"]) for r in table] == [(2, "r1"), (4, "r2")]
    assert table[0].values == {"id": "r1", "quote": "a\r\nb", "memo": "m"}
    assert table[1].values["memo"] == ""


def test_csv_cell_with_a_line_separator_character_stays_one_row(tmp_path):
    # \u2028 and \x0c are line breaks to str.splitlines, not to a CSV file
    table, log = rows(tmp_path, "id,quote\nr1,a\u2028b\nr2,c\x0cd\nr3,e\n")
    assert list(log) == []
    assert [(r.line, r.values["quote"]) for r in table] == [(2, "a\u2028b"), (3, "c\x0cd"), (4, "e")]


def test_csv_header_case_spaces_and_column_order(tmp_path):
    table, log = rows(tmp_path, " Quote , ID \n  a quote  , r1 \n")
    assert list(log) == []
    assert table[0].values == {"quote": "a quote", "id": "r1"}


def test_csv_unknown_and_repeated_columns(tmp_path):
    table, log = rows(tmp_path, "id,quote,page_seen,quote\nr1,first,12,second\n")
    assert triples(log) == [("info", 1, "csv-column"), ("error", 1, "csv-header")]
    assert "page_seen" in log[0].message and "quote" in log[1].message
    assert table[0].values["quote"] == "first"


def test_csv_missing_required_column_returns_none(tmp_path):
    table, log = rows(tmp_path, "id,memo\nr1,m\n")
    assert table is None
    assert triples(log) == [("error", 1, "csv-header")]
    assert "quote" in log[0].message


def test_csv_semicolons(tmp_path):
    table, log = rows(tmp_path, 'id;quote;memo\nr1;a, b and c;"x; y"\n')
    assert list(log) == []
    assert table[0].values == {"id": "r1", "quote": "a, b and c", "memo": "x; y"}


def test_csv_bad_rows_are_reported_and_the_rest_read(tmp_path):
    table, log = rows(tmp_path, (
        "id,quote,memo\n"               # 1
        "r1,fine,\n"                    # 2
        "r2,too,many,cells\n"           # 3
        "r3,too few\n"                  # 4
        'r4,"closed" then text,\n'      # 5: text after a closing quote
        "r5,fine again,\n"              # 6
    ))
    assert triples(log) == [("error", 3, "csv-malformed"), ("error", 4, "csv-malformed"),
                            ("error", 5, "csv-malformed")]
    assert [(r.line, r.values["id"]) for r in table] == [(2, "r1"), (6, "r5")]


def test_csv_unclosed_quote_at_the_end_reads_the_rows_after_it(tmp_path):
    table, log = rows(tmp_path, 'id,quote,memo\nr1,a,\nr2,"never closed,\nr3,b,\nr4,c,\n')
    assert triples(log) == [("error", 3, "csv-malformed")]
    assert "never closed" in log[0].message
    assert [(r.line, r.values["id"]) for r in table] == [(2, "r1"), (4, "r3"), (5, "r4")]


def test_csv_unclosed_quote_followed_by_a_quoted_cell(tmp_path):
    table, log = rows(tmp_path, 'id,quote,memo\nr1,"open,\nr2,b,\nr3,"quoted",\nr4,d,\n')
    assert triples(log) == [("error", 2, "csv-malformed")]
    assert [(r.line, r.values["id"]) for r in table] == [(3, "r2"), (4, "r3"), (5, "r4")]


def test_csv_empty_and_blank_files(tmp_path):
    for content in ("", "\n\n  \n"):
        table, log = rows(tmp_path, content)
        assert table == []
        assert triples(log) == [("warning", 1, "csv-empty")]


def test_csv_header_only(tmp_path):
    table, log = rows(tmp_path, "id,quote\n")
    assert table == [] and list(log) == []


def test_csv_windows_1252(tmp_path):
    table, log = rows(tmp_path, "id,quote\nr1,caf\xe9 “x”\n".encode("cp1252"))
    assert triples(log) == [("warning", 2, "encoding")]
    assert table[0].values["quote"] == "café “x”"


# ---------------------------------------------------------------- write_atomic


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_atomic_text(tmp_path, umask_022):
    path = tmp_path / "out" / "tables" / "evidence.csv"
    write_atomic(path, "a,b\r\nc,“d”\n")
    assert path.read_bytes() == "a,b\r\nc,“d”\n".encode()     # no newline translation
    assert sorted(p.name for p in path.parent.iterdir()) == ["evidence.csv"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_atomic_bytes_and_replace(tmp_path, umask_022):
    path = tmp_path / "review.graphml"
    path.write_text("old", encoding="utf-8")
    write_atomic(path, b"\x00new\xff")
    assert path.read_bytes() == b"\x00new\xff"
    assert [p.name for p in tmp_path.iterdir()] == ["review.graphml"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_atomic_follows_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "private.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "private.csv").stat().st_mode) == 0o600


def test_write_atomic_failure_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "broken \ud800 surrogate")
    assert path.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_csv_unclosed_quote_in_a_large_file_reads_the_rows_after_it(tmp_path):
    body = "".join(f"r{i},quote number {i} with enough words to make the file long,memo\n" for i in range(3, 3003))
    table, log = rows(tmp_path, 'id,quote,memo\nr1,"never closed,\n' + body)
    assert triples(log) == [("error", 2, "csv-malformed")]
    assert len(table) == 3000 and table[0].line == 3
