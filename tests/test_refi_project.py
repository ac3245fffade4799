"""The coded project as a REFI-QDA Project Exchange file (.qdpx), and the same file read back.

The export is checked against the published Project.xsd; the layout it follows is the one
real tools write (research notes in /tmp/refi_research.md): `project.qde` at the root and each
text as `sources/<guid>.txt` named by `plainTextPath="internal://<guid>.txt"` (CONFIRMED for
NVivo and QualCoder), positions zero-based with an exclusive end (CONFIRMED in practice), in
code points as QualCoder counts them (CONFIRMED) or in UTF-16 units as NVivo does (CONFIRMED).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import ROOT, coder_file, read_rows
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.inputs.codebook import FRAMINGS
from litcoder.inputs.refi import PROJECT_NAMESPACE, guid
from litcoder.outputs.refi import codebook_xml, project_archive
from litcoder.screens.refi import import_exchange
from litcoder.store import history_path

xmlschema = pytest.importorskip("xmlschema")
SCHEMAS = ROOT.parent / "shared" / "schemas" / "refi-qda"
Q = {"q": PROJECT_NAMESPACE}
COMPARED = ["coder", "citekey", "passage", "competency", "framing", "memo", "start", "end"]


@pytest.fixture(scope="module")
def schema():
    if not (SCHEMAS / "Project.xsd").exists():
        pytest.skip(f"the REFI-QDA schemas are not beside the project ({SCHEMAS})")
    return xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd"))


@pytest.fixture(scope="module")
def exported(bundled):
    """The bundled review's archive: its bytes, its counts, its zip and its parsed project.qde."""
    data, counts = project_archive(bundled)
    archive = zipfile.ZipFile(io.BytesIO(data))
    return data, counts, archive, ET.fromstring(archive.read("project.qde"))


def placed(review: Review):
    codings = review.codings
    return codings[codings["start"].notna() & codings["anchored"] & codings["citekey"].map(bool)]


def by_guid(root) -> dict:
    return {element.get("guid"): element for element in root.iter() if element.get("guid")}


def texts_of(archive: zipfile.ZipFile, root) -> dict[str, bytes]:
    """Each TextSource's text file's bytes, by source name."""
    return {source.get("name"): archive.read("sources/" + source.get("plainTextPath").removeprefix("internal://"))
            for source in root.iterfind("q:Sources/q:TextSource", Q)}


def copy_review(source: Path, target: Path) -> Path:
    for name in ("references.bib", "litcoder.toml"):
        shutil.copy(source / name, target / name)
    shutil.copytree(source / "corpus", target / "corpus", ignore=shutil.ignore_patterns("*.lock"))
    return target


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def comparable(codings) -> list[tuple]:
    # a quote typed with a space where the text breaks a line comes back as the text has it
    return sorted((*(str(value) for value in row[:-1]), squeezed(row[-1]))
                  for row in codings[COMPARED + ["quote"]].itertuples(index=False))


# ------------------------------------------------------------------------ the export

def test_the_bundled_project_is_valid_against_the_published_schema(exported, schema):
    _, counts, archive, _ = exported
    assert archive.namelist()[0] == "project.qde"
    schema.validate(archive.read("project.qde").decode("utf-8"))
    assert counts["codings"] > 300 and counts["coders"] == 3


def test_each_source_with_text_is_a_text_source_whose_file_is_the_text_litcoder_codes(bundled, exported):
    _, counts, archive, root = exported
    with_text = {citekey: text for citekey, text in bundled.texts.items() if text}
    files = texts_of(archive, root)
    assert set(files) == set(with_text) and counts["sources"] == len(with_text)
    for citekey, data in files.items():
        assert not data.startswith(b"\xef\xbb\xbf")  # no BOM: positions count from the first character
        assert data.decode("utf-8") == with_text[citekey]


