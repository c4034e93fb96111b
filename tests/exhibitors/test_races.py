"""Two organisers accepting the last stand at once: one succeeds, the other is told the stands
are taken. Real threads released by a barrier, each with its own connection (a file database on
SQLite, PostgreSQL in CI); several rounds, because a race that passes once proves little."""

import threading

import pytest
from django.db import connection

from exhibitors import services
from exhibitors.models import Exhibitor, Market
from exhibitors.services import ExhibitorError
from tests.exhibitors.conftest import MarketFactory, application

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("immediate_tasks"),
]
ROUNDS = 3
THREADS = 8


@pytest.fixture(autouse=True)
def patient_locks(settings):
    settings.REGISTRATION_LOCK_TIMEOUT_SECONDS = 30


def race(jobs):
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


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_organisers_accepting_the_last_stand_at_once_give_it_to_one(round_):
    market = MarketFactory(stands=1)
    candidates = [application(market) for _ in range(THREADS)]

    results = race([lambda e=e: services.accept_exhibitor(exhibitor=e) for e in candidates])

    accepted = [r for r in results if isinstance(r, Exhibitor)]
    refused = [r for r in results if isinstance(r, ExhibitorError)]
    assert (len(accepted), len(refused)) == (1, THREADS - 1)
    assert {r.code for r in refused} == {"full"}
    assert Market.objects.get(pk=market.pk).stands_taken == 1
    assert list(Exhibitor.objects.filter(status="accepted").values_list("stand", flat=True)) == [
        "1"
    ]
