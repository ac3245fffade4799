"""How the literature was selected, drawn and told: the PRISMA 2020 flow diagram, and the
report's section around it (the searches, the reasons, the duplicates, the screeners' agreement).

The diagram follows the PRISMA 2020 template for new systematic reviews which included searches
of databases, registers and other sources (Page et al., 2021, BMJ 372:n71, figure 1): the
phases Identification, Screening and Included down the left side; a column for the databases
and registers, and, when the committee also found records by other methods (citation searching,
works it knew), a column for those; each step's box with an arrow down to the next, and the
records or reports set aside at that step in a box to its right. Boxes are plotly shapes with
their text as annotations, arrows are annotations too, and a box's hover (an unseen filled
trace over it) says what it counts. The template has no box for works still being screened or
whose screeners disagree: a note under the diagram names them.

    >>> from litcoder import Review
    >>> from litcoder.analysis.selection import flow
    >>> review = Review.load(".")
    >>> fig = flow_diagram(flow(review.selection))
    >>> [a.text for a in fig.layout.annotations if a.name == "included"]  # doctest: +SKIP
    ['Studies included in review<br>(n = 12)<br>Reports of included studies<br>(n = 12)']

The diagram is laid out for a width in CSS pixels (`diagram_parts`), its text wrapped to its
boxes: the report's page draws it for a wide screen and again for a phone (`narrow_layout`),
print for 6.5 and 3.25 inches (`print_layout`), from the counts it carries in `layout.meta`.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap

import markupsafe
import pandas as pd
import plotly.graph_objects as go

from ..analysis.selection import NOT_GIVEN, Column, Flow, flow, screening_agreement
from ..inputs.screening import STAGE_LABELS, Selection
from ..layout import SCREENING, SCREENING_RESOLVED, SETTINGS_FILE
from .charts import PRINT_TITLE_FONT, TEMPLATE, register_figure

NAME = "selection-flow"
TITLE = "How the literature was selected: the PRISMA 2020 flow diagram"
CAPTION = ("The path of the records the committee's searches found, after the PRISMA 2020 flow diagram (Page et al., "
           "2021): the records identified per database, register or other source, the duplicates removed, the "
           "records screened on title and abstract, the reports sought and assessed in full text, the reports "
           "excluded with their reasons, and the studies included. Each work counts once, at the last stage that "
           "decided it. Hover a box for what it counts.")
WIDE = 800
"""CSS pixels the diagram is laid out for on a wide screen (the report's NARROW width: the
page draws it at least this wide) and in PNG and SVG."""
NARROW = {False: 360, True: 640}
"""The width it is laid out for on a phone, without and with the other methods' column; the
report's box scrolls sideways below it, rather than squeeze the words out of their boxes."""
FONT_SIZE = {"wide": 13, "narrow": 11}
INK = "#1d1d1f"
MUTED = "#5f6368"
PHASE_FILL = "#3b3b3b"
"""The phases' bars: dark, with white words, in colour and in greys alike."""
HEADER_FILL = "#ececf0"
BOX_FILL = "#ffffff"
PHASES = (("Identification", (0, 0)), ("Screening", (1, 3)), ("Included", (4, 4)))
"""Each phase's name and the rows of boxes it spans."""
EM = 0.5
"""The average width of a character of the figures' font, in ems (Liberation Sans, with room)."""


# ---------------------------------------------------------------- the boxes

@dataclasses.dataclass
class Box:
    """One box of the diagram: where it stands (column 0 to 3, row 0 to 4), its lines, and its hover."""

    name: str
    column: int
    row: int
    lines: list[str]
    hover: str
    kind: str = "step"
    """'step' (the main column), 'aside' (set aside, to its right) or 'header'."""


def _n(count: int) -> str:
    return f"(n = {count:,})"


