"""The check-in page at the door (role "Einlass") and its small JSON API.

Who: the conferences of `checkin.rules.door_conferences` only; anything else is a 404. Check-in
staff need no admin access (they are not `is_staff`), so they cannot edit, cancel or export.
Every answer carries the live counts, so the page never needs a second request for them.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registrations import services
from registrations.models import Registration, SessionBooking

from . import door
from .rules import door_conferences

LOGIN_URL = reverse_lazy("checkin:login")


class DoorLoginView(auth_views.LoginView):
    template_name = "checkin/login.html"
    next_page = reverse_lazy("checkin:index")


def _conference(request, slug):
    return get_object_or_404(door_conferences(request.user), slug=slug)


def _session(conference, raw):
    if not raw:
        return None
    if not str(raw).isdigit():
        return None
    return conference.sessions.filter(pk=int(raw)).first()


def person_data(registration: Registration) -> dict:
    bookings = (
        SessionBooking.objects.filter(registration=registration)
        .select_related("session")
        .order_by("session__starts_at")
    )
    by = door.checked_in_by(registration)
    return {
        "id": registration.pk,
        "name": registration.full_name,
        "organisation": registration.organisation,
        "role": _("Referierende") if registration.speaker_id else _("Teilnehmende"),
        "status": registration.status,
        "status_display": registration.get_status_display(),
        "sessions": [
            booking.session.title
            + ("" if booking.status == SessionBooking.Status.BOOKED else f" ({_('Warteliste')})")
            for booking in bookings
        ],
        "diet": " – ".join(
            part
            for part in (
                registration.get_diet_display() if registration.diet else "",
                registration.dietary_notes,
            )
            if part
        ),
        "accessibility": registration.accessibility_needs,
        "checked_in_at": date_format(timezone.localtime(registration.checked_in_at), "H:i")
        if registration.checked_in_at
        else None,
        "checked_in_by": (by.get_full_name() or by.get_username()) if by else None,
    }


def _answer(result: door.Result, conference, session, *, status=200) -> JsonResponse:
    return JsonResponse(
        {
            "outcome": result.outcome,
            "message": result.message,
            "warnings": result.warnings,
            "person": person_data(result.registration) if result.registration else None,
            "counts": door.counts(conference, session),
        },
        status=status,
    )


@login_required(login_url=LOGIN_URL)
def index(request):
    conferences = door_conferences(request.user).order_by("-starts_at")
    return TemplateResponse(request, "checkin/index.html", {"conferences": conferences})


@login_required(login_url=LOGIN_URL)
def page(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.GET.get("session"))
    return TemplateResponse(
        request,
        "checkin/door.html",
        {
            "conference": conference,
            "session": session,
            "sessions": conference.sessions.order_by("starts_at", "title"),
            "counts": door.counts(conference, session),
            "language": get_language(),
        },
    )


@require_POST
@login_required(login_url=LOGIN_URL)
def api_scan(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.POST.get("session"))
    result = door.scan(
        conference=conference, code=request.POST.get("code", ""), by=request.user, session=session
    )
    return _answer(result, conference, session)


def _registration(conference, raw):
    if not str(raw or "").isdigit():
        return None
    return Registration.objects.filter(conference=conference, pk=int(raw)).first()


@require_POST
@login_required(login_url=LOGIN_URL)
def api_admit(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.POST.get("session"))
    registration = _registration(conference, request.POST.get("registration"))
    if registration is None:
        return _answer(door.Result(door.ERROR, _("Unbekannte Anmeldung.")), conference, session)
    result = door.admit(
        conference=conference, registration=registration, by=request.user, session=session
    )
    return _answer(result, conference, session)


@require_POST
@login_required(login_url=LOGIN_URL)
def api_undo(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.POST.get("session"))
    registration = _registration(conference, request.POST.get("registration"))
    if registration is None:
        return _answer(door.Result(door.ERROR, _("Unbekannte Anmeldung.")), conference, session)
    result = door.undo(
        conference=conference, registration=registration, by=request.user, session=session
    )
    return _answer(result, conference, session)


@require_GET
@login_required(login_url=LOGIN_URL)
def api_search(request, slug):
    conference = _conference(request, slug)
    people = door.search(conference, request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "id": r.pk,
                    "name": r.full_name,
                    "organisation": r.organisation,
                    "status_display": r.get_status_display(),
                    "checked_in": r.checked_in_at is not None,
                }
                for r in people
            ]
        }
    )


@require_GET
@login_required(login_url=LOGIN_URL)
def api_counts(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.GET.get("session"))
    return JsonResponse({"counts": door.counts(conference, session)})


@require_POST
@login_required(login_url=LOGIN_URL)
def api_walk_in(request, slug):
    conference = _conference(request, slug)
    session = _session(conference, request.POST.get("session"))
    participant = {
        "first_name": request.POST.get("first_name", ""),
        "last_name": request.POST.get("last_name", ""),
        "organisation": request.POST.get("organisation", ""),
        "email": request.POST.get("email", ""),
        "organisation_type": Registration.OrganisationType.OTHER,
    }
    try:
        result = door.walk_in(
            conference=conference,
            participant=participant,
            session_ids=[session.pk] if session is not None else [],
            language=get_language() or "de",
            by=request.user,
            session=session,
        )
    except services.RegistrationError as error:
        return JsonResponse(
            {
                "outcome": door.ERROR,
                "message": str(error.message),
                "field": getattr(error, "field", None),
                "counts": door.counts(conference, session),
            },
            status=400,
        )
    return _answer(result, conference, session)
