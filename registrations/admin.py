"""Organiser admin for who comes: registrations, their session bookings and consents, the e-mail
log; and the conference admin extended with what running a conference needs (overview, message
to participants, exports).

Invariants kept here:

- State belongs to the services (`registrations.services`, `registrations.organiser`): statuses,
  their timestamps, bookings and consent timestamps are read-only, and every admin action that
  changes state calls a service and reports each refusal (`RegistrationError`) as a message,
  never as a server error. A new registration is made by `services.register_participant`
  ("Person anmelden", the add page); deleting one (superusers only, for erasure) cancels it
  through the services first, so that seats go to the waiting list and no counter drifts. The
  change form writes only the fields it changed, so that a state a service wrote meanwhile is
  never overwritten by the values the form was loaded with.
- The token of the private links is shown nowhere: not in forms, lists, history (which leaves it
  out) or e-mail previews.
- Staff who are not superusers see the objects of the conferences they organise only (see
  `conferences.admin`: `CONFERENCE_PATHS` is extended here for the models of this app); the
  overview, message and export pages check the same rule and their own permission.
- Every changelist issues the same number of queries for 1 row and for many.

The conference and session admins are extended here (this app may import conferences, not the
reverse): a capacity an organiser raises goes to the waiting list in the same transaction.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences import admin as conferences_admin
from conferences.admin import (
    CONFERENCE_PATHS,
    FieldsetsWithRestMixin,
    HistoryAdmin,
    OrganiserAdminForm,
    OrganiserScopeMixin,
    VisibleConferenceListFilter,
    organised_conferences,
)
from conferences.models import Conference, Session

from . import admin_views, emails, exports, organiser, personal_data, services
from .models import Consent, ExportLog, Registration, SentEmail, SessionBooking

CONFERENCE_PATHS.update(
    {
        Registration: "conference",
        SessionBooking: "registration__conference",
        Consent: "registration__conference",
        SentEmail: "registration__conference",
        ExportLog: "conference",
    }
)


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


def _names(registrations, limit=10):
    """ "A, B and 3 more" for messages about several people."""
    names = [registration.full_name for registration in registrations]
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        rest = len(names) - limit
        shown += " " + ngettext("und %(n)d weitere Person", "und %(n)d weitere Personen", rest) % {
            "n": rest
        }
    return shown


# --- Session bookings ------------------------------------------------------------------------


class SessionBookingInline(admin.TabularInline):
    """The person's bookings, as the services keep them. Adding, moving or removing a booking
    changes seat counters and waiting lists: the "move" action and the participant's own page
    do that through the services."""

    model = SessionBooking
    fields = ("session", "status", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SessionBooking)
class SessionBookingAdmin(OrganiserScopeMixin, HistoryAdmin):
    """View only: every field of a booking is state of the services."""

    list_display = ("participant", "session", "conference", "status", "created_at")
    list_filter = ("status", ("session__conference", VisibleConferenceListFilter))
    list_select_related = ("registration", "session__conference")
    search_fields = (
        "registration__last_name",
        "registration__first_name",
        "registration__email",
        "session__title",
    )
    fields = ("registration", "session", "status", "created_at")
    readonly_fields = fields

    @admin.display(description=_("Teilnehmende Person"), ordering="registration__last_name")
    def participant(self, obj):
        return obj.registration.full_name

    @admin.display(description=_("Konferenz"), ordering="session__conference__starts_at")
    def conference(self, obj):
        return obj.session.conference.title

    def has_add_permission(self, request):
        # A booking written here would take a seat without counting it.
        return False

    def has_change_permission(self, request, obj=None):
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
class ConsentAdmin(OrganiserScopeMixin, HistoryAdmin):
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
                withdrawn += organiser.withdraw_consent(consent=consent)
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
class SentEmailAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    """The e-mail log, read-only: the task queue writes it."""

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
                queued += emails.send_again(email=email)
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


# --- Registrations: filters ------------------------------------------------------------------


class SessionListFilter(admin.SimpleListFilter):
    """Registrations with a booking (seat or waiting list) in a session; the sessions of the
    chosen conference, or of every visible conference."""

    title = _("Programmpunkt")
    parameter_name = "session"

    def lookups(self, request, model_admin):
        sessions = (
            Session.objects.filter(conference__in=organised_conferences(request.user))
            .filter(is_bookable=True)
            .select_related("conference")
            .order_by("conference__starts_at", "starts_at", "title")
        )
        conference = request.GET.get("conference__id__exact", "")
        if conference.isdigit():
            sessions = sessions.filter(conference_id=conference)
            return [(s.pk, s.title) for s in sessions]
        return [(s.pk, f"{s.conference.title}: {s.title}") for s in sessions]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(bookings__session_id=value)
        return queryset


class RegionListFilter(admin.SimpleListFilter):
    title = _("Region")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        regions = (
            model_admin.get_queryset(request)
            .exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        )
        return [(region, region) for region in regions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(region=self.value())
        return queryset


class ConsentListFilter(admin.SimpleListFilter):
    """Registrations with (or without) an active consent for a purpose."""

    title = _("Einwilligungen")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        choices = []
        for purpose, label in Consent.Purpose.choices:
            choices.append((purpose, _("erteilt: %(purpose)s") % {"purpose": label}))
            choices.append((f"no-{purpose}", _("nicht erteilt: %(purpose)s") % {"purpose": label}))
        return choices

    def queryset(self, request, queryset):
        value = self.value() or ""
        purpose = value.removeprefix("no-")
        if purpose not in Consent.Purpose.values:
            return queryset
        active = Exists(
            Consent.objects.filter(
                registration=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True
            )
        )
        return queryset.filter(~active if value.startswith("no-") else active)


class CheckedInListFilter(admin.SimpleListFilter):
    title = _("Eingecheckt")
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return (("yes", _("ja")), ("no", _("nein")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(checked_in_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(checked_in_at__isnull=True)
        return queryset


# --- Registrations ------------------------------------------------------------------------------


class RegistrationAdminForm(OrganiserAdminForm):
    # Both take part in the "one active registration per e-mail and conference" constraint.
    validated_read_only_fields = ("conference", "status")


class MoveBookingForm(forms.Form):
    from_session = forms.ModelChoiceField(
        label=_("Von Programmpunkt"), queryset=Session.objects.none()
    )
    to_session = forms.ModelChoiceField(
        label=_("Nach Programmpunkt"), queryset=Session.objects.none()
    )
    allow_waitlist = forms.BooleanField(
        label=_("Auf die Warteliste setzen, wenn der Programmpunkt voll ist"), required=False
    )

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = conference.sessions.order_by("starts_at", "title")
        self.fields["from_session"].queryset = sessions
        self.fields["to_session"].queryset = sessions.filter(is_bookable=True)
        label = admin_views.session_choice_label
        self.fields["from_session"].label_from_instance = label
        self.fields["to_session"].label_from_instance = label

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("from_session") and cleaned_data.get(
            "from_session"
        ) == cleaned_data.get("to_session"):
            self.add_error("to_session", _("Bitte wählen Sie einen anderen Programmpunkt."))
        return cleaned_data


class CancelForm(forms.Form):
    notify = forms.BooleanField(
        label=_("Die Personen per E-Mail über die Stornierung informieren"),
        required=False,
        initial=True,
    )


@admin.register(Registration)
class RegistrationAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin):
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
        "checked_in",
    )
    list_display_links = ("last_name", "first_name")
    list_filter = (
        ("conference", VisibleConferenceListFilter),
        "status",
        SessionListFilter,
        "organisation_type",
        RegionListFilter,
        ConsentListFilter,
        CheckedInListFilter,
        "diet",
        "language",
    )
    list_select_related = ("conference",)
    search_fields = ("last_name", "first_name", "email", "organisation")
    date_hierarchy = "created_at"
    actions = (
        "confirm_email",
        "approve",
        "cancel",
        "promote_waitlist",
        "move_booking",
        "resend_confirmation",
        "resend_manage_link",
        "check_in",
        "undo_check_in",
        "download_personal_data",
    )
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
            "checked_in_at",
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

    @admin.display(description=_("Eingecheckt"), boolean=True, ordering="checked_in_at")
    def checked_in(self, obj):
        return obj.checked_in_at is not None

    def get_readonly_fields(self, request, obj=None):
        # Moving a registration to another conference moves seats: a service's job.
        return ("conference", *self.state_fields)

    # --- Adding: "Person anmelden" through the registration service

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return admin_views.register_person(self, request)

    # --- Changing: only the fields the organiser changed

    def save_model(self, request, obj, form, change):
        if not change:  # pragma: no cover - the add page is `add_view` above
            raise PermissionDenied
        changed = [name for name in form.changed_data if name in form.fields]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    # --- Deleting: superusers only, for erasure, through the services

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Bookings and consents go with the registration (the erasure deletes them); that they
        # cannot be deleted on their own pages does not stand in the way.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    def delete_model(self, request, obj):
        self._erase(obj.pk)

    def delete_queryset(self, request, queryset):
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            self._erase(pk)

    def _erase(self, pk):
        registration = Registration.objects.get(pk=pk)
        with transaction.atomic():
            organiser.erase_registration(registration=registration)
            # The admin's own log names the person in earlier entries.
            LogEntry.objects.filter(
                content_type=get_content_type_for_model(Registration), object_id=str(pk)
            ).exclude(action_flag=DELETION).delete()

    def log_deletions(self, request, queryset):
        # The entry outlives the erased person: it names the registration by number only.
        content_type = get_content_type_for_model(Registration)
        return LogEntry.objects.bulk_create(
            LogEntry(
                user_id=request.user.pk,
                content_type_id=content_type.pk,
                object_id=str(obj.pk),
                object_repr=f"#{obj.pk}",
                action_flag=DELETION,
                change_message="",
            )
            for obj in queryset
        )

    # --- Actions through the services

    def _run(self, request, queryset, work, *, done, skipped=None):
        """Call `work(registration)` for each selected registration; report who succeeded, who
        was left as it was (`work` returned False) and every refusal with its reason."""
        succeeded, unchanged = [], []
        for registration in queryset.select_related("conference").order_by(
            "last_name", "first_name", "pk"
        ):
            try:
                result = work(registration)
            except services.RegistrationError as error:
                self.message_user(
                    request, f"{registration.full_name}: {error.message}", messages.ERROR
                )
                continue
            (unchanged if result is False else succeeded).append(registration)
        if succeeded:
            self.message_user(request, f"{done}: {_names(succeeded)}", messages.SUCCESS)
        if unchanged and skipped:
            self.message_user(request, f"{skipped}: {_names(unchanged)}", messages.WARNING)

    @admin.action(
        description=_("Auskunft: alle gespeicherten Daten der Person (JSON)"),
        permissions=("view",),
    )
    def download_personal_data(self, request, queryset):
        """A request for access (GDPR Art. 15) by letter or e-mail: the file the person could
        download through their private link. One person at a time; recorded in the export log."""
        registrations = list(queryset.select_related("conference")[:2])
        if len(registrations) != 1:
            self.message_user(
                request,
                _("Bitte wählen Sie für eine Auskunft genau eine Anmeldung aus."),
                messages.WARNING,
            )
            return None
        registration = registrations[0]
        exports.log_export(
            user=request.user,
            conference=registration.conference,
            kind="personal_data",
            fmt="json",
            row_count=1,
        )
        return personal_data.as_response(registration)

    @admin.action(description=_("E-Mail-Adresse bestätigen"), permissions=("change",))
    def confirm_email(self, request, queryset):
        def work(registration):
            if registration.email_confirmed_at is not None:
                return False
            services.confirm_email(registration=registration)
            return True

        self._run(
            request,
            queryset,
            work,
            done=_("E-Mail-Adresse bestätigt"),
            skipped=_("Bereits bestätigt"),
        )

    @admin.action(description=_("Anmeldung freigeben"), permissions=("change",))
    def approve(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: services.approve_registration(registration=r),
            done=_("Freigegeben"),
        )

    @admin.action(description=_("Anmeldung stornieren …"), permissions=("change",))
    def cancel(self, request, queryset):
        form = CancelForm(request.POST if "confirmed" in request.POST else None)
        if form.is_bound and form.is_valid():
            notify = form.cleaned_data["notify"]

            def work(registration):
                if registration.status == Registration.Status.CANCELLED:
                    return False
                services.cancel_registration(
                    registration=registration, by_organiser=True, notify=notify
                )
                return True

            self._run(request, queryset, work, done=_("Storniert"), skipped=_("Bereits storniert"))
            return None
        return self._intermediate(
            request,
            queryset,
            action="cancel",
            title=_("Anmeldungen stornieren"),
            form=form,
            submit=_("Ja, stornieren"),
            intro=_(
                "Die Plätze und Buchungen dieser Anmeldungen werden frei und gehen an die "
                "Nächsten auf der Warteliste."
            ),
        )

    @admin.action(description=_("Warteliste nachrücken lassen"), permissions=("change",))
    def promote_waitlist(self, request, queryset):
        conference_ids = sorted(set(queryset.values_list("conference_id", flat=True)))
        for conference in Conference.objects.filter(pk__in=conference_ids).order_by("pk"):
            promoted = services.promote_from_waitlist(conference=conference)
            admin_views.report_promotions(self, request, conference, promoted)

    @admin.action(
        description=_("In einen anderen Programmpunkt verschieben …"), permissions=("change",)
    )
    def move_booking(self, request, queryset):
        conference_ids = set(queryset.values_list("conference_id", flat=True))
        if len(conference_ids) != 1:
            self.message_user(
                request,
                _("Bitte wählen Sie Anmeldungen einer einzigen Konferenz aus."),
                messages.ERROR,
            )
            return None
        conference = Conference.objects.get(pk=conference_ids.pop())
        form = MoveBookingForm(
            request.POST if "confirmed" in request.POST else None, conference=conference
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            self._run(
                request,
                queryset,
                lambda r: organiser.move_booking(
                    registration=r,
                    from_session=data["from_session"],
                    to_session=data["to_session"],
                    allow_waitlist=data["allow_waitlist"],
                ),
                done=_("Verschoben nach „%(session)s“") % {"session": data["to_session"].title},
            )
            return None
        return self._intermediate(
            request,
            queryset,
            action="move_booking",
            title=_("In einen anderen Programmpunkt verschieben"),
            form=form,
            submit=_("Verschieben"),
            intro=_(
                "Der Platz im bisherigen Programmpunkt wird frei und geht an die Nächsten auf "
                "dessen Warteliste. Die Personen erhalten eine E-Mail über die Änderung."
            ),
        )

    @admin.action(description=_("Bestätigung erneut senden"), permissions=("change",))
    def resend_confirmation(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: organiser.resend_confirmation(registration=r),
            done=_("Bestätigung erneut gesendet an"),
        )

    @admin.action(description=_("Persönlichen Link erneut senden"), permissions=("change",))
    def resend_manage_link(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: organiser.resend_manage_link(registration=r),
            done=_("Persönlicher Link gesendet an"),
        )

    @admin.action(description=_("Einchecken"), permissions=("change",))
    def check_in(self, request, queryset):
        def work(registration):
            if registration.checked_in_at is not None:
                return False
            organiser.check_in(registration=registration)
            return True

        self._run(request, queryset, work, done=_("Eingecheckt"), skipped=_("Bereits eingecheckt"))

    @admin.action(description=_("Check-in zurücknehmen"), permissions=("change",))
    def undo_check_in(self, request, queryset):
        def work(registration):
            if registration.checked_in_at is None:
                return False
            organiser.undo_check_in(registration=registration)
            return True

        self._run(
            request,
            queryset,
            work,
            done=_("Check-in zurückgenommen"),
            skipped=_("Nicht eingecheckt"),
        )

    def _intermediate(self, request, queryset, *, action, title, form, submit, intro):
        """A confirmation page between choosing an action and running it (like Django's
        "delete selected"): it re-posts the selection with `confirmed`."""
        registrations = list(
            queryset.select_related("conference").order_by("last_name", "first_name", "pk")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "registrations": registrations,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "form": form,
            "submit": submit,
            "intro": intro,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/registrations/registration/action_confirmation.html", context
        )


# --- Conferences: overview, message, exports; capacity changes reach the waiting list --------


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
    list_display = (*conferences_admin.ConferenceAdmin.list_display, "overview_link")
    actions = ("promote_waitlist", "export_attendees_csv", "export_attendees_xlsx")

    def get_urls(self):
        def view(function):
            def wrapper(request, *args, **kwargs):
                return function(self, request, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        urls = [
            path(
                "<int:conference_id>/overview/",
                view(admin_views.overview),
                name="conferences_conference_overview",
            ),
            path(
                "<int:conference_id>/message/",
                view(admin_views.message),
                name="conferences_conference_message",
            ),
            path(
                "<int:conference_id>/export/<slug:kind>/",
                view(admin_views.export),
                name="conferences_conference_export",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("Übersicht"))
    def overview_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:conferences_conference_overview", args=(obj.pk,)),
            _("Übersicht"),
        )

    def capacity_changed(self, request, conference):
        _report_promotions(self, request, services.capacity_changed(conference=conference))

    @admin.action(description=_("Warteliste nachrücken lassen"), permissions=("change",))
    def promote_waitlist(self, request, queryset):
        for conference in queryset.order_by("pk"):
            promoted = services.promote_from_waitlist(conference=conference)
            admin_views.report_promotions(self, request, conference, promoted)

    def _export_one(self, request, queryset, fmt):
        conferences = list(queryset[:2])
        if len(conferences) != 1:
            self.message_user(
                request, _("Bitte wählen Sie genau eine Konferenz aus."), messages.ERROR
            )
            return None
        return admin_views.export_response(request, conferences[0], "attendees", {"format": fmt})

    @admin.action(description=_("Teilnehmendenliste exportieren (CSV)"), permissions=("export",))
    def export_attendees_csv(self, request, queryset):
        return self._export_one(request, queryset, "csv-semicolon")

    @admin.action(description=_("Teilnehmendenliste exportieren (Excel)"), permissions=("export",))
    def export_attendees_xlsx(self, request, queryset):
        return self._export_one(request, queryset, "xlsx")

    def has_export_permission(self, request):
        return request.user.has_perm("registrations.export_registration")


admin.site.unregister(Session)


@admin.register(Session)
class SessionAdmin(conferences_admin.SessionAdmin):
    def capacity_changed(self, request, session):
        _report_promotions(self, request, services.capacity_changed(session=session))


@admin.register(ExportLog)
class ExportLogAdmin(OrganiserScopeMixin, admin.ModelAdmin):
    """Who exported which participant data, when; written by every export, never edited."""

    list_display = ("created_at", "username", "conference", "kind", "fmt", "row_count")
    list_filter = (("conference", VisibleConferenceListFilter), "kind", "fmt")
    list_select_related = ("conference",)
    search_fields = ("username",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
