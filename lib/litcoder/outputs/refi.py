"""The codebook and the coded project in the REFI-QDA exchange formats, which NVivo, ATLAS.ti,
MAXQDA and QualCoder import: the Codebook Exchange (`.qdc`) and the Project Exchange (`.qdpx`).

The codebook's groups become parent codes (not codable), each competency a codable code under
its group, its definition, indicators, examples and working classification in its Description.
How a source frames a competency is carried as four codable child codes under it
("Planning › management", …), so that a coder in another tool codes the framing as litcoder
does; and a Set per working classification ("Working classification: management") lists the
competencies the committee placed there. Every guid is made from the review's ids (uuid5),
so the same review exports the same guids, and an import can map them back.

The project adds each coder as a User, each source with a text as a plain-text source (the
text litcoder codes, so that positions agree), each coding as a selection of its quote coded
to its competency's framing code, each coding memo as a Note, the memos on sources and
competencies as Notes on them, and the sources' attributes as Variables.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections import namedtuple
from datetime import datetime
from xml.etree import ElementTree as ET

import pandas as pd

from .. import __version__
from ..inputs.codebook import FRAMINGS
from ..inputs.refi import CODEBOOK_NAMESPACE, PROJECT_FILE, PROJECT_NAMESPACE, guid
from ..review import Review
from .theme import FRAMING_COLOURS

GROUP_COLOUR = "#555555"
_Coding = namedtuple("_Coding", "coder id citekey quote competency framing memo coded_at edited_at start end")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry of the archive is dated the same, so that the same review gives the same bytes."""


def codebook_xml(review: Review, origin: str = "litcoder") -> str:
    """The review's codebook as a REFI-QDA Codebook (.qdc) document."""
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NAMESPACE, "origin": origin})
    _codebook(root, review)
    _sets(root, review, "guid")
    return _document(root)


def project_archive(review: Review, utf16: bool = False) -> tuple[bytes, dict[str, int]]:
    """The review as a REFI-QDA project (.qdpx bytes), and what it holds (sources, codings, …).

    Positions count characters (code points), as the standard says; `utf16` counts UTF-16
    code units instead, for a tool that reads them so (the two differ only after a
    character outside the Basic Multilingual Plane, such as an emoji).
    """
    texts = {citekey: review.texts[citekey] for citekey in review.sources["citekey"] if review.texts.get(citekey)}
    placed = review.codings[review.codings["citekey"].isin(texts) & review.codings["start"].notna()
                            & review.codings["anchored"]]
    root = ET.Element("Project", {"xmlns": PROJECT_NAMESPACE, "name": _title(review),
                                  "origin": f"litcoder {__version__}"})
    latest = _latest(review.codings)
    if latest:
        root.set("modifiedDateTime", latest)
    users = ET.SubElement(root, "Users")
    for coder in sorted(review.codings["coder"].unique()):
        ET.SubElement(users, "User", {"guid": guid("coder", coder), "name": coder, "id": coder})
    if not len(users):
        root.remove(users)
    _codebook(ET.SubElement(root, "CodeBook"), review, _memo_notes(review, "competency"))
    variables = _variables(root, review)
    notes: list[tuple[str, str, str, str]] = []  # guid, name, user guid, text
    sources = ET.SubElement(root, "Sources")
    files = {}
    described = review.sources.drop_duplicates("citekey").set_index("citekey")
    attributes = review.attributes.drop_duplicates("citekey").set_index("citekey")
    by_source: dict[str, list] = {}
    ordered = placed.sort_values(["start", "end", "coder", "id"])
    for coding in map(_Coding._make, zip(*(ordered[name].tolist() for name in _Coding._fields))):  # fast rows
        by_source.setdefault(coding.citekey, []).append(coding)
    source_notes = _memo_notes(review, "source")
    for citekey, text in texts.items():
        source_guid = guid("source", citekey)
        files[f"sources/{source_guid}.txt"] = text.encode("utf-8")
        element = ET.SubElement(sources, "TextSource", {"guid": source_guid, "name": citekey,
                                                        "plainTextPath": f"internal://{source_guid}.txt"})
        ET.SubElement(element, "Description").text = (described.at[citekey, "reference"]
                                                       or described.at[citekey, "title"])
        for coding in by_source.get(citekey, []):
            _selection(element, coding, text, utf16, notes)
        for memo_guid in source_notes.get(citekey, []):
            ET.SubElement(element, "NoteRef", {"targetGUID": memo_guid})
        _values(element, variables, attributes, citekey)
    if not len(sources):
        root.remove(sources)
    _notes(root, review, notes)
    _sets(root, review, "targetGUID")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in [(PROJECT_FILE, _document(root).encode("utf-8")), *files.items()]:
            out.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    counts = {"sources": len(texts), "codings": len(placed), "coders": len(users),
              "left_out": len(review.codings) - len(placed), "notes": len(notes)}
    return archive.getvalue(), counts


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _codebook(parent: ET.Element, review: Review, notes: dict[str, list[str]] | None = None) -> None:
    codes = ET.SubElement(parent, "Codes")
    groups = review.groups.set_index("group")
    for group, members in review.codebook.groupby("group", sort=False):
        under = codes
        if group:  # an ungrouped codebook's competencies stand at the top
            described = groups.loc[group] if group in groups.index else None
            under = _code(codes, guid("group", group), members["group_label"].iloc[0] or group, False, GROUP_COLOUR,
                          described["description"] if described is not None else "")
        for row in members.itertuples():
            code = _code(under, guid("competency", row.competency), row.label, True, None, _description(row))
            for memo_guid in (notes or {}).get(row.competency, []):
                ET.SubElement(code, "NoteRef", {"targetGUID": memo_guid})
            for framing in FRAMINGS:
                _code(code, guid("framing", f"{row.competency}:{framing}"), f"{row.label} › {framing}", True,
                      FRAMING_COLOURS.get(framing), f"{row.label}, as the source frames it: {framing}.")


