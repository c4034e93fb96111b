"""The exhibitors' forms: the application (also used to correct it), the staff list, resending
the private link. Forms check what was typed; whether a stand application is allowed is decided
by `exhibitors.services`, whose errors the views attach to the field they are about."""

import io
import secrets
import time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from conferences.models import Topic
from registrations.forms import NoControlCharacters

from .models import Exhibitor

HONEYPOT_FIELD = "nickname"
FORM_TOKEN_SALT = "exhibitors.forms.application"  # noqa: S105 - a salt, not a secret
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 4000 * 4000
LOGO_SIDE = 800
DESCRIPTION_MAX = 1200
NOTES_MAX = 500

NOT_AN_IMAGE = _("Diese Datei ist kein Bild im Format PNG oder JPEG.")
NO_SVG = _(
    "SVG-Logos nehmen wir nicht an: Eine SVG-Datei kann Skripte und Verweise auf fremde "
    "Server enthalten. Bitte laden Sie Ihr Logo als PNG oder JPEG hoch."
)


def helper(submit_label, *, layout=None):
    result = FormHelper()
    result.form_method = "post"
    result.template = "registrations/_crispy_form.html"
    result.attrs = {"novalidate": "", "enctype": "multipart/form-data"}
    result.add_input(Submit("submit", submit_label))
    if layout is not None:
        result.layout = layout
    return result


