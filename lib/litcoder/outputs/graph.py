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

import io
from pathlib import Path

import networkx as nx
import pandas as pd

from ..analysis.evidence import source_framings
from ..files import write_atomic
from ..inputs.codebook import FRAMINGS

CATEGORIES = ("leadership", "management")


def review_graph(review, evidence: pd.DataFrame, voices: pd.DataFrame | None = None) -> nx.DiGraph:
    """A directed graph of the review, with attributes that GraphML and GEXF can hold.

    `voices` is `source_framings(review.counted_codings)`, if already computed.
    """
    graph = nx.DiGraph(name="litcoder review")
    for s in review.sources.itertuples(index=False):
        attributes = {"kind": "source", "label": s.author_year, "citekey": s.citekey, "title": s.title,
                      "entry_type": s.entry_type}
        if pd.notna(s.year):
            attributes["year"] = int(s.year)
        graph.add_node(f"source:{s.citekey}", **attributes)
    for e in evidence.itertuples(index=False):
        graph.add_node(f"competency:{e.competency}", kind="competency", label=e.label, competency=e.competency,
                       group=e.group, classification=e.classification,
                       working_classification=e.working_classification, sources=int(e.sources),
                       leadership_share=float(e.leadership_share), fragile=bool(e.fragile))
    for category in CATEGORIES:
        graph.add_node(f"category:{category}", kind="category", label=category.capitalize())
    voices = source_framings(review.counted_codings) if voices is None else voices
    for v in voices.itertuples(index=False):
        graph.add_edge(f"source:{v.citekey}", f"competency:{v.competency}", kind="frames", framing=v.framing,
                       coders=v.coders, coder_framings=v.coder_framings, passages=v.passage_list,
                       passage_count=int(v.passages), codings=int(v.codings),
                       **{f: float(getattr(v, f)) for f in FRAMINGS})
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


def write_graph(graph: nx.DiGraph, folder: Path) -> list[Path]:
    """Write the graph as GraphML (yEd, Cytoscape, networkx) and GEXF (Gephi) into `folder`,
    each file written whole (write_atomic: a temp file of a new name, then rename)."""
    written = []
    for name, write in (("review.graphml", nx.write_graphml), ("review.gexf", nx.write_gexf)):
        data = io.BytesIO()
        write(graph, data)
        write_atomic(folder / name, data.getvalue())
        written.append(folder / name)
    return written
