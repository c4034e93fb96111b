"""manage.py export_session_lists <slug> [--format xlsx|csv|csv-semicolon] [-o FILE]"""

from registrations import exports


class Command(exports.ExportCommand):
    help = "Teilnehmende je Programmpunkt (XLSX: ein Blatt je Programmpunkt)."
    default_format = exports.XLSX

    def build(self, conference, **options):
        return exports.session_lists(conference=conference, fmt=options["fmt"])
