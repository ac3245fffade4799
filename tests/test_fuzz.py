"""Mutated reviews: whatever a committee's files contain, loading ends in problems, never
in an exception or an endless run.

Each seed mutates one to three of the bundled review's input files in a working copy
(bytes flipped, spans cut or repeated, lines swapped, hostile tokens put in, the file
re-encoded or cut short), loads the review, weighs the evidence (every second seed: it
takes as long as the load), and puts the files back. The seeds are shared between two
processes, each with its own copy. The suite runs seeds 0–999 (under a minute); a release
runs more:

    LITCODER_FUZZ_SEEDS=0:20000 python3 tasks.py test tests/test_fuzz.py

A failure names the seed, the files and the mutations, so it can be run again alone with
LITCODER_FUZZ_SEEDS=<seed>:<seed+1>.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from pathlib import Path

import pytest
from conftest import ROOT

from litcoder import Review, weigh_evidence

SEEDS = range(*map(int, os.environ.get("LITCODER_FUZZ_SEEDS", "0:1000").split(":")))
SECONDS_PER_REVIEW = 20
"""A load that takes longer than this is an unbounded run, whatever it would end in."""

TOKENS = [
    "", "\x00", "\ufeff", "\r", "\n", "\r\n", '"', "'", ";", ",", "\t", "{", "}", "[", "]", "(", ")", "@", "#", "%",
    "&anchor", "*anchor", "!!python/object/apply:os.system ['true']", "<<: *anchor", "---", "...", "~", "null", "true",
    "9" * 5000, str(2**63), str(2**64 + 1), "-1", "0", "-0", "1e309", "nan", "inf", "-inf", "1.5", "0x1F",
    "../../outside", "/etc/passwd", "CON", "aux.csv", "=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)",
    "<script>alert(1)</script>", "\u202e", "é", "e\u0301", "\U0001F600", "\ud7ff", "\u2028", "\x0c", "\x1b[31m",
    "{" * 1000, "[" * 1000, "- " * 500, "a: " * 300, "@string{s = s # s # s}", "@article(key, title = {x})",
    "@article{,}", "month = jan #", "TY  - JOUR", "ER  - ", "presence:x/999999999999999999999:y", "framing::",
    "\\" * 50, "$" * 20, "~" * 20, "x" * 200_000,
]
"""What real files and hostile ones put where a value should be."""


def _input_files(root: Path) -> list[Path]:
    files = [root / "references.bib", root / "litcoder.toml", root / "corpus" / "codebook.yaml",
             root / "corpus" / "decisions.csv", root / "corpus" / "settlements.csv"]
    files += sorted((root / "corpus" / "codings").glob("*.csv")) + sorted((root / "corpus" / "coverage").glob("*.csv"))
    files += sorted((root / "corpus" / "sources").glob("*"))
    return files


def _mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutation of a file's bytes, and its name."""
    kind = rng.choice(["flip", "cut", "repeat", "token", "token", "token", "cell", "swap", "truncate", "encode"])
    n = len(data)
    at = rng.randrange(n + 1)
    if kind == "flip" and n:
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(n)] = rng.randrange(256)
        return bytes(out), kind
    if kind == "cut":
        return data[:at] + data[at + rng.randint(1, 400):], kind
    if kind == "repeat":
        span = data[at:at + rng.randint(1, 400)]
        return data[:at] + span * rng.randint(2, 50) + data[at:], kind
    if kind in ("token", "cell"):
        token = rng.choice(TOKENS).encode("utf-8", "surrogatepass")
        if kind == "cell":  # replace what lies between two separators on one line
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            cells = lines[i].split(b",")
            cells[rng.randrange(len(cells))] = token
            lines[i] = b",".join(cells)
            return b"\n".join(lines), f"cell '{token[:20]!r}'"
        return data[:at] + token + data[at:], f"token '{token[:20]!r}'"
    if kind == "swap":
        lines = data.split(b"\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines), kind
    if kind == "truncate":
        return data[:at], kind
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(["utf-16", "utf-16-le", "cp1252", "latin-1", "utf-8-sig", "crlf", "cr"])
    if encoding == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8"), kind + " crlf"
    if encoding == "cr":
        return text.replace("\n", "\r").encode("utf-8"), kind + " cr"
    return text.encode(encoding, "replace"), f"{kind} {encoding}"


def _run_seeds(seeds: list[int]) -> list[str]:
    """What went wrong in each of `seeds`, on a working copy of the bundled review of its own."""
    root = Path(tempfile.mkdtemp(prefix="litcoder-fuzz-"))
    try:
        for name in ("references.bib", "litcoder.toml", "corpus"):
            source = ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)
        Review.load(root)  # fills the text cache, so unchanged PDFs and Word files are not read again
        return [failure for failure in (_one_review(root, seed) for seed in seeds) if failure]
    finally:
        shutil.rmtree(root, ignore_errors=True)


