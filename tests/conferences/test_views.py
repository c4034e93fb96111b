"""Public pages: what they show, to whom, in which language, and with how many queries."""

import html as html_lib
import re
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.defaults import server_error

from conferences.legal import current_privacy_version
from conferences.models import (
    Conference,
    LegalPage,
    SessionSpeaker,
    Topic,
)
from conferences.rules import RegistrationState, registration_state
from conferences.views import render_legal_text
from exhibitors.models import Exhibitor
from tests.factories import (
    ConferenceFactory,
    ConferenceSeriesFactory,
    ExhibitorFactory,
    RegistrationFactory,
    SessionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    SuperuserFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    """A request activates its language for the whole thread; start and end in the default."""
    translation.deactivate()
    yield
    translation.deactivate()


def _url(name, language="de", **kwargs):
    with translation.override(language):
        return reverse(f"conferences:{name}", kwargs=kwargs)


def _in(language, message):
    """The catalogue's translation of a German message (the message itself in German)."""
    with translation.override(language):
        return gettext(message)


INLINE_TAGS = r"</?(?:a|span|strong|em|time|abbr)\b[^>]*>"


def _text(response):
    """The page's text as a reader gets it: tags removed (inline ones without a space),
    entities decoded, whitespace collapsed."""
    html = re.sub(INLINE_TAGS, "", response.content.decode())
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip()


def _days_ahead(days, hour):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def build_conference(*, sessions, speakers, exhibitors, **kwargs):
    """A two-day conference with `sessions` sessions in four rooms, `speakers` people spread
    over them in every kind of role, and `exhibitors` accepted stands with topics."""
    starts_at = _days_ahead(30, 9)
    conference = ConferenceFactory(
        series=ConferenceSeriesFactory(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=1, hours=9),
        **kwargs,
    )
    topics = list(Topic.objects.all())
    made = []
    for i in range(sessions):
        start = starts_at + timedelta(days=i % 2, hours=(i // 8) % 8)
        made.append(
            (WorkshopFactory if i % 3 == 0 else SessionFactory)(
                conference=conference,
                starts_at=start,
                ends_at=start + timedelta(minutes=60),
                room=f"Raum {i % 4 + 1}",
                topic=topics[i % len(topics)],
            )
        )
    roles = list(SessionSpeaker.Role)
    for i, person in enumerate(SpeakerFactory.create_batch(speakers)):
        SessionSpeakerFactory(session=made[i % sessions], speaker=person, role=roles[i % 4])
    for i in range(exhibitors):
        ExhibitorFactory(conference=conference, topic=topics[i % len(topics)], stand=f"A{i + 1}")
    return conference, made


# --- Start page and archive -------------------------------------------------------------------


def test_home_lists_upcoming_published_conferences_with_a_series_together(client):
    series = ConferenceSeriesFactory(title="WIR-Regionalkonferenzen 2030")
    kassel = ConferenceFactory(title="Regionalkonferenz Kassel", series=series)
    ConferenceFactory(
        title="Fachtag Giessen",
        starts_at=kassel.starts_at + timedelta(days=1),
        ends_at=kassel.ends_at + timedelta(days=1),
    )
    ConferenceFactory(
        title="Regionalkonferenz Wiesbaden",
        city="Wiesbaden",
        series=series,
        starts_at=kassel.starts_at + timedelta(days=2),
        ends_at=kassel.ends_at + timedelta(days=2),
        motto="Vielfalt gemeinsam gestalten",
    )
    ConferenceFactory(title="Entwurf Fulda", status=Conference.Status.DRAFT)
    ConferenceFactory(
        title="Vorjahr Marburg",
        starts_at=timezone.now() - timedelta(days=400),
        ends_at=timezone.now() - timedelta(days=399),
        registration_opens_at=None,
        registration_closes_at=None,
    )

    text = _text(client.get(_url("home")))

    titles = re.findall(r"(?:Regionalkonferenz|Fachtag|Entwurf|Vorjahr) [A-Z]\w+", text)
    assert titles == [
        "Regionalkonferenz Kassel",
        "Regionalkonferenz Wiesbaden",
        "Fachtag Giessen",
    ]
    assert text.index("WIR-Regionalkonferenzen 2030") < text.index("Regionalkonferenz Kassel")
    assert "Vielfalt gemeinsam gestalten" in text


def test_home_shows_date_city_and_registration_state_in_words(client):
    ConferenceFactory(
        title="Regionalkonferenz Kassel",
        city="Kassel",
        starts_at=_days_ahead(30, 9),
        ends_at=_days_ahead(30, 17),
        capacity=300,
    )

    text = _text(client.get(_url("home")))

    date = timezone.localtime(_days_ahead(30, 9))
    german_months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                     "September", "Oktober", "November", "Dezember"]  # fmt: skip
    assert f"{date.day}. {german_months[date.month - 1]} {date.year}" in text
    assert "Ort Kassel" in text
    assert "Anmeldung offen: noch 300 Plätze frei" in text


def test_archive_lists_past_and_archived_conferences_but_no_drafts(client):
    ConferenceFactory(
        title="Regionalkonferenz 2018 Kassel",
        starts_at=timezone.now() - timedelta(days=900),
        ends_at=timezone.now() - timedelta(days=899),
        registration_opens_at=None,
        registration_closes_at=None,
        status=Conference.Status.ARCHIVED,
    )
    ConferenceFactory(
        title="Fachtag 2025",
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=29),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    ConferenceFactory(
        title="Entwurf 2024",
        starts_at=timezone.now() - timedelta(days=500),
        ends_at=timezone.now() - timedelta(days=499),
        registration_opens_at=None,
        registration_closes_at=None,
        status=Conference.Status.DRAFT,
    )
    ConferenceFactory(title="Kommende Konferenz")

    text = _text(client.get(_url("archive")))

    assert re.findall(
        r"Regionalkonferenz 2018 Kassel|Fachtag 2025|Entwurf 2024|Kommende", text
    ) == [
        "Fachtag 2025",
        "Regionalkonferenz 2018 Kassel",
    ]


# --- Conference page ---------------------------------------------------------------------------


def test_conference_page_shows_everything_a_visitor_needs_before_registering(client):
    conference = ConferenceFactory(
        title="Regionalkonferenz Kassel",
        motto="Integration gestalten – Strukturen erarbeiten",
        venue_name="Kongress Palais Kassel",
        address="Holger-Börner-Platz 1\n34119 Kassel",
        accessibility_info="Stufenloser Zugang, Induktionsschleife im Saal.",
        description="Austausch zwischen Land und Kommunen.",
        contact_email="tagung@example.org",
        contact_phone="0561 123 456",
    )
    SessionFactory(conference=conference)
    ExhibitorFactory(conference=conference)

    response = client.get(conference.get_absolute_url())

    html = response.content.decode()
    text = _text(response)
    assert "Integration gestalten – Strukturen erarbeiten" in text
    assert "Kongress Palais Kassel Holger-Börner-Platz 1 34119 Kassel" in text
    assert "Stufenloser Zugang, Induktionsschleife im Saal." in text
    assert "Austausch zwischen Land und Kommunen." in text
    assert (
        'href="https://www.openstreetmap.org/search?query=Holger-B%C3%B6rner-Platz+1%2C+34119+Kassel"'
        in html
    )
    assert "<iframe" not in html
    assert 'href="mailto:tagung@example.org"' in html
    assert 'href="tel:0561123456"' in html
    assert f'href="/konferenz/{conference.slug}/anmeldung/"' in html
    for name in ("programme", "programme_ics", "exhibitors"):
        assert f'href="{_url(name, slug=conference.slug)}"' in html


@pytest.mark.parametrize(
    ("changes", "taken", "expected"),
    [
        ({}, 0, "Anmeldung offen: noch 300 Plätze frei"),
        ({"capacity": 10}, 9, "Anmeldung offen: noch 1 Platz frei"),
        ({"capacity": 10}, 10, "Ausgebucht: Anmeldung nur noch für die Warteliste"),
        (
            {"registration_closes_at": timezone.now() - timedelta(hours=1)},
            0,
            "Anmeldung geschlossen",
        ),
        ({"status": Conference.Status.ARCHIVED}, 0, "Anmeldung geschlossen"),
    ],
    ids=["open", "one-seat-left", "waiting-list-only", "deadline-passed", "archived"],
)
def test_conference_page_says_where_registration_stands(client, changes, taken, expected):
    conference = ConferenceFactory(**changes)
    Conference.objects.filter(pk=conference.pk).update(seats_taken=taken)

    text = _text(client.get(conference.get_absolute_url()))

    assert expected in text


def test_conference_page_says_when_registration_opens(client):
    opens_at = _days_ahead(5, 10)
    conference = ConferenceFactory(registration_opens_at=opens_at)

    response = client.get(conference.get_absolute_url())

    text = _text(response)
    local = timezone.localtime(opens_at)
    assert "Anmeldung noch nicht geöffnet." in text
    assert f"Die Anmeldung beginnt am {local.day}. " in text
    assert f"{local.year} 10:00." in text
    assert "/anmeldung/" not in response.content.decode()


def test_registration_state_codes():
    now = timezone.now()
    conference = ConferenceFactory.build(
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=8),
        registration_opens_at=None,
        registration_closes_at=None,
        capacity=2,
    )

    assert registration_state(conference, now).code == RegistrationState.OPEN
    conference.seats_taken = 2
    assert registration_state(conference, now).code == RegistrationState.WAITLIST
    assert registration_state(conference, now + timedelta(days=11)).code == "closed"
    conference.registration_opens_at = now + timedelta(days=1)
    assert registration_state(conference, now).code == RegistrationState.NOT_YET


# --- Drafts, unknown slugs, 404 in both languages ----------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_unknown_slug_gives_a_friendly_404_in_the_language_of_the_url(client, language):
    response = client.get(_url("detail", language, slug="gibt-es-nicht"))

    assert response.status_code == 404
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{_in(language, 'Seite nicht gefunden')}</h1>" in html
    assert f'href="{_url("home", language)}"' in html


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("page", ["detail", "programme", "speakers", "exhibitors", "programme_ics"])
def test_draft_conference_is_a_404_for_the_public(client, language, page):
    draft = ConferenceFactory(status=Conference.Status.DRAFT, title="Geheimer Entwurf")
    SessionFactory(conference=draft)

    response = client.get(_url(page, language, slug=draft.slug))

    assert response.status_code == 404
    html = response.content.decode()
    assert f"<h1>{_in(language, 'Seite nicht gefunden')}</h1>" in html
    assert "Geheimer Entwurf" not in html


def test_draft_session_and_speaker_pages_are_404_for_the_public(client):
    draft = ConferenceFactory(status=Conference.Status.DRAFT)
    role = SessionSpeakerFactory(session=SessionFactory(conference=draft))

    session_response = client.get(role.session.get_absolute_url())
    calendar_response = client.get(_url("session_ics", slug=draft.slug, pk=role.session.pk))
    speaker_response = client.get(role.speaker.get_absolute_url())

    assert [
        session_response.status_code,
        calendar_response.status_code,
        speaker_response.status_code,
    ] == [404, 404, 404]


def test_draft_is_a_404_for_staff_who_do_not_organise_it(client):
    draft = ConferenceFactory(status=Conference.Status.DRAFT)
    client.force_login(UserFactory(is_staff=True))

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["organiser", "superuser"])
def test_draft_is_previewed_by_its_organisers_and_superusers(client, who):
    draft = ConferenceFactory(status=Conference.Status.DRAFT, title="Entwurf Fulda")
    user = SuperuserFactory() if who == "superuser" else UserFactory(is_staff=True)
    if who == "organiser":
        draft.organisers.add(user)
    client.force_login(user)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "Vorschau: Diese Konferenz ist ein Entwurf" in _text(response)
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_session_of_another_conference_is_not_found_under_this_slug(client):
    conference = ConferenceFactory()
    other_session = SessionFactory()

    response = client.get(_url("session", slug=conference.slug, pk=other_session.pk))

    assert response.status_code == 404


