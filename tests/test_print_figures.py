"""Figures ready for print: PDF and 300-dpi PNGs at 6.5 and 3.25 inches, type of at least 8 pt,
one embedded font, no hints about hovering, counts as magnitudes, colours that read in greys and
to a deuteranope, and captions.md."""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import struct
import zlib

import plotly.graph_objects as go
import pytest
from PIL import Image
from pypdf import PdfReader

from litcoder import weigh_evidence
from litcoder.analysis.reliability import agreement_table, pair_table
from litcoder.outputs import figures as figure_files
from litcoder.outputs.charts import CAPTIONS, TITLES, at_least, print_caption, review_figures
from litcoder.outputs.theme import (
    CLASSIFICATION_COLOURS,
    DEUTERANOPIA_DISTANCE,
    FONT,
    FONT_NAME,
    FRAMING_COLOURS,
    LIGHTNESS_STEP,
    NOT_CODED,
    SIGNS_FONT,
    as_deuteranope,
    ciede2000,
    lab,
    lightness,
    linear_rgb,
)

needs_chrome = pytest.mark.skipif(figure_files.find_chrome() is None,
                                  reason="needs Chrome or Chromium for images (apt-get install chromium)")
NAMES = ["evidence", "network", "matrix", "years", "coverage", "agreement", "pairs"]
POINTS_PER_INCH = 72


@pytest.fixture(scope="module")
def figures(bundled):
    evidence = weigh_evidence(bundled)
    return review_figures(bundled, evidence, agreement=agreement_table(bundled, resamples=50),
                          pairs=pair_table(bundled))


@pytest.fixture(scope="module")
def written(figures, tmp_path_factory):
    """Every figure's files, written once through Chrome."""
    if figure_files.find_chrome() is None:
        pytest.skip("needs Chrome or Chromium for images (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("figures")
    files, notice = figure_files.write_figures(figures, folder)
    assert notice == ""
    return folder, files


# ---------------------------------------------------------------- files and sizes

@needs_chrome
def test_every_figure_has_its_print_files(written):
    folder, files = written
    for name in NAMES:
        for ending in (".pdf", "-6.5in.png", "-3.25in.png", ".png", ".svg", ".html"):
            assert folder / f"{name}{ending}" in files, f"{name}{ending}"
            assert (folder / f"{name}{ending}").stat().st_size > 1000


@needs_chrome
@pytest.mark.parametrize("name", NAMES)
def test_print_pngs_are_300_dpi_at_their_width(written, name):
    folder, _ = written
    for key, inches in figure_files.PRINT_WIDTHS.items():
        with Image.open(folder / f"{name}-{key}.png") as image:
            assert image.width == round(inches * 300)  # 1950 and 975 pixels
            assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
            assert image.height > image.width / 3
    with Image.open(folder / f"{name}.png") as screen:  # the screen's PNG stays as it was
        assert screen.width == figure_files.IMAGE_WIDTH


def test_with_resolution_replaces_the_pngs_resolution():
    buffer = io.BytesIO()
    Image.new("RGB", (7, 5), "#C04E00").save(buffer, "PNG", dpi=(72, 72))
    png = figure_files.with_resolution(buffer.getvalue(), 300)
    assert png.count(b"pHYs") == 1
    with Image.open(io.BytesIO(png)) as image:
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert image.size == (7, 5) and image.getpixel((3, 2)) == (0xC0, 0x4E, 0x00)
    length, kind = struct.unpack(">I4s", png[33:41])  # right after IHDR, with a valid checksum
    assert (length, kind) == (9, b"pHYs")
    assert struct.unpack(">I", png[50:54])[0] == zlib.crc32(png[37:50])


def test_with_resolution_leaves_a_truncated_png_readable_as_far_as_it_goes():
    buffer = io.BytesIO()
    Image.new("L", (3, 3), 128).save(buffer, "PNG")
    cut = buffer.getvalue()[:40]  # IHDR and part of the next chunk
    assert figure_files.with_resolution(cut).startswith(cut[:33])


# ---------------------------------------------------------------- type of at least 8 pt

def _font_sizes(node, found: list) -> list:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and value.get("size") is not None:
                sizes = value["size"]
                found += list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            _font_sizes(value, found)
    elif isinstance(node, list):
        for item in node:
            _font_sizes(item, found)
    return found


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("inches", [6.5, 3.25])
def test_print_layouts_set_no_type_below_8_pt(figures, name, inches):
    printed = figure_files.print_figure(figures[name], name, inches)
    assert printed["layout"]["width"] == round(inches * 100)
    sizes = _font_sizes(printed["layout"], []) + _font_sizes(printed["data"], [])
    template = figures[name].layout.template.layout.font.size  # what the rest inherit
    smallest = min([*sizes, template])
    assert smallest * figure_files.PRINT_SCALE * POINTS_PER_INCH / figure_files.PRINT_DPI >= 8
    assert "<sup>" not in str(printed["layout"])  # plotly draws it smaller
    assert figures[name].layout.width is None  # the figure itself is left as it was


def test_at_least_raises_every_font_and_keeps_bigger_ones():
    figure = {"layout": {"font": {"size": 9}, "annotations": [{"font": {"size": 20}, "text": "a<sup>b</sup>"}]},
              "data": [{"textfont": {"size": [6, 14]}}]}
    at_least(figure, 12)
    assert figure == {"layout": {"font": {"size": 12}, "annotations": [{"font": {"size": 20}, "text": "ab"}]},
                      "data": [{"textfont": {"size": [12, 14]}}]}


def _text_sizes(pdf_bytes: bytes) -> tuple[list[float], float]:
    """The size in points of each piece of text on the PDF's page, and the page's width in points."""
    page = PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1]))

    page.extract_text(visitor_text=visit)
    return sizes, float(page.mediabox.width)


