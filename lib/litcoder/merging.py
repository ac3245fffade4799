"""Three-way merges of litcoder's CSV files and codebook, for git: work done in parallel in
two clones merges row by row (competency by competency in the codebook), and a CSV never
holds conflict markers.

git merges a text file line by line, so two people who each add a row at the end of the same
file (two coders' settlements, two rulings, one coder on two laptops) "conflict", and a
non-programmer faced with <<<<<<< in a CSV gives up or loses rows. `litcoder setup-git`
names this module's merge for litcoder's CSV files in .gitattributes; git then calls
`litcoder merge-file BASE OURS THEIRS PATH`, which writes the merged file over OURS.

How rows are matched across the three versions:
- a coder's file (corpus/codings/<coder>.csv): by the coding's id. A coding edited in one
  clone takes that edit; edited differently in both, the later edit (edited_at) is kept and
  the other goes to the coder's history file as 'merged', so no version is lost.
- every other CSV litcoder keeps (coverage logs, edit histories, settlements, rulings, the
  codebook change log, source attributes): by the whole row. These are logs to which rows
  are added, so the merge keeps every row either clone added, and drops a row only where
  one clone removed (or edited) it and the other left it as it was.

The codebook merges by its items (see merge_codebook).

Rows keep their bytes; the merged file has our rows in our order, then theirs that we lack
in their order, under our header with any column only theirs has added at its end.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .files import csv_delimiter, csv_records, decode, split_lines
from .layout import LOCAL

CODER_FILES = "corpus/codings/"
GROUPED = {"corpus/settlements.csv": "item", "corpus/decisions.csv": "competency"}
"""Logs where rows added in both clones for one item (a settlement, a ruling) are a true conflict."""
KEYED = {"corpus/attributes.csv": "citekey"}
"""Files of one row per key, merged cell by cell."""
CONFLICT = "conflict"
MARK = "made in two clones at once"


@dataclass
class Table:
    """A CSV text as rows: its header, each row's cells by column and its text as written."""

    header: list[str]
    rows: list[tuple[dict[str, str], str]]
    delimiter: str = ","
    newline: str = "\n"
    head: str = ""
    """The header line as written."""


@dataclass
class Merged:
    text: str
    replaced: list[dict] = field(default_factory=list)
    """Rows of a coder's file edited differently in both clones whose other version lost (for its history)."""
    notes: list[str] = field(default_factory=list)
    """Codebook items changed differently in both clones (both versions kept, the other as comments)."""
    conflicted: bool = False
    """Merged line by line with conflict markers: git is told the merge failed."""


def read_table(text: str) -> Table:
    lines = split_lines(text)
    if not lines:
        return Table([], [])
    delimiter = csv_delimiter(lines[0])
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    records = csv_records(lines, delimiter)
    first = next(records, None)
    header = [h.strip().lower() for h in (first.cells or [])] if first else []
    rows = []
    for record in records:
        raw = "".join(lines[record.start - 1:record.end])
        if record.cells is None or not any(c.strip() for c in record.cells):
            if raw.strip():
                rows.append(({}, raw))  # an unreadable row is kept as written
            continue
        rows.append((dict(zip(header, (c.strip() for c in record.cells))), raw))
    return Table(header, rows, delimiter, newline, "".join(lines[:first.end]) if first else "")


def merge_tables(base: str, ours: str, theirs: str, by_id: bool, group: str | None = None) -> Merged:
    """The three-way merge of one CSV file's texts (see the module's note). With `group` (a
    column), rows added in both clones for one value of it, differing, are a true conflict:
    all are kept, each marked in a `conflict` column, for `litcoder validate` to name."""
    o, a, b = read_table(base), read_table(ours), read_table(theirs)
    if not a.header:
        return Merged(theirs)
    header = a.header + [c for c in b.header if c not in a.header]
    key: Callable[[dict, str], str] = (lambda cells, raw: cells.get("id") or raw) if by_id else \
        (lambda cells, raw: "\x1f".join(cells.get(c, "") for c in header) if cells else raw)
    base_rows = _keyed(o, key)
    our_rows, their_rows = _keyed(a, key), _keyed(b, key)
    merged = Merged("")
    out, added = [], {"ours": [], "theirs": []}
    for k, (cells, raw) in our_rows.items():
        if k in their_rows:
            row = _resolved((cells, raw), their_rows[k], base_rows.get(k), merged, by_id)
            out.append(row if row[1] is raw or _same_shape(a, b, header) else (row[0], None))
        elif k not in base_rows or base_rows[k][0] != cells:  # ours added or edited it; theirs removed it
            added["ours"].append(len(out))
            out.append((cells, raw))
        # else: theirs removed a row we left as it was
    for k, (cells, raw) in their_rows.items():
        if k not in our_rows and (k not in base_rows or base_rows[k][0] != cells):
            added["theirs"].append(len(out))
            out.append((cells, raw if _same_shape(a, b, header) else None))
    if group:
        header = _marked(out, added, group, header)
    merged.text = _written(a, header, out)
    return merged


