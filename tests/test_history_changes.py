"""`changes`: who changed what and when, for a competency, a ruling, a source or a coding,
from the review's logs and from git (a repository made from the bundled review, two authors)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from conftest import read_rows

from litcoder.inputs import codebook_changes
from litcoder.inputs.history import CHANGE_COLUMNS, SHOWN_ONE_BY_ONE, changes
from litcoder.problems import ProblemLog
from litcoder.store import CoderFile

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
ADA, BOB = ("Ada", "2027-01-01T10:00:00+00:00"), ("Bob", "2027-01-02T10:00:00+00:00")


def commit(root: Path, author: str, when: str, message: str) -> str:
    """Commit every change as `author` at `when`; the commit's short hash."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.org",
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author.lower()}@example.org",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for args in (["add", "-A"], ["commit", "-q", "-m", message], ["rev-parse", "--short", "HEAD"]):
        done = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def team(review_copy) -> tuple[Path, dict[str, str]]:
    """The bundled review in git: committed by Ada, then Bob relabels budgeting, Ada appends a
    ruling without saying who made it, Bob rewrites a ruling by hand, Ada renames directing."""
    root = review_copy
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    hashes = {"first": commit(root, *ADA, "the review as the committee had it")}
    codebook = root / "corpus" / "codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace(
        "label: Budgeting\n", "label: Managing the budget\n"), encoding="utf-8")
    hashes["label"] = commit(root, *BOB, "budgeting in our words")
    decisions = root / "corpus" / "decisions.csv"
    with open(decisions, "a", encoding="utf-8", newline="") as f:
        f.write("budgeting,both,2027-01-03,,Some sources treat the budget as a statement of direction,0,4,2,0\n")
    hashes["ruling"] = commit(root, "Ada", "2027-01-03T10:00:00+00:00", "a ruling")
    text = decisions.read_text(encoding="utf-8")
    decisions.write_text(text.replace("Budgeting is named as a management process",
                                      "Budgeting is called a management process"), encoding="utf-8")
    hashes["by hand"] = commit(root, "Bob", "2027-01-04T10:00:00+00:00", "wording of the budgeting ruling")
    codebook_changes.rename(root, "directing", "guiding", by="member-h", why="a clearer name")
    hashes["rename"] = commit(root, "Ada", "2027-01-05T10:00:00+00:00", "directing is guiding now")
    return root, hashes


def coding_rows(history) -> list[dict]:
    return history[history["where"].str.startswith("corpus/codings/")].to_dict("records")


def other_rows(history) -> list[tuple]:
    return [tuple(row) for row in history[~history["where"].str.startswith("corpus/codings/")].itertuples(index=False)]


def expected_coded(root: Path, column: str, value: str) -> Counter:
    """Rows the history should give each coder's coding days: one per coding up to
    SHOWN_ONE_BY_ONE a day, else one."""
    days = Counter((path.stem, row["coded_at"][:10]) for path in sorted((root / "corpus" / "codings").glob("*.csv"))
                   for row in read_rows(path) if row[column] == value)
    return Counter({key: n if n <= SHOWN_ONE_BY_ONE else 1 for key, n in days.items()})


def assert_oldest_first(history) -> None:
    instants = [datetime.fromisoformat(w if "T" in w else w + "T00:00:00+00:00") for w in history["when"]]
    assert instants == sorted(instants)


