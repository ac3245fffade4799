"""litcoder.toml, and a review whose references come from several files of several kinds."""

from __future__ import annotations

import shutil

from conftest import FIXTURES, problems_of

from litcoder import Review
from litcoder.inputs.settings import read_settings

REFERENCES = FIXTURES / "references"


def test_without_the_file_a_review_reads_references_bib(tmp_path):
    settings, log = read_settings(tmp_path)
    assert settings == {"references": {"files": ["references.bib"], "distinct": [], "allow_outside": False},
                        "sources": {}, "attributes": {}}
    assert list(log) == []


def test_invalid_toml_is_an_error_with_its_line_and_the_defaults_are_used(tmp_path):
    (tmp_path / "litcoder.toml").write_text('[references]\nfiles = ["a.bib",\n  b.ris]\n', encoding="utf-8")
    settings, log = read_settings(tmp_path)
    assert settings["references"]["files"] == ["references.bib"]
    assert [(p.severity, p.kind) for p in log] == [("error", "settings-toml")]
    assert log[0].line == 3


def test_unknown_keys_and_a_bad_files_value(tmp_path):
    (tmp_path / "litcoder.toml").write_text('[references]\nfiles = 3\nstyle = "apa"\n[output]\nx = 1\n',
                                            encoding="utf-8")
    settings, log = read_settings(tmp_path)
    assert settings["references"]["files"] == ["references.bib"]
    assert sorted(p.kind for p in log) == ["settings-key", "settings-key", "settings-references"]


def test_a_single_file_name_is_taken_as_a_list(tmp_path):
    (tmp_path / "litcoder.toml").write_text('[references]\nfiles = "zotero.json"\n', encoding="utf-8")
    assert read_settings(tmp_path)[0]["references"]["files"] == ["zotero.json"]


def test_references_from_bibtex_ris_and_csl_json_make_one_sources_table(review_copy):
    shutil.copy(REFERENCES / "editions-and-reprints.ris", review_copy / "more.ris")
    shutil.copy(REFERENCES / "zotero-export.json", review_copy / "zotero.json")
    (review_copy / "litcoder.toml").write_text(
        '[references]\nfiles = ["references.bib", "more.ris", "zotero.json", "missing.ris"]\n', encoding="utf-8")
    review = Review.load(review_copy)
    files = review.sources.groupby("file").size().to_dict()
    assert files["references.bib"] == 12 and files["more.ris"] > 0 and files["zotero.json"] > 0
    assert review.sources["citekey"].is_unique
    assert len(review.bibliography_report) == 4
    assert "references.bib: 12 entries found, 12 imported" in review.bibliography_report.summary()
    # the works the other files share with references.bib are reported, with both places
    duplicates = problems_of(review, "ref-duplicate")
    assert duplicates and all("look like the same work" in p.message and "references.bib:" in p.message
                              for p in duplicates if "references.bib" in p.message)
    # a listed file that does not exist is an error, the rest still loads
    assert [p.file for p in review.problems if p.severity == "error"] == ["missing.ris"]
    assert len(review.codings) == 313


def test_a_bad_distinct_value_is_an_error_and_nothing_is_taken_from_it(tmp_path):
    (tmp_path / "litcoder.toml").write_text('[references]\ndistinct = ["Kotter1990WhatLeaders"]\n', encoding="utf-8")
    settings, log = read_settings(tmp_path)
    assert settings["references"]["distinct"] == []
    assert [(p.severity, p.kind) for p in log] == [("error", "settings-references")]


def test_works_the_user_says_are_distinct_are_not_reported_as_duplicates(review_copy):
    shutil.copy(REFERENCES / "editions-and-reprints.ris", review_copy / "more.ris")
    (review_copy / "litcoder.toml").write_text(
        '[references]\nfiles = ["references.bib", "more.ris"]\n'
        'distinct = [["Kotter1990WhatLeaders", "kotterWhatLeadersReally1990"],\n'
        '            ["Mintzberg1973Nature", "mintzbergNatureManagerialWork1973", "Mintzberg1937Nature"]]\n',
        encoding="utf-8")
    review = Review.load(review_copy)
    pairs = [p.message.split(" look like")[0] for p in problems_of(review, "ref-duplicate")]
    assert not any("kotterWhatLeadersReally1990 " in m or "mintzbergNature" in m for m in pairs)
    assert any("zaleznikManagersLeadersAre1977" in m for m in pairs)  # not named: still reported
    (unknown,) = problems_of(review, "settings-distinct")
    assert unknown.file == "litcoder.toml" and "'Mintzberg1937Nature'" in unknown.message
    assert "did you mean Mintzberg1973Nature?" in unknown.message


def test_a_reference_file_name_too_long_for_the_system_is_a_problem_at_its_line(review_copy):
    # found by the fuzz test (seed 9490): the system refuses to look such a name up at all
    long_name = "references" + "x" * 300 + ".bib"
    (review_copy / "litcoder.toml").write_text(f'[references]\nfiles = [\n  "references.bib",\n  "{long_name}",\n]\n',
                                               encoding="utf-8")
    review = Review.load(review_copy)
    [problem] = problems_of(review, "settings-references")
    assert (problem.severity, problem.file, problem.line) == ("error", "litcoder.toml", 4)
    assert "cannot be a file (File name too long)" in problem.message and len(problem.message) < 200
    assert not problems_of(review, "internal") and len(review.sources) == 12
