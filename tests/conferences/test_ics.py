"""iCalendar files: they parse, carry Europe/Berlin times with a VTIMEZONE, keep their UIDs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import translation

from conferences.models import Conference
from registrations import mail
from registrations.models import SessionBooking
from tests.factories import (
    ConferenceFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _default_language():
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def conference():
    """Two days, one in summer time: 30/31 March 2031 straddles the change to CEST."""
    conference = ConferenceFactory(
        title="Regionalkonferenz Kassel",
        slug="kassel-2031",
        venue_name="Kongress Palais Kassel",
        address="Holger-Börner-Platz 1\n34119 Kassel",
        starts_at=datetime(2031, 3, 29, 9, tzinfo=BERLIN),
        ends_at=datetime(2031, 3, 31, 17, tzinfo=BERLIN),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    keynote = SessionFactory(
        conference=conference,
        title="Keynote: Zusammenhalt, Teilhabe; Vielfalt",
        kind="keynote",
        description="Über Integration vor Ort.",
        room="Großer Saal",
        starts_at=datetime(2031, 3, 29, 9, 30, tzinfo=BERLIN),
        ends_at=datetime(2031, 3, 29, 10, 15, tzinfo=BERLIN),
    )
    SessionSpeakerFactory(
        session=keynote,
        speaker=SpeakerFactory(academic_title="Dr.", first_name="Frank", last_name="Kalter"),
    )
    SessionFactory(
        conference=conference,
        title="Workshop am Montag",
        kind="workshop",
        room="Raum 2",
        starts_at=datetime(2031, 3, 31, 13, 30, tzinfo=BERLIN),
        ends_at=datetime(2031, 3, 31, 15, tzinfo=BERLIN),
    )
    return conference


def _calendar(response):
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def test_programme_calendar_parses_with_every_session_in_berlin_time(client, conference):
    response = client.get(reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"}))

    calendar = _calendar(response)
    events = calendar.walk("VEVENT")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kassel-2031.ics"'
    assert [str(e["SUMMARY"]) for e in events] == [
        "Keynote: Zusammenhalt, Teilhabe; Vielfalt",
        "Workshop am Montag",
    ]
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == [
        (datetime(2031, 3, 29, 9, 30, tzinfo=BERLIN), datetime(2031, 3, 29, 10, 15, tzinfo=BERLIN)),
        (datetime(2031, 3, 31, 13, 30, tzinfo=BERLIN), datetime(2031, 3, 31, 15, tzinfo=BERLIN)),
    ]
    assert [e.decoded("DTSTART").utcoffset() for e in events] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert [e["DTSTART"].params["TZID"] for e in events] == ["Europe/Berlin", "Europe/Berlin"]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_programme_calendar_is_valid_rfc_5545(client, conference):
    response = client.get(reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"}))

    raw = response.content
    calendar = _calendar(response)
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Tagungsbuero//Programm//DE"
    for event in calendar.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
    assert b"SUMMARY:Keynote: Zusammenhalt\\, Teilhabe\\; Vielfalt" in raw


def test_event_carries_location_description_speakers_and_link(client, conference):
    response = client.get(reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"}))

    keynote = _calendar(response).walk("VEVENT")[0]
    session = conference.sessions.get(kind="keynote")
    assert str(keynote["LOCATION"]) == (
        "Großer Saal, Kongress Palais Kassel, Holger-Börner-Platz 1, 34119 Kassel"
    )
    assert str(keynote["DESCRIPTION"]) == (
        "Über Integration vor Ort.\n\nReferent*in: Dr. Frank Kalter\n\n"
        f"http://testserver/konferenz/kassel-2031/programm/{session.pk}/"
    )
    assert str(keynote["URL"]) == f"http://testserver/konferenz/kassel-2031/programm/{session.pk}/"


def test_uids_are_stable_and_shared_by_programme_and_session_files(client, conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    session = conference.sessions.get(kind="keynote")
    programme_url = reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"})
    session_url = reverse(
        "conferences:session_ics", kwargs={"slug": "kassel-2031", "pk": session.pk}
    )

    first = [str(e["UID"]) for e in _calendar(client.get(programme_url)).walk("VEVENT")]
    again = [
        str(e["UID"])
        for e in _calendar(client.get(programme_url, HTTP_HOST="127.0.0.1")).walk("VEVENT")
    ]
    single = _calendar(client.get(session_url)).walk("VEVENT")

    assert first == again
    assert first[0] == f"session-{session.pk}@tagung.example.org"
    assert [str(e["UID"]) for e in single] == [first[0]]


def test_uids_take_the_site_url_host_whatever_host_served_the_file(client, conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    session = conference.sessions.get(kind="keynote")

    response = client.get(reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"}))

    uids = [str(e["UID"]) for e in _calendar(response).walk("VEVENT")]
    assert uids[0] == f"session-{session.pk}@tagung.example.org"


def _attachment(conference, sessions, **booking):
    """The calendar attached to a participant's e-mail, for bookings of `sessions`."""
    registration = RegistrationFactory(conference=conference)
    bookings = [
        SessionBookingFactory(registration=registration, session=session, **booking)
        for session in sessions
    ]
    return mail.calendar_for(registration, bookings)


