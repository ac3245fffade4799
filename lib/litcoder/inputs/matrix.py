"""A reliability data matrix from a CSV file (`litcoder agreement --matrix`): any coders'
values on any units, for the agreement coefficients.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..files import read_text
from ..problems import ProblemLog


def read_matrix(path, level: str = "nominal"):
    """A reliability data matrix from a CSV file: a header naming the coders, one row per
    unit, one column per coder, a blank cell for a missing value.

    Nominal values may be any text (each distinct text is a category); other levels need
    numbers, and a cell that is not one is an error naming its line (no matrix is given, as
    a coefficient on the other cells would not be the one asked for). Returns (matrix,
    coders, categories, problems).
    """
    path = Path(path)
    log = ProblemLog(path.name)
    lines = read_text(path, log).splitlines()
    rows = list(csv.reader(lines, delimiter=";" if lines and lines[0].count(";") > lines[0].count(",") else ","))
    if not rows:
        log.error(1, "the file is empty", "put the coders' names in the first row", "matrix-empty")
        return np.empty((0, 0)), [], [], list(log)
    coders = [c.strip() or f"coder {i + 1}" for i, c in enumerate(rows[0])]
    cells, texts = [], set()
    for number, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(coders):
            log.error(number, f"{len(row)} values but {len(coders)} coders; the extra ones are ignored",
                      "one column per coder", "matrix-row")
        row = [c.strip() for c in row[:len(coders)]] + [""] * (len(coders) - len(row))
        cells.append((number, row))
        texts.update(c for c in row if c)
    numeric = all(_is_number(t) for t in texts)
    categories = sorted(texts, key=float) if numeric else sorted(texts)
    code = {t: (float(t) if numeric else float(i)) for i, t in enumerate(categories)}
    if level != "nominal" and not numeric:
        for number, row in cells:
            bad = [c for c in row if c and not _is_number(c)]
            if bad:
                log.error(number, f"'{bad[0]}' is not a number, and the {level} level needs numbers",
                          "use --level nominal, or code the values as numbers", "matrix-level")
        return np.empty((0, len(coders))), coders, categories, list(log)
    matrix = np.array([[code[c] if c else np.nan for c in row] for _, row in cells], dtype=float)
    return matrix.reshape(len(cells), len(coders)), coders, categories, list(log)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
