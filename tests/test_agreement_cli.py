"""`litcoder agreement`, on any reliability matrix (--matrix) and on a review; and the build's
agreement tables and report section."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import markupsafe
import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, REVIEW_FILES, ROOT
from test_reliability import make_toy_review

from litcoder import Review
from litcoder.analysis.disagreements import disagreements
from litcoder.analysis.reliability import ALL, TABLE_COLUMNS, agreement_table, pair_table
from litcoder.outputs.report import build

MATRICES = FIXTURES / "matrices"
TABLES = ("agreement.csv", "agreement_pairs.csv", "disagreements.csv")
LEVELS = [("nominal", "0.743"), ("ordinal", "0.815"), ("interval", "0.849"), ("ratio", "0.797")]
ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}


def command(*args) -> list[str]:
    return [sys.executable, "-m", "litcoder.cli", *map(str, args)]


def litcoder_at_once(runs: dict[str, tuple], cwd: dict[str, Path]) -> dict[str, subprocess.CompletedProcess]:
    """Several `litcoder` commands started together (each spends most of its time importing)."""
    started = {key: subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=ENV, cwd=cwd.get(key)) for key, args in runs.items()}
    done = {}
    for key, process in started.items():
        out, err = process.communicate(timeout=120)
        done[key] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


def row_of(output: str, name: str) -> str:
    rows = [line for line in output.splitlines() if line.strip().startswith(name)]
    assert len(rows) == 1, output
    return rows[0]


def copy_of_bundled(folder: Path) -> Path:
    for name in REVIEW_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every `litcoder agreement` run of this file, started together: on the matrices; twice
    `litcoder agreement . --resamples 50 --seed 7` in two copies of the bundled review; once on
    the toy review (test_reliability)."""
    folders = {"bundled": copy_of_bundled(tmp_path_factory.mktemp("bundled")),
               "bundled again": copy_of_bundled(tmp_path_factory.mktemp("bundled-again")),
               "toy": make_toy_review(tmp_path_factory.mktemp("toy"))}
    commands = {level: ("agreement", "--matrix", MATRICES / "krippendorff-2011.csv", "--level", level,
                        "--resamples", 50) for level, _ in LEVELS}
    commands.update({
        "json": ("agreement", "--matrix", MATRICES / "text-categories.csv", "--json", "--resamples", 60, "--seed", 5),
        "bad level": ("agreement", "--matrix", MATRICES / "krippendorff-2011.csv", "--level", "bogus"),
        "non-numeric": ("agreement", "--matrix", MATRICES / "non-numeric-interval.csv", "--level", "interval"),
        "extra cells": ("agreement", "--matrix", MATRICES / "extra-cells.csv", "--resamples", 30),
        "semicolons": ("agreement", "--matrix", MATRICES / "semicolon.csv", "--level", "interval", "--json",
                       "--resamples", 30),
        "bundled": ("agreement", ".", "--resamples", 50, "--seed", 7),
        "bundled again": ("agreement", ".", "--resamples", 50, "--seed", 7),
        "toy": ("agreement", ".", "--resamples", 40),
    })
    done = litcoder_at_once(commands, cwd=folders)
    return {key: (folders.get(key), result) for key, result in done.items()}


# ---------------------------------------------------------------- --matrix

@pytest.mark.parametrize("level, published", LEVELS)
def test_matrix_krippendorff_2011_at_each_level(runs, level, published):
    result = runs[level][1]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert f"krippendorff-2011.csv: 12 units × 4 coders, {level}; 95% intervals from 50 bootstrap resamples" in out
    alpha = row_of(out, "Krippendorff's alpha")
    assert published in alpha.split()
    assert alpha.split()[-1] == "11"  # units with two or more values (unit 12 has one)
    assert "percent agreement" in out
    assert ("Fleiss' kappa" in out) == (level == "nominal")


def test_matrix_json_with_text_categories(runs):
    result = runs["json"][1]
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("level", "coders", "units", "resamples", "seed")} == {
        "level": "nominal", "coders": ["coder-a", "coder-b", "coder-c"], "units": 5, "resamples": 60, "seed": 5}
    assert report["file"].endswith("text-categories.csv")
    coefficients = {c["coefficient"]: c for c in report["coefficients"]}
    assert list(coefficients) == ["percent agreement", "Krippendorff's alpha", "Fleiss' kappa", "Gwet's AC1",
                                  "Brennan–Prediger"]
    for c in coefficients.values():
        assert {"value", "low", "high", "units"} <= set(c)
        assert c["units"] == 5 and c["low"] <= c["value"] <= c["high"]
    assert coefficients["Krippendorff's alpha"]["value"] == pytest.approx(76 / 124)  # see test_reliability
    assert coefficients["percent agreement"]["value"] == pytest.approx(7 / 11)  # 7 of 11 pairs agree


