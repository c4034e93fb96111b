"""Who comes: registrations, their session bookings and their consents.

State changes happen only in `registrations.services`; the constraints below are the backstop
that holds even if two requests race past every check above them.

Seat invariants kept by the services (and checked by `services.recount_seats`):

- `Conference.seats_taken` = registrations in `Registration.SEAT_HOLDING` (pending or confirmed,
  whether or not the e-mail address is confirmed yet); `Conference.waitlist_count` = registrations
  with status waitlisted. Registrations awaiting approval count in neither.
- A `SessionBooking` is `booked` only while its registration holds a conference seat; the bookings
  of waitlisted registrations and of those awaiting approval are `waitlisted`. `Session.seats_taken`
  counts booked bookings, `Session.waitlist_count` waitlisted ones. Cancelling a registration
  deletes its bookings.
- After every service call: no conference or session has a free seat while someone eligible waits
  for it (the waiting list is promoted in the same transaction that frees the seat).
- A swap is a waiting `SessionBooking` whose `replaces` is a booked one of the same registration
  in an overlapping session: the person keeps that seat until promotion books the waiting one
  and releases the held one, in one transaction (the seat given up is promoted in its turn).

Registration, SessionBooking and Consent keep a change history (django-simple-history): every
save records who (the logged-in user of the request, None for the system), when and what. The
token never enters it. Rows written with `bulk_create` or `update()` are not recorded.
`checked_in_at` is set by `registrations.services.check_in` and `check_in_once` (the door page
and organisers).
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conferences.models import Conference, PersonName, Session
from conferences.text import fold


def new_token() -> str:
    """A self-service secret: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


class RegistrationManager(models.Manager):
    def bulk_create(self, objs, *args, **kwargs):
        """Fills the search text that `save()` would fill (bulk_create never calls it)."""
        objs = list(objs)
        for obj in objs:
            obj.search_text = obj.folded_search_text()
        return super().bulk_create(objs, *args, **kwargs)


