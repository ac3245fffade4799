"""Codebook changes that carry the codings along: rename, merge and split a competency.

    litcoder codebook rename directing guiding --why "clearer name"
    litcoder codebook merge directing coordinating --why "the sources do not tell them apart"
    litcoder codebook split communication informing listening

Each change is written to corpus/codebook-changes.csv (when, what, by whom, why) *before*
anything else is touched, then made in corpus/codebook.yaml (only the competency's lines;
comments and layout kept), in every coder's file (through the store's lock, one rewrite per
file, so a coding appended meanwhile is never lost and every changed coding keeps its
history), in the settlements, the rulings and the memos.

The log is what keeps the clones of a review in step: a coding made with an old id in
another clone, and merged afterwards, is read under the id the log leads to (a rename or a
merge), with a note saying so, and `litcoder codebook migrate` writes that into the file.
A split cannot be carried along: only a coder can say which part a passage shows, so the
codings of a split competency wait, left out of the evidence, until recoded
(`litcoder codebook recode`). Changing only a competency's label changes nothing else.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from ..files import read_csv_rows, read_text, write_atomic
from ..layout import CODEBOOK, CODEBOOK_CHANGES, CODINGS, DECISIONS, MEMOS, SETTLEMENTS
from ..problems import ProblemLog
from ..store import CoderFile, CsvFile, now
from .bibliography import closest
from .codebook import read_codebook
from .settlements import item_key, parse_key

CHANGES = ("rename", "merge", "split")
CHANGE_COLUMNS = ["changed_at", "change", "competency", "into", "changed_by", "why", "note"]
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class CodebookChangeError(Exception):
    """A change that cannot be made as asked; nothing was changed."""


@dataclass(frozen=True)
class Move:
    """Where the log leads an id no longer in the codebook: to one competency (renamed or
    merged), or to the parts it was split into."""

    into: tuple[str, ...]
    how: str
    """'renamed to guiding on 2026-11-30', 'merged into coordinating on …', 'split into … on …'."""

    @property
    def split(self) -> bool:
        return len(self.into) != 1

    @property
    def renamed_only(self) -> bool:
        """Only renamed (once or more): its rulings and memos are its new id's."""
        return not self.split and "merged into" not in self.how


@dataclass
class ChangeReport:
    """What a change did, file by file, for the screen or the command line to say."""

    change: str
    codings: dict[str, int] = field(default_factory=dict)
    """Codings rewritten, by coder file (for a split: codings now waiting to be recoded)."""
    settlements: int = 0
    rulings: int = 0
    retired: list[str] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    """What could not be carried along, in words (e.g. a settlement the other competency has too)."""

    def lines(self) -> list[str]:
        said = [f"{self.change}: {n} coding(s) in {file}" for file, n in self.codings.items() if n]
        said += [f"{self.settlements} settlement(s) moved"] if self.settlements else []
        said += [f"{self.rulings} ruling(s) moved"] if self.rulings else []
        said += [f"ruling retired (kept in {CODEBOOK_CHANGES}): {r}" for r in self.retired]
        said += [f"memo: {m}" for m in self.memos]
        return said + [f"left as it was: {m}" for m in self.left]


# ------------------------------------------------------------------ reading the log

def read_changes(path: Path, name: str = CODEBOOK_CHANGES) -> tuple[pd.DataFrame, ProblemLog]:
    """The codebook changes in the order they were made, and the problems met."""
    log = ProblemLog(name)
    rows = []
    for row in (read_csv_rows(path, log, CHANGE_COLUMNS[1:4], CHANGE_COLUMNS) or []) if path.exists() else []:
        values = {c: row.values.get(c, "") for c in CHANGE_COLUMNS}
        into = tuple(values["into"].split())
        if values["change"] not in CHANGES:
            log.error(row.line, f"'{values['change']}' is not a codebook change; this row was not followed",
                      f"use one of: {', '.join(CHANGES)}", "change-kind")
        elif not values["competency"] or not into:
            log.error(row.line, "a codebook change needs the competency and what it became; this row was not "
                      "followed", "fill in the competency and into columns", "change-ids")
        elif (values["change"] == "split") != (len(into) > 1):
            wanted = "two or more" if values["change"] == "split" else "one"
            log.error(row.line, f"a {values['change']} leads to {wanted} competencies, not {len(into)}; this row "
                      "was not followed",
                      "list the ids in the into column, separated by spaces", "change-ids")
        else:
            rows.append({**values, "into": " ".join(into), "line": row.line})
    return pd.DataFrame(rows, columns=[*CHANGE_COLUMNS, "line"]), log