def _sets(root: ET.Element, review: Review, reference: str) -> None:
    # a codebook's MemberCode names its code by `guid`, a project's by `targetGUID`
    sets = ET.SubElement(root, "Sets")
    for classification, members in review.codebook.groupby("working_classification", sort=True):
        if not classification:
            continue
        found = ET.SubElement(sets, "Set", {"guid": guid("set", classification),
                                            "name": f"Working classification: {classification}"})
        ET.SubElement(found, "Description").text = (
            f"The competencies the committee's working classification places with {classification}.")
        for competency in members["competency"]:
            ET.SubElement(found, "MemberCode", {reference: guid("competency", competency)})
    if not len(sets):
        root.remove(sets)  # the schema wants a Set in Sets, or no Sets


def _code(parent: ET.Element, code_guid: str, name: str, codable: bool, colour: str | None,
          description: str) -> ET.Element:
    attributes = {"guid": code_guid, "name": name, "isCodable": "true" if codable else "false"}
    if colour:
        attributes["color"] = colour
    code = ET.SubElement(parent, "Code", attributes)
    if description:
        ET.SubElement(code, "Description").text = description
    return code


def _description(row) -> str:
    """A competency's definition, indicators, examples and working classification, as text."""
    parts = [row.definition or ""]
    for title, items in (("Indicators", row.indicators), ("Examples", row.examples)):
        listed = [str(item) for item in (items if isinstance(items, list) else [items] if items else [])]
        if listed:
            parts.append(f"{title}:\n" + "\n".join(f"- {item}" for item in listed))
    if row.working_classification:
        parts.append(f"Working classification: {row.working_classification}.")
    return "\n\n".join(part for part in parts if part)


