"""The review as a graph: sources → competencies → leadership / management.

Nodes are named `source:<citekey>`, `competency:<id>` and `category:leadership` /
`category:management`; every node has a `kind`. A source → competency edge carries how
that source frames the competency (its coders' agreed framing, or 'disputed'), its
voice split over the framings, the passages and the coders. A competency → category
edge is weighted by the sources' voices for that side.

    >>> from litcoder import Review, weigh_evidence
    >>> review = Review.load(".")
    >>> g = review_graph(review, weigh_evidence(review))
    >>> sources_framing(g, "budgeting", "leadership")
    []
"""

from __future__ import annotations

import importlib.metadata
import io
import itertools
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pandas as pd
from lxml import etree

from ..analysis.evidence import source_framings
from ..files import write_atomic
from ..inputs.codebook import FRAMINGS
from .pages import Fingerprints, code_version, frame_fingerprint

if TYPE_CHECKING:
    import networkx as nx

CATEGORIES = ("leadership", "management")


def review_graph(review, evidence: pd.DataFrame, voices: pd.DataFrame | None = None,
                 school: dict[str, int] | None = None) -> nx.DiGraph:
    """A directed graph of the review, with attributes that GraphML and GEXF can hold.

    `voices` is `source_framings(review.counted_codings)`, and `school` each source's school,
    if already computed. A source's `school` is its community in the network of sources that
    frame alike (analysis.network); a source → competency edge is `pivotal` when leaving the
    source out changes the competency's classification.
    """
    from ..analysis.network import schools, source_network

    voices = source_framings(review.counted_codings) if voices is None else voices
    school = schools(source_network(voices)) if school is None else school
    graph = _networkx().DiGraph(name="litcoder review")
    for s in review.sources.itertuples(index=False):
        attributes = {"kind": "source", "label": s.author_year, "citekey": s.citekey, "title": s.title,
                      "entry_type": s.entry_type}
        if pd.notna(s.year):
            attributes["year"] = int(s.year)
        if s.citekey in school:
            attributes["school"] = school[s.citekey]
        graph.add_node(f"source:{s.citekey}", **attributes)
    for e in evidence.itertuples(index=False):
        graph.add_node(f"competency:{e.competency}", kind="competency", label=e.label, competency=e.competency,
                       group=e.group, classification=e.classification,
                       working_classification=e.working_classification, sources=int(e.sources),
                       leadership_share=float(e.leadership_share), fragile=bool(e.fragile))
    for category in CATEGORIES:
        graph.add_node(f"category:{category}", kind="category", label=category.capitalize())
    pivotal = {(c, k) for c, keys in zip(evidence["competency"], evidence["pivotal_sources"]) for k in keys.split(", ")}
    # column by column: a source–competency pair per edge, tens of thousands of them
    for citekey, competency, framing, coders, coder_framings, passages, count, codings, *shares in zip(
            *(voices[c].tolist() for c in EDGE_COLUMNS)):
        graph.add_edge(f"source:{citekey}", f"competency:{competency}", kind="frames", framing=framing, coders=coders,
                       coder_framings=coder_framings, passages=passages, passage_count=int(count), codings=int(codings),
                       **{f: float(share) for f, share in zip(FRAMINGS, shares)},
                       pivotal=(competency, citekey) in pivotal)
    sums = voices.groupby("competency")[list(FRAMINGS)].sum() if not voices.empty else pd.DataFrame()
    for competency, row in sums.iterrows():
        for category, _other in (("leadership", "management"), ("management", "leadership")):
            weight = row[category] + row["both"] / 2
            if weight > 0:
                graph.add_edge(f"competency:{competency}", f"category:{category}", kind="classified",
                               weight=float(weight))
    return graph


def sources_framing(graph: nx.DiGraph, competency: str, framing: str) -> list[str]:
    """Citekeys of the sources any of whose coders frame `competency` as `framing`.

    Answers e.g. "which sources link budgeting to leadership?".
    """
    node = f"competency:{competency}"
    if node not in graph:
        raise KeyError(f"no competency '{competency}' in the graph")
    return sorted(graph.nodes[s]["citekey"] for s, _, data in graph.in_edges(node, data=True)
                  if data.get(framing, 0) > 0)


GRAPH_FILES = ("review.graphml", "review.gexf", "sources.graphml", "sources.gexf", "competencies.graphml",
               "competencies.gexf")
SOURCE_COLUMNS = ["citekey", "author_year", "title", "entry_type", "year"]
COMPETENCY_COLUMNS = ["competency", "label", "group", "classification", "working_classification", "sources",
                      "leadership_share", "fragile", "pivotal_sources"]
