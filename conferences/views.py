"""Public pages: conferences, programme, speakers, iCalendar, legal texts (the Markt der
Möglichkeiten is the `exhibitors` app's).

Drafts are visible to superusers and to the staff who organise them (preview) and a 404 to
everyone else. Nothing here reads registrations, so no page can reveal a participant. Every page
runs a fixed number of queries, whatever the size of the programme (see the query-count tests).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags, urlize
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView, View

from . import ics
from .models import (
    Conference,
    LegalPage,
    Session,
    SessionSpeaker,
    Speaker,
)
from .rules import registration_state

# Up to this many rooms a day, the programme puts every room in its own column on wide screens.
MAX_ROOM_COLUMNS = 6


def natural_key(text):
    """Sort "Raum 2" before "Raum 10" and stand "A2" before "A10"."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in re.split(r"(\d+)", text)
        if part
    ]


# --- Grouping for the templates -------------------------------------------------------------


@dataclass
class SeriesGroup:
    series: object  # ConferenceSeries or None for a conference on its own
    conferences: list = field(default_factory=list)


def group_by_series(conferences):
    """Editions of one series together, at the place of the series' first edition."""
    groups, by_series = [], {}
    for conference in conferences:
        if conference.series_id is None:
            groups.append(SeriesGroup(None, [conference]))
        elif conference.series_id in by_series:
            by_series[conference.series_id].conferences.append(conference)
        else:
            group = by_series[conference.series_id] = SeriesGroup(conference.series, [conference])
            groups.append(group)
    return groups


@dataclass
class Slot:
    starts_at: datetime
    sessions: list


@dataclass
class Day:
    date: date
    rooms: list
    slots: list

    @property
    def anchor(self):
        return f"tag-{self.date.isoformat()}"

    @property
    def columns(self):
        return len(self.rooms) if 0 < len(self.rooms) <= MAX_ROOM_COLUMNS else 0


def room_sort_key(room_order):
    """A sort key for room names: first the rooms in the organiser's order (`room_order`, one
    name per line, case and surrounding blanks ignored), then the others by name."""
    positions = {}
    for line in room_order.splitlines():
        if name := line.strip().casefold():
            positions.setdefault(name, len(positions))
    return lambda room: (positions.get(room.strip().casefold(), len(positions)), natural_key(room))


def programme_days(sessions, room_order=""):
    """Sessions per day (Europe/Berlin) and per start time. A room gets a column on wide screens
    when it holds one of several sessions of a slot, in the organiser's order (`room_order`, see
    `room_sort_key`). Each session gets `column`, the 1-based column of its room, or None for a
    session that spans all rooms (one alone in its slot, or too many rooms to stand side by
    side)."""
    room_key = room_sort_key(room_order)
    sessions = sorted(sessions, key=lambda s: (s.starts_at, room_key(s.room), s.title))
    days = []
    for day, day_sessions in groupby(sessions, key=lambda s: timezone.localdate(s.starts_at)):
        slots = [
            Slot(starts_at, list(slot_sessions))
            for starts_at, slot_sessions in groupby(day_sessions, key=lambda s: s.starts_at)
        ]
        # A session alone in its slot (plenary, break) takes the whole width: its room needs
        # no column of its own.
        rooms = sorted(
            {s.room for slot in slots if len(slot.sessions) > 1 for s in slot.sessions if s.room},
            key=room_key,
        )
        columns = (
            {room: i for i, room in enumerate(rooms, start=1)}
            if len(rooms) <= MAX_ROOM_COLUMNS
            else {}
        )
        for slot in slots:
            for session in slot.sessions:
                session.column = columns.get(session.room) if len(slot.sessions) > 1 else None
            slot.sessions.sort(key=lambda s: (s.column or 0, s.title))
        days.append(Day(day, rooms, slots))
    return days


def render_legal_text(text):
    """Organisers' plain text as HTML: blank lines separate paragraphs, "## " and "### " start
    headings, "- " list items; addresses are linked. Everything is escaped."""
    html = []
    paragraph, items = [], []

    def flush():
        if paragraph:
            html.append("<p>" + "<br>".join(paragraph) + "</p>")
        if items:
            html.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
        paragraph.clear()
        items.clear()

    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        for raw in block.split("\n"):
            line = raw.strip()
            heading = re.match(r"^(#{2,3})\s+(.*)$", line)
            if heading:
                flush()
                level = len(heading.group(1))
                html.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
            elif line.startswith("- "):
                if paragraph:
                    flush()
                items.append(urlize(line[2:], autoescape=True))
            elif line:
                if items:
                    flush()
                paragraph.append(urlize(line, autoescape=True))
        flush()
    return mark_safe("".join(html))  # noqa: S308 - every piece above is escaped


