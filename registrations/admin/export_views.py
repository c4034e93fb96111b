"""The exports of a conference in the admin (kept together here; the exports app replaces them)."""

from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from conferences.models import Session

from .. import exports, pdf
from ..models import Registration
from .pages import conference_or_404, session_choice_label

Status = Registration.Status


#: kind → formats it comes in (the first is the default).
EXPORT_FORMATS = {
    "attendees": (exports.CSV_SEMICOLON, exports.CSV, exports.XLSX),
    "session_lists": (exports.XLSX, exports.CSV_SEMICOLON, exports.CSV),
    "participant_list": (exports.PDF, exports.XLSX, exports.CSV_SEMICOLON, exports.CSV),
    "catering": (exports.XLSX, exports.PDF, exports.CSV_SEMICOLON, exports.CSV),
    "sign_in": (exports.PDF,),
    "badges": (exports.PDF,),
    "certificates": (exports.PDF,),
}


def _values(params, name) -> list[str]:
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class BadExportRequest(ValueError):
    pass


def build_export(request, conference, kind, params):
    """The `exports.Export` for `kind` with the options in `params` (BadExportRequest for
    options that make no sense)."""

    formats_ = EXPORT_FORMATS.get(kind)
    if formats_ is None:
        raise Http404
    fmt = params.get("format") or formats_[0]
    if fmt not in formats_:
        raise BadExportRequest(f"format {fmt!r}")
    user = request.user
    session = None
    session_id = params.get("session") or ""
    if session_id:
        if not str(session_id).isdigit():
            raise BadExportRequest("session")
        session = conference.sessions.filter(pk=session_id).first()
        if session is None:
            raise Http404
    if kind == "attendees":
        statuses = _values(params, "status")
        if set(statuses) - set(Status.values):
            raise BadExportRequest("status")
        return exports.attendee_list(
            conference=conference, user=user, fmt=fmt, session=session, statuses=statuses
        )
    if kind == "session_lists":
        return exports.session_lists(conference=conference, user=user, fmt=fmt)
    if kind == "participant_list":
        return exports.participant_list(conference=conference, user=user, fmt=fmt)
    if kind == "catering":
        return exports.catering_summary(conference=conference, user=user, fmt=fmt)
    if kind == "sign_in":
        day = None
        if params.get("day"):
            try:
                day = date.fromisoformat(params["day"])
            except ValueError:
                raise BadExportRequest("day") from None
        return pdf.sign_in_sheets(
            conference=conference,
            user=user,
            day=day,
            session=session,
            by_session=params.get("by") == "session",
        )
    if kind == "badges":
        layout = params.get("layout") or "a4"
        roles = _values(params, "role") or None
        if layout not in pdf.LAYOUTS or (roles and set(roles) - set(pdf.ROLES)):
            raise BadExportRequest("layout or role")
        return pdf.badges(conference=conference, user=user, layout=layout, roles=roles)
    return pdf.certificates(conference=conference, user=user)


def export_response(request, conference, kind, params):
    """Check the permission, build the export and send it (CSV streamed)."""
    if not (
        request.user.has_perm("registrations.export_registration")
        and exports.can_export(request.user, conference)
    ):
        raise PermissionDenied
    try:
        export = build_export(request, conference, kind, params)
    except BadExportRequest as error:
        return HttpResponseBadRequest(f"Unbekannte Angabe: {error}")
    return export.as_response()


def export(model_admin, request, conference_id, kind):
    conference = conference_or_404(request, conference_id)
    return export_response(request, conference, kind, request.GET)


def export_links(conference) -> list[tuple[str, list[tuple[str, str]]]]:
    def url(kind, **params):
        base = reverse("admin:conferences_conference_export", args=(conference.pk, kind))
        return f"{base}?{urlencode(params, doseq=True)}" if params else base

    return [
        (
            _("Programmpunkte: Teilnehmende je Programmpunkt"),
            [
                (_("Excel (ein Blatt je Programmpunkt)"), url("session_lists", format="xlsx")),
                (_("CSV (Excel, Semikolon)"), url("session_lists", format="csv-semicolon")),
            ],
        ),
        (
            _("Unterschriftenlisten"),
            [
                (_("PDF je Konferenztag"), url("sign_in")),
                (_("PDF je Programmpunkt"), url("sign_in", by="session")),
            ],
        ),
        (
            _("Namensschilder"),
            [
                (_("PDF, A4-Etikettenbögen"), url("badges", layout="a4")),
                (_("PDF, einzelne A6-Schilder"), url("badges", layout="a6")),
            ],
        ),
        (
            _("Verpflegung und Barrierefreiheit"),
            [
                (_("Excel"), url("catering", format="xlsx")),
                (_("PDF"), url("catering", format="pdf")),
                (_("CSV (Excel, Semikolon)"), url("catering", format="csv-semicolon")),
            ],
        ),
        (
            _("Teilnehmendenliste zum Aushändigen (nur mit Einwilligung)"),
            [
                (_("PDF"), url("participant_list", format="pdf")),
                (_("Excel"), url("participant_list", format="xlsx")),
            ],
        ),
        (
            _("Teilnahmebescheinigungen"),
            [(_("PDF, eine Seite je bestätigter Person"), url("certificates"))],
        ),
    ]


class AttendeeExportForm(forms.Form):
    """The options of the attendee list (submitted by GET to the export URL)."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (exports.CSV_SEMICOLON, _("CSV für Excel (Semikolon)")),
            (exports.CSV, _("CSV (Komma)")),
            (exports.XLSX, _("Excel (XLSX)")),
        ],
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Keine Auswahl: alle Anmeldungen."),
    )
    session = forms.ModelChoiceField(
        label=_("Programmpunkt"),
        required=False,
        queryset=Session.objects.none(),
        empty_label=_("ganze Konferenz"),
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = conference.sessions.order_by("starts_at", "title")
        self.fields["session"].label_from_instance = session_choice_label
