"""Markt der Möglichkeiten in the admin: the market of a conference (window, stands), the review
list of applications with the decisions (accept with a stand, waiting list, decline, offer free
stands) and the e-mail log. Scoped to the organiser's conferences like every other admin.

Status, stand counter and staff are written only by `exhibitors.services`: the change form shows
the status read-only, and a changed stand number goes through `assign_stand`.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.admin import (
    FieldsetsWithRestMixin,
    HistoryAdmin,
    OrganiserAdminForm,
    OrganiserScopeMixin,
    VisibleConferenceListFilter,
)

from . import services
from .models import Exhibitor, ExhibitorEmail, ExhibitorStaff, Market

NEEDS = ("needs_table", "needs_power", "needs_pinboard", "needs_space")


@admin.register(Market)
class MarketAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin):
    conference_path = "conference"
    form = OrganiserAdminForm
    list_display = ("conference", "opens_at", "closes_at", "stands", "stands_taken")
    list_select_related = ("conference",)
    readonly_fields = ("stands_taken",)
    fieldsets = (
        (None, {"fields": ("conference", "opens_at", "closes_at")}),
        (
            _("Stände"),
            {"fields": ("stands", "stands_taken", "max_staff_per_stand", "waitlist_auto")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # The conference of a market never changes; its stand counter is the services'.
        return ("conference", "stands_taken") if obj else ("stands_taken",)


class ExhibitorAdminForm(OrganiserAdminForm):
    validated_read_only_fields = ("status",)

    def clean_stand(self):
        stand = self.cleaned_data["stand"].strip()
        if stand != self.instance.stand and self.instance.status != Exhibitor.Status.ACCEPTED:
            raise forms.ValidationError(
                _("Eine Standnummer wird mit der Zusage vergeben („Zusagen“ in der Liste).")
            )
        return stand


class StaffInline(admin.TabularInline):
    """Named by the exhibitor through the private link; shown here, not edited."""

    model = ExhibitorStaff
    fields = ("name", "email")
    readonly_fields = ("name", "email")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Exhibitor)
class ExhibitorAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin):
    conference_path = "conference"
    form = ExhibitorAdminForm
    inlines = [StaffInline]
    # An address typed without a scheme ("projekt.de") is taken as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "organisation",
        "project",
        "conference_title",
        "stand",
        "status",
        "topic",
        "needs",
        "staff_count",
        "created_at",
    )
    list_filter = (
        ("conference", VisibleConferenceListFilter),
        "status",
        "topic",
        *NEEDS,
    )
    list_select_related = ("conference", "topic")
    search_fields = ("organisation", "project", "contact_name", "email", "stand")
    date_hierarchy = "created_at"
    readonly_fields = ("status", "created_at", "email_confirmed_at", "privacy_version")
    actions = ["accept", "waitlist", "decline", "offer_free_stands"]
    fieldsets = (
        (None, {"fields": ("conference", "organisation", "project", "topic", "description")}),
        (_("Kontakt"), {"fields": ("contact_name", "email", "phone", "website", "logo")}),
        (
            _("Stand und Bedarfe"),
            {
                "fields": (
                    "status",
                    "stand",
                    "staff_count",
                    "needs_table",
                    "needs_power",
                    "needs_pinboard",
                    "needs_space",
                    "needs_notes",
                )
            },
        ),
        (
            _("Verlauf"),
            {"fields": ("created_at", "email_confirmed_at", "privacy_version", "language")},
        ),
    )

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    @admin.display(description=_("Bedarfe"))
    def needs(self, obj):
        return ", ".join(
            str(Exhibitor._meta.get_field(name).verbose_name)
            for name in NEEDS
            if getattr(obj, name)
        )

    def save_model(self, request, obj, form, change):
        stand = obj.stand
        if change and "stand" in form.changed_data:
            obj.stand = form.initial.get("stand", "")
        super().save_model(request, obj, form, change)
        if change and "stand" in form.changed_data and stand:
            try:
                services.assign_stand(exhibitor=obj, stand=stand)
            except services.ExhibitorError as error:
                messages.error(request, error.message)

    def _decide(self, request, queryset, decide, done):
        count = 0
        for exhibitor in queryset.order_by("pk"):
            try:
                decide(exhibitor=exhibitor)
            except services.ExhibitorError as error:
                messages.error(request, f"{exhibitor}: {error.message}")
            else:
                count += 1
        if count:
            messages.success(request, done(count))

    @admin.action(description=_("Zusagen (mit der nächsten freien Standnummer, mit E-Mail)"))
    def accept(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.accept_exhibitor,
            lambda n: ngettext("%d Stand zugesagt.", "%d Stände zugesagt.", n) % n,
        )

    @admin.action(description=_("Auf die Warteliste setzen (mit E-Mail)"))
    def waitlist(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.waitlist_exhibitor,
            lambda n: (
                ngettext(
                    "%d Standanmeldung auf die Warteliste gesetzt.",
                    "%d Standanmeldungen auf die Warteliste gesetzt.",
                    n,
                )
                % n
            ),
        )

    @admin.action(description=_("Absagen (mit E-Mail)"))
    def decline(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.decline_exhibitor,
            lambda n: (
                ngettext("%d Standanmeldung abgesagt.", "%d Standanmeldungen abgesagt.", n) % n
            ),
        )

    @admin.action(description=_("Freie Stände der Warteliste anbieten (in ihrer Reihenfolge)"))
    def offer_free_stands(self, request, queryset):
        given = []
        for conference_id in sorted(set(queryset.values_list("conference_id", flat=True))):
            try:
                given += services.offer_free_stands(
                    conference=Market.objects.get(conference_id=conference_id).conference
                )
            except (services.ExhibitorError, Market.DoesNotExist) as error:
                messages.error(request, str(error))
        messages.success(
            request,
            ngettext(
                "%d Stand von der Warteliste vergeben.",
                "%d Stände von der Warteliste vergeben.",
                len(given),
            )
            % len(given),
        )


@admin.register(ExhibitorEmail)
class ExhibitorEmailAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    conference_path = "exhibitor__conference"
    list_display = ("created_at", "kind", "to", "status", "attempts")
    list_filter = ("kind", "status")
    list_select_related = ("exhibitor",)
    readonly_fields = [f.name for f in ExhibitorEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
