"""How the literature was selected: searches, duplicates, screening, each work's path, the PRISMA
2020 counts and the screeners' agreement, checked by hand on a small review."""

from __future__ import annotations

import pytest

from litcoder import Review
from litcoder.analysis.selection import flow, screening_agreement
from litcoder.inputs.screening import selection_problems

TOML = """
[screening]
reasons = ["not about leadership or management", "no competencies named"]
screeners = 2

[[searches]]
id = "lista"
method = "database"
source = "LISTA (EBSCOhost)"
date = 2026-09-02
query = "leadership AND management AND competenc*"
file = "corpus/searches/lista.ris"

[[searches]]
id = "cites"
method = "other"
source = "Citation searching"
date = "2026-09-20"
query = "reference lists of the included works"
file = "corpus/searches/cites.bib"

[[searches]]
id = "bsc"
method = "database"
source = "Business Source Complete (EBSCOhost)"
date = "2026-09-03"
query = "leadership AND management"
file = "corpus/searches/bsc.bib"
"""

# An EBSCOhost RIS export: CRLF line ends, N2 abstracts, Y1 dates with slashes, accession numbers.
LISTA = "\r\n".join([
    "TY  - JOUR", "AU  - Ward, Ann", "T1  - Leading the branch library", "JO  - Library Leadership & Management",
    "Y1  - 2012/01//", "VL  - 26", "IS  - 1", "SP  - 1", "EP  - 12", "DO  - 10.5555/llm.2012.1",
    "N2  - Our summary: what branch heads say leading is.", "AN  - 100001", "DB  - lih", "DP  - EBSCOhost", "ER  - ",
    "", "TY  - JOUR", "AU  - Ortiz, Bea", "T1  - Managers and their budgets", "JO  - Public Library Quarterly",
    "Y1  - 2015///", "AN  - 100002", "ER  - ", "",
    "TY  - JOUR", "AU  - Chen, Li", "T1  - Leadership in basketball teams", "JO  - Sport Management Review",
    "Y1  - 2018/03//", "AN  - 100003", "ER  - ", "",
    "TY  - JOUR", "AU  - Nagy, Eva", "T1  - Competencies of library directors",
    "JO  - Journal of Library Administration", "Y1  - 2009///", "AN  - 100004", "ER  - ", "",
    "TY  - JOUR", "AU  - Ruiz, Tom", "T1  - Supervising in small libraries", "JO  - Library Management",
    "Y1  - 2020///", "AN  - 100005", "ER  - ", ""])
BSC = """@article{ward2012,
  author = {Ward, Ann}, title = {Leading the Branch Library}, journal = {Library Leadership \\& Management},
  year = {2012}, doi = {https://doi.org/10.5555/LLM.2012.1}}
@article{ortiz2015,
  author = {Ortiz, Bea}, title = {Managers and Their Budgets}, journal = {Public Library Quarterly}, year = {2015}}
@article{ito2011,
  author = {Ito, Ken}, title = {Leading a Parliament}, journal = {Political Studies}, year = {2011}}
"""
CITES = """@article{a, author = {Ward, Ann}, title = {Leading the branch library}, year = {2012},
  doi = {10.5555/llm.2012.1}}
@book{b, author = {Sato, Mia}, title = {Managing and Leading Libraries}, publisher = {ALA Editions}, year = {2016}}
"""
BIB = """@article{Ward2012Leading, author = {Ward, Ann}, title = {Leading the branch library},
  journal = {Library Leadership \\& Management}, year = {2012}, doi = {10.5555/llm.2012.1}}
@book{Sato2016Managing, author = {Sato, Mia}, title = {Managing and leading libraries}, publisher = {ALA Editions},
  year = {2016}}
@article{Ortiz2015Managers, author = {Ortiz, Bea}, title = {Managers and their budgets},
  journal = {Public Library Quarterly}, year = {2015}}
"""
HEAD = "record,stage,decision,reason,note,screened_at\n"
S1 = HEAD + """lista:1,title-abstract,include,,,2026-09-10T09:00:00+00:00
lista:2,title-abstract,include,,,2026-09-10T09:01:00+00:00
lista:3,title-abstract,exclude,not about leadership or management,,2026-09-10T09:02:00+00:00
lista:4,title-abstract,exclude,no competencies named,,2026-09-10T09:03:00+00:00
lista:5,title-abstract,exclude,no competencies named,,2026-09-10T09:04:00+00:00
bsc:3,title-abstract,exclude,not about leadership or management,,2026-09-10T09:05:00+00:00
lista:1,full-text,include,,,2026-09-20T09:00:00+00:00
lista:2,full-text,exclude,no competencies named,,2026-09-20T09:01:00+00:00
lista:4,full-text,not-retrieved,,,2026-09-20T09:02:00+00:00
lista:3,full-text,exclude,no competencies named,,2026-09-20T09:03:00+00:00
cites:2,full-text,include,,,2026-09-21T09:00:00+00:00
"""
S2 = HEAD + """lista:1,title-abstract,include,,,2026-09-11T10:00:00+00:00
lista:2,title-abstract,maybe,,unsure,2026-09-11T10:01:00+00:00
lista:3,title-abstract,exclude,not about leadership or management,,2026-09-11T10:02:00+00:00
lista:4,title-abstract,include,,,2026-09-11T10:03:00+00:00
bsc:1,title-abstract,exclude,no competencies named,,2026-09-11T10:04:00+00:00
bsc:3,title-abstract,exclude,no competencies named,,2026-09-11T10:05:00+00:00
lista:1,full-text,include,,,2026-09-21T10:00:00+00:00
lista:2,full-text,exclude,no competencies named,,2026-09-21T10:01:00+00:00
lista:4,full-text,not-retrieved,,,2026-09-21T10:02:00+00:00
lista:3,full-text,exclude,no competencies named,,2026-09-21T10:03:00+00:00
cites:2,full-text,include,,,2026-09-22T10:00:00+00:00
"""
RESOLVED = """record,stage,decision,reason,resolved_by,resolved_on,note
lista:4,title-abstract,include,,member-k,2026-09-15,names competencies in its abstract
"""


