"""RIS and CSL-JSON files → the same source rows as references.bib; citekeys; duplicates.

Each file in tests/fixtures/references/ reproduces quirks of real exports (its first record
says which, in an N1 or note field, and where they are seen). The tests check the rows
read, the exact problems reported (severity, line, kind) and the import report's count of
records found against records read. The tests named `test_rispy_*` pin what rispy 0.10
does on its own with each quirk, which is why references.py splits the records itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litcoder.inputs.bibliography import SOURCE_COLUMNS, _source_row, read_bibliography, sources_frame, split_names
from litcoder.inputs.references import (
    better_bibtex_key,
    find_duplicates,
    normalise_doi,
    normalise_title,
    read_csl_json,
    read_references,
    read_ris,
)
from litcoder.problems import ProblemLog

ROOT = Path(__file__).resolve().parent.parent
REFS = Path(__file__).resolve().parent / "fixtures" / "references"
ROW_KEYS = list(_source_row("k", "misc", {"title": "T"}, 1, ProblemLog("x")).keys()) + ["file"]


def load(name: str):
    """Rows, problems and import report of one fixture, named in problems by its file name."""
    return read_references(REFS / name, name)


def kinds(log) -> list[tuple]:
    """(severity, line, kind) of each problem, in the order reported."""
    return [(p.severity, p.line, p.kind) for p in log]


def by_key(rows) -> dict[str, dict]:
    return {row["citekey"]: row for row in rows}


def accounted(report) -> bool:
    """Every record found was read, or reported as failed or as a duplicate key."""
    return report.openings == report.imported + len(report.failed) + len(report.duplicates)


def write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


# ---------------------------------------------------------------- what rispy does alone

ZOTERO_RIS = (REFS / "zotero-export-bom-crlf.ris").read_bytes().decode("utf-8")  # BOM kept


def test_rispy_loses_the_first_record_after_a_byte_order_mark():
    assert ZOTERO_RIS.startswith("\ufeffTY  - JOUR")
    titles = [r.get("title") for r in rispy.loads(ZOTERO_RIS)]
    assert titles == ["Management Is (Still) Not Leadership", "Nurse Manager Support: How Do Staff Nurses Define It?"]


def test_rispy_reads_crlf_but_not_cr_alone():
    text = ZOTERO_RIS.lstrip("\ufeff")
    assert len(rispy.loads(text)) == 3
    assert rispy.loads(text.replace("\r\n", "\r")) == []


def test_rispy_skips_a_header_but_takes_a_line_starting_with_TY_as_a_record():
    header = "Provider: EBSCOhost\nContent: text/plain\n\nTY  - JOUR\nTI  - One\nER  - \n"
    assert [r["title"] for r in rispy.loads(header)] == ["One"]
    tricky = "TYPE OF EXPORT: citations\nTY  - JOUR\nTI  - One\nER  - \n"
    assert rispy.loads(tricky) == [{"type_of_reference": "TYPE OF EXPORT: citations", "title": "One"}]


def test_rispy_drops_a_last_record_without_er_and_merges_one_in_the_middle():
    text = (REFS / "missing-er.ris").read_text()
    titles = [r.get("title") for r in rispy.loads(text)]
    # four records in the file: the 2nd (no ER) swallows the 3rd (whose end 'ER -' has one space) and the
    # 4th, and with no 'ER  - ' after them all three are lost
    assert titles == ["What Leaders Really Do"]


def test_rispy_keeps_ER_text_inside_a_field():
    record = rispy.loads((REFS / "continuation-er-text.ris").read_text())[0]
    assert record["abstract"].endswith("no abstract is copied here. ERIC database record not checked.")
    assert "ER of the hospital were among those interviewed." in record["notes"]


def test_rispy_on_repeated_tags():
    text = "TY  - JOUR\nTI  - One\nPY  - 1977\nPY  - 2004\nAB  - x\nAB  - y\ncontinued\nER  - \n"
    assert rispy.loads(text)[0]["year"] == "1977"  # the repeat is dropped without a word
    assert rispy.loads(text.replace("AB  - x\nAB  - y\ncontinued\n", ""), enforce_list_tags=False)[0]["year"] == \
        ["1977", "2004"]
    with pytest.raises(TypeError):  # a repeated tag followed by a continuation line
        rispy.loads(text, enforce_list_tags=False)


def test_rispy_reads_no_tag_with_one_space_and_collects_unknown_tags():
    assert rispy.loads("TY - JOUR\nTI - One\nER - \n") == []
    record = rispy.loads("TY  - JOUR\nTI  - One\nQ9  - x\nER  - \n")[0]
    assert dict(record["unknown_tag"]) == {"Q9": ["x"]}


# ---------------------------------------------------------------- RIS fixtures

def test_rows_are_what_the_bibtex_reader_makes():
    rows, _, _ = load("zotero-export-bom-crlf.ris")
    for row in rows:
        assert list(row.keys()) == ROW_KEYS
        assert row["file"] == "zotero-export-bom-crlf.ris"
    frame = sources_frame(rows)
    assert list(frame.columns) == SOURCE_COLUMNS + ["reference_html", "_people"]
    assert frame["author_year"].tolist() == ["Kotter, 1990", "Kotter, 2013", "Schmalenberg & Kramer, 2009"]


def test_zotero_export_with_bom_and_crlf():
    rows, log, report = load("zotero-export-bom-crlf.ris")
    assert list(log) == []
    assert (report.openings, report.imported) == (3, 3)
    assert [(r["citekey"], r["entry_type"], r["line"]) for r in rows] == [
        ("kotterWhatLeadersReally1990", "article", 1),
        ("kotterManagementStillNot2013", "online", 14),
        ("schmalenbergNurseManagerSupport2009", "article", 23),
    ]
    blog, article = rows[1], rows[2]
    assert (blog["year"], blog["month"], blog["day"]) == (2013, 1, 9)  # DA 2013/01/09/
    assert blog["container"] == "Harvard Business Review (HBR.org blog)"
    assert article["container"] == "Critical Care Nurse"  # T2, not the J2 abbreviation
    assert (article["volume"], article["number"], article["pages"]) == ("29", "4", "61–69")  # SP/EP → 61--69
    assert article["authors"] == "Schmalenberg, C.; Kramer, M."
    assert rows[0]["title"] == "What Leaders Really Do"  # no \r left on any value
    assert report.summary() == "zotero-export-bom-crlf.ris: 3 entries found, 3 imported"


def test_cr_only_line_ends(tmp_path):
    text = (REFS / "zotero-export-bom-crlf.ris").read_bytes().replace(b"\r\n", b"\r")
    path = tmp_path / "old-mac-endnote.ris"
    path.write_bytes(text)
    rows, log, report = read_ris(path, path.name)
    assert [r["line"] for r in rows] == [1, 14, 23] and list(log) == []


def test_endnote_export_with_header_and_ids():
    rows, log, report = load("endnote-header-ids.ris")
    assert (report.openings, report.imported) == (4, 4)
    # ID 12 and 13 are EndNote's record numbers, not citekeys: keys are made (see test_ris_quirks)
    assert [(r["citekey"], r["line"]) for r in rows] == [
        ("zaleznikManagersLeadersAre1977", 6), ("bennisLeadersStrategiesTaking1985", 17),
        ("mintzbergNatureManagerialWork1973", 28), ("kotterWhatLeadersReally1990", 36)]
    assert kinds(log) == [("warning", 28, "ris-id")]  # 'Mintzberg 1973' has a space
    zaleznik, bennis = rows[0], rows[1]
    assert zaleznik["authors"] == "Zaleznik, A."  # A1
    assert zaleznik["title"] == "Managers and Leaders: Are They Different?"  # T1
    assert zaleznik["container"] == "Harvard Business Review"  # JF before the JA abbreviation
    assert (zaleznik["year"], zaleznik["pages"]) == (1977, "67")  # Y1 1977///; SP without EP
    assert bennis["authors"] == "Bennis, W.; Nanus, B."  # A1 then AU, in that order
    assert bennis["publisher"] == "Harper & Row"


def test_web_of_science_repeated_tags_and_old_dates():
    rows, log, report = load("wos-repeated-tags.ris")
    assert (report.openings, report.imported) == (3, 3)
    kotter, nurses, zaleznik = rows
    assert kotter["authors"] == "Kotter, J. P."  # 'Kotter, JP'
    assert (kotter["year"], kotter["month"], kotter["day"]) == (1990, 5, None)  # PY 1990///, DA MAY-JUN
    assert kotter["pages"] == "103–111"
    assert kotter["container"] == "HARVARD BUSINESS REVIEW"
    assert nurses["authors"] == "Schmalenberg, C.; Kramer, M."  # several AU
    assert nurses["year"] == 2009  # PY twice with the same year: no problem
    assert (zaleznik["year"], zaleznik["month"]) == (1977, None)  # DA 2004/01/01 belongs to the other year
    assert kinds(log) == [("warning", 38, "ris-date")]
    assert "two years (1977 and 2004); 1977 is used" in log[0].message


def test_records_without_end_line():
    rows, log, report = load("missing-er.ris")
    assert [r["title"] for r in rows] == ["What Leaders Really Do", "Managers and Leaders: Are They Different?",
                                          "Leadership", "Leadership and Performance Beyond Expectations"]
    assert [r["line"] for r in rows] == [1, 9, 15, 23]
    assert kinds(log) == [("warning", 9, "ris-no-end"), ("warning", 21, "ris-end-tag"), ("warning", 23, "ris-no-end")]
    assert "up to the next record on line 15" in log[0].message
    assert "read to the end of the file" in log[2].message
    assert rows[1]["container"] == "Harvard Business Review" and rows[2]["publisher"] == "Harper & Row"
    assert (report.openings, report.imported) == (4, 4)


def test_fields_continuing_over_lines_and_ER_text_that_is_not_the_end():
    rows, log, report = load("continuation-er-text.ris")
    assert list(log) == []
    assert (report.openings, report.imported) == (2, 2)
    assert rows[0]["title"] == "Nurse Manager Support: How Do Staff Nurses Define It?"  # TI over two lines
    assert rows[0]["container"] == "Critical Care Nurse"  # the fields after the ER… lines still belong to it
    assert rows[1]["title"] == "Leadership" and rows[1]["line"] == 19


def test_broken_record_is_reported_and_the_others_load():
    rows, log, report = load("broken-record.ris")
    assert [r["title"] for r in rows] == ["Leadership and Performance Beyond Expectations", "Leadership"]
    assert kinds(log) == [("warning", 11, "ris-text"), ("warning", 12, "ris-tag"), ("error", 10, "ris-no-title")]
    assert "'Q9' is not a RIS tag" in log[1].message
    assert (report.openings, report.imported, report.failed) == (3, 2, [10])
    assert report.summary() == "broken-record.ris: 3 entries found, 2 imported, 1 failed"
    assert rows[0]["authors"] == "Bass, B. M."  # Scopus-style 'Bass, B.M.'


def without_original_year(source: dict) -> str:
    """A source's author-year label as RIS can give it: RIS has no tag for the original year, so
    Fayol's 'Fayol, 1916/1949' is 'Fayol, 1949' there."""
    original = source["original_year"]
    return source["author_year"] if pd.isna(original) else source["author_year"].replace(f"{original}/", "", 1)


