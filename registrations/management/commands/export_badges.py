"""manage.py export_badges <slug> [--layout a4|a6] [--role ROLE]... [-o FILE]"""

from registrations import exports, pdf


class Command(exports.ExportCommand):
    help = "Namensschilder (PDF): A4-Etikettenbögen (2 × 4) oder einzelne A6-Schilder."
    formats = (exports.PDF,)
    default_format = exports.PDF

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--layout", choices=sorted(pdf.LAYOUTS), default="a4")
        parser.add_argument(
            "--role",
            action="append",
            choices=pdf.ROLES,
            help="nur diese Rolle(n) (Standard: alle)",
        )

    def build(self, conference, **options):
        return pdf.badges(conference=conference, layout=options["layout"], roles=options["role"])
