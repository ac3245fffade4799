"""Tables for authors: people's values, Markdown that parses back to its cells, LaTeX that is
escaped, has booktabs' structure, fits the page and compiles (when a LaTeX engine is here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from litcoder.analysis.evidence import COMPOSITION_LABELS, weigh_evidence
from litcoder.analysis.reliability import agreement_table
from litcoder.analysis.rulings import STATUS_LABELS
from litcoder.outputs.author_tables import (
    MISSING,
    PERCENT,
    TABLES,
    author_tables,
    cell_text,
    coefficient,
    interval,
    latex_escape,
    latex_table,
    markdown_escape,
    markdown_table,
    numeric_columns,
    percent,
    probability,
    write_author_tables,
    year_of,
)
from litcoder.outputs.theme import CLASSIFICATION_LABELS

NBSP = "\u00a0"
SPECIAL = "R&D | 50% of $x_1^2 {a} ~ \\ #1 *b* [c] <i>d</i> &amp; `e`"
"""Every character LaTeX or Markdown treat specially, in a label."""
UNICODE = "Führung – „Vision“ … ‘Mut’ — ß"
"""Letters, dashes and quotes a UTF-8 document keeps as they are."""


@pytest.fixture(scope="module")
def made(bundled):
    evidence = weigh_evidence(bundled)
    agreement = agreement_table(bundled, resamples=200)
    return evidence, agreement, author_tables(bundled, evidence, agreement)


@pytest.fixture
def awkward() -> tuple[str, pd.DataFrame]:
    """A table of one's own: special characters, Unicode, a line break, numbers and a boolean."""
    frame = pd.DataFrame({
        "Competency": [SPECIAL, UNICODE, "*starred* first", "two\nlines\tand a tab"],
        "Sources": [12, 3, 0, 7],
        "Share": [percent(0.62), percent(0.05), MISSING, interval(0.62, 0.41, 0.8)],
        "Fragile": [True, False, True, False],
        "Title": ["A -- B `` C '' D ,, E !` F ?`", "x^2_y", "~home", "50 % off"],
    })
    return f"Caption with {SPECIAL} and {UNICODE}", frame


# ---------------------------------------------------------------- people's values

