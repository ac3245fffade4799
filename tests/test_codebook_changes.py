"""Codebook changes that carry the codings along: rename, merge, split, the change log, and
the migration on load of codings made in another clone before a change."""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import problems_of, read_rows
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.inputs.codebook_changes import (
    CodebookChangeError,
    merge,
    migrate,
    read_changes,
    recode,
    rename,
    split,
    waiting,
)
from litcoder.store import CoderFile

CODERS = ["coder-a", "coder-b", "coder-c"]


def _ids_by_competency(root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for coder in CODERS:
        for row in read_rows(root / "corpus" / "codings" / f"{coder}.csv"):
            found.setdefault(row["competency"], set()).add(f"{coder}/{row['id']}")
    return found


def _log(root: Path) -> list[dict]:
    return read_rows(root / "corpus" / "codebook-changes.csv")


# ------------------------------------------------------------------ merge

def test_a_merge_carries_every_coding_of_three_coders_and_writes_the_log(review_copy):
    before = _ids_by_competency(review_copy)
    assert all(any(f.startswith(c) for f in before["directing"]) for c in CODERS)  # codings in three files
    report = merge(review_copy, "directing", "coordinating", by="member-h", why="the sources do not tell them apart")
    after = _ids_by_competency(review_copy)
    assert "directing" not in after
    assert after["coordinating"] == before["coordinating"] | before["directing"]
    assert sum(report.codings.values()) == len(before["directing"])
    [row] = _log(review_copy)
    assert (row["change"], row["competency"], row["into"], row["changed_by"]) == \
        ("merge", "directing", "coordinating", "member-h")
    assert row["why"] == "the sources do not tell them apart" and row["changed_at"].startswith("20")
    review = Review.load(review_copy)
    assert "directing" not in set(review.codebook["competency"])
    assert not [p for p in review.problems if p.severity == "error"]
    assert len(review.codings) == sum(len(v) for v in before.values())


def test_each_merged_coding_keeps_its_history(review_copy):
    merge(review_copy, "directing", "coordinating")
    history = read_rows(CoderFile(review_copy / "corpus" / "codings" / "coder-a.csv").history.path)
    assert history and all(row["competency"] == "directing" and row["change"] == "edited" for row in history)


def _append_codings(path: str, count: int, started) -> None:
    store = CoderFile(Path(path))
    started.set()
    for n in range(count):
        store.append({"id": f"late-{n:03d}", "citekey": "Fayol1949General", "passage": "1", "quote": "x",
                      "competency": "directing" if n % 2 else "planning", "framing": "management"})


def test_a_merge_while_a_coder_appends_loses_nothing(review_copy):
    file = review_copy / "corpus" / "codings" / "coder-b.csv"
    rows_before = len(read_rows(file))
    started = multiprocessing.Event()
    writer = multiprocessing.Process(target=_append_codings, args=(str(file), 200, started))
    writer.start()
    started.wait(10)
    merge(review_copy, "directing", "coordinating")
    writer.join(200)
    assert writer.exitcode == 0
    rows = read_rows(file)
    assert len(rows) == rows_before + 200
    assert {f"late-{n:03d}" for n in range(200)} <= {r["id"] for r in rows}
    # a coding appended after the rewrite, with the old id, is counted as the new one on load
    review = Review.load(review_copy)
    late = review.codings[review.codings["id"].str.startswith("late-")]
    assert len(late) == 200 and "directing" not in set(late["competency"])
    migrate(review_copy)
    assert not any(r["competency"] == "directing" for r in read_rows(file))


def test_a_merge_moves_settlements_and_keeps_the_other_competencys(review_copy):
    path = review_copy / "corpus" / "settlements.csv"
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["framing:Fayol1949General:coordinating", "management", "both settled", "member-h",
                                "2026-11-19"])
    report = merge(review_copy, "directing", "coordinating")
    items = [r["item"] for r in read_rows(path)]
    assert "framing:Fayol1949General:directing" in items  # the other's settlement stands; this one is left
    assert items.count("framing:Fayol1949General:coordinating") == 1
    assert any("framing:Fayol1949General:directing" in line for line in report.left)


def test_a_merge_retires_the_ruling_into_the_log(review_copy):
    rulings = read_rows(review_copy / "corpus" / "decisions.csv")
    ruled = next(r for r in rulings if r["competency"] not in {"planning"})["competency"]
    report = merge(review_copy, ruled, "planning")
    assert not any(r["competency"] == ruled for r in read_rows(review_copy / "corpus" / "decisions.csv"))
    [row] = _log(review_copy)
    assert row["note"].startswith(f"ruling on {ruled}:") and report.retired


def test_a_merge_keeps_the_codebooks_comments_and_layout(review_copy):
    path = review_copy / "corpus" / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      - id: representing", "      # Representing came from the 2013 list.\n"
                        "      - id: representing")
    path.write_text(text, encoding="utf-8")
    merge(review_copy, "directing", "coordinating")
    after = path.read_text(encoding="utf-8")
    assert "# Representing came from the 2013 list.\n      - id: representing" in after
    assert "id: directing" not in after and "Giving orders and instructions" not in after
    assert after.startswith(text[:text.index("groups:")])  # the header comments are untouched


