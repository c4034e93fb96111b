"""Speakers (Referierende): shared between conferences and public on the programme pages. Every
organiser sees all of them and may add speakers, but may change only those who appear in no other
organiser's conference."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Conference, Speaker
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .scope import VisibleConferenceListFilter


@admin.register(Speaker)
class SpeakerAdmin(FieldsetsWithRestMixin, admin.ModelAdmin):
    form = OrganiserAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("last_name", "first_name", "academic_title", "organisation", "session_count")
    list_display_links = ("last_name", "first_name")
    list_filter = (("sessions__conference", VisibleConferenceListFilter),)
    search_fields = ("last_name", "first_name", "organisation", "position")
    prepopulated_fields = {"slug": ("first_name", "last_name")}
    fieldsets = (
        (None, {"fields": ("academic_title", "first_name", "last_name", "slug")}),
        (_("Funktion"), {"fields": ("organisation", "position", "website")}),
        (_("Vorstellung"), {"fields": ("biography", "photo", "photo_alt")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_session_count=Count("roles", distinct=True))

    def _only_in_own_conferences(self, request, speaker):
        if request.user.is_superuser or speaker is None:
            return True
        own = Conference.objects.organised_by(request.user).values("pk")
        return not speaker.roles.exclude(session__conference__in=own).exists()

    def has_change_permission(self, request, obj=None):
        # Speakers are shared: a change would show on another organiser's programme too.
        return super().has_change_permission(request, obj) and self._only_in_own_conferences(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._only_in_own_conferences(
            request, obj
        )

    @admin.display(description=_("Programmpunkte"), ordering="_session_count")
    def session_count(self, obj):
        return obj._session_count