def _boxes(flow: Flow) -> list[Box]:
    """The diagram's boxes, as PRISMA 2020 words them, for the columns the review needs."""
    base, other = flow.databases, flow.other
    identified = ([f"{source} {_n(n)}" for source, n in base.identified]
                  or [f"no database or register searched {_n(0)}"])
    boxes = [
        Box("identified", 0, 0, ["Records identified from:", *identified],
            "Records each database or register search exported (litcoder.toml's [[searches]]), duplicates included"),
        Box("duplicates", 1, 0, ["Records removed before screening:",
                                 f"Duplicate records removed {_n(base.duplicates)}"],
            "Records of a work another record already stands for (the same DOI, or the same title, year and first "
            "author); the record from the search listed first is kept", "aside"),
        Box("screened", 0, 1, ["Records screened", _n(base.screened)],
            "Works screened on title and abstract, each once however many searches found it"),
        Box("screened_excluded", 1, 1, ["Records excluded", _n(base.screened_excluded)],
            "Works set aside on their title and abstract" + _reasons_hover(base.screened_reasons), "aside"),
        *_reports(base, 0, ""),
        Box("included", 0, 4, ["Studies included in review", _n(flow.included), "Reports of included studies",
                               _n(flow.included)],
            "Works included at full text, from every column: each is one study with one report in litcoder"),
    ]
    if other.identified:
        boxes += [Box("other_identified", 2, 0, ["Records identified from:", *(f"{source} {_n(n)}"
                                                                              for source, n in other.identified)],
                      "Records found by other methods (citation searching, websites, organisations, works known to "
                      "the committee): they go straight to full text")]
        if other.duplicates:  # the template has no box for them: without it the column would not add up
            boxes.append(Box("other_duplicates", 3, 0, ["Duplicates of records above, removed", _n(other.duplicates)],
                             "Records of works a database or register search had already found", "aside"))
        boxes += _reports(other, 2, "other_")
    return boxes


def _reports(column: Column, at: int, prefix: str) -> list[Box]:
    """A column's boxes of reports: sought, not retrieved, assessed, excluded with reasons."""
    excluded = [f"{reason} {_n(n)}" for reason, n in column.excluded]
    return [
        Box(f"{prefix}sought", at, 2, ["Reports sought for retrieval", _n(column.sought)],
            "Works whose full report the committee looked for"),
        Box(f"{prefix}not_retrieved", at + 1, 2, ["Reports not retrieved", _n(column.not_retrieved)],
            "Works whose full report could not be obtained", "aside"),
        Box(f"{prefix}assessed", at, 3, ["Reports assessed for eligibility", _n(column.assessed)],
            "Works read in full and judged against the committee's criteria"),
        Box(f"{prefix}excluded", at + 1, 3, ["Reports excluded:", *excluded] if excluded else
            ["Reports excluded", _n(0)], "Works set aside after reading them in full, with the committee's reason "
            "(the one all their screeners gave, or the resolution's)", "aside"),
    ]


def _reasons_hover(reasons: list[tuple[str, int]]) -> str:
    if not reasons:
        return ""
    return ":<br>" + "<br>".join(f"{reason} ({n:,})" for reason, n in reasons)


def box_count(box: Box) -> list[int]:
    """The numbers a box shows, in order (what a reader of the figure reads in it)."""
    return [int(part.rsplit("(n = ", 1)[1].rstrip(")").replace(",", "")) for part in box.lines if "(n = " in part]


# ---------------------------------------------------------------- the note under it

WAITING_WORDS = {"awaiting screening": "{n} waiting for a screener's decision at {stage}",
                 "conflict": "{n} whose screeners disagree at {stage}, for a third member to resolve in "
                             f"{SCREENING_RESOLVED}"}


def waiting_note(flow: Flow) -> str:
    """A sentence on the works the diagram has no box for (still being screened, or in conflict), or ''."""
    counts: dict[tuple[str, str], int] = {}
    for column in (flow.databases, flow.other):
        for where, n in column.waiting.items():
            stage, outcome = where.split(": ", 1)
            counts[(stage, outcome)] = counts.get((stage, outcome), 0) + n
    if not counts:
        return ""
    order = {label: i for i, label in enumerate(STAGE_LABELS.values())}
    parts = [WAITING_WORDS[outcome].format(n=f"{n:,} work{'s' if n != 1 else ''}", stage=stage)
             for (stage, outcome), n in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1]))]
    return ("Not through the selection yet: " + "; ".join(parts) + ". Each counts in the boxes of the stages it has "
            "reached, and in none below where it waits.")


# ---------------------------------------------------------------- laying it out

@dataclasses.dataclass
class Parts:
    """The diagram laid out for one width: shapes, annotations, hover traces, and its size."""

    shapes: list[dict]
    annotations: list[dict]
    traces: list[dict]
    height: float
    width: float