def test_bundled_review_as_ris_round_trips():
    bib, bib_log, _ = read_bibliography(ROOT / "references.bib", "references.bib")
    rows, log, report = load("bundled-review.ris")
    assert list(log) == [] and (report.openings, report.imported) == (12, 12)
    ris = sources_frame(rows)
    columns = ["author_year", "title", "year", "container", "editors"]
    expected = {normalise_title(r["title"]): [without_original_year(r)] + [r[c] for c in columns[1:]]
                for r in bib.to_dict("records")}
    got = {normalise_title(r["title"]): [r[c] for c in columns] for r in ris.to_dict("records")}
    assert len(got) == 12 and got.keys() == expected.keys()
    for title in expected:
        assert got[title] == expected[title], title
    gulick = ris[ris["title"] == "Notes on the theory of organization"].iloc[0]
    assert gulick["entry_type"] == "incollection"
    assert gulick["editors"] == "Gulick, L.; Urwick, L."  # A2 of a CHAP: the book's editors
    assert ris["original_year"].isna().all()  # RIS has no tag for it: Fayol is (Fayol, 1949) here
    assert "Fayol, 1949" in ris["author_year"].tolist() and "Fayol, 1916/1949" in bib["author_year"].tolist()
    assert ris["citekey"].tolist()[:3] == ["kotterWhatLeadersReally1990", "kotterManagementStillNot2013",
                                           "zaleznikManagersLeadersAre1977"]


