from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from checkin import public
from checkin.models import Certificate
from checkin.notices import send_certificate_notices
from registrations import services
from registrations.models import SentEmail
from tests.factories import ConferenceFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def ended(**fields):
    starts = timezone.now() - timedelta(days=2)
    return ConferenceFactory(
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        registration_opens_at=starts - timedelta(days=30),
        registration_closes_at=starts - timedelta(days=1),
        **fields,
    )


def download_url(registration):
    return reverse(
        "checkin:certificate",
        kwargs={"public_id": registration.public_id, "token": registration.token},
    )


def test_participant_downloads_own_certificate_after_the_conference(client):
    registration = RegistrationFactory(conference=ended(), last_name="Kühne-Hörmann")
    services.check_in(registration=registration)

    response = client.get(download_url(registration))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_participant_who_did_not_come_gets_no_certificate(client):
    registration = RegistrationFactory(conference=ended())

    response = client.get(download_url(registration))

    assert response.status_code == 404
    assert "eingecheckt" in response.content.decode()
    assert Certificate.objects.count() == 0


def test_no_certificate_before_the_conference_has_ended(client):
    registration = RegistrationFactory()
    services.check_in(registration=registration)

    response = client.get(download_url(registration))

    assert response.status_code == 404
    assert "nach dem Ende der Konferenz" in response.content.decode()


def test_wrong_token_is_not_found(client):
    registration = RegistrationFactory(conference=ended())
    services.check_in(registration=registration)

    response = client.get(
        reverse(
            "checkin:certificate",
            kwargs={"public_id": registration.public_id, "token": "falsch"},
        )
    )

    assert response.status_code == 404
    assert Certificate.objects.count() == 0


def test_manage_page_links_the_certificate_only_for_checked_in_people(client):
    came = RegistrationFactory(conference=ended())
    services.check_in(registration=came)
    absent = RegistrationFactory(conference=came.conference)

    pages = [
        client.get(
            reverse("registrations:manage", kwargs={"public_id": r.public_id, "token": r.token})
        ).content.decode()
        for r in (came, absent)
    ]

    assert download_url(came) in pages[0]
    assert "bescheinigung/" not in pages[1]


def test_verification_page_confirms_name_conference_and_date(client):
    conference = ended(title="Regionalkonferenz Nordhessen")
    registration = RegistrationFactory(conference=conference, first_name="Eva", last_name="Kühne")
    services.check_in(registration=registration)
    certificate = Certificate.objects.create(registration=registration)

    response = client.get(reverse("checkin:verify_code", kwargs={"code": certificate.code}))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Diese Bescheinigung ist echt." in text
    assert "Eva Kühne" in text
    assert "Regionalkonferenz Nordhessen" in text
    assert date_format(timezone.localdate(conference.starts_at), "DATE_FORMAT") in text


def test_verification_page_reveals_nothing_for_an_unknown_code(client):
    registration = RegistrationFactory(conference=ended(), first_name="Eva", last_name="Kühne")
    services.check_in(registration=registration)
    Certificate.objects.create(registration=registration, code="ABCDEFGHJK")

    response = client.get(reverse("checkin:verify"), {"code": "ABCDEFGHJ2"})

    text = response.content.decode()
    assert response.status_code == 404
    assert "keine Bescheinigung bekannt" in text
    assert "Kühne" not in text


def test_verification_of_a_withdrawn_check_in_reveals_nothing(client):
    registration = RegistrationFactory(conference=ended(), last_name="Zurückgenommen")
    services.check_in(registration=registration)
    certificate = Certificate.objects.create(registration=registration)
    services.undo_check_in(registration=registration)

    response = client.get(reverse("checkin:verify_code", kwargs={"code": certificate.code}))

    assert response.status_code == 404
    assert "Zurückgenommen" not in response.content.decode()


def test_verification_is_rate_limited(client, monkeypatch):
    monkeypatch.setattr(public, "VERIFY_RATE", "3/10m")

    statuses = [
        client.get(reverse("checkin:verify"), {"code": f"AAAAAAAAA{n}"}).status_code
        for n in range(2, 7)
    ]

    assert statuses == [404, 404, 404, 429, 429]


def test_certificate_notices_are_sent_once_to_those_who_came(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    conference = ended(title="Regionalkonferenz Nordhessen")
    came = RegistrationFactory(conference=conference, language="en")
    services.check_in(registration=came)
    RegistrationFactory(conference=conference)
    future = RegistrationFactory()
    services.check_in(registration=future)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_certificate_notices()
        second = send_certificate_notices()

    assert (first, second) == (1, 0)
    assert [m.to for m in mail.outbox] == [[came.email]]
    assert mail.outbox[0].subject == (
        "Your certificate of attendance: Regionalkonferenz Nordhessen"
    )
    assert "/anmeldung/" in mail.outbox[0].body
    assert SentEmail.objects.filter(registration=came).count() == 1


def test_manage_page_shows_the_check_in_code_as_a_qr_code(client):
    from checkin.codes import checkin_code_for

    registration = RegistrationFactory()
    code_url = reverse(
        "checkin:code", kwargs={"public_id": registration.public_id, "token": registration.token}
    )

    page = client.get(
        reverse(
            "registrations:manage",
            kwargs={"public_id": registration.public_id, "token": registration.token},
        )
    ).content.decode()
    svg = client.get(code_url)

    assert code_url in page
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert checkin_code_for(registration).encode() not in svg.content  # drawn, not written


def test_no_check_in_code_without_a_seat(client):
    registration = RegistrationFactory(status="waitlisted")

    response = client.get(
        reverse(
            "checkin:code",
            kwargs={"public_id": registration.public_id, "token": registration.token},
        )
    )

    assert response.status_code == 404
