"""outputs/sources/<citekey>.html: each source's passages in context, its coded spans marked.

An evidence card's quote links to its passage here, so a member can read what surrounds
it. Each passage shows its paragraph number and page, its text with every counted coding's
span highlighted (hover names the competency, framing and coders), and the list of its
codings, each linking back to the competency's card in report.html.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from ..files import code_version, write_atomic
from ..layout import CACHE, derived_folder_problem

FOLDER = "sources"
"""The folder of outputs/ that holds the source pages."""
WRITERS = 8
"""Files written at once: a review of 2,000 sources writes 2,000 pages."""
MANIFESTS = f"{CACHE}/outputs"
"""Where a build keeps, for each derived folder of outputs/, what each file there was last
made from (its fingerprint) and the file as then written (size, modification time): one
JSON file per folder (`sources.json`, …), beside the extracted texts in this machine's
cache, so that outputs/ holds only the outputs."""


STYLE = """
body { margin: 0 auto; max-width: 46rem; padding: 1rem 1.25rem 3rem; color: #1d1d1f;
       font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
h1 { font-size: 1.3rem; line-height: 1.35; margin: .5rem 0; }
.reference { color: #5f6368; }
section { border-top: 1px solid #d9d9de; padding: .5rem 0 .75rem; scroll-margin-top: 1rem; }
section:target { background: #fff8d6; box-shadow: 0 0 0 .5rem #fff8d6; }
.where { font-size: .85rem; color: #5f6368; font-weight: 600; }
.text { white-space: pre-wrap; margin: .25rem 0 .5rem; }
mark { background: #e3ecf8; border-bottom: 2px solid #0F3A73; padding: 0 1px; }
mark.management { background: #fbe6da; border-bottom-color: #C04E00; }
mark.both { background: #f6e3ee; border-bottom-color: #B77AAC; }
mark.neither { background: #ececec; border-bottom-color: #7a7a7a; border-bottom-style: dashed; }
mark.several { background: #fff1a8; border-bottom: 2px double #1d1d1f; }
ul.codings { margin: 0; padding-left: 1.1rem; font-size: .9rem; }
a { color: #0b57d0; }
"""


def source_pages(review, codings: pd.DataFrame, cite: dict[str, str]) -> dict[str, str]:
    """Page name → HTML, one page per source with text.

    `codings` are the counted codings with their coders' own framings (no settled absences).
    """
    return {name: source.html() for name, source in page_sources(review, codings, cite).items()}


def update_source_pages(review, codings: pd.DataFrame, cite: dict[str, str], folder: Path) -> list[Path]:
    """Write the source pages into `folder` as `write_source_pages` does, rendering only those
    whose inputs changed since the last build: each page's fingerprint (`page_fingerprints`)
    is kept in the folder's manifest (MANIFESTS), and a page whose fingerprint is the same
    and whose file is as then written is left as it is (a rebuild after one coder file
    changed renders a few pages of 2,000). The files are those a full render writes, byte
    for byte."""
    prints = page_fingerprints(review, codings, cite)
    manifest = Fingerprints(review.path, folder, code_version())
    changed = {citekey for citekey, fingerprint in prints.items()
               if not manifest.unchanged(page_name(citekey), fingerprint)}
    pages = {name: source.html() for name, source in page_sources(review, codings, cite, changed).items()}
    write_source_pages(pages, folder, keep={page_name(citekey) for citekey in prints})
    for citekey in changed:
        manifest.written(page_name(citekey), prints[citekey])
    manifest.save()
    return [folder / page_name(citekey) for citekey in prints]


PASSAGE_COLUMNS = ("passage_id", "passage", "page", "start", "end")
"""What a source page shows of each passage (with the source's text)."""


def page_fingerprints(review, codings: pd.DataFrame, cite: dict[str, str]) -> dict[str, str]:
    """Citekey → a digest of everything its page is made from: its citation, reference and
    text, its passages, and its codings with their competencies' labels, each row hashed at
    once for the whole review (pandas' hash_pandas_object) and the rows of a source taken in
    the order they come, which fixes the order the page shows them in. Sources whose pages
    would be the same have the same digest; any change to what a page shows changes it."""
    passages = review.passages
    owners, citekeys = pd.factorize(passages["citekey"])
    first = ~passages["passage_id"].duplicated().to_numpy()  # a page shows a passage id's codings under each
    found = pd.Index(passages["passage_id"][first]).get_indexer(codings["passage_id"])
    owner = np.where(found >= 0, owners[first][found], -1)  # -1: a coding of no passage, not shown
    labels = dict(zip(review.codebook["competency"].tolist(), review.codebook["label"].tolist()))
    named, competencies = pd.factorize(codings["competency"])
    label = pd.util.hash_array(np.array([repr(labels.get(c)) for c in competencies] + [""], dtype=object))
    shown = codings[list(CODING_COLUMNS)].assign(label=label[named])  # each coding with its competency's label
    rows = [_hashed_rows(passages[list(PASSAGE_COLUMNS)], owners, len(citekeys)),
            _hashed_rows(shown, owner, len(citekeys))]
    references = dict(zip(review.sources["citekey"].tolist(), review.sources["reference_html"].tolist()))
    kinds = repr((code_version(), _kinds(passages[list(PASSAGE_COLUMNS)]), _kinds(shown)))
    prints = {}
    for number, citekey in enumerate(citekeys.tolist()):
        text = review.texts.get(citekey, "").encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(repr((kinds, cite.get(citekey, citekey), references.get(citekey, ""), len(text)))
                                 .encode("utf-8", "backslashreplace") + text, digest_size=16)
        for hashed in rows:
            digest.update(len(hashed[number]).to_bytes(8, "little") + hashed[number])
        prints[citekey] = digest.hexdigest()
    return prints


def _hashed_rows(frame: pd.DataFrame, owners: np.ndarray, sources: int) -> list[bytes]:
    """Per source (by number; -1 is none), the hashes of its rows of `frame`, in their order, as bytes."""
    hashes = cell_hashes(frame)
    counts = np.bincount(owners[owners >= 0], minlength=sources)
    order = np.argsort(owners, kind="stable")[len(owners) - counts.sum():]  # the rows of no source sort first
    hashes, ends = hashes[order], np.cumsum(counts).tolist()
    return [hashes[end - count:end].tobytes() for end, count in zip(ends, counts.tolist())]


class _Source:
    """What one source's page is made from, gathered once."""

    __slots__ = ("cited", "escaped", "figure", "labels", "passages", "reference", "text")

    def __init__(self, cited: str, reference: str, text: str, labels: dict[str, str], escaped: tuple):
        self.cited, self.reference, self.text, self.labels, self.escaped = cited, reference, text, labels, escaped
        self.passages: list[tuple] = []  # (number, page, start, end, its codings as CODING_COLUMNS tuples)
        self.figure = ""  # its page's name, which its figure has too (outputs/figures/per-source/)

    def html(self) -> str:
        body = "".join(_passage(number, page, start, end, self.text, [dict(zip(CODING_COLUMNS, c)) for c in coded],
                                self.labels, self.escaped)
                       for number, page, start, end, coded in self.passages)
        coded = any(codings for *_, codings in self.passages)
        return _page(self.cited, self.reference, body, self.figure if coded else "")


CODING_COLUMNS = ("passage_id", "start", "end", "competency", "framing", "coder", "anchored")
"""What a source page shows of each coding."""


def page_sources(review, codings: pd.DataFrame, cite: dict[str, str], only=None) -> dict[str, _Source]:
    """Page name → what the page is made from, one per source with text (of those citekeys
    `only` names, if given: a subset gives the same pages, each made of its own rows only)."""
    passages = review.passages
    if only is not None:
        passages = passages[passages["citekey"].isin(list(only))]
        codings = codings[codings["passage_id"].isin(passages["passage_id"].tolist())]
    labels = dict(zip(review.codebook["competency"].tolist(), review.codebook["label"].tolist()))
    references = dict(zip(review.sources["citekey"].tolist(), review.sources["reference_html"].tolist()))
    by_passage: dict[str, list[tuple]] = {}
    ordered = codings.sort_values(["passage_id", "start", "competency", "coder"])
    for coding in zip(*(ordered[c].tolist() for c in CODING_COLUMNS)):  # lists: far faster than rows
        by_passage.setdefault(coding[0], []).append(coding)
    # each competency's link and each framing as HTML once, not once per coding
    escaped = ({c: f'<a href="../report.html#c-{html.escape(c)}">{html.escape(labels.get(c, c))}</a>'
                for c in codings["competency"].unique().tolist()},
               {f: html.escape(f) for f in codings["framing"].unique().tolist()})
    sources: dict[str, _Source] = {}
    passages = passages.sort_values(["citekey", "passage"], kind="stable")
    for citekey, number, page, start, end, passage_id in zip(
            *(passages[c].tolist() for c in ("citekey", "passage", "page", "start", "end", "passage_id"))):
        source = sources.get(citekey)
        if source is None:
            source = sources[citekey] = _Source(cite.get(citekey, citekey), references.get(citekey, ""),
                                                review.texts.get(citekey, ""), labels, escaped)
            source.figure = page_name(citekey)
        source.passages.append((number, page, start, end, by_passage.get(passage_id, [])))
    return {page_name(citekey): source for citekey, source in sources.items()}


def cell_hashes(frame: pd.DataFrame) -> np.ndarray:
    """Rows × columns: a 64-bit hash of each cell (pandas' hash_pandas_object), for values a
    file could show differently: text and missing values apart, -0.0 and 0.0 apart, and in a
    column of mixed Python values None, NaN, 1 and '1' apart (by their repr)."""
    hashed = []
    for _, column in frame.items():
        if column.dtype == object:
            column = pd.Series([repr(v) for v in column.tolist()], dtype=object)
        hashed.append(pd.util.hash_pandas_object(column, index=False).to_numpy())
        if column.dtype.kind == "f":  # pandas hashes -0.0 as 0.0
            hashed.append(np.signbit(column.to_numpy(dtype=float, na_value=np.nan)).astype(np.uint64))
    return np.column_stack(hashed) if hashed else np.empty((len(frame), 0), np.uint64)


def frame_fingerprint(*frames: pd.DataFrame, more=()) -> str:
    """A digest of the frames (their columns, types and every cell, not their index), of
    `more` (plain values) and of `code_version`."""
    digest = hashlib.blake2b(repr((code_version(), more)).encode("utf-8", "backslashreplace"), digest_size=16)
    for frame in frames:
        digest.update(repr((_kinds(frame), len(frame))).encode("utf-8", "backslashreplace"))
        digest.update(np.ascontiguousarray(cell_hashes(frame)).tobytes())
    return digest.hexdigest()


def _kinds(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(str(c), str(t)) for c, t in frame.dtypes.items()]


def kept(root: Path, name: str, fingerprint: str, make):
    """`make()`'s value (plain JSON values), kept in MANIFESTS/<name>.json with the fingerprint
    of what it is made from: while that is unchanged, a rebuild reads it back instead of making
    it (seconds of a large rebuild). A kept file missing, damaged, or of another fingerprint is
    made again; in a cache folder litcoder may not write in, nothing is kept."""
    path = None if derived_folder_problem(root, MANIFESTS) else Path(root) / MANIFESTS / f"{name}.json"
    if path is not None:
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(found, dict) and found.get("fingerprint") == fingerprint and "value" in found:
                return found["value"]
        except (OSError, ValueError):
            pass
    value = make()
    if path is not None:
        try:
            write_atomic(path, json.dumps({"fingerprint": fingerprint, "value": value}, ensure_ascii=False,
                                          default=lambda v: v.item() if hasattr(v, "item") else str(v)))
        except OSError:
            pass  # kept for speed only: the value is right all the same
    return value


class Fingerprints:
    """What a derived folder's files were last made from (its manifest in MANIFESTS): for
    each file, the fingerprint of its inputs, and its size and modification time as written.
    A file whose fingerprint is unchanged and which is still as written need not be made
    again. A manifest that is missing, damaged, or of another `version` counts as empty, and
    so does one in a cache folder litcoder may not write in: everything is made again."""

    def __init__(self, root: Path, folder: Path, version: str):
        self.folder, self.version = folder, version
        refused = derived_folder_problem(root, MANIFESTS)
        self.manifest = None if refused else Path(root) / MANIFESTS / f"{folder.name}.json"
        self.files: dict[str, list] = {}  # what the manifest will say: the files found unchanged, or written
        self.before = self._read()

    def _read(self) -> dict[str, list]:
        if self.manifest is None:
            return {}
        try:
            manifest = json.loads(self.manifest.read_text(encoding="utf-8"))
            files = manifest["files"] if manifest.get("version") == self.version else {}
            return {name: entry for name, entry in files.items() if _entry(entry)}
        except (OSError, ValueError, AttributeError, KeyError, TypeError):  # missing, not JSON, not a manifest
            return {}

    def unchanged(self, name: str, fingerprint: str) -> bool:
        """Whether the file `name` was made from inputs of this fingerprint and is still as written."""
        entry = self.before.get(name)
        if entry is None or entry[0] != fingerprint or entry[1:] != _stat(self.folder / name):
            return False
        self.files[name] = entry
        return True

    def written(self, name: str, fingerprint: str) -> None:
        """Record that the file `name` now holds what inputs of this fingerprint make."""
        found = _stat(self.folder / name)
        if found is not None:
            self.files[name] = [fingerprint, *found]

    def save(self) -> None:
        if self.manifest is not None:
            write_atomic(self.manifest, json.dumps({"version": self.version, "files": self.files},
                                                   sort_keys=True, indent=0) + "\n")


def _entry(entry) -> bool:
    return (type(entry) is list and len(entry) == 3 and type(entry[0]) is str
            and all(type(n) is int for n in entry[1:]))


def _stat(path: Path) -> list[int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns]


def _page(cited: str, reference: str, body: str, figure: str = "") -> str:
    title = html.escape(cited)
    figure = (f' · <a href="../figures/per-source/{html.escape(figure)}">its figure: how it frames each competency</a>'
              if figure else "")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n"
            f'<p><a href="../report.html">← the report</a>{figure}</p>\n<h1>{title}</h1>\n'
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


def write_source_pages(pages: dict[str, str], folder: Path, keep=None) -> list[Path]:
    """Write the pages, and remove pages of sources no longer in the review (the folder is
    derived, so a stale page would only mislead); `keep` names every page of the review, when
    only some are written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / name for name in pages]
    with ThreadPoolExecutor(WRITERS) as pool:  # creating thousands of files waits on the disk, not the CPU
        list(pool.map(_write_changed, written, pages.values()))
    keep = pages if keep is None else keep
    for stale in folder.glob("*.html"):
        if stale.name not in keep:
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
