"""The demo data of `manage.py seed`, loaded once for this module: what it holds, and what a
second run over it does (nothing), also after an organiser's edits.

Loading takes seconds (the demo registrations go through the services), so `seeded` loads it
once, inside a transaction that is rolled back when the module ends: every test runs in a
savepoint of it (its changes are rolled back as usual) and no other test module ever sees these
rows. No test here may be transactional (`transaction=True`): its flush would empty the tables
under the other tests.
"""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from conferences.legal import LegalPage, PrivacyNotice, privacy_notice_state
from conferences.models import (
    Conference,
    ConferenceSeries,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
)
from exhibitors.models import Exhibitor
from registrations import services
from registrations.models import Consent, Registration, SentEmail, SessionBooking
from seeds import loader
from tests.seeds.helpers import CONFERENCE, SESSION, local, seed, snapshot

pytestmark = pytest.mark.django_db

KASSEL_2018 = "wir-regionalkonferenz-2018-kassel"
WIESBADEN_2018 = "wir-regionalkonferenz-2018-wiesbaden"
BUKO_2018 = "bundeskonferenz-integrationsbeauftragte-2018-kassel"


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed()
        outbox = len(mail.outbox)
        yield output, outbox
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once):
    """The output of the one `manage.py seed` (with the demo registrations) of this module."""
    output, _outbox = _seeded_once
    return output


def people(session, role):
    return [r.speaker.slug for r in session.roles.filter(role=role).select_related("speaker")]


def test_seed_prints_what_it_created(seeded):
    assert seeded == (
        f"Demodaten angelegt: {ConferenceSeries.objects.count()} Konferenzreihen, "
        f"{Conference.objects.count()} Konferenzen, "
        f"{Session.objects.count()} Programmpunkte, "
        f"{Speaker.objects.count()} Personen im Programm, "
        f"{SessionSpeaker.objects.count()} Mitwirkungen, "
        f"{Exhibitor.objects.count()} ausstellende Organisationen, "
        f"{Registration.objects.count()} Demo-Anmeldungen, "
        f"{LegalPage.objects.count()} Mustertexte (Rechtstexte)."
    )
    assert Conference.objects.count() == 5


def test_seed_loads_the_2018_regional_conferences_in_kassel_and_wiesbaden(seeded):
    series = ConferenceSeries.objects.get(slug="wir-regionalkonferenzen-2018")

    conferences = list(series.conferences.order_by("starts_at"))

    assert [
        (c.slug, c.city, c.venue_name, local(c.starts_at).date().isoformat(), c.status)
        for c in conferences
    ] == [
        (KASSEL_2018, "Kassel", "Kongress Palais Kassel", "2018-06-04", "archived"),
        (WIESBADEN_2018, "Wiesbaden", "RheinMain CongressCenter", "2018-06-05", "archived"),
    ]
    assert {c.motto for c in conferences} == {"Integration gestalten – Strukturen erarbeiten"}
    assert sum(c.capacity for c in conferences) > 300


def test_seed_cornelia_spohn_moderates_the_panel_in_both_2018_regional_conferences(seeded):
    moderations = SessionSpeaker.objects.filter(
        speaker__slug="cornelia-spohn", role=SessionSpeaker.Role.MODERATOR
    )

    assert sorted(moderations.values_list("session__conference__slug", "session__kind")) == [
        (KASSEL_2018, "panel"),
        (WIESBADEN_2018, "panel"),
    ]
    assert Speaker.objects.filter(last_name="Spohn").count() == 1


def test_seed_2018_panels_bring_districts_cities_and_the_ministry_together(seeded):
    panels = Session.objects.filter(
        conference__slug__in=[KASSEL_2018, WIESBADEN_2018], kind=Session.Kind.PANEL
    )

    organisations = [
        sorted(
            r.speaker.organisation
            for r in panel.roles.filter(role="panellist").select_related("speaker")
        )
        for panel in panels.order_by("starts_at")
    ]

    assert organisations == [
        [
            "Abteilung Integration des Landesministeriums",
            "Landkreis Kassel",
            "Stadt Kassel",
            "Werra-Meißner-Kreis",
        ],
        [
            "Abteilung Integration des Landesministeriums",
            "Landeshauptstadt Wiesbaden",
            "Main-Kinzig-Kreis",
            "Stadt Offenbach am Main",
        ],
    ]


def test_seed_anne_janz_opens_both_2018_regional_conferences(seeded):
    for slug in (KASSEL_2018, WIESBADEN_2018):
        programme = Session.objects.filter(conference__slug=slug).exclude(kind="break")

        opening = programme.order_by("starts_at").first()

        assert (opening.kind, people(opening, "speaker")) == ("welcome", ["anne-janz"])


