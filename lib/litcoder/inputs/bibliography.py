"""references.bib → the sources table, with an exact import report.

bibtexparser (v2) splits the file into blocks; this module adds what a review needs on
top of it: each block's line found from its text in the file (bibtexparser's own count
slips after a backslash at a line's end); `@string` macros (also those of the reference
files read before), `#` concatenation and `month = jan` resolved; fields taken from
`crossref` parents and biblatex `@xdata` as biber takes them; names split by BibTeX's
rules, then LaTeX decoded in them and in the fields people read (other fields left as
written); author-year labels and APA references; and a count of entry openings in the
file against the entries parsed, so that an entry a parser skips without a word is still
reported. An encoding the file declares (Emacs, JabRef) is the one it is read in.

    >>> sources, problems, report = read_bibliography(Path("references.bib"), "references.bib")
    >>> sources.loc[0, ["citekey", "author_year"]].tolist()
    ['Kotter1990WhatLeaders', 'Kotter, 1990']
    >>> report.summary()
    'references.bib: 12 entries found, 12 imported'
"""

from __future__ import annotations

import bisect
import codecs
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

from ..alongside import no_collection
from ..files import bom_encoding, looks_like_utf16, read_text
from ..layout import NAME_LIMIT, SOURCES, file_name_problem
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

SOURCE_COLUMNS = ["citekey", "entry_type", "author_year", "authors", "editors", "translators", "title", "year",
                  "month", "day", "original_year", "container", "volume", "number", "pages", "publisher", "edition",
                  "doi", "url", "accessed", "reference", "file", "line"]
"""editors, translators: written as authors are ('Gulick, L.; Urwick, L.'); original_year: the year a
translated or reprinted work first appeared (biblatex origdate, BibTeX origyear); accessed: the date a
web page was read (biblatex urldate, ISO). `csl_item` makes a CSL JSON item of a row."""

_OPENING = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])[ \t]*([^,\s{}()=]*)", re.MULTILINE)
_NOT_ENTRIES = {"string", "preamble", "comment", "xdata", "set"}  # @xdata holds fields to share; @set groups entries
ENTRY_TYPES = {
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual",
    "mastersthesis", "phdthesis", "thesis", "misc", "online", "electronic", "www", "webpage", "report",
    "techreport", "unpublished", "proceedings", "collection", "mvbook", "mvcollection", "periodical",
    "dataset", "software", "patent", "suppbook", "reference", "bookinbook", "inreference", "standard",
}
# An entry opening in the middle of a line, e.g. "} @book{Key," after an entry pasted on one line.
_MIDLINE_OPENING = re.compile(r"@[ \t]*(" + "|".join(sorted(ENTRY_TYPES))
                              + r")[ \t]*[{(][ \t]*([^,\s{}()=]+)[ \t]*,", re.IGNORECASE)
_COMMENT_BLOCK = re.compile(r"[ \t]*@[ \t]*comment[ \t]*\{", re.IGNORECASE)  # from a line's start
_PERCENT_LINE = re.compile(r"[ \t]*%.*")  # matched from a line's start (see _line_starts_with)

MACRO_VALUE_LIMIT = 100_000
"""The most characters a field or @string may hold once its @string macros are expanded.
A long abstract is a few thousand characters and a macro a journal's name; a value past
this is macros repeating each other (`@string{s2 = s1 # s1}` doubles at each step, and forty
such lines would make a value of a million million characters)."""

MACRO_EXPANSION_LIMIT = 10_000_000
"""The most characters @string macros may add to a file's fields and @strings in all. A
bibliography's macros are journal and publisher names used a few thousand times at most
(well under a million characters); the bound keeps a short file that uses a long macro in
every line from taking gigabytes."""

NUMBER_DIGITS_LIMIT = 18
"""The most digits a volume, issue, page, edition, month or day may run to. Real ones have
at most ten or so (an e-journal's article number as its page); eighteen still fit the 64-bit
integers that tables keep numbers in, while Python refuses to read a number of more than
4,300 digits at all. A longer run of digits is a paste gone wrong."""

SHOWN_FIELD_LIMIT = 10_000
"""The most characters of a field people read (title, journal, publisher …) that are shown.
The longest real titles are a few hundred characters; a longer field is usually a missing
closing brace that ran on into the rest of the file, and decoding its LaTeX takes time in
proportion to it."""

_LONG_NUMBER = re.compile(rf"[0-9]{{{NUMBER_DIGITS_LIMIT + 1},}}")
_NUMBER_FIELDS = ["volume", "number", "issue", "pages", "edition", "month", "day"]
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ISO_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_FOUR_DIGITS = re.compile(r"\b([0-9]{4})\b")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_NOT_IN_FILE_NAMES = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]+')


def _shown(value: str, n: int = 60) -> str:
    """A value as a message quotes it: cut to about n characters, unprintable characters escaped."""
    value = value if len(value) <= n else value[: n - 1] + "…"
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value) if _UNPRINTABLE.search(value) else value


class _Lines:
    """Where each line of a text starts: line numbers of offsets, and offsets of lines, by bisection."""

    def __init__(self, text: str):
        self.text = text

    @functools.cached_property
    def starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.text)]

    def line(self, offset: int) -> int:
        """The 1-based line of a character offset."""
        return bisect.bisect_right(self.starts, offset)

    def offset(self, line: int) -> int:
        """The offset at which a 1-based line starts (the end of the text past the last line)."""
        return self.starts[line - 1] if 1 <= line <= len(self.starts) else len(self.text)


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
_BARE_VALUE = re.compile(r"[A-Za-z0-9_:.+-]+")
_FIELD_START = re.compile(r"\s*([A-Za-z][\w:.+-]*)\s*=\s*")


def _value_tokens(raw: str, start: int = 0) -> tuple[list[str], int]:
    """The `#`-joined tokens of the raw value starting at `start`, and where the value ends.

    Tokens are `{…}` (balanced), `"…"` (braces inside allowed) or a bare word (a number or a
    macro). Anything from the returned index on is not part of a well-formed value.
    """
    tokens, i, n = [], start, len(raw)
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
    if "\\{" in raw or "\\}" in raw:  # escaped braces do not count (quotes inside braces are text)
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
    fields, start = [], 0
    while True:  # by offsets, not slices, so that a field of many run-on parts is read in one pass
        _, end = _value_tokens(raw, start)
        match = _FIELD_START.match(raw, end) if end < len(raw) else None
        if not match or end == start:
            fields.append((key, raw[start:]))
            return fields
        fields.append((key, raw[start:end].strip()))
        key, start = match.group(1), match.end()


