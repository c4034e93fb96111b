"""iCalendar files (RFC 5545): the one builder of every calendar the site hands out.

The public programme and session files (`conferences.views`) and the files attached to the
participants' e-mails (`registrations.mail.calendar_for`) all come from `build_calendar`.

UIDs depend only on the primary key and the site's domain (the host of `SITE_URL`, never the
host a file was fetched from), so a calendar that imports the whole programme, a single session
and the attachment of a confirmation e-mail (or the same file again) updates events instead of
duplicating them. Times are written in Europe/Berlin with a VTIMEZONE, not in UTC, so that
calendars show the times printed in the programme.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from . import site

PRODID = "-//Tagungsbuero//Programm//DE"


def calendar_domain() -> str:
    """The right-hand side of every UID: the host of SITE_URL (the address the e-mails link to).
    Without a SITE_URL UIDs still agree between all files, on a fixed name (`site`)."""
    return site.calendar_domain()


def session_uid(session) -> str:
    return f"session-{session.pk}@{calendar_domain()}"


def conference_uid(conference) -> str:
    return f"conference-{conference.pk}@{calendar_domain()}"


def site_url(obj) -> str:
    """The absolute URL of a conference or session page under the site's address (`site`)."""
    return site.absolute_url(obj.get_absolute_url())


def _location(conference, room=""):
    parts = [room, conference.venue_name, *conference.address.splitlines()]
    if conference.city not in conference.address:
        parts.append(conference.city)
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _session_description(session, url):
    lines = []
    if session.description:
        lines.append(session.description.strip())
    roles = list(session.roles.all())
    if roles:
        lines.append(
            "\n".join(f"{role.get_role_display()}: {role.speaker.full_name}" for role in roles)
        )
    lines.append(url)
    return "\n\n".join(lines)


def _calendar(name):
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def _finish(calendar, first, last):
    # The VTIMEZONE only needs to cover the events; a year on either side is plenty.
    calendar.add_missing_timezones(
        first_date=first.date() - timedelta(days=366), last_date=last.date() + timedelta(days=366)
    )
    return calendar.to_ical()


def session_event(session, *, conference, url, stamp):
    tz = ZoneInfo(settings.TIME_ZONE)
    event = icalendar.Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", session.title)
    event.add("description", _session_description(session, url))
    event.add("location", _location(conference, session.room))
    event.add("categories", [session.get_kind_display()])
    event.add("url", url)
    return event


def conference_event(conference, *, url, stamp):
    tz = ZoneInfo(settings.TIME_ZONE)
    event = icalendar.Event()
    event.add("uid", conference_uid(conference))
    event.add("dtstamp", stamp)
    event.add("dtstart", conference.starts_at.astimezone(tz))
    event.add("dtend", conference.ends_at.astimezone(tz))
    event.add("summary", conference.title)
    event.add("description", "\n\n".join(p for p in (conference.motto, url) if p))
    event.add("location", _location(conference))
    event.add("url", url)
    return event


def build_calendar(
    conference,
    sessions: Iterable,
    *,
    name: str,
    with_conference: bool = False,
    url_for: Callable[[object], str] = site_url,
) -> bytes:
    """`sessions` of `conference` (and, with `with_conference`, the conference itself first) as
    the bytes of an iCalendar file named `name`.

    Every event's UID is `session_uid`/`conference_uid`, the same in every file. `url_for(obj)`
    returns the absolute URL of a conference or session page (default: under SITE_URL). The
    sessions' `roles` with their `speaker` and their `conference` are fetched here unless they
    were prefetched.
    """
    stamp = timezone.now()
    sessions = list(sessions)
    prefetch_related_objects(sessions, "conference", "roles__speaker")
    calendar = _calendar(name)
    if with_conference:
        calendar.add_component(conference_event(conference, url=url_for(conference), stamp=stamp))
    for session in sessions:
        calendar.add_component(
            session_event(session, conference=conference, url=url_for(session), stamp=stamp)
        )
    first = min([conference.starts_at, *(s.starts_at for s in sessions)])
    last = max([conference.ends_at, *(s.ends_at for s in sessions)])
    return _finish(calendar, first, last)


def programme_calendar(conference, sessions, *, url_for=site_url) -> bytes:
    """The whole programme; the conference itself when it has no sessions yet."""
    sessions = list(sessions)
    return build_calendar(
        conference,
        sessions,
        name=_("Programm: %(title)s") % {"title": conference.title},
        with_conference=not sessions,
        url_for=url_for,
    )


def session_calendar(session, *, url) -> bytes:
    return build_calendar(
        session.conference, [session], name=session.title, url_for=lambda _obj: url
    )
