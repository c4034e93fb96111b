"""Create a demo organiser login for local development (`make run`) and print where to log in.

Only in DEBUG and only while no superuser exists, so it can never add a known login to a
production database. The password is random and printed once.

The login is printed as a short block with the addresses of the site and its admin (`site`:
SITE_URL, or the address `make run` serves). `make run` starts this command beside the server
with `--wait-for HOST:PORT`: the user is created at once, and the block is printed once the
server answers there, after the server's own start-up lines, so that it is the last thing on
the screen.
"""

import secrets
import socket
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation

from conferences import site

RULE = "─" * 64
#: How long after the server answers the block waits for the start-up lines of the others.
SETTLE_SECONDS = 1.5


def wait_for_server(address: str, *, timeout: float) -> bool:
    """Wait until something accepts connections at "host:port"; False after `timeout`."""
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class Command(BaseCommand):
    help = "Creates a demo organiser (superuser) in DEBUG if no superuser exists yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait-for",
            metavar="HOST:PORT",
            help="Print the login only once a server answers at this address (make run).",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=60,
            help="How long --wait-for waits for the server (seconds, default 60).",
        )

    def handle(self, *args, wait_for: str | None, timeout: float, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a demo login: DEBUG is off.")
        login = self.create_login()
        if wait_for and wait_for_server(wait_for, timeout=timeout):
            # The server prints its start-up lines right after it starts listening, the e-mail
            # worker started beside it its own about then.
            time.sleep(SETTLE_SECONDS)
        self.stdout.write(self.block(login))

    def create_login(self) -> list[str]:
        """Create the demo organiser if no superuser exists; the lines describing the login."""
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return [
                "  An organiser login exists already (forgotten password:",
                "  .venv/bin/python manage.py changepassword <name>).",
            ]
        username = settings.DEMO_ADMIN_USERNAME
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=username, email=f"{username}@example.org", password=password
        )
        return [
            "  Demo organiser created (the password is shown only now):",
            f"    user:     {username}",
            f"    password: {password}",
        ]

    def block(self, login: list[str]) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            home, admin = site.absolute_url("/"), site.absolute_url(reverse("admin:index"))
        lines = [
            "",
            RULE,
            f"  Tagungsbüro (demo): {home}",
            f"  Organiser login:    {admin}",
            *login,
            RULE,
        ]
        return self.style.SUCCESS("\n".join(lines))