@needs_git
def test_a_competencys_history_from_its_logs_and_git(team):
    root, hashes = team
    history = changes(root, "competency", "budgeting")
    assert list(history.columns) == CHANGE_COLUMNS
    assert_oldest_first(history)
    assert other_rows(history) == [
        ("2026-10-14", "full committee",
         "ruled management: Budgeting is called a management process in every source that mention…",
         "corpus/decisions.csv:3"),
        ("2026-11-20", "member-h", "settled budgeting present in Kotter1990WhatLeaders passage 3: The passage "
         "names allocating money to each step of the plan; budgetin…", "corpus/settlements.csv:6"),
        ("2027-01-01T10:00:00+00:00", "Ada", "added to the codebook (git: the review as the committee had it)",
         f"git {hashes['first']}"),
        ("2027-01-02T10:00:00+00:00", "Bob",
         "label changed in the codebook: 'Budgeting' → 'Managing the budget' (git: budgeting in our words)",
         f"git {hashes['label']}"),
        ("2027-01-03", "Ada", "ruled both: Some sources treat the budget as a statement of direction",
         f"corpus/decisions.csv:11 · git {hashes['ruling']}"),  # who made it: the commit's author
        ("2027-01-04T10:00:00+00:00", "Bob", "a ruling changed or removed by hand in decisions.csv (git: wording "
         "of the budgeting ruling)", f"git {hashes['by hand']}"),
    ]
    coded = Counter((row["who"], row["when"][:10]) for row in coding_rows(history))
    assert coded == expected_coded(root, "competency", "budgeting") and coded


@needs_git
def test_a_renamed_competency_keeps_its_old_history(team):
    root, hashes = team
    history = changes(root, "competency", "guiding")
    [renamed] = read_rows(root / "corpus" / "codebook-changes.csv")
    rows = other_rows(history)
    assert ("2026-11-18", "member-h", "settled the framing of guiding in Fayol1949General as management: Command "
            "is one of Fayol's five elements of management; coder-b's 'bot…", "corpus/settlements.csv:3") in rows
    assert ("2027-01-01T10:00:00+00:00", "Ada", "added to the codebook (git: the review as the committee had it)",
            f"git {hashes['first']}") in rows  # as directing
    assert (renamed["changed_at"], "member-h", "renamed from directing to guiding: a clearer name",
            "corpus/codebook-changes.csv:2") in rows
    assert len(rows) == 3  # the rename's commit (codebook, settlement, codings) is the log row's, not told again
    coded = Counter((row["who"], row["when"][:10]) for row in coding_rows(history))
    assert coded == expected_coded(root, "competency", "guiding") and coded
    assert not any(row["what"].startswith("edited") for row in coding_rows(history))  # carried, not edited
    old = changes(root, "competency", "directing")  # the old id: what it underwent
    assert "renamed to guiding: a clearer name" in set(old["what"])


@needs_git
def test_a_rulings_history(team):
    root, hashes = team
    history = changes(root, "ruling", "budgeting")
    assert [(row.who, row.what.split(":")[0], row.where.split(" ·")[0]) for row in history.itertuples()] == [
        ("full committee", "ruled management", "corpus/decisions.csv:3"),
        ("Ada", "ruled both", "corpus/decisions.csv:11"),
        ("Bob", "a ruling changed or removed by hand in decisions.csv (git", f"git {hashes['by hand']}")]


@needs_git
def test_a_sources_history(team):
    root, hashes = team
    attributes = root / "corpus" / "attributes.csv"
    attributes.write_text(attributes.read_text(encoding="utf-8").replace(
        "Fayol1949General,book,business and management,business",
        "Fayol1949General,book,business and management,government"), encoding="utf-8")
    attributes_commit = commit(root, "Bob", "2027-01-06T10:00:00+00:00", "Fayol's sector")
    text = root / "corpus" / "sources" / "Fayol1949General.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nA note added in review.\n", encoding="utf-8")
    text_commit = commit(root, "Ada", "2027-01-07T10:00:00+00:00", "a note on Fayol")
    history = changes(root, "source", "Fayol1949General")
    assert_oldest_first(history)
    rows = other_rows(history)
    assert rows[0][:2] == ("2026-11-18", "member-h") and rows[0][2].startswith(
        "settled the framing of guiding in Fayol1949General as management")
    assert rows[1:] == [
        ("2027-01-01T10:00:00+00:00", "Ada", "attributes changed: source_type (none) → book; field (none) → business "
         "and management; sector (none) → business (git: the review as the committee had it)",
         f"git {hashes['first']}"),
        ("2027-01-01T10:00:00+00:00", "Ada", "bibliography entry changed in git (git: the review as the committee "
         "had it)", f"git {hashes['first']}"),
        ("2027-01-01T10:00:00+00:00", "Ada", "text added: Fayol1949General.md (git: the review as the committee "
         "had it)", f"git {hashes['first']}"),
        ("2027-01-06T10:00:00+00:00", "Bob", "attributes changed: sector business → government (git: Fayol's "
         "sector)", f"git {attributes_commit}"),
        ("2027-01-07T10:00:00+00:00", "Ada", "text changed: Fayol1949General.md (git: a note on Fayol)",
         f"git {text_commit}"),
    ]
    coded = Counter((row["who"], row["when"][:10]) for row in coding_rows(history))
    assert coded == expected_coded(root, "citekey", "Fayol1949General") and coded


