"""Who exported which participant data, when."""

from django.contrib import admin

from conferences.admin import OrganiserScopeMixin, VisibleConferenceListFilter

from ..models import ExportLog


@admin.register(ExportLog)
class ExportLogAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    """Who exported which participant data, when; written by every export, never edited."""

    conference_path = "conference"
    list_display = ("created_at", "username", "conference", "kind", "fmt", "row_count")
    list_filter = (("conference", VisibleConferenceListFilter), "kind", "fmt")
    list_select_related = ("conference",)
    search_fields = ("username",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
