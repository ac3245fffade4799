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
    shutil.copy(ROOT / "litcoder.toml", folder)
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    return build(folder, images=False)


def test_build_writes_every_output(built):
    out = built.review.path / "outputs"
    expected = ["tables/evidence.csv", "tables/sources.csv", "tables/codings.csv", "problems.csv",
                "tables/agreement.csv", "tables/agreement_pairs.csv", "tables/disagreements.csv",
                "tables/cooccurrence.csv", *(f"tables/{kind}-{attribute}.csv" for kind in ("by", "within")
                                              for attribute in built.review.attribute_definitions),
                *(f"tables/{name}.{kind}" for name in ("evidence", "agreement", "sources") for kind in ("md", "tex")),
                *(f"graph/{name}.{kind}" for name in ("review", "sources", "competencies")
                  for kind in ("graphml", "gexf")),
                *(f"tables/{name}.csv" for name in ("flows", "schools", "framed-together")),
                "report.html", "figures/plotly.min.js",
                "figures/captions.md", "report.docx", "figures/selection-flow.html",
                *(f"tables/{name}.csv" for name in ("searches", "screening", "duplicates", "screening_agreement")),
                *(f"figures/{name}.html" for name in ("evidence", "network", "matrix", "years", "coverage",
                                                      "agreement", "pairs", "flows", "schools", "framed-together")),
                *(f"sources/{citekey}.html" for citekey in built.review.sources["citekey"]),
                *(f"figures/per-competency/{c}.html" for c in built.review.codebook["competency"]),
                *(f"figures/per-source/{c}.html" for c in built.review.quoted_codings["citekey"].unique())]
    for relative in expected:
        assert (out / relative).stat().st_size > 0, relative
    assert sorted(p.relative_to(out).as_posix() for p in built.written) == sorted(expected)


def test_evidence_table_has_one_row_per_competency(built):
    table = pd.read_csv(built.review.path / "outputs/tables/evidence.csv")
    assert table.columns.tolist() == EVIDENCE_COLUMNS
    assert len(table) == 24 and table["competency"].is_unique
    assert set(table["classification"]) <= {"leadership", "management", "both", "neither", "contested", "insufficient"}
    assert set(table["decision_status"]) == {"agrees", "drifted", "overrides", "no decision"}
    assert (table["explanation"].str.len() > 40).all()


def test_codings_table_cites_author_year(built):
    table = pd.read_csv(built.review.path / "outputs/tables/codings.csv")
    # every coding but the one the committee settled absent (Mintzberg's charisma, passage 12)
    assert len(table) == len(built.review.codings) - 1
    assert not ((table["citekey"] == "Mintzberg1973Nature") & (table["passage"] == 12)
                & (table["competency"] == "charisma")).any()
    assert table.loc[table["citekey"] == "Kotter1990WhatLeaders", "citation"].iloc[0].startswith("Kotter, 1990, para. ")
    assert table.loc[table["citekey"] == "BennisNanus1985Leaders", "author_year"].iloc[0] == "Bennis & Nanus, 1985"


def test_report_shows_lists_method_cards_and_references(built):
    html = built.report.read_text(encoding="utf-8")
    for section in ('id="summary"', 'id="lists"', 'id="method"', 'id="evidence"', 'id="problems"', 'id="references"'):
        assert section in html
    assert html.count('<article class="card"') == 24
    assert "Beta(1 + L + B/2" in html  # the method, as written in evidence.METHOD
    assert "Rulings that have drifted" in html and "Rulings that override the evidence" in html
    assert "Bennis, W., &amp; Nanus, B. (1985). <i>Leaders: The strategies for taking charge</i>." in html
    assert ("Fayol, H. (1949). <i>General and industrial management</i> (C. Storrs, Trans.). "
            "Sir Isaac Pitman &amp; Sons. (Original work published 1916)") in html
    # and one per source attribute, the co-occurrence, the flow diagram of the selection, and the
    # network's flows, schools and competencies framed together
    assert html.count('<div id="figure-') == 7 + 3 + 1 + 1 + 3
    for section in ("network-says", "flows", "schools", "framed-together", "carried"):
        assert f'id="{section}"' in html
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


CARD = re.compile(r'<article class="card" id="c-(?P<id>[^"]+)">(?P<body>.*?)</article>', re.S)


