"""Tables for authors: the build's frames with people's values, as Markdown and LaTeX.

The CSVs of outputs/tables/ keep raw values for machines (`0.0028`, `False`, competency ids).
The tables here say the same in words an author can put in the committee's report:
competency labels and author-year citations, percentages ("62 %"), intervals
("62 % (41–80 %)"), "yes"/"no", counts as integers, and the classification and ruling words
of the HTML report. `author_tables` gives them as (caption, frame) pairs, for the Word report
too; `markdown_table` and `latex_table` write any such frame; `write_author_tables` writes
outputs/tables/<name>.md and <name>.tex.

A percentage's space is a no-break space, so that "62" and "%" stay on one line in a narrow
cell (LaTeX gets it as `~`).

LaTeX tables are `longtable`s, not `tabularx`: the sources of a large review run over more
than one page, which a `tabularx` (a single box) cannot do, while a `longtable` breaks between
rows and repeats its header. Its width is held to the text width by giving every column a
`p` width, its share of `\\linewidth` (`column_widths`: each wide enough for its widest
word, numbers kept whole when they fit), in the larger of \\small and \\footnotesize (8
points at the least) that fits a 6.5-inch text width; a table that fits neither (the evidence,
with its twelve columns) is set on a landscape page. The document needs
`\\usepackage{booktabs,longtable,array}` (and `pdflscape` for a landscape table), and with
pdfLaTeX `\\usepackage[T1]{fontenc}`; the tables are UTF-8, LaTeX's default input encoding
(letters beyond T1's, such as Greek, need XeLaTeX or LuaLaTeX). Each .tex file's first line
says what it needs.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.evidence import COMPOSITION, COMPOSITION_LABELS, INTERVAL, SPLIT, chance
from ..analysis.reliability import ALL
from ..analysis.rulings import STATUS_LABELS
from ..files import write_atomic
from ..inputs.codebook import FRAMINGS
from ..review import Review
from .theme import CLASSIFICATION_LABELS

PERCENT = "\u00a0%"
"""What follows a percentage: a no-break space and the sign ("62 %")."""
MISSING = "–"
"""A cell with no value (an agreement not measured), as the report shows it."""
SHOWN_INTERVAL = f"{INTERVAL:.0%}".replace("%", PERCENT)
TABLES = ("evidence", "agreement", "sources")
"""The author tables, in the order the report shows them; each is outputs/tables/<name>.md and .tex."""
ALPHA = "Krippendorff's alpha"
AGREEMENT = "percent agreement"
MEASURES = {"presence": "Presence", "framing": "Framing"}
"""agreement_table's measures, as the author table names them."""


# ---------------------------------------------------------------- people's values

def percent(x, keep_ends: bool = False) -> str:
    """A share as a whole percentage; with `keep_ends`, a share that is not 0 or 1 is never
    shown as 0 % or 100 % (a percent agreement of 99.8 % is not perfect agreement).

    >>> percent(0.6249), percent(0.998), percent(0.998, keep_ends=True), percent(float("nan"))
    ('62\\xa0%', '100\\xa0%', '99.8\\xa0%', '–')
    """
    if x is None or pd.isna(x):
        return MISSING
    shown = f"{x:.0%}"
    if keep_ends and 0 < x < 1 and shown in ("0%", "100%"):
        shown = f"{x:.1%}" if 0.0005 <= x < 0.9995 else ("under 0.1%" if x < 0.5 else "over 99.9%")
    return shown.replace("%", PERCENT)


def probability(p) -> str:
    """A probability as the report shows it (never rounded across the threshold or to
    certainty: evidence.chance), with the percentage's space.

    >>> probability(0.8999), probability(0.9996)
    ('89.9\\xa0%', 'over 99\\xa0%')
    """
    return MISSING if p is None or pd.isna(p) else chance(p).replace("%", PERCENT)


