import pytest
from django.utils import translation

from tests.factories import SuperuserFactory


def pytest_configure(config):
    """Users in tests get a cheap password hash: the production hasher (PBKDF2, a million
    rounds) took about a second per user factory call on a busy machine. No test is about the
    hash's strength."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _keep_migration_data(django_db_serialized_rollback):
    """Every transactional test (races, live server) restores what the data migrations
    created (topics, groups) when it ends. Mixing serialized and plain flushes breaks the
    restore (post_migrate recreates content types), so all of them serialise."""


@pytest.fixture(autouse=True)
def _reset_language():
    """A request activates its language in the test thread; don't let it leak."""
    yield
    translation.activate("de")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="admin")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
