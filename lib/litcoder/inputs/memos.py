"""corpus/memos/<kind>/<id>.md → the committee's memos on competencies, sources and rulings.

A memo is a plain Markdown file, one per thing it is about, so that two people writing
memos on different things never touch the same file and git merges them:

    corpus/memos/competency/planning.md          on the competency `planning` (codebook id)
    corpus/memos/ruling/planning.md              on the committee's ruling on `planning`
    corpus/memos/source/Kotter1990WhatLeaders.md on a source (its citekey)

Memos link to things by id, in double brackets: `[[competency:planning]]`,
`[[source:Kotter1990WhatLeaders]]`, `[[ruling:planning]]`; the shorthands `[[planning]]`
(a competency) and `[[@Kotter1990WhatLeaders]]` (a citekey, as pandoc cites) mean the same,
and `[[competency:planning|Planning ahead]]` shows its own words. A link inside code
(`` `[[planning]]` ``) or escaped (`\\[[planning]]`) is text, not a link.

    >>> memo_html("Budgets: see [[competency:budgeting]] and *why* <b>", lambda kind, id: f"#{kind}-{id}")
    '<p>Budgets: see <a class="memo-link" href="#competency-budgeting">budgeting</a> and <em>why</em> &lt;b&gt;</p>\\n'

Reading never stops at one bad file: each problem (a folder that is not a kind, a file
that is not Markdown, a memo on an id the review does not know, a link to an unknown thing,
an empty or unreadable memo) is reported with its file and line, and the rest are read.
Writing compares the file with the text the writer read first, so a memo changed meanwhile
(in another kernel, or by a git pull) is never overwritten unseen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout
from markdown_it import MarkdownIt

from ..files import NOT_TEXT, looks_like_utf16, read_text, shown, write_atomic
from ..layout import MEMOS, file_name_problem
from ..problems import Problem, ProblemLog
from ..store import LOCK_TIMEOUT
from .bibliography import closest

KINDS = ("competency", "source", "ruling")
"""What a memo can be about; each is a folder of corpus/memos. Competency and ruling memos are
named by a competency id, source memos by a citekey."""
SUFFIX = ".md"
COLUMNS = ["kind", "id", "file", "known", "title", "text", "links", "modified"]
TITLE_LIMIT = 80

__all__ = ["COLUMNS", "KINDS", "MEMOS", "MemoChanged", "MemoError", "backlinks", "links_in", "memo_html",
           "memo_path", "memos_about", "read_memos", "remove_memo", "write_memo"]


class MemoError(Exception):
    """A memo that was not saved or removed; the message says why and what to do, and `text`
    keeps what was to be saved, so nothing typed is lost."""

    def __init__(self, message: str, text: str | None = None):
        super().__init__(message)
        self.text = text


class MemoChanged(MemoError):
    """The memo file is no longer what the writer read: `current` is the file now (None when
    it was removed), `expected` what the writer read (None: no memo), `text` the writer's own.
    Nothing was written: show both, merge, and save again with expected=current."""

    def __init__(self, file: str, expected: str | None, current: str | None, text: str | None):
        if current is None:
            what = f"{file} was removed since you read it"
        elif expected is None:
            what = f"{file} was written by someone else since you looked (there was no memo then)"
        else:
            what = f"{file} was changed since you read it (in another window, or by a git pull)"
        super().__init__(f"{what}; nothing was saved. Both texts are kept here: merge yours into the "
                         "current one and save again, giving the current text as expected", text)
        self.file, self.expected, self.current = file, expected, current


# ------------------------------------------------------------------ the review's memos


def read_memos(root: Path, competencies: set[str], citekeys: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """Every memo under corpus/memos, a row each (COLUMNS), sorted by kind (in the order of
    KINDS) then id, and the problems met.

    `known` says whether the id is in the codebook (competency, ruling) or the bibliography
    (source): a memo on an unknown id is kept, and reported. `text` is the Markdown (line
    ends made \\n, no byte-order mark), `title` its first heading or else first line,
    `links` the (kind, id) of each thing it links to (once each, in order), `modified` the
    file's time (UTC, ISO 8601). Hidden files (an editor's or litcoder's own) are passed over.
    """
    root = Path(root)
    problems: list[Problem] = []
    rows: list[dict] = []
    folder = root / MEMOS
    if folder.is_dir():
        for kind, path in _memo_files(folder, root, problems):
            row = _read_memo(root, kind, path, problems)
            if row is not None:
                rows.append(row)
    elif folder.exists():
        problems.append(Problem("error", MEMOS, None, f"{MEMOS} is a file, where the memos' folder should be",
                                f"move the file away and make {MEMOS} a folder", "memo-place"))
    rows = _one_per_thing(rows, problems)
    known = {"competency": _by_nfc(competencies), "ruling": _by_nfc(competencies), "source": _by_nfc(citekeys)}
    for row in rows:
        _check_memo(row, known, problems)
    order = {kind: i for i, kind in enumerate(KINDS)}
    rows.sort(key=lambda r: (order[r["kind"]], r["id"]))
    return pd.DataFrame(rows, columns=COLUMNS).astype({"known": bool}), problems


def _memo_files(folder: Path, root: Path, problems: list[Problem]) -> list[tuple[str, Path]]:
    """(kind, path) of each Markdown file in a kind's folder; whatever else is there is reported."""
    found = []
    for entry in sorted(_listed(folder, root, problems)):
        name = _relative(entry, root)
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            problems.append(Problem("warning", name, None, f"a file directly in {MEMOS} is not read as a memo",
                                    f"move it into {MEMOS}/<kind>/ (kinds: {', '.join(KINDS)}), named by the id it "
                                    "is about", "memo-place"))
        elif entry.name not in KINDS:
            count = sum(1 for _ in entry.rglob(f"*{SUFFIX}"))
            problems.append(Problem("error", name, None, f"'{entry.name}' is not a kind of memo, so the {count} "
                                    f"memos in it are not read{closest(entry.name, KINDS)}",
                                    f"move them into a folder named one of: {', '.join(KINDS)}", "memo-kind"))
        else:
            found += [(entry.name, path) for path in _kind_files(entry, root, problems)]
    return found


