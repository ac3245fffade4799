"""outputs/: the tables, the graph and report.html, rebuilt from the inputs by one call.

Everything here is derived; `build(path)` deletes nothing but overwrites every file it
makes, each written whole (temp file, then rename) so a reader never sees half a file.
Outputs are deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markupsafe
import numpy as np
import pandas as pd
from plotly.offline import get_plotlyjs

from ..alongside import Alongside, long_lived
from ..analysis.disagreements import disagreements, open_by_competency
from ..analysis.evidence import (
    CLASSIFICATION_DEFINITIONS,
    CLASSIFICATIONS,
    COMPOSITION,
    COMPOSITION_DEFINITIONS,
    COMPOSITION_LABELS,
    FRAGILE,
    METHOD,
    chance,
    coder_votes,
    review_voices,
    weigh_evidence,
)
from ..analysis.reliability import ALL, agreement_table, framing_matrix, pair_table, presence_matrix
from ..analysis.rulings import STATUS_DEFINITIONS, STATUS_LABELS
from ..files import write_atomic
from ..inputs.assignments import progress
from ..inputs.bibliography import with_page
from ..inputs.codebook import codebook_title
from ..inputs.coverage import finished_codings
from ..inputs.memos import backlinks, memo_html, memos_about
from ..layout import ASSIGNMENTS, CODEBOOK, OUTPUTS, derived_folder
from ..review import Review
from .author_tables import author_tables, latex_table, markdown_table, write_author_tables
from .charts import TITLES, FigureContext, agreement_chart, pairs_chart, print_caption, review_figures
from .figures import figure_html, plain_figure, write_captions, write_figures
from .focus import composition, ruling_sentence, update_focus_figures
from .graph import update_graph
from .network_figures import network_figures
from .pages import FOLDER, Fingerprints, code_version, frame_fingerprint, page_name, passage_anchor, update_source_pages
from .prisma import NAME as FLOW
from .prisma import selection_figures, selection_section, selection_tables
from .questions import NETWORK_FIGURES, literature_questions, network_says, questions_section
from .theme import CLASSIFICATION_COLOURS, CLASSIFICATION_LABELS, FRAMING_COLOURS
from .word import WordReportError, write_word_report

EVIDENCE_COLUMNS = [
    "competency", "label", "group", "working_classification", "classification", "explanation", "sources",
    *(f"{part}_sources" for part in COMPOSITION), *(f"{part}_{end}" for part in COMPOSITION for end in ("low", "high")),
    "passages", "codings", "coders", "p_leadership", "p_management", "p_both", "p_neither",
    "leadership_share", "share_low", "share_high", "fragile", "pivotal_sources",
    "decision", "decision_lists", "decided_on", "decided_by", "decision_status", "ruled_on_classification",
    "evidence_changed", "decision_rationale",
]
PROBLEMS_IN_REPORT = 500
"""Input problems listed in the report; all of them are in outputs/problems.csv."""
SOURCES_IN_CARD = 40
"""Sources listed per evidence card; the rest are in tables/codings.csv."""
QUOTES_PER_SOURCE = 3

STEPS = ("load the review", "weigh the evidence", "measure agreement", "write the tables", "draw the figures",
         "write the report")
"""The build's steps, as `build` names them; the graph and the source pages are written
alongside them (litcoder/alongside.py)."""


@dataclass
class BuildResult:
    review: Review
    evidence: pd.DataFrame
    written: list[Path] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    agreement: pd.DataFrame | None = None
    pairs: pd.DataFrame | None = None
    disagreements: pd.DataFrame | None = None

    @property
    def report(self) -> Path:
        return self.review.path / OUTPUTS / "report.html"


def build(path: str | Path = ".", step=lambda name: None, images: bool = True) -> BuildResult:
    """Load the review at `path` and write all of outputs/. `step(name)` is called before each step.

    With `images`, figures are also written as PNG and SVG when a Chrome is found. Raises
    layout.RefusedFolder, having written nothing, when outputs/ is not the review's own folder.
    """
    step(STEPS[0])
    review = Review.load(path)
    with long_lived():
        return _build(review, step, images)


def _build(review: Review, step, images: bool) -> BuildResult:
    out = outputs_folder(review.path)
    step(STEPS[1])
    voices = review_voices(review)
    evidence = weigh_evidence(review, voices)
    result = BuildResult(review, evidence)
    votes = coder_votes(finished_codings(review)) if len(review.codings) else None  # the coders', made once
    # the second process also draws the figures that do not need agreement, and this one makes the
    # graph, so that neither process waits long for the other; with images, Chrome draws every
    # figure here, from the Figures made here
    alongside = not images
    with Alongside(lambda: _about_sources(review, evidence, voices, votes, out, alongside)) as about_sources:
        step(STEPS[2])
        matrices = presence_matrix(review), framing_matrix(review, votes=votes)
        result.agreement, result.pairs = agreement_table(review, matrices=matrices), pair_table(review, matrices)
        step(STEPS[3])
        result.written += write_tables(evidence_tables(review, evidence, out, result))
        result.written += write_author_tables(review, evidence, result.agreement, out, only={"evidence", "agreement"})
        step(STEPS[4])
        selection = review.selection
        if alongside:
            written, notice, shown = _drawn({**_agreement_figures(result.agreement, result.pairs),
                                             **selection_figures(selection)}, out, images)
            written += update_graph(review, evidence, voices, out / "graph")
            cards = evidence_section(review, evidence, voices)
            written += update_focus_figures(review, FigureContext(review, evidence, voices), out / "figures")
            result.disagreements, about, made = about_sources.result()
            written, shown = list(dict.fromkeys(made[0] + written)), made[2] + shown
        else:
            written, notice, shown = _drawn({**review_figures(review, evidence, voices, result.agreement, result.pairs),
                                             **network_figures(review, voices, evidence),
                                             **selection_figures(selection)}, out, images)
            written += update_focus_figures(review, FigureContext(review, evidence, voices), out / "figures")
        write_captions(out / "figures")  # once both processes have written their figures: it lists them all
        result.written += written
        result.notices += [notice] if notice else []
        step(STEPS[5])
        if not alongside:
            cards = evidence_section(review, evidence, voices)
            result.disagreements, about, _ = about_sources.result()
        result.written += about
        questions, tables = literature_questions(review, voices)
        network, network_tables = network_says(review, voices, evidence)
        tables.update(network_tables)
        result.written += write_tables({out / "tables" / name: frame for name, frame in tables.items()})
        selection_html, shown = _selection_outputs(review, out, shown, result)
        for stale in [*(out / "tables").glob("by-*.csv"), *(out / "tables").glob("within-*.csv")]:
            if stale.name not in tables:  # an attribute no longer defined
                stale.unlink()
        write_atomic(out / "report.html", render_report(review, evidence, voices, result=result, evidence_html=cards,
                                                        figure_parts=shown, questions_html=questions,
                                                        selection_html=selection_html, network=network))
        result.written.append(out / "report.html")
    report_docx(review, evidence, out, result)
    return result


WORD_UP_TO = 300
"""Sources up to which the build also writes report.docx: pandoc's citations of a larger review
take minutes (2,000 sources: some 90 s), so it is then written on demand (`litcoder export docx`)."""


def report_docx(review: Review, evidence: pd.DataFrame, out: Path, result: BuildResult,
                 anyway: bool = False) -> None:
    """outputs/report.docx, the committee's report draft for Word, with the figures drawn for print."""
    if len(review.sources) > WORD_UP_TO and not anyway:
        result.notices.append(f"report.docx was not written: for {len(review.sources)} sources it takes minutes; "
                              "run `litcoder export docx` for it")
        return
    pngs = _print_pngs(result.written)
    flow_png = next((p for p in pngs if p.stem.startswith(FLOW)), None)
    figures = {path: print_caption(path.name.split("-")[0].split(".")[0]) for path in pngs if path != flow_png}
    try:
        word = write_word_report(review, evidence, out / "report.docx", figures={p: c for p, c in figures.items() if c},
                                 selection_figure=flow_png)
    except WordReportError as err:
        result.notices.append(str(err))
        return
    result.written.append(word.path)
    result.notices += [f"report.docx: {problem.message}" for problem in word.problems]