def test_each_placed_coding_is_a_selection_of_its_span_coded_to_its_framing_code(bundled, exported):
    _, counts, archive, root = exported
    codings = placed(bundled)
    files = {name: data.decode("utf-8") for name, data in texts_of(archive, root).items()}
    elements = by_guid(root)
    selections = {s.get("guid"): (source.get("name"), s) for source in root.iterfind("q:Sources/q:TextSource", Q)
                  for s in source.iterfind("q:PlainTextSelection", Q)}
    assert len(selections) == len(codings) == counts["codings"]
    for coding in codings.itertuples():
        citekey, selection = selections[guid("coding", f"{coding.coder}:{coding.id}")]
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert citekey == coding.citekey and (start, end) == (coding.start, coding.end)
        assert files[citekey][start:end] == bundled.texts[citekey][int(coding.start):int(coding.end)]
        assert selection.get("creatingUser") == guid("coder", coding.coder)
        [reference] = selection.findall("q:Coding/q:CodeRef", Q)
        code = elements[reference.get("targetGUID")]
        assert reference.get("targetGUID") == guid("framing", f"{coding.competency}:{coding.framing}")
        parent = next(p for p in root.iter(f"{{{PROJECT_NAMESPACE}}}Code") if code in list(p))
        assert parent.get("guid") == guid("competency", coding.competency)
        assert code.get("name").endswith(f" › {coding.framing}")


def test_the_users_are_the_coders(bundled, exported):
    root = exported[3]
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", Q)}
    assert users == {guid("coder", c): c for c in bundled.codings["coder"].unique()}


def test_each_memo_is_a_note_its_selection_refers_to(bundled, exported):
    root = exported[3]
    notes = {n.get("guid"): n.find("q:PlainTextContent", Q).text for n in root.iterfind("q:Notes/q:Note", Q)}
    references = [r.get("targetGUID") for r in root.iter(f"{{{PROJECT_NAMESPACE}}}NoteRef")]
    assert set(references) <= set(notes)
    elements = by_guid(root)
    memos = placed(bundled)[placed(bundled)["memo"] != ""]
    assert len(memos) > 10
    for coding in memos.itertuples():
        selection = elements[guid("coding", f"{coding.coder}:{coding.id}")]
        [reference] = selection.findall("q:NoteRef", Q)
        assert notes[reference.get("targetGUID")] == coding.memo
    unmemoed = placed(bundled)[placed(bundled)["memo"] == ""].iloc[0]
    assert not elements[guid("coding", f"{unmemoed.coder}:{unmemoed.id}")].findall("q:NoteRef", Q)


def test_the_sources_attributes_are_variables_with_values(bundled, exported):
    root = exported[3]
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", Q)}
    assert sorted(variables.values()) == sorted(bundled.attribute_definitions)
    attributes = bundled.attributes.set_index("citekey")
    checked = 0
    for source in root.iterfind("q:Sources/q:TextSource", Q):
        for value in source.iterfind("q:VariableValue", Q):
            name = variables[value.find("q:VariableRef", Q).get("targetGUID")]
            assert value.find("q:TextValue", Q).text == str(attributes.loc[source.get("name"), name])
            checked += 1
    assert checked > 10


def test_the_same_review_exports_the_same_bytes(bundled, exported, review_copy):
    assert project_archive(bundled)[0] == exported[0]
    assert project_archive(Review.load(review_copy))[0] == exported[0]  # a copy elsewhere too


# ------------------------------------------------------------------------ UTF-16 positions (NVivo's way)

