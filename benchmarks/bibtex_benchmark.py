"""Benchmark: reading a 20,000-entry BibTeX file with realistic quirks.

Target (issue 6): litcoder's read (import report, macros, concatenation, month macros,
LaTeX decoding of the shown fields, author-year labels, APA references) takes ≤ 1.5× the time
of bibtexparser's own default parse of the same file.

    .venv/bin/python benchmarks/bibtex_benchmark.py [--entries 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import bibtexparser

from litcoder.inputs.bibliography import read_bibliography

SURNAMES = [r"M{\"u}ller", r"Garc{\'\i}a", "Kotter", r"Fran{\c{c}}ois", "Okafor", "van der Berg", "Smith",
            r"{\O}stergaard"]
GIVEN = ["Ana", "J. P.", "Jean-Paul", "Kim", r"{\'E}mile", "Lee"]
WORDS = ["leadership", "management", "library", "staff", "change", "vision", "budget", "planning", "service", "team"]


def generate(path: Path, entries: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    out = ['@string{jlm = "Journal of Library Management"}', '@preamble{"\\newcommand{\\noopsort}[1]{}"}', ""]
    for i in range(entries):
        people = " and ".join(f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}" for _ in range(rng.randint(1, 5)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
        kind = rng.choice(["article", "book", "incollection", "inproceedings", "misc"])
        opener, closer = ("(", ")") if i % 50 == 0 else ("{", "}")
        fields = [f"  author = {{{people}}}", f"  title = {{{{{title}}}: a {{DNA}} study}}",
                  f"  year = {1950 + i % 75}", f"  month = {rng.choice(['jan', 'feb', 'mar', 'oct'])}"]
        if kind == "article":
            fields += [f"  journal = jlm # {{, Special issue {i % 9}}}", f"  volume = {{{i % 60}}}",
                       f"  pages = {{{i % 300}--{i % 300 + 12}}}", f"  doi = {{10.1234/lib.{i}}}"]
        else:
            fields += ["  publisher = {Harper \\& Row}", "  address = {New York}"]
        if i % 10 == 0:
            fields.append("  note = {Reprinted with permission, 50\\% of the text revised}")
        if i % 200 == 0:
            fields.append("  abstract = {A long abstract " + "with many words " * 30 + "}")
        out.append(f"@{kind}{opener}key{i:06d},\n" + ",\n".join(fields) + f"\n{closer}\n")
        if i % 500 == 0:
            out.append("% a comment line between entries\n")
    path.write_text("\n".join(out), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "references.bib"
        generate(path, args.entries)
        print(f"{args.entries:,} entries, {path.stat().st_size / 1e6:.1f} MB")
        plain, ours = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            library = bibtexparser.parse_file(str(path))
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            sources, log, report = read_bibliography(path, "references.bib")
            ours.append(time.perf_counter() - start)
        print(f"bibtexparser default parse: median {statistics.median(plain):.2f} s ({len(library.entries)} entries)")
        print(f"litcoder read_bibliography: median {statistics.median(ours):.2f} s ({report.summary()}; "
              f"{len(log)} problems)")
        print(f"ratio: {statistics.median(ours) / statistics.median(plain):.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
