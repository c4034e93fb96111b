"""The organiser admin for registrations, session bookings, consents and the e-mail log."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferences.models import Conference, Session
from registrations import services
from registrations.models import Consent, Registration, SentEmail, SessionBooking
from tests.conferences.test_admin import admin_form_data, admin_url, column_headers
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    ParticipantDataFactory,
    RegistrationFactory,
    SessionBookingFactory,
    WorkshopFactory,
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
        ],
        "add_fields": [
            "conference",
            "salutation",
            "academic_title",
            "first_name",
            "last_name",
            "email",
            "language",
            "organisation",
            "position",
            "organisation_type",
            "region",
            "diet",
            "dietary_notes",
            "accessibility_needs",
            "bookings-TOTAL_FORMS",
            "consents-TOTAL_FORMS",
        ],
    },
    "sessionbooking": {
        "model": SessionBooking,
        "build": SessionBookingFactory,
        "shown": lambda obj: obj.registration.email,
        "headers": ["Teilnehmende Person", "Programmpunkt", "Konferenz", "Status", "Gebucht am"],
        "add_fields": ["registration", "session"],
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
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_changelist_shows_the_columns_and_the_object(admin_client, page):
    obj = page["build"]()

    response = admin_client.get(admin_url(page["model"], "changelist"))

    assert response.status_code == 200
    assert column_headers(response) == page["headers"]
    assert list(response.context["cl"].result_list) == [obj]


@pytest.mark.parametrize(
    "page",
    [p for p in PAGES.values() if p["add_fields"]],
    ids=["registration", "booking", "consent"],
)
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
    page["build"]()
    url = admin_url(page["model"], "changelist")
    with CaptureQueriesContext(connection) as with_one:
        admin_client.get(url)
    for _ in range(49):
        page["build"]()

    with CaptureQueriesContext(connection) as with_fifty:
        response = admin_client.get(url)

    assert len(response.context["cl"].result_list) == 50
    assert len(with_fifty) == len(with_one), "\n".join(
        query["sql"] for query in with_fifty.captured_queries
    )


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


# --- Registrations: the add form ---------------------------------------------------------------


def test_registration_add_stores_the_registration_with_a_consent(admin_client):
    conference = ConferenceFactory()
    data = registration_add_data(
        conference,
        **{
            "consents-TOTAL_FORMS": "1",
            "consents-0-purpose": Consent.Purpose.PRIVACY,
            "consents-0-text_version": "2026-01",
        },
    )

    response = admin_client.post(admin_url(Registration, "add"), data)

    registration = Registration.objects.get()
    consent = registration.consents.get()
    assert response.status_code == 302
    assert (registration.email, registration.status) == (
        "aylin.demir@example.org",
        Registration.Status.PENDING,
    )
    assert (consent.purpose, consent.text_version) == (Consent.Purpose.PRIVACY, "2026-01")
    assert timezone.now() - consent.given_at < timedelta(minutes=1)


def test_registration_add_with_an_active_email_shows_error_and_stores_nothing(admin_client):
    existing = RegistrationFactory(email="aylin.demir@example.org")
    data = registration_add_data(existing.conference, email="Aylin.Demir@example.org")

    response = admin_client.post(admin_url(Registration, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung zu dieser Konferenz."
    ]
    assert Registration.objects.count() == 1


def test_registration_add_with_a_session_of_another_conference_shows_inline_error(admin_client):
    conference = ConferenceFactory()
    elsewhere = WorkshopFactory()
    data = registration_add_data(
        conference,
        **{"bookings-TOTAL_FORMS": "1", "bookings-0-session": str(elsewhere.pk)},
    )

    response = admin_client.post(admin_url(Registration, "add"), data)

    booking_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert response.status_code == 200
    assert booking_form.errors == {
        "session": ["Dieser Programmpunkt gehört nicht zur Konferenz der Anmeldung."]
    }
    assert Registration.objects.count() == 0


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
    assert "1 Platz wurde an die Warteliste vergeben." in response.content.decode()
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
