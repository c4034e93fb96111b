"""Participant-facing registration URLs.

Interim: the views are placeholders until the registration flow lands; the names and
arguments are the contract that e-mails and the public pages rely on.
"""

from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    path("konferenz/<slug:slug>/anmeldung/", views.register, name="register"),
    path("anmeldung/<uuid:public_id>/bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("anmeldung/<uuid:public_id>/<str:token>/", views.manage, name="manage"),
]
