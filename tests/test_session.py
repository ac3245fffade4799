"""The coding session (the logic of the coding screen), driven directly on a copy of the bundled review.

A new coder, coder-d, opens sources, moves between passages, saves, edits and removes
codings, marks sources finished; every save is read back from corpus/codings/coder-d.csv
with csv.DictReader, and survives a fresh Review.load.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from conftest import coder_file, read_rows

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.inputs.anchor import CONTEXT
from litcoder.inputs.codebook import FRAMINGS
from litcoder.screens.session import (
    BlindCoding,
    CodingError,
    CodingSession,
    UnjudgedPassages,
    coder_status,
    enrol,
    remember_coder,
    remembered_coder,
    valid_coder_name,
)

KOTTER = "Kotter1990WhatLeaders"
BENNIS = "BennisNanus1985Leaders"
FAYOL = "Fayol1949General"
P3_QUOTE = "The manager decides on targets for the coming year or so"  # Kotter, passage 3



def coverage_file(root: Path, coder: str = "coder-d") -> Path:
    return root / "corpus" / "coverage" / f"{coder}.csv"


def events(root: Path, coder: str = "coder-d") -> list[tuple[str, str]]:
    """The coder's coverage log: (event, citekey) in file order."""
    return [(r["event"], r["citekey"]) for r in read_rows(coverage_file(root, coder))]



def session_on(root: Path, coder: str = "coder-d", citekey: str | None = KOTTER) -> CodingSession:
    session = CodingSession(Review.load(root), coder)
    if citekey:
        session.open(citekey)
    return session


def passage_texts(review: Review, citekey: str) -> dict[int, str]:
    p = review.passages[review.passages["citekey"] == citekey]
    return dict(zip(p["passage"], p["text"]))


def assert_row_anchored(review: Review, row: dict) -> None:
    """A saved row's offsets point at its quote, inside its passage, with the stored context."""
    text = review.texts[row["citekey"]]
    start, end = int(row["start"]), int(row["end"])
    assert text[start:end] == row["quote"]
    p = review.passages
    passage = p[(p["citekey"] == row["citekey"]) & (p["passage"] == int(row["passage"]))].iloc[0]
    assert passage["start"] <= start < end <= passage["end"]
    assert row["quote"] in passage["text"]
    assert row["prefix"] == text[max(0, start - CONTEXT):start]
    assert row["suffix"] == text[end:end + CONTEXT]


# ---------------------------------------------------------------- where a session starts, moving around


def test_open_starts_at_the_first_passage_this_coder_has_not_coded(review_copy):
    review = Review.load(review_copy)
    new = CodingSession(review, "coder-d")
    new.open(KOTTER)
    assert (new.citekey, new.number) == (KOTTER, 1)
    coder_a = CodingSession(review, "coder-a")  # coded passages 1-10 of Kotter
    coder_a.open(KOTTER)
    assert coder_a.number == 11
    coder_c = CodingSession(review, "coder-c")  # coded 1, 3, 5, 7, 8, 9, 10
    coder_c.open(KOTTER)
    assert coder_c.number == 2
    assert coder_c.passage["passage_id"] == f"{KOTTER}/2"
    with pytest.raises(CodingError, match="no source text for 'Kotter1990'"):
        new.open("Kotter1990")
    assert new.citekey == KOTTER  # a failed open leaves the session where it was


def test_sources_lists_every_source_with_this_coders_progress(review_copy):
    session = session_on(review_copy, "coder-c", citekey=None)
    table = session.sources().set_index("citekey")
    assert len(table) == 12
    assert table.loc[KOTTER, ["passages", "coded", "codings", "finished"]].tolist() == [12, 7, 9, True]
    assert not table.loc["Kotter2013StillNotLeadership", "finished"]


def test_go_next_previous_stop_at_the_ends(review_copy):
    session = session_on(review_copy)
    assert session.previous() is False and session.number == 1
    assert session.next() is True and session.number == 2
    session.go(12)
    assert session.next() is False and session.number == 12
    assert session.previous() is True and session.number == 11
    for bad in (0, 13, -1):
        with pytest.raises(CodingError, match=f"passage {bad} does not exist: this source has passages 1 to 12"):
            session.go(bad)
    assert session.number == 11


