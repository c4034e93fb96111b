"""E-mails to participants: recorded with the state change, rendered and sent by a task.

`queue_email` is called by the services inside their transaction: it writes a `SentEmail` row
(status queued) and, after commit, hands its id to the task queue (`tasks.send_email`). `deliver`
renders the message in the participant's language (plain text + HTML, an .ics file with the
programme where it helps) and sends it. A failure is recorded on the row and retried with
exponential backoff (`EMAIL_RETRY_BASE_SECONDS`, at most `EMAIL_MAX_ATTEMPTS` attempts); the
registration it belongs to was committed long before and is never touched by the mail path.
`retry_due_emails` (command `retry_emails`) re-queues what a lost task or a backend without
deferred tasks left behind.

Private links appear only in the rendered bodies, never in the log row or in log output.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Registration, SentEmail, SessionBooking

logger = logging.getLogger(__name__)

Kind = SentEmail.Kind
EmailStatus = SentEmail.Status

#: How long a mail may stay "queued" or "sending" before `retry_due_emails` takes it up again.
STALE_AFTER = timedelta(minutes=15)

SUBJECTS = {
    Kind.CONFIRM_ADDRESS: _("Bitte bestätigen Sie Ihre E-Mail-Adresse: %(title)s"),
    Kind.CONFIRMED: _("Anmeldebestätigung: %(title)s"),
    Kind.WAITLISTED: _("Sie stehen auf der Warteliste: %(title)s"),
    Kind.SEAT_GRANTED: _("Ein Platz für Sie: %(title)s"),
    Kind.AWAITING_APPROVAL: _("Ihre Anmeldung wird geprüft: %(title)s"),
    Kind.CHANGED: _("Ihre Anmeldung wurde geändert: %(title)s"),
    Kind.CANCELLED: _("Ihre Anmeldung ist storniert: %(title)s"),
    Kind.REMINDER: _("Erinnerung: %(title)s am %(date)s"),
    Kind.MANAGE_LINK: _("Ihr persönlicher Link: %(title)s"),
    # Messages of the organisers carry their own subject (`organiser.send_message`); this one is
    # only the fallback of `queue_email`.
    Kind.MESSAGE: _("Nachricht des Organisationsteams: %(title)s"),
}

#: Kinds that carry the programme as an .ics file when the registration is confirmed.
WITH_CALENDAR = {Kind.CONFIRMED, Kind.SEAT_GRANTED, Kind.CHANGED, Kind.REMINDER}


# --- Queueing ----------------------------------------------------------------------------------

_muted: ContextVar[bool] = ContextVar("registrations_emails_muted", default=False)


@contextmanager
def muted():
    """No e-mails from the services called inside (e.g. seeds creating demo registrations)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def queue_email(
    *, registration: Registration, kind: str, context: dict | None = None, to: str | None = None
) -> SentEmail | None:
    """Record an e-mail and send it through the task queue once the transaction commits.
    Returns None (and records nothing) inside `muted()`."""
    if _muted.get():
        return None
    conference = registration.conference
    with translation.override(registration.language):
        subject = str(SUBJECTS[kind]) % {
            "title": conference.title,
            "date": _date(conference.starts_at),
        }
    email = SentEmail(
        registration=registration,
        to=to or registration.email,
        subject=subject[:300],
        kind=kind,
        language=registration.language,
        context=context or {},
    )
    email.save(force_insert=True)
    transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return email


def enqueue(email_id: int, *, run_after=None) -> None:
    """Hand one e-mail to the task queue; never raises (the sweeper catches what is lost)."""
    from .tasks import send_email

    try:
        task = send_email
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # `retry_due_emails` takes it up when it is due
            task = task.using(run_after=run_after)
        task.enqueue(email_id)
    except Exception:
        logger.exception("Could not queue e-mail %s; retry_emails will take it up", email_id)


def send_again(*, email: SentEmail) -> bool:
    """An organiser asks to try a failed e-mail again now (also one that was given up)."""
    updated = SentEmail.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.QUEUED, next_attempt_at=None
    )
    if updated:
        transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return bool(updated)


def retry_due_emails(*, now=None) -> int:
    """Re-queue failed e-mails whose next attempt is due and e-mails stuck in the queue."""
    now = now or timezone.now()
    stuck = SentEmail.objects.filter(status=EmailStatus.SENDING, next_attempt_at__lte=now)
    stuck.update(status=EmailStatus.FAILED, last_error="interrupted while sending")
    due = SentEmail.objects.filter(
        Q(status=EmailStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=EmailStatus.QUEUED, created_at__lte=now - STALE_AFTER)
    ).values_list("pk", flat=True)
    count = 0
    for email_id in list(due):
        enqueue(email_id)
        count += 1
    return count


