"""Benchmark: load + evidence + build (no images) on a generated review.

Target (issue 11, after issue 2's ≤ 20 s and ≤ 2 GB): a review of 2,000 sources × 20
paragraphs, 100 competencies, 4 coders and 100,000 codings (and three source attributes,
as subsets_benchmark gives them) builds in ≤ 12 s wall (median)
and ≤ 1 GB peak memory on a 2-core machine, every output the same as before.

    .venv/bin/python benchmarks/build_benchmark.py [--runs 3] [--edited 3] [--sources 2000 ...]

Each run is a fresh process (so imports and peak memory count as a user sees them); the
script prints each run's stage times, its CPU time (both processes) and the medians. The
first run is a first build and the others rebuilds with nothing changed, which make only
what changed (the source pages, the graph and the tables of sources and codings are
fingerprinted); with --edited N, N more runs each follow one coding appended to a coder
file, as a coder's day goes (a realistic rebuild), and their median is printed too. The
build forks a second process (litcoder/alongside.py): "peak MB" is the larger one's peak
resident size; a last, untimed run samples both every 50 ms for the highest sum of their
proportional set sizes (pages they share counted once).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_review import generate
from subsets_benchmark import with_attributes

RUN = r"""
import json, sys, time
t0 = time.perf_counter()
from litcoder.outputs.report import build
stages, last = {}, [None, time.perf_counter()]
def step(name):
    now = time.perf_counter()
    if last[0]:
        stages[last[0]] = now - last[1]
    last[0], last[1] = name, now
result = build(sys.argv[1], step, images=False)
step(None)
stages["total (with imports)"] = time.perf_counter() - t0
stages["report MB"] = result.report.stat().st_size / 1e6
print(json.dumps(stages))
"""


def run_once(review: Path, sample: bool = False) -> dict:
    """One build in a fresh process: its stage times and peak memory. With `sample`, the build
    and the process it forks are also sampled for their memory together, which slows them
    (reading a process's memory map holds its page faults up), so their times are not used."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    build = subprocess.Popen([sys.executable, "-c", RUN, str(review)], stdout=subprocess.PIPE, text=True)
    together = 0
    while sample and build.poll() is None:
        together = max(together, sum(_pss_kib(pid) for pid in _tree(build.pid)))
        time.sleep(0.05)
    output = build.communicate()[0]
    if build.returncode:
        raise SystemExit(f"the build failed ({build.returncode})")
    stages = json.loads(output.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    stages["peak MB"] = max(usage.ru_maxrss, before) / 1024  # of the largest one process; ru_maxrss is in KiB
    stages["CPU s"] = usage.ru_utime + usage.ru_stime - cpu  # both processes': a shared machine slows the wall time
    if sample:
        stages["peak MB together"] = together / 1024  # proportional set size: pages shared by both are halved
    return stages


def add_coding(review: Path, number: int) -> str:
    """Append a coding to the first coder's file: a copy of one of its codings under another
    competency (so it counts, and changes a source page, the cards and the tables)."""
    path = sorted((review / "corpus" / "codings").glob("*.csv"))[0]
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        columns, rows = reader.fieldnames, list(reader)
    row = dict(rows[number % len(rows)])
    other = next(r["competency"] for r in rows if r["competency"] != row["competency"])
    row.update(id=f"{row['id']}-edited-{number}", competency=other)
    with open(path, "a", newline="", encoding="utf-8") as file:
        csv.DictWriter(file, columns, lineterminator="\n").writerow(row)
    return path.name


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid] + [p for child in children for p in _tree(int(child))]


def _pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edited", type=int, default=0, help="runs after one coding is appended to a coder file")
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--paragraphs", type=int, default=20)
    parser.add_argument("--competencies", type=int, default=100)
    parser.add_argument("--coders", type=int, default=4)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--no-attributes", action="store_true",
                        help="give the sources no attributes (the report's kinds-of-source section is then empty)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-bench-") as tmp:
        review = generate(Path(tmp) / "review", args.sources, args.paragraphs, args.competencies,
                          args.coders, args.codings)
        if not args.no_attributes:
            with_attributes(review)  # three attributes, as the bundled review has: the report compares by each
        print(f"generated: {args.sources} sources × {args.paragraphs} paragraphs, {args.competencies} competencies, "
              f"{args.coders} coders, {args.codings} codings")
        runs = []
        for i in range(args.runs):
            stages = run_once(review)
            runs.append(stages)
            kind = "first build: no outputs yet" if i == 0 else "rebuild"
            print(f"run {i + 1} ({kind}): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
        print("median: " + ", ".join(f"{k} {statistics.median(r[k] for r in runs):.2f}" for k in runs[0]))
        edited = []
        for i in range(args.edited):
            name = add_coding(review, i)
            edited.append(run_once(review))
            print(f"run {args.runs + i + 1} (rebuild after one coding added to {name}): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in edited[-1].items()))
        if edited:
            print("median after one coding: " + ", ".join(
                f"{k} {statistics.median(r[k] for r in edited):.2f}" for k in edited[0]))
        memory = run_once(review, sample=True)
        print(f"memory run: peak MB {memory['peak MB']:.0f} (largest process), "
              f"{memory['peak MB together']:.0f} (both processes together)")


if __name__ == "__main__":
    main()
