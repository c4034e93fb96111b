"""The programme grid: rooms in the organiser's order, each session with its own times, German
titles marked as German for hyphenation."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from conferences.templatetags.hyphenation import hyphenate
from conferences.views import programme_days, room_sort_key
from tests.factories import ConferenceFactory, SessionFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def conference():
    start = (timezone.localtime() + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    conference = ConferenceFactory(starts_at=start, ends_at=start + timedelta(hours=8))
    SessionFactory(
        conference=conference,
        title="Begrüßung",
        room="Saal 1",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
    )
    for room in ("Raum C", "Saal 1", "Raum A"):
        WorkshopFactory(
            conference=conference,
            title=f"Forum in {room}",
            room=room,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
        )
    return conference


def _room_headers(html):
    row = re.search(r'<div class="timetable-rooms[^"]*"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    return re.findall(r'<span class="room-col-\d">([^<]+)</span>', row.group(1))


def _columns(html):
    return re.findall(r'<li class="room-col-(\d) kind-[^"]*">\s*<article[^>]*>\s*<h4[^>]*>'
                      r'<a [^>]*>([^<]+)</a>', html)  # fmt: skip


def test_rooms_without_an_order_stand_by_name(client, conference):
    html = client.get(conference.get_absolute_url() + "programm/").content.decode()

    assert _room_headers(html) == ["Raum A", "Raum C", "Saal 1"]
    assert _columns(html) == [
        ("1", "Forum in Raum A"),
        ("2", "Forum in Raum C"),
        ("3", "Forum in Saal 1"),
    ]


def test_rooms_stand_in_the_order_the_organisers_set(client, conference):
    conference.room_order = "saal 1\n\n  Raum C \n"
    conference.save()

    html = client.get(conference.get_absolute_url() + "programm/").content.decode()

    # Listed rooms first, in the given order (case and blanks ignored), the rest by name.
    assert _room_headers(html) == ["Saal 1", "Raum C", "Raum A"]
    assert _columns(html) == [
        ("1", "Forum in Saal 1"),
        ("2", "Forum in Raum C"),
        ("3", "Forum in Raum A"),
    ]


def test_room_sort_key_puts_listed_rooms_first_and_the_rest_naturally():
    key = room_sort_key("Großer Saal\nFoyer")

    rooms = sorted(["Raum 10", "Foyer", "Raum 2", "Großer Saal", ""], key=key)

    assert rooms == ["Großer Saal", "Foyer", "", "Raum 2", "Raum 10"]


def test_every_session_shows_its_own_start_and_end_even_when_a_slot_mixes_lengths(
    client, conference
):
    start = conference.starts_at + timedelta(hours=3)
    for title, minutes in (("Kurzes Forum", 60), ("Langes Forum", 120)):
        SessionFactory(
            conference=conference,
            title=title,
            room=title.split()[0],
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
        )
    SessionFactory(
        conference=conference,
        title="Spätes Forum",
        room="Raum A",
        starts_at=start + timedelta(minutes=30),
        ends_at=start + timedelta(minutes=90),
    )

    html = client.get(conference.get_absolute_url() + "programm/").content.decode()

    cards = {
        title: f"{start}–{end}"
        for title, start, end in re.findall(
            r'<a href="[^"]+">([^<]+)</a></h4>.*?<span class="session-time">'
            r"<time[^>]*>([\d:]+)</time>&#8239;–&#8239;<time[^>]*>([\d:]+)</time>",
            html,
            flags=re.S,
        )
    }
    assert cards == {
        "Begrüßung": "09:00–09:30",
        "Forum in Raum A": "10:00–11:00",
        "Forum in Raum C": "10:00–11:00",
        "Forum in Saal 1": "10:00–11:00",
        "Kurzes Forum": "12:00–13:00",
        "Langes Forum": "12:00–14:00",
        "Spätes Forum": "12:30–13:30",
    }
    # A slot heading is its start time, never a range that would stand for all its sessions.
    headings = re.findall(r'<h3 class="slot-time"><time[^>]*>([^<]+)</time></h3>', html)
    assert headings == ["09:00", "10:00", "12:00", "12:30"]


def test_session_titles_are_german_content_in_both_languages(client, conference):
    url = conference.get_absolute_url() + "programm/"

    english = client.get("/en" + url).content.decode()
    german = client.get(url).content.decode()

    assert '<html lang="en">' in english
    assert '<h4 id="session-' in english
    assert all(
        'class="session-title" lang="de"' in h4
        for h4 in re.findall(r"<h4 [^>]*>", english) + re.findall(r"<h4 [^>]*>", german)
    )


def test_programme_days_give_columns_only_to_rooms_with_parallel_sessions(conference):
    [day] = programme_days(conference.sessions.all(), "Raum A")

    assert day.rooms == ["Raum A", "Raum C", "Saal 1"]
    assert [[(s.title, s.column) for s in slot.sessions] for slot in day.slots] == [
        [("Begrüßung", None)],
        [("Forum in Raum A", 1), ("Forum in Raum C", 2), ("Forum in Saal 1", 3)],
    ]


def test_long_german_words_in_the_grid_carry_soft_hyphens(client, conference):
    SessionFactory(
        conference=conference,
        title="Forum 10: Migrantenorganisationen als Partner",
        room="Raum A",
        starts_at=conference.starts_at + timedelta(hours=5),
        ends_at=conference.starts_at + timedelta(hours=6),
    )

    html = client.get(conference.get_absolute_url() + "programm/").content.decode()

    [title] = re.findall(r'<a href="[^"]+">(Forum 10:[^<]+)</a></h4>', html)
    assert title.split("\u00ad") == ["Forum 10: Migran", "ten", "or", "ga", "ni", "sa", "ti", "o",
                                     "nen als Partner"]  # fmt: skip


def test_hyphenation_leaves_short_words_digits_and_markup_alone():
    assert hyphenate("Forum 10: Ehrenamt & <b>Sprachmittlungsangebote</b>") == (
        "Forum 10: Ehrenamt & <b>Sprach\u00admitt\u00adlungs\u00adan\u00adge\u00adbote</b>"
    )
