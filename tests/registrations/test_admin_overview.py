"""The overview page of a conference in the admin, and the exports started from the admin."""

import csv
import io
import logging
import re

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from conferences.models import Conference
from registrations import services
from registrations.admin.charts import Row, bar_chart
from registrations.models import Consent, Registration
from tests.admin_helpers import admin_url
from tests.factories import ConferenceFactory, WorkshopFactory, bulk_registrations

pytestmark = pytest.mark.django_db


def overview_url(conference):
    return reverse("admin:conferences_conference_overview", args=(conference.pk,))


def export_url(conference, kind, **params):
    url = reverse("exports:export", args=(conference.pk, kind))
    query = "&".join(
        f"{key}={item}"
        for key, value in params.items()
        for item in (value if isinstance(value, list) else [value])
    )
    return f"{url}?{query}" if query else url


def rows(chart_rows):
    return [(row.label, row.value) for row in chart_rows]


# --- Figures --------------------------------------------------------------------------------------


@pytest.fixture
def running(conference, workshops, register):
    """Five people: one confirmed and checked in, two pending, one cancelled, one waiting."""
    first = workshops[0]
    arrived = register(
        conference,
        session_ids=[first],
        organisation_type="district",
        diet="vegan",
        accessibility_needs="Induktionsschleife",
        first_name="Aylin",
        last_name="Demir",
    )
    services.confirm_email(registration=arrived)
    services.check_in(registration=arrived)
    register(conference, organisation_type="municipality", diet="vegetarian")
    cancelled = register(conference)
    services.cancel_registration(registration=cancelled)
    register(conference, region="Südhessen")
    register(conference, conference_known_full=True)
    return conference


def test_overview_counts_the_registrations_by_status(admin_client, running):
    response = admin_client.get(overview_url(running))

    content = response.content.decode()
    figures = response.context["figures"]
    assert response.status_code == 200
    assert figures["counts"] == {
        "total": 5,
        "pending": 2,
        "awaiting_approval": 0,
        "confirmed": 1,
        "waitlisted": 1,
        "cancelled": 1,
        "checked_in": 1,
        "with_dietary_notes": 0,
    }
    assert figures["seats_left"] == 0
    assert '<td class="figure" id="figure-capacity">3</td>' in content
    assert '<td class="figure" id="figure-pending">2</td>' in content
    assert '<td class="figure" id="figure-checked-in">1</td>' in content


def test_overview_shows_seats_taken_free_and_waiting_per_session(admin_client, running, workshops):
    response = admin_client.get(overview_url(running))

    lines = response.context["figures"]["sessions"]
    assert [
        (line.session.title, line.session.seats_taken, line.seats_left, line.session.waitlist_count)
        for line in lines
    ] == [
        ("Workshop Ankommen", 1, 1, 0),
        ("Workshop Sprache", 0, 2, 0),
        ("Workshop Arbeit", 0, 2, 0),
    ]


def test_overview_charts_people_by_day_type_region_and_diet(admin_client, running):
    response = admin_client.get(overview_url(running))

    figures = response.context["figures"]
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert rows(figures["days"]) == [(today, 5)]
    assert rows(figures["organisation_types"]) == [("Landkreis", 3), ("Stadt oder Gemeinde", 1)]
    assert rows(figures["regions"]) == [("Nordhessen", 3), ("Südhessen", 1)]
    assert rows(figures["diets"]) == [
        ("keine besonderen Anforderungen", 1),
        ("vegetarisch", 1),
        ("vegan", 1),
        ("halal", 0),
        ("koscher", 0),
        ("andere (bitte angeben)", 0),
    ]
    assert [r.full_name for r in figures["needs"]] == ["Aylin Demir"]


def test_every_chart_is_inline_svg_labelled_by_its_caption_with_a_table(admin_client, running):
    response = admin_client.get(overview_url(running))

    content = response.content.decode()
    for chart_id in ("chart-days", "chart-types", "chart-regions", "chart-diets"):
        assert f'<figcaption id="{chart_id}">' in content
        assert f'role="img" aria-labelledby="{chart_id}"' in content
    assert content.count("<summary>Als Tabelle</summary>") == 4
    assert "<td>Landkreis</td>" not in content  # rows link to the filtered changelist
    assert '">Landkreis</a></td><td>3</td>' in content
    assert "Induktionsschleife" in content


