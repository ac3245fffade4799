"""Bounded work on big or broken inputs: each ends in seconds, with a problem that says what
to do, never in an internal error or a run without end (issue 19).

The cases: a very long source text, a Chrome that cannot start, a Word file that inflates to
gigabytes, a litcoder.toml whose values have the wrong types, and reliability matrices with
`inf`, `NaN`, a giant cell or 200,000 columns.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from conftest import problems_of

from litcoder import Review
from litcoder.inputs import extract as extract_package
from litcoder.inputs.corpus import split_passages
from litcoder.inputs.extract import docx as docx_reader
from litcoder.inputs.extract import extract
from litcoder.inputs.matrix import CODERS_LIMIT, read_matrix
from litcoder.inputs.settings import read_settings
from litcoder.outputs import figures as figure_files

ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}


def litcoder(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "litcoder.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**ENV, **(env or {})}, timeout=300)


# ---------------------------------------------------------------- 8. long texts into passages


def long_notes(megabytes: float) -> str:
    """Markdown notes of about that size: sections of wrapped paragraphs, as people write them."""
    paragraph = ("Leaders set a direction and win people to it,\nwhile managers plan and budget\n"
                 "and keep the branch open on time.")
    chunks, size, n = [], 0, 0
    while size < megabytes * 1e6:
        chunk = (f"# Section {n // 20 + 1}\n\n" if n % 20 == 0 else "") + f"{n + 1}. {paragraph}\n\n"
        chunks.append(chunk)
        size, n = size + len(chunk), n + 1
    return "".join(chunks)


def test_splitting_a_long_text_into_passages_is_linear():
    small, big = long_notes(1), long_notes(10)
    started = time.perf_counter()
    split_passages(small)
    small_seconds = time.perf_counter() - started
    started = time.perf_counter()
    passages = split_passages(big)
    big_seconds = time.perf_counter() - started
    # ten times the text takes about ten times as long (it took a hundred times as long, 15 s here)
    assert big_seconds < max(30 * small_seconds, 1.0), (small_seconds, big_seconds)
    assert len(passages) == big.count("\n\n") - big.count("# Section")
    for p in passages[:: len(passages) // 50]:  # the line numbers are still each passage's own
        assert p["line"] == big.count("\n", 0, p["start"]) + 1 and big[p["start"]:p["end"]] == p["text"]
    assert passages[-1]["line"] == big.count("\n", 0, passages[-1]["start"]) + 1


def test_a_20_mb_markdown_source_loads_in_seconds(tmp_path):
    (tmp_path / "references.bib").write_text("@book{Okafor2024Notes,\n  author = {Okafor, Ada},\n  title = {Notes on "
                                             "a Long Report},\n  year = {2024},\n  publisher = {Press}\n}\n",
                                             encoding="utf-8")
    (tmp_path / "corpus/sources").mkdir(parents=True)
    (tmp_path / "corpus/sources/Okafor2024Notes.md").write_text(long_notes(20), encoding="utf-8")
    started = time.perf_counter()
    review = Review.load(tmp_path)
    assert time.perf_counter() - started < 30  # 61 s before; about 1.5 s now
    assert len(review.passages) > 100_000 and review.passages["line"].is_monotonic_increasing


def test_a_source_over_the_size_limit_is_refused_with_the_limit_and_what_to_do(review_copy, monkeypatch):
    monkeypatch.setattr(extract_package, "SOURCE_SIZE_LIMIT", 2**20)
    (review_copy / "corpus/sources/Kotter1990WhatLeaders.md").write_text(long_notes(1.5), encoding="utf-8")
    review = Review.load(review_copy)
    (refused,) = problems_of(review, "source-too-big")
    assert (refused.severity, refused.file) == ("error", "corpus/sources/Kotter1990WhatLeaders.md")
    assert "the file is 1 MB; litcoder reads source files of up to 1 MB" in refused.message
    assert refused.action.startswith("split the source")
    assert "Kotter1990WhatLeaders" not in review.texts and "Bass1985Beyond" in review.texts


def test_the_source_size_limit_is_a_documented_constant():
    assert 200 * 2**20 < extract_package.SOURCE_SIZE_LIMIT <= 2**30  # a 200 MB text is read
    import inspect

    assert "SOURCE_SIZE_LIMIT = " in inspect.getsource(extract_package)


# ---------------------------------------------------------------- 9. a Chrome that cannot start


def fake_chrome(folder: Path, body: str) -> Path:
    """A 'Chrome' that is a shell script: it notes its process id, then does `body`."""
    script = folder / "chrome"
    script.write_text(f"#!/bin/sh\necho $$ > {folder / 'pid'}\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state not in "ZX"


FIGURE = {"sketch": go.Figure(go.Bar(x=[1, 2], y=[3, 4]))}  # not one of the review's: no print changes


@pytest.mark.skipif(os.name != "posix", reason="the fake Chrome is a shell script")
def test_image_export_gives_up_on_a_chrome_that_exits_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(fake_chrome(tmp_path, "exit 1")))
    started = time.perf_counter()
    written, notice = figure_files.write_figures(FIGURE, tmp_path / "figures")
    assert time.perf_counter() - started < 15
    assert notice.startswith(f"figures are HTML only: {tmp_path / 'chrome'} could not be started for PNG and SVG")
    assert sorted(p.name for p in written) == ["captions.md", "plotly.min.js", "sketch.html"]


@pytest.mark.skipif(os.name != "posix", reason="the fake Chrome is a shell script")
def test_image_export_gives_up_on_a_chrome_that_hangs_and_ends_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(fake_chrome(tmp_path, "exec sleep 600")))
    monkeypatch.setattr(figure_files, "START_TIMEOUT", 3)
    started = time.perf_counter()
    written, notice = figure_files.write_figures(FIGURE, tmp_path / "figures")
    assert time.perf_counter() - started < 3 + 10
    assert "could not be started for PNG and SVG (it did not start within 3 s)" in notice
    assert sorted(p.name for p in written) == ["captions.md", "plotly.min.js", "sketch.html"]
    assert not running(int((tmp_path / "pid").read_text()))  # the hung 'Chrome' was ended, not left behind
    assert figure_files.START_TIMEOUT == 3 and 5 <= figure_files.EXPORT_TIMEOUT <= 120


@pytest.mark.skipif(os.name != "posix", reason="the fake Chrome is a shell script")
def test_build_with_a_chrome_that_cannot_start_falls_back_to_html(review_copy, tmp_path):
    (review_copy / "chrome-home").mkdir()
    chrome = fake_chrome(review_copy / "chrome-home", "exit 1")
    started = time.perf_counter()
    result = litcoder("build", review_copy, env={"BROWSER_PATH": str(chrome)})
    assert time.perf_counter() - started < 120
    assert result.returncode == 0, result.stderr
    assert "note: figures are HTML only" in " ".join(result.stdout.split())
    figures = {p.suffix for p in (review_copy / "outputs" / "figures").rglob("*") if p.is_file()}
    assert figures == {".html", ".js", ".md"} and (review_copy / "outputs" / "report.html").exists()


# ---------------------------------------------------------------- 10. a Word file that inflates to gigabytes


def word_file(extra: dict[str, int] | None = None, level: int = 1) -> bytes:
    """A real .docx (python-docx), with each `extra` part made of that many zero bytes."""
    import docx

    document = docx.Document()
    document.add_heading("Notes on leading a branch", 1)
    document.add_paragraph("Leaders ask why; managers ask how.")
    made = io.BytesIO()
    document.save(made)
    base = zipfile.ZipFile(io.BytesIO(made.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for part in base.infolist():
            archive.writestr(part, base.read(part.filename))
        for name, size in (extra or {}).items():
            with archive.open(name, "w", force_zip64=True) as f:
                chunk = bytes(min(size, 2**24))
                for _ in range(size // len(chunk)):
                    f.write(chunk)
    return bomb.getvalue()


def test_a_word_file_that_inflates_to_a_gigabyte_is_not_opened(tmp_path):
    data = word_file({"word/media/image1.png": 1100 * 2**20})  # 1.1 GB of zeros, packed
    assert len(data) < 6 * 2**20  # a few MB on disk
    (tmp_path / "Bomb2024.docx").write_bytes(data)
    started = time.perf_counter()
    result = extract(tmp_path / "Bomb2024.docx", "corpus/sources/Bomb2024.docx")
    assert time.perf_counter() - started < 5
    (refused,) = result.problems
    assert (refused.severity, refused.kind) == ("error", "source-docx-too-big")
    assert refused.message == "not opened: it inflates to 1.1 GB, and litcoder opens Word files of up to 1.0 GB"
    assert "save it again as .docx" in refused.action and result.text == ""


def test_a_word_file_with_a_part_that_inflates_too_far_is_not_opened(tmp_path, monkeypatch):
    data = word_file({"word/document2.xml": 64 * 2**20}, level=9)  # 64 MB in about 64 KB
    result = extract(_saved(tmp_path, data), "Bomb.docx")
    assert [p.kind for p in result.problems] == ["source-docx-too-big"]
    assert "its part word/document2.xml inflates 1,0" in result.problems[0].message
    monkeypatch.setattr(docx_reader, "PART_LIMIT", 32 * 2**20)
    assert "inflates to 64 MB (at most 32 MB)" in docx_reader.inflation_problem(data)
    monkeypatch.setattr(docx_reader, "PARTS_LIMIT", 5)
    assert docx_reader.inflation_problem(word_file()).startswith("it holds ")


def test_a_real_word_file_is_still_read(tmp_path):
    result = extract(_saved(tmp_path, word_file()), "Notes.docx")
    assert result.text == "# Notes on leading a branch\n\nLeaders ask why; managers ask how.\n"
    assert list(result.problems) == []


def _saved(folder: Path, data: bytes) -> Path:
    path = folder / "source.docx"
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- 11. litcoder.toml of the wrong types


@pytest.mark.parametrize(("toml", "line", "message"), [
    ('references = "x"\n', 1, "references must be a section, not a string"),
    ("references = 3\n", 1, "references must be a section, not a number"),
    ('[[references]]\nfiles = ["a.bib"]\n', 1, "references must be a section, not a list"),
    ("[references]\nfiles = [1, 2]\n", 2, "references.files must be a list of file names"),
    ("[references]\nfiles = {a = 1}\n", 2, "references.files must be a list of file names"),
    ('[references]\ndistinct = "Kotter1990WhatLeaders"\n', 2, "references.distinct must be a list of groups"),
    ('[references]\nallow_outside = "yes"\n', 2, "references.allow_outside must be true or false, not a string"),
])
def test_settings_of_the_wrong_type_are_problems_and_the_defaults_are_used(tmp_path, toml, line, message):
    (tmp_path / "litcoder.toml").write_text(toml, encoding="utf-8")
    settings, log = read_settings(tmp_path)
    assert settings == {"references": {"files": ["references.bib"], "distinct": [], "allow_outside": False},
                        "sources": {}, "attributes": {}}
    (problem,) = [p for p in log if p.severity == "error"]
    assert (problem.file, problem.line) == ("litcoder.toml", line) and message in problem.message
    assert problem.action


def test_a_review_with_references_as_a_string_loads_with_the_defaults(review_copy):
    (review_copy / "litcoder.toml").write_text('references = "x"\n', encoding="utf-8")
    result = litcoder("validate", review_copy)
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
    assert "litcoder.toml:1: error: references must be a section, not a string" in result.stdout
    review = Review.load(review_copy)
    assert len(review.sources) == 12 and len(review.codings) == 313


def test_a_settings_file_that_is_not_utf8_or_not_a_file_is_a_problem(tmp_path):
    (tmp_path / "litcoder.toml").write_bytes(b'[references]\nfiles = ["r\xe9f.bib"]\n')
    settings, log = read_settings(tmp_path)
    assert settings["references"]["files"] == ["references.bib"] and [p.kind for p in log] == ["settings-toml"]
    (tmp_path / "litcoder.toml").unlink()
    (tmp_path / "litcoder.toml").mkdir()
    settings, log = read_settings(tmp_path)
    assert [p.kind for p in log] == ["settings-toml"] and "cannot be read" in log[0].message


# ---------------------------------------------------------------- 12. matrices: inf, NaN, giant cells, 200,000 coders


def test_matrix_with_inf_is_an_error_at_its_line_not_an_internal_error(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("ana,ben,cy\n1,2,3\n1,inf,3\n2,2,2\n", encoding="utf-8")
    data, coders, categories, problems = read_matrix(path, "interval")
    assert data.size == 0 and [(p.line, p.kind) for p in problems] == [(3, "matrix-level")]
    assert "'inf' is not a finite number" in problems[0].message
    data, coders, categories, problems = read_matrix(path, "nominal")
    assert data.shape == (3, 3) and np.isfinite(data).all()  # at the nominal level 'inf' is a category
    assert [(p.line, p.kind) for p in problems] == [(3, "matrix-value")]
    result = litcoder("agreement", "--matrix", path, "--level", "interval")
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert "ratings.csv:3: error: 'inf' is not a finite number" in result.stderr


def test_matrix_nan_is_read_as_missing_with_a_warning(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("ana,ben\n1,NaN\n1,1\n2,nan\n2,2\n", encoding="utf-8")
    data, coders, categories, problems = read_matrix(path, "interval")
    blank = tmp_path / "blank.csv"
    blank.write_text("ana,ben\n1,\n1,1\n2,\n2,2\n", encoding="utf-8")
    expected = read_matrix(blank, "interval")[0]
    assert np.array_equal(data, expected, equal_nan=True) and categories == ["1", "2"]
    (warning,) = problems
    assert (warning.severity, warning.line, warning.kind) == ("warning", 2, "matrix-missing")
    assert "2 cell(s) say NaN" in warning.message and "leave a cell blank" in warning.action


def test_matrix_cell_over_128_kb_is_an_error_and_the_other_rows_count(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("ana,ben\n1,1\n2," + "x" * (130 * 1024) + "\n2,2\n1,2\n", encoding="utf-8")
    data, coders, categories, problems = read_matrix(path)
    assert data.shape == (3, 2)
    assert [(p.severity, p.line, p.kind) for p in problems] == [("error", 3, "matrix-row")]
    assert "a cell of 133,120 characters" in problems[0].message
    result = litcoder("agreement", "--matrix", path, "--resamples", 20)
    assert result.returncode == 0 and "ratings.csv: 3 units × 2 coders" in result.stdout, result.stderr


def test_matrix_with_200000_columns_is_refused_in_seconds(tmp_path):
    path = tmp_path / "wide.csv"
    columns = 200_000
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("12"[i % 2] for i in range(columns))
                    + "\n", encoding="utf-8")
    data, coders, categories, problems = read_matrix(path)
    assert data.size == 0 and [(p.line, p.kind) for p in problems] == [(1, "matrix-coders")]
    assert f"200,000 coders (columns); litcoder measures agreement among at most {CODERS_LIMIT:,}" in \
        problems[0].message
    started = time.perf_counter()
    result = litcoder("agreement", "--matrix", path)
    assert time.perf_counter() - started < 60
    assert result.returncode == 1 and "internal error" not in result.stderr and "MemoryError" not in result.stderr
    assert "wide.csv:1: error: 200,000 coders" in " ".join(result.stderr.split())



def test_latex_with_many_macros_in_math_is_decoded_in_one_pass():
    """Each macro of the writer's own in math is told from text by the dollars met so far,
    not by counting them again from the start (which made a long field quadratic)."""
    from litcoder.inputs.latex import latex_to_text

    small, large = ("$" + r"\foo " * n + "$" for n in (20_000, 200_000))
    assert latex_to_text(small) == "foo" * 20_000  # in math, as in TeX, the space after a name is not printed
    started = time.perf_counter()
    latex_to_text(small.replace("foo", "bar"))
    once = time.perf_counter() - started
    started = time.perf_counter()
    assert latex_to_text(large).count("foo") == 200_000
    assert time.perf_counter() - started < 40 * once + 1  # ten times the text, not a hundred times the work
