"""The export download, mounted under the admin (config/urls.py), behind the admin's login:
/admin/conferences/conference/<conference_id>/export/<identifier>/ as before. The exports app
mounts it itself, so that the conference admin (registrations) does not import this app."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path(
        "conferences/conference/<int:conference_id>/export/<slug:kind>/",
        admin.site.admin_view(views.export),
        name="export",
    ),
]
