"""The review's figures (plotly): evidence, network, matrix, framing by year, coverage.

Every figure uses one template and the framing colours of `theme`, so leadership and
management look the same everywhere; every hover names the source author-year and, where
there is one, quotes it. Text from the review is escaped before it reaches a hover label.
Figures that can hold thousands of points use WebGL traces.

    >>> from litcoder import Review, weigh_evidence
    >>> review = Review.load(".")
    >>> figures = review_figures(review, weigh_evidence(review))
    >>> sorted(figures)
    ['coverage', 'evidence', 'matrix', 'network', 'years']
"""

from __future__ import annotations

import html
import itertools
import math
import re
import textwrap
import zlib

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from ..analysis.evidence import COMPOSITION, SPLIT, THRESHOLD, review_voices
from ..inputs.bibliography import with_page
from ..inputs.codebook import FRAMINGS
from ..inputs.codings import passages_coded
from .theme import CLASSIFICATION_COLOURS, CLASSIFICATION_LABELS, FONT, FRAMING_COLOURS, NOT_CODED, SPLIT_PATTERN

TEMPLATE = "litcoder"
WEBGL_FROM = 1000
"""Points from which a trace is drawn with WebGL (Scattergl)."""
LABELS_UP_TO = 60
"""Nodes of one layer that get printed labels; above this, labels are on hover only."""
QUOTE_CHARS = 160
QUOTES_UP_TO = 5000
"""Marks whose hover labels quote the source; above this, a figure's hovers cite without
quoting (or quote less), which keeps a large review's report light enough to open fast."""

ALL_LABEL = "all competencies"  # the pooled row of the agreement table (reliability.ALL)

TITLES = {
    "evidence": "Evidence per competency: sources framing it as management ← → leadership",
    "network": "Sources → competencies → leadership / management",
    "matrix": "How each source frames each competency",
    "years": "Framing by year of publication",
    "coverage": "Coding coverage: passages coded per coder and source (✓ finished)",
}


def _register_template() -> None:
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.font = dict(family=FONT, size=13, color="#1d1d1f")
    # from the figure's edge by its left margin (as the axis labels), not flush against it
    template.layout.title = dict(font=dict(size=17), x=0, xref="container", xanchor="left", pad=dict(l=10))
    template.layout.colorway = [FRAMING_COLOURS[f] for f in ("leadership", "management", "both", "neither")]
    template.layout.hoverlabel = dict(font=dict(family=FONT, size=12), align="left")
    template.layout.legend = dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0)
    pio.templates[TEMPLATE] = template


_register_template()


# ---------------------------------------------------------------- shared pieces

def plural(n: int, word: str, words: str = "") -> str:
    """'1 source', '2,000 sources'; `words`: the plural, when it is not `word` + s."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def _escape(text: str, limit: int | None = None) -> str:
    """Review text made safe and short for a hover label (plotly reads a little HTML)."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text)


class FigureContext:
    """What the figures share: citations, first quotes, the competencies in display order."""

    def __init__(self, review, evidence: pd.DataFrame, voices: pd.DataFrame | None):
        self.review = review
        self.evidence = evidence
        self.voices = review_voices(review) if voices is None else voices
        self.cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
        self.year = dict(zip(review.sources["citekey"], review.sources["year"]))
        first = review.quoted_codings.sort_values(["competency", "citekey", "passage", "coder"], kind="stable")
        first = first.drop_duplicates(["competency", "citekey"])
        competencies, citekeys = first["competency"].tolist(), first["citekey"].tolist()  # lists: far faster
        self.quote = dict(zip(zip(competencies, citekeys), first["quote"].tolist()))
        self.where = dict(zip(zip(competencies, citekeys), zip(first["page"].tolist(), first["passage"].tolist())))
        # competencies from management (bottom) to leadership (top)
        self.order = evidence.sort_values(["leadership_share", "label"], kind="stable")
        self.labels = dict(zip(evidence["competency"], evidence["label"]))

    def cited_quote(self, competency: str, citekey: str, limit: int = QUOTE_CHARS) -> str:
        return cited_quote(*self.first_quote(competency, citekey), limit)

    def first_quote(self, competency: str, citekey: str) -> tuple[str, tuple, str]:
        """(author-year, (page, passage), quote) of the first quote of a source on a competency; '' for none."""
        return (self.cite.get(citekey, citekey), self.where.get((competency, citekey), (None, None)),
                self.quote.get((competency, citekey), ""))


def cited_quote(cite: str, where: tuple, quote: str, limit: int = QUOTE_CHARS) -> str:
    """A hover's quote with its APA citation (FigureContext.first_quote's parts), escaped."""
    if not quote:
        return _escape(cite)
    return f"{_escape(with_page(cite, *where))}: “{_escape(quote, limit)}”"


COLOUR_BAR = {"thickness": 14, "ticklabelposition": "outside bottom"}
"""A continuous colour bar: its labels below their ticks, so that the top one stays clear of its title."""


def _layout(fig: go.Figure, name: str, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=TITLES[name], height=height, margin=dict(l=10, r=10, t=80, b=40))
    return fig


def _scatter(points: int):
    return go.Scattergl if points >= WEBGL_FROM else go.Scatter


# ---------------------------------------------------------------- 1. evidence per competency

