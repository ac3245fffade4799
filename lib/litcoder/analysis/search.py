"""Full-text search of the sources' passages, and retrieval of the quotes of a competency.

    index = TextIndex(review)                                  # folds every passage once
    index.search('fuhrung "setting a direction" -charisma')    # one row per passage found
    retrieve_quotes(review, "setting-vision", and_also=["facilitating-change"], but_not=["charisma"])

Search is insensitive to case, accents and typographic quotes and dashes: "fuhrung" finds
"Führung", "resume" finds "résumé", "strasse" finds "Straße", 'leader's' finds "leader’s".
A query holds words (each must occur in the passage, anywhere, in any order; a word also
finds the longer words holding it, as "führung" finds "Mitarbeiterführung"), "quoted phrases"
(the words in that order, whatever whitespace or line breaks lie between them) and -words or
-"phrases" that leave a passage out. Hits are given as offsets in the passage's own text.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.bibliography import closest, with_page
from ..inputs.codebook import FRAMINGS

SEARCH_COLUMNS = ["citekey", "author_year", "passage", "page", "hits", "snippet", "spans"]
QUOTE_COLUMNS = ["competency", "label", "citekey", "citation", "page", "passage", "coder", "framing", "quote", "memo"]
SNIPPET = 200
"""About how many characters of a passage a search result shows around its first hit."""

# Typographic marks a coder does not type: each is searched as the plain mark.
_TYPOGRAPHIC = {
    **dict.fromkeys("‘’‚‛′‵ʹʻʼ´", "'"),
    **dict.fromkeys("“”„‟″‶«»", '"'),
    **dict.fromkeys("‐‑‒–—―−⁃﹘﹣－", "-"),
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",  # invisible
}
# Latin letters Unicode does not decompose into a base letter and a mark.
_LETTERS = {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d",
            "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"}


def fold_char(char: str) -> str:
    """What one character is searched as: lower case (casefold: 'ß' is 'ss'), without accents
    (Unicode NFKD without combining marks: 'é' is 'e', 'ﬁ' is 'fi'), typographic quotes and
    dashes as the plain ones. A combining mark or an invisible character folds to ''.

    >>> [fold_char(c) for c in "ÉßﬁŒ’–\u0301"]
    ['e', 'ss', 'fi', 'oe', "'", '-', '']
    """
    if char in _TYPOGRAPHIC or char in _LETTERS:
        return _TYPOGRAPHIC.get(char, _LETTERS.get(char))
    folded = _bare(_bare(char).casefold())  # casefold may give letters that decompose again ('ǰ')
    return "".join(_TYPOGRAPHIC.get(c, _LETTERS.get(c, c)) for c in folded)


def _bare(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """The text as search sees it (see fold_char).

    >>> fold("Führung, Résumé, STRASSE, Straße, “Leaders’ vision”")
    'fuhrung, resume, strasse, strasse, "leaders\\' vision"'
    """
    return "".join(map(fold_char, text))


class _Folder:
    """Folds texts, remembering each character's folding; tells which texts need an offsets map
    (those with a character folding to other than one character: 'ß', 'ﬁ', a combining mark)
    to give a hit's place in the text.

    A text is lowered by str.lower (in C), then only its non-ASCII characters, found by numpy,
    are folded one by one: they are few in most prose, even German or French."""

    def __init__(self):
        self.chars: dict[str, str] = {}

    def __call__(self, text: str) -> tuple[str, bool]:
        """The folded text, and whether its offsets differ from the text's."""
        if text.isascii():
            return text.lower(), False
        lowered = _lowered(text)
        codes = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32)
        changed = codes > 127
        if lowered is text:  # not lowered: its capitals are folded here too
            changed |= (codes >= 65) & (codes <= 90)
        pieces, at, uneven, chars = [], 0, False, self.chars
        for i in changed.nonzero()[0].tolist():
            char = lowered[i]
            folded = chars.get(char)
            if folded is None:
                folded = chars[char] = fold_char(char)
            pieces.append(lowered[at:i])
            pieces.append(folded)
            at = i + 1
            if len(folded) != 1:
                uneven = True
        pieces.append(lowered[at:])
        return "".join(pieces), uneven

    def char(self, char: str) -> str:
        """fold_char, remembered."""
        folded = self.chars.get(char)
        if folded is None:
            folded = self.chars[char] = fold_char(char)
        return folded

    def offsets(self, text: str) -> tuple[list[int], list[int]]:
        """For each character of the folded text, the start and end in `text` of the character
        it comes from; a character that folds to nothing (a combining accent) is counted in the
        end of the one before."""
        starts: list[int] = []
        ends: list[int] = []
        for i, char in enumerate(_lowered(text)):
            width = 1 if char.isascii() else len(self.char(char))
            if width:
                starts += [i] * width
                ends += [i + 1] * width
            elif ends:
                last = ends[-1]
                for j in range(len(ends) - 1, -1, -1):  # the accent belongs to every character of its base
                    if ends[j] != last:
                        break
                    ends[j] = i + 1
        return starts, ends


