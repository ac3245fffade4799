"""What the network says (issue 20), as figures: flows, schools, competencies framed together, ego views.

Each is a plotly Figure drawn from analysis.network, in the review's template and framing
colours, with fixed trace ids and seeded layouts, so that two builds give the same bytes.

- `flows_chart`: groups of sources → competencies → the four framings (a Sankey diagram);
  what flows into a competency flows out of it: its sources.
- `schools_chart`: sources linked by the competencies they frame alike, by school.
- `framed_together_chart`: competencies linked by the sources that frame both alike.
- `ego_chart`: one competency's sources, or one source's competencies, with their framings.

    >>> from litcoder import Review
    >>> from litcoder.analysis.evidence import review_voices, weigh_evidence
    >>> review = Review.load(".")
    >>> voices = review_voices(review)
    >>> figure = flows_chart(review, voices, weigh_evidence(review, voices))    # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import textwrap

import networkx as nx
import pandas as pd
import plotly.graph_objects as go

from ..analysis import network
from ..analysis.evidence import COMPOSITION
from ..inputs.codebook import FRAMINGS
from .charts import (
    CLASSIFICATION_SYMBOLS,
    FRAMING_DASHES,
    FRAMING_SYMBOLS,
    LABELS_UP_TO,
    PRINT_FONT,
    TEMPLATE,
    FigureContext,
    _escape,
    _scatter,
    _segments,
    plural,
    register_figure,
)
from .pages import frame_fingerprint, kept
from .theme import CLASSIFICATION_COLOURS, CLASSIFICATION_LABELS, FRAMING_COLOURS

SEED = network.SEED
"""The layouts' seed: the same picture at every build."""
TITLES = {
    "flows": "Flows: groups of sources → competencies → how they are framed",
    "schools": "Schools: sources that frame competencies alike",
    "framed-together": "Competencies framed together by the same sources",
    "ego-competency": "One competency's sources and how each frames it",
    "ego-source": "One source's competencies and how it frames each",
}
FRAMING_ORDER = ["leadership", "both", "neither", "management"]
"""The framings top to bottom in the flows: leadership above, management below, as the
competencies are stacked (by leadership share), so that flows cross as little as they must."""
CITED_UP_TO = 5
"""Sources a flow's hover names; the rest are counted ("…and 12 more")."""
LINK_ALPHA = 0.5
GROUP_COLOUR = "#6b6b6b"
INK = "#1d1d1f"
SPRING_UP_TO = 300
"""Sources up to which the schools are placed by a spring layout of the whole network; above,
it takes tens of seconds (about 30 s at 2,000 sources), so each school is drawn as a disc."""
EDGES_UP_TO = 2000
"""Links of the source network drawn in full; above, each source's STRONGEST links only."""
STRONGEST = 3
SCHOOL_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "star",
                  "cross", "x", "triangle-left", "triangle-right", "star-diamond", "hourglass"]
"""One shape per school (cycled beyond 14), so that schools of the same leaning stay apart."""
ALONE_COLOUR = "#6b6b6b"
TOGETHER_AT_LEAST = 2
"""The least `together` (sources framing both alike) a drawn link has; raised in a large review
(`together_threshold`) so that there are at most LINKS_PER_COMPETENCY links per competency."""
LINKS_PER_COMPETENCY = 3
WIDTHS = (0.8, 1.6, 2.6, 3.8)
"""Line widths of links, from the weakest quarter of the strongest link's weight to the strongest."""

BANDS_UP_TO = 1000
"""Bands from the groups of sources drawn one per framing up to this many; past it, one per
group and competency (`_merged_links`)."""

CAPTIONS = {
    "flows": "Each source has one voice on each competency it speaks to, split between the framings when its "
             "coders differ. Left: the groups of sources (each source, or the sources sharing a value of an "
             "attribute or a decade); middle: the competencies, coloured by their classification, leadership at "
             "the top; right: the four framings. A band is as wide as the voices it carries and coloured by their "
             "framing, so what flows into a competency equals what flows out of it: its number of sources. Hover a "
             f"band for its sources. Past {BANDS_UP_TO:,} bands from the groups, each group's band into a "
             "competency is grey, its framings given on hover.",
    "schools": "Each mark is a source, as large as the number of competencies it speaks to; a line joins two "
               "sources that frame at least one competency the same way, the wider the more competencies. A "
               "school (its own shape) is a community of sources that agree with one another more than with the "
               "rest, coloured by how its sources mostly frame their competencies; sources that agree with no "
               f"other are grey rings. Above {SPRING_UP_TO} sources each school is drawn as a disc, its "
               f"best-linked sources in the middle, and above {EDGES_UP_TO} lines only each source's "
               f"{STRONGEST} strongest are drawn. Hover a source for its school and what the school agrees on.",
    "framed-together": "Each mark is a competency, coloured and shaped by its classification; a line joins two "
                       "competencies that the same sources frame alike, coloured (and dashed) by the framing most "
                       "of those sources share, the wider the more sources. Only pairs framed alike by at least "
                       f"the number of sources given above the plot are linked ({TOGETHER_AT_LEAST}, or more in a "
                       f"large review, so that a competency has about {LINKS_PER_COMPETENCY} links). Hover a "
                       "competency for its strongest partners.",
    "ego-competency": "The competency (right) and each of its sources (left), linked in the colour (and dash) of "
                      "how the source frames it; a ring marks a pivotal source, whose leaving out would change "
                      "the competency's classification. Hover a source for its first quote.",
    "ego-source": "The source (left) and each competency it speaks to (right), linked in the colour (and dash) of "
                  "how it frames that competency. Hover a competency for the source's first quote on it.",
}
"""What each figure shows, to print under it."""


