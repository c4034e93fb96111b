"""Admin of the door: the role "Einlass" per conference, and the action "Als anwesend markieren"
added to the registrations' changelist (an organiser records afterwards that someone came; the
certificate then follows)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from conferences.admin import OrganiserScopeMixin, VisibleConferenceListFilter
from registrations import services
from registrations.models import Registration

from .models import DoorStaff


@admin.register(DoorStaff)
class DoorStaffAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    """Who checks people in at which conference; an organiser sees and gives only their own."""

    conference_path = "conference"
    list_display = ("user", "conference")
    list_filter = (("conference", VisibleConferenceListFilter),)


@admin.action(description=_("Als anwesend markieren"), permissions=("change",))
def mark_present(modeladmin, request, queryset):
    marked = []
    for registration in queryset.order_by("last_name", "first_name", "pk"):
        try:
            result = services.check_in_once(
                registration=registration, by=request.user, reason="marked present"
            )
        except services.RegistrationError as error:
            modeladmin.message_user(
                request, f"{registration.full_name}: {error.message}", messages.ERROR
            )
            continue
        if result.created:
            marked.append(registration.full_name)
    if marked:
        modeladmin.message_user(
            request, f"{_('Als anwesend markiert')}: {', '.join(marked)}", messages.SUCCESS
        )


def add_mark_present_action(site=admin.site) -> None:
    """Adds the action to the registrations' admin (registered by `registrations.admin`, which
    is loaded first: it comes earlier in INSTALLED_APPS)."""
    if site.is_registered(Registration):
        model_admin = site.get_model_admin(Registration)
        if mark_present not in (model_admin.actions or ()):
            model_admin.actions = [*(model_admin.actions or ()), mark_present]


add_mark_present_action()
