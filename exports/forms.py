"""The options of each export: one small form per export, read from the admin's query string
and from the `export` command's ``key=value`` arguments alike."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkin.rules import eligible_for_certificate
from registrations.models import Registration

from .base import CSV, CSV_SEMICOLON, PDF, XLSX
from .pdf.badges import ROLES
from .pdf.text import conference_days
from .tables import CATERING_STATUSES

FORMAT_LABELS = {
    CSV_SEMICOLON: _("CSV für Excel (Semikolon)"),
    CSV: _("CSV (Komma)"),
    XLSX: _("Excel (XLSX)"),
    PDF: _("PDF"),
}
Status = Registration.Status


def session_label(session) -> str:
    return f"{timezone.localtime(session.starts_at):%d.%m. %H:%M} {session.title}"


class ExportForm(forms.Form):
    """The format, from those the export offers (the first is the default). Subclasses add
    their options; `cleaned_data` is passed to the export as keyword arguments."""

    format = forms.ChoiceField(label=_("Format"), required=False)

    #: Fields whose unknown object (e.g. a session of another conference) is "not found", 404.
    not_found_fields: tuple[str, ...] = ()

    def __init__(self, *args, conference, formats, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.fields["format"].choices = [(f, FORMAT_LABELS[f]) for f in formats]
        self.default_format = formats[0]

    def clean_format(self):
        return self.cleaned_data["format"] or self.default_format


class StatusField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Status"),
            required=False,
            choices=Status.choices,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


class SessionField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Programmpunkt"),
            required=False,
            queryset=None,
            empty_label=_("ganze Konferenz"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return session_label(obj)


class AttendeeExportForm(ExportForm):
    status = StatusField(help_text=_("Keine Auswahl: alle Anmeldungen."))
    session = SessionField()

    not_found_fields = ("session",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = self.conference.sessions.order_by("starts_at", "title")


class CateringExportForm(ExportForm):
    status = StatusField(help_text=_("Keine Auswahl: nur bestätigte Anmeldungen."))

    def clean_status(self):
        return self.cleaned_data["status"] or list(CATERING_STATUSES)


class SignInExportForm(ExportForm):
    day = forms.DateField(label=_("Tag"), required=False, input_formats=["%Y-%m-%d"])
    session = SessionField()
    by = forms.ChoiceField(
        label=_("Aufteilung"),
        required=False,
        choices=[("", _("je Konferenztag")), ("session", _("je Programmpunkt"))],
    )

    not_found_fields = ("session",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = self.conference.sessions.order_by("starts_at", "title")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and day not in conference_days(self.conference):
            raise forms.ValidationError(_("An diesem Tag findet die Konferenz nicht statt."))
        return day


class BadgeExportForm(ExportForm):
    layout = forms.ChoiceField(
        label=_("Format der Schilder"),
        required=False,
        choices=[("a4", _("A4-Etikettenbögen")), ("a6", _("einzelne A6-Schilder"))],
    )
    role = forms.MultipleChoiceField(
        label=_("Rollen"),
        required=False,
        choices=[(role, role) for role in ROLES],
        help_text=_("Keine Auswahl: alle."),
    )

    def clean_layout(self):
        return self.cleaned_data["layout"] or "a4"


class CertificateExportForm(ExportForm):
    registration = forms.ModelChoiceField(
        label=_("Anmeldung"), required=False, queryset=Registration.objects.none()
    )

    not_found_fields = ("registration",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].queryset = Registration.objects.filter(
            eligible_for_certificate(), conference=self.conference
        )
