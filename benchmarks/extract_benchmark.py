"""Benchmark: extracting the text of 500 sources in mixed formats, cold and from the cache.

Targets: the first (cold) extraction of 500 sources — 200 PDFs of 5–10 pages, 150 saved web
pages, 100 Word files and 50 plain texts in assorted encodings — takes ≤ 60 s, and a second
load of the unchanged sources (warm: from the cache) is ≥ 10× faster.

    .venv/bin/python benchmarks/extract_benchmark.py [--runs 3] [--pdf 200 --html 150 --docx 100 --txt 50]

Each run is a fresh process (cold: with an empty cache folder; warm: with the cache a cold
run left), timing the extraction of every source with `extract_cached`; the script prints
each run's time and the medians. Module imports are timed apart.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from litcoder.inputs.extract import extract_cached
import pypdf, docx, trafilatura, charset_normalizer  # imported lazily by extract; timed apart here
imports = time.perf_counter() - t0
sources, cache = Path(sys.argv[1]), Path(sys.argv[2])
paths = sorted(p for p in sources.iterdir() if p.is_file())
t0 = time.perf_counter()
chars = problems = pages = 0
for path in paths:
    result = extract_cached(path, path.name, cache)
    chars += len(result.text)
    pages += len(result.pages or [])
    problems += len(result.problems)
print(json.dumps({"seconds": time.perf_counter() - t0, "imports": imports, "files": len(paths),
                  "chars": chars, "pages": pages, "problems": problems}))
"""

# Words to make up sentences from (about running and leading libraries), so that every
# source has text of its own.
SUBJECTS = ["The director", "A branch head", "The library board", "The head of collections", "Each team leader",
            "The new manager", "The circulation supervisor", "A senior librarian", "The council", "The staff"]
VERBS = ["sets out", "questions", "negotiates", "reviews", "explains", "protects", "rethinks", "measures",
         "delegates", "defends", "shares", "plans"]
OBJECTS = ["the annual budget", "the staff rota", "a vision for the branch", "the opening hours",
           "the cataloguing backlog", "the outreach programme", "a change in the service", "the book fund",
           "the training plan", "the purpose of the reading room", "the rules for the makerspace",
           "the trust of the volunteers"]
TAILS = ["before the board meets", "with the whole team", "in plain words", "every quarter",
         "without waiting to be asked", "as the routines require", "when the town changes", "for the next five years",
         "so that nobody is surprised", "while keeping the doors open"]
ACCENTED = ["café", "naïve", "résumé", "rôle", "Führung", "señora", "déjà vu", "façade", "Größe", "élan"]


def sentence(rng: random.Random, accents: bool = False) -> str:
    words = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    if accents and rng.random() < 0.4:
        words += f", a {rng.choice(ACCENTED)} of sorts"
    return words + "."


def paragraph(rng: random.Random, accents: bool = False, sentences: tuple[int, int] = (3, 7)) -> str:
    return " ".join(sentence(rng, accents) for _ in range(rng.randint(*sentences)))


