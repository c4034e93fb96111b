"""The registration forms: what a person may type, and what the form says when it is wrong."""

import time
import unicodedata
from datetime import timedelta

import pytest
from django.core import signing

from registrations.forms import (
    FORM_TOKEN_SALT,
    LostLinkForm,
    ParticipantUpdateForm,
    RegistrationForm,
    SessionChangeForm,
)
from registrations.models import Consent
from registrations.session_forms import group_into_slots
from tests.factories import (
    ConferenceFactory,
    RegistrationFactory,
    SessionBookingFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


def _token(conference, *, seconds_ago=60):
    return RegistrationForm(conference=conference).make_token(started=time.time() - seconds_ago)


def _data(conference, **overrides):
    data = {
        "salutation": "ms",
        "first_name": "Ina",
        "last_name": "Jerenashvili",
        "email": "ina@example.org",
        "consent_privacy": "on",
        "form_token": _token(conference),
    }
    data.update(overrides)
    return data


def _form(conference, **overrides):
    return RegistrationForm(_data(conference, **overrides), conference=conference)


def test_registration_form_valid_with_names_email_and_privacy_only():
    conference = ConferenceFactory()

    form = _form(conference)

    assert form.is_valid(), form.errors
    assert form.chosen_session_ids() == []
    assert form.consents() == [Consent.Purpose.PRIVACY]


def test_registration_form_empty_submission_names_each_missing_field():
    conference = ConferenceFactory()

    form = RegistrationForm({}, conference=conference)

    assert not form.is_valid()
    assert {name: errors for name, errors in form.errors.items() if name != "__all__"} == {
        "first_name": ["Bitte geben Sie Ihren Vornamen an."],
        "last_name": ["Bitte geben Sie Ihren Nachnamen an."],
        "email": ["Bitte geben Sie Ihre E-Mail-Adresse an."],
        "consent_privacy": [
            "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise zur Kenntnis genommen haben."
        ],
    }


def test_registration_form_invalid_email_error_beside_the_field():
    conference = ConferenceFactory()

    form = _form(conference, email="ina(at)example.org")

    assert not form.is_valid()
    assert form.errors["email"] == [
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    ]


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("first_name", 100),
        ("last_name", 100),
        ("academic_title", 50),
        ("organisation", 200),
        ("region", 100),
        ("dietary_notes", 300),
        ("accessibility_needs", 1000),
    ],
)
def test_registration_form_over_long_text_is_a_field_error(name, limit):
    conference = ConferenceFactory()

    form = _form(conference, **{name: "x" * (limit + 1)})

    assert not form.is_valid()
    assert list(form.errors) == [name]
    assert str(limit) in form.errors[name][0]


@pytest.mark.parametrize(
    "value",
    ["Ina\x00", "Ina\x1b[31m", "Ina\nJerenashvili", "Ina\u202eavilhsaneJ", "In\u2028a", "\x7fIna"],
)
def test_registration_form_rejects_control_characters_in_names(value):
    conference = ConferenceFactory()

    form = _form(conference, first_name=value)

    assert not form.is_valid()
    assert form.errors["first_name"] == ["Bitte entfernen Sie die Steuerzeichen aus diesem Feld."]


def test_registration_form_keeps_line_breaks_in_multi_line_fields():
    conference = ConferenceFactory()

    form = _form(conference, accessibility_needs="Rollstuhl\r\nInduktionsschleife\tbitte")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["accessibility_needs"] == "Rollstuhl\r\nInduktionsschleife\tbitte"


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Nima", "Zaeri-Esfahani"),
        ("Lucia", "Kühne-Hörmann"),
        ("Ina", "Jerenashvili"),
        ("مريم", "العلي"),
        ("Mehr\u200cnaz", "Rahimi"),  # a zero-width non-joiner, as Persian spelling needs
    ],
)
def test_registration_form_accepts_unicode_names(first_name, last_name):
    conference = ConferenceFactory()

    form = _form(conference, first_name=first_name, last_name=last_name)

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["first_name"], form.cleaned_data["last_name"]) == (
        first_name,
        last_name,
    )


def test_registration_form_stores_names_composed():
    conference = ConferenceFactory()
    decomposed = unicodedata.normalize("NFD", "Kühne-Hörmann")

    form = _form(conference, last_name=decomposed)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["last_name"] == "Kühne-Hörmann"


def test_registration_form_offers_every_salutation_and_optional_choices():
    conference = ConferenceFactory()

    form = RegistrationForm(conference=conference)

    assert [str(label) for _value, label in form.fields["salutation"].choices] == [
        "keine Angabe",
        "Frau",
        "Herr",
        "divers",
    ]
    required = sorted(name for name, field in form.fields.items() if field.required)
    assert required == ["consent_privacy", "email", "first_name", "last_name"]


def test_registration_form_groups_parallel_sessions_into_one_radio_group():
    conference = ConferenceFactory()
    start = conference.starts_at + timedelta(hours=2)
    forum_a = WorkshopFactory(conference=conference, starts_at=start, title="Forum A")
    forum_b = WorkshopFactory(
        conference=conference, starts_at=start + timedelta(minutes=30), title="Forum B"
    )
    later = WorkshopFactory(conference=conference, starts_at=start + timedelta(hours=3))

    form = RegistrationForm(conference=conference)

    slots = form.slots
    assert [[s.pk for s in slot.sessions] for slot in slots] == [
        [forum_a.pk, forum_b.pk],
        [later.pk],
    ]
    assert [value for value, _label in form.fields[slots[0].field_name].choices] == [
        "",
        forum_a.pk,
        forum_b.pk,
    ]


