"""PDF exports drawn with reportlab's canvas: sign-in sheets, name badges, certificates of
attendance, and the participant and catering lists of `registrations.exports`.

Invariants:

- Text is drawn in a TrueType font with wide coverage found on the system (DejaVu Sans: Latin,
  Greek, Cyrillic, Georgian, Armenian, Hebrew, Arabic). Without one, Helvetica is used and every
  character outside Windows-1252 is printed as "?": a name is never silently dropped.
  A character the font lacks is printed as "?" as well (never an invisible glyph).
- Right-to-left text (Arabic, Hebrew) is put into visual order and Arabic letters are given
  their joined forms here (`visual`), since reportlab does neither without optional packages.
  This covers names and organisations, not the full Unicode bidirectional algorithm.
- Lists are alphabetical by last name with German collation (DIN 5007-1: ä = a, ß = ss).
- Every PDF is built with a fixed number of queries, whatever the number of people in it, and
  reports its number of entries to the export log (`on_done`).
"""

from __future__ import annotations

import functools
import io
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from conferences.models import Conference, Exhibitor, Session, SessionSpeaker

from . import exports
from .exports import Export, Table, checkin_code_for, full_name, plain_text, sort_name
from .models import Registration

logger = logging.getLogger("tagungsbuero.exports")

# --- Fonts ------------------------------------------------------------------------------------

#: Searched in this order; settings.EXPORT_FONT_DIRS (if set) comes first.
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    #: Characters the font can draw; None: the Latin-1 standard font.
    coverage: frozenset[int] | None


@functools.cache
def fonts() -> Fonts:
    dirs = [*getattr(settings, "EXPORT_FONT_DIRS", ()), *FONT_DIRS]
    for directory in dirs:
        regular, bold = (Path(directory) / name for name in FONT_FILES)
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("TB-Sans", str(regular)))
            pdfmetrics.registerFont(TTFont("TB-Sans-Bold", str(bold)))
            face = pdfmetrics.getFont("TB-Sans").face
            return Fonts("TB-Sans", "TB-Sans-Bold", frozenset(face.charToGlyph))
    logger.warning(
        "No Unicode TrueType font (%s) in %s: PDFs use Helvetica, non-Latin names show as '?'.",
        FONT_FILES[0],
        ", ".join(map(str, dirs)),
    )
    return Fonts("Helvetica", "Helvetica-Bold", None)


# --- Right-to-left text -----------------------------------------------------------------------

_LAM = "\u0644"


