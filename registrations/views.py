"""Participant pages: register, confirm the address, manage the registration by private link.

Views are thin: they check the abuse limits, call one service and redirect. Every
`RegistrationError` becomes an error beside the field it is about; nothing here changes state.
"""

import hashlib
import time
from functools import wraps

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from conferences.models import Conference, Session
from conferences.prepared import PreparedQuery
from conferences.rules import registration_state

from . import field_cache, page_cache, personal_data, ratelimit, services
from .forms import (
    ConsentsForm,
    LostLinkForm,
    ParticipantUpdateForm,
    RegistrationForm,
    SessionChangeForm,
    add_service_error,
    make_form_token,
    session_option_label,
)
from .models import Registration, SessionBooking

DONE_SALT = "registrations.views.done"
DONE_MAX_AGE = 3600


def rate_limited(request, retry_after, conference=None):
    response = TemplateResponse(
        request,
        "registrations/rate_limited.html",
        {"retry_minutes": max(1, -(-retry_after // 60)), "conference": conference},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def _limit(request, scope, key, rate_setting, conference=None):
    """None if allowed, else the 429 response."""
    wait = ratelimit.hit(scope=scope, key=key, rate=getattr(settings, rate_setting))
    return rate_limited(request, wait, conference) if wait else None


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


# Run on every request of the registration page (see `conferences.prepared`).
_VISIBLE_CONFERENCE = PreparedQuery(
    lambda slug: Conference.objects.exclude(status=Conference.Status.DRAFT).filter(slug=slug)
)
_BOOKABLE_SESSIONS = PreparedQuery(
    lambda conference_id: Session.objects.filter(conference_id=conference_id).choices()
)


def _visible_conference(slug):
    conference = _VISIBLE_CONFERENCE.first(slug)
    if conference is None:
        raise Http404("No such conference")
    return conference


def _bookable_sessions(conference):
    return list(_BOOKABLE_SESSIONS(conference.pk))


# slug -> (monotonic time of the read, conference, its bookable sessions)
_recent_reads: dict[str, tuple[float, Conference, list[Session]]] = {}
_clock = time.monotonic


def _conference_and_sessions(slug, *, fresh=False):
    """The visible conference `slug` and its bookable sessions, as this process read them at
    most REGISTRATION_READ_CACHE_SECONDS ago (`fresh`: read now, and keep that).

    When a registration opens, every request of the registration page would read the same rows
    again. The seats shown are then up to a moment old, as they are anyway once a page is
    shown, and nothing is decided with them: the services lock the rows and check the window
    and every seat again, and a refused registration reads afresh to show what changed. The
    instances are shared by the requests of the process: nothing may change them."""
    max_age = 0 if fresh else settings.REGISTRATION_READ_CACHE_SECONDS
    now = _clock()
    kept = _recent_reads.get(slug)
    if kept is not None and now - kept[0] < max_age:
        return kept[1], kept[2]
    conference = _visible_conference(slug)
    sessions = _bookable_sessions(conference)
    _recent_reads[slug] = (now, conference, sessions)
    return conference, sessions


# --- Registration ------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class RegisterView(FormView):
    template_name = "registrations/register.html"
    form_class = RegistrationForm

    def dispatch(self, request, *args, **kwargs):
        self.conference, self.sessions = _conference_and_sessions(kwargs["slug"])
        # The same window the services enforce, described for the page.
        self.state = registration_state(self.conference)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "conference": self.conference,
            "sessions": self.sessions,
        }

    def get_form(self, form_class=None):
        if not self.state.can_register:
            return None
        return super().get_form(form_class)

    def get_context_data(self, **kwargs):
        if "seats_sentence" not in kwargs:
            kwargs["seats_sentence"] = seats_sentence(self.conference)
        return super().get_context_data(conference=self.conference, state=self.state, **kwargs)

    def get(self, request, *args, **kwargs):
        if not self.state.can_register or page_cache.has_messages(request):
            return super().get(request, *args, **kwargs)
        # The blank page comes from the cache (see `page_cache`); only the values differ.
        sessions = self.sessions
        html = page_cache.cached_page(
            page_cache.page_key(request, self.conference, sessions),
            lambda: self._blank_page_with_placeholders(sessions),
        )
        values = {
            "csrf": get_token(request),
            "form_token": make_form_token(self.conference, sessions, started=time.time()),
            "seats": seats_sentence(self.conference),
            **{str(session.pk): session_option_label(session) for session in sessions},
        }
        return HttpResponse(page_cache.fill(html, values))

    def _blank_page_with_placeholders(self, sessions):
        placeholder = page_cache.placeholder
        form = self.get_form_class()(conference=self.conference, sessions=sessions)
        form.initial["form_token"] = placeholder("form_token")
        form.use_label_placeholders(lambda session: placeholder(session.pk))
        form_html = render_crispy_form(form, context={"csrf_token": placeholder("csrf")})
        return self._page_with_placeholders(form, form_html)

    def _page_with_placeholders(self, form, form_html):
        """The page around `form_html`, the seats-left sentence a placeholder."""
        context = self.get_context_data(
            form=form, form_html=form_html, seats_sentence=page_cache.placeholder("seats")
        )
        return render_to_string(self.template_name, context, self.request)

    def post(self, request, *args, **kwargs):
        if not self.state.can_register:
            return self.render_to_response(self.get_context_data())
        limited = _limit(
            request,
            "register-ip",
            ratelimit.client_ip(request),
            "REGISTRATION_RATE_LIMIT_IP",
            self.conference,
        )
        return limited or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        limited = _limit(
            self.request,
            "register-email",
            email.lower(),
            "REGISTRATION_RATE_LIMIT_EMAIL",
            self.conference,
        )
        if limited:
            return limited
        try:
            registration = services.register_participant(
                conference=self.conference,
                participant=form.participant_data(),
                session_ids=form.chosen_session_ids(),
                consents=form.consents(),
                language=get_language() or settings.LANGUAGE_CODE,
                known_full_session_ids=form.known_full_session_ids,
                conference_known_full=form.conference_known_full,
            )
        except services.RegistrationError as error:
            if error.code == "duplicate":
                earlier = self._earlier_submission(form, email)
                if earlier:
                    return redirect(earlier)
                add_service_error(form, error, message=self._duplicate_message(error))
            else:
                add_service_error(form, error)
            # Show the seats as they are now: what changed is what the person must see.
            self.conference, self.sessions = _conference_and_sessions(
                self.kwargs["slug"], fresh=True
            )
            form.refresh(self.conference, self.sessions)
            return self.form_invalid(form)
        done_url = done_url_for(registration)
        cache.set(self._submission_key(form), done_url, DONE_MAX_AGE)
        return redirect(done_url)

    def form_invalid(self, form):
        form.renew_token()
        if page_cache.has_messages(self.request):
            return super().form_invalid(form)
        # The page around the form comes from the cache; the form with what the person typed
        # and the errors from `field_cache` (whole, or its fields without errors).
        sessions = list(form.sessions_by_id.values())
        frame = page_cache.cached_page(
            page_cache.page_key(self.request, self.conference, sessions, variant="invalid"),
            lambda: self._page_with_placeholders(form, page_cache.placeholder("form")),
        )
        form_html = field_cache.render_form(form, csrf_token=get_token(self.request))
        values = {"seats": seats_sentence(self.conference)}
        return HttpResponse(page_cache.fill(frame, values, html_values={"form": form_html}))

    def _duplicate_message(self, error):
        return format_html(
            '{} <a href="{}">{}</a>',
            error.message,
            reverse("registrations:lost_link", kwargs={"slug": self.conference.slug}),
            _("Link zu Ihrer Anmeldung erneut zusenden lassen"),
        )

    def _submission_key(self, form):
        token = form.data.get(form.add_prefix("form_token"), "")
        return "registrations:submitted:" + hashlib.sha256(token.encode()).hexdigest()

    def _earlier_submission(self, form, email):
        """A second POST of the same form (double click, reload) goes where the first went."""
        done = cache.get(self._submission_key(form))
        if not done:
            return None
        registration = registration_from_done_url_value(done)
        if registration and registration.email.lower() == email.lower():
            return done
        return None


def seats_sentence(conference):
    seats = conference.seats_left
    return ngettext(
        "Es ist noch %(seats)s Platz frei.", "Es sind noch %(seats)s Plätze frei.", seats
    ) % {"seats": seats}


def done_url_for(registration):
    value = signing.dumps(str(registration.public_id), salt=DONE_SALT)
    url = reverse("registrations:registered", kwargs={"slug": registration.conference.slug})
    return f"{url}?r={value}"


def registration_from_done_url_value(url_or_value):
    value = url_or_value.rsplit("?r=", 1)[-1]
    try:
        public_id = signing.loads(value, salt=DONE_SALT, max_age=DONE_MAX_AGE)
    except signing.BadSignature:
        return None
    return (
        Registration.objects.select_related("conference")
        .prefetch_related(_bookings_prefetch())
        .filter(public_id=public_id)
        .first()
    )


def _bookings_prefetch():
    return Prefetch(
        "bookings",
        SessionBooking.objects.select_related("session").order_by("session__starts_at"),
    )


@method_decorator(never_cache, name="dispatch")
class RegisteredView(TemplateView):
    """After submitting: the e-mail to confirm the address is on its way; seat or waiting list."""

    template_name = "registrations/registered.html"

    def get_context_data(self, **kwargs):
        conference = _visible_conference(self.kwargs["slug"])
        registration = registration_from_done_url_value(self.request.GET.get("r", ""))
        if registration and registration.conference_id != conference.pk:
            registration = None
        return super().get_context_data(
            conference=conference,
            **(_status_context(registration) if registration else {}),
            **kwargs,
        )


# --- Private link ------------------------------------------------------------------------------


def _registration_by_token(request, public_id, token):
    """The registration behind a private link; 404 (and a counted failure) for a wrong link."""
    registration = services.get_registration_by_token(public_id=public_id, token=token)
    if registration is None:
        limited = _limit(
            request,
            "token-ip",
            ratelimit.client_ip(request),
            "REGISTRATION_RATE_LIMIT_TOKEN_IP",
        )
        if limited:
            return None, limited
        raise Http404(_("Dieser Link ist ungültig."))
    return registration, None


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
            "cancel",
        )
    }


def _status_context(registration):
    return {
        "registration": registration,
        "waitlist_position": services.waitlist_position(registration),
        "confirmation_deadline": services.confirmation_deadline(registration),
    }


def _context(registration, **extra):
    registration = (
        Registration.objects.select_related("conference")
        .prefetch_related(_bookings_prefetch(), "consents")
        .get(pk=registration.pk)
    )
    return {
        **_status_context(registration),
        "conference": registration.conference,
        "links": _links(registration),
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
    request, public_id, token, *, form_factory, save, title, success, intro="", only_active=True
):
    registration, limited = _registration_by_token(request, public_id, token)
    if limited:
        return limited
    if only_active and not registration.is_active:
        return redirect(_links(registration)["manage"])
    form = form_factory(registration, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(registration, form)
        except services.RegistrationError as error:
            add_service_error(form, error)
            if hasattr(form, "refresh_sessions"):
                form.refresh_sessions(_bookable_sessions(registration.conference))
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
    return {name: getattr(registration, name) for name in ParticipantUpdateForm.participant_fields}


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


# --- Lost link ---------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class LostLinkView(FormView):
    """Re-sends the private link. The answer never tells whether the address is registered."""

    template_name = "registrations/lost_link.html"
    form_class = LostLinkForm

    def dispatch(self, request, *args, **kwargs):
        self.conference = _visible_conference(kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(conference=self.conference, **kwargs)

    def post(self, request, *args, **kwargs):
        limited = _limit(
            request,
            "lost-link-ip",
            ratelimit.client_ip(request),
            "REGISTRATION_RATE_LIMIT_LOST_LINK_IP",
            self.conference,
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
        limited = _limit(
            self.request,
            "lost-link-email",
            email.lower(),
            "REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL",
            self.conference,
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
            conference=_visible_conference(self.kwargs["slug"]), **kwargs
        )


register = RegisterView.as_view()
registered = RegisteredView.as_view()
lost_link = LostLinkView.as_view()
lost_link_sent = LostLinkSentView.as_view()
