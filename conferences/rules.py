"""Pure decisions about a conference that several callers share: no queries, no writes.

The registration window lives here once. `registrations.services` enforces it under lock
(`registration_refusal`); the public pages and the back office describe it
(`registration_state`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import Conference


def registration_closes_at(conference: Conference) -> datetime:
    """Registration closes at `registration_closes_at`, or when the conference ends."""
    return conference.registration_closes_at or conference.ends_at


def _outside_window(conference: Conference, moment: datetime) -> str | None:
    if conference.registration_opens_at and moment < conference.registration_opens_at:
        return "not_open"
    if moment >= registration_closes_at(conference):
        return "closed"
    return None


def registration_refusal(
    conference: Conference, moment: datetime, *, by_organiser: bool = False
) -> str | None:
    """Why a registration at `moment` comes too early or too late, or None if it may be made.

    Always: the conference is published (a draft is "not_open", an archived one "closed").
    Participants register within the window: from `registration_opens_at` (if set) until
    `registration_closes_at`, or else until the conference ends ("not_open", "closed").
    Organisers (`by_organiser`) are not bound by the window, only by the end of the conference
    ("ended"): a late call or a speaker's guest can still be registered while it runs.
    """
    if conference.status == Conference.Status.ARCHIVED:
        return "closed"
    if conference.status != Conference.Status.PUBLISHED:
        return "not_open"
    if by_organiser:
        return "ended" if moment >= conference.ends_at else None
    return _outside_window(conference, moment)


@dataclass(frozen=True)
class RegistrationState:
    """Where registration for a conference stands, for the words on the pages.

    `code` is one of OPEN (seats left), WAITLIST (full, waiting list only), NOT_YET (opens on
    `opens_at`) and CLOSED.
    """

    OPEN = "open"
    WAITLIST = "waitlist"
    NOT_YET = "not_yet"
    CLOSED = "closed"

    code: str
    seats_left: int
    opens_at: datetime | None
    closes_at: datetime

    @property
    def can_register(self):
        return self.code in (self.OPEN, self.WAITLIST)


def registration_state(conference: Conference, now: datetime | None = None) -> RegistrationState:
    """The window of `registration_refusal`, described for a person. A draft (which only its
    organisers see) is described as its window will be once it is published."""
    if conference.status == Conference.Status.ARCHIVED:
        refusal = "closed"
    else:
        refusal = _outside_window(conference, now or timezone.now())
    if refusal == "closed":
        code = RegistrationState.CLOSED
    elif refusal == "not_open":
        code = RegistrationState.NOT_YET
    elif conference.seats_left > 0:
        code = RegistrationState.OPEN
    else:
        code = RegistrationState.WAITLIST
    return RegistrationState(
        code=code,
        seats_left=conference.seats_left,
        opens_at=conference.registration_opens_at,
        closes_at=registration_closes_at(conference),
    )
