"""The registration form's slots: sessions that overlap share a radio group, and each option then
names its own times, which the slot's label ("11:00 bis 13:00 Uhr") would hide."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from registrations.forms import RegistrationForm
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def _hm(moment):
    return f"{timezone.localtime(moment):%H:%M}"


@pytest.mark.parametrize(("language", "suffix"), [("de", " Uhr"), ("en", "")])
def test_options_of_overlapping_sessions_name_their_own_times(language, suffix):
    conference = ConferenceFactory()
    start = conference.starts_at + timedelta(hours=2)
    long = WorkshopFactory(
        conference=conference,
        title="Forum A",
        room="R1",
        capacity=25,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    short = WorkshopFactory(
        conference=conference,
        title="Forum B",
        room="R2",
        capacity=25,
        starts_at=start + timedelta(minutes=30),
        ends_at=start + timedelta(hours=1),
    )

    with translation.override(language):
        form = RegistrationForm(conference=conference)
        [slot] = form.slots
        labels = dict(form.fields[slot.field_name].choices)
        seats = "noch 25 Plätze frei" if language == "de" else "25 seats left"

    assert labels[long.pk] == (
        f"{_hm(long.starts_at)}–{_hm(long.ends_at)}{suffix} · Forum A · R1 – {seats}"
    )
    assert labels[short.pk] == (
        f"{_hm(short.starts_at)}–{_hm(short.ends_at)}{suffix} · Forum B · R2 – {seats}"
    )


def test_options_of_sessions_with_the_slots_times_need_none():
    conference = ConferenceFactory()
    forum = WorkshopFactory(conference=conference, title="Forum A", room="R1", capacity=25)
    WorkshopFactory(conference=conference, title="Forum B", room="R2", capacity=25)

    form = RegistrationForm(conference=conference)

    labels = dict(form.fields[form.slots[0].field_name].choices)
    assert labels[forum.pk] == "Forum A · R1 – noch 25 Plätze frei"
