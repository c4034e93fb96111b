"""A person's choice of sessions after registering: their own change, and an organiser moving
one booking. Both secure the new booking before the old one is released (`seats`), so that a
refusal changes nothing, and hand released seats to the next people waiting (`waitlist`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Session

from ..mail import queue_email
from ..models import Registration, SentEmail, SessionBooking
from ..rules import overlapping_session_ids
from .errors import RegistrationError, refusal
from .locking import distinct_ids, lock, locked_transaction
from .seats import check_sessions, new_bookings, release_bookings
from .waitlist import mail_promotions, promote

__all__ = ["change_sessions", "leave_swap", "move_booking"]

Status = Registration.Status
Kind = SentEmail.Kind
BookingStatus = SessionBooking.Status


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

    A change to a full session that overlaps a seat the person holds is a swap: the person keeps
    that seat and waits for the full one (`SessionBooking.replaces`); promotion trades the two
    when a seat comes free. Choosing the held seat again leaves the swap queue (`leave_swap`).
    """
    wanted = distinct_ids(session_ids)
    known_full = set(distinct_ids(known_full_session_ids))
    with locked_transaction():
        locked = lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise refusal("cancelled")
        if moment >= locked.conference.starts_at:
            raise refusal("started")
        current = {booking.session_id: booking for booking in registration.bookings.all()}
        sessions = check_sessions(locked, wanted, already_booked=current)
        new = [session for session in sessions if session.pk not in current]
        # A swap asked for earlier and still wanted keeps the seat it would give up.
        kept = {b.replaces_id for b in current.values() if b.replaces_id and b.session_id in wanted}
        dropped = [b for pk, b in current.items() if pk not in set(wanted) and b.pk not in kept]
        if not new and not dropped:
            return registration
        swaps = {}
        if registration.status in Registration.SEAT_HOLDING:
            filled = [s.pk for s in new if not s.has_free_seat and s.pk not in known_full]
            if filled:
                raise refusal("session_full", field="sessions", session_ids=filled)
            swaps = _swaps(locked, new, dropped, sessions)
            dropped = [b for b in dropped if b not in swaps.values()]

        # Secure the new bookings first, then release the dropped ones and hand their seats on.
        added = new_bookings(locked, registration, new, moment=moment)
        left = release_bookings(locked, dropped)
        for booking in added:
            if booking.session_id in swaps:
                # After the release: a swap of that seat asked for earlier is gone now.
                booking.replaces = swaps[booking.session_id]
                booking.save(update_fields=["replaces"])
        promoted = promote(locked, moment=moment, conference=False, session_ids=left)
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
        mail_promotions(promoted)
    return registration


def _swaps(locked, new, dropped, chosen) -> dict[int, SessionBooking]:
    """The swaps a change asks for: a new full session that overlaps exactly one seat being
    dropped, a seat that overlaps nothing else chosen, keeps that seat until the two can be
    traded. Keyed by the full session's pk."""
    swaps: dict[int, SessionBooking] = {}
    for session in new:
        if session.has_free_seat:
            continue
        others = [s for s in chosen if s.pk != session.pk]
        seats = []
        for booking in dropped:
            held = locked.sessions[booking.session_id]
            if (
                booking.status == BookingStatus.BOOKED
                and booking not in swaps.values()
                and overlapping_session_ids([session, held])
                and held.pk not in overlapping_session_ids([held, *others])
            ):
                seats.append(booking)
        if len(seats) == 1:
            swaps[session.pk] = seats[0]
    return swaps


def leave_swap(
    *, registration: Registration, session: Session, now: datetime | None = None
) -> Registration:
    """The participant no longer waits to swap into `session`: that waiting place is released,
    the seat it would have replaced stays. No e-mail (the page says so). Nothing to leave: no
    change."""
    with locked_transaction():
        locked = lock(registration.conference_id, [session.pk])
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise refusal("cancelled")
        if moment >= locked.conference.starts_at:
            raise refusal("started")
        swap = registration.bookings.filter(session_id=session.pk, replaces__isnull=False).first()
        if swap is None:
            return registration
        release_bookings(locked, [swap])
        locked.flush()
        registration.save(update_fields=["updated_at"])
    return registration


def move_booking(
    *,
    registration: Registration,
    from_session: Session,
    to_session: Session,
    allow_waitlist: bool = False,
    now: datetime | None = None,
) -> SessionBooking:
    """Move the person's booking from one session to another of the same conference (an
    organiser's change; refusals are worded for the organiser).

    The new booking is secured before the old one is released: a seat if the person holds a
    conference seat and one is free, else the waiting list of the new session, but only with
    `allow_waitlist` (a full session is refused otherwise and nothing changes). The target must be
    bookable and must not overlap the person's other bookings. The released seat goes to the next
    person waiting (a swap waiting to give up the moved seat is released with it: the seat it
    would trade is gone); the participant gets the "changed" e-mail. Returns the new booking.
    """
    with locked_transaction():
        locked = lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise refusal("cancelled")
        if from_session.pk not in locked.sessions or to_session.pk not in locked.sessions:
            raise refusal("invalid_session", field="sessions")
        current = {booking.session_id: booking for booking in registration.bookings.all()}
        booking = current.get(from_session.pk)
        if booking is None:
            raise RegistrationError(
                _("Keine Buchung in „%(session)s“.") % {"session": from_session.title},
                code="not_booked",
            )
        if to_session.pk in current:
            raise RegistrationError(
                _("„%(session)s“ ist bereits gebucht.") % {"session": to_session.title},
                code="already_booked",
            )
        remaining = [pk for pk in current if pk != from_session.pk]
        # Bookable, and no overlap with what the person keeps.
        check_sessions(locked, [*remaining, to_session.pk], already_booked=remaining)
        target = locked.sessions[to_session.pk]
        if (
            registration.status in Registration.SEAT_HOLDING
            and not target.has_free_seat
            and not allow_waitlist
        ):
            raise RegistrationError(
                _("In „%(session)s“ sind alle Plätze vergeben.") % {"session": target.title},
                code="session_full",
                field="sessions",
            )
        (moved,) = new_bookings(locked, registration, [target], moment=moment)
        left = release_bookings(locked, [booking])
        promoted = promote(locked, moment=moment, conference=False, session_ids=left)
        locked.flush()
        registration.save(update_fields=["updated_at"])
        queue_email(
            registration=registration,
            kind=Kind.CHANGED,
            context={"added_session_ids": [target.pk], "dropped_session_ids": [from_session.pk]},
        )
        mail_promotions(promoted)
    return moved
