from django.urls import path

from . import self_service, views

app_name = "exhibitors"

# The directory keeps its name in the conference pages' namespace ("conferences:exhibitors"):
# config/urls.py mounts these patterns there, so the conference templates link to it unchanged.
directory_patterns = [
    path(
        "konferenz/<slug:slug>/markt-der-moeglichkeiten/",
        views.DirectoryView.as_view(),
        name="exhibitors",
    ),
]

urlpatterns = [
    path(
        "konferenz/<slug:slug>/markt-der-moeglichkeiten/stand-anmelden/",
        views.ApplyView.as_view(),
        name="apply",
    ),
    path(
        "konferenz/<slug:slug>/markt-der-moeglichkeiten/eingegangen/",
        views.AppliedView.as_view(),
        name="applied",
    ),
    path(
        "konferenz/<slug:slug>/markt-der-moeglichkeiten/link/",
        views.ResendLinkView.as_view(),
        name="resend_link",
    ),
    path("stand/<int:pk>/<str:token>/bestaetigen/", self_service.confirm, name="confirm"),
    path("stand/<int:pk>/<str:token>/", self_service.manage, name="manage"),
]
