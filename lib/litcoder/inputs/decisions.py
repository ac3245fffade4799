"""corpus/decisions.csv → the committee's rulings on competencies.

A ruling records the classification the committee settled on, why, and the evidence it
was made on (how many sources framed the competency each way). The evidence stage checks
the latest ruling on each competency against the current evidence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..files import number_problem, read_csv_rows, shown, whole_number
from ..problems import ProblemLog
from .bibliography import closest

RULINGS = ("leadership", "management", "both", "neither")
COUNT_COLUMNS = ["leadership_sources", "management_sources", "both_sources", "neither_sources"]
REQUIRED = ["competency", "classification", "decided_on", "rationale"]
KNOWN = ["competency", "classification", "decided_on", "decided_by", "rationale", *COUNT_COLUMNS]
DECISION_COLUMNS = ["competency", "classification", "decided_on", "decided_by", "rationale",
                    *COUNT_COLUMNS, "line"]


def read_decisions(path: Path, name: str, competencies: pd.DataFrame) -> tuple[pd.DataFrame, ProblemLog]:
    """The usable rulings, oldest first, and the problems met."""
    log = ProblemLog(name)
    known = set(competencies["competency"])
    rows = []
    table = read_csv_rows(path, log, REQUIRED, KNOWN) if path.exists() else []
    for row in table or []:
        decision = _check_row(row.values, row.line, log, known)
        if decision:
            rows.append(decision)
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    for column in [*COUNT_COLUMNS, "line"]:
        frame[column] = frame[column].astype("Int64")
    return frame.sort_values(["decided_on", "line"], kind="stable").reset_index(drop=True), log


def _check_row(values: dict[str, str], line: int, log: ProblemLog, known: set[str]) -> dict | None:
    competency, ruling = values["competency"], values["classification"].lower()
    if competency not in known:
        log.error(line, f"unknown competency '{shown(competency)}'{closest(competency, known)}; "
                  "this ruling was left out", "use a competency id from corpus/codebook.yaml", "decision-competency")
        return None
    if ruling not in RULINGS:
        log.error(line, f"classification '{shown(values['classification'])}' is not a ruling; this ruling was left out",
                  f"use one of: {', '.join(RULINGS)}", "decision-classification")
        return None
    try:
        decided_on = date.fromisoformat(values["decided_on"]).isoformat()
    except ValueError:
        log.error(line, f"decided_on '{shown(values['decided_on'])}' is not a date; this ruling was left out",
                  "write the date as YYYY-MM-DD", "decision-date")
        return None
    if not values["rationale"]:
        log.warning(line, f"the ruling on {competency} gives no rationale", "say why the committee ruled so",
                    "decision-rationale")
    counts = {}
    for column in COUNT_COLUMNS:
        cell = values.get(column, "")
        counts[column] = whole_number(cell) if cell else None
        if cell and counts[column] is None:
            log.warning(line, f"{column} {number_problem(cell)}; ignored", "write a count, e.g. 3", "decision-count")
    return {"competency": competency, "classification": ruling, "decided_on": decided_on,
            "decided_by": values.get("decided_by", ""), "rationale": values["rationale"], **counts, "line": line}


def record_decision(review_path: Path, competency: str, classification: str, rationale: str, decided_by: str,
                    counts: dict[str, int]) -> dict:
    """Append a ruling to corpus/decisions.csv (under its lock), with the evidence counts it
    was made on; returns the row written."""
    from ..store import CsvFile

    if classification not in RULINGS:
        raise ValueError(f"a ruling is one of: {', '.join(RULINGS)}")
    row = {"competency": competency, "classification": classification, "decided_on": date.today().isoformat(),
           "decided_by": decided_by.strip(), "rationale": rationale.strip(),
           **{column: int(counts.get(column, 0)) for column in COUNT_COLUMNS}}
    CsvFile(Path(review_path) / "corpus" / "decisions.csv", KNOWN).append_rows(row)
    return row
