"""references.bib → the sources table, with an exact import report.

bibtexparser (v2) splits the file into blocks; this module adds what a review needs on
top of it: `@string` macros, `#` concatenation and `month = jan` resolved; LaTeX decoded
in the fields people read (names split first, other fields left as written); author-year
labels and APA references; and a count of entry openings in the file against the
entries parsed, so that an entry a parser skips without a word is still reported.

    >>> sources, problems, report = read_bibliography(Path("references.bib"), "references.bib")
    >>> sources.loc[0, ["citekey", "author_year"]].tolist()
    ['Kotter1990WhatLeaders', 'Kotter, 1990']
    >>> report.summary()
    'references.bib: 12 entries found, 12 imported'
"""

from __future__ import annotations

import difflib
import functools
import html
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
import pandas as pd
from bibtexparser import model
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

from ..files import read_text
from ..problems import ProblemLog
from .latex import latex_to_text

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
MONTH_MACROS = {m[:3]: m.capitalize() for m in MONTHS}

# Fields shown to people, and so decoded from LaTeX; the rest stay as written.
SHOWN_FIELDS = ["title", "journal", "journaltitle", "booktitle", "howpublished", "organization",
                "publisher", "institution", "school", "address", "location", "edition", "series"]
CONTAINER_FIELDS = ["journal", "journaltitle", "booktitle", "howpublished", "organization", "institution", "school"]
NAME_FIELDS = ["author", "editor", "translator"]

SOURCE_COLUMNS = ["citekey", "entry_type", "author_year", "authors", "title", "year", "month", "day",
                  "container", "volume", "number", "pages", "publisher", "edition", "doi", "url",
                  "reference", "file", "line"]

_OPENING = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])[ \t]*([^,\s{}()=]*)", re.MULTILINE)
_NOT_ENTRIES = {"string", "preamble", "comment"}
ENTRY_TYPES = {
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual",
    "mastersthesis", "phdthesis", "thesis", "misc", "online", "electronic", "www", "webpage", "report",
    "techreport", "unpublished", "proceedings", "collection", "mvbook", "mvcollection", "periodical",
    "dataset", "software", "patent", "suppbook", "reference", "bookinbook", "inreference", "standard",
}
# An entry opening in the middle of a line, e.g. "} @book{Key," after an entry pasted on one line.
_MIDLINE_OPENING = re.compile(r"(?<=\S)[ \t]*@[ \t]*(" + "|".join(sorted(ENTRY_TYPES))
                              + r")[ \t]*[{(][ \t]*([^,\s{}()=]+)[ \t]*,", re.IGNORECASE)
_COMMENT_BLOCK = re.compile(r"^[ \t]*@[ \t]*comment[ \t]*\{", re.IGNORECASE | re.MULTILINE)
_PERCENT_LINE = re.compile(r"^[ \t]*%.*$", re.MULTILINE)


@dataclass
class ImportReport:
    """What happened to the entries of a .bib file: found, imported, failed, duplicated."""

    file: str
    openings: int = 0
    imported: int = 0
    failed: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    unaccounted: list[int] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.openings} entries found", f"{self.imported} imported"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicate keys")
        if self.unaccounted:
            parts.append(f"{len(self.unaccounted)} skipped by the parser")
        return f"{self.file}: " + ", ".join(parts)


# ---------------------------------------------------------------- field values

_BARE = re.compile(r"[^\s#{}\",=]+")
_FIELD_START = re.compile(r"\s*([A-Za-z][\w:.+-]*)\s*=\s*")


def _value_tokens(raw: str) -> tuple[list[str], int]:
    """The `#`-joined tokens of a raw value, and where the value ends.

    Tokens are `{…}` (balanced), `"…"` (braces inside allowed) or a bare word (a number or a
    macro). Anything from the returned index on is not part of a well-formed value.
    """
    tokens, i, n = [], 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            break
        if raw[i] in "{\"":
            j = _closing(raw, i)
        else:
            match = _BARE.match(raw, i)
            if not match:
                break
            j = match.end()
        tokens.append(raw[i:j])
        k = j
        while k < n and raw[k].isspace():
            k += 1
        if k < n and raw[k] == "#":
            i = k + 1
            continue
        i = j
        break
    return tokens, i


