"""codebook.yaml → the competencies table, checked line by line.

The codebook lists the competencies in groups. Each competency has an id (used in the
coding files), a label, a definition, indicators, examples and the committee's working
classification. Problems point at the line of the competency in the YAML file; a broken
competency is left out and the rest load.

    >>> frame, groups, framings, log = read_codebook(Path("corpus/codebook.yaml"), "corpus/codebook.yaml")
    >>> frame.loc[frame.competency == "charisma", ["group", "working_classification"]].values.tolist()
    [['disputed', 'neither']]

The YAML is read in two steps: composed into nodes (by libyaml's C parser when PyYAML has
it, about ten times faster than the pure-Python one, which is the fallback), checked
against the limits below, and only then turned into Python values, so that a file of a
few lines cannot make the values it describes unboundedly large or deep.
"""

from __future__ import annotations

import bisect
import re
import reprlib
from pathlib import Path

import pandas as pd
import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..files import read_text, split_lines
from ..merging import ITEM, NOTE
from ..problems import ProblemLog

FRAMINGS = ("leadership", "management", "both", "neither")
WORKING_CLASSIFICATIONS = ("leadership", "management", "both", "neither", "contested")

COMPETENCY_COLUMNS = ["competency", "label", "group", "group_label", "definition", "indicators",
                      "examples", "working_classification", "line"]
GROUP_COLUMNS = ["group", "label", "description", "line"]

EXPANSION_LIMIT = 10_000_000
"""The most characters that aliases (`*name`, repeating what `&name` marks) may add to the
codebook's own text. The bundled codebook is 14,000 characters, and a codebook of a thousand
competencies about a million, so even an alias repeating a shared list of indicators in
every competency stays far below; nested aliases, each repeating the one before nine
times, pass it within a dozen lines, and reading further would take gigabytes."""

DEPTH_LIMIT = 50
"""The deepest the codebook's values may nest. A codebook needs seven levels (groups, a
group, its competencies, a competency, its indicators, an indicator, its text); fifty
leave room for anything a person writes, and keep reading the values far from Python's
recursion limit, which a thousand nested brackets would reach."""

_COMPETENCY_KEYS = {"id", "label", "definition", "indicators", "examples", "classification", "group"}
_GROUP_KEYS = {"id", "label", "description", "competencies"}
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LINE = "__line__"
_SURROGATE = re.compile("[\ud800-\udfff]")
_BROKEN = object()  # what _load gives for a codebook it could not read (the problem is logged)
_PREVIEW = reprlib.Repr()  # a short repr of a value of any size or depth, for messages
_PREVIEW.maxlevel, _PREVIEW.maxstring, _PREVIEW.maxother, _PREVIEW.maxlist, _PREVIEW.maxdict = 2, 60, 60, 4, 4


class _Lines:
    """Line numbers of YAML marks as editors count them: a line ends at '\\n', '\\r\\n' or '\\r'.

    YAML also ends lines at U+0085, U+2028 and U+2029, which editors show inside a line, so
    in a file holding one of those a mark's line is counted again from its index.
    """

    _ODD_BREAKS = re.compile("[\x85\u2028\u2029]")

    def __init__(self, text: str):
        self.text = text
        self.odd = bool(self._ODD_BREAKS.search(text))
        self.starts: list[int] | None = None

    def of(self, mark) -> int | None:
        if mark is None:
            return None
        return self.at(mark.index) if self.odd else mark.line + 1

    def at(self, index: int) -> int:
        """The 1-based line of a character index."""
        if self.starts is None:
            self.starts = [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]
        return bisect.bisect_right(self.starts, index) + 1


