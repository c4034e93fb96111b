"""manage.py export_catering <slug> [--format xlsx|csv|csv-semicolon|pdf] [--status S]...
[-o FILE]"""

from registrations import exports
from registrations.models import Registration


class Command(exports.ExportCommand):
    help = "Verpflegung (Anzahl je Ernährungsform, Hinweise) und Unterstützungsbedarfe."
    formats = (*exports.TABLE_FORMATS, exports.PDF)
    default_format = exports.XLSX

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--status", action="append", help="Gezählte Status (Standard: confirmed)"
        )

    def build(self, conference, **options):
        statuses = exports.CATERING_STATUSES
        if options["status"]:
            statuses = exports.parse_statuses(options["status"]) or Registration.ACTIVE
        return exports.catering_summary(
            conference=conference, fmt=options["fmt"], statuses=statuses
        )
