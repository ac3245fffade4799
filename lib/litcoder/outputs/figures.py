"""outputs/figures/: each figure as interactive HTML and, where a Chrome is found, PNG, SVG and for print.

For print, each figure is also drawn as a PDF (vector, its font embedded) and as PNGs at 300
dpi for the full text width (6.5 in) and for one column (3.25 in), in a layout of its own:
fonts no smaller than 8 pt at that size, the title wrapped, no notes on hovering or clicking,
and the narrow screen's layout for one column (charts.print_changes). captions.md numbers the
figures and gives each its caption and files.

The HTML files share one copy of plotly.js beside them (outputs/figures/plotly.min.js), so
they open from disk with no network. Static images go through kaleido, which drives a
Chrome or Chromium (Debian's `chromium` will do); one kaleido server serves the whole
build, which makes each image about ten times faster than starting Chrome per image.
Without a Chrome, or if it fails (or does not start, or hangs: each step has a time
limit), the build says so in one line and keeps the HTML.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import copy
import hashlib
import html
import itertools
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import threading
import time
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from ..files import write_atomic
from ..inputs.extract.common import quiet
from .charts import (
    CAPTIONS,
    NARROW,
    PRINT_FONT,
    TITLES,
    at_least,
    figure_script,
    narrow_changes,
    narrow_transposed,
    page_changes,
    path_keys,
    print_caption,
    print_changes,
    print_narrow,
    set_path,
    static_changes,
)
from .theme import lightness

CHROME_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
IMAGE_FORMATS = ("png", "svg")
IMAGE_WIDTH = 1200
PRINT_DPI = 300
PRINT_SCALE = 3
"""Image pixels per CSS pixel of a print layout: a CSS pixel is then 1/100 inch at PRINT_DPI,
so a figure for 6.5 inches is laid out 650 CSS pixels wide."""
PRINT_WIDTHS = {"6.5in": 6.5, "3.25in": 3.25}
"""The print PNGs, <name>-<key>.png, and their widths in inches: the text width of a US Letter
or A4 page with 1-inch margins, and one of two columns."""
PDF_WIDTH = "6.5in"
"""The print layout the PDF is drawn in (it scales without loss to any width)."""
START_TIMEOUT = 20
"""Seconds Chrome may take to start and load kaleido's page (about 1 s on a laptop, 2 s on
a slow one): a Chrome that has not started by then will not, and the build goes on with
HTML figures rather than wait for ever."""
EXPORT_TIMEOUT = 60
"""Seconds one image may take (0.1 to 0.5 s each; the network of a big review some
seconds): after that the export is given up, and the rest stay HTML only."""
CLOSE_TIMEOUT = 5
"""Seconds Chrome may take to close before it is killed."""
CONFIG = {"displaylogo": False, "responsive": True,
          "toImageButtonOptions": {"format": "png", "scale": 2}}


def find_chrome() -> str | None:
    """The Chrome or Chromium kaleido can use: $BROWSER_PATH, else one on the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    return next((found for name in CHROME_NAMES if (found := shutil.which(name))), None)


def plain_figure(fig: go.Figure | dict) -> dict:
    """The figure as plotly's plain dicts (`Figure.to_dict`); a dict is taken as one already.

    to_dict deep-copies every trace, the slow part of writing a big figure: a build makes
    each figure's once and writes both its page and the report's copy from it."""
    return fig if isinstance(fig, dict) else fig.to_dict()


def figure_html(fig: go.Figure | dict, name: str, whole_page: bool) -> str:
    """One figure (a Figure or its `plain_figure`) as HTML: a whole page using ./plotly.min.js,
    or, for the report, its caption and an empty div with the figure as JSON beside it
    (`figure_payload`), which the report's page script draws once it scrolls into view, after
    plotly.js has loaded at the end of the page."""
    if whole_page:
        script = figure_script(name)
        return pio.to_html(plain_figure(fig), validate=False, full_html=True, include_plotlyjs="directory",
                           div_id=f"figure-{name}", config=figure_config(name), default_width="100%",
                           post_script=f"({script})(document.getElementById('{{plot_id}}'));" if script else None)
    payload = figure_payload(fig, name)
    div, script = f"figure-{name}", figure_script(name)
    height = payload["layout"].get("height") or 450  # room kept, so the page does not move when it is drawn
    parts = [f'<p class="caption">{html.escape(CAPTIONS[name])}</p>' if name in CAPTIONS else "",
             f'<div id="{div}" class="plot" style="height:{height}px"></div>',
             f'<script type="application/json" id="{div}-data">{to_json_plotly(payload)}</script>',
             f"<script>(window.litcoderScripts = window.litcoderScripts || {{}})['{div}'] = {script};</script>"
             if script else ""]
    return "\n".join(part for part in parts if part)


