"""Agreement coefficients: published worked examples, the `krippendorff` package, degenerate
cases, and the bootstrap."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest

from litcoder.analysis.agreement import (
    LEVELS,
    bootstrap_interval,
    brennan_prediger,
    coefficients,
    cohen_kappa,
    fleiss_kappa,
    grouped_coefficients,
    grouped_patterns,
    gwet_ac1,
    krippendorff_alpha,
    pair_patterns,
    percent_agreement,
    prevalence_bias,
    unit_patterns,
    weighted_value,
)

try:
    import krippendorff
except ImportError:  # a test dependency: without it only the comparisons with it are skipped
    krippendorff = None

needs_package = pytest.mark.skipif(krippendorff is None, reason="the krippendorff package is not installed")

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 coders × 12 units
# example with missing values (the same matrix is in the `krippendorff` package's tests).
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],  # coder A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],      # coder B
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],    # coder C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],      # coder D
]).T

# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., p. 120, as `cac.raw4raters` in his
# irrCAC package: Krippendorff's units, with unit 12's lone value given by the third rater.
GWET_RAW_4_RATERS = np.array([
    [1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan],
])

# The distribution of 6 psychiatrists over 5 diagnoses for 15 patients, from Fleiss (1971), as
# `distrib.6raters` in Gwet's irrCAC package.
FLEISS_6_RATERS = np.array([
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
])

# Wikipedia, "Fleiss' kappa", worked example (also in G. Cardillo's MATLAB `fleiss`):
# 14 raters put 10 subjects into 5 categories.
FLEISS_WIKIPEDIA = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


def from_table(table) -> np.ndarray:
    """Two coders' units from a contingency table: table[i][j] units coded i by coder 1, j by coder 2."""
    table = np.asarray(table)
    i, j = np.indices(table.shape)
    return np.repeat(np.column_stack([i.ravel(), j.ravel()]), table.ravel(), axis=0).astype(float)


def from_distribution(counts) -> np.ndarray:
    """Units × raters from a distribution: counts[u][c] raters put unit u in category c
    (rows padded with NaN when units have different numbers of raters)."""
    counts = np.asarray(counts)
    width = counts.sum(axis=1).max()
    rows = [np.repeat(np.arange(counts.shape[1]), row).astype(float) for row in counts]
    return np.array([np.pad(row, (0, width - len(row)), constant_values=nan) for row in rows])


# ---------------------------------------------------------------- published values

@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                              ("ratio", 0.797)])
def test_krippendorff_2011_example(level, published):
    """Krippendorff (2011), Computing Krippendorff's alpha-reliability: the 4 coders × 12 units
    example gives 0.743 / 0.815 / 0.849 / 0.797 at the four levels."""
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == published


def test_gwet_handbook_raw_4_raters():
    """Gwet (2014), Handbook, p. 120 (irrCAC README, `cac.raw4raters`): Fleiss' kappa 0.76117,
    AC1 0.77544 (p_e 0.1903212), Brennan–Prediger 0.77273, Krippendorff's alpha 0.74342."""
    data = GWET_RAW_4_RATERS
    assert round(fleiss_kappa(data), 5) == 0.76117
    assert round(gwet_ac1(data), 5) == 0.77544
    assert round(brennan_prediger(data), 5) == 0.77273
    assert round(krippendorff_alpha(data), 5) == 0.74342
    # The same reliability data as Krippendorff's example: AC1 does not care which coder gave unit 12's value.
    assert gwet_ac1(KRIPPENDORFF_2011) == pytest.approx(gwet_ac1(data), abs=1e-12)


def test_gwet_handbook_abstractors_table():
    """Gwet (2014), Handbook (irrCAC README, `cont3x3abstractors`: 2 abstractors × 100 pregnancies):
    Cohen's kappa 0.7964094, AC1 0.8493305, Brennan–Prediger 0.835, Krippendorff's alpha 0.7972585,
    percent agreement 0.89."""
    data = from_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    assert round(cohen_kappa(data), 7) == 0.7964094
    assert round(gwet_ac1(data), 7) == 0.8493305
    assert round(brennan_prediger(data), 7) == 0.835
    assert round(krippendorff_alpha(data), 7) == 0.7972585
    assert percent_agreement(data) == pytest.approx(0.89)


