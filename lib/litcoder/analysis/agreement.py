"""Agreement between coders: the published coefficients, with seeded bootstrap intervals.

Every function takes reliability data: a matrix of shape (units, coders), one row per unit
(a passage, a source × competency pair, ...), one column per coder, NaN where a coder did
not code the unit. Values are numbers: category codes (any numbers) for nominal data,
points on the scale for the other levels.

The coefficients, each computed as its source computes it:

- `krippendorff_alpha`: Krippendorff, K. (2011). *Computing Krippendorff's alpha-reliability*.
  Annenberg School for Communication, University of Pennsylvania. Coincidence matrix of the
  pairable values (units with two or more values) and the difference functions δ² for the
  nominal, ordinal, interval and ratio levels.
- `percent_agreement`: the share of agreeing pairs among all pairs of values within units.
- `cohen_kappa`: Cohen, J. (1960). A coefficient of agreement for nominal scales.
  *Educational and Psychological Measurement* 20, 37–46.
- `fleiss_kappa`: Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  *Psychological Bulletin* 76(5), 378–382; with unequal numbers of values per unit as in
  Gwet (2014), below.
- `gwet_ac1`: Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
  presence of high agreement. *British Journal of Mathematical and Statistical Psychology*
  61, 29–48; the multi-rater form with missing values of Gwet, K. L. (2014). *Handbook of
  Inter-Rater Reliability*, 4th ed. Advanced Analytics.
- `brennan_prediger`: Brennan, R. L. & Prediger, D. J. (1981). Coefficient kappa: some uses,
  misuses, and alternatives. *Educational and Psychological Measurement* 41, 687–699.
- `prevalence_bias`: Byrt, T., Bishop, J. & Carlin, J. B. (1993). Bias, prevalence and
  kappa. *Journal of Clinical Epidemiology* 46(5), 423–429.

Undefined is NaN, never an error: a coefficient whose chance term leaves 0/0 (everyone gave
one and the same value, only one coder, no unit with two values, all values missing) is
NaN, and says so in its docstring. Errors are for misuse: data that is not a matrix,
infinite values, an unknown level, Cohen's kappa on other than two coders.

**Bootstrap.** `bootstrap_interval` resamples *units* with replacement (a seeded numpy
Generator) and gives the percentile interval. Each coefficient here is a function of sums
over units of per-unit columns (a unit's row of the coincidence matrix, its agreeing
pairs, ...), so a resample is the same sums weighted by how often each unit was drawn: one
matrix product per chunk of resamples, never a recomputation per unit. Any other statistic
is recomputed on each resample; both draw the same units for the same seed. (Krippendorff's
own bootstrap for alpha resamples pairs of values instead; resampling units keeps each
unit's values together, as the units were sampled.)

    >>> import numpy as np
    >>> data = np.array([[1, 1], [2, 2], [1, 2], [2, 2]], dtype=float)
    >>> round(krippendorff_alpha(data), 3), round(cohen_kappa(data), 3), percent_agreement(data)
    (0.533, 0.5, 0.75)
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

LEVELS = ("nominal", "ordinal", "interval", "ratio")
SEED = 20261127
"""The default bootstrap seed, so that every report draws the same resamples."""

_DENSE_CELLS = 1 << 22
"""Per-unit tables larger than this many cells are kept sparse (continuous values make many columns)."""
_DRAW_CELLS = 1 << 22
"""Unit indices drawn at once in the bootstrap: bounds its memory whatever the data's size."""


# ---------------------------------------------------------------- reliability data

def _matrix(data) -> np.ndarray:
    """The reliability data as a float array (units, coders); ValueError if not a matrix or infinite."""
    matrix = np.asarray(data, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"reliability data must be a matrix of units × coders, not of shape {matrix.shape}")
    if np.isinf(matrix).any():
        raise ValueError("the reliability data hold an infinite value; mark a missing value with NaN")
    return matrix


@dataclass(frozen=True)
class _Coded:
    """Reliability data as value codes: codes (units, coders), an index into `values`, -1 where
    missing; values, the distinct values ascending (or the given categories); counts, the
    number of values per unit."""
    codes: np.ndarray
    values: np.ndarray
    counts: np.ndarray

    @property
    def units(self) -> int:
        return self.codes.shape[0]


def _code(data: np.ndarray, categories=None) -> _Coded:
    """Code the data's values; with `categories`, against them (ValueError for a value outside)."""
    present = ~np.isnan(data)
    observed = data[present]
    if categories is None:
        values, inverse = _distinct(observed)
    else:
        values = np.unique(np.asarray(categories, dtype=float))
        outside = ~np.isin(observed, values)
        if outside.any():
            raise ValueError(f"the value {observed[outside][0]:g} is not one of the categories")
        inverse = np.searchsorted(values, observed)
    codes = np.full(data.shape, -1, dtype=np.int64)
    codes[present] = inverse
    return _Coded(codes, values, present.sum(axis=1))


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, ascending, and each value's index among them.

    Small whole-number codes, the usual case, are counted in linear time; anything else is sorted.
    """
    if values.size and (values == np.round(values)).all():
        low = values.min()
        if values.max() - low < 1 << 20:
            offsets = (values - low).astype(np.int64)
            seen = np.bincount(offsets) > 0
            return low + np.flatnonzero(seen), (np.cumsum(seen) - 1)[offsets]
    return np.unique(values, return_inverse=True)


def _distinct_keys(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct integer keys (in range(size)), ascending, and each key's index among them."""
    if size <= _DENSE_CELLS:
        seen = np.bincount(keys, minlength=size) > 0
        return np.flatnonzero(seen), (np.cumsum(seen) - 1)[keys]
    return np.unique(keys, return_inverse=True)


