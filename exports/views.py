"""The exports in the admin: the download view under the admin's URLs (`exports.urls`), and the
list of export links on the conference's overview page, both from the registry.

Invariants: an export needs the permission `registrations.export_registration` and a
conference among `Conference.objects.organised_by(user)` (any other is not found); options
that make no sense answer 400, an object of another conference 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from conferences.models import Conference
from registrations.models import Registration

from .exporter import ExportOptionsError
from .forms import ExportForm
from .registry import all_exporters, get_exporter

EXPORT_PERMISSION = "registrations.export_registration"


def may_export(user, conference) -> bool:
    """The one rule for who exports a conference's data."""
    return (
        user.has_perm(EXPORT_PERMISSION)
        and Conference.objects.organised_by(user).filter(pk=conference.pk).exists()
    )


def export_url(conference, identifier: str, **params) -> str:
    url = reverse("exports:export", args=(conference.pk, identifier))
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def export_links(conference) -> list[tuple[str, list[tuple[str, str]]]]:
    """(name of the export, [(label, URL), ...]) for every export with shortcuts."""
    return [
        (
            exporter.verbose_name,
            [(label, export_url(conference, exporter.identifier, **p)) for label, p in links],
        )
        for exporter in all_exporters()
        if (links := exporter.links)
    ]


def attendee_form(conference) -> ExportForm:
    """The form of the attendee list on the overview page (confirmed people preselected)."""
    exporter = get_exporter("attendees")(conference=conference)
    return exporter.form(initial={"status": [Registration.Status.CONFIRMED]})


def export_response(request, conference, identifier: str, params):
    """Check the permission, run the export and send it (CSV streamed)."""
    if not may_export(request.user, conference):
        raise PermissionDenied
    try:
        exporter = get_exporter(identifier)(conference=conference, user=request.user)
    except LookupError:
        raise Http404 from None
    try:
        export = exporter.run(params)
    except ExportOptionsError as error:
        message = _("Unbekannte Angabe: %(option)s") % {"option": error}
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    return export.as_response()


def export(request, conference_id, kind):
    """The download (`exports.urls`, behind the admin's login)."""
    conference = Conference.objects.organised_by(request.user).filter(pk=conference_id).first()
    if conference is None:
        raise Http404
    return export_response(request, conference, kind, request.GET)
