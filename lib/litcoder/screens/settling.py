"""The settling screen: members triage the coders' disagreements and settle them, one item or
several alike at a time.

    from litcoder.screens.settling import settling_screen
    settling_screen()        # in a notebook of the review

The list is grouped by competency or by source, filtered by kind, status, competency, source,
a pair of coders who differ, and the coders' positions, and searched in the quotes, memos,
sources and competency labels. When every item shown is open, of one kind and with the same
positions, one settlement can settle them all (one rationale, one locked append).

The widgets are made once: a filter only recomputes a mask over the items and gives the one
list new options (at most LISTED of them), so a review with thousands of items stays quick.
"""

from __future__ import annotations

import dataclasses
import html
from itertools import combinations

import ipywidgets as w
import numpy as np
import pandas as pd

from ..analysis.disagreements import differ, disagreements, stances_of, with_settlements
from ..inputs.settlements import RESOLUTIONS, read_settlements, settle_many
from ..layout import SETTLEMENTS
from ..review import Review
from ..store import CoderFileError
from .coding import STYLE
from .session import remembered_coder

LISTED = 1000
"""The most items the list offers at once; filters and search narrow the rest."""
GROUPS_NAMED = 12
"""How many groups the line above the list names, the largest first."""
ANY = ""
"""The value of every dropdown's 'all' option."""


def settling_screen(path: str = ".") -> SettleScreen:
    """The screen where members settle the coders' disagreements, for the review holding `path`."""
    return SettleScreen(Review.find(path))