def cards_of(html: str) -> dict[str, str]:
    return {m["id"]: m["body"] for m in CARD.finditer(html)}


def test_every_card_tells_one_story(built):
    """The bar adds up to the sources, the shares under it say the same, the sentence names the
    same counts and the classification of the badge, and no share contradicts it."""
    html = built.report.read_text(encoding="utf-8")
    evidence = pd.read_csv(built.review.path / "outputs/tables/evidence.csv").set_index("competency")
    cards = cards_of(html)
    assert set(cards) == set(evidence.index)
    for competency, body in cards.items():
        row = evidence.loc[competency]
        bar = r'<span class="part [a-z]+" style="width: [\d.]+%"[^>]*>(\d+)</span>'
        parts = [int(n) for n in re.findall(bar, body)]
        assert sum(parts) == row["sources"], competency
        widths = [float(w) for w in re.findall(r'class="part [a-z]+" style="width: ([\d.]+)%"', body)]
        assert not widths or abs(sum(widths) - 100) < 0.1, competency
        shares = re.findall(r"</span>[a-z ]+: (\d+) of (\d+) \(", body)
        assert [int(k) for k, _ in shares] == parts and all(int(n) == row["sources"] for _, n in shares)
        sentence = _unescape(re.search(r'<p class="why">(.*?)</p>', body, re.S)[1])
        assert sentence == row["explanation"]
        assert f"evidence: {row['classification']}" in body.replace("insufficient evidence", "insufficient")
        verdict = {"contested": "so it is contested.", "insufficient": "so the evidence is insufficient."}
        assert sentence.endswith(verdict.get(row["classification"], f"so it is classified {row['classification']}.")
                                 .replace("classified both.", "classified both leadership and management."))
        if row["sources"]:
            assert sentence.startswith(f"Of {row['sources']} sources" if row["sources"] > 1 else "The one source")
        for part in ("leadership", "management", "both", "neither"):
            k = row[f"{part}_sources"]
            if k and row["sources"] > 1:
                assert f"{k} " in sentence and f"as {part if part != 'both' else 'both leadership and management'}" \
                    in sentence, (competency, part)
        # a framing that is classified holds more than half of the sources' voices
        if row["classification"] in ("leadership", "management", "both", "neither"):
            assert row[f"p_{row['classification']}"] >= 0.9
        # the ruling stands in the card's header, beside the classification
        header = body.split("</header>")[0]
        assert "status-" in header
        if isinstance(row["decision"], str):
            assert f"ruled: {row['decision']}" in header


def _unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(" ".join(text.split()))


def test_a_ruling_recorded_against_the_evidence_overrides_it_and_never_drifts(review_copy):
    from litcoder import Review
    from litcoder.analysis.evidence import weigh_evidence
    from litcoder.inputs.decisions import COUNT_COLUMNS, record_decision

    evidence = weigh_evidence(Review.load(review_copy)).set_index("competency")
    row = evidence.loc["controlling"]  # contested today
    record_decision(review_copy, "controlling", "management", "Fayol's and Gulick's usage decides.", "member-z",
                    {c: row[c] for c in COUNT_COLUMNS}, row["classification"])
    record_decision(review_copy, "planning", "management", "As before.", "member-z",
                    {c: evidence.loc["planning", c] for c in COUNT_COLUMNS}, evidence.loc["planning", "classification"])
    html = build(review_copy, images=False).report.read_text(encoding="utf-8")
    cards = cards_of(html)
    assert "overrides the evidence" in cards["controlling"].split("</header>")[0]
    assert "agrees with the evidence" in cards["planning"].split("</header>")[0]
    assert "drifted" not in cards["controlling"] + cards["planning"]


def test_a_quote_chosen_by_several_coders_is_shown_once_and_opens_its_passage(built):
    body = cards_of(built.report.read_text(encoding="utf-8"))["charisma"]
    assert body.count("nor as a matter of personal magnetism or flair</blockquote>") == 1
    assert "coder-a: neither; coder-c: neither" in body
    link = re.search(r'<a href="(sources/Kotter1990WhatLeaders.html#p(\d+))"', body)
    page = (built.review.path / "outputs" / link[1].split("#")[0]).read_text(encoding="utf-8")
    assert f'<section id="p{link[2]}">' in page and "<mark" in page
    assert 'href="../report.html#c-charisma"' in page
    # no "and N more": the rest open in place
    assert "more codings" not in body
