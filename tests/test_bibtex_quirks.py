"""BibTeX quirks of real bibliographies (issue 12), each reproduced by a fixture of ours.

The fixtures in tests/fixtures/bib/quirks/ each say in their first lines which quirk they
hold and where it is seen; each test is named after its quirk.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from litcoder.inputs.bibliography import read_bibliography, read_bibtex_rows
from litcoder.inputs.latex import NBSP
from litcoder.review import read_sources

QUIRKS = Path(__file__).resolve().parent / "fixtures" / "bib" / "quirks"


def load(name: str):
    return read_bibliography(QUIRKS / name, name)


def by_key(sources) -> dict[str, dict]:
    return {row["citekey"]: row for row in sources.to_dict("records")}


def openings(text: str) -> dict[str, int]:
    """Each entry's citekey → the line its '@' opens on, counted here from the text itself."""
    return {m.group(2): text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^@(\w+)\{([^,\s]+),", text, re.MULTILINE) if m.group(1).lower() != "string"}


def kinds(log) -> list[tuple]:
    return [(p.severity, p.line, p.kind) for p in log]


def test_every_quirk_fixture_says_which_quirk_and_where_it_is_seen():
    for path in QUIRKS.glob("*.bib"):
        head = path.read_bytes()[:600].decode("latin-1")
        assert "Quirk:" in head and "Seen in" in head, path.name


# ------------------------------------------------------------------ line numbers


def test_line_end_backslash_keeps_every_line_number_and_skips_nothing():
    sources, log, report = load("line-end-backslash.bib")
    text = (QUIRKS / "line-end-backslash.bib").read_text(encoding="utf-8")
    assert {row["citekey"]: row["line"] for row in by_key(sources).values()} == openings(text)
    assert [p for p in log if p.severity == "error"] == []
    assert (report.openings, report.imported, report.unaccounted) == (4, 4, [])
    assert by_key(sources)["Break2001Leading"]["title"] == "Leading Across Lines"
    assert by_key(sources)["Brace2003Escaped"]["title"] == "Escaped {braces} and a backslash at the end"


def generated_bibliography(entries: int) -> str:
    """A bibliography whose every third entry ends lines with a backslash inside its values."""
    out = ["% generated: line-end backslashes, no broken entry", ""]
    for i in range(entries):
        fields = [f"  author = {{Author{i}, Ann and Other, Otto}}", f"  title = {{Title number {i}}}",
                  f"  year = {{{1980 + i % 40}}}"]
        if i % 3 == 0:
            fields.append("  abstract = {A first line.\\\\\n    A second line \\\n    and a third.}")
        if i % 7 == 0:
            fields.append("  note = {Ends in a control space\\\n  }")
        out.append(f"@article{{Key{i:05d},\n" + ",\n".join(fields) + "\n}\n")
        if i % 50 == 0:
            out.append("@comment{a comment that ends a line with a backslash \\\n}\n")
    return "\n".join(out)


def test_line_end_backslashes_in_a_generated_bibliography_give_no_errors_and_true_lines(tmp_path):
    text = generated_bibliography(300)
    path = tmp_path / "references.bib"
    path.write_text(text, encoding="utf-8")
    sources, log, report = read_bibliography(path, "references.bib")
    assert [p for p in log if p.severity == "error"] == []
    assert (report.openings, report.imported, report.unaccounted) == (300, 300, [])
    assert dict(zip(sources["citekey"], sources["line"])) == openings(text)


def test_line_end_backslashes_validate_with_no_errors(tmp_path):
    review = tmp_path / "review"
    run = [sys.executable, "-m", "litcoder.cli"]
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin"}
    assert subprocess.run([*run, "init", str(review)], capture_output=True, env=env).returncode == 0
    (review / "references.bib").write_text(generated_bibliography(300), encoding="utf-8")
    result = subprocess.run([*run, "validate", str(review)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-2000:]
    assert ": error:" not in result.stdout and "skipped" not in result.stdout


# ------------------------------------------------------------------ LaTeX in titles


def test_latex_unknown_commands_keep_their_argument():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Java2011Refactoring"]["title"] == "Refactoring for Parameterizing Java Classes with TeX"
    assert rows["Java2011Refactoring"]["container"] == "Proceedings of a Workshop on Tools"


def test_latex_logos_become_their_names():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Logos1999Family"]["title"] == "From TeX to LaTeX, BibTeX and ConTeXt: XeTeX and LuaTeX"


def test_latex_math_is_kept_readable():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Trees2005Counting"]["title"] == "Counting k-trees in O(n log n) Time"


def test_latex_tilde_is_a_no_break_space():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Logos1999Family"]["container"] == f"Typesetting{NBSP}Quarterly"


def test_latex_title_made_only_of_a_macro_has_a_title():
    sources, log, _ = load("latex-in-titles.bib")
    assert by_key(sources)["Only2010Macro"]["title"] == "BibTeX"
    assert not [p for p in log if "no title" in p.message]


def test_latex_biblatex_hyphen_joins_its_words():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Hyphen2014Methods"]["title"] == "A Methodology-Independent Account of Managing"


def test_latex_writers_own_math_macro_keeps_its_name_and_subscripts_read_alike():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Macro2016Spaces"]["title"] == "Curves in PP^4 and the Moduli Space M_0,n"


def test_latex_cprime_in_a_transliterated_name_is_kept():
    rows = by_key(load("latex-in-titles.bib")[0])
    assert rows["Prime1980Bounds"]["authors"].startswith("Cirelʹson, B.")


# ------------------------------------------------------------------ crossref and xdata


def test_crossref_child_takes_year_publisher_and_booktitle_from_the_parents_title():
    sources, log, _ = load("crossref-inheritance.bib")
    paper = by_key(sources)["Paper2015Leading"]
    assert (paper["year"], paper["publisher"]) == (2015, "Conference Press")
    assert paper["container"] == "Proceedings of the Conference on Library Leadership"
    assert paper["title"] == "Leading a Programme Committee"  # not the parent's
    assert paper["author_year"] == "Paper, 2015"
    assert paper["editors"] == "Chair, C."  # the parent's editor, as biblatex inherits it
    assert "In C. Chair (Ed.), Proceedings of the Conference on Library Leadership (pp. 10–20)." in paper["reference"]


def test_crossref_childs_own_fields_win():
    own = by_key(load("crossref-inheritance.bib")[0])["Own2015Year"]
    assert (own["year"], own["container"], own["publisher"]) == (2014, "Its Own Booktitle", "Conference Press")


def test_crossref_incollection_and_a_parent_that_has_a_parent():
    chapter = by_key(load("crossref-inheritance.bib")[0])["Chapter2008Change"]
    assert (chapter["year"], chapter["container"], chapter["publisher"]) == (2008, "Change in Libraries",
                                                                              "Collected Press")
    assert chapter["authors"] == "Chapter, C."  # the editor comes too, but the author is the chapter's


def test_crossref_article_in_a_periodical_takes_its_title_as_the_journal():
    article = by_key(load("crossref-inheritance.bib")[0])["Issue2012Article"]
    assert (article["container"], article["volume"], article["year"]) == ("Journal of Library Leadership", "7", 2012)


def test_crossref_to_a_missing_parent_is_a_warning_on_the_child():
    sources, log, _ = load("crossref-inheritance.bib")
    [problem] = [p for p in log if p.kind == "bib-crossref"]
    assert (problem.severity, problem.line) == ("warning", 32)
    assert "NoSuchConf" in problem.message
    assert by_key(sources)["Orphan2016Paper"]["year"] == 2016


def test_crossref_that_leads_back_to_itself_is_a_warning(tmp_path):
    path = tmp_path / "circle.bib"
    path.write_text("@book{A, title = {A}, author = {X, Y}, crossref = {B}}\n"
                    "@book{B, title = {B}, year = {2000}, crossref = {A}}\n", encoding="utf-8")
    sources, log, _ = read_bibliography(path, "circle.bib")
    assert len(sources) == 2
    assert [p.kind for p in log if "leads back" in p.message] == ["bib-crossref"]


def test_crossref_chain_past_the_limit_is_a_warning_not_a_crash(tmp_path):
    from litcoder.inputs.bibliography import INHERITANCE_DEPTH_LIMIT

    n = 40 * INHERITANCE_DEPTH_LIMIT  # deeper than Python's recursion would go
    path = tmp_path / "chain.bib"
    path.write_text("".join(f"@book{{k{i}, author = {{A, B}}, title = {{T{i}}}, crossref = {{k{i + 1}}}}}\n"
                            for i in range(n)) + f"@book{{k{n}, title = {{End}}, year = 2000}}\n", encoding="utf-8")
    sources, log, report = read_bibliography(path, "chain.bib")
    assert report.imported == n + 1
    chained = [p for p in log if p.kind == "bib-crossref"]
    assert len(chained) == n // INHERITANCE_DEPTH_LIMIT  # once per stretch of the chain followed
    assert all("more than" in p.message for p in chained)


def test_xdata_fields_are_shared_and_xdata_and_set_entries_are_not_sources():
    sources, log, report = load("xdata-inheritance.bib")
    rows = by_key(sources)
    assert sorted(rows) == ["Override2020Book", "Shared2019Book"]
    assert (rows["Shared2019Book"]["year"], rows["Shared2019Book"]["publisher"]) == (2019, "Shared Press")
    assert (rows["Override2020Book"]["year"], rows["Override2020Book"]["publisher"]) == (2020, "Its Own Press")
    assert (report.openings, report.imported) == (2, 2)
    assert kinds(log) == [("warning", 21, "bib-crossref")]


# ------------------------------------------------------------------ @string across files


def test_string_macros_of_an_earlier_file_are_seen_by_the_next():
    sources, logs, _ = read_sources(QUIRKS, ["strings-defs.bib", "strings-papers.bib"])
    assert dict(zip(sources["citekey"], sources["container"])) == {
        "Macro2001Library": "Journal of Library Management",
        "Macro2002Research": "Operations Research (special issue)",
        "Macro2003Graphs": "Discrete Applied Mathematics"}
    assert not [p for log in logs for p in log if p.kind == "bib-macro"]


def test_string_macros_of_a_later_file_are_not_seen_as_bibtex_reads_them():
    _, logs, _ = read_sources(QUIRKS, ["strings-papers.bib", "strings-defs.bib"])
    assert len([p for log in logs for p in log if p.kind == "bib-macro"]) == 3


def test_string_macros_passed_in_are_extended_with_the_files_own():
    strings = {"hbr": "Harvard Business Review"}
    read_bibtex_rows(QUIRKS / "strings-defs.bib", "strings-defs.bib", strings=strings)
    assert strings["hbr"] == "Harvard Business Review" and strings["or"] == "Operations Research"


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("position, family, given", [
    (0, "Griffin", "Éadaoin W"),
    (1, "Núñez", "A"),
    (2, "Sartre", f"Jean{NBSP}Paul"),
    (3, "Smith-Jones", "Mary"),
])
def test_names_braced_accented_first_letter_and_tilde_accents(position, family, given):
    sources, _, _ = load("names-braces-accents.bib")
    person = by_key(sources)["Griffin2018Names"]["_people"][position]
    assert (person.family, person.given, person.von) == (family, given, "")


def test_names_separated_by_commas_are_warned():
    sources, log, _ = load("names-braces-accents.bib")
    warned = [p for p in log if p.kind == "bib-names"]
    assert [(p.severity, p.message.split(":")[0]) for p in warned] == [("warning", "Commas1972Seminar")]
    assert "'and'" in warned[0].action and "read as 1 person" in warned[0].message


def test_names_von_particles_and_a_relaxed_brace():
    sources, _, _ = load("names-braces-accents.bib")
    people = by_key(sources)["Von2019Names"]["_people"]
    assert [(p.von, p.family, p.given) for p in people] == [("De la", "Fontaine", "Jean"),
                                                            ("van", "Beethoven", "Ludwig"),
                                                            ("", "Smith", "Christopher")]


# ------------------------------------------------------------------ encodings


def test_encoding_declared_in_an_emacs_coding_line_wins():
    sources, log, _ = load("emacs-coding-latin2.bib")
    row = by_key(sources)["Zome1998Polish"]
    assert row["authors"] == "Żome, Ł." and "¯" not in row["authors"]
    assert (row["title"], row["publisher"]) == ("Zarządzanie i przywództwo", "Wydawnictwo Łódź")
    assert [p for p in log if p.kind == "encoding"] == []


def test_encoding_declared_in_a_jabref_header_wins():
    sources, log, _ = load("jabref-encoding-header.bib")
    row = by_key(sources)["Zome1999Czech"]
    assert (row["authors"], row["title"]) == ("Žižka, Ř.", "Řízení knihovny")
    assert [p for p in log if p.kind == "encoding"] == []


def test_encoding_declared_but_the_file_is_utf8_is_read_as_utf8(tmp_path):
    path = tmp_path / "stale.bib"
    path.write_text("% -*- coding: latin-2 -*-\n@book{K, author = {Żome, Ł}, title = {T}, year = 2000}\n",
                    encoding="utf-8")
    sources, log, _ = read_bibliography(path, "stale.bib")
    assert sources.loc[0, "authors"] == "Żome, Ł."
    assert [(p.severity, p.line, p.kind) for p in log if p.kind == "encoding"] == [("warning", 1, "encoding")]


def test_encoding_declared_but_unknown_is_a_warning_and_read_as_detected(tmp_path):
    path = tmp_path / "unknown.bib"
    path.write_bytes(b"% Encoding: klingon-8\n@book{K, author = {Smith, J}, title = {T}, year = 2000}\n")
    sources, log, _ = read_bibliography(path, "unknown.bib")
    assert len(sources) == 1
    assert [p.kind for p in log] == ["encoding"] and "klingon-8" in log[0].message