def _selection(source: ET.Element, coding, text: str, utf16: bool, notes: list) -> None:
    """A coding as a selection of its quote, coded to its competency's framing code."""
    key = f"{coding.coder}:{coding.id}"
    start, end = int(coding.start), int(coding.end)
    if utf16:
        start, end = _utf16(text, start), _utf16(text, end)
    user = guid("coder", coding.coder)
    attributes = {"guid": guid("coding", key), "name": coding.quote, "startPosition": str(start),
                  "endPosition": str(end), "creatingUser": user}
    for name, value in (("creationDateTime", coding.coded_at), ("modifiedDateTime", coding.edited_at)):
        if _datetime(value):
            attributes[name] = _datetime(value)
    selection = ET.SubElement(source, "PlainTextSelection", attributes)
    applied = ET.SubElement(selection, "Coding", {"guid": guid("coding-code", key), "creatingUser": user,
                                                  **({"creationDateTime": attributes["creationDateTime"]}
                                                     if "creationDateTime" in attributes else {})})
    ET.SubElement(applied, "CodeRef", {"targetGUID": guid("framing", f"{coding.competency}:{coding.framing}")})
    if coding.memo:
        memo_guid = guid("memo", key)
        notes.append((memo_guid, f"Memo on {coding.id}", user, coding.memo))
        ET.SubElement(selection, "NoteRef", {"targetGUID": memo_guid})


def _utf16(text: str, index: int) -> int:
    return index + sum(1 for character in text[:index] if ord(character) > 0xFFFF)


def _memo_notes(review: Review, kind: str) -> dict[str, list[str]]:
    """The memos on sources or competencies, as the guids of their notes, by what they are on."""
    memos = review.memos[(review.memos["kind"] == kind) & review.memos["known"]]
    return {key: [guid("memo", f"{kind}:{key}")] for key in memos["id"]}


def _notes(root: ET.Element, review: Review, coding_notes: list) -> None:
    memos = review.memos[review.memos["kind"].isin(["competency", "source"]) & review.memos["known"]]
    notes = [(guid("memo", f"{row.kind}:{row.id}"), row.title or row.id, None, row.text)
             for row in memos.itertuples()] + coding_notes
    if not notes:
        return
    element = ET.SubElement(root, "Notes")
    for note_guid, name, user, text in notes:
        note = ET.SubElement(element, "Note", {"guid": note_guid, "name": name,
                                               **({"creatingUser": user} if user else {})})
        ET.SubElement(note, "PlainTextContent").text = text


def _variables(root: ET.Element, review: Review) -> dict[str, str]:
    """The sources' attributes as Text variables; their guids by attribute."""
    names = [name for name in review.attribute_definitions if name in review.attributes.columns]
    if not names:
        return {}
    element = ET.SubElement(root, "Variables")
    found = {}
    for name in names:
        found[name] = guid("attribute", name)
        variable = ET.SubElement(element, "Variable", {"guid": found[name], "name": name, "typeOfVariable": "Text"})
        label = review.attribute_definitions[name].get("label", "")
        if label:
            ET.SubElement(variable, "Description").text = label
    return found


def _values(source: ET.Element, variables: dict[str, str], attributes: pd.DataFrame, citekey: str) -> None:
    if not variables or citekey not in attributes.index:
        return
    for name, variable_guid in variables.items():
        value = attributes.at[citekey, name]
        value = str(value) if pd.notna(value) else ""
        if value:
            element = ET.SubElement(source, "VariableValue")
            ET.SubElement(element, "VariableRef", {"targetGUID": variable_guid})
            ET.SubElement(element, "TextValue").text = value


def _title(review: Review) -> str:
    from ..inputs.codebook import codebook_title
    from ..layout import CODEBOOK

    return codebook_title(review.path / CODEBOOK) or review.path.name


@functools.lru_cache(maxsize=262144)  # a time is asked for twice: for its coding, and for the latest
def _datetime(value) -> str:
    """An ISO time as xsd:dateTime wants it (with seconds), or ''."""
    try:
        return datetime.fromisoformat(str(value)).isoformat(timespec="seconds") if value else ""
    except ValueError:
        return ""


def _latest(codings: pd.DataFrame) -> str:
    times = [_datetime(value) for value in [*codings["coded_at"], *codings["edited_at"]]]
    times = [t for t in times if t]
    return max(times, key=lambda t: datetime.fromisoformat(t)) if times else ""