def test_next_uncoded_skips_coded_passages_and_wraps_round(review_copy):
    session = session_on(review_copy, "coder-c")  # uncoded in Kotter: 2, 4, 6, 11, 12
    assert session.number == 2
    visited = []
    for _ in range(6):
        assert session.next_uncoded() is True
        visited.append(session.number)
    assert visited == [4, 6, 11, 12, 2, 4]
    session.go(9)
    assert session.next_uncoded() is True and session.number == 11


def test_next_uncoded_is_false_once_every_passage_is_coded(review_copy):
    session = session_on(review_copy)
    for number in range(1, 13):
        session.go(number)
        session.save("planning", "neither")  # the whole passage
    session.go(5)
    assert session.next_uncoded() is False
    assert session.number == 5
    session.open(KOTTER)
    assert session.number == 1  # nothing left uncoded: the first passage


def test_context_is_the_passage_before_this_one_and_the_one_after(review_copy):
    session = session_on(review_copy)
    texts = passage_texts(session.review, KOTTER)
    assert session.context() == ("", texts[1], texts[2])
    session.go(6)
    assert session.context() == (texts[5], texts[6], texts[7])
    session.go(12)
    assert session.context() == (texts[11], texts[12], "")


# ---------------------------------------------------------------- saving


def test_save_writes_one_row_at_once(review_copy):
    path = coder_file(review_copy)
    assert not path.exists()
    session = session_on(review_copy)
    session.go(3)
    saved = session.save("planning", "management", P3_QUOTE, memo="  targets and steps  ")
    rows = read_rows(path)  # read straight away: nothing waits for a notebook save
    assert len(rows) == 1
    row = rows[0]
    assert re.fullmatch(r"[0-9a-f]{12}", row["id"])
    assert {k: row[k] for k in ("citekey", "passage", "quote", "competency", "framing", "memo", "page")} == {
        "citekey": KOTTER, "passage": "3", "quote": P3_QUOTE, "competency": "planning", "framing": "management",
        "memo": "targets and steps", "page": ""}
    text = session.review.texts[KOTTER]
    start = text.index(P3_QUOTE)
    assert (int(row["start"]), int(row["end"])) == (start, start + len(P3_QUOTE)) == (1138, 1194)
    assert_row_anchored(session.review, row)
    assert datetime.fromisoformat(row["coded_at"]).tzinfo is not None
    assert saved["id"] == row["id"] and saved["passage_id"] == f"{KOTTER}/3" and saved["start"] == 1138
    assert session.my_codings() == [saved]
    assert list(read_rows(path)[0]) == ["id", "citekey", "passage", "quote", "competency", "framing", "memo",
                                        "coded_at", "edited_at", "start", "end", "prefix", "suffix", "page"]


def test_save_without_a_quote_takes_the_whole_passage(review_copy):
    session = session_on(review_copy)
    session.go(4)
    session.save("setting-vision", "leadership", "   ")
    [row] = read_rows(coder_file(review_copy))
    passage = session.passage
    assert row["quote"] == passage["text"]
    assert (int(row["start"]), int(row["end"])) == (passage["start"], passage["end"])


@pytest.mark.parametrize("typed, stored, citekey, number", [
    # a narrowed quote: words deleted from the passage
    ("spells out the detailed steps", "spells out the detailed steps", KOTTER, 3),
    # a line break in the passage typed as a space
    ("chief executives and heads of public bodies", "chief executives\nand heads of public bodies", BENNIS, 1),
    # a line break and extra spaces, with the text's own line break elsewhere
    ("over-managed   and under-led.  There was no shortage",
     "over-managed and under-led. There was no\nshortage", BENNIS, 1),
    # a straight apostrophe typed where the text has a curly one
    ("Management, in Kotter's telling, is the answer to complexity",
     "Management, in Kotter’s telling, is the answer to complexity", KOTTER, 2),
    # straight double quotes typed where the text has curly ones
    ('its job is "coping with change"', "its job is “coping with change”", KOTTER, 2),
    # a hyphen typed for the en dash
    ("a different pressure - a business world", "a different pressure – a business world", KOTTER, 2),
])
def test_a_narrowed_quote_is_stored_as_it_is_in_the_text(review_copy, typed, stored, citekey, number):
    session = session_on(review_copy, citekey=citekey)
    session.go(number)
    saved = session.save("planning", "management", typed)
    [row] = read_rows(coder_file(review_copy))
    assert row["quote"] == saved["quote"] == stored
    assert row["passage"] == str(number)
    assert_row_anchored(session.review, row)


