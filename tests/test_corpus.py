"""Source texts → passages; source files as they turn up in corpus/sources; and the Review itself.

Problem source files are fixtures in tests/fixtures/sources/, named for the problem they
reproduce; a test copies one into a copy of the bundled review under the name that
causes the problem (e.g. a .pdf beside Kotter1990WhatLeaders.md).
"""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import FIXTURES, ROOT, problems_of
from hypothesis import given, settings
from hypothesis import strategies as st

from litcoder import NotAReview, Review
from litcoder.inputs.corpus import PASSAGE_COLUMNS, split_passages
from litcoder.problems import COLUMNS, Problem, count_by_severity

SOURCE_FIXTURES = FIXTURES / "sources"
SOURCES = "corpus/sources"


def texts_of(passages):
    return [p["text"] for p in passages]


def assert_offsets(text, passages):
    for number, p in enumerate(passages, 1):
        assert p["passage"] == number
        assert text[p["start"]:p["end"]] == p["text"]
        assert p["line"] == text.count("\n", 0, p["start"]) + 1


# ---------------------------------------------------------------- split_passages


def test_headings_are_not_passages_and_name_the_section():
    text = ("# Kotter (1990)\n\n## Two kinds of work\n\nFirst paragraph.\n\nSecond\nparagraph.\n\n"
            "### Networks ###\n\nThird paragraph.\n")
    passages = split_passages(text)
    assert texts_of(passages) == ["First paragraph.", "Second\nparagraph.", "Third paragraph."]
    assert [p["section"] for p in passages] == ["Two kinds of work", "Two kinds of work", "Networks"]
    assert [p["line"] for p in passages] == [5, 7, 12]
    assert_offsets(text, passages)


def test_passages_before_any_heading_have_no_section():
    passages = split_passages("Intro.\n\n# Part one\n\nBody.")
    assert [(p["text"], p["section"]) for p in passages] == [("Intro.", ""), ("Body.", "Part one")]


def test_what_is_not_a_heading_block():
    text = "#hashtag is not a heading\n\n# Title\ntext right below it\n\n####### seven hashes\n"
    passages = split_passages(text)
    # a heading with text on the next line is one block, not only a heading: it is a passage
    assert texts_of(passages) == ["#hashtag is not a heading", "# Title\ntext right below it",
                                  "####### seven hashes"]
    assert {p["section"] for p in passages} == {""}
    assert_offsets(text, passages)


def test_crlf_line_ends():
    text = "# Notes\r\n\r\nFirst line\r\nsecond line\r\n\r\nNext paragraph.\r\n"
    passages = split_passages(text)
    assert texts_of(passages) == ["First line\r\nsecond line", "Next paragraph."]
    assert [p["section"] for p in passages] == ["Notes", "Notes"]
    assert [p["line"] for p in passages] == [3, 6]
    assert_offsets(text, passages)


def test_trailing_spaces_and_blank_lines_holding_spaces():
    text = "One.   \n  \t \nTwo, with a trailing tab.\t\n \nThree."
    passages = split_passages(text)
    assert texts_of(passages) == ["One.", "Two, with a trailing tab.", "Three."]
    assert [p["line"] for p in passages] == [1, 3, 5]
    assert_offsets(text, passages)


def test_many_blank_lines():
    text = "A.\n\n\n\n\n\nB.\n\n\n"
    passages = split_passages(text)
    assert [(p["text"], p["start"], p["end"], p["line"]) for p in passages] == [
        ("A.", 0, 2, 1), ("B.", 8, 10, 7)]


def test_leading_blank_lines_and_indentation():
    text = "\n\n\n  An indented first paragraph.\n"
    passages = split_passages(text)
    assert [(p["text"], p["start"], p["line"]) for p in passages] == [("An indented first paragraph.", 5, 4)]
    assert_offsets(text, passages)


def test_single_paragraph():
    text = "Just one paragraph\nover two lines."
    assert split_passages(text) == [{"passage": 1, "section": "", "start": 0, "end": len(text), "line": 1,
                                     "text": text}]


@pytest.mark.parametrize("text", ["", "\n", "   \n\n \t\n", "# Only a title\n", "# Title\n\n## Notes\n\n"])
def test_empty_text_has_no_passage(text):
    assert split_passages(text) == []


def test_offsets_are_code_points():
    text = "# Café\n\nLe chef 👩‍🍳 dit: pre\u0301voyance.\n\nDeuxième 🚀 paragraphe."
    passages = split_passages(text)
    assert texts_of(passages) == ["Le chef 👩‍🍳 dit: pre\u0301voyance.", "Deuxième 🚀 paragraphe."]
    assert passages[0]["section"] == "Café"
    assert_offsets(text, passages)


