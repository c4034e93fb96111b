"""The organiser admin for registrations, session bookings, consents and the e-mail log."""

import re
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conferences.admin import BaseConferenceAdmin, BaseSessionAdmin
from conferences.models import Conference, Session
from registrations import services
from registrations.admin.conferences import ConferenceAdmin, SessionAdmin
from registrations.forms import RegistrationForm
from registrations.models import Consent, ExportLog, Registration, SentEmail, SessionBooking
from tests.admin_helpers import (
    admin_form_data,
    admin_url,
    assert_changelist_queries_constant,
    column_headers,
)
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    ExhibitorFactory,
    OrganiserFactory,
    ParticipantDataFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SpeakerFactory,
    WorkshopFactory,
    bulk_registrations,
)
from tests.registrations.conftest import seat_problems

pytestmark = pytest.mark.django_db


# --- Helpers ----------------------------------------------------------------------------------


def registration_add_data(conference, **changes):
    data = {
        "conference": str(conference.pk),
        "salutation": "",
        "first_name": "Aylin",
        "last_name": "Demir",
        "email": "aylin.demir@example.org",
        "language": "de",
        "organisation": "Landkreis Kassel",
        "organisation_type": Registration.OrganisationType.DISTRICT,
        "bookings-TOTAL_FORMS": "0",
        "bookings-INITIAL_FORMS": "0",
        "bookings-MIN_NUM_FORMS": "0",
        "bookings-MAX_NUM_FORMS": "1000",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
        "consents-MIN_NUM_FORMS": "0",
        "consents-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def registration_change_data(registration, **changes):
    data = registration_add_data(registration.conference, email=registration.email)
    data.update(
        {
            "sent_emails-TOTAL_FORMS": "0",
            "sent_emails-INITIAL_FORMS": "0",
            "sent_emails-MIN_NUM_FORMS": "0",
            "sent_emails-MAX_NUM_FORMS": "0",
        }
    )
    data.update(changes)
    return data


def sent_email(**fields):
    values = {
        "registration": RegistrationFactory(),
        "to": "person@example.org",
        "subject": "Ihre Anmeldung",
        "kind": SentEmail.Kind.CONFIRMED,
    }
    values.update(fields)
    return SentEmail.objects.create(**values)


def export_log(**fields):
    values = {
        "conference": ConferenceFactory(),
        "username": "orga",
        "kind": "attendees",
        "fmt": "csv",
        "row_count": 12,
    }
    values.update(fields)
    return ExportLog.objects.create(**values)


# --- Every page as a superuser -----------------------------------------------------------------

PAGES = {
    "registration": {
        "model": Registration,
        "build": RegistrationFactory,
        "shown": lambda obj: f'value="{obj.email}"',
        "headers": [
            "Nachname",
            "Vorname",
            "E-Mail",
            "Organisation",
            "Art der Organisation",
            "Konferenz",
            "Status",
            "Angemeldet am",
            "Eingecheckt",
        ],
        # The add page is "Person anmelden" (tests below).
        "add_fields": None,
    },
    "sessionbooking": {
        "model": SessionBooking,
        "build": SessionBookingFactory,
        "shown": lambda obj: obj.registration.email,
        "headers": ["Teilnehmende Person", "Programmpunkt", "Konferenz", "Status", "Gebucht am"],
        # A booking written in the admin would take a seat without counting it.
        "add_fields": None,
    },
    "consent": {
        "model": Consent,
        "build": ConsentFactory,
        "shown": lambda obj: obj.text_version,
        "headers": [
            "Teilnehmende Person",
            "Zweck",
            "Fassung des Textes",
            "Erteilt am",
            "Widerrufen am",
            "Gültig",
        ],
        "add_fields": ["registration", "purpose", "text_version"],
    },
    "sentemail": {
        "model": SentEmail,
        "build": sent_email,
        "shown": lambda obj: obj.subject,
        "headers": [
            "An",
            "Betreff",
            "Art",
            "Status",
            "Versuche",
            "Angelegt",
            "Versandt am",
        ],
        "add_fields": None,
    },
    "exportlog": {
        "model": ExportLog,
        "build": export_log,
        "shown": lambda obj: obj.username,
        "headers": ["Exportiert am", "Benutzername", "Konferenz", "Export", "Format", "Zeilen"],
        "add_fields": None,
    },
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_changelist_shows_the_columns_and_the_object(admin_client, page):
    obj = page["build"]()

    response = admin_client.get(admin_url(page["model"], "changelist"))

    assert response.status_code == 200
    assert column_headers(response) == page["headers"]
    assert list(response.context["cl"].result_list) == [obj]


@pytest.mark.parametrize("page", [p for p in PAGES.values() if p["add_fields"]], ids=["consent"])
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
    assert page["shown"](obj) in response.content.decode()


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_changelist_queries_do_not_grow_with_rows(admin_client, page):
    assert_changelist_queries_constant(admin_client, page["model"], page["build"])


def test_booking_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.get(admin_url(SessionBooking, "add"))

    assert response.status_code == 403


def test_sent_email_log_cannot_be_added_or_edited(admin_client):
    email = sent_email()

    add = admin_client.get(admin_url(SentEmail, "add"))
    change = admin_client.get(admin_url(SentEmail, "change", email.pk))

    assert add.status_code == 403
    assert change.context["has_change_permission"] is False
    assert 'name="subject"' not in change.content.decode()


# --- Registrations: read-only state, search and filters ------------------------------------------


def test_registration_change_page_shows_state_read_only_and_never_the_token(admin_client):
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED)
    ConsentFactory(registration=registration, text_version="2026-03")
    SessionBookingFactory(registration=registration, session__title="Workshop Sprachmittlung")

    response = admin_client.get(admin_url(Registration, "change", registration.pk))

    content = response.content.decode()
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "conference" not in form.fields
    assert "Warteliste" in content
    assert "Workshop Sprachmittlung" in content
    assert "2026-03" in content
    assert registration.token not in content


def test_registration_change_ignores_a_submitted_status(admin_client):
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED)
    data = registration_change_data(
        registration, status=Registration.Status.CONFIRMED, region="Nordhessen"
    )

    response = admin_client.post(admin_url(Registration, "change", registration.pk), data)

    registration.refresh_from_db()
    assert response.status_code == 302
    assert (registration.status, registration.region) == (
        Registration.Status.WAITLISTED,
        "Nordhessen",
    )