def interval(value, low, high) -> str:
    """A share with its interval: '62 % (41–80 %)'.

    >>> interval(0.62, 0.41, 0.8)
    '62\\xa0% (41–80\\xa0%)'
    """
    if pd.isna(value):
        return MISSING
    if pd.isna(low) or pd.isna(high):
        return percent(value)
    return f"{percent(value)} ({percent(low).removesuffix(PERCENT)}–{percent(high)})"


def coefficient(value, low=None, high=None) -> str:
    """A coefficient such as alpha to two decimals, with its interval when given; a minus
    sign for negative values, and 'to' between bounds when one is negative.

    >>> coefficient(0.7338, 0.3159, 0.9182), coefficient(-0.05, -0.3, 0.2), coefficient(-0.001, -0.004, 0.9)
    ('0.73 (0.32–0.92)', '−0.05 (−0.30 to 0.20)', '0.00 (0.00–0.90)')
    """
    if value is None or pd.isna(value):
        return MISSING

    def shown(x) -> str:
        return f"{x + 0.0:.2f}".replace("-0.00", "0.00").replace("-", "−")  # never '−0.00'

    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return shown(value)
    low_shown, high_shown = shown(low), shown(high)
    between = " to " if "−" in low_shown + high_shown else "–"
    return f"{shown(value)} ({low_shown}{between}{high_shown})"


def yes_no(value) -> str:
    return MISSING if value is None or pd.isna(value) else ("yes" if value else "no")


def year_of(year, original=None) -> str:
    """A source's year as APA writes it: 'n.d.' when there is none, the original year first
    for a republished work.

    >>> year_of(1949, 1916), year_of(2021.0), year_of(None)
    ('1916/1949', '2021', 'n.d.')
    """
    def shown(y) -> str:
        if y is None or (not isinstance(y, str) and pd.isna(y)) or str(y).strip() == "":
            return ""
        return str(int(y)) if isinstance(y, (int, np.integer, float, np.floating)) else str(y).strip()

    published, first = shown(year) or "n.d.", shown(original)
    return f"{first}/{published}" if first and first != published else published


def ruling(row: dict) -> str:
    """The committee's ruling in the report's words, with its status.

    >>> ruling({"decision": "both", "decision_lists": "", "decision_status": "overrides"})
    'Both (overrides the evidence)'
    >>> ruling({"decision": "contested", "decision_lists": "both", "decision_status": "agrees"})
    'Contested, in both lists (agrees with the evidence)'
    >>> ruling({"decision": "", "decision_lists": "", "decision_status": "no decision"})
    'No ruling yet'
    """
    decision, status = row.get("decision") or "", row.get("decision_status") or "no decision"
    if not decision or decision == "deferred":
        return STATUS_LABELS.get("deferred" if decision else status, status).capitalize()
    said = CLASSIFICATION_LABELS.get(decision, decision.capitalize())
    if row.get("decision_lists"):
        said += f", in {row['decision_lists']} lists"
    return f"{said} ({STATUS_LABELS.get(status, status)})"


def majority_probability(row: dict) -> str:
    """The probability that more than half of the sources frame the competency as classified;
    for contested or insufficient evidence, that of the closest framing, named."""
    classified = row["classification"]
    if not row["sources"]:
        return MISSING
    if classified in FRAMINGS:
        return probability(row[f"p_{classified}"])
    closest = max(FRAMINGS, key=lambda f: row[f"p_{f}"])
    return f"{probability(row[f'p_{closest}'])} ({closest})"


# ---------------------------------------------------------------- the tables

