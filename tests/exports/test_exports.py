import csv
import io
import logging
import re
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import base
from exports.registry import all_exporters, get_exporter
from exports.views import may_export
from registrations.models import Consent, ExportLog, Registration, SessionBooking
from tests.exports.helpers import (
    attendee_list,
    catering_summary,
    participant_list,
    session_lists,
)
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    ExhibitorFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionFactory,
    UserFactory,
    WorkshopFactory,
    bulk_registrations,
)

ATTENDEE_HEADER = [
    "Nachname",
    "Vorname",
    "Titel",
    "Anrede",
    "E-Mail",
    "Organisation",
    "Funktion",
    "Art der Organisation",
    "Region",
    "Status",
    "Programmpunkte (gebucht)",
    "Programmpunkte (Warteliste)",
    "Ernährung",
    "Hinweise zur Ernährung",
    "Unterstützungsbedarf",
    "Sprache",
    "Fotos erlaubt",
    "In Teilnehmendenliste",
    "Angemeldet am",
    "Bestätigt am",
]
FORMULAS = ["=1+2", "+49 561 1234", "-2+3", "@SUM(A1)", "|calc", "%0A", "\tTab", "\rCR", "\0NUL"]


def read_csv(export, delimiter=","):
    data = export.read()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def read_xlsx(export):
    return openpyxl.load_workbook(io.BytesIO(export.read()))