def test_seed_the_four_experts_speak_at_both_2018_regional_conferences(seeded):
    experts = ["claudia-walther", "frank-kalter", "hannes-schammann", "mehrnousch-zaeri-esfahani"]

    for slug in (KASSEL_2018, WIESBADEN_2018):
        speaking = SessionSpeaker.objects.filter(
            session__conference__slug=slug, role="speaker", session__kind__in=["keynote", "talk"]
        )

        assert sorted(speaking.values_list("speaker__slug", flat=True)) == experts
    assert Speaker.objects.get(slug="frank-kalter").full_name == "Prof. Dr. Frank Kalter"


def test_seed_shares_one_speaker_per_person_across_conferences(seeded):
    aksoy = Speaker.objects.get(slug="demo-murat-aksoy")

    conferences = set(aksoy.sessions.values_list("conference__slug", flat=True))

    assert Speaker.objects.filter(last_name="Aksoy").count() == 1
    assert len(conferences) == 3
    assert KASSEL_2018 in conferences
    assert BUKO_2018 in conferences


def test_seed_2018_markets_present_exhibitors_of_the_kinds_the_source_names(seeded):
    for slug in (KASSEL_2018, WIESBADEN_2018):
        conference = Conference.objects.get(slug=slug)

        exhibitors = list(conference.exhibitors.order_by("stand"))

        assert conference.sessions.filter(kind="market").count() == 1
        assert [e.stand for e in exhibitors] == ["M01", "M02", "M03", "M04"]
        assert {e.status for e in exhibitors} == {"accepted"}
        assert any("sprachmittlung" in e.project.lower() for e in exhibitors)
        assert any("zugewanderte" in e.project.lower() for e in exhibitors)


def test_seed_bundeskonferenz_has_twelve_bookable_forums_over_two_days(seeded):
    forums = Session.objects.filter(conference__slug=BUKO_2018, kind=Session.Kind.FORUM)

    days = sorted(local(forum.starts_at).date().isoformat() for forum in forums)

    assert days == ["2018-08-27"] * 6 + ["2018-08-28"] * 6
    assert forums.filter(is_bookable=True, capacity__gt=0).count() == 12
    assert set(forums.values_list("topic__slug", flat=True)) == set(
        Topic.objects.values_list("slug", flat=True)
    )


def test_seed_bundeskonferenz_programme_follows_the_newsletter(seeded):
    conference = Conference.objects.get(slug=BUKO_2018)
    sessions = conference.sessions.all()
    opening = sessions.get(kind="welcome")
    speech = sessions.get(kind="keynote")
    fishbowl = sessions.get(kind="fishbowl")
    reception = sessions.get(kind="reception")
    closing_panel = sessions.get(kind="panel")

    assert conference.motto == (
        "Integration vor Ort gestalten – Gesellschaftlichen Zusammenhalt stärken"
    )
    assert (local(conference.starts_at).date(), local(conference.ends_at).date()) == (
        datetime(2018, 8, 27).date(),
        datetime(2018, 8, 28).date(),
    )
    assert conference.capacity > 250
    assert people(opening, "host") == ["stefan-gruettner"]
    assert people(speech, "speaker") == ["annette-widmann-mauz"]
    assert sorted(people(fishbowl, "panellist")) == ["eva-kuehne-hoermann", "kai-klose"]
    assert [people(s, "moderator") for s in (opening, speech, fishbowl, closing_panel)] == [
        ["till-nassif"]
    ] * 4
    assert "Bürgersaal, Rathaus Kassel" in reception.room
    assert (local(reception.starts_at).day, local(reception.starts_at).hour) == (27, 19)
    assert closing_panel.title == "Podiumsdiskussion: Gesellschaftlichen Zusammenhalt stärken"
    assert local(closing_panel.starts_at).day == 28


def test_seed_upcoming_conferences_are_published_and_open_for_registration_today(seeded):
    now = timezone.now()
    next_year = local(now).year + 1

    upcoming = Conference.objects.published().upcoming().order_by("starts_at")

    assert [c.slug for c in upcoming] == [
        f"wir-regionalkonferenz-{next_year}-kassel",
        f"wir-regionalkonferenz-{next_year}-wiesbaden",
    ]
    for conference in upcoming:
        assert local(conference.starts_at).year == next_year
        assert conference.registration_opens_at <= now < conference.registration_closes_at
        assert conference.registration_closes_at < conference.starts_at
        assert conference.series.slug == f"wir-regionalkonferenzen-{next_year}"