def evidence_chart(context: FigureContext) -> go.Figure:
    """Diverging counts of sources (management ← → leadership), the sources off that axis,
    and the chance that more than half of the sources frame it as its strongest framing
    (the card's sentence, on hover); fragile marked ◆."""
    e = context.order
    labels = [f"{label} †" if f else label for label, f in zip(e["label"], e["fragile"])]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, column_widths=[0.42, 0.18, 0.4], horizontal_spacing=0.02,
                        subplot_titles=("sources: management ← → leadership", "neither, disputed<br>or split",
                                        "chance that more than half of the sources<br>"
                                        f"<sup>frame it as its strongest framing ({THRESHOLD:.0%} needed)</sup>"))
    fig.update_annotations(font_size=14)  # the panels' titles
    by_framing = {f: context.voices[context.voices["framing"] == f].groupby("competency")["citekey"].agg(list)
                  for f in COMPOSITION}

    def hover(framing: str) -> list[str]:
        out = []
        for competency, label in zip(e["competency"], e["label"]):
            keys = by_framing[framing].get(competency, [])
            lines = [context.cited_quote(competency, k, 90) for k in keys[:6]]
            more = f"<br>and {len(keys) - 6} more" if len(keys) > 6 else ""
            out.append(f"<b>{_escape(label)}</b>: {len(keys)} {framing}<br>" + "<br>".join(lines) + more)
        return out

    bars = [("management", -e["management_sources"], 1), ("both", -e["both_sources"] / 2, 1),
            ("both", e["both_sources"] / 2, 1), ("leadership", e["leadership_sources"], 1),
            ("neither", e["neither_sources"], 2), ("disputed", e["disputed_sources"], 2),
            (SPLIT, e[f"{SPLIT}_sources"], 2)]
    shown = set()
    for framing, values, col in bars:
        fig.add_trace(go.Bar(
            y=labels, x=values, orientation="h", name=framing, legendgroup=framing, showlegend=framing not in shown,
            marker=dict(color=FRAMING_COLOURS[framing], pattern=SPLIT_PATTERN if framing == SPLIT else None,
                        line=dict(width=0.5, color="#6b6b6b") if framing in ("disputed", SPLIT) else None),
            hovertext=hover(framing), hoverinfo="text"), row=1, col=col)
        shown.add(framing)
    strongest = e[[f"p_{f}" for f in FRAMINGS]].to_numpy().argmax(axis=1)
    framing = [FRAMINGS[i] for i in strongest]
    chance_of = [e[f"p_{f}"].iloc[i] for i, f in enumerate(framing)]
    fig.add_trace(go.Scatter(
        y=labels, x=chance_of, mode="markers", name="strongest framing", showlegend=False,
        marker=dict(size=11, color=[FRAMING_COLOURS[f] for f in framing],
                    symbol=["diamond" if f else "circle" for f in e["fragile"]], line=dict(width=1.5, color="#1d1d1f")),
        hovertext=[f"<b>{_escape(label)}</b>: {CLASSIFICATION_LABELS[c]}{' (fragile)' if fr else ''}<br>"
                   + "<br>".join(textwrap.wrap(_escape(why), 70))
                   for label, c, fr, why in zip(e["label"], e["classification"], e["fragile"], e["explanation"])],
        hoverinfo="text"), row=1, col=3)
    fig.add_vline(x=THRESHOLD, line=dict(color="#999", dash="dot"), row=1, col=3)
    fig.add_vline(x=0, line=dict(color="#555", width=1), row=1, col=1)
    fig.update_layout(barmode="relative", bargap=0.25,
                      legend=dict(orientation="h", yanchor="top", y=-40 / (160 + 26 * len(e)), x=0))
    fig.update_xaxes(row=1, col=3, range=[-0.03, 1.03], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    # counts of sources on both sides of the axis: management's are drawn leftwards, not negative
    reach = max(1, int(np.ceil(max((e["management_sources"] + e["both_sources"] / 2).max(),
                                   (e["leadership_sources"] + e["both_sources"] / 2).max()))))
    ticks = np.unique(np.round(np.linspace(-reach, reach, 5)).astype(int))
    fig.update_xaxes(row=1, col=1, tickvals=ticks, ticktext=[str(abs(v)) for v in ticks])
    fig.update_yaxes(automargin=True, tickfont=dict(size=12))
    fig.add_annotation(text="† fragile: leaving out one source changes the classification (◆ on the right)",
                       xref="paper", yref="paper", x=0, y=1.0, yanchor="bottom", yshift=24, showarrow=False,
                       font=dict(size=11, color="#5f6368"))
    fig = _layout(fig, "evidence", 220 + 26 * len(e))
    fig.update_layout(margin=dict(l=10, r=20, t=110, b=110))
    return fig


# ---------------------------------------------------------------- 2. the network

CATEGORY_HEIGHT = 1.08
FRAMING_DASHES = {"leadership": "solid", "management": "solid", "both": "dot", "neither": "dash",
                  "disputed": "dashdot", SPLIT: "longdash"}
"""Links of the framings besides the two main ones are dashed, so that they read apart in greys."""
CLASSIFICATION_SYMBOLS = {"leadership": "circle", "management": "square", "both": "diamond",
                          "neither": "triangle-up", "contested": "hexagon", "insufficient": "circle"}
"""Competencies' marks differ in shape by classification as well as in colour."""


def network_layout(context: FigureContext) -> dict[str, tuple[float, float]]:
    """Layers: sources (x 0), competencies (x 1), leadership / management (x 2).

    Competencies are stacked by leadership share, leadership at the top; each source sits
    at the mean height of its competencies (then spread evenly), which keeps lines short.
    """
    competencies = context.order["competency"].tolist()
    n = max(len(competencies) - 1, 1)
    position = {f"competency:{c}": (1.0, i / n) for i, c in enumerate(competencies)}
    # above and below every competency, so that their labels never meet
    position["category:leadership"] = (2.0, CATEGORY_HEIGHT)
    position["category:management"] = (2.0, 1 - CATEGORY_HEIGHT)
    height = {c: position[f"competency:{c}"][1] for c in competencies}
    voices = context.voices
    mean = voices.assign(h=voices["competency"].map(height)).groupby("citekey")["h"].mean()
    sources = context.review.sources["citekey"]
    order = sorted(sources, key=lambda k: (mean.get(k, 0.5), k))
    m = max(len(order) - 1, 1)
    position.update({f"source:{k}": (0.0, i / m) for i, k in enumerate(order)})
    return position


LIT_WIDTH = 2.8
"""A lit link's width: wider than any link at rest, in its framing's colour and dash."""
FADED = 0.3
"""What the links at rest keep of their opacity while a node's links are lit."""
UNSELECTED = dict(marker=dict(opacity=0.2), textfont=dict(color="#c4c4c4"))
"""Nodes outside the filters: faint, and so are their labels."""
LEAST_SOURCES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
"""The slider's steps: the least number of sources a competency needs to keep its links."""
MENU_ROW = 34
"""Pixels the row of menus takes below the plot."""
MENU_GAP = 10
NARROW_PLOT = 380
"""About how wide the network's plot is on a phone (390 px, less the page's and the figure's margins)."""
SLIDER_ROOM = 72
"""Pixels the slider takes below the menus: its current value, rail and steps' labels."""
HINT_ROOM = 24
"""Pixels the note on hovering takes below the controls (the page says it in the caption instead)."""


def network_chart(context: FigureContext) -> go.Figure:
    """The layered network. Hover a node to light its links: wider, in their framing's
    colour and dash, while the other links fade; click a node to keep them lit.

    Below the plot, menus show one framing or one group of competencies, and a slider the
    competencies coded in at least so many sources; the legend hides a framing's links. The
    framing menu and the legend work wherever plotly draws the figure (a notebook too); the
    group menu and the slider fade the competencies outside them there, and on the report's
    page (NETWORK_SCRIPT) also hide their links. Nodes carry a number (customdata);
    layout.meta lists the linked pairs of numbers, each link's framing and each competency's
    group and sources, which the page script reads.
    """
    pos = network_layout(context)
    ids = {node: i for i, node in enumerate(pos)}
    voices = context.voices
    fig = go.Figure()
    edges = voices[["citekey", "competency", "framing"]].to_numpy()
    # Many links are drawn faint, so that where they crowd shows as shade and a node's own
    # links, lit on hover, stand out.
    opacity = float(np.clip(120 / max(len(edges), 1), 0.06, 0.7))
    # Links are one SVG path per framing: for tens of thousands of lines plotly's WebGL line
    # renderer is several times slower to draw than a single path; the nodes use WebGL.
    for framing in COMPOSITION:
        chosen = edges[edges[:, 2] == framing]
        xs, ys = _fans([pos[f"source:{k}"] for k in chosen[:, 0]], [pos[f"competency:{c}"] for c in chosen[:, 1]])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"framed as {framing}", hoverinfo="skip",
                                 line=dict(color=FRAMING_COLOURS[framing], width=1.4 if opacity > 0.3 else 0.7,
                                           dash=FRAMING_DASHES[framing], simplify=False),
                                 opacity=opacity, legendgroup=framing, showlegend=False))
    for category, weight in _category_weights(voices).items():
        xs, ys = _segments([pos[f"competency:{c}"] for c in weight.index], [pos[f"category:{category}"]] * len(weight))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                                 name=f"competencies → {category}",
                                 line=dict(color=FRAMING_COLOURS[category], width=1), opacity=0.35))
    fig.add_trace(_source_nodes(context, pos, ids))
    fig.add_trace(_competency_nodes(context, pos, ids))
    fig.add_trace(go.Scatter(
        x=[pos["category:leadership"][0], pos["category:management"][0]],
        y=[pos["category:leadership"][1], pos["category:management"][1]], mode="markers+text",
        customdata=[ids["category:leadership"], ids["category:management"]],
        text=["<b>Leadership</b>", "<b>Management</b>"], textposition="middle right", showlegend=False,
        marker=dict(size=26, color=[FRAMING_COLOURS["leadership"], FRAMING_COLOURS["management"]],
                    line=dict(width=1, color="#1d1d1f")),
        hovertext=["Leadership", "Management"], hoverinfo="text", name="categories"))
    # The legend's entries (a gap, for a framing some source has): opaque, where the links at
    # rest may be too faint to show; a click on one hides that framing's links, at rest and lit.
    # The page's script draws the links of the node under the pointer as shapes in these
    # traces' colour, dash and width, so that a lit link keeps its framing's.
    for framing in COMPOSITION:
        some = bool((edges[:, 2] == framing).any())
        fig.add_trace(go.Scatter(x=[None] if some else [], y=[None] if some else [], mode="lines",
                                 name=f"framed as {framing}", hoverinfo="skip", legendgroup=framing,
                                 line=dict(color=FRAMING_COLOURS[framing], width=LIT_WIDTH,
                                           dash=FRAMING_DASHES[framing])))
    fig.update_xaxes(visible=False, range=[-0.6, 2.45])
    fig.update_yaxes(visible=False, range=[-0.16, 1.16])
    fig.update_layout(hovermode="closest", dragmode="pan", clickmode="event", meta=_network_meta(context, ids),
                      legend_title_text="Links (click one to hide it):")
    below = 10 + MENU_ROW + SLIDER_ROOM  # pixels under the plot for the controls
    fig.update_layout(updatemenus=_network_menus(context, fig), sliders=_network_slider(context, fig))
    fig.add_annotation(text="Hover a source or competency to light its links; click to keep them; "
                            "double-click to clear.",
                       xref="paper", yref="paper", x=0, y=0, yanchor="top", yshift=-below, showarrow=False,
                       font=dict(size=11, color="#5f6368"))
    n_sources = len(context.review.sources)
    height = int(min(1100, max(560, 28 * max(n_sources, len(context.order)) + 120)))
    _layout(fig, "network", height + below)
    fig.update_layout(margin=dict(b=below + HINT_ROOM + 6))
    return fig


def _category_weights(voices: pd.DataFrame) -> dict[str, pd.Series]:
    """How much each competency leans to leadership and to management (both counting half on
    each side), for the competencies that lean there at all."""
    sums = voices.groupby("competency")[list(FRAMINGS)].sum()
    weights = {category: sums[category] + sums["both"] / 2 for category in ("leadership", "management")}
    return {category: weight[weight > 0] for category, weight in weights.items()}


def _network_meta(context: FigureContext, ids) -> dict:
    """What the page script reads: the linked pairs of node numbers, each link's framing (its
    place in `framings`; a competency's link to a category has the category's), and each
    competency's group (its place in `groups`) and number of sources."""
    groups = list(dict.fromkeys(context.evidence["group"]))
    e = context.evidence
    return {"links": [[ids[a], ids[b]] for a, b in network_links(context)],
            "link_framings": [COMPOSITION.index(f) for f in network_link_framings(context)],
            "framings": list(COMPOSITION), "groups": groups,
            "competencies": {str(ids[f"competency:{c}"]): [groups.index(g), int(n)]
                             for c, g, n in zip(e["competency"], e["group"], e["sources"])}}


def _traces(fig: go.Figure, prefix: str) -> list[int]:
    return [i for i, trace in enumerate(fig.data) if trace.name and trace.name.startswith(prefix)]


def _trace(fig: go.Figure, name: str) -> int:
    return next(i for i, trace in enumerate(fig.data) if trace.name == name)


def _menu_width(labels, size: float = 12) -> int:
    """About how wide plotly draws a dropdown (a little wider): its longest label and the arrow."""
    return int(max(_text_width(html.unescape(label), size) for label in labels) + 44)


