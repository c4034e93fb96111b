"""Fields of a form sent back are taken from the cache only where that changes nothing."""

import time

import pytest
from crispy_forms.utils import render_crispy_form, render_field
from django.utils import translation
from django.utils.html import escape

from registrations import field_cache
from registrations.forms import RegistrationForm
from tests.factories import ConferenceFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "academic_title": 'Dr. "phil." <b>',
    "first_name": "Ⓜ️aryam &amp; مريم",
    "last_name": "Zaeri-Esfahani' onmouseover='x",
    "email": "ina.yilmaz@kühne-hörmann.de",
    "organisation": "<script>alert(1)</script> Landkreis & Stadt",
    "position": "tbTyped" + "0" * 24,  # looks like a marker, is not this process's
    "region": "  Nordhessen  ",
    "dietary_notes": "{{ form }} {% csrf_token %}",
    "accessibility_needs": "Rollstuhl\r\nGebärdensprache\n\n<i>bitte</i>",
}


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    monkeypatch.setattr(field_cache, "_html", {})


@pytest.fixture
def conference():
    conference = ConferenceFactory()
    first = WorkshopFactory(conference=conference, title="Forum Ankommen", capacity=2)
    WorkshopFactory(conference=conference, title="Forum Sprache", starts_at=first.starts_at)
    WorkshopFactory(conference=conference, title="Forum Arbeit", starts_at=first.ends_at)
    return conference


def _form(conference, **values):
    token = RegistrationForm(conference=conference).make_token(started=time.time() - 60)
    data = {"form_token": token, "consent_privacy": "on", "first_name": "Ina", **values}
    form = RegistrationForm(data, conference=conference)
    form.is_valid()
    return form


def _render(form):
    return render_crispy_form(form, context={"csrf_token": "csrf-token-of-this-visitor"})