def test_book_pages_doi_prefix_and_edition():
    rows, log, _ = load("editions-and-reprints.ris")
    keyed = by_key(rows)
    assert keyed["mintzbergNatureManagerialWork1980"]["pages"] == ""  # SP 217 of a book: its number of pages
    assert keyed["schmalenbergNurseManagerSupport2009"]["doi"] == "10.4037/CCN2009366"  # https://doi.org/ removed
    assert keyed["northouseLeadershipTheoryPractice2016"]["edition"] == "7"
    assert keyed["fayolAdministrationIndustrielleGenerale1916"]["container"] == \
        "Bulletin de la Société de l'Industrie Minérale"
    assert keyed["zaleznikManagersLeadersAre2004"]["month"] == 1  # DA 2004/01//
    assert list(log) == []


# ---------------------------------------------------------------- RIS: more quirks, in small files

def test_duplicate_ids_and_made_keys_that_would_clash(tmp_path):
    path = write(tmp_path, "ids.ris",
                 "TY  - JOUR\nTI  - What Leaders Really Do\nAU  - Kotter, John P.\nPY  - 1990\nER  - \n\n"
                 "TY  - JOUR\nID  - kotterWhatLeadersReally1990\nTI  - What leaders really do\nAU  - Kotter, J.\n"
                 "PY  - 1990\nER  - \n\n"
                 "TY  - BOOK\nID  - B7\nTI  - Leadership\nAU  - Burns, James MacGregor\nPY  - 1978\nER  - \n\n"
                 "TY  - BOOK\nID  - B7\nTI  - Leadership (again)\nAU  - Burns, James MacGregor\nPY  - 1978\nER  - \n")
    rows, log, report = read_ris(path, path.name)
    # the second record's own key is claimed first; the first record's made key gets 'a'
    assert [r["citekey"] for r in rows] == ["kotterWhatLeadersReally1990a", "kotterWhatLeadersReally1990", "B7"]
    assert kinds(log) == [("error", 21, "ris-duplicate-key")]
    assert "first used on line 14" in log[0].message
    assert (report.openings, report.imported, report.duplicates) == (4, 3, [21])
    assert accounted(report)


