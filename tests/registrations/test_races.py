"""Real races: 40 threads released together by a barrier, each with its own connection to the
configured database (a file on SQLite, see settings; PostgreSQL in CI). Each race runs several
rounds, because a race that passes once proves little."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone

from conferences.models import Conference
from registrations import services
from registrations.models import Registration, SentEmail, SessionBooking
from registrations.services import RegistrationError
from tests.factories import ConferenceFactory, ParticipantDataFactory, WorkshopFactory
from tests.registrations.conftest import seat_problems

# serialized_rollback: the flush after each test must leave the data of the migrations (topics,
# content types) for the tests that run after these.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("immediate_tasks"),
]

THREADS = 40
ROUNDS = 3
Status = Registration.Status


@pytest.fixture(autouse=True)
def patient_locks(settings):
    """The races measure correctness under contention, not the lock timeout: forty writers
    queueing on a busy shared machine may wait longer than the production default. (The timeout
    has its own tests below.)"""
    settings.REGISTRATION_LOCK_TIMEOUT_SECONDS = 30


def race(jobs):
    """Run every job in its own thread, released together; returns each job's result or the
    exception it raised, in the order of `jobs`."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def work(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:  # the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def unexpected(results):
    """Everything that is neither a result nor a RegistrationError (a server error, in a view)."""
    return [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, RegistrationError)
    ]


