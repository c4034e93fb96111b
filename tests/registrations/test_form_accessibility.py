"""The registration form's HTML keeps what assistive technology needs, whatever its templates.

The form is written out by our own templates (registrations/_registration_form.html, _field.html)
with Django's widgets; these tests read the rendered page as a screen reader would find it, so
that a template change cannot silently lose a label, a legend or an error link.
"""

import time
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse

from registrations.forms import RegistrationForm
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea"}


class FormReader(HTMLParser):
    """Collects the controls of the page's form, the labels, the ids, and for every radio button
    the legend of the fieldset around it."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_targets, self.ids, self.summary_links = [], set(), set(), []
        self.fieldsets = []  # stack: [legend text or None, aria-describedby]
        self.in_legend = self.in_summary = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if attrs.get("id") == "error-summary":
            self.in_summary = True
        if tag == "a" and self.in_summary and attrs.get("href", "").startswith("#"):
            self.summary_links.append(attrs["href"][1:])
        if tag == "fieldset":
            self.fieldsets.append({"legend": "", "describedby": attrs.get("aria-describedby")})
        elif tag == "legend":
            self.in_legend = True
        elif tag == "label" and "for" in attrs:
            self.label_targets.add(attrs["for"])
        elif tag in CONTROLS and attrs.get("type") not in {"hidden", "submit"}:
            group = self.fieldsets[-1] if self.fieldsets else None
            self.controls.append({"tag": tag, **attrs, "group": dict(group) if group else None})

    def handle_endtag(self, tag):
        if tag == "fieldset":
            self.fieldsets.pop()
        elif tag == "legend":
            self.in_legend = False
        elif tag == "div" and self.in_summary and not self.fieldsets:
            self.in_summary = False

    def handle_data(self, data):
        if self.in_legend and self.fieldsets:
            self.fieldsets[-1]["legend"] += data.strip()


@pytest.fixture
def conference():
    conference = ConferenceFactory(slug="kassel", capacity=50)
    WorkshopFactory(conference=conference, title="Forum Sprache")
    WorkshopFactory(conference=conference, title="Forum Arbeit")
    return conference


def _read(response):
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader


def _sent_back(client, conference, settings):
    """The form sent with the names and the privacy consent missing and a forum that is gone."""
    settings.RATELIMIT_ENABLE = False
    cache.clear()
    form = RegistrationForm(conference=conference)
    slot = form.slot_field_names()[0]
    data = {
        "email": "ina@example",
        "form_token": form.make_token(started=time.time() - 60),
        slot: "999999",
    }
    return client.post(reverse("registrations:register", kwargs={"slug": "kassel"}), data), slot


def test_registration_page_every_control_has_a_label_and_radios_a_legend(client, conference):
    form = RegistrationForm(conference=conference)
    slot_label = form[form.slot_field_names()[0]].label

    response = client.get(reverse("registrations:register", kwargs={"slug": conference.slug}))

    reader = _read(response)
    unlabelled = [c["name"] for c in reader.controls if c["id"] not in reader.label_targets]
    radios = [c for c in reader.controls if c.get("type") == "radio"]
    assert response.status_code == 200
    assert unlabelled == []
    assert len(radios) == 3  # "keine Auswahl" and the two forums of the one slot
    assert {c["group"]["legend"] for c in radios} == {slot_label}
    assert not any("aria-invalid" in c for c in reader.controls)


def test_registration_page_errors_are_linked_to_their_fields(client, conference, settings):
    response, slot = _sent_back(client, conference, settings)

    reader = _read(response)
    invalid = {c["name"]: c for c in reader.controls if c.get("aria-invalid") == "true"}
    radios = [c for c in reader.controls if c["name"] == slot]
    assert response.status_code == 200
    assert set(invalid) == {"first_name", "last_name", "email", "consent_privacy", slot}
    assert {name: c.get("aria-describedby") for name, c in invalid.items() if name != slot} == {
        name: f"id_{name}_error" for name in invalid if name != slot
    }
    # A radio group is described as a whole: its fieldset points at the error.
    assert {c["group"]["describedby"] for c in radios} == {f"id_{slot}_error"}
    assert {f"id_{name}_error" for name in invalid} <= reader.ids
    # The summary links each field, a radio group by its fieldset.
    assert set(reader.summary_links) == {f"id_{name}" for name in invalid if name != slot} | {
        f"div_id_{slot}"
    }
    assert set(reader.summary_links) <= reader.ids