# --- Sending -----------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def deliver(email_id: int) -> str:
    """Send one recorded e-mail; returns "sent", "failed" or "skipped" (not due, or done)."""
    now = timezone.now()
    claimed = SentEmail.objects.filter(
        Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.FAILED, next_attempt_at__lte=now),
        pk=email_id,
    ).update(
        status=EmailStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + STALE_AFTER
    )
    if not claimed:
        return "skipped"
    email = SentEmail.objects.select_related("registration__conference").get(pk=email_id)
    try:
        build_message(email).send()
    except Exception as error:
        # The message text of SMTP errors never contains the body (and so no private link).
        description = f"{type(error).__name__}: {error}"[:2000]
        retry_at = None
        if email.registration_id and email.attempts < settings.EMAIL_MAX_ATTEMPTS:
            retry_at = now + _backoff(email.attempts)
        SentEmail.objects.filter(pk=email_id).update(
            status=EmailStatus.FAILED, last_error=description, next_attempt_at=retry_at
        )
        logger.warning(
            "E-mail %s (%s) failed on attempt %s: %s%s",
            email_id,
            email.kind,
            email.attempts,
            description,
            "" if retry_at else " – giving up",
        )
        if retry_at:
            enqueue(email_id, run_after=retry_at)
        return "failed"
    SentEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return "sent"


def build_message(email: SentEmail) -> EmailMultiAlternatives:
    """Render the e-mail in its language. Raises if its registration is gone."""
    registration = email.registration
    if registration is None:
        raise LookupError("the registration of this e-mail was deleted")
    with translation.override(email.language):
        context = _context(email, registration)
        text = _tidy(render_to_string(f"registrations/email/{email.kind}.txt", context))
        html = render_to_string(f"registrations/email/{email.kind}.html", context)
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=text,
            to=[email.to],
            reply_to=[registration.conference.contact_email],
            headers={"Content-Language": email.language, "Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        if (
            email.kind in WITH_CALENDAR
            and registration.status == Registration.Status.CONFIRMED
            and not email.context.get("previous_address")
        ):
            message.attach(
                f"{registration.conference.slug}.ics",
                calendar_for(registration, context["programme"]),
                "text/calendar",
            )
    return message


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _date(moment) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def confirm_url(registration: Registration) -> str:
    return absolute_url(
        reverse(
            "registrations:confirm",
            kwargs={"public_id": registration.public_id, "token": registration.token},
        )
    )


def manage_url(registration: Registration) -> str:
    return absolute_url(
        reverse(
            "registrations:manage",
            kwargs={"public_id": registration.public_id, "token": registration.token},
        )
    )


def _context(email: SentEmail, registration: Registration) -> dict:
    from .services import confirmation_deadline, waitlist_position

    conference = registration.conference
    programme = list(
        SessionBooking.objects.filter(registration=registration)
        .select_related("session")
        .order_by("session__starts_at", "session__title")
    )
    by_session = {booking.session_id: booking.session for booking in programme}

    def sessions(key):
        ids = email.context.get(key) or []
        found = {s.pk: s for s in conference.sessions.filter(pk__in=ids)} if ids else {}
        return sorted(
            (by_session.get(pk) or found[pk] for pk in ids if pk in by_session or pk in found),
            key=lambda s: s.starts_at,
        )

    return {
        "email": email,
        "subject": email.subject,
        "registration": registration,
        "conference": conference,
        "programme": programme,
        "extra": email.context,
        "granted_conference": email.context.get("conference", False),
        "granted_sessions": sessions("session_ids"),
        "added_sessions": sessions("added_session_ids"),
        "dropped_sessions": sessions("dropped_session_ids"),
        "needs_confirmation": registration.email_confirmed_at is None
        and registration.status != Registration.Status.CANCELLED,
        "deadline": confirmation_deadline(registration),
        "waitlist_position": waitlist_position(registration),
        "confirm_url": confirm_url(registration),
        "manage_url": manage_url(registration),
        "conference_url": absolute_url(conference.get_absolute_url()),
        "address_line": ", ".join(
            line.strip() for line in conference.address.splitlines() if line.strip()
        ),
    }


def calendar_for(registration: Registration, programme: list[SessionBooking]) -> bytes:
    """The conference and the booked sessions as an iCalendar file (no private link in it:
    calendars get synchronised to third parties)."""
    from icalendar import Calendar, Event

    conference = registration.conference
    location = ", ".join(
        part for part in (conference.venue_name, *conference.address.splitlines()) if part.strip()
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Tagungsbüro//Anmeldung//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    stamp = timezone.now()

    def event(uid, summary, starts_at, ends_at, where, description=""):
        item = Event()
        item.add("uid", f"{uid}-{registration.public_id}@tagungsbuero")
        item.add("dtstamp", stamp)
        item.add("dtstart", starts_at)
        item.add("dtend", ends_at)
        item.add("summary", summary)
        item.add("location", where)
        if description:
            item.add("description", description)
        calendar.add_component(item)

    event(
        f"conference-{conference.pk}",
        conference.title,
        conference.starts_at,
        conference.ends_at,
        location,
        conference.motto,
    )
    for booking in programme:
        if booking.status != SessionBooking.Status.BOOKED:
            continue
        session = booking.session
        where = f"{session.room}, {location}" if session.room else location
        event(f"session-{session.pk}", session.title, session.starts_at, session.ends_at, where)
    return calendar.to_ical()
