"""Check-in at the door. It touches one registration and no seats, so it locks only that
registration's row (`locking.lock_registration`): check-ins never wait for registrations,
cancellations or each other, only for a change of the same person."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Registration
from .errors import RegistrationError
from .locking import lock_registration, locked_transaction

__all__ = ["check_in", "undo_check_in"]


def check_in(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Record that the person has arrived. Only a registration holding a seat (confirmed, or
    pending: the address unconfirmed) can be checked in; a repeat keeps the first moment."""
    with locked_transaction():
        registration = lock_registration(registration.pk)
        if registration.status not in Registration.SEAT_HOLDING:
            raise RegistrationError(
                _("Ohne Platz (%(status)s) ist kein Check-in möglich.")
                % {"status": registration.get_status_display()},
                code="no_seat",
            )
        if registration.checked_in_at is None:
            registration.checked_in_at = now or timezone.now()
            registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration


def undo_check_in(*, registration: Registration) -> Registration:
    """Take back a check-in made by mistake."""
    with locked_transaction():
        registration = lock_registration(registration.pk)
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            registration.save(update_fields=["checked_in_at", "updated_at"])
    return registration
