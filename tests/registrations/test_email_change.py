"""A new e-mail address takes effect only once the link sent to it is followed (issue 13.3), and
a private link cannot be used to send mail in bulk or to carry typed text to others (16.3)."""

import re
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from registrations import services
from registrations.mail.render import build_message
from registrations.models import Registration, SentEmail
from registrations.services import RegistrationError
from registrations.tokens import make_email_change_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

Kind = SentEmail.Kind


@pytest.fixture(autouse=True)
def _flow_settings(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    with translation.override(settings.LANGUAGE_CODE):
        yield
    cache.clear()


@pytest.fixture
def registration(conference, register):
    registration = register(
        conference, email="alt@example.org", first_name="Ina", last_name="Jerenashvili"
    )
    mail.outbox.clear()
    return registration


def request_change(run, registration, email, **participant):
    return run(
        services.update_participant,
        registration=registration,
        participant={"email": email, **participant},
    )


def change_link(message):
    return re.search(r"https?://\S+/adresse-bestaetigen/", message.body).group(0)


def token_of(message):
    return re.search(r"/anmeldung/[0-9a-f-]+/([^/\s]+)/adresse-bestaetigen/", message.body).group(1)


def manage_url(registration, name="manage"):
    return reverse(
        f"registrations:{name}",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )


def page_text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- Services ----------------------------------------------------------------------------------


def test_a_new_address_waits_and_only_it_gets_the_link(registration, run):
    request_change(run, registration, "neu@example.org")

    registration.refresh_from_db()
    assert (registration.email, registration.pending_email) == (
        "alt@example.org",
        "neu@example.org",
    )
    [message] = mail.outbox
    assert message.to == ["neu@example.org"]
    assert message.subject == (
        "Bitte bestätigen Sie Ihre neue E-Mail-Adresse: Regionalkonferenz Nordhessen"
    )
    assert f"/anmeldung/{registration.public_id}/" in change_link(message)
    assert registration.token not in message.body


def test_following_the_link_changes_the_address_and_only_then_tells_the_old_one(registration, run):
    request_change(run, registration, "neu@example.org")
    token = token_of(mail.outbox[0])
    mail.outbox.clear()

    changed = run(services.confirm_email_change, registration=registration, token=token)

    changed.refresh_from_db()
    assert (changed.email, changed.pending_email) == ("neu@example.org", "")
    [notice] = mail.outbox
    assert notice.to == ["alt@example.org"]
    assert notice.subject == (
        "Die E-Mail-Adresse Ihrer Anmeldung wurde geändert: Regionalkonferenz Nordhessen"
    )
    assert "Guten Tag Ina Jerenashvili," in notice.body
    assert "neu@example.org" not in notice.body
    assert registration.token not in notice.body


def test_the_notice_to_the_old_address_carries_no_typed_text(registration, run):
    spam = "Visit http://evil.example/ now"
    request_change(run, registration, "neu@example.org", organisation=spam, position=spam)
    token = token_of(next(m for m in mail.outbox if m.to == ["neu@example.org"]))
    mail.outbox.clear()

    run(services.confirm_email_change, registration=registration, token=token)

    [notice] = mail.outbox
    assert "evil" not in notice.body
    assert "evil" not in notice.alternatives[0][0]


def test_a_second_request_makes_the_first_link_useless(registration, run):
    request_change(run, registration, "erst@example.org")
    first = token_of(mail.outbox[0])
    request_change(run, registration, "zweit@example.org")

    with pytest.raises(RegistrationError) as error:
        services.confirm_email_change(registration=registration, token=first)

    registration.refresh_from_db()
    assert error.value.code == "invalid_email_change"
    assert (registration.email, registration.pending_email) == (
        "alt@example.org",
        "zweit@example.org",
    )


def test_the_waiting_address_again_in_another_spelling_sends_no_second_link(registration, run):
    request_change(run, registration, "neu@example.org")
    mail.outbox.clear()

    request_change(run, registration, "NEU@Example.org")

    registration.refresh_from_db()
    assert registration.pending_email == "neu@example.org"
    assert mail.outbox == []


def test_typing_the_current_address_again_withdraws_the_request(registration, run):
    request_change(run, registration, "neu@example.org")
    token = token_of(mail.outbox[0])
    mail.outbox.clear()

    request_change(run, registration, "alt@example.org")

    registration.refresh_from_db()
    assert (registration.email, registration.pending_email) == ("alt@example.org", "")
    assert mail.outbox == []
    with pytest.raises(RegistrationError):
        services.confirm_email_change(registration=registration, token=token)


def test_an_expired_or_forged_link_changes_nothing(registration, run, monkeypatch, settings):
    request_change(run, registration, "neu@example.org")
    now = time.time()
    monkeypatch.setattr(
        time, "time", lambda: now - settings.REGISTRATION_CONFIRMATION_HOURS * 3600 - 60
    )
    expired = make_email_change_token(public_id=registration.public_id, email="neu@example.org")
    monkeypatch.undo()
    forged = token_of(mail.outbox[0])[:-2] + "xx"
    other = make_email_change_token(public_id=Registration().public_id, email="neu@example.org")

    for token in (expired, forged, other):
        with pytest.raises(RegistrationError) as error:
            services.confirm_email_change(registration=registration, token=token)
        assert error.value.code == "invalid_email_change"

    registration.refresh_from_db()
    assert registration.email == "alt@example.org"


def test_an_address_taken_meanwhile_is_refused_at_confirmation(
    conference, registration, register, run
):
    request_change(run, registration, "neu@example.org")
    token = token_of(mail.outbox[0])
    register(conference, email="neu@example.org")

    with pytest.raises(RegistrationError) as error:
        services.confirm_email_change(registration=registration, token=token)

    registration.refresh_from_db()
    assert (error.value.code, registration.email) == ("duplicate", "alt@example.org")


def test_a_cancelled_registration_cannot_confirm_a_new_address(registration, run):
    request_change(run, registration, "neu@example.org")
    token = token_of(mail.outbox[0])
    services.cancel_registration(registration=registration)

    with pytest.raises(RegistrationError):
        services.confirm_email_change(registration=registration, token=token)

    registration.refresh_from_db()
    assert registration.email == "alt@example.org"


# --- Pages -------------------------------------------------------------------------------------


def test_opening_the_link_asks_and_only_the_button_confirms(client, registration, run):
    request_change(run, registration, "neu@example.org")
    link = change_link(mail.outbox[0])
    path = link[link.index("/anmeldung/") :]

    page = client.get(path)
    registration.refresh_from_db()
    assert registration.email == "alt@example.org"
    assert "Mit diesem Schritt bestätigen Sie, dass die Adresse neu@example.org Ihnen gehört." in (
        page_text(page)
    )
    assert "no-store" in page["Cache-Control"]

    done = client.post(path)

    registration.refresh_from_db()
    assert registration.email == "neu@example.org"
    assert "Nachrichten zu Ihrer Anmeldung gehen ab jetzt an neu@example.org." in page_text(done)
    notices = SentEmail.objects.filter(kind=Kind.ADDRESS_CHANGED)
    assert [e.to for e in notices] == ["alt@example.org"]


def test_a_used_link_says_so_and_a_garbled_one_is_404(client, registration, run):
    request_change(run, registration, "neu@example.org")
    link = change_link(mail.outbox[0])
    path = link[link.index("/anmeldung/") :]
    client.post(path)

    again = client.post(path)
    garbled = client.get(path.replace("/adresse-bestaetigen/", "x/adresse-bestaetigen/"))

    assert again.status_code == 409
    assert "ist ungültig oder abgelaufen" in page_text(again)
    assert garbled.status_code == 404


def test_manage_page_shows_the_address_waiting_and_the_form_keeps_it(client, registration, run):
    request_change(run, registration, "neu@example.org")

    page = client.get(manage_url(registration))
    form = client.get(manage_url(registration, "manage_data"))

    assert "Neue Adresse neu@example.org: Bitte bestätigen Sie sie" in page_text(page)
    assert 'value="neu@example.org"' in form.content.decode()


def _data_form(registration, **overrides):
    data = {
        "salutation": "",
        "academic_title": "",
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": "",
        "position": "",
        "organisation_type": "",
        "region": "",
        "diet": "",
        "dietary_notes": "",
        "accessibility_needs": "",
    }
    data.update(overrides)
    return data


def test_forty_rapid_address_changes_do_not_queue_eighty_mails(client, registration, settings):
    settings.REGISTRATION_RATE_LIMIT_SELF_SERVICE = "10/h"
    settings.REGISTRATION_RATE_LIMIT_EMAIL_CHANGE = "3/h"
    spam = "Visit http://evil.example/ now"
    SentEmail.objects.all().delete()

    statuses = [
        client.post(
            manage_url(registration, "manage_data"),
            _data_form(registration, email=f"opfer{i}@example.net", organisation=f"{spam} {i}"),
        ).status_code
        for i in range(40)
    ]

    sent = SentEmail.objects.all()
    third = [e for e in sent if e.to != "alt@example.org"]
    assert statuses.count(302) == 3
    assert statuses.count(429) == 37
    assert len(third) == 3
    assert {e.kind for e in third} == {Kind.CONFIRM_NEW_ADDRESS}
    assert sent.count() <= 6
    for email in third:
        message = build_message(email)
        assert "evil" not in message.body
        assert "evil" not in message.alternatives[0][0]
    registration.refresh_from_db()
    assert registration.email == "alt@example.org"


def test_changes_through_the_private_link_are_limited_per_registration(
    client, registration, settings
):
    settings.REGISTRATION_RATE_LIMIT_SELF_SERVICE = "3/h"

    statuses = [
        client.post(
            manage_url(registration, "manage_data"),
            _data_form(registration, organisation=f"Stadt {i}"),
        ).status_code
        for i in range(5)
    ]
    cancel = client.post(manage_url(registration, "cancel"))

    assert statuses == [302, 302, 302, 429, 429]
    assert cancel.status_code == 429
    assert "Retry-After" in cancel
    registration.refresh_from_db()
    assert registration.status != Registration.Status.CANCELLED
    assert SentEmail.objects.filter(kind=Kind.CHANGED).count() == 3