def _percentages(cell: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?", cell)]


def test_evidence_table_has_labels_words_and_whole_counts(made, bundled):
    evidence, _, tables = made
    caption, table = tables["evidence"]
    assert caption and list(tables) == [t for t in TABLES if t in tables]
    assert table["Competency"].tolist() == bundled.codebook["label"].tolist()  # labels, not ids
    assert set(table["Classification"]) <= set(CLASSIFICATION_LABELS.values())
    parts = [COMPOSITION_LABELS[p].capitalize() for p in ("leadership", "management", "both", "neither", "disputed")]
    for name in ["Sources", *parts]:
        assert pd.api.types.is_integer_dtype(table[name]), name
    shown = [c for c in table.columns if c in [*parts, "Split evenly"]]
    assert (table[shown].sum(axis=1) == table["Sources"]).all()
    assert table["Fragile"].tolist() == ["yes" if f else "no" for f in evidence["fragile"]]
    cells = {cell_text(v) for v in table.to_numpy().ravel()}
    assert not cells & {"True", "False", "nan", "None"}
    assert not any(re.fullmatch(r"-?\d\.\d{3,}", c) for c in cells)  # no raw fractions


def test_evidence_percentages_follow_the_evidence(made):
    evidence, _, tables = made
    table = tables["evidence"][1]
    share = next(c for c in table.columns if c.startswith("Leadership share"))
    for row, cell in zip(evidence.to_dict("records"), table[share]):
        value, low, high = _percentages(cell)
        assert cell.endswith(f"{PERCENT})") and "–" in cell
        assert (value, low, high) == tuple(round(100 * row[k]) for k in ("leadership_share", "share_low", "share_high"))
    for row, cell in zip(evidence.to_dict("records"), table["Probability of a majority"]):
        classified = row["classification"]
        if classified in ("leadership", "management", "both", "neither"):
            assert cell == probability(row[f"p_{classified}"])
        else:  # the closest framing, named
            closest = max(("leadership", "management", "both", "neither"), key=lambda f: row[f"p_{f}"])
            assert cell == f"{probability(row[f'p_{closest}'])} ({closest})"


def test_evidence_ruling_in_the_reports_words(made):
    evidence, _, tables = made
    table = tables["evidence"][1]
    assert set(evidence["decision_status"]) >= {"agrees", "overrides", "drifted", "no decision"}
    for row, cell in zip(evidence.to_dict("records"), table["Ruling"]):
        if not row["decision"]:
            assert cell == STATUS_LABELS["no decision"].capitalize()
        else:
            assert cell.startswith(CLASSIFICATION_LABELS[row["decision"]])
            assert cell.endswith(f"({STATUS_LABELS[row['decision_status']]})")


def test_agreement_table_per_competency(made):
    _, agreement, tables = made
    table = tables["agreement"][1]
    assert table["Competency"].iloc[0] == "All competencies (pooled)"
    assert len(table) == agreement["competency"].nunique()
    presence = agreement[agreement["measure"] == "presence"].set_index(["competency", "coefficient"])
    labels = dict(zip(agreement["label"], agreement["competency"]))
    for row in table.iloc[1:].to_dict("records"):
        competency = labels[row["Competency"]]
        alpha = presence.loc[(competency, "Krippendorff's alpha")]
        assert row["Presence: alpha (95\u00a0% interval)"] == coefficient(alpha["value"], alpha["low"], alpha["high"])
        agreed = presence.loc[(competency, "percent agreement"), "value"]
        shown = float(_percentages(row["Presence: agreement"])[0])
        assert abs(shown - 100 * agreed) <= 0.5 and (shown == 100) == (agreed == 1)
        assert row["Presence: units"] == alpha["units"]
    assert pd.api.types.is_integer_dtype(table["Framing: units"])


def test_sources_table(made, bundled):
    table = made[2]["sources"][1]
    assert sorted(table["Source"]) == sorted(bundled.sources["author_year"])
    for row in table.to_dict("records"):
        assert row["Year"] in row["Source"]  # the year as the citation gives it (1916/1949 too)
    assert table["Codings"].sum() == len(bundled.quoted_codings)
    assert table["Passages"].sum() == bundled.sources["passages"].sum()
    assert (table["Competencies"] <= table["Codings"]).all()


def test_values_when_missing_or_at_the_ends():
    assert percent(np.nan) == MISSING and probability(None) == MISSING and coefficient(np.nan) == MISSING
    assert interval(0.5, np.nan, np.nan) == f"50{PERCENT}"
    assert percent(0.9996, keep_ends=True) == f"over 99.9{PERCENT}" and percent(1.0, keep_ends=True) == f"100{PERCENT}"
    assert percent(0.0004, keep_ends=True) == f"under 0.1{PERCENT}"
    assert probability(0.8999) == f"89.9{PERCENT}"  # never rounded up to the 90 % threshold
    assert coefficient(-0.004, -0.3, 0.2) == "0.00 (−0.30 to 0.20)"
    assert year_of(pd.NA) == "n.d." and year_of(1949, 1916) == "1916/1949" and year_of(2001, 2001) == "2001"


def test_a_competency_without_sources(made, bundled):
    evidence = made[0].copy()
    for column in [c for c in evidence.columns if c.endswith("_sources") and c != "pivotal_sources"]:
        evidence.loc[0, column] = 0
    evidence.loc[0, ["sources", "classification"]] = 0, "insufficient"
    table = author_tables(bundled, evidence, None)
    assert "agreement" not in table  # none measured: no table
    row = table["evidence"][1].iloc[0]
    assert row["Probability of a majority"] == MISSING and row.filter(like="Leadership share").item() == MISSING


# ---------------------------------------------------------------- Markdown

class _Cells(HTMLParser):
    """The text of each table cell of rendered HTML, row by row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif self.cell is not None:
            self.cell += f"<{tag}>"  # markup a cell should not have

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _parsed(markdown: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    return parser.rows


def _expected(frame: pd.DataFrame) -> list[list[str]]:
    return [[cell_text(c) for c in frame.columns]] + [[cell_text(v) for v in row] for row in frame.to_numpy()]


def test_markdown_tables_parse_back_to_their_cells(made):
    for caption, table in made[2].values():
        text = markdown_table(table, caption)
        assert _parsed(text) == _expected(table)
        assert text.startswith("Table: ")


def test_markdown_escapes_every_special_character(awkward):
    caption, frame = awkward
    text = markdown_table(frame, caption)
    assert _parsed(text) == _expected(frame)  # no emphasis, link, HTML, code or extra cell
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    assert SPECIAL.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in rendered  # the caption too
    assert "two lines and a tab" in text  # a cell stays on its line


def test_markdown_aligns_numbers_and_pads_columns(awkward):
    caption, frame = awkward
    lines = markdown_table(frame, caption).splitlines()[2:]
    assert numeric_columns(frame) == [False, True, True, False, False]
    rule = [c.strip() for c in lines[1].strip("|").split("|")]
    assert [r.endswith(":") for r in rule] == numeric_columns(frame)
    assert len({len(line) for line in lines}) == 1  # every column padded to its width
    assert all(len(re.findall(r"(?<!\\)\|", line)) == frame.shape[1] + 1 for line in lines)
    assert markdown_escape("a|b") == "a\\|b"


def test_markdown_pads_wide_characters_by_their_width():
    frame = pd.DataFrame({"Competency": ["领导力与管理", "Leadership"], "Sources": [3, 12]})
    lines = markdown_table(frame, "中文").splitlines()[2:]
    shown = {sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in lines}
    assert len(shown) == 1 and _parsed(markdown_table(frame, "")) == _expected(frame)


def test_empty_and_oddly_named_tables():
    empty = pd.DataFrame({"Competency": pd.Series([], dtype=object), "Sources": pd.Series([], dtype=int)})
    assert _parsed(markdown_table(empty, "None yet")) == [["Competency", "Sources"]]
    tex = latex_table(empty, "None yet", "tab:empty")
    assert len(_rows_of(tex)) == 2 and tex.count(r"\bottomrule") == 2
    twice = pd.DataFrame([["a", 1], ["b", 2]], columns=["Same", "Same"])  # two columns of one name
    assert _parsed(markdown_table(twice, "")) == [["Same", "Same"], ["a", "1"], ["b", "2"]]
    assert numeric_columns(twice) == [False, True]


# ---------------------------------------------------------------- LaTeX

_ESCAPES = re.compile(r"\\(?:textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|textminus"
                      r"|textasciigrave)\{\}"
                      r"|\\[&%$#_{}]|\{[\[\]]\}|\{\}")


def test_latex_escapes_every_special_character():
    escaped = latex_escape(SPECIAL)
    for raw, escape in [("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"),
                        ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
                        ("\\", r"\textbackslash{}")]:
        assert escape in escaped, raw
    assert not set(_ESCAPES.sub("", escaped)) & set("\\&%$#_{}~^[]`")
    assert latex_escape(UNICODE) == UNICODE  # kept as UTF-8
    assert latex_escape("a -- b") == "a -{}- b" and latex_escape(f"62{NBSP}%") == r"62~\%"


def _rows_of(tex: str) -> list[str]:
    skipped = ("\\caption", "\\multicolumn")
    return [line for line in tex.splitlines() if line.endswith(r" \\") and not line.startswith(skipped)]


def test_latex_structure(made, awkward):
    for name, (caption, table) in [*made[2].items(), ("awkward", awkward)]:
        tex = latex_table(table, caption, f"tab:{name}")
        assert tex.count(r"\toprule") == 2 and tex.count(r"\midrule") == 2 and tex.count(r"\bottomrule") == 2
        assert tex.count(r"\begin{longtable}") == tex.count(r"\end{longtable}") == 1
        assert f"\\label{{tab:{name}}}" in tex and "\\caption{" in tex
        spec = re.search(r"\\begin\{longtable\}\{(.*)\}$", tex, re.M).group(1)
        assert spec.count("p{") == table.shape[1]
        rows = _rows_of(tex)
        assert len(rows) == 2 + len(table)  # the header, once on each page, and a row per row
        for row in rows:
            assert len(re.findall(r"(?<!\\)&", row)) == table.shape[1] - 1
        shares = [float(s) for s in re.findall(r"p\{\\dimexpr ([\d.]+)\\linewidth", spec)]
        assert abs(sum(shares) - 1) < 0.001  # the columns fill the line, no more


def test_awkward_cells_are_escaped_in_latex(awkward):
    caption, frame = awkward
    tex = latex_table(frame, caption, "tab:my table")
    assert "\\label{tab:my-table}" in tex
    body = "\n".join(_rows_of(tex))
    assert "{}*starred" in body  # not read as \\*
    assert "\n" not in _rows_of(tex)[-1].split(" & ")[0]
    stripped = _ESCAPES.sub("", body.replace(r" \\", "").replace(" & ", " "))
    assert not set(stripped) & set("\\&%$#_{}^`")
    assert stripped.count("~") == sum(cell_text(v).count(NBSP) for v in frame.to_numpy().ravel())  # each a ~


def test_wide_tables_go_landscape_and_narrow_ones_stay(made, awkward):
    tables = made[2]
    evidence = latex_table(tables["evidence"][1], tables["evidence"][0], "tab:evidence")
    sources = latex_table(tables["sources"][1], tables["sources"][0], "tab:sources")
    assert "\\begin{landscape}" in evidence and "pdflscape" in evidence.splitlines()[0]
    assert "\\begin{landscape}" not in sources and "\\small" in sources
    wider = pd.DataFrame({f"Column number {i}": ["some words in a cell"] for i in range(40)})
    assert "\\footnotesize" in latex_table(wider, "Too wide", "tab:w")  # never below 8 points


# ---------------------------------------------------------------- the files

def test_write_author_tables(made, bundled, tmp_path):
    evidence, agreement, tables = made
    (tmp_path / "tables").mkdir()
    csv = tmp_path / "tables" / "evidence.csv"
    csv.write_text("competency\nplanning\n", encoding="utf-8")
    written = write_author_tables(bundled, evidence, agreement, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.{k}" for n in TABLES for k in ("md", "tex"))
    assert csv.read_text(encoding="utf-8") == "competency\nplanning\n"  # the CSVs are the build's, untouched
    for name, (caption, table) in tables.items():
        assert (tmp_path / "tables" / f"{name}.md").read_text(encoding="utf-8") == markdown_table(table, caption)
    again = write_author_tables(bundled, evidence, agreement, tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]  # deterministic


# ---------------------------------------------------------------- compiled

PDFLATEX = shutil.which("pdflatex")
needs_latex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (apt-get install "
                                 "texlive-latex-base texlive-latex-recommended): the escaping and structure "
                                 "tests above still run")
DOCUMENT = r"""\documentclass{article}
\usepackage[margin=1in]{geometry}
\usepackage{cmap}
\usepackage[T1]{fontenc}
\usepackage{booktabs,longtable,array,pdflscape}
\begin{document}
%s
\end{document}
"""


def _compile(tmp_path, tex: str) -> str:
    (tmp_path / "doc.tex").write_text(DOCUMENT % tex, encoding="utf-8")
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert (tmp_path / "doc.pdf").exists()
    return log


def _pdf_text(tmp_path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-layout", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True,
                          encoding="utf-8", timeout=60).stdout


@needs_latex
@pytest.mark.parametrize("name", TABLES)
def test_bundled_tables_compile_and_fit_the_page(made, tmp_path, name):
    caption, table = made[2][name]
    log = _compile(tmp_path, latex_table(table, caption, f"tab:{name}"))
    assert "Overfull \\hbox" not in log  # every column holds its widest word
    assert "Missing character" not in log
    text = _pdf_text(tmp_path)
    if text is not None:
        assert table.iloc[-1, 0].split()[0] in text and caption.split(".")[0] in " ".join(text.split())


@needs_latex
def test_awkward_table_compiles_to_its_text(awkward, tmp_path):
    caption, frame = awkward
    _compile(tmp_path, latex_table(frame, caption, "tab:awkward"))
    text = _pdf_text(tmp_path)
    if text is None:
        pytest.skip("pdftotext is not installed (poppler-utils): compiled, but the printed text is not checked")
    flat = " ".join(text.replace(NBSP, " ").split())
    for cell in ["R&D", "50% of $x_1^2 {a} ~ \\ #1 *b* [c] <i>d</i> &amp; `e`", "*starred* first", "A -- B",
                 "x^2_y", "~home", "Führung", "ß"]:
        assert cell in flat, cell


@needs_latex
def test_a_long_table_breaks_across_pages_and_an_empty_one_compiles(tmp_path):
    frame = pd.DataFrame({"Source": [f"Author {i}, {1900 + i}" for i in range(150)],
                          "Title": [f"A title of some length, number {i}" for i in range(150)],
                          "Codings": list(range(150))})
    empty = frame.iloc[:0]
    _compile(tmp_path, latex_table(frame, "Many sources", "tab:many") + latex_table(empty, "No sources", "tab:none"))
    text = _pdf_text(tmp_path)
    if text is not None:
        assert text.count("(continued)") >= 1 and "Author 149, 2049" in text
