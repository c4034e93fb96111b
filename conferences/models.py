"""What organisers publish: conferences, their programme and speakers (exhibitors: `exhibitors`).

Seat counters (`seats_taken`, `waitlist_count`) on Conference and Session are maintained only by
`registrations.services`, inside transactions that lock the row first; a check constraint makes
sure no counter ever exceeds its capacity, whatever the code above it does.

Conference and Session keep a change history (django-simple-history: who, when,
what). The counters are left out of it: the services change them with UPDATE statements, which
history never sees, so a snapshot of them would show changes nobody made in that edit.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ConferenceSeries(models.Model):
    """Editions of the same event, e.g. the Regionalkonferenzen 2018 in Kassel and Wiesbaden."""

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Konferenzreihe")
        verbose_name_plural = _("Konferenzreihen")
        ordering = ["title"]

    def __str__(self):
        return self.title


class PersonName:
    """How a person's name is written, for every model that holds one (speakers, participants,
    exhibitors' staff): the one place for it."""

    @property
    def full_name(self):
        return " ".join(p for p in (self.academic_title, self.first_name, self.last_name) if p)

    @property
    def sort_name(self):
        """Last name first, as lists are read."""
        first = " ".join(p for p in (self.academic_title, self.first_name) if p)
        return f"{self.last_name}, {first}" if first else self.last_name


class ConferenceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Conference.Status.PUBLISHED)

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now())

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now())

    def organised_by(self, user):
        """What `user` may see in the back office (admin, overview, exports): every conference
        for superusers, the ones they organise for other active staff, none for anyone else."""
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(organisers=user)

    def visible_to(self, user):
        """What `user` may see on the public pages: published and archived conferences, drafts
        too for superusers and for the staff who organise them (a preview)."""
        if user.is_superuser:
            return self
        public = ~models.Q(status=Conference.Status.DRAFT)
        if user.is_staff:
            organised = Conference.organisers.through.objects.filter(user=user.pk)
            return self.filter(public | models.Q(pk__in=organised.values("conference_id")))
        return self.filter(public)