def _network_menus(context: FigureContext, fig: go.Figure) -> list[dict]:
    """A menu of framings, which shows one framing's links (the legend greys the others), and one of the
    codebook's groups, which fades the competencies of the other groups (and, on the report's
    page, hides their links); under the plot, opening upwards."""
    links = _traces(fig, "framed as")  # at rest, then lit (with the legend's entries)
    framing = [fig.data[i].legendgroup for i in links]
    shown = [f for f in COMPOSITION if (context.voices["framing"] == f).any()]
    framings = [{"label": "all framings", "method": "restyle", "args": [{"visible": True}, links]}]
    framings += [{"label": f"framed as {f}", "method": "restyle",
                  "args": [{"visible": [True if f == g else "legendonly" for g in framing]}, links]} for f in shown]
    competencies = _trace(fig, "competencies")
    order = context.order["competency"].tolist()
    e = context.evidence
    groups = [{"label": "all groups", "method": "restyle", "args": [{"selectedpoints": [None]}, [competencies]]}]
    for group, label in dict.fromkeys(zip(e["group"], e["group_label"])):
        members = set(e.loc[e["group"] == group, "competency"])
        groups.append({"label": _escape(label, 40), "method": "restyle",
                       "args": [{"selectedpoints": [[i for i, c in enumerate(order) if c in members]]},
                                [competencies]]})
    common = dict(type="dropdown", direction="up", x=0, xanchor="left", y=0, yanchor="top", showactive=True,
                  bgcolor="#ffffff", bordercolor="#9a9a9a", font=dict(size=12))
    # side by side: a menu's options open over the plot, never over the other menu
    menus = [dict(common, name="framing", buttons=framings, active=0, pad=dict(t=10, l=0))]
    if len(groups) > 2:  # one group: nothing to choose
        menus.append(dict(common, name="group", buttons=groups, active=0,
                          pad=dict(t=10, l=_menu_width(b["label"] for b in framings) + MENU_GAP)))
    return menus


def _least_steps(context: FigureContext) -> list[int]:
    most = int(context.evidence["sources"].max()) if len(context.evidence) else 0
    return [n for n in LEAST_SOURCES if n <= max(most, 1)]


def _network_slider(context: FigureContext, fig: go.Figure) -> list[dict]:
    """A slider of the least number of sources a competency needs to keep its links: those
    coded in fewer fade (and, on the report's page, lose their links)."""
    steps = _least_steps(context)
    if len(steps) < 2:
        return []
    competencies = _trace(fig, "competencies")
    sources = context.order["sources"].tolist()
    return [dict(name="least sources", active=0, x=0, xanchor="left", len=1, y=0, yanchor="top",
                 pad=dict(t=10 + MENU_ROW, b=0, l=0, r=0), font=dict(size=11), ticklen=4,
                 currentvalue=dict(prefix="Least sources per competency: ",
                                   font=dict(size=12), offset=6),
                 steps=[{"label": str(n), "value": str(n), "method": "restyle",
                         "args": [{"selectedpoints": [None if n == 1 else
                                                      [i for i, k in enumerate(sources) if k >= n]]},
                                  [competencies]]} for n in steps])]


def _segments(starts, ends) -> tuple[np.ndarray, np.ndarray]:
    """Line segments as x, y arrays with a gap (NaN) after each, for one trace of many lines."""
    count = len(starts)
    xs = np.full(count * 3, np.nan)
    ys = np.full(count * 3, np.nan)
    if count:
        a, b = np.array(starts, dtype=float), np.array(ends, dtype=float)
        xs[0::3], ys[0::3], xs[1::3], ys[1::3] = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    return np.round(xs, 4), np.round(ys, 4)


def _fans(starts, ends) -> tuple[np.ndarray, np.ndarray]:
    """Lines from each start to its ends as one polyline per start (s, e1, s, e2, s, …), with a
    gap (NaN) only between starts: WebGL draws a few thousand gaps far faster than one per line."""
    if not len(starts):
        return np.array([]), np.array([])
    a, b = np.array(starts, dtype=float), np.array(ends, dtype=float)
    order = np.lexsort((b[:, 1], a[:, 1], a[:, 0]))
    a, b = a[order], b[order]
    new = np.r_[True, (a[1:] != a[:-1]).any(axis=1)]  # the first line of each start
    points = []
    gap = np.array([[np.nan, np.nan]])
    starts_at = np.flatnonzero(new)
    for i, first in enumerate(starts_at):
        last = starts_at[i + 1] if i + 1 < len(starts_at) else len(a)
        fan = np.empty((2 * (last - first) + 1, 2))
        fan[0::2] = a[first]
        fan[1::2] = b[first:last]
        points += [fan, gap]
    joined = np.concatenate(points[:-1])
    return np.round(joined[:, 0], 4), np.round(joined[:, 1], 4)


def _source_nodes(context: FigureContext, pos, ids) -> go.Scatter:
    sources = context.review.sources
    links: dict[str, list[str]] = {}  # each source's competencies, in the voices' order
    for key, competency in zip(context.voices["citekey"].tolist(), context.voices["competency"].tolist()):
        links.setdefault(key, []).append(competency)
    keys = sources["citekey"].tolist()
    hover = []
    for key, title in zip(keys, sources["title"].tolist()):
        linked = links.get(key, [])
        names = [_escape(context.labels.get(c, c)) for c in linked[:12]] + (["…"] if len(linked) > 12 else [])
        names = "<br>".join(", ".join(names[i:i + 4]) for i in range(0, len(names), 4))
        hover.append(f"<b>{_escape(context.cite[key])}</b><br>{_escape(title, 90)}<br>"
                     f"{len(linked)} competencies:<br>{names}")
    small = len(keys) <= LABELS_UP_TO
    return _scatter(len(keys))(
        x=[pos[f"source:{k}"][0] for k in keys], y=[pos[f"source:{k}"][1] for k in keys],
        mode="markers+text" if small else "markers", text=[context.cite[k] for k in keys] if small else None,
        textposition="middle left", textfont=dict(size=11), name="sources", showlegend=False,
        customdata=[ids[f"source:{k}"] for k in keys], hovertext=hover, hoverinfo="text",
        marker=dict(size=9 if small else 5, color="#3b3b3b"), unselected=UNSELECTED)


def _competency_nodes(context: FigureContext, pos, ids) -> go.Scatter:
    e = context.order
    small = len(e) <= LABELS_UP_TO
    hover = [f"<b>{_escape(label)}</b>: {CLASSIFICATION_LABELS[c]}{' (fragile)' if f else ''}<br>"
             f"group: {_escape(group)}<br>"
             f"{n} sources: {ls} leadership, {ms} management, {bs} both, {ns} neither, {ds} disputed, {ss} split"
             for label, c, f, group, n, ls, ms, bs, ns, ds, ss in zip(
                 e["label"], e["classification"], e["fragile"], e["group_label"], e["sources"],
                 e["leadership_sources"], e["management_sources"], e["both_sources"], e["neither_sources"],
                 e["disputed_sources"], e["split_sources"])]
    return go.Scatter(
        x=[1.0] * len(e), y=[pos[f"competency:{c}"][1] for c in e["competency"]],
        mode="markers+text" if small else "markers", text=e["label"].tolist() if small else None,
        textposition="middle right", textfont=dict(size=11), name="competencies", showlegend=False,
        customdata=[ids[f"competency:{c}"] for c in e["competency"]], hovertext=hover, hoverinfo="text",
        marker=dict(size=12 if small else 7, color=[CLASSIFICATION_COLOURS[c] for c in e["classification"]],
                    symbol=[CLASSIFICATION_SYMBOLS[c] for c in e["classification"]],
                    line=dict(width=1, color="#1d1d1f")), unselected=UNSELECTED)


