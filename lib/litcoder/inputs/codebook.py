"""codebook.yaml → the competencies table, checked line by line.

The codebook lists the competencies in groups. Each competency has an id (used in the
coding files), a label, a definition, indicators, examples and the committee's working
classification. Problems point at the line of the competency in the YAML file; a broken
competency is left out and the rest load.

    >>> frame, groups, framings, log = read_codebook(Path("corpus/codebook.yaml"), "corpus/codebook.yaml")
    >>> frame.loc[frame.competency == "charisma", ["group", "working_classification"]].values.tolist()
    [['disputed', 'neither']]
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from ..files import read_text
from ..problems import ProblemLog

FRAMINGS = ("leadership", "management", "both", "neither")
WORKING_CLASSIFICATIONS = ("leadership", "management", "both", "neither", "contested")

COMPETENCY_COLUMNS = ["competency", "label", "group", "group_label", "definition", "indicators",
                      "examples", "working_classification", "line"]
GROUP_COLUMNS = ["group", "label", "description", "line"]

_COMPETENCY_KEYS = {"id", "label", "definition", "indicators", "examples", "classification", "group"}
_GROUP_KEYS = {"id", "label", "description", "competencies"}
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that keeps each mapping's line and notices repeated keys."""

    def __init__(self, stream, log: ProblemLog):
        super().__init__(stream)
        self.log = log

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                self.log.warning(key_node.start_mark.line + 1, f"key '{key}' appears twice here; the last one is used",
                                 "remove one of them", "codebook-duplicate-key")
            seen.add(key)
        mapping = super().construct_mapping(node, deep=True)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def read_codebook(path: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...], ProblemLog]:
    """Competencies and groups from codebook.yaml, the framings in use, and problems."""
    log = ProblemLog(name)
    empty = pd.DataFrame(columns=COMPETENCY_COLUMNS), pd.DataFrame(columns=GROUP_COLUMNS), FRAMINGS, log
    if not path.exists():
        log.error(None, "the codebook is missing", f"create {name}; `litcoder init` writes a starter codebook",
                  "codebook-missing")
        return empty
    loader = _LineLoader(read_text(path, log), log)
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        log.error(mark.line + 1 if mark else None, f"the codebook is not valid YAML: {getattr(err, 'problem', err)}",
                  "fix the indentation or quoting near this line (a value with ': ' needs quotes)", "codebook-yaml")
        return empty
    finally:
        loader.dispose()
    if document is None:
        log.warning(None, "the codebook is empty", "add competencies; see docs/review-format.md", "codebook-empty")
        return empty
    if not isinstance(document, dict):
        log.error(1, "the codebook must be a mapping with a 'groups' list", "see docs/review-format.md",
                  "codebook-shape")
        return empty
    framings = _framings(document, log)
    groups = []
    for group in _list(document, "groups", log):
        groups.append(group)
    if "competencies" in document:  # an ungrouped codebook is fine too
        groups.append({"id": "", "label": "", "competencies": document["competencies"], _LINE: document[_LINE]})
    rows, group_rows, seen = [], [], {}
    for group in groups:
        group_row = _group_row(group, log)
        if group_row is None:
            continue
        group_rows.append(group_row)
        for item in _list(group, "competencies", log):
            row = _competency_row(item, group_row, log)
            if row is None:
                continue
            if row["competency"] in seen:
                log.error(row["line"], f"competency id '{row['competency']}' is already used on line "
                          f"{seen[row['competency']]}; this one was left out", "give it a different id",
                          "codebook-duplicate-id")
                continue
            seen[row["competency"]] = row["line"]
            rows.append(row)
    if not rows:
        log.warning(None, "the codebook has no competencies", "add competencies under groups:", "codebook-empty")
    frame = pd.DataFrame(rows, columns=COMPETENCY_COLUMNS)
    frame["line"] = frame["line"].astype("int64")
    return frame, pd.DataFrame(group_rows, columns=GROUP_COLUMNS), framings, log


