"""Public pages. Drafts are visible to their organisers only (preview)."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Conference, Session, SessionSpeaker, Speaker


def visible_conferences(user):
    """Published and archived conferences; staff also see drafts (preview)."""
    conferences = Conference.objects.all()
    if user.is_superuser:
        return conferences
    if user.is_staff:
        return conferences.exclude(~Q(organisers=user), status=Conference.Status.DRAFT).distinct()
    return conferences.exclude(status=Conference.Status.DRAFT)


class HomeView(ListView):
    template_name = "conferences/home.html"
    context_object_name = "conferences"

    def get_queryset(self):
        return (
            visible_conferences(self.request.user)
            .upcoming()
            .exclude(status=Conference.Status.ARCHIVED)
            .select_related("series")
            .order_by("starts_at")
        )


class ConferenceDetailView(DetailView):
    template_name = "conferences/conference_detail.html"
    context_object_name = "conference"

    def get_queryset(self):
        return visible_conferences(self.request.user).select_related("series")


class SessionDetailView(DetailView):
    template_name = "conferences/session_detail.html"
    context_object_name = "session"

    def get_object(self, queryset=None):
        conference = get_object_or_404(
            visible_conferences(self.request.user), slug=self.kwargs["slug"]
        )
        return get_object_or_404(
            Session.objects.select_related("conference", "topic").prefetch_related(
                Prefetch("roles", SessionSpeaker.objects.select_related("speaker"))
            ),
            conference=conference,
            pk=self.kwargs["pk"],
        )


class SpeakerDetailView(DetailView):
    template_name = "conferences/speaker_detail.html"
    context_object_name = "speaker"
    queryset = Speaker.objects.all()
