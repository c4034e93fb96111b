"""The pure rules of registrations.rules that the e-mails and the services share."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from registrations.models import Registration
from registrations.rules import confirmation_deadline, is_overdue, overlapping_session_ids

Status = Registration.Status
NINE = datetime(2027, 3, 4, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
MADE_AT = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(autouse=True)
def two_days_to_confirm(settings):
    settings.REGISTRATION_CONFIRMATION_HOURS = 48


def test_confirmation_deadline_is_the_configured_hours_after_the_registration():
    registration = Registration(created_at=MADE_AT)

    deadline = confirmation_deadline(registration)

    assert deadline == datetime(2026, 3, 4, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize("status", [Status.PENDING, Status.WAITLISTED, Status.AWAITING_APPROVAL])
def test_an_unconfirmed_registration_is_overdue_from_its_deadline_on(status):
    registration = Registration(created_at=MADE_AT, status=status)
    deadline = confirmation_deadline(registration)
    moments = (deadline - timedelta(seconds=1), deadline, deadline + timedelta(days=1))

    outcomes = [is_overdue(registration, moment) for moment in moments]

    assert outcomes == [False, True, True]


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.CANCELLED])
def test_a_confirmed_or_cancelled_registration_is_never_overdue(status):
    registration = Registration(created_at=MADE_AT, status=status)

    overdue = is_overdue(registration, MADE_AT + timedelta(days=30))

    assert overdue is False


def test_a_confirmed_address_is_never_overdue_while_waiting():
    registration = Registration(
        created_at=MADE_AT, status=Status.WAITLISTED, email_confirmed_at=MADE_AT
    )

    overdue = is_overdue(registration, MADE_AT + timedelta(days=30))

    assert overdue is False


def session(pk, start_hours, hours=1.0):
    starts_at = NINE + timedelta(hours=start_hours)
    return SimpleNamespace(pk=pk, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def test_overlapping_sessions_are_named_and_back_to_back_ones_are_not():
    sessions = [session(1, 0), session(2, 0.5), session(3, 1.5, hours=0.5), session(4, 2)]

    assert overlapping_session_ids(sessions) == {1, 2}


def test_a_long_session_overlaps_every_session_inside_it():
    sessions = [session(5, 2), session(6, 0, hours=4), session(7, 3)]

    assert overlapping_session_ids(sessions) == {5, 6, 7}
