"""Coverage as a log of events (litcoder.inputs.coverage): old files read as before, the log's
events, the passages agreement counts as judged, codings made after a reveal, and the file's
safety (concurrent appends, a cut-off last row, bad rows).

Most tests use the toy review of test_reliability (sources A2001 with 3 passages, B2002 with
2, C2003 with 2; coders ann, bob, cat), with coverage logs written here.
"""

from __future__ import annotations

import codecs
import dataclasses
import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import problems_of
from test_reliability import TOY_COVERAGE, make_toy_review

from litcoder import Review
from litcoder.analysis.disagreements import disagreements
from litcoder.analysis.reliability import agreement_table, framing_matrix, pair_table, presence_matrix
from litcoder.inputs.coverage import (
    ALL,
    LOG_COLUMNS,
    MARKED,
    CoverageFile,
    finished_codings,
    finished_passages,
    set_aside,
)

HEADER = "event,citekey,passage,at,note\n"
REVEAL = "2026-10-05T12:00:00+00:00"
BEFORE, AFTER = "2026-10-04T09:30:00+00:00", "2026-10-06T08:15:00+00:00"


def write_log(root: Path, coder: str, rows: list[str]) -> Path:
    path = root / "corpus" / "coverage" / f"{coder}.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def judged_by(review: Review, coder: str, **options) -> set[str]:
    units = finished_passages(review, **options)
    return set(units.loc[units["coder"] == coder, "passage_id"])


def loaded(root: Path) -> Review:
    review = Review.load(root)
    assert review.problems == [], [str(p) for p in review.problems]
    return review


# ---------------------------------------------------------------- old files, as before


def test_old_files_mean_every_passage_judged(tmp_path):
    review = loaded(make_toy_review(tmp_path / "toy"))
    assert set(review.coverage["judged"]) == {ALL} and set(review.coverage["revealed_at"]) == {""}
    assert list(review.coverage.columns[:5]) == ["coder", "citekey", "finished_at", "file", "line"]
    assert review.coverage_log["event"].eq("finished").all()
    assert review.coverage_log["at"].tolist() == review.coverage["finished_at"].tolist()
    assert judged_by(review, "cat") == {"A2001/1", "A2001/2", "A2001/3"}  # uncoded A2001/2 too: it was read
    assert judged_by(review, "bob") == {"A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2"}


