"""Memos on competencies, sources and rulings (corpus/memos/<kind>/<id>.md): every problem
reported with its file and line and the rest read; links parsed where they are written;
HTML that runs nothing a memo holds; text as people's editors save it; writes that never
overwrite a memo changed meanwhile."""

from __future__ import annotations

import threading
import time

import pytest

from litcoder.inputs import memos as memo_module
from litcoder.inputs.memos import (
    COLUMNS,
    KINDS,
    MEMOS,
    MemoChanged,
    backlinks,
    links_in,
    memo_html,
    memo_path,
    memos_about,
    read_memos,
    remove_memo,
    write_memo,
)

COMPETENCIES = {"planning", "budgeting", "charisma", "staffing"}
CITEKEYS = {"Kotter1990WhatLeaders", "Bass1985Beyond", "DBLP:Smith20", "Müller2001Führung"}


def put(root, relative: str, content: str | bytes) -> None:
    """A file under corpus/memos, as bytes exactly, or as UTF-8 text."""
    path = root / MEMOS / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def read(root):
    return read_memos(root, COMPETENCIES, CITEKEYS)


def of(problems, kind: str) -> list:
    return [p for p in problems if p.kind == kind]


def href(kind: str, id: str) -> str:
    return f"#{kind}-{id}"


# ---------------------------------------------------------------- the bundled review


def test_the_bundled_review_memos_read_without_problems(bundled):
    from conftest import ROOT

    memos, problems = read_memos(ROOT, set(bundled.codebook["competency"]), set(bundled.sources["citekey"]))
    assert problems == []
    assert list(memos.columns) == COLUMNS
    assert set(memos["kind"]) <= set(KINDS) and memos["known"].all() and len(memos) >= 3
    charisma = memos_about(memos, "competency", "charisma").iloc[0]
    assert charisma["file"] == "corpus/memos/competency/charisma.md"
    assert ("ruling", "charisma") in charisma["links"] and ("source", "Bass1985Beyond") in charisma["links"]


# ---------------------------------------------------------------- reading, and its problems


def test_memos_are_read_sorted_by_kind_then_id_with_title_links_and_time(tmp_path):
    put(tmp_path, "ruling/planning.md", "Kept as management.\n")
    put(tmp_path, "source/Kotter1990WhatLeaders.md", "Kotter on [[planning]].\n")
    put(tmp_path, "competency/planning.md", "# Planning *ahead*\n\nSee [[@Kotter1990WhatLeaders]] and "
        "[[ruling:planning]], and [[planning]] again: [[competency:planning]].\n")
    put(tmp_path, "competency/budgeting.md", "\n\nBudgets follow [[planning]].\nSecond line.\n")
    memos, problems = read(tmp_path)
    assert problems == []
    assert list(zip(memos["kind"], memos["id"])) == [("competency", "budgeting"), ("competency", "planning"),
                                                     ("source", "Kotter1990WhatLeaders"), ("ruling", "planning")]
    planning = memos_about(memos, "competency", "planning").iloc[0]
    assert planning["title"] == "Planning ahead"
    assert planning["links"] == [("source", "Kotter1990WhatLeaders"), ("ruling", "planning"),
                                 ("competency", "planning")]  # once each, in order
    assert memos_about(memos, "competency", "budgeting").iloc[0]["title"] == "Budgets follow planning."
    assert memos["known"].all() and memos["modified"].str.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$").all()


def test_no_memos_folder_is_no_memos_and_no_problem(tmp_path):
    memos, problems = read(tmp_path)
    assert memos.empty and list(memos.columns) == COLUMNS and problems == []