def test_without_git_the_logs_still_tell_the_history(review_copy):
    root = review_copy
    store = CoderFile(root / "corpus" / "codings" / "coder-a.csv")
    coding = next(row for row in store.rows() if row["competency"] == "budgeting")
    store.update(coding["id"], framing="both", memo="read again")
    removed = store.remove(coding["id"])
    store.restore(removed)
    history = changes(root, "competency", "budgeting", use_git=False)
    assert not history["where"].str.startswith("git").any()
    mine = [row["what"] for row in coding_rows(history) if row["where"].startswith("corpus/codings/history/")]
    passage = f"passage {coding['passage']} of {coding['citekey']}"
    assert mine == [f"edited its coding of {passage}: framing management → both; memo (none) → read again",
                    f"removed its coding of {passage} (budgeting, both)",
                    f"restored its coding of {passage} (budgeting, both)"]
    [ruling] = [row for row in history.itertuples() if row.where == "corpus/decisions.csv:3"]
    assert (ruling.when, ruling.who) == ("2026-10-14", "full committee")

    versions = changes(root, "coding", f"coder-a/{coding['id']}", use_git=False)
    assert [(row.who, row.what.split(":")[0]) for row in versions.itertuples()] == [
        ("coder-a", f"coded {passage} as budgeting, management"), ("coder-a", "edited"), ("coder-a", "removed"),
        ("coder-a", "restored")]
    assert versions["what"][1] == "edited: framing management → both; memo (none) → read again"
    assert versions["where"][0].startswith("corpus/codings/coder-a.csv:")
    assert versions["where"][1] == "corpus/codings/history/coder-a.csv:2"
    assert changes(root, "coding", coding["id"], use_git=False).equals(versions)  # the id alone finds its coder


def test_many_codings_on_one_day_are_one_row(review_copy):
    store = CoderFile(review_copy / "corpus" / "codings" / "coder-z.csv")
    made = [{"citekey": "Kotter1990WhatLeaders", "passage": n, "quote": "q", "competency": "budgeting",
             "framing": framing, "coded_at": f"2027-02-01T10:0{n}:00+00:00"}
            for n, framing in enumerate(["management"] * 3 + ["both"] * 2)]
    store.append(*made)
    store.append({**made[0], "coded_at": "2027-02-02T10:00:00+00:00"})
    rows = [row for row in coding_rows(changes(review_copy, "competency", "budgeting", use_git=False))
            if row["who"] == "coder-z"]
    assert [(row["when"], row["what"], row["where"]) for row in rows] == [
        ("2027-02-01T10:00:00+00:00", "coded 5 passages (3 management, 2 both)",
         "corpus/codings/coder-z.csv:2 and 4 more"),
        ("2027-02-02T10:00:00+00:00", "coded passage 0 of Kotter1990WhatLeaders as budgeting, management",
         "corpus/codings/coder-z.csv:7")]


