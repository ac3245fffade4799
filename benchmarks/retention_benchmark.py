"""Benchmark: how much of the text the extractors find ends up in the passages.

Target: the passages of a web page keep ≥ 99.5 % of the words of trafilatura's own plain-text
output for that page, and the passages of a Word file ≥ 99.5 % of the words of all its w:t
text outside deletions; a page or file holding much less is reported (a warning).

    .venv/bin/python benchmarks/retention_benchmark.py [--pages 300] [--documents 100] [--seed 7]
                                                       [--real DIR ...]

The pages measured are the saved pages of the test fixtures and the bundled review, pages
generated here with the markup real sites use (nested divs, lists inside paragraphs, tables
inside <pre>, cells holding paragraphs, definition lists, quotes, figures, share buttons and
comment sections), and any saved pages (.html, .htm, .docx) in the --real folders, e.g. a
public evaluation set of web pages. Words are counted as `html.retention` counts them: each as
often as it occurs, so cells glued into one word count as lost. "Passages" are the text
passages are split from (headings are their sections); "before cuts" leaves out the share
buttons and comment sections the reader removes on purpose.
"""

from __future__ import annotations

import argparse
import html as entities
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "texts"
TARGET = 0.995

SUBJECTS = ["The director", "A branch head", "The library board", "The head of collections", "Each team leader",
            "The new manager", "The circulation supervisor", "A senior librarian", "The council", "The staff",
            "Die Leiterin", "La directrice", "Le conseil"]
VERBS = ["sets out", "questions", "negotiates", "reviews", "explains", "protects", "rethinks", "measures",
         "delegates", "defends", "shares", "plans", "prüft", "présente"]
OBJECTS = ["the annual budget", "the staff rota", "a vision for the branch", "the opening hours",
           "the cataloguing backlog", "the outreach programme", "a change in the service", "the book fund",
           "the training plan", "the purpose of the reading room", "the rules for the makerspace",
           "the trust of the volunteers", "das Budget", "le café-lecture", "the 2024–25 plan"]
TAILS = ["before the board meets", "with the whole team", "in plain words", "every quarter",
         "without waiting to be asked", "as the routines require", "when the town changes", "for the next five years",
         "so that nobody is surprised", "while keeping the doors open", "(see p. 12)", "at 9:30 a.m."]
INLINE = [("<a href=\"/notes/{n}\">", "</a>"), ("<em>", "</em>"), ("<strong>", "</strong>"), ("<span class=\"hl\">",
          "</span>"), ("<abbr title=\"x\">", "</abbr>"), ("<i>", "</i>"), ("<b>", "</b>")]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def words(rng: random.Random, low: int, high: int) -> str:
    return entities.escape(" ".join(sentence(rng) for _ in range(rng.randint(low, high))), quote=False)


