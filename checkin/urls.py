"""Check-in and certificate URLs. The participant's download keeps the private link's shape
(`anmeldung/<public_id>/<token>/…`) so that `registrations.logging` redacts its token."""

from django.urls import path

from . import public, views

app_name = "checkin"

urlpatterns = [
    path(
        "anmeldung/<uuid:public_id>/<str:token>/bescheinigung/",
        public.certificate_download,
        name="certificate",
    ),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/code.svg",
        public.checkin_code_svg,
        name="code",
    ),
    path("bescheinigung/pruefen/", public.verify, name="verify"),
    path("bescheinigung/pruefen/<str:code>/", public.verify, name="verify_code"),
]

urlpatterns += [
    path("einlass/", views.index, name="index"),
    path("einlass/anmelden/", views.DoorLoginView.as_view(), name="login"),
    path("einlass/<slug:slug>/", views.page, name="page"),
    path("einlass/<slug:slug>/scan/", views.api_scan, name="scan"),
    path("einlass/<slug:slug>/einchecken/", views.api_admit, name="admit"),
    path("einlass/<slug:slug>/zuruecknehmen/", views.api_undo, name="undo"),
    path("einlass/<slug:slug>/suche/", views.api_search, name="search"),
    path("einlass/<slug:slug>/zahlen/", views.api_counts, name="counts"),
    path("einlass/<slug:slug>/vor-ort/", views.api_walk_in, name="walk_in"),
]
