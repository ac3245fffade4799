"""Who changed what and when: the history of a coding, a competency, a ruling or a source.

    litcoder history competency planning
    litcoder history coding coder-a/coder-a-0012

A coding's versions come from its coder's history file and from git (`coding_history`):
every edit, removal and restore made through litcoder appends the coding as it was to
corpus/codings/history/<coder>.csv (see store.CoderFile), and when the review is a git work
tree, the committed versions of the coder's file add what was changed before that file
existed, or by hand and then committed.

`changes` tells the history of any of the four as a table, a row per change, oldest first.
The review's own logs say most of it, each row with its author and date: the rulings
(decisions.csv), the settlements, the codebook change log (renamed, merged, split; an old
id's history is followed into the id it became) and the coders' files and history files.
Git adds what no log records: a competency's entry edited in the codebook (its label, its
definition), a log row changed or removed by hand, a source's attributes, bibliography entry
and text. A commit that only appends a log row is that row, already listed; it is named only
to give a row the author or date it lacks.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

from ..files import decode, read_csv_rows
from ..layout import ATTRIBUTES, BIBLIOGRAPHY, CODEBOOK, CODEBOOK_CHANGES, CODINGS, DECISIONS, SETTLEMENTS, SOURCES
from ..problems import ProblemLog
from ..store import COLUMNS, HISTORY_COLUMNS, CoderFile, CoderFileError, find_row, history_path
from .bibliography import closest
from .codebook import read_codebook
from .codebook_changes import CHANGE_COLUMNS as CHANGE_LOG_COLUMNS
from .codings import KNOWN as CODING_COLUMNS
from .codings import PRACTICE
from .corpus import find_source_files
from .decisions import KNOWN as DECISION_COLUMNS
from .settlements import COLUMNS as SETTLEMENT_COLUMNS
from .settlements import parse_key

CHANGES = ("edited", "reanchored", "removed", "restored")
"""What a history row may say was done."""

GIT_COMMITS = 50
"""How many of the last commits of a coder's file are looked at."""

GIT_TIMEOUT = 20
"""Seconds one git command may take before its answer is given up (a huge repository, a hung drive)."""


def coding_history(review_path: Path, coder: str, coding_id: str, use_git: bool = True,
                   log: ProblemLog | None = None) -> list[dict]:
    """The versions of one coding, oldest first: each a dict with `when`, `how` and the coding's
    values (store.COLUMNS).

    `how` says what the entry is: "edited", "reanchored" (only where the quote is changed,
    after its source's text was edited), "removed" or "restored" (a row of the history file:
    the values as they were before that change, or those put back by a restore, and `when`
    the change was made); "now" (the coding in the coder's file, `when` its edited_at,
    else coded_at; always last); or "git <short-hash> <date>" (a committed version whose
    values none of the other entries has, `when` the commit's time).

    A practice coder's files are found in corpus/codings/practice/. Rows of the history file
    that cannot be read are left out, with their problems in `log` if one is given. Git is
    asked only when `use_git`; no git, a review outside git, or a git command that fails
    gives no git versions, never an error.
    """
    root = Path(review_path)
    path = _coder_path(root, coder)
    if log is None:
        log = ProblemLog(_shown_path(history_path(path), root))
    versions = _from_history_file(path, coding_id, log)
    current = _current(path, coding_id)
    if current is not None:
        versions.append(current)
    if use_git:
        listed = {_values_key(v) for v in versions}
        versions += _from_git(root, path, coding_id, listed)
    return sorted(versions, key=lambda v: (v["how"] == "now", _sort_instant(v)))


def _coder_path(root: Path, coder: str) -> Path:
    """The coder's file: corpus/codings/<coder>.csv, or the practice folder's for a practice coder."""
    path = root / CODINGS / f"{coder}.csv"
    practice = root / CODINGS / PRACTICE / f"{coder}.csv"
    return practice if not path.exists() and practice.exists() else path


def _shown_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _version(when: str, how: str, values: dict) -> dict:
    return {"when": when, "how": how, **{column: values.get(column, "") for column in COLUMNS}}


def _from_history_file(path: Path, coding_id: str, log: ProblemLog) -> list[dict]:
    """The coding's rows in the coder's history file, in the order they were written."""
    history = history_path(path)
    if not history.is_file():
        return []
    try:
        rows = read_csv_rows(history, log, ["change", "changed_at", "id"], HISTORY_COLUMNS) or []
    except OSError as err:
        log.warning(None, f"the history file cannot be read ({err.strerror or err})",
                    "check that the file may be read", "history-file")
        return []
    versions = []
    for row in rows:
        values = row.values
        if values["id"] != coding_id:
            continue
        if values["change"] not in CHANGES or _instant(values["changed_at"]) is None:
            log.warning(row.line, f"this history row is not one litcoder wrote (change '{values['change']}', "
                        f"changed_at '{values['changed_at']}'); it was left out",
                        "leave the history file to litcoder: it only ever appends to it", "history-row")
            continue
        versions.append(_version(values["changed_at"], values["change"], values))
    return versions


