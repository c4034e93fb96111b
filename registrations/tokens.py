"""The signed link that confirms a new e-mail address.

It carries the registration's public id and the new address, signed with SECRET_KEY, and expires
REGISTRATION_CONFIRMATION_HOURS after it was made (when the e-mail is rendered). It is only good
while that address is still the one waiting (`Registration.pending_email`): a later request or a
confirmation makes every earlier link useless. Read by the services and the e-mail renderer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

EMAIL_CHANGE_SALT = "registrations.tokens.email-change"


@dataclass(frozen=True)
class EmailChange:
    public_id: uuid.UUID
    email: str


def make_email_change_token(*, public_id, email: str) -> str:
    return signing.dumps({"id": str(public_id), "email": email}, salt=EMAIL_CHANGE_SALT)


def read_email_change_token(token: str) -> EmailChange | None:
    """What the token says, or None if it is forged, garbled or expired."""
    try:
        payload = signing.loads(
            token,
            salt=EMAIL_CHANGE_SALT,
            max_age=settings.REGISTRATION_CONFIRMATION_HOURS * 3600,
        )
        return EmailChange(public_id=uuid.UUID(payload["id"]), email=str(payload["email"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
