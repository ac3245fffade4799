"""Disagreements between coders, on the units agreement is measured on.

- presence: in a passage two or more coders judged (in a source each finished; see
  inputs.coverage.finished_passages), some coded a competency and others did not;
- framing: the coders who finished a source and coded a competency in it give it different
  main framings, so that the evidence counts the source as *disputed* (analysis.evidence
  decides what a source says; this list follows it, so a source the evidence counts as
  agreed is never listed here).

Each is listed with every coder's position and, once a member has settled it
(inputs.settlements), with the settlement. A settled item stays listed when the coders no
longer differ there (they changed their codings since), so no settlement drops out of sight.
`open_by_competency` groups the open ones per competency for the report.

As agreement does, the list leaves out by default the passages a coder changed after being
shown the others' codings (`after_reveal=True` keeps them): a coder who then agrees has not
settled anything, and one who then differs is no longer judging alone.
"""

from __future__ import annotations

import pandas as pd

from ..inputs.codebook import FRAMINGS
from ..inputs.coverage import finished_codings, finished_passages
from ..inputs.settlements import item_key
from .evidence import coder_votes, source_framings

COLUMNS = ["item", "kind", "citekey", "author_year", "passage", "page", "competency", "label", "coders", "stances",
           "positions", "status", "resolution", "rationale", "settled_by", "settled_on"]
SETTLED_COLUMNS = ["resolution", "rationale", "settled_by", "settled_on"]
CODED, NOT_CODED = "coded", "not coded"
"""A coder's stance on a presence item."""


def disagreements(review, votes: pd.DataFrame | None = None, after_reveal: bool = False) -> pd.DataFrame:
    """Every unit where the coders differ, open or settled; `votes` is
    coder_votes(finished_codings(review, after_reveal)), if already made.

    Columns: item, kind (presence / framing), citekey, author_year, passage (presence items),
    page (the passage's page as review.passages has it; empty for framing items and pages-less
    texts), competency, label, coders (the coders set side by side, e.g. "coder-a, coder-b":
    each holds a position another does not), stances (one line per coder, "coder-a: leadership";
    a framing item gives each coder's main framing, a presence item "coded" or "not coded"),
    positions (one line per coder: framing or 'not coded', passage, quote, memo), status
    (open / settled), resolution, rationale, settled_by, settled_on.
    """
    items = pd.DataFrame(_items(review, votes, after_reveal),
                         columns=["item", "kind", "citekey", "passage", "competency", "stances", "positions"])
    items["coders"] = [", ".join(line.partition(": ")[0] for line in s.split("\n")) if s else ""
                       for s in items["stances"].tolist()]
    items["author_year"] = items["citekey"].map(dict(zip(review.sources["citekey"], review.sources["author_year"])))
    items["label"] = items["competency"].map(dict(zip(review.codebook["competency"], review.codebook["label"])))
    items["passage"] = items["passage"].astype("Int64")
    passage_ids = items["citekey"] + "/" + items["passage"].astype("string")
    items["page"] = passage_ids.map(review.passages.set_index("passage_id")["page"])
    items = with_settlements(items, review.settlements)
    return items.sort_values(["status", "kind", "competency", "citekey", "passage"], kind="stable",
                             na_position="first").reset_index(drop=True)[COLUMNS]