def inline(rng: random.Random, low: int = 2, high: int = 5) -> str:
    """Sentences with links, emphasis and spans inside, now and then a line break."""
    parts = []
    for _ in range(rng.randint(low, high)):
        text = words(rng, 1, 1)
        if rng.random() < 0.35:
            opening, closing = rng.choice(INLINE)
            cut = text.find(" ", len(text) // 3)
            end = text.find(" ", cut + 1)
            if cut > 0 and end > cut:
                text = text[:cut + 1] + opening.format(n=rng.randint(1, 99)) + text[cut + 1:end] + closing + text[end:]
        parts.append(text)
    joiner = "<br>\n" if rng.random() < 0.1 else " "
    return joiner.join(parts)


def cell(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return entities.escape(rng.choice(OBJECTS).capitalize(), quote=False)
    if kind < 0.7:
        return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
    if kind < 0.85:
        return f"<p>{words(rng, 1, 1)}</p><p>{words(rng, 1, 1)}</p>"
    return f"<span>p. {rng.randint(1, 40)}-{rng.randint(41, 90)}</span>"


def table(rng: random.Random) -> str:
    columns = rng.randint(2, 5)
    head = "".join(f"<th>{entities.escape(rng.choice(OBJECTS).title(), quote=False)}</th>" for _ in range(columns))
    rows = "".join("<tr>" + "".join(f"<td>{cell(rng)}</td>" for _ in range(columns)) + "</tr>"
                   for _ in range(rng.randint(2, 12)))
    return f"<table class=\"data\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def listing(rng: random.Random, depth: int = 0) -> str:
    tag = rng.choice(["ul", "ol"])
    items = []
    for _ in range(rng.randint(2, 6)):
        nested = listing(rng, depth + 1) if depth < 2 and rng.random() < 0.2 else ""
        items.append(f"<li>{inline(rng, 1, 2)}{nested}</li>")
    return f"<{tag}>{''.join(items)}</{tag}>"


def block(rng: random.Random) -> str:
    """One block of an article, in one of the shapes real pages give it."""
    kind = rng.random()
    if kind < 0.45:
        return f"<p>{inline(rng)}</p>"
    if kind < 0.52:
        return f"<h{rng.randint(2, 4)}>{words(rng, 1, 1)[:60]}</h{rng.randint(2, 4)}>"
    if kind < 0.60:
        return listing(rng)
    if kind < 0.65:  # a list deep in layout divs
        return f"<div class=\"col\"><div class=\"inner\"><div>{listing(rng)}</div></div></div>"
    if kind < 0.70:  # a list inside a paragraph (the browser would close the <p>; parsers differ)
        return f"<p>{inline(rng, 1, 2)}\n{listing(rng)}\n{inline(rng, 1, 1)}</p>"
    if kind < 0.76:
        return table(rng)
    if kind < 0.80:  # a statistics package's table pasted inside <pre><code>
        return f"<pre><code>{table(rng)}</code></pre>"
    if kind < 0.84:
        lines = "\n".join(f"{rng.choice(['Leaders', 'Managers', 'Both'])}   {rng.randint(1, 60):>3}   "
                          f"{rng.random():.2f}" for _ in range(rng.randint(3, 8)))
        return f"<pre>Group   n   share\n{lines}</pre>"
    if kind < 0.88:
        return f"<blockquote><p>{inline(rng)}</p><cite>{words(rng, 1, 1)[:40]}</cite></blockquote>"
    if kind < 0.91:
        terms = "".join(f"<dt>{entities.escape(rng.choice(OBJECTS), quote=False)}</dt><dd>{inline(rng, 1, 2)}</dd>"
                        for _ in range(rng.randint(2, 4)))
        return f"<dl>{terms}</dl>"
    if kind < 0.94:
        return f"<figure><img src=\"chart.png\" alt=\"chart\"><figcaption>{words(rng, 1, 1)}</figcaption></figure>"
    if kind < 0.97:  # text straight in divs, broken by <br>, as old site builders write it
        return f"<div class=\"text\">{inline(rng)}<br><br>{inline(rng)}</div>"
    return f"<section><h3>{words(rng, 1, 1)[:50]}</h3><div><p>{inline(rng)}</p></div></section>"


def page(rng: random.Random) -> str:
    title = words(rng, 1, 1)[:70].rstrip(".")
    body = "\n".join(block(rng) for _ in range(rng.randint(6, 30)))
    share = ("<div class=\"sharedaddy\"><h3>Share this:</h3><ul><li><a href=\"#\">Twitter</a></li>"
             "<li><a href=\"#\">Facebook</a></li></ul></div>") if rng.random() < 0.4 else ""
    comments = ("<section id=\"comments\"><h2>2 responses to this post</h2><ol class=\"comment-list\">"
                f"<li><p>{words(rng, 1, 2)}</p></li><li><p>{words(rng, 1, 2)}</p></li></ol>"
                "<h3>Leave a Reply</h3></section>") if rng.random() < 0.4 else ""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} | Branch Notes</title>"
            "<style>body{font-family:serif}</style></head><body>"
            "<header><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about\">About</a></li></ul></nav></header>"
            f"<div id=\"page\"><main><article><h1>{title}</h1><div class=\"entry-meta\">Posted on 3 May 2024</div>"
            f"<div class=\"entry-content\">{body}</div>{share}</article>{comments}</main>"
            "<aside class=\"sidebar\"><h4>Archives</h4><ul><li>May 2024</li><li>April 2024</li></ul></aside></div>"
            "<footer><p>© Branch Notes</p></footer></body></html>")


