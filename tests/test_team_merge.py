"""A committee working in three clones at once, pushing and pulling in every order (issue 16):
every row survives, no file holds conflict markers, the review loads, and a true conflict is
named with both versions kept. And a clone that skipped `litcoder setup-git` is told so."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REVIEW_FILES, read_rows

from litcoder import Review
from litcoder.inputs.decisions import record_decision
from litcoder.inputs.settlements import settle
from litcoder.merging import NOTE, setup_git
from litcoder.store import CoderFile

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed")
ROOT = Path(__file__).resolve().parent.parent
CLONES = ("ana", "ben", "cai")
CONTESTED = "framing:Bass1985Beyond:charisma"


def git(where: Path, *args: str, hooks: bool = True) -> str:
    quiet = [] if hooks else ["-c", f"core.hooksPath={where / '.no-hooks'}"]
    return subprocess.run([GIT, *quiet, *args], cwd=where, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A bare repository of the bundled review, its .gitattributes committed by `setup-git`."""
    folder = tmp_path_factory.mktemp("team")
    start = folder / "start"
    start.mkdir()
    for name in REVIEW_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, start / name)
    git(start, "init", "-q", "-b", "main")
    git(start, "-c", "user.name=chair", "-c", "user.email=chair@example.org", "add", "-A")
    setup_git(start, sys.executable, commit=False)
    git(start, "-c", "user.name=chair", "-c", "user.email=chair@example.org", "commit", "-qm", "the review")
    git(folder, "clone", "-q", "--bare", str(start), str(folder / "hub.git"))
    return folder / "hub.git"


@pytest.fixture
def hub(pristine, tmp_path) -> Path:
    """The committee's shared repository, as it was before anyone pushed."""
    return shutil.copytree(pristine, tmp_path / "hub.git")


def _clone(hub: Path, where: Path, name: str) -> Path:
    git(where, "clone", "-q", str(hub), name)
    clone = where / name
    for key, value in (("user.name", name), ("user.email", f"{name}@example.org")):
        git(clone, "config", key, value)
    setup_git(clone, sys.executable)  # which also makes `git pull` merge
    return clone


def _codings(coder: str, laptop: str, n: int) -> list[dict]:
    return [{"id": f"{coder}-{laptop}-{i}", "citekey": "Kotter1990WhatLeaders", "passage": "1",
             "quote": "a set of activities", "competency": "developing-staff", "framing": "leadership",
             "coded_at": f"2026-11-30T1{i}:00:00+00:00"} for i in range(n)]


def _work(clones: dict[str, Path]) -> None:
    """What each person does in their own clone before anyone pushes."""
    ana, ben, cai = clones["ana"], clones["ben"], clones["cai"]
    counts = {"leadership_sources": 3}
    # three coders in parallel, and coder-a on two laptops
    CoderFile(ana / "corpus/codings/coder-a.csv").append(*_codings("coder-a", "ana", 3))
    CoderFile(ben / "corpus/codings/coder-b.csv").append(*_codings("coder-b", "ben", 2))
    CoderFile(ben / "corpus/codings/coder-b.csv").update("coder-b-0002", framing="both")
    CoderFile(cai / "corpus/codings/coder-c.csv").append(*_codings("coder-c", "cai", 2))
    CoderFile(cai / "corpus/codings/coder-a.csv").append(*_codings("coder-a", "cai", 1))
    # two members rule and settle: the same competency and item two ways (a true conflict), and others
    record_decision(ana, "winning-buy-in", "leadership", "every source says so", "member-h", counts, "leadership")
    record_decision(ben, "winning-buy-in", "both", "Kotter's managers do it too", "member-j", counts, "leadership")
    record_decision(ben, "budgeting", "management", "unchanged evidence", "member-j", {}, "management")
    settle(ana, CONTESTED, "leadership", "Bass's own word", "member-h")
    settle(ben, CONTESTED, "neither", "set aside", "member-j")
    settle(ben, "framing:Kotter1990WhatLeaders:charisma", "neither", "not a kind of leadership", "member-j")
    # a member renames a competency's label while another edits another competency
    _edit(ana / "corpus/codebook.yaml", "        label: Planning\n", "        label: Planning ahead\n")
    _edit(cai / "corpus/codebook.yaml", "Allocating money to activities", "Allocating funds to activities")
    # two members give one source's attributes, each a different one
    _edit(ana / "corpus/attributes.csv", "Bass1985Beyond,book,business and management,organizations in general",
          "Bass1985Beyond,book,business and management,business")
    _edit(cai / "corpus/attributes.csv", "Bass1985Beyond,book,business and management,organizations in general",
          "Bass1985Beyond,book,political science,organizations in general")
    for name, clone in clones.items():
        git(clone, "add", "-A")
        git(clone, "commit", "-qm", f"{name}'s work")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("order", list(itertools.permutations(CLONES)), ids="-".join)
