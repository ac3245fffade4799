"""A figure per competency and per source (outputs/focus.py): built for every one, saying
what the evidence cards say, made again only when what they show changed, drawn for print
on demand, and reading in greys."""

from __future__ import annotations

import html
import itertools
import re
import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM, REVIEW_FILES, ROOT, coder_file, rewrite_csv
from test_print_figures import _apart, category_colours, needs_chrome

from litcoder import Review
from litcoder.analysis.evidence import COMPOSITION, COMPOSITION_LABELS, review_voices, weigh_evidence
from litcoder.outputs import figures as figure_files
from litcoder.outputs.charts import PRINT_FONT, FigureContext, _text_width
from litcoder.outputs.focus import (
    SOURCES_SHOWN,
    competency_figure,
    competency_inputs,
    focus_figures,
    source_figure,
    source_inputs,
)
from litcoder.outputs.pages import page_name
from litcoder.outputs.report import build


@pytest.fixture(scope="module")
def context(bundled):
    voices = review_voices(bundled)
    return FigureContext(bundled, weigh_evidence(bundled, voices), voices)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    for name in REVIEW_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, root / name)
    build(root, images=False)
    return root


def test_every_competency_and_every_coded_source_has_its_figure(built):
    review = Review.load(built)
    figures = built / "outputs" / "figures"
    assert sorted(p.name for p in (figures / "per-competency").glob("*.html")) == sorted(
        page_name(c) for c in review.codebook["competency"])
    assert sorted(p.name for p in (figures / "per-source").glob("*.html")) == sorted(
        page_name(c) for c in review.quoted_codings["citekey"].unique())
    page = (figures / "per-competency" / "charisma.html").read_text(encoding="utf-8")
    assert 'src="../plotly.min.js"' in page and "Charisma" in page
    captions = (figures / "captions.md").read_text(encoding="utf-8")
    assert "**A figure per competency** (24)" in captions and "**A figure per source** (12)" in captions


def test_the_cards_and_source_pages_link_to_figures_that_exist(built):
    out = built / "outputs"
    report = (out / "report.html").read_text(encoding="utf-8")
    links = re.findall(r'href="(figures/per-competency/[^"#]+)"', report)
    assert len(links) == 24 and all((out / link).exists() for link in links)
    for page in (out / "sources").glob("*.html"):
        for link in re.findall(r'href="\.\./(figures/per-source/[^"#]+)"', page.read_text(encoding="utf-8")):
            assert (out / link).exists(), page.name
    kotter = (out / "sources" / "Kotter1990WhatLeaders.html").read_text(encoding="utf-8")
    assert "figures/per-source/Kotter1990WhatLeaders.html" in kotter


def test_a_competencys_figure_says_what_its_card_says(context):
    evidence = context.evidence.set_index("competency")
    for competency, inputs in competency_inputs(context).items():
        row = evidence.loc[competency]
        figure = competency_figure(inputs)
        bars = [t for t in figure["data"] if t["type"] == "bar"]
        assert sum(int(t["text"][0]) for t in bars) == row["sources"]  # the bar adds up to the sources
        assert sum(t["x"][0] for t in bars) == pytest.approx(1.0 if row["sources"] else 0.0)
        shares = next((t for t in figure["data"] if t.get("name") == "share, 95% interval"), None)
        for label, share, up, down in zip(shares["y"], shares["x"], shares["error_x"]["array"],
                                          shares["error_x"]["arrayminus"]):
            part = next(p for p in COMPOSITION if label.startswith(f"{COMPOSITION_LABELS[p]}:"))
            assert label.endswith(f": {row[f'{part}_sources']} of {row['sources']}")
            assert share - down == pytest.approx(row[f"{part}_low"])
            assert share + up == pytest.approx(row[f"{part}_high"])
        marks = [y for t in figure["data"] if t.get("yaxis") == "y2" for y in t["y"]]
        assert len(marks) == min(row["sources"], SOURCES_SHOWN)
        assert row["explanation"].split(";")[0] in figure["layout"]["annotations"][-1]["text"].replace("<br>", " ")
        ruling = figure["layout"]["title"]["subtitle"]["text"]
        assert (f"Committee ruling, {row['decided_on']}: {row['decision']}" in ruling) if row["decision"] else (
            ruling == "No committee ruling yet")


def test_a_sources_figure_marks_each_competency_it_speaks_to(context):
    voices = context.voices
    for citekey, inputs in source_inputs(context).items():
        figure = source_figure(inputs)
        mine = voices[voices["citekey"] == citekey]
        marked = {(y, t["name"]) for t in figure["data"] for y in t["y"]}
        assert marked == {(context.labels[c], f if f != "split" else "split evenly")
                          for c, f in zip(mine["competency"], mine["framing"])}
        assert html.escape(context.cite[citekey]) in figure["layout"]["title"]["text"]  # plotly reads a little HTML