def test_email_attachment_and_public_files_share_each_sessions_uid(client, conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    keynote, workshop = conference.sessions.order_by("starts_at")
    programme_url = reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"})
    session_url = reverse(
        "conferences:session_ics", kwargs={"slug": "kassel-2031", "pk": workshop.pk}
    )

    attached = icalendar.Calendar.from_ical(_attachment(conference, [keynote, workshop]))
    programme = _calendar(client.get(programme_url))
    single = _calendar(client.get(session_url))

    def uids(calendar):
        return [str(e["UID"]) for e in calendar.walk("VEVENT")]

    assert uids(attached) == [
        f"conference-{conference.pk}@tagung.example.org",
        f"session-{keynote.pk}@tagung.example.org",
        f"session-{workshop.pk}@tagung.example.org",
    ]
    assert uids(programme) == uids(attached)[1:]
    assert uids(single) == uids(attached)[2:]


def test_importing_attachment_and_programme_gives_each_event_once(client, conference):
    keynote, workshop = conference.sessions.order_by("starts_at")
    attached = icalendar.Calendar.from_ical(_attachment(conference, [workshop]))
    programme = _calendar(
        client.get(reverse("conferences:programme_ics", kwargs={"slug": "kassel-2031"}))
    )

    imported = {}
    for event in [*attached.walk("VEVENT"), *programme.walk("VEVENT")]:
        imported[str(event["UID"])] = str(event["SUMMARY"])

    assert sorted(imported.values()) == sorted(
        ["Regionalkonferenz Kassel", keynote.title, workshop.title]
    )


def test_email_attachment_carries_berlin_wall_clock_times_in_winter_and_summer(conference):
    keynote, workshop = conference.sessions.order_by("starts_at")

    raw = _attachment(conference, [keynote, workshop])

    calendar = icalendar.Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    # 29 March 2031 is still CET (+1), 31 March already CEST (+2): the local times stay as
    # printed in the programme, the offsets come from the VTIMEZONE.
    assert b"DTSTART;TZID=Europe/Berlin:20310329T093000\r\n" in raw
    assert b"DTSTART;TZID=Europe/Berlin:20310331T133000\r\n" in raw
    assert b"DTEND;TZID=Europe/Berlin:20310331T150000\r\n" in raw
    assert [e.decoded("DTSTART").utcoffset() for e in events[1:]] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert {tz.name for tz in calendar.walk("VTIMEZONE")[0].subcomponents} == {
        "STANDARD",
        "DAYLIGHT",
    }


def test_email_attachment_leaves_out_sessions_not_booked(conference):
    _keynote, workshop = conference.sessions.order_by("starts_at")

    raw = _attachment(conference, [workshop], status=SessionBooking.Status.WAITLISTED)

    events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Regionalkonferenz Kassel"]


def test_session_calendar_holds_that_session_only(client, conference):
    session = conference.sessions.get(kind="workshop")

    response = client.get(
        reverse("conferences:session_ics", kwargs={"slug": "kassel-2031", "pk": session.pk})
    )

    calendar = _calendar(response)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Workshop am Montag"]
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == datetime(
        2031, 3, 31, 13, 30, tzinfo=BERLIN
    )
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_programme_calendar_without_sessions_holds_the_conference(client, settings):
    settings.SITE_URL = "https://tagung.example.org"
    conference = ConferenceFactory(title="Fachtag ohne Programm")

    calendar = _calendar(client.get(reverse("conferences:programme_ics", args=[conference.slug])))

    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Fachtag ohne Programm"]
    assert events[0].decoded("DTSTART") == conference.starts_at
    assert str(events[0]["UID"]) == f"conference-{conference.pk}@tagung.example.org"


def test_calendars_of_drafts_are_not_found(client):
    draft = ConferenceFactory(status=Conference.Status.DRAFT)
    session = SessionFactory(conference=draft)

    responses = [
        client.get(reverse("conferences:programme_ics", args=[draft.slug])),
        client.get(reverse("conferences:session_ics", args=[draft.slug, session.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404]


def test_pages_link_their_calendar_files(client, conference):
    session = conference.sessions.get(kind="keynote")
    programme_ics = reverse("conferences:programme_ics", args=["kassel-2031"])
    session_ics = reverse("conferences:session_ics", args=["kassel-2031", session.pk])

    pages = {
        name: client.get(url).content.decode()
        for name, url in (
            ("conference", conference.get_absolute_url()),
            ("programme", reverse("conferences:programme", args=["kassel-2031"])),
            ("session", session.get_absolute_url()),
        )
    }

    assert f'href="{programme_ics}"' in pages["conference"]
    assert f'href="{programme_ics}"' in pages["programme"]
    assert f'href="{session_ics}"' in pages["session"]
