"""Disagreements between coders, on the units agreement is measured on.

- presence: in a passage of a source two or more coders finished, some coded a competency
  and others did not;
- framing: coders who finished a source and coded a competency in it frame it differently.

Each is listed with every coder's position and, once a member has settled it
(inputs.settlements), with the settlement.
"""

from __future__ import annotations

import pandas as pd

from ..inputs.coverage import finished_codings, finished_passages
from ..inputs.settlements import item_key
from .evidence import coder_votes


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
    for competency, citekey, coder in zip(votes["competency"].tolist(), votes["citekey"].tolist(),
                                          votes["coder"].tolist()):
        coders_of.setdefault((competency, citekey), []).append(coder)
    items = []
    for (competency, citekey) in summary.index:
        lines = [positions.line(c, positions.in_source.get((citekey, competency, c)))
                 for c in sorted(coders_of[(competency, citekey)])]
        items.append({"item": item_key("framing", citekey, competency), "kind": "framing", "citekey": citekey,
                      "passage": None, "competency": competency, "positions": "\n".join(lines)})
    return items
