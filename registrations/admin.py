"""Organiser admin for who comes: registrations, their session bookings and consents.

State belongs to `registrations.services`: statuses, their timestamps and consent timestamps are
read-only here, and a booking or a consent, once stored, is shown and no longer edited. Admin
actions that change state through the services come with the organiser back office.

The conference and session admins are extended here (this app may import conferences, not the
reverse): a capacity an organiser raises goes to the waiting list in the same transaction.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences import admin as conferences_admin
from conferences.admin import FieldsetsWithRestMixin, OrganiserAdminForm
from conferences.models import Conference, Session

from . import services
from .models import Consent, Registration, SentEmail, SessionBooking


def _existing(model, names):
    """The names among `names` that are fields of `model` (the model grows beside this file)."""
    found = []
    for name in names:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        found.append(name)
    return tuple(found)


# --- Session bookings ------------------------------------------------------------------------


class SessionBookingForm(OrganiserAdminForm):
    # Moving a booking to another session changes two seat counters: a service's job.
    locked_once_saved = ("session",)

    def clean(self):
        cleaned_data = super().clean()
        registration = cleaned_data.get("registration")
        session = cleaned_data.get("session")
        if (
            registration is not None
            and session is not None
            and registration.conference_id
            and session.conference_id != registration.conference_id
        ):
            self.add_error(
                "session", _("Dieser Programmpunkt gehört nicht zur Konferenz der Anmeldung.")
            )
        return cleaned_data


class SessionBookingInline(admin.TabularInline):
    model = SessionBooking
    form = SessionBookingForm
    fields = ("session", "status", "created_at")
    readonly_fields = ("status", "created_at")
    autocomplete_fields = ("session",)
    extra = 0
    # Removing a booking frees a seat and may promote the waiting list: a service's job.
    can_delete = False


@admin.register(SessionBooking)
class SessionBookingAdmin(admin.ModelAdmin):
    form = SessionBookingForm
    list_display = ("participant", "session", "conference", "status", "created_at")
    list_filter = ("status", "session__conference")
    list_select_related = ("registration", "session__conference")
    search_fields = (
        "registration__last_name",
        "registration__first_name",
        "registration__email",
        "session__title",
    )
    autocomplete_fields = ("registration", "session")
    fields = ("registration", "session", "status", "created_at")
    readonly_fields = ("status", "created_at")

    @admin.display(description=_("Teilnehmende Person"), ordering="registration__last_name")
    def participant(self, obj):
        return obj.registration.full_name

    @admin.display(description=_("Konferenz"), ordering="session__conference__starts_at")
    def conference(self, obj):
        return obj.session.conference.title

    def has_change_permission(self, request, obj=None):
        # Every field of a stored booking is state (see the module docstring): view only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Consents ---------------------------------------------------------------------------------

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
class ConsentAdmin(admin.ModelAdmin):
    form = ConsentForm
    list_display = (
        "participant",
        "purpose",
        "text_version",
        "given_at",
        "withdrawn_at",
        "is_active",
    )
    list_filter = (ActiveConsentFilter, "purpose", "registration__conference")
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

    def has_change_permission(self, request, obj=None):
        # A consent is evidence of what someone agreed to, and when: view only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- E-mails sent -----------------------------------------------------------------------------


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
class SentEmailAdmin(admin.ModelAdmin):
    """The e-mail log, read-only: the task queue writes it."""

    list_display = ("to", "subject", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Registrations ------------------------------------------------------------------------------


class RegistrationAdminForm(OrganiserAdminForm):
    # Both take part in the "one active registration per e-mail and conference" constraint.
    validated_read_only_fields = ("conference", "status")


@admin.register(Registration)
class RegistrationAdmin(FieldsetsWithRestMixin, admin.ModelAdmin):
    form = RegistrationAdminForm
    list_display = (
        "last_name",
        "first_name",
        "email",
        "organisation",
        "organisation_type",
        "conference_title",
        "status",
        "created_at",
    )
    list_display_links = ("last_name", "first_name")
    list_filter = ("conference", "status", "organisation_type", "diet", "language")
    list_select_related = ("conference",)
    search_fields = ("last_name", "first_name", "email", "organisation")
    date_hierarchy = "created_at"
    state_fields = _existing(
        Registration,
        (
            "status",
            "created_at",
            "updated_at",
            "email_confirmed_at",
            "confirmed_at",
            "cancelled_at",
            "cancellation_reason",
            "reminder_sent_at",
        ),
    )
    fieldsets = (
        (None, {"fields": ("conference", "status")}),
        (
            _("Person"),
            {
                "fields": _existing(
                    Registration,
                    (
                        "salutation",
                        "academic_title",
                        "first_name",
                        "last_name",
                        "email",
                        "language",
                    ),
                )
            },
        ),
        (
            _("Organisation"),
            {
                "fields": _existing(
                    Registration, ("organisation", "position", "organisation_type", "region")
                )
            },
        ),
        (
            _("Bedarfe"),
            {"fields": _existing(Registration, ("diet", "dietary_notes", "accessibility_needs"))},
        ),
        (_("Verlauf"), {"fields": tuple(n for n in state_fields if n != "status")}),
    )
    inlines = (SessionBookingInline, ConsentInline, SentEmailInline)

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    def get_inlines(self, request, obj):
        if obj is None:
            # A new registration has no e-mails yet.
            return [inline for inline in self.inlines if inline is not SentEmailInline]
        return self.inlines

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.state_fields
        # Moving a registration to another conference moves seats: a service's job.
        return ("conference", *self.state_fields)


# --- Capacity changes in the conference admin -----------------------------------------------------


def _report_promotions(model_admin, request, promoted):
    if promoted:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)d Platz wurde an die Warteliste vergeben.",
                "%(count)d Plätze wurden an die Warteliste vergeben.",
                len(promoted),
            )
            % {"count": len(promoted)},
        )


admin.site.unregister(Conference)


@admin.register(Conference)
class ConferenceAdmin(conferences_admin.ConferenceAdmin):
    def capacity_changed(self, request, conference):
        _report_promotions(self, request, services.capacity_changed(conference=conference))


admin.site.unregister(Session)


@admin.register(Session)
class SessionAdmin(conferences_admin.SessionAdmin):
    def capacity_changed(self, request, session):
        _report_promotions(self, request, services.capacity_changed(session=session))
