"""Quirks of real RIS, PubMed and CSL-JSON exports, one test each, on fixtures of ours.

Each fixture in tests/fixtures/references/quirks/ is modelled on a real export (its first
record's AB, N1 or note says which tool writes it so): EBSCOhost/CINAHL's DOI in L3,
Rayyan's tags run on along one line, a PubMed file named .ris, EndNote's record numbers in
ID, EPPI-Reviewer's 'Family Initials' names, CSL years before the common era, and text with
LaTeX's special characters that RIS and CSL JSON mean as plain text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litcoder.inputs.bibliography import sources_frame
from litcoder.inputs.references import find_duplicates, read_csl_json, read_medline, read_references, read_ris

QUIRKS = Path(__file__).resolve().parent / "fixtures" / "references" / "quirks"


def load(name: str, taken: set[str] | None = None):
    """Rows, problems and import report of one fixture, named in problems by its file name."""
    return read_references(QUIRKS / name, name, taken=taken)


def kinds(log) -> list[tuple]:
    return [(p.severity, p.line, p.kind) for p in log]


def people(row) -> list[tuple[str, str, str, str]]:
    return [(p.family, p.given, p.von, p.suffix) for p in row["_people"]]


def accounted(report) -> bool:
    return report.openings == report.imported + len(report.failed) + len(report.duplicates)


def test_ris_and_csl_text_is_not_latex_decoded():
    for name in ("text-as-written.ris", "text-as-written.json"):
        rows, log, _ = load(name)
        row = rows[0]
        # $, %, ~ and braces mean themselves here: LaTeX would take math, a comment, a space, a group
        assert row["title"] == ("Budgets of $2 million and more: what 50% of managers do ~ and what leaders do "
                                "{differently}"), name
        assert row["container"] == "Journal of Library Administration \\& Management", name
        assert people(row)[:2] == [("Núñez", "Ana María", "", ""), ("O'Brien~Smith", "Kate", "", "")], name
        assert row["_author"].startswith("Núñez"), name
        assert list(log) == [], name
    rows, _, _ = load("text-as-written.json")
    assert people(rows[0])[2] == ("Leadership {and} Management Committee", "", "", "")  # a literal, whole


def test_cinahl_doi_in_l3_is_the_doi():
    rows, log, report = load("cinahl-l3-doi.ris")
    assert [r["doi"] for r in rows] == [
        "10.4037/ccn2009366",  # L3 alone, as EBSCOhost writes it
        "10.1000/hbr.example.1990.05",  # the L3 that is a doi.org link, not the supplement's link
        "10.1000/hbr.example.2004.01",  # DO wins over another DOI in L3
        "",  # an L3 that is not a DOI
    ]
    assert not any(p.kind == "ris-tag" for p in log)  # never "'L3' is not a RIS tag"
    assert list(log) == [] and (report.openings, report.imported) == (4, 4)


def test_cinahl_l3_dois_let_duplicates_be_found():
    cinahl, _, _ = load("cinahl-l3-doi.ris")
    eppi, _, _ = load("eppi-reviewer-names.ris")
    pairs = find_duplicates(cinahl + eppi)
    first, repeat, why = pairs[0]
    assert (first["file"], repeat["file"]) == ("cinahl-l3-doi.ris", "eppi-reviewer-names.ris")
    assert why == "same DOI 10.4037/ccn2009366"


def test_rayyan_run_on_tags_are_split():
    rows, log, report = load("rayyan-run-on-tags.ris")
    first, second = rows
    assert first["doi"] == "10.4037/ccn2009366"  # not the whole line with LK and its link
    assert first["url"].startswith("https://www.embase.example.org/") and "U2" not in first["url"]
    assert second["doi"] == "10.1000/hbr.example.2004.01"
    assert (first["pages"], second["pages"]) == ("61–69", "74–81")
    # one note for the file, at the first run-on line; the N1 that quotes 'DO  - ' is not split
    assert kinds(log) == [("info", 12, "ris-run-on")]
    assert "and 3 more lines" in log[0].message and "UR, U2" in log[0].message
    assert (report.openings, report.imported) == (2, 2)


def test_rayyan_run_on_tags_in_a_small_file(tmp_path):
    path = tmp_path / "rayyan.ris"
    path.write_text("TY  - JOUR\nTI  - A title - with a dash  and spaces\nDO  - 10.1/x LK  - https://l.example\n"
                    "AB  - An abstract that quotes ER  - as text\nER  -\n")
    rows, log, _ = read_ris(path, path.name)
    assert rows[0]["title"] == "A title - with a dash and spaces"  # not split: a title is prose
    assert rows[0]["doi"] == "10.1/x"
    assert kinds(log)[0] == ("info", 3, "ris-run-on") and "line 3 holds the tags DO, LK" in log[0].message


def test_pubmed_medline_file_named_ris_is_read_as_medline():
    rows, log, report = load("pubmed-export-named.ris")
    nurse, zaleznik = rows
    assert nurse["title"] == "Nurse manager support: how do staff nurses define it?"  # over lines
    assert people(nurse) == [("Schmalenberg", "Claudia", "", ""), ("Kramer", "Marlene", "", "")]  # FAU
    assert (nurse["year"], nurse["month"], nurse["container"]) == (2009, 8, "Critical care nurse")
    assert (nurse["volume"], nurse["number"], nurse["pages"]) == ("29", "4", "61–69")  # PG 61-9
    assert nurse["doi"] == "10.4037/ccn2009366"  # from LID … [doi], not the [pii]
    assert nurse["url"] == "https://pubmed.ncbi.nlm.nih.gov/19648594/"
    assert nurse["citekey"] == "schmalenbergNurseManagerSupport2009"  # the PMID is no citekey
    # AU alone ('Family Initials', capitals too), and a group author (CN) after the people
    assert people(zaleznik) == [("ZALEZNIK", "A.", "", ""), ("Pérez-de la Fuente", "R.", "", ""),
                                ("Leadership Study Group", "", "", "")]
    assert (zaleznik["year"], zaleznik["month"], zaleznik["pages"]) == (1977, 5, "67–78")
    assert kinds(log) == [("info", None, "ris-medline"), ("error", 62, "medline-no-title")]
    assert "PubMed/MEDLINE" in log[0].message and "TY" not in log[0].action  # not told to add a TY line
    assert (report.openings, report.imported, report.failed) == (3, 2, [62]) and accounted(report)


def test_pubmed_nbib_suffix_is_read_as_medline(tmp_path):
    copy = tmp_path / "pubmed-export.nbib"
    shutil.copy(QUIRKS / "pubmed-export-named.ris", copy)
    rows, log, _ = read_references(copy, copy.name)
    assert [r["line"] for r in rows] == [1, 42]
    assert kinds(log) == [("error", 62, "medline-no-title")]  # no note: the name says what it is
    other = tmp_path / "notes.nbib"
    other.write_text("TY  - JOUR\nTI  - RIS, not MEDLINE\nER  - \n")
    assert kinds(read_medline(other, other.name)[1]) == [("error", None, "medline-format")]
    empty = tmp_path / "empty.nbib"
    empty.write_text("")
    assert kinds(read_medline(empty, empty.name)[1]) == [("info", None, "medline-empty")]


def test_endnote_record_numbers_are_not_citekeys():
    taken: set[str] = set()
    first, log, _ = load("endnote-record-numbers.ris", taken)
    other, other_log, report = load("endnote-other-library.ris", taken)
    assert [r["citekey"] for r in first] == ["kotterWhatLeadersReally1990", "zaleznikManagersLeadersAre1977",
                                             "Kotter1990Force"]  # an ID that is a key is still used
    assert [r["citekey"] for r in other] == ["schmalenbergNurseManagerSupport2009"]
    assert "889" not in taken and list(log) == [] and list(other_log) == []
    assert report.duplicates == []  # two libraries' record 889 do not clash
    assert first[0]["pages"] == "103–111" and first[0]["doi"] == "10.1000/hbr.example.1990.05"


def test_ris_names_family_initials_and_family_given():
    rows, log, _ = load("eppi-reviewer-names.ris")
    eppi, every_form, zotero = rows
    assert people(eppi) == [("Schmalenberg", "C.", "", ""), ("Kramer", "M.", "", "")]
    assert eppi["authors"] == "Schmalenberg, C.; Kramer, M." and eppi["_author"] == "Schmalenberg & Kramer"
    assert people(every_form) == [
        ("Brownstein", "C. D.", "", ""),  # 'Brownstein C D'
        ("Dos Santos", "H. B.", "", ""),  # 'Dos Santos' then 'H B', put back together
        ("Berg", "A.", "van der", ""),  # 'van der Berg A'
        ("Pereda-Suberbiola", "X.", "", ""),
        ("Jalil", "N. E.", "", ""),
        ("World Health Organization", "", "", ""),  # no initials: an institution, whole
    ]
    assert people(zotero) == [
        ("Brownstein", "Chase Doran", "", ""), ("Dos Santos", "H.B.", "", ""), ("Berg", "Anna", "van der", ""),
        ("Kotter", "J.P.", "", ""), ("King", "Martin Luther", "", "Jr.")]
    assert zotero["authors"].startswith("Brownstein, C. D.; Dos Santos, H. B.; van der Berg, A.; Kotter, J. P.")
    assert eppi["url"] == "https://www.embase.example.org/search/results?subaction=viewrecord&id=L70011001&from=export"
    assert list(log) == []


def test_ris_names_that_are_not_family_initials_stay_whole(tmp_path):
    path = tmp_path / "groups.ris"
    path.write_text("TY  - RPRT\nTI  - Report\nAU  - Department of Health UK\nAU  - WHO\nAU  - NHS Scotland\n"
                    "PY  - 2020\nER  - \n")
    rows, _, _ = read_ris(path, path.name)
    assert [p.family for p in rows[0]["_people"]] == ["Department of Health UK", "WHO", "NHS Scotland"]


def test_csl_bce_year_is_kept_negative():
    rows, log, report = load("csl-bce-years.json")
    assert [r["year"] for r in rows] == [-375, -2012, -500, 1990]
    assert [r["citekey"] for r in rows] == ["platoRepublic", "ptahhotepInstructions", "sunziArtWar", "kotter1990"]
    assert list(log) == [] and accounted(report)
    frame = sources_frame(rows)
    assert frame["year"].tolist() == [-375, -2012, -500, 1990]  # Int64 keeps the sign


def test_csl_bce_year_is_cited_as_apa_writes_it():
    rows, _, _ = load("csl-bce-years.json")
    frame = sources_frame(rows)
    assert frame["author_year"].tolist()[:2] == ["Plato, 375 B.C.E.", "Ptahhotep, 2012 B.C.E."]
    assert frame["reference"].tolist()[0].startswith("Plato. (375 B.C.E.). The Republic")


def test_ris_double_hyphen_is_a_dash_in_pages_only(tmp_path):
    path = tmp_path / "dashes.ris"
    path.write_text("TY  - JOUR\nTI  - Leading -- and managing\nAU  - Kotter, John P.\nPY  - 1990\n"
                    "SP  - 103--111\nER  - \n", encoding="utf-8")
    rows, log, _ = read_ris(path, path.name)
    assert rows[0]["title"] == "Leading -- and managing" and rows[0]["pages"] == "103–111"


def test_csl_bce_year_makes_a_key_with_its_sign(tmp_path):
    path = tmp_path / "bce.json"
    path.write_text('[{"title": "The Republic", "author": [{"literal": "Plato"}], "issued": "-375"}]')
    rows, log, _ = read_csl_json(path, path.name)
    assert rows[0]["citekey"] == "platoRepublic-375" and rows[0]["year"] == -375
    assert list(log) == []


MEDLINE_LINES = ["PMID- 19648594", "PMID- ", "TI  - Nurse manager support.", "TI  - ", "      continued title",
                 "FAU - Schmalenberg, Claudia", "AU  - Schmalenberg C", "AU  - WATSON JD", "CN  - A Group",
                 "DP  - 2009 Aug", "DP  - 1977 May-Jun", "DP  - n.d.", "PG  - 61-9", "PG  - e123",
                 "LID - 10.4037/ccn2009366 [doi]", "AID - ccn2009366 [pii]", "JT  - Critical care nurse",
                 "BTI - A Book", "", "TY  - JOUR", "junk"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.sampled_from(MEDLINE_LINES), max_size=30), newline=st.sampled_from(["\n", "\r\n"]))
def test_no_medline_record_is_lost_silently(tmp_path, lines, newline):
    path = tmp_path / "any.nbib"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    rows, log, report = read_medline(path, path.name)
    assert report.openings == sum(1 for line in lines if line.startswith("PMID-")) and accounted(report)
    keys = [row["citekey"] for row in rows]
    assert len(keys) == len(set(keys))


def test_google_scholar_initials_run_together_after_a_given_name(tmp_path):
    path = tmp_path / "scholar.ris"
    path.write_text("TY  - JOUR\nT1  - A review\nA1  - Benson, Roger BJ\nA1  - Hone, David WE\n"
                    "A1  - CROUDACE, ANGUS D.\nY1  - 2018\nER  - \n")
    rows, _, _ = read_ris(path, path.name)
    assert [p.given for p in rows[0]["_people"]] == ["Roger B. J.", "David W. E.", "ANGUS D."]
    assert rows[0]["authors"].startswith("Benson, R. B. J.; Hone, D. W. E.")


def test_ieee_names_initials_then_family(tmp_path):
    path = tmp_path / "ieee.ris"
    path.write_text("TY  - JOUR\nTI  - Level sets\nT2  - IEEE Transactions on Management\nAU  - C. Li\n"
                    "AU  - M. D. Fox\nAU  - J.-P. van der Berg\nAU  - U.S. Department of Labor\n"
                    "AU  - J. Paul Getty Trust\nPY  - 2010\nDO  - 10.1000/example.2010\nER  - \n")
    rows, log, _ = read_ris(path, path.name)
    assert people(rows[0]) == [("Li", "C.", "", ""), ("Fox", "M. D.", "", ""), ("Berg", "J.-P.", "van der", ""),
                               ("U.S. Department of Labor", "", "", ""), ("J. Paul Getty Trust", "", "", "")]
    assert rows[0]["citekey"] == "liLevelSets2010" and list(log) == []


def test_a4_is_the_translator_as_zotero_writes_it(tmp_path):
    """Zotero's RIS writes a book's translator as A4 (an EndNote 'Translator' too); APA 7 names
    them ("Trans."). A conference paper's A4 is a contributor, not a translator."""
    path = tmp_path / "zotero.ris"
    path.write_text(
        "TY  - BOOK\r\nTI  - General and industrial management\r\nAU  - Fayol, Henri\r\nA4  - Storrs, Constance\r\n"
        "PY  - 1949\r\nPB  - Pitman\r\nER  - \r\n\r\n"
        "TY  - CONF\r\nTI  - A paper\r\nAU  - Li, C.\r\nA4  - Fox, M. D.\r\nPY  - 2020\r\nER  - \r\n",
        encoding="utf-8")
    rows, log, report = read_ris(path, "zotero.ris")
    frame = sources_frame(rows)
    assert frame["translators"].tolist() == ["Storrs, C.", ""]
    assert frame["authors"].tolist() == ["Fayol, H.", "Li, C."]