def _selection_outputs(review: Review, out: Path, shown: list[dict], result: BuildResult) -> tuple[str, list[dict]]:
    """The tables of how the literature was selected (written; stale ones removed once the review
    names no search), its section of the report, and the other figures as the report shows them."""
    tables = selection_tables(review.selection)
    result.written += write_tables({out / "tables" / name: frame for name, frame in tables.items()})
    if not tables:
        for stale in SELECTION_TABLES:
            (out / "tables" / stale).unlink(missing_ok=True)
        return "", shown
    flow_part = next(part for part in shown if part["name"] == FLOW)
    html = selection_section(review, flow_part["html"], flow_part["files"], tables["screening_agreement.csv"])
    return html, [part for part in shown if part["name"] != FLOW]


SELECTION_TABLES = ("searches.csv", "screening.csv", "duplicates.csv", "screening_agreement.csv")


def _print_pngs(written: list[Path]) -> list[Path]:
    """The figures' PNGs for a page (the full text width's when drawn for print), one per figure."""
    pngs = sorted(p for p in written if p.suffix == ".png" and p.parent.name == "figures")
    wide = [p for p in pngs if p.stem.endswith("-6.5in")]
    return wide or [p for p in pngs if "-" not in p.stem]


def _drawn(figures: dict, out: Path, images: bool) -> tuple[list[Path], str, list[dict]]:
    """The figures written in outputs/figures/ (write_figures: the files, a notice), and as the
    report shows them (report_figures)."""
    plain = {name: plain_figure(fig) for name, fig in figures.items()}  # each deep-copied once, for both uses
    written, notice = write_figures(figures, out / "figures", images, plain)
    return written, notice, report_figures(plain, {p.name for p in written})


