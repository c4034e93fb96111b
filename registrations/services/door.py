"""Check-in at the door. It touches one registration and no seats, so it locks only that
registration's row (`locking.lock_registration`): check-ins never wait for registrations,
cancellations or each other, only for a change of the same person.

Both functions are idempotent, so that a scan queued on a device while offline and sent twice
(or by two devices) counts once: the first check-in wins and keeps its moment and its staff user;
a repeat returns the registration unchanged with `created=False`. Every change is saved through
`save()` with the staff user as the history user, so the history says who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Registration
from .errors import RegistrationError
from .locking import lock_registration, locked_transaction

__all__ = ["CheckIn", "check_in", "undo_check_in"]


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    #: False: the person was already checked in (the first check-in stays).
    created: bool


def _save(registration: Registration, *, by, reason: str) -> None:
    if by is not None:
        registration._history_user = by
    registration._change_reason = reason
    registration.save(update_fields=["checked_in_at", "updated_at"])


def check_in(
    *,
    registration: Registration,
    now: datetime | None = None,
    by=None,
    reason: str = "check-in",
) -> Registration:
    """Record that the person has arrived. Only a registration holding a seat (confirmed, or
    pending: the address unconfirmed) can be checked in; a repeat keeps the first moment.
    `by`: the staff user (recorded in the history); `reason`: "check-in" at the door,
    "marked present" by an organiser afterwards."""
    return check_in_once(registration=registration, now=now, by=by, reason=reason).registration


def check_in_once(
    *, registration: Registration, now: datetime | None = None, by=None, reason: str = "check-in"
) -> CheckIn:
    """`check_in`, telling whether this call made the check-in."""
    with locked_transaction():
        registration = lock_registration(registration.pk)
        if registration.status not in Registration.SEAT_HOLDING:
            raise RegistrationError(
                _("Ohne Platz (%(status)s) ist kein Check-in möglich.")
                % {"status": registration.get_status_display()},
                code="no_seat",
            )
        if registration.checked_in_at is not None:
            return CheckIn(registration, created=False)
        registration.checked_in_at = now or timezone.now()
        _save(registration, by=by, reason=reason)
    return CheckIn(registration, created=True)


def undo_check_in(*, registration: Registration, by=None) -> Registration:
    """Take back a check-in made by mistake (recorded in the history with `by`)."""
    with locked_transaction():
        registration = lock_registration(registration.pk)
        if registration.checked_in_at is not None:
            registration.checked_in_at = None
            _save(registration, by=by, reason="undo check-in")
    return registration
