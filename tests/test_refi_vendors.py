"""REFI-QDA projects and codebooks as NVivo, ATLAS.ti, MAXQDA and QualCoder write them → the coders' files.

Each fixture in tests/fixtures/refi/ reproduces one vendor's way of writing (its README says which
behaviours are confirmed from real exports and which inferred). A test zips the fixture's folder
into a .qdpx, imports it into a small review of four works (built in tmp_path from
tests/fixtures/refi/review/ and the bundled codebook), and checks that each coding lands on
exactly the words the vendor's positions mean, with the competency, framing and memo intended.
"""

from __future__ import annotations

import functools
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, coder_file, problems_of, read_rows
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.inputs.project import init_review
from litcoder.screens.refi import import_exchange

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"
SCHEMAS = ROOT.parent / "shared" / "schemas" / "refi-qda"


@pytest.fixture
def review(tmp_path) -> Path:
    """A review of four works whose texts hold emoji (outside the BMP) and accented letters."""
    root = tmp_path / "review"
    init_review(root)
    shutil.copy(ROOT / "corpus" / "codebook.yaml", root / "corpus" / "codebook.yaml")
    shutil.copy(FIXTURES / "review" / "references.bib", root / "references.bib")
    for text in (FIXTURES / "review" / "sources").iterdir():
        shutil.copy(text, root / "corpus" / "sources" / text.name)
    return root


