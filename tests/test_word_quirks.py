"""Word files: the text of the document as it reads now, none of it dropped.

Each test names a quirk of real Word files. The files are built at test time by
tests/fixtures/texts/quirks/word_quirks.py (bodies written by us, in the shapes Word writes);
retention is measured against all the w:t text outside deletions, as
benchmarks/retention_benchmark.py does.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import docx
import pytest

from litcoder.inputs.corpus import split_passages
from litcoder.inputs.extract import docx as docx_reader
from litcoder.inputs.extract import extract
from litcoder.inputs.extract.html import retention

QUIRKS = Path(__file__).resolve().parent / "fixtures" / "texts" / "quirks"
_spec = importlib.util.spec_from_file_location("word_quirks", QUIRKS / "word_quirks.py")
word_quirks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(word_quirks)
para, run = word_quirks.para, word_quirks.run


def read(tmp_path: Path, name: str, body: str | None = None):
    path = tmp_path / name
    path.write_bytes(word_quirks.word_file(word_quirks.DOCUMENTS[name] if body is None else body))
    return extract(path, name)


def passages(result) -> list[str]:
    return [p["text"] for p in split_passages(result.text)]


def found_in(data: bytes) -> str:
    return docx_reader.found_text(docx.Document(io.BytesIO(data)).element.body)


# ---------------------------------------------------------------- tracked changes


def test_tracked_insertions_are_kept(tmp_path):
    found = passages(read(tmp_path, "tracked-changes.docx"))
    assert "Leaders set a clear direction for the branch." in found
    assert "A whole paragraph the reviewer added, about coaching." in found


def test_tracked_deletions_are_left_out(tmp_path):
    result = read(tmp_path, "tracked-changes.docx")
    for gone in ("and the budget", "struck out", "never"):
        assert gone not in result.text
    assert "Budgets are a leader's first task." in passages(result)  # w:t inside w:del, as some programs write it


def test_moved_text_is_kept_once_at_its_new_place(tmp_path):
    result = read(tmp_path, "tracked-changes.docx")
    assert result.text.count("Managers keep the rota balanced.") == 1
    assert "Then, later: Managers keep the rota balanced." in passages(result)
    assert "Staff notice both." in passages(result)


# ---------------------------------------------------------------- smart tags, content controls, fields


def test_smart_tags_keep_their_text(tmp_path):
    assert "The branch in Leeds was led by a deputy for a year." in passages(
        read(tmp_path, "smart-tags-and-content-controls.docx"))


def test_inline_content_controls_keep_their_text(tmp_path):
    found = passages(read(tmp_path, "smart-tags-and-content-controls.docx"))
    assert "Report by the regional manager, reviewed by the committee." in found
    assert "A block inside a content control, on delegation." in found


def test_custom_xml_and_fields_keep_their_text_not_their_codes(tmp_path):
    result = read(tmp_path, "smart-tags-and-content-controls.docx")
    assert "Our framing of each competency is recorded." in passages(result)
    assert "See the competency list and the codebook." in passages(result)
    assert "HYPERLINK" not in result.text and "example.org" not in result.text


def test_content_controls_around_table_rows_and_cells(tmp_path):
    assert "Task | Framing\nRota | management" in passages(read(tmp_path, "smart-tags-and-content-controls.docx"))


# ---------------------------------------------------------------- text boxes


def test_document_whose_text_is_in_a_text_box_is_not_empty(tmp_path):
    result = read(tmp_path, "text-box-only.docx")
    assert passages(result) == ["A poster for the staff room",
                                "Lead the change; manage the routine; ask the staff first.",
                                "Second box: the rota is still everyone's business."]
    assert list(result.problems) == []  # not "empty: no text to code"


def test_text_box_with_its_fallback_is_read_once(tmp_path):
    result = read(tmp_path, "text-box-only.docx")
    assert result.text.count("A poster for the staff room") == 1


def test_text_box_follows_the_paragraph_it_is_anchored_in(tmp_path):
    assert passages(read(tmp_path, "text-boxes-among-paragraphs.docx")) == [
        "A paragraph before the box, about planning the year.",
        "The anchor paragraph goes on after the box.",
        "Sidebar: what a deputy manages.",
        "An old VML text box, from Word 2007.",
        "A paragraph after the boxes."]


# ---------------------------------------------------------------- retention


@pytest.mark.parametrize("name", sorted(word_quirks.DOCUMENTS))
def test_quirk_documents_keep_all_their_text_outside_deletions(tmp_path, name):
    result = read(tmp_path, name)
    found = found_in((tmp_path / name).read_bytes())
    held, total = retention(result.text, found)
    assert total > 15 and held == total


def test_found_text_leaves_out_deletions_and_the_second_branch(tmp_path):
    found = found_in(word_quirks.word_file(word_quirks.TRACKED_CHANGES + word_quirks.TEXT_BOX_ONLY))
    assert "a clear" in found and "coaching" in found and "Staff notice both." in found
    assert "never" not in found and "and the budget" not in found
    assert found.count("Managers keep the rota balanced.") == 1 and found.count("A poster") == 1


def test_words_split_across_runs_are_one_word(tmp_path):
    body = para(run("Lead"), run("ership is not manage"), run("ment."))
    result = read(tmp_path, "split.docx", body)
    assert passages(result) == ["Leadership is not management."]
    assert retention(result.text, found_in((tmp_path / "split.docx").read_bytes())) == (4, 4)


def test_document_whose_passages_hold_much_less_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(docx_reader, "body_blocks", lambda body, headings: ["Tracked changes"])
    result = read(tmp_path, "tracked-changes.docx")
    warned = [p for p in result.problems if p.kind == "source-docx-retention"]
    assert len(warned) == 1 and warned[0].severity == "warning" and warned[0].file == "tracked-changes.docx"
    assert "of the words found in the document" in warned[0].message
