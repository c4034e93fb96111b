"""Rendering of a recorded e-mail: subject, plain text + HTML body, the programme as .ics.

Everything here reads; nothing writes. The body is rendered only when the e-mail is sent, in the
language recorded on its row, so the private links in it never reach the database or the log.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from conferences import site
from conferences.ics import build_calendar
from registrations.models import Registration, SentEmail, SessionBooking
from registrations.rules import confirmation_deadline
from registrations.selectors import waitlist_position
from registrations.tokens import make_email_change_token

Kind = SentEmail.Kind

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
    Kind.CONFIRM_NEW_ADDRESS: _("Bitte bestätigen Sie Ihre neue E-Mail-Adresse: %(title)s"),
    Kind.ADDRESS_CHANGED: _("Die E-Mail-Adresse Ihrer Anmeldung wurde geändert: %(title)s"),
}

#: Kinds that carry the programme as an .ics file when the registration is confirmed.
WITH_CALENDAR = {Kind.CONFIRMED, Kind.SEAT_GRANTED, Kind.CHANGED, Kind.REMINDER}


def render_subject(*, registration: Registration, kind: str) -> str:
    """The subject of an e-mail of `kind` in the participant's language (at most 300 characters,
    the length of `SentEmail.subject`)."""
    conference = registration.conference
    with translation.override(registration.language):
        subject = str(SUBJECTS[kind]) % {
            "title": conference.title,
            "date": _date(conference.starts_at),
        }
    return subject[:300]


def build_message(email: SentEmail) -> EmailMultiAlternatives:
    """Render the e-mail in its language. Raises if its registration is gone."""
    registration = email.registration
    if registration is None:
        raise LookupError("the registration of this e-mail was deleted")
    # Links follow the address the e-mail was queued from, while SITE_URL is unset.
    with translation.override(email.language), site.serving(email.context.get("site_url")):
        context = _context(email, registration)
        text = tidy_text(render_to_string(f"registrations/email/{email.kind}.txt", context))
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


def tidy_text(text: str) -> str:
    """A rendered plain-text template as it is sent: no trailing blanks on a line, at most one
    empty line in a row, one line break at the end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _date(moment) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def absolute_url(path: str) -> str:
    return site.absolute_url(path)


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


def email_change_url(registration: Registration, email: str) -> str:
    """The link that confirms `email` as the registration's new address (made when the e-mail
    is rendered, so it never reaches the database)."""
    token = make_email_change_token(public_id=registration.public_id, email=email)
    return absolute_url(
        reverse(
            "registrations:confirm_email_change",
            kwargs={"public_id": registration.public_id, "token": token},
        )
    )


def _context(email: SentEmail, registration: Registration) -> dict:
    conference = registration.conference
    programme = list(
        SessionBooking.objects.filter(registration=registration)
        .select_related("session")
        .order_by("session__starts_at", "session__title")
    )
    by_session = {booking.session_id: booking.session for booking in programme}
    by_pk = {booking.pk: booking for booking in programme}

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
        "given_up_sessions": sessions("given_up_session_ids"),
        "swaps": swap_pairs(programme, by_pk),
        "needs_confirmation": registration.email_confirmed_at is None
        and registration.status != Registration.Status.CANCELLED,
        "deadline": confirmation_deadline(registration),
        "waitlist_position": waitlist_position(registration),
        "confirm_url": confirm_url(registration),
        "manage_url": manage_url(registration),
        "email_change_url": email_change_url(registration, email.to)
        if email.kind == Kind.CONFIRM_NEW_ADDRESS
        else "",
        "email_change_deadline": timezone.now()
        + timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS),
        "conference_url": absolute_url(conference.get_absolute_url()),
        "address_line": ", ".join(
            line.strip() for line in conference.address.splitlines() if line.strip()
        ),
    }


def swap_pairs(bookings, by_pk: dict | None = None) -> list[tuple]:
    """(seat held, session waited for) of each swap among a registration's `bookings` (with
    their sessions loaded)."""
    by_pk = by_pk if by_pk is not None else {booking.pk: booking for booking in bookings}
    return [
        (by_pk[booking.replaces_id].session, booking.session)
        for booking in bookings
        if booking.replaces_id in by_pk
    ]


def calendar_for(registration: Registration, programme: list[SessionBooking]) -> bytes:
    """The conference and the booked sessions as an iCalendar file (no private link in it:
    calendars get synchronised to third parties). Built by the one builder of the public
    calendar files, so each session has the same UID here and there."""
    conference = registration.conference
    booked = [b.session for b in programme if b.status == SessionBooking.Status.BOOKED]
    return build_calendar(conference, booked, name=conference.title, with_conference=True)
