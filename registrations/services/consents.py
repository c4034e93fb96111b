"""A person's consents: given at registration (`registration`), changed by the participant
later, withdrawn on their word by an organiser. A consent's record stays when it is withdrawn,
with the time; every change gets its entry in the change history. Changes of one person's
consents take that registration's row lock (`locking.lock_registration`), one at a time, so that
a double click or the participant and an organiser at once record nothing twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Consent, Registration
from .errors import RegistrationError
from .locking import lock_registration, locked_transaction
from .participants import clean_consents, consent_versions

__all__ = ["set_consents", "withdraw_consent"]


def _withdraw(consent: Consent, moment: datetime) -> None:
    # Saved on its own (not a queryset update), so that it gets its history entry.
    consent.withdrawn_at = moment
    consent.save(update_fields=["withdrawn_at"])


def set_consents(
    *, registration: Registration, purposes: Iterable[str], now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """The participant's optional consents become exactly `purposes`: a consent not wanted any
    more is withdrawn (its record stays, with the time), a new one is recorded with the text
    version in force. The privacy notice's acknowledgement is not a consent and stays.
    Possible at any time, also after a cancellation. Returns (given, withdrawn)."""
    wanted = set(clean_consents([Consent.Purpose.PRIVACY, *purposes]))
    moment = now or timezone.now()
    with locked_transaction():
        lock_registration(registration.pk)
        active = {c.purpose: c for c in registration.consents.filter(withdrawn_at__isnull=True)}
        withdrawn = sorted(p for p in active if p not in wanted)
        given = sorted(p for p in wanted if p not in active)
        for purpose in withdrawn:
            _withdraw(active[purpose], moment)
        versions = consent_versions(given, moment)
        for purpose in given:
            Consent.objects.create(
                registration=registration,
                purpose=purpose,
                text_version=versions[purpose],
                given_at=moment,
            )
    return given, withdrawn


def withdraw_consent(*, consent: Consent, now: datetime | None = None) -> bool:
    """Record that a participant withdrew a consent (told the organisers, e.g. by e-mail).
    Returns False if it was withdrawn already. The privacy notice was acknowledged, not consented
    to: it cannot be withdrawn (erasing the registration is the way)."""
    if consent.purpose == Consent.Purpose.PRIVACY:
        raise RegistrationError(
            _(
                "Die Kenntnisnahme der Datenschutzhinweise kann nicht widerrufen werden; "
                "für eine Löschung löschen Sie die Anmeldung."
            ),
            code="privacy_notice",
        )
    with locked_transaction():
        lock_registration(consent.registration_id)
        consent = Consent.objects.get(pk=consent.pk)  # as it is now, under the lock
        if consent.withdrawn_at is not None:
            return False
        _withdraw(consent, now or timezone.now())
    return True
