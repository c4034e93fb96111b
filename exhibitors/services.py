"""Every change of an exhibitor's application: apply, confirm the address, correct, name staff,
withdraw; and the organisers' review: accept (a stand), waiting list, decline, offer free stands
to the waiting list. Views, admin actions and seeds call these; nothing else writes
`Exhibitor.status`, `Exhibitor.stand`, `ExhibitorStaff` or `Market.stands_taken`.

Stands are scarce capacity and follow the registrations' discipline: a transaction whose locks
wait at most REGISTRATION_LOCK_TIMEOUT_SECONDS (`registrations.services.locking`), the market row
locked before the count is read, and the database as backstop (stands_taken <= stands, a stand
number unique per conference, one active application per address). Every state change records
its e-mail in the same transaction; it is sent after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.services import RegistrationError
from registrations.services.locking import locked_transaction

from .mail import queue_email
from .models import Exhibitor, ExhibitorEmail, ExhibitorStaff, Market

Status = Exhibitor.Status
Kind = ExhibitorEmail.Kind

#: Fields the exhibitor fills in (and may correct while the application is under review).
APPLICATION_FIELDS = (
    "organisation",
    "project",
    "description",
    "topic",
    "contact_name",
    "email",
    "phone",
    "website",
    "logo",
    "needs_table",
    "needs_power",
    "needs_pinboard",
    "needs_space",
    "needs_notes",
    "staff_count",
)

MESSAGES = {
    "no_market": _("Für diese Konferenz gibt es keinen Markt der Möglichkeiten."),
    "not_open": _("Die Standanmeldung ist noch nicht geöffnet."),
    "closed": _("Die Standanmeldung ist geschlossen."),
    "duplicate": _(
        "Von dieser E-Mail-Adresse liegt für diese Konferenz bereits eine Standanmeldung vor. "
        "Wir können Ihnen den persönlichen Link erneut zusenden."
    ),
    "full": _("Alle Stände sind vergeben."),
    "stand_taken": _("Diese Standnummer ist in dieser Konferenz bereits vergeben."),
    "not_editable": _(
        "Diese Standanmeldung wird nicht mehr geprüft und kann nicht geändert werden."
    ),
    "not_reviewable": _("Diese Standanmeldung kann in ihrem Status nicht so entschieden werden."),
    "not_accepted": _("Personen am Stand können erst nach der Zusage genannt werden."),
    "too_many_staff": _("An einem Stand dürfen höchstens %(limit)s Personen stehen."),
    "withdrawn": _("Diese Standanmeldung ist bereits zurückgezogen oder abgesagt."),
    "busy": _("Gerade ist viel los. Bitte versuchen Sie es in einigen Sekunden noch einmal."),
}


class ExhibitorError(Exception):
    """A rule refused the request; `message` is translatable, `field` the form field it is about
    (None: the whole form), `code` the rule (a key of MESSAGES)."""

    def __init__(self, code: str, *, field: str | None = None, **params):
        message = MESSAGES[code] % params if params else MESSAGES[code]
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __str__(self):
        return str(self.message)


@contextmanager
def _locked() -> Iterator[None]:
    try:
        with locked_transaction():
            yield
    except RegistrationError as error:
        if error.code == "busy":
            raise ExhibitorError("busy") from error
        raise


def _lock_market(conference_id: int) -> Market:
    market = Market.objects.select_for_update().filter(conference_id=conference_id).first()
    if market is None:
        raise ExhibitorError("no_market")
    return market


def _reread(exhibitor: Exhibitor) -> Exhibitor:
    return Exhibitor.objects.select_for_update().select_related("conference").get(pk=exhibitor.pk)


def get_exhibitor_by_token(*, pk: int, token: str) -> Exhibitor | None:
    """The exhibitor behind a private link, or None (compared in constant time)."""
    exhibitor = Exhibitor.objects.select_related("conference", "topic").filter(pk=pk).first()
    if exhibitor is None or not secrets.compare_digest(exhibitor.token, str(token)):
        return None
    return exhibitor


def application_window(market: Market | None, now: datetime | None = None) -> None:
    """Raise unless `market` takes applications at `now`."""
    now = now or timezone.now()
    if market is None:
        raise ExhibitorError("no_market")
    if now < market.opens_at:
        raise ExhibitorError("not_open")
    if now >= market.closes_at:
        raise ExhibitorError("closed")


def active_application(*, conference, email: str) -> Exhibitor | None:
    return Exhibitor.objects.filter(
        conference=conference, email__iexact=email, status__in=Exhibitor.ACTIVE
    ).first()


def apply_for_stand(
    *,
    conference,
    data: dict,
    language: str = "de",
    privacy_version: str = "",
    now: datetime | None = None,
) -> Exhibitor:
    """A new application (status: address to be confirmed); mails the confirmation link."""
    application_window(Market.objects.filter(conference=conference).first(), now)
    if active_application(conference=conference, email=data["email"]):
        raise ExhibitorError("duplicate", field="email")
    values = {key: data[key] for key in APPLICATION_FIELDS if key in data}
    exhibitor = Exhibitor(
        conference=conference,
        status=Status.PENDING,
        language=language,
        privacy_version=privacy_version,
        **values,
    )
    try:
        with transaction.atomic():
            exhibitor.save()
            queue_email(exhibitor=exhibitor, kind=Kind.CONFIRM_ADDRESS)
    except IntegrityError as error:
        # Two applications from one address at once: the unique constraint decided.
        raise ExhibitorError("duplicate", field="email") from error
    return exhibitor


def resend_link(*, exhibitor: Exhibitor) -> None:
    """Send the private link again (the address is confirmed by the link it arrives at)."""
    kind = Kind.CONFIRM_ADDRESS if exhibitor.status == Status.PENDING else Kind.LINK
    with transaction.atomic():
        queue_email(exhibitor=exhibitor, kind=kind)


def confirm_address(*, exhibitor: Exhibitor, now: datetime | None = None) -> Exhibitor:
    """Double opt-in: the address is confirmed, the application goes to review. Idempotent."""
    with transaction.atomic():
        exhibitor = _reread(exhibitor)
        if exhibitor.email_confirmed_at is None:
            exhibitor.email_confirmed_at = now or timezone.now()
            if exhibitor.status == Status.PENDING:
                exhibitor.status = Status.APPLIED
                queue_email(exhibitor=exhibitor, kind=Kind.RECEIVED)
            exhibitor.save(update_fields=["email_confirmed_at", "status"])
    return exhibitor


def update_application(*, exhibitor: Exhibitor, data: dict) -> Exhibitor:
    """The exhibitor corrects the application; only while it is under review."""
    with transaction.atomic():
        exhibitor = _reread(exhibitor)
        if exhibitor.status not in Exhibitor.EDITABLE:
            raise ExhibitorError("not_editable")
        changed = [key for key in APPLICATION_FIELDS if key in data and key != "email"]
        for key in changed:
            setattr(exhibitor, key, data[key])
        exhibitor.save(update_fields=changed)
    return exhibitor


def set_staff(*, exhibitor: Exhibitor, people: list[tuple[str, str]]) -> list[ExhibitorStaff]:
    """The people at an accepted exhibitor's stand (name, e-mail or ""), replacing the list; at
    most the market's `max_staff_per_stand`. They get badges and take no participant seat."""
    with transaction.atomic():
        exhibitor = _reread(exhibitor)
        if exhibitor.status != Status.ACCEPTED:
            raise ExhibitorError("not_accepted")
        limit = Market.objects.get(conference_id=exhibitor.conference_id).max_staff_per_stand
        if len(people) > limit:
            raise ExhibitorError("too_many_staff", limit=limit)
        for person in exhibitor.staff.all():
            person.delete()
        return [
            ExhibitorStaff.objects.create(exhibitor=exhibitor, name=name, email=email)
            for name, email in people
        ]