def _current(path: Path, coding_id: str) -> dict | None:
    """The coding as the coder's file holds it now; None if it is not there (removed) or not one row."""
    if not path.is_file():
        return None
    try:
        row = CoderFile(path).row(coding_id)
    except CoderFileError:
        return None
    return _version(row.get("edited_at") or row.get("coded_at") or "", "now", row)


def _values_key(version: dict) -> tuple[str, ...]:
    return tuple(version.get(column, "") for column in COLUMNS)


def _instant(when: str) -> datetime | None:
    """A time to sort by (a time without a zone taken as UTC); None for an empty or unreadable one."""
    try:
        moment = datetime.fromisoformat(when)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sort_instant(version: dict) -> datetime:
    """A version's time to sort by; one without a readable time comes first (its age is unknown)."""
    return _instant(version["when"]) or datetime.min.replace(tzinfo=UTC)


# ---------------------------------------------------------------- git


def _from_git(root: Path, path: Path, coding_id: str, listed: set[tuple[str, ...]]) -> list[dict]:
    """The committed versions of the coding whose values are not in `listed`, each the oldest
    commit that has them."""
    git = shutil.which("git")
    if git is None or not root.is_dir():
        return []
    try:
        relative = path.relative_to(root).as_posix()
    except ValueError:
        return []
    commits = _git(git, root, "log", f"-n{GIT_COMMITS}", "--format=%h %cI", "--", relative)
    prefix = _git(git, root, "rev-parse", "--show-prefix")
    if not commits or prefix is None:
        return []
    dated = [line.strip().partition(" ")[::2] for line in commits.decode("utf-8", errors="replace").splitlines()]
    dated = [(short, date) for short, date in reversed(dated) if short and _instant(date) is not None]  # oldest first
    wanted = f"{prefix.decode('utf-8', errors='replace').strip()}{relative}"
    blobs = _git(git, root, "cat-file", "--batch", stdin="".join(f"{short}:{wanted}\n" for short, _ in dated))
    versions = []
    for (short, date), data in zip(dated, _batch_contents(blobs or b"", len(dated))):
        values = _coding_in(data, coding_id)
        if values is None:
            continue
        version = _version(date, f"git {short} {date[:10]}", values)
        if _values_key(version) not in listed:
            listed.add(_values_key(version))
            versions.append(version)
    return versions


def _batch_contents(output: bytes, count: int) -> list[bytes | None]:
    """The objects `git cat-file --batch` printed, in the order asked (None for one it did not find);
    fewer than `count` if its output stops short."""
    contents: list[bytes | None] = []
    at = 0
    while len(contents) < count:
        end = output.find(b"\n", at)
        if end < 0:
            break
        fields = output[at:end].split()
        if len(fields) == 3 and fields[2].isdigit():
            size = int(fields[2])
            contents.append(output[end + 1:end + 1 + size])
            at = end + 1 + size + 1  # the object, then a line end
        else:  # "<name> missing", "<name> ambiguous"
            contents.append(None)
            at = end + 1
    return contents


def _coding_in(data: bytes | None, coding_id: str) -> dict | None:
    """The coding's values in a committed version of the coder's file, or None."""
    if data is None:
        return None
    if coding_id.isascii() and b"\x00" not in data[:4096] and coding_id.encode() not in data:
        return None  # a version without the coding: no need to read it as text (UTF-16 has NULs)
    return find_row(decode(data).text, coding_id)


def _git(git: str, root: Path, *args: str, stdin: str | None = None) -> bytes | None:
    """What a git command prints, run in the review's folder; None if it fails in any way."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run([git, *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT, env=env, check=False,
                              input=stdin.encode("utf-8") if stdin is not None else None)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# ---------------------------------------------------------------- changes: who changed what and when

KINDS = ("competency", "coding", "ruling", "source")
"""What `changes` tells the history of."""

CHANGE_COLUMNS = ["when", "who", "what", "where"]

SHOWN_ONE_BY_ONE = 3
"""A coder's codings of one thing, made (or edited, removed) on one day, are told one by one up to
this many; more are one row that counts them, so that a day of coding does not bury the rulings."""

SAID = 70
"""How much of a rationale or a commit's subject a row quotes."""

CODING_FIELDS = ("citekey", "passage", "competency", "framing", "quote", "memo")
"""A coding's values whose change an edit is told by (not its place in the text: re-anchoring is no edit)."""


