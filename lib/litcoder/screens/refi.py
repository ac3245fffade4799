"""A REFI-QDA project (.qdpx) or codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA or QualCoder → the review.

- **Codes** are mapped to the committee's codebook: litcoder's own guids first (a file
  litcoder exported), then by name: a competency's label or id ("Planning"), a framing code
  under it ("Planning › management", or a child "management"), and a framing code on its own
  ("leadership") applied to the same text as a competency. Codes that map to nothing are
  named, with how many selections use them.
- **Sources** are matched to the review's by litcoder's guid, by citekey, by title, or by
  their text; `sources` maps the rest by hand.
- **Selections** are placed through the review's anchoring (the quote and its context), so a
  text that differs a little from the review's still places them; one that cannot be found
  is named and not added. A selection over several passages gives one coding per passage.
- **Coders**: each User's selections go to that coder's file (`corpus/codings/<user>.csv`).
- Importing the same file again adds nothing: a coding already in the coder's file (same
  source, place, competency and framing) is passed over. A coding litcoder exported and the
  other tool changed (its framing, its extent, its memo) is updated in place, its earlier
  version kept in the coder's history.

    >>> result = import_exchange(Review.load("."), Path("project.qdpx"))     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..inputs.anchor import Anchor, describe, locate
from ..inputs.bibliography import closest
from ..inputs.codebook import FRAMINGS, read_codebook
from ..inputs.codebook_changes import CodebookChangeError, add_competencies
from ..inputs.refi import OFFSET_UNITS, Exchange, Offsets, Selection, choose_offsets, guid, read_exchange, to_codepoints
from ..layout import CODEBOOK, CODINGS
from ..problems import Problem, ProblemLog
from ..review import Review
from ..store import CoderFile, CoderFileError
from .session import coder_name_problem


@dataclass
class ExchangeImport:
    """What an import did (or, with `dry_run`, would do)."""

    file: Path
    kind: str = ""
    origin: str = ""
    offsets: str = ""
    codes: dict[str, str] = field(default_factory=dict)  # code name → competency (or framing) it maps to
    unknown_codes: dict[str, int] = field(default_factory=dict)  # code name → selections using it
    added_codes: dict[str, str] = field(default_factory=dict)  # code name → the competency id it was added as
    sources: dict[str, str] = field(default_factory=dict)  # source name in the file → citekey
    unmatched_sources: dict[str, int] = field(default_factory=dict)  # name → selections in it
    added: dict[str, int] = field(default_factory=dict)  # coder → codings added
    updated: dict[str, int] = field(default_factory=dict)  # coder → codings changed in the other tool
    already_there: int = 0
    repeated: int = 0  # selections that repeat another of their coder's (same words, competency, framing): one kept
    orphans: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


_FRAMED = re.compile(r"\s*(?:›|»|>|::|:|/|\\| - | – | — )\s*")
"""What parts a code's name into a competency and a framing: 'Planning › management', 'Planning: management'."""


@dataclass(frozen=True)
class _Mapped:
    competency: str | None
    framing: str | None


@dataclass
class _Coding:
    """A coding the file holds: where, to what, by whom, as read from one or more selections."""

    citekey: str
    start: int
    end: int
    competency: str
    framing: str
    user: str
    created: str
    memo: str
    selection: Selection
    text: str