def diagram_parts(flow: Flow, width: float = WIDE, font: float = FONT_SIZE["wide"]) -> Parts:
    """The diagram laid out `width` CSS pixels wide with type of `font` pixels: each box as wide
    as its column, as tall as its wrapped lines; the rows one under another, a box set aside
    beside its step; y grows downwards, in pixels."""
    boxes = _boxes(flow)
    columns = 4 if flow.other.identified else 2
    line, pad = 1.25 * font, 0.6 * font
    bar, gap = round(1.9 * font), max(12.0, round(0.028 * width))
    box_width = (width - bar - gap * columns - 2) / columns  # 2: the last box's outline stays inside
    left = [bar + gap + i * (box_width + gap) for i in range(columns)]
    chars = max(6, int((box_width - 2 * pad) / (EM * font)))
    wrapped = {b.name: _wrapped(b.lines, chars) for b in boxes}
    heights = {b.name: len(wrapped[b.name]) * line + 2 * pad for b in boxes}
    headers = [("Identification of studies via databases and registers", 0)]
    if columns == 4:
        headers.append(("Identification of studies via other methods", 2))
    header_chars = max(6, int((2 * box_width + gap - 2 * pad) / (EM * font)))
    header_lines = max(len(textwrap.wrap(text, header_chars)) for text, _ in headers)
    header_height = header_lines * line + 2 * pad
    step = max(22.0, 2 * font)  # room for an arrow between rows
    rows, y = [], header_height + step
    for row in range(5):
        tall = max(heights[b.name] for b in boxes if b.row == row)
        rows.append((y, y + tall))
        y += tall + step
    bottom = y - step
    shapes, notes, traces = [], [], []
    for text, column in headers:
        x0, x1 = left[column], left[column + 1] + box_width
        shapes.append(_rect(x0, 0, x1, header_height, HEADER_FILL))
        notes.append(_text("header", (x0 + x1) / 2, header_height / 2,
                           "<br>".join(textwrap.wrap(text, header_chars)), font, bold=True))
    for name, (first, last) in PHASES:
        y0, y1 = rows[first][0], rows[last][1]
        shapes.append(_rect(0, y0, bar, y1, PHASE_FILL))
        notes.append({**_text(f"phase {name}", bar / 2, (y0 + y1) / 2, f"<b>{name}</b>", font, colour="#ffffff"),
                      "textangle": -90})
    where = {}
    for box in boxes:
        centre = (rows[box.row][0] + rows[box.row][1]) / 2
        x0, y0 = left[box.column], centre - heights[box.name] / 2
        x1, y1 = x0 + box_width, centre + heights[box.name] / 2
        where[box.name] = (x0, y0, x1, y1)
        shapes.append(_rect(x0, y0, x1, y1, BOX_FILL))
        notes.append(_text(box.name, (x0 + x1) / 2, centre, "<br>".join(wrapped[box.name]), font,
                           align="left" if box.lines[0].endswith(":") else "center"))  # a list: its lines aligned
        traces.append(_hover(box, (x0, y0, x1, y1)))
    notes += _arrows(where, shapes)
    note = waiting_note(flow)
    height = bottom
    if note:
        lines = textwrap.wrap(note, max(20, int((width - bar) / (EM * font))))
        notes.append({**_text("waiting", 0, bottom + step * 0.6, "<br>".join(lines), font, colour=MUTED),
                      "xanchor": "left", "yanchor": "top", "align": "left"})
        height = bottom + step * 0.6 + len(lines) * line + 4
    return Parts(shapes, notes, traces, math.ceil(height), width)


def _wrapped(lines: list[str], chars: int) -> list[str]:
    """Each line wrapped to `chars` characters, '(n = …)' kept whole on the line it ends."""
    out = []
    for text in lines:
        words = text.replace("(n = ", "(n\u00a0=\u00a0").split(" ")
        out += textwrap.wrap(" ".join(words), chars, break_on_hyphens=False) or [""]
    return [part.replace("\u00a0", " ") for part in out]


def _rect(x0: float, y0: float, x1: float, y1: float, fill: str) -> dict:
    return {"type": "rect", "xref": "x", "yref": "y", "x0": x0, "y0": y0, "x1": x1, "y1": y1,
            "fillcolor": fill, "line": {"color": INK, "width": 1.2}, "layer": "below"}