def _layout(fig: go.Figure, name: str, height: int, title: str | None = None) -> go.Figure:
    # the key under the plot: above it, a long key runs into the title on a narrow screen
    fig.update_layout(template=TEMPLATE, title=title or TITLES[name], height=height,
                      margin=dict(l=10, r=10, t=80, b=40), legend=dict(orientation="h", yanchor="top", y=-0.02, x=0))
    for i, trace in enumerate(fig.data):  # fixed trace ids, so exported files do not change between builds
        trace.uid = f"{name}-{i}"
    return fig


def _rgba(colour: str, alpha: float = LINK_ALPHA) -> str:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _count(value: float) -> str:
    """A number of voices as a member reads it: 3, 2.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}".rstrip("0")


def _labels(review) -> dict[str, str]:
    return dict(zip(review.codebook["competency"], review.codebook["label"]))


def _cite(review) -> dict[str, str]:
    return dict(zip(review.sources["citekey"], review.sources["author_year"]))


# ---------------------------------------------------------------- 1. flows

def flows_chart(review, voices: pd.DataFrame, evidence: pd.DataFrame, by: str | None = None,
                context: FigureContext | None = None) -> go.Figure:
    """A Sankey diagram: groups of sources (each source in a small review, else an attribute's
    values or decades) → competencies (leadership at the top) → the four framings. Hover a
    band for its sources (and a single source's first quote), a node for its total."""
    context = FigureContext(review, evidence, voices) if context is None else context
    by, groups = network.source_groups(review, by)
    flows = network.flows(voices, groups)
    labels = context.labels
    competencies = [c for c in context.order["competency"].iloc[::-1] if c in set(flows["competency"])]
    group_names = _group_order(review, by, flows, competencies)
    framings = [f for f in FRAMING_ORDER if f in set(flows["framing"])]
    columns = [[("group", g) for g in group_names], [("competency", c) for c in competencies],
               [("framing", f) for f in framings]]
    nodes = [node for column in columns for node in column]
    index = {node: i for i, node in enumerate(nodes)}
    into = flows.groupby(["competency", "framing"])["voice"].sum()
    sources = voices.groupby("competency").size()
    merged = len(flows) > BANDS_UP_TO
    links = ((_merged_links if merged else _group_links)(context, flows, index, by)
             + _framing_links(context, into, sources, index))
    totals = _node_totals(nodes, flows, into, sources)
    classification = dict(zip(evidence["competency"], evidence["classification"]))
    height = int(min(4000, max(520, 22 * max(len(column) for column in columns) + 160)))
    key = 24 * (len({classification.get(c) for c in competencies}) + 1) + 30  # the key under the plot
    height += key
    margin = dict(l=10, r=10, t=80, b=40 + key)
    x, y = _node_places(columns, totals, height - margin["t"] - margin["b"])
    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=".1f",
        node=dict(label=[_node_label(node, labels) for node in nodes], x=x, y=y, pad=NODE_PAD, thickness=14,
                  color=[_node_colour(node, classification) for node in nodes],
                  line=dict(color=INK, width=0.5), customdata=[_node_hover(node, totals[node], labels, classification,
                                                                           by) for node in nodes],
                  hovertemplate="%{customdata}<extra></extra>"),
        link=dict(source=[s for s, *_ in links], target=[t for _, t, *_ in links], value=[v for _, _, v, *_ in links],
                  color=[c for *_, c, _ in links], customdata=[h for *_, h in links], line=dict(width=0),
                  hovertemplate="%{customdata}<extra></extra>")))
    _classification_key(fig, [classification.get(c, "insufficient") for c in competencies], shaped=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(meta={"by": by, "merged": merged}, font=dict(size=12))
    if merged:
        fig.add_annotation(text="Grey: each group's band into a competency, its framings together<br>"
                                f"({plural(len(flows), 'band')} by framing would be too many to draw).",
                           xref="paper", yref="paper", x=0, y=1, yanchor="bottom", showarrow=False, align="left",
                           font=dict(size=11, color="#5f6368"))
    return _layout(fig, "flows", height).update_layout(margin=margin)


def _classification_key(fig: go.Figure, kinds: list[str], shaped: bool = True) -> None:
    """The competencies' classifications in the key: marks of no data, named."""
    for kind in (k for k in CLASSIFICATION_LABELS if k in kinds):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=CLASSIFICATION_LABELS[kind],
                                 legendgroup="classification", legendgrouptitle_text="competencies classified",
                                 marker=dict(size=11, color=CLASSIFICATION_COLOURS[kind], line=dict(width=1, color=INK),
                                             symbol=CLASSIFICATION_SYMBOLS[kind] if shaped else "square")))


NODE_PAD = 8
"""Pixels between the nodes of a column."""


def _group_order(review, by: str, flows: pd.DataFrame, competencies: list[str]) -> list[str]:
    """Decades in time order, an attribute's values in litcoder.toml's order; single sources
    at the mean height of their competencies, so that their bands run as flat as they can."""
    names = sorted(set(flows["group"]))
    last = ("not given", "year not given")
    if by == "decade":
        return sorted(names, key=lambda g: (g in last, g))
    if by != "source":
        defined = list((review.attribute_definitions.get(by) or {}).get("values") or [])
        return sorted(names, key=lambda g: (g in last, defined.index(g) if g in defined else len(defined), g))
    height = {c: i for i, c in enumerate(competencies)}
    weighted = flows.assign(h=flows["competency"].map(height) * flows["voice"])
    mean = weighted.groupby("group")["h"].sum() / weighted.groupby("group")["voice"].sum()
    return sorted(names, key=lambda g: (mean.get(g, 0), g))


