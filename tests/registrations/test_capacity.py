"""`services.change_capacity`: a capacity changed anywhere (admin, shell, seeds) fills the new
seats from the waiting lists in the same transaction."""

import pytest
from django.core import mail

from conferences.models import Conference, Session
from registrations import services
from registrations.models import Registration, SessionBooking
from tests.registrations.conftest import seat_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

Status = Registration.Status
BOOKED = SessionBooking.Status.BOOKED
WAITLISTED = SessionBooking.Status.WAITLISTED


def fill(conference, register, count):
    return [services.confirm_email(registration=register(conference)) for _ in range(count)]


def test_raising_the_conference_capacity_promotes_and_reports_who_moved_up(
    conference, workshops, register, run
):
    first, _parallel, _later = workshops
    fill(conference, register, 3)
    waiting = [
        register(conference, session_ids=[first], conference_known_full=True) for _ in range(3)
    ]
    mail.outbox.clear()

    promoted = run(services.change_capacity, conference=conference, capacity=5)

    assert [r.pk for r in promoted.registrations] == [waiting[0].pk, waiting[1].pk]
    assert [(b.registration_id, b.session.title) for b in promoted.bookings] == [
        (waiting[0].pk, "Workshop Ankommen"),
        (waiting[1].pk, "Workshop Ankommen"),
    ]
    stored = Conference.objects.get(pk=conference.pk)
    assert (stored.capacity, stored.seats_taken, stored.waitlist_count) == (5, 5, 1)
    assert conference.capacity == 5  # the caller's instance too
    assert [Registration.objects.get(pk=r.pk).status for r in waiting] == [
        Status.PENDING,
        Status.PENDING,
        Status.WAITLISTED,
    ]
    assert [SessionBooking.objects.get(registration=r).status for r in waiting] == [
        BOOKED,
        BOOKED,
        WAITLISTED,
    ]
    assert [m.to[0] for m in mail.outbox] == [waiting[0].email, waiting[1].email]
    assert seat_problems(conference) == []


def test_changing_a_capacity_records_it_in_the_history(conference):
    services.change_capacity(conference=conference, capacity=7)

    latest = Conference.history.filter(id=conference.pk).latest("history_date")
    assert (latest.history_type, latest.capacity) == ("~", 7)


def test_raising_a_session_capacity_gives_seats_only_to_people_with_a_conference_seat(
    conference, workshops, register, run
):
    first, _parallel, _later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    seated = register(conference, session_ids=[first], known_full_session_ids=[first])
    no_seat_yet = register(conference, session_ids=[first], conference_known_full=True)
    mail.outbox.clear()

    promoted = run(services.change_capacity, session=first, capacity=4)

    assert promoted.registrations == []
    assert [b.registration_id for b in promoted.bookings] == [seated.pk]
    assert SessionBooking.objects.get(registration=no_seat_yet).status == WAITLISTED
    stored = Session.objects.get(pk=first.pk)
    assert (stored.capacity, stored.seats_taken, stored.waitlist_count) == (4, 3, 1)
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        (seated.email, "Ein Platz für Sie: Regionalkonferenz Nordhessen")
    ]
    assert seat_problems(conference) == []


def test_a_session_without_a_capacity_seats_everyone_waiting_with_a_conference_seat(
    conference, workshops, register
):
    first, _parallel, _later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    seated = register(conference, session_ids=[first], known_full_session_ids=[first])

    promoted = services.change_capacity(session=first, capacity=None)

    assert [b.registration_id for b in promoted.bookings] == [seated.pk]
    assert Session.objects.get(pk=first.pk).capacity is None
    assert seat_problems(conference) == []


@pytest.mark.parametrize("target", ["conference", "session"])
def test_a_capacity_below_the_seats_taken_is_refused_and_nothing_changes(
    conference, workshops, register, target
):
    first, _parallel, _later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    obj = conference if target == "conference" else first

    with pytest.raises(services.RegistrationError) as refused:
        services.change_capacity(**{target: obj, "capacity": 1})

    assert (refused.value.code, refused.value.field) == ("capacity_below_taken", "capacity")
    assert str(refused.value) == (
        "Es sind bereits 2 Plätze vergeben; die Kapazität kann nicht kleiner sein."
    )
    obj.refresh_from_db()
    assert (obj.capacity, obj.seats_taken) == ((3 if target == "conference" else 2), 2)


def test_change_capacity_needs_exactly_one_target_and_a_conference_capacity(conference):
    with pytest.raises(TypeError):
        services.change_capacity(capacity=3)
    with pytest.raises(TypeError):
        services.change_capacity(conference=conference, capacity=None)
