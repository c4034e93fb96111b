"""The registration changelist starts with the conferences being run (not the archive), and its
session filter offers the sessions of the chosen conference only."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conferences.models import Conference
from registrations.models import Registration
from tests.admin_helpers import admin_url
from tests.factories import (
    ConferenceFactory,
    OrganiserFactory,
    RegistrationFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

URL = admin_url(Registration, "changelist")


@pytest.fixture
def archive():
    now = timezone.now()
    return ConferenceFactory(
        title="Regionalkonferenz 2018",
        status=Conference.Status.ARCHIVED,
        starts_at=now - timedelta(days=3000),
        ends_at=now - timedelta(days=2999),
        registration_opens_at=None,
        registration_closes_at=None,
    )


@pytest.fixture
def running():
    now = timezone.now()
    return ConferenceFactory(
        title="Regionalkonferenz Fulda",
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=6),
        registration_opens_at=None,
        registration_closes_at=None,
    )


def rows(client, **params):
    return set(client.get(URL, params).context["cl"].result_list)


def filter_choices(response, title):
    (spec,) = [f for f in response.context["cl"].filter_specs if str(f.title) == title]
    return [
        (str(choice["display"]), choice["selected"])
        for choice in spec.choices(response.context["cl"])
    ]


def test_the_list_starts_with_the_upcoming_and_running_conferences(admin_client, archive, running):
    upcoming = RegistrationFactory(conference=ConferenceFactory(title="Regionalkonferenz Kassel"))
    now_on = RegistrationFactory(conference=running)
    archived = RegistrationFactory(conference=archive)

    response = admin_client.get(URL)

    assert set(response.context["cl"].result_list) == {upcoming, now_on}
    assert archived.email not in response.content.decode()
    assert filter_choices(response, "Konferenz")[:2] == [
        ("Kommende und laufende", True),
        ("Alle, auch vergangene", False),
    ]


def test_all_conferences_or_a_past_one_on_request(admin_client, archive):
    upcoming = RegistrationFactory()
    archived = RegistrationFactory(conference=archive)

    everything = rows(admin_client, conference__id__exact="all")
    only_archive = rows(admin_client, conference__id__exact=archive.pk)

    assert everything == {upcoming, archived}
    assert only_archive == {archived}


def test_an_organiser_starts_with_the_upcoming_conferences_they_run(archive):
    own = ConferenceFactory()
    organiser = OrganiserFactory(conferences=[own, archive])
    client = Client()
    client.force_login(organiser)
    mine = RegistrationFactory(conference=own)
    RegistrationFactory(conference=archive)
    RegistrationFactory(conference=ConferenceFactory())

    response = client.get(URL)

    assert set(response.context["cl"].result_list) == {mine}
    assert [d for d, _ in filter_choices(response, "Konferenz")[2:]] == [
        str(own),
        str(archive),
    ]


def test_the_session_filter_waits_for_a_conference_then_offers_only_its_sessions(admin_client):
    kassel = ConferenceFactory(title="Regionalkonferenz Kassel")
    wiesbaden = ConferenceFactory(title="Regionalkonferenz Wiesbaden")
    WorkshopFactory(conference=kassel, title="Workshop Kassel")
    WorkshopFactory(conference=wiesbaden, title="Workshop Wiesbaden")

    unchosen = admin_client.get(URL)
    chosen = admin_client.get(URL, {"conference__id__exact": kassel.pk})

    assert "Programmpunkt" not in [str(f.title) for f in unchosen.context["cl"].filter_specs]
    assert [d for d, _ in filter_choices(chosen, "Programmpunkt")] == ["Alle", "Workshop Kassel"]
    assert "Workshop Wiesbaden" not in chosen.content.decode()
