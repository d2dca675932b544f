"""A letter's HTML as an editable Word document (.docx) a case system can take.

The letter templates are written once, as HTML for the PDF. This turns the small subset of HTML
they use (h1, h2, p, ul/ol with li, table rows, strong/em, br, and elements with class
`marking`) into a .docx with python-docx, so the PDF and the editable document say the same.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

from docx import Document
from docx.shared import Pt, RGBColor

BLOCKS = {"h1", "h2", "h3", "p", "li", "td", "th", "div"}
SKIP = {"style", "script", "head", "title"}


class _LetterParser(HTMLParser):
    """Collects the letter as a list of blocks: (style, [(text, bold, italic)], is_marking)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[tuple[str, bool, bool]], bool]] = []
        self.runs: list[tuple[str, bool, bool]] = []
        self.style = "p"
        self.bold = self.italic = self.skip = 0
        self.marking = False
        self.lists: list[str] = []
        self.row: list[str] = []
        self.in_row = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag in SKIP:
            self.skip += 1
        elif tag in ("strong", "b", "th"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "tr":
            self.flush()
            self.in_row, self.row = True, []
        elif tag == "br":
            self.runs.append(("\n", False, False))
        if tag in BLOCKS and not self.in_row:
            self.flush()
            self.style = tag if tag != "div" else "p"
            self.marking = "marking" in classes

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip -= 1
        elif tag in ("strong", "b", "th"):
            self.bold -= 1
        elif tag in ("em", "i"):
            self.italic -= 1
        elif tag in ("ul", "ol") and self.lists:
            self.flush()
            self.lists.pop()
        elif tag == "tr":
            self.blocks.append(("tr", [(" | ".join(c for c in self.row if c), False, False)], False))
            self.in_row = False
        elif tag in ("td", "th") and self.in_row:
            self.row.append("".join(t for t, _, _ in self.runs).strip())
            self.runs = []
        if tag in BLOCKS and not self.in_row:
            self.flush()

    def handle_data(self, data):
        if self.skip:
            return
        text = " ".join(data.split())
        if data[:1].isspace() and text:
            text = " " + text
        if data[-1:].isspace() and text:
            text += " "
        if text:
            self.runs.append((text, self.bold > 0, self.italic > 0))

    def flush(self):
        if "".join(t for t, _, _ in self.runs).strip():
            style = "li-" + self.lists[-1] if self.style == "li" and self.lists else self.style
            self.blocks.append((style, self.runs, self.marking))
        self.runs, self.style, self.marking = [], "p", False


STYLES = {"h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 3", "li-ul": "List Bullet", "li-ol": "List Number"}


def html_to_docx(html: str, title: str) -> bytes:
    """The letter as .docx bytes: headings, paragraphs, lists and table rows, with the confidentiality marking."""
    parser = _LetterParser()
    parser.feed(html)
    parser.flush()
    document = Document()
    document.core_properties.title = title
    document.core_properties.keywords = "VERTROUWELIJK; Wet Bibob art. 28"
    for style, runs, marking in parser.blocks:
        paragraph = document.add_paragraph(style=STYLES.get(style))
        for text, bold, italic in runs:
            run = paragraph.add_run(text.strip("\n") if text != "\n" else "")
            if text == "\n":
                run.add_break()
            run.bold, run.italic = bold or marking, italic
            if marking:
                run.font.color.rgb = RGBColor(0xA0, 0x00, 0x00)
                run.font.size = Pt(9)
    header = document.sections[0].header.paragraphs[0]
    header.text = "VERTROUWELIJK – Wet Bibob art. 28: niet verder verstrekken"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
