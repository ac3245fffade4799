"""Saves that never lose work: concurrent writers, a killed writer, edits, removals, torn ends."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from litcoder.inputs.coverage import CoverageFile
from litcoder.store import COLUMNS, CoderFile, CodingNotFound

CODING = {"citekey": "Kotter1990WhatLeaders", "passage": 3, "quote": "plans, \"budgets\"\nand targets",
          "competency": "budgeting", "framing": "management", "memo": "a memo, with a comma"}


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _save_many(path: str, worker: int, count: int) -> None:
    store = CoderFile(Path(path))
    for i in range(count):
        store.append({**CODING, "memo": f"worker {worker} save {i}"})


def test_eight_processes_saving_500_each_leave_4000_rows(tmp_path):
    path = tmp_path / "coder-a.csv"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(str(path), w, 500)) for w in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    rows = read(path)
    assert len(rows) == 4000
    assert len({r["id"] for r in rows}) == 4000
    assert {r["memo"] for r in rows} == {f"worker {w} save {i}" for w in range(8) for i in range(500)}
    assert all(r["quote"] == CODING["quote"] for r in rows)
    assert list(rows[0]) == COLUMNS


SAVER = r"""
import sys
from pathlib import Path
from litcoder.store import CoderFile
store = CoderFile(Path(sys.argv[1]))
i = 0
while True:
    store.append({"citekey": "K", "passage": 1, "quote": "q" * 3000 + str(i), "competency": "planning",
                  "framing": "management", "memo": str(i)})
    i += 1
"""


def test_a_writer_killed_mid_save_leaves_a_valid_file(tmp_path):
    path = tmp_path / "coder-b.csv"
    for attempt in range(3):
        size = path.stat().st_size if path.exists() else 0
        writer = subprocess.Popen([sys.executable, "-c", SAVER, str(path)])
        started = time.monotonic()  # wait for the first saves: importing litcoder is slow on a busy machine
        while time.monotonic() - started < 60 and (path.stat().st_size if path.exists() else 0) <= size:
            time.sleep(0.02)
        time.sleep(0.3 + attempt * 0.3)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        rows = read(path)
        # A kill can cut the row being written short (the kernel ends a write early for a fatal
        # signal): only the last row may be cut off, and every row before it is whole.
        whole = [len(r) == len(COLUMNS) and None not in r and None not in r.values() for r in rows]
        assert all(whole[:-1])
        memos = [int(r["memo"]) for r, ok in zip(rows, whole) if ok and r["citekey"] == "K" and r["memo"].isdigit()]
        if attempt == 0:
            assert memos == list(range(len(memos)))  # every save before the kill, in order
        if not whole[-1]:  # the next save moves the cut-off row aside, and the file is whole again
            CoderFile(path).append(CODING)
            assert (tmp_path / "coder-b.csv.torn").exists()
            assert all(len(r) == len(COLUMNS) and None not in r.values() for r in read(path))
    # and the file still takes saves
    CoderFile(path).append(CODING)
    assert read(path)[-1]["memo"] == CODING["memo"]
    assert all(len(r) == len(COLUMNS) and None not in r and None not in r.values() for r in read(path))


def test_edit_and_remove_touch_only_their_coding(tmp_path):
    path = tmp_path / "coder-c.csv"
    path.write_text('id,citekey,passage,quote,competency,framing,memo\n'
                    'hand-1,Kotter1990WhatLeaders,1,"quoted, by hand",planning,management,"two\nlines"\n'
                    'hand-2,Kotter1990WhatLeaders,2,plain,budgeting,management,\n', encoding="utf-8")
    store = CoderFile(path)
    [new] = store.append(CODING)
    store.update("hand-2", memo="now with a memo")  # the first edit gives every row an edited_at cell
    before = path.read_text(encoding="utf-8")
    store.update(new["id"], framing="both", memo="changed")
    after = path.read_text(encoding="utf-8")
    assert after.replace("both,changed", "management,a memo, with a comma") != before  # changed
    assert after.splitlines()[:4] == before.splitlines()[:4]  # the hand-made rows keep their bytes
    assert [r["memo"] for r in read(path)] == ["two\nlines", "now with a memo", "changed"]
    store.remove("hand-1")
    assert [r["id"] for r in read(path)] == ["hand-2", new["id"]]
    with pytest.raises(CodingNotFound, match="no coding 'nope'"):
        store.remove("nope")
    assert not list(tmp_path.glob(".coder-c.csv.*"))  # no temp file left behind


def test_an_older_file_gains_the_anchor_columns_once(tmp_path):
    path = tmp_path / "coder-d.csv"
    path.write_text("id,citekey,passage,quote,competency,framing\nx1,K,1,q,planning,management\n", encoding="utf-8")
    CoderFile(path).append(CODING)
    rows = read(path)
    assert list(rows[0]) == ["id", "citekey", "passage", "quote", "competency", "framing", "memo", "coded_at",
                             "start", "end", "prefix", "suffix", "page"]  # edited_at comes with a first edit
    assert rows[0]["id"] == "x1" and rows[1]["competency"] == "budgeting"


def test_a_cut_off_last_row_is_moved_aside_not_lost(tmp_path):
    path = tmp_path / "coder-e.csv"
    store = CoderFile(path)
    store.append(CODING)
    with open(path, "ab") as f:
        f.write(b'abc123,Kotter1990WhatLeaders,4,"a quote cut off in the mid')  # a power cut mid-write
    store.append({**CODING, "memo": "after the crash"})
    rows = read(path)
    assert [r["memo"] for r in rows] == [CODING["memo"], "after the crash"]
    assert "a quote cut off in the mid" in (tmp_path / "coder-e.csv.torn").read_text(encoding="utf-8")
    assert "cut off" in store.notices[0]


def test_a_complete_last_row_without_a_line_end_is_kept(tmp_path):
    path = tmp_path / "coder-f.csv"
    path.write_text("id,citekey,passage,quote,competency,framing,memo,coded_at,start,end,prefix,suffix,page\n"
                    "x1,K,1,q,planning,management,,,,,,,", encoding="utf-8")  # saved by a spreadsheet
    CoderFile(path).append(CODING)
    assert next(r["id"] for r in read(path)) == "x1" and len(read(path)) == 2
    assert not (tmp_path / "coder-f.csv.torn").exists()


def test_finishing_sources(tmp_path):
    coverage = CoverageFile(tmp_path / "coder-a.csv")
    coverage.mark("Kotter1990WhatLeaders")
    coverage.mark("Kotter1990WhatLeaders")
    coverage.mark("Bass1985Beyond")
    assert coverage.finished() == {"Kotter1990WhatLeaders", "Bass1985Beyond"}
    coverage.unmark("Kotter1990WhatLeaders")
    assert coverage.finished() == {"Bass1985Beyond"}
    first = read(tmp_path / "coder-a.csv")[0]  # coverage is a log of events, each with its time
    assert first["event"] == "finished" and first["at"].startswith("20")
