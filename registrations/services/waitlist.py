"""The waiting lists: promotion (the one place that hands free seats on) and capacity changes.

A capacity is changed through `change_capacity`, in the shell too: it sets the capacity under the
lock and fills the new seats from the waiting lists in the same transaction. A plain
`conference.save()` / `session.save()` with a new capacity promotes nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..mail import queue_email
from ..models import Registration, SentEmail, SessionBooking
from .errors import refusal
from .locking import Locked, lock, locked_transaction
from .seats import give_conference_seat, release_bookings

__all__ = [
    "Promotions",
    "change_capacity",
    "mail_promotions",
    "promote",
    "promote_from_waitlist",
]

Status = Registration.Status
BookingStatus = SessionBooking.Status


@dataclass
class Promotions:
    """Who moved up: registrations that got a conference seat, bookings that got a session seat
    (each booking with its `session` and `registration` loaded). `given_up` maps the pk of a
    booking that completed a swap to the session whose seat the person gave up for it."""

    registrations: list[Registration] = field(default_factory=list)
    bookings: list[SessionBooking] = field(default_factory=list)
    given_up: dict[int, int] = field(default_factory=dict)

    def __bool__(self):
        return bool(self.registrations or self.bookings)

    def __add__(self, other: Promotions) -> Promotions:
        return Promotions(
            [*self.registrations, *other.registrations],
            [*self.bookings, *other.bookings],
            {**self.given_up, **other.given_up},
        )


def promote(
    locked: Locked,
    *,
    moment: datetime,
    conference: bool = True,
    session_ids: Iterable[int] | None = None,
) -> Promotions:
    """Fill free seats from the waiting lists, in waiting-list order. Call with the lock held.

    `conference`: the conference's waiting list first. `session_ids=None` looks at every locked
    session; otherwise at the ones given plus those in which a person who has just got a
    conference seat is waiting. A session's waiting list is served in booking order, skipping
    those without a conference seat.

    A swap that moves up (a waiting booking that `replaces` a seat of the same person) is booked
    and the seat it replaces is released, here in the same transaction; that session's own
    waiting list is served next, and so on. The sessions of those seats must be locked
    (`lock(..., follow_swaps=True)` or every session); a swap whose seat is not locked waits.
    """
    promoted = Promotions()
    to_check = set(locked.sessions) if session_ids is None else set(session_ids)
    if conference:
        free = locked.conference.capacity - locked.conference.seats_taken
        if free > 0 and locked.conference.waitlist_count > 0:
            waiting = Registration.objects.filter(
                conference_id=locked.conference.pk, status=Status.WAITLISTED
            ).order_by("created_at", "pk")[:free]
            for registration in waiting:
                registration.conference = locked.conference
                give_conference_seat(locked, registration, moment)
                promoted.registrations.append(registration)
            if promoted.registrations:
                to_check.update(
                    SessionBooking.objects.filter(
                        registration__in=promoted.registrations
                    ).values_list("session_id", flat=True)
                )
    while to_check:
        pk = min(to_check)
        to_check.discard(pk)
        to_check.update(_promote_in_session(locked, locked.sessions[pk], promoted))
    return promoted


def _promote_in_session(locked: Locked, session: Session, promoted: Promotions) -> set[int]:
    """Fill the free seats of one locked session from its waiting list; returns the sessions in
    which a completed swap freed a seat."""
    freed: set[int] = set()
    if session.waitlist_count <= 0 or not session.has_free_seat:
        return freed
    waiting = (
        SessionBooking.objects.filter(
            session=session,
            status=BookingStatus.WAITLISTED,
            registration__status__in=Registration.SEAT_HOLDING,
        )
        .select_related("registration", "replaces")
        .order_by("created_at", "pk")
    )
    skipped: list[int] = []
    while session.has_free_seat:
        free = None if session.capacity is None else session.capacity - session.seats_taken
        batch = list(waiting.exclude(pk__in=skipped)[:free] if free else waiting)
        if not batch:
            break
        for booking in batch:
            given_up = booking.replaces
            if given_up is not None and given_up.session_id not in locked.sessions:
                skipped.append(booking.pk)
                continue
            booking.status = BookingStatus.BOOKED
            booking.replaces = None
            booking.save(update_fields=["status", "replaces"])
            booking.session = session
            booking.registration.conference = locked.conference
            session.seats_taken += 1
            session.waitlist_count -= 1
            promoted.bookings.append(booking)
            if given_up is not None:
                freed |= release_bookings(locked, [given_up])
                promoted.given_up[booking.pk] = given_up.session_id
        if free is None or not any(pk in skipped for pk in (b.pk for b in batch)):
            break
    return freed


def mail_promotions(promoted: Promotions, *, skip_registration_ids: Iterable[int] = ()) -> None:
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
        if booking.pk in promoted.given_up:
            entry.setdefault("given_up_session_ids", []).append(promoted.given_up[booking.pk])
    for pk, context in granted.items():
        if pk not in skip:
            queue_email(
                registration=registrations[pk], kind=SentEmail.Kind.SEAT_GRANTED, context=context
            )


def _lock_for(conference: Conference | None, session: Session | None) -> tuple[Locked, bool]:
    """The lock for a change of `session` (its conference row and that session) or of the
    whole `conference` (every session: people who move up get their session seats too)."""
    if (conference is None) == (session is None):
        raise TypeError("Name either a conference or a session")
    if session is not None:
        return lock(session.conference_id, [session.pk], follow_swaps=True), False
    return lock(conference.pk), True


def promote_from_waitlist(
    *,
    conference: Conference | None = None,
    session: Session | None = None,
    now: datetime | None = None,
) -> Promotions:
    """Give free seats to the people waiting, in order, and tell them by e-mail.

    With `conference`: its waiting list, then every session of it. With `session`: that session's
    waiting list only. Returns who moved up, per kind. After every other service
    nobody eligible is left waiting for a free seat, so this is for repairs.
    """
    with locked_transaction():
        locked, whole = _lock_for(conference, session)
        promoted = promote(
            locked,
            moment=now or timezone.now(),
            conference=whole,
            session_ids=None if whole else [session.pk],
        )
        locked.flush()
        mail_promotions(promoted)
    return promoted


def change_capacity(
    *,
    conference: Conference | None = None,
    session: Session | None = None,
    capacity: int | None,
    now: datetime | None = None,
) -> Promotions:
    """Set the capacity of a conference or of a session and give the new seats to the people
    waiting, in one transaction under the lock; returns who moved up.

    The way to change a capacity anywhere (admin, shell, seeds, commands): a plain `save()` of
    the model promotes nobody. A capacity below the seats taken is refused (RegistrationError
    "capacity_below_taken" on field "capacity") and nothing changes. A session may have no
    capacity (None: unlimited); a conference always has one.
    """
    if capacity is None and session is None:
        raise TypeError("A conference needs a capacity")
    if capacity is not None and capacity < 0:
        raise ValueError(f"A capacity cannot be negative: {capacity}")
    with locked_transaction():
        locked, whole = _lock_for(conference, session)
        target = locked.conference if whole else locked.sessions[session.pk]
        if capacity is not None and capacity < target.seats_taken:
            raise refusal(
                "capacity_below_taken",
                field="capacity",
                message=_(
                    "Es sind bereits %(taken)s Plätze vergeben; die Kapazität kann nicht kleiner "
                    "sein."
                )
                % {"taken": target.seats_taken},
            )
        if target.capacity != capacity:
            target.capacity = capacity
            # save(): the change gets its history row (who changed the capacity, and when).
            target.save(update_fields=["capacity", *(["updated_at"] if whole else [])])
        promoted = promote(
            locked,
            moment=now or timezone.now(),
            conference=whole,
            session_ids=None if whole else [session.pk],
        )
        locked.flush()
        mail_promotions(promoted)
    (conference if whole else session).capacity = capacity
    return promoted
