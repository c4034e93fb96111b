""" "Person anmelden": an organiser registers someone (e.g. on the phone) through
`services.register_participant`, also outside the online registration window."""

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


class RegisterPersonForm(ParticipantForm):
    """What an organiser takes down on the phone; `services.register_participant` decides."""

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
        sessions = conference.sessions.bookable().order_by("starts_at", "title")
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = session_choice_label
        if not sessions.exists():
            del self.fields["sessions"]

    def person_fields(self):
        return [self[name] for name in (*self.participant_fields, "language")]

    def choice_fields(self):
        return [self[name] for name in ("sessions", "consents") if name in self.fields]

    def option_fields(self):
        return [self["waitlist"], self["address_confirmed"]]

    def clean_consents(self):
        consents = self.cleaned_data["consents"]
        if Consent.Purpose.PRIVACY not in consents:
            raise forms.ValidationError(
                _("Die Person muss die Datenschutzhinweise zur Kenntnis genommen haben.")
            )
        return consents

    def add_service_error(self, error: services.RegistrationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


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
                address_confirmed=data["address_confirmed"],
                by_organiser=True,
            )
        except services.RegistrationError as error:
            form.add_service_error(error)
        else:
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