def _line_loader(base: type) -> type:
    """A YAML loader on `base` that keeps each mapping's line, notices repeated keys, leaves
    out keys that are lists or mappings, and reads a scalar it cannot convert as text."""

    class LineLoader(base):
        def __init__(self, stream, log: ProblemLog, lines: _Lines):
            super().__init__(stream)
            self.log = log
            self.lines = lines

        def construct_mapping(self, node, deep=False):
            seen, pairs = set(), []
            for key_node, value_node in node.value:
                line = self.lines.of(key_node.start_mark)
                if not isinstance(key_node, ScalarNode):
                    what = "list" if isinstance(key_node, SequenceNode) else "mapping"
                    self.log.error(line, f"a key here is a {what}, which no codebook key can be; it and its value "
                                   "were left out", "write the key as a word, e.g. id:, label:, indicators:",
                                   "codebook-key")
                    continue
                if key_node.value in seen:
                    self.log.warning(line, f"key '{_short(key_node.value)}' appears twice here; the last one is used",
                                     "remove one of them", "codebook-duplicate-key")
                seen.add(key_node.value)
                pairs.append((key_node, value_node))
            node = MappingNode(node.tag, pairs, node.start_mark, node.end_mark, node.flow_style)
            mapping = super().construct_mapping(node, deep=True)
            mapping[_LINE] = self.lines.of(node.start_mark)
            return mapping

        def construct_object(self, node, deep=False):
            try:
                data = super().construct_object(node, deep)
            except (yaml.constructor.ConstructorError, ValueError, TypeError, OverflowError) as err:
                if not isinstance(node, ScalarNode):
                    if isinstance(err, yaml.YAMLError):
                        raise
                    raise yaml.constructor.ConstructorError(None, None, str(err), node.start_mark) from err
                return self._as_text(node, err)
            if isinstance(data, str) and _SURROGATE.search(data):  # "\ud800": libyaml refuses it too
                raise yaml.constructor.ConstructorError(None, None, "an escape here (\\uD800 to \\uDFFF) is half "
                                                        "of a character, not a character", node.start_mark)
            return data

        def _as_text(self, node: ScalarNode, err: Exception) -> str:
            """A scalar that cannot become what it looks like (a date that is no date, as 2024-02-30; a
            number of more than 4,300 digits; an unknown !!tag) read as the text it is, with a warning."""
            self.recursive_objects.pop(node, None)
            what = _TAG_NAMES.get(node.tag, f"a value tagged {node.tag.replace('tag:yaml.org,2002:', '!!')}")
            self.log.warning(self.lines.of(node.start_mark), f"'{_short(node.value)}' cannot be read as {what} "
                             f"({_reason(err, node)}); it is read as text", "put it in quotes if it is text",
                             "codebook-value")
            self.constructed_objects[node] = node.value
            return node.value

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, LineLoader.construct_mapping)
    return LineLoader


_TAG_NAMES = {"tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
              "tag:yaml.org,2002:timestamp": "a date", "tag:yaml.org,2002:bool": "true or false",
              "tag:yaml.org,2002:binary": "base64 data"}
_PureLoader = _line_loader(yaml.SafeLoader)
_Loader = _line_loader(yaml.CSafeLoader) if yaml.__with_libyaml__ else _PureLoader
"""libyaml's parser when PyYAML was built with it, else the pure-Python one (same values, lines)."""


def _reason(err: Exception, node: ScalarNode) -> str:
    digits = sum(c.isdigit() for c in node.value)
    if node.tag == "tag:yaml.org,2002:int" and digits > 4000:
        return f"a number of {digits:,} digits is longer than Python reads"
    return _short(getattr(err, "problem", None) or str(err), 120)


def _short(value, n: int = 60) -> str:
    """A value for a message: its text, cut to about n characters."""
    text = value if isinstance(value, str) else _PREVIEW.repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= n else text[: n - 1] + "…"