def figure_config(name: str) -> dict:
    """plotly.js's config for a figure: responsive, and its image button names the file after it."""
    return {**CONFIG, "toImageButtonOptions": {**CONFIG["toImageButtonOptions"], "filename": name}}


def figure_payload(fig: go.Figure | dict, name: str) -> dict:
    """What the report's page script needs to draw a figure: its data and layout as on the
    page (charts.page_changes: no title, the page gives it as a heading), its config, and, for
    a narrow screen (below `narrow_below` CSS pixels), the traces to transpose and the
    changes to make (charts.narrow_changes), as paths ('layout.xaxis.dtick') and values."""
    plain = plain_figure(fig)
    figure = {"data": plain["data"], "layout": plain["layout"]}
    changes = page_changes(name, figure)
    _own_paths(figure, changes)  # the figure itself stays as it was
    for path, value in changes.items():
        set_path(figure, path, value)
    return {"data": figure["data"], "layout": figure["layout"], "config": figure_config(name),
            "narrow_below": NARROW, "narrow_transposed": narrow_transposed(name, figure),
            "narrow": narrow_changes(name, figure)}


def _own_paths(figure: dict, paths) -> None:
    """Copy each dict and list along the paths, so that setting them changes `figure`'s
    copies only (a deep copy of a big figure's layout, its thousands of annotations, is slow)."""
    copied = set()
    for path in paths:
        node = figure
        for key in path_keys(path)[:-1]:
            child = node.get(key) if isinstance(node, dict) else (node[key] if key < len(node) else None)
            if not isinstance(child, (dict, list)):
                break  # set_path makes what is missing from here on
            if id(child) not in copied:
                child = node[key] = copy.copy(child)
                copied.add(id(child))
            node = child


