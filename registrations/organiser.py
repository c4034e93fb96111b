"""What organisers do to registrations beyond the participant's own steps: check people in at
the door, move a booking to another session, send a mail again, write to the participants, erase a
registration for good.

These functions follow the locking protocol of `registrations.services` (and use its helpers):
whatever changes a registration, a booking or a counter opens `transaction.atomic()`, locks the
conference and then its sessions by primary key (`services._lock`), re-reads the registration
under that lock, decides, writes, promotes the waiting lists and updates the counters before it
commits. E-mails are recorded in the same transaction and handed to the task queue after commit.
Refusals are `services.RegistrationError` with a message meant for the organiser.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from .emails import enqueue, queue_email
from .models import Consent, Registration, SentEmail, SessionBooking
from .services import (
    RegistrationError,
    _chosen_sessions,
    _error,
    _lock,
    _mail_promotions,
    _promote,
    _session_has_seat,
    cancel_registration,
    lock_consents,
    withdraw,
)

__all__ = [
    "MESSAGE_SUBJECT_MAX_LENGTH",
    "check_in",
    "erase_registration",
    "message_recipients",
    "move_booking",
    "purge_finished_conferences",
    "purge_registrations",
    "resend_confirmation",
    "resend_manage_link",
    "send_message",
    "undo_check_in",
    "withdraw_consent",
]

Status = Registration.Status
BookingStatus = SessionBooking.Status
Kind = SentEmail.Kind

MESSAGE_SUBJECT_MAX_LENGTH = 300


def _refuse(message, code: str, *, field: str | None = None) -> RegistrationError:
    return RegistrationError(message, code=code, field=field)


# --- Check-in -----------------------------------------------------------------------------------


def check_in(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Record that the person has arrived. Only a registration holding a seat (confirmed, or
    pending: the address unconfirmed) can be checked in; a repeat keeps the first moment."""
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        if registration.status not in Registration.SEAT_HOLDING:
            raise _refuse(
                _("Ohne Platz (%(status)s) ist kein Check-in möglich.")
                % {"status": registration.get_status_display()},
                "no_seat",
            )
        if registration.checked_in_at is None:
            registration.checked_in_at = now or timezone.now()
            registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration


def undo_check_in(*, registration: Registration) -> Registration:
    """Take back a check-in made by mistake."""
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration


# --- Moving a booking -------------------------------------------------------------------------


def move_booking(
    *,
    registration: Registration,
    from_session: Session,
    to_session: Session,
    allow_waitlist: bool = False,
    now: datetime | None = None,
) -> SessionBooking:
    """Move the person's booking from one session to another of the same conference.

    The new booking is secured before the old one is released: a seat if the person holds a
    conference seat and one is free, else the waiting list of the new session, but only with
    `allow_waitlist` (a full session is refused otherwise and nothing changes). The target must be
    bookable and must not overlap the person's other bookings. The released seat goes to the next
    person waiting; the participant gets the "changed" e-mail. Returns the new booking.
    """
    with transaction.atomic():
        locked = _lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise _error("cancelled")
        if from_session.pk not in locked.sessions or to_session.pk not in locked.sessions:
            raise _error("invalid_session", field="sessions")
        current = {booking.session_id: booking for booking in registration.bookings.all()}
        booking = current.get(from_session.pk)
        if booking is None:
            raise _refuse(
                _("Keine Buchung in „%(session)s“.") % {"session": from_session.title},
                "not_booked",
            )
        if to_session.pk in current:
            raise _refuse(
                _("„%(session)s“ ist bereits gebucht.") % {"session": to_session.title},
                "already_booked",
            )
        remaining = [pk for pk in current if pk != from_session.pk]
        # Bookable, and no overlap with what the person keeps.
        _chosen_sessions(locked, [*remaining, to_session.pk], already_booked=remaining)
        target = locked.sessions[to_session.pk]
        source = locked.sessions[from_session.pk]

        holds_seat = registration.status in Registration.SEAT_HOLDING
        if holds_seat and _session_has_seat(target):
            status = BookingStatus.BOOKED
            target.seats_taken += 1
        elif allow_waitlist or not holds_seat:
            status = BookingStatus.WAITLISTED
            target.waitlist_count += 1
        else:
            raise _refuse(
                _("In „%(session)s“ sind alle Plätze vergeben.") % {"session": target.title},
                "session_full",
                field="sessions",
            )
        moved = SessionBooking.objects.create(
            registration=registration, session=target, status=status, created_at=moment
        )
        if booking.status == BookingStatus.BOOKED:
            source.seats_taken -= 1
        else:
            source.waitlist_count -= 1
        booking.delete()
        promoted = _promote(locked, moment=moment, conference=False, session_ids=[source.pk])
        locked.flush()
        registration.save(update_fields=["updated_at"])
        queue_email(
            registration=registration,
            kind=Kind.CHANGED,
            context={"added_session_ids": [target.pk], "dropped_session_ids": [source.pk]},
        )
        _mail_promotions(promoted)
    return moved


