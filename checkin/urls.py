"""Check-in and certificate URLs. The participant's download keeps the private link's shape
(`anmeldung/<public_id>/<token>/…`) so that `registrations.logging` redacts its token."""

from django.urls import path

from . import public

app_name = "checkin"

urlpatterns = [
    path(
        "anmeldung/<uuid:public_id>/<str:token>/bescheinigung/",
        public.certificate_download,
        name="certificate",
    ),
    path("bescheinigung/pruefen/", public.verify, name="verify"),
    path("bescheinigung/pruefen/<str:code>/", public.verify, name="verify_code"),
]