NETWORK_SCRIPT = """function (gd) {
  var FADED = {FADED};
  // Bound again at each draw (the report redraws a figure when the screen turns narrow or wide).
  ['plotly_hover', 'plotly_unhover', 'plotly_click', 'plotly_doubleclick', 'plotly_buttonclicked',
   'plotly_sliderchange', 'plotly_restyle'].forEach(function (e) { gd.removeAllListeners(e); });
  var data = gd.data, meta = gd.layout.meta || {}, framings = meta.framings || [];
  var links = meta.links || [], codes = meta.link_framings || [], competency = meta.competencies || {};
  function named(name) { for (var i = 0; i < data.length; i++) if (data[i].name === name) return i; return -1; }
  function framed(f, legend) {  // a framing's links at rest (no legend entry), or lit (with the entry)
    for (var i = 0; i < data.length; i++) {
      if (data[i].name === 'framed as ' + f && (data[i].showlegend !== false) === legend) return i;
    }
    return -1;
  }
  var base = framings.map(function (f) { return framed(f, false); });
  var lit = framings.map(function (f) { return framed(f, true); });
  var sources = named('sources'), competencies = named('competencies');
  var toCategory = {};  // a category's node number → its trace of links from the competencies
  data.forEach(function (t, i) { if (t.name === 'categories') t.hovertext.forEach(function (h, j) {
    toCategory[t.customdata[j]] = named('competencies → ' + h.toLowerCase());
  }); });
  var faded = base.concat(Object.keys(toCategory).map(function (k) { return toCategory[k]; }));
  // The links at rest faded by a style sheet over their groups while the figure has the class
  // lit-links (plotly.js's own style gives way to it, and keeps it through a zoom), not by a
  // restyle, which would redraw them all; each group a layer of its own, so that the browser
  // fades it without painting its thousands of lines again.
  var fading = document.getElementById('lit-fading') || document.head.appendChild(document.createElement('style'));
  fading.id = 'lit-fading';
  fading.textContent = faded.map(function (i) {
    var o = data[i].opacity === undefined ? 1 : data[i].opacity;
    var trace = '.trace' + (data[i].uid || gd._fullData[i].uid);
    return '.js-plotly-plot ' + trace + ' { will-change: opacity; } .js-plotly-plot.lit-links ' + trace
      + ' { opacity: ' + o * FADED + ' !important; }';
  }).join(' ');
  var resting = (gd.layout.shapes || []).filter(function (s) { return !/^lit/.test(s.name || ''); });
  var where = {}, touching = {}, kept = null;
  data.forEach(function (trace) {
    if (!trace.customdata) return;
    for (var i = 0; i < trace.customdata.length; i++) where[trace.customdata[i]] = [trace.x[i], trace.y[i]];
  });
  links.forEach(function (e, i) { [e[0], e[1]].forEach(function (n) { (touching[n] = touching[n] || []).push(i); }); });
  function active(name) {
    var menu = (gd.layout.updatemenus || []).filter(function (m) { return m.name === name; })[0];
    return menu ? menu.active || 0 : 0;
  }
  function least() {
    var slider = (gd.layout.sliders || [])[0], step = slider && slider.steps[slider.active || 0];
    return step ? Number(step.value) : 0;
  }
  // A link passes the filters when its competency is in the chosen group with enough sources;
  // a source's link is lit only when its framing is shown too (the menu of framings, the legend).
  function filters() {
    var group = active('group') - 1, atLeast = least();
    return function (i) {
      var e = links[i], c = competency[e[0]] || competency[e[1]];
      return !(c && ((group >= 0 && c[0] !== group) || c[1] < atLeast));
    };
  }
  function shown(passes) {
    return function (i) {
      if (!passes(i)) return false;
      if (competency[links[i][0]]) return true;  // a competency's link to leadership or management
      var v = data[base[codes[i]]].visible;
      return v === undefined || v === true;
    };
  }
  function ring(at, colour, size) {  // a ring round a node, `size` pixels across at any zoom
    return {type: 'circle', name: 'lit: ring', layer: 'above', xref: 'x', yref: 'y', xsizemode: 'pixel',
            ysizemode: 'pixel', xanchor: at[0], yanchor: at[1], x0: -size / 2, x1: size / 2, y0: -size / 2,
            y1: size / 2, line: {color: colour, width: 2}};
  }
  // A node's links, lit: shapes over the plot in their framing's colour, dash and width (its lit
  // trace's), and a ring in that colour round each node they reach. Shapes are redrawn alone;
  // new points in a trace would make plotly.js work out every trace again (seconds at 2,000 sources).
  function light(node) {
    var lights = shown(filters()), at = where[node], lines = [], rings = [];
    (touching[node] || []).forEach(function (i) {
      var e = links[i], to = where[e[0] === node ? e[1] : e[0]], trace = data[lit[codes[i]]];
      if (!at || !to || !lights(i)) return;
      lines.push({type: 'line', name: 'lit: ' + trace.name, layer: 'above', xref: 'x', yref: 'y',
                  x0: at[0], y0: at[1], x1: to[0], y1: to[1],
                  line: {color: trace.line.color, width: trace.line.width, dash: trace.line.dash}});
      rings.push(ring(to, trace.line.color, 14));
    });
    if (lines.length) rings.push(ring(at, '#1d1d1f', 18));
    gd.classList.add('lit-links');
    Plotly.relayout(gd, {shapes: resting.concat(lines, rings)});
  }
  function clear() {
    gd.classList.remove('lit-links');
    Plotly.relayout(gd, {shapes: resting});
  }
  // The links at rest, drawn anew from the filters: a source's links as one fan (s, c1, s, c2, …).
  function filter() {
    var passes = filters(), xs = {}, ys = {}, linked = {}, fans = {};
    faded.forEach(function (t) { xs[t] = []; ys[t] = []; fans[t] = {}; });
    links.forEach(function (e, i) {
      if (!passes(i)) return;
      linked[e[0]] = linked[e[1]] = true;
      var a = where[e[0]], b = where[e[1]];
      if (competency[e[0]]) { var t = toCategory[e[1]]; xs[t].push(a[0], b[0], null); ys[t].push(a[1], b[1], null); }
      else (fans[base[codes[i]]][e[0]] = fans[base[codes[i]]][e[0]] || []).push(b);
    });
    Object.keys(fans).forEach(function (t) { Object.keys(fans[t]).forEach(function (s) {
      var a = where[s];
      fans[t][s].forEach(function (b) { xs[t].push(a[0], b[0]); ys[t].push(a[1], b[1]); });
      xs[t].push(a[0], null); ys[t].push(a[1], null);
    }); });
    function chosen(t) {  // the points of a trace of nodes left with a link, or null for all of them
      var points = [];
      data[t].customdata.forEach(function (n, j) { if (linked[n]) points.push(j); });
      return points.length === data[t].customdata.length ? null : points;
    }
    var more = [undefined, undefined];
    Plotly.restyle(gd, {x: faded.map(function (t) { return xs[t]; }).concat(more),
                        y: faded.map(function (t) { return ys[t]; }).concat(more),
                        selectedpoints: faded.map(function () { return undefined; })
                          .concat([chosen(sources), chosen(competencies)])}, faded.concat([sources, competencies]));
    if (kept !== null) light(kept);
  }
  gd.on('plotly_hover', function (ev) {
    var p = ev.points[0]; if (p && p.customdata !== undefined) light(p.customdata);
  });
  gd.on('plotly_unhover', function () { if (kept !== null) light(kept); else clear(); });
  // plotly.js follows a double-click on a node with that node's click: not to be kept again
  var cleared = 0;
  gd.on('plotly_click', function (ev) {
    var p = ev.points[0];
    if (p && p.customdata !== undefined && Date.now() - cleared > 300) { kept = p.customdata; light(kept); }
  });
  gd.on('plotly_doubleclick', function () {  // cleared once plotly.js has reset the axes
    kept = null; cleared = Date.now(); setTimeout(clear, 0);
  });
  gd.on('plotly_buttonclicked', filter);
  gd.on('plotly_sliderchange', filter);
  // a framing hidden (or shown again) from the legend or the menu: the kept node's links follow
  gd.on('plotly_restyle', function () { if (kept !== null) light(kept); });
}""".replace("{FADED}", str(FADED))


def network_links(context: FigureContext) -> list[list[str]]:
    """The linked pairs of nodes, by name: source → competency, competency → category."""
    pairs = [[f"source:{k}", f"competency:{c}"]
             for k, c in zip(context.voices["citekey"].tolist(), context.voices["competency"].tolist())]
    for category, weight in _category_weights(context.voices).items():
        pairs += [[f"competency:{c}", f"category:{category}"] for c in weight.index]
    return pairs


def network_link_framings(context: FigureContext) -> list[str]:
    """Each link's framing, in `network_links`' order: a source's framing of the competency;
    for a competency's link to leadership or management, that category."""
    framings = context.voices["framing"].tolist()
    for category, weight in _category_weights(context.voices).items():
        framings += [category] * len(weight)
    return framings


# ---------------------------------------------------------------- 3. source × competency matrix

FRAMING_CODES = {"": 0, "management": 1, "both": 2, "neither": 3, SPLIT: 4, "disputed": 5, "leadership": 6}
FRAMING_LETTERS = {"management": "M", "both": "B", "neither": "N", SPLIT: "S", "disputed": "D", "leadership": "L"}
"""Written in the matrix's cells when there is room, so that it reads in greys and to any eye."""
LETTERS_UP_TO = 5000
"""Cells of the matrix from which it is drawn without letters (small cells, a heavy page)."""


def matrix_chart(context: FigureContext) -> go.Figure:
    """Sources (rows, by year) × competencies (columns, management → leadership), coloured by framing."""
    sources = context.review.sources.sort_values(["year", "author_year"], kind="stable", na_position="last")
    keys = sources["citekey"].tolist()
    competencies = context.order["competency"].tolist()
    row, col = {k: i for i, k in enumerate(keys)}, {c: j for j, c in enumerate(competencies)}
    z = np.zeros((len(keys), len(competencies)), dtype=np.int8)
    hover = np.full(z.shape, "", dtype=object)
    v = context.voices
    quoted = len(v) <= QUOTES_UP_TO
    for key, competency, framing, coders in zip(*(v[c].tolist() for c in ("citekey", "competency", "framing",
                                                                          "coder_framings"))):  # lists: far faster
        i, j = row[key], col[competency]
        z[i, j] = FRAMING_CODES[framing]
        quote = f"<br>“{_escape(context.quote.get((competency, key), ''), 110)}”" if quoted else ""
        hover[i, j] = f"{framing}{quote}<br>{_escape(coders)}"
    letters = None
    if z.size <= LETTERS_UP_TO and len(competencies) <= LABELS_UP_TO:
        by_code = np.full(len(FRAMING_CODES), "", dtype=object)
        for framing, letter in FRAMING_LETTERS.items():
            by_code[FRAMING_CODES[framing]] = letter
        letters = by_code[z]
    order = list(FRAMING_CODES)
    colours = [NOT_CODED] + [FRAMING_COLOURS[f] for f in order[1:]]
    scale = []
    for code, colour in enumerate(colours):
        scale += [[code / len(colours), colour], [(code + 1) / len(colours), colour]]
    fig = go.Figure(go.Heatmap(
        z=z, x=[context.labels[c] for c in competencies], y=[context.cite[k] for k in keys], zmin=-0.5,
        zmax=len(colours) - 0.5, colorscale=scale, hovertext=hover,
        # white lines between cells only where cells are several pixels wide: else they hide them
        xgap=1 if len(competencies) <= LABELS_UP_TO else 0, ygap=1 if len(keys) <= 2 * LABELS_UP_TO else 0,
        hovertemplate="<b>%{x}</b> — %{y}<br>%{hovertext}<extra></extra>",
        text=letters, texttemplate="%{text}" if letters is not None else None, textfont=dict(size=10),
        colorbar=dict(title="framing", tickvals=list(range(len(colours))),
                      ticktext=["not coded", *(f"{f} ({FRAMING_LETTERS[f]})" for f in order[1:])],
                      thickness=14, lenmode="pixels", len=300, y=1, yanchor="top")))
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont=dict(size=11))
    fig.update_xaxes(tickangle=-45, automargin=True, side="top", tickfont=dict(size=11))
    return _layout(fig, "matrix", int(min(1400, max(420, 22 * len(keys) + 260))))


