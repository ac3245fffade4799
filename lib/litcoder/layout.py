"""Where a review keeps each of its files, relative to the review's folder.

The inputs are made by people and merged with git; `outputs/` and `.litcoder/` are
derived, rebuilt by litcoder and never committed: litcoder writes only in folders of its
own inside the review (see `derived_folder`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = "litcoder.toml"
BIBLIOGRAPHY = "references.bib"
SOURCES = "corpus/sources"
CODEBOOK = "corpus/codebook.yaml"
CODINGS = "corpus/codings"
COVERAGE = "corpus/coverage"
SETTLEMENTS = "corpus/settlements.csv"
ATTRIBUTES = "corpus/attributes.csv"
CODEBOOK_CHANGES = "corpus/codebook-changes.csv"
ASSIGNMENTS = "corpus/assignments.csv"
MEMOS = "corpus/memos"
DECISIONS = "corpus/decisions.csv"
SCREENING = "corpus/screening"
SCREENING_RESOLVED = "corpus/screening-resolved.csv"

OUTPUTS = "outputs"
LOCAL = ".litcoder"
"""This machine's own state: the remembered coder and the cache of extracted texts."""
CACHE = f"{LOCAL}/cache"

NAME_LIMIT = 100
"""The longest citekey or coder name that may name a file: well under every file
system's 255-byte limit once a suffix and UTF-8 are counted, and readable in a list."""

_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_NOT_IN_NAMES = set('/\\:*?"<>|')


def file_name_problem(name: str) -> str | None:
    """Why `name` (a citekey or coder name) cannot name a file on every system, or None.

    Such names become `corpus/sources/<citekey>.pdf` and `corpus/codings/<coder>.csv` on
    Windows, macOS and Linux alike, and in git.

    >>> file_name_problem("Kotter1990WhatLeaders") is None
    True
    >>> file_name_problem("../../escape")
    "it holds '/', which no file name may hold"
    >>> file_name_problem("DBLP:Smith20")
    "it holds ':', which a file name on Windows may not hold"
    >>> file_name_problem("CON")
    "'CON' names a device on Windows"
    """
    if not name or not name.strip():
        return "it is empty"
    if len(name) > NAME_LIMIT:
        return f"it is {len(name)} characters long; at most {NAME_LIMIT} can name a file"
    bad = sorted({c for c in name if c in _NOT_IN_NAMES or ord(c) < 32 or ord(c) == 127})
    if bad:
        shown = ", ".join(repr(c)[1:-1] if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        rule = "no file name may hold" if {"/", "\x00"} & set(bad) else "a file name on Windows may not hold"
        return f"it holds '{shown}', which {rule}"
    if name.startswith("."):
        return "it starts with '.', which hides a file"
    if name[-1] in ". ":
        return "it ends with a dot or a space, which Windows drops from file names"
    if name.split(".")[0].strip().lower() in _WINDOWS_DEVICES:
        return f"'{name}' names a device on Windows"
    return None


class RefusedFolder(Exception):
    """A derived folder litcoder must not write in (see `derived_folder_problem`); the message
    says which, why, and what to do."""


@dataclass(frozen=True)
class FolderProblem:
    """Why a derived folder cannot be used: which folder (relative to the review), what is
    wrong with it, and what to do."""

    folder: str
    message: str
    action: str


def derived_folder_problem(root: Path, folder: str) -> FolderProblem | None:
    """Why litcoder may not write in `folder` (OUTPUTS, CACHE, or a folder inside one, relative
    to the review at `root`), or None when it may.

    Derived folders are litcoder's own, made anew when missing. One that is a link (a link is
    committed where a `.gitignore` line with a trailing slash ignores only folders), is a file,
    or lies outside the review is refused: writing or pruning there would change files that
    are not the review's.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> derived_folder_problem(root, "outputs/tables") is None
    True
    >>> (root / "outputs").symlink_to(tempfile.gettempdir())
    >>> derived_folder_problem(root, "outputs/tables").message.split(" (")[0]
    'outputs is a link'
    """
    root = Path(root).resolve()
    parts = Path(folder).parts
    for depth in range(1, len(parts) + 1):
        relative = "/".join(parts[:depth])
        path = root.joinpath(*parts[:depth])
        try:
            if path.is_symlink():
                return FolderProblem(relative, f"{relative} is a link (to {os.readlink(path)}), not a folder of the "
                                     "review's own", f"delete the link {relative} (not what it points to); litcoder "
                                     "makes the folder anew")
            if not path.exists():
                return None
            if not path.is_dir():
                return FolderProblem(relative, f"{relative} is a file, where litcoder keeps a folder of its own",
                                     f"move or delete the file {relative}; litcoder makes the folder anew")
            if not path.resolve().is_relative_to(root):
                return FolderProblem(relative, f"{relative} leads outside the review ({path.resolve()})",
                                     f"delete {relative} and what leads it outside; litcoder makes the folder anew")
        except OSError as err:
            return FolderProblem(relative, f"{relative} cannot be checked ({err.strerror or err})",
                                 f"check that {relative} is a folder you may read and write")
    return None


def derived_folder(root: Path, folder: str) -> Path:
    """The derived `folder` (relative to the review at `root`), safe to write in; raises
    RefusedFolder, saying why and what to do, when `derived_folder_problem` finds a reason not to."""
    problem = derived_folder_problem(root, folder)
    if problem is not None:
        raise RefusedFolder(f"cannot write in {folder}: {problem.message}, so nothing was written there; "
                            f"{problem.action}")
    return Path(root).resolve() / folder