_DELIMITER = re.compile(r'(?<!\\)[{}"]')


_NOT_BRACES = re.compile(r"[^{}]+")


def _one_braced_value(raw: str) -> bool:
    """Whether raw is a single {…} group: its first brace closes only at its end."""
    if raw[:1] != "{" or raw[-1:] != "}":
        return False
    if raw.count("{") == 1:
        return True
    if "\\{" in raw or "\\}" in raw or '"' in raw:
        return _closing(raw, 0) == len(raw)
    depth = 0
    for brace in _NOT_BRACES.sub("", raw)[:-1]:  # the braces alone, bar the last
        depth += 1 if brace == "{" else -1
        if depth == 0:
            return False
    return True


def _closing(raw: str, i: int) -> int:
    """The index after the brace group or quoted string starting at raw[i] (or the end)."""
    depth, quote = 0, raw[i] == '"'
    for match in _DELIMITER.finditer(raw, i + 1 if quote else i):  # only the delimiters, not every character
        ch = match.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and not quote:
                return match.end()
        elif quote and depth == 0:
            return match.end()
    return len(raw)


def split_run_on(key: str, raw: str) -> list[tuple[str, str]]:
    """A field whose value runs into the next field (a comma missing) as the fields it holds.

    >>> split_run_on("author", "{Broken, Bob}\\n  title = {The Broken Entry}")
    [('author', '{Broken, Bob}'), ('title', '{The Broken Entry}')]
    """
    if _one_braced_value(raw.rstrip()):
        return [(key, raw)]  # as nearly every field is
    fields = []
    while True:
        _, end = _value_tokens(raw)
        match = _FIELD_START.match(raw, end) if end < len(raw) else None
        if not match or end == 0:
            fields.append((key, raw))
            return fields
        fields.append((key, raw[:end].strip()))
        key, raw = match.group(1), raw[match.end():]


