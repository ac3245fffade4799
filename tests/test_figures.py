"""The figures: what they show, their hovers, and their files (HTML always; PNG and SVG with a Chrome)."""

from __future__ import annotations

import re

import pytest

from litcoder import weigh_evidence
from litcoder.analysis.evidence import COMPOSITION
from litcoder.outputs import figures as figure_files
from litcoder.outputs.charts import (
    FRAMING_CODES,
    LABELS_UP_TO,
    WEBGL_FROM,
    FigureContext,
    network_layout,
    network_links,
    review_figures,
)
from litcoder.outputs.theme import FRAMING_COLOURS


@pytest.fixture(scope="module")
def evidence(bundled):
    return weigh_evidence(bundled)


@pytest.fixture(scope="module")
def figures(bundled, evidence):
    return review_figures(bundled, evidence)


def test_evidence_chart_diverges_and_shows_every_competency(figures, evidence):
    fig = figures["evidence"]
    bars = {t.name: t for t in fig.data if t.type == "bar" and t.x is not None and len(t.x)}
    management = next(t for t in fig.data if t.name == "management")
    assert all(x <= 0 for x in management.x)
    assert all(x >= 0 for x in bars["leadership"].x)
    assert len(management.y) == len(evidence)
    # sorted: the competency with the highest leadership share is drawn at the top (last)
    top = evidence.sort_values("leadership_share").iloc[-1]
    assert management.y[-1].startswith(top["label"])
    assert any(label.endswith(" †") for label in management.y)  # fragile ones are marked
    # right: the strongest framing's chance of a majority, with the card's sentence on hover
    strongest = next(t for t in fig.data if t.name == "strongest framing")
    ordered = evidence.set_index("label").loc[[label.removesuffix(" †") for label in strongest.y]]
    best = ordered[["p_leadership", "p_management", "p_both", "p_neither"]].max(axis=1)
    assert list(strongest.x) == pytest.approx(best.tolist())
    charisma = list(ordered.index).index("Charisma")
    assert ordered.loc["Charisma", "explanation"][:60] in strongest.hovertext[charisma].replace("<br>", " ")
    assert strongest.marker.color[charisma] == FRAMING_COLOURS["neither"]
    assert bars["leadership"].marker.color == FRAMING_COLOURS["leadership"]
    # author-year, the paragraph (as the cards cite it) and the quote
    assert re.search(r"Kotter, 1990, para\. \d+: “", " ".join(bars["leadership"].hovertext))


def test_network_is_layered_and_links_every_coded_pair(bundled, evidence, figures):
    context = FigureContext(bundled, evidence, None)
    pos = network_layout(context)
    assert {x for x, _ in pos.values()} == {0.0, 1.0, 2.0}
    leadership_top = evidence.sort_values("leadership_share").iloc[-1]["competency"]
    assert pos[f"competency:{leadership_top}"][1] == 1.0
    links = network_links(context)
    assert len(links) == len(context.voices) + (evidence["leadership_share"] > -1).sum() * 0 + len(
        [1 for a, b in links if b.startswith("category:")])
    ids = {node: i for i, node in enumerate(pos)}
    assert figures["network"].layout.meta["links"] == [[ids[a], ids[b]] for a, b in links]
    nodes = {d for t in figures["network"].data if t.customdata is not None for d in t.customdata}
    assert nodes == set(ids.values())  # every node can be hovered to light its links
    lines = [t for t in figures["network"].data if t.mode == "lines" and t.name and t.name.startswith("framed as")]
    assert {t.name for t in lines} == {f"framed as {f}" for f in COMPOSITION}


def test_matrix_codes_each_source_and_competency(bundled, figures):
    heat = figures["matrix"].data[0]
    assert heat.z.shape == (len(bundled.sources), len(bundled.codebook))
    coded = (heat.z > 0).sum()
    assert coded == len(bundled.counted_codings.groupby(["citekey", "competency"]))  # settlements applied
    assert set(heat.z.flatten()) <= set(FRAMING_CODES.values())


def test_years_chart_places_each_source_at_its_year(figures):
    points = [x for t in figures["years"].data for x in t.x]
    assert min(points) > 1936 and max(points) < 2022


def test_coverage_counts_passages_per_coder(figures):
    heat = figures["coverage"].data[0]
    assert list(heat.x) == ["coder-a", "coder-b", "coder-c"]
    assert heat.z.min() >= 0 and heat.z.max() <= 1
    assert "coded 10 of 12 passages of Kotter, 1990" in " ".join(" ".join(row) for row in heat.hovertext)


def test_review_text_in_hovers_is_escaped(bundled, evidence):
    codings = bundled.codings.copy()
    codings.loc[0, "quote"] = "<img src=x onerror=alert(1)>"
    review = type("R", (), {})()
    for name in ("sources", "codebook", "passages", "decisions", "coders", "coverage"):
        setattr(review, name, getattr(bundled, name))
    review.codings = review.counted_codings = review.quoted_codings = codings
    fig = review_figures(review, evidence)["matrix"]
    text = " ".join(str(t) for row in fig.data[0].hovertext for t in row)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_figures_are_webgl_and_unlabelled_only_when_big():
    assert WEBGL_FROM >= 1000 and LABELS_UP_TO >= 24


def test_html_only_without_a_chrome(bundled, evidence, tmp_path, monkeypatch):
    monkeypatch.setattr(figure_files, "find_chrome", lambda: None)
    figures = review_figures(bundled, evidence)
    written, notice = figure_files.write_figures(figures, tmp_path)
    assert "no Chrome or Chromium found" in notice
    assert sorted(p.name for p in written) == sorted(["plotly.min.js", "captions.md", *(f"{n}.html" for n in figures)])
    page = (tmp_path / "network.html").read_text(encoding="utf-8")
    assert 'src="plotly.min.js"' in page and "plotly_hover" in page


@pytest.mark.skipif(figure_files.find_chrome() is None, reason="needs Chrome or Chromium (apt-get install chromium)")
def test_png_and_svg_with_a_chrome(bundled, evidence, tmp_path):
    figures = review_figures(bundled, evidence)
    written, notice = figure_files.write_figures({"evidence": figures["evidence"]}, tmp_path)
    assert notice == ""
    assert (tmp_path / "evidence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "evidence.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Planning" in svg
    again, _ = figure_files.write_figures({"evidence": figures["evidence"]}, tmp_path / "again")
    assert (tmp_path / "again" / "evidence.svg").read_text(encoding="utf-8") == svg  # the same bytes each build
