"""The pure parts of the opening benchmark (bench/registration_opening.py): who arrives when,
from which address, and how the run is summed up."""

import importlib.util
import ipaddress
import random
import sys
import threading
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))  # the script imports registration_load beside it
_spec = importlib.util.spec_from_file_location(
    "registration_opening", BENCH / "registration_opening.py"
)
opening = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(opening)


def test_arrival_schedule_puts_every_person_inside_the_window_in_order():
    arrivals = opening.arrival_schedule(1000, 60.0, random.Random(7))

    assert len(arrivals) == 1000
    assert arrivals == sorted(arrivals)
    assert all(0 <= t < 60.0 for t in arrivals)


def test_arrival_schedule_depends_on_the_seed_only():
    first = opening.arrival_schedule(50, 20.0, random.Random(3))
    second = opening.arrival_schedule(50, 20.0, random.Random(3))

    assert first == second


def test_a_slow_answer_does_not_hold_back_the_next_arrival():
    # Open loop: the first person's request lasts until the second person has arrived; a
    # closed loop would run them one after the other and never let the first one finish.
    scheduler = opening.Scheduler(threads=4)
    second_arrived = threading.Event()
    seen = []

    def slow_first():
        seen.append(("first finished", second_arrived.wait(timeout=30)))

    def second():
        second_arrived.set()

    scheduler.at(0.0, slow_first)
    scheduler.at(0.0, second)
    scheduler.run()

    assert seen == [("first finished", True)]
    assert scheduler.failures == []


def test_a_step_can_schedule_the_next_one_and_run_waits_for_it():
    scheduler = opening.Scheduler(threads=2)
    steps = []

    def post():
        steps.append("post")

    def get():
        steps.append("get")
        scheduler.at(0.0, post)

    scheduler.at(0.0, get)
    scheduler.run()

    assert steps == ["get", "post"]
    assert len(scheduler.lags) == 2


def test_source_addresses_are_distinct_loopback_hosts():
    addresses = opening.source_addresses(1000)

    assert len(set(addresses)) == 1000
    assert addresses[:2] == ["127.0.0.2", "127.0.0.3"]
    assert addresses[254:256] == ["127.0.1.0", "127.0.1.1"]
    assert all(ipaddress.IPv4Address(a) in ipaddress.IPv4Network("127.0.0.0/8") for a in addresses)


def test_source_addresses_never_reach_the_network_server_or_broadcast_address():
    last = opening.source_address(opening.MAX_PEOPLE - 1)

    assert opening.MAX_PEOPLE == 2**24 - 3
    assert last == "127.255.255.254"
    with pytest.raises(ValueError, match="at most"):
        opening.source_address(opening.MAX_PEOPLE)
    with pytest.raises(ValueError, match="at most"):
        opening.source_addresses(opening.MAX_PEOPLE + 1)


def test_parse_range_reads_low_and_high_seconds():
    assert opening.parse_range("20:90") == (20.0, 90.0)
    assert opening.parse_range("5") == (5.0, 5.0)
    with pytest.raises(Exception, match="not a range"):
        opening.parse_range("90:20")


def test_latency_summary_gives_count_percentiles_and_max():
    values = [float(v) for v in range(100, 0, -1)]  # 1 to 100, unordered

    summary = opening.latency_summary(values)

    assert summary == {"count": 100, "p50": 51.0, "p95": 95.0, "p99": 99.0, "max": 100.0}


def test_account_sums_every_person_and_finds_nothing_wrong_in_a_clean_run():
    answers = {
        "a@example.org": opening.REGISTERED,
        "b@example.org": opening.REGISTERED,
        "c@example.org": opening.REGISTERED,
        "d@example.org": "refused: HTTP 200: conference full",
        "e@example.org": "rate limited (429)",
    }
    stored = {
        "a@example.org": "pending",
        "b@example.org": "confirmed",
        "c@example.org": "waitlisted",
    }

    outcomes, problems = opening.account(answers, stored, people=5)

    assert outcomes == {
        "registered with a seat": 2,
        "on the waiting list": 1,
        "refused: HTTP 200: conference full": 1,
        "rate limited (429)": 1,
    }
    assert problems == []


def test_account_reports_what_does_not_add_up():
    answers = {
        "a@example.org": opening.REGISTERED,
        "b@example.org": "server error (5xx)",
        "c@example.org": "no outcome",
    }
    stored = {"b@example.org": "pending", "x@example.org": "pending"}

    outcomes, problems = opening.account(answers, stored, people=4)

    assert sum(outcomes.values()) == 3
    assert problems == [
        "a@example.org: answered 302, nothing stored",
        "b@example.org: stored as pending, but answered 'server error (5xx)'",
        "1 people without an outcome",
        "1 stored registrations no person made: ['x@example.org']",
        "3 outcomes for 4 people",
    ]
