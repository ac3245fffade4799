"""The network's focus (issue 20): a node's links lit in their framing's colour, and filters.

The figure alone on a page drawn as the report draws it (figures.figure_payload: the page's
changes, the narrow ones below NARROW, then NETWORK_SCRIPT bound to the div), in Debian's
chromium; `network_page` is also what the screenshots of a large review are taken with.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import CHROMIUM
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from litcoder.analysis.evidence import COMPOSITION, review_voices, weigh_evidence
from litcoder.outputs.charts import (
    FADED,
    FRAMING_DASHES,
    LIT_WIDTH,
    FigureContext,
    figure_script,
    network_chart,
    network_link_framings,
    network_links,
    static_changes,
)
from litcoder.outputs.figures import figure_payload
from litcoder.outputs.theme import FRAMING_COLOURS

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium (apt-get install chromium)")
BLACK = {"#1d1d1f", "#000", "#000000", "black", "#3b3b3b"}

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><script src="plotly.min.js"></script></head>
<body style="margin:0"><div id="figure-network" class="plot"></div>
<script type="application/json" id="figure-network-data">{payload}</script>
<script>
(function () {{
  var script = {script};
  function setPath(root, path, value) {{  // as the report's page script does
    var keys = path.replace(/\\[/g, '.').replace(/\\]/g, '').split('.'), node = root;
    for (var i = 0; i < keys.length - 1; i++) {{
      if (node[keys[i]] === undefined || node[keys[i]] === null) node[keys[i]] = /^\\d+$/.test(keys[i + 1]) ? [] : {{}};
      node = node[keys[i]];
    }}
    node[keys[keys.length - 1]] = value;
  }}
  var plot = document.getElementById('figure-network');
  var fig = JSON.parse(document.getElementById('figure-network-data').textContent);
  if (plot.clientWidth < fig.narrow_below) {{
    Object.keys(fig.narrow).forEach(function (p) {{ setPath(fig, p, fig.narrow[p]); }});
  }}
  plot.style.height = fig.layout.height + 'px';
  Plotly.react(plot, fig.data, fig.layout, fig.config).then(function () {{ script(plot); plot.dataset.ready = '1'; }});
}})();
</script></body></html>"""


