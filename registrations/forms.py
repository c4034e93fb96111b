"""Participant-facing forms: registration, self-service changes, lost link.

Forms validate what a person typed; whether a seat is free is decided by `services`, whose
`RegistrationError` the views attach to the field it is about (`add_service_error`).
"""

import time
import unicodedata
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.renderers import Jinja2
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference

from .models import Consent, Registration
from .rules import text_problem
from .services import PARTICIPANT_FIELDS
from .session_forms import SessionChoiceMixin

MULTILINE_FIELDS = {"accessibility_needs"}
# The person's data in fieldsets (legend, fields), as the registration and manage pages show it.
PARTICIPANT_SECTIONS = [
    (_("Angaben zur Person"), ["salutation", "academic_title", "first_name", "last_name", "email"]),
    (_("Organisation"), ["organisation", "position", "organisation_type", "region"]),
]
NEEDS_SECTION = (
    _("Verpflegung und Barrierefreiheit"),
    ["diet", "dietary_notes", "accessibility_needs"],
)

REQUIRED_MESSAGES = {
    "first_name": _("Bitte geben Sie Ihren Vornamen an."),
    "last_name": _("Bitte geben Sie Ihren Nachnamen an."),
    "email": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
}
INVALID_EMAIL = _("Bitte geben Sie eine gültige E-Mail-Adresse an, zum Beispiel name@beispiel.de.")
HONEYPOT_FIELD = "website"
FORM_TOKEN_SALT = "registrations.forms.registration"  # noqa: S105 - a salt, not a secret


class NoControlCharacters:
    """Rejects control characters; multi-line fields keep their line breaks and tabs."""

    message = _("Bitte entfernen Sie die Steuerzeichen aus diesem Feld.")
    code = "control_characters"

    def __init__(self, *, multiline=False):
        self.multiline = multiline

    def __call__(self, value):
        if text_problem(str(value), multiline=self.multiline):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters) and self.multiline == other.multiline


def privacy_url(conference=None):
    """The privacy notice (a legal page of the public site), else the conference page."""
    try:
        return reverse("conferences:privacy")
    except NoReverseMatch:
        return conference.get_absolute_url() if conference else "/"


# --- Participant data --------------------------------------------------------------------------


class ParticipantForm(forms.Form):
    """The person's data, with the maximum lengths of the model (never a database error)."""

    participant_fields = PARTICIPANT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(Registration, fields=self.participant_fields)
        for name in self.participant_fields:
            self.fields[name] = self.adapt(name, model_fields[name])

    @staticmethod
    def adapt(name, formfield):
        if name in REQUIRED_MESSAGES:
            formfield.required = True
            formfield.error_messages["required"] = REQUIRED_MESSAGES[name]
        if name == "email":
            formfield.error_messages["invalid"] = INVALID_EMAIL
            formfield.widget.attrs["autocomplete"] = "email"
        if name == "organisation_type":
            formfield.choices = [("", _("keine Angabe")), *Registration.OrganisationType.choices]
        if isinstance(formfield, forms.CharField):
            formfield.validators = [
                v
                for v in formfield.validators
                if not isinstance(v, ProhibitNullCharactersValidator)
            ] + [NoControlCharacters(multiline=name in MULTILINE_FIELDS)]
        if name in MULTILINE_FIELDS:
            formfield.widget.attrs["rows"] = 3
        if isinstance(formfield.widget, forms.Select) and name in {"salutation", "diet"}:
            formfield.choices = [c for c in formfield.choices if c[0] != "" or c[1] != "---------"]
        autocomplete = {
            "salutation": "honorific-prefix",
            "academic_title": "honorific-prefix",
            "first_name": "given-name",
            "last_name": "family-name",
            "organisation": "organization",
            "position": "organization-title",
        }.get(name)
        if autocomplete:
            formfield.widget.attrs["autocomplete"] = autocomplete
        return formfield

    def clean(self):
        cleaned = super().clean()
        for name in self.participant_fields:
            value = cleaned.get(name)
            if isinstance(value, str):
                # Names typed on a Mac arrive decomposed ("u" + combining diaeresis): store them
                # composed so that lists, badges and duplicate checks see one spelling.
                cleaned[name] = unicodedata.normalize("NFC", value)
        return cleaned

    def participant_data(self):
        return {name: self.cleaned_data[name] for name in self.participant_fields}

    def participant_layout(self, entry=str):
        """`entry(name)`: what the layout holds for a field (its name, or a layout object)."""
        return [Fieldset(legend, *map(entry, names)) for legend, names in PARTICIPANT_SECTIONS]

    def needs_layout(self, entry=str):
        legend, names = NEEDS_SECTION
        return Fieldset(legend, *map(entry, names))


