"""The organiser admin for conferences, their programme, speakers and exhibitors."""

from datetime import timedelta

import pytest
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from conferences.admin import OrganiserAdminForm
from conferences.models import (
    Conference,
    ConferenceSeries,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
)
from exhibitors.models import Exhibitor
from tests.admin_helpers import (
    admin_form_data,
    admin_url,
    assert_changelist_queries_constant,
    column_headers,
)
from tests.factories import (
    ConferenceFactory,
    ConferenceSeriesFactory,
    ExhibitorFactory,
    SessionBookingFactory,
    SessionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    TopicFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


# --- Helpers ----------------------------------------------------------------------------------


def split(moment):
    local = timezone.localtime(moment)
    return local.strftime("%d.%m.%Y"), local.strftime("%H:%M:%S")


def conference_add_data(**changes):
    starts_at = timezone.localtime() + timedelta(days=60)
    starts_at = starts_at.replace(hour=9, minute=0, second=0, microsecond=0)
    data = {
        "title": "Regionalkonferenz Gießen",
        "slug": "regionalkonferenz-giessen",
        "city": "Gießen",
        "venue_name": "Kongresshalle Gießen",
        "address": "Berliner Platz 2\n35390 Gießen",
        "starts_at_0": split(starts_at)[0],
        "starts_at_1": "09:00:00",
        "ends_at_0": split(starts_at)[0],
        "ends_at_1": "17:00:00",
        "capacity": "200",
        "status": Conference.Status.DRAFT,
        "contact_email": "tagung@example.org",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def set_counters(obj, seats_taken, waitlist_count=0):
    type(obj).objects.filter(pk=obj.pk).update(
        seats_taken=seats_taken, waitlist_count=waitlist_count
    )
    obj.refresh_from_db()


# --- Every page as a superuser -----------------------------------------------------------------

PAGES = {
    "conferenceseries": {
        "model": ConferenceSeries,
        "build": lambda: ConferenceFactory(series=ConferenceSeriesFactory()).series,
        "shown": lambda obj: obj.title,
        "headers": ["Titel", "Kurzname (URL)", "Konferenzen"],
        "add_fields": ["title", "slug", "description"],
    },
    "conference": {
        "model": Conference,
        "build": lambda: ConferenceFactory(series=ConferenceSeriesFactory()),
        "shown": lambda obj: obj.title,
        "headers": [
            "Titel",
            "Ort",
            "Beginn",
            "Status",
            "Plätze",
            "Vergeben",
            "Frei",
            "Warteliste",
            "Vorschau",
            "Übersicht",
        ],
        "add_fields": [
            "title",
            "slug",
            "motto",
            "series",
            "status",
            "city",
            "venue_name",
            "address",
            "accessibility_info",
            "starts_at_0",
            "starts_at_1",
            "ends_at_0",
            "registration_opens_at_0",
            "registration_closes_at_0",
            "requires_approval",
            "capacity",
            "description",
            "contact_email",
            "contact_phone",
            "organisers",
            "sessions-TOTAL_FORMS",
        ],
    },
    "topic": {
        "model": Topic,
        "build": lambda: ExhibitorFactory(topic=SessionFactory(topic=TopicFactory()).topic).topic,
        "shown": lambda obj: obj.name,
        "headers": ["Bezeichnung", "Reihenfolge", "Programmpunkte", "Ausstellende"],
        "add_fields": ["name", "slug", "position"],
    },
    "session": {
        "model": Session,
        "build": lambda: SessionSpeakerFactory(session__topic=TopicFactory()).session,
        "shown": lambda obj: obj.title,
        "headers": [
            "Titel",
            "Konferenz",
            "Art",
            "Beginn",
            "Raum",
            "Thema",
            "Mitwirkende",
            "Plätze",
            "Vergeben",
            "Frei",
            "Warteliste",
        ],
        "add_fields": [
            "conference",
            "title",
            "kind",
            "topic",
            "description",
            "starts_at_0",
            "ends_at_0",
            "room",
            "is_bookable",
            "capacity",
            "roles-TOTAL_FORMS",
        ],
    },
    "speaker": {
        "model": Speaker,
        "build": lambda: SessionSpeakerFactory().speaker,
        "shown": lambda obj: obj.last_name,
        "headers": ["Nachname", "Vorname", "Akademischer Titel", "Organisation", "Programmpunkte"],
        "add_fields": [
            "academic_title",
            "first_name",
            "last_name",
            "slug",
            "organisation",
            "position",
            "website",
            "biography",
            "photo",
            "photo_alt",
        ],
    },
    "exhibitor": {
        "model": Exhibitor,
        "build": lambda: ExhibitorFactory(topic=TopicFactory(), stand="A1"),
        "shown": lambda obj: obj.organisation,
        "headers": [
            "Organisation",
            "Projekt",
            "Konferenz",
            "Standnummer",
            "Status",
            "Thema",
            "Bedarfe",
            "Personen am Stand",
            "Eingegangen",
        ],
        "add_fields": [
            "conference",
            "organisation",
            "project",
            "topic",
            "description",
            "contact_name",
            "email",
            "phone",
            "website",
            # no "status": it changes only through the review actions (the services)
            "stand",
            "staff_count",
            "needs_table",
            "needs_power",
            "needs_pinboard",
            "needs_space",
            "needs_notes",
        ],
    },
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_changelist_shows_the_columns_and_the_object(admin_client, page):
    obj = page["build"]()

    response = admin_client.get(admin_url(page["model"], "changelist"))

    assert response.status_code == 200
    assert column_headers(response) == page["headers"]
    assert obj in response.context["cl"].result_list
    assert page["shown"](obj) in response.content.decode()


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_add_page_shows_the_form_fields(admin_client, page):
    response = admin_client.get(admin_url(page["model"], "add"))

    content = response.content.decode()
    assert response.status_code == 200
    missing = [name for name in page["add_fields"] if f'name="{name}"' not in content]
    assert missing == []


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_change_page_shows_the_object(admin_client, page):
    obj = page["build"]()

    response = admin_client.get(admin_url(page["model"], "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj
    assert f'value="{page["shown"](obj)}"' in response.content.decode()


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_changelist_queries_do_not_grow_with_rows(admin_client, page):
    assert_changelist_queries_constant(admin_client, page["model"], page["build"])


# --- The base form ------------------------------------------------------------------------------


def test_admin_form_reports_an_error_on_a_field_it_does_not_show_for_the_whole_form():
    conference = ConferenceFactory(capacity=10)
    set_counters(conference, seats_taken=6)
    conference.capacity = 5
    form_class = forms.modelform_factory(Conference, form=OrganiserAdminForm, fields=["motto"])
    form = form_class(data={"motto": "Neu"}, instance=conference)

    is_valid = form.is_valid()

    assert is_valid is False
    assert form.non_field_errors() == [
        "Plätze für Teilnehmende: Es sind bereits 6 Plätze vergeben; "
        "die Kapazität kann nicht kleiner sein."
    ]


# --- Conferences --------------------------------------------------------------------------------


def test_conference_change_page_shows_seat_counts_read_only(admin_client):
    conference = ConferenceFactory(capacity=120)
    set_counters(conference, seats_taken=100, waitlist_count=7)

    response = admin_client.get(admin_url(Conference, "change", conference.pk))

    form = response.context["adminform"].form
    readonly = {
        field.field["name"]: field.contents()
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }
    assert "seats_taken" not in form.fields
    assert "waitlist_count" not in form.fields
    assert (readonly["seats_taken"], readonly["seats_left"], readonly["waitlist_count"]) == (
        "100",
        "20",
        "7",
    )
    assert form["capacity"].value() == 120


def test_conference_change_page_links_to_the_public_preview(admin_client):
    conference = ConferenceFactory(status=Conference.Status.DRAFT)

    response = admin_client.get(admin_url(Conference, "change", conference.pk))
    view_on_site = admin_client.get(
        reverse(
            "admin:view_on_site",
            args=(ContentType.objects.get_for_model(Conference).pk, conference.pk),
        )
    )

    assert f'<a href="{conference.get_absolute_url()}">' in response.content.decode()
    assert view_on_site.status_code == 302
    assert view_on_site.url.endswith(conference.get_absolute_url())


def test_conference_changelist_links_each_conference_to_its_preview(admin_client):
    conference = ConferenceFactory()

    response = admin_client.get(admin_url(Conference, "changelist"))

    assert f'<a href="{conference.get_absolute_url()}">Öffentliche Seite ansehen</a>' in (
        response.content.decode()
    )


def test_conference_add_stores_the_conference_with_its_sessions(admin_client):
    organiser = UserFactory(is_staff=True)
    day = conference_add_data()["starts_at_0"]
    data = conference_add_data(
        organisers=[str(organiser.pk)],
        **{
            "sessions-TOTAL_FORMS": "1",
            "sessions-0-title": "Begrüßung",
            "sessions-0-kind": Session.Kind.WELCOME,
            "sessions-0-starts_at": f"{day} 09:00",
            "sessions-0-ends_at": f"{day} 09:30",
        },
    )

    response = admin_client.post(admin_url(Conference, "add"), data)

    conference = Conference.objects.get()
    assert response.status_code == 302
    assert conference.title == "Regionalkonferenz Gießen"
    assert list(conference.organisers.all()) == [organiser]
    assert list(conference.sessions.values_list("title", flat=True)) == ["Begrüßung"]


def test_conference_add_with_end_before_start_shows_field_error_and_stores_nothing(
    admin_client,
):
    data = conference_add_data(ends_at_1="08:00:00")

    response = admin_client.post(admin_url(Conference, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "ends_at": ["Das Ende muss nach dem Beginn liegen."]
    }
    assert Conference.objects.count() == 0


def test_conference_add_with_session_outside_conference_shows_inline_error_and_stores_nothing(
    admin_client,
):
    day = conference_add_data()["starts_at_0"]
    data = conference_add_data(
        **{
            "sessions-TOTAL_FORMS": "1",
            "sessions-0-title": "Empfang am Abend",
            "sessions-0-kind": Session.Kind.RECEPTION,
            "sessions-0-starts_at": f"{day} 19:00",
            "sessions-0-ends_at": f"{day} 22:00",
        }
    )

    response = admin_client.post(admin_url(Conference, "add"), data)

    session_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert response.status_code == 200
    assert list(session_form.errors) == ["starts_at"]
    assert session_form.errors["starts_at"][0].startswith(
        "Der Programmpunkt muss innerhalb der Konferenz liegen"
    )
    assert Conference.objects.count() == 0
    assert Session.objects.count() == 0


def test_conference_change_with_capacity_below_seats_taken_shows_field_error(admin_client):
    conference = ConferenceFactory(capacity=10)
    set_counters(conference, seats_taken=6)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "5"

    response = admin_client.post(url, data)

    conference.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "capacity": ["Es sind bereits 6 Plätze vergeben; die Kapazität kann nicht kleiner sein."]
    }
    assert (conference.capacity, conference.seats_taken) == (10, 6)


def test_conference_change_saves_edits_and_keeps_seat_counters(admin_client):
    conference = ConferenceFactory(capacity=10)
    WorkshopFactory(conference=conference, capacity=20)
    set_counters(conference, seats_taken=6, waitlist_count=2)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "6"
    data["motto"] = "Teilhabe vor Ort"

    response = admin_client.post(url, data)

    conference.refresh_from_db()
    assert response.status_code == 302
    assert (conference.capacity, conference.motto) == (6, "Teilhabe vor Ort")
    assert (conference.seats_taken, conference.waitlist_count) == (6, 2)


def test_conference_change_with_session_capacity_below_seats_taken_shows_inline_error(
    admin_client,
):
    conference = ConferenceFactory()
    workshop = WorkshopFactory(conference=conference, capacity=20)
    set_counters(workshop, seats_taken=15)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["sessions-0-capacity"] = "12"

    response = admin_client.post(url, data)

    workshop.refresh_from_db()
    session_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert response.status_code == 200
    assert session_form.errors == {
        "capacity": ["Es sind bereits 15 Plätze vergeben; die Kapazität kann nicht kleiner sein."]
    }
    assert (workshop.capacity, workshop.seats_taken) == (20, 15)


def test_conference_change_moving_the_end_before_a_session_shows_inline_error(admin_client):
    conference = ConferenceFactory()
    session = SessionFactory(conference=conference)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["ends_at_1"] = split(session.starts_at)[1]

    response = admin_client.post(url, data)

    session_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    conference.refresh_from_db()
    assert response.status_code == 200
    assert list(session_form.errors) == ["starts_at"]
    assert conference.ends_at > session.ends_at


# --- Sessions ----------------------------------------------------------------------------------


def session_add_data(conference, starts_at, ends_at, **changes):
    data = {
        "conference": str(conference.pk),
        "title": "Workshop Sprachmittlung",
        "kind": Session.Kind.WORKSHOP,
        "starts_at_0": split(starts_at)[0],
        "starts_at_1": split(starts_at)[1],
        "ends_at_0": split(ends_at)[0],
        "ends_at_1": split(ends_at)[1],
        "is_bookable": "on",
        "capacity": "25",
        "roles-TOTAL_FORMS": "0",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_session_add_with_speakers_stores_their_roles_in_order(admin_client):
    conference = ConferenceFactory()
    moderator, guest = SpeakerFactory(), SpeakerFactory()
    data = session_add_data(
        conference,
        conference.starts_at + timedelta(hours=1),
        conference.starts_at + timedelta(hours=2),
        **{
            "roles-TOTAL_FORMS": "2",
            "roles-0-speaker": str(guest.pk),
            "roles-0-role": SessionSpeaker.Role.PANELLIST,
            "roles-0-order": "2",
            "roles-1-speaker": str(moderator.pk),
            "roles-1-role": SessionSpeaker.Role.MODERATOR,
            "roles-1-order": "1",
        },
    )

    response = admin_client.post(admin_url(Session, "add"), data)

    session = Session.objects.get()
    assert response.status_code == 302
    assert [(role.speaker, role.role) for role in session.roles.all()] == [
        (moderator, SessionSpeaker.Role.MODERATOR),
        (guest, SessionSpeaker.Role.PANELLIST),
    ]


def test_session_add_outside_the_conference_shows_field_error_and_stores_nothing(admin_client):
    conference = ConferenceFactory()
    data = session_add_data(
        conference,
        conference.starts_at - timedelta(hours=2),
        conference.starts_at - timedelta(hours=1),
    )

    response = admin_client.post(admin_url(Session, "add"), data)

    errors = response.context["adminform"].form.errors
    assert response.status_code == 200
    assert list(errors) == ["starts_at"]
    assert errors["starts_at"][0].startswith("Der Programmpunkt muss innerhalb der Konferenz")
    assert Session.objects.count() == 0


def test_session_add_with_the_same_speaker_twice_shows_error_and_stores_nothing(admin_client):
    conference = ConferenceFactory()
    speaker = SpeakerFactory()
    data = session_add_data(
        conference,
        conference.starts_at + timedelta(hours=1),
        conference.starts_at + timedelta(hours=2),
        **{
            "roles-TOTAL_FORMS": "2",
            "roles-0-speaker": str(speaker.pk),
            "roles-0-role": SessionSpeaker.Role.SPEAKER,
            "roles-0-order": "0",
            "roles-1-speaker": str(speaker.pk),
            "roles-1-role": SessionSpeaker.Role.MODERATOR,
            "roles-1-order": "1",
        },
    )

    response = admin_client.post(admin_url(Session, "add"), data)

    formset = response.context["inline_admin_formsets"][0].formset
    assert response.status_code == 200
    assert list(formset.non_form_errors()) == [
        "Jede Person kann nur einmal an einem Programmpunkt mitwirken."
    ]
    assert Session.objects.count() == 0


def test_session_change_with_capacity_below_seats_taken_shows_field_error(admin_client):
    workshop = WorkshopFactory(capacity=20)
    set_counters(workshop, seats_taken=18, waitlist_count=3)
    url = admin_url(Session, "change", workshop.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "10"

    response = admin_client.post(url, data)

    workshop.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "capacity": ["Es sind bereits 18 Plätze vergeben; die Kapazität kann nicht kleiner sein."]
    }
    assert (workshop.capacity, workshop.seats_taken, workshop.waitlist_count) == (20, 18, 3)


def test_session_change_saves_edits_and_keeps_seat_counters(admin_client):
    workshop = WorkshopFactory(capacity=20)
    set_counters(workshop, seats_taken=18, waitlist_count=3)
    url = admin_url(Session, "change", workshop.pk)
    data = admin_form_data(admin_client.get(url))
    data["room"] = "Saal 2"

    response = admin_client.post(url, data)

    workshop.refresh_from_db()
    assert response.status_code == 302
    assert (workshop.room, workshop.seats_taken, workshop.waitlist_count) == ("Saal 2", 18, 3)


def test_session_change_with_bookings_cannot_move_to_another_conference(admin_client):
    booking = SessionBookingFactory()
    session = booking.session
    other = ConferenceFactory(starts_at=session.conference.starts_at)
    url = admin_url(Session, "change", session.pk)
    data = admin_form_data(admin_client.get(url))
    data["conference"] = str(other.pk)

    response = admin_client.post(url, data)

    session.refresh_from_db()
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["conference"]
    assert session.conference_id == booking.registration.conference_id


# --- Search -------------------------------------------------------------------------------------


def test_speaker_search_finds_by_organisation(admin_client):
    wanted = SpeakerFactory(organisation="Hochschule Fulda")
    SpeakerFactory(organisation="Universität Kassel")

    response = admin_client.get(admin_url(Speaker, "changelist"), {"q": "fulda"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_session_changelist_filtered_by_conference_shows_its_sessions_only(admin_client):
    kassel = SessionFactory(conference__city="Kassel")
    SessionFactory(conference__city="Wiesbaden")

    response = admin_client.get(
        admin_url(Session, "changelist"), {"conference__id__exact": kassel.conference_id}
    )

    assert list(response.context["cl"].result_list) == [kassel]


# --- Web addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Speaker, Exhibitor])
def test_web_address_without_a_scheme_is_taken_as_https(admin_client, model):
    obj = SpeakerFactory() if model is Speaker else ExhibitorFactory(topic=TopicFactory())
    url = admin_url(model, "change", obj.pk)
    data = admin_form_data(admin_client.get(url))
    data["website"] = "integration-hessen.de"

    response = admin_client.post(url, data)

    obj.refresh_from_db()
    assert response.status_code == 302
    assert obj.website == "https://integration-hessen.de"
