"""The registration rules, through `registrations.services`, on the real database."""

import random
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conferences.models import Conference
from registrations import selectors, services
from registrations.models import Consent, Registration, SentEmail, SessionBooking
from registrations.services import RegistrationError
from registrations.services.locking import lock
from tests.factories import (
    ConferenceFactory,
    ParticipantDataFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    WorkshopFactory,
)
from tests.registrations.conftest import seat_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

Status = Registration.Status
BOOKED = SessionBooking.Status.BOOKED
WAITLISTED = SessionBooking.Status.WAITLISTED


def counters(obj):
    obj.refresh_from_db()
    return obj.seats_taken, obj.waitlist_count


def bookings_of(registration):
    return {b.session.title: b.status for b in registration.bookings.select_related("session")}


def subjects():
    return [(message.to[0], message.subject) for message in mail.outbox]


def fill(conference, register, count):
    """Take `count` seats with confirmed registrations."""
    return [services.confirm_email(registration=register(conference)) for _ in range(count)]


# --- register_participant ----------------------------------------------------------------------


def test_register_holds_a_seat_books_sessions_records_consents_and_asks_to_confirm(
    conference, workshops, register
):
    first, _parallel, later = workshops
    now = timezone.now()

    registration = register(
        conference,
        email="Anne.Janz@Example.ORG",
        session_ids=[first, later],
        consents=["privacy", "photos"],
        now=now,
    )

    registration.refresh_from_db()
    assert registration.status == Status.PENDING
    assert registration.email == "Anne.Janz@example.org"
    assert registration.created_at == now
    assert registration.email_confirmed_at is None
    assert len(registration.token) >= 43
    assert bookings_of(registration) == {"Workshop Ankommen": BOOKED, "Workshop Arbeit": BOOKED}
    assert counters(conference) == (1, 0)
    assert counters(first) == (1, 0)
    assert counters(later) == (1, 0)
    assert sorted(registration.consents.values_list("purpose", "text_version", "given_at")) == [
        ("photos", "2026-01", now),
        ("privacy", "2026-01", now),
    ]
    assert subjects() == [
        (
            "Anne.Janz@example.org",
            "Bitte bestätigen Sie Ihre E-Mail-Adresse: Regionalkonferenz Nordhessen",
        )
    ]
    assert seat_problems(conference) == []


def test_register_stores_the_consent_text_versions_from_settings(conference, register, settings):
    settings.PRIVACY_NOTICE_VERSION = "DS-7"
    settings.CONSENT_TEXT_VERSION = "EW-3"

    registration = register(conference, consents=["privacy", "newsletter"])

    assert dict(registration.consents.values_list("purpose", "text_version")) == {
        "privacy": "DS-7",
        "newsletter": "EW-3",
    }


def test_register_without_privacy_consent_is_refused_and_stores_nothing(conference, register):
    with pytest.raises(RegistrationError) as error:
        register(conference, consents=["photos"])

    assert (error.value.code, error.value.field) == ("privacy_required", "consents")
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_register_with_an_unknown_consent_is_refused(conference, register):
    with pytest.raises(RegistrationError) as error:
        register(conference, consents=["privacy", "telemarketing"])

    assert (error.value.code, error.value.field) == ("invalid_consent", "consents")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "not_open"),
        ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, "closed"),
        ({"status": Conference.Status.DRAFT}, "not_open"),
        ({"status": Conference.Status.ARCHIVED}, "closed"),
    ],
)
def test_register_outside_the_registration_window_is_refused(register, changes, code):
    conference = ConferenceFactory(**changes)

    with pytest.raises(RegistrationError) as error:
        register(conference)

    assert (error.value.code, error.value.field) == (code, None)
    assert Registration.objects.count() == 0


def test_register_after_the_conference_ended_is_refused_without_a_closing_date(register):
    conference = ConferenceFactory(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=1),
        registration_opens_at=None,
        registration_closes_at=None,
    )

    with pytest.raises(RegistrationError) as error:
        register(conference)

    assert error.value.code == "closed"


# --- register_participant by the organisers (outside the window) ------------------------------


@pytest.fixture
def register_by_organiser(run):
    """Register someone as the admin page "Person anmelden" does: `by_organiser=True`."""

    def _register(conference, *, session_ids=(), conference_known_full=False, now=None, **person):
        return run(
            services.register_participant,
            conference=conference,
            participant=ParticipantDataFactory(**person),
            session_ids=[getattr(s, "pk", s) for s in session_ids],
            consents=["privacy"],
            language="de",
            conference_known_full=conference_known_full,
            now=now,
            by_organiser=True,
        )

    return _register


def closed_conference(**changes):
    return ConferenceFactory(
        capacity=1,
        registration_opens_at=timezone.now() - timedelta(days=20),
        registration_closes_at=timezone.now() - timedelta(days=1),
        **changes,
    )


def test_register_after_the_window_closed_is_refused_for_participants(register):
    conference = closed_conference()

    with pytest.raises(RegistrationError) as error:
        register(conference)

    assert (error.value.code, error.value.field) == ("closed", None)
    assert Registration.objects.count() == 0
    assert counters(conference) == (0, 0)


def test_register_by_organiser_after_the_window_closed_holds_a_seat_and_books_sessions(
    register_by_organiser,
):
    conference = closed_conference()
    workshop = WorkshopFactory(conference=conference, title="Workshop Ankommen", capacity=2)

    registration = register_by_organiser(
        conference, session_ids=[workshop], email="gast@example.org"
    )

    registration.refresh_from_db()
    assert registration.status == Status.PENDING
    assert bookings_of(registration) == {"Workshop Ankommen": BOOKED}
    assert counters(conference) == (1, 0)
    assert counters(workshop) == (1, 0)
    assert subjects() == [
        ("gast@example.org", f"Bitte bestätigen Sie Ihre E-Mail-Adresse: {conference.title}")
    ]
    assert seat_problems(conference) == []


