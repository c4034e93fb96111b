"""Taking and giving back seats, with the lock held (`locking`): the one place where a booking
is made or released and where the counters move.

Decisions (see also the docstring of `registrations.models`):

- `Conference.seats_taken` counts pending and confirmed registrations, whether or not the e-mail
  address is confirmed; `waitlist_count` counts waitlisted ones (confirmed address or not).
  Registrations awaiting approval count in neither.
- Session seats are held only by registrations that hold a conference seat: the session bookings
  of waitlisted registrations and of those awaiting approval are `waitlisted` until they get a
  seat. Whether a seat is free is `Conference.has_free_seat` / `Session.has_free_seat`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from simple_history.utils import bulk_create_with_history

from conferences.models import Conference, Session

from ..models import Registration, SessionBooking
from ..rules import overlapping_session_ids
from .errors import refusal
from .locking import Locked, lock, locked_transaction

__all__ = [
    "Counts",
    "SeatCounts",
    "check_sessions",
    "give_conference_seat",
    "new_bookings",
    "recount_seats",
    "release_bookings",
    "release_registration",
    "stored_seat_counts",
]

Status = Registration.Status
BookingStatus = SessionBooking.Status


def check_sessions(
    locked: Locked, session_ids: list[int], *, already_booked: Iterable[int] = ()
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
        raise refusal("invalid_session", field="sessions", session_ids=invalid)
    sessions = sorted((locked.sessions[pk] for pk in session_ids), key=lambda s: s.starts_at)
    conflicting = overlapping_session_ids(sessions)
    if conflicting:
        raise refusal("session_conflict", field="sessions", session_ids=conflicting)
    return sessions


def new_bookings(
    locked: Locked,
    registration: Registration,
    sessions: Iterable[Session],
    *,
    moment: datetime,
) -> list[SessionBooking]:
    """Book `sessions` (locked ones) for the registration: a seat while one is free and the
    registration holds a conference seat, else the session's waiting list. Stored with their
    "created" history rows (the request's user, if any)."""
    holds_seat = registration.status in Registration.SEAT_HOLDING
    bookings = []
    for session in sessions:
        if holds_seat and session.has_free_seat:
            status = BookingStatus.BOOKED
            session.seats_taken += 1
        else:
            status = BookingStatus.WAITLISTED
            session.waitlist_count += 1
        bookings.append(
            SessionBooking(
                registration=registration, session=session, status=status, created_at=moment
            )
        )
    if not bookings:
        return []
    return bulk_create_with_history(bookings, SessionBooking, default_date=moment)


def release_bookings(locked: Locked, bookings: Iterable[SessionBooking]) -> set[int]:
    """Delete the bookings and give back what they held (seat or waiting-list place) in their
    (locked) sessions; returns the sessions left, whose waiting lists may move up.

    A swap waiting to give up one of the released seats goes with it: it was a trade of that
    seat, and the seat is gone."""
    bookings = list(bookings)
    ids = {booking.pk for booking in bookings}
    if any(booking.status == BookingStatus.BOOKED for booking in bookings):
        bookings += SessionBooking.objects.filter(replaces__in=ids).exclude(pk__in=ids)
    for booking in bookings:
        session = locked.sessions[booking.session_id]
        if booking.status == BookingStatus.BOOKED:
            session.seats_taken -= 1
        else:
            session.waitlist_count -= 1
    if bookings:
        SessionBooking.objects.filter(pk__in=[b.pk for b in bookings]).delete()
    return {booking.session_id for booking in bookings}


def release_registration(
    locked: Locked, registration: Registration, *, reason: str, moment: datetime
) -> set[int]:
    """Cancel and release everything the registration held; returns the sessions it left."""
    if registration.status in Registration.SEAT_HOLDING:
        locked.conference.seats_taken -= 1
    elif registration.status == Status.WAITLISTED:
        locked.conference.waitlist_count -= 1
    left = release_bookings(locked, registration.bookings.all())
    registration.status = Status.CANCELLED
    registration.cancelled_at = moment
    registration.cancellation_reason = reason
    registration.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
    return left


def give_conference_seat(locked: Locked, registration: Registration, moment: datetime) -> None:
    """A waitlisted or approved registration takes a free conference seat: confirmed if its
    address is confirmed, else pending (the e-mail asks for the confirmation)."""
    if registration.status == Status.WAITLISTED:
        locked.conference.waitlist_count -= 1
    locked.conference.seats_taken += 1
    if registration.email_confirmed_at:
        registration.status = Status.CONFIRMED
        registration.confirmed_at = moment
    else:
        registration.status = Status.PENDING
    registration.save(update_fields=["status", "confirmed_at", "updated_at"])


# --- Counters as stored and as counted ----------------------------------------------------------


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
    with locked_transaction() if fix else nullcontext():
        if fix:
            lock(conference.pk)
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
