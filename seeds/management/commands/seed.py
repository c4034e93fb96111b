from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Loads the demo data from seeds/ (placeholder until the seed loader lands)."

    def handle(self, *args, **options):
        self.stdout.write("Nothing to seed yet.")