def _group_links(context: FigureContext, flows: pd.DataFrame, index: dict, by: str) -> list[tuple]:
    links = []
    for group, competency, framing, voice, count, citekeys in flows.itertuples(index=False):
        label = context.labels.get(competency, competency)
        size = plural(count, "source") if voice == count else f"{_count(voice)} voices of {plural(count, 'source')}"
        head = f"<b>{_escape(group)} → {_escape(label)}</b>: {framing} ({size})"
        if by == "source" or count == 1:
            body = context.cited_quote(competency, citekeys[0], 120)
        else:
            named = sorted(context.cite.get(k, k) for k in citekeys)
            body = "<br>".join(_escape(c) for c in named[:CITED_UP_TO])
            body += f"<br>…and {count - CITED_UP_TO} more" if count > CITED_UP_TO else ""
        links.append((index[("group", group)], index[("competency", competency)], voice,
                      _rgba(FRAMING_COLOURS[framing]), f"{head}<br>{_wrap(body)}"))
    return links


def _merged_links(context: FigureContext, flows: pd.DataFrame, index: dict, by: str) -> list[tuple]:
    """A grey band per group and competency, its framings on hover: plotly.js takes seconds to
    draw thousands of bands (2,386 at 2,000 sources in five groups: 4.4 s; merged, 900: 0.7 s)."""
    links = []
    for (group, competency), part in flows.groupby(["group", "competency"], sort=True):
        label = context.labels.get(competency, competency)
        citekeys = sorted({k for keys in part["citekeys"] for k in keys})
        voice = float(part["voice"].sum())
        size = plural(len(citekeys), "source") if voice == len(citekeys) else \
            f"{_count(voice)} voices of {plural(len(citekeys), 'source')}"
        framed = ", ".join(f"{framing} {_count(v)}" for framing, v in zip(part["framing"], part["voice"]))
        named = sorted(context.cite.get(k, k) for k in citekeys)
        body = "<br>".join(_escape(c) for c in named[:CITED_UP_TO])
        body += f"<br>…and {len(named) - CITED_UP_TO} more" if len(named) > CITED_UP_TO else ""
        links.append((index[("group", group)], index[("competency", competency)], voice, _rgba(GROUP_COLOUR),
                      f"<b>{_escape(group)} → {_escape(label)}</b>: {size}<br>framed {framed}<br>{_wrap(body)}"))
    return links


def _framing_links(context: FigureContext, into: pd.Series, sources: pd.Series, index: dict) -> list[tuple]:
    links = []
    for (competency, framing), voice in into.items():
        label = context.labels.get(competency, competency)
        hover = (f"<b>{_escape(label)} → {framing}</b>: {_count(voice)} of its "
                 f"{plural(int(sources[competency]), 'source')}' voices")
        links.append((index[("competency", competency)], index[("framing", framing)], float(voice),
                      _rgba(FRAMING_COLOURS[framing]), hover))
    return links


def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(line for part in text.split("<br>")
                       for line in ([part] if len(part) <= width else textwrap.wrap(part, width)))


def _node_totals(nodes: list[tuple], flows: pd.DataFrame, into: pd.Series, sources: pd.Series) -> dict:
    by_group = flows.groupby("group")["voice"].sum()
    by_framing = into.groupby(level="framing").sum()
    return {node: float({"group": by_group, "competency": sources, "framing": by_framing}[node[0]][node[1]])
            for node in nodes}


def _node_places(columns: list[list], totals: dict, plot: int) -> tuple[list[float], list[float]]:
    """Each node's centre (x, y from the top, 0 to 1) as plotly sizes them: the column with the
    most nodes fills the height with NODE_PAD between them and sets the scale; the other
    columns' nodes are spread over the same height."""
    whole = max(sum(totals[node] for node in column) for column in columns) or 1.0
    crowded = max(len(column) for column in columns)
    scale = max(plot - (crowded - 1) * NODE_PAD, 1) / whole  # pixels per voice
    xs, ys = [], []
    for x, column in zip((0.001, 0.5, 0.999), columns):
        heights = [totals[node] * scale for node in column]
        gap = (plot - sum(heights)) / (len(column) - 1) if len(column) > 1 else 0
        top = 0.0 if len(column) > 1 else (plot - heights[0]) / 2
        for h in heights:
            xs.append(x)
            ys.append(round(min(0.999, max(0.001, (top + h / 2) / plot)), 5))  # plotly ignores a 0
            top += h + gap
    return xs, ys


def _node_label(node: tuple, labels: dict) -> str:
    kind, name = node
    if kind == "competency":
        return _escape(labels.get(name, name))
    return name.capitalize() if kind == "framing" else _escape(name)


def _node_colour(node: tuple, classification: dict) -> str:
    kind, name = node
    if kind == "framing":
        return FRAMING_COLOURS[name]
    if kind == "competency":
        return CLASSIFICATION_COLOURS[classification.get(name, "insufficient")]
    return GROUP_COLOUR


def _node_hover(node: tuple, total: float, labels: dict, classification: dict, by: str) -> str:
    kind, name = node
    if kind == "competency":
        return (f"<b>{_escape(labels.get(name, name))}</b>: {plural(int(total), 'source')}<br>"
                f"classified {CLASSIFICATION_LABELS[classification.get(name, 'insufficient')]}")
    if kind == "framing":
        return f"<b>{name.capitalize()}</b>: {_count(total)} voices (a source's voice on a competency is 1)"
    what = "" if by == "source" else f" ({_escape(by)})"
    return f"<b>{_escape(name)}</b>{what}: {_count(total)} voices on competencies"