def ooxml_text(value):
    """openpyxl leaves XLSX escapes of control characters (_x000D_) as they are; Excel reads them
    as the characters."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), value)


def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def conference(db):
    return ConferenceFactory(title="Regionalkonferenz Nordhessen", slug="nordhessen")


# --- Formula neutralisation -------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_prefixes_formula_triggers_with_an_apostrophe(text):
    assert base.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Kühne-Hörmann", "", "Stadt = Kassel", "'quoted", "1+1"])
def test_neutralise_leaves_other_text_alone(text):
    assert base.neutralise(text) == text


def storable(texts):
    """PostgreSQL stores no NUL in text: those values are tested without a database below."""
    return [t for t in texts if "\0" not in t or connection.vendor != "postgresql"]


def test_attendee_csv_writes_formula_like_names_as_text(conference):
    for n, text in enumerate(storable(FORMULAS)):
        RegistrationFactory(conference=conference, last_name=f"N{n:02d}", first_name=text)

    rows = read_csv(attendee_list(conference=conference, fmt="csv"))

    assert [row[1] for row in rows[1:]] == ["'" + text for text in storable(FORMULAS)]


def test_attendee_xlsx_writes_formula_like_names_as_strings(conference):
    for n, text in enumerate(storable(FORMULAS)):
        RegistrationFactory(
            conference=conference, last_name=f"N{n:02d}", first_name=text, organisation=text
        )

    sheet = read_xlsx(attendee_list(conference=conference, fmt="xlsx")).active

    cells = [(row[1], row[5]) for row in sheet.iter_rows(min_row=2)]
    assert [ooxml_text(first.value) for first, _ in cells] == [
        "'" + text for text in storable(FORMULAS)
    ]
    assert {cell.data_type for pair in cells for cell in pair} == {"s"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_formula_trigger_is_neutralised_in_csv_and_xlsx(fmt):
    table = base.Table("Liste", [base.Column("Wert", lambda text: text)], FORMULAS)

    data = base.render_tables([table], fmt=fmt, filename="liste", on_done=lambda n: None)

    if fmt == "csv":
        values = [row[0] for row in read_csv(data)[1:]]
    else:
        cells = [row[0] for row in read_xlsx(data).active.iter_rows(min_row=2)]
        assert {cell.data_type for cell in cells} == {"s"}
        values = [ooxml_text(cell.value) for cell in cells]
    assert values == ["'" + text for text in FORMULAS]


# --- Attendee list ----------------------------------------------------------------------------


def test_attendee_csv_has_bom_german_header_and_one_row_per_registration(conference):
    workshop = WorkshopFactory(conference=conference, title="Workshop Sprache")
    registration = RegistrationFactory(
        conference=conference,
        salutation=Registration.Salutation.MS,
        academic_title="Dr.",
        first_name="Leyla",
        last_name="Zaeri-Esfahani",
        email="leyla@example.org",
        organisation="Stadt Kassel",
        position="Integrationsbeauftragte",
        region="Nordhessen",
        diet=Registration.Diet.VEGAN,
        dietary_notes="keine Nüsse",
        accessibility_needs="Rollstuhlplatz",
        confirmed_at=timezone.now(),
    )
    SessionBookingFactory(registration=registration, session=workshop)
    ConsentFactory(registration=registration, purpose=Consent.Purpose.PHOTOS)
    RegistrationFactory(conference=conference, last_name="Abel", first_name="Anna")
    RegistrationFactory(last_name="Andere Konferenz")

    rows = read_csv(attendee_list(conference=conference, fmt="csv"))

    assert rows[0] == ATTENDEE_HEADER
    assert [row[0] for row in rows[1:]] == ["Abel", "Zaeri-Esfahani"]
    starts = timezone.localtime(workshop.starts_at)
    created = timezone.localtime(registration.created_at)
    confirmed = timezone.localtime(registration.confirmed_at)
    assert rows[2] == [
        "Zaeri-Esfahani",
        "Leyla",
        "Dr.",
        "Frau",
        "leyla@example.org",
        "Stadt Kassel",
        "Integrationsbeauftragte",
        "Stadt oder Gemeinde",
        "Nordhessen",
        "Bestätigt",
        f"{starts:%d.%m. %H:%M} Workshop Sprache",
        "",
        "vegan",
        "keine Nüsse",
        "Rollstuhlplatz",
        "de",
        "ja",
        "nein",
        f"{created:%d.%m.%Y %H:%M}",
        f"{confirmed:%d.%m.%Y %H:%M}",
    ]


def test_attendee_csv_semicolon_variant_for_german_excel(conference):
    RegistrationFactory(conference=conference, last_name="Kühne-Hörmann", organisation="A; B")

    rows = read_csv(attendee_list(conference=conference, fmt="csv-semicolon"), ";")

    assert rows[0] == ATTENDEE_HEADER
    assert (rows[1][0], rows[1][5]) == ("Kühne-Hörmann", "A; B")


def test_attendee_list_filters_by_status(conference):
    RegistrationFactory(conference=conference, last_name="Bestätigt")
    RegistrationFactory(
        conference=conference, last_name="Wartend", status=Registration.Status.WAITLISTED
    )
    RegistrationFactory(
        conference=conference, last_name="Storniert", status=Registration.Status.CANCELLED
    )

    export = attendee_list(conference=conference, fmt="csv", statuses=["confirmed", "waitlisted"])

    assert [row[0] for row in read_csv(export)[1:]] == ["Bestätigt", "Wartend"]


def test_attendee_list_of_a_session_lists_its_bookings_with_their_status(conference):
    workshop = WorkshopFactory(conference=conference)
    other = WorkshopFactory(conference=conference)
    booked = RegistrationFactory(conference=conference, last_name="Gebucht")
    waiting = RegistrationFactory(conference=conference, last_name="Wartet")
    elsewhere = RegistrationFactory(conference=conference, last_name="Anderswo")
    SessionBookingFactory(registration=booked, session=workshop)
    SessionBookingFactory(
        registration=waiting, session=workshop, status=SessionBooking.Status.WAITLISTED
    )
    SessionBookingFactory(registration=elsewhere, session=other)

    rows = read_csv(attendee_list(conference=conference, fmt="csv", session=workshop))

    assert rows[0][9:11] == ["Status", "Buchung"]
    assert [(row[0], row[10]) for row in rows[1:]] == [
        ("Gebucht", "Gebucht"),
        ("Wartet", "Warteliste"),
    ]


def test_attendee_list_of_a_session_of_another_conference_is_not_found(conference):
    with pytest.raises(Http404):
        attendee_list(conference=conference, session=SessionFactory())


def test_attendee_xlsx_has_german_header_and_typed_cells(conference):
    RegistrationFactory(conference=conference, last_name="Kühne-Hörmann", first_name="Eva")

    sheet = read_xlsx(attendee_list(conference=conference, fmt="xlsx")).active

    rows = sheet_rows(sheet)
    assert sheet.title == "Teilnehmende"
    assert rows[0] == ATTENDEE_HEADER
    assert rows[1][:2] == ["Kühne-Hörmann", "Eva"]
    assert rows[1][18].date() == timezone.localdate()  # a real date, not text


def test_unknown_format_is_refused(conference):
    with pytest.raises(ValueError):
        attendee_list(conference=conference, fmt="ods")


# --- Streaming --------------------------------------------------------------------------------


def test_csv_stream_sends_bom_and_header_before_any_query(conference, django_assert_num_queries):
    bulk_registrations(conference, 3)
    export = attendee_list(conference=conference, fmt="csv")

    with django_assert_num_queries(0):
        first = next(iter(export))

    assert first == ("\ufeff" + ",".join(ATTENDEE_HEADER) + "\r\n").encode()


def test_csv_stream_comes_in_chunks_of_rows(conference):
    bulk_registrations(conference, base.CSV_ROWS_PER_CHUNK * 2 + 1)

    chunks = list(attendee_list(conference=conference, fmt="csv"))

    assert [chunk.count(b"\r\n") for chunk in chunks] == [
        1,
        base.CSV_ROWS_PER_CHUNK,
        base.CSV_ROWS_PER_CHUNK,
        1,
    ]


def test_export_as_response_is_a_streamed_attachment(conference):
    RegistrationFactory(conference=conference)

    response = attendee_list(conference=conference, fmt="csv").as_response()

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == ('attachment; filename="teilnehmende-nordhessen.csv"')
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).count(b"\r\n") == 2


# --- Per-session lists ------------------------------------------------------------------------


def test_session_lists_xlsx_has_a_sheet_per_session_with_its_booked_participants(conference):
    first = WorkshopFactory(conference=conference, title="Workshop Ankommen")
    second = WorkshopFactory(
        conference=conference,
        title="Workshop Arbeit",
        starts_at=first.starts_at + timedelta(hours=2),
    )
    WorkshopFactory(
        conference=conference, title="Leer", starts_at=first.starts_at + timedelta(hours=4)
    )
    SessionFactory(conference=conference, title="Keynote ohne Buchung")
    for name, session in [("Berg", first), ("Adam", first), ("Cem", second)]:
        SessionBookingFactory(
            registration=RegistrationFactory(conference=conference, last_name=name),
            session=session,
        )
    SessionBookingFactory(
        registration=RegistrationFactory(conference=conference, last_name="Wartet"),
        session=first,
        status=SessionBooking.Status.WAITLISTED,
    )

    workbook = read_xlsx(session_lists(conference=conference, fmt="xlsx"))

    day = f"{timezone.localtime(first.starts_at):%d.%m.}"
    assert [s.title for s in workbook.worksheets] == [
        f"{day} 11.00 Workshop Ankommen",
        f"{day} 13.00 Workshop Arbeit",
        f"{day} 15.00 Leer",
    ]
    assert [[row[0] for row in sheet_rows(sheet)[1:]] for sheet in workbook.worksheets] == [
        ["Adam", "Berg"],
        ["Cem"],
        [],
    ]
    assert sheet_rows(workbook.worksheets[0])[0][:4] == [
        "Nachname",
        "Vorname",
        "Titel",
        "Organisation",
    ]


def test_session_lists_csv_is_one_table_with_the_session_in_front(conference):
    workshop = WorkshopFactory(conference=conference, title="Workshop Sprache", room="R 2")
    SessionBookingFactory(
        registration=RegistrationFactory(conference=conference, last_name="Adam"),
        session=workshop,
    )

    rows = read_csv(session_lists(conference=conference, fmt="csv"))

    starts = timezone.localtime(workshop.starts_at)
    assert rows[0][:5] == ["Programmpunkt", "Beginn", "Raum", "Nachname", "Vorname"]
    assert rows[1][:4] == ["Workshop Sprache", f"{starts:%d.%m.%Y %H:%M}", "R 2", "Adam"]
    assert len(rows) == 2


# --- Participant list (consented only) --------------------------------------------------------


def test_participant_list_holds_only_confirmed_people_with_an_active_consent(conference):
    listed = RegistrationFactory(
        conference=conference,
        academic_title="Prof. Dr.",
        first_name="Ina",
        last_name="Jerenashvili",
        organisation="Universität Kassel",
    )
    ConsentFactory(registration=listed, purpose=Consent.Purpose.PARTICIPANT_LIST)
    withdrawn = RegistrationFactory(conference=conference, last_name="Widerrufen")
    ConsentFactory(
        registration=withdrawn,
        purpose=Consent.Purpose.PARTICIPANT_LIST,
        withdrawn_at=timezone.now() + timedelta(minutes=1),
    )
    photos_only = RegistrationFactory(conference=conference, last_name="NurFotos")
    ConsentFactory(registration=photos_only, purpose=Consent.Purpose.PHOTOS)
    waiting = RegistrationFactory(
        conference=conference, last_name="Wartet", status=Registration.Status.WAITLISTED
    )
    ConsentFactory(registration=waiting, purpose=Consent.Purpose.PARTICIPANT_LIST)

    rows = read_csv(participant_list(conference=conference, fmt="csv"))

    assert rows == [
        ["Name", "Organisation"],
        ["Prof. Dr. Ina Jerenashvili", "Universität Kassel"],
    ]


# --- Catering and accessibility ---------------------------------------------------------------


def test_catering_summary_counts_diets_and_lists_notes_and_needs(conference):
    RegistrationFactory(conference=conference, diet=Registration.Diet.VEGAN)
    RegistrationFactory(conference=conference, diet=Registration.Diet.VEGAN)
    RegistrationFactory(
        conference=conference,
        first_name="Omar",
        last_name="Haddad",
        diet=Registration.Diet.OTHER,
        dietary_notes="ohne Gluten",
        accessibility_needs="Gebärdensprachdolmetschung",
        email="omar@example.org",
    )
    RegistrationFactory(
        conference=conference, diet=Registration.Diet.HALAL, status=Registration.Status.WAITLISTED
    )

    workbook = read_xlsx(catering_summary(conference=conference, fmt="xlsx"))

    assert workbook.sheetnames == ["Ernährung", "Hinweise zur Ernährung", "Unterstützungsbedarf"]
    assert sheet_rows(workbook["Ernährung"]) == [
        ["Ernährung", "Anzahl"],
        ["keine besonderen Anforderungen", 0],
        ["vegetarisch", 0],
        ["vegan", 2],
        ["halal", 0],
        ["koscher", 0],
        ["andere (bitte angeben)", 1],
        ["Gesamt", 3],
    ]
    assert sheet_rows(workbook["Hinweise zur Ernährung"])[1] == [
        "Haddad, Omar",
        "Stadt Wiesbaden",
        "andere (bitte angeben)",
        "ohne Gluten",
    ]
    assert sheet_rows(workbook["Unterstützungsbedarf"]) == [
        ["Name", "Organisation", "E-Mail", "Unterstützungsbedarf"],
        ["Haddad, Omar", "Stadt Wiesbaden", "omar@example.org", "Gebärdensprachdolmetschung"],
    ]


def test_catering_csv_is_one_table_with_a_section_column(conference):
    RegistrationFactory(
        conference=conference,
        first_name="Ina",
        last_name="Nur",
        email="ina@example.org",
        diet=Registration.Diet.VEGAN,
        dietary_notes="ohne Nüsse",
        accessibility_needs="Aufzug",
    )

    rows = read_csv(catering_summary(conference=conference, fmt="csv"))

    assert rows[0] == [
        "Bereich",
        "Ernährung",
        "Anzahl",
        "Name",
        "Organisation",
        "Hinweise zur Ernährung",
        "E-Mail",
        "Unterstützungsbedarf",
    ]
    assert rows[3] == ["Ernährung", "vegan", "1", "", "", "", "", ""]
    assert rows[7:] == [
        ["Ernährung", "Gesamt", "1", "", "", "", "", ""],
        [
            "Hinweise zur Ernährung",
            "vegan",
            "",
            "Nur, Ina",
            "Stadt Wiesbaden",
            "ohne Nüsse",
            "",
            "",
        ],
        [
            "Unterstützungsbedarf",
            "",
            "",
            "Nur, Ina",
            "Stadt Wiesbaden",
            "",
            "ina@example.org",
            "Aufzug",
        ],
    ]


def test_stacked_tables_match_repeated_headings_by_their_order():
    first = base.Table(
        "A", [base.Column("x", lambda r: r[0]), base.Column("x", lambda r: r[1])], [(1, 2)]
    )
    second = base.Table(
        "B", [base.Column("x", lambda r: r[0]), base.Column("y", lambda r: r[1])], [(3, 4)]
    )

    table = base.stacked([first, second])

    assert [table.header(), *table.rows()] == [
        ["Bereich", "x", "x", "y"],
        ["A", 1, 2, None],
        ["B", 3, None, 4],
    ]
    assert table.row_count == 2


# --- Every CSV is one table -------------------------------------------------------------------


def csv_runs():
    """(identifier, options) for every CSV the registry offers: each CSV format, and each of
    the exporter's shortcut links that asks for CSV."""
    runs = []
    for exporter in all_exporters():
        for fmt in (base.CSV, base.CSV_SEMICOLON):
            if fmt not in exporter.formats:
                continue
            runs.append(
                pytest.param(
                    exporter.identifier, {"format": fmt}, id=f"{fmt}-{exporter.identifier}"
                )
            )
            runs += [
                pytest.param(
                    exporter.identifier, dict(options), id=f"{fmt}-{exporter.identifier}-{n}"
                )
                for n, (_label, options) in enumerate(exporter.links)
                if options.get("format") == fmt and set(options) != {"format"}
            ]
    return runs


