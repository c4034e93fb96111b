"""The manage page behind the private link: a swap shown and left, the state after a
cancellation, the data download (issue 13, points 1, 2 and 4)."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from registrations import services
from registrations.models import Registration, SessionBooking
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

BOOKED = SessionBooking.Status.BOOKED
WAITLISTED = SessionBooking.Status.WAITLISTED


@pytest.fixture(autouse=True)
def _flow_settings(settings):
    settings.RATELIMIT_ENABLE = True
    cache.clear()
    with translation.override(settings.LANGUAGE_CODE):
        yield
    cache.clear()


@pytest.fixture
def conference():
    return ConferenceFactory(title="Regionalkonferenz Kassel", slug="kassel", capacity=50)


@pytest.fixture
def forums(conference):
    """Workshop 2 with free seats and Workshop 3, full, at the same time."""
    start = conference.starts_at + timedelta(hours=2)
    two = WorkshopFactory(conference=conference, starts_at=start, title="Workshop 2")
    three = WorkshopFactory(conference=conference, starts_at=start, title="Workshop 3", capacity=1)
    _registered(conference, email="voll@example.org", session_ids=[three.pk])
    return two, three


def _registered(conference, email="ina@example.org", session_ids=(), **participant):
    data = {"first_name": "Ina", "last_name": "Jerenashvili", "email": email, **participant}
    return services.register_participant(
        conference=conference,
        participant=data,
        session_ids=session_ids,
        consents=["privacy"],
        language="de",
    )


def _url(registration, name="manage"):
    return reverse(
        f"registrations:{name}",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )


def _text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _bookings(registration):
    return {
        b.session.title: (b.status, b.replaces_id is not None)
        for b in registration.bookings.select_related("session")
    }


def _choose(client, registration, session):
    page = client.get(_url(registration, "manage_sessions"))
    html = page.content.decode()
    known_full = re.search(r'name="known_full" value="([^"]+)"', html).group(1)
    slot = re.search(rf'name="(slot_\d+)" value="{session.pk}"', html).group(1)
    return client.post(
        _url(registration, "manage_sessions"), {slot: str(session.pk), "known_full": known_full}
    )


# --- Swap ---------------------------------------------------------------------------------------


def test_choosing_a_full_forum_keeps_the_seat_and_the_page_says_so(client, conference, forums):
    two, three = forums
    registration = _registered(conference, session_ids=[two.pk])

    response = _choose(client, registration, three)
    page = client.get(_url(registration))

    assert response.status_code == 302
    assert _bookings(registration) == {
        "Workshop 2": (BOOKED, False),
        "Workshop 3": (WAITLISTED, True),
    }
    text = _text(page)
    assert (
        "Sie behalten Ihren Platz in „Workshop 2“, bis ein Platz in „Workshop 3“ frei wird." in text
    )
    assert "Nicht mehr auf „Workshop 3“ warten" in text
    assert "Warteliste (Tausch)" in text


def test_the_session_form_keeps_the_swap_chosen(client, conference, forums):
    two, three = forums
    registration = _registered(conference, session_ids=[two.pk])
    _choose(client, registration, three)

    html = client.get(_url(registration, "manage_sessions")).content.decode()

    checked = re.findall(r'value="(\d+)"[^>]*checked', html)
    assert checked == [str(three.pk)]
    assert "Workshop 3 · Raum 1 – ausgebucht – Sie warten auf einen Tausch" in " ".join(
        html.split()
    )
    assert "Workshop 2 · Raum 1 – Ihr Platz" in " ".join(html.split())


def test_the_button_leaves_the_swap_queue_and_keeps_the_seat(client, conference, forums):
    two, three = forums
    registration = _registered(conference, session_ids=[two.pk])
    _choose(client, registration, three)

    response = client.post(
        _url(registration, "leave_swap"), {"session": str(three.pk)}, follow=True
    )

    assert _bookings(registration) == {"Workshop 2": (BOOKED, False)}
    assert "Sie warten nicht mehr auf einen Platz in „Workshop 3“; Ihr Platz bleibt." in (
        _text(response)
    )
    three.refresh_from_db()
    assert (three.seats_taken, three.waitlist_count) == (1, 0)


def test_leaving_a_swap_by_get_or_for_another_session_changes_nothing(client, conference, forums):
    two, three = forums
    registration = _registered(conference, session_ids=[two.pk])
    _choose(client, registration, three)

    client.get(_url(registration, "leave_swap"))
    client.post(_url(registration, "leave_swap"), {"session": str(two.pk)})
    client.post(_url(registration, "leave_swap"), {"session": "²"})

    assert _bookings(registration) == {
        "Workshop 2": (BOOKED, False),
        "Workshop 3": (WAITLISTED, True),
    }


# --- After a cancellation -----------------------------------------------------------------------


def test_a_cancelled_registration_shows_no_programme_and_offers_to_register_again(
    client, conference, forums
):
    two, _three = forums
    registration = _registered(conference, session_ids=[two.pk])
    services.cancel_registration(registration=registration)

    page = client.get(_url(registration))

    html = page.content.decode()
    assert ">Programm</h2>" not in html
    assert "Diese Anmeldung wurde am" in _text(page)
    assert "Sie können sich erneut anmelden, auch mit derselben E-Mail-Adresse." in _text(page)
    assert f'href="{reverse("registrations:register", kwargs={"slug": "kassel"})}"' in html


def test_a_cancelled_registration_does_not_block_the_address(conference, forums):
    two, _three = forums
    registration = _registered(conference, session_ids=[two.pk])
    services.cancel_registration(registration=registration)

    again = _registered(conference, session_ids=[two.pk])

    assert again.pk != registration.pk
    assert again.status == Registration.Status.PENDING
    assert again.email == registration.email


def test_no_offer_to_register_again_once_registration_closed(client, conference):
    registration = _registered(conference)
    services.cancel_registration(registration=registration)
    conference.registration_closes_at = timezone.now() - timedelta(minutes=1)
    conference.save()

    page = client.get(_url(registration))

    assert "Erneut anmelden" not in _text(page)
    assert ">Programm</h2>" not in page.content.decode()


# --- Data download ------------------------------------------------------------------------------


def test_data_download_is_readable_utf8_and_indented(client, conference):
    registration = _registered(conference, last_name="Kühne-Hörmann", organisation="Büro Kassel")

    response = client.get(_url(registration, "manage_export"))

    body = response.content.decode("utf-8")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert '"last_name": "Kühne-Hörmann"' in body
    assert '"organisation": "Büro Kassel"' in body
    assert "\\u00" not in body
    assert body.startswith('{\n  "')
    assert json.loads(body)["registration"]["organisation"] == "Büro Kassel"


def test_data_download_names_the_swap_and_the_address_waiting(client, conference, forums):
    two, three = forums
    registration = _registered(conference, session_ids=[two.pk])
    _choose(client, registration, three)
    services.update_participant(registration=registration, participant={"email": "neu@example.org"})

    data = json.loads(client.get(_url(registration, "manage_export")).content)

    assert data["registration"]["pending_email"] == "neu@example.org"
    assert [(s["title"], s["status"], s["swap_for"]) for s in data["sessions"]] == [
        ("Workshop 2", "booked", None),
        ("Workshop 3", "waitlisted", "Workshop 2"),
    ]
