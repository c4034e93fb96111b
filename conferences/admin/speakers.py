"""Speakers (Referierende), scoped through the sessions they speak in.

Why not a conference on each speaker: a speaker is one person with one public page that lists
their sessions across conferences (`SpeakerDetailView`), and the seeds share one row per person
between the editions of a series. Splitting them per conference would split that page and every
link to it. Instead a speaker belongs to the conferences of their sessions:

- an organiser sees the speakers with a part in a session of a conference they organise, and
  the speakers they added themselves that have no part anywhere yet (a new person belongs to no
  conference until placed in a session);
- they change or delete only speakers whose every part is in their own conferences: a speaker
  shared with another organiser's conference is read-only to them (a change would show on the
  other programme too);
- another conference's own speakers are invisible: not listed, 404 on their pages, never offered
  by the autocomplete of a session's or a registration's form.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..models import Conference, SessionSpeaker, Speaker
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .scope import OrganiserScopeMixin, VisibleConferenceListFilter


@admin.register(Speaker)
class SpeakerAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, admin.ModelAdmin):
    # Many-valued: `scope_queryset` below answers with a subquery instead of a join.
    conference_path = "roles__session__conference"
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

    def scope_queryset(self, user, queryset):
        if user.is_superuser:
            return queryset
        own = Conference.objects.organised_by(user).values("pk")
        in_own = SessionSpeaker.objects.filter(session__conference__in=own).values("speaker")
        placed = Exists(SessionSpeaker.objects.filter(speaker=OuterRef("pk")))
        return queryset.filter(Q(pk__in=in_own) | (Q(created_by=user.pk) & ~placed))

    def get_queryset(self, request):
        # An aggregate drops the model's ordering; the autocomplete pages need one.
        return (
            super()
            .get_queryset(request)
            .annotate(_session_count=Count("roles", distinct=True))
            .order_by("last_name", "first_name", "pk")
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _only_in_own_conferences(self, request, speaker):
        if request.user.is_superuser or speaker is None:
            return True
        own = Conference.objects.organised_by(request.user).values("pk")
        return not speaker.roles.exclude(session__conference__in=own).exists()

    def has_change_permission(self, request, obj=None):
        # Shared speakers: a change would show on another organiser's programme too.
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
