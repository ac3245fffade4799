"""The build's second process (alongside.py), and the faster writers the build uses:
each must give exactly what the plain way gives."""

from __future__ import annotations

import filecmp
import gc
import math
import os
import shutil
import signal

import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from litcoder import alongside
from litcoder.alongside import Alongside, can_fork, long_lived
from litcoder.outputs import report
from litcoder.outputs.charts import review_figures
from litcoder.outputs.figures import figure_payload, plain_figure
from litcoder.outputs.pages import write_source_pages

forks = pytest.mark.skipif(not can_fork(), reason="needs Linux and two cores")


@forks
def test_the_work_runs_in_a_second_process_and_its_result_comes_back():
    with Alongside(lambda: (os.getpid(), pd.DataFrame({"a": [1, 2]}))) as work:
        pid, frame = work.result()
    assert pid != os.getpid()
    assert frame["a"].tolist() == [1, 2]


def test_without_a_fork_the_work_is_done_in_place(monkeypatch):
    monkeypatch.setattr(alongside, "can_fork", lambda: False)
    with Alongside(os.getpid) as work:
        assert work.result() == os.getpid()


def _fails():
    raise ValueError("line 3: no such competency")


@forks
def test_an_error_in_the_second_process_is_raised_in_the_first():
    with Alongside(_fails) as work, pytest.raises(ValueError, match="line 3: no such competency"):
        work.result()


class _Unrebuildable(Exception):
    def __init__(self, a, b):  # pickle cannot rebuild it from its args
        super().__init__(f"{a} and {b}")


def _fails_oddly():
    raise _Unrebuildable("this", "that")


@forks
def test_an_error_pickle_cannot_rebuild_comes_back_as_its_text():
    with Alongside(_fails_oddly) as work, pytest.raises(RuntimeError, match="_Unrebuildable: this and that"):
        work.result()


@forks
def test_a_second_process_that_dies_is_an_error_not_a_hang():
    with Alongside(lambda: os.kill(os.getpid(), signal.SIGKILL)) as work, \
            pytest.raises(RuntimeError, match="stopped without a word"):
        work.result()


@forks
def test_leaving_without_the_result_reaps_the_second_process():
    with Alongside(lambda: "x" * 1_000_000) as work:  # more than a pipe holds: it waits to be read
        pid = work._pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped


def test_long_lived_objects_are_collected_again_after_the_outermost():
    assert gc.get_freeze_count() == 0
    with long_lived():
        kept = [[] for _ in range(10)]
        with long_lived():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0, "an inner one does not end the outer one"
    assert gc.get_freeze_count() == 0
    del kept


def test_a_build_in_one_process_writes_the_same_files(review_copy, tmp_path, monkeypatch):
    report.build(review_copy, images=False)
    forked = tmp_path / "forked"
    shutil.copytree(review_copy / "outputs", forked)
    shutil.rmtree(review_copy / "outputs")
    monkeypatch.setattr(alongside, "can_fork", lambda: False)
    result = report.build(review_copy, images=False)
    assert sorted(p.relative_to(review_copy / "outputs").as_posix() for p in result.written) == sorted(
        p.relative_to(forked).as_posix() for p in forked.rglob("*") if p.is_file())
    compared = filecmp.dircmp(forked, review_copy / "outputs")
    _same(compared)


def _same(compared: filecmp.dircmp) -> None:
    _, mismatched, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
    assert not mismatched and not errors and not compared.left_only and not compared.right_only
    for sub in compared.subdirs.values():
        _same(sub)


TRICKY = pd.DataFrame({
    "text": ["plain", "with, comma", 'with "quotes"', "two\nlines", "carriage\rreturn", "", None, "Niño — “curly”",
             "=HYPERLINK(\"x\")", "-0.5", " lead", "tab\there"],
    "number": [1.0, -0.0, math.nan, 0.123456, 1e-9, 12345.6789, -3.25, math.inf, 2.0, 0.5, 1 / 3, 7.0],
    "count": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], dtype="Int64"),
    "flag": [True, False] * 6,
    "page": pd.array(["xii", None, "67", "", "1", "2", "3", "4", "5", "6", "7", "8"], dtype="string"),
    "whole": range(12),
})


@pytest.mark.parametrize("frame", [TRICKY, TRICKY.iloc[:0], TRICKY[["text"]], TRICKY.astype({"text": object}),
                                   pd.DataFrame({"mixed": ["a", 1, 2.5], "b": ["x", "y", "z"]})])
def test_spreadsheet_csv_is_what_pandas_writes(frame):
    expected = report.spreadsheet_safe(frame).to_csv(index=False, float_format="%.4f", lineterminator="\n")
    assert report.spreadsheet_csv(frame) == expected


def test_spreadsheet_safe_leaves_the_frame_it_is_given_alone():
    frame = TRICKY.copy()
    safe = report.spreadsheet_safe(frame)
    assert safe.loc[8, "text"] == "'=HYPERLINK(\"x\")"
    pd.testing.assert_frame_equal(frame, TRICKY)


def test_the_report_changes_its_copy_of_a_figure_not_the_figure(bundled):
    from litcoder.analysis.evidence import review_voices, weigh_evidence
    voices = review_voices(bundled)
    figures = review_figures(bundled, weigh_evidence(bundled, voices), voices)
    for name, fig in figures.items():
        plain = plain_figure(fig)
        before = to_json_plotly(plain)
        payload = figure_payload(plain, name)
        assert to_json_plotly(plain) == before, name
        assert payload["layout"].get("title", {}).get("text") == "", name


def test_a_rebuild_rewrites_only_the_pages_that_changed(tmp_path):
    pages = {"a.html": "<p>Niño</p>", "b.html": "<p>b</p>"}
    write_source_pages(pages, tmp_path)
    os.utime(tmp_path / "a.html", (1, 1)), os.utime(tmp_path / "b.html", (1, 1))
    write_source_pages({**pages, "b.html": "<p>b, changed</p>"}, tmp_path)
    assert (tmp_path / "a.html").stat().st_mtime == 1
    assert (tmp_path / "b.html").read_text(encoding="utf-8") == "<p>b, changed</p>"
    write_source_pages({"b.html": "<p>b</p>"}, tmp_path)
    assert not (tmp_path / "a.html").exists(), "a page of a source no longer in the review is removed"


def test_coder_files_read_two_at_a_time_give_the_same_codings_and_problems(review_copy, monkeypatch):
    from litcoder.inputs import codings
    from litcoder.review import Review

    with open(review_copy / "corpus" / "codings" / "coder-b.csv", "a", encoding="utf-8") as file:
        file.write("broken-1,NoSuchKey2020,1,a quote,charisma,leadership,,,,,,,\n")
    (review_copy / "corpus" / "codings" / "notes.txt").write_text("not a coder file", encoding="utf-8")
    monkeypatch.setattr(codings, "ALONGSIDE_FROM", 0)  # the bundled review is too small to share
    shared = Review.load(review_copy)
    monkeypatch.setattr(alongside, "can_fork", lambda: False)
    alone = Review.load(review_copy)
    assert len(codings._read_alongside(sorted((review_copy / "corpus" / "codings").glob("*.csv")))) >= 1
    pd.testing.assert_frame_equal(shared.codings, alone.codings, check_exact=True)
    assert shared.problems == alone.problems
    assert any(p.file.endswith("coder-b.csv") and "NoSuchKey2020" in p.message for p in shared.problems)
