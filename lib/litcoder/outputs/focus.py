"""outputs/figures/per-competency/ and per-source/: a figure for every competency and every source.

A competency's figure is its evidence as its card gives it: the bar of what its sources say
(adding up to them), each part's share with its 95 % interval, which source says what, and
the committee's ruling. A source's figure is what it says of each competency it speaks to.
Each is a page of its own, with plotly's camera button for a PNG; `litcoder export figures`
draws them for print as well (PDF, PNG at 300 dpi for 6.5 and 3.25 inches, SVG), as the
build draws the review's figures.

The figures are plain plotly dicts (a plotly Figure object takes tens of milliseconds to
make, and a review may have 2,000 sources), and a page is made again only when what it
shows changed (its inputs' fingerprint, kept as for the source pages).
"""

from __future__ import annotations

import functools
import hashlib
import math
import textwrap
from pathlib import Path

import plotly.io as pio

from ..analysis.evidence import COMPOSITION, COMPOSITION_DEFINITIONS, COMPOSITION_LABELS
from ..analysis.rulings import STATUS_LABELS
from ..files import code_version, write_atomic
from .charts import TEMPLATE, FigureContext, _escape, cited_quote
from .figures import CONFIG, PER_ITEM
from .pages import Fingerprints, page_name
from .theme import CLASSIFICATION_LABELS, FRAMING_COLOURS, SPLIT_PATTERN

KINDS = {kind: folder for folder, (kind, _) in PER_ITEM.items()}
"""Each kind of figure ("competency", "source") and its folder in outputs/figures/."""
SOURCES_SHOWN = 40
"""Sources a competency's figure names one by one; the rest are counted under them (the
card and outputs/tables/codings.csv list them all)."""
SYMBOLS = {"leadership": "circle", "management": "square", "both": "diamond", "neither": "triangle-up",
           "disputed": "x", "split": "hexagon-open"}
"""A source's mark differs in shape by what it says as well as in colour, so that it reads in greys."""
INK = "#1d1d1f"
PIVOTAL = " ◆"
"""After a source's name in a competency's figure: leaving it out changes the classification (as ◆ on the cards)."""
FILE_ENDINGS = (".html", ".pdf", ".png", ".svg", "-6.5in.png", "-3.25in.png")


def composition(row: dict) -> list[dict]:
    """What a competency's sources say (the card's bar and this module's figure): each part
    with its count, its share of the sources and its 95 % interval."""
    n = row["sources"]
    return [{"part": part, "label": COMPOSITION_LABELS[part], "letter": part[0].upper(),
             "count": row[f"{part}_sources"],
             "width": round(100 * row[f"{part}_sources"] / n, 2), "share": row[f"{part}_sources"] / n,
             "low": row[f"{part}_low"], "high": row[f"{part}_high"], "definition": COMPOSITION_DEFINITIONS[part]}
            for part in COMPOSITION if n and row[f"{part}_sources"]]


def ruling_sentence(row: dict) -> str:
    """What a ruling's status means for this competency, in a sentence.

    >>> ruling_sentence({"decision": "neither", "decision_status": "drifted", "classification": "contested",
    ...                  "ruled_on_classification": "neither"})
    'Drifted: when the committee ruled, the evidence supported neither; today it is contested.'
    """
    today = _supports(row["classification"], "supports", "is")
    then = (_supports(row["ruled_on_classification"], "supported", "was")
            if row["ruled_on_classification"] else "was not recorded")
    return {
        "agrees": "It agrees with the evidence today.",
        "overrides": f"It overrides the evidence, deliberately: when the committee ruled, the evidence {then}; "
                     f"today it {today}.",
        "drifted": f"Drifted: when the committee ruled, the evidence {then}; today it {today}.",
        "deferred": f"The committee has deferred its ruling; today the evidence {today}.",
    }.get(row["decision_status"], "")


def _supports(classification: str, supports: str, is_: str) -> str:
    if classification in ("contested", "insufficient"):
        return f"{is_} {CLASSIFICATION_LABELS[classification].lower()}"
    return f"{supports} {classification}"


# ---------------------------------------------------------------- what each figure shows