def _helper(submit_label, *, css_class=""):
    helper = FormHelper()
    helper.form_method = "post"
    helper.template = "registrations/_crispy_form.html"
    # Our own error messages (with the summary at the top) instead of the browser's bubbles.
    helper.attrs = {"novalidate": ""}
    helper.add_input(Submit("submit", submit_label, css_class=css_class))
    return helper


# Django's Jinja2 form renderer draws the registration form's widgets from Django's own widget
# templates in their Jinja2 version (the same HTML): 34,749 Python calls per page against 51,355
# with the template language's widget templates (BENCHMARKS.md, issue 12, continued). One
# instance, so that its template environment is built once per process.
WIDGET_RENDERER = Jinja2()


class BootstrapBoundField(forms.BoundField):
    """A field that adds Bootstrap's `is-invalid` to its widget's classes when it has errors
    (Django adds `aria-invalid` and `aria-describedby` itself)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            classes = attrs.get("class") or (widget or self.field.widget).attrs.get("class")
            attrs["class"] = f"{classes} is-invalid" if classes else "is-invalid"
        return attrs


def add_bootstrap_classes(form):
    """Bootstrap's class for each widget of `form`: what crispy's field templates added."""
    for formfield in form.fields.values():
        widget = formfield.widget
        if widget.is_hidden:
            continue
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
            css_class = "form-check-input"
        elif isinstance(widget, forms.Select):
            css_class = "form-select"
        else:
            css_class = "form-control"
        widget.attrs["class"] = css_class


@dataclass
class FormSection:
    """One fieldset of a form page: its legend, an optional introduction, its bound fields."""

    legend: str
    fields: list
    intro: str = ""


# --- Registration ------------------------------------------------------------------------------

# The optional consents, as the registration form and the manage page ask for them.
CONSENT_LABELS = {
    Consent.Purpose.PHOTOS: _(
        "Ich bin einverstanden, dass Foto- und Filmaufnahmen, auf denen ich zu sehen bin, "
        "zur Dokumentation der Konferenz veröffentlicht werden (freiwillig)."
    ),
    Consent.Purpose.PARTICIPANT_LIST: _(
        "Ich bin einverstanden, dass mein Name und meine Organisation in die "
        "Teilnehmendenliste aufgenommen werden, die alle Teilnehmenden erhalten "
        "(freiwillig)."
    ),
    Consent.Purpose.NEWSLETTER: _(
        "Ich möchte über künftige Konferenzen per Newsletter informiert werden "
        "(freiwillig, jederzeit abbestellbar)."
    ),
}
# Form field name of each optional consent (the privacy notice is acknowledged, not consented to).
OPTIONAL_CONSENT_FIELDS = {
    "consent_photos": Consent.Purpose.PHOTOS,
    "consent_participant_list": Consent.Purpose.PARTICIPANT_LIST,
    "consent_newsletter": Consent.Purpose.NEWSLETTER,
}


def add_optional_consent_fields(form, *, given=frozenset()):
    """One checkbox per optional consent, ticked for those in `given`."""
    for name, purpose in OPTIONAL_CONSENT_FIELDS.items():
        form.fields[name] = forms.BooleanField(
            required=False, label=CONSENT_LABELS[purpose], initial=purpose in given
        )


class RegistrationForm(SessionChoiceMixin, ParticipantForm):
    """The one form a person fills in to register.

    `form_token` is a signed snapshot of what the page showed: when it was shown (minimum fill
    time), which sessions were full and whether the conference was full (so that a session that
    filled in the meantime is reported instead of silently wait-listing the person).
    """

    CONSENT_FIELDS = {"consent_privacy": Consent.Purpose.PRIVACY, **OPTIONAL_CONSENT_FIELDS}
    # Rendered by registrations/_registration_form.html, field by field (registrations/_field.html).
    bound_field_class = BootstrapBoundField
    default_renderer = WIDGET_RENDERER

    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Bitte lassen Sie dieses Feld leer"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, conference: Conference, sessions=None, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.now = now or timezone.now()
        if sessions is None:
            sessions = list(conference.sessions.choices())
        self.add_slot_fields(sessions)
        self._add_consent_fields()
        self.token_payload = None
        if not self.is_bound:
            self.initial["form_token"] = self.make_token(started=time.time())
        add_bootstrap_classes(self)

    def sections(self):
        """The fieldsets of the page in order (registrations/_registration_form.html)."""
        sections = [
            FormSection(legend, self.bound(names)) for legend, names in PARTICIPANT_SECTIONS
        ]
        if self.slots:
            sections.append(
                FormSection(
                    _("Programm: Foren und Workshops"),
                    self.bound(self.slot_field_names()),
                    intro=_(
                        "Wählen Sie je Zeitfenster einen Programmpunkt. Ist er ausgebucht, "
                        "kommen Sie auf seine Warteliste und erhalten eine E-Mail, sobald ein "
                        "Platz frei wird."
                    ),
                )
            )
        sections += [
            FormSection(NEEDS_SECTION[0], self.bound(NEEDS_SECTION[1])),
            FormSection(_("Einwilligungen"), self.bound(self.CONSENT_FIELDS)),
        ]
        return sections

    def bound(self, names):
        return [self[name] for name in names]

    def _add_consent_fields(self):
        self.fields["consent_privacy"] = forms.BooleanField(
            label=format_html(
                _('Ich habe die <a href="{}">Datenschutzhinweise</a> zur Kenntnis genommen.'),
                privacy_url(self.conference),
            ),
            error_messages={
                "required": _(
                    "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise zur Kenntnis "
                    "genommen haben."
                )
            },
        )
        # The error summary names the field; the whole sentence of the label would be too long.
        self.fields["consent_privacy"].summary_label = _("Datenschutzhinweise")
        add_optional_consent_fields(self)

    def refresh(self, conference, sessions):
        """Show the conference and its seats as they are now (`show_sessions`)."""
        self.conference = conference
        self.show_sessions(sessions)

    # The signed snapshot ------------------------------------------------------------------

    def make_token(self, *, started):
        return signing.dumps(
            {
                "c": self.conference.pk,
                "t": started,
                "fs": self.full_session_ids(),
                "fc": self.conference.is_full,
            },
            salt=FORM_TOKEN_SALT,
            compress=True,
        )

    def renew_token(self):
        """Put a fresh snapshot (same start time) into the re-rendered form."""
        started = self.token_payload["t"] if self.token_payload else time.time()
        self.data = self.data.copy()
        self.data[self.add_prefix("form_token")] = self.make_token(started=started)

    @property
    def known_full_session_ids(self):
        return tuple(self.token_payload["fs"]) if self.token_payload else ()

    @property
    def conference_known_full(self):
        return bool(self.token_payload and self.token_payload["fc"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            self.add_error(
                None,
                _(
                    "Ihre Anmeldung konnte nicht verarbeitet werden, weil ein Feld ausgefüllt war, "
                    "das leer bleiben muss. Bitte prüfen Sie Ihre Angaben und senden Sie das "
                    "Formular erneut ab."
                ),
            )
            self.data = self.data.copy()
            self.data[self.add_prefix(HONEYPOT_FIELD)] = ""
        try:
            payload = signing.loads(
                cleaned.get("form_token") or "",
                salt=FORM_TOKEN_SALT,
                max_age=settings.REGISTRATION_FORM_MAX_AGE_SECONDS,
            )
            if payload.get("c") != self.conference.pk:
                raise signing.BadSignature("form of another conference")
        except (signing.BadSignature, TypeError, ValueError, AttributeError):
            self.add_error(
                None,
                _(
                    "Das Formular war zu lange geöffnet oder ist unvollständig angekommen. Bitte "
                    "prüfen Sie Ihre Angaben und senden Sie das Formular erneut ab."
                ),
            )
        else:
            self.token_payload = payload
            elapsed = time.time() - payload["t"]
            if elapsed < settings.REGISTRATION_MIN_FILL_SECONDS:
                self.add_error(
                    None,
                    _(
                        "Das Formular wurde schneller abgeschickt, als es sich ausfüllen lässt. "
                        "Zum Schutz vor automatisierten Anmeldungen: Bitte prüfen Sie Ihre Angaben "
                        "und senden Sie das Formular noch einmal ab."
                    ),
                )
        return cleaned

    def consents(self):
        return [
            purpose for name, purpose in self.CONSENT_FIELDS.items() if self.cleaned_data.get(name)
        ]


class ParticipantUpdateForm(ParticipantForm):
    """Corrections on the manage page (a new address takes effect once confirmed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "Eine neue Adresse gilt erst, wenn Sie den Link bestätigt haben, den wir an sie "
            "senden; bis dahin gilt die bisherige."
        )
        self.helper = _helper(_("Änderungen speichern"))
        self.helper.layout = Layout(*self.participant_layout(), self.needs_layout())


