"""The filters of the registration changelist."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..models import Consent

#: The conference filter's parameter: links from the overview and "Person anmelden" use it too.
CONFERENCE_PARAMETER = "conference__id__exact"
#: Its value for every conference, past ones included.
ALL_CONFERENCES = "all"


class ConferenceListFilter(admin.SimpleListFilter):
    """By default the registrations of the conferences that have not ended (the ones being
    run), not the archive; one conference, or all of them including past ones, on request.
    Offers only the conferences the user may see."""

    title = _("Konferenz")
    parameter_name = CONFERENCE_PARAMETER

    def lookups(self, request, model_admin):
        conferences = Conference.objects.organised_by(request.user).order_by("-starts_at", "pk")
        return [
            (ALL_CONFERENCES, _("Alle, auch vergangene")),
            *((c.pk, str(c)) for c in conferences),
        ]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = _("Kommende und laufende")
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset.filter(conference__ends_at__gte=timezone.now())
        if value.isdigit():
            return queryset.filter(conference_id=value)
        return queryset


class SessionListFilter(admin.SimpleListFilter):
    """Registrations with a booking (seat or waiting list) in a session: offered once a
    conference is chosen, with that conference's sessions only (a list of every session of
    every conference helps nobody)."""

    title = _("Programmpunkt")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        visible = Session.objects.filter(
            conference__in=Conference.objects.organised_by(request.user)
        )
        conference = request.GET.get(CONFERENCE_PARAMETER, "")
        session = request.GET.get(self.parameter_name, "")
        if not conference.isdigit() and session.isdigit():
            # A link to one session's registrations: the sessions of its conference.
            conference = str(
                visible.filter(pk=session).values_list("conference_id", flat=True).first() or ""
            )
        if not conference.isdigit():
            return []
        sessions = visible.filter(conference_id=conference, is_bookable=True).order_by(
            "starts_at", "title"
        )
        return [(s.pk, s.title) for s in sessions]

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