# ------------------------------------------------------------------ rename

def test_a_rename_carries_codings_settlements_rulings_and_memos(review_copy):
    memo = review_copy / "corpus" / "memos" / "competency" / "charisma.md"
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text("Weber's sense, not the everyday one.\n", encoding="utf-8")
    before = _ids_by_competency(review_copy)
    report = rename(review_copy, "charisma", "personal-magnetism", label="Personal magnetism", by="member-h")
    after = _ids_by_competency(review_copy)
    assert after["personal-magnetism"] == before["charisma"] and "charisma" not in after
    assert not memo.exists()
    assert (memo.parent / "personal-magnetism.md").read_text(encoding="utf-8").startswith("Weber's sense")
    review = Review.load(review_copy)
    row = review.codebook.set_index("competency").loc["personal-magnetism"]
    assert row["label"] == "Personal magnetism"
    assert report.rulings == (review.decisions["competency"] == "personal-magnetism").sum()
    assert not [p for p in review.problems if p.severity == "error"]


def test_changing_only_a_label_changes_nothing_else(review_copy):
    corpus = review_copy / "corpus"
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != "codebook.yaml"}
    rename(review_copy, "planning", label="Planning: the months ahead")
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file() and p.name != "codebook.yaml"} == before
    review = Review.load(review_copy)
    assert review.codebook.set_index("competency").loc["planning", "label"] == "Planning: the months ahead"


@pytest.mark.parametrize(("make", "message"), [
    (lambda root: rename(root, "nothing", "something"), "no competency 'nothing'"),
    (lambda root: rename(root, "planning", "budgeting"), "already a competency"),
    (lambda root: rename(root, "planning", "Planning Ahead"), "is not an id"),
    (lambda root: rename(root, "planning"), "say the new id"),
    (lambda root: merge(root, "planning", "planning"), "cannot be merged into itself"),
    (lambda root: merge(root, "planning", "plannin"), "did you mean planning"),
    (lambda root: split(root, "planning", ["planning-a"]), "two or more"),
    (lambda root: split(root, "planning", ["a-plan", "a-plan"]), "two or more different"),
])
def test_a_change_that_cannot_be_made_changes_nothing(review_copy, make, message):
    corpus = review_copy / "corpus"
    before = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    with pytest.raises(CodebookChangeError, match=message):
        make(review_copy)
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == before


