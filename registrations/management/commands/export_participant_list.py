"""manage.py export_participant_list <slug> [--format pdf|csv|csv-semicolon|xlsx] [-o FILE]"""

from registrations import exports


class Command(exports.ExportCommand):
    help = "Teilnehmendenliste zum Aushändigen (nur mit Einwilligung; Name und Organisation)."
    formats = (exports.PDF, *exports.TABLE_FORMATS)
    default_format = exports.PDF

    def build(self, conference, **options):
        return exports.participant_list(conference=conference, fmt=options["fmt"])