def test_a_memo_on_an_unknown_id_is_kept_and_reported(tmp_path):
    put(tmp_path, "competency/planing.md", "Typo in the name.\n")
    put(tmp_path, "source/Kotter1990WhatLeader.md", "Typo in the citekey.\n")
    memos, problems = read(tmp_path)
    assert list(memos["known"]) == [False, False] and list(memos["id"]) == ["planing", "Kotter1990WhatLeader"]
    unknown = of(problems, "memo-unknown")
    assert [(p.file, p.line, p.severity) for p in unknown] == [
        ("corpus/memos/competency/planing.md", None, "warning"),
        ("corpus/memos/source/Kotter1990WhatLeader.md", None, "warning")]
    assert "did you mean planning?" in unknown[0].message and "codebook" in unknown[0].message
    assert "did you mean Kotter1990WhatLeaders?" in unknown[1].message and "bibliography" in unknown[1].message


def test_a_folder_that_is_not_a_kind_and_stray_files_are_reported_and_the_rest_read(tmp_path):
    put(tmp_path, "competencies/planning.md", "In the wrong folder.\n")
    put(tmp_path, "competencies/budgeting.md", "Also.\n")
    put(tmp_path, "notes.md", "Not in a kind's folder.\n")
    put(tmp_path, "competency/planning.txt", "Not Markdown.\n")
    put(tmp_path, "competency/old/budgeting.md", "One folder too deep.\n")
    put(tmp_path, "competency/.planning.md.swp", "an editor's own file")
    put(tmp_path, "competency/charisma.md", "Read all the same.\n")
    memos, problems = read(tmp_path)
    assert list(memos["id"]) == ["charisma"]
    kind = of(problems, "memo-kind")
    assert [(p.file, p.severity) for p in kind] == [("corpus/memos/competencies", "error")]
    assert "the 2 memos in it are not read" in kind[0].message and "did you mean competency?" in kind[0].message
    assert {(p.file, p.severity) for p in of(problems, "memo-place")} == {
        ("corpus/memos/notes.md", "warning"), ("corpus/memos/competency/old", "error")}
    [format_problem] = of(problems, "memo-format")
    assert format_problem.file == "corpus/memos/competency/planning.txt" and "planning.md" in format_problem.action
    assert len(problems) == 4  # the hidden file is passed over


def test_links_to_unknown_things_are_reported_at_their_lines(tmp_path):
    put(tmp_path, "competency/planning.md", "# Planning\n\nFine: [[budgeting]] and [[@Bass1985Beyond]].\n"
        "Unknown: [[budgetting]]\n\n- and [[source:Kotter1990]]\n- [[Competency:charisma]] is fine\n"
        "> [[ruling:vision]]\n\n[[Kotter1990WhatLeaders]] [[sources:Bass1985Beyond]] [[DBLP:Smith20]]\n")
    memos, problems = read(tmp_path)
    links = of(problems, "memo-link")
    assert [p.line for p in links] == [4, 6, 8, 10, 10, 10]
    assert all(p.file == "corpus/memos/competency/planning.md" and p.severity == "warning" for p in links)
    assert "did you mean budgeting?" in links[0].message
    assert "did you mean Kotter1990WhatLeaders?" in links[1].message and "bibliography" in links[1].message
    assert "[[ruling:vision]]" in links[2].message
    assert "it is a citekey: write [[@Kotter1990WhatLeaders]]" in links[3].message
    assert "not a kind" in links[4].message and "did you mean source?" in links[4].message
    assert "[[@DBLP:Smith20]]" in links[5].action  # a citekey with ':' in it, written without a kind
    assert memos.iloc[0]["links"] == [("competency", "budgeting"), ("source", "Bass1985Beyond"),
                                      ("competency", "charisma")]  # only the links the review knows


def test_an_empty_memo_is_kept_and_reported(tmp_path):
    put(tmp_path, "source/Bass1985Beyond.md", " \n\n")
    memos, problems = read(tmp_path)
    [empty] = of(problems, "memo-empty")
    assert (empty.file, empty.severity) == ("corpus/memos/source/Bass1985Beyond.md", "warning")
    assert memos.iloc[0]["title"] == "" and memos.iloc[0]["links"] == []