def test_register_by_organiser_before_the_window_opens_holds_a_seat(register_by_organiser):
    conference = ConferenceFactory(registration_opens_at=timezone.now() + timedelta(days=3))

    registration = register_by_organiser(conference)

    assert registration.status == Status.PENDING
    assert counters(conference) == (1, 0)
    assert seat_problems(conference) == []


def test_register_by_organiser_while_the_conference_runs_holds_a_seat(register_by_organiser):
    conference = ConferenceFactory(
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=6),
        registration_opens_at=None,
        registration_closes_at=None,
    )

    registration = register_by_organiser(conference)

    assert registration.status == Status.PENDING
    assert counters(conference) == (1, 0)


def test_register_by_organiser_to_a_full_conference_after_the_window_uses_the_waiting_list(
    register_by_organiser,
):
    conference = closed_conference()
    register_by_organiser(conference)

    with pytest.raises(RegistrationError) as refused:
        register_by_organiser(conference)
    waitlisted = register_by_organiser(conference, conference_known_full=True)

    assert refused.value.code == "conference_full_changed"
    assert waitlisted.status == Status.WAITLISTED
    assert counters(conference) == (1, 1)
    assert Registration.objects.count() == 2
    assert seat_problems(conference) == []


def test_register_by_organiser_with_an_address_already_registered_is_refused(
    register, register_by_organiser
):
    conference = ConferenceFactory()
    register(conference, email="kai.klose@example.org")
    conference.registration_closes_at = timezone.now() - timedelta(minutes=1)
    conference.save(update_fields=["registration_closes_at"])

    with pytest.raises(RegistrationError) as error:
        register_by_organiser(conference, email="Kai.Klose@example.org")

    assert (error.value.code, error.value.field) == ("duplicate", "email")
    assert counters(conference) == (1, 0)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": Conference.Status.DRAFT}, "not_open"),
        ({"status": Conference.Status.ARCHIVED}, "closed"),
        (
            {
                "starts_at": timezone.now() - timedelta(days=2),
                "ends_at": timezone.now() - timedelta(days=1),
                "registration_closes_at": timezone.now() - timedelta(days=3),
            },
            "ended",
        ),
    ],
    ids=["draft", "archived", "ended"],
)
def test_register_by_organiser_for_a_draft_archived_or_ended_conference_is_refused(
    register_by_organiser, changes, code
):
    conference = ConferenceFactory(**changes)

    with pytest.raises(RegistrationError) as error:
        register_by_organiser(conference)

    assert (error.value.code, error.value.field) == (code, None)
    assert Registration.objects.count() == 0
    assert counters(conference) == (0, 0)


def test_register_by_organiser_is_refused_from_the_end_of_the_conference_on(
    register_by_organiser,
):
    conference = ConferenceFactory(registration_closes_at=None)
    end = conference.ends_at

    last_minute = register_by_organiser(conference, now=end - timedelta(minutes=1))
    with pytest.raises(RegistrationError) as error:
        register_by_organiser(conference, now=end)

    assert last_minute.status == Status.PENDING
    assert error.value.code == "ended"
    assert str(error.value) == (
        "Die Konferenz ist bereits zu Ende. Eine Anmeldung ist nicht mehr möglich."
    )
    assert Registration.objects.count() == 1


def test_register_with_an_address_already_registered_in_other_case_is_refused(conference, register):
    register(conference, email="kai.klose@example.org")

    with pytest.raises(RegistrationError) as error:
        register(conference, email=" KAI.Klose@EXAMPLE.org ")

    assert (error.value.code, error.value.field) == ("duplicate", "email")
    assert Registration.objects.count() == 1
    assert counters(conference) == (1, 0)


def test_register_again_after_cancelling_is_allowed(conference, register, run):
    first = register(conference, email="kai.klose@example.org")
    run(services.cancel_registration, registration=first)

    second = register(conference, email="kai.klose@example.org")

    assert second.status == Status.PENDING
    assert counters(conference) == (1, 0)


def test_register_for_sessions_at_the_same_time_is_refused(conference, workshops, register):
    first, parallel, later = workshops

    with pytest.raises(RegistrationError) as error:
        register(conference, session_ids=[first, parallel, later])

    assert (error.value.code, error.value.field) == ("session_conflict", "sessions")
    assert error.value.session_ids == sorted([first.pk, parallel.pk])
    assert Registration.objects.count() == 0


def test_register_for_a_session_that_is_not_bookable_or_elsewhere_is_refused(conference, register):
    plenary = SessionFactory(conference=conference, is_bookable=False)
    elsewhere = WorkshopFactory()

    with pytest.raises(RegistrationError) as error:
        register(conference, session_ids=[plenary, elsewhere])

    assert (error.value.code, error.value.session_ids) == (
        "invalid_session",
        sorted([plenary.pk, elsewhere.pk]),
    )


def test_register_for_a_session_that_filled_while_the_form_was_open_stores_nothing(
    conference, workshops, register
):
    first, _parallel, later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    mail.outbox.clear()

    with pytest.raises(RegistrationError) as error:
        register(conference, session_ids=[first, later])

    assert (error.value.code, error.value.field, error.value.session_ids) == (
        "session_full",
        "sessions",
        [first.pk],
    )
    assert Registration.objects.count() == 2
    assert counters(conference) == (2, 0)
    assert counters(later) == (0, 0)
    assert mail.outbox == []


def test_register_for_a_session_known_to_be_full_puts_that_booking_on_its_waiting_list(
    conference, workshops, register
):
    first, _parallel, later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])

    registration = register(conference, session_ids=[first, later], known_full_session_ids=[first])

    assert registration.status == Status.PENDING
    assert bookings_of(registration) == {"Workshop Ankommen": WAITLISTED, "Workshop Arbeit": BOOKED}
    assert counters(first) == (2, 1)
    assert seat_problems(conference) == []


