"""The coding screen in a real JupyterLab, driven in Debian's chromium: a coding made by
clicks and keys lands in the coder's CSV."""

from __future__ import annotations

import csv
import json
import os
import re
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


def _browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])


def _coding_screen(page, url: str, coder: str, tmp_path: Path):
    """Open notebook 02, run its screen cell, start as a new coder: the pad, ready."""
    page.goto(f"{url}/lab/tree/notebooks/02-code.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # once the kernel is idle, run the screen's cell: click into it, then Shift+Enter
    page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('| Idle')",
                           timeout=90_000)
    page.locator(".jp-CodeCell .jp-InputArea-editor").nth(0).click()
    page.keyboard.press("Shift+Enter")
    name = page.get_by_placeholder("your coder name")
    try:
        name.wait_for(timeout=90_000)
    except Exception as err:
        page.screenshot(path=str(tmp_path / "no-screen.png"))
        raise AssertionError(f"the coding screen did not appear; see {tmp_path / 'no-screen.png'}: "
                             + page.inner_text("body")[:3000]) from err
    name.fill(coder)
    name.press("Tab")
    page.get_by_role("button", name="Start coding").click()
    page.get_by_role("button", name=f"Create coder {coder}").click()
    pad = page.locator(".lc-pad")
    pad.locator(".lc-text").wait_for(timeout=30_000)
    return pad


def _settled_text(page, pad) -> str:
    """The passage's text once the screen has stopped redrawing it (a loaded machine may show the
    first passage and then the one the screen opens on)."""
    text = None
    for _ in range(40):
        now = pad.locator(".lc-text").evaluate("el => el.textContent")
        if now == text:
            return now
        text = now
        page.wait_for_timeout(250)
    return text