def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """Per competency (codebook order): its classification, what its sources say, the
    probability of a majority, the leadership share with its interval, whether it is fragile
    and the committee's ruling. 'Split evenly' only when some source is."""
    shown = [part for part in COMPOSITION if part != SPLIT or evidence[f"{SPLIT}_sources"].any()]
    rows = evidence.to_dict("records")
    table = pd.DataFrame({
        "Competency": evidence["label"].astype(str).tolist(),
        "Classification": [CLASSIFICATION_LABELS.get(c, c) for c in evidence["classification"]],
        "Sources": evidence["sources"].astype(int).tolist(),
        **{COMPOSITION_LABELS[part].capitalize(): evidence[f"{part}_sources"].astype(int).tolist() for part in shown},
        "Probability of a majority": [majority_probability(row) for row in rows],
        f"Leadership share ({SHOWN_INTERVAL} interval)": [
            interval(row["leadership_share"], row["share_low"], row["share_high"]) if row["sources"] else MISSING
            for row in rows],
        "Fragile": [yes_no(f) for f in evidence["fragile"]],
        "Ruling": [ruling(row) for row in rows],
    })
    return table


def agreement_by_competency(agreement: pd.DataFrame | None) -> pd.DataFrame:
    """Per competency, all competencies pooled first: Krippendorff's alpha with its interval,
    the percent agreement and the units, for each measure measured (presence, framing)."""
    if agreement is None or agreement.empty:
        return pd.DataFrame()
    order = list(dict.fromkeys(agreement["competency"]))  # agreement_table's: pooled, then codebook order
    labels = dict(zip(agreement["competency"], agreement["label"]))
    table = pd.DataFrame({"Competency": ["All competencies (pooled)" if c == ALL else str(labels[c]) for c in order]})
    for measure, name in MEASURES.items():
        rows = agreement[agreement["measure"] == measure]
        if rows.empty:
            continue
        alpha = rows[rows["coefficient"] == ALPHA].set_index("competency").reindex(order)
        agreed = rows[rows["coefficient"] == AGREEMENT].set_index("competency").reindex(order)
        units = rows.groupby("competency")["units"].max().reindex(order).fillna(0).astype(int)
        table[f"{name}: alpha ({SHOWN_INTERVAL} interval)"] = [
            coefficient(v, lo, hi) for v, lo, hi in zip(alpha["value"], alpha["low"], alpha["high"])]
        table[f"{name}: agreement"] = [percent(v, keep_ends=True) for v in agreed["value"]]
        table[f"{name}: units"] = units.tolist()
    return table


def sources_table(review: Review) -> pd.DataFrame:
    """Per source, in the reference list's order: author-year, title, year, its passages, the
    codings counted as evidence and the competencies they code."""
    sources = review.sources.sort_values(["authors", "year", "title"], kind="stable")
    codings = review.quoted_codings
    per_source = codings.groupby("citekey").agg(codings=("id", "size"), competencies=("competency", "nunique"))
    per_source = per_source.reindex(sources["citekey"]).fillna(0).astype(int)
    original = sources["original_year"].tolist() if "original_year" in sources else [None] * len(sources)
    return pd.DataFrame({
        "Source": sources["author_year"].astype(str).tolist(),
        "Title": sources["title"].fillna("").astype(str).tolist(),
        "Year": [year_of(y, o) for y, o in zip(sources["year"].tolist(), original)],
        "Passages": sources["passages"].fillna(0).astype(int).tolist(),
        "Codings": per_source["codings"].tolist(),
        "Competencies": per_source["competencies"].tolist(),
    })


def author_tables(review: Review, evidence: pd.DataFrame, agreement: pd.DataFrame | None,
                  only: set[str] | None = None) -> dict[str, tuple[str, pd.DataFrame]]:
    """The author tables, name → (caption, frame), in TABLES' order (`only` those named); no
    agreement table while no agreement has been measured. Every cell is text or an integer."""
    n = len(review.sources)
    names = set(TABLES) if only is None else only
    wanted = names.__contains__
    tables = {} if not wanted("evidence") else {"evidence": (
        "Evidence per competency. Sources: the sources coded to it; leadership to disputed: how many of them frame it "
        "so, or whose coders disagree. Probability of a majority: that more than half of the sources frame it as "
        "classified (for contested or insufficient evidence, the closest framing, named). Leadership share: of the "
        "sources placing it between leadership and management. Fragile: leaving out one source would change the "
        "classification. Ruling: the committee's latest ruling and how it stands against the evidence.",
        evidence_table(evidence))}
    agreed = agreement_by_competency(agreement if wanted("agreement") else None)
    if len(agreed):
        tables["agreement"] = (
            "Agreement between coders per competency. Presence: whether coders coded a passage with the competency "
            "(units: passages of sources two or more coders finished). Framing: the framing coders gave a source "
            f"(units: sources). Intervals: {SHOWN_INTERVAL} bootstrap intervals over units.", agreed)
    if wanted("sources"):
        tables["sources"] = (f"The {n} sources of the review: their passages, the codings counted as evidence and "
                             "the competencies coded.", sources_table(review))
    return tables


