from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

import conferences.urls
import exhibitors.urls
from conferences.views import favicon

admin.site.site_header = _("Tagungsbüro – Verwaltung")
admin.site.site_title = _("Tagungsbüro")
admin.site.index_title = _("Konferenzen organisieren")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
]
urlpatterns += i18n_patterns(
    # Before the admin's own URLs: the exports app mounts its download under /admin/.
    path("admin/", include("exports.urls")),
    path("admin/", admin.site.urls),
    path("", include("checkin.urls")),
    path("", include("registrations.urls")),
    path("", include("exhibitors.urls")),
    # The Markt page belongs to the exhibitors app but is one of the conference's pages.
    path(
        "",
        include((conferences.urls.urlpatterns + exhibitors.urls.directory_patterns, "conferences")),
    ),
    prefix_default_language=False,
)
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
