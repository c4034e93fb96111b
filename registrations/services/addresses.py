"""A new e-mail address takes effect only once the person follows the link sent to it.

`request_email_change` (called by `update_participant`) records the address as waiting
(`Registration.pending_email`) and mails the link to it; the registration's address stays in
force. `confirm_email_change` makes it the address and then, only then, tells the previous
address, in a fixed text that carries nothing the requester typed except their stored name.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _

from ..mail import queue_email
from ..models import Registration, SentEmail
from ..tokens import read_email_change_token
from .errors import RegistrationError, refusal
from .locking import lock, locked_transaction
from .participants import active_registration_exists

__all__ = ["confirm_email_change", "email_change_refusal", "request_email_change"]

Status = Registration.Status
Kind = SentEmail.Kind


def request_email_change(registration: Registration, email: str) -> list[str]:
    """Within `update_participant`'s locked transaction: `email` waits for its confirmation
    (the link goes to it), or, if it is the registration's address again, nothing waits any
    more. Returns the fields to save. A second request replaces the first (its link dies)."""
    if email.lower() == registration.email.lower():
        if registration.email == email:
            registration.pending_email = ""
            return ["pending_email"]
        registration.email = email  # the same mailbox, written differently
        registration.pending_email = ""
        return ["email", "pending_email"]
    if active_registration_exists(registration.conference_id, email, exclude_pk=registration.pk):
        raise refusal("duplicate", field="email")
    registration.pending_email = email
    queue_email(registration=registration, kind=Kind.CONFIRM_NEW_ADDRESS, to=email)
    return ["pending_email"]


def email_change_refusal() -> RegistrationError:
    return refusal(
        "invalid_email_change",
        message=_(
            "Dieser Link zur Bestätigung einer neuen E-Mail-Adresse ist ungültig oder abgelaufen. "
            "Die bisherige Adresse gilt weiter; Sie können die Änderung erneut beantragen."
        ),
    )


def confirm_email_change(*, registration: Registration, token: str) -> Registration:
    """The person followed the link sent to the new address: it becomes the registration's
    address, and the previous address gets a notice. An invalid, expired or superseded link,
    or a cancelled registration: RegistrationError "invalid_email_change", nothing changes. The
    address taken meanwhile by another registration of the conference: "duplicate"."""
    change = read_email_change_token(token)
    if change is None or change.public_id != registration.public_id:
        raise email_change_refusal()
    try:
        with locked_transaction():
            lock(registration.conference_id, [])
            registration = Registration.objects.select_related("conference").get(pk=registration.pk)
            if (
                registration.status == Status.CANCELLED
                or not registration.pending_email
                or registration.pending_email.lower() != change.email.lower()
            ):
                raise email_change_refusal()
            if active_registration_exists(
                registration.conference_id, change.email, exclude_pk=registration.pk
            ):
                raise refusal("duplicate", field="email")
            previous = registration.email
            registration.email = registration.pending_email
            registration.pending_email = ""
            registration.save(update_fields=["email", "pending_email", "updated_at"])
            queue_email(registration=registration, kind=Kind.ADDRESS_CHANGED, to=previous)
    except IntegrityError:
        raise refusal("duplicate", field="email") from None
    return registration
