"""The settling screen (litcoder.screens.settling), driven in plain Python on a
copy of the bundled review: set the widgets' values, press their buttons, read what they show
and what they wrote."""

from __future__ import annotations

import html
from datetime import date

import pytest
from conftest import rewrite_csv, values

from litcoder import Review
from litcoder.analysis.disagreements import disagreements
from litcoder.analysis.evidence import weigh_evidence
from litcoder.layout import SETTLEMENTS
from litcoder.screens.settling import SettleScreen

DECISIONS = "corpus/decisions.csv"
SCRIPT = "<script>alert('memo')</script>"
CHARISMA = "framing:BennisNanus1985Leaders:charisma"  # coder-a and coder-b neither, coder-c leadership


# ---------------------------------------------------------------- settling

@pytest.fixture
def settling(review_copy) -> SettleScreen:
    return SettleScreen(Review.load(review_copy))


def test_settling_lists_the_open_items_with_the_counts(settling):
    items = disagreements(settling.review)
    open_items = items[items["status"] == "open"]
    assert settling.summary.value == f"<b>{len(items)}</b> disagreements: {len(open_items)} open, 5 settled"
    assert sorted(values(settling.item)) == sorted(open_items["item"])
    assert all(title.endswith(" · open") for title, _ in settling.item.options)
    assert settling.item.value == values(settling.item)[0]
    assert settling.resolution.value is None


def test_settling_groups_by_competency_then_by_source(settling):
    rows = settling.items.set_index("item")

    def keys(column):
        return [str(rows.loc[item, column]) for item in values(settling.item)]

    labels = keys("label")
    assert labels == sorted(labels)  # grouped by competency, in the order of their labels
    settling.group.value = "source"
    cited = keys("author_year")
    assert cited == sorted(cited)
    for title, item in settling.item.options:
        assert title.startswith(f"{rows.loc[item, 'author_year']} — {rows.loc[item, 'label']}")


def test_settling_titles_name_competency_source_passage_kind_and_status(settling):
    settling.status_filter.value = "settled"
    titles = {value: title for title, value in settling.item.options}
    assert (titles["presence:Mintzberg1973Nature/12:charisma"]
            == "Charisma — Mintzberg, 1973, passage 12 · presence · settled")
    assert titles["framing:Fayol1949General:directing"] == "Directing — Fayol, 1916/1949 · framing · settled"
    settling.group.value = "source"
    titles = {value: title for title, value in settling.item.options}
    assert titles["framing:Fayol1949General:directing"] == "Fayol, 1916/1949 — Directing · framing · settled"


def test_settling_titles_cite_the_page_where_the_passage_has_one(settling):
    items = settling.items
    paged = items[(items["kind"] == "presence") & items["page"].notna() & (items["status"] == "open")]
    assert len(paged)  # the bundled PDF's passages have pages
    titles = {value: title for title, value in settling.item.options}
    for row in paged.itertuples():
        assert f", passage {row.passage}, p. {row.page} · presence" in titles[row.item]


def test_settling_filters_by_kind_and_status(settling):
    items = disagreements(settling.review)

    def expected(kind, status):
        chosen = items
        if kind != "all":
            chosen = chosen[chosen["kind"] == kind]
        if status != "all":
            chosen = chosen[chosen["status"] == status]
        return sorted(chosen["item"])

    for kind in ("all", "presence", "framing"):
        for status in ("open", "settled", "all"):
            settling.kind.value, settling.status_filter.value = kind, status
            assert sorted(values(settling.item)) == expected(kind, status), (kind, status)
    settling.kind.value, settling.status_filter.value = "presence", "settled"
    assert values(settling.item) == ["presence:Kotter1990WhatLeaders/3:budgeting",
                                     "presence:Mintzberg1973Nature/12:charisma"]
    settling.kind.value = "framing"
    assert len(settling.item.options) == 3
    assert settling.resolution.options == ("leadership", "management", "both", "neither")