def moves(changes: pd.DataFrame, current: set[str]) -> dict[str, Move]:
    """Old id → where the log leads it, for every id the log changed that the codebook no
    longer has. An id is followed through every later change (renamed, then merged)."""
    found: dict[str, Move] = {}
    rows = list(zip(changes["change"], changes["competency"], changes["into"], changes["changed_at"]))
    for old in {competency for _, competency, _, _ in rows} - current:
        at, steps = old, []
        for change, competency, into, when in rows:
            if competency != at:
                continue
            parts = tuple(into.split())
            day = when[:10]
            steps.append({"rename": f"renamed to {parts[0]}", "merge": f"merged into {parts[0]}"}.get(
                change, f"split into {' and '.join(parts)}") + (f" on {day}" if day else ""))
            if change == "split":
                found[old] = Move(parts, ", then ".join(steps))
                break
            at = parts[0]
        else:
            if at in current and at != old:
                found[old] = Move((at,), ", then ".join(steps))
    return found


# ------------------------------------------------------------------ making a change

def rename(root: Path, old: str, new: str | None = None, label: str | None = None, by: str = "",
           why: str = "") -> ChangeReport:
    """Give competency `old` the id `new` everywhere (and, with `label`, a new label). With no
    `new`, only the label changes: nothing else refers to it, so nothing else is touched."""
    codebook = _codebook(root)
    _known(old, codebook)
    if new is None:
        if not label:
            raise CodebookChangeError("say the new id, the new label (--label), or both")
        write_atomic(root / CODEBOOK, _edited(root, lambda text, items: _relabelled(text, items[old], label)))
        return ChangeReport("label")
    _new_id(new, codebook)
    codebook_text = _edited(root, lambda text, items: _renamed_entry(text, items[old], new, label))
    _log(root, "rename", old, [new], by, why)
    write_atomic(root / CODEBOOK, codebook_text)
    report = ChangeReport("renamed")
    _carry(root, {old: new}, report)
    _rename_rulings(root, old, new, report)
    _move_memos(root, old, new, report, merge=False)
    _relink_memos(root, old, new, report)
    return report


def merge(root: Path, old: str, into: str, by: str = "", why: str = "") -> ChangeReport:
    """Fold competency `old` into `into`: its codings become codings of `into`, its entry
    leaves the codebook, and its ruling is retired (kept in the log's note)."""
    codebook = _codebook(root)
    _known(old, codebook)
    _known(into, codebook)
    if old == into:
        raise CodebookChangeError(f"'{old}' cannot be merged into itself")
    retired = _rulings_on(root, old)
    codebook_text = _edited(root, lambda text, items: _removed(text, items[old]))
    _log(root, "merge", old, [into], by, why, note="; ".join(retired))
    write_atomic(root / CODEBOOK, codebook_text)
    report = ChangeReport("merged", retired=retired)
    _carry(root, {old: into}, report)
    _retire_rulings(root, old, report)
    _move_memos(root, old, into, report, merge=True)
    _relink_memos(root, old, into, report)
    return report


def split(root: Path, old: str, parts: list[str], labels: list[str] | None = None, by: str = "",
          why: str = "") -> ChangeReport:
    """Replace competency `old` by two or more new ones (each a copy of its entry, with its own
    id and label, to be edited). Its codings are not changed: they wait for a coder to say
    which part each shows (`litcoder codebook recode`)."""
    codebook = _codebook(root)
    _known(old, codebook)
    if len(parts) < 2 or len(set(parts)) != len(parts):
        raise CodebookChangeError("a split needs two or more different new ids")
    for part in parts:
        _new_id(part, codebook)
    labels = list(labels or []) + [_label_for(part) for part in parts[len(labels or []):]]
    retired = _rulings_on(root, old)
    codebook_text = _edited(root, lambda text, items: _split_entry(text, items[old], parts, labels))
    _log(root, "split", old, parts, by, why, note="; ".join(retired))
    write_atomic(root / CODEBOOK, codebook_text)
    report = ChangeReport("waiting to be recoded", retired=retired)
    for path in _coder_files(root):
        report.codings[path.name] = sum(row.get("competency") == old for row in CoderFile(path).rows())
    _retire_rulings(root, old, report)
    report.left += [f"the settlements and memos on {old}: settle and write them again for "
                    f"{' and '.join(parts)}"] if _has_settlements(root, old) else []
    return report


