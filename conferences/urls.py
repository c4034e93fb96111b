from django.urls import path

from . import views
from .models import LegalPage

app_name = "conferences"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("archiv/", views.ArchiveView.as_view(), name="archive"),
    path("konferenz/<slug:slug>/", views.ConferenceDetailView.as_view(), name="detail"),
    path("konferenz/<slug:slug>/programm/", views.ProgrammeView.as_view(), name="programme"),
    path(
        "konferenz/<slug:slug>/programm.ics",
        views.ProgrammeCalendarView.as_view(),
        name="programme_ics",
    ),
    path(
        "konferenz/<slug:slug>/programm/<int:pk>/",
        views.SessionDetailView.as_view(),
        name="session",
    ),
    path(
        "konferenz/<slug:slug>/programm/<int:pk>.ics",
        views.SessionCalendarView.as_view(),
        name="session_ics",
    ),
    path("konferenz/<slug:slug>/referierende/", views.SpeakerListView.as_view(), name="speakers"),
    path("referierende/<slug:slug>/", views.SpeakerDetailView.as_view(), name="speaker"),
    path(
        "impressum/",
        views.LegalPageView.as_view(kind=LegalPage.Kind.IMPRINT),
        name="imprint",
    ),
    path(
        "datenschutz/",
        views.LegalPageView.as_view(kind=LegalPage.Kind.PRIVACY),
        name="privacy",
    ),
    path(
        "datenschutz/fassung/<str:version>/",
        views.LegalPageView.as_view(kind=LegalPage.Kind.PRIVACY),
        name="privacy_version",
    ),
    path(
        "barrierefreiheit/",
        views.LegalPageView.as_view(kind=LegalPage.Kind.ACCESSIBILITY),
        name="accessibility",
    ),
]
