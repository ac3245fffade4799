"""The PRISMA 2020 flow diagram and the report's section on how the literature was selected,
on the small review of test_selection (counts checked by hand there)."""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from pathlib import Path

import docx
import pandas as pd
import pytest
import test_selection

from litcoder import Review, weigh_evidence
from litcoder.analysis.selection import flow, screening_agreement
from litcoder.outputs import figures as figure_files
from litcoder.outputs.prisma import NAME, diagram_parts, flow_diagram, selection_tables, waiting_note
from litcoder.outputs.report import build, render_report
from litcoder.outputs.word import write_word_report

small = test_selection.small  # the fixture: a review with two database searches and one of other methods
STARTER = Path(__file__).parents[1] / "lib/litcoder/starter/codebook.yaml"


def counts(annotations) -> dict[str, list[int]]:
    """Each box's numbers, as a reader reads them in its text: name → the n of each '(n = …)'."""
    return {a["name"]: [int(n.replace(",", "")) for n in re.findall(r"\(n = ([\d,]+)\)", a["text"])]
            for a in annotations if a.get("name") and a["name"] != "arrow" and "(n = " in a["text"]}


def with_codebook(root: Path) -> Path:
    shutil.copy(STARTER, root / "corpus/codebook.yaml")
    return root


def test_every_box_shows_the_count_of_its_works(small):
    found = flow(Review.load(small).selection)
    seen = counts(flow_diagram(found).to_dict()["layout"]["annotations"])
    base, other = found.databases, found.other
    assert seen["identified"] == [5, 3] and [n for _, n in base.identified] == [5, 3]
    assert seen["duplicates"] == [base.duplicates] == [2]
    assert seen["screened"] == [base.screened] == [6]
    assert seen["screened_excluded"] == [base.screened_excluded] == [1]
    assert seen["sought"] == [base.sought] == [4]
    assert seen["not_retrieved"] == [base.not_retrieved] == [1]
    assert seen["assessed"] == [base.assessed] == [3]
    assert seen["excluded"] == [n for _, n in base.excluded] == [2]
    assert seen["included"] == [found.included] * 2 == [2, 2]
    assert seen["other_identified"] == [2] and seen["other_duplicates"] == [other.duplicates] == [1]
    assert seen["other_sought"] == [1] and seen["other_assessed"] == [1] and seen["other_excluded"] == [0]
    # the boxes add up: what leaves a step is set aside, goes on, or waits (the note says which)
    assert base.records == base.duplicates + base.screened
    assert base.screened == base.screened_excluded + base.sought + 1
    assert "1 work waiting for a screener's decision at title and abstract" in waiting_note(found)


def test_the_full_text_box_lists_each_reason_with_its_reports(small):
    fig = flow_diagram(flow(Review.load(small).selection)).to_dict()
    excluded = next(a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "excluded")
    assert excluded.replace("<br>", " ").startswith("Reports excluded: no competencies named (n = 2)")


def test_the_other_methods_column_only_with_other_searches(small):
    names = {a.get("name") for a in flow_diagram(flow(Review.load(small).selection)).to_dict()["layout"]["annotations"]}
    assert {"other_identified", "other_sought", "other_assessed", "other_excluded"} <= names
    toml = (small / "litcoder.toml").read_text()
    start = toml.index('[[searches]]\nid = "cites"')
    (small / "litcoder.toml").write_text(toml[:start] + toml[toml.index("[[searches]]", start + 5):])
    fig = flow_diagram(flow(Review.load(small).selection)).to_dict()
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert not any(a.get("name", "").startswith("other_") for a in fig["layout"]["annotations"])
    assert not any("other methods" in t for t in texts)
    assert counts(fig["layout"]["annotations"])["identified"] == [5, 3]


def test_numbers_take_thousands_separators():
    from litcoder.analysis.selection import Column, Flow

    big = Flow(Column(identified=[("Scopus", 12345)], duplicates=2345, screened=10000, screened_excluded=9000,
                      sought=1000, assessed=1000, included=1000), Column())
    fig = flow_diagram(big).to_dict()
    assert "Scopus (n = 12,345)" in next(a["text"] for a in fig["layout"]["annotations"] if a["name"] == "identified")
    assert counts(fig["layout"]["annotations"])["screened"] == [10000]


