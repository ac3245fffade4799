"""A review project on disk → tidy frames and a list of problems. The one entry point.

    >>> review = Review.load(".")
    >>> review.summary()["sources"], len(review.codebook)
    (12, 24)
    >>> list(review.problems_frame().columns)
    ['severity', 'file', 'line', 'message', 'action', 'kind']

The frames are review.sources, .passages, .codebook, .codings and .decisions; .coverage
holds the sources each coder has finished, and .coverage_log every event of the coders'
coverage logs (finished, reopened, revealed, nothing, nothing-withdrawn); .attributes each
source's attributes (source type, field …) as litcoder.toml defines them; .assignments
who codes which source (corpus/assignments.csv, written by `litcoder assign`; empty
when the committee has no plan).

Loading never stops at bad input: each file's good rows are kept and every problem is
listed with its file and line.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .alongside import no_collection
from .inputs.assignments import COLUMNS as ASSIGNMENT_COLUMNS
from .inputs.assignments import read_assignments
from .inputs.attributes import read_attributes
from .inputs.bibliography import closest, sources_frame
from .inputs.codebook import read_codebook
from .inputs.codebook_changes import CHANGE_COLUMNS, moves, read_changes
from .inputs.codings import read_codings
from .inputs.corpus import PASSAGE_COLUMNS, Corpus, describe_texts, missing_texts, read_corpus, unplaced_codings
from .inputs.coverage import LOG_COLUMNS, read_coverage
from .inputs.decisions import read_decisions
from .inputs.memos import COLUMNS as MEMO_COLUMNS
from .inputs.memos import read_memos
from .inputs.pages import cited_pages
from .inputs.references import find_duplicates, read_references
from .inputs.screening import Selection, empty_selection, read_screening, selection_problems, unsearched_screening
from .inputs.searches import read_searches
from .inputs.settings import DEFAULT_SETTINGS, read_settings
from .inputs.settlements import apply_settlements, read_settlements
from .layout import (
    ASSIGNMENTS,
    ATTRIBUTES,
    BIBLIOGRAPHY,
    CODEBOOK,
    CODEBOOK_CHANGES,
    CODINGS,
    COVERAGE,
    DECISIONS,
    MEMOS,
    SETTINGS_FILE,
    SETTLEMENTS,
    SOURCES,
)
from .merging import setup_missing
from .problems import Problem, ProblemLog, count_by_severity, problems_frame


class ReferenceReports(list):
    """The import report of each reference file, in the order read."""

    def summary(self) -> str:
        return "\n".join(report.summary() for report in self)


def read_sources(root: Path, files: list[str], distinct: list[list[str]] = ()):
    """The sources table from every reference file, the problems met and the import reports.

    A citekey already read from an earlier file is reported and left out; two records that
    look like the same work (same DOI, or same title, year and first author) are reported
    with both places, and both kept: a reprint or another edition may be a work of its own.
    Citekeys grouped in `distinct` (litcoder.toml) are different works: not reported.
    @string macros of a BibTeX file are seen by the BibTeX files after it, in the listed order,
    as BibTeX sees those of `\\bibliography{defs,papers}`.
    """
    rows, logs, reports, taken = [], [], [], set()
    first: dict[str, dict] = {}
    strings: dict[str, str] = {}  # the @string macros of the BibTeX files read so far
    for name in files:
        file_rows, log, report = read_references(root / name, name, taken=set(taken), strings=strings)
        logs.append(log)
        reports.append(report)
        for row in file_rows:
            if row["citekey"] in first:
                earlier = first[row["citekey"]]
                log.error(row["line"], f"citekey '{row['citekey']}' is already used in {earlier['file']} "
                          f"(line {earlier['line']}); this record was left out",
                          "give one of them another citekey, or remove the repeat", "ref-duplicate-key")
                continue
            first[row["citekey"]] = row
            taken.add(row["citekey"])
            rows.append(row)
    duplicates = ProblemLog(files[0] if files else BIBLIOGRAPHY)
    apart = {frozenset((a, b)) for group in distinct for a in group for b in group if a != b}
    settings = ProblemLog(SETTINGS_FILE)
    for unknown in sorted({k for group in distinct for k in group} - set(first)):
        settings.warning(None, f"references.distinct names '{unknown}', which no reference file has"
                         f"{closest(unknown, first)}", "fix the citekey", "settings-distinct")
    logs.append(settings)
    for one, other, reason in find_duplicates(rows):
        if frozenset((one["citekey"], other["citekey"])) in apart:
            continue
        duplicates.warning(None, f"{other['citekey']} ({other['file']}:{other['line']}) and {one['citekey']} "
                           f"({one['file']}:{one['line']}) look like the same work: {reason}",
                           "if they are, keep one and move its codings; if not (a reprint, another edition), "
                           "name them in references.distinct in litcoder.toml",
                           "ref-duplicate")
    logs.append(duplicates)
    return sources_frame(rows), logs, reports


NOWHERE = Path(os.devnull) / "nothing"
"""A path that never exists: a loader given it returns its empty result."""


def _read_selection(root: Path, sources: pd.DataFrame, codings: pd.DataFrame) -> tuple[Selection, list[ProblemLog]]:
    """The searches, their records and the screening, with what they say of the sources."""
    searches = read_searches(root, sources)
    if not searches.configured:
        return empty_selection(), [*searches.problems, unsearched_screening(root)]
    decisions, resolved, logs = read_screening(root, searches.records, searches.reasons)
    selection = Selection(searches.searches, searches.records, decisions, resolved, searches.reasons,
                          searches.screeners)
    return selection, [*searches.problems, *logs,
                       selection_problems(selection, sources, set(codings["citekey"]))]


def _setup_git_problems(root: Path) -> list[Problem]:
    """A clone whose git would merge the review's files line by line (no `litcoder setup-git`)."""
    missing = setup_missing(root)
    return [Problem("warning", ".git/config", None, missing, "run `litcoder setup-git` once in this clone (every "
                    "member, in each of their clones); see README, Working as a team", "setup-git")] if missing else []


