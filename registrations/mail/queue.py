"""Recording e-mails: the services call `queue_email` inside their transaction.

`queue_email` writes a `SentEmail` row (status queued) with the state change it reports and,
after commit, hands its id to the task queue. `retry_due_emails` (command `retry_emails`)
re-queues what a lost task or a backend without deferred tasks left behind; `send_again` is an
organiser's "try again now".
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conferences import site
from registrations.models import Registration, SentEmail

from .delivery import STALE_AFTER, enqueue
from .render import render_subject

EmailStatus = SentEmail.Status

_muted: ContextVar[bool] = ContextVar("registrations_emails_muted", default=False)


@contextmanager
def muted():
    """No e-mails from the services called inside (e.g. seeds creating demo registrations)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def queue_email(
    *, registration: Registration, kind: str, context: dict | None = None, to: str | None = None
) -> SentEmail | None:
    """Record an e-mail and send it through the task queue once the transaction commits.
    Returns None (and records nothing) inside `muted()` and for a person without an e-mail
    address (registered by an organiser; they are reached as `Registration.contact_note` says)."""
    if _muted.get() or not (to or registration.email):
        return None
    context = dict(context or {})
    # While SITE_URL is unset, the links follow the address of the request queueing the e-mail.
    if site_url := site.recorded_url():
        context.setdefault("site_url", site_url)
    email = SentEmail.objects.create(
        registration=registration,
        to=to or registration.email,
        subject=render_subject(registration=registration, kind=kind),
        kind=kind,
        language=registration.language,
        context=context,
    )
    transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return email


def send_again(*, email: SentEmail) -> bool:
    """An organiser asks to try a failed e-mail again now (also one that was given up)."""
    updated = SentEmail.objects.filter(pk=email.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.QUEUED, next_attempt_at=None
    )
    if updated:
        transaction.on_commit(partial(enqueue, email.pk), robust=True)
    return bool(updated)


def retry_due_emails(*, now: datetime | None = None) -> int:
    """Re-queue failed e-mails whose next attempt is due and e-mails stuck in the queue."""
    now = now or timezone.now()
    stuck = SentEmail.objects.filter(status=EmailStatus.SENDING, next_attempt_at__lte=now)
    stuck.update(status=EmailStatus.FAILED, last_error="interrupted while sending")
    due = SentEmail.objects.filter(
        Q(status=EmailStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=EmailStatus.QUEUED, created_at__lte=now - STALE_AFTER)
    ).values_list("pk", flat=True)
    count = 0
    for email_id in list(due):
        enqueue(email_id)
        count += 1
    return count
