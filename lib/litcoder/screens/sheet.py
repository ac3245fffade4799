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
from dataclasses import dataclass, field
from pathlib import Path

from ..files import read_csv_rows, whole_number
from ..inputs.anchor import Anchor, describe, locate
from ..inputs.bibliography import closest
from ..inputs.codebook import FRAMINGS
from ..layout import CODINGS
from ..problems import Problem, ProblemLog
from ..review import Review
from ..store import CoderFile
from .session import valid_coder_name

REQUIRED = ["citekey", "quote", "competency", "framing"]
KNOWN = REQUIRED + ["memo", "page"]


@dataclass
class SheetImport:
    coder: str
    file: Path
    added: int = 0
    already_there: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)


def read_sheet(path: Path, log: ProblemLog) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) of a CSV or XLSX sheet; row 1 is the header."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, log)
    return [(row.line, row.values) for row in read_csv_rows(path, log, REQUIRED, KNOWN) or []]


def _read_xlsx(path: Path, log: ProblemLog) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        log.error(None, f"cannot open it as an Excel workbook ({type(err).__name__})",
                  "save it again from Excel or LibreOffice as .xlsx, or as .csv", "sheet-file")
        return []
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # some programs write a wrong size record; read what is there
    rows = sheet.iter_rows(values_only=True)
    header, header_number = None, 0
    for number, cells in enumerate(rows, 1):
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
    for number, cells in enumerate(rows, header_number + 1):
        values = {name: _cell_text(cell) for name, cell in zip(header, cells) if name}
        if any(values.values()):
            out.append((number, values))
    book.close()
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
    if not valid_coder_name(coder):
        log.error(None, f"'{coder}' cannot name a coder file", "use letters, digits, '-' or '_', e.g. coder-d",
                  "sheet-coder")
        result.problems = list(log)
        return result
    if not path.exists():
        log.error(None, "no such file", "give the path of a .csv or .xlsx sheet", "sheet-file")
        result.problems = list(log)
        return result
    store = CoderFile(review.path / CODINGS / f"{coder}.csv")
    existing = {row.get("id", "") for row in store.rows()}
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
    if new:
        store.append(*new)
    result.added = len(new)
    result.problems = list(log)
    return result


def _coding(review: Review, where: str, number: int, values: dict[str, str], log: ProblemLog) -> dict | None:
    citekey, quote = values.get("citekey", ""), values.get("quote", "")
    competency, framing = values.get("competency", ""), values.get("framing", "").lower()
    competencies = set(review.codebook["competency"])
    if citekey not in review.texts:
        known = citekey in set(review.sources["citekey"])
        log.error(number, f"{where}: " + (f"{citekey} has no text to find the quote in" if known else
                  f"unknown citekey '{citekey}'{closest(citekey, review.texts)}"),
                  "use the citekey of a source with a text in corpus/sources", "sheet-citekey")
        return None
    if competency not in competencies:
        log.error(number, f"{where}: unknown competency '{competency}'{closest(competency, competencies)}",
                  "use a competency id from corpus/codebook.yaml", "sheet-competency")
        return None
    if framing not in FRAMINGS:
        log.error(number, f"{where}: unknown framing '{values.get('framing', '')}'",
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
    return {"id": sheet_id(citekey, f"{match.start}:{match.end}", competency, framing), "citekey": citekey,
            "passage": int(inside["passage"].iloc[0]), "quote": text[match.start:match.end], "competency": competency,
            "framing": framing, "memo": values.get("memo", ""), "start": match.start, "end": match.end,
            "prefix": anchor.prefix, "suffix": anchor.suffix,
            "page": str(whole_number(page)) if whole_number(page) is not None else page}
