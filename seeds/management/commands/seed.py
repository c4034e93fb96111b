from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from seeds import loader


class Command(BaseCommand):
    help = (
        "Loads the demo data from seeds/data/*.toml in one transaction. Idempotent: creates "
        "what is missing (looked up by slug) and never changes what exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=loader.DATA_DIR,
            help="Directory with the data files (default: seeds/data).",
        )

        parser.add_argument(
            "--without-registrations",
            action="store_true",
            help="Skip the demo registrations (faster; the programme data only).",
        )

    def handle(self, *args, data_dir, without_registrations, **options):
        try:
            created = loader.seed(data_dir=data_dir, registrations=not without_registrations)
        except loader.SeedError as exc:
            raise CommandError(f"Demodaten nicht geladen, nichts wurde geändert. {exc}") from exc
        self.stdout.write(loader.summarise(created))
