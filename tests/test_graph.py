"""The graph: sources → competencies → leadership/management, and its GraphML file."""

from __future__ import annotations

import io
import itertools

import networkx as nx
import numpy as np
import pytest

from litcoder.analysis.evidence import review_voices, weigh_evidence
from litcoder.outputs.graph import (
    competencies_graph,
    gexf,
    graphml,
    review_graph,
    sources_framing,
    sources_graph,
    update_graph,
    write_graph,
)


@pytest.fixture(scope="module")
def graph(bundled):
    return review_graph(bundled, weigh_evidence(bundled))


def test_nodes_of_every_kind(graph, bundled):
    kinds = nx.get_node_attributes(graph, "kind")
    assert sum(k == "source" for k in kinds.values()) == len(bundled.sources)
    assert sum(k == "competency" for k in kinds.values()) == len(bundled.codebook)
    assert {n for n, k in kinds.items() if k == "category"} == {"category:leadership", "category:management"}
    source = graph.nodes["source:Kotter1990WhatLeaders"]
    assert (source["label"], source["year"], source["title"]) == ("Kotter, 1990", 1990, "What leaders really do")
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


def test_sources_carry_their_school_and_edges_whether_the_source_is_pivotal(graph, bundled):
    schools = nx.get_node_attributes(graph, "school")
    theorists = {schools[f"source:{k}"]
                 for k in ("Kotter1990WhatLeaders", "BennisNanus1985Leaders", "Burns1978Leadership")}
    classics = {schools[f"source:{k}"] for k in ("Fayol1949General", "Gulick1937Notes")}
    assert len(theorists) == 1 and len(classics) == 1 and theorists != classics
    evidence = weigh_evidence(bundled)
    for competency, pivotal in zip(evidence["competency"], evidence["pivotal_sources"]):
        marked = {u.removeprefix("source:") for u, _, d in graph.in_edges(f"competency:{competency}", data=True)
                  if d["pivotal"]}
        assert marked == {k for k in pivotal.split(", ") if k}, competency


@pytest.mark.parametrize("suffix, read", [(".graphml", nx.read_graphml), (".gexf", nx.read_gexf)])
def test_the_networks_of_sources_and_of_competencies_round_trip_with_what_gephi_expects(bundled, tmp_path, suffix,
                                                                                          read):
    voices = review_voices(bundled)
    evidence = weigh_evidence(bundled, voices)
    graphs = {"sources": sources_graph(bundled, voices), "competencies": competencies_graph(evidence, voices)}
    for stem, made in graphs.items():
        [path] = [p for p in write_graph(made, tmp_path, stem) if p.suffix == suffix]
        assert path.name == f"{stem}{suffix}"
        loaded = read(path)
        assert set(loaded.nodes) == set(made.nodes) and loaded.number_of_edges() == made.number_of_edges()
        for u, v, data in made.edges(data=True):  # Gephi reads `weight` as the edge's weight
            assert float(loaded.edges[u, v]["weight"]) == data["weight"] > 0
        for node, data in made.nodes(data=True):
            assert loaded.nodes[node]["label"] == data["label"]
    sources = read(tmp_path / f"sources{suffix}")
    assert {int(d["modularity_class"]) for _, d in sources.nodes(data=True)} == {1, 2}
    assert sources.nodes["Kotter1990WhatLeaders"]["title"] == "What leaders really do"
    competencies = read(tmp_path / f"competencies{suffix}")
    assert competencies.nodes["budgeting"]["classification"] == "management"
    edge = competencies.edges["budgeting", "planning"]
    assert int(edge["management"]) == float(edge["weight"]) and "Gulick1937Notes" in edge["sources"]


def test_the_build_writes_the_three_graphs(bundled, tmp_path):
    voices = review_voices(bundled)
    written = update_graph(bundled, weigh_evidence(bundled, voices), voices, tmp_path)
    assert sorted(p.name for p in written) == sorted(["review.graphml", "review.gexf", "sources.graphml",
                                                      "sources.gexf", "competencies.graphml", "competencies.gexf"])
    assert all(p.exists() for p in written)


