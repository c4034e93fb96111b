"""The PostgreSQL backend (config/postgresql): a kept connection is checked at the start of
each request without a round trip, and one the server ended is replaced before it is used."""

import select

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "config.postgresql",
        reason="PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def round_trip_checks(monkeypatch):
    """The aliases whose connection Django's own check (`SELECT 1`) was run for."""
    checked = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def is_usable(wrapper):
        checked.append(wrapper.alias)
        return original(wrapper)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", is_usable)
    return checked


def _request(client):
    """A request as a server runs it: Django's test client leaves out the connection
    handling at its start (`close_old_connections`, which asks for a new health check)."""
    close_old_connections()
    return client.get("/")  # a page that reads the database


def _backend_pid(client):
    _request(client)
    return connection.connection.info.backend_pid


def test_a_healthy_connection_is_kept_without_a_round_trip(client, round_trip_checks):
    first = _backend_pid(client)
    second = _backend_pid(client)

    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert second == first  # the same connection served both requests
    assert round_trip_checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_next_request(
    client, round_trip_checks
):
    ended = _backend_pid(client)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    finally:
        other.close()
    # The server's farewell (or the end of the stream) arrives on the socket.
    assert select.select([connection.connection.fileno()], [], [], 10)[0]

    response = _request(client)

    assert response.status_code == 200
    assert round_trip_checks == ["default"]  # something to read: `SELECT 1` decided
    assert connection.connection.info.backend_pid != ended