def resolve_value(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A raw BibTeX value as text: enclosing removed, macros and `#` resolved.

    Returns the text and the names of any macros that are not defined. Text after the end
    of a well-formed value is kept, not dropped.

    >>> resolve_value('hbr # " (blog)"', {"hbr": "Harvard Business Review"})
    ('Harvard Business Review (blog)', [])
    >>> resolve_value("jan", {})
    ('January', [])
    """
    pieces, unknown, _ = _resolve(raw, strings)
    return "".join(pieces), unknown


def _resolve(raw: str, strings: dict[str, str]) -> tuple[list[str], list[str], int]:
    """The pieces of a raw value's text (to be joined), the macros not defined, and the number
    of characters the @string macros in it add."""
    raw = raw.strip()
    if _one_braced_value(raw):
        return [raw[1:-1]], [], 0  # as nearly every field is
    if raw.isascii() and raw.isdigit():
        return [raw], [], 0
    tokens, end = _value_tokens(raw)
    pieces, unknown, added = [], [], 0
    for token in tokens:
        if token[0] in "{\"":
            pieces.append(token[1:-1] if len(token) >= 2 and token[-1] == {"{": "}", '"': '"'}[token[0]] else token[1:])
        elif token.isascii() and token.isdigit():
            pieces.append(token)
        elif token.lower() in strings:
            pieces.append(strings[token.lower()])
            added += len(pieces[-1])
        elif token.lower() in MONTH_MACROS:
            pieces.append(MONTH_MACROS[token.lower()])
        else:
            unknown.append(token)
            pieces.append(token)
    if raw[end:].strip():
        pieces.append(" " + raw[end:].strip())
    return pieces, unknown, added


class _Macros:
    """A file's @string macros as read so far, those left out for their length, and how many
    more characters macros may add to the file (MACRO_EXPANSION_LIMIT)."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.too_long: dict[str, int] = {}  # macro (lower case) → the line that left it out
        self.left = MACRO_EXPANSION_LIMIT

    def bare(self, word: str) -> tuple[str | None, list[str]]:
        """A value that is one number or macro, read directly (as nearly all unbraced values are);
        (None, []) when it must be read by `expand`: a macro left out or near the limits."""
        if word.isdigit():
            return word, []
        lower = word.lower()
        text = self.strings.get(lower)
        if text is not None:
            if len(text) > self.left or lower in self.too_long:
                return None, []
            self.left -= len(text)
            return text, []
        if lower in MONTH_MACROS:
            return MONTH_MACROS[lower], []
        return (None, []) if lower in self.too_long else (word, [word])

    def expand(self, raw: str, what: str, line: int, log: ProblemLog) -> tuple[str | None, list[str]]:
        """A raw value as text, with the macros it uses that are not defined; (None, []) when it
        would pass the limits, or uses a macro that did, which is then logged as an error."""
        pieces, unknown, added = _resolve(raw, self.strings)
        too_long = [m for m in unknown if m.lower() in self.too_long]
        if too_long:
            log.error(line, f"{what} uses @string {_shown(too_long[0])}, which was left out for its length on line "
                      f"{self.too_long[too_long[0].lower()]}; so this was left out too",
                      "fix the @string on that line", "bib-macro-limit")
            return None, []
        length = sum(len(p) for p in pieces)
        if added and length > MACRO_VALUE_LIMIT:
            log.error(line, f"{what} would be {length:,} characters long once its @string macros are expanded, "
                      f"more than the {MACRO_VALUE_LIMIT:,} read; it was left out",
                      "check the @string macros it uses: one made of another twice (s2 = s1 # s1) doubles at "
                      "each step", "bib-macro-limit")
            return None, []
        if added > self.left:
            log.error(line, f"the @string macros of this file add more than {MACRO_EXPANSION_LIMIT:,} characters "
                      f"in all by this line, so {what} was left out", "use fewer or shorter @string macros",
                      "bib-macro-limit")
            return None, []
        self.left -= added
        return "".join(pieces), unknown


@functools.lru_cache(maxsize=1024)
def month_number(value: str) -> int | None:
    """1–12 from 'jan', 'January', 'Jan.', '1' or '01'; None if not a month."""
    value = value.strip().rstrip(".").lower()
    if value.isascii() and value.isdigit():
        return int(value) if len(value) <= NUMBER_DIGITS_LIMIT and 1 <= int(value) <= 12 else None
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
        return self._apa

    @functools.cached_property
    def _apa(self) -> str:  # a person recurs in many entries: made once
        name = self.sort_name
        if self.initials:
            name += f", {self.initials}"
        if self.suffix:
            name += f", {self.suffix}"
        return name


class People(list):
    """The people of a name list; `and_others` when it ended in BibTeX's 'and others' (et al.)."""

    and_others = False


def split_names(raw: str, decode: bool = True) -> People:
    """People in a BibTeX name list, split before decoding so braces keep their meaning.

    With `decode=False` (names from RIS or CSL JSON, which are not LaTeX) the parts keep
    their text as written; only the braces that protect a part are taken off.
    """
    people, and_others = _split_names(raw, decode)
    split = People(people)
    split.and_others = and_others
    return split


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def _split_on_and(raw: str) -> list[str]:
    """A BibTeX name list split at each ' and ' outside braces ('{Barnes and Noble}' is one name)."""
    parts = _AND.split(raw)
    if "{" not in raw or all(p.count("{") == p.count("}") for p in parts):
        return parts  # no ' and ' inside braces: a split inside them would leave a part unbalanced
    parts, last, depth, position = [], 0, 0, 0
    for match in _AND.finditer(raw):
        depth += raw.count("{", position, match.start()) - raw.count("}", position, match.start())
        position = match.start()
        if depth == 0:
            parts.append(raw[last:match.start()])
            last = match.end()
    parts.append(raw[last:])
    return parts


def _split_names(raw: str, decode: bool = True) -> tuple[list, bool]:
    people, and_others = [], False
    for name in _split_on_and(raw.strip()):
        if not name.strip():
            continue
        if name.strip().lower() == "others":
            and_others = True
            continue
        people.append(_person(name) if decode else _plain_person(name))
    return people, and_others


@functools.lru_cache(maxsize=65536)
def _person(name: str) -> Person:
    """One name split by the BibTeX rules and decoded, remembered: the same people recur."""
    first, von, last, jr = _name_parts(name, latex=True)
    return Person(family=latex_to_text(last), given=latex_to_text(first), von=latex_to_text(von),
                  suffix=latex_to_text(jr))


@functools.lru_cache(maxsize=65536)
def _plain_person(name: str) -> Person:
    """One name split by the BibTeX rules, its parts kept as written bar the outer braces that protect them."""
    first, von, last, jr = _name_parts(name, latex=False)
    return Person(family=last, given=first, von=von, suffix=jr)


def _name_words(name: str, latex: bool) -> list[list[tuple[str, str]]]:
    """A name's comma-separated parts, each a list of (word, separator after it).

    Words are split at white space, hyphens and ties (`~`) outside braces, as BibTeX splits
    them; in LaTeX a backslash starts a command, so `\\~{n}` is an accent, not a tie.
    """
    parts: list[list[tuple[str, str]]] = [[]]
    word: list[str] = []
    depth, i, n = 0, 0, len(name)

    def end_word(separator: str) -> None:
        if word:
            parts[-1].append(("".join(word), separator))
            word.clear()
        elif parts[-1] and separator != " ":
            parts[-1][-1] = (parts[-1][-1][0], separator)

    while i < n:
        ch = name[i]
        if ch == "\\" and latex:
            command = re.match(r"\\(?:[A-Za-z]+|.?)", name[i:])
            word.append(command.group())
            i += len(command.group())
            continue
        if ch in "{}":
            depth = depth + 1 if ch == "{" else max(depth - 1, 0)
            if not latex and depth == (ch == "{"):  # a brace that only protects plain text is not text
                i += 1
                continue
        elif depth == 0 and (ch.isspace() or ch == "-" or (ch == "~" and latex) or ch == ","):
            end_word(" " if ch.isspace() else ch)
            if ch == ",":
                parts.append([])
            i += 1
            continue
        word.append(ch)
        i += 1
    end_word(" ")
    return [p for p in parts if p] or [[]]


def _lower_case(word: str) -> bool:
    """Whether a word starts in lower case as BibTeX sees it (a von word): by its first letter
    outside braces; a brace group opening with a command ({\\'E}) has the case of its letter,
    any other brace group has none."""
    depth, i = 0, 0
    while i < len(word):
        ch = word[i]
        if ch == "{":
            if depth == 0 and word[i + 1:i + 2] == "\\":
                end = _closing(word, i)
                return _starts_lower(latex_to_text(word[i:end]))
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch == "\\":
            return _starts_lower(latex_to_text(word[i:]))
        elif depth == 0 and ch.isalpha():
            return ch.islower()
        i += 1
    return False


def _starts_lower(text: str) -> bool:
    letter = next((c for c in text if c.isalpha()), "")
    return letter.islower()


def _joined(words: list[tuple[str, str]]) -> str:
    """Words with the separators between them (none after the last)."""
    return "".join(w + (s if k < len(words) - 1 else "") for k, (w, s) in enumerate(words))


def _name_parts(name: str, latex: bool = True) -> tuple[str, str, str, str]:
    """First, von, Last and Jr of one name, as BibTeX splits 'First von Last', 'von Last, First'
    and 'von Last, Jr, First'."""
    parts = _name_words(name.strip(), latex)
    head = parts[0]
    if len(parts) == 1:
        if not head:
            return "", "", "", ""
        lower = [k for k, (w, _) in enumerate(head[:-1]) if _lower_case(w)]
        if lower:
            start, end = lower[0], lower[-1] + 1
        else:  # Last is the last word, with the words joined to it by a hyphen or a tie
            start = end = len(head) - 1
            while start > 0 and head[start - 1][1] != " ":
                start -= 1
            end = start
        return _joined(head[:start]), _joined(head[start:end]), _joined(head[end:]), ""
    lower = [k for k, (w, _) in enumerate(head[:-1]) if _lower_case(w)]
    end = lower[-1] + 1 if lower else 0
    jr = _joined(parts[1]) if len(parts) > 2 else ""
    first = " ".join(_joined(p) for p in parts[2 if len(parts) > 2 else 1:])
    return first, _joined(head[:end]), _joined(head[end:]), jr


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


def apa_year(year) -> str:
    """A year as APA 7 writes it in a citation: 'n.d.' for none, B.C.E. for one before the
    common era (a CSL JSON year may be negative).

    >>> apa_year(1990), apa_year(-375), apa_year(None)
    ('1990', '375 B.C.E.', 'n.d.')
    """
    if year is None or pd.isna(year):
        return "n.d."
    return f"{-int(year)} B.C.E." if int(year) < 0 else str(int(year))


def disambiguate_years(frame: pd.DataFrame) -> pd.Series:
    """'Kotter, 1990' — with 1990a, 1990b where one author label has two works in one year; a work
    with an original year (a translation, a reprint) gives both, as APA does: 'Fayol, 1916/1949'."""
    authors, titles = frame["_author"].tolist(), frame["title"].tolist()
    years = [apa_year(y) for y in frame["year"].tolist()]
    if "original_year" in frame:  # a translation or reprint cites both years: 'Fayol, 1916/1949'
        years = [y if o is None or pd.isna(o) else f"{apa_year(o)}/{y}"
                 for o, y in zip(frame["original_year"].tolist(), years)]
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
    editors = source.get("_editors") or []
    if editors and not source.get("_authored", True):  # an edited book: its editors lead, marked (Ed.) or (Eds.)
        authors += f" ({'Eds.' if len(editors) > 1 else 'Ed.'})"
    if authors and not authors.endswith("."):
        authors += "."
    date = apa_year(source.get("year"))
    if (source.get("month") is not None and pd.notna(source["month"])
            and source.get("entry_type") in ("misc", "online", "electronic", "webpage")):
        date += ", " + MONTHS[int(source["month"]) - 1].capitalize()
        if source.get("day") is not None and pd.notna(source["day"]):
            date += f" {int(source['day'])}"
    title = source.get("title") or "Untitled"
    edition = source.get("edition") or ""
    kind = source.get("entry_type")
    part = kind in ("incollection", "inbook", "inproceedings", "conference")  # the edition is the book's
    edition = (f"{edition}{_ordinal(edition)} ed." if edition.isascii() and edition.isdigit() else edition)
    notes = [f"{_initials_first(source['_translators'])}, Trans."] if source.get("_translators") else []
    if edition and not part:  # APA joins them in one bracket after the title: (C. Storrs, Trans.; 2nd ed.)
        notes.append(edition)
    notes = f" ({'; '.join(notes)})" if notes else ""
    end = "" if not notes and title[-1] in ".?!" else "."
    container = source.get("container") or ""
    lead = f"{authors} ({date}). " if authors else ""
    if kind in ("book", "mvbook", "report", "techreport", "phdthesis", "mastersthesis", "thesis"):
        body = f"{italic(title)}{notes}{end}"
        if not authors:
            body += f" ({date})."
    else:
        body = f"{title}{notes}{end}"
        if not authors:
            body += f" ({date})."
        if container and kind in ("incollection", "inbook", "inproceedings", "conference"):
            in_editors = f"{_initials_first(editors)} ({'Eds.' if len(editors) > 1 else 'Ed.'}), " if editors else ""
            body += f" In {in_editors}{italic(container)}"
            pages = [edition] if edition else []
            pages += [f"pp. {source['pages']}"] if source.get("pages") else []
            body += f" ({', '.join(pages)})." if pages else "."
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
    elif source.get("url") and source.get("accessed") and date == "n.d.":  # a page that changes: when it was read
        body += f" Retrieved {_long_date(source['accessed'])}, from {source['url']}"
    elif source.get("url"):
        body += f" {source['url']}"
    original = source.get("original_year")
    if original is not None and pd.notna(original):
        body += f" (Original work published {apa_year(original)})"
    return lead + body


def _initials_first(people: list[Person]) -> str:
    """Editors or translators as APA names them inside a reference: 'L. Gulick & L. Urwick'."""
    names = [" ".join(part for part in (p.initials, p.sort_name) if part) + (f", {p.suffix}" if p.suffix else "")
             for p in people]
    if len(names) <= 2:
        return " & ".join(names)
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _long_date(iso: str) -> str:
    """'2026-11-30' → 'November 30, 2026' (APA's retrieval date); 'YYYY-MM' and 'YYYY' shortened so."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS[parts[1] - 1].capitalize()
    return f"{month} {parts[2]}, {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


CSL_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "collection": "book", "mvcollection": "book",
    "proceedings": "book", "incollection": "chapter", "inbook": "chapter", "bookinbook": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference", "phdthesis": "thesis",
    "mastersthesis": "thesis", "thesis": "thesis", "report": "report", "techreport": "report",
    "online": "webpage", "electronic": "webpage", "www": "webpage", "webpage": "webpage", "dataset": "dataset",
    "software": "software", "patent": "patent", "periodical": "periodical", "unpublished": "manuscript",
}
"""BibTeX/biblatex entry types → CSL item types; any other is a 'document' (a web page when it has a URL)."""


def csl_item(source) -> dict:
    """One row of the sources table as a CSL JSON item, the form pandoc's citeproc formats with
    a CSL style (APA 7). Only what the source holds is written. People come from the authors,
    editors and translators columns ('Gulick, L.; Urwick, L.'): initials, as APA cites them.
    Titles are passed as read: sentence case in the bibliography, as APA wants (CSL styles never
    lower a title's case).

    >>> item = csl_item({"citekey": "Fayol1949General", "entry_type": "book", "title": "General and industrial "
    ...                  "management", "authors": "Fayol, H.", "translators": "Storrs, C.", "year": 1949,
    ...                  "original_year": 1916})
    >>> item["author"], item["translator"], item["original-date"]
    ([{'family': 'Fayol', 'given': 'H.'}], [{'family': 'Storrs', 'given': 'C.'}], {'date-parts': [[1916]]})
    """
    kind = _cell(source, "entry_type") or "misc"
    container = _cell(source, "container")
    csl_type = CSL_TYPES.get(kind) or ("webpage" if _cell(source, "url") else "document")
    if csl_type in ("webpage", "document") and "blog" in container.lower():
        csl_type = "post-weblog"
    item: dict = {"id": source["citekey"], "type": csl_type}
    authors, editors = _cell(source, "authors"), _cell(source, "editors")
    if authors == editors:  # no author field: the authors column holds the editors
        authors = ""
    for role, names in (("author", authors), ("editor", editors), ("translator", _cell(source, "translators"))):
        if names:
            item[role] = [_csl_name(name) for name in names.split("; ")]
    _put(item, "title", _cell(source, "title"))
    _put(item, "container-title", container)
    parts = [int(source[k]) for k in ("year", "month", "day") if _number(source, k) is not None]
    if _number(source, "year") is not None:
        item["issued"] = {"date-parts": [parts[:1] if _number(source, "month") is None else parts]}
    if _number(source, "original_year") is not None:
        item["original-date"] = {"date-parts": [[int(source["original_year"])]]}
    for key, csl_key in (("volume", "volume"), ("number", "issue"), ("pages", "page"), ("edition", "edition"),
                         ("doi", "DOI"), ("url", "URL")):
        _put(item, csl_key, _cell(source, key))
    _put(item, "publisher", _cell(source, "publisher"))
    if _cell(source, "accessed"):
        item["accessed"] = {"date-parts": [[int(p) for p in _cell(source, "accessed").split("-")]]}
    return item


def _cell(source, key: str) -> str:
    """A text field of a row (a dict or a frame's row), '' when missing or empty."""
    value = source.get(key)
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _number(source, key: str) -> int | None:
    value = source.get(key)
    return None if value is None or pd.isna(value) else int(value)


def _put(item: dict, key: str, value: str) -> None:
    if value:
        item[key] = value


def _csl_name(name: str) -> dict:
    """'Gulick, L.' → {'family': 'Gulick', 'given': 'L.'}; 'King, M. L., Jr.' keeps its suffix; an
    organisation ('Library Lost & Found') is one family name."""
    family, _, rest = name.partition(", ")
    given, _, suffix = rest.partition(", ")
    person = {"family": family}
    for key, value in (("given", given), ("suffix", suffix)):
        if value:
            person[key] = value
    return person


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
    n = int(number[-2:])  # the last two digits decide, however long the number
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


def read_bibtex_rows(path: Path, name: str, strings: dict[str, str] | None = None,
                     ) -> tuple[list[dict], ProblemLog, ImportReport]:
    """The rows of a .bib file's sources (before they become a frame), problems, import report.

    `strings`: the @string macros (lower-case name → text) of the files read before this one,
    as BibTeX sees those of `\\bibliography{defs,papers}`; this file's own are added to it, so
    the caller passes the same dict on to the next file.
    """
    with no_collection():
        return _read_bibtex_rows(path, name, strings)


def _read_bibtex_rows(path: Path, name: str, strings: dict[str, str] | None,
                      ) -> tuple[list[dict], ProblemLog, ImportReport]:
    log = ProblemLog(name)
    report = ImportReport(name)
    text = reference_text(path, log, "the bibliography is missing",
                          f"create {name} (export it from Zotero as BibTeX)", "bib-missing")
    if text is None:
        return [], log, report
    lines = _Lines(text)  # blanking keeps every line where it was
    text = _without_comments(text, lines, log)
    lines.text = text
    # bibtexparser logs each aborted block itself; the problems below say it better.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text, parse_stack=[])
    _place_blocks(library, text)
    macros = _read_strings(library, log, strings)
    entries = list(library.entries) + _failed_block_problems(library, lines, log, report)
    entries.sort(key=lambda e: e.start_line or 0)
    valued = _inherited([(entry, _entry_values(entry, macros, log)) for entry in entries], log)
    printable = not _UNPRINTABLE.search(text)  # looked at once for the file, not in each entry
    rows = [_source_row(entry.key, entry.entry_type.lower(), values, entry.start_line + 1, log, printable=printable)
            for entry, values in valued]
    for row in rows:
        row["file"] = name
    if strings is not None:
        strings.update(macros.strings)
    report.openings = _report_silent_gaps(library, lines, log)
    report.unaccounted = [p.line for p in log if p.kind in ("bib-skipped", "bib-swallowed")]
    report.imported = len(rows)
    _report_case_clashes(rows, log)
    if not rows and not report.openings:
        log.info(None, "the bibliography has no entries yet", "add the review's works, e.g. export them from Zotero",
                 "bib-empty")
    return rows, log, report


def _place_blocks(library, text: str) -> None:
    """Set each block's start_line (0-based, as bibtexparser counts) from where its text is in the file.

    bibtexparser counts the lines it passes, and does not count a line end after a backslash
    (`title = {One \\` at a line's end): every later block would be placed a line early, and
    its entry reported as skipped. Each block's raw text is found in the file instead, in order.
    """
    position, line = 0, 0
    for block in library.blocks:
        raw = block.raw or ""
        found = text.find(raw, position) if raw else -1
        if found < 0:
            continue  # not expected: keep bibtexparser's count for this block
        line += text.count("\n", position, found)
        _set_start_line(block, line + _leading_lines(raw))
        if isinstance(block, model.DuplicateFieldKeyBlock):
            _set_start_line(block.ignore_error_block, block.start_line)
        line += raw.count("\n")
        position = found + len(raw)


def _set_start_line(block: model.Block, line: int) -> None:
    # bibtexparser 2 gives start_line no setter; the attribute behind it is the one it reads.
    block._start_line_in_file = line


def _leading_lines(raw: str) -> int:
    """The empty lines a block's raw text starts with (the block starts after them)."""
    stripped = raw.lstrip()
    return raw.count("\n", 0, len(raw) - len(stripped))


# An Emacs file variable (-*- coding: latin-2 -*-) or JabRef's header (% Encoding: windows-1250), near the top.
_DECLARED_ENCODING = re.compile(rb"-\*-.*?\bcoding:[ \t]*([\w.:-]+).*?-\*-|^[ \t]*%[ \t]*Encoding:[ \t]*([\w.:-]+)",
                                re.IGNORECASE | re.MULTILINE)
DECLARATION_LINES = 5
"""How many first lines may declare the file's encoding (JabRef puts a line of its own before it)."""


def declared_encoding(head: bytes) -> str | None:
    """The encoding the first lines of a file declare, as its name in Python, or None.

    >>> declared_encoding(b"% -*- coding: latin-2 -*-\\n"), declared_encoding(b"% Encoding: Cp1250\\n")
    ('iso8859-2', 'cp1250')
    """
    head = b"\n".join(head.split(b"\n")[:DECLARATION_LINES])
    match = _DECLARED_ENCODING.search(head)
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "replace").lower()
    name = re.sub(r"-(unix|dos|mac)$", "", name)  # Emacs names the line ends too: utf-8-unix
    name = re.sub(r"^iso-latin-", "latin-", name).replace("latin-", "latin")  # Emacs: latin-2, iso-latin-2
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def reference_text(path: Path, log: ProblemLog, missing: str, action: str, kind: str) -> str | None:
    """The text of a reference file of any kind, or None when there is none to read: the file
    is missing (`missing`, `action` and `kind` say so), unreadable or UTF-16 (read_input,
    utf16_problem say so)."""
    if not path.exists():
        log.error(None, missing, action, kind)
        return None
    text = read_input(path, log)
    return None if text is None or utf16_problem(text, log) else text


def read_input(path: Path, log: ProblemLog) -> str | None:
    """The text of a reference file, or None (with an error) when it cannot be read at all:
    a folder where the file should be, a file without permission to read it.

    An encoding the file declares in its first lines (Emacs, JabRef) is the one it is read in.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
        declared = declared_encoding(head) if not bom_encoding(head[:4]) else None
        if declared and declared != "utf-8":
            text = _read_declared(path.read_bytes(), declared, log)
            if text is not None:
                return text
        return read_text(path, log)
    except OSError as err:
        log.error(None, f"the file cannot be read: {err.strerror or err}; nothing in it was read",
                  "check that it is a file, and that you may read it", "unreadable")
        return None


def _read_declared(data: bytes, declared: str, log: ProblemLog) -> str | None:
    """The file read in the encoding it declares; None (with a warning) to read it as detected."""
    try:
        codecs.lookup(declared)
    except LookupError:
        log.warning(1, f"the file declares the encoding '{_shown(declared, 30)}', which litcoder does not know; it "
                    "was read as UTF-8 or Windows-1252", "declare a known encoding (e.g. latin-2, windows-1250) or "
                    "save the file as UTF-8", "encoding")
        return None
    try:
        data.decode("utf-8")
        if not data.isascii():  # only UTF-8 reads so cleanly: the declaration was left from an older copy
            log.warning(1, f"the file declares the encoding {declared} but is UTF-8; it was read as UTF-8",
                        "correct or delete the declaration", "encoding")
            return None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        log.warning(line, f"not valid {declared}, the encoding the file declares (first bad byte on this line); "
                    "characters that could not be read were replaced by �", "check the file's encoding",
                    "encoding")
        text = data.decode(declared, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def utf16_problem(text: str, log: ProblemLog) -> bool:
    """Whether the text has a NUL between most of its letters, as a UTF-16 file read as UTF-8 has;
    if so, an error says so (the file's records cannot be found in it)."""
    if not looks_like_utf16(text) or not text.strip("\x00"):
        return False
    log.error(None, "this file was saved as UTF-16 (it has a NUL character between its letters), which is not "
              "read; its records may be missing or garbled", "save the file again as UTF-8 (in Notepad: Save As, "
              "Encoding: UTF-8)", "encoding")
    return True


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """text with each [start, end) span turned to spaces, line ends kept, so line numbers stay true."""
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [text[last:start], re.sub(r"[^\n]", " ", text[start:end])]
        last = end
    return "".join(pieces) + text[last:]


def _without_comments(text: str, lines: _Lines, log: ProblemLog) -> str:
    """Blank out @comment{…} blocks and lines starting with '%' between entries.

    BibTeX itself would read an entry inside either; biber and JabRef treat @comment{…}
    as a comment, and a '%' before an entry means someone commented it out, so both are
    left out here, and an entry left out so is named in a warning.
    """
    spans, ends = [], None
    for match in _line_starts_with("@", text, _COMMENT_BLOCK):
        if spans and match.start() < spans[-1][1]:
            continue  # inside the @comment before it
        ends = _brace_ends(text) if ends is None else ends
        end = ends.get(match.end() - 1)
        if end:
            spans.append((match.start(), end))
    text = _blank(text, spans)
    if "%" not in text:
        return text
    spans, depth, position = [], 0, 0
    for match in _line_starts_with("%", text, _PERCENT_LINE):
        depth += text.count("{", position, match.start()) - text.count("}", position, match.start())
        position = match.start()
        if depth > 0:
            continue  # a '%' inside an entry's value is text
        position = match.end()
        opening = re.search(r"@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()=]*)", match.group(0))
        if opening and opening.group(1).lower() not in _NOT_ENTRIES:
            log.warning(lines.line(match.start()),
                        f"entry '{_shown(opening.group(2))}' is on a line starting with '%', so it is taken as "
                        "commented out and left out (BibTeX itself would read it)",
                        "delete the '%' to keep the entry, or delete the line", "bib-commented-out")
        spans.append((match.start(), match.end()))
    return _blank(text, spans)


_BRACE = re.compile(r"(?<!\\)[{}]")


def _brace_ends(text: str) -> dict[int, int]:
    """For each '{' of the text that is closed, the offset just after its '}', in one pass
    (a backslashed brace is text, as in `_closing`)."""
    ends, opened = {}, []
    for match in _BRACE.finditer(text):
        if match.group() == "{":
            opened.append(match.start())
        elif opened:
            ends[opened.pop()] = match.end()
    return ends


def _read_strings(library, log: ProblemLog, earlier: dict[str, str] | None = None) -> _Macros:
    """The file's @string macros, read in order after those of earlier files."""
    macros = _Macros()
    macros.strings.update(earlier or {})
    for block in library.strings:
        line = block.start_line + 1
        value, unknown = macros.expand(block.value, f"@string {_shown(block.key)}", line, log)
        if value is None:
            macros.too_long[block.key.lower()] = line
            continue
        for macro in unknown:
            log.warning(line, f"@string {_shown(block.key)} uses '{_shown(macro)}', which is not defined",
                        f"define @string{{{_shown(macro)} = \"…\"}} above it, or put the text in braces", "bib-macro")
        macros.strings[block.key.lower()] = value
    return macros


def _entry_values(entry: model.Entry, macros: _Macros, log: ProblemLog) -> dict[str, str]:
    """The entry's fields as text (lower-case names), macros expanded, in one pass over them; a
    repeated field keeps its first value, and fields run together by a missing comma are split."""
    line = entry.start_line + 1
    values: dict[str, str] = {}
    spellings: dict[str, str] = {}
    for f in entry.fields:
        raw = f.value.strip()
        if raw[:1] == "{" and _one_braced_value(raw):  # as nearly every field is
            spelling = f.key
            key = spelling.lower()
            if key not in spellings:
                spellings[key] = spelling
                values[key] = raw[1:-1]
            else:
                _first_spelling(entry, spelling, spellings, line, log)  # reports the repeat
            continue
        for spelling, part in ([(f.key, raw)] if _BARE_VALUE.fullmatch(raw) else _run_on(entry, f, log)):
            if not _first_spelling(entry, spelling, spellings, line, log):
                continue
            key = spelling.lower()
            value, unknown = macros.bare(part) if _BARE_VALUE.fullmatch(part) else (None, None)
            if value is None:
                value, unknown = macros.expand(part, f"{_shown(entry.key)}: field {key}", line, log)
            if value is None:
                continue
            for macro in unknown:
                shown = _shown(macro)
                log.warning(line, f"{_shown(entry.key)}: field {key} uses '{shown}', which is neither an @string nor "
                            f"a month", f"put the value in braces ({key} = {{{shown}}}) or define "
                            f"@string{{{shown} = \"…\"}}", "bib-macro")
            values[key] = value
    return values


def _first_spelling(entry: model.Entry, spelling: str, spellings: dict[str, str], line: int, log: ProblemLog) -> bool:
    """Whether this is the field's first value in the entry (a repeat in another case is reported;
    exact repeats are reported with the failed blocks)."""
    key = spelling.lower()
    if key not in spellings:
        spellings[key] = spelling
        return True
    if spellings[key] != spelling:
        log.warning(line, f"{_shown(entry.key)}: field {key} given twice ('{spellings[key]}' and '{spelling}'); the "
                    "first value is used", "delete the repeated field", "bib-duplicate-field")
    return False


def _run_on(entry: model.Entry, f: model.Field, log: ProblemLog) -> list[tuple[str, str]]:
    """A field's value as the fields it holds when a missing comma ran the next ones into it (reported)."""
    parts = split_run_on(f.key, f.value)
    if len(parts) > 1:
        names = " and ".join(k for k, _ in parts[:5]) + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")
        log.warning(entry.start_line + 1, f"{_shown(entry.key)}: a comma is missing between the fields {names}; "
                    "they were read as separate fields", f"add a comma after the {parts[0][0]} value",
                    "bib-missing-comma")
    return parts


# ---------------------------------------------------------------- crossref and xdata

INHERITANCE_DEPTH_LIMIT = 32
"""The longest chain of crossref and xdata fields followed (an entry, its parent, the parent's
parent …). BibTeX follows one level, biber a few; a longer chain is a generated or broken file."""

_NOT_INHERITED = {"crossref", "xref", "xdata", "ids", "entryset", "label", "shorthand", "shorthandintro",
                  "sortkey", "sorttitle", "sortname", "presort", "indextitle", "indexsorttitle", "options",
                  "related", "relatedtype", "relatedstring", "relatedoptions", "execute", "entrysubtype"}
"""Fields a child does not take from its crossref parent (biber's defaults): they are the parent's own."""
_IN_WHOLES = {"inproceedings", "conference", "incollection", "inbook", "bookinbook", "suppbook", "inreference",
              "suppcollection", "suppperiodical"}
_WHOLES = {"proceedings", "book", "collection", "reference", "mvbook", "mvcollection", "mvproceedings",
           "mvreference", "booklet"}
# A part of a whole takes the whole's title as the title of its container, not as its own.
_TITLE_OF_WHOLE = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon",
                   "shorttitle": None}
_TITLE_OF_PERIODICAL = {"title": "journaltitle", "subtitle": "journalsubtitle", "shorttitle": None}


def _inherited(valued: list[tuple[model.Entry, dict[str, str]]], log: ProblemLog,
               ) -> list[tuple[model.Entry, dict[str, str]]]:
    """The entries (not @xdata nor biblatex's @set, which only groups entries) with the fields
    they take from @xdata entries and crossref parents.

    As biber does it: an entry's own fields win; `xdata = {a, b}` gives it every field of those
    @xdata entries it lacks; a `crossref` parent then gives it what it still lacks, its title
    becoming the booktitle of a part of a whole (@inproceedings in @proceedings, @incollection in
    @collection) or the journal of an @article in a @periodical.
    """
    by_key = {entry.key.lower(): (entry, values) for entry, values in valued}
    done: dict[str, dict[str, str]] = {}
    for entry, _ in valued:
        _resolve_entry(entry.key.lower(), by_key, done, set(), log)
    return [(entry, done[entry.key.lower()]) for entry, _ in valued if entry.entry_type.lower() not in ("xdata", "set")]


def _resolve_entry(key: str, by_key: dict, done: dict, open_keys: set[str], log: ProblemLog) -> dict[str, str]:
    """One entry's values with what it inherits (parents resolved first, each once)."""
    if key in done:
        return done[key]
    entry, own = by_key[key]
    if "crossref" not in own and "xdata" not in own:  # as most entries: nothing to take
        done[key] = own
        return own
    open_keys.add(key)
    values = dict(own)
    for other in (k.strip() for k in own["xdata"].split(",")) if "xdata" in own else ():
        source = _parent(other, "xdata", by_key, open_keys, entry, log)
        if source is not None:
            for field_name, value in _resolve_entry(other.lower(), by_key, done, open_keys, log).items():
                if field_name not in _NOT_INHERITED:
                    values.setdefault(field_name, value)
    parent_key = own.get("crossref", "").strip()
    parent = _parent(parent_key, "crossref", by_key, open_keys, entry, log)
    if parent is not None:
        kind, parent_kind = entry.entry_type.lower(), parent.entry_type.lower()
        renamed = (_TITLE_OF_WHOLE if kind in _IN_WHOLES and parent_kind in _WHOLES
                   else _TITLE_OF_PERIODICAL if kind == "article" and parent_kind == "periodical" else {})
        for field_name, value in _resolve_entry(parent_key.lower(), by_key, done, open_keys, log).items():
            if field_name in _NOT_INHERITED:
                continue
            target = renamed.get(field_name, field_name)
            if target:
                values.setdefault(target, value)
    open_keys.discard(key)
    done[key] = values
    return values


def _parent(key: str, field_name: str, by_key: dict, open_keys: set[str], child: model.Entry,
            log: ProblemLog) -> model.Entry | None:
    """The entry a crossref or xdata of child names, or None (with a warning when it cannot be used)."""
    if not key:
        return None
    if key.lower() in by_key and key.lower() not in open_keys and len(open_keys) < INHERITANCE_DEPTH_LIMIT:
        return by_key[key.lower()][0]  # as nearly always
    who, line = _shown(child.key), child.start_line + 1
    if key.lower() not in by_key:
        log.warning(line, f"{who}: {field_name} '{_shown(key)}' is not an entry of this file; nothing was taken "
                    "from it", f"add the entry '{_shown(key)}' to this file, or correct the {field_name}",
                    "bib-crossref")
        return None
    if len(open_keys) >= INHERITANCE_DEPTH_LIMIT:
        log.warning(line, f"{who}: {field_name} '{_shown(key)}' is more than {INHERITANCE_DEPTH_LIMIT} entries down a "
                    "chain of crossref and xdata fields; nothing more was taken along it",
                    f"let entries take their fields from fewer levels of {field_name}", "bib-crossref")
        return None
    if key.lower() in open_keys:
        log.warning(line, f"{who}: {field_name} '{_shown(key)}' leads back to this entry; nothing was taken from it",
                    f"remove the {field_name} that closes the circle", "bib-crossref")
        return None
    return by_key[key.lower()][0]


def _source_row(citekey: str, entry_type: str, values: dict[str, str], line: int, log: ProblemLog, *,
                decode: bool = True, printable: bool = False) -> dict:
    """A source row from an entry's or record's BibTeX-like values (any reference format's).

    `decode=False` for formats whose text is not LaTeX (RIS, CSL JSON): their `~`, braces and
    backslashes are kept as written, only white space tidied. `printable=True` when the whole
    file is known to hold no control characters, so the values need not be looked at for them.
    """
    who = citekey if len(citekey) <= 60 and citekey.isprintable() else _shown(citekey)
    _check_citekey(citekey, line, log)
    values = _checked_values(who, values, line, log, printable)
    people = []
    for field_name in ("author", "editor"):
        if values.get(field_name):
            people = split_names(values[field_name], decode)
            if decode and _commas_for_and(values[field_name]):
                log.warning(line, f"{who}: the {field_name}s seem separated by commas, so they are read as "
                            f"{len(people)} {'person' if len(people) == 1 else 'people'}",
                            "separate people with 'and': {Artin, Michael and Grothendieck, Alexander}",
                            "bib-names")
            break
    readable = latex_to_text if decode else _plain_text
    shown = {k: readable(values[k]) for k in SHOWN_FIELDS if values.get(k)}
    title = shown.get("title", "")
    if not title:
        log.warning(line, f"{who}: no title", "add a title field", "bib-field")
    year = _year(values.get("year") or values.get("date", ""), who, line, log)
    month = month_number(values["month"]) if values.get("month") else None
    if values.get("month") and month is None:
        log.warning(line, f"{who}: month '{_shown(values['month'])}' is not a month", "use jan … dec or 1 … 12",
                    "bib-field")
    if month is None and _ISO_MONTH.match(values.get("date", "")):
        month = int(values["date"][5:7])
        month = month if 1 <= month <= 12 else None
    day = values.get("day", "")
    if not people:
        log.warning(line, f"{who}: no author or editor; cited by its title", "add an author field", "bib-field")
    doi = _DOI_PREFIX.sub("", values["doi"].strip()) if values.get("doi") else ""
    editors = split_names(values["editor"], decode) if values.get("editor") else People()
    translators = split_names(values["translator"], decode) if values.get("translator") else People()
    return {
        "citekey": citekey,
        "entry_type": entry_type,
        "_people": people,
        "_authored": bool(values.get("author")),
        "_author": author_label(people, title),
        "authors": "; ".join(p.apa() for p in people),
        "_editors": editors,
        "editors": "; ".join(p.apa() for p in editors),
        "_translators": translators,
        "translators": "; ".join(p.apa() for p in translators),
        "title": title,
        "year": year,
        "month": month,
        "day": int(day) if day.isascii() and day.isdigit() and len(day) <= 2 and 1 <= int(day) <= 31 else None,
        "original_year": _original_year(values, who, line, log),
        "accessed": _accessed(values.get("urldate", ""), who, line, log),
        "container": next((shown[k] for k in CONTAINER_FIELDS if shown.get(k)), ""),
        "volume": values.get("volume", ""),
        "number": values.get("number", "") or values.get("issue", ""),
        "pages": latex_to_text(values.get("pages", "")) if decode else _plain_text(values.get("pages", ""), True),
        "publisher": shown.get("publisher", ""),
        "edition": shown.get("edition", ""),
        "doi": doi,
        "url": values.get("url", "").strip(),
        "_abstract": readable(values["abstract"][:SHOWN_FIELD_LIMIT]) if values.get("abstract") else "",
        "line": line,
    }


_ORIGINAL_FIELDS = ("origdate", "origyear")
_ISO_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def _original_year(values: dict[str, str], who: str, line: int, log: ProblemLog) -> int | None:
    """The year the work first appeared (biblatex `origdate`, BibTeX `origyear`), or None.

    APA cites a translation or reprint with both years: (Fayol, 1916/1949)."""
    spelling = next((f for f in _ORIGINAL_FIELDS if values.get(f)), None)
    if spelling is None:
        return None
    match = _FOUR_DIGITS.search(values[spelling])
    if match:
        return int(match.group(1))
    log.warning(line, f"{who}: {spelling} '{_shown(values[spelling])}' has no four-digit year; the original "
                "date was left out", f"give the year the work first appeared, e.g. {spelling} = {{1916}}",
                "bib-field")
    return None


def _accessed(value: str, who: str, line: int, log: ProblemLog) -> str:
    """The date a web page was read (biblatex `urldate`) as ISO 'YYYY-MM-DD' (or 'YYYY-MM', 'YYYY'), or ''."""
    value = value.strip()
    if not value:
        return ""
    match = _ISO_DATE.fullmatch(value)
    month, day = (int(match.group(2) or 1), int(match.group(3) or 1)) if match else (0, 0)
    if match and 1 <= month <= 12 and 1 <= day <= 31:
        return value
    log.warning(line, f"{who}: urldate '{_shown(value)}' is not a date written as YYYY-MM-DD; the retrieval date "
                "was left out", "write the day the page was read as e.g. urldate = {2026-11-30}", "bib-field")
    return ""


def _plain_text(value: str, pages: bool = False) -> str:
    """Text that is not LaTeX, on one line, as written; a page range's '--' (as litcoder
    writes ranges) as a dash, in `pages` only: a title's '--' is the author's own."""
    text = " ".join(value.split())
    return text.replace("--", "–") if pages else text


_TOP_LEVEL_BRACES = re.compile(r"\{[^{}]*\}")
_NAME_SUFFIX = re.compile(r"(?i)(jr|sr|[ivx]+)\.?")
_INITIAL = re.compile(r"[A-Z]\.(-?[A-Z]\.)*")


def _commas_for_and(names: str) -> bool:
    """Whether a BibTeX name list separates people with commas rather than 'and', a common
    slip ('M. Artin, A. Grothendieck, J. L. Verdier'): no 'and', and more commas than one
    name can hold ('von Last, Jr, First'), or a second comma not after a suffix, or one comma
    after a name written with its initials first."""
    bare = names
    while "{" in bare:  # what braces protect is not looked at
        shorter = _TOP_LEVEL_BRACES.sub("", bare)
        if shorter == bare:
            break
        bare = shorter
    if re.search(r"\band\b", bare, re.IGNORECASE):
        return False
    parts = [part.split() for part in bare.split(",")]
    if len(parts) > 3:
        return True
    if len(parts) == 3:
        return not _NAME_SUFFIX.fullmatch(" ".join(parts[1]))
    return len(parts) == 2 and len(parts[0]) > 1 and bool(_INITIAL.fullmatch(parts[0][0])) and len(parts[1]) > 1


def _check_citekey(citekey: str, line: int, log: ProblemLog) -> None:
    """Warn when a citekey cannot name a file, so the source's text cannot be added under it.

    Such a key is kept (real bibliographies have keys like 'DBLP:journals/cacm/Smith20', and
    the source can still be cited and listed); no file name is ever made from it.
    """
    if 4 < len(citekey) <= NAME_LIMIT and _PLAIN_KEY.fullmatch(citekey):
        return  # letters, digits, '_' and '-', longer than any Windows device name: a file name anywhere
    problem = file_name_problem(citekey)
    if problem is None:
        return
    log.warning(line, f"citekey '{_shown(citekey)}' cannot name a file: {problem}; the source is read and can be "
                f"cited, but its text cannot be added to {SOURCES} under this key",
                f"to code it, rename the key, e.g. to '{file_safe_key(citekey)}', here and wherever it is cited",
                "ref-citekey")


def file_safe_key(citekey: str) -> str:
    """A citekey like the one given that can name a file on every system.

    >>> file_safe_key("DBLP:journals/cacm/Smith20"), file_safe_key("../../escape"), file_safe_key("aux.2020")
    ('DBLP_journals_cacm_Smith20', 'escape', 'aux_.2020')
    """
    key = _NOT_IN_FILE_NAMES.sub("_", citekey).strip("._ ")[:NAME_LIMIT - 1].strip("._ ") or "source"
    if file_name_problem(key) is None:
        return key
    device, dot, rest = key.partition(".")  # 'CON', 'aux.2020': Windows reads the part before the dot
    return f"{device}_{dot}{rest}"


def _checked_values(who: str, values: dict[str, str], line: int, log: ProblemLog,
                    printable: bool = False) -> dict[str, str]:
    """The values without control characters or lone surrogates, without numbers too long to be
    true, and with fields people read cut to SHOWN_FIELD_LIMIT; each change is reported."""
    if printable or not _UNPRINTABLE.search("".join(values.values())):  # as nearly every entry
        unprintable = []
    else:
        unprintable = [k for k, v in values.items() if _UNPRINTABLE.search(v)]
    values = dict(values)
    for key in unprintable:
        values[key] = _UNPRINTABLE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else " ", values[key])
    if unprintable:
        log.warning(line, f"{who}: field(s) {', '.join(unprintable)} hold control characters or broken Unicode; "
                    "they were replaced by spaces (or �)", "retype the text there: it often comes from a PDF or a "
                    "file in another encoding", "bib-characters")
    for key in _NUMBER_FIELDS:
        number = values.get(key)
        long = _LONG_NUMBER.search(number) if number and len(number) > NUMBER_DIGITS_LIMIT else None
        if long:
            log.warning(line, f"{who}: field {key} holds a number of {len(long.group()):,} digits "
                        f"('{_shown(values.pop(key), 30)}'), longer than any {key}; it was left out",
                        f"check the {key} field", "bib-number")
    for key in SHOWN_FIELDS if max(map(len, values.values()), default=0) > SHOWN_FIELD_LIMIT else ():
        if len(values.get(key, "")) > SHOWN_FIELD_LIMIT:
            log.warning(line, f"{who}: field {key} is {len(values[key]):,} characters long; only the first "
                        f"{SHOWN_FIELD_LIMIT:,} are shown", "check the field: a closing brace may be missing",
                        "bib-field-length")
            values[key] = values[key][:SHOWN_FIELD_LIMIT]
    return values


def _year(value: str, citekey: str, line: int, log: ProblemLog) -> int | None:
    match = _FOUR_DIGITS.search(value)
    if match:
        return int(match.group(1))
    if value:
        log.warning(line, f"{citekey}: year '{_shown(value)}' has no four-digit year; cited as n.d.",
                    "give the year as e.g. 1990", "bib-field")
    else:
        log.warning(line, f"{citekey}: no year; cited as n.d.", "add a year field", "bib-field")
    return None


def _failed_block_problems(library, lines: _Lines, log: ProblemLog, report: ImportReport) -> list[model.Entry]:
    """Report each failed block; return the entries that can still be used."""
    recovered = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock):
            report.duplicates.append(line)
            first = (block.previous_block.start_line or 0) + 1
            log.error(line, f"duplicate citekey '{_shown(block.key)}' (first used on line {first}); this entry was "
                      "left out", "give one of the two entries another key, or delete the repeat", "bib-duplicate-key")
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            fields = ", ".join(sorted(block.duplicate_keys))
            log.warning(line, f"{_shown(entry.key)}: field(s) {_shown(fields)} given twice; the first value is used",
                        "delete the repeated field", "bib-duplicate-field")
            recovered.append(entry)
        else:
            reason = _shown(_plain_reason(getattr(block.error, "abort_reason", "") or str(block.error)), 200)
            opening = _OPENING.match(lines.text, lines.offset(line))
            kind = opening.group(1).lower() if opening else ""
            if kind in _NOT_ENTRIES:
                log.error(line, f"this @{kind} could not be read: {reason}" +
                          ("; the fields that use it are left undefined" if kind == "string" else ""),
                          f"write it as @{kind}{{name = \"text\"}}" if kind == "string" else "check its braces",
                          "bib-failed")
                continue
            report.failed.append(line)
            what = f"entry '{_shown(opening.group(3))}'" if opening and opening.group(3) else "this entry"
            log.error(line, f"{what} could not be read and was left out: {reason}",
                      "look for a missing comma, brace or quote in this entry", "bib-failed")
    return recovered