def qdpx(name: str, folder: Path, change=None) -> Path:
    """The fixture folder zipped as a .qdpx, its entries named exactly as its files (`change`: of the .qde's bytes)."""
    archive = folder / f"{name}.qdpx"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted((FIXTURES / name).rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                zipped.writestr(path.relative_to(FIXTURES / name).as_posix(),
                                change(data) if change and path.suffix == ".qde" else data)
    return archive


def run(root: Path, name: str, change=None, **options):
    return import_exchange(Review.load(root), qdpx(name, root.parent, change), **options)


def codings(root: Path) -> set[tuple]:
    """(coder, citekey, quote, competency, framing, memo) of every coding, each checked to sit at its offsets."""
    review = Review.load(root)
    assert problems_of(review, "coding-orphan") == []
    found = set()
    for row in review.codings.itertuples():
        assert review.texts[row.citekey][row.start:row.end] == row.quote
        found.add((row.coder, row.citekey, row.quote, row.competency, row.framing, row.memo))
    return found


def kinds(result) -> set[str]:
    return {problem.kind for problem in result.problems}


# --- NVivo for Windows: UTF-16 units over CRLF, Sources/, a selection per code, memos as Links --------------

def test_nvivo_windows_offsets_in_utf16_over_crlf_place_the_quotes(review):
    result = run(review, "nvivo-windows")
    assert result.origin == "NVivo for Windows 12.6" and result.offsets.startswith("UTF-16 code units (told")
    assert result.sources == {"Reyes2020Compass": "Reyes2020Compass"}
    assert "refi-offsets" not in kinds(result) and not result.failed
    # the user named only as modifyingUser (Bo Lind) codes nothing; Ana Muñoz's name becomes a file name
    assert result.added == {"ana-munoz": 4} and sorted(p.name for p in (review / "corpus" / "codings").glob("*.csv")) \
        == ["ana-munoz.csv"]
    memo = "A date for every step: planning as a manager's routine."  # the Note's own .txt, linked to the span
    assert codings(review) == {
        ("ana-munoz", "Reyes2020Compass", "The manager, by contrast, drafts the yearly plan with a date for each step",
         "planning", "management", memo),
        ("ana-munoz", "Reyes2020Compass", "a leader 📚 points the way", "setting-vision", "leadership", ""),
        ("ana-munoz", "Reyes2020Compass", "checks it every month.", "planning", "management", ""),
        ("ana-munoz", "Reyes2020Compass", "Both jobs, she added, sit with one person", "planning", "management", ""),
    }


def test_a_selection_over_two_passages_becomes_a_coding_in_each(review):
    result = run(review, "nvivo-windows")
    assert "refi-passages" in kinds(result)
    rows = [r for r in read_rows(coder_file(review, "ana-munoz")) if r["quote"] in
            ("checks it every month.", "Both jobs, she added, sit with one person")]
    assert [(r["quote"], r["passage"]) for r in rows] == [("checks it every month.", "2"),
                                                          ("Both jobs, she added, sit with one person", "3")]


def test_nvivo_windows_rich_text_docx_beside_the_plain_text_is_never_opened(review, monkeypatch):
    archive, opened = qdpx("nvivo-windows", review.parent), []
    original = zipfile.ZipFile.open

    def recording(self, name, mode="r", *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording)
    import_exchange(Review.load(review), archive)
    assert opened and not [name for name in opened if name.endswith(".docx")]
    assert any(name.startswith("Sources/") for name in opened)  # the capital folder is read


ANA, BO = b"356d540a-008a-503c-8146-a2c0fe2162c0", b"014eb5ab-c86c-5b76-8e2e-f2e57508b1b8"


def test_nvivo_windows_annotation_is_kept_when_the_coding_user_is_not_the_selection_user(review):
    # as in the real NVivo 12.6 export: selections created by one user (Ana), their Codings by another (Bo)
    coded_at = b'" creationDateTime="2026-03-02T09:14:05Z"'  # only the Codings carry this time
    result = run(review, "nvivo-windows", change=lambda qde: qde.replace(ANA + coded_at, BO + coded_at))
    assert result.added == {"bo-lind": 4}
    memos = {memo for *_, memo in codings(review)}
    assert "A date for every step: planning as a manager's routine." in memos


def test_importing_the_same_project_again_adds_nothing(review):
    run(review, "nvivo-windows")
    before = coder_file(review, "ana-munoz").read_bytes()
    again = run(review, "nvivo-windows")
    assert again.added == {"ana-munoz": 0} and again.already_there == 4 and not again.failed
    assert coder_file(review, "ana-munoz").read_bytes() == before


# --- NVivo for Mac: one line, sorted attributes, UTF-16 over LF ----------------------------------------------

def test_nvivo_mac_single_line_export_in_utf16_over_lf_places_the_quotes(review):
    result = run(review, "nvivo-mac")
    assert result.offsets.startswith("UTF-16 code units (told") and "refi-offsets" not in kinds(result)
    assert result.added == {"sarafolau": 2}  # the User's name, not its id="SF"
    assert codings(review) == {
        ("sarafolau", "Bruckner2018Steering", "set a target for every quarter", "planning", "management", ""),
        ("sarafolau", "Bruckner2018Steering", "told them why the work mattered 🌱 and trusted them to decide",
         "empowering-others", "leadership", ""),
    }


def test_offsets_forced_to_the_wrong_unit_shift_the_quotes(review):
    # one emoji (🚧) comes before both selections: read as code points they start one character late
    result = run(review, "nvivo-mac", offsets="codepoints")
    assert result.offsets.endswith("(as asked)") and result.offsets.startswith("characters")
    assert {quote for _, _, quote, *_ in codings(review)} == {
        "et a target for every quarter",  # and a space, trimmed
        "old them why the work mattered 🌱 and trusted them to decide."}


# --- QualCoder: code points, BOMs, child framing codes, memos in Description ---------------------------------

def test_qualcoder_bom_code_points_child_framings_and_description_memos(review):
    result = run(review, "qualcoder", coder="lena")
    assert result.origin == "QualCoder 3.5" and result.offsets.startswith("characters (code points) (told")
    assert result.sources == {"Ortiz2021Quiet.txt": "Ortiz2021Quiet"}
    assert result.codes["management"] == "planning › management" and not result.failed
    # the selection with creatingUser="" goes to the coder given; the others to the User "default"
    assert result.added == {"default": 2, "lena": 1}
    assert codings(review) == {
        ("default", "Ortiz2021Quiet", "sets out the year's budget plan month by month", "planning", "management",
         "Month by month: the plan as a routine & a control."),
        ("default", "Ortiz2021Quiet", "describes where the service is heading in ten years 🔭", "setting-vision",
         "leadership", "Ten years out: the long view, told to everyone."),
        ("lena", "Ortiz2021Quiet", "authority in a public service is earned through small, visible acts",
         "setting-vision", "leadership", ""),
    }


def test_a_selection_with_an_empty_creating_user_and_no_coder_given_is_refused(review):
    result = run(review, "qualcoder")
    assert result.failed and "refi-no-coder" in kinds(result)
    assert {coder for coder, *_ in codings(review)} == {"default"}


# --- ATLAS.ti: Trial.qde, CRLF counted as one, several codes on one selection ---------------------------------

def test_atlas_project_named_after_itself_with_crlf_counted_as_one(review):
    result = run(review, "atlas")
    assert result.offsets.startswith("characters (code points), a line break (CRLF) counted as one (told")
    assert result.unknown_codes == {"Keeping the doors open": 2}  # named with its selections, not imported
    # the zero-length selection is named and left out; the unknown code is named
    assert {(p.kind, p.severity) for p in result.problems} == {("refi-selection", "info"), ("refi-code", "warning")}
    assert result.added == {"kim-ortega": 3}
    both = "set a target for every quarter and tracked the spending line by line"
    assert codings(review) == {
        ("kim-ortega", "Bruckner2018Steering", both, "planning", "management", ""),
        ("kim-ortega", "Bruckner2018Steering", both, "budgeting", "management", ""),
        ("kim-ortega", "Bruckner2018Steering", "told them why the work mattered 🌱 and trusted them to decide",
         "empowering-others", "leadership", "Trust handed down, not rules."),
    }


# --- MAXQDA: a comment is an uncoded selection with a Description -------------------------------------------

def test_maxqda_comment_on_a_coded_span_becomes_its_memo(review):
    result = run(review, "maxqda")
    assert result.origin == "MAXQDA 2022 (Release 22.4.0)"
    assert result.sources == {"Notes from the circulation desk": "Hale2016Desk"}  # by title
    assert codings(review) == {
        ("lena", "Hale2016Desk", "set the opening hours, ordered the supplies and wrote the monthly report",
         "reporting", "management", "All three done before the doors opened."),
    }


def test_a_file_without_emoji_or_crlf_says_nothing_about_offsets(review):
    # no character outside the BMP and no CRLF: every way of counting gives the same spans
    result = run(review, "maxqda")
    assert "the only reading" in result.offsets and kinds(result) == set()


# --- guids in braces and in either case ----------------------------------------------------------------------

def test_braced_guids_and_references_in_another_case_still_match(review):
    result = run(review, "braced-guids")
    assert not result.problems and result.added == {"zoe-hale": 2}
    assert codings(review) == {
        ("zoe-hale", "Hale2016Desk", "built the new timetable with them", "planning", "both", ""),
        ("zoe-hale", "Hale2016Desk", "asked the volunteers what mattered most", "facilitating-change", "leadership",
         ""),
    }


# --- users ---------------------------------------------------------------------------------------------------

def test_users_modifying_only_coding_user_and_unknown_user_with_a_coder_given(review):
    result = run(review, "users", coder="guest")
    assert not result.failed and "refi-offsets" not in kinds(result)
    assert codings(review) == {
        ("guest", "Ortiz2021Quiet", "earned through small, visible acts", "setting-vision", "leadership", ""),
        ("ana-munoz", "Ortiz2021Quiet", "sets out the year's budget plan month by month", "planning", "management",
         ""),
        # NVivo for Windows: the Coding's creatingUser, not the selection's, is who coded it
        ("bo-lind", "Ortiz2021Quiet", "describes where the service is heading in ten years 🔭", "setting-vision",
         "leadership", ""),
    }


def test_a_creating_user_not_among_the_users_needs_a_coder(review):
    result = run(review, "users")
    assert result.failed and [p.kind for p in result.problems if p.severity == "error"] == ["refi-no-coder"]
    assert not coder_file(review, "guest").exists()
    assert "earned through small, visible acts" not in {quote for _, _, quote, *_ in codings(review)}


# --- the unit of positions, told from the selections ----------------------------------------------------------

def test_the_same_selections_in_utf16_and_in_code_points_give_the_same_codings(review, tmp_path):
    utf16 = run(review, "offsets-utf16")
    assert utf16.offsets.startswith("UTF-16") and "refi-offsets" not in kinds(utf16)
    from_utf16 = codings(review)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copytree(review, other / "review")
    shutil.rmtree(other / "review" / "corpus" / "codings")
    (other / "review" / "corpus" / "codings").mkdir()
    points = run(other / "review", "offsets-codepoints")
    assert points.offsets.startswith("characters") and "refi-offsets" not in kinds(points)
    assert codings(other / "review") == from_utf16
    assert {quote for _, _, quote, *_ in from_utf16} == {
        "lets the team find the path", "drafts the yearly plan with a date for each step", "checks it every month",
        "that is where the strain shows"}


# --- sources matched by title, by text, by hand --------------------------------------------------------------

def test_sources_are_matched_by_title_text_and_source_option_and_the_rest_named(review):
    runner = CliRunner()
    archive = qdpx("source-matching", review.parent)
    done = runner.invoke(app, ["import", "qdpx", str(archive), "--review", str(review), "--source",
                               "Doc 7=Hale2016Desk"])
    assert done.exit_code == 0, done.output
    assert "not matched: 'Field notes' (1 selections)" in done.output
    assert codings(review) == {
        ("vera", "Bruckner2018Steering", "set a target for every quarter", "planning", "management", ""),
        ("vera", "Ortiz2021Quiet", "describes where the service is heading in ten years 🔭", "setting-vision",
         "leadership", ""),
        ("vera", "Hale2016Desk", "wrote the monthly report for the board", "planning", "management", ""),
    }


def test_a_source_that_cannot_be_matched_is_reported_with_its_selections(review):
    result = run(review, "source-matching")
    assert result.sources == {"Steering the reading room": "Bruckner2018Steering", "Interview 3": "Ortiz2021Quiet"}
    assert result.unmatched_sources == {"Doc 7": 1, "Field notes": 1}


# --- codebooks -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["atlas-0-4.qdc", "atlas-1-0-bom.qdc"])
def test_a_codebook_maps_the_known_codes_and_names_the_unknown(review, name):
    result = import_exchange(Review.load(review), FIXTURES / "codebooks" / name, dry_run=True)
    assert result.kind == "codebook" and not result.failed
    assert result.codes["Planning"] == "planning"
    assert result.codes["Setting a vision › leadership"] == "setting-vision › leadership"
    assert "Coffee and gossip" in result.unknown_codes and "refi-code" in kinds(result)
    assert "Bits and pieces" not in result.unknown_codes  # a folder (isCodable="false") is no code to map
    assert list((review / "corpus" / "codings").glob("*.csv")) == []  # a codebook brings no codings


def test_import_qdc_names_what_maps_and_what_does_not(review):
    done = CliRunner().invoke(app, ["import", "qdc", str(FIXTURES / "codebooks" / "atlas-1-0-bom.qdc"),
                                    "--review", str(review)])
    assert done.exit_code == 0, done.output
    assert "codes: 3 mapped to the codebook, 2 not in it" in done.output
    assert "Coffee and gossip" in done.output and "Rota drawing" in done.output


# --- the fixtures themselves ---------------------------------------------------------------------------------

def test_the_fixtures_keep_the_bytes_vendors_write():
    nvivo = next((FIXTURES / "nvivo-windows" / "Sources").glob("*.txt"))
    assert b"\r\n" in nvivo.read_bytes() and b"\r\n" in next((FIXTURES / "atlas" / "sources").glob("*")).read_bytes()
    assert next((FIXTURES / "qualcoder" / "sources").glob("*")).read_bytes().startswith(b"\xef\xbb\xbf")
    assert (FIXTURES / "qualcoder" / "project.qde").read_bytes().startswith(b"\xef\xbb\xbf<?xml")
    assert (FIXTURES / "codebooks" / "atlas-1-0-bom.qdc").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r" not in next((FIXTURES / "nvivo-mac" / "sources").glob("*.txt")).read_bytes()


KNOWN_INVALID = {"qualcoder/project.qde": "creatingUser=''", "codebooks/atlas-0-4.qdc": "codebook:0:4"}


@functools.cache
def schema(name: str):
    return pytest.importorskip("xmlschema").XMLSchema(str(SCHEMAS / name))


@pytest.mark.parametrize("path", sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.q*")
                                        if p.suffix in (".qde", ".qdc")))
def test_the_fixtures_are_valid_refi_qda_except_where_the_vendor_is_not(path):
    name = "Codebook.xsd" if path.endswith(".qdc") else "Project.xsd"
    if not (SCHEMAS / name).exists():
        pytest.skip(f"the REFI-QDA schemas are not beside the project ({SCHEMAS / name})")
    errors = list(schema(name).iter_errors((FIXTURES / path).read_bytes().decode("utf-8-sig")))
    if path in KNOWN_INVALID:
        assert errors and KNOWN_INVALID[path] in str(errors[0])
    else:
        assert errors == []
