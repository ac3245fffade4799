"""Benchmark: the coding screen at 2,000 sources, from the coder's key to the saved row.

Issue 13 asks for the time from a key press to the saved row on a review of 2,000 sources.
This drives the screen as the pad's keys do (CodingPad.press, what a key's message calls):
each Enter saves a selected quote, and the time runs until the row is in the coder's file
and the screen shows the next state (marks, suggestions, progress). The browser's part (a
key's message to the kernel and back) is measured by tests/test_jupyterlab.py.

    .venv/bin/python benchmarks/coding_benchmark.py [--sources 2000] [--codings 100000] [--saves 30]
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
from litcoder.screens.coding import CodingScreen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-coding-") as tmp:
        root = Path(tmp) / "review"
        generate(root, args.sources, 20, 100, 4, args.codings)
        started = time.perf_counter()
        review = Review.load(root)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        screen = CodingScreen(review)
        screen.coder.value = "coder-new"
        screen.start.click()
        screen.confirm.children[0].click()  # Create coder coder-new
        opened = time.perf_counter() - started
        codings = root / "corpus" / "codings" / "coder-new.csv"
        competencies = review.codebook["competency"].tolist()
        key_to_row, key_to_screen, moves = [], [], []
        saved_at = _stamp_saves(screen)
        for i in range(args.saves):
            words = screen.pad.text.split()
            quote = " ".join(words[2:8])
            at = screen.pad.text.index(quote)
            screen.pad.select(at, at + len(quote))
            screen.pad.competency, screen.pad.framing = competencies[i % len(competencies)], "management"
            size = codings.stat().st_size if codings.exists() else 0
            started = time.perf_counter()
            screen.pad.press("save")  # what the Enter key's message calls
            key_to_screen.append(time.perf_counter() - started)
            assert codings.stat().st_size > size and screen.pad.status_kind == "ok", screen.pad.status
            key_to_row.append(saved_at[-1] - started)
            started = time.perf_counter()
            screen.pad.press("next")
            moves.append(time.perf_counter() - started)
        print(f"review: {args.sources:,} sources, {len(review.passages):,} passages, {len(review.codings):,} codings")
        print(f"load {loaded:.2f} s; screen started on a new coder {opened:.2f} s")
        print(f"Enter to saved row: median {statistics.median(key_to_row) * 1000:.0f} ms "
              f"(max {max(key_to_row) * 1000:.0f} ms) over {args.saves} saves")
        print(f"Enter to the screen redrawn (marks, suggestions, progress): median "
              f"{statistics.median(key_to_screen) * 1000:.0f} ms (max {max(key_to_screen) * 1000:.0f} ms)")
        print(f"n (next passage): median {statistics.median(moves) * 1000:.0f} ms")


def _stamp_saves(screen: CodingScreen) -> list[float]:
    """The moments each save of the session returned: the row is in the file by then."""
    moments, save = [], screen.session.save

    def stamped(*args, **kwargs):
        saved = save(*args, **kwargs)
        moments.append(time.perf_counter())
        return saved
    screen.session.save = stamped
    return moments


if __name__ == "__main__":
    sys.exit(main())
