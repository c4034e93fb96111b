"""E-mails that change no registration: links and confirmations sent again, reminders before
the event, and an organiser's message to the participants. Each is recorded (`SentEmail`) in a
transaction and handed to the task queue after commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..mail import enqueue, queue_email
from ..models import Registration, SentEmail, SessionBooking
from .errors import RegistrationError, refusal
from .participants import normalise_email, with_address
from .registration import STATUS_MAIL

__all__ = [
    "MESSAGE_SUBJECT_MAX_LENGTH",
    "message_recipients",
    "resend_confirmation",
    "resend_manage_link",
    "send_manage_link",
    "send_message",
    "send_reminders",
]

Status = Registration.Status
Kind = SentEmail.Kind

MESSAGE_SUBJECT_MAX_LENGTH = 300


def resend_manage_link(*, conference: Conference, email: str) -> None:
    """A participant asks for their private link: it goes to an active registration with this
    address; silently nothing if there is none (the answer must not reveal who is registered)."""
    queryset = (
        Registration.objects.select_related("conference")
        .filter(conference=conference)
        .exclude(status=Status.CANCELLED)
    )
    registration = with_address(queryset, normalise_email(email or "")).first()
    if registration is not None:
        with transaction.atomic():
            queue_email(registration=registration, kind=Kind.MANAGE_LINK)


def send_manage_link(*, registration: Registration) -> SentEmail | None:
    """An organiser sends the private link of an active registration again (to its own address
    only)."""
    with transaction.atomic():
        registration = Registration.objects.select_related("conference").get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise refusal("cancelled")
        return queue_email(registration=registration, kind=Kind.MANAGE_LINK)


def resend_confirmation(*, registration: Registration) -> SentEmail | None:
    """Send the mail that fits where the registration stands: the request to confirm the address
    while it is unconfirmed (the deadline stays the original one), else the confirmation of the
    registration, of the waiting-list place or of the pending approval."""
    with transaction.atomic():
        registration = Registration.objects.select_related("conference").get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise refusal("cancelled")
        if registration.email_confirmed_at is None:
            kind = Kind.CONFIRM_ADDRESS
        else:
            kind = STATUS_MAIL[registration.status]
        return queue_email(registration=registration, kind=kind)


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


def message_recipients(*, conference: Conference, session: Session | None = None):
    """Confirmed participants of the conference, or those of them with a seat in `session`;
    people registered without an e-mail address (by an organiser) are not among them."""
    recipients = Registration.objects.filter(
        conference=conference, status=Status.CONFIRMED
    ).exclude(email="")
    if session is not None:
        recipients = recipients.filter(
            bookings__session=session, bookings__status=SessionBooking.Status.BOOKED
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
        raise RegistrationError(
            _("Bitte geben Sie einen Betreff an."), code="required", field="subject"
        )
    if len(subject) > MESSAGE_SUBJECT_MAX_LENGTH:
        raise RegistrationError(_("Der Betreff ist zu lang."), code="too_long", field="subject")
    if not body:
        raise RegistrationError(
            _("Bitte schreiben Sie eine Nachricht."), code="required", field="body"
        )
    if session is not None and session.conference_id != conference.pk:
        raise refusal("invalid_session", field="session")
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
