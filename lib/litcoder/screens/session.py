"""A coder's session on the review: the logic behind the coding screen, without widgets.

A session walks one coder through sources and passages, saves each coding at once to the
coder's file, edits and removes that coder's own codings, marks passages "nothing to code
here" and sources finished, and keeps other coders' codings hidden until the coder has
finished the source (blind coding); seeing them is recorded in the coder's coverage log.
Every change can be undone in the session. A practice coder's files live in a folder of
their own (corpus/codings/practice/), out of agreement and the evidence until enrolled.
Where the committee has a plan of who codes which source (corpus/assignments.csv), the
coder's own sources come first, and the session tells their progress against the plan.
The screen in `coding` only draws this; tests drive it directly.

    >>> from litcoder import Review
    >>> session = CodingSession(Review.load("."), "coder-d")           # doctest: +SKIP
    >>> session.open("Kotter1990WhatLeaders")                          # doctest: +SKIP
    >>> session.save("planning", "management", "The manager decides on targets")  # doctest: +SKIP
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..files import shown
from ..inputs.anchor import describe
from ..inputs.assignments import progress
from ..inputs.codebook import FRAMINGS
from ..inputs.codings import PRACTICE, locate_quote, read_codings
from ..inputs.coverage import CoverageFile
from ..layout import CODINGS, COVERAGE, LOCAL, derived_folder_problem, file_name_problem
from ..review import Review
from ..store import ChangedMeanwhile, CoderFile, CoderFileError


class BlindCoding(PermissionError):
    """Other coders' codings stay hidden until this coder marks the source finished."""


class CodingError(ValueError):
    """A coding that cannot be saved as asked (the message says why and what to do)."""


class UnjudgedPassages(CodingError):
    """Finishing a source whose passages are not all judged (coded, or nothing to code)."""

    def __init__(self, citekey: str, numbers: list[int]):
        self.numbers = numbers
        super().__init__(f"{len(numbers)} of {citekey}'s passages {'is' if len(numbers) == 1 else 'are'} not judged "
                         f"yet ({_numbers(numbers)}): code {'it' if len(numbers) == 1 else 'each'}, or mark it "
                         "'nothing to code here'; or finish anyway, and they will not count in agreement")


