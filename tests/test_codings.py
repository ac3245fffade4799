"""corpus/codings/<coder>.csv → codings: coder files as spreadsheets and people really make them.

Each malformed coder file is a fixture in tests/fixtures/codings/, named for the one
problem it reproduces (its memo column says what); it is copied into a copy of the
bundled review beside the three real coders' files and loaded with `Review.load`.
"""

from __future__ import annotations

import shutil
import unicodedata

import pandas as pd
from conftest import FIXTURES, problems_of
from hypothesis import given, settings
from hypothesis import strategies as st

from litcoder import Review
from litcoder.inputs.codings import locate_quote
from litcoder.store import CoderFile

CODINGS_FIXTURES = FIXTURES / "codings"
BUNDLED_CODERS = {"coder-a": 120, "coder-b": 115, "coder-c": 78}


def load_with(review_copy, fixture: str):
    """Copy one fixture into corpus/codings/ and load the review; (review, file name, coder)."""
    shutil.copy(CODINGS_FIXTURES / fixture, review_copy / "corpus/codings" / fixture)
    review = Review.load(review_copy)
    return review, f"corpus/codings/{fixture}", fixture.rsplit(".", 1)[0]


def triples(review, file):
    return [(p.severity, p.line, p.kind) for p in problems_of(review, file=file)]


def rows_of(review, coder):
    return review.codings[review.codings["coder"] == coder].set_index("id")


def assert_rest_unaffected(review, file):
    """The three bundled coders' codings all load and every problem is in the fixture's file."""
    counts = review.codings.groupby("coder").size().to_dict()
    assert {c: counts.get(c, 0) for c in BUNDLED_CODERS} == BUNDLED_CODERS
    assert {p.file for p in review.problems} <= {file}
    assert len(review.codebook) == 24 and len(review.passages) == 129


def passage_text(review, citekey, number):
    p = review.passages
    return p[(p["citekey"] == citekey) & (p["passage"] == number)]["text"].item()


# ---------------------------------------------------------------- the bundled codings


def test_bundled_codings(bundled):
    assert bundled.coders == ["coder-a", "coder-b", "coder-c"]
    assert bundled.codings.groupby("coder").size().to_dict() == BUNDLED_CODERS
    assert bundled.codings["anchored"].all()
    assert not [p for p in bundled.problems if p.file.startswith("corpus/codings/")]
    first = bundled.codings.iloc[0]
    assert (first["id"], first["line"], first["passage_id"]) == ("coder-a-0001", 2, "Kotter1990WhatLeaders/1")
    for row in bundled.codings.itertuples():
        text = bundled.texts[row.citekey]
        assert locate_quote(row.quote, text[row.start:row.end]) == (0, row.end - row.start)


# ---------------------------------------------------------------- rows that are left out


def test_unknown_citekey_is_an_error_with_a_suggestion(review_copy):
    review, file, coder = load_with(review_copy, "unknown-citekey-typo.csv")
    assert triples(review, file) == [("error", 3, "coding-citekey")]
    message = problems_of(review, file=file)[0].message
    assert "'Kotter1990WhatLeader'" in message and "did you mean Kotter1990WhatLeaders?" in message
    assert rows_of(review, coder).index.tolist() == ["t1", "t3"]
    assert rows_of(review, coder)["line"].tolist() == [2, 4]
    assert_rest_unaffected(review, file)


def test_unknown_competency_is_an_error_with_a_suggestion(review_copy):
    review, file, coder = load_with(review_copy, "unknown-competency.csv")
    assert triples(review, file) == [("error", 3, "coding-competency")]
    assert "did you mean problem-solving?" in problems_of(review, file=file)[0].message
    assert rows_of(review, coder).index.tolist() == ["c1", "c3"]
    assert_rest_unaffected(review, file)


def test_capitalised_framing_is_accepted(review_copy):
    review, file, coder = load_with(review_copy, "framing-capitalised.csv")
    assert triples(review, file) == []
    assert rows_of(review, coder)["framing"].to_dict() == {"f1": "leadership", "f2": "management"}
    assert_rest_unaffected(review, file)