def test_register_when_the_conference_filled_meanwhile_is_refused(conference, register):
    fill(conference, register, 3)

    with pytest.raises(RegistrationError) as error:
        register(conference)

    assert (error.value.code, error.value.field) == ("conference_full_changed", None)
    assert Registration.objects.count() == 3


def test_register_for_a_full_conference_goes_onto_the_waiting_list_with_all_sessions(
    conference, workshops, register
):
    first, _parallel, _later = workshops
    fill(conference, register, 3)
    mail.outbox.clear()

    registration = register(conference, session_ids=[first], conference_known_full=True)

    assert registration.status == Status.WAITLISTED
    # No workshop seat without a conference seat, even though the workshop has seats.
    assert bookings_of(registration) == {"Workshop Ankommen": WAITLISTED}
    assert counters(conference) == (3, 1)
    assert counters(first) == (0, 1)
    assert len(mail.outbox) == 1
    assert "Warteliste" in mail.outbox[0].body
    assert seat_problems(conference) == []


def test_register_for_a_conference_with_approval_awaits_it_without_holding_seats(
    conference, workshops, register
):
    first, _parallel, _later = workshops
    conference.requires_approval = True
    conference.save()

    registration = register(conference, session_ids=[first])

    assert registration.status == Status.AWAITING_APPROVAL
    assert bookings_of(registration) == {"Workshop Ankommen": WAITLISTED}
    assert counters(conference) == (0, 0)
    assert "Organisationsteam prüft" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("participant", "field", "code"),
    [
        ({"first_name": "Anne\x00"}, "first_name", "control_characters"),
        ({"organisation": "Stadt\nKassel"}, "organisation", "line_breaks"),
        ({"last_name": "x" * 101}, "last_name", "invalid"),
        ({"email": "keine-adresse"}, "email", "invalid_email"),
        ({"first_name": "   "}, "first_name", "required"),
        ({"diet": "paleo"}, "diet", "invalid"),
    ],
)
def test_register_with_bad_input_names_the_field(conference, register, participant, field, code):
    with pytest.raises(RegistrationError) as error:
        register(conference, **participant)

    assert (error.value.field, error.value.code) == (field, code)
    assert Registration.objects.count() == 0


def test_register_keeps_line_breaks_in_accessibility_needs(conference, register):
    registration = register(conference, accessibility_needs="Rollstuhl\nInduktionsschleife")

    registration.refresh_from_db()
    assert registration.accessibility_needs == "Rollstuhl\nInduktionsschleife"


def test_register_stores_the_supported_language_or_german(conference, register):
    english = register(conference, language="en-gb")
    unknown = register(conference, language="tlh")

    assert (english.language, unknown.language) == ("en", "de")


# --- get_registration_by_token -----------------------------------------------------------------


def test_registration_is_found_only_with_its_own_token(conference, register):
    registration = register(conference)
    other = register(conference)

    found = services.get_registration_by_token(
        public_id=str(registration.public_id), token=registration.token
    )

    assert found == registration
    assert (
        services.get_registration_by_token(public_id=registration.public_id, token=other.token)
        is None
    )
    assert services.get_registration_by_token(public_id="nonsense", token="x") is None
    assert (
        services.get_registration_by_token(
            public_id=registration.public_id, token="ä" + registration.token[1:]
        )
        is None
    )


def test_tokens_are_distinct_and_long(conference, register):
    tokens = {register(conference).token for _ in range(3)}

    assert len(tokens) == 3
    assert all(len(token) >= 43 for token in tokens)


# --- confirm_email -----------------------------------------------------------------------------


def test_confirm_email_confirms_and_sends_programme_calendar_and_manage_link(
    conference, workshops, register, run
):
    first, _parallel, _later = workshops
    registration = register(conference, session_ids=[first])
    mail.outbox.clear()

    confirmed = run(services.confirm_email, registration=registration)

    assert confirmed.status == Status.CONFIRMED
    assert confirmed.email_confirmed_at is not None
    assert confirmed.confirmed_at == confirmed.email_confirmed_at
    assert counters(conference) == (1, 0)
    [message] = mail.outbox
    assert message.subject == "Anmeldebestätigung: Regionalkonferenz Nordhessen"
    assert f"/anmeldung/{registration.public_id}/{registration.token}/" in message.body
    assert "Workshop Ankommen" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"{conference.slug}.ics", "text/calendar")
    assert "SUMMARY:Workshop Ankommen" in content


def test_confirm_email_twice_changes_nothing_and_sends_nothing_more(conference, register, run):
    registration = register(conference)
    first = run(services.confirm_email, registration=registration)
    mail.outbox.clear()

    again = run(services.confirm_email, registration=registration)

    assert (again.status, again.email_confirmed_at) == (Status.CONFIRMED, first.email_confirmed_at)
    assert mail.outbox == []


def test_confirm_email_of_a_cancelled_registration_is_refused(conference, register, run):
    registration = register(conference)
    run(services.cancel_registration, registration=registration)

    with pytest.raises(RegistrationError) as error:
        services.confirm_email(registration=registration)

    assert error.value.code == "expired"


def test_confirm_email_after_the_deadline_expires_it_and_passes_the_seat_on(
    conference, register, run, past_deadline
):
    late = register(conference)
    fill(conference, register, 2)
    waiting = register(conference, conference_known_full=True)
    mail.outbox.clear()

    with pytest.raises(RegistrationError) as error:
        run(services.confirm_email, registration=late, now=past_deadline)

    late.refresh_from_db()
    waiting.refresh_from_db()
    assert error.value.code == "expired"
    assert (late.status, late.cancellation_reason) == (Status.CANCELLED, "expired")
    assert waiting.status == Status.PENDING
    assert list(late.sent_emails.order_by("pk").values_list("kind", "status")) == [
        ("confirm_address", "sent"),
        ("cancelled", "sent"),
    ]
    assert list(waiting.sent_emails.order_by("pk").values_list("kind", "status")) == [
        ("confirm_address", "sent"),
        ("seat_granted", "sent"),
    ]
    assert seat_problems(conference) == []


