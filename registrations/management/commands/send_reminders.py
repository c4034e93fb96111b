"""Cron (daily): remind confirmed participants a few days before their conference."""

from django.core.management.base import BaseCommand

from registrations.services import send_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminder e-mail for confirmed participants of conferences starting within "
        "REGISTRATION_REMINDER_DAYS_BEFORE days (once per registration)."
    )

    def handle(self, *args, **options):
        count = send_reminders()
        self.stdout.write(f"{count} reminder(s) queued.")