# --- Programme -----------------------------------------------------------------------------------


def test_programme_puts_parallel_sessions_of_a_slot_side_by_side_by_room(client):
    conference = ConferenceFactory(starts_at=_days_ahead(30, 9), ends_at=_days_ahead(30, 18))
    start = conference.starts_at
    SessionFactory(
        conference=conference,
        title="Begrüßung",
        room="Großer Saal",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
    )
    for room in ("Raum 10", "Raum 2"):
        WorkshopFactory(
            conference=conference,
            title=f"Workshop in {room}",
            room=room,
            capacity=25,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
        )

    response = client.get(_url("programme", slug=conference.slug))

    html = response.content.decode()
    slots = re.findall(r'<li class="slot">(.*?)</ul>\s*</li>', html, flags=re.S)
    assert len(slots) == 2
    assert re.findall(r'<li class="(room-[\w-]+) kind-', slots[0]) == ["room-span-all"]
    # "Großer Saal" holds no parallel session: no column of its own.
    assert re.findall(r'<li class="(room-[\w-]+) kind-', slots[1]) == [
        "room-col-1",
        "room-col-2",
    ]
    assert '<ol class="timetable rooms-2">' in html
    assert re.findall(r"Workshop in Raum \d+", _text(response)) == [
        "Workshop in Raum 2",
        "Workshop in Raum 10",
    ]
    assert "Noch 25 von 25 Plätzen frei" in _text(response)


