"""Sign-in sheets, and the participant list and catering summary as PDF."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils import timezone
from reportlab.lib.units import mm

from registrations.models import Registration

from ..base import Export, Table
from ..tables import booked_queryset, listed_sessions
from .tables import PdfColumn, Section, render_sections, table_section
from .text import alphabetical_key, conference_days, format_date, long_date

SIGN_IN_COLUMNS = (
    PdfColumn("Nr.", 5, "right"),
    PdfColumn("Name", 38, name=True),
    PdfColumn("Organisation", 27),
    PdfColumn("Unterschrift", 30),
)
SIGN_IN_STATUSES = (Registration.Status.CONFIRMED,)


def _sign_in_rows(people: Iterable) -> list[list[str]]:
    ordered = sorted(people, key=alphabetical_key)
    return [[str(n), p.sort_name, p.organisation, ""] for n, p in enumerate(ordered, start=1)]


def _session_line(session) -> str:
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    times = f"{format_date(starts, 'H:i')}–{format_date(ends, 'H:i')} Uhr"
    parts = [f"{long_date(starts.date())}, {times}", session.room]
    return " · ".join(p for p in parts if p)


def _sign_in_section(heading: str, subheading: str, people, blank_rows: int) -> Section:
    return Section(
        heading,
        subheading,
        SIGN_IN_COLUMNS,
        _sign_in_rows(people),
        min_row_height=10 * mm,
        blank_rows=blank_rows,
        note="Mit meiner Unterschrift bestätige ich meine Teilnahme an der Veranstaltung.",
    )


def sign_in_sheets(
    *,
    conference,
    day: date | None = None,
    session=None,
    by_session: bool = False,
    statuses: Iterable[str] = SIGN_IN_STATUSES,
    blank_rows: int = 3,
) -> tuple[Export, int]:
    """Unterschriftenliste: one section per conference day (or only `day`), per `session`, or per
    listed session (`by_session`); A4, alphabetical, blank rows at the end for late arrivals.
    Returns the file and the number of names in it."""
    sections = []
    if session is not None or by_session:
        sessions = [session] if session is not None else list(listed_sessions(conference))
        bookings = booked_queryset(conference, session=session).filter(
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
    return export, sum(len(s.rows) for s in sections)


def participant_list_pdf(*, conference, table: Table) -> Export:
    section = table_section(table, weights=[1, 1])
    section.note = (
        "Aufgeführt sind nur Teilnehmende, die der Aufnahme in diese Liste zugestimmt haben."
    )
    return render_sections(
        conference,
        [section],
        filename=f"teilnehmendenliste-{conference.slug}.pdf",
        title="Teilnehmendenliste",
    )


def catering_pdf(*, conference, tables: Sequence[Table]) -> Export:
    return render_sections(
        conference,
        [table_section(t) for t in tables],
        filename=f"verpflegung-barrierefreiheit-{conference.slug}.pdf",
        title="Verpflegung und Barrierefreiheit",
    )