def test_registration_search_finds_by_name_email_and_organisation(admin_client):
    wanted = RegistrationFactory(
        last_name="Yılmaz", email="a.yilmaz@example.org", organisation="Stadt Offenbach"
    )
    RegistrationFactory(last_name="Schneider", organisation="Landkreis Fulda")
    url = admin_url(Registration, "changelist")

    by_name = admin_client.get(url, {"q": "Yılmaz"})
    by_email = admin_client.get(url, {"q": "a.yilmaz@"})
    by_organisation = admin_client.get(url, {"q": "offenbach"})

    assert list(by_name.context["cl"].result_list) == [wanted]
    assert list(by_email.context["cl"].result_list) == [wanted]
    assert list(by_organisation.context["cl"].result_list) == [wanted]
    assert "a.yilmaz@example.org" in by_name.content.decode()


def test_registration_filter_by_status_and_conference_returns_matching_rows(admin_client):
    conference = ConferenceFactory()
    waiting = RegistrationFactory(conference=conference, status=Registration.Status.WAITLISTED)
    RegistrationFactory(conference=conference, status=Registration.Status.CONFIRMED)
    RegistrationFactory(status=Registration.Status.WAITLISTED)

    response = admin_client.get(
        admin_url(Registration, "changelist"),
        {"status__exact": "waitlisted", "conference__id__exact": conference.pk},
    )

    assert list(response.context["cl"].result_list) == [waiting]
    assert waiting.email in response.content.decode()


# --- Registrations: the change form ---------------------------------------------------------


def test_registration_change_with_a_second_active_consent_for_a_purpose_shows_inline_error(
    admin_client,
):
    consent = ConsentFactory(purpose=Consent.Purpose.PHOTOS)
    registration = consent.registration
    data = registration_change_data(
        registration,
        **{
            "consents-TOTAL_FORMS": "2",
            "consents-INITIAL_FORMS": "1",
            "consents-0-id": str(consent.pk),
            "consents-0-registration": str(registration.pk),
            "consents-1-purpose": Consent.Purpose.PHOTOS,
            "consents-1-text_version": "2026-02",
        },
    )

    response = admin_client.post(admin_url(Registration, "change", registration.pk), data)

    consent_form = response.context["inline_admin_formsets"][1].formset.forms[1]
    assert response.status_code == 200
    assert consent_form.errors == {
        "purpose": ["Für diesen Zweck gibt es bereits eine gültige Einwilligung."]
    }
    assert registration.consents.count() == 1


# --- Registrations: "Person anmelden" through the registration service ------------------------


def register_url(conference):
    return admin_url(Registration, "add") + f"?conference={conference.pk}"


def register_data(**changes):
    data = {
        "salutation": "",
        "academic_title": "",
        "first_name": "Aylin",
        "last_name": "Demir",
        "email": "aylin.demir@example.org",
        "organisation": "Landkreis Kassel",
        "position": "",
        "organisation_type": Registration.OrganisationType.DISTRICT,
        "region": "Nordhessen",
        "diet": "",
        "dietary_notes": "",
        "accessibility_needs": "",
        "language": "de",
        "consents": [Consent.Purpose.PRIVACY],
    }
    data.update(changes)
    return data


def sent_kinds(registration):
    return list(
        SentEmail.objects.filter(registration=registration)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def messages_of(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_registration_add_without_a_conference_offers_the_open_conferences(admin_client):
    open_ = ConferenceFactory(title="Regionalkonferenz Fulda")
    ConferenceFactory(title="Regionalkonferenz 2018", status=Conference.Status.ARCHIVED)

    response = admin_client.get(admin_url(Registration, "add"))

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["conferences"]) == [open_]
    assert f'href="?conference={open_.pk}"' in content
    assert "Regionalkonferenz 2018" not in content


def test_registration_add_page_shows_participant_fields_sessions_and_consents(
    admin_client, conference, workshops
):
    response = admin_client.get(register_url(conference))

    content = response.content.decode()
    expected = [
        "salutation",
        "academic_title",
        "first_name",
        "last_name",
        "email",
        "organisation",
        "position",
        "organisation_type",
        "region",
        "diet",
        "dietary_notes",
        "accessibility_needs",
        "contact_note",
        "language",
        "sessions",
        "consents",
        "waitlist",
        "address_confirmed",
    ]
    assert response.status_code == 200
    assert [name for name in expected if f'name="{name}"' not in content] == []
    assert "Workshop Ankommen (0 von 2 Plätzen vergeben, 0 auf der Warteliste)" in content


def test_registration_add_registers_through_the_service_and_counts_the_seats(
    admin_client, superuser, conference, workshops
):
    workshop = workshops[0]
    data = register_data(
        sessions=[str(workshop.pk)], consents=[Consent.Purpose.PRIVACY, Consent.Purpose.PHOTOS]
    )

    response = admin_client.post(register_url(conference), data)

    registration = Registration.objects.get()
    conference.refresh_from_db()
    workshop.refresh_from_db()
    assert response.status_code == 302
    assert response.url == admin_url(Registration, "change", registration.pk)
    assert (registration.email, registration.status) == (
        "aylin.demir@example.org",
        Registration.Status.PENDING,
    )
    assert (conference.seats_taken, workshop.seats_taken) == (1, 1)
    assert sorted(registration.consents.values_list("purpose", flat=True)) == ["photos", "privacy"]
    assert sent_kinds(registration) == [SentEmail.Kind.CONFIRM_ADDRESS]
    assert registration.history.get().history_user == superuser
    assert seat_problems(conference) == []


def test_registration_add_with_the_address_checked_sends_the_confirmation_only(
    admin_client, conference
):
    data = register_data(address_confirmed="on")

    admin_client.post(register_url(conference), data)

    registration = Registration.objects.get()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.email_confirmed_at is not None
    assert sent_kinds(registration) == [SentEmail.Kind.CONFIRMED]


def test_registration_add_without_the_privacy_consent_shows_error_and_stores_nothing(
    admin_client, conference
):
    data = register_data(consents=[Consent.Purpose.PHOTOS])

    response = admin_client.post(register_url(conference), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "consents": ["Die Person muss die Datenschutzhinweise zur Kenntnis genommen haben."]
    }
    assert Registration.objects.count() == 0


def test_registration_add_with_an_active_email_shows_error_and_stores_nothing(
    admin_client, conference
):
    RegistrationFactory(conference=conference, email="aylin.demir@example.org")
    data = register_data(email="Aylin.Demir@example.org")

    response = admin_client.post(register_url(conference), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": [
            "Mit dieser E-Mail-Adresse ist bereits eine Person zu dieser Konferenz angemeldet."
        ]
    }
    assert Registration.objects.count() == 1


