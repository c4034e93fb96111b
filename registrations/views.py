"""Registration pages: the form, and the page after sending it.

Views are thin: they check the abuse limits, call one service and redirect. Every
`RegistrationError` becomes an error beside the field it is about (or at the top of the form);
nothing here changes state. The pages behind the private link are in `self_service`.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from conferences.models import Conference
from conferences.rules import registration_state

from . import ratelimit, rules, selectors, services
from .forms import RegistrationForm, add_service_error
from .models import Registration, SessionBooking

DONE_SALT = "registrations.views.done"
DONE_MAX_AGE = 3600


def visible_conference(request, slug):
    """The conference `slug` if the visitor may see it (`ConferenceQuerySet.visible_to`)."""
    return get_object_or_404(Conference.objects.visible_to(request.user), slug=slug)


def bookable_sessions(conference):
    return list(conference.sessions.choices())


def bookings_prefetch():
    return Prefetch(
        "bookings",
        SessionBooking.objects.select_related("session").order_by("session__starts_at"),
    )


def status_context(registration):
    """Where the registration stands: seat, waiting list, address still to be confirmed."""
    return {
        "registration": registration,
        "waitlist_position": selectors.waitlist_position(registration),
        "confirmation_deadline": rules.confirmation_deadline(registration),
    }


def seats_sentence(conference):
    seats = conference.seats_left
    return ngettext(
        "Es ist noch %(seats)s Platz frei.", "Es sind noch %(seats)s Plätze frei.", seats
    ) % {"seats": seats}


@method_decorator(never_cache, name="dispatch")
class RegisterView(FormView):
    template_name = "registrations/register.html"
    form_class = RegistrationForm

    def dispatch(self, request, *args, **kwargs):
        self.conference = visible_conference(request, kwargs["slug"])
        # The same window the services enforce, described for the page.
        self.state = registration_state(self.conference)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "conference": self.conference,
            "sessions": bookable_sessions(self.conference),
        }

    def get_form(self, form_class=None):
        if not self.state.can_register:
            return None
        return super().get_form(form_class)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            conference=self.conference,
            state=self.state,
            seats_sentence=seats_sentence(self.conference),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.state.can_register:
            return self.render_to_response(self.get_context_data())
        limited = ratelimit.refusal(
            request,
            group="register-ip",
            rate=settings.REGISTRATION_RATE_LIMIT_IP,
            conference=self.conference,
        )
        return limited or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        limited = ratelimit.refusal(
            self.request,
            group="register-email",
            rate=settings.REGISTRATION_RATE_LIMIT_EMAIL,
            per=email,
            conference=self.conference,
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
            self.conference = visible_conference(self.request, self.kwargs["slug"])
            form.refresh(self.conference, bookable_sessions(self.conference))
            return self.form_invalid(form)
        done_url = done_url_for(registration)
        cache.set(self._submission_key(form), done_url, DONE_MAX_AGE)
        return redirect(done_url)

    def form_invalid(self, form):
        form.renew_token()
        return super().form_invalid(form)

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
        .prefetch_related(bookings_prefetch())
        .filter(public_id=public_id)
        .first()
    )


@method_decorator(never_cache, name="dispatch")
class RegisteredView(TemplateView):
    """After submitting: the e-mail to confirm the address is on its way; seat or waiting list."""

    template_name = "registrations/registered.html"

    def get_context_data(self, **kwargs):
        conference = visible_conference(self.request, self.kwargs["slug"])
        registration = registration_from_done_url_value(self.request.GET.get("r", ""))
        if registration and registration.conference_id != conference.pk:
            registration = None
        return super().get_context_data(
            conference=conference,
            **(status_context(registration) if registration else {}),
            **kwargs,
        )


register = RegisterView.as_view()
registered = RegisteredView.as_view()
