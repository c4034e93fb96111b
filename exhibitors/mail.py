"""E-mails to exhibitors: recorded with the state change (`queue_email`, inside the services'
transaction), sent after commit by the task queue (`send_exhibitor_email`), outcome on the row.

The same shape as the participants' mail (`registrations.mail`), with its own log because that
one is bound to a registration. A mail is written in the exhibitor's language.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from registrations.mail import tidy_text

from .models import Exhibitor, ExhibitorEmail

logger = logging.getLogger(__name__)

_muted: ContextVar[bool] = ContextVar("exhibitors_emails_muted", default=False)


@contextmanager
def muted():
    """No e-mails from the services called inside (seeds)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def private_url(exhibitor: Exhibitor, name: str = "manage") -> str:
    """The absolute private link (confirm or manage) of an exhibitor."""
    with translation.override(exhibitor.language):
        path = reverse(f"exhibitors:{name}", kwargs={"pk": exhibitor.pk, "token": exhibitor.token})
    return settings.SITE_URL.rstrip("/") + path


def subject_for(exhibitor: Exhibitor, kind: str) -> str:
    with translation.override(exhibitor.language):
        label = ExhibitorEmail.Kind(kind).label
        return f"{label}: {exhibitor.conference.title}"


def queue_email(*, exhibitor: Exhibitor, kind: str) -> ExhibitorEmail | None:
    """Record an e-mail and hand it to the task queue once the transaction commits."""
    if _muted.get():
        return None
    email = ExhibitorEmail.objects.create(
        exhibitor=exhibitor,
        to=exhibitor.email,
        subject=subject_for(exhibitor, kind),
        kind=kind,
        language=exhibitor.language,
    )
    transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return email


def enqueue(email_id: int) -> None:
    try:
        send_exhibitor_email.enqueue(email_id)
    except Exception:
        logger.exception("Could not queue exhibitor e-mail %s", email_id)


def build_message(email: ExhibitorEmail) -> EmailMultiAlternatives:
    exhibitor = email.exhibitor
    with translation.override(email.language):
        context = {
            "exhibitor": exhibitor,
            "conference": exhibitor.conference,
            "kind": email.kind,
            "confirm_url": private_url(exhibitor, "confirm"),
            "manage_url": private_url(exhibitor, "manage"),
        }
        text = tidy_text(render_to_string("exhibitors/email.txt", context))
    return EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        to=[email.to],
        reply_to=[exhibitor.conference.contact_email],
    )


def deliver(email_id: int) -> str:
    """Send one recorded e-mail; "sent", "failed" or "skipped" (already sent)."""
    claimed = ExhibitorEmail.objects.filter(
        pk=email_id, status__in=[ExhibitorEmail.Status.QUEUED, ExhibitorEmail.Status.FAILED]
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    email = ExhibitorEmail.objects.select_related("exhibitor__conference").get(pk=email_id)
    try:
        build_message(email).send()
    except Exception as error:
        ExhibitorEmail.objects.filter(pk=email_id).update(
            status=ExhibitorEmail.Status.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("Exhibitor e-mail %s failed: %s", email_id, type(error).__name__)
        return "failed"
    ExhibitorEmail.objects.filter(pk=email_id).update(
        status=ExhibitorEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


@task()
def send_exhibitor_email(email_id: int) -> str:
    return deliver(email_id)
