"""Hostile inputs to the reference readers and the codebook: bounded runs, problems, no tracebacks.

Each test is one case an attack on the loaders found (issue 19): a file of a few lines that
expands without bound, nests past Python's recursion limit, holds numbers Python will not
read, characters YAML refuses, or citekeys that cannot name a file. Each must end in a
problem with its line and what to do, with the rest of the file (and the review) still read.
The bombs are fixtures in tests/fixtures/hostile/; the smaller cases are written inline.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT, problems_of

from litcoder import Review
from litcoder.inputs import codebook
from litcoder.inputs.bibliography import (
    MACRO_EXPANSION_LIMIT,
    MACRO_VALUE_LIMIT,
    SHOWN_FIELD_LIMIT,
    file_safe_key,
    read_bibliography,
    sources_frame,
)
from litcoder.inputs.codebook import DEPTH_LIMIT, EXPANSION_LIMIT, codebook_title, read_codebook
from litcoder.inputs.references import better_bibtex_key, read_csl_json, read_references, read_ris
from litcoder.layout import NAME_LIMIT, file_name_problem

HOSTILE = FIXTURES / "hostile"
GROUP = "groups:\n  - id: keeping-on-track\n    label: Keeping the organisation on track\n    competencies:\n"
PLANNING = ("      - id: planning\n        label: Planning\n        definition: Setting targets and the steps.\n"
            "        classification: management\n")


def triples(log, kind=None):
    """(severity, line, kind) of each problem (of one kind, if given), in the order reported."""
    return [(p.severity, p.line, p.kind) for p in log if kind is None or p.kind == kind]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, errors="surrogatepass")
    return path


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request, monkeypatch):
    """Each codebook case with libyaml's parser and with the pure-Python one it falls back to."""
    if request.param == "libyaml":
        if not yaml.__with_libyaml__:
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(codebook, "_Loader", codebook._line_loader(yaml.CSafeLoader))
    else:
        monkeypatch.setattr(codebook, "_Loader", codebook._PureLoader)
    return request.param


def load_codebook(tmp_path: Path, text: str, encoding: str = "utf-8"):
    return read_codebook(write(tmp_path, "codebook.yaml", text, encoding), "corpus/codebook.yaml")


# ---------------------------------------------------------------- 1. the YAML alias bomb


def test_yaml_alias_bomb_is_refused_at_the_line_where_it_passes_the_limit(yaml_loader):
    started = time.perf_counter()
    frame, groups, _, log = read_codebook(HOSTILE / "yaml-alias-bomb.yaml", "corpus/codebook.yaml")
    assert time.perf_counter() - started < 5  # it took minutes and 3 GB before, ending in MemoryError
    assert triples(log) == [("error", 10, "codebook-aliases")]
    assert f"{EXPANSION_LIMIT:,} characters" in log[0].message and "nothing in the codebook was read" in log[0].message
    assert log[0].action
    assert frame.empty and groups.empty


def test_yaml_alias_bomb_leaves_the_rest_of_the_review_loaded(review_copy):
    (review_copy / "corpus/codebook.yaml").write_bytes((HOSTILE / "yaml-alias-bomb.yaml").read_bytes())
    review = Review.load(review_copy)
    assert [(p.severity, p.line) for p in problems_of(review, "codebook-aliases")] == [("error", 10)]
    assert review.codebook.empty
    assert len(review.sources) == 12 and len(review.passages) == 129
    assert len(problems_of(review, "coding-competency")) == 313  # every coding reported, none lost


def test_yaml_alias_bomb_as_the_title_gives_no_title():
    assert codebook_title(HOSTILE / "yaml-alias-bomb.yaml") == ""
    assert codebook_title(ROOT / "corpus/codebook.yaml") == "LLAMA competencies — leadership and management"


def test_an_alias_sharing_a_list_of_indicators_is_read(tmp_path, yaml_loader):
    shared = "shared: &shared [sets a direction others follow, explains why the change matters]\n"
    items = "".join(f"      - id: competency-{n}\n        label: C{n}\n        definition: D.\n"
                    f"        indicators: *shared\n" for n in range(200))
    frame, _, _, log = load_codebook(tmp_path, shared + GROUP + items)
    assert list(log) == []
    assert len(frame) == 200
    assert frame["indicators"].map(len).tolist() == [2] * 200