def test_abbreviated_framing_is_rejected(review_copy):
    review, file, coder = load_with(review_copy, "framing-abbreviated.csv")
    assert triples(review, file) == [("error", 3, "coding-framing")]
    problem = problems_of(review, file=file)[0]
    assert "'lead'" in problem.message and "leadership, management, both, neither" in problem.action
    assert rows_of(review, coder).index.tolist() == ["g1", "g3"]
    assert_rest_unaffected(review, file)


def test_passage_from_a_spreadsheet_as_3_0_is_accepted(review_copy):
    review, file, coder = load_with(review_copy, "passage-spreadsheet-float.csv")
    assert triples(review, file) == []
    rows = rows_of(review, coder)
    assert rows["passage"].tolist() == [3, 5]
    assert rows["passage_id"].tolist() == ["Kotter1990WhatLeaders/3", "Kotter1990WhatLeaders/5"]
    assert rows["anchored"].all()
    assert_rest_unaffected(review, file)


def test_passage_that_is_not_a_number_is_an_error(review_copy):
    review, file, coder = load_with(review_copy, "passage-not-a-number.csv")
    assert triples(review, file) == [("error", 3, "coding-passage")]
    assert "'p. 5'" in problems_of(review, file=file)[0].message
    assert rows_of(review, coder).index.tolist() == ["n1", "n3"]
    assert_rest_unaffected(review, file)


def test_passage_with_a_superscript_digit_is_an_error_not_a_crash(review_copy):
    review, file, coder = load_with(review_copy, "passage-superscript-digit.csv")
    assert triples(review, file) == [("error", 3, "coding-passage")]
    assert rows_of(review, coder).index.tolist() == ["p1"]


def test_duplicate_id_keeps_the_first(review_copy):
    review, file, coder = load_with(review_copy, "duplicate-id.csv")
    assert triples(review, file) == [("error", 4, "coding-duplicate-id")]
    assert "'d2'" in problems_of(review, file=file)[0].message
    assert "line 3" in problems_of(review, file=file)[0].message
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["d1", "d2", "d4"]
    assert (rows.loc["d2", "competency"], rows.loc["d2", "line"]) == ("budgeting", 3)
    assert_rest_unaffected(review, file)


# ---------------------------------------------------------------- quotes and where they are


def test_quote_in_another_passage_is_moved_there(review_copy):
    review, file, coder = load_with(review_copy, "quote-in-another-passage.csv")
    assert triples(review, file) == [("warning", 3, "coding-moved")]
    problem = problems_of(review, file=file)[0]
    assert "not in passage 4 but in passage 5" in problem.message
    assert problem.action == "run `litcoder reanchor` (or set passage to 5)"
    moved = rows_of(review, coder).loc["m2"]
    assert (moved["passage"], moved["passage_id"], moved["anchored"]) == (5, "Kotter1990WhatLeaders/5", True)
    text = review.texts["Kotter1990WhatLeaders"]
    assert text[moved["start"]:moved["end"]] == "finding qualified people to fill the posts"
    assert moved["quote"] in passage_text(review, "Kotter1990WhatLeaders", 5)
    assert_rest_unaffected(review, file)


def test_quote_in_a_passage_that_does_not_exist_is_moved(review_copy):
    path = review_copy / "corpus/codings/coder-a.csv"
    CoderFile(path).append({"id": "coder-a-9999", "citekey": "Kotter1990WhatLeaders", "passage": 99,
                            "quote": "finding qualified people to fill the posts", "competency": "staffing",
                            "framing": "management"})
    line = path.read_text(encoding="utf-8").count("\n")  # the row just appended is the last line
    review = Review.load(review_copy)
    assert triples(review, "corpus/codings/coder-a.csv") == [("warning", line, "coding-moved")]
    assert "the source has no passage 99" in review.problems[0].message
    assert rows_of(review, "coder-a").loc["coder-a-9999", "passage"] == 5


