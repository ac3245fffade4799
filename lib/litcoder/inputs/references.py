"""RIS, PubMed/MEDLINE and CSL-JSON files → the same source rows as references.bib, and duplicates across them.

A review's works come from Zotero, from library databases (Scopus, Web of Science, EBSCO,
ProQuest, PubMed, EndNote), from screening tools (Rayyan, EPPI-Reviewer) and from hand-made
files. Each reader here turns one file into rows made by the BibTeX reader's own
`bibliography._source_row`, so the sources table is one table whatever the files: build a
BibTeX-like `values` dict (title, journal or booktitle, year, month, day, volume, number,
pages "12--34", publisher, address, edition, doi, url, isbn, and the author and editor
lists for its checks) and the BibTeX entry type, then call it with `decode=False`: these
formats are not LaTeX, so a `~`, `$`, `%` or brace in a title means itself. The people are
read from the file's own parts (CSL's family and given, RIS's 'Last, First' or 'Last F M')
and put in the row as they are, never re-split by BibTeX's rules. Each row has two keys
more: `file` (the name given) and `line` (RIS: the record's `TY` line; MEDLINE: its `PMID`
line; CSL-JSON: the line of the record's opening brace). `bibliography.sources_frame(rows)`
makes the sources table from them (author-year labels, APA references).

Like the BibTeX reader, each reader returns its rows with a ProblemLog and an ImportReport
that counts the records found in the text (RIS: `TY` lines; MEDLINE: `PMID` lines;
CSL-JSON: the elements of the top-level list) against the records read, so that a record
left out is always named with its line.

RIS. rispy reads the fields of each record; the text is first split into records here,
because rispy 0.10 loses records on real exports (see `read_ris`). A PubMed file saved
or renamed as .ris is recognised and read as MEDLINE (`read_medline`).

Citekeys. A record's own key is used when it has one (RIS `ID`, as JabRef and Mendeley
write it; CSL-JSON `citation-key`, else `id`, as Better CSL JSON writes them), unless it is
digits alone: EndNote's record number ("889"), which every library reuses. Otherwise the key
is made as Better BibTeX's default formula `[auth:lower][shorttitle3_3][year]` makes it (see
`better_bibtex_key`). An own key that cannot name a file ('DBLP:journals/cacm/Smith20',
'CON') is kept, as the BibTeX reader keeps it, with a warning that the source's text cannot
be added under it; a CSL `id` with a '/' is an item id, not a citekey, and a key is made.

    >>> from litcoder.inputs.bibliography import split_names
    >>> taken = set()
    >>> better_bibtex_key(split_names("Kotter, John P."), "What Leaders Really Do", 1990, taken)
    'kotterWhatLeadersReally1990'
    >>> better_bibtex_key(split_names("Kotter, John P."), "What leaders really do.", 1990, taken)
    'kotterWhatLeadersReally1990a'
    >>> better_bibtex_key(split_names("van der Berg, Anna"), "The Art of Management", None, set())
    'vanderbergArtManagement'

Duplicates. `find_duplicates` pairs rows (from any files) that are the same work: the same
DOI, else the same title, year and first author — never two editions, nor a reprint in
another year.

    >>> normalise_doi("https://doi.org/10.4037/CCN2009366")
    '10.4037/ccn2009366'
    >>> normalise_title("Managers and Leaders: Are They Different?")
    'managers and leaders are they different'
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import rispy
from rispy.config import LIST_TYPE_TAGS, TAG_KEY_MAPPING, TYPE_OF_REFERENCE_MAPPING

from ..layout import NAME_LIMIT, file_name_problem
from ..problems import ProblemLog
from .bibliography import (
    _UNPRINTABLE,
    NUMBER_DIGITS_LIMIT,
    ImportReport,
    People,
    Person,
    _shown,
    _source_row,
    author_label,
    month_number,
    read_bibtex_rows,
    reference_text,
)

__all__ = [
    "CSL_TYPES",
    "RIS_TYPES",
    "better_bibtex_key",
    "find_duplicates",
    "normalise_doi",
    "normalise_title",
    "read_csl_json",
    "read_medline",
    "read_references",
    "read_ris",
]

# ---------------------------------------------------------------- types

RIS_TYPES = {
    # journal-like
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
    "ABST": "article", "INPR": "article",
    # books and parts of them
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CLSWK": "book",
    "CHAP": "incollection", "ECHAP": "incollection", "ENCYC": "incollection", "DICT": "incollection",
    "CONF": "inproceedings", "CPAPER": "inproceedings",
    "THES": "phdthesis",
    "RPRT": "techreport", "GOVDOC": "techreport",
    "ELEC": "online", "BLOG": "online", "WEB": "online", "ICOMM": "online",
    "UNPB": "unpublished", "UNPD": "unpublished", "MANSCPT": "unpublished",
    "DATA": "dataset", "COMP": "software", "PAT": "patent", "STAND": "standard",
    "GEN": "misc",
}
"""RIS `TY` → BibTeX entry type; any other type is read as misc."""

CSL_TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "article": "article", "review": "article", "review-book": "article",
    "book": "book", "classic": "book",
    "chapter": "incollection", "entry": "incollection", "entry-dictionary": "incollection",
    "entry-encyclopedia": "incollection",
    "paper-conference": "inproceedings",
    "thesis": "phdthesis",
    "report": "techreport",
    "post-weblog": "online", "webpage": "online", "post": "online",
    "manuscript": "unpublished", "dataset": "dataset", "software": "software", "patent": "patent",
    "standard": "standard",
}
"""CSL `type` → BibTeX entry type; any other type is read as misc."""

# Where a record's container goes in the BibTeX-like values, by entry type; any field of
# bibliography.CONTAINER_FIELDS becomes the row's container.
_CONTAINER_FIELD = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}
_BOOKLIKE = {"book", "phdthesis", "mastersthesis", "techreport"}
# Where the publisher goes: a thesis's university and a report's institution are its container.
_PUBLISHER_FIELD = {"phdthesis": "school", "mastersthesis": "school", "techreport": "institution"}

# A key usable as a citekey: BibTeX's own rule, and no control character or broken Unicode. Whether it
# can also name a file (corpus/sources/<citekey>.pdf) is layout.file_name_problem's to say.
_KEY = re.compile(r"[^\s,{}()\"#%'=\\~\x00-\x1f\x7f\ud800-\udfff]+")
_NOT_A_KEY = "it has a space, a control character or one of , { } ( ) \" # % ' = \\ ~"

# ---------------------------------------------------------------- Better BibTeX keys

# Better BibTeX's default `skipWords` preference, word for word.
SKIP_WORDS = frozenset(
    ["a", "ab", "aboard", "about", "above", "across", "after", "against", "al", "along", "amid", "among", "an", "and",
     "anti", "around", "as", "at", "before", "behind", "below", "beneath", "beside", "besides", "between", "beyond",
     "but", "by", "d", "da", "das", "de", "del", "dell", "dello", "dei", "degli", "della", "dell", "delle", "dem",
     "den", "der", "des", "despite", "die", "do", "down", "du", "during", "ein", "eine", "einem", "einen", "einer",
     "eines", "el", "en", "et", "except", "for", "from", "gli", "i", "il", "in", "inside", "into", "is", "l", "la",
     "las", "le", "les", "like", "lo", "los", "near", "nor", "of", "off", "on", "onto", "or", "over", "past", "per",
     "plus", "round", "save", "since", "so", "some", "sur", "than", "the", "through", "to", "toward", "towards", "un",
     "una", "unas", "under", "underneath", "une", "unlike", "uno", "unos", "until", "up", "upon", "versus", "via",
     "von", "while", "with", "within", "without", "yet", "zu", "zum"])

# Letters that Unicode decomposition does not fold to ASCII.
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                       "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE", "ı": "i",
                       "ð": "d", "Ð": "D", "ŋ": "n", "Ŋ": "N"})


def fold(text: str) -> str:
    """text in ASCII where it has an ASCII spelling: 'Müller' → 'Muller', 'Straße' → 'Strasse'."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def better_bibtex_key(people, title: str, year: int | None, taken: set[str],
                      lowered: set[str] | None = None) -> str:
    """A citekey as Better BibTeX's default formula `[auth:lower][shorttitle3_3][year]` makes it.

    - auth: the first person's last name, particles included (`van der Berg` → `vanderberg`,
      as Better BibTeX does unless told to drop them; see its issue #3295), folded to ASCII
      (`Müller` → `muller`), lower case, letters only; empty when there is no person;
    - shorttitle3_3: the first three words of the title that are not in Better BibTeX's
      `skipWords` (a, an, the, of, on, in, and, is, …), each capitalised, folded to ASCII,
      letters and digits only (apostrophes dropped, other punctuation splits words);
    - year: the four digits, or nothing.

    `people` are `bibliography.Person`s (anything with `.family` and `.von`). A key already in
    `taken` (compared ignoring case, as file names on Windows and macOS are) gets a, b, …, z,
    aa, ab, … as Better BibTeX's postfix does: `kotterWhatLeadersReally1990a`. The key
    returned is added to `taken`. With no person, title words or year the key is `anonymous`.
    Unlike Better BibTeX's, the key always names a file: name and title words are cut to keep
    it within layout.NAME_LIMIT, and a Windows device name (`con`) gets a postfix too.

    `lowered`, when given, is `taken` in lower case, kept up to date here: a reader making
    thousands of keys passes it rather than have it made anew for each key.
    """
    auth = ""
    if people:
        first = people[0]
        auth = re.sub(r"[^a-z]", "", fold(f"{getattr(first, 'von', '')}{first.family}").lower())
    words = []
    for word in re.split(r"[^A-Za-z0-9]+", re.sub(r"['’]", "", fold(title or ""))):
        if word and word.lower() not in SKIP_WORDS:
            words.append(word[0].upper() + word[1:])
            if len(words) == 3:
                break
    base = (auth + "".join(words))[:NAME_LIMIT - 8] + (str(year) if year is not None else "") or "anonymous"
    if lowered is None:
        lowered = {key.lower() for key in taken}
    key, n = base, 0
    while key.lower() in lowered or file_name_problem(key):  # 'con' names a device on Windows, so: cona
        n += 1
        key = base + _letters(n)
    taken.add(key)
    lowered.add(key.lower())
    return key


