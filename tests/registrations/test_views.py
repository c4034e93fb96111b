"""The participant's pages: register, confirm, manage, cancel, lost link, abuse limits."""

import logging
import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from conferences.models import Conference
from registrations import services
from registrations.forms import RegistrationForm
from registrations.logging import RedactTokensFilter
from registrations.models import Registration, SentEmail, SessionBooking
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _flow_settings(settings):
    settings.TASKS = IMMEDIATE_TASKS
    settings.REGISTRATION_MIN_FILL_SECONDS = 3
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    # A request to an /en/ page activates English for the thread: don't let it leak.
    with translation.override(settings.LANGUAGE_CODE):
        yield
    cache.clear()


@pytest.fixture
def conference():
    return ConferenceFactory(title="Regionalkonferenz Kassel", slug="kassel", capacity=50)


def _register_url(conference):
    return reverse("registrations:register", kwargs={"slug": conference.slug})


def _token(conference, *, seconds_ago=60):
    return RegistrationForm(conference=conference).make_token(started=time.time() - seconds_ago)


def _data(conference, **overrides):
    data = {
        "salutation": "diverse",
        "academic_title": "Dr.",
        "first_name": "Nima",
        "last_name": "Zaeri-Esfahani",
        "email": "nima@example.org",
        "organisation": "Landkreis Kassel",
        "position": "Integrationsbeauftragte Person",
        "organisation_type": "district",
        "region": "Nordhessen",
        "diet": "vegetarian",
        "dietary_notes": "keine Nüsse",
        "accessibility_needs": "Induktionsschleife\r\nRampe",
        "consent_privacy": "on",
        "consent_photos": "on",
        "form_token": _token(conference),
    }
    data.update(overrides)
    return data


def _slot(conference, session):
    form = RegistrationForm(conference=conference)
    return form.field_for_session(session.pk)


def _register(client, conference, **overrides):
    return client.post(_register_url(conference), _data(conference, **overrides))


def _page_text(response):
    """The visible text of a page, whitespace collapsed (for assertions on sentences)."""
    html = response.content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


def _field_errors(response, field):
    """The error texts rendered beside one field (the block aria-describedby points at)."""
    html = response.content.decode()
    block = re.search(
        rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>', html, re.S
    )
    if not block:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", e)).strip()
        for e in re.findall(r"<strong>(.*?)</strong>", block.group(1), re.S)
    ]


def _summary_errors(response):
    """The entries of the error summary at the top of the form, in order."""
    html = response.content.decode()
    summary = re.search(r'<div [^>]*id="error-summary">(.*?)</div>', html, re.S)
    if not summary:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", entry)).strip()
        for entry in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    ]


def _manage_url(registration, name="manage"):
    return reverse(
        f"registrations:{name}",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )


def _registered(conference, email="ina@example.org", session_ids=(), **participant):
    data = {"first_name": "Ina", "last_name": "Jerenashvili", "email": email, **participant}
    return services.register_participant(
        conference=conference,
        participant=data,
        session_ids=session_ids,
        consents=["privacy"],
        language="de",
        known_full_session_ids=session_ids,
        conference_known_full=True,
    )


# --- The registration page ---------------------------------------------------------------------


def test_register_page_shows_the_form_with_seats_left(client, conference):
    WorkshopFactory(conference=conference, title="Forum Sprache", capacity=20, seats_taken=20)
    WorkshopFactory(conference=conference, title="Forum Arbeit", capacity=20, seats_taken=5)

    response = client.get(_register_url(conference))

    text = _page_text(response)
    assert response.status_code == 200
    assert "Es sind noch 50 Plätze frei." in text
    assert "Forum Sprache · Raum 1 – ausgebucht – Warteliste" in text
    assert "Forum Arbeit · Raum 1 – noch 15 Plätze frei" in text
    assert 'name="form_token"' in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_register_page_not_yet_open_says_from_when(client):
    opens = timezone.now() + timedelta(days=3)
    conference = ConferenceFactory(registration_opens_at=opens)

    response = client.get(_register_url(conference))

    assert response.status_code == 200
    assert "Die Anmeldung ist noch nicht geöffnet. Sie können sich ab" in _page_text(response)
    assert 'name="form_token"' not in response.content.decode()


def test_register_page_closed_says_so_and_refuses_a_post(client):
    conference = ConferenceFactory(
        registration_opens_at=timezone.now() - timedelta(days=10),
        registration_closes_at=timezone.now() - timedelta(days=1),
    )

    response = _register(client, conference)

    assert response.status_code == 200
    assert "Die Anmeldung ist geschlossen." in _page_text(response)
    assert Registration.objects.count() == 0


def test_register_page_full_conference_offers_the_waiting_list(client):
    conference = ConferenceFactory(capacity=1, seats_taken=1)

    response = client.get(_register_url(conference))

    text = _page_text(response)
    assert "Alle Plätze sind vergeben" in text
    assert "Sie können sich auf die Warteliste setzen lassen." in text


def test_register_page_of_a_draft_is_not_found(client):
    conference = ConferenceFactory(status=Conference.Status.DRAFT)

    response = client.get(_register_url(conference))

    assert response.status_code == 404


