"""The `litcoder` command: build, validate and init a review.

    litcoder build [PATH]      load the review, weigh the evidence, write outputs/
    litcoder validate [PATH]   list every input problem as file:line; exit 1 on errors
    litcoder init DIR          make a new, empty review with a starter codebook
    litcoder enrol CODER       count a practice coder's codings from now on
    litcoder export docx [PATH]  the committee's report draft for Word
    litcoder export qdpx [PATH]  the coded project for NVivo, ATLAS.ti, MAXQDA, QualCoder
    litcoder import qdpx FILE    their codings back, a coder file per user
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__
from .analysis.evidence import CLASSIFICATIONS
from .inputs.project import ProjectExists, init_review
from .layout import OUTPUTS, RefusedFolder, derived_folder
from .outputs.report import build as build_outputs
from .outputs.report import spreadsheet_csv
from .outputs.theme import CLASSIFICATION_LABELS
from .problems import sorted_problems
from .review import NotAReview, Review

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="litcoder: code a literature review to competencies and weigh the evidence.")
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}
ReviewPath = typer.Argument(Path("."), help="The review's folder (default: the current folder).",
                            show_default=False)


def _version(value: bool) -> None:
    if value:
        console.print(f"litcoder {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    pass


@app.command()
def build(path: Path = ReviewPath,
          quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
          images: bool = typer.Option(True, "--images/--no-images",
                                      help="Also export figures as PNG and SVG (needs Chrome or Chromium).")) -> None:
    """Load the review, weigh the evidence and write outputs/ (tables, graph, figures, report.html)."""
    with console.status("", spinner="dots") as status:
        def step(name: str) -> None:
            status.update(f"{name} …")
            if not quiet:
                console.print(f"[dim]·[/dim] {name}")
        result = build_outputs(path, step, images=images)
    review, evidence = result.review, result.evidence
    for notice in result.notices:
        console.print(f"[yellow]note:[/yellow] {notice}", highlight=False)
    if not quiet:
        _print_summary(review, evidence)
    counts = review.problem_counts()
    report = result.report
    shown = os.path.relpath(report) if report.is_relative_to(Path.cwd()) else str(report)
    console.print(f"Report: [bold]{shown}[/bold]  ({counts['error']} errors, {counts['warning']} warnings in the inputs"
                  + ("; run `litcoder validate` to list them)" if counts["error"] or counts["warning"] else ")"))


def _print_summary(review: Review, evidence) -> None:
    s = review.summary()
    console.print(f"\n[bold]{s['sources']}[/bold] sources "
                  f"({s['sources_with_text']} with text, {s['passages']} passages), "
                  f"[bold]{s['competencies']}[/bold] competencies, [bold]{s['coders']}[/bold] coders, "
                  f"[bold]{s['codings']}[/bold] codings, [bold]{s['decisions']}[/bold] rulings")
    console.print(review.bibliography_report.summary(), style="dim")
    console.print(f"texts: {review.texts_summary()}", style="dim")
    table = Table(title="Classification of the competencies", title_justify="left", show_edge=False)
    table.add_column("classification")
    table.add_column("n", justify="right")
    table.add_column("competencies")
    for c in CLASSIFICATIONS:
        rows = evidence[evidence["classification"] == c]
        if len(rows):
            names = ", ".join(label + (" †" if fragile else "")
                              for label, fragile in zip(rows["label"], rows["fragile"]))
            table.add_row(CLASSIFICATION_LABELS[c], str(len(rows)), names)
    console.print(table)
    console.print("† fragile: leaving out one source changes it", style="dim")
    for row in evidence[evidence["decision_status"].isin(["drifted", "overrides"])].itertuples():
        if row.decision_status == "drifted":
            console.print(f"[bold red]drifted[/bold red]: the committee ruled {escape(row.label)} {row.decision} "
                          f"on {row.decided_on} as the evidence then supported; it now says {row.classification}",
                          highlight=False)
        else:
            console.print(f"[bold blue]overrides the evidence[/bold blue]: the committee ruled {escape(row.label)} "
                          f"{row.decision} on {row.decided_on}; the evidence says {row.classification}",
                          highlight=False)


@app.command()
def validate(path: Path = ReviewPath) -> None:
    """Check every input and print each problem as file:line; exit 1 if any is an error."""
    review = Review.load(path)
    for problem in sorted_problems(review.problems):
        where, rest = str(problem).split(f": {problem.severity}: ", 1)
        console.print(f"{where}: ", end="", markup=False)
        console.print(problem.severity, style=SEVERITY_STYLES[problem.severity], end="", markup=False)
        console.print(f": {rest}", markup=False, soft_wrap=True)
    counts = review.problem_counts()
    if not review.problems:
        console.print("No problems: every input was read cleanly.")
    else:
        console.print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes", style="bold")
    if counts["error"]:
        raise typer.Exit(1)


@app.command()
def reanchor(path: Path = ReviewPath) -> None:
    """Write each coding's current place in its (edited) source back to the coder files."""
    from .inputs.codings import reanchor as reanchor_codings

    review = Review.load(path)
    for summary in reanchor_codings(review):
        console.print(f"{summary['file']}: {summary['codings']} codings, {summary['updated']} updated "
                      f"({summary['moved']} re-anchored after edits), {summary['orphans']} orphans kept", markup=False)
        for notice in summary.get("notices", []):
            console.print(f"  note: {notice}", markup=False, soft_wrap=True)
    orphans = [p for p in review.problems if p.kind == "coding-orphan"]
    for problem in orphans:
        console.print(f"  {problem}", markup=False, soft_wrap=True)


