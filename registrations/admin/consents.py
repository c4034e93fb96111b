"""Consents: evidence of what someone agreed to, and when. Recorded by an organiser (e.g. on paper),
never rewritten; a withdrawal is recorded through the services."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.admin import (
    HistoryAdmin,
    OrganiserAdminForm,
    OrganiserScopeMixin,
    VisibleConferenceListFilter,
)

from .. import services
from ..models import Consent
from .search import FoldedSearchMixin

ACTIVE_CONSENT_EXISTS = _("Für diesen Zweck gibt es bereits eine gültige Einwilligung.")


class ConsentForm(OrganiserAdminForm):
    # `withdrawn_at` decides whether the "one active consent per purpose" constraint applies.
    validated_read_only_fields = ("withdrawn_at",)
    # A consent is a record of what someone agreed to: once stored it is not rewritten.
    locked_once_saved = ("purpose", "text_version")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and self.instance.given_at is None:
            # Recorded by the organiser now; the moment is read-only.
            self.instance.given_at = timezone.now()

    def clean(self):
        cleaned_data = super().clean()
        registration = cleaned_data.get("registration")
        purpose = cleaned_data.get("purpose")
        # The constraint's own message would name the constraint, not the problem.
        if (
            self.instance._state.adding
            and registration is not None
            and registration.pk is not None
            and purpose
            and Consent.objects.filter(
                registration=registration, purpose=purpose, withdrawn_at__isnull=True
            ).exists()
        ):
            self.add_error("purpose", ACTIVE_CONSENT_EXISTS)
        return cleaned_data


class ConsentFormSet(forms.BaseInlineFormSet):
    """One active consent per purpose among the rows (every consent of the registration is a
    row). The database constraint is conditional, so Django's formset does not check it."""

    def clean(self):
        super().clean()
        active_purposes = set()
        for form in self.forms:
            if not form.is_valid() or not form.cleaned_data:
                continue
            purpose = form.cleaned_data.get("purpose")
            if not purpose or form.instance.withdrawn_at is not None:
                continue
            if purpose in active_purposes:
                form.add_error("purpose", ACTIVE_CONSENT_EXISTS)
            active_purposes.add(purpose)


class ConsentInline(admin.TabularInline):
    model = Consent
    form = ConsentForm
    formset = ConsentFormSet
    fields = ("purpose", "text_version", "given_at", "withdrawn_at")
    readonly_fields = ("given_at", "withdrawn_at")
    extra = 0
    can_delete = False


class ActiveConsentFilter(admin.SimpleListFilter):
    title = _("Stand")
    parameter_name = "stand"

    def lookups(self, request, model_admin):
        return (("active", _("erteilt")), ("withdrawn", _("widerrufen")))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(Consent)
class ConsentAdmin(FoldedSearchMixin, OrganiserScopeMixin, HistoryAdmin):
    conference_path = "registration__conference"
    folded_search_path = "registration__search_text"
    search_fields_too = True
    form = ConsentForm
    list_display = (
        "participant",
        "purpose",
        "text_version",
        "given_at",
        "withdrawn_at",
        "is_active",
    )
    list_filter = (
        ActiveConsentFilter,
        "purpose",
        ("registration__conference", VisibleConferenceListFilter),
    )
    list_select_related = ("registration",)
    search_fields = ("registration__last_name", "registration__first_name", "registration__email")
    date_hierarchy = "given_at"
    autocomplete_fields = ("registration",)
    fields = ("registration", "purpose", "text_version", "given_at", "withdrawn_at")
    readonly_fields = ("given_at", "withdrawn_at")

    @admin.display(description=_("Teilnehmende Person"), ordering="registration__last_name")
    def participant(self, obj):
        return obj.registration.full_name

    @admin.display(description=_("gültig"), boolean=True)
    def is_active(self, obj):
        return obj.is_active

    actions = ("withdraw",)

    def has_change_permission(self, request, obj=None):
        # A consent is evidence of what someone agreed to, and when: view only. A withdrawal is
        # recorded with the action below, which adds the moment and changes nothing else.
        return False

    @admin.action(description=_("Widerruf eintragen"), permissions=("add",))
    def withdraw(self, request, queryset):
        withdrawn = 0
        for consent in queryset.select_related("registration").order_by("pk"):
            try:
                withdrawn += services.withdraw_consent(consent=consent)
            except services.RegistrationError as error:
                self.message_user(
                    request, f"{consent.registration.full_name}: {error.message}", messages.ERROR
                )
        if withdrawn:
            self.message_user(
                request,
                ngettext("%(n)d Widerruf eingetragen.", "%(n)d Widerrufe eingetragen.", withdrawn)
                % {"n": withdrawn},
                messages.SUCCESS,
            )

    def has_delete_permission(self, request, obj=None):
        return False
