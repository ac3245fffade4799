"""The figures of what the network says: flows, schools, framed together, ego views."""

from __future__ import annotations

import copy

import networkx as nx
import pandas as pd
import pytest

from litcoder.analysis import network
from litcoder.analysis.evidence import review_voices, weigh_evidence
from litcoder.outputs import figures as figure_files
from litcoder.outputs import network_figures as nf


@pytest.fixture(scope="module")
def voices(bundled):
    return review_voices(bundled)


@pytest.fixture(scope="module")
def evidence(bundled, voices):
    return weigh_evidence(bundled, voices)


@pytest.fixture(scope="module")
def source_graph(voices):
    graph = network.source_network(voices)
    return graph, network.schools(graph)


def _sources_per_label(voices, evidence) -> dict[str, int]:
    labels = dict(zip(evidence["competency"], evidence["label"]))
    return {labels[c]: n for c, n in voices.groupby("competency").size().items()}


@pytest.mark.parametrize("by", [None, "source", "source_type", "field", "sector", "decade"])
def test_what_flows_into_a_competency_flows_out_as_its_sources(bundled, voices, evidence, by):
    figure = nf.flows_chart(bundled, voices, evidence, by=by)
    values = nf.flow_values(figure)
    sources = _sources_per_label(voices, evidence)
    assert sources  # the bundled review has competencies with sources
    for label, count in sources.items():
        into, out = values[label]
        assert into == pytest.approx(out) == pytest.approx(count), label
    total = sum(sources.values())
    framings = [values[f.capitalize()][0] for f in nf.FRAMING_ORDER if f.capitalize() in values]
    assert sum(framings) == pytest.approx(total)  # every voice reaches a framing
    assert figure.layout.meta["by"] == (by or "source")


def test_too_many_bands_from_the_groups_merge_their_framings(bundled, voices, evidence, monkeypatch):
    """Past BANDS_UP_TO bands (thousands take plotly.js seconds to draw), one grey band per
    group and competency, the framings on hover; the sums stay the sources' voices."""
    split = nf.flows_chart(bundled, voices, evidence, by="decade")
    monkeypatch.setattr(nf, "BANDS_UP_TO", 10)
    merged = nf.flows_chart(bundled, voices, evidence, by="decade")
    assert not split.layout.meta["merged"] and merged.layout.meta["merged"]
    before, after = nf.flow_values(split), nf.flow_values(merged)
    assert before.keys() == after.keys()
    assert all(after[node] == pytest.approx(before[node]) for node in before)
    sankey, labels = merged.data[0], list(merged.data[0].node.label)
    competencies = set(evidence["label"])
    into = [(labels[s], labels[t], colour) for s, t, colour in zip(sankey.link.source, sankey.link.target,
                                                                     sankey.link.color) if labels[t] in competencies]
    assert len(into) == len({(s, t) for s, t, _ in into})  # one band per group and competency
    assert {colour for *_, colour in into} == {nf._rgba(nf.GROUP_COLOUR)}
    kotter = next(h for h in sankey.link.customdata if h.startswith("<b>1990s → Planning</b>"))
    assert "framed management" in kotter and "Kotter, 1990" in kotter
    assert "Grey" in merged.layout.annotations[0].text and not split.layout.annotations


def test_flows_group_by_attribute_into_few_nodes(bundled, voices, evidence):
    figure = nf.flows_chart(bundled, voices, evidence, by="source_type")
    labels = list(figure.data[0].node.label)
    defined = bundled.attribute_definitions["source_type"]["values"]
    groups = [label for label in labels if label in defined or label == "not given"]
    assert 1 < len(groups) <= len(defined) + 1
    assert "Kotter, 1990" not in labels


def test_flows_hover_names_sources_and_quotes_one(bundled, voices, evidence):
    sankey = nf.flows_chart(bundled, voices, evidence).data[0]
    hovers = list(sankey.link.customdata)
    kotter = [h for h in hovers if h.startswith("<b>Kotter, 1990 → Planning</b>")]
    assert kotter and "(1 source)" in kotter[0] and "“" in kotter[0]  # its first quote
    decades = nf.flows_chart(bundled, voices, evidence, by="decade").data[0]
    assert any("and" in h or "Kotter, 1990" in h for h in decades.link.customdata)
    # nodes stacked: the framings leadership at the top, management at the bottom
    y = dict(zip(sankey.node.label, sankey.node.y))
    assert y["Leadership"] < y["Both"] < y["Management"]


