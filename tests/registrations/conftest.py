from datetime import timedelta

import pytest
from django.utils import timezone

from conferences.models import Conference
from registrations import services
from registrations.models import Registration, SessionBooking
from tests.factories import ConferenceFactory, ParticipantDataFactory, WorkshopFactory

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks (the e-mails) run right when they are queued, in the same thread."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def conference(db):
    return ConferenceFactory(
        title="Regionalkonferenz Nordhessen",
        capacity=3,
        contact_email="tagung@example.org",
        contact_phone="0561 123456",
    )


@pytest.fixture
def workshops(conference):
    """Two parallel workshops with two seats each and a third one later the same day."""
    first = WorkshopFactory(conference=conference, title="Workshop Ankommen", capacity=2)
    parallel = WorkshopFactory(
        conference=conference,
        title="Workshop Sprache",
        capacity=2,
        starts_at=first.starts_at + timedelta(minutes=30),
    )
    later = WorkshopFactory(
        conference=conference,
        title="Workshop Arbeit",
        capacity=2,
        starts_at=first.ends_at + timedelta(minutes=30),
    )
    return first, parallel, later


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and then what it scheduled for after its commit (queueing the e-mails)."""

    def _run(service, /, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return _run


@pytest.fixture
def register(run):
    """Register someone through the service, with the form's usual answers as defaults."""

    def _register(
        conference,
        *,
        session_ids=(),
        consents=("privacy",),
        language="de",
        known_full_session_ids=(),
        conference_known_full=False,
        now=None,
        **participant,
    ):
        return run(
            services.register_participant,
            conference=conference,
            participant=ParticipantDataFactory(**participant),
            session_ids=[getattr(s, "pk", s) for s in session_ids],
            consents=consents,
            language=language,
            known_full_session_ids=[getattr(s, "pk", s) for s in known_full_session_ids],
            conference_known_full=conference_known_full,
            now=now,
        )

    return _register


def seat_problems(conference: Conference) -> list[str]:
    """Everything that breaks the seat invariants of `registrations.models`; [] when sound."""
    problems = []
    stored = services.stored_seat_counts(conference=conference)
    recount = services.recount_seats(conference=conference)
    if stored != recount:
        problems.append(f"counters {stored} != recount {recount}")
    conference = Conference.objects.get(pk=conference.pk)
    if conference.seats_taken > conference.capacity:
        problems.append("conference overbooked")
    if conference.seats_taken < conference.capacity and conference.waitlist_count:
        problems.append("free conference seat while people wait")
    booked_without_seat = SessionBooking.objects.filter(
        session__conference=conference, status=SessionBooking.Status.BOOKED
    ).exclude(registration__status__in=Registration.SEAT_HOLDING)
    if booked_without_seat.exists():
        problems.append("session seat held without a conference seat")
    for session in conference.sessions.all():
        if session.capacity is not None and session.seats_taken > session.capacity:
            problems.append(f"{session} overbooked")
        eligible_waiting = session.bookings.filter(
            status=SessionBooking.Status.WAITLISTED,
            registration__status__in=Registration.SEAT_HOLDING,
        )
        has_seat = session.capacity is None or session.seats_taken < session.capacity
        if has_seat and eligible_waiting.exists():
            problems.append(f"free seat in {session} while people wait")
    return problems


@pytest.fixture
def past_deadline():
    """A moment after the confirmation deadline of registrations made now."""
    return timezone.now() + timedelta(hours=48, minutes=1)
