"""The pure rules of registrations.rules that the e-mails and the services share."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from registrations.models import Registration
from registrations.rules import confirmation_deadline, is_overdue

Status = Registration.Status
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