def test_matrix_bad_level_exits_2(runs):
    result = runs["bad level"][1]
    assert result.returncode == 2
    assert "--level must be one of nominal, ordinal, interval, ratio" in result.stderr
    assert result.stdout == ""


@pytest.fixture
def non_numeric(runs):
    return runs["non-numeric"][1]


def test_matrix_non_numeric_at_interval_exits_1(non_numeric):
    assert non_numeric.returncode == 1
    assert "non-numeric-interval.csv" in non_numeric.stderr
    assert "error: 'high' is not a number, and the interval level needs numbers" in non_numeric.stderr
    assert "Krippendorff" not in non_numeric.stdout


def test_matrix_non_numeric_at_interval_names_the_line(non_numeric):
    assert "non-numeric-interval.csv:3: error" in non_numeric.stderr


def test_matrix_extra_cells_are_reported_and_the_rest_counts(runs):
    result = runs["extra cells"][1]
    assert result.returncode == 0
    assert "extra-cells.csv:3: error: 3 values but 2 coders; the extra ones are ignored" in result.stderr
    assert "extra-cells.csv: 3 units × 2 coders, nominal" in result.stdout
    assert "Cohen's kappa" in result.stdout  # two coders


def test_matrix_semicolons(runs):
    result = runs["semicolons"][1]
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["coders"] == ["A", "B", "C"] and report["units"] == 4


# ---------------------------------------------------------------- a review

@pytest.fixture
def bundled_run(runs):
    copy, result = runs["bundled"]
    return copy, result, {name: (copy / "outputs/tables" / name).read_bytes() for name in TABLES}


def test_review_prints_the_pooled_and_per_competency_tables(bundled_run):
    copy, result, _ = bundled_run
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Presence, all competencies" in out and "Framing, all competencies" in out
    assert out.index("Presence, all competencies") < out.index("Framing, all competencies")
    assert "Krippendorff's alpha per competency, with its 95% interval and units" in out
    review = Review.load(copy)
    for label in review.codebook["label"]:
        assert any(line.strip().startswith(label) for line in out.splitlines()), label
    items = disagreements(review)
    open_, settled = (items["status"] == "open").sum(), (items["status"] == "settled").sum()
    assert settled == 5
    assert (f"Disagreements: {open_} open, {settled} settled. Tables in outputs/tables: agreement.csv, "
            "agreement_pairs.csv, disagreements.csv") in out
    table = agreement_table(review, 50, 7)
    pooled = table[(table["competency"] == ALL) & (table["coefficient"] == "Krippendorff's alpha")]
    presence_alpha = pooled[pooled["measure"] == "presence"].iloc[0]
    section = out[out.index("Presence, all competencies"):out.index("Framing, all competencies")]
    row = row_of(section, "Krippendorff's alpha")
    assert f"{presence_alpha['value']:.3f}" in row.split()
    assert f"{presence_alpha['low']:.3f} to {presence_alpha['high']:.3f}" in row


def test_review_writes_the_tables(bundled_run):
    copy, result, _ = bundled_run
    review = Review.load(copy)
    out = copy / "outputs/tables"
    table = pd.read_csv(out / "agreement.csv")
    expected = agreement_table(review, 50, 7)
    assert list(table.columns) == TABLE_COLUMNS
    assert len(table) == len(expected)
    assert list(table["coefficient"]) == list(expected["coefficient"])
    assert list(table["competency"]) == list(expected["competency"])
    np.testing.assert_allclose(table[["value", "low", "high"]], expected[["value", "low", "high"]], atol=6e-5)
    assert list(table["units"]) == list(expected["units"])

    pairs = pd.read_csv(out / "agreement_pairs.csv")
    expected_pairs = pair_table(review)
    assert list(pairs.columns) == list(expected_pairs.columns) and len(pairs) == 3
    np.testing.assert_allclose(pairs["presence_alpha"], expected_pairs["presence_alpha"], atol=6e-5)
    assert list(pairs["framing_units"]) == list(expected_pairs["framing_units"])

    queue = pd.read_csv(out / "disagreements.csv", keep_default_na=False)
    expected_queue = disagreements(review)
    assert list(queue.columns) == list(expected_queue.columns)
    assert list(queue["item"]) == list(expected_queue["item"])
    assert list(queue["positions"]) == list(expected_queue["positions"])  # multi-line cells survive
    assert (queue["status"] == "settled").sum() == 5


