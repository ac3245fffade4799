"""Printed page numbers: the page a reader cites, not the page of the PDF file.

A PDF's first page is rarely page 1 of the printed work: an article at pp. 67–78 starts on
page 67, a book's preface runs i, ii, iii … Each page of a PDF gets its printed number (a
label: '67', 'xii', 'S13', 'A-3') from the first of these that says something:

1. `first_page` under `[sources.<citekey>]` in litcoder.toml (the number printed on the
   PDF's first page), counted on from there;
2. the PDF's own page labels (its /PageLabels), unless they only count 1, 2, 3 … as the
   file does anyway;
3. the first page in the bibliography entry's `pages` field, when it can be counted on
   (67--78, S12--S19, xii--xx; not an article number such as e1234);
4. the page of the file (1 for its first page).

    >>> printed_pages(3, None, pages_field="67--78")
    (['67', '68', '69'], 'bibliography')
    >>> first_page("pp. S12–S19"), first_page("e1234"), count_on("xii", 3)
    ('S12', None, ['xii', 'xiii', 'xiv'])
"""

from __future__ import annotations

import re

import pandas as pd

ORIGINS = ("litcoder.toml", "PDF", "bibliography", "file")
"""Where a source's printed pages came from, in order of precedence."""

LABEL_CHARS = 32
"""The longest page label kept; a longer one (a broken or hostile PDF) is cut."""

_DIGITS = 9  # no printed work runs to a billion pages
_COUNTABLE = re.compile(rf"(?P<prefix>[A-Za-z]{{1,3}}[-.]?)?(?P<number>\d{{1,{_DIGITS}}})")
_ROMAN = re.compile(r"m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
_ROMAN_VALUES = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50),
                 ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))
_PAGES_PREFIX = re.compile(r"^(pp?\.|pp(?=\s)|pages?(?=[\s\d])|s\.(?=\s))\s*", re.I)
_RANGE = re.compile(r"\s*(?:-{1,3}|[\u2010-\u2015\u2212]|\bto\b)\s*")
_OPEN_END = re.compile(r"\s*(\+|ff?\.?)$")


def countable(label: str) -> bool:
    """Whether a page label can be counted on: 67, S12, A-3, xii, XII.

    >>> [countable(x) for x in ("67", "S12", "A-3", "xii", "XII", "Xii", "12a", "", "ix-x")]
    [True, True, True, True, True, False, False, False, False]
    """
    return _parse(label) is not None


def count_on(first: str, count: int) -> list[str]:
    """`count` page labels from `first` on: '67' → 67, 68 …; 'S12' → S12, S13 …; 'xii' → xii, xiii ….

    >>> count_on("A-3", 2), count_on("IX", 3)
    (['A-3', 'A-4'], ['IX', 'X', 'XI'])
    """
    parsed = _parse(first)
    if parsed is None:
        raise ValueError(f"page {first!r} cannot be counted on")
    prefix, number, roman = parsed
    if roman is None:
        return [f"{prefix}{number + k}" for k in range(count)]
    return [_roman(number + k, upper=roman) for k in range(count)]


def first_page(pages: str) -> str | None:
    """The first printed page of a bibliography entry's `pages` field, when pages can be
    counted on from it; else None (the PDF's own pages are cited then).

    >>> [first_page(x) for x in ("67--78", "67–78", "pp. 67-78", "67", "xii--xx", "S12--S19", "67+")]
    ['67', '67', '67', '67', 'xii', 'S12', '67']
    >>> [first_page(x) for x in ("e1234", "", "67, 70--72", "Article 5", "1-2-3")]
    [None, None, None, None, None]
    """
    span = page_span(pages)
    return span[0] if span else None


def page_span(pages: str) -> tuple[str, int | None] | None:
    """The first page of a `pages` field and how many pages its range spans (None when it gives
    no end), or None when pages cannot be counted on from it.

    >>> page_span("67--78"), page_span("1234-56"), page_span("S12"), page_span("e1234")
    (('67', 12), ('1234', 23), ('S12', None), None)
    """
    text = _OPEN_END.sub("", _PAGES_PREFIX.sub("", " ".join(pages.split()) if isinstance(pages, str) else ""))
    parts = _RANGE.split(text) if text else []
    if not 1 <= len(parts) <= 2 or not all(parts):
        return None
    first = _parse(parts[0])
    if first is None:
        return None
    prefix, number, roman = first
    if len(parts) == 1:
        # a lone e1234 is an electronic article's number, not the page it starts on
        return None if prefix.lower().startswith("e") else (parts[0], None)
    end = _range_end(parts[1], first)
    return (parts[0], end - number + 1) if end is not None and end >= number else None


