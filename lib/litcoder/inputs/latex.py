"""LaTeX in BibTeX fields, turned into the text people read.

Zotero, Better BibTeX and hand-written .bib files encode accents and symbols as LaTeX
(`M{\\"u}ller`, `Harper \\& Row`). The common forms are decoded here directly, which is
about a hundred times faster than a full LaTeX parse; anything else falls back to
pylatexenc, the library bibtexparser's own decoding middleware uses.

    >>> latex_to_text(r"Administration industrielle et g{\\'e}n{\\'e}rale")
    'Administration industrielle et générale'
    >>> latex_to_text(r"Harper \\& Row")
    'Harper & Row'
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " "}

# \'e  \'{e}  \' e  \c{c}  \c c  \'\i  \'{\i}; a control word such as \i eats the spaces after it.
_ACCENT = re.compile(
    r"""\\(?:(['`^"~=.])|([uvHckrdb])(?![A-Za-z]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])\s*|[A-Za-z]))"""
)
# \ss{} keeps the space after the braces; \ss without them eats the spaces after it.
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?:\{\}|(?![A-Za-z])\s*)")
_SORT_KEY = re.compile(r"\{?\\(?:noopsort|sortnoop|SortNoop)\{[^{}]*\}\}?")
_SYMBOL = re.compile(r"\\([&%$#_{} ])")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+\*?\s*|.|$)", re.DOTALL)
_BRACES = re.compile(r"(?<!\\)[{}]")

DEPTH_LIMIT = 40
"""The deepest braces may nest in a value that is handed to pylatexenc. Its parser recurses
about five calls per level and stops with RecursionError near two hundred levels; real
titles and names nest three or four. A deeper value is read with its commands dropped."""


def _accent(match: re.Match) -> str:
    mark = _ACCENTS[match.group(1) or match.group(2)]
    base = (match.group(3) or match.group(4)).strip()
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def _fast_decode(value: str) -> str:
    value = _ACCENT.sub(_accent, value)
    value = _LETTER.sub(lambda m: _LETTERS[m.group(1)], value)
    value = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(1)], value)
    return value


@lru_cache(maxsize=1)
def _pylatexenc():
    from pylatexenc.latex2text import LatexNodes2Text

    # It logs a warning for each command it reads loosely (a \url without its argument); the text is still read.
    logging.getLogger("pylatexenc").setLevel(logging.CRITICAL)

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


@lru_cache(maxsize=1 << 16)
def latex_to_text(value: str) -> str:
    """Readable Unicode for a BibTeX field value (braces removed, accents composed).

    Any text is read without an error: what pylatexenc cannot read (braces nested past
    DEPTH_LIMIT, or anything it fails on) keeps its text, with the commands left out.
    """
    if "\\" in value:
        value = _SORT_KEY.sub("", value)  # sort keys defined in @preamble are not printed
        decoded = _fast_decode(value)
        if "\\" in decoded:  # something the fast path does not know: let pylatexenc read it all
            return _tidy(_full_decode(value, decoded))
        value = decoded
    if "{" in value or "}" in value:
        value = value.replace("{", "").replace("}", "")
    return _tidy(value.replace("~", "\u00a0").replace("---", "—").replace("--", "–"))


def _full_decode(value: str, decoded: str) -> str:
    """value read by pylatexenc; decoded (the fast path's reading) without its commands when it cannot be."""
    if _depth(value) <= DEPTH_LIMIT:
        try:
            return _pylatexenc().latex_to_text(value)
        except Exception:  # RecursionError and the like: pylatexenc parses a whole language; never fail a field on it
            pass
    return _BRACES.sub("", _COMMAND.sub(lambda m: _SYMBOLS.get(m.group()[1:], ""), decoded))


def _depth(value: str) -> int:
    """How deep the braces of value nest."""
    depth = deepest = 0
    for brace in _BRACES.findall(value):
        depth += 1 if brace == "{" else -1
        deepest = max(deepest, depth)
    return deepest


def _tidy(value: str) -> str:
    return " ".join(value.split())
