"""Data minimisation: the participant data of a finished conference is deleted after the
retention period, with everything that carries it (bookings, consents, e-mail log, history)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from conferences.models import Conference
from registrations import services
from registrations.models import Consent, Registration, SentEmail, SessionBooking
from tests.factories import ConferenceFactory, RegistrationFactory
from tests.registrations.conftest import seat_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def attended(conference, workshops, register):
    """Four people for three seats: three seated (one confirmed), one waiting; workshops booked."""
    first, _parallel, later = workshops
    people = [
        register(conference, session_ids=[first, later], known_full_session_ids=[first, later])
        for _ in range(3)
    ]
    services.confirm_email(registration=people[0])
    register(conference, session_ids=[first], conference_known_full=True)
    return conference


def test_purge_deletes_every_trace_of_the_participants_and_resets_the_counters(attended, settings):
    ids = list(attended.registrations.values_list("pk", flat=True))
    assert SentEmail.objects.filter(registration_id__in=ids).exists()
    mail.outbox.clear()

    deleted = services.purge_registrations(
        conference=attended, now=attended.ends_at + timedelta(days=91)
    )

    assert deleted == 4
    assert Registration.objects.filter(pk__in=ids).count() == 0
    assert SessionBooking.objects.filter(registration_id__in=ids).count() == 0
    assert Consent.objects.filter(registration_id__in=ids).count() == 0
    assert SentEmail.objects.filter(registration_id__in=ids).count() == 0
    assert Registration.history.filter(id__in=ids).count() == 0
    assert SessionBooking.history.filter(registration_id__in=ids).count() == 0
    assert Consent.history.filter(registration_id__in=ids).count() == 0
    attended.refresh_from_db()
    assert (attended.seats_taken, attended.waitlist_count) == (0, 0)
    assert set(attended.sessions.values_list("seats_taken", "waitlist_count")) == {(0, 0)}
    assert seat_problems(attended) == []
    assert mail.outbox == []


def test_purge_refuses_a_conference_that_has_not_ended(attended):
    with pytest.raises(services.RegistrationError) as excinfo:
        services.purge_registrations(conference=attended)

    assert excinfo.value.code == "not_finished"
    assert attended.registrations.count() == 4


def test_cron_purges_only_conferences_past_the_retention_period(attended, register, settings):
    settings.REGISTRATION_RETENTION_DAYS = 90
    recent = ConferenceFactory(
        starts_at=attended.starts_at + timedelta(days=60),
        ends_at=attended.ends_at + timedelta(days=60),
        registration_closes_at=attended.starts_at + timedelta(days=50),
    )
    register(recent, email="bleibt@example.org")

    purged = services.purge_finished_conferences(now=attended.ends_at + timedelta(days=91))

    assert purged == {attended: 4}
    assert attended.registrations.count() == 0
    assert list(recent.registrations.values_list("email", flat=True)) == ["bleibt@example.org"]


def test_purge_command_deletes_registrations_of_conferences_ended_long_ago(settings):
    settings.REGISTRATION_RETENTION_DAYS = 90
    started = timezone.now() - timedelta(days=200)
    old = ConferenceFactory(
        slug="regionalkonferenz-alt",
        starts_at=started,
        ends_at=started + timedelta(hours=8),
        registration_opens_at=started - timedelta(days=60),
        registration_closes_at=started - timedelta(days=2),
        status=Conference.Status.ARCHIVED,
    )
    RegistrationFactory.create_batch(2, conference=old)
    upcoming = RegistrationFactory()
    out = StringIO()

    call_command("purge_registrations", stdout=out)

    assert out.getvalue().splitlines() == [
        "regionalkonferenz-alt: 2 registration(s) deleted.",
        "2 registration(s) of 1 conference(s) deleted (retention: 90 days after the event).",
    ]
    assert list(Registration.objects.all()) == [upcoming]