def test_the_registry_offers_csv_exports():
    assert {run.values[0] for run in csv_runs()} >= {
        "attendees",
        "session_lists",
        "catering",
        "participant_list",
    }


@pytest.mark.parametrize(("identifier", "options"), csv_runs())
def test_every_csv_export_is_one_rectangular_table(conference, identifier, options):
    sessions = [WorkshopFactory(conference=conference), WorkshopFactory(conference=conference)]
    extra = {"accessibility_needs": "Aufzug", "dietary_notes": "ohne Nüsse"}
    bulk_registrations(
        conference, 3, sessions=sessions, consents=[Consent.Purpose.PARTICIPANT_LIST], **extra
    )
    ExhibitorFactory(conference=conference, staff_count=2)
    exporter = get_exporter(identifier)(conference=conference)

    data = exporter.run(options).read().decode("utf-8-sig")

    delimiter = ";" if options["format"] == base.CSV_SEMICOLON else ","
    rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
    assert len(rows) > 1, "the export holds the conference's data"
    assert {len(row) for row in rows} == {len(rows[0])}


# --- Query counts: the same at 1 and 200 rows -------------------------------------------------

TABLE_EXPORTS = {
    "attendees-csv": lambda c, s: attendee_list(conference=c, fmt="csv"),
    "attendees-xlsx": lambda c, s: attendee_list(conference=c, fmt="xlsx"),
    "attendees-session-csv": lambda c, s: attendee_list(conference=c, session=s),
    "session-lists-xlsx": lambda c, s: session_lists(conference=c, fmt="xlsx"),
    "session-lists-csv": lambda c, s: session_lists(conference=c, fmt="csv"),
    "participant-list-csv": lambda c, s: participant_list(conference=c, fmt="csv"),
    "participant-list-xlsx": lambda c, s: participant_list(conference=c, fmt="xlsx"),
    "catering-csv": lambda c, s: catering_summary(conference=c, fmt="csv"),
    "catering-xlsx": lambda c, s: catering_summary(conference=c, fmt="xlsx"),
}


