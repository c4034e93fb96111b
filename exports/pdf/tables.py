"""Lists as A4 PDF tables, laid out by reportlab's platypus: the conference title, date and place
and the section's heading on every page, a table whose header row repeats on every page, and
"Seite X von Y" counted per section (each section starts on a new page)."""

from __future__ import annotations

import functools
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..base import CONTENT_TYPES, PDF, Export, plain_text
from ..base import Table as ExportTable
from .text import date_range, fit, fit_name, fonts, place, printable, wrap_lines

INK = HexColor("#111111")
MUTED = HexColor("#444444")
RULE = HexColor("#888888")
HEAD_FILL = HexColor("#E6E6E6")

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
TABLE_W = PAGE_W - 2 * MARGIN
PAD = 1.6 * mm
#: Room above the table for the page header, and below it for the footer.
HEADER_H = 27 * mm
FOOTER_H = 8 * mm


@dataclass(frozen=True)
class PdfColumn:
    heading: str
    #: Share of the table width.
    weight: float
    align: str = "left"
    #: A person's name: fitted by `fit_name` (it shrinks rather than taking a fourth line).
    name: bool = False


@dataclass
class Section:
    """One list with its own header and its own page numbers ("Seite X von Y")."""

    heading: str
    subheading: str
    columns: Sequence[PdfColumn]
    rows: list[list[str]]
    min_row_height: float = 7 * mm
    blank_rows: int = 0
    font_size: float = 9
    note: str = ""


def pdf_export(data: bytes, filename: str) -> Export:
    return Export(filename, CONTENT_TYPES[PDF], iter([data]))


def set_metadata(canvas: Canvas, title: str) -> None:
    canvas.setTitle(title)
    canvas.setAuthor("Tagungsbüro")
    canvas.setCreator("Tagungsbüro")


class _NextSection(Flowable):
    """Takes no room; put before the page break that starts a section, it tells the next
    page's header which section that page belongs to."""

    def __init__(self, index: int, state: dict):
        super().__init__()
        self.index = index
        self.state = state

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.state["section"] = self.index


def _numbered_canvas(footer):
    """A canvas that keeps its pages until the end, so that each page's footer can name the
    number of pages of its section."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._tb_section = 0
            self._tb_pages: list[dict] = []

        def showPage(self):
            self._tb_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            totals = Counter(page["_tb_section"] for page in self._tb_pages)
            seen: Counter = Counter()
            for page in self._tb_pages:
                self.__dict__.update(page)
                seen[self._tb_section] += 1
                footer(self, seen[self._tb_section], totals[self._tb_section])
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


#: The smallest size a name in a list shrinks to.
NAME_MIN_SIZE = 8


@functools.cache
def _cell_style(font: str, size: float, align: str) -> ParagraphStyle:
    return ParagraphStyle(
        f"cell-{align}-{size}",
        fontName=font,
        fontSize=size,
        leading=size * 1.2,
        textColor=INK,
        alignment=TA_RIGHT if align == "right" else TA_LEFT,
    )


def _cell(text: str, section: Section, column: PdfColumn, room: float) -> Paragraph:
    """A cell's text wrapped by `exports.pdf.text` (so that right-to-left lines come in their
    order), one line a `<br/>`; `room` leaves Paragraph nothing to wrap again."""
    font, size = fonts().regular, section.font_size
    if column.name:
        fitted = fit_name(text, font, size=size, min_size=NAME_MIN_SIZE, room=room)
        lines, size = fitted.lines, fitted.size
    else:
        lines = wrap_lines(text, font, size, room)
    return Paragraph(
        "<br/>".join(escape(line) for line in lines), _cell_style(font, size, column.align)
    )


def _table(section: Section) -> Table:
    f = fonts()
    total = sum(c.weight for c in section.columns)
    widths = [TABLE_W * c.weight / total for c in section.columns]
    # A hair less than the cell, against rounding: Paragraph must not wrap a line again.
    rooms = [w - 2 * PAD - 0.5 for w in widths]
    head = ParagraphStyle("head", fontName=f.bold, fontSize=9, leading=10.8, textColor=INK)
    data = [[Paragraph(escape(printable(c.heading)), head) for c in section.columns]]
    for row in section.rows:
        data.append(
            [
                _cell(text, section, column, room)
                for text, column, room in zip(row, section.columns, rooms, strict=True)
            ]
        )
    data += [[""] * len(section.columns)] * section.blank_rows
    table = Table(
        data,
        colWidths=widths,
        repeatRows=1,
        minRowHeights=[8 * mm] + [section.min_row_height] * (len(data) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
                ("TOPPADDING", (0, 0), (-1, -1), PAD),
                ("BOTTOMPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    return table


def render_sections(conference, sections: Sequence[Section], *, filename: str, title: str):
    """A4 portrait, a section after the other, each starting on a new page."""
    f = fonts()
    created = f"Erstellt am {timezone.localtime():%d.%m.%Y %H:%M}"
    conference_title = conference.title
    header_line = f"{date_range(conference)} · {place(conference)}"
    headings = [(s.heading, s.subheading) for s in sections]

    def draw(canvas, x, y, text, font, size, color=INK):
        canvas.setFillColor(color)
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)

    state = {"section": 0}

    def header(canvas, doc):
        canvas._tb_section = state["section"]
        heading, subheading = headings[canvas._tb_section] if headings else ("", "")
        y = PAGE_H - MARGIN - 5 * mm
        text, size = fit(conference_title, f.bold, 14, TABLE_W, 9)
        draw(canvas, MARGIN, y, text, f.bold, size)
        text, size = fit(header_line, f.regular, 10, TABLE_W, 7)
        draw(canvas, MARGIN, y - 6 * mm, text, f.regular, size)
        text, size = fit(heading, f.bold, 12, TABLE_W, 8)
        draw(canvas, MARGIN, y - 13.5 * mm, text, f.bold, size)
        if subheading:
            text, size = fit(subheading, f.regular, 9.5, TABLE_W, 7)
            draw(canvas, MARGIN, y - 19 * mm, text, f.regular, size, MUTED)

    def footer(canvas, number, total):
        draw(canvas, MARGIN, 9 * mm, created, f.regular, 8, MUTED)
        canvas.setFont(f.regular, 8)
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"Seite {number} von {total}")

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_H,
        bottomMargin=MARGIN + FOOTER_H,
        title=f"{title} – {conference.title}",
        author="Tagungsbüro",
        creator="Tagungsbüro",
        pageCompression=1,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, 0, 0, 0, 0, id="table")
    doc.addPageTemplates([PageTemplate(id="list", frames=[frame], onPage=header)])
    note_style = ParagraphStyle("note", fontName=f.regular, fontSize=8, leading=10, textColor=MUTED)
    story: list[Flowable] = []
    for index, section in enumerate(sections):
        if index:
            story += [_NextSection(index, state), PageBreak()]
        story.append(_table(section))
        if section.note:
            story += [Spacer(0, 3 * mm), Paragraph(escape(printable(section.note)), note_style)]
    if not story:
        story.append(Spacer(0, 0))
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return pdf_export(buffer.getvalue(), filename)


def table_section(table: ExportTable, *, heading: str = "", weights=None) -> Section:
    """An export's `Table` as a PDF section (its column spec decides, here too)."""
    columns = [
        PdfColumn(h, w)
        for h, w in zip(table.header(), weights or [c.width for c in table.columns], strict=True)
    ]
    rows = [[plain_text(v) for v in row] for row in table.rows()]
    return Section(heading or str(table.title), "", columns, rows)