def test_quote_found_nowhere_is_an_orphan_kept_and_counted(review_copy):
    review, file, coder = load_with(review_copy, "quote-not-in-source.csv")
    assert triples(review, file) == [("warning", 3, "coding-orphan")]
    assert "managers make plans and budgets for the year" in problems_of(review, file=file)[0].message
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["o1", "o2"]
    orphan = rows.loc["o2"]
    assert not orphan["anchored"]
    assert pd.isna(orphan["start"]) and pd.isna(orphan["end"])
    assert (orphan["passage"], orphan["competency"], orphan["framing"]) == (3, "budgeting", "management")
    assert rows.loc["o1", "anchored"]
    assert_rest_unaffected(review, file)


def test_orphan_is_counted_in_the_evidence(bundled, review_copy):
    from litcoder import weigh_evidence

    review, file, coder = load_with(review_copy, "quote-not-in-source.csv")
    before = weigh_evidence(bundled).set_index("competency")
    after = weigh_evidence(review).set_index("competency")
    # o1 (planning, anchored) and o2 (budgeting, orphan) both count as codings
    assert after.loc["budgeting", "codings"] == before.loc["budgeting", "codings"] + 1
    assert after.loc["planning", "codings"] == before.loc["planning", "codings"] + 1
    assert after.loc["budgeting", "coders"] == before.loc["budgeting", "coders"] + 1


def test_quote_with_line_break_replaced_by_a_space_is_anchored(review_copy):
    review, file, coder = load_with(review_copy, "quote-line-break-as-space.csv")
    assert triples(review, file) == []
    rows = rows_of(review, coder)
    assert rows["anchored"].all() and rows["passage"].tolist() == [1, 3]
    text = review.texts["Bass1985Beyond"]
    assert text[rows.loc["w1", "start"]:rows.loc["w1", "end"]] == "turns it into a model\nthat can be measured"
    assert text[rows.loc["w2", "start"]:rows.loc["w2", "end"]] == (
        "rename it idealized influence.\nFollowers identify with the leader")
    assert_rest_unaffected(review, file)


def test_quote_with_straight_apostrophes_is_anchored(review_copy):
    review, file, coder = load_with(review_copy, "quote-straight-apostrophes.csv")
    assert triples(review, file) == []
    rows = rows_of(review, coder)
    assert rows["anchored"].all()
    bass = review.texts["Bass1985Beyond"]
    assert bass[rows.loc["a1", "start"]:rows.loc["a1", "end"]] == (
        "the added lift comes from the leader’s effect on followers’\naims and confidence")
    kotter = review.texts["Kotter1990WhatLeaders"]
    assert kotter[rows.loc["a2", "start"]:rows.loc["a2", "end"]] == "its job is “coping with change”"
    assert_rest_unaffected(review, file)


def test_empty_quote_takes_the_whole_passage_with_a_warning(review_copy):
    review, file, coder = load_with(review_copy, "empty-quote.csv")
    assert triples(review, file) == [("warning", 3, "coding-no-quote")]
    row = rows_of(review, coder).loc["q2"]
    assert row["anchored"] and row["quote"] == ""
    text = review.texts["Kotter1990WhatLeaders"]
    assert text[row["start"]:row["end"]] == passage_text(review, "Kotter1990WhatLeaders", 5)
    assert_rest_unaffected(review, file)


def test_bad_coded_at_is_a_warning_and_the_row_is_kept(review_copy):
    review, file, coder = load_with(review_copy, "coded-at-excel-format.csv")
    assert triples(review, file) == [("warning", 3, "coding-time")]
    assert "'01/10/2026 10:05'" in problems_of(review, file=file)[0].message
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["x1", "x2"]
    assert rows.loc["x2", "coded_at"] == "01/10/2026 10:05"
    assert_rest_unaffected(review, file)


# ---------------------------------------------------------------- broken CSV


def test_row_with_too_many_cells_is_left_out(review_copy):
    review, file, coder = load_with(review_copy, "row-with-extra-cell.csv")
    assert triples(review, file) == [("error", 3, "csv-malformed")]
    assert "9 cells, the header has 8" in problems_of(review, file=file)[0].message
    assert rows_of(review, coder)["line"].to_dict() == {"e1": 2, "e3": 4}
    assert_rest_unaffected(review, file)


