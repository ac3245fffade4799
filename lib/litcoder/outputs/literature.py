"""Figures for the literature questions: which competencies are coded together, and what the
sources of each kind (field, source type, sector …) say of each competency.

    >>> from litcoder import Review
    >>> from litcoder.analysis.cooccurrence import cooccurrence
    >>> from litcoder.analysis.subsets import framing_by_attribute
    >>> review = Review.load(".")
    >>> heatmap = cooccurrence_chart(review, cooccurrence(review))
    >>> bars = framing_by_attribute_chart(review, framing_by_attribute(review, "field"), "field")

Both use the review's template and framing colours (charts, theme), and escape the review's
text before it reaches a hover label.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.cooccurrence import pair_measures
from ..analysis.evidence import SPLIT
from ..analysis.subsets import NOT_GIVEN
from .charts import COLOUR_BAR, TEMPLATE, _escape, plural
from .theme import FRAMING_COLOURS, SPLIT_PATTERN

TITLES = {
    "cooccurrence": "Competencies coded together in the same {level}",
    "framing-by-attribute": "What the sources of each {attribute} say of each competency",
}
CAPTIONS = {
    "cooccurrence": "Each cell is a pair of competencies; its number counts the {level}s coded to both (by any "
                    "coder), and its shade is their Jaccard coefficient (ATLAS.ti's c-coefficient): of the {level}s "
                    "coded to either, the share coded to both. The number after each competency counts its {level}s. "
                    "A pair of a rare and a common competency stays light even when the rare one always comes with "
                    "the other: hover for the overlap, the share of the rarer one's {level}s that have both.",
    "framing-by-attribute": "Each bar is the sources of one {attribute} that speak to a competency (their number at "
                            "its end), divided by what they say of it: management, both, leadership, neither, "
                            "disputed (their coders' main framings differ) or split evenly.",
}
"""What each figure shows, for the report's page ({level} and {attribute} filled in)."""

SHADES = [[0.0, "#f2f2f2"], [0.25, "#9cc3bd"], [0.5, "#5e9a93"], [0.75, "#2a6a65"], [1.0, "#0b2b29"]]
"""Jaccard from light to dark, one hue (a teal no framing uses) darkening in even steps of
lightness, so that the shade reads the same in greys; a cell of a pair never coded together
is the lightest grey, one with no value (above the diagonal) the page's white."""
NUMBERS_UP_TO = 40
"""Competencies up to which the heatmap writes each pair's count in its cell."""
PART_ORDER = ("management", "both", "leadership", "neither", "disputed", SPLIT)
"""The bars' parts left to right: management ← → leadership, as on the evidence chart, then the rest."""
SAY = {"leadership": ("says leadership", "say leadership"), "management": ("says management", "say management"),
       "both": ("says both", "say both"), "neither": ("says neither", "say neither"),
       "disputed": ("is disputed (its coders differ)", "are disputed (their coders differ)"),
       SPLIT: ("is split evenly", "are split evenly")}


def _finish(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title, height=height, margin=dict(l=10, r=10, t=90, b=40))
    for i, trace in enumerate(fig.data):  # fixed trace ids, so exported files do not change between builds
        trace.uid = f"literature-{i}"
    return fig


# ---------------------------------------------------------------- co-occurrence

def _together(review, table_or_matrix: pd.DataFrame) -> tuple[list[str], np.ndarray, str]:
    """(competency ids in codebook order, their together matrix, the level) from either
    cooccurrence's table or cooccurrence_matrix's "together" matrix."""
    frame = table_or_matrix
    ids = review.codebook["competency"].tolist()
    level = frame.attrs.get("level", "passage")
    if {"a", "b", "together"} <= set(frame.columns):
        position = {c: i for i, c in enumerate(ids)}
        counts = np.zeros((len(ids), len(ids)), dtype=np.int64)
        frame = frame[frame["a"].isin(position) & frame["b"].isin(position)]  # a table of this codebook's ids
        units = dict(zip(frame["a"], frame["a_units"])) | dict(zip(frame["b"], frame["b_units"]))
        for competency, n in (frame.attrs.get("units") or units).items():
            if competency in position:
                counts[position[competency], position[competency]] = n
        i = frame["a"].map(position).to_numpy(dtype=np.int64)
        j = frame["b"].map(position).to_numpy(dtype=np.int64)
        counts[i, j] = counts[j, i] = frame["together"].to_numpy()
        return ids, counts, level
    if frame.attrs.get("measure", "together") != "together" or not np.equal(frame.to_numpy(), frame.to_numpy().round()
                                                                            ).all():
        raise ValueError("give cooccurrence's table, or cooccurrence_matrix's with measure='together' (the jaccard "
                         "and overlap are worked out from its counts)")
    shown = [c for c in ids if c in frame.index]
    return shown, frame.loc[shown, shown].to_numpy().astype(np.int64), level


