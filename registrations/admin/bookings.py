"""Session bookings, view only: every field of a booking is state of the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conferences.admin import HistoryAdmin, OrganiserScopeMixin, VisibleConferenceListFilter

from ..models import SessionBooking
from .search import FoldedSearchMixin


class SessionBookingInline(admin.TabularInline):
    """The person's bookings, as the services keep them. Adding, moving or removing a booking
    changes seat counters and waiting lists: the "move" action and the participant's own page
    do that through the services."""

    model = SessionBooking
    fields = ("session", "status", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SessionBooking)
class SessionBookingAdmin(FoldedSearchMixin, OrganiserScopeMixin, HistoryAdmin):
    """View only: every field of a booking is state of the services."""

    conference_path = "registration__conference"
    folded_search_path = "registration__search_text"
    search_fields_too = True
    list_display = ("participant", "session", "conference", "status", "created_at")
    list_filter = ("status", ("session__conference", VisibleConferenceListFilter))
    list_select_related = ("registration", "session__conference")
    search_fields = (
        "registration__last_name",
        "registration__first_name",
        "registration__email",
        "session__title",
    )
    fields = ("registration", "session", "status", "created_at")
    readonly_fields = fields

    @admin.display(description=_("Teilnehmende Person"), ordering="registration__last_name")
    def participant(self, obj):
        return obj.registration.full_name

    @admin.display(description=_("Konferenz"), ordering="session__conference__starts_at")
    def conference(self, obj):
        return obj.session.conference.title

    def has_add_permission(self, request):
        # A booking written here would take a seat without counting it.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