def flow_values(figure: go.Figure) -> dict[str, tuple[float, float]]:
    """Each node's label: (what flows into it, what flows out of it)."""
    sankey = figure.data[0]
    labels = list(sankey.node.label)
    into, out = [0.0] * len(labels), [0.0] * len(labels)
    for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value):
        out[s] += v
        into[t] += v
    return {label: (into[i], out[i]) for i, label in enumerate(labels)}


# ---------------------------------------------------------------- 2. schools

def schools_chart(review, voices: pd.DataFrame, graph: nx.Graph, found: dict[str, int]) -> go.Figure:
    """The sources as marks, linked by the competencies they frame alike, each school its own
    shape. Hover a source for its school and what the school agrees on."""
    cite, labels = _cite(review), _labels(review)
    table = network.school_table(found, voices, cite, labels).set_index("school")
    drawn = _thinned(graph)
    place = _school_places(drawn, found) if graph.number_of_nodes() > SPRING_UP_TO else _spring(drawn, "agree")
    fig = go.Figure()
    for trace in _edge_traces(drawn, place, "agree", "#8a8a8a", len(cite)):
        fig.add_trace(trace)
    size = voices.groupby("citekey").size()
    titles = dict(zip(review.sources["citekey"], review.sources["title"].fillna("")))
    named = len(found) <= LABELS_UP_TO
    sides = _label_sides(place, {k: cite.get(k, k) for k in found}, 10, SCHOOLS_PLOT) if named else {}
    members: dict[int, list[str]] = {}
    for key, school in sorted(found.items()):
        members.setdefault(school, []).append(key)
    alone = [k for school, keys in members.items() if len(keys) == 1 for k in keys]
    for n, (school, keys) in enumerate((s, k) for s, k in members.items() if len(k) > 1):
        leaning = max(FRAMINGS, key=lambda f: table.loc[school, f])
        name = f"School {school}: {plural(len(keys), 'source')}, mostly {leaning}"
        hover = [_source_hover(k, cite, titles, size, name, table.loc[school, "agreed"]) for k in keys]
        fig.add_trace(_source_marks(keys, place, size, cite, hover, name, FRAMING_COLOURS[leaning],
                                    SCHOOL_SYMBOLS[n % len(SCHOOL_SYMBOLS)], len(found), sides))
    if alone:
        name = f"Agreeing with no other: {plural(len(alone), 'source')}"
        hover = [_source_hover(k, cite, titles, size, "agrees with no other source", "") for k in alone]
        fig.add_trace(_source_marks(alone, place, size, cite, hover, name, ALONE_COLOUR, "circle-open", len(found),
                                    sides))
    _padded(fig, place)
    fig.update_layout(hovermode="closest", dragmode="pan")
    return _layout(fig, "schools", 640 if len(found) <= LABELS_UP_TO else 760)


def _padded(fig: go.Figure, place: dict) -> None:
    """Axes hidden, their ranges wide enough for the labels of the outermost marks."""
    xs, ys = _ranges(place)
    fig.update_xaxes(visible=False, range=list(xs))
    fig.update_yaxes(visible=False, range=list(ys))