def merge_keyed(base: str, ours: str, theirs: str, key: str) -> Merged:
    """The three-way merge of a file with one row per `key` (source attributes: a row per
    citekey), cell by cell: a cell changed in one clone takes that change, so two members who
    each gave one attribute of a source both count. A cell changed both ways keeps ours, and
    the row's `conflict` column says what the other clone gave, for `litcoder validate` to name."""
    o, a, b = read_table(base), read_table(ours), read_table(theirs)
    if not a.header or key not in a.header:
        return merge_tables(base, ours, theirs, by_id=False)
    header = a.header + [c for c in b.header if c not in a.header]
    was, mine, other = (_by_key(t, key) for t in (o, a, b))
    out, conflicted = [], False
    for k in list(mine) + [k for k in other if k not in mine]:
        row, note = _merged_row(was.get(k), mine.get(k), other.get(k), header, key)
        if row is not None:
            out.append(row if not note else ({**row[0], CONFLICT: note}, None))
            conflicted = conflicted or bool(note)
    header = header + [CONFLICT] if conflicted and CONFLICT not in header else header
    same = _same_shape(a, b, header)  # else their rows are written again in our shape
    return Merged(_written(a, header, [(cells, raw if same or not cells else None) for cells, raw in out]))


def _by_key(table: Table, key: str) -> dict[str, tuple[dict, str]]:
    """Rows by their key's cell; a row without one (unreadable, or blank key) by its text."""
    return {cells.get(key) or raw: (cells, raw) for cells, raw in table.rows}


def _merged_row(base, ours, theirs, header: list[str], key: str) -> tuple[tuple | None, str]:
    """One key's row, merged cell by cell, and a note of the cells changed both ways ('' if none)."""
    if ours is None or theirs is None:
        kept = ours if theirs is None else theirs
        return (None, "") if base is not None and kept[0] == base[0] else (kept, "")  # removed, or changed: kept
    if ours[0] == theirs[0] or (base is not None and theirs[0] == base[0]):
        return ours, ""
    if base is not None and ours[0] == base[0]:
        return theirs, ""
    before = base[0] if base is not None else {}
    cells, clashes = {}, []
    for column in header:
        mine, other, old = ours[0].get(column, ""), theirs[0].get(column, ""), before.get(column, "")
        cells[column] = other if mine == old else mine
        if mine not in (other, old) and other != old and column != CONFLICT:
            clashes.append(f"{column} = '{other}'")
    note = f"{MARK}: the other clone gave {', '.join(clashes)}" if clashes else ""
    return (cells, None), note


def _marked(out: list, added: dict[str, list[int]], group: str, header: list[str]) -> list[str]:
    """Mark the rows both clones added for one value of `group`; the header, with `conflict` if needed."""
    values = {side: {out[i][0].get(group) for i in rows} for side, rows in added.items()}
    both = (values["ours"] & values["theirs"]) - {None, ""}
    for i in added["ours"] + added["theirs"]:
        cells = out[i][0]
        if cells.get(group) in both:
            out[i] = ({**cells, CONFLICT: MARK}, None)
    return header + [CONFLICT] if both and CONFLICT not in header else header


def _same_shape(ours: Table, theirs: Table, header: list[str]) -> bool:
    """Whether their rows can be taken as written: the same columns, delimiter and line end as ours."""
    return theirs.header == ours.header == header and (theirs.delimiter, theirs.newline) == (ours.delimiter,
                                                                                             ours.newline)


