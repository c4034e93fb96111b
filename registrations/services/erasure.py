"""Deleting participant data for good: one registration on request (GDPR Art. 17), and every
registration of a finished conference after the retention period (data minimisation, Art. 5).
The registrations' change history goes with them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..models import Consent, Registration, SentEmail, SessionBooking
from .errors import RegistrationError
from .locking import lock, locked_transaction
from .registration import cancel_registration

__all__ = ["erase_registration", "purge_finished_conferences", "purge_registrations"]


def _delete_with_history(registration_ids: list[int]) -> None:
    SentEmail.objects.filter(registration_id__in=registration_ids).delete()
    SessionBooking.objects.filter(registration_id__in=registration_ids).delete()
    Consent.objects.filter(registration_id__in=registration_ids).delete()
    Registration.objects.filter(pk__in=registration_ids).delete()
    # Deleting wrote one last history row each: the history goes as well.
    Registration.history.filter(id__in=registration_ids).delete()
    SessionBooking.history.filter(registration_id__in=registration_ids).delete()
    Consent.history.filter(registration_id__in=registration_ids).delete()


def erase_registration(*, registration: Registration) -> None:
    """Delete a registration for good (a request for erasure): it is cancelled first, so that its
    seats go to the people waiting and every counter stays right (no mail to the person), then the
    registration, its consents, its e-mail log and its whole change history are deleted."""
    with locked_transaction():
        cancel_registration(registration=registration, by_organiser=True, notify=False)
        _delete_with_history([registration.pk])


def purge_registrations(*, conference: Conference, now: datetime | None = None) -> int:
    """Data minimisation after the event: every registration of a finished conference is deleted
    with its bookings, consents, e-mail log and change history, and the seat counters go back to
    zero. Nobody is promoted and nobody is mailed (the event is over). Returns how many
    registrations were deleted. Refuses a conference that has not ended yet."""
    if conference.ends_at >= (now or timezone.now()):
        raise RegistrationError(
            _("Die Konferenz ist noch nicht vorbei; ihre Anmeldungen werden nicht gelöscht."),
            code="not_finished",
        )
    with locked_transaction():
        lock(conference.pk)
        ids = list(
            Registration.objects.filter(conference_id=conference.pk).values_list("pk", flat=True)
        )
        _delete_with_history(ids)
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