def test_alias_that_holds_itself_is_an_error_not_an_endless_value(tmp_path, yaml_loader):
    text = GROUP + "      - &loop\n        id: looping\n        indicators: [*loop]\n"
    frame, _, _, log = load_codebook(tmp_path, text)
    assert triples(log) == [("error", 7, "codebook-aliases")]
    assert "would never end" in log[0].message
    assert frame.empty


# ---------------------------------------------------------------- 3. what made the codebook reader fail


def test_codebook_key_that_is_a_list_is_left_out_with_its_line(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, "? [a, b]\n: x\n" + GROUP + PLANNING)
    assert triples(log) == [("error", 1, "codebook-key")]
    assert "a key here is a list" in log[0].message and "id:" in log[0].action
    assert frame["competency"].tolist() == ["planning"]


def test_codebook_key_that_is_a_mapping_is_left_out_with_its_line(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, GROUP + PLANNING + "        ? {label: x}\n        : y\n")
    assert triples(log) == [("error", 9, "codebook-key")]
    assert "a key here is a mapping" in log[0].message
    assert frame.set_index("competency").loc["planning", "label"] == "Planning"


def test_competency_listed_twice_through_an_alias_is_read_once(tmp_path, yaml_loader):
    text = GROUP + "      - &plan\n        id: planning\n        label: Planning\n        definition: D.\n" \
        "        indicators: [{calendar: yes}]\n      - *plan\n"
    frame, _, _, log = load_codebook(tmp_path, text)
    assert frame["competency"].tolist() == ["planning"]
    assert frame.loc[0, "indicators"] == ["calendar: True"]
    assert ("error", 5, "codebook-aliases") in triples(log)
    assert "listed again through an alias" in next(p for p in log if p.kind == "codebook-aliases").message


def test_group_listed_twice_through_an_alias_is_read_once(tmp_path, yaml_loader):
    text = "groups:\n  - &g\n    id: keeping-on-track\n    competencies:\n" + PLANNING + "  - *g\n"
    frame, groups, _, log = load_codebook(tmp_path, text)
    assert triples(log) == [("error", 2, "codebook-aliases")]
    assert groups["group"].tolist() == ["keeping-on-track"] and frame["competency"].tolist() == ["planning"]


def test_control_character_in_the_codebook_is_an_error_at_its_line(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, GROUP + PLANNING.replace("Setting", "Set\x0bting"))
    assert triples(log) == [("error", 7, "codebook-character")]
    assert "U+000B" in log[0].message and "delete it" in log[0].action
    assert frame.empty


def test_utf16_codebook_without_a_byte_order_mark_says_to_save_it_as_utf8(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, GROUP + PLANNING, encoding="utf-16-le")
    assert triples(log) == [("error", 1, "codebook-encoding")]
    assert "UTF-16" in log[0].message and "UTF-8" in log[0].action
    assert frame.empty


def test_codebook_nested_a_thousand_deep_is_an_error_not_a_recursion(tmp_path, yaml_loader):
    text = GROUP + PLANNING + "        examples: " + "[" * 1000 + "]" * 1000 + "\n"
    frame, _, _, log = load_codebook(tmp_path, text)
    assert triples(log) == [("error", 9, "codebook-depth")]
    assert f"more than {DEPTH_LIMIT} levels" in log[0].message
    assert frame.empty


def test_codebook_nested_past_the_depth_limit_in_blocks_is_an_error_at_its_line(tmp_path, yaml_loader):
    text = GROUP + PLANNING + "        examples:\n" + "".join(" " * (10 + 2 * i) + "k:\n" for i in range(60))
    frame, _, _, log = load_codebook(tmp_path, text)
    # the first "k:" (line 10) is the sixth level; the one past the limit is DEPTH_LIMIT - 5 lines below it
    assert triples(log) == [("error", 10 + DEPTH_LIMIT + 1 - 6, "codebook-depth")]
    assert frame.empty


def test_integer_of_5000_digits_in_the_codebook_is_read_as_text_with_a_warning(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, GROUP + PLANNING + "        examples: " + "9" * 5000 + "\n")
    assert triples(log) == [("warning", 9, "codebook-value")]
    assert "5,000 digits" in log[0].message and len(log[0].message) < 300
    assert frame.loc[0, "examples"] == ["9" * 5000]


def test_impossible_date_in_the_codebook_is_read_as_text_with_a_warning(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, "version: 2024-02-30\n" + GROUP + PLANNING)
    assert triples(log) == [("warning", 1, "codebook-value")]
    assert "'2024-02-30' cannot be read as a date" in log[0].message
    assert frame["competency"].tolist() == ["planning"]


