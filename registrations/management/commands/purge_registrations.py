"""Cron: delete the participant data of conferences that ended REGISTRATION_RETENTION_DAYS ago."""

from django.conf import settings
from django.core.management.base import BaseCommand

from registrations.services import purge_finished_conferences


class Command(BaseCommand):
    help = (
        "Delete the registrations (with bookings, consents, e-mail log and change history) of "
        "conferences that ended more than REGISTRATION_RETENTION_DAYS days ago."
    )

    def handle(self, *args, **options):
        purged = purge_finished_conferences()
        for conference, count in purged.items():
            self.stdout.write(f"{conference.slug}: {count} registration(s) deleted.")
        self.stdout.write(
            f"{sum(purged.values())} registration(s) of {len(purged)} conference(s) deleted "
            f"(retention: {settings.REGISTRATION_RETENTION_DAYS} days after the event)."
        )