# ---------------------------------------------------------------- 4. framing by year

def years_chart(context: FigureContext) -> go.Figure:
    """How the literature's framing of each competency moved with the year of publication.

    Up to QUOTES_UP_TO marks: one mark per source and competency at the source's year,
    coloured by framing, its hover quoting the source. Beyond that, marks would hide one
    another, so each competency × year cell shows the leadership share of that year's sources.
    """
    v = context.voices.assign(year=context.voices["citekey"].map(context.year)).dropna(subset=["year"])
    fig = _years_marks(context, v) if len(v) <= QUOTES_UP_TO else _years_shares(context, v)
    fig.update_xaxes(title_text="year of publication", showgrid=True, dtick=10)
    return _layout(fig, "years", 160 + 26 * len(context.order))


FRAMING_SYMBOLS = {"leadership": "circle", "management": "square", "both": "diamond", "neither": "triangle-up",
                   "disputed": "x", SPLIT: "triangle-down"}
"""Each framing's mark, so that framings differ in shape as well as colour (in greys, to any eye)."""


def _years_marks(context: FigureContext, v: pd.DataFrame) -> go.Figure:
    height = {c: i for i, c in enumerate(context.order["competency"])}
    fig = go.Figure()
    for framing in ("management", "both", "neither", SPLIT, "disputed", "leadership"):
        part = v[v["framing"] == framing]
        # A small, fixed jitter (from the citekey) keeps sources of one year apart.
        jitter = np.array([(zlib.crc32(k.encode()) % 1000) / 1000 - 0.5 for k in part["citekey"].tolist()]) * 0.5
        fig.add_trace(_scatter(len(part))(
            x=part["year"].astype(float) + jitter * 0.8, y=part["competency"].map(height) + jitter * 0.6,
            mode="markers", name=framing,
            marker=dict(size=9, color=FRAMING_COLOURS[framing], opacity=0.85, symbol=FRAMING_SYMBOLS[framing],
                        line=dict(width=0.6, color="#555" if framing in ("disputed", SPLIT) else "#fff")),
            hovertext=[f"<b>{_escape(context.labels[c])}</b> — {framing}<br>{context.cited_quote(c, k)}"
                       for c, k in zip(part["competency"].tolist(), part["citekey"].tolist())], hoverinfo="text"))
    labels = context.order["label"].tolist()
    fig.update_yaxes(tickvals=list(range(len(labels))), ticktext=labels, automargin=True,
                     range=[-0.7, len(labels) - 0.3], tickfont=dict(size=12))
    return fig


def _years_shares(context: FigureContext, v: pd.DataFrame) -> go.Figure:
    cells = v.groupby(["competency", "year"])[list(FRAMINGS)].sum()
    axis = cells["leadership"] + cells["management"] + cells["both"]
    share = ((cells["leadership"] + cells["both"] / 2) / axis.where(axis > 0)).unstack()
    counts = cells.sum(axis=1).unstack()
    competencies = [c for c in context.order["competency"] if c in share.index]
    share, counts = share.reindex(competencies), counts.reindex(competencies)
    text = [[f"{int(n)} sources, leadership share {s:.0%}" if n == n and s == s else
             (f"{int(n)} sources, none on the leadership–management axis" if n == n else "")
             for n, s in zip(counts.loc[c], share.loc[c])] for c in competencies]
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy(dtype=float), x=[int(y) for y in share.columns], y=[context.labels[c] for c in competencies],
        zmin=0, zmax=1, text=text, hovertemplate="<b>%{y}</b>, %{x}<br>%{text}<extra></extra>",
        colorscale=[[0, FRAMING_COLOURS["management"]], [0.5, "#f2f2f2"], [1, FRAMING_COLOURS["leadership"]]],
        colorbar=dict(title="leadership<br>share", tickformat=".0%", **COLOUR_BAR)))
    fig.update_yaxes(automargin=True, tickfont=dict(size=12))
    return fig


# ---------------------------------------------------------------- 5. coverage

def coverage_chart(context: FigureContext) -> go.Figure:
    """Passages coded per coder and source, as a share of the source's passages."""
    review = context.review
    sources = review.sources.sort_values(["year", "author_year"], kind="stable", na_position="last")
    table = passages_coded(sources, review.codings, review.coverage)
    coders = sorted(table["coder"].unique())
    wide = {column: table.pivot(index="citekey", columns="coder", values=column).reindex(
        index=sources["citekey"], columns=coders)
        for column in ("passages_coded", "codings", "share_coded", "finished")}
    totals = sources.set_index("citekey")["passages"]
    keys = sources["citekey"].tolist()
    # each source's row as a list (wide's rows are the sources, in keys' order): one .loc per cell is slow
    rows = {column: frame.to_numpy(dtype=object).tolist() for column, frame in wide.items()}
    hover = [[f"<b>{_escape(c)}</b> coded {n} of {totals[k]} passages of {_escape(context.cite[k])} ({m} codings)"
              f"<br>{'finished' if done else 'not marked finished'}"
              for c, n, m, done in zip(coders, rows["passages_coded"][i], rows["codings"][i], rows["finished"][i])]
             for i, k in enumerate(keys)]
    few = len(keys) <= LABELS_UP_TO
    fig = go.Figure(go.Heatmap(
        z=wide["share_coded"].to_numpy(dtype=float), x=coders, y=[context.cite[k] for k in keys], zmin=0, zmax=1,
        colorscale=[[0, NOT_CODED], [1, "#3b3b3b"]], xgap=2, ygap=1, hovertext=hover, hoverinfo="text",
        text=[[f"{n}/{totals[k]}{' ✓' if done else ''}" if n or done else ""
               for n, done in zip(rows["passages_coded"][i], rows["finished"][i])]
              for i, k in enumerate(keys)] if few else None,
        texttemplate="%{text}" if few else None, textfont=dict(size=11),
        colorbar=dict(title="share of<br>passages coded", tickformat=".0%", **COLOUR_BAR)))
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont=dict(size=11))
    fig.update_xaxes(side="top")
    return _layout(fig, "coverage", int(min(1400, max(360, 22 * len(keys) + 200))))


# ---------------------------------------------------------------- all of them

def review_figures(review, evidence: pd.DataFrame, voices: pd.DataFrame | None = None,
                   agreement: pd.DataFrame | None = None, pairs: pd.DataFrame | None = None) -> dict[str, go.Figure]:
    """Every figure of the review, by name (the agreement ones when its tables are given)."""
    context = FigureContext(review, evidence, voices)
    figures = {
        "evidence": evidence_chart(context),
        "network": network_chart(context),
        "matrix": matrix_chart(context),
        "years": years_chart(context),
        "coverage": coverage_chart(context),
    }
    if agreement is not None and len(agreement):
        figures["agreement"] = agreement_chart(agreement)
    if pairs is not None and len(pairs):
        figures["pairs"] = pairs_chart(pairs)
    for name, fig in figures.items():  # fixed trace ids, so exported files do not change between builds
        for i, trace in enumerate(fig.data):
            trace.uid = f"{name}-{i}"
    return figures


def figure_script(name: str) -> str:
    """The page script a figure needs (the network's link highlighting), as the text of a
    JavaScript function of the figure's div, or ''."""
    return NETWORK_SCRIPT if name == "network" else ""


# ---------------------------------------------------------------- 6–7. agreement

RELIABLE, TENTATIVE = 0.800, 0.667
"""Krippendorff's (2004) thresholds: alpha ≥ .800 for reliable data, ≥ .667 for tentative conclusions."""

TITLES.update({
    "agreement": "Agreement per competency: Krippendorff's alpha with 95% bootstrap intervals",
    "pairs": "Agreement per pair of coders (Krippendorff's alpha)",
})


def agreement_chart(table: pd.DataFrame) -> go.Figure:
    """A forest plot: alpha per competency (and over all), for presence and framing."""
    alpha = table[table["coefficient"] == "Krippendorff's alpha"]
    labels = [ALL_LABEL] + list(dict.fromkeys(alpha.loc[alpha["label"] != ALL_LABEL, "label"]))
    position = {label: len(labels) - 1 - i for i, label in enumerate(labels)}  # codebook order, top down
    fig = go.Figure()
    # the two measures differ in shape and lightness as well as hue, so they read in greys
    for offset, (measure, colour, symbol) in zip((0.18, -0.18), (("presence", "#3b3b3b", "circle"),
                                                                 ("framing", "#009E73", "diamond"))):
        part = alpha[alpha["measure"] == measure]
        y = [position[label] + offset for label in part["label"]]
        fig.add_trace(go.Scatter(
            x=part["value"], y=y, mode="markers", name=f"{measure}", marker=dict(size=9, color=colour, symbol=symbol),
            error_x=dict(type="data", symmetric=False, array=(part["high"] - part["value"]).clip(lower=0),
                         arrayminus=(part["value"] - part["low"]).clip(lower=0), color=colour, thickness=1.2),
            hovertext=[f"<b>{_escape(label)}</b> — {measure}<br>alpha {v:.3f} ({lo:.3f} to {hi:.3f}), {int(n)} units"
                       for label, v, lo, hi, n in zip(part["label"], part["value"], part["low"], part["high"],
                                                      part["units"])],
            hoverinfo="text"))
    for x, name, side in ((RELIABLE, "reliable (.800)", "top right"), (TENTATIVE, "tentative (.667)", "top left")):
        fig.add_vline(x=x, line=dict(color="#999", dash="dot"), annotation_text=name, annotation_position=side)
    bottom_up = sorted(position, key=position.get)
    fig.update_yaxes(tickvals=[position[label] for label in bottom_up], automargin=True,
                     ticktext=[f"<b>{label}</b>" if label == ALL_LABEL else label for label in bottom_up])
    # from the lowest interval (or -0.5) to just past 1, so that no interval or mark at alpha 1 is cut
    lowest = min(-0.5, float(np.nanmin(alpha["low"], initial=0)) - 0.05)
    fig.update_traces(cliponaxis=False)
    fig.update_xaxes(title_text="Krippendorff's alpha (nominal)", range=[lowest, 1.05])
    return _layout(fig, "agreement", 160 + 26 * len(labels))


