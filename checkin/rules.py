"""Pure decisions of the door and of certificates. Each rule lives here once; the exports, the
participant's download, the notices and the admin all ask these functions.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from conferences.models import Conference
from registrations.models import Registration

from .models import DoorStaff


def eligible_for_certificate() -> Q:
    """Who gets a certificate of attendance: people holding a seat who were checked in at the
    door or marked present by an organiser afterwards (both set `checked_in_at`). Nobody else,
    whatever their status: a certificate states that the person came."""
    return Q(status__in=Registration.SEAT_HOLDING, checked_in_at__isnull=False)


def is_eligible_for_certificate(registration: Registration) -> bool:
    return (
        registration.status in Registration.SEAT_HOLDING and registration.checked_in_at is not None
    )


def certificates_open(conference: Conference, now: datetime | None = None) -> bool:
    """Participants download their certificate once the conference has ended."""
    return conference.ends_at <= (now or timezone.now())


def left_out_counts(conference: Conference) -> dict[str, int]:
    """Those of the conference who get no certificate, by reason: "not_checked_in" (held a seat
    but never arrived) and "no_seat" (waiting list, awaiting approval, cancelled)."""
    people = Registration.objects.filter(conference=conference)
    return {
        "not_checked_in": people.filter(
            status__in=Registration.SEAT_HOLDING, checked_in_at__isnull=True
        ).count(),
        "no_seat": people.exclude(status__in=Registration.SEAT_HOLDING).count(),
    }


def door_conferences(user):
    """The conferences whose check-in page `user` may use: the ones they organise (all for
    superusers) and the ones they were given the role "Einlass" for."""
    if not (user.is_authenticated and user.is_active):
        return Conference.objects.none()
    if user.is_superuser:
        return Conference.objects.all()
    staff = DoorStaff.objects.filter(user=user.pk).values("conference_id")
    organised = Conference.organisers.through.objects.filter(user=user.pk).values("conference_id")
    if not user.is_staff:
        return Conference.objects.filter(pk__in=staff)
    return Conference.objects.filter(Q(pk__in=staff) | Q(pk__in=organised))