def _keyed(table: Table, key) -> dict[str, tuple[dict, str]]:
    """Rows by key; a key met again (two equal rows) is told apart by its count."""
    rows, seen = {}, {}
    for cells, raw in table.rows:
        k = key(cells, raw)
        seen[k] = seen.get(k, 0) + 1
        rows[k if seen[k] == 1 else f"{k}\x1e{seen[k]}"] = (cells, raw)
    return rows


def _resolved(ours: tuple, theirs: tuple, base: tuple | None, merged: Merged, by_id: bool) -> tuple:
    if ours[0] == theirs[0] or (base is not None and base[0] == theirs[0]):
        return ours
    if base is not None and base[0] == ours[0]:
        return theirs
    # edited both ways (a coding, or added twice with one id): the later edit stays, the other is kept aside
    later, other = (theirs, ours) if _edited(theirs[0]) > _edited(ours[0]) else (ours, theirs)
    if by_id:
        merged.replaced.append(other[0])
    return later


def _edited(cells: dict) -> str:
    return cells.get("edited_at") or cells.get("coded_at") or ""


def _written(ours: Table, header: list[str], rows: list[tuple[dict, str | None]]) -> str:
    """The merged rows as written, or (raw None, or every row once a column was added) written
    again under the merged header with our delimiter and line end."""
    widened = header != ours.header
    lines = [_line(header, ours.delimiter, ours.newline) if widened else _header_text(ours)]
    for cells, raw in rows:
        if raw is None or (widened and cells):
            raw = _line([cells.get(c, "") for c in header], ours.delimiter, ours.newline)
        lines.append(raw if raw.endswith(("\n", "\r")) else raw + ours.newline)
    return "".join(lines)


def _header_text(table: Table) -> str:
    return table.head if table.head.endswith(("\n", "\r")) else table.head + table.newline


