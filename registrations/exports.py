"""Exports: row generators rendered to CSV and XLSX here, and to PDF in `registrations.pdf`.

Shared by the admin, views and the `export_*` management commands; each export is one call that
returns an `Export`, e.g. in a view
``return exports.attendee_list(conference=c, fmt="xlsx", user=request.user).as_response()``.

Invariants:

- A column spec (a tuple of `Column`) is the one place that decides an export's columns and their
  order; renderers only turn the values it produces into cells.
- Formula injection: every text cell that begins with ``= + - @ | %``, a tab, a carriage return
  or NUL is prefixed with an apostrophe (`neutralise`), in CSV *and* XLSX. XLSX cells are also
  written with ``write_string`` and the workbook never converts strings to formulas, so the
  apostrophe there is not needed by Excel itself; it is kept so that a sheet re-saved as CSV
  from Excel stays safe, and so that both formats show the same text. Numbers and dates are
  written as numbers and dates, never as text.
- The number of queries of an export does not grow with its rows: querysets are read with
  ``.iterator(chunk_size=CHUNK_SIZE)`` and everything per row comes from ``select_related`` or
  a prefetch (done once per chunk).
- CSV is streamed: the BOM and the header are the first chunk (for the attendee list before any
  query runs); memory stays flat in the number of rows (one chunk of rows at a time). XLSX is
  written in xlsxwriter's constant-memory mode to a temporary file.
- Every export function takes the acting ``user`` (None: the system, e.g. a management command)
  and calls `log_export` once its content has been produced (for streamed CSV: when the stream
  ends, with the rows actually sent). Permission checks belong to the caller; use
  `conferences_visible_to` / `can_export`.
"""

from __future__ import annotations

import csv
import itertools
import logging
import operator
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core import signing
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from .models import Consent, ExportLog, Registration, SessionBooking

logger = logging.getLogger("tagungsbuero.exports")

#: Rows fetched (and prefetched for) per database round trip.
CHUNK_SIZE = 2000
#: Rows collected into one chunk of a streamed CSV.
CSV_ROWS_PER_CHUNK = 256
BOM = "\ufeff"
#: Cells starting with one of these are taken for formulas by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\0")

CSV = "csv"
CSV_SEMICOLON = "csv-semicolon"
XLSX = "xlsx"
PDF = "pdf"
TABLE_FORMATS = (CSV, CSV_SEMICOLON, XLSX)

CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    CSV_SEMICOLON: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PDF: "application/pdf",
}


# --- Who may export, and the log -------------------------------------------------------------


def conferences_visible_to(user):
    """The conferences `user` may see and export: `ConferenceQuerySet.organised_by`, and all of
    them for None (the system acting in a management command)."""
    if user is None:
        return Conference.objects.all()
    return Conference.objects.organised_by(user)


def can_export(user, conference) -> bool:
    return conferences_visible_to(user).filter(pk=conference.pk).exists()


def log_export(*, user, conference, kind: str, fmt: str, row_count: int) -> ExportLog:
    """Record who exported what, when (ExportLog, shown read-only in the admin)."""
    username = user.get_username() if user is not None else "system"
    logger.info(
        "export %s (%s) of conference %s by %s: %s rows",
        kind,
        fmt,
        conference.slug,
        username,
        row_count,
    )
    return ExportLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=username,
        conference=conference,
        kind=kind,
        fmt=fmt,
        row_count=row_count,
    )


# --- Check-in codes (printed as QR codes on badges) --------------------------------------------

CHECKIN_SALT = "tagungsbuero.registrations.checkin"


def _checkin_signer() -> signing.Signer:
    return signing.Signer(salt=CHECKIN_SALT, algorithm="sha256")


def checkin_code_for(registration: Registration) -> str:
    """An opaque, signed code for the registration: its primary key and an HMAC (dedicated salt,
    so no other signed value of the site is accepted). It carries no personal data and is not
    the self-service token: knowing it lets no one see or change a registration."""
    return _checkin_signer().sign(str(registration.pk))


