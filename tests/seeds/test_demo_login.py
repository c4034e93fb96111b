"""`make run` ends with a short block: where the demo is served and the organiser login, at the
address `make run` serves (LOCAL_SITE_URL), printed once the server answers."""

import os
import shutil
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
MAKE = shutil.which("make")


@pytest.fixture(autouse=True)
def _served_at_8201(settings):
    settings.DEBUG = True  # the command refuses otherwise
    settings.SITE_URL = ""
    settings.LOCAL_SITE_URL = "http://127.0.0.1:8201"


def demo_login(**options):
    out = StringIO()
    call_command("create_demo_organiser", stdout=out, no_color=True, **options)
    return out.getvalue().strip().splitlines()


def test_first_run_prints_the_address_served_and_the_new_login_last():
    lines = demo_login()

    user = get_user_model().objects.get(username="orga")
    password = lines[5].split(":", 1)[1].strip()
    assert lines[1:5] == [
        "  Tagungsbüro (demo): http://127.0.0.1:8201/",
        "  Organiser login:    http://127.0.0.1:8201/admin/",
        "  Demo organiser created (the password is shown only now):",
        "    user:     orga",
    ]
    assert lines[0] == lines[-1] == "─" * 64
    assert len(lines) == 7
    assert user.is_superuser
    assert user.check_password(password)


def test_later_runs_print_the_address_without_a_new_login(superuser):
    lines = demo_login()

    assert lines[1:3] == [
        "  Tagungsbüro (demo): http://127.0.0.1:8201/",
        "  Organiser login:    http://127.0.0.1:8201/admin/",
    ]
    assert "An organiser login exists already" in lines[3]
    assert get_user_model().objects.count() == 1


def test_site_url_when_set_is_the_address_printed(settings):
    settings.SITE_URL = "https://tagung.example.org"

    lines = demo_login()

    assert lines[2] == "  Organiser login:    https://tagung.example.org/admin/"


def test_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        demo_login()

    assert not get_user_model().objects.exists()


def test_waits_for_the_server_before_printing():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        lines = demo_login(wait_for=f"127.0.0.1:{port}", timeout=5)

    assert lines[2] == "  Organiser login:    http://127.0.0.1:8201/admin/"


# Stands in for manage.py: says how it was called, in one write (the others run beside). The
# server waits (at most 30 s) for the worker and the login block started in the background,
# since its end ends them.
FAKE_MANAGE = """
import os, pathlib, sys, time
here = pathlib.Path(__file__).parent
if sys.argv[1] == "runserver":
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        (here / name).exists() for name in ("db_worker", "create_demo_organiser")
    ):
        time.sleep(0.1)
line = " ".join([*sys.argv[1:], os.environ.get("LOCAL_SITE_URL", "-")]) + "\\n"
os.write(1, line.encode())
(here / sys.argv[1]).touch()
"""


@pytest.mark.skipif(MAKE is None, reason="needs make")
@pytest.mark.parametrize(
    ("options", "served"),
    [
        (["PORT=8201"], "127.0.0.1:8201"),
        (["HOST=0.0.0.0", "PORT=8601"], "127.0.0.1:8601"),
    ],
)
def test_make_run_passes_the_address_it_serves(tmp_path, options, served):
    manage = tmp_path / "manage.py"
    manage.write_text(FAKE_MANAGE, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "MAKEFLAGS"}}

    result = subprocess.run(
        # -o: the virtualenv counts as installed (nothing is installed by this test).
        [
            MAKE,
            "-s",
            "-o",
            ".venv/.installed",
            "run",
            f"MANAGE={sys.executable} {manage}",
            *options,
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    lines = set(result.stdout.splitlines())
    url = f"http://{served}"
    assert result.returncode == 0, result.stderr
    assert f"migrate --noinput -v0 {url}" in lines
    assert f"seed {url}" in lines
    assert f"db_worker -v0 {url}" in lines
    assert f"create_demo_organiser --wait-for {served} {url}" in lines
    assert any(line.startswith("runserver ") and line.endswith(f" {url}") for line in lines)