def openstreetmap_url(conference):
    """A plain link to a search on OpenStreetMap: the page itself embeds no map."""
    lines = [line.strip() for line in conference.address.splitlines() if line.strip()]
    if conference.city not in conference.address:
        lines.append(conference.city)
    return "https://www.openstreetmap.org/search?" + urlencode({"query": ", ".join(lines)})


def meta_description(*texts, limit=160):
    """A search engine's summary of a page from organisers' texts: the non-empty ones joined as
    sentences, tags and line breaks removed, cut at a word boundary to at most `limit`
    characters (search engines show about that many)."""
    text = ""
    for part in (" ".join(strip_tags(t).split()) for t in texts if t):
        if part:
            # A motto has no full stop of its own: give it one before the next text.
            text += (". " if text and text[-1] not in ".!?…:" else " " if text else "") + part
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"


# --- Views ----------------------------------------------------------------------------------


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon (not
    permanently, since its name carries the hash of its content)."""
    response = HttpResponseRedirect(static("icons/favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


class HomeView(TemplateView):
    template_name = "conferences/home.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        conferences = list(Conference.objects.published().upcoming(now).select_related("series"))
        for conference in conferences:
            conference.registration = registration_state(conference, now)
        return super().get_context_data(
            groups=group_by_series(conferences), site_section="home", **kwargs
        )


class ArchiveView(TemplateView):
    template_name = "conferences/archive.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        conferences = (
            Conference.objects.filter(
                Q(status=Conference.Status.ARCHIVED)
                | Q(status=Conference.Status.PUBLISHED, ends_at__lt=now)
            )
            .select_related("series")
            .order_by("-starts_at", "title")
        )
        return super().get_context_data(conferences=conferences, site_section="archive", **kwargs)


class ConferenceMixin:
    """Finds the conference of the URL among those the user may see (404 otherwise)."""

    conference_nav = None

    def get_conference_queryset(self):
        return (
            Conference.objects.visible_to(self.request.user)
            .select_related("series")
            # The Markt tab shows only where the exhibitors app set up a market (through its
            # relation: this app never imports it).
            .annotate(
                has_market=Exists(
                    Conference.objects.filter(pk=OuterRef("pk"), market__isnull=False)
                )
            )
        )

    @cached_property
    def conference(self):
        return get_object_or_404(self.get_conference_queryset(), slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        # Every page of a conference describes the conference, unless it has its own text.
        kwargs.setdefault(
            "meta_description",
            meta_description(self.conference.motto, self.conference.description),
        )
        return super().get_context_data(
            conference=self.conference,
            registration=registration_state(self.conference),
            is_preview=self.conference.status == Conference.Status.DRAFT,
            conference_nav=self.conference_nav,
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.conference.status == Conference.Status.DRAFT:
            # A preview must not end up in a shared cache or a search engine.
            patch_cache_control(response, private=True, no_store=True)
            response["X-Robots-Tag"] = "noindex"
        return response


class ConferenceDetailView(ConferenceMixin, TemplateView):
    template_name = "conferences/conference_detail.html"
    conference_nav = "overview"

    def get_conference_queryset(self):
        return (
            super()
            .get_conference_queryset()
            .annotate(
                has_sessions=Exists(Session.objects.filter(conference=OuterRef("pk"))),
                has_speakers=Exists(
                    SessionSpeaker.objects.filter(session__conference=OuterRef("pk"))
                ),
                # Through the relation of the exhibitors app (this app never imports it).
                has_exhibitors=Exists(
                    Conference.objects.filter(pk=OuterRef("pk"), exhibitors__status="accepted")
                ),
            )
        )

    def get_context_data(self, **kwargs):
        editions = []
        if self.conference.series_id:
            editions = (
                Conference.objects.published()
                .filter(series=self.conference.series_id)
                .exclude(pk=self.conference.pk)
                .order_by("starts_at")
            )
        return super().get_context_data(
            other_editions=editions, map_url=openstreetmap_url(self.conference), **kwargs
        )


def _programme_sessions(conference):
    return (
        conference.sessions.select_related("topic")
        .prefetch_related(Prefetch("roles", SessionSpeaker.objects.select_related("speaker")))
        .order_by("starts_at", "room", "title")
    )


class ProgrammeView(ConferenceMixin, TemplateView):
    template_name = "conferences/programme.html"
    conference_nav = "programme"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            days=programme_days(_programme_sessions(self.conference), self.conference.room_order),
            **kwargs,
        )


class SessionDetailView(ConferenceMixin, TemplateView):
    template_name = "conferences/session_detail.html"
    conference_nav = "session"

    @cached_property
    def session(self):
        session = get_object_or_404(
            Session.objects.select_related("topic").prefetch_related(
                Prefetch("roles", SessionSpeaker.objects.select_related("speaker"))
            ),
            conference=self.conference,
            pk=self.kwargs["pk"],
        )
        session.conference = self.conference
        return session

    def get_context_data(self, **kwargs):
        if self.session.description:
            kwargs["meta_description"] = meta_description(self.session.description)
        return super().get_context_data(session=self.session, **kwargs)


class SpeakerListView(ConferenceMixin, TemplateView):
    template_name = "conferences/speaker_list.html"
    conference_nav = "speakers"

    def get_context_data(self, **kwargs):
        roles = (
            SessionSpeaker.objects.filter(session__conference=self.conference)
            .select_related("session__conference")
            .order_by("session__starts_at", "session__title")
        )
        speakers = (
            Speaker.objects.filter(roles__session__conference=self.conference)
            .distinct()
            .order_by("last_name", "first_name", "pk")
            .prefetch_related(Prefetch("roles", roles, to_attr="conference_roles"))
        )
        return super().get_context_data(speakers=speakers, **kwargs)


class SpeakerDetailView(TemplateView):
    """A speaker with their sessions across the conferences the user may see."""

    template_name = "conferences/speaker_detail.html"

    def get_context_data(self, **kwargs):
        speaker = get_object_or_404(Speaker, slug=self.kwargs["slug"])
        roles = list(
            SessionSpeaker.objects.filter(
                speaker=speaker,
                session__conference__in=Conference.objects.visible_to(self.request.user),
            )
            .select_related("session__conference")
            .order_by("-session__conference__starts_at", "session__starts_at")
        )
        if not roles:
            # Not (yet) in any programme the visitor may see: no page of their own either.
            raise Http404
        return super().get_context_data(speaker=speaker, roles=roles, **kwargs)


class CalendarResponseMixin:
    def calendar_response(self, content, filename):
        response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        if self.conference.status == Conference.Status.DRAFT:
            patch_cache_control(response, private=True, no_store=True)
        return response


class ProgrammeCalendarView(ConferenceMixin, CalendarResponseMixin, View):
    def get(self, request, *args, **kwargs):
        content = ics.programme_calendar(
            self.conference,
            _programme_sessions(self.conference),
            url_for=lambda obj: request.build_absolute_uri(obj.get_absolute_url()),
        )
        return self.calendar_response(content, f"{self.conference.slug}.ics")


class SessionCalendarView(CalendarResponseMixin, SessionDetailView):
    def get(self, request, *args, **kwargs):
        content = ics.session_calendar(
            self.session,
            url=request.build_absolute_uri(self.session.get_absolute_url()),
        )
        return self.calendar_response(content, f"{self.conference.slug}-{self.session.pk}.ics")


class LegalPageView(TemplateView):
    """The version of a legal text in force, or an older one by its version (privacy notice)."""

    template_name = "conferences/legal_page.html"
    kind = None

    def get_context_data(self, **kwargs):
        pages = LegalPage.objects.filter(kind=self.kind).valid()
        if "version" in self.kwargs:
            page = get_object_or_404(pages, version=self.kwargs["version"])
        else:
            page = pages.order_by("-valid_from", "-pk").first()
        versions = []
        if self.kind == LegalPage.Kind.PRIVACY:
            versions = list(pages.order_by("-valid_from", "-pk").only("version", "valid_from"))
        current = versions[0] if versions else page
        return super().get_context_data(
            page=page,
            kind=self.kind,
            kind_label=LegalPage.Kind(self.kind).label,
            body=render_legal_text(page.body) if page else "",
            is_current=page is not None and current is not None and page.pk == current.pk,
            current_url=reverse(f"conferences:{self.kind}"),
            versions=versions,
            **kwargs,
        )