def _text(name: str, x: float, y: float, text: str, font: float, colour: str = INK, bold: bool = False,
          align: str = "center") -> dict:
    return {"name": name, "x": x, "y": y, "xref": "x", "yref": "y", "text": f"<b>{text}</b>" if bold else text,
            "showarrow": False, "align": align, "font": {"size": font, "color": colour},
            "xanchor": "center", "yanchor": "middle"}


def _arrow(start: tuple[float, float], end: tuple[float, float]) -> dict:
    return {"name": "arrow", "x": end[0], "y": end[1], "ax": start[0], "ay": start[1], "xref": "x", "yref": "y",
            "axref": "x", "ayref": "y", "text": "", "showarrow": True, "arrowhead": 2, "arrowsize": 1.1,
            "arrowwidth": 1.3, "arrowcolor": INK}


def _arrows(where: dict[str, tuple], shapes: list[dict]) -> list[dict]:
    """Down from each step to the next, right from a step to what it set aside, and from the other
    methods' assessed reports round to the studies included (a line down, then an arrow)."""
    def down(a: str, b: str) -> dict:
        (x0, _, x1, bottom), top = where[a], where[b][1]
        return _arrow(((x0 + x1) / 2, bottom), ((x0 + x1) / 2, top))

    def right(a: str, b: str) -> dict:
        (_, y0, x1, y1), x = where[a], where[b][0]
        return _arrow((x1, (y0 + y1) / 2), (x, (y0 + y1) / 2))

    arrows = [down("identified", "screened"), down("screened", "sought"), down("sought", "assessed"),
              down("assessed", "included"), right("identified", "duplicates"),
              right("screened", "screened_excluded"), right("sought", "not_retrieved"),
              right("assessed", "excluded")]
    if "other_identified" in where:
        arrows += [down("other_identified", "other_sought"), down("other_sought", "other_assessed"),
                   right("other_sought", "other_not_retrieved"), right("other_assessed", "other_excluded")]
        if "other_duplicates" in where:
            arrows.append(right("other_identified", "other_duplicates"))
        x0, _, x1, bottom = where["other_assessed"]
        _, top, end, low = where["included"]
        middle = (top + low) / 2
        shapes.append({"type": "line", "xref": "x", "yref": "y", "x0": (x0 + x1) / 2, "y0": bottom,
                       "x1": (x0 + x1) / 2, "y1": middle, "line": {"color": INK, "width": 1.3}})
        arrows.append(_arrow(((x0 + x1) / 2, middle), (end, middle)))
    return arrows


def _hover(box: Box, corners: tuple[float, float, float, float]) -> dict:
    """An unseen filled trace over the box, whose hover (anywhere in it) says what the box counts."""
    x0, y0, x1, y1 = corners
    said = "<br>".join(textwrap.wrap(box.hover, 60)) if "<br>" not in box.hover else box.hover
    return {"type": "scatter", "name": box.name, "x": [x0, x1, x1, x0, x0], "y": [y0, y0, y1, y1, y0],
            "mode": "lines", "fill": "toself", "fillcolor": "rgba(0,0,0,0)", "line": {"width": 0},
            "hoveron": "fills", "hoverinfo": "text", "text": f"<b>{box.lines[0].rstrip(':')}</b><br>{said}",
            "showlegend": False}


# ---------------------------------------------------------------- the figure

MARGIN = {"l": 10, "r": 10, "t": 80, "b": 10}


def flow_diagram(flow: Flow, width: float = WIDE, font: float = FONT_SIZE["wide"]) -> go.Figure:
    """The PRISMA 2020 flow diagram of the counts, laid out `width` CSS pixels wide (the figure
    itself fills the width it is drawn at); the counts ride along in layout.meta, so that the
    page and print can lay it out again for their widths."""
    parts = diagram_parts(flow, width, font)
    fig = go.Figure([go.Scatter(trace) for trace in _without_type(parts.traces)])
    fig.update_layout(template=TEMPLATE, title=TITLE, height=parts.height + MARGIN["t"] + MARGIN["b"],
                      margin=MARGIN, shapes=parts.shapes, annotations=parts.annotations, showlegend=False,
                      hovermode="closest", dragmode=False, meta={"flow": dataclasses.asdict(flow)},
                      xaxis={"visible": False, "range": [0, parts.width], "fixedrange": True},
                      yaxis={"visible": False, "range": [parts.height, 0], "fixedrange": True})
    for i, trace in enumerate(fig.data):
        trace.uid = f"{NAME}-{i}"
    return fig


