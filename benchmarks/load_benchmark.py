"""Benchmark: loading a review whose sources are PDFs, web pages, Word files and notes, the
first time (every text extracted) and again when nothing changed (texts from the cache).

Target: the second load of an unchanged review is ≥ 10× faster than the first.

    .venv/bin/python benchmarks/load_benchmark.py [--runs 3] [--sources 500] [--paragraphs 30]

The review is generate_review.py's (BibTeX with its quirks, codebook, three coders,
codings quoting the texts), with each source's notes turned into a PDF (40%), a saved web
page (30%), a Word file (20%) or left as Markdown (10%) by tools/bundled_formats.py, and
the codings re-anchored once, as the coding screen saves them. Each load is `Review.load`
in a fresh process (module imports timed apart); a cold load starts without
.litcoder/cache, a warm one with the cache a cold load left.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tools")]

from bundled_formats import blocks, to_docx, to_html, to_pdf  # noqa: E402
from generate_review import generate  # noqa: E402

RUN = r"""
import json, sys, time
t0 = time.perf_counter()
from litcoder.review import Review
imports = time.perf_counter() - t0
t0 = time.perf_counter()
review = Review.load(sys.argv[1])
seconds = time.perf_counter() - t0
kinds = sorted({p.kind for p in review.problems})
print(json.dumps({"seconds": seconds, "imports": imports, **review.summary(),
                  "pages": sum(len(p) for p in review.text_pages.values()),
                  "problems": f"{len(review.problems)} problems {kinds}"}))
"""

SHARES = [(".pdf", 0.4), (".html", 0.3), (".docx", 0.2), (".md", 0.1)]


def convert(review: Path) -> dict[str, int]:
    """Each source's Markdown notes as a PDF, web page or Word file, in the shares above."""
    notes = sorted((review / "corpus" / "sources").glob("*.md"))
    counts, start = {}, 0
    for suffix, share in SHARES:
        chosen = notes[start:start + round(share * len(notes))] if suffix != ".md" else notes[start:]
        start += len(chosen)
        counts[suffix] = len(chosen)
        for path in chosen if suffix != ".md" else []:
            note = blocks(path.read_text(encoding="utf-8"))
            target = path.with_suffix(suffix)
            {".pdf": lambda note=note, target=target: to_pdf(note, target, f"Reading notes · {note[0][1]}"),
             ".html": lambda note=note, target=target: to_html(note, target),
             ".docx": lambda note=note, target=target: to_docx(note, target)}[suffix]()
            path.unlink()
    return counts


def load(review: Path) -> dict:
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", RUN, str(review)], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--paragraphs", type=int, default=30)
    parser.add_argument("--codings", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-load-") as tmp:
        review = Path(tmp) / "review"
        t0 = time.perf_counter()
        generate(review, sources=args.sources, paragraphs=args.paragraphs, competencies=50, coders=3,
                 codings=args.codings)
        counts = convert(review)
        subprocess.run([str(Path(sys.executable).parent / "litcoder"), "reanchor", str(review)], check=True,
                       capture_output=True, cwd=ROOT)
        size = sum(p.stat().st_size for p in (review / "corpus" / "sources").iterdir()) / 1e6
        print(f"generated a review of {args.sources} sources ({', '.join(f'{n} {s}' for s, n in counts.items())}; "
              f"{size:.1f} MB) and {args.codings:,} codings in {time.perf_counter() - t0:.0f} s")
        cold, warm = [], []
        for i in range(args.runs):
            shutil.rmtree(review / ".litcoder", ignore_errors=True)
            result = load(review)
            cold.append(result["seconds"])
            print(f"cold load {i + 1}: {result['seconds']:.2f} s ({result['passages']:,} passages, "
                  f"{result['pages']:,} PDF pages, {result['codings']:,} codings, {result['problems']}; "
                  f"imports {result['imports']:.2f} s apart)")
        for i in range(args.runs):
            result = load(review)
            warm.append(result["seconds"])
            print(f"warm load {i + 1}: {result['seconds']:.2f} s")
        cold_median, warm_median = statistics.median(cold), statistics.median(warm)
        print(f"\nmedian first load: {cold_median:.2f} s; median second load: {warm_median:.2f} s; "
              f"{cold_median / warm_median:.1f}× faster (target ≥ 10×: "
              f"{'met' if cold_median >= 10 * warm_median else 'NOT met'})")


if __name__ == "__main__":
    main()
