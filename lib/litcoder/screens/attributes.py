"""The attribute form: a researcher gives each source its attributes (source type, field,
sector …, as litcoder.toml defines them), one source at a time, saved to corpus/attributes.csv.

    from litcoder.screens.attributes import attribute_form
    attribute_form(review)   # in the ingest notebook

The form shows one source (title, authors, year, where it appeared) and a dropdown per
attribute that offers only its allowed values and "not given". Save writes that source's
row through the store (store.CsvFile): under the file's lock, only the cells the researcher
changed, into the row's own place; every other row and column (one that no attribute
defines included) keeps its bytes, and a file that does not exist yet is made with its
header. A row someone changed since the form read it is left as they wrote it: nothing is
saved, and the form says what changed and shows the file's values.

AttributeSession is the logic, tested without a browser; AttributeForm only draws it. The
widgets are made once, whatever the number of sources: moving to another source gives the
same widgets new values.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pandas as pd

from ..analysis.subsets import NOT_GIVEN
from ..files import read_csv_rows, shown
from ..layout import ATTRIBUTES
from ..problems import Problem, ProblemLog
from ..review import Review
from ..store import ChangedMeanwhile, CoderFileError, CodingNotFound, CsvFile
from .coding import STYLE


def attribute_form(review: Review | str | Path = ".") -> AttributeForm:
    """The form where a researcher gives each source of `review` (a Review, or a folder in one)
    its attributes."""
    return AttributeForm(review if isinstance(review, Review) else Review.find(review))


class AttributeFile(CsvFile):
    """corpus/attributes.csv through the store: a row per source, named by its citekey.

    A file made new gets a column per attribute; an older file gains an attribute's column
    only when a value is first written to it (every row then gets the empty cell).
    """

    noun = "row"

    def __init__(self, path: Path, attributes: list[str]):
        super().__init__(path, ["citekey", *attributes], key="citekey")
        self.optional = frozenset(attributes)

    def add(self, row: dict) -> dict:
        """Append a source's first row (the file is made with its header if absent). ChangedMeanwhile
        if the file has a row for that source now, added since it was read: it would get two."""
        with self._locked():
            if row["citekey"] in self.keys():
                raise ChangedMeanwhile(f"a row for {row['citekey']} was added to {self.path.name} since it was read "
                                       "(in another window, or by hand); nothing was saved, so that row is kept")
            return self.append_rows(row)[0]


class AttributeSession:
    """A researcher's pass over the sources, giving each its attributes.

    The file is read once when the session starts (and again after a change made elsewhere is
    found); `position` is the source shown, `chosen` its values as the researcher sets them,
    `save` writes them. Values are '' for NOT_GIVEN.

        >>> session = AttributeSession(Review.load("."))                      # doctest: +SKIP
        >>> session.choose("field", "nursing")                                # doctest: +SKIP
        >>> session.save()                                                    # doctest: +SKIP
        "saved Kotter, 1990's field to corpus/attributes.csv"
    """

    def __init__(self, review: Review):
        self.review = review
        self.definitions: dict[str, dict] = dict(review.attribute_definitions)
        self.file = AttributeFile(review.path / ATTRIBUTES, list(self.definitions))
        self.sources = review.sources.reset_index(drop=True)
        self.citekeys: list[str] = list(self.sources["citekey"])
        self._positions = {citekey: at for at, citekey in enumerate(self.citekeys)}
        self._names = dict(zip(self.citekeys, self.sources["author_year"].fillna(self.sources["citekey"])))
        self._text = [" ".join(str(v) for v in row if pd.notna(v)).lower() for row in zip(
            self.sources["citekey"], self.sources["author_year"], self.sources["authors"], self.sources["title"],
            self.sources["year"], self.sources["container"])]
        self._spellings = {a: {_folded(v): v for v in d["values"]} for a, d in self.definitions.items()}
        self.position = 0
        self.only_missing = False
        self.chosen: dict[str, str] = {}
        self.read()

    # ------------------------------------------------------------ the file

    def read(self) -> None:
        """What the file holds now: each source's cells as written (`in_file`), the lines of its
        rows, and the problems that stop a save. The source shown shows the file's values."""
        self.in_file: dict[str, dict[str, str]] = {}
        self.lines: dict[str, list[int]] = {}
        self.problems: list[Problem] = []
        self.blocked = ""
        """Why nothing can be saved (the file cannot be read safely), or ''."""
        if self.file.path.exists():
            self._read_rows()
        self.shown = {k: self._as_shown(self.in_file.get(k, {})) for k in self.citekeys}
        self.complete = [self._has_every(self.shown[k]) for k in self.citekeys]
        self._reset_choices()

    def _read_rows(self) -> None:
        log = ProblemLog(ATTRIBUTES)
        try:
            rows = read_csv_rows(self.file.path, log, ["citekey"], ["citekey", *self.definitions])
        except OSError as err:
            log.error(None, f"cannot be read ({err.strerror or err})", "check that the file may be read and written, "
                      "then open the form again", "attributes-file")
            rows = None
        self.problems = [p for p in log if p.severity != "info"]
        if rows is None:
            self.blocked = f"{ATTRIBUTES} cannot be read safely, so the form saves nothing to it: " + "; ".join(
                f"{p.message} ({p.action})" for p in log if p.severity == "error")
            return
        for row in rows:
            citekey = row.values["citekey"]
            if citekey not in self._positions:
                continue  # not a source of the review (the review reports it)
            self.lines.setdefault(citekey, []).append(row.line)
            self.in_file.setdefault(citekey, {a: row.values.get(a, "") for a in self.definitions})

    def _as_shown(self, cells: dict[str, str]) -> dict[str, str]:
        """A row's values as the form shows them: the allowed spelling of each, '' where not given,
        and a value not among the allowed ones as the file has it (left as it is until changed)."""
        values = {}
        for attribute, spellings in self._spellings.items():
            cell = " ".join(cells.get(attribute, "").split())
            values[attribute] = spellings.get(cell.casefold(), cell)
        return values

    def _has_every(self, values: dict[str, str]) -> bool:
        """Whether every attribute has one of its values (one the file has that is not allowed is missing)."""
        return all(values[a] in spellings.values() for a, spellings in self._spellings.items())

    # ------------------------------------------------------------ the source shown

    @property
    def citekey(self) -> str:
        return self.citekeys[self.position]

    def name(self, citekey: str | None = None) -> str:
        """A source as people cite it ('Kotter, 1990')."""
        return str(self._names[citekey or self.citekey])

    def source(self) -> dict[str, str]:
        """What the researcher decides by: the shown source's title, authors, year, where it
        appeared, its kind of entry and citekey ('' where the bibliography does not say)."""
        row = self.sources.iloc[self.position]
        authors = _text(row["authors"]) or (f"{_text(row['editors'])} (eds.)" if _text(row["editors"]) else "")
        return {"title": _text(row["title"]), "authors": authors, "year": _year(row["year"]),
                "container": _text(row["container"]), "publisher": _text(row["publisher"]),
                "entry_type": _text(row["entry_type"]), "citekey": self.citekey}

    def options(self, attribute: str) -> list[tuple[str, str]]:
        """The values the shown source may take for `attribute`, as (label, value): NOT_GIVEN, each
        allowed value, and a value the file has that is not allowed (to leave it as it is)."""
        allowed = [(NOT_GIVEN, ""), *((v, v) for v in self.definitions[attribute]["values"])]
        held = self.shown[self.citekey][attribute]
        if held and held not in self._spellings[attribute].values():
            allowed.append((f"{shown(held)} (in the file; not one of its values)", held))
        return allowed

    def choose(self, attribute: str, value: str) -> None:
        """Set an attribute of the source shown (not saved until `save`). ValueError for a value
        it may not take; KeyError for an attribute litcoder.toml does not define."""
        if attribute not in self.definitions:
            raise KeyError(f"no attribute '{attribute}' (defined: {', '.join(self.definitions) or 'none'})")
        if value not in {v for _, v in self.options(attribute)}:
            label = self.definitions[attribute]["label"]
            raise ValueError(f"'{shown(value)}' is not one of the values of {label}: choose one of "
                             f"{', '.join(self.definitions[attribute]['values'])} (or add it to "
                             f"[attributes.{attribute}] in litcoder.toml)")
        self.chosen[attribute] = value

    def pending(self) -> dict[str, str]:
        """The attributes of the source shown that the researcher changed and has not saved."""
        before = self.shown[self.citekey]
        return {a: v for a, v in self.chosen.items() if v != before[a]}

    def notes(self) -> list[str]:
        """What the researcher should know about the shown source's row: a value not allowed, two rows."""
        notes = []
        lines = self.lines.get(self.citekey, [])
        if len(lines) > 1:
            notes.append(f"{ATTRIBUTES} has {len(lines)} rows for {self.citekey} (lines "
                         f"{', '.join(map(str, lines))}): Save cannot tell which to change; delete all but one of "
                         "them, then open the form again")
        for attribute, value in self.shown.get(self.citekey, {}).items():
            if value and value not in self._spellings[attribute].values():
                where = f"{ATTRIBUTES} line {lines[0]}" if lines else ATTRIBUTES
                notes.append(f"{where} gives {self.definitions[attribute]['label']} '{shown(value)}', which is not "
                             "one of its values: choose one (until you do, Save leaves it as it is)")
        return notes

    # ------------------------------------------------------------ saving

    def save(self) -> str:
        """Write the shown source's changed attributes to the file; returns what was done.

        Only the changed cells are written, into the source's row (a row is appended if it has
        none). CoderFileError (the message says why and what to do) when nothing could be
        saved: ChangedMeanwhile when its row was changed, added or removed since the file was
        read; then the form reads the file again and shows its values.
        """
        if self.blocked:
            raise CoderFileError(self.blocked)
        changes, citekey = self.pending(), self.citekey
        if not changes:
            return f"nothing to save: {self.name()}'s attributes are as {ATTRIBUTES} has them"
        try:
            if citekey in self.in_file:
                row = self.file.update(citekey, expected=self.in_file[citekey], **changes)
            else:
                row = self.file.add({"citekey": citekey, **self.chosen})
        except (ChangedMeanwhile, CodingNotFound) as err:
            raise ChangedMeanwhile(self._changed_meanwhile(changes)) from err
        self._saved(citekey, row)
        labels = ", ".join(self.definitions[a]["label"].lower() for a in changes)
        return f"saved {self.name()}'s {labels} to {ATTRIBUTES}"

    def _saved(self, citekey: str, row: dict) -> None:
        self.in_file[citekey] = {a: row.get(a, "") for a in self.definitions}
        self.shown[citekey] = self._as_shown(self.in_file[citekey])
        self.complete[self.position] = self._has_every(self.shown[citekey])
        self._reset_choices()

    def _changed_meanwhile(self, changes: dict[str, str]) -> str:
        """Read the file again, and say what changed in the source's row and what was not saved."""
        citekey, before = self.citekey, dict(self.shown[self.citekey])
        had_row = citekey in self.in_file
        self.read()
        after = self.shown[citekey]
        if had_row and citekey not in self.in_file:
            what = f"its row was removed from {ATTRIBUTES}"
        else:
            moved = [f"{self.definitions[a]['label']} now {_given(after[a])}, was {_given(before[a])}"
                     for a in self.definitions if after[a] != before[a]]
            what = (f"its row was {'changed in' if had_row else 'added to'} {ATTRIBUTES}"
                    + (f" ({'; '.join(moved)})" if moved else ""))
        yours = "; ".join(f"{self.definitions[a]['label']}: {_given(v)}" for a, v in changes.items())
        return (f"{self.name()}: {what} since the form read it (in another window, or by hand). Nothing was saved, "
                f"so that change is kept; the form now shows the file's values: choose yours again ({yours}), "
                "then Save")

    # ------------------------------------------------------------ moving

    def listed(self) -> list[int]:
        """The positions of the sources the filter lets through, in the bibliography's order."""
        if not self.only_missing:
            return list(range(len(self.citekeys)))
        return [i for i, done in enumerate(self.complete) if not done]

    def neighbour(self, step: int) -> int | None:
        """The position of the next (step 1) or previous (-1) source the filter lets through, or None."""
        ahead = range(self.position + 1, len(self.citekeys)) if step > 0 else range(self.position - 1, -1, -1)
        return next((at for at in ahead if not self.only_missing or not self.complete[at]), None)

    def go(self, step: int) -> bool:
        """Move to the next (step 1) or previous (-1) source the filter lets through; False (not
        moving) when there is none that way. Unsaved choices are dropped."""
        at = self.neighbour(step)
        return at is not None and self.go_to(self.citekeys[at])

    def go_to(self, citekey: str) -> bool:
        """Show the source `citekey` (KeyError if the review has none)."""
        if citekey not in self._positions:
            raise KeyError(f"no source '{shown(citekey)}' in the review")
        self.position = self._positions[citekey]
        self._reset_choices()
        return True

    def show_only_missing(self, on: bool) -> bool:
        """Let through only the sources with a value missing (or every source). A source that
        the filter hides gives way to the next one it shows (from the start if none after),
        unless it has unsaved choices; False when no source is missing a value (the source
        shown stays)."""
        self.only_missing = on
        if not on or not self.complete[self.position] or self.pending():
            return True
        order = list(range(self.position, len(self.citekeys))) + list(range(self.position))
        missing = [i for i in order if not self.complete[i]]
        return self.go_to(self.citekeys[missing[0]]) if missing else False

    def find(self, words: str) -> bool:
        """Move to the next source (after the one shown, from the start again) that the filter
        lets through and whose citekey, authors, title, year or container hold every word."""
        wanted = words.lower().split()
        count = len(self.citekeys)
        for step in range(1, count + 1):
            at = (self.position + step) % count
            if (not self.only_missing or not self.complete[at]) and all(word in self._text[at] for word in wanted):
                return self.go_to(self.citekeys[at])
        return False

    def _reset_choices(self) -> None:
        if self.citekeys:
            self.chosen = dict(self.shown[self.citekey])

    # ------------------------------------------------------------ counts

    def summary(self) -> str:
        """'9 of 12 sources have every attribute'."""
        done, total = sum(self.complete), len(self.citekeys)
        return f"{done} of {total} {'source has' if total == 1 else 'sources have'} every attribute"

    def where(self) -> str:
        """Which source is shown, of how many: 'source 3 of 12', and with the filter '· 2 of 5 with
        a value missing' (or that the source shown now has every attribute)."""
        text = f"source {self.position + 1} of {len(self.citekeys)}"
        if not self.only_missing:
            return text
        listed = self.listed()
        if self.position in listed:
            return f"{text} · {listed.index(self.position) + 1} of {len(listed)} with a value missing"
        left = f"{len(listed)} others have a value missing" if listed else "no source has a value missing now"
        return f"{text} · this one has every attribute now; {left}"


