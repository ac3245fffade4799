"""The hub for members who will not use git (docs/hub.md): the `[team]` extra is declared and
installed, JupyterLab has the git extension enabled, and a member's own JupyterLab server,
started on a clone of the committee's repository, pulls, commits and pushes through the git
panel's REST API, with litcoder's merge doing the merging.

What a real hub adds (The Littlest JupyterHub needs a fresh Ubuntu server with systemd) is
not tested here; docs/hub.md says so."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pytest
from conftest import REVIEW_FILES, ROOT, read_rows
from packaging.requirements import Requirement

from litcoder.inputs.settlements import settle
from litcoder.store import CoderFile

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")
TOKEN = "litcoder-hub-test-token"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _team_requirements() -> list[Requirement]:
    """litcoder's installed requirements that only the `team` extra brings."""
    found = [Requirement(text) for text in metadata.requires("litcoder") or []]
    return [r for r in found if r.marker is not None and r.marker.evaluate({"extra": "team"})
            and not r.marker.evaluate({"extra": ""})]


def _jupyter(*args: str, env: dict | None = None) -> str:
    """A `jupyter` subcommand of this environment; what it printed (both streams), without colours."""
    result = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return ANSI.sub("", result.stdout + result.stderr)


# ------------------------------------------------------------------ the extra

def test_the_team_extra_names_the_git_extension_in_pyproject_and_in_the_installed_metadata():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    team = [Requirement(text) for text in declared["project"]["optional-dependencies"]["team"]]
    assert [r.name for r in team] == ["jupyterlab-git"]
    installed = _team_requirements()
    assert [(r.name, r.specifier) for r in installed] == [(r.name, r.specifier) for r in team], (
        "the installed litcoder is older than pyproject.toml: pip install -e '.[test,team]'")


def test_the_installed_git_extension_is_a_version_the_extra_allows():
    (requirement,) = _team_requirements()
    assert find_spec("jupyterlab_git") is not None, "the team extra is not installed: pip install -e '.[team]'"
    assert requirement.specifier.contains(metadata.version("jupyterlab-git"))
    # the extension is built for JupyterLab 4, which litcoder itself requires
    assert metadata.version("jupyterlab").startswith("4.")


def test_jupyter_server_loads_the_git_extension(tmp_path):
    # a config folder of our own, so that no one's personal settings decide what is enabled
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    listed = _jupyter("server", "extension", "list", env=env)
    assert re.search(r"^\s*jupyterlab_git enabled\s*$", listed, re.M), listed
    assert re.search(rf"^\s*jupyterlab_git {re.escape(metadata.version('jupyterlab-git'))} OK\s*$", listed, re.M), \
        listed


def test_jupyterlab_has_the_git_panel(tmp_path):
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    listed = _jupyter("labextension", "list", env=env)
    assert re.search(r"^\s*@jupyterlab/git v\S+ enabled OK", listed, re.M), listed


# ------------------------------------------------------------------ a member's server on a hub

def git(where: Path, *args: str) -> str:
    result = subprocess.run([GIT, *args], cwd=where, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _litcoder(where: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "litcoder", *args], cwd=where, capture_output=True, text=True,
                          timeout=120)