def _queries(run, conference, session) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        size = len(run(conference, session).read())
    return len(queries), size


@pytest.mark.parametrize("name", TABLE_EXPORTS)
def test_export_queries_do_not_grow_with_rows(conference, name):
    run = TABLE_EXPORTS[name]
    sessions = [WorkshopFactory(conference=conference), WorkshopFactory(conference=conference)]
    purposes = [Consent.Purpose.PARTICIPANT_LIST, Consent.Purpose.PHOTOS]
    extra = {"accessibility_needs": "Aufzug", "dietary_notes": "ohne Nüsse"}
    bulk_registrations(conference, 1, sessions=sessions, consents=purposes, **extra)
    one, small = _queries(run, conference, sessions[0])

    bulk_registrations(conference, 199, sessions=sessions, consents=purposes, start=1, **extra)
    many, large = _queries(run, conference, sessions[0])

    assert large > small  # the 199 rows are really in the second export
    assert many == one


# --- Who may export, and the log --------------------------------------------------------------


def test_may_export_follows_the_organiser_role_and_the_export_permission(db):
    own, other = ConferenceFactory(), ConferenceFactory()
    organiser = OrganiserFactory()
    own.organisers.add(organiser)
    staff_without_permission = UserFactory(is_staff=True)
    own.organisers.add(staff_without_permission)
    superuser = UserFactory(is_staff=True, is_superuser=True)

    allowed = {
        name: (may_export(user, own), may_export(user, other))
        for name, user in {
            "superuser": superuser,
            "organiser": organiser,
            "organiser without the permission": staff_without_permission,
            "organiser without staff": _organiser_only(own),
            "inactive organiser": _inactive_organiser(own),
            "anonymous": AnonymousUser(),
        }.items()
    }

    assert allowed == {
        "superuser": (True, True),
        "organiser": (True, False),
        "organiser without the permission": (False, False),
        "organiser without staff": (False, False),
        "inactive organiser": (False, False),
        "anonymous": (False, False),
    }


