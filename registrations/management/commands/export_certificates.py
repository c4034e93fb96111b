"""manage.py export_certificates <slug> [--registration ID] [-o FILE]"""

from django.core.management.base import CommandError

from registrations import exports, pdf
from registrations.models import Registration


class Command(exports.ExportCommand):
    help = "Teilnahmebescheinigungen (PDF, eine Seite je bestätigter Anmeldung)."
    formats = (exports.PDF,)
    default_format = exports.PDF

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--registration", type=int, help="nur für diese Anmeldung (ID)")

    def build(self, conference, **options):
        registration = None
        if options["registration"] is not None:
            registration = conference.registrations.filter(pk=options["registration"]).first()
            if registration is None or registration.status != Registration.Status.CONFIRMED:
                raise CommandError("Keine bestätigte Anmeldung mit dieser ID in der Konferenz.")
        return pdf.certificates(conference=conference, registration=registration)