def _letters(n: int) -> str:
    """1 → a, 26 → z, 27 → aa, 28 → ab …"""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(97 + rest) + out
    return out


# ---------------------------------------------------------------- shared helpers

_RICH_TEXT = re.compile(r"</?(?:i|b|em|strong|sup|sub|sc|span)(?:\s[^<>]*)?>", re.IGNORECASE)
_DASHES = "\\-\u00ad\u2010-\u2015\u2212"  # for a character class: hyphen, soft hyphen, ‐ … ―, minus
_RANGE = re.compile(rf"^\s*([^\s{_DASHES}]+)\s*[{_DASHES}]+\s*([^\s{_DASHES}]+)\s*$")


def _plain(text) -> str:
    """A field's value as one line of plain text: Zotero's rich-text tags and HTML entities gone."""
    if isinstance(text, list):  # CSL-JSON from some sources gives titles as lists
        text = next((t for t in text if isinstance(t, str) and t.strip()), "")
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        return ""
    text = str(text)
    if "<" in text:
        text = _RICH_TEXT.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _pages(first: str, last: str = "") -> str:
    """'61', '69' → '61--69'; '61-69' or '61–69' → '61--69'; a single page stays as it is."""
    first, last = first.strip(), last.strip()
    if first and last:
        return f"{first}--{last}" if first != last else first
    match = _RANGE.match(first or last)
    return f"{match.group(1)}--{match.group(2)}" if match else (first or last)


def _bibtex_name(family: str, given: str = "", suffix: str = "", von: str = "") -> str:
    """One person as BibTeX writes them: 'von Last, Jr, First'; braces keep a comma or 'and' in."""
    def protect(part: str) -> str:
        return f"{{{part}}}" if ("," in part or re.search(r"\band\b", part, re.IGNORECASE)) else part

    last = " ".join(p for p in (von, protect(family)) if p)
    parts = [last] + ([protect(suffix)] if suffix else []) + ([protect(given)] if given else [])
    if len(parts) == 1 and not von and " " in family:
        return "{" + family.replace("{", "").replace("}", "") + "}"
    return ", ".join(parts)


def _date_parts(text: str) -> tuple[int | None, int | None, int | None]:
    """Year, month and day of a date as exports write it.

    '1990', '1990///', '1990/05/01/', '2013/01/09', '1990/2/27', '2013-01-09' (RIS and ISO);
    'MAY', 'MAY-JUN' (Web of Science's DA: a month, no year); 'May 1990', 'Spring 1985'.
    """
    text = text.strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{0,2}))?(?:\s*[/-]\s*(\d{0,2}))?(?:\s*[/-].*)?", text)
    if match:
        year = int(match.group(1))
        month = int(match.group(2)) if match.group(2) else None
        day = int(match.group(3)) if match.group(3) else None
    else:
        found = re.search(r"(?<!\d)(\d{4})(?!\d)", text)
        year = int(found.group(1)) if found else None
        month = next((m for m in (month_number(w) for w in re.findall(r"[A-Za-z]{3,}", text)) if m), None)
        day = None
    if month is not None and not 1 <= month <= 12:
        month, day = None, None
    if day is not None and not 1 <= day <= 31:
        day = None
    return year, month, (day if month else None)


def _put_date(values: dict, year: int | None, month: int | None, day: int | None, raw: str) -> None:
    """Year, month and day into BibTeX-like values; a date with no year is kept as written,
    so that `_source_row` names it in its warning."""
    if year is not None:
        values["year"] = str(year)
        if month:
            values["month"] = str(month)
            if day:
                values["day"] = str(day)
    elif raw:
        values["year"] = raw