def _agreement_figures(agreement: pd.DataFrame, pairs: pd.DataFrame) -> dict:
    """The figures of agreement, as review_figures makes them (the same trace ids)."""
    figures = {}
    if agreement is not None and len(agreement):
        figures["agreement"] = agreement_chart(agreement)
    if pairs is not None and len(pairs):
        figures["pairs"] = pairs_chart(pairs)
    for name, fig in figures.items():
        for i, trace in enumerate(fig.data):
            trace.uid = f"{name}-{i}"
    return figures


def _about_sources(review: Review, evidence: pd.DataFrame, voices: pd.DataFrame, votes: pd.DataFrame | None,
                   out: Path, figures: bool = False) -> tuple[pd.DataFrame, list[Path], tuple | None]:
    """The coders' disagreements, and the outputs about the sources and their codings, which
    the report only links to: the table of disagreements, the tables of sources and codings,
    the graph and a page per source (all made alongside the rest of the build, each only
    when what it is made from changed). With `figures`, the figures that do not need agreement
    (written, and as the report shows them: `_drawn`) instead of the graph, which the first
    process then makes."""
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    codings = review.quoted_codings
    found = disagreements(review, votes)
    written = update_tables(review, out / "tables", {**source_tables(review, codings), **_sources_for_authors(review),
                                                     "disagreements.csv": (frame_fingerprint(found), lambda: found)})
    written += update_graph(review, evidence, voices, out / "graph") if not figures else []
    written += update_source_pages(review, codings, cite, out / FOLDER)
    drawn = {**review_figures(review, evidence, voices), **network_figures(review, voices, evidence)} if figures else {}
    return found, written, _drawn(drawn, out, images=False) if figures else None


OUTPUT_FOLDERS = ("tables", "graph", "figures", FOLDER)
"""The folders of outputs/ the build writes in (besides outputs/ itself)."""


def outputs_folder(root: Path) -> Path:
    """The review's outputs/ folder, once it and its folders are found to be litcoder's own
    (layout.derived_folder); raises RefusedFolder, before anything is written, when one is a
    link, a file, or leads outside the review."""
    out = derived_folder(root, OUTPUTS)
    for folder in OUTPUT_FOLDERS:
        derived_folder(root, f"{OUTPUTS}/{folder}")
    return out


def source_tables(review: Review, codings: pd.DataFrame | None = None) -> dict[str, tuple]:
    """outputs/tables/ of the sources and of every coding counted as evidence: name → (the
    fingerprint of what it is made from, how to make it), for `update_tables`. `codings`:
    review.quoted_codings, if already made."""
    codings = review.quoted_codings if codings is None else codings
    sources = review.sources.drop(columns="reference_html")
    cited = review.sources[["citekey", "author_year"]]
    return {"sources.csv": (frame_fingerprint(sources), lambda: sources),
            "codings.csv": (frame_fingerprint(codings, cited), lambda: codings_table(review, codings))}