def test_confirm_email_of_a_waitlisted_registration_records_the_address_only(
    conference, register, run
):
    fill(conference, register, 3)
    first_waiting = register(conference, conference_known_full=True)
    waiting = register(conference, conference_known_full=True)
    mail.outbox.clear()

    confirmed = run(services.confirm_email, registration=waiting)

    assert confirmed.status == Status.WAITLISTED
    assert confirmed.email_confirmed_at is not None
    assert selectors.waitlist_position(confirmed) == 2
    assert selectors.waitlist_position(first_waiting) == 1
    [message] = mail.outbox
    assert message.subject == "Sie stehen auf der Warteliste: Regionalkonferenz Nordhessen"
    assert "Platz 2 der Warteliste" in message.body


def test_confirm_email_awaiting_approval_records_the_address_only(conference, register, run):
    conference.requires_approval = True
    conference.save()
    registration = register(conference)
    mail.outbox.clear()

    confirmed = run(services.confirm_email, registration=registration)

    assert confirmed.status == Status.AWAITING_APPROVAL
    assert confirmed.email_confirmed_at is not None
    assert subjects() == [
        (registration.email, "Ihre Anmeldung wird geprüft: Regionalkonferenz Nordhessen")
    ]


# --- update_participant ------------------------------------------------------------------------


def test_update_participant_saves_at_once_but_a_new_address_only_waits_for_its_link(
    conference, register, run
):
    registration = register(conference, email="alt@example.org")
    mail.outbox.clear()

    updated = run(
        services.update_participant,
        registration=registration,
        participant={"email": "Neu@Example.org", "organisation": "Stadt Kassel"},
    )

    updated.refresh_from_db()
    assert (updated.email, updated.pending_email) == ("alt@example.org", "Neu@example.org")
    assert updated.organisation == "Stadt Kassel"
    assert updated.status == Status.PENDING
    assert subjects() == [
        (
            "Neu@example.org",
            "Bitte bestätigen Sie Ihre neue E-Mail-Adresse: Regionalkonferenz Nordhessen",
        ),
        ("alt@example.org", "Ihre Anmeldung wurde geändert: Regionalkonferenz Nordhessen"),
    ]
    assert registration.token not in mail.outbox[0].body
    assert registration.token in mail.outbox[1].body


def test_update_participant_without_changes_sends_nothing(conference, register, run):
    registration = register(conference, organisation="Stadt Kassel")
    mail.outbox.clear()

    run(
        services.update_participant,
        registration=registration,
        participant={"organisation": " Stadt Kassel "},
    )

    assert mail.outbox == []


def test_update_participant_to_an_address_registered_by_someone_else_is_refused(
    conference, register
):
    register(conference, email="belegt@example.org")
    registration = register(conference, email="frei@example.org")

    with pytest.raises(RegistrationError) as error:
        services.update_participant(
            registration=registration, participant={"email": "BELEGT@example.org"}
        )

    registration.refresh_from_db()
    assert (error.value.code, error.value.field) == ("duplicate", "email")
    assert registration.email == "frei@example.org"


def test_update_participant_of_a_cancelled_registration_is_refused(conference, register, run):
    registration = register(conference)
    run(services.cancel_registration, registration=registration)

    with pytest.raises(RegistrationError) as error:
        services.update_participant(registration=registration, participant={"region": "Fulda"})

    assert error.value.code == "cancelled"


# --- set_consents ------------------------------------------------------------------------------


def _active_consents(registration):
    return sorted(
        registration.consents.filter(withdrawn_at__isnull=True).values_list("purpose", flat=True)
    )


def test_set_consents_withdraws_gives_and_keeps_the_records(conference, register, settings):
    registration = register(conference, consents=["privacy", "photos"])
    settings.CONSENT_TEXT_VERSION = "2027-02"
    moment = timezone.now() + timedelta(minutes=5)

    result = services.set_consents(
        registration=registration, purposes=["newsletter", "participant_list"], now=moment
    )

    assert result == (["newsletter", "participant_list"], ["photos"])
    assert _active_consents(registration) == ["newsletter", "participant_list", "privacy"]
    photos = registration.consents.get(purpose="photos")
    assert photos.withdrawn_at == moment
    assert registration.consents.get(purpose="newsletter").text_version == "2027-02"
    assert Consent.history.filter(purpose="photos", history_type="~").count() == 1


def test_set_consents_keeps_the_privacy_acknowledgement(conference, register):
    registration = register(conference, consents=["privacy", "photos"])

    result = services.set_consents(registration=registration, purposes=[])

    assert result == ([], ["photos"])
    assert _active_consents(registration) == ["privacy"]


def test_set_consents_after_withdrawing_gives_anew(conference, register):
    registration = register(conference, consents=["privacy", "photos"])
    services.set_consents(registration=registration, purposes=[])

    services.set_consents(registration=registration, purposes=["photos"])

    assert registration.consents.filter(purpose="photos").count() == 2
    assert _active_consents(registration) == ["photos", "privacy"]


def test_set_consents_unknown_purpose_is_refused_and_changes_nothing(conference, register):
    registration = register(conference, consents=["privacy", "photos"])

    with pytest.raises(RegistrationError) as error:
        services.set_consents(registration=registration, purposes=["marketing"])

    assert error.value.code == "invalid_consent"
    assert _active_consents(registration) == ["photos", "privacy"]


# --- change_sessions ---------------------------------------------------------------------------