def _citekey(value, item_id: bool = False) -> str:
    """A record's own key, as a string, if it can be a citekey; else ''.

    A CSL `id` with a '/' is an item id (Zotero's '12047273/KC6WFG78', a URI), not a citekey.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    value = str(value).strip()
    if not _KEY.fullmatch(value) or (item_id and "/" in value):
        return ""
    return value


@dataclasses.dataclass
class _Record:
    """One record read from a RIS, MEDLINE or CSL-JSON file, before its citekey is settled."""

    line: int
    key: str  # the record's own key, or '' for a made one
    entry_type: str
    values: dict[str, str]  # BibTeX-like, for bibliography._source_row
    source: str = "ID"  # what the own key came from, for messages
    people: People = dataclasses.field(default_factory=People)  # the authors, else the editors, as written
    year: int | None = None  # a year before the common era (negative), which _source_row cannot read


def _finish(records: list[_Record], log: ProblemLog, report: ImportReport, name: str,
            taken: set[str] | None, kind: str) -> list[dict]:
    """Rows for the records read.

    Own keys are claimed first, in file order, so that a made key never takes one a later
    record brings; a key used twice is an error and its later record is left out, as in the
    BibTeX reader, and keys that differ only in case are reported. Made keys follow Better
    BibTeX and clash with no key, whatever its case. The text is not LaTeX, so it is not
    decoded, and the people are the ones read from the file, not re-split by BibTeX's rules
    (which would take the `~` of a name for a space).
    """
    taken = set() if taken is None else taken
    claimed: dict[str, int] = {}
    by_case: dict[str, tuple[str, int]] = {}
    keep = []
    for record in records:
        key, line = record.key, record.line
        if key:
            if key in claimed:
                report.duplicates.append(line)
                log.error(line, f"duplicate citekey '{_short(key)}' (first used on line {claimed[key]}); this record "
                          f"was left out", f"give one of the two records another {record.source}, or delete the "
                          "repeat", f"{kind}-duplicate-key")
                continue
            other = by_case.setdefault(key.lower(), (key, line))
            if other[0] != key:
                log.warning(line, f"citekeys '{_short(other[0])}' (line {other[1]}) and '{_short(key)}' differ only "
                            "in case; their text files would clash on Windows and macOS",
                            f"change one of the two {record.source}s",
                            f"{kind}-key-case")
            claimed[key] = line
            taken.add(key)
        keep.append(record)
    rows = []
    lowered = {key.lower() for key in taken}
    for record in keep:
        values = record.values
        if record.year is not None:  # _source_row reads four digits: give it those, then the true year
            values = {**values, "year": f"{-record.year:04d}"}
        year = record.year
        if year is None:
            found = re.search(r"\b([0-9]{4})\b", values.get("year", ""))
            year = int(found.group(1)) if found else None
        key = record.key or better_bibtex_key(record.people, values.get("title", ""), year, taken, lowered)
        row = _source_row(key, record.entry_type, values, record.line, log, decode=False)
        if record.year is not None:
            row["year"] = record.year
        row["_people"] = record.people
        row["authors"] = "; ".join(p.apa() for p in record.people)
        row["_author"] = author_label(record.people, row["title"])
        row["file"] = name
        rows.append(row)
    report.imported = len(rows)
    return rows


# ---------------------------------------------------------------- people

# Lower-case words that begin a family name ('van der Berg', 'de la Cruz'): BibTeX's "von" part.
_PARTICLES = frozenset(["van", "von", "der", "den", "de", "del", "della", "dei", "di", "da", "das", "dos", "du",
                        "la", "le", "les", "ten", "ter", "zu", "zum", "y", "e", "bin", "ibn", "al", "el", "af", "av"])
_INITIALS_WORD = re.compile(r"(?:[A-Z]\.?-?){1,4}")


def _person(family: str, given: str = "", suffix: str = "", von: str = "") -> Person:
    """A person from parts as written. Leading lower-case words of the family name are its
    particles, as BibTeX reads 'van der Berg, Anna' (von 'van der', family 'Berg'), so that a
    name sorts and makes a key alike in every format."""
    words = family.split()
    particles = []
    while len(words) > 1 and words[0][:1].islower():
        particles.append(words.pop(0))
    von = " ".join(p for p in (von, *particles) if p)
    return Person(family=_clean(" ".join(words)), given=_clean(given), von=_clean(von), suffix=_clean(suffix))


def _clean(text: str) -> str:
    """A name part on one line, without control characters (reported by _source_row on the name list)."""
    return " ".join(_UNPRINTABLE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else " ", text).split())


def _initials(text: str) -> str:
    """'C D', 'CD', 'C.D.' → 'C. D.'; 'J-P' → 'J.-P.'."""
    out: list[str] = []
    for part in re.findall(r"-?[A-Z]", text):
        if part.startswith("-") and out:
            out[-1] += f"-{part[1]}."
        else:
            out.append(f"{part[-1]}.")
    return " ".join(out)


def _family_initials(name: str) -> tuple[str, str] | None:
    """(family, given) of a name written 'Family Initials' ('Brownstein C D', 'Brownstein CD',
    'van der Berg A'), as EPPI-Reviewer, Ovid and PubMed write people; None for other text.

    The family name is one to three capitalised words with lower-case letters (particles
    aside), so an institution ('Department of Health UK', 'WHO') is not taken for a person.
    """
    words = name.split()
    initials: list[str] = []
    while len(words) > 1 and _INITIALS_WORD.fullmatch(words[-1]):
        initials.insert(0, words.pop())
    letters = sum(ch.isalpha() for word in initials for ch in word)
    if not initials or letters > 4:
        return None
    proper = [w for w in words if w not in _PARTICLES]
    if not proper or len(proper) > 3 or not all(w[:1].isupper() and any(c.islower() for c in w) for w in proper):
        return None
    return " ".join(words), _initials(" ".join(initials))


_DOTTED_INITIAL = re.compile(r"[A-Z]\.(?:-[A-Z]\.)?")


def _initials_family(name: str) -> tuple[str, str] | None:
    """(family, given) of a name written 'Initials Family' ('C. Li', 'M. D. Fox', as IEEE Xplore
    writes people); None for other text. Each initial is one letter and a full stop, and the
    family name one or two capitalised words, so 'U.S. Department of Labor' stays whole."""
    words = name.split()
    initials: list[str] = []
    while len(words) > 1 and _DOTTED_INITIAL.fullmatch(words[0]):
        initials.append(words.pop(0))
    proper = [w for w in words if w not in _PARTICLES]
    if not initials or not proper or len(proper) > 2 or \
            not all(w[:1].isupper() and any(c.islower() for c in w) for w in proper):
        return None
    return " ".join(words), " ".join(initials)


def _name_list(people: People) -> str:
    """People as a BibTeX name list, for _source_row's checks of the author field."""
    names = [_bibtex_name(p.family, p.given, p.suffix, p.von) for p in people]
    return " and ".join(names + (["others"] if people.and_others else []))


def _people_of(names: list[Person | None]) -> People:
    """People from parsed names, None standing for 'et al.'."""
    people = People(p for p in names if p is not None)
    people.and_others = any(p is None for p in names)
    return people


# ---------------------------------------------------------------- RIS

# Tags that are RIS (in the RIS specification, or written by EndNote, Zotero and the
# databases) that rispy's mapping lacks; read without a warning, mostly not used.
_MORE_TAGS = {"BT": "book_title", "CT": "caption_title", "ED": "editors", "CR": "rights", "SV": "series_volume",
              "M2": "misc2", "U1": "user1", "U2": "user2", "U3": "user3", "U4": "user4", "U5": "user5",
              "H1": "location1", "H2": "location2", "A5": "fifth_authors", "A6": "sixth_authors",
              "AV": "availability", "Y3": "date3", "RD": "retrieved_date", "LK": "link", "CP": "city_or_issue",
              "L3": "related_records"}
_MAPPING = {**TAG_KEY_MAPPING, **_MORE_TAGS}
_A4_NOT_TRANSLATORS = frozenset(["CASE", "CONF", "CPAPER", "MPCT"])
"""RIS types whose A4 is not a translator (Zotero's RIS: a case's counsel, a paper's or film's contributor)."""
_LIST_TAGS = [*LIST_TYPE_TAGS, "ED"]
_PARSER = rispy.RisParser(mapping=_MAPPING, list_tags=_LIST_TAGS)
_LOOSE_TY = re.compile(r"^TY[ \t]?-(?:[ \t]|$)")
_LOOSE_ER = re.compile(r"^ER[ \t]?-[ \t]*$")
_LINE_END = re.compile(r"\r\n|\r|\n")
# A tag run on into a tag line's value, as Rayyan writes 'DO  - 10.1038/x LK  - https://…'.
_RUN_ON = re.compile(r"\s+([A-Z][A-Z0-9])  -(?= |$)")
# Fields of prose, where 'ER  - ' may be quoted as text, and the tags that make a record's frame:
# neither is split at.
_PROSE_TAGS = frozenset(["AB", "N1", "N2", "RN", "TI", "T1", "T2", "T3", "TT", "ST", "CT", "BT", "KW", "AD", "M1"])
_RUN_ON_TAGS = frozenset(_MAPPING) - {"TY", "ER"}
# A DOI as CINAHL writes one in L3 (a doi.org link or 'doi:' in front at most).
_DOI_ALONE = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:?\s*)?(10\.\d{4,9}/\S+)", re.IGNORECASE)
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)