def test_one_space_tags_and_tags_outside_records(tmp_path):
    path = write(tmp_path, "loose.ris",
                 "TY - JOUR\nTI - Not RIS\nER - \n\n"
                 "TY  - JOUR\nTI  - Read\nER  - \n"
                 "AU  - Orphan, Anna\nTI  - Lost Title\n\n"
                 "TY  - BOOK\nTI  - Also Read\nER  - \n")
    rows, log, report = read_ris(path, path.name)
    assert [r["title"] for r in rows] == ["Read", "Also Read"]
    assert kinds(log)[:2] == [("error", 1, "ris-failed"), ("error", 8, "ris-outside")]
    assert "lines 8–9 hold RIS tags (AU, TI) outside any record" in log[1].message
    assert (report.openings, report.imported, report.failed) == (3, 2, [1])
    assert accounted(report)


def test_a_file_that_is_not_ris(tmp_path):
    wos = write(tmp_path, "savedrecs.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Kotter, JP\n"
                "TI What leaders really do\nPY 1990\nER\n\nEF\n")
    rows, log, report = read_references(wos, wos.name)
    assert rows == [] and kinds(log) == [("error", None, "ris-format")]
    assert "Web of Science's tagged plain-text format" in log[0].message
    other = write(tmp_path, "notes.ris", "just some notes\n")
    assert kinds(read_ris(other, other.name)[1]) == [("error", None, "ris-format")]
    empty = write(tmp_path, "empty.ris", "")
    assert kinds(read_ris(empty, empty.name)[1]) == [("info", None, "ris-empty")]
    assert kinds(read_ris(tmp_path / "gone.ris", "gone.ris")[1]) == [("error", None, "ris-missing")]


def test_dois_written_otherwise_and_a_header_line_starting_with_TY(tmp_path):
    path = write(tmp_path, "dois.ris",
                 "TYPE OF EXPORT: citations\n\n"
                 "TY  - JOUR\nTI  - A\nUR  - https://doi.org/10.4037/CCN2009366\nER  - \n"
                 "TY  - JOUR\nTI  - B\nDO  - DOI 10.4037/ccn2009366\nER  - \n"
                 "TY  - JOUR\nTI  - C\nM3  - doi: 10.4037/ccn2009366\nUR  - https://example.org/c\nER  - \n"
                 "TY  - JOUR\nTI  - D\nUR  - https://example.org/10.4037/ccn2009366\nER  - \n")
    rows, log, report = read_ris(path, path.name)
    assert [r["entry_type"] for r in rows] == ["article"] * 4  # the TYPE… line is not a record
    assert [r["doi"] for r in rows] == ["10.4037/CCN2009366", "10.4037/ccn2009366", "10.4037/ccn2009366", ""]
    assert report.openings == 4 and [p.kind for p in log] == ["bib-field"] * 8  # no author, no year: nothing else