@pytest.fixture
def small(tmp_path):
    """A review with two database searches and one of other methods, screened by two screeners."""
    (tmp_path / "corpus/searches").mkdir(parents=True)
    (tmp_path / "corpus/screening").mkdir()
    (tmp_path / "litcoder.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "references.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "corpus/searches/lista.ris").write_bytes(("\ufeff" + LISTA).encode("utf-8"))
    (tmp_path / "corpus/searches/bsc.bib").write_text(BSC, encoding="utf-8")
    (tmp_path / "corpus/searches/cites.bib").write_text(CITES, encoding="utf-8")
    (tmp_path / "corpus/screening/member-h.csv").write_text(S1, encoding="utf-8")
    (tmp_path / "corpus/screening/member-j.csv").write_text(S2, encoding="utf-8")
    (tmp_path / "corpus/screening-resolved.csv").write_text(RESOLVED, encoding="utf-8")
    return tmp_path


def _problems(review, kind):
    return [p for p in review.problems if p.kind == kind]


def test_records_are_named_by_their_place_and_duplicates_keep_the_first_searchs(small):
    selection = Review.load(small).selection
    records = selection.records.set_index("record")
    assert list(selection.searches["search"]) == ["lista", "bsc", "cites"]  # databases before other methods
    assert list(selection.searches["records"]) == [5, 3, 2]
    assert records.loc["lista:1", "abstract"] == "Our summary: what branch heads say leading is."
    assert records.loc["bsc:1", "duplicate_of"] == "lista:1" and "same DOI" in records.loc["bsc:1", "why"]
    assert records.loc["bsc:2", "duplicate_of"] == "lista:2" and "same title, year" in records.loc["bsc:2", "why"]
    assert records.loc["cites:1", "duplicate_of"] == "lista:1"
    assert records.loc["bsc:3", "duplicate_of"] == ""
    assert dict(records["citekey"][records["citekey"] != ""]) == {
        "lista:1": "Ward2012Leading", "lista:2": "Ortiz2015Managers", "bsc:1": "Ward2012Leading",
        "bsc:2": "Ortiz2015Managers", "cites:1": "Ward2012Leading", "cites:2": "Sato2016Managing"}


