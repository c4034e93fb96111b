"""Who sees what in the admin: organisers (staff in the "Organisationsteam" group, not
superusers) see and export only the conferences they organise.

The matrix: an organiser of conference A asks for every admin page of an object of A (answered
with its content) and of conference B (answered 404, and nothing of B shows anywhere)."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from conferences.models import Conference, LegalPage, Session, Speaker
from exhibitors.models import Exhibitor
from exports.registry import all_exporters
from registrations.models import Consent, ExportLog, Registration, SentEmail, SessionBooking
from tests.admin_helpers import admin_form_data, admin_url
from tests.factories import (
    ConferenceFactory,
    ConferenceSeriesFactory,
    ConsentFactory,
    ExhibitorFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    TopicFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


def build_conference(city):
    conference = ConferenceFactory(title=f"Regionalkonferenz {city}", city=city)
    workshop = WorkshopFactory(conference=conference, title=f"Workshop in {city}")
    speaker = SessionSpeakerFactory(
        session=workshop, speaker__last_name=f"Referentin{city}"
    ).speaker
    exhibitor = ExhibitorFactory(conference=conference, organisation=f"Beratungsstelle {city}")
    registration = RegistrationFactory(
        conference=conference,
        last_name=f"Teilnehmerin{city}",
        email=f"person.{city.lower()}@example.org",
    )
    booking = SessionBookingFactory(registration=registration, session=workshop)
    consent = ConsentFactory(registration=registration, text_version=f"Fassung-{city}")
    email = SentEmail.objects.create(
        registration=registration,
        to=registration.email,
        subject=f"Ihre Anmeldung in {city}",
        kind=SentEmail.Kind.CONFIRMED,
    )
    export_log = ExportLog.objects.create(
        username=f"export-{city.lower()}",
        conference=conference,
        kind="attendees",
        fmt="csv",
        row_count=1,
    )
    return SimpleNamespace(
        conference=conference,
        workshop=workshop,
        speaker=speaker,
        exhibitor=exhibitor,
        registration=registration,
        booking=booking,
        consent=consent,
        email=email,
        export_log=export_log,
    )


@pytest.fixture
def own():
    return build_conference("Kassel")


@pytest.fixture
def other():
    return build_conference("Wiesbaden")


@pytest.fixture
def organiser(own):
    return OrganiserFactory(conferences=[own.conference])


@pytest.fixture
def organiser_client(organiser):
    client = Client()
    client.force_login(organiser)
    return client


#: model admin → (attribute of the built conference, text that shows the object on its pages)
MODELS = {
    "conference": (Conference, "conference", lambda o: o.title),
    "session": (Session, "workshop", lambda o: o.title),
    "exhibitor": (Exhibitor, "exhibitor", lambda o: o.organisation),
    "registration": (Registration, "registration", lambda o: o.email),
    "sessionbooking": (SessionBooking, "booking", lambda o: o.registration.full_name),
    "consent": (Consent, "consent", lambda o: o.registration.full_name),
    "sentemail": (SentEmail, "email", lambda o: o.subject),
    "exportlog": (ExportLog, "export_log", lambda o: o.username),
}
HISTORY_MODELS = ["conference", "session", "exhibitor", "registration", "sessionbooking", "consent"]
OBJECT_VIEWS = ["change", "delete", "history"]


def content_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode()


# --- The group ---------------------------------------------------------------------------------


def test_the_organisation_team_group_has_the_permissions_of_running_a_conference():
    group = Group.objects.get(name="Organisationsteam")

    permissions = sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    )

    assert permissions == sorted(
        [
            "conferences.change_conference",
            "conferences.view_conference",
            "conferences.add_session",
            "conferences.change_session",
            "conferences.delete_session",
            "conferences.view_session",
            "conferences.add_sessionspeaker",
            "conferences.change_sessionspeaker",
            "conferences.delete_sessionspeaker",
            "conferences.view_sessionspeaker",
            "conferences.add_speaker",
            "conferences.change_speaker",
            "conferences.view_speaker",
            "exhibitors.add_exhibitor",
            "exhibitors.change_exhibitor",
            "exhibitors.delete_exhibitor",
            "exhibitors.view_exhibitor",
            "exhibitors.view_exhibitorstaff",
            "exhibitors.view_exhibitoremail",
            "exhibitors.add_market",
            "exhibitors.change_market",
            "exhibitors.view_market",
            "conferences.view_conferenceseries",
            "conferences.view_topic",
            "conferences.view_legalpage",
            "checkin.add_doorstaff",
            "checkin.change_doorstaff",
            "checkin.delete_doorstaff",
            "checkin.view_doorstaff",
            "registrations.add_registration",
            "registrations.change_registration",
            "registrations.view_registration",
            "registrations.export_registration",
            "registrations.message_participants",
            "registrations.view_sessionbooking",
            "registrations.add_consent",
            "registrations.view_consent",
            "registrations.view_sentemail",
            "registrations.view_exportlog",
        ]
    )


# --- The matrix: every model admin -------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_changelist_shows_the_own_conference_and_nothing_of_another(
    organiser_client, own, other, name
):
    model, attribute, shown = MODELS[name]

    response = organiser_client.get(admin_url(model, "changelist"))

    content = content_of(response)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [getattr(own, attribute)]
    assert shown(getattr(own, attribute)) in content
    assert shown(getattr(other, attribute)) not in content
    assert other.conference.title not in content


@pytest.mark.parametrize("name", [n for n in MODELS if n != "conference"])
def test_changelist_filtered_to_another_conference_shows_nothing_of_it(
    organiser_client, own, other, name
):
    model, attribute, shown = MODELS[name]
    path = {
        "sessionbooking": "session__conference",
        "consent": "registration__conference",
        "sentemail": "registration__conference",
    }
    parameter = f"{path.get(name, 'conference')}__id__exact"

    response = organiser_client.get(
        admin_url(model, "changelist"), {parameter: other.conference.pk}
    )

    content = content_of(response)
    # With a single conference to choose Django shows no filter and ignores the parameter;
    # either way nothing of the other conference comes back.
    assert response.status_code == 200
    assert getattr(other, attribute) not in response.context["cl"].result_list
    assert set(response.context["cl"].result_list) <= {getattr(own, attribute)}
    assert shown(getattr(other, attribute)) not in content


@pytest.mark.parametrize(
    ("name", "view"),
    [
        *((name, view) for name in MODELS for view in OBJECT_VIEWS),
        *((name, "simple_history") for name in HISTORY_MODELS),
    ],
)
def test_every_page_of_another_conferences_object_is_not_found(organiser_client, other, name, view):
    model, attribute, shown = MODELS[name]
    obj = getattr(other, attribute)
    if view == "simple_history":
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
            args=(obj.pk, obj.history.latest().pk),
        )
    else:
        url = admin_url(model, view, obj.pk)

    response = organiser_client.get(url)

    assert response.status_code == 404
    assert shown(obj) not in content_of(response)


@pytest.mark.parametrize("view", ["change", "history"])
@pytest.mark.parametrize("name", MODELS)
def test_pages_of_the_own_conferences_object_show_it(organiser_client, own, name, view):
    model, attribute, shown = MODELS[name]
    obj = getattr(own, attribute)

    response = organiser_client.get(admin_url(model, view, obj.pk))

    assert response.status_code == 200
    assert (shown(obj) if view == "change" else escape(str(obj))) in content_of(response)


def test_actions_never_reach_another_conferences_registrations(organiser_client, own, other):
    response = organiser_client.post(
        admin_url(Registration, "changelist"),
        {
            "action": "cancel",
            "_selected_action": [other.registration.pk],
            "confirmed": "yes",
        },
    )

    other.registration.refresh_from_db()
    assert response.status_code == 302
    assert other.registration.status == Registration.Status.CONFIRMED


# --- The matrix: overview, "Person anmelden", message and every export ---------------------------

EXPORT_URLS = {
    f"export-{kind}-{fmt}": (
        lambda c, kind=kind, fmt=fmt: (
            reverse("exports:export", args=(c.pk, kind)) + f"?format={fmt}"
        )
    )
    for kind, formats in {e.identifier: e.formats for e in all_exporters()}.items()
    for fmt in formats
}
PAGE_URLS = {
    "overview": lambda c: reverse("admin:conferences_conference_overview", args=(c.pk,)),
    "message": lambda c: reverse("admin:conferences_conference_message", args=(c.pk,)),
    "register": lambda c: admin_url(Registration, "add") + f"?conference={c.pk}",
    **EXPORT_URLS,
}


@pytest.mark.parametrize("page", PAGE_URLS)
def test_conference_pages_of_another_conference_are_not_found(organiser_client, other, page):
    response = organiser_client.get(PAGE_URLS[page](other.conference))

    assert response.status_code == 404
    assert other.registration.email not in content_of(response)


@pytest.mark.parametrize("page", PAGE_URLS)
def test_conference_pages_of_the_own_conference_answer_with_its_content(
    organiser_client, own, other, page
):
    response = organiser_client.get(PAGE_URLS[page](own.conference))

    content = content_of(response)
    assert response.status_code == 200
    assert other.registration.email not in content
    assert other.conference.title not in content
    if response["Content-Type"].startswith("text/html"):
        assert own.conference.title in content
    elif response["Content-Type"].startswith("text/csv") and "attendees" in page:
        assert own.registration.email in content
    elif response["Content-Type"] == "application/pdf":
        assert content.startswith("%PDF")


@pytest.mark.parametrize("page", ["overview", "message", "register", "export-attendees-csv"])
def test_conference_pages_need_their_permission_besides_organising(own, page):
    staff = UserFactory(is_staff=True)
    own.conference.organisers.add(staff)
    client = Client()
    client.force_login(staff)

    response = client.get(PAGE_URLS[page](own.conference))

    assert response.status_code == 403


@pytest.mark.parametrize("page", ["overview", "export-attendees-csv"])
def test_conference_pages_send_people_who_are_not_staff_to_the_login(own, page):
    user = UserFactory()
    own.conference.organisers.add(user)
    client = Client()
    client.force_login(user)

    response = client.get(PAGE_URLS[page](own.conference))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- Choices, shared models and what only superusers do -----------------------------------------


@pytest.mark.parametrize("model", [Session, Exhibitor], ids=["session", "exhibitor"])
def test_conference_choices_offer_only_the_own_conferences(organiser_client, own, other, model):
    response = organiser_client.get(admin_url(model, "add"))

    field = response.context["adminform"].form.fields["conference"]
    assert list(field.queryset) == [own.conference]
    assert other.conference.title not in response.content.decode()


def test_a_consent_for_another_conferences_registration_is_refused(organiser_client, own, other):
    data = {
        "registration": str(other.registration.pk),
        "purpose": Consent.Purpose.NEWSLETTER,
        "text_version": "2026-02",
    }

    response = organiser_client.post(admin_url(Consent, "add"), data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["registration"]
    assert other.registration.consents.count() == 1


def test_autocomplete_offers_only_the_own_registrations(organiser_client, own, other):
    response = organiser_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "registrations",
            "model_name": "consent",
            "field_name": "registration",
            "term": "Teilnehmerin",
        },
    )

    assert [item["id"] for item in response.json()["results"]] == [str(own.registration.pk)]


def test_organisers_cannot_add_or_delete_conferences_or_choose_their_organisers(
    organiser_client, own
):
    add = organiser_client.get(admin_url(Conference, "add"))
    delete = organiser_client.get(admin_url(Conference, "delete", own.conference.pk))
    change = organiser_client.get(admin_url(Conference, "change", own.conference.pk))

    assert (add.status_code, delete.status_code) == (403, 403)
    assert "organisers" not in change.context["adminform"].form.fields
    assert "title" in change.context["adminform"].form.fields


def test_organisers_cannot_delete_registrations(organiser_client, own):
    response = organiser_client.post(
        admin_url(Registration, "delete", own.registration.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Registration.objects.filter(pk=own.registration.pk).exists()


def test_speakers_are_scoped_through_their_sessions(organiser, organiser_client, own, other):
    shared = SessionSpeakerFactory(session=own.workshop, speaker__last_name="Geteilt").speaker
    SessionSpeakerFactory(session=other.workshop, speaker=shared)
    mine_unplaced = SpeakerFactory(last_name="NeuVonMir", created_by=organiser)
    theirs_unplaced = SpeakerFactory(last_name="NeuVonAnderen", created_by=UserFactory())

    changelist = organiser_client.get(admin_url(Speaker, "changelist"))
    foreign = organiser_client.get(admin_url(Speaker, "change", other.speaker.pk))
    mine = organiser_client.get(admin_url(Speaker, "change", own.speaker.pk))
    shared_page = organiser_client.get(admin_url(Speaker, "change", shared.pk))
    unplaced = organiser_client.get(admin_url(Speaker, "change", mine_unplaced.pk))
    delete_shared = organiser_client.get(admin_url(Speaker, "delete", shared.pk))

    assert set(changelist.context["cl"].result_list) == {own.speaker, shared, mine_unplaced}
    assert theirs_unplaced not in changelist.context["cl"].result_list
    assert foreign.status_code == 404
    assert mine.context["has_change_permission"] is True
    assert shared_page.context["has_change_permission"] is False
    assert unplaced.context["has_change_permission"] is True
    assert delete_shared.status_code == 403


def test_a_speaker_added_in_the_admin_is_recorded_as_added_by_the_organiser(
    organiser, organiser_client
):
    organiser_client.post(
        admin_url(Speaker, "add"),
        {"first_name": "Ada", "last_name": "Neu", "slug": "ada-neu"},
    )

    assert Speaker.objects.get(slug="ada-neu").created_by == organiser


def test_a_session_of_the_own_conference_cannot_take_another_conferences_speaker(
    organiser_client, own, other
):
    response = organiser_client.get(admin_url(Session, "change", own.workshop.pk))
    data = admin_form_data(response)
    data["roles-TOTAL_FORMS"] = str(int(data["roles-TOTAL_FORMS"]) + 1)
    index = int(data["roles-TOTAL_FORMS"]) - 1
    data.update(
        {
            f"roles-{index}-speaker": str(other.speaker.pk),
            f"roles-{index}-role": "speaker",
            f"roles-{index}-order": "1",
        }
    )

    response = organiser_client.post(admin_url(Session, "change", own.workshop.pk), data)

    assert response.status_code == 200
    assert not own.workshop.roles.filter(speaker=other.speaker).exists()


def test_conference_filters_offer_only_the_own_conferences(organiser, organiser_client, own, other):
    second = build_conference("Fulda")
    second.conference.organisers.add(organiser)

    for model in (Speaker, Session, Exhibitor, Registration, SessionBooking, Consent):
        response = organiser_client.get(admin_url(model, "changelist"))

        content = response.content.decode()
        assert own.conference.title in content
        assert second.conference.title in content
        assert other.conference.title not in content


def test_organisers_do_not_see_users_and_groups(organiser_client):
    response = organiser_client.get(reverse("admin:index"))

    apps = sorted(app["app_label"] for app in response.context["app_list"])
    assert apps == ["checkin", "conferences", "exhibitors", "registrations"]
    assert organiser_client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_superusers_see_every_conference(admin_client, own, other):
    response = admin_client.get(admin_url(Registration, "changelist"))

    assert set(response.context["cl"].result_list) == {own.registration, other.registration}


def _legal_page():
    return LegalPage.objects.create(
        kind=LegalPage.Kind.IMPRINT, title="Impressum", body="Angaben", version="2026-01"
    )


@pytest.mark.parametrize(
    "build", [TopicFactory, ConferenceSeriesFactory, _legal_page], ids=["topic", "series", "legal"]
)
def test_shared_lists_are_read_only_for_organisers(organiser_client, build):
    obj = build()
    model = type(obj)

    changelist = organiser_client.get(admin_url(model, "changelist"))
    change = organiser_client.get(admin_url(model, "change", obj.pk))
    add = organiser_client.get(admin_url(model, "add"))

    assert obj in changelist.context["cl"].result_list
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert add.status_code == 403
