"""The site's own address (`conferences.site`): links follow SITE_URL, else the request, else
LOCAL_SITE_URL; calendar UIDs follow none of the requests."""

import icalendar
import pytest
from django.urls import reverse

from conferences import site
from tests.factories import ConferenceFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_site_url(settings):
    settings.SITE_URL = ""
    settings.LOCAL_SITE_URL = "http://127.0.0.1:8201"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


def uids(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return [str(event["UID"]) for event in calendar.walk("VEVENT")]


def test_without_a_request_links_start_with_the_local_site_url():
    assert site.absolute_url("/admin/") == "http://127.0.0.1:8201/admin/"


def test_site_url_when_set_is_the_address_everywhere(settings):
    settings.SITE_URL = "https://tagung.example.org"

    with site.serving("http://127.0.0.1:8601"):
        inside = site.absolute_url("/")

    assert (inside, site.absolute_url("/")) == (
        "https://tagung.example.org/",
        "https://tagung.example.org/",
    )
    assert site.calendar_domain() == "tagung.example.org"


def test_recorded_address_holds_only_inside_serving():
    with site.serving("http://localhost:8601/"):
        inside = site.base_url()

    assert (inside, site.base_url()) == ("http://localhost:8601", "http://127.0.0.1:8201")


def test_calendar_uids_stay_the_same_whichever_address_served_the_file(client):
    conference = ConferenceFactory(slug="kassel-2031")
    session = SessionFactory(conference=conference)
    url = reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"})

    first = uids(client.get(url, HTTP_HOST="127.0.0.1:8201"))
    second = uids(client.get(url, HTTP_HOST="localhost:8601"))

    assert first == second == [f"session-{session.pk}@127.0.0.1"]
