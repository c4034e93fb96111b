"""The door: who may check people in, attendance per session, and certificates of attendance.

Invariants:

- Arrival at the conference is `Registration.checked_in_at` (written only by
  `registrations.services.door`); attendance at one session's door is a `SessionAttendance`
  row (one per person and session, a constraint), written by the same services.
- A `Certificate` row is created the first time a certificate is issued for a registration and
  never changes its code, so a printed certificate stays verifiable. Who may get one is decided
  in `checkin.rules` only.
- `DoorStaff` gives a user the role "Einlass" for one conference: the check-in page and nothing
  else of it. Organisers of the conference have the role implicitly.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conferences.models import Conference, Session
from registrations.models import Registration

#: Letters of a verification code: no 0/O, 1/I/L, so that it can be read out and typed.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_verification_code() -> str:
    """10 characters of a 31-letter alphabet (about 50 bits): short to type, not guessable."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class DoorStaff(models.Model):
    conference = models.ForeignKey(
        Conference,
        verbose_name=_("Konferenz"),
        on_delete=models.CASCADE,
        related_name="door_staff",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Person"),
        on_delete=models.CASCADE,
        related_name="door_conferences",
    )

    class Meta:
        verbose_name = _("Einlass-Person")
        verbose_name_plural = _("Einlass-Personen")
        constraints = [
            models.UniqueConstraint(fields=["conference", "user"], name="door_staff_once"),
        ]

    def __str__(self):
        return f"{self.user} – {self.conference}"


class SessionAttendance(models.Model):
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("Anmeldung"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("Programmpunkt"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    checked_in_at = models.DateTimeField(_("eingecheckt am"), default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eingecheckt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Anwesenheit im Programmpunkt")
        verbose_name_plural = _("Anwesenheiten in Programmpunkten")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="attendance_one_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.registration.full_name} – {self.session}"


class Certificate(models.Model):
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("Anmeldung"),
        on_delete=models.CASCADE,
        related_name="certificate",
    )
    code = models.CharField(
        _("Prüfcode"), max_length=CODE_LENGTH, unique=True, default=new_verification_code
    )
    issued_at = models.DateTimeField(_("ausgestellt am"), default=timezone.now)
    notified_at = models.DateTimeField(_("benachrichtigt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Teilnahmebescheinigung")
        verbose_name_plural = _("Teilnahmebescheinigungen")

    def __str__(self):
        return self.code