def test_a_codebook_that_does_not_read_is_not_changed(review_copy):
    path = review_copy / "corpus" / "codebook.yaml"
    path.write_text("groups: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookChangeError, match="fix it first"):
        rename(review_copy, "planning", "plans")
    assert path.read_text(encoding="utf-8") == "groups: [unclosed\n"


# ------------------------------------------------------------------ split

def test_a_split_leaves_the_codings_waiting_for_a_coder(review_copy):
    before = _ids_by_competency(review_copy)["communication"]
    report = split(review_copy, "communication", ["informing", "listening"], labels=["Informing"], why="two skills")
    assert sum(report.codings.values()) == len(before)
    review = Review.load(review_copy)
    assert {"informing", "listening"} <= set(review.codebook["competency"])
    assert review.codebook.set_index("competency").loc["listening", "label"] == "Listening"
    assert "communication" not in set(review.codings["competency"])  # left out of the evidence …
    recoding = problems_of(review, "coding-recode")
    assert len(recoding) == len(before) and all(p.line for p in recoding)  # … and named, file and line
    table = waiting(review_copy)
    assert len(table) == len(before) and set(table["choose"]) == {"informing or listening"}
    first = table.iloc[0]
    with pytest.raises(CodebookChangeError, match="choose one of those"):
        recode(review_copy, first["coder"], first["id"], "planning")
    recode(review_copy, first["coder"], first["id"], "listening")
    assert len(waiting(review_copy)) == len(before) - 1
    review = Review.load(review_copy)
    assert (review.codings["id"] == first["id"]).sum() == 1
    assert review.codings.set_index(["coder", "id"]).loc[(first["coder"], first["id"]), "competency"] == "listening"


# ------------------------------------------------------------------ the log, and other clones

def test_a_coding_made_with_the_old_id_in_another_clone_is_migrated(tmp_path, review_copy):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")

    def run(where: Path, *args: str) -> None:
        subprocess.run([git, "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=where, check=True,
                       capture_output=True)

    run(review_copy, "init", "-q", "-b", "main")
    run(review_copy, "add", "-A")
    run(review_copy, "commit", "-qm", "start")
    other = tmp_path / "other-clone"
    run(tmp_path, "clone", "-q", str(review_copy), str(other))
    # here: directing is merged into coordinating; there, a coder codes directing meanwhile
    merge(review_copy, "directing", "coordinating", why="one competency")
    run(review_copy, "commit", "-qam", "merge directing")
    run(review_copy, "add", "-A")
    run(review_copy, "commit", "-qm", "log", "--allow-empty")
    CoderFile(other / "corpus" / "codings" / "coder-d.csv").append(
        {"id": "d-1", "citekey": "Fayol1949General", "passage": "1", "quote": "command", "competency": "directing",
         "framing": "management"})
    run(other, "add", "-A")
    run(other, "commit", "-qm", "coded directing")
    run(review_copy, "pull", "-q", "--no-rebase", "--no-edit", str(other), "main")
    review = Review.load(review_copy)
    mine = review.codings[review.codings["id"] == "d-1"]
    assert mine["competency"].tolist() == ["coordinating"]
    [note] = problems_of(review, "coding-migrated")
    assert "merged into coordinating" in note.message and note.file.endswith("coder-d.csv") and note.line == 2
    migrate(review_copy)
    assert read_rows(review_copy / "corpus" / "codings" / "coder-d.csv")[0]["competency"] == "coordinating"
    assert not problems_of(Review.load(review_copy), "coding-migrated")


def test_a_chain_of_changes_is_followed(review_copy):
    rename(review_copy, "directing", "commanding")
    merge(review_copy, "commanding", "coordinating")
    CoderFile(review_copy / "corpus" / "codings" / "coder-d.csv").append(
        {"id": "d-1", "citekey": "Fayol1949General", "passage": "1", "quote": "command", "competency": "directing",
         "framing": "management"})
    review = Review.load(review_copy)
    [note] = problems_of(review, "coding-migrated")
    assert "renamed to commanding" in note.message and "merged into coordinating" in note.message
    assert review.codings.set_index("id").loc["d-1", "competency"] == "coordinating"


def test_bad_rows_of_the_change_log_are_reported_with_their_line(review_copy):
    path = review_copy / "corpus" / "codebook-changes.csv"
    path.write_text("changed_at,change,competency,into,changed_by,why,note\n"
                    "2026-11-30T10:00:00+00:00,rename,directing,commanding,,,\n"
                    "2026-11-30T10:00:00+00:00,rebrand,planning,plans,,,\n"
                    "2026-11-30T10:00:00+00:00,split,budgeting,costing,,,\n"
                    "2026-11-30T10:00:00+00:00,merge,,coordinating,,,\n", encoding="utf-8")
    changes, log = read_changes(path)
    assert changes["competency"].tolist() == ["directing"]
    assert [(p.line, p.kind) for p in log] == [(3, "change-kind"), (4, "change-ids"), (5, "change-ids")]
    review = Review.load(review_copy)
    assert {p.line for p in problems_of(review, file="corpus/codebook-changes.csv")} == {3, 4, 5}


def test_the_command_line_merges_and_says_what_it_did(review_copy):
    result = CliRunner().invoke(app, ["codebook", "merge", "directing", "coordinating", "--why", "same thing",
                                      "--by", "member-h", "--review", str(review_copy)])
    assert result.exit_code == 0, result.output
    assert "coding(s) in coder-a.csv" in result.output
    result = CliRunner().invoke(app, ["codebook", "merge", "directing", "coordinating", "--review", str(review_copy)])
    assert result.exit_code == 1 and "no competency 'directing'" in result.output


def test_links_in_memos_follow_a_rename_and_a_merge(review_copy):
    memo = review_copy / "corpus" / "memos" / "source" / "Fayol1949General.md"
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text("Command: [[competency:directing]], [[directing|his word]], [[ruling:directing]]; "
                    "not [[directing-staff]].\n", encoding="utf-8")
    rename(review_copy, "directing", "commanding")
    assert memo.read_text(encoding="utf-8") == ("Command: [[competency:commanding]], [[commanding|his word]], "
                                                "[[ruling:commanding]]; not [[directing-staff]].\n")
    merge(review_copy, "commanding", "coordinating")
    assert "[[competency:coordinating]]" in memo.read_text(encoding="utf-8")
    broken = [p.message for p in Review.load(review_copy).problems if p.kind == "memo-link"]
    assert broken and all("directing-staff" in message for message in broken)  # only the link that was broken


def test_settlements_and_rulings_of_an_old_id_merged_in_later_are_read_under_the_new_one(review_copy):
    rename(review_copy, "charisma", "personal-magnetism")
    # rows another clone wrote before it pulled the rename
    with (review_copy / "corpus" / "settlements.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["framing:Bass1985Beyond:charisma", "leadership", "as Bass has it", "member-h",
                                "2026-11-29"])
    with (review_copy / "corpus" / "decisions.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["charisma", "neither", "2026-11-29", "member-h", "set aside", "0", "0", "0", "3"])
    review = Review.load(review_copy)
    assert not [p for p in review.problems if p.severity == "error"]
    assert [p.kind for p in review.problems if p.kind.endswith("-migrated")] == ["decision-migrated",
                                                                                 "settlement-migrated"]
    assert "framing:Bass1985Beyond:personal-magnetism" in set(review.settlements["item"])
    assert review.decisions["competency"].iloc[-1] == "personal-magnetism"
    report = migrate(review_copy)
    assert report.settlements == 1 and report.rulings == 1
    assert not [p for p in Review.load(review_copy).problems if p.kind.endswith("-migrated")]