def test_charts_come_from_templates_without_inline_style_or_script(admin_client, running):
    response = admin_client.get(overview_url(running))

    content = response.content.decode()
    svgs = re.findall(r"<svg.*?</svg>", content, re.S)
    assert content.count('class="tb-chart"') == 4
    assert [svg for svg in svgs if "style=" in svg or "<script" in svg] == []
    assert re.findall(r'href="([^"]*admin-charts[^"]*)"', content) == [
        static("css/admin-charts.css")
    ]


def test_chart_coordinates_are_not_localised_in_german():
    chart = bar_chart([Row("Nordhessen", 7), Row("Südhessen", 3)])

    with translation.override("de"):
        svg = render_to_string(
            "admin/registrations/charts/bar_chart.html", {"chart": chart, "labelledby": "c"}
        )

    assert [bar.width for bar in chart.bars] == [300.0, 128.6]
    assert re.findall(r'<rect class="tb-chart-bar" [^>]*width="([^"]+)"', svg) == ["300.0", "128.6"]
    assert "<title>Südhessen: 3</title>" in svg


def test_overview_of_a_conference_without_registrations_says_so(admin_client):
    conference = ConferenceFactory()

    response = admin_client.get(overview_url(conference))

    assert response.status_code == 200
    assert response.content.decode().count("Noch keine Anmeldungen.") == 3
    assert response.context["figures"]["counts"]["total"] == 0


def test_overview_queries_do_not_grow_from_one_to_two_hundred_registrations(admin_client):
    conference = ConferenceFactory(capacity=500)
    workshop = WorkshopFactory(conference=conference, capacity=300)
    bulk_registrations(conference, 1, sessions=[workshop], region="Nordhessen")
    url = overview_url(conference)
    with CaptureQueriesContext(connection) as with_one:
        admin_client.get(url)
    for n, status in enumerate(Registration.Status.values):
        bulk_registrations(
            conference,
            40 - (n == 0),
            sessions=[workshop],
            start=1 + 40 * n,
            status=status,
            region=f"Region {n}",
            diet="vegan",
            accessibility_needs="Rollstuhl",
        )

    with CaptureQueriesContext(connection) as with_many:
        response = admin_client.get(url)

    assert response.context["figures"]["counts"]["total"] == 200
    assert len(with_many) == len(with_one), "\n".join(
        query["sql"] for query in with_many.captured_queries
    )


def test_conference_pages_link_to_the_overview(admin_client):
    conference = ConferenceFactory()
    link = f'href="{overview_url(conference)}"'

    change = admin_client.get(admin_url(Conference, "change", conference.pk))
    changelist = admin_client.get(admin_url(Conference, "changelist"))

    assert link in change.content.decode()
    assert link in changelist.content.decode()


def test_overview_links_to_the_exports_the_message_and_person_anmelden(admin_client):
    conference = ConferenceFactory()

    content = admin_client.get(overview_url(conference)).content.decode()

    assert f'href="{export_url(conference, "badges", layout="a4")}"' in content
    assert f'action="{export_url(conference, "attendees")}"' in content
    assert reverse("admin:conferences_conference_message", args=(conference.pk,)) in content
    assert f"{admin_url(Registration, 'add')}?conference={conference.pk}" in content


# --- Exports from the admin --------------------------------------------------------------------


def read_csv(response, delimiter=";"):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_attendee_export_streams_csv_of_the_chosen_statuses(admin_client, conference, register):
    confirmed = services.confirm_email(registration=register(conference, last_name="Demir"))
    register(conference, last_name="Becker")

    response = admin_client.get(
        export_url(conference, "attendees", format="csv-semicolon", status="confirmed")
    )

    table = read_csv(response)
    assert response["Content-Disposition"].startswith("attachment;")
    assert table[0][:2] == ["Nachname", "Vorname"]
    assert [row[0] for row in table[1:]] == [confirmed.last_name]


def test_attendee_export_of_a_session_lists_its_participants(
    admin_client, conference, workshops, register
):
    booked = register(conference, session_ids=[workshops[0]], last_name="Demir")
    register(conference, last_name="Becker")

    response = admin_client.get(
        export_url(conference, "attendees", format="csv", session=workshops[0].pk)
    )

    assert [row[0] for row in read_csv(response, ",")[1:]] == [booked.last_name]


