"""Configuration: production refuses weak settings, the suite runs on the database it was
told to, and the translation catalogues match their compiled files."""

import gc
import os
import runpy
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections

ROOT = Path(__file__).resolve().parent.parent


UNCONFIGURED = {"DEBUG", "DEBUG_DEFAULT", "SECRET_KEY"}


def _run(command, **env):
    environment = {k: v for k, v in os.environ.items() if k not in UNCONFIGURED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def _import_settings(**env):
    return _run(["-c", "import config.settings"], **env)


def _manage(*args, **env):
    return _run(["manage.py", *args], **env)


def test_server_entry_point_without_configuration_refuses_to_start():
    result = _run(["-c", "import config.wsgi"], DJANGO_SETTINGS_MODULE="config.settings")

    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_manage_py_without_configuration_runs_with_laptop_defaults():
    result = _manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)"
    )

    assert (result.returncode, result.stdout.strip()) == (0, "True")


def test_manage_py_obeys_an_explicit_debug_false():
    result = _manage("check", DEBUG="false")

    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _import_settings(DEBUG="false")

    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="short")

    assert result.returncode == 1
    assert "too weak" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = _import_settings(DEBUG="false", SECRET_KEY="x" * 50)

    assert (result.returncode, result.stderr) == (0, "")


def test_checks_pass_with_the_local_defaults():
    result = _manage("check", "--fail-level", "WARNING")

    assert (result.returncode, result.stderr) == (0, "")


def test_site_url_is_unset_by_default_and_local_site_url_follows_the_environment(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("LOCAL_SITE_URL", raising=False)
    script = "from django.conf import settings; print([settings.SITE_URL, settings.LOCAL_SITE_URL])"

    default = _manage("shell", "--no-imports", "-c", script)
    served = _manage("shell", "--no-imports", "-c", script, LOCAL_SITE_URL="http://127.0.0.1:8201/")

    assert default.stdout.strip() == "['', 'http://127.0.0.1:8000']"
    assert served.stdout.strip() == "['', 'http://127.0.0.1:8201']"


def test_checks_refuse_a_cache_that_cannot_count_rate_limits(tmp_path):
    result = _manage("check", CACHE_URL=f"filecache://{tmp_path}")

    assert result.returncode == 1
    assert "django_ratelimit.E003" in result.stderr


def test_suite_runs_on_the_expected_database(db):
    expected = os.environ.get("EXPECT_DB_VENDOR", "sqlite")

    assert connection.vendor == expected


@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="SQLite-only settings"
)
def test_sqlite_uses_wal_and_immediate_transactions(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]

    assert journal_mode == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="PostgreSQL only",
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_connection_the_server_ended_is_replaced_before_the_next_request(client):
    close_old_connections()
    client.get("/")
    ended = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    finally:
        other.close()

    close_old_connections()  # as at the start of every request a server runs
    response = client.get("/")

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != ended


def _prepared_statements_in_a_process(**env):
    """How many statements a fresh process's connection kept prepared after running one 7 times."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.db import connection;"
        "cursor = connection.cursor();"
        "[cursor.execute('SELECT %s::int -- prepared-statement-test', [1]) for _ in range(7)];"
        'cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '
        "'%%prepared-statement-test%%' AND statement NOT LIKE '%%pg_prepared%%'\");"
        "print(cursor.fetchone()[0])"
    )
    result = _run(["-c", code], DEBUG="true", DATABASE_URL=url, **env)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


@postgresql_only
@pytest.mark.django_db
def test_postgresql_prepares_statements_only_when_asked():
    assert _prepared_statements_in_a_process() == 0
    assert _prepared_statements_in_a_process(DATABASE_PREPARED_STATEMENTS="true") == 1


def _gunicorn_settings(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "gunicorn.py"))


def test_gunicorn_runs_one_worker_per_core_without_access_log(monkeypatch):
    default = _gunicorn_settings(monkeypatch)
    chosen = _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3", GUNICORN_BIND="0.0.0.0:9000")

    assert default["workers"] == len(os.sched_getaffinity(0))
    assert default["bind"] == "127.0.0.1:8000"
    assert default["accesslog"] is None  # private links carry their token in the path
    assert (chosen["workers"], chosen["bind"]) == (3, "0.0.0.0:9000")


def test_gunicorn_workers_keep_the_loaded_application_out_of_garbage_collection(monkeypatch):
    settings_module = _gunicorn_settings(monkeypatch)
    frozen_before, thresholds_before = gc.get_freeze_count(), gc.get_threshold()
    try:
        settings_module["post_worker_init"](worker=None)

        assert gc.get_freeze_count() > frozen_before
        assert gc.get_threshold() == settings_module["GC_THRESHOLDS"]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds_before)


def test_every_catalogue_matches_its_compiled_file():
    catalogues = sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po"))
    assert catalogues, "no translation catalogue found"

    for po_path in catalogues:
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run make messages"
        po = {
            e.msgid: (e.msgstr or e.msgstr_plural.get(0))
            for e in polib.pofile(str(po_path)).translated_entries()
        }
        mo = {e.msgid: (e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(mo_path))}
        mo.pop("", None)
        assert po == mo, f"{po_path} and its compiled file disagree: run make messages"
