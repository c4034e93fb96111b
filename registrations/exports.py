"""The export log: who exported which participant data, when (`ExportLog`, read-only in the
admin). The exports themselves are the top-level `exports` app; this stays here because the
registrations admin logs its own download ("Auskunft") too, and registrations never import
the exports app."""

from __future__ import annotations

import logging

from .models import ExportLog

logger = logging.getLogger("tagungsbuero.exports")


def log_export(*, user, conference, kind: str, fmt: str, row_count: int) -> ExportLog:
    """Record who exported what, when; `user` None is the system (a management command)."""
    username = user.get_username() if user is not None else "system"
    logger.info(
        "export %s (%s) of conference %s by %s: %s rows",
        kind,
        fmt,
        conference.slug,
        username,
        row_count,
    )
    return ExportLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=username,
        conference=conference,
        kind=kind,
        fmt=fmt,
        row_count=row_count,
    )