def import_exchange(review: Review, path: Path, coder: str = "", offsets: str = "auto",
                    sources: dict[str, str] | None = None, dry_run: bool = False,
                    add_codes: bool = False) -> ExchangeImport:
    """Add the codings of a .qdpx to the coders' files (a .qdc is compared with the codebook only).

    `add_codes`: codes that map to no competency are added to the codebook first, in a group
    of their own, for the committee to define and place (their classification: contested).
    """
    result = ExchangeImport(Path(path))
    exchange, read_log = read_exchange(Path(path))
    problems = list(read_log)
    if exchange is None:
        result.problems = problems
        return result
    log = ProblemLog(exchange.document)
    result.kind, result.origin = exchange.kind, exchange.origin
    if coder and coder_name_problem(coder):
        log.error(None, f"'{coder}' cannot name a coder: {coder_name_problem(coder)}", "use letters, digits, '-' "
                  "or '_'", "refi-coder")
        result.problems = problems + list(log)
        return result
    codebook = review.codebook
    if add_codes and not dry_run:
        codebook = _add_codes(review, exchange, result, log)
    mapped = map_codes(exchange, codebook, result)
    if exchange.kind == "project":
        matched = match_sources(exchange, review, _given(sources or {}, exchange, review, log), result)
        codings = _codings(exchange, review, mapped, matched, offsets, result, log)
        _write(review, codings, exchange, coder, result, log, dry_run)
    _name_unknown_codes(result, log)
    result.problems = problems + list(log)
    return result


# --- codes ---------------------------------------------------------------------------------

def map_codes(exchange: Exchange, codebook: pd.DataFrame, result: ExchangeImport) -> dict[str, _Mapped]:
    """Each code's competency and framing in the committee's codebook (either may be None)."""
    own = {guid("competency", c): _Mapped(c, None) for c in codebook["competency"]}
    own |= {guid("framing", f"{c}:{f}"): _Mapped(c, f) for c in codebook["competency"] for f in FRAMINGS}
    by_name = _names(codebook)
    found: dict[str, _Mapped] = {}
    for code in exchange.codes.values():  # parents come before their children
        parent, framing = found.get(code.parent or ""), _plain(code.name)
        if framing in FRAMINGS and code.parent in exchange.codes and exchange.codes[code.parent].codable:
            # a framing under a competency ("Planning" > "management") frames that competency
            mapping = _Mapped(parent.competency, framing) if parent and parent.competency else None
        else:
            mapping = own.get(code.guid) or _by_name(code.name, by_name)
        if mapping is not None:
            found[code.guid] = mapping
            result.codes[code.name] = " › ".join(x for x in (mapping.competency, mapping.framing) if x)
        elif code.codable and framing not in FRAMINGS:  # a framing under it is named when used
            result.unknown_codes.setdefault(code.name, 0)
    return found


def _unknown_name(code, exchange: Exchange) -> str:
    """How an unknown code is named: a framing under an unknown code by that code ('Vision › leadership')."""
    parent = exchange.codes.get(code.parent or "")
    return f"{parent.name} › {code.name}" if parent and _plain(code.name) in FRAMINGS else code.name


def _add_codes(review: Review, exchange: Exchange, result: ExchangeImport, log: ProblemLog) -> pd.DataFrame:
    """Add the codes that map to nothing to the codebook; the codebook as it is then."""
    probe = ExchangeImport(result.file)
    mapped = map_codes(exchange, review.codebook, probe)
    new: dict[str, str] = {}
    for code in exchange.codes.values():
        if code.guid in mapped or not code.codable or _plain(code.name) in FRAMINGS:
            continue
        parts = _FRAMED.split(code.name.strip())
        name = parts[0] if len(parts) == 2 and _plain(parts[1]) in FRAMINGS else code.name.strip()
        if name and _plain(name) not in {_plain(n) for n in new} and not _by_name(name, _names(review.codebook)):
            new[name] = code.description
    if not new:
        return review.codebook
    origin = exchange.origin or "another tool"
    try:
        ids = add_competencies(review.path, list(new.items()), f"Imported from {origin}",
                               f"Codes brought in from {result.file.name}, to be defined and placed by the committee.")
    except (CodebookChangeError, OSError) as err:
        log.error(None, f"the codes could not be added to the codebook: {err}", "add them by hand, then import "
                  "again", "refi-add-codes")
        return review.codebook
    result.added_codes = ids
    return read_codebook(review.path / CODEBOOK, CODEBOOK)[0]


