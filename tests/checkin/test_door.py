import json

import pytest
from django.urls import reverse

from checkin import door
from checkin.codes import checkin_code_for
from checkin.models import DoorStaff, SessionAttendance
from registrations.models import Registration
from tests.factories import (
    ConferenceFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionBookingFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference():
    return ConferenceFactory(slug="nordhessen", title="Regionalkonferenz Nordhessen")


@pytest.fixture
def staff(conference):
    user = UserFactory(username="einlass", first_name="Ina", last_name="Einlass")
    DoorStaff.objects.create(conference=conference, user=user)
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def url(name, conference):
    return reverse(f"checkin:{name}", kwargs={"slug": conference.slug})


def test_scan_checks_in_and_records_who_and_when(staff_client, conference, staff):
    person = RegistrationFactory(
        conference=conference,
        first_name="Eva",
        last_name="Kühne-Hörmann",
        diet=Registration.Diet.VEGAN,
        accessibility_needs="Rollstuhl",
    )
    RegistrationFactory(conference=conference)

    answer = staff_client.post(url("scan", conference), {"code": checkin_code_for(person)}).json()

    person.refresh_from_db()
    assert person.checked_in_at is not None
    assert (answer["outcome"], answer["person"]["name"], answer["counts"]) == (
        "ok",
        "Eva Kühne-Hörmann",
        {"checked_in": 1, "expected": 2},
    )
    assert answer["person"]["checked_in_by"] == "Ina Einlass"
    assert answer["person"]["diet"] == "vegan"
    assert answer["person"]["accessibility"] == "Rollstuhl"
    assert person.history.first().history_user == staff


def test_a_second_scan_is_already_checked_in_and_counts_once(staff_client, conference):
    person = RegistrationFactory(conference=conference)
    code = checkin_code_for(person)
    staff_client.post(url("scan", conference), {"code": code})
    first_moment = Registration.objects.get(pk=person.pk).checked_in_at

    answer = staff_client.post(url("scan", conference), {"code": code}).json()

    assert answer["outcome"] == "already"
    assert answer["counts"] == {"checked_in": 1, "expected": 1}
    assert Registration.objects.get(pk=person.pk).checked_in_at == first_moment


@pytest.mark.parametrize(
    ("status", "warning"),
    [
        (Registration.Status.WAITLISTED, "Warteliste"),
        (Registration.Status.CANCELLED, "Storniert"),
        (Registration.Status.AWAITING_APPROVAL, "Freigabe ausstehend"),
    ],
)
def test_people_without_a_seat_are_refused_with_a_warning(
    staff_client, conference, status, warning
):
    person = RegistrationFactory(conference=conference, status=status)

    answer = staff_client.post(url("scan", conference), {"code": checkin_code_for(person)}).json()

    person.refresh_from_db()
    assert answer["outcome"] == "error"
    assert answer["message"].startswith(warning)
    assert person.checked_in_at is None


def test_unconfirmed_person_is_checked_in_with_a_warning(staff_client, conference):
    person = RegistrationFactory(conference=conference, status=Registration.Status.PENDING)

    answer = staff_client.post(url("scan", conference), {"code": checkin_code_for(person)}).json()

    assert answer["outcome"] == "warning"
    assert answer["warnings"] == [
        "E-Mail-Adresse nicht bestätigt: Platz vorhanden, bitte kurz prüfen."
    ]


def test_code_of_another_conference_is_refused(staff_client, conference):
    other = RegistrationFactory(conference=ConferenceFactory(title="Konferenz Süd"))

    answer = staff_client.post(url("scan", conference), {"code": checkin_code_for(other)}).json()

    assert answer["outcome"] == "error"
    assert answer["message"] == "Dieser Code gehört zu einer anderen Konferenz: Konferenz Süd."
    assert answer["person"] is None


def test_forged_code_is_refused(staff_client, conference):
    answer = staff_client.post(url("scan", conference), {"code": "1:forged"}).json()

    assert (answer["outcome"], answer["person"]) == ("error", None)


def test_undo_takes_back_the_check_in_and_the_history_says_who(staff_client, conference, staff):
    person = RegistrationFactory(conference=conference)
    staff_client.post(url("scan", conference), {"code": checkin_code_for(person)})

    answer = staff_client.post(url("undo", conference), {"registration": person.pk}).json()

    person.refresh_from_db()
    assert person.checked_in_at is None
    assert answer["counts"] == {"checked_in": 0, "expected": 1}
    last = person.history.first()
    assert (last.history_user, last.history_change_reason) == (staff, "undo check-in")


def test_search_folds_umlauts(staff_client, conference):
    RegistrationFactory(conference=conference, first_name="Eva", last_name="Kühne-Hörmann")
    RegistrationFactory(conference=conference, last_name="Zaeri")
    RegistrationFactory(conference=ConferenceFactory(), last_name="Kühne")

    answer = staff_client.get(url("search", conference), {"q": "kuhne"}).json()

    assert [r["name"] for r in answer["results"]] == ["Eva Kühne-Hörmann"]


def test_per_session_check_in_records_attendance(staff_client, conference):
    forum = WorkshopFactory(conference=conference, title="Forum 1")
    person = RegistrationFactory(conference=conference)
    SessionBookingFactory(registration=person, session=forum)
    stranger = RegistrationFactory(conference=conference)

    first = staff_client.post(
        url("scan", conference), {"code": checkin_code_for(person), "session": forum.pk}
    ).json()
    second = staff_client.post(
        url("scan", conference), {"code": checkin_code_for(stranger), "session": forum.pk}
    ).json()

    assert first["outcome"] == "ok"
    assert (second["outcome"], second["warnings"]) == (
        "warning",
        ["Nicht für diesen Programmpunkt gebucht."],
    )
    assert second["counts"] == {"checked_in": 2, "expected": 1}
    assert set(SessionAttendance.objects.values_list("registration", flat=True)) == {
        person.pk,
        stranger.pk,
    }


def test_walk_in_registers_and_checks_in_without_email(staff_client, conference):
    answer = staff_client.post(
        url("walk_in", conference),
        {"first_name": "Leyla", "last_name": "Zaeri", "organisation": "Stadt Kassel"},
    ).json()

    person = Registration.objects.get(last_name="Zaeri")
    assert answer["outcome"] == "ok"
    assert (person.email, person.checked_in_at is not None, person.holds_seat) == ("", True, True)


def test_walk_in_into_a_full_conference_is_refused(staff_client, conference):
    conference.capacity = 0
    conference.save()

    answer = staff_client.post(
        url("walk_in", conference), {"first_name": "Leyla", "last_name": "Zaeri"}
    ).json()

    assert answer["outcome"] == "error"
    assert not Registration.objects.filter(last_name="Zaeri").exists()


def test_staff_see_only_their_conferences(client, conference):
    other = ConferenceFactory(slug="sued")
    user = UserFactory()
    DoorStaff.objects.create(conference=other, user=user)
    client.force_login(user)

    page = client.get(url("page", conference))
    scan = client.post(url("scan", conference), {"code": "x"})
    own = client.get(url("page", other))

    assert (page.status_code, scan.status_code) == (404, 404)
    assert "Einlass" in own.content.decode()


def test_door_staff_cannot_use_the_admin(client, staff):
    client.force_login(staff)

    response = client.get(reverse("admin:registrations_registration_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_organisers_have_the_door_of_their_conference(client, conference):
    organiser = OrganiserFactory()
    conference.organisers.add(organiser)
    client.force_login(organiser)

    response = client.get(url("page", conference))

    assert 'id="scan-code"' in response.content.decode()


def test_anonymous_is_sent_to_the_login(client, conference):
    response = client.get(url("page", conference))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("checkin:login"))


def test_door_service_scan_is_idempotent(conference):
    person = RegistrationFactory(conference=conference)
    code = checkin_code_for(person)

    outcomes = [door.scan(conference=conference, code=code).outcome for _ in range(3)]

    assert outcomes == ["ok", "already", "already"]
    assert json.dumps(door.counts(conference)) == '{"checked_in": 1, "expected": 1}'


@pytest.mark.parametrize("people", [1, 15])
def test_search_and_scan_queries_do_not_grow_with_people(
    staff_client, conference, people, django_assert_max_num_queries
):
    for n in range(people):
        RegistrationFactory(conference=conference, last_name=f"Kühne{n}")
    person = RegistrationFactory(conference=conference, last_name="Zaeri")

    with django_assert_max_num_queries(6):
        found = staff_client.get(url("search", conference), {"q": "kuhne"}).json()
    with django_assert_max_num_queries(16):
        scanned = staff_client.post(
            url("scan", conference), {"code": checkin_code_for(person)}
        ).json()

    assert len(found["results"]) == people
    assert scanned["outcome"] == "ok"
