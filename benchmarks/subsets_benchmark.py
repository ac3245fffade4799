"""Benchmark: the evidence by source attribute on a generated review.

Target (issue 15): cross-tabs for 100 competencies on the 2,000-source review in ≤ 2 s.

    .venv/bin/python benchmarks/subsets_benchmark.py [--runs 3] [--sources 2000 ...]

The review is benchmarks/generate_review.py's, given three attributes (five, four and five
values, drawn for each source with a seeded generator). Each figure is the median of --runs
timed runs in one process, after the review is loaded and its voices made (both timed by
the build benchmark): framing_by_attribute, evidence_within, and both for all three attributes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_review import generate

from litcoder import Review
from litcoder.analysis.evidence import review_voices
from litcoder.analysis.subsets import evidence_within, framing_by_attribute

ATTRIBUTES = {"source_type": ["peer-reviewed article", "book", "chapter", "practitioner article", "blog post"],
              "field": ["library and information science", "business and management", "nursing",
                        "public administration"],
              "sector": ["business", "government", "health care", "libraries", "organizations in general"]}


def with_attributes(review: Path, seed: int = 15) -> None:
    """litcoder.toml defining ATTRIBUTES, and corpus/attributes.csv giving each source one value of each."""
    rng = random.Random(seed)
    toml = "".join(f"[attributes.{name}]\nvalues = {json.dumps(values)}\n\n" for name, values in ATTRIBUTES.items())
    (review / "litcoder.toml").write_text(toml, encoding="utf-8")
    citekeys = Review.load(review).sources["citekey"].tolist()
    rows = ["citekey," + ",".join(ATTRIBUTES)]
    rows += [",".join([key, *(rng.choice(values) for values in ATTRIBUTES.values())]) for key in citekeys]
    (review / "corpus" / "attributes.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--competencies", type=int, default=100)
    parser.add_argument("--codings", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-subsets-") as tmp:
        root = generate(Path(tmp) / "review", args.sources, 20, args.competencies, 4, args.codings)
        with_attributes(root)
        review = Review.load(root)
        voices = review_voices(review)
        print(f"generated: {args.sources} sources, {args.competencies} competencies, {args.codings} codings, "
              f"{len(voices)} voices; attributes {', '.join(f'{a} ({len(v)})' for a, v in ATTRIBUTES.items())}")
        steps = {"framing by one attribute": lambda: framing_by_attribute(review, "field", voices),
                 "evidence within its subsets": lambda: evidence_within(review, "field", voices),
                 "both, for all three attributes": lambda: [(framing_by_attribute(review, a, voices),
                                                             evidence_within(review, a, voices)) for a in ATTRIBUTES]}
        for name, step in steps.items():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                step()
                times.append(time.perf_counter() - started)
            print(f"{name}: median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
