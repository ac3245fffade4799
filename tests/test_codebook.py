"""corpus/codebook.yaml → competencies: the bundled codebook and codebooks as people break them.

Each malformed codebook is a fixture in tests/fixtures/codebook/, named for the one problem
it reproduces; its first lines say what it reproduces and where.
"""

from __future__ import annotations

import re

from conftest import FIXTURES, ROOT, problems_of

from litcoder import Review
from litcoder.inputs.codebook import COMPETENCY_COLUMNS, FRAMINGS, read_codebook

CODEBOOK_FIXTURES = FIXTURES / "codebook"


def load(name: str):
    """read_codebook on one fixture, named as it is in the problems."""
    return read_codebook(CODEBOOK_FIXTURES / name, name)


def only(log, kind=None):
    """The problems of one kind (all if None), as (severity, line, kind) triples."""
    return [(p.severity, p.line, p.kind) for p in log if kind is None or p.kind == kind]


# ---------------------------------------------------------------- the bundled codebook


def test_bundled_codebook_has_24_competencies_in_3_groups(bundled):
    assert len(bundled.codebook) == 24
    assert list(bundled.codebook.columns) == COMPETENCY_COLUMNS
    assert bundled.codebook["competency"].is_unique
    assert bundled.groups["group"].tolist() == ["keeping-on-track", "moving-forward", "disputed"]
    assert bundled.codebook.groupby("group").size().to_dict() == {
        "keeping-on-track": 9, "moving-forward": 7, "disputed": 8}
    assert not problems_of(bundled, file="corpus/codebook.yaml")


def test_bundled_codebook_lines_point_at_the_id_lines(bundled):
    lines = (ROOT / "corpus/codebook.yaml").read_text(encoding="utf-8").split("\n")
    for competency, line in zip(bundled.codebook["competency"], bundled.codebook["line"]):
        assert lines[line - 1].strip() == f"- id: {competency}", (competency, line)
    for group, line in zip(bundled.groups["group"], bundled.groups["line"]):
        assert lines[line - 1].strip() == f"- id: {group}", (group, line)


def test_bundled_codebook_fields(bundled):
    planning = bundled.codebook.set_index("competency").loc["planning"]
    assert planning["label"] == "Planning"
    assert planning["group_label"] == "Keeping the organisation on track"
    assert planning["working_classification"] == "management"
    # a folded (>-) definition is read as one line of text
    assert planning["definition"].startswith("Setting targets for the months ahead")
    assert "\n" not in planning["definition"]
    assert planning["indicators"] == ["goals with dates or milestones",
                                      "step-by-step schedules, work plans, annual plans",
                                      "forecasting what the unit will need"]
    assert len(planning["examples"]) == 1
    assert set(bundled.codebook["working_classification"]) <= {
        "leadership", "management", "both", "neither", "contested"}


def test_missing_codebook_is_an_error(tmp_path):
    frame, groups, framings, log = read_codebook(tmp_path / "codebook.yaml", "corpus/codebook.yaml")
    assert frame.empty and groups.empty
    assert framings == FRAMINGS
    assert only(log) == [("error", None, "codebook-missing")]


# ---------------------------------------------------------------- invalid YAML


def test_tab_indentation_is_a_yaml_error_on_its_line():
    frame, groups, _, log = load("tab-indentation.yaml")
    assert only(log) == [("error", 10, "codebook-yaml")]
    assert log[0].file == "tab-indentation.yaml"
    assert "not valid YAML" in log[0].message and "'\\t'" in log[0].message
    assert frame.empty and groups.empty


def test_unquoted_colon_in_a_value_is_a_yaml_error_on_its_line():
    frame, _, _, log = load("unquoted-colon-in-definition.yaml")
    assert only(log) == [("error", 9, "codebook-yaml")]
    assert "mapping values are not allowed" in log[0].message
    assert "needs quotes" in log[0].action
    assert frame.empty


