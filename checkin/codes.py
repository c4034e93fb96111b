"""Check-in codes: the payload of the QR code printed on a badge.

Invariants: the salt and the format (`Signer` with sha256, the registration's primary key as the
value) never change, so that badges printed before stay valid. A code carries no personal data
and is not the self-service token: knowing it lets no one see or change a registration.
"""

from __future__ import annotations

from django.core import signing

CHECKIN_SALT = "tagungsbuero.registrations.checkin"


def _signer() -> signing.Signer:
    return signing.Signer(salt=CHECKIN_SALT, algorithm="sha256")


def checkin_code_for(registration) -> str:
    """An opaque, signed code for the registration: its primary key and an HMAC (dedicated salt,
    so no other signed value of the site is accepted)."""
    return _signer().sign(str(registration.pk))


def registration_id_from_checkin_code(code: str) -> int | None:
    """The primary key inside a check-in code, or None for anything forged or malformed."""
    try:
        value = _signer().unsign(code.strip())
    except (signing.BadSignature, AttributeError):
        return None
    return int(value) if value.isdigit() else None