def changes(review_path: Path, kind: str, key: str, use_git: bool = True,
            log: ProblemLog | None = None) -> pd.DataFrame:
    """Who changed what and when: a row per change of one competency, coding, ruling or source,
    oldest first, with columns when (ISO), who, what (a sentence) and where (file:line, or
    "git <short-hash>"; a log row whose author or date git supplied says "file:line · git <hash>").

    `kind` is one of KINDS; `key` a competency's id (today's, or an old one the codebook change
    log names), a coding's "<coder>/<id>" or id alone, or a source's citekey. A competency's
    history holds its rulings, the settlements on it, the codebook changes that renamed, merged
    or split it (and, through them, its old ids' history) and the codings made to it; a
    ruling's only the rulings (and rulings retired by a merge or split); a source's its codings,
    settlements, and, from git, its attributes, bibliography entry and text; a coding's its
    versions (`coding_history`), each change told by the values it changed. Codings are the
    committee coders' (not practice coders'); a coder is taken as the author of every change to
    their own file. Re-anchoring (only the quote's place changed) and codings carried along by a
    rename or merge are not told as edits. Each git question looks at the last GIT_COMMITS
    commits. Git is asked only
    when `use_git`, and never fails the history. Files that cannot be read add their problems to
    `log`. ValueError for an unknown kind or key, with the closest known ones.
    """
    root = Path(review_path)
    if kind not in KINDS:
        raise ValueError(f"'{kind}' is not something with a history{closest(kind, KINDS)}: use one of "
                         f"{', '.join(KINDS)}")
    reading = _Reading(root, log)
    git = _Git(root) if use_git else None
    if kind == "coding":
        found = _coding_changes(reading, key, git)
    elif kind == "source":
        found = _source_changes(reading, key, git)
    else:
        found = _competency_changes(reading, key, git, rulings_only=kind == "ruling")
    if git is not None:
        git.fill_who(reading, found)
    ordered = sorted(enumerate(found), key=lambda pair: (_instant(pair[1]["when"]) or _EPOCH, pair[0]))
    return pd.DataFrame([{c: change[c] for c in CHANGE_COLUMNS} for _, change in ordered], columns=CHANGE_COLUMNS)


_EPOCH = datetime.min.replace(tzinfo=UTC)


def _change(when: str, who: str, what: str, where: str, line_of: tuple[str, int] | None = None) -> dict:
    """A row of the history; `line_of` (file, line) names the log row git may give an author or date."""
    return {"when": when, "who": who, "what": what, "where": where, "line_of": line_of}


def _said(text: str, limit: int = SAID) -> str:
    """The start of a text, on one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _as(name: str, key: str) -> str:
    return "" if name == key else f" (as {name})"


class _Reading:
    """The review's logs, each read once, with their problems passed to the caller's log."""

    def __init__(self, root: Path, log: ProblemLog | None):
        self.root, self.log, self._read = root, log, {}

    def rows(self, name: str, required: list[str], known: list[str]) -> list:
        if name not in self._read:
            path, file_log = self.root / name, ProblemLog(name)
            rows = []
            if path.is_file():
                try:
                    rows = read_csv_rows(path, file_log, required, known) or []
                except OSError as err:
                    file_log.warning(None, f"the file cannot be read ({err.strerror or err}); the history leaves "
                                     "it out", "check that the file may be read", "history-file")
            if self.log is not None:
                self.log.extend(file_log)
            self._read[name] = rows
        return self._read[name]

    def decisions(self) -> list:
        return self.rows(DECISIONS, ["competency", "classification"], DECISION_COLUMNS)

    def settlements(self) -> list:
        return self.rows(SETTLEMENTS, ["item", "resolution"], [*SETTLEMENT_COLUMNS, "conflict"])

    def codebook_changes(self) -> list:
        return self.rows(CODEBOOK_CHANGES, ["change", "competency", "into"], CHANGE_LOG_COLUMNS)

    def coder_files(self) -> list[str]:
        """The committee coders' files (practice coders' are not the review's yet)."""
        folder = self.root / CODINGS
        return sorted(f"{CODINGS}/{p.name}" for p in folder.glob("*.csv") if not p.name.startswith(".")) \
            if folder.is_dir() else []

    def codings(self, name: str) -> list:
        return self.rows(name, ["id"], CODING_COLUMNS)

    def history(self, name: str) -> list:
        return self.rows(_shown_path(history_path(self.root / name), self.root), ["change", "changed_at", "id"],
                         HISTORY_COLUMNS)

    def competencies(self) -> set[str]:
        frame, _, _, _ = read_codebook(self.root / CODEBOOK, CODEBOOK)
        return set(frame["competency"])

    def carries(self) -> set[tuple[str, str]]:
        """(old, new) of every rename and merge: a coding's competency changed so was carried by the codebook."""
        return {(r.values["competency"], r.values["into"].strip()) for r in self.codebook_changes()
                if r.values["change"] in ("rename", "merge")}


