"""Anchor a coded quote in its source text, and find it again after the text is edited.

A coding points at words in a source the way the W3C Web Annotation Data Model
(https://www.w3.org/TR/annotation-model/) lets an annotation point at a text, with two
selectors kept side by side:

- a *TextQuoteSelector*: the quoted words (`exact`) plus a little of the text just
  before (`prefix`) and just after (`suffix`) them, here up to `CONTEXT` code points;
- a *TextPositionSelector*: where the quote starts and ends (`start`, `end`), counted in
  Unicode code points as Python counts, so that `text[start:end] == exact`.

`describe` makes both from a span of a text. When the text is later edited, `locate`
finds the quote again much as the Hypothesis annotation client re-anchors a highlight:
the position is only a hint, the quote is what counts, and its context and old position
decide between candidates. It tries, in order, and stops at the first that answers:

1. ``position``: the quote is still at its old offsets;
2. ``exact``: the quote occurs verbatim elsewhere; among several occurrences the one
   whose surroundings best resemble `prefix`/`suffix` wins (then the nearest to the old
   start, then the first);
3. ``normalized``: the same search with both sides normalised so that these do not
   count: runs of whitespace and line breaks (re-wrapped text, CRLF), typographic quotes,
   apostrophes and dashes, non-breaking and zero-width spaces, soft hyphens, hyphens
   inside a word and words hyphenated across a line end ("lead-⏎ers" is "leaders"), and
   Unicode composition (NFC and NFD). The span returned is in the *original* text, from
   the first matched character to the last (whitespace around the quote is not part of
   it);
4. ``fuzzy``: an approximate search for quotes whose words were edited (a typo fixed,
   a word changed), only for quotes of at least `MIN_FUZZY` normalised characters.
   Candidates come from rapidfuzz's partial-ratio alignment (the best alignment, then
   the best before and after it, and so on), are moved to the nearby word boundaries
   that make them most like the quote, and are scored ``0.6 × quote similarity + 0.3 ×
   context similarity + 0.1 × closeness to the old position``, where quote similarity
   is the normalised Levenshtein similarity (1 − edits / length), context similarity
   the rapidfuzz ratio of prefix and suffix with the text around the candidate, and
   closeness 1 − distance / length of the text. The best-scored candidate whose quote
   similarity reaches `threshold` is taken; `Match.score` is its score.

Otherwise the quote is an orphan and `locate` returns None. Steps 1 and 2 work on the
text as it is; a normalised copy of a text and its map back to the original's offsets
are made only when they fail, and are kept for the last few texts seen.

>>> text = "Managers plan budgets.\\nLeaders set a direction."
>>> anchor = describe(text, 23, 30)
>>> anchor.exact, anchor.prefix
('Leaders', 'Managers plan budgets.\\n')
>>> locate("Good managers plan budgets.\\nLeaders set a direction.", anchor)
Match(start=28, end=35, method='exact', score=1.0)
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

CONTEXT = 32
MIN_FUZZY = 12  # normalised quotes shorter than this are never fuzzy-matched

# The fuzzy score's weights: the quote itself, its prefix and suffix, its old position.
QUOTE_WEIGHT, CONTEXT_WEIGHT, POSITION_WEIGHT = 0.6, 0.3, 0.1

_MAX_SEARCHES = 24  # partial-ratio searches per fuzzy locate (each finds one candidate)
_MAX_SLACK = 40  # how far (characters) a fuzzy candidate's ends may move to a word boundary

# Typographic variants that should not count; one character for one, so offsets survive.
_FOLD = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})
# Pieces of a (folded) text that normalising changes. Single spaces are left alone, so
# ordinary prose yields one match per line break, not one per word.
_WS = r"(?P<ws>[^\S ]\s*| \s+)"
_HYPHEN = r"(?P<hy>(?<=[\w\u0300-\u036f])-(?:[ \t]*\r?\n[ \t]*)?(?=\w))"  # lead-⏎ers, lead-ers → leaders
_INVISIBLE = r"(?P<zw>[\u00ad\u200b\u2060\ufeff]+)"  # soft hyphen, zero-width spaces, BOM
_NON_ASCII = r"(?P<nfc>[!-~]?[^\x00-\x7f\s\u00ad\u200b\u2060\ufeff]+)"  # an ASCII base and what may compose with it
_SPECIAL = re.compile("|".join([_WS, _HYPHEN, _INVISIBLE]))
_SPECIAL_NFC = re.compile("|".join([_WS, _HYPHEN, _INVISIBLE, _NON_ASCII]))
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Anchor:
    """A quote's selectors: TextQuoteSelector (exact, prefix, suffix) and TextPositionSelector (start, end)."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Match:
    """Where an anchor is now: `text[start:end]`, how it was found, and how well (1.0 unless fuzzy)."""

    start: int
    end: int
    method: str  # 'position' | 'exact' | 'normalized' | 'fuzzy'
    score: float


