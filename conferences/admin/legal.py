"""Legal pages: Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit."""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import LegalPage


@admin.register(LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    """A privacy notice in force is frozen, since consents record its version: a change is a new
    version, started as a copy of the old one and valid from the moment the organisers choose."""

    list_display = ("kind", "version", "valid_from", "title")
    list_filter = ("kind",)
    ordering = ("kind", "-valid_from")
    search_fields = ("title", "version", "body")
    fields = (
        "kind",
        "title",
        "version",
        "valid_from",
        "body",
        "contact_email",
        "contact_phone",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("created_at", "updated_at")
    frozen_fields = ("kind", "title", "version", "valid_from", "body")

    def is_frozen(self, obj):
        return (
            obj is not None
            and obj.kind == LegalPage.Kind.PRIVACY
            and obj.valid_from <= timezone.now()
        )

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ("new_version", *fields) if self.is_frozen(obj) else fields

    def get_readonly_fields(self, request, obj=None):
        if self.is_frozen(obj):
            return ("new_version", *self.frozen_fields, *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description=_("Neue Fassung"))
    def new_version(self, obj):
        url = reverse("admin:conferences_legalpage_add") + "?" + urlencode({"copy_of": obj.pk})
        return format_html(
            '<a href="{}">{}</a>', url, _("Neue Fassung auf Grundlage dieser Fassung anlegen")
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        copy_of = request.GET.get("copy_of", "")
        source = LegalPage.objects.filter(pk=copy_of).first() if copy_of.isdigit() else None
        if source:
            initial.pop("copy_of", None)
            for name in ("kind", "title", "body", "contact_email", "contact_phone"):
                initial[name] = getattr(source, name)
        return initial
