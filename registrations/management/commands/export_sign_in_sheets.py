"""manage.py export_sign_in_sheets <slug> [--day YYYY-MM-DD | --session ID | --by-session]
[-o FILE]"""

from datetime import date

from django.core.management.base import CommandError

from registrations import exports, pdf


class Command(exports.ExportCommand):
    help = "Unterschriftenlisten (PDF) je Konferenztag, für einen oder alle Programmpunkte."
    formats = (exports.PDF,)
    default_format = exports.PDF

    def add_arguments(self, parser):
        super().add_arguments(parser)
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--day", help="nur dieser Tag (JJJJ-MM-TT)")
        which.add_argument("--session", type=int, help="ID des Programmpunkts")
        which.add_argument(
            "--by-session", action="store_true", help="eine Liste je buchbarem Programmpunkt"
        )
        parser.add_argument("--blank-rows", type=int, default=3, help="leere Zeilen am Ende")

    def build(self, conference, **options):
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError("--day: JJJJ-MM-TT, z. B. 2027-05-12") from None
            if day not in pdf.conference_days(conference):
                raise CommandError(f"{day} ist kein Tag der Konferenz.")
        return pdf.sign_in_sheets(
            conference=conference,
            day=day,
            session=self.session_of(conference, options["session"]),
            by_session=options["by_session"],
            blank_rows=options["blank_rows"],
        )