def _ranges(place: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    xs, ys = [x for x, _ in place.values()] or [0.0], [y for _, y in place.values()] or [0.0]
    wide, high = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return ((round(min(xs) - 0.12 * wide, 4), round(max(xs) + 0.12 * wide, 4)),
            (round(min(ys) - 0.06 * high, 4), round(max(ys) + 0.1 * high, 4)))


SIDES = ("top center", "bottom center", "middle right", "middle left",
         "top right", "top left", "bottom right", "bottom left")
"""Where a mark's name may go, in the order tried."""
SCHOOLS_PLOT, TOGETHER_PLOT = (1090, 500), (1090, 450)
"""The plot areas on a desktop screen (the report's width, less margins, key and notes), in
pixels, for placing the marks' names."""


def _label_sides(place: dict, texts: dict[str, str], size: float, plot: tuple[float, float]) -> dict[str, str]:
    """Each mark's name (its lines parted by <br>) put on the first side (SIDES) where it meets
    no other name or mark and stays in the plot, crowded marks first; else on the side where
    least of it does. `plot`: the plot area's width and height in pixels. Plotly does not move
    names apart, and a spring layout draws a school or a cluster of competencies close together."""
    (x0, x1), (y0, y1) = _ranges(place)
    px = {node: ((x - x0) / (x1 - x0) * plot[0], (y - y0) / (y1 - y0) * plot[1]) for node, (x, y) in place.items()}
    taken = [(x - 7, y - 7, x + 7, y + 7) for x, y in px.values()]  # the marks (a name keeps 8 px off its own)
    def crowd(node):
        x, y = px[node]
        return -sum(abs(x - a) < 120 and abs(y - b) < 30 for a, b in px.values()), node
    def hidden(box):  # what meets another name or mark, or falls outside the plot (plotly cuts it)
        inside = _overlap(box, (0, 0, *plot))
        return sum(_overlap(box, t) for t in taken) + (box[2] - box[0]) * (box[3] - box[1]) - inside
    sides = {}
    for node in sorted(texts, key=crowd):
        lines = texts[node].split("<br>")
        wide, high = max(map(len, lines)) * size * 0.58, len(lines) * size * 1.4
        boxes = {side: _label_box(px[node], wide, high, side) for side in SIDES}
        sides[node] = min(SIDES, key=lambda side: (hidden(boxes[side]), SIDES.index(side)))
        taken.append(boxes[sides[node]])
    return sides


def _label_box(mark: tuple[float, float], wide: float, high: float, side: str) -> tuple[float, ...]:
    x, y = mark
    vertical, horizontal = side.split()
    left = {"center": x - wide / 2, "right": x + 8, "left": x - 8 - wide}[horizontal]
    bottom = {"top": y + 8, "bottom": y - 8 - high, "middle": y - high / 2}[vertical]
    return left, bottom, left + wide, bottom + high


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _thinned(graph: nx.Graph) -> nx.Graph:
    """The network as drawn: all of it up to EDGES_UP_TO links, else each source's STRONGEST
    links (most competencies agreed on, then the larger share agreed, then by name)."""
    if graph.number_of_edges() <= EDGES_UP_TO:
        return graph
    kept = nx.Graph()
    kept.add_nodes_from(graph.nodes)
    for node in graph.nodes:
        ranked = sorted(graph[node].items(), key=lambda item: (-item[1]["agree"], -item[1]["agreement"], item[0]))
        kept.add_edges_from((node, other, data) for other, data in ranked[:STRONGEST])
    return kept


def _spring(graph: nx.Graph, weight: str) -> dict[str, tuple[float, float]]:
    if not graph.number_of_nodes():
        return {}
    # twice networkx's default distance between nodes, so that their labels keep apart
    place = nx.spring_layout(graph, weight=weight, seed=SEED, k=2 / math.sqrt(graph.number_of_nodes()))
    return {node: (round(float(x), 4), round(float(y), 4)) for node, (x, y) in place.items()}


def _school_places(graph: nx.Graph, found: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Each school a disc of its sources (sunflower seeds, the best-linked in the middle), the
    discs in rows by size; sources agreeing with no other share the last disc."""
    members: dict[int, list[str]] = {}
    for key, school in sorted(found.items()):
        members.setdefault(school, []).append(key)
    discs = [keys for keys in members.values() if len(keys) > 1]
    alone = [k for keys in members.values() if len(keys) == 1 for k in keys]
    discs += [alone] if alone else []
    row_width = 2.2 * math.sqrt(sum(len(keys) for keys in discs))
    place, x, y, row_height = {}, 0.0, 0.0, 0.0
    for keys in discs:
        radius = math.sqrt(len(keys))
        if x and x + 2 * radius > row_width:
            x, y, row_height = 0.0, y - row_height - 1.5, 0.0
        ranked = sorted(keys, key=lambda k: (-graph.degree(k, weight="agree"), k))
        for i, key in enumerate(ranked):
            r, angle = math.sqrt(i + 0.5), i * math.pi * (3 - math.sqrt(5))  # the golden angle
            place[key] = (round(x + radius + r * math.cos(angle), 4), round(y - radius + r * math.sin(angle), 4))
        x += 2 * radius + 1.5
        row_height = max(row_height, 2 * radius)
    return place


def _edge_traces(graph: nx.Graph, place: dict, weight: str, colour, nodes: int, dash: str = "solid",
                 name: str = "", legend: bool = False, strongest: float | None = None) -> list[go.Scatter]:
    """Links as one line trace per width (WIDTHS, by the weight's quarter of the strongest)."""
    edges = list(graph.edges(data=True))
    if not edges:
        return []
    strongest = strongest or max(data[weight] for *_, data in edges)
    traces = []
    for level, width in enumerate(WIDTHS):
        chosen = [(a, b) for a, b, data in edges
                  if min(len(WIDTHS) - 1, int(len(WIDTHS) * data[weight] / (strongest + 1e-9))) == level]
        if not chosen:
            continue
        xs, ys = _segments([place[a] for a, _ in chosen], [place[b] for _, b in chosen])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name=name or "links",
                                 showlegend=legend and not traces, legendgroup=name or "links",
                                 line=dict(color=colour, width=width, dash=dash),
                                 opacity=0.55 if nodes <= SPRING_UP_TO else 0.25))
    return traces


def _source_hover(key: str, cite: dict, titles: dict, size: pd.Series, school: str, agreed: str) -> str:
    agreed_on = "<br>".join(textwrap.wrap(_escape(agreed), 70))
    return (f"<b>{_escape(cite.get(key, key))}</b><br>{_escape(titles.get(key, ''), 90)}<br>"
            f"{plural(int(size.get(key, 0)), 'competency', 'competencies')}; {school}"
            + (f"<br>The school agrees most on:<br>{agreed_on}" if agreed else ""))


def _source_marks(keys: list[str], place: dict, size: pd.Series, cite: dict, hover: list[str], name: str,
                  colour: str, symbol: str, sources: int, sides: dict[str, str]):
    """A school's marks; named (on the side `sides` gives) when the network is small enough."""
    most = max(int(size.max()) if len(size) else 1, 1)
    small = bool(sides)
    sizes = [round((7 if small else 4) + (11 if small else 6) * math.sqrt(size.get(k, 0) / most), 2) for k in keys]
    return _scatter(sources)(
        x=[place[k][0] for k in keys], y=[place[k][1] for k in keys], customdata=keys,
        mode="markers+text" if small else "markers", text=[_escape(cite.get(k, k)) for k in keys] if small else None,
        textposition=[sides[k] for k in keys] if small else "top center", textfont=dict(size=10, color="#3b3b3b"),
        name=name, hovertext=hover,
        # opacity 1: plotly draws marks of several sizes (bubbles) see-through by default
        hoverinfo="text", marker=dict(size=sizes, color=colour, symbol=symbol, opacity=1,
                                      line=dict(width=1 if symbol.endswith("open") else 0.6,
                                                color=colour if symbol.endswith("open") else "#ffffff")))


# ---------------------------------------------------------------- 3. framed together

def together_threshold(graph: nx.Graph, at_least: int = TOGETHER_AT_LEAST) -> int:
    """The least `together` a drawn link has: `at_least`, raised until there are no more than
    LINKS_PER_COMPETENCY links per competency."""
    counts = sorted((data["together"] for *_, data in graph.edges(data=True)), reverse=True)
    allowed = LINKS_PER_COMPETENCY * graph.number_of_nodes()
    if len(counts) <= allowed or not counts:
        return at_least
    return max(at_least, counts[allowed - 1] + 1 if counts[allowed - 1] < counts[0] else counts[0])


def framed_together_chart(review, graph: nx.Graph, evidence: pd.DataFrame, at_least: int | None = None) -> go.Figure:
    """Competencies linked by the sources that frame both alike, links of at least
    `together_threshold` sources. Hover a competency for its strongest partners."""
    threshold = together_threshold(graph) if at_least is None else at_least
    drawn = nx.Graph()
    drawn.add_nodes_from(graph.nodes)
    drawn.add_edges_from((a, b, data) for a, b, data in graph.edges(data=True) if data["together"] >= threshold)
    place = _linked_places(drawn, "together")
    labels = dict(zip(evidence["competency"], evidence["label"]))
    classification = dict(zip(evidence["competency"], evidence["classification"]))
    fig = go.Figure()
    for framing in FRAMINGS:
        part = nx.Graph()
        part.add_edges_from((a, b, data) for a, b, data in drawn.edges(data=True) if _mostly(data) == framing)
        for trace in _edge_traces(part, place, "together", FRAMING_COLOURS[framing], 0, FRAMING_DASHES[framing],
                                  f"framed alike as {framing}", legend=True,
                                  strongest=max((d["together"] for *_, d in drawn.edges(data=True)), default=1)):
            fig.add_trace(trace)
    nodes = sorted(drawn.nodes)
    hover = [_partners_hover(c, graph, labels, classification) for c in nodes]
    small = len(nodes) <= LABELS_UP_TO
    sides = _label_sides(place, {c: labels.get(c, c) for c in nodes}, 11, TOGETHER_PLOT) if small else {}
    kinds = [classification.get(c, "insufficient") for c in nodes]
    fig.add_trace(_scatter(len(nodes))(
        x=[place[c][0] for c in nodes], y=[place[c][1] for c in nodes], customdata=nodes, name="competencies",
        mode="markers+text" if small else "markers", showlegend=False,
        text=[_escape(labels.get(c, c)) for c in nodes] if small else None,
        textposition=[sides[c] for c in nodes] if small else "top center",
        textfont=dict(size=11), hovertext=hover, hoverinfo="text",
        marker=dict(size=13, color=[CLASSIFICATION_COLOURS[k] for k in kinds],
                    symbol=[CLASSIFICATION_SYMBOLS[k] for k in kinds], line=dict(width=1, color=INK))))
    _classification_key(fig, kinds)
    fig.add_annotation(text=f"Linked: competencies framed alike by at least {plural(threshold, 'source')}<br>"
                            "(coloured by the framing most of them share); unlinked ones in the bottom row.",
                       xref="paper", yref="paper", x=0, y=1, yanchor="bottom", showarrow=False,
                       font=dict(size=11, color="#5f6368"))
    _padded(fig, place)
    fig.update_layout(hovermode="closest", dragmode="pan", meta={"at_least": threshold})
    return _layout(fig, "framed-together", 640 if len(nodes) <= 40 else 820)


def _linked_places(graph: nx.Graph, weight: str) -> dict[str, tuple[float, float]]:
    """A seeded spring layout of the linked nodes, pulled by their weight relative to the
    strongest (raw counts crush them into a knot), and the unlinked ones in a row under them:
    a spring layout throws them far out, which squeezes the rest."""
    linked = [node for node in graph.nodes if graph.degree(node)]
    strongest = max((data[weight] for *_, data in graph.edges(data=True)), default=1)
    pulled = nx.Graph()
    pulled.add_nodes_from(sorted(linked))
    pulled.add_edges_from((a, b, {"pull": data[weight] / strongest}) for a, b, data in graph.edges(data=True))
    place = _spring(pulled, "pull")
    alone = sorted(node for node in graph.nodes if not graph.degree(node))
    low = min((y for _, y in place.values()), default=0.0) - 0.35
    for i, node in enumerate(alone):
        place[node] = (round(-1 + 2 * (i + 0.5) / len(alone), 4), round(low, 4))
    return place


def _mostly(data: dict) -> str:
    return max(FRAMINGS, key=lambda f: data[f])


def _partners_hover(competency: str, graph: nx.Graph, labels: dict, classification: dict) -> str:
    partners = sorted(graph[competency].items(), key=lambda item: (-item[1]["together"], item[0]))[:5]
    lines = [f"{_escape(labels.get(c, c))}: {plural(d['together'], 'source')}, mostly {_mostly(d)}"
             for c, d in partners]
    kind = CLASSIFICATION_LABELS[classification.get(competency, "insufficient")]
    return (f"<b>{_escape(labels.get(competency, competency))}</b>: {kind}<br>"
            + ("Framed alike most often with:<br>" + "<br>".join(lines) if lines else "framed alike with no other"))


# ---------------------------------------------------------------- 4. ego views

def ego_chart(review, voices: pd.DataFrame, evidence: pd.DataFrame, kind: str, key: str) -> go.Figure:
    """`kind` 'competency': the competency (right) and its sources (left), pivotal ones ringed;
    'source': the source (left) and its competencies (right). Links in the framing's colour."""
    context = FigureContext(review, evidence, voices)
    if kind == "competency":
        rows = network.competency_ego(voices, key)
        pivotal = set(_pivotal(evidence, key))
        label = context.labels.get(key, key)
        others = [(k, context.cite.get(k, k)) for k in rows["citekey"]]
        quotes = [context.cited_quote(key, k) for k in rows["citekey"]]
        centre, name = _escape(label), "ego-competency"
        title = f"{_escape(label)}: its sources and how each frames it"
    elif kind == "source":
        rows = network.source_ego(voices, key)
        pivotal = {c for c in rows["competency"] if key in _pivotal(evidence, c)}
        others = [(c, context.labels.get(c, c)) for c in rows["competency"]]
        quotes = [context.cited_quote(c, key) for c in rows["competency"]]
        centre, name = _escape(context.cite.get(key, key)), "ego-source"
        title = f"{centre}: its competencies and how it frames each"
    else:
        raise ValueError(f"kind is 'competency' or 'source', not {kind!r}")
    return _ego(rows, others, quotes, pivotal, centre, name, title, kind)


def _pivotal(evidence: pd.DataFrame, competency: str) -> list[str]:
    found = evidence.loc[evidence["competency"] == competency, "pivotal_sources"]
    return [k.strip() for k in (found.iloc[0] if len(found) else "").split(",") if k.strip()]


def _ego(rows: pd.DataFrame, others: list[tuple[str, str]], quotes: list[str], pivotal: set, centre: str,
         name: str, title: str, kind: str) -> go.Figure:
    framing = rows["framing"].tolist()
    order = sorted(range(len(rows)), key=lambda i: (COMPOSITION.index(framing[i]) if framing[i] in COMPOSITION
                                                   else len(COMPOSITION), others[i][1].lower(), others[i][0]))
    n = len(order)
    side = 0.0 if kind == "competency" else 1.0  # where the others stand; the centre at the other side
    y = {i: (n - 1 - rank) / max(n - 1, 1) for rank, i in enumerate(order)}
    fig = go.Figure()
    for f in [f for f in COMPOSITION if f in framing] + sorted(set(framing) - set(COMPOSITION)):
        chosen = [i for i in order if framing[i] == f]
        xs, ys = _segments([(side, y[i]) for i in chosen], [(1 - side, 0.5)] * len(chosen))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name=f"framed as {f}",
                                 line=dict(color=FRAMING_COLOURS.get(f, INK), width=1.6 if n <= LABELS_UP_TO else 0.8,
                                           dash=FRAMING_DASHES.get(f, "solid"))))
    small = n <= LABELS_UP_TO
    hover = [f"<b>{_escape(others[i][1])}</b>: {framing[i]}"
             + (" — <b>pivotal</b>: leaving it out changes the classification" if others[i][0] in pivotal else "")
             + f"<br>{_shares(rows.iloc[i])}<br>" + "<br>".join(textwrap.wrap(quotes[i], 80)) for i in order]
    fig.add_trace(_scatter(n)(
        x=[side] * n, y=[y[i] for i in order], customdata=[others[i][0] for i in order], name="linked",
        mode="markers+text" if small else "markers", showlegend=False,
        text=[_spaced(_escape(others[i][1]), side) for i in order] if small else None,
        textposition="middle left" if side == 0 else "middle right", textfont=dict(size=11),
        hovertext=hover, hoverinfo="text",
        marker=dict(size=10 if small else 6, color=[FRAMING_COLOURS.get(framing[i], INK) for i in order],
                    symbol=[FRAMING_SYMBOLS.get(framing[i], "circle") for i in order],
                    line=dict(width=0.6, color="#ffffff"))))
    ringed = [i for i in order if others[i][0] in pivotal]
    linked = plural(n, "source") if side == 0 else plural(n, "competency", "competencies")
    fig.add_trace(go.Scatter(
        x=[side] * len(ringed), y=[y[i] for i in ringed], customdata=[others[i][0] for i in ringed], mode="markers",
        name="pivotal: leaving it out changes the classification", hoverinfo="skip", visible=True,
        showlegend=bool(ringed), marker=dict(size=20, symbol="circle-open", color=INK, line=dict(width=1.6))))
    fig.add_trace(go.Scatter(x=[1 - side], y=[0.5], mode="markers+text", text=[f"<b>{centre}</b>"], name="centre",
                             textposition="middle right" if side == 0 else "middle left", showlegend=False,
                             hovertext=[f"<b>{centre}</b>: {linked}"], hoverinfo="text",
                             marker=dict(size=18, color="#3b3b3b", line=dict(width=1, color=INK))))
    fig.update_xaxes(visible=False, range=[-1.25, 1.9] if side == 0 else [-0.9, 2.25], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.06, 1.06] if n > 1 else [0, 1])
    fig.update_layout(hovermode="closest", dragmode=False)
    rows_shown = min(n, LABELS_UP_TO) + (12 if n > LABELS_UP_TO else 0)
    return _layout(fig, name, int(max(300, 20 * rows_shown + 160)), title)


