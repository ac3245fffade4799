"""The screening screen in a real JupyterLab, driven in Debian's chromium: three records of the
bundled review screened from the keyboard only (include; exclude with reason 2; a note, then
maybe) land in corpus/screening/<screener>.csv."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import read_rows
from test_jupyterlab import CHROMIUM, TOKEN, _browser, jupyterlab  # noqa: F401 - the fixture

from litcoder import Review
from litcoder.inputs.screening import records_to_screen

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")
NOTEBOOK = {"cells": [{"cell_type": "code", "execution_count": None, "id": "screen", "metadata": {}, "outputs": [],
                       "source": ["from litcoder.screens.screening import screening_screen\n", "\n",
                                  "screening_screen()"]}],
            "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                        "name": "python3"}, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _screening_pad(page, url: str, screener: str, tmp_path):
    """Open the notebook, run its cell, start as a new screener: the pad, ready for keys."""
    page.goto(f"{url}/lab/tree/notebooks/screen.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function("document.querySelector('#jp-main-statusbar')?.innerText.includes('| Idle')",
                           timeout=90_000)
    page.locator(".jp-CodeCell .jp-InputArea-editor").nth(0).click()
    page.keyboard.press("Shift+Enter")
    name = page.get_by_placeholder("your name")
    try:
        name.wait_for(timeout=90_000)
    except Exception as err:
        page.screenshot(path=str(tmp_path / "no-screen.png"))
        raise AssertionError(f"the screening screen did not appear; see {tmp_path / 'no-screen.png'}: "
                             + page.inner_text("body")[:3000]) from err
    name.fill(screener)
    name.press("Tab")
    page.get_by_role("button", name="Start screening").click()
    page.get_by_role("button", name=f"Create screener {screener}").click()
    pad = page.locator(".lc-sp")
    pad.locator(".lc-sp-title").wait_for(timeout=30_000)
    page.wait_for_function("document.activeElement?.classList.contains('lc-sp')", timeout=20_000)  # the keys' pad
    return pad


def _wait_for(page, pad, text: str, tmp_path) -> None:
    """Until the pad's line of where it is reads `text`; else a screenshot and what the pad says."""
    try:
        pad.locator(".lc-sp-where", has_text=text).wait_for(timeout=20_000)
    except Exception as err:
        page.screenshot(path=str(tmp_path / "stuck.png"))
        raise AssertionError(f"the pad did not reach '{text}': {pad.inner_text()}; see {tmp_path / 'stuck.png'}") \
            from err


def test_three_records_are_screened_from_the_keyboard(jupyterlab, tmp_path):  # noqa: F811 - the fixture
    from playwright.sync_api import sync_playwright

    url, review = jupyterlab
    (review / "notebooks/screen.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    loaded = Review.load(review)
    selection = loaded.selection
    first = records_to_screen(selection.records, selection.paths, "title-abstract")[:3]
    reason = selection.reasons[1]
    decisions = review / "corpus/screening/member-t.csv"
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        pad = _screening_pad(page, url, "member-t", tmp_path)
        total = len(records_to_screen(selection.records, selection.paths, "title-abstract"))
        _wait_for(page, pad, f"Record 1 of {total} · {first[0]}", tmp_path)
        title = selection.records.set_index("record").loc[first[0], "title"]
        assert pad.locator(".lc-sp-title").inner_text() == title
        assert "Not screened by you at title and abstract yet" in pad.locator(".lc-sp-mine").inner_text()

        started = time.perf_counter()
        page.keyboard.press("i")
        _wait_for(page, pad, f"Record 2 of {total} · {first[1]}", tmp_path)
        included_after = time.perf_counter() - started
        page.keyboard.press("e")
        assert "lc-sp-excluding" in pad.get_attribute("class")  # the reasons wait for a number
        page.keyboard.press("2")
        _wait_for(page, pad, f"Record 3 of {total} · {first[2]}", tmp_path)
        # a note: its letters are typing, not keys (m in it decides nothing); Esc gives the keys back
        page.keyboard.press("t")
        page.keyboard.type("mixed: ask member-k")
        page.keyboard.press("Escape")
        assert len(read_rows(decisions)) == 2
        page.keyboard.press("m")
        pad.locator(".lc-sp-status", has_text=f"{first[2]} maybe").wait_for(timeout=20_000)
        page.screenshot(path=str(tmp_path / "screening-pad.png"))
        page.keyboard.press("p")
        _wait_for(page, pad, f"Record 3 of {total} · {first[2]}", tmp_path)
        assert "Your decision at title and abstract: maybe · note: mixed: ask member-k" in \
            pad.locator(".lc-sp-mine").inner_text()
        browser.close()
    rows = read_rows(decisions)
    assert [(r["record"], r["stage"], r["decision"], r["reason"], r["note"]) for r in rows] == [
        (first[0], "title-abstract", "include", "", ""),
        (first[1], "title-abstract", "exclude", reason, ""),
        (first[2], "title-abstract", "maybe", "", "mixed: ask member-k")]
    assert not [p for p in Review.load(review).problems if p.file == "corpus/screening/member-t.csv"]
    print(f"key to the next record shown, the decision saved: {included_after:.2f} s")
    assert (tmp_path / "screening-pad.png").stat().st_size > 20_000
