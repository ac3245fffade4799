"""The coding pad: a passage the coder selects words of with the mouse (or Shift+arrows),
with the competency search, the framing and Save, all on the keyboard (static/pad.js).

The pad only shows and collects; what its keys ask for (save, next passage, nothing to
code here, undo …) reaches `on_action(action, message)`, which the coding screen answers.
Offsets are code points within the passage, as Python counts them.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import anywidget
import traitlets as t

STATIC = Path(__file__).parent / "static"
ACTIONS = ("save", "cancel", "next", "previous", "uncoded", "nothing", "undo", "edit")


def folded(text: str) -> str:
    """Lower case without accents, as the pad's search compares (pad.js `fold`)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


class CodingPad(anywidget.AnyWidget):
    _esm = (STATIC / "pad.js").read_text(encoding="utf-8")
    _css = (STATIC / "pad.css").read_text(encoding="utf-8")

    text = t.Unicode("").tag(sync=True)
    marks = t.List(t.Dict()).tag(sync=True)
    """This coder's codings of the passage: id, start, end (in the passage), label, framing."""
    selection = t.List(t.Int()).tag(sync=True)
    """[start, end] of the selected words in the passage, or [] (the whole passage)."""
    competencies = t.List(t.Dict()).tag(sync=True)
    competency = t.Unicode("").tag(sync=True)
    framing = t.Unicode("").tag(sync=True)
    quick = t.List(t.Dict()).tag(sync=True)
    """Suggested competencies (id, label, and the suggested framing, used only on request)."""
    editing = t.Unicode("").tag(sync=True)
    nothing = t.Bool(False).tag(sync=True)
    where = t.Unicode("").tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    status_kind = t.Unicode("").tag(sync=True)

    def __init__(self, codebook, on_action=lambda action, message: None, **kwargs):
        super().__init__(competencies=_choices(codebook), **kwargs)
        self.on_action = on_action
        self.on_msg(self._received)

    def _received(self, _widget, content, _buffers) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action not in ACTIONS:
            return
        # the state the coder saw when pressing the key (its own sync may still be on its way)
        with self.hold_sync():
            for name, kind in (("competency", str), ("framing", str)):
                if isinstance(content.get(name), kind):
                    setattr(self, name, content[name])
            selection = content.get("selection")
            if isinstance(selection, list) and len(selection) in (0, 2) and all(type(n) is int for n in selection):
                self.selection = selection
        self.on_action(action, content)

    def press(self, action: str, **message) -> None:
        """Act as if the coder pressed the key for `action` (tests, and the screen's own buttons)."""
        self._received(self, {"action": action, **message}, [])

    def show_choice(self, competency: str = "", framing: str = "", selection: list[int] | None = None,
                    editing: str = "") -> None:
        """Show these choices in the pad, even where this side already holds them (the
        browser's own choices reach this side only with an action)."""
        self.competency, self.framing, self.selection, self.editing = competency, framing, selection or [], editing
        self.send_state(["competency", "framing", "selection", "editing"])

    def select(self, start: int, end: int) -> None:
        """Select the passage's words from `start` to `end` (what a mouse selection does)."""
        self.selection = [start, end] if end > start else []

    def focus(self) -> None:
        """Give the pad the keyboard (after a button elsewhere on the screen was used)."""
        self.send({"focus": True})

    def say(self, message: str, kind: str = "plain") -> None:
        self.status, self.status_kind = message, kind

    @property
    def quote_span(self) -> tuple[int, int] | None:
        return (self.selection[0], self.selection[1]) if len(self.selection) == 2 else None


def _choices(codebook) -> list[dict]:
    """The codebook as the pad searches it: label, group, id, and the folded words of its
    label, id, definition and indicators."""
    columns = [c for c in ("definition", "indicators") if c in codebook.columns]
    out = []
    for row in codebook.to_dict("records"):
        words = [row["label"], row["competency"]] + [_text(row[c]) for c in columns]
        out.append({"id": row["competency"], "label": row["label"], "group": row.get("group_label") or "",
                    "haystack": folded(" ".join(words))})
    return out


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return "" if value is None or value != value else str(value)
