"""Benchmark: one save (append) into a coder file that already holds 100,000 codings.

Target (issue 4): ≤ 20 ms per save. Also times an edit and a removal, which rewrite the
file and so grow with it.

    .venv/bin/python benchmarks/save_benchmark.py [--rows 100000] [--saves 300]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

from litcoder.store import COLUMNS, CoderFile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-save-") as tmp:
        path = Path(tmp) / "coder-a.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            for i in range(args.rows):
                writer.writerow([f"id{i:07d}", f"Author{i % 2000:05d}Y1990", i % 20 + 1,
                                 "a quote of some ten words taken from the passage text", "competency-012",
                                 "leadership", "" if i % 9 else "a memo", "2026-10-01T10:00:00+00:00",
                                 i * 10, i * 10 + 60, "the words before the quote", "the words after it", ""])
        store = CoderFile(path)
        coding = {"citekey": "Author00001Y1990", "passage": 3, "quote": "a quote of some ten words",
                  "competency": "competency-012", "framing": "management", "memo": "benchmark",
                  "start": 10, "end": 35, "prefix": "before", "suffix": "after"}
        times = []
        for _ in range(args.saves):
            start = time.perf_counter()
            store.append(coding)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"file: {args.rows:,} codings, {path.stat().st_size / 1e6:.1f} MB")
        print(f"save (append, fsync): median {statistics.median(times):.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms over {args.saves} saves")
        rows = store.rows()
        for name, action in (("edit", lambda: store.update(rows[len(rows) // 2]["id"], memo="edited")),
                             ("removal", lambda: store.remove(rows[len(rows) // 3]["id"]))):
            start = time.perf_counter()
            action()
            print(f"{name} (rewrites the file): {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