def registration_id_from_checkin_code(code: str) -> int | None:
    """The primary key inside a check-in code, or None for anything forged or malformed."""
    try:
        value = _checkin_signer().unsign(code.strip())
    except (signing.BadSignature, AttributeError):
        return None
    return int(value) if value.isdigit() else None


# --- Cells ------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text that no spreadsheet program evaluates as a formula (see the module docstring)."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def local_datetime(value: datetime) -> datetime:
    """Aware → naive Europe/Berlin (spreadsheets know no time zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def plain_text(value) -> str:
    """The text of a value as printed (PDF), without formula neutralisation."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return f"{local_datetime(value):%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def cell_text(value) -> str:
    """The text of a CSV cell: text neutralised, numbers and dates as they are."""
    if type(value) is str:  # most cells: the fast path
        return neutralise(value)
    if value is None or isinstance(value, bool | int | float | date):
        return plain_text(value)
    return neutralise(str(value))


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[object], object]
    #: Column width in XLSX (characters).
    width: float = 18


@dataclass
class Table:
    """Rows of one list: `objects` turned into cells by `columns`."""

    title: str
    columns: Sequence[Column]
    objects: Iterable
    #: Number of rows produced so far (read it after iterating `rows()`).
    row_count: int = field(default=0, init=False)

    def header(self) -> list[str]:
        return [str(column.heading) for column in self.columns]

    def rows(self) -> Iterator[list]:
        getters = [getattr(c.value, "prepare", lambda g=c.value: g)() for c in self.columns]
        for obj in self.objects:
            self.row_count += 1
            yield [get(obj) for get in getters]


class ChoiceLabel:
    """Column value: the label of a choice field (`attr` may be dotted), "" for a blank value.

    Labels are translated once per export (`Table.rows` calls `prepare`), not once per cell:
    Django's get_FOO_display() costs about 20 µs a call, a tenth of a second per 1,000 rows."""

    def __init__(self, attr: str, choices):
        self.attr = attr
        self.choices = choices

    def prepare(self) -> Callable[[object], str]:
        labels = {value: str(label) for value, label in self.choices.choices}
        labels[""] = ""
        get = operator.attrgetter(self.attr)
        return lambda obj: labels.get(get(obj), get(obj))

    def __call__(self, obj) -> str:
        return self.prepare()(obj)


# --- The export and its renderers -------------------------------------------------------------


@dataclass
class Export:
    """A file ready to be sent or saved. `chunks` can be iterated once."""

    filename: str
    content_type: str
    chunks: Iterator[bytes]

    def __iter__(self):
        return iter(self.chunks)

    def as_response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.chunks, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        # Personal data: no copies in shared caches or the browser's cache.
        response["Cache-Control"] = "private, no-store"
        return response

    def write_to(self, fileobj) -> None:
        for chunk in self.chunks:
            fileobj.write(chunk)

    def read(self) -> bytes:
        return b"".join(self.chunks)