def read_ris(path: Path, name: str, *,
             taken: set[str] | None = None) -> tuple[list[dict], ProblemLog, ImportReport]:
    """Source rows from one RIS file, the problems met, and the import report.

    What real exports do, and what is done about it (in brackets: what rispy 0.10 does on
    its own, as tests/test_references.py pins it):

    - a UTF-8 byte-order mark (Zotero, Windows tools): removed before reading [the first
      record is lost: rispy's start test is `line.startswith("TY")`];
    - CRLF line ends (the RIS specification's own, Zotero's): read as line ends; CR alone
      (old Mac files) too [CRLF is read; with CR alone every record is lost];
    - a header before the first record (`Provider: …`, `Database: …`, blank lines, as
      downloads from EBSCO, JSTOR and other databases can begin): the lines up to the first
      `TY  - ` line are skipped; a line that merely starts with "TY" is not taken as a
      record [rispy takes it for the first record's start, and that record's type becomes
      the line's text];
    - a record without `ER  - `: read up to the next `TY  - ` line or the end of the file,
      with a warning [the last record is lost; a record in the middle swallows the ones
      after it up to the next `ER  - `, and their fields are dropped];
    - the end tag is exactly `ER  -` (two spaces, a hyphen): a note or abstract line that
      starts with "ER of …" or "ERIC database" continues the field (rispy agrees);
    - a line without a tag continues the field above it (AB and TI joined with a space);
      text before any tag in a record is reported;
    - repeated tags: every AU/A1 is an author (in the order of the first of the two tags
      used); a repeated PY/Y1 with another year is reported and the first is used [rispy
      keeps the first of a repeated tag without a word; with enforce_list_tags=False it
      keeps all, but raises TypeError when a line without a tag follows the repeat, so the
      default is used and repeats are read from the lines here];
    - PY as "1990", "1990///" or "1990/05/01/"; DA as "2013/01/09", "2013/01/09/" or a month
      ("MAY", "MAY-JUN", as Web of Science writes it): the year comes from PY (else Y1,
      else DA), month and day from PY when it has them, else from DA when DA's year (if
      any) is the same;
    - pages as SP and EP (a range in SP alone too) → "12--34"; SP of a whole book is its
      number of pages and is not read as pages;
    - the container: JF, T2, JO, JA, J2 for journals (the first given); BT/T2 for chapters;
      C3 (proceedings title) or T2 for conference papers; T2 for web pages and blog posts;
    - DO with "https://doi.org/", "doi:" or "DOI " in front: the prefix is removed; with no
      DO, a DOI in M3 or a doi.org link in UR is taken;
    - DO missing and a DOI alone in L3 (CINAHL, Nature): L3 is the DOI [L3 is not in rispy's
      mapping]; another L3 (a supplement's link) is not read;
    - two or more tags on one line (`DO  - 10.1038/x LK  - https://…`, as Rayyan writes them):
      split at each known tag, with one note for the file;
    - ID is the citekey when it can be one; otherwise a Better BibTeX key is made. An ID of
      digits alone is EndNote's record number ("889"), which other libraries reuse, so it
      is not a citekey: a key is made;
    - names 'Last, First', 'Last, First, Suffix', 'Last, FM' and 'Last F M' (EPPI-Reviewer,
      Ovid) are people; other names without a comma are institutions (see `_ris_person`);
    - a PubMed/MEDLINE file (`PMID- …`, `FAU - …`; .nbib) named .ris or .txt is read as one
      (`read_medline`), with a note;
    - a tag rispy does not know is reported with its line; a record with no title (TI, T1,
      CT, BT of a book, ST) is reported and left out; a record rispy cannot read is reported
      and left out; tag lines outside any record (no `TY  - ` above them) are reported;
    - "TY - JOUR" with one space is not RIS [rispy reads nothing]: each such line is counted
      as a record found and reported as not read; an end line "ER -" with one space ends the
      record, with a warning [rispy takes it for text and reads on].
    - Web of Science's own plain-text format (PT J … ER) is named as such, not read.

    `taken`: keys already used elsewhere (e.g. by references.bib), which made keys avoid;
    the keys of this file are added to it.
    """
    log = ProblemLog(name)
    report = ImportReport(name)
    text = reference_text(path, log, "the RIS file is missing", f"export the references again as RIS to {name}",
                          "ris-missing")
    if text is None:
        return [], log, report
    text = text.lstrip("\ufeff")
    if _MEDLINE_START.search(text) and not _RIS_START.search(text):
        log.info(None, "this is a PubMed/MEDLINE file (.nbib), not RIS; it was read as MEDLINE",
                 "rename it .nbib, PubMed's own suffix for it, so that its name says what it holds", "ris-medline")
        return _read_medline_text(text, name, log, report, taken), log, report
    lines = _split_run_on(_LINE_END.split(text), log)
    records = _ris_records(lines, log, report)
    read = []
    for record in records:
        parsed = _ris_record(record, log, report)
        if parsed:
            read.append(parsed)
    if not report.openings:
        _no_records(text, log)
    return _finish(read, log, report, name, taken, "ris"), log, report


def _split_run_on(lines: list[str], log: ProblemLog) -> list[tuple[int, str]]:
    """The file's lines as (line number, text), a line holding more tags than one split at each.

    Only known tags are split at (not TY or ER, which only a line of their own may hold), only
    after white space, and not in fields of prose (an abstract or note may quote a tag). The
    split lines keep their line's number.
    """
    out: list[tuple[int, str]] = []
    run_on: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, 1):
        if line.find("  -", 6) < 0 or _PARSER.parse_line(line)[0] in (None, *_PROSE_TAGS):
            out.append((number, line))
            continue
        starts = [m.start(1) for m in _RUN_ON.finditer(line, 6) if m.group(1) in _RUN_ON_TAGS]
        if not starts:
            out.append((number, line))
            continue
        pieces = [line[a:b].rstrip() for a, b in zip([0, *starts], [*starts, len(line)])]
        out.extend((number, piece) for piece in pieces)
        run_on.append((number, [piece[:2] for piece in pieces]))
    if run_on:
        number, tags = run_on[0]
        more = f" (and {len(run_on) - 1} more line{'s' if len(run_on) > 2 else ''})" if len(run_on) > 1 else ""
        log.info(number, f"line {number}{more} holds the tags {', '.join(tags)} run together on one line; each "
                 "was read as a field of its own", "none needed: some tools (Rayyan) export RIS this way",
                 "ris-run-on")
    return out


def _ris_records(lines: list[tuple[int, str]], log: ProblemLog,
                 report: ImportReport) -> list[list[tuple[int, str]]]:
    """The records of the file, each as its (line number, text) lines from TY to before ER."""
    records: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] | None = None
    stray: list[tuple[int, str]] = []

    def flush_stray():
        if stray:
            tags = ", ".join(dict.fromkeys(tag for _, tag in stray))
            where = f"lines {stray[0][0]}–{stray[-1][0]}" if len(stray) > 1 else f"line {stray[0][0]}"
            log.error(stray[0][0], f"{where} hold RIS tags ({tags}) outside any record: no 'TY  - ' line "
                      "starts their record, so they were left out",
                      "add a 'TY  - JOUR' (or the right type) line above them", "ris-outside")
            stray.clear()

    def close(next_line: int | None):
        if current is None:
            return
        if next_line:
            log.warning(current[0][0], "this record has no end line 'ER  - '; it was read up to the next record "
                        f"on line {next_line}", "add a line 'ER  - ' after the record", "ris-no-end")
        else:
            log.warning(current[0][0], "the last record has no end line 'ER  - '; it was read to the end of the "
                        "file", "check that the file is complete (not cut short), and end the record with 'ER  - '",
                        "ris-no-end")
        records.append(current)

    for number, line in lines:
        tag, _ = _PARSER.parse_line(line)
        if tag == "TY":
            flush_stray()
            close(number)
            current = [(number, line)]
            report.openings += 1
        elif tag is None and _LOOSE_TY.match(line):
            flush_stray()
            close(number)
            current = None
            report.openings += 1
            report.failed.append(number)
            log.error(number, f"'{line.strip()}' starts a record, but a RIS tag needs two spaces before the hyphen "
                      "('TY  - '); this record was not read", "write the tags as 'XX  - value'", "ris-failed")
        elif current is None:
            if tag is not None and tag != "ER":
                stray.append((number, tag))
        elif tag == "ER":
            records.append(current)
            current = None
        elif tag is None and _LOOSE_ER.match(line):
            log.warning(number, f"'{line.strip()}' is taken as the end of the record starting on line {current[0][0]}, "
                        "though the end tag needs two spaces before the hyphen", "write it 'ER  - '", "ris-end-tag")
            records.append(current)
            current = None
        else:
            current.append((number, line))
    flush_stray()
    close(None)
    return records