def _numbers(numbers: list[int]) -> str:
    """'4, 5 and 9', runs shortened: '1–8 and 11'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def coder_status(review_path: Path, name: str) -> str:
    """'coder' (has a codings or coverage file), 'practice' (has one in the practice folder) or 'new'."""
    root = Path(review_path)
    for folder, status in (("", "coder"), (PRACTICE, "practice")):
        if any((root / base / folder / f"{name}.csv").is_file() for base in (CODINGS, COVERAGE)):
            return status
    return "new"


def enrol(review_path: Path, coder: str) -> list[Path]:
    """Make a practice coder a coder of the review: their codings and coverage move from the
    practice folders into corpus/codings/ and corpus/coverage/, to count from the next load.
    Refused (CodingError), moving nothing, when the coder already has files there."""
    problem = coder_name_problem(coder)
    if problem:
        raise CodingError(coder_name_message(coder, problem))
    root = Path(review_path)
    moves = [(root / base / PRACTICE / f"{coder}.csv", root / base / f"{coder}.csv") for base in (CODINGS, COVERAGE)]
    moves += [(root / CODINGS / PRACTICE / "history" / f"{coder}.csv", root / CODINGS / "history" / f"{coder}.csv")]
    moves = [(a, b) for a, b in moves if a.is_file()]
    if not moves:
        raise CodingError(f"{coder} is not a practice coder: there is no {CODINGS}/{PRACTICE}/{coder}.csv")
    taken = [b for _, b in moves if b.exists()]
    if taken:
        raise CodingError(f"{coder} already has {taken[0].relative_to(root).as_posix()}: choose another name for the "
                          "practice coder (rename their practice files), then enrol them")
    for practice, enrolled in moves:
        enrolled.parent.mkdir(parents=True, exist_ok=True)
        practice.replace(enrolled)
    return [b for _, b in moves]


def remembered_coder(review_path: Path) -> str:
    """The coder last chosen in this review on this machine ('' if none)."""
    path = Path(review_path) / LOCAL / "coder"
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def remember_coder(review_path: Path, coder: str) -> None:
    """Keep the coder's name in .litcoder/coder for the next session; never through a
    .litcoder that is a link or lies outside the review (then the name is not remembered)."""
    if derived_folder_problem(review_path, LOCAL) is not None:
        return
    folder = Path(review_path) / LOCAL
    folder.mkdir(exist_ok=True)
    (folder / "coder").write_text(coder + "\n", encoding="utf-8")


def coder_name_problem(name: str) -> str | None:
    """Why `name` cannot name a coder (and the file corpus/codings/<name>.csv), or None.

    A coder's name is letters, digits, '-', '_' and '.', and a portable file name.

    >>> coder_name_problem("coder-a") is None
    True
    >>> coder_name_problem("a b")
    "it holds ' ', which a coder's name may not hold"
    """
    odd = sorted({c for c in name if not (c.isalnum() or c in "-_.")})
    if name and odd:
        listed = ", ".join(repr(c)[1:-1] if c.isprintable() else f"U+{ord(c):04X}" for c in odd)
        return f"it holds '{listed}', which a coder's name may not hold"
    return file_name_problem(name)


def valid_coder_name(name: str) -> bool:
    return coder_name_problem(name) is None


def coder_name_message(name: str, problem: str) -> str:
    """What the screens and the command line say about a coder name that cannot be used."""
    return f"'{shown(name)}' cannot name a coder file: {problem}; use letters, digits, '-' or '_' (e.g. coder-a)"


class CodingSession:
    def __init__(self, review: Review, coder: str, practice: bool = False):
        problem = coder_name_problem(coder)
        if problem:
            raise CodingError(coder_name_message(coder, problem))
        self.review = review
        self.coder = coder
        self.practice = practice
        folder = PRACTICE + "/" if practice else ""
        self.file = f"{CODINGS}/{folder}{coder}.csv"
        self.store = CoderFile(review.path / self.file)
        self.coverage = CoverageFile(review.path / COVERAGE / f"{folder}{coder}.csv")
        self._codings: list[dict] = self._my_codings()
        self._finished = self.coverage.finished()
        self._nothing: dict[str, set[int]] = {}
        self._undo: list[tuple] = []
        self._suggester = None
        self._suggested_for: tuple = ()
        self._learnt = True  # the suggester has every coding of this coder
        self.citekey: str | None = None
        self.number = 1
        self._plan = self._plan_of_mine()
        self._planned = set(self._plan.loc[self._plan["coder"] == coder, "citekey"].tolist())
        remember_coder(review.path, coder)

    def _my_codings(self) -> list[dict]:
        """This coder's codings as the review read them (a practice coder's from their own folder)."""
        if not self.practice:
            return self.review.codings[self.review.codings["coder"] == self.coder].to_dict("records")
        r = self.review
        codings, _ = read_codings(r.path / CODINGS / PRACTICE, r.path, r.sources, r.passages, r.texts, r.codebook,
                                  r.text_pages)
        return codings[codings["coder"] == self.coder].to_dict("records")

    def _plan_of_mine(self) -> pd.DataFrame:
        """The plan's rows of the sources given to this coder, with their other coder where a
        source is coded twice (so that `progress` counts those); empty without a plan."""
        plan = self.review.assignments
        mine = set(plan.loc[plan["coder"] == self.coder, "citekey"])
        return plan[plan["citekey"].isin(mine)][["citekey", "coder"]].reset_index(drop=True)

    # ------------------------------------------------------------ where we are

    def sources(self) -> pd.DataFrame:
        """Sources with text, with this coder's progress on each; `yours` marks those the plan
        gives this coder, listed first (otherwise in the bibliography's order)."""
        sources = self.review.sources[self.review.sources["passages"] > 0]
        coded = pd.Series([c["citekey"] for c in self._codings]).value_counts() if self._codings else pd.Series()
        passages = {}
        for c in self._codings:
            passages.setdefault(c["citekey"], set()).add(c["passage"])
        table = sources.assign(
            coded=[len(passages.get(k, ())) for k in sources["citekey"]],
            codings=[int(coded.get(k, 0)) for k in sources["citekey"]],
            finished=[k in self._finished for k in sources["citekey"]],
            yours=sources["citekey"].isin(self._planned),
        )[["citekey", "author_year", "title", "passages", "coded", "codings", "finished", "yours"]]
        return table.sort_values("yours", ascending=False, kind="stable").reset_index(drop=True)

    def planned_sources(self) -> set[str]:
        """The sources the committee's plan gives this coder (none without a plan)."""
        return set(self._planned)

    def plan_progress(self) -> dict | None:
        """This coder's progress against the plan (assignments.progress: sources, finished,
        to_do, coded_twice), with `without_text`, the planned sources that have no text to
        code yet; None when the plan gives this coder no source."""
        if self._plan.empty:
            return None
        # only the planned ones: progress reads its frames row by row, and this runs at every passage
        finished = pd.DataFrame({"coder": self.coder, "citekey": sorted(self._finished & self._planned)},
                                columns=["coder", "citekey"])
        row = progress(self._plan, finished).set_index("coder").loc[self.coder].to_dict()
        sources = self.review.sources
        without_text = self._planned - set(sources.loc[sources["passages"] > 0, "citekey"].tolist())
        return {**{k: int(v) for k, v in row.items()}, "without_text": len(without_text)}

    def open(self, citekey: str, number: int | None = None) -> None:
        """Start on a source: at passage `number`, else its first passage this coder has not
        judged, else the first."""
        if citekey not in set(self.review.passages["citekey"]):
            raise CodingError(f"no source text for '{citekey}'")
        self.citekey = citekey
        self.number = 1
        if number is not None:
            self.go(number)
            return
        unjudged = self.unjudged()
        if unjudged:
            self.number = unjudged[0]

    @property
    def passages(self) -> pd.DataFrame:
        return self.review.passages[self.review.passages["citekey"] == self.citekey]

    @property
    def passage(self) -> dict:
        passages = self.passages
        return passages[passages["passage"] == self.number].iloc[0].to_dict()

    def context(self) -> tuple[str, str, str]:
        """The passage before, this one, and the one after ('' at either end)."""
        texts = dict(zip(self.passages["passage"], self.passages["text"]))
        return texts.get(self.number - 1, ""), texts[self.number], texts.get(self.number + 1, "")

    def go(self, number: int) -> None:
        total = len(self.passages)
        if not 1 <= number <= total:
            raise CodingError(f"passage {number} does not exist: this source has passages 1 to {total}")
        self.number = number

    def next(self) -> bool:
        """To the next passage; False at the last one."""
        if self.number < len(self.passages):
            self.number += 1
            return True
        return False

    def previous(self) -> bool:
        if self.number > 1:
            self.number -= 1
            return True
        return False

    def next_uncoded(self) -> bool:
        """To the next passage (after this one, wrapping round) this coder has not judged:
        neither coded nor marked "nothing to code here"."""
        unjudged = self.unjudged()
        if not unjudged:
            return False
        later = [n for n in unjudged if n > self.number]
        self.number = (later or unjudged)[0]
        return True

    def unjudged(self, citekey: str | None = None) -> list[int]:
        """The passages of a source (the open one by default) this coder has neither coded nor
        marked "nothing to code here"."""
        citekey = citekey or self.citekey
        judged = {c["passage"] for c in self._codings if c["citekey"] == citekey} | self.nothing_passages(citekey)
        numbers = self.review.passages.loc[self.review.passages["citekey"] == citekey, "passage"]
        return [n for n in numbers if n not in judged]

    # ------------------------------------------------------------ codings

    def my_codings(self, passage: int | None = None) -> list[dict]:
        """This coder's codings of a passage (the current one by default)."""
        number = self.number if passage is None else passage
        return [c for c in self._codings if c["citekey"] == self.citekey and c["passage"] == number]

    def others_codings(self, passage: int | None = None) -> list[dict]:
        """Other coders' codings of a passage; only once this coder finished the source. The
        first look at a source is recorded in the coder's coverage log ("revealed")."""
        if not self.is_finished():
            raise BlindCoding("other coders' codings are shown once you mark this source finished")
        if not self.revealed():
            with _said():
                self.coverage.reveal(self.citekey)
        number = self.number if passage is None else passage
        codings = self.review.codings
        chosen = codings[(codings["citekey"] == self.citekey) & (codings["passage"] == number)
                         & (codings["coder"] != self.coder)]
        return chosen.to_dict("records")

    def revealed(self, citekey: str | None = None) -> bool:
        """Whether this coder has been shown the other coders' codings of a source."""
        return self.coverage.revealed_at(citekey or self.citekey) is not None

    def save(self, competency: str, framing: str, quote: str | None = None, memo: str = "",
             span: tuple[int, int] | None = None) -> dict:
        """Save a coding of the current passage at once; returns it as saved. `span` (start,
        end within the passage: a selection) gives the quote's place exactly, where the same
        words may occur twice."""
        coding = self._checked(self.citekey, self.number, competency, framing, quote, memo, span)
        with _said():
            [saved] = self.store.append(coding)
        saved = {**saved, "coder": self.coder, "passage_id": f"{self.citekey}/{self.number}", "anchored": True,
                 "file": self.file}
        self._codings.append(saved)
        self._undo.append(("save", saved["id"]))
        if self.number in self.nothing_passages():  # coded after all: the passage is no longer empty
            self._set_nothing(self.citekey, self.number, False)
        self._learnt = False
        return saved

    def edit(self, coding_id: str, competency: str | None = None, framing: str | None = None,
             quote: str | None = None, memo: str | None = None, span: tuple[int, int] | None = None) -> dict:
        """Change one of this coder's codings of the current source."""
        old = self._mine(coding_id)
        before = {k: old.get(k) for k in ("competency", "framing", "quote", "memo", "start", "end")}
        checked = self._checked(old["citekey"], old["passage"], competency or old["competency"],
                                framing or old["framing"], old["quote"] if quote is None else quote,
                                (old.get("memo") or "") if memo is None else memo, span)
        changes = {k: checked[k]
                   for k in ("competency", "framing", "quote", "memo", "start", "end", "prefix", "suffix")}
        # The row as this screen shows it: if another window or a hand edit changed it since,
        # the store refuses rather than undo that change.
        shown_here = {"citekey": old["citekey"], "competency": old["competency"], "quote": old["quote"],
                      "memo": old.get("memo") or ""}
        with _said():
            try:
                self.store.update(coding_id, expected=shown_here, **changes)
            except ChangedMeanwhile:
                now = self.store.row(coding_id)  # take in the other change, so the next try can be made on it
                old.update({k: now.get(k, "") for k in ("competency", "quote", "memo")},
                           framing=now.get("framing", "").lower())
                raise
        old.update(changes)
        self._undo.append(("edit", coding_id, before))
        self._learnt = False
        return old

    def remove(self, coding_id: str) -> None:
        coding = self._mine(coding_id)
        with _said():
            row = self.store.row(coding_id)
            self.store.remove(coding_id)
        self._codings = [c for c in self._codings if c["id"] != coding_id]
        self._undo.append(("remove", row, coding))
        self._learnt = False

    def has_notices(self) -> bool:
        return bool(self.store.notices or self.coverage.notices)

    def notices(self) -> list[str]:
        """What the coder's files have to tell since last asked (a cut-off row moved aside, a
        file converted to UTF-8); each is told once."""
        told = self.store.notices + self.coverage.notices
        self.store.notices, self.coverage.notices = [], []
        return told

    def _mine(self, coding_id: str) -> dict:
        for coding in self._codings:
            if coding["id"] == coding_id:
                return coding
        raise CodingError(f"'{coding_id}' is not one of {self.coder}'s codings")

    def _checked(self, citekey: str, number: int, competency: str, framing: str, quote: str | None,
                 memo: str, span: tuple[int, int] | None = None) -> dict:
        """The coding as it will be saved, its quote placed in the passage; CodingError if it cannot be."""
        if competency not in set(self.review.codebook["competency"]):
            raise CodingError(f"'{competency}' is not a competency of the codebook")
        if framing not in FRAMINGS:
            raise CodingError(f"choose a framing: {', '.join(FRAMINGS)}")
        passages = self.review.passages
        chosen = passages[(passages["citekey"] == citekey) & (passages["passage"] == number)]
        if chosen.empty:
            raise CodingError(f"{citekey} has no passage {number} any more (the text was edited?)")
        passage = chosen.iloc[0].to_dict()
        text = self.review.texts[citekey]
        if span is not None:
            found = span if 0 <= span[0] < span[1] <= len(passage["text"]) else None
            if found is None:
                raise CodingError(f"the selection ({span[0]}–{span[1]}) is not within this passage; select again")
        else:
            found = locate_quote((quote or "").strip() or passage["text"], passage["text"])
        if found is None:
            raise CodingError("the quote is not in this passage: select its words in the passage")
        start, end = passage["start"] + found[0], passage["start"] + found[1]
        anchor = describe(text, start, end)
        return {"citekey": citekey, "passage": number, "quote": text[start:end], "competency": competency,
                "framing": framing, "memo": memo.strip(), "start": start, "end": end,
                "prefix": anchor.prefix, "suffix": anchor.suffix}

    # ------------------------------------------------------------ judging passages, finishing sources

    def nothing_passages(self, citekey: str | None = None) -> set[int]:
        """The passages of a source this coder marked "nothing to code here"."""
        citekey = citekey or self.citekey
        if citekey not in self._nothing:
            self._nothing[citekey] = set(self.coverage.nothing_passages(citekey))
        return self._nothing[citekey]

    def nothing_here(self) -> bool:
        """Mark the current passage "nothing to code here", or take that back if it is marked;
        returns whether it is marked now. A passage with this coder's codings cannot be marked."""
        marked = self.number in self.nothing_passages()
        if not marked and self.my_codings():
            raise CodingError("you have coded this passage: remove your codings of it first, if there is nothing here")
        self._set_nothing(self.citekey, self.number, not marked)
        self._undo.append(("nothing", self.citekey, self.number, not marked))
        return not marked

    def _set_nothing(self, citekey: str, number: int, marked: bool) -> None:
        with _said():
            if marked:
                self.coverage.nothing(citekey, number)
            else:
                self.coverage.withdraw_nothing(citekey, number)
        (self.nothing_passages(citekey).add if marked else self.nothing_passages(citekey).discard)(number)

    def is_finished(self, citekey: str | None = None) -> bool:
        return (citekey or self.citekey) in self._finished

    def finish(self, anyway: bool = False) -> None:
        """Mark the current source finished. Every passage must be judged (coded, or nothing
        to code) unless `anyway`: then the unjudged ones are named in the log, and left out
        of agreement. UnjudgedPassages says which are left."""
        unjudged = self.unjudged()
        if unjudged and not anyway:
            raise UnjudgedPassages(self.citekey, unjudged)
        with _said():
            self.coverage.finish(self.citekey, unread=unjudged)
        self._finished.add(self.citekey)
        self._undo.append(("finish", self.citekey))

    def reopen(self) -> None:
        """Take the current source back to coding; its log keeps that it was finished (and any reveal)."""
        with _said():
            self.coverage.reopen(self.citekey)
        self._finished.discard(self.citekey)
        self._undo.append(("reopen", self.citekey))

    # ------------------------------------------------------------ undo

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> str:
        """Undo this session's last change (a save, edit, removal, "nothing to code here",
        finish or reopen); returns what was undone. The files keep the trace (history, log)."""
        if not self._undo:
            raise CodingError("nothing to undo in this session")
        last = self._undo.pop()
        kind = last[0]
        try:
            getattr(self, f"_undo_{kind}")(*last[1:])
        except CodingError:
            self._undo.append(last)
            raise
        self._learnt = False
        return UNDONE[kind]

    def _undo_save(self, coding_id: str) -> None:
        with _said():
            self.store.remove(coding_id)
        self._codings = [c for c in self._codings if c["id"] != coding_id]

    def _undo_edit(self, coding_id: str, before: dict) -> None:
        old = self._mine(coding_id)
        span = None
        passage = self.review.passages
        chosen = passage[(passage["citekey"] == old["citekey"]) & (passage["passage"] == old["passage"])]
        if pd.notna(before.get("start")) and not chosen.empty:
            first = int(chosen.iloc[0]["start"])
            span = (int(before["start"]) - first, int(before["end"]) - first)
        self.edit(coding_id, before["competency"], before["framing"], before["quote"], before.get("memo") or "", span)
        self._undo.pop()  # the edit back is not itself a change to undo

    def _undo_remove(self, row: dict, coding: dict) -> None:
        with _said():
            self.store.restore(row)
        self._codings.append(coding)

    def _undo_nothing(self, citekey: str, number: int, marked: bool) -> None:
        self._set_nothing(citekey, number, not marked)

    def _undo_finish(self, citekey: str) -> None:
        with _said():
            self.coverage.reopen(citekey)
        self._finished.discard(citekey)

    def _undo_reopen(self, citekey: str) -> None:
        with _said():
            self.coverage.finish(citekey, unread=self.unjudged(citekey))
        self._finished.add(citekey)

    # ------------------------------------------------------------ progress, suggestions

    def progress(self) -> dict:
        coded = {c["passage"] for c in self._codings if c["citekey"] == self.citekey}
        with_text = set(self.review.passages["citekey"])
        return {"passages_coded": len(coded), "passages_total": len(self.passages),
                "passages_judged": len(self.passages) - len(self.unjudged()),
                "sources_finished": len(self._finished & with_text), "sources_total": len(with_text)}

    def recent_competencies(self, k: int = 5) -> list[str]:
        """The competencies this coder used last, latest first."""
        recent: list[str] = []
        for coding in reversed(self._codings):
            if coding["competency"] not in recent:
                recent.append(coding["competency"])
        return recent[:k]

    def suggestions(self, k: int = 3) -> list[dict]:
        """Competencies to choose in one key for the current passage: competency, label, score,
        and the framing other codings suggest (shown only when the coder asks for it, so that
        the guess does not anchor their own reading)."""
        from .suggest import Suggester

        # Blind coding holds for suggestions too: other coders' codings of this source are
        # left out until this coder has finished it.
        # A new coding is learnt from at the next passage: rebuilding the suggester takes a
        # second on a large review, and the coder is waiting for the saved coding to show.
        where = (self.citekey, self.is_finished())
        if self._suggester is None or self._suggested_for[:2] != where or (
                not self._learnt and self._suggested_for[2] != self.number):
            others = self.review.codings[self.review.codings["coder"] != self.coder]
            if not self.is_finished():
                others = others[others["citekey"] != self.citekey]
            self._suggester = Suggester(self.review.codebook, self.review.passages,
                                        pd.concat([others, pd.DataFrame(self._codings)], ignore_index=True))
            self._suggested_for, self._learnt = (*where, self.number), True
        labels = dict(zip(self.review.codebook["competency"], self.review.codebook["label"]))
        text = self.passage["text"]
        out = []
        for competency, score in self._suggester.competencies(text, k):
            framing = self._suggester.framing(text, competency)
            out.append({"competency": competency, "label": labels[competency], "score": score,
                        "framing": framing[0] if framing else ""})
        return out


UNDONE = {"save": "the coding just saved was taken out", "edit": "the coding is back as it was before the edit",
          "remove": "the removed coding is back", "nothing": "the passage's “nothing to code here” was undone",
          "finish": "the source is open again", "reopen": "the source is finished again"}
"""What the coder is told once a change is undone."""


@contextmanager
def _said():
    """A write to a coder's file that did not happen becomes a CodingError with the store's message."""
    try:
        yield
    except CoderFileError as err:
        raise CodingError(str(err)) from err
