"""Spreadsheet coding sheets (CSV or XLSX) → a coder's codings file.

A member who codes in a spreadsheet hands in rows of citekey, quote, competency,
framing, memo (and page). Each quote is found in its source — tolerant of line breaks,
hyphenation at line ends, curly quotes and small slips — and the rows found are appended
to the coder's file; every other row is reported by its row number. A row's id comes from
its content, so importing the same sheet twice adds nothing the second time.

    >>> result = import_sheet(Review.load("."), Path("sheet.xlsx"), "coder-d")      # doctest: +SKIP
    >>> result.added, result.already_there, [str(p) for p in result.problems]            # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..files import number_problem, read_csv_rows, shown, whole_number
from ..inputs.anchor import Anchor, describe, locate
from ..inputs.bibliography import closest
from ..inputs.codebook import FRAMINGS
from ..layout import CODINGS
from ..problems import Problem, ProblemLog
from ..review import Review
from ..store import CoderFile, CoderFileError
from .session import coder_name_message, coder_name_problem

REQUIRED = ["citekey", "quote", "competency", "framing"]
KNOWN = REQUIRED + ["memo", "page"]

ROW_LIMIT = 100_000
"""The most rows a sheet may have: as many codings as the largest coder file litcoder is
measured on (a whole project moved from another tool), read in a few seconds (an XLSX is
read twice, once for the values and once to find formulas without a saved value). A
larger sheet is refused before it is read to the end: split it, and import each part."""


@dataclass
class SheetImport:
    coder: str
    file: Path
    added: int = 0
    already_there: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)


def read_sheet(path: Path, log: ProblemLog) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) of a CSV or XLSX sheet; row 1 is the header.

    A sheet of more than ROW_LIMIT rows gives an error and no rows (reading stops there).
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path, log)
    else:
        rows = [(row.line, row.values) for row in read_csv_rows(path, log, REQUIRED, KNOWN, ROW_LIMIT) or []]
    if len(rows) > ROW_LIMIT:
        log.error(rows[ROW_LIMIT][0], f"the sheet has more than {ROW_LIMIT:,} rows, the most one import takes; "
                  "nothing was imported", f"split it into sheets of at most {ROW_LIMIT:,} rows and import each "
                  "(rows already imported are skipped)", "sheet-too-long")
        return []
    return rows


def _read_xlsx(path: Path, log: ProblemLog) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    books = []
    try:
        # Twice: the values as the workbook last computed them, and the cells' formulas, to
        # tell a formula never computed (no saved value) from an empty cell.
        with _unsized_sheets():
            for data_only in (True, False):
                books.append(load_workbook(path, read_only=True, data_only=data_only))
    except Exception as err:
        for book in books:
            book.close()
        log.error(None, f"cannot open it as an Excel workbook ({type(err).__name__})",
                  "save it again from Excel or LibreOffice as .xlsx, or as .csv", "sheet-file")
        return []
    try:
        sheets = [book.worksheets[0] for book in books]
        for sheet in sheets:
            sheet.reset_dimensions()  # some programs write a wrong size record; read what is there
        return _sheet_rows(*(sheet.iter_rows(values_only=True) for sheet in sheets), log)
    finally:
        for book in books:
            book.close()


@contextmanager
def _unsized_sheets() -> Iterator[None]:
    """Open workbooks without openpyxl first reading every sheet to its end to learn its size,
    which it does when a workbook does not record the size (as many programs that write
    workbooks do not): minutes, before the first row, for a sheet of millions of rows. The
    size is not needed, since the rows are read until they end (or ROW_LIMIT)."""
    try:
        from openpyxl.reader import excel
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    except ImportError:  # another openpyxl: read as it reads
        yield
        return
    if getattr(excel, "ReadOnlyWorksheet", None) is not ReadOnlyWorksheet:
        yield
        return

    class Unsized(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            pass  # the class's own defaults: from row 1, to wherever the rows end

    excel.ReadOnlyWorksheet = Unsized
    try:
        yield
    finally:
        excel.ReadOnlyWorksheet = ReadOnlyWorksheet


def _sheet_rows(values, formulas, log: ProblemLog) -> list[tuple[int, dict[str, str]]]:
    """The rows of a sheet read twice in step (values, formulas), up to one past ROW_LIMIT."""
    rows = zip(values, formulas)
    header, header_number = None, 0
    for number, (cells, _) in enumerate(rows, 1):
        if any(c not in (None, "") for c in cells):
            header, header_number = [str(c or "").strip().lower() for c in cells], number
            break
    if header is None:
        log.warning(None, "the first sheet is empty", "put the header row first: " + ", ".join(KNOWN), "sheet-empty")
        return []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        log.error(header_number, f"the header lacks the column(s) {', '.join(missing)}; nothing was imported",
                  "name the columns in the first row: " + ", ".join(KNOWN), "sheet-header")
        return []
    out = []
    for number, (cells, written) in enumerate(rows, header_number + 1):
        uncomputed = [name for name, cell, formula in zip(header, cells, written)
                      if name and cell is None and isinstance(formula, str) and formula.startswith("=")]
        if uncomputed:
            log.error(number, f"row {number}: the {', '.join(uncomputed)} cell holds a formula with no saved value "
                      "(the workbook was saved by a program that does not compute formulas); the row was not "
                      "imported", "open the workbook in Excel or LibreOffice and save it (or paste the values "
                      "over the formulas), then import it again", "sheet-formula")
            continue
        values = {name: _cell_text(cell) for name, cell in zip(header, cells) if name}
        if any(values.values()):
            out.append((number, values))
            if len(out) > ROW_LIMIT:
                break
    return out


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def sheet_id(citekey: str, place: str, competency: str, framing: str) -> str:
    """The id a sheet row gets, from where its quote is in the source: the same row, or the
    same row with a slip in its quote corrected, always gets the same id."""
    key = "\x1f".join([citekey, place, competency, framing])
    return "sheet-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def import_sheet(review: Review, path: Path, coder: str) -> SheetImport:
    """Append the sheet's codings that can be placed to `coder`'s file; report the rest."""
    path = Path(path)
    result = SheetImport(coder, path)
    log = ProblemLog(path.name)
    problem = coder_name_problem(coder)
    if problem:
        message, action = coder_name_message(coder, problem).split("; use ", 1)
        log.error(None, message, "use " + action, "sheet-coder")
        result.problems = list(log)
        return result
    if not path.exists():
        log.error(None, "no such file", "give the path of a .csv or .xlsx sheet", "sheet-file")
        result.problems = list(log)
        return result
    store = CoderFile(review.path / CODINGS / f"{coder}.csv")
    try:
        existing = store.keys()
    except CoderFileError as err:
        log.error(None, f"nothing was imported: {err}", "fix the coder's file, then import again", "sheet-coder-file")
        result.problems = list(log)
        return result
    rows = read_sheet(path, log)
    result.rows = len(rows)
    unit = "row" if path.suffix.lower() in (".xlsx", ".xlsm") else "line"  # a CSV cell may span lines
    new = []
    for number, values in rows:
        coding = _coding(review, f"{unit} {number}", number, values, log)
        if coding is None:
            continue
        if coding["id"] in existing:
            result.already_there += 1
            continue
        existing.add(coding["id"])
        new.append(coding)
    try:
        added = store.add_new(*new) if new else []
    except CoderFileError as err:
        log.error(None, f"nothing was imported: {err}", "fix what the message says, then import the sheet again "
                  "(rows already imported are skipped)", "sheet-coder-file")
        added = []
    for notice in store.notices:
        log.warning(None, notice, f"check corpus/codings/{coder}.csv", "sheet-coder-file")
    result.added = len(added)
    result.already_there += len(new) - len(added)
    result.problems = list(log)
    return result


def _coding(review: Review, where: str, number: int, values: dict[str, str], log: ProblemLog) -> dict | None:
    citekey, quote = values.get("citekey", ""), values.get("quote", "")
    competency, framing = values.get("competency", ""), values.get("framing", "").lower()
    competencies = set(review.codebook["competency"])
    if citekey not in review.texts:
        known = citekey in set(review.sources["citekey"])
        log.error(number, f"{where}: " + (f"{citekey} has no text to find the quote in" if known else
                  f"unknown citekey '{shown(citekey)}'{closest(citekey, review.texts)}"),
                  "use the citekey of a source with a text in corpus/sources", "sheet-citekey")
        return None
    if competency not in competencies:
        log.error(number, f"{where}: unknown competency '{shown(competency)}'{closest(competency, competencies)}",
                  "use a competency id from corpus/codebook.yaml", "sheet-competency")
        return None
    if framing not in FRAMINGS:
        log.error(number, f"{where}: unknown framing '{shown(values.get('framing', ''))}'",
                  f"use one of: {', '.join(FRAMINGS)}", "sheet-framing")
        return None
    if not quote:
        log.error(number, f"{where}: no quote", "copy the words that show the competency into the quote column",
                  "sheet-quote")
        return None
    text = review.texts[citekey]
    match = locate(text, Anchor(exact=quote))
    if match is None:
        log.error(number, f"{where}: the quote was not found in {citekey}: “{quote[:60]}”",
                  "copy the quote again from the source text", "sheet-unmatched")
        return None
    passages = review.passages[review.passages["citekey"] == citekey]
    inside = passages[(passages["start"] <= match.start) & (match.end <= passages["end"])]
    if inside.empty:
        log.error(number, f"{where}: the quote runs over two passages of {citekey}", "quote words from one passage",
                  "sheet-unmatched")
        return None
    if match.method == "fuzzy":
        log.info(number, f"{where}: quote matched approximately ({match.score:.0%}); saved as it is in the text",
                 "check the coding in the coding screen", "sheet-fuzzy")
    anchor = describe(text, match.start, match.end)
    page = values.get("page", "")
    if whole_number(page) is None and page.strip().removesuffix(".0").isdigit() and page.isascii():
        log.error(number, f"{where}: page {number_problem(page)}", "write the page the quote is on, then import the "
                  "sheet again", "sheet-page")
        return None
    return {"id": sheet_id(citekey, f"{match.start}:{match.end}", competency, framing), "citekey": citekey,
            "passage": int(inside["passage"].iloc[0]), "quote": text[match.start:match.end], "competency": competency,
            "framing": framing, "memo": values.get("memo", ""), "start": match.start, "end": match.end,
            "prefix": anchor.prefix, "suffix": anchor.suffix,
            "page": str(whole_number(page)) if whole_number(page) is not None else page}
