"""Every change of registration state: register, confirm, change, cancel, expire, promote, approve.

Views, admin actions, management commands and seeds call these functions; nothing else writes
`Registration.status`, `SessionBooking` rows or the seat counters.

Locking protocol: every function below that changes state opens `transaction.atomic()`, locks the
conference row and then all sessions of that conference in primary-key order (`_lock`), re-reads
the registration under that lock, decides, writes, promotes the waiting lists and updates the
counters before it commits. Because every writer of a conference takes its row first, writers of
one conference are serialised and there is no lock-order inversion between them. On SQLite
`select_for_update()` is a no-op; the IMMEDIATE transaction (settings) serialises writers instead.
The check constraints (`seats_taken <= capacity`) and unique constraints are the backstop.

Decisions (see also the docstring of `registrations.models`):

- `Conference.seats_taken` counts pending and confirmed registrations, whether or not the e-mail
  address is confirmed; `waitlist_count` counts waitlisted ones (confirmed address or not).
  Registrations awaiting approval count in neither.
- Session seats are held only by registrations that hold a conference seat: the session bookings of
  waitlisted registrations and of those awaiting approval are `waitlisted` until they get a seat.
  A session's waiting list is served in booking order, skipping those without a conference seat.
- Promotion from the conference waiting list (and approval) gives `confirmed` to a person whose
  e-mail address is already confirmed and `pending` otherwise: the seat is held and the e-mail asks
  for the confirmation, with the same expiry as a new registration.
- Registrations whose e-mail address is never confirmed (pending, waitlisted, awaiting approval)
  expire `REGISTRATION_CONFIRMATION_HOURS` after they were made.
- E-mails are recorded (`SentEmail`) in the same transaction as the change and handed to the task
  queue after commit; a mail server failure never undoes a registration.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session, current_privacy_version
from conferences.prepared import PreparedQuery, created_history_entry, insert
from conferences.rules import registration_refusal

from .emails import queue_email
from .models import Consent, Registration, SentEmail, SessionBooking
from .rules import text_problem

__all__ = [
    "PARTICIPANT_FIELDS",
    "RegistrationError",
    "SeatCounts",
    "approve_registration",
    "cancel_registration",
    "capacity_changed",
    "change_sessions",
    "confirm_email",
    "confirmation_deadline",
    "expire_unconfirmed",
    "get_registration_by_token",
    "promote_from_waitlist",
    "recount_seats",
    "register_participant",
    "resend_manage_link",
    "send_reminders",
    "set_consents",
    "stored_seat_counts",
    "update_participant",
    "waitlist_position",
]

Status = Registration.Status
BookingStatus = SessionBooking.Status
Kind = SentEmail.Kind

#: The `participant` keys `register_participant` and `update_participant` accept.
PARTICIPANT_FIELDS = (
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "position",
    "organisation_type",
    "region",
    "diet",
    "dietary_notes",
    "accessibility_needs",
)
_REQUIRED_FIELDS = ("first_name", "last_name", "email")
_MULTILINE_FIELDS = ("accessibility_needs",)

_UNCONFIRMED = (Status.PENDING, Status.WAITLISTED, Status.AWAITING_APPROVAL)


class RegistrationError(Exception):
    """A rule refused the request. `message` is translatable and meant for the participant.

    `field` names the form field it is about (None: the whole form); `code` says which rule;
    `session_ids` lists the sessions a session error is about.
    """

    def __init__(self, message, *, code: str, field: str | None = None, session_ids=()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.session_ids = sorted(session_ids)

    def __str__(self):
        return str(self.message)

    def __repr__(self):
        return f"RegistrationError(code={self.code!r}, field={self.field!r})"


# --- Messages (one place, so that views and tests see the same wording) --------------------------

MESSAGES = {
    "not_open": _("Die Anmeldung zu dieser Konferenz ist noch nicht geöffnet."),
    "closed": _("Die Anmeldung zu dieser Konferenz ist geschlossen."),
    "ended": _("Die Konferenz ist bereits zu Ende. Eine Anmeldung ist nicht mehr möglich."),
    "duplicate": _(
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung zu dieser Konferenz. "
        "Wir können Ihnen den persönlichen Link zu Ihrer Anmeldung erneut zusenden."
    ),
    "privacy_required": _(
        "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise zur Kenntnis genommen haben."
    ),
    "invalid_consent": _("Diese Einwilligung gibt es nicht."),
    "invalid_session": _("Dieser Programmpunkt kann nicht gewählt werden."),
    "session_conflict": _(
        "Diese Programmpunkte finden zur selben Zeit statt. Bitte wählen Sie nur einen davon."
    ),
    "session_full": _(
        "Während Sie das Formular ausgefüllt haben, sind in diesem Programmpunkt alle Plätze "
        "vergeben worden. Sie können einen anderen wählen oder sich auf die Warteliste setzen."
    ),
    "conference_full_changed": _(
        "Während Sie das Formular ausgefüllt haben, sind alle Plätze der Konferenz vergeben "
        "worden. Wenn Sie das Formular erneut absenden, kommen Sie auf die Warteliste."
    ),
    "expired": _(
        "Diese Anmeldung ist nicht mehr gültig, weil die E-Mail-Adresse nicht rechtzeitig "
        "bestätigt wurde oder die Anmeldung storniert ist. Sie können sich erneut anmelden."
    ),
    "cancelled": _("Diese Anmeldung ist storniert und kann nicht mehr geändert werden."),
    "started": _(
        "Die Konferenz hat bereits begonnen. Bitte wenden Sie sich an das Organisationsteam."
    ),
    "not_awaiting_approval": _("Diese Anmeldung wartet nicht auf eine Freigabe."),
    "required": _("Dieses Feld ist erforderlich."),
    "invalid_email": _("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    "control_characters": _("Bitte verwenden Sie keine Steuerzeichen."),
    "line_breaks": _("Bitte schreiben Sie dieses Feld in eine Zeile."),
}


def _error(code: str, *, field: str | None = None, session_ids=(), message=None):
    return RegistrationError(
        message or MESSAGES[code], code=code, field=field, session_ids=session_ids
    )


# --- Counters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    seats_taken: int
    waitlist_count: int


@dataclass(frozen=True)
class SeatCounts:
    """Counters of a conference and of each of its sessions, keyed by session pk."""

    conference: Counts
    sessions: dict[int, Counts]


def stored_seat_counts(*, conference: Conference) -> SeatCounts:
    """The counters as stored on the rows."""
    conference = Conference.objects.only("seats_taken", "waitlist_count").get(pk=conference.pk)
    return SeatCounts(
        conference=Counts(conference.seats_taken, conference.waitlist_count),
        sessions={
            pk: Counts(taken, waiting)
            for pk, taken, waiting in Session.objects.filter(conference=conference)
            .order_by("pk")
            .values_list("pk", "seats_taken", "waitlist_count")
        },
    )


def recount_seats(*, conference: Conference, fix: bool = False) -> SeatCounts:
    """Count seats from the registrations and bookings themselves.

    With `fix=True` the stored counters are overwritten with the recount (a repair tool, under the
    same lock as every other writer). Returns the recount.
    """
    with transaction.atomic() if fix else nullcontext():
        if fix:
            _lock(conference.pk)
        registrations = Registration.objects.filter(conference_id=conference.pk).aggregate(
            taken=Count("pk", filter=Q(status__in=Registration.SEAT_HOLDING)),
            waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
        )
        per_session = {
            row["session_id"]: Counts(row["taken"], row["waiting"])
            for row in SessionBooking.objects.filter(session__conference_id=conference.pk)
            .exclude(registration__status=Status.CANCELLED)
            .values("session_id")
            .annotate(
                taken=Count("pk", filter=Q(status=BookingStatus.BOOKED)),
                waiting=Count("pk", filter=Q(status=BookingStatus.WAITLISTED)),
            )
            .order_by()
        }
        counts = SeatCounts(
            conference=Counts(registrations["taken"], registrations["waiting"]),
            sessions={
                pk: per_session.get(pk, Counts(0, 0))
                for pk in Session.objects.filter(conference_id=conference.pk)
                .order_by("pk")
                .values_list("pk", flat=True)
            },
        )
        if fix:
            Conference.objects.filter(pk=conference.pk).update(
                seats_taken=counts.conference.seats_taken,
                waitlist_count=counts.conference.waitlist_count,
            )
            for pk, session_counts in counts.sessions.items():
                Session.objects.filter(pk=pk).update(
                    seats_taken=session_counts.seats_taken,
                    waitlist_count=session_counts.waitlist_count,
                )
    return counts


# --- Locking -----------------------------------------------------------------------------------


@dataclass
class _Locked:
    """The locked conference and its sessions; counters are changed in memory and written by
    `flush()` as deltas."""

    conference: Conference
    sessions: dict[int, Session]
    _original: dict[tuple[type, int], tuple[int, int]] = field(default_factory=dict)

    def flush(self) -> None:
        """Write the changed counters as deltas: per table one statement, sent once for all
        changed rows."""
        for model, objects in ((Conference, [self.conference]), (Session, self.sessions.values())):
            deltas = []
            for obj in objects:
                taken, waiting = self._original[(model, obj.pk)]
                if (obj.seats_taken, obj.waitlist_count) != (taken, waiting):
                    deltas.append((obj.seats_taken - taken, obj.waitlist_count - waiting, obj.pk))
                    self._original[(model, obj.pk)] = (obj.seats_taken, obj.waitlist_count)
            if deltas:
                with connection.cursor() as cursor:
                    cursor.executemany(_counter_update_sql(model), deltas)

    def registration(self, pk: int) -> Registration:
        """The registration as it is now (we hold the lock every writer of it takes)."""
        registration = Registration.objects.get(pk=pk)
        registration.conference = self.conference
        return registration


@cache
def _counter_update_sql(model) -> str:
    """UPDATE of one row's seat counters by deltas (the hot path of every registration: plain
    SQL, as the ORM would write it, without compiling a query each time)."""
    quote = connection.ops.quote_name
    meta = model._meta
    taken = quote(meta.get_field("seats_taken").column)
    waiting = quote(meta.get_field("waitlist_count").column)
    # Names from the model's metadata, values as parameters.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    return f"UPDATE {table} SET {taken} = {taken} + %s, {waiting} = {waiting} + %s WHERE {pk} = %s"  # noqa: S608


# The locks every writer takes, prepared: they run on every registration (`conferences.prepared`).
_LOCK_CONFERENCE = PreparedQuery(
    lambda pk: Conference.objects.select_for_update().filter(pk=pk).order_by()
)


def _sessions_to_lock(conference_id, pks=None):
    """The conference's sessions (or those of `pks`) in primary-key order, locked."""
    sessions = Session.objects.select_for_update().filter(conference_id=conference_id)
    return (sessions if pks is None else sessions.filter(pk__in=pks)).order_by("pk")


