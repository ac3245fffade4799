"""corpus/settlements.csv → the committee's settlements of the coders' disagreements.

A disagreement (see analysis.disagreements) is named by its item:
`presence:<citekey>/<passage>:<competency>`, settled `present` or `absent`, or
`framing:<citekey>:<competency>`, settled with the framing the source gives it
(leadership, management, both, neither).

A member settles an item (or several alike) in the settling screen or by adding a row to
`corpus/settlements.csv` (item, resolution, rationale, settled_by, settled_on). The
evidence then uses the settlement: an absent competency's codings of that passage are left
out, and a settled framing becomes the source's one voice. The latest row for an item wins.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from ..files import number_problem, read_csv_rows, shown, whole_number
from ..layout import SETTLEMENTS
from ..problems import ProblemLog
from ..store import CsvFile
from .bibliography import closest
from .codebook import FRAMINGS

COLUMNS = ["item", "resolution", "rationale", "settled_by", "settled_on"]
RESOLUTIONS = {"presence": ("present", "absent"), "framing": FRAMINGS}
SETTLEMENT_COLUMNS = ["item", "kind", "citekey", "passage", "competency", "resolution", "rationale", "settled_by",
                      "settled_on", "line"]


def item_key(kind: str, citekey: str, competency: str, passage: int | None = None) -> str:
    """The stable name of a disagreement: presence:<citekey>/<passage>:<competency> or
    framing:<citekey>:<competency>."""
    return f"presence:{citekey}/{passage}:{competency}" if kind == "presence" else f"framing:{citekey}:{competency}"


def parse_key(key: str) -> dict | None:
    kind, _, rest = key.partition(":")
    if kind == "presence" and "/" in rest and ":" in rest:
        where, competency = rest.rsplit(":", 1)
        citekey, _, passage = where.rpartition("/")
        return {"kind": kind, "citekey": citekey, "passage": whole_number(passage) if passage.strip() else None,
                "competency": competency}
    if kind == "framing" and ":" in rest:
        citekey, competency = rest.split(":", 1)
        return {"kind": kind, "citekey": citekey, "passage": None, "competency": competency}
    return None


def read_settlements(path: Path, name: str, competencies: set[str],
                     citekeys: set[str], moves: dict | None = None) -> tuple[pd.DataFrame, ProblemLog]:
    """The usable settlements (latest per item) and the problems met; `moves` (old competency
    id → codebook_changes.Move) reads a settlement of a renamed or merged competency under its new id."""
    log = ProblemLog(name)
    rows = _usable_rows(path, log, competencies, citekeys, moves)
    conflicts: dict[str, list[tuple[int, str, str]]] = {}  # item → (line, resolution, who) of rows made at once
    for row in rows:
        if row["made_at_once"]:
            conflicts.setdefault(row["item"], []).append((row["line"], row["resolution"], row["settled_by"]))
    _report_conflicts(rows, conflicts, log)
    frame = pd.DataFrame(rows, columns=SETTLEMENT_COLUMNS)
    frame["passage"] = frame["passage"].astype("Int64")  # framing items have none
    return frame.drop_duplicates("item", keep="last").reset_index(drop=True), log


def all_settlements(path: Path, competencies: set[str], citekeys: set[str], moves: dict | None = None) -> pd.DataFrame:
    """Every usable settlement in the file's order, not only the latest per item, with
    `made_at_once`: whether the merge marked the row as made in two clones at once (the
    versions of a conflict, for the conflict screen). Problems are left to read_settlements."""
    rows = _usable_rows(path, ProblemLog(path.name), competencies, citekeys, moves)
    frame = pd.DataFrame(rows, columns=[*SETTLEMENT_COLUMNS, "made_at_once"])
    frame["passage"] = frame["passage"].astype("Int64")
    return frame.astype({"made_at_once": bool})


def _usable_rows(path: Path, log: ProblemLog, competencies: set[str], citekeys: set[str],
                 moves: dict | None) -> list[dict]:
    """The file's settlements that can be used, in its order, each with its line and whether
    the merge marked it; the others are logged."""
    rows = []
    for row in (read_csv_rows(path, log, ["item", "resolution"], [*COLUMNS, "conflict"]) or []) \
            if path.exists() else []:
        item = parse_key(row.values["item"])
        resolution = row.values["resolution"].lower()
        if item is not None and item["kind"] == "presence" and item["passage"] is None:
            passage = row.values["item"].rsplit(":", 1)[0].rpartition("/")[2]
            log.error(row.line, f"'{shown(row.values['item'])}': the passage {number_problem(passage)}",
                      "write presence:<citekey>/<passage number>:<competency>", "settlement-item")
            continue
        if item is None:
            log.error(row.line, f"'{shown(row.values['item'])}' does not name a disagreement",
                      "write presence:<citekey>/<passage>:<competency> or framing:<citekey>:<competency>",
                      "settlement-item")
            continue
        move = (moves or {}).get(item["competency"])
        if move is not None and not move.split:
            log.info(row.line, f"settles {item['competency']}, which was {move.how}; read as {move.into[0]}",
                     "`litcoder codebook migrate` writes the new id into the file", "settlement-migrated")
            item["competency"] = move.into[0]
            row.values["item"] = item_key(item["kind"], item["citekey"], item["competency"], item["passage"])
        if item["citekey"] not in citekeys or item["competency"] not in competencies:
            unknown = item["citekey"] if item["citekey"] not in citekeys else item["competency"]
            known = citekeys if item["citekey"] not in citekeys else competencies
            log.error(row.line, f"unknown source or competency '{shown(unknown)}'{closest(unknown, known)}",
                      "copy the item from the disagreement list", "settlement-item")
            continue
        if resolution not in RESOLUTIONS[item["kind"]]:
            log.error(row.line, f"'{shown(row.values['resolution'])}' cannot settle a {item['kind']} disagreement",
                      f"use one of: {', '.join(RESOLUTIONS[item['kind']])}", "settlement-resolution")
            continue
        rows.append({"item": row.values["item"], **item, "resolution": resolution,
                     "rationale": row.values.get("rationale", ""), "settled_by": row.values.get("settled_by", ""),
                     "settled_on": row.values.get("settled_on", ""), "line": row.line,
                     "made_at_once": bool(row.values.get("conflict"))})
    return rows


def _report_conflicts(rows: list[dict], conflicts: dict, log: ProblemLog) -> None:
    """A settlement made two ways in two clones at once (marked by the merge) whose latest row is
    one of them: named, until someone settles the item again."""
    latest = {row["item"]: row["line"] for row in rows}
    for item, made in conflicts.items():
        if latest.get(item) in {line for line, _, _ in made}:
            ways = "; ".join(f"{resolution} by {who or 'someone'} (line {line})" for line, resolution, who in made)
            log.warning(latest[item], f"{item} was settled two ways in two clones at once: {ways}; the last row "
                        "counts for now", "keep one version in the conflict screen (notebook 03), or settle it again",
                        "settlement-conflict")


def settle(review_path: Path, item: str, resolution: str, rationale: str, settled_by: str) -> dict:
    """Record a settlement (appended under the file's lock); returns the row written."""
    return settle_many(review_path, [item], resolution, rationale, settled_by)[0]


def settle_many(review_path: Path, items: list[str], resolution: str, rationale: str, settled_by: str) -> list[dict]:
    """Settle several items alike (the same resolution and rationale) in one append under the
    file's lock, so that either every row is written or none; returns the rows written.

    Every item is checked before anything is written: one that the resolution cannot settle
    (a framing item settled 'absent', say) refuses the whole batch. An item named twice is
    written once.
    """
    items = list(dict.fromkeys(items))
    if not items:
        raise ValueError("no item to settle")
    for item in items:
        parsed = parse_key(item)
        if parsed is None or resolution not in RESOLUTIONS[parsed["kind"]]:
            raise ValueError(f"'{resolution}' cannot settle '{item}'")
    common = {"resolution": resolution, "rationale": rationale.strip(), "settled_by": settled_by.strip(),
              "settled_on": date.today().isoformat()}
    rows = [{"item": item, **common} for item in items]
    return CsvFile(Path(review_path) / SETTLEMENTS, COLUMNS).append_rows(*rows)


def apply_settlements(codings: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """The codings the evidence should count: a competency settled absent from a passage
    loses its codings there; a settled framing replaces every coder's framing of that
    competency in that source (so the source speaks with one voice)."""
    if settlements is None or settlements.empty or codings.empty:
        return codings
    absent = settlements[(settlements["kind"] == "presence") & (settlements["resolution"] == "absent")]
    drop = {(f"{k}/{int(p)}", c) for k, p, c in zip(absent["citekey"], absent["passage"], absent["competency"])}
    kept = codings[[(p, c) not in drop for p, c in zip(codings["passage_id"], codings["competency"])]]
    framed = settlements[settlements["kind"] == "framing"]
    settled = dict(zip(zip(framed["citekey"], framed["competency"]), framed["resolution"]))
    if not settled:
        return kept
    new = [settled.get((k, c), f) for k, c, f in zip(kept["citekey"], kept["competency"], kept["framing"])]
    return kept.assign(framing=new)
