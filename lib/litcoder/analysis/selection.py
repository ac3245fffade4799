"""How the literature was selected, in numbers: the counts of the PRISMA 2020 flow diagram, and
how far the screeners agreed at each stage.

The counts follow the PRISMA 2020 template for new systematic reviews that searched databases,
registers and other sources (Page et al., 2021, BMJ 372:n71, figure 1): in the left column the
records identified per database and register, the duplicates removed, the records screened on
title and abstract and those excluded, the reports sought for retrieval and those not
retrieved, the reports assessed for eligibility and those excluded (with their reasons); in the
right column the same from "reports sought" down for records found by other methods; and the
studies included from both. Every box counts the works whose path ends there or passes
through it (inputs.screening.paths), so each number adds up from the ones below it. Works
still being screened, or whose screeners disagree, are counted apart (`waiting`): the
template has no box for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from ..inputs.screening import STAGE_LABELS, STAGES, Selection, latest_decisions
from .agreement import bootstrap_interval, cohen_kappa, percent_agreement

CATEGORIES = {"include": 0.0, "exclude": 1.0, "maybe": 2.0, "not-retrieved": 3.0}
AGREEMENT_COLUMNS = ["stage", "screener_a", "screener_b", "records", "agreement", "kappa", "kappa_low", "kappa_high"]
NOT_GIVEN = "no agreed reason"


@dataclass
class Column:
    """One column of the diagram: databases and registers, or other methods."""

    identified: list[tuple[str, int]] = field(default_factory=list)
    """(the database, register or source, its records) per search."""
    duplicates: int = 0
    screened: int = 0
    screened_excluded: int = 0
    screened_reasons: list[tuple[str, int]] = field(default_factory=list)
    """(reason, records) excluded on title and abstract, most first (where the screeners agreed on one)."""
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded: list[tuple[str, int]] = field(default_factory=list)
    """(reason, reports) excluded at full text, most first."""
    included: int = 0
    waiting: dict[str, int] = field(default_factory=dict)
    """Works not through the selection yet, by where they wait ('title and abstract: 2 conflicts')."""

    @property
    def records(self) -> int:
        return sum(n for _, n in self.identified)


@dataclass
class Flow:
    databases: Column
    other: Column

    @property
    def included(self) -> int:
        return self.databases.included + self.other.included


def flow(selection: Selection) -> Flow:
    """The PRISMA 2020 counts of the review's selection."""
    paths = selection.paths
    searches = selection.searches
    other = set(searches.loc[searches["method"] == "other", "search"])
    columns = []
    for mine in (searches[~searches["search"].isin(other)], searches[searches["search"].isin(other)]):
        ends = paths[paths["search"].isin(set(mine["search"]))]
        columns.append(_column(mine, ends, screens_titles=not set(mine["search"]) <= other))
    return Flow(*columns)


def _column(searches: pd.DataFrame, ends: pd.DataFrame, screens_titles: bool) -> Column:
    """One column's counts from the paths of its records (a work counts in its kept record's column)."""
    column = Column(identified=[(s.source or s.search, int(s.records)) for s in searches.itertuples()])
    column.duplicates = int((ends["outcome"] == "duplicate").sum())
    works = ends[ends["outcome"] != "duplicate"]
    at_titles = works["stage"] == "title-abstract"
    waiting = works["outcome"].isin(["awaiting screening", "conflict"])
    if screens_titles:
        column.screened = len(works)
        column.screened_excluded = int((at_titles & (works["outcome"] == "excluded")).sum())
        column.screened_reasons = _reasons(works[at_titles & (works["outcome"] == "excluded")])
    column.sought = len(works) - int(at_titles.sum())
    column.not_retrieved = int((works["outcome"] == "not retrieved").sum())
    column.assessed = column.sought - column.not_retrieved
    column.excluded = _reasons(works[(works["stage"] == "full-text") & (works["outcome"] == "excluded")])
    column.included = int((works["outcome"] == "included").sum())
    for (stage, outcome), n in works[waiting].groupby(["stage", "outcome"]).size().items():
        column.waiting[f"{STAGE_LABELS[stage]}: {outcome}"] = int(n)
    return column


def _reasons(excluded: pd.DataFrame) -> list[tuple[str, int]]:
    """(reason, works), most first; works whose screeners gave no one reason as NOT_GIVEN."""
    counts = excluded["reason"].replace("", NOT_GIVEN).value_counts()
    return sorted(((str(r), int(n)) for r, n in counts.items()), key=lambda x: (-x[1], x[0]))


def screening_agreement(selection: Selection, resamples: int = 1000, seed: int = 20261201) -> pd.DataFrame:
    """Per stage and pair of screeners: the records both screened, their percent agreement and
    Cohen's kappa with a 95 % bootstrap interval (categories include, exclude, maybe, not retrieved)."""
    latest = latest_decisions(selection.decisions)
    rows = []
    for stage in STAGES:
        table = latest[latest["stage"] == stage].pivot(index="record", columns="screener", values="decision")
        for a, b in combinations(sorted(table.columns), 2):
            both = table[[a, b]].dropna()
            data = np.vectorize(CATEGORIES.get)(both.to_numpy()).astype(float) if len(both) else np.empty((0, 2))
            if not len(data):
                continue
            low, high = bootstrap_interval(cohen_kappa, data, resamples=resamples, seed=seed) \
                if len(data) > 1 else (np.nan, np.nan)
            rows.append([stage, a, b, len(data), percent_agreement(data), cohen_kappa(data), low, high])
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