def _csv_chunks(tables: Sequence[Table], delimiter: str, on_done: Callable[[int], None]):
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
    titled = len(tables) > 1
    rows = 0
    try:
        for index, table in enumerate(tables):
            lines = []
            if index:
                lines.append(writer.writerow([]))
            if titled:
                lines.append(writer.writerow([neutralise(str(table.title))]))
            lines.append(writer.writerow(table.header()))
            first = (BOM if index == 0 else "") + "".join(lines)
            yield first.encode("utf-8")
            batch = []
            for row in table.rows():
                batch.append(writer.writerow([cell_text(value) for value in row]))
                rows += 1
                if len(batch) >= CSV_ROWS_PER_CHUNK:
                    yield "".join(batch).encode("utf-8")
                    batch = []
            if batch:
                yield "".join(batch).encode("utf-8")
    finally:
        on_done(rows)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip("' ")[:31] or "Tabelle"
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def write_xlsx(tables: Iterable[Table], fileobj, *, title: str = "") -> int:
    """Write `tables` (a sheet each) to `fileobj`; returns the number of data rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": title, "comments": "Tagungsbüro"})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDDDDD", "bottom": 1})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    taken: set[str] = set()
    rows = 0
    for table in tables:
        sheet = workbook.add_worksheet(_sheet_name(str(table.title), taken))
        for col, column in enumerate(table.columns):
            sheet.set_column(col, col, column.width)
        for col, heading in enumerate(table.header()):
            sheet.write_string(0, col, neutralise(heading), bold)
        sheet.freeze_panes(1, 0)
        row_number = 0
        for row_number, row in enumerate(table.rows(), start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(row_number, col, cell_text(value))
                elif isinstance(value, int | float):
                    sheet.write_number(row_number, col, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(row_number, col, local_datetime(value), moment)
                elif isinstance(value, date):
                    sheet.write_datetime(row_number, col, value, day)
                else:
                    sheet.write_string(row_number, col, neutralise(str(value)))
        rows += row_number
        sheet.autofilter(0, 0, max(row_number, 1), max(len(table.columns) - 1, 0))
    workbook.close()
    return rows


def _file_chunks(fileobj, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        fileobj.seek(0)
        while chunk := fileobj.read(size):
            yield chunk
    finally:
        fileobj.close()


def render_tables(
    tables: Sequence[Table],
    *,
    fmt: str,
    filename: str,
    title: str = "",
    on_done: Callable[[int], None],
) -> Export:
    """CSV (streamed, `on_done` called when the stream ends) or XLSX (built now)."""
    if fmt in (CSV, CSV_SEMICOLON):
        delimiter = ";" if fmt == CSV_SEMICOLON else ","
        return Export(
            f"{filename}.csv", CONTENT_TYPES[fmt], _csv_chunks(tables, delimiter, on_done)
        )
    if fmt == XLSX:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _file_chunks)
        on_done(write_xlsx(tables, spool, title=title))
        return Export(f"{filename}.xlsx", CONTENT_TYPES[XLSX], _file_chunks(spool))
    raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(TABLE_FORMATS)}.")


def _logger_for(*, user, conference, kind, fmt) -> Callable[[int], None]:
    def done(row_count: int) -> None:
        log_export(user=user, conference=conference, kind=kind, fmt=fmt, row_count=row_count)

    return done


def base_filename(kind: str, conference: Conference, session: Session | None = None) -> str:
    name = f"{kind}-{conference.slug}"
    if session is not None:
        name += f"-{session.pk}-{slugify(session.title)[:40]}"
    return name


# --- Values shared by several column specs ---------------------------------------------------


def full_name(person) -> str:
    return " ".join(p for p in (person.academic_title, person.first_name, person.last_name) if p)


def sort_name(person) -> str:
    """Last name first, as lists are read."""
    first = " ".join(p for p in (person.academic_title, person.first_name) if p)
    return f"{person.last_name}, {first}" if first else person.last_name


def active_consent(purpose: str) -> Exists:
    return Exists(
        Consent.objects.filter(
            registration=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True
        )
    )


class BookedSessions:
    """Column value: "dd.mm. HH:MM Title; …" of a registration's bookings with `status`
    (from the `prefetched_bookings` of `attendee_queryset`). The conference's sessions are read
    in one query the first time one is needed and formatted once each."""

    def __init__(self, status: str):
        self.status = status

    def prepare(self) -> Callable[[Registration], str]:
        status, labels, tz = self.status, {}, timezone.get_current_timezone()

        def load(conference_id):
            sessions = Session.objects.filter(conference_id=conference_id).only(
                "title", "starts_at"
            )
            labels.update(
                (s.pk, f"{s.starts_at.astimezone(tz):%d.%m. %H:%M} {s.title}") for s in sessions
            )

        def value(registration):
            booked = [b.session_id for b in registration.prefetched_bookings if b.status == status]
            if not labels and booked:
                load(registration.conference_id)
            return "; ".join(labels.get(pk, "") for pk in booked)

        return value

    def __call__(self, registration) -> str:
        return self.prepare()(registration)


# --- Attendee list ------------------------------------------------------------------------------

#: Only in the list of one session: the status of the booking.
BOOKING_STATUS_COLUMN = Column(
    _("Buchung"), ChoiceLabel("booking_status", SessionBooking.Status), 12
)
OrganisationType = Registration.OrganisationType
ATTENDEE_COLUMNS = (
    Column(_("Nachname"), lambda r: r.last_name, 20),
    Column(_("Vorname"), lambda r: r.first_name, 18),
    Column(_("Titel"), lambda r: r.academic_title, 8),
    Column(_("Anrede"), ChoiceLabel("salutation", Registration.Salutation), 8),
    Column(_("E-Mail"), lambda r: r.email, 30),
    Column(_("Organisation"), lambda r: r.organisation, 30),
    Column(_("Funktion"), lambda r: r.position, 24),
    Column(_("Art der Organisation"), ChoiceLabel("organisation_type", OrganisationType), 20),
    Column(_("Region"), lambda r: r.region, 16),
    Column(_("Status"), ChoiceLabel("status", Registration.Status), 16),
    BOOKING_STATUS_COLUMN,
    Column(_("Programmpunkte (gebucht)"), BookedSessions(SessionBooking.Status.BOOKED), 40),
    Column(_("Programmpunkte (Warteliste)"), BookedSessions(SessionBooking.Status.WAITLISTED), 30),
    Column(_("Ernährung"), ChoiceLabel("diet", Registration.Diet), 16),
    Column(_("Hinweise zur Ernährung"), lambda r: r.dietary_notes, 24),
    Column(_("Unterstützungsbedarf"), lambda r: r.accessibility_needs, 30),
    Column(_("Sprache"), lambda r: r.language, 8),
    Column(_("Fotos erlaubt"), operator.attrgetter("consents_photos"), 10),
    Column(_("In Teilnehmendenliste"), operator.attrgetter("consents_listing"), 12),
    Column(_("Angemeldet am"), lambda r: r.created_at, 16),
    Column(_("Bestätigt am"), lambda r: r.confirmed_at, 16),
)


def attendee_columns(session: Session | None = None) -> tuple[Column, ...]:
    """ATTENDEE_COLUMNS; the booking status only in the list of one session."""
    if session is not None:
        return ATTENDEE_COLUMNS
    return tuple(c for c in ATTENDEE_COLUMNS if c is not BOOKING_STATUS_COLUMN)


def attendee_queryset(conference, *, session=None, statuses=None):
    registrations = Registration.objects.filter(conference=conference)
    if statuses:
        registrations = registrations.filter(status__in=statuses)
    if session is not None:
        # One booking per registration and session (a unique constraint): the join adds no rows.
        registrations = registrations.filter(bookings__session=session).annotate(
            booking_status=F("bookings__status")
        )
    bookings = SessionBooking.objects.only("registration_id", "status", "session_id").order_by(
        "session__starts_at", "session__title", "session_id"
    )
    return (
        registrations.annotate(
            consents_photos=active_consent(Consent.Purpose.PHOTOS),
            consents_listing=active_consent(Consent.Purpose.PARTICIPANT_LIST),
        )
        # Fields no column shows (a column reading one would cost a query per row; the
        # query-count tests would notice).
        .defer(
            "public_id",
            "token",
            "updated_at",
            "email_confirmed_at",
            "cancelled_at",
            "cancellation_reason",
            "reminder_sent_at",
        )
        # A list, not a manager: no queryset is built per registration.
        .prefetch_related(Prefetch("bookings", queryset=bookings, to_attr="prefetched_bookings"))
        .order_by("last_name", "first_name", "pk")
    )


def attendee_rows(conference, *, session=None, statuses=None) -> Table:
    """The attendee list of a conference, or of one session (every booking, with its status)."""
    registrations = attendee_queryset(conference, session=session, statuses=statuses)
    title = _("Teilnehmende") if session is None else session.title
    return Table(title, attendee_columns(session), registrations.iterator(chunk_size=CHUNK_SIZE))


def attendee_list(
    *,
    conference: Conference,
    user=None,
    fmt: str = CSV,
    session: Session | None = None,
    statuses: Iterable[str] | None = None,
) -> Export:
    """Attendee list as CSV, semicolon CSV (German Excel) or XLSX; `statuses` None: all."""
    if session is not None and session.conference_id != conference.pk:
        raise ValueError("The session belongs to another conference.")
    statuses = list(statuses or ())
    return render_tables(
        [attendee_rows(conference, session=session, statuses=statuses)],
        fmt=fmt,
        filename=base_filename("teilnehmende", conference, session),
        title=conference.title,
        on_done=_logger_for(user=user, conference=conference, kind="attendees", fmt=fmt),
    )


# --- Per-session participant lists ------------------------------------------------------------

SESSION_COLUMNS = (
    Column(_("Nachname"), lambda b: b.registration.last_name, 20),
    Column(_("Vorname"), lambda b: b.registration.first_name, 18),
    Column(_("Titel"), lambda b: b.registration.academic_title, 8),
    Column(_("Organisation"), lambda b: b.registration.organisation, 30),
    Column(_("Funktion"), lambda b: b.registration.position, 24),
    Column(_("E-Mail"), lambda b: b.registration.email, 30),
    Column(_("Status der Anmeldung"), ChoiceLabel("registration.status", Registration.Status), 18),
    Column(_("Unterstützungsbedarf"), lambda b: b.registration.accessibility_needs, 30),
    Column(_("Gebucht am"), lambda b: b.created_at, 16),
)
#: Put in front of SESSION_COLUMNS when all sessions share one table (CSV).
SESSION_KEY_COLUMNS = (
    Column(_("Programmpunkt"), lambda b: b.session.title, 30),
    Column(_("Beginn"), lambda b: b.session.starts_at, 16),
    Column(_("Raum"), lambda b: b.session.room, 12),
)


def listed_sessions(conference):
    """Sessions with a participant list: the bookable ones and any with bookings."""
    has_bookings = Exists(SessionBooking.objects.filter(session=OuterRef("pk")))
    return (
        Session.objects.filter(conference=conference)
        .filter(Q(is_bookable=True) | has_bookings)
        .order_by("starts_at", "room", "title", "pk")
    )


def booked_queryset(conference, *, session=None):
    bookings = SessionBooking.objects.filter(
        session__conference=conference, status=SessionBooking.Status.BOOKED
    ).select_related("registration", "session")
    if session is not None:
        bookings = bookings.filter(session=session)
    return bookings.order_by(
        "session__starts_at",
        "session__room",
        "session__title",
        "session_id",
        "registration__last_name",
        "registration__first_name",
        "registration_id",
    )


def session_list_rows(conference) -> Table:
    """All booked participants of all sessions in one table (the session in the first columns)."""
    bookings = booked_queryset(conference).iterator(chunk_size=CHUNK_SIZE)
    return Table(_("Programmpunkte"), SESSION_KEY_COLUMNS + SESSION_COLUMNS, bookings)


def session_sheets(conference) -> Iterator[Table]:
    """One table per listed session (empty ones too), in programme order; two queries in all."""
    bookings = booked_queryset(conference).iterator(chunk_size=CHUNK_SIZE)
    groups = itertools.groupby(bookings, key=lambda b: b.session_id)
    pending = next(groups, None)
    for session in listed_sessions(conference):
        # Same order in both queries: every group belongs to the current session or a later one.
        if pending is not None and pending[0] == session.pk:
            members, pending = pending[1], None
        else:
            members = iter(())
        starts = timezone.localtime(session.starts_at)
        yield Table(f"{starts:%d.%m. %H.%M} {session.title}", SESSION_COLUMNS, members)
        if pending is None:
            pending = next(groups, None)


def session_lists(*, conference: Conference, user=None, fmt: str = XLSX) -> Export:
    """Booked participants per session: XLSX with a sheet per session, or one CSV table."""
    tables = [session_list_rows(conference)] if fmt != XLSX else session_sheets(conference)
    return render_tables(
        tables,
        fmt=fmt,
        filename=base_filename("programmpunkte", conference),
        title=conference.title,
        on_done=_logger_for(user=user, conference=conference, kind="session_lists", fmt=fmt),
    )


# --- Participant list for attendees (consented only) -----------------------------------------

PARTICIPANT_LIST_COLUMNS = (
    Column(_("Name"), full_name, 30),
    Column(_("Organisation"), lambda r: r.organisation, 40),
)


def participant_list_queryset(conference):
    """Confirmed participants with an active consent to be listed; only the listed fields."""
    consented = Consent.objects.filter(
        registration=OuterRef("pk"),
        purpose=Consent.Purpose.PARTICIPANT_LIST,
        withdrawn_at__isnull=True,
    )
    return (
        Registration.objects.filter(conference=conference, status=Registration.Status.CONFIRMED)
        .filter(Exists(consented))
        .only("academic_title", "first_name", "last_name", "organisation")
        .order_by("last_name", "first_name", "pk")
    )


def participant_list_rows(conference) -> Table:
    registrations = participant_list_queryset(conference).iterator(chunk_size=CHUNK_SIZE)
    return Table(_("Teilnehmendenliste"), PARTICIPANT_LIST_COLUMNS, registrations)


def participant_list(*, conference: Conference, user=None, fmt: str = PDF) -> Export:
    """The list handed to attendees: name and organisation of those who agreed to be listed."""
    on_done = _logger_for(user=user, conference=conference, kind="participant_list", fmt=fmt)
    if fmt == PDF:
        from . import pdf

        return pdf.participant_list_pdf(conference=conference, on_done=on_done)
    return render_tables(
        [participant_list_rows(conference)],
        fmt=fmt,
        filename=base_filename("teilnehmendenliste", conference),
        title=conference.title,
        on_done=on_done,
    )


# --- Catering and accessibility -------------------------------------------------------------

DIET_COUNT_COLUMNS = (
    Column(_("Ernährung"), lambda row: row[0], 30),
    Column(_("Anzahl"), lambda row: row[1], 10),
)
DIET_NOTE_COLUMNS = (
    Column(_("Name"), sort_name, 30),
    Column(_("Organisation"), lambda r: r.organisation, 30),
    Column(_("Ernährung"), ChoiceLabel("diet", Registration.Diet), 20),
    Column(_("Hinweise zur Ernährung"), lambda r: r.dietary_notes, 40),
)
ACCESSIBILITY_COLUMNS = (
    Column(_("Name"), sort_name, 30),
    Column(_("Organisation"), lambda r: r.organisation, 30),
    Column(_("E-Mail"), lambda r: r.email, 30),
    Column(_("Unterstützungsbedarf"), lambda r: r.accessibility_needs, 60),
)
#: Who is counted for catering by default: those sure to come.
CATERING_STATUSES = (Registration.Status.CONFIRMED,)


def diet_counts(conference, *, statuses=CATERING_STATUSES) -> list[tuple[str, int]]:
    """(label, count) for every diet, in the form's order, then the total."""
    counted = dict(
        Registration.objects.filter(conference=conference, status__in=statuses)
        .values_list("diet")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("diet", "n")
    )
    rows = [(str(label), counted.get(value, 0)) for value, label in Registration.Diet.choices]
    rows.append((str(_("Gesamt")), sum(counted.values())))
    return rows