def test_registration_add_to_a_full_conference_needs_the_waiting_list_ticked(
    admin_client, conference, register
):
    for _ in range(conference.capacity):
        register(conference)

    page = admin_client.get(register_url(conference))
    shown_full = page.context["form"]["shown_full"].value()
    refused = admin_client.post(register_url(conference), register_data(shown_full=shown_full))
    waitlisted = admin_client.post(register_url(conference), register_data(waitlist="on"))

    registration = Registration.objects.get(email="aylin.demir@example.org")
    conference.refresh_from_db()
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "Die Konferenz ist ausgebucht. Setzen Sie den Haken bei „Warteliste“, um die Person auf "
        "die Warteliste zu setzen."
    ]
    assert waitlisted.status_code == 302
    assert registration.status == Registration.Status.WAITLISTED
    assert (conference.seats_taken, conference.waitlist_count) == (3, 1)
    assert seat_problems(conference) == []


def test_registration_add_from_a_changelist_filtered_by_an_ended_conference_offers_the_others(
    admin_client,
):
    ended = ConferenceFactory(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=1),
        registration_closes_at=timezone.now() - timedelta(days=3),
    )
    upcoming = ConferenceFactory()
    url = admin_url(Registration, "add") + (
        f"?_changelist_filters=conference__id__exact%3D{ended.pk}"
    )

    response = admin_client.get(url)

    assert response.status_code == 200
    assert list(response.context["conferences"]) == [upcoming]


# --- Registrations: "Person anmelden" outside the online registration window ----------------------

BERLIN = ZoneInfo("Europe/Berlin")


def organiser_client_of(conference):
    client = Client()
    client.force_login(OrganiserFactory(conferences=[conference]))
    return client


def window_note(response):
    """The note on "Person anmelden" about the online registration window (None: no note)."""
    match = re.search(
        r'<p id="online-registration-note"><strong>(.*?)</strong></p>',
        response.content.decode(),
        re.S,
    )
    return " ".join(match.group(1).split()) if match else None


def test_registration_add_without_a_conference_offers_published_conferences_not_yet_ended(
    admin_client,
):
    now = timezone.now()
    running = ConferenceFactory(
        title="Regionalkonferenz Fulda",
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=6),
        registration_opens_at=None,
        registration_closes_at=None,
    )
    closed = ConferenceFactory(
        title="Regionalkonferenz Kassel", registration_closes_at=now - timedelta(hours=1)
    )
    not_yet_open = ConferenceFactory(
        title="Regionalkonferenz Marburg",
        starts_at=now + timedelta(days=60),
        registration_opens_at=now + timedelta(days=3),
    )
    ConferenceFactory(title="Regionalkonferenz Entwurf", status=Conference.Status.DRAFT)
    ConferenceFactory(title="Regionalkonferenz 2018", status=Conference.Status.ARCHIVED)
    ConferenceFactory(
        title="Regionalkonferenz Gießen",
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=1),
        registration_closes_at=now - timedelta(days=3),
    )

    response = admin_client.get(admin_url(Registration, "add"))

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["conferences"]) == [running, closed, not_yet_open]
    assert [
        title
        for title in ("Regionalkonferenz Entwurf", "Regionalkonferenz 2018", "Gießen")
        if title in content
    ] == []


@pytest.mark.parametrize(
    "changes",
    [
        {"status": Conference.Status.DRAFT},
        {"status": Conference.Status.ARCHIVED},
        {
            "starts_at": timezone.now() - timedelta(days=2),
            "ends_at": timezone.now() - timedelta(days=1),
            "registration_closes_at": timezone.now() - timedelta(days=3),
        },
    ],
    ids=["draft", "archived", "ended"],
)
def test_registration_add_for_a_draft_archived_or_ended_conference_is_not_found(changes):
    conference = ConferenceFactory(**changes)
    client = organiser_client_of(conference)

    page = client.get(register_url(conference))
    post = client.post(register_url(conference), register_data())

    assert (page.status_code, post.status_code) == (404, 404)
    assert Registration.objects.count() == 0


def test_registration_add_after_the_online_registration_closed_registers_the_person():
    conference = ConferenceFactory(
        capacity=2, registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    workshop = WorkshopFactory(conference=conference, capacity=1)
    organiser_user = OrganiserFactory(conferences=[conference])
    client = Client()
    client.force_login(organiser_user)

    response = client.post(register_url(conference), register_data(sessions=[str(workshop.pk)]))

    registration = Registration.objects.get()
    conference.refresh_from_db()
    workshop.refresh_from_db()
    assert response.status_code == 302
    assert response.url == admin_url(Registration, "change", registration.pk)
    assert (registration.email, registration.status) == (
        "aylin.demir@example.org",
        Registration.Status.PENDING,
    )
    assert (conference.seats_taken, conference.waitlist_count) == (1, 0)
    assert (workshop.seats_taken, workshop.waitlist_count) == (1, 0)
    assert sent_kinds(registration) == [SentEmail.Kind.CONFIRM_ADDRESS]
    assert registration.history.get().history_user == organiser_user
    assert seat_problems(conference) == []


def test_registration_add_after_the_online_registration_closed_waitlists_when_full(
    admin_client, register
):
    conference = ConferenceFactory(capacity=1)
    register(conference)
    conference.registration_closes_at = timezone.now() - timedelta(hours=1)
    conference.save(update_fields=["registration_closes_at"])

    response = admin_client.post(register_url(conference), register_data(waitlist="on"))

    registration = Registration.objects.get(email="aylin.demir@example.org")
    conference.refresh_from_db()
    assert response.status_code == 302
    assert registration.status == Registration.Status.WAITLISTED
    assert (conference.seats_taken, conference.waitlist_count) == (1, 1)
    assert seat_problems(conference) == []


def test_registration_add_page_after_the_online_registration_closed_shows_the_note():
    conference = ConferenceFactory(
        registration_opens_at=datetime(2020, 1, 6, 9, 0, tzinfo=BERLIN),
        registration_closes_at=datetime(2020, 3, 2, 18, 0, tzinfo=BERLIN),
    )
    client = organiser_client_of(conference)

    response = client.get(register_url(conference))

    assert response.status_code == 200
    assert window_note(response) == (
        "Die Online-Anmeldung ist seit 2. März 2020, 18:00 Uhr geschlossen. "
        "Sie können die Person trotzdem anmelden."
    )


def test_registration_add_page_before_the_online_registration_opens_shows_the_note():
    starts_at = datetime(2040, 5, 4, 9, 0, tzinfo=BERLIN)
    conference = ConferenceFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=8),
        registration_opens_at=datetime(2040, 3, 1, 10, 0, tzinfo=BERLIN),
    )
    client = organiser_client_of(conference)

    response = client.get(register_url(conference))

    assert response.status_code == 200
    assert window_note(response) == (
        "Die Online-Anmeldung beginnt erst am 1. März 2040, 10:00 Uhr. "
        "Sie können die Person trotzdem schon jetzt anmelden."
    )