def _kind_files(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    files = []
    for path in sorted(_listed(folder, root, problems)):
        name = _relative(path, root)
        if path.name.startswith("."):
            continue
        if path.is_dir():
            problems.append(Problem("error", name, None, "a folder inside a kind's folder: the memos in it are not "
                                    "read", f"move them up into {_relative(folder, root)}, one file per id",
                                    "memo-place"))
        elif path.suffix.lower() != SUFFIX:
            problems.append(Problem("warning", name, None, f"{path.suffix or 'a file without a suffix'} is not a "
                                    "memo (memos are Markdown, .md), so it is not read",
                                    f"save it as {path.stem}{SUFFIX}, or move it out of {MEMOS}", "memo-format"))
        else:
            files.append(path)
    return files


def _listed(folder: Path, root: Path, problems: list[Problem]) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as err:
        problems.append(Problem("error", _relative(folder, root), None, f"the folder cannot be read "
                                f"({err.strerror or err}), so its memos are not read",
                                "check that you may read the folder", "memo-unreadable"))
        return []


def _read_memo(root: Path, kind: str, path: Path, problems: list[Problem]) -> dict | None:
    log = ProblemLog(_relative(path, root))
    try:
        text = _text(path, log)
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0).isoformat()
    except (OSError, _NotText) as err:
        reason = err.message if isinstance(err, _NotText) else f"it cannot be read ({err.strerror or err})"
        log.error(None, f"{reason}, so this memo is left out", "save it again as UTF-8 Markdown, or check that "
                  "you may read it", "memo-unreadable")
        problems.extend(log)
        return None
    problems.extend(log)
    stem = unicodedata.normalize("NFC", path.name[: -len(SUFFIX)])
    return {"kind": kind, "id": stem, "file": log.file, "known": False, "title": _title(text), "text": text,
            "links": [], "modified": modified}


def _one_per_thing(rows: list[dict], problems: list[Problem]) -> list[dict]:
    """One memo per thing: a second file on the same id (planning.md and planning.MD, or two
    spellings of an accented name) is reported and left out; the one named .md, else the first
    by name, is kept."""
    kept: dict[tuple[str, str], dict] = {}
    for row in sorted(rows, key=lambda r: (not r["file"].endswith(SUFFIX), r["file"])):
        first = kept.setdefault((row["kind"], row["id"]), row)
        if first is not row:
            problems.append(Problem("error", row["file"], None, f"a second memo on {row['kind']} {row['id']} "
                                    f"(beside {first['file']}); this one is not read",
                                    "merge the two into one file and delete this one", "memo-duplicate"))
    return list(kept.values())


