"""Who comes: registrations, their session bookings and their consents.

State changes happen only in `registrations.services`; the constraints below are the backstop
that holds even if two requests race past every check above them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session


class Registration(models.Model):
    class Salutation(models.TextChoices):
        NONE = "", _("keine Angabe")
        MS = "ms", _("Frau")
        MR = "mr", _("Herr")
        DIVERSE = "diverse", _("divers")

    class OrganisationType(models.TextChoices):
        STATE = "state", _("Land")
        DISTRICT = "district", _("Landkreis")
        MUNICIPALITY = "municipality", _("Stadt oder Gemeinde")
        CIVIL_SOCIETY = "civil_society", _("Zivilgesellschaft")
        MIGRANT_ORGANISATION = "migrant_organisation", _("Migrantenorganisation")
        SCIENCE = "science", _("Wissenschaft")
        BUSINESS = "business", _("Wirtschaft")
        EDUCATION = "education", _("Bildung")
        RELIGIOUS_COMMUNITY = "religious_community", _("Religionsgemeinschaft")
        OTHER = "other", _("Sonstige")

    class Diet(models.TextChoices):
        NONE = "", _("keine besonderen Anforderungen")
        VEGETARIAN = "vegetarian", _("vegetarisch")
        VEGAN = "vegan", _("vegan")
        HALAL = "halal", _("halal")
        KOSHER = "kosher", _("koscher")
        OTHER = "other", _("andere (bitte angeben)")

    class Status(models.TextChoices):
        PENDING = "pending", _("E-Mail-Bestätigung ausstehend")
        AWAITING_APPROVAL = "awaiting_approval", _("Freigabe ausstehend")
        CONFIRMED = "confirmed", _("Bestätigt")
        WAITLISTED = "waitlisted", _("Warteliste")
        CANCELLED = "cancelled", _("Storniert")

    #: Statuses that hold a conference seat (and count in `Conference.seats_taken`).
    SEAT_HOLDING = (Status.PENDING, Status.CONFIRMED)

    conference = models.ForeignKey(
        Conference,
        verbose_name=_("Konferenz"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    salutation = models.CharField(
        _("Anrede"), max_length=10, choices=Salutation.choices, blank=True, default=""
    )
    academic_title = models.CharField(_("Titel"), max_length=50, blank=True)
    first_name = models.CharField(_("Vorname"), max_length=100)
    last_name = models.CharField(_("Nachname"), max_length=100)
    email = models.EmailField(_("E-Mail"), max_length=254)
    organisation = models.CharField(_("Organisation"), max_length=200, blank=True)
    position = models.CharField(_("Funktion"), max_length=200, blank=True)
    organisation_type = models.CharField(
        _("Art der Organisation"),
        max_length=30,
        choices=OrganisationType.choices,
        blank=True,
    )
    region = models.CharField(_("Region"), max_length=100, blank=True)
    diet = models.CharField(
        _("Ernährung"), max_length=20, choices=Diet.choices, blank=True, default=""
    )
    dietary_notes = models.CharField(_("Hinweise zur Ernährung"), max_length=300, blank=True)
    accessibility_needs = models.TextField(
        _("Unterstützungsbedarf (Barrierefreiheit)"), max_length=1000, blank=True
    )
    language = models.CharField(
        _("Sprache"), max_length=10, choices=settings.LANGUAGES, default="de"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("angemeldet am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("storniert am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldungen")
        ordering = ["conference", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "conference",
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_email",
                violation_error_message=_(
                    "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung zu dieser Konferenz."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["conference", "status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self):
        return " ".join(p for p in (self.academic_title, self.first_name, self.last_name) if p)


class SessionBooking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Gebucht")
        WAITLISTED = "waitlisted", _("Warteliste")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("Anmeldung"),
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    session = models.ForeignKey(
        Session, verbose_name=_("Programmpunkt"), on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(
        _("gebucht am"), auto_now_add=True, help_text=_("Bestimmt die Reihenfolge der Warteliste.")
    )

    class Meta:
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen")
        ordering = ["session__starts_at", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"],
                name="booking_one_per_registration_and_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.registration.full_name} – {self.session}"


class Consent(models.Model):
    class Purpose(models.TextChoices):
        PRIVACY = "privacy", _("Datenschutzhinweise zur Kenntnis genommen")
        PHOTOS = "photos", _("Foto- und Filmaufnahmen")
        PARTICIPANT_LIST = "participant_list", _("Aufnahme in die Teilnehmendenliste")
        NEWSLETTER = "newsletter", _("Newsletter")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("Anmeldung"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    purpose = models.CharField(_("Zweck"), max_length=20, choices=Purpose.choices)
    text_version = models.CharField(_("Fassung des Textes"), max_length=50)
    given_at = models.DateTimeField(_("erteilt am"))
    withdrawn_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Einwilligung")
        verbose_name_plural = _("Einwilligungen")
        ordering = ["registration", "purpose", "given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.text_version})"

    @property
    def is_active(self):
        return self.withdrawn_at is None
