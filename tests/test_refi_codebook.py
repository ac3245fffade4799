"""The codebook as a REFI-QDA Codebook Exchange file (.qdc), valid against the published schema."""

from __future__ import annotations

import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from conftest import ROOT

from litcoder import Review
from litcoder.inputs.codebook import FRAMINGS
from litcoder.inputs.refi import CODEBOOK_NAMESPACE as NAMESPACE
from litcoder.inputs.refi import guid
from litcoder.outputs.refi import codebook_xml

xmlschema = pytest.importorskip("xmlschema")
SCHEMA = ROOT.parent / "shared" / "schemas" / "refi-qda" / "Codebook.xsd"
Q = {"q": NAMESPACE}


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.exists():
        pytest.skip(f"the REFI-QDA schemas are not beside the project ({SCHEMA})")
    return xmlschema.XMLSchema(str(SCHEMA))


def test_the_bundled_codebook_is_a_valid_qdc_with_groups_competencies_and_framings(bundled, schema):
    xml = codebook_xml(bundled)
    schema.validate(xml)
    root = ET.fromstring(xml)
    groups = root.findall("q:Codes/q:Code", Q)
    assert [g.get("name") for g in groups] == list(dict.fromkeys(bundled.codebook["group_label"]))
    assert {g.get("isCodable") for g in groups} == {"false"}
    competencies = [c for g in groups for c in g.findall("q:Code", Q)]
    assert [c.get("name") for c in competencies] == bundled.codebook["label"].tolist()
    planning = next(c for c in competencies if c.get("name") == "Planning")
    assert planning.get("guid") == guid("competency", "planning") and planning.get("isCodable") == "true"
    described = planning.find("q:Description", Q).text
    assert described.startswith("Setting targets") and "Indicators:\n- goals with dates" in described
    assert described.endswith("Working classification: management.")
    assert [f.get("name") for f in planning.findall("q:Code", Q)] == [f"Planning › {f}" for f in FRAMINGS]
    sets = {s.get("name"): [m.get("guid") for m in s.findall("q:MemberCode", Q)]
            for s in root.findall("q:Sets/q:Set", Q)}
    managed = bundled.codebook.loc[bundled.codebook["working_classification"] == "management", "competency"]
    assert sets["Working classification: management"] == [guid("competency", c) for c in managed]


def test_the_same_codebook_gives_the_same_file(bundled):
    assert codebook_xml(bundled) == codebook_xml(bundled)


def test_an_ungrouped_codebook_with_markup_in_its_words_is_valid(tmp_path, schema):
    (tmp_path / "references.bib").write_text("", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "codebook.yaml").write_text(
        "competencies:\n  - id: r-and-d\n    label: R&D <and> \"change\"\n    definition: Leading change & growth — "
        "über alles 🚀\n", encoding="utf-8")
    xml = codebook_xml(Review.load(tmp_path))
    schema.validate(xml)
    [code] = ET.fromstring(xml).findall("q:Codes/q:Code", Q)
    assert code.get("name") == 'R&D <and> "change"' and "🚀" in code.find("q:Description", Q).text


def test_export_qdc_writes_the_file(review_copy, schema):
    done = subprocess.run([sys.executable, "-m", "litcoder", "export", "qdc", str(review_copy)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "24 competencies in 3 groups" in done.stdout
    schema.validate(str(review_copy / "outputs" / "codebook.qdc"))


def test_export_qdc_of_a_codebook_without_competencies_is_a_clear_refusal(tmp_path):
    (tmp_path / "references.bib").write_text("", encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "codebook.yaml").write_text("groups: []\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "litcoder", "export", "qdc", str(tmp_path)], capture_output=True,
                          text=True)
    assert done.returncode == 1 and "the codebook has no competencies to export" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "outputs" / "codebook.qdc").exists()
