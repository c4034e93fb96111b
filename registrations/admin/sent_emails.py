"""The e-mail log ("Versandte E-Mails"), read-only: the task queue writes it."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.admin import OrganiserScopeMixin, VisibleConferenceListFilter

from .. import mail
from ..models import SentEmail


class SentEmailInline(admin.TabularInline):
    model = SentEmail
    fields = ("kind", "subject", "status", "created_at", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SentEmail)
class SentEmailAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    """The e-mail log, read-only: the task queue writes it."""

    conference_path = "registration__conference"
    list_display = ("to", "subject", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = (
        "status",
        "kind",
        ("registration__conference", VisibleConferenceListFilter),
        "language",
    )
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    actions = ("send_again",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Fehlgeschlagene E-Mails erneut senden"), permissions=("view",))
    def send_again(self, request, queryset):
        queued = 0
        with transaction.atomic():
            for email in queryset.filter(status=SentEmail.Status.FAILED):
                queued += mail.send_again(email=email)
        self.message_user(
            request,
            ngettext(
                "%(n)d E-Mail wird erneut gesendet.",
                "%(n)d E-Mails werden erneut gesendet.",
                queued,
            )
            % {"n": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