def test_programme_shows_kind_time_room_topic_speakers_with_roles_and_seats(client):
    conference = ConferenceFactory(starts_at=_days_ahead(30, 9), ends_at=_days_ahead(30, 18))
    topic = Topic.objects.get(slug="sprache-und-bildung")
    panel = SessionFactory(
        conference=conference,
        title="Was hält uns zusammen?",
        kind="panel",
        room="Großer Saal",
        topic=topic,
        starts_at=_days_ahead(30, 15),
        ends_at=_days_ahead(30, 16),
    )
    SessionSpeakerFactory(
        session=panel, speaker=SpeakerFactory(first_name="Cornelia", last_name="Spohn"),
        role="moderator",
    )  # fmt: skip
    SessionSpeakerFactory(
        session=panel,
        speaker=SpeakerFactory(academic_title="Dr.", first_name="Hannes", last_name="Schammann"),
        role="panellist",
    )
    full = WorkshopFactory(conference=conference, title="Voller Workshop", capacity=20)
    type(full).objects.filter(pk=full.pk).update(seats_taken=20)

    text = _text(client.get(_url("programme", slug=conference.slug)))

    assert "15:00 Was hält uns zusammen? Podiumsdiskussion 15:00 – 16:00 Raum: Großer Saal" in text
    assert "Thema: Sprache und Bildung" in text
    assert "Cornelia Spohn (Moderation)" in text
    assert "Dr. Hannes Schammann (Podiumsgast)" in text
    assert "Ausgebucht – Warteliste" in text


