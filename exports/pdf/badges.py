"""Name badges: A4 label sheets (2 × 4 of 105 × 74 mm) or single A6 badges, every badge in
the same fixed layout (role band, event, name, organisation, QR code, role pattern).

Invariants: the role is told by word, shape and pattern, never by colour alone; only badges of
registrations carry a QR code (the check-in code, `checkin.codes`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import segno
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from checkin.codes import checkin_code_for
from conferences.models import Conference, SessionSpeaker
from exhibitors.models import Exhibitor
from registrations.models import Registration

from ..base import Export
from .tables import INK, MUTED, RULE, pdf_export, set_metadata
from .text import alphabetical_key, collate, date_range, fit, fonts, printable, width


@dataclass(frozen=True)
class BadgeStyle:
    label: str
    color: Color
    #: Shape printed beside the role word, so that the role is not told by colour alone.
    shape: str
    #: Pattern of the strip at the foot of the badge (a third cue, readable from afar).
    pattern: str


PARTICIPANT, SPEAKER, MODERATOR, EXHIBITOR, ORGANISER = (
    "participant",
    "speaker",
    "moderator",
    "exhibitor",
    "organiser",
)
BADGE_STYLES = {
    PARTICIPANT: BadgeStyle("Teilnehmende", HexColor("#1F4E79"), "circle", "solid"),
    SPEAKER: BadgeStyle("Referierende", HexColor("#8B1E1E"), "triangle", "stripes"),
    MODERATOR: BadgeStyle("Moderation", HexColor("#5B2A86"), "diamond", "dots"),
    EXHIBITOR: BadgeStyle("Ausstellende", HexColor("#1E6B35"), "square", "checks"),
    ORGANISER: BadgeStyle("Organisationsteam", HexColor("#222222"), "star", "bars"),
}
ROLES = tuple(BADGE_STYLES)


@dataclass
class BadgeEntry:
    name: str
    organisation: str
    role: str
    #: Check-in code for the QR code (registrations only).
    code: str = ""
    extra: str = ""
    sort_key: tuple = field(default=(), repr=False)


def badge_entries(conference, *, roles: Iterable[str] | None = None) -> list[BadgeEntry]:
    """Badges to print, grouped by role, alphabetical within a role. Four queries.

    Speakers and moderators come from the sessions' roles (moderator only if the person has no
    other part). A speaker whose own registration is linked to them (`Registration.speaker`)
    gets one badge, the speaker's, with that registration's check-in code; a speaker without a
    linked registration gets a badge without a code. Every other confirmed registration gets
    its own participant badge: people are matched by identity, never by name. Accepted
    exhibitors get `staff_count` badges, the first with the contact's name, the others with a
    blank name line. Organisers are the conference's organising users.
    """
    roles = set(roles or ROLES)
    registrations = list(
        Registration.objects.filter(
            conference=conference, status=Registration.Status.CONFIRMED
        ).only("academic_title", "first_name", "last_name", "organisation", "speaker_id")
    )
    linked = {r.speaker_id: r for r in registrations if r.speaker_id is not None}
    entries: list[BadgeEntry] = []
    taken: set[int] = set()
    if roles & {SPEAKER, MODERATOR}:
        parts: dict[int, tuple] = {}
        for link in SessionSpeaker.objects.filter(session__conference=conference).select_related(
            "speaker"
        ):
            speaker, seen = link.speaker, parts.get(link.speaker_id, (None, set()))[1]
            parts[link.speaker_id] = (speaker, seen | {link.role})
        for speaker, seen in parts.values():
            role = MODERATOR if seen == {SessionSpeaker.Role.MODERATOR} else SPEAKER
            if role not in roles:
                continue
            registration = linked.get(speaker.pk)
            if registration is not None:
                taken.add(registration.pk)
            entries.append(
                BadgeEntry(
                    speaker.full_name,
                    speaker.organisation,
                    role,
                    checkin_code_for(registration) if registration else "",
                    sort_key=alphabetical_key(speaker),
                )
            )
    if PARTICIPANT in roles:
        entries += [
            BadgeEntry(
                r.full_name,
                r.organisation,
                PARTICIPANT,
                checkin_code_for(r),
                sort_key=alphabetical_key(r),
            )
            for r in registrations
            if r.pk not in taken
        ]
    if EXHIBITOR in roles:
        for exhibitor in Exhibitor.objects.filter(
            conference=conference, status=Exhibitor.Status.ACCEPTED
        ).order_by("organisation", "pk"):
            stand = f"Stand {exhibitor.stand}" if exhibitor.stand else ""
            for n in range(max(exhibitor.staff_count, 1)):
                entries.append(
                    BadgeEntry(
                        exhibitor.contact_name if n == 0 else "",
                        exhibitor.organisation,
                        EXHIBITOR,
                        extra=stand,
                        sort_key=(collate(exhibitor.organisation), exhibitor.pk, n),
                    )
                )
    if ORGANISER in roles:
        for organiser in conference.organisers.order_by("last_name", "first_name", "username"):
            entries.append(
                BadgeEntry(
                    organiser.get_full_name() or organiser.get_username(),
                    "",
                    ORGANISER,
                    sort_key=(collate(organiser.last_name), collate(organiser.first_name)),
                )
            )
    order = {role: n for n, role in enumerate(ROLES)}
    entries.sort(key=lambda e: (order[e.role], e.sort_key))
    return entries


def _shape(c: Canvas, kind: str, cx: float, cy: float, r: float) -> None:
    p = c.beginPath()
    if kind == "circle":
        c.circle(cx, cy, r, stroke=0, fill=1)
        return
    if kind == "square":
        c.rect(cx - r * 0.85, cy - r * 0.85, r * 1.7, r * 1.7, stroke=0, fill=1)
        return
    if kind == "triangle":
        points = [(cx, cy + r), (cx - r, cy - r * 0.8), (cx + r, cy - r * 0.8)]
    elif kind == "diamond":
        points = [(cx, cy + r), (cx + r, cy), (cx, cy - r), (cx - r, cy)]
    else:  # star
        points = [
            (
                cx + (r if k % 2 == 0 else r * 0.45) * math.sin(math.pi * k / 5),
                cy + (r if k % 2 == 0 else r * 0.45) * math.cos(math.pi * k / 5),
            )
            for k in range(10)
        ]
    p.moveTo(*points[0])
    for point in points[1:]:
        p.lineTo(*point)
    p.close()
    c.drawPath(p, stroke=0, fill=1)


def _pattern(c: Canvas, style: BadgeStyle, x: float, y: float, w: float, h: float) -> None:
    c.saveState()
    c.setFillColor(style.color)
    c.setStrokeColor(style.color)
    if style.pattern == "solid":
        c.rect(x, y, w, h, stroke=0, fill=1)
    else:
        p = c.beginPath()
        p.rect(x, y, w, h)
        c.clipPath(p, stroke=1, fill=0)
        step = h
        if style.pattern == "stripes":
            c.setLineWidth(h / 4)
            k = x - h
            while k < x + w:
                c.line(k, y, k + h, y + h)
                k += step * 0.8
        elif style.pattern == "dots":
            k = x + step / 2
            while k < x + w:
                c.circle(k, y + h / 2, h / 4, stroke=0, fill=1)
                k += step
        elif style.pattern == "checks":
            k, n = x, 0
            while k < x + w:
                c.rect(k, y + (h / 2 if n % 2 else 0), h / 2, h / 2, stroke=0, fill=1)
                k, n = k + h / 2, n + 1
        else:  # bars
            k = x
            while k < x + w:
                c.rect(k, y, h / 5, h, stroke=0, fill=1)
                k += h / 2
    c.restoreState()


def _qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M) with its quiet zone inside `size`."""
    qr = segno.make(payload, error="m", micro=False)
    matrix = qr.matrix
    quiet = 4
    module = size / (len(matrix) + 2 * quiet)
    top = y + size - quiet * module
    p = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                p.rect(
                    x + (quiet + start) * module,
                    top - (r + 1) * module,
                    (col - start) * module,
                    module,
                )
            else:
                col += 1
    c.setFillColor(INK)
    c.drawPath(p, stroke=0, fill=1)


