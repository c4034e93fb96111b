"""Database constraints of the conference models, on whichever database the suite runs."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conferences.models import Conference, Topic
from tests.factories import (
    ConferenceFactory,
    ExhibitorFactory,
    SessionFactory,
    SessionSpeakerFactory,
)

pytestmark = pytest.mark.django_db


def test_conference_ending_before_start_is_rejected_by_the_database():
    conference = ConferenceFactory()

    conference.ends_at = conference.starts_at - timedelta(hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        conference.save()


def test_conference_negative_capacity_is_rejected_by_the_database():
    conference = ConferenceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.filter(pk=conference.pk).update(capacity=-1)


def test_conference_seats_taken_above_capacity_is_rejected_by_the_database():
    conference = ConferenceFactory(capacity=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.filter(pk=conference.pk).update(seats_taken=3)


def test_conference_registration_closing_before_opening_is_rejected():
    conference = ConferenceFactory()

    conference.registration_closes_at = conference.registration_opens_at - timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        conference.save()


def test_conference_clean_reports_capacity_below_seats_taken_on_the_field():
    conference = ConferenceFactory(capacity=10)
    Conference.objects.filter(pk=conference.pk).update(seats_taken=5)
    conference.refresh_from_db()

    conference.capacity = 4
    with pytest.raises(ValidationError) as excinfo:
        conference.full_clean()

    assert list(excinfo.value.message_dict) == ["capacity"]


def test_session_ending_before_start_is_rejected_by_the_database():
    session = SessionFactory()

    session.ends_at = session.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_session_negative_capacity_is_rejected_by_the_database():
    session = SessionFactory(capacity=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        type(session).objects.filter(pk=session.pk).update(capacity=-5)


def test_session_seats_taken_above_capacity_is_rejected_by_the_database():
    session = SessionFactory(capacity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        type(session).objects.filter(pk=session.pk).update(seats_taken=2)


def test_session_without_capacity_accepts_any_seat_counter():
    session = SessionFactory(capacity=None)

    type(session).objects.filter(pk=session.pk).update(seats_taken=500)

    session.refresh_from_db()
    assert session.seats_taken == 500


def test_session_clean_rejects_a_time_outside_the_conference():
    session = SessionFactory()

    session.starts_at = session.conference.starts_at - timedelta(hours=3)
    session.ends_at = session.conference.starts_at - timedelta(hours=2)
    with pytest.raises(ValidationError) as excinfo:
        session.full_clean()

    assert list(excinfo.value.message_dict) == ["starts_at"]


def test_speaker_appears_once_per_session():
    role = SessionSpeakerFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionSpeakerFactory(session=role.session, speaker=role.speaker)


def test_exhibitor_stand_number_is_unique_within_a_conference_case_insensitively():
    exhibitor = ExhibitorFactory(stand="A1")

    with pytest.raises(IntegrityError), transaction.atomic():
        ExhibitorFactory(conference=exhibitor.conference, stand="a1")


def test_exhibitor_stand_number_may_repeat_across_conferences_and_be_empty():
    first = ExhibitorFactory(stand="A1")
    ExhibitorFactory(conference=first.conference, stand="")
    ExhibitorFactory(conference=first.conference, stand="")

    other = ExhibitorFactory(stand="A1")

    assert other.conference != first.conference
    assert first.conference.exhibitors.filter(stand="").count() == 2


def test_topics_are_seeded_with_the_seven_fields_of_action():
    names = list(Topic.objects.values_list("name", flat=True))

    assert len(names) == 7
    assert names[0] == "Sprache und Bildung"
    assert names[-1] == "Zuwanderung und Flüchtlinge"