class _TooLong(Exception):
    pass


def _alarm(signum, frame):
    raise _TooLong


def _one_review(root: Path, seed: int) -> str | None:
    """Mutate, load, weigh, restore; what went wrong, or None."""
    rng = random.Random(seed)
    files = rng.sample(_input_files(root), rng.choice([1, 1, 1, 2, 3]))
    originals = {path: path.read_bytes() for path in files}
    done = []
    try:
        for path, data in originals.items():
            for _ in range(rng.choice([1, 1, 2, 4])):
                data, name = _mutate(data, rng)
                done.append(f"{path.relative_to(root).as_posix()}: {name}")
            path.write_bytes(data)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(SECONDS_PER_REVIEW)
        try:
            review = Review.load(root)
            if seed % 2 == 0:
                weigh_evidence(review)
            review.problems_frame()
            review.summary()
        finally:
            signal.alarm(0)
        internal = [p for p in review.problems if p.kind == "internal"]
        if internal:
            return f"seed {seed}: {'; '.join(done)}\n  internal error reported: {internal[0]}"
        return None
    except _TooLong:
        return f"seed {seed}: {'; '.join(done)}\n  took over {SECONDS_PER_REVIEW} s"
    except Exception as err:
        where = traceback.extract_tb(err.__traceback__)[-1]
        return (f"seed {seed}: {'; '.join(done)}\n  {type(err).__name__}: {str(err)[:200]} "
                f"({Path(where.filename).name}:{where.lineno})")
    finally:
        for path, data in originals.items():
            path.write_bytes(data)


def test_mutated_reviews_load_without_an_escaped_exception():
    workers = min(2, os.cpu_count() or 1)
    shards = [list(SEEDS)[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        failures = sorted(chain.from_iterable(pool.map(_run_seeds, shards)), key=lambda f: int(f.split()[1][:-1]))
    assert not failures, f"{len(failures)} of {len(SEEDS)} mutated reviews failed:\n" + "\n".join(failures[:30])


LOADERS = {"read_settings": "litcoder.toml", "read_sources": "references.bib", "read_corpus": "corpus/sources",
           "missing_texts": "corpus/sources", "read_codebook": "corpus/codebook.yaml",
           "read_codings": "corpus/codings", "unplaced_codings": "corpus/sources",
           "read_decisions": "corpus/decisions.csv", "read_coverage": "corpus/coverage",
           "read_settlements": "corpus/settlements.csv"}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_a_loader_that_fails_is_one_problem_and_the_rest_still_loads(loader, monkeypatch):
    import litcoder.review

    real = getattr(litcoder.review, loader)

    def failing(*args, **kwargs):
        if failing.calls == 0:  # the first call fails; the call for the empty result runs as it is
            failing.calls += 1
            raise RecursionError("maximum recursion depth exceeded")
        return real(*args, **kwargs)

    failing.calls = 0
    monkeypatch.setattr(litcoder.review, loader, failing)
    review = Review.load(ROOT)
    [internal] = [p for p in review.problems if p.kind == "internal"]
    assert internal.severity == "error" and internal.file == LOADERS[loader]
    assert "RecursionError" in internal.message and "report it" in internal.action
    weigh_evidence(review)
    assert len(review.sources) == (0 if loader == "read_sources" else 12)
    # without the texts, codings are kept (placed again once the texts read); without the
    # bibliography or the codebook they cannot be used, and say so
    assert len(review.codings) == (0 if loader in ("read_sources", "read_codebook", "read_codings") else 313)