@dataclass(frozen=True)
class BadgeLayout:
    page: tuple[float, float]
    columns: int
    rows: int
    width: float
    height: float
    band: float
    name_size: float
    org_size: float
    qr: float


LAYOUTS = {
    # Label sheets with 2 × 4 labels of 105 × 74 mm.
    "a4": BadgeLayout(A4, 2, 4, 105 * mm, 74 * mm, 12 * mm, 24, 10, 22 * mm),
    # One A6 badge per page (105 × 148 mm) for badge holders.
    "a6": BadgeLayout(A6, 1, 1, 105 * mm, 148 * mm, 18 * mm, 32, 13, 34 * mm),
}


def _draw_badge(c: Canvas, layout: BadgeLayout, x: float, y: float, entry, header: list[str]):
    f = fonts()
    style = BADGE_STYLES[entry.role]
    w, h, m = layout.width, layout.height, 6 * mm
    # Cut guide
    c.setStrokeColor(HexColor("#BBBBBB"))
    c.setLineWidth(0.3)
    c.setDash(2, 2)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setDash()
    # Role band: colour, shape and word
    c.setFillColor(style.color)
    c.rect(x, y + h - layout.band, w, layout.band, stroke=0, fill=1)
    c.setFillColor(white)
    r = layout.band * 0.27
    _shape(c, style.shape, x + m + r, y + h - layout.band / 2, r)
    role_size = layout.band / mm * 1.15
    _draw(
        c,
        x + m + 2 * r + 3 * mm,
        y + h - layout.band / 2 - role_size * 0.35,
        style.label,
        f.bold,
        role_size,
        color=white,
    )
    # Event
    title, size = fit(header[0], f.bold, 8.5, w - 2 * m, 6)
    _draw(c, x + m, y + h - layout.band - 5 * mm, title, f.bold, size, color=MUTED)
    _draw(
        c,
        x + m,
        y + h - layout.band - 8.8 * mm,
        fit(header[1], f.regular, 7.5, w - 2 * m, 6)[0],
        f.regular,
        7.5,
        color=MUTED,
    )
    # Name (large, two lines before it shrinks) and organisation, centred in the free space
    single = layout.columns == 1
    text_w = w - 2 * m
    area_top = y + h - layout.band - 11 * mm
    area_bottom = y + (layout.qr + 10 * mm if single else 8 * mm)
    name_lines, size = _name_lines(printable(entry.name), f.bold, layout.name_size, text_w)
    org_w = text_w if single or not entry.code else text_w - layout.qr
    org_lines = _lines(printable(entry.organisation), f.regular, layout.org_size, org_w, 2)
    if extra := printable(entry.extra):
        org_lines.append(extra)
    org_lines = [line for line in org_lines if line]
    name_h = len(name_lines) * size * 1.12 if name_lines else 9 * mm
    block_h = name_h + 2.5 * mm + len(org_lines) * layout.org_size * 1.2
    top = min(area_top, (area_top + area_bottom + block_h) / 2)
    if name_lines:
        for k, line in enumerate(name_lines):
            baseline = top - size * 0.9 - k * size * 1.12
            _draw(c, x + w / 2, baseline, line, f.bold, size, align="center")
    else:  # a blank line to write the name on
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(x + m, top - 8 * mm, x + w - m, top - 8 * mm)
    org_top = top - name_h - 2.5 * mm
    for k, line in enumerate(org_lines):
        baseline = org_top - layout.org_size * 0.9 - k * layout.org_size * 1.2
        if single or not entry.code:
            _draw(c, x + w / 2, baseline, line, f.regular, layout.org_size, align="center")
        else:
            _draw(c, x + m, baseline, line, f.regular, layout.org_size)
    # QR code (check-in) and the role pattern at the foot
    strip_h = 4 * mm
    if single:
        if entry.code:
            _qr(c, entry.code, x + (w - layout.qr) / 2, y + strip_h + 3 * mm, layout.qr)
        _pattern(c, style, x, y, w, strip_h)
    elif entry.code:
        _qr(c, entry.code, x + w - layout.qr - 2 * mm, y + 2 * mm, layout.qr)
        _pattern(c, style, x, y, w - layout.qr - 4 * mm, strip_h)
    else:
        _pattern(c, style, x, y, w, strip_h)