def test_invalid_codebook_yaml_leaves_the_rest_of_the_review_loaded(review_copy):
    path = review_copy / "corpus/codebook.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[26].startswith("        definition:")
    lines[26] = "\t" + lines[26].lstrip()          # line 27: a tab where spaces were
    path.write_text("\n".join(lines), encoding="utf-8")
    review = Review.load(review_copy)
    yaml_errors = problems_of(review, "codebook-yaml")
    assert [(p.severity, p.file, p.line) for p in yaml_errors] == [("error", "corpus/codebook.yaml", 27)]
    assert review.codebook.empty
    # sources and passages do not depend on the codebook
    assert len(review.sources) == 12 and len(review.passages) == 129
    # with no competency known, every coding and ruling is reported, none silently lost
    assert len(problems_of(review, "coding-competency")) == 313
    assert len(problems_of(review, "decision-competency")) == 9
    assert review.codings.empty and review.decisions.empty


# ---------------------------------------------------------------- broken competencies


def test_competency_without_id_is_left_out_and_the_others_load():
    frame, _, _, log = load("competency-without-id.yaml")
    assert only(log) == [("error", 13, "codebook-no-id")]
    assert frame["competency"].tolist() == ["planning", "coordinating"]
    assert frame["line"].tolist() == [7, 18]
    assert frame.set_index("competency").loc["planning", "indicators"] == ["goals with dates"]


def test_competency_without_id_in_the_bundled_review(review_copy):
    path = review_copy / "corpus/codebook.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("      - id: budgeting\n") == 1
    path.write_text(text.replace("      - id: budgeting\n", "      - ident: budgeting\n"), encoding="utf-8")
    review = Review.load(review_copy)
    assert [(p.severity, p.file, p.line) for p in problems_of(review, "codebook-no-id")] == [
        ("error", "corpus/codebook.yaml", 38)]
    assert len(review.codebook) == 23 and "budgeting" not in set(review.codebook["competency"])
    # the 16 budgeting codings and the budgeting ruling are reported and left out; the rest load
    assert len(problems_of(review, "coding-competency")) == 16
    assert [p.line for p in problems_of(review, "decision-competency")] == [3]
    assert len(review.codings) == 313 - 16
    assert review.codings.groupby("coder").size().to_dict() == {"coder-a": 115, "coder-b": 108, "coder-c": 74}
    assert len(review.decisions) == 8


def test_duplicate_competency_id_keeps_the_first_and_names_both_lines():
    frame, groups, _, log = load("duplicate-competency-id.yaml")
    assert only(log) == [("error", 18, "codebook-duplicate-id")]
    assert "'staffing'" in log[0].message and "line 7" in log[0].message
    assert frame["competency"].tolist() == ["staffing", "budgeting"]
    staffing = frame.set_index("competency").loc["staffing"]
    assert (staffing["label"], staffing["group"], staffing["line"]) == ("Staffing", "keeping-on-track", 7)
    # the group of the left-out competency is still a group
    assert groups["group"].tolist() == ["keeping-on-track", "disputed"]


def test_misspelled_key_warns_and_the_competency_still_loads():
    frame, _, _, log = load("misspelled-key-defintion.yaml")
    assert only(log) == [("warning", 8, "codebook-key"), ("warning", 8, "codebook-field")]
    assert "'defintion'" in log[0].message and "definition" in log[0].action
    assert "no definition" in log[1].message
    assert frame["competency"].tolist() == ["setting-vision", "motivating"]
    vision = frame.set_index("competency").loc["setting-vision"]
    assert vision["definition"] == ""
    assert vision["working_classification"] == "leadership"


def test_bad_classification_is_taken_as_contested():
    frame, _, _, log = load("bad-classification.yaml")
    assert only(log) == [("warning", 7, "codebook-classification"), ("warning", 11, "codebook-classification")]
    assert "'managerial'" in log[0].message and "'leadrship'" in log[1].message
    classes = dict(zip(frame["competency"], frame["working_classification"]))
    # 'Neither' with a capital is a good classification
    assert classes == {"controlling": "contested", "motivating": "contested", "charisma": "neither"}


