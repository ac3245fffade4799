"""Benchmark: reading generated BibTeX bibliographies with realistic quirks.

Target (issues 6 and 12): litcoder's read (import report, its own line numbers, macros,
concatenation, month macros, crossref and xdata inheritance, LaTeX decoding of the shown
fields, names by the BibTeX rules, author-year labels, APA references) takes ≤ 1.5× the time
of bibtexparser's own default parse of the same files.

Two bibliographies are timed: "simple" (one file, issue 6's mix) and "real-world mix" (issue
12: a file of @string macros read before the entries' file, crossref parents, biblatex
@xdata, logos and other commands in titles, nested braces, long abstracts and line-end
backslashes, as large community bibliographies have them).

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

from litcoder.inputs import bibliography
from litcoder.inputs.bibliography import read_bibliography, read_bibtex_rows, sources_frame
from litcoder.inputs.latex import latex_to_text

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


JOURNALS = {"jlm": "Journal of Library Management", "or": "Operations Research", "dam": "Discrete Applied Mathematics",
            "tcs": "Theoretical Computer Science", "cacm": "Communications of the {ACM}"}
TITLE_PIECES = [r"\texttt{Java}", r"\TeX", r"\LaTeX{}", r"\BibTeX", r"\mbox{$k$-trees}", r"$O(n \log n)$",
                r"{\em Leading} change", r"{{DNA}} {\'e}tudes", r"Library~Services", r"\textsf{R} packages"]
NAMES = [r"{\'{E}}adaoin W Griffin", r"A N\'{u}\~{n}ez", r"M{\"u}ller, J{\"o}rg", "van der Berg, Anna",
         "Jean-Paul Sartre", r"{\O}stergaard, Niels", "Kotter, John P.", "De la Fontaine, Jean"]


def generate_mix(defs: Path, papers: Path, entries: int, seed: int = 12) -> None:
    """The real-world mix: macros in a file of their own, entries (a tenth of them crossref
    parents, a few @xdata) in the next."""
    rng = random.Random(seed)
    defs.write_text("".join(f'@string{{{k} = "{v}"}}\n' for k, v in JOURNALS.items()), encoding="utf-8")
    out = ["% This file was created with JabRef 2.10.", "% Encoding: UTF8", "",
           "@xdata{press, publisher = {Library Press}, location = {Chicago}}", ""]
    parents = max(entries // 10, 1)
    for i in range(parents):
        out.append(f"@proceedings{{conf{i},\n  editor = {{Chair, Carla}},\n  title = {{Proceedings of the "
                   f"{i}th Conference on {{Library}} Leadership}},\n  year = {{{1990 + i % 35}}},\n"
                   f"  publisher = {{Conference Press}}\n}}\n")
    for i in range(entries - parents):
        people = " and ".join(rng.choice(NAMES) for _ in range(rng.randint(1, 6)))
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        title = f"{words.capitalize()} with {rng.choice(TITLE_PIECES)} and {{{{nested {{Braces}}}}}}"
        fields = [f"  author = {{{people}}}", f"  title = {{{title}}}"]
        kind = ("inproceedings", "article", "book")[i % 3]
        if kind == "inproceedings":
            fields += [f"  crossref = {{conf{i % parents}}}", f"  pages = {{{i % 300}--{i % 300 + 9}}}"]
        elif kind == "article":
            fields += [f"  journal = {rng.choice(list(JOURNALS))}", f"  year = {1970 + i % 55}",
                       f"  volume = {{{i % 60}}}", f"  doi = {{10.1234/mix.{i}}}"]
        else:
            fields += [f"  year = {{{1960 + i % 65}}}", "  xdata = {press}"]
        if i % 4 == 0:  # an abstract of a few hundred words, its lines ending in backslashes
            fields.append("  abstract = {" + "\\\\\n    ".join(" ".join(rng.choice(WORDS) for _ in range(25))
                                                                  for _ in range(12)) + "}")
        out.append(f"@{kind}{{mix{i:06d},\n" + ",\n".join(fields) + "\n}\n")
    papers.write_text("\n".join(out), encoding="utf-8")


def read_files(paths: list[Path]):
    """litcoder's load of reference files in order, @string macros passed on (as read_sources does)."""
    rows, strings = [], {}
    for path in paths:
        rows += read_bibtex_rows(path, path.name, strings=strings)[0]
    return sources_frame(rows)


def forget() -> None:
    """Empty litcoder's caches of decoded text and names, so each run reads as a first load does."""
    latex_to_text.cache_clear()
    bibliography._person.cache_clear()
    bibliography._plain_person.cache_clear()


def time_both(paths: list[Path], runs: int) -> dict[str, tuple[float, float]]:
    """Medians (s) of bibtexparser's default parse of the files and of litcoder's load of them,
    in wall-clock time and in CPU time (the fairer of the two on a machine others share), the
    two taken in turn in each run."""
    times: dict[str, list[tuple[float, float]]] = {"plain": [], "ours": []}
    for _ in range(runs):
        for label, read in (("plain", lambda: [bibtexparser.parse_file(str(p)) for p in paths]),
                            ("ours", lambda: read_files(paths))):
            forget()
            wall, cpu = time.perf_counter(), time.process_time()
            read()
            times[label].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {label: (statistics.median(w for w, _ in pairs), statistics.median(c for _, c in pairs))
            for label, pairs in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "references.bib"
        generate(path, args.entries)
        defs, papers = Path(tmp) / "defs.bib", Path(tmp) / "papers.bib"
        generate_mix(defs, papers, args.entries)
        sources, log, report = read_bibliography(path, "references.bib")
        print(f"simple: {args.entries:,} entries, {path.stat().st_size / 1e6:.1f} MB ({report.summary()}; "
              f"{len(log)} problems)")
        print(f"real-world mix: {args.entries:,} entries, {(defs.stat().st_size + papers.stat().st_size) / 1e6:.1f} MB")
        for label, paths in (("simple", [path]), ("real-world mix", [defs, papers])):
            medians = time_both(paths, args.runs)
            for i, clock in enumerate(("wall", "CPU")):
                plain, ours = medians["plain"][i], medians["ours"][i]
                print(f"{label} ({clock}): bibtexparser default parse median {plain:.2f} s, litcoder load median "
                      f"{ours:.2f} s, ratio {ours / plain:.2f} (target ≤ 1.5)")

if __name__ == "__main__":
    main()
