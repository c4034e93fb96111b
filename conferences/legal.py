"""Legal pages (imprint, privacy notice, accessibility statement) that organisers keep in the
admin, each in force from `valid_from`; `current_privacy_version` names the privacy notice that
a consent is given to."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LegalPageQuerySet(models.QuerySet):
    def valid(self, now=None):
        """Versions already in force (a version can be prepared with a future `valid_from`)."""
        return self.filter(valid_from__lte=now or timezone.now())

    def current(self, kind, now=None):
        """The version of `kind` in force now, or None."""
        return self.filter(kind=kind).valid(now).order_by("-valid_from", "-pk").first()


class LegalPage(models.Model):
    """Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit, as edited by organisers.

    Every change of a text is a new row with a new `version` and `valid_from`; the newest version
    whose `valid_from` has passed is the one in force. Consents store the privacy version.
    """

    DEFAULT_VERSION = "1"

    class Kind(models.TextChoices):
        IMPRINT = "imprint", _("Impressum")
        PRIVACY = "privacy", _("Datenschutzerklärung")
        ACCESSIBILITY = "accessibility", _("Erklärung zur Barrierefreiheit")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("Überschrift"), max_length=200)
    body = models.TextField(
        _("Text"),
        help_text=_(
            "Absätze durch eine Leerzeile trennen. Eine Zeile mit „## “ am Anfang wird eine "
            "Zwischenüberschrift, Zeilen mit „- “ am Anfang werden eine Aufzählung. "
            "Web- und E-Mail-Adressen werden automatisch verlinkt."
        ),
    )
    version = models.CharField(
        _("Fassung"),
        max_length=50,
        help_text=_(
            "z. B. „2026-01“. Einwilligungen halten fest, welcher Fassung zugestimmt wurde."
        ),
    )
    valid_from = models.DateTimeField(_("gültig ab"), default=timezone.now)
    contact_email = models.EmailField(
        _("E-Mail für Rückmeldungen"),
        blank=True,
        help_text=_("Pflicht für die Erklärung zur Barrierefreiheit (Feedback-Kontakt)."),
    )
    contact_phone = models.CharField(_("Telefon für Rückmeldungen"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    objects = LegalPageQuerySet.as_manager()

    class Meta:
        verbose_name = _("Rechtstext")
        verbose_name_plural = _("Rechtstexte")
        ordering = ["kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                name="legal_page_version_unique_per_kind",
                violation_error_message=_("Diese Fassung gibt es für diesen Text bereits."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.version})"

    def get_absolute_url(self):
        return reverse(f"conferences:{self.kind}")

    def clean(self):
        if self.kind == self.Kind.ACCESSIBILITY and not self.contact_email:
            raise ValidationError(
                {
                    "contact_email": _(
                        "Die Erklärung zur Barrierefreiheit braucht eine Kontaktadresse für "
                        "Rückmeldungen."
                    )
                }
            )


def current_privacy_version(now=None, default=None):
    """The version string of the privacy notice in force (only that column is read), or
    `default` (LegalPage.DEFAULT_VERSION) while none has been written."""
    version = (
        LegalPage.objects.filter(kind=LegalPage.Kind.PRIVACY)
        .valid(now or timezone.now())
        .order_by("-valid_from", "-pk")
        .values_list("version", flat=True)
        .first()
    )
    return version if version is not None else (default or LegalPage.DEFAULT_VERSION)


#: Marks a sample text in the title of a legal page (the demo seeds one per kind). A sample
#: privacy notice counts as none: the admin and `check --deploy` warn while it is in force.
SAMPLE_MARK = "Mustertext"


class PrivacyNotice(models.TextChoices):
    """Where the privacy notice that the registration form asks people to accept stands."""

    PUBLISHED = "published"
    MISSING = "missing"
    SAMPLE = "sample"


def privacy_notice_state(now=None) -> PrivacyNotice:
    """Whether a privacy notice of the organisers' own is in force (one query)."""
    page = LegalPage.objects.current(LegalPage.Kind.PRIVACY, now or timezone.now())
    if page is None:
        return PrivacyNotice.MISSING
    if SAMPLE_MARK in page.title:
        return PrivacyNotice.SAMPLE
    return PrivacyNotice.PUBLISHED
