"""Cron: re-queue e-mails whose retry is due or whose task was lost."""

from django.core.management.base import BaseCommand

from registrations.mail import retry_due_emails


class Command(BaseCommand):
    help = "Re-queue failed e-mails whose next attempt is due and e-mails stuck in the queue."

    def handle(self, *args, **options):
        count = retry_due_emails()
        self.stdout.write(f"{count} e-mail(s) queued again.")