def test_bundled_passages(bundled):
    assert len(bundled.passages) == 129
    assert list(bundled.passages.columns) == PASSAGE_COLUMNS
    assert bundled.passages["passage_id"].is_unique
    for row in bundled.passages.itertuples():
        text = bundled.texts[row.citekey]
        assert text[row.start:row.end] == row.text
        assert row.passage_id == f"{row.citekey}/{row.passage}"
    kotter = bundled.passages[bundled.passages["citekey"] == "Kotter1990WhatLeaders"]
    assert kotter["passage"].tolist() == list(range(1, 13))
    assert kotter["line"].tolist()[:3] == [5, 7, 9]
    assert kotter["section"].iloc[0] == "Two kinds of work, three pairs of processes"
    assert kotter["section"].iloc[-1] == "Networks, development and culture"


def _is_blank(line: str) -> bool:
    """A blank line as Markdown means it: nothing but spaces and tabs (and a CR of a CRLF)."""
    return re.fullmatch(r"[ \t\r]*", line) is not None


_PIECES = ["a", "b", "word", " ", "  ", "\t", "\n", "\n", "\r\n", "\r", "#", "# ", "## ",
           "é", "e\u0301", "👩‍💼", "\u00a0", "\x0b"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=60)


@settings(max_examples=300, deadline=None, database=None)
@given(text=_TEXT)
def test_passages_are_exact_ordered_disjoint_and_hold_no_blank_line(text):
    passages = split_passages(text)
    previous_end = 0
    for number, p in enumerate(passages, 1):
        assert p["passage"] == number
        assert text[p["start"]:p["end"]] == p["text"]
        assert p["text"] and p["text"] == p["text"].strip()
        assert p["start"] >= previous_end
        previous_end = p["end"]
        assert p["line"] == text.count("\n", 0, p["start"]) + 1
        assert not any(_is_blank(line) for line in p["text"].split("\n")), p["text"]


# ---------------------------------------------------------------- source files in a review


def test_text_with_no_bib_entry_is_an_orphan_with_a_suggestion(review_copy):
    shutil.copy(SOURCE_FIXTURES / "citekey-typo-orphan-text.md", review_copy / SOURCES / "Kotter1990WhatLeader.md")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("warning", f"{SOURCES}/Kotter1990WhatLeader.md", None, "source-orphan-text")]
    assert "did you mean Kotter1990WhatLeaders?" in review.problems[0].message
    assert "Kotter1990WhatLeader" not in review.texts
    assert review.summary()["passages"] == 129 and len(review.codings) == 313


def test_citekey_with_no_text_is_reported_on_its_bib_line(bundled, review_copy):
    (review_copy / SOURCES / "Gulick1937Notes.md").unlink()
    review = Review.load(review_copy)
    line = int(bundled.sources.set_index("citekey").loc["Gulick1937Notes", "line"])
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("warning", "references.bib", line, "source-no-text")]
    assert (ROOT / "references.bib").read_text(encoding="utf-8").split("\n")[line - 1].startswith(
        "@incollection{Gulick1937Notes,")
    summary = review.summary()
    assert (summary["sources"], summary["sources_with_text"], summary["passages"]) == (12, 11, 118)
    # the source's codings are kept (it is reported once, for the source), none is placed
    gulick = review.codings[review.codings["citekey"] == "Gulick1937Notes"]
    assert len(gulick) == 18 and not gulick["anchored"].any()
    assert len(review.codings) == 313


def test_pdf_beside_the_md_is_a_second_text_and_the_md_is_read(bundled, review_copy):
    # Reading notes kept beside the article's PDF: one of them is the text that is coded.
    shutil.copy(SOURCE_FIXTURES / "pdf-beside-md.pdf", review_copy / SOURCES / "Kotter1990WhatLeaders.pdf")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("error", f"{SOURCES}/Kotter1990WhatLeaders.md", None, "source-duplicate")]
    assert "Kotter1990WhatLeaders.md, Kotter1990WhatLeaders.pdf" in review.problems[0].message
    assert review.texts["Kotter1990WhatLeaders"] == bundled.texts["Kotter1990WhatLeaders"]
    assert review.text_files["Kotter1990WhatLeaders"] == f"{SOURCES}/Kotter1990WhatLeaders.md"
    assert review.summary() == bundled.summary()