def describe(text: str, start: int, end: int, context: int = CONTEXT) -> Anchor:
    """The selector of text[start:end]: exact, prefix, suffix, start, end.

    >>> describe("the head librarian chairs the group", 9, 18, context=5)
    Anchor(exact='librarian', prefix='head ', suffix=' chai', start=9, end=18)
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} is not within a text of {len(text)} characters")
    return Anchor(exact=text[start:end], prefix=text[max(0, start - context):start],
                  suffix=text[end:end + context], start=start, end=end)


def locate(text: str, anchor: Anchor, threshold: float = 0.75) -> Match | None:
    """Where the anchor is in `text` now, or None (an orphan).

    An anchor with an empty quote points at nothing and is always an orphan.

    >>> anchor = describe("we recieve new stock on Mondays", 3, 31)
    >>> locate("we receive new stock on Mondays", anchor)
    Match(start=3, end=31, method='fuzzy', score=0.957143)
    """
    exact = anchor.exact
    if not exact:
        return None
    start, end = anchor.start, anchor.end
    if start is not None and end is not None and 0 <= start <= end <= len(text) and text[start:end] == exact:
        return Match(start, end, "position", 1.0)
    found = _exact(text, anchor)
    if found is not None:
        return found
    return _normalized(text, anchor) or _fuzzy(text, anchor, threshold)


# --- 2. exact ---------------------------------------------------------------------------

def _all_starts(text: str, quote: str) -> list[int]:
    """Where `quote` starts in `text`, every time (overlapping ones too)."""
    starts, at = [], text.find(quote)
    while at >= 0:
        starts.append(at)
        at = text.find(quote, at + 1)
    return starts


def _exact(text: str, anchor: Anchor) -> Match | None:
    exact = anchor.exact
    starts = _all_starts(text, exact)
    if not starts:
        return None
    if len(starts) > 1:
        best = min(starts, key=lambda s: _rank(_context(anchor.prefix, anchor.suffix, text, s, s + len(exact)),
                                               s, anchor.start))
    else:
        best = starts[0]
    return Match(best, best + len(exact), "exact", 1.0)


def _context(prefix: str, suffix: str, text: str, start: int, end: int) -> float:
    """How much the text around text[start:end] resembles prefix and suffix (0..1; 1 with no context)."""
    weight = len(prefix) + len(suffix)
    if not weight:
        return 1.0
    score = 0.0
    if prefix:
        score += len(prefix) * fuzz.ratio(prefix, text[max(0, start - len(prefix)):start])
    if suffix:
        score += len(suffix) * fuzz.ratio(suffix, text[end:end + len(suffix)])
    return score / weight / 100


def _rank(context: float, start: int, old_start: int | None) -> tuple:
    """Sort key of a candidate: best context, then nearest the old start, then first."""
    return (-context, abs(start - old_start) if old_start is not None else 0, start)


# --- 3. normalized ----------------------------------------------------------------------

class _Normalized:
    """A text normalised for matching, and the way back from its offsets to the original's.

    The normalised text is made of segments; segment k starts at `nstart[k]` and comes
    from original[ostart[k]:oend[k]]. An identity segment is a copy, character for
    character; any other segment (a collapsed whitespace run, a recomposed letter) maps
    as a whole to its original piece. Removed pieces (soft hyphens) have no segment.
    """

    __slots__ = ("identity", "nstart", "oend", "ostart", "text")

    def __init__(self, original: str):
        folded = original.translate(_FOLD)
        pattern = _SPECIAL if unicodedata.is_normalized("NFC", folded) else _SPECIAL_NFC
        pieces: list[str] = []
        self.nstart: list[int] = []
        self.ostart: list[int] = []
        self.oend: list[int] = []
        self.identity: list[bool] = []
        position = last = 0
        for match in pattern.finditer(folded):
            start, end = match.span()
            if start > last:
                position = self._add(pieces, position, folded[last:start], last, start, True)
            kind = match.lastgroup
            if kind == "ws":
                position = self._add(pieces, position, " ", start, end, False)
            elif kind == "nfc":
                for piece, piece_start, piece_end in _recompose(match.group(), start):
                    same = piece == folded[piece_start:piece_end]
                    position = self._add(pieces, position, piece, piece_start, piece_end, same)
            last = end  # "hy" and "zw" pieces are dropped
        if last < len(folded):
            self._add(pieces, position, folded[last:], last, len(folded), True)
        self.text = "".join(pieces)

    def _add(self, pieces: list[str], position: int, piece: str, start: int, end: int, identity: bool) -> int:
        if not piece:
            return position
        if (identity and self.identity and self.identity[-1] and self.oend[-1] == start):
            self.oend[-1] = end  # extend the previous copy
        else:
            self.nstart.append(position)
            self.ostart.append(start)
            self.oend.append(end)
            self.identity.append(identity)
        pieces.append(piece)
        return position + len(piece)

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised text[start:end] (non-empty) came from."""
        k = bisect.bisect_right(self.nstart, start) - 1
        first = self.ostart[k] + (start - self.nstart[k]) if self.identity[k] else self.ostart[k]
        k = bisect.bisect_right(self.nstart, end - 1) - 1
        last = self.ostart[k] + (end - self.nstart[k]) if self.identity[k] else self.oend[k]
        return first, last


