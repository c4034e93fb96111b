"""A person's registration from beginning to end: register, confirm the address, correct the
data, cancel, expire, be approved; and the private link that finds it.

Every function that changes state takes the locks of `locking` (conference row, then the
sessions whose seats may change, by primary key; a timeout answers "busy"), re-reads the
registration under that lock, decides, writes, promotes the waiting lists and writes the
counters before it commits.

- Promotion from the conference waiting list (and approval) gives `confirmed` to a person whose
  e-mail address is already confirmed and `pending` otherwise: the seat is held and the e-mail
  asks for the confirmation, with the same expiry as a new registration.
- Registrations whose e-mail address is never confirmed (pending, waitlisted, awaiting approval)
  expire `REGISTRATION_CONFIRMATION_HOURS` after they were made.
- E-mails are recorded (`SentEmail`) in the same transaction as the change and handed to the task
  queue after commit; a mail server failure never undoes a registration.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from conferences.models import Conference
from conferences.rules import registration_refusal

from ..mail import queue_email
from ..models import Consent, Registration, SentEmail
from ..rules import UNCONFIRMED, is_overdue
from .addresses import request_email_change
from .errors import RegistrationError, refusal
from .locking import distinct_ids, lock, locked_transaction
from .participants import (
    active_registration_exists,
    clean_consents,
    clean_participant,
    consent_versions,
    supported_language,
)
from .seats import check_sessions, give_conference_seat, new_bookings, release_registration
from .waitlist import mail_promotions, promote

__all__ = [
    "approve_registration",
    "cancel_registration",
    "confirm_email",
    "confirmation_expired",
    "expire_unconfirmed",
    "get_registration_by_token",
    "register_participant",
    "update_participant",
]

Status = Registration.Status
Kind = SentEmail.Kind

#: The e-mail that tells a person with a confirmed address where their registration stands.
STATUS_MAIL = {
    Status.CONFIRMED: Kind.CONFIRMED,
    Status.WAITLISTED: Kind.WAITLISTED,
    Status.AWAITING_APPROVAL: Kind.AWAITING_APPROVAL,
}


def confirmation_expired(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the link in the first e-mail can no longer confirm: the registration was
    cancelled, or its address was not confirmed in time. `confirm_email` applies the same rule
    under the lock (and expires an overdue registration on the spot)."""
    return registration.status == Status.CANCELLED or is_overdue(
        registration, now or timezone.now()
    )


def _check_window(conference: Conference, moment: datetime, *, by_organiser: bool) -> None:
    """Refuse a registration at `moment` outside the window (`conferences.rules`)."""
    code = registration_refusal(conference, moment, by_organiser=by_organiser)
    if code:
        raise refusal(code)