def _load(text: str, log: ProblemLog, loader: type | None = None):
    """The codebook's values (None for an empty file), or _BROKEN once the reason is logged."""
    lines = _Lines(text)
    reader = None
    try:
        reader = (loader or _Loader)(text, log, lines)
        node = reader.get_single_node()
        if node is None:
            return None
        if not _within_limits(node, text, lines, log):
            return _BROKEN
        return reader.construct_document(node)
    except yaml.reader.ReaderError as err:
        _unreadable_character(err, text, lines, log)
    except yaml.MarkedYAMLError as err:
        _yaml_error(err, text, lines, log)
    except yaml.YAMLError as err:
        log.error(None, f"the codebook is not valid YAML: {_short(str(err), 200)}", "fix the YAML syntax",
                  "codebook-yaml")
    except RecursionError:  # the pure-Python composer, past Python's recursion limit
        _too_deep(_deepest_line(text, lines), log)
    except UnicodeEncodeError as err:  # libyaml reads UTF-8, and a lone surrogate has none
        log.error(lines.at(err.start), "the codebook holds a character that is not valid Unicode on this line",
                  "retype the text around it, then save the file as UTF-8", "codebook-encoding")
    finally:
        if reader is not None:
            reader.dispose()
    return _BROKEN


def _within_limits(root, text: str, lines: _Lines, log: ProblemLog) -> bool:
    """Whether the composed nodes, with every alias expanded, stay within EXPANSION_LIMIT and
    DEPTH_LIMIT and hold no alias to a value around it; logs the first node that does not.

    Each node is measured once (an alias is the node it names, so the graph is walked with
    memoised sizes and heights) and the walk keeps its own stack, so neither the size nor the
    depth of what the nodes describe can make it run away.
    """
    limit = len(text) + EXPANSION_LIMIT
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes being walked: an alias to one of them loops
    stack = [(root, 1, False)]
    while stack:
        node, level, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            own = 1 + len(node.value) if isinstance(node, ScalarNode) else 1  # a text counts its characters
            size[key] = min(limit + 1, own + sum(size[id(c)] for c in children))
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            if size[key] > limit:
                log.error(lines.of(node.start_mark), "the aliases (*name) in the value starting here repeat what "
                          "they name so often that the codebook would grow by more than "
                          f"{EXPANSION_LIMIT:,} characters; nothing in the codebook was read",
                          "write the values out, or use each alias for one list or text only", "codebook-aliases")
                return False
            continue
        if level + height.get(key, 1) - 1 > DEPTH_LIMIT:  # past the limit here, or below this alias
            _too_deep(lines.of(node.start_mark), log)
            return False
        if key in size:
            continue
        open_nodes.add(key)
        stack.append((node, level, True))
        for child in children:
            if id(child) in open_nodes:
                log.error(lines.of(node.start_mark), "an alias (*name) in the value starting here names a value "
                          "that holds it, so the value would never end; nothing in the codebook was read",
                          "remove the alias, or write the value out", "codebook-aliases")
                return False
            if id(child) not in size:
                stack.append((child, level + 1, False))
            elif level + height[id(child)] > DEPTH_LIMIT:
                _too_deep(lines.of(child.start_mark), log)
                return False
    return True


def _children(node) -> list:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _too_deep(line: int | None, log: ProblemLog) -> None:
    log.error(line, f"the values nest more than {DEPTH_LIMIT} levels deep here (a codebook needs seven); nothing in "
              "the codebook was read", "check the brackets and the indentation near this line", "codebook-depth")


