"""What every page tells browsers and search engines in its head: the icon, absolute language
alternates, a description."""

import html as html_lib
import re

import pytest
from django.templatetags.static import static
from django.utils import translation

from tests.factories import ConferenceFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    translation.deactivate()
    yield
    translation.deactivate()


def _description(response):
    [content] = re.findall(
        r'<meta name="description" content="([^"]*)">', response.content.decode()
    )
    return html_lib.unescape(content)


def _alternates(response):
    return re.findall(
        r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', response.content.decode()
    )


def test_favicon_ico_leads_to_the_icon_the_pages_link(client):
    response = client.get("/favicon.ico")
    page = client.get("/").content.decode()

    assert response.status_code == 302
    assert response["Location"] == static("icons/favicon.ico")
    assert f'<link rel="icon" href="{static("icons/favicon.ico")}" sizes="32x32">' in page
    assert f'<link rel="icon" href="{static("icons/favicon.svg")}" type="image/svg+xml">' in page
    assert f'<link rel="apple-touch-icon" href="{static("icons/apple-touch-icon.png")}">' in page


def test_language_alternates_are_absolute_with_the_requests_scheme_and_host(client, settings):
    settings.ALLOWED_HOSTS = ["tagung.example.org"]
    ConferenceFactory(slug="kassel")

    response = client.get(
        "/konferenz/kassel/programm/?tag=1", HTTP_HOST="tagung.example.org", secure=True
    )

    assert _alternates(response) == [
        ("de", "https://tagung.example.org/konferenz/kassel/programm/?tag=1"),
        ("x-default", "https://tagung.example.org/konferenz/kassel/programm/?tag=1"),
        ("en", "https://tagung.example.org/en/konferenz/kassel/programm/?tag=1"),
    ]


def test_language_alternates_on_an_english_page_over_plain_http(client):
    response = client.get("/en/archiv/", HTTP_HOST="127.0.0.1:8201")

    assert _alternates(response) == [
        ("de", "http://127.0.0.1:8201/archiv/"),
        ("x-default", "http://127.0.0.1:8201/archiv/"),
        ("en", "http://127.0.0.1:8201/en/archiv/"),
    ]


def test_conference_pages_describe_the_conference_cut_at_a_word(client):
    conference = ConferenceFactory(
        motto="Integration gestalten",
        description="Austausch zwischen Land, Kreisen und Kommunen über "
        + "Integrationsstrukturen, Sprachmittlung und Ehrenamt. " * 5,
    )
    url = conference.get_absolute_url()

    overview = _description(client.get(url))
    programme = _description(client.get(url + "programm/"))

    assert overview.startswith("Integration gestalten. Austausch zwischen Land, Kreisen und ")
    assert overview.endswith("…")
    assert len(overview) <= 160
    assert overview[:-1] == overview[:-1].rstrip()
    assert overview[:-1] in ("Integration gestalten. " + conference.description)
    assert programme == overview


def test_session_page_is_described_by_its_own_text_if_it_has_one(client):
    session = SessionFactory(description="Praxisbeispiele <b>aus</b>\n\nKommunen.")
    url = session.get_absolute_url()

    assert _description(client.get(url)) == "Praxisbeispiele aus Kommunen."


def test_short_conference_text_is_not_cut_and_other_pages_have_a_translated_default(client):
    conference = ConferenceFactory(motto="", description="Ein Tag für die Kommunen.")
    url = conference.get_absolute_url()

    described = _description(client.get(url))
    german = _description(client.get("/"))
    english = _description(client.get("/en/"))

    assert described == "Ein Tag für die Kommunen."
    assert german == (
        "Tagungsbüro: Fachkonferenzen mit Programm, Referierenden und Markt der Möglichkeiten; "
        "Anmeldung online."
    )
    assert english == (
        "Tagungsbüro: conferences with their programme, speakers and marketplace of "
        "opportunities; registration online."
    )