def test_a_source_coded_but_not_yet_counted_has_a_figure_that_says_so(review_copy):
    rewrite_csv(coder_file(review_copy, "coder-a"), lambda row: {**row, "citekey": "Fayol1949General"}
                if row["citekey"] == "Gulick1937Notes" else row)
    (review_copy / "corpus" / "coverage").mkdir(exist_ok=True)
    review = Review.load(review_copy)
    voices = review_voices(review)
    context = FigureContext(review, weigh_evidence(review, voices), voices)
    drawn = focus_figures(review, context, "source")
    assert set(drawn) == {page_name(c)[:-5] for c in review.quoted_codings["citekey"].unique()}
    empty = [f for f in drawn.values() if not f["data"]]
    assert all("not counted" in f["layout"]["annotations"][0]["text"] or "counted as evidence" in
               f["layout"]["annotations"][0]["text"] for f in empty)


def test_a_rebuild_rewrites_only_the_figures_whose_evidence_changed(review_copy):
    build(review_copy, images=False)
    folder = review_copy / "outputs" / "figures"
    before = {p: p.stat().st_mtime_ns for p in itertools.chain(folder.glob("per-*/*.html"))}
    rewrite_csv(coder_file(review_copy, "coder-b"), lambda row: {**row, "framing": "both"}
                if row["citekey"] == "Burns1978Leadership" else row)
    build(review_copy, images=False)
    changed = {p.relative_to(folder).as_posix() for p, t in before.items() if p.stat().st_mtime_ns != t}
    assert "per-source/Burns1978Leadership.html" in changed
    assert "per-source/Kotter1990WhatLeaders.html" not in changed
    assert 0 < len(changed) < len(before) / 2
    for coder in ("coder-a", "coder-b", "coder-c"):  # no coding of Burns (1978) left: its figure goes
        rewrite_csv(coder_file(review_copy, coder), lambda row: {**row, "citekey": "Bass1985Beyond"}
                    if row["citekey"] == "Burns1978Leadership" else row)
    build(review_copy, images=False)
    assert not (folder / "per-source" / "Burns1978Leadership.html").exists()


@pytest.mark.parametrize("inches", [6.5, 3.25])
def test_print_layouts_wrap_their_notes_and_read_in_greys(context, inches):
    for kind in ("competency", "source"):
        for name, figure in itertools.islice(focus_figures(context.review, context, kind).items(), 6):
            printed = figure_files.print_figure(figure, kind, inches)
            width = printed["layout"]["width"]
            for note in printed["layout"]["annotations"]:
                if note.get("visible") is False:
                    continue
                assert all(_text_width(line, PRINT_FONT) <= width for line in note["text"].split("<br>")), name
            assert _apart(category_colours(printed)) == [], name


def test_a_competency_named_like_a_review_figure_is_drawn_as_a_competency(context, tmp_path):
    figure = competency_figure(next(iter(competency_inputs(context).values())))
    images = figure_files._figure_images(figure, "network", tmp_path, "competency")
    assert {p.path.name for p in images} == {"network.png", "network.svg", "network-6.5in.png", "network.pdf",
                                             "network-3.25in.png"}
    narrow = next(p for p in images if p.path.name == "network-3.25in.png")
    assert narrow.figure["layout"]["xaxis2"]["tickangle"] == -90  # laid out as a competency's figure


@needs_chrome
def test_export_draws_a_figure_for_print(context, tmp_path):
    name, figure = next(iter(focus_figures(context.review, context, "competency").items()))
    written, notice = figure_files.draw_images({name: figure}, tmp_path, "competency")
    assert notice == ""
    assert {p.name for p in written} == {f"{name}{e}" for e in (".png", ".svg", ".pdf", "-6.5in.png", "-3.25in.png")}
    assert (tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")


BOXES = """() => {
  const box = e => e.getBoundingClientRect();
  const notes = [...document.querySelectorAll('.annotation')].filter(n => n.style.display !== 'none'
      && !n.querySelector('text').getAttribute('visibility'));
  return {width: document.documentElement.scrollWidth,
          notes: notes.map(n => { const b = box(n); return [b.left, b.top, b.right, b.bottom]; }),
          titles: [...document.querySelectorAll('.gtitle, .gtitle-subtitle')].map(t => {
            const b = box(t); return [b.left, b.top, b.right, b.bottom]; })};
}"""


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
@pytest.mark.parametrize("width", [390, 1400])
def test_a_figure_page_fits_a_phone_and_a_desktop(browser, built, width):
    """The notes are wrapped to the screen: nothing runs off the side, no note over the title."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for folder, item in (("per-competency", "charisma"), ("per-source", "Kotter1990WhatLeaders")):
        page.goto((built / "outputs" / "figures" / folder / f"{item}.html").as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # the page script wraps the notes after the first drawing
        found = page.evaluate(BOXES)
        assert found["width"] <= width, (item, found["width"])
        assert all(right <= width + 1 for _, _, right, _ in found["notes"]), (item, found["notes"])
        for note in found["notes"]:
            for title in found["titles"]:
                apart = note[2] <= title[0] or title[2] <= note[0] or note[3] <= title[1] or title[3] <= note[1]
                assert apart, (item, note, title)
    page.close()
    assert errors == []