def _ris_record(record: list[tuple[int, str]], log: ProblemLog, report: ImportReport) -> _Record | None:
    """One record read, or None if it was left out."""
    line = record[0][0]
    # What each line holds, for the problems (rispy gives no lines) and for repeated tags.
    tags: list[tuple[int, str, str]] = []
    for number, text in record[1:]:
        tag, value = _PARSER.parse_line(text)
        if tag is None:
            if value and not tags:
                log.warning(number, f"text before any tag in the record starting on line {line} was not read: "
                            f"'{_short(value)}'", "start the line with its tag, e.g. 'N1  - '", "ris-text")
            continue
        tags.append((number, tag, value))
        if tag not in _MAPPING:
            log.warning(number, f"'{tag}' is not a RIS tag; this line was not read: '{_short(text.strip())}'",
                        "correct the tag, or delete the line", "ris-tag")
    body = "\n".join(text for _, text in record if text.strip())
    try:
        fields = _PARSER.parse(body + "\nER  - \n")[0]
    except Exception as err:  # rispy has failed on odd input before; never lose a record silently
        report.failed.append(line)
        log.error(line, f"this record could not be read ({type(err).__name__}: {_short(str(err), 120)}) and was "
                  "left out", "check the record's tag lines ('XX  - value')", "ris-failed")
        return None

    def first(*names: str) -> str:
        for field in names:
            value = fields.get(field)
            if isinstance(value, list):
                value = next((v for v in value if v and v.strip()), "")
            if value and str(value).strip():
                return _plain(value)
        return ""

    ty = first("type_of_reference").upper()
    entry_type = RIS_TYPES.get(ty, "misc")
    if ty and ty not in RIS_TYPES and ty not in TYPE_OF_REFERENCE_MAPPING:
        log.warning(line, f"'{ty}' is not a RIS type; the record was read as misc",
                    "use a RIS type such as JOUR or BOOK", "ris-type")
    if entry_type == "phdthesis" and "master" in first("type_of_work").lower():
        entry_type = "mastersthesis"

    title = first("title", "primary_title", "caption_title") or \
        (first("book_title") if entry_type == "book" else "") or first("short_title")
    if not title:
        report.failed.append(line)
        log.error(line, "this record has no title (TI or T1) and was left out", "add a line 'TI  - <title>'",
                  "ris-no-title")
        return None

    values: dict[str, str] = {"title": title}
    people = _ris_people(fields, tags)
    if people or people.and_others:
        values["author"] = _name_list(people)
    editor_fields = ["editors"] + (["secondary_authors"] if entry_type in ("incollection", "inproceedings") else []) + \
        (["tertiary_authors"] if entry_type == "book" else [])
    for editor_field in editor_fields:
        names = [n for n in fields.get(editor_field) or [] if n.strip()]
        if names:
            editors = _people_of([_ris_person(n) for n in names])
            values["editor"] = _name_list(editors)
            if not values.get("author"):
                people = editors
            break

    # A4 is the translator, as Zotero and EndNote write it, except where RIS gives the tag to others
    translators = [n for n in fields.get("subsidiary_authors") or [] if n.strip()]
    if translators and ty not in _A4_NOT_TRANSLATORS:
        values["translator"] = _name_list(_people_of([_ris_person(n) for n in translators]))

    if entry_type == "article":
        container = first("alternate_title3", "secondary_title", "journal_name", "alternate_title2", "alternate_title1")
    elif entry_type == "incollection":
        container = first("book_title", "secondary_title")
    elif entry_type == "inproceedings":
        container = first("custom3", "secondary_title", "book_title")
    elif entry_type in _BOOKLIKE:
        container = ""
        if first("secondary_title"):
            values["series"] = first("secondary_title")
    else:
        container = first("secondary_title", "alternate_title3", "journal_name", "book_title")
    if container:
        values[_CONTAINER_FIELD.get(entry_type, "howpublished")] = container

    _ris_date(values, tags, line, log)
    for key, field in (("volume", "volume"), ("number", "number"), ("edition", "edition"),
                       ("address", "place_published")):
        if first(field):
            values[key] = first(field)
    if first("issn") and entry_type in ("book", "incollection", "inproceedings"):  # SN: a book's ISBN, else ISSN
        values["isbn"] = first("issn")
    if first("publisher"):
        values[_PUBLISHER_FIELD.get(entry_type, "publisher")] = first("publisher")
    if entry_type not in ("book", "phdthesis", "mastersthesis"):  # SP of a whole book is its number of pages
        pages = _pages(first("start_page"), first("end_page"))
        if pages:
            values["pages"] = pages
    url = next(iter(first("urls").split()), "")  # EPPI-Reviewer writes two links in one UR, a space between
    doi = first("doi") or next((m.group(1) for m in (_DOI_ALONE.fullmatch(v.strip()) for _, t, v in tags
                                                      if t == "L3") if m), "")
    for elsewhere in ("type_of_work", "urls"):  # some exports put the DOI in M3, or only a doi.org link in UR
        found = None if doi else re.search(r"\b10\.\d{4,9}/\S+", first(elsewhere))
        if found and (elsewhere == "type_of_work" or _DOI_PREFIX.match(url)):
            doi = found.group(0)
    if doi:
        values["doi"] = _DOI_PREFIX.sub("", doi).strip()
    if url:
        values["url"] = url
    if first("abstract", "notes_abstract"):  # AB, or N2 as EBSCOhost and EndNote write it
        values["abstract"] = first("abstract", "notes_abstract")

    own = first("id")
    key = "" if own.isascii() and own.isdigit() else _citekey(own)  # digits: EndNote's record number
    if own and not key and not (own.isascii() and own.isdigit()):
        log.warning(line, f"ID '{_short(own)}' cannot be a citekey ({_NOT_A_KEY}); a key was made instead",
                    "change the ID, or delete it", "ris-id")
    return _Record(line, key, entry_type, values, "ID", people)


def _ris_people(fields: dict, tags: list[tuple[int, str, str]]) -> People:
    """AU and A1 people, in the order of whichever tag comes first."""
    order = list(dict.fromkeys(tag for _, tag, _ in tags if tag in ("AU", "A1")))
    names: list[str] = []
    for tag in order:
        for name in fields.get({"AU": "authors", "A1": "first_authors"}[tag]) or []:
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return _people_of([_ris_person(n) for n in _rejoined(names)])


_ONLY_INITIALS = re.compile(r"(?:[A-Z]\.?[ -]?){1,4}")


def _rejoined(names: list[str]) -> list[str]:
    """Names with a person split in two put back together: EPPI-Reviewer writes 'Dos Santos, H.B.'
    as 'Dos Santos' and 'H B', a family name with no initials followed by initials alone."""
    out: list[str] = []
    for name in names:
        if (out and _ONLY_INITIALS.fullmatch(name) and "," not in out[-1]
                and len(out[-1].split()) <= 3 and not _family_initials(out[-1])):
            out[-1] = f"{out[-1]}, {_initials(name)}"
        else:
            out.append(name)
    return out


def _ris_person(name: str) -> Person | None:
    """A RIS name as the person it names; None for 'et al.'.

    'Last, First'; 'Last, First, Suffix' (the RIS specification's order); 'Last,F.M.';
    'Kotter, JP' (Web of Science's initials, read as 'J. P.'); 'Benson, Roger BJ' (Google
    Scholar's, read as 'Roger B. J.'); 'Brownstein C D' or
    'Brownstein CD' (family name, then initials, as EPPI-Reviewer and Ovid write them);
    'M. D. Fox' (initials, then family name, as IEEE Xplore writes them).
    Any other name without a comma is an institution ('World Health Organization') and kept
    whole, as RIS writes people 'Last, First'.

    >>> _ris_person("Brownstein C D"), _ris_person("Brownstein, Christopher D.").given
    (Person(family='Brownstein', given='C. D.', von='', suffix=''), 'Christopher D.')
    >>> _ris_person("van der Berg, Anna").von, _ris_person("Department of Health UK").family
    ('van der', 'Department of Health UK')
    """
    name = _plain(name)
    if name.lower().rstrip(".") in ("et al", "others"):
        return None
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 1:
        split = _family_initials(name) or _initials_family(name)
        return _person(*split) if split else Person(family=_clean(name))
    family, given = parts[0], parts[1]
    if re.fullmatch(r"[A-Z]{1,3}", given):  # Web of Science: 'Kotter, JP'
        given = _initials(given)
    elif re.search(r"[a-z]", given):  # Google Scholar: 'Benson, Roger BJ', initials run together after a name
        given = " ".join(_initials(w) if re.fullmatch(r"[A-Z]{2,3}", w) else w for w in given.split())
    if not family:  # ', Plato': a single name
        family, given = given, ""
    return _person(family, given, ", ".join(p for p in parts[2:] if p))


