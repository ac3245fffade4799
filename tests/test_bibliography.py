"""references.bib → sources: the bundled bibliography, real-world quirks, the import report.

Each file in tests/fixtures/bib/ reproduces one quirk of real .bib files (its first lines
say which, and where it is seen). For each, the tests check the exact problems the code
reports (severity, line, kind, message) and that the good entries in the file still load.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import problems_of

from litcoder.inputs.bibliography import (
    SOURCE_COLUMNS,
    ImportReport,
    Person,
    apa_reference,
    author_label,
    disambiguate_years,
    month_number,
    read_bibliography,
    reference_html,
    resolve_value,
    split_names,
)

ROOT = Path(__file__).resolve().parent.parent
BIB = Path(__file__).resolve().parent / "fixtures" / "bib"


def load(name: str):
    """Sources, problems and import report of one fixture, named in problems by its file name."""
    return read_bibliography(BIB / name, name)


def kinds(log) -> list[tuple]:
    """(severity, line, kind) of each problem, in the order reported."""
    return [(p.severity, p.line, p.kind) for p in log]


def the_problem(log, kind: str):
    found = [p for p in log if p.kind == kind]
    assert len(found) == 1, f"expected one {kind} problem, got {found}"
    return found[0]


def row(sources: pd.DataFrame, citekey: str) -> dict:
    found = sources[sources["citekey"] == citekey]
    assert len(found) == 1, f"{citekey} not (once) in {sources['citekey'].tolist()}"
    return found.iloc[0].to_dict()


def accounted(report: ImportReport) -> int:
    return report.imported + len(report.failed) + len(report.duplicates) + len(report.unaccounted)


# ======================================================================= the bundled file

@pytest.fixture(scope="module")
def references():
    return read_bibliography(ROOT / "references.bib", "references.bib")


BUNDLED_LABELS = {
    "Kotter1990WhatLeaders": "Kotter, 1990",
    "Kotter2013StillNotLeadership": "Kotter, 2013",
    "Zaleznik1977ManagersLeaders": "Zaleznik, 1977",
    "BennisNanus1985Leaders": "Bennis & Nanus, 1985",
    "Mintzberg1973Nature": "Mintzberg, 1973",
    "Fayol1949General": "Fayol, 1916/1949",  # APA 7: original year / year of the translation
    "Gulick1937Notes": "Gulick, 1937",
    "Burns1978Leadership": "Burns, 1978",
    "Bass1985Beyond": "Bass, 1985",
    "Northouse2021Leadership9": "Northouse, 2021",
    "SchmalenbergKramer2009NMSupport": "Schmalenberg & Kramer, 2009",
    "Hibner2013ManagementVsLeadership": "Hibner, 2013",
}


def test_bundled_file_has_twelve_entries_and_no_problems(references):
    sources, log, report = references
    assert list(log) == []
    assert sources["citekey"].tolist() == list(BUNDLED_LABELS)  # in file order
    assert (report.openings, report.imported, report.failed, report.duplicates,
            report.unaccounted) == (12, 12, [], [], [])
    assert report.summary() == "references.bib: 12 entries found, 12 imported"
    assert list(sources.columns) == SOURCE_COLUMNS + ["reference_html", "_people"]


def test_bundled_entries_carry_the_line_of_their_opening(references):
    sources, _, _ = references
    lines = (ROOT / "references.bib").read_text(encoding="utf-8").split("\n")
    for citekey, line in zip(sources["citekey"], sources["line"]):
        assert lines[line - 1].startswith("@") and f"{{{citekey}," in lines[line - 1]
    assert row(sources, "Kotter1990WhatLeaders")["line"] == 7
    assert row(sources, "Hibner2013ManagementVsLeadership")["line"] == 98


def test_bundled_string_macro_is_resolved_in_journal(references):
    sources, _, _ = references
    assert row(sources, "Kotter1990WhatLeaders")["container"] == "Harvard Business Review"
    assert row(sources, "Zaleznik1977ManagersLeaders")["container"] == "Harvard Business Review"


def test_bundled_macro_concatenation_is_resolved(references):
    sources, _, _ = references
    assert row(sources, "Kotter2013StillNotLeadership")["container"] == "Harvard Business Review (HBR.org blog)"


def test_bundled_month_macros_become_numbers(references):
    sources, _, _ = references
    blog = row(sources, "Kotter2013StillNotLeadership")
    assert (blog["year"], blog["month"], blog["day"]) == (2013, 1, 9)
    post = row(sources, "Hibner2013ManagementVsLeadership")
    assert (post["year"], post["month"], post["day"]) == (2013, 11, 14)
    assert sources["month"].notna().sum() == 2
    assert str(sources["year"].dtype) == str(sources["month"].dtype) == str(sources["line"].dtype) == "Int64"


def test_bundled_latex_is_decoded_in_shown_fields_only(references):
    sources, _, _ = references
    assert row(sources, "BennisNanus1985Leaders")["publisher"] == "Harper & Row"
    assert row(sources, "Burns1978Leadership")["publisher"] == "Harper & Row"
    assert row(sources, "Fayol1949General")["publisher"] == "Sir Isaac Pitman & Sons"
    assert row(sources, "Hibner2013ManagementVsLeadership")["container"] == "Library Lost & Found"
    # Fayol's origtitle (g{\'e}n{\'e}rale) is not a shown field: it is in no column, decoded or not.
    cells = " ".join(str(v) for v in sources[SOURCE_COLUMNS + ["reference_html"]].to_numpy().ravel())
    assert "rale" not in cells and "\\" not in cells and "{" not in cells
    assert "Administration industrielle" not in cells


def test_bundled_author_year_labels(references):
    sources, _, _ = references
    assert dict(zip(sources["citekey"], sources["author_year"])) == BUNDLED_LABELS
    assert row(sources, "BennisNanus1985Leaders")["authors"] == "Bennis, W.; Nanus, B."
    assert row(sources, "Burns1978Leadership")["authors"] == "Burns, J. M."
    fayol = row(sources, "Fayol1949General")
    assert (fayol["year"], fayol["original_year"], fayol["translators"]) == (1949, 1916, "Storrs, C.")
    assert row(sources, "Gulick1937Notes")["editors"] == "Gulick, L.; Urwick, L."
    assert sources["original_year"].notna().sum() == 1


@pytest.mark.parametrize("citekey, reference", [
    ("BennisNanus1985Leaders",  # book
     "Bennis, W., & Nanus, B. (1985). Leaders: The strategies for taking charge. Harper & Row."),
    ("Northouse2021Leadership9",  # book with an edition
     "Northouse, P. G. (2021). Leadership: Theory and practice (9th ed.). SAGE Publications."),
    ("Mintzberg1973Nature",  # book without a publisher
     "Mintzberg, H. (1973). The nature of managerial work."),
    ("SchmalenbergKramer2009NMSupport",  # article with volume and issue
     "Schmalenberg, C., & Kramer, M. (2009). Nurse manager support: How do staff nurses define it? "
     "Critical Care Nurse, 29(4)."),
    ("Kotter1990WhatLeaders",  # article, journal from @string
     "Kotter, J. P. (1990). What leaders really do. Harvard Business Review."),
    ("Gulick1937Notes",  # chapter in an edited book
     "Gulick, L. (1937). Notes on the theory of organization. In L. Gulick & L. Urwick (Eds.), "
     "Papers on the science of administration. Institute of Public Administration, Columbia University."),
    ("Fayol1949General",  # translated book: translator after the title, original date at the end
     "Fayol, H. (1949). General and industrial management (C. Storrs, Trans.). Sir Isaac Pitman & Sons. "
     "(Original work published 1916)"),
    ("Hibner2013ManagementVsLeadership",  # online post with month and day
     "Hibner, H. (2013, November 14). Management vs. leadership. Library Lost & Found."),
    ("Kotter2013StillNotLeadership",  # misc blog post with month and day
     "Kotter, J. P. (2013, January 9). Management is (still) not leadership. Harvard Business Review (HBR.org blog)."),
])
def test_bundled_apa_references(references, citekey, reference):
    sources, _, _ = references
    assert row(sources, citekey)["reference"] == reference


def test_bundled_reference_html_italicises_wholes_and_escapes(references):
    sources, _, _ = references
    assert row(sources, "BennisNanus1985Leaders")["reference_html"] == (
        "Bennis, W., &amp; Nanus, B. (1985). <i>Leaders: The strategies for taking charge</i>. Harper &amp; Row.")
    assert row(sources, "SchmalenbergKramer2009NMSupport")["reference_html"].endswith(
        "How do staff nurses define it? <i>Critical Care Nurse</i>, <i>29</i>(4).")
    assert "In L. Gulick &amp; L. Urwick (Eds.), <i>Papers on the science of administration</i>." in row(
        sources, "Gulick1937Notes")["reference_html"]
    assert "<i>General and industrial management</i> (C. Storrs, Trans.)." in row(
        sources, "Fayol1949General")["reference_html"]


def test_bundled_review_loads_the_same_bibliography(bundled):
    assert bundled.bibliography_report.summary() == "references.bib: 12 entries found, 12 imported"
    assert problems_of(bundled, file="references.bib") == []
    assert bundled.sources["author_year"].tolist() == list(BUNDLED_LABELS.values())


# ======================================================================= quirky files

def test_every_fixture_says_which_quirk_and_where_it_is_seen():
    fixtures = sorted(BIB.glob("*.bib"))
    assert len(fixtures) >= 10
    for path in fixtures:
        head = path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()[:6]
        comment = " ".join(line for line in head if line.startswith("%"))
        assert "Quirk" in comment and "Seen" in comment, path.name


def test_missing_comma_after_key_fails_that_entry_only():
    sources, log, report = load("missing-comma-after-key.bib")
    assert kinds(log) == [("error", 11, "bib-failed")]
    problem = log[0]
    assert problem.file == "missing-comma-after-key.bib"
    assert problem.message == ("entry 'Broken1991NoComma' could not be read and was left out: "
                               "Expected comma after entry key, but found =")
    assert problem.action == "look for a missing comma, brace or quote in this entry"
    assert str(problem).startswith("missing-comma-after-key.bib:11: error: entry 'Broken1991NoComma'")
    assert sources["citekey"].tolist() == ["Good1990Before", "Good1992After"]
    assert sources["line"].tolist() == [5, 18]
    assert report.failed == [11]


def test_missing_comma_between_fields_is_reported_and_both_fields_read():
    sources, log, _ = load("missing-comma-between-fields.bib")
    assert kinds(log) == [("warning", 11, "bib-missing-comma")]
    assert "Broken1991Fields" in log[0].message and "author and title" in log[0].message
    broken = row(sources, "Broken1991Fields")
    assert (broken["authors"], broken["title"], broken["container"]) == (
        "Broken, B.", "The Broken Entry", "Journal of Hand Edits")
    assert sources["citekey"].tolist() == ["Good1990Before", "Broken1991Fields", "Good1992After"]


def test_unclosed_brace_fails_its_entry_and_the_next_entry_is_recovered():
    # bibtexparser 2.1 ends the broken entry at the next line that opens an entry, so the
    # entry right after it is read, not swallowed.
    sources, log, report = load("unclosed-brace-recovers-at-next-entry.bib")
    assert kinds(log) == [("error", 12, "bib-failed")]
    assert log[0].message.startswith("entry 'Unclosed1991' could not be read and was left out: "
                                     "Unexpected block start: `@book`")
    assert sources["citekey"].tolist() == ["Good1990Before", "Next1992Recovered", "Good1993Last"]
    assert row(sources, "Next1992Recovered")["title"] == "The Entry Right After"
    assert (report.openings, report.imported, report.failed, report.unaccounted) == (4, 3, [12], [])


def test_unclosed_brace_that_runs_into_the_next_entry_reports_it_swallowed():
    sources, log, report = load("unclosed-brace-swallows-next.bib")
    assert kinds(log) == [("error", 13, "bib-failed"), ("error", 19, "bib-swallowed")]
    assert log[0].message.startswith("entry 'Unclosed1991' could not be read and was left out")
    swallowed = the_problem(log, "bib-swallowed")
    assert swallowed.message == "entry 'Swallowed1992' was not read: the broken entry on line 13 runs into it"
    assert swallowed.action == "fix the entry on line 13 (often an unclosed brace or quote)"
    assert sources["citekey"].tolist() == ["Good1990Before", "Good1993Last"]
    assert (report.openings, report.imported, report.failed, report.unaccounted) == (4, 2, [13], [19])


def test_entry_the_parser_skips_silently_is_reported_skipped():
    sources, log, report = load("space-after-at-skipped.bib")
    assert kinds(log) == [("error", 11, "bib-skipped")]
    assert log[0].message == "entry 'Spaced1991' was skipped by the BibTeX parser without an error"
    assert sources["citekey"].tolist() == ["Good1990Before", "Good1992After"]
    assert report.unaccounted == [11]


def test_duplicate_citekey_keeps_the_first_and_names_both_lines():
    sources, log, report = load("duplicate-citekey.bib")
    assert kinds(log) == [("error", 19, "bib-duplicate-key")]
    assert log[0].message == "duplicate citekey 'Kotter1990Force' (first used on line 5); this entry was left out"
    assert sources["citekey"].tolist() == ["Kotter1990Force", "Zaleznik1977Managers"]
    first = row(sources, "Kotter1990Force")
    assert (first["line"], first["publisher"]) == (5, "Free Press")
    assert first["title"] == "A Force for Change: How Leadership Differs from Management"
    assert (report.openings, report.imported, report.duplicates) == (3, 2, [19])


def test_duplicate_field_keeps_the_entry_with_the_first_value():
    sources, log, report = load("duplicate-field.bib")
    assert kinds(log) == [("warning", 5, "bib-duplicate-field")]
    assert log[0].message == "Burns1978Leadership: field(s) publisher, title given twice; the first value is used"
    burns = row(sources, "Burns1978Leadership")
    assert (burns["title"], burns["publisher"], burns["year"]) == ("Leadership", "Harper & Row", 1978)
    assert sources["citekey"].tolist() == ["Burns1978Leadership", "Bass1985Beyond"]
    assert (report.imported, report.failed) == (2, [])


def test_duplicate_field_in_different_case_is_reported():
    sources, log, _ = load("duplicate-field-different-case.bib")
    assert row(sources, "Northouse2021Leadership")["year"] == 2021
    assert kinds(log) == [("warning", 5, "bib-duplicate-field")]
    assert "year" in log[0].message.lower()


def test_parenthesis_delimited_entries_load():
    sources, log, report = load("paren-delimited-entry.bib")
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Yukl1989Managerial", "House1971PathGoal", "Good1992After"]
    yukl = row(sources, "Yukl1989Managerial")
    assert yukl["title"] == "Managerial Leadership: A Review of Theory and Research (Part 1)"
    assert (yukl["container"], yukl["line"]) == ("Journal of Management", 7)
    house = row(sources, "House1971PathGoal")  # quoted values, a @string(...) macro, a bare year
    assert (house["authors"], house["container"], house["year"]) == (
        "House, R. J.", "Academy of Management Review", 1971)
    assert (report.openings, report.imported) == (3, 3)


def test_undefined_macros_are_warned_and_kept_as_written():
    sources, log, _ = load("undefined-macro.bib")
    assert kinds(log) == [("warning", 6, "bib-macro"), ("warning", 8, "bib-macro")]
    assert log[0].message == "@string lqspecial uses 'jmgt', which is not defined"
    assert log[1].message == "Avolio2009Current: field journal uses 'amj', which is neither an @string nor a month"
    assert log[1].action == "put the value in braces (journal = {amj}) or define @string{amj = \"…\"}"
    assert row(sources, "Avolio2009Current")["container"] == "amj"
    assert row(sources, "Gardner2011Scholarly")["container"] == "The Leadership Quarterly (special issue) jmgt"
    assert row(sources, "Known2010")["container"] == "The Leadership Quarterly"
    assert len(sources) == 3


def test_concatenation_of_macros_quotes_and_braces():
    sources, log, _ = load("string-concatenation.bib")
    assert list(log) == []
    blog = row(sources, "Kotter2013Blog")
    assert blog["title"] == "Management Is (Still) Not Leadership"
    assert blog["container"] == "Harvard Business Review (HBR.org blog)"
    assert (blog["year"], blog["month"], blog["day"]) == (2013, 1, 9)  # bare numbers and a month macro
    book = row(sources, "Kotter1996Leading")
    assert book["publisher"] == "Harvard Business School Press"  # @string built from another @string
    assert book["year"] == 1996  # "19" # "96"
    assert book["reference"] == "Kotter, J. P. (1996). Leading Change. Harvard Business School Press."


def test_month_in_every_form():
    sources, log, _ = load("month-forms.bib")
    months = {k: None if pd.isna(v) else v for k, v in zip(sources["citekey"], sources["month"])}
    assert months == {"Macro2001": 1, "Braced2001": 5, "Number2001": 5, "Abbrev2001": 9,
                      "German2001": None, "Thirteen2001": None, "Dated2001": 7}
    assert kinds(log) == [("warning", 17, "bib-field"), ("warning", 20, "bib-field")]
    assert log[0].message == "German2001: month 'Mai' is not a month"
    assert log[1].message == "Thirteen2001: month '13' is not a month"
    assert log[0].action == "use jan … dec or 1 … 12"
    assert row(sources, "Dated2001")["year"] == 2001  # year and month from date = {2001-07-04}
    assert row(sources, "Braced2001")["reference"] == "Braced, B. (2001, May). Month Braced."
    assert row(sources, "German2001")["reference"] == "German, G. (2001). Month in German."


def test_missing_year_is_nd_and_missing_author_is_cited_by_title():
    sources, log, _ = load("missing-year-and-author.bib")
    assert kinds(log) == [("warning", 5, "bib-field"), ("warning", 10, "bib-field"), ("warning", 16, "bib-field")]
    assert [p.message for p in log] == [
        "Nobody2000Undated: no year; cited as n.d.",
        "NHS2010Guidelines: no author or editor; cited by its title",
        "Later2030Forthcoming: year 'forthcoming' has no four-digit year; cited as n.d.",
    ]
    assert sources["author_year"].tolist() == ["Nobody, n.d.", "“Guidelines for the Management”, 2010", "Later, n.d."]
    assert pd.isna(row(sources, "Nobody2000Undated")["year"])
    assert row(sources, "Nobody2000Undated")["reference"] == "Nobody, N. (n.d.). An Undated Book."
    report_entry = row(sources, "NHS2010Guidelines")
    assert (report_entry["authors"], report_entry["container"]) == ("", "Ministry of Health")
    assert report_entry["reference"] == "Guidelines for the Management of Acute Wards. (2010)."


def test_citekeys_differing_only_in_case_are_warned():
    sources, log, report = load("citekeys-differ-in-case.bib")
    assert kinds(log) == [("warning", 11, "bib-key-case")]
    assert log[0].message == ("citekeys 'Kotter1990Force' (line 5) and 'kotter1990force' differ only in case; "
                              "their text files would clash on Windows and macOS")
    assert sources["citekey"].tolist() == ["Kotter1990Force", "kotter1990force"]
    # one author, two works in 1990: a and b, in title order
    assert sources["author_year"].tolist() == ["Kotter, 1990a", "Kotter, 1990b"]
    assert (report.imported, report.duplicates) == (2, [])


def test_byte_order_mark_and_crlf_load_cleanly():
    assert (BIB / "bom-and-crlf.bib").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert b"\r\n" in (BIB / "bom-and-crlf.bib").read_bytes()
    sources, log, report = load("bom-and-crlf.bib")
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Muller1999Split", "Zweig2000Second"]
    assert sources["line"].tolist() == [7, 18]
    split = row(sources, "Muller1999Split")
    assert split["authors"] == "Müller, J.; Bennis, W."  # a name list broken over a CRLF line
    assert split["title"] == "A Title Split Over Two Lines"
    assert (split["container"], split["volume"], split["pages"]) == ("Harvard Business Review", "12", "1–10")
    assert row(sources, "Zweig2000Second")["authors"] == "Zweig, Z."
    cells = "".join(str(v) for v in sources[SOURCE_COLUMNS].to_numpy().ravel())
    assert "\r" not in cells and "\ufeff" not in cells
    assert (report.openings, report.imported) == (2, 2)


def test_byte_order_mark_right_before_the_first_entry(tmp_path):
    # As Notepad saves a file that starts with an entry: the mark must not hide that opening.
    text = ("@article{Bom2001First,\r\n  author = {Z{\\'e}ro, Zo{\\\"e}},\r\n  title = {First},\r\n"
            "  year = {2001}\r\n}\r\n"
            "\r\n@book{Bom2002Second,\r\n  author = {Second, Sam},\r\n  title = {Second},\r\n  year = {2002}\r\n}\r\n")
    (tmp_path / "references.bib").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    sources, log, report = read_bibliography(tmp_path / "references.bib", "references.bib")
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Bom2001First", "Bom2002Second"]
    assert sources["line"].tolist() == [1, 7]
    assert row(sources, "Bom2001First")["authors"] == "Zéro, Z."
    assert (report.openings, report.imported) == (2, 2)


def test_windows_1252_file_is_read_with_an_encoding_warning(tmp_path):
    data = (BIB / "windows-1252-encoded.bib").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    undeclared = tmp_path / "undeclared.bib"
    undeclared.write_bytes(data.replace(b"% Encoding: windows-1252", b"% Encoding unknown"))
    _, log, _ = read_bibliography(undeclared, "undeclared.bib")
    assert kinds(log) == [("warning", 7, "encoding")]
    assert log[0].message == "not UTF-8 (first bad byte on this line); read as Windows-1252"
    sources, log, _ = load("windows-1252-encoded.bib")  # JabRef's header declares it: read so, no warning
    assert kinds(log) == []
    book = row(sources, "Muller1999Fuhrung")
    assert book["authors"] == "Müller, J."
    assert book["author_year"] == "Müller, 1999"
    assert book["title"] == "Führung und Management – eine Übersicht"
    assert book["publisher"] == "Éditions Générales"
    assert row(sources, "Plain2000Ascii")["line"] == 13


def test_comment_blocks_with_entry_like_text_are_not_entries():
    sources, log, report = load("jabref-comment-blocks.bib")
    # In particular no bib-skipped for the entry-like text inside the comments: the one on
    # a line of its own (line 14, '  @ article{Draft2024Parked, ...') looks like an opening.
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Mintzberg1973Nature"]
    assert (report.openings, report.imported, report.unaccounted) == (1, 1, [])


def test_comment_wrapping_a_multiline_entry_gives_no_error():
    _, log, _ = load("comment-wraps-multiline-entry.bib")
    assert [p for p in log if p.severity == "error"] == []


def test_comment_wrapping_a_multiline_entry_is_not_imported():
    sources, _, report = load("comment-wraps-multiline-entry.bib")
    assert sources["citekey"].tolist() == ["Mintzberg1973Nature", "Gulick1937Papers"]
    assert (report.openings, report.imported) == (2, 2)


def test_at_signs_inside_field_values_do_not_open_entries():
    sources, log, report = load("at-sign-in-field.bib")
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Hibner2013Management", "Esuli2022LeQua"]
    assert row(sources, "Esuli2022LeQua")["title"] == "LeQua @ CLEF 2022: Learning to Quantify"
    assert row(sources, "Esuli2022LeQua")["container"] == "Advances in Information Retrieval"
    assert row(sources, "Hibner2013Management")["year"] == 2013  # the field after the note is read
    assert (report.openings, report.imported) == (2, 2)


def test_preamble_is_neither_an_entry_nor_a_problem():
    sources, log, report = load("preamble.bib")
    assert list(log) == []
    assert sources["citekey"].tolist() == ["Fayol1949General", "Sorted2000Hidden"]
    assert sources["line"].tolist() == [8, 14]
    assert (report.openings, report.imported) == (2, 2)


def test_preamble_noopsort_key_is_not_shown():
    sources, _, _ = load("preamble.bib")
    assert row(sources, "Sorted2000Hidden")["authors"] == "Zylberberg, Z."
    assert row(sources, "Sorted2000Hidden")["author_year"] == "Zylberberg, 2000"


def test_missing_file_is_an_error(tmp_path):
    sources, log, report = read_bibliography(tmp_path / "references.bib", "references.bib")
    assert kinds(log) == [("error", None, "bib-missing")]
    assert log[0].message == "the bibliography is missing"
    assert log[0].action == "create references.bib (export it from Zotero as BibTeX)"
    assert str(log[0]).startswith("references.bib: error: the bibliography is missing")
    assert sources.empty and list(sources.columns) == SOURCE_COLUMNS + ["reference_html", "_people"]
    assert (report.openings, report.imported) == (0, 0)


def test_empty_file_is_info(tmp_path):
    (tmp_path / "references.bib").write_bytes(b"")
    sources, log, report = read_bibliography(tmp_path / "references.bib", "references.bib")
    assert kinds(log) == [("info", None, "bib-empty")]
    assert log[0].message == "the bibliography has no entries yet"
    assert sources.empty and list(sources.columns) == SOURCE_COLUMNS + ["reference_html", "_people"]
    assert report.summary() == "references.bib: 0 entries found, 0 imported"


def test_file_with_only_comments_is_empty_info():
    sources, log, report = load("no-entries-only-comments.bib")
    assert kinds(log) == [("info", None, "bib-empty")]
    assert sources.empty
    assert (report.openings, report.imported) == (0, 0)


def test_google_scholar_export_fields():
    sources, log, _ = load("google-scholar-and-others.bib")
    assert list(log) == []
    entry = row(sources, "kotter1990leaders")
    assert (entry["title"], entry["container"]) == ("What leaders really do", "Harvard Business Review")
    assert (entry["volume"], entry["number"], entry["pages"], entry["year"]) == ("68", "3", "103–111", 1990)
    assert "Harvard Business School Publishing" not in entry["reference"]  # no publisher for an article


def test_and_others_means_et_al():
    sources, _, _ = load("google-scholar-and-others.bib")
    entry = row(sources, "kotter1990leaders")
    assert entry["author_year"] == "Kotter et al., 1990"
    assert "others" not in entry["authors"] and "others" not in entry["reference"]


def test_entry_commented_out_with_percent_is_left_out_and_named():
    # BibTeX would read it; the person who put the '%' there meant it to be left out.
    sources, log, _ = load("percent-commented-entry.bib")
    assert kinds(log) == [("warning", 5, "bib-commented-out")]
    assert "Old1980Commented" in log[0].message and "BibTeX itself would read it" in log[0].message
    assert sources["citekey"].tolist() == ["Good1990Kept"]


def test_entry_commented_out_with_percent_is_not_counted():
    _, _, report = load("percent-commented-entry.bib")
    assert report.openings == report.imported == 1


def test_entry_opened_mid_line_after_a_broken_entry_fails_the_broken_one():
    sources, log, _ = load("entry-opened-mid-line-after-broken.bib")
    assert ("error", 5, "bib-failed") in kinds(log)
    assert row(sources, "Good1993Last")["line"] == 11


def test_entry_opened_mid_line_after_a_broken_entry_is_reported():
    _, log, _ = load("entry-opened-mid-line-after-broken.bib")
    assert any("Pasted1992" in p.message for p in log)


def test_string_without_equals_sign_fails_and_its_uses_are_undefined():
    sources, log, _ = load("string-missing-equals.bib")
    assert kinds(log) == [("error", 4, "bib-failed"), ("warning", 6, "bib-macro")]
    assert log[1].message == "Kotter1990WhatLeaders: field journal uses 'hbr', which is neither an @string nor a month"
    assert row(sources, "Kotter1990WhatLeaders")["container"] == "hbr"


def test_string_without_equals_sign_is_reported_as_a_string():
    _, log, report = load("string-missing-equals.bib")
    assert "@string" in log[0].message and "entry 'hbr'" not in log[0].message
    assert report.failed == []


# ======================================================================= the import report

def test_import_report_of_a_mixed_file():
    sources, log, report = load("mixed-export-import-report.bib")
    assert kinds(log) == [("error", 12, "bib-failed"), ("error", 18, "bib-duplicate-key"), ("error", 24, "bib-skipped")]
    assert log[0].message.startswith("entry 'Failed1991' could not be read")
    assert log[1].message == "duplicate citekey 'Bennis1985Leaders' (first used on line 6); this entry was left out"
    assert log[2].message == "entry 'Skipped1992' was skipped by the BibTeX parser without an error"
    assert sources["citekey"].tolist() == ["Bennis1985Leaders", "Burns1978Leadership"]
    assert report == ImportReport("mixed-export-import-report.bib", openings=5, imported=2,
                                  failed=[12], duplicates=[18], unaccounted=[24])
    assert report.summary() == ("mixed-export-import-report.bib: 5 entries found, 2 imported, 1 failed, "
                                "1 duplicate keys, 1 skipped by the parser")


def test_import_report_summary_leaves_out_zero_counts():
    assert ImportReport("refs.bib").summary() == "refs.bib: 0 entries found, 0 imported"
    assert ImportReport("refs.bib", openings=4, imported=3, failed=[7]).summary() == (
        "refs.bib: 4 entries found, 3 imported, 1 failed")
    assert ImportReport("refs.bib", 9, 5, [1, 2], [3], [4]).summary() == (
        "refs.bib: 9 entries found, 5 imported, 2 failed, 1 duplicate keys, 1 skipped by the parser")


@pytest.mark.parametrize("name", [p.name for p in sorted(BIB.glob("*.bib"))])
def test_every_entry_found_is_accounted_for_exactly_once(name):
    sources, _, report = load(name)
    assert report.imported == len(sources)
    assert sources["citekey"].is_unique
    assert report.openings == accounted(report)


# ======================================================================= values, names, labels

@pytest.mark.parametrize("raw, strings, expected", [
    ("{Harvard Business Review}", {}, ("Harvard Business Review", [])),
    ('"Harvard Business Review"', {}, ("Harvard Business Review", [])),
    ("  {padded}  ", {}, ("padded", [])),
    ("hbr", {"hbr": "Harvard Business Review"}, ("Harvard Business Review", [])),
    ("HBR", {"hbr": "Harvard Business Review"}, ("Harvard Business Review", [])),  # macros are case-insensitive
    ('hbr # " (HBR.org blog)"', {"hbr": "Harvard Business Review"}, ("Harvard Business Review (HBR.org blog)", [])),
    ('"Management Is " # {(Still)} # " Not"', {}, ("Management Is (Still) Not", [])),
    ("{A}#{B}", {}, ("AB", [])),
    ('"19" # "96"', {}, ("1996", [])),
    ("1990", {}, ("1990", [])),
    ("jan", {}, ("January", [])),
    ("Nov", {}, ("November", [])),
    ("{C# Programming}", {}, ("C# Programming", [])),  # a # inside braces is text
    ('"C# in Depth"', {}, ("C# in Depth", [])),  # and inside quotes
    ('"M{\\"u}ller"', {}, ('M{\\"u}ller', [])),  # a quote inside braces does not end the string
    ('{The "Best" {Book}}', {}, ('The "Best" {Book}', [])),  # inner braces kept for the LaTeX step
    ("amj", {}, ("amj", ["amj"])),
    ('hbr # amj # " x"', {"hbr": "H"}, ("Hamj x", ["amj"])),
])
def test_resolve_value(raw, strings, expected):
    assert resolve_value(raw, strings) == expected


@pytest.mark.parametrize("value, number", [
    ("jan", 1), ("Jan", 1), ("January", 1), ("Jan.", 1), ("1", 1), ("01", 1), ("may", 5), ("  May ", 5),
    ("jun", 6), ("jul", 7), ("Sept", 9), ("Sept.", 9), ("sep", 9), ("12", 12), ("december", 12),
    ("0", None), ("13", None), ("ma", None), ("ju", None), ("Mai", None), ("", None), ("1st", None), ("spring", None),
])
def test_month_number(value, number):
    assert month_number(value) == number


@pytest.mark.parametrize("raw, family, given, von, suffix, initials, apa", [
    ("Sartre, Jean-Paul", "Sartre", "Jean-Paul", "", "", "J.-P.", "Sartre, J.-P."),
    ("Jean-Paul Sartre", "Sartre", "Jean-Paul", "", "", "J.-P.", "Sartre, J.-P."),
    ("van der Berg, Anna", "Berg", "Anna", "van der", "", "A.", "van der Berg, A."),
    ("Anna van der Berg", "Berg", "Anna", "van der", "", "A.", "van der Berg, A."),
    ("King, Jr., Martin Luther", "King", "Martin Luther", "", "Jr.", "M. L.", "King, M. L., Jr."),
    ("{World Health Organization}", "World Health Organization", "", "", "", "", "World Health Organization"),
    ("Kotter, John P.", "Kotter", "John P.", "", "", "J. P.", "Kotter, J. P."),
    ("Kotter, John P", "Kotter", "John P", "", "", "J. P.", "Kotter, J. P."),
    ("Ng, Y.-K.", "Ng", "Y.-K.", "", "", "Y.-K.", "Ng, Y.-K."),
    ('M{\\"u}ller, J{\\"o}rg-Hans', "Müller", "Jörg-Hans", "", "", "J.-H.", "Müller, J.-H."),
    ("Durkheim, {\\'E}mile", "Durkheim", "Émile", "", "", "É.", "Durkheim, É."),
    ("{\\O}stergaard, Niels", "Østergaard", "Niels", "", "", "N.", "Østergaard, N."),
    ("Le Guin, Ursula K.", "Le Guin", "Ursula K.", "", "", "U. K.", "Le Guin, U. K."),
])
def test_split_names_one_person(raw, family, given, von, suffix, initials, apa):
    [person] = split_names(raw)
    assert (person.family, person.given, person.von, person.suffix) == (family, given, von, suffix)
    assert person.initials == initials
    assert person.apa() == apa


def test_split_names_several_people_and_braced_and():
    people = split_names("de la Fontaine, Jean and {Barnes and Noble, Inc.} and Smith, John")
    assert [p.apa() for p in people] == ["de la Fontaine, J.", "Barnes and Noble, Inc.", "Smith, J."]
    assert split_names("") == []


def test_initials_written_without_spaces():
    [person] = split_names("Kotter, J.P.")
    assert person.initials == "J. P."


def test_author_label_by_number_of_authors():
    kotter, bennis, nanus = Person("Kotter", "John P."), Person("Bennis", "Warren"), Person("Nanus", "Burt")
    assert author_label([kotter], "What Leaders Really Do") == "Kotter"
    assert author_label([bennis, nanus], "Leaders") == "Bennis & Nanus"
    assert author_label([Person("Kramer", "Marlene"), bennis, nanus], "x") == "Kramer et al."
    assert author_label([kotter] * 7, "x") == "Kotter et al."
    assert author_label([Person("Berg", "Anna", von="van der")], "x") == "van der Berg"
    assert author_label([Person("World Health Organization")], "x") == "World Health Organization"


def test_author_label_without_authors_uses_the_title():
    assert author_label([], "Guidelines for the Management of Acute Wards") == "“Guidelines for the Management”"
    assert author_label([], "Leadership") == "“Leadership”"
    assert author_label([], "") == "Anonymous"


def test_disambiguate_years_letters_one_authors_works_of_one_year():
    frame = pd.DataFrame({
        "_author": ["Kotter", "Kotter", "Kotter", "Bass", "Bennis & Nanus"],
        "year": [1990, 1990, 1988, 1990, 1990],
        "title": ["What Leaders Really Do", "A Force for Change", "The Leadership Factor", "Leadership", "Leaders"],
    })
    assert disambiguate_years(frame).tolist() == [
        "Kotter, 1990b", "Kotter, 1990a", "Kotter, 1988", "Bass, 1990", "Bennis & Nanus, 1990"]


def test_disambiguate_years_without_year():
    frame = pd.DataFrame({"_author": ["Kotter", "Kotter", "Bass"], "year": [None, None, None],
                          "title": ["B", "A", "C"]})
    assert disambiguate_years(frame).tolist() == ["Kotter, n.d.-b", "Kotter, n.d.-a", "Bass, n.d."]


def test_apa_reference_of_an_article_with_volume_issue_pages_and_doi():
    source = {"entry_type": "article", "_people": split_names("Smith, Ann and Jones, Bob and Lee, Cy"),
              "year": 2001, "title": "A Study", "container": "Journal of Leadership", "volume": "3",
              "number": "2", "pages": "10–20", "doi": "10.1000/xyz", "publisher": "Ignored for articles"}
    assert apa_reference(source) == (
        "Smith, A., Jones, B., & Lee, C. (2001). A Study. Journal of Leadership, 3(2), 10–20. https://doi.org/10.1000/xyz")
    assert reference_html(source) == (
        "Smith, A., Jones, B., &amp; Lee, C. (2001). A Study. <i>Journal of Leadership</i>, <i>3</i>(2), 10–20. "
        "https://doi.org/10.1000/xyz")


def test_apa_reference_of_a_chapter_with_pages():
    source = {"entry_type": "incollection", "_people": [Person("Gulick", "Luther")], "year": 1937,
              "title": "Notes on the Theory of Organization", "container": "Papers on the Science of Administration",
              "pages": "1–45", "publisher": "Institute of Public Administration"}
    assert apa_reference(source) == (
        "Gulick, L. (1937). Notes on the Theory of Organization. In Papers on the Science of Administration "
        "(pp. 1–45). Institute of Public Administration.")


def test_apa_reference_keeps_an_ellipsis_in_the_title():
    source = {"entry_type": "book", "_people": [Person("Kotter", "John P.")], "year": 1990,
              "title": "Leadership... and Beyond", "publisher": "Free Press"}
    assert apa_reference(source) == "Kotter, J. P. (1990). Leadership... and Beyond. Free Press."


def test_source_row_without_decoding_keeps_tildes_braces_and_backslashes():
    from litcoder.inputs.bibliography import _source_row
    from litcoder.problems import ProblemLog

    values = {"title": "Costs of C~programs in {R} and \\TeX", "author": "{Barnes and Noble} and Smith, Jo",
              "journal": "J~Lib", "year": "2000", "pages": "1--2"}
    plain = _source_row("k", "article", values, 1, ProblemLog("x.ris"), decode=False)
    assert (plain["title"], plain["container"], plain["pages"]) == ("Costs of C~programs in {R} and \\TeX", "J~Lib",
                                                                    "1–2")
    assert plain["authors"] == "Barnes and Noble; Smith, J."
    decoded = _source_row("k", "article", values, 1, ProblemLog("x.bib"))
    assert decoded["title"].startswith("Costs of C\u00a0programs in R")