def test_unknown_type_institution_author_and_names_with_suffix(tmp_path):
    path = write(tmp_path, "types.ris",
                 "TY  - XYZ\nTI  - Odd\nAU  - World Health Organization\nPY  - 2010\nER  - \n"
                 "TY  - THES\nTI  - A Thesis\nAU  - King, Martin Luther, Jr.\nPB  - Boston University\n"
                 "M3  - Master's thesis\nPY  - 1955\nER  - \n"
                 "TY  - RPRT\nTI  - A Report\nAU  - Smith, Anna\nPB  - An Institute\nPY  - 2001\nER  - \n"
                 "TY  - JOUR\nTI  - Undated\nAU  - Smith, Anna\nPY  - n.d.\nER  - \n")
    rows, log, _ = read_ris(path, path.name)
    odd, thesis, report_row, undated = rows
    assert odd["entry_type"] == "misc" and odd["authors"] == "World Health Organization"
    assert thesis["entry_type"] == "mastersthesis" and thesis["container"] == "Boston University"
    assert thesis["_people"][0].suffix == "Jr." and thesis["_people"][0].given == "Martin Luther"
    assert report_row["entry_type"] == "techreport" and report_row["container"] == "An Institute"
    assert undated["year"] is None
    assert kinds(log) == [("warning", 1, "ris-type"), ("warning", 19, "bib-field")]
    assert "year 'n.d.' has no four-digit year" in log[1].message


RIS_LINES = ["TY  - JOUR", "TY  - BOOK", "TY  - ", "TY - JOUR", "TI  - What Leaders Really Do", "TI  - Leadership",
             "T1  - Managers", "AU  - Kotter, John P.", "A1  - Zaleznik, A", "AU  - World Health Organization",
             "PY  - 1990///", "PY  - 2004", "DA  - MAY-JUN", "Y1  - n.d.", "ID  - 12", "ID  - bad key", "SP  - 61",
             "EP  - 69", "DO  - https://doi.org/10.1/X", "ER  - ", "ER  -", "ER -", "ERIC database", "ER of the",
             "continued text", "", "Q9  - ??", "Provider: EBSCOhost", "TYPE: junk",
             "DO  - 10.1/x     LK  - https://l.example", "L3  - 10.1/y", "A1  - Brownstein C D", "A1  - H B",
             "ID  - 889", "AB  - quotes TY  - JOUR and ER  - here", "UR  - https://a.example ER  - "]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(RIS_LINES), max_size=40), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans())
def test_no_ris_record_is_lost_silently(tmp_path, lines, newline, bom):
    path = tmp_path / "any.ris"
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode("utf-8"))
    taken: set[str] = set()
    rows, log, report = read_ris(path, "any.ris", taken=taken)
    assert report.openings == sum(1 for line in lines if line.startswith("TY ")) and accounted(report)
    assert all(list(row.keys()) == ROW_KEYS for row in rows)
    keys = [row["citekey"] for row in rows]
    assert len(keys) == len(set(keys)) and set(keys) <= taken


# ---------------------------------------------------------------- CSL-JSON

def test_zotero_csl_json():
    rows, log, report = load("zotero-export.json")
    assert list(log) == [] and (report.openings, report.imported) == (5, 5)
    for row in rows:
        assert list(row.keys()) == ROW_KEYS
    keyed = by_key(rows)  # ids like 1234567/KOTTER90 are not citekeys: keys are made
    assert list(keyed) == ["kotterWhatLeadersReally1990", "kotterManagementStillNot2013",
                           "gulickNotesTheoryOrganization1937", "northouseLeadershipTheoryPractice2021",
                           "schmalenbergNurseManagerSupport2009"]
    assert [r["line"] for r in rows] == [2, 22, 44, 75, 98]  # the line of each record's '{'
    blog = keyed["kotterManagementStillNot2013"]
    assert (blog["entry_type"], blog["year"], blog["month"], blog["day"]) == ("online", 2013, 1, 9)  # "2013" a string
    assert blog["url"] == "https://hbr.org/2013/01/management-is-still-not-leadership"
    chapter = keyed["gulickNotesTheoryOrganization1937"]
    assert (chapter["entry_type"], chapter["container"]) == ("incollection", "Papers on the Science of Administration")
    book = keyed["northouseLeadershipTheoryPractice2021"]
    assert (book["edition"], book["publisher"], book["container"]) == ("9", "SAGE Publications", "")
    assert keyed["schmalenbergNurseManagerSupport2009"]["pages"] == "61–69"  # page "61-69"


