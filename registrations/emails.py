"""TEMPORARY (branch h-mail only): delete on merge into main.

The e-mails moved to the package `registrations.mail`. This re-export only keeps the callers
owned by other parts of issue 12 (services, organiser, admin, admin_views, seeds) importing
until the lead switches them to `registrations.mail`.
"""

from .mail import enqueue, muted, queue_email, retry_due_emails, send_again, tidy_text

__all__ = ["enqueue", "muted", "queue_email", "retry_due_emails", "send_again", "tidy_text"]

_tidy = tidy_text  # admin_views calls `emails._tidy`; after the merge it calls `mail.tidy_text`