@pytest.mark.parametrize("width, font", [(800, 13), (640, 11), (360, 11), (630, 12)])
def test_every_line_fits_its_box(small, width, font):
    found = flow(Review.load(small).selection)
    if width == 360:  # a phone without the other methods' column
        found.other.identified = []
    parts = diagram_parts(found, width, font)
    boxes = {a["name"]: a for a in parts.annotations if a["name"] in {t["name"] for t in parts.traces}}
    for trace in parts.traces:
        inside = max(trace["x"]) - min(trace["x"])
        longest = max(len(line) for line in boxes[trace["name"]]["text"].split("<br>"))
        assert longest * 0.5 * font <= inside, (trace["name"], width)
        assert max(trace["x"]) <= width


def test_print_and_phone_keep_the_counts(small):
    fig = flow_diagram(flow(Review.load(small).selection))
    wide = counts(fig.to_dict()["layout"]["annotations"])
    printed = figure_files.print_figure(fig, NAME, 6.5)
    assert printed["layout"]["width"] == 650 and counts(printed["layout"]["annotations"]) == wide
    assert printed["layout"]["xaxis"]["range"][1] <= 650
    assert all(a["font"]["size"] >= 12 for a in printed["layout"]["annotations"] if "font" in a)
    payload = figure_files.figure_payload(fig, NAME)
    assert payload["narrow"]["layout.xaxis.range"] == [0, 640]  # four columns: the box scrolls below 640 px
    assert counts(payload["narrow"]["layout.annotations"]) == wide
    hovers = {trace["name"]: trace["text"] for trace in payload["narrow"]["data"]}
    assert "title and abstract" in hovers["screened"] and set(wide) <= set(hovers)  # a hover on every box


def test_the_report_tells_how_the_literature_was_selected(small):
    report = build(with_codebook(small), images=False).report.read_text(encoding="utf-8")
    assert '<a href="#selection">Selection</a>' in report and '<h2 id="selection">' in report
    section = report[report.index('<h2 id="selection">'):report.index('<h2 id="method">')]
    assert "The committee searched 2 databases and 1 other source (litcoder.toml" in section
    assert "They gave 10 records; once\n3 duplicates were removed, 7 works were\nscreened" in section
    assert "LISTA (EBSCOhost)" in section and "leadership AND management AND competenc*" in section
    assert 'id="figure-selection-flow"' in section and "min-width: 640px" in section
    assert "<code>lista:5</code>" in section and "title and abstract: awaiting a decision" in section
    agreement = screening_agreement(Review.load(small).selection)
    for row in agreement.itertuples():
        assert f"{row.agreement * 100:.0f}%" in section and f"{row.kappa:.2f}" in section
    assert "Cohen&#39;s kappa</b>:" in section and "Percent agreement</b>:" in section
    assert report.count('id="figure-selection-flow"') == 1  # in its section, not among the other figures
    tables = small / "outputs/tables"
    assert len(pd.read_csv(tables / "searches.csv")) == 3
    assert len(pd.read_csv(tables / "screening.csv")) == 10  # every record's path, duplicates too
    assert sorted(pd.read_csv(tables / "duplicates.csv")["record"]) == ["bsc:1", "bsc:2", "cites:1"]
    assert (small / "outputs/figures/selection-flow.html").exists()


def png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + b"\xff\xff\xff" * 4
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(row * 4)) + chunk(b"IEND", b""))
    return path


def test_the_word_report_has_the_section_and_its_figure(small, tmp_path):
    review = Review.load(with_codebook(small))
    result = write_word_report(review, weigh_evidence(review), tmp_path / "report.docx",
                               selection_figure=png(tmp_path / "selection-flow-6.5in.png"), built_on="2026-12-01")
    document = docx.Document(str(result.path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "How the literature was selected" in headings and "How far the screeners agreed" in headings
    captions = [p.text for p in document.paragraphs if p.text.startswith("Figure 1.")]
    assert captions and "PRISMA 2020" in captions[0] and "Hover" not in captions[0]
    assert len(document.inline_shapes) == 1
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "LISTA (EBSCOhost)" in cells and "no competencies named" in cells
    assert any(p.text.startswith("The committee searched 2 databases and 1 other source. They gave 10 records")
               for p in document.paragraphs)


def test_no_searches_no_section(small, tmp_path):
    (small / "litcoder.toml").write_text("")
    review = Review.load(with_codebook(small))
    assert not review.selection.configured and selection_tables(review.selection) == {}
    report = render_report(review, weigh_evidence(review))
    assert 'id="selection"' not in report and "#selection" not in report and "PRISMA" not in report
    result = write_word_report(review, weigh_evidence(review), tmp_path / "report.docx", built_on="2026-12-01")
    assert "How the literature was selected" not in [p.text for p in docx.Document(str(result.path)).paragraphs]