def _spaced(text: str, side: float) -> str:
    """A label kept clear of its mark's ring (plotly sets text flush against the mark)."""
    return f"{text}\u2002\u2002" if side == 0 else f"\u2002\u2002{text}"


def _shares(row: pd.Series) -> str:
    """A source's voice on a competency over the framings: 'leadership 1' or 'leadership ½, both ½'."""
    parts = [(f, row[f]) for f in FRAMINGS if row[f] > 0]
    return ", ".join(f"{f} {_count(round(v, 2))}" for f, v in parts) + f" (coders: {_escape(row['coders'])})"


__all__ = ["CAPTIONS", "TITLES", "ego_chart", "flow_values", "flows_chart", "framed_together_chart",
           "schools_chart", "together_threshold"]


# ---------------------------------------------------------------- in the report

REPORT_FIGURES = ("flows", "schools", "framed-together")
"""The figures the build draws with the others (HTML, PNG, SVG) and the report shows in its
section on what the network says; the ego views are one per competency and per source."""


def network_figures(review, voices: pd.DataFrame, evidence: pd.DataFrame,
                    made: network.Findings | None = None) -> dict[str, dict]:
    """The report's figures of the network by name, as plotly's plain dicts, from its networks
    (`made`, or made here); kept while what they show is unchanged (pages.kept)."""
    if voices.empty:
        return {}

    def draw() -> dict[str, dict]:
        sources, found, competencies = network.findings(voices) if made is None else made
        figures = {"flows": flows_chart(review, voices, evidence),
                   "schools": schools_chart(review, voices, sources, found),
                   "framed-together": framed_together_chart(review, competencies, evidence)}
        return {name: json.loads(figure.to_json()) for name, figure in figures.items()}

    return kept(review.path, "network-figures", shown_from(review, voices, evidence), draw)


