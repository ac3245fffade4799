"""The review's agreement: which units the coders judged, and how far they agree.

Coverage is explicit: a coder's judgement of a source counts only once that coder marked
the source finished; an unfinished source is missing data, not disagreement.

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

from itertools import combinations

import numpy as np
import pandas as pd

from ..inputs.codebook import FRAMINGS
from ..inputs.coverage import finished_codings, finished_passages
from .agreement import PREVALENCE_KEYS, coefficients, cohen_kappa, krippendorff_alpha, prevalence_bias
from .evidence import coder_votes

ALL = "all competencies"
FRAMING_CODES = {f: i for i, f in enumerate(FRAMINGS)}
TABLE_COLUMNS = ["measure", "competency", "label", "coefficient", "value", "low", "high", "units", "coders", "level"]


def presence_matrix(review, competency: str | None = None) -> pd.DataFrame:
    """Units × coders of 1 (coded with the competency) / 0 (not) / NaN (source not finished).

    With `competency` None, the units are every (passage, competency) pair, pooled. Only
    units judged by two or more coders are kept.
    """
    judged = finished_passages(review)
    coders = sorted(judged["coder"].unique())
    if judged.empty:
        return pd.DataFrame(columns=coders, index=pd.MultiIndex.from_tuples([], names=["passage_id", "competency"]))
    readers = judged.pivot_table(index="passage_id", columns="coder", aggfunc="size").reindex(columns=coders)
    readers = readers[readers.notna().sum(axis=1) >= 2]
    competencies = [competency] if competency else list(review.codebook["competency"])
    passages, coder_at = list(readers.index), {c: i for i, c in enumerate(coders)}
    # values[p, c, k]: 0 where coder k read passage p, NaN where not; then 1 where k coded p with c
    read = np.where(readers.notna().to_numpy(), 0.0, np.nan)
    values = np.repeat(read[:, None, :], len(competencies), axis=1)
    codings = review.codings[review.codings["competency"].isin(competencies)
                             & review.codings["passage_id"].isin(readers.index) & review.codings["coder"].isin(coders)]
    if len(codings):
        p = pd.Index(passages).get_indexer(codings["passage_id"])
        c = pd.Index(competencies).get_indexer(codings["competency"])
        k = codings["coder"].map(coder_at).to_numpy()
        read_it = ~np.isnan(values[p, c, k])
        values[p[read_it], c[read_it], k[read_it]] = 1.0
    index = pd.MultiIndex.from_product([passages, competencies], names=["passage_id", "competency"])
    return pd.DataFrame(values.reshape(len(passages) * len(competencies), len(coders)), index=index, columns=coders)


def framing_matrix(review, competency: str | None = None) -> pd.DataFrame:
    """(source, competency) units × coders of framing codes (see FRAMING_CODES); NaN where a
    coder did not code the pair or split evenly between framings. Units with ≥ 2 values."""
    codings = finished_codings(review)
    codings = codings if competency is None else codings[codings["competency"] == competency]
    if codings.empty:
        return pd.DataFrame(columns=sorted(review.codings["coder"].unique()))
    votes = coder_votes(codings)
    votes = votes[votes["main_framing"] != "mixed"]
    wide = votes.pivot_table(index=["citekey", "competency"], columns="coder", values="main_framing",
                             aggfunc="first")
    wide = wide.reindex(columns=sorted(review.codings["coder"].unique()))
    codes = wide.apply(lambda column: column.map(FRAMING_CODES)).astype(float)
    return codes[codes.notna().sum(axis=1) >= 2]


def agreement_table(review, resamples: int = 1000, seed: int = 20261127,
                    matrices: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every coefficient with its bootstrap interval: presence and framing, per competency and overall.

    `matrices` are (presence_matrix(review), framing_matrix(review)), if already made.
    """
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    presence, framing = matrices or (presence_matrix(review), framing_matrix(review))
    frames = []
    for measure, pooled, categories in (("presence", presence, [0.0, 1.0]),
                                        ("framing", framing, list(map(float, FRAMING_CODES.values())))):
        by_competency = dict(tuple(pooled.groupby(level="competency", sort=False))) if len(pooled) else {}
        for competency in [None, *review.codebook["competency"]]:
            matrix = pooled if competency is None else by_competency.get(competency)
            if matrix is None or len(matrix) == 0 or matrix.shape[1] < 2:
                continue
            table = coefficients(matrix.to_numpy(dtype=float), "nominal", resamples, seed, categories=categories)
            frames.append(table.assign(measure=measure, competency=competency or ALL,
                                       label=labels.get(competency, ALL)))
    if not frames:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]


def pair_table(review, matrices: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """For each pair of coders: units both judged, and Krippendorff's alpha and Cohen's kappa
    for presence (pooled) and framing. `matrices` as for agreement_table."""
    rows = []
    presence, framing = matrices or (presence_matrix(review), framing_matrix(review))
    coders = sorted(set(presence.columns) | set(framing.columns))
    for a, b in combinations(coders, 2):
        row = {"coder_a": a, "coder_b": b}
        for measure, matrix in (("presence", presence), ("framing", framing)):
            if a in matrix and b in matrix:
                both = matrix[[a, b]].dropna().to_numpy(dtype=float)
            else:
                both = np.empty((0, 2))
            row[f"{measure}_units"] = len(both)
            row[f"{measure}_alpha"] = krippendorff_alpha(both, "nominal") if len(both) else np.nan
            row[f"{measure}_kappa"] = cohen_kappa(both) if len(both) else np.nan
        # The kappa paradox: a rare competency gives high agreement and low kappa; the
        # prevalence and bias indices (Byrt, Bishop & Carlin 1993) show which is at work.
        both = presence[[a, b]].dropna().to_numpy(dtype=float) if a in presence and b in presence else np.empty((0, 2))
        indices = prevalence_bias(both, categories=[0.0, 1.0]) if len(both) else {}
        for key in PREVALENCE_KEYS:
            row[f"presence_{key}"] = indices.get(key, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)