def test_an_unreadable_memo_is_reported_and_the_rest_read(tmp_path):
    put(tmp_path, "competency/planning.md", "Fine.\n")
    put(tmp_path, "competency/budgeting.md", "Budgets".encode("utf-16-le"))  # UTF-16 without its mark
    (tmp_path / MEMOS / "competency" / "charisma.md").symlink_to(tmp_path / "gone.md")
    memos, problems = read(tmp_path)
    assert list(memos["id"]) == ["planning"]
    unreadable = of(problems, "memo-unreadable")
    assert [(p.file, p.severity) for p in unreadable] == [("corpus/memos/competency/budgeting.md", "error"),
                                                          ("corpus/memos/competency/charisma.md", "error")]
    assert "UTF-16" in unreadable[0].message and "cannot be read" in unreadable[1].message


def test_a_second_file_on_the_same_id_is_reported_not_read(tmp_path):
    put(tmp_path, "competency/planning.md", "The first.\n")
    put(tmp_path, "competency/planning.MD", "The second.\n")
    memos, problems = read(tmp_path)
    assert list(memos["text"]) == ["The first.\n"]
    [duplicate] = of(problems, "memo-duplicate")
    assert duplicate.file == "corpus/memos/competency/planning.MD" and "planning.md" in duplicate.message


def test_a_file_where_the_memos_folder_should_be(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / MEMOS).write_text("not a folder")
    memos, problems = read(tmp_path)
    assert memos.empty and [(p.file, p.kind) for p in problems] == [(MEMOS, "memo-place")]


# ---------------------------------------------------------------- text as editors save it


def test_accents_and_emoji_read_and_render(tmp_path):
    put(tmp_path, "source/Müller2001Führung.md", "# Führung ✨ 🧭\n\nDie *Führung* ≠ [[@Müller2001Führung]] 😀\n")
    memos, problems = read(tmp_path)
    assert problems == [] and memos.iloc[0]["known"] and memos.iloc[0]["title"] == "Führung ✨ 🧭"
    assert memos.iloc[0]["links"] == [("source", "Müller2001Führung")]
    html = memo_html(memos.iloc[0]["text"], href)
    assert "<h1>Führung ✨ 🧭</h1>" in html and "<em>Führung</em> ≠" in html and "😀" in html


def test_a_windows_1252_file_is_read_with_a_warning_at_its_first_bad_line(tmp_path):
    put(tmp_path, "competency/planning.md", "Planning\n\nThe manager’s plan – café\n".encode("cp1252"))
    memos, problems = read(tmp_path)
    assert memos.iloc[0]["text"] == "Planning\n\nThe manager’s plan – café\n"
    [encoding] = problems
    assert (encoding.kind, encoding.file, encoding.line) == ("encoding", "corpus/memos/competency/planning.md", 3)


def test_a_byte_order_mark_and_windows_line_ends_are_taken_off_and_lines_still_count(tmp_path):
    put(tmp_path, "competency/planning.md", "\ufeff# Planning\r\n\r\nSee [[budgetting]].\r\n".encode())
    memos, problems = read(tmp_path)
    memo = memos.iloc[0]
    assert memo["text"] == "# Planning\n\nSee [[budgetting]].\n" and memo["title"] == "Planning"
    assert [(p.kind, p.line) for p in problems] == [("memo-link", 3)]


def test_a_file_name_with_accents_spelled_apart_is_the_citekey(tmp_path):
    decomposed = "Mu\u0308ller2001Fu\u0308hrung"  # how a Mac may spell the file's name
    put(tmp_path, f"source/{decomposed}.md", "Read.\n")
    memos, problems = read(tmp_path)
    assert problems == [] and list(memos["id"]) == ["Müller2001Führung"] and memos["known"].all()


# ---------------------------------------------------------------- links


def test_links_in_finds_every_form_with_its_line():
    text = ("# On [[planning]]\n\nA paragraph\nover [[@Kotter1990WhatLeaders|Kotter (1990)]] lines,\n\n"
            "- [[ruling:planning]]\n  and [[source:DBLP:Smith20]]\n\n> [[ Competency : budgeting ]]\n")
    assert links_in(text) == [("competency", "planning", 1), ("source", "Kotter1990WhatLeaders", 4),
                              ("ruling", "planning", 6), ("source", "DBLP:Smith20", 7),
                              ("competency", "budgeting", 9)]