def with_settlements(items: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """The items with each one's latest settlement (resolution, rationale, settled_by,
    settled_on) and status; the settling screen calls it again after recording one."""
    items = items.copy()
    settled = settlements.set_index("item") if settlements is not None and len(settlements) else None
    for column in SETTLED_COLUMNS:
        items[column] = items["item"].map(settled[column]).fillna("") if settled is not None else ""
    items["status"] = ["settled" if r else "open" for r in items["resolution"].tolist()]
    return items


def open_by_competency(items: pd.DataFrame) -> list[dict]:
    """The open disagreements, one group per competency, the competency with most first.

    Each group: competency, label, open (how many), counts (by kind: {"presence": n,
    "framing": m}, both always there) and items, each a dict of item, kind, citekey,
    author_year, passage and page (None when there is none), coders and positions (a list,
    one line per coder), ordered by source, then passage (a source's framing item first).

    >>> from litcoder import Review
    >>> groups = open_by_competency(disagreements(Review.load(".")))
    >>> first = groups[0]
    >>> sorted(first), sorted(first["counts"])
    (['competency', 'counts', 'items', 'label', 'open'], ['framing', 'presence'])
    >>> first["open"] == len(first["items"]) == sum(first["counts"].values())
    True
    >>> all(a["open"] >= b["open"] for a, b in zip(groups, groups[1:]))
    True

    In a template: `{% for g in groups %}<details><summary>{{ g.label }}: {{ g.open }} open
    ({{ g.counts.framing }} framing, {{ g.counts.presence }} presence)</summary>...`.
    """
    shown = items[items["status"] == "open"]
    if shown.empty:
        return []
    shown = shown.assign(_first=shown["passage"].isna()).sort_values(
        ["author_year", "citekey", "_first", "passage"], ascending=[True, True, False, True], kind="stable")
    groups: dict[str, dict] = {}
    columns = ["item", "kind", "citekey", "author_year", "passage", "page", "competency", "label", "coders",
               "positions"]
    for values in zip(*(shown[c].astype(object).tolist() for c in columns)):  # column lists: far faster than rows
        row = dict(zip(columns, values))
        group = groups.setdefault(row["competency"], {"competency": row["competency"], "label": row["label"],
                                                      "open": 0, "counts": {"framing": 0, "presence": 0},
                                                      "items": []})
        group["open"] += 1
        group["counts"][row["kind"]] += 1
        group["items"].append(_listed(row))
    return sorted(groups.values(), key=lambda g: (-g["open"], str(g["label"]), g["competency"]))


def _listed(row: dict) -> dict:
    """One open item as the report lists it: plain values, None for what is missing."""
    def plain(value):
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    passage = plain(row["passage"])
    return {"item": row["item"], "kind": row["kind"], "citekey": row["citekey"], "author_year": row["author_year"],
            "passage": None if passage is None else int(passage), "page": plain(row["page"]),
            "coders": row["coders"], "positions": row["positions"].split("\n")}


def stances_of(items: pd.DataFrame) -> list[dict[str, str]]:
    """Each item's stances as {coder: stance}, in the frame's order."""
    return [dict(line.partition(": ")[::2] for line in text.split("\n")) if text else {}
            for text in items["stances"]]


def differ(kind: str, one: str, other: str) -> bool:
    """Whether two coders' stances on an item differ; a coder with no main framing (their
    codings split evenly) differs from every other."""
    return one != other or (kind == "framing" and one not in FRAMINGS)


class _Positions:
    """Each coder's codings of a competency, as one line, by passage and by source; made only
    for the (source, competency) pairs asked for, since most codings are in no disagreement."""

    def __init__(self, codings: pd.DataFrame, wanted: set[tuple[str, str]]):
        self.in_passage: dict[tuple, list[str]] = {}
        self.in_source: dict[tuple, list[str]] = {}
        if not wanted or codings.empty:
            return
        pairs = pd.MultiIndex.from_arrays([codings["citekey"], codings["competency"]])
        ordered = codings[pairs.isin(list(wanted))].sort_values(["citekey", "competency", "coder", "passage"],
                                                                kind="stable")
        pages = ["" if page is None or page is pd.NA or page != page or page == "" else f", p. {page}"
                 for page in ordered["page"].astype(object).tolist()]
        columns = [ordered[c].tolist() for c in ("citekey", "passage_id", "competency", "coder", "framing", "passage",
                                                  "quote", "memo")]
        for citekey, passage_id, competency, coder, framing, passage, quote, memo, page in zip(*columns, pages):
            text = f"{framing}, passage {passage}{page}: “{quote}”" + (f" (memo: {memo})" if memo else "")
            self.in_passage.setdefault((passage_id, competency, coder), []).append(text)
            self.in_source.setdefault((citekey, competency, coder), []).append(text)

    @staticmethod
    def line(coder: str, texts: list[str] | None) -> str:
        return f"{coder}: " + ("; ".join(texts) if texts else NOT_CODED)


def _items(review, votes: pd.DataFrame | None = None, after_reveal: bool = False) -> list[dict]:
    """The presence and framing items, each coder's position written out."""
    finished = finished_codings(review, after_reveal) if len(review.codings) else review.codings  # (keeps columns)
    judges = _judges(finished_passages(review, after_reveal))
    presence, framing = _presence_units(judges, finished), _framing_units(finished, votes)
    listed = {item_key("presence", k, c, p) for k, p, c, _, _ in presence}
    listed |= {item_key("framing", k, c) for c, k, _ in framing}
    more_presence, more_framing = _settled_elsewhere(review, finished, listed, judges)
    presence, framing = presence + more_presence, framing + more_framing
    wanted = {(citekey, competency) for citekey, _, competency, _, _ in presence}
    wanted |= {(citekey, competency) for competency, citekey, _ in framing}
    positions = _Positions(review.codings, wanted)
    items = []
    for citekey, passage, competency, judges, coders in presence:
        passage_id = f"{citekey}/{passage}"
        items.append({"item": item_key("presence", citekey, competency, passage), "kind": "presence",
                      "citekey": citekey, "passage": passage, "competency": competency,
                      "stances": "\n".join(f"{c}: {CODED if c in coders else NOT_CODED}" for c in judges),
                      "positions": "\n".join(positions.line(c, positions.in_passage.get((passage_id, competency, c)))
                                             for c in judges)})
    for competency, citekey, held in framing:
        items.append({"item": item_key("framing", citekey, competency), "kind": "framing", "citekey": citekey,
                      "passage": None, "competency": competency,
                      "stances": "\n".join(f"{c}: {s}" for c, s in held),
                      "positions": "\n".join(positions.line(c, positions.in_source.get((citekey, competency, c)))
                                             for c, _ in held)})
    return items


def _presence_units(judges: pd.Series, codings: pd.DataFrame) -> list[tuple]:
    """(citekey, passage, competency, the coders who judged the passage, those who coded it
    there) for each passage where, of two or more coders who judged it, some coded a
    competency and some did not (`judges`: _judges of the judged passages; `codings`: those
    agreement compares, finished_codings)."""
    judges = judges[judges.str.len() >= 2]
    codings = codings[codings["passage_id"].isin(judges.index)]
    if codings.empty:
        return []
    coded = codings[["passage_id", "citekey", "passage", "competency", "coder"]].drop_duplicates()
    keys = ["passage_id", "competency"]
    count = coded.groupby(keys, sort=False)["coder"].transform("size").to_numpy()
    short = coded[count < coded["passage_id"].map(judges.str.len()).to_numpy()]  # a judge did not code it
    units: dict[tuple, set] = {}
    for passage_id, citekey, passage, competency, coder in zip(
            *(short[c].tolist() for c in ["passage_id", "citekey", "passage", "competency", "coder"])):
        units.setdefault((passage_id, citekey, int(passage), competency), set()).add(coder)
    return [(citekey, passage, competency, judges[passage_id], coders)
            for (passage_id, citekey, passage, competency), coders in units.items()]


def _judges(judged: pd.DataFrame) -> pd.Series:
    """Per passage (by passage_id, sorted), the coders who judged it, sorted (`judged`:
    finished_passages): groupby(...).agg(list) without pandas' per-group cost."""
    judged = judged.sort_values(["passage_id", "coder"], kind="stable")
    judges: dict[str, list[str]] = {}
    for passage_id, coder in zip(judged["passage_id"].tolist(), judged["coder"].tolist()):
        judges.setdefault(passage_id, []).append(coder)
    return pd.Series(judges, dtype=object).rename_axis("passage_id").rename("coder")


def _framing_units(codings: pd.DataFrame, votes: pd.DataFrame | None = None) -> list[tuple]:
    """(competency, citekey, [(coder, main framing)]) for each source the evidence counts as
    disputed among the coders who finished it (`codings`: theirs; `votes`: coder_votes(codings))."""
    if codings.empty:
        return []
    keys = ["competency", "citekey"]
    votes = coder_votes(codings) if votes is None else votes  # sorted by competency, citekey, coder
    # Sources whose coders all give one main framing are agreed whatever the rule for ties;
    # only the others are put to the evidence's own rule (source_framings), which is slower.
    decided = votes["main_framing"].isin(FRAMINGS)
    by_source = votes.assign(decided=decided).groupby(keys, sort=False)
    agreed = by_source["decided"].transform("all") & (by_source["main_framing"].transform("nunique") == 1)
    asked = votes[~agreed.to_numpy() & (by_source["coder"].transform("size") >= 2).to_numpy()]
    if asked.empty:
        return []
    asked_pairs = pd.MultiIndex.from_frame(asked[keys].drop_duplicates())
    asked_votes = votes[pd.MultiIndex.from_frame(votes[keys]).isin(asked_pairs)]  # every coder's, as the rule needs
    said = source_framings(codings[pd.MultiIndex.from_frame(codings[keys]).isin(asked_pairs)], votes=asked_votes)
    said = said[said["framing"] == "disputed"]
    disputed = set(zip(said["competency"], said["citekey"]))
    tied = asked["tied"].tolist() if "tied" in asked else [""] * len(asked)
    stances: dict[tuple, list[tuple[str, str]]] = {}
    for competency, citekey, coder, main, ties in zip(asked["competency"].tolist(), asked["citekey"].tolist(),
                                                      asked["coder"].tolist(), asked["main_framing"].tolist(), tied):
        if (competency, citekey) in disputed:
            stances.setdefault((competency, citekey), []).append((coder, _stance(main, ties)))
    return [(competency, citekey, held) for (competency, citekey), held in stances.items()]


def _stance(main: str, ties: str) -> str:
    """A coder's main framing; for one whose codings split evenly, also between which."""
    return main if main in FRAMINGS or not ties else f"split evenly ({ties})"


def _settled_elsewhere(review, codings: pd.DataFrame, listed: set[str], judges: pd.Series) -> tuple[list, list]:
    """The units of settled items that are no longer disagreements (the coders have since
    changed their codings, or agree), as _presence_units and _framing_units give theirs:
    a settlement stays in the list, with each coder's position as it is now."""
    settled = review.settlements
    if settled is None or settled.empty:
        return [], []
    gone = settled[~settled["item"].isin(listed)]
    presence = []
    if (gone["kind"] == "presence").any():
        coded: dict[tuple, set] = {}
        for passage_id, competency, coder in zip(*(codings[c].tolist() for c in ("passage_id", "competency", "coder"))):
            coded.setdefault((passage_id, competency), set()).add(coder)
        for citekey, passage, competency in zip(*(gone.loc[gone["kind"] == "presence", c].tolist()
                                                  for c in ("citekey", "passage", "competency"))):
            coders = coded.get((f"{citekey}/{passage}", competency), set())
            presence.append((citekey, int(passage), competency, judges.get(f"{citekey}/{passage}") or sorted(coders),
                             coders))
    framed = gone[gone["kind"] == "framing"]
    pairs = pd.MultiIndex.from_arrays([codings["competency"], codings["citekey"]])
    votes = coder_votes(codings[pairs.isin(list(zip(framed["competency"], framed["citekey"])))]) if len(
        framed) and len(codings) else pd.DataFrame(columns=["competency", "citekey", "coder", "main_framing"])
    tied = votes["tied"].tolist() if "tied" in votes else [""] * len(votes)
    held: dict[tuple, list] = {(c, k): [] for c, k in zip(framed["competency"], framed["citekey"])}
    for competency, citekey, coder, main, ties in zip(votes["competency"].tolist(), votes["citekey"].tolist(),
                                                      votes["coder"].tolist(), votes["main_framing"].tolist(), tied):
        held[(competency, citekey)].append((coder, _stance(main, ties)))
    return presence, [(competency, citekey, stances) for (competency, citekey), stances in held.items()]