def _plain_reason(reason: str) -> str:
    return " ".join(reason.split()).rstrip(". ") or "syntax error"


def _report_silent_gaps(library, lines: _Lines, log: ProblemLog) -> int:
    """Count entry openings in the text; report each one no block accounts for.

    Returns the number of entry openings found. An opening inside a failed block was
    swallowed by it (typically an unclosed brace above); any other unaccounted opening
    was skipped by the parser without a word.
    """
    accounted = {(b.start_line or 0) + 1 for b in library.entries}
    accounted |= {(b.start_line or 0) + 1 for b in library.failed_blocks}
    keys = {b.key for b in library.entries}
    failed_spans = sorted(((b.start_line or 0) + 1, (b.start_line or 0) + 1 + (b.raw or "").count("\n"))
                          for b in library.failed_blocks if type(b) is model.ParsingFailedBlock)
    failed_starts = [a for a, _ in failed_spans]
    text = lines.text
    openings = 0
    line, last = 1, 0
    for match in _line_starts_with("@", text, _OPENING):
        line += text.count("\n", last, match.start())
        last = match.start()
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        openings += 1
        if line in accounted:
            continue
        key = _shown(match.group(3)) or "(no key)"
        host = _host(failed_spans, failed_starts, line)
        if host:
            log.error(line, f"entry '{key}' was not read: the broken entry on line {host} runs into it",
                      f"fix the entry on line {host} (often an unclosed brace or quote)", "bib-swallowed")
        else:
            log.error(line, f"entry '{key}' was skipped by the BibTeX parser without an error",
                      "check this entry's syntax: @type{key, field = {value}, …}", "bib-skipped")
    for match in _mid_line(text):
        openings += 1
        if match.group(2) not in keys:
            log.error(lines.line(match.start()),
                      f"entry '{_shown(match.group(2))}' starts in the middle of a line and was not read",
                      "put each entry on lines of its own", "bib-skipped")
    return openings