def test_unknown_keys_are_refused_with_the_closest(review_copy):
    with pytest.raises(ValueError, match=r"no competency .budgetting..*did you mean budgeting"):
        changes(review_copy, "competency", "budgetting")
    with pytest.raises(ValueError, match="no competency 'budgetting'"):
        changes(review_copy, "ruling", "budgetting")
    with pytest.raises(ValueError, match=r"no source .Fayol1949Generl..*did you mean Fayol1949General"):
        changes(review_copy, "source", "Fayol1949Generl")
    with pytest.raises(ValueError, match="no coding 'coder-a-001' in any coder's file"):
        changes(review_copy, "coding", "coder-a-001")
    with pytest.raises(ValueError, match="no coding 'coder-a-0001' in coder-b's file"):
        changes(review_copy, "coding", "coder-b/coder-a-0001")
    with pytest.raises(ValueError, match=r"'rulings' is not something with a history.*did you mean ruling"):
        changes(review_copy, "rulings", "budgeting")


def test_unreadable_logs_are_problems_not_errors(review_copy):
    (review_copy / "corpus" / "decisions.csv").write_text("who,what\nx,y\n", encoding="utf-8")
    log = ProblemLog("history")
    history = changes(review_copy, "ruling", "budgeting", use_git=False, log=log)
    assert history.empty
    assert [(p.file, p.kind) for p in log] == [("corpus/decisions.csv", "csv-header")]


def test_the_ruling_screen_shows_the_history_only_when_opened(review_copy, monkeypatch):
    from litcoder.review import Review
    from litcoder.screens import ruling

    asked = []
    monkeypatch.setattr(ruling, "changes", lambda *args, **kw: asked.append(args[1:]) or changes(*args, **kw))
    screen = ruling.RulingScreen(Review.load(review_copy))
    screen.competency.value = "budgeting"
    assert screen.history.selected_index is None and screen.history_view.value == "" and asked == []
    assert screen.history.get_title(0) == "History of this competency"
    screen.history.selected_index = 0
    assert asked == [("competency", "budgeting")]
    shown = screen.history_view.value
    assert shown.startswith('<table class="lc-history">') and "ruled management: Budgeting is named" in shown
    assert shown.index("corpus/settlements.csv:6") < shown.index("corpus/decisions.csv:3")  # newest first
    screen.competency.value = "planning"  # open: the new competency's history
    assert asked[-1] == ("competency", "planning") and "ruled management: Every source" in screen.history_view.value
    screen.history.selected_index = None
    assert screen.history_view.value == ""
    screen.competency.value = "budgeting"
    assert asked[-1] == ("competency", "planning")  # closed: nothing read


@needs_git
def test_a_review_in_a_folder_of_the_repository(review_copy, tmp_path_factory):
    top = tmp_path_factory.mktemp("depot")
    root = top / "revue de littérature"
    shutil.copytree(review_copy, root)
    subprocess.run(["git", "init", "-q"], cwd=top, check=True)
    first = commit(top, *ADA, "the review")
    decisions = root / "corpus" / "decisions.csv"
    decisions.write_text(decisions.read_text(encoding="utf-8").replace("Budgeting is named", "Budgeting is called"),
                         encoding="utf-8")
    edit = commit(top, *BOB, "reworded")
    history = changes(root, "competency", "budgeting")
    assert ("2027-01-01T10:00:00+00:00", "Ada", f"git {first}") in {(r.when, r.who, r.where) for r in
                                                                      history.itertuples()}
    assert ("Bob", "a ruling changed or removed by hand in decisions.csv (git: reworded)", f"git {edit}") in {
        (r.who, r.what, r.where) for r in history.itertuples()}


def test_the_history_command_prints_a_table_csv_and_a_clear_refusal(review_copy):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "litcoder", "history", *args, "--review", str(review_copy),
                               "--no-git"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "160"})
    shown = run("ruling", "charisma")
    assert shown.returncode == 0 and "History of ruling charisma: 1 change(s)" in shown.stdout
    assert "full committee" in shown.stdout and "ruled neither" in shown.stdout
    table = run("competency", "planning", "--csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert rows and list(rows[0]) == CHANGE_COLUMNS
    assert {"coder-a", "coder-b", "coder-c", "full committee"} <= {r["who"] for r in rows}
    refused = run("source", "Kotter1990")
    assert refused.returncode == 1 and "did you mean Kotter1990WhatLeaders?" in refused.stderr
    assert "Traceback" not in refused.stderr