def shown_from(review, voices: pd.DataFrame, evidence: pd.DataFrame) -> str:
    """The fingerprint of what the network's figures and section show: the voices, the
    competencies' evidence, the sources, their attributes and the quotes the hovers give."""
    quotes = review.quoted_codings[["competency", "citekey", "passage", "page", "quote"]]
    return frame_fingerprint(voices, evidence[["competency", "label", "group", "classification", "leadership_share",
                                               "pivotal_sources"]],
                             review.sources[["citekey", "author_year", "title", "year"]], review.attributes, quotes,
                             more=(repr(review.attribute_definitions),))


def _on_a_phone(layout: dict, data: list[dict]) -> dict[str, object]:
    """On a phone the marks' names would run into each other: they are left to the hover,
    which names each mark; the notes over the plot are wrapped to the screen."""
    changes: dict[str, object] = {f"data[{i}].mode": "markers" for i, trace in enumerate(data)
                                  if "text" in str(trace.get("mode", ""))}
    lines = 0
    for i, note in enumerate(layout.get("annotations", ())):
        wrapped = textwrap.wrap(str(note.get("text", "")).replace("<br>", " "), 48)
        changes[f"layout.annotations[{i}].text"] = "<br>".join(wrapped)
        lines = max(lines, len(wrapped))
    if lines:  # room above the plot for the wrapped note
        changes["layout.margin.t"] = 24 + 16 * lines
    return changes


