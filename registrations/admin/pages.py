"""What the admin pages of a conference share (overview, message, "Person anmelden", exports).

Every page finds its conference among those the user may see (`Conference.objects.organised_by`):
any other answers 404. Each page also needs its own permission (403 without).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session


def conference_or_404(request, conference_id) -> Conference:
    conference = Conference.objects.organised_by(request.user).filter(pk=conference_id).first()
    if conference is None:
        raise Http404
    return conference


def require_permission(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def page_context(model_admin, request, conference, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Conference._meta,
        "conference": conference,
        "original": conference,
        **extra,
    }


def session_choice_label(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    if session.capacity is None:
        seats = _("ohne Platzbegrenzung")
    else:
        seats = _("%(taken)d von %(capacity)d Plätzen vergeben, %(waiting)d auf der Warteliste") % {
            "taken": session.seats_taken,
            "capacity": session.capacity,
            "waiting": session.waitlist_count,
        }
    return f"{start:%d.%m. %H:%M} {session.title} ({seats})"


def changelist_url(conference, **filters) -> str:
    query = {"conference__id__exact": conference.pk, **filters}
    return reverse("admin:registrations_registration_changelist") + "?" + urlencode(query)