def pairs_chart(pairs: pd.DataFrame) -> go.Figure:
    """Alpha for each pair of coders, presence and framing side by side."""
    coders = sorted(set(pairs["coder_a"]) | set(pairs["coder_b"]))
    fig = make_subplots(rows=1, cols=2, subplot_titles=("presence of competencies", "framing"),
                        horizontal_spacing=0.12)
    for col, measure in ((1, "presence"), (2, "framing")):
        z = np.full((len(coders), len(coders)), np.nan)
        text = np.full(z.shape, "", dtype=object)
        for row in pairs.itertuples(index=False):
            i, j = coders.index(row.coder_a), coders.index(row.coder_b)
            value, units = getattr(row, f"{measure}_alpha"), getattr(row, f"{measure}_units")
            kappa = getattr(row, f"{measure}_kappa")
            paradox = ""
            if measure == "presence":
                paradox = (f"<br>prevalence index {row.presence_prevalence_index:.2f}, bias index "
                           f"{row.presence_bias_index:.2f}, PABAK {row.presence_pabak:.3f}")
            for a, b in ((i, j), (j, i)):
                z[a, b] = value
                text[a, b] = (f"{coders[i]} × {coders[j]}<br>alpha {value:.3f}, Cohen's kappa {kappa:.3f}"
                              f"{paradox}<br>{units} units")
        fig.add_trace(go.Heatmap(z=z, x=coders, y=coders, zmin=0, zmax=1, text=text, hoverinfo="text",
                                 texttemplate="%{z:.2f}", colorscale=[[0, "#f2f2f2"], [1, "#3b3b3b"]],
                                 showscale=col == 2, colorbar=dict(title="alpha", **COLOUR_BAR)), row=1, col=col)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "pairs", 220 + 50 * len(coders))


# ---------------------------------------------------------------- on the report's page

CAPTIONS = {
    "evidence": "Left: how many sources frame each competency as management or leadership (a source framing it as "
                "both counts half on each side). Middle: the sources off that axis: framing it as neither, disputed "
                "(their coders' main framings differ) or split evenly (no coder has a main framing there). Right: the "
                f"chance that more than half of the sources frame the competency as its strongest framing (the "
                f"mark's colour); at {THRESHOLD:.0%} or more it is classified so, else it is contested or, when the "
                "sources agree but are few, insufficient. Hover for the sentence on its card. † and ◆ mark a "
                "fragile classification: leaving out one source changes it.",
    "network": "Sources (left) are linked to the competencies they were coded to (middle), coloured and dashed "
               "by how they frame them; competencies are linked to leadership and management. Hover or tap a "
               "source or a competency to light its links: drawn wider, each in its framing's colour, while the "
               "others fade; click to keep them; double-click to clear. Below the plot, click a menu to show one "
               "framing or one group of competencies, or slide to hide the links of competencies coded in fewer "
               "sources; click a framing in the legend to hide its links.",
    "matrix": "Each cell is one source and one competency, coloured by the framing of the source's coders.",
    "years": "Each mark is one source coded to a competency, at the source's year of publication, coloured by its "
             "framing.",
    "coverage": "The share of each source's passages a coder has coded; ✓ marks a source the coder has finished.",
    "agreement": "Dotted lines: Krippendorff's thresholds, .667 for tentative conclusions and .800 for reliable "
                 "data. Presence: whether coders code the competency in a passage; framing: whether they frame it "
                 "alike.",
    "pairs": "Krippendorff's alpha for each pair of coders, on the presence of competencies and on their framing.",
}
"""What each figure shows, said under its heading in the report (where it wraps on any screen)."""

NARROW = 800
"""Figures narrower than this (in CSS pixels: a phone) take their `narrow_changes`."""
NARROW_FONT = 10


def page_changes(name: str, figure: dict) -> dict[str, object]:
    """Changes to a figure's layout (a `Figure.to_dict()`) on the report's page, whatever the width:
    no title, as the page gives it as a heading (which wraps), and no notes that CAPTIONS
    says in the page's text; the exports keep both. Paths as in `set_path`."""
    changes: dict[str, object] = {"layout.title.text": "", "layout.margin.t": 30}
    layout = figure["layout"]
    if name == "evidence":
        fragile = len(layout.get("annotations", ())) - 1  # the note on fragile classifications
        changes.update({f"layout.annotations[{fragile}].visible": False, "layout.margin.t": 40})
    elif name == "network":
        changes["layout.annotations[0].visible"] = False  # how to light links: in the caption
        changes["layout.margin.b"] = layout["margin"]["b"] - HINT_ROOM
    elif name in ("matrix", "coverage"):
        changes["layout.margin.t"] = 10  # their column labels are on top, with room of their own
    elif name == "pairs":
        changes["layout.margin.t"] = 40
    elif name.startswith("by-"):  # framing by an attribute: its key moves up into the title's room
        changes.update({"layout.margin.t": layout["margin"]["t"] - 40, "layout.legend.y": 1 - 8 / layout["height"]})
    return changes


def narrow_changes(name: str, figure: dict) -> dict[str, object]:
    """Changes to a figure on the report's page when it is narrower than NARROW: smaller
    type, panels stacked rather than side by side, colour bars below, fewer ticks; the
    matrix may be drawn transposed (`narrow_transposed`)."""
    layout, data = figure["layout"], figure["data"]
    changes: dict[str, object] = {"layout.font.size": 11, "layout.margin.l": 4, "layout.margin.r": 4}
    for axis in (k for k in layout if k.startswith(("xaxis", "yaxis"))):
        changes[f"layout.{axis}.tickfont.size"] = NARROW_FONT
    changes.update(_NARROW[name](layout, data) if name in _NARROW else
                   _narrow_by_attribute(layout, data) if name.startswith("by-") else {})
    return changes


def narrow_transposed(name: str, figure: dict) -> list[int]:
    """The traces (heatmaps) a narrow screen draws transposed, their x and y swapped, z and
    texts transposed: the matrix, when it has fewer sources than competencies, so that the
    longer side runs down the screen."""
    if name == "matrix" and len(figure["data"][0]["y"]) <= len(figure["data"][0]["x"]):
        return [0]
    return []


def _index(data: list[dict], name: str) -> int:
    return next(i for i, trace in enumerate(data) if trace.get("name") == name)


def _below_colourbar(trace: int, y: float = -0.04) -> dict[str, object]:
    """A heatmap's colour bar as a horizontal bar below the plot."""
    return {f"data[{trace}].colorbar.orientation": "h", f"data[{trace}].colorbar.x": 0,
            f"data[{trace}].colorbar.xanchor": "left", f"data[{trace}].colorbar.y": y,
            f"data[{trace}].colorbar.yanchor": "top", f"data[{trace}].colorbar.len": 1,
            f"data[{trace}].colorbar.thickness": 10, f"data[{trace}].colorbar.title.side": "top",
            f"data[{trace}].colorbar.ticklabelposition": "outside"}


def _narrow_evidence(layout: dict, data: list[dict]) -> dict[str, object]:
    """The two count panels side by side on top, the strongest framing's chance below them."""
    rows = len(data[0]["y"])
    top, bottom = 0.55, 0.45  # the top panels' domain starts at `top`, the share panel's ends at `bottom`
    return {
        "layout.height": 2 * 20 * rows + 260,
        "layout.xaxis.domain": [0, 0.72], "layout.xaxis2.domain": [0.78, 1], "layout.xaxis3.domain": [0, 1],
        "layout.yaxis.domain": [top, 1], "layout.yaxis2.domain": [top, 1], "layout.yaxis3.domain": [0, bottom],
        "layout.yaxis3.showticklabels": True, "layout.xaxis2.nticks": 3,
        "layout.annotations[0].text": "sources:<br>management ←<br>→ leadership", "layout.annotations[0].x": 0.36,
        "layout.annotations[1].text": "neither,<br>disputed<br>or split", "layout.annotations[1].x": 0.89,
        "layout.annotations[2].text": "chance that more than half of<br>the sources frame it as its<br>"
                                      f"strongest framing ({THRESHOLD:.0%} needed)",
        "layout.annotations[2].y": bottom, "layout.annotations[2].x": 0.5,
        **{f"layout.annotations[{i}].font.size": NARROW_FONT for i in range(3)},
        "layout.legend.y": -0.03, "layout.margin.b": 150, "layout.margin.r": 16,
    }


