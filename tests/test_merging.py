"""Merging the review's CSV files row by row when git merges two clones' work."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REVIEW_FILES, read_rows

from litcoder import Review
from litcoder.inputs.settlements import settle
from litcoder.merging import merge_codebook, merge_keyed, merge_tables, setup_git
from litcoder.store import CoderFile

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def git(where: Path, *args: str) -> str:
    return subprocess.run([GIT, "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=where,
                          check=True, capture_output=True, text=True).stdout


# ------------------------------------------------------------------ the merge itself

def test_rows_added_on_both_sides_are_all_kept_in_order():
    merged = merge_tables("a,b\n1,2\n", "a,b\n1,2\n3,4\n", "a,b\n1,2\n5,6\n", by_id=False)
    assert merged.text == "a,b\n1,2\n3,4\n5,6\n"


def test_a_row_removed_on_one_side_and_untouched_on_the_other_goes():
    assert merge_tables("a\n1\n2\n", "a\n1\n", "a\n1\n2\n3\n", by_id=False).text == "a\n1\n3\n"


def test_codings_edited_on_one_side_take_the_edit_and_both_ways_keep_the_later():
    base = "id,quote,framing,edited_at\n1,a,leadership,\n2,b,management,\n"
    ours = "id,quote,framing,edited_at\n1,a,leadership,\n2,b,both,2026-11-30T10:00:00+00:00\n3,c,management,\n"
    theirs = ("id,quote,framing,edited_at\n1,a,neither,2026-11-30T09:00:00+00:00\n"
              "2,b,leadership,2026-11-30T11:00:00+00:00\n4,d,both,\n")
    merged = merge_tables(base, ours, theirs, by_id=True)
    assert merged.text == ("id,quote,framing,edited_at\n1,a,neither,2026-11-30T09:00:00+00:00\n"
                           "2,b,leadership,2026-11-30T11:00:00+00:00\n3,c,management,\n4,d,both,\n")
    assert [r["framing"] for r in merged.replaced] == ["both"]  # the earlier edit, kept aside


def test_rows_keep_their_bytes_and_a_column_only_theirs_has_is_added():
    ours = 'id;quote\r\n1;"a; b"\r\n'
    assert merge_tables("id;quote\r\n", ours, "id;quote\r\n", by_id=True).text == ours
    merged = merge_tables("a,b\n1,2\n", "a,b\n1,2\n3,4\n", "a,b,c\n1,2,\n5,6,7\n", by_id=False)
    assert merged.text == "a,b,c\n1,2,\n3,4,\n5,6,7\n"


# ------------------------------------------------------------------ with git, between clones

@pytest.fixture
def clones(tmp_path):
    """A bare repository of the bundled review and two clones, each set up with `setup-git`."""
    start = tmp_path / "start"
    start.mkdir()
    for name in REVIEW_FILES:
        source = Path(__file__).resolve().parent.parent / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, start / name)
    git(start, "init", "-q", "-b", "main")
    git(start, "add", "-A")
    git(start, "commit", "-qm", "the review")
    git(tmp_path, "clone", "-q", "--bare", str(start), str(tmp_path / "hub.git"))
    made = []
    for name in ("laptop-1", "laptop-2"):
        git(tmp_path, "clone", "-q", str(tmp_path / "hub.git"), str(tmp_path / name))
        for key, value in (("user.name", name), ("user.email", f"{name}@example.org"), ("pull.rebase", "false")):
            git(tmp_path / name, "config", key, value)
        made.append(tmp_path / name)
    setup_git(made[0], sys.executable)
    git(made[0], "push", "-q", "origin", "main")
    git(made[1], "pull", "-q", "origin", "main")
    setup_git(made[1], sys.executable)
    return made


def _coding(n: int, laptop: str) -> dict:
    return {"id": f"{laptop}-{n}", "citekey": "Fayol1949General", "passage": "1", "quote": "command",
            "competency": "directing", "framing": "management"}


@needs_git
def test_work_in_two_clones_merges_without_a_conflict_or_a_lost_row(clones):
    one, two = clones
    assert "corpus/**/*.csv merge=litcoder" in (one / ".gitattributes").read_text(encoding="utf-8")
    before = len(read_rows(one / "corpus/codings/coder-a.csv"))
    # the same coder on two laptops, two members settling, one coding edited on each
    CoderFile(one / "corpus/codings/coder-a.csv").append(*(_coding(n, "one") for n in range(3)))
    CoderFile(two / "corpus/codings/coder-a.csv").append(*(_coding(n, "two") for n in range(4)))
    CoderFile(two / "corpus/codings/coder-a.csv").update("coder-a-0002", framing="both")
    settle(one, "framing:Kotter1990WhatLeaders:charisma", "neither", "set aside", "member-h")
    settle(two, "framing:Bass1985Beyond:charisma", "leadership", "Bass's own word", "member-j")
    for clone in clones:
        git(clone, "add", "-A")
        git(clone, "commit", "-qm", f"work on {clone.name}")
    git(one, "push", "-q", "origin", "main")
    git(two, "pull", "-q", "--no-edit", "origin", "main")  # a merge, through litcoder's driver
    git(two, "push", "-q", "origin", "main")
    git(one, "pull", "-q", "origin", "main")
    for clone in clones:
        rows = read_rows(clone / "corpus/codings/coder-a.csv")
        assert len(rows) == before + 7
        assert {f"one-{n}" for n in range(3)} | {f"two-{n}" for n in range(4)} <= {r["id"] for r in rows}
        assert next(r for r in rows if r["id"] == "coder-a-0002")["framing"] == "both"
        items = [r["item"] for r in read_rows(clone / "corpus/settlements.csv")]
        assert {"framing:Kotter1990WhatLeaders:charisma", "framing:Bass1985Beyond:charisma"} <= set(items)
        for path in (clone / "corpus").rglob("*.csv"):
            assert "<<<<<<<" not in path.read_text(encoding="utf-8"), path
        review = Review.load(clone)
        assert not [p for p in review.problems if p.severity == "error"]
    assert (one / "corpus/codings/coder-a.csv").read_bytes() == (two / "corpus/codings/coder-a.csv").read_bytes()


@needs_git
def test_setup_git_twice_commits_once(clones):
    one, _ = clones
    commits = git(one, "rev-list", "--count", "HEAD")
    assert setup_git(one, sys.executable)[-1] == ".gitattributes: already names the merge"
    assert git(one, "rev-list", "--count", "HEAD") == commits


def test_setup_git_outside_a_clone_is_a_clear_error(review_copy):
    from typer.testing import CliRunner

    from litcoder.cli import app

    result = CliRunner().invoke(app, ["setup-git", str(review_copy)])
    assert result.exit_code == 1 and "is " in result.output and "a git clone" in result.output


def test_merge_file_writes_over_ours_and_keeps_the_other_edit_aside(tmp_path):
    from litcoder.merging import merge_file

    for name, text in (("o", "id,framing,edited_at\n1,leadership,\n"),
                       ("a", "id,framing,edited_at\n1,both,2026-11-30T10:00:00+00:00\n"),
                       ("b", "id,framing,edited_at\n1,neither,2026-11-30T09:00:00+00:00\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    merge_file(tmp_path / "o", tmp_path / "a", tmp_path / "b", "corpus/codings/coder-a.csv", tmp_path)
    assert (tmp_path / "a").read_text(encoding="utf-8") == "id,framing,edited_at\n1,both,2026-11-30T10:00:00+00:00\n"
    with open(tmp_path / ".litcoder/merged/coder-a.csv", newline="", encoding="utf-8") as f:
        assert [r["framing"] for r in csv.DictReader(f)] == ["neither"]


# ------------------------------------------------------------------ notebooks and the check after a merge

def test_a_clean_notebook_is_unchanged_and_outputs_are_stripped():
    from litcoder.merging import strip_notebook

    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert strip_notebook(text) == text, path.name
    run = ('{"cells": [{"cell_type": "code", "execution_count": 7, "id": "a", "metadata": {"scrolled": true}, '
           '"outputs": [{"output_type": "stream", "name": "stdout", "text": ["é\\n"]}], "source": ["print(1)"]}], '
           '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    stripped = strip_notebook(run)
    assert '"outputs": []' in stripped and '"execution_count": null' in stripped and "scrolled" not in stripped
    assert strip_notebook("not a notebook {") == "not a notebook {"


@needs_git
def test_a_notebook_run_in_a_clone_is_committed_without_its_outputs(clones):
    one, _ = clones
    assert "*.ipynb filter=litcoder-notebook" in (one / ".gitattributes").read_text(encoding="utf-8")
    hook = one / ".git" / "hooks" / "post-merge"
    assert hook.exists() and "litcoder validate" in hook.read_text(encoding="utf-8")
    notebook = one / "run.ipynb"
    notebook.write_text('{"cells": [{"cell_type": "code", "execution_count": 3, "id": "a", "metadata": {}, '
                        '"outputs": [{"output_type": "stream", "name": "stdout", "text": ["42\\n"]}], '
                        '"source": ["print(42)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                        encoding="utf-8")
    git(one, "add", "run.ipynb")
    committed = git(one, "show", ":run.ipynb")
    assert '"outputs": []' in committed and "42" not in committed.replace("print(42)", "")
    assert "42\\n" in notebook.read_text(encoding="utf-8")  # the researcher's copy keeps its outputs


@needs_git
def test_setup_git_makes_pull_merge_unless_the_member_chose_otherwise_and_checks_merges_committed_later(clones):
    one, two = clones
    git(two, "config", "--unset", "pull.rebase")
    setup_git(two, sys.executable)
    assert git(two, "config", "--get", "pull.rebase").strip() == "false"  # else git pull refuses diverged clones
    git(two, "config", "pull.rebase", "true")
    setup_git(two, sys.executable)
    assert git(two, "config", "--get", "pull.rebase").strip() == "true"
    # a merge finished by a commit (as the JupyterLab git panel does) is checked by the post-commit hook
    settle(one, "framing:Kotter1990WhatLeaders:charisma", "neither", "set aside", "member-h")
    git(one, "commit", "-qam", "a settlement")
    git(one, "push", "-q", "origin", "main")
    settle(two, "framing:Bass1985Beyond:charisma", "leadership", "Bass's own word", "member-j")
    git(two, "commit", "-qam", "another")
    git(two, "fetch", "-q", "origin")
    git(two, "merge", "--no-commit", "--no-ff", "origin/main")
    finished = subprocess.run([GIT, "commit", "--no-edit"], cwd=two, capture_output=True, text=True)
    assert finished.returncode == 0 and "No problems" in finished.stdout + finished.stderr
    plain = subprocess.run([GIT, "commit", "--allow-empty", "-m", "not a merge"], cwd=two, capture_output=True,
                           text=True)
    assert "problems" not in plain.stdout + plain.stderr.lower()


@needs_git
def test_init_makes_a_repository_set_up_for_merging(tmp_path):
    target = tmp_path / "new-review"
    who = {"GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@example.org", "GIT_COMMITTER_NAME": "m",
           "GIT_COMMITTER_EMAIL": "m@example.org", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    made = subprocess.run([sys.executable, "-m", "litcoder", "init", str(target)], capture_output=True, text=True,
                          env=who)
    assert made.returncode == 0, made.stderr
    assert "committed" in made.stdout
    assert git(target, "config", "merge.litcoder.driver").startswith(f'"{sys.executable}" -m litcoder merge-file')
    assert git(target, "status", "--porcelain") == ""  # every file of the new review committed
    assert "corpus/**/*.csv merge=litcoder" in git(target, "show", "HEAD:.gitattributes")
    nothing = subprocess.run([sys.executable, "-m", "litcoder", "init", "--no-git", str(tmp_path / "plain")],
                             capture_output=True, text=True, env=who)
    assert nothing.returncode == 0 and not (tmp_path / "plain" / ".git").exists()


@needs_git
def test_a_true_conflict_keeps_both_versions_and_validate_names_it(clones):
    one, two = clones
    settle(one, "framing:Bass1985Beyond:charisma", "leadership", "Bass's own word", "member-h")
    settle(two, "framing:Bass1985Beyond:charisma", "neither", "set aside", "member-j")
    for clone, ruling in ((one, "leadership"), (two, "both")):
        with (clone / "corpus/decisions.csv").open("a", encoding="utf-8", newline="") as f:
            csv.writer(f).writerow(["winning-buy-in", ruling, "2026-11-30", clone.name, "because", *[""] * 4])
        git(clone, "commit", "-qam", f"rulings on {clone.name}")
    git(one, "push", "-q", "origin", "main")
    git(two, "pull", "-q", "--no-edit", "origin", "main")
    rows = read_rows(two / "corpus/settlements.csv")
    mine = [r for r in rows if r["item"] == "framing:Bass1985Beyond:charisma"]
    assert [r["resolution"] for r in mine] == ["neither", "leadership"] and all(r["conflict"] for r in mine)
    assert not any(r["conflict"] for r in rows if r not in mine)
    review = Review.load(two)
    [settled] = [p for p in review.problems if p.kind == "settlement-conflict"]
    assert "settled two ways in two clones at once" in settled.message and "member-h" in settled.message
    [ruled] = [p for p in review.problems if p.kind == "decision-conflict"]
    assert "winning-buy-in was ruled two ways" in ruled.message
    # settling it again ends the conflict
    settle(two, "framing:Bass1985Beyond:charisma", "leadership", "agreed at the meeting", "member-h")
    assert not [p for p in Review.load(two).problems if p.kind == "settlement-conflict"]
    for path in (two / "corpus").rglob("*.csv"):
        assert "<<<<<<<" not in path.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the codebook, competency by competency

CODEBOOK = Path(__file__).resolve().parent.parent / "corpus/codebook.yaml"


def _competency(cid: str, label: str, indent: str = "      ") -> str:
    return (f"{indent}- id: {cid}\n{indent}  label: {label}\n{indent}  definition: >-\n{indent}    What {label} is.\n"
            f"{indent}  classification: management\n\n")


def test_the_codebook_merges_each_competency_changed_on_one_side():
    base = CODEBOOK.read_text(encoding="utf-8")
    ours = base.replace("label: Planning\n", "label: Planning ahead\n").replace("# The committee's", "# Our")
    theirs = base.replace("Allocating money to activities", "Allocating funds to activities")
    added = _competency("forecasting", "Forecasting") + "      - id: staffing\n"
    theirs = theirs.replace("      - id: staffing\n", added)
    merged = merge_codebook(base, ours, theirs)
    assert not merged.notes and not merged.conflicted
    assert merged.text == ours.replace("Allocating money to activities", "Allocating funds to activities").replace(
        "      - id: staffing\n", added)


def test_competencies_added_after_one_another_both_stay_in_place():
    base = "groups:\n  - id: g\n    competencies:\n" + _competency("a", "A") + _competency("z", "Z")
    ours = base.replace("      - id: z", _competency("b", "B").rstrip("\n") + "\n\n      - id: z")
    theirs = base + _competency("y", "Y")
    merged = merge_codebook(base, ours, theirs)
    ids = [line.split(": ")[1] for line in merged.text.splitlines() if "- id:" in line]
    assert ids == ["g", "a", "b", "z", "y"] and merged.text.count("\n\n") == 4


def test_a_competency_moved_in_one_clone_and_edited_in_the_other_is_both():
    base = ("groups:\n  - id: g\n    competencies:\n" + _competency("a", "A") + "  - id: h\n    competencies:\n"
            + _competency("b", "B"))
    ours = base.replace("What A is.", "What A really is.")
    moved = base.replace(_competency("a", "A"), "").replace("  - id: h\n    competencies:\n",
                                                            "  - id: h\n    competencies:\n" + _competency("a", "A"))
    merged = merge_codebook(base, ours, moved)
    assert merged.text == moved.replace("What A is.", "What A really is.")


def test_a_competency_removed_in_one_clone_and_changed_in_the_other_is_kept_and_named():
    base = "competencies:\n" + _competency("a", "A", "  ") + _competency("b", "B", "  ")
    removed = "competencies:\n" + _competency("b", "B", "  ")
    changed = base.replace("What A is.", "What A was.")
    merged = merge_codebook(base, removed, changed)
    assert "What A was." in merged.text and merged.notes == ["a"]
    assert "  # litcoder merge: another clone removed this competency" in merged.text


def test_a_competency_changed_both_ways_keeps_ours_with_theirs_as_comments_and_loads(tmp_path):
    from litcoder.inputs.codebook import read_codebook

    base = CODEBOOK.read_text(encoding="utf-8").replace("\n", "\r\n")
    ours = base.replace("label: Budgeting", "label: Managing the budget")
    theirs = base.replace("label: Budgeting", "label: Budgets")
    merged = merge_codebook(base, ours, theirs)
    assert merged.notes == ["budgeting"] and "\r\n      #     label: Budgets\r\n" in merged.text
    assert "\n" not in merged.text.replace("\r\n", "")  # the file's line ends kept
    (tmp_path / "codebook.yaml").write_text(merged.text, encoding="utf-8", newline="")
    codebook, _, _, log = read_codebook(tmp_path / "codebook.yaml", "corpus/codebook.yaml")
    assert codebook.set_index("competency").loc["budgeting", "label"] == "Managing the budget"
    [named] = [p for p in log if p.kind == "codebook-conflict"]
    assert named.message.startswith("budgeting was changed in two clones at once") and named.line


def test_a_codebook_whose_competencies_cannot_be_told_apart_merges_line_by_line_and_says_so(tmp_path):
    base = "competencies:\n" + _competency("a", "A", "  ") * 2
    merged = merge_codebook(base, base.replace("What A is.", "One.", 1), base.replace("What A is.", "Two.", 1))
    assert merged.conflicted and "<<<<<<< this clone" in merged.text and ">>>>>>> the other clone" in merged.text
    for name, text in (("base", base), ("ours", base.replace("What A is.", "One.", 1)),
                       ("theirs", base.replace("What A is.", "Two.", 1))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "litcoder", "merge-file", *(str(tmp_path / n) for n in
                           ("base", "ours", "theirs")), "corpus/codebook.yaml"], capture_output=True, text=True)
    assert done.returncode == 1 and "merged line by line" in done.stderr
    assert "<<<<<<<" in (tmp_path / "ours").read_text(encoding="utf-8")


def test_one_row_per_source_merges_cell_by_cell_and_a_cell_changed_both_ways_is_named(tmp_path):
    from litcoder.inputs.attributes import read_attributes

    base = "citekey,field,sector\nKotter1990WhatLeaders,business and management,business\nBass1985Beyond,,\n"
    ours = base.replace("management,business", "management,government") + "Burns1978Leadership,,\n"
    theirs = base.replace("Bass1985Beyond,,", "Bass1985Beyond,political science,")
    assert merge_keyed(base, ours, theirs, "citekey").text == (
        "citekey,field,sector\nKotter1990WhatLeaders,business and management,government\n"
        "Bass1985Beyond,political science,\nBurns1978Leadership,,\n")
    clash = base.replace("management,business", "management,health care")
    merged = merge_keyed(base, ours, clash, "citekey")
    assert merged.text.splitlines()[:2] == [
        "citekey,field,sector,conflict",
        "Kotter1990WhatLeaders,business and management,government,"
        "made in two clones at once: the other clone gave sector = 'health care'"]
    (tmp_path / "attributes.csv").write_text(merged.text, encoding="utf-8")
    definitions = {"field": {"values": ["business and management", "political science"]},
                   "sector": {"values": ["business", "government", "health care"]}}
    frame, log = read_attributes(tmp_path / "attributes.csv", "corpus/attributes.csv", definitions,
                                 ["Kotter1990WhatLeaders", "Bass1985Beyond", "Burns1978Leadership"])
    assert frame.set_index("citekey").loc["Kotter1990WhatLeaders", "sector"] == "government"
    [named] = [p for p in log if p.kind == "attributes-conflict"]
    assert named.line == 2 and "sector = 'health care'" in named.message
