"""E-mails: language, content, calendar file, and what happens when the mail server fails."""

import logging
import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from registrations import mail as emails
from registrations import services
from registrations.models import Registration, SentEmail
from tests.factories import WorkshopFactory

pytestmark = pytest.mark.django_db

Kind = SentEmail.Kind
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def failing_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.registrations.test_emails.FailingEmailBackend"


def run_worker():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0)


# --- Language and content ----------------------------------------------------------------------


@pytest.mark.usefixtures("immediate_tasks")
def test_email_is_written_in_the_participants_language(conference, register):
    register(conference, language="en", email="english@example.org")
    register(conference, language="de", email="deutsch@example.org")

    english, german = mail.outbox
    assert english.extra_headers["Content-Language"] == "en"
    assert german.extra_headers["Content-Language"] == "de"
    # Dates in the language's own format, links to the pages in that language.
    starts_at = timezone.localtime(conference.starts_at)
    for message, language in ((english, "en"), (german, "de")):
        with translation.override(language):
            assert date_format(starts_at, "DATETIME_FORMAT") in message.body
    assert "http://127.0.0.1:8000/en/anmeldung/" in english.body
    assert "http://127.0.0.1:8000/anmeldung/" in german.body
    assert '<html lang="en">' in english.alternatives[0][0]
    assert '<html lang="de">' in german.alternatives[0][0]


@pytest.mark.usefixtures("immediate_tasks")
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_of_email_is_text_and_html_signed_with_the_organisers_contact(
    conference, register, run, kind
):
    registration = register(conference, first_name="Aylin", last_name="Demir")
    mail.outbox.clear()

    email = run(lambda: emails.queue_email(registration=registration, kind=kind))

    [message] = mail.outbox
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert message.reply_to == ["tagung@example.org"]
    for body in (message.body, html):
        assert "Guten Tag Aylin Demir," in body
        assert "tagung@example.org" in body
        assert "0561 123456" in body
    assert "{%" not in message.body and "{{" not in message.body
    email.refresh_from_db()
    assert (email.status, email.attempts) == (SentEmail.Status.SENT, 1)


@pytest.mark.usefixtures("immediate_tasks")
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_of_email_reads_in_english_for_an_english_registration(
    conference, workshops, register, run, kind
):
    first, _parallel, _later = workshops
    registration = register(
        conference, language="en", session_ids=[first], first_name="Aylin", last_name="Demir"
    )
    run(services.confirm_email, registration=registration)
    mail.outbox.clear()

    run(
        lambda: emails.queue_email(
            registration=registration, kind=kind, context={"session_ids": [first.pk]}
        )
    )

    [message] = mail.outbox
    for body in (message.body, message.alternatives[0][0]):
        assert "Dear Aylin Demir," in body
        assert "Kind regards" in body
        # No German left over, and no value a template could not fill (e.g. a waiting-list
        # place of someone who got a seat before the e-mail went out).
        # Whole words only: the private link's random token may contain "Uhr" or "None".
        words = set(re.findall(r"\w+", body))
        for german in ("Guten", "Uhr", "Programmpunkte", "None"):
            assert german not in words


@pytest.mark.usefixtures("immediate_tasks")
@pytest.mark.parametrize(
    ("language", "venue", "suffix"), [("de", "Ort", " Uhr"), ("en", "Venue", "")]
)
def test_programme_names_the_venue_and_each_session_with_weekday_and_times(
    conference, workshops, register, run, language, venue, suffix
):
    first, _parallel, _later = workshops
    registration = register(conference, language=language, session_ids=[first])
    mail.outbox.clear()

    run(services.confirm_email, registration=registration)

    [message] = mail.outbox
    with translation.override(language):
        start = date_format(timezone.localtime(first.starts_at), "SESSION_START_FORMAT")
    end = f"{timezone.localtime(first.ends_at):%H:%M}"
    assert f"- {start}–{end}{suffix}: Workshop Ankommen (Raum 1)\n" in message.body
    assert (
        f"<li>{start}–{end}{suffix}: Workshop Ankommen (Raum 1)</li>"
        in (message.alternatives[0][0])
    )
    assert f"\n{venue}: Kongress Palais Kassel, Holger-Börner-Platz 1, 34119 Kassel\n" in (
        message.body
    )


