"""Kept reads (inputs/kept.py): a coder's file loaded again unchanged is taken from the
cache, with the same codings and problems; any change to it, to what it is checked
against or to the cache itself makes it read again."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import coder_file, problems_of, rewrite_csv

import litcoder.inputs.codings as codings_module
from litcoder import Review
from litcoder.inputs.kept import KEPT, KeptReads, digest
from litcoder.problems import ProblemLog


def entries(root):
    return sorted((root / KEPT / "codings").glob("*.json"))


@pytest.fixture
def untouchable(monkeypatch):
    """Reading a coder's file fails: what loads comes from the kept reads."""
    def refused(path, *args):
        raise AssertionError(f"{path.name} was read again")
    monkeypatch.setattr(codings_module, "_coder_columns", refused)


def with_bad_rows(root):
    """coder-a's file with an unknown competency and an orphan quote, so it has problems to keep."""
    rewrite_csv(coder_file(root, "coder-a"), lambda row: {
        **row, "competency": "not-in-the-codebook" if row["id"] == "coder-a-0002" else row["competency"],
        "quote": "words no source has" if row["id"] == "coder-a-0003" else row["quote"],
        "start": "" if row["id"] == "coder-a-0003" else row["start"]})


def test_an_unchanged_review_loads_the_same_from_the_kept_reads(review_copy, monkeypatch):
    with_bad_rows(review_copy)
    first = Review.load(review_copy)
    assert [p.name for p in entries(review_copy)] == [f"corpus%2Fcodings%2F{c}.csv.json" for c in
                                                       ("coder-a", "coder-b", "coder-c")]
    monkeypatch.setattr(codings_module, "_coder_columns", lambda path, *args: pytest.fail(f"{path} read again"))
    again = Review.load(review_copy)
    pd.testing.assert_frame_equal(again.codings, first.codings)
    assert again.problems == first.problems
    assert problems_of(again, "coding-competency") and problems_of(again, "coding-orphan")


def test_a_changed_coder_file_is_read_again(review_copy):
    Review.load(review_copy)
    rewrite_csv(coder_file(review_copy, "coder-b"), lambda row: {**row, "framing": "both"})
    review = Review.load(review_copy)
    assert set(review.codings.loc[review.codings["coder"] == "coder-b", "framing"]) == {"both"}


def test_an_edited_source_or_codebook_reads_the_coder_files_again(review_copy):
    first = Review.load(review_copy)
    source = review_copy / "corpus" / "sources" / "Kotter1990WhatLeaders.md"
    source.write_text(source.read_text(encoding="utf-8").replace("nor as a matter of personal magnetism or flair", "nor as anything else"),
                      encoding="utf-8")
    review = Review.load(review_copy)
    assert any("personal magnetism" in p.message for p in problems_of(review, "coding-orphan"))
    assert not any("personal magnetism" in p.message for p in problems_of(first, "coding-orphan"))
    codebook = review_copy / "corpus" / "codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace("id: charisma", "id: charm"), encoding="utf-8")
    review = Review.load(review_copy)
    assert "charisma" not in set(review.codings["competency"])
    assert len(review.codings) < len(first.codings)


@pytest.mark.parametrize("damage", ["", "not json", "[1, 2]", '{"key": "x"}', "{}"])
def test_a_damaged_entry_is_read_again_and_replaced(review_copy, damage):
    first = Review.load(review_copy)
    for entry in entries(review_copy):
        entry.write_text(damage, encoding="utf-8")
    again = Review.load(review_copy)
    pd.testing.assert_frame_equal(again.codings, first.codings)
    assert all(json.loads(entry.read_text(encoding="utf-8"))["value"] for entry in entries(review_copy))


def test_an_entry_with_the_right_key_but_a_wrong_shape_is_not_used(tmp_path):
    kept = KeptReads(tmp_path, "codings")
    log = ProblemLog("corpus/codings/a.csv")
    log.error(3, "a problem", "do this", "coding-framing")
    kept.put("corpus/codings/a.csv", "k", {"id": ["x"]}, log)
    assert kept.get("corpus/codings/a.csv", "k") == ({"id": ["x"]}, log)
    assert kept.get("corpus/codings/a.csv", "other") is None
    entry = next((tmp_path / KEPT / "codings").glob("*.json"))
    for problems in ([["fatal", 3, "m", "a", "k"]], [["error", "3", "m", "a", "k"]], [["error"]], "x"):
        entry.write_text(json.dumps({"key": "k", "value": {}, "problems": problems}), encoding="utf-8")
        assert kept.get("corpus/codings/a.csv", "k") is None


def test_no_kept_reads_where_the_cache_is_not_the_reviews_own(review_copy, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (review_copy / ".litcoder").symlink_to(elsewhere)
    first = Review.load(review_copy)
    assert not any(elsewhere.rglob("*.json"))
    assert len(first.codings) and problems_of(first, "cache-refused")


def test_a_file_saved_to_while_it_is_read_is_not_kept(review_copy, monkeypatch):
    """What was read may not be the bytes the key was made from: nothing is kept then."""
    read = codings_module._coder_columns

    def saved_meanwhile(path, root, context):
        result = read(path, root, context)
        with open(path, "a", encoding="utf-8") as file:
            file.write("late-1,Kotter1990WhatLeaders,1,personal magnetism,charisma,neither,,,,,,,\n")
        return result

    monkeypatch.setattr(codings_module, "_coder_columns", saved_meanwhile)
    Review.load(review_copy)
    monkeypatch.undo()
    assert entries(review_copy) == []
    assert "late-1" in set(Review.load(review_copy).codings["id"])


def test_digest_keeps_its_parts_apart():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", b"b") == digest("a", "b")
