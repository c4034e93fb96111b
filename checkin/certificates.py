"""Certificates of attendance (Teilnahmebescheinigung) as tagged, accessible PDF (PDF/UA-1).

Invariants:

- Only registrations that `checkin.rules.eligible_for_certificate` admits get a page; the bulk
  export, the participant's download and the notices all come through `issue_certificates`.
- Each page is in the participant's language (German or English) and lists the sessions they
  attended as recorded at the session's door; for a session whose attendance was never taken,
  the booked session counts (`attended_sessions`).
- Each certificate has a verification code (`Certificate`, issued once, never changed) and the
  URL of the public verification page.
- WeasyPrint writes PDF/UA-1: a structure tree, the document language and title, every font
  embedded (DejaVu Sans, which also covers Arabic script; Pango shapes it right to left).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from conferences import site
from conferences.models import Conference, Session
from registrations.models import Registration, SessionBooking

from .models import Certificate, SessionAttendance
from .rules import eligible_for_certificate, left_out_counts


@dataclass(frozen=True)
class Page:
    registration: Registration
    certificate: Certificate
    sessions: list[Session]
    language: str


def verification_url(code: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return site.absolute_url(reverse("checkin:verify_code", kwargs={"code": code}))


def sessions_with_door_attendance(conference: Conference) -> set[int]:
    """Sessions of the conference whose attendance was taken at their door."""
    return set(
        SessionAttendance.objects.filter(session__conference=conference)
        .values_list("session_id", flat=True)
        .distinct()
    )


def attended_sessions(registration: Registration, taken: set[int]) -> list[Session]:
    """The sessions to list on the certificate (expects `bookings` and `attendances` prefetched
    with their sessions): those attended as recorded, and for sessions whose attendance was
    never taken (`taken`), those booked."""
    sessions = {a.session_id: a.session for a in registration.attendances.all()}
    for booking in registration.bookings.all():
        if booking.status == SessionBooking.Status.BOOKED and booking.session_id not in taken:
            sessions.setdefault(booking.session_id, booking.session)
    return sorted(sessions.values(), key=lambda s: (s.starts_at, s.title))


def eligible_registrations(conference: Conference, registration: Registration | None = None):
    people = Registration.objects.filter(eligible_for_certificate(), conference=conference)
    if registration is not None:
        people = people.filter(pk=registration.pk)
    return people.prefetch_related(
        Prefetch(
            "bookings",
            queryset=SessionBooking.objects.select_related("session"),
        ),
        Prefetch("attendances", queryset=SessionAttendance.objects.select_related("session")),
    ).order_by("last_name", "first_name", "pk")


def issue_certificates(
    conference: Conference, registration: Registration | None = None
) -> list[Page]:
    """The pages of the eligible people (all, or only `registration`), issuing the
    verification code the first time. Ineligible people get no page."""
    people = list(eligible_registrations(conference, registration))
    existing = {
        c.registration_id: c
        for c in Certificate.objects.filter(registration__in=[p.pk for p in people])
    }
    missing = [Certificate(registration=p) for p in people if p.pk not in existing]
    if missing:
        Certificate.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {
            c.registration_id: c
            for c in Certificate.objects.filter(registration__in=[p.pk for p in people])
        }
    taken = sessions_with_door_attendance(conference)
    return [
        Page(
            registration=p,
            certificate=existing[p.pk],
            sessions=attended_sessions(p, taken),
            language=p.language if p.language in ("de", "en") else "de",
        )
        for p in people
    ]


def _when(conference: Conference) -> str:
    first = timezone.localdate(conference.starts_at)
    last = timezone.localdate(conference.ends_at)
    if first == last:
        return _("am %(day)s") % {"day": date_format(first, "j. F Y")}
    return _("vom %(first)s bis %(last)s") % {
        "first": date_format(first, "j. F Y"),
        "last": date_format(last, "j. F Y"),
    }


def _place(conference: Conference) -> str:
    if conference.venue_name:
        return f"{conference.city} ({conference.venue_name})"
    return conference.city


def _page_context(page: Page) -> dict:
    conference = page.registration.conference
    with translation.override(page.language):
        return {
            "page": page,
            "person": page.registration,
            "conference": conference,
            "sessions": page.sessions,
            "when": _when(conference),
            "signed": date_format(timezone.localdate(conference.ends_at), "j. F Y"),
            "verify_url": verification_url(page.certificate.code),
            "language": page.language,
            "texts": {
                "title": _("Teilnahmebescheinigung"),
                "confirm": _("Hiermit wird bestätigt, dass"),
                "attended": _("an der Veranstaltung"),
                "took_part": _("%(when)s in %(place)s teilgenommen hat.")
                % {"when": _when(conference), "place": _place(conference)},
                "sessions": _("Besuchte Programmpunkte"),
                "place_date": _("Ort, Datum"),
                "organisers": _("Für die Veranstaltenden"),
                "verify": _("Prüfcode"),
                "verify_at": _("Echtheit prüfen unter"),
            },
        }


def render_pdf(
    pages: Iterable[Page], *, conference: Conference, language: str, cover: dict | None = None
) -> bytes:
    """One PDF/UA-1 document with one A4 page per certificate (`language`: the document's),
    after the organisers' cover note if `cover` is given."""
    from weasyprint import HTML  # imported here: about a second, only when a PDF is made

    pages = list(pages)
    with translation.override(language):
        title = (
            _("Teilnahmebescheinigung – %(name)s – %(title)s")
            % {"name": pages[0].registration.full_name, "title": conference.title}
            if len(pages) == 1 and cover is None
            else _("Teilnahmebescheinigungen – %(title)s") % {"title": conference.title}
        )
    html = render_to_string(
        "checkin/certificate.html",
        {
            "title": title,
            "language": language,
            "pages": [_page_context(page) for page in pages],
            "empty": not pages and cover is None,
            "cover": cover,
            "conference": conference,
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/ua-1", custom_metadata=False
    )


def certificate_pdf(registration: Registration) -> bytes | None:
    """The participant's own certificate, or None if they are not eligible."""
    pages = issue_certificates(registration.conference, registration)
    if not pages:
        return None
    return render_pdf(pages, conference=registration.conference, language=pages[0].language)


def bulk_certificates(
    conference: Conference, registration: Registration | None = None
) -> tuple[bytes, int]:
    """The organisers' print run: the eligible people's certificates (or only `registration`'s)
    and their number. The whole run starts with a cover note saying how many were left out and
    why, so that nobody wonders where the others went."""
    pages = issue_certificates(conference, registration)
    cover = None
    if registration is None:
        left_out = left_out_counts(conference)
        cover = {
            "count": len(pages),
            "not_checked_in": left_out["not_checked_in"],
            "no_seat": left_out["no_seat"],
        }
    return render_pdf(pages, conference=conference, language="de", cover=cover), len(pages)
