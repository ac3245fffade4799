"""The report in a real browser: Debian's chromium driven by Playwright, from disk, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CHROMIUM

from litcoder.outputs.report import build
from litcoder.store import CoderFile

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")
DRAWN = """plot => new Promise(done => (function wait() {
  plot.dataset.ready ? requestAnimationFrame(() => requestAnimationFrame(done)) : setTimeout(wait, 20);
})())"""
"""Resolves once the report's page script has drawn the figure (and run its script), and it is painted."""


def draw_every_figure(page) -> None:
    """Scroll to each figure of the report in turn, which draws it, and wait until it is drawn."""
    for plot in page.locator(".plot").all():
        plot.scroll_into_view_if_needed()
        plot.evaluate(DRAWN)


def open_report(browser, report: Path):
    """The report page once every figure is drawn, with the console errors and dialogs it raised."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"errors": [], "dialogs": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline: any fetch would fail
    page.goto(report.as_uri(), wait_until="load")
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") < 7  # drawn only when seen
    draw_every_figure(page)
    return page, seen


def test_report_draws_every_figure_without_errors(browser, bundled_report, tmp_path):
    page, seen = open_report(browser, bundled_report)
    # the figures, each attribute's, the co-occurrence, the flow diagram, and the network's three
    assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 7 + 3 + 1 + 1 + 3
    assert seen["errors"] == []
    # every figure has drawn its marks, not just its axes
    for name in ("evidence", "network", "matrix", "years", "coverage", "agreement", "pairs", "by-source_type",
                 "by-field", "by-sector", "cooccurrence"):
        marks = page.evaluate(f"document.querySelector('#figure-{name}')"
                              ".querySelectorAll('.trace, .hm, canvas').length")
        assert marks > 0, name
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()


LIT_LINKS = """() => (document.getElementById('figure-network').layout.shapes || [])
  .filter(s => (s.name || '').startsWith('lit: framed as')).length"""
"""The links the report's page script draws lit, as shapes over the network."""


def test_hovering_a_node_lights_its_links(browser, bundled_report):
    page, seen = open_report(browser, bundled_report)
    page.locator("#figure-network").scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {
      const gd = document.getElementById('figure-network'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      const box = gd.getBoundingClientRect(), t = gd.data.find(t => t.name === 'sources');
      return [box.left + xa._offset + xa.l2p(t.x[0]), box.top + ya._offset + ya.l2p(t.y[0])];
    }""")
    page.mouse.move(x, y)  # a real pointer: plotly fires its hover event only for one
    lit = page.evaluate(LIT_LINKS)
    assert lit >= 1  # at least one link, drawn lit over the plot
    page.mouse.click(x, y)
    page.mouse.move(5, 5)
    kept = page.evaluate(LIT_LINKS)
    assert kept == lit  # clicked: the links stay lit after the pointer leaves
    assert seen["errors"] == []
    page.close()


PAYLOAD = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=1;alert(2)</script>'


def test_an_xss_payload_in_the_inputs_runs_no_script(browser, review_copy):
    source = review_copy / "corpus/sources/Kotter1990WhatLeaders.md"
    source.write_text(source.read_text(encoding="utf-8") + f"\n\nA passage holding {PAYLOAD} as text.\n",
                      encoding="utf-8")
    CoderFile(review_copy / "corpus/codings/coder-a.csv").append(
        {"id": "xss-1", "citekey": "Kotter1990WhatLeaders", "passage": 13, "quote": f"holding {PAYLOAD} as text",
         "competency": "budgeting", "framing": "management", "memo": f"memo {PAYLOAD}"})
    codebook = review_copy / "corpus/codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace(
        "label: Budgeting", "label: '<img src=x onerror=\"window.__xss=1\">Budgeting'"), encoding="utf-8")
    result = build(review_copy, images=False)
    assert result.review.codings["id"].eq("xss-1").any()
    page, seen = open_report(browser, result.report)
    # hover every point of every figure, so hover labels holding the payload are drawn too
    page.evaluate("""() => document.querySelectorAll('.js-plotly-plot').forEach(gd => gd.data.forEach((t, i) => {
      if (t.hoverinfo === 'skip' || !t.hovertext) return;
      if (t.type === 'heatmap') {
        for (let r = 0; r < t.z.length; r++) for (let c = 0; c < t.z[r].length; c++)
          if (t.hovertext[r][c]) Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: [r, c]}]);
      } else {
        for (let p = 0; p < t.hovertext.length; p++) Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: p}]);
      }
    }))""")
    assert page.evaluate("window.__xss") is None
    assert seen["dialogs"] == []
    assert PAYLOAD in page.locator("#c-budgeting").text_content()  # the tags are text, not elements
    page.close()
