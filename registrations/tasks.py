"""Background work of registrations, run by the task queue (worker: `manage.py db_worker`)."""

from django_tasks import task


@task()
def send_email(email_id: int) -> str:
    """Send one recorded e-mail (`SentEmail`); failures are recorded and retried by `deliver`,
    so the task itself does not fail."""
    from .emails import deliver

    return deliver(email_id)
