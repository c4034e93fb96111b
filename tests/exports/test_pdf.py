import base64
import logging
import os
import re
import shutil
import subprocess
import zlib
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checkin.codes import checkin_code_for, registration_id_from_checkin_code
from conferences.models import SessionSpeaker
from exports.pdf import badges as pdf_badges
from exports.pdf import text as pdf_text
from registrations import services
from registrations.models import Consent, ExportLog, Registration
from tests.exports.helpers import (
    badges,
    catering_summary,
    certificates,
    participant_list,
    sign_in_sheets,
)
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    ExhibitorFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    UserFactory,
    WorkshopFactory,
    bulk_registrations,
)

#: A name of 100 characters (first name and last name with a space between them).
LONG_FIRST_NAME = "Anna-Maria Theresia Alexandra Konstanze Li"
LONG_LAST_NAME = "Kühne-Hörmann von Hohenzollern-Sigmaringen-Zaeri-Esfahani"
UNICODE_NAMES = [
    ("Leyla", "Zaeri-Esfahani"),
    ("Eva", "Kühne-Hörmann"),
    ("Ina", "Jerenashvili"),
    ("ليلى", "العلي"),
    ("مريم", "الحسيني"),
]

# --- Reading reportlab's PDFs back (no PDF library is a dependency) ---------------------------


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m[1]): m[2] for m in re.finditer(rb"(\d+) 0 obj\s(.*?)endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    length = int(re.search(rb"/Length (\d+)", head)[1])
    raw = rest[1 if rest.startswith(b"\n") else 2 :][:length]
    if b"ASCII85Decode" in head:
        raw = base64.a85decode(raw, adobe=True)
    if b"FlateDecode" in head:
        raw = zlib.decompress(raw)
    return raw


def _pdf_string(raw: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def replace(m):
        token = m[1]
        if token[:1].isdigit():
            return bytes([int(token, 8)])
        return escapes.get(token, token)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, raw, flags=re.S)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, one drawn string a line, decoded with the fonts' ToUnicode maps."""
    objects = _objects(data)
    fonts = {}
    for body in objects.values():
        if b"/Type /Font" in body and (name := re.search(rb"/Name /(\S+)", body)):
            cmap = {}
            if to_unicode := re.search(rb"/ToUnicode (\d+) 0 R", body):
                text = _stream(objects[int(to_unicode[1])])
                chars = b"".join(re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S))
                for code, uni in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]+)>", chars):
                    cmap[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
            fonts[name[1]] = cmap
    kids = re.search(rb"/Kids \[([^\]]*)\]", data)[1]
    pages = []
    for page in re.findall(rb"(\d+) 0 R", kids):
        contents = int(re.search(rb"/Contents (\d+) 0 R", objects[int(page)])[1])
        content = _stream(objects[contents])
        font, lines = None, []
        for m in re.finditer(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if m[1]:
                font = fonts.get(m[1])
                continue
            raw = _pdf_string(m[2])
            if font:
                lines.append("".join(font.get(b, "?") for b in raw))
            else:
                lines.append(raw.decode("cp1252"))
        pages.append("\n".join(lines))
    return pages


def running_text(page: str) -> str:
    """A page's lines as one text: a line that ends in a hyphen runs on without a space."""
    return re.sub(r"-\n", "-", page).replace("\n", " ")


@pytest.fixture
def conference(db):
    starts = timezone.make_aware(datetime(2027, 5, 11, 9, 0))
    return ConferenceFactory(
        title="Regionalkonferenz Nordhessen",
        slug="nordhessen",
        city="Kassel",
        venue_name="Kongress Palais Kassel",
        starts_at=starts,
        ends_at=starts + timedelta(days=1, hours=7),
        registration_closes_at=starts - timedelta(days=2),
    )


@pytest.fixture
def unicode_people(conference):
    return [
        RegistrationFactory(
            conference=conference,
            first_name=first,
            last_name=last,
            organisation=f"Organisation {n}",
        )
        for n, (first, last) in enumerate(UNICODE_NAMES)
    ]


@pytest.fixture
def no_system_fonts(monkeypatch, settings):
    monkeypatch.setattr(pdf_text, "FONT_DIRS", ())
    settings.EXPORT_FONT_DIRS = []
    pdf_text.fonts.cache_clear()
    yield
    pdf_text.fonts.cache_clear()


# --- Fonts and right-to-left text -------------------------------------------------------------


def test_a_unicode_font_from_the_system_is_used():
    fonts = pdf_text.fonts()

    assert (fonts.regular, fonts.bold) == ("TB-Sans", "TB-Sans-Bold")
    assert {ord("ل"), ord("ü"), ord("ა"), 0xFEFB} <= fonts.coverage


def test_visual_leaves_left_to_right_text_alone():
    assert pdf_text.visual("Kühne-Hörmann (Kassel)") == "Kühne-Hörmann (Kassel)"


def test_visual_joins_arabic_letters_and_reverses_them():
    # ليلى العلي: lam initial, yeh medial, lam medial, alef maksura final; alef isolated,
    # lam initial, ain medial, lam medial, yeh final; then in visual (right-to-left) order.
    assert pdf_text.visual("ليلى العلي") == (
        "\ufef2\ufee0\ufecc\ufedf\ufe8d \ufef0\ufee0\ufef4\ufedf"
    )


def test_visual_shapes_and_orders_a_full_arabic_name():
    # الحسيني: alef isolated, lam initial, hah, seen, yeh, noon medial, yeh final; مريم: meem
    # initial, reh final, yeh initial, meem final; the words and letters right to left.
    assert pdf_text.visual("مريم الحسيني") == (
        "\ufef2\ufee8\ufef4\ufeb4\ufea4\ufedf\ufe8d \ufee2\ufef3\ufeae\ufee3"
    )


def test_visual_keeps_latin_text_after_arabic_in_order():
    assert pdf_text.visual("جمعية Kassel e.V.") == "\ufe94\ufef4\ufecc\ufee4\ufe9f Kassel e.V."


def test_visual_uses_the_lam_alef_ligature():
    assert pdf_text.visual("لا") == "\ufefb"


def test_without_a_unicode_font_helvetica_prints_question_marks(no_system_fonts, caplog):
    caplog.set_level(logging.WARNING, logger="tagungsbuero.exports")

    printed = pdf_text.printable("Kühne-Hörmann ليلى")

    assert (pdf_text.fonts().regular, printed) == ("Helvetica", "Kühne-Hörmann ????")
    assert "No Unicode TrueType font" in caplog.text


def test_without_a_unicode_font_pdfs_are_still_made(conference, unicode_people, no_system_fonts):
    data = sign_in_sheets(conference=conference, day=date(2027, 5, 11)).read()

    text = pdf_pages(data)[0]
    assert "Kühne-Hörmann, Eva" in text
    assert "???? ,?????" in text


# --- Fitting names ----------------------------------------------------------------------------

#: The name block of an A4 label badge (93 mm, 24 pt, down to 9 pt).
BADGE_NAME = {"size": 24, "min_size": 9, "room": 263.6}


def test_fit_name_keeps_a_short_name_on_one_line_at_full_size():
    fitted = pdf_text.fit_name("Ina Jerenashvili", pdf_text.fonts().bold, **BADGE_NAME)

    assert (fitted.lines, fitted.size, fitted.cut) == (("Ina Jerenashvili",), 24, False)


def test_fit_name_wraps_to_a_second_line_before_it_shrinks():
    fitted = pdf_text.fit_name("Dr. Eva Kühne-Hörmann", pdf_text.fonts().bold, **BADGE_NAME)

    assert (fitted.lines, fitted.size) == (("Dr. Eva", "Kühne-Hörmann"), 24)


def test_fit_name_shrinks_a_long_name_and_keeps_every_character():
    name = f"{LONG_FIRST_NAME} {LONG_LAST_NAME}"

    fitted = pdf_text.fit_name(name, pdf_text.fonts().bold, **BADGE_NAME)

    assert len(name) == 100
    assert 9 <= fitted.size < 24
    assert not fitted.cut
    assert re.sub(r"- ", "-", " ".join(fitted.lines)) == name
    assert all(
        pdf_text.width(line, pdf_text.fonts().bold, fitted.size) <= 263.6 for line in fitted.lines
    )


def test_fit_name_cuts_with_an_ellipsis_only_when_three_lines_at_the_minimum_cannot_hold_it():
    name = " ".join([LONG_FIRST_NAME, LONG_LAST_NAME] * 3)

    fitted = pdf_text.fit_name(name, pdf_text.fonts().bold, **BADGE_NAME)

    assert (len(fitted.lines), fitted.size, fitted.cut) == (3, 9, True)
    assert fitted.lines[-1].endswith("…")
    assert " ".join(fitted.lines).startswith(LONG_FIRST_NAME)


def test_fit_name_breaks_a_word_wider_than_the_line_after_its_hyphen():
    fitted = pdf_text.fit_name(
        "Zaeri-Esfahani", pdf_text.fonts().bold, size=24, min_size=24, room=120
    )

    assert fitted.lines == ("Zaeri-", "Esfahani")


def test_fit_name_wraps_arabic_in_reading_order_and_shapes_each_line():
    name = "مريم الحسيني"
    one_line = pdf_text.width(pdf_text.visual(name), pdf_text.fonts().bold, 20)

    fitted = pdf_text.fit_name(name, pdf_text.fonts().bold, size=20, min_size=20, room=one_line - 1)

    # The first name (the first word read, right to left) comes first, as in a book.
    assert fitted.lines == (pdf_text.visual("مريم"), pdf_text.visual("الحسيني"))


def test_arabic_ligatures_the_font_lacks_are_not_used():
    # DejaVu Sans has no "Allah" ligature (U+FDF2); the letters are joined one by one instead.
    printed = pdf_text.printable("عبد الله")

    assert "?" not in printed
    assert "\ufdf2" not in printed
    assert printed == pdf_text.visual("عبد الله")


# --- Sign-in sheets ---------------------------------------------------------------------------


def test_sign_in_sheet_has_a_section_per_day_alphabetical_with_header_and_page_numbers(
    conference, unicode_people
):
    RegistrationFactory(conference=conference, last_name="Özdemir", first_name="Ali")
    RegistrationFactory(conference=conference, last_name="Abel", first_name="Anna")
    RegistrationFactory(
        conference=conference, last_name="Wartet", status=Registration.Status.WAITLISTED
    )

    pages = pdf_pages(sign_in_sheets(conference=conference).read())

    assert len(pages) == 2
    first = pages[0].splitlines()
    assert first[:5] == [
        "Regionalkonferenz Nordhessen",
        "11.–12. Mai 2027 · Kongress Palais Kassel, Kassel",
        "Unterschriftenliste · Dienstag, 11. Mai 2027",
        "Nr.",
        "Name",
    ]
    names = [line for line in first if "," in line and "·" not in line]
    assert names == [
        "Abel, Anna",
        "Jerenashvili, Ina",
        "Kühne-Hörmann, Eva",
        "Özdemir, Ali",
        "Zaeri-Esfahani, Leyla",
        pdf_text.visual("الحسيني, مريم"),
        pdf_text.visual("العلي, ليلى"),
    ]
    assert "Unterschrift" in first
    assert first[-1] == "Seite 1 von 1"
    assert "Unterschriftenliste · Mittwoch, 12. Mai 2027" in pages[1]
    assert pages[1].splitlines()[-1] == "Seite 1 von 1"


def test_sign_in_sheet_shows_a_long_name_in_full(conference):
    RegistrationFactory(conference=conference, first_name=LONG_FIRST_NAME, last_name=LONG_LAST_NAME)

    (page,) = pdf_pages(sign_in_sheets(conference=conference, day=date(2027, 5, 11)).read())

    assert f"{LONG_LAST_NAME}, {LONG_FIRST_NAME}" in running_text(page)
    assert "…" not in page


def test_sign_in_sheet_wraps_an_arabic_name_in_reading_order(conference):
    first, last = "محمد عبد الرحمن", "الحسيني القحطاني الهاشمي العبد الله الشمري"
    RegistrationFactory(conference=conference, first_name=first, last_name=last)

    (page,) = pdf_pages(sign_in_sheets(conference=conference, day=date(2027, 5, 11)).read())

    lines = page.splitlines()
    first_line, second_line = lines[lines.index("1") + 1 : lines.index("1") + 3]
    # Wrapped as read (right to left, top to bottom): the last name starts the first line.
    assert pdf_text.visual("الحسيني") in first_line
    assert pdf_text.visual("الرحمن") in second_line


def test_sign_in_sheet_of_one_day_counts_its_pages(conference):
    bulk_registrations(conference, 60)

    pages = pdf_pages(sign_in_sheets(conference=conference, day=date(2027, 5, 12)).read())

    assert [p.splitlines()[-1] for p in pages] == [
        "Seite 1 von 3",
        "Seite 2 von 3",
        "Seite 3 von 3",
    ]
    assert all("Mittwoch, 12. Mai 2027" in p for p in pages)
    assert sum(p.count("Nachname") for p in pages) == 60


def test_sign_in_sheet_of_a_session_lists_its_booked_participants(conference):
    workshop = WorkshopFactory(conference=conference, title="Workshop Sprache", room="Raum 3")
    other = WorkshopFactory(conference=conference, title="Workshop Arbeit")
    for last, session in [("Berg", workshop), ("Adam", workshop), ("Cem", other)]:
        SessionBookingFactory(
            registration=RegistrationFactory(conference=conference, last_name=last),
            session=session,
        )

    pages = pdf_pages(sign_in_sheets(conference=conference, session=workshop).read())

    lines = pages[0].splitlines()
    starts = timezone.localtime(workshop.starts_at)
    ends = timezone.localtime(workshop.ends_at)
    assert lines[2:4] == [
        "Unterschriftenliste · Workshop Sprache",
        f"Dienstag, 11. Mai 2027, {starts:%H:%M}–{ends:%H:%M} Uhr · Raum 3",
    ]
    assert [line.split(",")[0] for line in lines if line.startswith(("Adam", "Berg", "Cem"))] == [
        "Adam",
        "Berg",
    ]


def test_sign_in_sheets_by_session_make_a_section_per_listed_session(conference):
    WorkshopFactory(conference=conference, title="Workshop A")
    WorkshopFactory(conference=conference, title="Workshop B")

    pages = pdf_pages(sign_in_sheets(conference=conference, by_session=True).read())

    assert [p.splitlines()[2] for p in pages] == [
        "Unterschriftenliste · Workshop A",
        "Unterschriftenliste · Workshop B",
    ]


# --- Badges -----------------------------------------------------------------------------------


def test_badges_on_a4_label_sheets_hold_eight_per_page(conference):
    bulk_registrations(conference, 9)

    export = badges(conference=conference, layout="a4")

    pages = pdf_pages(export.read())
    assert (export.filename, len(pages)) == ("namensschilder-nordhessen-a4.pdf", 2)
    assert [p.count("Teilnehmende") for p in pages] == [8, 1]


def test_a6_badges_are_one_per_page(conference):
    bulk_registrations(conference, 3)

    pages = pdf_pages(badges(conference=conference, layout="a6").read())

    assert [p.count("Teilnehmende") for p in pages] == [1, 1, 1]


def test_badges_show_name_organisation_and_role_for_every_kind_of_person(conference):
    organiser = UserFactory(first_name="Olga", last_name="Orga")
    conference.organisers.add(organiser)
    RegistrationFactory(
        conference=conference,
        academic_title="Dr.",
        first_name="Leyla",
        last_name="Zaeri-Esfahani",
        organisation="Stadt Kassel",
    )
    talk = WorkshopFactory(conference=conference)
    SessionSpeakerFactory(
        session=talk,
        speaker=SpeakerFactory(first_name="Rita", last_name="Rednerin", organisation="Uni"),
    )
    SessionSpeakerFactory(
        session=talk,
        speaker=SpeakerFactory(first_name="Mo", last_name="Moderator", organisation="Radio"),
        role=SessionSpeaker.Role.MODERATOR,
    )
    ExhibitorFactory(
        conference=conference,
        organisation="Beratungsstelle",
        contact_name="Ex Hibit",
        staff_count=2,
    )
    ExhibitorFactory(conference=conference, status="rejected", organisation="Abgelehnt")

    entries = pdf_badges.badge_entries(conference)
    text = "\n".join(pdf_pages(badges(conference=conference).read()))

    assert [(e.name, e.organisation, e.role) for e in entries] == [
        ("Dr. Leyla Zaeri-Esfahani", "Stadt Kassel", "participant"),
        ("Rita Rednerin", "Uni", "speaker"),
        ("Mo Moderator", "Radio", "moderator"),
        ("Ex Hibit", "Beratungsstelle", "exhibitor"),
        ("", "Beratungsstelle", "exhibitor"),
        ("Olga Orga", "", "organiser"),
    ]
    for word in (
        "Teilnehmende",
        "Referierende",
        "Moderation",
        "Ausstellende",
        "Organisationsteam",
        "Dr. Leyla",
        "Zaeri-Esfahani",
        "Stadt Kassel",
    ):
        assert word in text


def test_badge_roles_differ_in_word_shape_and_pattern_not_only_colour():
    styles = pdf_badges.BADGE_STYLES.values()

    assert [s.label for s in styles] == [
        "Teilnehmende",
        "Referierende",
        "Moderation",
        "Ausstellende",
        "Organisationsteam",
    ]
    assert len({s.shape for s in styles}) == len({s.pattern for s in styles}) == 5


def test_badges_can_be_limited_to_roles(conference):
    RegistrationFactory(conference=conference)
    ExhibitorFactory(conference=conference)

    entries = pdf_badges.badge_entries(conference, roles=["exhibitor"])

    assert [e.role for e in entries] == ["exhibitor"]


def test_a_speaker_with_a_linked_registration_gets_one_badge_with_its_check_in_code(conference):
    speaker = SpeakerFactory(first_name="Rita", last_name="Rot")
    SessionSpeakerFactory(session=WorkshopFactory(conference=conference), speaker=speaker)
    registration = RegistrationFactory(
        conference=conference, first_name="Rita", last_name="Rot", speaker=speaker
    )

    entries = pdf_badges.badge_entries(conference)

    assert [(e.name, e.role, e.code) for e in entries] == [
        ("Rita Rot", "speaker", checkin_code_for(registration))
    ]


def test_a_namesake_of_a_speaker_gets_a_badge_of_their_own_with_their_own_code(conference):
    speaker = SpeakerFactory(first_name="Rita", last_name="Rot", organisation="Universität")
    SessionSpeakerFactory(session=WorkshopFactory(conference=conference), speaker=speaker)
    namesake = RegistrationFactory(
        conference=conference, first_name="Rita", last_name="Rot", organisation="Stadt Kassel"
    )

    entries = pdf_badges.badge_entries(conference)

    assert [(e.name, e.organisation, e.role, e.code) for e in entries] == [
        ("Rita Rot", "Stadt Kassel", "participant", checkin_code_for(namesake)),
        ("Rita Rot", "Universität", "speaker", ""),
    ]


def test_a_speaker_linked_to_a_registration_of_another_conference_gets_no_code(conference):
    speaker = SpeakerFactory(first_name="Rita", last_name="Rot")
    SessionSpeakerFactory(session=WorkshopFactory(conference=conference), speaker=speaker)
    RegistrationFactory(first_name="Rita", last_name="Rot", speaker=speaker)

    entries = pdf_badges.badge_entries(conference)

    assert [(e.name, e.role, e.code) for e in entries] == [("Rita Rot", "speaker", "")]


def test_participant_badges_carry_the_check_in_code_and_no_personal_data(conference):
    registration = RegistrationFactory(conference=conference, email="leyla@example.org")

    (entry,) = pdf_badges.badge_entries(conference)
    data = badges(conference=conference, layout="a6").read()

    assert registration_id_from_checkin_code(entry.code) == registration.pk
    assert b"leyla@example.org" not in data
    assert registration.token.encode() not in data
    assert "leyla@example.org" not in "\n".join(pdf_pages(data))


def test_badge_qr_code_scans_to_the_check_in_code(conference, tmp_path):
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        reason = "needs zbarimg and pdftoppm (Debian: zbar-tools, poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI installs them (.ci/run)")
        pytest.skip(reason)
    registration = RegistrationFactory(conference=conference)
    (tmp_path / "badge.pdf").write_bytes(badges(conference=conference, layout="a6").read())

    subprocess.run(
        [shutil.which("pdftoppm"), "-r", "150", "-png", tmp_path / "badge.pdf", tmp_path / "page"],
        check=True,
    )
    scanned = subprocess.run(
        [shutil.which("zbarimg"), "--raw", "-q", *sorted(tmp_path.glob("page*.png"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert scanned == checkin_code_for(registration)


def test_badges_of_unicode_names_print_every_character(conference, unicode_people):
    text = " ".join(pdf_pages(badges(conference=conference).read())).replace("\n", " ")

    for first, last in UNICODE_NAMES:
        assert pdf_text.visual(f"{first} {last}") in text
    assert "?" not in text


@pytest.mark.parametrize("layout", ["a4", "a6"])
def test_badges_show_a_long_name_in_full(conference, layout):
    RegistrationFactory(conference=conference, first_name=LONG_FIRST_NAME, last_name=LONG_LAST_NAME)

    (page,) = pdf_pages(badges(conference=conference, layout=layout).read())

    assert f"{LONG_FIRST_NAME} {LONG_LAST_NAME}" in running_text(page)
    assert "…" not in page


def test_badges_print_a_long_event_title_on_two_lines_instead_of_cutting_it(conference):
    conference.title = (
        "Regionalkonferenz Nordhessen: Integration gestalten – Strukturen erarbeiten, "
        "Teilhabe sichern"
    )
    conference.save()
    RegistrationFactory(conference=conference)

    (page,) = pdf_pages(badges(conference=conference).read())

    assert conference.title in running_text(page)
    assert "…" not in page


def test_render_badges_draws_given_entries_in_the_shared_layout(conference):
    entries = [
        pdf_badges.BadgeEntry(
            "Ina Jerenashvili", "Beratungsstelle", pdf_badges.EXHIBITOR, extra="Stand 4"
        )
    ]

    export = pdf_badges.render_badges(conference, entries, layout="a6", filename="standteam.pdf")

    (page,) = pdf_pages(export.read())
    assert export.filename == "standteam.pdf"
    assert page.splitlines()[:3] == [
        "Ausstellende",
        "Regionalkonferenz Nordhessen",
        "11.–12. Mai 2027 · Kassel",
    ]
    assert "Ina\nJerenashvili\nBeratungsstelle\nStand 4" in page


# --- Certificates -----------------------------------------------------------------------------


def _pdftotext(data: bytes) -> list[str]:
    out = subprocess.run(
        ["/usr/bin/pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return [page for page in out.split("\f") if page.strip()]


def test_certificates_are_one_page_per_person_who_came_after_a_cover_note(
    conference, unicode_people
):
    RegistrationFactory(conference=conference, status=Registration.Status.WAITLISTED)
    for person in unicode_people[1:3]:
        services.check_in(registration=person)

    pages = _pdftotext(certificates(conference=conference).read())

    assert len(pages) == 3
    assert "Nicht enthalten: 3 Personen mit Platz, aber nicht eingecheckt; 1 Person ohne Platz" in (
        " ".join(pages[0].split())
    )
    assert [p.splitlines()[2] for p in pages[1:]] == ["Ina Jerenashvili", "Eva Kühne-Hörmann"]


def test_a_certificate_shows_a_long_name_in_full(conference):
    person = RegistrationFactory(
        conference=conference, first_name=LONG_FIRST_NAME, last_name=LONG_LAST_NAME
    )
    services.check_in(registration=person)

    data = certificates(conference=conference, registration=person).read()
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()

    # The certificate (WeasyPrint) wraps the name over lines; every word of it is printed.
    assert f"{LONG_FIRST_NAME} {LONG_LAST_NAME}" in " ".join(text.split()).replace("- ", "-")


def test_a_single_certificate(conference, unicode_people):
    services.check_in(registration=unicode_people[1])
    export = certificates(conference=conference, registration=unicode_people[1])

    pages = _pdftotext(export.read())

    assert (export.filename, len(pages), pages[0].splitlines()[2]) == (
        f"teilnahmebescheinigungen-nordhessen-{unicode_people[1].pk}.pdf",
        1,
        "Eva Kühne-Hörmann",
    )


# --- Lists as PDF -----------------------------------------------------------------------------


def test_participant_list_pdf_holds_names_and_organisations_of_consenting_people(conference):
    listed = RegistrationFactory(
        conference=conference, first_name="Ina", last_name="Jerenashvili", organisation="Uni"
    )
    ConsentFactory(registration=listed, purpose=Consent.Purpose.PARTICIPANT_LIST)
    RegistrationFactory(conference=conference, last_name="Nicht-Gelistet")

    pages = pdf_pages(participant_list(conference=conference, fmt="pdf").read())

    assert "Ina Jerenashvili\nUni" in pages[0]
    assert "Nicht-Gelistet" not in pages[0]
    assert listed.email not in pages[0]


def test_catering_pdf_has_the_three_tables(conference):
    RegistrationFactory(
        conference=conference,
        first_name="Omar",
        last_name="Haddad",
        diet=Registration.Diet.VEGAN,
        accessibility_needs="Gebärdensprachdolmetschung",
    )

    pages = pdf_pages(catering_summary(conference=conference, fmt="pdf").read())

    assert [p.splitlines()[2] for p in pages] == [
        "Ernährung",
        "Hinweise zur Ernährung",
        "Unterstützungsbedarf",
    ]
    assert "vegan\n1" in pages[0]
    assert "Haddad, Omar" in pages[2]
    assert "Gebärdensprachdolmetschung" in pages[2]


def test_formula_like_text_in_pdfs_is_printed_as_it_was_typed(conference):
    RegistrationFactory(conference=conference, first_name="Omar", last_name="=Haddad")

    text = pdf_pages(sign_in_sheets(conference=conference, day=date(2027, 5, 11)).read())[0]

    assert "=Haddad, Omar" in text


# --- Query counts and the log -----------------------------------------------------------------

PDF_EXPORTS = {
    "sign-in-days": lambda c, s: sign_in_sheets(conference=c),
    "sign-in-session": lambda c, s: sign_in_sheets(conference=c, session=s),
    "sign-in-by-session": lambda c, s: sign_in_sheets(conference=c, by_session=True),
    "badges-a4": lambda c, s: badges(conference=c),
    "badges-a6": lambda c, s: badges(conference=c, layout="a6"),
    "certificates": lambda c, s: certificates(conference=c),
    "participant-list": lambda c, s: participant_list(conference=c, fmt="pdf"),
    "catering": lambda c, s: catering_summary(conference=c, fmt="pdf"),
}


@pytest.mark.parametrize("name", PDF_EXPORTS)
def test_pdf_queries_do_not_grow_with_rows(conference, name):
    run = PDF_EXPORTS[name]
    sessions = [WorkshopFactory(conference=conference), WorkshopFactory(conference=conference)]
    SessionSpeakerFactory(session=sessions[0])
    ExhibitorFactory(conference=conference)
    extra = {"accessibility_needs": "Aufzug", "dietary_notes": "ohne Nüsse"}
    consents = [Consent.Purpose.PARTICIPANT_LIST]
    bulk_registrations(conference, 1, sessions=sessions, consents=consents, **extra)
    with CaptureQueriesContext(connection) as one:
        small = len(run(conference, sessions[0]).read())

    bulk_registrations(conference, 199, sessions=sessions, consents=consents, start=1, **extra)
    with CaptureQueriesContext(connection) as many:
        large = len(run(conference, sessions[0]).read())

    assert large > small
    assert len(many) == len(one)


def test_every_pdf_export_is_logged(conference):
    user = UserFactory(username="orga")
    for person in bulk_registrations(conference, 3):
        services.check_in(registration=person)

    sign_in_sheets(conference=conference, user=user)
    badges(conference=conference, user=user, layout="a6")
    certificates(conference=conference, user=user)
    participant_list(conference=conference, user=user, fmt="pdf")
    catering_summary(conference=conference, user=user, fmt="pdf")

    assert list(
        ExportLog.objects.order_by("pk").values_list("kind", "fmt", "user", "row_count")
    ) == [
        ("sign_in_sheet", "pdf", user.pk, 6),
        ("badges_a6", "pdf", user.pk, 3),
        ("certificates", "pdf", user.pk, 3),
        ("participant_list", "pdf", user.pk, 0),
        ("catering", "pdf", user.pk, 7),
    ]