def test_better_csl_json_citekeys_literal_authors_and_particles():
    rows, log, report = load("better-csl-json.json")
    assert list(log) == [] and report.imported == 6
    keyed = by_key(rows)
    assert list(keyed)[:4] == ["Zaleznik1977ManagersLeaders", "BennisNanus1985Leaders", "Fayol1949General",
                               "Hibner2013ManagementVsLeadership"]
    committee = keyed["Committee2026Scoping"]
    assert committee["authors"] == "Leadership Competencies Review Committee"
    assert committee["_author"] == "Leadership Competencies Review Committee"
    assert (committee["entry_type"], committee["container"], committee["month"]) == \
        ("techreport", "Leadership Competencies Review Committee", 3)
    berg = keyed["vanderBerg2020Example"]
    assert berg["authors"] == "van der Berg, A." and berg["_people"][0].von == "van der"


def test_hand_made_csl_json_dates_and_bad_records():
    rows, log, report = load("hand-made.json")
    keyed = by_key(rows)
    assert keyed["Kotter2013StillNotLeadership"]["year"] == 2013  # "issued": "2013"
    hibner = keyed["Hibner2013ManagementVsLeadership"]
    assert (hibner["year"], hibner["month"], hibner["day"]) == (2013, 11, 14)  # {"raw": "2013-11-14"}
    notes = keyed["Committee2026Notes"]
    assert (notes["year"], notes["month"]) == (2026, None)  # {"literal": "Spring 2026"}
    assert notes["authors"] == "Leadership Competencies Review Committee"
    assert keyed["Bass1985Beyond"]["year"] == 1985  # "issued": 1985
    assert kinds(log) == [("error", 26, "csl-record"), ("error", 27, "csl-no-title"),
                          ("warning", 33, "csl-name"), ("warning", 33, "bib-field")]
    assert "record 4 is a string" in log[0].message
    assert "record 5 ('Burns1978Leadership') has no title" in log[1].message
    assert (report.openings, report.imported, report.failed) == (6, 4, [26, 27])
    assert accounted(report)


def test_malformed_json_is_one_error_with_its_line_and_column():
    rows, log, report = load("malformed.json")
    assert rows == [] and kinds(log) == [("error", 10, "csl-json")]
    assert "line 10, column 3" in log[0].message
    assert report.openings == 0


def test_csl_json_top_level_and_keys(tmp_path):
    single = write(tmp_path, "one.json", json.dumps({"id": "x", "title": "T"}))
    rows, log, _ = read_csl_json(single, single.name)
    assert rows == [] and kinds(log) == [("error", 1, "csl-json")]
    assert "an object, not a list of records" in log[0].message
    empty = write(tmp_path, "empty.json", "[]")
    assert kinds(read_csl_json(empty, empty.name)[1]) == [("info", None, "csl-empty")]
    keys = write(tmp_path, "keys.json", json.dumps([
        {"id": "ITEM-1", "citation-key": "Burns1978Leadership", "title": "Leadership",
         "author": [{"family": "Burns", "given": "James MacGregor"}], "issued": {"date-parts": [[1978]]}},
        {"id": "ITEM-2", "citation-key": "bad key", "title": "Leadership",
         "author": [{"family": "Burns", "given": "James MacGregor"}], "issued": {"date-parts": [[1978]]}},
        {"id": 3, "title": "Numbered", "issued": {"date-parts": [[2000, 22]]}},
        {"id": "Burns1978Leadership", "title": "Same key"},
        {"id": "burns1978leadership", "title": "Same key in another case"},
    ], indent=1))
    rows, log, report = read_csl_json(keys, keys.name)
    # a citation-key that cannot be one is not used: the id is, else a key is made (an id of digits
    # alone is a record number, as EndNote's RIS ID is)
    assert [r["citekey"] for r in rows] == ["Burns1978Leadership", "ITEM-2", "Numbered2000", "burns1978leadership"]
    assert rows[2]["month"] is None  # 22: a season in date-parts
    assert [(p.severity, p.kind) for p in log if p.kind != "bib-field"] == \
        [("warning", "csl-id"), ("error", "csl-duplicate-key"), ("warning", "csl-key-case")]
    assert accounted(report)


CSL_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-5, 3000) | st.sampled_from(["", "x", "1990", "a b"]),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                              st.sampled_from(["date-parts", "raw", "literal", "family", "given"]), inner, max_size=3),
                          max_leaves=8)
CSL_RECORDS = st.lists(st.one_of(CSL_VALUES, st.dictionaries(
    st.sampled_from(["id", "citation-key", "type", "title", "author", "editor", "issued", "container-title", "page",
                     "edition", "DOI", "volume"]), CSL_VALUES, max_size=8)), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=CSL_RECORDS)
def test_no_csl_record_is_lost_silently(tmp_path, records):
    path = tmp_path / "any.json"
    path.write_text(json.dumps(records, indent=1))
    rows, log, report = read_csl_json(path, "any.json")
    assert report.openings == len(records) and accounted(report)
    assert all(list(row.keys()) == ROW_KEYS for row in rows)