def test_fleiss_1971_psychiatrists():
    """Fleiss (1971), 6 psychiatrists × 15 patients × 5 diagnoses, as Gwet's irrCAC README
    (`distrib.6raters`) computes it: Fleiss' kappa 0.4139265, AC1 0.4448007, Brennan–Prediger
    0.4388889, Krippendorff's alpha 0.4204384."""
    data = from_distribution(FLEISS_6_RATERS)
    assert round(fleiss_kappa(data), 7) == 0.4139265
    assert round(gwet_ac1(data), 7) == 0.4448007
    assert round(brennan_prediger(data), 7) == 0.4388889
    assert round(krippendorff_alpha(data), 7) == 0.4204384


def test_fleiss_kappa_wikipedia_example():
    """Wikipedia, "Fleiss' kappa", worked example (10 subjects × 14 raters × 5 categories):
    P̄ = 0.378, P̄_e = 0.213, κ = 0.210; G. Cardillo's MATLAB `fleiss` gives 0.2099."""
    data = from_distribution(FLEISS_WIKIPEDIA)
    assert round(fleiss_kappa(data), 3) == 0.210
    assert round(fleiss_kappa(data), 4) == 0.2099


def test_cohen_kappa_two_by_two():
    """Cohen (1960): for the table [[20, 5], [10, 15]], p_o = 35/50 = 0.7 and p_e = 0.5·0.6 + 0.5·0.4
    = 0.5, so κ = (0.7 − 0.5)/(1 − 0.5) = 0.40."""
    assert cohen_kappa(from_table([[20, 5], [10, 15]])) == pytest.approx(0.40)


def test_gwet_ac1_kappa_paradox_by_hand():
    """Gwet (2008), AC1 for two raters, on a kappa-paradox table [[118, 5], [2, 0]] (high agreement,
    kappa below 0), worked term by term."""
    data = from_table([[118, 5], [2, 0]])
    n = 125
    p_a = 118 / n                                   # agreement: both say category 0
    pi_0 = ((118 + 5) / n + (118 + 2) / n) / 2      # mean share of category 0 over the two raters
    pi_1 = 1 - pi_0
    p_e = (pi_0 * (1 - pi_0) + pi_1 * (1 - pi_1)) / (2 - 1)
    assert gwet_ac1(data) == pytest.approx((p_a - p_e) / (1 - p_e))
    assert gwet_ac1(data) == pytest.approx(0.9408, abs=1e-4)
    p_e_kappa = (123 / n) * (120 / n) + (2 / n) * (5 / n)
    assert cohen_kappa(data) == pytest.approx((p_a - p_e_kappa) / (1 - p_e_kappa))
    assert cohen_kappa(data) < 0


def test_brennan_prediger_by_hand():
    """Brennan & Prediger (1981): (p_o − 1/q)/(1 − 1/q). For [[20, 5], [10, 15]], p_o = 0.7: with the
    2 observed categories (0.7 − 0.5)/0.5 = 0.4; with 3 possible categories (0.7 − 1/3)/(2/3) = 0.55."""
    data = from_table([[20, 5], [10, 15]])
    assert brennan_prediger(data) == pytest.approx(0.4)
    assert brennan_prediger(data, categories=[0, 1, 2]) == pytest.approx(0.55)


