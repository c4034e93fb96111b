"""Everything stored about one registration, for the person it belongs to (GDPR Art. 15, 20).

A participant downloads it through their private link; organisers answering a request by letter
or e-mail download the same file in the admin. One JSON document, keys in English, values as
stored (codes) with their label in the participant's language beside them. Secrets (the private
link's token) and other people's data are not part of it. A fixed number of queries, however many
bookings, consents and e-mails there are.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .models import Registration
from .services import PARTICIPANT_FIELDS


def _time(value):
    return timezone.localtime(value).isoformat() if value else None


def personal_data(registration: Registration) -> dict:
    """The stored data of `registration`, its bookings, consents and the e-mails sent to it."""
    registration = (
        Registration.objects.select_related("conference")
        .prefetch_related("bookings__session", "consents", "sent_emails")
        .get(pk=registration.pk)
    )
    conference = registration.conference
    bookings = sorted(registration.bookings.all(), key=_booking_order)
    # A swap waits to give up this seat (a title: the booking may be gone by the next download).
    swapped = {booking.pk: booking.session.title for booking in bookings}
    with translation.override(registration.language):
        return {
            "about": _(
                "Die Daten, die das Tagungsbüro zu Ihrer Anmeldung gespeichert hat, Stand "
                "%(when)s. Verantwortlich ist das Organisationsteam der Konferenz: %(email)s."
            )
            % {
                "when": timezone.localtime().strftime("%d.%m.%Y %H:%M"),
                "email": conference.contact_email,
            },
            "conference": {
                "title": conference.title,
                "starts_at": _time(conference.starts_at),
                "ends_at": _time(conference.ends_at),
                "venue": f"{conference.venue_name}, {conference.city}",
                "contact_email": conference.contact_email,
            },
            "registration": {
                "id": str(registration.public_id),
                **{name: getattr(registration, name) for name in PARTICIPANT_FIELDS},
                "language": registration.language,
                "status": registration.status,
                "status_label": registration.get_status_display(),
                "created_at": _time(registration.created_at),
                "email_confirmed_at": _time(registration.email_confirmed_at),
                "pending_email": registration.pending_email,
                "confirmed_at": _time(registration.confirmed_at),
                "updated_at": _time(registration.updated_at),
                "cancelled_at": _time(registration.cancelled_at),
                "cancellation_reason": registration.cancellation_reason,
                "reminder_sent_at": _time(registration.reminder_sent_at),
                "checked_in_at": _time(registration.checked_in_at),
            },
            "sessions": [
                {
                    "title": booking.session.title,
                    "starts_at": _time(booking.session.starts_at),
                    "status": booking.status,
                    "status_label": booking.get_status_display(),
                    "since": _time(booking.created_at),
                    "swap_for": swapped.get(booking.replaces_id),
                }
                for booking in bookings
            ],
            "consents": [
                {
                    "purpose": consent.purpose,
                    "purpose_label": consent.get_purpose_display(),
                    "text_version": consent.text_version,
                    "given_at": _time(consent.given_at),
                    "withdrawn_at": _time(consent.withdrawn_at),
                }
                for consent in registration.consents.all()
            ],
            "emails": [
                {
                    "to": email.to,
                    "subject": email.subject,
                    "kind": email.kind,
                    "status": email.status,
                    "created_at": _time(email.created_at),
                    "sent_at": _time(email.sent_at),
                }
                for email in sorted(
                    registration.sent_emails.all(), key=lambda e: (e.created_at, e.pk)
                )
            ],
        }


def _booking_order(booking):
    return (booking.session.starts_at, booking.session.pk)


def as_response(registration: Registration) -> HttpResponse:
    """The JSON file as a download."""
    body = json.dumps(personal_data(registration), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"tagungsbuero-anmeldung-{registration.public_id}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
