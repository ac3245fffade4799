"""What the network of sources and competencies says: flows, schools, competencies framed together.

All of it is read from the sources' voices (`evidence.source_framings`): a row per source
and competency, the source's voice (1) split over the four framings by its coders.

- **Flows**: from groups of sources (each source, a value of an attribute, or a decade) to
  the competencies and on to the framings, each link as wide as the voices it carries, so
  that what flows into a competency is what flows out of it: its sources.
- **Schools**: two sources are linked by how many competencies they frame the same way
  (their main framings agree); the communities of that network (Louvain, seeded) are sources
  that tend to agree with one another: schools in the literature.
- **Framed together**: two competencies are linked by how many sources frame both the same
  way (both as leadership, both as management …): competencies that travel together.
- **Ego views**: one competency's sources with their framings, one source's competencies.

    >>> from litcoder import Review
    >>> from litcoder.analysis.evidence import review_voices
    >>> voices = review_voices(Review.load("."))
    >>> flows(voices, groups={}).groupby("competency")["voice"].sum().loc["budgeting"]    # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ..inputs.codebook import FRAMINGS

SEED = 7
"""Louvain is randomised: a fixed seed gives the same schools at every build."""
MAIN = set(FRAMINGS)
"""The main framings a source can agree on (not 'disputed', nor split evenly)."""
FLOW_COLUMNS = ["group", "competency", "framing", "voice", "sources", "citekeys"]


class Findings(NamedTuple):
    """The networks a build draws, tabulates and exports, made once: the sources framing alike,
    their schools, and the competencies framed together."""

    sources: nx.Graph
    schools: dict[str, int]
    competencies: nx.Graph


def findings(voices: pd.DataFrame) -> Findings:
    """The Findings of these voices, made once for them: the graph export, the figures and the
    report's section each ask (a second and more apiece at 2,000 sources). Not to be changed."""
    seen, made = _LAST
    if seen is not None and seen() is voices:
        return made
    network = source_network(voices)
    made = Findings(network, schools(network), competency_network(voices))
    _LAST[:] = [weakref.ref(voices), made]
    return made


_LAST: list = [None, None]
"""The voices `findings` last made Findings of (a weak reference: they are not kept alive for it), and those."""


# --- flows ---------------------------------------------------------------------------------

def source_groups(review, by: str | None = None, each_up_to: int = 30) -> tuple[str, dict[str, str]]:
    """How sources are grouped for the flows, and each source's group.

    `by`: 'source' (each source its own), an attribute of litcoder.toml, or 'decade'. By
    default each source up to `each_up_to` sources, else the first attribute that has values,
    else the decade of publication.
    """
    sources = review.sources
    attributes = [name for name in review.attribute_definitions if name in review.attributes.columns]
    if by is None:
        given = [a for a in attributes if (review.attributes[a].astype(str).str.strip() != "").any()]
        by = "source" if len(sources) <= each_up_to else given[0] if given else "decade"
    if by == "source":
        return by, dict(zip(sources["citekey"], sources["author_year"]))
    if by == "decade":
        return by, {k: f"{int(y) // 10 * 10}s" if pd.notna(y) else "year not given"
                    for k, y in zip(sources["citekey"], sources["year"])}
    if by not in attributes:
        raise KeyError(f"no attribute '{by}' in litcoder.toml; group by source, decade"
                       + "".join(f", {a}" for a in attributes))
    values = dict(zip(review.attributes["citekey"], review.attributes[by].astype(str).str.strip()))
    return by, {k: values.get(k) or "not given" for k in sources["citekey"]}


