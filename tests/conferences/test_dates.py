"""Dates in English read the European way ("8 June 2027, 11:15"), on the pages, in the e-mails,
in messages and in forms; German ones stay German."""

import html as html_lib
import re
from datetime import date, datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from registrations.mail import build_message
from registrations.mail.render import render_subject
from registrations.models import SentEmail
from tests.factories import (
    ConferenceFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

# "06/08/2027", "11:15 a.m.", "June 8, 2027", "Dec. 6, 2026"
US_STYLE = re.compile(
    r"a\.m\.|p\.m\.|\b\d{2}/\d{2}/\d{4}\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}"
)


@pytest.fixture(autouse=True)
def _default_language():
    translation.deactivate()
    yield
    translation.deactivate()


def _at(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def conference():
    return ConferenceFactory(
        title="Regionalkonferenz Kassel",
        slug="kassel-2027",
        starts_at=_at(2027, 6, 8, 11, 15),
        ends_at=_at(2027, 6, 9, 16, 30),
        registration_opens_at=_at(2026, 1, 1, 9, 0),
        registration_closes_at=_at(2027, 5, 20, 18, 0),
    )


@pytest.fixture
def workshop(conference):
    return WorkshopFactory(
        conference=conference,
        title="Sprachmittlung organisieren",
        room="Raum 1",
        starts_at=_at(2027, 6, 8, 11, 15),
        ends_at=_at(2027, 6, 8, 12, 30),
    )


def _text(response):
    html = re.sub(r"</?(?:a|span|strong|em|time)\b[^>]*>", "", response.content.decode())
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip()


def test_conference_page_in_english_gives_day_month_year_and_the_24_hour_clock(client, conference):
    url = conference.get_absolute_url()

    english = _text(client.get("/en" + url))
    german = _text(client.get(url))

    assert "Date Tuesday 8 June 2027, 11:15 – Wednesday 9 June 2027, 16:30" in english
    assert "Registration deadline: 20 May 2027, 18:00" in english
    assert "Venue Kongress Palais Kassel" in english
    assert US_STYLE.search(english) is None
    assert "Datum Dienstag, 8. Juni 2027, 11:15 – Mittwoch, 9. Juni 2027, 16:30" in german
    assert "Anmeldeschluss: 20. Juni 2027" not in german
    assert "Anmeldeschluss: 20. Mai 2027 18:00" in german
    assert "Ort Kongress Palais Kassel" in german


def test_conference_cards_in_english_give_the_date_the_european_way(client, conference):
    english = _text(client.get("/en/"))

    assert "Regionalkonferenz Kassel" in english
    assert "Date 8 June 2027 – 9 June 2027" in english
    assert US_STYLE.search(english) is None


def test_session_page_in_english_gives_weekday_day_month_and_times(client, workshop):
    url = workshop.get_absolute_url()

    english = _text(client.get("/en" + url))
    german = _text(client.get(url))

    assert "Time Tuesday 8 June 2027, 11:15 – 12:30" in english
    assert "Zeit Dienstag, 8. Juni 2027, 11:15 – 12:30" in german


def test_programme_in_english_heads_each_day_the_european_way(client, workshop):
    english = client.get("/en" + workshop.conference.get_absolute_url() + "programm/")

    assert '<h2 id="tag-2027-06-08">Tuesday 8 June 2027</h2>' in english.content.decode()
    assert "11:15 – 12:30" in _text(english)


@pytest.mark.parametrize(
    ("language", "subject", "lines"),
    [
        (
            "en",
            "Reminder: Regionalkonferenz Kassel on 8 June 2027",
            [
                "Start: 8 June 2027, 11:15",
                "End: 9 June 2027, 16:30",
                "- Tue 8 June, 11:15–12:30: Sprachmittlung organisieren (Raum 1)",
            ],
        ),
        (
            "de",
            "Erinnerung: Regionalkonferenz Kassel am 8. Juni 2027",
            [
                "Beginn: 8. Juni 2027 11:15",
                "Ende: 9. Juni 2027 16:30",
                "- Di, 8. Juni, 11:15–12:30 Uhr: Sprachmittlung organisieren (Raum 1)",
            ],
        ),
    ],
)
def test_email_gives_dates_in_the_participants_language(workshop, language, subject, lines):
    registration = RegistrationFactory(conference=workshop.conference, language=language)
    SessionBookingFactory(registration=registration, session=workshop)
    email = SentEmail.objects.create(
        registration=registration,
        to=registration.email,
        kind=SentEmail.Kind.REMINDER,
        language=language,
        subject=render_subject(registration=registration, kind=SentEmail.Kind.REMINDER),
    )

    message = build_message(email)

    assert message.subject == subject
    body_lines = message.body.splitlines()
    for line in lines:
        assert line in body_lines
    html = message.alternatives[0][0]
    if language == "en":
        assert "<p>8 June 2027, 11:15 – 9 June 2027, 16:30<br>" in html
        assert US_STYLE.search(message.body) is None
        assert US_STYLE.search(html) is None


def test_django_formats_in_english_are_european_for_the_admin_and_messages():
    moment = timezone.localtime(_at(2027, 6, 8, 11, 15))

    with translation.override("en"):
        formatted = [
            date_format(moment, name)
            for name in ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "TIME_FORMAT")
        ] + [date_format(moment, "SHORT_DATETIME_FORMAT")]

    assert formatted == [
        "8 June 2027",
        "8 June 2027, 11:15",
        "8 Jun 2027",
        "11:15",
        "8 Jun 2027, 11:15",
    ]


def test_english_forms_read_a_numeric_date_day_first():
    with translation.override("en"):
        parsed = forms.DateField().clean("06/08/2027")
        iso = forms.DateField().clean("2027-06-08")

    assert parsed == date(2027, 8, 6)
    assert iso == date(2027, 6, 8)


def test_session_outside_the_conference_names_its_times_in_the_language_of_the_form(conference):
    session = SessionFactory.build(
        conference=conference,
        starts_at=_at(2027, 6, 10, 9, 0),
        ends_at=_at(2027, 6, 10, 10, 0),
    )

    with translation.override("en"), pytest.raises(ValidationError) as english:
        session.clean()
    with translation.override("de"), pytest.raises(ValidationError) as german:
        session.clean()

    assert "(8 Jun 2027, 11:15 to 9 Jun 2027, 16:30)" in str(english.value.message_dict)
    assert "(08.06.2027 11:15 bis 09.06.2027 16:30)" in str(german.value.message_dict)