def _organiser_only(conference):
    user = UserFactory(is_staff=False)
    conference.organisers.add(user)
    return user


def _inactive_organiser(conference):
    user = UserFactory(is_staff=True, is_active=False)
    conference.organisers.add(user)
    return user


def test_every_table_export_is_logged_with_user_kind_format_and_rows(conference, caplog):
    user = UserFactory(username="orga")
    bulk_registrations(conference, 2, consents=[Consent.Purpose.PARTICIPANT_LIST])
    caplog.set_level(logging.INFO, logger="tagungsbuero.exports")

    attendee_list(conference=conference, user=user, fmt="csv").read()
    attendee_list(conference=conference, fmt="xlsx").read()
    participant_list(conference=conference, user=user, fmt="csv-semicolon").read()
    session_lists(conference=conference, user=user, fmt="xlsx").read()
    catering_summary(conference=conference, user=user, fmt="csv").read()

    assert list(
        ExportLog.objects.order_by("pk").values_list(
            "kind", "fmt", "user", "username", "row_count", "conference"
        )
    ) == [
        ("attendees", "csv", user.pk, "orga", 2, conference.pk),
        ("attendees", "xlsx", None, "system", 2, conference.pk),
        ("participant_list", "csv-semicolon", user.pk, "orga", 2, conference.pk),
        ("session_lists", "xlsx", user.pk, "orga", 0, conference.pk),
        ("catering", "csv", user.pk, "orga", 7, conference.pk),
    ]
    assert caplog.records[0].getMessage() == (
        "export attendees (csv) of conference nordhessen by orga: 2 rows"
    )