class AttributeForm(w.VBox):
    """One source at a time: what it is, a dropdown per attribute, Save; previous, next, find,
    and a filter for the sources with a value missing. The tab key goes from the dropdowns to
    Save and next, Save, then the controls that move to another source."""

    def __init__(self, review: Review):
        self.session = AttributeSession(review)
        self._quiet = False  # set while the form itself sets the dropdowns
        self._leaving = ""  # the move whose first press found unsaved choices: pressed again, it leaves them
        named = {"description_width": "12rem"}
        self.summary = w.HTML()
        self.problems = w.HTML()
        self.source = w.HTML()
        self.notes = w.HTML()
        self.dropdowns = {a: w.Dropdown(description=d["label"], style=named, layout=w.Layout(width="36rem"))
                          for a, d in self.session.definitions.items()}
        self.save_next_button = w.Button(description="Save and next", button_style="success", icon="check",
                                         tooltip="save this source's attributes, then show the next source")
        self.save_button = w.Button(description="Save", icon="save", tooltip="save this source's attributes")
        self.previous_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.only_missing = w.Checkbox(value=False, indent=False, description="only sources with a value missing",
                                       layout=w.Layout(width="auto"))
        self.find = w.Text(description="Find", continuous_update=False, layout=w.Layout(width="24rem"),
                           placeholder="citekey, author, title or year (Enter)")
        self.status = w.HTML()
        if not self._usable():
            super().__init__([w.HTML(STYLE), self.summary])
            return
        super().__init__([w.HTML(STYLE), self.summary, self.problems, self.source, self.notes,
                          *self.dropdowns.values(), w.HBox([self.save_next_button, self.save_button]),
                          w.HBox([self.previous_button, self.next_button, self.only_missing, self.find]),
                          self.status])
        for attribute, dropdown in self.dropdowns.items():
            dropdown.observe(lambda change, a=attribute: self._chose(a, change["new"]), names="value")
        self.save_button.on_click(lambda _: self._save())
        self.save_next_button.on_click(lambda _: self._save_and_next())
        self.previous_button.on_click(lambda _: self._move(-1))
        self.next_button.on_click(lambda _: self._move(1))
        self.only_missing.observe(lambda change: self._filter(change["new"]), names="value")
        self.find.observe(lambda change: self._find(change["new"]), names="value")
        self._show()

    def _usable(self) -> bool:
        """Whether there are attributes and sources to give them to; else the summary says what to do."""
        if not self.session.definitions:
            self.summary.value = ("<p>No attributes of sources are defined yet. Define each in litcoder.toml, e.g. "
                                  "<code>[attributes.source_type]</code>, then <code>values = [\"book\", "
                                  "\"chapter\"]</code>, and open the form again.</p>")
            return False
        if not self.session.citekeys:
            self.summary.value = "<p>The review has no sources yet: add them to references.bib first.</p>"
            return False
        return True

    # ------------------------------------------------------------ drawing

    def _show(self) -> None:
        """The source shown, its dropdowns, notes and counts."""
        session = self.session
        self._leaving = ""
        self.summary.value = f"<p><b>{html.escape(session.summary())}</b> · {html.escape(session.where())}</p>"
        self.problems.value = "".join(f'<div class="lc-warn">{html.escape(str(p))}</div>' for p in session.problems)
        self.source.value = _source_html(session.source())
        self.notes.value = "".join(f'<div class="lc-warn">{html.escape(n)}</div>' for n in session.notes())
        self._quiet = True
        try:
            for attribute, dropdown in self.dropdowns.items():
                dropdown.options = session.options(attribute)
                dropdown.value = session.chosen[attribute]
        finally:
            self._quiet = False
        for button in (self.save_button, self.save_next_button):
            button.disabled = bool(session.blocked)
        self.previous_button.disabled = session.neighbour(-1) is None
        self.next_button.disabled = session.neighbour(1) is None

    def _say(self, message: str, kind: str = "ok") -> None:
        self.status.value = f'<span class="lc-{kind}">{html.escape(message)}</span>' if message else ""

    def _unsaved(self) -> str:
        """The labels of the attributes chosen and not saved ('' if none)."""
        return ", ".join(self.session.definitions[a]["label"] for a in self.session.pending())

    def _may_leave(self, move: str, again: str) -> bool:
        """Whether to leave the source shown: yes without unsaved choices, else only when the
        same move is asked twice running (the first time says what would be lost)."""
        unsaved = self._unsaved()
        if not unsaved or self._leaving == move:
            return True
        self._leaving = move
        self._say(f"{self.session.name()}: {unsaved} not saved. Save, or {again} to leave without saving", "warn")
        return False

    # ------------------------------------------------------------ acting

    def _chose(self, attribute: str, value: str) -> None:
        if self._quiet:
            return
        self.session.choose(attribute, value)  # the dropdown offers only the values it may take
        self._leaving = ""
        unsaved = self._unsaved()
        self._say(f"not saved yet: {unsaved}" if unsaved else "", "warn")

    def _save(self) -> str | None:
        """Save the source shown; what was done, or None when nothing could be (the form says why)."""
        try:
            message = self.session.save()
        except CoderFileError as err:  # changed meanwhile, read-only, a full disk: nothing written, and said so
            self._show()
            self._say(str(err), "error")
            return None
        self._show()
        self._say(message)
        return message

    def _save_and_next(self) -> None:
        message = self._save()
        if message is None:
            return
        if self.session.go(1):
            self._show()
            self._say(message)
        else:
            self._say(f"{message}; that was the last source{self._filtered()}")

    def _move(self, step: int) -> None:
        name = "Next" if step > 0 else "Previous"
        if not self._may_leave(name, f"press {name} again"):
            return
        moved = self.session.go(step)
        self._show()
        self._say("" if moved else f"no {'further' if step > 0 else 'earlier'} source{self._filtered()}", "warn")

    def _filter(self, on: bool) -> None:
        found = self.session.show_only_missing(on)
        self._show()
        unsaved = self._unsaved()
        if unsaved:
            self._say(f"not saved yet: {unsaved}", "warn")
        else:
            self._say("" if found else "every source has every attribute")

    def _find(self, words: str) -> None:
        if not words.strip() or not self._may_leave(f"find {words}", "press Enter in Find again"):
            return
        if self.session.find(words):
            self._show()
            self._say("")
        else:
            self._say(f"no source{self._filtered()} holds '{shown(words)}'", "warn")

    def _filtered(self) -> str:
        return " with a value missing" if self.session.only_missing else ""


def _source_html(source: dict[str, str]) -> str:
    """The source as a short table: what the researcher decides its attributes by."""
    where = [("Title", source["title"]), ("Authors", source["authors"]), ("Year", source["year"]),
             ("In", source["container"]), ("Publisher", source["publisher"]),
             ("Kind of entry", source["entry_type"]), ("Citekey", source["citekey"])]
    rows = "".join(f"<tr><th>{name}</th><td>{html.escape(value)}</td></tr>" for name, value in where if value)
    return f'<table class="lc-history">{rows}</table>'


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _year(value) -> str:
    """A year as people write it: 1990, not 1990.0 (a frame's column of years with a gap is of floats)."""
    text = _text(value)
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _folded(value: str) -> str:
    """A value as inputs.attributes matches it to its allowed spelling: case and spaces aside."""
    return " ".join(value.split()).casefold()


def _given(value: str) -> str:
    return f"'{shown(value)}'" if value else NOT_GIVEN
