"""Database constraints of registrations, bookings and consents."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from registrations.models import Registration
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    RegistrationFactory,
    SessionBookingFactory,
)

pytestmark = pytest.mark.django_db


def test_second_active_registration_with_same_email_in_other_case_is_rejected():
    first = RegistrationFactory(email="anne.janz@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(conference=first.conference, email="Anne.Janz@EXAMPLE.org")


def test_cancelled_registration_does_not_block_a_new_one_with_the_same_email():
    first = RegistrationFactory(email="anne.janz@example.org", status=Registration.Status.CANCELLED)

    second = RegistrationFactory(conference=first.conference, email="anne.janz@example.org")

    assert second.conference.registrations.filter(email__iexact=second.email).count() == 2


def test_same_email_may_register_for_two_conferences():
    first = RegistrationFactory(email="kai.klose@example.org")

    second = RegistrationFactory(conference=ConferenceFactory(), email="kai.klose@example.org")

    assert first.conference != second.conference


def test_registration_stores_unicode_names_unchanged():
    registration = RegistrationFactory(first_name="Mehrnousch", last_name="Zaeri-Esfahani")
    arabic = RegistrationFactory(first_name="ليلى", last_name="العلي")

    registration.refresh_from_db()
    arabic.refresh_from_db()

    assert registration.full_name == "Mehrnousch Zaeri-Esfahani"
    assert arabic.full_name == "ليلى العلي"


def test_one_booking_per_registration_and_session():
    booking = SessionBookingFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionBookingFactory(registration=booking.registration, session=booking.session)


def test_one_active_consent_per_purpose_but_renewal_after_withdrawal():
    consent = ConsentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentFactory(registration=consent.registration, purpose=consent.purpose)

    consent.withdrawn_at = timezone.now()
    consent.save()
    ConsentFactory(registration=consent.registration, purpose=consent.purpose)

    assert consent.registration.consents.filter(withdrawn_at__isnull=True).count() == 1


def test_consent_cannot_be_withdrawn_before_it_was_given():
    consent = ConsentFactory()

    consent.withdrawn_at = consent.given_at - timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        consent.save()