def test_flows_name_at_most_five_sources_then_count_the_rest():
    voices = pd.DataFrame({"competency": ["c"] * 8, "citekey": [f"k{i}" for i in range(8)], "leadership": 1.0,
                           "management": 0.0, "both": 0.0, "neither": 0.0, "framing": "leadership", "coders": "a",
                           "coder_framings": "a: leadership", "passages": 1, "passage_list": "1", "codings": 1})
    review = _tiny_review(voices)
    evidence = pd.DataFrame({"competency": ["c"], "label": ["C"], "classification": ["leadership"],
                             "leadership_share": [1.0], "pivotal_sources": [""]})
    figure = nf.flows_chart(review, voices, evidence, by="decade")
    hover = figure.data[0].link.customdata[0]
    assert "Author 0, 2000" in hover and "Author 4, 2000" in hover and "Author 5, 2000" not in hover
    assert "…and 3 more" in hover and "(8 sources)" in hover


def _tiny_review(voices):
    keys = sorted(voices["citekey"].unique())
    review = type("Review", (), {})()
    review.sources = pd.DataFrame({"citekey": keys, "author_year": [f"Author {k[1:]}, 2000" for k in keys],
                                   "year": 2000, "title": "A title"})
    review.attribute_definitions = {}
    review.attributes = pd.DataFrame({"citekey": keys})
    review.codebook = pd.DataFrame({"competency": ["c"], "label": ["C"]})
    review.quoted_codings = pd.DataFrame(columns=["competency", "citekey", "passage", "coder", "quote", "page"])
    return review


def test_ego_of_a_competency_lists_exactly_its_sources_and_rings_the_pivotal(bundled, voices, evidence):
    fragile = evidence[evidence["pivotal_sources"] != ""]
    assert len(fragile)  # the bundled review has fragile classifications
    row = fragile.iloc[0]
    figure = nf.ego_chart(bundled, voices, evidence, "competency", row["competency"])
    marks = next(t for t in figure.data if t.name == "linked")
    assert sorted(marks.customdata) == sorted(network.competency_ego(voices, row["competency"])["citekey"])
    rings = next(t for t in figure.data if t.name.startswith("pivotal"))
    assert sorted(rings.customdata) == sorted(k.strip() for k in row["pivotal_sources"].split(","))
    pivotal = [h for h, k in zip(marks.hovertext, marks.customdata) if k in rings.customdata]
    assert all("pivotal" in h and "changes the classification" in h for h in pivotal)
    others = [h for h, k in zip(marks.hovertext, marks.customdata) if k not in rings.customdata]
    assert not any("pivotal" in h for h in others)


def test_ego_of_a_source_lists_exactly_its_competencies(bundled, voices, evidence):
    figure = nf.ego_chart(bundled, voices, evidence, "source", "Kotter1990WhatLeaders")
    marks = next(t for t in figure.data if t.name == "linked")
    assert sorted(marks.customdata) == sorted(network.source_ego(voices, "Kotter1990WhatLeaders")["competency"])
    lines = {t.name: t.line.color for t in figure.data if t.mode == "lines"}
    framings = set(network.source_ego(voices, "Kotter1990WhatLeaders")["framing"])
    assert set(lines) == {f"framed as {f}" for f in framings}
    with pytest.raises(ValueError):
        nf.ego_chart(bundled, voices, evidence, "coder", "coder-a")


def test_schools_one_key_entry_per_school_and_every_source_once(bundled, voices, source_graph):
    graph, found = source_graph
    figure = nf.schools_chart(bundled, voices, graph, found)
    marks = [t for t in figure.data if t.mode and "markers" in t.mode]
    shown = [k for t in marks for k in t.customdata]
    assert sorted(shown) == sorted(found)
    schools = sorted(set(found.values()))
    names = [t.name for t in marks]
    assert len(names) == len(schools) == 2
    assert names[0].startswith("School 1: 7 sources") or names[0].startswith("School 1: 8 sources")
    assert "mostly leadership" in names[0] and "mostly management" in names[1]
    kotter = next(h for t in marks for h, k in zip(t.hovertext, t.customdata) if k == "Kotter1990WhatLeaders")
    assert "Kotter, 1990" in kotter and "School 1" in kotter and "agrees most on" in kotter