def _recompose(chunk: str, offset: int) -> list[tuple[str, int, int]]:
    """NFC of a run of non-ASCII characters, as (piece, original start, original end) per letter where possible."""
    whole = _nfc(chunk)
    if whole == chunk:
        return [(chunk, offset, offset + len(chunk))]
    # letters: a character that does not combine, with the combining marks after it;
    # letters that still compose with each other (Hangul jamo) are kept together
    bounds = [0]
    for i in range(1, len(chunk)):
        if unicodedata.combining(chunk[i]):
            continue
        before, letter = chunk[bounds[-1]:i], chunk[i:i + 1]
        if _nfc(before + letter) == _nfc(before) + _nfc(letter):
            bounds.append(i)
    bounds.append(len(chunk))
    pieces = [(_nfc(chunk[a:b]), offset + a, offset + b) for a, b in pairwise(bounds)]
    if "".join(piece for piece, _, _ in pieces) == whole:
        return pieces
    return [(whole, offset, offset + len(chunk))]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=16)
def _normalize(text: str) -> _Normalized:
    return _Normalized(text)


def _norm(text: str) -> str:
    """`text` normalised (no offset map needed: quotes and contexts)."""
    return _Normalized(text).text if len(text) < 1000 else _normalize(text).text


def _normalized(text: str, anchor: Anchor) -> Match | None:
    quote = _norm(anchor.exact).strip()
    if not quote:
        return None
    normal = _normalize(text)
    haystack = normal.text
    starts = _all_starts(haystack, quote)
    if not starts:
        return None
    if len(starts) > 1:
        prefix, suffix = _norm(anchor.prefix), _norm(anchor.suffix)
        at = min(starts, key=lambda s: _rank(_context(prefix, suffix, haystack, s, s + len(quote)),
                                             normal.original(s, s + len(quote))[0], anchor.start))
    else:
        at = starts[0]
    start, end = normal.original(at, at + len(quote))
    return Match(start, end, "normalized", 1.0)


# --- 4. fuzzy ---------------------------------------------------------------------------