# Compiled once per number of arguments (all sessions, or the chosen ones).
_LOCK_SESSIONS = PreparedQuery(_sessions_to_lock)


def _lock(conference_id: int, session_ids: Iterable[int] | None = None) -> _Locked:
    """Lock the conference row, then its sessions in primary-key order. Call inside atomic().

    `session_ids` limits the sessions locked (and known to the returned `_Locked`) to those;
    by default every session of the conference is locked."""
    conference = _LOCK_CONFERENCE.first(conference_id)
    if conference is None:
        raise Conference.DoesNotExist(f"Conference {conference_id} does not exist")
    if session_ids is None:
        rows = _LOCK_SESSIONS(conference_id)
    else:
        session_ids = _ids(session_ids)
        rows = _LOCK_SESSIONS(conference_id, session_ids) if session_ids else ()
    sessions = {session.pk: session for session in rows}
    locked = _Locked(conference=conference, sessions=sessions)
    for obj in (conference, *sessions.values()):
        locked._original[(type(obj), obj.pk)] = (obj.seats_taken, obj.waitlist_count)
    return locked


def _conference_has_seat(conference: Conference) -> bool:
    return conference.seats_taken < conference.capacity


def _session_has_seat(session: Session) -> bool:
    return session.capacity is None or session.seats_taken < session.capacity


