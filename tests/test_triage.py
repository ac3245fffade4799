"""Triage of disagreements: the settling screen's grouping, filters, search and settling
several items alike (litcoder.screens.settling), and the open disagreements grouped per
competency for the report (analysis.disagreements.open_by_competency).

Run on the toy review (worked out by hand), the bundled review, and a review made by
benchmarks/generate_review.py at a small size.
"""

from __future__ import annotations

import importlib.util
import random
from datetime import date
from itertools import combinations

import pandas as pd
import pytest
from conftest import ROOT
from test_reliability import make_toy_review

from litcoder import Review
from litcoder.analysis import disagreements as disagreements_module
from litcoder.analysis.disagreements import disagreements, open_by_competency
from litcoder.inputs.settlements import settle_many
from litcoder.layout import SETTLEMENTS
from litcoder.screens import settling as settling_module
from litcoder.screens.settling import SettleScreen

NEITHER_NEITHER_LEADERSHIP = "coder-a: neither · coder-b: neither · coder-c: leadership"
"""The positions on charisma in Bennis & Nanus and in Hibner: two framing items alike."""
ALIKE = ["framing:BennisNanus1985Leaders:charisma", "framing:Hibner2013ManagementVsLeadership:charisma"]


def values(dropdown) -> list[str]:
    return [value for _, value in dropdown.options]


def stances(text: str) -> dict[str, str]:
    """An item's stances column as {coder: stance}, read here independently of the screen."""
    return {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in text.split("\n")}


def pair_differs(row, one: str, other: str) -> bool:
    held = stances(row["stances"])
    return one in held and other in held and held[one] != held[other]


@pytest.fixture
def settling(review_copy) -> SettleScreen:
    return SettleScreen(Review.load(review_copy))


