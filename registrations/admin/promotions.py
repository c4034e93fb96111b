"""What the admin says when people move up from a waiting list: one line per kind of seat (a
conference seat, a seat in a session), naming the people, so that an organiser can tell them
apart from a total."""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import services
from ..models import Registration, SessionBooking

#: How many names a message lists before "and N more".
NAMES_SHOWN = 10


def person_names(registrations, limit: int = NAMES_SHOWN) -> str:
    """ "A, B und 3 weitere Personen" for messages about several people."""
    names = [registration.full_name for registration in registrations]
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        rest = len(names) - limit
        shown += " " + ngettext("und %(n)d weitere Person", "und %(n)d weitere Personen", rest) % {
            "n": rest
        }
    return shown


def promotion_messages(promotions: services.Promotions) -> list[str]:
    """One message for the conference seats, then one per session (in programme order)."""
    lines = []
    if promotions.registrations:
        count = len(promotions.registrations)
        lines.append(
            ngettext(
                "%(count)d Person von der Warteliste hat einen Konferenzplatz erhalten: %(names)s.",
                "%(count)d Personen von der Warteliste haben einen Konferenzplatz erhalten: "
                "%(names)s.",
                count,
            )
            % {"count": count, "names": person_names(promotions.registrations)}
        )
    by_session = {}
    for booking in promotions.bookings:
        by_session.setdefault(booking.session, []).append(booking.registration)
    for session, people in sorted(
        by_session.items(), key=lambda item: (item[0].starts_at, item[0].title, item[0].pk)
    ):
        lines.append(
            ngettext(
                "%(count)d Person hat einen Platz in „%(session)s“ erhalten: %(names)s.",
                "%(count)d Personen haben einen Platz in „%(session)s“ erhalten: %(names)s.",
                len(people),
            )
            % {"count": len(people), "session": session.title, "names": person_names(people)}
        )
    return lines


def report_promotions(
    model_admin, request, promotions: services.Promotions, *, conference=None
) -> None:
    """The promotion messages, each prefixed with the conference's title when one is given (an
    action over several conferences); with a conference, also that nobody could move up."""
    prefix = f"{conference.title}: " if conference is not None else ""
    for line in promotion_messages(promotions):
        model_admin.message_user(request, prefix + line, messages.SUCCESS)
    if conference is not None and not promotions:
        model_admin.message_user(
            request,
            _(
                "%(conference)s: Niemand konnte nachrücken (keine freien Plätze oder keine "
                "Warteliste)."
            )
            % {"conference": conference.title},
            messages.INFO,
        )


def _waiting(conference_ids) -> tuple[set[int], set[int]]:
    registrations = Registration.objects.filter(
        conference_id__in=conference_ids, status=Registration.Status.WAITLISTED
    )
    bookings = SessionBooking.objects.filter(
        registration__conference_id__in=conference_ids,
        status=SessionBooking.Status.WAITLISTED,
    )
    return (
        set(registrations.values_list("pk", flat=True)),
        set(bookings.values_list("pk", flat=True)),
    )


def promotions_during(conference_ids, work) -> tuple[object, services.Promotions]:
    """Run `work()` and tell who moved up from the waiting lists of `conference_ids` meanwhile:
    for the services that free seats without returning their promotions (a cancellation). Read
    before and after; a promotion by a concurrent request in the same moment would be named
    too, which for a message is harmless (it did happen)."""
    registration_ids, booking_ids = _waiting(conference_ids)
    result = work()
    promoted = services.Promotions(
        list(
            Registration.objects.filter(
                pk__in=registration_ids, status__in=Registration.SEAT_HOLDING
            ).order_by("last_name", "first_name", "pk")
        ),
        list(
            SessionBooking.objects.filter(
                pk__in=booking_ids, status=SessionBooking.Status.BOOKED
            ).select_related("session", "registration")
        ),
    )
    return result, promoted
