"""Who codes which source: a balanced, reproducible plan with a share coded twice."""

from __future__ import annotations

import itertools

import pytest
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.inputs.assignments import PlanError, plan_assignments, progress, read_assignments

SOURCES = [f"Source{n:03d}" for n in range(100)]
CODERS = ["coder-a", "coder-b", "coder-c", "coder-d"]


def test_every_source_is_given_and_the_share_asked_is_coded_twice():
    plan = plan_assignments(SOURCES, CODERS, overlap=0.2, seed=7)
    per_source = plan.groupby("citekey")["coder"].nunique()
    assert set(per_source.index) == set(SOURCES)
    assert (per_source == 2).sum() == 20 and (per_source == 1).sum() == 80
    load = plan["coder"].value_counts()
    assert load.max() - load.min() <= 1 and load.sum() == 120  # balanced: 30 each
    pairs = plan[plan.groupby("citekey")["coder"].transform("size") == 2].groupby("citekey")["coder"].apply(tuple)
    shared = pairs.value_counts()
    assert len(shared) == len(list(itertools.combinations(CODERS, 2)))  # every pair shares sources …
    assert shared.max() - shared.min() <= 1  # … about as many as any other pair


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    one = plan_assignments(SOURCES, CODERS, 0.3, seed=11)
    assert one.equals(plan_assignments(SOURCES, CODERS, 0.3, seed=11))
    assert not one.equals(plan_assignments(SOURCES, CODERS, 0.3, seed=12))


@pytest.mark.parametrize(("coders", "overlap", "message"), [
    ([], 0.2, "at least one coder"), (["coder-a"], 0.2, "two coders or more"),
    (["coder-a", "coder-b"], 1.5, "from 0 to 1"), (["a/b", "coder-b"], 0.2, "cannot be a coder's name")])
def test_a_plan_that_cannot_be_made_says_why(coders, overlap, message):
    with pytest.raises(PlanError, match=message):
        plan_assignments(SOURCES, coders, overlap)


def test_the_command_writes_the_plan_and_will_not_overwrite_an_edited_one(review_copy):
    run = CliRunner()
    result = run.invoke(app, ["assign", "coder-a", "coder-b", "coder-c", "--overlap", "0.25", "--seed", "3",
                              "--review", str(review_copy)])
    assert result.exit_code == 0, result.output
    assert "12 sources among 3 coders" in result.output and "coder-a: " in result.output
    review = Review.load(review_copy)
    plan, log = read_assignments(review_copy / "corpus/assignments.csv", set(review.sources["citekey"]))
    assert not list(log) and plan["citekey"].nunique() == 12 and len(plan) == 15  # 3 of 12 coded twice
    again = run.invoke(app, ["assign", "coder-a", "coder-b", "--review", str(review_copy)])
    assert again.exit_code == 1 and "--replace" in again.output
    table = progress(plan, review.coverage)
    assert table["sources"].sum() == 15 and (table["finished"] <= table["sources"]).all()


def test_bad_rows_of_an_edited_plan_are_reported_at_their_line(tmp_path):
    path = tmp_path / "assignments.csv"
    path.write_text("citekey,coder\nSource000,coder-a\nNoSuchSource,coder-a\nSource001,\nSource000,coder-a\n",
                    encoding="utf-8")
    plan, log = read_assignments(path, {"Source000", "Source001", "Source002"})
    assert plan[["citekey", "coder"]].values.tolist() == [["Source000", "coder-a"]]
    assert [(p.line, p.kind) for p in log] == [(3, "assignment-citekey"), (4, "assignment-coder"),
                                               (5, "assignment-duplicate"), (None, "assignment-missing")]
