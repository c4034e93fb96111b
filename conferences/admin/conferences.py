"""Conferences with their programme at a glance, conference series and topics.

`BaseConferenceAdmin` is registered by `registrations.admin`, which adds what running a conference
needs (overview, message, exports) and hands a changed capacity to the waiting list: the
registration services live there, and this app never imports them. Series and topics are shared
between conferences and, for the Organisationsteam group, read-only.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import ConferenceSeries, Session, Topic
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .history import HistoryAdmin
from .scope import OrganiserScopeMixin
from .seats import (
    SEAT_COLUMNS,
    CountersSavedByServicesFormSet,
    SeatCountersMixin,
    lock_conference,
    refresh_counters,
    save_keeping_counters,
)


@admin.register(ConferenceSeries)
class ConferenceSeriesAdmin(admin.ModelAdmin):
    form = OrganiserAdminForm
    list_display = ("title", "slug", "conference_count")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_conference_count=Count("conferences"))

    @admin.display(description=_("Konferenzen"), ordering="_conference_count")
    def conference_count(self, obj):
        return obj._conference_count


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = OrganiserAdminForm
    list_display = ("name", "position", "session_count", "exhibitor_count")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _session_count=Count("sessions", distinct=True),
                _exhibitor_count=Count("exhibitors", distinct=True),
            )
        )

    @admin.display(description=_("Programmpunkte"), ordering="_session_count")
    def session_count(self, obj):
        return obj._session_count

    @admin.display(description=_("Ausstellende"), ordering="_exhibitor_count")
    def exhibitor_count(self, obj):
        return obj._exhibitor_count


# --- Conferences ---------------------------------------------------------------------------


class SessionInlineForm(OrganiserAdminForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "is_bookable" in self.fields:
            # A column header of the inline: short, the help text says the rest.
            self.fields["is_bookable"].label = _("wählbar")

    def clean(self):
        cleaned_data = super().clean()
        # Session.clean() compares with the conference only once the conference is saved; on
        # the add form the new conference is compared here.
        conference = cleaned_data.get("conference")
        starts_at, ends_at = cleaned_data.get("starts_at"), cleaned_data.get("ends_at")
        if (
            conference is not None
            and conference.pk is None
            and conference.starts_at
            and conference.ends_at
            and starts_at
            and ends_at
            and (starts_at < conference.starts_at or ends_at > conference.ends_at)
        ):
            self.add_error(
                "starts_at",
                _("Der Programmpunkt muss innerhalb der Konferenz liegen (%(start)s bis %(end)s).")
                % {
                    "start": timezone.localtime(conference.starts_at).strftime("%d.%m.%Y %H:%M"),
                    "end": timezone.localtime(conference.ends_at).strftime("%d.%m.%Y %H:%M"),
                },
            )
        return cleaned_data


class SessionInline(SeatCountersMixin, admin.TabularInline):
    """The programme at a glance; topic, description and speakers on the session's own page."""

    model = Session
    form = SessionInlineForm
    formset = CountersSavedByServicesFormSet
    fields = (
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "room",
        "is_bookable",
        "capacity",
        # The short columns of the changelists: the row fits a 1,280 px window.
        "seats_taken_column",
        "seats_left_column",
        "waitlist_column",
    )
    readonly_fields = ("seats_taken_column", "seats_left_column", "waitlist_column")
    # One line per session: a single date-and-time box instead of the split calendar widgets.
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            # Minutes are enough for a programme, and the value fits the column.
            "widget": forms.DateTimeInput(format="%d.%m.%Y %H:%M", attrs={"size": 16}),
        }
    }
    extra = 0
    show_change_link = True


class BaseConferenceAdmin(
    OrganiserScopeMixin, FieldsetsWithRestMixin, SeatCountersMixin, HistoryAdmin
):
    """The conference admin without the waiting list; `registrations.admin` registers it,
    extended, as the one admin of Conference."""

    conference_path = ""
    form = OrganiserAdminForm
    list_display = (
        "title",
        "city",
        "starts_at",
        "status",
        *SEAT_COLUMNS,
        "preview_link",
    )
    list_filter = ("status", "series", "city", "starts_at")
    list_select_related = ("series",)
    search_fields = ("title", "motto", "city", "venue_name")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("organisers",)
    readonly_fields = (
        "preview_link",
        "seats_taken",
        "seats_left",
        "waitlist_count",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "motto", "series", "status", "preview_link")}),
        (
            _("Ort"),
            {"fields": ("city", "venue_name", "address", "accessibility_info", "room_order")},
        ),
        (
            _("Zeit und Anmeldung"),
            {
                "fields": (
                    "starts_at",
                    "ends_at",
                    "registration_opens_at",
                    "registration_closes_at",
                    "requires_approval",
                )
            },
        ),
        (_("Plätze"), {"fields": ("capacity", "seats_taken", "seats_left", "waitlist_count")}),
        (_("Beschreibung"), {"fields": ("description",)}),
        (
            _("Organisationsteam"),
            {"fields": ("contact_email", "contact_phone", "organisers")},
        ),
        (_("Verlauf"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (SessionInline,)

    class Media:
        # The session inline's widths (the form fits a 1,280 px window).
        css = {"all": ("css/admin.css",)}

    @admin.display(description=_("Vorschau"))
    def preview_link(self, obj):
        if obj.pk is None:
            return _("Die Vorschau gibt es nach dem ersten Speichern.")
        return format_html(
            '<a href="{}">{}</a>',
            obj.get_absolute_url(),
            _("Öffentliche Seite ansehen"),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            # Who organises a conference decides who sees it: superusers choose.
            readonly = (*readonly, "organisers")
        return readonly

    def get_object(self, request, object_id, from_field=None):
        conference = super().get_object(request, object_id, from_field)
        if conference is not None and request.method == "POST":
            # The inline sessions are read after this, so they see the locked counters too.
            counters = lock_conference(conference.pk)
            if counters is None or not refresh_counters(conference, counters):
                return None
        return conference

    def save_model(self, request, obj, form, change):
        save_keeping_counters(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # Whoever else may add a conference organises it (or would not see it again).
            form.instance.organisers.add(request.user)
        if not change:
            return
        changed = [form.instance] if "capacity" in form.changed_data else []
        for formset in formsets:
            if formset.model is Session:
                # Sessions saved with another capacity; new ones have nobody waiting.
                changed += [
                    session for session, fields in formset.changed_objects if "capacity" in fields
                ]
        if changed:
            self.capacities_changed(request, changed)

    def capacities_changed(self, request, changed):
        """Called in the save's transaction with the conference and the sessions whose capacity
        changed (the conference first). `registrations.admin` hands the new seats to the waiting
        lists."""