@functools.cache
def _arabic_forms() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Presentation forms from the Unicode database: letter → {isolated, final, initial,
    medial}, and lam + alef → {isolated, final} ligatures."""
    letters: dict[str, dict[str, str]] = {}
    ligatures: dict[str, dict[str, str]] = {}
    for code in range(0xFE70, 0xFF00):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if not decomposition or decomposition[0].strip("<>") not in (
            "isolated",
            "final",
            "initial",
            "medial",
        ):
            continue
        form = decomposition[0].strip("<>")
        base = "".join(chr(int(c, 16)) for c in decomposition[1:])
        if len(base) == 1 and unicodedata.category(base) == "Lo":
            letters.setdefault(base, {})[form] = chr(code)
        elif len(base) == 2 and base[0] == _LAM:
            ligatures.setdefault(base, {})[form] = chr(code)
    return letters, ligatures


def _shape_arabic(text: str) -> str:
    letters, ligatures = _arabic_forms()

    def joins_forward(ch):  # can connect to the letter after it
        return ch in letters and "medial" in letters[ch]

    def neighbour(i, step):
        i += step
        while 0 <= i < len(text) and unicodedata.category(text[i]) == "Mn":
            i += step
        return text[i] if 0 <= i < len(text) else None

    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch not in letters:
            out.append(ch)
            i += 1
            continue
        before, after = neighbour(i, -1), neighbour(i, +1)
        joined_before = before is not None and joins_forward(before) and "final" in letters[ch]
        if ch == _LAM and after is not None and ch + after in ligatures:
            forms = ligatures[ch + after]
            out.append(forms["final" if joined_before and "final" in forms else "isolated"])
            i += 2 if text[i + 1] == after else 1  # a mark between them stays out (rare)
            continue
        joined_after = (
            after is not None
            and joins_forward(ch)
            and after in letters
            and "final" in letters[after]
        )
        forms = letters[ch]
        if joined_before and joined_after:
            out.append(forms.get("medial", ch))
        elif joined_before:
            out.append(forms.get("final", ch))
        elif joined_after:
            out.append(forms.get("initial", ch))
        else:
            out.append(forms.get("isolated", ch))
        i += 1
    return "".join(out)


_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def visual(text: str, *, rtl: bool = False) -> str:
    """Logical → visual order for a line containing right-to-left script (a simplified UAX #9:
    strong types, neutrals between equal runs, rule L2 reordering); other text is unchanged.

    The base direction is left-to-right, the direction of the German documents the line is
    printed in (like HTML's dir="ltr"): "جمعية Kassel e.V." keeps "Kassel e.V." on the right."""
    kinds = [unicodedata.bidirectional(ch) for ch in text]
    if not any(kind in ("R", "AL") for kind in kinds):
        return text
    text = _shape_arabic(text)
    kinds = [unicodedata.bidirectional(ch) for ch in text]
    base = 1 if rtl else 0
    ltr = 2 if base else 0
    levels: list[int | None] = []
    last_strong = "R" if rtl else "L"
    for kind in kinds:
        if kind in ("R", "AL"):
            levels.append(1)
        elif kind == "L" or (kind == "EN" and last_strong == "L"):  # rule W7
            levels.append(ltr)
        elif kind in ("EN", "AN"):  # numbers keep their order inside right-to-left text
            levels.append(2)
        else:
            levels.append(None)
        if kind in ("L", "R", "AL"):
            last_strong = "L" if kind == "L" else "R"
    for i, level in enumerate(levels):
        if level is None:
            before = next((lv for lv in reversed(levels[:i]) if lv is not None), base)
            after = next((lv for lv in levels[i + 1 :] if lv is not None), base)
            levels[i] = before if before == after else base
    chars = list(text)
    for i, level in enumerate(levels):
        if level % 2:
            chars[i] = chars[i].translate(_MIRRORED)
    for level in range(max(levels), 0, -1):
        i = 0
        while i < len(chars):
            if levels[i] >= level:
                j = i
                while j < len(chars) and levels[j] >= level:
                    j += 1
                chars[i:j] = chars[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return "".join(chars)


def printable(text: str) -> str:
    """`text` ready to draw: visual order, and "?" for what the font cannot draw."""
    text = visual(" ".join(str(text).split()))
    coverage = fonts().coverage
    if coverage is None:
        return text.encode("cp1252", "replace").decode("cp1252")
    return "".join(ch if ord(ch) in coverage else "?" for ch in text)


# --- Words and dates --------------------------------------------------------------------------

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def long_date(day: date, *, weekday: bool = True) -> str:
    text = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]}, {text}" if weekday else text


def conference_days(conference: Conference) -> list[date]:
    first = timezone.localdate(conference.starts_at)
    last = timezone.localdate(conference.ends_at)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def date_range(conference: Conference) -> str:
    days = conference_days(conference)
    first, last = days[0], days[-1]
    if first == last:
        return long_date(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}.–{long_date(last, weekday=False)}"
    if first.year == last.year:
        return f"{first.day}. {MONTHS[first.month - 1]} – {long_date(last, weekday=False)}"
    return f"{long_date(first, weekday=False)} – {long_date(last, weekday=False)}"


def place(conference: Conference) -> str:
    return ", ".join(p for p in (conference.venue_name, conference.city) if p)


_GERMAN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def _collate(text: str) -> str:
    text = text.casefold().translate(_GERMAN)
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def alphabetical_key(person) -> tuple:
    """DIN 5007-1 order by last name, then first name."""
    return (_collate(person.last_name), _collate(person.first_name), person.pk or 0)


# --- Drawing helpers --------------------------------------------------------------------------

INK = HexColor("#111111")
MUTED = HexColor("#444444")
RULE = HexColor("#888888")
HEAD_FILL = HexColor("#E6E6E6")


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _fit(text: str, font: str, size: float, width: float, min_size: float) -> tuple[str, float]:
    """Shrink to fit, then cut with an ellipsis at `min_size`. `text` is already printable."""
    while size > min_size and _width(text, font, size) > width:
        size = max(min_size, size - 0.5)
    if _width(text, font, size) > width:
        while text and _width(text + "…", font, size) > width:
            text = text[:-1]
        text += "…"
    return text, size