# ---------------------------------------------------------------- a competency, a ruling


def _competency_changes(reading: _Reading, key: str, git: _Git | None, rulings_only: bool) -> list[dict]:
    logged = reading.codebook_changes()
    known = reading.competencies() | {r.values["competency"] for r in logged} | {
        part for r in logged for part in r.values["into"].split()}
    if key not in known:
        raise ValueError(f"no competency '{key}' in {CODEBOOK} or {CODEBOOK_CHANGES}{closest(key, known)}")
    names = _former_names(key, logged)
    found = _rulings(reading, key, names) + _retired_rulings(reading, names)
    if git is not None:
        found += git.hand_edits([DECISIONS], names, "a ruling")
    if rulings_only:
        return found
    found += _settlements(reading, names, lambda parts: parts["competency"], key)
    found += _codebook_log(reading, key, names)
    found += _codings(reading, lambda values: values.get("competency", "") in names, detail="framing")
    if git is not None:
        found += git.codebook_entry(key, names, reading)
        found += git.hand_edits([SETTLEMENTS, CODEBOOK_CHANGES], names, "a log row")
    return found


def _former_names(key: str, logged: list) -> set[str]:
    """The competency's id and every id renamed or merged into it, however many steps back."""
    names = {key}
    while True:
        more = {r.values["competency"] for r in logged
                if r.values["change"] in ("rename", "merge") and r.values["into"].strip() in names} - names
        if not more:
            return names
        names |= more


def _rulings(reading: _Reading, key: str, names: set[str]) -> list[dict]:
    found = []
    for row in reading.decisions():
        values = row.values
        if values["competency"] not in names:
            continue
        ruled = values["classification"].lower()
        if ruled == "contested" and values.get("lists"):
            ruled += f", kept in {'both lists' if values['lists'] == 'both' else 'neither list'}"
        what = f"ruled {ruled}{_as(values['competency'], key)}: {_said(values.get('rationale', ''))}"
        found.append(_change(values.get("decided_on", ""), values.get("decided_by", ""), what,
                             f"{DECISIONS}:{row.line}", (DECISIONS, row.line)))
    return found


def _retired_rulings(reading: _Reading, names: set[str]) -> list[dict]:
    """Rulings a merge or split took out of decisions.csv: the log's note keeps them."""
    return [_change(r.values["changed_at"], r.values["changed_by"],
                    f"ruling retired when {r.values['competency']} was {_moved(r.values)}: {_said(r.values['note'])}",
                    f"{CODEBOOK_CHANGES}:{r.line}", (CODEBOOK_CHANGES, r.line))
            for r in reading.codebook_changes()
            if r.values["change"] in ("merge", "split") and r.values["competency"] in names and r.values["note"]]


def _moved(values: dict) -> str:
    into = values["into"].split()
    return {"rename": f"renamed to {into[0]}", "merge": f"merged into {into[0]}"}.get(
        values["change"], f"split into {' and '.join(into)}")


def _codebook_log(reading: _Reading, key: str, names: set[str]) -> list[dict]:
    """The codebook changes that made the competency what it is, or that it underwent."""
    found = []
    for row in reading.codebook_changes():
        values = row.values
        old, into = values["competency"], values["into"].split()
        if old in names and set(into) & names:
            what = f"{old} {_moved(values)}" if values["change"] == "merge" else f"renamed from {old} to {into[0]}"
        elif old in names:
            what = _moved(values)
        elif key in into:
            what = f"split from {old} (into {' and '.join(into)})" if values["change"] == "split" else \
                f"{old} {_moved(values)}"
        else:
            continue
        why = f": {_said(values['why'])}" if values.get("why") else ""
        found.append(_change(values["changed_at"], values["changed_by"], what + why,
                             f"{CODEBOOK_CHANGES}:{row.line}", (CODEBOOK_CHANGES, row.line)))
    return found


def _settlements(reading: _Reading, names: set[str], named, key: str) -> list[dict]:
    """The settlements whose item names the thing (`named(parts)` in `names`)."""
    found = []
    for row in reading.settlements():
        values, parts = row.values, parse_key(row.values["item"])
        if parts is None or named(parts) not in names:
            continue
        if parts["kind"] == "framing":
            what = f"settled the framing of {parts['competency']} in {parts['citekey']} as {values['resolution']}"
        else:
            what = (f"settled {parts['competency']} {values['resolution']} in {parts['citekey']} passage "
                    f"{parts['passage']}")
        why = f": {_said(values.get('rationale', ''))}" if values.get("rationale") else ""
        found.append(_change(values.get("settled_on", ""), values.get("settled_by", ""), what + why,
                             f"{SETTLEMENTS}:{row.line}", (SETTLEMENTS, row.line)))
    return found


