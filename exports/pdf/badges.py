"""Name badges: A4 label sheets (2 × 4 of 105 × 74 mm) or single A6 badges, every badge in
the same fixed layout (role band, event, name, organisation, QR code, role pattern).

Invariants: the role is told by word, shape and pattern, never by colour alone; only badges of
registrations carry a QR code (the check-in code, `checkin.codes`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import segno
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from checkin.codes import checkin_code_for
from conferences.models import Conference, SessionSpeaker
from exhibitors.models import Exhibitor
from registrations.models import Registration

from ..base import Export
from .tables import INK, MUTED, RULE, pdf_export, set_metadata
from .text import alphabetical_key, collate, date_range, fit, fit_lines, fit_name, fonts


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
    #: The event's title and dates below the band, and the room below them.
    title_size: float
    date_size: float
    event_gap: float
    name_size: float
    #: The smallest size a name shrinks to (then it takes a third line, then it is cut).
    name_min: float
    org_size: float
    org_min: float
    qr: float

    @property
    def single(self) -> bool:
        """One badge a page: everything centred, the QR code below the name."""
        return self.columns == 1


#: Baseline to baseline, in font sizes, of the lines of a name.
NAME_LEADING = 1.12
#: The smallest size of the event's title and dates.
EVENT_MIN_SIZE = 6.5
LAYOUTS = {
    # Label sheets with 2 × 4 labels of 105 × 74 mm.
    "a4": BadgeLayout(
        A4,
        columns=2,
        rows=4,
        width=105 * mm,
        height=74 * mm,
        band=12 * mm,
        title_size=8.5,
        date_size=7.5,
        event_gap=2.2 * mm,
        name_size=24,
        name_min=9,
        org_size=10,
        org_min=8,
        qr=22 * mm,
    ),
    # One A6 badge per page (105 × 148 mm) for badge holders.
    "a6": BadgeLayout(
        A6,
        columns=1,
        rows=1,
        width=105 * mm,
        height=148 * mm,
        band=18 * mm,
        title_size=11,
        date_size=9.5,
        event_gap=3 * mm,
        name_size=32,
        name_min=11,
        org_size=13,
        org_min=10,
        qr=34 * mm,
    ),
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
    label_x = x + m + 2 * r + 3 * mm
    label, role_size = fit(style.label, f.bold, layout.band / mm * 1.15, x + w - m - label_x, 8)
    baseline = y + h - layout.band / 2 - role_size * 0.35
    _draw(c, label_x, baseline, label, f.bold, role_size, color=white)
    # Event: title (a long one on two lines) and dates
    single = layout.single
    text_w = w - 2 * m
    title = fit_lines(
        header[0], f.bold, size=layout.title_size, min_size=EVENT_MIN_SIZE, room=text_w
    )
    dates, date_size = fit(header[1], f.regular, layout.date_size, text_w, EVENT_MIN_SIZE)
    event_lines = [(line, f.bold, title.size) for line in title.lines]
    event_lines.append((dates, f.regular, date_size))
    baseline = y + h - layout.band - 2.2 * mm
    for k, (line, font, size) in enumerate(event_lines):
        baseline -= size * (0.9 if k == 0 else 1.3 if font == f.regular else 1.15)
        if single:
            _draw(c, x + w / 2, baseline, line, font, size, align="center", color=MUTED)
        else:
            _draw(c, x + m, baseline, line, font, size, color=MUTED)
    area_top = baseline - layout.event_gap
    # Name (large, two lines before it shrinks) and organisation, in the middle of the free
    # height; on A6 centred above the QR code, on a label on the left edge of the event's lines
    # (the QR code takes the lower right corner).
    area_bottom = y + (layout.qr + 10 * mm if single else 8 * mm)
    name = fit_name(
        entry.name, f.bold, size=layout.name_size, min_size=layout.name_min, room=text_w
    )
    # On a label the organisation stays left of the QR code, with a gap.
    org_w = text_w if single or not entry.code else text_w - layout.qr - 2 * mm
    org = fit_lines(
        entry.organisation,
        f.regular,
        size=layout.org_size,
        min_size=layout.org_min,
        room=org_w,
        last_resort_lines=3,
    )
    extra = fit_lines(entry.extra, f.regular, size=org.size, min_size=org.size, room=org_w, lines=1)
    org_lines = [*org.lines, *extra.lines]
    org_size = org.size if org.lines else layout.org_size
    leading = name.size * NAME_LEADING
    name_h = len(name.lines) * leading if name.lines else 9 * mm
    block_h = name_h + 2.5 * mm + len(org_lines) * org_size * 1.2
    top = min(area_top, (area_top + area_bottom + block_h) / 2)
    if name.lines:
        for k, line in enumerate(name.lines):
            baseline = top - name.size * 0.9 - k * leading
            if single:
                _draw(c, x + w / 2, baseline, line, f.bold, name.size, align="center")
            else:
                _draw(c, x + m, baseline, line, f.bold, name.size)
    else:  # a blank line to write the name on
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(x + m, top - 8 * mm, x + w - m, top - 8 * mm)
    org_top = top - name_h - 2.5 * mm
    for k, line in enumerate(org_lines):
        baseline = org_top - org_size * 0.9 - k * org_size * 1.2
        if single:
            _draw(c, x + w / 2, baseline, line, f.regular, org_size, align="center")
        else:
            _draw(c, x + m, baseline, line, f.regular, org_size)
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


def badges(
    *,
    conference: Conference,
    layout: str = "a4",
    roles: Iterable[str] | None = None,
) -> tuple[Export, int]:
    """Name badges: "a4" label sheets (2 × 4 of 105 × 74 mm) or single "a6" badges."""
    entries = badge_entries(conference, roles=roles)
    filename = f"namensschilder-{conference.slug}-{layout}.pdf"
    return render_badges(conference, entries, layout=layout, filename=filename), len(entries)


def render_badges(
    conference: Conference, entries: Sequence[BadgeEntry], *, layout: str, filename: str
) -> Export:
    """`entries` as badges of `conference` in `layout` ("a4" or "a6"), in the given order; for
    other exports of badges (staff, other roles), with the same layout and name fitting."""
    spec = LAYOUTS[layout]
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=spec.page, pageCompression=1)
    set_metadata(c, f"Namensschilder – {conference.title}")
    header = [conference.title, f"{date_range(conference)} · {conference.city}"]
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
    return pdf_export(buffer.getvalue(), filename)


def _draw(c: Canvas, x, y, text, font, size, *, align="left", color=INK):
    c.setFillColor(color)
    c.setFont(font, size)
    if align == "center":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)