def update_tables(review: Review, folder: Path, tables: dict[str, tuple]) -> list[Path]:
    """Write each table (name → (fingerprint, a function making its frame, or its text)) as
    `write_tables` does, unless the folder's manifest (pages.Fingerprints) says the file already holds
    what that fingerprint makes: the table is then neither made nor written (a second for
    100,000 codings)."""
    manifest = Fingerprints(review.path, folder, code_version())
    for name, (fingerprint, make) in tables.items():
        if not manifest.unchanged(name, fingerprint):
            made = make()
            if isinstance(made, str):
                write_atomic(folder / name, made)
            else:
                write_tables({folder / name: made})
            manifest.written(name, fingerprint)
    manifest.save()
    return [folder / name for name in tables]


def _sources_for_authors(review: Review) -> dict[str, tuple]:
    """The author table of the sources (outputs/tables/sources.md and .tex), for `update_tables`:
    2,000 rows take half a second to set, so they are set only when a cell changed."""
    caption, frame = author_tables(review, None, None, only={"sources"})["sources"]
    fingerprint = frame_fingerprint(frame, more=caption)
    return {"sources.md": (fingerprint, lambda: markdown_table(frame, caption)),
            "sources.tex": (fingerprint, lambda: latex_table(frame, caption, "tab:sources"))}


def evidence_tables(review: Review, evidence: pd.DataFrame, out: Path,
                    result: BuildResult | None = None) -> dict[Path, pd.DataFrame]:
    """outputs/tables/ of the evidence and, once measured, of agreement; outputs/problems.csv."""
    tables = {out / "tables" / "evidence.csv": evidence[EVIDENCE_COLUMNS],
              out / "problems.csv": review.problems_frame()}
    if result is not None and result.agreement is not None:
        tables.update({out / "tables" / "agreement.csv": result.agreement,
                       out / "tables" / "agreement_pairs.csv": result.pairs})
    return tables


def write_tables(tables: dict[Path, pd.DataFrame]) -> list[Path]:
    for path, frame in tables.items():
        write_atomic(path, spreadsheet_csv(frame))
    return list(tables)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes a cell starting with as a formula (OWASP, CSV injection)."""
FORMULA_FIRST = frozenset(FORMULA_STARTS)
_FORMULA_FIRST_ARRAY = np.array(sorted(FORMULA_FIRST))
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_csv(frame: pd.DataFrame) -> str:
    """The frame as the CSV text of outputs/, safe to open in a spreadsheet (`spreadsheet_safe`):
    what `to_csv(index=False, float_format="%.4f", lineterminator="\n")` writes, made a column
    at a time (a fifth of the time for 100,000 codings)."""
    safe = spreadsheet_safe(frame)
    columns = [_cells(safe[name]) for name in safe.columns] if safe.columns.is_unique else [None]
    if len(columns) < 2 or any(cells is None for cells in columns):  # a row of one empty cell is written ""
        return safe.to_csv(index=False, float_format="%.4f", lineterminator="\n")
    header = ",".join(_quoted([str(name) for name in safe.columns]))
    return "".join([header + "\n", *(",".join(row) + "\n" for row in zip(*map(_quoted, columns)))])


def _quoting() -> re.Pattern:
    """What makes the csv module quote a cell: a comma, a double quote, a line break, and in
    some Pythons a carriage return, as this one is found to do."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\n")
    quoted = []
    for char in ',"\n\r':
        line.seek(0), line.truncate()
        writer.writerow([f"a{char}b", ""])
        quoted += [char] if line.getvalue().startswith('"') else []
    return re.compile("[" + re.escape("".join(quoted)) + "]")


_QUOTED = _quoting()


def _quoted(cells: list[str]) -> list[str]:
    """The cells as the csv module writes them (QUOTE_MINIMAL, quotes doubled): most need
    nothing, and are found so in one search of the whole column."""
    if not _QUOTED.search("".join(cells)):
        return cells
    return ['"' + cell.replace('"', '""') + '"' if _QUOTED.search(cell) else cell for cell in cells]


