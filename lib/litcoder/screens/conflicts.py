"""The conflict screen: a settlement or ruling made two ways in two clones at once, offered
both ways, for a member to keep one.

    from litcoder.screens.conflicts import conflict_screen
    conflict_screen()        # in a notebook of the review

When two members settle the same item (or rule on the same competency) in their own clones
and then merge, litcoder's merge keeps both rows and marks each as made in two clones at
once (merging.MARK); the review warns (settlement-conflict, decision-conflict) while the
latest row for the item is a marked one. Choosing here records the kept version again, as
a new unmarked row written by the settling or ruling screen's own function, with a note of
the other versions: the log keeps every row, and the warning ends.

    >>> open_conflicts(Review.load("."))       # the bundled review has none
    []
    >>> choose(".", conflict, 1, "member-h", "agreed at the meeting")  # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from ..analysis.evidence import weigh_evidence
from ..inputs.decisions import COUNT_COLUMNS, all_rulings, record_decision
from ..inputs.settlements import all_settlements, parse_key, settle
from ..layout import DECISIONS, SETTLEMENTS
from ..review import Review
from ..store import LOCK_TIMEOUT, CoderFileError
from .coding import STYLE
from .session import remembered_coder

CARD_STYLE = """<style>
.lc-version { border: 1px solid #d0d0d5; border-radius: 6px; padding: .4rem .7rem; }
.lc-version p { margin: .2rem 0; }
</style>"""


class AlreadyChosen(ValueError):
    """A conflict that is no longer open as shown: someone recorded the item again meanwhile
    (or a merge brought another version); nothing was recorded."""


@dataclass(frozen=True)
class Version:
    """One of the rows made at once: what it records and who made it, where."""

    what: str
    """The resolution or ruling in words ('management'; 'contested, staying in both lists')."""
    rationale: str
    by: str
    on: str
    file: str
    line: int
    values: dict = field(default_factory=dict)
    """What is recorded again if it is kept (resolution; or classification, lists and the evidence basis)."""


@dataclass(frozen=True)
class Conflict:
    """A settlement (`kind` 'settlement', `item` the disagreement) or a ruling (`kind` 'ruling',
    `item` the competency) whose latest rows were made in two clones at once."""

    kind: str
    item: str
    label: str
    """The competency's label, for people."""
    file: str
    versions: tuple[Version, ...]

    @property
    def title(self) -> str:
        ways = " or ".join(dict.fromkeys(v.what for v in self.versions))
        if self.kind == "settlement":
            item = parse_key(self.item) or {}
            if item.get("kind") == "framing":
                return f"Settlement: how {item['citekey']} frames {self.label} — {ways}"
            if item.get("kind") == "presence":
                return f"Settlement: is {self.label} in passage {item['passage']} of {item['citekey']}? — {ways}"
            return f"Settlement of {self.item} ({self.label}): {ways}"
        return f"Ruling on {self.label} ({self.item}) — {ways}"


def open_conflicts(review: Review) -> list[Conflict]:
    """Every settlement and ruling in conflict now, settlements first, each file's in its
    order; a conflict's versions are the marked rows after the item's last unmarked one."""
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    known = set(review.codebook["competency"]), set(review.sources["citekey"])
    settled = all_settlements(review.path / SETTLEMENTS, *known, review.moves)
    ruled = all_rulings(review.path / DECISIONS, review.codebook, review.moves)
    found = [_settlement(item, rows, labels) for item, rows in _made_at_once(settled, "item")]
    found += [_ruling(competency, rows, labels) for competency, rows in _made_at_once(ruled, "competency")]
    return found


def _made_at_once(rows: pd.DataFrame, key: str) -> list[tuple[str, pd.DataFrame]]:
    """Per item whose latest row the merge marked, the marked rows since its last unmarked one,
    by the line of the first of them."""
    found = []
    for item, group in rows.groupby(key, sort=False):
        marked = group["made_at_once"].to_numpy(dtype=bool)
        if marked[-1]:
            unmarked = np.flatnonzero(~marked)
            found.append((item, group.iloc[unmarked[-1] + 1 if len(unmarked) else 0:]))
    return sorted(found, key=lambda pair: int(pair[1]["line"].min()))


def _settlement(item: str, rows: pd.DataFrame, labels: dict) -> Conflict:
    versions = tuple(Version(r.resolution, r.rationale, r.settled_by, r.settled_on, SETTLEMENTS, int(r.line),
                             {"resolution": r.resolution}) for r in rows.itertuples())
    competency = rows["competency"].iloc[0]
    return Conflict("settlement", item, labels.get(competency, competency), SETTLEMENTS, versions)


def _ruling(competency: str, rows: pd.DataFrame, labels: dict) -> Conflict:
    versions = []
    for row in rows.to_dict("records"):
        what = row["classification"]
        if what == "contested":
            what += f", staying in {'both lists' if row['lists'] == 'both' else 'neither list'}"
        basis = {c: int(row[c]) for c in COUNT_COLUMNS if pd.notna(row[c])}
        values = {"classification": row["classification"], "lists": row["lists"] or None,
                  "evidence_classification": row["evidence_classification"], "counts": basis}
        versions.append(Version(what, row["rationale"], row["decided_by"], row["decided_on"], DECISIONS,
                                int(row["line"]), values))
    return Conflict("ruling", competency, labels.get(competency, competency), DECISIONS, tuple(versions))


# ---------------------------------------------------------------- choosing


def choose(review_path: str | Path, conflict: Conflict, version_index: int, chosen_by: str, note: str = "") -> dict:
    """Keep one version of a conflict: record it again (its resolution or ruling and
    rationale, with a note naming the other versions) as a new row by `chosen_by` today,
    through settle or record_decision, so every earlier row stays. Returns the row written.

    A conflict no longer open as shown (chosen or recorded again meanwhile) is refused with
    AlreadyChosen; a version or name not given, with ValueError. A ruling keeps the evidence
    basis it was made on; one that recorded none is given today's, as the ruling screen does.
    """
    if not 0 <= version_index < len(conflict.versions):
        raise ValueError(f"{conflict.item} has {len(conflict.versions)} versions; choose one of them")
    if not chosen_by.strip():
        raise ValueError("say who chooses (your name)")
    _check_dates(conflict)
    root = Path(review_path)
    with _choosing(root / conflict.file):  # two members choosing at once take turns: one is refused
        review = Review.load(root)
        _check_still_open(review, conflict)
        return _record(review, conflict, conflict.versions[version_index], chosen_by.strip(), note.strip())


def _check_dates(conflict: Conflict) -> None:
    """Rulings are read in the order of their dates: a version dated after today would stay the
    latest over a choice recorded today, so it is corrected first."""
    today = date.today().isoformat()
    ahead = [v for v in conflict.versions if conflict.kind == "ruling" and v.on > today]
    if ahead:
        raise ValueError(f"the ruling on line {ahead[0].line} of {conflict.file} is dated {ahead[0].on}, after today, "
                         "so a choice recorded today would not be the latest: correct its date, then choose")


@contextmanager
def _choosing(path: Path) -> Iterator[None]:
    """Hold a lock of choosers beside the file (a hidden .<file>.choosing.lock, ignored by git as
    *.lock), so that checking that a conflict is still open and recording the choice are one step."""
    lock = FileLock(str(path.with_name(f".{path.name}.choosing.lock")), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout as err:
        raise CoderFileError(f"someone else is choosing in {path.name} (waited {LOCK_TIMEOUT} s); nothing was "
                             "recorded: try again in a moment") from err
    except OSError as err:
        raise CoderFileError(f"{path.name} cannot be locked for choosing ({err.strerror or err}); nothing was "
                             "recorded: check that you may write in its folder") from err
    try:
        yield
    finally:
        lock.release()


def _check_still_open(review: Review, conflict: Conflict) -> None:
    now = {(c.kind, c.item): c for c in open_conflicts(review)}.get((conflict.kind, conflict.item))
    if now is None:
        raise AlreadyChosen(f"{conflict.item} was {_latest(review, conflict)} meanwhile, so it is no longer in "
                            "conflict; nothing was recorded")
    if [v.line for v in now.versions] != [v.line for v in conflict.versions]:
        raise AlreadyChosen(f"the versions of {conflict.item} changed meanwhile (another merge, or an edit of "
                            f"{conflict.file}); nothing was recorded: look at them again")


def _latest(review: Review, conflict: Conflict) -> str:
    """Who recorded the item last, when, on which line: 'settled present by member-h on 2026-11-30 (line 9)'."""
    if conflict.kind == "settlement":
        rows = review.settlements[review.settlements["item"] == conflict.item]
        done, what, by, on = "settled", "resolution", "settled_by", "settled_on"
    else:
        rows = review.decisions[review.decisions["competency"] == conflict.item]
        done, what, by, on = "ruled", "classification", "decided_by", "decided_on"
    if rows.empty:
        return "recorded again or removed"
    last = rows.iloc[-1]
    return f"{done} {last[what]} by {last[by] or 'someone'} on {last[on]} (line {int(last['line'])})"


def _record(review: Review, conflict: Conflict, kept: Version, chosen_by: str, note: str) -> dict:
    rationale = _rationale(conflict, kept, chosen_by, note)
    if conflict.kind == "settlement":
        return settle(review.path, conflict.item, kept.values["resolution"], rationale, chosen_by)
    basis, counts = kept.values["evidence_classification"], kept.values["counts"]
    if not basis:  # no basis recorded with it: today's evidence, as a ruling made now would have
        today = weigh_evidence(review).set_index("competency").loc[conflict.item]
        basis, counts = today["classification"], {c: today[c] for c in COUNT_COLUMNS if c in today}
    return record_decision(review.path, conflict.item, kept.values["classification"], rationale, chosen_by,
                           counts, basis, kept.values["lists"])


def _rationale(conflict: Conflict, kept: Version, chosen_by: str, note: str) -> str:
    """The kept version's rationale, then which version was kept over which, and the chooser's note."""
    others = "; ".join(f"{v.what} by {v.by or 'someone'} (line {v.line})" for v in conflict.versions if v is not kept)
    said = (f"Kept by {chosen_by} from versions made in two clones at once: {kept.by or 'someone'}'s of {kept.on} "
            f"(line {kept.line}), over {others or 'no other usable version'}.")
    parts = [part.strip() for part in (kept.rationale, said, note) if part.strip()]
    return " ".join(part if part.endswith((".", "!", "?", "…")) or part is parts[-1] else part + "."
                    for part in parts)


# ---------------------------------------------------------------- the screen


def conflict_screen(path: str = ".") -> ConflictScreen:
    """The screen where members choose between versions made in two clones at once, for the review holding `path`."""
    return ConflictScreen(Review.find(path))


class ConflictScreen(w.VBox):
    """The open conflicts, the selected one's versions side by side, and a button to keep each."""

    def __init__(self, review: Review):
        self.review = review
        self.summary = w.HTML()
        self.conflict = w.Select(description="Conflict", rows=8, layout=w.Layout(width="90%"))
        self.versions = w.HBox(layout=w.Layout(width="100%"))
        self.keep_buttons: list[w.Button] = []
        self.note = w.Textarea(description="Note", placeholder="why the committee keeps this version (optional)",
                               layout=w.Layout(width="90%", height="3rem"))
        self.member = w.Text(value=remembered_coder(review.path), description="Chosen by", placeholder="your name")
        self.status = w.HTML()
        self._key: tuple[str, str] | None = None  # the conflict shown (kind, item), kept across a refresh
        self._quiet = False  # set while the screen itself changes the list
        super().__init__([w.HTML(STYLE + CARD_STYLE), self.summary, self.conflict, self.member, self.note,
                          self.versions, self.status])  # who and why first: each version's button records it
        self.conflict.observe(lambda _: self._show(), names="value")
        self._refresh()

    def _refresh(self) -> None:
        """The open conflicts as the files hold them now; the one shown stays shown while it is open."""
        self.conflicts = open_conflicts(self.review)
        keys = [(c.kind, c.item) for c in self.conflicts]
        self._quiet = True
        try:
            self.conflict.options = [(c.title, n) for n, c in enumerate(self.conflicts)]
            self.conflict.value = keys.index(self._key) if self._key in keys else (0 if keys else None)
        finally:
            self._quiet = False
        self.summary.value = self._summary()
        self._show()

    def _summary(self) -> str:
        if not self.conflicts:
            return ("<p><b>No conflicts:</b> no settlement or ruling is left made two ways in two clones at once; "
                    "nothing to choose.</p>")
        kinds = pd.Series([c.kind for c in self.conflicts]).value_counts()
        parts = [f"{kinds[k]} {k}{'s' if kinds[k] > 1 else ''}" for k in ("settlement", "ruling") if k in kinds]
        return (f"<p><b>{len(self.conflicts)}</b> conflict{'s' if len(self.conflicts) > 1 else ''} "
                f"({', '.join(parts)}), each made two ways in two clones at once: keep one version of each; every "
                "version stays in the file.</p>")

    def _show(self) -> None:
        if self._quiet:
            return
        index = self.conflict.value
        if index is None:
            self._key, self.keep_buttons, self.versions.children = None, [], []
            return
        conflict = self.conflicts[index]
        self._key = (conflict.kind, conflict.item)
        self.keep_buttons = [w.Button(description="Keep this one", button_style="success", icon="check")
                             for _ in conflict.versions]
        for n, button in enumerate(self.keep_buttons):
            button.on_click(lambda _, n=n: self._keep(n))
        width = f"{max(100 // len(conflict.versions) - 1, 20)}%"
        self.versions.children = [w.VBox([w.HTML(_card(version)), button], layout=w.Layout(width=width))
                                  for version, button in zip(conflict.versions, self.keep_buttons)]

    def _keep(self, n: int) -> None:
        conflict = self.conflicts[self.conflict.value]
        try:
            choose(self.review.path, conflict, n, self.member.value, self.note.value)
        except (ValueError, CoderFileError) as err:  # refused or not written: nothing recorded, the member is told
            self.status.value = f'<span class="lc-error">{html.escape(str(err))}</span>'
            if isinstance(err, AlreadyChosen):
                self.review = Review.load(self.review.path)
                self._refresh()
            return
        kept = conflict.versions[n]
        self.review = Review.load(self.review.path)
        self.note.value = ""
        self._refresh()
        self.status.value = (f'<span class="lc-ok">kept {html.escape(kept.what)} ({html.escape(kept.by or "someone")}'
                             f"'s, line {kept.line}) — {html.escape(conflict.title.split(' — ')[0])}: recorded in "
                             f"{html.escape(conflict.file)}</span>")


def _card(version: Version) -> str:
    """One version as a card: what, rationale, who, when, line."""
    basis = version.values.get("evidence_classification")
    made_on = f"<p>made when the evidence supported <b>{html.escape(basis)}</b></p>" if basis else ""
    return (f'<div class="lc-version"><p><b>{html.escape(version.what)}</b></p>'
            f"<p><i>{html.escape(version.rationale) or 'no rationale given'}</i></p>{made_on}"
            f"<p>by {html.escape(version.by or 'someone')} on {html.escape(version.on or 'an unknown date')} · "
            f"{html.escape(version.file)}, line {version.line}</p></div>")