def _range_end(text: str, first: tuple[str, int, bool | None]) -> int | None:
    """The last page of a range, in the first page's numbering: 78, S19, xx, or 56 for 1234-56."""
    prefix, number, roman = first
    parsed = _parse(text)
    if parsed is None:
        return None
    end_prefix, end, end_roman = parsed
    if roman is not None or end_roman is not None:
        return end if roman is not None and end_roman is not None else None
    if end_prefix not in ("", prefix):
        return None
    if end < number and not end_prefix and len(text) < len(str(number)):  # 1234-56 is 1234 to 1256
        end = int(str(number)[: len(str(number)) - len(text)] + text)
    return end


def printed_pages(count: int, pdf_labels: list[str | None] | None = None, first: str | None = None,
                  pages_field: str = "") -> tuple[list[str | None], str]:
    """The printed page of each of a PDF's `count` pages, and where they came from (ORIGINS).

    `first` is the override from litcoder.toml (a countable label), `pdf_labels` the file's
    own page labels (None when it has none), `pages_field` the bibliography entry's pages.
    A page the PDF labels with nothing (a cover) has None.

    >>> printed_pages(2, ["i", "ii"], pages_field="67--78")
    (['i', 'ii'], 'PDF')
    >>> printed_pages(2, ["1", "2"], pages_field="67--78")   # labels that say nothing new
    (['67', '68'], 'bibliography')
    >>> printed_pages(2, ["i", "ii"], first="103")
    (['103', '104'], 'litcoder.toml')
    """
    if first is not None and countable(first):
        return count_on(first, count), "litcoder.toml"
    if pdf_labels is not None and len(pdf_labels) == count and informative(pdf_labels):
        return [clean_label(label) for label in pdf_labels], "PDF"
    start = first_page(pages_field)
    if start is not None:
        return count_on(start, count), "bibliography"
    return [str(k) for k in range(1, count + 1)], "file"


def informative(labels: list[str | None]) -> bool:
    """Whether a PDF's page labels say more than the file's own count (1, 2, 3 …)."""
    return [clean_label(label) for label in labels] != [str(k) for k in range(1, len(labels) + 1)]


def clean_label(label) -> str | None:
    """A page label as it is cited: spaces collapsed, control characters dropped, at most
    LABEL_CHARS long; None for an empty one."""
    if label is None:
        return None
    text = " ".join("".join(c for c in str(label) if c.isprintable() or c.isspace()).split())
    return text[:LABEL_CHARS] or None


def cited_pages(codings: pd.DataFrame, labels: dict[str, list[str | None]]) -> pd.DataFrame:
    """The codings with `page` as the printed page (a label) and `pdf_page` the PDF's page.

    `codings["page"]` comes in as the page of the file for sources with pages (a coding
    placed in a PDF), else the page the coder gave (a sheet's page column); `labels` gives
    each PDF's printed pages (corpus.Corpus.labels).
    """
    codings = codings.drop(columns="pdf_page", errors="ignore")
    physical = codings["page"].astype("Int64")
    paged = (codings["citekey"].isin(labels).to_numpy() & codings["anchored"].astype(bool).to_numpy()).tolist()
    # columns as lists: iterating a pandas column yields its values one slow call at a time
    numbers = physical.tolist()
    pages = [label_of(labels.get(citekey), page) if in_pdf else (None if pd.isna(page) else str(page))
             for citekey, page, in_pdf in zip(codings["citekey"].tolist(), numbers, paged)]
    codings["page"] = pd.array(pages, dtype="string")
    codings.insert(codings.columns.get_loc("page") + 1, "pdf_page",
                   pd.array([page if in_pdf else pd.NA for page, in_pdf in zip(numbers, paged)], dtype="Int64"))
    return codings


def label_of(labels: list[str | None] | None, page) -> str | None:
    """The printed page of a PDF's page (from 1); the page itself when labels do not reach it.

    >>> label_of(["67", "68"], 2), label_of(["67", "68"], None), label_of(None, 3)
    ('68', None, '3')
    """
    if page is None or pd.isna(page):
        return None
    page = int(page)
    if labels and 1 <= page <= len(labels):
        return labels[page - 1]
    return str(page)


def _parse(label: str) -> tuple[str, int, bool | None] | None:
    """(prefix, number, roman) of a countable label: roman is None for digits, else whether
    the numeral is upper case."""
    label = str(label)
    found = _COUNTABLE.fullmatch(label)
    if found:
        return found.group("prefix") or "", int(found.group("number")), None
    if label and (label.islower() or label.isupper()) and _ROMAN.fullmatch(label.lower()):
        return "", _roman_value(label.lower()), label.isupper()
    return None


def _roman_value(numeral: str) -> int:
    value, at = 0, 0
    for letters, worth in _ROMAN_VALUES:
        while numeral.startswith(letters, at):
            value, at = value + worth, at + len(letters)
    return value


def _roman(number: int, upper: bool) -> str:
    """A roman numeral; past 4999 (no front matter runs so long) the number itself."""
    if number >= 5000:
        return str(number)
    parts = []
    for letters, worth in _ROMAN_VALUES:
        count, number = divmod(number, worth)
        parts.append(letters * count)
    numeral = "".join(parts)
    return numeral.upper() if upper else numeral
