"""Create a demo organiser login for local development (`make run`).

Only in DEBUG and only while no superuser exists, so it can never add a known login to a
production database. The password is random and printed once.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Creates a demo organiser (superuser) in DEBUG if no superuser exists yet."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a demo login: DEBUG is off.")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "An organiser login exists already "
                "(forgotten password: python manage.py changepassword <name>)."
            )
            return
        username = settings.DEMO_ADMIN_USERNAME
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=username, email=f"{username}@example.org", password=password
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Demo organiser created. Log in at http://127.0.0.1:8000/admin/ with\n"
                f"  user:     {username}\n  password: {password}"
            )
        )
