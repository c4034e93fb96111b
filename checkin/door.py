"""What happens when a code is scanned or a name is chosen at the door.

Conference check-in and its undo are `registrations.services` (`check_in_once`,
`undo_check_in`, the only writers of `Registration.checked_in_at`); attendance at one session's
door is this module's (`SessionAttendance`), written under the same one-registration lock.

Idempotent by design, so that queued offline scans and two devices never count a person twice:
the first check-in wins (its moment and staff user stay); a repeat answers "already checked in"
and is a success. Undo is taken only online, on the device that shows the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from conferences.models import Conference, Session
from registrations import services
from registrations.admin.search import folded_search
from registrations.models import Registration, SessionBooking
from registrations.services.locking import lock_registration, locked_transaction

from .codes import registration_id_from_checkin_code
from .models import SessionAttendance

#: Outcomes, which the page shows in colour and words.
OK, ALREADY, WARNING, ERROR = "ok", "already", "warning", "error"


@dataclass
class Result:
    outcome: str
    message: str
    registration: Registration | None = None
    warnings: list[str] = field(default_factory=list)


def find_by_code(conference: Conference, code: str) -> tuple[Registration | None, str | None]:
    """The registration behind a scanned code, or None and the reason."""
    pk = registration_id_from_checkin_code(code or "")
    registration = (
        Registration.objects.select_related("conference").filter(pk=pk).first() if pk else None
    )
    if registration is None:
        return None, _("Unbekannter Code. Bitte nach Namen suchen.")
    if registration.conference_id != conference.pk:
        return None, _("Dieser Code gehört zu einer anderen Konferenz: %(title)s.") % {
            "title": registration.conference.title
        }
    return registration, None


def search(conference: Conference, query: str, *, limit: int = 20) -> list[Registration]:
    """People of the conference whose name, organisation or e-mail contains every word of
    `query`, ignoring case, accents and umlaut spellings ("kuhne" finds "Kühne-Hörmann")."""
    found = folded_search(
        Registration.objects.filter(conference=conference), query, path="search_text"
    )
    if found is None:
        return []
    return list(found.order_by("last_name", "first_name", "pk")[:limit])


def status_warning(registration: Registration) -> str | None:
    Status = Registration.Status
    return {
        Status.WAITLISTED: _("Warteliste: Diese Person hat keinen Platz."),
        Status.CANCELLED: _("Storniert: Diese Anmeldung gilt nicht mehr."),
        Status.AWAITING_APPROVAL: _("Freigabe ausstehend: Diese Person hat noch keinen Platz."),
        Status.PENDING: _("E-Mail-Adresse nicht bestätigt: Platz vorhanden, bitte kurz prüfen."),
    }.get(registration.status)


def record_attendance(*, registration: Registration, session: Session, by=None) -> bool:
    """Record that the person is at `session`'s door; False if that was recorded before."""
    with locked_transaction():
        lock_registration(registration.pk)
        if SessionAttendance.objects.filter(registration=registration, session=session).exists():
            return False
        try:
            with transaction.atomic():
                attendance = SessionAttendance(
                    registration=registration, session=session, checked_in_by=by
                )
                if by is not None:
                    attendance._history_user = by
                attendance.save()
        except IntegrityError:  # a second device won the race: the constraint is the backstop
            return False
    return True


def undo_attendance(*, registration: Registration, session: Session, by=None) -> None:
    with locked_transaction():
        lock_registration(registration.pk)
        for attendance in SessionAttendance.objects.filter(
            registration=registration, session=session
        ):
            if by is not None:
                attendance._history_user = by
            attendance.delete()


def admit(
    *, conference: Conference, registration: Registration, by=None, session: Session | None = None
) -> Result:
    """Check the person in (at the conference, and at `session`'s door if given)."""
    warning = status_warning(registration)
    if registration.status not in Registration.SEAT_HOLDING:
        return Result(ERROR, warning or "", registration)
    warnings = [warning] if warning else []
    try:
        made = services.check_in_once(registration=registration, by=by)
    except services.RegistrationError as error:
        return Result(ERROR, str(error.message), registration)
    registration = made.registration
    created = made.created
    if session is not None:
        booked = SessionBooking.objects.filter(
            registration=registration, session=session, status=SessionBooking.Status.BOOKED
        ).exists()
        if not booked:
            warnings.append(_("Nicht für diesen Programmpunkt gebucht."))
        created = record_attendance(registration=registration, session=session, by=by)
    if not created:
        return Result(ALREADY, _("Bereits eingecheckt."), registration, warnings)
    if warnings:
        return Result(WARNING, _("Eingecheckt, mit Hinweis."), registration, warnings)
    return Result(OK, _("Eingecheckt."), registration)


def scan(*, conference: Conference, code: str, by=None, session: Session | None = None) -> Result:
    registration, problem = find_by_code(conference, code)
    if registration is None:
        return Result(ERROR, problem)
    return admit(conference=conference, registration=registration, by=by, session=session)


def undo(
    *, conference: Conference, registration: Registration, by=None, session: Session | None = None
) -> Result:
    """Take back the check-in (at `session`'s door only, if given)."""
    if session is not None:
        undo_attendance(registration=registration, session=session, by=by)
    else:
        registration = services.undo_check_in(registration=registration, by=by)
    return Result(OK, _("Check-in zurückgenommen."), registration)


def walk_in(
    *,
    conference: Conference,
    participant: dict,
    session_ids=(),
    language: str = "de",
    by=None,
    session: Session | None = None,
) -> Result:
    """Register a person arriving without a registration into a free seat and check them in, in
    one step. The e-mail address is optional (the staff see the person: nothing to confirm)."""
    if not conference.has_free_seat:
        return Result(ERROR, _("Kein freier Platz: Die Konferenz ist voll."))
    registration = services.register_participant(
        conference=conference,
        participant=participant,
        session_ids=session_ids,
        consents=["privacy"],
        language=language,
        by_organiser=True,
        address_confirmed=True,
    )
    if registration.status not in Registration.SEAT_HOLDING:
        # Taken meanwhile: no place on a waiting list for someone standing at the door.
        services.cancel_registration(registration=registration, by_organiser=True, notify=False)
        return Result(ERROR, _("Kein freier Platz: Die Konferenz ist voll."), registration)
    return admit(conference=conference, registration=registration, by=by, session=session)


def counts(conference: Conference, session: Session | None = None) -> dict[str, int]:
    """Checked in against expected: of the conference (seat holders), or of one session (its
    booked people, plus anyone recorded at its door)."""
    if session is not None:
        expected = SessionBooking.objects.filter(
            session=session, status=SessionBooking.Status.BOOKED
        ).count()
        return {
            "checked_in": SessionAttendance.objects.filter(session=session).count(),
            "expected": expected,
        }
    row = Registration.objects.filter(
        conference=conference, status__in=Registration.SEAT_HOLDING
    ).aggregate(expected=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)))
    return {"checked_in": row["checked_in"], "expected": row["expected"]}


def checked_in_by(registration: Registration):
    """The staff user who made the current check-in (from the history), or None."""
    if registration.checked_in_at is None:
        return None
    record = (
        registration.history.filter(checked_in_at=registration.checked_in_at)
        .select_related("history_user")
        .order_by("history_date")
        .first()
    )
    return record.history_user if record else None
