"""The attribute form (litcoder.screens.attributes): its session saves one source's attributes
to corpus/attributes.csv through the store (only that row changes, byte for byte elsewhere; a
change made meanwhile is refused with a message), counts and filters the sources with a value
missing; the form is driven in plain Python on a copy of the bundled review."""

from __future__ import annotations

import dataclasses
import stat
import time
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest
import traitlets
from conftest import ROOT, problems_of, read_rows, rewrite_csv, values

from litcoder import Review
from litcoder.analysis.subsets import NOT_GIVEN
from litcoder.inputs.attributes import read_attributes
from litcoder.screens.attributes import AttributeForm, AttributeSession, attribute_form
from litcoder.store import ChangedMeanwhile, CoderFileError, DuplicateId

ATTRIBUTES = "corpus/attributes.csv"
KOTTER = "Kotter1990WhatLeaders"
HEADER = "citekey,source_type,field,sector\n"


def attributes_file(root: Path) -> Path:
    return root / ATTRIBUTES


def reread(root: Path) -> pd.DataFrame:
    """The file as litcoder.inputs.attributes reads it, by citekey, with the problems it met."""
    review = Review.load(root)
    frame, log = read_attributes(attributes_file(root), ATTRIBUTES, review.attribute_definitions,
                                 review.sources["citekey"].tolist())
    return frame.set_index("citekey"), log


def session_on(root: Path, citekey: str = KOTTER) -> AttributeSession:
    session = AttributeSession(Review.load(root))
    session.go_to(citekey)
    return session


def blank_out(root: Path, citekeys: dict[str, list[str]]) -> None:
    """Empty the given attributes of the given sources in corpus/attributes.csv."""
    rewrite_csv(attributes_file(root), lambda row: {**row, **dict.fromkeys(citekeys.get(row["citekey"], []), "")})