def _drag_over(page, pad, words: str) -> None:
    """Select `words` of the passage with the mouse: press at the first letter, release after the last
    (once the notebook has stopped moving the screen: outputs still appearing shift it)."""
    text = pad.locator(".lc-text")
    text.scroll_into_view_if_needed()
    before = None
    for _ in range(50):
        now = text.bounding_box()
        if now == before:
            break
        before = now
        page.wait_for_timeout(150)
    box = text.evaluate("""(el, words) => {
        const at = el.textContent.indexOf(words);
        const place = (offset) => {  // the text node and offset of a character (marks split the text)
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (offset < node.length) return [node, offset];
                offset -= node.length;
            }
        };
        const range = document.createRange();
        range.setStart(...place(at)); range.setEnd(...place(at + 1));
        const first = range.getBoundingClientRect();
        range.setStart(...place(at + words.length - 1)); range.setEnd(...place(at + words.length - 1));
        range.setEnd(range.startContainer, range.startOffset + 1);
        const last = range.getBoundingClientRect();
        return [first.left + 1, first.top + first.height / 2, last.right - 1, last.top + last.height / 2];
    }""", words)
    page.mouse.move(box[0], box[1])
    page.mouse.down()
    page.mouse.move(box[2], box[3], steps=8)
    page.mouse.up()


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _wait_rows(path: Path, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _rows(path)
        if len(rows) >= count:
            return rows
        time.sleep(0.02)
    raise AssertionError(f"{path.name} has {len(_rows(path))} rows, not {count}")


def _saved(page, pad, codings: Path, count: int, tmp_path: Path) -> list[dict]:
    """The coder file's rows once it has `count`; else what the pad said, and a screenshot."""
    try:
        return _wait_rows(codings, count)
    except AssertionError as err:
        page.screenshot(path=str(tmp_path / "not-saved.png"))
        raise AssertionError(f"{err}; the pad says: {pad.inner_text()}; see {tmp_path / 'not-saved.png'}") from err


def test_words_selected_with_the_mouse_are_coded_from_the_keyboard(jupyterlab, tmp_path):
    """A drag selects the quote; keys choose the competency and framing and save. The CSV
    holds exactly the words selected, at their offsets; the second coding of a competency
    takes at most five actions."""
    from playwright.sync_api import sync_playwright

    url, review = jupyterlab
    codings = review / "corpus/codings/coder-t.csv"
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        pad = _coding_screen(page, url, "coder-t", tmp_path)
        text = _settled_text(page, pad)
        words = re.search(r"(?<=\s)\S+(?: \S+){5}", text).group(0)  # six words apart by single spaces
        # first coding: the codebook searched by keys
        _drag_over(page, pad, words)
        page.wait_for_function("document.querySelector('.lc-pad .lc-quote-line').innerText.includes('“')")
        assert pad.locator(".lc-quote-line").inner_text() == f"Quote: “{words}”"
        keys = ["/", *"budg", "Enter", "2", "Enter"]
        for key in keys:
            page.keyboard.press(key)
        [row] = _saved(page, pad, codings, 1, tmp_path)
        first_actions = 1 + len(keys)
        assert (row["competency"], row["framing"], row["passage"], row["quote"]) == (
            "budgeting", "management", "1", words)
        source = (review / "corpus/sources" / f"{row['citekey']}.md").read_text(encoding="utf-8")
        assert source[int(row["start"]):int(row["end"])] == words
        pad.locator(".lc-status", has_text="saved to corpus/codings/coder-t.csv").wait_for(timeout=20_000)
        pad.locator(".lc-text mark").first.wait_for(timeout=10_000)  # the coding is marked in the passage

        # second coding, on the next passage: the competency is one key away
        page.keyboard.press("n")
        page.wait_for_function("document.querySelector('.lc-pad .lc-where').innerText.startsWith('Passage 2 ')")
        text = _settled_text(page, pad)
        words = " ".join(text.split()[1:5])
        pick = pad.locator(".lc-pick", has_text="Budgeting").locator("kbd").inner_text()
        _drag_over(page, pad, words)
        page.wait_for_function("document.querySelector('.lc-pad .lc-quote-line').innerText.includes('“')")
        keys = [pick, "1", "Enter"]
        started = time.perf_counter()
        for key in keys:
            page.keyboard.press(key)
        rows = _saved(page, pad, codings, 2, tmp_path)
        saved_after = time.perf_counter() - started
        second_actions = 1 + len(keys)
        assert (rows[1]["competency"], rows[1]["framing"], rows[1]["quote"]) == ("budgeting", "leadership", words)
        assert second_actions <= 5

        # a memo: m, the words, Ctrl+Enter saves from the memo box
        page.keyboard.press("n")
        page.wait_for_function("document.querySelector('.lc-pad .lc-where').innerText.startsWith('Passage 3 ')")
        _drag_over(page, pad, " ".join(pad.locator(".lc-text").inner_text().split()[:3]))
        pick = pad.locator(".lc-pick", has_text="Budgeting").locator("kbd").inner_text()
        for key in [pick, "3", "m"]:
            page.keyboard.press(key)
        page.keyboard.type("naïve – “why both?”")
        page.keyboard.press("Control+Enter")
        rows = _saved(page, pad, codings, 3, tmp_path)
        assert (rows[2]["framing"], rows[2]["memo"]) == ("both", "naïve – “why both?”")
        page.screenshot(path=str(tmp_path / "coding-pad.png"))
        browser.close()
    print(f"actions per coding: {first_actions} searching the codebook, {second_actions} with a key's competency; "
          f"keys to saved row {saved_after:.2f} s")
    assert (tmp_path / "coding-pad.png").stat().st_size > 20_000


def test_finishing_early_asks_and_a_reveal_outlives_a_reopen(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, review = jupyterlab
    coverage = review / "corpus/coverage/coder-t.csv"
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        pad = _coding_screen(page, url, "coder-t", tmp_path)
        pad.click()
        page.keyboard.press("0")  # passage 1: nothing to code here
        pad.locator(".lc-status", has_text="nothing to code").wait_for(timeout=20_000)
        page.get_by_role("button", name="Mark source finished").click()
        page.get_by_text("are not judged yet (2–").wait_for(timeout=20_000)
        assert _rows(coverage)[-1]["event"] == "nothing"  # not finished yet
        page.get_by_role("button", name="Finish anyway").click()
        page.get_by_role("button", name="Reopen source").wait_for(timeout=20_000)
        page.get_by_text("Show other coders' codings").click()
        page.locator(".lc-coding", has_text="coder-a").first.wait_for(timeout=20_000)
        page.get_by_role("button", name="Reopen source").click()
        pad.locator(".lc-status", has_text="left out of agreement").wait_for(timeout=20_000)
        page.screenshot(path=str(tmp_path / "reopened.png"))
        browser.close()
    assert [(r["event"], r["passage"]) for r in _rows(coverage)] == [
        ("nothing", "1"), ("finished", ""), ("revealed", ""), ("reopened", "")]
