"""Sessions (Programmpunkte) with their speakers.

`BaseSessionAdmin` is registered by `registrations.admin`, which hands a changed capacity to the
waiting list (see `conferences.admin.conferences`).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from ..models import SessionSpeaker
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .history import HistoryAdmin
from .scope import OrganiserScopeMixin, ScopedChoicesMixin, VisibleConferenceListFilter
from .seats import (
    SEAT_COLUMNS,
    SeatCountersMixin,
    lock_conference,
    refresh_counters,
    save_keeping_counters,
)


class SessionAdminForm(OrganiserAdminForm):
    def clean_conference(self):
        conference = self.cleaned_data["conference"]
        if (
            not self.instance._state.adding
            and conference.pk != self.instance.conference_id
            and self.instance.bookings.exists()
        ):
            raise ValidationError(
                _(
                    "Für diesen Programmpunkt gibt es Buchungen; er kann nicht in eine andere "
                    "Konferenz verschoben werden."
                )
            )
        return conference


class SessionSpeakerFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        return _("Jede Person kann nur einmal an einem Programmpunkt mitwirken.")


class SessionSpeakerInline(ScopedChoicesMixin, admin.TabularInline):
    model = SessionSpeaker
    form = OrganiserAdminForm
    formset = SessionSpeakerFormSet
    fields = ("speaker", "role", "order")
    autocomplete_fields = ("speaker",)
    extra = 0


class BaseSessionAdmin(
    OrganiserScopeMixin, FieldsetsWithRestMixin, SeatCountersMixin, HistoryAdmin
):
    """The session admin without the waiting list; `registrations.admin` registers it, extended,
    as the one admin of Session."""

    conference_path = "conference"
    form = SessionAdminForm
    list_display = (
        "title",
        "conference_title",
        "kind",
        "starts_at",
        "room",
        "topic",
        "speaker_names",
        *SEAT_COLUMNS,
    )
    list_filter = (("conference", VisibleConferenceListFilter), "kind", "is_bookable", "topic")
    list_select_related = ("conference", "topic")
    search_fields = ("title", "room", "conference__title", "conference__city")
    date_hierarchy = "starts_at"
    readonly_fields = ("seats_taken", "seats_left", "waitlist_count")
    fieldsets = (
        (None, {"fields": ("conference", "title", "kind", "topic", "description")}),
        (_("Zeit und Raum"), {"fields": ("starts_at", "ends_at", "room")}),
        (
            _("Plätze"),
            {
                "fields": (
                    "is_bookable",
                    "capacity",
                    "seats_taken",
                    "seats_left",
                    "waitlist_count",
                )
            },
        ),
    )
    inlines = (SessionSpeakerInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("roles", queryset=SessionSpeaker.objects.select_related("speaker"))
            )
        )

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    @admin.display(description=_("Mitwirkende"))
    def speaker_names(self, obj):
        return ", ".join(str(role.speaker) for role in obj.roles.all())

    def get_object(self, request, object_id, from_field=None):
        session = super().get_object(request, object_id, from_field)
        if session is not None and request.method == "POST":
            # The whole conference, not only this row: the order the services lock in.
            counters = lock_conference(session.conference_id)
            if counters is None or not refresh_counters(session, counters):
                return None
        return session

    def save_model(self, request, obj, form, change):
        save_keeping_counters(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "capacity" in form.changed_data:
            self.capacities_changed(request, [form.instance])

    def capacities_changed(self, request, changed):
        """Called in the save's transaction with the session when its capacity changed.
        `registrations.admin` hands the new seats to the waiting list."""