def test_registration_add_page_while_the_online_registration_is_open_shows_no_note(
    admin_client, conference
):
    response = admin_client.get(register_url(conference))

    assert response.status_code == 200
    assert window_note(response) is None


def test_participant_page_still_refuses_a_registration_after_the_window_closed(client):
    conference = ConferenceFactory(registration_closes_at=timezone.now() - timedelta(hours=1))
    token = RegistrationForm(conference=conference).make_token(started=time.time() - 60)
    data = {**register_data(consent_privacy="on", form_token=token), "consents": []}

    response = client.post(
        reverse("registrations:register", kwargs={"slug": conference.slug}), data
    )

    assert response.status_code == 200
    assert "Die Anmeldung ist geschlossen." in " ".join(response.content.decode().split())
    assert Registration.objects.count() == 0


def test_registration_add_from_a_changelist_filtered_by_conference_takes_that_conference(
    admin_client, conference
):
    url = admin_url(Registration, "add") + (
        f"?_changelist_filters=conference__id__exact%3D{conference.pk}"
    )

    response = admin_client.get(url)

    assert response.status_code == 200
    assert response.context["conference"] == conference


# --- Registrations: changing and erasing ---------------------------------------------------------


def test_registration_change_records_who_changed_what_in_the_history(admin_client, superuser):
    registration = RegistrationFactory(region="Osthessen")
    url = admin_url(Registration, "change", registration.pk)
    data = admin_form_data(admin_client.get(url))
    data["region"] = "Nordhessen"

    admin_client.post(url, data)

    record = registration.history.latest()
    changes = record.diff_against(record.prev_record).changes
    assert record.history_user == superuser
    assert [(c.field, c.old, c.new) for c in changes] == [("region", "Osthessen", "Nordhessen")]


def test_registration_change_writes_only_the_fields_the_organiser_changed(rf, superuser):
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED, region="")
    model_admin = admin_site._registry[Registration]
    request = rf.post("/")
    request.user = superuser
    form_class = model_admin.get_form(request, registration, change=True)
    form = form_class(
        registration_change_data(registration, region="Nordhessen"), instance=registration
    )
    assert form.is_valid(), form.errors
    # Meanwhile a service gives the waiting person a seat.
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.PENDING)

    model_admin.save_model(request, form.save(commit=False), form, change=True)

    registration.refresh_from_db()
    assert (registration.status, registration.region) == (
        Registration.Status.PENDING,
        "Nordhessen",
    )


def test_registration_delete_cancels_through_the_services_and_erases_every_trace(
    admin_client, conference, workshops, register
):
    erased = register(conference, session_ids=[workshops[0]], consents=["privacy", "photos"])
    for _ in range(conference.capacity - 1):
        register(conference)
    waiting = register(conference, conference_known_full=True)
    url = admin_url(Registration, "change", erased.pk)
    admin_client.post(url, registration_change_data(erased, region="Nordhessen"))

    response = admin_client.post(admin_url(Registration, "delete", erased.pk), {"post": "yes"})

    waiting.refresh_from_db()
    entries = LogEntry.objects.filter(object_id=str(erased.pk), content_type__model="registration")
    assert response.status_code == 302
    assert not Registration.objects.filter(pk=erased.pk).exists()
    assert waiting.status == Registration.Status.PENDING
    assert seat_problems(conference) == []
    assert Registration.history.filter(id=erased.pk).count() == 0
    assert Consent.history.filter(registration_id=erased.pk).count() == 0
    assert SessionBooking.history.filter(registration_id=erased.pk).count() == 0
    assert SentEmail.objects.filter(to=erased.email).count() == 0
    assert list(entries.values_list("object_repr", flat=True)) == [f"#{erased.pk}"]