# ---------------------------------------------------------------- the files are networkx's, byte for byte

def networkx_bytes(write, graph) -> bytes:
    data = io.BytesIO()
    write(graph, data)
    return data.getvalue()


def test_the_review_graph_files_are_what_networkx_writes(graph):
    assert graphml(graph) == networkx_bytes(nx.write_graphml, graph)
    assert gexf(graph) == networkx_bytes(nx.write_gexf, graph)


AWKWARD = ["a & b", "<tag>", 'say "so"', "it's", "tab\there", "two\nlines", "cr\rlf", "", " ", "é ü ß", "漢字",
           "emoji 🙂", "amp;&amp;", "]]>", "100%"]


def awkward_graph(directed: bool = True) -> nx.Graph:
    """Every plain kind of value, and text that XML writers must escape."""
    graph = nx.DiGraph(name="a & <review>") if directed else nx.Graph()
    for i, text in enumerate(AWKWARD):
        graph.add_node(f"n{i} {text}", kind=text, number=i, share=i / 7, flag=i % 2 == 0)
    graph.add_node("bare")
    graph.add_node("labelled", label="Label & more", year=1990)
    graph.add_node("odd numbers", big=10 ** 30, tiny=5e-324, minus=-0.0, inf=float("inf"), ninf=-float("inf"),
                   nan=float("nan"), whole=2.0)
    nodes = list(graph)
    for a, b in itertools.pairwise(nodes):
        graph.add_edge(a, b, kind=graph.nodes[a].get("kind", "none"), weight=0.1 + len(a))
    graph.add_edge("bare", "labelled")
    graph.add_edge("labelled", "bare", weight=3, note="int weight")
    graph.add_edge("odd numbers", "bare", weight=True, mixed=1)  # a name met with another type than before
    graph.add_edge("bare", "odd numbers", mixed="text")
    return graph


@pytest.mark.parametrize("directed", [True, False], ids=["directed", "undirected"])
def test_awkward_values_are_written_as_networkx_writes_them(directed, monkeypatch):
    graph = awkward_graph(directed)
    expected = networkx_bytes(nx.write_graphml, graph), networkx_bytes(nx.write_gexf, graph)
    for name in ("write_graphml", "write_gexf"):  # written as text, not handed to networkx
        monkeypatch.setattr(nx, name, lambda *args: pytest.fail("networkx was asked to write the graph"))
    assert (graphml(graph), gexf(graph)) == expected


def test_an_empty_graph_is_written_as_networkx_writes_it():
    for graph in (nx.DiGraph(), nx.DiGraph(name="nothing")):
        assert graphml(graph) == networkx_bytes(nx.write_graphml, graph)
        assert gexf(graph) == networkx_bytes(nx.write_gexf, graph)


@pytest.mark.parametrize("change", ["multigraph", "numpy value", "number node", "reserved name", "graph attribute",
                                    "edge label"])
def test_other_graphs_are_left_to_networkx(change):
    """What the text writers do not write (GEXF's reserved names, numpy values, …) networkx writes."""
    graph = nx.MultiDiGraph(awkward_graph()) if change == "multigraph" else awkward_graph()
    if change == "numpy value":
        graph.nodes["bare"]["count"] = np.int64(3)
    elif change == "number node":
        graph.add_node(7, kind="number")
    elif change == "reserved name":
        graph.nodes["bare"]["start"] = 1
    elif change == "graph attribute":
        graph.graph["made"] = "today"
    else:
        graph.add_edge("bare", "n1 <tag>", label="an edge's label")
    assert graphml(graph) == networkx_bytes(nx.write_graphml, graph)
    assert gexf(graph) == networkx_bytes(nx.write_gexf, graph)


def test_text_xml_cannot_hold_is_refused_as_networkx_refuses_it():
    graph = nx.DiGraph()
    graph.add_node("a", title="bell \x07")
    with pytest.raises(ValueError):
        networkx_bytes(nx.write_graphml, graph)
    with pytest.raises(ValueError):
        graphml(graph)
    assert gexf(graph) == networkx_bytes(nx.write_gexf, graph)  # ElementTree writes it as it is