def test_links_inside_code_or_escaped_are_text():
    text = "`[[planning]]`\n\n```\n[[budgeting]]\n```\n\n    [[charisma]]\n\n\\[[staffing]] and [[staffing]]\n"
    assert links_in(text) == [("competency", "staffing", 9)]
    assert links_in("[[]] [[source:]] [[a\nb]] [single]") == [("source", "", 1)]


# ---------------------------------------------------------------- HTML


def test_html_escapes_everything_a_memo_holds():
    html = memo_html('<script>alert("x")</script>\n\n<b onclick="x">bold</b> & [[x<y]]', href)
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&amp;" in html
    assert 'href="#competency-x&lt;y"' in html and ">x&lt;y</a>" in html


def test_html_refuses_script_links_and_shows_no_images():
    html = memo_html("[click](javascript:alert(1)) [too](JaVaScRiPt:x) ![pic](https://example.org/p.png)", href)
    assert html == ('<p>[click](javascript:alert(1)) [too](JaVaScRiPt:x) !<a href="https://example.org/p.png">pic</a>'
                    "</p>\n")  # a script link stays text; a picture is a link to it, not loaded with the report
    safe = memo_html("[HBR](https://hbr.org/1990/05/x?a=1&b=2) and <https://example.org>", href)
    assert '<a href="https://hbr.org/1990/05/x?a=1&amp;b=2">HBR</a>' in safe
    assert '<a href="https://example.org">https://example.org</a>' in safe


def test_html_of_paragraphs_emphasis_lists_and_headings():
    html = memo_html("# Title\n\nOne *two* **three**\n\n- a\n- b\n\n1. first\n\n## Sub", href, heading=3)
    assert html == ("<h3>Title</h3>\n<p>One <em>two</em> <strong>three</strong></p>\n<ul>\n<li>a</li>\n<li>b</li>\n"
                    "</ul>\n<ol>\n<li>first</li>\n</ol>\n<h4>Sub</h4>\n")
    assert memo_html("###### Deep", href, heading=3) == "<h6>Deep</h6>\n"


def test_memo_links_show_their_words_or_the_things_name_or_plain_text():
    names = {("source", "Kotter1990WhatLeaders"): "Kotter (1990)"}
    html = memo_html("[[@Kotter1990WhatLeaders]] [[planning|Planning ahead]] [[ruling:charisma]] [[budgeting]] "
                     "[[Foo:bar]]", lambda kind, id: None if id == "budgeting" else f'#"{id}"',
                     name=lambda kind, id: names.get((kind, id)))
    assert '<a class="memo-link" href="#&quot;Kotter1990WhatLeaders&quot;">Kotter (1990)</a>' in html
    assert '<a class="memo-link" href="#&quot;planning&quot;">Planning ahead</a>' in html
    assert ">ruling on charisma</a>" in html
    assert " budgeting [[Foo:bar]]</p>" in html  # no page to link to; not a kind: shown as written


# ---------------------------------------------------------------- writing


def test_write_then_read_round_trips(tmp_path):
    text = "# Planning\r\n\r\nSee [[@Kotter1990WhatLeaders]] — and café ✨"
    path = write_memo(tmp_path, "competency", "planning", text)
    assert path == tmp_path / "corpus/memos/competency/planning.md"
    assert path.read_bytes() == "# Planning\n\nSee [[@Kotter1990WhatLeaders]] — and café ✨\n".encode()
    memos, problems = read(tmp_path)
    assert problems == []  # the lock file beside it is hidden
    memo = memos.iloc[0]
    assert memo["text"] == "# Planning\n\nSee [[@Kotter1990WhatLeaders]] — and café ✨\n"
    write_memo(tmp_path, "competency", "planning", memo["text"] + "\nMore.", expected=memo["text"])
    assert read(tmp_path)[0].iloc[0]["text"].endswith("café ✨\n\nMore.\n")