def _check_memo(row: dict, known: dict[str, dict[str, str]], problems: list[Problem]) -> None:
    """Mark the memo known (under the id's own spelling) and report what it names that the
    review does not know: its own id, and each link."""
    log = ProblemLog(row["file"])
    spelling = known[row["kind"]].get(row["id"])
    row["known"] = spelling is not None
    row["id"] = spelling or row["id"]
    if spelling is None:
        book = "the bibliography" if row["kind"] == "source" else "the codebook"
        log.warning(None, f"{row['kind']} memo on '{shown(row['id'])}', which is not in {book}"
                    f"{closest(row['id'], known[row['kind']].values())}; it is read, but belongs to nothing",
                    f"rename the file to {'a citekey' if row['kind'] == 'source' else 'a competency id'} (.md), "
                    "or delete it", "memo-unknown")
    if not row["text"].strip():
        log.warning(None, "the memo is empty", "write the memo, or delete the file", "memo-empty")
    links = []
    for kind, thing, line in links_in(row["text"]):
        spelled = _check_link(kind, thing, line, known, log)
        if spelled and (kind, spelled) not in links:
            links.append((kind, spelled))
    row["links"] = links
    problems.extend(log)


def _check_link(kind: str, thing: str, line: int, known: dict[str, dict[str, str]], log: ProblemLog) -> str | None:
    """The linked id as the review spells it, or None after reporting the link at its line."""
    written = f"[[{kind}:{thing}]]"
    if kind not in KINDS:
        log.warning(line, f"{written}: '{shown(kind)}' is not a kind of thing a memo links to{closest(kind, KINDS)}",
                    f"write [[competency:ID]], [[source:CITEKEY]] or [[ruling:ID]] (for a citekey with ':' in it, "
                    f"[[@{kind}:{thing}]])", "memo-link")
        return None
    spelling = known[kind].get(unicodedata.normalize("NFC", thing))
    if spelling is None:
        book = "the bibliography" if kind == "source" else "the codebook"
        hint = ("; it is a citekey: write [[@" + thing + "]]" if kind == "competency" and thing in known["source"]
                else closest(thing, known[kind].values()))
        log.warning(line, f"{written} links to an id not in {book}{hint}",
                    f"use {'a citekey' if kind == 'source' else 'a competency id'} the review knows", "memo-link")
    return spelling


def _by_nfc(ids: set[str]) -> dict[str, str]:
    """Each id under its NFC form: a file name made on a Mac spells accents apart (NFD)."""
    return {unicodedata.normalize("NFC", i): i for i in ids}


