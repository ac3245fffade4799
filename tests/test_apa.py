"""APA 7 citations: pandoc's citeproc with the official APA CSL style, fed from the sources table.

The expected strings are written by hand from the APA 7 manual's rules (an edited book chapter,
an edited book, a translated work with its original date, an undated web page with its
retrieval date), not copied from the program's output. The hand-made references of the HTML
report (bibliography.apa_reference) must say the same as citeproc.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from litcoder.inputs.bibliography import csl_item, read_bibliography
from litcoder.outputs.word import cite_apa

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apa"


@pytest.fixture(scope="module")
def works():
    sources, log, _ = read_bibliography(FIXTURES / "works.bib", "works.bib")
    return sources, log


def reference_list(text: str) -> list[str]:
    """The paragraphs after the first (the citations) of cite_apa's plain text: the references."""
    return [p for p in text.split("\n\n")[1:] if p.strip()]


# ---------------------------------------------------------------- citeproc, against APA 7's rules

def test_edited_book_chapter_names_its_editors_edition_and_pages(works):
    sources, _ = works
    text = cite_apa(sources, "[@Nunez2019Middle, pp. 50–51]")
    assert text.splitlines()[0] == "(Núñez, 2019, pp. 50–51)"
    assert reference_list(text) == [
        "Núñez, I. (2019). Leading from the middle: Department heads in academic libraries. In S. Østergaard & "
        "M. Lindqvist (Eds.), Managing academic libraries (2nd ed., pp. 45–67). Fjord Academic Press. "
        "https://doi.org/10.5555/mal.2019.3"]


def test_edited_book_puts_its_editors_first(works):
    sources, _ = works
    # (APA writes "Østergaard and Lindqvist (2019)" in a sentence; CSL cannot tell a narrative citation
    # from one in a table, where APA keeps the ampersand, so the report cites narratively only in tables.)
    text = cite_apa(sources, "[@Ostergaard2019Managing]")
    assert text.splitlines()[0] == "(Østergaard & Lindqvist, 2019)"
    assert reference_list(text) == [
        "Østergaard, S., & Lindqvist, M. (Eds.). (2019). Managing academic libraries (2nd ed.). Fjord Academic Press."]


def test_translation_gives_both_dates_and_its_translators(works):
    sources, _ = works
    text = cite_apa(sources, "[@Lindqvist2020Ledarskap, p. 7] and @Lindqvist2020Ledarskap")
    assert text.splitlines()[0] == "(Lindqvist, 1998/2020, p. 7) and Lindqvist (1998/2020)"
    assert reference_list(text) == [
        "Lindqvist, M. (2020). Leadership in the stacks (I. Núñez & S. Østergaard, Trans.; 3rd ed.). "
        "Fjord Academic Press. (Original work published 1998)"]


def test_undated_web_page_gives_its_retrieval_date(works):
    sources, _ = works
    text = cite_apa(sources, "[@NordicForumCompetencies, para. 2]")
    assert text.splitlines()[0] == "(Nordic Library Forum, n.d., para. 2)"
    assert reference_list(text) == [
        "Nordic Library Forum. (n.d.). Competencies of library managers. Retrieved November 30, 2026, from "
        "https://example.org/competencies"]


def test_fayol_reads_1916_1949_with_his_translator(bundled):
    text = cite_apa(bundled.sources, "[@Fayol1949General, p. 12]; @Fayol1949General")
    assert text.splitlines()[0] == "(Fayol, 1916/1949, p. 12); Fayol (1916/1949)"
    assert reference_list(text) == [
        "Fayol, H. (1949). General and industrial management (C. Storrs, Trans.). Sir Isaac Pitman & Sons. "
        "(Original work published 1916)"]


def test_gulick_chapter_names_the_editors_of_the_book(bundled):
    text = cite_apa(bundled.sources, "[@Gulick1937Notes]")
    assert reference_list(text) == [
        "Gulick, L. (1937). Notes on the theory of organization. In L. Gulick & L. Urwick (Eds.), Papers on the "
        "science of administration. Institute of Public Administration, Columbia University."]


def test_reference_list_in_apa_order_each_work_once(bundled):
    cited = ["Zaleznik1977ManagersLeaders", "Kotter2013StillNotLeadership", "Kotter1990WhatLeaders",
             "BennisNanus1985Leaders", "Kotter1990WhatLeaders"]
    text = cite_apa(bundled.sources, "; ".join(f"[@{key}]" for key in cited))
    assert [r.split(" (")[0] for r in reference_list(text)] == [
        "Bennis, W., & Nanus, B.", "Kotter, J. P.", "Kotter, J. P.", "Zaleznik, A."]
    kotter = [r for r in reference_list(text) if r.startswith("Kotter")]
    assert kotter[0].startswith("Kotter, J. P. (1990).") and kotter[1].startswith("Kotter, J. P. (2013, January 9).")


# ---------------------------------------------------------------- the hand-made references agree