# ---------------------------------------------------------------- codings made, edited, removed


def _codings(reading: _Reading, wanted, detail: str) -> list[dict]:
    """The codings `wanted(values)` picks, from every committee coder's file and history file:
    coded, edited, removed, restored. A coder's many on one day are one row (SHOWN_ONE_BY_ONE);
    `detail` ("framing" or "competency") is what such a row counts."""
    events = []
    carries = reading.carries()
    for name in reading.coder_files():
        coder = Path(name).stem
        current = {r.values["id"]: r for r in reading.codings(name)}
        history = _history_by_id(reading, name)
        for coding_id, row in current.items():
            if wanted(row.values):
                events.append(_event(coder, "coded", row.values.get("coded_at", ""), row.values, f"{name}:{row.line}",
                                     f"coded {_passage(row.values)} as {_coded_as(row.values)}", detail))
                if row.values.get("edited_at") and coding_id not in history:
                    events.append(_event(coder, "edited", row.values["edited_at"], row.values, f"{name}:{row.line}",
                                         f"edited its coding of {_passage(row.values)} (what changed was not "
                                         "recorded)", detail))
        history_file = _shown_path(history_path(reading.root / name), reading.root)
        for coding_id, rows in history.items():
            now = current.get(coding_id)
            events += _history_events(coder, rows, now.values if now else None, wanted, carries, history_file, detail)
    return _summarised(events)