def cooccurrence_chart(review, table_or_matrix: pd.DataFrame) -> go.Figure:
    """A heatmap of the pairs of competencies (lower triangle, codebook order, its groups marked
    along the diagonal): shade the pair's Jaccard coefficient, number the units coded to both
    (up to NUMBERS_UP_TO competencies), each label followed by its units; hover says it all in
    words. Takes cooccurrence's table (whole: a pair left out of it is drawn as never coded
    together) or cooccurrence_matrix's "together" matrix; a matrix of jaccard or overlap is a
    ValueError, as the counts cannot be had from it."""
    ids, counts, level = _together(review, table_or_matrix)
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    names = [str(labels[c]) for c in ids]
    units = np.diag(counts)
    jaccard, overlap = pair_measures(counts)
    n = len(ids)
    below = np.tril(np.ones((n, n), dtype=bool), k=-1)[1:, :-1]  # rows 2nd … last, columns 1st … last but one
    z = np.where(below, np.nan_to_num(jaccard[1:, :-1]), np.nan)
    together = counts[1:, :-1]
    hover = [[_pair_hover(names, counts, jaccard, overlap, i + 1, j, level) if below[i, j] else ""
              for j in range(n - 1)] for i in range(n - 1)]
    numbers = np.where(below & (together > 0), together.astype(str), "") if n <= NUMBERS_UP_TO else None
    top = max(0.1, float(np.ceil(np.nanmax(z, initial=0) * 10) / 10))  # the shades spread over the values there are
    gap = 1 if n <= NUMBERS_UP_TO else 0  # white lines between cells only where cells are wide: else they hide them
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(n - 1)), y=list(range(1, n)), zmin=0, zmax=top, colorscale=SHADES, hoverongaps=False,
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=gap, ygap=gap,
        text=numbers, texttemplate="%{text}" if numbers is not None else None, textfont=dict(size=11),
        # in the empty triangle above the diagonal, so that the cells take the figure's width
        colorbar=dict(title=dict(text=f"Jaccard: of the {level}s<br>coded to either, the<br>share coded to both",
                                 side="top", font=dict(size=12)), tickformat=".2~f", lenmode="pixels", len=140,
                      x=0.66, xanchor="left", y=0.97, yanchor="top", **COLOUR_BAR)))
    tick = dict(tickmode="array", showgrid=False, zeroline=False, ticks="", tickfont=dict(size=11 if n <= 40 else 8))
    fig.update_xaxes(tickvals=list(range(n - 1)), ticktext=[f"{name} ({u})" for name, u in zip(names, units)][:-1],
                     range=[-0.5, n - 1.5], tickangle=-50 if n <= NUMBERS_UP_TO else -90, automargin=True,
                     **tick)
    fig.update_yaxes(tickvals=list(range(1, n)), ticktext=[f"{name} ({u})" for name, u in zip(names, units)][1:],
                     range=[n - 0.5, -0.5], automargin=True, **tick)
    _mark_groups(fig, review, ids)
    row = 22 if n <= NUMBERS_UP_TO else 11
    return _finish(fig, TITLES["cooccurrence"].format(level=level), row * n + 300)


def _pair_hover(names, counts, jaccard, overlap, i: int, j: int, level: str) -> str:
    """Both labels, the units coded to both and to each, jaccard and overlap, in plain words."""
    a, b = _escape(names[j]), _escape(names[i])  # a: the column's, earlier in the codebook
    t, ua, ub = counts[i, j], counts[j, j], counts[i, i]
    lines = [f"<b>{a}</b> and <b>{b}</b>",
             f"coded together in {plural(t, level)}" if t else f"never coded together in a {level}",
             f"{a}: {plural(ua, level)}; {b}: {plural(ub, level)}"]
    if t:
        (rarer, fewer), other = ((a, ua), b) if ua <= ub else ((b, ub), a)
        is_ = "is" if t == 1 else "are"
        lines += [f"Jaccard {jaccard[i, j]:.2f}: of the {plural(ua + ub - t, level)} coded to either, {t} {is_} "
                  "coded to both",
                  f"overlap {overlap[i, j]:.2f}: of the {plural(fewer, level)} coded to {rarer}, {t} {is_} also "
                  f"coded to {other}"]
    return "<br>".join(lines)


