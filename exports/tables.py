"""The tables of the exports: which rows, which columns in which order (the column specs), read
with a number of queries that does not grow with the rows.

Querysets are read with ``.iterator(chunk_size=CHUNK_SIZE)`` and everything per row comes from
``select_related`` or a prefetch (done once per chunk).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Session
from registrations.models import Consent, Registration, SessionBooking

from .base import CHUNK_SIZE, ChoiceLabel, Column, Table


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


# --- Participant list for attendees (consented only) -----------------------------------------

PARTICIPANT_LIST_COLUMNS = (
    Column(_("Name"), operator.attrgetter("full_name"), 30),
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


# --- Catering and accessibility -------------------------------------------------------------

DIET_COUNT_COLUMNS = (
    Column(_("Ernährung"), lambda row: row[0], 30),
    Column(_("Anzahl"), lambda row: row[1], 10),
)
DIET_NOTE_COLUMNS = (
    Column(_("Name"), operator.attrgetter("sort_name"), 30),
    Column(_("Organisation"), lambda r: r.organisation, 30),
    Column(_("Ernährung"), ChoiceLabel("diet", Registration.Diet), 20),
    Column(_("Hinweise zur Ernährung"), lambda r: r.dietary_notes, 40),
)
ACCESSIBILITY_COLUMNS = (
    Column(_("Name"), operator.attrgetter("sort_name"), 30),
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