def _narrow_network(layout: dict, data: list[dict]) -> dict[str, object]:
    """Sources unlabelled (a tap names one), competencies labelled, the categories' labels over
    them; the menus side by side in smaller type, the framings named alone and the groups'
    names cut to fit a phone."""
    sources, competencies, categories = (_index(data, n) for n in ("sources", "competencies", "categories"))
    changes: dict[str, object] = {
        f"data[{sources}].mode": "markers", f"data[{competencies}].textfont.size": NARROW_FONT,
        f"data[{categories}].textposition": ["top left", "bottom left"],
        f"data[{categories}].marker.size": 18, "layout.xaxis.range": [-0.06, 2.3],
        "layout.legend.title.side": "top"}  # beside the entries, it would push them past the screen's edge
    menus = layout.get("updatemenus") or []
    if not menus:
        return changes
    framings = [b["label"].removeprefix("framed as ") for b in menus[0]["buttons"]]
    changes.update({f"layout.updatemenus[{i}].font.size": NARROW_FONT + 1 for i in range(len(menus))})
    changes.update({f"layout.updatemenus[0].buttons[{j}].label": label for j, label in enumerate(framings)})
    if len(menus) > 1:
        first = _menu_width(framings, NARROW_FONT + 1)
        room = NARROW_PLOT - first - MENU_GAP - 44  # pixels for the longest group's name
        chars = max(12, int(room / (0.52 * (NARROW_FONT + 1))))
        changes["layout.updatemenus[1].pad.l"] = first + MENU_GAP
        changes.update({f"layout.updatemenus[1].buttons[{j}].label": _escape(html.unescape(b["label"]), chars)
                        for j, b in enumerate(menus[1]["buttons"])})
    return changes


def _narrow_matrix(layout: dict, data: list[dict]) -> dict[str, object]:
    """Column labels upright, the colour bar below; transposed (`narrow_transposed`) when it
    has fewer sources than competencies: competencies as rows, sources as columns."""
    sources, competencies = len(data[0]["y"]), len(data[0]["x"])
    changes = {"layout.xaxis.tickangle": -90, "data[0].colorbar.tickangle": -45, "data[0].colorbar.lenmode": "fraction",
               **_below_colourbar(0)}
    if (sources if sources <= competencies else competencies) > 40:  # columns too thin for a gap between them
        changes["data[0].xgap"] = 0
    if sources <= competencies:
        changes.update({"layout.height": 16 * competencies + 300, "layout.xaxis.nticks": sources + 1,
                        "data[0].hovertemplate": "<b>%{y}</b> — %{x}<br>%{hovertext}<extra></extra>"})
    return changes


def _narrow_years(layout: dict, data: list[dict]) -> dict[str, object]:
    return {"layout.xaxis.dtick": 20}


def _narrow_coverage(layout: dict, data: list[dict]) -> dict[str, object]:
    return {"data[0].textfont.size": 9, "layout.margin.b": 10, **_below_colourbar(0)}


def _narrow_agreement(layout: dict, data: list[dict]) -> dict[str, object]:
    """The thresholds' names are in the caption: there is no room for them over the lines."""
    return {**{f"layout.annotations[{i}].visible": False for i in range(len(layout.get("annotations", ())))},
            "layout.xaxis.dtick": 0.5, "layout.xaxis.title.text": "Krippendorff's alpha"}


def _narrow_pairs(layout: dict, data: list[dict]) -> dict[str, object]:
    """The two panels one above the other."""
    coders = len(data[0]["x"])
    return {"layout.height": 2 * (36 * coders + 60) + 120,
            "layout.xaxis.domain": [0, 1], "layout.xaxis2.domain": [0, 1],
            "layout.yaxis.domain": [0.6, 1], "layout.yaxis2.domain": [0, 0.4],
            "layout.annotations[0].x": 0.5, "layout.annotations[1].x": 0.5, "layout.annotations[1].y": 0.4,
            "layout.margin.b": 10, **_below_colourbar(1, -0.12)}


def _narrow_by_attribute(layout: dict, data: list[dict]) -> dict[str, object]:
    """Framing by an attribute: its panels one above another, each naming the competencies."""
    panels = sorted((k for k in layout if k.startswith("xaxis")), key=lambda k: int(k[5:] or 1))
    panel, gap = len(data[0]["y"]) * 14 + 10, 64
    plot = len(panels) * panel + (len(panels) - 1) * gap
    top = layout["margin"]["t"] + 40  # the key wraps to three rows
    height = plot + top + layout["margin"]["b"]
    changes: dict[str, object] = {"layout.height": height, "layout.margin.t": top, "layout.legend.y": 1 - 8 / height}
    for k, x in enumerate(panels):
        y, high = "yaxis" + x[5:], 1 - k * (panel + gap) / plot
        changes.update({f"layout.{x}.domain": [0, 1], f"layout.{y}.domain": [high - panel / plot, high],
                        f"layout.{y}.showticklabels": True, f"layout.annotations[{k}].x": 0.5,
                        f"layout.annotations[{k}].y": high})
    return changes


def _narrow_cooccurrence(layout: dict, data: list[dict]) -> dict[str, object]:
    # cells too narrow for their numbers and the columns' names: the columns are in the rows'
    # order (each starts below its own row), and a cell's hover names both
    return {"data[0].texttemplate": "", "layout.xaxis.showticklabels": False}


_NARROW = {"evidence": _narrow_evidence, "cooccurrence": _narrow_cooccurrence, "network": _narrow_network,
           "matrix": _narrow_matrix, "years": _narrow_years, "coverage": _narrow_coverage,
           "agreement": _narrow_agreement, "pairs": _narrow_pairs}


# ---------------------------------------------------------------- in print

PRINT_FONT = 12
"""The least font size of a figure for print, in CSS pixels of its print layout, where a pixel
is 1/100 inch (figures.PRINT_SCALE): 12 px is 8.6 pt, above the 8 pt a printed figure needs."""
PRINT_TITLE_FONT = 14
HINT = re.compile(r"\b(hover|click|tap|double-click)\b", re.IGNORECASE)
"""Words of a note or sentence about using the figure on a screen, which a picture cannot do."""


def static_changes(name: str, figure: dict) -> dict[str, object]:
    """Changes to a figure exported as a picture (PNG, SVG, PDF): its notes on hovering and
    clicking hidden, and the network's menus and slider, which a picture cannot work."""
    notes = figure["layout"].get("annotations") or ()
    changes: dict[str, object] = {f"layout.annotations[{i}].visible": False
                                  for i, note in enumerate(notes) if note and HINT.search(note.get("text") or "")}
    if name == "network":  # its menus and slider, and the room under the plot they take
        for controls in ("updatemenus", "sliders"):
            changes.update({f"layout.{controls}[{i}].visible": False
                            for i in range(len(figure["layout"].get(controls) or ()))})
        changes.update({"layout.legend.title.text": "Links:", "layout.margin.b": 40})
    return changes


PRINT_NARROW = 500
"""Print layouts narrower than this (CSS pixels) take the narrow screen's layout (panels stacked)."""
PRINT_ABOVE = {"evidence": 56, "pairs": 28, "agreement": 24}
"""Room (CSS pixels) a figure needs between its title and its plot in print: panels' titles,
the names of threshold lines (labels on top: `_label_room`)."""
PRINT_ROW = 17
"""CSS pixels per row of labels in print (12 px type and a gap), so that none is left out."""


def print_narrow(name: str, width: int) -> bool:
    """Whether a figure for print `width` CSS pixels wide takes the narrow layout: the matrix
    always (transposed, when it has fewer sources than competencies, it fits a page better)."""
    return width < (NARROW if name == "matrix" else PRINT_NARROW)


def print_changes(name: str, figure: dict, width: int, narrow: bool) -> dict[str, object]:
    """Changes to a figure (`Figure.to_dict()`) drawn `width` CSS pixels wide for print: the
    static ones, the narrow screen's when `narrow` (the caller also transposes `narrow_transposed`),
    the figure's own (`_PRINT`), and its title wrapped to the width at the top, with room
    below it. Fonts are raised by `at_least` afterwards."""
    changes = static_changes(name, figure)
    if narrow:
        changes.update(narrow_changes(name, figure))
    above = PRINT_ABOVE.get(name, 0)
    if name in _PRINT:
        own, above = _PRINT[name](figure["layout"], figure["data"], width, narrow)
        changes.update(own)
    title = (figure["layout"].get("title") or {}).get("text") or TITLES.get(name, "")
    lines = textwrap.wrap(title, max(20, int(width / (0.52 * PRINT_TITLE_FONT))))
    block = 12 + round(1.25 * PRINT_TITLE_FONT) * len(lines) + 10  # pads above and below the title
    above += _legend_room(figure, width)
    changes.update({"layout.width": width, "layout.title.text": "<br>".join(lines),
                    "layout.title.font.size": PRINT_TITLE_FONT, "layout.title.yref": "container",
                    "layout.title.y": 1, "layout.title.yanchor": "top", "layout.title.pad.t": 12,
                    "layout.title.pad.b": 10, "layout.title.automargin": True,
                    "layout.margin.t": block + above})
    return changes


def _text_width(text: str, size: float = PRINT_FONT) -> float:
    """About how many CSS pixels a line of text takes (Liberation Sans averages about half an em)."""
    return 0.52 * size * len(re.sub(r"<[^>]+>", "", str(text)))


