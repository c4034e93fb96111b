"""Pure decisions of `registrations.rules` that the services use."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from registrations.rules import overlapping_session_ids

NINE = datetime(2027, 3, 4, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def session(pk, start_hours, hours=1.0):
    starts_at = NINE + timedelta(hours=start_hours)
    return SimpleNamespace(pk=pk, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def test_overlapping_sessions_are_named_and_back_to_back_ones_are_not():
    sessions = [session(1, 0), session(2, 0.5), session(3, 1.5, hours=0.5), session(4, 2)]

    assert overlapping_session_ids(sessions) == {1, 2}


def test_a_long_session_overlaps_every_session_inside_it():
    sessions = [session(5, 2), session(6, 0, hours=4), session(7, 3)]

    assert overlapping_session_ids(sessions) == {5, 6, 7}
