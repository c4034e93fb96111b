"""Reads that several callers share (services, views, e-mails): queries, never writes.

A read that more than one module needs is written here once, so that the e-mail and the page
show the same number.
"""

from django.db.models import Q

from .models import Registration

__all__ = ["waitlist_position"]


def waitlist_position(registration: Registration) -> int | None:
    """1-based place on the conference waiting list, or None when not waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.filter(
            conference_id=registration.conference_id, status=Registration.Status.WAITLISTED
        )
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1
