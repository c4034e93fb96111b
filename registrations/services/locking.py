"""How the services take their locks: one transaction, the rows in primary-key order, a timeout.

Protocol (every writer of a conference's seats follows it): open `locked_transaction()`, lock
the conference row and then the sessions whose seats may change in primary-key order (`lock`),
re-read the registration under that lock, decide, write, promote from the waiting lists and
write the counters (`Locked.flush`) before the transaction commits. Because every such writer
takes the conference row first, writers of one conference are serialised and there is no
lock-order inversion between them. A change that touches one registration and no seats (check-in,
consents) locks only that registration's row (`lock_registration`).

Nobody waits longer than REGISTRATION_LOCK_TIMEOUT_SECONDS for a lock: on PostgreSQL
`lock_timeout` is set for the transaction before the first row lock, on SQLite (no row locks:
the IMMEDIATE transaction serialises writers) the connection's busy timeout is set to the same
for the BEGIN that waits. Either way the database's error becomes RegistrationError "busy" (a
"please try again" for the person) here, at the transaction boundary, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F

from conferences.models import Conference, Session

from ..models import Registration, SessionBooking
from .errors import refusal

__all__ = [
    "Locked",
    "distinct_ids",
    "lock",
    "lock_registration",
    "locked_transaction",
    "with_swap_sources",
]

# PostgreSQL's SQLSTATE for "lock not available" (lock_timeout reached).
LOCK_NOT_AVAILABLE = "55P03"


def _timeout_seconds() -> float:
    return float(settings.REGISTRATION_LOCK_TIMEOUT_SECONDS)


def _is_lock_timeout(error: OperationalError) -> bool:
    cause = error.__cause__
    if connection.vendor == "postgresql":
        return getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE
    return connection.vendor == "sqlite" and "database is locked" in str(error)


@contextmanager
def _sqlite_busy_timeout() -> Iterator[None]:
    """The SQLite busy timeout is the wait for the write lock (taken at BEGIN IMMEDIATE)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    default = connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(_timeout_seconds() * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(float(default) * 1000)}")


@contextmanager
def locked_transaction() -> Iterator[None]:
    """`transaction.atomic()` whose locks wait at most REGISTRATION_LOCK_TIMEOUT_SECONDS; a lock
    not granted in time raises RegistrationError "busy" (the transaction is rolled back)."""
    try:
        with _sqlite_busy_timeout(), transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # For this transaction only (SET LOCAL), in milliseconds.
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true)",
                        [f"{int(_timeout_seconds() * 1000)}ms"],
                    )
            yield
    except OperationalError as error:
        if _is_lock_timeout(error):
            raise refusal("busy") from error
        raise


def distinct_ids(values: Iterable) -> list[int]:
    """Distinct integer ids in the order given."""
    seen: dict[int, None] = {}
    for value in values or ():
        seen[int(value)] = None
    return list(seen)


@dataclass
class Locked:
    """The locked conference and those of its sessions that were locked. The services change
    the counters on these instances; `flush()` writes the changes as F() deltas (the CHECK
    constraints stay the backstop)."""

    conference: Conference
    sessions: dict[int, Session]
    read: dict[tuple[type, int], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self):
        for obj in (self.conference, *self.sessions.values()):
            self.read[(type(obj), obj.pk)] = (obj.seats_taken, obj.waitlist_count)

    def flush(self) -> None:
        """Write the changed counters: one UPDATE per changed row, by delta."""
        for obj in (self.conference, *self.sessions.values()):
            key = (type(obj), obj.pk)
            taken, waiting = self.read[key]
            if (obj.seats_taken, obj.waitlist_count) == (taken, waiting):
                continue
            type(obj).objects.filter(pk=obj.pk).update(
                seats_taken=F("seats_taken") + (obj.seats_taken - taken),
                waitlist_count=F("waitlist_count") + (obj.waitlist_count - waiting),
            )
            self.read[key] = (obj.seats_taken, obj.waitlist_count)

    def registration(self, pk: int) -> Registration:
        """The registration as it is now (we hold the lock every writer of it takes)."""
        registration = Registration.objects.get(pk=pk)
        registration.conference = self.conference
        return registration


def with_swap_sources(session_ids: Iterable[int]) -> list[int]:
    """`session_ids` and every session whose seat a swap waiting in them would give up, and so on
    (a seat given up by a swap goes to that session's own waiting list, which may swap again).
    Read with the conference row locked: every writer of swaps holds that lock."""
    found = set(session_ids)
    frontier = set(found)
    while frontier:
        sources = set(
            SessionBooking.objects.filter(session_id__in=frontier, replaces__isnull=False)
            .values_list("replaces__session_id", flat=True)
            .order_by()
        )
        frontier = sources - found
        found |= frontier
    return sorted(found)


def lock(
    conference_id: int, session_ids: Iterable[int] | None = None, *, follow_swaps: bool = False
) -> Locked:
    """Lock the conference row, then its sessions in primary-key order. Call inside
    `locked_transaction()`.

    `session_ids` limits the sessions locked (and known to the returned `Locked`) to those;
    by default every session of the conference is locked. `follow_swaps` adds the sessions whose
    seats the swaps waiting in them would free (`with_swap_sources`): a caller that promotes
    from the waiting lists of `session_ids` needs them."""
    conference = Conference.objects.select_for_update().filter(pk=conference_id).first()
    if conference is None:
        raise Conference.DoesNotExist(f"Conference {conference_id} does not exist")
    sessions = Session.objects.select_for_update().filter(conference_id=conference_id)
    if session_ids is not None:
        session_ids = distinct_ids(session_ids)
        if follow_swaps:
            session_ids = with_swap_sources(session_ids)
        sessions = sessions.filter(pk__in=session_ids) if session_ids else Session.objects.none()
    return Locked(
        conference=conference,
        sessions={session.pk: session for session in sessions.order_by("pk")},
    )


def lock_registration(pk: int) -> Registration:
    """Lock one registration's row and return it as it is now (with its conference, unlocked).
    For changes that touch no seats: one change of that registration at a time."""
    return (
        Registration.objects.select_for_update(of=("self",)).select_related("conference").get(pk=pk)
    )