def test_read_references_by_suffix(tmp_path):
    copy = tmp_path / "export.txt"
    shutil.copy(REFS / "broken-record.ris", copy)
    rows, _, report = read_references(copy, "export.txt")
    assert report.imported == 2
    bib = tmp_path / "refs.bibtex"
    shutil.copy(REFS / "with-doi.bib", bib)
    assert read_references(bib, "refs.bibtex")[0][0]["citekey"] == "SchmalenbergKramer2009NMSupport"
    rows, log, report = read_references(tmp_path / "refs.xml", "refs.xml")
    assert rows == [] and kinds(log) == [("error", None, "ref-format")]
    assert "'.xml' is not a kind of reference file" in log[0].message


def test_bibtex_rows_through_read_references_are_source_rows():
    rows, log, report = read_references(ROOT / "references.bib", "references.bib")
    assert report.imported == 12 and len(rows) == 12
    row = by_key(rows)["Kotter2013StillNotLeadership"]
    assert list(row.keys()) == ROW_KEYS
    assert (row["year"], row["month"], row["day"], row["line"]) == (2013, 1, 9, 14)
    assert type(row["year"]) is int and row["_author"] == "Kotter"
    assert by_key(rows)["Kotter1990WhatLeaders"]["month"] is None


def test_made_keys_avoid_keys_taken_by_other_files():
    taken: set[str] = set()
    read_references(REFS / "zotero-export-bom-crlf.ris", "a.ris", taken=taken)
    rows, _, _ = read_references(REFS / "bundled-review.ris", "b.ris", taken=taken)
    assert rows[0]["citekey"] == "kotterWhatLeadersReally1990a"
    assert "kotterWhatLeadersReally1990a" in taken


# ---------------------------------------------------------------- Better BibTeX keys

@pytest.mark.parametrize("names, title, year, key", [
    ("Kotter, John P.", "What Leaders Really Do", 1990, "kotterWhatLeadersReally1990"),
    # skipWords: 'is' and 'and' go; 'und' is not in Better BibTeX's list, so it stays
    ("Kotter, John P.", "Management Is (Still) Not Leadership", 2013, "kotterManagementStillNot2013"),
    ("Müller, Jörg", "Führung und Management", 2001, "mullerFuhrungUndManagement2001"),
    ("Bass, Bernard M.", "Leadership and Performance Beyond Expectations", 1985,
     "bassLeadershipPerformanceExpectations1985"),  # 'beyond' is a skip word too
    # particles are kept in the name part (Better BibTeX's default), spaces dropped
    ("van der Berg, Anna", "The Art of Management", 2020, "vanderbergArtManagement2020"),
    ("O'Brien, Pat and Smith, Ann", "Leaders' Work: A Study", 1999, "obrienLeadersWorkStudy1999"),
    ("Łukasiewicz, Jan", "Straße", 1930, "lukasiewiczStrasse1930"),
    ("{World Health Organization}", "Leadership", 2010, "worldhealthorganizationLeadership2010"),
    ("", "What Leaders Really Do", 1990, "WhatLeadersReally1990"),  # no author: the title leads
    ("Kotter, John P.", "What Leaders Really Do", None, "kotterWhatLeadersReally"),  # no year
    ("", "", None, "anonymous"),
])
def test_better_bibtex_key(names, title, year, key):
    assert better_bibtex_key(split_names(names) if names else [], title, year, set()) == key


def test_better_bibtex_key_clash_suffixes():
    people = split_names("Kotter, John P.")
    taken = {"KotterWhatLeadersReally1990"}  # compared ignoring case
    keys = [better_bibtex_key(people, "What Leaders Really Do", 1990, taken) for _ in range(3)]
    assert keys == ["kotterWhatLeadersReally1990a", "kotterWhatLeadersReally1990b", "kotterWhatLeadersReally1990c"]
    assert set(keys) <= taken
    taken = {"x"} | {"x" + chr(97 + i) for i in range(26)}
    assert better_bibtex_key([], "", None, {"anonymous"}) == "anonymousa"
    assert better_bibtex_key(split_names("X, Y"), "", None, taken) == "xaa"
    # a reader making many keys passes the lower-case set along: it is kept in step with `taken`
    taken = {"KotterWhatLeadersReally1990"}
    lowered = {"kotterwhatleadersreally1990"}
    keys = [better_bibtex_key(people, "What Leaders Really Do", 1990, taken, lowered) for _ in range(2)]
    assert keys == ["kotterWhatLeadersReally1990a", "kotterWhatLeadersReally1990b"]
    assert lowered == {key.lower() for key in taken}