@pytest.mark.usefixtures("immediate_tasks")
def test_plain_text_is_not_html_escaped_but_html_is(conference, register):
    register(conference, first_name="Seán", last_name="O'Neill & Partner")

    [message] = mail.outbox
    assert "Guten Tag Seán O'Neill & Partner," in message.body
    assert "O&#x27;Neill &amp; Partner" in message.alternatives[0][0]


def link_token(body, suffix):
    """The token of the first link in `body` that ends in `suffix`."""
    import re

    return re.search(rf"/anmeldung/[0-9a-f-]+/([^/\s]+)/{suffix}/", body).group(1)


@pytest.mark.usefixtures("immediate_tasks")
def test_notice_to_the_previous_address_carries_no_private_link(conference, register, run):
    registration = register(conference, email="alt@example.org")
    mail.outbox.clear()

    run(
        services.update_participant,
        registration=registration,
        participant={"email": "neu@example.org"},
    )
    token = link_token(mail.outbox[-1].body, "adresse-bestaetigen")
    run(services.confirm_email_change, registration=registration, token=token)

    notice = next(message for message in mail.outbox if message.to == ["alt@example.org"])
    assert registration.token not in notice.body
    assert registration.token not in notice.alternatives[0][0]
    assert notice.attachments == []


@pytest.mark.usefixtures("immediate_tasks")
def test_calendar_file_holds_the_conference_and_the_booked_sessions_only(
    conference, workshops, register, run
):
    first, _parallel, later = workshops
    register(conference, session_ids=[later])
    register(conference, session_ids=[later])
    registration = register(conference, session_ids=[first, later], known_full_session_ids=[later])
    mail.outbox.clear()

    run(services.confirm_email, registration=registration)

    [(_name, content, _mimetype)] = mail.outbox[0].attachments
    events = Calendar.from_ical(content).walk("VEVENT")
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events] == [
        (conference.title, conference.starts_at),
        ("Workshop Ankommen", first.starts_at),
    ]
    assert registration.token not in content


@pytest.mark.usefixtures("immediate_tasks")
def test_waitlisted_sessions_are_marked_in_the_programme(conference, workshops, register, run):
    first, _parallel, _later = workshops
    WorkshopFactory(conference=conference, title="Ohne Platzbuchung", capacity=None)
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    mail.outbox.clear()

    register(conference, session_ids=[first], known_full_session_ids=[first])

    assert "Workshop Ankommen (Raum 1) – auf der Warteliste" in mail.outbox[0].body


# --- Failures and retries ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes connections
def test_worker_sends_the_queued_email_and_records_it_as_sent(conference, register, settings):
    settings.TASKS = DATABASE_TASKS
    registration = register(conference)
    queued = DBTaskResult.objects.get()

    run_worker()

    email = SentEmail.objects.get()
    assert queued.task_path == "registrations.mail.delivery.send_email"
    assert (email.kind, email.status, email.attempts) == (
        Kind.CONFIRM_ADDRESS,
        SentEmail.Status.SENT,
        1,
    )
    assert [message.to for message in mail.outbox] == [[registration.email]]
    assert DBTaskResult.objects.get().return_value == "sent"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_rows_queued_under_the_old_task_path_still_send(conference, register, settings):
    # Rows written by the release before the mail package name `registrations.tasks`.
    settings.TASKS = DATABASE_TASKS
    register(conference)
    DBTaskResult.objects.update(task_path="registrations.tasks.send_email")

    run_worker()

    email = SentEmail.objects.get()
    assert email.status == SentEmail.Status.SENT
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes connections
def test_failing_mail_server_keeps_the_registration_and_queues_a_retry(
    conference, register, settings, failing_mail_server, caplog
):
    settings.TASKS = DATABASE_TASKS
    registration = register(conference)

    with caplog.at_level(logging.WARNING, logger="registrations.mail"):
        run_worker()

    registration.refresh_from_db()
    email = SentEmail.objects.get()
    assert registration.status == Registration.Status.PENDING
    assert (email.kind, email.status, email.attempts) == (
        Kind.CONFIRM_ADDRESS,
        SentEmail.Status.FAILED,
        1,
    )
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=50)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == email.next_attempt_at
    assert retry.args_kwargs == {"args": [email.pk], "kwargs": {}}
    # The task itself succeeded: the failure is ours to handle, not the queue's.
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == "failed"
    assert registration.token not in caplog.text
    assert f"E-mail {email.pk} (confirm_address) failed on attempt 1" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_retry_sends_the_email_once_the_mail_server_is_back(conference, register, settings):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "tests.registrations.test_emails.FailingEmailBackend"
    register(conference)
    run_worker()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    # Time passes until the retry is due.
    earlier = timezone.now() - timedelta(seconds=1)
    SentEmail.objects.update(next_attempt_at=earlier)
    DBTaskResult.objects.filter(status="READY").update(run_after=earlier)

    run_worker()

    email = SentEmail.objects.get()
    assert (email.status, email.attempts, email.last_error) == (SentEmail.Status.SENT, 2, "")
    assert email.sent_at is not None
    assert [message.subject for message in mail.outbox] == [email.subject]