def test_a_csv_stream_is_logged_when_it_ends(conference):
    bulk_registrations(conference, 2)
    export = attendee_list(conference=conference, fmt="csv")

    chunks = iter(export)
    next(chunks)
    logged_before_end = ExportLog.objects.count()
    list(chunks)

    assert (logged_before_end, list(ExportLog.objects.values_list("row_count", flat=True))) == (
        0,
        [2],
    )


# --- Check-in codes ---------------------------------------------------------------------------


# --- Management commands ----------------------------------------------------------------------


def test_export_command_writes_the_filtered_attendee_list(conference, tmp_path):
    workshop = WorkshopFactory(conference=conference)
    SessionBookingFactory(
        registration=RegistrationFactory(conference=conference, last_name="Gebucht"),
        session=workshop,
    )
    RegistrationFactory(conference=conference, last_name="Ohne Buchung")
    SessionBookingFactory(
        registration=RegistrationFactory(
            conference=conference, last_name="Wartet", status=Registration.Status.WAITLISTED
        ),
        session=workshop,
        status=SessionBooking.Status.WAITLISTED,
    )
    output = tmp_path / "liste.csv"

    call_command(
        "export",
        "attendees",
        "status=confirmed",
        f"session={workshop.pk}",
        "--conference",
        "nordhessen",
        "--format",
        "csv-semicolon",
        "-o",
        str(output),
        stdout=io.StringIO(),
    )

    rows = list(csv.reader(io.StringIO(output.read_text("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in rows] == ["Nachname", "Gebucht"]


@pytest.mark.parametrize(
    ("identifier", "args", "magic"),
    [
        ("attendees", ["--format", "xlsx"], b"PK"),
        ("session_lists", [], b"PK"),
        ("participant_list", ["--format", "csv"], "\ufeffName".encode()),
        ("participant_list", [], b"%PDF"),
        ("catering", ["--format", "pdf", "status=confirmed,pending"], b"%PDF"),
        ("sign_in", ["by=session"], b"%PDF"),
        ("badges", ["layout=a6", "role=participant"], b"%PDF"),
        ("certificates", [], b"%PDF"),
    ],
)
def test_export_command_writes_every_export_of_the_registry(
    conference, tmp_path, identifier, args, magic
):
    bulk_registrations(conference, 2)
    output = tmp_path / "export"

    call_command(
        "export", identifier, *args, "-c", "nordhessen", "-o", str(output), stdout=io.StringIO()
    )

    assert output.read_bytes().startswith(magic)


def test_export_command_lists_the_registry(db):
    out = io.StringIO()

    call_command("export", "--list", stdout=out)

    assert [line.split()[0] for line in out.getvalue().splitlines()] == [
        "attendees",
        "session_lists",
        "sign_in",
        "badges",
        "catering",
        "participant_list",
        "certificates",
    ]


def test_export_command_names_its_default_file(conference, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    call_command("export", "attendees", "-c", "nordhessen", "-f", "xlsx", stdout=io.StringIO())

    assert [p.name for p in tmp_path.iterdir()] == ["teilnehmende-nordhessen.xlsx"]


@pytest.mark.parametrize(
    "args",
    [
        ["attendees", "-c", "unbekannt"],
        ["unbekannt", "-c", "nordhessen"],
        ["attendees"],
        ["attendees", "-c", "nordhessen", "status=bogus"],
        ["attendees", "-c", "nordhessen", "session=999999"],
        ["attendees", "-c", "nordhessen", "-f", "pdf"],
        ["attendees", "-c", "nordhessen", "nonsense"],
    ],
)
def test_export_command_refuses_unknown_input(conference, args):
    with pytest.raises(CommandError):
        call_command("export", *args, "-o", "-", stdout=io.StringIO())