def _deepest_line(text: str, lines: _Lines) -> int | None:
    """The line where the nesting first passes DEPTH_LIMIT, from the parser's events (no recursion)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > DEPTH_LIMIT:
                    return lines.of(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return None


def _unreadable_character(err: yaml.reader.ReaderError, text: str, lines: _Lines, log: ProblemLog) -> None:
    character = chr(err.character) if isinstance(err.character, int) else str(err.character)[:1]
    line = lines.at(err.position)
    if character == "\x00" and text.count("\x00") * 4 >= len(text):
        log.error(line, "the codebook holds NUL characters between its letters: it was saved as UTF-16, which is "
                  "not read; nothing in the codebook was read", "save the file again as UTF-8 (in Notepad: "
                  "Save As, Encoding: UTF-8)", "codebook-encoding")
        return
    log.error(line, f"the codebook holds a control character (U+{ord(character):04X}) on this line, which YAML does "
              "not allow; nothing in the codebook was read", "delete it: it often comes with text pasted from a "
              "PDF or a word processor", "codebook-character")


def _yaml_error(err: yaml.MarkedYAMLError, text: str, lines: _Lines, log: ProblemLog) -> None:
    mark = err.problem_mark or err.context_mark
    line = lines.of(mark)
    problem = err.problem or "syntax error"
    if "maximum nesting depth" in problem:  # libyaml's own limit, at 1,000 levels
        _too_deep(line, log)
        return
    if mark is not None and (" tab " in problem or "'\\t'" in problem or text[mark.index:mark.index + 1] == "\t"):
        log.error(line, "the codebook is not valid YAML: a tab ('\\t') indents this line, and YAML indents with "
                  "spaces only", "replace the tab with spaces", "codebook-yaml")
        return
    log.error(line, f"the codebook is not valid YAML: {problem}",
              "fix the indentation or quoting near this line (a value with ': ' needs quotes)", "codebook-yaml")


def _merge_notes(text: str, log: ProblemLog) -> None:
    """Name what a merge of two clones left undecided: a competency changed both ways (litcoder's
    merge keeps both, the other as comments), or git's conflict markers (a clone without
    `litcoder setup-git`)."""
    item = ""
    for number, line in enumerate(split_lines(text), 1):
        opened = ITEM.match(line.rstrip("\r\n"))
        item = opened["id"] if opened else item
        if line.lstrip().startswith(NOTE):
            log.warning(number, f"{item or 'this part'} was changed in two clones at once; the other clone's version "
                        "is in the comments here", "keep one version (or combine them), delete the comment lines, "
                        "and commit", "codebook-conflict")
        elif line.startswith("<<<<<<<"):
            log.error(number, "git left a conflict here: this clone merged the codebook line by line (litcoder "
                      "setup-git was not run in it)", "run `litcoder setup-git` once in this clone; keep one version "
                      "of the lines between <<<<<<< and >>>>>>>, delete the marker lines, and commit", "merge-markers")


def read_codebook(path: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...], ProblemLog]:
    """Competencies and groups from codebook.yaml, the framings in use, and problems."""
    log = ProblemLog(name)
    empty = pd.DataFrame(columns=COMPETENCY_COLUMNS), pd.DataFrame(columns=GROUP_COLUMNS), FRAMINGS, log
    if not path.exists():
        log.error(None, "the codebook is missing", f"create {name}; `litcoder init` writes a starter codebook",
                  "codebook-missing")
        return empty
    try:
        text = read_text(path, log)
    except OSError as err:  # a folder where the file should be, a file without permission to read it
        log.error(None, f"the codebook cannot be read: {err.strerror or err}", "check that it is a file, and that "
                  "you may read it", "unreadable")
        return empty
    _merge_notes(text, log)
    document = _load(text, log)
    if document is _BROKEN:
        return empty
    if document is None:
        log.warning(None, "the codebook is empty", "add competencies; see docs/review-format.md", "codebook-empty")
        return empty
    if not isinstance(document, dict):
        log.error(1, "the codebook must be a mapping with a 'groups' list", "see docs/review-format.md",
                  "codebook-shape")
        return empty
    framings = _framings(document, log)
    groups = _list(document, "groups", log)
    if "competencies" in document:  # an ungrouped codebook is fine too
        groups.append({"id": "", "label": "", "competencies": document["competencies"], _LINE: document[_LINE]})
    rows, group_rows, seen = [], [], {}
    listed: dict[int, int] = {}  # the mappings already read, by identity: an alias (*name) can list one twice
    for group in groups:
        if _listed_again(group, "group", listed, log):
            continue
        group_row = _group_row(group, log)
        group_rows.append(group_row)
        for item in _list(group, "competencies", log):
            if _listed_again(item, "competency", listed, log):
                continue
            row = _competency_row(item, group_row, log)
            if row is None:
                continue
            if row["competency"] in seen:
                log.error(row["line"], f"competency id '{_short(row['competency'])}' is already used on line "
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
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""
    document = _load(text, ProblemLog(path.name))
    return _text(document.get("title")) if isinstance(document, dict) else ""


def _listed_again(mapping: dict, what: str, listed: dict[int, int], log: ProblemLog) -> bool:
    """Whether this very mapping was read before (an alias repeats it); the repeat is reported."""
    if id(mapping) not in listed:
        listed[id(mapping)] = mapping[_LINE]
        return False
    log.error(mapping[_LINE], f"the {what} on this line is listed again through an alias (*name); the repeat was "
              "left out", f"remove the alias, or write the second {what} out with its own id", "codebook-aliases")
    return True


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
            log.error(mapping.get(_LINE), f"an item of '{key}' is not a mapping: {_short(_text(item))!r}",
                      "each item needs id:, label: … on their own lines", "codebook-shape")
    return items


def _unknown_keys(mapping: dict, known: set[str]) -> list:
    """The keys of mapping that are not known, in order (keys may be numbers or dates as well as text)."""
    return sorted((k for k in mapping if k not in known and k != _LINE), key=str)


def _key_text(key) -> str:
    """A key as YAML writes it: null, true, 2024-01-01, 12, or its text."""
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return _short(str(key))


def _group_row(group: dict, log: ProblemLog) -> dict:
    line = group[_LINE]
    for key in _unknown_keys(group, _GROUP_KEYS):
        log.warning(line, f"group key '{_key_text(key)}' is not used", f"known keys: {', '.join(sorted(_GROUP_KEYS))}",
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
    shown = _short(competency)
    if not _ID.fullmatch(competency):
        log.warning(line, f"competency id '{shown}' is not a slug", "use lower-case letters, digits and hyphens",
                    "codebook-id")
    for key in _unknown_keys(item, _COMPETENCY_KEYS):
        log.warning(line, f"{shown}: key '{_key_text(key)}' is not used",
                    f"known keys: {', '.join(sorted(_COMPETENCY_KEYS))}", "codebook-key")
    label = _text(item.get("label"))
    if not label:
        log.warning(line, f"{shown}: no label; the id is shown instead", "add label:", "codebook-field")
    definition = _text(item.get("definition"))
    if not definition:
        log.warning(line, f"{shown}: no definition", "add definition: so coders know what it covers",
                    "codebook-field")
    classification = _text(item.get("classification")).lower() or "contested"
    if classification not in WORKING_CLASSIFICATIONS:
        log.warning(line, f"{shown}: classification '{_short(classification)}' is not one of "
                    f"{', '.join(WORKING_CLASSIFICATIONS)}; taken as contested", "correct the classification",
                    "codebook-classification")
        classification = "contested"
    return {
        "competency": competency,
        "label": label or competency,
        "group": _text(item.get("group")) or group["group"],
        "group_label": group["label"],
        "definition": definition,
        "indicators": _strings(item.get("indicators"), f"{shown}: an indicator", line, log),
        "examples": _strings(item.get("examples"), f"{shown}: an example", line, log),
        "working_classification": classification,
        "line": line,
    }


def _text(value) -> str:
    """A value as one line of text; a mapping (text YAML read as one) as 'key: value; …'."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{_text(k)}: {_text(v)}" for k, v in value.items() if k != _LINE)
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return " ".join(str(value).split())


def _strings(value, what: str, line: int, log: ProblemLog) -> list[str]:
    """A list of texts; an item YAML read as a mapping (an unquoted ': ') is kept as its text."""
    items = value if isinstance(value, list) else [] if value is None else [value]
    texts = []
    for item in items:
        text = _text(item)
        if isinstance(item, dict):
            log.warning(item.get(_LINE, line), f"{what} was read as a mapping ({_short(text)}), because of a ': ' "
                        "inside it", "put the text in quotes", "codebook-shape")
        if text:
            texts.append(text)
    return texts