def _line(cells: list[str], delimiter: str, newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerow(cells)
    return buffer.getvalue()


def merge_file(base: Path, ours: Path, theirs: Path, path: str, root: Path) -> Merged:
    """git's merge driver: merge the three versions of `path` and write the result over `ours`.
    A coding edited differently in both clones keeps its later edit; the other version is
    added to .litcoder/merged/<coder>.csv in the clone (never lost, never committed)."""
    texts = [decode(p.read_bytes()).text if p.exists() else "" for p in (base, ours, theirs)]
    if path.endswith((".yaml", ".yml")):
        merged = merge_codebook(*texts)
    elif path.replace("\\", "/") in KEYED:
        merged = merge_keyed(*texts, key=KEYED[path.replace("\\", "/")])
    else:
        merged = merge_tables(*texts, by_id=_is_coder_file(path), group=GROUPED.get(path.replace("\\", "/")))
    ours.write_text(merged.text, encoding="utf-8", newline="")
    if merged.replaced:
        aside = root / LOCAL / "merged" / Path(path).name
        aside.parent.mkdir(parents=True, exist_ok=True)
        columns = list(dict.fromkeys(c for row in merged.replaced for c in row))
        with aside.open("a", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, columns, lineterminator="\n")
            if aside.stat().st_size == 0:
                writer.writeheader()
            writer.writerows(merged.replaced)
    return merged


# ---------------------------------------------------------------- the codebook

ITEM = re.compile(r"^(?P<indent>[ ]*)-[ ]+id:[ ]*(?P<id>[^#\s][^#]*?)[ ]*(?:#.*)?$")
"""A line that opens a group or a competency (`- id: planning`), in block style."""
NOTE = "# litcoder merge:"
"""The comment that opens what the codebook's merge could not decide (the loader names it)."""


def merge_codebook(base: str, ours: str, theirs: str) -> Merged:
    """The three-way merge of codebook.yaml, competency by competency (and group by group): an
    item changed in one clone takes that change, whatever the other changed elsewhere; items
    added, removed or moved in one clone are so in the merge. An item changed differently in
    both keeps our version, with theirs beneath it as comment lines opened by `# litcoder
    merge:`, which `litcoder validate` names until someone chooses; so the codebook still loads
    and neither version is lost. A codebook whose items cannot be told apart merges line by line
    as git would (`conflicted`)."""
    o, a, b = _items(base), _items(ours), _items(theirs)
    if None in (o, a, b) or not a:
        return _merged_as_text(base, ours, theirs)
    out = {}
    for key in dict.fromkeys([*a, *b]):
        body, note = _decided(*(_body(items.get(key)) for items in (o, a, b)))
        if body is not None:  # blank lines after an item are ours where we have it: they separate, not change
            out[key] = (body, note, _blank_end(a.get(key) if key in a else b[key]))
    order = _ordered(list(o), list(a), list(b), out)
    merged = Merged("")
    for key in order:
        body, note, blank = out[key]
        if merged.text and not merged.text.endswith("\n"):
            merged.text += "\n"
        merged.text += body + ("" if body.endswith("\n") or not note else "\n") + note + blank
        if note:
            merged.notes.append(key[1])
    return merged


def _items(text: str) -> dict[tuple[str, str], str] | None:
    """The codebook's text in items by (indent, id): what comes before the first item, then each
    item's lines up to the next item's (comments and blank lines go with the item above them).
    None if an id opens two items."""
    items: dict[tuple[str, str], str] = {("", ""): ""}
    key = ("", "")
    for line in split_lines(text):
        found = ITEM.match(line.rstrip("\r\n"))
        if found:
            key = (found["indent"], found["id"].strip("'\""))
            if key in items:
                return None
            items[key] = ""
        items[key] += line
    return items


def _body(item: str | None) -> str | None:
    """An item without the blank lines after it."""
    return None if item is None else item[:len(item) - len(_blank_end(item))]


def _blank_end(item: str) -> str:
    lines = split_lines(item)
    blank = 0
    while blank < len(lines) - 1 and not lines[-1 - blank].strip():
        blank += 1
    return "".join(lines[len(lines) - blank:])


def _decided(base: str | None, ours: str | None, theirs: str | None) -> tuple[str | None, str]:
    """One item's merged text (None: removed) and any note for `litcoder validate`."""
    if ours == theirs or theirs == base:
        return ours, ""
    if ours == base:
        return theirs, ""
    if ours is None or theirs is None:  # removed in one clone, changed in the other: the change is kept
        kept = ours if ours is not None else theirs
        return kept, _note(kept, ["another clone removed this {what} while this one changed it; it is kept:",
                                  "remove it again if the committee agrees, then delete these comment lines"])
    return ours, _note(ours, ["another clone changed this {what} at the same time; its version is below.",
                              "Keep one (or combine them), then delete these comment lines:"], theirs)


def _note(text: str, why: list[str], other: str | None = None) -> str:
    """Comment lines to put after an item: `why`, then the other version's lines."""
    lines = split_lines(text)
    indent = " " * (len(lines[0]) - len(lines[0].lstrip(" ")))
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    what = "group" if any(line.strip() == "competencies:" for line in lines) else "competency"
    notes = [f"{indent}{NOTE} {why[0].format(what=what)}{newline}"]
    notes += [f"{indent}#   {line.format(what=what)}{newline}" for line in why[1:]]
    for line in split_lines(other or ""):
        line = line.rstrip("\r\n")
        notes.append(f"{indent}#   {line[len(indent):] if line.startswith(indent) else line.lstrip()}{newline}"
                     if line.strip() else f"{indent}#{newline}")
    return "".join(notes)


def _ordered(base: list, ours: list, theirs: list, kept: dict) -> list:
    """The merged order: ours, with the items theirs added, or moved (where ours left them in
    place), put after the item they follow in theirs."""
    def before(order: list) -> dict:
        return {key: order[i - 1] if i else None for i, key in enumerate(order)}
    was, now_ours, now_theirs = before(base), before(ours), before(theirs)
    order = [key for key in ours if key in kept]
    for key in theirs:
        moved = key in was and now_theirs[key] != was[key] and now_ours.get(key) == was[key]
        if key not in kept or (key in order and not moved):
            continue
        if key in order:
            order.remove(key)
        after = now_theirs[key]
        order.insert(order.index(after) + 1 if after in order else len(order), key)
    return order


def _merged_as_text(base: str, ours: str, theirs: str) -> Merged:
    """Line by line, as git would, with conflict markers where both clones changed a line."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, name) for name in ("ours", "base", "theirs")]
        for path, text in zip(paths, (ours, base, theirs)):
            path.write_text(text, encoding="utf-8", newline="")
        done = subprocess.run(["git", "merge-file", "-p", "-L", "this clone", "-L", "before", "-L", "the other clone",
                               *map(str, paths)], capture_output=True)
    if done.returncode < 0 or done.returncode > 127:
        raise GitError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return Merged(done.stdout.decode("utf-8", errors="replace"), conflicted=done.returncode > 0)


ATTRIBUTES_LINE = "corpus/**/*.csv merge=litcoder"
CODEBOOK_LINE = "corpus/codebook.yaml merge=litcoder"
NOTEBOOKS_LINE = "*.ipynb filter=litcoder-notebook"
LINES = (ATTRIBUTES_LINE, CODEBOOK_LINE, NOTEBOOKS_LINE)
GITATTRIBUTES = f"""# litcoder (litcoder setup-git): its CSV files merge row by row, and the codebook competency by
# competency, never with conflict markers; notebooks are committed without their outputs
{ATTRIBUTES_LINE}
{CODEBOOK_LINE}
{NOTEBOOKS_LINE}
"""
HOOKS = {
    "post-merge": """#!/bin/sh
# litcoder setup-git: after a merge, say whether the review still loads cleanly
"{python}" -m litcoder validate . || echo "litcoder: the merge left problems in the review (above); fix them and commit"
""",
    # a merge finished by a commit (git merge --no-commit, the JupyterLab git panel) runs no post-merge hook
    "post-commit": """#!/bin/sh
# litcoder setup-git: after committing a merge, say whether the review still loads cleanly
git rev-parse -q --verify HEAD^2 >/dev/null || exit 0
"{python}" -m litcoder validate . || echo "litcoder: the merge left problems in the review (above); fix them and commit"
""",
}


def strip_notebook(text: str) -> str:
    """A notebook without its outputs and execution counts, as git should keep it (written as
    nbformat writes it, so a notebook stored clean is unchanged); text that is not a notebook
    is given back as it is."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        return text
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            if isinstance(cell.get("metadata"), dict):
                for key in ("execution", "collapsed", "scrolled"):
                    cell["metadata"].pop(key, None)
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def setup_git(root: Path, python: str, commit: bool = True) -> list[str]:
    """Name litcoder's merge for the review's CSV files: the driver in this clone's git config
    (`python` runs litcoder), .gitattributes committed (with `commit`) so every clone uses it.
    Returns what was done."""
    done = []
    driver = f'"{python}" -m litcoder merge-file %O %A %B %P'
    for name, value in (("merge.litcoder.name", "litcoder: CSV files row by row"), ("merge.litcoder.driver", driver),
                        ("filter.litcoder-notebook.clean", f'"{python}" -m litcoder strip-notebook')):
        _git(root, "config", name, value)
    done.append(f"git config: merge.litcoder.driver = {driver}; notebooks stripped of outputs on commit")
    if not _git_value(root, "pull.rebase"):  # unset, git pull refuses once two clones have both committed
        _git(root, "config", "pull.rebase", "false")
        done.append("git config: pull.rebase = false (git pull merges, through litcoder's merge)")
    hooks = Path(_git(root, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else root / hooks
    for name, text in HOOKS.items():
        if not (hooks / name).exists():  # never over someone's own hook
            hooks.mkdir(parents=True, exist_ok=True)
            (hooks / name).write_text(text.format(python=python), encoding="utf-8")
            (hooks / name).chmod(0o755)
            done.append(f"{name} hook: `litcoder validate` after each merge")
    attributes = root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if not set(LINES) <= set(text.splitlines()):
        kept = [line for line in text.splitlines() if line not in LINES and not line.startswith("# litcoder")
                and not line.startswith(("# notebooks are committed", "# competency, never with"))]
        attributes.write_text("".join(f"{line}\n" for line in kept) + GITATTRIBUTES, encoding="utf-8")
        _git(root, "add", ".gitattributes")
        if commit:
            done.append(_committed(root, "litcoder setup-git: merge the review's CSV files row by row",
                                   ".gitattributes"))
    else:
        done.append(".gitattributes: already names the merge")
    return done


def setup_missing(root: Path) -> str | None:
    """What is missing for litcoder's merges in the clone that holds `root`, said for a person;
    None when all is set, or when the review is not set up for them at all (no .gitattributes
    names them: a review kept by one person, or litcoder's own repository), or not in a git
    clone. The committee commits .gitattributes once; what each clone lacks until it runs
    `litcoder setup-git` is the driver in its own config, without which git merges the review's
    files line by line and leaves conflict markers."""
    try:
        if _git(root, "rev-parse", "--is-inside-work-tree").strip() != "true":
            return None
        named = _git(root, "check-attr", "merge", "--", "corpus/settlements.csv").strip().endswith(": litcoder")
    except (GitError, OSError):
        return None
    if named and not _git_value(root, "merge.litcoder.driver"):
        return ("this clone has not been set up for litcoder's merges (.gitattributes names them, but this clone's "
                "git config does not): git would merge the review's files line by line here and leave conflict "
                "markers in them")
    return None


def start_git(root: Path, python: str) -> list[str]:
    """For a new review: a git repository (unless it is inside one already), set up as
    setup_git does, and its files committed."""
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True, text=True)
    done = []
    if inside.returncode:
        _git(root, "init", "-q")
        done.append("git: a new repository")
    done += setup_git(root, python, commit=False)
    _git(root, "add", "--", ".")
    return done + [_committed(root, "litcoder init: a new review", ".")]


def _committed(root: Path, message: str, *paths: str) -> str:
    try:
        _git(root, "commit", "-q", "-m", message, "--", *paths)
    except GitError:  # git does not know who is committing yet: leave it to them
        return ("staged, not committed: tell git your name (git config --global user.name …, user.email …), "
                "then commit")
    return "committed"


def _git_value(root: Path, name: str) -> str:
    """A setting of the clone's git config; "" when it is not set."""
    try:
        return _git(root, "config", "--get", name).strip()
    except GitError:  # git config --get fails when the name is not set
        return ""


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode:
        raise GitError(f"git {args[0]} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


class GitError(Exception):
    """git is missing, the folder is not a clone, or a git command failed."""


def main(argv: list[str] | None = None) -> None:
    """What git runs (through `python -m litcoder`, which comes here without loading the rest of
    litcoder): `strip-notebook` (the clean filter: stdin to stdout) or `merge-file BASE OURS
    THEIRS PATH` (the merge driver; exit 1 tells git the merge left conflict markers)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["strip-notebook"]:
        data = sys.stdin.buffer.read()
        try:
            data = strip_notebook(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:  # not a notebook litcoder can read: kept exactly as it is
            pass
        sys.stdout.buffer.write(data)
        return
    if argv[:1] != ["merge-file"] or len(argv) != 5:
        sys.exit("usage: python -m litcoder merge-file BASE OURS THEIRS PATH | strip-notebook")
    path = argv[4]
    merged = merge_file(*map(Path, argv[1:4]), path, Path.cwd())
    say = [f"coding {row.get('id')} was edited in both clones; the later edit is kept, the other is in "
           f".litcoder/merged/{Path(path).name}" for row in merged.replaced]
    say += [f"{item} was changed in both clones; both versions are in the file (the other as comments under it): "
            "keep one, then commit" for item in merged.notes]
    if merged.conflicted:
        say.append("its competencies could not be told apart, so it was merged line by line: keep one version of "
                   "the lines between <<<<<<< and >>>>>>>, delete the marker lines, then commit")
    for line in say:
        print(f"litcoder: {path}: {line}", file=sys.stderr)
    sys.exit(1 if merged.conflicted else 0)


def _is_coder_file(path: str) -> bool:
    """A coder's codings file, counted or practice (corpus/codings/[practice/]<coder>.csv); not a history."""
    parts = path.replace("\\", "/").split("/")
    return path.replace("\\", "/").startswith(CODER_FILES) and parts[-1].endswith(".csv") and (
        len(parts) == 3 or (len(parts) == 4 and parts[2] == "practice"))
