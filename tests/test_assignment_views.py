"""The committee's plan of who codes which source (corpus/assignments.csv) where it is used:
loaded into the Review with its problems, the coder's own sources first in the coding
screen with their progress against the plan, and coverage against the plan in the report.
Without a plan, nothing of this shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import problems_of

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.inputs.assignments import plan_assignments, progress, write_assignments
from litcoder.layout import ASSIGNMENTS
from litcoder.outputs.report import plan_coverage, render_report
from litcoder.screens.coding import YOURS, CodingScreen

CODERS = ["coder-a", "coder-b", "coder-c"]


def planned(root: Path, coders: list[str] = CODERS, overlap: float = 0.25, seed: int = 3) -> Review:
    """The review at `root` once `litcoder assign` has written a plan into it."""
    citekeys = Review.load(root).sources["citekey"].tolist()
    write_assignments(root, plan_assignments(citekeys, coders, overlap, seed))
    return Review.load(root)


def started(review: Review, coder: str) -> CodingScreen:
    """The coding screen started as `coder`, confirming who they are if asked."""
    screen = CodingScreen(review)
    screen.coder.value = coder
    screen.start.click()
    if screen.session is None:
        screen.confirm.children[0].click()
    return screen


def labels(screen: CodingScreen) -> list[str]:
    return [label for label, _ in screen.source.options]


# ---------------------------------------------------------------- the review


def test_the_review_loads_the_plan_as_written(review_copy):
    review = planned(review_copy)
    written = plan_assignments(review.sources["citekey"].tolist(), CODERS, 0.25, 3)
    assert review.assignments[["citekey", "coder"]].values.tolist() == written.values.tolist()
    assert review.assignments["line"].tolist() == list(range(2, len(written) + 2))  # the header is line 1
    assert problems_of(review, file=ASSIGNMENTS) == []


def test_a_bad_row_of_the_plan_is_a_problem_at_its_line_and_the_good_rows_are_kept(review_copy):
    path = review_copy / ASSIGNMENTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("citekey,coder\nKotter1990WhatLeaders,coder-a\nKoter1990WhatLeaders,coder-b\n"
                    "Gulick1937Notes,\nKotter1990WhatLeaders,coder-a\n", encoding="utf-8")
    review = Review.load(review_copy)
    assert review.assignments[["citekey", "coder", "line"]].values.tolist() == [["Kotter1990WhatLeaders", "coder-a", 2]]
    found = {(p.line, p.kind): p for p in problems_of(review, file=ASSIGNMENTS)}
    assert set(found) == {(3, "assignment-citekey"), (4, "assignment-coder"), (5, "assignment-duplicate"),
                          (None, "assignment-missing")}
    assert "Kotter1990WhatLeaders" in found[(3, "assignment-citekey")].message  # the citekey it was meant to be
    assert found[(3, "assignment-citekey")].severity == "error"


def test_without_a_plan_the_review_has_no_assignments_and_no_problem_about_them(bundled):
    assert bundled.assignments.empty and list(bundled.assignments.columns) == ["citekey", "coder", "line"]
    assert problems_of(bundled, file=ASSIGNMENTS) == []


# ---------------------------------------------------------------- the coding screen


def test_the_coders_own_sources_come_first_marked_and_the_others_follow(review_copy):
    review = planned(review_copy)
    screen = started(review, "coder-a")
    mine = set(review.assignments.loc[review.assignments["coder"] == "coder-a", "citekey"])
    values = [value for _, value in screen.source.options]
    assert set(values[:len(mine)]) == mine
    assert all(label.startswith(YOURS) for label in labels(screen)[:len(mine)])
    assert not any(YOURS.strip() in label for label in labels(screen)[len(mine):])
    assert sorted(values) == sorted(review.sources["citekey"])  # every other source is still reachable
    # the others keep the bibliography's order
    others = [k for k in review.sources["citekey"] if k not in mine]
    assert values[len(mine):] == others
    # the coder starts on their first planned source not finished
    unfinished = [k for k in values[:len(mine)] if k not in set(review.coverage.query("coder == 'coder-a'")["citekey"])]
    assert screen.source.value == screen.session.citekey == unfinished[0]


def test_the_screen_shows_the_coders_progress_against_the_plan_and_follows_a_finish(review_copy):
    review = planned(review_copy)
    screen = started(review, "coder-a")
    expected = progress(review.assignments, review.coverage).set_index("coder").loc["coder-a"]
    assert 0 < expected["finished"] < expected["sources"] and expected["coded_twice"] > 0  # a case that can fail
    text = screen.plan.value
    assert (f"<b>{expected['finished']} of {expected['sources']} finished</b>, {expected['to_do']} to do; "
            f"{expected['coded_twice']} of them coded by two coders") in text
    screen.finish_button.click()  # the planned source it opened on
    if screen.finish_confirm.children:
        screen.finish_confirm.children[2].click()  # Finish anyway
    assert f"<b>{expected['finished'] + 1} of {expected['sources']} finished</b>" in screen.plan.value
    assert labels(screen)[[v for _, v in screen.source.options].index(screen.session.citekey)].startswith(YOURS + "✓")
    again = progress(Review.load(review_copy).assignments, Review.load(review_copy).coverage).set_index("coder")
    assert again.loc["coder-a", "finished"] == expected["finished"] + 1  # what the screen says is what the files say


def test_a_planned_source_without_text_is_counted_and_said(review_copy):
    with open(review_copy / "references.bib", "a", encoding="utf-8") as bib:
        bib.write("\n@book{Drucker1954Practice,\n  author = {Drucker, Peter F.},\n"
                  "  title = {The practice of management},\n  year = {1954}\n}\n")
    review = planned(review_copy, coders=["coder-a", "coder-b"], overlap=0, seed=1)
    coder = review.assignments.set_index("citekey").at["Drucker1954Practice", "coder"]
    screen = started(review, coder)
    assert "Drucker1954Practice" not in [v for _, v in screen.source.options]
    assert "1 has no text yet, so is not in the list" in screen.plan.value
    assert screen.session.plan_progress()["without_text"] == 1


def test_a_coder_the_plan_does_not_name_sees_every_source_as_before(review_copy):
    review = planned(review_copy, coders=["coder-a", "coder-b"])
    screen = started(review, "coder-c")
    assert not any(YOURS.strip() in label for label in labels(screen))
    assert [v for _, v in screen.source.options] == review.sources["citekey"].tolist()
    assert "gives you no sources" in screen.plan.value and screen.session.plan_progress() is None


def test_without_a_plan_the_screen_is_as_before(review_copy):
    screen = started(Review.load(review_copy), "coder-a")
    assert screen.plan.value == ""
    assert not any(YOURS.strip() in label for label in labels(screen))
    assert [v for _, v in screen.source.options] == screen.review.sources["citekey"].tolist()


# ---------------------------------------------------------------- the report


def _plan_rows(report: str) -> dict[str, list[int]]:
    """The report's table of coverage against the plan: coder → its numbers."""
    table = re.search(r'<table class="plan">(.*?)</table>', report, re.S).group(1)
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table, re.S)
    return {coder: [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', cells)] for coder, cells in rows}


@pytest.fixture
def planned_report(review_copy) -> tuple[Review, str]:
    review = planned(review_copy)
    return review, render_report(review, weigh_evidence(review))


def test_the_report_shows_each_coders_coverage_against_the_plan(planned_report):
    review, report = planned_report
    assert '<h3 id="plan">Coverage against the plan</h3>' in report
    expected = progress(review.assignments, review.coverage)
    assert _plan_rows(report) == {r.coder: [r.sources, r.finished, r.to_do, r.coded_twice]
                                  for r in expected.itertuples()}
    assert "<em>Sources planned</em>: the sources the plan gives the coder" in report  # defined in words


def test_the_report_counts_the_double_coded_sources_every_coder_has_finished(planned_report):
    review, report = planned_report
    plan, coverage = review.assignments, review.coverage
    shared = plan[plan.duplicated("citekey", keep=False)]
    finished = shared.merge(coverage[["coder", "citekey"]], on=["coder", "citekey"], how="left", indicator=True)
    by_source = (finished["_merge"] == "both").groupby(finished["citekey"]).all()
    assert 0 < by_source.sum() < len(by_source)  # some finished by both, some not: a count that can be wrong
    counted = plan_coverage(review)
    assert (counted["shared"], counted["shared_finished"]) == (len(by_source), int(by_source.sum()))
    assert (f"{len(by_source)} of them to two coders" in report
            and f"{int(by_source.sum())} of those {len(by_source)} are finished by every coder given them" in report)


def test_without_a_plan_the_report_has_no_plan_part(bundled):
    report = render_report(bundled, weigh_evidence(bundled))
    assert plan_coverage(bundled) is None
    assert 'id="plan"' not in report and "Coverage against the plan" not in report and 'class="plan"' not in report