# ---------------------------------------------------------------- duplicates

def test_normalising_dois_and_titles():
    for doi in ["10.4037/ccn2009366", "https://doi.org/10.4037/CCN2009366", "http://dx.doi.org/10.4037/ccn2009366",
                "doi:10.4037/ccn2009366", "DOI: 10.4037/CCN2009366", " doi.org/10.4037/ccn2009366 "]:
        assert normalise_doi(doi) == "10.4037/ccn2009366"
    assert normalise_title("Administration industrielle et générale") == \
        normalise_title("ADMINISTRATION  Industrielle et Generale.") == "administration industrielle et generale"
    assert normalise_title("Leaders’ work — a study") == normalise_title("Leaders' Work: A Study")


def rows_of(*names: str) -> list[dict]:
    rows = []
    for name in names:
        rows += load(name)[0]
    return rows


def test_duplicates_across_ris_csl_json_and_bibtex():
    rows = rows_of("editions-and-reprints.ris", "same-works.json", "with-doi.bib")
    found = {(a["citekey"], b["citekey"], reason) for a, b, reason in find_duplicates(rows)}
    assert found == {
        ("schmalenbergNurseManagerSupport2009", "SchmalenbergKramer2009NMSupport", "same DOI 10.4037/ccn2009366"),
        ("fayolAdministrationIndustrielleGenerale1916", "fayol1916", "same title, year and first author"),
        ("kotterWhatLeadersReally1990", "kotter1990", "same title, year and first author"),
    }
    pairs = find_duplicates(rows)
    first, second, _ = pairs[0]
    assert (first["file"], second["file"]) in {("editions-and-reprints.ris", "same-works.json"),
                                               ("editions-and-reprints.ris", "with-doi.bib")}


def test_reprints_and_editions_are_not_duplicates():
    rows = rows_of("editions-and-reprints.ris")
    keyed = by_key(rows)
    assert find_duplicates(rows) == []  # Northouse 7th/9th, Zaleznik 1977/2004, Kotter 1990/2001, Mintzberg 1973/1980
    nine = dict(keyed["northouseLeadershipTheoryPractice2021"], year=2016)  # another edition in the same year
    assert find_duplicates([keyed["northouseLeadershipTheoryPractice2016"], nine]) == []
    nine["edition"] = "7th ed."  # the same edition, written otherwise
    assert len(find_duplicates([keyed["northouseLeadershipTheoryPractice2016"], nine])) == 1
    nine["edition"] = ""  # no edition given: the same work
    assert len(find_duplicates([keyed["northouseLeadershipTheoryPractice2016"], nine])) == 1


def test_same_edition_cited_under_another_year_is_not_flagged():
    """Northouse's 7th edition (2016) is often cited as 2015: a known limit of the year rule."""
    rows = rows_of("editions-and-reprints.ris", "same-works.json")
    northouse = [r for r in rows if r["title"] == "Leadership: Theory and Practice"]
    assert sorted((r["year"], r["edition"]) for r in northouse) == [(2015, "7th"), (2016, "7"), (2021, "9")]
    assert not any("northouse" in a["citekey"] for a, _, _ in find_duplicates(rows))


def test_duplicates_within_one_file_and_of_three_copies():
    rows = rows_of("zotero-export-bom-crlf.ris", "wos-repeated-tags.ris", "bundled-review.ris")
    pairs = find_duplicates(rows)
    kotter = [(a["file"], b["file"]) for a, b, _ in pairs if a["title"] == "What Leaders Really Do"]
    assert kotter == [("zotero-export-bom-crlf.ris", "wos-repeated-tags.ris"),
                      ("zotero-export-bom-crlf.ris", "bundled-review.ris")]  # each later copy with the first
    assert all(reason == "same title, year and first author" for _, _, reason in pairs)


def test_a_later_copy_pairs_with_the_first_of_the_work():
    rows = rows_of("zotero-export-bom-crlf.ris", "editions-and-reprints.ris", "with-doi.bib")
    nurses = [(a["file"], b["file"], reason) for a, b, reason in find_duplicates(rows)
              if a["title"].startswith("Nurse Manager Support")]
    assert nurses == [("zotero-export-bom-crlf.ris", "editions-and-reprints.ris", "same title, year and first author"),
                      ("zotero-export-bom-crlf.ris", "with-doi.bib", "same DOI 10.4037/ccn2009366")]