def catering_tables(conference, *, statuses=CATERING_STATUSES) -> list[Table]:
    registrations = Registration.objects.filter(
        conference=conference, status__in=statuses
    ).order_by("last_name", "first_name", "pk")
    notes = registrations.filter(~Q(dietary_notes="") | Q(diet=Registration.Diet.OTHER))
    needs = registrations.exclude(accessibility_needs="")
    return [
        Table(_("Ernährung"), DIET_COUNT_COLUMNS, diet_counts(conference, statuses=statuses)),
        Table(
            _("Hinweise zur Ernährung"), DIET_NOTE_COLUMNS, notes.iterator(chunk_size=CHUNK_SIZE)
        ),
        Table(
            _("Unterstützungsbedarf"), ACCESSIBILITY_COLUMNS, needs.iterator(chunk_size=CHUNK_SIZE)
        ),
    ]


def catering_summary(
    *, conference: Conference, user=None, fmt: str = XLSX, statuses=CATERING_STATUSES
) -> Export:
    """Counts per diet, the dietary notes and the accessibility needs (CSV, XLSX or PDF)."""
    on_done = _logger_for(user=user, conference=conference, kind="catering", fmt=fmt)
    tables = catering_tables(conference, statuses=statuses)
    if fmt == PDF:
        from . import pdf

        return pdf.catering_pdf(conference=conference, tables=tables, on_done=on_done)
    return render_tables(
        tables,
        fmt=fmt,
        filename=base_filename("verpflegung-barrierefreiheit", conference),
        title=conference.title,
        on_done=on_done,
    )


