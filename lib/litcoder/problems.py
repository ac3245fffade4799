"""Problems found in a review's inputs: which file, which line, what is wrong, what to do.

Every loader returns its good data together with a list of problems instead of raising,
so that one bad entry or row never stops the rest of the review from loading.

    >>> p = Problem("error", "corpus/codings/coder-a.csv", 12, "unknown framing 'lead'",
    ...             "use one of: leadership, management, both, neither", "coding-framing")
    >>> str(p)
    "corpus/codings/coder-a.csv:12: error: unknown framing 'lead' (use one of: leadership, management, both, neither)"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("error", "warning", "info")
"""error: something was left out of the review; warning: it was read, but check it;
info: worth knowing, nothing wrong."""

COLUMNS = ["severity", "file", "line", "message", "action", "kind"]


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    line: int | None
    message: str
    action: str = ""
    kind: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        action = f" ({self.action})" if self.action else ""
        return f"{self.where}: {self.severity}: {self.message}{action}"


class ProblemLog(list):
    """A list of problems found while reading one file, which knows that file's name."""

    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def error(self, line, message, action="", kind=""):
        self.append(Problem("error", self.file, line, message, action, kind))

    def warning(self, line, message, action="", kind=""):
        self.append(Problem("warning", self.file, line, message, action, kind))

    def info(self, line, message, action="", kind=""):
        self.append(Problem("info", self.file, line, message, action, kind))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings, then notes; within each, by file and line."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(problems, key=lambda p: (rank[p.severity], p.file, p.line or 0))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """One row per problem, in the order of sorted_problems."""
    import pandas as pd  # here, not above: git's merge driver reads problems without pandas

    frame = pd.DataFrame([asdict(p) for p in sorted_problems(problems)], columns=COLUMNS)
    frame["line"] = frame["line"].astype("Int64")
    return frame


def count_by_severity(problems: list[Problem]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for p in problems:
        counts[p.severity] += 1
    return counts