def test_each_work_ends_where_the_last_stage_decided_it(small):
    review = Review.load(small)
    ends = review.selection.paths.set_index("work")
    assert ends.loc["lista:1", ["outcome", "stage"]].tolist() == ["included", "full-text"]
    assert ends.loc["lista:2", ["title_abstract", "outcome", "reason"]].tolist() == [
        "include", "excluded", "no competencies named"]  # include and maybe pass it on
    # excluded on its title, and again at full text for another reason: counted once, at full text
    assert ends.loc["lista:3", ["title_abstract", "outcome", "stage", "reason"]].tolist() == [
        "exclude", "excluded", "full-text", "no competencies named"]
    assert ends.loc["lista:4", ["title_abstract", "outcome"]].tolist() == ["include", "not retrieved"]  # resolved
    assert ends.loc["lista:5", ["outcome", "stage"]].tolist() == ["awaiting screening", "title-abstract"]
    assert ends.loc["bsc:3", ["outcome", "stage", "reason", "full_text"]].tolist() == [
        "excluded", "title-abstract", "", ""]  # its screeners gave two reasons; full text never reached
    assert ends.loc["lista:5", "full_text"] == ""
    assert ends.loc["cites:2", ["title_abstract", "outcome"]].tolist() == ["", "included"]
    assert ends.loc["bsc:1", "outcome"] == "duplicate"
    # bsc:1 is a duplicate: member-j's decision on it counts for lista:1, and says so
    [moved] = _problems(review, "screening-duplicate")
    assert moved.line == 6 and "counts for lista:1" in moved.message


def test_the_flow_diagrams_counts_by_hand(small):
    counts = flow(Review.load(small).selection)
    left, right = counts.databases, counts.other
    assert left.identified == [("LISTA (EBSCOhost)", 5), ("Business Source Complete (EBSCOhost)", 3)]
    assert (left.records, left.duplicates, left.screened, left.screened_excluded) == (8, 2, 6, 1)
    assert (left.sought, left.not_retrieved, left.assessed, left.included) == (4, 1, 3, 1)
    assert left.excluded == [("no competencies named", 2)]
    assert left.screened_reasons == [("no agreed reason", 1)]
    assert left.waiting == {"title and abstract: awaiting screening": 1}
    assert right.identified == [("Citation searching", 2)]
    assert (right.duplicates, right.screened, right.sought, right.not_retrieved, right.assessed, right.included) == (
        1, 0, 1, 0, 1, 1)
    assert counts.included == 2
    # every box equals the works in that state, and the boxes add up
    assert left.screened == left.screened_excluded + left.sought + sum(left.waiting.values())
    assert left.assessed == sum(n for _, n in left.excluded) + left.included


def test_screening_agreement_against_a_hand_computed_kappa(small):
    table = screening_agreement(Review.load(small).selection, resamples=200).set_index("stage")
    titles = table.loc["title-abstract"]
    # 5 records both screened; they agree on 3. member-h: include .4, exclude .6; member-j: include .4,
    # exclude .4, maybe .2; chance agreement .4*.4 + .6*.4 = .40; kappa (.6 - .4) / (1 - .4) = 1/3
    assert (titles["screener_a"], titles["screener_b"], titles["records"]) == ("member-h", "member-j", 5)
    assert titles["agreement"] == pytest.approx(0.6) and titles["kappa"] == pytest.approx(1 / 3)
    assert titles["kappa_low"] <= titles["kappa"] <= titles["kappa_high"]
    full = table.loc["full-text"]
    assert (full["records"], full["agreement"]) == (5, 1.0)


def test_a_coded_source_that_was_excluded_and_an_included_work_that_is_no_source_are_reported(small):
    review = Review.load(small)
    log = selection_problems(review.selection, review.sources, coded={"Ortiz2015Managers"})
    [coded] = [p for p in log if p.kind == "selection-excluded-coded"]
    assert "Ortiz2015Managers is coded, but its record lista:2 was excluded at full text (no competencies named)" \
        in coded.message
    # an included source without its text yet: the corpus says so, at its entry
    assert {p.message.split()[0] for p in review.problems if p.kind == "source-no-text"} >= {"Ward2012Leading",
                                                                                            "Sato2016Managing"}
    (small / "references.bib").write_text(BIB.split("@book")[0], encoding="utf-8")  # Sato's book leaves
    [missing] = _problems(Review.load(small), "selection-no-source")
    assert (missing.file, missing.line) == ("corpus/searches/cites.bib", 3)
    assert missing.message.startswith("cites:2 (Managing and Leading Libraries) was included at screening")