@pytest.mark.parametrize("quote", [
    "The boss decides on targets for the coming year",          # retyped, not narrowed
    "allocates money and other resources to each step.  The leader instead works out where the organisation "
    "should be heading, often years ahead, and the broad strategies that would move it there. Planning, he argues, "
    "complements direction-setting rather than substituting for it. On the vision itself",  # runs into passage 4
    "its job is “coping with change”",                         # passage 2's words, while on passage 3
])
def test_a_quote_not_in_the_passage_is_refused_and_nothing_is_written(review_copy, quote):
    session = session_on(review_copy)
    session.go(3)
    session.save("budgeting", "management", "allocates money")
    before = coder_file(review_copy).read_bytes()
    with pytest.raises(CodingError, match="the quote is not in this passage"):
        session.save("planning", "management", quote)
    assert coder_file(review_copy).read_bytes() == before
    assert len(session.my_codings()) == 1


@pytest.mark.parametrize("competency, framing, message", [
    ("planing", "management", "'planing' is not a competency of the codebook"),
    ("Planning", "management", "'Planning' is not a competency of the codebook"),
    ("", "management", "'' is not a competency of the codebook"),
    ("planning", "managerial", "choose a framing: leadership, management, both, neither"),
    ("planning", "", "choose a framing"),
    ("planning", None, "choose a framing"),
])
def test_unknown_competency_or_framing_is_refused(review_copy, competency, framing, message):
    session = session_on(review_copy)
    session.go(3)
    with pytest.raises(CodingError, match=re.escape(message)):
        session.save(competency, framing, P3_QUOTE)
    assert not coder_file(review_copy).exists()
    assert session.my_codings() == []


# ---------------------------------------------------------------- editing and removing


def _three_codings(root: Path) -> tuple[CodingSession, list[dict]]:
    session = session_on(root)
    session.go(3)
    first = session.save("planning", "management", P3_QUOTE)
    second = session.save("budgeting", "management", "allocates money and other resources to each step",
                          memo='a memo, with "quotes"')
    session.go(4)
    third = session.save("setting-vision", "leadership", "a good direction need not be original or dazzling")
    return session, [first, second, third]


def test_edit_changes_only_that_rows_bytes(review_copy):
    session, (first, second, third) = _three_codings(review_copy)
    path = coder_file(review_copy)
    before = path.read_bytes().split(b"\n")
    assert len(before) == 5  # header, three rows, '' after the last line end
    session.go(4)  # the coding's passage is not where the session is
    edited = session.edit(second["id"], framing="both", memo="changed, and quoted")
    after = path.read_bytes().split(b"\n")
    assert len(after) == 5
    assert [i for i in range(5) if before[i] != after[i]] == [2]
    rows = {r["id"]: r for r in read_rows(path)}
    assert list(rows) == [first["id"], second["id"], third["id"]]
    assert (rows[second["id"]]["framing"], rows[second["id"]]["memo"]) == ("both", "changed, and quoted")
    assert rows[second["id"]]["quote"] == second["quote"] and rows[second["id"]]["competency"] == "budgeting"
    assert rows[second["id"]]["coded_at"] == second["coded_at"]
    assert edited["framing"] == "both" and session.number == 4
    assert [c["framing"] for c in session.my_codings(3)] == ["management", "both"]
    # a memo over two lines: the row becomes a two-line CSV record; the others keep their bytes
    session.edit(second["id"], memo="over\ntwo lines")
    again = path.read_bytes().split(b"\n")
    assert again[:2] == before[:2] and again[-2:] == before[-2:] and len(again) == 6
    assert read_rows(path)[1]["memo"] == "over\ntwo lines"


def test_edit_narrows_the_quote_and_moves_its_anchor(review_copy):
    session, (first, second, third) = _three_codings(review_copy)
    session.edit(first["id"], competency="setting-vision", quote="targets for the coming year")
    row = {r["id"]: r for r in read_rows(coder_file(review_copy))}[first["id"]]
    assert (row["competency"], row["framing"], row["quote"]) == ("setting-vision", "management",
                                                                  "targets for the coming year")
    assert_row_anchored(session.review, row)
    assert int(row["start"]) == session.review.texts[KOTTER].index("targets for the coming year")