def _member(home: Path, name: str) -> dict:
    """The environment of a member's processes: their own home, with their git identity in it
    (as `git config --global` in their terminal on the hub would write it)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(f"[user]\n\tname = {name}\n\temail = {name}@example.org\n",
                                     encoding="utf-8")  # no pull.rebase: setup-git sets it in the clone
    return {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}


def _clone(remote: Path, home: Path, env: dict) -> Path:
    """A member's clone in their home, set up once with `litcoder setup-git`."""
    subprocess.run([GIT, "clone", "-q", str(remote), str(home / "review")], check=True, env=env)
    done = subprocess.run([sys.executable, "-m", "litcoder", "setup-git", str(home / "review")], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return home / "review"


@pytest.fixture(scope="module")
def committee(tmp_path_factory):
    """The committee's repository (bare, as on a git host) with litcoder's .gitattributes in it,
    and two members' clones: member-h works on the hub, member-j on a laptop with git."""
    if GIT is None:
        pytest.skip("git is not installed")
    top = tmp_path_factory.mktemp("committee")
    start = top / "start"
    founder = _member(top / "founder", "founder")
    # `litcoder init` makes the repository (its .gitignore, and .gitattributes naming litcoder's merge,
    # committed so that they travel with every clone); the bundled review's inputs fill it
    subprocess.run([GIT, "config", "--global", "init.defaultBranch", "main"], check=True, env=founder)
    made = subprocess.run([sys.executable, "-m", "litcoder", "init", str(start)], env=founder, capture_output=True,
                          text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    for name in REVIEW_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, start / name, dirs_exist_ok=True)
        else:
            shutil.copy(ROOT / name, start / name)
    for args in (("add", "-A"), ("commit", "-qm", "the review")):
        subprocess.run([GIT, *args], cwd=start, check=True, env=founder)
    subprocess.run([GIT, "clone", "-q", "--bare", str(start), str(top / "committee.git")], check=True, env=founder)
    members = {name: _member(top / name, name) for name in ("member-h", "member-j")}
    clones = {name: _clone(top / "committee.git", top / name, env) for name, env in members.items()}
    return top / "committee.git", clones, members


@pytest.fixture(scope="module")
def hub_server(committee, tmp_path_factory):
    """member-h's single-user JupyterLab on 127.0.0.1, serving their clone, as a hub's spawner starts it."""
    _, clones, members = committee
    runtime = tmp_path_factory.mktemp("jupyter")
    env = {**members["member-h"], "JUPYTER_CONFIG_DIR": str(runtime / "config"),
           "JUPYTER_RUNTIME_DIR": str(runtime / "runtime")}
    port = _free_port()
    log = open(runtime / "server.log", "w")  # noqa: SIM115 - the server writes to it for as long as it runs
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={clones['member-h']}",
         f"--LabApp.user_settings_dir={runtime / 'settings'}", f"--LabApp.workspaces_dir={runtime / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, server, runtime / "server.log")
        print(f"JupyterLab answered after {time.monotonic() - started:.1f} s")
        yield url, clones, members
    finally:
        _stop(server)
        log.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if server.poll() is not None:
            pytest.fail(f"JupyterLab stopped at once ({server.returncode}): {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("JupyterLab did not start within 60 s: " + log.read_text()[-2000:])


def _stop(server: subprocess.Popen) -> None:
    """Stop the server by its process id, as the hub stops an idle member's server (SIGTERM)."""
    if server.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()


def _panel(url: str, action: str, body: dict | None = None) -> tuple[int, dict]:
    """What the git panel asks the server (POST /git/<action> on the served folder): the status and the answer."""
    request = urllib.request.Request(f"{url}/git/{action}", data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _changed(status: dict) -> set[str]:
    return {f["to"] for f in status["files"]}


@needs_git
def test_the_git_panel_sees_the_members_clone(hub_server):
    url, clones, _ = hub_server
    code, top = _panel(url, "show_top_level")
    assert code == 200 and Path(top["path"]).resolve() == clones["member-h"].resolve()
    code, status = _panel(url, "status")
    assert code == 200 and status["code"] == 0
    assert (status["branch"], status["remote"], status["ahead"], status["behind"]) == ("main", "origin/main", 0, 0)
    assert status["files"] == []  # setup-git changed the clone's config, not its files


@needs_git
def test_the_members_jupyterlab_page_loads_the_git_panel(hub_server):
    url, _, _ = hub_server
    with urllib.request.urlopen(f"{url}/lab?token={TOKEN}", timeout=30) as page:
        html = page.read().decode("utf-8")
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    assert "@jupyterlab/git" in {extension["name"] for extension in config["federated_extensions"]}


@needs_git
def test_a_member_pulls_commits_and_pushes_from_the_panel_and_nothing_is_lost(hub_server, committee):
    url, clones, members = hub_server
    remote = committee[0]
    hub, laptop = clones["member-h"], clones["member-j"]
    coding = {"citekey": "Fayol1949General", "passage": "5", "quote": "Command sets the organisation in motion",
              "competency": "directing", "framing": "management"}
    # member-j, on a laptop with git, settles one item and codes, and pushes first
    settle(laptop, "framing:Bass1985Beyond:charisma", "leadership", "Bass's own word", "member-j")
    CoderFile(laptop / "corpus/codings/coder-a.csv").append({**coding, "id": "laptop-1"})
    for args in (("add", "-A"), ("commit", "-qm", "member-j's work"), ("push", "-q", "origin", "main")):
        subprocess.run([GIT, *args], cwd=laptop, check=True, env=members["member-j"])
    # member-h, on the hub, settles another item and codes in the same files (as the screens write them)
    settle(hub, "framing:Kotter1990WhatLeaders:charisma", "neither", "set aside", "member-h")
    CoderFile(hub / "corpus/codings/coder-a.csv").append({**coding, "id": "hub-1"})
    code, status = _panel(url, "status")
    assert _changed(status) == {"corpus/settlements.csv", "corpus/codings/coder-a.csv"}
    # the panel: stage all, commit, pull (a merge through litcoder's driver), commit the merge, push
    assert _panel(url, "add", {"add_all": True})[0] == 200
    code, answer = _panel(url, "commit", {"commit_msg": "member-h's work"})
    assert code == 200, answer
    code, answer = _panel(url, "pull", {})
    assert code == 200 and answer["code"] == 0, answer
    assert "<<<<<<<" not in (hub / "corpus/settlements.csv").read_text(encoding="utf-8")
    code, answer = _panel(url, "commit", {"commit_msg": "Merge the committee's work"})
    assert code == 200, answer
    code, answer = _panel(url, "push", {})
    assert code == 200 and answer["code"] == 0, answer
    code, status = _panel(url, "status")
    assert (status["ahead"], status["behind"], status["files"]) == (0, 0, [])
    # member-j pulls: both clones and the committee's repository hold every row, and the review loads cleanly
    subprocess.run([GIT, "pull", "-q", "origin", "main"], cwd=laptop, check=True, env=members["member-j"])
    for clone in (hub, laptop):
        settled = {(r["item"], r["settled_by"]) for r in read_rows(clone / "corpus/settlements.csv")}
        assert {("framing:Bass1985Beyond:charisma", "member-j"),
                ("framing:Kotter1990WhatLeaders:charisma", "member-h")} <= settled
        assert {"laptop-1", "hub-1"} <= {r["id"] for r in read_rows(clone / "corpus/codings/coder-a.csv")}
        assert not [p for p in clone.rglob("*.csv") if "<<<<<<<" in p.read_text(encoding="utf-8")]
        checked = _litcoder(clone, "validate", ".")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert not re.search(r"settlements\.csv|coder-a\.csv|setup-git", checked.stdout), checked.stdout
    assert git(remote, "rev-parse", "main") == git(hub, "rev-parse", "HEAD") == git(laptop, "rev-parse", "HEAD")


@needs_git
def test_a_clone_that_skipped_setup_git_is_told_by_validate(committee, tmp_path):
    remote, _, _ = committee
    env = _member(tmp_path / "member-k", "member-k")
    subprocess.run([GIT, "clone", "-q", str(remote), str(tmp_path / "review")], check=True, env=env)
    checked = subprocess.run([sys.executable, "-m", "litcoder", "validate", str(tmp_path / "review")], env=env,
                             capture_output=True, text=True, timeout=120)
    # a warning, not an error: the review still loads; the clone's next merge is what would go wrong
    assert "litcoder setup-git" in checked.stdout, checked.stdout
    subprocess.run([sys.executable, "-m", "litcoder", "setup-git", str(tmp_path / "review")], check=True, env=env,
                   capture_output=True)
    again = subprocess.run([sys.executable, "-m", "litcoder", "validate", str(tmp_path / "review")], env=env,
                           capture_output=True, text=True, timeout=120)
    assert "setup-git" not in again.stdout, again.stdout