def _render_without_cache(form, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(
            field_cache.CachedField,
            "render",
            lambda self, form, context, template_pack, **kwargs: render_field(
                self.fields[0], form, context, template_pack=template_pack
            ),
        )
        return _render(form)


def _slot_values(form):
    """The first forum of the first slot chosen, nothing in the second."""
    first, second = form.slot_field_names()
    return {first: str(form.slots[0].sessions[0].pk), second: ""}


def test_a_form_sent_back_renders_as_crispy_renders_it_on_miss_and_on_hit(conference, monkeypatch):
    values = {**HOSTILE, "salutation": "diverse", "diet": "vegan", "consent_photos": "on"}
    form = _form(conference, **values, **_slot_values(_form(conference)))
    slot = form.slot_field_names()[0]
    form.add_error(slot, "Dieses Forum ist inzwischen ausgebucht.")
    form.add_error(None, "Bitte wählen Sie neu.")
    expected = _render_without_cache(form, monkeypatch)

    first = _render(form)
    stored = len(field_cache._html)
    second = _render(form)

    assert first == expected
    assert second == expected
    assert "Dieses Forum ist inzwischen ausgebucht." in first
    assert stored == len(form.fields)  # the forum with the error too: a choice of its own
    assert len(field_cache._html) == stored  # the second rendering was all hits


def test_another_person_gets_the_cached_fields_with_their_own_text(conference, monkeypatch):
    _render(_form(conference, **HOSTILE))
    stored = len(field_cache._html)
    other = _form(conference, **{name: value[::-1] + "ü" for name, value in HOSTILE.items()})

    rendered = _render(other)

    assert len(field_cache._html) == stored
    assert rendered == _render_without_cache(other, monkeypatch)
    assert escape(other.data["organisation"]) in rendered
    assert escape(other.data["accessibility_needs"]) in rendered


def test_nothing_typed_is_kept_in_the_cache(conference):
    form = _form(conference, **{**HOSTILE, "email": "kein-at-zeichen"})
    html = _render(form)

    cached = "".join(field_cache._html.values())
    assert "kein-at-zeichen" in html  # shown beside its error, rendered as usual
    assert "email" in form.errors
    for name, value in HOSTILE.items():
        if name != "email":
            # Whole values: this process's own marker may begin like the look-alike.
            assert value not in cached, name
            assert escape(value) not in cached, name
    assert "Ina" not in cached
    assert field_cache._MARKER not in html


def test_a_choice_that_is_not_one_of_the_fields_own_is_not_cached(conference, monkeypatch):
    slot = _form(conference).slot_field_names()[0]
    form = _form(conference, **{slot: "<b>999999</b>"})
    assert slot in form.errors  # "not one of the available choices", with what was sent

    html = _render(form)

    assert html == _render_without_cache(form, monkeypatch)
    assert "999999" in html
    assert "999999" not in "".join(field_cache._html.values())


def test_errors_are_part_of_the_key(conference, monkeypatch):
    chosen = _slot_values(_form(conference))
    slot = next(iter(chosen))
    full = _form(conference, **chosen)
    full.add_error(slot, "Dieses Forum ist inzwischen ausgebucht.")
    fine = _form(conference, **chosen)

    _render(full)
    html = _render(fine)

    assert html == _render_without_cache(fine, monkeypatch)
    assert "ausgebucht." not in html


def test_options_and_language_are_part_of_the_key(conference, monkeypatch):
    chosen = _form(
        conference, salutation="ms", consent_photos="on", **_slot_values(_form(conference))
    )
    other = _form(conference, salutation="mr")
    assert _render(chosen) == _render_without_cache(chosen, monkeypatch)
    assert _render(other) == _render_without_cache(other, monkeypatch)
    with translation.override("en"):
        english = _form(conference, salutation="mr")
        html = _render(english)
        assert html == _render_without_cache(english, monkeypatch)
    assert "Datenschutzhinweise" not in html  # the German page's cached fields were not reused


def test_unbound_forms_are_not_cached(conference):
    _render(RegistrationForm(conference=conference))

    assert field_cache._html == {}


def test_the_cache_starts_afresh_when_full(conference, monkeypatch):
    monkeypatch.setattr(field_cache, "MAX_ENTRIES", 5)

    _render(_form(conference))

    assert 0 < len(field_cache._html) <= 5


# --- The whole form ------------------------------------------------------------------------------


def _whole_forms():
    return [key for key in field_cache._html if key[0] == "form"]


def _render_whole_without_cache(form, monkeypatch, token):
    with monkeypatch.context() as patch:
        patch.setattr(field_cache, "_html", {})
        patch.setattr(field_cache, "_cacheable", lambda form, bound: False)
        return field_cache.render_form(form, csrf_token=token)


def test_a_whole_form_sent_back_renders_as_crispy_renders_it_on_miss_and_on_hit(
    conference, monkeypatch
):
    values = {**HOSTILE, "salutation": "diverse", "diet": "vegan", "consent_photos": "on"}
    form = _form(conference, **values, **_slot_values(_form(conference)))
    form.add_error(form.slot_field_names()[0], "Dieses Forum ist inzwischen ausgebucht.")
    form.add_error(None, "Bitte wählen Sie neu.")
    expected = _render_without_cache(form, monkeypatch)  # crispy, token of "this visitor"

    first = field_cache.render_form(form, csrf_token="csrf-token-of-this-visitor")
    second = field_cache.render_form(form, csrf_token="csrf-token-of-another-visit")

    assert first == expected
    assert second == expected.replace("csrf-token-of-this-visitor", "csrf-token-of-another-visit")
    assert len(_whole_forms()) == 1
    assert field_cache._MARKER not in first + second


def test_another_person_gets_the_cached_form_with_their_own_text(conference, monkeypatch):
    field_cache.render_form(_form(conference, **HOSTILE), csrf_token="first")
    stored = dict(field_cache._html)
    other = _form(conference, **{name: value[::-1] + "ü" for name, value in HOSTILE.items()})

    rendered = field_cache.render_form(other, csrf_token="second")

    assert field_cache._html == stored  # a hit: nothing rendered, nothing added
    assert rendered == _render_whole_without_cache(other, monkeypatch, "second")
    assert escape(other.data["organisation"]) in rendered
    assert escape(other.data["accessibility_needs"]) in rendered


def test_a_form_with_an_error_beside_typed_text_is_rendered_whole_as_usual(conference, monkeypatch):
    form = _form(conference, **{**HOSTILE, "email": "kein-at-zeichen"})

    html = field_cache.render_form(form, csrf_token="token")

    assert html == _render_whole_without_cache(form, monkeypatch, "token")
    assert "kein-at-zeichen" in html
    assert _whole_forms() == []
    cached = "".join(field_cache._html.values())
    assert "kein-at-zeichen" not in cached
    assert escape(HOSTILE["organisation"]) not in cached


def test_the_forms_own_errors_are_part_of_the_whole_forms_key(conference, monkeypatch):
    chosen = {**HOSTILE, **_slot_values(_form(conference))}
    closed = _form(conference, **chosen)
    closed.add_error(None, "Die Anmeldung ist geschlossen.")
    full = _form(conference, **chosen)
    full.add_error(None, "Die Konferenz ist inzwischen ausgebucht.")

    first = field_cache.render_form(closed, csrf_token="token")
    second = field_cache.render_form(full, csrf_token="token")

    assert first == _render_whole_without_cache(closed, monkeypatch, "token")
    assert second == _render_whole_without_cache(full, monkeypatch, "token")
    assert "geschlossen" in first and "geschlossen" not in second
    assert len(_whole_forms()) == 2


def test_nothing_typed_is_kept_with_the_whole_form(conference):
    field_cache.render_form(_form(conference, **HOSTILE), csrf_token="token-9f8e7d")

    cached = "".join(field_cache._html.values())
    for name, value in HOSTILE.items():
        assert value not in cached, name
        assert escape(value) not in cached, name
    assert "token-9f8e7d" not in cached