def _ris_date(values: dict, tags: list[tuple[int, str, str]], line: int, log: ProblemLog) -> None:
    primary = [(n, v) for n, t, v in tags if t in ("PY", "Y1") and v]
    dates = [(n, v) for n, t, v in tags if t == "DA" and v]
    parsed = [(n, v, _date_parts(v)) for n, v in primary]
    with_year = [p for p in parsed if p[2][0] is not None]
    years = list(dict.fromkeys(p[2][0] for p in with_year))
    if len(years) > 1:
        log.warning(with_year[1][0], f"the record starting on line {line} gives two years ({years[0]} and {years[1]}); "
                    f"{years[0]} is used", "keep one PY line", "ris-date")
    if with_year:
        number, raw, (year, month, day) = with_year[0]
    elif dates:
        number, raw = dates[0]
        year, month, day = _date_parts(raw)
    elif parsed:
        raw, year, month, day = parsed[0][1], None, None, None
    else:
        return
    if year is not None and not month:
        for _, da in dates:
            da_year, da_month, da_day = _date_parts(da)
            if da_month and da_year in (None, year):
                month, day = da_month, da_day
                break
    _put_date(values, year, month, day, raw)


def _short(text: str, n: int = 60) -> str:
    return _shown(text, n)


def _preview(value, n: int) -> str:
    """A JSON value as a message shows it, in at most about n characters however large or deep it is."""
    return _shown(json.dumps(_pruned(value, 3)), n)


def _pruned(value, depth: int):
    """value with lists and objects past `depth` levels, past four items, or long texts cut short."""
    if isinstance(value, (list, dict)) and depth == 0:
        return "…"
    if isinstance(value, list):
        return [_pruned(v, depth - 1) for v in value[:4]] + (["…"] if len(value) > 4 else [])
    if isinstance(value, dict):
        items = list(value.items())[:4]
        return {str(k)[:60]: _pruned(v, depth - 1) for k, v in items} | ({"…": "…"} if len(value) > 4 else {})
    return value[:60] if isinstance(value, str) else value


def _no_records(text: str, log: ProblemLog) -> None:
    if not text.strip():
        log.info(None, "the file is empty: it has no records", "export the references as RIS", "ris-empty")
    elif re.search(r"^PT [A-Z]\s*$", text, re.MULTILINE) and re.search(r"^ER\s*$", text, re.MULTILINE):
        log.error(None, "this is Web of Science's tagged plain-text format, not RIS: nothing was read",
                  "export from Web of Science as 'RIS (other reference software)'", "ris-format")
    else:
        log.error(None, "no RIS record found: no line starts with 'TY  - '; nothing was read",
                  "check that this is a RIS file (each record starts 'TY  - JOUR' or another type)", "ris-format")


# ---------------------------------------------------------------- PubMed / MEDLINE

_MEDLINE_START = re.compile(r"^PMID- *\d", re.MULTILINE)
# A MEDLINE tag: up to four letters or digits, padded to four, then '- ' ('PMID- ', 'TI  - ', 'FAU - ').
_MEDLINE_TAG = re.compile(r"([A-Z][A-Z0-9 ]{3})-(?: |$)(.*)")
_MEDLINE_DATE = re.compile(r"(\d{4})(?:\s+([A-Za-z]{3,})(?:\s+(\d{1,2}))?)?")


def read_medline(path: Path, name: str, *,
                 taken: set[str] | None = None) -> tuple[list[dict], ProblemLog, ImportReport]:
    """Source rows from one PubMed/MEDLINE file (.nbib, PubMed's 'Citation manager' and
    'PubMed' formats), the problems met, and the import report.

    Each record starts at its `PMID- ` line (its line in the problems); a tag is padded to
    four characters before '- ' and a line that starts with spaces continues the field above
    it. What is read:

    - the title TI (else a book's BTI); a record without either is reported and left out;
    - people: FAU ('Watson, James D'), else AU ('Watson JD'); CN, a group, after them;
      editors FED, else ED, when there is no author;
    - DP '1953 Apr 25', '2009 Dec', '2020 Spring', '1969 Dec-1970 Jan': year, month, day;
    - the journal JT (else its abbreviation TA), VI, IP, and PG with PubMed's shortened end
      page ('737-8' → 737--738); a book's BTI (a chapter's container), PB and PL;
    - the DOI from LID or AID ('10.1099/mgen.0.000823 [doi]'); the PubMed page as the URL;
    - the PMID is a record number, not a citekey: keys are made as Better BibTeX makes them.
    """
    log = ProblemLog(name)
    report = ImportReport(name)
    text = reference_text(path, log, "the PubMed/MEDLINE file is missing",
                          f"export the records again from PubMed to {name}", "medline-missing")
    if text is None:
        return [], log, report
    return _read_medline_text(text.lstrip("\ufeff"), name, log, report, taken), log, report


def _read_medline_text(text: str, name: str, log: ProblemLog, report: ImportReport,
                       taken: set[str] | None) -> list[dict]:
    read = []
    for line, fields in _medline_records(_LINE_END.split(text)):
        report.openings += 1
        record = _medline_record(line, fields, log, report)
        if record:
            read.append(record)
    if not report.openings:
        if text.strip():
            log.error(None, "no PubMed record found: no line starts with 'PMID- '; nothing was read",
                      "export from PubMed with 'Send to: Citation manager'", "medline-format")
        else:
            log.info(None, "the file is empty: it has no records", "export the records from PubMed", "medline-empty")
    return _finish(read, log, report, name, taken, "medline")


def _medline_records(lines: list[str]) -> list[tuple[int, dict[str, list[str]]]]:
    """Each record's PMID line and its fields (tag → values, in order); lines before the first PMID are skipped."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    fields: dict[str, list[str]] | None = None
    last: list[str] | None = None
    for number, line in enumerate(lines, 1):
        match = _MEDLINE_TAG.match(line)
        tag = match.group(1).rstrip() if match else ""
        if match and " " not in tag:
            if tag == "PMID":
                fields = {}
                records.append((number, fields))
            if fields is not None:
                last = fields.setdefault(tag, [])
                last.append(match.group(2).strip())
        elif line[:1].isspace() and line.strip() and last:
            last[-1] = f"{last[-1]} {line.strip()}"
        elif not line.strip():
            last = None
    return records


def _medline_record(line: int, fields: dict[str, list[str]], log: ProblemLog, report: ImportReport) -> _Record | None:
    def first(*tags: str) -> str:
        return next((_plain(v) for t in tags for v in fields.get(t, []) if v.strip()), "")

    title, book = first("TI"), first("BTI")
    pmid = first("PMID")
    if not (title or book):
        report.failed.append(line)
        log.error(line, f"record PMID {_short(pmid)} has no title (TI) and was left out", "export it again from "
                  "PubMed, or add a line 'TI  - <title>'", "medline-no-title")
        return None
    journal = first("JT", "TA")
    entry_type = "article" if journal else ("incollection" if title and book else "book" if book else "misc")
    values: dict[str, str] = {"title": title or book}
    if journal:
        values["journal"] = journal
    elif entry_type == "incollection":
        values["booktitle"] = book
    people = _people_of([_medline_person(n, full) for n, full in _medline_names(fields, "FAU", "AU")])
    people.extend(Person(family=_clean(_plain(group))) for group in fields.get("CN", []) if group.strip())
    if people:
        values["author"] = _name_list(people)
    editors = _people_of([_medline_person(n, full) for n, full in _medline_names(fields, "FED", "ED")])
    if editors:
        values["editor"] = _name_list(editors)
        people = people or editors
    date = _MEDLINE_DATE.match(first("DP"))
    if date:
        month = month_number(date.group(2)) if date.group(2) else None
        _put_date(values, int(date.group(1)), month, int(date.group(3)) if date.group(3) else None, first("DP"))
    elif first("DP"):
        values["year"] = first("DP")
    for key, tag in (("volume", "VI"), ("number", "IP"), ("publisher", "PB"), ("edition", "EN")):
        if first(tag):
            values[key] = first(tag)
    if entry_type != "article" and first("PL"):  # a journal's PL is its country
        values["address"] = first("PL")
    if first("PG"):
        values["pages"] = _full_end_page(_pages(first("PG")))
    doi = next((v.rsplit("[", 1)[0].strip() for t in ("LID", "AID") for v in fields.get(t, []) if v.endswith("[doi]")),
               "")
    if doi:
        values["doi"] = doi
    if pmid.isascii() and pmid.isdigit():
        values["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if fields.get("AB"):
        values["abstract"] = " ".join(_plain(v) for v in fields["AB"])
    return _Record(line, "", entry_type, values, "PMID", people)


def _medline_names(fields: dict[str, list[str]], full: str, short: str) -> list[tuple[str, bool]]:
    """The people's names, full ('Watson, James D') when every person has one, else short ('Watson JD')."""
    fulls, shorts = fields.get(full, []), fields.get(short, [])
    chosen, is_full = (fulls, True) if len(fulls) >= len(shorts) else (shorts, False)
    return [(n, is_full) for n in chosen if n.strip()]