def test_change_sessions_keeps_books_and_releases_to_the_next_person_waiting(
    conference, workshops, register, run
):
    first, parallel, later = workshops
    changing = register(conference, session_ids=[first, later])
    register(conference, session_ids=[first])
    waiting = register(conference, session_ids=[first], known_full_session_ids=[first])
    mail.outbox.clear()

    changed = run(
        services.change_sessions, registration=changing, session_ids=[parallel.pk, later.pk]
    )

    assert bookings_of(changed) == {"Workshop Sprache": BOOKED, "Workshop Arbeit": BOOKED}
    assert bookings_of(waiting) == {"Workshop Ankommen": BOOKED}
    assert counters(first) == (2, 0)
    assert counters(parallel) == (1, 0)
    assert counters(later) == (1, 0)
    assert subjects() == [
        (changing.email, "Ihre Anmeldung wurde geändert: Regionalkonferenz Nordhessen"),
        (waiting.email, "Ein Platz für Sie: Regionalkonferenz Nordhessen"),
    ]
    assert "Workshop Ankommen" in mail.outbox[1].body
    assert f"/anmeldung/{waiting.public_id}/{waiting.token}/" in mail.outbox[1].body
    assert seat_problems(conference) == []


def test_change_sessions_keeps_the_waiting_list_place_of_a_kept_booking(
    conference, workshops, register
):
    first, _parallel, later = workshops
    register(conference, session_ids=[first])
    register(conference, session_ids=[first])
    waiting = register(conference, session_ids=[first], known_full_session_ids=[first])
    created = waiting.bookings.get().created_at

    services.change_sessions(registration=waiting, session_ids=[first.pk, later.pk])

    assert waiting.bookings.get(session=first).created_at == created
    assert bookings_of(waiting) == {"Workshop Ankommen": WAITLISTED, "Workshop Arbeit": BOOKED}


def test_change_sessions_to_a_session_that_filled_meanwhile_changes_nothing(
    conference, workshops, register
):
    first, parallel, _later = workshops
    register(conference, session_ids=[parallel])
    register(conference, session_ids=[parallel])
    changing = register(conference, session_ids=[first])

    with pytest.raises(RegistrationError) as error:
        services.change_sessions(registration=changing, session_ids=[parallel.pk])

    assert (error.value.code, error.value.session_ids) == ("session_full", [parallel.pk])
    assert bookings_of(changing) == {"Workshop Ankommen": BOOKED}
    assert counters(first) == (1, 0)
    assert counters(parallel) == (2, 0)


def test_change_sessions_to_a_session_known_full_keeps_the_seat_and_waits_to_swap(
    conference, workshops, register
):
    """The rest of the swap: tests/registrations/test_swap.py."""
    first, parallel, _later = workshops
    register(conference, session_ids=[parallel])
    register(conference, session_ids=[parallel])
    changing = register(conference, session_ids=[first])

    services.change_sessions(
        registration=changing, session_ids=[parallel.pk], known_full_session_ids=[parallel.pk]
    )

    assert bookings_of(changing) == {"Workshop Ankommen": BOOKED, "Workshop Sprache": WAITLISTED}
    assert changing.bookings.get(session=parallel).replaces == changing.bookings.get(session=first)
    assert counters(first) == (1, 0)
    assert counters(parallel) == (2, 1)


def test_change_sessions_to_a_full_session_in_a_free_slot_only_waits(
    conference, workshops, register
):
    first, parallel, _later = workshops
    register(conference, session_ids=[parallel])
    register(conference, session_ids=[parallel])
    changing = register(conference, session_ids=[])

    services.change_sessions(
        registration=changing, session_ids=[parallel.pk], known_full_session_ids=[parallel.pk]
    )

    assert bookings_of(changing) == {"Workshop Sprache": WAITLISTED}
    assert changing.bookings.get().replaces is None
    assert counters(first) == (0, 0)
    assert counters(parallel) == (2, 1)


def test_change_sessions_to_sessions_at_the_same_time_is_refused(conference, workshops, register):
    first, parallel, _later = workshops
    changing = register(conference, session_ids=[first])

    with pytest.raises(RegistrationError) as error:
        services.change_sessions(registration=changing, session_ids=[first.pk, parallel.pk])

    assert error.value.code == "session_conflict"
    assert bookings_of(changing) == {"Workshop Ankommen": BOOKED}


def test_change_sessions_without_a_conference_seat_waitlists_the_new_choice(
    conference, workshops, register
):
    first, _parallel, _later = workshops
    fill(conference, register, 3)
    waiting = register(conference, conference_known_full=True)

    services.change_sessions(registration=waiting, session_ids=[first.pk])

    assert bookings_of(waiting) == {"Workshop Ankommen": WAITLISTED}
    assert counters(first) == (0, 1)
    assert seat_problems(conference) == []


def test_change_sessions_after_the_conference_began_is_refused(conference, workshops, register):
    first, _parallel, _later = workshops
    registration = register(conference)

    with pytest.raises(RegistrationError) as error:
        services.change_sessions(
            registration=registration,
            session_ids=[first.pk],
            now=conference.starts_at + timedelta(minutes=1),
        )

    assert error.value.code == "started"


# --- cancel_registration -----------------------------------------------------------------------


def test_cancel_frees_all_seats_and_promotes_the_next_people(conference, workshops, register, run):
    first, _parallel, _later = workshops
    cancelling = register(conference, session_ids=[first])
    services.confirm_email(registration=cancelling)
    fill(conference, register, 2)
    confirmed_waiting = register(conference, session_ids=[first], conference_known_full=True)
    services.confirm_email(registration=confirmed_waiting)
    unconfirmed_waiting = register(conference, conference_known_full=True)
    mail.outbox.clear()

    cancelled = run(services.cancel_registration, registration=cancelling)

    confirmed_waiting.refresh_from_db()
    unconfirmed_waiting.refresh_from_db()
    assert (cancelled.status, cancelled.cancellation_reason) == (Status.CANCELLED, "participant")
    assert cancelled.bookings.count() == 0
    assert confirmed_waiting.status == Status.CONFIRMED
    assert bookings_of(confirmed_waiting) == {"Workshop Ankommen": BOOKED}
    assert unconfirmed_waiting.status == Status.WAITLISTED
    assert counters(conference) == (3, 1)
    assert counters(first) == (1, 0)
    assert subjects() == [
        (cancelling.email, "Ihre Anmeldung ist storniert: Regionalkonferenz Nordhessen"),
        (confirmed_waiting.email, "Ein Platz für Sie: Regionalkonferenz Nordhessen"),
    ]
    assert "von der Warteliste nachgerückt" in mail.outbox[1].body
    assert confirmed_waiting.token in mail.outbox[1].body
    assert seat_problems(conference) == []