@pytest.mark.parametrize("name", ["Kotter1990WhatLeaders.doc", "Kotter1990WhatLeaders.epub", "Kotter1990WhatLeaders"])
def test_a_file_of_a_kind_litcoder_does_not_read_is_named_with_the_kinds_it_does(bundled, review_copy, name):
    (review_copy / SOURCES / name).write_bytes(b"\xd0\xcf\x11\xe0 not a text")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("warning", f"{SOURCES}/Kotter1990WhatLeaders.md", None, "source-format")]
    assert name in review.problems[0].message and ".pdf" in review.problems[0].message
    assert review.summary() == bundled.summary()


def test_a_source_with_only_a_file_of_an_unknown_kind_has_no_text(bundled, review_copy):
    (review_copy / SOURCES / "Gulick1937Notes.md").rename(review_copy / SOURCES / "Gulick1937Notes.rtf")
    review = Review.load(review_copy)
    assert sorted((p.severity, p.file, p.kind) for p in review.problems) == [
        ("warning", f"{SOURCES}/Gulick1937Notes.rtf", "source-format"), ("warning", "references.bib", "source-no-text")]
    assert "Gulick1937Notes" not in review.texts


def test_md_and_txt_for_one_citekey_is_an_error_and_the_md_is_read(bundled, review_copy):
    shutil.copy(SOURCE_FIXTURES / "second-text-as-txt.txt", review_copy / SOURCES / "Kotter1990WhatLeaders.txt")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("error", f"{SOURCES}/Kotter1990WhatLeaders.md", None, "source-duplicate")]
    assert "Kotter1990WhatLeaders.md, Kotter1990WhatLeaders.txt" in review.problems[0].message
    assert review.texts["Kotter1990WhatLeaders"] == bundled.texts["Kotter1990WhatLeaders"]
    assert review.summary() == bundled.summary()
    assert review.codings["anchored"].all()


@pytest.mark.parametrize("fixture", ["empty-text.md", "heading-only-text.md"])
def test_empty_text_is_reported(review_copy, fixture):
    shutil.copy(SOURCE_FIXTURES / fixture, review_copy / SOURCES / "Gulick1937Notes.md")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line) for p in problems_of(review, "source-empty")] == [
        ("warning", f"{SOURCES}/Gulick1937Notes.md", None)]
    assert not problems_of(review, "source-no-text")       # it has a text, an empty one
    assert review.summary()["passages"] == 118 and review.summary()["sources_with_text"] == 11
    # its 18 codings are kept, unplaced, and said once for the source rather than row by row
    (unplaced,) = problems_of(review, "source-codings-unplaced")
    assert (unplaced.file, unplaced.line) == (f"{SOURCES}/Gulick1937Notes.md", None)
    assert unplaced.message.startswith("18 codings of Gulick1937Notes are kept")
    assert {p.kind for p in review.problems} == {"source-empty", "source-codings-unplaced"}
    assert len(review.codings) == 313
    assert not review.codings.loc[review.codings["citekey"] == "Gulick1937Notes", "anchored"].any()


def test_bom_and_crlf_source_text_keeps_passages_and_codings(bundled, review_copy):
    path = review_copy / SOURCES / "Bass1985Beyond.md"
    original = bundled.texts["Bass1985Beyond"]
    path.write_bytes(b"\xef\xbb\xbf" + original.replace("\n", "\r\n").encode("utf-8"))
    review = Review.load(review_copy)
    assert review.problems == []
    text = review.texts["Bass1985Beyond"]
    assert not text.startswith("\ufeff")
    before = bundled.passages[bundled.passages["citekey"] == "Bass1985Beyond"]
    after = review.passages[review.passages["citekey"] == "Bass1985Beyond"]
    assert after["text"].str.replace("\r\n", "\n").tolist() == before["text"].tolist()
    assert after["line"].tolist() == before["line"].tolist()
    for row in after.itertuples():
        assert text[row.start:row.end] == row.text
    bass = review.codings[review.codings["citekey"] == "Bass1985Beyond"]
    assert len(bass) > 0 and bass["anchored"].all()
    assert bass["passage"].tolist() == bundled.codings[bundled.codings["citekey"] == "Bass1985Beyond"][
        "passage"].tolist()


def test_windows_1252_source_text_is_read_with_a_warning(bundled, review_copy):
    original = bundled.texts["Fayol1949General"]
    (review_copy / SOURCES / "Fayol1949General.md").write_bytes(original.encode("cp1252"))
    review = Review.load(review_copy)
    first_non_ascii = next(i for i, line in enumerate(original.split("\n"), 1) if not line.isascii())
    assert [(p.severity, p.file, p.line, p.kind) for p in review.problems] == [
        ("warning", f"{SOURCES}/Fayol1949General.md", first_non_ascii, "encoding")]
    assert review.texts["Fayol1949General"] == original
    assert review.summary() == bundled.summary()