@needs_chrome
def test_type_measured_in_the_pdfs_is_8_pt_at_both_widths(figures, written):
    """Measured, not assumed: the print layouts drawn as PDF, each scaled to its width on paper."""
    folder, _ = written
    export = figure_files.ImageExport(figure_files.find_chrome())
    try:
        export.start()
        for name in NAMES:
            for inches in (6.5, 3.25):
                if inches == 6.5:
                    pdf = (folder / f"{name}.pdf").read_bytes()
                else:
                    printed = figure_files.print_figure(figures[name], name, inches)
                    pdf = export.image(printed, "pdf", printed["layout"]["width"])
                sizes, width = _text_sizes(pdf)
                assert len(sizes) > 10, name
                on_paper = min(sizes) * inches * POINTS_PER_INCH / width
                assert on_paper >= 8, f"{name} at {inches} in: {on_paper:.2f} pt"
    finally:
        export.close()


# ---------------------------------------------------------------- one font, embedded

def test_the_font_is_named_first_and_generic_last():
    families = [family.strip().strip("'") for family in FONT.split(",")]
    assert families[0] == FONT_NAME and families[-1] in ("sans-serif", "serif")


@needs_chrome
@pytest.mark.parametrize("name", NAMES)
def test_pdfs_are_vector_text_in_the_embedded_font(written, name):
    folder, _ = written
    reader = PdfReader(folder / f"{name}.pdf")
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    families = set()
    for font in fonts.values():
        font = font.get_object()
        for described in font.get("/DescendantFonts", [font]):
            descriptor = described.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{descriptor['/FontName']} is not embedded"
            families.add(str(descriptor["/FontName"]).split("+")[-1].split("-")[0])  # /ABCDEF+LiberationSans-Bold
    # the named font; and the signs' font only for signs the named one lacks (the coverage's ✓)
    assert FONT_NAME.replace(" ", "") in families
    assert families <= {FONT_NAME.replace(" ", ""), SIGNS_FONT.replace(" ", "")}, families
    if "✓" not in TITLES[name]:
        assert families == {FONT_NAME.replace(" ", "")}, families
    assert TITLES[name].split(":")[0].split(" ")[0] in reader.pages[0].extract_text()  # text, not a picture
    pictures = [x for x in (reader.pages[0]["/Resources"].get("/XObject") or {}).values()
                if x.get_object()["/Subtype"] == "/Image"]
    assert pictures == []  # heatmaps too are drawn as shapes