# --- Sending e-mails again ----------------------------------------------------------------------

_STATUS_MAIL = {
    Status.CONFIRMED: Kind.CONFIRMED,
    Status.WAITLISTED: Kind.WAITLISTED,
    Status.AWAITING_APPROVAL: Kind.AWAITING_APPROVAL,
}


def resend_confirmation(*, registration: Registration) -> SentEmail | None:
    """Send the mail that fits where the registration stands: the request to confirm the address
    while it is unconfirmed (the deadline stays the original one), else the confirmation of the
    registration, of the waiting-list place or of the pending approval."""
    with transaction.atomic():
        registration = Registration.objects.select_related("conference").get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise _error("cancelled")
        if registration.email_confirmed_at is None:
            kind = Kind.CONFIRM_ADDRESS
        else:
            kind = _STATUS_MAIL[registration.status]
        return queue_email(registration=registration, kind=kind)


def resend_manage_link(*, registration: Registration) -> SentEmail | None:
    """Send the private link of an active registration again (to its own address only)."""
    with transaction.atomic():
        registration = Registration.objects.select_related("conference").get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise _error("cancelled")
        return queue_email(registration=registration, kind=Kind.MANAGE_LINK)


# --- Messages to participants -------------------------------------------------------------------


def message_recipients(*, conference: Conference, session: Session | None = None):
    """Confirmed participants of the conference, or those of them with a seat in `session`."""
    recipients = Registration.objects.filter(conference=conference, status=Status.CONFIRMED)
    if session is not None:
        recipients = recipients.filter(
            bookings__session=session, bookings__status=BookingStatus.BOOKED
        )
    return recipients.order_by("last_name", "first_name", "pk")


def send_message(
    *,
    conference: Conference,
    subject: str,
    body: str,
    session: Session | None = None,
    now: datetime | None = None,
) -> list[SentEmail]:
    """Write the same e-mail to every recipient of `message_recipients`: one `SentEmail` per
    person (kind "message", the text in its context), sent through the task queue after commit
    and rendered in the person's language around the organiser's text. Returns the e-mails."""
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    if not subject:
        raise _refuse(_("Bitte geben Sie einen Betreff an."), "required", field="subject")
    if len(subject) > MESSAGE_SUBJECT_MAX_LENGTH:
        raise _refuse(_("Der Betreff ist zu lang."), "too_long", field="subject")
    if not body:
        raise _refuse(_("Bitte schreiben Sie eine Nachricht."), "required", field="body")
    if session is not None and session.conference_id != conference.pk:
        raise _error("invalid_session", field="session")
    moment = now or timezone.now()
    context = {"body": body, "session_id": session.pk if session is not None else None}
    with transaction.atomic():
        recipients = message_recipients(conference=conference, session=session).only(
            "pk", "email", "language"
        )
        emails = SentEmail.objects.bulk_create(
            SentEmail(
                registration=registration,
                to=registration.email,
                subject=subject,
                kind=Kind.MESSAGE,
                language=registration.language,
                context=context,
                created_at=moment,
            )
            for registration in recipients
        )
        for email in emails:
            transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return emails


