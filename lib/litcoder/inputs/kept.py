"""What slow steps made, kept between runs in this machine's cache: a coder's file as read,
the agreement coefficients of a competency.

Checking and placing a coder's 25,000 codings takes a second; loaded again unchanged (the
next build, the next notebook), the file is taken from here in a fraction of that. An
entry holds the digest of everything it was made from (a file's bytes, what its rows were
checked against, litcoder's code) and is used only for the same digest; one that is
missing, damaged or made from anything else is made again and replaced. There is one
entry per file (or per step), so the cache does not grow as a file is edited. Nothing here
is needed: a cache that cannot be written only costs making it again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..files import code_version, write_atomic
from ..layout import CACHE, derived_folder_problem
from ..problems import SEVERITIES, Problem, ProblemLog

KEPT = f"{CACHE}/kept"
"""Where what is kept is: one folder per kind (codings/, agreement/), one JSON entry per file or step."""


def digest(*parts: str | bytes) -> str:
    """The digest of what a reading depends on, litcoder's code included."""
    hashed = hashlib.blake2b(code_version().encode(), digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        hashed.update(len(data).to_bytes(8, "little") + data)  # lengths keep ("ab", "c") apart from ("a", "bc")
    return hashed.hexdigest()


class Kept:
    """What is kept of one kind (e.g. "codings": the coders' files as read) for the review at `root`."""

    def __init__(self, root: Path, kind: str):
        folder = f"{KEPT}/{kind}"
        mine = Path(root).is_dir() and derived_folder_problem(root, folder) is None
        self.folder = Path(root) / folder if mine else None

    def _entry(self, name: str) -> Path | None:
        # a file's name in the review, made one safe file name ("corpus/codings/a.csv" → "corpus%2Fcodings%2Fa.csv")
        return None if self.folder is None else self.folder / (name.replace("%", "%25").replace("/", "%2F") + ".json")

    def get(self, name: str, key: str) -> tuple[dict, ProblemLog] | None:
        """What was kept for `name` (a file, or a step) made with this `key` (its value and its problems), or None."""
        entry = self._entry(name)
        try:
            kept = json.loads(entry.read_text(encoding="utf-8")) if entry else None
            if not isinstance(kept, dict) or kept.get("key") != key or not isinstance(kept.get("value"), dict):
                return None
            log = ProblemLog(name)
            for severity, line, message, action, kind in kept["problems"]:
                if severity not in SEVERITIES or not (line is None or isinstance(line, int)):
                    return None
                log.append(Problem(severity, name, line, str(message), str(action), str(kind)))
            return kept["value"], log
        except (OSError, ValueError, KeyError, TypeError):  # missing, not JSON, or not an entry
            return None

    def put(self, name: str, key: str, value: dict, log: ProblemLog = ()) -> None:
        """Keep `value` (plain JSON values) and the problems met, for `name` made with `key`."""
        entry = self._entry(name)
        if entry is None:
            return
        problems = [[p.severity, p.line, p.message, p.action, p.kind] for p in log]
        try:
            write_atomic(entry, json.dumps({"key": key, "value": value, "problems": problems}, ensure_ascii=False))
        except (OSError, ValueError):
            pass  # a read-only or full disk, or a value JSON cannot hold: it is made again next time