def write_figures(figures: dict[str, go.Figure], folder: Path, images: bool = True,
                  plain: dict[str, dict] | None = None) -> tuple[list[Path], str]:
    """Write every figure's HTML, and its PNG and SVG when asked and possible.

    `plain` is each figure's `plain_figure`, if already made (the HTML is written from it).

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
        write_atomic(path, figure_html(plain[name] if plain else fig, name, whole_page=True))
        written.append(path)
    if not images:
        return written + [write_captions(folder)], ""
    chrome = find_chrome()
    if chrome is None:
        return written + [write_captions(folder)], (
            "no Chrome or Chromium found, so figures are HTML only "
            "(install one, e.g. `apt-get install chromium`, for PNG, SVG and PDF)")
    made, notice = _write_images(figures, folder, chrome, plain)
    return written + made + [write_captions(folder)], notice


def static_figure(fig: go.Figure | dict, name: str) -> dict:
    """The figure as a picture shows it (PNG, SVG): without its notes on hovering and clicking."""
    plain = plain_figure(fig)
    figure = {"data": plain["data"], "layout": plain["layout"]}
    changes = static_changes(name, figure)
    _own_paths(figure, changes)
    for path, value in changes.items():
        set_path(figure, path, value)
    return figure


def print_figure(fig: go.Figure | dict, name: str, inches: float) -> dict:
    """The figure laid out for print `inches` wide (charts.print_changes): a new figure, whose
    layout.width is in CSS pixels of 1/100 inch (PRINT_SCALE image pixels each at PRINT_DPI)."""
    plain = plain_figure(fig)
    figure = copy.deepcopy({"data": plain["data"], "layout": plain["layout"]})
    width = round(inches * PRINT_DPI / PRINT_SCALE)
    narrow = print_narrow(name, width)
    transposed = narrow_transposed(name, figure) if narrow else []
    changes = print_changes(name, figure, width, narrow)  # from the figure as drawn wide, as on the page
    for index in transposed:
        _transpose(figure["data"][index])
    for path, value in changes.items():
        set_path(figure, path, value)
    for index in [i for i, trace in enumerate(figure["data"]) if trace.get("type") == "heatmap"]:
        _drawn_as_shapes(figure, index)
    at_least(figure, PRINT_FONT)
    return figure


def _drawn_as_shapes(figure: dict, index: int) -> None:
    """A heatmap's cells drawn as rectangles and its texts as a text trace, so that the PDF is
    vector throughout: plotly.js paints a heatmap as a picture (about 100 dpi at 6.5 in). In its
    place, an unseen mark keeps its colour bar; its axes keep its order of rows and columns."""
    trace = figure["data"][index]
    z = _grid(trace["z"]).astype(float)
    xs = list(trace["x"]) if trace.get("x") is not None else list(range(z.shape[1]))
    ys = list(trace["y"]) if trace.get("y") is not None else list(range(z.shape[0]))
    low = trace["zmin"] if trace.get("zmin") is not None else float(np.nanmin(z))
    high = trace["zmax"] if trace.get("zmax") is not None else float(np.nanmax(z))
    scale = [(float(stop), colour) for stop, colour in trace["colorscale"]]
    xaxis, yaxis = trace.get("xaxis", "x"), trace.get("yaxis", "y")
    for axis, values in ((xaxis, xs), (yaxis, ys)):
        layout_axis = figure["layout"].setdefault(axis.replace("x", "xaxis", 1) if axis[0] == "x"
                                                  else axis.replace("y", "yaxis", 1), {})
        layout_axis.update({"type": "category", "categoryorder": "array", "categoryarray": values,
                            "showgrid": False, "zeroline": False})  # grid lines would cross the cells
    gap = max(trace.get("xgap") or 0, trace.get("ygap") or 0)
    shapes = list(figure["layout"].get("shapes") or [])
    texts = _grid(trace["text"]) if trace.get("text") is not None else np.full(z.shape, "", dtype=object)
    template = trace.get("texttemplate")  # what the cells show ("text" alone is for hovers)
    words, at_x, at_y, inks = [], [], [], []
    for i, j in zip(*np.nonzero(~np.isnan(z))):
        colour = _colour_at(scale, (z[i, j] - low) / ((high - low) or 1))
        shapes.append({"type": "rect", "xref": xaxis, "yref": yaxis, "x0": j - 0.5, "x1": j + 0.5,
                       "y0": i - 0.5, "y1": i + 0.5, "fillcolor": colour, "layer": "below",
                       "line": {"width": gap, "color": "#FFFFFF"} if gap else {"width": 0}})
        shown = _cell_text(template, z[i, j], texts[i, j]) if template else ""
        if shown:
            words.append(shown)
            at_x.append(xs[j])
            at_y.append(ys[i])
            inks.append("#FFFFFF" if lightness(colour) < 55 else "#1D1D1F")  # as plotly.js picks on a heatmap
    figure["layout"]["shapes"] = shapes
    figure["data"][index] = {
        "type": "scatter", "x": xs[:1], "y": ys[:1], "mode": "markers", "hoverinfo": "skip", "showlegend": False,
        "xaxis": xaxis, "yaxis": yaxis,
        "marker": {"color": [low], "cmin": low, "cmax": high, "colorscale": trace["colorscale"], "opacity": 0,
                   "showscale": trace.get("showscale", True) is not False, "colorbar": trace.get("colorbar") or {}}}
    if words:
        figure["data"].append({"type": "scatter", "x": at_x, "y": at_y, "text": words, "mode": "text",
                               "textfont": {**(trace.get("textfont") or {}), "color": inks}, "hoverinfo": "skip",
                               "showlegend": False, "xaxis": xaxis, "yaxis": yaxis, "cliponaxis": False})


def _cell_text(template: str, value: float, text) -> str:
    """A heatmap cell's text as plotly.js writes it from a texttemplate of %{text} and %{z:format}."""
    def field(found: re.Match) -> str:
        name, style = found.group(1), found.group(2)
        if name == "text":
            return "" if text is None else str(text)
        return format(value, style) if style else f"{value:g}"
    return re.sub(r"%\{(text|z)(?::([^}]*))?\}", field, template).strip()