class SessionChangeForm(SessionChoiceMixin, forms.Form):
    """Change of sessions on the manage page; same slots as the registration form."""

    known_full = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, registration: Registration, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration
        if sessions is None:
            sessions = list(registration.conference.sessions.choices())
        bookings = list(registration.bookings.all())
        self.add_slot_fields(
            sessions,
            booked_ids={b.session_id for b in bookings},
            swap_ids={b.session_id for b in bookings if b.replaces_id},
        )
        if not self.is_bound:
            self.initial["known_full"] = self.encode_full()
        self.helper = _helper(_("Auswahl speichern"))
        self.helper.layout = Layout(*self.slot_field_names(), "known_full")

    def encode_full(self):
        return signing.dumps(self.full_session_ids(), salt=FORM_TOKEN_SALT + ".change")

    def renew_token(self):
        self.data = self.data.copy()
        self.data[self.add_prefix("known_full")] = self.encode_full()

    @property
    def known_full_session_ids(self):
        try:
            return tuple(
                signing.loads(
                    self.cleaned_data.get("known_full") or "", salt=FORM_TOKEN_SALT + ".change"
                )
            )
        except (signing.BadSignature, TypeError, ValueError):
            return ()


class ConsentsForm(forms.Form):
    """The optional consents on the manage page: given ones can be withdrawn, others given."""

    def __init__(self, *args, registration: Registration, **kwargs):
        super().__init__(*args, **kwargs)
        active = {c.purpose for c in registration.consents.all() if c.is_active}
        add_optional_consent_fields(self, given=active)
        self.helper = _helper(_("Einwilligungen speichern"))
        self.helper.layout = Layout(*OPTIONAL_CONSENT_FIELDS)

    def purposes(self):
        return [p for name, p in OPTIONAL_CONSENT_FIELDS.items() if self.cleaned_data.get(name)]


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse, mit der Sie sich angemeldet haben"),
        max_length=254,
        error_messages={"required": REQUIRED_MESSAGES["email"], "invalid": INVALID_EMAIL},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = forms.CharField(
        label=_("Bitte lassen Sie dieses Feld leer"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].validators.append(NoControlCharacters())
        self.helper = _helper(_("Link senden"))
        self.helper.layout = Layout(
            "email",
            Div(Field(HONEYPOT_FIELD), css_class="visually-hidden", aria_hidden="true"),
        )

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get(HONEYPOT_FIELD))


def add_service_error(form, error, *, message=None):
    """Attach a `services.RegistrationError` to the field it is about. A refusal about no field
    of this form ("conference_full_changed", "started", a lock that timed out) goes to the whole
    form: the error summary shows it at the top, and everything typed stays."""
    target = None
    if error.field == "sessions" and isinstance(form, SessionChoiceMixin):
        fields = (form.field_for_session(pk) for pk in getattr(error, "session_ids", None) or ())
        target = next((name for name in fields if name), None)
    elif error.field == "consents" and "consent_privacy" in form.fields:
        target = "consent_privacy"
    elif error.field in form.fields:
        target = error.field
    form.add_error(target, message or error.message)