def add_competencies(root: Path, codes: list[tuple[str, str]], group_label: str, group_description: str
                     ) -> dict[str, str]:
    """Add competencies (label, definition) in a new group at the end of the codebook, for the
    committee to define and place; returns each label's new id. Nothing else changes, and the
    layout and comments of the rest of the codebook are kept."""
    codebook = _codebook(root)
    taken = set(codebook["competency"]) | set(read_codebook(root / CODEBOOK, CODEBOOK)[1]["group"])
    ids = {}
    for label, _ in codes:
        ids[label] = _fresh_id(label, taken)
    group = _fresh_id("imported", taken)
    entries = [(ids[label], label, definition) for label, definition in codes]
    write_atomic(root / CODEBOOK, _edited(root, lambda text, items: _with_group(text, group, group_label,
                                                                                   group_description, entries)))
    return ids


def _fresh_id(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower())
    base = base.strip("-")[:40].strip("-") or "code"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    taken.add(found)
    return found


def _with_group(text: str, group: str, label: str, description: str, entries: list[tuple[str, str, str]]) -> str:
    """The codebook's text with a group of new competencies after its last group (or, in a
    codebook without groups, the competencies after its last one)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    groups, flat = _value(root, "groups"), _value(root, "competencies")
    listed = groups if isinstance(groups, yaml.SequenceNode) and groups.value else flat
    if not isinstance(listed, yaml.SequenceNode) or not listed.value or listed.flow_style:
        raise CodebookChangeError(f"{CODEBOOK} lists no groups or competencies as a block list to add to; "
                                  "add the competencies by hand")
    last = listed.value[-1]
    dash = " " * (last.start_mark.column - 2)
    lines = []
    if listed is groups:
        lines += [f"{dash}- id: {group}", f"{dash}  label: {_scalar(label)}",
                  f"{dash}  description: {json.dumps(description, ensure_ascii=False)}", f"{dash}  competencies:"]
        dash += "    "
    for n, (ident, name, definition) in enumerate(entries):
        lines += [""] if n or listed is not groups else []
        lines += [f"{dash}- id: {ident}", f"{dash}  label: {_scalar(name)}"]
        if definition:
            lines.append(f"{dash}  definition: {json.dumps(definition, ensure_ascii=False)}")
        lines.append(f"{dash}  classification: contested")
    _, end = _entry_span(text, last)
    return text[:end] + "\n" + "\n".join(lines) + "\n" + text[end:]


def migrate(root: Path) -> ChangeReport:
    """Write into the coder files, settlements and rulings what the log leads old ids to (codings made
    in another clone before a change, and merged since)."""
    codebook = _codebook(root)
    changes, _ = read_changes(root / CODEBOOK_CHANGES)
    found = moves(changes, set(codebook["competency"]))
    mapping = {old: move.into[0] for old, move in found.items() if not move.split}
    report = ChangeReport("migrated")
    if mapping:
        _carry(root, mapping, report)
    for old, move in found.items():
        if move.renamed_only:
            _rename_rulings(root, old, move.into[0], report)
    return report


def waiting(root: Path) -> pd.DataFrame:
    """The codings of split competencies, waiting for a coder to recode them."""
    changes, _ = read_changes(root / CODEBOOK_CHANGES)
    split_ = {old: m for old, m in moves(changes, set(_codebook(root)["competency"])).items() if m.split}
    rows = [{"coder": path.stem, "id": row["id"], "citekey": row.get("citekey", ""),
             "passage": row.get("passage", ""), "quote": row.get("quote", ""), "competency": row["competency"],
             "choose": " or ".join(split_[row["competency"]].into)}
            for path in _coder_files(root) for row in CoderFile(path).rows() if row.get("competency") in split_]
    return pd.DataFrame(rows, columns=["coder", "id", "citekey", "passage", "quote", "competency", "choose"])


def recode(root: Path, coder: str, coding_id: str, competency: str) -> dict:
    """Give one waiting coding (of a split competency) the part it shows."""
    pending = waiting(root)
    mine = pending[(pending["coder"] == coder) & (pending["id"] == coding_id)]
    if mine.empty:
        raise CodebookChangeError(f"{coder} has no coding '{coding_id}' waiting to be recoded "
                                  "(`litcoder codebook recode` lists them)")
    choices = mine["choose"].iloc[0].split(" or ")
    if competency not in choices:
        raise CodebookChangeError(f"coding '{coding_id}' is of {mine['competency'].iloc[0]}, split into "
                                  f"{' and '.join(choices)}: choose one of those, not '{competency}'")
    return CoderFile(root / CODINGS / f"{coder}.csv").update(
        coding_id, expected={"competency": mine["competency"].iloc[0]}, competency=competency)


# ------------------------------------------------------------------ checks

def _codebook(root: Path) -> pd.DataFrame:
    frame, _, _, log = read_codebook(root / CODEBOOK, CODEBOOK)
    if frame.empty:
        why = next((p.message for p in log if p.severity == "error"), "it has no competencies")
        raise CodebookChangeError(f"{CODEBOOK} cannot be changed: {why}; fix it first (`litcoder validate`)")
    return frame


def _known(competency: str, codebook: pd.DataFrame) -> None:
    ids = set(codebook["competency"])
    if competency not in ids:
        raise CodebookChangeError(f"no competency '{competency}' in {CODEBOOK}{closest(competency, ids)}; "
                                  "nothing was changed")


def _new_id(new: str, codebook: pd.DataFrame) -> None:
    if not _SLUG.fullmatch(new):
        raise CodebookChangeError(f"'{new}' is not an id: use lower-case letters, digits and hyphens "
                                  "(e.g. guiding-staff); nothing was changed")
    if new in set(codebook["competency"]):
        raise CodebookChangeError(f"'{new}' is already a competency in {CODEBOOK}; to fold one into the other, "
                                  "use merge; nothing was changed")


def _label_for(competency: str) -> str:
    return competency.replace("-", " ").replace("_", " ").capitalize()


# ------------------------------------------------------------------ the log

def _log(root: Path, change: str, old: str, into: list[str], by: str, why: str, note: str = "") -> None:
    CsvFile(root / CODEBOOK_CHANGES, CHANGE_COLUMNS).append_rows(
        {"changed_at": now(), "change": change, "competency": old, "into": " ".join(into), "changed_by": by,
         "why": why, "note": note})


# ------------------------------------------------------------------ the codebook's text

def _items(text: str) -> dict[str, yaml.MappingNode]:
    """Each competency's mapping node in the codebook (with its place in the text)."""
    found = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    groups = _value(root, "groups")
    lists = [_value(g, "competencies") for g in getattr(groups, "value", [])] + [_value(root, "competencies")]
    for listed in lists:
        for item in getattr(listed, "value", []):
            ident = _value(item, "id")
            if isinstance(ident, yaml.ScalarNode):
                found.setdefault(ident.value, item)
    return found