def test_codebook_keys_that_are_numbers_dates_or_null_are_named_as_written(tmp_path, yaml_loader):
    text = GROUP + PLANNING + "        1: x\n        2024-01-01: y\n        null: z\n        notes: w\n"
    frame, _, _, log = load_codebook(tmp_path, text)
    assert [re.search(r"key '([^']*)'", p.message).group(1) for p in log] == ["1", "2024-01-01", "null", "notes"]
    assert frame["competency"].tolist() == ["planning"]


def test_lone_surrogate_escape_in_the_codebook_is_an_error(tmp_path, yaml_loader):
    frame, _, _, log = load_codebook(tmp_path, GROUP + PLANNING + '        examples: ["\\ud800"]\n')
    assert triples(log) == [("error", 9, "codebook-yaml")]
    assert frame.empty


# ---------------------------------------------------------------- 7. libyaml, with the lines kept right


def test_codebook_is_read_with_libyaml_when_pyyaml_has_it():
    assert issubclass(codebook._Loader, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_libyaml_and_pure_python_read_the_bundled_codebook_alike(monkeypatch):
    path = ROOT / "corpus/codebook.yaml"
    monkeypatch.setattr(codebook, "_Loader", codebook._line_loader(yaml.CSafeLoader))
    fast, fast_groups, _, fast_log = read_codebook(path, "corpus/codebook.yaml")
    monkeypatch.setattr(codebook, "_Loader", codebook._PureLoader)
    pure, pure_groups, _, pure_log = read_codebook(path, "corpus/codebook.yaml")
    assert fast.equals(pure) and fast_groups.equals(pure_groups)
    assert list(fast_log) == list(pure_log) == []


def test_lines_stay_right_after_a_line_separator_inside_a_value(tmp_path, yaml_loader):
    # YAML ends a line at U+2028 too; editors do not, and problems name the editor's line
    text = GROUP + PLANNING.replace("Setting targets and the steps.", '"Setting targets.\u2028And steps."') + \
        "      - label: no id\n"
    frame, _, _, log = load_codebook(tmp_path, text)
    assert triples(log) == [("error", 9, "codebook-no-id")]


# ---------------------------------------------------------------- 2. the @string bomb


def test_string_macro_bomb_is_refused_at_its_line_and_the_other_entries_read():
    started = time.perf_counter()
    sources, log, report = read_bibliography(HOSTILE / "string-macro-bomb.bib", "references.bib")
    assert time.perf_counter() - started < 5  # a MemoryError after a gigabyte before
    limit = [p for p in log if p.kind == "bib-macro-limit"]
    assert limit[0].line == 28 and limit[0].severity == "error"
    assert "@string s16 would be 131,072 characters" in limit[0].message
    assert f"{MACRO_VALUE_LIMIT:,}" in limit[0].message and "s2 = s1 # s1" in limit[0].action
    # the macros made of it are left out too, each at its line; then the field of the entry using s39
    assert [p.line for p in limit[1:]] == list(range(29, 52)) + [53]
    assert "field note uses @string s39, which was left out for its length on line 51" in limit[-1].message
    assert sources["citekey"].tolist() == ["Bass1985Beyond", "Kotter1990WhatLeaders"]
    assert (report.openings, report.imported) == (2, 2)


def test_a_field_made_of_one_macro_many_times_is_left_out_past_the_value_limit(tmp_path):
    macro = "Harvard Business Review "
    uses = MACRO_VALUE_LIMIT // len(macro) + 1
    path = write(tmp_path, "refs.bib", f'@string{{hbr = "{macro}"}}\n\n'
                 "@article{Kotter1990WhatLeaders,\n  title = {What Leaders Really Do},\n"
                 f"  journal = {' # '.join(['hbr'] * uses)},\n  year = 1990\n}}\n")
    sources, log, _ = read_bibliography(path, "references.bib")
    assert triples(log, "bib-macro-limit") == [("error", 3, "bib-macro-limit")]
    assert "field journal would be" in log[0].message
    assert sources.loc[0, ["title", "container"]].tolist() == ["What Leaders Really Do", ""]


def test_macros_adding_past_the_file_limit_are_refused_from_that_entry_on(tmp_path):
    macro = "x" * (MACRO_VALUE_LIMIT - 10)
    entries = MACRO_EXPANSION_LIMIT // len(macro) + 2
    text = f'@string{{long = "{macro}"}}\n' + "".join(f"@misc{{Note{n}, title = {{Note {n}}}, note = long}}\n"
                                                        for n in range(entries))
    sources, log, _ = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    refused = [p for p in log if p.kind == "bib-macro-limit"]
    assert [p.line for p in refused] == [entries, entries + 1]  # the last two entries, each at its line
    assert f"more than {MACRO_EXPANSION_LIMIT:,} characters" in refused[0].message
    assert len(sources) == entries  # every entry is read, the refused notes left out


# ---------------------------------------------------------------- 5. citekeys that cannot name a file


@pytest.mark.parametrize("suffix, lines", [("bib", [5, 13, 20]), ("ris", [3, 11]), ("json", [2, 11])])
def test_citekeys_that_cannot_name_a_file_are_kept_with_a_warning(suffix, lines):
    rows, log, report = read_references(HOSTILE / f"citekeys-that-cannot-name-files.{suffix}", f"refs.{suffix}")
    keys = [row["citekey"] for row in rows]
    assert "DBLP:journals/cacm/Kotter90" in keys and "CON" in keys and "Mintzberg1973Nature" in keys
    assert triples(log, "ref-citekey") == [("warning", line, "ref-citekey") for line in lines]
    dblp = log[0]
    assert "cannot name a file" in dblp.message and "can be cited" in dblp.message
    assert "'DBLP_journals_cacm_Kotter90'" in dblp.action
    assert report.imported == report.openings  # nothing left out


def test_a_csl_id_that_is_an_item_uri_is_not_taken_for_a_citekey():
    rows, log, _ = read_csl_json(HOSTILE / "citekeys-that-cannot-name-files.json", "refs.json")
    assert rows[2]["citekey"] == "fayolGeneralIndustrialManagement1949"
    assert not [p for p in log if p.line == 18]


def test_suggested_citekeys_can_name_files():
    for key in ["DBLP:journals/cacm/Kotter90", "../../escape", "CON", "aux.2020", "..", "x" * 300, "a\x00b",
                "Smith 2020.", 'what?"<>|']:
        assert file_name_problem(file_safe_key(key)) is None, key


def test_made_citekeys_never_name_a_device_or_run_past_the_name_limit():
    from litcoder.inputs.bibliography import split_names

    assert better_bibtex_key(split_names("Con, Ann"), "The", None, set()) == "cona"
    long = better_bibtex_key(split_names("Wolfeschlegelsteinhausenbergerdorff" * 3 + ", H."),
                             "Supercalifragilisticexpialidocious " * 3, 2020, set())
    assert file_name_problem(long) is None and len(long) <= NAME_LIMIT and long.endswith("2020")


# ---------------------------------------------------------------- 6. numbers too long to be true


def test_numbers_of_5000_digits_in_bibtex_are_problems_not_errors(tmp_path):
    digits = "9" * 5000
    text = (f"@book{{Northouse2021Leadership,\n  title = {{Leadership}},\n  year = {{{digits}}},\n"
            f"  month = {digits},\n  day = {{{digits}}},\n  volume = {{{digits}}},\n  pages = {{1--{digits}}},\n"
            f"  edition = {{{digits}}}\n}}\n")
    sources, log, _ = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    numbers = [p for p in log if p.kind == "bib-number"]
    assert [re.search(r"field (\w+)", p.message).group(1) for p in numbers] == \
        ["volume", "pages", "edition", "month", "day"]
    assert all("5,000 digits" in p.message and len(p.message) < 250 for p in numbers)
    year = next(p for p in log if "year" in p.message)
    assert "has no four-digit year" in year.message and len(year.message) < 250
    row = sources.iloc[0]
    assert (row["volume"], row["pages"], row["edition"]) == ("", "", "")
    assert pd_missing(row["year"]) and pd_missing(row["month"]) and pd_missing(row["day"])


def test_numbers_of_5000_digits_and_past_2_63_in_csl_json_are_problems(tmp_path):
    text = json.dumps([
        {"id": "Big1", "title": "Year of 5,000 digits", "issued": {"date-parts": [[int("9" * 4000)]]}},
        {"id": "Big2", "title": "Volume past 2^63", "volume": 2**64, "page": 2**63, "issued": 2**64},
    ]).replace("9" * 4000, "9" * 5000)
    rows, log, report = read_csl_json(write(tmp_path, "refs.json", text), "refs.json")
    assert [row["citekey"] for row in rows] == ["Big1", "Big2"] and report.imported == 2
    frame = sources_frame(rows)  # no overflow making the table
    assert frame["year"].isna().all()
    assert triples(log, "csl-date") == [("warning", 1, "csl-date")]  # all on one line
    assert [re.search(r"field (\w+)", p.message).group(1) for p in log if p.kind == "bib-number"] == \
        ["volume", "pages"]


def test_numbers_of_5000_digits_in_ris_are_problems(tmp_path):
    digits = "9" * 5000
    text = f"TY  - JOUR\nTI  - What Leaders Really Do\nPY  - {digits}\nVL  - {digits}\nSP  - {digits}\nER  - \n"
    rows, log, _ = read_ris(write(tmp_path, "refs.ris", text), "refs.ris")
    assert len(rows) == 1 and rows[0]["year"] is None
    assert [p.kind for p in log].count("bib-number") == 2
    assert all(len(p.message) < 250 for p in log)


def pd_missing(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


# ---------------------------------------------------------------- 4. CSL-JSON nested a thousand deep


@pytest.mark.parametrize("where", ["top", "field"])
def test_csl_json_nested_a_thousand_deep_is_one_error(tmp_path, where):
    deep = "[" * 1000 + "]" * 1000
    text = deep if where == "top" else '[{"id": "Deep", "title": "T", "note": ' + deep + "}]"
    rows, log, _ = read_csl_json(write(tmp_path, "refs.json", text), "refs.json")
    assert rows == [] and triples(log) == [("error", None, "csl-json")]
    assert "a thousand levels deep" in log[0].message


def test_csl_json_deep_values_in_messages_are_cut_short(tmp_path):
    deep = "[" * 500 + "]" * 500
    text = f'[{{"id": "Deep", "title": "T", "author": [{deep}], "issued": {deep}}}]'
    rows, log, _ = read_csl_json(write(tmp_path, "refs.json", text), "refs.json")
    assert len(rows) == 1
    assert {p.kind for p in log} >= {"csl-name", "csl-date"}
    assert all(len(p.message) < 250 for p in log)


# ---------------------------------------------------------------- other hostile text in the readers


def test_nul_and_control_characters_in_a_field_are_replaced_with_a_warning(tmp_path):
    text = "@book{Burns1978Leadership,\n  author = {Burns, James\x00 MacGregor},\n  title = {Lead\x01ership},\n" \
           "  year = 1978\n}\n"
    sources, log, _ = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    assert triples(log) == [("warning", 1, "bib-characters")]
    assert "author, title" in log[0].message
    row = sources.iloc[0]
    assert row["title"] == "Lead ership" and row["reference_html"].count("<i>") == row["reference_html"].count("</i>")


def test_lone_surrogate_in_csl_json_is_replaced_with_a_warning(tmp_path):
    text = '[{"id": "Odd\\ud800", "title": "What \\udfff Leaders Really Do", "author": [{"family": "K\\ud800"}]}]'
    rows, log, _ = read_csl_json(write(tmp_path, "refs.json", text), "refs.json")
    assert rows[0]["title"] == "What \ufffd Leaders Really Do"
    assert rows[0]["citekey"] == "kWhatLeadersReally"  # an id with broken Unicode is no citekey
    assert "bib-characters" in {p.kind for p in log}
    for problem in log:
        str(problem).encode("utf-8")  # every message can be printed


@pytest.mark.parametrize("reader, suffix", [(read_bibliography, "bib"), (read_ris, "ris"), (read_csl_json, "json")])
def test_utf16_reference_file_says_to_save_it_as_utf8(tmp_path, reader, suffix):
    text = {"bib": "@book{Burns1978Leadership, title = {Leadership}, year = 1978}\n",
            "ris": "TY  - BOOK\nTI  - Leadership\nER  - \n",
            "json": '[{"id": "Burns1978Leadership", "title": "Leadership"}]'}[suffix]
    _, log, _ = reader(write(tmp_path, f"refs.{suffix}", text, "utf-16-le"), f"refs.{suffix}")
    assert ("error", None, "encoding") in triples(log)
    assert "UTF-16" in next(p for p in log if p.kind == "encoding").message


def test_latex_nested_past_pylatexenc_depth_is_read_without_commands(tmp_path):
    title = "\\textbf{" * 300 + "Leadership" + "}" * 300
    path = write(tmp_path, "refs.bib", f"@book{{Burns1978Leadership,\n  title = {{{title}}},\n  year = 1978\n}}\n")
    sources, log, _ = read_bibliography(path, "references.bib")
    assert sources.loc[0, "title"] == "Leadership"


def test_enormous_title_is_cut_with_a_warning(tmp_path):
    title = "Leadership \\'e " * 100_000
    path = write(tmp_path, "refs.bib", f"@book{{Burns1978Leadership,\n  title = {{{title}}},\n  year = 1978\n}}\n")
    started = time.perf_counter()
    sources, log, _ = read_bibliography(path, "references.bib")
    assert time.perf_counter() - started < 10
    assert triples(log, "bib-field-length") == [("warning", 1, "bib-field-length")]
    assert f"only the first {SHOWN_FIELD_LIMIT:,}" in log[0].message
    assert len(sources.loc[0, "title"]) <= SHOWN_FIELD_LIMIT


def test_backslash_at_line_ends_and_unbalanced_braces_are_problems(tmp_path):
    text = ("@book{Ends,\n  title = {Leadership \\\n},\n  year = 1978\n}\n\n"
            "@book{Open,\n  title = {\\textbf{{Leadership},\n  year = 1978\n}\n\n"
            "@book{Shut,\n  title = {Leadership}}},\n  year = 1978\n}\n\n"
            "@book{Trailing,\n  title = {Leadership \\},\n  year = 1978\n}\n")
    sources, log, report = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    assert report.openings == 4
    assert report.imported + len(report.failed) + len(report.unaccounted) >= 4 - len(report.duplicates)
    assert all(p.line for p in log if p.severity == "error")


def test_ris_with_binary_junk_is_a_problem(tmp_path):
    junk = bytes(range(256)).decode("latin-1") * 20
    text = "TY  - JOUR\nTI  - What Leaders Really Do\n" + junk + "\nER  - \n" + junk
    rows, log, _ = read_ris(write(tmp_path, "refs.ris", text), "refs.ris")
    assert len(rows) == 1 and rows[0]["title"].startswith("What Leaders Really Do")
    assert "bib-characters" in {p.kind for p in log}


@pytest.mark.parametrize("shape", ["unclosed comment blocks", "unclosed entries", "entries without keys"])
def test_thousands_of_broken_blocks_are_read_in_linear_time(tmp_path, shape):
    line = {"unclosed comment blocks": "@comment{\n", "unclosed entries": "@article{K, title = {\n",
            "entries without keys": "@article{\n"}[shape]
    path = write(tmp_path, "refs.bib", line * 20_000)
    started = time.perf_counter()
    _, log, _ = read_bibliography(path, "references.bib")
    assert time.perf_counter() - started < 20  # minutes before: each block was looked up from the file's start
    assert len(log) >= 20_000


def test_a_field_of_fifty_thousand_run_on_parts_has_a_short_message(tmp_path):
    text = "@article{Runon,\n  title = " + "{a} b = " * 50_000 + "{c}\n}\n"
    _, log, _ = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    comma = next(p for p in log if p.kind == "bib-missing-comma")
    assert "and 49996 more" in comma.message and len(comma.message) < 250


# ---------------------------------------------------------------- the fixtures


def test_every_hostile_fixture_says_what_it_reproduces():
    names = sorted(HOSTILE.iterdir())
    assert len(names) >= 5
    for path in names:
        assert "Reproduces" in path.read_text(encoding="utf-8").split("\n", 3)[0] or path.suffix == ".json", path.name


@pytest.mark.parametrize("name", ["references.bib", "refs.ris", "refs.json", "codebook.yaml"])
def test_a_folder_where_an_input_file_should_be_is_an_error(tmp_path, name):
    (tmp_path / name).mkdir()
    if name == "codebook.yaml":
        frame, _, _, log = read_codebook(tmp_path / name, "corpus/codebook.yaml")
        assert frame.empty
    else:
        rows, log, _ = read_references(tmp_path / name, name)
        assert rows == []
    assert triples(log) == [("error", None, "unreadable")]
    assert "cannot be read" in log[0].message


def test_an_iso_date_with_month_13_on_a_web_page_is_no_month(tmp_path):
    text = "@misc{Hibner2013Blog,\n  author = {Hibner, Holly},\n  title = {Management vs. Leadership},\n" \
           "  date = {2013-13-45}\n}\n"
    sources, log, _ = read_bibliography(write(tmp_path, "refs.bib", text), "references.bib")
    assert sources.loc[0, "year"] == 2013 and pd_missing(sources.loc[0, "month"])
    assert sources.loc[0, "reference"].startswith("Hibner, H. (2013). Management vs. Leadership.")