def test_edit_with_a_bad_quote_or_someone_elses_id_changes_nothing(review_copy):
    session, (first, _, _) = _three_codings(review_copy)
    path = coder_file(review_copy)
    before = path.read_bytes()
    with pytest.raises(CodingError, match="the quote is not in this passage"):
        session.edit(first["id"], quote="The boss decides")
    with pytest.raises(CodingError, match="'planing' is not a competency"):
        session.edit(first["id"], competency="planing")
    with pytest.raises(CodingError, match="'coder-a-0001' is not one of coder-d's codings"):
        session.edit("coder-a-0001", framing="both")
    assert path.read_bytes() == before
    assert session.my_codings(3)[0]["quote"] == P3_QUOTE


def test_edit_a_coding_saved_in_an_earlier_session(review_copy):
    _, (first, _, _) = _three_codings(review_copy)
    later = session_on(review_copy)  # a fresh load: the coding comes from the file
    assert later.number == 1
    later.edit(first["id"], memo="looked at again")
    row = {r["id"]: r for r in read_rows(coder_file(review_copy))}[first["id"]]
    assert (row["memo"], row["quote"], row["start"], row["end"]) == ("looked at again", P3_QUOTE, "1138", "1194")


@pytest.mark.parametrize("form", ["crlf", "bom"])
def test_edit_in_a_windows_or_excel_coder_file_keeps_the_other_lines_bytes(review_copy, form):
    path = coder_file(review_copy, "coder-a")
    data = path.read_bytes()
    data = data.replace(b"\n", b"\r\n") if form == "crlf" else b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    session = session_on(review_copy, "coder-a")
    assert not [p for p in session.review.problems if p.file == "corpus/codings/coder-a.csv"]
    session.edit("coder-a-0004", memo="first look")  # the first edit adds the edited_at column, once
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (form == "bom") and (b"\r\n" in data) == (form == "crlf")
    session.edit("coder-a-0003", memo="checked")
    end = b"\r\n" if form == "crlf" else b"\n"
    before, after = data.split(end), path.read_bytes().split(end)
    assert len(after) == len(before)
    assert [i for i, (a, b) in enumerate(zip(before, after)) if a != b] == [3]  # coder-a-0003 is on line 4
    rows = {r["id"]: r for r in read_rows(path)}
    assert rows["coder-a-0003"]["memo"] == "checked" and rows["coder-a-0003"]["edited_at"]


@pytest.mark.parametrize("open_source, quote, number", [
    (KOTTER, "different", 2),  # 'different' is in passage 2 of both Bennis & Nanus and Kotter
    ("Hibner2013ManagementVsLeadership", "the planning and budgeting side is management’s business", 12),  # 8 passages
])
def test_edit_of_a_coding_of_another_source_edits_it_in_its_own_source_or_refuses(review_copy, open_source, quote,
                                                                                  number):
    session = session_on(review_copy, citekey=BENNIS)
    session.go(number)
    saved = session.save("controlling", "management", quote)
    session.open(open_source)
    try:
        session.edit(saved["id"], memo="checked")
    except CodingError:
        pass  # refusing is fine
    [row] = read_rows(coder_file(review_copy))
    # the quote is saved exactly as the text has it (a line break where the coder typed a space)
    assert session.review.texts[BENNIS][int(row["start"]):int(row["end"])] == row["quote"]
    assert " ".join(row["quote"].split()) == quote


def test_remove_deletes_only_that_row(review_copy):
    session, (first, second, third) = _three_codings(review_copy)
    path = coder_file(review_copy)
    lines = path.read_bytes().split(b"\n")
    session.remove(second["id"])
    assert path.read_bytes().split(b"\n") == lines[:2] + lines[3:]
    assert [r["id"] for r in read_rows(path)] == [first["id"], third["id"]]
    assert [c["id"] for c in session.my_codings(3)] == [first["id"]]
    with pytest.raises(CodingError, match="is not one of coder-d's codings"):
        session.remove(second["id"])
    with pytest.raises(CodingError):
        session.remove("coder-a-0001")  # another coder's coding is never removed
    assert "coder-a-0001" in coder_file(review_copy, "coder-a").read_text(encoding="utf-8")
    session.remove(first["id"])
    session.remove(third["id"])
    assert read_rows(path) == []


# ---------------------------------------------------------------- blind coding, finishing, progress


