"""The admin's search for people ignores case, accents and the ways umlauts are typed, on SQLite
and PostgreSQL alike (the suite runs on both)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conferences.text import fold
from registrations.models import Consent, Registration, SessionBooking
from tests.admin_helpers import admin_url
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    RegistrationFactory,
    SessionBookingFactory,
    bulk_registrations,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("kuhne", "Kühne-Hörmann"),
        ("kuehne", "Kühne-Hörmann"),
        ("KÜHNE", "Kühne-Hörmann"),
        ("Kühne Hoermann", "Kühne-Hörmann"),
        ("zaeri esfahani", "Zaeri-Esfahani"),
        ("jose", "José"),
        ("strasse", "Straße"),
    ],
)
def test_fold_makes_the_typed_and_the_stored_spelling_meet(typed, stored):
    assert fold(stored).find(fold(typed)) >= 0


def search(client, model, term):
    response = client.get(admin_url(model, "changelist"), {"q": term})
    return list(response.context["cl"].result_list)


@pytest.fixture
def people():
    conference = ConferenceFactory()
    return {
        "kuehne": RegistrationFactory(
            conference=conference,
            first_name="Lucia",
            last_name="Kühne-Hörmann",
            email="l.kuehne@example.org",
            organisation="Büro für Integration",
        ),
        "zaeri": RegistrationFactory(
            conference=conference,
            first_name="Sahar",
            last_name="Zaeri-Esfahani",
            email="s.zaeri@example.org",
            organisation="Ärztekammer Hessen",
        ),
        "schneider": RegistrationFactory(
            conference=conference, last_name="Schneider", organisation="Landkreis Fulda"
        ),
    }


@pytest.mark.parametrize("term", ["kuhne", "kuehne", "KÜHNE", "Kühne", "hoermann kuhne"])
def test_registration_search_finds_kuehne_hoermann_however_it_is_typed(admin_client, people, term):
    assert search(admin_client, Registration, term) == [people["kuehne"]]


@pytest.mark.parametrize("term", ["zaeri esfahani", "Zaeri-Esfahani", "zäri", "ZAERI"])
def test_registration_search_finds_zaeri_esfahani_however_it_is_typed(admin_client, people, term):
    assert search(admin_client, Registration, term) == [people["zaeri"]]


@pytest.mark.parametrize(
    ("term", "who"),
    [
        ("buro fur integration", "kuehne"),
        ("Aerztekammer", "zaeri"),
        ("l.kuehne@example", "kuehne"),
        ("S.ZAERI@EXAMPLE.ORG", "zaeri"),
    ],
)
def test_registration_search_finds_by_organisation_and_email_folded(
    admin_client, people, term, who
):
    assert search(admin_client, Registration, term) == [people[who]]


def test_registration_search_without_match_finds_nobody(admin_client, people):
    assert search(admin_client, Registration, "kuhnert") == []


def test_bookings_and_consents_are_found_by_the_folded_name(admin_client, people):
    booking = SessionBookingFactory(registration=people["kuehne"])
    consent = ConsentFactory(registration=people["kuehne"])

    assert search(admin_client, SessionBooking, "kuehne") == [booking]
    assert search(admin_client, Consent, "KUHNE") == [consent]
    assert search(admin_client, SessionBooking, booking.session.title) == [booking]


def test_a_changed_name_is_found_under_the_new_spelling(admin_client, people):
    registration = people["schneider"]
    registration.last_name = "Müller"
    registration.save(update_fields=["last_name", "updated_at"])

    assert search(admin_client, Registration, "mueller") == [registration]
    assert search(admin_client, Registration, "schneider") == []


def test_bulk_created_registrations_are_searchable(admin_client):
    conference = ConferenceFactory()
    [created] = bulk_registrations(conference, 1, organisation="Größe Stadt")

    assert search(admin_client, Registration, "groesse") == [created]


def test_the_migration_fills_the_search_text_of_existing_rows(people):
    Registration.objects.update(search_text="")
    migration = importlib.import_module("registrations.migrations.0008_registration_search_text")

    migration.fill_search_text(django_apps, None)

    people["zaeri"].refresh_from_db()
    assert (
        people["zaeri"].search_text == "sahar zari esfahani arztekammer hessen s.zari@example.org"
    )


def test_registration_search_queries_do_not_grow_with_matches(admin_client):
    conference = ConferenceFactory()
    url = admin_url(Registration, "changelist")
    bulk_registrations(conference, 1, organisation="Kühne GmbH")
    with CaptureQueriesContext(connection) as with_one:
        admin_client.get(url, {"q": "kuehne"})
    bulk_registrations(conference, 99, organisation="Kühne GmbH", start=1)

    with CaptureQueriesContext(connection) as with_many:
        response = admin_client.get(url, {"q": "kuehne"})

    assert response.context["cl"].result_count == 100
    assert len(with_many) == len(with_one)
