"""The registry of exports, found by their identifier. The admin, the views and the `export`
command list and run exports from here, never from a list of their own."""

from __future__ import annotations

from .exporter import Exporter
from .exporters import (
    AttendeeList,
    Badges,
    CateringSummary,
    Certificates,
    ParticipantList,
    SessionLists,
    SignInSheets,
)

#: In the order of the overview page.
EXPORTERS: dict[str, type[Exporter]] = {
    exporter.identifier: exporter
    for exporter in (
        AttendeeList,
        SessionLists,
        SignInSheets,
        Badges,
        CateringSummary,
        ParticipantList,
        Certificates,
    )
}


def get_exporter(identifier: str) -> type[Exporter]:
    """The exporter class; LookupError for an unknown identifier."""
    try:
        return EXPORTERS[identifier]
    except KeyError:
        raise LookupError(identifier) from None


def all_exporters() -> list[type[Exporter]]:
    return list(EXPORTERS.values())
