"""outputs/sources/<citekey>.html: each source's passages in context, its coded spans marked.

An evidence card's quote links to its passage here, so a member can read what surrounds
it. Each passage shows its paragraph number and page, its text with every counted coding's
span highlighted (hover names the competency, framing and coders), and the list of its
codings, each linking back to the competency's card in report.html.
"""

from __future__ import annotations

import html
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from ..files import write_atomic

FOLDER = "sources"
WRITERS = 8
"""Files written at once: a review of 2,000 sources writes 2,000 pages."""
"""The folder of outputs/ that holds the source pages."""

STYLE = """
body { margin: 0 auto; max-width: 46rem; padding: 1rem 1.25rem 3rem; color: #1d1d1f;
       font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
h1 { font-size: 1.3rem; line-height: 1.35; margin: .5rem 0; }
.reference { color: #5f6368; }
section { border-top: 1px solid #d9d9de; padding: .5rem 0 .75rem; scroll-margin-top: 1rem; }
section:target { background: #fff8d6; box-shadow: 0 0 0 .5rem #fff8d6; }
.where { font-size: .85rem; color: #5f6368; font-weight: 600; }
.text { white-space: pre-wrap; margin: .25rem 0 .5rem; }
mark { background: #e3ecf8; border-bottom: 2px solid #0072B2; padding: 0 1px; }
mark.management { background: #fbe6da; border-bottom-color: #D55E00; }
mark.both { background: #f6e3ee; border-bottom-color: #CC79A7; }
mark.neither { background: #ececec; border-bottom-color: #7a7a7a; border-bottom-style: dashed; }
mark.several { background: #fff1a8; border-bottom: 2px double #1d1d1f; }
ul.codings { margin: 0; padding-left: 1.1rem; font-size: .9rem; }
a { color: #0b57d0; }
"""


def source_pages(review, codings: pd.DataFrame, cite: dict[str, str]) -> dict[str, str]:
    """Page name → HTML, one page per source with text.

    `codings` are the counted codings with their coders' own framings (no settled absences).
    """
    labels = dict(zip(review.codebook["competency"].tolist(), review.codebook["label"].tolist()))
    references = dict(zip(review.sources["citekey"].tolist(), review.sources["reference_html"].tolist()))
    by_passage: dict[str, list[dict]] = {}
    columns = ["passage_id", "start", "end", "competency", "framing", "coder", "anchored"]
    ordered = codings.sort_values(["passage_id", "start", "competency", "coder"])
    for values in zip(*(ordered[c].tolist() for c in columns)):  # lists: far faster than rows
        coding = dict(zip(columns, values))
        by_passage.setdefault(coding["passage_id"], []).append(coding)
    # each competency's link and each framing as HTML once, not once per coding
    escaped = ({c: f'<a href="../report.html#c-{html.escape(c)}">{html.escape(labels.get(c, c))}</a>'
                for c in codings["competency"].unique().tolist()},
               {f: html.escape(f) for f in codings["framing"].unique().tolist()})
    bodies: dict[str, list[str]] = {}
    passages = review.passages.sort_values(["citekey", "passage"], kind="stable")
    for citekey, number, page, start, end, passage_id in zip(
            *(passages[c].tolist() for c in ("citekey", "passage", "page", "start", "end", "passage_id"))):
        text = review.texts.get(citekey, "")
        bodies.setdefault(citekey, []).append(
            _passage(number, page, start, end, text, by_passage.get(passage_id, []), labels, escaped))
    return {page_name(citekey): _page(cite.get(citekey, citekey), references.get(citekey, ""), "".join(body))
            for citekey, body in bodies.items()}


def _page(cited: str, reference: str, body: str) -> str:
    title = html.escape(cited)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n"
            f'<p><a href="../report.html">← the report</a></p>\n<h1>{title}</h1>\n'
            f'<p class="reference">{reference}</p>\n'
            f'<p class="reference">Marked: the words each coding quotes (hover for the competency); the '
            f"codings of a paragraph are listed under it.</p>\n{body}</body>\n</html>\n")


_UNSAFE = re.compile(r"[^\w.-]")


def page_name(citekey: str) -> str:
    """The file of a source's page: its citekey made safe as a file name."""
    return f"{_UNSAFE.sub('_', citekey)}.html"


def passage_anchor(passage) -> str:
    return f"p{int(passage)}"


def _passage(number: int, page, start: int, end: int, text: str, codings: list[dict],
             labels: dict[str, str], escaped: tuple[dict[str, str], dict[str, str]]) -> str:
    """One passage's section; `escaped`: each competency's link, and each framing, as HTML."""
    where = f"¶ {number}"
    if page is not None and not pd.isna(page):
        where += f" · p. {html.escape(str(page))}"
    if not codings:  # most passages: only their text
        return (f'<section id="{passage_anchor(number)}"><div class="where">{where}</div>'
                f'<div class="text">{html.escape(text[start:end])}</div></section>\n')
    spans = [c for c in codings if c["anchored"] and start <= c["start"] < c["end"] <= end]
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in codings:  # one line per competency and framing, naming its coders
        coder = c["coder"] if c["anchored"] else c["coder"] + ": quote not found in the text"
        grouped.setdefault((c["competency"], c["framing"]), []).append(coder)
    links, framings = escaped
    listed = "".join(
        f"<li>{links[competency]}: {framings[framing]} ({html.escape(', '.join(dict.fromkeys(coders)))})</li>"
        for (competency, framing), coders in sorted(grouped.items()))
    return (f'<section id="{passage_anchor(number)}"><div class="where">{where}</div>'
            f'<div class="text">{_marked(text, start, end, spans, labels)}</div>'
            f'{f"<ul class=codings>{listed}</ul>" if listed else ""}</section>\n')


def _marked(text: str, start: int, end: int, spans: list[dict], labels: dict[str, str]) -> str:
    """The passage's text with each stretch that codings quote wrapped in <mark>."""
    if not spans:
        return html.escape(text[start:end])
    cuts = sorted({start, end, *(c["start"] for c in spans), *(c["end"] for c in spans)})
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = html.escape(text[a:b])
        over = [c for c in spans if c["start"] <= a and b <= c["end"]]
        if not over:
            out.append(piece)
            continue
        framings = {c["framing"] for c in over}
        kind = framings.pop() if len(framings) == 1 else "several"
        names = "; ".join(sorted({f"{labels.get(c['competency'], c['competency'])}: {c['framing']} ({c['coder']})"
                                  for c in over}))
        out.append(f'<mark class="{kind}" title="{html.escape(names)}">{piece}</mark>')
    return "".join(out)


def write_source_pages(pages: dict[str, str], folder: Path) -> list[Path]:
    """Write the pages, and remove pages of sources no longer in the review (the folder is
    derived, so a stale page would only mislead)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / name for name in pages]
    with ThreadPoolExecutor(WRITERS) as pool:  # creating thousands of files waits on the disk, not the CPU
        list(pool.map(_write_changed, written, pages.values()))
    for stale in folder.glob("*.html"):
        if stale.name not in pages:
            stale.unlink()
    return written


def _write_changed(path: Path, page: str) -> None:
    """Write the page unless the file already holds it: a rebuild rewrites only the pages of
    sources whose text or codings changed (reading one is some twenty times faster than
    replacing it), and leaves the others' modification times alone."""
    data = page.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:  # not there yet, or not readable: written anew
        pass
    write_atomic(path, data)