def _fuzzy(text: str, anchor: Anchor, threshold: float) -> Match | None:
    quote = _norm(anchor.exact).strip()
    if len(quote) < MIN_FUZZY:
        return None
    normal = _normalize(text)
    haystack = normal.text
    prefix, suffix = _norm(anchor.prefix), _norm(anchor.suffix)
    exact = anchor.exact
    # A quote that begins or ends inside a word, or a hyphenated compound (normalising
    # joins "problem-solving"), may do so again; any other quote is snapped to whole words.
    cut = (bool(prefix) and (_is_word(prefix[-1]) or prefix[-1] == "-") and _is_word(exact[0]),
           bool(suffix) and (_is_word(suffix[0]) or suffix[0] == "-") and _is_word(exact[-1]))
    best = None
    for start, end in _candidates(quote, haystack, threshold, cut):
        similarity = Levenshtein.normalized_similarity(quote, haystack[start:end])
        if similarity < threshold:
            continue
        original_start, original_end = normal.original(start, end)
        context = _context(prefix, suffix, haystack, start, end)
        if anchor.start is None:
            closeness = 1.0
        else:
            closeness = 1.0 - min(1.0, abs(original_start - anchor.start) / max(len(text), 1))
        score = QUOTE_WEIGHT * similarity + CONTEXT_WEIGHT * context + POSITION_WEIGHT * closeness
        key = (-score, original_start, original_end)
        if best is None or key < best[0]:
            best = (key, Match(original_start, original_end, "fuzzy", round(score, 6)))
    return best[1] if best else None


def _candidates(quote: str, haystack: str, threshold: float,
                cut: tuple[bool, bool] = (False, False)) -> list[tuple[int, int]]:
    """Spans of `haystack` (word-aligned) that may be the edited quote, best alignment first.

    The best partial-ratio alignment of the quote in the text is one candidate; the text
    before it and after it are searched the same way, breadth first, so every region that
    holds a passable alignment yields one, up to `_MAX_SEARCHES` searches.
    """
    cutoff = max(0.0, threshold - 0.1) * 100  # snapping to words may raise the similarity
    found: set[tuple[int, int]] = set()
    regions, searches = [(0, len(haystack))], 0
    while regions and searches < _MAX_SEARCHES:
        low, high = regions.pop(0)
        if high - low < len(quote) * threshold / 2:
            continue
        searches += 1
        alignment = fuzz.partial_ratio_alignment(quote, haystack[low:high], score_cutoff=cutoff)
        if alignment is None:
            continue
        start, end = low + alignment.dest_start, low + alignment.dest_end
        if end <= start:
            continue
        found.add(_snap(quote, haystack, start, end, cut))
        regions += [(low, start), (end, high)]
    return sorted(found)


def _snap(quote: str, haystack: str, start: int, end: int, cut: tuple[bool, bool]) -> tuple[int, int]:
    """The word-aligned span near haystack[start:end] most like the quote.

    Its start (end) may also fall inside a word, near the alignment's, when `cut` says
    the quote's did.
    """
    slack = min(_MAX_SLACK, max(8, len(quote) // 4))
    low, high = max(0, start - slack), min(len(haystack), end + slack)
    while low > 0 and _is_word(haystack[low - 1]) and _is_word(haystack[low]):
        low -= 1  # do not cut a word at the region's edge
    while high < len(haystack) and _is_word(haystack[high - 1]) and _is_word(haystack[high]):
        high += 1
    starts, ends = set(), set()
    for token in _TOKEN.finditer(haystack, low, high):
        starts.add(token.start())
        ends.add(token.end())
    if cut[0]:
        starts.update(range(max(0, start - 3), min(len(haystack), start + 4)))
    if cut[1]:
        ends.update(range(max(1, end - 3), min(len(haystack), end + 3) + 1))
    starts = sorted(s for s in starts if abs(s - start) <= slack) or [start]
    ends = sorted(e for e in ends if abs(e - end) <= slack) or [end]
    best = None
    for s in starts:
        for e in ends:
            if e <= s:
                continue
            key = (-Levenshtein.normalized_similarity(quote, haystack[s:e]), abs(s - start) + abs(e - end), s, e)
            if best is None or key < best:
                best = key
    return (best[2], best[3]) if best else (start, end)


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"