def test_programme_groups_sessions_by_day_with_german_and_english_day_headings(client):
    conference = ConferenceFactory(
        starts_at=timezone.make_aware(datetime(2031, 6, 4, 9)),
        ends_at=timezone.make_aware(datetime(2031, 6, 5, 17)),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    SessionFactory(
        conference=conference,
        starts_at=timezone.make_aware(datetime(2031, 6, 4, 9)),
        ends_at=timezone.make_aware(datetime(2031, 6, 4, 10)),
    )
    SessionFactory(
        conference=conference,
        starts_at=timezone.make_aware(datetime(2031, 6, 5, 13, 30)),
        ends_at=timezone.make_aware(datetime(2031, 6, 5, 14)),
    )

    german = client.get(_url("programme", "de", slug=conference.slug)).content.decode()
    english = client.get(_url("programme", "en", slug=conference.slug)).content.decode()

    assert re.findall(r'<h2 id="tag-[\d-]+">([^<]+)</h2>', german) == [
        "Mittwoch, 4. Juni 2031",
        "Donnerstag, 5. Juni 2031",
    ]
    assert re.findall(r'<h2 id="tag-[\d-]+">([^<]+)</h2>', english) == [
        "Wednesday 4 June 2031",
        "Thursday 5 June 2031",
    ]
    assert ">13:30</time>" in german
    assert ">13:30</time>" in english
    assert '<time datetime="2031-06-05T13:30:00+02:00">' in german


# --- Session, speakers, exhibitors ----------------------------------------------------------------


def test_session_page_shows_details_people_and_calendar_link(client):
    session = WorkshopFactory(
        title="Sprachmittlung organisieren", description="Praxisbeispiele aus Kommunen."
    )
    role = SessionSpeakerFactory(
        session=session,
        speaker=SpeakerFactory(first_name="Ina", last_name="Jerenashvili", position="Leitung"),
        role="host",
    )

    response = client.get(session.get_absolute_url())

    html = response.content.decode()
    text = _text(response)
    assert '<h1 lang="de">Sprachmittlung organisieren</h1>' in html
    assert "Praxisbeispiele aus Kommunen." in text
    assert "Ina Jerenashvili – Gastgeber*in Leitung, Universität Hildesheim" in text
    assert f'href="{role.speaker.get_absolute_url()}"' in html
    assert f'href="{_url("session_ics", slug=session.conference.slug, pk=session.pk)}"' in html
    assert "Diesen Programmpunkt wählen Sie bei der Anmeldung aus." in text


def test_speaker_list_shows_the_people_of_this_conference_with_their_parts(client):
    conference = ConferenceFactory()
    session = SessionFactory(conference=conference, title="Podium")
    SessionSpeakerFactory(
        session=session,
        speaker=SpeakerFactory(first_name="Anne", last_name="Janz"),
        role="speaker",
    )
    SessionSpeakerFactory(speaker=SpeakerFactory(first_name="Andere", last_name="Konferenz"))

    text = _text(client.get(_url("speakers", slug=conference.slug)))

    assert "Anne Janz" in text
    assert "Referent*in: Podium" in text
    assert "Andere Konferenz" not in text


def test_speaker_page_lists_sessions_across_visible_conferences_only(client):
    speaker = SpeakerFactory(first_name="Frank", last_name="Kalter", biography="Soziologe.")
    kassel = ConferenceFactory(title="Regionalkonferenz Kassel")
    wiesbaden = ConferenceFactory(title="Regionalkonferenz Wiesbaden")
    draft = ConferenceFactory(title="Entwurf Fulda", status=Conference.Status.DRAFT)
    for conference, title in ((kassel, "Vortrag Kassel"), (wiesbaden, "Vortrag Wiesbaden"),
                              (draft, "Vortrag Fulda")):  # fmt: skip
        SessionSpeakerFactory(
            session=SessionFactory(conference=conference, title=title), speaker=speaker
        )

    text = _text(client.get(speaker.get_absolute_url()))

    assert "Soziologe." in text
    assert "Regionalkonferenz Kassel" in text
    assert "Regionalkonferenz Wiesbaden" in text
    assert re.findall(r"Vortrag \w+", text) == ["Vortrag Kassel", "Vortrag Wiesbaden"]


def test_exhibitor_directory_shows_accepted_stands_only_and_filters_by_topic(client):
    conference = ConferenceFactory()
    language = Topic.objects.get(slug="sprache-und-bildung")
    work = Topic.objects.get(slug="wirtschaft-und-arbeit")
    ExhibitorFactory(conference=conference, organisation="Sprachmittlung e. V.", topic=language,
                     stand="A10")  # fmt: skip
    ExhibitorFactory(conference=conference, organisation="Jobcenter", topic=work, stand="A2")
    ExhibitorFactory(conference=conference, organisation="Ohne Stand", topic=language)
    for status in ("applied", "waitlisted", "rejected", "withdrawn"):
        ExhibitorFactory(conference=conference, organisation=f"Status {status}", status=status)
    url = _url("exhibitors", slug=conference.slug)

    everything = _text(client.get(url))
    filtered = _text(client.get(url, {"thema": language.slug}))

    organisations = r"Sprachmittlung e\. V\.|Jobcenter|Ohne Stand|Status \w+"
    # The directory, then the plain stand list by stand number (A2 before A10).
    assert re.findall(organisations, everything) == [
        "Jobcenter",
        "Sprachmittlung e. V.",
        "Ohne Stand",
        "Jobcenter",
        "Sprachmittlung e. V.",
    ]
    assert "Stand A2" in everything
    assert "Stand A10" in everything
    # The topic narrows the directory; the stand list below it stays whole.
    assert re.findall(organisations, filtered) == [
        "Sprachmittlung e. V.",
        "Ohne Stand",
        "Jobcenter",
        "Sprachmittlung e. V.",
    ]
    assert "2 Stände zum Thema „Sprache und Bildung“" in filtered


def test_exhibitor_directory_shows_no_contact_person_or_address(client):
    exhibitor = ExhibitorFactory(
        contact_name="Ina Privatperson", email="ina.privat@example.org", phone="0170 1234567"
    )

    html = client.get(_url("exhibitors", slug=exhibitor.conference.slug)).content.decode()

    assert exhibitor.organisation in html
    for private in ("Ina Privatperson", "ina.privat@example.org", "0170 1234567"):
        assert private not in html


def test_no_public_page_reveals_participant_data(client):
    conference, sessions = build_conference(sessions=3, speakers=3, exhibitors=1)
    RegistrationFactory(
        conference=conference,
        first_name="Zacharias",
        last_name="Teilnehmerich",
        email="zacharias@teilnehmende.example",
        organisation="Geheime Behörde",
    )
    urls = [
        _url("home"),
        _url("archive"),
        conference.get_absolute_url(),
        _url("programme", slug=conference.slug),
        _url("speakers", slug=conference.slug),
        _url("exhibitors", slug=conference.slug),
        _url("programme_ics", slug=conference.slug),
        sessions[0].get_absolute_url(),
    ]

    contents = [client.get(url).content.decode() for url in urls]

    for content in contents:
        for private in ("Zacharias", "Teilnehmerich", "teilnehmende.example", "Geheime"):
            assert private not in content


# --- Every page: language switch, footer, one h1 --------------------------------------------------


def _public_urls(language):
    conference, sessions = build_conference(sessions=2, speakers=2, exhibitors=1)
    speaker = sessions[0].speakers.first()
    return [
        _url("home", language),
        _url("archive", language),
        _url("detail", language, slug=conference.slug),
        _url("programme", language, slug=conference.slug),
        _url("session", language, slug=conference.slug, pk=sessions[0].pk),
        _url("speakers", language, slug=conference.slug),
        _url("speaker", language, slug=speaker.slug),
        _url("exhibitors", language, slug=conference.slug),
        _url("imprint", language),
        _url("privacy", language),
        _url("accessibility", language),
        _url("detail", language, slug="gibt-es-nicht"),
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_has_one_h1_the_legal_links_and_a_working_language_switch(client, language):
    other = "en" if language == "de" else "de"
    urls = _public_urls(language)

    for url in urls:
        html = client.get(url).content.decode()

        assert html.count("<h1") == 1, url
        assert f'<html lang="{language}">' in html, url
        for name in ("imprint", "privacy", "accessibility"):
            assert f'href="{_url(name, language)}"' in html, url
        url_in_other = f"/en{url}" if other == "en" else url.removeprefix("/en")
        assert f'<a href="{url_in_other}" hreflang="{other}" lang="{other}">' in html, url
        assert f'aria-current="true" lang="{language}"' in html, url


def test_language_switch_keeps_the_query_string(client):
    conference = ConferenceFactory()
    url = _url("exhibitors", slug=conference.slug) + "?thema=sprache-und-bildung"

    html = client.get(url).content.decode()

    assert f'<a href="/en{url}" hreflang="en"' in html


# --- Legal pages -------------------------------------------------------------------------------


def test_legal_page_shows_the_version_in_force_not_a_future_one(client):
    LegalPage.objects.create(
        kind="privacy", title="Datenschutzerklärung", body="Alte Fassung.", version="2025-01",
        valid_from=timezone.now() - timedelta(days=300),
    )  # fmt: skip
    LegalPage.objects.create(
        kind="privacy", title="Datenschutzerklärung", body="Geltende Fassung.", version="2026-01",
        valid_from=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    LegalPage.objects.create(
        kind="privacy", title="Datenschutzerklärung", body="Künftige Fassung.", version="2027-01",
        valid_from=timezone.now() + timedelta(days=30),
    )  # fmt: skip

    text = _text(client.get(_url("privacy")))
    old = client.get(_url("privacy_version", version="2025-01"))
    future = client.get(_url("privacy_version", version="2027-01"))

    assert "Geltende Fassung." in text
    assert "Fassung 2026-01, gültig ab" in text
    assert "Künftige Fassung." not in text
    assert "Alte Fassung." in _text(old)
    assert "Sie lesen eine frühere Fassung." in _text(old)
    assert future.status_code == 404


def test_current_privacy_version_is_the_version_in_force_and_1_without_any():
    assert current_privacy_version() == "1"

    LegalPage.objects.create(
        kind="privacy", title="Datenschutz", body="x", version="2026-01",
        valid_from=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    LegalPage.objects.create(
        kind="privacy", title="Datenschutz", body="x", version="2027-01",
        valid_from=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    LegalPage.objects.create(
        kind="imprint", title="Impressum", body="x", version="9",
        valid_from=timezone.now(),
    )  # fmt: skip

    assert current_privacy_version() == "2026-01"
    assert current_privacy_version(now=timezone.now() + timedelta(days=2)) == "2027-01"


def test_accessibility_statement_shows_its_feedback_contact(client):
    LegalPage.objects.create(
        kind="accessibility",
        title="Erklärung zur Barrierefreiheit",
        body="## Stand der Vereinbarkeit\nDiese Website ist weitgehend barrierefrei.",
        version="1",
        contact_email="barrierefreiheit@example.org",
        contact_phone="0611 817 0",
    )

    response = client.get(_url("accessibility"))

    html = response.content.decode()
    assert "<h2>Stand der Vereinbarkeit</h2>" in html
    assert 'href="mailto:barrierefreiheit@example.org"' in html
    assert 'href="tel:06118170"' in html
    assert "Feedback und Kontakt" in _text(response)


def test_legal_page_without_text_still_answers_with_its_title(client):
    response = client.get(_url("imprint"))

    assert response.status_code == 200
    assert "<h1>Impressum</h1>" in response.content.decode()


def test_server_error_page_renders_without_a_request_context(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Ein Fehler ist aufgetreten</h1>" in response.content.decode()


def test_legal_text_is_escaped_and_structured():
    html = render_legal_text(
        "## Verantwortlich\nLand Hessen\n<script>alert(1)</script>\n\n- eins\n- zwei\n\n"
        "Kontakt: info@example.org"
    )

    assert html == (
        "<h2>Verantwortlich</h2><p>Land Hessen<br>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        "<ul><li>eins</li><li>zwei</li></ul>"
        '<p>Kontakt: <a href="mailto:info@example.org">info@example.org</a></p>'
    )


def test_accessibility_statement_needs_a_feedback_contact():
    page = LegalPage(kind="accessibility", title="Erklärung", body="x", version="1")

    with pytest.raises(ValidationError) as excinfo:
        page.full_clean()

    assert list(excinfo.value.message_dict) == ["contact_email"]


def test_privacy_notice_in_force_is_frozen_in_the_admin_and_copied_into_a_new_version(
    admin_client,
):
    page = LegalPage.objects.create(
        kind="privacy", title="Datenschutzerklärung", body="Text 1", version="1",
        valid_from=timezone.now() - timedelta(days=1),
    )  # fmt: skip

    change = admin_client.get(reverse("admin:conferences_legalpage_change", args=[page.pk]))
    add = admin_client.get(reverse("admin:conferences_legalpage_add"), {"copy_of": page.pk})

    assert 'name="body"' not in change.content.decode()
    assert "Neue Fassung auf Grundlage dieser Fassung anlegen" in change.content.decode()
    assert add.context["adminform"].form.initial["body"] == "Text 1"
    assert add.context["adminform"].form.initial["kind"] == "privacy"


# --- Query counts: the same for 1 session and for 60 sessions with 80 speakers ----------------


def _page_urls(conference, session, speaker):
    return {
        "home": _url("home"),
        "archive": _url("archive"),
        "detail": conference.get_absolute_url(),
        "programme": _url("programme", slug=conference.slug),
        "session": session.get_absolute_url(),
        "speakers": _url("speakers", slug=conference.slug),
        "speaker": speaker.get_absolute_url(),
        "exhibitors": _url("exhibitors", slug=conference.slug),
        "exhibitors-filtered": _url("exhibitors", slug=conference.slug)
        + "?thema=sprache-und-bildung",
        "programme_ics": _url("programme_ics", slug=conference.slug),
        "session_ics": _url("session_ics", slug=conference.slug, pk=session.pk),
    }


def _count_queries(client, urls):
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, url)
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("who", ["anonymous", "organiser"])
def test_every_page_issues_as_many_queries_for_60_sessions_as_for_1(client, who):
    if who == "organiser":
        client.force_login(UserFactory(is_staff=True))
    small, small_sessions = build_conference(sessions=1, speakers=1, exhibitors=1)
    small_speaker = small_sessions[0].speakers.first()
    small_counts = _count_queries(client, _page_urls(small, small_sessions[0], small_speaker))

    large, large_sessions = build_conference(sessions=60, speakers=80, exhibitors=40)
    for _ in range(5):
        ConferenceFactory()
    busy_speaker = large_sessions[0].speakers.first()
    for session in large_sessions[1:20]:
        SessionSpeakerFactory(session=session, speaker=busy_speaker)
    large_counts = _count_queries(client, _page_urls(large, large_sessions[0], busy_speaker))

    assert large.sessions.count() == 60
    assert SessionSpeaker.objects.filter(session__conference=large).count() == 80 + 19
    assert Exhibitor.objects.filter(conference=large).count() == 40
    assert large_counts == small_counts
