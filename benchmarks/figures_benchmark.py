"""Benchmark: the figures and the report on a generated review of 2,000 sources × 100 competencies.

Targets (issue 3): building all figures ≤ 5 s (images excluded); the network figure's HTML
≤ 10 MB; the report loads (every figure drawn) in headless chromium in ≤ 5 s. Also timed
(issue 20): hovering a source or a competency of the network until its links are lit and drawn.

    .venv/bin/python benchmarks/figures_benchmark.py [--runs 3] [--screenshots DIR]

Needs Debian's chromium for the load time and the screenshots of the network.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_review import generate

from litcoder import Review, weigh_evidence
from litcoder.analysis.evidence import review_voices
from litcoder.outputs.charts import review_figures
from litcoder.outputs.figures import write_figures
from litcoder.outputs.report import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DRAWN = """plot => new Promise(done => (function wait() {
  plot.dataset.ready ? requestAnimationFrame(() => requestAnimationFrame(done)) : setTimeout(wait, 20);
})())"""
"""Resolves once the report's page script has drawn the figure: it draws each as it scrolls into view."""


def time_figures(review, runs: int, out: Path) -> list[float]:
    voices = review_voices(review)
    evidence = weigh_evidence(review, voices)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        figures = review_figures(review, evidence, voices)
        write_figures(figures, out, images=False)
        times.append(time.perf_counter() - start)
    return times


def time_report_load(report: Path, runs: int, screenshots: Path | None) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for i in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(report.as_uri(), wait_until="load")
            for plot in page.locator(".plot").all():  # every figure, scrolled into view and drawn
                plot.scroll_into_view_if_needed()
                plot.evaluate(DRAWN)
            times.append(time.perf_counter() - start)
            if screenshots and i == 0:
                screenshots.mkdir(parents=True, exist_ok=True)
                network = page.locator("#figure-network")
                network.scroll_into_view_if_needed()
                network.screenshot(path=str(screenshots / "network-2000.png"))
                x, y = page.evaluate("""() => {
                  const gd = document.getElementById('figure-network'),
                        xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                  const box = gd.getBoundingClientRect(), t = gd.data.find(t => t.name === 'sources');
                  const i = Math.floor(t.x.length * 0.3);
                  return [box.left + xa._offset + xa.l2p(t.x[i]), box.top + ya._offset + ya.l2p(t.y[i])];
                }""")
                page.mouse.move(x, y)
                page.mouse.click(x, y)
                network.screenshot(path=str(screenshots / "network-2000-hover.png"))
                page.locator("#figure-evidence").screenshot(path=str(screenshots / "evidence-2000.png"))
            page.close()
        browser.close()
    return times


LIT = """() => { window.lit = new Promise(done => {
  // from the pointer's move to the next frame after the page script's relayout of the lit links
  // (none within 5 s: the pointer missed the node)
  const relayout = Plotly.relayout, start = performance.now();
  setTimeout(() => { Plotly.relayout = relayout; done(null); }, 5000);
  Plotly.relayout = function () {
    const drawn = relayout.apply(this, arguments);
    Promise.resolve(drawn).then(() => requestAnimationFrame(() => done(performance.now() - start)));
    Plotly.relayout = relayout;
    return drawn;
  };
}); }"""
NODE = """([name, share]) => {
  const gd = document.getElementById('figure-network'), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.getBoundingClientRect(), t = gd.data.find(t => t.name === name), i = Math.floor(t.x.length * share);
  return [box.left + xa._offset + xa.l2p(t.x[i]), box.top + ya._offset + ya.l2p(t.y[i])];
}"""


def time_hover(report: Path, nodes: int = 9) -> dict[str, list[float]]:
    """Milliseconds from moving the pointer onto a node of the network to its links drawn lit,
    for `nodes` sources and as many competencies spread over the figure."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"sources": [], "competencies": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(report.as_uri(), wait_until="load")
        network = page.locator("#figure-network")
        network.scroll_into_view_if_needed()
        network.evaluate(DRAWN)
        for name, share in ((name, (i + 0.5) / nodes) for name in times for i in range(nodes)):
            page.mouse.move(2, 2)
            page.wait_for_timeout(300)
            x, y = page.evaluate(NODE, [name, share])
            page.evaluate(LIT)
            page.mouse.move(x, y)
            lit = page.evaluate("() => window.lit")
            if lit is not None:
                times[name].append(lit)
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--competencies", type=int, default=100)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litcoder-figures-") as tmp:
        folder = generate(Path(tmp) / "review", sources=args.sources, competencies=args.competencies)
        review = Review.load(folder)
        print(f"review: {len(review.sources)} sources, {len(review.codebook)} competencies, "
              f"{len(review.codings)} codings")
        times = time_figures(review, args.runs, folder / "outputs" / "figures")
        sizes = {p.name: p.stat().st_size / 1e6 for p in (folder / "outputs" / "figures").glob("*.html")}
        print("figures (build + HTML, no images): " + ", ".join(f"{t:.2f} s" for t in times)
              + f"; median {statistics.median(times):.2f} s")
        print("figure HTML sizes (MB, plotly.js beside them): "
              + ", ".join(f"{k} {v:.2f}" for k, v in sorted(sizes.items())))
        result = build(folder, images=False)
        print(f"report.html: {result.report.stat().st_size / 1e6:.1f} MB")
        if Path(CHROMIUM).exists():
            loads = time_report_load(result.report, args.runs, args.screenshots)
            print("report load in chromium (all figures drawn): " + ", ".join(f"{t:.2f} s" for t in loads)
                  + f"; median {statistics.median(loads):.2f} s")
            for name, times in time_hover(result.report).items():
                print(f"network: hovering one of its {name} lights its links in (ms) "
                      + ", ".join(f"{t:.0f}" for t in times) + f"; median {statistics.median(times or [0]):.0f}")


if __name__ == "__main__":
    main()