def test_schools_thin_the_links_of_a_large_network():
    graph = nx.complete_graph([f"s{i:03d}" for i in range(80)])
    for a, b in graph.edges:
        graph.edges[a, b].update(agree=1 + (int(a[1:]) * int(b[1:])) % 5, agreement=0.5)
    thinned = nf._thinned(graph)
    assert graph.number_of_edges() > nf.EDGES_UP_TO >= thinned.number_of_edges()
    assert all(thinned.degree(n) >= nf.STRONGEST for n in graph.nodes)  # each keeps its strongest


def test_framed_together_respects_its_threshold(bundled, voices, evidence):
    graph = network.competency_network(voices)
    for at_least in (None, 2, 4):
        figure = nf.framed_together_chart(bundled, graph, evidence, at_least=at_least)
        threshold = figure.layout.meta["at_least"]
        assert threshold >= (at_least or nf.TOGETHER_AT_LEAST)
        drawn = sum(len(t.x) // 3 for t in figure.data if t.mode == "lines")
        expected = sum(1 for *_, d in graph.edges(data=True) if d["together"] >= threshold)
        assert drawn == expected > 0
        assert f"at least {threshold} sources" in figure.layout.annotations[0].text
    nodes = next(t for t in figure.data if t.name == "competencies")
    assert sorted(nodes.customdata) == sorted(graph.nodes)


def _name_boxes(figure, trace_names: set[str], size: int, plot: tuple) -> list[tuple]:
    """Each named mark's name as `_label_sides` measures it, on the side the figure gives it."""
    marks = [t for t in figure.data if t.name in trace_names and t.text]
    place = {k: (x, y) for t in figure.data if t.customdata is not None for k, x, y in zip(t.customdata, t.x, t.y)}
    (x0, x1), (y0, y1) = nf._ranges(place)
    boxes = []
    for trace in marks:
        for key, x, y, text, side in zip(trace.customdata, trace.x, trace.y, trace.text, trace.textposition):
            mark = ((x - x0) / (x1 - x0) * plot[0], (y - y0) / (y1 - y0) * plot[1])
            boxes.append((key, nf._label_box(mark, len(text) * size * 0.58, size * 1.4, side)))
    return boxes


def test_framed_together_and_schools_keep_names_apart(bundled, voices, evidence, source_graph):
    """A spring layout draws a cluster of competencies close together; their names go to
    whichever side meets no other name (on the bundled review, where all are named)."""
    together = nf.framed_together_chart(bundled, network.competency_network(voices), evidence)
    schools = nf.schools_chart(bundled, voices, *source_graph)
    for figure, traces, size, plot in ((together, {"competencies"}, 11, nf.TOGETHER_PLOT),
                                       (schools, {t.name for t in schools.data if t.customdata is not None}, 10,
                                        nf.SCHOOLS_PLOT)):
        boxes = _name_boxes(figure, traces, size, plot)
        assert len(boxes) == len({k for t in figure.data if t.customdata is not None for k in t.customdata})
        meeting = [(a, b) for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1:]
                   if nf._overlap(box, other) > 0]
        assert meeting == []
    assert len({side for t in together.data if t.name == "competencies" for side in t.textposition}) > 1


def test_names_in_a_knot_take_the_free_sides():
    place = {"a": (0.0, 0.0), "b": (0.01, 0.0), "c": (0.0, 0.01), "far": (1.0, 1.0), "low": (-1.0, -1.0)}
    sides = nf._label_sides(place, dict.fromkeys(place, "A competency"), 11, nf.TOGETHER_PLOT)
    assert len({sides[k] for k in "abc"}) == 3  # three marks on one spot: three sides
    assert sides["far"] == sides["low"] == "top center"  # a mark alone keeps the first side