def test_register_stores_everything_and_says_an_email_was_sent(
    client, conference, django_capture_on_commit_callbacks
):
    forum = WorkshopFactory(conference=conference, title="Forum Sprache")

    with django_capture_on_commit_callbacks(execute=True):
        response = _register(client, conference, **{_slot(conference, forum): str(forum.pk)})

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/konferenz/{conference.slug}/anmeldung/eingegangen/")
    assert (
        registration.salutation,
        registration.academic_title,
        registration.first_name,
        registration.last_name,
        registration.email,
        registration.organisation_type,
        registration.diet,
        registration.accessibility_needs,
        registration.status,
        registration.language,
    ) == (
        "diverse",
        "Dr.",
        "Nima",
        "Zaeri-Esfahani",
        "nima@example.org",
        "district",
        "vegetarian",
        "Induktionsschleife\r\nRampe",
        Registration.Status.PENDING,
        "de",
    )
    assert sorted(registration.consents.values_list("purpose", flat=True)) == ["photos", "privacy"]
    assert list(registration.bookings.values_list("session_id", "status")) == [
        (forum.pk, SessionBooking.Status.BOOKED)
    ]
    assert list(SentEmail.objects.values_list("kind", "to")) == [
        (SentEmail.Kind.CONFIRM_ADDRESS, "nima@example.org")
    ]

    page = client.get(response["Location"])

    text = _page_text(page)
    assert "Wir haben eine E-Mail an nima@example.org gesendet." in text
    assert "Ihr Platz bei der Konferenz ist für Sie reserviert." in text
    assert "Forum Sprache" in text
    assert "Ihre E-Mail-Adresse ist noch nicht bestätigt." in text


def test_register_on_a_full_conference_puts_on_the_waiting_list(client):
    conference = ConferenceFactory(capacity=1, seats_taken=1)

    response = client.post(_register_url(conference), _data(conference))
    page = client.get(response["Location"])

    assert Registration.objects.get().status == Registration.Status.WAITLISTED
    assert "Sie stehen auf der Warteliste." in _page_text(page)
    assert "Ihr Platz auf der Warteliste: 1." in _page_text(page)


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("Nima", "Zaeri-Esfahani"), ("Lucia", "Kühne-Hörmann"), ("مريم", "العلي")],
)
def test_register_unicode_names_are_stored_and_shown(client, conference, first_name, last_name):
    response = _register(client, conference, first_name=first_name, last_name=last_name)
    registration = Registration.objects.get()
    manage = client.get(_manage_url(registration))

    assert response.status_code == 302
    assert (registration.first_name, registration.last_name) == (first_name, last_name)
    assert f"{first_name} {last_name}" in manage.content.decode()


def test_register_empty_submission_keeps_nothing_and_lists_the_errors(client, conference):
    response = client.post(_register_url(conference), {})

    html = response.content.decode()
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert _field_errors(response, "first_name") == ["Bitte geben Sie Ihren Vornamen an."]
    assert _field_errors(response, "email") == ["Bitte geben Sie Ihre E-Mail-Adresse an."]
    assert '<a href="#id_first_name">Vorname: Bitte geben Sie Ihren Vornamen an.</a>' in html
    assert 'aria-describedby="id_first_name_error"' in html
    assert "<title>Fehler: Anmeldung: Regionalkonferenz Kassel" in html


def test_register_invalid_email_error_beside_the_field_and_input_kept(client, conference):
    response = _register(client, conference, email="nima@@example")

    html = response.content.decode()
    assert Registration.objects.count() == 0
    assert _field_errors(response, "email") == [
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    ]
    assert 'value="nima@@example"' in html
    assert 'value="Zaeri-Esfahani"' in html
    assert "Induktionsschleife\r\nRampe</textarea>" in html


def test_register_over_long_text_is_a_field_error_not_a_database_error(client, conference):
    response = _register(client, conference, last_name="x" * 101, dietary_notes="y" * 301)

    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert _field_errors(response, "last_name") == [
        "Bitte sicherstellen, dass der Wert aus höchstens 100 Zeichen besteht. "
        "(Er besteht aus 101 Zeichen.)"
    ]
    assert len(_field_errors(response, "dietary_notes")) == 1


def test_register_control_characters_are_a_field_error(client, conference):
    response = _register(client, conference, first_name="Ni\x00ma", organisation="Kreis\x1b")

    assert Registration.objects.count() == 0
    assert _field_errors(response, "first_name") == [
        "Bitte entfernen Sie die Steuerzeichen aus diesem Feld."
    ]
    assert _field_errors(response, "organisation") == [
        "Bitte entfernen Sie die Steuerzeichen aus diesem Feld."
    ]


def test_register_duplicate_address_offers_to_resend_the_link(client, conference):
    _registered(conference, email="Nima@Example.org")

    response = _register(client, conference, email="nima@example.org")

    html = response.content.decode()
    assert Registration.objects.count() == 1
    assert _field_errors(response, "email") == [
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung zu dieser Konferenz. Wir können "
        "Ihnen den persönlichen Link zu Ihrer Anmeldung erneut zusenden. Link zu Ihrer Anmeldung "
        "erneut zusenden lassen"
    ]
    lost_link = reverse("registrations:lost_link", kwargs={"slug": conference.slug})
    assert f'<a href="{lost_link}">Link zu Ihrer Anmeldung erneut zusenden lassen</a>' in html