def test_promotion_of_an_unconfirmed_person_holds_the_seat_pending_and_asks_to_confirm(
    conference, register, run
):
    cancelling = fill(conference, register, 3)[0]
    waiting = register(conference, conference_known_full=True)
    mail.outbox.clear()

    run(services.cancel_registration, registration=cancelling)

    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING
    assert f"/anmeldung/{waiting.public_id}/bestaetigen/{waiting.token}/" in mail.outbox[1].body


def test_cancel_twice_changes_nothing(conference, register, run):
    registration = register(conference)
    run(services.cancel_registration, registration=registration)
    mail.outbox.clear()

    again = run(services.cancel_registration, registration=registration)

    assert again.status == Status.CANCELLED
    assert counters(conference) == (0, 0)
    assert mail.outbox == []


def test_participant_cannot_cancel_after_the_start_but_the_organisers_can(
    conference, register, run
):
    registration = register(conference)
    started = conference.starts_at + timedelta(hours=1)

    with pytest.raises(RegistrationError) as error:
        services.cancel_registration(registration=registration, now=started)
    cancelled = run(
        services.cancel_registration, registration=registration, by_organiser=True, now=started
    )

    assert error.value.code == "started"
    assert (cancelled.status, cancelled.cancellation_reason) == (Status.CANCELLED, "organiser")
    assert "Organisationsteam hat Ihre Anmeldung" in mail.outbox[-1].body


def test_cancel_by_organiser_without_notice_sends_nothing(conference, register, run):
    registration = register(conference)
    mail.outbox.clear()

    run(services.cancel_registration, registration=registration, by_organiser=True, notify=False)

    assert mail.outbox == []


# --- expire_unconfirmed ------------------------------------------------------------------------


def test_expire_unconfirmed_cancels_overdue_unconfirmed_registrations_only(
    conference, workshops, register, run, past_deadline
):
    first, _parallel, _later = workshops
    overdue = register(conference, session_ids=[first])
    confirmed = services.confirm_email(registration=register(conference))
    fill(conference, register, 1)
    overdue_waiting = register(conference, conference_known_full=True)
    recent_waiting = register(
        conference, conference_known_full=True, now=timezone.now() + timedelta(hours=1)
    )
    mail.outbox.clear()

    count = run(services.expire_unconfirmed, now=past_deadline)

    for registration in (overdue, confirmed, overdue_waiting, recent_waiting):
        registration.refresh_from_db()
    assert count == 2
    assert (overdue.status, overdue.cancellation_reason) == (Status.CANCELLED, "expired")
    assert (overdue_waiting.status, overdue_waiting.cancellation_reason) == (
        Status.CANCELLED,
        "expired",
    )
    assert confirmed.status == Status.CONFIRMED
    assert recent_waiting.status == Status.PENDING
    assert counters(conference) == (3, 0)
    assert counters(first) == (0, 0)
    assert subjects() == [
        (overdue.email, "Ihre Anmeldung ist storniert: Regionalkonferenz Nordhessen"),
        (overdue_waiting.email, "Ihre Anmeldung ist storniert: Regionalkonferenz Nordhessen"),
        (recent_waiting.email, "Ein Platz für Sie: Regionalkonferenz Nordhessen"),
    ]
    assert "nicht rechtzeitig bestätigt" in mail.outbox[0].body
    assert seat_problems(conference) == []


def test_expire_unconfirmed_gives_freed_seats_to_the_waiting_list(
    conference, register, past_deadline, run
):
    overdue = register(conference)
    fill(conference, register, 2)
    waiting = services.confirm_email(
        registration=register(
            conference, conference_known_full=True, now=timezone.now() + timedelta(hours=2)
        )
    )

    run(services.expire_unconfirmed, now=past_deadline)

    overdue.refresh_from_db()
    waiting.refresh_from_db()
    assert overdue.status == Status.CANCELLED
    assert waiting.status == Status.CONFIRMED
    assert counters(conference) == (3, 0)


def test_expire_registrations_command_reports_the_number(conference, register, capsys):
    register(conference, now=timezone.now() - timedelta(hours=49))

    call_command("expire_registrations")

    assert capsys.readouterr().out == "1 unconfirmed registration(s) expired.\n"
    assert Registration.objects.get().status == Status.CANCELLED


# --- promote_from_waitlist (change_capacity: test_capacity.py) ---------------------------------


def test_promote_from_waitlist_needs_a_conference_or_a_session():
    with pytest.raises(TypeError):
        services.promote_from_waitlist()


# --- approve_registration ----------------------------------------------------------------------


@pytest.fixture
def approval_conference(conference):
    conference.requires_approval = True
    conference.save()
    return conference


def test_approve_with_a_free_seat_confirms_a_confirmed_address(
    approval_conference, workshops, register, run
):
    first, _parallel, _later = workshops
    registration = services.confirm_email(
        registration=register(approval_conference, session_ids=[first])
    )
    mail.outbox.clear()

    approved = run(services.approve_registration, registration=registration)

    assert approved.status == Status.CONFIRMED
    assert bookings_of(approved) == {"Workshop Ankommen": BOOKED}
    assert counters(approval_conference) == (1, 0)
    assert subjects() == [(registration.email, "Anmeldebestätigung: Regionalkonferenz Nordhessen")]
    assert mail.outbox[0].attachments[0][0].endswith(".ics")
    assert seat_problems(approval_conference) == []


def test_approve_before_the_address_is_confirmed_holds_the_seat_pending(
    approval_conference, register, run
):
    registration = register(approval_conference)
    mail.outbox.clear()

    approved = run(services.approve_registration, registration=registration)

    assert approved.status == Status.PENDING
    assert "freigegeben" in mail.outbox[0].body
    assert f"/bestaetigen/{registration.token}/" in mail.outbox[0].body