EDGE_COLUMNS = ["citekey", "competency", "framing", "coders", "coder_framings", "passage_list", "passages", "codings",
                *FRAMINGS]
"""What `review_graph` reads of the sources, the evidence and the voices."""


def update_graph(review, evidence: pd.DataFrame, voices: pd.DataFrame | None, folder: Path) -> list[Path]:
    """`write_graph(review_graph(…))`, unless the graph's files are already what it would
    write: what the graph is made of is fingerprinted (pages.frame_fingerprint, kept in its
    manifest, pages.MANIFESTS) and, when that is unchanged and the files are as written, the graph
    is neither made nor written (a second of a large rebuild). GEXF dates its file: a new day
    writes it again."""
    voices = source_framings(review.counted_codings) if voices is None else voices
    made = frame_fingerprint(review.sources[SOURCE_COLUMNS], evidence[COMPETENCY_COLUMNS], voices[EDGE_COLUMNS],
                             more=(_library_versions(),))
    today = time.strftime("%Y-%m-%d")
    prints = {name: f"{made} {today}" if name.endswith(".gexf") else made for name in GRAPH_FILES}
    manifest = Fingerprints(review.path, folder, code_version())
    if not all(manifest.unchanged(name, fingerprint) for name, fingerprint in prints.items()):
        from ..analysis.network import findings

        made = findings(voices)
        write_graph(review_graph(review, evidence, voices, made.schools), folder)
        write_graph(sources_graph(review, voices, made), folder, "sources")
        write_graph(competencies_graph(evidence, voices, made), folder, "competencies")
        for name, fingerprint in prints.items():
            manifest.written(name, fingerprint)
        manifest.save()
    return [folder / name for name in GRAPH_FILES]


def _library_versions() -> tuple[str, str]:
    """networkx's version (in GEXF, and its writers write any graph the text writers do not), and lxml's."""
    return importlib.metadata.version("networkx"), etree.__version__


def sources_graph(review, voices: pd.DataFrame, made=None) -> nx.Graph:
    """The sources linked by the competencies they frame the same way (analysis.network), for
    Gephi: each source's label, citekey, title, year and school (`modularity_class`, the name
    Gephi gives the communities it finds itself), each link's `weight` (competencies framed alike).
    `made`: the networks (analysis.network.findings), if made already."""
    from ..analysis.network import findings

    network, school, _ = findings(voices) if made is None else made
    graph = _networkx().Graph(name="litcoder sources framing alike")
    for s in review.sources.itertuples(index=False):
        if s.citekey in network:
            attributes = {"label": s.author_year, "citekey": s.citekey, "title": s.title,
                          "modularity_class": school[s.citekey]}
            if pd.notna(s.year):
                attributes["year"] = int(s.year)
            graph.add_node(s.citekey, **attributes)
    for a, b, data in network.edges(data=True):
        graph.add_edge(a, b, weight=float(data["agree"]), shared=int(data["shared"]),
                       agreement=float(data["agreement"]), competencies=data["competencies"])
    return graph


def competencies_graph(evidence: pd.DataFrame, voices: pd.DataFrame, made=None) -> nx.Graph:
    """The competencies linked by the sources that frame both the same way (analysis.network),
    for Gephi: each competency's label, group and classification, each link's `weight`
    (sources framing both alike) and its count per framing."""
    from ..analysis.network import competency_network

    network = competency_network(voices) if made is None else made.competencies
    graph = _networkx().Graph(name="litcoder competencies framed together")
    for e in evidence.itertuples(index=False):
        if e.competency in network:
            graph.add_node(e.competency, label=e.label, group=e.group, classification=e.classification,
                           leadership_share=float(e.leadership_share))
    for a, b, data in network.edges(data=True):
        graph.add_edge(a, b, weight=float(data["together"]), **{f: int(data[f]) for f in FRAMINGS},
                       sources=data["sources"])
    return graph


def write_graph(graph: nx.Graph, folder: Path, stem: str = "review") -> list[Path]:
    """Write the graph as GraphML (yEd, Cytoscape, networkx) and GEXF (Gephi) into `folder`,
    as <stem>.graphml and <stem>.gexf, each file written whole (write_atomic: a temp file of a
    new name, then rename)."""
    written = []
    for name, write in ((f"{stem}.graphml", graphml), (f"{stem}.gexf", gexf)):
        write_atomic(folder / name, write(graph))
        written.append(folder / name)
    return written


# ---------------------------------------------------------------- the files, byte for byte as networkx writes them
#
# networkx builds an XML element per node, edge and value, which for a review of thousands of
# sources takes seconds. A graph like the review's (plain values, no GEXF-reserved names) is
# written here as text instead, in exactly the bytes nx.write_graphml and nx.write_gexf give
# (tests/test_graph.py compares them); any other graph is left to networkx.

