"""The pages behind a participant's private link, and the page that sends it again.

Confirm the address, see the registration, change data, sessions and consents, download what is
stored (GDPR Art. 15/20), cancel. Thin as the registration views: each form calls one service,
and a `RegistrationError` becomes an error beside its field or at the top of the form.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from conferences.rules import registration_refusal

from . import personal_data, ratelimit, services
from .forms import (
    ConsentsForm,
    LostLinkForm,
    ParticipantUpdateForm,
    SessionChangeForm,
    add_service_error,
)
from .mail.render import swap_pairs
from .models import Registration
from .tokens import read_email_change_token
from .views import bookable_sessions, bookings_prefetch, status_context, visible_conference


def private(view):
    """Pages behind a private link: not cached, not indexed.

    The Referer never carries the token to another site (SECURE_REFERRER_POLICY "same-origin");
    "no-referrer" is not an option here: browsers then send "Origin: null" with the forms of
    these pages and Django's CSRF check refuses them.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


# --- Private link ------------------------------------------------------------------------------


def _registration_by_token(request, public_id, token):
    """The registration behind a private link; 404 (and a counted failure) for a wrong link."""
    registration = services.get_registration_by_token(public_id=public_id, token=token)
    if registration is None:
        limited = ratelimit.refusal(
            request, group="token-ip", rate=settings.REGISTRATION_RATE_LIMIT_TOKEN_IP
        )
        if limited:
            return None, limited
        raise Http404(_("Dieser Link ist ungültig."))
    return registration, None


def _limit_mail(request, registration, *, group="self-service", rate=None):
    """Changes that send e-mail are counted per registration: a private link must not become a
    way to send mail in bulk. None if allowed, else the 429 page."""
    return ratelimit.refusal(
        request,
        group=group,
        rate=rate or settings.REGISTRATION_RATE_LIMIT_SELF_SERVICE,
        per=str(registration.public_id),
        conference=registration.conference,
    )


def _links(registration):
    kwargs = {"public_id": registration.public_id, "token": registration.token}
    return {
        name: reverse(f"registrations:{name}", kwargs=kwargs)
        for name in (
            "manage",
            "manage_data",
            "manage_sessions",
            "manage_consents",
            "manage_export",
            "leave_swap",
            "cancel",
        )
    }


def _context(registration, **extra):
    registration = (
        Registration.objects.select_related("conference")
        .prefetch_related(bookings_prefetch(), "consents")
        .get(pk=registration.pk)
    )
    conference = registration.conference
    return {
        **status_context(registration),
        "conference": conference,
        "links": _links(registration),
        "swaps": swap_pairs(list(registration.bookings.all())),
        # A cancelled registration does not stand in the way of a new one with the address.
        "can_register_again": not registration.is_active
        and registration_refusal(conference, timezone.now(), by_organiser=False) is None,
        # Participants change and cancel until the conference begins (the services' rule).
        "can_change": registration.is_active and timezone.now() < registration.conference.starts_at,
        **extra,
    }


@private
def confirm(request, public_id, token):
    """The link in the first e-mail. Opening it only asks; the button (a POST) confirms.

    Mail filters and link scanners open links in e-mails on their own: a confirmation on GET
    would confirm an address nobody read, the very thing the confirmation is to rule out.
    """
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    error = None
    if request.method == "POST":
        try:
            registration = services.confirm_email(registration=registration)
        except services.RegistrationError as exc:
            error = exc.message
    elif services.confirmation_expired(registration):
        error = services.MESSAGES["expired"]  # the button would only say so
    elif registration.email_confirmed_at is None:
        return TemplateResponse(request, "registrations/confirm.html", _context(registration))
    return TemplateResponse(
        request,
        "registrations/confirmed.html",
        _context(registration, error=error),
        status=200 if error is None else 409,
    )


@private
def manage(request, public_id, token):
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    return TemplateResponse(request, "registrations/manage.html", _context(registration))


