"""iCalendar files (RFC 5545) of a conference programme and of single sessions.

UIDs depend only on the primary key and the site's domain, so a calendar that imports the whole
programme and later a single session (or the same file again) updates events instead of
duplicating them. Times are written in Europe/Berlin with a VTIMEZONE, not in UTC, so that
calendars show the times printed in the programme.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

PRODID = "-//Tagungsbuero//Programm//DE"


def session_uid(session, *, domain):
    return f"session-{session.pk}@{domain}"


def conference_uid(conference, *, domain):
    return f"conference-{conference.pk}@{domain}"


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


def session_event(session, *, conference, domain, url, stamp):
    tz = ZoneInfo(settings.TIME_ZONE)
    event = icalendar.Event()
    event.add("uid", session_uid(session, domain=domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", session.title)
    event.add("description", _session_description(session, url))
    event.add("location", _location(conference, session.room))
    event.add("categories", [session.get_kind_display()])
    event.add("url", url)
    return event


def conference_event(conference, *, domain, url, stamp):
    tz = ZoneInfo(settings.TIME_ZONE)
    event = icalendar.Event()
    event.add("uid", conference_uid(conference, domain=domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", conference.starts_at.astimezone(tz))
    event.add("dtend", conference.ends_at.astimezone(tz))
    event.add("summary", conference.title)
    event.add("description", "\n\n".join(p for p in (conference.motto, url) if p))
    event.add("location", _location(conference))
    event.add("url", url)
    return event


def programme_calendar(conference, sessions, *, domain, url_for):
    """The whole programme as bytes; the conference itself when it has no sessions yet.

    `url_for(obj)` returns the absolute URL of a conference or session page; every session
    needs its `roles` (with `speaker`) prefetched.
    """
    stamp = timezone.now()
    sessions = list(sessions)
    calendar = _calendar(_("Programm: %(title)s") % {"title": conference.title})
    if sessions:
        for session in sessions:
            calendar.add_component(
                session_event(
                    session,
                    conference=conference,
                    domain=domain,
                    url=url_for(session),
                    stamp=stamp,
                )
            )
    else:
        calendar.add_component(
            conference_event(conference, domain=domain, url=url_for(conference), stamp=stamp)
        )
    first = min([conference.starts_at, *(s.starts_at for s in sessions)])
    last = max([conference.ends_at, *(s.ends_at for s in sessions)])
    return _finish(calendar, first, last)


def session_calendar(session, *, domain, url):
    conference = session.conference
    calendar = _calendar(session.title)
    calendar.add_component(
        session_event(session, conference=conference, domain=domain, url=url, stamp=timezone.now())
    )
    return _finish(calendar, session.starts_at, session.ends_at)