def _lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1], _ = _fit(lines[-1] + " …", font, size, width, size)
    return [_fit(line, font, size, width, size)[0] for line in lines]


def _draw(c: Canvas, x, y, text, font, size, *, align="left", color=INK):
    c.setFillColor(color)
    c.setFont(font, size)
    if align == "center":
        c.drawCentredString(x, y, text)
    elif align == "right":
        c.drawRightString(x, y, text)
    else:
        c.drawString(x, y, text)


def _canvas(buffer, pagesize, *, title: str) -> Canvas:
    c = Canvas(buffer, pagesize=pagesize, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Tagungsbüro")
    c.setCreator("Tagungsbüro")
    return c


def _export(buffer: io.BytesIO, filename: str) -> Export:
    return Export(filename, exports.CONTENT_TYPES[exports.PDF], iter([buffer.getvalue()]))


# --- Tables (sign-in sheets and lists) -------------------------------------------------------


@dataclass(frozen=True)
class PdfColumn:
    heading: str
    #: Share of the table width.
    weight: float
    align: str = "left"


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
    max_lines: int = 3
    note: str = ""


PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
TABLE_W = PAGE_W - 2 * MARGIN
PAD = 1.6 * mm


def _layout_rows(section: Section, widths: list[float]) -> list[tuple[float, list[list[str]]]]:
    f = fonts()
    size, leading = section.font_size, section.font_size * 1.2
    laid = []
    for row in [*section.rows, *([[""] * len(widths)] * section.blank_rows)]:
        cells = [
            _lines(printable(text), f.regular, size, w - 2 * PAD, section.max_lines)
            for text, w in zip(row, widths, strict=True)
        ]
        height = max(section.min_row_height, max(len(c) for c in cells) * leading + 2 * PAD)
        laid.append((height, cells))
    return laid


def _paginate(laid, available: float) -> list[list]:
    pages: list[list] = [[]]
    used = 0.0
    for row in laid:
        if pages[-1] and used + row[0] > available:
            pages.append([])
            used = 0.0
        pages[-1].append(row)
        used += row[0]
    return pages


def render_sections(
    conference: Conference, sections: Sequence[Section], *, filename: str, title: str
) -> Export:
    """A4 portrait: the conference title, date and place on every page, the section's heading,
    a table with a repeated header row and "Seite X von Y" per section."""
    f = fonts()
    buffer = io.BytesIO()
    c = _canvas(buffer, A4, title=f"{title} – {conference.title}")
    created = f"Erstellt am {timezone.localtime():%d.%m.%Y %H:%M}"
    header_line = printable(f"{date_range(conference)} · {place(conference)}")
    conference_title = printable(conference.title)
    for section in sections:
        total = sum(s.weight for s in section.columns)
        widths = [TABLE_W * s.weight / total for s in section.columns]
        head_h = 8 * mm
        top = PAGE_H - MARGIN - 27 * mm
        # Room for the footer, and for the note under the table (kept on every page: simpler).
        available = top - head_h - MARGIN - 8 * mm - (12 * mm if section.note else 0)
        pages = _paginate(_layout_rows(section, widths), available)
        for number, page in enumerate(pages, start=1):
            y = PAGE_H - MARGIN - 5 * mm
            text, size = _fit(conference_title, f.bold, 14, TABLE_W, 9)
            _draw(c, MARGIN, y, text, f.bold, size)
            _draw(
                c,
                MARGIN,
                y - 6 * mm,
                _fit(header_line, f.regular, 10, TABLE_W, 7)[0],
                f.regular,
                10,
            )
            heading = _fit(printable(section.heading), f.bold, 12, TABLE_W, 8)
            _draw(c, MARGIN, y - 13.5 * mm, heading[0], f.bold, heading[1])
            if section.subheading:
                sub = _fit(printable(section.subheading), f.regular, 9.5, TABLE_W, 7)
                _draw(c, MARGIN, y - 19 * mm, sub[0], f.regular, sub[1], color=MUTED)
            # Header row
            c.setFillColor(HEAD_FILL)
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
            c.rect(MARGIN, top - head_h, TABLE_W, head_h, stroke=1, fill=1)
            x = MARGIN
            for column, w in zip(section.columns, widths, strict=True):
                label = _fit(printable(column.heading), f.bold, 9, w - 2 * PAD, 6)
                _draw(c, x + PAD, top - head_h + 2.8 * mm, label[0], f.bold, label[1])
                x += w
            y = top - head_h
            for height, cells in page:
                c.setStrokeColor(RULE)
                c.rect(MARGIN, y - height, TABLE_W, height, stroke=1, fill=0)
                x = MARGIN
                for column, w, lines in zip(section.columns, widths, cells, strict=True):
                    c.line(x, y, x, y - height)
                    leading = section.font_size * 1.2
                    first = y - height / 2 + (len(lines) * leading) / 2 - section.font_size
                    for k, line in enumerate(lines):
                        lx = x + w - PAD if column.align == "right" else x + PAD
                        _draw(
                            c,
                            lx,
                            first - k * leading + 1,
                            line,
                            f.regular,
                            section.font_size,
                            align=column.align,
                        )
                    x += w
                y -= height
            if section.note and number == len(pages):
                for k, line in enumerate(_lines(printable(section.note), f.regular, 8, TABLE_W, 4)):
                    _draw(c, MARGIN, y - 5 * mm - k * 3.6 * mm, line, f.regular, 8, color=MUTED)
            _draw(c, MARGIN, 9 * mm, created, f.regular, 8, color=MUTED)
            _draw(
                c,
                PAGE_W - MARGIN,
                9 * mm,
                f"Seite {number} von {len(pages)}",
                f.regular,
                8,
                align="right",
                color=MUTED,
            )
            c.showPage()
    c.save()
    return _export(buffer, filename)


def _table_section(table: Table, *, heading: str = "", weights=None) -> Section:
    """A `registrations.exports.Table` as a PDF section (its column spec decides, here too)."""
    columns = [
        PdfColumn(h, w)
        for h, w in zip(table.header(), weights or [c.width for c in table.columns], strict=True)
    ]
    rows = [[plain_text(v) for v in row] for row in table.rows()]
    return Section(heading or str(table.title), "", columns, rows, max_lines=6)


# --- Sign-in sheets ---------------------------------------------------------------------------

SIGN_IN_COLUMNS = (
    PdfColumn("Nr.", 6, "right"),
    PdfColumn("Name", 34),
    PdfColumn("Organisation", 30),
    PdfColumn("Unterschrift", 30),
)
SIGN_IN_STATUSES = (Registration.Status.CONFIRMED,)


def _sign_in_rows(people: Iterable) -> list[list[str]]:
    ordered = sorted(people, key=alphabetical_key)
    return [[str(n), sort_name(p), p.organisation, ""] for n, p in enumerate(ordered, start=1)]


def _session_line(session: Session) -> str:
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    parts = [f"{long_date(starts.date())}, {starts:%H:%M}–{ends:%H:%M} Uhr", session.room]
    return " · ".join(p for p in parts if p)


def _sign_in_section(heading: str, subheading: str, people, blank_rows: int) -> Section:
    return Section(
        heading,
        subheading,
        SIGN_IN_COLUMNS,
        _sign_in_rows(people),
        min_row_height=10 * mm,
        blank_rows=blank_rows,
        max_lines=2,
        note="Mit meiner Unterschrift bestätige ich meine Teilnahme an der Veranstaltung.",
    )


def sign_in_sheets(
    *,
    conference: Conference,
    user=None,
    day: date | None = None,
    session: Session | None = None,
    by_session: bool = False,
    statuses: Iterable[str] = SIGN_IN_STATUSES,
    blank_rows: int = 3,
) -> Export:
    """Unterschriftenliste: one section per conference day (or only `day`), per `session`, or per
    listed session (`by_session`); A4, alphabetical, blank rows at the end for late arrivals."""
    sections = []
    if session is not None or by_session:
        sessions = [session] if session is not None else list(exports.listed_sessions(conference))
        bookings = exports.booked_queryset(conference, session=session).filter(
            registration__status__in=statuses
        )
        by_id: dict[int, list] = {s.pk: [] for s in sessions}
        for booking in bookings:
            by_id.setdefault(booking.session_id, []).append(booking.registration)
        for s in sessions:
            heading = f"Unterschriftenliste · {s.title}"
            sections.append(_sign_in_section(heading, _session_line(s), by_id[s.pk], blank_rows))
        suffix = f"-{session.pk}" if session is not None else "-programmpunkte"
    else:
        people = list(
            Registration.objects.filter(conference=conference, status__in=statuses).only(
                "academic_title", "first_name", "last_name", "organisation"
            )
        )
        days = [day] if day is not None else conference_days(conference)
        for d in days:
            sections.append(
                _sign_in_section(f"Unterschriftenliste · {long_date(d)}", "", people, blank_rows)
            )
        suffix = f"-{day:%Y-%m-%d}" if day is not None else ""
    export = render_sections(
        conference,
        sections,
        filename=f"unterschriftenliste-{conference.slug}{suffix}.pdf",
        title="Unterschriftenliste",
    )
    exports.log_export(
        user=user,
        conference=conference,
        kind="sign_in_sheet",
        fmt=exports.PDF,
        row_count=sum(len(s.rows) for s in sections),
    )
    return export


# --- Lists from registrations.exports --------------------------------------------------------


def participant_list_pdf(*, conference: Conference, on_done: Callable[[int], None]) -> Export:
    table = exports.participant_list_rows(conference)
    section = _table_section(table, weights=[1, 1])
    section.note = (
        "Aufgeführt sind nur Teilnehmende, die der Aufnahme in diese Liste zugestimmt haben."
    )
    export = render_sections(
        conference,
        [section],
        filename=f"teilnehmendenliste-{conference.slug}.pdf",
        title="Teilnehmendenliste",
    )
    on_done(table.row_count)
    return export


def catering_pdf(
    *, conference: Conference, tables: Sequence[Table], on_done: Callable[[int], None]
) -> Export:
    sections = [_table_section(t) for t in tables]
    export = render_sections(
        conference,
        sections,
        filename=f"verpflegung-barrierefreiheit-{conference.slug}.pdf",
        title="Verpflegung und Barrierefreiheit",
    )
    on_done(sum(t.row_count for t in tables))
    return export


# --- Badges -----------------------------------------------------------------------------------


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


def _name_key(first: str, last: str) -> tuple[str, str]:
    return (_collate(first.strip()), _collate(last.strip()))


def badge_entries(conference: Conference, *, roles: Iterable[str] | None = None) -> list:
    """Badges to print, grouped by role, alphabetical within a role. Four queries.

    Speakers and moderators come from the sessions' roles (moderator only if the person has no
    other part); a speaker who also registered gets one badge, with the registration's QR code.
    Accepted exhibitors get `staff_count` badges, the first with the contact's name, the others
    with a blank name line. Organisers are the conference's organising users.
    """
    roles = set(roles or ROLES)
    registrations = list(
        Registration.objects.filter(conference=conference, status=Registration.Status.CONFIRMED)
    )
    by_name = {_name_key(r.first_name, r.last_name): r for r in registrations}
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
            registration = by_name.get(_name_key(speaker.first_name, speaker.last_name))
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
                full_name(r),
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
                        sort_key=(_collate(exhibitor.organisation), exhibitor.pk, n),
                    )
                )
    if ORGANISER in roles:
        for organiser in conference.organisers.order_by("last_name", "first_name", "username"):
            entries.append(
                BadgeEntry(
                    organiser.get_full_name() or organiser.get_username(),
                    "",
                    ORGANISER,
                    sort_key=(_collate(organiser.last_name), _collate(organiser.first_name)),
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
        import math

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
    import segno

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
    title, size = _fit(header[0], f.bold, 8.5, w - 2 * m, 6)
    _draw(c, x + m, y + h - layout.band - 5 * mm, title, f.bold, size, color=MUTED)
    _draw(
        c,
        x + m,
        y + h - layout.band - 8.8 * mm,
        _fit(header[1], f.regular, 7.5, w - 2 * m, 6)[0],
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


def _name_lines(name: str, font: str, size: float, width: float) -> tuple[list[str], float]:
    """One line at full size, else two lines at full size, else smaller (down to 12 pt)."""
    if not name:
        return [], size
    while size > 12:
        if _width(name, font, size) <= width:
            return [name], size
        lines = simpleSplit(name, font, size, width)
        if len(lines) == 2 and all(_width(line, font, size) <= width for line in lines):
            return lines, size
        size -= 1
    return _lines(name, font, size, width, 2), size


def badges(
    *,
    conference: Conference,
    user=None,
    layout: str = "a4",
    roles: Iterable[str] | None = None,
) -> Export:
    """Name badges: "a4" label sheets (2 × 4 of 105 × 74 mm) or single "a6" badges."""
    spec = LAYOUTS[layout]
    entries = badge_entries(conference, roles=roles)
    buffer = io.BytesIO()
    c = _canvas(buffer, spec.page, title=f"Namensschilder – {conference.title}")
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
    exports.log_export(
        user=user,
        conference=conference,
        kind=f"badges_{layout}",
        fmt=exports.PDF,
        row_count=len(entries),
    )
    return _export(buffer, f"namensschilder-{conference.slug}-{layout}.pdf")


# --- Certificates of attendance ---------------------------------------------------------------


def _certificate(c: Canvas, conference: Conference, registration: Registration, signed_at: str):
    f = fonts()
    w, h = A4
    m = 25 * mm
    x_mid = w / 2
    _draw(c, x_mid, h - 60 * mm, "Teilnahmebescheinigung", f.bold, 26, align="center")
    y = h - 85 * mm
    _draw(c, x_mid, y, "Hiermit wird bestätigt, dass", f.regular, 12, align="center")
    name, size = _fit(printable(full_name(registration)), f.bold, 20, w - 2 * m, 11)
    _draw(c, x_mid, y - 16 * mm, name, f.bold, size, align="center")
    organisation = _lines(printable(registration.organisation), f.regular, 12, w - 2 * m, 2)
    for k, line in enumerate(organisation):
        _draw(c, x_mid, y - 24 * mm - k * 6 * mm, line, f.regular, 12, align="center")
    y -= 45 * mm
    days = conference_days(conference)
    when = (
        f"am {long_date(days[0])}"
        if len(days) == 1
        else f"vom {long_date(days[0])} bis {long_date(days[-1])}"
    )
    where = conference.city
    if conference.venue_name:
        where += f" ({conference.venue_name})"
    _draw(c, x_mid, y, "an der Veranstaltung", f.regular, 12, align="center")
    for k, line in enumerate(_lines(printable(f"„{conference.title}“"), f.bold, 15, w - 2 * m, 3)):
        _draw(c, x_mid, y - 10 * mm - k * 7 * mm, line, f.bold, 15, align="center")
    y -= 10 * mm + 7 * mm * len(_lines(conference.title, f.bold, 15, w - 2 * m, 3))
    if conference.motto:
        for k, line in enumerate(_lines(printable(conference.motto), f.regular, 11, w - 2 * m, 2)):
            _draw(c, x_mid, y - k * 5.5 * mm, line, f.regular, 11, align="center", color=MUTED)
        y -= 12 * mm
    for k, line in enumerate(
        _lines(
            printable(f"{when} in {where} teilgenommen hat."),
            f.regular,
            12,
            w - 2 * m,
            3,
        )
    ):
        _draw(c, x_mid, y - 4 * mm - k * 6 * mm, line, f.regular, 12, align="center")
    # Place, date and signature
    base = 60 * mm
    _draw(c, m, base + 2 * mm, printable(signed_at), f.regular, 11)
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    c.line(m, base, m + 70 * mm, base)
    c.line(w - m - 70 * mm, base, w - m, base)
    _draw(c, m, base - 5 * mm, "Ort, Datum", f.regular, 9, color=MUTED)
    _draw(c, w - m - 70 * mm, base - 5 * mm, "Für die Veranstaltenden", f.regular, 9, color=MUTED)


def certificates(
    *, conference: Conference, user=None, registration: Registration | None = None
) -> Export:
    """Teilnahmebescheinigung: one A4 page per confirmed participant (or for `registration`)."""
    registrations = Registration.objects.filter(
        conference=conference, status=Registration.Status.CONFIRMED
    ).only("academic_title", "first_name", "last_name", "organisation")
    if registration is not None:
        registrations = registrations.filter(pk=registration.pk)
    people = sorted(registrations, key=alphabetical_key)
    buffer = io.BytesIO()
    c = _canvas(buffer, A4, title=f"Teilnahmebescheinigungen – {conference.title}")
    signed_at = f"{conference.city}, {timezone.localdate(conference.ends_at):%d.%m.%Y}"
    for person in people:
        _certificate(c, conference, person, signed_at)
        c.showPage()
    if not people:
        c.showPage()
    c.save()
    exports.log_export(
        user=user,
        conference=conference,
        kind="certificates",
        fmt=exports.PDF,
        row_count=len(people),
    )
    suffix = f"-{registration.pk}" if registration is not None else ""
    return _export(buffer, f"teilnahmebescheinigungen-{conference.slug}{suffix}.pdf")