def test_prevalence_bias_by_hand():
    """Byrt, Bishop & Carlin (1993): with a = both yes = 45, b = 1 yes 2 no = 9, c = 1 no 2 yes = 6,
    d = both no = 40 (n = 100): PI = (a − d)/n = 0.05, BI = (b − c)/n = 0.03, PABAK = 2·0.85 − 1 = 0.70,
    and κ = (PABAK − PI² + BI²)/(1 − PI² + BI²)."""
    data = from_table([[40, 6], [9, 45]])  # category 1 is "yes": rows coder 1, columns coder 2
    indices = prevalence_bias(data)
    assert indices["prevalence_index"] == pytest.approx(0.05)
    assert indices["bias_index"] == pytest.approx(0.03)
    assert indices["pabak"] == pytest.approx(0.70)
    pi, bi = indices["prevalence_index"], indices["bias_index"]
    assert cohen_kappa(data) == pytest.approx((indices["pabak"] - pi ** 2 + bi ** 2) / (1 - pi ** 2 + bi ** 2))
    # The categories may be given; the second is "yes".
    assert prevalence_bias(data, categories=[0, 1]) == pytest.approx(indices)


def test_percent_agreement_pools_pairs():
    """Pooled over units: unit [1, 1, 2] has 2 agreeing ordered pairs of 6, unit [1, 1] 2 of 2: 4/8."""
    data = np.array([[1, 1, 2], [1, 1, nan]])
    assert percent_agreement(data) == pytest.approx(0.5)


# ---------------------------------------------------------------- against the krippendorff package

def random_matrix(rng, level) -> np.ndarray:
    """Random reliability data: random size, missingness, values; most units with ≥ 2 values."""
    units, coders = rng.integers(2, 60), rng.integers(2, 7)
    values = rng.integers(0, rng.integers(2, 9), size=(units, coders)).astype(float)
    if level != "nominal" and rng.random() < 0.5:
        values = np.round(rng.gamma(2.0, 3.0, size=(units, coders)), 2)
    if level != "ratio" and rng.random() < 0.3:
        values = values * 2.5 - 3
    values[rng.random((units, coders)) < rng.uniform(0, 0.4)] = nan
    return values


def usable(data) -> bool:
    """What the package accepts: two distinct values, and a unit with two values."""
    present = ~np.isnan(data)
    return len(np.unique(data[present])) >= 2 and (present.sum(axis=1) >= 2).any()


@needs_package
@pytest.mark.parametrize("level", LEVELS)
def test_matches_krippendorff_package(level):
    """50 random matrices per level agree with krippendorff.alpha to 1e-9."""
    rng = np.random.default_rng(sum(map(ord, level)))
    checked = 0
    while checked < 50:
        data = random_matrix(rng, level)
        if not usable(data):
            continue
        ours = krippendorff_alpha(data, level)
        theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
        assert ours == pytest.approx(theirs, abs=1e-9), (level, data)
        checked += 1


@needs_package
def test_many_distinct_values_use_sparse_tables(monkeypatch):
    """Continuous values make tables too wide to hold densely: the sparse path (forced here) gives
    the same coefficients and intervals as the dense one."""
    from litcoder.analysis import agreement

    rng = np.random.default_rng(11)
    data = np.round(rng.gamma(2.0, 3.0, size=(80, 4)), 1)
    data[rng.random(data.shape) < 0.2] = nan
    statistics = [partial(krippendorff_alpha, level=level) for level in LEVELS]
    statistics += [percent_agreement, fleiss_kappa, gwet_ac1, brennan_prediger]

    def results():
        return np.array([[s(data), *bootstrap_interval(s, data, resamples=50)] for s in statistics])

    dense = results()
    monkeypatch.setattr(agreement, "_DENSE_CELLS", 16)
    np.testing.assert_allclose(results(), dense, rtol=0, atol=1e-12)
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(
        krippendorff.alpha(reliability_data=data.T, level_of_measurement="ordinal"), abs=1e-9)


# ---------------------------------------------------------------- degenerate cases

def test_constant_data_is_undefined():
    """Everyone gives one value: alpha and the kappas are 0/0, NaN (the package raises instead);
    agreement is 1; AC1 and Brennan–Prediger are 1 once the possible categories are given."""
    data = np.full((5, 3), 2.0)
    for level in LEVELS:
        assert np.isnan(krippendorff_alpha(data, level))
    assert np.isnan(fleiss_kappa(data)) and np.isnan(gwet_ac1(data)) and np.isnan(brennan_prediger(data))
    assert np.isnan(cohen_kappa(data[:, :2]))
    assert percent_agreement(data) == 1.0
    assert gwet_ac1(data, categories=[1, 2]) == 1.0
    assert brennan_prediger(data, categories=[1, 2]) == 1.0


