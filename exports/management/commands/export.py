"""`manage.py export <identifier> --conference <slug> [--format ...] [--output file] [key=value
...]`, and `manage.py export --list`: every export of the registry, with the options of its form
given as ``key=value`` (the same names as in the admin's URLs; repeat a key for several values,
or separate them with commas)."""

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from conferences.models import Conference
from exports.exporter import ExportOptionsError
from exports.registry import all_exporters, get_exporter


class Command(BaseCommand):
    help = "Exportiert Daten einer Konferenz (Listen, Namensschilder, Bescheinigungen)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # key=value options may come after --conference and the other flags.
        parser.parse_args = parser.parse_intermixed_args
        return parser

    def add_arguments(self, parser):
        parser.add_argument("identifier", nargs="?", help="Kennung des Exports (siehe --list)")
        parser.add_argument("options", nargs="*", metavar="key=value", help="Optionen")
        parser.add_argument("--list", action="store_true", help="Exporte und Optionen zeigen")
        parser.add_argument("-c", "--conference", help="Kurzname (slug) der Konferenz")
        parser.add_argument("-f", "--format", dest="fmt", help="Format (Standard: das erste)")
        parser.add_argument(
            "-o", "--output", help="Datei (Standard: vorgeschlagener Dateiname; - für stdout)"
        )

    def handle(self, *args, identifier=None, options=(), **kwargs):
        if kwargs["list"]:
            return self.list_exports()
        if not identifier or not kwargs["conference"]:
            raise CommandError("Give an export (see --list) and --conference.")
        try:
            exporter_class = get_exporter(identifier)
        except LookupError:
            raise CommandError(f"No export {identifier!r}; see --list.") from None
        try:
            conference = Conference.objects.get(slug=kwargs["conference"])
        except Conference.DoesNotExist:
            raise CommandError(f"No conference with the slug {kwargs['conference']!r}.") from None
        params = parse_options(options)
        if kwargs["fmt"]:
            params["format"] = [kwargs["fmt"]]
        try:
            export = exporter_class(conference=conference, user=None).run(params)
        except ExportOptionsError as error:
            raise CommandError(str(error)) from None
        except Http404:
            raise CommandError(f"Not found in {conference.slug}: {params}") from None
        output = kwargs["output"] or export.filename
        if output == "-":
            export.write_to(self.stdout._out.buffer)
            return
        with open(output, "wb") as fileobj:
            export.write_to(fileobj)
        self.stdout.write(self.style.SUCCESS(f"{output} geschrieben."))

    def list_exports(self):
        for exporter in all_exporters():
            form = exporter.form_class
            options = [name for name in form.base_fields if name != "format"]
            self.stdout.write(
                f"{exporter.identifier:18} {exporter.verbose_name} "
                f"[{', '.join(exporter.formats)}]"
                + (f" options: {', '.join(options)}" if options else "")
            )


def parse_options(options) -> dict[str, list[str]]:
    """["status=confirmed,pending", "role=speaker"] → {"status": [...], "role": [...]}."""
    params: dict[str, list[str]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key:
            raise CommandError(f"Options are key=value, not {option!r}.")
        params.setdefault(key, []).extend(v for v in value.split(",") if v)
    return params
