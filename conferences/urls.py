from django.urls import path

from . import views

app_name = "conferences"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("konferenz/<slug:slug>/", views.ConferenceDetailView.as_view(), name="detail"),
    path(
        "konferenz/<slug:slug>/programm/<int:pk>/",
        views.SessionDetailView.as_view(),
        name="session",
    ),
    path("referierende/<slug:slug>/", views.SpeakerDetailView.as_view(), name="speaker"),
]
