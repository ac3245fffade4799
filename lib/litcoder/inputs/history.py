"""A coding's history: the values it has had, from the coder's history file and from git.

Every edit, removal and restore made through litcoder appends the coding as it was to
corpus/codings/history/<coder>.csv (see store.CoderFile). When the review is a git work
tree, the committed versions of the coder's file add what was changed before that file
existed, or by hand and then committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from ..files import decode, read_csv_rows
from ..layout import CODINGS
from ..problems import ProblemLog
from ..store import COLUMNS, HISTORY_COLUMNS, CoderFile, CoderFileError, find_row, history_path
from .codings import PRACTICE

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