@app.command("import-sheet")
def import_sheet_command(
        sheet: Path = typer.Argument(..., help="A CSV or XLSX sheet: citekey, quote, competency, framing, memo, page."),
        coder: str = typer.Option(..., "--coder", help="Whose codings these are (the coder file to add them to)."),
        path: Path = typer.Option(Path("."), "--review", help="The review's folder.")) -> None:
    """Add a spreadsheet of codings to a coder's file; rows already imported are skipped."""
    from .screens.sheet import import_sheet

    result = import_sheet(Review.load(path), sheet, coder)
    console.print(f"{sheet.name}: {result.rows} rows; {result.added} codings added to corpus/codings/{coder}.csv, "
                  f"{result.already_there} already there", markup=False)
    for problem in result.problems:
        console.print(f"  {problem}", markup=False, soft_wrap=True)
    if any(p.severity == "error" for p in result.problems):
        raise typer.Exit(1)


importing = typer.Typer(no_args_is_help=True, help="Bring in work from another tool.")
app.add_typer(importing, name="import")


@importing.command("qdpx")
def import_qdpx(
        file: Path = typer.Argument(..., help="A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder."),
        path: Path = typer.Option(Path("."), "--review", help="The review's folder."),
        coder: str = typer.Option("", "--coder", help="The coder of selections that name no user."),
        offsets: str = typer.Option("auto", "--offsets", help="How the file counts positions: auto (told from the "
                                    "selections), codepoints or utf16."),
        source: list[str] = typer.Option([], "--source", help="NAME=CITEKEY: a source of the file and the review's "
                                         "citekey for it, where they cannot be matched (repeat as needed)."),
        add_codes: bool = typer.Option(False, "--add-codes", help="Add codes that are not in the codebook to it, in "
                                       "a group of their own, and import their codings too."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be imported; write nothing.")) -> None:
    """Add a project's codings to the coders' files, a file per user; codings already there are passed over."""
    from .screens.refi import import_exchange

    if offsets not in ("auto", "codepoints", "utf16"):
        errors.print(f"litcoder: --offsets is auto, codepoints or utf16, not {offsets!r}", markup=False)
        raise typer.Exit(2)
    given = dict(item.split("=", 1) for item in source if "=" in item)
    _print_import(import_exchange(Review.load(path), file, coder, offsets, given, dry_run, add_codes), dry_run)


@importing.command("qdc")
def import_qdc(file: Path = typer.Argument(..., help="A REFI-QDA codebook (.qdc)."),
               path: Path = typer.Option(Path("."), "--review", help="The review's folder."),
               add_codes: bool = typer.Option(False, "--add-codes", help="Add the codes that are not in the codebook "
                                              "to it, in a group of their own.")) -> None:
    """Compare a codebook from another tool with the committee's (which codes map to which
    competency), and with --add-codes add those that map to none."""
    from .screens.refi import import_exchange

    _print_import(import_exchange(Review.load(path), file, dry_run=not add_codes, add_codes=add_codes), True)


def _print_import(result, dry_run: bool) -> None:
    what = "project" if result.kind == "project" else "codebook"
    if result.kind:
        console.print(f"{result.file.name}: a REFI-QDA {what}" + (f" from {result.origin}" if result.origin else ""),
                      markup=False, soft_wrap=True)
        console.print(f"  codes: {len(result.codes)} mapped to the codebook, {len(result.unknown_codes)} not in it",
                      markup=False)
        if result.added_codes:
            console.print(f"  added to corpus/codebook.yaml: {', '.join(result.added_codes.values())} (classification "
                          "contested, in a group of their own: define and place them)", markup=False, soft_wrap=True)
    if result.kind == "project":
        console.print(f"  sources: {len(result.sources)} matched, {len(result.unmatched_sources)} not matched"
                      + (f"; positions read as {result.offsets}" if result.offsets else ""), markup=False,
                      soft_wrap=True)
        verb = "would be added" if dry_run else "added"
        for coder in sorted(set(result.added) | set(result.updated)):
            added = result.added.get(coder, 0)
            console.print(f"  corpus/codings/{coder}.csv: {added} coding{'' if added == 1 else 's'} {verb}"
                          + (f", {result.updated[coder]} changed in the other tool "
                             + ("would be updated" if dry_run else "updated") if result.updated.get(coder) else ""),
                          markup=False)
        console.print(f"  {result.already_there} already there, {result.orphans} not found in the review's texts"
                      + (f", {result.repeated} repeating another of their coder's (one kept)" if result.repeated
                         else ""), markup=False)
        for name, count in result.unmatched_sources.items():
            console.print(f"  not matched: {name!r} ({count} selections); give --source '{name}=CITEKEY'",
                          markup=False, soft_wrap=True)
    for problem in result.problems:
        console.print(f"  {problem}", markup=False, soft_wrap=True)
    if result.failed:
        raise typer.Exit(1)


@app.command()
def suggest(path: Path = ReviewPath,
            evaluate: bool = typer.Option(False, "--evaluate",
                                          help="Measure the suggestions against the human codings."),
            ranker: str = typer.Option("lexical", help="lexical (BM25), or semantic (needs the [semantic] extra)."),
            source: str = typer.Option("", help="Show suggestions for this source's passages (a citekey)."),
            top: int = typer.Option(3, help="How many competencies to suggest per passage.")) -> None:
    """Suggest competencies and framings for passages, or evaluate the suggester (--evaluate)."""
    from .screens.suggest import Suggester
    from .screens.suggest import evaluate as evaluate_suggestions

    review = Review.load(path)
    if evaluate:
        try:
            figures = evaluate_suggestions(review, ranker)
        except RuntimeError as err:
            errors.print(f"litcoder: {err}", markup=False)
            raise typer.Exit(2) from None
        console.print(f"{ranker} ranker, leave one source out: {figures['passages']} coded passages, "
                      f"{figures['codings']} codings")
        console.print(f"  precision@1 {figures['precision_at_1']:.3f}   precision@3 {figures['precision_at_3']:.3f}   "
                      f"framing accuracy {figures['framing_accuracy']:.3f}")
        return
    passages = review.passages[review.passages["citekey"] == source] if source else review.passages.head(5)
    if passages.empty:
        errors.print(f"litcoder: no source text for '{source}'", markup=False)
        raise typer.Exit(2)
    suggester = Suggester(review.codebook, review.passages, review.codings, ranker=ranker)
    for passage in passages.itertuples():
        ranked = suggester.competencies(passage.text, top)
        shown = []
        for competency, _score in ranked:
            framing = suggester.framing(passage.text, competency)
            shown.append(f"{competency}" + (f" ({framing[0]})" if framing else ""))
        console.print(f"{passage.passage_id}: " + ", ".join(shown), markup=False)


@app.command()
def agreement(path: Path = ReviewPath,
              matrix: Path = typer.Option(None, "--matrix", help="Any reliability data matrix (CSV: a header naming "
                                          "the coders, one row per unit, a blank cell for a missing value)."),
              level: str = typer.Option("nominal", help="nominal, ordinal, interval or ratio (with --matrix)."),
              as_json: bool = typer.Option(False, "--json", help="Print the coefficients as JSON (with --matrix)."),
              resamples: int = typer.Option(1000, help="Bootstrap resamples for the intervals."),
              seed: int = typer.Option(20261127,
                                       help="Seed of the bootstrap, so intervals can be reproduced.")) -> None:
    """How far the coders agree: every coefficient with its 95% bootstrap interval."""
    from .analysis.agreement import LEVELS, coefficients
    from .analysis.reliability import agreement_table, pair_table
    from .inputs.matrix import read_matrix

    if matrix is not None:
        if level not in LEVELS:
            errors.print(f"litcoder: --level must be one of {', '.join(LEVELS)}", markup=False)
            raise typer.Exit(2)
        data, coders, categories, problems = read_matrix(matrix, level)
        for problem in problems:
            errors.print(str(problem), markup=False)
        if data.size == 0:
            raise typer.Exit(1)
        table = coefficients(data, level, resamples, seed)
        if as_json:
            import json

            print(json.dumps({"file": str(matrix), "level": level, "coders": coders, "units": len(data),
                              "resamples": resamples, "seed": seed,
                              "coefficients": json.loads(table.to_json(orient="records"))}, indent=2))
            return
        console.print(f"{matrix.name}: {len(data)} units × {len(coders)} coders, {level}; "
                      f"95% intervals from {resamples} bootstrap resamples of units (seed {seed})", markup=False)
        _print_coefficients(table)
        return
    review = Review.load(path)
    out = derived_folder(review.path, f"{OUTPUTS}/tables")  # refused before the work, not after
    table = agreement_table(review, resamples, seed)
    pairs = pair_table(review)
    from .analysis.disagreements import disagreements

    queue = disagreements(review)
    from .files import write_atomic

    for name, frame in (("agreement.csv", table), ("agreement_pairs.csv", pairs), ("disagreements.csv", queue)):
        write_atomic(out / name, spreadsheet_csv(frame))
    overall = table[table["competency"] == "all competencies"]
    for measure in ("presence", "framing"):
        console.print(f"\n[bold]{measure.capitalize()}[/bold], all competencies", highlight=False)
        _print_coefficients(overall[overall["measure"] == measure])
    alpha = table[(table["coefficient"] == "Krippendorff's alpha") & (table["competency"] != "all competencies")]
    wide = Table(title="Krippendorff's alpha per competency, with its 95% interval and units",
                 title_justify="left", show_edge=False)
    for column in ("competency", "presence", "n", "framing", "n "):
        wide.add_column(column, justify="left" if column in ("competency",) else "right")
    for label, group in alpha.groupby("label", sort=False):
        cells = {m: (_alpha_cell(v, lo, hi), str(n)) for m, v, lo, hi, n in
                 zip(group["measure"], group["value"], group["low"], group["high"], group["units"])}
        wide.add_row(label, *cells.get("presence", ("–", "0")), *cells.get("framing", ("–", "0")))
    console.print(wide)
    console.print("one value: every coder gave the same value, so alpha is undefined (no variation to agree on)",
                  style="dim")
    counts = queue["status"].value_counts()
    console.print(f"Disagreements: {counts.get('open', 0)} open, {counts.get('settled', 0)} settled. "
                  f"Tables in {os.path.relpath(out)}: agreement.csv, agreement_pairs.csv, disagreements.csv",
                  markup=False)


def _alpha_cell(value: float, low: float, high: float) -> str:
    if value != value:
        return "one value"
    interval = "" if low != low else f" [{low:.2f}, {high:.2f}]"
    return f"{value:.3f}{interval}"


def _print_coefficients(table) -> None:
    shown = Table(show_edge=False)
    for column in ("coefficient", "value", "95% interval", "units"):
        shown.add_column(column, justify="left" if column == "coefficient" else "right")
    for row in table.itertuples():
        interval = "–" if row.low != row.low else f"{row.low:.3f} to {row.high:.3f}"
        shown.add_row(row.coefficient, "–" if row.value != row.value else f"{row.value:.3f}", interval, str(row.units))
    console.print(shown)


export = typer.Typer(no_args_is_help=True, help="Write one of the outputs on its own.")
app.add_typer(export, name="export")


@export.command("figures")
def export_figures(path: Path = ReviewPath) -> None:
    """Draw the figure of every competency and every source for print: PDF, PNG at 300 dpi (6.5
    and 3.25 inches) and SVG beside its page in outputs/figures/per-competency/ and per-source/
    (a Chrome or Chromium is needed; figures already drawn and unchanged are kept)."""
    from .analysis.evidence import review_voices, weigh_evidence
    from .outputs.charts import FigureContext
    from .outputs.figures import draw_images
    from .outputs.focus import KINDS, focus_figures, update_focus_figures
    from .outputs.report import outputs_folder

    review = Review.find(path)
    voices = review_voices(review)
    context = FigureContext(review, weigh_evidence(review, voices), voices)
    figures = outputs_folder(review.path) / "figures"
    update_focus_figures(review, context, figures)
    failed = False
    for kind, folder in KINDS.items():
        drawn = focus_figures(review, context, kind)
        written, notice = draw_images(drawn, figures / folder, kind)
        if notice:
            console.print(f"note: {notice}", markup=False, soft_wrap=True)
        failed = failed or bool(notice)
        console.print(f"A figure per {kind}: {len(drawn)}, drawn as {len(written)} files in "
                      f"{(figures / folder).relative_to(review.path)}/", markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@export.command("qdc")
def export_qdc(path: Path = ReviewPath,
               out: Path = typer.Option(None, "--out", help="The file (default outputs/codebook.qdc).")) -> None:
    """Write the codebook for NVivo, ATLAS.ti, MAXQDA and QualCoder (REFI-QDA Codebook Exchange, .qdc)."""
    from .files import write_atomic
    from .outputs.refi import codebook_xml

    review = Review.load(path)
    if review.codebook.empty:  # a .qdc holds at least one code
        errors.print("litcoder: the codebook has no competencies to export; `litcoder validate` says why",
                     markup=False, soft_wrap=True)
        raise typer.Exit(1)
    target = out or review.path / OUTPUTS / "codebook.qdc"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, codebook_xml(review))
    except OSError as err:
        errors.print(f"litcoder: {target} cannot be written: {err.strerror or err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"{target}: {len(review.codebook)} competencies in {review.codebook['group'].nunique()} groups, "
                  "each with a code per framing", markup=False, soft_wrap=True)


@export.command("qdpx")
def export_qdpx(path: Path = ReviewPath,
                out: Path = typer.Option(None, "--out", help="The file (default outputs/project.qdpx)."),
                offsets: str = typer.Option("codepoints", "--offsets",
                                            help="Count positions in codepoints (the standard's characters, as "
                                                 "QualCoder does) or utf16 (code units, as NVivo does).")) -> None:
    """Write the coded project for NVivo, ATLAS.ti, MAXQDA and QualCoder (REFI-QDA Project Exchange, .qdpx):
    the codebook, every source's text, every coding with its coder and memo."""
    from .files import write_atomic
    from .outputs.refi import project_archive

    if offsets not in ("codepoints", "utf16"):
        errors.print(f"litcoder: --offsets is codepoints or utf16, not {offsets!r}", markup=False)
        raise typer.Exit(2)
    review = Review.load(path)
    if review.codebook.empty:
        errors.print("litcoder: the codebook has no competencies to export; `litcoder validate` says why",
                     markup=False, soft_wrap=True)
        raise typer.Exit(1)
    data, counts = project_archive(review, utf16=offsets == "utf16")
    target = out or review.path / OUTPUTS / "project.qdpx"
    try:
        write_atomic(target, data)
    except OSError as err:
        errors.print(f"litcoder: {target} cannot be written: {err.strerror or err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"{target}: {counts['sources']} sources with their texts, {counts['codings']} codings by "
                  f"{counts['coders']} coders, {counts['notes']} memos as notes; positions in {offsets}",
                  markup=False, soft_wrap=True)
    if counts["left_out"]:
        console.print(f"note: {counts['left_out']} codings are not in it: they have no place in a text (orphans, or "
                      "a source without text); `litcoder validate` names them", markup=False, soft_wrap=True)


@export.command("docx")
def export_docx(path: Path = ReviewPath) -> None:
    """Write outputs/report.docx, the committee's report draft for Word (APA 7), with the figures
    already drawn in outputs/figures/ (run `litcoder build` first to draw them)."""
    from .analysis.evidence import weigh_evidence
    from .outputs.report import BuildResult, outputs_folder, report_docx

    review = Review.find(path)
    evidence = weigh_evidence(review)
    out = outputs_folder(review.path)
    result = BuildResult(review, evidence, written=sorted((out / "figures").glob("*.png")))
    drawn = len(result.written)
    report_docx(review, evidence, out, result, anyway=True)
    for notice in result.notices:
        console.print(f"note: {notice}", markup=False, soft_wrap=True)
    if len(result.written) == drawn:
        raise typer.Exit(1)
    written = result.written[-1]
    shown = os.path.relpath(written) if written.is_relative_to(Path.cwd()) else str(written)
    console.print(f"Word report: {shown}" + ("" if drawn else " (no figures: run `litcoder build` to draw them)"),
                  markup=False, soft_wrap=True)


codebook = typer.Typer(no_args_is_help=True, help="Rename, merge or split competencies, carrying the codings along.")
app.add_typer(codebook, name="codebook")
Review_ = typer.Option(Path("."), "--review", help="The review's folder.")
Why = typer.Option("", "--why", help="Why the committee made the change (kept in corpus/codebook-changes.csv).")
By = typer.Option("", "--by", help="Who made it (default: the coder remembered on this machine).")


def _codebook_change(path: Path, make) -> None:
    from .inputs.codebook_changes import CodebookChangeError
    from .store import CoderFileError

    root = Review.find(path).path
    try:
        report = make(root)
    except (CodebookChangeError, CoderFileError) as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for line in report.lines() or ["nothing else refers to it: only the codebook changed"]:
        console.print(f"  {line}", markup=False, soft_wrap=True)


def _by(root: Path, by: str) -> str:
    from .screens.session import remembered_coder

    return by or remembered_coder(root)


@codebook.command("rename")
def codebook_rename(old: str = typer.Argument(..., help="The competency's id now."),
                    new: str = typer.Argument(None, help="Its new id (leave out to change only the label)."),
                    label: str = typer.Option(None, "--label", help="A new label."),
                    why: str = Why, by: str = By, path: Path = Review_) -> None:
    """Give a competency a new id everywhere: codebook, every coder's codings, settlements, rulings, memos."""
    from .inputs.codebook_changes import rename

    console.print(f"{old} → {new or old}" + (f" ({label})" if label else ""), markup=False)
    _codebook_change(path, lambda root: rename(root, old, new, label, _by(root, by), why))


@codebook.command("merge")
def codebook_merge(old: str = typer.Argument(..., help="The competency to fold in (it leaves the codebook)."),
                   into: str = typer.Argument(..., help="The competency it becomes part of."),
                   why: str = Why, by: str = By, path: Path = Review_) -> None:
    """Fold one competency into another: its codings become the other's; its ruling is retired to the log."""
    from .inputs.codebook_changes import merge

    console.print(f"{old} merged into {into}", markup=False)
    _codebook_change(path, lambda root: merge(root, old, into, _by(root, by), why))


@codebook.command("split")
def codebook_split(old: str = typer.Argument(..., help="The competency to split."),
                   parts: list[str] = typer.Argument(..., help="Two or more new ids."),
                   label: list[str] = typer.Option(None, "--label", help="A label for each new id, in order."),
                   why: str = Why, by: str = By, path: Path = Review_) -> None:
    """Split a competency in two or more; its codings wait for a coder to recode them."""
    from .inputs.codebook_changes import split

    console.print(f"{old} split into {', '.join(parts)}", markup=False)
    _codebook_change(path, lambda root: split(root, old, parts, label, _by(root, by), why))
    console.print("Each coder recodes their codings of it: `litcoder codebook recode`", markup=False)


@codebook.command("migrate")
def codebook_migrate(path: Path = Review_) -> None:
    """Write into the files what the change log leads old ids to (codings merged in from other clones)."""
    from .inputs.codebook_changes import migrate

    _codebook_change(path, migrate)


@codebook.command("recode")
def codebook_recode(coding: str = typer.Argument(None, help="A waiting coding's id (leave out to list them)."),
                    competency: str = typer.Argument(None, help="The part of the split competency it shows."),
                    coder: str = typer.Option("", "--coder", help="Whose coding (default: the remembered coder)."),
                    path: Path = Review_) -> None:
    """List the codings of split competencies waiting to be recoded, or recode one."""
    from .inputs.codebook_changes import CodebookChangeError, recode, waiting

    root = Review.find(path).path
    if coding is None:
        table = waiting(root)
        if table.empty:
            console.print("No coding waits to be recoded.", markup=False)
        for row in table.itertuples():
            console.print(f"{row.coder} {row.id} ({row.citekey}, passage {row.passage}): {row.competency} → "
                          f"{row.choose}: “{row.quote[:80]}”", markup=False, soft_wrap=True)
        return
    try:
        recode(root, _by(root, coder), coding, competency or "")
    except CodebookChangeError as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"{coding} is now coded {competency}", markup=False)


@app.command("setup-git")
def setup_git_command(path: Path = ReviewPath) -> None:
    """Once per clone: merge the review's CSV files row by row when git merges (no conflict markers)."""
    from .merging import GitError, setup_git

    root = Review.find(path).path
    try:
        for line in setup_git(root, sys.executable):
            console.print(line, markup=False, soft_wrap=True)
    except (GitError, OSError) as err:
        errors.print(f"litcoder: {err}; is {root} a git clone, with git installed?", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command("strip-notebook", hidden=True)
def strip_notebook_command() -> None:
    """git's clean filter for notebooks (named by `litcoder setup-git`): stdin without outputs to stdout."""
    from .merging import main as git_helper

    git_helper(["strip-notebook"])


@app.command("merge-file", hidden=True)
def merge_file_command(base: Path, ours: Path, theirs: Path, path: str) -> None:
    """git's merge driver for the review's CSV files and codebook (named by `litcoder setup-git`)."""
    from .merging import main as git_helper

    git_helper(["merge-file", str(base), str(ours), str(theirs), path])


@app.command()
def assign(coders: list[str] = typer.Argument(..., help="The coders to share the sources among."),
           overlap: float = typer.Option(0.2, help="The share of sources each coded by two coders (0 to 1)."),
           seed: int = typer.Option(1, help="The same seed gives the same plan."),
           replace: bool = typer.Option(False, "--replace", help="Make a new plan over corpus/assignments.csv."),
           path: Path = typer.Option(Path("."), "--review", help="The review's folder.")) -> None:
    """Plan who codes which source, with a share double-coded for agreement (corpus/assignments.csv)."""
    from .inputs.assignments import PlanError, plan_assignments, progress, write_assignments

    review = Review.find(path)
    try:
        plan = plan_assignments(review.sources["citekey"].tolist(), coders, overlap, seed)
        written = write_assignments(review.path, plan, replace)
    except PlanError as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"{written.relative_to(review.path).as_posix()}: {plan['citekey'].nunique()} sources among "
                  f"{len(set(coders))} coders", markup=False)
    for row in progress(plan, review.coverage).itertuples():
        console.print(f"  {row.coder}: {row.sources} sources ({row.coded_twice} coded twice), {row.finished} "
                      "finished", markup=False)


@app.command()
def history(kind: str = typer.Argument(..., help="competency, ruling, source or coding."),
            key: str = typer.Argument(..., help="Its id: a competency id, a citekey, or a coding as coder/id."),
            path: Path = typer.Option(Path("."), "--review", help="The review's folder."),
            use_git: bool = typer.Option(True, "--git/--no-git", help="Also read the commits (git log)."),
            as_csv: bool = typer.Option(False, "--csv", help="Print CSV for a spreadsheet, not a table.")) -> None:
    """Who changed what and when: a competency, a ruling, a source or a coding, from the review's logs and git."""
    from .inputs.history import CHANGE_COLUMNS, changes
    from .problems import ProblemLog

    root = Review.find(path).path
    log = ProblemLog("")
    try:
        table = changes(root, kind, key, use_git=use_git, log=log)
    except ValueError as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    for problem in log:
        errors.print(str(problem), markup=False, soft_wrap=True)
    if as_csv:
        sys.stdout.write(spreadsheet_csv(table))
        return
    shown = Table(title=f"History of {kind} {key}: {len(table)} change(s), oldest first", title_justify="left",
                  show_edge=False)
    shown.add_column("when", no_wrap=True)
    shown.add_column("who", overflow="fold", ratio=1)
    shown.add_column("what", ratio=4)
    shown.add_column("where", overflow="fold", ratio=2)
    for row in table[CHANGE_COLUMNS].itertuples(index=False):
        when = str(row.when)[:16].replace("T", " ")  # to the minute: the table's width goes to what was done
        shown.add_row(escape(when), escape(str(row.who)), escape(str(row.what)),
                      escape(str(row.where).removeprefix("corpus/")))
    console.print(shown)


@app.command()
def screening(path: Path = ReviewPath,
              resamples: int = typer.Option(1000, help="Bootstrap resamples for kappa's interval.")) -> None:
    """How the literature was selected: the searches, the screening so far, what waits to be resolved."""
    from .analysis.selection import flow, screening_agreement
    from .inputs.screening import STAGE_LABELS, latest_decisions

    review = Review.load(path)
    selection = review.selection
    if not selection.configured:
        console.print("This review names no searches: add [[searches]] to litcoder.toml (docs/review-format.md, "
                      "Searches and screening).", markup=False, soft_wrap=True)
        return
    counts = flow(selection)
    searches = Table(title="Searches", title_justify="left", show_edge=False)
    for column in ("search", "method", "source", "date", "records"):
        searches.add_column(column)
    for row in selection.searches.itertuples():
        searches.add_row(*(escape(str(v)) for v in (row.search, row.method, row.source, row.date, row.records)))
    console.print(searches)
    left, right = counts.databases, counts.other
    console.print(f"{left.records + right.records} records; {left.duplicates + right.duplicates} duplicates removed; "
                  f"{left.screened} screened on title and abstract, {left.screened_excluded} excluded; "
                  f"{left.assessed + right.assessed} reports assessed in full text; {counts.included} included.",
                  markup=False, soft_wrap=True)
    waiting = selection.paths[selection.paths["outcome"].isin(["awaiting screening", "conflict"])]
    for (stage, outcome), group in waiting.groupby(["stage", "outcome"]):
        console.print(f"{STAGE_LABELS[stage]}: {len(group)} {outcome}: {', '.join(group['work'].head(12))}"
                      + (" …" if len(group) > 12 else ""), markup=False, soft_wrap=True)
    conflicts = waiting[waiting["outcome"] == "conflict"]
    latest = latest_decisions(selection.decisions)
    for work in conflicts.itertuples():
        said = latest[(latest["record"] == work.work) & (latest["stage"] == work.stage)]
        ways = "; ".join(f"{r.screener} {r.decision}" + (f" ({r.reason})" if r.reason else "") for r in
                         said.itertuples())
        console.print(f"  {work.work} at {STAGE_LABELS[work.stage]}: {ways} — resolve it in "
                      "corpus/screening-resolved.csv", markup=False, soft_wrap=True)
    agreement = screening_agreement(selection, resamples=resamples)
    for row in agreement.itertuples():
        console.print(f"{STAGE_LABELS[row.stage]}: {row.screener_a} and {row.screener_b} both screened {row.records} "
                      f"records; agreement {row.agreement:.0%}, Cohen's kappa {row.kappa:.2f} "
                      f"(95% interval {row.kappa_low:.2f} to {row.kappa_high:.2f})", markup=False, soft_wrap=True)


@app.command()
def enrol(coder: str = typer.Argument(..., help="The practice coder to count from now on."),
          path: Path = typer.Option(Path("."), "--review", help="The review's folder.")) -> None:
    """Count a practice coder: move their codings and coverage out of the practice folders."""
    from .screens.session import CodingError
    from .screens.session import enrol as enrol_coder

    root = Review.find(path).path
    try:
        moved = enrol_coder(root, coder)
    except CodingError as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"{coder} is now a coder of the review; their codings count in agreement, the evidence and the "
                  "report from the next build:", markup=False)
    for file in moved:
        console.print(f"  {file.relative_to(root).as_posix()}", markup=False)


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder for the new review (must not exist or be empty)."),
         git: bool = typer.Option(True, "--git/--no-git", help="Make it a git repository set up for merging "
                                  "(litcoder setup-git), where git is installed.")) -> None:
    """Make a new, empty review with a starter codebook."""
    from .merging import GitError, start_git

    made = init_review(directory)
    console.print(f"Made a new review in [bold]{directory}[/bold]:")
    for path in made:
        console.print(f"  {path.relative_to(directory).as_posix()}", markup=False)
    if git and shutil.which("git"):
        try:
            console.print("git: " + "; ".join(start_git(directory, sys.executable)), markup=False, soft_wrap=True)
        except (GitError, OSError) as err:
            console.print(f"note: git was not set up ({err}); run `litcoder setup-git` in a clone", markup=False)
    console.print("Next: add your works to references.bib, "
                  "their texts to corpus/sources/<citekey>.pdf (.html, .docx, .md), "
                  f"then run `litcoder build {directory}`.")