def test_review_run_is_reproducible(bundled_run, runs):
    copy, first, tables = bundled_run
    again, second = runs["bundled again"]
    assert second.returncode == 0
    assert second.stdout == first.stdout  # the same intervals, printed
    for name in TABLES:
        assert (again / "outputs/tables" / name).read_bytes() == tables[name], name
    intervals = pd.read_csv(copy / "outputs/tables/agreement.csv")[["low", "high"]]
    assert intervals.notna().any().all()


def test_review_per_competency_cells_of_the_toy_review(runs):
    """Toy review (test_reliability): presence alpha 2/3, 0.4, 5/11 on 5 units each; framing
    alpha 0 for planning, undefined for vision and charisma (one value)."""
    root, result = runs["toy"]
    assert result.returncode == 0, result.stderr
    out = result.stdout
    planning, vision, charisma = ([cell.strip() for cell in row_of(out, label).split("│")]
                                  for label in ("Planning", "Setting a vision", "Charisma"))
    # competency │ presence │ n │ framing │ n
    assert planning[1].startswith("0.667 [") and planning[2] == "5" and planning[3].startswith("0.000")
    assert planning[4] == "1"
    assert vision[1].startswith("0.400 [") and vision[3] == "one value"
    assert charisma[1].startswith("0.455 [") and charisma[3] == "one value"
    assert "Disagreements: 5 open, 0 settled." in out  # B2002: a coder split evenly beside a shared framing
    presence = out[out.index("Presence, all competencies"):out.index("Framing, all competencies")]
    assert "0.506" in row_of(presence, "Krippendorff's alpha").split()  # 39/77
    assert len(pd.read_csv(root / "outputs/tables/disagreements.csv")) == 5


# ---------------------------------------------------------------- the build

def test_build_writes_the_agreement_tables_and_report_section(review_copy):
    result = build(review_copy, images=False)
    tables = review_copy / "outputs/tables"
    for name in TABLES:
        assert (tables / name) in result.written
    review = result.review
    pd.testing.assert_frame_equal(pd.read_csv(tables / "agreement.csv"), result.agreement.round(4),
                                  check_exact=False, atol=6e-5)
    assert len(result.pairs) == 3 and len(result.disagreements) == len(disagreements(review))
    assert {"agreement", "pairs"} <= {p.stem for p in (review_copy / "outputs/figures").glob("*.html")}

    html = (review_copy / "outputs/report.html").read_text(encoding="utf-8")
    section = html[html.index('<h2 id="agreement">'):html.index('<h2 id="method">')]
    pooled = result.agreement[result.agreement["competency"] == ALL]
    assert section.count("<tr><td>presence</td>") == (pooled["measure"] == "presence").sum()
    assert section.count("<tr><td>framing</td>") == (pooled["measure"] == "framing").sum()
    alpha = pooled[(pooled["measure"] == "framing") & (pooled["coefficient"] == "Krippendorff's alpha")].iloc[0]
    assert f"<td class=\"number\">{alpha['value']:.3f}</td>" in section
    assert f"{alpha['low']:.3f} to {alpha['high']:.3f}" in section
    items = result.disagreements
    open_total = (items["status"] == "open").sum()
    assert f"Disagreements: {open_total} open, 5 settled" in section
    for row in items[items["status"] == "settled"].itertuples():
        assert str(markupsafe.escape(row.rationale)) in section, row.item
    assert "presence · Mintzberg, 1973, para. 12 — Charisma" in section  # cited as APA cites a paragraph
    assert "framing · Fayol, 1916/1949 — Directing" in section  # a framing item names no passage
    assert "Open, by competency" in section and section.count('<details class="open-group">') >= 1
    assert section.count('<div class="who">') > 0


def test_build_report_says_when_nothing_can_be_compared(tmp_path):
    root = make_toy_review(tmp_path / "toy", codings={}, coverage={})
    build(root, images=False)
    html = (root / "outputs/report.html").read_text(encoding="utf-8")
    assert "there is nothing to compare yet" in html
    assert "Disagreements: 0 open, 0 settled" in html
    assert pd.read_csv(root / "outputs/tables/agreement.csv").empty