def test_hand_made_references_say_what_citeproc_says(bundled, works):
    for sources in (bundled.sources, works[0]):
        keys = sources["citekey"].tolist()
        text = cite_apa(sources, "; ".join(f"[@{key}]" for key in keys))
        by_citeproc = sorted(reference_list(text))
        by_hand = sorted(sources["reference"])
        # a blog's name is a periodical's: citeproc writes it in title case ("(HBR.org Blog)")
        assert [r.replace("Blog)", "blog)") for r in by_citeproc] == by_hand


def test_sentence_case_titles_in_the_bundled_bibliography(bundled):
    titles = dict(zip(bundled.sources["citekey"], bundled.sources["title"]))
    assert titles["Zaleznik1977ManagersLeaders"] == "Managers and leaders: Are they different?"
    assert titles["Kotter1990WhatLeaders"] == "What leaders really do"
    container = dict(zip(bundled.sources["citekey"], bundled.sources["container"]))
    assert container["Gulick1937Notes"] == "Papers on the science of administration"
    assert container["Kotter1990WhatLeaders"] == "Harvard Business Review"  # a periodical keeps title case


# ---------------------------------------------------------------- the sources table's new columns

def test_original_year_translators_and_editors_columns(bundled):
    fayol = bundled.sources.set_index("citekey").loc["Fayol1949General"]
    assert (fayol["author_year"], fayol["original_year"], fayol["translators"]) == ("Fayol, 1916/1949", 1916,
                                                                                     "Storrs, C.")
    gulick = bundled.sources.set_index("citekey").loc["Gulick1937Notes"]
    assert (gulick["authors"], gulick["editors"]) == ("Gulick, L.", "Gulick, L.; Urwick, L.")


def test_csl_item_of_an_edited_book_has_editors_and_no_author(works):
    sources, _ = works
    item = csl_item(sources.set_index("citekey", drop=False).loc["Ostergaard2019Managing"])
    assert "author" not in item and item["type"] == "book"
    assert item["editor"] == [{"family": "Østergaard", "given": "S."}, {"family": "Lindqvist", "given": "M."}]
    web = csl_item(sources.set_index("citekey", drop=False).loc["NordicForumCompetencies"])
    assert (web["type"], web["accessed"], "issued" in web) == ("webpage", {"date-parts": [[2026, 11, 30]]}, False)
    assert web["author"] == [{"family": "Nordic Library Forum"}]


def test_csl_item_writes_characters_as_they_are(tmp_path):
    bib = tmp_path / "r.bib"
    bib.write_text("@book{Amp2001,\n  author = {Ðorđević, Ana},\n  title = {Budgets \\& <plans>},\n"
                   "  publisher = {Smith \\& Sons},\n  year = {2001}\n}\n", encoding="utf-8")
    sources, log, _ = read_bibliography(bib, "r.bib")
    assert list(log) == []
    text = cite_apa(sources, "[@Amp2001]")
    assert reference_list(text) == ["Ðorđević, A. (2001). Budgets & <plans>. Smith & Sons."]


# ---------------------------------------------------------------- bad input: reported, the rest read

def test_original_date_without_a_year_is_reported_and_left_out(tmp_path):
    bib = tmp_path / "r.bib"
    bib.write_text("@book{Fayol1949General,\n  author = {Fayol, Henri},\n  title = {General and industrial "
                   "management},\n  year = {1949},\n  origdate = {first French edition}\n}\n\n"
                   "@book{Burns1978Leadership,\n  author = {Burns, James MacGregor},\n  title = {Leadership},\n"
                   "  year = {1978},\n  origyear = {1977}\n}\n", encoding="utf-8")
    sources, log, _ = read_bibliography(bib, "r.bib")
    assert sources["author_year"].tolist() == ["Fayol, 1949", "Burns, 1977/1978"]
    [problem] = list(log)
    assert (problem.line, problem.kind) == (1, "bib-field")
    assert "origdate 'first French edition' has no four-digit year" in problem.message
    assert "origdate = {1916}" in problem.action


def test_a_retrieval_date_that_is_not_a_date_is_reported_and_left_out(tmp_path):
    bib = tmp_path / "r.bib"
    bib.write_text("@online{Forum,\n  author = {{Nordic Library Forum}},\n  title = {Competencies},\n"
                   "  url = {https://example.org/c},\n  urldate = {30/11/2026},\n  year = {2020}\n}\n"
                   "@online{Forum2,\n  author = {{Nordic Library Forum}},\n  title = {Skills},\n"
                   "  url = {https://example.org/s},\n  urldate = {2026-13-01},\n  year = {2021}\n}\n",
                   encoding="utf-8")
    sources, log, _ = read_bibliography(bib, "r.bib")
    assert sources["accessed"].tolist() == ["", ""] and len(sources) == 2
    assert [(p.line, p.kind) for p in log] == [(1, "bib-field"), (8, "bib-field")]
    assert "urldate '30/11/2026' is not a date written as YYYY-MM-DD" in log[0].message