def reencode_logo(upload) -> ContentFile:
    """The uploaded logo as a new PNG (at most LOGO_SIDE pixels wide or high) under a random
    name: what is stored is what Pillow drew, never the uploaded bytes."""
    if upload.size > MAX_LOGO_BYTES:
        raise forms.ValidationError(
            _("Das Logo ist zu groß (höchstens %(mb)s MB)."), params={"mb": 2}, code="too_big"
        )
    head = upload.read(512)
    upload.seek(0)
    if upload.name.lower().endswith((".svg", ".svgz")) or b"<svg" in head.lower():
        raise forms.ValidationError(NO_SVG, code="svg")
    try:
        with Image.open(upload) as image:
            if image.format not in ("PNG", "JPEG"):
                raise forms.ValidationError(NOT_AN_IMAGE, code="format")
            if image.width * image.height > MAX_LOGO_PIXELS:
                raise forms.ValidationError(
                    _("Das Logo hat zu viele Bildpunkte (höchstens 4000 × 4000)."), code="pixels"
                )
            image.load()
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise forms.ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    picture.thumbnail((LOGO_SIDE, LOGO_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(16)}.png")


class ApplicationForm(forms.ModelForm):
    """Apply for a stand (`conference` given) or correct an application (`instance` given)."""

    logo = forms.FileField(
        label=_("Logo (PNG oder JPEG, höchstens 2 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )
    privacy = forms.BooleanField(
        label=_("Ich habe die Datenschutzhinweise zur Kenntnis genommen."),
        error_messages={
            "required": _(
                "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise zur Kenntnis genommen "
                "haben."
            )
        },
    )
    nickname = forms.CharField(
        label=_("Bitte lassen Sie dieses Feld leer"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Exhibitor
        fields = [
            "organisation",
            "project",
            "description",
            "topic",
            "contact_name",
            "email",
            "phone",
            "website",
            "needs_table",
            "needs_power",
            "needs_pinboard",
            "needs_space",
            "needs_notes",
            "staff_count",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
            "needs_notes": forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
        }

    def __init__(self, *args, conference, market, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        self.correcting = correcting
        fields = self.fields
        fields["organisation"].required = True
        fields["project"].required = True
        fields["topic"].queryset = Topic.objects.order_by("name")
        fields["description"].max_length = DESCRIPTION_MAX
        fields["description"].validators.append(
            forms.CharField(max_length=DESCRIPTION_MAX).validators[0]
        )
        fields["needs_notes"].validators.append(forms.CharField(max_length=NOTES_MAX).validators[0])
        fields["staff_count"].min_value = 1
        fields["staff_count"].max_value = market.max_staff_per_stand
        fields["staff_count"].widget.attrs.update(min=1, max=market.max_staff_per_stand)
        for name in ("organisation", "project", "contact_name", "email", "phone", "website"):
            fields[name].validators.append(NoControlCharacters())
        for name in ("description", "needs_notes"):
            fields[name].validators.append(NoControlCharacters(multiline=True))
        fields["email"].widget.attrs["autocomplete"] = "email"
        fields["contact_name"].widget.attrs["autocomplete"] = "name"
        fields["phone"].widget.attrs["autocomplete"] = "tel"
        if correcting:
            fields["email"].disabled = True
            for name in ("privacy", HONEYPOT_FIELD, "form_token"):
                del fields[name]
        elif not self.is_bound:
            self.initial["form_token"] = signing.dumps(
                {"c": conference.pk, "t": time.time()}, salt=FORM_TOKEN_SALT
            )
        about = [
            "organisation",
            "project",
            "description",
            "topic",
            "website",
            "logo",
        ]
        contact = ["contact_name", "email", "phone"]
        stand = [
            "staff_count",
            "needs_table",
            "needs_power",
            "needs_pinboard",
            "needs_space",
            "needs_notes",
        ]
        parts = [
            Fieldset(_("Ihr Stand"), *about),
            Fieldset(_("Ansprechperson"), *contact),
            Fieldset(_("Personen und Bedarfe"), *stand),
        ]
        if not correcting:
            parts += [
                "privacy",
                Div(Field(HONEYPOT_FIELD), css_class="visually-hidden", aria_hidden="true"),
                "form_token",
            ]
        self.helper = helper(
            _("Änderungen speichern") if correcting else _("Stand anmelden"),
            layout=Layout(*parts),
        )

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload or upload is True:
            return None
        return reencode_logo(upload)

    def clean(self):
        cleaned = super().clean()
        if self.correcting:
            return cleaned
        if cleaned.get(HONEYPOT_FIELD):
            self.add_error(
                None,
                _(
                    "Ihre Anmeldung konnte nicht verarbeitet werden, weil ein Feld ausgefüllt war, "
                    "das leer bleiben muss. Bitte prüfen Sie Ihre Angaben und senden Sie das "
                    "Formular erneut ab."
                ),
            )
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
            if time.time() - payload["t"] < settings.REGISTRATION_MIN_FILL_SECONDS:
                self.add_error(
                    None,
                    _(
                        "Das Formular wurde schneller abgeschickt, als es sich ausfüllen lässt. "
                        "Zum Schutz vor automatisierten Anmeldungen: Bitte prüfen Sie Ihre Angaben "
                        "und senden Sie das Formular noch einmal ab."
                    ),
                )
        return cleaned

    def application_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        if self.correcting:
            data.pop("email", None)
        if self.cleaned_data.get("logo"):
            data["logo"] = self.cleaned_data["logo"]
        return data


class StaffForm(forms.Form):
    """The people at the stand: one row (name, optional e-mail) per place of the stand."""

    def __init__(self, *args, exhibitor, limit, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(exhibitor.staff.all())
        rows = []
        for index in range(limit):
            person = current[index] if index < len(current) else None
            name = forms.CharField(
                label=_("Name (Person %(n)s)") % {"n": index + 1},
                max_length=200,
                required=False,
                initial=person.name if person else "",
                validators=[NoControlCharacters()],
            )
            email = forms.EmailField(
                label=_("E-Mail (Person %(n)s, freiwillig)") % {"n": index + 1},
                required=False,
                initial=person.email if person else "",
                validators=[NoControlCharacters()],
            )
            self.fields[f"name_{index}"] = name
            self.fields[f"email_{index}"] = email
            rows.append(Div(f"name_{index}", f"email_{index}", css_class="staff-row"))
        self.limit = limit
        self.helper = helper(_("Personen speichern"), layout=Layout(*rows))

    def clean(self):
        cleaned = super().clean()
        for index in range(self.limit):
            if cleaned.get(f"email_{index}") and not cleaned.get(f"name_{index}"):
                self.add_error(f"name_{index}", _("Bitte nennen Sie auch den Namen."))
        return cleaned

    def people(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data[f"name_{i}"].strip(), self.cleaned_data.get(f"email_{i}") or "")
            for i in range(self.limit)
            if self.cleaned_data.get(f"name_{i}", "").strip()
        ]


class ResendLinkForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse der Standanmeldung"), max_length=254)
