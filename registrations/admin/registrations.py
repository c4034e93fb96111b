"""Registrations: the changelist, the change form and the actions through the services.

- State belongs to the services (`registrations.services`, `registrations.organiser`): statuses,
  their timestamps, bookings and consent timestamps are read-only, and every action that changes
  state calls a service and reports each refusal (`RegistrationError`) as a message, never as a
  server error. A new registration is made by `services.register_participant` ("Person anmelden",
  the add page); deleting one (superusers only, for erasure) goes through the services first, so
  that seats go to the waiting list and no counter drifts. The change form writes only the fields
  it changed, so that a state a service wrote meanwhile is never overwritten by the values the
  form was loaded with.
- The token of the private links is shown nowhere: not in forms, lists, history (which leaves it
  out) or e-mail previews.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from conferences.admin import (
    FieldsetsWithRestMixin,
    HistoryAdmin,
    OrganiserAdminForm,
    OrganiserScopeMixin,
)
from conferences.models import Conference, Session

from .. import exports, personal_data, services
from ..models import Registration
from .bookings import SessionBookingInline
from .consents import ConsentInline
from .filters import (
    CheckedInListFilter,
    ConferenceListFilter,
    ConsentListFilter,
    RegionListFilter,
    SessionListFilter,
)
from .pages import session_choice_label
from .promotions import person_names, promotions_during, report_promotions
from .register_person import register_person
from .search import FoldedSearchMixin
from .sent_emails import SentEmailInline


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
        label = session_choice_label
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
class RegistrationAdmin(
    FoldedSearchMixin, OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin
):
    conference_path = "conference"
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
        ConferenceListFilter,
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
                        "contact_note",
                        "language",
                    ),
                )
            },
        ),
        (
            _("Organisation"),
            {
                "fields": _existing(
                    Registration,
                    ("organisation", "position", "organisation_type", "region", "speaker"),
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
    # A speaker's own registration: their badge carries its check-in code (matched by identity).
    autocomplete_fields = ("speaker",)

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
        return register_person(self, request)

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
            services.erase_registration(registration=registration)
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
            self.message_user(request, f"{done}: {person_names(succeeded)}", messages.SUCCESS)
        if unchanged and skipped:
            self.message_user(request, f"{skipped}: {person_names(unchanged)}", messages.WARNING)

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

            # The service frees the seats and hands them on; the organiser is told to whom.
            _result, promoted = promotions_during(
                set(queryset.values_list("conference_id", flat=True)),
                lambda: self._run(
                    request, queryset, work, done=_("Storniert"), skipped=_("Bereits storniert")
                ),
            )
            report_promotions(self, request, promoted)
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
            report_promotions(self, request, promoted, conference=conference)

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
                lambda r: services.move_booking(
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
            lambda r: services.resend_confirmation(registration=r),
            done=_("Bestätigung erneut gesendet an"),
        )

    @admin.action(description=_("Persönlichen Link erneut senden"), permissions=("change",))
    def resend_manage_link(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda r: services.send_manage_link(registration=r),
            done=_("Persönlicher Link gesendet an"),
        )

    @admin.action(description=_("Einchecken"), permissions=("change",))
    def check_in(self, request, queryset):
        def work(registration):
            if registration.checked_in_at is not None:
                return False
            services.check_in(registration=registration)
            return True

        self._run(request, queryset, work, done=_("Eingecheckt"), skipped=_("Bereits eingecheckt"))

    @admin.action(description=_("Check-in zurücknehmen"), permissions=("change",))
    def undo_check_in(self, request, queryset):
        def work(registration):
            if registration.checked_in_at is None:
                return False
            services.undo_check_in(registration=registration)
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
