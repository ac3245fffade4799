"""Turn three of the bundled review's Markdown notes into the formats committees really have.

    .venv/bin/python tools/bundled_formats.py [--review .]

- Zaleznik1977ManagersLeaders.md → .pdf: A5 pages typeset with a running head and page
  numbers, so that its passages (and the quotes coded in them) carry pages;
- Hibner2013ManagementVsLeadership.md → .html: the notes as a page saved from a blog-like
  site, with a menu, share buttons, a comment section and scripts around them;
- Mintzberg1973Nature.md → .docx: a Word file with styled headings.

Each .md is removed once its new file is written; run `litcoder reanchor .` afterwards so
the codings record where their quotes now are. A note that is already converted is left
alone, so running this twice changes nothing. Needs fpdf2 (a test dependency) and the
DejaVu fonts (Debian: fonts-dejavu-core) for the PDF's curly quotes and dashes.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

SOURCES = "corpus/sources"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def blocks(markdown: str) -> list[tuple[int, str]]:
    """(heading level, text) for each block of a note; level 0 is a paragraph."""
    found = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        heading = re.fullmatch(r"(#{1,6})\s+(.*)", block.strip())
        found.append((len(heading.group(1)), heading.group(2)) if heading else (0, " ".join(block.split())))
    return found


def to_pdf(note: list[tuple[int, str]], path: Path, running_head: str) -> None:
    from fpdf import FPDF

    class Notes(FPDF):
        def header(self):
            self.set_font("Serif", size=7.5)
            self.set_text_color(90)
            self.cell(0, 5, running_head, align="C")
            self.ln(9)
            self.set_text_color(0)

        def footer(self):
            self.set_y(-12)
            self.set_font("Serif", size=8)
            self.cell(0, 5, str(self.page_no()), align="C")

    pdf = Notes(format=(148, 210), unit="mm")  # A5
    for style, name in (("", "DejaVuSerif.ttf"), ("B", "DejaVuSerif-Bold.ttf")):
        pdf.add_font("Serif", style, str(FONT_DIR / name))
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(running_head)
    pdf.set_author("Committee reading notes")
    pdf.set_creator("litcoder tools/bundled_formats.py")
    pdf.add_page()
    for level, text in note:
        if level:
            pdf.ln(2)
            pdf.set_font("Serif", "B", 13 if level == 1 else 11)
            pdf.multi_cell(0, 6, text, align="L")
            pdf.ln(2)
        else:
            pdf.set_font("Serif", size=9.5)
            pdf.multi_cell(0, 4.6, text, align="L")
            pdf.ln(2.4)
    pdf.output(str(path))


def to_html(note: list[tuple[int, str]], path: Path) -> None:
    title = html.escape(note[0][1])
    body = "\n".join(f"      <h{level}>{html.escape(text)}</h{level}>" if level else f"      <p>{html.escape(text)}</p>"
                     for level, text in note)
    path.write_text(f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | Committee reading notes</title>
  <link rel="stylesheet" href="/assets/site.css">
  <script>window.dataLayer = window.dataLayer || []; function track(e) {{ dataLayer.push(e); }}</script>
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">Committee reading notes</a>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/sources/">Sources</a></li>
      <li><a href="/competencies/">Competencies</a></li><li><a href="/about/">About</a></li></ul></nav>
    <form class="search" action="/search"><input name="q" placeholder="Search the notes"><button>Search</button></form>
  </header>
  <main>
    <article class="post">
{body}
      <div class="share">Share this: <a href="#">Email</a> <a href="#">Print</a> <a href="#">Facebook</a> \
<a href="#">LinkedIn</a></div>
      <p class="tags">Tags: <a href="/tag/leadership/">leadership</a>, <a href="/tag/management/">management</a></p>
    </article>
    <section id="comments" class="comments">
      <h3>2 responses to “{html.escape(note[0][1])}”</h3>
      <ol class="comment-list">
        <li class="comment"><p class="comment-author">Second reader</p>
          <p>Agree with the split; worth checking the staffing paragraph against the codebook definition.</p></li>
        <li class="comment"><p class="comment-author">Committee chair</p>
          <p>Thanks, both. Let us take it at the next meeting.</p></li>
      </ol>
      <form class="comment-form"><h3>Leave a reply</h3><textarea name="comment"></textarea>
        <button type="submit">Post comment</button></form>
    </section>
  </main>
  <aside class="sidebar"><h3>Recent notes</h3><ul><li><a href="/sources/kotter-1990/">Kotter (1990)</a></li>
    <li><a href="/sources/burns-1978/">Burns (1978)</a></li></ul></aside>
  <footer class="site-footer"><p>Committee reading notes · for members only</p></footer>
  <script src="/assets/site.js"></script>
</body>
</html>
""", encoding="utf-8")


def to_docx(note: list[tuple[int, str]], path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = note[0][1]
    document.core_properties.author = "Committee reading notes"
    for level, text in note:
        if level:
            document.add_heading(text, level=level)
        else:
            document.add_paragraph(text)
    document.save(str(path))


CONVERSIONS = [
    ("Zaleznik1977ManagersLeaders", ".pdf"),
    ("Hibner2013ManagementVsLeadership", ".html"),
    ("Mintzberg1973Nature", ".docx"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--review", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    for citekey, suffix in CONVERSIONS:
        source = args.review / SOURCES / f"{citekey}.md"
        target = source.with_suffix(suffix)
        if not source.exists():
            print(f"{citekey}: no .md (already converted?); left alone")
            continue
        note = blocks(source.read_text(encoding="utf-8"))
        if suffix == ".pdf":
            to_pdf(note, target, f"Reading notes · {note[0][1]}")
        elif suffix == ".html":
            to_html(note, target)
        else:
            to_docx(note, target)
        source.unlink()
        print(f"{citekey}: {source.name} → {target.name} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