def competency_inputs(context: FigureContext) -> dict[str, tuple]:
    """Per competency, everything its figure shows (its fingerprint is made from this)."""
    listed: dict[str, list] = {}
    for competency, citekey, framing, codings in zip(*(context.voices[c].tolist() for c in
                                                       ("competency", "citekey", "framing", "codings"))):
        listed.setdefault(competency, []).append((citekey, framing, codings))
    inputs = {}
    for row in context.evidence.to_dict("records"):
        sources = sorted(listed.get(row["competency"], []),
                         key=lambda s: (COMPOSITION.index(s[1]), context.cite.get(s[0], s[0])))
        pivotal = set(row["pivotal_sources"].split(", "))
        shown = tuple((context.cite.get(k, k) + (PIVOTAL if k in pivotal else ""), f, int(n),
                       context.first_quote(row["competency"], k)) for k, f, n in sources[:SOURCES_SHOWN])
        parts = tuple((p["part"], p["count"], p["share"], p["low"], p["high"]) for p in composition(row))
        ruling = (row["decision"], row["decided_on"], row["decision_status"], ruling_sentence(row))
        inputs[row["competency"]] = (row["label"], row["classification"], int(row["sources"]), parts,
                                     row["explanation"], ruling, shown, max(0, len(sources) - SOURCES_SHOWN))
    return inputs


def source_inputs(context: FigureContext) -> dict[str, tuple]:
    """Per source with codings, everything its figure shows."""
    order = {c: i for i, c in enumerate(context.review.codebook["competency"])}
    said: dict[str, list] = {}
    for competency, citekey, framing, codings in zip(*(context.voices[c].tolist() for c in
                                                       ("competency", "citekey", "framing", "codings"))):
        said.setdefault(citekey, []).append((order.get(competency, len(order)), context.labels.get(competency,
                                             competency), framing, int(codings),
                                             context.first_quote(competency, citekey)))
    for citekey in context.review.quoted_codings["citekey"].unique().tolist():
        said.setdefault(citekey, [])  # coded, but none counted yet: its page links to its figure all the same
    titles = dict(zip(context.review.sources["citekey"], context.review.sources["title"].fillna("")))
    return {citekey: (context.cite.get(citekey, citekey), str(titles.get(citekey, "")), tuple(sorted(rows)))
            for citekey, rows in said.items()}


@functools.cache
def _template() -> dict:
    """The review's plotly template (charts.TEMPLATE), its layout only, for figures made as dicts."""
    return {"layout": pio.templates[TEMPLATE].layout.to_plotly_json()}


def _axis_columns() -> dict:
    """The framing columns every figure here shares, in the order of COMPOSITION."""
    return {"type": "category", "categoryorder": "array", "categoryarray": [COMPOSITION_LABELS[p] for p in COMPOSITION],
            "range": [-0.5, len(COMPOSITION) - 0.5], "side": "top", "showgrid": True, "fixedrange": True}


def _marks(rows: list[tuple[str, str, int, str]]) -> list[dict]:
    """One trace per framing: a mark per row (y, framing, codings, its first quote's FigureContext.first_quote),
    sized by its codings."""
    traces = []
    for part in COMPOSITION:
        mine = [r for r in rows if r[1] == part]
        if not mine:
            continue
        traces.append({
            "type": "scatter", "mode": "markers", "name": COMPOSITION_LABELS[part], "xaxis": "x2", "yaxis": "y2",
            "x": [COMPOSITION_LABELS[part]] * len(mine), "y": [r[0] for r in mine], "showlegend": False,
            "marker": {"color": FRAMING_COLOURS[part], "symbol": SYMBOLS[part], "line": {"width": 1, "color": INK},
                       "size": [min(22, 8 + 3 * math.sqrt(r[2])) for r in mine], "opacity": 1},
            "hovertext": [f"<b>{_escape(r[0])}</b>: {COMPOSITION_LABELS[part]} ({r[2]} coding{'s' * (r[2] != 1)})"
                          f"<br>{cited_quote(*r[3], 120)}" for r in mine], "hoverinfo": "text"})
    return traces


