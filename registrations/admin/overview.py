"""The overview of a conference: seats, registrations by status, sessions, and who registers
(by day, kind of organisation, region, diet), with the support people need.

Built from aggregate queries: the number of queries does not depend on the number of
registrations. The charts' geometry comes from `charts`, the SVG from templates.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

from ..models import Registration
from .charts import Row, SeatBar, bar_chart, column_chart, seat_bar
from .pages import changelist_url, conference_or_404, page_context, require_permission

Status = Registration.Status

#: How many regions the chart names; the rest are summed up.
TOP_REGIONS = 12


@dataclass
class SessionLine:
    session: Session
    bar: SeatBar | None

    @property
    def seats_left(self):
        return self.session.seats_left


def _label(choices, value) -> str:
    if not value:
        return str(_("keine Angabe"))
    return str(dict(choices).get(value, value))


def _days(per_day: dict[date, int]) -> list[Row]:
    """Every day from the first registration to the last, days without any as 0."""
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    rows, day = [], first
    while day <= last:
        rows.append(Row(formats.date_format(day, "SHORT_DATE_FORMAT"), per_day.get(day, 0)))
        day += timedelta(days=1)
    return rows


def conference_figures(conference: Conference) -> dict:
    """Everything the overview shows, in a fixed number of queries."""
    registrations = Registration.objects.filter(conference=conference)
    holding = Q(status__in=Registration.SEAT_HOLDING)
    counts = registrations.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        awaiting_approval=Count("pk", filter=Q(status=Status.AWAITING_APPROVAL)),
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
        cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        checked_in=Count("pk", filter=holding & Q(checked_in_at__isnull=False)),
        with_dietary_notes=Count("pk", filter=holding & ~Q(dietary_notes="")),
    )
    sessions = [
        SessionLine(session, seat_bar(session.seats_taken, session.capacity))
        for session in conference.sessions.filter(
            Q(is_bookable=True) | Q(capacity__isnull=False)
        ).order_by("starts_at", "room", "title")
    ]
    per_day = {
        row["day"]: row["n"]
        for row in registrations.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    }
    active = registrations.exclude(status=Status.CANCELLED)
    organisation_types = sorted(
        (
            Row(
                _label(Registration.OrganisationType.choices, row["organisation_type"]),
                row["n"],
                changelist_url(conference, organisation_type__exact=row["organisation_type"]),
            )
            for row in active.values("organisation_type").annotate(n=Count("pk")).order_by()
        ),
        key=lambda row: (-row.value, row.label),
    )
    region_rows = [
        Row(row["region"] or str(_("keine Angabe")), row["n"])
        for row in active.values("region").annotate(n=Count("pk")).order_by("-n", "region")
    ]
    if len(region_rows) > TOP_REGIONS + 1:
        rest = sum(row.value for row in region_rows[TOP_REGIONS:])
        region_rows = [*region_rows[:TOP_REGIONS], Row(str(_("weitere Regionen")), rest)]
    attending = registrations.filter(holding)
    diet_counts = dict(attending.values_list("diet").annotate(n=Count("pk")).order_by())
    diets = [
        Row(str(label), diet_counts.get(value, 0)) for value, label in Registration.Diet.choices
    ]
    needs = list(
        attending.exclude(accessibility_needs="")
        .only("academic_title", "first_name", "last_name", "organisation", "accessibility_needs")
        .order_by("last_name", "first_name", "pk")
    )
    days = _days(per_day)
    return {
        "counts": counts,
        "seats_left": conference.seats_left,
        "seat_bar": seat_bar(conference.seats_taken, conference.capacity, width=300),
        "sessions": sessions,
        "days": days,
        "days_chart": column_chart(days),
        "organisation_types": organisation_types,
        "organisation_types_chart": bar_chart(organisation_types),
        "regions": region_rows,
        "regions_chart": bar_chart(region_rows),
        "diets": diets,
        "diets_chart": bar_chart(diets),
        "needs": needs,
    }


def overview(model_admin, request, conference_id):
    conference = conference_or_404(request, conference_id)
    require_permission(request, "registrations.view_registration")
    user = request.user
    context = page_context(
        model_admin,
        request,
        conference,
        title=_("Übersicht: %(title)s") % {"title": conference.title},
        figures=conference_figures(conference),
        status_links={
            status: changelist_url(conference, status__exact=status) for status in Status.values
        },
        registrations_url=changelist_url(conference),
        checked_in_url=changelist_url(conference, checked_in="yes"),
        can_add=user.has_perm("registrations.add_registration"),
        can_message=user.has_perm("registrations.message_participants"),
        can_export=user.has_perm("registrations.export_registration"),
        attendee_export_url=reverse("exports:export", args=(conference.pk, "attendees")),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/registrations/conference_overview.html", context)