def _legend_room(figure: dict, width: int) -> int:
    """CSS pixels the legend takes above the plot (the template puts it there, in rows of
    entries as wide as the plot), or 0 when it is elsewhere or shows nothing."""
    legend = figure["layout"].get("legend") or {}
    if legend.get("y", 1) < 1 or figure["layout"].get("showlegend") is False:
        return 0
    entries = [trace["name"] for trace in figure["data"]
               if trace.get("showlegend", True) and trace.get("name") and trace.get("type", "scatter") != "heatmap"
               and len(trace.get("x") if trace.get("x") is not None else ()) and trace.get("visible", True) is True]
    # plotly.js lines entries up in columns as wide as the widest, across the plot (not the
    # labels beside it): counted on 60 % of the figure's width, which errs towards room to spare
    names = list(dict.fromkeys(entries))
    if not names:
        return 0
    entry = 46 + max(_text_width(name) for name in names)
    rows = math.ceil(len(names) / max(1, int(0.6 * width // entry)))
    return rows * round(2 * PRINT_FONT)


def _label_room(labels, angle: float) -> int:
    """CSS pixels that tick labels at `angle` degrees from the horizontal take above a plot in print."""
    longest = max((_text_width(label) for label in labels), default=0)
    return round(longest * abs(math.sin(math.radians(angle))) + PRINT_FONT + 12)


def _print_evidence(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """Every competency labelled, the panels' titles on three lines; the note on fragile
    classifications left to the caption (as on the report's page)."""
    fragile = len(layout.get("annotations", ())) - 1
    rows = len(data[0]["y"])
    changes: dict[str, object] = {f"layout.annotations[{fragile}].visible": False,
                                  **{f"layout.yaxis{n}.dtick": 1 for n in ("", "2", "3")}}
    if narrow:  # two panels of rows, each on 45 % of the plot
        changes.update({"layout.height": round(2 * PRINT_ROW * rows / 0.9) + 330,
                        "layout.legend.entrywidth": 105, "layout.legend.entrywidthmode": "pixels"})
    else:
        changes["layout.height"] = max(layout.get("height") or 0, PRINT_ROW * rows + 330)
        changes.update({"layout.annotations[0].text": "sources:<br>management ← → leadership",
                        "layout.annotations[1].text": "neither,<br>disputed<br>or split",
                        "layout.annotations[2].text": "chance that more than half of<br>the sources frame it as its<br>"
                                                      f"strongest framing ({THRESHOLD:.0%} needed)"})
    return changes, PRINT_ABOVE["evidence"]


def _print_matrix(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """Every row and column labelled, the column labels (on top) given room below the title; the
    empty slot of "not coded" on the colour bar outlined."""
    heat = data[0]
    on_top = heat["y"] if narrow and narrow_transposed("matrix", {"data": data}) else heat["x"]
    changes = {"layout.xaxis.dtick": 1, "layout.yaxis.dtick": 1, "data[0].colorbar.outlinewidth": 1,
               "data[0].colorbar.outlinecolor": "#6b6b6b"}
    return changes, _label_room(on_top, 90 if narrow else 45)


def _print_coverage(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """The coders' names on top given room below the title; room at the right for the colour bar's last label."""
    return {"layout.margin.r": 24}, _label_room(data[0]["x"], 0)


def _print_agreement(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """Room at the right for the name of the line at .800."""
    return {"layout.margin.r": 10 if narrow else 56}, PRINT_ABOVE["agreement"]


def _print_network(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """Every node labelled (a picture cannot name a node on hover), the labels wrapped in one
    column, and the x range made to hold the sources' labels at the left of x 0 and the
    competencies' at the right of x 1, or the categories' at the right of x 2 (unless narrow,
    where they stand above and below their nodes)."""
    sources, competencies = _index(data, "sources"), _index(data, "competencies")
    if data[sources].get("text") is None or data[competencies].get("text") is None:
        return {}, 0  # too many nodes to label: as on screen
    changes: dict[str, object] = {}
    longest = {}
    for trace in (sources, competencies):
        wrap = 14 if trace == sources else 18  # a source has more height than a competency
        labels = [textwrap.wrap(str(t), wrap) if narrow else [str(t)] for t in data[trace]["text"]]
        changes.update({f"data[{trace}].text": ["<br>".join(lines) for lines in labels],
                        f"data[{trace}].mode": "markers+text"})
        longest[trace] = max((_text_width(line) for lines in labels for line in lines), default=0) + 14
    category = 16 if narrow else 30 + _text_width("Management", PRINT_FONT * 1.35)  # bold, beside a big node
    room = width - 24 - longest[sources]
    unit = max(10.0, min((room - category) / 2, room - longest[competencies]))  # CSS pixels per unit of x
    changes["layout.xaxis.range"] = [-longest[sources] / unit,
                                     max(2 + category / unit, 1 + longest[competencies] / unit)]
    if narrow:  # room for labels on two lines
        rows = max(len(data[sources]["text"]), len(data[competencies]["text"]))
        changes["layout.height"] = max(layout.get("height") or 0, 2 * PRINT_ROW * rows + 200)
    return changes, 0


def _print_one(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """A figure per competency or per source (focus.py) in print: its notes under the plot
    wrapped again to the plot's width, and in one column the framings' names on end, with no
    note over them."""
    labels = [y for trace in data for y in (trace.get("y") or ())]
    plot = width - 40 - max((_text_width(label) for label in labels), default=0)
    line = round(1.25 * PRINT_FONT)
    changes: dict[str, object] = {}
    margin = layout.get("margin") or {}
    drawn = layout["height"] - margin.get("t", 0) - margin.get("b", 0)  # the plot's own height, kept
    bottom = margin.get("b", 0)
    heading = 0  # lines the note over the top panel takes beyond one
    for i, note in enumerate(layout.get("annotations") or ()):
        # each paragraph of a note ends with a full stop; its lines are wrapped anew to the plot's width
        paragraphs = re.split(r"(?<=\.)<br>", note["text"])
        chars = max(20, int(plot / (0.52 * PRINT_FONT)))
        lines = [part for paragraph in paragraphs for part in textwrap.wrap(paragraph.replace("<br>", " "), chars)]
        changes[f"layout.annotations[{i}].text"] = "<br>".join(lines)
        if note.get("yanchor") == "top":  # the lines under the plot
            bottom = changes["layout.margin.b"] = line * len(lines) + 30
        elif note.get("y") in (1, 1.0):
            heading = len(lines) - 1
        elif narrow:  # the note over the sources' marks, where their framings stand on end
            changes[f"layout.annotations[{i}].visible"] = False
    subtitle = textwrap.wrap(((layout.get("title") or {}).get("subtitle") or {}).get("text") or "",
                             max(20, int((width - 20) / (0.52 * PRINT_FONT))))
    changes["layout.title.subtitle.text"] = "<br>".join(subtitle)
    above = line * (len(subtitle) + heading) + 14
    title = textwrap.wrap((layout.get("title") or {}).get("text") or "",
                          max(20, int(width / (0.52 * PRINT_TITLE_FONT))))
    changes["layout.height"] = drawn + bottom + 22 + round(1.25 * PRINT_TITLE_FONT) * len(title) + above + 40
    if narrow:
        changes["layout.xaxis2.tickangle"] = -90
    return changes, above + 40


_PRINT = {"evidence": _print_evidence, "matrix": _print_matrix, "coverage": _print_coverage,
          "agreement": _print_agreement, "network": _print_network, "competency": _print_one, "source": _print_one}


def register_figure(name: str, title: str, caption: str, on_print=None, when_narrow=None) -> None:
    """Make a figure drawn in a module of its own (prisma's flow diagram) one of the review's:
    its title (captions.md numbers figures in TITLES' order), its caption, and how it is laid
    out in print (as the _print_ functions) and on a narrow screen (as the _narrow_ ones)."""
    TITLES[name], CAPTIONS[name] = title, caption
    if on_print is not None:
        _PRINT[name] = on_print
    if when_narrow is not None:
        _NARROW[name] = when_narrow


def _network_range(figure: dict, width: int, narrow: bool) -> list[float]:
    """The network's x range for print `width` CSS pixels wide: the sources' labels (at the
    left of x 0) and the competencies' (at the right of x 1) or the categories' (at the right
    of x 2, unless narrow, where they stand above and below their nodes) just fit."""
    data = figure["data"]
    def longest(trace: str) -> float:
        return max((max(_text_width(line) for line in str(t).split("<br>"))
                    for t in data[_index(data, trace)].get("text") or ()), default=0)
    left, right = longest("sources") + 14, longest("competencies") + 14
    category = 16 if narrow else 16 + _text_width("Management", PRINT_FONT * 1.1)
    room = width - 24 - left
    unit = min((room - category) / 2, room - right)  # CSS pixels per unit of x
    return [-left / unit, max(2 + category / unit, 1 + right / unit)]




def print_caption(name: str) -> str:
    """The figure's caption for print: CAPTIONS without its sentences on hovering or clicking."""
    sentences = re.split(r"(?<=\.) (?=[A-Z†])", CAPTIONS.get(name, ""))
    return " ".join(sentence for sentence in sentences if not HINT.search(sentence))


def at_least(node, size: float) -> None:
    """Raise every font size in a figure's dicts (layout.font, tick, text and annotation fonts)
    to `size`, and drop <sup>, which plotly draws smaller."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("font") and isinstance(value, dict) and "size" in value:
                sizes = value["size"]
                value["size"] = ([max(size, s or 0) for s in sizes] if isinstance(sizes, (list, tuple))
                                 else max(size, sizes or 0))
            if key == "text" and isinstance(value, str) and "<sup>" in value:
                node[key] = value.replace("<sup>", "").replace("</sup>", "")
            else:
                at_least(value, size)
    elif isinstance(node, list):
        for item in node:
            at_least(item, size)


def path_keys(path: str) -> list[str | int]:
    """The keys along a path: 'layout.annotations[0].text' → ['layout', 'annotations', 0, 'text']."""
    return [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]


def set_path(root: dict, path: str, value) -> None:
    """Set `root`'s member at `path` ('layout.annotations[0].text'), making what is missing on
    the way; the report's page script reads the same paths (report.html.j2, setPath).

    >>> figure = {"layout": {}}
    >>> set_path(figure, "layout.annotations[1].visible", False)
    >>> figure
    {'layout': {'annotations': [None, {'visible': False}]}}
    """
    keys = path_keys(path)
    node = root
    for key, following in itertools.pairwise([*keys, None]):
        if isinstance(node, list):
            node.extend([None] * (key + 1 - len(node)))
        if following is None:
            node[key] = value
            return
        if (node[key] if isinstance(node, list) else node.get(key)) is None:
            node[key] = [] if isinstance(following, int) else {}
        node = node[key]