def competency_figure(inputs: tuple) -> dict:
    """A competency's evidence: what its sources say, the share of each with its 95 % interval,
    which source says what, and the ruling; its classification sentence below."""
    label, classification, n, parts, explanation, ruling, shown, more = inputs
    bar_y = f"all {n} sources"
    data = [{"type": "bar", "orientation": "h", "name": COMPOSITION_LABELS[part], "y": [bar_y], "x": [share],
             "text": [str(count)], "textposition": "inside", "insidetextanchor": "middle", "textangle": 0,
             "marker": {"color": FRAMING_COLOURS[part], "pattern": SPLIT_PATTERN if part == "split" else None,
                        "line": {"width": 0.5, "color": "#6b6b6b"}},
             "hovertext": [f"{count} of {n} sources: {COMPOSITION_LABELS[part]}"], "hoverinfo": "text"}
            for part, count, share, _, _ in parts]
    data.append({"type": "scatter", "mode": "markers", "name": "share, 95% interval", "showlegend": False,
                 "y": [f"{COMPOSITION_LABELS[p]}: {count} of {n}" for p, count, *_ in parts],
                 "x": [share for _, _, share, _, _ in parts],
                 "error_x": {"type": "data", "symmetric": False,
                             "array": [high - share for _, _, share, _, high in parts],
                             "arrayminus": [share - low for _, _, share, low, _ in parts], "color": "#3b3b3b",
                             "thickness": 1.5, "width": 5},
                 "marker": {"color": [FRAMING_COLOURS[p] for p, *_ in parts], "size": 11, "opacity": 1,
                            "symbol": [SYMBOLS[p] for p, *_ in parts], "line": {"width": 1, "color": INK}},
                 "hovertext": [f"{COMPOSITION_LABELS[p]}: {count} of {n} sources ({share:.0%}; 95% interval "
                               f"{low:.0%}–{high:.0%})" for p, count, share, low, high in parts],
                 "hoverinfo": "text"})
    data += _marks([(s[0], s[1], s[2], s[3]) for s in shown])
    top, bottom, gap = 28 * (1 + len(parts)), 26 * max(1, len(shown)) + 10, 90
    plot = top + gap + bottom
    decision, decided_on, status, _ = ruling
    ruled = (f"Committee ruling, {decided_on}: {decision} ({STATUS_LABELS.get(status, status)})"
             if decision else "No committee ruling yet")
    below = textwrap.wrap(explanation, 110)
    if more:
        below += [f"And {more} more sources: all are on the evidence card and in tables/codings.csv."]
    below += _defined([p for p, *_ in parts] + [s[1] for s in shown], sized=True)
    if any(s[0].endswith(PIVOTAL) for s in shown):
        below.append(f"{PIVOTAL.strip()}: a pivotal source: leaving it out changes the classification.")
    notes = [_note(f"What its {n} sources say, and each share with its 95% interval", 1.0, 6),
             _note("Which source says what", bottom / plot, 34),
             _note("<br>".join(_escape(line) for line in below), 0, -12, anchor="top", colour=INK)]
    layout = {"template": _template(), "showlegend": False, "barmode": "stack", "bargap": 0.35,
              "title": {"text": _escape(f"{label}: {CLASSIFICATION_LABELS[classification].lower()} on the evidence"),
                        "subtitle": {"text": _escape(ruled)}},
              "height": plot + 110 + 18 * len(below) + 30, "margin": {"l": 10, "r": 20, "t": 110,
                                                                       "b": 18 * len(below) + 30},
              "annotations": notes,
              "xaxis": {"domain": [0, 1], "range": [0, 1], "tickformat": ".0%", "anchor": "y", "fixedrange": True},
              "yaxis": {"domain": [(bottom + gap) / plot, 1], "type": "category", "autorange": "reversed",
                        "automargin": True, "fixedrange": True},
              "xaxis2": {**_axis_columns(), "anchor": "y2"},
              "yaxis2": {"domain": [0, bottom / plot], "type": "category", "autorange": "reversed",
                         "automargin": True, "fixedrange": True, "anchor": "x2"}}
    return {"data": data, "layout": layout}


def source_figure(inputs: tuple) -> dict:
    """A source's voice on each competency it speaks to, in the codebook's order."""
    cite, title, rows = inputs
    marks = [(label, framing, codings, quote) for _, label, framing, codings, quote in rows]
    height = 26 * max(1, len(marks)) + 10
    below = _defined([m[1] for m in marks], sized=True) if marks else [
        "None of its codings is counted as evidence yet: see coverage in the report."]
    layout = {"template": _template(), "showlegend": False, "height": height + 130 + 18 * len(below) + 20,
              "title": {"text": _escape(f"{cite}: how it frames each competency it speaks to"),
                        "subtitle": {"text": _escape(title, 120)}},
              "margin": {"l": 10, "r": 20, "t": 130, "b": 18 * len(below) + 20},
              "annotations": [_note("<br>".join(_escape(line) for line in below), 0, -12, anchor="top", colour=INK)],
              "xaxis2": {**_axis_columns(), "anchor": "y2"},
              "yaxis2": {"type": "category", "autorange": "reversed", "automargin": True, "fixedrange": True,
                         "anchor": "x2"}}
    return {"data": _marks(marks), "layout": layout}


def _defined(parts: list[str], sized: bool) -> list[str]:
    """The lines that define what the figure's framings other than the four plain ones mean, and its marks' size."""
    lines = [f"{COMPOSITION_LABELS[p].capitalize()}: {COMPOSITION_DEFINITIONS[p]}." for p in COMPOSITION
             if p in parts and p in ("disputed", "split")]
    return lines + (["Mark size: the codings of that source and competency."] if sized else [])


def _note(text: str, y: float, shift: int, anchor: str = "bottom", colour: str = "#5f6368") -> dict:
    return {"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": y, "xanchor": "left", "yanchor": anchor,
            "yshift": shift, "showarrow": False, "align": "left", "font": {"size": 12, "color": colour}}


# ---------------------------------------------------------------- writing them

