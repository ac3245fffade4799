"""Which sources each coder has finished: corpus/coverage/<coder>.csv.

Coverage is explicit. A coder marks a source finished once every passage has been read
and judged, so that a passage without a coding means "read, nothing to code" rather than
"not read yet"; agreement counts a coder's source only once it is finished. One file per
coder (citekey, finished_at), written with the same lock and atomic replace as codings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..files import read_csv_rows
from ..problems import ProblemLog
from ..store import CsvFile, now
from .bibliography import closest

COLUMNS = ["citekey", "finished_at"]
COVERAGE_COLUMNS = ["coder", "citekey", "finished_at", "file", "line"]


def read_coverage(folder: Path, root: Path, citekeys: set[str]) -> tuple[pd.DataFrame, list[ProblemLog]]:
    """One row per (coder, source finished); problems for unknown citekeys and repeats."""
    rows, logs = [], []
    if folder.is_dir():
        for path in sorted(folder.glob("*.csv")):
            log = ProblemLog(path.relative_to(root).as_posix())
            logs.append(log)
            seen: dict[str, int] = {}
            for row in read_csv_rows(path, log, ["citekey"], COLUMNS) or []:
                citekey = row.values["citekey"]
                if citekey not in citekeys:
                    log.warning(row.line, f"unknown citekey '{citekey}'{closest(citekey, citekeys)}",
                                "use a citekey from references.bib", "coverage-citekey")
                    continue
                if citekey in seen:
                    continue  # finished twice (two merged branches): once is enough
                seen[citekey] = row.line
                rows.append({"coder": path.stem, "citekey": citekey, "finished_at": row.values.get("finished_at", ""),
                             "file": log.file, "line": row.line})
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS), logs


class CoverageFile(CsvFile):
    """A coder's finished sources, with the codings file's locking, shape keeping and atomic writes."""

    def __init__(self, path: Path):
        super().__init__(path, COLUMNS, key="citekey")

    def finished(self) -> set[str]:
        return {row.get("citekey", "") for row in self.rows()} - {""}

    def mark(self, citekey: str) -> None:
        """Mark a source finished (nothing happens if it already is)."""
        with self._locked():
            if citekey not in self.finished():
                self.append_rows({"citekey": citekey, "finished_at": now()})

    def unmark(self, citekey: str) -> None:
        """Take a source back to unfinished (every row that marks it, in case two branches both did)."""
        self.remove_where("citekey", citekey)


def finished_passages(review) -> pd.DataFrame:
    """One row per (passage, coder) for every passage of a source the coder finished."""
    finished = review.coverage[["coder", "citekey"]]
    return review.passages[["passage_id", "citekey", "passage"]].merge(finished, on="citekey")


def finished_codings(review) -> pd.DataFrame:
    """The codings of sources their coder has finished (what agreement compares)."""
    done = set(zip(review.coverage["coder"], review.coverage["citekey"]))
    codings = review.codings
    return codings[[(c, k) in done for c, k in zip(codings["coder"].tolist(), codings["citekey"].tolist())]]
