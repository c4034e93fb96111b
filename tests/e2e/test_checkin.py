"""The check-in page on a phone: the hardware scanner's input, undo, folded search, and scans
made offline that are sent when the connection returns. axe on the page in each state."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from checkin.codes import checkin_code_for
from checkin.models import DoorStaff
from registrations.models import Registration
from tests.factories import ConferenceFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def door(transactional_db, page, login):
    conference = ConferenceFactory(slug="nordhessen", title="Regionalkonferenz Nordhessen")
    staff = UserFactory(username="einlass", first_name="Ina", last_name="Einlass")
    DoorStaff.objects.create(conference=conference, user=staff)
    login(page, staff)
    page.set_viewport_size(PHONE)
    return conference


def test_scan_undo_search_and_offline_sync_on_a_phone(page, door, axe_check):
    eva = RegistrationFactory(
        conference=door, first_name="Eva", last_name="Kühne-Hörmann", organisation="Land Hessen"
    )
    leyla = RegistrationFactory(conference=door, first_name="Leyla", last_name="Zaeri")
    waiting = RegistrationFactory(
        conference=door, last_name="Wartend", status=Registration.Status.WAITLISTED
    )
    page.goto(reverse("checkin:page", kwargs={"slug": door.slug}))
    expect(page.locator("#count-expected")).to_have_text("2")
    axe_check(page)

    # A hardware scanner types the code into the focused field and presses Enter.
    expect(page.locator("#scan-code")).to_be_focused()
    page.keyboard.type(checkin_code_for(eva))
    page.keyboard.press("Enter")
    expect(page.locator("#result-message")).to_have_text("Eingecheckt.")
    expect(page.locator("#result-name")).to_have_text("Eva Kühne-Hörmann")
    expect(page.locator("#result-checked-in")).to_contain_text("von Ina Einlass")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    axe_check(page)

    page.get_by_role("button", name="Zurücknehmen").click()
    expect(page.locator("#result-message")).to_have_text("Check-in zurückgenommen.")
    expect(page.locator("#count-checked-in")).to_have_text("0")
    eva.refresh_from_db()
    assert eva.checked_in_at is None

    # A person on the waiting list: a warning in words, not only in colour.
    page.locator("#scan-code").fill(checkin_code_for(waiting))
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#result-message")).to_have_text(
        "Warteliste: Diese Person hat keinen Platz."
    )

    page.get_by_label("Nach Name oder Organisation suchen").fill("kuhne")
    page.get_by_role("button", name="Einchecken: Eva Kühne-Hörmann").click()
    expect(page.locator("#result-name")).to_have_text("Eva Kühne-Hörmann")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    axe_check(page)

    page.context.set_offline(True)
    page.locator("#scan-code").fill(checkin_code_for(leyla))
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#result-message")).to_contain_text("Offline: Scan gespeichert")
    expect(page.locator("#queue-status")).to_contain_text("1")
    leyla.refresh_from_db()
    assert leyla.checked_in_at is None

    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_text("")
    expect(page.locator("#count-checked-in")).to_have_text("2")
    leyla.refresh_from_db()
    assert leyla.checked_in_at is not None
