"""Public pages of the Markt der Möglichkeiten: the directory of accepted exhibitors with the
stand list, and the application form (its private-link pages are in `self_service`)."""

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.views.generic import TemplateView

from conferences.legal import current_privacy_version
from conferences.models import Topic
from conferences.views import ConferenceMixin, natural_key
from registrations import ratelimit

from . import services
from .forms import ApplicationForm, ResendLinkForm
from .models import Exhibitor, Market


def market_of(conference) -> Market | None:
    """The conference's market, or None: a conference without one has no Markt page."""
    return Market.objects.filter(conference=conference).first()


def market_state(market: Market | None, now=None) -> dict:
    """What the public pages say about applying: open (with the closing time), not yet open (with
    the opening time) or closed (with the closing time)."""
    if market is None:
        return {"state": "none"}
    now = now or timezone.now()
    if now < market.opens_at:
        return {"state": "upcoming", "opens_at": market.opens_at, "closes_at": market.closes_at}
    if now >= market.closes_at:
        return {"state": "closed", "opens_at": market.opens_at, "closes_at": market.closes_at}
    return {"state": "open", "opens_at": market.opens_at, "closes_at": market.closes_at}


class DirectoryView(ConferenceMixin, TemplateView):
    """Accepted exhibitors (logo, organisation, project, description, topic, stand, website) and
    a plain list of the stands by number: on a phone a list reads and scrolls, a floor plan image
    has to be zoomed and panned and says nothing to a screen reader."""

    template_name = "exhibitors/directory.html"
    conference_nav = "exhibitors"

    def get_context_data(self, **kwargs):
        accepted = Q(
            exhibitors__conference=self.conference,
            exhibitors__status=Exhibitor.Status.ACCEPTED,
        )
        topics = list(Topic.objects.filter(accepted).annotate(exhibitor_count=Count("exhibitors")))
        selected = next((t for t in topics if t.slug == self.request.GET.get("thema")), None)
        everyone = sorted(
            Exhibitor.objects.filter(
                conference=self.conference, status=Exhibitor.Status.ACCEPTED
            ).select_related("topic"),
            key=lambda e: (not e.stand, natural_key(e.stand), e.organisation.casefold()),
        )
        exhibitors = [e for e in everyone if selected is None or e.topic_id == selected.pk]
        market = market_of(self.conference)
        return super().get_context_data(
            exhibitors=exhibitors,
            stands=[e for e in everyone if e.stand],
            topics=topics,
            selected_topic=selected,
            total=sum(t.exhibitor_count for t in topics),
            market=market,
            market_state=market_state(market),
            **kwargs,
        )


class ApplyView(ConferenceMixin, TemplateView):
    """The application form while the market takes applications; otherwise when it opens or
    closed. A refusal of the services goes next to its field; an address that already applied is
    offered the private link again."""

    template_name = "exhibitors/apply.html"
    conference_nav = "exhibitors"

    def dispatch(self, request, *args, **kwargs):
        self.market = market_of(self.conference)
        if self.market is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        data = (self.request.POST, self.request.FILES) if self.request.method == "POST" else ()
        return ApplicationForm(*data, conference=self.conference, market=self.market)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        limited = ratelimit.refusal(
            request,
            group="exhibitor-apply-ip",
            rate=settings.REGISTRATION_RATE_LIMIT_IP,
            conference=self.conference,
        )
        if limited:
            return limited
        form = self.get_form()
        duplicate = False
        if form.is_valid():
            limited = ratelimit.refusal(
                request,
                group="exhibitor-apply-email",
                rate=settings.REGISTRATION_RATE_LIMIT_EMAIL,
                per=form.cleaned_data["email"],
                conference=self.conference,
            )
            if limited:
                return limited
            try:
                services.apply_for_stand(
                    conference=self.conference,
                    data=form.application_data(),
                    language=get_language() or "de",
                    privacy_version=current_privacy_version(),
                )
            except services.ExhibitorError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                duplicate = error.code == "duplicate"
            else:
                return redirect("exhibitors:applied", slug=self.conference.slug)
        context = self.get_context_data(form=form, duplicate=duplicate)
        return self.render_to_response(context, status=200)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            market=self.market, market_state=market_state(self.market), **kwargs
        )


class AppliedView(ConferenceMixin, TemplateView):
    template_name = "exhibitors/applied.html"
    conference_nav = "exhibitors"


class ResendLinkView(ConferenceMixin, TemplateView):
    """Sends the private link of an active application again; answers the same whether or not
    the address applied (nobody learns who did)."""

    template_name = "exhibitors/link_sent.html"
    conference_nav = "exhibitors"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        limited = ratelimit.refusal(
            request,
            group="exhibitor-link-ip",
            rate=settings.REGISTRATION_RATE_LIMIT_LOST_LINK_IP,
            conference=self.conference,
        )
        if limited:
            return limited
        form = ResendLinkForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            limited = ratelimit.refusal(
                request,
                group="exhibitor-link-email",
                rate=settings.REGISTRATION_RATE_LIMIT_LOST_LINK_EMAIL,
                per=email,
                conference=self.conference,
            )
            if limited:
                return limited
            exhibitor = services.active_application(conference=self.conference, email=email)
            if exhibitor is not None:
                services.resend_link(exhibitor=exhibitor)
        return self.render_to_response(self.get_context_data())