def _cells(column: pd.Series) -> list[str] | None:
    """The column's cells as to_csv writes them (missing ones empty), for the kinds of column
    outputs/ has; None for any other, which is left to pandas."""
    kind = column.dtype.kind
    missing = column.isna().to_numpy()
    if kind in "iub" and column.dtype != object:
        values = column.to_numpy(dtype=object)
        return [str(v) for v in values] if not missing.any() else ["" if m else str(v) for v, m in zip(values, missing)]
    if kind == "f":
        return ["" if m else f"{v:.4f}" for v, m in zip(column.tolist(), missing)]
    text = isinstance(column.dtype, pd.StringDtype)  # its cells are text, or missing
    if text or kind in "OU":
        values = column.tolist()
        if not missing.any():
            return values if text or all(type(v) is str for v in values) else None
        if text or all(type(v) is str for v, m in zip(values, missing) if not m):
            return ["" if m else v for v, m in zip(values, missing)]
    return None


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text cell a spreadsheet would run as a formula (one starting with
    =, +, -, @, a tab or a carriage return: a memo `=HYPERLINK(…)`) prefixed with a single
    quote, as OWASP advises, so that it shows as the text it is. Numbers stay numbers, and so
    does text that is only a number ('-0.12').

    >>> spreadsheet_safe(pd.DataFrame({"memo": ["=1+1", "-0.5", "fine"], "value": [-0.12, 1.0, 2.0]})).to_dict("list")
    {'memo': ["'=1+1", '-0.5', 'fine'], 'value': [-0.12, 1.0, 2.0]}
    """
    safe = frame
    for column in frame.columns:
        if pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column]):
            # each cell's first character, in one pass (a str of any other value): few cells start
            # so, and only those are looked at one by one
            first = frame[column].to_numpy(dtype=object).astype("U1")
            maybe = np.flatnonzero(np.isin(first, _FORMULA_FIRST_ARRAY)).tolist()
            cells = frame[column].tolist() if maybe else []
            risky = [i for i in maybe if isinstance(cells[i], str) and cells[i][:1] in FORMULA_FIRST]
            if risky:
                for i in risky:
                    cells[i] = _defused(cells[i])
                safe = frame.copy() if safe is frame else safe  # the caller's frame stays as it was
                safe[column] = pd.Series(cells, index=frame.index, dtype=frame[column].dtype)
    return safe


def _defused(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def codings_table(review: Review, codings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every coding counted as evidence (not settled absent), with its source's author-year
    and the APA citation of its quote (page, or paragraph), in a stable order. `codings`:
    review.quoted_codings, if already made."""
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    codings = review.quoted_codings if codings is None else codings
    author_year = codings["citekey"].map(cite)
    cited = [with_page(a, p, n) for a, p, n in
             zip(author_year.tolist(), codings["page"].tolist(), codings["passage"].tolist())]
    codings = codings.assign(author_year=author_year, citation=cited)
    return codings.sort_values(["competency", "citekey", "passage", "coder", "id"], kind="stable")


# ---------------------------------------------------------------- report.html

class _Environment(jinja2.Environment):
    """Jinja's environment, reading a dict's keys first: `card.label` on a card (a dict) looks
    up the key without first failing to find an attribute, which costs an exception each time.
    A name that is also a dict's method (`colours.items`) is still the method, as in Jinja."""

    _METHODS = frozenset(dir(dict))

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in self._METHODS:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@functools.cache
def _environment() -> jinja2.Environment:
    # auto_reload off: the templates are the package's, and an included one (each quote's) is
    # otherwise checked on disk every time
    env = _Environment(loader=jinja2.PackageLoader("litcoder", "templates"),
                       autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                       undefined=jinja2.StrictUndefined)
    env.filters["percent"] = lambda x: f"{x:.0%}"
    env.filters["chance"] = chance
    return env


