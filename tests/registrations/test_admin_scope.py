"""The scoping matrix, built from the admin site's registry: for EVERY registered model, an
organiser of conference A can neither list, view, change nor delete the objects of conference B,
nor pick them in any form (select, autocomplete, raw id) or through the autocomplete view.

A model registered in the admin is either scoped (its admin is an `OrganiserScopeMixin` and
`BUILDERS` below can make one object of it per conference) or listed in `GLOBAL` with the
reason it is global on purpose. A newly registered model that is neither fails
`test_every_registered_model_is_scoped_or_global_on_purpose`.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkin.models import DoorStaff
from conferences.admin import OrganiserScopeMixin
from exhibitors.models import ExhibitorEmail, Market
from registrations.models import ExportLog, SentEmail
from tests.admin_helpers import admin_url
from tests.factories import (
    ConferenceFactory,
    ConsentFactory,
    ExhibitorFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionBookingFactory,
    SessionSpeakerFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.django_db

#: Models global on purpose: app label + model name → why.
SUPERUSERS_ONLY = {
    "auth.user": "accounts are managed by superusers",
    "auth.group": "permissions are managed by superusers",
    "django_tasks_database.dbtaskresult": "the task queue is operations, not a conference",
}
SHARED_READ_ONLY = {
    "conferences.conferenceseries": "a series spans conferences; superusers keep it",
    "conferences.topic": "one topic list for every programme",
    "conferences.legalpage": "one imprint and privacy notice for the whole site",
}
GLOBAL = {**SUPERUSERS_ONLY, **SHARED_READ_ONLY}


def _sent_email(world):
    return SentEmail.objects.create(
        registration=world.registration,
        to=world.registration.email,
        subject=f"Ihre Anmeldung in {world.city}",
        kind=SentEmail.Kind.CONFIRMED,
    )


def _export_log(world):
    return ExportLog.objects.create(
        username=f"export-{world.city.lower()}",
        conference=world.conference,
        kind="attendees",
        fmt="csv",
        row_count=1,
    )


#: Model name → how to make one object of it in a conference's world. Keyed by model name (not
#: app label), so that a model moving between apps keeps its builder.
BUILDERS = {
    "conference": lambda w: w.conference,
    "session": lambda w: w.workshop,
    "speaker": lambda w: w.speaker,
    "exhibitor": lambda w: ExhibitorFactory(
        conference=w.conference, organisation=f"Beratungsstelle {w.city}"
    ),
    "registration": lambda w: w.registration,
    "sessionbooking": lambda w: w.booking,
    "consent": lambda w: ConsentFactory(registration=w.registration, text_version=f"F-{w.city}"),
    "sentemail": _sent_email,
    "exportlog": _export_log,
    "doorstaff": lambda w: DoorStaff.objects.create(user=UserFactory(), conference=w.conference),
    "market": lambda w: Market.objects.create(
        conference=w.conference,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=7),
        stands=5,
        max_staff_per_stand=3,
    ),
    "exhibitoremail": lambda w: ExhibitorEmail.objects.create(
        exhibitor=ExhibitorFactory(conference=w.conference, organisation=f"Verein {w.city}"),
        to=f"stand.{w.city.lower()}@example.org",
        subject=f"Ihre Standanmeldung in {w.city}",
        kind=ExhibitorEmail.Kind.choices[0][0],
    ),
}


def label(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


REGISTRY = sorted(admin.site._registry.items(), key=lambda item: label(item[0]))
SCOPED = [model for model, _ in REGISTRY if label(model) not in GLOBAL]


def build_world(city):
    conference = ConferenceFactory(title=f"Regionalkonferenz {city}", city=city)
    workshop = WorkshopFactory(conference=conference, title=f"Workshop in {city}")
    speaker = SessionSpeakerFactory(
        session=workshop, speaker__last_name=f"Referentin{city}"
    ).speaker
    registration = RegistrationFactory(
        conference=conference,
        last_name=f"Teilnehmerin{city}",
        email=f"person.{city.lower()}@example.org",
    )
    booking = SessionBookingFactory(registration=registration, session=workshop)
    world = SimpleNamespace(
        city=city,
        conference=conference,
        workshop=workshop,
        speaker=speaker,
        registration=registration,
        booking=booking,
    )
    world.objects = {
        model._meta.model_name: BUILDERS[model._meta.model_name](world)
        for model in SCOPED
        if model._meta.model_name in BUILDERS
    }
    return world


@pytest.fixture
def own():
    return build_world("Kassel")


@pytest.fixture
def other():
    return build_world("Wiesbaden")


@pytest.fixture
def organiser_client(own):
    client = Client()
    client.force_login(OrganiserFactory(conferences=[own.conference]))
    return client


def test_every_registered_model_is_scoped_or_global_on_purpose():
    unscoped = [
        label(model)
        for model, model_admin in REGISTRY
        if label(model) not in GLOBAL and not isinstance(model_admin, OrganiserScopeMixin)
    ]
    without_builder = [label(model) for model in SCOPED if model._meta.model_name not in BUILDERS]

    assert unscoped == [], "scope these admins (OrganiserScopeMixin) or list them in GLOBAL"
    assert without_builder == [], "add a builder for these models to the matrix"


@pytest.mark.parametrize("name", sorted(SUPERUSERS_ONLY))
def test_superuser_only_models_are_closed_to_organisers(organiser_client, name):
    model = apps.get_model(name)

    response = organiser_client.get(admin_url(model, "changelist"))

    assert response.status_code == 403


@pytest.mark.parametrize("name", sorted(SHARED_READ_ONLY))
def test_shared_models_are_read_only_to_organisers(own, name):
    model = apps.get_model(name)
    model_admin = admin.site.get_model_admin(model)
    request = SimpleNamespace(user=own.conference.organisers.first() or OrganiserFactory())

    allowed = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request),
        model_admin.has_delete_permission(request),
    )

    assert allowed == (False, False, False)


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_changelist_lists_the_own_object_and_nothing_of_another_conference(
    organiser_client, own, other, model
):
    name = model._meta.model_name

    response = organiser_client.get(admin_url(model, "changelist"))

    listed = list(response.context["cl"].queryset)
    assert own.objects[name] in listed
    assert other.objects[name] not in listed


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_pages_of_another_conferences_object_are_not_found(organiser_client, other, model, view):
    obj = other.objects[model._meta.model_name]

    response = organiser_client.get(admin_url(model, view, obj.pk))

    assert response.status_code == 404


@pytest.mark.parametrize("view", ["change", "delete"])
@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_posts_to_another_conferences_object_change_nothing(organiser_client, other, model, view):
    obj = other.objects[model._meta.model_name]
    before = model._default_manager.filter(pk=obj.pk).values().get()

    response = organiser_client.post(admin_url(model, view, obj.pk), {"post": "yes"})

    assert response.status_code == 404
    assert model._default_manager.filter(pk=obj.pk).values().get() == before


def _choice_fields(response):
    """Every model choice field of an admin form as rendered, inline formsets included; not an
    inline row's own primary key (Django's formset matches it against the parent's rows only)."""
    fields = []
    form_list = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        form_list.append(inline.formset.empty_form)
    for form in form_list:
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField) and name != form._meta.model._meta.pk.name:
                fields.append((f"{type(form).__name__}.{name}", field))
    return fields


