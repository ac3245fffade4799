"""A rebuild makes only what changed, and writes exactly what a first build would.

The source pages, the graph and the tables of sources, codings and disagreements are each
fingerprinted (outputs/pages.py: what each is made from), the fingerprints kept in the
review's .litcoder/cache/outputs/; a file whose fingerprint is unchanged and which is still
as written is neither made nor written again.
"""

from __future__ import annotations

import csv
import filecmp
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from litcoder import Review
from litcoder.outputs import pages
from litcoder.outputs.report import build

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_review import generate

MANIFESTS = Path(pages.MANIFESTS)


def _copy_inputs(review: Path, to: Path) -> Path:
    """The review's inputs (not its outputs, nor its cache) copied to `to`."""
    shutil.copytree(review, to, ignore=shutil.ignore_patterns("outputs", ".litcoder"))
    return to


def _add_coding(review: Path, coder: str, quote_from: int = 1) -> str:
    """Append to the coder's file a copy of its `quote_from`-th coding, of another competency
    and with a memo in real Unicode; returns the citekey of the source it codes."""
    path = review / "corpus" / "codings" / f"{coder}.csv"
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns, rows = reader.fieldnames, list(reader)
    row = dict(rows[quote_from - 1])
    other = next(r["competency"] for r in rows if r["competency"] != row["competency"])
    row.update(id=f"{coder}-añadida-1", competency=other, memo="Führung, 指導 — nachträglich")
    with open(path, "a", newline="", encoding="utf-8") as file:
        csv.DictWriter(file, columns, lineterminator="\n").writerow(row)
    return row["citekey"]


def _same_outputs(left: Path, right: Path) -> None:
    compared = filecmp.dircmp(left, right)
    _, mismatched, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    assert not mismatched and not errors, (left, mismatched, errors)
    assert not compared.left_only and not compared.right_only, (left, compared.left_only, compared.right_only)
    for name in compared.common_dirs:
        _same_outputs(left / name, right / name)


