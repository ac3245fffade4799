"""The graph: sources → competencies → leadership/management, and its GraphML file."""

from __future__ import annotations

import networkx as nx
import pytest

from litcoder.analysis.evidence import weigh_evidence
from litcoder.outputs.graph import review_graph, sources_framing, write_graph


@pytest.fixture(scope="module")
def graph(bundled):
    return review_graph(bundled, weigh_evidence(bundled))


def test_nodes_of_every_kind(graph, bundled):
    kinds = nx.get_node_attributes(graph, "kind")
    assert sum(k == "source" for k in kinds.values()) == len(bundled.sources)
    assert sum(k == "competency" for k in kinds.values()) == len(bundled.codebook)
    assert {n for n, k in kinds.items() if k == "category"} == {"category:leadership", "category:management"}
    source = graph.nodes["source:Kotter1990WhatLeaders"]
    assert (source["label"], source["year"], source["title"]) == ("Kotter, 1990", 1990, "What Leaders Really Do")
    assert graph.nodes["competency:budgeting"]["classification"] == "management"


def test_edges_carry_framing_passages_and_coders(graph, bundled):
    edges = [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "frames"]
    assert len(edges) == len(bundled.counted_codings.groupby(["citekey", "competency"]))
    edge = graph.edges["source:Gulick1937Notes", "competency:budgeting"]
    assert edge["framing"] == "management"
    assert edge["coders"] == "coder-b, coder-c"
    assert edge["passages"] and all(p.isdigit() for p in edge["passages"].split())
    assert {d["framing"] for _, _, d in edges} <= {"leadership", "management", "both", "neither", "disputed"}


def test_competency_to_category_weights_add_up_to_the_voices(graph):
    to_leadership = graph.edges["competency:setting-vision", "category:leadership"]["weight"]
    sources = [u for u, _ in graph.in_edges("competency:setting-vision")]
    expected = sum(graph.edges[s, "competency:setting-vision"]["leadership"]
                   + graph.edges[s, "competency:setting-vision"]["both"] / 2 for s in sources)
    assert to_leadership == pytest.approx(expected)
    assert not graph.has_edge("competency:budgeting", "category:leadership")


def test_which_sources_link_a_competency_to_a_framing(graph):
    assert sources_framing(graph, "budgeting", "leadership") == []
    assert "Kotter1990WhatLeaders" in sources_framing(graph, "budgeting", "management")
    assert "Bass1985Beyond" in sources_framing(graph, "charisma", "leadership")
    with pytest.raises(KeyError, match="no competency 'budgetting'"):
        sources_framing(graph, "budgetting", "leadership")


@pytest.mark.parametrize("suffix, read", [(".graphml", nx.read_graphml), (".gexf", nx.read_gexf)])
def test_exports_load_back_with_kinds_and_framings(graph, tmp_path, suffix, read):
    written = write_graph(graph, tmp_path)
    [path] = [p for p in written if p.suffix == suffix]
    loaded = read(path)
    assert loaded.number_of_nodes() == graph.number_of_nodes()
    assert loaded.number_of_edges() == graph.number_of_edges()
    kinds = {n: d["kind"] for n, d in loaded.nodes(data=True)}
    assert kinds == {n: d["kind"] for n, d in graph.nodes(data=True)}
    framings = {(u, v): d["framing"] for u, v, d in loaded.edges(data=True) if d["kind"] == "frames"}
    assert framings == {(u, v): d["framing"] for u, v, d in graph.edges(data=True) if d["kind"] == "frames"}
    assert int(loaded.nodes["source:Kotter1990WhatLeaders"]["year"]) == 1990
    assert not list(tmp_path.glob(".*.tmp"))
