"""Benchmark: co-occurrence of competencies on a generated review.

Target (issue 15): co-occurrence for 100 competencies on the 2,000-source review in ≤ 2 s:
the table by passage and by source and the matrix, together.

    .venv/bin/python benchmarks/cooccurrence_benchmark.py [--runs 3] [--sources 2000 ...]

The review is benchmarks/generate_review.py's (20 passages a source, 4 coders). Each figure
is the median of --runs timed runs in one process, after the review is loaded (timed by the
load benchmark): each step alone, the three the target names together, the retrieval of one
pair's passages and of "x but not y", and the heatmap of the passage table (a plotly figure,
not written out).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_review import generate

from litcoder import Review
from litcoder.analysis.cooccurrence import coded_without, cooccurrence, cooccurrence_matrix, passages_with
from litcoder.outputs.literature import cooccurrence_chart


def timed(step, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--competencies", type=int, default=100)
    parser.add_argument("--codings", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-cooccurrence-") as tmp:
        root = generate(Path(tmp) / "review", args.sources, 20, args.competencies, 4, args.codings)
        review = Review.load(root)
        table = cooccurrence(review)
        print(f"generated: {args.sources} sources, {args.competencies} competencies, {len(review.codings)} codings "
              f"loaded; {len(table)} pairs coded together in a passage, {len(cooccurrence(review, 'source'))} in a "
              "source")
        a, b = table["a"].iloc[0], table["b"].iloc[0]
        steps = {"by passage": lambda: cooccurrence(review),
                 "by source": lambda: cooccurrence(review, "source"),
                 "matrix (together, by passage)": lambda: cooccurrence_matrix(review),
                 "all three (the target, <= 2 s)": lambda: (cooccurrence(review), cooccurrence(review, "source"),
                                                            cooccurrence_matrix(review)),
                 "by passage, two coders": lambda: cooccurrence(review, coders=["coder-a", "coder-b"]),
                 f"passages with {a} and {b}": lambda: passages_with(review, a, b),
                 f"passages with {a} but not {b}": lambda: coded_without(review, a, b),
                 f"sources with {a} but not {b}": lambda: coded_without(review, a, b, "source"),
                 "heatmap of the passage table": lambda: cooccurrence_chart(review, table)}
        for name, step in steps.items():
            times = timed(step, args.runs)
            print(f"{name}: median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