def test_repeated_key_in_one_mapping_warns_on_the_second_and_the_last_wins():
    frame, _, _, log = load("repeated-key-in-mapping.yaml")
    assert only(log) == [("warning", 11, "codebook-duplicate-key")]
    assert "'classification'" in log[0].message
    classes = dict(zip(frame["competency"], frame["working_classification"]))
    assert classes == {"communication": "both", "charisma": "neither"}


def test_competencies_not_a_list_is_an_error_and_the_other_group_loads():
    frame, groups, _, log = load("competencies-not-a-list.yaml")
    assert only(log) == [("error", 4, "codebook-shape")]
    assert "'competencies' must be a list" in log[0].message
    assert frame["competency"].tolist() == ["setting-vision"]
    assert frame["group"].tolist() == ["moving-forward"]
    assert groups["group"].tolist() == ["keeping-on-track", "moving-forward"]


def test_ungrouped_codebook_loads_without_problems():
    frame, groups, _, log = load("ungrouped-codebook.yaml")
    assert list(log) == []
    assert frame["competency"].tolist() == ["planning", "setting-vision"]
    assert frame["line"].tolist() == [5, 13]
    assert frame["group"].tolist() == ["", ""]
    assert frame["working_classification"].tolist() == ["management", "leadership"]
    assert frame.loc[0, "indicators"] == ["goals with dates"]
    assert frame.loc[0, "examples"] == ["The unit set quarterly targets."]
    assert frame.loc[1, "indicators"] == [] and frame.loc[1, "examples"] == []
    assert len(groups) == 1


def test_indicators_as_a_single_string_become_a_list_of_one():
    frame, _, _, log = load("indicators-as-single-string.yaml")
    assert list(log) == []
    reporting = frame.set_index("competency").loc["reporting"]
    assert reporting["indicators"] == ["record keeping, documentation"]
    assert reporting["examples"] == ["The department sent the board a quarterly report."]


def test_renamed_framings_warn_and_the_standard_four_are_used():
    frame, _, framings, log = load("framings-renamed.yaml")
    assert only(log) == [("warning", 3, "codebook-framings")]
    assert framings == ("leadership", "management", "both", "neither")
    assert frame["competency"].tolist() == ["directing"]


def test_indicator_with_unquoted_colon_is_reported_not_turned_into_a_dict():
    frame, _, _, log = load("indicator-with-unquoted-colon.yaml")
    planning = frame.set_index("competency").loc["planning"]
    texts = planning["indicators"] + planning["examples"]
    assert not any("__line__" in t or t.startswith("{") for t in texts), texts
    assert {p.line for p in log} >= {12, 14}


def test_every_codebook_fixture_says_what_it_reproduces():
    """Guard: each fixture says what it reproduces in its first line."""
    names = sorted(p.name for p in CODEBOOK_FIXTURES.glob("*.yaml"))
    assert len(names) >= 6
    for name in names:
        first = (CODEBOOK_FIXTURES / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert re.match(r"# Reproduces: ", first), name


def test_every_codebook_fixture_reads_alike_with_libyaml_and_pure_python(monkeypatch):
    """libyaml's parser (the default where PyYAML has it) and the pure-Python fallback give the
    same competencies and the same problems on the same lines."""
    import pytest
    import yaml

    from litcoder.inputs import codebook

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    for path in sorted(CODEBOOK_FIXTURES.glob("*.yaml")):
        read = {}
        for name, loader in (("libyaml", codebook._line_loader(yaml.CSafeLoader)), ("pure", codebook._PureLoader)):
            monkeypatch.setattr(codebook, "_Loader", loader)
            frame, groups, _, log = read_codebook(path, path.name)
            read[name] = frame, groups, only(log)
        assert read["libyaml"][0].equals(read["pure"][0]), path.name
        assert read["libyaml"][1].equals(read["pure"][1]), path.name
        assert read["libyaml"][2] == read["pure"][2], path.name