def test_approve_without_a_free_seat_puts_on_the_waiting_list(approval_conference, register, run):
    registrations = [register(approval_conference) for _ in range(4)]
    for registration in registrations[:3]:
        services.approve_registration(registration=registration)
    mail.outbox.clear()

    approved = run(services.approve_registration, registration=registrations[3])

    assert approved.status == Status.WAITLISTED
    assert counters(approval_conference) == (3, 1)
    assert mail.outbox[0].subject == "Sie stehen auf der Warteliste: Regionalkonferenz Nordhessen"


def test_approve_what_does_not_await_approval_is_refused(conference, register):
    registration = register(conference)

    with pytest.raises(RegistrationError) as error:
        services.approve_registration(registration=registration)

    assert error.value.code == "not_awaiting_approval"


# --- resend_manage_link ------------------------------------------------------------------------


def test_resend_manage_link_sends_it_to_an_active_registration(conference, register, run):
    registration = services.confirm_email(
        registration=register(conference, email="anne@example.org")
    )
    mail.outbox.clear()

    run(services.resend_manage_link, conference=conference, email=" ANNE@example.org")

    assert subjects() == [
        ("anne@example.org", "Ihr persönlicher Link: Regionalkonferenz Nordhessen")
    ]
    assert f"/anmeldung/{registration.public_id}/{registration.token}/" in mail.outbox[0].body


def test_resend_manage_link_for_an_unknown_or_cancelled_address_sends_nothing(
    conference, register, run
):
    cancelled = register(conference, email="weg@example.org")
    run(services.cancel_registration, registration=cancelled)
    mail.outbox.clear()

    run(services.resend_manage_link, conference=conference, email="weg@example.org")
    run(services.resend_manage_link, conference=conference, email="niemand@example.org")

    assert mail.outbox == []


# --- send_reminders ----------------------------------------------------------------------------


def test_send_reminders_mails_confirmed_participants_once_days_before(register, run, settings):
    settings.REGISTRATION_REMINDER_DAYS_BEFORE = 3
    soon = ConferenceFactory(title="Bald", capacity=10)
    later = ConferenceFactory(title="Später", capacity=10)
    confirmed = services.confirm_email(registration=register(soon))
    register(soon)  # unconfirmed: no reminder
    services.confirm_email(registration=register(later))
    moment = soon.starts_at - timedelta(days=2)
    Conference.objects.filter(pk=later.pk).update(
        starts_at=soon.starts_at + timedelta(days=5), ends_at=soon.ends_at + timedelta(days=5)
    )
    mail.outbox.clear()

    count = run(services.send_reminders, now=moment)
    again = run(services.send_reminders, now=moment + timedelta(hours=1))

    confirmed.refresh_from_db()
    assert (count, again) == (1, 0)
    assert confirmed.reminder_sent_at == moment
    [message] = mail.outbox
    assert message.to == [confirmed.email]
    assert message.subject.startswith("Erinnerung: Bald am ")
    assert message.attachments[0][0].endswith(".ics")


def test_send_reminders_command_reports_the_number(db, capsys):
    call_command("send_reminders")

    assert capsys.readouterr().out == "0 reminder(s) queued.\n"


# --- counters ----------------------------------------------------------------------------------


def test_counters_equal_a_recount_after_any_sequence_of_operations(register, past_deadline):
    """A seeded random walk through every service; the invariants hold after each step."""
    rng = random.Random(20261121)
    conference = ConferenceFactory(capacity=4)
    sessions = [
        WorkshopFactory(conference=conference, capacity=2),
        WorkshopFactory(conference=conference, capacity=1),
        WorkshopFactory(conference=conference, capacity=None),
    ]
    sessions[1].starts_at = sessions[0].ends_at
    sessions[1].ends_at = sessions[1].starts_at + timedelta(hours=1)
    sessions[1].save()
    sessions[2].starts_at = sessions[1].ends_at
    sessions[2].ends_at = sessions[2].starts_at + timedelta(hours=1)
    sessions[2].save()

    def choice():
        return [s.pk for s in sessions if rng.random() < 0.5]

    def active():
        return list(conference.registrations.exclude(status=Status.CANCELLED).order_by("pk"))

    operations = []
    for step in range(120):
        operation = rng.choice(
            ["register", "register", "register", "confirm", "change", "cancel", "capacity"]
        )
        try:
            if operation == "register":
                services.register_participant(
                    conference=conference,
                    participant=ParticipantDataFactory(),
                    session_ids=choice(),
                    consents=["privacy"],
                    language="de",
                    known_full_session_ids=[s.pk for s in sessions],
                    conference_known_full=True,
                )
            elif operation == "confirm" and active():
                services.confirm_email(registration=rng.choice(active()))
            elif operation == "change" and active():
                services.change_sessions(
                    registration=rng.choice(active()),
                    session_ids=choice(),
                    known_full_session_ids=[s.pk for s in sessions],
                )
            elif operation == "cancel" and active():
                services.cancel_registration(
                    registration=rng.choice(active()), by_organiser=rng.random() < 0.3
                )
            elif operation == "capacity":
                session = sessions[rng.randrange(2)]
                session.refresh_from_db()
                services.change_capacity(
                    session=session, capacity=session.seats_taken + rng.randrange(2)
                )
        except RegistrationError as error:
            operations.append(f"{step} {operation}: {error.code}")
        else:
            operations.append(f"{step} {operation}")
        assert seat_problems(conference) == [], operations

    services.expire_unconfirmed(now=past_deadline)
    assert seat_problems(conference) == []