def test_registration_delete_selected_erases_each_through_the_services(
    admin_client, conference, register
):
    first, second, third = (register(conference) for _ in range(3))
    waiting = register(conference, conference_known_full=True)

    response = admin_client.post(
        admin_url(Registration, "changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    waiting.refresh_from_db()
    assert response.status_code == 302
    assert list(Registration.objects.order_by("pk")) == [third, waiting]
    assert waiting.status == Registration.Status.PENDING
    assert seat_problems(conference) == []


# --- Registrations: actions through the services -------------------------------------------------


def run_action(client, action, registrations, **data):
    return client.post(
        admin_url(Registration, "changelist"),
        {"action": action, "_selected_action": [r.pk for r in registrations], **data},
        follow=True,
    )


def test_confirm_action_confirms_each_address_and_reports_who_was_confirmed_already(
    admin_client, conference, register
):
    first = register(conference, first_name="Aylin", last_name="Demir")
    second = register(conference, first_name="Jonas", last_name="Becker")
    done = services.confirm_email(
        registration=register(conference, first_name="Ewa", last_name="Kühne")
    )

    response = run_action(admin_client, "confirm_email", [first, second, done])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Registration.Status.CONFIRMED,) * 2
    assert messages_of(response) == [
        ("success", "E-Mail-Adresse bestätigt: Jonas Becker, Aylin Demir"),
        ("warning", "Bereits bestätigt: Ewa Kühne"),
    ]


def test_approve_action_reports_a_refusal_as_a_message_and_approves_the_others(
    admin_client, register
):
    conference = ConferenceFactory(requires_approval=True, capacity=5)
    awaiting = register(conference, first_name="Aylin", last_name="Demir")
    other = RegistrationFactory(
        conference=conference, first_name="Jonas", last_name="Becker", status="confirmed"
    )

    response = run_action(admin_client, "approve", [awaiting, other])

    awaiting.refresh_from_db()
    assert response.status_code == 200
    assert awaiting.status == Registration.Status.PENDING
    assert messages_of(response) == [
        ("error", "Jonas Becker: Diese Anmeldung wartet nicht auf eine Freigabe."),
        ("success", "Freigegeben: Aylin Demir"),
    ]


def test_cancel_action_asks_first_then_cancels_and_promotes_the_waiting_list(
    admin_client, conference, register
):
    cancelled = register(conference, first_name="Aylin", last_name="Demir")
    for _ in range(conference.capacity - 1):
        register(conference)
    waiting = register(
        conference, conference_known_full=True, first_name="Jonas", last_name="Weber"
    )

    question = run_action(admin_client, "cancel", [cancelled])
    answer = run_action(admin_client, "cancel", [cancelled], confirmed="yes", notify="on")

    cancelled.refresh_from_db()
    waiting.refresh_from_db()
    assert "Anmeldungen stornieren" in question.content.decode()
    assert question.context["registrations"] == [cancelled]
    assert cancelled.status == Registration.Status.CANCELLED
    assert cancelled.cancellation_reason == Registration.CancellationReason.ORGANISER
    assert waiting.status == Registration.Status.PENDING
    assert sent_kinds(cancelled)[-1] == SentEmail.Kind.CANCELLED
    assert sent_kinds(waiting)[-1] == SentEmail.Kind.SEAT_GRANTED
    assert messages_of(answer) == [
        ("success", "Storniert: Aylin Demir"),
        ("success", "1 Person von der Warteliste hat einen Konferenzplatz erhalten: Jonas Weber."),
    ]
    assert seat_problems(conference) == []


def test_cancel_action_names_who_got_the_freed_seat_in_a_workshop(
    admin_client, conference, workshops, register
):
    workshop = workshops[0]
    cancelled = register(conference, session_ids=[workshop], first_name="Aylin", last_name="Demir")
    register(conference, session_ids=[workshop])
    waiting = register(
        conference,
        session_ids=[workshop],
        known_full_session_ids=[workshop],
        first_name="Jonas",
        last_name="Weber",
    )

    answer = run_action(admin_client, "cancel", [cancelled], confirmed="yes", notify="on")

    assert waiting.bookings.get().status == SessionBooking.Status.BOOKED
    assert messages_of(answer) == [
        ("success", "Storniert: Aylin Demir"),
        ("success", "1 Person hat einen Platz in „Workshop Ankommen“ erhalten: Jonas Weber."),
    ]


def test_cancel_action_without_anyone_waiting_names_nobody(admin_client, conference, register):
    cancelled = register(conference, first_name="Aylin", last_name="Demir")

    answer = run_action(admin_client, "cancel", [cancelled], confirmed="yes", notify="on")

    assert messages_of(answer) == [("success", "Storniert: Aylin Demir")]


def test_cancel_action_without_notice_sends_no_cancellation_mail(
    admin_client, conference, register
):
    registration = register(conference)

    run_action(admin_client, "cancel", [registration], confirmed="yes")

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert SentEmail.Kind.CANCELLED not in sent_kinds(registration)


def test_promote_action_gives_seats_freed_by_a_larger_capacity_to_the_waiting_list(
    admin_client, conference, register
):
    for _ in range(conference.capacity):
        register(conference)
    first_waiting = register(conference, conference_known_full=True)
    second_waiting = register(conference, conference_known_full=True)
    Conference.objects.filter(pk=conference.pk).update(capacity=4)

    response = run_action(admin_client, "promote_waitlist", [second_waiting])

    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Registration.Status.PENDING
    assert second_waiting.status == Registration.Status.WAITLISTED
    assert messages_of(response) == [
        (
            "success",
            "Regionalkonferenz Nordhessen: 1 Person von der Warteliste hat einen Konferenzplatz "
            f"erhalten: {first_waiting.full_name}.",
        )
    ]
    assert seat_problems(conference) == []


def test_move_action_asks_for_the_sessions_then_moves_the_booking_and_serves_the_waiting_list(
    admin_client, conference, workshops, register
):
    first, _parallel, later = workshops
    moved = register(conference, session_ids=[first], first_name="Aylin", last_name="Demir")
    register(conference, session_ids=[first])
    waiting = register(conference, session_ids=[first], known_full_session_ids=[first])

    question = run_action(admin_client, "move_booking", [moved])
    answer = run_action(
        admin_client,
        "move_booking",
        [moved],
        confirmed="yes",
        from_session=first.pk,
        to_session=later.pk,
    )

    assert list(question.context["form"].fields["to_session"].queryset) == list(workshops)
    assert [(b.session, b.status) for b in moved.bookings.all()] == [(later, "booked")]
    assert waiting.bookings.get().status == SessionBooking.Status.BOOKED
    assert sent_kinds(moved)[-1] == SentEmail.Kind.CHANGED
    assert messages_of(answer) == [("success", "Verschoben nach „Workshop Arbeit“: Aylin Demir")]
    assert seat_problems(conference) == []


def test_move_action_to_a_full_session_is_refused_unless_the_waiting_list_is_allowed(
    admin_client, conference, workshops, register
):
    first, _parallel, later = workshops
    register(conference, session_ids=[later])
    register(conference, session_ids=[later])
    moved = register(conference, session_ids=[first], first_name="Aylin", last_name="Demir")
    data = {"confirmed": "yes", "from_session": first.pk, "to_session": later.pk}

    refused = run_action(admin_client, "move_booking", [moved], **data)
    waitlisted = run_action(admin_client, "move_booking", [moved], allow_waitlist="on", **data)

    assert messages_of(refused) == [
        ("error", "Aylin Demir: In „Workshop Arbeit“ sind alle Plätze vergeben.")
    ]
    assert waitlisted.status_code == 200
    assert [(b.session, b.status) for b in moved.bookings.all()] == [(later, "waitlisted")]
    assert seat_problems(conference) == []


def test_move_action_for_registrations_of_two_conferences_is_refused(admin_client):
    registrations = [RegistrationFactory(), RegistrationFactory()]

    response = run_action(admin_client, "move_booking", registrations)

    assert messages_of(response) == [
        ("error", "Bitte wählen Sie Anmeldungen einer einzigen Konferenz aus.")
    ]


def test_resend_confirmation_action_sends_the_mail_that_fits_each_registration(
    admin_client, conference, register
):
    unconfirmed = register(conference, first_name="Aylin", last_name="Demir")
    confirmed = services.confirm_email(
        registration=register(conference, first_name="Jonas", last_name="Becker")
    )
    cancelled = services.cancel_registration(
        registration=register(conference, first_name="Ewa", last_name="Kühne")
    )

    response = run_action(admin_client, "resend_confirmation", [unconfirmed, confirmed, cancelled])

    assert sent_kinds(unconfirmed)[-1] == SentEmail.Kind.CONFIRM_ADDRESS
    assert sent_kinds(confirmed)[-1] == SentEmail.Kind.CONFIRMED
    assert messages_of(response) == [
        ("error", f"Ewa Kühne: {services.MESSAGES['cancelled']}"),
        ("success", "Bestätigung erneut gesendet an: Jonas Becker, Aylin Demir"),
    ]


def test_resend_link_action_queues_the_private_link(admin_client, conference, register):
    registration = register(conference)

    run_action(admin_client, "resend_manage_link", [registration])

    assert sent_kinds(registration)[-1] == SentEmail.Kind.MANAGE_LINK


def test_personal_data_action_downloads_the_file_and_logs_it(conference, register):
    import json

    registration = register(conference, first_name="Aylin", last_name="Demir")
    client = organiser_client_of(conference)

    response = run_action(client, "download_personal_data", [registration])

    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert data["registration"]["id"] == str(registration.public_id)
    assert (data["registration"]["first_name"], data["registration"]["last_name"]) == (
        "Aylin",
        "Demir",
    )
    assert registration.token not in response.content.decode()
    log = ExportLog.objects.get()
    assert (log.kind, log.fmt, log.conference, log.row_count) == (
        "personal_data",
        "json",
        conference,
        1,
    )


def test_personal_data_action_wants_exactly_one_registration(admin_client, conference, register):
    registrations = [register(conference), register(conference)]

    response = run_action(admin_client, "download_personal_data", registrations)

    assert messages_of(response) == [
        ("warning", "Bitte wählen Sie für eine Auskunft genau eine Anmeldung aus.")
    ]
    assert ExportLog.objects.count() == 0


def test_check_in_action_checks_in_people_with_a_seat_and_refuses_the_waiting_list(
    admin_client, conference, register
):
    arrived = register(conference, first_name="Aylin", last_name="Demir")
    for _ in range(conference.capacity - 1):
        register(conference)
    waiting = register(
        conference, first_name="Jonas", last_name="Becker", conference_known_full=True
    )

    response = run_action(admin_client, "check_in", [arrived, waiting])
    undone = run_action(admin_client, "undo_check_in", [arrived])

    arrived.refresh_from_db()
    assert messages_of(response) == [
        ("error", "Jonas Becker: Ohne Platz (Warteliste) ist kein Check-in möglich."),
        ("success", "Eingecheckt: Aylin Demir"),
    ]
    assert messages_of(undone) == [("success", "Check-in zurückgenommen: Aylin Demir")]
    assert arrived.checked_in_at is None
    assert [r.checked_in_at is not None for r in arrived.history.order_by("history_id")][-2:] == [
        True,
        False,
    ]


# --- Registrations: filters and their cost -------------------------------------------------------


def test_registration_filters_by_session_region_consent_and_check_in(admin_client, conference):
    workshop = WorkshopFactory(conference=conference)
    booked = RegistrationFactory(conference=conference, region="Nordhessen")
    SessionBookingFactory(registration=booked, session=workshop)
    photographed = RegistrationFactory(conference=conference, region="Südhessen")
    ConsentFactory(registration=photographed, purpose=Consent.Purpose.PHOTOS)
    arrived = RegistrationFactory(conference=conference, checked_in_at=timezone.now())
    url = admin_url(Registration, "changelist")

    def rows(**params):
        return list(admin_client.get(url, params).context["cl"].result_list)

    assert rows(session=workshop.pk) == [booked]
    assert rows(region="Südhessen") == [photographed]
    assert rows(consent="photos") == [photographed]
    assert sorted(rows(consent="no-photos"), key=lambda r: r.pk) == [booked, arrived]
    assert rows(checked_in="yes") == [arrived]
    assert rows(organisation_type__exact="municipality", checked_in="no") == [
        booked,
        photographed,
    ]


def test_registration_changelist_queries_do_not_grow_from_one_to_two_hundred_rows(
    admin_client, conference, workshops
):
    sessions = workshops[:1]
    consents = [Consent.Purpose.PRIVACY, Consent.Purpose.PHOTOS]
    bulk_registrations(conference, 1, sessions=sessions, consents=consents, region="Nordhessen")
    url = admin_url(Registration, "changelist")
    params = {
        "conference__id__exact": conference.pk,
        "consent": "photos",
        "session": sessions[0].pk,
    }
    with CaptureQueriesContext(connection) as with_one:
        admin_client.get(url, params)
    bulk_registrations(
        conference, 199, sessions=sessions, consents=consents, start=1, region="Osthessen"
    )

    with CaptureQueriesContext(connection) as with_many:
        response = admin_client.get(url, params)

    assert response.context["cl"].result_count == 200
    assert len(with_many) == len(with_one), "\n".join(
        query["sql"] for query in with_many.captured_queries
    )


# --- History ------------------------------------------------------------------------------------


def test_an_action_through_a_service_records_the_organiser_in_the_history(
    admin_client, superuser, conference, register
):
    registration = register(conference)

    run_action(admin_client, "cancel", [registration], confirmed="yes")

    record = registration.history.latest()
    assert (record.status, record.history_user) == (Registration.Status.CANCELLED, superuser)


def test_a_service_without_a_request_records_the_system_as_author(conference, register):
    registration = register(conference)

    services.cancel_registration(registration=registration)

    records = list(registration.history.order_by("history_id"))
    assert [(r.status, r.history_type, r.history_user) for r in records] == [
        (Registration.Status.PENDING, "+", None),
        (Registration.Status.CANCELLED, "~", None),
    ]


def test_history_page_shows_the_changes_and_never_the_token(admin_client, conference, register):
    registration = register(conference)
    services.confirm_email(registration=registration)

    response = admin_client.get(admin_url(Registration, "history", registration.pk))

    content = response.content.decode()
    assert response.status_code == 200
    changes = response.context["page_obj"][0].history_delta_changes
    assert "Änderungsverlauf" in content
    assert (changes[0]["field"], changes[0]["old"], changes[0]["new"]) == (
        "Status",
        "E-Mail-Bestätigung ausstehend",
        "Bestätigt",
    )
    # What the services set is shown too, though no form edits it.
    assert [c["field"] for c in changes] == [
        "Status",
        "E-Mail-Adresse bestätigt am",
        "Bestätigt am",
    ]
    assert registration.token not in content


def test_a_past_version_can_be_viewed_but_not_restored(admin_client, conference, register):
    registration = register(conference)
    services.cancel_registration(registration=registration)
    first = registration.history.earliest()
    url = reverse(
        "admin:registrations_registration_simple_history", args=(registration.pk, first.pk)
    )

    view = admin_client.get(url)
    restore = admin_client.post(url, {"first_name": "Neu"})

    registration.refresh_from_db()
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert restore.status_code == 403
    assert registration.status == Registration.Status.CANCELLED


@pytest.mark.parametrize(
    "build",
    [ConferenceFactory, WorkshopFactory, ExhibitorFactory],
    ids=["conference", "session", "exhibitor"],
)
def test_changes_in_the_conference_admin_are_kept_in_the_history(admin_client, superuser, build):
    obj = build()
    url = admin_url(type(obj), "change", obj.pk)
    data = admin_form_data(admin_client.get(url))
    field = "motto" if isinstance(obj, Conference) else "description"
    data[field] = "Neu im Verlauf"

    admin_client.post(url, data)
    history = admin_client.get(admin_url(type(obj), "history", obj.pk))

    record = obj.history.latest()
    assert (getattr(record, field), record.history_user) == ("Neu im Verlauf", superuser)
    assert "Neu im Verlauf" in history.content.decode()


# --- Bookings and consents ----------------------------------------------------------------------


def test_consent_add_for_an_active_purpose_shows_error_and_stores_nothing(admin_client):
    consent = ConsentFactory(purpose=Consent.Purpose.NEWSLETTER)
    data = {
        "registration": str(consent.registration.pk),
        "purpose": Consent.Purpose.NEWSLETTER,
        "text_version": "2026-02",
    }

    response = admin_client.post(admin_url(Consent, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "purpose": ["Für diesen Zweck gibt es bereits eine gültige Einwilligung."]
    }
    assert Consent.objects.count() == 1


def test_consent_and_booking_change_pages_are_read_only(admin_client):
    consent = ConsentFactory()
    booking = SessionBookingFactory()

    consent_page = admin_client.get(admin_url(Consent, "change", consent.pk))
    booking_page = admin_client.get(admin_url(SessionBooking, "change", booking.pk))

    assert consent_page.context["has_change_permission"] is False
    assert booking_page.context["has_change_permission"] is False
    assert consent.get_purpose_display() in consent_page.content.decode()
    assert str(booking.session) in booking_page.content.decode()


def test_booking_changelist_filtered_by_status_returns_matching_rows(admin_client):
    waiting = SessionBookingFactory(status=SessionBooking.Status.WAITLISTED)
    SessionBookingFactory(status=SessionBooking.Status.BOOKED)

    response = admin_client.get(
        admin_url(SessionBooking, "changelist"), {"status__exact": "waitlisted"}
    )

    assert list(response.context["cl"].result_list) == [waiting]


# --- Capacity changes reach the waiting list ---------------------------------------------------


def test_conference_capacity_raised_in_admin_gives_the_seat_to_the_waiting_list(
    admin_client, conference, register
):
    for _ in range(conference.capacity):
        register(conference)
    waiting = register(conference, conference_known_full=True)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = str(conference.capacity + 1)

    response = admin_client.post(url, data, follow=True)

    waiting.refresh_from_db()
    conference.refresh_from_db()
    assert waiting.status == Registration.Status.PENDING
    assert (conference.capacity, conference.seats_taken, conference.waitlist_count) == (4, 4, 0)
    # The last message is the admin's own "changed successfully".
    assert [str(m) for m in response.context["messages"]][:-1] == [
        f"1 Person von der Warteliste hat einen Konferenzplatz erhalten: {waiting.full_name}."
    ]
    assert seat_problems(conference) == []


def test_session_capacity_raised_in_admin_books_the_waiting_list(
    admin_client, conference, workshops, register
):
    workshop = workshops[0]
    register(conference, session_ids=[workshop])
    register(conference, session_ids=[workshop])
    waiting = register(conference, session_ids=[workshop], known_full_session_ids=[workshop])
    url = admin_url(Session, "change", workshop.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "3"

    response = admin_client.post(url, data)

    workshop.refresh_from_db()
    assert response.status_code == 302
    assert waiting.bookings.get().status == SessionBooking.Status.BOOKED
    assert (workshop.seats_taken, workshop.waitlist_count) == (3, 0)
    assert seat_problems(conference) == []


def inline_prefix(data, session):
    """The prefix of `session`'s row in the conference form's session inline."""
    (key,) = [
        k for k, v in data.items() if re.fullmatch(r"sessions-\d+-id", k) and v == str(session.pk)
    ]
    return key.removesuffix("-id")


def test_conference_form_raising_both_capacities_reports_each_kind_of_seat(
    admin_client, conference, workshops, register
):
    first = workshops[0]
    for seat in range(conference.capacity):
        register(conference, session_ids=[first] if seat < first.capacity else [])
    waiting = register(
        conference, conference_known_full=True, first_name="Aylin", last_name="Demir"
    )
    in_workshop = register(
        conference,
        session_ids=[first],
        known_full_session_ids=[first],
        conference_known_full=True,
        first_name="Jonas",
        last_name="Weber",
    )
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "5"
    data[f"{inline_prefix(data, first)}-capacity"] = "3"

    response = admin_client.post(url, data, follow=True)

    waiting.refresh_from_db()
    in_workshop.refresh_from_db()
    assert (waiting.status, in_workshop.status) == (Registration.Status.PENDING,) * 2
    assert in_workshop.bookings.get().status == SessionBooking.Status.BOOKED
    # The last message is the admin's own "changed successfully".
    assert [str(m) for m in response.context["messages"]][:-1] == [
        "2 Personen von der Warteliste haben einen Konferenzplatz erhalten: Aylin Demir, "
        "Jonas Weber.",
        "1 Person hat einen Platz in „Workshop Ankommen“ erhalten: Jonas Weber.",
    ]
    assert seat_problems(conference) == []


def test_conference_capacity_raised_from_2_to_3_reports_the_conference_and_forum_seat_apart(
    admin_client, register
):
    conference = ConferenceFactory(capacity=2)
    forum = WorkshopFactory(conference=conference, title="Forum Arbeit", capacity=10)
    register(conference, session_ids=[forum])
    register(conference, session_ids=[forum])
    waiting = register(
        conference,
        session_ids=[forum],
        conference_known_full=True,
        first_name="Aylin",
        last_name="Demir",
    )
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "3"

    response = admin_client.post(url, data, follow=True)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.PENDING
    assert waiting.bookings.get().status == SessionBooking.Status.BOOKED
    # One person, one seat of each kind: never "2 Plätze". The last message is Django's own.
    assert [str(m) for m in response.context["messages"]][:-1] == [
        "1 Person von der Warteliste hat einen Konferenzplatz erhalten: Aylin Demir.",
        "1 Person hat einen Platz in „Forum Arbeit“ erhalten: Aylin Demir.",
    ]


def test_session_capacity_raised_in_admin_names_who_got_a_seat_in_the_session(
    admin_client, conference, workshops, register
):
    workshop = workshops[0]
    register(conference, session_ids=[workshop])
    register(conference, session_ids=[workshop])
    register(
        conference,
        session_ids=[workshop],
        known_full_session_ids=[workshop],
        first_name="Aylin",
        last_name="Demir",
    )
    url = admin_url(Session, "change", workshop.pk)
    data = admin_form_data(admin_client.get(url))
    data["capacity"] = "3"

    response = admin_client.post(url, data, follow=True)

    # The last message is the admin's own "changed successfully".
    assert [str(m) for m in response.context["messages"]][:-1] == [
        "1 Person hat einen Platz in „Workshop Ankommen“ erhalten: Aylin Demir."
    ]


def test_conference_and_session_each_have_one_admin_and_none_is_unregistered():
    registered = {type(model_admin) for model_admin in admin_site._registry.values()}
    sources = [
        path.read_text()
        for app in ("conferences", "registrations")
        for path in (Path(__file__).parents[2] / app / "admin").glob("*.py")
    ]

    assert type(admin_site.get_model_admin(Conference)) is ConferenceAdmin
    assert type(admin_site.get_model_admin(Session)) is SessionAdmin
    assert issubclass(ConferenceAdmin, BaseConferenceAdmin)
    assert issubclass(SessionAdmin, BaseSessionAdmin)
    assert not registered & {BaseConferenceAdmin, BaseSessionAdmin}
    assert [source for source in sources if "unregister(" in source] == []


def _register_directly(conference):
    return services.register_participant(
        conference=conference,
        participant=ParticipantDataFactory(),
        session_ids=[],
        consents=["privacy"],
        language="de",
        conference_known_full=True,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_capacity_lowered_in_admin_while_people_register_never_fails_or_overbooks(
    superuser, round_
):
    conference = ConferenceFactory(capacity=30)
    for _ in range(10):
        _register_directly(conference)
    organiser = Client()
    organiser.force_login(superuser)
    url = admin_url(Conference, "change", conference.pk)
    data = admin_form_data(organiser.get(url))
    data["capacity"] = "12"
    barrier = threading.Barrier(6)
    statuses, failures = [], []

    def in_thread(work):
        def run():
            barrier.wait()
            try:
                work()
            except Exception as error:  # reported by the assertion below
                failures.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    threads = [in_thread(lambda: statuses.append(organiser.post(url, data).status_code))]
    threads += [in_thread(lambda: _register_directly(conference)) for _ in range(5)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    conference.refresh_from_db()
    assert failures == []
    assert statuses in ([200], [302])
    assert conference.capacity == (12 if statuses == [302] else 30)
    assert (conference.seats_taken + conference.waitlist_count) == 15
    assert seat_problems(conference) == []


# --- Organiser services behind the actions ------------------------------------------------------


def test_move_booking_refuses_what_makes_no_sense_and_changes_nothing(
    conference, workshops, register
):
    first, parallel, later = workshops
    person = register(conference, session_ids=[first, later])
    unbooked = register(conference)

    refusals = {}
    for name, kwargs in {
        "not_booked": {"registration": unbooked, "from_session": first, "to_session": later},
        "already_booked": {"registration": person, "from_session": first, "to_session": later},
        "session_conflict": {
            "registration": person,
            "from_session": later,
            "to_session": parallel,
        },
        "invalid_session": {
            "registration": person,
            "from_session": first,
            "to_session": WorkshopFactory(),
        },
    }.items():
        with pytest.raises(services.RegistrationError) as refused:
            services.move_booking(**kwargs)
        refusals[name] = refused.value.code

    assert refusals == {name: name for name in refusals}
    assert sorted(b.session_id for b in person.bookings.all()) == sorted([first.pk, later.pk])
    assert seat_problems(conference) == []


def test_move_booking_of_a_waitlisted_person_keeps_them_waiting_in_the_new_session(
    conference, workshops, register
):
    first, _parallel, later = workshops
    for _ in range(conference.capacity):
        register(conference)
    waiting = register(conference, session_ids=[first], conference_known_full=True)

    moved = services.move_booking(registration=waiting, from_session=first, to_session=later)

    later.refresh_from_db()
    assert moved.status == SessionBooking.Status.WAITLISTED
    assert (later.seats_taken, later.waitlist_count) == (0, 1)
    assert seat_problems(conference) == []


def test_check_in_twice_keeps_the_first_moment(conference, register):
    registration = register(conference)
    first = timezone.now() - timedelta(minutes=5)

    services.check_in(registration=registration, now=first)
    again = services.check_in(registration=registration)

    assert again.checked_in_at == first


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_organisers_moving_people_to_the_last_seat_never_overbook(round_):
    conference = ConferenceFactory(capacity=10)
    first = WorkshopFactory(conference=conference, capacity=5)
    later = WorkshopFactory(
        conference=conference, capacity=2, starts_at=first.ends_at + timedelta(minutes=30)
    )

    def register(session):
        return services.register_participant(
            conference=conference,
            participant=ParticipantDataFactory(),
            session_ids=[session.pk],
            consents=["privacy"],
            language="de",
        )

    register(later)
    movers = [register(first), register(first)]
    barrier = threading.Barrier(len(movers))
    outcomes, failures = [], []

    def move(registration):
        barrier.wait()
        try:
            services.move_booking(registration=registration, from_session=first, to_session=later)
            outcomes.append("moved")
        except services.RegistrationError as error:
            outcomes.append(error.code)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(r,)) for r in movers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    later.refresh_from_db()
    assert failures == []
    assert sorted(outcomes) == ["moved", "session_full"]
    assert later.seats_taken == 2
    assert seat_problems(conference) == []


def test_an_organiser_links_a_speakers_own_registration_in_the_admin(admin_client):
    registration = RegistrationFactory(first_name="Mariam", last_name="Al-Husseini")
    speaker = SpeakerFactory(first_name="Mariam", last_name="Al-Husseini")
    url = admin_url(Registration, "change", registration.pk)
    page = admin_client.get(url)
    data = admin_form_data(page)
    data["speaker"] = str(speaker.pk)

    admin_client.post(url, data)

    registration.refresh_from_db()
    assert registration.speaker == speaker
    assert 'name="speaker"' in page.content.decode()