def _colour_at(scale: list[tuple[float, str]], at: float) -> str:
    """The colour a plotly colour scale gives at `at` (0 to 1), blended in sRGB as plotly.js does."""
    at = min(1.0, max(0.0, at))
    for (start, first), (end, second) in itertools.pairwise(scale):
        if start <= at <= end:
            share = 0 if end == start else (at - start) / (end - start)
            a, b = _rgb(first), _rgb(second)
            return "#" + "".join(f"{round(p + (q - p) * share):02X}" for p, q in zip(a, b))
    return scale[-1][1]


def _rgb(colour: str) -> tuple[int, int, int]:
    if colour.startswith("rgb"):
        return tuple(round(float(v)) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
    return tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


def _transpose(trace: dict) -> None:
    """A heatmap drawn the other way round: x and y swapped, its grids transposed (as the
    report's page script does on a narrow screen)."""
    trace["x"], trace["y"] = trace.get("y"), trace.get("x")
    for key in ("z", "text", "hovertext", "customdata"):
        if trace.get(key) is not None:
            trace[key] = _grid(trace[key]).T


def _grid(value) -> np.ndarray:
    """A heatmap's grid as an array, from lists of rows or plotly's packed form ({dtype, bdata, shape})."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value["shape"]).split(",")])
    return np.asarray(value, dtype=object if not isinstance(value, np.ndarray) else None)


def with_resolution(png: bytes, dpi: int = PRINT_DPI) -> bytes:
    """The PNG with its resolution (pHYs chunk) set to `dpi`, any earlier one dropped; the
    pixels are not decoded again."""
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    resolution = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    parts, at = [png[:8]], 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        end = at + 12 + length
        if kind != b"pHYs":
            parts.append(png[at:end])
        if kind == b"IHDR":
            parts.append(resolution)
        at = end
    return b"".join(parts)


FIGURE_FILES = (".pdf", *(f"-{key}.png" for key in PRINT_WIDTHS), ".png", ".svg", ".html")
"""A figure's files, as captions.md lists them: for print first."""


def write_captions(folder: Path) -> Path:
    """outputs/figures/captions.md: every figure found in the folder (its HTML), numbered in
    the order of charts.TITLES, with its title, its caption for print and its files.

    Made from the folder, not from the figures at hand, because a build may write its figures
    from two processes at once: the last to write it lists them all."""
    names = [name for name in TITLES if (folder / f"{name}.html").exists()]
    lines = ["# Figures", "",
             "Numbered as the report numbers them; each caption as it reads in print. For print, take the PDF "
             f"(vector) or the PNG at {PRINT_DPI} dpi for the width it will have on the page.", ""]
    for number, name in enumerate(names, start=1):
        files = [f"`{name}{ending}`" for ending in FIGURE_FILES if (folder / f"{name}{ending}").exists()]
        lines += [f"**Figure {number}**", "", f"*{TITLES[name]}*", "", print_caption(name), "",
                  "Files: " + ", ".join(files), ""]
    lines += _per_item_captions(folder)
    path = folder / "captions.md"
    write_atomic(path, "\n".join(lines))
    return path


PER_ITEM = {"per-competency": ("competency", "its evidence: what its sources say (the bar adds up to them), each "
                                              "share with its 95% interval, which source says what, and the "
                                              "committee's ruling"),
            "per-source": ("source", "how it frames each competency it speaks to")}
"""The folders of a figure per competency and per source (focus.py), and what each figure shows."""


def _per_item_captions(folder: Path) -> list[str]:
    """captions.md's lines on the figure per competency and per source, where the build made them."""
    lines = []
    for name, (item, shows) in PER_ITEM.items():
        count = len(list((folder / name).glob("*.html"))) if (folder / name).is_dir() else 0
        if count:
            lines += [f"**A figure per {item}** ({count}): `{name}/<{'citekey' if item == 'source' else item}>.html`, "
                      f"{shows}. `litcoder export figures` draws them for print too (PDF; PNG at {PRINT_DPI} dpi "
                      "for 6.5 and 3.25 inches; SVG).", ""]
    return lines


def _stable_svg(svg: bytes, name: str) -> bytes:
    """The SVG with plotly.js's random plot id replaced by one from the figure's name,
    so that two builds of the same review give the same file."""
    found = re.search(rb'id="defs-([0-9a-f]+)"', svg)
    if not found:
        return svg
    stable = f"{zlib.crc32(name.encode()) & 0xFFFFFF:06x}".encode()
    return re.sub(rb"(?<=[-a-z])" + found.group(1) + rb"(?![0-9])", stable, svg)


class Picture(NamedTuple):
    """One image to write: its file, the figure as drawn, and how (format, CSS width, scale)."""
    path: Path
    figure: dict
    fmt: str
    width: int
    scale: float = 1


def _figure_images(fig: dict, name: str, folder: Path, kind: str | None = None) -> list[Picture]:
    """One figure's images: PNG and SVG as on screen, the PDF and the PNGs for print. `kind`
    (default: the name) says how it is laid out for them: "competency" for a competency's figure."""
    kind = kind or name
    static = static_figure(fig, kind)
    images = [Picture(folder / f"{name}.{fmt}", static, fmt, IMAGE_WIDTH) for fmt in IMAGE_FORMATS]
    for key, inches in PRINT_WIDTHS.items():
        printed = print_figure(fig, kind, inches)
        width = printed["layout"]["width"]
        if key == PDF_WIDTH:
            images.append(Picture(folder / f"{name}.pdf", printed, "pdf", width))
        images.append(Picture(folder / f"{name}-{key}.png", printed, "png", width, PRINT_SCALE))
    return images


MANIFEST = ".images.json"
"""In outputs/figures/: each image's fingerprint, so that a build draws again only the images
whose figure changed (drawing one takes Chrome 0.3 to 1 s; a review's take 10 to 20 s)."""
IMAGES_VERSION = 1
"""Raised when the way images are drawn from the same figure changes, so that all are drawn again."""


def _fingerprint(image: Picture) -> str:
    drawn = to_json_plotly(image.figure) + repr((image.fmt, image.width, image.scale, IMAGES_VERSION,
                                                 plotly.__version__, PRINT_DPI))
    return hashlib.sha256(drawn.encode("utf-8")).hexdigest()


def draw_images(figures: dict[str, dict], folder: Path, kind: str) -> tuple[list[Path], str]:
    """The images of figures of one `kind` (a figure per competency or per source, by file
    stem) in `folder`, as the build draws the review's: (files, a notice, '' when all went well)."""
    chrome = find_chrome()
    if chrome is None:
        return [], "no Chrome or Chromium found (install one, e.g. `apt-get install chromium`, for PNG, SVG and PDF)"
    return _write_images(figures, folder, chrome, figures, kind)


def _write_images(figures: dict[str, go.Figure], folder: Path, chrome: str,
                  plain: dict[str, dict] | None = None, kind: str | None = None) -> tuple[list[Path], str]:
    """Each figure's PNG and SVG, and its PDF and PNGs for print, through one Chrome, started
    only if an image's figure changed since it was drawn (MANIFEST); (files written, notice)."""
    manifest = folder / MANIFEST
    try:
        known = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    images = [image for name, fig in figures.items()
              for image in _figure_images(plain[name] if plain else plain_figure(fig), name, folder, kind)]
    prints = {image.path: _fingerprint(image) for image in images}
    drawn = [image.path for image in images if known.get(image.path.name) == prints[image.path]
             and image.path.exists()]
    pending = [image for image in images if image.path not in drawn]
    if not pending:
        return drawn, ""
    with quiet("choreographer", "kaleido", "logistro", "asyncio"):  # what goes wrong is said in the notice
        export = ImageExport(chrome)
        try:
            export.start()
        except Exception as err:
            export.close()
            return drawn, f"figures are HTML only: {chrome} could not be started for PNG and SVG ({_reason(err)})"
        made = []
        try:
            for image in pending:
                _write_image(export, image)
                made.append(image.path)
                known[image.path.name] = prints[image.path]
        except Exception as err:
            return drawn + made, f"some figures are HTML only: image export failed ({_reason(err)})"
        finally:
            export.close()
            write_atomic(manifest, json.dumps(known, indent=1, sort_keys=True))
    return [image.path for image in images], ""


def _write_image(export: ImageExport, image: Picture) -> None:
    data = export.image(image.figure, image.fmt, image.width, image.scale)
    if image.fmt == "svg":
        data = _stable_svg(data, image.path.stem)
    elif image.scale != 1:  # a PNG for print
        data = with_resolution(data)
    write_atomic(image.path, data)


def _reason(err: Exception) -> str:
    message = err.args[0] if err.args and isinstance(err.args[0], str) else str(err)  # choreographer's are tuples
    message = " ".join(message.split()) or type(err).__name__
    return message if len(message) <= 200 else message[:199] + "…"


class ImageExport:
    """A Chrome driven by kaleido, on an event loop of its own in a thread, so that each step
    can be given up after a while: kaleido's own sync server waits for ever on a Chrome that
    never starts (under a memory limit, say). `start`, then `image` for each figure, then
    always `close`, which ends Chrome even when it hangs."""

    def __init__(self, chrome: str):
        self.chrome = chrome
        self.kaleido = None
        self.started = False
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="litcoder-image-export", daemon=True)
        self.thread.start()

    def start(self) -> None:
        """Start Chrome and load kaleido's page in it; TimeoutError after START_TIMEOUT seconds."""
        import kaleido

        async def open_browser():
            # no MathJax: the figures have no formulas, and it would be fetched from the network
            self.kaleido = kaleido.Kaleido(path=self.chrome, timeout=EXPORT_TIMEOUT, mathjax=False)
            await self.kaleido.open()

        self._run(open_browser(), START_TIMEOUT, f"it did not start within {START_TIMEOUT} s")
        self.started = True

    def image(self, fig: go.Figure | dict, fmt: str, width: int = IMAGE_WIDTH, scale: float = 1) -> bytes:
        """The figure (or its `plain_figure`) as PNG, SVG or PDF bytes, `width` CSS pixels wide
        and each pixel `scale` image pixels; TimeoutError after EXPORT_TIMEOUT seconds."""
        plain = plain_figure(fig)
        opts = {"format": fmt, "width": width, "height": plain["layout"].get("height"), "scale": scale}
        return self._run(self.kaleido.calc_fig(plain, opts={k: v for k, v in opts.items() if v}),
                         EXPORT_TIMEOUT, f"one image took more than {EXPORT_TIMEOUT} s")

    def close(self) -> None:
        """Close Chrome (killed if it did not start, or does not close in CLOSE_TIMEOUT
        seconds) and the loop."""
        if self.kaleido is not None:
            if self.started:
                try:
                    self._run(self.kaleido.close(), CLOSE_TIMEOUT, "it did not close")
                except Exception:
                    pass  # killed below
            process = getattr(self.kaleido, "subprocess", None)
            if process is not None and process.poll() is None:
                _kill(process)
        try:  # kaleido's own tasks (a watchdog, a reader) end with it
            asyncio.run_coroutine_threadsafe(_cancel_tasks(), self.loop).result(CLOSE_TIMEOUT)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLOSE_TIMEOUT)
        if not self.thread.is_alive():
            self.loop.close()

    def _run(self, coroutine, seconds: float, what: str):
        """The coroutine's result, run on the export's loop; TimeoutError(what) after `seconds`."""
        async def limited():
            begun = time.monotonic()
            try:
                return await asyncio.wait_for(coroutine, seconds)
            except Exception:
                if time.monotonic() - begun >= seconds:  # cancelled, though a step may say otherwise
                    raise TimeoutError(what) from None
                raise

        future = asyncio.run_coroutine_threadsafe(limited(), self.loop)
        try:  # the loop's own limit ends it; this one holds if a step ignores being cancelled
            return future.result(seconds + CLOSE_TIMEOUT)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(what) from None
        except concurrent.futures.CancelledError:
            raise TimeoutError(what) from None


async def _cancel_tasks() -> None:
    """Cancel every other task on this loop, and wait a little for them to end."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT / 2)


def _kill(process) -> None:
    """End Chrome and the processes it started (kaleido starts it in a session of its own)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(CLOSE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        pass
