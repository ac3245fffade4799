"""corpus/assignments.csv: who codes which source, with a share of sources coded by two
coders so that their agreement can be measured.

    litcoder assign coder-a coder-b coder-c --overlap 0.2 --seed 7

The plan is balanced and reproducible: the sources are shuffled with the seed; the first
`overlap` share of them go to two coders each, the pair that has shared fewest so far (so
every pair of coders gets about as many sources in common, for agreement per pair); every
other source goes to the coder with fewest sources so far. Each coder ends with about as
many sources as any other. The file is the committee's to edit: a row per source and coder
(citekey,coder), read back with its problems at their lines.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pandas as pd

from ..files import read_csv_rows, shown, write_atomic
from ..layout import ASSIGNMENTS, file_name_problem
from ..problems import ProblemLog
from .bibliography import closest

COLUMNS = ["citekey", "coder"]


class PlanError(ValueError):
    """A plan that cannot be made as asked (too few coders, an overlap outside 0–1 …)."""


def plan_assignments(citekeys: list[str], coders: list[str], overlap: float = 0.2, seed: int = 1) -> pd.DataFrame:
    """A row per source and coder (citekey, coder), sources in the order given."""
    coders = list(dict.fromkeys(coders))
    if not coders:
        raise PlanError("name at least one coder")
    bad = [c for c in coders if file_name_problem(c)]
    if bad:
        raise PlanError(f"'{shown(bad[0])}' cannot be a coder's name: {file_name_problem(bad[0])}")
    if not 0 <= overlap <= 1:
        raise PlanError(f"the overlap is a share of the sources, from 0 to 1, not {overlap}")
    if overlap and len(coders) < 2:
        raise PlanError("a share coded twice needs two coders or more")
    order = list(citekeys)
    random.Random(seed).shuffle(order)
    doubled = round(overlap * len(order))
    load = dict.fromkeys(coders, 0)
    shared = dict.fromkeys(itertools.combinations(coders, 2), 0)
    given: dict[str, list[str]] = {}
    for n, citekey in enumerate(order):
        if n < doubled:
            pair = min(shared, key=lambda p: (shared[p], load[p[0]] + load[p[1]]))
            shared[pair] += 1
            given[citekey] = list(pair)
        else:
            given[citekey] = [min(coders, key=lambda c: load[c])]
        for coder in given[citekey]:
            load[coder] += 1
    rows = [(citekey, coder) for citekey in citekeys for coder in given[citekey]]
    return pd.DataFrame(rows, columns=COLUMNS)


def write_assignments(root: Path, plan: pd.DataFrame, replace: bool = False) -> Path:
    """Write the plan to corpus/assignments.csv; an existing plan (perhaps edited by the
    committee) is replaced only when asked."""
    path = Path(root) / ASSIGNMENTS
    if path.exists() and not replace:
        raise PlanError(f"{ASSIGNMENTS} exists (the committee may have edited it); nothing was written: "
                        "say --replace to make a new plan over it")
    write_atomic(path, plan.to_csv(index=False, lineterminator="\n"))
    return path


def read_assignments(path: Path, citekeys: set[str]) -> tuple[pd.DataFrame, ProblemLog]:
    """The plan's rows that can be used, and the problems met (file and line)."""
    log = ProblemLog(ASSIGNMENTS)
    rows, seen = [], {}
    for row in (read_csv_rows(path, log, COLUMNS, COLUMNS) or []) if path.exists() else []:
        citekey, coder = row.values["citekey"], row.values["coder"]
        if citekey not in citekeys:
            log.error(row.line, f"unknown citekey '{shown(citekey)}'{closest(citekey, citekeys)}; this row was left "
                      "out", "use a citekey from the bibliography", "assignment-citekey")
        elif not coder or file_name_problem(coder):
            log.error(row.line, f"'{shown(coder)}' is not a coder's name; this row was left out",
                      "write the coder's name as in corpus/codings/<coder>.csv", "assignment-coder")
        elif (citekey, coder) in seen:
            log.warning(row.line, f"{coder} is given {citekey} already on line {seen[(citekey, coder)]}",
                        "remove one of the two rows", "assignment-duplicate")
        else:
            seen[(citekey, coder)] = row.line
            rows.append({"citekey": citekey, "coder": coder, "line": row.line})
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "line"])
    unplanned = sorted(citekeys - set(frame["citekey"]))
    if path.exists() and unplanned:
        log.info(None, f"{len(unplanned)} source(s) are given to no coder, e.g. {unplanned[0]}",
                 "add a row for each, or make a new plan (litcoder assign … --replace)", "assignment-missing")
    return frame, log


def progress(plan: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Per coder: the sources the plan gives them, those they have finished, and those coded
    twice (given to them and another coder)."""
    twice = plan.groupby("citekey")["coder"].transform("size") > 1
    finished = set(zip(coverage["coder"], coverage["citekey"]))
    rows = []
    for coder, mine in plan.assign(twice=twice).groupby("coder", sort=True):
        done = sum((coder, c) in finished for c in mine["citekey"])
        rows.append({"coder": coder, "sources": len(mine), "finished": done, "to_do": len(mine) - done,
                     "coded_twice": int(mine["twice"].sum())})
    return pd.DataFrame(rows, columns=["coder", "sources", "finished", "to_do", "coded_twice"])