# --- Input -------------------------------------------------------------------------------------


def _ids(values: Iterable) -> list[int]:
    """Distinct integer ids in the order given."""
    seen: dict[int, None] = {}
    for value in values or ():
        seen[int(value)] = None
    return list(seen)


def _language(language: str | None) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _normalise_email(email: str) -> str:
    local, sep, domain = email.strip().rpartition("@")
    return f"{local}{sep}{domain.lower()}" if sep else email.strip()


def _clean_participant(participant: dict, *, partial: bool) -> dict:
    """Strip, check and return the participant's values (RegistrationError on bad input)."""
    unknown = set(participant) - set(PARTICIPANT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown participant fields: {sorted(unknown)}")
    data = {}
    for name, value in participant.items():
        value = "" if value is None else str(value)
        value = value.strip() if name not in _MULTILINE_FIELDS else value.strip("\n\r ")
        problem = text_problem(value, multiline=name in _MULTILINE_FIELDS)
        if problem:
            raise _error(problem, field=name)
        data[name] = value
    if not partial:
        for name in _REQUIRED_FIELDS:
            if not data.get(name):
                raise _error("required", field=name)
    elif any(name in data and not data[name] for name in _REQUIRED_FIELDS):
        name = next(n for n in _REQUIRED_FIELDS if n in data and not data[n])
        raise _error("required", field=name)
    if "email" in data:
        data["email"] = _normalise_email(data["email"])
        try:
            validate_email(data["email"])
        except ValidationError:
            raise _error("invalid_email", field="email") from None
    # Lengths and choices, as the model declares them.
    try:
        Registration(**data).clean_fields(
            exclude=[f.name for f in Registration._meta.fields if f.name not in data]
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RegistrationError(messages[0], code="invalid", field=name) from None
    return data


def _clean_consents(consents: Iterable[str]) -> list[str]:
    given = list(dict.fromkeys(consents or ()))
    valid = set(Consent.Purpose.values)
    if any(purpose not in valid for purpose in given):
        raise _error("invalid_consent", field="consents")
    if Consent.Purpose.PRIVACY not in given:
        raise _error("privacy_required", field="consents")
    return given


def _consent_versions(purposes: list[str], moment: datetime) -> dict[str, str]:
    """The text version each consent is given to: the privacy notice in force (an organiser-edited
    `LegalPage`, else the PRIVACY_NOTICE_VERSION setting), CONSENT_TEXT_VERSION for the others."""
    privacy = current_privacy_version(moment, default=settings.PRIVACY_NOTICE_VERSION)
    return {
        purpose: privacy if purpose == Consent.Purpose.PRIVACY else settings.CONSENT_TEXT_VERSION
        for purpose in purposes
    }


def _check_window(conference: Conference, moment: datetime, *, by_organiser: bool = False) -> None:
    """Refuse a registration at `moment` outside the window (`conferences.rules`)."""
    refusal = registration_refusal(conference, moment, by_organiser=by_organiser)
    if refusal:
        raise _error(refusal)


def _with_address(queryset, email: str):
    # The database's lower() on both sides, exactly as the unique constraint compares them.
    return queryset.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))


