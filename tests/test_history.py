"""Edits leave a trace: edited_at, the coder's history file, and a coding's history from git."""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import problems_of

from litcoder import Review
from litcoder.inputs.history import coding_history
from litcoder.problems import ProblemLog
from litcoder.store import COLUMNS, HISTORY_COLUMNS, AlreadyPresent, CoderFile, NotSaved, history_path

KOTTER = "Kotter1990WhatLeaders"
CODING = {"citekey": KOTTER, "passage": 3, "quote": "naïve “planning”, and budgets – café",
          "competency": "planning", "framing": "management", "memo": "première lecture, ça tient"}


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def coder_file(root: Path, coder: str = "coder-h") -> CoderFile:
    return CoderFile(root / "corpus" / "codings" / f"{coder}.csv")


# ---------------------------------------------------------------- the store keeps the trace


def test_an_edit_sets_edited_at_and_appends_the_coding_as_it_was(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    assert read(store.path)[0]["edited_at"] == ""
    store.update(coding["id"], framing="both", memo="relu : « plutôt les deux »")
    [row] = read(store.path)
    assert datetime.fromisoformat(row["edited_at"]).tzinfo is not None
    assert (row["framing"], row["memo"]) == ("both", "relu : « plutôt les deux »")
    [old] = read(history_path(store.path))
    assert list(old) == HISTORY_COLUMNS
    assert old["change"] == "edited" and datetime.fromisoformat(old["changed_at"]) <= datetime.fromisoformat(
        row["edited_at"])
    assert {k: old[k] for k in ("id", "quote", "framing", "memo", "coded_at", "edited_at")} == {
        "id": coding["id"], "quote": CODING["quote"], "framing": "management", "memo": CODING["memo"],
        "coded_at": coding["coded_at"], "edited_at": ""}


def test_an_edit_that_changes_nothing_leaves_no_trace(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    before = store.path.read_bytes()
    store.update(coding["id"], framing="management", memo=CODING["memo"])
    assert store.path.read_bytes() == before
    assert not history_path(store.path).exists()


def test_a_reanchoring_is_traced_but_is_no_edit(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append({**CODING, "start": 10, "end": 46})
    report = store.update_many({coding["id"]: {"passage": 4, "start": 120, "end": 156, "prefix": "« avant »"}})
    assert report.changed == 1
    [row] = read(store.path)
    assert (row["passage"], row["start"], row["prefix"], row["edited_at"]) == ("4", "120", "« avant »", "")
    [trace] = read(history_path(store.path))
    assert (trace["change"], trace["passage"], trace["start"]) == ("reanchored", "3", "10")
    store.update_many({coding["id"]: {"quote": "naïve “planning”"}})  # a fuzzy re-anchoring moves the quote too
    assert read(store.path)[0]["edited_at"]
    assert [h["change"] for h in read(history_path(store.path))] == ["reanchored", "edited"]


def test_update_many_keeps_a_row_per_changed_coding(tmp_path):
    store = coder_file(tmp_path)
    first, second, third = store.append(CODING, {**CODING, "passage": 4}, {**CODING, "passage": 5})
    report = store.update_many({first["id"]: {"memo": "un"}, second["id"]: {"memo": CODING["memo"]},
                                third["id"]: {"memo": "trois"}})
    assert report.changed == 2  # the second asked for no change
    history = read(history_path(store.path))
    assert [(h["id"], h["change"], h["memo"]) for h in history] == [
        (first["id"], "edited", CODING["memo"]), (third["id"], "edited", CODING["memo"])]
    assert [bool(r["edited_at"]) for r in read(store.path)] == [True, False, True]


def test_a_removal_appends_the_coding_and_a_restore_puts_it_back(tmp_path):
    store = coder_file(tmp_path)
    kept, gone = store.append(CODING, {**CODING, "quote": "Führung “heißt” Richtung", "framing": "leadership"})
    removed = store.remove(gone["id"])
    assert [r["id"] for r in read(store.path)] == [kept["id"]]
    [trace] = read(history_path(store.path))
    assert (trace["change"], trace["id"], trace["quote"]) == ("removed", gone["id"], "Führung “heißt” Richtung")

    store.restore(removed)
    rows = {r["id"]: r for r in read(store.path)}
    assert set(rows) == {kept["id"], gone["id"]}
    assert {k: rows[gone["id"]][k] for k in COLUMNS} == {k: removed.get(k, "") for k in COLUMNS}
    assert [h["change"] for h in read(history_path(store.path))] == ["removed", "restored"]


def test_a_restore_of_a_present_id_is_refused(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    before = store.path.read_bytes()
    with pytest.raises(AlreadyPresent, match=f"already holds a coding '{coding['id']}'"):
        store.restore(store.row(coding["id"]))
    assert store.path.read_bytes() == before
    assert not history_path(store.path).exists()


def test_a_history_that_cannot_be_written_stops_the_change(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    before = store.path.read_bytes()
    (store.path.parent / "history").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(NotSaved, match="NOT saved"):
        store.update(coding["id"], framing="both")
    with pytest.raises(NotSaved):
        store.remove(coding["id"])
    assert store.path.read_bytes() == before  # never a change without its history


def test_a_file_of_the_old_shape_gains_edited_at(tmp_path):
    path = tmp_path / "corpus" / "codings" / "coder-o.csv"
    path.parent.mkdir(parents=True)
    old_columns = [c for c in COLUMNS if c != "edited_at"]
    path.write_text(",".join(old_columns) + "\n"
                    "o-1,Kotter1990WhatLeaders,2,“vision” et stratégie,vision,leadership,,2026-09-01T10:00:00+00:00"
                    ",,,,,\n", encoding="utf-8")
    store = CoderFile(path)
    store.append({**CODING, "id": "o-2"})
    store.update("o-1", start=1, end=3)  # a re-anchoring is no edit
    assert list(read(path)[0]) == old_columns  # no column that every row would leave empty
    store.update("o-1", memo="corrigé")
    [row, _] = read(path)
    assert list(row) == [*old_columns, "edited_at"]  # the new column at the end: the old ones keep their places
    assert row["memo"] == "corrigé" and row["edited_at"] and row["quote"] == "“vision” et stratégie"
    [moved, old] = read(history_path(path))
    assert (moved["change"], moved["start"], old["change"], old["start"]) == ("reanchored", "", "edited", "1")
    assert (old["memo"], old["edited_at"], old["coded_at"]) == ("", "", "2026-09-01T10:00:00+00:00")


def _edit_many(path: str, coding_id: str, worker: int, count: int) -> None:
    store = CoderFile(Path(path))
    for i in range(count):
        store.update(coding_id, memo=f"processus {worker} — modification {i}")


def test_two_processes_editing_at_once_lose_no_history_row(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    context = multiprocessing.get_context("spawn")
    count = 40
    workers = [context.Process(target=_edit_many, args=(str(store.path), coding["id"], w, count)) for w in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    history = read(history_path(store.path))
    assert len(history) == 2 * count
    # each row holds what the file held just before: the memo before it is the previous edit's
    memos = [h["memo"] for h in history] + [read(store.path)[0]["memo"]]
    assert memos[0] == CODING["memo"]
    assert set(memos[1:]) == {f"processus {w} — modification {i}" for w in range(2) for i in range(count)}


# ---------------------------------------------------------------- read_codings passes over the history


def test_the_history_and_practice_folders_are_not_read_as_coders(review_copy):
    store = coder_file(review_copy, "coder-a")
    coding_id = read(store.path)[0]["id"]
    store.update(coding_id, memo="une trace")
    assert history_path(store.path).exists()
    practice = review_copy / "corpus" / "codings" / "practice"
    practice.mkdir()
    CoderFile(practice / "stagiaire.csv").append(CODING)
    stray = review_copy / "corpus" / "codings" / "archives"
    stray.mkdir()
    shutil.copy(store.path, stray / "coder-a.csv")
    review = Review.load(review_copy)
    assert sorted(review.codings["coder"].unique()) == ["coder-a", "coder-b", "coder-c"]
    assert not [p for p in review.problems if "history" in p.file or "practice" in p.file]
    [note] = problems_of(review, file="corpus/codings/archives")
    assert (note.severity, note.kind) == ("info", "coding-folder") and "archives/" in note.message
    assert review.codings.set_index("id").loc[coding_id, "edited_at"]


def test_a_bad_edited_at_is_a_warning_and_the_row_is_kept(review_copy):
    path = review_copy / "corpus" / "codings" / "coder-t.csv"
    path.write_text(",".join(COLUMNS) + "\n"
                    f"t-1,{KOTTER},1,x,planning,management,,2026-10-01T10:00:00+00:00,hier à midi,,,,,\n",
                    encoding="utf-8")
    review = Review.load(review_copy)
    [problem] = problems_of(review, kind="coding-time", file="corpus/codings/coder-t.csv")
    assert (problem.severity, problem.line) == ("warning", 2)
    assert "edited_at 'hier à midi'" in problem.message
    assert review.codings.set_index("id").loc["t-1", "edited_at"] == "hier à midi"


# ---------------------------------------------------------------- coding_history


def test_a_codings_history_from_the_file(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    store.update(coding["id"], framing="both")
    removed = store.remove(coding["id"])
    store.restore(removed)
    store.update(coding["id"], memo="dernière main")
    versions = coding_history(tmp_path, "coder-h", coding["id"], use_git=False)
    assert [v["how"] for v in versions] == ["edited", "removed", "restored", "edited", "now"]
    assert [v["framing"] for v in versions] == ["management", "both", "both", "both", "both"]
    assert versions[-1]["memo"] == "dernière main" and versions[-1]["when"] == store.row(coding["id"])["edited_at"]
    assert set(versions[0]) == {"when", "how", *COLUMNS}


def test_a_removed_codings_history_has_no_now(tmp_path):
    store = coder_file(tmp_path)
    [coding, other] = store.append(CODING, {**CODING, "passage": 7})
    store.remove(coding["id"])
    store.update(other["id"], memo="autre")
    assert [v["how"] for v in coding_history(tmp_path, "coder-h", coding["id"], use_git=False)] == ["removed"]
    assert coding_history(tmp_path, "nobody", "nothing") == []


def test_torn_and_foreign_history_rows_are_left_out(tmp_path):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    store.update(coding["id"], framing="both")
    history = history_path(store.path)
    with open(history, "a", encoding="utf-8", newline="") as f:
        f.write(f"written by hand,hier,{coding['id']},{KOTTER},3,q,planning,neither,,,,,,,,\n")
        f.write(f'edited,2026-10-01T10:00:00+00:00,{coding["id"]},{KOTTER},3,"cut off in the mid')  # a crash
    log = ProblemLog("history")
    versions = coding_history(tmp_path, "coder-h", coding["id"], use_git=False, log=log)
    assert [(v["how"], v["framing"]) for v in versions] == [("edited", "management"), ("now", "both")]
    assert [p.line for p in log if p.kind == "history-row"] == [3]
    assert any(p.severity == "error" and p.line == 4 for p in log)  # the cut-off row, told as the reader tells it
    store.update(coding["id"], framing="leadership")  # the next change repairs the torn end
    assert [v["how"] for v in coding_history(tmp_path, "coder-h", coding["id"], use_git=False)] == [
        "edited", "edited", "now"]
    assert "cut off in the mid" in history.with_name(history.name + ".torn").read_text(encoding="utf-8")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Comité", "-c", "user.email=comite@example.org", *args],
                          cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_codings_history_from_git(tmp_path):
    git(tmp_path, "init", "-q")
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    git(tmp_path, "add", "corpus")
    git(tmp_path, "commit", "-q", "-m", "first coding")
    text = store.path.read_text(encoding="utf-8")  # an edit by hand, committed: no history row
    store.path.write_text(text.replace(CODING["memo"], "changé à la main"), encoding="utf-8")
    git(tmp_path, "commit", "-q", "-am", "by hand")
    time.sleep(1.1)  # times have whole seconds: the edit comes after the first commit
    store.update(coding["id"], framing="neither")
    git(tmp_path, "commit", "-q", "-am", "through litcoder")
    hashes = git(tmp_path, "log", "--format=%h").split()

    versions = coding_history(tmp_path, "coder-h", coding["id"])
    hows = [v["how"].split()[:2] for v in versions]
    assert hows == [["git", hashes[-1]], ["edited"], ["now"]]  # the by-hand version is the history row's
    assert versions[0]["memo"] == CODING["memo"] and versions[1]["memo"] == "changé à la main"
    assert versions[-1]["framing"] == "neither"
    assert versions[0]["how"].split()[2] == versions[0]["when"][:10]
    assert [v["how"] for v in coding_history(tmp_path, "coder-h", coding["id"], use_git=False)] == ["edited", "now"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_without_git_there_are_no_git_versions(tmp_path, monkeypatch):
    store = coder_file(tmp_path)
    [coding] = store.append(CODING)
    store.update(coding["id"], memo="hors de git")
    outside = coding_history(tmp_path, "coder-h", coding["id"])  # a review not in git
    assert [v["how"] for v in outside] == ["edited", "now"]
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "corpus")
    git(tmp_path, "commit", "-q", "-m", "codings")
    store.path.write_text(store.path.read_text(encoding="utf-8").replace("hors de git", "à la main"),
                          encoding="utf-8")
    assert [v["how"].split()[0] for v in coding_history(tmp_path, "coder-h", coding["id"])] == [
        "edited", "git", "now"]
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-folder"))  # git not on PATH
    assert [v["how"] for v in coding_history(tmp_path, "coder-h", coding["id"])] == ["edited", "now"]
    (tmp_path / ".git" / "HEAD").write_text("not a ref\n", encoding="utf-8")  # a broken repository
    monkeypatch.undo()
    assert [v["how"] for v in coding_history(tmp_path, "coder-h", coding["id"])] == ["edited", "now"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_coder_file_deleted_in_git_still_shows_its_committed_versions(tmp_path):
    root = tmp_path / "revue de littérature"  # the review in a folder of the repository, with a space
    store = coder_file(root)
    [coding] = store.append(CODING)
    (root / "litcoder.toml").write_text("# la revue\n", encoding="utf-8")  # the review stays when its codings go
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "codings")
    git(tmp_path, "rm", "-q", "-r", "revue de littérature/corpus")
    git(tmp_path, "commit", "-q", "-m", "gone")  # the last commit has no such file
    [version] = coding_history(root, "coder-h", coding["id"])
    assert version["how"].startswith("git ") and version["quote"] == CODING["quote"]
    assert version["memo"] == CODING["memo"] and version["coded_at"] == coding["coded_at"]


def test_a_practice_coders_history_is_found_in_the_practice_folder(tmp_path):
    store = CoderFile(tmp_path / "corpus" / "codings" / "practice" / "stagiaire.csv")
    [coding] = store.append(CODING)
    store.update(coding["id"], competency="budgeting")
    assert history_path(store.path) == tmp_path / "corpus" / "codings" / "practice" / "history" / "stagiaire.csv"
    versions = coding_history(tmp_path, "stagiaire", coding["id"], use_git=False)
    assert [(v["how"], v["competency"]) for v in versions] == [("edited", "planning"), ("now", "budgeting")]