def test_register_double_submission_lands_on_the_same_page_once(client, conference):
    data = _data(conference)

    first = client.post(_register_url(conference), data)
    second = client.post(_register_url(conference), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == first["Location"]
    assert Registration.objects.count() == 1


def test_register_double_submission_elsewhere_gets_the_duplicate_message(client, conference):
    data = _data(conference)
    client.post(_register_url(conference), data)
    cache.clear()  # the second POST reached another process with its own cache

    second = client.post(_register_url(conference), data)

    assert second.status_code == 200
    assert Registration.objects.count() == 1
    assert _field_errors(second, "email")[0].startswith(
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung"
    )


def test_register_too_fast_is_a_friendly_error_and_keeps_the_input(client, conference):
    response = _register(client, conference, form_token=_token(conference, seconds_ago=0))

    html = response.content.decode()
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert "Das Formular wurde schneller abgeschickt, als es sich ausfüllen lässt." in html
    assert 'value="Zaeri-Esfahani"' in html


def test_register_too_fast_then_again_a_moment_later_succeeds(
    client, conference, settings, monkeypatch
):
    # Far longer than a slow first request takes, so that the first send is always too fast.
    settings.REGISTRATION_MIN_FILL_SECONDS = 60
    first = _register(client, conference, form_token=_token(conference, seconds_ago=0))
    renewed = re.search(r'name="form_token" value="([^"]+)"', first.content.decode()).group(1)
    # A minute later, without waiting for it: the clock the form reads (time.time) moves on.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 61)

    second = _register(client, conference, form_token=renewed)

    assert (first.status_code, second.status_code) == (200, 302)
    assert Registration.objects.count() == 1


def test_register_honeypot_filled_stores_nothing_and_says_why(client, conference):
    response = _register(client, conference, website="https://spam.example")

    html = response.content.decode()
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert "weil ein Feld ausgefüllt war, das leer bleiben muss" in html
    assert 'name="website" tabindex="-1" autocomplete="off"' in html
    assert '<div class="visually-hidden" aria-hidden="true">' in html


def test_register_session_filled_while_the_form_was_open(client, conference):
    forum = WorkshopFactory(conference=conference, title="Forum Sprache", capacity=1)
    slot = _slot(conference, forum)
    token = _token(conference)  # shown while the forum had a seat
    _registered(conference, email="first@example.org", session_ids=[forum.pk])

    response = _register(client, conference, form_token=token, **{slot: str(forum.pk)})

    html = response.content.decode()
    assert Registration.objects.count() == 1
    assert _field_errors(response, slot) == [
        "Während Sie das Formular ausgefüllt haben, sind in diesem Programmpunkt alle Plätze "
        "vergeben worden. Sie können einen anderen wählen oder sich auf die Warteliste setzen."
    ]
    assert "Forum Sprache · Raum 1 – ausgebucht – Warteliste" in _page_text(response)
    chosen = re.search(rf'<input [^>]*id="id_{slot}_1"[^>]*>', html).group(0)
    assert (f'value="{forum.pk}"' in chosen, 'aria-invalid="true"' in chosen) == (True, True)
    assert chosen.endswith(" checked>")
    assert 'value="Zaeri-Esfahani"' in html

    renewed = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    again = _register(client, conference, form_token=renewed, **{slot: str(forum.pk)})

    registration = Registration.objects.get(email="nima@example.org")
    assert again.status_code == 302
    assert list(registration.bookings.values_list("status", flat=True)) == ["waitlisted"]


def test_register_conference_filled_while_the_form_was_open(client):
    conference = ConferenceFactory(capacity=1)
    token = _token(conference)
    Conference.objects.filter(pk=conference.pk).update(seats_taken=1)

    response = _register(client, conference, form_token=token)

    html = response.content.decode()
    assert response.status_code == 200
    assert Registration.objects.count() == 0
    # An error about no field: once, at the top of the form, in the error summary.
    assert _summary_errors(response) == [
        "Während Sie das Formular ausgefüllt haben, sind alle Plätze der Konferenz vergeben "
        "worden. Wenn Sie das Formular erneut absenden, kommen Sie auf die Warteliste."
    ]
    assert html.count("sind alle Plätze der Konferenz vergeben worden") == 1
    assert html.index('id="error-summary"') < html.index('name="first_name"')
    assert 'value="Zaeri-Esfahani"' in html
    assert "Alle Plätze sind vergeben" in _page_text(response)

    renewed = re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)
    _register(client, conference, form_token=renewed)

    assert Registration.objects.get().status == Registration.Status.WAITLISTED


# --- Abuse limits ------------------------------------------------------------------------------


