"""A participant's whole way in a real browser: register, read the e-mail, confirm, change a
forum, cancel; the next person on the waiting list gets the seat and an e-mail saying so.
axe (WCAG 2.1 A/AA) runs on every page visited."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from registrations.models import Registration
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.browser

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LINK = re.compile(r"https?://[^\s\"'<>]+/anmeldung/[0-9a-f-]{36}/[^\s\"'<>]+")


@pytest.fixture
def flow_settings(settings, live_server):
    """E-mails are sent as they are queued (into mail.outbox of this process, which the live
    server shares), carry links to the live server, and a test may fill forms fast."""
    settings.TASKS = IMMEDIATE_TASKS
    settings.SITE_URL = live_server.url
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def conference(transactional_db):
    conference = ConferenceFactory(title="Regionalkonferenz Kassel", slug="kassel", capacity=1)
    start = conference.starts_at + timedelta(hours=2)
    WorkshopFactory(conference=conference, title="Forum Sprache", starts_at=start, capacity=10)
    WorkshopFactory(conference=conference, title="Forum Arbeit", starts_at=start, capacity=10)
    return conference


def _mail_to(address, subject_start):
    found = [m for m in mail.outbox if m.to == [address] and m.subject.startswith(subject_start)]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def _path_of_link(message, kind):
    """The path of the confirm or manage link in an e-mail's plain text."""
    links = [
        link
        for link in LINK.findall(message.body)
        if ("/bestaetigen/" in link) == (kind == "confirm")
    ]
    assert links, message.body
    return urlsplit(links[0]).path


def _register(page, axe_check, conference, *, first_name, last_name, email, forum):
    page.goto(reverse("registrations:register", kwargs={"slug": conference.slug}))
    axe_check(page)
    page.get_by_label("Anrede").select_option(label="divers")
    page.get_by_label("Vorname").fill(first_name)
    page.get_by_label("Nachname").fill(last_name)
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Organisation", exact=True).fill("Landkreis Kassel")
    page.get_by_role("radio", name=re.compile(forum)).check()
    page.get_by_label("Datenschutzhinweise").check()
    page.get_by_role("button", name="Verbindlich anmelden").click()
    page.wait_for_url(re.compile("/anmeldung/eingegangen/"))
    axe_check(page)


def test_register_confirm_change_cancel_and_the_next_person_gets_the_seat(
    page, axe_check, conference, flow_settings, mailoutbox
):
    # The first person registers and holds the only seat.
    _register(
        page,
        axe_check,
        conference,
        first_name="Mariam",
        last_name="Kühne-Hörmann",
        email="mariam@example.org",
        forum="Forum Sprache",
    )
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Fast geschafft: Bitte bestätigen Sie Ihre E-Mail-Adresse"
    )
    assert "Wir haben eine E-Mail an mariam@example.org gesendet." in page.inner_text("main")
    assert "Ihr Platz bei der Konferenz ist für Sie reserviert." in page.inner_text("main")

    # She reads the e-mail and confirms her address.
    confirm_mail = _mail_to("mariam@example.org", "Bitte bestätigen Sie Ihre E-Mail-Adresse")
    page.goto(_path_of_link(confirm_mail, "confirm"))
    axe_check(page)
    assert Registration.objects.get(email="mariam@example.org").email_confirmed_at is None
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    axe_check(page)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Vielen Dank: Ihre E-Mail-Adresse ist bestätigt"
    )
    confirmed_mail = _mail_to("mariam@example.org", "Anmeldebestätigung")
    manage_path = _path_of_link(confirmed_mail, "manage")

    # The next person finds the conference full and goes onto the waiting list.
    _register(
        page,
        axe_check,
        conference,
        first_name="Nima",
        last_name="Zaeri-Esfahani",
        email="nima@example.org",
        forum="Forum Arbeit",
    )
    assert "Sie stehen auf der Warteliste." in page.inner_text("main")
    page.goto(_path_of_link(_mail_to("nima@example.org", "Bitte bestätigen"), "confirm"))
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    axe_check(page)

    # The first person changes her forum through the link in her e-mail.
    page.goto(manage_path)
    axe_check(page)
    assert "Mariam Kühne-Hörmann" in page.inner_text("main")
    page.get_by_role("link", name="Programmauswahl ändern").click()
    axe_check(page)
    page.get_by_role("radio", name=re.compile("Forum Arbeit")).check()
    page.get_by_role("button", name="Auswahl speichern").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    assert "Ihre Programmauswahl ist gespeichert." in page.inner_text("main")
    assert page.get_by_role("table").get_by_role("rowheader").all_inner_texts() == ["Forum Arbeit"]

    # She agrees to the photos after all, on the page for her consents.
    page.get_by_role("link", name="Einwilligungen widerrufen oder erteilen").click()
    axe_check(page)
    page.get_by_role("checkbox", name=re.compile("Foto- und Filmaufnahmen")).check()
    page.get_by_role("button", name="Einwilligungen speichern").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    assert "Foto- und Filmaufnahmen: erteilt am" in page.inner_text("main")

    # She cancels, after a confirmation step.
    page.get_by_role("link", name="Anmeldung stornieren").click()
    axe_check(page)
    assert Registration.objects.get(email="mariam@example.org").status == "confirmed"
    page.get_by_role("button", name="Ja, Anmeldung stornieren").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    assert "Ihre Anmeldung ist storniert." in page.inner_text("main")

    # The next person on the waiting list has her seat, and an e-mail that says so.
    nima = Registration.objects.get(email="nima@example.org")
    assert nima.status == Registration.Status.CONFIRMED
    granted = _mail_to("nima@example.org", "Ein Platz für Sie")
    page.goto(_path_of_link(granted, "manage"))
    axe_check(page)
    assert "Ihre Anmeldung ist bestätigt" in page.inner_text("main")


