"""A message to the participants of a conference or of one session, written in the admin."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from registrations import services
from registrations.models import Registration, SentEmail
from tests.factories import WorkshopFactory

pytestmark = pytest.mark.django_db


def message_url(conference):
    return reverse("admin:conferences_conference_message", args=(conference.pk,))


def nonce_of(response):
    return re.search(r'name="nonce" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def participants(conference, workshops, register):
    """Two confirmed people (one of them in the first workshop), one pending, one cancelled."""
    booked = services.confirm_email(
        registration=register(
            conference, session_ids=[workshops[0]], first_name="Aylin", last_name="Demir"
        )
    )
    other = services.confirm_email(
        registration=register(conference, first_name="Jonas", last_name="Becker", language="en")
    )
    services.cancel_registration(registration=register(conference))
    register(conference, first_name="Ewa", last_name="Kühne")
    return booked, other


def test_message_form_offers_the_whole_conference_or_one_of_its_sessions(
    admin_client, conference, workshops
):
    WorkshopFactory(title="Workshop anderswo")

    response = admin_client.get(message_url(conference))

    field = response.context["form"].fields["session"]
    assert response.status_code == 200
    assert list(field.queryset) == list(workshops)
    assert field.empty_label == "alle bestätigten Teilnehmenden der Konferenz"


def test_preview_shows_the_recipients_and_the_mail_and_sends_nothing(
    admin_client, conference, participants
):
    booked, other = participants
    data = {"subject": "Anreise", "body": "Der Eingang ist an der Nordseite.", "preview": "1"}

    response = admin_client.post(message_url(conference), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["recipients"] == [other, booked]
    assert response.context["recipient_count"] == 2
    assert "2 bestätigte Personen der Konferenz." in content
    # As the first recipient gets it: in English around the organisers' text.
    assert response.context["preview"]["text"].startswith(
        "Dear Jonas Becker,\n\nDer Eingang ist an der Nordseite.\n\n"
    )
    assert "[persönlicher Link der Person]" in content
    assert booked.token not in content
    assert other.token not in content
    assert 'value="An 2 Personen senden"' in content
    assert SentEmail.objects.filter(kind=SentEmail.Kind.MESSAGE).count() == 0


def test_send_mails_every_confirmed_participant_through_the_queue_and_logs_it(
    admin_client, conference, participants, immediate_tasks, django_capture_on_commit_callbacks
):
    booked, other = participants
    data = {"subject": "Anreise", "body": "Der Eingang ist an der Nordseite.", "preview": "1"}
    nonce = nonce_of(admin_client.post(message_url(conference), data))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            message_url(conference),
            {"subject": "Anreise", "body": data["body"], "nonce": nonce, "send": "1"},
            follow=True,
        )

    sent = SentEmail.objects.filter(kind=SentEmail.Kind.MESSAGE).order_by("registration__last_name")
    by_address = {message.to[0]: message for message in mail.outbox}
    assert [(e.registration, e.status, e.subject) for e in sent] == [
        (other, SentEmail.Status.SENT, "Anreise"),
        (booked, SentEmail.Status.SENT, "Anreise"),
    ]
    assert sorted(by_address) == sorted([booked.email, other.email])
    assert "Der Eingang ist an der Nordseite." in by_address[booked.email].body
    assert booked.token in by_address[booked.email].body
    assert other.token not in by_address[booked.email].body
    assert by_address[booked.email].reply_to == [conference.contact_email]
    assert [str(m) for m in response.context["messages"]] == [
        "Nachricht „Anreise“ an 2 Personen gesendet."
    ]
    assert LogEntry.objects.get().get_change_message() == (
        "Nachricht „Anreise“ an 2 Personen gesendet."
    )


def test_a_message_to_a_session_reaches_only_its_confirmed_participants(
    admin_client, conference, workshops, participants
):
    booked, _other = participants
    data = {"session": workshops[0].pk, "subject": "Raumänderung", "body": "Jetzt in Raum 3."}
    nonce = nonce_of(admin_client.post(message_url(conference), {**data, "preview": "1"}))

    admin_client.post(message_url(conference), {**data, "nonce": nonce, "send": "1"})

    sent = SentEmail.objects.filter(kind=SentEmail.Kind.MESSAGE)
    assert [(e.registration, e.context) for e in sent] == [
        (booked, {"body": "Jetzt in Raum 3.", "session_id": workshops[0].pk})
    ]


def test_a_message_is_sent_once_even_if_the_send_button_is_pressed_twice(
    admin_client, conference, participants
):
    data = {"subject": "Anreise", "body": "Bitte Ausweis mitbringen."}
    nonce = nonce_of(admin_client.post(message_url(conference), {**data, "preview": "1"}))

    admin_client.post(message_url(conference), {**data, "nonce": nonce, "send": "1"})
    again = admin_client.post(
        message_url(conference), {**data, "nonce": nonce, "send": "1"}, follow=True
    )

    assert SentEmail.objects.filter(kind=SentEmail.Kind.MESSAGE).count() == 2
    assert [str(m) for m in again.context["messages"]][-1] == (
        "Diese Nachricht ist bereits gesendet worden."
    )


def test_a_message_cannot_be_sent_without_its_preview(admin_client, conference, participants):
    data = {"subject": "Anreise", "body": "Bitte Ausweis mitbringen.", "send": "1"}

    admin_client.post(message_url(conference), data)

    assert SentEmail.objects.filter(kind=SentEmail.Kind.MESSAGE).count() == 0


def test_a_message_without_subject_or_with_control_characters_shows_field_errors(
    admin_client, conference
):
    data = {"subject": "", "body": "Hallo\x07", "preview": "1"}

    response = admin_client.post(message_url(conference), data)

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["body", "subject"]


def test_a_session_of_another_conference_cannot_be_chosen(admin_client, conference):
    elsewhere = WorkshopFactory()
    data = {"session": elsewhere.pk, "subject": "Anreise", "body": "Text", "preview": "1"}

    response = admin_client.post(message_url(conference), data)

    assert list(response.context["form"].errors) == ["session"]


def test_the_html_part_shows_the_text_of_the_organisers_as_text(
    conference, participants, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            conference=conference, subject="Hinweis", body="<b>Bitte</b> https://example.org"
        )

    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Bitte&lt;/b&gt;" in html
    assert '<a href="https://example.org"' in html


def test_send_message_refuses_an_empty_text(conference):
    with pytest.raises(services.RegistrationError) as refused:
        services.send_message(conference=conference, subject="Hinweis", body="  ")

    assert (refused.value.field, refused.value.code) == ("body", "required")


def test_message_recipients_are_the_confirmed_participants(conference, participants):
    booked, other = participants

    recipients = services.message_recipients(conference=conference)

    assert list(recipients) == [other, booked]
    assert {r.status for r in recipients} == {Registration.Status.CONFIRMED}