def test_recount_seats_with_fix_repairs_wrong_counters(conference, workshops, register):
    first, _parallel, _later = workshops
    register(conference, session_ids=[first])
    Conference.objects.filter(pk=conference.pk).update(seats_taken=0, waitlist_count=7)
    type(first).objects.filter(pk=first.pk).update(seats_taken=2)

    recount = services.recount_seats(conference=conference, fix=True)

    assert recount.conference == services.Counts(1, 0)
    assert recount.sessions[first.pk] == services.Counts(1, 0)
    assert services.stored_seat_counts(conference=conference) == recount


def test_consents_are_stored_with_the_moment_they_were_given(conference, register):
    now = timezone.now() - timedelta(minutes=5)

    registration = register(conference, consents=["privacy", "participant_list"], now=now)

    assert list(
        Consent.objects.filter(registration=registration)
        .order_by("purpose")
        .values_list("purpose", "given_at", "withdrawn_at")
    ) == [("participant_list", now, None), ("privacy", now, None)]


def test_factory_registrations_without_counters_are_seen_by_recount(conference):
    RegistrationFactory(conference=conference, status=Status.CONFIRMED)

    assert services.recount_seats(conference=conference).conference == services.Counts(1, 0)
    assert services.stored_seat_counts(conference=conference).conference == services.Counts(0, 0)


@pytest.mark.parametrize("chosen", [0, 1, 3, 10])
def test_lock_returns_exactly_the_chosen_sessions_of_the_conference(chosen):
    conference = ConferenceFactory()
    sessions = [SessionFactory(conference=conference) for _ in range(12)]
    other = SessionFactory()  # another conference's session is never locked for this one
    wanted = [s.pk for s in reversed(sessions[:chosen])] + [other.pk]

    with transaction.atomic():
        locked = lock(conference.pk, wanted)

    assert list(locked.sessions) == sorted(s.pk for s in sessions[:chosen])
    assert locked.conference.pk == conference.pk


def test_lock_without_a_choice_locks_every_session_and_a_missing_conference_raises():
    conference = ConferenceFactory()
    sessions = [SessionFactory(conference=conference) for _ in range(3)]

    with transaction.atomic():
        assert list(lock(conference.pk).sessions) == [s.pk for s in sessions]
        with pytest.raises(Conference.DoesNotExist):
            lock(conference.pk + 1000)


# --- history of what a registration stores ------------------------------------------------------


def test_register_writes_a_created_history_row_for_the_registration_bookings_and_consents(
    conference, workshops, run, rf
):
    first, _parallel, later = workshops
    organiser = UserFactory()
    request = rf.post("/")
    request.user = organiser
    HistoricalRecords.context.request = request  # what simple_history's middleware does
    try:
        registration = run(
            services.register_participant,
            conference=conference,
            participant=ParticipantDataFactory(),
            session_ids=[first.pk, later.pk],
            consents=["privacy", "photos"],
            language="de",
            by_organiser=True,
        )
    finally:
        del HistoricalRecords.context.request

    rows = [
        *Registration.history.filter(id=registration.pk),
        *SessionBooking.history.filter(registration_id=registration.pk).order_by("session_id"),
        *Consent.history.filter(registration_id=registration.pk).order_by("purpose"),
    ]
    assert [(type(row.instance).__name__, row.history_type) for row in rows] == [
        ("Registration", "+"),
        ("SessionBooking", "+"),
        ("SessionBooking", "+"),
        ("Consent", "+"),
        ("Consent", "+"),
    ]
    assert {row.history_user for row in rows} == {organiser}
    assert {row.history_date for row in rows} == {registration.created_at}


# --- register_participant(address_confirmed=True) -------------------------------------------------


def test_register_with_a_checked_address_confirms_in_the_same_step_with_one_email(conference, run):
    registration = run(
        services.register_participant,
        conference=conference,
        participant=ParticipantDataFactory(),
        session_ids=[],
        consents=["privacy"],
        language="de",
        by_organiser=True,
        address_confirmed=True,
    )

    stored = Registration.objects.get(pk=registration.pk)
    assert stored.status == Status.CONFIRMED
    assert stored.email_confirmed_at == stored.confirmed_at == stored.created_at
    assert list(SentEmail.objects.values_list("kind", flat=True)) == [SentEmail.Kind.CONFIRMED]
    assert counters(conference) == (1, 0)


def test_register_with_a_checked_address_for_a_full_conference_waits_with_a_confirmed_address(
    conference, register, run
):
    fill(conference, register, 3)
    SentEmail.objects.all().delete()

    registration = run(
        services.register_participant,
        conference=conference,
        participant=ParticipantDataFactory(),
        session_ids=[],
        consents=["privacy"],
        language="de",
        conference_known_full=True,
        by_organiser=True,
        address_confirmed=True,
    )

    stored = Registration.objects.get(pk=registration.pk)
    assert (stored.status, stored.email_confirmed_at is not None) == (Status.WAITLISTED, True)
    assert list(SentEmail.objects.values_list("kind", flat=True)) == [SentEmail.Kind.WAITLISTED]


def test_register_with_a_checked_address_is_for_organisers_only(conference):
    with pytest.raises(TypeError):
        services.register_participant(
            conference=conference,
            participant=ParticipantDataFactory(),
            session_ids=[],
            consents=["privacy"],
            language="de",
            address_confirmed=True,
        )

    assert Registration.objects.count() == 0


# --- check-in ------------------------------------------------------------------------------------


def test_check_in_records_the_first_arrival_and_undo_takes_it_back(conference, register):
    registration = register(conference)
    arrived = timezone.now()

    services.check_in(registration=registration, now=arrived)
    services.check_in(registration=registration, now=arrived + timedelta(minutes=5))
    first = Registration.objects.get(pk=registration.pk).checked_in_at
    services.undo_check_in(registration=registration)

    assert first == arrived
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


def test_check_in_without_a_seat_is_refused(conference, register, run):
    registration = register(conference)
    run(services.cancel_registration, registration=registration)

    with pytest.raises(RegistrationError) as refused:
        services.check_in(registration=registration)

    assert refused.value.code == "no_seat"
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None