def render_report(review: Review, evidence: pd.DataFrame, voices: pd.DataFrame | None = None,
                  figures: dict | None = None, exported: set[str] = frozenset(),
                  result: BuildResult | None = None, evidence_html: str | None = None,
                  figure_parts: list[dict] | None = None, questions_html: str | None = None,
                  selection_html: str | None = None, network: dict | None = None) -> str:
    """The self-contained HTML report (plotly.js inside, once); all text from inputs is escaped.

    `figures` are review_figures' (Figures or their `plain_figure`s). `exported` names the files
    in outputs/figures/ that the report may link to. `evidence_html` and `figure_parts` are
    `evidence_section`'s and `report_figures`', if already made; `selection_html` the section on
    how the literature was selected (prisma.selection_section), made here if not given;
    `network` what the network says (questions.network_says), likewise.
    """
    template = _environment().get_template("report.html.j2")
    voices = review_voices(review) if voices is None else voices
    if figure_parts is None:
        figures = {**review_figures(review, evidence, voices), **network_figures(review, voices, evidence)
                   } if figures is None else figures
        figure_parts = report_figures(figures, exported)
    evidence_html = evidence_section(review, evidence, voices) if evidence_html is None else evidence_html
    questions_html = questions_section(review, voices) if questions_html is None else questions_html
    network = network_says(review, voices, evidence)[0] if network is None else network
    if selection_html is None:
        flows = selection_figures(review.selection)
        selection_html = selection_section(review, figure_html(flows[FLOW], FLOW, whole_page=False)) if flows else ""
    lists = {c: [r for r in evidence.to_dict("records") if r["classification"] == c] for c in CLASSIFICATIONS}
    problems = review.problems_frame()
    return template.render(
        title=_review_title(review),
        summary=review.summary(),
        texts=review.texts_summary(),
        counts=review.problem_counts(),
        lists=lists,
        classifications=CLASSIFICATIONS,
        drifted=[r for r in evidence.to_dict("records") if r["decision_status"] == "drifted"],
        overriding=[r for r in evidence.to_dict("records") if r["decision_status"] == "overrides"],
        method=markupsafe.Markup(_method_html()),
        evidence_section=markupsafe.Markup(evidence_html),
        questions_section=markupsafe.Markup(questions_html),
        selection_section=markupsafe.Markup(selection_html),
        fragile_count=int(evidence["fragile"].sum()),
        problems=problems.head(PROBLEMS_IN_REPORT).astype(object).where(problems.notna(), None).to_dict("records"),
        problems_total=len(problems),
        references=[{"citekey": c, "html": markupsafe.Markup(h), "memos": memo_parts(review, ("source",), c)}
                    for c, h in
                    review.sources.sort_values(["authors", "year", "title"])[["citekey", "reference_html"]]
                    .itertuples(index=False)],
        **CARD_WORDS,
        open_items_per_competency=OPEN_ITEMS_PER_COMPETENCY,
        plotly_js=markupsafe.Markup(get_plotlyjs()),
        agreement=_agreement_summary(result),
        disagreements=_disagreement_lists(result),
        figures=[part for part in figure_parts if part["name"] not in NETWORK_FIGURES],
        network=network,
        network_figures={part["name"]: part for part in figure_parts if part["name"] in NETWORK_FIGURES},
        plan=plan_coverage(review),
    )


def report_figures(figures: dict, exported: set[str] = frozenset()) -> list[dict]:
    """Each figure as the report shows it: its title, its HTML (`figure_html`) and the files
    of it in outputs/figures/ (of those `exported`) that the report links to."""
    return [{"name": name, "title": TITLES[name], "html": markupsafe.Markup(figure_html(fig, name, whole_page=False)),
             "files": [f"{name}.{kind}" for kind in ("html", "png", "svg") if f"{name}.{kind}" in exported]}
            for name, fig in figures.items()]


def evidence_section(review: Review, evidence: pd.DataFrame, voices: pd.DataFrame) -> str:
    """The report's evidence per competency: how to read a card, then a card per competency,
    grouped by classification (the bulk of the report, made on its own so a build can make
    it while the outputs about the sources are still being written)."""
    groups = _grouped(_cards(review, evidence, voices))
    return _environment().get_template("_evidence.html.j2").render(groups=groups, report_href="", **CARD_WORDS)


CARD_WORDS = {
    "colours": {**FRAMING_COLOURS, **CLASSIFICATION_COLOURS},
    "labels": CLASSIFICATION_LABELS,
    "classification_definitions": CLASSIFICATION_DEFINITIONS,
    "composition_parts": COMPOSITION,
    "composition_labels": COMPOSITION_LABELS,
    "composition_definitions": COMPOSITION_DEFINITIONS,
    "status_labels": STATUS_LABELS,
    "status_definitions": STATUS_DEFINITIONS,
    "fragile_definition": FRAGILE,
    "quotes_per_source": QUOTES_PER_SOURCE,
}
"""What every evidence card is drawn with, in the report and in notebook 04 alike."""


def card_page(review: Review, evidence: pd.DataFrame, voices: pd.DataFrame, competency: str,
              outputs_url: str | None = None) -> str:
    """One competency's evidence card as a page of its own, exactly as the report draws it;
    with `outputs_url` (where outputs/ is served) its links open the report and source pages."""
    card = next(c for c in _cards(review, evidence[evidence["competency"] == competency], voices))
    return _environment().get_template("card.html.j2").render(
        card=card, base=outputs_url, **{**CARD_WORDS, "report_href": "report.html" if outputs_url else ""})