def test_an_old_file_appended_to_keeps_its_rows_and_their_meaning(tmp_path):
    root = make_toy_review(tmp_path / "toy")
    path = root / "corpus" / "coverage" / "ann.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"citekey;finished_at\r\nA2001;2026-09-01T10:00:00+00:00\r\n"
                     b"B2002;2026-09-02T10:00:00+00:00\r\nC2003;2026-09-03\r\n")
    log = CoverageFile(path)
    log.reopen("B2002")
    log.nothing("B2002", 2)
    log.finish("B2002", unread=[1])
    assert log.finished() == {"A2001", "B2002", "C2003"}
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + b"citekey;finished_at;event;passage;at;note\r\n"
                           b"A2001;2026-09-01T10:00:00+00:00;;;;\r\nB2002;2026-09-02T10:00:00+00:00;;;;\r\n"
                           b"C2003;2026-09-03;;;;\r\nB2002;;reopened;;20")
    assert data.endswith(b";unread: 1\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    review = loaded(root)
    ann = review.coverage[review.coverage["coder"] == "ann"].set_index("citekey")
    assert ann["judged"].to_dict() == {"A2001": ALL, "C2003": ALL, "B2002": MARKED}
    assert ann.loc["C2003", "finished_at"] == "2026-09-03"
    assert judged_by(review, "ann") == {"A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2", "C2003/1", "C2003/2"}
    events = review.coverage_log[review.coverage_log["coder"] == "ann"]
    assert events["event"].tolist() == ["finished", "finished", "finished", "reopened", "nothing", "finished"]
    assert events["line"].tolist() == [2, 3, 4, 5, 6, 7]


# ---------------------------------------------------------------- the log


def test_events_in_order_and_what_they_say(tmp_path):
    log = CoverageFile(tmp_path / "zoë.csv")
    log.nothing("A2001", 2)
    log.nothing("A2001", 2)  # already judged: not written twice
    log.nothing("A2001", 3)
    log.withdraw_nothing("A2001", 3)
    log.withdraw_nothing("A2001", 1)  # never judged: nothing to withdraw
    log.finish("A2001", unread=[3, 1])
    log.finish("A2001")  # already finished
    log.reveal("A2001")
    log.reveal("A2001")  # shown again: still one reveal
    log.reopen("A2001")
    log.reopen("A2001")  # already open
    log.reveal("A2001")  # shown again after the reopening: a new reveal
    events = log.events()
    assert [(e["event"], e["passage"]) for e in events] == [
        ("nothing", 2), ("nothing", 3), ("nothing-withdrawn", 3), ("finished", None), ("revealed", None),
        ("reopened", None), ("revealed", None)]
    assert events[3]["note"] == "unread: 1, 3"
    assert all(e["at"].startswith("20") and e["citekey"] == "A2001" for e in events)
    assert log.finished() == set() and log.nothing_passages("A2001") == {2} and log.nothing_passages("B2002") == set()
    assert log.revealed_at("A2001") == events[4]["at"] and log.revealed_at("B2002") is None
    assert (tmp_path / "zoë.csv").read_text(encoding="utf-8").startswith(HEADER)


def test_finishing_with_unread_passages_leaves_them_out_of_agreement(tmp_path):
    root = make_toy_review(tmp_path / "toy", coverage={})
    write_log(root, "ann", [f"finished,A2001,,{BEFORE},"])
    # cat coded A2001/1 and /3 (test_reliability's codings) and judged /2 "nothing", then withdrew it
    write_log(root, "cat", [f"nothing,A2001,2,{BEFORE},", f"nothing-withdrawn,A2001,2,{BEFORE},",
                            f"finished,A2001,,{BEFORE},unread: 2"])
    write_log(root, "bob", [f"nothing,A2001,3,{BEFORE},", f"finished,A2001,,{BEFORE},"])
    review = loaded(root)
    assert set(review.coverage["judged"]) == {MARKED}
    assert judged_by(review, "cat") == {"A2001/1", "A2001/3"}
    assert judged_by(review, "bob") == {"A2001/1", "A2001/2", "A2001/3"}  # coded 1 and 2, nothing in 3
    assert judged_by(review, "ann") == {"A2001/1", "A2001/2", "A2001/3"}  # coded all three
    presence = presence_matrix(review)
    assert np.isnan(presence.loc[("A2001/2", "vision"), "cat"])  # unread: missing, not "nothing here"
    assert presence.loc[("A2001/2", "vision")].tolist()[:2] == [1.0, 1.0]
    assert presence.loc[("A2001/3", "charisma")].tolist() == [1.0, 0.0, 1.0]  # bob judged it: nothing
    units = agreement_table(review, resamples=50).set_index(["measure", "competency"])
    assert set(units.loc[("presence", "all competencies"), "units"]) == {9}  # 3 passages × 3 competencies


def test_reopening_keeps_the_record_and_the_reveal(tmp_path):
    root = make_toy_review(tmp_path / "toy", coverage={})
    path = root / "corpus" / "coverage" / "bob.csv"
    log = CoverageFile(path)
    log.finish("A2001")
    log.reveal("A2001")
    first = log.revealed_at("A2001")
    log.reopen("A2001")
    assert log.finished() == set() and log.revealed_at("A2001") == first
    review = loaded(root)
    assert review.coverage[review.coverage["coder"] == "bob"].empty
    assert review.coverage_log["event"].tolist() == ["finished", "revealed", "reopened"]
    log.finish("A2001")
    review = loaded(root)
    [bob] = review.coverage[review.coverage["coder"] == "bob"].to_dict("records")
    assert bob["revealed_at"] == first and bob["line"] == 5 and bob["judged"] == MARKED


# ---------------------------------------------------------------- codings made after a reveal


def with_times(root: Path, coder: str, times: dict[int, str]) -> None:
    """Give `coder`'s codings (by row number, from 1) a coded_at."""
    path = root / "corpus" / "codings" / f"{coder}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",coded_at"] + [f"{line},{times.get(n, BEFORE)}" for n, line in enumerate(lines[1:], 1)]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


@pytest.fixture
def revealed(tmp_path) -> Path:
    """The toy review (old coverage files) where bob, shown the others' codings of A2001 at
    REVEAL, then coded its passage 2 again (his 2nd coding is later) and judged passage 3
    "nothing" after the reveal; passage 1 he left as it was."""
    root = make_toy_review(tmp_path / "toy")
    with_times(root, "bob", {2: AFTER})
    with_times(root, "ann", {})
    (root / "corpus" / "coverage" / "bob.csv").write_text(
        "citekey,finished_at,event,passage,at,note\nA2001,2026-09-01T10:00:00+00:00,,,,\n"
        "B2002,2026-09-02T10:00:00+00:00,,,,\n"
        f"A2001,,revealed,,{REVEAL},l’équipe l’a vu\nA2001,,nothing,3,{AFTER},\n", encoding="utf-8")
    return root


def test_passages_changed_after_a_reveal_are_left_out_by_default(revealed):
    review = loaded(revealed)
    [bob_a] = review.coverage[(review.coverage["coder"] == "bob") & (review.coverage["citekey"] == "A2001")
                              ].to_dict("records")
    assert bob_a["revealed_at"] == REVEAL and bob_a["judged"] == ALL
    passages, sources = set_aside(review)
    assert set(zip(passages["coder"], passages["passage_id"])) == {("bob", "A2001/2"), ("bob", "A2001/3")}
    assert sources.empty
    assert judged_by(review, "bob") == {"A2001/1", "B2002/1", "B2002/2"}
    assert judged_by(review, "bob", after_reveal=True) == {"A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2"}
    # bob's coding of A2001/2 (vision) is not counted, and A2001/2 is not "nothing here" for him
    presence = presence_matrix(review)
    assert np.isnan(presence.loc[("A2001/2", "vision"), "bob"]) and np.isnan(presence.loc[("A2001/2", "planning"),
                                                                                               "bob"])
    assert presence_matrix(review, after_reveal=True).loc[("A2001/2", "vision"), "bob"] == 1.0
    assert "A2001/2" not in set(finished_codings(review).query("coder == 'bob'")["passage_id"])
    assert len(finished_codings(review, after_reveal=True)) == len(finished_codings(review)) + 1
    # his only vision coding in A was after the reveal: ann alone frames it there, so it is no unit
    assert ("A2001", "vision") not in framing_matrix(review).index
    counted = framing_matrix(review, after_reveal=True).loc[("A2001", "vision")]
    assert counted["bob"] == counted["ann"] and np.isnan(counted["cat"])
    default = agreement_table(review, resamples=50).set_index(["measure", "competency"])
    counted = agreement_table(review, resamples=50, after_reveal=True).set_index(["measure", "competency"])
    pooled = ("presence", "all competencies")
    assert set(default.loc[pooled, "units"]) == set(counted.loc[pooled, "units"]) == {15}  # A2001/2, /3: 2 coders
    assert not default.loc[pooled, "value"].equals(counted.loc[pooled, "value"])
    pairs = pair_table(review).set_index(["coder_a", "coder_b"])
    assert pairs.loc[("ann", "bob"), "presence_units"] == 9  # A2001/1 and B2002's two passages, × 3
    assert pair_table(review, after_reveal=True).set_index(["coder_a", "coder_b"]).loc[
        ("ann", "bob"), "presence_units"] == 15


def test_disagreements_follow_the_same_units(revealed):
    review = loaded(revealed)
    by_default = disagreements(review)
    everything = disagreements(review, after_reveal=True)
    # bob's post-reveal vision coding of A2001/2: counted, cat (who did not code it) differs from ann and bob
    item = "presence:A2001/2:vision"
    assert item in set(everything["item"]) and item in set(by_default["item"])
    assert everything.set_index("item").loc[item, "coders"] == "ann, bob, cat"
    assert by_default.set_index("item").loc[item, "coders"] == "ann, cat"


def test_a_coding_edited_after_the_reveal_is_left_out(revealed):
    review = loaded(revealed)
    codings = review.codings.assign(edited_at="")
    first = codings.index[(codings["coder"] == "bob") & (codings["passage_id"] == "A2001/1")][0]
    codings.loc[first, "edited_at"] = AFTER
    edited = dataclasses.replace(review, codings=codings)
    assert "A2001/1" in judged_by(review, "bob") and "A2001/1" not in judged_by(edited, "bob")
    assert "A2001/1" in judged_by(edited, "bob", after_reveal=True)


def test_a_reveal_whose_time_cannot_be_read_sets_the_source_aside(revealed):
    path = revealed / "corpus" / "coverage" / "bob.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(REVEAL, "hier après-midi"), encoding="utf-8")
    review = Review.load(revealed)
    [problem] = problems_of(review, "coverage-time")
    assert problem.line == 4 and "hier après-midi" in problem.message and "agreement leaves" in problem.message
    assert judged_by(review, "bob") == {"B2002/1", "B2002/2"}
    assert "A2001/1" in judged_by(review, "bob", after_reveal=True)


# ---------------------------------------------------------------- the bundled review


def test_the_bundled_review_builds_the_same_agreement_from_its_old_files_as_from_a_log(bundled, review_copy):
    """Its coverage files are old-format (every passage judged); the same judgements written
    as a log (each uncoded passage marked nothing) give the same units and numbers."""
    assert set(bundled.coverage["judged"]) == {ALL} and not bundled.coverage_log.empty
    coded = set(zip(bundled.codings["coder"], bundled.codings["passage_id"]))
    for coder, finished in bundled.coverage.groupby("coder"):
        rows = []
        for citekey in finished["citekey"]:
            numbers = bundled.passages.loc[bundled.passages["citekey"] == citekey, "passage"]
            rows += [f"nothing,{citekey},{n},{BEFORE}," for n in numbers if (coder, f"{citekey}/{n}") not in coded]
            rows.append(f"finished,{citekey},,{BEFORE},")
        write_log(review_copy, coder, rows)
    logged = Review.load(review_copy)
    assert set(logged.coverage["judged"]) == {MARKED}
    assert not problems_of(logged, file="corpus/coverage/coder-a.csv")
    keys = ["coder", "passage_id"]
    assert finished_passages(logged).sort_values(keys).reset_index(drop=True).equals(
        finished_passages(bundled).sort_values(keys).reset_index(drop=True))
    pd.testing.assert_frame_equal(agreement_table(logged, resamples=100), agreement_table(bundled, resamples=100))
    pd.testing.assert_frame_equal(pair_table(logged), pair_table(bundled))
    pd.testing.assert_frame_equal(agreement_table(bundled, resamples=100, after_reveal=True),
                                  agreement_table(bundled, resamples=100))  # nothing revealed: the same
    assert disagreements(logged)["item"].tolist() == disagreements(bundled)["item"].tolist()


# ---------------------------------------------------------------- the file's safety


def _append_many(path: str, worker: int, count: int) -> None:
    log = CoverageFile(Path(path))
    for number in range(1, count + 1):
        log.nothing(f"S{worker}", number)
        if number % 10 == 0:
            log.reveal(f"S{worker}")
            log.finish(f"S{worker}", unread=[number + 1])
            log.reopen(f"S{worker}")


def test_concurrent_appends_lose_no_event(tmp_path):
    path = tmp_path / "coder-a.csv"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 40)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    events = CoverageFile(path).events()
    assert len(events) == 4 * (40 + 4 * 3)
    for w in range(4):
        mine = [e for e in events if e["citekey"] == f"S{w}"]
        assert [e["passage"] for e in mine if e["event"] == "nothing"] == list(range(1, 41))
        assert [e["event"] for e in mine if e["event"] != "nothing"] == ["revealed", "finished", "reopened"] * 4
    assert path.read_text(encoding="utf-8").count("\n") == len(events) + 1