def _without_type(traces: list[dict]) -> list[dict]:
    return [{k: v for k, v in trace.items() if k != "type"} for trace in traces]


def flow_of(layout: dict) -> Flow:
    """The counts a diagram's layout carries (layout.meta.flow)."""
    found = layout["meta"]["flow"]

    def column(values: dict) -> Column:
        return Column(**{k: [tuple(x) for x in v] if isinstance(v, list) else v for k, v in values.items()})
    return Flow(column(found["databases"]), column(found["other"]))


def relaid(layout: dict, width: float, font: float, top: float) -> dict[str, object]:
    """Changes (paths as charts.set_path's) that lay the diagram out again `width` wide with type
    of `font` pixels, under a top margin of `top` pixels."""
    parts = diagram_parts(flow_of(layout), width, font)
    data = [{**trace, "uid": f"{NAME}-{i}"} for i, trace in enumerate(parts.traces)]
    return {"data": data, "layout.shapes": parts.shapes, "layout.annotations": parts.annotations,
            "layout.xaxis.range": [0, parts.width], "layout.yaxis.range": [parts.height, 0],
            "layout.height": parts.height + top + MARGIN["b"]}


def narrow_layout(layout: dict, data: list[dict]) -> dict[str, object]:
    """On a phone: laid out for NARROW pixels in smaller type (the page's box scrolls below that)."""
    other = bool(layout["meta"]["flow"]["other"]["identified"])
    return {**relaid(layout, NARROW[other], FONT_SIZE["narrow"], 30), "layout.margin.t": 30,
            "layout.margin.l": 4, "layout.margin.r": 4}


def print_layout(layout: dict, data: list[dict], width: int, narrow: bool) -> tuple[dict[str, object], int]:
    """In print: laid out for the print width in type of at least 8 pt, under its wrapped title."""
    from .charts import PRINT_FONT

    lines = textwrap.wrap((layout.get("title") or {}).get("text") or TITLE, max(20, int(width / (0.52 *
                                                                                                  PRINT_TITLE_FONT))))
    top = 12 + round(1.25 * PRINT_TITLE_FONT) * len(lines) + 10  # as charts.print_changes sets it
    plot = width - MARGIN["l"] - MARGIN["r"]
    return {**relaid(layout, plot, PRINT_FONT, top), "layout.margin.l": MARGIN["l"], "layout.margin.r": MARGIN["r"]}, 0


register_figure(NAME, TITLE, CAPTION, on_print=print_layout, when_narrow=narrow_layout)


# ---------------------------------------------------------------- the report's section and tables

def selection_figures(selection: Selection) -> dict[str, go.Figure]:
    """The flow diagram by its name, for outputs/figures/; none when the review names no search."""
    return {NAME: flow_diagram(flow(selection))} if selection.configured else {}