def write_author_tables(review: Review, evidence: pd.DataFrame, agreement: pd.DataFrame | None,
                        out_folder: Path, only: set[str] | None = None) -> list[Path]:
    """Write each author table (`only` those named) as `out_folder`/tables/<name>.md and
    <name>.tex (out_folder is outputs/); returns the files written."""
    written = []
    for name, (caption, frame) in author_tables(review, evidence, agreement, only).items():
        for path, text in ((out_folder / "tables" / f"{name}.md", markdown_table(frame, caption)),
                           (out_folder / "tables" / f"{name}.tex", latex_table(frame, caption, f"tab:{name}"))):
            write_atomic(path, text)
            written.append(path)
    return written


# ---------------------------------------------------------------- cells, for every writer

_SPACES = re.compile(r" {2,}")
_NUMERIC = re.compile(r"(?:over |under )?[−-]?\d[\d.,]*(?:\u00a0%)?(?: \(.+\))?")


def cell_text(value) -> str:
    """A frame's cell as text, on one line: integers whole, booleans yes/no, missing '–'."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return yes_no(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(value))
    return _SPACES.sub(" ", text).strip(" ")  # a no-break space stays


def numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """Which columns hold numbers (counts, percentages, coefficients, 'over 99 %'), to be
    aligned right; a column of only missing cells is not."""
    numeric = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]  # by place: two columns may share a name
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            numeric.append(True)
            continue
        cells = [cell_text(v) for v in column.tolist()]
        filled = [c for c in cells if c != MISSING]
        numeric.append(bool(filled) and all(_NUMERIC.fullmatch(c) for c in filled))
    return numeric


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    columns = [[cell_text(v) for v in frame.iloc[:, i].tolist()] for i in range(frame.shape[1])]
    return [list(row) for row in zip(*columns)]


# ---------------------------------------------------------------- Markdown

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<|~]|&(?=#?[A-Za-z0-9]+;))")
"""What could format, link or end a cell: a backslash, emphasis, code, links, HTML, strikethrough,
a pipe, and an ampersand that would start an entity (&amp;)."""


def markdown_escape(text: str) -> str:
    """Text that a Markdown parser shows as it is: its punctuation that could format, link or
    end a table cell backslash-escaped (_MARKDOWN_SPECIAL).

    >>> markdown_escape("A | B *c*")
    'A \\\\| B \\\\*c\\\\*'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _display_width(text: str) -> int:
    """How many columns the text takes in a monospaced editor (wide characters count twice)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _padded(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def markdown_table(frame: pd.DataFrame, caption: str) -> str:
    """The frame as a Markdown pipe table (GitHub, pandoc, markdown-it), numbers aligned
    right and every column padded so the table reads in plain text too; the caption as
    pandoc writes one ('Table: …'), before the table."""
    header = [markdown_escape(cell_text(name)) for name in frame.columns]
    rows = [[markdown_escape(cell) for cell in row] for row in _rows(frame)]
    right = numeric_columns(frame)
    widths = [max([3, _display_width(h), *(_display_width(r[i]) for r in rows)]) for i, h in enumerate(header)]
    rule = [("-" * (w - 1) + ":") if r else "-" * w for w, r in zip(widths, right)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    lines = [line([_padded(h, w, r) for h, w, r in zip(header, widths, right)]), line(rule)]
    lines += [line([_padded(c, w, r) for c, w, r in zip(row, widths, right)]) for row in rows]
    return f"Table: {markdown_escape(cell_text(caption))}\n\n" + "\n".join(lines) + "\n"


# ---------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "[": "{[}", "]": "{]}", "`": r"\textasciigrave{}", "\u00a0": "~", "−": r"\textminus{}",
}
_LATEX_CHARACTERS = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=')(?=')|(?<=,)(?=,)")
"""Between two characters a T1 font would join (-- –, '' ”, ,, „); a backtick, which would
print as an opening quote or join into ¡ and ¿, is escaped."""


def latex_escape(text: str) -> str:
    """Text that LaTeX prints as it is: its special characters escaped, ligatures that would
    change it (-- becoming a dash) broken; other Unicode (dashes, quotes, letters) kept as
    UTF-8, and a no-break space written `~`.

    >>> print(latex_escape("R&D: 50% of $x_1^2 {a} #1"), latex_escape("~ \\\\ -- [b] “é”"))
    R\\&D: 50\\% of \\$x\\_1\\textasciicircum{}2 \\{a\\} \\#1 \\textasciitilde{} \\textbackslash{} -{}- {[}b{]} “é”
    """
    escaped = _LATEX_CHARACTERS.sub(lambda m: _LATEX_SPECIAL[m.group()], text)
    return _LIGATURE.sub("{}", escaped)  # no escape makes a ligature's characters


TEXT_WIDTH = 6.5 * 72.27
"""The text width the tables are fitted to, in TeX points (the issue's 6.5 inches)."""
TEXT_HEIGHT = 9.0 * 72.27
"""The text height, the width of a landscape page's text (letter paper, 1-inch margins)."""
SIZES = ((r"\small", 9.0, 9.25), (r"\footnotesize", 8.0, 8.5))
"""The type sizes a table may be set in, largest first (8 points at the least, as for the
figures): the command, its size in points and the width of a 10-point em at that size (the
fonts' smaller sizes are drawn a little wider, as measured in Computer Modern)."""
COLUMN_GAP = 4.0
"""\\tabcolsep in the tables, in points: a little less than LaTeX's 6, for more columns."""
WRAP = 24.0
"""Ems of a long cell wanted on one line before it wraps."""
MARGIN = 1.05
"""How much wider than estimated a column is made, so that its widest word surely fits."""
_EMS = {**dict.fromkeys("ijlft.,;:'!|()[]/`\u00a0 ", 0.28), **dict.fromkeys("rs\"", 0.39),
        **dict.fromkeys("mMW%", 0.85), "w": 0.72, "—": 1.0, "–": 0.5, "−": 0.78}
"""Characters' widths in ems in Computer Modern Roman, where they differ from a lower-case
letter's (0.53), a capital's (0.75) or a digit's (0.5)."""


def text_width(text: str) -> float:
    """About how wide the text is set in a roman font such as Computer Modern, in ems.

    >>> round(text_width("Management"), 1), round(text_width("ill"), 1)
    (5.7, 0.8)
    """
    return sum(_EMS.get(c, 0.75 if c.isupper() else 0.5 if c.isdigit() else 0.53) for c in text)


def _longest_word(text: str) -> float:
    """The widest run the text cannot break in (TeX breaks it at spaces and after hyphens)."""
    return max((text_width(word) for word in re.split(r"(?<=[ -])", text)), default=0.0)


def column_widths(header: list[str], rows: list[list[str]],
                  right: list[bool] | None = None) -> tuple[str, bool, list[float]]:
    """The type size, whether the table is set on a landscape page, and each column's share of
    the line.

    Each column needs its widest word (a column of numbers, `right`, its widest cell, so that
    '62 % (41–80 %)' stays on one line, unless that cannot fit) and wants its widest cell up
    to WRAP ems. The first that fits is chosen: each size of SIZES on TEXT_WIDTH, then on a
    landscape page (TEXT_HEIGHT wide), numbers kept whole before they wrap; else the smallest
    size there. The room left is shared in proportion to what each column wants beyond its
    need."""
    right = right or [False] * len(header)
    words, whole, want = [], [], []
    for i, name in enumerate(header):
        body = [row[i] for row in rows]
        words.append(MARGIN * max(_longest_word(c) for c in [name, *body, "x"]))
        whole.append(max(words[-1], MARGIN * max([text_width(c) for c in body] + [0.0])) if right[i] else words[-1])
        want.append(max(whole[-1], min(WRAP, MARGIN * max(text_width(c) for c in [name, *body]))))
    gaps = 2 * COLUMN_GAP * len(header)
    tries = [(size, em, line, need) for line in (TEXT_WIDTH, TEXT_HEIGHT) for need in (whole, words)
             for size, _, em in SIZES]
    fits = [(size, em, line, need) for size, em, line, need in tries if sum(need) * em + gaps <= line]
    size, points, line, need = fits[0] if fits else tries[-1]
    room = max(line - gaps - sum(need) * points, 0.0)
    extra = [w - n for w, n in zip(want, need)]
    shares = [e / sum(extra) if sum(extra) else 1 / len(header) for e in extra]
    widths = [n * points + room * s + 2 * COLUMN_GAP for n, s in zip(need, shares)]
    return size, line == TEXT_HEIGHT, [w / sum(widths) for w in widths]


def latex_label(label: str) -> str:
    """A \\label's key: letters, digits and : . - only (anything else becomes -)."""
    return re.sub(r"[^A-Za-z0-9:.\-]", "-", label) or "tab"


def latex_table(frame: pd.DataFrame, caption: str, label: str) -> str:
    """The frame as a booktabs `longtable` (see the module's docstring for why), its caption
    and label on top, its header repeated on each page, numbers aligned right, every cell
    escaped (`latex_escape`)."""
    header = [cell_text(name) for name in frame.columns]
    rows = _rows(frame)
    right = numeric_columns(frame)
    size, landscape, shares = column_widths(header, rows, right)
    spec = "".join(
        f">{{\\{'raggedleft' if r else 'raggedright'}\\arraybackslash}}p{{\\dimexpr {s:.4f}\\linewidth-2\\tabcolsep}}"
        for r, s in zip(right, shares))

    def line(cells: list[str]) -> str:
        escaped = [latex_escape(c) for c in cells]
        if escaped and escaped[0].startswith("*"):  # \\ would read it as its star
            escaped[0] = "{}" + escaped[0]
        return " & ".join(escaped) + r" \\"

    head = line(header)
    columns = len(header)
    lines = [
        f"% {len(rows)} rows; needs \\usepackage{{booktabs,longtable,array{',pdflscape' if landscape else ''}}} "
        "(and [T1]{fontenc} with pdfLaTeX)",
        *(["\\begin{landscape}"] if landscape else []),
        "\\begingroup",
        f"{size}\\setlength{{\\tabcolsep}}{{{COLUMN_GAP:g}pt}}",
        f"\\begin{{longtable}}{{{spec}}}",
        f"\\caption{{{latex_escape(cell_text(caption))}}}\\label{{{latex_label(label)}}} \\\\",
        "\\toprule", head, "\\midrule", "\\endfirsthead",
        f"\\multicolumn{{{columns}}}{{@{{}}l}}{{\\textit{{(continued)}}}} \\\\",
        "\\toprule", head, "\\midrule", "\\endhead",
        "\\bottomrule", "\\endfoot",
        "\\bottomrule", "\\endlastfoot",
        *(line(row) for row in rows),
        "\\end{longtable}",
        "\\endgroup",
        *(["\\end{landscape}"] if landscape else []),
    ]
    return "\n".join(lines) + "\n"