def test_single_unit():
    """One unit with two different values: alpha 0 (as the package says); with equal values, NaN."""
    assert krippendorff_alpha(np.array([[1.0, 2.0]])) == pytest.approx(0.0)
    assert np.isnan(krippendorff_alpha(np.array([[1.0, 1.0]])))
    assert percent_agreement(np.array([[1.0, 2.0]])) == 0.0


@pytest.mark.parametrize("data", [np.full((4, 3), nan), np.empty((0, 3)), np.array([[1.0], [2.0], [3.0]]),
                                  np.array([[1.0, nan], [nan, 2.0]])],
                         ids=["all missing", "no units", "one coder", "no unit with two values"])
def test_nothing_to_compare_is_nan(data):
    """No pair of values within a unit: every coefficient is NaN, and so is its interval."""
    for level in LEVELS:
        assert np.isnan(krippendorff_alpha(data, level))
    for coefficient in (percent_agreement, fleiss_kappa, gwet_ac1, brennan_prediger):
        assert np.isnan(coefficient(data))
    assert np.isnan(bootstrap_interval(krippendorff_alpha, data, resamples=20)).all()


def test_two_coder_coefficients_need_two_coders():
    """Cohen's kappa and Byrt's indices are for two coders: other numbers of columns are an error."""
    for data in (np.array([[1.0], [2.0]]), np.array([[1.0, 2.0, 1.0], [2.0, 2.0, 1.0]])):
        with pytest.raises(ValueError, match="two coders"):
            cohen_kappa(data)
        with pytest.raises(ValueError, match="two coders"):
            prevalence_bias(data)
    with pytest.raises(ValueError, match="two categories"):
        prevalence_bias(np.array([[1.0, 2.0], [3.0, 3.0]]))
    assert np.isnan(cohen_kappa(np.array([[1.0, nan], [nan, 2.0]])))


RATIO_WITH_ZEROS = np.array([[0.0, 1.0], [0.0, 0.0], [2.0, 2.0], [0.0, nan], [3.0, 0.0]])


def test_ratio_with_zeros():
    """Ratio metric: 0 and 0 differ by 0, and c + k = 0 raises no division warning. By hand for
    RATIO_WITH_ZEROS: pairable values 0 ×4, 1, 2 ×2, 3 (n = 8); observed Σ o δ² = 2·1 (unit 0|1)
    + 2·1 (unit 3|0) = 4; expected Σ n_c n_k δ² = 2·4·4·1 + 2·1·2·(1/3)² + 2·1·1·(2/4)² + 2·2·1·(1/5)²;
    alpha = 1 − (n − 1)·observed/expected."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert krippendorff_alpha(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), "ratio") == 1.0
        expected = 2 * 4 * 4 + 2 * 2 / 9 + 2 / 4 + 4 / 25
        assert krippendorff_alpha(RATIO_WITH_ZEROS, "ratio") == pytest.approx(1 - 7 * 4 / expected)


@needs_package
def test_package_on_edge_cases():
    """The `krippendorff` package agrees on a single unit and on ratio zeros, and raises where we say NaN."""
    assert krippendorff.alpha(reliability_data=[[1.0], [2.0]], level_of_measurement="nominal") == pytest.approx(0.0)
    assert krippendorff_alpha(RATIO_WITH_ZEROS, "ratio") == pytest.approx(
        krippendorff.alpha(reliability_data=RATIO_WITH_ZEROS.T, level_of_measurement="ratio"), abs=1e-12)
    with pytest.raises(ValueError):
        krippendorff.alpha(reliability_data=np.full((3, 5), 2.0), level_of_measurement="nominal")


def test_misuse_is_an_error():
    """Negative ratio values, unknown levels, infinite values, and non-matrices raise ValueError."""
    with pytest.raises(ValueError, match="negative"):
        krippendorff_alpha(np.array([[-1.0, 1.0], [2.0, 2.0]]), "ratio")
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(np.array([[1.0, 1.0]]), "circular")
    with pytest.raises(ValueError, match="infinite"):
        krippendorff_alpha(np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="matrix"):
        krippendorff_alpha(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="not one of the categories"):
        gwet_ac1(np.array([[1.0, 3.0]]), categories=[1, 2])


# ---------------------------------------------------------------- bootstrap

def agreeing_coders(units=200, coders=3, seed=7) -> np.ndarray:
    """Coders who agree about 80% of the time on 4 categories, with some values missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, units)
    data = np.where(rng.random((units, coders)) < 0.8, truth[:, None], rng.integers(0, 4, (units, coders)))
    data = data.astype(float)
    data[rng.random((units, coders)) < 0.1] = nan
    return data