def test_utf16_positions_shift_by_one_per_emoji_before_them(review_copy, schema):
    # NVivo counts UTF-16 code units (CONFIRMED on real exports): an emoji is two of them. An emoji
    # put into the heading moves every coding of the source by one code point (they re-anchor).
    citekey = "Kotter1990WhatLeaders"
    path = review_copy / "corpus" / "sources" / f"{citekey}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("# Kotter", "# 📚 Kotter", 1), encoding="utf-8")
    review = Review.load(review_copy)
    text = review.texts[citekey]
    codings = placed(review)[placed(review)["citekey"] == citekey]
    assert len(codings) > 5 and all(text[int(c.start):int(c.end)] == c.quote for c in codings.itertuples())
    data, _ = project_archive(review, utf16=True)
    plain, _ = project_archive(review)
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    schema.validate(zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8"))
    selections = {s.get("guid"): s for s in root.iter(f"{{{PROJECT_NAMESPACE}}}PlainTextSelection")}
    units = text.encode("utf-16-le")
    for coding in codings.itertuples():
        selection = selections[guid("coding", f"{coding.coder}:{coding.id}")]
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert (start, end) == (coding.start + 1, coding.end + 1)
        assert units[2 * start:2 * end].decode("utf-16-le") == coding.quote
    other = placed(review)[placed(review)["citekey"] != citekey].iloc[0]  # no emoji there: the same positions
    selection = selections[guid("coding", f"{other.coder}:{other.id}")]
    assert int(selection.get("startPosition")) == other.start
    assert plain != data


# ------------------------------------------------------------------------ escaping

def test_a_label_with_markup_characters_and_emoji_survives_and_validates(review_copy, schema):
    label = "Plans & <budgets> \"so-called\" 'forecasts' é 📚"
    path = review_copy / "corpus" / "codebook.yaml"
    yaml_label = label.replace('"', '\\"')
    path.write_text(path.read_text(encoding="utf-8").replace("label: Planning\n", f'label: "{yaml_label}"\n', 1),
                    encoding="utf-8")
    review = Review.load(review_copy)
    assert label in set(review.codebook["label"])
    qde = zipfile.ZipFile(io.BytesIO(project_archive(review)[0])).read("project.qde").decode("utf-8")
    schema.validate(qde)
    xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd")).validate(codebook_xml(review))
    codes = by_guid(ET.fromstring(qde))
    assert codes[guid("competency", "planning")].get("name") == label
    assert codes[guid("framing", "planning:management")].get("name") == f"{label} › management"


# ------------------------------------------------------------------------ the round trip

def exported_to(review: Path, name: str = "project.qdpx") -> Path:
    target = review.parent / f"{review.name}-{name}"
    target.write_bytes(project_archive(Review.load(review))[0])
    return target


def test_an_exported_project_imported_into_an_empty_review_gives_the_same_codings(review_copy, tmp_path_factory):
    archive = exported_to(review_copy)
    empty = copy_review(review_copy, tmp_path_factory.mktemp("empty"))
    for path in (empty / "corpus" / "codings").glob("*.csv"):
        path.unlink()
    shutil.rmtree(empty / "corpus" / "codings" / "history", ignore_errors=True)
    assert Review.load(empty).codings.empty
    result = import_exchange(Review.load(empty), archive)
    assert not result.failed, [str(p) for p in result.problems]
    original = Review.load(review_copy).codings
    assert result.added == original.groupby("coder").size().to_dict()
    assert result.orphans == 0 and result.already_there == 0
    assert comparable(Review.load(empty).codings) == comparable(original)
    again = import_exchange(Review.load(empty), archive)  # importing again adds nothing
    assert not any(again.added.values()) and again.already_there == len(original)


def test_importing_the_export_into_its_own_review_adds_nothing(review_copy):
    before = {p.name: p.read_bytes() for p in (review_copy / "corpus" / "codings").glob("*.csv")}
    result = import_exchange(Review.load(review_copy), exported_to(review_copy))
    assert not any(result.added.values()) and not any(result.updated.values())
    assert result.already_there == len(Review.load(review_copy).codings)
    assert {p.name: p.read_bytes() for p in (review_copy / "corpus" / "codings").glob("*.csv")} == before


def recoded(archive: Path, selection: str, new_code: str) -> None:
    """The archive with one selection's code changed, as a coder would in the other tool."""
    with zipfile.ZipFile(archive) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    qde = entries[0][1].decode("utf-8")
    at = qde.index(f'guid="{selection}"')
    reference = re.compile(r'(<CodeRef targetGUID=")([^"]+)(")')
    found = reference.search(qde, at)
    qde = qde[:found.start(2)] + new_code + qde[found.end(2):]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in entries:
            new.writestr(info, qde.encode("utf-8") if info.filename == "project.qde" else data)


def test_a_framing_changed_in_the_other_tool_updates_the_coding_in_place_and_keeps_its_history(review_copy):
    codings = Review.load(review_copy).codings
    coding = codings[codings["coder"] == "coder-b"].iloc[0]
    framing = next(f for f in FRAMINGS if f != coding.framing)
    archive = exported_to(review_copy)
    recoded(archive, guid("coding", f"coder-b:{coding.id}"), guid("framing", f"{coding.competency}:{framing}"))
    result = import_exchange(Review.load(review_copy), archive)
    assert not result.failed, [str(p) for p in result.problems]
    assert {c: n for c, n in result.updated.items() if n} == {"coder-b": 1}
    assert not any(result.added.values()) and result.already_there == len(codings) - 1
    after = Review.load(review_copy).codings
    changed = after[(after["coder"] == "coder-b") & (after["id"] == coding.id)]
    assert len(changed) == 1 and changed.iloc[0]["framing"] == framing  # the same id, the new framing
    assert (changed.iloc[0][["citekey", "competency", "start", "end"]].tolist()
            == coding[["citekey", "competency", "start", "end"]].tolist())
    history = read_rows(history_path(coder_file(review_copy, "coder-b")))
    assert [(row["id"], row["framing"]) for row in history] == [(coding.id, coding.framing)]
    assert len(after) == len(codings)


# ------------------------------------------------------------------------ the command line

def test_export_qdpx_writes_the_project_and_says_what_it_holds(review_copy, exported):
    result = CliRunner().invoke(app, ["export", "qdpx", str(review_copy)])
    assert result.exit_code == 0, result.output
    counts = exported[1]
    written = review_copy / "outputs" / "project.qdpx"
    assert written.read_bytes() == exported[0]
    said = " ".join(result.output.split())
    assert (f"{counts['sources']} sources with their texts, {counts['codings']} codings by {counts['coders']} "
            "coders") in said and "positions in codepoints" in said


def test_export_qdpx_with_offsets_it_does_not_know_exits_2(review_copy):
    result = CliRunner().invoke(app, ["export", "qdpx", str(review_copy), "--offsets", "bytes"])
    assert result.exit_code == 2
    assert "--offsets is codepoints or utf16" in result.output
    assert not (review_copy / "outputs" / "project.qdpx").exists()


def test_import_qdpx_dry_run_says_what_would_be_added_and_writes_nothing(review_copy):
    archive = exported_to(review_copy)
    coder_file(review_copy, "coder-c").unlink()  # as if coder-c's work were only in the other tool
    before = {p.name: p.read_bytes() for p in (review_copy / "corpus" / "codings").rglob("*.csv")}
    result = CliRunner().invoke(app, ["import", "qdpx", str(archive), "--review", str(review_copy), "--dry-run"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "corpus/codings/coder-c.csv: 78 codings would be added" in said
    assert "corpus/codings/coder-a.csv: 0 codings would be added" in said
    assert {p.name: p.read_bytes() for p in (review_copy / "corpus" / "codings").rglob("*.csv")} == before
    assert not coder_file(review_copy, "coder-c").exists()


def test_import_qdc_of_the_exported_codebook_maps_every_code(review_copy):
    qdc = review_copy / "outputs" / "codebook.qdc"
    assert CliRunner().invoke(app, ["export", "qdc", str(review_copy)]).exit_code == 0
    result = CliRunner().invoke(app, ["import", "qdc", str(qdc), "--review", str(review_copy)])
    assert result.exit_code == 0, result.output
    competencies = len(Review.load(review_copy).codebook)
    # each competency and each of its four framing codes; the groups are folders, not codes to map
    assert f"codes: {competencies * (1 + len(FRAMINGS))} mapped to the codebook, 0 not in it" in result.output
    mapped = import_exchange(Review.load(review_copy), qdc, dry_run=True).codes
    assert mapped["Planning"] == "planning" and mapped["Planning › both"] == "planning › both"
