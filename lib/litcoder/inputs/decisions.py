"""corpus/decisions.csv → the committee's rulings on competencies.

A ruling records what the committee settled on, why, and the evidence it was made on: the
classification the evidence supported then (`evidence_classification`) and how many sources
framed the competency each way. The committee may rule a framing (leadership, management,
both, neither), rule it *contested* (no classification; `lists` says whether it stays in both
lists or in neither) or *defer* its ruling. analysis/rulings.py weighs the latest ruling on
each competency against today's evidence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..files import number_problem, read_csv_rows, shown, whole_number
from ..problems import ProblemLog
from .bibliography import closest

RULINGS = ("leadership", "management", "both", "neither", "contested", "deferred")
"""What the committee may rule: a framing, contested (no classification) or deferred."""
LISTS = ("both", "neither")
"""Where a competency ruled contested stays: in both lists, or in neither."""
DEFAULT_LISTS = "both"
EVIDENCE_CLASSIFICATIONS = ("leadership", "management", "both", "neither", "contested", "insufficient")
"""What the evidence can support (analysis/evidence.py's CLASSIFICATIONS)."""
COUNT_COLUMNS = ["leadership_sources", "management_sources", "both_sources", "neither_sources",
                 "disputed_sources", "split_sources"]
FRAMING_COUNTS = COUNT_COLUMNS[:4]
"""The counts the evidence's classification is computed from when a ruling did not record it."""
REQUIRED = ["competency", "classification", "decided_on", "rationale"]
KNOWN = ["competency", "classification", "lists", "decided_on", "decided_by", "rationale",
         "evidence_classification", *COUNT_COLUMNS]
DECISION_COLUMNS = [*KNOWN, "line"]


def read_decisions(path: Path, name: str, competencies: pd.DataFrame,
                   moves: dict | None = None) -> tuple[pd.DataFrame, ProblemLog]:
    """The usable rulings, oldest first, and the problems met; `moves` (old competency id →
    codebook_changes.Move) reads a ruling on a renamed competency under its new id."""
    frame, log, marked = _read(path, name, competencies, moves)
    for competency, group in frame.groupby("competency", sort=False):
        if int(group["line"].iloc[-1]) in marked:
            ways = "; ".join(f"{r.classification} by {r.decided_by or 'someone'} (line {r.line})"
                             for r in group.itertuples() if int(r.line) in marked)
            log.warning(int(group["line"].iloc[-1]), f"{competency} was ruled two ways in two clones at once: {ways}; "
                        "the last counts for now", "keep one version in the conflict screen (notebook 03), or rule "
                        "again", "decision-conflict")
    return frame, log


def all_rulings(path: Path, competencies: pd.DataFrame, moves: dict | None = None) -> pd.DataFrame:
    """The usable rulings, oldest first (as read_decisions gives them), with `made_at_once`:
    whether the merge marked the row as made in two clones at once (the versions of a
    conflict, for the conflict screen). Problems are left to read_decisions."""
    frame, _, marked = _read(path, path.name, competencies, moves)
    return frame.assign(made_at_once=[int(line) in marked for line in frame["line"]]).astype({"made_at_once": bool})


def _read(path: Path, name: str, competencies: pd.DataFrame,
          moves: dict | None) -> tuple[pd.DataFrame, ProblemLog, set[int]]:
    """The usable rulings, oldest first, the problems met, and the lines the merge marked."""
    log = ProblemLog(name)
    known = set(competencies["competency"])
    rows = []
    table = read_csv_rows(path, log, REQUIRED, [*KNOWN, "conflict"]) if path.exists() else []
    marked = set()  # lines of rulings made in two clones at once (the merge marks them)
    for row in table or []:
        if row.values.get("conflict"):
            marked.add(row.line)
        move = (moves or {}).get(row.values["competency"])
        if move is not None and move.renamed_only:  # a merged competency's ruling was retired, not moved
            log.info(row.line, f"a ruling on {row.values['competency']}, which was {move.how}; read as "
                     f"{move.into[0]}", "`litcoder codebook migrate` writes the new id into the file",
                     "decision-migrated")
            row.values["competency"] = move.into[0]
        decision = _check_row(row.values, row.line, log, known)
        if decision:
            rows.append(decision)
    frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    for column in [*COUNT_COLUMNS, "line"]:
        frame[column] = frame[column].astype("Int64")
    frame = frame.sort_values(["decided_on", "line"], kind="stable").reset_index(drop=True)
    return frame, log, marked


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
    return {"competency": competency, "classification": ruling,
            "lists": _lists(values.get("lists", ""), ruling, competency, line, log), "decided_on": decided_on,
            "decided_by": values.get("decided_by", ""), "rationale": values["rationale"],
            "evidence_classification": _evidence_classification(values.get("evidence_classification", ""), line, log),
            **_counts(values, line, log), "line": line}


def _lists(cell: str, ruling: str, competency: str, line: int, log: ProblemLog) -> str:
    """Where a contested competency stays ('both' or 'neither'); '' for any other ruling."""
    lists = cell.lower()
    if ruling != "contested":
        if cell:
            log.info(line, f"lists '{shown(cell)}' is read only for a contested ruling; the ruling on {competency} "
                     f"is {ruling}, so it was ignored", "leave lists empty for this ruling", "decision-lists")
        return ""
    if lists in LISTS:
        return lists
    said = f"lists '{shown(cell)}' is neither 'both' nor 'neither'" if cell else "it does not say"
    log.warning(line, f"{competency} is ruled contested, but {said} whether it stays in both lists or in neither; "
                f"taken as {DEFAULT_LISTS}", "write both or neither in the lists column", "decision-lists")
    return DEFAULT_LISTS


def _evidence_classification(cell: str, line: int, log: ProblemLog) -> str:
    """What the evidence supported when the ruling was made, '' when not recorded or unreadable."""
    value = cell.lower()
    if not value or value in EVIDENCE_CLASSIFICATIONS:
        return value
    log.warning(line, f"evidence_classification '{shown(cell)}' is not a classification; ignored, so what the "
                "evidence supported at the time is worked out from the ruling's counts",
                f"use one of: {', '.join(EVIDENCE_CLASSIFICATIONS)}, or leave it empty", "decision-evidence")
    return ""


def _counts(values: dict[str, str], line: int, log: ProblemLog) -> dict[str, int | None]:
    counts = {}
    for column in COUNT_COLUMNS:
        cell = values.get(column, "")
        counts[column] = whole_number(cell) if cell else None
        if cell and counts[column] is None:
            log.warning(line, f"{column} {number_problem(cell)}; ignored", "write a count, e.g. 3", "decision-count")
    return counts


def record_decision(review_path: Path, competency: str, classification: str, rationale: str, decided_by: str,
                    counts: dict[str, int], evidence_classification: str, lists: str | None = None) -> dict:
    """Append a ruling to corpus/decisions.csv (under its lock), with the evidence it was made on:
    the classification the evidence supported and its counts (a count not given is left empty).
    `lists` ('both' or 'neither') is required for a contested ruling and refused for any other.
    Returns the row written."""
    from ..store import CsvFile

    if classification not in RULINGS:
        raise ValueError(f"a ruling is one of: {', '.join(RULINGS)}")
    if evidence_classification not in EVIDENCE_CLASSIFICATIONS:
        raise ValueError(f"the evidence's classification is one of: {', '.join(EVIDENCE_CLASSIFICATIONS)}")
    if (classification == "contested") != (lists is not None) or (lists is not None and lists not in LISTS):
        raise ValueError("a contested ruling says whether the competency stays in both lists or in neither "
                         "(lists='both' or 'neither'); other rulings take no lists")
    row = {"competency": competency, "classification": classification, "lists": lists or "",
           "decided_on": date.today().isoformat(), "decided_by": decided_by.strip(), "rationale": rationale.strip(),
           "evidence_classification": evidence_classification,
           **{column: int(counts[column]) for column in COUNT_COLUMNS if pd.notna(counts.get(column))}}
    CsvFile(Path(review_path) / "corpus" / "decisions.csv", KNOWN).append_rows(row)
    return row
