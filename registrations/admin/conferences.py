"""The one admin of Conference and of Session: the conferences app's admins (registered nowhere
else), extended with what running a conference needs (overview, message, exports) and with the
waiting list: a capacity an organiser changes hands the new seats to the people waiting, in the
save's transaction. This app may import conferences, not the reverse."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from conferences.admin import BaseConferenceAdmin, BaseSessionAdmin
from conferences.models import Conference, Session

from .. import services
from . import messages as message_views
from . import overview
from .promotions import report_promotions


def promote_after_capacity_change(obj: Conference | Session) -> services.Promotions:
    """Serve the waiting list of a conference or session whose capacity the form just saved,
    through the one service that changes capacities (it checks the capacity again under the
    lock)."""
    kind = "session" if isinstance(obj, Session) else "conference"
    return services.change_capacity(**{kind: obj}, capacity=obj.capacity)


class WaitingListOnCapacityChange:
    """Hands the seats of a changed capacity to the waiting lists and says who got which."""

    def capacities_changed(self, request, changed):
        promotions = services.Promotions()
        for obj in changed:
            promotions += promote_after_capacity_change(obj)
        report_promotions(self, request, promotions)


@admin.register(Conference)
class ConferenceAdmin(WaitingListOnCapacityChange, BaseConferenceAdmin):
    list_display = (*BaseConferenceAdmin.list_display, "overview_link")
    actions = ("promote_waitlist", "export_attendees_csv", "export_attendees_xlsx")

    def get_urls(self):
        def view(function):
            def wrapper(request, *args, **kwargs):
                return function(self, request, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        urls = [
            path(
                "<int:conference_id>/overview/",
                view(overview.overview),
                name="conferences_conference_overview",
            ),
            path(
                "<int:conference_id>/message/",
                view(message_views.message),
                name="conferences_conference_message",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("Übersicht"))
    def overview_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:conferences_conference_overview", args=(obj.pk,)),
            _("Übersicht"),
        )

    @admin.action(description=_("Warteliste nachrücken lassen"), permissions=("change",))
    def promote_waitlist(self, request, queryset):
        for conference in queryset.order_by("pk"):
            promoted = services.promote_from_waitlist(conference=conference)
            report_promotions(self, request, promoted, conference=conference)

    def _export_one(self, request, queryset, fmt):
        conferences = list(queryset[:2])
        if len(conferences) != 1:
            self.message_user(
                request, _("Bitte wählen Sie genau eine Konferenz aus."), messages.ERROR
            )
            return None
        # The exports app serves the download (registrations never import it).
        url = reverse("exports:export", args=(conferences[0].pk, "attendees"))
        return HttpResponseRedirect(f"{url}?{urlencode({'format': fmt})}")

    @admin.action(description=_("Teilnehmendenliste exportieren (CSV)"), permissions=("export",))
    def export_attendees_csv(self, request, queryset):
        return self._export_one(request, queryset, "csv-semicolon")

    @admin.action(description=_("Teilnehmendenliste exportieren (Excel)"), permissions=("export",))
    def export_attendees_xlsx(self, request, queryset):
        return self._export_one(request, queryset, "xlsx")

    def has_export_permission(self, request):
        return request.user.has_perm("registrations.export_registration")


@admin.register(Session)
class SessionAdmin(WaitingListOnCapacityChange, BaseSessionAdmin):
    pass