def test_a_cut_off_last_row_is_reported_then_moved_aside(tmp_path):
    root = make_toy_review(tmp_path / "toy", coverage={})
    path = write_log(root, "ann", [f"nothing,A2001,2,{BEFORE},", f"finished,A2001,,{BEFORE},"])
    with open(path, "a", encoding="utf-8") as f:
        f.write('revealed,B2002,,2026-10-0')  # a crash mid-append: no line end, cells missing
    review = Review.load(root)
    [problem] = problems_of(review, file="corpus/coverage/ann.csv")
    assert problem.line == 4 and problem.kind == "csv-malformed"
    assert review.coverage["citekey"].tolist() == ["A2001"]  # the good rows are read
    log = CoverageFile(path)
    log.finish("C2003")
    assert "cut off" in " ".join(log.notices)
    assert (root / "corpus" / "coverage" / "ann.csv.torn").read_text(encoding="utf-8").startswith("revealed,B2002")
    review = loaded(root)
    assert review.coverage["citekey"].tolist() == ["A2001", "C2003"]


def test_each_kind_of_bad_row_is_reported_and_the_good_rows_read(tmp_path):
    root = make_toy_review(tmp_path / "toy", coverage={})
    write_log(root, "ann", [
        f"terminé,A2001,,{BEFORE},",                 # 2 unknown event
        f"finished,Müller2001,,{BEFORE},",           # 3 unknown citekey
        f"nothing,A2001,,{BEFORE},",                 # 4 nothing without a passage
        f"nothing,A2001,deux,{BEFORE},",             # 5 not a number
        f"nothing,A2001,9,{BEFORE},",                # 6 A2001 has 3 passages
        "finished,B2002,,le 3 octobre,",             # 7 bad time: kept
        "reopened,C2003,,,",                         # 8 no time: kept
        f"nothing,A2001,1,{BEFORE},réglé",           # 9 good
        f"finished,A2001,,{BEFORE},unread: 2 – 3",   # 10 good
    ])
    review = Review.load(root)
    found = {(p.line, p.kind) for p in problems_of(review, file="corpus/coverage/ann.csv")}
    assert found == {(2, "coverage-event"), (3, "coverage-citekey"), (4, "coverage-passage"),
                     (5, "coverage-passage"), (6, "coverage-passage"), (7, "coverage-time"), (8, "coverage-time")}
    messages = " ".join(p.message for p in problems_of(review, file="corpus/coverage/ann.csv"))
    assert "terminé" in messages and "Müller2001" in messages and "deux" in messages and "no passage 9" in messages
    assert review.coverage["citekey"].tolist() == ["B2002", "A2001"]
    assert review.coverage_log["line"].tolist() == [7, 8, 9, 10]
    assert review.coverage_log["note"].tolist()[-2:] == ["réglé", "unread: 2 – 3"]
    assert judged_by(review, "ann") == {"A2001/1", "A2001/2", "A2001/3", "B2002/1", "B2002/2"}  # coded 2, 3 too


def test_a_review_made_without_a_log_still_works(tmp_path):
    review = loaded(make_toy_review(tmp_path / "toy"))
    bare = dataclasses.replace(review, coverage=review.coverage[["coder", "citekey", "finished_at", "file", "line"]],
                               coverage_log=pd.DataFrame(columns=LOG_COLUMNS))
    assert finished_passages(bare).equals(finished_passages(review))
    assert set(TOY_COVERAGE) == set(review.coverage["coder"])