def _next_free_stand(market: Market) -> str:
    used = {
        stand.casefold()
        for stand in Exhibitor.objects.filter(conference_id=market.conference_id)
        .exclude(stand="")
        .values_list("stand", flat=True)
    }
    number = 1
    while str(number) in used:
        number += 1
    return str(number)


def _give_stand(exhibitor: Exhibitor, market: Market, stand: str) -> None:
    """Inside the market's lock: take one stand for `exhibitor`, numbered `stand` (or the lowest
    free number), and record the e-mail."""
    if market.stands_taken >= market.stands:
        raise ExhibitorError("full")
    stand = (stand or "").strip() or _next_free_stand(market)
    clash = Exhibitor.objects.filter(conference_id=exhibitor.conference_id, stand__iexact=stand)
    if clash.exclude(pk=exhibitor.pk).exists():
        raise ExhibitorError("stand_taken", field="stand")
    Market.objects.filter(pk=market.pk).update(stands_taken=F("stands_taken") + 1)
    market.stands_taken += 1
    exhibitor.status = Status.ACCEPTED
    exhibitor.stand = stand
    exhibitor.waitlisted_at = None
    exhibitor.save(update_fields=["status", "stand", "waitlisted_at"])
    queue_email(exhibitor=exhibitor, kind=Kind.ACCEPTED)