def _manage_form_view(
    request,
    public_id,
    token,
    *,
    form_factory,
    save,
    title,
    success,
    intro="",
    only_active=True,
    sends_mail=True,
    limit=None,
):
    """`sends_mail`: a POST counts against the registration's self-service limit. `limit`
    (registration, form) may refuse a valid form with its own 429 page."""
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    if only_active and not registration.is_active:
        return redirect(_links(registration)["manage"])
    if request.method == "POST" and sends_mail:
        limited = _limit_mail(request, registration)
        if limited:
            return limited
    form = form_factory(registration, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        limited = limit(registration, form) if limit else None
        if limited:
            return limited
        try:
            save(registration, form)
        except services.RegistrationError as error:
            add_service_error(form, error)
            if hasattr(form, "show_sessions"):
                form.show_sessions(bookable_sessions(registration.conference))
        else:
            messages.success(request, success)
            return redirect(_links(registration)["manage"])
    if form.is_bound and hasattr(form, "renew_token"):
        form.renew_token()
    return TemplateResponse(
        request,
        "registrations/manage_form.html",
        _context(registration, form=form, title=title, intro=intro),
    )


def _participant_initial(registration):
    initial = {
        name: getattr(registration, name) for name in ParticipantUpdateForm.participant_fields
    }
    # The address asked for, while it waits for its confirmation.
    initial["email"] = registration.pending_email or registration.email
    return initial


def _limit_email_change(request):
    """Each new address gets a link: those are counted on their own, more tightly."""

    def limit(registration, form):
        email = form.participant_data().get("email", "")
        if email.strip().lower() in (
            registration.email.lower(),
            registration.pending_email.lower(),
        ):
            return None
        return _limit_mail(
            request,
            registration,
            group="email-change",
            rate=settings.REGISTRATION_RATE_LIMIT_EMAIL_CHANGE,
        )

    return limit


@private
def manage_data(request, public_id, token):
    return _manage_form_view(
        request,
        public_id,
        token,
        form_factory=lambda registration, data: ParticipantUpdateForm(
            data, initial=_participant_initial(registration)
        ),
        save=lambda registration, form: services.update_participant(
            registration=registration, participant=form.participant_data()
        ),
        title=_("Angaben ändern"),
        success=_("Ihre Angaben sind gespeichert."),
        limit=_limit_email_change(request),
    )


@private
def manage_sessions(request, public_id, token):
    return _manage_form_view(
        request,
        public_id,
        token,
        form_factory=lambda registration, data: SessionChangeForm(data, registration=registration),
        save=lambda registration, form: services.change_sessions(
            registration=registration,
            session_ids=form.chosen_session_ids(),
            known_full_session_ids=form.known_full_session_ids,
        ),
        title=_("Programmauswahl ändern"),
        success=_("Ihre Programmauswahl ist gespeichert."),
        intro=_(
            "Wenn Sie zu einem ausgebuchten Programmpunkt wechseln, der zur selben Zeit "
            "stattfindet wie einer, in dem Sie einen Platz haben, behalten Sie diesen Platz, bis "
            "im ausgebuchten einer frei wird. Dann tauschen wir automatisch und schreiben Ihnen."
        ),
    )


@private
def manage_export(request, public_id, token):
    """Everything stored about the registration as a JSON file (right of access)."""
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    return personal_data.as_response(registration)


@private
def manage_consents(request, public_id, token):
    # Withdrawing is as easy as giving, and possible at any time: also after a cancellation
    # and after the conference (photos are published afterwards).
    return _manage_form_view(
        request,
        public_id,
        token,
        form_factory=lambda registration, data: ConsentsForm(data, registration=registration),
        save=lambda registration, form: services.set_consents(
            registration=registration, purposes=form.purposes()
        ),
        title=_("Einwilligungen ändern"),
        success=_("Ihre Einwilligungen sind gespeichert."),
        intro=_(
            "Ihre Einwilligungen sind freiwillig. Sie können sie jederzeit widerrufen oder "
            "erteilen; ein Widerruf gilt für die Zukunft. Die Kenntnisnahme der "
            "Datenschutzhinweise ist keine Einwilligung und bleibt bestehen."
        ),
        only_active=False,
        sends_mail=False,
    )


@private
def cancel(request, public_id, token):
    """GET asks for confirmation; only the POST from that page cancels."""
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    if not registration.is_active:
        return redirect(_links(registration)["manage"])
    error = None
    if request.method == "POST":
        limited = _limit_mail(request, registration)
        if limited:
            return limited
        try:
            services.cancel_registration(registration=registration)
        except services.RegistrationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Ihre Anmeldung ist storniert."))
            return redirect(_links(registration)["manage"])
    return TemplateResponse(
        request, "registrations/cancel.html", _context(registration, error=error)
    )


@private
def leave_swap(request, public_id, token):
    """The button beside a swap on the manage page: stop waiting, keep the seat (POST only)."""
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    if request.method != "POST":
        return redirect(_links(registration)["manage"])
    session = registration.conference.sessions.filter(pk=_int(request.POST.get("session"))).first()
    if session is not None:
        try:
            services.leave_swap(registration=registration, session=session)
        except services.RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Sie warten nicht mehr auf einen Platz in „%(session)s“; Ihr Platz bleibt.")
                % {"session": session.title},
            )
    return redirect(_links(registration)["manage"])


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@private
def confirm_email_change(request, public_id, token):
    """The link sent to a new address. Opening it only asks; the button (a POST) confirms (mail
    scanners open links on their own). The token is the signed link, not the private one."""
    change = read_email_change_token(token)
    registration = (
        Registration.objects.select_related("conference").filter(public_id=public_id).first()
        if change is not None and change.public_id == public_id
        else None
    )
    if registration is None:
        limited = ratelimit.refusal(
            request, group="token-ip", rate=settings.REGISTRATION_RATE_LIMIT_TOKEN_IP
        )
        if limited:
            return limited
        raise Http404(_("Dieser Link ist ungültig."))
    error = None
    done = False
    if request.method == "POST":
        try:
            registration = services.confirm_email_change(registration=registration, token=token)
        except services.RegistrationError as exc:
            error = exc.message
        else:
            done = True
    elif registration.pending_email.lower() != change.email.lower() or not registration.is_active:
        error = services.email_change_refusal().message
    return TemplateResponse(
        request,
        "registrations/confirm_email_change.html",
        {
            "conference": registration.conference,
            "new_email": change.email,
            "error": error,
            "done": done,
        },
        status=200 if error is None else 409,
    )


