"""Which competencies are coded together: in the same passage, or in the same source.

    >>> from litcoder import Review
    >>> review = Review.load(".")
    >>> pairs = cooccurrence(review)
    >>> list(pairs.columns)
    ['a', 'b', 'label_a', 'label_b', 'together', 'a_units', 'b_units', 'jaccard', 'overlap']
    >>> matrix = cooccurrence_matrix(review)
    >>> bool((matrix.to_numpy() == matrix.to_numpy().T).all())
    True

A unit is a passage (citekey and passage number) or, with level="source", a whole source. A
unit is coded to a competency when any coder coded it so: a passage one coder coded to
planning and another to budgeting is a passage where the two co-occur, as it is when one
coder coded both. `coders=` restricts that to some coders. The codings are every coder's as
they made them (review.codings, before the committee's settlements): co-occurrence tells
what coders saw together in the texts, not how the committee weighs it. A coding whose
passage is not known (an orphan without a passage number) counts only at the source level.

Two measures put a pair's count in proportion:
- jaccard = together / (a_units + b_units − together): of the units coded to either, the share
  coded to both; 1 when the two are always coded together. This is what ATLAS.ti calls the
  c-coefficient of its code co-occurrence table, c = n12 / (n1 + n2 − n12), there counted on
  quotations. Like it, it is small whenever one competency is far more often coded than the
  other, however often the rarer one comes with it.
- overlap = together / min(a_units, b_units): the share of the rarer competency's units that
  also carry the other, which shows what jaccard hides: budgeting in 4 passages, all of them
  also coded to planning (in 40), has jaccard 0.1 and overlap 1.

The counts come from an incidence matrix (units × competencies, 0/1) X and its product XᵀX,
which holds every pair's count at once: its diagonal is each competency's units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from ..inputs.bibliography import closest

LEVELS = {"passage": ["citekey", "passage"], "source": ["citekey"]}
"""A unit of co-occurrence at each level, by the columns that name it."""
MEASURES = ("together", "jaccard", "overlap")
PAIR_COLUMNS = ["a", "b", "label_a", "label_b", "together", "a_units", "b_units", "jaccard", "overlap"]
PASSAGES_WITH_COLUMNS = ["citekey", "passage", "page", "text", "quotes_a", "quotes_b"]
WITHOUT_COLUMNS = {"passage": ["citekey", "passage", "page", "text", "quotes_x"],
                   "source": ["citekey", "author_year", "passages", "quotes_x"]}
IDS_SHOWN = 30
"""Competency ids an unknown-id error lists (then 'and N more')."""


# ---------------------------------------------------------------- what is asked for

def _level(level: str) -> list[str]:
    if level not in LEVELS:
        raise ValueError(f"level must be 'passage' or 'source', not {level!r}")
    return LEVELS[level]


def _competencies(review, *names: str) -> list[str]:
    """The ids `names` are (an id, or a label in any case); a KeyError naming every unknown one,
    with the closest id and the known ones."""
    ids = review.codebook["competency"].tolist()
    by_label = {str(label).casefold(): c for c, label in zip(ids, review.codebook["label"])}
    found, unknown = [], []
    for name in names:
        competency = name if name in ids else by_label.get(str(name).casefold())
        found.append(competency)
        if competency is None:
            unknown.append(f"'{name}'{closest(str(name), ids)}")
    if unknown:
        shown = ", ".join(ids[:IDS_SHOWN]) + (f" and {len(ids) - IDS_SHOWN} more" if len(ids) > IDS_SHOWN else "")
        raise KeyError(f"no competency {' or '.join(unknown)} in the codebook (its ids: {shown or 'none'})")
    return found


def _two(review, first: str, second: str) -> tuple[str, str]:
    first, second = _competencies(review, first, second)
    if first == second:
        raise ValueError(f"name two different competencies, not {first} twice")
    return first, second


def _coders(review, coders) -> list[str] | None:
    """The coders asked for (one name or several), None for all; a ValueError for one the review has not."""
    if coders is None:
        return None
    coders = [coders] if isinstance(coders, str) else list(coders)
    if not coders:
        raise ValueError("coders= names no coder: name at least one, or leave it out for every coder")
    known = review.coders
    for coder in coders:
        if coder not in known:
            raise ValueError(f"no coder '{coder}' in this review{closest(str(coder), known)} "
                             f"(its coders: {', '.join(known) or 'none yet'})")
    return coders


def _codings(review, coders) -> pd.DataFrame:
    """The codings of the chosen coders, to competencies of the codebook."""
    codings = review.codings
    chosen = codings["competency"].isin(review.codebook["competency"])
    if coders is not None:
        chosen &= codings["coder"].isin(coders)
    return codings[chosen]


def _placed(codings: pd.DataFrame, level: str) -> pd.DataFrame:
    """The codings that fall in a unit of `level` (at the passage level, those with a passage)."""
    return codings[codings["passage"].notna()] if level == "passage" else codings


# ---------------------------------------------------------------- counts

def _together(review, level: str, coders: list[str] | None) -> np.ndarray:
    """XᵀX for the incidence matrix X (units × competencies in codebook order): [i, j] the units
    coded to both i and j, [i, i] the units coded to i. `coders` as _coders gives them."""
    keys = _level(level)
    ids = review.codebook["competency"].tolist()
    codings = _placed(_codings(review, coders), level)
    if codings.empty:
        return np.zeros((len(ids), len(ids)), dtype=np.int64)
    column = pd.Categorical(codings["competency"], categories=ids).codes
    row = codings.groupby(keys, sort=False).ngroup().to_numpy()
    incidence = sparse.csr_matrix((np.ones(len(row), dtype=np.int64), (row, column)),
                                  shape=(row.max() + 1, len(ids)))
    incidence.data[:] = 1  # a unit coded twice to one competency (two coders, two quotes) is coded to it once
    return (incidence.T @ incidence).toarray()


def pair_measures(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard and overlap for every pair of a together matrix (units on its diagonal), NaN where
    undefined: jaccard where neither is coded, overlap where one is not."""
    units = np.diag(counts).astype(float)
    either = units[:, None] + units[None, :] - counts
    rarer = np.minimum(units[:, None], units[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(either > 0, counts / either, np.nan), np.where(rarer > 0, counts / rarer, np.nan)


def cooccurrence(review, level: str = "passage", coders=None) -> pd.DataFrame:
    """One row per pair of competencies coded together in at least one unit (a passage, or a
    source with level="source"), a before b in codebook order: a, b, label_a, label_b,
    together (the units coded to both), a_units and b_units (the units coded to each),
    jaccard (ATLAS.ti's c-coefficient) and overlap (see the module's note). Most often
    together first, then in codebook order. frame.attrs holds the level, the coders and every
    competency's units (those of no pair too), for the chart.

    A level other than 'passage' or 'source', or a coder the review has not, is a ValueError.
    """
    coders = _coders(review, coders)
    counts = _together(review, level, coders)
    jaccard, overlap = pair_measures(counts)
    first, second = np.triu_indices(len(counts), k=1)
    coded = counts[first, second] > 0
    first, second = first[coded], second[coded]
    order = np.lexsort((second, first, -counts[first, second]))
    first, second = first[order], second[order]
    ids, labels = review.codebook["competency"].to_numpy(), review.codebook["label"].to_numpy()
    units = np.diag(counts)
    table = pd.DataFrame({"a": ids[first], "b": ids[second], "label_a": labels[first], "label_b": labels[second],
                          "together": counts[first, second], "a_units": units[first], "b_units": units[second],
                          "jaccard": jaccard[first, second], "overlap": overlap[first, second]}, columns=PAIR_COLUMNS)
    table = table.astype({"a": "str", "b": "str", "label_a": "str", "label_b": "str", "together": "int64",
                          "a_units": "int64", "b_units": "int64", "jaccard": "float64", "overlap": "float64"})
    table.attrs = {"level": level, "coders": coders, "units": dict(zip(ids.tolist(), units.tolist()))}
    return table


def cooccurrence_matrix(review, level: str = "passage", measure: str = "together", coders=None) -> pd.DataFrame:
    """A square frame, competency ids in codebook order on both sides: for "together" the units
    coded to both (on the diagonal, the units coded to each); for "jaccard" or "overlap" that
    measure (1 on the diagonal of a coded competency; NaN where it is undefined, as for a
    competency never coded). Symmetric. frame.attrs holds the level, measure and coders."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    coders = _coders(review, coders)
    counts = _together(review, level, coders)
    values = counts if measure == "together" else pair_measures(counts)[MEASURES.index(measure) - 1]
    ids = pd.Index(review.codebook["competency"].tolist(), name="competency")
    matrix = pd.DataFrame(values, index=ids, columns=ids.rename(None))
    matrix.attrs = {"level": level, "measure": measure, "coders": coders}
    return matrix


# ---------------------------------------------------------------- retrieval

def _quotes(codings: pd.DataFrame, keys: list[str], with_passage: bool = False) -> pd.Series:
    """Per unit, its quotes joined in passage, place and coder order: 'coder-a (management): “…”'."""
    if codings.empty:
        return pd.Series(dtype="str")
    codings = codings.sort_values(["citekey", "passage", "start", "coder", "id"], kind="stable", na_position="last")
    quoted = ["“" + " ".join(q.split()) + "”" if q.strip() else "(the whole passage)" for q in codings["quote"]]
    said = codings["coder"] + " (" + codings["framing"] + "): " + pd.Series(quoted, index=codings.index)
    if with_passage:
        said = "passage " + codings["passage"].astype("string").fillna("?") + ", " + said
    return said.groupby([codings[k] for k in keys], sort=False).agg("; ".join)


def _passage_rows(review, units: pd.DataFrame) -> pd.DataFrame:
    """`units` (citekey, passage) with each passage's page and text, in source and passage order."""
    passages = review.passages[["citekey", "passage", "page", "text"]].astype({"passage": "Int64"})
    rows = units.astype({"passage": "Int64"}).merge(passages, on=["citekey", "passage"], how="left")
    rows["text"] = rows["text"].fillna("")
    return rows.sort_values(["citekey", "passage"], kind="stable").reset_index(drop=True)


def passages_with(review, a: str, b: str, coders=None) -> pd.DataFrame:
    """The passages coded (by any of `coders`, by anyone when not given) to both a and b: citekey,
    passage, page, text, and the quotes for each (quotes_a, quotes_b: 'coder-a (management):
    “…”', joined by '; '), in source then passage order. a and b are ids or labels; an unknown
    one is a KeyError naming it and the known ids."""
    a, b = _two(review, a, b)
    keys = LEVELS["passage"]
    codings = _placed(_codings(review, _coders(review, coders)), "passage")
    mine = codings[codings["competency"].isin([a, b])]
    both = mine.groupby(keys)["competency"].nunique()
    units = both[both == 2].index.to_frame(index=False)
    rows = _passage_rows(review, units)
    for competency, column in ((a, "quotes_a"), (b, "quotes_b")):
        quotes = _quotes(mine[mine["competency"] == competency], keys)
        rows[column] = [quotes.get((k, p), "") for k, p in zip(rows["citekey"], rows["passage"])]
    return rows.reindex(columns=PASSAGES_WITH_COLUMNS)


def coded_without(review, x: str, y: str, level: str = "passage", coders=None) -> pd.DataFrame:
    """The passages (or, with level="source", the sources) coded to x and not to y, by any of
    `coders` (anyone when not given), with x's quotes (quotes_x). Passages: citekey, passage,
    page, text, quotes_x; sources: citekey, author_year, passages (those coded to x) and
    quotes_x, each quote after its passage. In source then passage order."""
    keys = _level(level)
    x, y = _two(review, x, y)
    codings = _placed(_codings(review, _coders(review, coders)), level)
    with_x = codings[codings["competency"] == x]
    with_y = pd.MultiIndex.from_frame(codings.loc[codings["competency"] == y, keys])
    with_x = with_x[~pd.MultiIndex.from_frame(with_x[keys]).isin(with_y)]
    quotes = _quotes(with_x, keys, with_passage=level == "source")
    if level == "passage":
        rows = _passage_rows(review, with_x[keys].drop_duplicates())
        rows["quotes_x"] = [quotes.get((k, p), "") for k, p in zip(rows["citekey"], rows["passage"])]
        return rows.reindex(columns=WITHOUT_COLUMNS["passage"])
    return _source_rows(review, with_x, quotes)


def _source_rows(review, with_x: pd.DataFrame, quotes: pd.Series) -> pd.DataFrame:
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    citekeys = sorted(with_x["citekey"].unique())
    numbers = with_x.dropna(subset=["passage"]).groupby("citekey")["passage"].agg(lambda p: sorted(set(p)))
    return pd.DataFrame({"citekey": citekeys, "author_year": [cite.get(k, k) for k in citekeys],
                         "passages": [", ".join(map(str, numbers.get(k, []))) for k in citekeys],
                         "quotes_x": [quotes.get(k, "") for k in citekeys]}, columns=WITHOUT_COLUMNS["source"])