def _initial_status(conference: Conference, conference_known_full: bool) -> str:
    """Seat, waiting list or approval queue for a new registration (with the lock held)."""
    if conference.requires_approval:
        return Status.AWAITING_APPROVAL
    if conference.has_free_seat:
        return Status.PENDING
    if conference_known_full:
        return Status.WAITLISTED
    # The page showed free seats, now there are none: the person decides again.
    raise refusal("conference_full_changed")


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
    address_confirmed: bool = False,
) -> Registration:
    """Register one person: a conference seat (pending) or a place on the waiting list or in the
    approval queue, the chosen sessions booked or waitlisted, the consents recorded, and the
    "please confirm your address" e-mail queued. Either all of it is stored or nothing.

    `by_organiser`: the organisers register the person (admin "Person anmelden"); the
    registration window does not apply, everything else does (`conferences.rules`).
    `address_confirmed` (organisers only): they have checked the address, so it is recorded as
    confirmed at once (a seat is then `confirmed`), in the same transaction, and the one e-mail
    is the one `confirm_email` would send instead of the request to confirm.

    Every row gets its "created" history entry, with the request's user where there is one.
    """
    if address_confirmed and not by_organiser:
        raise TypeError("Only organisers can register a person with a confirmed address")
    # Organisers may register someone without an e-mail address (no mail is then queued).
    data = clean_participant(participant, partial=False, email_required=not by_organiser)
    given_consents = clean_consents(consents)
    wanted = distinct_ids(session_ids)
    known_full = set(distinct_ids(known_full_session_ids))
    language = supported_language(language)
    versions = consent_versions(given_consents, now or timezone.now())
    # A cheap refusal before queueing for the lock (checked again under it). A second
    # registration of the address is refused by the unique constraint (IntegrityError below),
    # and before any other refusal under the lock: the person must hear that first.
    _check_window(conference, now or timezone.now(), by_organiser=by_organiser)

    try:
        with locked_transaction():
            # Only the chosen sessions: registrations for other forums do not wait for us.
            locked = lock(conference.pk, wanted)
            moment = now or timezone.now()
            _check_window(locked.conference, moment, by_organiser=by_organiser)
            try:
                sessions = check_sessions(locked, wanted)
                status = _initial_status(locked.conference, conference_known_full)
                if status == Status.PENDING:
                    filled = [
                        s.pk for s in sessions if not s.has_free_seat and s.pk not in known_full
                    ]
                    if filled:
                        raise refusal("session_full", field="sessions", session_ids=filled)
            except RegistrationError:
                if data["email"] and active_registration_exists(conference.pk, data["email"]):
                    raise refusal("duplicate", field="email") from None
                raise
            if status == Status.PENDING:
                locked.conference.seats_taken += 1
            elif status == Status.WAITLISTED:
                locked.conference.waitlist_count += 1
            confirmed = {}
            if address_confirmed:
                confirmed["email_confirmed_at"] = moment
                if status == Status.PENDING:
                    status = Status.CONFIRMED
                    confirmed["confirmed_at"] = moment
            registration = Registration(
                conference=locked.conference,
                language=language,
                status=status,
                created_at=moment,
                **confirmed,
                **data,
            )
            # django-simple-history's hook for the date of the "created" row (only that one).
            registration._history_date = moment
            registration.save(force_insert=True)
            del registration._history_date
            bulk_create_with_history(
                [
                    Consent(
                        registration=registration,
                        purpose=purpose,
                        text_version=versions[purpose],
                        given_at=moment,
                    )
                    for purpose in given_consents
                ],
                Consent,
                default_date=moment,
            )
            new_bookings(locked, registration, sessions, moment=moment)
            locked.flush()
            kind = STATUS_MAIL[status] if address_confirmed else Kind.CONFIRM_ADDRESS
            queue_email(registration=registration, kind=kind)
    except IntegrityError:
        # The unique constraint refused a second active registration of the address.
        if data["email"] and active_registration_exists(conference.pk, data["email"]):
            raise refusal("duplicate", field="email") from None
        raise
    return registration


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
    with locked_transaction():
        locked = lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            raise refusal("expired")
        if registration.email_confirmed_at is not None:
            return registration
        if is_overdue(registration, moment):
            left = release_registration(locked, registration, reason="expired", moment=moment)
            promoted = promote(locked, moment=moment, session_ids=left)
            locked.flush()
            queue_email(registration=registration, kind=Kind.CANCELLED)
            mail_promotions(promoted)
            overdue = True
        else:
            registration.email_confirmed_at = moment
            update_fields = ["email_confirmed_at", "updated_at"]
            if registration.status == Status.PENDING:
                registration.status = Status.CONFIRMED
                registration.confirmed_at = moment
                update_fields += ["status", "confirmed_at"]
            registration.save(update_fields=update_fields)
            queue_email(registration=registration, kind=STATUS_MAIL[registration.status])
    if overdue:
        raise refusal("expired")
    return registration