# --- Lost link ---------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class LostLinkView(FormView):
    """Re-sends the private link. The answer never tells whether the address is registered."""

    template_name = "registrations/lost_link.html"
    form_class = LostLinkForm

    def dispatch(self, request, *args, **kwargs):
        self.conference = visible_conference(request, kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(conference=self.conference, **kwargs)

    def post(self, request, *args, **kwargs):
        limited = ratelimit.refusal(
            request,
            group="lost-link-ip",
            rate=settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP,
            conference=self.conference,
        )
        return limited or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if form.is_bot:
            form.add_error(
                None,
                _(
                    "Ihre Anfrage konnte nicht verarbeitet werden, weil ein Feld ausgefüllt war, "
                    "das leer bleiben muss. Bitte senden Sie das Formular erneut ab."
                ),
            )
            form.data = form.data.copy()
            form.data["website"] = ""
            return self.form_invalid(form)
        email = form.cleaned_data["email"]
        limited = ratelimit.refusal(
            self.request,
            group="lost-link-email",
            rate=settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL,
            per=email,
            conference=self.conference,
        )
        if limited:
            return limited
        services.resend_manage_link(conference=self.conference, email=email)
        return redirect("registrations:lost_link_sent", slug=self.conference.slug)


@method_decorator(never_cache, name="dispatch")
class LostLinkSentView(TemplateView):
    template_name = "registrations/lost_link_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            conference=visible_conference(self.request, self.kwargs["slug"]), **kwargs
        )


lost_link = LostLinkView.as_view()
lost_link_sent = LostLinkSentView.as_view()