def _stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small generated review (accented names, @string macros, wrapped texts), built once."""
    review = generate(tmp_path_factory.mktemp("generated") / "review", sources=30, paragraphs=6, competencies=8,
                      coders=3, codings=400)
    build(review, images=False)
    return review


def _rebuilt_after_one_coding(review: Path, coder: str, tmp_path: Path) -> tuple[Path, Path, dict, str]:
    """The review copied with its outputs and cache, one coding appended and rebuilt; and a
    copy of the same inputs built from nothing. Returns both, the files' modification times
    before the rebuild, and the citekey of the source the coding is in."""
    edited = tmp_path / "edited"
    shutil.copytree(review, edited, copy_function=shutil.copy2)
    if not (edited / MANIFESTS).is_dir():
        build(edited, images=False)
    before = _stamps(edited / "outputs")
    citekey = _add_coding(edited, coder)
    build(edited, images=False)
    fresh = _copy_inputs(edited, tmp_path / "fresh")
    build(fresh, images=False)
    return edited, fresh, before, citekey


def test_a_rebuild_after_one_coding_equals_a_first_build_and_renders_one_page(generated, tmp_path):
    edited, fresh, before, citekey = _rebuilt_after_one_coding(generated, "coder-b", tmp_path)
    _same_outputs(edited / "outputs", fresh / "outputs")
    after = _stamps(edited / "outputs")
    page = f"sources/{pages.page_name(citekey)}"
    rewritten = {name for name, stamp in after.items() if before.get(name) != stamp}
    assert page in rewritten and "tables/codings.csv" in rewritten
    assert not {name for name in rewritten if name.startswith("sources/")} - {page}, "only its source's page"
    assert "tables/sources.csv" not in rewritten, "the sources did not change"
    assert "Führung, 指導 — nachträglich" in (edited / "outputs" / "tables" / "codings.csv").read_text(encoding="utf-8")


def test_a_rebuild_of_the_bundled_review_after_one_coding_equals_a_first_build(review_copy, tmp_path):
    edited, fresh, before, citekey = _rebuilt_after_one_coding(review_copy, "coder-b", tmp_path)
    _same_outputs(edited / "outputs", fresh / "outputs")
    after = _stamps(edited / "outputs")
    unchanged = [name for name in before if name.startswith("sources/") and after[name] == before[name]]
    assert unchanged and f"sources/{pages.page_name(citekey)}" not in unchanged


def test_a_rebuild_with_nothing_changed_writes_none_of_the_fingerprinted_files(generated, tmp_path):
    review = tmp_path / "again"
    shutil.copytree(generated, review, copy_function=shutil.copy2)
    before = _stamps(review / "outputs")
    build(review, images=False)
    after = _stamps(review / "outputs")
    kept = ["tables/codings.csv", "tables/sources.csv", "tables/disagreements.csv", "graph/review.graphml",
            *(name for name in before if name.startswith("sources/"))]
    assert all(after[name] == before[name] for name in kept)
    manifest = json.loads((review / MANIFESTS / "sources.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.name for p in (review / "outputs" / "sources").glob("*.html"))


@pytest.mark.parametrize("damage", ["not json {", '{"version": "another", "files": {}}', '["a list"]',
                                    '{"files": {"x.html": [1, 2]}}', ""])
def test_a_damaged_manifest_makes_every_page_again(generated, tmp_path, damage):
    review = tmp_path / "damaged"
    shutil.copytree(generated, review, copy_function=shutil.copy2)
    for name in ("sources.json", "tables.json", "graph.json"):
        (review / MANIFESTS / name).write_text(damage, encoding="utf-8")
    shutil.rmtree(review / "outputs" / "sources")  # made again only if the manifest is not believed
    (review / "outputs" / "tables" / "codings.csv").write_text("", encoding="utf-8")
    build(review, images=False)
    fresh = _copy_inputs(review, tmp_path / "fresh")
    build(fresh, images=False)
    _same_outputs(review / "outputs", fresh / "outputs")


def test_an_output_edited_or_deleted_by_hand_is_made_again(generated, tmp_path):
    review = tmp_path / "edited-by-hand"
    shutil.copytree(generated, review, copy_function=shutil.copy2)
    page = sorted((review / "outputs" / "sources").glob("*.html"))[0]
    original = page.read_bytes()
    page.write_bytes(b"x" * len(original))  # the same size: told apart by its modification time
    (review / "outputs" / "graph" / "review.gexf").unlink()
    build(review, images=False)
    assert page.read_bytes() == original
    assert (review / "outputs" / "graph" / "review.gexf").read_bytes() == (
        generated / "outputs" / "graph" / "review.gexf").read_bytes()


def test_a_source_no_longer_in_the_review_loses_its_page_and_its_fingerprint(generated, tmp_path):
    review = tmp_path / "fewer"
    shutil.copytree(generated, review, copy_function=shutil.copy2)
    text = sorted((review / "corpus" / "sources").iterdir())[0]
    text.unlink()
    build(review, images=False)
    fresh = _copy_inputs(review, tmp_path / "fresh")
    build(fresh, images=False)
    _same_outputs(review / "outputs", fresh / "outputs")
    manifest = json.loads((review / MANIFESTS / "sources.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(p.name for p in (review / "outputs" / "sources").glob("*.html"))


def test_a_cache_folder_that_is_a_file_means_no_manifest_and_the_same_outputs(generated, tmp_path):
    review = _copy_inputs(generated, tmp_path / "no-cache")
    (review / ".litcoder").write_text("a file where litcoder's folder goes", encoding="utf-8")
    build(review, images=False)
    first = shutil.copytree(review / "outputs", tmp_path / "first")
    _add_coding(review, "coder-a")
    build(review, images=False)
    assert (review / ".litcoder").is_file()
    fresh = _copy_inputs(review, tmp_path / "fresh")
    (fresh / ".litcoder").write_text("a file where litcoder's folder goes", encoding="utf-8")
    build(fresh, images=False)
    _same_outputs(review / "outputs", fresh / "outputs")
    assert not filecmp.cmp(first / "tables" / "codings.csv", review / "outputs" / "tables" / "codings.csv", False)


# ---------------------------------------------------------------- the fingerprints themselves


def test_cells_a_file_shows_differently_hash_differently():
    frame = pd.DataFrame({"mixed": [None, float("nan"), "None", "nan", 1, "1", "Ñandú"],
                          "number": [0.0, -0.0, 1.0, 1.0, 2.5, 2.5, 3.0]})
    hashes = pages.cell_hashes(frame)
    assert hashes.shape == (7, 3)
    assert len(set(hashes[:, 0].tolist())) == 7, "None, NaN, 'None', 'nan', 1 and '1' apart"
    assert hashes[0, 2] != hashes[1, 2], "0.0 and -0.0 apart"
    text = pd.DataFrame({"page": pd.array(["12", None, "<NA>", "xii"], dtype="string")})
    assert len(set(pages.cell_hashes(text)[:, 0].tolist())) == 4


def test_a_frame_fingerprint_sees_order_types_and_cells():
    frame = pd.DataFrame({"citekey": ["Müller2001", "García1999"], "passage": [1, 2]})
    same = pages.frame_fingerprint(frame.copy())
    assert pages.frame_fingerprint(frame) == same
    assert pages.frame_fingerprint(frame.iloc[::-1]) != same
    assert pages.frame_fingerprint(frame.astype({"passage": "float64"})) != same
    assert pages.frame_fingerprint(frame.assign(passage=[1, 3])) != same
    assert pages.frame_fingerprint(frame.rename(columns={"passage": "paragraph"})) != same
    assert pages.frame_fingerprint(frame, more=("2026-11-30",)) != same


def test_a_label_changes_the_fingerprints_of_the_pages_that_name_it_only(bundled):
    codings = bundled.quoted_codings
    cite = dict(zip(bundled.sources["citekey"], bundled.sources["author_year"]))
    before = pages.page_fingerprints(bundled, codings, cite)
    competency = codings["competency"].iloc[0]
    relabelled = _Relabelled(bundled, competency, "Liderazgo — nuevo nombre")
    after = pages.page_fingerprints(relabelled, codings, cite)
    naming = set(codings.loc[codings["competency"] == competency, "citekey"])
    assert {c for c in before if before[c] != after[c]} == naming & set(before)
    shown = pages.source_pages(relabelled, codings, cite)
    assert all(("Liderazgo — nuevo nombre" in shown[pages.page_name(c)]) == (c in naming) for c in before)


class _Relabelled:
    """The review with one competency's label changed (its frames otherwise shared)."""

    def __init__(self, review: Review, competency: str, label: str):
        self.__dict__.update({name: getattr(review, name) for name in ("sources", "passages", "texts")})
        codebook = review.codebook.copy()
        codebook.loc[codebook["competency"] == competency, "label"] = label
        self.codebook = codebook


def test_a_page_made_of_a_subset_of_sources_is_the_page_of_all(bundled):
    codings = bundled.quoted_codings
    cite = dict(zip(bundled.sources["citekey"], bundled.sources["author_year"]))
    every = pages.source_pages(bundled, codings, cite)
    some = set(np.array(sorted(pages.page_fingerprints(bundled, codings, cite)))[::3].tolist())
    part = {name: source.html() for name, source in pages.page_sources(bundled, codings, cite, some).items()}
    assert len(part) == len(some) and all(every[name] == page for name, page in part.items())
