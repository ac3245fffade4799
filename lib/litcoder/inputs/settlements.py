"""Disagreements between coders, and the committee's settlements of them.

Two kinds of disagreement, on the units agreement is measured on:

- presence: in a passage of a source two or more coders finished, some coded a competency
  and others did not; settled as `present` (the passage shows it) or `absent`;
- framing: coders who finished a source and coded a competency in it frame it differently;
  settled with the framing the source gives it (leadership, management, both, neither).

A member settles an item in the settling screen or by adding a row to
`corpus/settlements.csv` (item, resolution, rationale, settled_by, settled_on). The
evidence then uses the settlement: an absent competency's codings of that passage are left
out, and a settled framing becomes the source's one voice. The latest row for an item wins.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from .bibliography import closest
from .coverage import finished_codings, finished_passages
from .codebook import FRAMINGS
from ..analysis.evidence import coder_votes
from ..files import read_csv_rows
from ..problems import ProblemLog
from ..store import CsvFile

SETTLEMENTS = "corpus/settlements.csv"
COLUMNS = ["item", "resolution", "rationale", "settled_by", "settled_on"]
RESOLUTIONS = {"presence": ("present", "absent"), "framing": FRAMINGS}
SETTLEMENT_COLUMNS = ["item", "kind", "citekey", "passage", "competency", "resolution", "rationale", "settled_by",
                      "settled_on", "line"]


def item_key(kind: str, citekey: str, competency: str, passage: int | None = None) -> str:
    """The stable name of a disagreement: presence:<citekey>/<passage>:<competency> or framing:<citekey>:<competency>."""
    return f"presence:{citekey}/{passage}:{competency}" if kind == "presence" else f"framing:{citekey}:{competency}"


def parse_key(key: str) -> dict | None:
    kind, _, rest = key.partition(":")
    if kind == "presence" and "/" in rest and ":" in rest:
        where, competency = rest.rsplit(":", 1)
        citekey, _, passage = where.rpartition("/")
        return {"kind": kind, "citekey": citekey, "passage": int(passage) if passage.isdigit() else None,
                "competency": competency}
    if kind == "framing" and ":" in rest:
        citekey, competency = rest.split(":", 1)
        return {"kind": kind, "citekey": citekey, "passage": None, "competency": competency}
    return None


def read_settlements(path: Path, name: str, competencies: set[str], citekeys: set[str]) -> tuple[pd.DataFrame, ProblemLog]:
    """The usable settlements (latest per item) and the problems met."""
    log = ProblemLog(name)
    rows = []
    for row in (read_csv_rows(path, log, ["item", "resolution"], COLUMNS) or []) if path.exists() else []:
        item = parse_key(row.values["item"])
        resolution = row.values["resolution"].lower()
        if item is not None and item["kind"] == "presence" and item["passage"] is None:
            log.error(row.line, f"'{row.values['item']}': the passage is not a number",
                      "write presence:<citekey>/<passage number>:<competency>", "settlement-item")
            continue
        if item is None:
            log.error(row.line, f"'{row.values['item']}' does not name a disagreement",
                      "write presence:<citekey>/<passage>:<competency> or framing:<citekey>:<competency>",
                      "settlement-item")
            continue
        if item["citekey"] not in citekeys or item["competency"] not in competencies:
            unknown = item["citekey"] if item["citekey"] not in citekeys else item["competency"]
            known = citekeys if item["citekey"] not in citekeys else competencies
            log.error(row.line, f"unknown source or competency '{unknown}'{closest(unknown, known)}",
                      "copy the item from the disagreement list", "settlement-item")
            continue
        if resolution not in RESOLUTIONS[item["kind"]]:
            log.error(row.line, f"'{row.values['resolution']}' cannot settle a {item['kind']} disagreement",
                      f"use one of: {', '.join(RESOLUTIONS[item['kind']])}", "settlement-resolution")
            continue
        rows.append({"item": row.values["item"], **item, "resolution": resolution,
                     "rationale": row.values.get("rationale", ""), "settled_by": row.values.get("settled_by", ""),
                     "settled_on": row.values.get("settled_on", ""), "line": row.line})
    frame = pd.DataFrame(rows, columns=SETTLEMENT_COLUMNS)
    frame["passage"] = frame["passage"].astype("Int64")  # framing items have none
    return frame.drop_duplicates("item", keep="last").reset_index(drop=True), log


def settle(review_path: Path, item: str, resolution: str, rationale: str, settled_by: str) -> dict:
    """Record a settlement (appended under the file's lock); returns the row written."""
    parsed = parse_key(item)
    if parsed is None or resolution not in RESOLUTIONS[parsed["kind"]]:
        raise ValueError(f"'{resolution}' cannot settle '{item}'")
    row = {"item": item, "resolution": resolution, "rationale": rationale.strip(), "settled_by": settled_by.strip(),
           "settled_on": date.today().isoformat()}
    CsvFile(Path(review_path) / SETTLEMENTS, COLUMNS).append_rows(row)
    return row


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


def disagreements(review) -> pd.DataFrame:
    """Every unit where the coders differ, open or settled.

    Columns: item, kind, citekey, author_year, passage, competency, label, positions (one line
    per coder: framing or 'not coded', quote, memo), status (open / settled), resolution,
    rationale, settled_by, settled_on.
    """
    positions = _Positions(review.codings)
    items = pd.DataFrame(_presence_items(review, positions) + _framing_items(review, positions),
                         columns=["item", "kind", "citekey", "passage", "competency", "positions"])
    settled = review.settlements.set_index("item") if len(review.settlements) else None
    for column in ("resolution", "rationale", "settled_by", "settled_on"):
        items[column] = items["item"].map(settled[column]).fillna("") if settled is not None else ""
    items["status"] = ["settled" if r else "open" for r in items["resolution"]]
    items["author_year"] = items["citekey"].map(dict(zip(review.sources["citekey"], review.sources["author_year"])))
    items["label"] = items["competency"].map(dict(zip(review.codebook["competency"], review.codebook["label"])))
    items["passage"] = items["passage"].astype("Int64")
    return items.sort_values(["status", "kind", "competency", "citekey", "passage"], kind="stable",
                             na_position="first").reset_index(drop=True)


class _Positions:
    """Each coder's codings of a competency, as one line, by passage and by source."""

    def __init__(self, codings: pd.DataFrame):
        self.in_passage: dict[tuple, list[str]] = {}
        self.in_source: dict[tuple, list[str]] = {}
        ordered = codings.sort_values(["citekey", "competency", "coder", "passage"], kind="stable")
        columns = [ordered[c].tolist() for c in ("citekey", "passage", "passage_id", "page", "competency", "coder",
                                                  "framing", "quote", "memo")]
        for citekey, passage, passage_id, page, competency, coder, framing, quote, memo in zip(*columns):
            memo = f" (memo: {memo})" if memo else ""
            page = "" if pd.isna(page) else f", p. {page}"
            text = f"{framing}, passage {passage}{page}: “{quote}”{memo}"
            self.in_passage.setdefault((passage_id, competency, coder), []).append(text)
            self.in_source.setdefault((citekey, competency, coder), []).append(text)

    @staticmethod
    def line(coder: str, texts: list[str] | None) -> str:
        return f"{coder}: " + ("; ".join(texts) if texts else "not coded")


def _presence_items(review, positions: _Positions) -> list[dict]:
    """Passages where, among the coders who finished the source, some coded a competency and some did not."""
    judged = finished_passages(review)
    if judged.empty or review.codings.empty:
        return []
    readers: dict[str, set] = {}
    for passage_id, coder in zip(judged["passage_id"].tolist(), judged["coder"].tolist()):
        readers.setdefault(passage_id, set()).add(coder)
    by_unit: dict[tuple, set] = {}
    codings = review.codings
    for passage_id, competency, coder in zip(codings["passage_id"].tolist(), codings["competency"].tolist(),
                                             codings["coder"].tolist()):
        if coder in readers.get(passage_id, ()) and len(readers[passage_id]) >= 2:
            by_unit.setdefault((passage_id, competency), set()).add(coder)
    items = []
    for (passage_id, competency), coders in sorted(by_unit.items()):
        judges = sorted(readers[passage_id])
        if len(coders) == len(judges):
            continue  # every coder who read it coded it
        citekey, passage = passage_id.rsplit("/", 1)
        lines = [positions.line(c, positions.in_passage.get((passage_id, competency, c))) for c in judges]
        items.append({"item": item_key("presence", citekey, competency, int(passage)), "kind": "presence",
                      "citekey": citekey, "passage": int(passage), "competency": competency,
                      "positions": "\n".join(lines)})
    return items


def _framing_items(review, positions: _Positions) -> list[dict]:
    """(source, competency) pairs whose coders' main framings differ (or one coder's split evenly)."""
    codings = finished_codings(review)
    if codings.empty:
        return []
    votes = coder_votes(codings)
    grouped = votes.groupby(["competency", "citekey"], sort=True)
    summary = grouped["main_framing"].agg(coders="size", framings="nunique", first="first")
    summary = summary[(summary["coders"] >= 2) & ((summary["framings"] > 1) | (summary["first"] == "mixed"))]
    coders_of: dict[tuple, list] = {}
    for competency, citekey, coder in zip(votes["competency"].tolist(), votes["citekey"].tolist(), votes["coder"].tolist()):
        coders_of.setdefault((competency, citekey), []).append(coder)
    items = []
    for (competency, citekey) in summary.index:
        lines = [positions.line(c, positions.in_source.get((citekey, competency, c)))
                 for c in sorted(coders_of[(competency, citekey)])]
        items.append({"item": item_key("framing", citekey, competency), "kind": "framing", "citekey": citekey,
                      "passage": None, "competency": competency, "positions": "\n".join(lines)})
    return items