@functools.cache
def _pairs_of(coders: int) -> tuple[np.ndarray, np.ndarray]:
    """The column numbers of every pair of `coders` coders."""
    return np.triu_indices(coders, 1)


def _coder_pairs(coded: _Coded) -> tuple[np.ndarray, np.ndarray]:
    """The codes of every pair of coders on every unit: two (units, coder pairs) arrays."""
    first, second = _pairs_of(coded.codes.shape[1])
    return coded.codes[:, first], coded.codes[:, second]


def _agreeing_pairs(coded: _Coded) -> np.ndarray:
    """Per unit, the ordered pairs of its values that are equal: Σ_c n_uc (n_uc − 1)."""
    first, second = _coder_pairs(coded)
    return 2.0 * ((first == second) & (first >= 0)).sum(axis=1)


def _differing_pairs(coded: _Coded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unordered pair of differing values within a unit: (unit, lower code, higher code).

    Pairs of equal values are left out: every difference function is 0 on them.
    """
    first, second = _coder_pairs(coded)
    where = np.flatnonzero((first >= 0) & (second >= 0) & (first != second))
    units = where // max(first.shape[1], 1)
    first, second = first.ravel()[where], second.ravel()[where]
    return units, np.minimum(first, second), np.maximum(first, second)


# ---------------------------------------------------------------- per-unit tables

@dataclass(frozen=True)
class _Table:
    """What a coefficient is made of: per-unit columns, and how their sums give the coefficient.

    `columns` is a (units, k) array or sparse matrix; `finish` takes (resamples, k) column
    sums and gives (resamples,) coefficients. On the data the sums are plain; on a bootstrap
    resample they are weighted by how often each unit was drawn.
    """
    columns: object
    finish: Callable[[np.ndarray], np.ndarray]


def _value(table: _Table, counts: np.ndarray | None = None) -> float:
    """The coefficient of the data itself (of the patterns, `counts` units each, if given)."""
    if counts is None:
        sums = np.asarray(table.columns.sum(axis=0), dtype=float).reshape(1, -1)
    else:
        sums = _weighted_sums(table, counts.reshape(1, -1))
    return float(_finish(table, sums)[0])


PATTERNS_FROM = 50_000
"""Units from which a coefficient is computed over the distinct units (patterns) with their
counts: the same sums, in far less time and memory when many units look alike."""


def _computed(builder, data: np.ndarray, *arguments) -> float:
    """The coefficient `builder` makes the table of, on `data`."""
    if len(data) < PATTERNS_FROM:
        return _value(builder(data, *arguments))
    patterns, counts = _patterns(data)
    return _value(builder(patterns, *arguments), counts)


def _finish(table: _Table, sums: np.ndarray) -> np.ndarray:
    # 0/0 is how an undefined coefficient shows up; each finish turns it into NaN itself.
    with np.errstate(divide="ignore", invalid="ignore"):
        return table.finish(sums)


def _weighted_sums(table: _Table, weights: np.ndarray) -> np.ndarray:
    """Column sums for each row of unit weights: (resamples, units) → (resamples, k)."""
    if sparse.issparse(table.columns):
        return np.asarray((table.columns.T @ weights.T).T)
    return weights @ table.columns


def _unit_table(units: int, rows: np.ndarray, columns: np.ndarray, weights: np.ndarray, width: int):
    """A (units, width) table of `weights` summed at (rows, columns): dense if small, sparse if not."""
    if units * width <= _DENSE_CELLS:
        flat = np.bincount(rows * width + columns, weights=weights, minlength=units * width)
        return flat.reshape(units, width)
    return sparse.coo_array((weights, (rows, columns)), shape=(units, width)).tocsr()


def _stack(*blocks):
    """Per-unit columns side by side: 1-D blocks are one column each."""
    blocks = [b if sparse.issparse(b) or b.ndim == 2 else b[:, None] for b in blocks]
    if any(sparse.issparse(b) for b in blocks):
        return sparse.hstack([sparse.csr_array(b) for b in blocks], format="csr")
    return np.hstack(blocks).astype(float)


def _value_counts(coded: _Coded, keep: np.ndarray | None = None, weights: np.ndarray | None = None):
    """(units, values) table: how often each value occurs in each unit (only `keep` units), each
    occurrence counting `weights[unit]` (default 1)."""
    mask = coded.codes >= 0
    if keep is not None:
        mask &= keep[:, None]
    where = np.flatnonzero(mask)
    rows = where // max(coded.codes.shape[1], 1)
    amount = np.ones(len(rows)) if weights is None else weights[rows]
    return _unit_table(coded.units, rows, coded.codes.ravel()[where], amount, len(coded.values))


def _per_unit(units: int, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per unit, the sum of the weights given at its rows."""
    return np.bincount(rows, weights=weights, minlength=units)


# ---------------------------------------------------------------- Krippendorff's alpha

def krippendorff_alpha(data, level: str = "nominal") -> float:
    """Krippendorff's alpha of reliability data (units × coders, NaN missing) at `level`.

    Computed as in Krippendorff (2011): only pairable values count (those in units with two
    or more values); o is their coincidence matrix, n_c its marginals, n their number, and

        alpha = 1 − D_o / D_e,  D_o = Σ_ck o_ck δ²_ck / n,  D_e = Σ_ck n_c n_k δ²_ck / (n (n − 1))

    with δ²_ck = [c ≠ k] (nominal); (Σ_{g=c..k} n_g − (n_c + n_k)/2)² (ordinal, from the
    marginal frequencies); (c − k)² (interval); ((c − k)/(c + k))² (ratio, where 0 and 0
    differ by 0). Ratio values must not be negative (ValueError).

    Undefined, NaN: when D_e = 0, i.e. every pairable value is one and the same (Krippendorff
    gives no value there: the data show no variation to be reliable about; the `krippendorff`
    package raises an error), and when no unit has two values (one coder, all missing, no
    units). A single unit with two different values is defined (alpha = 0).
    """
    return _computed(_alpha_table, _matrix(data), level)


def _alpha_table(data: np.ndarray, level: str = "nominal") -> _Table:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; one of {', '.join(LEVELS)}")
    if level == "interval":
        return _interval_alpha_table(data)
    coded = _code(data)
    if level == "ratio" and (coded.values < 0).any():
        raise ValueError("the ratio level has an absolute zero: values cannot be negative")
    pairable = coded.counts >= 2
    counts = _value_counts(coded, pairable)  # the coincidence matrix's marginals, per unit
    if level == "nominal":
        return _nominal_alpha_table(coded, pairable, counts)
    if level == "ordinal":
        return _ordinal_alpha_table(coded, counts)
    return _ratio_alpha_table(coded, counts)


def _alpha(observed: np.ndarray, expected: np.ndarray, n: np.ndarray, defined: np.ndarray) -> np.ndarray:
    """alpha = 1 − D_o / D_e from observed = n·D_o = Σ o_ck δ²_ck and expected = n(n − 1)·D_e."""
    return np.where(defined, 1 - (n - 1) * observed / expected, np.nan)


def _nominal_alpha_table(coded: _Coded, pairable: np.ndarray, counts) -> _Table:
    """Columns: the unit's pairable value counts, and its Σ_{c≠k} o_ck = (m² − Σ n_c²) / (m − 1)."""
    m = coded.counts.astype(float)
    differing = np.where(pairable, (m * (m - 1) - _agreeing_pairs(coded)) / np.maximum(m - 1, 1), 0.0)

    def finish(sums):
        marginals, observed = sums[:, :-1], sums[:, -1]
        n = marginals.sum(axis=1)
        expected = n * n - (marginals ** 2).sum(axis=1)  # ordered pairs of pairable values that differ
        return _alpha(observed, expected, n, (marginals > 0).sum(axis=1) >= 2)

    return _Table(_stack(counts, differing), finish)


def _ordinal_alpha_table(coded: _Coded, counts) -> _Table:
    """Columns: the unit's pairable value counts, and its coincidences o_ck for each pair c < k.

    The ordinal metric depends on the marginals, so it is applied in `finish`, to the
    marginals of the data or of the resample. With the mid-rank M_g = Σ_{h≤g} n_h − n_g / 2,
    Krippendorff's ordinal δ_ck is M_k − M_c, which gives D_e by moments.
    """
    units, low, high = _differing_pairs(coded)
    keys, column = _distinct_keys(low * len(coded.values) + high, len(coded.values) ** 2)
    low_of, high_of = np.divmod(keys, len(coded.values))
    weights = 1.0 / (coded.counts[units] - 1)
    pairs = _unit_table(coded.units, units, column, weights, len(keys))
    width = len(coded.values)

    def finish(sums):
        marginals, coincidences = sums[:, :width], sums[:, width:]
        n = marginals.sum(axis=1)
        ranks = np.cumsum(marginals, axis=1) - marginals / 2
        observed = 2 * (coincidences * (ranks[:, high_of] - ranks[:, low_of]) ** 2).sum(axis=1)
        mean = (marginals * ranks).sum(axis=1) / n
        expected = 2 * n * (marginals * (ranks - mean[:, None]) ** 2).sum(axis=1)
        return _alpha(observed, expected, n, (marginals > 0).sum(axis=1) >= 2)

    return _Table(_stack(counts, pairs), finish)


def _ratio_difference(c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Krippendorff's ratio δ² = ((c − k)/(c + k))², 0 where c = k = 0 (and no warning)."""
    total = c + k
    return np.divide(c - k, total, out=np.zeros(np.broadcast(c, k).shape), where=total != 0) ** 2


def _ratio_alpha_table(coded: _Coded, counts) -> _Table:
    """Columns: the unit's pairable value counts, and its Σ_ck o_ck δ²_ck (δ² is fixed at this level)."""
    units, low, high = _differing_pairs(coded)
    values = coded.values
    # each unordered pair of coders stands for the ordered pairs (c, k) and (k, c)
    observed = _per_unit(coded.units, units,
                         2 * _ratio_difference(values[low], values[high]) / (coded.counts[units] - 1))

    def finish(sums):
        marginals, observed = sums[:, :-1], sums[:, -1]
        n = marginals.sum(axis=1)
        expected = _quadratic(marginals, values, _ratio_difference)
        return _alpha(observed, expected, n, (marginals > 0).sum(axis=1) >= 2)

    return _Table(_stack(counts, observed), finish)


def _quadratic(counts: np.ndarray, values: np.ndarray, difference) -> np.ndarray:
    """Σ_c Σ_k counts_c counts_k δ²(values_c, values_k) for each row of counts.

    In blocks of columns, so that many distinct values never need a values × values matrix at once.
    """
    total = np.zeros(len(counts))
    step = max(1, _DENSE_CELLS // max(len(values), 1))
    for start in range(0, len(values), step):
        block = slice(start, start + step)
        total += ((counts @ difference(values[:, None], values[None, block])) * counts[:, block]).sum(axis=1)
    return total


def _interval_alpha_table(data: np.ndarray) -> _Table:
    """Columns per pairable unit: m, Σ x, Σ x² (x centred on the mean of all pairable values),
    and Σ_ck o_ck (c − k)² = 2 m Σ (x − x̄_u)² / (m − 1).

    The moment form: no coincidence matrix, so continuous values cost nothing extra.
    """
    present = ~np.isnan(data)
    pairable = present.sum(axis=1) >= 2
    used = present & pairable[:, None]
    m = used.sum(axis=1).astype(float)
    # Centred on the pairable values' mean, so that the sums of squares keep their precision.
    centre = data[used].mean() if used.any() else 0.0
    centred = np.where(used, data - centre, 0.0)
    sums = centred.sum(axis=1)
    unit_mean = np.divide(sums, m, out=np.zeros_like(sums), where=m > 0)
    spread = (np.where(used, centred - unit_mean[:, None], 0.0) ** 2).sum(axis=1)
    observed = np.divide(2 * m * spread, m - 1, out=np.zeros_like(spread), where=m > 1)

    def finish(totals):
        n, total, squares, observed = totals.T
        expected = 2 * (n * squares - total ** 2)  # Σ_ck n_c n_k (c − k)², by the moments
        # All pairable values equal gives expected = 0 up to rounding; a relative bound catches it.
        return _alpha(observed, expected, n, expected > 1e-12 * 2 * n * squares)

    return _Table(_stack(m, sums, (centred ** 2).sum(axis=1), observed), finish)


# ---------------------------------------------------------------- the categorical coefficients

def percent_agreement(data) -> float:
    """The share of agreeing pairs among all pairs of values within units, pooled over units.

    Σ_u Σ_c n_uc (n_uc − 1) / Σ_u m_u (m_u − 1), with n_uc the values c in unit u and m_u its
    values: exact agreement, whatever the level. Units with fewer than two values have no
    pairs. NaN when no unit has two values. (Gwet's p_a, used in `fleiss_kappa`, `gwet_ac1`
    and `brennan_prediger`, averages per unit instead; the two differ only when units have
    different numbers of values.)
    """
    return _computed(_agreement_table, _matrix(data))


def _agreement_table(data: np.ndarray) -> _Table:
    coded = _code(data)
    m = coded.counts.astype(float)

    def finish(sums):
        agreeing, pairs = sums.T
        return np.where(pairs > 0, agreeing / pairs, np.nan)

    return _Table(_stack(_agreeing_pairs(coded), m * (m - 1)), finish)


def cohen_kappa(data) -> float:
    """Cohen's (1960) kappa of exactly two coders, on the units both coded.

    κ = (p_o − p_e) / (1 − p_e): p_o the share of those units given the same category,
    p_e = Σ_c p_1c p_2c from each coder's own category shares. ValueError unless the data
    have two columns. NaN when no unit was coded by both, or when p_e = 1 (both coders gave
    one and the same category throughout).
    """
    return _computed(_cohen_table, _matrix(data))


def _two_coders(data: np.ndarray, name: str) -> None:
    if data.shape[1] != 2:
        raise ValueError(f"{name} is for exactly two coders; these data have {data.shape[1]}")


def _cohen_table(data: np.ndarray) -> _Table:
    """Columns per unit coded by both: agree, 1, coder 1's category one-hot, coder 2's one-hot."""
    _two_coders(data, "Cohen's kappa")
    coded = _code(data)
    both = (coded.codes >= 0).all(axis=1)
    rows = np.flatnonzero(both)
    width = len(coded.values)
    ones = np.ones(len(rows))
    first = _unit_table(coded.units, rows, coded.codes[rows, 0], ones, width)
    second = _unit_table(coded.units, rows, coded.codes[rows, 1], ones, width)
    agree = (both & (coded.codes[:, 0] == coded.codes[:, 1])).astype(float)

    def finish(sums):
        agreeing, units = sums[:, 0], sums[:, 1]
        shares_1, shares_2 = sums[:, 2:2 + width] / units[:, None], sums[:, 2 + width:] / units[:, None]
        observed, chance = agreeing / units, (shares_1 * shares_2).sum(axis=1)
        return np.where((units > 0) & (chance < 1), (observed - chance) / (1 - chance), np.nan)

    return _Table(_stack(agree, both.astype(float), first, second), finish)


def _gwet_table(data: np.ndarray, chance: str, categories=None) -> _Table:
    """The table of one of Gwet's (2014) coefficients (see `_gwet_tables`)."""
    return _gwet_tables(data, (chance,), categories)[0]


def _gwet_tables(data: np.ndarray, chances: tuple[str, ...], categories=None) -> list[_Table]:
    """Gwet's (2014) parts for the multi-rater coefficients with missing values.

    Columns per unit: p_a,u = Σ_c n_uc (n_uc − 1) / (m_u (m_u − 1)) if m_u ≥ 2 (else 0),
    [m_u ≥ 2], [m_u ≥ 1], and n_uc / m_u for each category c. Then
    p_a = Σ p_a,u / #(m_u ≥ 2) and π_c = Σ n_uc / m_u / #(m_u ≥ 1), the averages Gwet
    gives for units with unequal numbers of values. Each of `chances` names a chance term:
    'fleiss' Σ π_c²; 'ac1' Σ π_c (1 − π_c) / (q − 1); 'uniform' 1/q. q is the number of
    `categories` when given, else the number observed (in the data, or in the resample).
    One table per chance term, all with the same columns (so resampled sums are made once).
    """
    coded = _code(data, categories)
    m = coded.counts.astype(float)
    pairable, rated = m >= 2, m >= 1
    per_unit = np.divide(_agreeing_pairs(coded), m * (m - 1), out=np.zeros_like(m), where=pairable)
    shares = _value_counts(coded, weights=1.0 / np.maximum(m, 1))
    given = None if categories is None else len(coded.values)

    def finish(sums, chance):
        p_a = sums[:, 0] / sums[:, 1]
        pi = sums[:, 3:] / sums[:, 2:3]
        q = (sums[:, 3:] > 0).sum(axis=1) if given is None else np.full(len(sums), given)
        if chance == "fleiss":
            p_e = (pi ** 2).sum(axis=1)
            defined = p_e < 1
        elif chance == "ac1":
            p_e = (pi * (1 - pi)).sum(axis=1) / (q - 1)
            defined = q >= 2
        else:
            p_e = 1 / q
            defined = q >= 2
        return np.where((sums[:, 1] > 0) & defined, (p_a - p_e) / (1 - p_e), np.nan)

    columns = _stack(per_unit, pairable.astype(float), rated.astype(float), shares)
    return [_Table(columns, functools.partial(finish, chance=chance)) for chance in chances]


def fleiss_kappa(data) -> float:
    """Fleiss' (1971) kappa, with units that have unequal numbers of values.

    κ = (p_a − p_e) / (1 − p_e), p_e = Σ_c π_c². For unequal numbers of values per unit this
    is the per-unit generalisation of Gwet (2014, *Handbook of Inter-Rater Reliability*,
    ch. 2; his `fleiss.kappa.raw` in the irrCAC package): p_a is the mean over units with
    two or more values of each unit's share of agreeing pairs, Σ_c n_uc (n_uc − 1) /
    (m_u (m_u − 1)); π_c is the mean over units with any value of n_uc / m_u. With the same
    number of values in every unit both are Fleiss' own P̄ and p_j.

    NaN when no unit has two values, or when p_e = 1 (a single category throughout).
    """
    return _computed(_gwet_table, _matrix(data), "fleiss")


def gwet_ac1(data, categories=None) -> float:
    """Gwet's AC1 (Gwet 2008), in the multi-rater form with missing values of Gwet (2014).

    AC1 = (p_a − p_e) / (1 − p_e), p_e = Σ_c π_c (1 − π_c) / (q − 1), with p_a and π_c as
    in `fleiss_kappa`. q is the number of `categories` when given (the coder could have
    chosen any of them), else the number of categories observed. NaN when no unit has two
    values, or when q < 2 (a single category observed and no `categories` given).
    """
    return _computed(_gwet_table, _matrix(data), "ac1", categories)


def brennan_prediger(data, categories=None) -> float:
    """Brennan & Prediger's (1981) coefficient: (p_a − 1/q) / (1 − 1/q).

    q is the number of `categories` when given, else the number observed. p_a is Gwet's
    (2014) multi-rater observed agreement (see `fleiss_kappa`), which for two coders who
    coded every unit is the plain share of units they agree on. NaN when no unit has two
    values, or when q < 2.
    """
    return _computed(_gwet_table, _matrix(data), "uniform", categories)


PREVALENCE_KEYS = ("prevalence_index", "bias_index", "pabak")


def prevalence_bias(data, categories=None) -> dict[str, float]:
    """Byrt, Bishop & Carlin's (1993) indices for two coders and two categories.

    On the units both coded, with the second (higher) category as "yes": a = both yes,
    b = coder 1 yes and coder 2 no, c = coder 1 no and coder 2 yes, d = both no, n = a+b+c+d:

        prevalence_index = (a − d) / n,  bias_index = (b − c) / n,  pabak = 2 (a + d) / n − 1

    Signed, as Byrt et al. define them (report |·| if you want magnitudes only); with them
    Cohen's κ = (pabak − PI² + BI²) / (1 − PI² + BI²). The two categories are `categories`
    when given, else the two values observed. ValueError unless there are two coders and
    two categories. NaN (every entry) when no unit was coded by both.
    """
    tables = _prevalence_tables(_matrix(data), categories)
    return {key: _value(table) for key, table in tables.items()}


def _prevalence_tables(data: np.ndarray, categories=None) -> dict[str, _Table]:
    """Columns per unit coded by both: its cell of the 2 × 2 table, one-hot (a, b, c, d)."""
    _two_coders(data, "The prevalence and bias indices")
    coded = _code(data, categories)
    if len(coded.values) != 2:
        raise ValueError(f"the prevalence and bias indices need two categories, not {len(coded.values)};"
                         " give both as `categories`")
    both = (coded.codes >= 0).all(axis=1)
    first, second = coded.codes[:, 0], coded.codes[:, 1]
    cells = np.column_stack([both & (first == 1) & (second == 1), both & (first == 1) & (second == 0),
                             both & (first == 0) & (second == 1), both & (first == 0) & (second == 0)])

    def indices(sums):
        a, b, c, d = sums.T
        n = sums.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return {"prevalence_index": (a - d) / n, "bias_index": (b - c) / n, "pabak": 2 * (a + d) / n - 1}

    columns = cells.astype(float)
    return {key: _Table(columns, lambda sums, key=key: indices(sums)[key]) for key in PREVALENCE_KEYS}


# ---------------------------------------------------------------- bootstrap

def bootstrap_interval(statistic, data, resamples: int = 1000, seed: int = SEED,
                       level: float = 0.95) -> tuple[float, float]:
    """The percentile bootstrap interval of `statistic(data)`, resampling units.

    Each resample draws as many units as the data have, with replacement, using
    numpy.random.default_rng(seed): the same seed gives the same interval. Units with the
    same values are drawn as one pattern with its share (a multinomial draw over the
    patterns) for this module's coefficients, which is the same distribution as drawing
    units one by one and keeps a review of millions of (passage, competency) units fast. Resamples where the statistic
    is undefined (NaN, or a ValueError or ZeroDivisionError raised) are skipped; if fewer
    than half are defined the interval is (nan, nan).

    The coefficients of this module, and functools.partial of them with keywords (e.g.
    `partial(krippendorff_alpha, level="ordinal")`), are resampled from per-pattern sums,
    which is fast; any other statistic is recomputed on each resample.
    """
    data = _matrix(data)
    _check_bootstrap(resamples, level)
    patterns, counts = _patterns(data)
    table = _known_table(statistic, patterns)
    if table is not None:
        estimates = _resampled([table], counts, resamples, seed)[0]
    else:
        statistic(data)  # a statistic that fails on the data itself fails here, not silently per resample
        order = np.random.default_rng([seed, 1])  # the drawn units in random order, as if drawn one by one
        estimates = np.array([_defined(statistic, order.permutation(np.repeat(patterns, drawn.astype(int), axis=0)))
                              for chunk in _draws(counts, resamples, seed) for drawn in chunk])
    return _percentile_interval(estimates, level)


def _patterns(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct units (rows, missing values alike) and how many units have each, in the
    order each first occurs.

    Rows are hashed, not sorted: each value becomes a small code (missing included), a row
    becomes one integer in base (codes + 1), and the integers are grouped — linear in the
    size of the data, where sorting a million rows would not be.
    """
    if len(data) == 0:
        return data, np.zeros(0)
    keys = _row_keys(data)
    if keys is None:  # too many distinct values for one integer per row
        rows, counts = np.unique(np.where(np.isnan(data), np.inf, data), axis=0, return_counts=True)
        return np.where(np.isinf(rows), np.nan, rows), counts.astype(float)
    groups, distinct = pd.factorize(keys)
    return data[_first_rows(groups)], np.bincount(groups).astype(float)


def unit_patterns(data) -> tuple[np.ndarray, np.ndarray]:
    """The distinct units of reliability data (rows, missing values alike) and how many units
    have each, in the order each first occurs: (patterns, counts)."""
    return _patterns(_matrix(data))


def pair_patterns(patterns: np.ndarray, counts: np.ndarray, first: int, second: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Of the units that `patterns` stand for (`counts` each), those with a value from both coders
    `first` and `second` (column numbers), as patterns of those two values with their counts:
    what `unit_patterns` gives for those units' two values (same patterns, order and counts)."""
    two = patterns[:, [first, second]]
    both = ~np.isnan(two).any(axis=1)
    two, counts = two[both], counts[both]
    if len(two) == 0:
        return two, counts
    # the patterns are in order of first occurrence, so the first of them to show a pair of
    # values is where that pair first occurs among the units
    keys = _row_keys(two)
    pairs = pd.factorize(keys)[0] if keys is not None else pd.MultiIndex.from_arrays(two.T).factorize()[0]
    return two[_first_rows(pairs)], np.bincount(pairs, weights=counts)


def weighted_value(statistic, patterns: np.ndarray, counts: np.ndarray):
    """`statistic` of the units `patterns` stand for, `counts` units each, from per-pattern sums.

    `statistic` is one of this module's coefficients or `prevalence_bias` (also as a
    functools.partial with keywords); any other is a ValueError. The value is statistic(data)
    of the data the patterns stand for, up to the order in which numbers are added (exactly,
    where the per-unit columns are whole numbers, as for two coders with nominal values).
    """
    patterns, counts = _matrix(patterns), np.asarray(counts, dtype=float)
    function, keywords = _unwrapped(statistic)
    if function is prevalence_bias:
        return {key: _value(table, counts) for key, table in _prevalence_tables(patterns, **keywords).items()}
    table = _known_table(statistic, patterns)
    if table is None:
        raise ValueError(f"{statistic!r} is not one of litcoder's coefficients; compute it on the data instead")
    return _value(table, counts)


def _row_keys(data: np.ndarray) -> np.ndarray | None:
    """One integer per row, equal for rows with equal values (missing values alike); None when
    the data have too many distinct values for a row to fit in one integer."""
    order = "F" if data.flags.f_contiguous else "C"  # a DataFrame's values are often by column: no copy
    codes, _ = pd.factorize(data.ravel(order), use_na_sentinel=True)  # missing → -1
    codes = codes.reshape(data.shape, order=order)
    base = int(codes.max()) + 2
    if base ** data.shape[1] >= 2 ** 62:
        return None
    keys = np.zeros(len(data), dtype=np.int64)
    for column in reversed(range(data.shape[1])):  # Horner's rule: Σ (code + 1) base^column
        keys *= base
        keys += codes[:, column]
        keys += 1
    return keys


def _first_rows(groups: np.ndarray) -> np.ndarray:
    """Where each group first occurs, for group numbers given in order of first occurrence (as
    pandas.factorize gives them): there the running maximum of the numbers goes up."""
    highest = np.maximum.accumulate(groups)
    return np.flatnonzero(np.diff(highest, prepend=-1) > 0)


def grouped_patterns(data, groups) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """The distinct units and their counts (see `_patterns`) of the whole data, and of each group
    of its units: ((patterns, counts), {group: (patterns, counts)}), groups in order of first
    occurrence. Each is what `_patterns` gives for those rows alone: same patterns, same order,
    same counts.

    `groups` is one label per unit (row of `data`). One pass over the data, where taking out
    each group's rows and finding their patterns would be a pass per group.
    """
    data, groups = _matrix(data), np.asarray(groups)
    if len(groups) != len(data):
        raise ValueError(f"{len(groups)} group labels for {len(data)} units")
    group_numbers, labels = pd.factorize(groups, use_na_sentinel=False)
    keys = _row_keys(data) if len(data) else None
    if keys is None:
        return _patterns(data), {label: _patterns(data[group_numbers == i]) for i, label in enumerate(labels)}
    rows, _ = pd.factorize(keys)
    whole = data[_first_rows(rows)], np.bincount(rows).astype(float)
    # the distinct (group, row) pairs in the order they first occur, which within a group is
    # the order its own rows first occur
    pairs, _ = pd.factorize(group_numbers.astype(np.int64) * (int(rows.max()) + 1) + rows)
    first, counts = _first_rows(pairs), np.bincount(pairs).astype(float)
    group_of = group_numbers[first]
    order = np.argsort(group_of, kind="stable")
    bounds = np.searchsorted(group_of[order], np.arange(len(labels) + 1))
    parts = (order[bounds[i]:bounds[i + 1]] for i in range(len(labels)))
    return whole, {label: (data[first[part]], counts[part]) for label, part in zip(labels, parts)}


def _check_bootstrap(resamples: int, level: float) -> None:
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if not 0 < level < 1:
        raise ValueError(f"the interval's level must be between 0 and 1, not {level}")


def _defined(statistic, data: np.ndarray) -> float:
    """statistic(data), or NaN where it is undefined (it says so by raising)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(statistic(data))
    except (ValueError, ZeroDivisionError):
        return np.nan


def _unwrapped(statistic) -> tuple[Callable, dict]:
    """The function and keywords of a statistic given as a functools.partial with keywords only."""
    if isinstance(statistic, functools.partial) and not statistic.args:
        return statistic.func, dict(statistic.keywords)
    return statistic, {}


def _known_table(statistic, data: np.ndarray) -> _Table | None:
    """The per-unit table of one of this module's coefficients, or None for any other statistic."""
    function, keywords = _unwrapped(statistic)
    builder = _TABLES.get(function)
    return None if builder is None else builder(data, **keywords)


def _draws(counts: np.ndarray, resamples: int, seed: int):
    """How often each pattern is drawn in each resample: chunks of (resamples, patterns) floats,
    from one seeded generator (a resample draws as many units as there are, with replacement)."""
    rng = np.random.default_rng(seed)
    units = counts.sum()
    chunk = max(1, min(resamples, _DRAW_CELLS // max(len(counts), 1)))
    for start in range(0, resamples, chunk):
        yield rng.multinomial(int(units), counts / units, size=min(chunk, resamples - start)).astype(float)


def _resampled(tables: list[_Table], counts: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Each table's coefficient on each resample, (tables, resamples); all tables see the same
    resamples. The tables are built on the distinct patterns, `counts` units each."""
    estimates = np.full((len(tables), resamples), np.nan)
    if len(counts) == 0:
        return estimates
    done = 0
    for weights in _draws(counts, resamples, seed):
        sums = {}  # tables with the same columns share their sums
        for row, table in enumerate(tables):
            if id(table.columns) not in sums:
                sums[id(table.columns)] = _weighted_sums(table, weights)
            estimates[row, done:done + len(weights)] = _finish(table, sums[id(table.columns)])
        done += len(weights)
    return estimates


def _percentile_interval(estimates: np.ndarray, level: float) -> tuple[float, float]:
    """The equal-tailed percentile interval of the defined estimates; (nan, nan) if under half are."""
    defined = estimates[np.isfinite(estimates)]
    if len(defined) == 0 or len(defined) < len(estimates) / 2:
        return (np.nan, np.nan)
    tail = (1 - level) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return (float(low), float(high))


def _percentile_intervals(estimates: np.ndarray, level: float) -> list[tuple[float, float]]:
    """`_percentile_interval` of each row of estimates. The rows defined throughout are taken
    together: numpy's quantiles along an axis are each row's own (same order statistics, same
    interpolation), in a fraction of the calls."""
    intervals: list[tuple[float, float] | None] = [None] * len(estimates)
    whole = np.flatnonzero(np.isfinite(estimates).all(axis=1)) if estimates.size else []
    if len(whole):
        tail = (1 - level) / 2
        lows, highs = np.quantile(estimates[whole], [tail, 1 - tail], axis=1)
        for row, low, high in zip(whole, lows, highs):
            intervals[row] = (float(low), float(high))
    return [_percentile_interval(row, level) if interval is None else interval
            for interval, row in zip(intervals, estimates)]


# ---------------------------------------------------------------- the table of coefficients

COEFFICIENT_COLUMNS = ["coefficient", "value", "low", "high", "units", "coders", "level"]


def coefficients(data, level: str = "nominal", resamples: int = 1000, seed: int = SEED,
                 categories=None) -> pd.DataFrame:
    """One row per coefficient that applies, with its 95% bootstrap interval.

    Columns: coefficient, value, low, high, units (with two or more values), coders, level
    (the level the coefficient treats the values at: `level` for Krippendorff's alpha,
    'nominal' for the others, which compare categories). Nominal data: percent agreement,
    Krippendorff's alpha, Cohen's kappa (exactly two coders), Fleiss' kappa, Gwet's AC1,
    Brennan–Prediger; other levels: Krippendorff's alpha at that level and percent
    agreement (exact agreement). With two coders and two categories, also the prevalence
    index, bias index and PABAK (Byrt et al. 1993). `categories`, the possible categories,
    sets q for AC1 and Brennan–Prediger and which category is "yes" (the second).

    Every row's interval comes from the same resamples of units (`seed`).
    """
    data = _matrix(data)
    _check_bootstrap(resamples, 0.95)
    records = _coefficient_records(*_patterns(data), level, resamples, seed, categories)
    return pd.DataFrame(records, columns=COEFFICIENT_COLUMNS)


def grouped_coefficients(data, groups, level: str = "nominal", resamples: int = 1000, seed: int = SEED,
                         categories=None, kept: dict | None = None) -> pd.DataFrame:
    """`coefficients` of the whole data and of each group of its units, in one table.

    `groups` gives each unit's (row's) group. The table has a column `group` before those of
    `coefficients`: None on the rows of the whole data, which come first, then each group's
    label, groups in order of first occurrence. Every row is what `coefficients` gives for
    those units alone (each group resampled from `seed`), in one pass over the data instead
    of one per group.

    `kept` maps what a group's rows were made from (`records_key`) to those rows: a group
    found there is not measured again (its resamples would be the same). On return it holds
    the rows of this data's groups, and only those.
    """
    _check_bootstrap(resamples, 0.95)
    whole, parts = grouped_patterns(data, groups)
    records, groups, made = [], [], {}
    for group, (patterns, counts) in [(None, whole), *parts.items()]:
        key = records_key(patterns, counts, level, resamples, seed, categories) if kept is not None else len(made)
        if key not in made:
            made[key] = kept[key] if kept and key in kept else \
                _coefficient_records(patterns, counts, level, resamples, seed, categories)
        records += made[key]
        groups += [group] * len(made[key])
    if kept is not None:
        kept.clear()
        kept.update(made)
    table = pd.DataFrame(records, columns=COEFFICIENT_COLUMNS)
    table.insert(0, "group", pd.Series(groups, dtype=object))
    return table


def records_key(patterns: np.ndarray, counts: np.ndarray, level: str, resamples: int, seed: int, categories) -> str:
    """What a group's coefficients are made from: its distinct units and their counts, and how they are measured."""
    how = repr((patterns.shape, level, resamples, seed, None if categories is None else [float(c) for c in categories]))
    digest = hashlib.blake2b(how.encode(), digest_size=20)
    digest.update(np.ascontiguousarray(patterns, dtype=float).tobytes())
    digest.update(np.ascontiguousarray(counts, dtype=float).tobytes())
    return digest.hexdigest()


def _coefficient_records(patterns: np.ndarray, counts: np.ndarray, level: str, resamples: int, seed: int,
                         categories) -> list[dict]:
    """The rows of `coefficients` for the units `patterns` stand for, `counts` units each."""
    rows = _applicable(patterns, level, categories)
    estimates = _resampled([table for _, table, _ in rows], counts, resamples, seed)
    pairable = int(counts[(~np.isnan(patterns)).sum(axis=1) >= 2].sum())
    return [{"coefficient": name, "value": _value(table, counts), "low": low, "high": high, "units": pairable,
             "coders": patterns.shape[1], "level": treated_as}
            for (name, table, treated_as), (low, high) in zip(rows, _percentile_intervals(estimates, 0.95))]


def _applicable(data: np.ndarray, level: str, categories) -> list[tuple[str, _Table, str]]:
    """(name, table, level treated at) for each coefficient that applies to the data at `level`."""
    rows = [("percent agreement", _agreement_table(data), "nominal"),
            ("Krippendorff's alpha", _alpha_table(data, level), level)]
    if level == "nominal":
        if data.shape[1] == 2:
            rows.append(("Cohen's kappa", _cohen_table(data), "nominal"))
        ac1, uniform = _gwet_tables(data, ("ac1", "uniform"), categories)
        rows += [("Fleiss' kappa", _gwet_table(data, "fleiss"), "nominal"), ("Gwet's AC1", ac1, "nominal"),
                 ("Brennan–Prediger", uniform, "nominal")]
    if data.shape[1] == 2 and len(_code(data, categories).values) == 2:
        names = {"prevalence_index": "prevalence index", "bias_index": "bias index", "pabak": "PABAK"}
        rows += [(names[key], table, "nominal") for key, table in _prevalence_tables(data, categories).items()]
    return rows


_TABLES = {
    krippendorff_alpha: _alpha_table,
    percent_agreement: _agreement_table,
    cohen_kappa: _cohen_table,
    fleiss_kappa: lambda data: _gwet_table(data, "fleiss"),
    gwet_ac1: lambda data, categories=None: _gwet_table(data, "ac1", categories),
    brennan_prediger: lambda data, categories=None: _gwet_table(data, "uniform", categories),
}
"""The per-unit table behind each public coefficient, for the fast bootstrap."""