def _medline_person(name: str, full: bool) -> Person:
    """A MEDLINE name: FAU is 'Family, Given'; AU is 'Family Initials', whatever the case ('WATSON JD')."""
    if full or "," in name:
        return _ris_person(name) or Person(family=_clean(_plain(name)))
    family, _, initials = _plain(name).rpartition(" ")
    if family and re.fullmatch(r"[A-Z]{1,4}", initials):
        return _person(family, _initials(initials))
    return Person(family=_clean(_plain(name)))


def _full_end_page(pages: str) -> str:
    """PubMed shortens a range's end page to the digits that change: '737--8' → '737--738'."""
    first, dash, last = pages.partition("--")
    if dash and first.isdigit() and last.isdigit() and len(last) < len(first):
        return f"{first}--{first[:len(first) - len(last)]}{last}"
    return pages


# ---------------------------------------------------------------- CSL-JSON

def read_csl_json(path: Path, name: str, *,
                  taken: set[str] | None = None) -> tuple[list[dict], ProblemLog, ImportReport]:
    """Source rows from one CSL-JSON file (a JSON list of records), the problems met, and the report.

    As Zotero ('CSL JSON') and Better BibTeX ('Better CSL JSON') export it, and as people
    write it by hand:

    - the citekey is `citation-key`, else `id` when it can be a citekey (Better CSL JSON's
      `id` is the citekey; Zotero's web API gives ids such as '12047273/KC6WFG78', which
      cannot be one, and then a Better BibTeX key is made);
    - `author` (else `editor`): [{"family", "given"}] with particles and suffix, or
      [{"literal": "American Nurses Association"}] for an institution;
    - `issued`: {"date-parts": [[2013, 1, 9]]} (parts may be strings, as Zotero writes the
      year), {"raw": "2013-01-09"}, {"literal": "Spring 1985"}, or "2013" / 2013 as
      hand-made files have it;
    - container-title (a string, or a list as some services give it), volume, issue, page
      ("61-69" → "61--69"), DOI, URL, publisher, publisher-place, edition, ISBN;
    - malformed JSON: one error with its line and column, nothing read; a top level that is
      not a list: an error; a record that is not an object, or has no title: an error with
      its line, and the others are still read.

    A record's line is the line of its opening brace.
    """
    log = ProblemLog(name)
    report = ImportReport(name)
    text = reference_text(path, log, "the CSL-JSON file is missing",
                          f"export the references again as CSL JSON to {name}", "csl-missing")
    if text is None:
        return [], log, report
    text = text.lstrip("\ufeff")
    if not text.strip():
        log.info(None, "the file is empty: it has no records", "export the references as CSL JSON", "csl-empty")
        return [], log, report
    try:
        data = json.loads(text, parse_int=_json_int)
        lines = _element_lines(text) if isinstance(data, list) else []
    except json.JSONDecodeError as err:
        log.error(err.lineno, f"this is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}); "
                  "nothing in the file was read", "look for a missing comma, quote or bracket there "
                  "(a JSON validator shows it)", "csl-json")
        return [], log, report
    except RecursionError:  # json's own limit, about a thousand levels; CSL records nest four
        log.error(None, "the file nests lists and objects about a thousand levels deep, more than JSON is read to; "
                  "nothing in the file was read", "look for a run of [ or { (a JSON validator shows it)", "csl-json")
        return [], log, report
    if not isinstance(data, list):
        what = "an object" if isinstance(data, dict) else type(data).__name__
        log.error(1, f"the file holds {what}, not a list of records; nothing was read",
                  "a CSL-JSON file is a list: [ {…record…}, {…record…} ]", "csl-json")
        return [], log, report
    report.openings = len(data)
    read = []
    for position, (item, line) in enumerate(zip(data, lines), 1):
        parsed = _csl_record(item, position, line, log, report)
        if parsed:
            read.append(parsed)
    if not data:
        log.info(None, "the file has no records (an empty list)", "export the references as CSL JSON", "csl-empty")
    return _finish(read, log, report, name, taken, "csl"), log, report


def _json_int(digits: str):
    """A JSON integer as an int, or as its text when longer than NUMBER_DIGITS_LIMIT: Python reads
    no more than 4,300 digits, and a year or volume that long is reported as the text it is."""
    return int(digits) if len(digits) <= NUMBER_DIGITS_LIMIT else digits


def _element_lines(text: str) -> list[int]:
    """The 1-based line on which each element of the (valid) top-level JSON list starts."""
    decoder = json.JSONDecoder(parse_int=_json_int)
    space = re.compile(r"\s*")
    i = space.match(text, 0).end() + 1  # after '['
    lines, line, last = [], 1, 0
    while True:
        i = space.match(text, i).end()
        if text[i] == "]":
            return lines
        line += text.count("\n", last, i)
        last = i
        lines.append(line)
        _, i = decoder.raw_decode(text, i)
        i = space.match(text, i).end()
        if text[i] == ",":
            i += 1


def _csl_record(item, position: int, line: int, log: ProblemLog, report: ImportReport):
    if not isinstance(item, dict):
        report.failed.append(line)
        what = {list: "a list", str: "a string"}.get(type(item), type(item).__name__)
        log.error(line, f"record {position} is {what}, not an object; it was left out",
                  "each record is an object: {\"id\": …, \"type\": …, \"title\": …}", "csl-record")
        return None
    label = f"record {position}" + (f" ('{_short(str(item['id']))}')" if isinstance(item.get("id"), (str, int))
                                     else "")
    title = _plain(item.get("title"))
    if not title:
        report.failed.append(line)
        log.error(line, f"{label} has no title and was left out", "add \"title\": \"…\"", "csl-no-title")
        return None
    csl_type = str(item.get("type") or "")
    entry_type = CSL_TYPES.get(csl_type, "misc")
    if entry_type == "phdthesis" and "master" in _plain(item.get("genre")).lower():
        entry_type = "mastersthesis"
    values: dict[str, str] = {"title": title}
    people = People()
    for name_field in ("author", "editor"):
        names = _csl_names(item.get(name_field), name_field, label, line, log)
        if names:
            values[name_field] = _name_list(names)
            people = people or names
    year = _csl_date(values, item.get("issued"), label, line, log)

    def text(field: str) -> str:
        value = item.get(field)
        return _plain(value) if isinstance(value, (str, int, float, list)) and not isinstance(value, bool) else ""

    container = text("container-title")
    if container:
        values[_CONTAINER_FIELD.get(entry_type, "series" if entry_type in _BOOKLIKE else "howpublished")] = container
    if text("collection-title") and "series" not in values:
        values["series"] = text("collection-title")
    if text("publisher"):
        values[_PUBLISHER_FIELD.get(entry_type, "publisher")] = text("publisher")
    for key, field in (("volume", "volume"), ("number", "issue"), ("address", "publisher-place"),
                       ("edition", "edition"), ("doi", "DOI"), ("url", "URL"), ("isbn", "ISBN"),
                       ("abstract", "abstract")):
        if text(field):
            values[key] = text(field)
    if values.get("doi"):
        values["doi"] = _DOI_PREFIX.sub("", values["doi"]).strip()
    if "number" not in values and entry_type == "techreport" and text("number"):
        values["number"] = text("number")
    if text("page"):
        values["pages"] = _pages(text("page"))
    own = item.get("citation-key")
    key = _citekey(own)
    if own is not None and not key:
        log.warning(line, f"{label}: citation-key {_preview(own, 60)} cannot be a citekey ({_NOT_A_KEY}); the id, or "
                    "a made key, is used instead", "change the citation-key", "csl-id")
    item_id = item.get("id")
    if not key and not (isinstance(item_id, int) or (isinstance(item_id, str) and item_id.isascii()
                                                     and item_id.strip().isdigit())):
        key = _citekey(item_id, item_id=True)  # an id of digits alone is a record number, as in RIS
    return _Record(line, key, entry_type, values, "id", people, year)


