"""litcoder build: the tables, the report, determinism, and escaping of every input text."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from litcoder.outputs.report import EVIDENCE_COLUMNS, build
from litcoder.store import CoderFile


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import shutil

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("bundled")
    shutil.copy(ROOT / "references.bib", folder)
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    return build(folder, images=False)


def test_build_writes_every_output(built):
    out = built.review.path / "outputs"
    expected = ["tables/evidence.csv", "tables/sources.csv", "tables/codings.csv", "problems.csv",
                "tables/agreement.csv", "tables/agreement_pairs.csv", "tables/disagreements.csv",
                "graph/review.graphml", "graph/review.gexf", "report.html", "figures/plotly.min.js",
                *(f"figures/{name}.html" for name in ("evidence", "network", "matrix", "years", "coverage",
                                                      "agreement", "pairs"))]
    for relative in expected:
        assert (out / relative).stat().st_size > 0, relative
    assert sorted(p.relative_to(out).as_posix() for p in built.written) == sorted(expected)


def test_evidence_table_has_one_row_per_competency(built):
    table = pd.read_csv(built.review.path / "outputs/tables/evidence.csv")
    assert table.columns.tolist() == EVIDENCE_COLUMNS
    assert len(table) == 24 and table["competency"].is_unique
    assert set(table["classification"]) <= {"leadership", "management", "both", "neither", "contested", "insufficient"}
    assert set(table["decision_status"]) == {"agrees", "drifted", "no decision"}


def test_codings_table_cites_author_year(built):
    table = pd.read_csv(built.review.path / "outputs/tables/codings.csv")
    assert len(table) == len(built.review.codings)
    assert table.loc[table["citekey"] == "BennisNanus1985Leaders", "author_year"].iloc[0] == "Bennis & Nanus, 1985"


def test_report_shows_lists_method_cards_and_references(built):
    html = built.report.read_text(encoding="utf-8")
    for section in ('id="summary"', 'id="lists"', 'id="method"', 'id="evidence"', 'id="problems"', 'id="references"'):
        assert section in html
    assert html.count('<article class="card"') == 24
    assert "Beta(1 + L + B/2" in html  # the method, as written in evidence.METHOD
    assert "Rulings the evidence no longer supports" in html
    assert "Bennis, W., &amp; Nanus, B. (1985). <i>Leaders: The Strategies for Taking Charge</i>." in html
    assert html.count('<div id="figure-') == 7
    assert 'id="agreement"' in html and "Krippendorff&#39;s alpha" in html
    assert "Disagreements: " in html and "settled" in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html)  # nothing to fetch: works offline
    assert html.count("plotly.js v") == 1  # plotly.js is inside, once


def test_build_is_deterministic(built):
    out = built.review.path / "outputs"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    build(built.review.path, images=False)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert before == after


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_input_text_is_escaped(review_copy):
    source = review_copy / "corpus/sources/Kotter1990WhatLeaders.md"
    source.write_text(source.read_text(encoding="utf-8") + f"\n\nInjected {PAYLOAD} passage.\n", encoding="utf-8")
    number = len(re.split(r"\n\s*\n", source.read_text(encoding="utf-8").strip())) - 1
    CoderFile(review_copy / "corpus/codings/coder-a.csv").append(
        {"id": "xss-1", "citekey": "Kotter1990WhatLeaders", "passage": number, "quote": f"Injected {PAYLOAD} passage.",
         "competency": "budgeting", "framing": "management", "memo": f"memo {PAYLOAD}"})
    codebook = review_copy / "corpus/codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace(
        "label: Budgeting", "label: 'Budgeting <b onmouseover=alert(2)>'"), encoding="utf-8")
    (review_copy / "corpus/codings/coder-z.csv").write_text(f"id,citekey\n{PAYLOAD},x\n", encoding="utf-8")
    result = build(review_copy, images=False)
    html = result.report.read_text(encoding="utf-8")
    assert result.review.codings["id"].eq("xss-1").any()
    assert PAYLOAD not in html and "<img" not in html and "<b onmouseover" not in html
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # shown as text in the evidence card


def test_a_review_with_problems_still_builds(review_copy):
    (review_copy / "corpus/codings/coder-a.csv").write_text(
        "id,citekey,passage,quote,competency,framing\n1,Nobody2020,1,q,budgeting,management\n", encoding="utf-8")
    result = build(review_copy, images=False)
    problems = pd.read_csv(review_copy / "outputs/problems.csv")
    assert problems["kind"].tolist()[0] == "coding-citekey"
    assert "coder-a" not in set(result.review.codings["coder"])
    assert "Nobody2020" in result.report.read_text(encoding="utf-8")