def test_hidden_files_in_sources_are_ignored(bundled, review_copy):
    (review_copy / SOURCES / ".DS_Store").write_bytes(b"\x00\x01")
    review = Review.load(review_copy)
    assert review.problems == []


def test_source_malformed_fixture_count():
    assert len([p for p in SOURCE_FIXTURES.iterdir() if p.is_file()]) >= 5


# ---------------------------------------------------------------- the Review


def test_folder_that_is_not_a_review_raises(tmp_path):
    (tmp_path / "notes.txt").write_text("not a review", encoding="utf-8")
    with pytest.raises(NotAReview, match="is not a review"):
        Review.load(tmp_path)


def test_missing_folder_is_not_a_review(tmp_path):
    with pytest.raises(NotAReview):
        Review.load(tmp_path / "nowhere")


def test_bundled_summary(bundled):
    assert bundled.summary() == {"sources": 12, "sources_with_text": 12, "passages": 129, "competencies": 24,
                                 "coders": 3, "codings": 313, "decisions": 9, "finished": 29}
    assert bundled.problems == []
    assert bundled.problem_counts() == {"error": 0, "warning": 0, "info": 0}
    assert bundled.sources["passages"].sum() == 129
    assert bundled.sources["text_file"].str.startswith(SOURCES).all()


def test_bundled_problems_frame_is_empty_with_its_columns(bundled):
    frame = bundled.problems_frame()
    assert frame.empty and list(frame.columns) == COLUMNS


def test_problems_frame_puts_errors_first_then_by_file_and_line(review_copy):
    shutil.copy(FIXTURES / "codings" / "duplicate-id.csv", review_copy / "corpus/codings/zz-duplicate-id.csv")
    shutil.copy(FIXTURES / "codings" / "coded-at-excel-format.csv", review_copy / "corpus/codings/coded-at.csv")
    shutil.copy(SOURCE_FIXTURES / "pdf-beside-md.pdf", review_copy / SOURCES / "Kotter1990WhatLeaders.pdf")
    (review_copy / SOURCES / "Gulick1937Notes.md").unlink()
    with (review_copy / "corpus/decisions.csv").open("a", encoding="utf-8") as f:
        f.write("vision,leadership,2026-12-01,full committee,Wrong id.,4,0,0,0\n")
        f.write("directing,management,2026-12-01,full committee,,0,3,0,0\n")
    (review_copy / "corpus/codings/extra-column.csv").write_text(
        "id,citekey,passage,quote,competency,framing,reviewer_note\n"
        "e1,Kotter1990WhatLeaders,5,finding qualified people to fill the posts,staffing,management,ok\n",
        encoding="utf-8")
    review = Review.load(review_copy)
    frame = review.problems_frame()
    assert list(frame.columns) == COLUMNS
    assert str(frame["line"].dtype) == "Int64"
    got = list(zip(frame["severity"], frame["file"], frame["line"].astype(object).where(frame["line"].notna(), None),
                   frame["kind"]))
    assert got[0] == ("error", "corpus/codings/zz-duplicate-id.csv", 4, "coding-duplicate-id")
    assert [g[0] for g in got] == sorted((g[0] for g in got), key=["error", "warning", "info"].index)
    assert set(frame["severity"]) == {"error", "warning", "info"}
    expected = sorted(got, key=lambda g: (["error", "warning", "info"].index(g[0]), g[1],
                                          g[2] is not None, g[2] or 0))
    assert got == expected
    assert ("error", "corpus/decisions.csv", 11, "decision-competency") in got
    assert ("warning", "corpus/decisions.csv", 12, "decision-rationale") in got
    assert ("warning", "references.bib", 55, "source-no-text") in got
    assert ("info", "corpus/codings/extra-column.csv", 1, "csv-column") in got
    assert count_by_severity(review.problems) == frame["severity"].value_counts().reindex(
        ["error", "warning", "info"], fill_value=0).to_dict()


def test_problem_text_and_severity():
    p = Problem("error", "corpus/codings/coder-a.csv", 12, "unknown framing 'lead'",
                "use one of: leadership, management, both, neither", "coding-framing")
    assert str(p) == ("corpus/codings/coder-a.csv:12: error: unknown framing 'lead' "
                      "(use one of: leadership, management, both, neither)")
    assert Problem("warning", "references.bib", None, "m").where == "references.bib"
    assert str(Problem("info", "f", 3, "m")) == "f:3: info: m"
    with pytest.raises(ValueError):
        Problem("fatal", "f", 1, "m")
