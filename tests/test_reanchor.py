"""Codings after their source is edited: re-anchoring on load, `reanchor`, and the report.

Each test makes one scripted edit to corpus/sources/Kotter1990WhatLeaders.md (coded by
all three bundled coders: 14 + 14 + 9 codings) or another source in a copy of the bundled
review, loads it, and checks where every coding is now placed and what is reported.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from conftest import coder_file, read_rows

from litcoder import Review
from litcoder.analysis.evidence import weigh_evidence
from litcoder.inputs.anchor import CONTEXT
from litcoder.inputs.codings import reanchor
from litcoder.outputs.report import build
from litcoder.screens.session import CodingSession

KOTTER = "Kotter1990WhatLeaders"
CODERS = ["coder-a", "coder-b", "coder-c"]
KOTTER_CODINGS = {"coder-a": 14, "coder-b": 14, "coder-c": 9}
NEW_PARAGRAPH = "A paragraph added by the committee after a second reading, before Kotter's argument begins."


def source_file(root: Path, citekey: str = KOTTER) -> Path:
    return root / "corpus" / "sources" / f"{citekey}.md"




def edit_source(root: Path, change, citekey: str = KOTTER) -> None:
    path = source_file(root, citekey)
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")


def coding_problems(review: Review) -> list:
    return [p for p in review.problems if p.file.startswith("corpus/codings/")]


def problem_kinds(review: Review) -> collections.Counter:
    return collections.Counter(p.kind for p in coding_problems(review))


def of_source(review: Review, citekey: str = KOTTER):
    return review.codings[review.codings["citekey"] == citekey].set_index("id")


def squeezed(text: str) -> str:
    return " ".join(text.split())


def insert_paragraph(text: str) -> str:
    heading = "## Two kinds of work, three pairs of processes\n\n"
    assert text.count(heading) == 1
    return text.replace(heading, heading + NEW_PARAGRAPH + "\n\n")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "litcoder.cli", *map(str, args)], capture_output=True, text=True,
                          env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"})


# ---------------------------------------------------------------- (a) a paragraph inserted near the top


def test_inserted_paragraph_moves_every_coding_one_passage_on(review_copy, bundled):
    edit_source(review_copy, insert_paragraph)
    review = Review.load(review_copy)
    old, now = of_source(bundled), of_source(review)
    assert now["anchored"].all() and (now["anchor"] == "exact").all()
    assert (now["passage"] == old["passage"] + 1).all()
    text = review.texts[KOTTER]
    for coding in now.itertuples():
        assert text[coding.start:coding.end] == coding.quote
        assert coding.start == old.at[coding.Index, "start"] + len(NEW_PARAGRAPH) + 2
    moved = [p for p in coding_problems(review) if p.kind == "coding-moved"]
    assert problem_kinds(review) == {"coding-moved": 37}
    assert collections.Counter(p.file for p in moved) == {f"corpus/codings/{c}.csv": n
                                                          for c, n in KOTTER_CODINGS.items()}
    first = next(p for p in moved if p.file == "corpus/codings/coder-a.csv" and p.line == 2)
    assert first.severity == "warning"
    assert first.message == "the quote is not in passage 1 but in passage 2; it is counted there"
    assert first.action == "run `litcoder reanchor` (or set passage to 2)"
    # the other sources' codings are untouched
    others = review.codings["citekey"] != KOTTER
    assert len(review.codings) == len(bundled.codings)
    assert review.codings.loc[others, "anchor"].tolist() == bundled.codings.loc[others, "anchor"].tolist()
    assert review.codings.loc[others, "start"].tolist() == bundled.codings.loc[others, "start"].tolist()


def test_reanchor_writes_the_new_places_back_and_then_has_nothing_to_do(review_copy, bundled):
    before = {c: coder_file(review_copy, c).read_bytes().split(b"\n") for c in CODERS}
    edit_source(review_copy, insert_paragraph)
    summaries = reanchor(Review.load(review_copy))
    assert summaries == [{"file": f"corpus/codings/{c}.csv", "codings": n, "updated": KOTTER_CODINGS[c],
                          "moved": KOTTER_CODINGS[c], "orphans": 0}
                         for c, n in (("coder-a", 120), ("coder-b", 115), ("coder-c", 78))]
    # only the Kotter rows were rewritten; every other line keeps its bytes
    for coder in CODERS:
        after = coder_file(review_copy, coder).read_bytes().split(b"\n")
        assert len(after) == len(before[coder])
        changed = [a for a, b in zip(after, before[coder]) if a != b]
        assert len(changed) == KOTTER_CODINGS[coder]
        assert all(f",{KOTTER},".encode() in line for line in changed)
    review = Review.load(review_copy)
    assert review.problems == []
    assert (of_source(review)["anchor"] == "position").all()
    # elsewhere as in the bundled review: 'passage' for quotes typed with a space where the text breaks a line
    assert review.codings["anchor"].tolist() == bundled.codings["anchor"].tolist()
    assert (of_source(review)["passage"] == of_source(bundled)["passage"] + 1).all()
    for coder in CODERS:
        for row in read_rows(coder_file(review_copy, coder)):
            text = review.texts[row["citekey"]]
            start, end = int(row["start"]), int(row["end"])
            if row["citekey"] == KOTTER:
                assert text[start:end] == row["quote"]
            assert squeezed(text[start:end]) == squeezed(row["quote"])
            assert row["prefix"] == text[max(0, start - CONTEXT):start] and row["suffix"] == text[end:end + CONTEXT]
    settled = {c: coder_file(review_copy, c).read_bytes() for c in CODERS}
    assert [s["updated"] for s in reanchor(review)] == [0, 0, 0]
    assert {c: coder_file(review_copy, c).read_bytes() for c in CODERS} == settled


def test_cli_reanchor(review_copy):
    edit_source(review_copy, insert_paragraph)
    result = cli("reanchor", review_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "corpus/codings/coder-a.csv: 120 codings, 14 updated (14 re-anchored after edits), 0 orphans kept",
        "corpus/codings/coder-b.csv: 115 codings, 14 updated (14 re-anchored after edits), 0 orphans kept",
        "corpus/codings/coder-c.csv: 78 codings, 9 updated (9 re-anchored after edits), 0 orphans kept",
    ]
    assert Review.load(review_copy).problems == []
    again = cli("reanchor", review_copy)
    assert again.returncode == 0
    assert [re.search(r", (\d+) updated", line)[1] for line in again.stdout.splitlines()] == ["0", "0", "0"]


def test_a_quote_that_also_occurs_in_the_paragraph_before_follows_its_own_words(review_copy):
    session = CodingSession(Review.load(review_copy), "coder-d")
    session.open(KOTTER)
    session.go(10)  # '... exposing them to people who lead well.'; passage 9 has '... many people who lead in ...'
    saved = session.save("developing-staff", "leadership", "people who lead")
    edit_source(review_copy, insert_paragraph)
    review = Review.load(review_copy)
    coding = of_source(review).loc[saved["id"]]
    assert coding["passage"] == 11
    assert coding["start"] == saved["start"] + len(NEW_PARAGRAPH) + 2
    assert [p.kind for p in review.problems if p.file == "corpus/codings/coder-d.csv"] == ["coding-moved"]


# ---------------------------------------------------------------- (b) a typo fixed inside a quoted sentence


def test_a_typo_fixed_in_the_source_is_a_fuzzy_match(review_copy):
    # the source had a typo, and the coders copied it into their quotes
    edit_source(review_copy, lambda t: t.replace("the detailed steps", "the detialed steps"))
    for coder in CODERS:
        path = coder_file(review_copy, coder)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("detailed steps", "detialed steps"), encoding="utf-8")
    planted = Review.load(review_copy)
    assert coding_problems(planted) == []
    typo = planted.codings[planted.codings["quote"].str.contains("detialed")]
    assert list(zip(typo["id"], typo["line"])) == [("coder-a-0003", 4), ("coder-b-0004", 6), ("coder-b-0006", 8)]
    assert (typo["anchor"] == "position").all()
    # then the source is corrected
    edit_source(review_copy, lambda t: t.replace("the detialed steps", "the detailed steps"))
    review = Review.load(review_copy)
    fuzzy = [(p.file, p.line) for p in coding_problems(review) if p.kind == "coding-fuzzy"]
    assert fuzzy == [("corpus/codings/coder-a.csv", 4), ("corpus/codings/coder-b.csv", 6),
                     ("corpus/codings/coder-b.csv", 8)]
    assert problem_kinds(review) == {"coding-fuzzy": 3}
    warning = next(p for p in coding_problems(review) if p.line == 4)
    assert warning.severity == "warning"
    assert re.fullmatch(r"the quote is no longer word for word in Kotter1990WhatLeaders \(edited\?\); it now "
                        r"matches “spells out the detailed steps needed to meet them” \(9\d%\)", warning.message)
    assert review.codings["anchored"].all()
    text = review.texts[KOTTER]
    for coding in of_source(review).itertuples():
        if "detialed" in coding.quote:
            assert coding.anchor == "fuzzy" and coding.passage == 3
            assert text[coding.start:coding.end] == coding.quote.replace("detialed", "detailed")


# ---------------------------------------------------------------- (c) a coded paragraph deleted


def _delete_passage_3(root: Path, bundled: Review) -> list[str]:
    passage = bundled.passages[(bundled.passages["citekey"] == KOTTER) & (bundled.passages["passage"] == 3)]
    edit_source(root, lambda t: t.replace(passage["text"].item() + "\n\n", "", 1))
    old = of_source(bundled)
    return sorted(old.index[old["passage"] == 3])


def test_codings_of_a_deleted_paragraph_are_orphans_kept_and_counted(review_copy, bundled):
    orphan_ids = _delete_passage_3(review_copy, bundled)
    assert orphan_ids == ["coder-a-0003", "coder-a-0004", "coder-a-0005", "coder-b-0004", "coder-b-0006",
                          "coder-b-0008", "coder-c-0018", "coder-c-0019"]
    review = Review.load(review_copy)
    now = of_source(review)
    assert sorted(now.index[~now["anchored"]]) == orphan_ids
    assert now.loc[orphan_ids, "passage"].eq(3).all() and now.loc[orphan_ids, "start"].isna().all()
    orphans = [p for p in coding_problems(review) if p.kind == "coding-orphan"]
    assert len(orphans) == 8 and all(p.severity == "warning" for p in orphans)
    assert all("the coding is kept and still counted" in p.message for p in orphans)
    later = now.index[(~now.index.isin(orphan_ids)) & (of_source(bundled).loc[now.index, "passage"] > 3)]
    assert (now.loc[later, "passage"] == of_source(bundled).loc[later, "passage"] - 1).all()
    assert problem_kinds(review) == {"coding-orphan": 8, "coding-moved": len(later)}

    files = {c: read_rows(coder_file(review_copy, c)) for c in CODERS}
    summaries = reanchor(review)
    assert [(s["updated"], s["orphans"]) for s in summaries] == [(9, 3), (9, 3), (6, 2)]
    for coder in CODERS:  # the orphans' rows are still there, unchanged
        kept = {r["id"]: r for r in read_rows(coder_file(review_copy, coder))}
        assert len(kept) == len(files[coder])
        for row in files[coder]:
            if row["id"] in orphan_ids:
                assert kept[row["id"]] == row

    review = Review.load(review_copy)
    assert problem_kinds(review) == {"coding-orphan": 8}
    assert len(review.codings) == len(bundled.codings) == 313
    assert sorted(review.codings.loc[~review.codings["anchored"], "id"]) == orphan_ids
    before = weigh_evidence(bundled).set_index("competency")
    after = weigh_evidence(review).set_index("competency")
    assert (after["codings"] == before["codings"]).all()
    assert after.at["planning", "codings"] == before.at["planning", "codings"]

    report = build(review_copy, images=False).report.read_text(encoding="utf-8")
    # each quote, then its citation (a link to the paragraph) and who coded it how, marked an orphan
    marks = [(m["quote"], m["coder"], m["passage"], m["framing"]) for m in re.finditer(
        r"<blockquote>(?P<quote>[^<]*)</blockquote>\s*<div class=\"who\">"
        r"\(<a [^>]*>[^<]*, para\. (?P<passage>\d+)</a>\) · (?P<coder>coder-\w): (?P<framing>\w+) · "
        r"<strong>orphan: quote not found in the text</strong>", report)]
    orphan_rows = review.codings[~review.codings["anchored"]]
    expected = {(q, c, "3", f) for q, c, f in zip(orphan_rows["quote"], orphan_rows["coder"], orphan_rows["framing"])}
    assert set(marks) <= expected and len(marks) >= 7  # every orphan shown, but for the quotes cut from a card
    assert {m[1] for m in marks} == {"coder-a", "coder-b", "coder-c"}
    assert "orphan: the quote “spells out the detailed steps needed to meet them” is not in" in report


def test_cli_reanchor_lists_the_orphans_it_kept(review_copy, bundled):
    _delete_passage_3(review_copy, bundled)
    result = cli("reanchor", review_copy)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "corpus/codings/coder-a.csv: 120 codings, 9 updated (9 re-anchored after edits), 3 orphans kept"
    listed = [line for line in lines if re.match(r"  corpus/codings/coder-\w\.csv:\d+: warning: orphan: ", line)]
    assert len(listed) == 8
    assert "  corpus/codings/coder-a.csv:4: warning: orphan: the quote “spells out the detailed steps needed to " \
           "meet them” is not in Kotter1990WhatLeaders" in result.stdout


# ---------------------------------------------------------------- (d)-(g) edits that do not change the words


def _assert_all_silently_anchored(review: Review, bundled: Review, citekey: str = KOTTER, exact: bool = False):
    assert coding_problems(review) == []
    assert review.codings["anchored"].all()
    now, old = of_source(review, citekey), of_source(bundled, citekey)
    assert len(now) == len(old) and (now["passage"] == old.loc[now.index, "passage"]).all()
    text = review.texts[citekey]
    for coding in now.itertuples():
        found = text[coding.start:coding.end]
        if exact:
            assert found == coding.quote
        else:
            assert squeezed(unicodedata.normalize("NFC", found)) == squeezed(coding.quote)


def test_rewrapped_lines_are_still_anchored_silently(review_copy, bundled):
    passages = bundled.passages[bundled.passages["citekey"] == KOTTER].set_index("passage")["text"]

    def rewrap(text):
        for number, width in ((3, 60), (5, 44), (7, 72)):
            text = text.replace(passages[number], textwrap.fill(passages[number], width))
        return text

    edit_source(review_copy, rewrap)
    review = Review.load(review_copy)
    assert review.texts[KOTTER].count("\n") > bundled.texts[KOTTER].count("\n") + 20
    _assert_all_silently_anchored(review, bundled)
    anchors = of_source(review)["anchor"].value_counts().to_dict()
    assert set(anchors) <= {"position", "passage"}  # re-wrapping keeps the words where they were


@pytest.mark.parametrize("citekey", [KOTTER, "BennisNanus1985Leaders"])  # one line per passage; wrapped lines
def test_crlf_line_ends_are_still_anchored(review_copy, bundled, citekey):
    path = source_file(review_copy, citekey)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    review = Review.load(review_copy)
    assert "\r\n" in review.texts[citekey]
    _assert_all_silently_anchored(review, bundled, citekey)
    reanchor(review)
    again = Review.load(review_copy)
    _assert_all_silently_anchored(again, bundled, citekey)


def test_a_second_reanchor_after_crlf_has_nothing_to_do(review_copy):
    path = source_file(review_copy, "BennisNanus1985Leaders")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    reanchor(Review.load(review_copy))
    assert [s["updated"] for s in reanchor(Review.load(review_copy))] == [0, 0, 0]


def test_an_emoji_before_a_quote_is_counted_as_one_code_point(review_copy, bundled):
    edit_source(review_copy, lambda t: t.replace("The manager decides", "📈 The manager decides", 1)
                .replace("Kotter begins", "👩🏽‍💼 Kotter begins", 1))  # a ZWJ sequence: 4 code points
    review = Review.load(review_copy)
    _assert_all_silently_anchored(review, bundled, exact=True)
    now, old = of_source(review), of_source(bundled)
    at = bundled.texts[KOTTER].index("The manager decides")
    for coding in now.itertuples():
        was = old.at[coding.Index, "start"]
        assert coding.start - was == (7 if was >= at else 5)  # '👩🏽‍💼 ' is 5 code points, '📈 ' 2
    assert now.at["coder-c-0018", "start"] - old.at["coder-c-0018", "start"] == 7  # 'The manager decides …'
    reanchor(review)
    stored = {r["id"]: r for r in read_rows(coder_file(review_copy, "coder-c"))}["coder-c-0018"]
    assert review.texts[KOTTER][int(stored["start"]):int(stored["end"])] == stored["quote"]
    assert Review.load(review_copy).problems == []


@pytest.mark.parametrize("form", ["text NFD", "quote NFD"])
def test_decomposed_unicode_is_still_anchored(review_copy, bundled, form):
    fayol = "Fayol1949General"
    session = CodingSession(Review.load(review_copy), "coder-d")
    session.open(fayol)
    session.go(2)
    quote = "foreseeing and planning (his “prévoyance”)"
    saved = session.save("planning", "management", quote)
    assert saved["quote"] == quote
    if form == "text NFD":
        edit_source(review_copy, lambda t: unicodedata.normalize("NFD", t), fayol)
    else:
        path = coder_file(review_copy, "coder-d")
        path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    review = Review.load(review_copy)
    assert (review.texts[fayol] != bundled.texts[fayol]) == (form == "text NFD")
    assert coding_problems(review) == []
    mine = of_source(review, fayol).loc[saved["id"]]
    assert mine["anchored"] and mine["anchor"] == "normalized" and mine["passage"] == 2
    found = review.texts[fayol][mine["start"]:mine["end"]]
    assert unicodedata.normalize("NFC", found) == quote
    others = of_source(review, fayol).drop(index=saved["id"])
    assert others["anchored"].all()
    assert (others["passage"] == of_source(bundled, fayol).loc[others.index, "passage"]).all()