def test_a_memo_changed_since_it_was_read_is_not_overwritten(tmp_path):
    path = write_memo(tmp_path, "ruling", "planning", "First version.")
    read_text = read(tmp_path)[0].iloc[0]["text"]
    path.write_text("Changed by a colleague (git pull).\n", encoding="utf-8")
    with pytest.raises(MemoChanged) as caught:
        write_memo(tmp_path, "ruling", "planning", "My edit.", expected=read_text)
    err = caught.value
    assert (err.expected, err.current, err.text) == (read_text, "Changed by a colleague (git pull).\n", "My edit.\n")
    assert "corpus/memos/ruling/planning.md was changed" in str(err) and "nothing was saved" in str(err)
    assert path.read_text(encoding="utf-8") == "Changed by a colleague (git pull).\n"
    write_memo(tmp_path, "ruling", "planning", "Merged.", expected=err.current)
    assert path.read_text(encoding="utf-8") == "Merged.\n"


def test_a_new_memo_does_not_overwrite_one_written_meanwhile(tmp_path):
    write_memo(tmp_path, "source", "Bass1985Beyond", "Theirs.")
    with pytest.raises(MemoChanged, match="written by someone else"):
        write_memo(tmp_path, "source", "Bass1985Beyond", "Mine.")  # expected None: there was no memo


def test_the_comparison_ignores_line_ends_and_trailing_space(tmp_path):
    path = memo_path(tmp_path, "competency", "planning")
    put(tmp_path, "competency/planning.md", b"\xef\xbb\xbfOld.\r\n\r\n")
    write_memo(tmp_path, "competency", "planning", "New.", expected="Old.")
    assert path.read_text(encoding="utf-8") == "New.\n"


def test_two_kernels_saving_a_new_memo_at_once_one_wins_the_other_is_told(tmp_path, monkeypatch):
    start, outcomes = threading.Barrier(6), []
    write_atomic = memo_module.write_atomic

    def slow_write(path, text):  # widens the gap between comparing and writing, which the lock must close
        time.sleep(0.05)
        write_atomic(path, text)

    monkeypatch.setattr(memo_module, "write_atomic", slow_write)

    def save(n: int) -> None:
        start.wait()
        try:
            write_memo(tmp_path, "competency", "planning", f"Kernel {n}.")
            outcomes.append(("saved", n))
        except MemoChanged as err:
            outcomes.append(("refused", err.current))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [(_, winner)] = [o for o in outcomes if o[0] == "saved"]
    assert [o[1] for o in outcomes if o[0] == "refused"] == [f"Kernel {winner}.\n"] * 5


def test_remove_memo_deletes_only_what_was_read(tmp_path):
    path = write_memo(tmp_path, "competency", "planning", "To go.")
    with pytest.raises(MemoChanged, match="was changed"):
        remove_memo(tmp_path, "competency", "planning", expected="Something else.")
    assert path.exists()
    assert remove_memo(tmp_path, "competency", "planning", expected="To go.\n") is True
    assert not path.exists() and remove_memo(tmp_path, "competency", "planning", expected="To go.") is False


def test_writes_refuse_an_empty_memo_an_unknown_kind_and_ids_that_cannot_name_a_file(tmp_path):
    with pytest.raises(ValueError, match="remove_memo"):
        write_memo(tmp_path, "competency", "planning", "  \n")
    with pytest.raises(ValueError, match="use one of: competency, source, ruling"):
        write_memo(tmp_path, "decision", "planning", "Text.")
    with pytest.raises(ValueError, match=r"':'.*change it in the bibliography"):
        memo_path(tmp_path, "source", "DBLP:Smith20")
    with pytest.raises(ValueError, match="'/'"):
        write_memo(tmp_path, "source", "../../escape", "Text.")
    assert not (tmp_path / "corpus").exists() and not (tmp_path.parent / "escape.md").exists()


