"""The review's agreement: which units the coders judged, and how far they agree.

Coverage is explicit: a coder's judgement of a source counts only once that coder marked
the source finished, and then only on the passages the coder judged (inputs.coverage:
every passage of a source finished in the old format; else those coded or marked "nothing
to code here"); an unfinished source or an unread passage is missing data, not disagreement.

Agreement measures independent judgement: by default a passage a coder changed after being
shown the other coders' codings of the source is missing data for that coder
(inputs.coverage.set_aside); `after_reveal=True` counts it as it is now.

- Presence, per competency: the unit is a passage of a source finished by two or more
  coders; the value is whether the coder coded the passage with that competency (1) or
  not (0). Pooled over competencies, the unit is a (passage, competency) pair.
- Framing: the unit is a (source, competency) pair coded by two or more coders who finished
  the source; the value is the coder's framing of it there (nominal). A coder whose codings
  of one source split evenly between framings has no single framing for it: that value is
  missing.
- Per coder pair: the same two measures for each pair of coders, on the units both judged.

    >>> from litcoder import Review
    >>> table = agreement_table(Review.load("."), resamples=200)
    >>> sorted(set(table["measure"]))
    ['framing', 'presence']
"""

from __future__ import annotations

from functools import partial
from itertools import combinations

import numpy as np
import pandas as pd

from ..inputs.codebook import FRAMINGS
from ..inputs.coverage import finished_codings, finished_passages
from ..inputs.kept import Kept, digest
from .agreement import (
    COEFFICIENT_COLUMNS,
    PREVALENCE_KEYS,
    cohen_kappa,
    grouped_coefficients,
    krippendorff_alpha,
    pair_patterns,
    prevalence_bias,
    unit_patterns,
    weighted_value,
)
from .evidence import coder_votes

ALL = "all competencies"
FRAMING_CODES = {f: i for i, f in enumerate(FRAMINGS)}
TABLE_COLUMNS = ["measure", "competency", "label", "coefficient", "value", "low", "high", "units", "coders", "level"]


def presence_matrix(review, competency: str | None = None, after_reveal: bool = False) -> pd.DataFrame:
    """Units × coders of 1 (coded with the competency) / 0 (not) / NaN (passage not judged).

    With `competency` None, the units are every (passage, competency) pair, pooled. Only
    units judged by two or more coders are kept. `after_reveal`: see the module's docstring.
    """
    judged = finished_passages(review, after_reveal)
    coders = sorted(judged["coder"].unique())
    if judged.empty:
        return pd.DataFrame(columns=coders, index=pd.MultiIndex.from_tuples([], names=["passage_id", "competency"]))
    readers = judged.pivot_table(index="passage_id", columns="coder", aggfunc="size").reindex(columns=coders)
    readers = readers[readers.notna().sum(axis=1) >= 2]
    competencies = [competency] if competency else list(review.codebook["competency"])
    passages, coder_at = list(readers.index), {c: i for i, c in enumerate(coders)}
    # values[p, c, k]: 0 where coder k read passage p, NaN where not; then 1 where k coded p with c
    values = np.empty((len(passages), len(competencies), len(coders)))
    values[...] = np.where(readers.notna().to_numpy(), 0.0, np.nan)[:, None, :]
    codings = review.codings[review.codings["competency"].isin(competencies)
                             & review.codings["passage_id"].isin(readers.index) & review.codings["coder"].isin(coders)]
    if len(codings):
        p = pd.Index(passages).get_indexer(codings["passage_id"])
        c = pd.Index(competencies).get_indexer(codings["competency"])
        k = codings["coder"].map(coder_at).to_numpy()
        read_it = ~np.isnan(values[p, c, k])
        values[p[read_it], c[read_it], k[read_it]] = 1.0
    index = pd.MultiIndex.from_product([passages, competencies], names=["passage_id", "competency"])
    return pd.DataFrame(values.reshape(len(passages) * len(competencies), len(coders)), index=index, columns=coders,
                        copy=False)  # millions of units: the values are not copied again


def framing_matrix(review, competency: str | None = None, votes: pd.DataFrame | None = None,
                   after_reveal: bool = False) -> pd.DataFrame:
    """(source, competency) units × coders of framing codes (see FRAMING_CODES); NaN where a
    coder did not code the pair or split evenly between framings. Units with ≥ 2 values.

    `votes` is coder_votes(finished_codings(review, after_reveal)), if already made."""
    codings = finished_codings(review, after_reveal)
    codings = codings if competency is None else codings[codings["competency"] == competency]
    if codings.empty:
        return pd.DataFrame(columns=sorted(review.codings["coder"].unique()))
    votes = coder_votes(codings) if votes is None else votes
    votes = votes if competency is None else votes[votes["competency"] == competency]
    votes = votes[votes["main_framing"] != "split"]
    wide = votes.pivot_table(index=["citekey", "competency"], columns="coder", values="main_framing",
                             aggfunc="first")
    wide = wide.reindex(columns=sorted(review.codings["coder"].unique()))
    codes = wide.apply(lambda column: column.map(FRAMING_CODES)).astype(float)
    return codes[codes.notna().sum(axis=1) >= 2]


