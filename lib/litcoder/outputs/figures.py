"""outputs/figures/: each figure as interactive HTML and, where a Chrome is found, PNG and SVG.

The HTML files share one copy of plotly.js beside them (outputs/figures/plotly.min.js), so
they open from disk with no network. Static images go through kaleido, which drives a
Chrome or Chromium (Debian's `chromium` will do); one kaleido server serves the whole
build, which makes each image about ten times faster than starting Chrome per image.
Without a Chrome, or if it fails, the build says so in one line and keeps the HTML.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
import zlib
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from ..files import write_atomic
from .charts import figure_script

CHROME_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
IMAGE_FORMATS = ("png", "svg")
IMAGE_WIDTH = 1200
CONFIG = {"displaylogo": False, "responsive": True,
          "toImageButtonOptions": {"format": "png", "scale": 2}}


def find_chrome() -> str | None:
    """The Chrome or Chromium kaleido can use: $BROWSER_PATH, else one on the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    return next((found for name in CHROME_NAMES if (found := shutil.which(name))), None)


def figure_html(fig: go.Figure, name: str, whole_page: bool) -> str:
    """One figure as HTML: a whole page using ./plotly.min.js, or a div for the report."""
    return pio.to_html(fig, full_html=whole_page, include_plotlyjs="directory" if whole_page else False,
                       div_id=f"figure-{name}", config={**CONFIG, "toImageButtonOptions": {
                           **CONFIG["toImageButtonOptions"], "filename": name}},
                       post_script=figure_script(name) or None, default_width="100%")


def write_figures(figures: dict[str, go.Figure], folder: Path, images: bool = True) -> tuple[list[Path], str]:
    """Write every figure's HTML, and its PNG and SVG when asked and possible.

    Returns the files written and a one-line notice ('' when all went as asked).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    plotly_js = folder / "plotly.min.js"
    script = get_plotlyjs()
    if not plotly_js.exists() or plotly_js.read_text(encoding="utf-8") != script:
        write_atomic(plotly_js, script)
    written.append(plotly_js)
    for name, fig in figures.items():
        path = folder / f"{name}.html"
        write_atomic(path, figure_html(fig, name, whole_page=True))
        written.append(path)
    if not images:
        return written, ""
    chrome = find_chrome()
    if chrome is None:
        return written, ("no Chrome or Chromium found, so figures are HTML only "
                         "(install one, e.g. `apt-get install chromium`, for PNG and SVG)")
    made, notice = _write_images(figures, folder, chrome)
    return written + made, notice


def _stable_svg(svg: bytes, name: str) -> bytes:
    """The SVG with plotly.js's random plot id replaced by one from the figure's name,
    so that two builds of the same review give the same file."""
    found = re.search(rb'id="defs-([0-9a-f]+)"', svg)
    if not found:
        return svg
    stable = f"{zlib.crc32(name.encode()) & 0xFFFFFF:06x}".encode()
    return re.sub(rb"(?<=[-a-z])" + found.group(1) + rb"(?![0-9])", stable, svg)


def _write_images(figures: dict[str, go.Figure], folder: Path, chrome: str) -> tuple[list[Path], str]:
    import kaleido

    os.environ.setdefault("BROWSER_PATH", chrome)
    made = []
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:
        return made, f"figures are HTML only: kaleido could not start {chrome} ({err})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kaleido warns that per-call options go unused with a server
            for name, fig in figures.items():
                for fmt in IMAGE_FORMATS:
                    path = folder / f"{name}.{fmt}"
                    image = fig.to_image(format=fmt, width=IMAGE_WIDTH, height=fig.layout.height)
                    write_atomic(path, _stable_svg(image, name) if fmt == "svg" else image)
                    made.append(path)
    except Exception as err:
        return made, f"some figures are HTML only: image export failed ({type(err).__name__}: {err})"
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return made, ""
