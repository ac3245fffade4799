"""The codebook in the REFI-QDA Codebook Exchange format (`.qdc`), which NVivo, ATLAS.ti, MAXQDA
and QualCoder import.

The codebook's groups become parent codes (not codable), each competency a codable code under
its group, its definition, indicators, examples and working classification in its Description.
How a source frames a competency is carried as four codable child codes under it
("Planning › management", …), so that a coder in another tool codes the framing as litcoder
does; and a Set per working classification ("Working classification: management") lists the
competencies the committee placed there. Every code's guid is made from the review's ids
(uuid5), so the same codebook exports the same guids, and an import can map them back.
"""

from __future__ import annotations

import uuid
from xml.etree import ElementTree as ET

from ..inputs.codebook import FRAMINGS
from ..review import Review
from .theme import FRAMING_COLOURS

NAMESPACE = "urn:QDA-XML:codebook:1.0"
GUIDS = uuid.UUID("5d3c1f2e-7a41-4b8e-9c0d-2f6a1e8b4c70")
"""The namespace of litcoder's guids: uuid5(GUIDS, 'competency:planning') and so on."""
GROUP_COLOUR = "#555555"


def guid(kind: str, key: str) -> str:
    """The stable guid of a group, competency, framing or set."""
    return str(uuid.uuid5(GUIDS, f"{kind}:{key}"))


def codebook_xml(review: Review, origin: str = "litcoder") -> str:
    """The review's codebook as a REFI-QDA Codebook (.qdc) document."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(_tag("CodeBook"), {"origin": origin})
    codes = ET.SubElement(root, _tag("Codes"))
    groups = review.groups.set_index("group")
    for group, members in review.codebook.groupby("group", sort=False):
        parent = codes
        if group:  # an ungrouped codebook's competencies stand at the top
            described = groups.loc[group] if group in groups.index else None
            parent = _code(codes, guid("group", group), members["group_label"].iloc[0] or group, False, GROUP_COLOUR,
                           described["description"] if described is not None else "")
        for row in members.itertuples():
            code = _code(parent, guid("competency", row.competency), row.label, True, None, _description(row))
            for framing in FRAMINGS:
                _code(code, guid("framing", f"{row.competency}:{framing}"), f"{row.label} › {framing}", True,
                      FRAMING_COLOURS.get(framing), f"{row.label}, as the source frames it: {framing}.")
    sets = ET.SubElement(root, _tag("Sets"))
    for classification, members in review.codebook.groupby("working_classification", sort=True):
        if not classification:
            continue
        found = ET.SubElement(sets, _tag("Set"), {"guid": guid("set", classification),
                                                  "name": f"Working classification: {classification}"})
        ET.SubElement(found, _tag("Description")).text = (
            f"The competencies the committee's working classification places with {classification}.")
        for competency in members["competency"]:
            ET.SubElement(found, _tag("MemberCode"), {"guid": guid("competency", competency)})
    if not len(sets):
        root.remove(sets)  # the schema wants a Set in Sets, or no Sets
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _code(parent: ET.Element, code_guid: str, name: str, codable: bool, colour: str | None,
          description: str) -> ET.Element:
    attributes = {"guid": code_guid, "name": name, "isCodable": "true" if codable else "false"}
    if colour:
        attributes["color"] = colour
    code = ET.SubElement(parent, _tag("Code"), attributes)
    if description:
        ET.SubElement(code, _tag("Description")).text = description
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