def _names(codebook: pd.DataFrame) -> dict[str, str]:
    by_name = {}
    for row in codebook.itertuples():
        by_name.setdefault(_plain(row.label), row.competency)
        by_name.setdefault(_plain(row.competency), row.competency)
        by_name.setdefault(_plain(row.competency.replace("-", " ")), row.competency)
    return by_name


def _by_name(name: str, by_name: dict[str, str]) -> _Mapped | None:
    plain = _plain(name)
    if plain in by_name:
        return _Mapped(by_name[plain], None)
    if plain in FRAMINGS:
        return _Mapped(None, plain)
    parts = _FRAMED.split(plain)
    if len(parts) == 2 and parts[1] in FRAMINGS and parts[0] in by_name:
        return _Mapped(by_name[parts[0]], parts[1])
    return None


def _plain(name: str) -> str:
    """A name as compared: NFKC, case folded, spaces squeezed, outer quotes and spaces gone."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name or "")).strip().strip("\"'“”").casefold()


def _name_unknown_codes(result: ExchangeImport, log: ProblemLog) -> None:
    for name, used in sorted(result.unknown_codes.items(), key=lambda item: (-item[1], item[0])):
        log.warning(None, f"the code '{name}' is not in the codebook" + (f"; {_selections(used)} not "
                    "imported" if used else ""), "rename it in the other tool to a competency's label, or add it to "
                    "the codebook: import again with --add-codes, or edit corpus/codebook.yaml; what was imported "
                    "is passed over", "refi-code")


# --- sources -------------------------------------------------------------------------------

def match_sources(exchange: Exchange, review: Review, given: dict[str, str], result: ExchangeImport) -> dict[str, str]:
    """Each source's citekey (by source guid): given by hand, litcoder's guid, citekey, title or text."""
    citekeys = list(review.sources["citekey"])
    own = {guid("source", c): c for c in citekeys}
    by_key = {c.casefold(): c for c in citekeys}
    by_title = {_plain(t): c for t, c in zip(review.sources["title"], citekeys) if t}
    by_text = {_squeezed(text)[:400]: c for c, text in review.texts.items() if text}
    matched = {}
    for source in exchange.sources:
        stem = re.sub(r"\.(txt|docx?|pdf|rtf|html?|md)$", "", source.name, flags=re.I)
        citekey = (given.get(source.name) or own.get(source.guid) or by_key.get(source.name.casefold())
                   or by_key.get(stem.casefold()) or by_title.get(_plain(stem))
                   or (by_text.get(_squeezed(source.text)[:400]) if source.text else None))
        if citekey in citekeys:
            matched[source.guid] = citekey
            result.sources[source.name] = citekey
        elif source.selections:
            result.unmatched_sources[source.name] = len(source.selections)
    return matched


def _given(given: dict[str, str], exchange: Exchange, review: Review, log: ProblemLog) -> dict[str, str]:
    """The --source NAME=CITEKEY pairs that can be used; each other is named."""
    names, citekeys = {source.name for source in exchange.sources}, set(review.sources["citekey"])
    usable = {}
    for name, citekey in given.items():
        if name not in names:
            log.error(None, f"--source: the file has no source named '{name}'{closest(name, names)}",
                      "give the source's name as the other tool shows it", "refi-source")
        elif citekey not in citekeys:
            log.error(None, f"--source: unknown citekey '{citekey}'{closest(citekey, citekeys)}",
                      "give a citekey of references.bib", "refi-source")
        else:
            usable[name] = citekey
    return usable


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


# --- codings -------------------------------------------------------------------------------

def _codings(exchange: Exchange, review: Review, mapped: dict[str, _Mapped], matched: dict[str, str],
             offsets: str, result: ExchangeImport, log: ProblemLog) -> list[_Coding]:
    placed = [(source, matched[source.guid]) for source in exchange.sources
              if source.guid in matched and source.text is not None]
    for source in exchange.sources:
        if source.guid in matched and source.text is None and source.selections:
            count = len(source.selections)
            log.warning(source.line, f"{source.name}: its text is not in the file, so "
                        + ("its selection" if count == 1 else f"its {count} selections") + " cannot be placed",
                        "export the project with its sources", "refi-no-text")
    counting = _counting(placed, offsets, result, log)
    found = []
    for source, citekey in placed:
        comments = defaultdict(list)  # selections with no code: a memo on the codings of their span, whoever wrote it
        for selection in source.selections:
            if not selection.codes:
                comments[(selection.start, selection.end)].append(selection)
        coded = {(s.start, s.end) for s in source.selections if s.codes}
        if any(span not in coded and _memo(s[0], exchange, "") for span, s in comments.items()):
            log.info(source.line, f"{source.name}: comments on text no coding covers are not imported "
                     "(litcoder keeps memos on codings, sources and competencies)", "", "refi-comment")
        for (start, end, user), selections in _by_span(source.selections).items():
            span = to_codepoints(source.text, start, end, counting)
            if span is None:
                log.warning(selections[0].line, f"{source.name}: a selection runs from {start} to {end}, past the "
                            f"end of its text ({len(source.text)} characters); it is left out", "",
                            "refi-selection")
                continue
            found += _span_codings(source.text, span, citekey, user, selections + comments[(start, end)], mapped,
                                   exchange, result, log, source.name)
    return found


def _counting(placed, offsets: str, result: ExchangeImport, log: ProblemLog) -> Offsets:
    pairs = [(source.text, selection) for source, _ in placed for selection in source.selections]
    if offsets in OFFSET_UNITS:  # the unit as asked; whether a CRLF counts as one is still told
        best, _ = choose_offsets(pairs, offsets)
        result.offsets = f"{best} (as asked)"
        return best
    best, scores = choose_offsets(pairs)
    if len(scores) > 1:
        ranked = sorted(scores.values(), reverse=True)
        result.offsets = f"{best} (told from the selections)"
        if ranked[0] - ranked[1] < 1:
            log.warning(None, f"cannot tell from the selections how the file counts positions; read as {best}",
                        "check a few imported codings in the coding screen; if their quotes are shifted, import "
                        "again with --offsets utf16 or --offsets codepoints", "refi-offsets")
    else:
        result.offsets = f"{best} (the only reading: no text has a character outside the Basic Multilingual Plane " \
                         "or a CRLF line end)"
    return best


def _by_span(selections: list[Selection]) -> dict[tuple[int, int, str], list[Selection]]:
    """Selections by (start, end, user): NVivo writes a selection per code where ATLAS.ti codes one several times."""
    spans = defaultdict(list)
    for selection in selections:
        for user in sorted({by or selection.user for _, by, _ in selection.codes}):  # the same order every time
            spans[(selection.start, selection.end, user)].append(selection)
    return spans


def _span_codings(text: str, span: tuple[int, int], citekey: str, user: str, selections: list[Selection],
                  mapped: dict[str, _Mapped], exchange: Exchange, result: ExchangeImport, log: ProblemLog,
                  name: str) -> list[_Coding]:
    """The codings of one span by one user. A competency coded without a framing takes the one
    framing code on the same span; a selection's memo goes with its own codes, and a comment
    on the span with no code (MAXQDA's way) with every coding on it."""
    quote = text[span[0]:span[1]]
    competencies: dict[tuple[str, str | None], tuple[Selection, str]] = {}
    framings: dict[str, Selection] = {}
    shared = [_memo(s, exchange, quote) for s in selections if not s.codes]
    for selection in selections:
        for code, by, when in selection.codes:
            mapping = mapped.get(code)
            if (by or selection.user) != user or mapping is None:
                if mapping is None and (by or selection.user) == user:
                    code_name = _unknown_name(exchange.codes[code], exchange) if code in exchange.codes else code
                    result.unknown_codes[code_name] = result.unknown_codes.get(code_name, 0) + 1
                continue
            if mapping.competency:
                if (mapping.competency, mapping.framing) in competencies:
                    result.repeated += 1  # the same words coded the same way twice by one coder
                competencies.setdefault((mapping.competency, mapping.framing), (selection, when or selection.created))
            else:
                framings.setdefault(mapping.framing, selection)
    if framings and not competencies:
        log.warning(selections[0].line, f"{name}: a selection is coded only to a framing "
                    f"({', '.join(sorted(framings))}), to no competency; it is left out",
                    "code it in the other tool to a competency too", "refi-no-competency")
    found = []
    for (competency, framing), (selection, created) in competencies.items():
        memos = [_memo(selection, exchange, quote)]
        if framing is None:
            if len(framings) != 1:
                log.warning(selection.line, f"{name}: a selection is coded to {competency} without "
                            + ("a framing" if not framings else f"one framing ({', '.join(sorted(framings))})")
                            + "; it is left out", f"code it in the other tool to '{competency} › leadership' (or "
                            "management, both, neither), or also to one framing code", "refi-no-framing")
                continue
            framing, framed_by = next(iter(framings.items()))
            memos.append(_memo(framed_by, exchange, quote))
        memo = "\n\n".join(dict.fromkeys(m for m in memos + shared if m))
        found.append(_Coding(citekey, *span, competency, framing, user, created, memo, selection, text))
    return found


def _memo(selection: Selection, exchange: Exchange, quote: str) -> str:
    """A selection's memo: its description (unless it only repeats the quote) and its notes."""
    parts = []
    if selection.description and _squeezed(selection.description) != _squeezed(quote):
        parts.append(selection.description.strip())
    parts += [exchange.notes[note].strip() for note in selection.notes if exchange.notes.get(note, "").strip()]
    return "\n\n".join(dict.fromkeys(parts))


# --- writing -------------------------------------------------------------------------------

def _write(review: Review, codings: list[_Coding], exchange: Exchange, coder: str, result: ExchangeImport,
           log: ProblemLog, dry_run: bool) -> None:
    by_coder: dict[str, list[dict]] = defaultdict(list)
    unnamed, passages = 0, _passages(review)
    for coding in codings:
        name = _coder_for(coding.user, exchange, coder)
        if not name:
            unnamed += 1
            continue
        for row in _rows(review, passages, coding, name, result, log):
            by_coder[name].append(row)
    if unnamed:
        log.error(None, f"{unnamed} coding{'' if unnamed == 1 else 's'} name{'s' if unnamed == 1 else ''} no coder "
                  "the file describes, and " + ("is" if unnamed == 1 else "are") + " not imported",
                  "import again with --coder NAME, the coder they belong to", "refi-no-coder")
    for name, rows in sorted(by_coder.items()):
        _save(review, name, rows, result, log, dry_run)


@functools.lru_cache(maxsize=1024)
def _slug(name: str) -> str:
    slug = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", slug).strip("-.")


def _coder_for(user: str, exchange: Exchange, coder: str) -> str:
    named = exchange.users.get(user, "")
    if not named:
        return coder
    slug = _slug(named)
    return slug if slug and not coder_name_problem(slug) else f"user-{user[:8]}"  # a name in another script


def _rows(review: Review, passages: dict, coding: _Coding, coder: str, result: ExchangeImport,
          log: ProblemLog) -> list[dict]:
    """The coding as coder-file rows in the review's text: one per passage it covers; [] if not found."""
    text = review.texts.get(coding.citekey)
    if not text:
        log.warning(coding.selection.line, f"{coding.citekey} has no text in this review, so a coding in it cannot "
                    "be placed", f"add the text to corpus/sources/{coding.citekey}.*", "refi-no-text")
        return []
    exact = coding.text[coding.start:coding.end]
    same = coding.text == text
    anchor = Anchor(exact=exact, prefix=coding.text[max(0, coding.start - 32):coding.start],
                    suffix=coding.text[coding.end:coding.end + 32],
                    start=coding.start if same else None, end=coding.end if same else None)
    match = locate(text, anchor) if exact.strip() else None
    if match is None:
        result.orphans += 1
        log.warning(coding.selection.line, f"not found in this review's text of {coding.citekey}: "
                    f"“{_short(exact)}” ({coding.competency}, {coding.framing})", "check that the source is the same "
                    "work; add the coding by hand in the coding screen", "refi-orphan")
        return []
    rows = []
    for number, passage_start, passage_end in passages.get(coding.citekey, []):
        if passage_start < match.end and passage_end > match.start:
            start, end = _trimmed(text, max(match.start, passage_start), min(match.end, passage_end))
            if start < end:
                rows.append(_row(text, coding, number, start, end, coder))
    if len(rows) > 1:
        log.info(coding.selection.line, f"{coding.citekey}: a selection over {len(rows)} passages is imported as "
                 f"{len(rows)} codings, one per passage (the unit litcoder codes)", "", "refi-passages")
    return rows


def _passages(review: Review) -> dict[str, list[tuple[int, int, int]]]:
    """(passage, start, end) of each source's passages, by citekey."""
    return {key: list(zip(rows["passage"].astype(int), rows["start"].astype(int), rows["end"].astype(int)))
            for key, rows in review.passages.groupby("citekey")}


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _row(text: str, coding: _Coding, passage: int, start: int, end: int, coder: str) -> dict:
    anchor = describe(text, start, end)
    key = "\x1f".join([coding.citekey, f"{start}:{end}", coding.competency, coding.framing])
    return {"id": "qdpx-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10], "citekey": coding.citekey,
            "passage": passage, "quote": anchor.exact, "competency": coding.competency, "framing": coding.framing,
            "memo": coding.memo, "coded_at": _iso(coding.created), "start": start, "end": end,
            "prefix": anchor.prefix, "suffix": anchor.suffix, "_selection": coding.selection.guid}


def _iso(value: str) -> str:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat(timespec="seconds") if value else ""
    except ValueError:
        return ""


def _save(review: Review, coder: str, rows: list[dict], result: ExchangeImport, log: ProblemLog,
          dry_run: bool) -> None:
    mine = review.codings[review.codings["coder"] == coder]
    columns = [mine[name].tolist() for name in ("id", "citekey", "start", "end", "competency", "framing")]
    have = {(citekey, start, end, competency, framing) for _, citekey, start, end, competency, framing in zip(*columns)}
    exported = {guid("coding", f"{coder}:{ident}"): (ident, citekey) for ident, citekey, *_ in zip(*columns)}
    new, changed = [], []
    for row in rows:
        earlier = exported.pop(row.pop("_selection"), None)
        if (row["citekey"], row["start"], row["end"], row["competency"], row["framing"]) in have:
            result.already_there += 1
        elif earlier is not None and earlier[1] == row["citekey"]:
            changed.append((earlier, row))  # litcoder's own coding, changed in the other tool
        else:
            have.add((row["citekey"], row["start"], row["end"], row["competency"], row["framing"]))
            new.append(row)
    if dry_run:
        result.added[coder], result.updated[coder] = len(new), len(changed)
        return
    store = CoderFile(review.path / CODINGS / f"{coder}.csv")
    try:
        added = store.add_new(*new) if new else []
        for earlier, row in changed:
            store.update(earlier[0], **{k: row[k] for k in ("passage", "quote", "competency", "framing", "memo",
                                                              "start", "end", "prefix", "suffix")})
    except CoderFileError as err:
        log.error(None, f"corpus/codings/{coder}.csv: not all was imported: {err}", "fix what the message says, then "
                  "import again (what was imported is passed over)", "refi-coder-file")
        return
    result.added[coder] = len(added)
    result.already_there += len(new) - len(added)
    result.updated[coder] = len(changed)
    for notice in store.notices:
        log.warning(None, notice, f"check corpus/codings/{coder}.csv", "refi-coder-file")


def _selections(count: int) -> str:
    return "its selection was" if count == 1 else f"its {count} selections were"


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"