def _line_starts_with(char: str, text: str, pattern: re.Pattern):
    """pattern's matches from the starts of the lines whose first character bar spaces is char.

    Found from each char in the text (few in a bibliography), not by trying every line.
    """
    last = -1
    for found in re.finditer(re.escape(char), text):
        start = text.rfind("\n", 0, found.start()) + 1
        if start > last and not text[start:found.start()].strip(" \t"):
            match = pattern.match(text, start)
            if match:
                last = match.end()
                yield match


def _mid_line(text: str):
    """Entry openings that come after other text on their line (`} @book{Key,`)."""
    for found in re.finditer("@", text):
        start = text.rfind("\n", 0, found.start()) + 1
        if text[start:found.start()].strip():
            match = _MIDLINE_OPENING.match(text, found.start())
            if match:
                yield match


def _host(spans: list[tuple[int, int]], starts: list[int], line: int) -> int | None:
    """The first line of the failed block (spans: sorted, apart) whose lines after its first hold line."""
    i = bisect.bisect_left(starts, line) - 1
    return spans[i][0] if i >= 0 and line <= spans[i][1] else None


def _report_case_clashes(rows: list[dict], log: ProblemLog) -> None:
    seen: dict[str, dict] = {}
    for row in rows:
        other = seen.setdefault(row["citekey"].lower(), row)
        if other is not row:
            log.warning(row["line"], f"citekeys '{_shown(other['citekey'])}' (line {other['line']}) and "
                        f"'{_shown(row['citekey'])}' "
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
    for column in SOURCE_COLUMNS:
        if column not in frame:  # rows made by hand (tests, other readers) may lack the newer fields
            frame[column] = None if column in ("original_year",) else ""
    for column in ("year", "month", "day", "original_year", "line"):
        frame[column] = frame[column].astype("Int64")
    frame = frame[SOURCE_COLUMNS + ["reference_html", "_people"]]
    return frame.reset_index(drop=True)


def with_page(author_year: str, page, paragraph=None) -> str:
    """An in-text citation with the page, as APA puts it: 'Kotter, 1990, p. 104'. The page is
    the printed page's label as it stands ('104', 'xii', 'S13'); a number is written whole.
    Without a page, APA cites the paragraph, when it is given: 'Kotter, 1990, para. 3'.

    >>> with_page("Kotter, 1990", "104"), with_page("Kotter, 1990", "xii"), with_page("Kotter, 1990", 104.0)
    ('Kotter, 1990, p. 104', 'Kotter, 1990, p. xii', 'Kotter, 1990, p. 104')
    >>> with_page("Kotter, 1990", None), with_page("Kotter, 1990", pd.NA), with_page("Kotter, 1990", " ")
    ('Kotter, 1990', 'Kotter, 1990', 'Kotter, 1990')
    >>> with_page("Kotter, 1990", None, 3), with_page("Kotter, 1990", "104", 3)
    ('Kotter, 1990, para. 3', 'Kotter, 1990, p. 104')
    """
    import numbers

    if page is None or (not isinstance(page, str) and pd.isna(page)):
        page = ""
    elif isinstance(page, numbers.Real) and not isinstance(page, bool) and float(page).is_integer():
        page = int(page)  # a page read as a number (104.0) is cited as printed
    page = str(page).strip()
    if page:
        return f"{author_year}, p. {page}"
    return author_year if paragraph is None else f"{author_year}, para. {int(paragraph)}"


def closest(name: str, known, n: int = 1) -> str:
    """' (did you mean X?)' for a mistyped key, or ''."""
    match = difflib.get_close_matches(name, list(known), n=n, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""