def test_register_errors_are_announced_and_linked(page, axe_check, conference, flow_settings):
    page.goto(reverse("registrations:register", kwargs={"slug": conference.slug}))
    page.get_by_label("E-Mail").fill("nicht-gueltig")

    page.get_by_role("button", name="Verbindlich anmelden").click()

    axe_check(page)
    summary = page.get_by_role("alert")
    assert summary.get_by_role("heading").inner_text() == "Bitte prüfen Sie Ihre Angaben"
    summary.get_by_role("link", name=re.compile("^E-Mail:")).click()
    assert page.evaluate("document.activeElement.id") == "id_email"
    email = page.get_by_label("E-Mail")
    assert email.get_attribute("aria-invalid") == "true"
    assert email.input_value() == "nicht-gueltig"
    description = page.locator("#" + email.get_attribute("aria-describedby"))
    assert description.inner_text().strip() == (
        "Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de."
    )
    assert page.title().startswith("Fehler: ")
    assert Registration.objects.count() == 0


def test_swap_into_a_full_forum_and_change_the_address_through_the_private_link(
    page, axe_check, flow_settings, mailoutbox, transactional_db
):
    from registrations import services

    conference = ConferenceFactory(title="Regionalkonferenz Fulda", slug="fulda", capacity=10)
    start = conference.starts_at + timedelta(hours=2)
    held = WorkshopFactory(conference=conference, title="Workshop 2", starts_at=start)
    full = WorkshopFactory(conference=conference, title="Workshop 3", starts_at=start, capacity=1)

    def registered(email, session):
        return services.register_participant(
            conference=conference,
            participant={"first_name": "Ina", "last_name": "Jerenashvili", "email": email},
            session_ids=[session.pk],
            consents=["privacy"],
            language="de",
        )

    registered("voll@example.org", full)
    registration = registered("ina@example.org", held)
    manage_path = reverse(
        "registrations:manage",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )

    # She changes to the full workshop: she keeps her seat and waits to swap.
    page.goto(manage_path)
    page.get_by_role("link", name="Programmauswahl ändern").click()
    page.get_by_role("radio", name=re.compile("Workshop 3.*ausgebucht")).check()
    page.get_by_role("button", name="Auswahl speichern").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    main = " ".join(page.inner_text("main").split())
    assert "Sie behalten Ihren Platz in „Workshop 2“, bis ein Platz in „Workshop 3“ frei wird." in (
        main
    )

    # She leaves the swap queue; the seat stays.
    page.get_by_role("button", name="Nicht mehr auf „Workshop 3“ warten").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    assert "Ihr Platz bleibt." in page.inner_text("main")
    assert page.get_by_role("table").get_by_role("rowheader").all_inner_texts() == ["Workshop 2"]

    # She changes her address: it waits until she follows the link sent to it.
    page.get_by_role("link", name="Angaben ändern").click()
    page.get_by_label("E-Mail").fill("ina.neu@example.org")
    page.get_by_role("button", name="Änderungen speichern").click()
    page.wait_for_url(re.compile(re.escape(manage_path) + "$"))
    axe_check(page)
    assert "Neue Adresse ina.neu@example.org" in page.inner_text("main")
    message = _mail_to("ina.neu@example.org", "Bitte bestätigen Sie Ihre neue E-Mail-Adresse")
    link = re.search(r"https?://\S+/adresse-bestaetigen/", message.body).group(0)
    page.goto(urlsplit(link).path)
    axe_check(page)
    page.get_by_role("button", name="Neue E-Mail-Adresse bestätigen").click()
    axe_check(page)
    assert "gehen ab jetzt an ina.neu@example.org" in page.inner_text("main")
    assert Registration.objects.get(pk=registration.pk).email == "ina.neu@example.org"
    _mail_to("ina@example.org", "Die E-Mail-Adresse Ihrer Anmeldung wurde geändert")
