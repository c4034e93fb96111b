"""Pure decisions about registrations that several callers share: no queries, no writes.

Forms, services, the admin, management commands, seeds and the e-mails call these; each rule is
written here once.
"""

import unicodedata
from datetime import datetime, timedelta

from django.conf import settings

from .models import Registration

# Bidirectional embeddings, overrides and isolates can reorder what a name badge or a list
# shows; they are format characters (Cf) that no name needs. Zero-width (non-)joiners, which
# Arabic and Persian names may need, stay allowed.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Control characters (Cc, including C1), lone surrogates (Cs), line and paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What a multi-line field may hold of those; in a one-line field they are "line_breaks".
LINE_BREAKS = frozenset("\n\r\t")
ONE_LINE_BREAKS = LINE_BREAKS | {"\u2028", "\u2029"}


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with a typed text, or None: "line_breaks" (a line break or tab in a
    one-line field) or "control_characters" (control, surrogate or bidi-override characters)."""
    for char in value:
        if multiline and char in LINE_BREAKS:
            continue
        if not multiline and char in ONE_LINE_BREAKS:
            return "line_breaks"
        if unicodedata.category(char) in UNSAFE_CATEGORIES or char in BIDI_CONTROLS:
            return "control_characters"
    return None


# Registrations that hold or wait for a place before their e-mail address is confirmed.
UNCONFIRMED = (
    Registration.Status.PENDING,
    Registration.Status.WAITLISTED,
    Registration.Status.AWAITING_APPROVAL,
)


def confirmation_deadline(registration: Registration) -> datetime:
    """Until when an unconfirmed registration may be confirmed."""
    return registration.created_at + timedelta(hours=settings.REGISTRATION_CONFIRMATION_HOURS)


def is_overdue(registration: Registration, moment: datetime) -> bool:
    """Whether an unconfirmed registration missed its confirmation deadline at `moment` (and is
    to be expired). Confirmed addresses and cancelled registrations are never overdue."""
    return (
        registration.status in UNCONFIRMED
        and registration.email_confirmed_at is None
        and confirmation_deadline(registration) <= moment
    )


def overlapping_session_ids(sessions) -> set[int]:
    """The primary keys of those `sessions` that overlap in time with another of them (a person
    can attend only one of those). A session that ends when the next begins does not overlap."""
    ordered = sorted(sessions, key=lambda session: session.starts_at)
    overlapping = set()
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            overlapping.update((first.pk, second.pk))
    return overlapping