def test_registration_form_shows_seats_left_or_waiting_list():
    conference = ConferenceFactory()
    open_forum = WorkshopFactory(conference=conference, title="Forum A", capacity=25, room="R1")
    full_forum = WorkshopFactory(
        conference=conference, title="Forum B", capacity=10, seats_taken=10, room="R2"
    )

    form = RegistrationForm(conference=conference)

    labels = dict(form.fields[form.slots[0].field_name].choices)
    assert labels[open_forum.pk] == "Forum A · R1 – noch 25 Plätze frei"
    assert labels[full_forum.pk] == "Forum B · R2 – ausgebucht – Warteliste"
    assert labels[""] == "keine Auswahl"


def test_registration_form_ignores_sessions_that_cannot_be_booked():
    conference = ConferenceFactory()
    WorkshopFactory(conference=conference, is_bookable=False)

    form = RegistrationForm(conference=conference)

    assert form.slots == []


def test_registration_form_chosen_sessions_per_slot():
    conference = ConferenceFactory()
    morning = WorkshopFactory(conference=conference)
    afternoon = WorkshopFactory(
        conference=conference, starts_at=morning.starts_at + timedelta(hours=4)
    )
    names = [slot.field_name for slot in group_into_slots([morning, afternoon])]

    form = _form(conference, **{names[0]: str(morning.pk), names[1]: str(afternoon.pk)})

    assert form.is_valid(), form.errors
    assert form.chosen_session_ids() == [morning.pk, afternoon.pk]


def test_registration_form_rejects_a_session_of_another_slot():
    conference = ConferenceFactory()
    morning = WorkshopFactory(conference=conference)
    afternoon = WorkshopFactory(
        conference=conference, starts_at=morning.starts_at + timedelta(hours=4)
    )
    first_slot = group_into_slots([morning, afternoon])[0].field_name

    form = _form(conference, **{first_slot: str(afternoon.pk)})

    assert not form.is_valid()
    assert list(form.errors) == [first_slot]


def test_registration_form_submitted_too_fast_gets_a_friendly_error(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 3
    conference = ConferenceFactory()

    form = _form(conference, form_token=_token(conference, seconds_ago=1))

    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Das Formular wurde schneller abgeschickt, als es sich ausfüllen lässt. Zum Schutz vor "
        "automatisierten Anmeldungen: Bitte prüfen Sie Ihre Angaben und senden Sie das Formular "
        "noch einmal ab."
    ]


def test_registration_form_minimum_fill_time_can_be_lifted(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    conference = ConferenceFactory()

    form = _form(conference, form_token=_token(conference, seconds_ago=0))

    assert form.is_valid(), form.errors


@pytest.mark.parametrize("token", ["", "forged", "eyJjIjoxfQ:1abc:def"])
def test_registration_form_with_a_missing_or_forged_token_asks_to_send_again(token):
    conference = ConferenceFactory()

    form = _form(conference, form_token=token)

    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Das Formular war zu lange geöffnet oder ist unvollständig angekommen. Bitte prüfen Sie "
        "Ihre Angaben und senden Sie das Formular erneut ab."
    ]


def test_registration_form_token_of_another_conference_is_refused():
    conference, other = ConferenceFactory.create_batch(2)

    form = _form(conference, form_token=_token(other))

    assert not form.is_valid()
    assert "zu lange geöffnet" in form.non_field_errors()[0]


def test_registration_form_honeypot_filled_is_an_error_and_emptied():
    conference = ConferenceFactory()

    form = _form(conference, website="http://spam.example")

    assert not form.is_valid()
    assert "leer bleiben muss" in form.non_field_errors()[0]
    assert form.data["website"] == ""


def test_registration_form_renewed_token_keeps_start_and_records_full_sessions():
    conference = ConferenceFactory()
    forum = WorkshopFactory(conference=conference, capacity=1)
    form = _form(conference)
    form.is_valid()
    started = form.token_payload["t"]
    forum.seats_taken = 1
    forum.save()

    form.show_sessions([forum])
    form.renew_token()

    payload = signing.loads(form.data["form_token"], salt=FORM_TOKEN_SALT)
    assert (payload["t"], payload["fs"], payload["c"]) == (started, [forum.pk], conference.pk)


def test_registration_form_consents_are_the_boxes_ticked():
    conference = ConferenceFactory()

    form = _form(conference, consent_photos="on", consent_newsletter="on")

    assert form.is_valid(), form.errors
    assert form.consents() == [
        Consent.Purpose.PRIVACY,
        Consent.Purpose.PHOTOS,
        Consent.Purpose.NEWSLETTER,
    ]


def test_registration_form_links_the_privacy_notice():
    conference = ConferenceFactory()

    form = RegistrationForm(conference=conference)

    assert 'href="/datenschutz/"' in str(form.fields["consent_privacy"].label)


def test_participant_update_form_checks_like_the_registration_form():
    form = ParticipantUpdateForm(
        {"first_name": "Ina\x07", "last_name": "J" * 101, "email": "ina@example.org"}
    )

    assert not form.is_valid()
    assert sorted(form.errors) == ["first_name", "last_name"]


def test_session_change_form_preselects_the_booked_session():
    registration = RegistrationFactory()
    booking = SessionBookingFactory(
        registration=registration,
        session=WorkshopFactory(conference=registration.conference, title="Forum A"),
    )

    form = SessionChangeForm(registration=registration)

    field_name = form.slots[0].field_name
    assert form.initial[field_name] == booking.session_id
    assert (
        dict(form.fields[field_name].choices)[booking.session_id] == "Forum A · Raum 1 – Ihr Platz"
    )


def test_lost_link_form_requires_a_valid_address():
    form = LostLinkForm({"email": "nobody"})

    assert not form.is_valid()
    assert form.errors["email"] == [
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    ]
