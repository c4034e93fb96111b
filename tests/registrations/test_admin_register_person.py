""" "Person anmelden": the organiser is addressed as the organiser, a seat that was full when
the page loaded is not "taken meanwhile", and a person without an e-mail address can be
registered (reached as the organiser notes; no e-mail ever queued)."""

import pytest
from django.urls import reverse

from registrations import services
from registrations.models import Registration, SentEmail
from tests.admin_helpers import admin_url
from tests.factories import WorkshopFactory
from tests.registrations.conftest import seat_problems
from tests.registrations.test_admin import register_data, register_url

pytestmark = pytest.mark.django_db


def shown_full(client, conference):
    return client.get(register_url(conference)).context["form"]["shown_full"].value()


def test_missing_and_invalid_data_are_explained_to_the_organiser_not_to_the_participant(
    admin_client, conference
):
    response = admin_client.post(
        register_url(conference), register_data(first_name="", last_name="", email="aylin@")
    )

    errors = response.context["form"].errors
    assert errors["first_name"] == ["Bitte geben Sie den Vornamen der Person an."]
    assert errors["last_name"] == ["Bitte geben Sie den Nachnamen der Person an."]
    assert errors["email"] == [
        "Bitte geben Sie eine gültige E-Mail-Adresse der Person an, zum Beispiel "
        "name@beispiel.de, oder lassen Sie das Feld leer."
    ]
    assert [e for field in errors.values() for e in field if "Ihre" in e or "Ihren" in e] == []
    assert Registration.objects.count() == 0


def test_a_workshop_full_when_the_page_loaded_is_called_full_not_taken_meanwhile(
    admin_client, conference, workshops, register
):
    workshop = workshops[0]
    register(conference, session_ids=[workshop])
    register(conference, session_ids=[workshop])
    data = register_data(
        sessions=[str(workshop.pk)], shown_full=shown_full(admin_client, conference)
    )

    response = admin_client.post(register_url(conference), data)

    assert response.context["form"].errors == {
        "sessions": [
            "Dieser Programmpunkt ist ausgebucht. Wählen Sie einen anderen oder setzen Sie den "
            "Haken bei „Warteliste“, um die Person auf die Warteliste zu setzen."
        ]
    }
    assert Registration.objects.count() == 2


def test_a_workshop_filled_after_the_page_loaded_is_reported_as_taken_meanwhile(
    admin_client, conference, workshops, register
):
    workshop = workshops[0]
    loaded = shown_full(admin_client, conference)
    register(conference, session_ids=[workshop])
    register(conference, session_ids=[workshop])
    data = register_data(sessions=[str(workshop.pk)], shown_full=loaded)

    response = admin_client.post(register_url(conference), data)

    assert response.context["form"].errors == {
        "sessions": [
            "Während Sie das Formular ausgefüllt haben, sind in diesem Programmpunkt alle Plätze "
            "vergeben worden. Wählen Sie einen anderen oder setzen Sie den Haken bei „Warteliste“."
        ]
    }
    # The page now shows the workshop as full: sent again unticked, it is "full", not news.
    assert response.context["form"]["shown_full"].value() == str(workshop.pk)


def test_a_conference_filled_after_the_page_loaded_is_reported_as_taken_meanwhile(
    admin_client, conference, register
):
    loaded = shown_full(admin_client, conference)
    for _ in range(conference.capacity):
        register(conference)

    response = admin_client.post(register_url(conference), register_data(shown_full=loaded))

    assert response.context["form"].non_field_errors() == [
        "Während Sie das Formular ausgefüllt haben, sind alle Plätze der Konferenz vergeben "
        "worden. Setzen Sie den Haken bei „Warteliste“, um die Person auf die Warteliste zu "
        "setzen."
    ]


def test_a_person_without_an_email_address_is_registered_with_how_to_reach_them(
    admin_client, conference, workshops
):
    workshop = workshops[0]
    data = register_data(
        email="", contact_note="Telefon 0561 4711, vormittags", sessions=[str(workshop.pk)]
    )

    response = admin_client.post(register_url(conference), data)

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert (registration.email, registration.contact_note, registration.status) == (
        "",
        "Telefon 0561 4711, vormittags",
        Registration.Status.CONFIRMED,
    )
    assert registration.bookings.get().session == workshop
    assert SentEmail.objects.count() == 0
    assert seat_problems(conference) == []


def test_two_people_without_an_email_address_do_not_collide(admin_client, conference):
    first = admin_client.post(
        register_url(conference), register_data(email="", contact_note="Telefon 1")
    )
    second = admin_client.post(
        register_url(conference),
        register_data(first_name="Jonas", email="", contact_note="Telefon 2"),
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert Registration.objects.filter(email="").count() == 2


def test_a_person_without_an_email_address_needs_a_way_to_reach_them(admin_client, conference):
    response = admin_client.post(register_url(conference), register_data(email=""))

    assert response.context["form"].errors == {
        "contact_note": [
            "Die Person hat keine E-Mail-Adresse: bitte geben Sie an, wie sie erreichbar ist."
        ]
    }
    assert Registration.objects.count() == 0


def test_nothing_is_ever_mailed_to_a_person_without_an_address(
    admin_client, conference, run, register
):
    admin_client.post(register_url(conference), register_data(email="", contact_note="Telefon"))
    without = Registration.objects.get()
    with_address = register(conference)
    run(services.confirm_email, registration=with_address)

    run(services.send_manage_link, registration=without)
    run(services.resend_manage_link, conference=conference, email="")
    emails = run(services.send_message, conference=conference, subject="Hinweis", body="Text")

    assert [email.registration for email in emails] == [with_address]
    assert SentEmail.objects.filter(registration=without).count() == 0


def test_exports_list_a_person_without_an_address(admin_client, conference):
    admin_client.post(
        register_url(conference),
        register_data(last_name="Ohne-Adresse", email="", contact_note="Telefon"),
    )

    response = admin_client.get(
        reverse("exports:export", args=(conference.pk, "attendees")) + "?format=csv"
    )

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert "Ohne-Adresse" in content


def test_the_change_form_shows_how_to_reach_the_person(admin_client, conference):
    admin_client.post(register_url(conference), register_data(email="", contact_note="Telefon 7"))

    response = admin_client.get(admin_url(Registration, "change", Registration.objects.get().pk))

    assert response.context["adminform"].form["contact_note"].value() == "Telefon 7"


def test_a_second_workshop_full_check_uses_its_own_workshop(admin_client, conference, register):
    # Guards the comparison: a refusal for a workshop the page did not show as full is news.
    full = WorkshopFactory(conference=conference, title="Voll", capacity=1)
    other = WorkshopFactory(conference=conference, title="Frei", capacity=1)
    register(conference, session_ids=[full])
    loaded = shown_full(admin_client, conference)
    register(conference, session_ids=[other])

    response = admin_client.post(
        register_url(conference), register_data(sessions=[str(other.pk)], shown_full=loaded)
    )

    assert loaded == str(full.pk)
    assert response.context["form"].errors["sessions"][0].startswith("Während Sie")
