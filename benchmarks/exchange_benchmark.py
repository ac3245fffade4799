"""Benchmark: the REFI-QDA exchange on a generated review.

    .venv/bin/python benchmarks/exchange_benchmark.py [--runs 3] [--sources 2000 --codings 100000]

The review is benchmarks/generate_review.py's (20 passages a source, 4 coders). Timed, each
the median of --runs runs in one process after the review is loaded: the export
(`project_archive`), reading the archive back (`read_exchange`: the zip, the XML, the texts),
the import into a copy of the review without codings (every coding placed and written), and
the import again (nothing added). The archive's size is printed too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_review import generate

from litcoder import Review
from litcoder.inputs.refi import read_exchange
from litcoder.outputs.refi import project_archive
from litcoder.screens.refi import import_exchange


def timed(step, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = step(*args)
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        review_path = Path(folder) / "review"
        generate(review_path, sources=args.sources, codings=args.codings)
        review = Review.load(review_path)
        print(f"review: {len(review.sources):,} sources, {len(review.codings):,} codings, "
              f"{review.codings['coder'].nunique()} coders")
        times = {"export": [], "read": [], "import into an empty copy": [], "import again": []}
        for run in range(args.runs):
            seconds, (data, counts) = timed(project_archive, review)
            times["export"].append(seconds)
            archive = Path(folder) / "project.qdpx"
            archive.write_bytes(data)
            times["read"].append(timed(read_exchange, archive)[0])
            empty = Path(folder) / f"empty-{run}"
            shutil.copytree(review_path, empty)
            shutil.rmtree(empty / "corpus" / "codings")
            (empty / "corpus" / "codings").mkdir()
            target = Review.load(empty)
            seconds, result = timed(import_exchange, target, archive)
            times["import into an empty copy"].append(seconds)
            # a coder's two codings of the same words to the same competency and framing come back as one
            assert sum(result.added.values()) + result.repeated == counts["codings"], (result.added, counts)
            repeated = result.repeated
            again = Review.load(empty)
            seconds, result = timed(import_exchange, again, archive)
            times["import again"].append(seconds)
            assert sum(result.added.values()) == 0
        print(f"archive: {len(data) / 2**20:.1f} MiB, {counts['codings']:,} codings, {counts['sources']:,} sources; "
              f"{repeated} codings repeat another of their coder's and come back as one")
        for name, values in times.items():
            print(f"{name}: median {statistics.median(values):.2f} s (runs: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
