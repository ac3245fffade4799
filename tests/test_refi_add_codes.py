"""Importing codes the committee's codebook lacks: named, or added with --add-codes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import yaml
from conftest import read_rows
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.screens.refi import import_exchange

USER = "11111111-1111-1111-1111-111111111111"
QUOTE = "coping with change"


def _project(root: Path, codes: str, code_guid: str) -> Path:
    """An ATLAS.ti-like project: one user with an accented name, one selection of QUOTE in Kotter (1990)."""
    text = Review.load(root).texts["Kotter1990WhatLeaders"]
    start = text.index(QUOTE)
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="ATLAS.ti Win 26.1.1">
  <Users><User guid="{USER}" name="Ana Muñoz"/></Users>
  <CodeBook><Codes>{codes}</Codes></CodeBook>
  <Sources>
    <TextSource guid="44444444-4444-4444-4444-444444444444" name="Kotter1990WhatLeaders" plainTextPath="internal://k.txt">
      <PlainTextSelection guid="55555555-5555-5555-5555-555555555555" startPosition="{start}"
          endPosition="{start + len(QUOTE)}" creatingUser="{USER}">
        <Coding guid="66666666-6666-6666-6666-666666666666"><CodeRef targetGUID="{code_guid}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("project.qde", xml)
        out.writestr("sources/k.txt", text)
    path = root / "from-atlas.qdpx"
    path.write_bytes(archive.getvalue())
    return path


VISION = """<Code guid="22222222-2222-2222-2222-222222222222" name="Change agility" isCodable="true">
  <Description>Adapting quickly when the ground shifts.</Description>
  <Code guid="22222222-2222-2222-2222-222222222223" name="leadership" isCodable="true"/>
</Code>"""


def test_a_framing_under_a_code_the_codebook_lacks_is_named_with_it_and_not_imported(review_copy):
    before = (review_copy / "corpus" / "codebook.yaml").read_bytes()
    result = import_exchange(Review.load(review_copy), _project(review_copy, VISION,
                                                                "22222222-2222-2222-2222-222222222223"))
    assert result.unknown_codes == {"Change agility": 0, "Change agility › leadership": 1}
    assert not result.added.get("ana-munoz")
    warned = [p for p in result.problems if p.kind == "refi-code"]
    assert "its selection was not imported" in str(warned[0]) and "--add-codes" in str(warned[0])
    assert (review_copy / "corpus" / "codebook.yaml").read_bytes() == before


def test_add_codes_adds_them_in_a_group_of_their_own_and_imports_their_codings(review_copy):
    result = import_exchange(Review.load(review_copy), _project(review_copy, VISION,
                                                                "22222222-2222-2222-2222-222222222223"),
                             add_codes=True)
    assert result.added_codes == {"Change agility": "change-agility"}
    assert result.added == {"ana-munoz": 1} and not result.unknown_codes
    codebook = yaml.safe_load((review_copy / "corpus" / "codebook.yaml").read_text(encoding="utf-8"))
    group = codebook["groups"][-1]
    assert group["label"] == "Imported from ATLAS.ti Win 26.1.1"
    assert group["competencies"] == [{"id": "change-agility", "label": "Change agility",
                                      "definition": "Adapting quickly when the ground shifts.",
                                      "classification": "contested"}]
    review = Review.load(review_copy)
    assert [p for p in review.problems if p.severity == "error"] == []
    mine = review.codings[review.codings["coder"] == "ana-munoz"]
    assert mine[["competency", "framing", "quote"]].values.tolist() == [["change-agility", "leadership", QUOTE]]
    # the committee's own competencies and comments are untouched above the new group
    assert "# The committee's codebook" in (review_copy / "corpus" / "codebook.yaml").read_text(encoding="utf-8")


def test_add_codes_twice_adds_nothing_more(review_copy):
    path = _project(review_copy, VISION, "22222222-2222-2222-2222-222222222223")
    import_exchange(Review.load(review_copy), path, add_codes=True)
    again = import_exchange(Review.load(review_copy), path, add_codes=True)
    assert again.added_codes == {} and again.added == {"ana-munoz": 0} and again.already_there == 1
    assert len(read_rows(review_copy / "corpus" / "codings" / "ana-munoz.csv")) == 1


def test_a_competency_code_with_a_framing_in_its_name_maps_without_adding(review_copy):
    codes = ('<Code guid="33333333-3333-3333-3333-333333333333" name="Facilitating change: leadership" '
             'isCodable="true"/>')
    result = import_exchange(Review.load(review_copy), _project(review_copy, codes,
                                                                "33333333-3333-3333-3333-333333333333"),
                             add_codes=True)
    assert result.added_codes == {} and result.added == {"ana-munoz": 1}
    row = read_rows(review_copy / "corpus" / "codings" / "ana-munoz.csv")[0]
    assert (row["competency"], row["framing"], row["quote"]) == ("facilitating-change", "leadership", QUOTE)


def test_import_qdc_with_add_codes_through_the_command(review_copy):
    qdc = review_copy / "atlas.qdc"
    qdc.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti Win 26.1.1">
  <Codes>
    <Code guid="77777777-7777-7777-7777-777777777777" name="Planning" isCodable="true"/>
    {VISION}
  </Codes>
</CodeBook>""", encoding="utf-8")
    compared = CliRunner().invoke(app, ["import", "qdc", str(qdc), "--review", str(review_copy)])
    assert compared.exit_code == 0, compared.output
    assert "1 mapped to the codebook, 1 not in it" in compared.output
    assert "'Change agility' is not in the codebook" in compared.output
    added = CliRunner().invoke(app, ["import", "qdc", str(qdc), "--review", str(review_copy), "--add-codes"])
    assert added.exit_code == 0, added.output
    assert "added to corpus/codebook.yaml: change-agility" in added.output
    assert "change-agility" in set(Review.load(review_copy).codebook["competency"])
