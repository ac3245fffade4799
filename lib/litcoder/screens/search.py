"""Search the sources' texts, and gather the quotes of a competency across sources.

    from litcoder.screens.search import SearchScreen, QuoteScreen
    SearchScreen(review, on_open=coding_screen.open_passage)   # words, "phrases", -exclusions
    QuoteScreen(review)       # a competency's quotes, AND/NOT others, exported to CSV or XLSX

The search runs over the folded texts of analysis.search.TextIndex, made once per review;
only the results shown are drawn (PAGE at a time), so a broad query on thousands of
sources stays quick.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import ipywidgets as w
import pandas as pd

from ..analysis.search import QUOTE_COLUMNS, parse_query, retrieve_quotes, snippet_bounds, text_index
from ..files import write_atomic
from ..inputs.codebook import FRAMINGS
from ..layout import OUTPUTS, RefusedFolder, derived_folder
from ..outputs.report import spreadsheet_csv, spreadsheet_safe
from ..review import Review

PAGE = 100
"""How many search results are drawn at once; "Show more" draws the next ones."""
QUOTES_SHOWN = 500
"""The most quotes the table shows; an export holds them all."""
TABLES = f"{OUTPUTS}/tables"

STYLE = """
<style>
.lc-hit { padding: .3rem 0 .3rem .6rem; border-left: 3px solid #d0d0d6; margin: .2rem 0; }
.lc-hit .lc-where { font-size: .85rem; color: #44444a; }
.lc-hit .lc-snippet { font-size: .95rem; line-height: 1.45; }
.lc-hit mark, .lc-quotes mark { background: #fff1a8; }
.lc-quotes { border-collapse: collapse; font-size: .88rem; }
.lc-quotes th, .lc-quotes td { padding: .2rem .5rem; border-bottom: 1px solid #e4e4ea; text-align: left;
                               vertical-align: top; }
.lc-error { color: #b3261e; } .lc-ok { color: #1e7d34; }
</style>
"""


def _say(message: str, kind: str = "ok") -> str:
    return f'<span class="lc-{kind}">{html.escape(message)}</span>' if message else ""


def marked_snippet(text: str, spans: list[tuple[int, int]]) -> str:
    """The snippet around the first hit as HTML: text escaped, whitespace runs one space, each hit
    in <mark>, '…' where the passage is cut.

    >>> marked_snippet("Leaders <set>\\n a  direction.", [(15, 16), (18, 27)])
    'Leaders &lt;set&gt; <mark>a</mark> <mark>direction</mark>.'
    """
    low, high = snippet_bounds(text, spans[0] if spans else (0, 0))
    parts, at = [], low
    for start, end in spans:
        start, end = max(start, low), min(end, high)
        if start >= end:
            continue
        parts += [_plain(text[at:start]), f"<mark>{_plain(text[start:end])}</mark>"]
        at = end
    parts.append(_plain(text[at:high]))
    shown = "".join(parts).strip()
    return ("…" if low > 0 else "") + shown + ("…" if high < len(text) else "")


def _plain(text: str) -> str:
    return html.escape(re.sub(r"\s+", " ", text))


class SearchScreen(w.VBox):
    """Full-text search across every source's passages: words, "quoted phrases", -exclusions;
    case and accents ignored. Each result names its source, page and passage and shows the
    text around the hits; "Open" (when `on_open` is given) calls on_open(citekey, passage)."""

    def __init__(self, review: Review, on_open=None):
        self.review = review
        self.on_open = on_open
        self.index = text_index(review)  # shared with search_passages on the same review
        self.query = w.Text(description="Search", continuous_update=False, layout=w.Layout(width="70%"),
                            placeholder='words, "a phrase", -leave-out (Enter to search)')
        self.search_button = w.Button(description="Search", icon="search")
        self.count = w.HTML()
        self.results = w.VBox()
        self.more = w.Button(description="Show more", layout=w.Layout(display="none"))
        super().__init__([w.HTML(STYLE), w.HBox([self.query, self.search_button]), self.count, self.results,
                          self.more])
        self.found: list[int] = []
        self._parsed = None
        self.query.observe(lambda _: self.search(), names="value")
        self.search_button.on_click(lambda _: self.search())
        self.more.on_click(lambda _: self._draw_more())

    def search(self, query: str | None = None) -> None:
        """Search for `query` (by default the text box's), and show the first results."""
        text = self.query.value if query is None else query
        self._clear()
        if not text.strip():
            return
        try:
            self._parsed = parse_query(text)
        except ValueError as err:
            self.count.value = _say(str(err), "error")
            return
        self.found = self.index.matching(self._parsed)
        total, sources = len(self.found), len({self.index.citekeys[i] for i in self.found})
        self.count.value = (f"<b>{total}</b> passage{'' if total == 1 else 's'} in {sources} "
                            f"source{'' if sources == 1 else 's'}" if total else
                            _say(f"no passage holds {text.strip()}", "error"))
        self._draw_more()

    def _clear(self) -> None:
        for row in self.results.children:
            row.close()  # each result's widgets: not left behind in the kernel
        self.results.children = ()
        self.found, self._parsed = [], None
        self.count.value = ""
        self.more.layout.display = "none"

    def _draw_more(self) -> None:
        shown = len(self.results.children)
        rows = [self._result(i) for i in self.found[shown:shown + PAGE]]
        self.results.children = (*self.results.children, *rows)
        rest = len(self.found) - len(self.results.children)
        self.more.description = f"Show more ({rest} left)"
        self.more.layout.display = None if rest > 0 else "none"

    def _result(self, position: int) -> w.Widget:
        index = self.index
        citekey, number, page = index.citekeys[position], index.numbers[position], index.pages[position]
        spans = index.spans(position, self._parsed)
        where = html.escape(index.author_years[position]) + (f", p. {html.escape(str(page))}" if page else "")
        shown = w.HTML(f'<div class="lc-hit"><div class="lc-where"><b>{where}</b> · passage {number} · '
                       f'{len(spans)} hit{"" if len(spans) == 1 else "s"}</div>'
                       f'<div class="lc-snippet">{marked_snippet(index.texts[position], spans)}</div></div>',
                       layout=w.Layout(width="85%"))
        if self.on_open is None:
            return w.HBox([shown])
        button = w.Button(description="Open", icon="external-link", tooltip=f"open {citekey}, passage {number}",
                          layout=w.Layout(width="6rem"))
        button.on_click(lambda _: self.on_open(citekey, number))
        return w.HBox([shown, button])


class QuoteScreen(w.VBox):
    """Every quote of a competency across sources, where the passage is also coded to the AND
    competencies and to none of the NOT ones, filtered by coder, framing and source; exported to
    outputs/tables/quotes-<competency>.csv or .xlsx."""

    def __init__(self, review: Review):
        self.review = review
        codebook = review.codebook
        self.named = {f"{label} ({c})": c for c, label in zip(codebook["competency"], codebook["label"])}
        choices = [(f"{label} ({c})", c) for c, label in zip(codebook["competency"], codebook["label"])]
        wide, named = w.Layout(width="48%"), {"description_width": "initial"}
        self.competency = w.Combobox(options=list(self.named), ensure_option=False, continuous_update=False,
                                     description="Competency", placeholder="type to search the competencies",
                                     style=named, layout=w.Layout(width="70%"))
        self.and_also = w.SelectMultiple(options=choices, rows=5, description="AND coded", style=named, layout=wide)
        self.but_not = w.SelectMultiple(options=choices, rows=5, description="NOT coded", style=named, layout=wide)
        self.coders = w.SelectMultiple(options=review.coders, rows=4, description="Coders", style=named)
        self.framings = w.SelectMultiple(options=list(FRAMINGS), rows=4, description="Framings", style=named)
        sources = review.sources.sort_values(["author_year", "citekey"], kind="stable")
        self.sources = w.SelectMultiple(options=list(zip(sources["author_year"], sources["citekey"])), rows=4,
                                        description="Sources", style=named)
        self.count = w.HTML()
        self.table = w.HTML()
        self.csv_button = w.Button(description="Export CSV", icon="download", disabled=True)
        self.xlsx_button = w.Button(description="Export XLSX", icon="download", disabled=True)
        self.status = w.HTML()
        self.quotes = pd.DataFrame(columns=QUOTE_COLUMNS)
        super().__init__([
            w.HTML(STYLE), self.competency, w.HBox([self.and_also, self.but_not]),
            w.HBox([self.coders, self.framings, self.sources]), w.HTML("<small>none chosen: all of them</small>"),
            self.count, w.HBox([self.csv_button, self.xlsx_button, self.status]), self.table])
        for control in (self.competency, self.and_also, self.but_not, self.coders, self.framings, self.sources):
            control.observe(lambda _: self.refresh(), names="value")
        self.csv_button.on_click(lambda _: self.export("csv"))
        self.xlsx_button.on_click(lambda _: self.export("xlsx"))

    @property
    def chosen(self) -> str | None:
        """The competency id picked (typed as shown, or as its id), or None."""
        typed = self.competency.value.strip()
        ids = set(self.named.values())
        return self.named.get(typed) or (typed if typed in ids else None)

    def refresh(self) -> None:
        """Gather the quotes of the competency picked, with the AND/NOT competencies and filters."""
        competency = self.chosen
        self.status.value = ""
        if competency is None:
            self.quotes = pd.DataFrame(columns=QUOTE_COLUMNS)
            self.count.value = _say(f"no competency '{self.competency.value}': choose one from the list", "error") \
                if self.competency.value.strip() else ""
            self.table.value = ""
            self.csv_button.disabled = self.xlsx_button.disabled = True
            return
        self.quotes = retrieve_quotes(self.review, competency, and_also=self.and_also.value,
                                      but_not=self.but_not.value, coders=self.coders.value or None,
                                      framings=self.framings.value or None, citekeys=self.sources.value or None)
        n, sources = len(self.quotes), self.quotes["citekey"].nunique()
        self.count.value = f"<b>{n}</b> quote{'' if n == 1 else 's'} from {sources} source{'' if sources == 1 else 's'}"
        self.table.value = quotes_html(self.quotes)
        self.csv_button.disabled = self.xlsx_button.disabled = n == 0

    def export(self, kind: str) -> Path | None:
        """Write the quotes shown to outputs/tables/quotes-<competency>.<kind> (csv or xlsx); says where."""
        competency = self.chosen
        if competency is None:
            self.status.value = _say("choose a competency first", "error")
            return None
        try:
            folder = derived_folder(self.review.path, TABLES)
            path = folder / f"quotes-{re.sub(r'[^A-Za-z0-9_.-]+', '-', competency)}.{kind}"
            write_atomic(path, spreadsheet_csv(self.quotes) if kind == "csv" else quotes_xlsx(self.quotes))
        except (RefusedFolder, OSError) as err:
            self.status.value = _say(f"nothing written: {err}", "error")
            return None
        self.status.value = _say(f"{len(self.quotes)} quotes written to {path.relative_to(self.review.path)}")
        return path


def quotes_html(quotes: pd.DataFrame, limit: int = QUOTES_SHOWN) -> str:
    """The quotes as an HTML table (every cell escaped), the first `limit` of them."""
    columns = ["citation", "label", "coder", "framing", "quote", "memo"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
                   for row in quotes[columns].head(limit).itertuples(index=False))
    more = f"<p>the first {limit} of {len(quotes)} are shown; an export holds them all</p>" \
        if len(quotes) > limit else ""
    return f'<table class="lc-quotes"><tr>{head}</tr>{rows}</table>{more}' if len(quotes) else ""


def quotes_xlsx(quotes: pd.DataFrame) -> bytes:
    """The quotes as an Excel workbook, cells a spreadsheet would run as formulas defused (as in
    the CSV), characters Excel refuses (control characters) left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = spreadsheet_safe(quotes).astype(object).where(quotes.notna(), None)
    for column in safe.columns:
        safe[column] = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in safe[column]]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name="quotes")
    return buffer.getvalue()