def test_other_coders_codings_are_hidden_until_the_source_is_finished(review_copy):
    session = session_on(review_copy)
    session.save("charisma", "neither", "nor as a matter of personal magnetism or flair")
    with pytest.raises(BlindCoding, match="once you mark this source finished"):
        session.others_codings()
    assert not coverage_file(review_copy).exists()
    session.finish(anyway=True)
    assert session.is_finished()
    assert events(review_copy) == [("finished", KOTTER)]
    assert not session.revealed()
    others = session.others_codings()
    assert session.revealed() and events(review_copy)[-1] == ("revealed", KOTTER)
    assert sorted((c["coder"], c["id"]) for c in others) == [("coder-a", "coder-a-0001"), ("coder-b", "coder-b-0001"),
                                                                    ("coder-c", "coder-c-0017")]
    assert {c["id"] for c in session.others_codings(3)} == {"coder-a-0003", "coder-a-0004", "coder-a-0005",
                                                            "coder-b-0004", "coder-b-0006", "coder-b-0008",
                                                            "coder-c-0018", "coder-c-0019"}
    session.finish(anyway=True)  # twice: still one row
    assert events(review_copy) == [("finished", KOTTER), ("revealed", KOTTER)]  # seeing them again: one record
    session.reopen()
    assert not session.is_finished() and session.revealed()  # a reopen keeps the record of the reveal
    assert events(review_copy) == [("finished", KOTTER), ("revealed", KOTTER), ("reopened", KOTTER)]
    with pytest.raises(BlindCoding):
        session.others_codings()


def test_finished_is_remembered_by_the_next_session_and_per_source(review_copy):
    session = session_on(review_copy)
    session.finish(anyway=True)
    session.open(BENNIS)
    assert not session.is_finished()
    with pytest.raises(BlindCoding):
        session.others_codings()
    later = session_on(review_copy)
    assert later.is_finished() and later.is_finished(KOTTER) and not later.is_finished(BENNIS)
    assert len(later.others_codings(1)) == 3
    loaded = Review.load(review_copy)
    assert loaded.coverage[loaded.coverage["coder"] == "coder-d"]["citekey"].tolist() == [KOTTER]


def test_a_coder_who_finished_sees_the_others_at_once(review_copy, bundled):
    session = session_on(review_copy, "coder-a")  # coder-a finished Kotter (corpus/coverage/coder-a.csv)
    assert session.is_finished()
    codings = bundled.codings
    expected = codings[(codings["citekey"] == KOTTER) & (codings["passage"] == 3) & (codings["coder"] != "coder-a")]
    assert sorted(c["id"] for c in session.others_codings(3)) == sorted(expected["id"]) and len(expected) == 5


def test_progress_counts_passages_coded_and_sources_finished(review_copy):
    session = session_on(review_copy)
    assert session.progress() == {"passages_coded": 0, "passages_judged": 0, "passages_total": 12,
                                  "sources_finished": 0, "sources_total": 12}
    session.save("charisma", "neither", "personal magnetism")
    session.save("developing-staff", "leadership", "ordinary managers can learn")
    session.go(3)
    session.save("planning", "management", P3_QUOTE)
    session.go(4)
    session.nothing_here()
    session.finish(anyway=True)
    assert session.progress() == {"passages_coded": 2, "passages_judged": 3, "passages_total": 12,
                                  "sources_finished": 1, "sources_total": 12}
    session.open("Hibner2013ManagementVsLeadership")
    assert session.progress() == {"passages_coded": 0, "passages_judged": 0, "passages_total": 8,
                                  "sources_finished": 1, "sources_total": 12}
    assert session_on(review_copy, "coder-a").progress()["sources_finished"] == 10


# ---------------------------------------------------------------- the coder's name


def test_the_coder_is_remembered_for_this_review(review_copy):
    assert remembered_coder(review_copy) == ""
    CodingSession(Review.load(review_copy), "coder-d")
    assert (review_copy / ".litcoder" / "coder").read_text(encoding="utf-8") == "coder-d\n"
    assert remembered_coder(review_copy) == "coder-d"
    remember_coder(review_copy, "coder-e")
    assert remembered_coder(review_copy) == "coder-e"


@pytest.mark.parametrize("name", ["", "../x", "a b", ".hidden", "coder/d", "x\\y", "coder-d\n"])
def test_a_name_that_cannot_name_a_coder_file_is_refused(review_copy, name):
    remember_coder(review_copy, "coder-a")
    codings = sorted(p.name for p in (review_copy / "corpus" / "codings").iterdir())
    with pytest.raises(CodingError, match="cannot name a coder file"):
        CodingSession(Review.load(review_copy), name)
    assert not valid_coder_name(name)
    assert remembered_coder(review_copy) == "coder-a"
    assert sorted(p.name for p in (review_copy / "corpus" / "codings").iterdir()) == codings
    assert not (review_copy / "corpus" / "x.csv").exists()