def test_three_clones_push_and_pull_in_every_order_and_keep_every_row(hub, tmp_path, order):
    clones = {name: _clone(hub, tmp_path, name) for name in CLONES}
    before = {path.relative_to(clones["ana"]).as_posix(): len(read_rows(path))
              for path in (clones["ana"] / "corpus").rglob("*.csv") if "coverage" not in path.parts}
    _work(clones)
    hooks = order == CLONES  # one order runs the post-merge check as a member would meet it
    for name in order:  # each pulls what the others pushed, then pushes
        git(clones[name], "pull", "-q", "--no-edit", "origin", "main", hooks=hooks)
        git(clones[name], "push", "-q", "origin", "main")
    for name in order[:2]:
        git(clones[name], "pull", "-q", "--no-edit", "origin", "main", hooks=hooks)

    first = clones[order[0]]
    for clone in clones.values():  # every clone holds the same review
        for path in (first / "corpus").rglob("*"):
            if path.is_file() and ".lock" not in path.name:
                assert (clone / path.relative_to(first)).read_bytes() == path.read_bytes(), path
    coded = {r["id"] for coder in ("a", "b", "c") for r in read_rows(first / f"corpus/codings/coder-{coder}.csv")}
    for coder, laptop, n in (("coder-a", "ana", 3), ("coder-b", "ben", 2), ("coder-c", "cai", 2),
                             ("coder-a", "cai", 1)):
        assert {c["id"] for c in _codings(coder, laptop, n)} <= coded
    after = {key: len(read_rows(first / key)) for key in before}
    assert after["corpus/codings/coder-a.csv"] == before["corpus/codings/coder-a.csv"] + 4
    assert after["corpus/decisions.csv"] == before["corpus/decisions.csv"] + 3
    assert after["corpus/settlements.csv"] == before["corpus/settlements.csv"] + 3
    edited = [r for r in read_rows(first / "corpus/codings/coder-b.csv") if r["id"] == "coder-b-0002"]
    assert [r["framing"] for r in edited] == ["both"]
    codebook = (first / "corpus/codebook.yaml").read_text(encoding="utf-8")
    assert "label: Planning ahead" in codebook and "Allocating funds to activities" in codebook
    assert NOTE not in codebook
    bass = [r for r in read_rows(first / "corpus/attributes.csv") if r["citekey"] == "Bass1985Beyond"]
    assert [(r["field"], r["sector"]) for r in bass] == [("political science", "business")]
    for path in (first / "corpus").rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".yaml", ".md"):
            assert "<<<<<<<" not in path.read_text(encoding="utf-8"), path

    review = Review.load(first)
    assert not [p for p in review.problems if p.severity == "error"], review.problems
    assert review.codebook.set_index("competency").loc["planning", "label"] == "Planning ahead"
    [ruled] = [p for p in review.problems if p.kind == "decision-conflict"]  # named, both versions kept
    assert "winning-buy-in" in ruled.message and "member-h" in ruled.message and "member-j" in ruled.message
    [settled] = [p for p in review.problems if p.kind == "settlement-conflict"]
    assert CONTESTED in settled.message and "leadership" in settled.message and "neither" in settled.message
    validated = subprocess.run([sys.executable, "-m", "litcoder", "validate", str(first)], capture_output=True,
                               text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_a_competency_changed_both_ways_keeps_both_versions_and_is_named(hub, tmp_path):
    one, two = _clone(hub, tmp_path, "ana"), _clone(hub, tmp_path, "ben")
    _edit(one / "corpus/codebook.yaml", "        label: Planning\n", "        label: Planning ahead\n")
    _edit(two / "corpus/codebook.yaml", "        label: Planning\n", "        label: Forward planning\n")
    for clone in (one, two):
        git(clone, "commit", "-qam", "the label")
    git(one, "push", "-q", "origin", "main")
    pulled = subprocess.run([GIT, "pull", "--no-edit", "origin", "main"], cwd=two, capture_output=True, text=True)
    assert pulled.returncode == 0 and "planning was changed in both clones" in pulled.stderr
    text = (two / "corpus/codebook.yaml").read_text(encoding="utf-8")
    assert "label: Forward planning" in text and "#     label: Planning ahead" in text and "<<<<<<<" not in text
    review = Review.load(two)
    [named] = [p for p in review.problems if p.kind == "codebook-conflict"]
    assert named.message.startswith("planning was changed in two clones at once")
    assert review.codebook.set_index("competency").loc["planning", "label"] == "Forward planning"


def test_a_clone_that_skipped_setup_git_is_told_and_its_conflict_markers_are_named(hub, tmp_path):
    one = _clone(hub, tmp_path, "ana")
    git(tmp_path, "clone", "-q", str(hub), "skipped")
    two = tmp_path / "skipped"
    for key, value in (("user.name", "ben"), ("user.email", "ben@example.org"), ("pull.rebase", "false")):
        git(two, "config", key, value)
    told = [p for p in Review.load(two).problems if p.kind == "setup-git"]
    assert told and "has not been set up" in told[0].message and "litcoder setup-git" in told[0].action
    assert not [p for p in Review.load(one).problems if p.kind == "setup-git"]
    settle(one, CONTESTED, "leadership", "Bass's own word", "member-h")
    settle(two, "framing:Kotter1990WhatLeaders:charisma", "neither", "not a kind of leadership", "member-j")
    for clone in (one, two):
        git(clone, "commit", "-qam", "a settlement")
    git(one, "push", "-q", "origin", "main")
    pulled = subprocess.run([GIT, "pull", "--no-edit", "origin", "main"], cwd=two, capture_output=True, text=True)
    assert pulled.returncode != 0  # git's own line merge: both added a last row
    review = Review.load(two)
    [markers] = [p for p in review.problems if p.kind == "merge-markers"]
    assert markers.file == "corpus/settlements.csv" and "setup-git" in markers.action
    items = set(review.settlements["item"])
    assert {CONTESTED, "framing:Kotter1990WhatLeaders:charisma"} <= items  # both sides' rows still count