def generated_review(root, **size):
    """A review from the benchmark's generator, at the size given."""
    spec = importlib.util.spec_from_file_location("generate_review", ROOT / "benchmarks" / "generate_review.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(root, **size)


# ---------------------------------------------------------------- filters and search (bundled review)

def test_filter_by_competency_counts_and_shows_its_open_items(settling):
    items = settling.items
    open_items = items[items["status"] == "open"]
    named = dict(settling.competency.options)
    for title, competency in settling.competency.options[1:]:
        label = items.loc[items["competency"] == competency, "label"].iloc[0]
        assert title == f"{label} — {(open_items['competency'] == competency).sum()} open"
    assert named["all competencies"] == ""
    settling.competency.value = "charisma"
    assert sorted(values(settling.item)) == sorted(open_items.loc[open_items["competency"] == "charisma", "item"])
    assert all(title.startswith("Charisma — ") for title, _ in settling.item.options)


def test_filter_by_source(settling):
    items = settling.items
    settling.source.value = "Zaleznik1977ManagersLeaders"
    expected = items[(items["citekey"] == "Zaleznik1977ManagersLeaders") & (items["status"] == "open")]
    assert len(expected) >= 2
    assert sorted(values(settling.item)) == sorted(expected["item"])
    settling.status_filter.value = "all"
    assert sorted(values(settling.item)) == sorted(items.loc[items["citekey"] == "Zaleznik1977ManagersLeaders",
                                                             "item"])


def test_filter_by_a_pair_of_coders_who_differ(settling):
    items = settling.items
    coders = sorted({c for text in items["stances"] for c in stances(text)})
    assert values(settling.pair) == ["", *(f"{a}\n{b}" for a, b in combinations(coders, 2))]
    settling.status_filter.value = "all"
    for a, b in combinations(coders, 2):
        settling.pair.value = f"{a}\n{b}"
        expected = [row["item"] for _, row in items.iterrows() if pair_differs(row, a, b)]
        assert sorted(values(settling.item)) == sorted(expected), (a, b)
    # coder-a and coder-b agree on charisma in Bennis & Nanus: only coder-c differs there
    settling.pair.value = "coder-a\ncoder-b"
    assert "framing:BennisNanus1985Leaders:charisma" not in values(settling.item)
    settling.pair.value = "coder-a\ncoder-c"
    assert "framing:BennisNanus1985Leaders:charisma" in values(settling.item)


def test_filter_by_positions_offers_the_positions_of_the_items_shown(settling):
    settling.kind.value, settling.competency.value = "framing", "charisma"
    items = settling.items
    shown = items[(items["kind"] == "framing") & (items["competency"] == "charisma") & (items["status"] == "open")]
    patterns = shown["stances"].str.replace("\n", " · ").value_counts()
    assert dict(settling.stance.options[1:]) == {f"{p} — {n}": p for p, n in patterns.items()}
    settling.stance.value = NEITHER_NEITHER_LEADERSHIP
    assert sorted(values(settling.item)) == ALIKE
    settling.competency.value = "directing"  # positions no longer among those shown: any again
    assert settling.stance.value == ""


@pytest.mark.parametrize("words, found", [
    ("aura", lambda i: i["positions"].str.lower().str.contains("aura")),                     # a quote
    ("HARD CALL", lambda i: i["positions"].str.contains("Hard call")),                        # a memo, any case
    ("zaleznik", lambda i: i["citekey"].str.startswith("Zaleznik")),                         # a source
    ("charisma neither", lambda i: (i["label"] == "Charisma") & i["positions"].str.contains("neither")),
])
def test_search_finds_quotes_memos_sources_and_competencies(settling, words, found):
    """Every word must be somewhere in the item: its positions (quotes, memos), its source,
    its competency or its settlement's rationale, in any case."""
    settling.status_filter.value = "all"
    settling.search.value = words
    items = settling.items
    text = (items["positions"] + " " + items["author_year"] + " " + items["citekey"] + " " + items["label"] + " "
            + items["competency"] + " " + items["rationale"]).str.lower()
    matching = pd.Series(True, index=items.index)
    for word in words.lower().split():
        matching &= text.str.contains(word, regex=False)
    assert sorted(values(settling.item)) == sorted(items.loc[matching, "item"])
    assert set(items.loc[found(items), "item"]) <= set(values(settling.item)) and found(items).any()


def test_search_that_matches_nothing_says_so(settling):
    settling.search.value = "no-such-word-anywhere"
    assert settling.item.options == ()
    assert settling.groups.value == "<i>no disagreement matches these filters</i>"
    assert settling.details.value == "<i>nothing to settle here</i>"


def test_the_line_above_the_list_counts_the_groups(settling):
    items = settling.items
    open_items = items[items["status"] == "open"]
    sizes = open_items["label"].value_counts()
    text = settling.groups.value
    assert text.startswith(f"<b>{len(open_items)}</b> shown in {len(sizes)} competencies: ")
    largest = sizes.max()
    assert any(f"{label} ({largest})" in text for label in sizes[sizes == largest].index)
    settling.group.value = "source"
    assert f"in {open_items['citekey'].nunique()} sources: " in settling.groups.value


def test_filtering_changes_options_not_widgets(settling, monkeypatch):
    """A filter recomputes a mask and gives the one list new options: no widget is made again,
    and neither the review nor the disagreements are read again."""
    children = [id(c) for c in settling.children]
    listed = settling.item
    monkeypatch.setattr(settling_module, "disagreements", lambda *_: pytest.fail("disagreements recomputed"))
    monkeypatch.setattr(Review, "load", lambda *_: pytest.fail("review read again"))
    settling.kind.value = "presence"
    settling.competency.value = "developing-staff"
    settling.search.value = "coder"
    settling.pair.value = "coder-a\ncoder-c"
    settling.group.value = "source"
    assert [id(c) for c in settling.children] == children and settling.item is listed
    assert settling.item.options


def test_the_list_offers_at_most_listed_items(settling, monkeypatch):
    monkeypatch.setattr(settling_module, "LISTED", 5)
    settling.status_filter.value = "all"
    assert len(settling.item.options) == 5
    assert "(the list offers the first 5: filter or search to reach the others)" in settling.groups.value
    assert len(settling.shown) == len(settling.items)


# ---------------------------------------------------------------- settling several alike

def show_the_two_alike(screen: SettleScreen) -> None:
    screen.kind.value, screen.competency.value = "framing", "charisma"
    screen.stance.value = NEITHER_NEITHER_LEADERSHIP


def test_several_items_alike_are_settled_with_one_rationale(settling, review_copy):
    before = (review_copy / SETTLEMENTS).read_text(encoding="utf-8")
    show_the_two_alike(settling)
    assert not settling.alike.disabled
    assert settling.alike.description == "settle all 2 shown alike (the same positions)"
    settling.alike.value = True
    settling.resolution.value = "neither"
    settling.rationale.value = "Charisma is neither, as both sources argue."
    settling.member.value = "member-z"
    settling.save_button.click()

    assert settling.status.value == '<span class="lc-ok">2 settlements recorded in corpus/settlements.csv</span>'
    written = (review_copy / SETTLEMENTS).read_text(encoding="utf-8")[len(before):].splitlines()
    today = date.today().isoformat()
    assert sorted(written) == [f'{item},neither,"Charisma is neither, as both sources argue.",member-z,{today}'
                               for item in ALIKE]
    reloaded = disagreements(Review.load(review_copy)).set_index("item")
    for item in ALIKE:
        assert reloaded.loc[item, ["status", "resolution", "settled_by"]].tolist() == ["settled", "neither",
                                                                                       "member-z"]
        assert settling.items.set_index("item").loc[item, "status"] == "settled"
    assert settling.alike.value is False and settling.alike.disabled  # nothing open shown alike any more


def test_settling_alike_is_offered_only_for_open_items_of_one_kind_with_the_same_positions(settling):
    assert settling.alike.disabled  # all open items: two kinds, many positions
    show_the_two_alike(settling)
    assert not settling.alike.disabled
    settling.alike.value = True
    settling.status_filter.value = "all"  # a filter changed: the choice is asked again
    assert settling.alike.value is False
    settling.stance.value = ""
    settling.status_filter.value = "settled"
    assert settling.alike.disabled
    settling.status_filter.value = "open"
    settling.source.value = "BennisNanus1985Leaders"  # one item is not several
    assert len(settling.item.options) == 1 and settling.alike.disabled


def test_a_settlement_written_meanwhile_shows_after_saving(settling, review_copy):
    """Another member settles an item from their own screen; saving here reads the file again."""
    other = "presence:Bass1985Beyond/6:developing-staff"
    assert other in values(settling.item)
    settle_many(review_copy, [other], "present", "It is there.", "member-y")
    settling.item.value = values(settling.item)[0] if values(settling.item)[0] != other else values(settling.item)[1]
    settling.resolution.value = settling.resolution.options[0]
    settling.member.value = "member-z"
    settling.save_button.click()
    assert other not in values(settling.item)
    assert settling.items.set_index("item").loc[other, "settled_by"] == "member-y"


# ---------------------------------------------------------------- a generated review

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = generated_review(tmp_path_factory.mktemp("generated") / "review", sources=60, paragraphs=6,
                            competencies=20, coders=3, codings=2400, seed=7)
    return Review.load(root)


def test_generated_review_filters_match_the_items(generated):
    screen = SettleScreen(generated)
    items = screen.items
    assert len(items) > 50 and set(items["kind"]) >= {"framing"}
    rng = random.Random(3)
    competencies = values(screen.competency)
    sources = values(screen.source)
    pairs = values(screen.pair)
    for _ in range(25):
        kind, competency = rng.choice(["all", "framing", "presence"]), rng.choice(competencies)
        citekey, pair = rng.choice(sources[:1] * 3 + sources), rng.choice(pairs)
        screen.kind.value, screen.competency.value, screen.source.value = kind, competency, citekey
        screen.pair.value = pair
        wanted = items[items["status"] == "open"]
        if kind != "all":
            wanted = wanted[wanted["kind"] == kind]
        if competency:
            wanted = wanted[wanted["competency"] == competency]
        if citekey:
            wanted = wanted[wanted["citekey"] == citekey]
        if pair:
            wanted = wanted[pd.Series([pair_differs(row, *pair.split("\n")) for _, row in wanted.iterrows()],
                                      index=wanted.index, dtype=bool)]
        assert sorted(values(screen.item)) == sorted(wanted["item"]), (kind, competency, citekey, pair)


def test_generated_review_settles_a_competencys_items_alike(generated, tmp_path):
    root = generated_review(tmp_path / "review", sources=60, paragraphs=6, competencies=20, coders=3,
                            codings=2400, seed=7)
    screen = SettleScreen(Review.load(root))
    framing = screen.items[screen.items["kind"] == "framing"]
    counts = framing.groupby(["competency", "stances"]).size()
    (competency, pattern), many = counts.idxmax(), counts.max()
    assert many >= 2
    screen.kind.value, screen.competency.value = "framing", competency
    screen.stance.value = pattern.replace("\n", " · ")
    assert len(screen.shown) == many and not screen.alike.disabled
    screen.alike.value, screen.resolution.value = True, "leadership"
    screen.rationale.value, screen.member.value = "Read as leadership throughout.", "member-z"
    screen.save_button.click()
    settled = disagreements(Review.load(root))
    settled = settled[(settled["competency"] == competency) & (settled["stances"] == pattern)]
    assert len(settled) == many and set(settled["status"]) == {"settled"}
    assert set(settled["rationale"]) == {"Read as leadership throughout."}


def test_generated_review_open_by_competency_lists_every_open_item_once(generated):
    items = disagreements(generated)
    groups = open_by_competency(items)
    listed = [i["item"] for g in groups for i in g["items"]]
    assert sorted(listed) == sorted(items.loc[items["status"] == "open", "item"])
    assert [g["open"] for g in groups] == sorted((g["open"] for g in groups), reverse=True)


# ---------------------------------------------------------------- open_by_competency

def test_open_by_competency_of_the_toy_review(tmp_path):
    """Open in the toy review: planning (A2001 framing, B2002/1 presence), vision (A2001/2,
    B2002/2 presence), charisma (A2001/3 presence)."""
    groups = open_by_competency(disagreements(Review.load(make_toy_review(tmp_path / "toy"))))
    assert [(g["competency"], g["label"], g["open"], g["counts"]) for g in groups] == [
        ("planning", "Planning", 2, {"framing": 1, "presence": 1}),
        ("vision", "Setting a vision", 2, {"framing": 0, "presence": 2}),  # as many as planning: by label
        ("charisma", "Charisma", 1, {"framing": 0, "presence": 1}),
    ]
    planning = groups[0]["items"]
    assert planning[0] == {
        "item": "framing:A2001:planning", "kind": "framing", "citekey": "A2001", "author_year": "Adams, 2001",
        "passage": None, "page": None, "coders": "ann, bob, cat",
        "positions": ["ann: management, passage 1: “writes a plan”",
                      "bob: management, passage 1: “a plan with dates”",
                      "cat: leadership, passage 1: “writes a plan with dates and targets” (memo: reads as direction)"]}
    assert [(i["item"], i["passage"]) for i in planning[1:]] == [("presence:B2002/1:planning", 1)]
    assert [i["item"] for i in groups[1]["items"]] == ["presence:A2001/2:vision", "presence:B2002/2:vision"]


def test_open_by_competency_of_the_bundled_review(bundled):
    items = disagreements(bundled)
    groups = open_by_competency(items)
    open_items = items[items["status"] == "open"]
    assert len(groups) == open_items["competency"].nunique()
    for group in groups:
        mine = open_items[open_items["competency"] == group["competency"]]
        assert group["open"] == len(mine) == len(group["items"])
        assert group["counts"] == {k: int((mine["kind"] == k).sum()) for k in ("framing", "presence")}
        cited = [i["author_year"] for i in group["items"]]
        assert cited == sorted(cited)
        for i in group["items"]:
            assert isinstance(i["positions"], list) and all(isinstance(p, str) for p in i["positions"])
            assert i["passage"] is None or isinstance(i["passage"], int)
            assert (i["passage"] is None) == (i["kind"] == "framing")
    paged = [i for g in groups for i in g["items"] if i["page"] is not None]
    pages = bundled.passages.set_index("passage_id")["page"]
    assert paged and all(i["page"] == pages[f"{i['citekey']}/{i['passage']}"] for i in paged)


def test_open_by_competency_when_all_are_settled(tmp_path):
    root = make_toy_review(tmp_path / "toy")
    items = disagreements(Review.load(root))
    for kind in ("presence", "framing"):
        settle_many(root, list(items.loc[items["kind"] == kind, "item"]),
                    "present" if kind == "presence" else "management", "Settled.", "member-h")
    settled = disagreements(Review.load(root))
    assert set(settled["status"]) == {"settled"}
    assert open_by_competency(settled) == []
    assert open_by_competency(settled.iloc[0:0]) == []


def test_open_by_competency_keeps_printed_page_labels(bundled):
    """Pages may become printed labels (strings such as 'xii'): they are carried as they are."""
    items = disagreements(bundled)
    items = items.assign(page=pd.Series(["xii" if p else None for p in items["kind"] == "presence"],
                                        index=items.index, dtype=object))
    pages = {i["page"] for g in open_by_competency(items) for i in g["items"]}
    assert pages == {"xii", None}


def test_stances_of_reads_what_disagreements_writes(bundled):
    items = disagreements(bundled)
    for text, held in zip(items["stances"], disagreements_module.stances_of(items)):
        assert held == stances(text)
