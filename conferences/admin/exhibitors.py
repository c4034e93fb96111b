"""Markt der Möglichkeiten: the exhibitors of a conference."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import Exhibitor
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .history import HistoryAdmin
from .scope import OrganiserScopeMixin, VisibleConferenceListFilter


@admin.register(Exhibitor)
class ExhibitorAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin):
    conference_path = "conference"
    form = OrganiserAdminForm
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
        "needs_power",
        "needs_pinboard",
    )
    list_select_related = ("conference", "topic")
    search_fields = ("organisation", "project", "contact_name", "email", "stand")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("conference", "organisation", "project", "topic", "description")}),
        (_("Kontakt"), {"fields": ("contact_name", "email", "phone", "website")}),
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
        (_("Verlauf"), {"fields": ("created_at",)}),
    )

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    @admin.display(description=_("Bedarfe"))
    def needs(self, obj):
        wanted = (
            (obj.needs_table, Exhibitor._meta.get_field("needs_table").verbose_name),
            (obj.needs_power, Exhibitor._meta.get_field("needs_power").verbose_name),
            (obj.needs_pinboard, Exhibitor._meta.get_field("needs_pinboard").verbose_name),
            (obj.needs_space, Exhibitor._meta.get_field("needs_space").verbose_name),
        )
        return ", ".join(str(label) for needed, label in wanted if needed)