class _NotText(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _text(path: Path, log: ProblemLog) -> str:
    """The memo's text as litcoder reads every input (files.read_text), line ends made \\n."""
    text = read_text(path, log)
    if looks_like_utf16(text):
        raise _NotText(NOT_TEXT)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _title(text: str) -> str:
    """The first heading, when the memo starts with one, else its first line, as plain text."""
    for token in _MARKDOWN.parse(text):
        if token.type == "inline":
            first = _plain(token.children or []).strip().split("\n")[0]
            return shown(first, TITLE_LIMIT)
    return ""


def _plain(children) -> str:
    parts = []
    for child in children:
        if child.type == "memo_link":
            parts.append(child.meta["label"] or _default_label(child.meta["kind"], child.meta["id"]))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        else:
            parts.append(child.content)
    return "".join(parts)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ writing


def memo_path(root: Path, kind: str, id: str) -> Path:
    """Where the memo of `kind` on `id` is kept: corpus/memos/<kind>/<id>.md in the review at `root`.

    Raises ValueError for a kind not in KINDS, or an id that cannot name a file (a citekey
    with ':' or '/' in it: layout.file_name_problem), saying what to do.

    >>> memo_path(Path("review"), "source", "Kotter1990WhatLeaders").as_posix()
    'review/corpus/memos/source/Kotter1990WhatLeaders.md'
    """
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not a kind of memo; use one of: {', '.join(KINDS)}")
    unusable = file_name_problem(id)
    if unusable:
        raise ValueError(f"'{shown(id)}' cannot name a memo file ({unusable}); change it in "
                         f"{'the bibliography' if kind == 'source' else 'the codebook'} to one that can "
                         "(letters, digits, - and _), then write the memo")
    return Path(root) / MEMOS / kind / f"{id}{SUFFIX}"


def write_memo(root: Path, kind: str, id: str, text: str, expected: str | None = None) -> Path:
    """Save the memo of `kind` on `id` (atomically, as UTF-8, folders made as needed) and give its path.

    `expected` is the memo's text as the writer read it (`text` of read_memos), None for a
    memo that did not exist: if the file is not that any more, MemoChanged is raised and
    nothing is written (trailing spaces and line ends aside). An empty text is refused
    (ValueError): remove_memo deletes a memo on purpose.
    """
    path = memo_path(root, kind, id)
    if not text.strip():
        raise ValueError("an empty memo is not saved; to delete the memo, use remove_memo")
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"
    with _locked(path, root, text):
        current = _current(path, root, text)
        if not _same(current, expected):
            raise MemoChanged(_relative(path, Path(root)), expected, current, text)
        if current != text:
            _saving(path, root, text)
    return path


def remove_memo(root: Path, kind: str, id: str, expected: str) -> bool:
    """Delete the memo of `kind` on `id`, whose text the remover read as `expected`; True when
    a file was deleted, False when there was none. A memo changed since it was read is not
    deleted: MemoChanged."""
    path = memo_path(root, kind, id)
    with _locked(path, root, None):
        current = _current(path, root, None)
        if current is None:
            return False
        if not _same(current, expected):
            raise MemoChanged(_relative(path, Path(root)), expected, current, None)
        try:
            path.unlink()
        except OSError as err:
            raise MemoError(f"{_relative(path, Path(root))} was not deleted ({err.strerror or err}); check that "
                            "you may write in its folder") from err
    return True


def _same(current: str | None, expected: str | None) -> bool:
    if current is None or expected is None:
        return current is None and expected is None
    return current.rstrip() == expected.replace("\r\n", "\n").replace("\r", "\n").rstrip()


@contextmanager
def _locked(path: Path, root: Path, text: str | None) -> Iterator[None]:
    """Hold the memo's lock (a hidden .<id>.md.lock beside it, which git ignores as *.lock): two
    kernels saving the same memo take turns, so comparing and writing are one step."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MemoError(f"{_relative(path.parent, Path(root))} cannot be made ({err.strerror or err}); nothing "
                        "was saved: check that you may write in the review's folder", text) from err
    lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout as err:
        raise MemoError(f"{_relative(path, Path(root))} is being saved by another window (waited {LOCK_TIMEOUT} "
                        "s); nothing was saved: try again in a moment", text) from err
    except OSError as err:
        raise MemoError(f"{_relative(path, Path(root))} cannot be locked for saving ({err.strerror or err}); "
                        "nothing was saved: check that you may write in its folder", text) from err
    try:
        yield
    finally:
        lock.release()


def _current(path: Path, root: Path, text: str | None) -> str | None:
    """The memo file's text now, as read_memos reads it; None when there is no file."""
    try:
        return _text(path, ProblemLog(""))
    except FileNotFoundError:
        return None
    except (OSError, _NotText) as err:
        reason = err.message if isinstance(err, _NotText) else (err.strerror or str(err))
        raise MemoError(f"{_relative(path, Path(root))} cannot be read ({reason}), so it cannot be compared with "
                        "what you read; nothing was saved: fix or move the file, then save again", text) from err


def _saving(path: Path, root: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as err:
        raise MemoError(f"{_relative(path, Path(root))} was not saved ({err.strerror or err}); your text is kept "
                        "in this error: check that you may write in the folder, then save again", text) from err


# ------------------------------------------------------------------ links


_LINK = re.compile(r"\[\[([^\[\]\n|]+)(?:\|([^\[\]\n]*))?\]\]")


def _target(inner: str) -> tuple[str, str]:
    """(kind, id) of a link's inside: 'kind:id', '@citekey' (a source), or a bare competency id.
    A prefix that is not a kind stays the kind, to be reported."""
    inner = inner.strip()
    if inner.startswith("@"):
        return "source", inner[1:].strip()
    head, colon, rest = inner.partition(":")
    if not colon:
        return "competency", inner
    kind = head.strip().casefold()
    return (kind if kind in KINDS else head.strip()), rest.strip()


def _memo_link_rule(state, silent: bool) -> bool:
    """markdown-it inline rule: `[[...]]` as one memo_link token, met before `[` starts a link."""
    if not state.src.startswith("[[", state.pos):
        return False
    match = _LINK.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    if not silent:
        kind, thing = _target(match[1])
        token = state.push("memo_link", "", 0)
        token.meta = {"kind": kind, "id": thing, "label": (match[2] or "").strip(), "offset": state.pos,
                      "written": match[0]}
    state.pos = match.end()
    return True


def _render_memo_link(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    kind, thing = meta["kind"], meta["id"]
    if kind not in KINDS or not thing:
        return escape(meta["written"])
    label = meta["label"] or (env["name"](kind, thing) if env.get("name") else None) or _default_label(kind, thing)
    href = env["link"](kind, thing) if env.get("link") else None
    if href is None:
        return escape(label)
    return f'<a class="memo-link" href="{escape(href, quote=True)}">{escape(label)}</a>'


def _default_label(kind: str, thing: str) -> str:
    return f"ruling on {thing}" if kind == "ruling" else thing


def _shifted_heading(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    level = min(6, int(token.tag[1]) + env.get("heading", 1) - 1)
    return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"


def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML shown as text (never run), unsafe link schemes refused by
    markdown-it's own check (javascript:, data: …), tables and ~~strikethrough~~, no images
    (a memo's picture would not travel with the report), and the memo links."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
    md.inline.ruler.before("link", "memo_link", _memo_link_rule)
    md.add_render_rule("memo_link", _render_memo_link)
    md.add_render_rule("heading_open", _shifted_heading)
    md.add_render_rule("heading_close", _shifted_heading)
    return md


_MARKDOWN = _markdown()


def links_in(text: str) -> list[tuple[str, str, int]]:
    """(kind, id, line) of each link in a memo's Markdown, in order, as written (a kind that is
    not one of KINDS is given as written, to be reported). Links inside code are text.

    >>> links_in("See [[planning]] and\\n[[@Kotter1990WhatLeaders]], not `[[budgeting]]`.")
    [('competency', 'planning', 1), ('source', 'Kotter1990WhatLeaders', 2)]
    """
    found = []
    for token in _MARKDOWN.parse(text):
        if token.type != "inline" or not token.map:
            continue
        for child in token.children or []:
            if child.type == "memo_link":
                line = token.map[0] + 1 + token.content.count("\n", 0, child.meta["offset"])
                found.append((child.meta["kind"], child.meta["id"], line))
    return found


def memo_html(text: str, link: Callable[[str, str], str | None], name: Callable[[str, str], str | None] | None = None,
              heading: int = 1) -> str:
    """A memo's Markdown as safe HTML for the report or a notebook: everything the memo holds is
    escaped (a <script> in a memo shows as text). Each [[link]] becomes
    <a class="memo-link" href=link(kind, id)>, showing its own words, else name(kind, id),
    else the id; plain text where link gives None. A link to a kind that does not exist shows
    as written. `heading` is the level a memo's top (#) heading takes, so that a memo sits
    under the report's own headings."""
    return _MARKDOWN.render(text, {"link": link, "name": name, "heading": max(1, heading)})


# ------------------------------------------------------------------ looking memos up


def memos_about(memos: pd.DataFrame, kind: str, id: str) -> pd.DataFrame:
    """The memo (a row, or none) of `kind` on `id`, from read_memos' frame."""
    return memos[(memos["kind"] == kind) & (memos["id"] == id)]


def backlinks(memos: pd.DataFrame, kind: str, id: str) -> pd.DataFrame:
    """The other memos that link to the thing of `kind` and `id`, in read_memos' order."""
    target = (kind, id)
    links_to = memos["links"].map(lambda links: target in links).astype(bool)
    itself = (memos["kind"] == kind) & (memos["id"] == id)
    return memos[links_to & ~itself]
