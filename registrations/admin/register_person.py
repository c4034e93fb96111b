""" "Person anmelden": an organiser registers someone (e.g. on the phone) through
`services.register_participant`, also outside the online registration window.

The page speaks to the organiser about the person ("die Person"), never to the person ("Sie",
"Ihre"): its own messages and the service's refusals are worded for the organiser here. A
person without an e-mail address can be registered: `contact_note` says how to reach them, the
registration counts as confirmed at once (there is no address to confirm) and no e-mail is ever
queued for it.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session
from conferences.rules import registration_state

from .. import services
from ..forms import ParticipantForm
from ..models import Consent, Registration
from .pages import session_choice_label

#: The participant form's messages, worded for the organiser who types in someone's data.
ORGANISER_FIELD_MESSAGES = {
    "first_name": {"required": _("Bitte geben Sie den Vornamen der Person an.")},
    "last_name": {"required": _("Bitte geben Sie den Nachnamen der Person an.")},
    "email": {
        "invalid": _(
            "Bitte geben Sie eine gültige E-Mail-Adresse der Person an, zum Beispiel "
            "name@beispiel.de, oder lassen Sie das Feld leer."
        )
    },
}
#: The service's refusals (meant for the participant), worded for the organiser.
ORGANISER_REFUSALS = {
    "duplicate": _(
        "Mit dieser E-Mail-Adresse ist bereits eine Person zu dieser Konferenz angemeldet."
    ),
    "invalid_email": ORGANISER_FIELD_MESSAGES["email"]["invalid"],
    "privacy_required": _("Die Person muss die Datenschutzhinweise zur Kenntnis genommen haben."),
    "session_conflict": _(
        "Diese Programmpunkte finden zur selben Zeit statt. Bitte wählen Sie nur einen davon."
    ),
}
SESSION_FULL_ALREADY = _(
    "Dieser Programmpunkt ist ausgebucht. Wählen Sie einen anderen oder setzen Sie den Haken "
    "bei „Warteliste“, um die Person auf die Warteliste zu setzen."
)
SESSION_FULL_MEANWHILE = _(
    "Während Sie das Formular ausgefüllt haben, sind in diesem Programmpunkt alle Plätze "
    "vergeben worden. Wählen Sie einen anderen oder setzen Sie den Haken bei „Warteliste“."
)
CONFERENCE_FULL_ALREADY = _(
    "Die Konferenz ist ausgebucht. Setzen Sie den Haken bei „Warteliste“, um die Person auf die "
    "Warteliste zu setzen."
)
CONFERENCE_FULL_MEANWHILE = _(
    "Während Sie das Formular ausgefüllt haben, sind alle Plätze der Konferenz vergeben worden. "
    "Setzen Sie den Haken bei „Warteliste“, um die Person auf die Warteliste zu setzen."
)


class RegisterPersonForm(ParticipantForm):
    """What an organiser takes down on the phone; `services.register_participant` decides."""

    contact_note = forms.CharField(
        label=_("Erreichbarkeit ohne E-Mail"),
        required=False,
        max_length=Registration._meta.get_field("contact_note").max_length,
        help_text=_(
            "Für Personen ohne E-Mail-Adresse: wie sie erreichbar sind, z. B. Telefon oder "
            "Postanschrift. Sie erhalten keine E-Mails."
        ),
    )
    # What the page showed as full when it was loaded ("c" for the conference, session ids):
    # a refusal for something that was full already is not news that came "meanwhile".
    shown_full = forms.CharField(required=False, widget=forms.HiddenInput)

    language = forms.ChoiceField(
        label=_("Sprache der E-Mails"), choices=settings.LANGUAGES, initial="de"
    )
    sessions = forms.ModelMultipleChoiceField(
        label=_("Programmpunkte"),
        required=False,
        queryset=Session.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    consents = forms.MultipleChoiceField(
        label=_("Einwilligungen, die die Person gegeben hat"),
        required=False,
        choices=Consent.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ohne Kenntnisnahme der Datenschutzhinweise ist keine Anmeldung möglich."),
    )
    waitlist = forms.BooleanField(
        label=_("Wenn die Konferenz oder ein gewählter Programmpunkt voll ist: Warteliste"),
        required=False,
        help_text=_("Ohne Haken wird die Anmeldung dann abgelehnt."),
    )
    address_confirmed = forms.BooleanField(
        label=_("E-Mail-Adresse ist geprüft"),
        required=False,
        help_text=_(
            "Die Person erhält dann gleich die Anmeldebestätigung statt der Bitte, ihre "
            "Adresse zu bestätigen."
        ),
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.conference = conference
        for name, messages_ in ORGANISER_FIELD_MESSAGES.items():
            self.fields[name].error_messages.update(messages_)
        self.fields["email"].required = False
        self.fields["email"].help_text = _(
            "Leer lassen, wenn die Person keine E-Mail-Adresse hat; dann bitte die "
            "Erreichbarkeit angeben."
        )
        sessions = conference.sessions.bookable().order_by("starts_at", "title")
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = session_choice_label
        if not sessions.exists():
            del self.fields["sessions"]
        self.fields["shown_full"].initial = self.full_now()

    def full_now(self) -> str:
        """The conference ("c") and the sessions that are full now, as the hidden field holds
        them."""
        full = ["c"] if self.conference.is_full else []
        if "sessions" in self.fields:
            full += [str(s.pk) for s in self.fields["sessions"].queryset if not s.has_free_seat]
        return ",".join(full)

    def was_shown_full(self) -> set[str]:
        return set((self.data.get("shown_full") or "").split(","))

    def person_fields(self):
        return [self[name] for name in (*self.participant_fields, "contact_note", "language")]

    def choice_fields(self):
        return [self[name] for name in ("sessions", "consents") if name in self.fields]

    def option_fields(self):
        return [self["waitlist"], self["address_confirmed"]]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("contact_note") and "email" in cleaned:
            self.add_error(
                "contact_note",
                _(
                    "Die Person hat keine E-Mail-Adresse: bitte geben Sie an, wie sie erreichbar "
                    "ist."
                ),
            )
        return cleaned

    def clean_consents(self):
        consents = self.cleaned_data["consents"]
        if Consent.Purpose.PRIVACY not in consents:
            raise forms.ValidationError(
                _("Die Person muss die Datenschutzhinweise zur Kenntnis genommen haben.")
            )
        return consents

    def add_service_error(self, error: services.RegistrationError) -> None:
        """The refusal as an error next to its field, worded for the organiser; a seat that
        was full when the page was loaded is not reported as taken "while you filled in"."""
        shown_full = self.was_shown_full()
        if error.code == "session_full":
            already = {str(pk) for pk in error.session_ids} <= shown_full
            message = SESSION_FULL_ALREADY if already else SESSION_FULL_MEANWHILE
        elif error.code == "conference_full_changed":
            message = CONFERENCE_FULL_ALREADY if "c" in shown_full else CONFERENCE_FULL_MEANWHILE
        else:
            message = ORGANISER_REFUSALS.get(error.code, error.message)
        self.add_error(error.field if error.field in self.fields else None, message)
        # What the page shows from now on, with the error: the next refusal compares with it.
        self.data = self.data.copy()
        self.data["shown_full"] = self.full_now()


def register_person(model_admin, request):
    """The add page of registrations: an organiser registers someone (e.g. by phone).

    Organisers register outside the online registration window too (`by_organiser`), so the
    page offers the conferences the service accepts for them: published and not yet ended.
    """
    conference_id = request.GET.get("conference", "")
    chosen = bool(conference_id)
    if not chosen:
        # Coming from a changelist filtered by conference: that one, if it can take people.
        filters = QueryDict(request.GET.get("_changelist_filters", ""))
        conference_id = filters.get("conference__id__exact", "")
    registrable = (
        Conference.objects.organised_by(request.user).published().filter(ends_at__gt=timezone.now())
    )
    conference = registrable.filter(pk=conference_id).first() if conference_id.isdigit() else None
    request.current_app = model_admin.admin_site.name
    base = {
        **model_admin.admin_site.each_context(request),
        "opts": Registration._meta,
        "title": _("Person anmelden"),
    }
    if conference is None:
        if chosen:
            raise Http404
        return TemplateResponse(
            request,
            "admin/registrations/registration/register_choose_conference.html",
            {**base, "conferences": registrable.order_by("starts_at", "title")},
        )
    form = RegisterPersonForm(request.POST or None, conference=conference)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session_ids = [s.pk for s in data.get("sessions") or ()]
        try:
            registration = services.register_participant(
                conference=conference,
                participant=form.participant_data(),
                session_ids=session_ids,
                consents=data["consents"],
                language=data["language"],
                known_full_session_ids=session_ids if data["waitlist"] else (),
                conference_known_full=data["waitlist"],
                # Without an address there is nothing to confirm (and nothing to expire).
                address_confirmed=data["address_confirmed"] or not data["email"],
                by_organiser=True,
            )
        except services.RegistrationError as error:
            form.add_service_error(error)
        else:
            if data["contact_note"]:
                # Not state of the services: how to reach the person, kept with the row.
                registration.contact_note = data["contact_note"]
                registration.save(update_fields=["contact_note", "updated_at"])
            model_admin.log_addition(request, registration, [{"added": {}}])
            model_admin.message_user(
                request,
                _("%(name)s ist angemeldet: %(status)s.")
                % {"name": registration.full_name, "status": registration.get_status_display()},
                messages.SUCCESS,
            )
            return redirect("admin:registrations_registration_change", registration.pk)
    return TemplateResponse(
        request,
        "admin/registrations/registration/register.html",
        {
            **base,
            "title": _("Person anmelden: %(title)s") % {"title": conference.title},
            "conference": conference,
            # The note that the online registration is closed or not yet open.
            "online": registration_state(conference),
            "form": form,
            "media": model_admin.media + form.media,
        },
    )
