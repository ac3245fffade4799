"""Notebook 04's evidence screen and notebook 06's link: a card chosen from a list, exactly as the
report draws it, and a report link that JupyterLab serves."""

from __future__ import annotations

import html

import pytest

from litcoder import Review
from litcoder.screens import links
from litcoder.screens.evidence import EvidenceScreen


@pytest.fixture(scope="module")
def screen(bundled) -> EvidenceScreen:
    return EvidenceScreen(bundled)


def test_every_competency_is_in_the_list_with_its_evidence_and_ruling(screen, bundled):
    titles = {value: title for title, value in screen.competency.options}
    assert set(titles) == set(bundled.codebook["competency"])
    assert titles["charisma"] == "Charisma — evidence: contested — drifted from the evidence"
    assert titles["planning"].endswith("agrees with the evidence")


def test_the_chosen_card_says_why_and_shows_each_quote_once(screen):
    screen.competency.value = "charisma"
    page = html.unescape(screen.card.value.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    row = screen.evidence.set_index("competency").loc["charisma"]
    assert html.escape(row["explanation"]) in page
    assert "Committee ruling, 2026-10-14" in page and "Drifted: when the committee ruled" in page
    # coder-a and coder-c chose the same words in Kotter 1990: one quote, both coders
    assert page.count("nor as a matter of personal magnetism or flair</blockquote>") == 1
    assert "coder-a: neither; coder-c: neither" in page
    assert '#p1" title="Read it in context">Kotter, 1990, para. 1</a>' in page


def test_the_report_link_goes_through_the_running_server(tmp_path, monkeypatch):
    report = tmp_path / "outputs" / "report.html"
    report.parent.mkdir()
    report.write_text("<p>report</p>")
    servers = [{"url": "http://127.0.0.1:8890/lab-base/", "root_dir": str(tmp_path)}]
    monkeypatch.setattr("jupyter_server.serverapp.list_running_servers", lambda: iter(servers))
    assert links.served_url(report) == "http://127.0.0.1:8890/lab-base/files/outputs/report.html"
    assert 'href="http://127.0.0.1:8890/lab-base/files/outputs/report.html"' in links.open_link(report)


def test_without_a_server_the_link_says_to_open_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr("jupyter_server.serverapp.list_running_servers", lambda: iter([]))
    link = links.open_link(tmp_path / "report.html")
    assert link.startswith(f'<a href="{(tmp_path / "report.html").as_uri()}"') and "open the file" in link


def test_a_review_with_no_competencies_shows_a_word_not_an_error(tmp_path):
    from litcoder.inputs.project import init_review

    init_review(tmp_path / "empty")
    review = Review.load(tmp_path / "empty")
    screen = EvidenceScreen(review)
    assert len(screen.competency.options) == len(review.codebook)
    assert screen.card.value
