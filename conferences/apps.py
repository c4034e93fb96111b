from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Konferenzen")

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
