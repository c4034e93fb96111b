"""The conference change form fits a 1,280 px window: no part of it (the session inline, the
organiser picker, a long text) makes the page scroll sideways; its help texts are German."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import (
    ConferenceFactory,
    OrganiserFactory,
    SessionFactory,
    SuperuserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.browser

SCREENSHOT = os.environ.get("ADMIN_SCREENSHOT")  # e.g. /tmp/conference-form.png


@pytest.fixture
def conference(transactional_db):
    conference = ConferenceFactory(
        title="Regionalkonferenz Kassel",
        description="Ein langer Text. " * 80,
        address="Kongress Palais Kassel, Holger-Börner-Platz 1, 34119 Kassel " * 3,
    )
    for index in range(3):
        WorkshopFactory(
            conference=conference,
            title=f"Workshop {index}: Sprachmittlung und Teilhabe in Migrantenorganisationen",
            room="Saal Kassel",
        )
    SessionFactory(
        conference=conference,
        title="Empfang",
        starts_at=conference.starts_at + timedelta(hours=5),
        ends_at=conference.starts_at + timedelta(hours=6),
    )
    for index in range(3):
        OrganiserFactory(username=f"organisationsteam-{index}", conferences=[conference])
    return conference


def test_the_conference_change_form_fits_a_1280_px_window(page, login, conference):
    login(page, SuperuserFactory(username="chefin"))

    page.goto(reverse("admin:conferences_conference_change", args=(conference.pk,)))

    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    widths = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            widest: [...document.querySelectorAll('#content *')]
                .filter(e => e.getBoundingClientRect().right > 1280)
                .slice(0, 5)
                .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' +
                     Math.round(e.getBoundingClientRect().right)),
        })"""
    )
    sessions = page.evaluate(
        """() => {
            const box = document.querySelector('#sessions-group fieldset.module');
            return {table: box.querySelector('table').scrollWidth, box: box.clientWidth};
        }"""
    )
    assert widths["page"] <= 1280, widths["widest"]
    # The programme fits its box: no column hidden behind a scroll bar at 1,280 px.
    assert sessions["table"] <= sessions["box"], sessions


def test_the_organiser_picker_speaks_german(page, login, conference):
    login(page, SuperuserFactory(username="chefin"))

    page.goto(reverse("admin:conferences_conference_change", args=(conference.pk,)))

    picker = page.locator(".selector").first
    picker.wait_for()
    text = " ".join(picker.inner_text().split())
    titles = picker.evaluate(
        "e => [...e.querySelectorAll('[title], [aria-label]')]"
        ".map(x => (x.title || '') + ' ' + (x.getAttribute('aria-label') || ''))"
    )
    english = [
        word for word in ("Choose", "Remove", "selecting") if word in text + " ".join(titles)
    ]
    assert english == []
    assert "Alle auswählen (Organisationsteam)" in text
    assert (
        "Einträge markieren und dann auf den Pfeil nach rechts klicken" in " ".join(titles) + text
    )