@pytest.mark.parametrize("name", ["coder-d", "Anna_B", "m.k", "coder2"])
def test_ordinary_names_are_accepted(name):
    assert valid_coder_name(name)


# ---------------------------------------------------------------- saves are the review's data


def test_saves_survive_a_fresh_load_and_count_as_evidence(review_copy, bundled):
    session = session_on(review_copy)
    session.go(3)
    session.save("budgeting", "management", "allocates money and other resources to each step")
    session.open("Gulick1937Notes")
    session.go(4)
    session.save("budgeting", "management", "knowledge, time and energy are finite")
    review = Review.load(review_copy)
    mine = review.codings[review.codings["coder"] == "coder-d"]
    assert len(mine) == 2 and mine["anchored"].all() and (mine["anchor"] == "position").all()
    assert mine["passage_id"].tolist() == [f"{KOTTER}/3", "Gulick1937Notes/4"]
    assert mine["line"].tolist() == [2, 3]
    assert not [p for p in review.problems if p.file == "corpus/codings/coder-d.csv"]
    assert review.coders == ["coder-a", "coder-b", "coder-c", "coder-d"]
    before = weigh_evidence(bundled).set_index("competency").loc["budgeting"]
    after = weigh_evidence(review).set_index("competency").loc["budgeting"]
    assert after["codings"] == before["codings"] + 2
    assert after["coders"] == before["coders"] + 1
    coded_before = set(bundled.codings.loc[bundled.codings["competency"] == "budgeting", "citekey"])
    assert after["sources"] == len(coded_before | {KOTTER, "Gulick1937Notes"})


# ---------------------------------------------------------------- suggestions


def test_suggestions_are_k_choices_and_save_nothing(review_copy):
    session = session_on(review_copy)
    session.go(3)
    suggestions = session.suggestions()
    assert len(suggestions) == 3
    assert len(session.suggestions(k=5)) == 5
    labels = dict(zip(session.review.codebook["competency"], session.review.codebook["label"]))
    for s in suggestions:
        assert set(s) == {"competency", "label", "framing", "score"}
        assert s["label"] == labels[s["competency"]]
        assert s["framing"] in (*FRAMINGS, "")
        assert isinstance(s["score"], float)
    assert [s["score"] for s in suggestions] == sorted((s["score"] for s in suggestions), reverse=True)
    assert len({s["competency"] for s in suggestions}) == 3
    assert not coder_file(review_copy).exists()
    assert session.my_codings() == []
    session.save("planning", "management", P3_QUOTE)
    before = coder_file(review_copy).read_bytes()
    session.suggestions()
    assert coder_file(review_copy).read_bytes() == before


def test_suggestions_before_finishing_do_not_depend_on_the_other_coders_codings_of_this_source(review_copy):
    before = session_on(review_copy).suggestions(k=5)  # Kotter passage 1: coder-a and coder-b coded charisma/neither
    for coder in ("coder-a", "coder-b"):
        path = coder_file(review_copy, coder)
        path.write_text(path.read_text(encoding="utf-8").replace(",charisma,neither,", ",charisma,leadership,", 1),
                        encoding="utf-8")
    after = session_on(review_copy).suggestions(k=5)
    assert after == before


# ---------------------------------------------------------------- judging every passage, undo, practice coders


def test_finishing_asks_for_every_passage_to_be_judged(review_copy):
    session = session_on(review_copy)
    session.save("charisma", "neither", "personal magnetism")
    session.go(2)
    session.nothing_here()
    with pytest.raises(UnjudgedPassages) as refused:
        session.finish()
    assert refused.value.numbers == list(range(3, 13))
    assert str(refused.value).startswith("10 of Kotter1990WhatLeaders's passages are not judged yet (3–12): ")
    assert not session.is_finished() and events(review_copy) == [("nothing", KOTTER)]
    for number in range(3, 13):
        session.go(number)
        session.nothing_here()
    session.finish()  # every passage judged: no question asked
    assert session.is_finished() and read_rows(coverage_file(review_copy))[-1]["note"] == ""