def selection_tables(selection: Selection, agreement: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """outputs/tables/ of the selection by file name: the searches, every work's path through
    screening, the duplicates removed, and the screeners' agreement; none without searches."""
    if not selection.configured:
        return {}
    records = selection.records.set_index("record")
    searches = selection.searches[["search", "method", "source", "date", "query", "file", "records"]]
    paths = selection.paths.rename(columns={"work": "record"})
    about = records.loc[paths["record"], ["author_year", "title", "year", "container", "doi"]].reset_index(drop=True)
    screening = pd.concat([paths[["record", "search", "method"]].reset_index(drop=True), about,
                           paths[["title_abstract", "full_text", "outcome", "stage", "reason", "citekey"]]
                           .reset_index(drop=True)], axis=1)
    removed = selection.records[selection.records["duplicate_of"] != ""]
    duplicates = removed[["record", "search", "author_year", "title", "year", "doi", "duplicate_of", "why"]]
    agreement = screening_agreement(selection) if agreement is None else agreement
    return {"searches.csv": searches.reset_index(drop=True), "screening.csv": screening,
            "duplicates.csv": duplicates.reset_index(drop=True), "screening_agreement.csv": agreement}


AGREEMENT_WORDS = {
    "percent": "Percent agreement: of the records both screeners decided on at that stage, the share on which they "
               "made the same decision (include, exclude, maybe, or not retrieved).",
    "kappa": "Cohen's kappa: how far their agreement goes beyond what chance alone would give two screeners who used "
             "each decision as often as these did: 1 is full agreement, 0 no better than chance, below 0 worse.",
    "interval": "95 % interval: the range in which kappa would fall in 95 of 100 resamplings of the records "
                "(a percentile bootstrap, 1,000 resamples, seeded); few records give a wide interval.",
}
WAITING_SHOWN = 50
"""Works still waiting that the report lists; all are in outputs/tables/screening.csv."""


def selection_section(review, figure_html: str, files: list[str] = (), agreement: pd.DataFrame | None = None,
                      environment=None) -> str:
    """The report's section "How the literature was selected" as HTML ('' when the review names
    no search): `figure_html` is the flow diagram as figures.figure_html gives it for the report,
    `files` its files in outputs/figures/ that the report links to."""
    selection = review.selection
    if not selection.configured:
        return ""
    from .report import _environment  # the report's environment: its filters and escaping

    counts = flow(selection)
    agreement = screening_agreement(selection) if agreement is None else agreement
    template = (environment or _environment()).get_template("_selection.html.j2")
    other = bool(counts.other.identified)
    return template.render(**section_parts(selection, counts, agreement), figure=markupsafe.Markup(figure_html),
                           title=TITLE, name=NAME, files=list(files), min_width=NARROW[other])


def section_parts(selection: Selection, counts: Flow, agreement: pd.DataFrame) -> dict:
    """What the section says, as plain values (the Word report says the same)."""
    searches = selection.searches
    paths = selection.paths
    records = selection.records.set_index("record")
    waiting = paths[paths["outcome"].isin(["awaiting screening", "conflict"])]
    both = [counts.databases, counts.other]
    return {
        "searches": [{"source": s.source or s.search, "method": s.method, "date": s.date, "query": s.query,
                      "records": int(s.records), "file": s.file} for s in searches.itertuples()],
        "searched": searched(searches),
        "identified": sum(c.records for c in both), "duplicates": sum(c.duplicates for c in both),
        "works": sum(c.records - c.duplicates for c in both), "included": counts.included,
        "reasons": reason_rows(selection, counts),
        "agreement": [{"stage": STAGE_LABELS[a.stage], "screeners": f"{a.screener_a} and {a.screener_b}",
                       "records": int(a.records), "percent": a.agreement, "kappa": a.kappa,
                       "low": None if pd.isna(a.kappa_low) else a.kappa_low,
                       "high": None if pd.isna(a.kappa_high) else a.kappa_high} for a in agreement.itertuples()],
        "agreement_words": AGREEMENT_WORDS,
        "waiting": [{"record": w.work, "cited": records.at[w.work, "author_year"],
                     "title": records.at[w.work, "title"], "stage": STAGE_LABELS[w.stage],
                     "outcome": "screeners disagree" if w.outcome == "conflict" else "awaiting a decision"}
                    for w in waiting.head(WAITING_SHOWN).itertuples()],
        "waiting_total": len(waiting), "waiting_note": waiting_note(counts),
        "settings": SETTINGS_FILE, "screening_folder": SCREENING, "resolved": SCREENING_RESOLVED,
        "screeners": selection.screeners, "not_given": NOT_GIVEN, "first_search": searches["search"].iloc[0],
    }


def searched(searches: pd.DataFrame) -> str:
    """What the committee searched, in words: '2 databases and 1 other source'."""
    names = {"database": ("database", "databases"), "register": ("register", "registers"),
             "other": ("other source", "other sources")}
    parts = [f"{n} {names[method][n != 1]}" for method in names
             if (n := int((searches["method"] == method).sum()))]
    return " and ".join(filter(None, [", ".join(parts[:-1]), parts[-1]])) if parts else "no source"


def reason_rows(selection: Selection, counts: Flow) -> list[dict]:
    """Each of the committee's reasons (and any other in use) with the works it set aside on title
    and abstract and at full text, in the committee's order."""
    both = (counts.databases, counts.other)
    titles, full = {}, {}
    for column in both:
        for reason, n in column.screened_reasons:
            titles[reason] = titles.get(reason, 0) + n
        for reason, n in column.excluded:
            full[reason] = full.get(reason, 0) + n
    order = list(dict.fromkeys([*selection.reasons, *titles, *full]))
    order.sort(key=lambda r: r == NOT_GIVEN)
    return [{"reason": r, "titles": titles.get(r, 0), "full_text": full.get(r, 0)} for r in order]