def test_bootstrap_is_seeded():
    """The same seed gives the same interval; another seed another interval."""
    data = agreeing_coders()
    first = bootstrap_interval(krippendorff_alpha, data, resamples=300, seed=1)
    assert bootstrap_interval(krippendorff_alpha, data, resamples=300, seed=1) == first
    assert bootstrap_interval(krippendorff_alpha, data, resamples=300, seed=2) != first


@pytest.mark.parametrize("statistic", [krippendorff_alpha, partial(krippendorff_alpha, level="ordinal"),
                                       partial(krippendorff_alpha, level="interval"),
                                       partial(krippendorff_alpha, level="ratio"), percent_agreement,
                                       fleiss_kappa, gwet_ac1, brennan_prediger,
                                       partial(gwet_ac1, categories=[0, 1, 2, 3, 4])],
                         ids=["nominal", "ordinal", "interval", "ratio", "agreement", "fleiss", "ac1", "bp",
                              "ac1 categories"])
def test_fast_bootstrap_equals_recomputing(statistic):
    """The per-unit-sums bootstrap gives what recomputing the statistic on each resample gives,
    and its interval contains the estimate."""
    data = agreeing_coders(units=60)
    fast = bootstrap_interval(statistic, data, resamples=200, seed=3)
    slow = bootstrap_interval(lambda d: statistic(d), data, resamples=200, seed=3)
    assert fast == pytest.approx(slow, abs=1e-12)
    assert fast[0] <= statistic(data) <= fast[1]


def test_fast_bootstrap_of_two_coder_coefficients():
    """Cohen's kappa resampled from per-unit sums equals recomputing it."""
    data = agreeing_coders(units=80, coders=2)
    fast = bootstrap_interval(cohen_kappa, data, resamples=200, seed=4)
    assert fast == pytest.approx(bootstrap_interval(lambda d: cohen_kappa(d), data, resamples=200, seed=4))


def test_bootstrap_resamples_units():
    """When every unit is the same, every resample is the data again: the interval is a point."""
    data = np.tile([1.0, 1.0, 2.0, nan], (30, 1))
    estimate = krippendorff_alpha(data)
    assert bootstrap_interval(krippendorff_alpha, data, resamples=100) == pytest.approx((estimate, estimate))
    assert bootstrap_interval(lambda d: percent_agreement(d), data, resamples=100) == pytest.approx((1 / 3, 1 / 3))


def test_bootstrap_skips_undefined_resamples():
    """Undefined resamples (NaN, or an error) are skipped; under half defined gives (nan, nan)."""
    data = agreeing_coders(units=100)
    data[:70, 0] = nan
    mostly_undefined = bootstrap_interval(lambda d: d[0, 0], data, resamples=200)
    assert np.isnan(mostly_undefined).all()
    data = agreeing_coders(units=100)

    def sometimes_fails(d):
        if np.isnan(d[0, 0]):
            raise ValueError("undefined here")
        return krippendorff_alpha(d)

    low, high = bootstrap_interval(sometimes_fails, data, resamples=200)
    assert low <= krippendorff_alpha(data) <= high
    assert np.isnan(bootstrap_interval(krippendorff_alpha, np.full((10, 2), 1.0), resamples=50)).all()


