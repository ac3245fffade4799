"""A coder's session on the review: the logic behind the coding screen, without widgets.

A session walks one coder through sources and passages, saves each coding at once to the
coder's file, edits and removes that coder's own codings, marks sources finished, and
keeps other coders' codings hidden until the coder has finished the source (blind
coding). The screen in `widgets` only draws this; tests drive it directly.

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
from ..inputs.codebook import FRAMINGS
from ..inputs.codings import locate_quote
from ..inputs.coverage import CoverageFile
from ..layout import CODINGS, COVERAGE, LOCAL, derived_folder_problem, file_name_problem
from ..review import Review
from ..store import ChangedMeanwhile, CoderFile, CoderFileError


class BlindCoding(PermissionError):
    """Other coders' codings stay hidden until this coder marks the source finished."""


class CodingError(ValueError):
    """A coding that cannot be saved as asked (the message says why and what to do)."""


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
    def __init__(self, review: Review, coder: str):
        problem = coder_name_problem(coder)
        if problem:
            raise CodingError(coder_name_message(coder, problem))
        self.review = review
        self.coder = coder
        self.store = CoderFile(review.path / CODINGS / f"{coder}.csv")
        self.coverage = CoverageFile(review.path / COVERAGE / f"{coder}.csv")
        mine = review.codings[review.codings["coder"] == coder]
        self._codings: list[dict] = mine.to_dict("records")
        self._finished = set(review.coverage.loc[review.coverage["coder"] == coder, "citekey"])
        self._suggester = None
        self._suggested_for: tuple = ()
        self.citekey: str | None = None
        self.number = 1
        remember_coder(review.path, coder)

    # ------------------------------------------------------------ where we are

    def sources(self) -> pd.DataFrame:
        """Sources with text, with this coder's progress on each."""
        sources = self.review.sources[self.review.sources["passages"] > 0]
        coded = pd.Series([c["citekey"] for c in self._codings]).value_counts() if self._codings else pd.Series()
        passages = {}
        for c in self._codings:
            passages.setdefault(c["citekey"], set()).add(c["passage"])
        return sources.assign(
            coded=[len(passages.get(k, ())) for k in sources["citekey"]],
            codings=[int(coded.get(k, 0)) for k in sources["citekey"]],
            finished=[k in self._finished for k in sources["citekey"]],
        )[["citekey", "author_year", "title", "passages", "coded", "codings", "finished"]].reset_index(drop=True)

    def open(self, citekey: str) -> None:
        """Start on a source: at its first passage this coder has not coded, else the first."""
        if citekey not in set(self.review.passages["citekey"]):
            raise CodingError(f"no source text for '{citekey}'")
        self.citekey = citekey
        self.number = 1
        uncoded = self._uncoded()
        if uncoded:
            self.number = uncoded[0]

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
        """To the next passage (after this one, wrapping round) this coder has not coded."""
        uncoded = self._uncoded()
        if not uncoded:
            return False
        later = [n for n in uncoded if n > self.number]
        self.number = (later or uncoded)[0]
        return True

    def _uncoded(self) -> list[int]:
        coded = {c["passage"] for c in self._codings if c["citekey"] == self.citekey}
        return [n for n in self.passages["passage"] if n not in coded]

    # ------------------------------------------------------------ codings

    def my_codings(self, passage: int | None = None) -> list[dict]:
        """This coder's codings of a passage (the current one by default)."""
        number = self.number if passage is None else passage
        return [c for c in self._codings if c["citekey"] == self.citekey and c["passage"] == number]

    def others_codings(self, passage: int | None = None) -> list[dict]:
        """Other coders' codings of a passage; only once this coder finished the source."""
        if not self.is_finished():
            raise BlindCoding("other coders' codings are shown once you mark this source finished")
        number = self.number if passage is None else passage
        codings = self.review.codings
        chosen = codings[(codings["citekey"] == self.citekey) & (codings["passage"] == number)
                         & (codings["coder"] != self.coder)]
        return chosen.to_dict("records")

    def save(self, competency: str, framing: str, quote: str | None = None, memo: str = "") -> dict:
        """Save a coding of the current passage at once; returns it as saved."""
        coding = self._checked(self.citekey, self.number, competency, framing, quote, memo)
        with _said():
            [saved] = self.store.append(coding)
        saved = {**saved, "coder": self.coder, "passage_id": f"{self.citekey}/{self.number}", "anchored": True,
                 "file": f"{CODINGS}/{self.coder}.csv"}
        self._codings.append(saved)
        self._suggester = None
        return saved

    def edit(self, coding_id: str, competency: str | None = None, framing: str | None = None,
             quote: str | None = None, memo: str | None = None) -> dict:
        """Change one of this coder's codings of the current source."""
        old = self._mine(coding_id)
        checked = self._checked(old["citekey"], old["passage"], competency or old["competency"],
                                framing or old["framing"], old["quote"] if quote is None else quote,
                                (old.get("memo") or "") if memo is None else memo)
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
        self._suggester = None
        return old

    def remove(self, coding_id: str) -> None:
        self._mine(coding_id)
        with _said():
            self.store.remove(coding_id)
        self._codings = [c for c in self._codings if c["id"] != coding_id]
        self._suggester = None

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
                 memo: str) -> dict:
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
        quote = (quote or "").strip() or passage["text"]
        found = locate_quote(quote, passage["text"])
        if found is None:
            raise CodingError("the quote is not in this passage: narrow it by deleting words, not by retyping")
        start, end = passage["start"] + found[0], passage["start"] + found[1]
        anchor = describe(text, start, end)
        return {"citekey": citekey, "passage": number, "quote": text[start:end], "competency": competency,
                "framing": framing, "memo": memo.strip(), "start": start, "end": end,
                "prefix": anchor.prefix, "suffix": anchor.suffix}

    # ------------------------------------------------------------ sources finished, progress, suggestions

    def is_finished(self, citekey: str | None = None) -> bool:
        return (citekey or self.citekey) in self._finished

    def finish(self) -> None:
        """Mark the current source finished: every passage read and judged."""
        with _said():
            self.coverage.mark(self.citekey)
        self._finished.add(self.citekey)

    def reopen(self) -> None:
        with _said():
            self.coverage.unmark(self.citekey)
        self._finished.discard(self.citekey)

    def progress(self) -> dict:
        coded = {c["passage"] for c in self._codings if c["citekey"] == self.citekey}
        with_text = set(self.review.passages["citekey"])
        return {"passages_coded": len(coded), "passages_total": len(self.passages),
                "sources_finished": len(self._finished & with_text), "sources_total": len(with_text)}

    def suggestions(self, k: int = 3) -> list[dict]:
        """One-click choices for the current passage: competency, label, framing, score."""
        from .suggest import Suggester

        # Blind coding holds for suggestions too: other coders' codings of this source are
        # left out until this coder has finished it.
        if self._suggester is None or self._suggested_for != (self.citekey, self.is_finished()):
            others = self.review.codings[self.review.codings["coder"] != self.coder]
            if not self.is_finished():
                others = others[others["citekey"] != self.citekey]
            self._suggester = Suggester(self.review.codebook, self.review.passages,
                                        pd.concat([others, pd.DataFrame(self._codings)], ignore_index=True))
            self._suggested_for = (self.citekey, self.is_finished())
        labels = dict(zip(self.review.codebook["competency"], self.review.codebook["label"]))
        text = self.passage["text"]
        out = []
        for competency, score in self._suggester.competencies(text, k):
            framing = self._suggester.framing(text, competency)
            out.append({"competency": competency, "label": labels[competency], "score": score,
                        "framing": framing[0] if framing else ""})
        return out


@contextmanager
def _said():
    """A write to a coder's file that did not happen becomes a CodingError with the store's message."""
    try:
        yield
    except CoderFileError as err:
        raise CodingError(str(err)) from err
