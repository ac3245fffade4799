"""The coding screen in a real JupyterLab, driven in Debian's chromium: a coding made by
clicks and keys lands in the coder's CSV."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")
TOKEN = "litcoder-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(review_copy, tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving the review copy, with its own config and runtime folders."""
    shutil.copytree(ROOT / "notebooks", review_copy / "notebooks")
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                          "checkForUpdates": False}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={review_copy}",
         f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL,
        stderr=open(home / "server.log", "w"))  # noqa: SIM115 - the server writes to it for as long as it runs
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + (home / "server.log").read_text()[-2000:])
        yield url, review_copy
    finally:
        os.kill(server.pid, signal.SIGTERM)  # stopped by its process id
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


def test_a_coding_made_by_clicks_and_keys_is_saved(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, review = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/notebooks/02-code.ipynb?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        # once the kernel is idle, run the screen's cell: click into it, then Shift+Enter
        page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('| Idle')",
                               timeout=90_000)
        page.locator(".jp-CodeCell .jp-InputArea-editor").nth(0).click()
        page.keyboard.press("Shift+Enter")
        coder = page.get_by_placeholder("your coder name")
        try:
            coder.wait_for(timeout=90_000)
        except Exception as err:
            page.screenshot(path=str(tmp_path / "no-screen.png"))
            raise AssertionError(f"the coding screen did not appear; see {tmp_path / 'no-screen.png'}: "
                                 + page.inner_text("body")[:3000]) from err
        coder.fill("coder-t")
        coder.press("Tab")
        page.get_by_role("button", name="Start coding").click()
        competency = page.get_by_placeholder("type to search the codebook")
        competency.wait_for(timeout=30_000)
        competency.click()
        competency.press_sequentially("Budgeting — Keeping the organisation on track")
        competency.press("Tab")
        page.get_by_role("button", name="management", exact=True).click()
        page.get_by_role("button", name="Save coding").click()
        page.get_by_text("saved to corpus/codings/coder-t.csv").wait_for(timeout=20_000)
        page.screenshot(path=str(tmp_path / "coding-screen.png"))
        browser.close()
    with open(review / "corpus/codings/coder-t.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    row = rows[0]
    assert (row["competency"], row["framing"], row["passage"]) == ("budgeting", "management", "1")
    text = (review / "corpus/sources" / f"{row['citekey']}.md").read_text(encoding="utf-8")
    assert text[int(row["start"]):int(row["end"])] == row["quote"]
    assert (tmp_path / "coding-screen.png").stat().st_size > 20_000