def _value(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _edited(root: Path, edit) -> str:
    """The codebook's text as `edit(text, items)` makes it, checked to read (the change is
    logged only then, and the codebook written after the log)."""
    text = read_text(root / CODEBOOK, ProblemLog(CODEBOOK))
    new = edit(text, _items(text))
    try:
        yaml.safe_load(new)
    except yaml.YAMLError as err:  # never leave a codebook that does not read
        raise CodebookChangeError(f"the change would leave {CODEBOOK} unreadable ({err}); nothing was changed"
                                  ) from err
    return new


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain where it reads back as itself, else double-quoted."""
    plain = value and not re.search(r"[:#\[\]{},&*!|>'\"%@`]|^[-?\s]|\s$", value)
    return value if plain and yaml.safe_load(value) == value else json.dumps(value, ensure_ascii=False)


def _replaced(text: str, node: yaml.Node, value: str) -> str:
    return text[:node.start_mark.index] + _scalar(value) + text[node.end_mark.index:]


def _renamed(text: str, item: yaml.MappingNode, new: str) -> str:
    return _replaced(text, _value(item, "id"), new)


def _renamed_entry(text: str, item: yaml.MappingNode, new: str, label: str | None) -> str:
    text = _renamed(text, item, new)
    return _relabelled(text, _items(text)[new], label) if label else text


def _relabelled(text: str, item: yaml.MappingNode, label: str) -> str:
    node = _value(item, "label")
    if isinstance(node, yaml.ScalarNode):
        return _replaced(text, node, label)
    at = _value(item, "id").end_mark.index  # no label yet: one after the id, at the id's indent
    indent = " " * item.start_mark.column
    return text[:at] + f"\n{indent}label: {_scalar(label)}" + text[at:]


def _entry_span(text: str, item: yaml.MappingNode) -> tuple[int, int]:
    """Where a competency's entry is in the text: from the start of its `- id:` line to the
    end of its last line with content (the comments after it belong to what follows)."""
    start = text.rfind("\n", 0, item.start_mark.index) + 1
    end = item.end_mark.index
    lines = text[start:end].split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return start, start + len("\n".join(lines)) + 1


def _removed(text: str, item: yaml.MappingNode) -> str:
    start, end = _entry_span(text, item)
    while text[end:end + 1] == "\n":  # with the blank line that parted it from the next
        end += 1
    return text[:start] + text[end:]


def _split_entry(text: str, item: yaml.MappingNode, parts: list[str], labels: list[str]) -> str:
    start, end = _entry_span(text, item)
    entry = text[start:end]
    listed = "competencies:\n" + entry  # the entry alone, as YAML that reads
    copy = _items(listed)[_value(item, "id").value]
    copies = [_renamed_entry(listed, copy, part, label)[len("competencies:\n"):] for part, label in zip(parts, labels)]
    return text[:start] + "\n".join(copies) + text[end:]


# ------------------------------------------------------------------ codings, settlements, rulings, memos

def _coder_files(root: Path) -> list[Path]:
    folder = root / CODINGS
    return sorted(p for p in folder.glob("*.csv") if not p.name.startswith(".")) if folder.is_dir() else []


def _carry(root: Path, mapping: dict[str, str], report: ChangeReport) -> None:
    """Codings and settlements of the old ids under their new ones."""
    def coding(row: dict) -> dict | None:
        new = mapping.get(row.get("competency", ""))
        return {"competency": new} if new else None

    for path in _coder_files(root):
        report.codings[path.name] = CoderFile(path).rewrite_rows(coding)
    path = root / SETTLEMENTS
    if not path.exists():
        return
    settlements = CsvFile(path, key="item")
    taken = {row.get("item", "") for row in settlements.rows()}

    def settlement(row: dict) -> dict | None:
        parts = parse_key(row.get("item", ""))
        new = mapping.get(parts["competency"]) if parts else None
        if not new:
            return None
        key = item_key(parts["kind"], parts["citekey"], new, parts["passage"])
        if key in taken:  # the other competency is settled there already: its settlement stands
            report.left.append(f"settlement {row['item']} ({key} is settled already)")
            return None
        return {"item": key}

    report.settlements += settlements.rewrite_rows(settlement)


def _rename_rulings(root: Path, old: str, new: str, report: ChangeReport) -> None:
    path = root / DECISIONS
    if path.exists():
        report.rulings += CsvFile(path, key="competency").rewrite_rows(
            lambda row: {"competency": new} if row.get("competency") == old else None)


def _rulings_on(root: Path, competency: str) -> list[str]:
    path = root / DECISIONS
    rows = CsvFile(path).rows() if path.exists() else []
    return [f"ruling on {competency}: {r.get('classification', '')} ({r.get('decided_on', '')}, "
            f"{r.get('decided_by', '') or 'committee'}): {r.get('rationale', '')}"
            for r in rows if r.get("competency") == competency]


def _retire_rulings(root: Path, competency: str, report: ChangeReport) -> None:
    path = root / DECISIONS
    if path.exists() and report.retired:
        CsvFile(path, key="competency").remove_where("competency", competency)


def _has_settlements(root: Path, competency: str) -> bool:
    path = root / SETTLEMENTS
    return path.exists() and any((parse_key(r.get("item", "")) or {}).get("competency") == competency
                                 for r in CsvFile(path).rows())


def _move_memos(root: Path, old: str, new: str, report: ChangeReport, merge: bool) -> None:
    """The competency's and its ruling's memos under the new id; merged into the other's
    memo (below a line saying where it came from) when that one has a memo too."""
    for kind in ("competency", "ruling"):
        source, target = root / MEMOS / kind / f"{old}.md", root / MEMOS / kind / f"{new}.md"
        if not source.exists():
            continue
        text = read_text(source, ProblemLog(str(source)))
        if target.exists():
            ours = read_text(target, ProblemLog(str(target))).rstrip("\n")
            how = "merged into" if merge else "renamed to"
            text = f"{ours}\n\n## From the memo on {old} ({how} {new} on {date.today().isoformat()})\n\n{text}"
        write_atomic(target, text)
        source.unlink()
        report.memos.append(f"{kind}/{old}.md → {kind}/{new}.md")


def _relink_memos(root: Path, old: str, new: str, report: ChangeReport) -> None:
    """Links to the old id in every memo ([[competency:old]], [[ruling:old]], [[old]], with or
    without their own words) made links to the new one."""
    link = re.compile(r"\[\[((?:competency:|ruling:)?)" + re.escape(old) + r"(\|[^\[\]\n]*)?\]\]")
    for path in sorted((root / MEMOS).glob("*/*.md")) if (root / MEMOS).is_dir() else []:
        text = read_text(path, ProblemLog(str(path)))
        relinked = link.sub(lambda m: f"[[{m.group(1)}{new}{m.group(2) or ''}]]", text)
        if relinked != text:
            write_atomic(path, relinked)
            report.memos.append(f"links to {old} in {path.relative_to(root).as_posix()} now lead to {new}")