def registering(conference, email, **kwargs):
    def job():
        return services.register_participant(
            conference=conference,
            participant=ParticipantDataFactory(email=email),
            consents=["privacy"],
            language="de",
            **{"session_ids": [], **kwargs},
        )

    return job


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_forty_people_for_ten_conference_seats(round_):
    conference = ConferenceFactory(capacity=10)
    emails = [f"r{round_}-person{i}@example.org" for i in range(THREADS)]

    results = race([registering(conference, email, conference_known_full=True) for email in emails])

    assert unexpected(results) == []
    assert [type(r) for r in results] == [Registration] * THREADS
    stored = {r.email: r for r in conference.registrations.all()}
    assert sorted(stored) == sorted(emails)  # nobody lost
    statuses = [r.status for r in stored.values()]
    assert (statuses.count(Status.PENDING), statuses.count(Status.WAITLISTED)) == (10, 30)
    conference.refresh_from_db()
    assert (conference.seats_taken, conference.waitlist_count) == (10, 30)
    assert seat_problems(conference) == []
    # First come, first served: every seat went to someone who came before everyone waiting.
    seated = [r.created_at for r in stored.values() if r.status == Status.PENDING]
    waiting = [r.created_at for r in stored.values() if r.status == Status.WAITLISTED]
    assert max(seated) <= min(waiting)
    assert (
        SentEmail.objects.filter(
            registration__conference=conference, status=SentEmail.Status.SENT
        ).count()
        == THREADS
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_forty_people_for_five_workshop_seats(round_):
    conference = ConferenceFactory(capacity=200)
    workshop = WorkshopFactory(conference=conference, capacity=5)
    # Half of them saw the workshop as full (and accept its waiting list), half saw seats left.
    jobs = [
        registering(
            conference,
            f"r{round_}-person{i}@example.org",
            session_ids=[workshop.pk],
            known_full_session_ids=[workshop.pk] if i % 2 else [],
        )
        for i in range(THREADS)
    ]

    results = race(jobs)

    assert unexpected(results) == []
    refused = [r for r in results if isinstance(r, RegistrationError)]
    assert {(e.code, tuple(e.session_ids)) for e in refused} <= {("session_full", (workshop.pk,))}
    registered = [r for r in results if isinstance(r, Registration)]
    assert len(registered) + len(refused) == THREADS
    assert conference.registrations.count() == len(registered)  # the refused left nothing
    bookings = SessionBooking.objects.filter(session=workshop)
    assert bookings.filter(status=SessionBooking.Status.BOOKED).count() == 5
    assert bookings.filter(status=SessionBooking.Status.WAITLISTED).count() == len(registered) - 5
    assert bookings.count() == len(registered)
    # Whoever did not accept the waiting list either got a seat or was refused, never waitlisted.
    waitlisted_emails = set(
        bookings.filter(status=SessionBooking.Status.WAITLISTED).values_list(
            "registration__email", flat=True
        )
    )
    assert all(int(email.split("person")[1].split("@")[0]) % 2 for email in waitlisted_emails)
    workshop.refresh_from_db()
    assert (workshop.seats_taken, workshop.waitlist_count) == (5, len(registered) - 5)
    assert seat_problems(conference) == []


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_cancellations_racing_new_registrations_promote_in_waiting_list_order(round_):
    conference = ConferenceFactory(capacity=10)
    workshop = WorkshopFactory(conference=conference, capacity=4)
    seated = []
    for i in range(10):
        registration = registering(
            conference,
            f"r{round_}-seated{i}@example.org",
            session_ids=[workshop.pk],
            known_full_session_ids=[workshop.pk],
        )()
        seated.append(services.confirm_email(registration=registration))
    waiting = [
        registering(
            conference,
            f"r{round_}-waiting{i}@example.org",
            session_ids=[workshop.pk],
            known_full_session_ids=[workshop.pk],
            conference_known_full=True,
        )()
        for i in range(12)
    ]
    for registration in waiting[5:8]:  # some confirmed their address while waiting
        services.confirm_email(registration=registration)

    jobs = (
        # 8 seat holders cancel: 8 seats (and their workshop seats) come free ...
        [(lambda r=r: services.cancel_registration(registration=r)) for r in seated[:8]]
        # ... the last two on the waiting list give up ...
        + [(lambda r=r: services.cancel_registration(registration=r)) for r in waiting[10:]]
        # ... five waiting people confirm their address meanwhile ...
        + [(lambda r=r: services.confirm_email(registration=r)) for r in waiting[:5]]
        # ... and 25 newcomers register, knowing the conference is full.
        + [
            registering(
                conference,
                f"r{round_}-new{i}@example.org",
                session_ids=[workshop.pk],
                known_full_session_ids=[workshop.pk],
                conference_known_full=True,
            )
            for i in range(25)
        ]
    )
    assert len(jobs) == THREADS

    results = race(jobs)

    assert unexpected(results) == []
    assert [r for r in results if isinstance(r, RegistrationError)] == []
    conference = Conference.objects.get(pk=conference.pk)
    assert conference.seats_taken == conference.capacity == 10
    assert seat_problems(conference) == []
    # Exactly the first eight on the waiting list got the seats, in their order.
    promoted = list(
        SentEmail.objects.filter(
            registration__conference=conference, kind=SentEmail.Kind.SEAT_GRANTED
        )
        .filter(context__conference=True)
        .order_by("pk")
        .values_list("registration_id", flat=True)
    )
    assert promoted == [r.pk for r in waiting[:8]]
    statuses = {r.pk: r.status for r in Registration.objects.filter(pk__in=[w.pk for w in waiting])}
    assert [statuses[r.pk] for r in waiting] == [Status.CONFIRMED] * 8 + [Status.WAITLISTED] * 2 + [
        Status.CANCELLED
    ] * 2
    # Newcomers queue behind everyone who was waiting before them.
    queue = list(
        conference.registrations.filter(status=Status.WAITLISTED)
        .order_by("created_at", "pk")
        .values_list("email", flat=True)
    )
    assert queue[:2] == [waiting[8].email, waiting[9].email]
    assert sorted(queue[2:]) == sorted(f"r{round_}-new{i}@example.org" for i in range(25))
    assert conference.registrations.count() == 10 + 12 + 25  # nobody lost


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_thirty_submissions_of_the_same_address_register_once(round_):
    conference = ConferenceFactory(capacity=100)
    email = f"r{round_}-doppelklick@example.org"

    results = race([registering(conference, email.upper() if i % 2 else email) for i in range(30)])

    assert unexpected(results) == []
    registered = [r for r in results if isinstance(r, Registration)]
    refused = [r for r in results if isinstance(r, RegistrationError)]
    assert len(registered) == 1
    assert {(e.code, e.field) for e in refused} == {("duplicate", "email")}
    assert len(refused) == 29
    assert conference.registrations.count() == 1
    assert seat_problems(conference) == []


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_consent_given_forty_times_at_once_is_recorded_once(round_):
    conference = ConferenceFactory(capacity=10)
    registration = registering(conference, f"r{round_}-consent@example.org")()

    results = race(
        [
            lambda: services.set_consents(registration=registration, purposes=["photos"])
            for _ in range(THREADS)
        ]
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(given for given, _withdrawn in results) == [[]] * (THREADS - 1) + [["photos"]]
    active = registration.consents.filter(withdrawn_at__isnull=True)
    assert sorted(active.values_list("purpose", flat=True)) == ["photos", "privacy"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_consent_withdrawn_by_organisers_and_participant_at_once_is_withdrawn_once(round_):
    conference = ConferenceFactory(capacity=10)
    registration = registering(conference, f"r{round_}-withdraw@example.org")()
    services.set_consents(registration=registration, purposes=["photos"])
    photos = registration.consents.get(purpose="photos", withdrawn_at__isnull=True)
    organisers = [lambda: services.withdraw_consent(consent=photos) for _ in range(THREADS // 2)]
    participant = [
        lambda: services.set_consents(registration=registration, purposes=[])
        for _ in range(THREADS // 2)
    ]

    results = race(organisers + participant)

    assert [r for r in results if isinstance(r, BaseException)] == []
    by_organisers = results[: THREADS // 2].count(True)
    by_participant = [withdrawn for _given, withdrawn in results[THREADS // 2 :]].count(["photos"])
    assert by_organisers + by_participant == 1
    photos.refresh_from_db()
    assert photos.withdrawn_at is not None
    assert registration.consents.filter(purpose="photos").count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_capacity_raised_while_people_register_seats_exactly_the_new_capacity(round_):
    conference = ConferenceFactory(capacity=5)
    emails = [f"c{round_}-person{i}@example.org" for i in range(THREADS - 1)]
    jobs = [registering(conference, email, conference_known_full=True) for email in emails]
    jobs.insert(
        THREADS // 2,
        lambda: services.change_capacity(
            conference=Conference.objects.get(pk=conference.pk), capacity=15
        ),
    )

    results = race(jobs)

    assert unexpected(results) == []
    conference.refresh_from_db()
    assert (conference.capacity, conference.seats_taken, conference.waitlist_count) == (
        15,
        15,
        THREADS - 1 - 15,
    )
    assert seat_problems(conference) == []


# --- the lock timeout ----------------------------------------------------------------------------


@contextmanager
def lock_held_elsewhere(conference):
    """Another connection holds the rows every writer of the conference locks (the conference
    and its sessions; on SQLite, which has no row locks, the database's write lock) until the
    block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(Conference.objects.select_for_update().filter(pk=conference.pk))
                list(conference.sessions.select_for_update().order_by("pk"))
                taken.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(timeout=10), "the lock was not taken"
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=30)


def test_a_registration_that_cannot_get_the_lock_in_time_is_asked_to_try_again(settings):
    settings.REGISTRATION_LOCK_TIMEOUT_SECONDS = 0.5
    conference = ConferenceFactory(capacity=10)
    register = registering(conference, "geduld@example.org")

    with lock_held_elsewhere(conference):
        started = time.monotonic()
        with pytest.raises(RegistrationError) as refused:
            register()
        waited = time.monotonic() - started

    assert refused.value.code == "busy"
    assert str(refused.value) == (
        "Gerade ist viel los. Bitte versuchen Sie es in einigen Sekunden noch einmal."
    )
    assert 0.4 <= waited < 3
    assert Registration.objects.count() == 0
    # The lock is free again: the same registration goes through on the same connection.
    assert register().status == Status.PENDING


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks: writers queue for one lock"
)
def test_check_in_locks_only_the_registration_not_the_conference_or_its_sessions(settings):
    settings.REGISTRATION_LOCK_TIMEOUT_SECONDS = 0.5
    conference = ConferenceFactory(capacity=10)
    WorkshopFactory(conference=conference, capacity=5)
    registration = registering(conference, "tuer@example.org")()
    arrived = timezone.now()

    with lock_held_elsewhere(conference):
        services.check_in(registration=registration, now=arrived)

    assert Registration.objects.get(pk=registration.pk).checked_in_at == arrived


# --- swaps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_swaps_race_cancellations_leavers_and_newcomers(round_):
    """Ten people hold a seat in workshop A and wait to swap into the full parallel B. Eight of
    B's ten cancel while two swappers leave the queue and twenty newcomers join the waiting lists
    of A and B. The first eight swappers trade (each in one transaction), the eight A seats they
    give up go to A's waiting list in its order, and nothing is overbooked or lost."""
    from tests.registrations.test_swap import swap_problems

    conference = ConferenceFactory(capacity=200)
    a = WorkshopFactory(conference=conference, title="A", capacity=10)
    b = WorkshopFactory(conference=conference, title="B", capacity=10, starts_at=a.starts_at)

    def person(name, *sessions, full=()):
        return registering(
            conference,
            f"s{round_}-{name}@example.org",
            session_ids=[s.pk for s in sessions],
            known_full_session_ids=[s.pk for s in full],
        )()

    in_b = [person(f"b{i}", b) for i in range(10)]
    swappers = [person(f"swap{i}", a) for i in range(10)]
    for registration in swappers:
        services.change_sessions(
            registration=registration, session_ids=[b.pk], known_full_session_ids=[b.pk]
        )
    waiting_for_a = [person(f"wait-a{i}", a, full=[a]) for i in range(5)]

    jobs = (
        [(lambda r=r: services.cancel_registration(registration=r)) for r in in_b[:8]]
        + [(lambda r=r: services.leave_swap(registration=r, session=b)) for r in swappers[8:]]
        + [
            registering(
                conference,
                f"s{round_}-new-{s.title}{i}@example.org",
                session_ids=[s.pk],
                known_full_session_ids=[s.pk],
            )
            for i in range(10)
            for s in (a, b)
        ]
    )

    results = race(jobs)

    assert unexpected(results) == []
    assert [r for r in results if isinstance(r, RegistrationError)] == []

    def held(registration):
        return {
            (bk.session.title, bk.status, bk.replaces_id is not None)
            for bk in registration.bookings.select_related("session")
        }

    booked = SessionBooking.Status.BOOKED
    assert [held(r) for r in swappers] == [{("B", booked, False)}] * 8 + [
        {("A", booked, False)}
    ] * 2
    assert [held(r) for r in waiting_for_a] == [{("A", booked, False)}] * 5
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.seats_taken, a.waitlist_count) == (10, 7)
    assert (b.seats_taken, b.waitlist_count) == (10, 10)
    assert seat_problems(conference) == []
    assert swap_problems(conference) == []
    traded = SentEmail.objects.filter(
        registration__in=swappers, kind=SentEmail.Kind.SEAT_GRANTED
    ).order_by("registration_id")
    assert [(e.registration_id, e.context["given_up_session_ids"]) for e in traded] == [
        (r.pk, [a.pk]) for r in swappers[:8]
    ]
    assert conference.registrations.count() == 10 + 10 + 5 + 20  # nobody lost


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_swaps_asked_for_while_the_full_session_grows(round_):
    """Ten seat holders of A ask to swap into the full B while B's capacity is raised from 10 to
    15 (locking B and, through the swaps waiting in it, A) and newcomers join both lists."""
    from tests.registrations.test_swap import swap_problems

    conference = ConferenceFactory(capacity=200)
    a = WorkshopFactory(conference=conference, title="A", capacity=10)
    b = WorkshopFactory(conference=conference, title="B", capacity=10, starts_at=a.starts_at)
    for i in range(10):
        registering(conference, f"g{round_}-b{i}@example.org", session_ids=[b.pk])()
    swappers = [
        registering(conference, f"g{round_}-swap{i}@example.org", session_ids=[a.pk])()
        for i in range(10)
    ]
    jobs = (
        [
            (
                lambda r=r: services.change_sessions(
                    registration=r, session_ids=[b.pk], known_full_session_ids=[b.pk]
                )
            )
            for r in swappers
        ]
        + [
            registering(
                conference,
                f"g{round_}-new-{s.title}{i}@example.org",
                session_ids=[s.pk],
                known_full_session_ids=[s.pk],
            )
            for i in range(14)
            for s in (a, b)
        ]
        + [lambda: services.change_capacity(session=b, capacity=15)]
    )

    results = race(jobs)

    assert unexpected(results) == []
    assert [r for r in results if isinstance(r, RegistrationError)] == []
    b.refresh_from_db()
    a.refresh_from_db()
    assert (b.capacity, b.seats_taken) == (15, 15)
    assert a.seats_taken == 10  # every seat given up by a swap went to A's waiting list
    assert seat_problems(conference) == []
    assert swap_problems(conference) == []
    assert conference.registrations.count() == 10 + 10 + 28  # nobody lost
