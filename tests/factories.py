"""Factories that surprise no one: valid, published, open for registration unless told."""

import importlib
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from conferences.models import (
    Conference,
    ConferenceSeries,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
)
from exhibitors.models import Exhibitor
from registrations.models import Consent, Registration, SessionBooking


def _in_days(days, hour=9):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ConferenceSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConferenceSeries

    title = factory.Sequence(lambda n: f"Regionalkonferenzen {2030 + n}")
    slug = factory.Sequence(lambda n: f"regionalkonferenzen-{2030 + n}")


class ConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conference

    title = factory.Sequence(lambda n: f"Regionalkonferenz {n}")
    slug = factory.Sequence(lambda n: f"regionalkonferenz-{n}")
    motto = "Integration gestalten – Strukturen erarbeiten"
    city = "Kassel"
    venue_name = "Kongress Palais Kassel"
    address = "Holger-Börner-Platz 1\n34119 Kassel"
    starts_at = factory.LazyFunction(lambda: _in_days(30, 9))
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + timedelta(hours=8))
    capacity = 300
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    registration_closes_at = factory.LazyAttribute(lambda c: c.starts_at - timedelta(days=2))
    status = Conference.Status.PUBLISHED
    contact_email = "tagung@example.org"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Thema {n}")
    slug = factory.Sequence(lambda n: f"thema-{n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    conference = factory.SubFactory(ConferenceFactory)
    title = factory.Sequence(lambda n: f"Forum {n}")
    kind = Session.Kind.FORUM
    starts_at = factory.LazyAttribute(lambda s: s.conference.starts_at + timedelta(hours=2))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))
    room = "Raum 1"


class WorkshopFactory(SessionFactory):
    kind = Session.Kind.WORKSHOP
    is_bookable = True
    capacity = 25


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    first_name = factory.Sequence(lambda n: f"Vorname{n}")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    organisation = "Universität Hildesheim"


class SessionSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSpeaker

    session = factory.SubFactory(SessionFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    role = SessionSpeaker.Role.SPEAKER


class ExhibitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibitor

    conference = factory.SubFactory(ConferenceFactory)
    organisation = factory.Sequence(lambda n: f"Beratungsstelle {n}")
    project = "Sprachmittlung vor Ort"
    contact_name = "Ina Jerenashvili"
    email = factory.Sequence(lambda n: f"stand{n}@example.org")
    status = Exhibitor.Status.ACCEPTED


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A row as the services would store it; it does not touch seat counters."""

    class Meta:
        model = Registration

    conference = factory.SubFactory(ConferenceFactory)
    first_name = factory.Sequence(lambda n: f"Vorname{n}")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    organisation = "Stadt Wiesbaden"
    organisation_type = Registration.OrganisationType.MUNICIPALITY
    status = Registration.Status.CONFIRMED


class SessionBookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionBooking

    registration = factory.SubFactory(RegistrationFactory)
    session = factory.SubFactory(
        SessionFactory, conference=factory.SelfAttribute("..registration.conference")
    )


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    registration = factory.SubFactory(RegistrationFactory)
    purpose = Consent.Purpose.PRIVACY
    text_version = "2026-01"
    given_at = factory.LazyFunction(timezone.now)


class ParticipantDataFactory(factory.DictFactory):
    """What a person types into the registration form, as `services.register_participant`
    takes it."""

    salutation = ""
    academic_title = ""
    first_name = factory.Sequence(lambda n: f"Vorname{n}")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    email = factory.Sequence(lambda n: f"teilnehmende{n}@example.org")
    organisation = "Landkreis Kassel"
    position = "Integrationsbeauftragte"
    organisation_type = Registration.OrganisationType.DISTRICT
    region = "Nordhessen"
    diet = ""
    dietary_notes = ""
    accessibility_needs = ""


def bulk_registrations(conference, count, *, sessions=(), consents=(), start=0, **fields):
    """`count` confirmed registrations in three queries (for query-count guards and large
    exports), each booked into `sessions` and with active `consents` (purposes)."""
    moment = timezone.now()
    defaults = {
        "status": Registration.Status.CONFIRMED,
        "organisation": "Landkreis Kassel",
        "organisation_type": Registration.OrganisationType.DISTRICT,
        "created_at": moment,
    }
    registrations = Registration.objects.bulk_create(
        Registration(
            conference=conference,
            first_name=f"Vorname{start + n}",
            last_name=f"Nachname{start + n:05d}",
            email=f"bulk{start + n}@example.org",
            **{**defaults, **fields},
        )
        for n in range(count)
    )
    SessionBooking.objects.bulk_create(
        SessionBooking(registration=r, session=s, created_at=moment)
        for r in registrations
        for s in sessions
    )
    Consent.objects.bulk_create(
        Consent(registration=r, purpose=p, text_version="2026-01", given_at=moment)
        for r in registrations
        for p in consents
    )
    return registrations


def organisation_team():
    """The "Organisationsteam" group as its migrations create it. A transactional test that ran
    before may have flushed it, so its grants are given again here (with the exhibitor
    permissions where the exhibitors app's migration moved them)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name="Organisationsteam").first()
    if group is not None and group.permissions.exists():
        return group
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    created = importlib.import_module("registrations.migrations.0004_organiser_group")
    moved = importlib.import_module("exhibitors.migrations.0005_content_types_and_group")
    wanted = [
        ("exhibitors" if codename.endswith("_exhibitor") else label, codename)
        for label, codenames in created.PERMISSIONS.items()
        for codename in codenames
    ]
    door = importlib.import_module("checkin.migrations.0002_organiser_group_door_staff")
    wanted += [("registrations", "view_exportlog")] + [("exhibitors", c) for c in moved.NEW]
    wanted += [("checkin", codename) for codename in door.CODENAMES]
    group, _ = Group.objects.get_or_create(name=created.GROUP)
    for label, codename in wanted:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=label, codename=codename)
        )
    return group


class OrganiserFactory(UserFactory):
    """Staff in the "Organisationsteam" group (created by a migration), organising the
    conferences passed as `conferences=[...]`."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def conferences(self, create, extracted, **kwargs):
        if not create:
            return
        self.groups.add(organisation_team())
        for conference in extracted or ():
            conference.organisers.add(self)
