"""Benchmark: Krippendorff's alpha and its bootstrap on a large reliability matrix.

Targets: alpha on 100,000 units × 5 coders at least as fast as the `krippendorff` package on
the same matrix, and a 1,000-resample bootstrap of nominal alpha in ≤ 30 s on 2 cores.

    .venv/bin/python benchmarks/agreement_benchmark.py [--units 100000] [--runs 3] [--resamples 1000]

The matrix: 5 categories, about 10% of values missing, coders who agree on about 80% of
pairs. Each figure is the median of --runs timed runs, after one untimed run (so that
imports and first-touch memory are not counted against either side). Needs the
`krippendorff` package (a test dependency).
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import krippendorff
import numpy as np

from litcoder.analysis.agreement import bootstrap_interval, coefficients, krippendorff_alpha, percent_agreement

SEED = 20261127
# A coder gives the unit's category with this chance, else one of the 4 others at random, so
# two coders agree with chance p² + (1 − p)²/4 ≈ 0.80.
RIGHT = 0.893


def generate(units: int, coders: int = 5, categories: int = 5, missing: float = 0.1, seed: int = SEED) -> np.ndarray:
    """A (units, coders) nominal matrix of codes 0..categories-1, NaN where missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, units)
    other = (truth[:, None] + rng.integers(1, categories, (units, coders))) % categories
    data = np.where(rng.random((units, coders)) < RIGHT, truth[:, None], other).astype(float)
    data[rng.random((units, coders)) < missing] = np.nan
    return data


def median_time(run, runs: int) -> tuple[float, object]:
    """Median seconds of `runs` timed calls of run() after one untimed call, and its last result."""
    result = run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()

    data = generate(args.units)
    print(f"{args.units:,} units × {data.shape[1]} coders, {np.isnan(data).mean():.1%} missing, "
          f"percent agreement {percent_agreement(data):.3f}")
    for level in ("nominal", "interval"):
        ours, value = median_time(lambda level=level: krippendorff_alpha(data, level), args.runs)
        theirs, reference = median_time(
            lambda level=level: krippendorff.alpha(reliability_data=data.T, level_of_measurement=level), args.runs)
        print(f"alpha {level:8}  litcoder {ours * 1000:7.1f} ms   krippendorff {theirs * 1000:7.1f} ms   "
              f"({theirs / ours:.1f}× faster; alpha {value:.6f}, package {reference:.6f})")

    seconds, interval = median_time(lambda: bootstrap_interval(krippendorff_alpha, data, args.resamples), args.runs)
    print(f"bootstrap of nominal alpha, {args.resamples} resamples: {seconds:.2f} s "
          f"(95% interval {interval[0]:.4f} – {interval[1]:.4f})")
    ordinal = partial(krippendorff_alpha, level="ordinal")
    seconds, _ = median_time(lambda: bootstrap_interval(ordinal, data, args.resamples), args.runs)
    print(f"bootstrap of ordinal alpha, {args.resamples} resamples: {seconds:.2f} s")
    seconds, table = median_time(lambda: coefficients(data, resamples=args.resamples), args.runs)
    print(f"coefficients() with {args.resamples} resamples ({len(table)} coefficients): {seconds:.2f} s")


if __name__ == "__main__":
    main()