def make_pdf(path: Path, rng: random.Random) -> None:
    from fpdf import FPDF

    class Article(FPDF):
        def header(self):
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, "Journal of Branch Library Practice", align="C", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Article(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pages = rng.randint(5, 10)
    while pdf.page_no() < pages or pdf.get_y() < 200:
        if rng.random() < 0.15:
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(0, 8, f"Section {pdf.page_no()}: {rng.choice(OBJECTS)}")
            pdf.ln(2)
        pdf.set_font("Times", size=11)
        pdf.multi_cell(0, 5.5, paragraph(rng), align="J")
        pdf.ln(3)
        if pdf.page_no() > pages:
            break
    pdf.output(str(path))


def make_html(path: Path, rng: random.Random) -> None:
    title = f"{rng.choice(SUBJECTS)} and {rng.choice(OBJECTS)}"
    body = "\n".join(f"<h2>{rng.choice(OBJECTS).capitalize()}</h2>" if rng.random() < 0.15 else
                     f"<p>{paragraph(rng, accents=True)}</p>" for _ in range(rng.randint(8, 20)))
    comments = "\n".join(f'<li class="comment"><p>{sentence(rng)}</p></li>' for _ in range(rng.randint(0, 6)))
    encoding = rng.choice(["utf-8", "utf-8", "windows-1252"])
    page = f"""<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{title}</title>
<style>body {{ font-family: serif }}</style><script>var views = {rng.randint(1, 999)};</script></head>
<body><header><nav><a href="/">Home</a> <a href="/archive">Archive</a> <a href="/about">About</a></nav></header>
<main><article><h1>{title}</h1>{body}</article>
<div class="share-buttons"><a>Share on Twitter</a> <a>Share on Facebook</a></div>
<section id="comments"><h2>{rng.randint(0, 6)} responses to {title}</h2><ol class="comment-list">{comments}</ol>
<div id="respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></section></main>
<footer><p>© The Stacks</p></footer></body></html>"""
    path.write_bytes(page.encode(encoding, errors="replace"))


def make_docx(path: Path, rng: random.Random) -> None:
    import docx

    document = docx.Document()
    document.add_heading(f"{rng.choice(SUBJECTS)} and {rng.choice(OBJECTS)}", 0)
    for _ in range(rng.randint(10, 30)):
        if rng.random() < 0.15:
            document.add_heading(rng.choice(OBJECTS).capitalize(), rng.choice([1, 2]))
        else:
            document.add_paragraph(paragraph(rng, accents=True))
    if rng.random() < 0.5:
        table = document.add_table(rows=3, cols=2)
        for r in range(3):
            table.cell(r, 0).text = rng.choice(OBJECTS)
            table.cell(r, 1).text = rng.choice(["leadership", "management", "both"])
    document.save(str(path))


def make_txt(path: Path, rng: random.Random, encoding: str) -> None:
    text = "\n\n".join(paragraph(rng, accents=True) for _ in range(rng.randint(5, 25))) + "\n"
    if encoding == "mac_roman":
        text = text.replace("\n", "\r")
    path.write_bytes(text.encode(encoding, errors="replace"))


def generate(folder: Path, pdf: int, html: int, docx: int, txt: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(pdf):
        make_pdf(folder / f"article{i:03d}.pdf", rng)
    for i in range(html):
        make_html(folder / f"post{i:03d}.html", rng)
    for i in range(docx):
        make_docx(folder / f"report{i:03d}.docx", rng)
    encodings = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "mac_roman"]
    for i in range(txt):
        make_txt(folder / f"notes{i:03d}.{'md' if i % 2 else 'txt'}", rng, encodings[i % len(encodings)])


def run(sources: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN, str(sources), str(cache)], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf", type=int, default=200)
    parser.add_argument("--html", type=int, default=150)
    parser.add_argument("--docx", type=int, default=100)
    parser.add_argument("--txt", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-extract-") as tmp:
        sources = Path(tmp) / "sources"
        sources.mkdir()
        t0 = time.perf_counter()
        generate(sources, args.pdf, args.html, args.docx, args.txt)
        size = sum(p.stat().st_size for p in sources.iterdir()) / 1e6
        print(f"generated {args.pdf + args.html + args.docx + args.txt} sources ({size:.1f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
        cold, warm = [], []
        for i in range(args.runs):
            result = run(sources, Path(tmp) / f"cache{i}")
            cold.append(result["seconds"])
            print(f"cold run {i + 1}: {result['seconds']:.2f} s ({result['files']} files, {result['pages']} PDF pages, "
                  f"{result['chars'] / 1e6:.1f} M characters, {result['problems']} problems; "
                  f"imports {result['imports']:.2f} s apart)")
        for i in range(args.runs):
            result = run(sources, Path(tmp) / "cache0")
            warm.append(result["seconds"])
            print(f"warm run {i + 1}: {result['seconds']:.3f} s")
        cold_median, warm_median = statistics.median(cold), statistics.median(warm)
        print(f"\nmedian cold: {cold_median:.2f} s (target ≤ 60 s: {'met' if cold_median <= 60 else 'NOT met'})")
        print(f"median warm: {warm_median:.3f} s, {cold_median / warm_median:.0f}× faster "
              f"(target ≥ 10×: {'met' if cold_median >= 10 * warm_median else 'NOT met'})")


if __name__ == "__main__":
    main()