def _history_by_id(reading: _Reading, name: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for row in reading.history(name):
        if row.values["change"] in CHANGES and _instant(row.values["changed_at"]) is not None:
            found.setdefault(row.values["id"], []).append(row)
    return found


def _history_events(coder: str, rows: list, now: dict | None, wanted, carries: set, file: str,
                    detail: str) -> list[dict]:
    """Each change of one coding its history file records, told from the values before and after it."""
    events = []
    for n, row in enumerate(rows):
        before, change = row.values, row.values["change"]
        after = rows[n + 1].values if n + 1 < len(rows) else now
        if change == "removed" and wanted(before):
            what = f"removed its coding of {_passage(before)} ({_coded_as(before)})"
        elif change == "restored" and wanted(before):
            what = f"restored its coding of {_passage(before)} ({_coded_as(before)})"
        elif change == "edited" and after is not None and (wanted(before) or wanted(after)):
            changed = [f for f in CODING_FIELDS if before.get(f, "") != after.get(f, "")]
            if not changed or (changed == ["competency"] and (before["competency"], after["competency"]) in carries):
                continue  # carried along by a rename or merge: the codebook change says it
            what = f"edited its coding of {_passage(before)}: " + "; ".join(
                f"{f} {_said(before.get(f, ''), 30) or '(none)'} → {_said(after.get(f, ''), 30) or '(none)'}"
                for f in changed)
        else:
            continue
        events.append(_event(coder, change, before["changed_at"], after if change == "edited" else before,
                             f"{file}:{row.line}", what, detail))
    return events


def _passage(values: dict) -> str:
    return f"passage {values.get('passage', '') or '?'} of {values.get('citekey', '') or '?'}"


def _coded_as(values: dict) -> str:
    return f"{values.get('competency', '') or '?'}, {values.get('framing', '') or '?'}"


def _event(coder: str, verb: str, when: str, values: dict, where: str, what: str, detail: str) -> dict:
    return {**_change(when, coder, what, where), "verb": verb, "detail": values.get(detail, "")}


def _summarised(events: list[dict]) -> list[dict]:
    """A coder's events of one kind on one day: one by one up to SHOWN_ONE_BY_ONE, else one row
    counting them (at the first one's time and row)."""
    groups: dict[tuple, list[dict]] = {}
    for event in events:
        groups.setdefault((event["who"], event["verb"], event["when"][:10]), []).append(event)
    found = []
    for (_, verb, _), group in groups.items():
        if len(group) <= SHOWN_ONE_BY_ONE:
            found += group
            continue
        group.sort(key=lambda e: _instant(e["when"]) or _EPOCH)
        counts = pd.Series([e["detail"] or "?" for e in group]).value_counts()
        said = ", ".join(f"{count} {detail}" for detail, count in sorted(counts.items(), key=lambda kv: (-kv[1],
                                                                                                       kv[0])))
        noun = "passages" if verb == "coded" else "codings"
        found.append(_change(group[0]["when"], group[0]["who"], f"{verb} {len(group)} {noun} ({said})",
                             f"{group[0]['where']} and {len(group) - 1} more"))
    return found


# ---------------------------------------------------------------- a source


def _source_changes(reading: _Reading, key: str, git: _Git | None) -> list[dict]:
    known = _citekeys(reading)
    if key not in known:
        raise ValueError(f"no source '{key}' in {BIBLIOGRAPHY}, {SOURCES} or the coders' files{closest(key, known)}")
    found = _codings(reading, lambda values: values.get("citekey", "") == key, detail="competency")
    found += _settlements(reading, {key}, lambda parts: parts["citekey"], key)
    if git is not None:
        found += git.attributes(key)
        found += git.mentions(BIBLIOGRAPHY, key, "bibliography entry changed in git")
        found += git.source_text(key)
        found += git.hand_edits([SETTLEMENTS], {key}, "a settlement")
    return found


def _citekeys(reading: _Reading) -> set[str]:
    """Every citekey the review names: the bibliography's, the texts', the coders', the attributes'."""
    keys = set()
    bibliography = reading.root / BIBLIOGRAPHY
    if bibliography.is_file():
        keys |= set(re.findall(r"@\w+\s*[{(]\s*([^,\s{}()]+)\s*,", decode(bibliography.read_bytes()).text))
    keys |= set(find_source_files(reading.root / SOURCES))
    keys |= {r.values.get("citekey", "") for name in reading.coder_files() for r in reading.codings(name)}
    keys |= {r.values.get("citekey", "") for r in reading.rows(ATTRIBUTES, ["citekey"], ["citekey"])}
    return keys - {""}


# ---------------------------------------------------------------- a coding


def _coding_changes(reading: _Reading, key: str, git: _Git | None) -> list[dict]:
    coder, coding_id = _whose(reading, key)
    versions = coding_history(reading.root, coder, coding_id, use_git=git is not None, log=reading.log)
    path = _coder_path(reading.root, coder)
    name = _shown_path(path, reading.root)
    history = _shown_path(history_path(path), reading.root)
    lines = {(r.values["change"], r.values["changed_at"]): r.line for r in reading.rows(
        history, ["change", "changed_at", "id"], HISTORY_COLUMNS) if r.values["id"] == coding_id}
    now_line = next((r.line for r in reading.rows(name, ["id"], CODING_COLUMNS) if r.values["id"] == coding_id), None)
    authors = git.authors([v["how"].split()[1] for v in versions if v["how"].startswith("git ")]) if git else {}
    found, before = [], None
    for n, version in enumerate(versions):
        how = version["how"]
        if how.startswith("git "):
            short = how.split()[1]
            where, who = f"git {short}", authors.get(short, "")
        elif how == "now":
            where, who = f"{name}:{now_line}" if now_line else name, coder
        else:
            line = lines.get((how, version["when"]))
            where, who = f"{history}:{line}" if line else history, coder
        if before is None:
            first = f"{name}:{now_line}" if now_line else where
            found.append(_change(version["coded_at"] or version["when"], coder,
                                 f"coded {_passage(version)} as {_coded_as(version)}", first))
        elif how.startswith("git ") and _differences(before, version):
            found.append(_change(version["when"], who, f"committed in git: {_differences(before, version)}", where))
        if how in ("edited", "removed", "restored"):
            after = versions[n + 1] if n + 1 < len(versions) else None
            said = {"removed": "removed", "restored": "restored"}.get(how) or (
                f"edited: {_differences(version, after) or 'its place in the text only'}" if after else "edited")
            found.append(_change(version["when"], who, said, where))
        before = version
    return found


def _differences(before: dict, after: dict) -> str:
    changed = [f for f in CODING_FIELDS if before.get(f, "") != after.get(f, "")]
    return "; ".join(f"{f} {_said(before.get(f, ''), 30) or '(none)'} → {_said(after.get(f, ''), 30) or '(none)'}"
                     for f in changed)


def _whose(reading: _Reading, key: str) -> tuple[str, str]:
    """(coder, id) of a coding named "<coder>/<id>" or by its id alone."""
    coder, _, coding_id = key.rpartition("/")
    files = reading.coder_files() + _practice_files(reading.root)
    holders = {}
    for name in files:
        if coder and Path(name).stem != coder:
            continue
        ids = {r.values["id"] for r in reading.codings(name)} | {r.values["id"] for r in reading.history(name)}
        if coding_id in ids:
            holders[Path(name).stem] = name
    if len(holders) == 1:
        return next(iter(holders)), coding_id
    if holders:
        raise ValueError(f"coding '{coding_id}' is in the files of {' and '.join(sorted(holders))}: name one, e.g. "
                         f"{sorted(holders)[0]}/{coding_id}")
    known = {r.values["id"] for name in files for r in reading.codings(name)}
    where = f"{coder}'s file" if coder else "any coder's file"
    raise ValueError(f"no coding '{coding_id}' in {where}{closest(coding_id, known)}")


def _practice_files(root: Path) -> list[str]:
    folder = root / CODINGS / PRACTICE
    return sorted(f"{CODINGS}/{PRACTICE}/{p.name}" for p in folder.glob("*.csv")) if folder.is_dir() else []


# ---------------------------------------------------------------- what git adds


class _Git:
    """The review's git history, asked only when a history needs it; no git, no repository or a
    failing command gives nothing, never an error."""

    FORMAT = "%x00%h%x09%aI%x09%an%x09%s"

    def __init__(self, root: Path):
        self.root = root
        self.git = shutil.which("git") if root.is_dir() else None

    def run(self, *args: str, stdin: str | None = None) -> str | None:
        if self.git is None:
            return None
        out = _git(self.git, self.root, *args, stdin=stdin)
        return None if out is None else out.decode("utf-8", errors="replace")

    def commits(self, *args: str) -> list[tuple[str, str, str, str, str]]:
        """(short hash, author date, author, subject, the rest: a patch or file names), newest first."""
        out = self.run("log", f"-n{GIT_COMMITS}", f"--format={self.FORMAT}", *args) or ""
        found = []
        for block in out.split("\x00")[1:]:
            head, _, rest = block.partition("\n")
            fields = head.split("\t", 3)
            if len(fields) == 4:
                found.append((*fields, rest))
        return found

    def authors(self, shorts: list[str]) -> dict[str, str]:
        out = self.run("show", "-s", "--format=%h%x09%an", *shorts) if shorts else None
        return dict(line.split("\t", 1) for line in (out or "").splitlines() if "\t" in line)

    def _change(self, commit: tuple, what: str) -> dict:
        short, when, author, subject, _ = commit
        return _change(when, author, f"{what} (git: {_said(subject)})", f"git {short}")

    def hand_edits(self, files: list[str], names: set[str], what: str) -> list[dict]:
        """Commits that changed or removed, rather than appended, a row of these logs naming one of
        `names` (an appended row is listed from the log itself). A commit that logs a codebook
        change is that change rewriting the logs (the change log's row tells it), not a hand edit."""
        pattern = _mentioning(names)
        found = []
        for commit in self.commits("-G" + _ere(names), "--pickaxe-all", "-p", "--unified=0", "--no-ext-diff", "--",
                                   *dict.fromkeys([*files, CODEBOOK_CHANGES])):
            file, removed, logged = "", set(), False
            for line in commit[4].splitlines():
                if line.startswith("diff --git "):  # paths from the repository's top, quoted when unusual
                    named = line.rstrip('"')
                    file = next((f for f in files if named.endswith(f"/{f}")), "")
                    logged = logged or named.endswith(f"/{CODEBOOK_CHANGES}")
                elif file and line.startswith("-") and not line.startswith("--- ") and pattern.search(line[1:]):
                    removed.add(Path(file).name)
            if removed and not logged:
                found.append(self._change(commit, f"{what} changed or removed by hand in {', '.join(sorted(removed))}"))
        return found

    def mentions(self, file: str, key: str, what: str) -> list[dict]:
        return [self._change(c, what) for c in self.commits("-G" + _ere({key}), "--", file)]

    def attributes(self, citekey: str) -> list[dict]:
        """The source's row of corpus/attributes.csv as each commit changed it (read with today's header)."""
        path = self.root / ATTRIBUTES
        header = next(csv.reader([path.read_text(encoding="utf-8-sig").partition("\n")[0]]), []) \
            if path.is_file() else []
        header = [h.strip().lower() for h in header]
        pattern = _mentioning({citekey})
        found = []
        for commit in self.commits("-G" + _ere({citekey}), "-p", "--unified=0", "--no-ext-diff", "--", ATTRIBUTES):
            sides = {"-": {}, "+": {}}
            for line in commit[4].splitlines():
                if line[:1] in sides and not line.startswith(("--- ", "+++ ")) and pattern.search(line[1:]):
                    cells = next(csv.reader([line[1:]]), [])
                    sides[line[0]] = dict(zip(header, (c.strip() for c in cells)))
            changed = [h for h in header[1:] if sides["-"].get(h, "") != sides["+"].get(h, "")]
            said = "; ".join(f"{h} {sides['-'].get(h) or '(none)'} → {sides['+'].get(h) or '(none)'}"
                             for h in changed)
            found.append(self._change(commit, f"attributes changed: {said}" if said else "attributes row changed"))
        return found

    def source_text(self, citekey: str) -> list[dict]:
        spec = f":(glob){SOURCES}/{_glob_escaped(citekey)}.*"
        found = []
        for commit in self.commits("--name-status", "--", spec):
            done = {"A": "text added", "D": "text deleted"}
            statuses = [line.split("\t") for line in commit[4].splitlines() if "\t" in line]
            said = ", ".join(f"{done.get(s[0][:1], 'text changed')}: {Path(s[-1]).name}" for s in statuses)
            found.append(self._change(commit, said or "text changed"))
        return found

    def codebook_entry(self, key: str, names: set[str], reading: _Reading) -> list[dict]:
        """Commits that changed the competency's entry in the codebook (its label, definition …),
        read from each committed version; an id changed by a logged rename, merge or split is that
        log row's, and not told again."""
        commits = list(reversed(self.commits("--", CODEBOOK)))  # oldest first
        prefix = (self.run("rev-parse", "--show-prefix") or "").strip()
        if not commits:
            return []
        blobs = _batch_contents(_git(self.git, self.root, "cat-file", "--batch", stdin="".join(
            f"{c[0]}:{prefix}{CODEBOOK}\n" for c in commits)) or b"", len(commits))
        logged = {(r.values["competency"], part) for r in reading.codebook_changes()
                  for part in r.values["into"].split()}
        found, before = [], None
        for n, (commit, blob) in enumerate(zip(commits, blobs)):
            entry = _entry(blob, names)
            if n == 0 and len(commits) == GIT_COMMITS:
                before = entry  # its version before is not looked at: what changed is not known
                continue
            said = _entry_change(before, entry, logged)
            if said:
                found.append(self._change(commit, said))
            before = entry
        return found

    def fill_who(self, reading: _Reading, found: list[dict]) -> None:
        """Give a log row that lacks its author or date the commit that added it (git blame)."""
        lacking = {c["line_of"][0] for c in found if c.get("line_of") and not (c["who"] and c["when"])}
        blamed = {name: self.blame(name) for name in lacking}
        for change in found:
            if change.get("line_of") and change["line_of"][0] in blamed:
                commit = blamed[change["line_of"][0]].get(change["line_of"][1])
                if commit and not (change["who"] and change["when"]):
                    change["who"] = change["who"] or commit[1]
                    change["when"] = change["when"] or commit[2]
                    change["where"] += f" · git {commit[0]}"

    def blame(self, name: str) -> dict[int, tuple[str, str, str]]:
        """Line → (short hash, author, date) of the commit that last wrote it (lines not committed left out)."""
        out = self.run("blame", "--line-porcelain", "--", name) or ""
        found, current, line = {}, {}, 0
        for text in out.splitlines():
            if text.startswith("\t"):
                if current.get("hash", "").strip("0"):
                    found[line] = (current["hash"][:7], current.get("author", ""), current.get("time", ""))
                current = {}
            elif re.fullmatch(r"[0-9a-f]{40} \d+ \d+( \d+)?", text):
                current["hash"], line = text.split()[0], int(text.split()[2])
            elif text.startswith("author "):
                current["author"] = text[7:]
            elif text.startswith("author-time "):
                current["time"] = datetime.fromtimestamp(int(text[12:]), UTC).isoformat()
        return found


def _entry(blob: bytes | None, names: set[str]) -> dict | None:
    """The competency's entry (under any of its names) in a committed version of the codebook."""
    if blob is None:
        return None
    try:
        document = yaml.load(decode(blob).text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict):
        return None
    lists = [g.get("competencies") for g in document.get("groups") or [] if isinstance(g, dict)]
    for listed in [*lists, document.get("competencies")]:
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, dict) and str(item.get("id")) in names:
                return item
    return None