def flows(voices: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """A row per group, competency and framing: the voices that flow from the group's sources
    into the competency as that framing (`voice`), how many sources, and which (citekeys).

    A source without a group is its own group (its citekey).
    """
    if voices.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    long = voices.melt(id_vars=["citekey", "competency"], value_vars=list(FRAMINGS), var_name="framing",
                       value_name="voice")
    long = long[long["voice"] > 0]
    long = long.assign(group=long["citekey"].map(lambda k: groups.get(k, k)),
                       framing=pd.Categorical(long["framing"], categories=list(FRAMINGS)))
    long = long.sort_values(["group", "competency", "framing", "citekey"], kind="stable")
    grouped = long.groupby(["group", "competency", "framing"], sort=False, observed=True)
    found = grouped.agg(voice=("voice", "sum"), sources=("citekey", "size"), citekeys=("citekey", list)).reset_index()
    found["framing"] = found["framing"].astype(str)
    found["voice"] = found["voice"].astype(float)
    return found.sort_values(["framing", "group", "competency"], key=_framing_order, kind="stable"
                             )[FLOW_COLUMNS].reset_index(drop=True)


def _framing_order(column: pd.Series) -> pd.Series:
    return column.map(FRAMINGS.index) if column.name == "framing" else column


# --- schools: sources that frame alike ---------------------------------------------------------

LINKS_KEPT = 20_000
"""The most links the network of sources keeps. Past it (some 200 sources and more), each
source keeps its STRONGEST strongest links: every source stays linked to those it agrees
with most, which is what the schools are found from, and the network stays small enough to
draw and to search for communities in seconds (at 2,000 sources all pairs would be millions)."""
STRONGEST = 10


def source_network(voices: pd.DataFrame) -> nx.Graph:
    """Sources linked by the competencies they frame the same way.

    Edge attributes: `agree` (competencies both frame the same way, the weight), `shared`
    (competencies both speak to), `agreement` (agree / shared) and `competencies` (the
    agreed ones, comma-separated). Pairs that agree on nothing are not linked; past
    LINKS_KEPT links, each source keeps its STRONGEST strongest.
    """
    graph = nx.Graph()
    sources = sorted(voices["citekey"].unique())
    graph.add_nodes_from(sources)
    if len(sources) < 2:
        return graph
    agree, shared = _agreement_matrices(voices, sources)
    first, second = np.nonzero(np.triu(agree, 1))
    if len(first) > LINKS_KEPT:
        first, second = _strongest(agree, shared)
    framed = _framed_by_source(voices)
    for i, j in zip(first.tolist(), second.tolist()):
        a, b = sources[i], sources[j]
        alike = sorted(c for c, f in framed[a].items() if f in MAIN and framed[b].get(c) == f)
        graph.add_edge(a, b, agree=int(agree[i, j]), shared=int(shared[i, j]),
                       agreement=round(int(agree[i, j]) / int(shared[i, j]), 4), competencies=", ".join(alike))
    return graph


def _agreement_matrices(voices: pd.DataFrame, sources: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sources × sources: the competencies both frame alike, and those both speak to."""
    row = pd.Index(sources).get_indexer(voices["citekey"])
    competencies = pd.Index(sorted(voices["competency"].unique()))
    column = competencies.get_indexer(voices["competency"])
    shape = (len(sources), len(competencies))
    spoken = sparse.csr_matrix((np.ones(len(voices)), (row, column)), shape=shape)
    agree = sparse.csr_matrix((len(sources), len(sources)))
    framing = voices["framing"].to_numpy()
    for main in FRAMINGS:
        chosen = framing == main
        framed = sparse.csr_matrix((np.ones(int(chosen.sum())), (row[chosen], column[chosen])), shape=shape)
        agree = agree + framed @ framed.T
    return agree.toarray().astype(np.int64), (spoken @ spoken.T).toarray().astype(np.int64)


def _strongest(agree: np.ndarray, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i < j) among each source's STRONGEST links: most competencies alike, then
    the larger share of those both speak to."""
    strength = agree + agree / np.maximum(shared, 1) / 2  # agreement breaks ties among equal counts
    np.fill_diagonal(strength, 0)
    kept = min(STRONGEST, len(strength) - 1)
    top = np.argpartition(-strength, kept - 1, axis=1)[:, :kept]
    pairs = {(min(i, j), max(i, j)) for i, row in enumerate(top.tolist()) for j in row if agree[i, j] > 0}
    ordered = sorted(pairs)
    return np.array([i for i, _ in ordered], dtype=np.int64), np.array([j for _, j in ordered], dtype=np.int64)


def _framed_by_source(voices: pd.DataFrame) -> dict[str, dict[str, str]]:
    framed: dict[str, dict[str, str]] = defaultdict(dict)  # source → competency → main framing
    for citekey, competency, framing in zip(voices["citekey"], voices["competency"], voices["framing"]):
        framed[citekey][competency] = framing
    return framed


def schools(graph: nx.Graph, seed: int = SEED) -> dict[str, int]:
    """Each source's school (1, 2, … largest first): the Louvain communities of the source
    network, weighted by agreement. A source that agrees with no other is a school of its own."""
    if not graph.number_of_nodes():
        return {}
    found = nx.community.louvain_communities(graph, weight="agree", seed=seed) if graph.number_of_edges() else \
        [{node} for node in graph.nodes]
    ranked = sorted(found, key=lambda members: (-len(members), sorted(members)[0]))
    return {member: n for n, members in enumerate(ranked, start=1) for member in members}


def school_table(found: dict[str, int], voices: pd.DataFrame, cite: dict[str, str], labels: dict[str, str]
                 ) -> pd.DataFrame:
    """A row per school: its sources, what they agree on most, and how they lean.

    Columns: school, sources (count), members (author-year, '; ' between), leadership,
    management, both, neither (the school's voices over its competencies, shares that add
    to 1), agreed (the competencies most often framed alike within it, with the framing).
    """
    rows = []
    for school, members in _by_school(found).items():
        mine = voices[voices["citekey"].isin(members)]
        total = float(mine[list(FRAMINGS)].to_numpy().sum()) or 1.0
        # the pairs of its sources that frame a competency alike: n sources framing it so make n(n-1)/2
        framed = Counter((c, f) for c, f in zip(mine["competency"], mine["framing"]) if f in MAIN)
        agreed = {key: n * (n - 1) // 2 for key, n in framed.items() if n > 1}
        top = [f"{labels.get(competency, competency)} ({framing})" for (competency, framing), _ in
               sorted(agreed.items(), key=lambda item: (-item[1], item[0]))[:5]]
        rows.append({"school": school, "sources": len(members),
                     "members": "; ".join(sorted(cite.get(k, k) for k in members)),
                     **{f: round(float(mine[f].sum()) / total, 4) for f in FRAMINGS}, "agreed": "; ".join(top)})
    return pd.DataFrame(rows, columns=["school", "sources", "members", *FRAMINGS, "agreed"])


def _by_school(found: dict[str, int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for member, school in found.items():
        grouped[school].append(member)
    return dict(sorted(grouped.items()))


# --- competencies framed together ---------------------------------------------------------------

def competency_network(voices: pd.DataFrame) -> nx.Graph:
    """Competencies linked by the sources that frame both the same way.

    Edge attributes: `together` (sources framing both the same way, the weight), one count
    per framing (`leadership`: sources framing both as leadership, …), and `sources`
    (citekeys, comma-separated).
    """
    graph = nx.Graph()
    competencies = sorted(voices["competency"].unique())
    graph.add_nodes_from(competencies)
    sources = sorted(voices["citekey"].unique())
    if not sources:
        return graph
    row = pd.Index(sources).get_indexer(voices["citekey"])
    column = pd.Index(competencies).get_indexer(voices["competency"])
    framing = voices["framing"].to_numpy()
    alike = {}  # framing → sources × competencies, 1 where the source frames the competency so
    for main in FRAMINGS:
        chosen = framing == main
        alike[main] = sparse.csc_matrix((np.ones(int(chosen.sum()), dtype=np.int64), (row[chosen], column[chosen])),
                                        shape=(len(sources), len(competencies)))
    counts = {main: (matrix.T @ matrix).toarray() for main, matrix in alike.items()}
    total = sum(counts.values())
    members = {main: [set(matrix.indices[matrix.indptr[c]:matrix.indptr[c + 1]].tolist())
                      for c in range(len(competencies))] for main, matrix in alike.items()}
    first, second = np.nonzero(np.triu(total, 1))
    for i, j in zip(first.tolist(), second.tolist()):
        both = sorted(sources[k] for main in FRAMINGS if counts[main][i, j]
                      for k in members[main][i] & members[main][j])
        graph.add_edge(competencies[i], competencies[j], together=int(total[i, j]),
                       **{main: int(counts[main][i, j]) for main in FRAMINGS}, sources=", ".join(both))
    return graph


def pairs_table(graph: nx.Graph, labels: dict[str, str], top: int | None = None) -> pd.DataFrame:
    """The competency pairs framed together, most sources first: a, b (labels, in alphabetical
    order), together, the count per framing, and the framing most of them share (on a tie, the
    first in the codebook's order of framings)."""
    named = ((sorted((labels.get(a, a), labels.get(b, b))), data) for a, b, data in graph.edges(data=True))
    rows = [{"a": a, "b": b, "together": data["together"],
             **{f: data[f] for f in FRAMINGS}, "mostly": max(FRAMINGS, key=lambda f: data[f])}
            for (a, b), data in named]
    table = pd.DataFrame(rows, columns=["a", "b", "together", *FRAMINGS, "mostly"])
    table = table.sort_values(["together", "a", "b"], ascending=[False, True, True], kind="stable")
    return (table.head(top) if top else table).reset_index(drop=True)


# --- ego views -----------------------------------------------------------------------------------

EGO_COLUMNS = ["citekey", "competency", "framing", *FRAMINGS, "coders", "passage_list"]


def competency_ego(voices: pd.DataFrame, competency: str) -> pd.DataFrame:
    """One competency's sources: a row each, with its framing and voices, in citekey order."""
    rows = voices.loc[voices["competency"] == competency, EGO_COLUMNS]
    return rows.sort_values("citekey", kind="stable").reset_index(drop=True)


def source_ego(voices: pd.DataFrame, citekey: str) -> pd.DataFrame:
    """One source's competencies: a row each, with its framing and voices, in competency order."""
    rows = voices.loc[voices["citekey"] == citekey, EGO_COLUMNS]
    return rows.sort_values("competency", kind="stable").reset_index(drop=True)