@pytest.mark.usefixtures("immediate_tasks", "failing_mail_server")
def test_after_the_last_attempt_the_email_is_given_up_and_stays_failed(
    conference, register, settings
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    register(conference)  # attempt 1, immediately
    email = SentEmail.objects.get()
    assert (email.status, email.attempts) == (SentEmail.Status.FAILED, 1)

    SentEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # time passes

    requeued = emails.retry_due_emails()  # attempt 2

    email.refresh_from_db()
    assert requeued == 1
    assert (email.status, email.attempts, email.next_attempt_at) == (
        SentEmail.Status.FAILED,
        2,
        None,
    )
    assert emails.retry_due_emails(now=timezone.now() + timedelta(days=1)) == 0


@pytest.mark.usefixtures("immediate_tasks")
def test_a_retry_that_is_not_due_yet_is_skipped(conference, register, settings):
    settings.EMAIL_BACKEND = "tests.registrations.test_emails.FailingEmailBackend"
    register(conference)
    email = SentEmail.objects.get()

    outcome = emails.deliver(email.pk)

    email.refresh_from_db()
    assert outcome == "skipped"
    assert email.attempts == 1


@pytest.mark.usefixtures("immediate_tasks")
def test_retry_emails_takes_up_emails_whose_task_was_lost(conference, register, capsys):
    registration = register(conference)
    lost = SentEmail.objects.create(
        registration=registration,
        to=registration.email,
        subject="Ihr persönlicher Link",
        kind=Kind.MANAGE_LINK,
        created_at=timezone.now() - timedelta(hours=1),
    )
    mail.outbox.clear()

    call_command("retry_emails")

    lost.refresh_from_db()
    assert capsys.readouterr().out == "1 e-mail(s) queued again.\n"
    assert lost.status == SentEmail.Status.SENT
    assert [message.subject for message in mail.outbox] == ["Ihr persönlicher Link"]


@pytest.mark.usefixtures("immediate_tasks")
def test_the_email_record_never_holds_the_private_link(conference, workshops, register, run):
    first, _parallel, _later = workshops
    registration = register(conference, session_ids=[first])
    run(services.confirm_email, registration=registration)
    run(services.change_sessions, registration=registration, session_ids=[])
    run(services.cancel_registration, registration=registration)

    records = list(SentEmail.objects.values("to", "subject", "context", "last_error"))

    assert len(records) == 4
    assert registration.token not in repr(records)
    assert registration.token not in repr(registration)


@pytest.mark.usefixtures("immediate_tasks")
def test_services_called_while_muted_record_and_send_no_email(conference, register):
    with emails.muted():
        registration = register(conference)
        services.confirm_email(registration=registration)

    assert SentEmail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.usefixtures("immediate_tasks")
def test_send_again_retries_an_email_that_was_given_up(conference, register, run, settings):
    settings.EMAIL_BACKEND = "tests.registrations.test_emails.FailingEmailBackend"
    settings.EMAIL_MAX_ATTEMPTS = 1
    register(conference)
    email = SentEmail.objects.get()
    assert (email.status, email.next_attempt_at) == (SentEmail.Status.FAILED, None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    again = run(emails.send_again, email=email)

    email.refresh_from_db()
    assert again is True
    assert (email.status, email.attempts) == (SentEmail.Status.SENT, 2)
    assert [message.subject for message in mail.outbox] == [email.subject]