def test_unclosed_quote_with_no_quote_after_it(review_copy):
    review, file, coder = load_with(review_copy, "unclosed-quote-no-quote-after.csv")
    assert triples(review, file) == [("error", 3, "csv-malformed")]
    assert "never closed" in problems_of(review, file=file)[0].message
    assert rows_of(review, coder)["line"].to_dict() == {"v1": 2, "v3": 4, "v4": 5}
    assert_rest_unaffected(review, file)


def test_unclosed_quote_mid_file_reports_its_row_and_reads_every_row_after(review_copy):
    review, file, coder = load_with(review_copy, "unclosed-quote-mid-file.csv")
    assert triples(review, file) == [("error", 3, "csv-malformed")]
    assert rows_of(review, coder)["line"].to_dict() == {"u1": 2, "u3": 4, "u4": 5, "u5": 6}


def test_header_missing_a_required_column_reads_no_row(review_copy):
    review, file, coder = load_with(review_copy, "header-missing-column.csv")
    assert triples(review, file) == [("error", 1, "csv-header")]
    assert "competency" in problems_of(review, file=file)[0].message
    assert rows_of(review, coder).empty
    assert_rest_unaffected(review, file)


def test_semicolon_separated_file_from_european_excel_loads(review_copy):
    review, file, coder = load_with(review_copy, "semicolon-european-excel.csv")
    assert triples(review, file) == []
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["k1", "k2", "k3"]
    assert rows["anchored"].all()
    assert rows.loc["k2", "quote"].startswith("There was no shortage of people")
    assert ", but few who could say" in rows.loc["k2", "quote"]
    assert rows.loc["k2", "memo"] == "routines; procedures"
    assert_rest_unaffected(review, file)


def test_bom_and_crlf_file_loads_cleanly(review_copy):
    review, file, coder = load_with(review_copy, "bom-crlf-excel.csv")
    assert triples(review, file) == []
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["b1", "b2", "b3"]     # 'id', not '\ufeffid'
    assert rows["line"].tolist() == [2, 3, 5]            # b2's memo spans two lines
    assert rows.loc["b2", "memo"] == "a memo over\r\ntwo lines"
    assert rows.loc["b3", "coded_at"] == "2026-10-01T10:09:00+00:00"   # no trailing \r
    assert rows["anchored"].all()
    assert_rest_unaffected(review, file)


def test_windows_1252_file_is_read_with_a_warning_and_right_accents(review_copy):
    review, file, coder = load_with(review_copy, "windows-1252.csv")
    assert triples(review, file) == [("warning", 3, "encoding")]
    assert "Windows-1252" in problems_of(review, file=file)[0].message
    rows = rows_of(review, coder)
    assert rows.index.tolist() == ["w1", "w2", "w3"]
    assert rows.loc["w2", "quote"] == "foreseeing and planning (his “prévoyance”)"
    assert rows.loc["w2", "memo"] == "Fayol’s own word: prévoyance"
    assert rows.loc["w2", "anchored"] and rows.loc["w2", "passage"] == 2
    assert_rest_unaffected(review, file)


def test_non_csv_file_is_not_read(review_copy):
    review, file, coder = load_with(review_copy, "coding-notes.txt")
    assert triples(review, file) == [("warning", None, "coding-file")]
    assert "coding-notes.txt" in problems_of(review, file=file)[0].message
    assert coder not in set(review.codings["coder"])
    assert_rest_unaffected(review, file)


def test_empty_file_is_a_warning(review_copy):
    review, file, coder = load_with(review_copy, "empty.csv")
    assert triples(review, file) == [("warning", 1, "csv-empty")]
    assert "empty" not in set(review.codings["coder"])
    assert_rest_unaffected(review, file)