# --- Erasure ------------------------------------------------------------------------------------


def erase_registration(*, registration: Registration) -> None:
    """Delete a registration for good (a request for erasure): it is cancelled first, so that its
    seats go to the people waiting and every counter stays right (no mail to the person), then the
    registration, its consents, its e-mail log and its whole change history are deleted."""
    with transaction.atomic():
        cancel_registration(registration=registration, by_organiser=True, notify=False)
        pk = registration.pk
        SentEmail.objects.filter(registration_id=pk).delete()
        Registration.objects.filter(pk=pk).delete()
        # Deleting wrote one last history row each: the history goes as well.
        Registration.history.filter(id=pk).delete()
        SessionBooking.history.filter(registration_id=pk).delete()
        Consent.history.filter(registration_id=pk).delete()


def purge_registrations(*, conference: Conference, now: datetime | None = None) -> int:
    """Data minimisation after the event: every registration of a finished conference is deleted
    with its bookings, consents, e-mail log and change history, and the seat counters go back to
    zero. Nobody is promoted and nobody is mailed (the event is over). Returns how many
    registrations were deleted. Refuses a conference that has not ended yet."""
    if conference.ends_at >= (now or timezone.now()):
        raise _refuse(
            _("Die Konferenz ist noch nicht vorbei; ihre Anmeldungen werden nicht gelöscht."),
            "not_finished",
        )
    with transaction.atomic():
        _lock(conference.pk)
        ids = list(
            Registration.objects.filter(conference_id=conference.pk).values_list("pk", flat=True)
        )
        SentEmail.objects.filter(registration_id__in=ids).delete()
        SessionBooking.objects.filter(registration_id__in=ids).delete()
        Consent.objects.filter(registration_id__in=ids).delete()
        Registration.objects.filter(pk__in=ids).delete()
        # Deleting wrote one last history row each: the history goes as well.
        Registration.history.filter(id__in=ids).delete()
        SessionBooking.history.filter(registration_id__in=ids).delete()
        Consent.history.filter(registration_id__in=ids).delete()
        Conference.objects.filter(pk=conference.pk).update(seats_taken=0, waitlist_count=0)
        Session.objects.filter(conference_id=conference.pk).update(seats_taken=0, waitlist_count=0)
    return len(ids)


def purge_finished_conferences(*, now: datetime | None = None) -> dict[Conference, int]:
    """`purge_registrations` for every conference that ended more than
    REGISTRATION_RETENTION_DAYS ago and still holds registrations (cron)."""
    moment = now or timezone.now()
    cutoff = moment - timedelta(days=settings.REGISTRATION_RETENTION_DAYS)
    conferences = Conference.objects.filter(
        ends_at__lt=cutoff, registrations__isnull=False
    ).distinct()
    return {
        conference: purge_registrations(conference=conference, now=moment)
        for conference in conferences.order_by("pk")
    }


def withdraw_consent(*, consent: Consent, now: datetime | None = None) -> bool:
    """Record that a participant withdrew a consent (told the organisers, e.g. by e-mail).
    Returns False if it was withdrawn already. The privacy notice was acknowledged, not consented
    to: it cannot be withdrawn (erasing the registration is the way)."""
    if consent.purpose == Consent.Purpose.PRIVACY:
        raise _refuse(
            _(
                "Die Kenntnisnahme der Datenschutzhinweise kann nicht widerrufen werden; "
                "für eine Löschung löschen Sie die Anmeldung."
            ),
            "privacy_notice",
        )
    with transaction.atomic():
        lock_consents(consent.registration_id)
        consent = Consent.objects.get(pk=consent.pk)  # as it is now, under the lock
        if consent.withdrawn_at is not None:
            return False
        withdraw(consent, now or timezone.now())
    return True