# --- Management commands ----------------------------------------------------------------------


class ExportCommand(BaseCommand):
    """Base of the `export_*` commands: a conference slug and an output file ("-": stdout)."""

    formats: Sequence[str] = TABLE_FORMATS
    default_format: str = CSV

    def add_arguments(self, parser):
        parser.add_argument("conference", help="Kurzname (slug) der Konferenz")
        parser.add_argument(
            "-o", "--output", help="Datei (Standard: vorgeschlagener Dateiname; - für stdout)"
        )
        if len(self.formats) > 1:
            parser.add_argument(
                "-f", "--format", dest="fmt", choices=self.formats, default=self.default_format
            )

    def build(self, conference: Conference, **options) -> Export:
        raise NotImplementedError

    def session_of(self, conference: Conference, session_id) -> Session | None:
        if session_id is None:
            return None
        try:
            return conference.sessions.get(pk=session_id)
        except Session.DoesNotExist:
            raise CommandError(f"No session {session_id} in {conference.slug}.") from None

    def handle(self, *args, **options):
        slug = options.pop("conference")
        try:
            conference = Conference.objects.get(slug=slug)
        except Conference.DoesNotExist:
            raise CommandError(f"No conference with the slug {slug!r}.") from None
        options.setdefault("fmt", self.default_format)
        export = self.build(conference, **options)
        output = options["output"] or export.filename
        if output == "-":
            export.write_to(self.stdout._out.buffer)
            return
        with open(output, "wb") as fileobj:
            export.write_to(fileobj)
        self.stdout.write(self.style.SUCCESS(f"{output} geschrieben."))


def parse_statuses(values: Iterable[str] | None) -> list[str]:
    """`--status confirmed --status pending` or `--status confirmed,pending`; "all": no filter."""
    statuses = [s.strip() for value in values or () for s in value.split(",") if s.strip()]
    if "all" in statuses:
        return []
    unknown = sorted(set(statuses) - set(Registration.Status.values))
    if unknown:
        raise CommandError(
            f"Unknown status {', '.join(unknown)}; choose from "
            f"{', '.join(Registration.Status.values)} or all."
        )
    return statuses
