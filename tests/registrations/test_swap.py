"""Changing to a full session keeps the seat held until the two can be traded (a swap)."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from registrations import services
from registrations.models import Registration, SessionBooking
from tests.factories import WorkshopFactory
from tests.registrations.conftest import seat_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

BOOKED = SessionBooking.Status.BOOKED
WAITLISTED = SessionBooking.Status.WAITLISTED


def counters(obj):
    obj.refresh_from_db()
    return obj.seats_taken, obj.waitlist_count


def bookings_of(registration):
    return {
        b.session.title: (b.status, b.replaces.session.title if b.replaces_id else None)
        for b in registration.bookings.select_related("session", "replaces__session")
    }


def swap_problems(conference):
    """Swaps that break their rule: waiting, for a booked seat of the same person, overlapping."""
    problems = []
    for swap in SessionBooking.objects.filter(
        session__conference=conference, replaces__isnull=False
    ).select_related("session", "replaces__session"):
        held = swap.replaces
        if swap.status != WAITLISTED or held.status != BOOKED:
            problems.append(f"{swap} is not a waiting booking for a held seat")
        if held.registration_id != swap.registration_id:
            problems.append(f"{swap} trades someone else's seat")
        if not (
            swap.session.starts_at < held.session.ends_at
            and held.session.starts_at < swap.session.ends_at
        ):
            problems.append(f"{swap} trades a seat at another time")
    return problems


@pytest.fixture
def full_parallel(conference, workshops, register):
    """ "Workshop Sprache" (parallel to "Workshop Ankommen") is full."""
    _first, parallel, _later = workshops
    conference.capacity = 20
    conference.save()
    return [register(conference, session_ids=[parallel]) for _ in range(2)]


@pytest.fixture
def swapping(conference, workshops, register, full_parallel, run):
    """A person with a seat in "Workshop Ankommen" who asked to change to the full parallel one."""
    first, parallel, _later = workshops
    registration = register(conference, session_ids=[first])
    mail.outbox.clear()
    run(
        services.change_sessions,
        registration=registration,
        session_ids=[parallel.pk],
        known_full_session_ids=[parallel.pk],
    )
    return registration


def test_change_to_a_full_session_keeps_the_seat_and_waits_to_swap(conference, workshops, swapping):
    first, parallel, _later = workshops

    assert bookings_of(swapping) == {
        "Workshop Ankommen": (BOOKED, None),
        "Workshop Sprache": (WAITLISTED, "Workshop Ankommen"),
    }
    assert counters(first) == (1, 0)
    assert counters(parallel) == (2, 1)
    assert [m.subject for m in mail.outbox] == [
        "Ihre Anmeldung wurde geändert: Regionalkonferenz Nordhessen"
    ]
    body = " ".join(mail.outbox[0].body.split())
    assert (
        "Sie behalten Ihren Platz in „Workshop Ankommen“, bis ein Platz in „Workshop Sprache“ "
        "frei wird." in body
    )
    assert seat_problems(conference) == []
    assert swap_problems(conference) == []


def test_a_cancellation_in_the_full_session_completes_the_swap_in_one_go(
    conference, workshops, register, full_parallel, swapping, run
):
    first, parallel, _later = workshops
    waiting_for_first = register(conference, session_ids=[first])  # takes the 2nd seat
    third = register(conference, session_ids=[])
    run(
        services.change_sessions,
        registration=third,
        session_ids=[first.pk],
        known_full_session_ids=[first.pk],
    )
    mail.outbox.clear()

    run(services.cancel_registration, registration=full_parallel[0])

    assert bookings_of(swapping) == {"Workshop Sprache": (BOOKED, None)}
    # The seat given up went to the next person on that session's own waiting list.
    assert bookings_of(third) == {"Workshop Ankommen": (BOOKED, None)}
    assert bookings_of(waiting_for_first) == {"Workshop Ankommen": (BOOKED, None)}
    assert counters(parallel) == (2, 0)
    assert counters(first) == (2, 0)
    granted = {
        m.to[0]: " ".join(m.body.split()) for m in mail.outbox if "Platz für Sie" in m.subject
    }
    assert sorted(granted) == sorted([swapping.email, third.email])
    assert "Workshop Sprache" in granted[swapping.email]
    assert (
        "Ihren Platz in „Workshop Ankommen“ haben Sie dafür abgegeben." in granted[swapping.email]
    )
    assert seat_problems(conference) == []
    assert swap_problems(conference) == []


def test_raising_the_capacity_of_the_full_session_completes_the_swap(
    conference, workshops, swapping, run
):
    first, parallel, _later = workshops

    promoted = run(services.change_capacity, session=parallel, capacity=3)

    assert bookings_of(swapping) == {"Workshop Sprache": (BOOKED, None)}
    assert [b.registration_id for b in promoted.bookings] == [swapping.pk]
    assert promoted.given_up == {promoted.bookings[0].pk: first.pk}
    assert counters(first) == (0, 0)
    assert counters(parallel) == (3, 0)
    assert seat_problems(conference) == []


def test_swaps_cascade_through_the_seats_they_give_up(conference, workshops, register, run):
    """A waits to swap first → parallel, B waits to swap parallel → first; both full. A seat in
    parallel comes free: A trades, A's seat in first goes to B, B's seat in parallel to the next."""
    first, parallel, _later = workshops
    first.capacity = parallel.capacity = 1
    first.save()
    parallel.save()
    a = register(conference, session_ids=[first])
    b = register(conference, session_ids=[parallel])
    run(
        services.change_sessions,
        registration=a,
        session_ids=[parallel.pk],
        known_full_session_ids=[parallel.pk],
    )
    run(
        services.change_sessions,
        registration=b,
        session_ids=[first.pk],
        known_full_session_ids=[first.pk],
    )

    run(services.change_capacity, session=parallel, capacity=2)

    assert bookings_of(a) == {"Workshop Sprache": (BOOKED, None)}
    assert bookings_of(b) == {"Workshop Ankommen": (BOOKED, None)}
    assert counters(first) == (1, 0)
    assert counters(parallel) == (1, 0)
    assert seat_problems(conference) == []


def test_choosing_the_held_seat_again_leaves_the_swap_queue(conference, workshops, swapping, run):
    first, parallel, _later = workshops

    run(services.change_sessions, registration=swapping, session_ids=[first.pk])

    assert bookings_of(swapping) == {"Workshop Ankommen": (BOOKED, None)}
    assert counters(parallel) == (2, 0)


def test_leave_swap_keeps_the_seat_and_frees_the_waiting_place(conference, workshops, swapping):
    first, parallel, _later = workshops

    services.leave_swap(registration=swapping, session=parallel)

    assert bookings_of(swapping) == {"Workshop Ankommen": (BOOKED, None)}
    assert counters(first) == (1, 0)
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_saving_the_same_choice_again_changes_nothing(conference, workshops, swapping, run):
    _first, parallel, _later = workshops
    mail.outbox.clear()

    run(
        services.change_sessions,
        registration=swapping,
        session_ids=[parallel.pk],
        known_full_session_ids=[parallel.pk],
    )

    assert bookings_of(swapping) == {
        "Workshop Ankommen": (BOOKED, None),
        "Workshop Sprache": (WAITLISTED, "Workshop Ankommen"),
    }
    assert mail.outbox == []


def test_dropping_the_slot_releases_seat_and_swap(conference, workshops, swapping, run):
    first, parallel, _later = workshops

    run(services.change_sessions, registration=swapping, session_ids=[])

    assert bookings_of(swapping) == {}
    assert counters(first) == (0, 0)
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_a_free_seat_in_the_same_slot_replaces_seat_and_swap(conference, workshops, swapping, run):
    first, parallel, _later = workshops
    free = WorkshopFactory(
        conference=conference, title="Workshop Frei", capacity=5, starts_at=first.starts_at
    )

    run(services.change_sessions, registration=swapping, session_ids=[free.pk])

    assert bookings_of(swapping) == {"Workshop Frei": (BOOKED, None)}
    assert counters(first) == (0, 0)
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_cancelling_a_swapping_registration_releases_both(conference, workshops, swapping, run):
    first, parallel, _later = workshops

    run(services.cancel_registration, registration=swapping)

    assert SessionBooking.objects.filter(registration=swapping).count() == 0
    assert counters(first) == (0, 0)
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_erasing_a_swapping_registration_deletes_everything(conference, workshops, swapping):
    services.erase_registration(registration=swapping)

    assert not Registration.objects.filter(pk=swapping.pk).exists()
    assert seat_problems(conference) == []


def test_a_booked_seat_cannot_be_marked_as_a_swap(conference, workshops, full_parallel):
    booked, other = (r.bookings.get() for r in full_parallel)

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionBooking.objects.filter(pk=booked.pk).update(replaces=other.pk)


def test_a_seat_given_up_by_a_swap_cannot_be_deleted_alone(conference, workshops, swapping):
    from django.db.models import RestrictedError

    held = swapping.bookings.get(status=BOOKED)

    with pytest.raises(RestrictedError):
        held.delete()


def test_someone_changing_out_of_the_full_session_completes_the_swap(
    conference, workshops, full_parallel, swapping, run
):
    first, parallel, later = workshops

    run(services.change_sessions, registration=full_parallel[0], session_ids=[later.pk])

    assert bookings_of(swapping) == {"Workshop Sprache": (BOOKED, None)}
    assert counters(first) == (0, 0)
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_an_expired_registration_in_the_full_session_completes_the_swap(
    conference, workshops, full_parallel, swapping, run, past_deadline
):
    _first, parallel, _later = workshops
    services.confirm_email(registration=swapping)
    services.confirm_email(registration=full_parallel[1])

    run(services.expire_unconfirmed, now=past_deadline)

    assert bookings_of(swapping) == {"Workshop Sprache": (BOOKED, None)}
    assert counters(parallel) == (2, 0)
    assert seat_problems(conference) == []


def test_promoting_one_session_locks_and_fills_the_seat_its_swap_gives_up(
    conference, workshops, register, full_parallel, swapping, run
):
    """`promote_from_waitlist(session=…)` locks only that session and the sessions whose seats
    its swaps would free; the seat given up still goes to its own waiting list."""
    first, parallel, _later = workshops
    waiting = register(conference, session_ids=[])
    register(conference, session_ids=[first])  # takes first's second seat
    run(
        services.change_sessions,
        registration=waiting,
        session_ids=[first.pk],
        known_full_session_ids=[first.pk],
    )
    type(parallel).objects.filter(pk=parallel.pk).update(capacity=3)  # a save promotes nobody

    promoted = run(services.promote_from_waitlist, session=parallel)

    assert [b.registration_id for b in promoted.bookings] == [swapping.pk, waiting.pk]
    assert bookings_of(swapping) == {"Workshop Sprache": (BOOKED, None)}
    assert bookings_of(waiting) == {"Workshop Ankommen": (BOOKED, None)}
    assert counters(first) == (2, 0)
    assert seat_problems(conference) == []


def test_lock_with_swaps_follows_them_to_the_seats_they_give_up(conference, workshops, swapping):
    from registrations.services.locking import lock, locked_transaction

    first, parallel, _later = workshops

    with locked_transaction():
        locked = lock(conference.pk, [parallel.pk], follow_swaps=True)
        plain = lock(conference.pk, [parallel.pk])

    assert sorted(locked.sessions) == sorted([first.pk, parallel.pk])
    assert sorted(plain.sessions) == [parallel.pk]