_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
"""The plain value types, and their type in GraphML and GEXF as networkx names it."""
_GEXF_NODE_RESERVED = frozenset({"id", "pid", "start", "end", "parents", "spells", "slices", "viz"})
_GEXF_EDGE_RESERVED = frozenset({"id", "label", "type", "start", "end", "spells", "slices", "viz", "key"})
_PLAIN_TEXT = re.compile(r"[^&<>\"'\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*")
"""Text that every XML writer writes as it is; anything else is escaped by the writer networkx uses."""


class _NotPlain(Exception):
    """The graph has something the text writers do not write as networkx does."""


def graphml(graph: nx.Graph) -> bytes:
    """The graph as GraphML: what nx.write_graphml writes."""
    return _written(graph, _graphml, "write_graphml")


def gexf(graph: nx.Graph) -> bytes:
    """The graph as GEXF 1.2: what nx.write_gexf writes (dated today, as it is)."""
    return _written(graph, _gexf, "write_gexf")


def _written(graph: nx.Graph, as_text, writer: str) -> bytes:
    """The graph written as text by `as_text`, or by networkx's `writer` where the text
    writer does not write it as networkx would."""
    try:
        return as_text(graph)
    except _NotPlain:
        data = io.BytesIO()
        getattr(_networkx(), writer)(graph, data)
        return data.getvalue()


def _graphml(graph: nx.Graph) -> bytes:
    _check_graph(graph)
    keys: dict[tuple[str, str, str], str] = {}
    starts: dict[tuple[str, str, type], str] = {}  # each (scope, name, type)'s opening tag, made once
    text, attribute = _Escaped(_lxml_text), _Escaped(_lxml_attribute)

    def start(scope: str, name: str, value, indent: str) -> str:
        key = keys.setdefault((name, _kind(name, value), scope), f"d{len(keys)}")  # numbered as first met
        return starts.setdefault((scope, name, type(value)), f'{indent}<data key="{key}">')

    def values(scope: str, data: dict, indent: str) -> str:
        lines = []
        for name, value in data.items():
            opening = starts.get((scope, name, type(value))) or start(scope, name, value, indent)
            lines.append(opening + (text(value) if type(value) is str else str(value)) + "</data>\n")
        return "".join(lines)

    def element(tag: str, names: str, data: dict) -> str:
        if not data:
            return f"<{tag} {names}/>\n"
        return f"<{tag} {names}>\n{values(tag, data, '  ')}</{tag}>\n"

    body = [f'<graph edgedefault="{"directed" if graph.is_directed() else "undirected"}">',
            values("graph", graph.graph, "")]
    body += [element("node", f'id="{attribute(_name(node))}"', data) for node, data in graph.nodes(data=True)]
    body += [element("edge", f'source="{attribute(u)}" target="{attribute(v)}"', data)
             for u, v, data in graph.edges(data=True)]
    body.append("</graph></graphml>")
    head = ["<?xml version='1.0' encoding='utf-8'?>\n",
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/'
            'xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">']
    head += [f'<key id="{key}" for="{scope}" attr.name="{attribute(name)}" attr.type="{kind}"/>\n'
             for (name, kind, scope), key in reversed(keys.items())]
    return "".join(head + body).encode("utf-8")


