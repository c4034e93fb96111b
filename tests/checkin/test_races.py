"""4 devices check in 300 people with overlapping lists, released together by a barrier; each
thread has its own connection (a file on SQLite via SQLITE_TEST_DB, or PostgreSQL via
DATABASE_URL). No one may be checked in twice (one "ok" per person, the rest "already") and no
one may be lost."""

import threading
from collections import Counter

import pytest
from django.db import connection

from checkin import door
from checkin.codes import checkin_code_for
from checkin.models import SessionAttendance
from registrations.models import Registration
from tests.factories import ConferenceFactory, WorkshopFactory, bulk_registrations

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DEVICES = 4
PEOPLE = 300


@pytest.fixture(autouse=True)
def patient_locks(settings):
    settings.REGISTRATION_LOCK_TIMEOUT_SECONDS = 30


def run_devices(jobs_per_device):
    barrier = threading.Barrier(len(jobs_per_device))
    results = [[] for _ in jobs_per_device]

    def device(index, jobs):
        try:
            barrier.wait(timeout=30)
            for job in jobs:
                try:
                    results[index].append(job())
                except Exception as error:  # the test inspects every outcome
                    results[index].append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=device, args=(i, jobs)) for i, jobs in enumerate(jobs_per_device)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a device hung"
    return results


@pytest.mark.parametrize("round_", range(2))
def test_four_devices_check_in_300_people_once_each(round_):
    conference = ConferenceFactory(capacity=PEOPLE)
    forum = WorkshopFactory(conference=conference, capacity=PEOPLE)
    people = bulk_registrations(conference, PEOPLE)
    codes = [checkin_code_for(p) for p in people]
    # Each device scans half of everyone, starting at its own quarter: every person is
    # scanned by two devices, in different orders.
    lists = [
        [codes[(start * PEOPLE // DEVICES + n) % PEOPLE] for n in range(PEOPLE // 2)]
        for start in range(DEVICES)
    ]

    results = run_devices(
        [
            [
                (
                    lambda code=code, s=(forum if i % 2 else None): (
                        door.scan(conference=conference, code=code, session=s).outcome
                    )
                )
                for code in codes_
            ]
            for i, codes_ in enumerate(lists)
        ]
    )

    outcomes = Counter(r if isinstance(r, str) else repr(r) for device in results for r in device)
    # "warning": scanned at the forum without a booking for it (still recorded).
    assert set(outcomes) <= {"ok", "already", "warning"}, outcomes
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == PEOPLE
    scanned_at_forum = {c for i, codes_ in enumerate(lists) if i % 2 for c in codes_}
    assert SessionAttendance.objects.filter(session=forum).count() == len(scanned_at_forum)
    assert door.counts(conference) == {"checked_in": PEOPLE, "expected": PEOPLE}
