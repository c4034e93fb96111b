"""What the admin says when people move up from a waiting list: one line per kind of seat (a
conference seat, a seat in a session), naming the people, so that an organiser can tell them
apart from a total."""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import services

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