def resolve_value(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A raw BibTeX value as text: enclosing removed, macros and `#` resolved.

    Returns the text and the names of any macros that are not defined. Text after the end
    of a well-formed value is kept, not dropped.

    >>> resolve_value('hbr # " (blog)"', {"hbr": "Harvard Business Review"})
    ('Harvard Business Review (blog)', [])
    >>> resolve_value("jan", {})
    ('January', [])
    """
    raw = raw.strip()
    if _one_braced_value(raw):
        return raw[1:-1], []  # as nearly every field is
    if raw.isascii() and raw.isdigit():
        return raw, []
    tokens, end = _value_tokens(raw)
    pieces, unknown = [], []
    for token in tokens:
        if token[0] in "{\"":
            pieces.append(token[1:-1] if len(token) >= 2 and token[-1] == {"{": "}", '"': '"'}[token[0]] else token[1:])
        elif token.isascii() and token.isdigit():
            pieces.append(token)
        elif token.lower() in strings:
            pieces.append(strings[token.lower()])
        elif token.lower() in MONTH_MACROS:
            pieces.append(MONTH_MACROS[token.lower()])
        else:
            unknown.append(token)
            pieces.append(token)
    if raw[end:].strip():
        pieces.append(" " + raw[end:].strip())
    return "".join(pieces), unknown


def month_number(value: str) -> int | None:
    """1–12 from 'jan', 'January', 'Jan.', '1' or '01'; None if not a month."""
    value = value.strip().rstrip(".").lower()
    if value.isascii() and value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    for i, name in enumerate(MONTHS, 1):
        if len(value) >= 3 and name.startswith(value):
            return i
    return None


# ---------------------------------------------------------------- names and labels

@dataclass
class Person:
    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""

    @functools.cached_property
    def initials(self) -> str:
        """'John P.' → 'J. P.'; 'J.P.' → 'J. P.'; 'Jean-Paul' → 'J.-P.'."""
        out: list[str] = []
        for part in re.findall(r"-?[^\s.\-]+", self.given):
            if part.startswith("-") and out:
                out[-1] += f"-{part[1]}."
            else:
                out.append(f"{part.lstrip('-')[0]}.")
        return " ".join(out)

    @functools.cached_property
    def sort_name(self) -> str:
        return " ".join(p for p in (self.von, self.family) if p)

    def apa(self) -> str:
        name = self.sort_name
        if self.initials:
            name += f", {self.initials}"
        if self.suffix:
            name += f", {self.suffix}"
        return name


class People(list):
    """The people of a name list; `and_others` when it ended in BibTeX's 'and others' (et al.)."""

    and_others = False


def split_names(raw: str) -> People:
    """People in a BibTeX name list, split before decoding so braces keep their meaning."""
    people, and_others = _split_names(raw)
    split = People(people)
    split.and_others = and_others
    return split


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def _split_on_and(raw: str) -> list[str]:
    """A BibTeX name list split at each ' and ' outside braces ('{Barnes and Noble}' is one name)."""
    parts, last, depth, position = [], 0, 0, 0
    for match in _AND.finditer(raw):
        depth += raw.count("{", position, match.start()) - raw.count("}", position, match.start())
        position = match.start()
        if depth == 0:
            parts.append(raw[last:match.start()])
            last = match.end()
    parts.append(raw[last:])
    return parts


def _split_names(raw: str) -> tuple[list, bool]:
    people, and_others = [], False
    for name in _split_on_and(raw.strip()):
        if not name.strip():
            continue
        if name.strip().lower() == "others":
            and_others = True
            continue
        people.append(_person(name))
    return people, and_others


@functools.lru_cache(maxsize=65536)
def _person(name: str) -> Person:
    """One name split and decoded, remembered: the same people recur across a bibliography."""
    try:
        parts = parse_single_name_into_parts(name)
    except InvalidNameError:
        parts = parse_single_name_into_parts(name, strict=False)
    return Person(family=latex_to_text(" ".join(parts.last)), given=latex_to_text(" ".join(parts.first)),
                  von=latex_to_text(" ".join(parts.von)), suffix=latex_to_text(" ".join(parts.jr)))


def author_label(people: list[Person], title: str) -> str:
    """The author part of an APA in-text citation: 'Kotter', 'Bennis & Nanus', 'Kramer et al.'."""
    if not people:
        short = " ".join(title.split()[:4])
        return f"“{short}”" if short else "Anonymous"
    if len(people) == 1 and not getattr(people, "and_others", False):
        return people[0].sort_name
    if len(people) == 2 and not getattr(people, "and_others", False):
        return f"{people[0].sort_name} & {people[1].sort_name}"
    return f"{people[0].sort_name} et al."


def disambiguate_years(frame: pd.DataFrame) -> pd.Series:
    """'Kotter, 1990' — with 1990a, 1990b where one author label has two works in one year."""
    authors, titles = frame["_author"].tolist(), frame["title"].tolist()
    years = ["n.d." if y is None or pd.isna(y) else str(int(y)) for y in frame["year"].tolist()]
    labels = [f"{a}, {y}" for a, y in zip(authors, years)]
    shared: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        shared.setdefault(label, []).append(i)
    for _label, rows in shared.items():
        if len(rows) > 1:
            for letter, i in enumerate(sorted(rows, key=lambda i: titles[i])):
                labels[i] = f"{authors[i]}, {years[i]}{'-' if years[i] == 'n.d.' else ''}{chr(97 + letter)}"
    return pd.Series(labels, index=frame.index)


def apa_reference(source: dict, italic=lambda s: s) -> str:
    """An APA-style (7th ed.) reference for one source; `italic` marks titles of wholes."""
    people = source.get("_people") or []
    if getattr(people, "and_others", False):
        authors = ", ".join(p.apa() for p in people) + ", et al."
    elif len(people) > 1:
        authors = ", ".join(p.apa() for p in people[:-1]) + ", & " + people[-1].apa()
    elif people:
        authors = people[0].apa()
    else:
        authors = ""
    if authors and not authors.endswith("."):
        authors += "."
    date = "n.d." if source.get("year") is None or pd.isna(source["year"]) else str(int(source["year"]))
    if (source.get("month") is not None and pd.notna(source["month"])
            and source.get("entry_type") in ("misc", "online", "electronic", "webpage")):
        date += ", " + MONTHS[int(source["month"]) - 1].capitalize()
        if source.get("day") is not None and pd.notna(source["day"]):
            date += f" {int(source['day'])}"
    title = source.get("title") or "Untitled"
    end = "" if title[-1] in ".?!" else "."
    container = source.get("container") or ""
    edition = source.get("edition") or ""
    edition = (f" ({edition}{_ordinal(edition)} ed.)" if edition.isascii() and edition.isdigit()
               else (f" ({edition})" if edition else ""))
    kind = source.get("entry_type")
    lead = f"{authors} ({date}). " if authors else ""
    if kind in ("book", "mvbook", "report", "techreport", "phdthesis", "mastersthesis", "thesis"):
        body = f"{italic(title)}{edition}." if edition else f"{italic(title)}{end}"
        if not authors:
            body += f" ({date})."
    else:
        body = f"{title}{end}"
        if not authors:
            body += f" ({date})."
        if container and kind in ("incollection", "inbook", "inproceedings", "conference"):
            body += f" In {italic(container)}"
            body += f" (pp. {source['pages']})." if source.get("pages") else "."
        elif container:
            body += f" {italic(container)}"
            if source.get("volume"):
                body += f", {italic(source['volume'])}"
                if source.get("number"):
                    body += f"({source['number']})"
            if source.get("pages"):
                body += f", {source['pages']}"
            body += "."
    if source.get("publisher") and kind not in ("article",):
        body += f" {_sentence(source['publisher'])}"
    if source.get("doi"):
        body += f" https://doi.org/{source['doi']}"
    elif source.get("url"):
        body += f" {source['url']}"
    return lead + body


def _sentence(text: str) -> str:
    """text ending in a full stop (not a second one)."""
    return text if text.endswith((".", "?", "!")) else text + "."


def reference_html(source: dict) -> str:
    """The APA reference as escaped HTML, titles of wholes in <i>."""
    return _marked_html(apa_reference(source, italic=_MARK))


def _MARK(text: str) -> str:
    return f"\x00{text}\x01"


def _marked_html(marked: str) -> str:
    return html.escape(marked).replace("\x00", "<i>").replace("\x01", "</i>")


def _ordinal(number: str) -> str:
    n = int(number)
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


# ---------------------------------------------------------------- reading the file

def read_bibliography(path: Path, name: str) -> tuple[pd.DataFrame, ProblemLog, ImportReport]:
    """Sources from one .bib file, the problems met, and the import report.

    `name` is how the file is named in problems (its path relative to the review).
    """
    rows, log, report = read_bibtex_rows(path, name)
    return sources_frame(rows), log, report


def read_bibtex_rows(path: Path, name: str) -> tuple[list[dict], ProblemLog, ImportReport]:
    """The rows of a .bib file's sources (before they become a frame), problems, import report."""
    log = ProblemLog(name)
    report = ImportReport(name)
    if not path.exists():
        log.error(None, "the bibliography is missing", f"create {name} (export it from Zotero as BibTeX)",
                  "bib-missing")
        return [], log, report
    text = _without_comments(read_text(path, log), log)
    # bibtexparser logs each aborted block itself; the problems below say it better.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text, parse_stack=[])
    strings = _read_strings(library, log)
    entries = list(library.entries) + _failed_block_problems(library, text, log, report)
    entries.sort(key=lambda e: e.start_line or 0)
    rows = [_entry_row(entry, strings, log) for entry in entries]
    for row in rows:
        row["file"] = name
    report.openings = _report_silent_gaps(library, text, log)
    report.unaccounted = [p.line for p in log if p.kind in ("bib-skipped", "bib-swallowed")]
    report.imported = len(rows)
    _report_case_clashes(rows, log)
    if not rows and not report.openings:
        log.info(None, "the bibliography has no entries yet", "add the review's works, e.g. export them from Zotero",
                 "bib-empty")
    return rows, log, report


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """text with each [start, end) span turned to spaces, line ends kept, so line numbers stay true."""
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [text[last:start], re.sub(r"[^\n]", " ", text[start:end])]
        last = end
    return "".join(pieces) + text[last:]


def _without_comments(text: str, log: ProblemLog) -> str:
    """Blank out @comment{…} blocks and lines starting with '%' between entries.

    BibTeX itself would read an entry inside either; biber and JabRef treat @comment{…}
    as a comment, and a '%' before an entry means someone commented it out, so both are
    left out here, and an entry left out so is named in a warning.
    """
    spans = []
    for match in _COMMENT_BLOCK.finditer(text):
        end = _closing(text, match.end() - 1)
        if text[end - 1:end] == "}":
            spans.append((match.start(), end))
    text = _blank(text, spans)
    if "%" not in text:
        return text
    spans, depth, position = [], 0, 0
    for match in _PERCENT_LINE.finditer(text):
        depth += text.count("{", position, match.start()) - text.count("}", position, match.start())
        position = match.start()
        if depth > 0:
            continue  # a '%' inside an entry's value is text
        position = match.end()
        opening = re.search(r"@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()=]*)", match.group(0))
        if opening and opening.group(1).lower() not in _NOT_ENTRIES:
            log.warning(text.count("\n", 0, match.start()) + 1,
                        f"entry '{opening.group(2)}' is on a line starting with '%', so it is taken as commented out "
                        "and left out (BibTeX itself would read it)",
                        "delete the '%' to keep the entry, or delete the line", "bib-commented-out")
        spans.append((match.start(), match.end()))
    return _blank(text, spans)


def _read_strings(library, log: ProblemLog) -> dict[str, str]:
    strings: dict[str, str] = {}
    for block in library.strings:
        value, unknown = resolve_value(block.value, strings)
        for macro in unknown:
            log.warning(block.start_line + 1, f"@string {block.key} uses '{macro}', which is not defined",
                        f"define @string{{{macro} = \"…\"}} above it, or put the text in braces", "bib-macro")
        strings[block.key.lower()] = value
    return strings


def _entry_row(entry: model.Entry, strings: dict[str, str], log: ProblemLog) -> dict:
    line = entry.start_line + 1
    values: dict[str, str] = {}
    spellings: dict[str, str] = {}
    fields, spelling_value = _entry_fields(entry, log)
    for key, raw in fields:
        spelling, key = key, key.lower()
        if key in values:  # a repeated field: the first value is kept
            if spellings[key] != spelling:  # exact repeats are reported with the failed blocks
                log.warning(line, f"{entry.key}: field {key} given twice ('{spellings[key]}' and '{spelling}'); "
                            "the first value is used", "delete the repeated field", "bib-duplicate-field")
            continue
        spellings[key] = spelling
        if raw is None:  # one braced value, already unwrapped by _entry_fields
            values[key] = spelling_value.pop(spelling)
            continue
        value, unknown = resolve_value(raw, strings)
        for macro in unknown:
            log.warning(line, f"{entry.key}: field {key} uses '{macro}', which is neither an @string nor a month",
                        f"put the value in braces ({key} = {{{macro}}}) or define @string{{{macro} = \"…\"}}",
                        "bib-macro")
        values[key] = value
    return _source_row(entry.key, entry.entry_type.lower(), values, line, log)
def _entry_fields(entry: model.Entry, log: ProblemLog) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
    """The entry's fields, with any fields run together by a missing comma split apart.

    A field that is one braced value (nearly all) comes as (key, None) with its text in the
    returned dict, so it is not scanned twice.
    """
    fields, simple = [], {}
    for f in entry.fields:
        raw = f.value.strip()
        if _one_braced_value(raw) and f.key not in simple:
            fields.append((f.key, None))
            simple[f.key] = raw[1:-1]
            continue
        parts = split_run_on(f.key, f.value)
        if len(parts) > 1:
            names = " and ".join(k for k, _ in parts)
            log.warning(entry.start_line + 1, f"{entry.key}: a comma is missing between the fields {names}; "
                        "they were read as separate fields", f"add a comma after the {parts[0][0]} value",
                        "bib-missing-comma")
        fields.extend(parts)
    return fields, simple


def _source_row(citekey: str, entry_type: str, values: dict[str, str], line: int, log: ProblemLog) -> dict:
    people = []
    for field_name in ("author", "editor"):
        if values.get(field_name):
            people = split_names(values[field_name])
            break
    shown = {k: latex_to_text(values[k]) for k in SHOWN_FIELDS if values.get(k)}
    title = shown.get("title", "")
    if not title:
        log.warning(line, f"{citekey}: no title", "add a title field", "bib-field")
    year = _year(values.get("year") or values.get("date", ""), citekey, line, log)
    month = month_number(values["month"]) if values.get("month") else None
    if values.get("month") and month is None:
        log.warning(line, f"{citekey}: month '{values['month']}' is not a month", "use jan … dec or 1 … 12",
                    "bib-field")
    if month is None and re.match(r"[0-9]{4}-[0-9]{2}", values.get("date", "")):
        month = int(values["date"][5:7])
    day = values.get("day", "")
    if not people:
        log.warning(line, f"{citekey}: no author or editor; cited by its title", "add an author field", "bib-field")
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", values.get("doi", "").strip(), flags=re.I)
    return {
        "citekey": citekey,
        "entry_type": entry_type,
        "_people": people,
        "_author": author_label(people, title),
        "authors": "; ".join(p.apa() for p in people),
        "title": title,
        "year": year,
        "month": month,
        "day": int(day) if day.isascii() and day.isdigit() and 1 <= int(day) <= 31 else None,
        "container": next((shown[k] for k in CONTAINER_FIELDS if shown.get(k)), ""),
        "volume": values.get("volume", ""),
        "number": values.get("number", "") or values.get("issue", ""),
        "pages": latex_to_text(values.get("pages", "")),
        "publisher": shown.get("publisher", ""),
        "edition": shown.get("edition", ""),
        "doi": doi,
        "url": values.get("url", "").strip(),
        "line": line,
    }


def _year(value: str, citekey: str, line: int, log: ProblemLog) -> int | None:
    match = re.search(r"\b([0-9]{4})\b", value)
    if match:
        return int(match.group(1))
    if value:
        log.warning(line, f"{citekey}: year '{value}' has no four-digit year; cited as n.d.",
                    "give the year as e.g. 1990", "bib-field")
    else:
        log.warning(line, f"{citekey}: no year; cited as n.d.", "add a year field", "bib-field")
    return None


def _failed_block_problems(library, text: str, log: ProblemLog, report: ImportReport) -> list[model.Entry]:
    """Report each failed block; return the entries that can still be used."""
    recovered = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock):
            report.duplicates.append(line)
            first = (block.previous_block.start_line or 0) + 1
            log.error(line, f"duplicate citekey '{block.key}' (first used on line {first}); this entry was left out",
                      "give one of the two entries another key, or delete the repeat", "bib-duplicate-key")
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            fields = ", ".join(sorted(block.duplicate_keys))
            log.warning(line, f"{entry.key}: field(s) {fields} given twice; the first value is used",
                        "delete the repeated field", "bib-duplicate-field")
            recovered.append(entry)
        else:
            reason = _plain_reason(getattr(block.error, "abort_reason", "") or str(block.error))
            opening = _OPENING.match(text, _line_offset(text, line))
            kind = opening.group(1).lower() if opening else ""
            if kind in _NOT_ENTRIES:
                log.error(line, f"this @{kind} could not be read: {reason}" +
                          ("; the fields that use it are left undefined" if kind == "string" else ""),
                          f"write it as @{kind}{{name = \"text\"}}" if kind == "string" else "check its braces",
                          "bib-failed")
                continue
            report.failed.append(line)
            what = f"entry '{opening.group(3)}'" if opening and opening.group(3) else "this entry"
            log.error(line, f"{what} could not be read and was left out: {reason}",
                      "look for a missing comma, brace or quote in this entry", "bib-failed")
    return recovered