def test_hidden_and_lock_files_are_ignored(review_copy):
    codings = review_copy / "corpus/codings"
    (codings / ".~lock.coder-a.csv#").write_text("someone,host,2026\n", encoding="utf-8")
    (codings / "coder-a.csv.lock").write_text("", encoding="utf-8")
    review = Review.load(review_copy)
    assert review.problems == []
    assert review.codings.groupby("coder").size().to_dict() == BUNDLED_CODERS


def test_codings_malformed_fixture_count():
    malformed = [p for p in CODINGS_FIXTURES.iterdir() if p.is_file()]
    assert len(malformed) >= 8


# ---------------------------------------------------------------- locate_quote


def test_locate_quote_exact():
    text = "Managers plan. Leaders set a direction."
    assert locate_quote("Leaders set", text) == (15, 26)
    assert locate_quote("Managers plan.", text) == (0, 14)
    assert locate_quote("nowhere", text) is None


def test_locate_quote_first_occurrence():
    assert locate_quote("lead", "lead and lead") == (0, 4)


def test_locate_quote_across_line_breaks_and_runs_of_spaces():
    assert locate_quote("leaders  do", "what\nleaders\ndo") == (5, 15)
    text = "keep the plan\r\n   on course"
    start, end = locate_quote("keep the plan on course", text)
    assert text[start:end] == text


def test_locate_quote_typographic_quotes_and_dashes():
    text = "Kotter’s “coping with change” – in short"
    start, end = locate_quote("Kotter's \"coping with change\" - in short", text)
    assert (start, end) == (0, len(text))
    start, end = locate_quote("change” —", text)
    assert text[start:end] == "change” –"
    # and the other way: curly in the quote, straight in the text
    assert locate_quote("the manager’s job", "the manager's job") == (0, 17)


def test_locate_quote_empty_or_blank_quote():
    assert locate_quote("   ", "some text") is None
    assert locate_quote("\n\t", "some\n\ttext") == (4, 6)      # found as it is


def test_locate_quote_regex_characters_are_literal():
    text = "costs (in $) rose by 5.0% [sic] + more"
    start, end = locate_quote("(in  $) rose by 5.0% [sic] +", text)
    assert text[start:end] == "(in $) rose by 5.0% [sic] +"
    assert locate_quote("5.0%", "5x0%") is None


def test_locate_quote_offsets_are_code_points_with_emoji():
    text = "Team 👩‍💼👍 spirit: the leader’s 🚀 vision"
    for quote, expected in [("the leader’s 🚀 vision", "the leader’s 🚀 vision"),
                            ("the leader's 🚀  vision", "the leader’s 🚀 vision"),
                            ("👩‍💼👍 spirit", "👩‍💼👍 spirit")]:
        start, end = locate_quote(quote, text)
        assert text[start:end] == expected
    assert locate_quote("the leader's", text)[0] == text.index("the leader’s")


def test_locate_quote_offsets_are_code_points_with_combining_accents():
    # 'é' written as e + COMBINING ACUTE ACCENT (two code points), as macOS and PDFs give it
    text = "Fayol’s pre\u0301voyance is foresight; the manager’s de\u0301cision."
    assert len("pre\u0301voyance") == 11
    start, end = locate_quote("pre\u0301voyance", text)
    assert text[start:end] == "pre\u0301voyance" and start == text.index("pre")
    start, end = locate_quote("the manager's  de\u0301cision", text)
    assert text[start:end] == "the manager’s de\u0301cision"
    assert end - start == len("the manager’s de\u0301cision")


_WORDS = st.text(alphabet="abcé\u0301👍 \n\t'’\"“-–", min_size=0, max_size=40)


@settings(max_examples=200, deadline=None, database=None)
@given(text=_WORDS, data=st.data())
def test_locate_quote_finds_any_slice_with_its_whitespace_respaced(text, data):
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    piece = text[i:j]
    quote = " ".join(piece.split())
    found = locate_quote(quote, text)
    if not quote:
        return
    assert found is not None
    start, end = found
    assert 0 <= start <= end <= len(text)

    def fold(s):
        s = unicodedata.normalize("NFC", s)
        return " ".join(s.translate(str.maketrans("’“”–", "'\"\"-")).split())

    assert fold(text[start:end]) == fold(quote)