def agreement_table(review, resamples: int = 1000, seed: int = 20261127,
                    matrices: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                    after_reveal: bool = False) -> pd.DataFrame:
    """Every coefficient with its bootstrap interval: presence and framing, per competency and overall.

    `matrices` are (presence_matrix(review), framing_matrix(review)), if already made;
    `after_reveal` counts the passages coders changed after a reveal (see the module's docstring).
    """
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    presence, framing = matrices or _matrices(review, after_reveal)
    frames = []
    kept, name = Kept(review.path, "agreement"), "after-reveal" if after_reveal else "finished"
    measured = _kept_coefficients(kept, name)
    before = {measure: set(groups) for measure, groups in measured.items()}
    for measure, pooled, categories in (("presence", presence, [0.0, 1.0]),
                                        ("framing", framing, list(map(float, FRAMING_CODES.values())))):
        if len(pooled) == 0 or pooled.shape[1] < 2:
            continue
        level = pooled.index.names.index("competency")
        measured.setdefault(measure, {})
        table = grouped_coefficients(pooled.to_numpy(dtype=float), pooled.index.codes[level], "nominal", resamples,
                                     seed, categories=categories, kept=measured[measure])
        names = pooled.index.levels[level]
        table["competency"] = [ALL if code is None else names[code] for code in table["group"]]
        rows = _rows_by_competency(table["competency"])
        chosen = [rows[c] for c in [ALL, *review.codebook["competency"]] if c in rows]
        table = table.take(np.concatenate(chosen))
        frames.append(table.assign(measure=measure, label=[labels.get(c, ALL) for c in table["competency"]]))
    if {measure: set(groups) for measure, groups in measured.items()} != before:
        kept.put(name, digest(), measured)
    if not frames:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]


def _kept_coefficients(kept: Kept, name: str) -> dict[str, dict[str, list[dict]]]:
    """The coefficients measured before, per measure, under what each group's came from
    (agreement.records_key): the resamples are the same, so a competency whose codings did
    not change is not measured again. Anything not shaped as written is left out."""
    found = kept.get(name, digest())
    measured = found[0] if found else {}
    return {measure: {key: rows for key, rows in groups.items()
                      if isinstance(rows, list) and rows and all(map(_as_written, rows))}
            for measure, groups in measured.items() if isinstance(groups, dict)}


_KINDS = {"coefficient": str, "value": float, "low": float, "high": float, "units": int, "coders": int, "level": str}


def _as_written(row) -> bool:
    """Whether a kept row is one agreement.grouped_coefficients makes (its columns, their kinds)."""
    return isinstance(row, dict) and list(row) == COEFFICIENT_COLUMNS and all(
        type(row[column]) is kind for column, kind in _KINDS.items())


def _rows_by_competency(competencies: pd.Series) -> dict[str, np.ndarray]:
    """The row numbers of each competency's coefficients, in order."""
    rows: dict[str, list[int]] = {}
    for row, competency in enumerate(competencies):
        rows.setdefault(competency, []).append(row)
    return {competency: np.array(numbers) for competency, numbers in rows.items()}


def _matrices(review, after_reveal: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    return presence_matrix(review, after_reveal=after_reveal), framing_matrix(review, after_reveal=after_reveal)


def pair_table(review, matrices: tuple[pd.DataFrame, pd.DataFrame] | None = None,
               after_reveal: bool = False) -> pd.DataFrame:
    """For each pair of coders: units both judged, and Krippendorff's alpha and Cohen's kappa
    for presence (pooled) and framing. `matrices` and `after_reveal` as for agreement_table."""
    rows = []
    presence, framing = matrices or _matrices(review, after_reveal)
    coders = sorted(set(presence.columns) | set(framing.columns))
    measures = {"presence": presence, "framing": framing}
    # each matrix's distinct units once; every pair's units are drawn from them
    units = {measure: unit_patterns(matrix.to_numpy(dtype=float)) for measure, matrix in measures.items()}
    for a, b in combinations(coders, 2):
        row = {"coder_a": a, "coder_b": b}
        both = {}
        for measure, matrix in measures.items():
            if a in matrix and b in matrix:
                columns = list(matrix.columns)
                both[measure] = pair_patterns(*units[measure], columns.index(a), columns.index(b))
            else:
                both[measure] = np.empty((0, 2)), np.zeros(0)
            patterns, counts = both[measure]
            row[f"{measure}_units"] = int(counts.sum())
            row[f"{measure}_alpha"] = weighted_value(krippendorff_alpha, patterns, counts) if len(counts) else np.nan
            row[f"{measure}_kappa"] = weighted_value(cohen_kappa, patterns, counts) if len(counts) else np.nan
        # The kappa paradox: a rare competency gives high agreement and low kappa; the
        # prevalence and bias indices (Byrt, Bishop & Carlin 1993) show which is at work.
        patterns, counts = both["presence"]
        indices = weighted_value(partial(prevalence_bias, categories=[0.0, 1.0]), patterns, counts) \
            if len(counts) else {}
        for key in PREVALENCE_KEYS:
            row[f"presence_{key}"] = indices.get(key, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)