def test_bootstrap_arguments():
    with pytest.raises(ValueError):
        bootstrap_interval(krippendorff_alpha, agreeing_coders(), resamples=0)
    with pytest.raises(ValueError):
        bootstrap_interval(krippendorff_alpha, agreeing_coders(), level=1.5)


# ---------------------------------------------------------------- the table

def test_coefficients_nominal_many_coders():
    """Nominal, three coders: agreement, alpha, Fleiss, AC1, Brennan–Prediger; no Cohen, no Byrt."""
    data = agreeing_coders()
    table = coefficients(data, resamples=200)
    assert list(table.columns) == ["coefficient", "value", "low", "high", "units", "coders", "level"]
    assert list(table["coefficient"]) == ["percent agreement", "Krippendorff's alpha", "Fleiss' kappa",
                                          "Gwet's AC1", "Brennan–Prediger"]
    values = dict(zip(table["coefficient"], table["value"]))
    assert values["Krippendorff's alpha"] == krippendorff_alpha(data)
    assert values["Gwet's AC1"] == gwet_ac1(data)
    assert (table["low"] <= table["value"]).all() and (table["value"] <= table["high"]).all()
    assert set(table["coders"]) == {3}
    assert set(table["units"]) == {int(((~np.isnan(data)).sum(axis=1) >= 2).sum())}
    # every row's interval is the one bootstrap_interval gives with the same seed
    assert tuple(table.loc[1, ["low", "high"]]) == pytest.approx(
        bootstrap_interval(krippendorff_alpha, data, resamples=200))


def test_coefficients_two_coders_two_categories():
    """Two coders, two categories: Cohen's kappa and Byrt's indices join the table."""
    data = from_table([[40, 6], [9, 45]])
    table = coefficients(data, resamples=100, categories=[0, 1])
    assert list(table["coefficient"]) == ["percent agreement", "Krippendorff's alpha", "Cohen's kappa",
                                          "Fleiss' kappa", "Gwet's AC1", "Brennan–Prediger", "prevalence index",
                                          "bias index", "PABAK"]
    values = dict(zip(table["coefficient"], table["value"]))
    assert values["PABAK"] == pytest.approx(0.70)
    assert values["Cohen's kappa"] == pytest.approx(cohen_kappa(data))


def test_coefficients_other_levels():
    """Ordinal data: alpha at that level, and exact agreement."""
    table = coefficients(KRIPPENDORFF_2011, level="ordinal", resamples=100)
    assert list(table["coefficient"]) == ["percent agreement", "Krippendorff's alpha"]
    assert list(table["level"]) == ["nominal", "ordinal"]
    assert round(table["value"].iloc[1], 3) == 0.815


# ---------------------------------------------------------------- many groups, many units