def test_register_rate_limit_per_address_answers_429(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_IP = "2/h"
    for n in range(2):
        _register(client, conference, email=f"p{n}@example.org")

    response = _register(client, conference, email="p3@example.org")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = _page_text(response)
    assert "Zu viele Anfragen" in text
    assert "Bitte versuchen Sie es in" in text
    assert "tagung@example.org" in text
    assert Registration.objects.count() == 2


def test_register_rate_limit_per_email_address(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_EMAIL = "2/h"
    for _ in range(2):
        _register(client, conference, email="same@example.org", form_token=_token(conference))

    response = _register(client, conference, email="SAME@example.org", REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429


def test_register_rate_limit_can_be_lifted(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_IP = "1/h"
    settings.RATELIMIT_ENABLE = False

    responses = [_register(client, conference, email=f"p{n}@example.org") for n in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 302]


def test_rate_limit_page_is_translated(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_IP = "0/h"

    response = client.post(
        "/en" + _register_url(conference), _data(conference), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 429
    assert response["Content-Language"] == "en"


def _lost_link_from(client, conference, **extra):
    url = reverse("registrations:lost_link", kwargs={"slug": conference.slug})
    return client.post(url, {"email": "someone@example.org"}, **extra).status_code


def test_rate_limit_counts_an_ipv6_network_as_one_client(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP = "2/h"
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL = "100/h"

    statuses = [
        _lost_link_from(client, conference, REMOTE_ADDR="2001:db8:1:2::10"),
        _lost_link_from(client, conference, REMOTE_ADDR="2001:db8:1:2:ffff::1"),
        _lost_link_from(client, conference, REMOTE_ADDR="2001:db8:1:2::99"),
        _lost_link_from(client, conference, REMOTE_ADDR="2001:db8:1:3::10"),
    ]

    assert statuses == [302, 302, 429, 302]


def test_rate_limit_counts_an_ipv4_mapped_address_as_the_ipv4_address(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP = "1/h"
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL = "100/h"

    statuses = [
        _lost_link_from(client, conference, REMOTE_ADDR="192.0.2.7"),
        _lost_link_from(client, conference, REMOTE_ADDR="::ffff:192.0.2.7"),
        _lost_link_from(client, conference, REMOTE_ADDR="192.0.2.8"),
    ]

    assert statuses == [302, 429, 302]


def test_rate_limit_reads_the_proxy_header_when_told(client, conference, settings):
    settings.REGISTRATION_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP = "1/h"
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL = "100/h"

    statuses = [
        _lost_link_from(client, conference, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.4"),
        # Another client behind the same proxy: the proxy's entry (the last) differs.
        _lost_link_from(client, conference, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.5"),
        # The address the client claims (the first entry) is not believed.
        _lost_link_from(client, conference, HTTP_X_FORWARDED_FOR="198.51.100.7, 198.51.100.4"),
    ]

    assert statuses == [302, 302, 429]


def test_rate_limit_without_a_readable_address_counts_all_such_clients_together(
    client, conference, settings
):
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP = "1/h"
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL = "100/h"

    statuses = [
        _lost_link_from(client, conference, REMOTE_ADDR=""),
        _lost_link_from(client, conference, REMOTE_ADDR="unix-socket"),
    ]

    assert statuses == [302, 429]


# --- Confirm and manage ------------------------------------------------------------------------


def test_confirm_link_only_asks_and_changes_nothing(client, conference):
    registration = _registered(conference)

    response = client.get(_manage_url(registration, "confirm"))

    registration.refresh_from_db()
    assert response.status_code == 200
    assert registration.email_confirmed_at is None
    assert registration.status == Registration.Status.PENDING
    assert SentEmail.objects.filter(registration=registration).count() == 1  # the first one
    html = response.content.decode()
    assert re.search(
        r'<form method="post">\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert "Mit diesem Schritt bestätigen Sie, dass die Adresse ina@example.org Ihnen gehört" in (
        _page_text(response)
    )
    assert "no-store" in response["Cache-Control"]


def test_confirm_button_confirms_and_links_the_manage_page(client, conference):
    registration = _registered(conference)

    response = client.post(_manage_url(registration, "confirm"))

    registration.refresh_from_db()
    assert response.status_code == 200
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.email_confirmed_at is not None
    assert "Vielen Dank: Ihre E-Mail-Adresse ist bestätigt" in _page_text(response)
    assert f'href="{_manage_url(registration)}"' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


def test_confirm_link_after_confirming_says_it_is_confirmed(client, conference):
    registration = services.confirm_email(registration=_registered(conference))

    response = client.get(_manage_url(registration, "confirm"))

    assert response.status_code == 200
    assert "Vielen Dank: Ihre E-Mail-Adresse ist bestätigt" in _page_text(response)
    assert 'method="post"' not in response.content.decode()


def test_confirm_link_of_an_overdue_registration_says_it_expired_without_a_button(
    client, conference, settings
):
    registration = _registered(conference)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS + 1)
    )

    response = client.get(_manage_url(registration, "confirm"))

    assert response.status_code == 409
    assert "Diese Anmeldung ist nicht mehr gültig" in _page_text(response)
    assert 'method="post"' not in response.content.decode()


def test_confirm_button_of_an_overdue_registration_says_it_expired(client, conference, settings):
    registration = _registered(conference)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS + 1)
    )

    response = client.post(_manage_url(registration, "confirm"))

    registration.refresh_from_db()
    assert response.status_code == 409
    assert registration.status == Registration.Status.CANCELLED
    assert "Diese Anmeldung ist nicht mehr gültig" in _page_text(response)


@pytest.mark.parametrize("method", ["get", "post"])
def test_confirm_link_of_a_cancelled_registration_says_it_expired(client, conference, method):
    registration = _registered(conference)
    services.cancel_registration(registration=registration)

    response = getattr(client, method)(_manage_url(registration, "confirm"))

    assert response.status_code == 409
    assert "Diese Anmeldung ist nicht mehr gültig" in _page_text(response)


def test_manage_page_shows_the_registration(client, conference):
    forum = WorkshopFactory(conference=conference, title="Forum Arbeit")
    registration = _registered(
        conference, session_ids=[forum.pk], organisation="Stadt Wiesbaden", region="Rhein-Main"
    )

    response = client.get(_manage_url(registration))

    text = _page_text(response)
    assert response.status_code == 200
    assert "Ina Jerenashvili" in text
    assert "Stadt Wiesbaden" in text
    assert "Forum Arbeit" in text
    assert "Datenschutzhinweise zur Kenntnis genommen" in text
    assert {"no-store", "private"} <= set(response["Cache-Control"].split(", "))
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_manage_with_a_wrong_token_is_404_and_the_token_is_not_logged(client, conference, caplog):
    registration = _registered(conference)
    wrong = "wrong-" + registration.token[6:]
    url = reverse(
        "registrations:manage", kwargs={"public_id": registration.public_id, "token": wrong}
    )

    with caplog.at_level(logging.INFO):
        response = client.get(url)

    assert response.status_code == 404
    assert str(registration.public_id) in caplog.text
    assert wrong not in caplog.text
    assert "[redacted]" in caplog.text


def test_manage_wrong_tokens_are_rate_limited(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_TOKEN_IP = "2/h"
    registration = _registered(conference)
    url = reverse(
        "registrations:manage", kwargs={"public_id": registration.public_id, "token": "guess"}
    )

    statuses = [client.get(url).status_code for _ in range(3)]
    valid = client.get(_manage_url(registration))

    assert statuses == [404, 404, 429]
    assert valid.status_code == 200


def test_manage_data_saves_corrections(client, conference):
    registration = _registered(conference)
    data = {
        "first_name": "Ina",
        "last_name": "Kühne-Hörmann",
        "email": "ina@example.org",
        "organisation": "Regierungspräsidium Kassel",
        "accessibility_needs": "Gebärdensprache\nbitte",
    }

    response = client.post(_manage_url(registration, "manage_data"), data)

    registration.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _manage_url(registration)
    assert (
        registration.last_name,
        registration.organisation,
        registration.accessibility_needs,
    ) == ("Kühne-Hörmann", "Regierungspräsidium Kassel", "Gebärdensprache\nbitte")
    page = client.get(response["Location"])
    assert "Ihre Angaben sind gespeichert." in _page_text(page)


def test_manage_data_errors_beside_the_field(client, conference):
    registration = _registered(conference)

    response = client.post(
        _manage_url(registration, "manage_data"),
        {"first_name": "", "last_name": "X\x07", "email": "ina@example.org"},
    )

    registration.refresh_from_db()
    assert response.status_code == 200
    assert _field_errors(response, "first_name") == ["Bitte geben Sie Ihren Vornamen an."]
    assert _field_errors(response, "last_name") == [
        "Bitte entfernen Sie die Steuerzeichen aus diesem Feld."
    ]
    assert registration.last_name == "Jerenashvili"


def test_manage_data_new_address_taken_is_a_field_error(client, conference):
    registration = _registered(conference)
    _registered(conference, email="taken@example.org")

    response = client.post(
        _manage_url(registration, "manage_data"),
        {"first_name": "Ina", "last_name": "Jerenashvili", "email": "taken@example.org"},
    )

    assert response.status_code == 200
    assert _field_errors(response, "email")[0].startswith(
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung"
    )


def test_manage_sessions_changes_a_forum(client, conference):
    start = conference.starts_at + timedelta(hours=2)
    old = WorkshopFactory(conference=conference, starts_at=start, title="Forum Alt")
    new = WorkshopFactory(conference=conference, starts_at=start, title="Forum Neu")
    registration = _registered(conference, session_ids=[old.pk])
    slot = _slot(conference, new)
    page = client.get(_manage_url(registration, "manage_sessions"))
    known_full = re.search(r'name="known_full" value="([^"]+)"', page.content.decode()).group(1)

    response = client.post(
        _manage_url(registration, "manage_sessions"), {slot: str(new.pk), "known_full": known_full}
    )

    assert response.status_code == 302
    assert list(registration.bookings.values_list("session_id", flat=True)) == [new.pk]
    assert "Forum Alt · Raum 1 – Ihr Platz" in _page_text(page)


def test_manage_sessions_full_forum_is_reported_beside_the_slot(client, conference):
    start = conference.starts_at + timedelta(hours=2)
    old = WorkshopFactory(conference=conference, starts_at=start)
    full = WorkshopFactory(conference=conference, starts_at=start, capacity=1)
    registration = _registered(conference, session_ids=[old.pk])
    slot = _slot(conference, full)
    page = client.get(_manage_url(registration, "manage_sessions"))
    known_full = re.search(r'name="known_full" value="([^"]+)"', page.content.decode()).group(1)
    _registered(conference, email="other@example.org", session_ids=[full.pk])

    response = client.post(
        _manage_url(registration, "manage_sessions"), {slot: str(full.pk), "known_full": known_full}
    )

    assert response.status_code == 200
    assert _field_errors(response, slot)[0].startswith("Während Sie das Formular ausgefüllt haben")
    assert list(registration.bookings.values_list("session_id", flat=True)) == [old.pk]


def test_manage_sessions_refused_for_no_field_says_so_at_the_top_and_keeps_the_choice(
    client, conference
):
    start = conference.starts_at + timedelta(hours=2)
    old = WorkshopFactory(conference=conference, starts_at=start)
    new = WorkshopFactory(conference=conference, starts_at=start)
    registration = _registered(conference, session_ids=[old.pk])
    slot = _slot(conference, new)
    Conference.objects.filter(pk=conference.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )

    response = client.post(_manage_url(registration, "manage_sessions"), {slot: str(new.pk)})

    html = response.content.decode()
    assert response.status_code == 200
    assert _summary_errors(response) == [
        "Die Konferenz hat bereits begonnen. Bitte wenden Sie sich an das Organisationsteam."
    ]
    assert re.search(rf'value="{new.pk}"[^>]*checked', html)
    assert list(registration.bookings.values_list("session_id", flat=True)) == [old.pk]


def _manage_queries(client, registration):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for name in ("manage", "manage_data", "manage_sessions", "manage_consents", "cancel"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_manage_url(registration, name))
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


def test_manage_pages_queries_do_not_grow_with_the_programme():
    small = ConferenceFactory(capacity=50)
    one = WorkshopFactory(conference=small)
    large = ConferenceFactory(capacity=50)
    forums = [
        WorkshopFactory(conference=large, starts_at=large.starts_at + timedelta(hours=3 * h))
        for h in range(12)
    ]
    few = _registered(small, email="wenig@example.org", session_ids=[one.pk])
    many = _registered(large, email="viel@example.org", session_ids=[f.pk for f in forums[:6]])
    from django.test import Client

    assert _manage_queries(Client(), few) == _manage_queries(Client(), many)


def _consents(registration):
    """Purpose → (active, withdrawn) counts of a registration's consent records."""
    result = {}
    for consent in registration.consents.all():
        active, withdrawn = result.get(consent.purpose, (0, 0))
        result[consent.purpose] = (
            (active + 1, withdrawn) if consent.is_active else (active, withdrawn + 1)
        )
    return result


def test_manage_consents_shows_what_was_given(client, conference):
    registration = _registered(conference)  # privacy only
    registration.consents.create(purpose="photos", text_version="2026-01", given_at=timezone.now())

    response = client.get(_manage_url(registration, "manage_consents"))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'name="consent_photos"[^>]*checked', html)
    assert not re.search(r'name="consent_newsletter"[^>]*checked', html)
    assert 'name="consent_privacy"' not in html


def test_manage_consents_withdraws_and_gives(client, conference, settings):
    registration = _registered(conference)
    registration.consents.create(purpose="photos", text_version="2025-01", given_at=timezone.now())

    response = client.post(
        _manage_url(registration, "manage_consents"), {"consent_newsletter": "on"}
    )

    assert response.status_code == 302
    assert _consents(registration) == {
        "privacy": (1, 0),
        "photos": (0, 1),
        "newsletter": (1, 0),
    }
    newsletter = registration.consents.get(purpose="newsletter")
    assert newsletter.text_version == settings.CONSENT_TEXT_VERSION
    page = _page_text(client.get(_manage_url(registration)))
    assert "Ihre Einwilligungen sind gespeichert." in page
    assert "Foto- und Filmaufnahmen: widerrufen am" in page
    assert "Newsletter: erteilt am" in page


def test_manage_consents_saved_twice_records_once(client, conference):
    registration = _registered(conference)

    for _ in range(2):
        client.post(_manage_url(registration, "manage_consents"), {"consent_photos": "on"})

    assert _consents(registration) == {"privacy": (1, 0), "photos": (1, 0)}


def test_manage_consents_can_be_withdrawn_after_a_cancellation(client, conference):
    registration = _registered(conference)
    registration.consents.create(purpose="photos", text_version="2026-01", given_at=timezone.now())
    services.cancel_registration(registration=registration)

    response = client.post(_manage_url(registration, "manage_consents"), {})

    assert response.status_code == 302
    assert _consents(registration) == {"privacy": (1, 0), "photos": (0, 1)}


def test_manage_consents_with_a_wrong_token_is_404(client, conference):
    registration = _registered(conference)
    registration.token = "falsch"

    response = client.post(_manage_url(registration, "manage_consents"), {"consent_photos": "on"})

    assert response.status_code == 404
    assert _consents(Registration.objects.get(pk=registration.pk)) == {"privacy": (1, 0)}


def test_manage_export_holds_everything_stored_and_no_token(client, conference):
    import json

    forum = WorkshopFactory(conference=conference, title="Forum Arbeit")
    registration = _registered(
        conference,
        session_ids=[forum.pk],
        first_name="مريم",
        last_name="Kühne-Hörmann",
        organisation="Stadt Wiesbaden",
    )
    registration.consents.create(purpose="photos", text_version="2026-01", given_at=timezone.now())

    response = client.get(_manage_url(registration, "manage_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="tagungsbuero-anmeldung-{registration.public_id}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    assert registration.token not in response.content.decode()
    data = json.loads(response.content)
    assert data["registration"]["id"] == str(registration.public_id)
    assert (data["registration"]["first_name"], data["registration"]["last_name"]) == (
        "مريم",
        "Kühne-Hörmann",
    )
    assert data["registration"]["organisation"] == "Stadt Wiesbaden"
    assert data["conference"]["title"] == "Regionalkonferenz Kassel"
    assert [s["title"] for s in data["sessions"]] == ["Forum Arbeit"]
    assert sorted(c["purpose"] for c in data["consents"]) == ["photos", "privacy"]
    assert [e["kind"] for e in data["emails"]] == ["confirm_address"]


def test_manage_export_queries_do_not_grow_with_the_records(client, conference):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    forums = [
        WorkshopFactory(conference=conference, starts_at=conference.starts_at + timedelta(hours=h))
        for h in (1, 3, 5)
    ]
    few = _registered(conference, email="wenig@example.org", session_ids=[forums[0].pk])
    many = _registered(conference, email="viel@example.org", session_ids=[f.pk for f in forums])
    for _ in range(5):
        services.resend_manage_link(conference=conference, email="viel@example.org")
    counts = []
    for registration in (few, many):
        with CaptureQueriesContext(connection) as queries:
            client.get(_manage_url(registration, "manage_export"))
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_manage_export_with_a_wrong_token_is_404(client, conference):
    registration = _registered(conference)
    registration.token = "falsch"

    response = client.get(_manage_url(registration, "manage_export"))

    assert response.status_code == 404


def test_cancel_asks_first_and_changes_nothing_on_get(client, conference):
    registration = _registered(conference)

    response = client.get(_manage_url(registration, "cancel"))

    registration.refresh_from_db()
    assert response.status_code == 200
    assert "Möchten Sie Ihre Anmeldung zur Konferenz „Regionalkonferenz Kassel“ wirklich" in (
        _page_text(response)
    )
    assert registration.status == Registration.Status.PENDING


def test_cancel_post_cancels_and_promotes_the_next_person(
    client, django_capture_on_commit_callbacks
):
    conference = ConferenceFactory(capacity=1)
    registration = _registered(conference, email="first@example.org")
    waiting = _registered(conference, email="next@example.org")
    assert waiting.status == Registration.Status.WAITLISTED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_manage_url(registration, "cancel"))

    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert response.status_code == 302
    assert registration.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.PENDING
    assert SentEmail.objects.filter(to="next@example.org", kind="seat_granted").count() == 1
    page = client.get(response["Location"])
    assert "Diese Anmeldung wurde am" in _page_text(page)
    assert "Anmeldung stornieren" not in _page_text(page)


def test_cancelled_registration_cannot_be_changed(client, conference):
    registration = _registered(conference)
    services.cancel_registration(registration=registration)

    response = client.post(
        _manage_url(registration, "manage_data"),
        {"first_name": "X", "last_name": "Y", "email": "ina@example.org"},
    )

    registration.refresh_from_db()
    assert response.status_code == 302
    assert registration.first_name == "Ina"


# --- Lost link ---------------------------------------------------------------------------------


def test_lost_link_answers_the_same_for_known_and_unknown_addresses(
    client, conference, django_capture_on_commit_callbacks
):
    _registered(conference, email="known@example.org")
    url = reverse("registrations:lost_link", kwargs={"slug": conference.slug})

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "known@example.org"})
        unknown = client.post(url, {"email": "unknown@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert client.get(known["Location"]).content == client.get(unknown["Location"]).content
    assert list(SentEmail.objects.filter(kind="manage_link").values_list("to", flat=True)) == [
        "known@example.org"
    ]


def test_lost_link_sent_page_does_not_tell_whether_registered(client, conference):
    url = reverse("registrations:lost_link_sent", kwargs={"slug": conference.slug})

    response = client.get(url)

    assert "Wenn mit dieser Adresse eine Anmeldung zu dieser Konferenz besteht" in (
        _page_text(response)
    )


def test_lost_link_is_rate_limited(client, conference, settings):
    settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP = "2/h"
    url = reverse("registrations:lost_link", kwargs={"slug": conference.slug})

    statuses = [client.post(url, {"email": f"p{n}@example.org"}).status_code for n in range(3)]

    assert statuses == [302, 302, 429]


def test_lost_link_invalid_address_is_a_field_error(client, conference):
    url = reverse("registrations:lost_link", kwargs={"slug": conference.slug})

    response = client.post(url, {"email": "nobody"})

    assert response.status_code == 200
    assert _field_errors(response, "email") == [
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    ]


# --- Logs --------------------------------------------------------------------------------------


def _private_url_names():
    """Every participant URL that carries a token, read from the URL configuration."""
    from registrations.urls import urlpatterns

    return [p.name for p in urlpatterns if "<str:token>" in str(p.pattern)]


def test_private_urls_are_all_found():
    assert {"confirm", "manage", "manage_consents", "manage_export", "cancel"} <= set(
        _private_url_names()
    )


@pytest.mark.parametrize("name", _private_url_names())
def test_log_filter_redacts_the_token_of_every_private_url(name):
    registration = Registration(public_id="6f1c1e0e-0c5e-4a47-9b59-3c0c1a2b3c4d", token="s3cr3t_-x")
    url = _manage_url(registration, name)
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET {url} HTTP/1.1", 200, 9),
        None,
    )

    RedactTokensFilter().filter(record)

    message = record.getMessage()
    assert "s3cr3t_-x" not in message
    assert "6f1c1e0e-0c5e-4a47-9b59-3c0c1a2b3c4d" in message
    assert "[redacted]" in message


def test_log_filter_leaves_other_urls_alone():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/konferenz/x/",), None
    )

    RedactTokensFilter().filter(record)

    assert record.getMessage() == "Not Found: /konferenz/x/"


# --- What the registration page shows each visitor ----------------------------------------------

_VISITOR_VALUES = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(r'name="form_token" value="[^"]+"'),
]


def test_register_page_gives_each_visitor_their_own_tokens(client, conference):
    from django.test import Client

    first = client.get(_register_url(conference)).content.decode()
    second = Client().get(_register_url(conference)).content.decode()

    for pattern in _VISITOR_VALUES:
        assert pattern.search(first).group(0) != pattern.search(second).group(0)


def test_register_page_form_token_is_valid_and_knows_what_was_full(client, conference):
    from django.core import signing

    from registrations.forms import FORM_TOKEN_SALT

    full = WorkshopFactory(conference=conference, title="Forum Arbeit", capacity=2, seats_taken=2)
    WorkshopFactory(conference=conference, title="Forum Sprache", capacity=5)
    html = client.get(_register_url(conference)).content.decode()

    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    payload = signing.loads(token, salt=FORM_TOKEN_SALT)

    assert payload["c"] == conference.pk
    assert payload["fs"] == [full.pk]
    assert payload["fc"] is False


def test_register_page_shows_the_seats_of_the_moment(client, conference):
    forum = WorkshopFactory(conference=conference, title="Forum Arbeit", capacity=2)
    client.get(_register_url(conference))
    forum.seats_taken = 2
    forum.save()
    Conference.objects.filter(pk=conference.pk).update(seats_taken=49)  # as the services do

    text = _page_text(client.get(_register_url(conference)))

    assert "Forum Arbeit · Raum 1 – ausgebucht – Warteliste" in text
    assert "Es ist noch 1 Platz frei." in text


def test_register_page_shows_an_edited_conference_at_once(client, conference):
    client.get(_register_url(conference))
    conference.title = "Regionalkonferenz Kassel – neuer Titel"
    conference.save()

    assert "Anmeldung: Regionalkonferenz Kassel – neuer Titel" in _page_text(
        client.get(_register_url(conference))
    )


def test_register_page_changes_when_the_conference_fills(client):
    conference = ConferenceFactory(capacity=2)
    client.get(_register_url(conference))
    Conference.objects.filter(pk=conference.pk).update(seats_taken=2)

    text = _page_text(client.get(_register_url(conference)))

    assert "Alle Plätze sind vergeben" in text
    assert "Es sind noch" not in text


def test_register_page_follows_the_language(client, conference):
    client.get(_register_url(conference))

    english = client.get("/en" + _register_url(conference), HTTP_ACCEPT_LANGUAGE="en")

    assert 'lang="en"' in english.content.decode()
    assert "There are 50 seats left." in _page_text(english)


def test_register_page_shows_messages_once(client, conference):
    registration = _registered(conference)
    client.get(_register_url(conference))  # fills the cache
    client.post(_manage_url(registration, "cancel"))  # "Ihre Anmeldung ist storniert."

    text = _page_text(client.get(_register_url(conference)))

    assert "Ihre Anmeldung ist storniert." in text
    assert "Ihre Anmeldung ist storniert." not in _page_text(client.get(_register_url(conference)))


def test_form_sent_back_with_errors_keeps_the_typed_text_escaped(client, conference):
    WorkshopFactory(conference=conference, title="Forum <Sprache> & Arbeit", capacity=3)

    response = _register(client, conference, email="kein-at-zeichen", last_name="Kühne <b>")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<form") == 1
    assert 'value="Kühne &lt;b&gt;"' in html
    assert "Forum &lt;Sprache&gt; &amp; Arbeit · Raum 1 – noch 3 Plätze frei" in html
    assert _field_errors(response, "email") == [
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    ]


def _queries_of_the_registration_flow(client, conference):
    """Queries of: two GETs, a valid POST, a form sent back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for request in (
        lambda: client.get(_register_url(conference)),
        lambda: client.get(_register_url(conference)),
        lambda: _register(client, conference, email=f"ok-{conference.pk}@example.org"),
        lambda: _register(client, conference, email="kein-at-zeichen"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = request()
        assert response.status_code in (200, 302)
        counts.append(len(queries))
    return counts


def test_registration_queries_do_not_grow_with_the_programme(client):
    small = ConferenceFactory(capacity=50)
    WorkshopFactory(conference=small)
    large = ConferenceFactory(capacity=50)
    for _ in range(12):
        WorkshopFactory(conference=large)

    assert _queries_of_the_registration_flow(client, small) == _queries_of_the_registration_flow(
        client, large
    )


def test_dates_follow_the_language_of_the_page(client):
    closes = timezone.make_aware(timezone.datetime(2027, 6, 9, 18, 0))
    conference = ConferenceFactory(
        slug="datum",
        starts_at=closes + timedelta(days=7),
        ends_at=closes + timedelta(days=7, hours=8),
        registration_closes_at=closes,
    )

    german = _page_text(client.get(_register_url(conference)))
    english = _page_text(client.get("/en" + _register_url(conference), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Anmeldeschluss: Mittwoch, 9. Juni 2027, 18:00 Uhr." in german
    assert "Registration deadline: Wednesday 9 June 2027, 18:00." in english
    assert "9. June" not in english


def test_register_again_with_the_address_of_a_cancelled_registration(client, conference):
    cancelled = _registered(conference, email="nima@example.org")
    services.cancel_registration(registration=cancelled)
    manage = client.get(_manage_url(cancelled))
    link = reverse("registrations:register", kwargs={"slug": conference.slug})
    assert f'href="{link}"' in manage.content.decode()

    response = _register(client, conference, email="nima@example.org")

    assert response.status_code == 302
    assert response["Location"].startswith(f"/konferenz/{conference.slug}/anmeldung/eingegangen/")
    assert sorted(
        Registration.objects.filter(email="nima@example.org").values_list("status", flat=True)
    ) == ["cancelled", "pending"]