def test_settling_shows_the_positions_escaped(review_copy):
    def with_script(row):
        if (row["citekey"], row["competency"], row["passage"]) == ("BennisNanus1985Leaders", "charisma", "11"):
            row["memo"] = SCRIPT
        return row

    rewrite_csv(review_copy / "corpus/codings/coder-a.csv", with_script)
    screen = SettleScreen(Review.load(review_copy))
    assert CHARISMA in values(screen.item)
    screen.item.value = CHARISMA
    details = screen.details.value
    assert "<script>" not in details
    assert "(memo: &lt;script&gt;alert(&#x27;memo&#x27;)&lt;/script&gt;)" in details
    assert "<b>Charisma</b> in Bennis &amp; Nanus, 1985 — How does the source frame this competency?" in details
    assert f"<code>{CHARISMA}</code>" in details  # the item's name, to copy into settlements.csv
    assert details.count('<div class="lc-coding">') == 3  # one line per coder
    assert '<div class="lc-coding">coder-a: neither, passage 11: ' in details
    assert screen.resolution.options == ("leadership", "management", "both", "neither")
    assert screen.resolution.value is None


def test_settling_shows_a_presence_items_passage_and_settlement(settling):
    settling.status_filter.value = "settled"
    settling.item.value = "presence:Mintzberg1973Nature/12:charisma"
    details = settling.details.value
    text = settling.review.passages.set_index("passage_id").loc["Mintzberg1973Nature/12", "text"]
    assert "Does the passage show this competency?" in details
    assert '<div class="lc-passage">' in details
    assert html.escape(text[:40]) in details
    assert "coder-a: not coded" in details and "coder-b: not coded" in details
    assert "<p>Settled absent by member-k on 2026-11-19: The passage says the book barely touches" in details
    assert settling.resolution.options == ("present", "absent")


def test_settling_refuses_without_a_resolution_or_a_name(settling, review_copy):
    before = (review_copy / SETTLEMENTS).read_bytes()
    settling.member.value = "member-z"
    settling.save_button.click()
    assert settling.status.value == '<span class="lc-error">choose an item and a resolution</span>'
    settling.resolution.value = settling.resolution.options[0]
    settling.member.value = "   "
    settling.save_button.click()
    assert settling.status.value == '<span class="lc-error">say who settles it</span>'
    assert (review_copy / SETTLEMENTS).read_bytes() == before


def test_settling_saves_and_moves_the_item_to_settled(settling, review_copy):
    before = (review_copy / SETTLEMENTS).read_text(encoding="utf-8")
    disputed = weigh_evidence(settling.review).set_index("competency").loc["charisma", "disputed_sources"]
    settling.kind.value = "framing"
    shown = values(settling.item)
    settling.item.value = CHARISMA
    settling.resolution.value = "neither"
    settling.rationale.value = "Bennis and Nanus treat charisma as beside the point."
    settling.member.value = "member-z"
    settling.save_button.click()

    assert settling.status.value == '<span class="lc-ok">settlement recorded in corpus/settlements.csv</span>'
    after = (review_copy / SETTLEMENTS).read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before):] == (f"{CHARISMA},neither,Bennis and Nanus treat charisma as beside the point.,"
                                   f"member-z,{date.today().isoformat()}\n")
    items = disagreements(Review.load(review_copy))
    assert settling.summary.value == f"<b>{len(items)}</b> disagreements: {len(items) - 6} open, 6 settled"
    assert CHARISMA not in values(settling.item)  # still showing open framing items
    assert settling.item.value == shown[shown.index(CHARISMA) + 1]  # on to the next one
    assert settling.rationale.value == ""
    settling.status_filter.value = "settled"
    assert CHARISMA in values(settling.item)
    settling.item.value = CHARISMA
    assert "Settled neither by member-z on" in settling.details.value
    # the evidence now counts Bennis and Nanus as one voice, neither, for charisma
    evidence = weigh_evidence(settling.review).set_index("competency")
    assert evidence.loc["charisma", "disputed_sources"] == disputed - 1
