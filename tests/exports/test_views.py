import pytest
from django.template import Context, Template

from exports.views import export_links, export_url
from tests.factories import ConferenceFactory

pytestmark = pytest.mark.django_db


def test_export_links_come_from_the_registry_in_its_order():
    conference = ConferenceFactory()

    links = export_links(conference)

    assert [(str(name), len(shortcuts)) for name, shortcuts in links] == [
        ("Programmpunkte: Teilnehmende je Programmpunkt", 2),
        ("Unterschriftenlisten", 2),
        ("Namensschilder", 2),
        ("Verpflegung und Barrierefreiheit", 3),
        ("Teilnehmendenliste zum Aushändigen (nur mit Einwilligung)", 2),
        ("Teilnahmebescheinigungen", 1),
    ]
    assert links[2][1][1] == (
        "PDF, einzelne A6-Schilder",
        export_url(conference, "badges", layout="a6"),
    )


def test_template_tags_give_other_apps_the_links_and_the_attendee_form():
    conference = ConferenceFactory()
    template = Template(
        "{% load export_tags %}{% export_links conference as links %}"
        "{% attendee_export_form conference as form %}"
        "{{ links.0.1.0.1 }}|{{ form.format.value }}|{{ form.status.value|join:',' }}"
    )

    rendered = template.render(Context({"conference": conference}))

    assert rendered == (f"{export_url(conference, 'session_lists', format='xlsx')}|None|confirmed")


def test_an_export_option_that_makes_no_sense_answers_400_in_words(admin_client):
    conference = ConferenceFactory()

    response = admin_client.get(export_url(conference, "attendees", format="docx"))

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("Unbekannte Angabe: format: ")