def grouped_units(units: int = 3000, groups: int = 7, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Four coders' 0/1/missing values on units in `groups` groups, each unit's group at random."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 2, (units, 4)).astype(float)
    data[rng.random((units, 4)) < 0.3] = nan
    return data, rng.integers(0, groups, units) * 10  # labels that are not 0, 1, 2 …


def test_grouped_coefficients_are_each_groups_coefficients():
    """The whole data's rows come first, then each group's, in order of first occurrence; each
    row is exactly (to the last digit) what `coefficients` gives for those units alone."""
    data, groups = grouped_units()
    table = grouped_coefficients(data, groups, resamples=150, seed=5, categories=[0, 1])
    order = list(dict.fromkeys(groups))
    assert list(dict.fromkeys(table["group"])) == [None, *order]
    for group in [None, *order]:
        alone = coefficients(data if group is None else data[groups == group], resamples=150, seed=5,
                             categories=[0, 1])
        mine = table[table["group"].map(lambda g, group=group: g == group if group is not None else g is None)]
        pd.testing.assert_frame_equal(mine.drop(columns="group").reset_index(drop=True), alone, check_exact=True)


def test_grouped_patterns_keep_each_groups_order():
    """Each group's patterns, their order and counts are those of the group's rows alone."""
    data, groups = grouped_units(units=500, groups=3)
    whole, parts = grouped_patterns(data, groups)
    for mine, alone in [(whole, unit_patterns(data)),
                        *((parts[g], unit_patterns(data[groups == g])) for g in parts)]:
        np.testing.assert_array_equal(mine[0], alone[0])
        np.testing.assert_array_equal(mine[1], alone[1])
    with pytest.raises(ValueError):
        grouped_patterns(data, groups[:-1])


def test_grouped_coefficients_with_many_distinct_values():
    """Values too many to code a row as one integer: each group is still its own coefficients."""
    rng = np.random.default_rng(2)
    data = rng.normal(size=(40, 9)).round(6)
    groups = np.repeat(["a", "b"], 20)
    table = grouped_coefficients(data, groups, level="interval", resamples=50)
    alone = coefficients(data[20:], level="interval", resamples=50)
    pd.testing.assert_frame_equal(table[table["group"] == "b"].drop(columns="group").reset_index(drop=True), alone)


def test_pair_patterns_are_the_pairs_units():
    """Two coders' units drawn from the whole data's patterns are the units both coded."""
    data, _ = grouped_units(units=800)
    both = data[:, [1, 3]][~np.isnan(data[:, [1, 3]]).any(axis=1)]
    mine = pair_patterns(*unit_patterns(data), 1, 3)
    alone = unit_patterns(both)
    np.testing.assert_array_equal(mine[0], alone[0])
    np.testing.assert_array_equal(mine[1], alone[1])
    empty = pair_patterns(*unit_patterns(np.array([[1.0, nan], [nan, 0.0]])), 0, 1)
    assert empty[0].shape == (0, 2) and empty[1].sum() == 0


@pytest.mark.parametrize("statistic", [krippendorff_alpha, cohen_kappa, partial(krippendorff_alpha, level="ordinal"),
                                       partial(gwet_ac1, categories=[0, 1])])
def test_weighted_value_is_the_statistic_of_the_units(statistic):
    """From patterns and counts, the statistic the units themselves give (exactly, for two coders)."""
    data, _ = grouped_units(units=700)
    both = data[:, [0, 2]][~np.isnan(data[:, [0, 2]]).any(axis=1)]
    assert weighted_value(statistic, *unit_patterns(both)) == statistic(both)


def test_weighted_value_of_prevalence_bias_and_others():
    both = from_table([[40, 6], [9, 45]])
    assert weighted_value(partial(prevalence_bias, categories=[0, 1]), *unit_patterns(both)) == \
        prevalence_bias(both, categories=[0, 1])
    with pytest.raises(ValueError):
        weighted_value(np.mean, *unit_patterns(both))


@pytest.mark.parametrize("data, categories", [(agreeing_coders(), None), (from_table([[40, 6], [9, 45]]), [0, 1]),
                                              (np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]]), None)],
                         ids=["three coders", "two coders", "undefined resamples"])
def test_every_interval_of_the_table_is_bootstrap_intervals_to_the_last_digit(data, categories):
    """The table takes its intervals' quantiles together; each is exactly what bootstrap_interval gives."""
    statistics = {"percent agreement": percent_agreement, "Krippendorff's alpha": krippendorff_alpha,
                  "Cohen's kappa": cohen_kappa, "Fleiss' kappa": fleiss_kappa,
                  "Gwet's AC1": partial(gwet_ac1, categories=categories),
                  "Brennan–Prediger": partial(brennan_prediger, categories=categories)}
    table = coefficients(data, resamples=120, seed=9, categories=categories)
    for row in table.itertuples():
        if row.coefficient in statistics:
            interval = bootstrap_interval(statistics[row.coefficient], data, resamples=120, seed=9)
            assert (row.low, row.high) == interval or np.isnan([row.low, *interval]).all()
