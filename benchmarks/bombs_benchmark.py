"""Benchmark: peak memory and time of loading a review whose codebook is a YAML alias bomb, or whose
references.bib holds an @string bomb, each in a fresh process under a memory cap.

The bombs are tests/fixtures/hostile/yaml-alias-bomb.yaml (1 KB: nine lists, each naming the
one before nine times) and string-macro-bomb.bib (1.6 KB: forty @string macros, each the one
before twice). Each is put into a copy of the bundled review and the review is loaded with
`Review.load`, in its own process with its address space capped (RLIMIT_AS, as `prlimit --as`
sets it), so that a loader that would take gigabytes ends in MemoryError at the cap instead of
taking the machine. The bundled review itself is loaded too, as the baseline.

    .venv/bin/python benchmarks/bombs_benchmark.py [--lib PATH] [--cap-mb 2000] [--timeout 300]

--lib is the litcoder library to load with (default: this checkout's lib/). To measure the code
as it was before a change, export that commit's library and point at it:

    git archive <commit> lib | tar -x -C /tmp/before
    .venv/bin/python benchmarks/bombs_benchmark.py --lib /tmp/before/lib
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
CASES = {
    "bundled review": None,
    "YAML alias bomb as corpus/codebook.yaml": ("corpus/codebook.yaml", HOSTILE / "yaml-alias-bomb.yaml"),
    "@string bomb as references.bib": ("references.bib", HOSTILE / "string-macro-bomb.bib"),
}

RUN = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from litcoder.review import Review
started = time.perf_counter()
try:
    review = Review.load(sys.argv[2])
    bomb = sorted({p.kind for p in review.problems if p.severity == "error"})
    outcome = (f"loaded: {len(review.sources)} sources, {len(review.codebook)} competencies, "
               f"{len(review.codings)} codings; errors of kind {', '.join(bomb) or 'none'}")
except BaseException as err:  # MemoryError at the cap is the point of the cap
    outcome = f"{type(err).__name__} after {time.perf_counter() - started:.1f} s"
print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def review_with(case: tuple[str, Path] | None, folder: Path) -> Path:
    """A copy of the bundled review's inputs in folder, with one file replaced by a bomb."""
    for name in ("references.bib", "litcoder.toml"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    if case:
        target, bomb = case
        shutil.copy(bomb, folder / target)
    return folder


def load(lib: Path, review: Path, cap_mb: int, timeout: float) -> dict:
    """Review.load in a fresh process with its address space capped at cap_mb."""
    cap = cap_mb * 1024 * 1024

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    try:
        done = subprocess.run([sys.executable, "-c", RUN, str(lib), str(review)], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "outcome": f"still running after {timeout:.0f} s (stopped)", "peak_mb": None}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"seconds": None, "peak_mb": None,
                "outcome": f"exit {done.returncode}: {(done.stderr.strip().splitlines() or ['?'])[-1][:120]}"}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib", type=Path, default=ROOT / "lib", help="the litcoder library to load with")
    parser.add_argument("--cap-mb", type=int, default=2000, help="the address-space cap of each load, in MB")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a load is stopped")
    args = parser.parse_args()
    print(f"library: {args.lib}; each load in a fresh process, address space capped at {args.cap_mb:,} MB")
    for name, case in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            result = load(args.lib.resolve(), review_with(case, Path(folder)), args.cap_mb, args.timeout)
        seconds = "—" if result["seconds"] is None else f"{result['seconds']:.2f} s"
        peak = "—" if result["peak_mb"] is None else f"{result['peak_mb']:,.0f} MB"
        print(f"{name:42s} {seconds:>9s}  peak RSS {peak:>9s}  {result['outcome']}")


if __name__ == "__main__":
    main()