def test_attendee_export_as_xlsx_has_the_german_header(admin_client, conference, register):
    register(conference, last_name="Demir")

    response = admin_client.get(export_url(conference, "attendees", format="xlsx"))

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert [cell.value for cell in sheet[1]][:2] == ["Nachname", "Vorname"]
    assert sheet.cell(row=2, column=1).value == "Demir"


@pytest.mark.parametrize(
    ("kind", "params", "content_type"),
    [
        ("session_lists", {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("session_lists", {"format": "csv"}, "text/csv; charset=utf-8"),
        ("participant_list", {}, "application/pdf"),
        ("catering", {"format": "pdf"}, "application/pdf"),
        ("catering", {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("sign_in", {}, "application/pdf"),
        ("sign_in", {"by": "session"}, "application/pdf"),
        ("badges", {"layout": "a6"}, "application/pdf"),
        ("certificates", {}, "application/pdf"),
    ],
)
def test_every_export_downloads_from_the_admin(
    admin_client, conference, workshops, register, kind, params, content_type
):
    services.confirm_email(registration=register(conference, session_ids=[workshops[0]]))

    response = admin_client.get(export_url(conference, kind, **params))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    if content_type == "application/pdf":
        assert body.startswith(b"%PDF")


def test_export_is_logged_with_the_organiser(admin_client, conference, register, caplog):
    register(conference)

    with caplog.at_level(logging.INFO, logger="tagungsbuero.exports"):
        response = admin_client.get(export_url(conference, "attendees"))
        b"".join(response.streaming_content)

    assert [record.getMessage() for record in caplog.records] == [
        f"export attendees (csv-semicolon) of conference {conference.slug} by admin: 1 rows"
    ]


@pytest.mark.parametrize(
    ("kind", "params", "status"),
    [
        ("attendees", {"format": "pdf"}, 400),
        ("attendees", {"status": "unknown"}, 400),
        ("badges", {"layout": "a3"}, 400),
        ("sign_in", {"day": "gestern"}, 400),
        ("nonsense", {}, 404),
    ],
)
def test_export_with_options_that_make_no_sense_is_refused(
    admin_client, conference, kind, params, status
):
    response = admin_client.get(export_url(conference, kind, **params))

    assert response.status_code == status


def test_export_of_a_session_of_another_conference_is_not_found(admin_client, conference):
    elsewhere = WorkshopFactory()

    response = admin_client.get(export_url(conference, "attendees", session=elsewhere.pk))

    assert response.status_code == 404


def test_conference_action_exports_the_attendee_list_of_one_conference(
    admin_client, conference, register
):
    registration = register(conference, last_name="Demir")
    other = ConferenceFactory()
    url = admin_url(Conference, "changelist")

    one = admin_client.post(
        url, {"action": "export_attendees_csv", "_selected_action": [conference.pk]}, follow=True
    )
    two = admin_client.post(
        url,
        {"action": "export_attendees_csv", "_selected_action": [conference.pk, other.pk]},
        follow=True,
    )

    assert [row[0] for row in read_csv(one)[1:]] == [registration.last_name]
    assert [str(m) for m in two.context["messages"]] == [
        "Bitte wählen Sie genau eine Konferenz aus."
    ]


def test_conference_action_promotes_the_waiting_list(admin_client, conference, register):
    for _ in range(conference.capacity):
        register(conference)
    waiting = register(conference, conference_known_full=True)
    Conference.objects.filter(pk=conference.pk).update(capacity=conference.capacity + 1)

    response = admin_client.post(
        admin_url(Conference, "changelist"),
        {"action": "promote_waitlist", "_selected_action": [conference.pk]},
        follow=True,
    )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.PENDING
    assert [str(m) for m in response.context["messages"]] == [
        "Regionalkonferenz Nordhessen: 1 Person von der Warteliste hat einen Konferenzplatz "
        f"erhalten: {waiting.full_name}."
    ]


def test_consent_rows_in_bulk_do_not_change_the_overview_queries(admin_client):
    """Consents are not read by the overview at all (a guard against a per-row lookup)."""
    conference = ConferenceFactory()
    bulk_registrations(conference, 3, consents=[Consent.Purpose.PRIVACY])

    with CaptureQueriesContext(connection) as queries:
        admin_client.get(overview_url(conference))

    assert not [q for q in queries.captured_queries if "registrations_consent" in q["sql"]]