def _free_stand(exhibitor: Exhibitor, market: Market) -> None:
    Market.objects.filter(pk=market.pk).update(stands_taken=F("stands_taken") - 1)
    market.stands_taken -= 1
    exhibitor.stand = ""


def _offer(market: Market) -> list[Exhibitor]:
    """Inside the market's lock: give free stands to the waiting list, longest waiting first."""
    given = []
    queue = Exhibitor.objects.filter(
        conference_id=market.conference_id, status=Status.WAITLISTED
    ).order_by(F("waitlisted_at").asc(nulls_last=True), "pk")
    for exhibitor in queue[: market.stands_free]:
        _give_stand(exhibitor, market, "")
        given.append(exhibitor)
    return given


def accept_exhibitor(*, exhibitor: Exhibitor, stand: str = "") -> Exhibitor:
    """Accept an application under review or on the waiting list: it takes one of the market's
    stands (numbered `stand`, or the lowest free number). Already accepted: `stand` renumbers."""
    with _locked():
        market = _lock_market(exhibitor.conference_id)
        exhibitor = _reread(exhibitor)
        if exhibitor.status == Status.ACCEPTED:
            if stand and stand != exhibitor.stand:
                assign_stand(exhibitor=exhibitor, stand=stand)
            return exhibitor
        if exhibitor.status not in (Status.APPLIED, Status.WAITLISTED):
            raise ExhibitorError("not_reviewable")
        _give_stand(exhibitor, market, stand)
    return exhibitor


def assign_stand(*, exhibitor: Exhibitor, stand: str) -> Exhibitor:
    """Give an accepted exhibitor another stand number (unique per conference)."""
    with _locked():
        _lock_market(exhibitor.conference_id)
        exhibitor = _reread(exhibitor)
        if exhibitor.status != Status.ACCEPTED:
            raise ExhibitorError("not_accepted")
        stand = stand.strip()
        clash = Exhibitor.objects.filter(conference_id=exhibitor.conference_id, stand__iexact=stand)
        if not stand or clash.exclude(pk=exhibitor.pk).exists():
            raise ExhibitorError("stand_taken", field="stand")
        exhibitor.stand = stand
        exhibitor.save(update_fields=["stand"])
    return exhibitor


def _leave(exhibitor: Exhibitor, status: str, kind: str, allowed) -> Exhibitor:
    with _locked():
        market = _lock_market(exhibitor.conference_id)
        exhibitor = _reread(exhibitor)
        if exhibitor.status not in allowed:
            raise ExhibitorError("not_reviewable" if status != Status.WITHDRAWN else "withdrawn")
        freed = exhibitor.status == Status.ACCEPTED
        if freed:
            _free_stand(exhibitor, market)
        exhibitor.status = status
        exhibitor.waitlisted_at = timezone.now() if status == Status.WAITLISTED else None
        exhibitor.save(update_fields=["status", "stand", "waitlisted_at"])
        queue_email(exhibitor=exhibitor, kind=kind)
        if freed and market.waitlist_auto:
            _offer(market)
    return exhibitor


def waitlist_exhibitor(*, exhibitor: Exhibitor) -> Exhibitor:
    """Put an application on the waiting list (an accepted one gives its stand back)."""
    return _leave(exhibitor, Status.WAITLISTED, Kind.WAITLISTED, (Status.APPLIED, Status.ACCEPTED))


def decline_exhibitor(*, exhibitor: Exhibitor) -> Exhibitor:
    """Decline an application (an accepted one gives its stand back)."""
    return _leave(
        exhibitor,
        Status.REJECTED,
        Kind.REJECTED,
        (Status.APPLIED, Status.WAITLISTED, Status.ACCEPTED),
    )


def withdraw_application(*, exhibitor: Exhibitor) -> Exhibitor:
    """The exhibitor withdraws; a stand goes back (and to the waiting list if the market says
    so)."""
    return _leave(exhibitor, Status.WITHDRAWN, Kind.WITHDRAWN, Exhibitor.ACTIVE)


def offer_free_stands(*, conference) -> list[Exhibitor]:
    """The organiser offers the free stands to the waiting list, in order; returns who got one."""
    with _locked():
        return _offer(_lock_market(conference.pk))