def _gexf(graph: nx.Graph) -> bytes:
    _check_graph(graph)
    attribute = _Escaped(ElementTree._escape_attrib)  # what ElementTree, which networkx uses here, escapes with
    ids: dict[str, dict[str, tuple[str, str]]] = {"node": {}, "edge": {}}
    starts: dict[tuple[str, str, type], str] = {}  # each (scope, name, type)'s opening, made once
    counter = itertools.count()

    def start(scope: str, name: str, value) -> str:
        kind = _kind(name, value)
        if name not in ids[scope]:  # numbered as first met, nodes' and edges' in one count
            ids[scope][name] = str(next(counter)), kind
        return starts.setdefault((scope, name, type(value)), f'          <attvalue for="{ids[scope][name][0]}" value="')

    def values(scope: str, data: dict) -> str:
        lines = []
        for name, value in data.items():
            opening = starts.get((scope, name, type(value))) or start(scope, name, value)
            lines.append(opening + _gexf_value(value, attribute) + '" />\n')
        return f"        <attvalues>\n{''.join(lines)}        </attvalues>\n" if lines else ""

    def element(tag: str, names: str, data: dict) -> str:
        inside = values(tag, data)
        return f"      <{tag} {names}>\n{inside}      </{tag}>\n" if inside else f"      <{tag} {names} />\n"

    nodes = []
    for node, data in graph.nodes(data=True):
        if not _GEXF_NODE_RESERVED.isdisjoint(data):
            raise _NotPlain
        data = dict(data)
        label = data.pop("label", _name(node))
        names = f'id="{attribute(node)}" label="{attribute(_shown(label))}"'
        nodes.append(element("node", names, data))
    edges = []
    for number, (u, v, data) in enumerate(graph.edges(data=True)):
        if not _GEXF_EDGE_RESERVED.isdisjoint(data):
            raise _NotPlain
        names = f'source="{attribute(u)}" target="{attribute(v)}" id="{number}"'
        if "weight" in data:
            data = dict(data)
            names += f' weight="{attribute(_shown(data.pop("weight")))}"'
        edges.append(element("edge", names, data))
    document = ["<?xml version='1.0' encoding='utf-8'?>\n",
                '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" '
                'version="1.2">\n',
                f'  <meta lastmodifieddate="{time.strftime("%Y-%m-%d")}">\n',
                f"    <creator>{ElementTree._escape_cdata(f'NetworkX {_networkx().__version__}')}</creator>\n",
                "  </meta>\n",
                f'  <graph defaultedgetype="{"directed" if graph.is_directed() else "undirected"}" mode="static" '
                f'name="{attribute(graph.graph.get("name", ""))}">\n']
    for scope in ("edge", "node"):  # networkx puts each list first as it meets it, and meets the nodes' first
        if ids[scope]:
            document.append(f'    <attributes mode="static" class="{scope}">\n')
            document += [f'      <attribute id="{number}" title="{attribute(name)}" type="{kind}" />\n'
                         for name, (number, kind) in ids[scope].items()]
            document.append("    </attributes>\n")
    for tag, elements in (("nodes", nodes), ("edges", edges)):
        document.append(f"    <{tag}>\n{''.join(elements)}    </{tag}>\n" if elements else f"    <{tag} />\n")
    document.append("  </graph>\n</gexf>\n")
    return "".join(document).encode("utf-8", "xmlcharrefreplace")


def _networkx():
    """networkx, imported when first needed (a fifth of a second): a build makes its graph in
    its second process, which alone then waits for it."""
    import networkx

    return networkx


def _check_graph(graph: nx.Graph) -> None:
    """A simple graph with a name at most: else networkx writes it."""
    if (graph.is_multigraph() or set(graph.graph) - {"name"} or type(graph.graph.get("name", "")) is not str
            or not all(hasattr(ElementTree, f) for f in ("_escape_attrib", "_escape_cdata"))):
        raise _NotPlain


def _kind(name, value) -> str:
    """The type networkx gives a value named `name`; _NotPlain unless both are plain."""
    kind = _TYPES.get(type(value))
    if kind is None or type(name) is not str:
        raise _NotPlain
    return kind


def _name(node) -> str:
    if type(node) is not str:
        raise _NotPlain
    return node


def _shown(value) -> str:
    """A plain value as str() shows it; _NotPlain for any other."""
    if type(value) not in _TYPES:
        raise _NotPlain
    return str(value)


def _gexf_value(value, attribute) -> str:
    """A value as networkx's GEXF writer writes an attribute's: booleans in lower case,
    infinities and NaN as GEXF spells them, text escaped."""
    kind = type(value)
    if kind is str:
        return attribute(value)
    if kind is bool:
        return "true" if value else "false"
    shown = _shown(value)
    return _GEXF_FLOATS.get(shown, shown) if kind is float else shown


_GEXF_FLOATS = {"inf": "INF", "nan": "NaN", "-inf": "-INF"}


class _Escaped:
    """A string as an XML writer writes it: as it is when plain, else escaped by `escape`; each
    distinct string looked at once."""

    def __init__(self, escape):
        self.escape, self.seen = escape, {}

    def __call__(self, value: str) -> str:
        escaped = self.seen.get(value)
        if escaped is None:
            escaped = self.seen[value] = value if _PLAIN_TEXT.fullmatch(value) else self.escape(value)
        return escaped


def _lxml_text(value: str) -> str:
    """Element text as lxml writes it (networkx's GraphML writer uses lxml)."""
    element = etree.Element("d")
    element.text = value
    return etree.tostring(element, encoding="utf-8").decode("utf-8")[len("<d>"):-len("</d>")]


def _lxml_attribute(value: str) -> str:
    """An attribute's value as lxml writes it."""
    return etree.tostring(etree.Element("d", a=value), encoding="utf-8").decode("utf-8")[len('<d a="'):-len('"/>')]