def _review_title(review: Review) -> str:
    title = codebook_title(review.path / CODEBOOK)
    return f"Literature review: {title}" if title else f"Literature review: {review.path.name}"


def _quotes(codings: pd.DataFrame, cite: dict[str, str]) -> dict[tuple[str, str], list[dict]]:
    """Per (competency, source), its quotes, each once with the coders who chose it."""
    quotes: dict[tuple[str, str], dict[tuple, dict]] = {}
    ordered = codings.sort_values(["competency", "citekey", "passage", "start", "coder", "id"], kind="stable")
    columns = ["competency", "citekey", "passage", "page", "coder", "quote", "framing", "memo", "anchored"]
    names = {k: page_name(k) for k in codings["citekey"].unique().tolist()}
    for c in (dict(zip(columns, values)) for values in zip(*(ordered[c].tolist() for c in columns))):
        found = quotes.setdefault((c["competency"], c["citekey"]), {})
        key = (c["passage"], " ".join(c["quote"].split()))
        quote = found.get(key)
        if quote is None:
            quote = found[key] = {
                "quote": c["quote"], "passage": int(c["passage"]), "anchored": c["anchored"], "positions": [],
                "memos": [], "page_name": names[c["citekey"]], "anchor": passage_anchor(c["passage"]),
                "cited": with_page(cite.get(c["citekey"], c["citekey"]), c["page"], c["passage"])}
        quote["positions"].append(f"{c['coder']}: {c['framing']}")
        if c["memo"]:
            quote["memos"].append(f"{c['coder']}: {c['memo']}")
    return {key: list(found.values()) for key, found in quotes.items()}


def _cards(review: Review, evidence: pd.DataFrame, voices: pd.DataFrame) -> list[dict]:
    """One evidence card per competency: its sources, what each says and their quotes."""
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    order = {f: i for i, f in enumerate(COMPOSITION)}
    sources_of: dict[str, list[dict]] = {}
    columns = ["competency", "citekey", "framing", "coder_framings"]
    for v in (dict(zip(columns, values)) for values in zip(*(voices[c].tolist() for c in columns))):  # to_dict's rows
        sources_of.setdefault(v["competency"], []).append(v)
    for _competency, listed in sources_of.items():
        listed.sort(key=lambda v: (order[v["framing"]], cite.get(v["citekey"], v["citekey"])))
    # quotes only of the sources the cards show
    shown_pairs = {(c, v["citekey"]) for c, listed in sources_of.items() for v in listed[:SOURCES_IN_CARD]}
    codings = review.quoted_codings
    pairs = pd.MultiIndex.from_arrays([codings["competency"], codings["citekey"]])
    quotes = _quotes(codings[pairs.isin(list(shown_pairs))] if len(codings) else codings, cite)
    codebook = review.codebook.set_index("competency")
    cards = []
    for row in evidence.to_dict("records"):
        listed = sources_of.get(row["competency"], [])
        shown = [{**v, "author_year": cite.get(v["citekey"], v["citekey"]), "page_name": page_name(v["citekey"]),
                  "quotes": quotes.get((row["competency"], v["citekey"]), [])} for v in listed[:SOURCES_IN_CARD]]
        pivotal = [cite.get(c, c) for c in row["pivotal_sources"].split(", ") if c]
        cards.append({**row, "definition": codebook.at[row["competency"], "definition"], "pivotal_cited": pivotal,
                      "memos": memo_parts(review, ("competency", "ruling"), row["competency"]),
                      "composition": composition(row), "sources_shown": shown,
                      "figure_page": page_name(row["competency"]), "ruling_sentence": ruling_sentence(row),
                      "sources_hidden": [{**v, "author_year": cite.get(v["citekey"], v["citekey"])}
                                         for v in listed[SOURCES_IN_CARD:]]})
    return cards