def test_a_citekey_with_odd_characters_is_linked_though_it_cannot_name_a_memo(tmp_path):
    put(tmp_path, "competency/planning.md", "[[source:DBLP:Smith20]] and [[@DBLP:Smith20]] and [[@Müller2001Führung]]")
    memos, problems = read(tmp_path)
    assert problems == []
    assert memos.iloc[0]["links"] == [("source", "DBLP:Smith20"), ("source", "Müller2001Führung")]
    write_memo(tmp_path, "source", "Müller2001Führung", "Auf Deutsch.")
    assert memos_about(read(tmp_path)[0], "source", "Müller2001Führung")["known"].tolist() == [True]


# ---------------------------------------------------------------- looking memos up


def test_backlinks_are_the_other_memos_that_link_to_a_thing(tmp_path):
    put(tmp_path, "competency/planning.md", "Itself: [[planning]]; its ruling: [[ruling:planning]].")
    put(tmp_path, "competency/budgeting.md", "Follows [[planning]].")
    put(tmp_path, "source/Bass1985Beyond.md", "Says nothing of [[charisma]]... or of [[competency:planning]].")
    put(tmp_path, "ruling/planning.md", "No links.")
    memos, _ = read(tmp_path)
    assert list(zip(*backlinks(memos, "competency", "planning")[["kind", "id"]].T.values)) == [
        ("competency", "budgeting"), ("source", "Bass1985Beyond")]
    assert list(backlinks(memos, "ruling", "planning")["id"]) == ["planning"]  # the competency's memo
    assert backlinks(memos, "source", "Kotter1990WhatLeaders").empty
    assert list(memos_about(memos, "ruling", "planning")["text"]) == ["No links."]
    assert memos_about(memos, "source", "Kotter1990WhatLeaders").empty


# ------------------------------------------------------------------ in the review and the report


def test_the_bundled_memos_load_with_the_review_and_show_in_the_report(bundled):
    from litcoder.outputs.report import memo_parts, render_report

    assert set(zip(bundled.memos["kind"], bundled.memos["id"])) == {
        ("competency", "charisma"), ("ruling", "communication"), ("source", "Hibner2013ManagementVsLeadership")}
    assert not [p for p in bundled.problems if p.kind.startswith("memo")]
    [part] = memo_parts(bundled, ("competency", "ruling"), "charisma")
    assert '<a class="memo-link" href="#ref-Kotter1990WhatLeaders">Kotter, 1990</a>' in part["html"]
    assert '<a class="memo-link" href="#c-charisma">the ruling on Charisma</a>' in part["html"]
    [ruling] = memo_parts(bundled, ("competency", "ruling"), "communication")
    assert ruling["kind"] == "ruling" and "<h4>Why communication stays on both lists</h4>" in ruling["html"]
    [source] = memo_parts(bundled, ("source",), "Hibner2013ManagementVsLeadership")
    assert '<a class="memo-link" href="#c-staffing">Staffing</a>' in source["html"]
    from litcoder.analysis.evidence import weigh_evidence

    html = render_report(bundled, weigh_evidence(bundled))
    card = html[html.index('id="c-charisma"'):]
    assert "Memo on this competency (corpus/memos/competency/charisma.md)" in card[:card.index("</article>")]
    reference = html[html.index('id="ref-Hibner2013ManagementVsLeadership"'):]
    assert "Memo on this source" in reference[:reference.index("</li>")]


def test_a_memo_on_an_unknown_thing_is_a_problem_of_the_review_and_shown_escaped(review_copy):
    from litcoder import Review
    from litcoder.outputs.report import memo_parts

    folder = review_copy / "corpus" / "memos" / "competency"
    (folder / "leading-by-example.md").write_text("Not in the codebook yet.\n", encoding="utf-8")
    (folder / "planning.md").write_text("<script>alert(1)</script> see [[budgeting]]\n", encoding="utf-8")
    review = Review.load(review_copy)
    [unknown] = [p for p in review.problems if p.kind == "memo-unknown"]
    assert unknown.file == "corpus/memos/competency/leading-by-example.md"
    [part] = memo_parts(review, ("competency",), "planning")
    assert "<script>" not in part["html"] and "&lt;script&gt;" in part["html"]
    assert memo_parts(review, ("competency",), "budgeting") == []  # a link to it is not a memo on it