def _name_lines(name: str, font: str, size: float, room: float) -> tuple[list[str], float]:
    """One line at full size, else two lines at full size, else smaller (down to 12 pt)."""
    if not name:
        return [], size
    while size > 12:
        if width(name, font, size) <= room:
            return [name], size
        lines = simpleSplit(name, font, size, room)
        if len(lines) == 2 and all(width(line, font, size) <= room for line in lines):
            return lines, size
        size -= 1
    return _lines(name, font, size, room, 2), size


def badges(
    *,
    conference: Conference,
    layout: str = "a4",
    roles: Iterable[str] | None = None,
) -> tuple[Export, int]:
    """Name badges: "a4" label sheets (2 × 4 of 105 × 74 mm) or single "a6" badges."""
    spec = LAYOUTS[layout]
    entries = badge_entries(conference, roles=roles)
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=spec.page, pageCompression=1)
    set_metadata(c, f"Namensschilder – {conference.title}")
    header = [
        printable(conference.title),
        printable(f"{date_range(conference)} · {conference.city}"),
    ]
    per_page = spec.columns * spec.rows
    page_w, page_h = spec.page
    left = (page_w - spec.columns * spec.width) / 2
    bottom = (page_h - spec.rows * spec.height) / 2
    for n, entry in enumerate(entries):
        if n and n % per_page == 0:
            c.showPage()
        slot = n % per_page
        col, row = slot % spec.columns, slot // spec.columns
        x = left + col * spec.width
        y = bottom + (spec.rows - 1 - row) * spec.height
        _draw_badge(c, spec, x, y, entry, header)
    c.showPage()
    c.save()
    return pdf_export(buffer.getvalue(), f"namensschilder-{conference.slug}-{layout}.pdf"), len(
        entries
    )


def _draw(c: Canvas, x, y, text, font, size, *, align="left", color=INK):
    c.setFillColor(color)
    c.setFont(font, size)
    if align == "center":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)


def _lines(text: str, font: str, size: float, room: float, max_lines: int) -> list[str]:
    """`text` wrapped to `max_lines` lines, the last cut with an ellipsis if need be."""
    lines = simpleSplit(text, font, size, room) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fit(lines[-1] + " …", font, size, room, size)[0]
    return [fit(line, font, size, room, size)[0] for line in lines]
