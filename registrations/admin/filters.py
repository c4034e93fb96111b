"""The filters of the registration changelist."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..models import Consent


class SessionListFilter(admin.SimpleListFilter):
    """Registrations with a booking (seat or waiting list) in a session; the sessions of the
    chosen conference, or of every visible conference."""

    title = _("Programmpunkt")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        sessions = (
            Session.objects.filter(conference__in=Conference.objects.organised_by(request.user))
            .filter(is_bookable=True)
            .select_related("conference")
            .order_by("conference__starts_at", "starts_at", "title")
        )
        conference = request.GET.get("conference__id__exact", "")
        if conference.isdigit():
            sessions = sessions.filter(conference_id=conference)
            return [(s.pk, s.title) for s in sessions]
        return [(s.pk, f"{s.conference.title}: {s.title}") for s in sessions]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(bookings__session_id=value)
        return queryset


class RegionListFilter(admin.SimpleListFilter):
    title = _("Region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = (
            model_admin.get_queryset(request)
            .exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        )
        return [(region, region) for region in regions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(region=self.value())
        return queryset


class ConsentListFilter(admin.SimpleListFilter):
    """Registrations with (or without) an active consent for a purpose."""

    title = _("Einwilligungen")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        choices = []
        for purpose, label in Consent.Purpose.choices:
            choices.append((purpose, _("erteilt: %(purpose)s") % {"purpose": label}))
            choices.append((f"no-{purpose}", _("nicht erteilt: %(purpose)s") % {"purpose": label}))
        return choices

    def queryset(self, request, queryset):
        value = self.value() or ""
        purpose = value.removeprefix("no-")
        if purpose not in Consent.Purpose.values:
            return queryset
        active = Exists(
            Consent.objects.filter(
                registration=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True
            )
        )
        return queryset.filter(~active if value.startswith("no-") else active)


class CheckedInListFilter(admin.SimpleListFilter):
    title = _("Eingecheckt")
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return (("yes", _("ja")), ("no", _("nein")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(checked_in_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(checked_in_at__isnull=True)
        return queryset
