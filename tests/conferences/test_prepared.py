"""Prepared queries and inserts do what the ORM does, for every argument, on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conferences.models import Conference, Session
from conferences.prepared import MAX_LIST_LENGTH, PreparedQuery, created_history_entry, insert
from registrations.models import Consent, Registration, SentEmail
from tests.factories import ConferenceFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _sessions_query(conference_id, pks):
    return Session.objects.filter(conference_id=conference_id, pk__in=pks).order_by("pk")


def test_prepared_query_returns_the_rows_of_the_orm_query_for_each_argument():
    first, second = ConferenceFactory(), ConferenceFactory()
    by_slug = PreparedQuery(lambda slug: Conference.objects.filter(slug=slug))

    assert [c.pk for c in by_slug(first.slug)] == [first.pk]
    assert [c.pk for c in by_slug(second.slug)] == [second.pk]
    assert by_slug.first("no-such-conference") is None


def test_prepared_instances_equal_orm_instances_field_by_field():
    conference = ConferenceFactory(title="Kühne-Hörmann & Zaeri-Esfahani: مؤتمر")
    prepared = PreparedQuery(lambda pk: Conference.objects.filter(pk=pk)).first(conference.pk)
    loaded = Conference.objects.get(pk=conference.pk)

    for field in Conference._meta.concrete_fields:
        assert getattr(prepared, field.attname) == getattr(loaded, field.attname), field.name
    assert prepared.starts_at.tzinfo is not None  # converters ran (SQLite stores text)


def test_lists_are_compiled_per_length_and_keep_their_order_of_values():
    conference = ConferenceFactory()
    sessions = [SessionFactory(conference=conference) for _ in range(4)]
    query = PreparedQuery(_sessions_query)

    for chosen in ([sessions[2].pk], [sessions[3].pk, sessions[0].pk], [s.pk for s in sessions]):
        expected = list(_sessions_query(conference.pk, chosen))
        assert list(query(conference.pk, chosen)) == expected
    assert list(query(conference.pk + 1000, [sessions[0].pk])) == []


def test_datetime_arguments_are_adapted_as_the_orm_adapts_them():
    conference = ConferenceFactory()
    query = PreparedQuery(
        lambda moment: Conference.objects.filter(starts_at__lte=moment).values_list("slug")
    )

    assert query(conference.starts_at) == [(conference.slug,)]
    assert query(conference.starts_at - timedelta(microseconds=1)) == []
    assert query(datetime(2999, 1, 1, tzinfo=UTC)) == [(conference.slug,)]


def test_a_prepared_query_is_compiled_once_and_then_runs_one_statement():
    conference = ConferenceFactory()
    query = PreparedQuery(lambda pk: Conference.objects.filter(pk=pk))
    query.first(conference.pk)

    with CaptureQueriesContext(connection) as queries:
        assert query.first(conference.pk).pk == conference.pk
    assert len(queries) == 1
    assert len(query._compiled) == 1


def test_an_argument_the_orm_changes_is_refused_when_compiling():
    # `icontains` wraps the value in a LIKE pattern: SQL cached with it would be wrong.
    query = PreparedQuery(lambda text: Conference.objects.filter(title__icontains=text))

    with pytest.raises(ValueError, match="changed"):
        query.first("Kassel")


@pytest.mark.parametrize("argument", [True, 1.5, None, {"a": 1}])
def test_other_argument_types_are_refused(argument):
    query = PreparedQuery(lambda value: Conference.objects.filter(capacity=value))

    with pytest.raises(TypeError):
        query.first(argument)


def test_insert_stores_each_value_as_save_would_and_sets_the_primary_keys():
    registration = RegistrationFactory(first_name="Nino", last_name="Jerenashvili")
    given = timezone.now()
    consents = [
        Consent(registration=registration, purpose=purpose, text_version="2027-01", given_at=given)
        for purpose in ("privacy", "photos", "newsletter")
    ]
    email = SentEmail(
        registration=registration,
        to="ina@example.org",
        subject="Bitte bestätigen: مؤتمر",
        kind=SentEmail.Kind.CONFIRM_ADDRESS,
        language="de",
        context={"session": "Forum 1 – Kühne-Hörmann", "ids": [1, 2]},
    )

    insert(consents)
    insert([email])

    stored = {c.pk: c for c in Consent.objects.filter(registration=registration)}
    assert sorted(stored) == sorted(c.pk for c in consents)
    for consent in consents:
        assert not consent._state.adding
        assert stored[consent.pk].purpose == consent.purpose
        assert stored[consent.pk].given_at == given
    loaded = SentEmail.objects.get(pk=email.pk)
    assert (loaded.subject, loaded.context) == (email.subject, email.context)
    assert loaded.created_at == email.created_at


def test_insert_refuses_mixed_models_and_does_nothing_without_objects():
    insert([])
    with pytest.raises(TypeError):
        insert([Consent(purpose="photos"), SentEmail(to="a@example.org")])


def test_flat_values_lists_give_values_and_value_dictionaries_are_refused():
    conference = ConferenceFactory()
    slugs = PreparedQuery(
        lambda pk: Conference.objects.filter(pk=pk).values_list("slug", flat=True)
    )
    dictionaries = PreparedQuery(lambda pk: Conference.objects.filter(pk=pk).values("slug"))

    assert slugs(conference.pk) == [conference.slug]
    with pytest.raises(ValueError, match="values_list"):
        dictionaries(conference.pk)


def test_a_list_longer_than_the_limit_runs_through_the_orm_without_compiling():
    conference = ConferenceFactory()
    sessions = [SessionFactory(conference=conference) for _ in range(MAX_LIST_LENGTH + 2)]
    query = PreparedQuery(_sessions_query)
    chosen = [s.pk for s in reversed(sessions)]

    assert list(query(conference.pk, chosen)) == sessions
    assert query._compiled == {}


def _history_fields(entry):
    return {
        field.attname: getattr(entry, field.attname)
        for field in type(entry)._meta.concrete_fields
        if field.attname != "history_id"
    }


@pytest.mark.parametrize("who", ["anonymous", "organiser", "instance user"])
def test_created_history_entry_is_the_row_simple_history_builds(who):
    registration = RegistrationFactory(first_name="مريم", last_name="Kühne-Hörmann")
    moment = timezone.now()
    organiser = get_user_model().objects.create_user("orga", "orga@example.org", "x")
    request = RequestFactory().get("/")
    request.user = organiser if who == "organiser" else AnonymousUser()
    if who == "instance user":
        registration._history_user = organiser
    HistoricalRecords.context.request = request
    try:
        ours = created_history_entry(registration, date=moment)
        insert([ours])
        [theirs] = Registration.history.bulk_history_create(
            [registration], default_date=moment, default_change_reason=None
        )
    finally:
        del HistoricalRecords.context.request

    stored = Registration.history.get(history_id=ours.history_id)
    assert _history_fields(stored) == _history_fields(theirs)
    assert stored.history_user == (None if who == "anonymous" else organiser)
    assert (stored.history_type, stored.history_date, stored.first_name) == ("+", moment, "مريم")