def _csl_names(people, name_field: str, label: str, line: int, log: ProblemLog) -> People:
    if not people:
        return People()
    if isinstance(people, dict):
        people = [people]
    if not isinstance(people, list):
        log.warning(line, f"{label}: {name_field} is not a list of names; it was not read",
                    f"write \"{name_field}\": [{{\"family\": \"…\", \"given\": \"…\"}}]", "csl-name")
        return People()
    names = People()
    for n, person in enumerate(people, 1):
        if isinstance(person, dict) and _plain(person.get("literal")):
            names.append(Person(family=_clean(_plain(person["literal"]))))
        elif isinstance(person, dict) and (_plain(person.get("family")) or _plain(person.get("given"))):
            family, given = _plain(person.get("family")), _plain(person.get("given"))
            von = " ".join(p for p in (_plain(person.get("dropping-particle")),
                                       _plain(person.get("non-dropping-particle"))) if p)
            if not family:  # a single name written as given ("Plato")
                family, given = given, ""
            names.append(_person(family, given, _plain(person.get("suffix")), von))
        else:
            log.warning(line, f"{label}: {name_field} {n} is not a name ({_preview(person, 40)}); it was left out",
                        "write {\"family\": \"…\", \"given\": \"…\"} or {\"literal\": \"…\"}", "csl-name")
    return names


_BCE = re.compile(r"\s*-(\d{1,4})(?![\d])")


def _csl_date(values: dict, issued, label: str, line: int, log: ProblemLog) -> int | None:
    """The date 'issued' into values; returns a year before the common era (CSL writes 380 BCE
    as -380, in date-parts or as text) as the negative number it is, else None."""
    if issued is None or issued == "" or issued == {}:
        return None
    if isinstance(issued, bool):
        issued = None
    if isinstance(issued, int):
        issued = str(issued)
    if isinstance(issued, str):
        return _csl_text_date(values, issued)
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            numbers = []
            for part in parts[0][:3]:
                if isinstance(part, bool):
                    break
                try:
                    numbers.append(int(str(part).strip()))
                except ValueError:
                    break
            if numbers:
                year, month, day = (numbers + [None, None])[:3]
                if month is not None and not 1 <= month <= 12:  # 21–24 are seasons
                    month, day = None, None
                if year < 0:
                    return year
                _put_date(values, year, month, day, str(parts[0][0]))
                return None
        for key in ("raw", "literal"):
            if isinstance(issued.get(key), (str, int)) and str(issued[key]).strip():
                return _csl_text_date(values, str(issued[key]))
    log.warning(line, f"{label}: the date 'issued' is not understood ({_preview(issued, 60)}); cited as n.d.",
                "write \"issued\": {\"date-parts\": [[1990, 5]]}", "csl-date")
    return None


def _csl_text_date(values: dict, text: str) -> int | None:
    """A date written as text ('2013-01-09', 'Spring 1985', '-380') into values; a year before
    the common era is returned (negative), not put."""
    bce = _BCE.match(text)
    if bce and int(bce.group(1)):
        return -int(bce.group(1))
    _put_date(values, *_date_parts(text), text.strip())
    return None


# ---------------------------------------------------------------- any file

def read_references(path: Path, name: str, *, taken: set[str] | None = None,
                    strings: dict[str, str] | None = None) -> tuple[list[dict], ProblemLog, ImportReport]:
    """Source rows from a reference file of any kind litcoder reads, chosen by its suffix.

    .bib and .bibtex: BibTeX (`bibliography.read_bibtex_rows`, its rows as `_source_row`
    makes them; `strings`, the @string macros of the BibTeX files read before it, gains its
    own); .ris and .txt: RIS (or PubMed/MEDLINE, when that is what the file holds); .nbib:
    PubMed/MEDLINE; .json: CSL-JSON. Any other suffix is an error.
    """
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        rows, log, report = read_bibtex_rows(path, name, strings=strings)
        if taken is not None:
            taken.update(row["citekey"] for row in rows)
        return rows, log, report
    if suffix in (".ris", ".txt"):
        return read_ris(path, name, taken=taken)
    if suffix == ".nbib":
        return read_medline(path, name, taken=taken)
    if suffix == ".json":
        return read_csl_json(path, name, taken=taken)
    log = ProblemLog(name)
    log.error(None, f"'{path.suffix or path.name}' is not a kind of reference file litcoder reads; nothing was read",
              "export the references as BibTeX (.bib), RIS (.ris, .txt), PubMed (.nbib) or CSL JSON (.json)",
              "ref-format")
    return [], log, ImportReport(name)


def _whole(value) -> int | None:
    """An Int64 cell (or a plain value) as int, or None when missing."""
    return None if value is None or pd.isna(value) else int(value)


# ---------------------------------------------------------------- duplicates

_DOI_PREFIX = re.compile(r"^\s*(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*:?\s*)", re.IGNORECASE)


def normalise_doi(doi) -> str:
    """A DOI for comparing: lower case, without 'https://doi.org/', 'http://dx.doi.org/', 'doi:'."""
    if not doi or not isinstance(doi, str):
        return ""
    return _DOI_PREFIX.sub("", doi.strip()).strip().lower()


def normalise_title(title) -> str:
    """A title for comparing: accents stripped, case folded, punctuation and spaces collapsed."""
    if not title or not isinstance(title, str):
        return ""
    text = re.sub(r"['’]", "", fold(title).casefold())
    return " ".join(re.split(r"[\W_]+", text)).strip()


def _family(row: dict) -> str:
    people = row.get("_people") or []
    if not people:
        return ""
    first = people[0]
    return re.sub(r"[\W_\d]+", "", fold(f"{first.von}{first.family}").casefold())


_ORDINALS = {w: i for i, w in enumerate(["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                                         "ninth", "tenth", "eleventh", "twelfth"], 1)}


def _edition(value) -> str:
    """'9', '9th', '9th ed.', 'Ninth edition' → '9'; '' when none; other text case-folded."""
    if not value or not isinstance(value, str):
        return ""
    text = value.strip().casefold()
    digits = re.search(r"\d+", text)
    if digits:
        return str(int(digits.group(0)))
    word = re.search(r"[a-z]+", text)
    if word and word.group(0) in _ORDINALS:
        return str(_ORDINALS[word.group(0)])
    return " ".join(text.split())


def find_duplicates(rows: list[dict]) -> list[tuple[dict, dict, str]]:
    """Pairs of rows that are the same work, each later row with the first one it repeats.

    Two rows are the same work when they have the same DOI (lower case, without
    'https://doi.org/' or 'doi:'); else when they have the same title (accents stripped,
    case folded, punctuation and spaces collapsed), the same year and the same first
    author's last name, and do not give different editions. So a reprint in another year,
    or another edition, is another work; so is a record that gives the same edition under
    another year (e.g. Northouse's 7th edition, 2016, often cited as 2015): compare such
    pairs by eye. Nothing is merged; the reason says why each pair was matched.
    """
    pairs = []
    by_doi: dict[str, dict] = {}
    by_title: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        doi = normalise_doi(row.get("doi"))
        if doi and doi in by_doi:
            pairs.append((by_doi[doi], row, f"same DOI {doi}"))
            continue
        title = normalise_title(row.get("title"))
        earlier = by_title.setdefault((title, _family(row)), []) if title else []
        first = next((other for other in earlier if _same_work(other, row)), None)
        if first is None:
            earlier.append(row)
            first = row
        else:
            reason = "same title, year and first author"
            first_doi = normalise_doi(first.get("doi"))
            if doi and first_doi and doi != first_doi:
                reason += f" (their DOIs differ: {first_doi}, {doi})"
            pairs.append((first, row, reason))
        if doi:
            by_doi[doi] = first  # a later row with this DOI pairs with the first of the work
    return pairs


def _same_work(first: dict, row: dict) -> bool:
    """Rows with the same title and first author: the same year, and no two different editions."""
    if _year(first) != _year(row):
        return False
    a, b = _edition(first.get("edition")), _edition(row.get("edition"))
    return not (a and b and a != b)


def _year(row: dict) -> int | None:
    return _whole(row.get("year"))
