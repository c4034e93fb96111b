"""An organiser runs a conference in the admin, in a real browser: filters the registrations,
cancels one (the next person on the waiting list gets the seat), looks at the overview and
downloads the attendee list. No page makes a request to another origin (the `page` fixture
checks it); axe runs on the pages this project draws itself (the overview's content), not on
Django's own admin pages."""

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from registrations import services
from registrations.models import Registration
from tests.factories import ConferenceFactory, OrganiserFactory, ParticipantDataFactory

pytestmark = pytest.mark.browser


def _register(conference, first_name, last_name, **options):
    return services.register_participant(
        conference=conference,
        participant=ParticipantDataFactory(first_name=first_name, last_name=last_name),
        session_ids=[],
        consents=["privacy"],
        language="de",
        **options,
    )


@pytest.fixture
def kassel(transactional_db):
    conference = ConferenceFactory(title="Regionalkonferenz Kassel", capacity=2)
    for first_name, last_name in (("Aylin", "Demir"), ("Jonas", "Becker")):
        services.confirm_email(registration=_register(conference, first_name, last_name))
    _register(conference, "Ewa", "Kühne", conference_known_full=True)
    return conference


@pytest.fixture
def organiser(kassel):
    wiesbaden = ConferenceFactory(title="Regionalkonferenz Wiesbaden")
    _register(wiesbaden, "Mara", "Schulz")
    return OrganiserFactory(conferences=[kassel, wiesbaden])


def test_organiser_filters_cancels_sees_the_overview_and_downloads_the_list(
    page, login, axe_check, kassel, organiser
):
    login(page, organiser)

    # Filter the registrations: the conference, then who is confirmed.
    page.goto(reverse("admin:registrations_registration_changelist"))
    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name=re.compile("Regionalkonferenz Kassel")).click()
    page.wait_for_url(re.compile(r"conference__id__exact="))
    filters.get_by_role("link", name="Bestätigt", exact=True).click()
    page.wait_for_url(re.compile(r"status__exact=confirmed"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator("th a").all_inner_texts()) == ["Becker", "Demir"]

    # Cancel one of them through the action and its confirmation page.
    rows.filter(has_text="Demir").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Anmeldung stornieren …")
    page.get_by_role("button", name="Ausführen").click()
    page.get_by_role("heading", name="Anmeldungen stornieren").wait_for()
    page.get_by_role("button", name="Ja, stornieren").click()
    page.get_by_text("Storniert: Aylin Demir").wait_for()

    # The person waiting got the seat.
    waiting = Registration.objects.get(last_name="Kühne")
    assert waiting.status == Registration.Status.PENDING

    # The overview of the conference shows it.
    page.goto(reverse("admin:conferences_conference_change", args=(kassel.pk,)))
    page.locator(".object-tools").get_by_role("link", name="Übersicht").click()
    page.get_by_role("heading", name="Plätze und Anmeldungen").wait_for()
    assert page.locator("#figure-cancelled").inner_text() == "1"
    assert page.locator("#figure-pending").inner_text() == "1"
    assert page.locator("#figure-waitlisted").inner_text() == "0"
    axe_check(page, "#content-main")

    # Download the attendee list of the confirmed participants.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Teilnehmendenliste herunterladen").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as file:
        table = list(csv.reader(io.StringIO(file.read()), delimiter=";"))
    assert download.suggested_filename.endswith(".csv")
    assert [row[0] for row in table[1:]] == ["Becker"]
