"""Reads shared by the services, the pages and the e-mails (registrations.selectors)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registrations.models import Registration
from registrations.selectors import waitlist_position
from tests.factories import ConferenceFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


def test_waitlist_position_counts_the_people_waiting_longer_for_the_same_conference():
    conference = ConferenceFactory()
    earlier = timezone.now() - timedelta(hours=1)
    first = RegistrationFactory(conference=conference, status=Status.WAITLISTED, created_at=earlier)
    RegistrationFactory(conference=conference, status=Status.CONFIRMED, created_at=earlier)
    RegistrationFactory(status=Status.WAITLISTED, created_at=earlier)  # another conference
    # Registered in the same instant: the older row goes first.
    second = RegistrationFactory(conference=conference, status=Status.WAITLISTED)
    third = RegistrationFactory(
        conference=conference, status=Status.WAITLISTED, created_at=second.created_at
    )

    positions = [waitlist_position(r) for r in (first, second, third)]

    assert positions == [1, 2, 3]


@pytest.mark.parametrize("status", [Status.PENDING, Status.CONFIRMED, Status.CANCELLED])
def test_waitlist_position_is_none_for_who_is_not_waiting(status):
    registration = RegistrationFactory(status=status)

    position = waitlist_position(registration)

    assert position is None
