"""manage.py export_attendees <slug> [--format csv|csv-semicolon|xlsx] [--status S]...
[--session ID] [-o FILE]"""

from registrations import exports


class Command(exports.ExportCommand):
    help = "Teilnehmendenliste einer Konferenz oder eines Programmpunkts (CSV oder XLSX)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--status",
            action="append",
            help="Status der Anmeldung (mehrfach oder mit Komma; Standard: alle)",
        )
        parser.add_argument("--session", type=int, help="ID des Programmpunkts")

    def build(self, conference, **options):
        return exports.attendee_list(
            conference=conference,
            fmt=options["fmt"],
            session=self.session_of(conference, options["session"]),
            statuses=exports.parse_statuses(options["status"]),
        )
