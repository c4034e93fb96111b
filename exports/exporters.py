"""The exports of a conference, one class each (see `exports.registry`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from checkin.certificates import bulk_certificates

from .base import CSV, CSV_SEMICOLON, PDF, TABLE_FORMATS, XLSX, Export, base_filename, render_tables
from .exporter import Exporter
from .forms import (
    AttendeeExportForm,
    BadgeExportForm,
    CateringExportForm,
    CertificateExportForm,
    SignInExportForm,
)
from .pdf.badges import badges
from .pdf.lists import catering_pdf, participant_list_pdf, sign_in_sheets
from .pdf.tables import pdf_export
from .tables import (
    CATERING_STATUSES,
    attendee_rows,
    catering_tables,
    participant_list_rows,
    session_list_rows,
    session_sheets,
)


class AttendeeList(Exporter):
    """Every registration (or those with the chosen statuses), of the conference or of one
    session (then with the status of each booking)."""

    identifier = "attendees"
    verbose_name = _("Teilnehmendenliste")
    formats = (CSV_SEMICOLON, CSV, XLSX)
    form_class = AttendeeExportForm

    def export(self, *, format, session=None, status=(), **options) -> Export:
        if session is not None and session.conference_id != self.conference.pk:
            raise ValueError("The session belongs to another conference.")
        return render_tables(
            [attendee_rows(self.conference, session=session, statuses=list(status))],
            fmt=format,
            filename=base_filename("teilnehmende", self.conference, session),
            title=self.conference.title,
            on_done=self.logger(format),
        )


class SessionLists(Exporter):
    """Booked participants per session: XLSX with a sheet per session, or one CSV table."""

    identifier = "session_lists"
    verbose_name = _("Programmpunkte: Teilnehmende je Programmpunkt")
    formats = (XLSX, CSV_SEMICOLON, CSV)
    links = (
        (_("Excel (ein Blatt je Programmpunkt)"), {"format": XLSX}),
        (_("CSV (Excel, Semikolon)"), {"format": CSV_SEMICOLON}),
    )

    def export(self, *, format, **options) -> Export:
        conference = self.conference
        tables = [session_list_rows(conference)] if format != XLSX else session_sheets(conference)
        return render_tables(
            tables,
            fmt=format,
            filename=base_filename("programmpunkte", conference),
            title=conference.title,
            on_done=self.logger(format),
        )


class SignInSheets(Exporter):
    identifier = "sign_in"
    verbose_name = _("Unterschriftenlisten")
    formats = (PDF,)
    form_class = SignInExportForm
    links = (
        (_("PDF je Konferenztag"), {}),
        (_("PDF je Programmpunkt"), {"by": "session"}),
    )

    def log_kind(self, **options) -> str:
        return "sign_in_sheet"

    def export(self, *, format, day=None, session=None, by="", **options) -> Export:
        export, rows = sign_in_sheets(
            conference=self.conference, day=day, session=session, by_session=by == "session"
        )
        self.logger(format)(rows)
        return export


class Badges(Exporter):
    identifier = "badges"
    verbose_name = _("Namensschilder")
    formats = (PDF,)
    form_class = BadgeExportForm
    links = (
        (_("PDF, A4-Etikettenbögen"), {"layout": "a4"}),
        (_("PDF, einzelne A6-Schilder"), {"layout": "a6"}),
    )

    def log_kind(self, *, layout="a4", **options) -> str:
        return f"badges_{layout}"

    def export(self, *, format, layout="a4", role=(), **options) -> Export:
        export, rows = badges(conference=self.conference, layout=layout, roles=role or None)
        self.logger(format, layout=layout)(rows)
        return export


class CateringSummary(Exporter):
    """Counts per diet, the dietary notes and the accessibility needs."""

    identifier = "catering"
    verbose_name = _("Verpflegung und Barrierefreiheit")
    formats = (XLSX, PDF, CSV_SEMICOLON, CSV)
    form_class = CateringExportForm
    links = (
        (_("Excel"), {"format": XLSX}),
        (_("PDF"), {"format": PDF}),
        (_("CSV (Excel, Semikolon)"), {"format": CSV_SEMICOLON}),
    )

    def export(self, *, format, status=CATERING_STATUSES, **options) -> Export:
        tables = catering_tables(self.conference, statuses=status)
        on_done = self.logger(format)
        if format == PDF:
            export = catering_pdf(conference=self.conference, tables=tables)
            on_done(sum(t.row_count for t in tables))
            return export
        return render_tables(
            tables,
            fmt=format,
            filename=base_filename("verpflegung-barrierefreiheit", self.conference),
            title=self.conference.title,
            on_done=on_done,
        )


class ParticipantList(Exporter):
    """The list handed to attendees: name and organisation of the confirmed participants who
    agreed to be listed."""

    identifier = "participant_list"
    verbose_name = _("Teilnehmendenliste zum Aushändigen (nur mit Einwilligung)")
    formats = (PDF, *TABLE_FORMATS)
    links = (
        (_("PDF"), {"format": PDF}),
        (_("Excel"), {"format": XLSX}),
    )

    def export(self, *, format, **options) -> Export:
        table = participant_list_rows(self.conference)
        on_done = self.logger(format)
        if format == PDF:
            export = participant_list_pdf(conference=self.conference, table=table)
            on_done(table.row_count)
            return export
        return render_tables(
            [table],
            fmt=format,
            filename=base_filename("teilnehmendenliste", self.conference),
            title=self.conference.title,
            on_done=on_done,
        )


class Certificates(Exporter):
    identifier = "certificates"
    verbose_name = _("Teilnahmebescheinigungen")
    formats = (PDF,)
    form_class = CertificateExportForm
    links = ((_("PDF, eine Seite je anwesender Person"), {}),)

    def export(self, *, format, registration=None, **options) -> Export:
        # Only those who came (checkin.rules); the run opens with a count of those left out.
        data, rows = bulk_certificates(self.conference, registration)
        self.logger(format)(rows)
        suffix = f"-{registration.pk}" if registration is not None else ""
        return pdf_export(data, f"teilnahmebescheinigungen-{self.conference.slug}{suffix}.pdf")
