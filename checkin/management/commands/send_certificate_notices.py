from django.core.management.base import BaseCommand

from checkin.notices import send_certificate_notices


class Command(BaseCommand):
    help = (
        "Tell the people who attended an ended conference that their certificate of attendance "
        "is ready (once per person; safe to run repeatedly, e.g. daily)."
    )

    def handle(self, *args, **options):
        count = send_certificate_notices()
        self.stdout.write(f"{count} notice(s) queued.")