class _Guard:
    """Runs one loader so that an exception it lets escape (a bug in litcoder, met on some
    input) is one problem naming the file, and the review goes on as if the file held nothing."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def __call__(self, file: str, read, nothing):
        try:
            return read()
        except Exception as err:
            message = " ".join(str(err).split())[:200]
            self.problems.append(Problem(
                "error", file, None, f"litcoder failed while reading this ({type(err).__name__}: {message}); "
                "it was left out of the review", "please report it to litcoder's developers with this file; "
                "the rest of the review was read", "internal"))
            return nothing()


class NotAReview(Exception):
    """The folder is not a review project (it has neither references.bib nor corpus/)."""


@dataclass
class Review:
    path: Path
    sources: pd.DataFrame
    passages: pd.DataFrame
    codebook: pd.DataFrame
    groups: pd.DataFrame
    codings: pd.DataFrame
    decisions: pd.DataFrame
    coverage: pd.DataFrame
    settlements: pd.DataFrame
    texts: dict[str, str]
    text_files: dict[str, str]
    text_pages: dict[str, list[int]]
    """Where each page starts in the text, for sources with pages (PDFs)."""
    bibliography_report: ReferenceReports
    problems: list[Problem] = field(default_factory=list)
    coverage_log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LOG_COLUMNS))
    """Every event of the coverage logs, in each file's order (inputs.coverage.LOG_COLUMNS)."""
    attributes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["citekey"]))
    """A row per source, a column per attribute litcoder.toml defines ('' where not known)."""
    attribute_definitions: dict = field(default_factory=dict)
    """Each attribute's label and allowed values, as litcoder.toml defines them (settings' "attributes")."""
    codebook_changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    """corpus/codebook-changes.csv: the renames, merges and splits of competencies, in order."""
    memos: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MEMO_COLUMNS))
    """corpus/memos/<kind>/<id>.md: the memos on competencies, sources and rulings (inputs.memos)."""
    assignments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*ASSIGNMENT_COLUMNS, "line"]))
    """corpus/assignments.csv: a row per source and the coder it is given to (citekey, coder, line);
    empty when there is no plan (inputs.assignments)."""
    selection: Selection = field(default_factory=lambda: empty_selection())
    """How the literature was selected: the searches, their records, the screening (inputs.screening)."""

    @classmethod
    def load(cls, path: str | Path = ".") -> Review:
        """Read every input of the review at `path`."""
        root = Path(path).resolve()
        if not (root / BIBLIOGRAPHY).exists() and not (root / "corpus").is_dir():
            raise NotAReview(f"{root} is not a review: it has neither {BIBLIOGRAPHY} nor corpus/ "
                             "(run `litcoder init` to make one)")
        with no_collection():
            return cls._read(root)

    @classmethod
    def _read(cls, root: Path) -> Review:
        problems: list[Problem] = []
        guard = _Guard(problems)
        settings, log = guard(SETTINGS_FILE, lambda: read_settings(root), lambda: (copy.deepcopy(DEFAULT_SETTINGS), []))
        problems += log
        files, distinct = settings["references"]["files"], settings["references"]["distinct"]
        sources, logs, reports = guard(files[0] if files else BIBLIOGRAPHY, lambda: read_sources(root, files, distinct),
                                       lambda: read_sources(root, [], []))
        for log in logs:
            problems += log
        citekeys = sources["citekey"].tolist()
        page_fields = dict(zip(sources["citekey"], sources["pages"]))
        corpus = guard(SOURCES, lambda: read_corpus(root / SOURCES, citekeys, root, page_fields=page_fields,
                                                    settings=settings["sources"]),
                       lambda: Corpus(pd.DataFrame(columns=PASSAGE_COLUMNS), {}, {}, {}, []))
        passages, texts, text_files = corpus.passages, corpus.texts, corpus.files
        for log in corpus.problems:
            problems += log
        for log in guard(SOURCES, lambda: missing_texts(sources, corpus), list):
            problems += log
        codebook, groups, _, log = guard(CODEBOOK, lambda: read_codebook(root / CODEBOOK, CODEBOOK),
                                         lambda: (*read_codebook(NOWHERE, CODEBOOK)[:3], []))
        problems += log
        changes, log = guard(CODEBOOK_CHANGES, lambda: read_changes(root / CODEBOOK_CHANGES),
                             lambda: read_changes(NOWHERE))
        problems += log
        moved = moves(changes, set(codebook["competency"]))
        codings, logs = guard(CODINGS, lambda: read_codings(root / CODINGS, root, sources, passages, texts, codebook,
                                                            corpus.pages, moved),
                              lambda: read_codings(NOWHERE, root, sources, passages, texts, codebook))
        for log in logs:
            problems += log
        # the printed page a reader cites ('67', 'xii'), and the page of the PDF
        codings = guard(CODINGS, lambda: cited_pages(codings, corpus.labels), lambda: codings)
        problems += guard(SOURCES, lambda: unplaced_codings(corpus, codings), list)
        decisions, log = guard(DECISIONS, lambda: read_decisions(root / DECISIONS, DECISIONS, codebook, moved),
                               lambda: read_decisions(NOWHERE, DECISIONS, codebook))
        problems += log
        counts = passages.groupby("citekey").size().to_dict()
        coverage, coverage_log, logs = guard(
            COVERAGE, lambda: read_coverage(root / COVERAGE, root, set(citekeys), counts),
            lambda: read_coverage(NOWHERE, root, set(citekeys)))
        for log in logs:
            problems += log
        known = set(codebook["competency"]), set(citekeys)
        settlements, log = guard(SETTLEMENTS, lambda: read_settlements(root / SETTLEMENTS, SETTLEMENTS, *known, moved),
                                 lambda: read_settlements(NOWHERE, SETTLEMENTS, *known))
        problems += log
        memos, log = guard(MEMOS, lambda: read_memos(root, set(codebook["competency"]), set(citekeys)),
                           lambda: read_memos(NOWHERE, set(), set()))
        problems += log
        definitions = settings["attributes"]
        attributes, log = guard(ATTRIBUTES, lambda: read_attributes(root / ATTRIBUTES, ATTRIBUTES, definitions,
                                                                     citekeys),
                                lambda: read_attributes(NOWHERE, ATTRIBUTES, definitions, citekeys))
        problems += log
        assignments, log = guard(ASSIGNMENTS, lambda: read_assignments(root / ASSIGNMENTS, set(citekeys)),
                                 lambda: read_assignments(NOWHERE, set()))
        problems += log
        selection, logs = guard(SETTINGS_FILE, lambda: _read_selection(root, sources, codings),
                                lambda: (empty_selection(), []))
        for log in logs:
            problems += log
        problems += _setup_git_problems(root)
        sources = sources.drop(columns="_people").assign(
            text_file=[text_files.get(citekey, "") for citekey in sources["citekey"]],
            passages=sources["citekey"].map(passages.groupby("citekey").size()).fillna(0).astype("int64"),
        )
        return cls(root, sources, passages, codebook, groups, codings, decisions, coverage, settlements, texts,
                   text_files, corpus.pages, ReferenceReports(reports), problems, coverage_log, attributes,
                   definitions, changes, memos, assignments, selection)

    @classmethod
    def find(cls, start: str | Path = ".") -> Review:
        """Load the review that holds `start`: the first folder upwards with references.bib or corpus/.

        Notebooks use this, so they work from notebooks/ as from the review's own folder.
        """
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            if (folder / BIBLIOGRAPHY).exists() or (folder / "corpus").is_dir():
                return cls.load(folder)
        raise NotAReview(f"no review in {here} or the folders above it (run `litcoder init` to make one)")

    @property
    def counted_codings(self) -> pd.DataFrame:
        """The codings as the evidence counts them: with the committee's settlements of
        disagreements applied (see settle.apply_settlements)."""
        return apply_settlements(self.codings, self.settlements)

    @property
    def quoted_codings(self) -> pd.DataFrame:
        """The codings shown as evidence (cards, figures, tables): each coder's own framing,
        without those the committee settled absent (apply_settlements keeps the index)."""
        return self.codings.loc[self.counted_codings.index]

    @property
    def moves(self) -> dict:
        """Old competency id → where the codebook's change log leads it (codebook_changes.moves)."""
        return moves(self.codebook_changes, set(self.codebook["competency"]))

    @property
    def coders(self) -> list[str]:
        return sorted(self.codings["coder"].unique())

    def texts_summary(self) -> str:
        """What the source texts are: '9 Markdown notes, 1 PDF (3 pages), 1 web page, 1 Word file'."""
        return describe_texts(self.text_files, self.text_pages)

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def problem_counts(self) -> dict[str, int]:
        return count_by_severity(self.problems)

    def summary(self) -> dict[str, int]:
        """Counts of what was loaded, for the CLI, the report and notebooks."""
        return {
            "sources": len(self.sources),
            "sources_with_text": int((self.sources["passages"] > 0).sum()),
            "passages": len(self.passages),
            "competencies": len(self.codebook),
            "coders": len(self.coders),
            "codings": len(self.codings),
            "decisions": len(self.decisions),
            "finished": len(self.coverage),
        }