def _entry_change(before: dict | None, after: dict | None, logged: set[tuple[str, str]]) -> str:
    """What a commit did to a competency's entry, in words; '' when nothing (or only a logged id change)."""
    if before == after:
        return ""
    if after is None:  # taken out by a logged merge or split: the change log's row says so
        return "" if any(old == str(before.get("id")) for old, _ in logged) else "removed from the codebook"
    if before is None:  # made by a logged split: likewise
        return "" if any(new == str(after.get("id")) for _, new in logged) else "added to the codebook"
    old, new = str(before.get("id")), str(after.get("id"))
    fields = [f for f in dict.fromkeys([*before, *after]) if f != "id" and before.get(f) != after.get(f)]
    said = []
    if old != new and (old, new) not in logged:
        said.append(f"id changed from {old} to {new}")
    if "label" in fields:
        said.append(f"label changed in the codebook: '{before.get('label', '')}' → '{after.get('label', '')}'")
    rest = [f for f in fields if f != "label"]
    if rest:
        said.append(f"{', '.join(rest)} changed in the codebook")
    return "; ".join(said)


def _mentioning(names: set[str]) -> re.Pattern:
    """A line naming one of `names` as a whole id (not as the start of a longer one)."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")


def _ere(names: set[str]) -> str:
    """`names` as a POSIX extended regular expression (git log -G), any one of them."""
    return "|".join(re.sub(r"([.\[\](){}*+?|^$\\])", r"\\\1", name) for name in sorted(names))


def _glob_escaped(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