def memo_parts(review: Review, kinds: tuple[str, ...], thing: str, report_href: str = "") -> list[dict]:
    """The memos on a thing (of each of `kinds`, e.g. a competency and its ruling) as the report
    shows them, each with the memos that link to it; links lead to cards and source pages."""
    memos = review.memos
    about = [(kind, memos_about(memos, kind, thing)) for kind in kinds] if len(memos) else []
    if not any(len(mine) for _, mine in about):  # most things have no memo: nothing more to look up
        return []
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    cites = dict(zip(review.sources["citekey"], review.sources["author_year"]))

    def link(kind: str, ident: str) -> str | None:
        if kind == "source":
            return f"{report_href}#ref-{ident}" if ident in cites else None
        return f"{report_href}#c-{ident}" if ident in labels else None

    def name(kind: str, ident: str) -> str | None:
        return cites.get(ident) if kind == "source" else (
            f"the ruling on {labels[ident]}" if kind == "ruling" and ident in labels else labels.get(ident))

    parts = []
    for kind, mine in about:
        for memo in mine.to_dict("records"):
            cited = backlinks(memos, kind, thing)
            parts.append({"kind": kind, "file": memo["file"],
                          "html": markupsafe.Markup(memo_html(memo["text"], link, name, heading=4)),
                          "linked_from": [{"href": link(k, i), "name": name(k, i) or i, "kind": k}
                                          for k, i in zip(cited["kind"], cited["id"])]})
    return parts


OPEN_ITEMS_PER_COMPETENCY = 50
"""Open disagreements listed per competency in the report; all are in outputs/tables/disagreements.csv."""


def _agreement_summary(result) -> list[dict]:
    """The pooled coefficients per measure, for the report's agreement table."""
    if result is None or result.agreement is None or result.agreement.empty:
        return []
    pooled = result.agreement[result.agreement["competency"] == ALL]
    return pooled.astype(object).where(pooled.notna(), None).to_dict("records")


def _disagreement_lists(result) -> dict:
    """The open disagreements grouped per competency, and the settled ones, each citing where."""
    if result is None or result.disagreements is None:
        return {"groups": [], "settled": [], "open_total": 0}
    items = result.disagreements
    groups = open_by_competency(items)
    for group in groups:
        for item in group["items"]:
            item["where"] = _where(item)
    settled = items[items["status"] == "settled"]
    records = settled.astype(object).where(settled.notna(), None).to_dict("records")
    for record in records:
        record["positions"] = record["positions"].split("\n")
        record["where"] = _where(record)
    return {"groups": groups, "open_total": int((items["status"] == "open").sum()), "settled": records}


def plan_coverage(review: Review) -> dict | None:
    """Coverage against the committee's plan (corpus/assignments.csv), for the report: a row
    per coder (assignments.progress: sources, finished, to_do, coded_twice), how many sources
    the plan gives to two coders or more, and how many of those every coder given them has
    finished (the ones agreement can use). None when there is no plan."""
    plan = review.assignments
    if plan.empty:
        return None
    finished = review.coverage[["coder", "citekey"]]
    done = set(zip(finished["coder"], finished["citekey"]))
    coders_of = plan.groupby("citekey")["coder"].agg(list)
    shared = coders_of[coders_of.str.len() > 1]
    return {"file": ASSIGNMENTS, "coders": progress(plan, finished).to_dict("records"),
            "sources": len(coders_of), "shared": len(shared),
            "shared_finished": sum(all((c, k) in done for c in coders) for k, coders in shared.items())}


def _where(item: dict) -> str:
    """'Kotter, 1990, p. 104' or 'Kotter, 1990, para. 3' for a passage; the source for a framing item."""
    if item["passage"] is None:
        return item["author_year"]
    return with_page(item["author_year"], item.get("page"), item["passage"])


def _grouped(cards: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for card in cards:
        group = groups.setdefault(card["group"], {"label": card["group_label"] or "Competencies", "cards": []})
        group["cards"].append(card)
    return list(groups.values())


def _method_html() -> str:
    """METHOD (a little Markdown: paragraphs, a numbered list, *em*, **strong**) as HTML."""
    out = []
    for block in METHOD.strip().split("\n\n"):
        text = html.escape(" ".join(block.split()))
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        text = re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)
        items = re.split(r"(?:^|\s)\d\.\s", text)
        if len(items) > 2:
            head = f"<p>{items[0]}</p>" if items[0].strip() else ""
            out.append(head + "<ol>" + "".join(f"<li>{i.strip()}</li>" for i in items[1:]) + "</ol>")
        else:
            out.append(f"<p>{text}</p>")
    return "\n".join(out)