class Conference(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        PUBLISHED = "published", _("Veröffentlicht")
        ARCHIVED = "archived", _("Archiviert")

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=100, unique=True)
    motto = models.CharField(_("Motto"), max_length=300, blank=True)
    series = models.ForeignKey(
        ConferenceSeries,
        verbose_name=_("Konferenzreihe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conferences",
    )
    city = models.CharField(_("Ort"), max_length=100)
    venue_name = models.CharField(_("Veranstaltungsort"), max_length=200)
    address = models.TextField(_("Adresse"))
    accessibility_info = models.TextField(
        _("Barrierefreiheit des Veranstaltungsorts"),
        blank=True,
        help_text=_("Zugang, Aufzüge, barrierefreie Toiletten, Induktionsschleife, Anreise."),
    )
    room_order = models.TextField(
        _("Reihenfolge der Räume im Programm"),
        blank=True,
        help_text=_(
            "Ein Raum pro Zeile, so geschrieben wie bei den Programmpunkten; parallele "
            "Programmpunkte stehen in dieser Reihenfolge nebeneinander. Nicht genannte Räume "
            "folgen nach Namen sortiert."
        ),
    )
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    capacity = models.PositiveIntegerField(_("Plätze für Teilnehmende"))
    seats_taken = models.PositiveIntegerField(_("vergebene Plätze"), default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(_("auf der Warteliste"), default=0, editable=False)
    registration_opens_at = models.DateTimeField(_("Anmeldung ab"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("Anmeldung bis"), null=True, blank=True)
    requires_approval = models.BooleanField(
        _("Anmeldungen durch das Organisationsteam freigeben"),
        default=False,
        help_text=_("Anmeldungen warten auf die Freigabe, statt sofort einen Platz zu erhalten."),
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    contact_email = models.EmailField(_("E-Mail des Organisationsteams"))
    contact_phone = models.CharField(_("Telefon des Organisationsteams"), max_length=50, blank=True)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Organisationsteam"),
        blank=True,
        related_name="organised_conferences",
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    objects = ConferenceQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["seats_taken", "waitlist_count", "updated_at"])

    class Meta:
        verbose_name = _("Konferenz")
        verbose_name_plural = _("Konferenzen")
        ordering = ["starts_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="conference_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=0), name="conference_capacity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="conference_seats_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="conference_registration_closes_after_opening",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.city}, {timezone.localtime(self.starts_at):%d.%m.%Y})"

    def get_absolute_url(self):
        return reverse("conferences:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _(
                "Das Ende der Anmeldefrist muss nach ihrem Beginn liegen."
            )
        if self.capacity is not None and self.capacity < self.seats_taken:
            errors["capacity"] = _(
                "Es sind bereits %(taken)s Plätze vergeben; die Kapazität kann nicht kleiner sein."
            ) % {"taken": self.seats_taken}
        if errors:
            raise ValidationError(errors)

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.capacity

    @property
    def has_free_seat(self):
        """A seat is free for one more person (the rule the services apply under lock)."""
        return not self.is_full


class Topic(models.Model):
    """Editable topic list; seeded with the seven fields of action of the integration plan."""

    name = models.CharField(_("Bezeichnung"), max_length=200, unique=True)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Speaker(PersonName, models.Model):
    academic_title = models.CharField(_("Akademischer Titel"), max_length=50, blank=True)
    first_name = models.CharField(_("Vorname"), max_length=100)
    last_name = models.CharField(_("Nachname"), max_length=100)
    slug = models.SlugField(_("Kurzname (URL)"), max_length=200, unique=True)
    organisation = models.CharField(_("Organisation"), max_length=200, blank=True)
    position = models.CharField(_("Funktion"), max_length=200, blank=True)
    biography = models.TextField(_("Kurzbiografie"), blank=True)
    photo = models.ImageField(_("Foto"), upload_to="speakers/", blank=True)
    photo_alt = models.CharField(_("Bildbeschreibung (Alternativtext)"), max_length=300, blank=True)
    website = models.URLField(_("Website"), blank=True)
    # Who added the person in the admin: until the person has a part in a session, only they
    # (and superusers) see them, since the person then belongs to no conference yet.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angelegt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("Person im Programm")
        verbose_name_plural = _("Referierende und Moderation")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("conferences:speaker", kwargs={"slug": self.slug})


class SessionQuerySet(models.QuerySet):
    def bookable(self):
        return self.filter(is_bookable=True)

    def choices(self):
        """The bookable sessions in the order the forms show their time slots."""
        return self.bookable().order_by("starts_at", "pk")


class Session(models.Model):
    """A Programmpunkt. With `capacity` set, participants book seats in it."""

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Begrüßung")
        KEYNOTE = "keynote", _("Keynote")
        TALK = "talk", _("Fachvortrag")
        PANEL = "panel", _("Podiumsdiskussion")
        FORUM = "forum", _("Forum")
        WORKSHOP = "workshop", _("Workshop")
        FISHBOWL = "fishbowl", _("Fishbowl")
        MARKET = "market", _("Markt der Möglichkeiten")
        BREAK = "break", _("Pause")
        RECEPTION = "reception", _("Empfang")
        OTHER = "other", _("Sonstiges")

    conference = models.ForeignKey(
        Conference, verbose_name=_("Konferenz"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("Titel"), max_length=300)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.TALK)
    description = models.TextField(_("Beschreibung"), blank=True)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    room = models.CharField(_("Raum"), max_length=100, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("Thema"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    is_bookable = models.BooleanField(
        _("bei der Anmeldung wählbar"),
        default=False,
        help_text=_("Teilnehmende wählen diesen Programmpunkt bei der Anmeldung aus."),
    )
    capacity = models.PositiveIntegerField(
        _("Plätze"),
        null=True,
        blank=True,
        help_text=_("Leer lassen, wenn keine Plätze gebucht werden."),
    )
    seats_taken = models.PositiveIntegerField(_("vergebene Plätze"), default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(_("auf der Warteliste"), default=0, editable=False)
    speakers = models.ManyToManyField(
        Speaker,
        verbose_name=_("Referierende"),
        through="SessionSpeaker",
        related_name="sessions",
        blank=True,
    )

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["seats_taken", "waitlist_count"])

    class Meta:
        verbose_name = _("Programmpunkt")
        verbose_name_plural = _("Programmpunkte")
        ordering = ["starts_at", "room", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="session_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=F("capacity")),
                name="session_seats_within_capacity",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("conferences:session", kwargs={"slug": self.conference.slug, "pk": self.pk})

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
            conference = self.conference if self.conference_id else None
            if conference and (
                self.starts_at < conference.starts_at or self.ends_at > conference.ends_at
            ):
                errors["starts_at"] = _(
                    "Der Programmpunkt muss innerhalb der Konferenz liegen (%(start)s bis %(end)s)."
                ) % {
                    "start": date_format(
                        timezone.localtime(conference.starts_at), "SHORT_DATETIME_FORMAT"
                    ),
                    "end": date_format(
                        timezone.localtime(conference.ends_at), "SHORT_DATETIME_FORMAT"
                    ),
                }
        if self.capacity is not None and self.capacity < self.seats_taken:
            errors["capacity"] = _(
                "Es sind bereits %(taken)s Plätze vergeben; die Kapazität kann nicht kleiner sein."
            ) % {"taken": self.seats_taken}
        if errors:
            raise ValidationError(errors)

    @property
    def has_seats(self):
        return self.capacity is not None

    @property
    def seats_left(self):
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def has_free_seat(self):
        """A seat is free for one more booking; a session without a capacity never fills."""
        return self.capacity is None or self.seats_taken < self.capacity


class SessionSpeaker(models.Model):
    """A speaker's part in one session: their role and their place on stage."""

    class Role(models.TextChoices):
        SPEAKER = "speaker", _("Referent*in")
        MODERATOR = "moderator", _("Moderation")
        PANELLIST = "panellist", _("Podiumsgast")
        HOST = "host", _("Gastgeber*in")

    session = models.ForeignKey(
        Session, verbose_name=_("Programmpunkt"), on_delete=models.CASCADE, related_name="roles"
    )
    speaker = models.ForeignKey(
        Speaker, verbose_name=_("Person"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.SPEAKER)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Mitwirkung")
        verbose_name_plural = _("Mitwirkende")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "speaker"], name="session_speaker_unique"),
        ]

    def __str__(self):
        return f"{self.speaker} – {self.get_role_display()}"


# Legal pages live in their own module; importing them here registers them with this app's models.
from .legal import LegalPage  # noqa: E402, F401
