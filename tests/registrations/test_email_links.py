"""The links in e-mails lead to the address the site is served at: SITE_URL when it is set;
unset, the address of the request that queued the e-mail (also when the worker sends it later),
and LOCAL_SITE_URL (what `make run` serves) for e-mails queued without a request."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from registrations import mail as emails
from registrations import services
from registrations.models import SentEmail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_site_url(settings):
    settings.SITE_URL = ""
    settings.LOCAL_SITE_URL = "http://127.0.0.1:8000"


def send_queued():
    """What the worker beside `make run` does later, outside any request: send the queued
    e-mails (the tasks themselves run after a commit, which these tests never reach)."""
    for email_id in SentEmail.objects.filter(status=SentEmail.Status.QUEUED).values_list(
        "pk", flat=True
    ):
        emails.deliver(email_id)


def registered(conference):
    """A registration waiting for its address to be confirmed (its first e-mail not recorded)."""
    with emails.muted():
        return services.register_participant(
            conference=conference,
            participant={
                "first_name": "Eva",
                "last_name": "Kühne-Hörmann",
                "email": "eva@example.org",
            },
            session_ids=[],
            consents=["privacy"],
            language="de",
        )


def confirm_path(registration):
    return reverse(
        "registrations:confirm",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )


def links(message):
    """Every absolute link in the text and the HTML part of an e-mail."""
    html = message.alternatives[0][0]
    return sorted(set(re.findall(r"https?://[^\s\"<>]+", message.body + html)))


def test_links_follow_the_address_the_request_came_to_also_when_sent_later(client, conference):
    registration = registered(conference)

    response = client.post(confirm_path(registration), HTTP_HOST="127.0.0.1:8201")
    email = SentEmail.objects.get(registration=registration, kind=SentEmail.Kind.CONFIRMED)
    send_queued()

    [message] = mail.outbox
    assert response.status_code == 200
    assert email.context["site_url"] == "http://127.0.0.1:8201"
    assert links(message)
    assert all(link.startswith("http://127.0.0.1:8201/") for link in links(message))
    manage = reverse(
        "registrations:manage",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )
    assert f"http://127.0.0.1:8201{manage}" in message.body


def test_links_follow_another_host_and_port_of_the_same_site(client, conference, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    registration = registered(conference)

    client.post(confirm_path(registration), HTTP_HOST="localhost:8601")
    send_queued()

    [message] = mail.outbox
    assert all(link.startswith("http://localhost:8601/") for link in links(message))


def test_site_url_when_set_wins_over_the_request(client, conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    registration = registered(conference)

    client.post(confirm_path(registration), HTTP_HOST="127.0.0.1:8201")
    email = SentEmail.objects.get(registration=registration, kind=SentEmail.Kind.CONFIRMED)
    send_queued()

    [message] = mail.outbox
    assert "site_url" not in email.context
    assert all(link.startswith("https://tagung.example.org/") for link in links(message))


@pytest.mark.usefixtures("immediate_tasks")
def test_email_queued_without_a_request_links_to_the_local_site_url(conference, register, settings):
    settings.LOCAL_SITE_URL = "http://127.0.0.1:8201"

    registration = register(conference, email="ina@example.org")

    [message] = mail.outbox
    assert "site_url" not in SentEmail.objects.get(registration=registration).context
    assert f"http://127.0.0.1:8201{confirm_path(registration)}" in message.body
    assert all(link.startswith("http://127.0.0.1:8201/") for link in links(message))
