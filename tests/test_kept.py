"""What is kept between runs (inputs/kept.py): a coder's file loaded again unchanged is
taken from the cache, with the same codings and problems; any change to it, to what it is
checked against or to the cache itself makes it read again. Agreement is measured again
only for the competencies whose codings changed, with the same coefficients."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import coder_file, problems_of, rewrite_csv

import litcoder.inputs.codings as codings_module
from litcoder import Review
from litcoder.inputs.kept import KEPT, Kept, digest
from litcoder.problems import ProblemLog


def entries(root):
    return sorted((root / KEPT / "codings").glob("*.json"))


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
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("nor as a matter of personal magnetism or flair", "nor as anything else"),
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
    kept = Kept(tmp_path, "codings")
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


def test_agreement_is_measured_again_only_where_the_codings_changed(review_copy, monkeypatch):
    from litcoder.analysis import agreement
    from litcoder.analysis.reliability import agreement_table

    measured = []
    records = agreement._coefficient_records
    monkeypatch.setattr(agreement, "_coefficient_records", lambda *a: measured.append(1) or records(*a))
    first = agreement_table(Review.load(review_copy), resamples=200)
    everything = len(measured)
    assert everything > 10
    measured.clear()
    pd.testing.assert_frame_equal(agreement_table(Review.load(review_copy), resamples=200), first)
    assert measured == []
    coded = Review.load(review_copy).codings
    one = coded[(coded["coder"] == "coder-b") & (coded["competency"] == "charisma")]["id"].iloc[0]
    rewrite_csv(coder_file(review_copy, "coder-b"), lambda row: {
        **row, "framing": "management" if row["id"] == one else row["framing"]})
    changed = agreement_table(Review.load(review_copy), resamples=200)
    monkeypatch.setattr(agreement, "_coefficient_records", records)
    for entry in (review_copy / KEPT / "agreement").glob("*.json"):
        entry.unlink()
    pd.testing.assert_frame_equal(changed, agreement_table(Review.load(review_copy), resamples=200))
    assert 0 < len(measured) <= 2  # the framing of charisma, and of all competencies pooled


@pytest.mark.parametrize("damage", ['{"presence": 3}', '{"framing": {"k": [{"coefficient": 1}]}}', '[]'])
def test_damaged_kept_coefficients_are_measured_again(review_copy, damage):
    from litcoder.analysis.reliability import agreement_table

    first = agreement_table(Review.load(review_copy), resamples=100)
    entry = next((review_copy / KEPT / "agreement").glob("*.json"))
    stored = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps({**stored, "value": json.loads(damage)}), encoding="utf-8")
    pd.testing.assert_frame_equal(agreement_table(Review.load(review_copy), resamples=100), first)


@pytest.mark.parametrize("damage", [lambda v: v["id"].pop(), lambda v: v["passage"].__setitem__(0, "1"),
                                    lambda v: v["anchored"].__setitem__(0, 1), lambda v: v.pop("memo")])
def test_kept_columns_not_as_written_are_read_again(review_copy, damage):
    first = Review.load(review_copy)
    for entry in entries(review_copy):
        stored = json.loads(entry.read_text(encoding="utf-8"))
        damage(stored["value"])
        entry.write_text(json.dumps(stored), encoding="utf-8")
    again = Review.load(review_copy)
    pd.testing.assert_frame_equal(again.codings, first.codings)
    assert not [p for p in again.problems if p.kind == "internal"]