def test_seed_upcoming_conferences_offer_two_rounds_of_parallel_workshops(seeded):
    for conference in Conference.objects.published().upcoming():
        workshops = conference.sessions.bookable().order_by("starts_at", "room")

        rounds = sorted({(w.starts_at, w.ends_at) for w in workshops})

        assert workshops.count() == 6
        assert len(rounds) == 2
        assert all(w.kind == "workshop" and 0 < w.capacity <= 30 for w in workshops)


def test_seed_upcoming_markets_have_accepted_exhibitors_with_stands_and_applications(seeded):
    for conference in Conference.objects.published().upcoming():
        exhibitors = conference.exhibitors.all()

        accepted = exhibitors.filter(status="accepted")
        applied = exhibitors.filter(status="applied")

        assert accepted.count() >= 3
        assert not accepted.filter(stand="").exists()
        assert applied.count() >= 1
        assert set(applied.values_list("stand", flat=True)) == {""}


def test_seed_sessions_lie_inside_their_conference_and_end_after_they_start(seeded):
    sessions = Session.objects.all()

    assert sessions.filter(starts_at__lt=F("conference__starts_at")).count() == 0
    assert sessions.filter(ends_at__gt=F("conference__ends_at")).count() == 0
    assert sessions.filter(ends_at__lte=F("starts_at")).count() == 0
    assert all(8 <= local(s.starts_at).hour <= 19 for s in sessions)


def test_seed_marks_invented_details_as_demo_data(seeded):
    conferences = Conference.objects.all()
    invented_people = Speaker.objects.filter(slug__startswith="demo-")

    assert all("Demodaten" in c.description for c in conferences)
    assert all(c.contact_email.endswith("@example.org") for c in conferences)
    assert invented_people.count() > 0
    assert all("Fiktive Person (Demodaten)" in p.biography for p in invented_people)
    assert all("Demodaten" in e.description for e in Exhibitor.objects.all())
    assert all(e.email.endswith("@example.org") for e in Exhibitor.objects.all())


def test_seed_second_run_changes_nothing(seeded):
    before = snapshot()

    output = seed()

    assert output == "Demodaten: nichts zu tun, alles ist bereits angelegt."
    assert snapshot() == before


def test_seed_keeps_an_organisers_edits(seeded):
    conference = Conference.objects.get(slug=KASSEL_2018)
    conference.title = "Regionalkonferenz Nordhessen 2018"
    conference.capacity = 400
    conference.save()
    panel = conference.sessions.get(kind="panel")
    panel.title = "Podium: Land und Kommunen"
    panel.save()
    conference.sessions.filter(kind="market").delete()
    Speaker.objects.filter(slug="cornelia-spohn").update(biography="Freie Moderatorin.")
    before = snapshot()

    output = seed()

    assert output == "Demodaten: nichts zu tun, alles ist bereits angelegt."
    assert snapshot() == before
    conference.refresh_from_db()
    assert (conference.title, conference.capacity) == ("Regionalkonferenz Nordhessen 2018", 400)
    assert list(conference.sessions.filter(kind="panel").values_list("title", flat=True)) == [
        "Podium: Land und Kommunen"
    ]
    assert not conference.sessions.filter(kind="market").exists()
    assert Speaker.objects.get(slug="cornelia-spohn").biography == "Freie Moderatorin."


def test_seed_in_a_later_year_adds_that_years_upcoming_conferences(seeded):
    later = timezone.now() + timedelta(days=366)
    year_after = local(later).year + 1
    before = set(Conference.objects.values_list("slug", flat=True))

    created = loader.seed(now=later)

    assert set(Conference.objects.values_list("slug", flat=True)) - before == {
        f"wir-regionalkonferenz-{year_after}-kassel",
        f"wir-regionalkonferenz-{year_after}-wiesbaden",
    }
    assert (created[ConferenceSeries], created[Conference], created[Speaker]) == (1, 2, 0)


def test_seed_broken_entry_after_a_first_run_changes_nothing(seeded, data_copy):
    (data_copy / "zz-kaputt.toml").write_text(
        CONFERENCE + SESSION + 'start = "18:00"\nend = "19:00"\n', encoding="utf-8"
    )
    before = snapshot()

    with pytest.raises(CommandError, match="„Kaputter Programmpunkt“: starts_at: "):
        seed(data_dir=data_copy)

    assert snapshot() == before