@needs_chrome
def test_svg_and_html_name_the_same_font(written):
    folder, _ = written
    assert f"font-family: &quot;{FONT_NAME}&quot;" in (folder / "evidence.svg").read_text(encoding="utf-8") or \
        f"font-family: '{FONT_NAME}'" in (folder / "evidence.svg").read_text(encoding="utf-8")
    assert FONT_NAME in (folder / "evidence.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- what a picture must not say

@needs_chrome
def test_pictures_carry_no_hints_about_hovering(written):
    folder, _ = written
    svg = (folder / "network.svg").read_text(encoding="utf-8")
    assert "Hover" not in svg and "click" not in svg
    for name in NAMES:
        assert not re.search(r"hover|click", PdfReader(folder / f"{name}.pdf").pages[0].extract_text(), re.I), name
    assert "Hover a source" in (folder / "network.html").read_text(encoding="utf-8")  # the page keeps it


@needs_chrome
def test_counts_are_magnitudes_on_every_axis(written):
    folder, _ = written
    for name in NAMES:
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        ticks = re.findall(r'class="[xy]tick"[^>]*>.*?<text[^>]*>([^<]*)</text>', svg)
        assert ticks or name == "network", name  # the network has no axes
        negative = [t for t in ticks if re.match(r"[-−]\d", t)]
        if name == "agreement":  # alpha, not a count, can be below 0
            continue
        assert not negative, f"{name}: {negative}"
        text = PdfReader(folder / f"{name}.pdf").pages[0].extract_text()
        assert not re.search(r"(^|\s)[-−]\d", text), name


@needs_chrome
def test_titles_stand_off_the_left_edge(written):
    folder, _ = written
    for name in NAMES:
        svg = (folder / f"{name}.svg").read_text(encoding="utf-8")
        title = re.search(r'class="gtitle"[^>]*\bx="([\d.]+)"', svg) or re.search(r'<text[^>]*\bx="([\d.]+)"[^>]*'
                                                                                  r'class="gtitle"', svg)
        assert title and float(title.group(1)) >= 8, name


# ---------------------------------------------------------------- colours in greys and to a deuteranope

def test_colour_science_matches_known_values():
    assert lightness("#777777") == pytest.approx(50.03, abs=0.02)
    assert lightness("#FFFFFF") == pytest.approx(100, abs=0.01) and lightness("#000000") == pytest.approx(0)
    # Sharma, Wu and Dalal's test data for CIEDE2000 (pairs 1, 17 and 34)
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    assert ciede2000((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514)) == pytest.approx(0.9082, abs=1e-4)
    grey = as_deuteranope("#808080")  # the simulation keeps greys (nearly: its blue row sums to 0.985) grey
    assert grey == pytest.approx(lab(linear_rgb("#808080")), abs=0.6)
    # red and green, far apart to most eyes, come close to a deuteranope's
    assert ciede2000(as_deuteranope("#D00000"), as_deuteranope("#4B8F00")) < ciede2000(
        lab(linear_rgb("#D00000")), lab(linear_rgb("#4B8F00"))) / 3


def _apart(colours) -> list[str]:
    """The pairs of colours too close in greys (L*) or to a deuteranope (CIEDE2000)."""
    close = []
    for a, b in itertools.combinations(sorted(set(colours)), 2):
        if abs(lightness(a) - lightness(b)) < LIGHTNESS_STEP:
            close.append(f"{a}/{b}: L* {lightness(a):.1f} and {lightness(b):.1f}")
        elif ciede2000(as_deuteranope(a), as_deuteranope(b)) < DEUTERANOPIA_DISTANCE:
            close.append(f"{a}/{b}: deuteranopia ΔE00 {ciede2000(as_deuteranope(a), as_deuteranope(b)):.1f}")
    return close


def test_the_issues_palette_fails_and_the_new_one_passes():
    """Leadership, disputed and management were nearly the same grey; contested sat near management."""
    assert _apart(["#0072B2", "#4D4D4D", "#D55E00"])
    assert _apart([FRAMING_COLOURS["leadership"], FRAMING_COLOURS["disputed"], FRAMING_COLOURS["management"],
                   CLASSIFICATION_COLOURS["contested"]]) == []


def _is_categorical(scale) -> bool:
    """A colour scale of steps (each colour held over an interval), as the matrix's, not a gradient."""
    colours = [colour for _, colour in scale or ()]
    return len(colours) >= 4 and all(a == b for a, b in zip(colours[0::2], colours[1::2]))


def category_colours(figure: dict) -> list[str]:
    """The colours a figure (its `to_dict()`, or a print layout) uses together for categories,
    read from its traces: those of its legend's entries, of marks coloured one by one, of a
    heatmap's colour steps, and of the cells a print layout draws in their place. Single-colour
    traces off the legend (the sources' marks, thin links) and gradients are not categories."""
    colours = []
    for trace in figure["data"]:
        marker, line = trace.get("marker") or {}, trace.get("line") or {}
        colour = marker.get("color")
        scale = trace.get("colorscale") or marker.get("colorscale")
        if trace.get("type") == "heatmap" or scale is not None:
            if _is_categorical(scale):
                colours += [c for _, c in scale]
                colours += [shape["fillcolor"] for shape in figure["layout"].get("shapes") or ()
                            if shape.get("fillcolor") and shape.get("xref") == trace.get("xaxis", "x")]
        elif isinstance(colour, (list, tuple)):
            colours += list(colour)
        elif trace.get("showlegend", True) is not False and trace.get("x") is not None and len(trace["x"]):
            colours.append(colour if isinstance(colour, str) else line.get("color"))
    return [c for c in colours if isinstance(c, str)]


@pytest.mark.parametrize("name", NAMES)
def test_categories_read_in_greys_and_to_a_deuteranope(figures, name):
    for layout in ("screen", 6.5, 3.25):
        figure = (figures[name].to_dict() if layout == "screen"
                  else figure_files.print_figure(figures[name], name, layout))
        colours = category_colours(figure)
        if name in ("coverage", "pairs"):  # shares on a grey gradient: no categories
            assert colours == [], layout
            continue
        assert len(set(colours)) >= 2, (name, layout)
        assert _apart(colours) == [], (name, layout)
    if name == "matrix":  # the cells drawn for print take the matrix's own colours
        assert set(category_colours(figure)) == {*FRAMING_COLOURS.values(), NOT_CODED}


def test_the_matrix_keeps_its_letters_and_the_evidence_its_hatch(figures):
    heat = figures["matrix"].data[0]
    assert {"L", "M", "D"} <= {str(t) for row in heat.text for t in row}
    split = [t for t in figures["evidence"].data if t.name == "split"]
    assert split and all(t.marker.pattern.shape == "/" for t in split)
    shapes = {t.marker.symbol for t in figures["years"].data}
    assert len(shapes) == len(figures["years"].data)  # each framing its own mark


# ---------------------------------------------------------------- captions.md

@needs_chrome
def test_captions_number_every_figure_with_its_files(written):
    folder, files = written
    captions = (folder / "captions.md").read_text(encoding="utf-8")
    assert folder / "captions.md" in files
    numbers = [int(n) for n in re.findall(r"^\*\*Figure (\d+)\*\*$", captions, re.M)]
    assert numbers == list(range(1, len(NAMES) + 1))
    blocks = re.split(r"^\*\*Figure \d+\*\*$", captions, flags=re.M)[1:]
    for name, block in zip(NAMES, blocks):
        assert f"*{TITLES[name]}*" in block and print_caption(name) in block
        listed = re.findall(r"`([^`]+)`", block)
        assert listed[:3] == [f"{name}.pdf", f"{name}-6.5in.png", f"{name}-3.25in.png"]
        assert all((folder / file).exists() for file in listed)
    assert not re.search(r"hover|click", captions, re.I)


def test_print_captions_leave_out_what_only_a_screen_does():
    assert "Hover" in CAPTIONS["network"] and "Hover" not in print_caption("network")
    assert print_caption("network").startswith("Sources (left) are linked")
    assert "Hover" not in print_caption("evidence") and "† and ◆ mark a fragile" in print_caption("evidence")
    assert print_caption("matrix") == CAPTIONS["matrix"]


def test_captions_without_a_chrome_list_the_html(figures, tmp_path, monkeypatch):
    monkeypatch.setattr(figure_files, "find_chrome", lambda: None)
    written, notice = figure_files.write_figures({n: figures[n] for n in ("matrix", "evidence")}, tmp_path)
    captions = (tmp_path / "captions.md").read_text(encoding="utf-8")
    assert "no Chrome" in notice and tmp_path / "captions.md" in written
    # numbered in the report's order, whatever order they were given in
    assert captions.index("*" + TITLES["evidence"]) < captions.index("*" + TITLES["matrix"])
    assert "**Figure 2**" in captions and "`matrix.html`" in captions and ".png" not in captions


# ---------------------------------------------------------------- drawn again only when changed

@needs_chrome
def test_images_are_drawn_again_only_when_their_figure_changes(figures, tmp_path, monkeypatch):
    one = {"pairs": figures["pairs"]}
    written, notice = figure_files.write_figures(one, tmp_path)
    images = {p: p.stat().st_mtime_ns for p in written if p.suffix in (".png", ".svg", ".pdf")}
    assert notice == "" and len(images) == 5

    class NoChrome:
        def __init__(self, chrome):
            raise AssertionError("Chrome started though no figure changed")

    with monkeypatch.context() as patched:
        patched.setattr(figure_files, "ImageExport", NoChrome)
        again, notice = figure_files.write_figures(one, tmp_path)
    assert notice == "" and set(images) <= set(again)
    assert {p: p.stat().st_mtime_ns for p in images} == images  # not written again
    (tmp_path / "pairs-3.25in.png").unlink()  # a file gone is drawn again, alone
    again, _ = figure_files.write_figures(one, tmp_path)
    assert (tmp_path / "pairs-3.25in.png").exists() and set(images) <= set(again)
    assert (tmp_path / "pairs.pdf").stat().st_mtime_ns == images[tmp_path / "pairs.pdf"]
    changed = go.Figure(figures["pairs"]).update_layout(title="Übereinstimmung – “changed” ✓")
    figure_files.write_figures({"pairs": changed}, tmp_path)
    assert all(p.stat().st_mtime_ns != images[p] for p in images if p.name != "pairs-3.25in.png")


@needs_chrome
def test_a_damaged_manifest_only_means_drawing_again(figures, tmp_path):
    (tmp_path / figure_files.MANIFEST).write_text("{not json", encoding="utf-8")
    written, notice = figure_files.write_figures({"pairs": figures["pairs"]}, tmp_path)
    assert notice == "" and (tmp_path / "pairs.pdf") in written
    assert json.loads((tmp_path / figure_files.MANIFEST).read_text(encoding="utf-8"))["pairs.pdf"]