def _plain_reason(reason: str) -> str:
    return " ".join(reason.split()).rstrip(". ") or "syntax error"


def _line_offset(text: str, line: int) -> int:
    """Character offset of the start of a 1-based line."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def _report_silent_gaps(library, text: str, log: ProblemLog) -> int:
    """Count entry openings in the text; report each one no block accounts for.

    Returns the number of entry openings found. An opening inside a failed block was
    swallowed by it (typically an unclosed brace above); any other unaccounted opening
    was skipped by the parser without a word.
    """
    accounted = {(b.start_line or 0) + 1 for b in library.entries}
    accounted |= {(b.start_line or 0) + 1 for b in library.failed_blocks}
    keys = {b.key for b in library.entries}
    failed_spans = [((b.start_line or 0) + 1, (b.start_line or 0) + 1 + (b.raw or "").count("\n"))
                    for b in library.failed_blocks if type(b) is model.ParsingFailedBlock]
    openings = 0
    line, last = 1, 0
    for match in _OPENING.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        openings += 1
        if line in accounted:
            continue
        key = match.group(3) or "(no key)"
        host = next((a for a, b in failed_spans if a < line <= b), None)
        if host:
            log.error(line, f"entry '{key}' was not read: the broken entry on line {host} runs into it",
                      f"fix the entry on line {host} (often an unclosed brace or quote)", "bib-swallowed")
        else:
            log.error(line, f"entry '{key}' was skipped by the BibTeX parser without an error",
                      "check this entry's syntax: @type{key, field = {value}, …}", "bib-skipped")
    for match in _MIDLINE_OPENING.finditer(text):
        openings += 1
        if match.group(2) not in keys:
            log.error(text.count("\n", 0, match.start()) + 1,
                      f"entry '{match.group(2)}' starts in the middle of a line and was not read",
                      "put each entry on lines of its own", "bib-skipped")
    return openings


def _report_case_clashes(rows: list[dict], log: ProblemLog) -> None:
    seen: dict[str, dict] = {}
    for row in rows:
        other = seen.setdefault(row["citekey"].lower(), row)
        if other is not row:
            log.warning(row["line"], f"citekeys '{other['citekey']}' (line {other['line']}) and '{row['citekey']}' "
                        "differ only in case; their text files would clash on Windows and macOS",
                        "rename one of them", "bib-key-case")


def sources_frame(rows: list[dict]) -> pd.DataFrame:
    """The sources table of rows from any reference files (author-year labels across all of them)."""
    if not rows:
        return pd.DataFrame(columns=SOURCE_COLUMNS + ["reference_html", "_people"])
    frame = pd.DataFrame(rows)
    if "file" not in frame:
        frame["file"] = ""
    frame["author_year"] = disambiguate_years(frame)
    marked = [apa_reference(r, italic=_MARK) for r in rows]  # once, then plain and HTML from it
    frame["reference"] = [m.replace("\x00", "").replace("\x01", "") for m in marked]
    frame["reference_html"] = [_marked_html(m) for m in marked]
    for column in ("year", "month", "day", "line"):
        frame[column] = frame[column].astype("Int64")
    frame = frame[SOURCE_COLUMNS + ["reference_html", "_people"]]
    return frame.reset_index(drop=True)


def with_page(author_year: str, page) -> str:
    """An in-text citation with the page, as APA puts it: 'Kotter, 1990, p. 104'.

    >>> with_page("Kotter, 1990", 104), with_page("Kotter, 1990", None)
    ('Kotter, 1990, p. 104', 'Kotter, 1990')
    """
    return author_year if page is None or pd.isna(page) else f"{author_year}, p. {int(page)}"


def closest(name: str, known, n: int = 1) -> str:
    """' (did you mean X?)' for a mistyped key, or ''."""
    match = difflib.get_close_matches(name, list(known), n=n, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""
