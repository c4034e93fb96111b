"""Sending one recorded e-mail, and the task that does it in the worker (`manage.py db_worker`).

`deliver` claims the `SentEmail` row (queued, or failed and due), renders and sends it, and
records the outcome on the row. A failure is retried with exponential backoff
(`EMAIL_RETRY_BASE_SECONDS`, at most `EMAIL_MAX_ATTEMPTS` attempts) by queueing the task again
for later; the registration the e-mail belongs to is never touched here.

The task and `enqueue` live beside `deliver` because a failed delivery queues its own retry:
`queue` imports this module, never the other way round.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from registrations.models import SentEmail

from .render import build_message

logger = logging.getLogger(__name__)

EmailStatus = SentEmail.Status

#: How long a mail may stay "queued" or "sending" before `retry_due_emails` takes it up again.
STALE_AFTER = timedelta(minutes=15)


@task()
def send_email(email_id: int) -> str:
    """Send one recorded e-mail (`SentEmail`); failures are recorded and retried by `deliver`,
    so the task itself does not fail.

    Its dotted path (`registrations.mail.delivery.send_email`) is stored in every queued task
    row: moving or renaming it needs an alias at the old path for one release (see
    `registrations/tasks.py`)."""
    return deliver(email_id)


def enqueue(email_id: int, *, run_after: datetime | None = None) -> None:
    """Hand one e-mail to the task queue; never raises (the sweeper catches what is lost)."""
    try:
        queued = send_email
        if run_after is not None:
            if not queued.get_backend().supports_defer:
                return  # `retry_due_emails` takes it up when it is due
            queued = queued.using(run_after=run_after)
        queued.enqueue(email_id)
    except Exception:
        logger.exception("Could not queue e-mail %s; retry_emails will take it up", email_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def deliver(email_id: int) -> str:
    """Send one recorded e-mail; returns "sent", "failed" or "skipped" (not due, or done)."""
    now = timezone.now()
    claimed = SentEmail.objects.filter(
        Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.FAILED, next_attempt_at__lte=now),
        pk=email_id,
    ).update(
        status=EmailStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + STALE_AFTER
    )
    if not claimed:
        return "skipped"
    email = SentEmail.objects.select_related("registration__conference").get(pk=email_id)
    try:
        build_message(email).send()
    except Exception as error:
        # The message text of SMTP errors never contains the body (and so no private link).
        description = f"{type(error).__name__}: {error}"[:2000]
        retry_at = None
        if email.registration_id and email.attempts < settings.EMAIL_MAX_ATTEMPTS:
            retry_at = now + _backoff(email.attempts)
        SentEmail.objects.filter(pk=email_id).update(
            status=EmailStatus.FAILED, last_error=description, next_attempt_at=retry_at
        )
        logger.warning(
            "E-mail %s (%s) failed on attempt %s: %s%s",
            email_id,
            email.kind,
            email.attempts,
            description,
            "" if retry_at else " – giving up",
        )
        if retry_at:
            enqueue(email_id, run_after=retry_at)
        return "failed"
    SentEmail.objects.filter(pk=email_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
    )
    return "sent"