def test_a_source_in_no_search_is_named(small):
    with (small / "references.bib").open("a", encoding="utf-8") as f:
        f.write("@book{Drucker1967Effective, author = {Drucker, Peter F.}, title = {The Effective Executive}, "
                "publisher = {Harper \\& Row}, year = {1967}}\n")
    [named] = _problems(Review.load(small), "selection-unsearched")
    assert (named.file, named.line) == ("references.bib", 7)
    assert named.message.startswith("Drucker1967Effective is in no search's export")


@pytest.mark.parametrize(("row", "kind", "said"), [
    ("lista:9,title-abstract,include,,,", "screening-record", "record 'lista:9' is in no search's export"),
    ("lista:1,abstract,include,,,", "screening-stage", "stage 'abstract' is not a stage"),
    ("lista:1,title-abstract,not-retrieved,,,", "screening-decision", "'not-retrieved' is not a decision at title"),
    ("lista:1,full-text,yes,,,", "screening-decision", "'yes' is not a decision at full text"),
    ("lista:5,title-abstract,exclude,off topic,,", "screening-reason", "'off topic' is not one of the committee's"),
    ("lista:5,title-abstract,exclude,,,yesterday", "screening-reason", "no reason is given"),
])
def test_a_bad_screening_row_is_named_at_its_line_and_the_others_count(small, row, kind, said):
    with (small / "corpus/screening/member-j.csv").open("a", encoding="utf-8") as f:
        f.write(row + "\n")
    review = Review.load(small)
    [problem] = _problems(review, kind)
    assert problem.file == "corpus/screening/member-j.csv" and problem.line == 13 and said in problem.message
    assert len(review.selection.decisions) >= 21


@pytest.mark.parametrize(("old", "new", "said"), [
    ('id = "bsc"', 'id = "BSC!"', "a search's id must be lower-case letters"),
    ('method = "other"', 'method = "friends"', "method 'friends' is not one of database, register, other"),
    ('file = "corpus/searches/bsc.bib"', 'file = "corpus/searches/gone.ris"', "gone.ris, is missing"),
    ('file = "corpus/searches/bsc.bib"', 'file = "../outside.ris"', "lies outside the review"),
    ('id = "bsc"', 'id = "lista"', "a search with id 'lista' is already listed"),
    ("screeners = 2", "screeners = 0", "screening.screeners must be a whole number from 1 to 10"),
    ('reasons = ["not', 'reasons = [3, "not', "screening.reasons must be a list of reasons"),
])
def test_a_bad_search_or_screening_setting_is_named_and_the_rest_is_read(small, old, new, said):
    path = small / "litcoder.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    review = Review.load(small)
    found = [p for p in review.problems if said in p.message]
    assert found and found[0].line, [str(p) for p in review.problems]
    assert "Traceback" not in found[0].message and not review.selection.searches.empty


def test_the_screening_command_says_where_the_selection_stands(small):
    import subprocess
    import sys

    for screener, row in (("member-h", "include,"), ("member-j", "exclude,no competencies named")):
        with (small / f"corpus/screening/{screener}.csv").open("a", encoding="utf-8") as f:
            f.write(f"lista:5,title-abstract,{row},,2026-09-12T09:00:00+00:00\n")
    done = subprocess.run([sys.executable, "-m", "litcoder", "screening", str(small), "--resamples", "100"],
                          capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "10 records; 3 duplicates removed; 6 screened on title and abstract, 1 excluded" in done.stdout
    assert "title and abstract: 1 conflict: lista:5" in done.stdout
    assert "lista:5 at title and abstract: member-h include; member-j exclude (no competencies named)" in done.stdout
    assert "agreement 50%, Cohen's kappa" in done.stdout


def test_the_committee_can_say_two_records_are_or_are_not_one_work(small):
    path = small / "litcoder.toml"
    text = path.read_text(encoding="utf-8").replace(
        "screeners = 2", 'screeners = 2\ndistinct = [["lista:2", "bsc:2"]]\nsame = [["lista:5", "bsc:3"], ["lista:7"]]')
    path.write_text(text, encoding="utf-8")
    review = Review.load(small)
    records = review.selection.records.set_index("record")
    assert records.loc["bsc:2", "duplicate_of"] == ""  # a reprint the rule paired, set apart
    assert records.loc["bsc:3", "duplicate_of"] == "lista:5"
    assert records.loc["bsc:3", "why"].startswith("named the same work in screening.same")
    [unknown] = [p for p in review.problems if p.kind == "settings-screening"]
    assert "screening.same names 'lista:7', which no search has" in unknown.message and unknown.line == 6
