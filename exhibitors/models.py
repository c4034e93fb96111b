"""Markt der Möglichkeiten: a conference's market (application window, stands), the exhibitors'
applications and their stand staff.

`Market.stands_taken` counts the accepted exhibitors of the conference; it is maintained only by
`exhibitors.services`, inside a transaction that locks the market row first, and a check
constraint makes sure it never exceeds the number of stands. A stand number is unique per
conference (case-insensitive). Exhibitor, its staff and the market keep a change history; the
private-link token is never copied into it.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from conferences.models import Conference, Topic
from registrations.models import new_token


class Market(models.Model):
    """The Markt der Möglichkeiten of one conference: when exhibitors may apply, how many stands
    there are and how many people may staff one. A conference without one has no market."""

    conference = models.OneToOneField(
        Conference, verbose_name=_("Konferenz"), on_delete=models.CASCADE, related_name="market"
    )
    opens_at = models.DateTimeField(_("Standanmeldung ab"))
    closes_at = models.DateTimeField(_("Standanmeldung bis"))
    stands = models.PositiveSmallIntegerField(_("Anzahl der Stände"))
    stands_taken = models.PositiveSmallIntegerField(
        _("vergebene Stände"), default=0, editable=False
    )
    max_staff_per_stand = models.PositiveSmallIntegerField(
        _("höchstens Personen je Stand"), default=3
    )
    waitlist_auto = models.BooleanField(
        _("frei gewordene Stände automatisch nachrücken lassen"),
        default=False,
        help_text=_(
            "Sonst bietet das Organisationsteam einen frei gewordenen Stand selbst der "
            "Warteliste an."
        ),
    )

    history = HistoricalRecords(excluded_fields=["stands_taken"])

    class Meta:
        verbose_name = _("Markt der Möglichkeiten")
        verbose_name_plural = _("Märkte der Möglichkeiten")
        constraints = [
            models.CheckConstraint(
                condition=Q(stands_taken__lte=F("stands")),
                name="market_stands_taken_within_stands",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="market_closes_after_it_opens",
                violation_error_message=_("Das Ende muss nach dem Beginn liegen."),
            ),
        ]

    def __str__(self):
        return str(self.conference)

    def is_open(self, now=None) -> bool:
        return self.opens_at <= (now or timezone.now()) < self.closes_at

    @property
    def stands_free(self) -> int:
        return max(self.stands - self.stands_taken, 0)


class Exhibitor(models.Model):
    """An application for a stand at the Markt der Möglichkeiten (accepted: a stand)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("E-Mail-Bestätigung ausstehend")
        APPLIED = "applied", _("In Prüfung")
        ACCEPTED = "accepted", _("Zugesagt")
        WAITLISTED = "waitlisted", _("Warteliste")
        REJECTED = "rejected", _("Abgesagt")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    #: States in which the application still counts (one per address and conference).
    ACTIVE = (Status.PENDING, Status.APPLIED, Status.ACCEPTED, Status.WAITLISTED)
    #: States the exhibitor may still correct the application in.
    EDITABLE = (Status.PENDING, Status.APPLIED)

    conference = models.ForeignKey(
        Conference,
        verbose_name=_("Konferenz"),
        on_delete=models.CASCADE,
        related_name="exhibitors",
    )
    organisation = models.CharField(_("Organisation"), max_length=200)
    project = models.CharField(_("Projekt"), max_length=200, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("Thema"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exhibitors",
    )
    contact_name = models.CharField(_("Ansprechperson"), max_length=200)
    email = models.EmailField(_("E-Mail"))
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    website = models.URLField(_("Website"), blank=True)
    logo = models.ImageField(_("Logo"), upload_to="exhibitors/", blank=True)
    stand = models.CharField(_("Standnummer"), max_length=20, blank=True)
    needs_table = models.BooleanField(_("Tisch"), default=True)
    needs_power = models.BooleanField(_("Stromanschluss"), default=False)
    needs_pinboard = models.BooleanField(_("Stellwand"), default=False)
    needs_space = models.BooleanField(
        _("zusätzliche Fläche"), default=False, help_text=_("z. B. für Roll-ups oder Banner")
    )
    needs_notes = models.TextField(_("Weitere Bedarfe"), blank=True)
    staff_count = models.PositiveSmallIntegerField(_("Personen am Stand"), default=1)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    language = models.CharField(_("Sprache"), max_length=10, default="de")
    privacy_version = models.CharField(
        _("Fassung des Datenschutzhinweises"), max_length=50, blank=True
    )
    # The secret of the private link, as for participants (never in the history or a repr).
    token = models.CharField(
        _("Zugangsschlüssel"), max_length=64, default=new_token, editable=False
    )
    email_confirmed_at = models.DateTimeField(_("E-Mail bestätigt am"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("auf der Warteliste seit"), null=True, blank=True)
    created_at = models.DateTimeField(_("eingegangen"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["token"])

    class Meta:
        verbose_name = _("Standanmeldung")
        verbose_name_plural = _("Standanmeldungen")
        ordering = ["conference", "stand", "organisation"]
        constraints = [
            models.UniqueConstraint(
                Lower("stand"),
                "conference",
                condition=~Q(stand=""),
                name="exhibitor_stand_unique_per_conference",
                violation_error_message=_(
                    "Diese Standnummer ist in dieser Konferenz bereits vergeben."
                ),
            ),
            models.UniqueConstraint(
                Lower("email"),
                "conference",
                condition=Q(status__in=["pending", "applied", "accepted", "waitlisted"]),
                name="exhibitor_one_active_application_per_email",
                violation_error_message=_(
                    "Von dieser E-Mail-Adresse liegt für diese Konferenz bereits eine "
                    "Standanmeldung vor."
                ),
            ),
        ]

    def __str__(self):
        return self.organisation

    def __repr__(self):
        return f"<Exhibitor {self.pk} {self.status}>"


class ExhibitorStaff(models.Model):
    """A person at an accepted exhibitor's stand: gets a badge, takes no participant seat."""

    exhibitor = models.ForeignKey(
        Exhibitor, verbose_name=_("Stand"), on_delete=models.CASCADE, related_name="staff"
    )
    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Person am Stand")
        verbose_name_plural = _("Personen am Stand")
        ordering = ["exhibitor", "pk"]

    def __str__(self):
        return self.name


class ExhibitorEmail(models.Model):
    """Every e-mail to an exhibitor, with its outcome (the participants' log, `SentEmail`, is
    bound to a registration). Written in the transaction of the state change it reports and sent
    after commit by a task; the private link is rendered at sending, never stored here."""

    class Kind(models.TextChoices):
        CONFIRM_ADDRESS = "confirm_address", _("E-Mail-Adresse bestätigen")
        RECEIVED = "received", _("Standanmeldung eingegangen")
        ACCEPTED = "accepted", _("Stand zugesagt")
        WAITLISTED = "waitlisted", _("Standanmeldung auf der Warteliste")
        REJECTED = "rejected", _("Standanmeldung abgesagt")
        WITHDRAWN = "withdrawn", _("Standanmeldung zurückgezogen")
        LINK = "link", _("Persönlicher Link")

    class Status(models.TextChoices):
        QUEUED = "queued", _("in der Warteschlange")
        SENT = "sent", _("versandt")
        FAILED = "failed", _("fehlgeschlagen")

    exhibitor = models.ForeignKey(
        Exhibitor,
        verbose_name=_("Standanmeldung"),
        on_delete=models.CASCADE,
        related_name="emails",
    )
    to = models.EmailField(_("an"))
    subject = models.CharField(_("Betreff"), max_length=300)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    language = models.CharField(_("Sprache"), max_length=10, default="de")
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    created_at = models.DateTimeField(_("angelegt"), default=timezone.now)
    sent_at = models.DateTimeField(_("versandt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("E-Mail an Ausstellende")
        verbose_name_plural = _("E-Mails an Ausstellende")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to}"
