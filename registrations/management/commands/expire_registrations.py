"""Cron: cancel registrations whose e-mail address was not confirmed in time."""

from django.core.management.base import BaseCommand

from registrations.services import expire_unconfirmed


class Command(BaseCommand):
    help = (
        "Cancel registrations whose e-mail address was not confirmed within "
        "REGISTRATION_CONFIRMATION_HOURS and give their seats to the waiting list."
    )

    def handle(self, *args, **options):
        count = expire_unconfirmed()
        self.stdout.write(f"{count} unconfirmed registration(s) expired.")