@pytest.mark.parametrize("model", [m for m, _ in REGISTRY], ids=label)
def test_no_form_offers_or_accepts_another_conferences_objects(organiser_client, own, other, model):
    own_object = own.objects.get(model._meta.model_name)
    response = (
        organiser_client.get(admin_url(model, "change", own_object.pk))
        if own_object is not None
        else organiser_client.get(admin_url(model, "add"))
    )
    if response.status_code == 403:
        pytest.skip("the organiser has no form here")

    leaks = [
        name
        for name, field in _choice_fields(response)
        if (foreign := other.objects.get(field.queryset.model._meta.model_name)) is not None
        and field.queryset.filter(pk=foreign.pk).exists()
    ]

    assert response.status_code == 200
    assert leaks == []


def _autocomplete_sources():
    """Every (model, foreign key) whose target has a scoped admin with a search: what the
    autocomplete view could be asked for."""
    for source in apps.get_models():
        if source._meta.model_name.startswith("historical"):
            continue
        for field in source._meta.get_fields():
            target = getattr(field, "related_model", None)
            if not (field.concrete and field.is_relation) or target not in dict(REGISTRY):
                continue
            target_admin = admin.site.get_model_admin(target)
            if isinstance(target_admin, OrganiserScopeMixin) and target_admin.search_fields:
                yield pytest.param(source, field.name, id=f"{label(source)}.{field.name}")


@pytest.mark.parametrize(("source", "field_name"), list(_autocomplete_sources()))
def test_autocomplete_never_offers_another_conferences_objects(
    organiser_client, own, other, source, field_name
):
    target = source._meta.get_field(field_name).related_model

    response = organiser_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": source._meta.app_label,
            "model_name": source._meta.model_name,
            "field_name": field_name,
            "term": "",
        },
    )

    ids = [item["id"] for item in response.json()["results"]]
    assert str(other.objects[target._meta.model_name].pk) not in ids
    assert str(own.objects[target._meta.model_name].pk) in ids
