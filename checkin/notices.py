"""The e-mail saying a certificate is ready: once per person, after the conference, through the
mail queue of `registrations.mail` (kind "message": the organisers' frame with the person's
private link, where the certificate is downloaded).

Idempotent: `Certificate.notified_at` is set in the same transaction that records the e-mail, so
running the command again (or twice at once: the row is claimed by a conditional update) sends
nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conferences.models import Conference
from registrations.mail import enqueue
from registrations.models import SentEmail

from .certificates import eligible_registrations, issue_certificates
from .models import Certificate


def notice_text(registration) -> tuple[str, str]:
    conference = registration.conference
    with translation.override(registration.language):
        subject = _("Ihre Teilnahmebescheinigung: %(title)s") % {"title": conference.title}
        body = _(
            "vielen Dank für Ihre Teilnahme an „%(title)s“. Ihre Teilnahmebescheinigung steht "
            "bereit: Sie können sie über Ihren persönlichen Link herunterladen."
        ) % {"title": conference.title}
    return subject[:300], body


def send_certificate_notices(*, now: datetime | None = None) -> int:
    """Notify every eligible person of every ended conference who has not been notified yet.
    Returns the number of e-mails queued."""
    moment = now or timezone.now()
    sent = 0
    for conference in Conference.objects.filter(ends_at__lte=moment):
        people = eligible_registrations(conference).exclude(email="")
        waiting = people.exclude(certificate__notified_at__isnull=False)
        if not waiting.exists():
            continue
        issue_certificates(conference)
        for registration in waiting.select_related("conference"):
            with transaction.atomic():
                claimed = Certificate.objects.filter(
                    registration=registration, notified_at__isnull=True
                ).update(notified_at=moment)
                if not claimed:
                    continue
                subject, body = notice_text(registration)
                email = SentEmail.objects.create(
                    registration=registration,
                    to=registration.email,
                    subject=subject,
                    kind=SentEmail.Kind.MESSAGE,
                    language=registration.language,
                    context={"body": body, "certificate": True},
                )
                transaction.on_commit(partial(enqueue, email.pk), robust=True)
            sent += 1
    return sent