def network_page(fig, folder: Path) -> Path:
    """The network alone on a page, drawn as the report draws it, with plotly.js beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    page = folder / "network.html"
    page.write_text(PAGE.format(payload=to_json_plotly(figure_payload(fig, "network")),
                                script=figure_script("network")), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def context(bundled):
    voices = review_voices(bundled)
    return FigureContext(bundled, weigh_evidence(bundled, voices), voices)


@pytest.fixture(scope="module")
def figure(context):
    return network_chart(context)


# ---------------------------------------------------------------- the figure

def lit_and_rest(figure, framing: str):
    """A framing's trace of lit links (the one with the legend's entry), and its links at rest."""
    traces = [t for t in figure.data if t.name == f"framed as {framing}"]
    assert len(traces) == 2
    return sorted(traces, key=lambda t: t.showlegend is False)


def test_a_lit_trace_per_framing_in_its_colour_and_dash(figure, context):
    for framing in COMPOSITION:
        lit, rest = lit_and_rest(figure, framing)
        assert lit.line.color == FRAMING_COLOURS[framing] == rest.line.color
        assert lit.line.dash == FRAMING_DASHES[framing] == rest.line.dash
        assert lit.line.width == LIT_WIDTH > max(rest.line.width, 1) and lit.opacity in (None, 1)
        assert lit.legendgroup == rest.legendgroup == framing  # the legend hides both
        some = (context.voices["framing"] == framing).any()
        assert list(lit.x) == ([None] if some else []) and lit.hoverinfo == "skip"  # filled by the page script
        assert rest.showlegend is False and lit.showlegend is not False
    lines = [t for t in figure.data if t.mode == "lines"]
    assert not {t.line.color for t in lines} & BLACK  # no link, lit or not, is drawn black


def test_the_controls_offer_framings_groups_and_least_sources(figure, context):
    menus = {m.name: m for m in figure.layout.updatemenus}
    names = [t.name for t in figure.data]
    framing = menus["framing"]
    present = [f for f in COMPOSITION if (context.voices["framing"] == f).any()]
    assert [b.label for b in framing.buttons] == ["all framings", *(f"framed as {f}" for f in present)]
    leadership = framing.buttons[1]
    assert leadership.method == "restyle" and [names[i] for i in leadership.args[1]] == 2 * names[:6]
    assert leadership.args[0]["visible"] == 2 * [True if f == "leadership" else "legendonly" for f in COMPOSITION]
    group = menus["group"]
    labels = list(dict.fromkeys(context.evidence["group_label"]))
    assert [b.label for b in group.buttons] == ["all groups", *labels] and len(labels) == 3
    order = context.order["competency"].tolist()
    chosen = group.buttons[1].args[0]["selectedpoints"][0]
    first = context.evidence.loc[context.evidence["group_label"] == labels[0], "competency"]
    assert sorted(order[i] for i in chosen) == sorted(first)
    slider = figure.layout.sliders[0]
    assert [s.label for s in slider.steps] == ["1", "2", "3", "5", "10"]  # the bundled: at most 11 sources
    assert "sources per competency" in slider.currentvalue.prefix
    ten = slider.steps[-1].args[0]["selectedpoints"][0]
    assert {order[i] for i in ten} == set(context.evidence.loc[context.evidence["sources"] >= 10, "competency"])


def test_meta_gives_each_link_its_framing_and_each_competency_its_group(figure, context):
    meta = figure.layout.meta
    framings = network_link_framings(context)
    assert len(meta["link_framings"]) == len(meta["links"]) == len(network_links(context)) == len(framings)
    assert [meta["framings"][k] for k in meta["link_framings"]] == framings
    assert framings[:len(context.voices)] == context.voices["framing"].tolist()
    assert set(framings[len(context.voices):]) == {"leadership", "management"}
    assert len(meta["competencies"]) == len(context.evidence)
    assert {n for _, n in meta["competencies"].values()} == set(context.evidence["sources"])


def test_hovers_define_what_is_shown(figure):
    names = [t.name for t in figure.data]
    competencies = figure.data[names.index("competencies")]
    assert all("group: " in h and " sources: " in h and "split" in h for h in competencies.hovertext)
    assert "group: Keeping the organisation on track" in competencies.hovertext[0] + " ".join(competencies.hovertext)
    sources = figure.data[names.index("sources")]
    assert all(" competencies:" in h for h in sources.hovertext)


def test_pictures_hide_the_controls(figure):
    changes = static_changes("network", figure.to_dict())
    assert changes["layout.updatemenus[0].visible"] is False and changes["layout.updatemenus[1].visible"] is False
    assert changes["layout.sliders[0].visible"] is False and "click" not in changes["layout.legend.title.text"]


def test_the_legend_and_caption_say_how_to_use_the_controls(figure):
    from litcoder.outputs.charts import CAPTIONS, print_caption

    assert "click one to hide it" in figure.layout.legend.title.text
    caption = CAPTIONS["network"]
    for words in ("menu", "group", "framing", "slide", "fewer sources", "legend", "wider", "fade"):
        assert words in caption, words
    assert "menu" not in print_caption("network")  # a picture has none


# ---------------------------------------------------------------- in the browser

LIT_STATE = """() => {
  // the page script draws a node's links as shapes named after their framing's lit trace
  const gd = document.getElementById('figure-network');
  return (gd.layout.shapes || []).filter(s => s.type === 'line' && (s.name || '').startsWith('lit: framed as '))
    .map(s => ({framing: s.name.replace('lit: framed as ', ''), colour: s.line.color, dash: s.line.dash,
                width: s.line.width}));
}"""
BLACK_LINES = """() => {
  const gd = document.getElementById('figure-network'), black = ['#1d1d1f', '#000', '#000000', 'black'];
  return gd.data.filter(t => t.mode === 'lines' && black.includes(t.line.color) && (t.x || []).some(x => x !== null))
    .map(t => t.name).concat((gd.layout.shapes || []).filter(s => s.type === 'line' && black.includes(s.line.color))
    .map(s => s.name));
}"""
RINGS = """() => (document.getElementById('figure-network').layout.shapes || []).filter(s => s.type === 'circle')
  .map(s => s.line.color)"""
POINT = """([name, n]) => {
  const gd = document.getElementById('figure-network'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect(), t = gd.data.find(t => t.name === name);
  return [box.left + xa._offset + xa.l2p(t.x[n]), box.top + ya._offset + ya.l2p(t.y[n])];
}"""
SHOWN = """() => {
  // points drawn, as plotly.js holds them (the figure's arrays arrive base64-encoded; NaN or null is a gap)
  const gd = document.getElementById('figure-network');
  return Object.fromEntries(gd._fullData.filter(t => t.name.startsWith('framed as') && !t.showlegend).map(t =>
    [t.name.replace('framed as ', ''), t.visible !== true ? 0 :
     Array.from(t.x || []).filter(x => x !== null && !Number.isNaN(x)).length]));
}"""
OPACITY = """() => {  // the links at rest of one framing, as drawn
  const gd = document.getElementById('figure-network'), t = gd._fullData.find(t => t.name === 'framed as leadership');
  return Number(getComputedStyle(gd.querySelector('.trace' + t.uid)).opacity);
}"""


@pytest.fixture(scope="module")
def page_file(figure, tmp_path_factory):
    return network_page(figure, tmp_path_factory.mktemp("network"))


def open_page(browser, page_file: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_function("document.getElementById('figure-network').dataset.ready === '1'")
    return page, errors


def hover(page, trace: str, n: int) -> tuple[float, float]:
    x, y = page.evaluate(POINT, [trace, n])
    page.mouse.move(x, y)  # a real pointer: plotly fires its hover event only for one
    return x, y


def lit_links(page) -> dict[str, int]:
    """How many links are lit, by framing."""
    state = page.evaluate(LIT_STATE)
    for link in state:  # whatever is lit keeps its framing's colour and dash, drawn wider
        assert link["colour"] == FRAMING_COLOURS[link["framing"]], link
        assert link["dash"] == FRAMING_DASHES[link["framing"]] and link["width"] == LIT_WIDTH, link
    assert page.evaluate(BLACK_LINES) == []
    return dict(Counter(link["framing"] for link in state))


def drawn(voices) -> int:
    """Points the links at rest take: a fan per source and framing (s, c1, s, c2, …, s)."""
    return 2 * len(voices) + len(voices.groupby(["framing", "citekey"]))


def expected(context, citekey=None, competency=None) -> dict[str, int]:
    v = context.voices
    chosen = v[v["citekey"] == citekey] if citekey else v[v["competency"] == competency]
    return chosen["framing"].value_counts().to_dict()


@needs_chromium
def test_hovering_a_source_lights_its_links_in_their_framings(browser, page_file, figure, context):
    page, errors = open_page(browser, page_file)
    rest = page.evaluate(OPACITY)
    sources = figure.data[[t.name for t in figure.data].index("sources")]
    hover(page, "sources", 0)
    key = context.review.sources["citekey"].tolist()[0]
    assert lit_links(page) == expected(context, citekey=key)
    assert page.evaluate(OPACITY) == pytest.approx(rest * FADED)  # the other links fade
    rings = page.evaluate(RINGS)  # round each competency reached, in its link's colour, and the source
    assert len(rings) == sum(expected(context, citekey=key).values()) + 1 and rings.count("#1d1d1f") == 1
    assert set(rings) - {"#1d1d1f"} <= {FRAMING_COLOURS[f] for f in expected(context, citekey=key)}
    assert len(sources.x) == len(context.review.sources)
    page.mouse.move(5, 5)
    assert lit_links(page) == {} and page.evaluate(OPACITY) == rest  # cleared when the pointer leaves
    assert page.evaluate(RINGS) == []
    assert errors == []
    page.close()


@needs_chromium
def test_hovering_a_competency_lights_its_sources_and_categories(browser, page_file, context):
    page, errors = open_page(browser, page_file)
    order = context.order["competency"].tolist()
    n = order.index("developing-staff")  # disputed: links of several framings
    hover(page, "competencies", n)
    lit = lit_links(page)
    want = expected(context, competency="developing-staff")
    assert len(want) >= 3
    # its sources' links in their framings, and its links to leadership and management in theirs
    sums = context.voices[context.voices["competency"] == "developing-staff"][["leadership", "management", "both"]]
    for category in ("leadership", "management"):
        if (sums[category] + sums["both"] / 2).sum() > 0:
            want[category] = want.get(category, 0) + 1
    assert lit == want
    assert errors == []
    page.close()


@needs_chromium
def test_a_click_keeps_the_links_and_a_double_click_clears_them(browser, page_file, context):
    page, errors = open_page(browser, page_file)
    x, y = hover(page, "sources", 3)
    lit = lit_links(page)
    assert lit
    page.mouse.click(x, y)
    page.mouse.move(5, 5)
    assert lit_links(page) == lit  # kept after the pointer leaves
    hover(page, "sources", 6)
    page.mouse.move(5, 5)
    assert lit_links(page) == lit  # and back to the kept node's when another one is left
    page.mouse.dblclick(*page.evaluate(POINT, ["sources", 3]))
    page.mouse.move(5, 5)
    assert lit_links(page) == {}
    assert errors == []
    page.close()


@needs_chromium
def test_a_framing_hidden_from_the_legend_leaves_the_kept_links(browser, page_file, context):
    page, errors = open_page(browser, page_file)
    key = context.review.sources["citekey"].tolist()[0]
    x, y = hover(page, "sources", 0)
    page.mouse.click(x, y)
    page.mouse.move(5, 5)
    lit = lit_links(page)
    assert len(lit) >= 2 and lit == expected(context, citekey=key)
    hidden = sorted(lit)[0]
    page.locator(".legend .traces", has_text=f"framed as {hidden}").click()
    # plotly.js waits (300 ms) to tell a click on the legend from a double-click
    page.wait_for_function("f => !(document.getElementById('figure-network').layout.shapes || [])"
                           ".some(s => s.name === 'lit: framed as ' + f)", arg=hidden, timeout=5000)
    assert lit_links(page) == {f: n for f, n in lit.items() if f != hidden}
    assert errors == []
    page.close()


def choose(page, menu: int, label: str) -> None:
    """Open the menu under the plot and click one of its options."""
    page.locator(".updatemenu-header-group").nth(menu).click()
    page.locator(".updatemenu-dropdown-button", has_text=label).first.click()
    page.wait_for_timeout(50)


@needs_chromium
def test_the_filters_hide_the_links_of_other_framings_and_groups(browser, page_file, context):
    page, errors = open_page(browser, page_file)
    every = page.evaluate(SHOWN)
    choose(page, 0, "framed as management")
    shown = page.evaluate(SHOWN)
    assert shown["management"] == every["management"] > 0 and sum(shown.values()) == shown["management"]
    key = context.review.sources["citekey"].tolist()[0]
    hover(page, "sources", 0)
    assert set(lit_links(page)) <= {"management"}  # a node's links of hidden framings stay unlit
    page.mouse.move(5, 5)
    choose(page, 0, "all framings")
    assert page.evaluate(SHOWN) == every
    e = context.evidence
    group = e["group_label"].iloc[0]
    members = set(e.loc[e["group_label"] == group, "competency"])
    choose(page, 1, group)
    kept = context.voices[context.voices["competency"].isin(members)]
    shown = page.evaluate(SHOWN)
    assert sum(shown.values()) == drawn(kept) < sum(every.values())
    hover(page, "sources", 0)
    mine = kept[kept["citekey"] == key]["framing"].value_counts().to_dict()
    assert lit_links(page) == mine  # only the links into the group
    page.mouse.move(5, 5)
    faint = page.evaluate("() => document.getElementById('figure-network').data.find("
                          "t => t.name === 'competencies').selectedpoints.length")
    assert faint == len(members)
    choose(page, 1, "all groups")
    assert page.evaluate(SHOWN) == every
    assert errors == []
    page.close()


@needs_chromium
def test_the_slider_hides_competencies_of_few_sources(browser, page_file, context):
    page, errors = open_page(browser, page_file)
    every = page.evaluate(SHOWN)
    rail = page.locator(".slider-rail-touch-rect").first.bounding_box()
    page.mouse.click(rail["x"] + rail["width"] - 4, rail["y"] + rail["height"] / 2)  # the last step: 10
    page.wait_for_timeout(50)
    many = set(context.evidence.loc[context.evidence["sources"] >= 10, "competency"])
    kept = context.voices[context.voices["competency"].isin(many)]
    shown = page.evaluate(SHOWN)
    assert 0 < sum(shown.values()) == drawn(kept) < sum(every.values()) == drawn(context.voices)
    assert errors == []
    page.close()


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_the_controls_stay_below_the_plot(browser, page_file, width):
    page, errors = open_page(browser, page_file, width)
    boxes = page.evaluate("""() => {
      const gd = document.getElementById('figure-network'), frame = gd.getBoundingClientRect();
      const plot = gd.querySelector('.nsewdrag').getBoundingClientRect();
      const controls = [...gd.querySelectorAll('.updatemenu-header-group, .slider-group')]
        .map(c => c.getBoundingClientRect());
      const texts = [...gd.querySelectorAll('.updatemenu-header-group text, .slider-group text, .legend text')]
        .filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect());
      return {frame: [frame.left, frame.right, frame.bottom], plot: plot.bottom,
              controls: controls.map(c => [c.left, c.right, c.top, c.bottom]),
              texts: texts.map(c => [c.left, c.right, c.top, c.bottom])};
    }""")
    left, right, bottom = boxes["frame"]
    assert len(boxes["controls"]) == 3
    for c in boxes["controls"]:
        assert c[2] >= boxes["plot"] - 1 and c[3] <= bottom + 1, c  # under the plot, inside the figure
        assert c[0] >= left - 1 and c[1] <= right + 1, c
    texts = boxes["texts"]
    for i, a in enumerate(texts):  # no label over another
        for b in texts[i + 1:]:
            assert min(a[1], b[1]) - max(a[0], b[0]) <= 2 or min(a[3], b[3]) - max(a[2], b[2]) <= 2, (a, b)
    assert errors == []
    page.close()


def test_the_page_payload_is_json(figure):
    payload = figure_payload(figure, "network")
    assert json.loads(to_json_plotly(payload))["layout"]["updatemenus"][0]["name"] == "framing"