def update_participant(
    *, registration: Registration, participant: dict, now: datetime | None = None
) -> Registration:
    """Correct the participant's own data; the "changed" e-mail lists what changed. A new e-mail
    address only waits for its confirmation (`addresses.request_email_change`: the link goes to
    it, the registration's address stays in force); it must be free in this conference."""
    data = clean_participant(participant, partial=True)
    try:
        with locked_transaction():
            locked = lock(registration.conference_id)
            registration = locked.registration(registration.pk)
            if registration.status == Status.CANCELLED:
                raise refusal("cancelled")
            changed = [
                name
                for name, value in data.items()
                if name != "email" and getattr(registration, name) != value
            ]
            for name in changed:
                setattr(registration, name, data[name])
            address_fields = []
            # The address in force again withdraws a waiting one; the waiting one again, in any
            # spelling, sends no second link.
            email = data.get("email")
            if (
                email
                and email.lower() != registration.pending_email.lower()
                and (email != registration.email or registration.pending_email)
            ):
                address_fields = request_email_change(registration, email)
            if not changed and not address_fields:
                return registration
            registration.save(update_fields=[*changed, *address_fields, "updated_at"])
            if changed:
                context = {"fields": sorted(changed)}
                queue_email(registration=registration, kind=Kind.CHANGED, context=context)
    except IntegrityError:
        if "email" in data and active_registration_exists(
            registration.conference_id, data["email"], exclude_pk=registration.pk
        ):
            raise refusal("duplicate", field="email") from None
        raise
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
    with locked_transaction():
        locked = lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status == Status.CANCELLED:
            return registration
        if not by_organiser and moment >= locked.conference.starts_at:
            raise refusal("started")
        reason = (
            Registration.CancellationReason.ORGANISER
            if by_organiser
            else Registration.CancellationReason.PARTICIPANT
        )
        left = release_registration(locked, registration, reason=reason, moment=moment)
        promoted = promote(locked, moment=moment, session_ids=left)
        locked.flush()
        if notify:
            queue_email(registration=registration, kind=Kind.CANCELLED)
        mail_promotions(promoted)
    return registration


def _expirable(cutoff: datetime) -> Q:
    return Q(status__in=UNCONFIRMED, email_confirmed_at__isnull=True, created_at__lte=cutoff)


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
        with locked_transaction():
            locked = lock(conference_id)
            left: set[int] = set()
            overdue = list(
                Registration.objects.filter(conference_id=conference_id)
                .filter(_expirable(cutoff))
                .order_by("pk")
            )
            for registration in overdue:
                registration.conference = locked.conference
                left |= release_registration(
                    locked,
                    registration,
                    reason=Registration.CancellationReason.EXPIRED,
                    moment=moment,
                )
            promoted = promote(locked, moment=moment, session_ids=left)
            locked.flush()
            for registration in overdue:
                queue_email(registration=registration, kind=Kind.CANCELLED)
            mail_promotions(promoted)
            expired += len(overdue)
    return expired


def approve_registration(
    *, registration: Registration, now: datetime | None = None
) -> Registration:
    """An organiser accepts a registration awaiting approval: a conference seat if one is free
    (confirmed, or pending if the address is not confirmed yet), else the waiting list. Its
    session choices are booked where seats are free."""
    with locked_transaction():
        locked = lock(registration.conference_id)
        registration = locked.registration(registration.pk)
        moment = now or timezone.now()
        if registration.status != Status.AWAITING_APPROVAL:
            raise refusal("not_awaiting_approval")
        if locked.conference.has_free_seat:
            give_conference_seat(locked, registration, moment)
            kind = Kind.CONFIRMED if registration.status == Status.CONFIRMED else Kind.SEAT_GRANTED
        else:
            registration.status = Status.WAITLISTED
            registration.save(update_fields=["status", "updated_at"])
            locked.conference.waitlist_count += 1
            kind = Kind.WAITLISTED
        own_sessions = registration.bookings.values_list("session_id", flat=True)
        promoted = promote(locked, moment=moment, conference=False, session_ids=own_sessions)
        locked.flush()
        queue_email(
            registration=registration,
            kind=kind,
            context={"approved": True, "conference": True} if kind == Kind.SEAT_GRANTED else {},
        )
        mail_promotions(promoted, skip_registration_ids=[registration.pk])
    return registration
