"""The report on a phone (390 × 800) and on a desktop (1400 × 900), in Debian's chromium:
nothing wider than the screen, a one-line menu, no figure text over other text or cut off at
the figure's edge, and the page shown before plotly.js is read (first contentful paint).

Screenshots of the whole page at both widths (and in greys at the desktop's) are left in
/tmp/shots/ to be looked at.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from conftest import CHROMIUM
from test_browser import draw_every_figure

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")
SCREENS = {"phone": (390, 800), "desktop": (1400, 900)}
SHOTS = Path("/tmp/shots")
TOLERANCE = 2
"""Pixels two text boxes may share (antialiasing, a descender) before they count as overlapping."""
FIRST_PAINT_LIMIT = 1000
"""Milliseconds (median of LOADS) to the first contentful paint of the bundled review's report."""
LOADS = 5

# Every text plotly drew in a figure (titles, legend items, axis titles, tick labels,
# annotations, labels in the plot), as the four corners on screen of its box, so that
# rotated labels are compared as drawn; then the pairs that overlap (separating axes) and
# the texts that reach outside the figure's box.
TEXT_BOXES = """([id, tolerance]) => {
  const gd = document.getElementById(id), frame = gd.getBoundingClientRect();
  const texts = [...gd.querySelectorAll('.main-svg text')].filter(t =>
    !t.closest('.hoverlayer') && t.textContent.trim() &&
    t.checkVisibility({opacityProperty: true, visibilityProperty: true}) && t.getBBox().width > 0);
  const boxes = texts.map(t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]];
    return {text: t.textContent.trim(),
            at: corners.map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f])};
  });
  const axes = (p) => p.map((a, i) => { const b = p[(i + 1) % 4], dx = b[0] - a[0], dy = b[1] - a[1],
                                              n = Math.hypot(dx, dy) || 1; return [-dy / n, dx / n]; });
  const depth = (p, q, [ax, ay]) => {
    const on = (s) => s.map(([x, y]) => x * ax + y * ay);
    const a = on(p), b = on(q);
    return Math.min(Math.max(...a), Math.max(...b)) - Math.max(Math.min(...a), Math.min(...b));
  };
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const p = boxes[i].at, q = boxes[j].at;
    if ([...axes(p), ...axes(q)].every(axis => depth(p, q, axis) > tolerance))
      overlaps.push([boxes[i].text, boxes[j].text]);
  }
  const outside = boxes.filter(b => b.at.some(([x, y]) =>
    x < frame.left - 1 || x > frame.right + 1 || y < frame.top - 1 || y > frame.bottom + 1)).map(b => b.text);
  return {count: boxes.length, overlaps, outside};
}"""
FIRST_PAINT = """() => new Promise(done => new PerformanceObserver((list, observer) => {
  const paint = list.getEntriesByName('first-contentful-paint')[0];
  if (paint) { observer.disconnect(); done(paint.startTime); }
}).observe({type: 'paint', buffered: true}))"""


def drawn_page(browser, report: Path, screen: str):
    """The report at a screen's size with each figure scrolled into view and drawn, and the
    errors it raised."""
    width, height = SCREENS[screen]
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    draw_every_figure(page)
    return page, errors


@pytest.mark.parametrize("screen", list(SCREENS))
def test_report_fits_the_screen_and_no_figure_text_overlaps(browser, bundled_report, screen):
    page, errors = drawn_page(browser, bundled_report, screen)
    width = SCREENS[screen][0]
    # Cards are laid out only near the screen (content-visibility): lay out all of them, and
    # open every fold, so that whatever could be wider than the screen is measured.
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    closed = page.evaluate("[...document.querySelectorAll('details:not([open])')].map(d => (d.open = true, d))")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth") == width
    page.evaluate("closed => closed.forEach(d => d.open = false)", closed)
    menu = page.evaluate("[...document.querySelectorAll('nav li')].map(li => li.getBoundingClientRect().top)")
    assert len(menu) > 3 and len(set(menu)) == 1  # one line
    narrow = "true" if screen == "phone" else "false"
    plots = page.evaluate("[...document.querySelectorAll('.plot')].map(p => [p.id, p.dataset.drawn])")
    assert len(plots) == 7 + 3 + 1 + 1 + 3 and all(drawn == narrow for _, drawn in plots), plots
    found = {}
    for plot, _ in plots:
        boxes = page.evaluate(TEXT_BOXES, [plot, TOLERANCE])
        # drawn: axes, legends and labels are there to compare (on a phone the networks of
        # schools and of competencies framed together leave their marks' names to the hover)
        hover_named = screen == "phone" and plot in ("figure-schools", "figure-framed-together")
        assert boxes["count"] >= (2 if hover_named else 5), plot
        if boxes["overlaps"] or boxes["outside"]:
            found[plot] = {"overlapping": boxes["overlaps"], "outside the figure": boxes["outside"]}
    assert found == {}
    assert errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("scrollTo(0, 0)")  # the menu at its place at the top
    page.screenshot(path=str(SHOTS / f"report-{width}.png"), full_page=True)
    if screen == "desktop":  # what a member printing in black and white sees
        page.add_style_tag(content="html { filter: grayscale(1); }")
        page.screenshot(path=str(SHOTS / f"report-{width}-grey.png"), full_page=True)
    page.close()


def test_a_figure_turns_narrow_and_back_with_the_window(browser, bundled_report):
    page, errors = drawn_page(browser, bundled_report, "desktop")
    evidence = page.locator("#figure-evidence")
    assert evidence.get_attribute("data-drawn") == "false"
    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_function("document.getElementById('figure-evidence').dataset.ready === 'true'")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_function("document.getElementById('figure-evidence').dataset.ready === 'false'")
    assert errors == []
    page.close()


def test_the_page_is_shown_before_plotly_is_read(browser, bundled_report):
    paints = []
    for _ in range(LOADS):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(bundled_report.as_uri(), wait_until="load")
        paints.append(page.evaluate(FIRST_PAINT))
        page.close()
    median = statistics.median(paints)
    print(f"first contentful paint of the bundled review's report: median {median:.0f} ms of {LOADS} loads "
          f"({', '.join(f'{p:.0f}' for p in paints)})")
    assert median <= FIRST_PAINT_LIMIT