class SettleScreen(w.VBox):
    """Find disagreements, read each coder's position, record the resolution and why."""

    def __init__(self, review: Review):
        self.review = review
        self._quiet = False  # set while the screen itself changes filter values
        wide = w.Layout(width="90%")
        named = {"description_width": "initial"}  # labels in full ("Competency", not "Compete...")
        self.summary = w.HTML()
        self.kind = w.ToggleButtons(options=["all", "presence", "framing"], value="all", description="Kind")
        self.status_filter = w.ToggleButtons(options=["open", "settled", "all"], value="open", description="Show")
        self.group = w.ToggleButtons(options=[("competency", "competency"), ("source", "source")],
                                     value="competency", description="Group by")
        self.competency = w.Dropdown(description="Competency", style=named)
        self.source = w.Dropdown(description="Source", style=named)
        self.pair = w.Dropdown(description="Coders who differ", style=named)
        self.stance = w.Dropdown(description="Positions", layout=wide)
        self.search = w.Text(description="Search", continuous_update=False, layout=wide,
                             placeholder="words in the quotes, memos, sources or competencies (Enter to search)")
        self.groups = w.HTML()
        self.item = w.Select(description="Item", rows=12, layout=wide)
        self.details = w.HTML()
        self.resolution = w.ToggleButtons(options=[], value=None, description="Resolution")
        self.alike = w.Checkbox(value=False, indent=False, disabled=True, description="settle all shown alike",
                                layout=w.Layout(width="auto"))
        self.rationale = w.Textarea(description="Rationale", placeholder="why the committee settles it so",
                                    layout=w.Layout(width="90%", height="4rem"))
        self.member = w.Text(value=remembered_coder(review.path), description="Settled by", placeholder="your name")
        self.save_button = w.Button(description="Record settlement", button_style="success", icon="check")
        self.status = w.HTML()
        super().__init__([w.HTML(STYLE), self.summary, w.HBox([self.kind, self.status_filter]), self.group,
                          w.HBox([self.competency, self.source, self.pair]), self.stance, self.search, self.groups,
                          self.item, self.details, self.resolution, self.alike, self.rationale, self.member,
                          w.HBox([self.save_button, self.status])])
        self._load(disagreements(review))
        for control in (self.kind, self.status_filter, self.group, self.competency, self.source, self.pair,
                        self.stance, self.search):
            control.observe(lambda _: self._changed(), names="value")
        self.item.observe(lambda _: self._show(), names="value")
        self.save_button.on_click(lambda _: self._save())
        self._list()

    # ------------------------------------------------------------ the items, once per load

    def _load(self, items: pd.DataFrame) -> None:
        """Everything the filters need, computed once for the items (not once per filter)."""
        self.items = items.reset_index(drop=True)
        self._rows = self.items.set_index("item")
        self._stances = stances_of(self.items)
        self._pair_masks: dict[str, np.ndarray] = {}
        self._stance_keys = self.items["stances"].str.replace("\n", " · ", regex=False).to_numpy(dtype=object)
        self._text = (self.items["positions"] + "\n" + self.items["author_year"].fillna("") + "\n"
                      + self.items["citekey"] + "\n" + self.items["label"].fillna("") + "\n"
                      + self.items["competency"] + "\n" + self.items["rationale"]).str.lower()
        self._titles, self._orders = {}, {}
        where = [f", passage {p}" + ("" if pd.isna(g) or g == "" else f", p. {g}") if k == "presence" else ""
                 for k, p, g in zip(self.items["kind"], self.items["passage"], self.items["page"])]
        rows = zip(self.items["label"].fillna(self.items["competency"]), self.items["author_year"].fillna(
            self.items["citekey"]), where, self.items["kind"], self.items["status"])
        by_competency, by_source = [], []
        for label, cited, place, kind, status in rows:
            by_competency.append(f"{label} — {cited}{place} · {kind} · {status}")
            by_source.append(f"{cited} — {label}{place} · {kind} · {status}")
        self._titles = {"competency": by_competency, "source": by_source}
        framing_first = self.items["passage"].isna()
        keys = self.items.assign(_framing=~framing_first, _label=self.items["label"].fillna(""),
                                 _cited=self.items["author_year"].fillna(""))
        self._orders = {
            "competency": keys.sort_values(["_label", "competency", "_cited", "citekey", "_framing", "passage"],
                                           kind="stable").index.to_numpy(),
            "source": keys.sort_values(["_cited", "citekey", "_framing", "passage", "_label", "competency"],
                                       kind="stable").index.to_numpy(),
        }
        counts = self.items["status"].value_counts()
        self.summary.value = (f"<b>{len(self.items)}</b> disagreements: {counts.get('open', 0)} open, "
                              f"{counts.get('settled', 0)} settled")
        self._quiet = True
        try:
            self._offer(self.competency, "all competencies", self.items["competency"], self.items["label"])
            self._offer(self.source, "all sources", self.items["citekey"], self.items["author_year"])
            coders = sorted({c for held in self._stances for c in held})
            self._keep(self.pair, [("any coders", ANY)] + [(f"{a} and {b}", f"{a}\n{b}")
                                                           for a, b in combinations(coders, 2)])
        finally:
            self._quiet = False

    def _offer(self, dropdown: w.Dropdown, everything: str, keys: pd.Series, names: pd.Series) -> None:
        """A filter's options: each key named (and its open items counted), by name."""
        open_items = keys[self.items["status"] == "open"].value_counts()
        named = dict(zip(keys, names.fillna(keys)))
        repeated = pd.Series(list(named.values())).value_counts()
        options = []
        for key, name in sorted(named.items(), key=lambda kv: (str(kv[1]).lower(), kv[0])):
            shown = f"{name} ({key})" if repeated[name] > 1 else name  # two 'Smith, 2020's: say which
            options.append((f"{shown} — {open_items.get(key, 0)} open", key))
        self._keep(dropdown, [(everything, ANY)] + options)

    @staticmethod
    def _keep(dropdown: w.Dropdown, options: list[tuple[str, str]]) -> None:
        """New options, keeping the chosen one when it is still offered."""
        chosen = dropdown.value
        dropdown.options = options
        dropdown.value = chosen if chosen in {v for _, v in options} else ANY

    # ------------------------------------------------------------ filtering

    def _changed(self) -> None:
        if not self._quiet:
            self._list()

    def _mask(self) -> np.ndarray:
        """The items every filter but the positions lets through."""
        items, mask = self.items, np.ones(len(self.items), dtype=bool)
        for control, column in ((self.kind, "kind"), (self.status_filter, "status")):
            if control.value != "all":
                mask &= (items[column] == control.value).to_numpy()
        for control, column in ((self.competency, "competency"), (self.source, "citekey")):
            if control.value:
                mask &= (items[column] == control.value).to_numpy()
        if self.pair.value:
            mask &= self._pair_mask(self.pair.value)
        for word in self.search.value.lower().split():
            mask &= self._text.str.contains(word, regex=False).to_numpy()
        return mask

    def _pair_mask(self, pair: str) -> np.ndarray:
        """The items where both coders of `pair` took a position and the positions differ."""
        if pair not in self._pair_masks:
            one, other = pair.split("\n")
            self._pair_masks[pair] = np.array([one in held and other in held and differ(kind, held[one], held[other])
                                               for kind, held in zip(self.items["kind"], self._stances)], dtype=bool)
        return self._pair_masks[pair]

    def _list(self) -> None:
        """Give the list the items the filters let through, grouped as chosen."""
        mask = self._mask()
        self._quiet = True
        try:
            patterns = sorted(pd.Series(self._stance_keys[mask]).value_counts().items(), key=lambda pn: (-pn[1], pn[0]))
            self._keep(self.stance, [("any positions", ANY)] + [(f"{p} — {n}", p) for p, n in patterns[:LISTED]])
        finally:
            self._quiet = False
        if self.stance.value:
            mask &= self._stance_keys == self.stance.value
        order = self._orders[self.group.value]
        self.shown = self.items.loc[order[mask[order]]]
        titles = self._titles[self.group.value]
        options = [(titles[i], item) for i, item in zip(self.shown.index[:LISTED], self.shown["item"][:LISTED])]
        chosen = self.item.value
        self._quiet = True
        try:
            self.item.options = options
            offered = {v for _, v in options}
            self.item.value = chosen if chosen in offered else (options[0][1] if options else None)
        finally:
            self._quiet = False
        self._describe_groups()
        self._offer_alike()
        self._show()

    def _describe_groups(self) -> None:
        """How many items are shown, in how many groups, and the largest groups."""
        by_competency = self.group.value == "competency"
        keys = self.shown["label" if by_competency else "author_year"].fillna(
            self.shown["competency" if by_competency else "citekey"])
        sizes = keys.value_counts(sort=False).sort_values(ascending=False, kind="stable")
        what = "competency" if by_competency else "source"
        named = " · ".join(f"{html.escape(str(k))} ({n})" for k, n in sizes.head(GROUPS_NAMED).items())
        more = f" · and {len(sizes) - GROUPS_NAMED} more" if len(sizes) > GROUPS_NAMED else ""
        listed = (f" (the list offers the first {LISTED}: filter or search to reach the others)"
                  if len(self.shown) > LISTED else "")
        plural = "competencies" if by_competency else "sources"
        self.groups.value = (f"<b>{len(self.shown)}</b> shown in {len(sizes)} "
                             f"{what if len(sizes) == 1 else plural}{listed}: {named}{more}" if len(self.shown)
                             else "<i>no disagreement matches these filters</i>")

    def _alike(self) -> bool:
        """Whether the items shown can be settled together: two or more, all open, of one
        kind, and every coder's position the same in each."""
        shown = self.shown
        return (len(shown) >= 2 and (shown["status"] == "open").all() and shown["kind"].nunique() == 1
                and shown["stances"].nunique() == 1)

    def _offer_alike(self) -> None:
        alike = self._alike()
        self.alike.value = False
        self.alike.disabled = not alike
        self.alike.description = (f"settle all {len(self.shown)} shown alike (the same positions)" if alike else
                                  "settle all shown alike (show only open items of one kind and one set of positions)")

    # ------------------------------------------------------------ one item

    def _show(self) -> None:
        if self._quiet:
            return
        if not self.item.value:
            self.details.value, self.resolution.options = "<i>nothing to settle here</i>", []
            return
        row = self._rows.loc[self.item.value]
        passage = ""
        if row["kind"] == "presence":
            texts = self.review.passages.set_index("passage_id")["text"]
            passage = f'<div class="lc-passage">{html.escape(texts.get(f"{row.citekey}/{row.passage}", ""))}</div>'
        positions = "".join(f'<div class="lc-coding">{html.escape(line)}</div>'
                            for line in row["positions"].split("\n"))
        settled = (f"<p>Settled {html.escape(row['resolution'])} by {html.escape(row['settled_by'])} on "
                   f"{html.escape(row['settled_on'])}: {html.escape(row['rationale'])}</p>"
                   if row["status"] == "settled" else "")
        question = ("Does the passage show this competency?" if row["kind"] == "presence" else
                    "How does the source frame this competency?")
        self.details.value = (f"<p><b>{html.escape(str(row['label']))}</b> in {html.escape(str(row['author_year']))}"
                              f" — {question} <code>{html.escape(self.item.value)}</code></p>"
                              f"{passage}{positions}{settled}")
        self.resolution.options = list(RESOLUTIONS[row["kind"]])
        self.resolution.value = None

    # ------------------------------------------------------------ recording

    def _save(self) -> None:
        if not self.item.value or self.resolution.value is None:
            self.status.value = '<span class="lc-error">choose an item and a resolution</span>'
            return
        if not self.member.value.strip():
            self.status.value = '<span class="lc-error">say who settles it</span>'
            return
        items = list(self.shown["item"]) if self.alike.value and self._alike() else [self.item.value]
        chosen = self.item.value
        place = [v for _, v in self.item.options].index(chosen)
        try:
            settle_many(self.review.path, items, self.resolution.value, self.rationale.value, self.member.value)
        except CoderFileError as err:  # a read-only file, a full disk: nothing was written, and the member is told
            self.status.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            return
        self._reread_settlements()
        self.rationale.value = ""
        self._list()
        remaining = [v for _, v in self.item.options]
        if remaining and self.item.value != chosen:  # it left the list: on to the item that took its place
            self.item.value = remaining[min(place, len(remaining) - 1)]
        done = "settlement" if len(items) == 1 else f"{len(items)} settlements"
        self.status.value = f'<span class="lc-ok">{done} recorded in corpus/settlements.csv</span>'

    def _reread_settlements(self) -> None:
        """The settlements file as it is now (others may have written too); the items'
        statuses follow it, without reading the whole review again."""
        known = set(self.review.codebook["competency"]), set(self.review.sources["citekey"])
        settlements, _ = read_settlements(self.review.path / SETTLEMENTS, SETTLEMENTS, *known)
        self.review = dataclasses.replace(self.review, settlements=settlements)
        self._load(with_settlements(self.items, settlements))
