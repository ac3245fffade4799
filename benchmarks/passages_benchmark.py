"""Benchmark: loading a review whose one source is a very large Markdown text (20 MB, 200 MB).

Target: splitting a source into passages is linear in its length, so a 200 MB text loads in
well under a minute (it took more than 30 minutes while lines were counted from the start
of the text for every passage).

    .venv/bin/python benchmarks/passages_benchmark.py [--runs 3] [--sizes 20 200]

For each size (MB), a temporary review is made with one BibTeX entry and its notes as
corpus/sources/Big2024Notes.md: Markdown paragraphs of a few wrapped lines under headings.
Each run is `Review.load` in a fresh process, cold (without .litcoder/cache, so the text is
decoded, split and cached) and then warm (the text from the cache); the script prints each
run's time, the peak memory of the process (its maximum resident set) and the medians.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from litcoder.review import Review
imports = time.perf_counter() - t0
t0 = time.perf_counter()
review = Review.load(sys.argv[1])
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "imports": imports, "passages": len(review.passages),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "problems": sorted({p.kind for p in review.problems})}))
"""

WORDS = ["leader", "manager", "vision", "budget", "plan", "staff", "change", "team", "goal", "library", "service",
         "people", "direction", "control", "report", "schedule", "resource", "mission", "trust", "coach", "decide"]
BIBTEX = """@book{Big2024Notes,
  author = {Okafor, Ada},
  title = {Notes on a Very Long Report},
  year = {2024},
  publisher = {Library Press}
}
"""


def notes(megabytes: float, seed: int = 20261127) -> str:
    """Markdown notes of about `megabytes` MB: sections of wrapped paragraphs (one paragraph
    of text repeated with a changing number, so that generating 200 MB takes seconds)."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(50):
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
        lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
        paragraphs.append("\n".join(lines).capitalize() + ".")
    chunks, size, n = [], 0, 0
    while size < megabytes * 1e6:
        chunk = (f"# Section {n + 1}\n\n" if n % 20 == 0 else "") + f"{n + 1}. {paragraphs[n % 50]}\n\n"
        chunks.append(chunk)
        size += len(chunk)
        n += 1
    return "".join(chunks)


def make_review(folder: Path, megabytes: float) -> Path:
    (folder / "corpus" / "sources").mkdir(parents=True)
    (folder / "references.bib").write_text(BIBTEX, encoding="utf-8")
    (folder / "corpus" / "sources" / "Big2024Notes.md").write_text(notes(megabytes), encoding="utf-8")
    return folder


def load(review: Path, timeout: float) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, str(review)], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=float, nargs="+", default=[20, 200], help="sizes of the source, in MB")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a load counts as hung")
    args = parser.parse_args()
    for megabytes in args.sizes:
        with tempfile.TemporaryDirectory(prefix="litcoder-passages-") as tmp:
            t0 = time.perf_counter()
            review = make_review(Path(tmp) / "review", megabytes)
            size = (review / "corpus" / "sources" / "Big2024Notes.md").stat().st_size / 1e6
            print(f"{megabytes:g} MB: generated a {size:.1f} MB Markdown source in {time.perf_counter() - t0:.1f} s")
            results = {"cold": [], "warm": []}
            for kind in results:
                for i in range(args.runs):
                    if kind == "cold":
                        shutil.rmtree(review / ".litcoder", ignore_errors=True)
                    result = load(review, args.timeout)
                    results[kind].append(result)
                    print(f"  {kind} load {i + 1}: {result['seconds']:.2f} s, peak memory {result['peak_mb']:.0f} MB "
                          f"({result['passages']:,} passages; imports {result['imports']:.2f} s apart; "
                          f"problems {result['problems']})")
            for kind, runs in results.items():
                print(f"  median {kind} load of {size:.0f} MB: {statistics.median(r['seconds'] for r in runs):.2f} s, "
                      f"peak memory {statistics.median(r['peak_mb'] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