def _print_named(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """Schools and competencies framed together in print: every mark named (a picture cannot
    name one on hover), the names placed again for the print's size and font. In one column
    the figure is drawn taller and the names wrapped, to give them room. The note over the
    plot as _print_notes has it."""
    height = round(1.5 * layout["height"]) if narrow else layout["height"]
    changes: dict[str, object] = {"layout.height": height}
    place = {key: (x, y) for trace in data if trace.get("customdata") is not None
             for key, x, y in zip(trace["customdata"], trace["x"], trace["y"])}
    named = [i for i, trace in enumerate(data) if trace.get("text") is not None and trace.get("customdata") is not None]
    texts = {key: "<br>".join(textwrap.wrap(str(text), 16)) if narrow else str(text)
             for i in named for key, text in zip(data[i]["customdata"], data[i]["text"])}
    # the plot: the width less its margins, the height less the title, note and key
    sides = _label_sides(place, texts, PRINT_FONT, (width - 20, (0.55 if narrow else 0.65) * height))
    for i in named:
        changes[f"data[{i}].mode"] = "markers+text"
        changes[f"data[{i}].text"] = [texts[key] for key in data[i]["customdata"]]
        changes[f"data[{i}].textposition"] = [sides[key] for key in data[i]["customdata"]]
    notes, room = _print_notes(layout, data, width, narrow)
    return {**changes, **notes}, room


def _print_notes(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """The notes over the plot wrapped to the print's width, with room for them under the title."""
    changes: dict[str, object] = {}
    line, room = round(1.25 * PRINT_FONT), 0
    for n, note in enumerate(layout.get("annotations", ())):
        wrapped = textwrap.wrap(str(note.get("text", "")).replace("<br>", " "), int(width / (0.52 * PRINT_FONT)))
        changes[f"layout.annotations[{n}].text"] = "<br>".join(wrapped)
        room = max(room, line * len(wrapped) + 8)
    return changes, room


_NARROW = {"flows": _on_a_phone, "schools": _on_a_phone, "framed-together": _on_a_phone}
_PRINT = {"flows": _print_notes, "schools": _print_named, "framed-together": _print_named}
for _name in REPORT_FIGURES:  # one of the review's figures: numbered, captioned, drawn for print
    register_figure(_name, TITLES[_name], CAPTIONS[_name], on_print=_PRINT.get(_name), when_narrow=_NARROW.get(_name))