MAKERS = {"competency": (competency_inputs, competency_figure), "source": (source_inputs, source_figure)}


def update_focus_figures(review, context: FigureContext, figures_folder: Path) -> list[Path]:
    """Write each competency's and each source's figure page that changed, remove those of
    competencies and sources gone; returns the pages (made now or before)."""
    written = []
    for kind, folder_name in KINDS.items():
        inputs_of, figure_of = MAKERS[kind]
        folder = figures_folder / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        manifest = Fingerprints(review.path, folder, code_version())
        wanted = set()
        for item, inputs in inputs_of(context).items():
            name = page_name(item)
            wanted.add(name[:-5])
            fingerprint = hashlib.blake2b(repr(inputs).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
            if not manifest.unchanged(name, fingerprint):
                write_atomic(folder / name, focus_html(figure_of(inputs), name[:-5]))
                manifest.written(name, fingerprint)
            written.append(folder / name)
        manifest.save()
        _remove_gone(folder, wanted)
    return written


def focus_figures(review, context: FigureContext, kind: str) -> dict[str, dict]:
    """Every figure of one kind ("competency", "source"), by its file's stem (for `litcoder export figures`)."""
    inputs_of, figure_of = MAKERS[kind]
    return {page_name(item)[:-5]: figure_of(inputs) for item, inputs in inputs_of(context).items()}


def figure_for(review, evidence, kind: str, item: str) -> dict:
    """The figure of one competency (`kind` "competency", `item` its id) or one source ("source",
    its citekey), as the build writes it, for a notebook to show (plotly.graph_objects.Figure(it))."""
    inputs_of, figure_of = MAKERS[kind]
    found = inputs_of(FigureContext(review, evidence, None))
    if item not in found:
        raise KeyError(f"no {kind} '{item}' with a figure (a source has one once it is coded)")
    return figure_of(found[item])


FIT_NOTES = r"""
(function (gd) {
  // the notes wrapped anew to the plot's width (a phone's, a narrow window's), each paragraph
  // ending with a full stop; the room above and under the plot grows with the lines of their notes
  const notes = (gd.layout.annotations || []).map(a => a.text);
  const height = gd.layout.height, bottom = gd.layout.margin.b, top = gd.layout.margin.t;
  function wrap(text, chars) {
    return text.split(/(?<=\.)<br>/).map(paragraph => {
      const lines = [];
      let line = "";
      for (const word of paragraph.replace(/<br>/g, " ").split(" ")) {
        if (line && (line + " " + word).length > chars) { lines.push(line); line = word; }
        else { line = line ? line + " " + word : word; }
      }
      return lines.concat(line ? [line] : []).join("<br>");
    }).join("<br>");
  }
  function fit() {
    const chars = Math.max(20, Math.floor(gd._fullLayout._size.w / 6.6));
    const update = {};
    let under = 0, over = 0;
    notes.forEach((text, i) => {
      const wrapped = wrap(text, chars), lines = wrapped.split("<br>").length, note = gd.layout.annotations[i];
      update["annotations[" + i + "].text"] = wrapped;
      if (note.yanchor === "top") { under = lines; }
      else if (note.y === 1) { over = Math.max(over, lines - 1); }  // the note over the plot: room above it
      else { update["annotations[" + i + "].visible"] = chars >= 60; }  // over framings standing aslant: hidden
    });
    update["margin.b"] = under ? Math.max(bottom, 18 * under + 30) : bottom;
    update["margin.t"] = top + (over ? 18 * over + 18 : 0);
    update.height = height + update["margin.b"] - bottom + update["margin.t"] - top;
    Plotly.relayout(gd, update);
  }
  fit();
  window.addEventListener("resize", fit);
})(document.getElementById("{plot_id}"));
"""
"""The page script of a figure per competency or per source: its notes fit a narrow screen."""


def focus_html(figure: dict, stem: str) -> str:
    """A figure's page, using the review's figures' copy of plotly.js (../plotly.min.js), its
    notes wrapped to the screen's width (FIT_NOTES)."""
    config = {**CONFIG, "toImageButtonOptions": {**CONFIG["toImageButtonOptions"], "filename": stem}}
    return pio.to_html(figure, validate=False, full_html=True, include_plotlyjs="../plotly.min.js",
                       div_id=f"figure-{stem}", config=config, default_width="100%", post_script=FIT_NOTES)


def _remove_gone(folder: Path, stems: set[str]) -> None:
    """The files of a competency or source no longer in the review (their page, their images)."""
    for path in folder.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        ending = next((e for e in sorted(FILE_ENDINGS, key=len, reverse=True) if path.name.endswith(e)), None)
        if ending and path.name[: -len(ending)] not in stems:
            path.unlink(missing_ok=True)

