"""Generate a review of a chosen size, with the quirks real inputs have, for benchmarks.

    python benchmarks/generate_review.py OUT --sources 2000 --paragraphs 20 \
        --competencies 100 --coders 4 --codings 100000

The bibliography uses @string macros, month macros, `#` concatenation and LaTeX accents;
texts are Markdown with headings and wrapped lines; each source is coded by two or three
coders who mostly, not always, agree. Seeded: the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import yaml

WORDS = ["leader", "manager", "vision", "budget", "plan", "staff", "change", "team", "goal", "library", "service",
         "people", "direction", "control", "report", "schedule", "resource", "mission", "trust", "coach", "decide",
         "organise", "measure", "improve", "inspire", "policy", "process", "patron", "board", "community", "growth",
         "future", "risk", "structure", "task"]
ACCENTED = [r"M{\"u}ller", r"Garc{\'\i}a", r"Ni{\~n}o", r"Fran{\c{c}}ois", r"Dvo{\v{r}}{\'a}k", "Smith", "Lee",
            "Okafor"]
FRAMINGS = ["leadership", "management", "both", "neither"]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    sentences = [_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(3, 6))]
    text = " ".join(sentences)
    # wrap some paragraphs as editors do
    if rng.random() < 0.5:
        words, lines, line = text.split(" "), [], []
        for w in words:
            line.append(w)
            if sum(len(x) + 1 for x in line) > 78:
                lines.append(" ".join(line))
                line = []
        lines.append(" ".join(line))
        text = "\n".join(wrapped for wrapped in lines if wrapped)
    return text


def generate(out: Path, sources: int = 2000, paragraphs: int = 20, competencies: int = 100,
             coders: int = 4, codings: int = 100_000, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out = Path(out)
    (out / "corpus" / "sources").mkdir(parents=True, exist_ok=True)
    (out / "corpus" / "codings").mkdir(parents=True, exist_ok=True)
    keys = [f"Author{i:05d}Y{1950 + i % 70}" for i in range(sources)]

    bib = ['@string{jlm = "Journal of Library Management"}', '@string{lls = "Library Leadership Studies"}', ""]
    for i, key in enumerate(keys):
        authors = " and ".join(f"{rng.choice(ACCENTED)}, {rng.choice(['Ana', 'J. P.', 'Jean-Paul', 'Kim'])}"
                               for _ in range(rng.randint(1, 4)))
        kind = rng.choice(["article", "book", "incollection", "article"])
        fields = [f"  author = {{{authors}}}",
                  f"  title = {{On {rng.choice(WORDS)} and {rng.choice(WORDS)} in libraries}}",
                  f"  year = {{{1950 + i % 70}}}", f"  month = {rng.choice(['jan', 'may', 'sep', 'dec'])}"]
        if kind == "article":
            fields += [f"  journal = {rng.choice(['jlm', 'lls'])} # {{ (Special issue)}}",
                       f"  volume = {{{i % 40 + 1}}}",
                       f"  pages = {{{i % 90 + 1}--{i % 90 + 12}}}", f"  doi = {{10.5555/bench.{i}}}"]
        elif kind == "book":
            fields += ["  publisher = {Harper \\& Row}"]
        else:
            fields += ["  booktitle = {Papers on {L}ibrary Administration}", "  publisher = {ALA Editions}"]
        opener = "(" if i % 97 == 0 else "{"
        closer = ")" if opener == "(" else "}"
        bib.append(f"@{kind}{opener}{key},\n" + ",\n".join(fields) + f"\n{closer}\n")
    (out / "references.bib").write_text("\n".join(bib), encoding="utf-8")

    passages: dict[str, list[str]] = {}
    for key in keys:
        paras = [_paragraph(rng) for _ in range(paragraphs)]
        passages[key] = paras
        body = [f"# Notes on {key}", ""]
        for j, p in enumerate(paras):
            if j and j % 8 == 0:
                body += [f"## Part {j // 8 + 1}", ""]
            body += [p, ""]
        (out / "corpus" / "sources" / f"{key}.md").write_text("\n".join(body), encoding="utf-8")

    groups = []
    sides = {}
    for g in range(max(1, competencies // 10)):
        items = []
        for c in range(10):
            n = g * 10 + c
            if n >= competencies:
                break
            cid = f"competency-{n:03d}"
            sides[cid] = rng.choice(["leadership", "management", "leadership", "management", "both", "neither"])
            items.append({"id": cid, "label": f"Competency {n}", "definition": _sentence(rng, 12),
                          "indicators": [_sentence(rng, 4) for _ in range(3)], "examples": [_sentence(rng, 10)],
                          "classification": sides[cid] if sides[cid] != "neither" else "contested"})
        groups.append({"id": f"group-{g}", "label": f"Group {g}", "description": _sentence(rng, 8),
                       "competencies": items})
    (out / "corpus" / "codebook.yaml").write_text(
        yaml.safe_dump({"title": "Benchmark codebook", "groups": groups}, sort_keys=False, allow_unicode=True),
        encoding="utf-8")

    coder_names = [f"coder-{chr(97 + i)}" for i in range(coders)]
    assigned = {key: rng.sample(coder_names, rng.randint(2, min(3, coders))) for key in keys}
    competency_ids = list(sides)
    # As in a real literature, a source leans one way: it mostly writes about, and codes to,
    # the competencies of its side (Fayol on management functions, Burns on leadership).
    by_side = {side: [c for c in competency_ids if sides[c] == side] or competency_ids for side in set(sides.values())}
    leaning = {key: rng.choice(["leadership", "management", "leadership", "management", "both"]) for key in keys}
    rows: dict[str, list] = {c: [] for c in coder_names}
    made = 0
    while made < codings:
        key = rng.choice(keys)
        number = rng.randrange(paragraphs) + 1
        competency = rng.choice(by_side.get(leaning[key], competency_ids) if rng.random() < 0.7 else competency_ids)
        words = passages[key][number - 1].split()
        start = rng.randrange(max(1, len(words) - 8))
        quote = " ".join(words[start:start + rng.randint(4, 8)])
        for coder in assigned[key]:
            if made >= codings:
                break
            framing = sides[competency] if rng.random() < 0.8 else rng.choice(FRAMINGS)
            rows[coder].append([key, number, quote, competency, framing])
            made += 1
    for coder, coder_rows in rows.items():
        with open(out / "corpus" / "codings" / f"{coder}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["id", "citekey", "passage", "quote", "competency", "framing", "memo", "coded_at"])
            for i, (key, number, quote, competency, framing) in enumerate(coder_rows, 1):
                writer.writerow([f"{coder}-{i:06d}", key, number, quote, competency, framing,
                                 "close call" if i % 50 == 0 else "",
                                 f"2026-10-{1 + i % 28:02d}T10:{i % 60:02d}:00+00:00"])

    (out / "corpus" / "coverage").mkdir(exist_ok=True)
    for coder in coder_names:  # most of their sources finished, a few still in progress
        finished = [k for k in keys if coder in assigned[k] and rng.random() < 0.9]
        (out / "corpus" / "coverage" / f"{coder}.csv").write_text(
            "citekey,finished_at\n" + "".join(f"{k},2026-11-01T12:00:00+00:00\n" for k in finished), encoding="utf-8")

    with open(out / "corpus" / "decisions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["competency", "classification", "decided_on", "decided_by", "rationale"])
        for cid in competency_ids[:20]:
            writer.writerow([cid, rng.choice(FRAMINGS), "2026-11-01", "full committee", "Benchmark ruling."])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--paragraphs", type=int, default=20)
    parser.add_argument("--competencies", type=int, default=100)
    parser.add_argument("--coders", type=int, default=4)
    parser.add_argument("--codings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.sources, args.paragraphs, args.competencies, args.coders, args.codings, args.seed)
    print(f"generated {args.out}")


if __name__ == "__main__":
    main()