def walk(widget):
    """A widget and every widget inside it, in the order the page shows them."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


# ---------------------------------------------------------------- saving one source


def test_saving_writes_the_chosen_values_and_the_reader_reads_them(review_copy):
    session = session_on(review_copy)
    session.choose("field", "nursing")
    session.choose("sector", "health care")
    assert session.pending() == {"field": "nursing", "sector": "health care"}
    assert session.save() == f"saved Kotter, 1990's field, sector written for to {ATTRIBUTES}"
    frame, log = reread(review_copy)
    assert frame.loc[KOTTER].tolist() == ["practitioner article", "nursing", "health care"]
    assert [p for p in log if p.severity != "info"] == []
    assert session.pending() == {} and session.shown[KOTTER]["field"] == "nursing"
    assert session.save() == f"nothing to save: Kotter, 1990's attributes are as {ATTRIBUTES} has them"


def test_only_the_row_changes_every_other_byte_is_kept(review_copy):
    path = attributes_file(review_copy)
    before = path.read_bytes().splitlines(keepends=True)
    session = session_on(review_copy)
    session.choose("source_type", "peer-reviewed article")
    session.save()
    after = path.read_bytes().splitlines(keepends=True)
    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after)) if old != new]
    assert changed == [before.index(next(line for line in before if line.startswith(KOTTER.encode())))]
    assert after[changed[0]] == f"{KOTTER},peer-reviewed article,business and management,business\n".encode()


def test_a_column_no_attribute_defines_is_kept_and_untouched_cells_keep_their_spelling(review_copy):
    path = attributes_file(review_copy)
    path.write_text(HEADER.replace("\n", ",colour\n")
                    + f"{KOTTER},Practitioner  Article,business and management,business,red\n"
                    + "Burns1978Leadership,book,political science,government,\"blue, dark\"\n", encoding="utf-8")
    session = session_on(review_copy)
    assert session.chosen["source_type"] == "practitioner article"  # shown in its allowed spelling
    session.choose("sector", "libraries")
    session.save()
    assert path.read_text(encoding="utf-8") == (
        HEADER.replace("\n", ",colour\n") + f"{KOTTER},Practitioner  Article,business and management,libraries,red\n"
        + "Burns1978Leadership,book,political science,government,\"blue, dark\"\n")
    assert reread(review_copy)[0].loc[KOTTER, "sector"] == "libraries"


def test_a_semicolon_file_with_windows_line_ends_keeps_its_shape(review_copy):
    path = attributes_file(review_copy)
    path.write_bytes(b"citekey;source_type;field;sector\r\n" + f"{KOTTER};book;;\r\n".encode()
                     + b"Burns1978Leadership;book;political science;government\r\n")
    session = session_on(review_copy)
    session.choose("field", "business and management")
    session.save()
    assert path.read_bytes() == (b"citekey;source_type;field;sector\r\n"
                                 + f"{KOTTER};book;business and management;\r\n".encode()
                                 + b"Burns1978Leadership;book;political science;government\r\n")


def test_a_file_that_does_not_exist_is_made_with_its_header(review_copy):
    path = attributes_file(review_copy)
    path.unlink()
    session = session_on(review_copy, "Burns1978Leadership")
    assert session.chosen == {"source_type": "", "field": "", "sector": ""}
    assert session.summary() == "0 of 12 sources have every attribute"
    session.choose("source_type", "book")
    session.save()
    assert path.read_text(encoding="utf-8") == HEADER + "Burns1978Leadership,book,,\n"
    frame, log = reread(review_copy)
    assert frame.loc["Burns1978Leadership"].tolist() == ["book", "", ""]
    assert [p.kind for p in log] == ["attributes-missing"]  # the other eleven have no row yet
    session.go_to(KOTTER)
    session.choose("field", "business and management")
    session.save()  # a source without a row gets one, at the end
    assert path.read_text(encoding="utf-8").endswith(f"\n{KOTTER},,business and management,\n")


def test_an_attribute_new_to_the_file_gains_its_column_when_first_given(review_copy):
    toml = review_copy / "litcoder.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[attributes.region]\nvalues = ["Europe", "North America"]\n',
                    encoding="utf-8")
    path = attributes_file(review_copy)
    before = path.read_text(encoding="utf-8")
    session = session_on(review_copy)
    assert session.chosen["region"] == "" and session.summary() == "0 of 12 sources have every attribute"
    session.choose("field", "nursing")
    session.save()  # region not given: the file gains no column
    assert path.read_text(encoding="utf-8").splitlines()[0] == HEADER.strip()
    session.choose("region", "North America")
    session.save()
    rows = read_rows(path)
    assert list(rows[0]) == ["citekey", "source_type", "field", "sector", "region"]
    assert {r["citekey"]: r["region"] for r in rows if r["region"]} == {KOTTER: "North America"}
    assert len(rows) == len(before.splitlines()) - 1
    assert reread(review_copy)[0].loc[KOTTER, "region"] == "North America"


# ---------------------------------------------------------------- values that may not be chosen


def test_a_value_not_among_the_allowed_ones_cannot_be_chosen(review_copy):
    session = session_on(review_copy)
    with pytest.raises(ValueError, match="'monograph' is not one of the values of Source type: choose one of "
                                         "peer-reviewed article, book"):
        session.choose("source_type", "monograph")
    with pytest.raises(KeyError, match="no attribute 'colour'"):
        session.choose("colour", "red")
    assert session.pending() == {}
    assert [label for label, _ in session.options("source_type")] == [
        NOT_GIVEN, "peer-reviewed article", "book", "chapter", "practitioner article", "blog post"]


def test_a_value_the_file_has_that_is_not_allowed_stays_until_it_is_changed(review_copy):
    path = attributes_file(review_copy)
    path.write_text(HEADER + f"{KOTTER},monograph,business and management,business\n", encoding="utf-8")
    session = session_on(review_copy)
    assert session.options("source_type")[-1] == ("monograph (in the file; not one of its values)", "monograph")
    assert session.notes() == [f"{ATTRIBUTES} line 2 gives Source type 'monograph', which is not one of its values: "
                               "choose one (until you do, Save leaves it as it is)"]
    assert session.summary() == "0 of 12 sources have every attribute"  # not allowed counts as missing
    session.choose("field", "nursing")
    session.save()
    assert path.read_text(encoding="utf-8") == HEADER + f"{KOTTER},monograph,nursing,business\n"
    session.choose("source_type", "")
    session.save()  # not given, chosen: the cell is emptied
    assert path.read_text(encoding="utf-8") == HEADER + f"{KOTTER},,nursing,business\n"
    assert session.options("source_type")[-1] == ("blog post", "blog post")


# ---------------------------------------------------------------- changes made meanwhile


def test_a_row_changed_meanwhile_is_not_overwritten(review_copy):
    path = attributes_file(review_copy)
    session = session_on(review_copy)
    rewrite_csv(path, lambda row: {**row, "field": "nursing"} if row["citekey"] == KOTTER else row)
    written = path.read_bytes()
    session.choose("sector", "libraries")
    with pytest.raises(ChangedMeanwhile) as caught:
        session.save()
    assert str(caught.value) == (
        f"Kotter, 1990: its row was changed in {ATTRIBUTES} (Field now 'nursing', was 'business and management') "
        "since the form read it (in another window, or by hand). Nothing was saved, so that change is kept; the form "
        "now shows the file's values: choose yours again (Sector written for: 'libraries'), then Save")
    assert path.read_bytes() == written
    assert session.chosen == {"source_type": "practitioner article", "field": "nursing", "sector": "business"}
    session.choose("sector", "libraries")
    session.save()  # made again on the file's values: saved, the other change kept
    assert reread(review_copy)[0].loc[KOTTER].tolist() == ["practitioner article", "nursing", "libraries"]


def test_two_sessions_on_one_source_the_second_save_is_refused(review_copy):
    first, second = session_on(review_copy), session_on(review_copy)
    first.choose("field", "nursing")
    first.save()
    second.choose("field", "public administration")
    with pytest.raises(ChangedMeanwhile, match="Field now 'nursing', was 'business and management'"):
        second.save()
    assert reread(review_copy)[0].loc[KOTTER, "field"] == "nursing"


def test_a_row_added_or_removed_meanwhile_is_not_overwritten(review_copy):
    path = attributes_file(review_copy)
    path.write_text(HEADER + "Burns1978Leadership,book,political science,government\n", encoding="utf-8")
    session = session_on(review_copy)
    session.choose("source_type", "book")
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{KOTTER},practitioner article,,\n")
    with pytest.raises(ChangedMeanwhile, match=f"its row was added to {ATTRIBUTES} .Source type now 'practitioner "
                                               "article', was not given."):
        session.save()
    assert [r["citekey"] for r in read_rows(path)] == ["Burns1978Leadership", KOTTER]  # not two rows for Kotter
    path.write_text(HEADER + "Burns1978Leadership,book,political science,government\n", encoding="utf-8")
    session.choose("source_type", "chapter")
    with pytest.raises(ChangedMeanwhile, match=f"its row was removed from {ATTRIBUTES} since the form read it"):
        session.save()
    assert path.read_text(encoding="utf-8") == HEADER + "Burns1978Leadership,book,political science,government\n"


def test_two_rows_for_a_source_are_said_and_neither_is_changed(review_copy):
    path = attributes_file(review_copy)
    path.write_text(HEADER + f"{KOTTER},book,,\nBurns1978Leadership,book,,\n{KOTTER},chapter,,\n", encoding="utf-8")
    written = path.read_bytes()
    session = session_on(review_copy)
    assert session.chosen["source_type"] == "book"  # the first row, as the reader reads it
    assert session.notes() == [f"{ATTRIBUTES} has 2 rows for {KOTTER} (lines 2, 4): Save cannot tell which to "
                               "change; delete all but one of them, then open the form again"]
    session.choose("field", "nursing")
    with pytest.raises(DuplicateId, match="lines 2, 4"):
        session.save()
    assert path.read_bytes() == written


def test_a_file_without_its_citekey_column_is_never_written(review_copy):
    path = attributes_file(review_copy)
    path.write_text("source,source_type\nKotter1990WhatLeaders,book\n", encoding="utf-8")
    session = session_on(review_copy)
    assert [p.kind for p in session.problems] == ["csv-header"]
    assert session.problems[0].file == ATTRIBUTES and session.problems[0].line == 1
    session.choose("source_type", "book")
    with pytest.raises(CoderFileError, match=f"{ATTRIBUTES} cannot be read safely, so the form saves nothing to it: "
                                             "the header lacks the column.s. citekey"):
        session.save()
    assert path.read_text(encoding="utf-8") == "source,source_type\nKotter1990WhatLeaders,book\n"


def test_a_read_only_file_is_refused_with_a_message(review_copy):
    path = attributes_file(review_copy)
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        session = session_on(review_copy)
        session.choose("field", "nursing")
        with pytest.raises(CoderFileError, match=r"attributes\.csv is read-only; the row was NOT saved"):
            session.save()
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert reread(review_copy)[0].loc[KOTTER, "field"] == "business and management"


# ---------------------------------------------------------------- counting, filtering, finding


def test_the_count_and_the_filter_of_sources_with_a_value_missing(review_copy):
    blank_out(review_copy, {"Burns1978Leadership": ["field"], "Gulick1937Notes": ["sector", "field"],
                            "Hibner2013ManagementVsLeadership": ["source_type"]})
    session = session_on(review_copy)
    assert session.summary() == "9 of 12 sources have every attribute"
    order = session.citekeys
    missing = [k for k in order if k in {"Burns1978Leadership", "Gulick1937Notes", "Hibner2013ManagementVsLeadership"}]
    assert session.show_only_missing(True)  # Kotter is complete: the first source missing one after it is shown
    assert session.citekey == missing[0] and [order[i] for i in session.listed()] == missing
    assert session.where() == f"source {order.index(missing[0]) + 1} of 12 · 1 of 3 with a value missing"
    assert session.go(1) and session.citekey == missing[1]
    assert session.go(-1) and session.citekey == missing[0]
    session.go_to(missing[2])
    assert not session.go(1) and session.citekey == missing[2]  # none after it
    for attribute in ("source_type", "field", "sector"):
        if not session.chosen[attribute]:
            session.choose(attribute, session.options(attribute)[1][1])
    session.save()
    assert session.summary() == "10 of 12 sources have every attribute"
    assert session.where().endswith("this one has every attribute now; 2 others have a value missing")
    assert session.go(-1) and session.citekey == missing[1]
    session.show_only_missing(False)
    assert session.go(1) and session.citekey == order[order.index(missing[1]) + 1]


def test_the_filter_keeps_a_source_with_unsaved_choices(review_copy):
    blank_out(review_copy, {"Burns1978Leadership": ["field"]})
    session = session_on(review_copy)
    session.choose("field", "nursing")
    assert session.show_only_missing(True) and session.citekey == KOTTER and session.pending() == {"field": "nursing"}


def test_every_source_complete_the_filter_has_nothing_to_show(review_copy):
    session = session_on(review_copy)
    assert session.summary() == "12 of 12 sources have every attribute"
    assert not session.show_only_missing(True) and session.citekey == KOTTER
    assert session.listed() == [] and session.neighbour(1) is None and session.neighbour(-1) is None


def test_find_moves_to_the_next_source_holding_every_word(review_copy):
    session = session_on(review_copy)
    assert session.find("kotter") and session.citekey == "Kotter2013StillNotLeadership"
    assert session.find("KOTTER") and session.citekey == KOTTER  # from the start again
    assert session.find("nurse 2009") and session.citekey == "SchmalenbergKramer2009NMSupport"
    assert session.find("Harvard Business Review managers") and session.citekey == "Zaleznik1977ManagersLeaders"
    assert not session.find("cooking") and session.citekey == "Zaleznik1977ManagersLeaders"


def test_the_source_shown_says_what_to_decide_by(review_copy):
    session = session_on(review_copy, "Gulick1937Notes")
    assert session.source() == {
        "title": session.review.sources.set_index("citekey").loc["Gulick1937Notes", "title"],
        "authors": "Gulick, L.", "year": "1937", "container": "Papers on the science of administration",
        "publisher": "Institute of Public Administration, Columbia University", "entry_type": "incollection",
        "citekey": "Gulick1937Notes"}
    session.go_to("BennisNanus1985Leaders")
    assert session.source()["authors"] == "Bennis, W.; Nanus, B." and session.source()["container"] == ""
    with pytest.raises(KeyError, match="no source 'Nobody2020'"):
        session.go_to("Nobody2020")


# ---------------------------------------------------------------- the form


@pytest.fixture
def form(review_copy) -> AttributeForm:
    return attribute_form(Review.load(review_copy))


def test_the_form_shows_one_source_its_values_and_the_count(form):
    assert form.summary.value == "<p><b>12 of 12 sources have every attribute</b> · source 1 of 12</p>"
    for shown in ("<th>Title</th><td>What leaders really do</td>", "<th>Authors</th><td>Kotter, J. P.</td>",
                  "<th>Year</th><td>1990</td>", "<th>In</th><td>Harvard Business Review</td>",
                  f"<th>Citekey</th><td>{KOTTER}</td>"):
        assert shown in form.source.value
    assert list(form.dropdowns) == ["source_type", "field", "sector"]
    assert [d.description for d in form.dropdowns.values()] == ["Source type", "Field", "Sector written for"]
    assert values(form.dropdowns["field"]) == ["", "library and information science", "business and management",
                                              "nursing", "public administration", "political science"]
    assert form.dropdowns["field"].options[0] == (NOT_GIVEN, "")
    assert [d.value for d in form.dropdowns.values()] == ["practitioner article", "business and management",
                                                          "business"]
    assert form.previous_button.disabled and not form.next_button.disabled
    with pytest.raises(traitlets.TraitError):
        form.dropdowns["field"].value = "sociology"


def test_the_form_saves_what_is_chosen(form, review_copy):
    form.dropdowns["field"].value = "nursing"
    assert form.status.value == '<span class="lc-warn">not saved yet: Field</span>'
    form.save_button.click()
    assert form.status.value == f'<span class="lc-ok">saved Kotter, 1990&#x27;s field to {ATTRIBUTES}</span>'
    assert reread(review_copy)[0].loc[KOTTER, "field"] == "nursing"
    assert form.dropdowns["field"].value == "nursing"


def test_leaving_unsaved_choices_asks_first(form, review_copy):
    written = attributes_file(review_copy).read_bytes()
    form.dropdowns["sector"].value = "libraries"
    form.next_button.click()
    assert form.session.citekey == KOTTER
    assert form.status.value == ('<span class="lc-warn">Kotter, 1990: Sector written for not saved. Save, or press '
                                 'Next again to leave without saving</span>')
    form.next_button.click()
    assert form.session.citekey == form.session.citekeys[1] and form.status.value == ""
    assert attributes_file(review_copy).read_bytes() == written
    form.previous_button.click()
    assert form.dropdowns["sector"].value == "business"  # the file's value: the choice was left
    form.dropdowns["sector"].value = "libraries"
    form.find.value = "zaleznik"
    assert form.session.citekey == KOTTER and "press Enter in Find again" in form.status.value


def test_save_and_next_saves_then_moves_on(form, review_copy):
    form.dropdowns["source_type"].value = "peer-reviewed article"
    form.save_next_button.click()
    assert form.session.citekey == form.session.citekeys[1]
    assert form.status.value == f'<span class="lc-ok">saved Kotter, 1990&#x27;s source type to {ATTRIBUTES}</span>'
    assert reread(review_copy)[0].loc[KOTTER, "source_type"] == "peer-reviewed article"
    assert "source 2 of 12" in form.summary.value
    form.find.value = "Hibner"  # the last source
    assert form.session.citekey == form.session.citekeys[-1] and form.next_button.disabled
    form.save_next_button.click()
    assert "nothing to save" in form.status.value and "that was the last source" in form.status.value


def test_the_filter_box_walks_the_sources_with_a_value_missing(review_copy):
    blank_out(review_copy, {"Burns1978Leadership": ["field"], "Gulick1937Notes": ["sector"]})
    form = attribute_form(Review.load(review_copy))
    assert "10 of 12 sources have every attribute" in form.summary.value
    form.only_missing.value = True
    first = form.session.citekey
    assert first in {"Burns1978Leadership", "Gulick1937Notes"} and "1 of 2 with a value missing" in form.summary.value
    assert form.previous_button.disabled and not form.next_button.disabled
    empty = next(a for a, d in form.dropdowns.items() if d.value == "")
    form.dropdowns[empty].value = form.dropdowns[empty].options[1][1]
    form.save_next_button.click()
    assert "11 of 12 sources have every attribute" in form.summary.value
    assert form.session.citekey != first and "with a value missing" in form.summary.value
    assert form.next_button.disabled


def test_the_form_says_a_change_made_meanwhile_and_shows_the_files_values(form, review_copy):
    rewrite_csv(attributes_file(review_copy), lambda row: {**row, "field": "nursing"} if row["citekey"] == KOTTER
                else row)
    form.dropdowns["field"].value = "public administration"
    form.save_button.click()
    assert form.status.value.startswith('<span class="lc-error">Kotter, 1990: its row was changed in')
    assert "Nothing was saved, so that change is kept" in form.status.value
    assert form.dropdowns["field"].value == "nursing"
    assert reread(review_copy)[0].loc[KOTTER, "field"] == "nursing"


def test_the_form_cannot_save_to_a_file_it_cannot_read_safely(review_copy):
    attributes_file(review_copy).write_text("source,source_type\nKotter1990WhatLeaders,book\n", encoding="utf-8")
    form = attribute_form(Review.load(review_copy))
    assert form.save_button.disabled and form.save_next_button.disabled
    assert f"{ATTRIBUTES}:1: error: the header lacks the column(s) citekey" in form.problems.value


def test_the_tab_key_goes_from_the_dropdowns_to_save_then_moving(form):
    focusable = [c for c in walk(form) if isinstance(c, (w.Dropdown, w.Button, w.Checkbox, w.Text))
                 and c.tabbable is not False]
    assert focusable == [*form.dropdowns.values(), form.save_next_button, form.save_button, form.previous_button,
                         form.next_button, form.only_missing, form.find]


def test_without_attributes_the_form_says_how_to_define_them(review_copy):
    (review_copy / "litcoder.toml").write_text('[references]\nfiles = ["references.bib"]\n', encoding="utf-8")
    form = attribute_form(review_copy)  # a folder of the review will do
    assert "No attributes of sources are defined yet" in form.summary.value
    assert form.children[1:] == (form.summary,)


def test_at_two_thousand_sources_the_form_opens_quickly_with_the_same_widgets(review_copy, bundled):
    small = attribute_form(Review.load(review_copy))
    many = 2000
    base = bundled.sources
    sources = pd.concat([base] * (many // len(base) + 1), ignore_index=True).head(many)
    sources = sources.assign(citekey=[f"Source{i:04d}" for i in range(many)],
                             author_year=[f"{a} ({i})" for i, a in enumerate(sources["author_year"])])
    lines = [HEADER] + [f"Source{i:04d},book,,business\n" if i % 4 else f"Source{i:04d},book,nursing,business\n"
                        for i in range(many)]
    attributes_file(review_copy).write_text("".join(lines), encoding="utf-8")
    review = dataclasses.replace(Review.load(review_copy), sources=sources)
    started = time.perf_counter()
    form = AttributeForm(review)
    opened = time.perf_counter() - started
    assert "500 of 2000 sources have every attribute" in form.summary.value
    assert len(list(walk(form))) == len(list(walk(small)))  # no widget per source
    assert opened < 2.0, f"{opened:.2f} s to open"
    form.only_missing.value = True
    form.session.go_to("Source1999")
    form.dropdowns["field"].value = "nursing"
    form.save_button.click()
    assert "501 of 2000" in form.summary.value
    assert read_rows(attributes_file(review_copy))[-1] == {"citekey": "Source1999", "source_type": "book",
                                                            "field": "nursing", "sector": "business"}


def test_the_bundled_review_has_no_attribute_problems_for_the_form(bundled):
    session = AttributeSession(dataclasses.replace(bundled, path=ROOT))
    assert session.problems == [] and session.summary() == "12 of 12 sources have every attribute"
    assert session.blocked == "" and problems_of(bundled, file=ATTRIBUTES) == []