def _mark_groups(fig: go.Figure, review, ids: list[str]) -> None:
    """Lines between the codebook's groups, and each group's name just right of the diagonal where it starts."""
    group = dict(zip(review.codebook["competency"], review.codebook["group"]))
    group_label = dict(zip(review.codebook["group"], review.codebook["group_label"]))
    n = len(ids)
    starts = [k for k in range(n) if k == 0 or group[ids[k]] != group[ids[k - 1]]]
    line = dict(color="#1d1d1f", width=1.2)
    for s in starts:
        if s:
            fig.add_shape(type="line", x0=-0.5, x1=s - 0.5, y0=s - 0.5, y1=s - 0.5, line=line)
            fig.add_shape(type="line", x0=s - 0.5, x1=s - 0.5, y0=s - 0.5, y1=n - 0.5, line=line)
        if group_label.get(group[ids[s]]):
            fig.add_annotation(x=s - 0.5, y=s, xref="x", yref="y", xanchor="left", yanchor="middle",
                               text=f"<b>{_escape(group_label[group[ids[s]]])}</b>", showarrow=False,
                               font=dict(size=11, color="#1d1d1f"), xshift=4)


# ---------------------------------------------------------------- framing by attribute

def framing_by_attribute_chart(review, table: pd.DataFrame, attribute: str) -> go.Figure:
    """Small multiples of framing_by_attribute's table: a panel per value of the attribute, a
    bar per competency (codebook order, top down) divided into the shares of those sources
    that say each part (management ← → leadership, then neither, disputed, split), the number
    of sources at its end; hover counts them ('3 of 5 business sources say management')."""
    definition = review.attribute_definitions.get(attribute, {})
    name = str(definition.get("label") or attribute.replace("_", " ")).lower()
    values = list(dict.fromkeys(table["value"]))
    given = review.attributes[attribute].replace("", NOT_GIVEN).value_counts() if attribute in review.attributes \
        else pd.Series(dtype="int64")
    fig = make_subplots(rows=1, cols=max(1, len(values)), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[_panel_title(v, int(given.get(v, 0))) for v in values] or [""])
    fig.update_annotations(font_size=12, yanchor="bottom")
    for col, value in enumerate(values, 1):
        mine = table[table["value"] == value]
        _framing_bars(fig, mine, value, name, col)
    # "0" and "50" unadorned, so that a panel's "100%" does not run into the next one's "0%"
    fig.update_xaxes(range=[0, 1.16], tickvals=[0, 0.5, 1], ticktext=["0", "50", "100%"], showgrid=True,
                     zeroline=False)
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont=dict(size=11 if len(table) <= 40 * 6 else 8))
    competencies = table["competency"].nunique()
    height = max(340, (22 if competencies <= 40 else 13) * competencies + 240)
    fig = _finish(fig, TITLES["framing-by-attribute"].format(attribute=name), height)
    # the key under the title, above the panels' names
    fig.update_layout(barmode="stack", bargap=0.3, margin=dict(l=10, r=10, t=150, b=40),
                      title=dict(yref="container", y=1 - 14 / height, yanchor="top"),
                      legend=dict(orientation="h", yref="container", y=1 - 48 / height, yanchor="top", x=0,
                                  traceorder="normal"))
    return fig


def _panel_title(value: str, sources: int) -> str:
    return "<br>".join(f"<b>{line}</b>" for line in textwrap.wrap(_escape(value), 18)) + \
        f"<br>{plural(sources, 'source')}"


def _framing_bars(fig: go.Figure, rows: pd.DataFrame, value: str, name: str, col: int) -> None:
    labels = rows["label"].tolist()
    for part in PART_ORDER:
        counts = rows[f"{part}_sources"].astype(int).tolist()
        fig.add_trace(go.Bar(
            y=labels, x=rows[f"{part}_share"].tolist(), orientation="h", name=part, legendgroup=part,
            showlegend=col == 1,
            marker=dict(color=FRAMING_COLOURS[part], pattern=SPLIT_PATTERN if part == SPLIT else None,
                        # outlined where drawn: a bar of no width would leave its outline as a stray line
                        line=dict(width=[0.5 if part in ("disputed", SPLIT) and n else 0 for n in counts],
                                  color="#6b6b6b")),
            hovertext=[_framing_hover(label, count, total, part, value, name)
                       for label, count, total in zip(labels, counts, rows["sources"].astype(int))],
            hoverinfo="text"), row=1, col=col)
    fig.add_trace(go.Scatter(y=labels, x=[1.02] * len(labels), mode="text", text=rows["sources"].astype(str).tolist(),
                             textposition="middle right", textfont=dict(size=10, color="#5f6368"), showlegend=False,
                             hoverinfo="skip", cliponaxis=False), row=1, col=col)


def _framing_hover(label: str, count: int, total: int, part: str, value: str, name: str) -> str:
    """'<b>Planning</b> — business<br>3 of 5 business sources say management (60%)'."""
    kind = f"sources whose {_escape(name)} is not given" if value == NOT_GIVEN else f"{_escape(value)} sources"
    head = f"<b>{_escape(label)}</b> — {_escape(value)}"
    if not total:
        return f"{head}<br>no {kind} speak to it"
    return f"{head}<br>{count} of {total} {kind} {SAY[part][count != 1]} ({count / total:.0%})"