class Registration(PersonName, models.Model):
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

    class CancellationReason(models.TextChoices):
        NONE = "", _("–")
        PARTICIPANT = "participant", _("durch die Person selbst")
        ORGANISER = "organiser", _("durch das Organisationsteam")
        EXPIRED = "expired", _("E-Mail-Adresse nicht rechtzeitig bestätigt")

    #: Statuses that hold a conference seat (and count in `Conference.seats_taken`).
    SEAT_HOLDING = (Status.PENDING, Status.CONFIRMED)
    #: Statuses of a registration that is still alive (everything but cancelled).
    ACTIVE = (Status.PENDING, Status.AWAITING_APPROVAL, Status.CONFIRMED, Status.WAITLISTED)
    #: What the search text (`search_text`) is made of.
    SEARCHED_FIELDS = ("first_name", "last_name", "organisation", "email")

    public_id = models.UUIDField(
        _("öffentliche Kennung"), default=uuid.uuid4, unique=True, editable=False
    )
    # The secret of the private links (confirm, manage). Stored in clear because every later
    # e-mail (seat granted, reminder) must carry the link again; compared in constant time by
    # `services.get_registration_by_token` and never written to logs.
    token = models.CharField(
        _("Zugangsschlüssel"), max_length=64, default=new_token, editable=False
    )

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
    # Blank only when an organiser registered a person without an address ("Person anmelden");
    # `contact_note` then says how to reach them, and no e-mail is ever queued for them.
    email = models.EmailField(_("E-Mail"), max_length=254, blank=True)
    contact_note = models.CharField(
        _("Erreichbarkeit"),
        max_length=300,
        blank=True,
        help_text=_("Wie die Person ohne E-Mail erreichbar ist, z. B. Telefon oder Postanschrift."),
    )
    # A new address the person asked for: it takes the place of `email` only once the link sent
    # to it is followed (`services.confirm_email_change`); until then `email` stays in force.
    pending_email = models.EmailField(
        _("neue E-Mail-Adresse (noch nicht bestätigt)"), max_length=254, blank=True, editable=False
    )
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
    # Set by the services (not auto_now_add) so that seeds and tests can pass the moment; it
    # orders the conference waiting list (ties broken by primary key).
    created_at = models.DateTimeField(_("angemeldet am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    email_confirmed_at = models.DateTimeField(
        _("E-Mail-Adresse bestätigt am"), null=True, blank=True, editable=False
    )
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("storniert am"), null=True, blank=True)
    cancellation_reason = models.CharField(
        _("Grund der Stornierung"),
        max_length=20,
        choices=CancellationReason.choices,
        blank=True,
        default="",
        editable=False,
    )
    reminder_sent_at = models.DateTimeField(
        _("Erinnerung versandt am"), null=True, blank=True, editable=False
    )
    checked_in_at = models.DateTimeField(_("eingecheckt am"), null=True, blank=True, editable=False)
    # Set by organisers for a speaker's own registration: the badge is the speaker's badge with
    # this registration's check-in code (matched by identity, never by name).
    speaker = models.ForeignKey(
        "conferences.Speaker",
        verbose_name=_("Person im Programm"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        help_text=_("Nur für die eigene Anmeldung einer Person aus dem Programm."),
    )

    # Name, organisation and e-mail folded by `conferences.text.fold`, kept by `save()` and
    # `bulk_create`, searched by the admin (and any other search of people) with the query
    # folded the same way. Not indexed: a search for a part of a name ("LIKE '%kuhne%'") cannot
    # use a B-tree index; the conference filter bounds the rows.
    search_text = models.TextField(_("Suchtext"), blank=True, default="", editable=False)

    objects = RegistrationManager()
    # The token is a secret: never copied into the history; the search text is derived.
    history = HistoricalRecords(excluded_fields=["token", "updated_at", "search_text"])

    class Meta:
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldungen")
        ordering = ["conference", "last_name", "first_name"]
        permissions = [
            ("export_registration", _("Anmeldungen exportieren")),
            ("message_participants", _("Nachrichten an Teilnehmende senden")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "conference",
                condition=~Q(status="cancelled") & ~Q(email=""),
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

    def __repr__(self):
        # Never the token: reprs end up in logs and tracebacks.
        return f"<Registration {self.pk} {self.status} conference={self.conference_id}>"

    def save(self, *args, **kwargs):
        self.search_text = self.folded_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(self.SEARCHED_FIELDS):
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def folded_search_text(self) -> str:
        return fold(" ".join(getattr(self, name) or "" for name in self.SEARCHED_FIELDS))

    @property
    def holds_seat(self):
        return self.status in self.SEAT_HOLDING

    @property
    def is_active(self):
        return self.status != self.Status.CANCELLED


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
        _("gebucht am"),
        default=timezone.now,
        editable=False,
        help_text=_("Bestimmt die Reihenfolge der Warteliste."),
    )
    # A swap: this waiting booking is to take the place of `replaces`, a seat the same person
    # holds in an overlapping session and keeps until a seat here comes free. Promotion then
    # books this one and releases that one in the same transaction (`services.waitlist`).
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("tauscht gegen"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        editable=False,
        related_name="swap",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen")
        ordering = ["session__starts_at", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"],
                name="booking_one_per_registration_and_session",
            ),
            # Only a booking on a waiting list can be waiting to swap.
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | Q(status="waitlisted"),
                name="booking_swap_only_while_waiting",
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

    history = HistoricalRecords()

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


class SentEmail(models.Model):
    """Every e-mail the system sends, with its outcome.

    The row is written in the same transaction as the state change it reports, so a mail is never
    lost when the process dies after the commit; the body is rendered only when it is sent (it
    carries the private link, which is therefore never stored here).
    """

    class Kind(models.TextChoices):
        CONFIRM_ADDRESS = "confirm_address", _("E-Mail-Adresse bestätigen")
        CONFIRMED = "confirmed", _("Anmeldung bestätigt")
        WAITLISTED = "waitlisted", _("Auf der Warteliste")
        SEAT_GRANTED = "seat_granted", _("Platz frei geworden")
        AWAITING_APPROVAL = "awaiting_approval", _("Freigabe ausstehend")
        CHANGED = "changed", _("Anmeldung geändert")
        CANCELLED = "cancelled", _("Anmeldung storniert")
        REMINDER = "reminder", _("Erinnerung")
        MANAGE_LINK = "manage_link", _("Persönlicher Link")
        MESSAGE = "message", _("Nachricht des Organisationsteams")
        CONFIRM_NEW_ADDRESS = "confirm_new_address", _("Neue E-Mail-Adresse bestätigen")
        ADDRESS_CHANGED = "address_changed", _("E-Mail-Adresse geändert")

    class Status(models.TextChoices):
        QUEUED = "queued", _("in der Warteschlange")
        SENDING = "sending", _("wird versandt")
        SENT = "sent", _("versandt")
        FAILED = "failed", _("fehlgeschlagen")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("Anmeldung"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_emails",
    )
    to = models.EmailField(_("an"), max_length=254)
    subject = models.CharField(_("Betreff"), max_length=300)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    language = models.CharField(
        _("Sprache"), max_length=10, choices=settings.LANGUAGES, default="de"
    )
    context = models.JSONField(
        _("Angaben zum Inhalt"),
        default=dict,
        blank=True,
        help_text=_("Was die E-Mail beim Versand braucht, z. B. betroffene Programmpunkte."),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    sent_at = models.DateTimeField(_("versandt am"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)

    class Meta:
        verbose_name = _("versandte E-Mail")
        verbose_name_plural = _("versandte E-Mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to}"


class ExportLog(models.Model):
    """Who exported which participant data, when: every export writes one row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(
        _("Benutzername"),
        max_length=150,
        help_text=_("Bleibt erhalten, wenn das Konto gelöscht wird."),
    )
    conference = models.ForeignKey(
        Conference, verbose_name=_("Konferenz"), on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(_("Export"), max_length=40)
    fmt = models.CharField(_("Format"), max_length=20)
    row_count = models.PositiveIntegerField(_("Zeilen"))
    created_at = models.DateTimeField(_("exportiert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Export")
        verbose_name_plural = _("Exportprotokoll")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["conference", "created_at"])]

    def __str__(self):
        return f"{self.kind} ({self.fmt}) – {self.username}"