def codebook_title(path: Path) -> str:
    """The codebook's `title:`, or '' if it has none or cannot be read (read_codebook reports why)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""
    return _text(document.get("title")) if isinstance(document, dict) else ""


def _framings(document: dict, log: ProblemLog) -> tuple[str, ...]:
    framings = document.get("framings")
    if framings is None:
        return FRAMINGS
    if not isinstance(framings, list) or framings != list(FRAMINGS):
        log.warning(document[_LINE], f"framings are fixed as {', '.join(FRAMINGS)}; the list given here is ignored",
                    "remove the framings key or list exactly these four", "codebook-framings")
    return FRAMINGS


def _list(mapping: dict, key: str, log: ProblemLog) -> list:
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        log.error(mapping.get(_LINE), f"'{key}' must be a list (each item starting with '- ')",
                  f"write {key}: then one '- id: …' item per line", "codebook-shape")
        return []
    items = []
    for item in value:
        if isinstance(item, dict):
            items.append(item)
        else:
            log.error(mapping.get(_LINE), f"an item of '{key}' is not a mapping: {str(item)[:60]!r}",
                      "each item needs id:, label: … on their own lines", "codebook-shape")
    return items


def _group_row(group: dict, log: ProblemLog) -> dict | None:
    line = group[_LINE]
    for key in sorted(set(group) - _GROUP_KEYS - {_LINE}):
        log.warning(line, f"group key '{key}' is not used", f"known keys: {', '.join(sorted(_GROUP_KEYS))}",
                    "codebook-key")
    group_id = _text(group.get("id"))
    return {"group": group_id, "label": _text(group.get("label")) or group_id,
            "description": _text(group.get("description")), "line": line}


def _competency_row(item: dict, group: dict, log: ProblemLog) -> dict | None:
    line = item[_LINE]
    competency = _text(item.get("id"))
    if not competency:
        log.error(line, "a competency has no id; it was left out", "add id: with a short slug, e.g. id: budgeting",
                  "codebook-no-id")
        return None
    if not _ID.fullmatch(competency):
        log.warning(line, f"competency id '{competency}' is not a slug", "use lower-case letters, digits and hyphens",
                    "codebook-id")
    for key in sorted(set(item) - _COMPETENCY_KEYS - {_LINE}):
        log.warning(line, f"{competency}: key '{key}' is not used",
                    f"known keys: {', '.join(sorted(_COMPETENCY_KEYS))}", "codebook-key")
    label = _text(item.get("label"))
    if not label:
        log.warning(line, f"{competency}: no label; the id is shown instead", "add label:", "codebook-field")
    definition = _text(item.get("definition"))
    if not definition:
        log.warning(line, f"{competency}: no definition", "add definition: so coders know what it covers",
                    "codebook-field")
    classification = _text(item.get("classification")).lower() or "contested"
    if classification not in WORKING_CLASSIFICATIONS:
        log.warning(line, f"{competency}: classification '{classification}' is not one of "
                    f"{', '.join(WORKING_CLASSIFICATIONS)}; taken as contested", "correct the classification",
                    "codebook-classification")
        classification = "contested"
    return {
        "competency": competency,
        "label": label or competency,
        "group": _text(item.get("group")) or group["group"],
        "group_label": group["label"],
        "definition": definition,
        "indicators": _strings(item.get("indicators"), f"{competency}: an indicator", line, log),
        "examples": _strings(item.get("examples"), f"{competency}: an example", line, log),
        "working_classification": classification,
        "line": line,
    }


def _text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _strings(value, what: str, line: int, log: ProblemLog) -> list[str]:
    """A list of texts; an item YAML read as a mapping (an unquoted ': ') is kept as its text."""
    items = value if isinstance(value, list) else [] if value is None else [value]
    texts = []
    for item in items:
        if isinstance(item, dict):
            item_line = item.pop(_LINE, line)
            text = "; ".join(f"{k}: {v}" for k, v in item.items())
            log.warning(item_line, f"{what} was read as a mapping ({text}), because of a ': ' inside it",
                        "put the text in quotes", "codebook-shape")
            item = text
        if _text(item):
            texts.append(_text(item))
    return texts
