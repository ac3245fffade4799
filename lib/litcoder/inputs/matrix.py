"""A reliability data matrix from a CSV file (`litcoder agreement --matrix`): any coders'
values on any units, for the agreement coefficients.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from ..files import read_text
from ..problems import ProblemLog

CODERS_LIMIT = 1000
"""The most coders (columns) a matrix may have. The coefficients compare every pair of
coders, so time and memory grow with the square of their number: 1,000 coders take about
4 s and 0.3 GB, 3,000 take 16 s and 1.7 GB, 200,000 would need terabytes."""
CELL_LIMIT = 1024
"""The longest value read, in characters. A value is a category or a number, a few
characters; a longer cell is a mistake, most often a quote that is never closed, which
runs the rows after it into one cell."""
MISSING = ("nan",)
"""Cells that programs write for a missing value (pandas, R and numpy write NaN): read as
missing, with a warning, as a blank cell is the way to say it."""


def read_matrix(path, level: str = "nominal"):
    """A reliability data matrix from a CSV file: a header naming the coders, one row per
    unit, one column per coder, a blank cell for a missing value.

    Nominal values may be any text (each distinct text is a category); other levels need
    finite numbers, and a cell that is not one is an error naming its line (no matrix is
    given, as a coefficient on the other cells would not be the one asked for). A cell
    `NaN` is read as missing, with a warning. Returns (matrix, coders, categories, problems).
    """
    path = Path(path)
    log = ProblemLog(path.name)
    rows = _rows(read_text(path, log).splitlines(), log)
    if not rows:
        if not log:
            log.error(1, "the file is empty", "put the coders' names in the first row", "matrix-empty")
        return np.empty((0, 0)), [], [], list(log)
    first, header = rows[0]
    coders = [c.strip() or f"coder {i + 1}" for i, c in enumerate(header)]
    if len(coders) > CODERS_LIMIT:
        log.error(first, f"{len(coders):,} coders (columns); litcoder measures agreement among at most "
                  f"{CODERS_LIMIT:,}, so nothing was measured", "a matrix has one column per coder and one row per "
                  "unit: check that it is not turned on its side, or measure groups of coders apart", "matrix-coders")
        return np.empty((0, 0)), [], [], list(log)
    cells = _cells(rows[1:], len(coders), log)
    texts = {c for _, row in cells for c in row if c}
    numeric = all(_is_number(t) for t in texts)
    categories = sorted(texts, key=float) if numeric else sorted(texts)
    code = {t: (float(t) if numeric else float(i)) for i, t in enumerate(categories)}
    if level != "nominal" and not numeric:
        for number, row in cells:
            bad = [c for c in row if c and not _is_number(c)]
            if bad:
                log.error(number, f"'{bad[0]}' is not a {_finite(bad[0])}number, and the {level} level needs "
                          "numbers", "use --level nominal, or code the values as numbers", "matrix-level")
        return np.empty((0, len(coders))), coders, categories, list(log)
    if not numeric and all(_is_number(t) or _finite(t) for t in texts):
        number, bad = next((n, c) for n, row in cells for c in row if c and not _is_number(c))
        log.warning(number, f"'{bad}' is not a finite number; at the nominal level it is taken as a category of its "
                    "own, and every value as text", "check the cell: leave it blank if the value is missing",
                    "matrix-value")
    matrix = np.array([[code[c] if c else np.nan for c in row] for _, row in cells], dtype=float)
    return matrix.reshape(len(cells), len(coders)), coders, categories, list(log)


_ONE_VALUE = "a cell holds one value, a category or a number: check for a quote that is never closed"


def _rows(lines: list[str], log: ProblemLog) -> list[tuple[int, list[str]]]:
    """(line, cells) of each row the csv module can read; a row it cannot (a cell longer than
    its limit) is an error naming its line, and left out."""
    first = lines[0] if lines else ""
    reader = csv.reader(lines, delimiter=";" if first.count(";") > first.count(",") else ",")
    rows = []
    while True:
        number = reader.line_num + 1
        try:
            rows.append((number, next(reader)))
        except StopIteration:
            return rows
        except csv.Error as err:
            log.error(number, f"this row cannot be read as CSV ({err}); it was left out", _ONE_VALUE, "matrix-row")
            if number == 1:
                return []  # no header: no coders to read the rest by


def _cells(rows: list[tuple[int, list[str]]], coders: int, log: ProblemLog) -> list[tuple[int, list[str]]]:
    """Each unit's row of values: stripped, cut or padded to one per coder, NaN as blank."""
    cells, missing = [], []
    for number, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) > coders:
            log.error(number, f"{len(row)} values but {coders} coders; the extra ones are ignored",
                      "one column per coder", "matrix-row")
        row = [c.strip() for c in row[:coders]] + [""] * (coders - len(row))
        longest = max(row, key=len)
        if len(longest) > CELL_LIMIT:
            log.error(number, f"a cell of {len(longest):,} characters, where a value is at most {CELL_LIMIT:,}; this "
                      "row was left out", _ONE_VALUE, "matrix-row")
            continue
        missing += [number] * sum(c.lower() in MISSING for c in row)
        cells.append((number, ["" if c.lower() in MISSING else c for c in row]))
    if missing:
        log.warning(missing[0], f"{len(missing)} cell(s) say NaN (the first on this line); they are read as missing "
                    "values", "leave a cell blank to say its value is missing", "matrix-missing")
    return cells


def _is_number(text: str) -> bool:
    """Whether the text is a finite number ('inf' and 'nan' are not)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _finite(text: str) -> str:
    """'finite ' when the text is a number but not a finite one, else ''."""
    try:
        float(text)
        return "finite "
    except ValueError:
        return ""