def _lowered(text: str) -> str:
    """str.lower of the text when it keeps each character in its place (all but 'İ', which lowers
    to two), else the text as it is (folding lowers it, a character at a time)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text


@dataclass(frozen=True)
class Query:
    """A parsed search: the patterns a passage must hold, and those it must not (folded)."""

    text: str
    wanted: tuple[re.Pattern, ...]
    unwanted: tuple[re.Pattern, ...]
    plain: tuple[str | None, ...]
    """Per wanted pattern, the folded word when it is one word (a quicker `in` test), else None."""


_TERM = re.compile(r'(-?)"([^"]*)("|$)|(\S+)')
_EDGE_PUNCTUATION = ".,;:!?()[]{}"


def parse_query(query: str) -> Query:
    """The words, phrases and exclusions of a query; a ValueError, saying what to type, when it
    asks for nothing.

    >>> [p.pattern for p in parse_query('Führung "a  vision" -charisma').wanted]
    ['fuhrung', 'a\\\\s+vision']
    """
    wanted, unwanted, plain = [], [], []
    folded = "".join(c for c in fold(query or "") if c.isprintable() or c.isspace())
    for match in _TERM.finditer(folded):
        minus, phrase, _, word = match.groups()
        if word is not None:
            minus, word = ("-", word[1:]) if word.startswith("-") else ("", word)
            words = [word.strip(_EDGE_PUNCTUATION)]
        else:
            words = phrase.split()
        words = [w for w in words if w]
        if not words:
            continue
        pattern = re.compile(r"\s+".join(map(re.escape, words)))
        if minus:
            unwanted.append(pattern)
        else:
            wanted.append(pattern)
            plain.append(words[0] if len(words) == 1 else None)
    if not wanted:
        if unwanted:
            raise ValueError(f"the search '{query}' only leaves passages out (-word): add a word or a \"phrase\" "
                             "to find, e.g. 'vision -charisma'")
        raise ValueError("the search is empty: type one or more words, or a \"quoted phrase\"")
    return Query(query, tuple(wanted), tuple(unwanted), tuple(plain))


class TextIndex:
    """Every passage of a review folded once, in source then passage order, to search many times.

    `search(query)` gives one row per passage holding the query: citekey, author_year,
    passage, page, hits, snippet, spans (each hit's (start, end) in the passage's own text).
    """

    def __init__(self, review):
        passages = review.passages.sort_values(["citekey", "passage"], kind="stable")
        self.passages = review.passages
        self.citekeys: list[str] = passages["citekey"].tolist()
        self.numbers: list[int] = [int(n) for n in passages["passage"].tolist()]
        self.pages: list = [None if pd.isna(p) else p for p in passages["page"].tolist()]
        self.texts: list[str] = passages["text"].tolist()
        cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
        self.author_years: list[str] = [cite.get(k, k) for k in self.citekeys]
        self._where = {(k, n): i for i, (k, n) in enumerate(zip(self.citekeys, self.numbers))}
        folder = _Folder()
        self.folded: list[str] = []
        self._uneven: set[int] = set()  # the passages whose folded offsets are not the text's
        for position, text in enumerate(self.texts):
            folded, uneven = folder(text)
            self.folded.append(folded)
            if uneven:
                self._uneven.add(position)
        self._folder = folder
        self._maps: dict[int, tuple[list[int], list[int]]] = {}  # made when a hit there is first shown

    def __len__(self) -> int:
        return len(self.texts)

    def text(self, citekey: str, passage: int) -> str:
        """A passage's own text (the text a result's spans are offsets in)."""
        return self.texts[self._where[(citekey, int(passage))]]

    def matching(self, query: str | Query) -> list[int]:
        """The positions (in this index's order) of the passages holding the query."""
        parsed = query if isinstance(query, Query) else parse_query(query)
        folded = self.folded
        found = range(len(folded))
        # plain words first: `in` is quicker than a pattern, and each test narrows the next
        for pattern, word in sorted(zip(parsed.wanted, parsed.plain), key=lambda pw: pw[1] is None):
            if word is not None:
                found = [i for i in found if word in folded[i]]
            else:
                found = [i for i in found if pattern.search(folded[i])]
        for pattern in parsed.unwanted:
            found = [i for i in found if not pattern.search(folded[i])]
        return list(found)

    def spans(self, position: int, query: Query) -> list[tuple[int, int]]:
        """The hits of the query's words and phrases in one passage, as (start, end) in the
        passage's own text, in order; hits that overlap are one."""
        folded = self.folded[position]
        if len(query.wanted) == 1:  # one pattern's hits are apart and in order already
            merged = [m.span() for m in query.wanted[0].finditer(folded)]
        else:
            found: list[tuple[int, int]] = []
            for pattern in query.wanted:
                found += [m.span() for m in pattern.finditer(folded)]
            found.sort()
            merged = found[:1]
            for start, end in found[1:]:
                if start < merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((start, end))
        if position not in self._uneven:
            return merged
        if position not in self._maps:
            self._maps[position] = self._folder.offsets(self.texts[position])
        starts, ends = self._maps[position]
        spans: list[tuple[int, int]] = []
        for start, end in ((starts[s], ends[e - 1]) for s, e in merged):
            if spans and start < spans[-1][1]:  # two hits inside one 'ß' ('ss'): one hit of the text
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
        return spans

    def search(self, query: str, limit: int | None = None) -> pd.DataFrame:
        """One row per passage holding the query (the first `limit`, if given), in source then
        passage order. frame.attrs["matches"] counts every passage found, `limit` or not."""
        parsed = parse_query(query)
        found = self.matching(parsed)
        shown = found if limit is None else found[:max(0, int(limit))]
        rows = []
        for i in shown:
            spans = self.spans(i, parsed)
            rows.append((self.citekeys[i], self.author_years[i], self.numbers[i], self.pages[i], len(spans),
                         snippet(self.texts[i], spans), spans))
        frame = pd.DataFrame(rows, columns=SEARCH_COLUMNS)
        frame["passage"] = frame["passage"].astype("int64")
        frame["hits"] = frame["hits"].astype("int64")
        frame.attrs["matches"] = len(found)
        return frame


_INDEXES: dict[int, TextIndex] = {}


def text_index(review) -> TextIndex:
    """The review's TextIndex, made on first use and kept while the review lives (and its
    passages are the same frame)."""
    index = _INDEXES.get(id(review))
    if index is None or index.passages is not review.passages:
        if id(review) not in _INDEXES:
            weakref.finalize(review, _INDEXES.pop, id(review), None)
        index = _INDEXES[id(review)] = TextIndex(review)
    return index


def search_passages(review, query: str, limit: int | None = None) -> pd.DataFrame:
    """Every passage of the review's sources holding `query` (see the module's docstring), as
    rows of citekey, author_year, passage, page, hits (how many), snippet (plain text around the
    first hit) and spans ((start, end) of each hit in the passage's text), in source then passage
    order; the first `limit` rows if given. Raises ValueError for a query that asks for nothing.

    The folded texts are kept with the review, so that the next query is quick.
    """
    return text_index(review).search(query, limit)


def snippet_bounds(text: str, span: tuple[int, int], width: int = SNIPPET) -> tuple[int, int]:
    """Where a snippet of about `width` characters around `span` starts and ends in `text`:
    the hit nearer its start than its end, cut at a space or line break, not inside a word."""
    start, end = span
    size = len(text)
    if size <= width:
        return 0, size
    low = max(0, start - max(0, width - (end - start)) // 3)
    high = max(end, low + width)
    if high >= size:
        high, low = size, max(0, min(start, size - width))
    if low and not text[low - 1].isspace():  # after the end of the word cut
        cut = text.find(" ", low, start)
        cut = cut if cut >= 0 else text.find("\n", low, start)
        low = cut + 1 if cut >= 0 else low
    if high < size and not text[high].isspace():  # before the start of the word cut
        cut = text.rfind(" ", end, high)
        cut = cut if cut >= 0 else text.rfind("\n", end, high)
        high = cut if cut >= 0 else high
    return low, high


def snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET) -> str:
    """Plain text of about `width` characters around the first hit, with '…' where it is cut.

    >>> snippet("Managers plan.\\nLeaders  set a direction.", [(15, 22)])
    'Managers plan. Leaders set a direction.'
    >>> snippet("word " * 100, [(250, 254)], width=30)
    '…word word word word word…'
    """
    low, high = snippet_bounds(text, spans[0] if spans else (0, 0), width)
    shown = " ".join(text[low:high].split())
    return ("…" if low > 0 else "") + shown + ("…" if high < len(text) else "")


# ---------------------------------------------------------------- retrieval

def _known_competency(name: str, codebook: pd.DataFrame) -> str:
    """The competency id `name` is (an id, or a label in any case); a ValueError naming the closest id."""
    ids = codebook["competency"].tolist()
    if name in ids:
        return name
    by_label = {str(label).casefold(): c for c, label in zip(ids, codebook["label"].tolist())}
    if str(name).casefold() in by_label:
        return by_label[str(name).casefold()]
    raise ValueError(f"no competency '{name}' in the codebook{closest(str(name), ids)}")


def _chosen(values, known, what: str) -> set | None:
    """A filter's values as a set (a single string is one value), None for no filter; a
    ValueError for a value the review does not have."""
    if values is None:
        return None
    values = {values} if isinstance(values, str) else set(values)
    unknown = sorted(values - set(known))
    if unknown:
        raise ValueError(f"no {what} '{unknown[0]}' in this review{closest(unknown[0], known)}")
    return values


def retrieve_quotes(review, competency: str, *, and_also=(), but_not=(), coders=None, framings=None,
                    citekeys=None) -> pd.DataFrame:
    """Every quote coded to `competency`, as evidence shows it (review.quoted_codings: without the
    codings the committee settled absent), where the same passage is also coded, by any coder,
    to every competency of `and_also` and to none of `but_not`; only those of `coders`,
    `framings` and `citekeys` when given.

    Columns: competency, label, citekey, citation (APA in text with the page, or the paragraph:
    "(Kotter, 1990, p. 104)"), page, passage, coder, framing, quote, memo; in source then passage
    order. Competencies may be given by id or label; an unknown one raises a ValueError naming
    the closest id, as does an unknown coder, framing or citekey.
    """
    codebook = review.codebook
    competency = _known_competency(competency, codebook)
    and_also = {_known_competency(c, codebook) for c in ([and_also] if isinstance(and_also, str) else and_also)}
    but_not = {_known_competency(c, codebook) for c in ([but_not] if isinstance(but_not, str) else but_not)}
    # hasattr on the class: on the review it would make the property's frame once more
    codings = review.quoted_codings if hasattr(type(review), "quoted_codings") else review.codings
    coders = _chosen(coders, review.codings["coder"].unique().tolist() if coders is not None else (), "coder")
    framings = _chosen(framings, FRAMINGS, "framing")
    citekeys = _chosen(citekeys, review.sources["citekey"].tolist(), "source")

    chosen = codings[codings["competency"] == competency]
    if and_also or but_not:
        place = list(zip(chosen["citekey"], chosen["passage"]))
        coded = _coded_passages(codings, and_also | but_not)
        keep = [all(p in coded[c] for c in and_also) and not any(p in coded[c] for c in but_not) for p in place]
        chosen = chosen[np.array(keep, dtype=bool)]
    for column, values in (("coder", coders), ("framing", framings), ("citekey", citekeys)):
        if values is not None:
            chosen = chosen[chosen[column].isin(values)]
    return _quotes_frame(review, chosen)


def _coded_passages(codings: pd.DataFrame, competencies: set[str]) -> dict[str, set[tuple]]:
    """For each competency, the (citekey, passage) of the passages coded to it (by anyone)."""
    coded: dict[str, set[tuple]] = {c: set() for c in competencies}
    some = codings[codings["competency"].isin(competencies) & codings["passage"].notna()]
    for competency, citekey, passage in zip(some["competency"], some["citekey"], some["passage"]):
        coded[competency].add((citekey, passage))
    return coded


def _quotes_frame(review, chosen: pd.DataFrame) -> pd.DataFrame:
    chosen = chosen.sort_values(["citekey", "passage", "start", "coder", "id"], kind="stable", na_position="last")
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    citations = [f"({with_page(cite.get(k, k), page, None if pd.isna(n) else n)})"
                 for k, page, n in zip(chosen["citekey"], chosen["page"], chosen["passage"])]
    return pd.DataFrame({
        "competency": chosen["competency"].tolist(),
        "label": [labels.get(c, c) for c in chosen["competency"]],
        "citekey": chosen["citekey"].tolist(),
        "citation": citations,
        "page": chosen["page"].tolist(),
        "passage": chosen["passage"].tolist(),
        "coder": chosen["coder"].tolist(),
        "framing": chosen["framing"].tolist(),
        "quote": chosen["quote"].tolist(),
        "memo": chosen["memo"].tolist(),
    }, columns=QUOTE_COLUMNS).astype({"page": "string", "passage": "Int64"})