def test_together_threshold_rises_in_a_dense_network():
    graph = nx.complete_graph(10)
    nx.set_edge_attributes(graph, {e: {"together": 2 + i % 7} for i, e in enumerate(graph.edges)})
    threshold = nf.together_threshold(graph)
    kept = sum(1 for *_, d in graph.edges(data=True) if d["together"] >= threshold)
    assert threshold > nf.TOGETHER_AT_LEAST and 0 < kept <= nf.LINKS_PER_COMPETENCY * 10


def _all_figures(review, voices=None):
    voices = review_voices(review) if voices is None else voices
    evidence = weigh_evidence(review, voices)
    graph = network.source_network(voices)
    competency = evidence.sort_values("sources").iloc[-1]["competency"]
    return {"flows": nf.flows_chart(review, voices, evidence),
            "schools": nf.schools_chart(review, voices, graph, network.schools(graph)),
            "framed-together": nf.framed_together_chart(review, network.competency_network(voices), evidence),
            "ego-competency": nf.ego_chart(review, voices, evidence, "competency", competency),
            "ego-source": nf.ego_chart(review, voices, evidence, "source", voices["citekey"].iloc[0])}


def test_every_figure_is_deterministic_and_captioned(bundled, voices):
    first, second = _all_figures(bundled, voices), _all_figures(bundled, voices)
    for name, figure in first.items():
        assert figure.to_json() == second[name].to_json(), name
        assert [t.uid for t in figure.data] == [f"{name}-{i}" for i in range(len(figure.data))]
        assert name in nf.CAPTIONS and name in nf.TITLES


def test_names_from_the_review_are_escaped(bundled, voices):
    hostile = copy.copy(bundled)
    codebook = bundled.codebook.copy()
    codebook.loc[codebook["competency"] == "planning", "label"] = "Plan <b>&"
    hostile.codebook = codebook
    sources = bundled.sources.copy()
    sources.loc[sources["citekey"] == "Kotter1990WhatLeaders", "author_year"] = "Kotter <i>&, 1990"
    hostile.sources = sources
    figures = _all_figures(hostile, voices)
    figures["ego-planning"] = nf.ego_chart(hostile, voices, weigh_evidence(hostile, voices), "competency", "planning")
    for name, figure in figures.items():
        text = str(figure.to_dict())  # not to_json, which writes < as \u003c
        assert "Plan <b>&" not in text and "Kotter <i>&" not in text, name
        assert "Plan <b>&" not in str(figure.layout.title.text)
    assert "Plan &lt;b&gt;&amp;" in str(figures["flows"].to_dict())
    assert "Kotter &lt;i&gt;&amp;, 1990" in str(figures["schools"].to_dict())
    assert "Plan &lt;b&gt;&amp;" in str(figures["ego-planning"].layout.title.text)


@pytest.mark.skipif(figure_files.find_chrome() is None, reason="needs Chrome or Chromium (apt-get install chromium)")
def test_every_figure_renders_to_png(bundled, voices):
    export = figure_files.ImageExport(figure_files.find_chrome())
    try:
        export.start()
        for name, figure in _all_figures(bundled, voices).items():
            assert export.image(figure, "png", 800)[:8] == b"\x89PNG\r\n\x1a\n", name
    finally:
        export.close()


@pytest.mark.parametrize("inches", [6.5, 3.25])
def test_in_print_every_mark_is_named_and_the_note_stands_under_the_title(bundled, voices, evidence, inches):
    """A picture cannot name a mark on hover: in print, at both widths, every competency is
    named (in one column, on two lines where long), and the note over the plot gets room of
    its own below the title (it ran into it)."""
    figure = nf.framed_together_chart(bundled, network.competency_network(voices), evidence)
    printed = figure_files.print_figure(figure, "framed-together", inches)
    marks = next(t for t in printed["data"] if t.get("name") == "competencies")
    assert "text" in marks["mode"] and len(marks["text"]) == len(marks["customdata"])
    assert all(len(line) <= 16 for text in marks["text"] for line in text.split("<br>")) == (inches < 5)
    note = printed["layout"]["annotations"][0]["text"]
    lines = note.count("<br>") + 1
    title_lines = printed["layout"]["title"]["text"].count("<br>") + 1
    room = printed["layout"]["margin"]["t"]
    assert room >= 12 + 18 * title_lines + 10 + 15 * lines  # the title's block, then the note's lines
