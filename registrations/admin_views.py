"""Admin pages for running a conference: the overview, "Person anmelden", the message to the
participants and the exports. `registrations.admin` mounts them on the conference admin and on
the registration admin; each view takes that model admin as its first argument.

Invariants:

- Every page finds its conference among those the user may see (`organised_conferences`): any
  other answers 404. Each page also needs its own permission (403 without): the overview
  `view_registration`, "Person anmelden" `add_registration`, the message
  `message_participants`, the exports `export_registration` (and `exports.can_export`).
- Nothing here changes state itself: "Person anmelden" calls `services.register_participant`,
  the message `organiser.send_message`.
- The overview is built from aggregate queries: its number of queries does not depend on the
  number of registrations. Its charts are inline SVG drawn here (no script, no third-party
  request), each with a table holding the same figures.
- No private link (token) is shown: the preview of a message shows a placeholder instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.admin import organised_conferences
from conferences.models import Conference, Session
from conferences.rules import registration_state
from exports.exporters import AttendeeList
from exports.forms import AttendeeExportForm as ExportAttendeeForm
from exports.registry import all_exporters
from exports.views import export, export_links, export_response  # noqa: F401 (admin URLs)

from . import emails, organiser, services
from .forms import NoControlCharacters, ParticipantForm
from .models import Consent, Registration

Status = Registration.Status


# --- Shared -------------------------------------------------------------------------------------


def conference_or_404(request, conference_id) -> Conference:
    conference = organised_conferences(request.user).filter(pk=conference_id).first()
    if conference is None:
        raise Http404
    return conference


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(model_admin, request, conference, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Conference._meta,
        "conference": conference,
        "original": conference,
        **extra,
    }


def session_choice_label(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    if session.capacity is None:
        seats = _("ohne Platzbegrenzung")
    else:
        seats = _("%(taken)d von %(capacity)d Plätzen vergeben, %(waiting)d auf der Warteliste") % {
            "taken": session.seats_taken,
            "capacity": session.capacity,
            "waiting": session.waitlist_count,
        }
    return f"{start:%d.%m. %H:%M} {session.title} ({seats})"


def report_promotions(model_admin, request, conference, promoted) -> None:
    if promoted:
        text = ngettext(
            "%(conference)s: %(count)d Platz wurde an die Warteliste vergeben.",
            "%(conference)s: %(count)d Plätze wurden an die Warteliste vergeben.",
            len(promoted),
        )
        level = messages.SUCCESS
    else:
        text = _(
            "%(conference)s: Niemand konnte nachrücken (keine freien Plätze oder keine Warteliste)."
        )
        level = messages.INFO
    model_admin.message_user(
        request, text % {"conference": conference.title, "count": len(promoted)}, level
    )


def changelist_url(conference, **filters) -> str:
    query = {"conference__id__exact": conference.pk, **filters}
    return reverse("admin:registrations_registration_changelist") + "?" + urlencode(query)


# --- Charts (inline SVG, no script, no third-party request) -------------------------------------

BAR_COLOUR = "#417690"  # the admin's own blue
TRACK_COLOUR = "#d9d9d9"


@dataclass(frozen=True)
class Row:
    label: str
    value: int
    url: str = ""


def bar_chart(rows: list[Row], *, labelledby: str):
    """Horizontal bars, one per row, with the value beside each bar."""
    row_height, label_width, bar_width, value_width = 26, 230, 300, 60
    width = label_width + bar_width + value_width
    height = row_height * len(rows) + 4
    top = max((row.value for row in rows), default=0) or 1
    parts = []
    for i, row in enumerate(rows):
        y = i * row_height
        length = round(bar_width * row.value / top, 1)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" '
                'fill="currentColor" font-size="13">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" dominant-baseline="middle" fill="currentColor" '
                'font-size="13">{}</text>',
                label_width - 8,
                y + row_height / 2,
                Truncator(row.label).chars(34),
                label_width,
                y + 5,
                length,
                row_height - 10,
                BAR_COLOUR,
                row.label,
                row.value,
                label_width + length + 6,
                y + row_height / 2,
                row.value,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="tb-chart" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-labelledby="{id}">{bars}</svg>',
        w=width,
        h=height,
        id=labelledby,
        bars=mark_safe("".join(parts)),  # noqa: S308 - built with format_html above
    )


def column_chart(rows: list[Row], *, labelledby: str):
    """Vertical columns over time (one per day), the first and last day and the maximum
    labelled."""
    if not rows:
        return ""
    height, base, left = 170, 140, 34
    step = max(4, min(28, 640 // len(rows)))
    width = left + step * len(rows) + 10
    top = max(row.value for row in rows) or 1
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="1"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="currentColor">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="currentColor">0</text>',
            left,
            base,
            width,
            base,
            left - 4,
            12,
            top,
            left - 4,
            base,
        )
    ]
    for i, row in enumerate(rows):
        bar = round((base - 14) * row.value / top, 1)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                left + i * step + 1,
                base - bar,
                max(step - 2, 2),
                bar,
                BAR_COLOUR,
                row.label,
                row.value,
            )
        )
    for i, anchor in ((0, "start"), (len(rows) - 1, "end")):
        x = left + i * step + (0 if anchor == "start" else step)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="{}" font-size="12" fill="currentColor">{}</text>',
                x,
                base + 18,
                anchor,
                rows[i].label,
            )
        )
        if len(rows) == 1:
            break
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="tb-chart" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-labelledby="{id}">{bars}</svg>',
        w=width,
        h=height,
        id=labelledby,
        bars=mark_safe("".join(parts)),  # noqa: S308 - built with format_html above
    )


def seat_bar(taken: int, capacity: int | None, *, width: int = 160):
    """A small taken-of-capacity bar, decorative (the figures stand beside it)."""
    if not capacity:
        return ""
    filled = round(width * min(taken, capacity) / capacity, 1)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="12" viewBox="0 0 {w} 12" '
        'aria-hidden="true" focusable="false"><rect width="{w}" height="12" fill="{}"/>'
        '<rect width="{}" height="12" fill="{}"/></svg>',
        TRACK_COLOUR,
        filled,
        BAR_COLOUR,
        w=width,
    )


# --- Overview -----------------------------------------------------------------------------------

#: How many regions the chart names; the rest are summed up.
TOP_REGIONS = 12


@dataclass
class SessionLine:
    session: Session
    bar: str

    @property
    def seats_left(self):
        return self.session.seats_left


def _label(choices, value) -> str:
    if not value:
        return str(_("keine Angabe"))
    return str(dict(choices).get(value, value))


def _days(per_day: dict[date, int]) -> list[Row]:
    """Every day from the first registration to the last, days without any as 0."""
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    rows, day = [], first
    while day <= last:
        rows.append(Row(formats.date_format(day, "SHORT_DATE_FORMAT"), per_day.get(day, 0)))
        day += timedelta(days=1)
    return rows


def conference_figures(conference: Conference) -> dict:
    """Everything the overview shows, in a fixed number of queries."""
    registrations = Registration.objects.filter(conference=conference)
    holding = Q(status__in=Registration.SEAT_HOLDING)
    counts = registrations.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        awaiting_approval=Count("pk", filter=Q(status=Status.AWAITING_APPROVAL)),
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        checked_in=Count("pk", filter=holding & Q(checked_in_at__isnull=False)),
        with_dietary_notes=Count("pk", filter=holding & ~Q(dietary_notes="")),
    )
    sessions = [
        SessionLine(session, seat_bar(session.seats_taken, session.capacity))
        for session in conference.sessions.filter(
            Q(is_bookable=True) | Q(capacity__isnull=False)
        ).order_by("starts_at", "room", "title")
    ]
    per_day = {
        row["day"]: row["n"]
        for row in registrations.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    }
    active = registrations.exclude(status=Status.CANCELLED)
    organisation_types = sorted(
        (
            Row(
                _label(Registration.OrganisationType.choices, row["organisation_type"]),
                row["n"],
                changelist_url(conference, organisation_type__exact=row["organisation_type"]),
            )
            for row in active.values("organisation_type").annotate(n=Count("pk")).order_by()
        ),
        key=lambda row: (-row.value, row.label),
    )
    region_rows = [
        Row(row["region"] or str(_("keine Angabe")), row["n"])
        for row in active.values("region").annotate(n=Count("pk")).order_by("-n", "region")
    ]
    if len(region_rows) > TOP_REGIONS + 1:
        rest = sum(row.value for row in region_rows[TOP_REGIONS:])
        region_rows = [*region_rows[:TOP_REGIONS], Row(str(_("weitere Regionen")), rest)]
    attending = registrations.filter(holding)
    diet_counts = dict(attending.values_list("diet").annotate(n=Count("pk")).order_by())
    diets = [
        Row(str(label), diet_counts.get(value, 0)) for value, label in Registration.Diet.choices
    ]
    needs = list(
        attending.exclude(accessibility_needs="")
        .only("academic_title", "first_name", "last_name", "organisation", "accessibility_needs")
        .order_by("last_name", "first_name", "pk")
    )
    days = _days(per_day)
    return {
        "counts": counts,
        "seats_left": conference.seats_left,
        "seat_bar": seat_bar(conference.seats_taken, conference.capacity, width=300),
        "sessions": sessions,
        "days": days,
        "days_chart": column_chart(days, labelledby="chart-days"),
        "organisation_types": organisation_types,
        "organisation_types_chart": bar_chart(organisation_types, labelledby="chart-types"),
        "regions": region_rows,
        "regions_chart": bar_chart(region_rows, labelledby="chart-regions"),
        "diets": diets,
        "diets_chart": bar_chart(diets, labelledby="chart-diets"),
        "needs": needs,
    }


# The export part lives in the exports app (`exports.views`); these names stay until the
# overview and the admin's URLs use exports.views directly.
_export_links = export_links


class AttendeeExportForm(ExportAttendeeForm):
    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, conference=conference, formats=AttendeeList.formats, **kwargs)


def overview(model_admin, request, conference_id):
    conference = conference_or_404(request, conference_id)
    _require(request, "registrations.view_registration")
    user = request.user
    context = _context(
        model_admin,
        request,
        conference,
        title=_("Übersicht: %(title)s") % {"title": conference.title},
        figures=conference_figures(conference),
        status_links={
            status: changelist_url(conference, status__exact=status) for status in Status.values
        },
        registrations_url=changelist_url(conference),
        checked_in_url=changelist_url(conference, checked_in="yes"),
        can_add=user.has_perm("registrations.add_registration"),
        can_message=user.has_perm("registrations.message_participants"),
        can_export=user.has_perm("registrations.export_registration"),
        export_links=_export_links(conference),
        attendee_form=AttendeeExportForm(
            conference=conference, initial={"status": [Status.CONFIRMED]}
        ),
        attendee_export_url=reverse(
            "admin:conferences_conference_export", args=(conference.pk, "attendees")
        ),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/registrations/conference_overview.html", context)


# --- Person anmelden ------------------------------------------------------------------------


class RegisterPersonForm(ParticipantForm):
    """What an organiser takes down on the phone; `services.register_participant` decides."""

    language = forms.ChoiceField(
        label=_("Sprache der E-Mails"), choices=settings.LANGUAGES, initial="de"
    )
    sessions = forms.ModelMultipleChoiceField(
        label=_("Programmpunkte"),
        required=False,
        queryset=Session.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    consents = forms.MultipleChoiceField(
        label=_("Einwilligungen, die die Person gegeben hat"),
        required=False,
        choices=Consent.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ohne Kenntnisnahme der Datenschutzhinweise ist keine Anmeldung möglich."),
    )
    waitlist = forms.BooleanField(
        label=_("Wenn die Konferenz oder ein gewählter Programmpunkt voll ist: Warteliste"),
        required=False,
        help_text=_("Ohne Haken wird die Anmeldung dann abgelehnt."),
    )
    address_confirmed = forms.BooleanField(
        label=_("E-Mail-Adresse ist geprüft"),
        required=False,
        help_text=_(
            "Die Person erhält dann gleich die Anmeldebestätigung statt der Bitte, ihre "
            "Adresse zu bestätigen."
        ),
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        sessions = conference.sessions.bookable().order_by("starts_at", "title")
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = session_choice_label
        if not sessions.exists():
            del self.fields["sessions"]

    def person_fields(self):
        return [self[name] for name in (*self.participant_fields, "language")]

    def choice_fields(self):
        return [self[name] for name in ("sessions", "consents") if name in self.fields]

    def option_fields(self):
        return [self["waitlist"], self["address_confirmed"]]

    def clean_consents(self):
        consents = self.cleaned_data["consents"]
        if Consent.Purpose.PRIVACY not in consents:
            raise forms.ValidationError(
                _("Die Person muss die Datenschutzhinweise zur Kenntnis genommen haben.")
            )
        return consents

    def add_service_error(self, error: services.RegistrationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


def register_person(model_admin, request):
    """The add page of registrations: an organiser registers someone (e.g. by phone).

    Organisers register outside the online registration window too (`by_organiser`), so the
    page offers the conferences the service accepts for them: published and not yet ended.
    """
    conference_id = request.GET.get("conference", "")
    chosen = bool(conference_id)
    if not chosen:
        # Coming from a changelist filtered by conference: that one, if it can take people.
        filters = QueryDict(request.GET.get("_changelist_filters", ""))
        conference_id = filters.get("conference__id__exact", "")
    registrable = organised_conferences(request.user).published().filter(ends_at__gt=timezone.now())
    conference = registrable.filter(pk=conference_id).first() if conference_id.isdigit() else None
    request.current_app = model_admin.admin_site.name
    base = {
        **model_admin.admin_site.each_context(request),
        "opts": Registration._meta,
        "title": _("Person anmelden"),
    }
    if conference is None:
        if chosen:
            raise Http404
        return TemplateResponse(
            request,
            "admin/registrations/registration/register_choose_conference.html",
            {**base, "conferences": registrable.order_by("starts_at", "title")},
        )
    form = RegisterPersonForm(request.POST or None, conference=conference)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session_ids = [s.pk for s in data.get("sessions") or ()]
        arguments = {
            "conference": conference,
            "participant": form.participant_data(),
            "session_ids": session_ids,
            "consents": data["consents"],
            "language": data["language"],
            "known_full_session_ids": session_ids if data["waitlist"] else (),
            "conference_known_full": data["waitlist"],
            "by_organiser": True,
        }
        try:
            if data["address_confirmed"]:
                # No "please confirm" mail: the confirmation of the registration follows.
                with emails.muted():
                    registration = services.register_participant(**arguments)
                registration = services.confirm_email(registration=registration)
            else:
                registration = services.register_participant(**arguments)
        except services.RegistrationError as error:
            form.add_service_error(error)
        else:
            model_admin.log_addition(request, registration, [{"added": {}}])
            model_admin.message_user(
                request,
                _("%(name)s ist angemeldet: %(status)s.")
                % {"name": registration.full_name, "status": registration.get_status_display()},
                messages.SUCCESS,
            )
            return redirect("admin:registrations_registration_change", registration.pk)
    return TemplateResponse(
        request,
        "admin/registrations/registration/register.html",
        {
            **base,
            "title": _("Person anmelden: %(title)s") % {"title": conference.title},
            "conference": conference,
            # The note that the online registration is closed or not yet open.
            "online": registration_state(conference),
            "form": form,
            "media": model_admin.media + form.media,
        },
    )


# --- Message to participants ----------------------------------------------------------------

SENT_MESSAGES_KEY = "registrations_sent_messages"
PREVIEW_LINK = _("[persönlicher Link der Person]")


class MessageForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("An"),
        required=False,
        queryset=Session.objects.none(),
        empty_label=_("alle bestätigten Teilnehmenden der Konferenz"),
        help_text=_(
            "Oder nur die bestätigten Teilnehmenden mit einem Platz in einem Programmpunkt."
        ),
    )
    subject = forms.CharField(
        label=_("Betreff"),
        max_length=organiser.MESSAGE_SUBJECT_MAX_LENGTH,
        validators=[NoControlCharacters()],
    )
    body = forms.CharField(
        label=_("Nachricht"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        validators=[NoControlCharacters(multiline=True)],
        help_text=_(
            "Nur Text. Anrede, Gruß des Organisationsteams und der persönliche Link jeder Person "
            "werden ergänzt."
        ),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = conference.sessions.order_by("starts_at", "title")
        self.fields["session"].label_from_instance = session_choice_label


def message_preview(conference, *, body, subject, recipient=None) -> dict:
    """The e-mail as the first recipient will get it, with a placeholder for the private link."""
    registration = recipient or Registration(
        conference=conference, first_name=str(_("Vorname")), last_name=str(_("Nachname"))
    )
    context = {
        "subject": subject,
        "registration": registration,
        "conference": conference,
        "extra": {"body": body},
        "manage_url": str(PREVIEW_LINK),
    }
    with translation.override(recipient.language if recipient else settings.LANGUAGE_CODE):
        text = emails._tidy(render_to_string("registrations/email/message.txt", context))
    return {"text": text}


def message(model_admin, request, conference_id):
    conference = conference_or_404(request, conference_id)
    _require(request, "registrations.message_participants")
    overview_url = reverse("admin:conferences_conference_overview", args=(conference.pk,))
    form = MessageForm(request.POST or None, conference=conference)
    template = "admin/registrations/message_form.html"
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = data["session"]
        if "send" in request.POST:
            sent = request.session.get(SENT_MESSAGES_KEY, [])
            if not data["nonce"] or data["nonce"] in sent:
                model_admin.message_user(
                    request,
                    _("Diese Nachricht ist bereits gesendet worden."),
                    messages.WARNING,
                )
                return redirect(overview_url)
            try:
                delivered = organiser.send_message(
                    conference=conference,
                    session=session,
                    subject=data["subject"],
                    body=data["body"],
                )
            except services.RegistrationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                request.session[SENT_MESSAGES_KEY] = [*sent[-19:], data["nonce"]]
                summary = ngettext(
                    "Nachricht „%(subject)s“ an %(count)d Person gesendet.",
                    "Nachricht „%(subject)s“ an %(count)d Personen gesendet.",
                    len(delivered),
                ) % {"subject": data["subject"], "count": len(delivered)}
                model_admin.log_change(request, conference, summary)
                model_admin.message_user(
                    request, summary, messages.SUCCESS if delivered else messages.WARNING
                )
                return redirect(overview_url)
        elif "edit" not in request.POST:
            recipients = organiser.message_recipients(conference=conference, session=session)
            shown = list(
                recipients.only(
                    "first_name", "last_name", "academic_title", "organisation", "language"
                )[:20]
            )
            count = recipients.count() if len(shown) == 20 else len(shown)
            preview_form = MessageForm(
                initial={**data, "nonce": secrets.token_urlsafe(16)}, conference=conference
            )
            for name, field in preview_form.fields.items():
                # A hidden textarea keeps the line breaks of the message.
                field.widget = (
                    forms.Textarea(attrs={"hidden": True})
                    if name == "body"
                    else forms.HiddenInput()
                )
            template = "admin/registrations/message_preview.html"
            extra = {
                "preview": message_preview(
                    conference,
                    body=data["body"],
                    subject=data["subject"],
                    recipient=shown[0] if shown else None,
                ),
                "recipients": shown,
                "recipient_count": count,
                "more_recipients": count - len(shown),
                "session": session,
                "form": preview_form,
            }
    context = _context(
        model_admin,
        request,
        conference,
        title=_("Nachricht an Teilnehmende: %(title)s") % {"title": conference.title},
        overview_url=overview_url,
        **{"form": form, **extra},
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, template, context)


# --- Exports --------------------------------------------------------------------------------

#: kind → formats it comes in (the first is the default), from the registry.
EXPORT_FORMATS = {exporter.identifier: exporter.formats for exporter in all_exporters()}


__all__ = [
    "bar_chart",
    "column_chart",
    "conference_figures",
    "export",
    "message",
    "overview",
    "register_person",
]
