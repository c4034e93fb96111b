"""Certificates of attendance (Teilnahmebescheinigung): one A4 page per confirmed participant,
the text flowed by platypus, place, date and the signature lines at fixed positions."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer

from registrations.models import Registration

from ..base import Export
from .tables import INK, MUTED, pdf_export
from .text import (
    alphabetical_key,
    conference_days,
    fit_name,
    fonts,
    format_date,
    long_date,
    printable,
    wrap_lines,
)

PAGE_W, PAGE_H = A4
MARGIN = 25 * mm
TEXT_W = PAGE_W - 2 * MARGIN
SIGNATURE_Y = 60 * mm


def _style(name: str, font: str, size: float, *, leading: float, color=INK) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=leading, alignment=TA_CENTER, textColor=color
    )


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Wrapped by `exports.pdf.text` (right-to-left lines in reading order), a `<br/>` a line."""
    lines = wrap_lines(text, style.fontName, style.fontSize, TEXT_W - 0.5)
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _when_and_where(conference) -> str:
    days = conference_days(conference)
    when = (
        f"am {long_date(days[0])}"
        if len(days) == 1
        else f"vom {long_date(days[0])} bis {long_date(days[-1])}"
    )
    where = conference.city
    if conference.venue_name:
        where += f" ({conference.venue_name})"
    return f"{when} in {where} teilgenommen hat."


def _page(conference, person, styles: dict) -> list:
    f = fonts()
    name = fit_name(person.full_name, f.bold, size=20, min_size=11, room=TEXT_W)
    story = [
        Paragraph("Teilnahmebescheinigung", styles["title"]),
        Spacer(0, 19 * mm),
        Paragraph("Hiermit wird bestätigt, dass", styles["text"]),
        Spacer(0, 11 * mm),
        Paragraph(
            "<br/>".join(escape(line) for line in name.lines),
            _style("name", f.bold, name.size, leading=name.size * 1.2),
        ),
        Spacer(0, 1 * mm),
    ]
    if person.organisation:
        story.append(_paragraph(person.organisation, styles["text"]))
    story += [
        Spacer(0, 18 * mm),
        Paragraph("an der Veranstaltung", styles["text"]),
        Spacer(0, 4 * mm),
        _paragraph(f"„{conference.title}“", styles["event"]),
    ]
    if conference.motto:
        story += [Spacer(0, 2 * mm), _paragraph(conference.motto, styles["motto"])]
    story += [Spacer(0, 10 * mm), _paragraph(_when_and_where(conference), styles["text"])]
    return story


def certificates(*, conference, registration: Registration | None = None) -> tuple[Export, int]:
    """One page per confirmed participant (or only `registration`); the file and its pages."""
    registrations = Registration.objects.filter(
        conference=conference, status=Registration.Status.CONFIRMED
    ).only("academic_title", "first_name", "last_name", "organisation")
    if registration is not None:
        registrations = registrations.filter(pk=registration.pk)
    people = sorted(registrations, key=alphabetical_key)
    f = fonts()
    signed_at = printable(
        f"{conference.city}, {format_date(timezone.localdate(conference.ends_at), 'd.m.Y')}"
    )

    def signature(canvas, doc):
        canvas.setFillColor(INK)
        canvas.setFont(f.regular, 11)
        canvas.drawString(MARGIN, SIGNATURE_Y + 2 * mm, signed_at)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, SIGNATURE_Y, MARGIN + 70 * mm, SIGNATURE_Y)
        canvas.line(PAGE_W - MARGIN - 70 * mm, SIGNATURE_Y, PAGE_W - MARGIN, SIGNATURE_Y)
        canvas.setFillColor(MUTED)
        canvas.setFont(f.regular, 9)
        canvas.drawString(MARGIN, SIGNATURE_Y - 5 * mm, "Ort, Datum")
        canvas.drawString(
            PAGE_W - MARGIN - 70 * mm, SIGNATURE_Y - 5 * mm, "Für die Veranstaltenden"
        )

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Teilnahmebescheinigungen – {conference.title}",
        author="Tagungsbüro",
        creator="Tagungsbüro",
        pageCompression=1,
    )
    # From 50 mm below the top edge (the title's line) down to the signature block.
    frame = Frame(
        MARGIN, SIGNATURE_Y + 12 * mm, TEXT_W, PAGE_H - 50 * mm - SIGNATURE_Y - 12 * mm, 0, 0, 0, 0
    )
    doc.addPageTemplates([PageTemplate(frames=[frame], onPageEnd=signature if people else None)])
    styles = {
        "title": _style("title", f.bold, 26, leading=31),
        "text": _style("text", f.regular, 12, leading=17),
        "event": _style("event", f.bold, 15, leading=20),
        "motto": _style("motto", f.regular, 11, leading=15.5, color=MUTED),
    }
    story: list = []
    for n, person in enumerate(people):
        if n:
            story.append(PageBreak())
        story += _page(conference, person, styles)
    doc.build(story or [Spacer(0, 0)])
    suffix = f"-{registration.pk}" if registration is not None else ""
    filename = f"teilnahmebescheinigungen-{conference.slug}{suffix}.pdf"
    return pdf_export(buffer.getvalue(), filename), len(people)