def _active_with_address(conference_id: int, email: str, exclude_pk: int | None = None):
    queryset = Registration.objects.filter(conference_id=conference_id).exclude(
        status=Status.CANCELLED
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return _with_address(queryset, email).values_list("pk", flat=True)[:1]


# Asked whenever a registration is refused (a second registration of the address is named
# first), so also for every form sent back because a forum filled: prepared.
_ACTIVE_WITH_ADDRESS = PreparedQuery(_active_with_address)


def _active_registration_exists(conference_id: int, email: str, *, exclude_pk=None) -> bool:
    arguments = (conference_id, email) if exclude_pk is None else (conference_id, email, exclude_pk)
    return bool(_ACTIVE_WITH_ADDRESS(*arguments))


def _chosen_sessions(
    locked: _Locked, session_ids: list[int], *, already_booked: Iterable[int] = ()
) -> list[Session]:
    """The chosen sessions, checked: bookable sessions of this conference, no overlap."""
    already_booked = set(already_booked)
    invalid = [
        pk
        for pk in session_ids
        if pk not in locked.sessions
        or not (locked.sessions[pk].is_bookable or pk in already_booked)
    ]
    if invalid:
        raise _error("invalid_session", field="sessions", session_ids=invalid)
    sessions = sorted((locked.sessions[pk] for pk in session_ids), key=lambda s: s.starts_at)
    conflicting = set()
    for i, first in enumerate(sessions):
        for second in sessions[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            conflicting.update((first.pk, second.pk))
    if conflicting:
        raise _error("session_conflict", field="sessions", session_ids=conflicting)
    return sessions


def confirmation_deadline(registration: Registration) -> datetime:
    """Until when an unconfirmed registration may be confirmed."""
    return registration.created_at + timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS)


def confirmation_expired(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the link in the first e-mail can no longer confirm: the registration was
    cancelled, or its address was not confirmed in time. `confirm_email` applies the same rule
    under the lock (and expires an overdue registration on the spot)."""
    return registration.status == Status.CANCELLED or _is_overdue(
        registration, now or timezone.now()
    )


def _is_overdue(registration: Registration, moment: datetime) -> bool:
    return (
        registration.status in _UNCONFIRMED
        and registration.email_confirmed_at is None
        and confirmation_deadline(registration) <= moment
    )


# --- Core moves (call with the lock held) -----------------------------------------------------


def _cancel_locked(
    locked: _Locked, registration: Registration, *, reason: str, moment: datetime
) -> set[int]:
    """Cancel and release everything the registration held; returns the sessions it left."""
    if registration.status in Registration.SEAT_HOLDING:
        locked.conference.seats_taken -= 1
    elif registration.status == Status.WAITLISTED:
        locked.conference.waitlist_count -= 1
    bookings = list(registration.bookings.all())
    for booking in bookings:
        session = locked.sessions[booking.session_id]
        if booking.status == BookingStatus.BOOKED:
            session.seats_taken -= 1
        else:
            session.waitlist_count -= 1
    SessionBooking.objects.filter(pk__in=[b.pk for b in bookings]).delete()
    registration.status = Status.CANCELLED
    registration.cancelled_at = moment
    registration.cancellation_reason = reason
    registration.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
    return {booking.session_id for booking in bookings}


def _give_conference_seat(locked: _Locked, registration: Registration, moment: datetime) -> None:
    """A waitlisted or approved registration takes a free conference seat."""
    if registration.status == Status.WAITLISTED:
        locked.conference.waitlist_count -= 1
    locked.conference.seats_taken += 1
    if registration.email_confirmed_at:
        registration.status = Status.CONFIRMED
        registration.confirmed_at = moment
    else:
        registration.status = Status.PENDING
    registration.save(update_fields=["status", "confirmed_at", "updated_at"])


@dataclass
class _Promotions:
    registrations: list[Registration] = field(default_factory=list)
    bookings: list[SessionBooking] = field(default_factory=list)

    def as_list(self) -> list[Registration | SessionBooking]:
        return [*self.registrations, *self.bookings]


def _promote(
    locked: _Locked,
    *,
    moment: datetime,
    conference: bool = True,
    session_ids: Iterable[int] | None = None,
) -> _Promotions:
    """Fill free seats from the waiting lists, in waiting-list order.

    `session_ids=None` looks at every session; otherwise at the ones given plus those in which a
    person who has just got a conference seat is waiting.
    """
    promoted = _Promotions()
    sessions_to_check = set(locked.sessions) if session_ids is None else set(session_ids)
    if conference:
        free = locked.conference.capacity - locked.conference.seats_taken
        if free > 0 and locked.conference.waitlist_count > 0:
            waiting = Registration.objects.filter(
                conference_id=locked.conference.pk, status=Status.WAITLISTED
            ).order_by("created_at", "pk")[:free]
            for registration in waiting:
                registration.conference = locked.conference
                _give_conference_seat(locked, registration, moment)
                promoted.registrations.append(registration)
            if promoted.registrations:
                sessions_to_check.update(
                    SessionBooking.objects.filter(
                        registration__in=promoted.registrations
                    ).values_list("session_id", flat=True)
                )
    for pk in sorted(sessions_to_check):
        session = locked.sessions[pk]
        if session.waitlist_count <= 0 or not _session_has_seat(session):
            continue
        waiting = (
            SessionBooking.objects.filter(
                session=session,
                status=BookingStatus.WAITLISTED,
                registration__status__in=Registration.SEAT_HOLDING,
            )
            .select_related("registration")
            .order_by("created_at", "pk")
        )
        if session.capacity is not None:
            waiting = waiting[: session.capacity - session.seats_taken]
        for booking in waiting:
            booking.status = BookingStatus.BOOKED
            booking.save(update_fields=["status"])
            booking.session = session
            booking.registration.conference = locked.conference
            session.seats_taken += 1
            session.waitlist_count -= 1
            promoted.bookings.append(booking)
    return promoted


def _mail_promotions(promoted: _Promotions, *, skip_registration_ids: Iterable[int] = ()) -> None:
    """One 'seat granted' e-mail per person who got a conference seat or session seats."""
    skip = set(skip_registration_ids)
    granted: dict[int, dict] = {}
    registrations: dict[int, Registration] = {}
    for registration in promoted.registrations:
        registrations[registration.pk] = registration
        granted[registration.pk] = {"conference": True, "session_ids": []}
    for booking in promoted.bookings:
        registrations.setdefault(booking.registration_id, booking.registration)
        entry = granted.setdefault(
            booking.registration_id, {"conference": False, "session_ids": []}
        )
        entry["session_ids"].append(booking.session_id)
    for pk, context in granted.items():
        if pk not in skip:
            queue_email(registration=registrations[pk], kind=Kind.SEAT_GRANTED, context=context)


# --- Public services ---------------------------------------------------------------------------


def _initial_status(conference: Conference, conference_known_full: bool) -> str:
    """Seat, waiting list or approval queue for a new registration (with the lock held)."""
    if conference.requires_approval:
        return Status.AWAITING_APPROVAL
    if _conference_has_seat(conference):
        return Status.PENDING
    if conference_known_full:
        return Status.WAITLISTED
    # The page showed free seats, now there are none: the person decides again.
    raise _error("conference_full_changed")


def register_participant(
    *,
    conference: Conference,
    participant: dict,
    session_ids: Iterable[int],
    consents: Iterable[str],
    language: str,
    known_full_session_ids: Iterable[int] = (),
    conference_known_full: bool = False,
    now: datetime | None = None,
    by_organiser: bool = False,
) -> Registration:
    """Register one person: a conference seat (pending) or a place on the waiting list or in the
    approval queue, the chosen sessions booked or waitlisted, the consents recorded, and the
    "please confirm your address" e-mail queued. Either all of it is stored or nothing.

    `by_organiser`: the organisers register the person (admin "Person anmelden"); the
    registration window does not apply, everything else does (see `_check_window`)."""
    data = _clean_participant(participant, partial=False)
    given_consents = _clean_consents(consents)
    wanted = _ids(session_ids)
    known_full = set(_ids(known_full_session_ids))
    language = _language(language)
    versions = _consent_versions(given_consents, now or timezone.now())
    # A cheap refusal before queueing for the lock (checked again under it). A second
    # registration of the address is refused by the unique constraint (IntegrityError below),
    # and before any other refusal under the lock: the person must hear that first.
    _check_window(conference, now or timezone.now(), by_organiser=by_organiser)

    try:
        with transaction.atomic():
            # Only the chosen sessions: registrations for other forums do not wait for us.
            locked = _lock(conference.pk, wanted)
            moment = now or timezone.now()
            _check_window(locked.conference, moment, by_organiser=by_organiser)
            try:
                sessions = _chosen_sessions(locked, wanted)
                status = _initial_status(locked.conference, conference_known_full)
                if status == Status.PENDING:
                    filled = [
                        s.pk
                        for s in sessions
                        if not _session_has_seat(s) and s.pk not in known_full
                    ]
                    if filled:
                        raise _error("session_full", field="sessions", session_ids=filled)
            except RegistrationError:
                if _active_registration_exists(conference.pk, data["email"]):
                    raise _error("duplicate", field="email") from None
                raise
            registration = Registration(
                conference=locked.conference,
                language=language,
                status=status,
                created_at=moment,
                **data,
            )
            # Plain INSERTs for the rows of a new registration (`conferences.prepared`); its
            # history entry as simple_history's post_save would write it (user from the request).
            insert([registration])
            insert([created_history_entry(registration, date=moment)])
            if status == Status.PENDING:
                locked.conference.seats_taken += 1
            elif status == Status.WAITLISTED:
                locked.conference.waitlist_count += 1
            insert(
                [
                    Consent(
                        registration=registration,
                        purpose=purpose,
                        text_version=versions[purpose],
                        given_at=moment,
                    )
                    for purpose in given_consents
                ]
            )
            bookings = []
            for session in sessions:
                if status == Status.PENDING and _session_has_seat(session):
                    booking_status = BookingStatus.BOOKED
                    session.seats_taken += 1
                else:
                    booking_status = BookingStatus.WAITLISTED
                    session.waitlist_count += 1
                bookings.append(
                    SessionBooking(
                        registration=registration,
                        session=session,
                        status=booking_status,
                        created_at=moment,
                    )
                )
            insert(bookings)
            locked.flush()
            queue_email(registration=registration, kind=Kind.CONFIRM_ADDRESS)
    except IntegrityError:
        # The unique constraint refused a second active registration of the address.
        if _active_registration_exists(conference.pk, data["email"]):
            raise _error("duplicate", field="email") from None
        raise
    return registration


def lock_consents(registration_id: int) -> None:
    """One change of a person's consents at a time (a double click, or the participant and an
    organiser at once, records nothing twice). Call inside `transaction.atomic()`."""
    Registration.objects.select_for_update().only("pk").get(pk=registration_id)


def withdraw(consent: Consent, moment: datetime) -> None:
    """Record the withdrawal of an active consent; its record stays, with the time. Saved on
    its own, so that it gets its entry in the change history. Call with `lock_consents`."""
    consent.withdrawn_at = moment
    consent.save(update_fields=["withdrawn_at"])


def set_consents(
    *, registration: Registration, purposes: Iterable[str], now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """The participant's optional consents become exactly `purposes`: a consent not wanted any
    more is withdrawn (its record stays, with the time), a new one is recorded with the text
    version in force. The privacy notice's acknowledgement is not a consent and stays.
    Possible at any time, also after a cancellation. Returns (given, withdrawn)."""
    wanted = set(_clean_consents([Consent.Purpose.PRIVACY, *purposes]))
    moment = now or timezone.now()
    with transaction.atomic():
        lock_consents(registration.pk)
        active = {c.purpose: c for c in registration.consents.filter(withdrawn_at__isnull=True)}
        withdrawn = sorted(p for p in active if p not in wanted)
        given = sorted(p for p in wanted if p not in active)
        for purpose in withdrawn:
            withdraw(active[purpose], moment)
        versions = _consent_versions(given, moment)
        for purpose in given:
            Consent.objects.create(
                registration=registration,
                purpose=purpose,
                text_version=versions[purpose],
                given_at=moment,
            )
    return given, withdrawn


def get_registration_by_token(*, public_id, token: str) -> Registration | None:
    """The registration whose private link this is, or None. Cancelled ones are returned too."""
    try:
        public_id = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        return None
    registration = (
        Registration.objects.select_related("conference").filter(public_id=public_id).first()
    )
    if registration is None or not isinstance(token, str):
        return None
    if not hmac.compare_digest(registration.token.encode(), token.encode()):
        return None
    return registration


def confirm_email(*, registration: Registration, now: datetime | None = None) -> Registration:
    """The participant followed the link in the first e-mail.

    pending → confirmed (confirmation e-mail with programme, .ics and manage link); waitlisted or
    awaiting approval: the address is recorded as confirmed (e-mail saying where they stand).
    A repeat changes nothing and sends nothing. Cancelled or overdue: RegistrationError "expired"
    (an overdue one is expired on the spot, as `expire_unconfirmed` would).
    """
    overdue = False
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise _error("expired")
        if registration.email_confirmed_at is not None:
            return registration
        if _is_overdue(registration, moment):
            left = _cancel_locked(locked, registration, reason="expired", moment=moment)
            promoted = _promote(locked, moment=moment, session_ids=left)
            locked.flush()
            queue_email(registration=registration, kind=Kind.CANCELLED)
            _mail_promotions(promoted)
            overdue = True
        else:
            registration.email_confirmed_at = moment
            update_fields = ["email_confirmed_at", "updated_at"]
            if registration.status == Status.PENDING:
                registration.status = Status.CONFIRMED
                registration.confirmed_at = moment
                update_fields += ["status", "confirmed_at"]
            registration.save(update_fields=update_fields)
            kind = {
                Status.CONFIRMED: Kind.CONFIRMED,
                Status.WAITLISTED: Kind.WAITLISTED,
                Status.AWAITING_APPROVAL: Kind.AWAITING_APPROVAL,
            }[registration.status]
            queue_email(registration=registration, kind=kind)
    if overdue:
        raise _error("expired")
    return registration


def update_participant(
    *, registration: Registration, participant: dict, now: datetime | None = None
) -> Registration:
    """Correct the participant's own data. A new e-mail address must be free in this conference;
    the "changed" e-mail goes to the new address and, as a notice, to the previous one."""
    data = _clean_participant(participant, partial=True)
    try:
        with transaction.atomic():
            locked = _lock(registration.conference_id)
            registration = locked.registration(registration.pk)
            if registration.status == Status.CANCELLED:
                raise _error("cancelled")
            changed = [name for name, value in data.items() if getattr(registration, name) != value]
            if not changed:
                return registration
            previous_email = registration.email
            if "email" in changed and _active_registration_exists(
                registration.conference_id, data["email"], exclude_pk=registration.pk
            ):
                raise _error("duplicate", field="email")
            for name in changed:
                setattr(registration, name, data[name])
            registration.save(update_fields=[*changed, "updated_at"])
            context = {"fields": sorted(changed)}
            queue_email(registration=registration, kind=Kind.CHANGED, context=context)
            if previous_email.lower() != registration.email.lower():
                queue_email(
                    registration=registration,
                    kind=Kind.CHANGED,
                    context={**context, "previous_address": True},
                    to=previous_email,
                )
    except IntegrityError:
        if "email" in data and _active_registration_exists(
            registration.conference_id, data["email"], exclude_pk=registration.pk
        ):
            raise _error("duplicate", field="email") from None
        raise
    return registration


def change_sessions(
    *,
    registration: Registration,
    session_ids: Iterable[int],
    known_full_session_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Registration:
    """Replace the participant's session choice, in one transaction.

    Bookings that stay are untouched (and keep their place on a waiting list). New ones are booked
    while seats are left; a full one only goes onto its waiting list if the participant knew it was
    full (`known_full_session_ids`), else RegistrationError "session_full" and nothing changes.
    New bookings are written before dropped ones are released; released seats go to the next
    people waiting. People without a conference seat are put on the session waiting lists.
    """
    wanted = _ids(session_ids)
    known_full = set(_ids(known_full_session_ids))
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise _error("cancelled")
        if moment >= locked.conference.starts_at:
            raise _error("started")
        current = {booking.session_id: booking for booking in registration.bookings.all()}
        sessions = _chosen_sessions(locked, wanted, already_booked=current)
        new = [session for session in sessions if session.pk not in current]
        dropped = [booking for pk, booking in current.items() if pk not in set(wanted)]
        if not new and not dropped:
            return registration
        holds_seat = registration.status in Registration.SEAT_HOLDING
        filled = [
            s.pk for s in new if holds_seat and not _session_has_seat(s) and s.pk not in known_full
        ]
        if filled:
            raise _error("session_full", field="sessions", session_ids=filled)

        # Secure the new bookings first ...
        for session in new:
            if holds_seat and _session_has_seat(session):
                booking_status = BookingStatus.BOOKED
                session.seats_taken += 1
            else:
                booking_status = BookingStatus.WAITLISTED
                session.waitlist_count += 1
            SessionBooking.objects.create(
                registration=registration, session=session, status=booking_status, created_at=moment
            )
        # ... then release the dropped ones and hand their seats on.
        for booking in dropped:
            session = locked.sessions[booking.session_id]
            if booking.status == BookingStatus.BOOKED:
                session.seats_taken -= 1
            else:
                session.waitlist_count -= 1
        SessionBooking.objects.filter(pk__in=[b.pk for b in dropped]).delete()
        promoted = _promote(
            locked, moment=moment, conference=False, session_ids=[b.session_id for b in dropped]
        )
        locked.flush()
        registration.save(update_fields=["updated_at"])
        queue_email(
            registration=registration,
            kind=Kind.CHANGED,
            context={
                "added_session_ids": [s.pk for s in new],
                "dropped_session_ids": [b.session_id for b in dropped],
            },
        )
        _mail_promotions(promoted)
    return registration


def cancel_registration(
    *,
    registration: Registration,
    by_organiser: bool = False,
    notify: bool = True,
    now: datetime | None = None,
) -> Registration:
    """Cancel: the conference seat (or waiting-list place) and all session bookings are released
    and handed to the next people waiting. Repeating it changes nothing. Participants cannot
    cancel once the conference has begun (organisers can)."""
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            return registration
        if not by_organiser and moment >= locked.conference.starts_at:
            raise _error("started")
        reason = (
            Registration.CancellationReason.ORGANISER
            if by_organiser
            else Registration.CancellationReason.PARTICIPANT
        )
        left = _cancel_locked(locked, registration, reason=reason, moment=moment)
        promoted = _promote(locked, moment=moment, session_ids=left)
        locked.flush()
        if notify:
            queue_email(registration=registration, kind=Kind.CANCELLED)
        _mail_promotions(promoted)
    return registration


def _expirable(cutoff: datetime) -> Q:
    return Q(status__in=_UNCONFIRMED, email_confirmed_at__isnull=True, created_at__lte=cutoff)


def expire_unconfirmed(*, now: datetime | None = None) -> int:
    """Cancel registrations whose address was not confirmed in time; returns how many.

    One transaction per conference, so that one conference's queue never waits for another's.
    """
    moment = now or timezone.now()
    cutoff = moment - timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS)
    conference_ids = sorted(
        set(Registration.objects.filter(_expirable(cutoff)).values_list("conference_id", flat=True))
    )
    expired = 0
    for conference_id in conference_ids:
        with transaction.atomic():
            locked = _lock(conference_id)
            left: set[int] = set()
            overdue = list(
                Registration.objects.filter(conference_id=conference_id)
                .filter(_expirable(cutoff))
                .order_by("pk")
            )
            for registration in overdue:
                registration.conference = locked.conference
                left |= _cancel_locked(
                    locked,
                    registration,
                    reason=Registration.CancellationReason.EXPIRED,
                    moment=moment,
                )
            promoted = _promote(locked, moment=moment, session_ids=left)
            locked.flush()
            for registration in overdue:
                queue_email(registration=registration, kind=Kind.CANCELLED)
            _mail_promotions(promoted)
            expired += len(overdue)
    return expired


def promote_from_waitlist(
    *,
    conference: Conference | None = None,
    session: Session | None = None,
    now: datetime | None = None,
) -> list[Registration | SessionBooking]:
    """Give free seats to the people waiting, in order, and tell them by e-mail.

    With `conference`: its waiting list, then every session of it. With `session`: that session's
    waiting list only. Returns the promoted registrations and bookings. After every other service
    nobody eligible is left waiting for a free seat, so this is for capacity changes and repairs.
    """
    if session is not None:
        conference_id, session_ids, whole = session.conference_id, [session.pk], False
    elif conference is not None:
        conference_id, session_ids, whole = conference.pk, None, True
    else:
        raise TypeError("promote_from_waitlist() needs a conference or a session")
    with transaction.atomic():
        locked = _lock(conference_id)
        promoted = _promote(
            locked, moment=now or timezone.now(), conference=whole, session_ids=session_ids
        )
        locked.flush()
        _mail_promotions(promoted)
    return promoted.as_list()


def capacity_changed(
    *, conference: Conference | None = None, session: Session | None = None
) -> list[Registration | SessionBooking]:
    """Call after an organiser raised (or lowered) a capacity: fills the new seats from the
    waiting list. (Lowering below the seats taken is refused by the model's clean() and the
    database constraint.)"""
    return promote_from_waitlist(conference=conference, session=session)


def approve_registration(
    *, registration: Registration, now: datetime | None = None
) -> Registration:
    """An organiser accepts a registration awaiting approval: a conference seat if one is free
    (confirmed, or pending if the address is not confirmed yet), else the waiting list. Its
    session choices are booked where seats are free."""
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status != Status.AWAITING_APPROVAL:
            raise _error("not_awaiting_approval")
        if _conference_has_seat(locked.conference):
            _give_conference_seat(locked, registration, moment)
            kind = Kind.CONFIRMED if registration.status == Status.CONFIRMED else Kind.SEAT_GRANTED
        else:
            registration.status = Status.WAITLISTED
            registration.save(update_fields=["status", "updated_at"])
            locked.conference.waitlist_count += 1
            kind = Kind.WAITLISTED
        own_sessions = registration.bookings.values_list("session_id", flat=True)
        promoted = _promote(locked, moment=moment, conference=False, session_ids=own_sessions)
        locked.flush()
        queue_email(
            registration=registration,
            kind=kind,
            context={"approved": True, "conference": True} if kind == Kind.SEAT_GRANTED else {},
        )
        _mail_promotions(promoted, skip_registration_ids=[registration.pk])
    return registration


def resend_manage_link(*, conference: Conference, email: str) -> None:
    """Send the private link to an active registration with this address; silently nothing if
    there is none (the answer must not reveal who is registered)."""
    queryset = (
        Registration.objects.select_related("conference")
        .filter(conference=conference)
        .exclude(status=Status.CANCELLED)
    )
    registration = _with_address(queryset, _normalise_email(email or "")).first()
    if registration is not None:
        with transaction.atomic():
            queue_email(registration=registration, kind=Kind.MANAGE_LINK)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind confirmed participants `REGISTRATION_REMINDER_DAYS_BEFORE` days before the event,
    once each (a conditional update claims each reminder, so parallel runs never send twice)."""
    moment = now or timezone.now()
    horizon = moment + timedelta(days=settings.REGISTRATION_REMINDER_DAYS_BEFORE)
    due = Registration.objects.filter(
        status=Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        conference__status=Conference.Status.PUBLISHED,
        conference__starts_at__gt=moment,
        conference__starts_at__lte=horizon,
    ).select_related("conference")
    sent = 0
    for registration in list(due):
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk, status=Status.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=moment)
            if claimed:
                queue_email(registration=registration, kind=Kind.REMINDER)
                sent += 1
    return sent


def waitlist_position(registration: Registration) -> int | None:
    """1-based place on the conference waiting list, or None when not waitlisted."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.filter(
            conference_id=registration.conference_id, status=Status.WAITLISTED
        )
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1
