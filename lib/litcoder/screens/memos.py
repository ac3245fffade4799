"""The memo screen: read and write the memo on a competency, a source or a ruling in a
notebook, with the memos that link to it.

    from litcoder.screens.memos import memo_screen
    memo_screen(review, "competency", "charisma")

Save writes corpus/memos/<kind>/<id>.md (inputs.memos.write_memo); a memo someone changed
since the screen read it (another window, a git pull) is not overwritten: the screen keeps
the researcher's text, shows the file's, and saves only once they have merged the two.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..inputs.memos import MemoChanged, MemoError, backlinks, memo_html, memos_about, read_memos, write_memo
from ..review import Review


class MemoSession:
    """One memo's text as read, and saving it without losing anyone else's."""

    def __init__(self, review: Review, kind: str, ident: str):
        self.review, self.kind, self.ident = review, kind, ident
        self.read()

    def read(self) -> str:
        memos, _ = read_memos(self.review.path, set(self.review.codebook["competency"]),
                              set(self.review.sources["citekey"]))
        self.memos = memos
        mine = memos_about(memos, self.kind, self.ident)
        self.expected = mine["text"].iloc[0] if len(mine) else None
        return self.expected or ""

    def save(self, text: str) -> str:
        """Save `text`; MemoChanged (nothing written, `expected` now the file's) if the memo
        changed since it was read, so that a second Save after merging goes through."""
        try:
            path = write_memo(self.review.path, self.kind, self.ident, text, self.expected)
        except MemoChanged as err:
            self.expected = err.current
            raise
        self.read()
        return f"Saved to {path.relative_to(self.review.path).as_posix()}"

    def linked_from(self) -> list[str]:
        cited = backlinks(self.memos, self.kind, self.ident)
        return [f"{k}: {i}" for k, i in zip(cited["kind"], cited["id"])]


def memo_screen(review: Review, kind: str, ident: str) -> w.VBox:
    """A text box with the memo, Save, the memo as it reads (links named) and its backlinks."""
    session = MemoSession(review, kind, ident)
    box = w.Textarea(value=session.read(), layout=w.Layout(width="100%", height="12rem"),
                     placeholder="Markdown; link with [[competency:id]], [[source:citekey]], [[ruling:id]]")
    save, message, shown = w.Button(description="Save", button_style="primary"), w.HTML(), w.HTML()

    def show(_=None) -> None:
        shown.value = memo_html(box.value, lambda k, i: None) if box.value.strip() else ""
        links = session.linked_from()
        message.value += f"<div>Linked from: {html.escape(', '.join(links))}</div>" if links else ""

    def on_save(_) -> None:
        try:
            message.value = html.escape(session.save(box.value))
        except MemoChanged as err:
            message.value = (f"<b>{html.escape(str(err))}</b><pre>{html.escape(err.current or '(removed)')}</pre>")
            return
        except (MemoError, ValueError, OSError) as err:
            message.value = f"<b>Not saved:</b> {html.escape(str(err))}"
            return
        show()

    save.on_click(on_save)
    box.observe(lambda change: show(), names="value")
    show()
    return w.VBox([w.HTML(f"<b>Memo on the {html.escape(kind)} {html.escape(ident)}</b>"), box, save, message,
                   shown])
