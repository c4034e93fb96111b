"""Participant-facing registration URLs.

The names and arguments of `register`, `confirm` and `manage` are the contract that e-mails and
the public pages rely on. Every URL with a token has the shape `anmeldung/<public_id>/…/<token>/`
that `registrations.logging` redacts.
"""

from django.urls import path

from . import self_service, views

app_name = "registrations"

urlpatterns = [
    path("konferenz/<slug:slug>/anmeldung/", views.register, name="register"),
    path("konferenz/<slug:slug>/anmeldung/eingegangen/", views.registered, name="registered"),
    path("konferenz/<slug:slug>/anmeldung/link/", self_service.lost_link, name="lost_link"),
    path(
        "konferenz/<slug:slug>/anmeldung/link/gesendet/",
        self_service.lost_link_sent,
        name="lost_link_sent",
    ),
    path(
        "anmeldung/<uuid:public_id>/bestaetigen/<str:token>/", self_service.confirm, name="confirm"
    ),
    path("anmeldung/<uuid:public_id>/<str:token>/", self_service.manage, name="manage"),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/angaben/",
        self_service.manage_data,
        name="manage_data",
    ),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/programm/",
        self_service.manage_sessions,
        name="manage_sessions",
    ),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/einwilligungen/",
        self_service.manage_consents,
        name="manage_consents",
    ),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/daten.json",
        self_service.manage_export,
        name="manage_export",
    ),
    path(
        "anmeldung/<uuid:public_id>/<str:token>/tausch-beenden/",
        self_service.leave_swap,
        name="leave_swap",
    ),
    path("anmeldung/<uuid:public_id>/<str:token>/stornieren/", self_service.cancel, name="cancel"),
    # Here the token is the signed link sent to a new address (`registrations.tokens`).
    path(
        "anmeldung/<uuid:public_id>/<str:token>/adresse-bestaetigen/",
        self_service.confirm_email_change,
        name="confirm_email_change",
    ),
]
