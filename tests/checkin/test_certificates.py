import re
from datetime import timedelta

import pytest
from django.utils import timezone

from checkin.certificates import bulk_certificates, certificate_pdf
from checkin.models import Certificate, SessionAttendance
from registrations import services
from registrations.models import Registration
from tests.factories import (
    ConferenceFactory,
    RegistrationFactory,
    SessionBookingFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference():
    starts = timezone.now() - timedelta(days=2)
    return ConferenceFactory(
        title="Regionalkonferenz Nordhessen",
        slug="nordhessen",
        starts_at=starts,
        ends_at=starts + timedelta(days=1),
        registration_opens_at=starts - timedelta(days=30),
        registration_closes_at=starts - timedelta(days=1),
    )


def test_only_checked_in_people_get_a_certificate(conference, pdf):
    came = RegistrationFactory(conference=conference, first_name="Eva", last_name="Kühne-Hörmann")
    services.check_in(registration=came)
    RegistrationFactory(conference=conference, first_name="Nicht", last_name="Gekommen")
    RegistrationFactory(
        conference=conference, last_name="Warteliste", status=Registration.Status.WAITLISTED
    )

    data, count = bulk_certificates(conference)

    text = pdf("pdftotext", data, "-layout")
    assert count == 1
    assert "Eva Kühne-Hörmann" in text
    assert "Gekommen" not in text
    assert "Nicht enthalten: 1 Person mit Platz, aber nicht eingecheckt; 1 Person ohne Platz" in (
        " ".join(text.split())
    )


def test_a_person_who_did_not_come_gets_no_certificate(conference):
    registration = RegistrationFactory(conference=conference)

    assert certificate_pdf(registration) is None
    assert Certificate.objects.count() == 0


def test_certificate_is_tagged_pdf_ua_with_title_language_and_arabic_name(conference, pdf):
    registration = RegistrationFactory(
        conference=conference, first_name="مريم", last_name="الحسيني", language="en"
    )
    services.check_in(registration=registration)

    data = certificate_pdf(registration)

    info = pdf("pdfinfo", data)
    assert "Tagged:          yes" in info
    assert "Title:           Certificate of attendance – مريم الحسيني – Regionalkonferenz" in info
    text = pdf("pdftotext", data, "-raw")
    # Shaped Arabic, each word extracted as a right-to-left run, the words in visual order.
    assert "\u202bالحسيني\u202c \u202bمريم\u202c" in text
    assert "Certificate of attendance" in text
    assert b"/Lang (en)" in inflated(data)
    fonts = subprocess_fonts(data)
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb column


def inflated(data: bytes) -> bytes:
    """The PDF with every Flate stream (object streams included) decompressed."""
    import re
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompressobj().decompress(match[1]))
        except zlib.error:
            continue
    return b"".join(parts)


def subprocess_fonts(data: bytes) -> list[str]:
    import subprocess

    out = subprocess.run(
        ["/usr/bin/pdffonts", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return out.splitlines()[2:]


def test_certificate_lists_sessions_attended_or_booked_where_no_attendance_was_taken(
    conference, pdf
):
    counted = WorkshopFactory(conference=conference, title="Forum Gezählt")
    uncounted = WorkshopFactory(conference=conference, title="Forum Ohne Zählung")
    missed = WorkshopFactory(conference=conference, title="Forum Verpasst")
    person = RegistrationFactory(conference=conference, language="de")
    other = RegistrationFactory(conference=conference)
    for session in (counted, uncounted, missed):
        SessionBookingFactory(registration=person, session=session)
    SessionAttendance.objects.create(registration=person, session=counted)
    SessionAttendance.objects.create(registration=other, session=missed)
    services.check_in(registration=person)

    text = pdf("pdftotext", certificate_pdf(person), "-raw")

    assert "Forum Gezählt" in text
    assert "Forum Ohne Zählung" in text
    assert "Forum Verpasst" not in text


def test_certificate_keeps_its_verification_code(conference, pdf):
    registration = RegistrationFactory(conference=conference)
    services.check_in(registration=registration)

    first = pdf("pdftotext", certificate_pdf(registration), "-raw")
    second = pdf("pdftotext", certificate_pdf(registration), "-raw")

    code = Certificate.objects.get(registration=registration).code
    assert f"Prüfcode: {code}" in first
    assert f"Prüfcode: {code}" in second
    # A full address: a printed certificate is read away from this site.
    assert re.search(rf"https?://[^/\s]+/bescheinigung/pruefen/{code}/", first.replace("\n", ""))