def main() -> None:
    """Entry point: mistakes in the user's folder are one line; our own bugs leave a log."""
    try:
        app(standalone_mode=True)
    except (NotAReview, ProjectExists, RefusedFolder) as err:
        errors.print(f"litcoder: {err}", markup=False, soft_wrap=True)
        sys.exit(1 if isinstance(err, RefusedFolder) else 2)
    except OSError as err:  # a folder not writable, a file where a folder should be, a full disk
        errors.print(f"litcoder: {err.strerror or err}: {err.filename or ''}", markup=False)
        sys.exit(1)
    except Exception:
        if os.environ.get("LITCODER_DEBUG"):
            raise
        details = traceback.format_exc()
        log = write_error_log(details)
        where = (f"Details were written to {log}; please report it with that file" if log else
                 "The details could not be written to a file; please report it with the traceback "
                 "LITCODER_DEBUG=1 shows")
        errors.print(f"litcoder: internal error: {sys.exc_info()[1]!r}. {where} (set LITCODER_DEBUG=1 to see the "
                     "traceback).", markup=False)
        sys.exit(3)


def error_log_folders() -> list[Path]:
    """Where this user's error logs may go, the first that works: $XDG_CACHE_HOME/litcoder,
    else ~/.cache/litcoder (on Windows %LOCALAPPDATA%/litcoder)."""
    folders = []
    for variable in ("XDG_CACHE_HOME", "LOCALAPPDATA"):
        if os.environ.get(variable) and Path(os.environ[variable]).is_absolute():
            folders.append(Path(os.environ[variable]) / "litcoder")
    try:
        folders.append(Path.home() / ".cache" / "litcoder")
    except (RuntimeError, KeyError):
        pass  # no home folder known: the temp folder below
    return folders


def write_error_log(details: str) -> Path | None:
    """A new file, readable by this user only (0600), holding `details` (a traceback): in
    this user's cache folder (error_log_folders), else a new file of its own name in the
    system's temp folder; None when neither can be written. Never raises: it runs while
    litcoder is already failing."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in [*error_log_folders(), None]:
        try:
            if folder is not None:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(prefix=f"litcoder-error-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(details)
            return Path(name)
        except (OSError, ValueError):
            continue
    return None


if __name__ == "__main__":
    main()