def test_unjudged_passages_are_named_in_short_runs():
    assert str(UnjudgedPassages("K", [4])).startswith("1 of K's passages is not judged yet (4): code it")
    assert "(1, 2, 5–9 and 12)" in str(UnjudgedPassages("K", [1, 2, 5, 6, 7, 8, 9, 12]))


def test_next_uncoded_skips_passages_judged_empty(review_copy):
    session = session_on(review_copy)
    session.nothing_here()
    session.go(2)
    session.save("charisma", "neither")
    session.go(1)
    assert session.next_uncoded() and session.number == 3
    assert session_on(review_copy).number == 3  # a new session starts at the first unjudged passage


def test_undo_each_kind_of_change(review_copy):
    session = session_on(review_copy)
    session.go(3)
    saved = session.save("planning", "management", P3_QUOTE, memo="targets")
    session.edit(saved["id"], framing="leadership", memo="changed my mind")
    session.go(4)
    session.nothing_here()
    session.finish(anyway=True)
    assert session.undo() == "the source is open again" and not session.is_finished()
    assert session.undo() == "the passage's “nothing to code here” was undone" and session.nothing_passages() == set()
    assert session.undo() == "the coding is back as it was before the edit"
    [row] = read_rows(coder_file(review_copy))
    assert (row["framing"], row["memo"], row["start"], row["end"]) == ("management", "targets", "1138", "1194")
    session.go(3)
    session.remove(saved["id"])
    assert read_rows(coder_file(review_copy)) == []
    assert session.undo() == "the removed coding is back"
    [back] = read_rows(coder_file(review_copy))
    assert (back["id"], back["quote"], back["coded_at"]) == (saved["id"], P3_QUOTE, saved["coded_at"])
    assert session.undo() == "the coding just saved was taken out" and read_rows(coder_file(review_copy)) == []
    with pytest.raises(CodingError, match="nothing to undo"):
        session.undo()
    assert [e for e, _ in events(review_copy)] == ["nothing", "finished", "reopened", "nothing-withdrawn"]


def test_a_selection_saves_the_occurrence_chosen(review_copy):
    session = session_on(review_copy)
    text = session.passage["text"]
    word = "the"
    second = text.index(word, text.index(word) + 1)
    saved = session.save("charisma", "neither", span=(second, second + len(word)))
    assert saved["start"] == session.passage["start"] + second and saved["quote"] == word
    with pytest.raises(CodingError, match="not within this passage"):
        session.save("charisma", "neither", span=(5, len(text) + 1))


def test_a_practice_coder_is_left_out_until_enrolled(review_copy):
    session = CodingSession(Review.load(review_copy), "trial-1", practice=True)
    session.open(KOTTER)
    session.go(3)
    session.save("planning", "management", P3_QUOTE)
    session.finish(anyway=True)
    practice = review_copy / "corpus" / "codings" / "practice" / "trial-1.csv"
    assert practice.exists() and not coder_file(review_copy, "trial-1").exists()
    assert coder_status(review_copy, "trial-1") == "practice"
    loaded = Review.load(review_copy)
    assert "trial-1" not in set(loaded.codings["coder"]) and "trial-1" not in set(loaded.coverage["coder"])
    again = CodingSession(loaded, "trial-1", practice=True)
    assert len(again._codings) == 1 and again.is_finished(KOTTER)

    moved = enrol(review_copy, "trial-1")
    assert [p.relative_to(review_copy).as_posix() for p in moved] == [
        "corpus/codings/trial-1.csv", "corpus/coverage/trial-1.csv"]
    assert coder_status(review_copy, "trial-1") == "coder"
    enrolled = Review.load(review_copy)
    assert enrolled.codings[enrolled.codings["coder"] == "trial-1"]["quote"].tolist() == [P3_QUOTE]
    assert enrolled.coverage[enrolled.coverage["coder"] == "trial-1"]["citekey"].tolist() == [KOTTER]


def test_enrol_refuses_a_name_already_taken_and_a_coder_who_is_not_practising(review_copy):
    practice = review_copy / "corpus" / "codings" / "practice"
    practice.mkdir()
    (practice / "coder-a.csv").write_text("id,citekey,passage,quote,competency,framing\n", encoding="utf-8")
    with pytest.raises(CodingError, match=r"coder-a already has corpus/codings/coder-a\.csv"):
        enrol(review_copy, "coder-a")
    assert (practice / "coder-a.csv").exists()
    with pytest.raises(CodingError, match="nobody is not a practice coder"):
        enrol(review_copy, "nobody")