def test_seed_registers_demo_participants_for_past_conferences_through_the_services(
    _seeded_once,
):
    _output, outbox = _seeded_once
    past = Conference.objects.filter(ends_at__lt=timezone.now())

    confirmed = {
        c.slug: c.registrations.filter(status=Registration.Status.CONFIRMED).count() for c in past
    }

    assert 300 <= Registration.objects.count() <= 1000
    assert confirmed == {c.slug: c.capacity for c in past}
    assert all(c.status == Conference.Status.ARCHIVED for c in past)
    for conference in Conference.objects.all():
        assert services.stored_seat_counts(conference=conference) == services.recount_seats(
            conference=conference
        )
    assert Registration.objects.exclude(consents__purpose=Consent.Purpose.PRIVACY).count() == 0
    assert (SentEmail.objects.count(), outbox) == (0, 0)


def upcoming_kassel():
    return Conference.objects.get(
        slug=f"wir-regionalkonferenz-{local(timezone.now()).year + 1}-kassel"
    )


def test_seed_registers_the_first_upcoming_conference_since_it_opened(seeded):
    kassel = upcoming_kassel()
    now = timezone.now()
    wiesbaden = Conference.objects.published().upcoming().exclude(pk=kassel.pk).get()

    registrations = kassel.registrations.all()
    by_status = {
        status: registrations.filter(status=status).count() for status in Registration.Status
    }

    assert registrations.count() == 96
    assert by_status[Registration.Status.CANCELLED] == 5
    assert by_status[Registration.Status.PENDING] >= 1  # the newest have not confirmed yet
    assert by_status[Registration.Status.CONFIRMED] >= 80
    assert kassel.registration_opens_at < now - timedelta(days=20)
    assert all(kassel.registration_opens_at <= r.created_at < now for r in registrations)
    assert wiesbaden.registrations.count() == 0
    assert services.stored_seat_counts(conference=kassel) == services.recount_seats(
        conference=kassel
    )


def test_seed_upcoming_conference_has_full_workshops_with_waiting_lists_and_free_ones(seeded):
    workshops = upcoming_kassel().sessions.bookable()

    full = [w for w in workshops if w.seats_taken == w.capacity]
    waiting = [w for w in full if w.bookings.filter(status="waitlisted").exists()]
    free = [w for w in workshops if w.seats_taken < w.capacity]

    assert len(waiting) >= 2
    assert len(free) >= 1
    assert all(w.bookings.filter(status="booked").count() == w.seats_taken for w in workshops)


def test_seed_upcoming_cancellations_gave_their_seats_to_the_people_waiting(seeded):
    kassel = upcoming_kassel()

    cancelled = kassel.registrations.filter(status=Registration.Status.CANCELLED)
    once_waiting = SessionBooking.history.filter(status="waitlisted").values("id")
    promoted = SessionBooking.objects.filter(
        session__conference=kassel, status="booked", pk__in=once_waiting
    )

    assert cancelled.count() == 5
    assert not SessionBooking.objects.filter(registration__in=cancelled, status="booked").exists()
    assert promoted.exists()


def test_seed_upcoming_participants_come_from_hessian_councils_and_organisations(seeded):
    registrations = upcoming_kassel().registrations.all()

    names = [f"{r.first_name} {r.last_name}" for r in registrations]
    types = set(registrations.values_list("organisation_type", flat=True))

    assert any(not name.isascii() for name in names)
    assert any(any("\u0600" <= char <= "\u06ff" for char in name) for name in names)
    assert {"municipality", "district", "migrant_organisation"} <= types
    assert all(r.email.endswith("@example.org") for r in registrations)


def test_seed_samples_legal_texts_clearly_marked_as_such(seeded):
    pages = LegalPage.objects.order_by("kind")

    assert [p.kind for p in pages] == ["accessibility", "imprint", "privacy"]
    assert all("Mustertext" in p.title for p in pages)
    assert all(p.body.startswith("Mustertext – vor dem Einsatz durch") for p in pages)
    assert privacy_notice_state() == PrivacyNotice.SAMPLE


def test_seed_brings_no_sample_back_once_the_organisers_wrote_their_own(seeded):
    LegalPage.objects.filter(kind=LegalPage.Kind.PRIVACY).delete()
    LegalPage.objects.create(
        kind=LegalPage.Kind.PRIVACY, title="Datenschutzerklärung", version="2027-01", body="…"
    )
    before = snapshot()

    output = seed()

    assert output == "Demodaten: nichts zu tun, alles ist bereits angelegt."
    assert snapshot() == before
    assert privacy_notice_state() == PrivacyNotice.PUBLISHED