def word_quirks():
    spec = importlib.util.spec_from_file_location("word_quirks", FIXTURES / "quirks" / "word_quirks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def document(rng: random.Random, quirks) -> bytes:
    """A Word file mixing plain paragraphs with tracked changes, smart tags, content
    controls, tables and text boxes."""
    run, para = quirks.run, quirks.para
    parts = []
    for n in range(rng.randint(8, 40)):
        kind = rng.random()
        text = entities.escape(sentence(rng), quote=False)
        if kind < 0.4:
            parts.append(para(*(run(entities.escape(sentence(rng), quote=False) + " ") for _ in range(3))))
        elif kind < 0.5:
            parts.append(para(run(text), style="Heading2"))
        elif kind < 0.6:
            parts.append(para(run(text + " "), quirks.inserted(entities.escape(sentence(rng), quote=False), n),
                              quirks.deleted(" struck words", 1000 + n)))
        elif kind < 0.7:
            parts.append(para(run("In "), '<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" '
                              f'w:element="place">{run("Leeds")}</w:smartTag>', run(", " + text)))
        elif kind < 0.8:
            parts.append(para(run("By "), f'<w:sdt><w:sdtPr><w:id w:val="{n}"/></w:sdtPr><w:sdtContent>'
                              f'{run("the regional manager")}</w:sdtContent></w:sdt>', run(": " + text)))
        elif kind < 0.9:
            parts.append(para(run(text), quirks.text_box(para(run(entities.escape(sentence(rng), quote=False))),
                                                         shape=n + 1)))
        else:
            rows = "".join(f"<w:tr><w:tc>{para(run(entities.escape(rng.choice(OBJECTS), quote=False)))}</w:tc>"
                           f"<w:tc>{para(run(str(rng.randint(1, 99))))}</w:tc></w:tr>" for _ in range(3))
            parts.append(f"<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{rows}</w:tbl>")
    return quirks.word_file("".join(parts))


def measure_page(path: Path) -> dict:
    import trafilatura

    from litcoder.inputs.extract import extract
    from litcoder.inputs.extract import html as reader
    from litcoder.problems import ProblemLog

    result = extract(path, path.name)
    html = reader.page_markup(path.read_bytes(), ProblemLog(path.name)) or ""
    found = trafilatura.extract(html, output_format="txt", **reader.TRAFILATURA_OPTIONS) or ""
    document = trafilatura.bare_extraction(html, with_metadata=False, **reader.TRAFILATURA_OPTIONS) if found else None
    before = "\n\n".join(reader.page_blocks(document.body)) if document is not None else ""
    return _row(path, result, found, before)


def measure_document(path: Path) -> dict:
    import io

    import docx

    from litcoder.inputs.extract import docx as reader
    from litcoder.inputs.extract import extract

    result = extract(path, path.name)
    found = reader.found_text(docx.Document(io.BytesIO(path.read_bytes())).element.body)
    return _row(path, result, found, result.text)


def _row(path: Path, result, found: str, before: str) -> dict:
    from litcoder.inputs.extract.html import retention

    held, total = retention(result.text, found)
    held_before, _ = retention(before, found)
    return {"file": path.name, "found": total, "held": held, "held_before_cuts": held_before,
            "reported": [p.kind for p in result.problems if p.kind.endswith("-retention")]}


def summary(label: str, rows: list[dict]) -> None:
    rows = [r for r in rows if r["found"]]
    found = sum(r["found"] for r in rows)
    held = sum(r["held"] for r in rows)
    before = sum(r["held_before_cuts"] for r in rows)
    shares = [r["held"] / r["found"] for r in rows]
    low = [r for r in rows if r["held"] / r["found"] < TARGET]
    print(f"{label}: {len(rows)} files, {found:,} words found by the extractor")
    cuts = f" ({before / found:.3%} before share buttons and comment sections are cut)" if before != held else ""
    print(f"  passages hold {held / found:.3%} of them{cuts}; median file {statistics.median(shares):.2%}, "
          f"lowest {min(shares):.2%}")
    print(f"  below {TARGET:.1%}: {len(low)} file(s); reported: {sum(bool(r['reported']) for r in rows)}")
    for r in sorted(low, key=lambda r: r["held"] / r["found"])[:10]:
        print(f"    {r['file']}: {r['held'] / r['found']:.2%} ({r['found'] - r['held']} of {r['found']} words left out)"
              f"{' — reported' if r['reported'] else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="web pages to generate")
    parser.add_argument("--documents", type=int, default=100, help="Word files to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real", type=Path, nargs="*", default=[], help="folders of saved pages or Word files")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    rng = random.Random(args.seed)
    quirks = word_quirks()
    with tempfile.TemporaryDirectory() as folder:
        made = Path(folder)
        for n in range(args.pages):
            (made / f"page-{n:04d}.html").write_text(page(rng), encoding="utf-8")
        for n in range(args.documents):
            (made / f"document-{n:04d}.docx").write_bytes(document(rng, quirks))
        quirks.write_all(made)
        ours = sorted(FIXTURES.glob("**/*.html")) + sorted((ROOT / "corpus" / "sources").glob("*.html"))
        generated = sorted(made.glob("*.html"))
        t0 = time.perf_counter()
        pages = [measure_page(p) for p in ours + generated]
        documents = [measure_document(p) for p in sorted(made.glob("*.docx"))
                     + sorted((ROOT / "corpus" / "sources").glob("*.docx"))]
        real = [p for folder in args.real for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in
                (".html", ".htm", ".docx")]
        real_rows = [measure_document(p) if p.suffix.lower() == ".docx" else measure_page(p) for p in real]
        seconds = time.perf_counter() - t0
    summary(f"web pages (ours: {len(ours)}, generated: {len(generated)})", pages)
    summary("Word files (generated, quirk fixtures, bundled)", documents)
    if real_rows:
        summary(f"real files from {', '.join(str(f) for f in args.real)}", real_rows)
    print(f"measured in {seconds:.1f} s")


if __name__ == "__main__":
    main()
