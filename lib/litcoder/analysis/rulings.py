"""The committee's rulings beside the evidence: does each ruling still mean what it says?

A ruling is weighed against two states of the evidence: what it supported when the committee
ruled (recorded with the ruling, or worked out from the counts recorded with it) and what it
supports today. That separates a ruling the evidence backs (*agrees*), a deliberate decision
against the evidence of its time (*overrides*) and a ruling the evidence has since moved away
from (*drifted*). A ruling recorded now is weighed against the evidence it was recorded with,
so it is never drifted.

This module does not import analysis/evidence.py (which calls it): the evidence's
classification function is passed in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..inputs.decisions import COUNT_COLUMNS, FRAMING_COUNTS, RULINGS

__all__ = ["RULINGS", "RULINGS_METHOD", "STATUSES", "STATUS_DEFINITIONS", "STATUS_LABELS", "ruled_status",
           "with_rulings"]

STATUSES = ("agrees", "overrides", "drifted", "deferred", "no decision")

STATUS_LABELS = {
    "agrees": "agrees with the evidence",
    "overrides": "overrides the evidence",
    "drifted": "drifted from the evidence",
    "deferred": "ruling deferred",
    "no decision": "no ruling yet",
}
"""Each status in words a member understands."""

STATUS_DEFINITIONS = {
    "agrees": "The committee's ruling is what the evidence supports today.",
    "overrides": "The committee ruled otherwise than the evidence supported when it ruled, a deliberate decision "
                 "explained in its rationale (an old ruling that recorded neither the evidence nor its counts, "
                 "and that today's evidence does not support, is counted here too).",
    "drifted": "The ruling matched the evidence when it was made, but the evidence has changed since "
               "and no longer supports it.",
    "deferred": "The committee has put off its ruling on this competency.",
    "no decision": "The committee has not ruled on this competency.",
}
"""Each status in one plain sentence, for tooltips and legends."""

RULINGS_METHOD = """\
**Rulings.** The committee rules a competency *leadership*, *management*, *both* or *neither*;
or *contested*, giving it no classification and keeping it in both lists or in neither, as it
chooses; or it *defers* its ruling. Each ruling is saved with what the evidence supported at
the time and the counts of sources behind it. The latest ruling *agrees* when it is what the
evidence supports today; it *overrides the evidence* when the committee ruled otherwise than
the evidence of its time supported, a deliberate decision explained in its rationale; it has
*drifted* when it matched the evidence of its time but the evidence has changed since and no
longer supports it. A ruling just recorded is therefore never drifted. For rulings saved
before the evidence's classification was recorded, it is worked out from their counts with
the classification above (disputed and split sources left out); a ruling with no counts either has no
known basis, and counts as overriding the evidence unless today's evidence supports it.
"""
"""The rulings' part of the method, in the style of analysis/evidence.py's METHOD."""

COUNT_WORDS = {"split_sources": "split evenly"}
"""How the counts are named where the evidence names them otherwise than their column."""
Classify = Callable[..., tuple[np.ndarray, dict]]
ADDED = ["decision", "decided_on", "decided_by", "decision_rationale", "decision_lists", "decision_status",
         "ruled_on_classification", "evidence_changed", "ruled_on_counts"]


def ruled_status(decision: str, ruled_on: str, today: str) -> str:
    """The status of a ruling `decision`, made when the evidence supported `ruled_on` ('' if
    unknown), now that it supports `today`.

    >>> ruled_status("neither", "neither", "contested"), ruled_status("both", "contested", "contested")
    ('drifted', 'overrides')
    """
    if not decision:
        return "no decision"
    if decision == "deferred":
        return "deferred"
    if decision == today:
        return "agrees"
    return "drifted" if decision == ruled_on else "overrides"


def with_rulings(frame: pd.DataFrame, decisions: pd.DataFrame, classify: Classify) -> pd.DataFrame:
    """`frame` (one row per competency, with its classification and source counts) with the
    latest ruling on each competency and its status; see STATUS_DEFINITIONS for the statuses.

    Columns added: decision, decided_on, decided_by, decision_rationale, decision_lists,
    decision_status, ruled_on_classification, evidence_changed, ruled_on_counts.
    """
    latest = decisions.drop_duplicates("competency", keep="last")
    latest = latest.assign(ruled_on=_ruled_on(latest, classify)).set_index("competency")
    rulings = dict(zip(latest.index, latest.to_dict("records")))
    counted = [c for c in COUNT_COLUMNS if c in frame.columns]
    added = {key: [] for key in ADDED}
    for row in frame.to_dict("records"):
        ruling = rulings.get(row["competency"])
        values = _ruling_columns(ruling, row, counted) if ruling else _no_ruling()
        for key in ADDED:
            added[key].append(values[key])
    return frame.assign(**added)


def _ruled_on(rulings: pd.DataFrame, classify: Classify) -> list[str]:
    """Per ruling, what the evidence supported when it was made: as recorded; else classified
    from the four framing counts recorded with it; else '' (unknown)."""
    recorded = _text(rulings, "evidence_classification")
    counts = [pd.to_numeric(rulings[c], errors="coerce") if c in rulings else pd.Series(np.nan, rulings.index)
              for c in FRAMING_COUNTS]
    complete = np.logical_and.reduce([c.notna().to_numpy() for c in counts]) if len(rulings) else np.array([], bool)
    classified = [""] * len(rulings)
    if complete.any():
        found, _ = classify(*(c.to_numpy(dtype=float, na_value=0.0)[complete] for c in counts))
        for position, value in zip(np.flatnonzero(complete), found):
            classified[position] = str(value)
    return [given or worked_out for given, worked_out in zip(recorded, classified)]


def _text(frame: pd.DataFrame, column: str) -> list[str]:
    """A column's cells as text, '' for a missing column or cell."""
    if column not in frame:
        return [""] * len(frame)
    return ["" if pd.isna(value) else str(value) for value in frame[column]]


def _ruling_columns(ruling: dict, row: dict, counted: list[str]) -> dict:
    recorded = {c: int(ruling[c]) for c in COUNT_COLUMNS if c in ruling and pd.notna(ruling[c])}
    decision = ruling["classification"]
    lists = ruling.get("lists")
    return {
        "decision": decision,
        "decided_on": ruling["decided_on"],
        "decided_by": _cell(ruling.get("decided_by")),
        "decision_rationale": _cell(ruling.get("rationale")),
        "decision_lists": (_cell(lists) or "both") if decision == "contested" else "",
        "decision_status": ruled_status(decision, ruling["ruled_on"], row["classification"]),
        "ruled_on_classification": ruling["ruled_on"],
        "evidence_changed": any(n != row[c] for c, n in recorded.items() if c in counted),
        "ruled_on_counts": _counts_in_words(recorded),
    }


def _no_ruling() -> dict:
    return {**dict.fromkeys(ADDED, ""), "decision_status": "no decision", "evidence_changed": False}


def _cell(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _counts_in_words(recorded: dict[str, int]) -> str:
    """'0 leadership, 6 management, 0 both, 0 neither', with disputed and split sources when any."""
    return ", ".join(f"{n} {COUNT_WORDS.get(c, c.removesuffix('_sources'))}" for c, n in recorded.items()
                     if c in FRAMING_COUNTS or n)
