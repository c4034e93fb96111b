"""Organiser admin for what organisers publish: conferences, their programme, speakers, exhibitors.

Invariants kept here:

- The seat counters (`seats_taken`, `waitlist_count`) are shown, never edited: only
  `registrations.services` changes them. A save from the admin writes every other column
  (`save_keeping_counters`), and a change form locks the rows it may write before it validates
  them (`lock_conference`), so a capacity is checked against counters no registration can change
  meanwhile. A changed capacity is reported to `capacity_changed()`, which `registrations.admin`
  turns into the service call that serves the waiting list (this app never imports that one).
- Bad input comes back as a form error, never as a server error (`OrganiserAdminForm`).
- Every changelist issues the same number of queries for 1 row and for many: related objects come
  from `list_select_related` or one prefetch, related counts from counters or annotations.
- Who sees what (`OrganiserScopeMixin`): superusers see everything; other staff see only the
  conferences they organise (`Conference.organisers`) and what belongs to them. Every queryset
  of a conference-bound model admin is narrowed (`CONFERENCE_PATHS` says how a model reaches its
  conference; `registrations.admin` adds its models), so that the changelist, the change, delete
  and history pages of another conference's object answer 404, actions never reach its rows,
  and foreign-key choices and conference filters offer only visible conferences. Speakers are
  shared between conferences and public on the programme pages: every organiser sees all of them
  and may add speakers, but may change only those who appear in no other organiser's
  conference. Series, topics and legal texts are shared and, for the Organisationsteam group,
  read-only. Which conferences an organiser may see is one rule,
  `ConferenceQuerySet.organised_by`, shared with the exports.
- History (django-simple-history) is shown as "Änderungsverlauf" and never reverted from the
  admin: a revert would write seat counters and states past the services.
"""

from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from .models import (
    Conference,
    ConferenceSeries,
    Exhibitor,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
)

#: Maintained only by `registrations.services`; the admin shows them and never writes them.
SEAT_COUNTERS = ("seats_taken", "waitlist_count")


# --- Who sees what ----------------------------------------------------------------------------


def organised_conferences(user):
    """The conferences `user` may see in the admin (`ConferenceQuerySet.organised_by`)."""
    return Conference.objects.organised_by(user)


#: How a conference-bound model reaches its conference ("" for Conference itself). Models not
#: listed are shared between conferences. `registrations.admin` adds its own models.
CONFERENCE_PATHS = {Conference: "", Session: "conference", Exhibitor: "conference"}


def visible_to(user, queryset):
    """`queryset` narrowed to the objects of the conferences `user` may see (unchanged for
    superusers and for shared models)."""
    if user.is_superuser:
        return queryset
    path = CONFERENCE_PATHS.get(queryset.model)
    if path is None:
        return queryset
    conferences = organised_conferences(user).values("pk")
    return queryset.filter(**{f"{path}__in" if path else "pk__in": conferences})


class VisibleConferenceListFilter(admin.RelatedFieldListFilter):
    """Django's filter for a conference relation, offering only the visible conferences (the
    stock one lists every conference, titles of drafts included)."""

    def field_choices(self, field, request, model_admin):
        return [(c.pk, str(c)) for c in organised_conferences(request.user)]


class OrganiserScopeMixin:
    """Narrows the admin to the conferences the user may see (see the module docstring).

    An object outside them is "not found" (404) on every page, instead of Django's redirect to the
    index; foreign keys offer only visible objects.
    """

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and db_field.related_model in CONFERENCE_PATHS:
            kwargs["queryset"] = visible_to(
                request.user, db_field.related_model._default_manager.all()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInlineMixin:
    """Foreign-key choices of an inline limited like those of its parent admin."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and db_field.related_model in CONFERENCE_PATHS:
            kwargs["queryset"] = visible_to(
                request.user, db_field.related_model._default_manager.all()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LabelledHistoryHelper(HistoricalRecordContextHelper):
    """Changes are shown as people read them: choices with their labels ("Bestätigt", not
    "confirmed"), moments in local time."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None:
            return "–"
        if field.choices and not isinstance(value, list | tuple):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime):
            return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows the change history ("Änderungsverlauf") of objects the user may see; never reverts.

    simple-history's own views fall back to the history of objects outside `get_queryset` (it
    shows deleted objects that way) and can revert an object to an old version; both are closed
    here: a revert would write states and counters past the services.
    """

    def _visible_or_404(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        if not request.user.is_superuser:
            self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_view_title(self, request, obj):
        return _("Änderungsverlauf: %(object)s") % {"object": obj}

    def history_form_view_title(self, request, obj):
        return _("Frühere Fassung: %(object)s") % {"object": obj}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # simple-history compares only editable fields; the states the services set (address
        # confirmed, reason of a cancellation, check-in) are exactly what the history is for.
        newer = None
        for older in historical_records:
            if newer is not None:
                helper = self.get_historical_record_context_helper(request, newer)
                newer.history_delta_changes = helper.context_for_delta_changes(
                    history_delta(older, newer)
                )
            newer = older


def _history_value(record, field):
    if isinstance(field, models.ForeignKey):
        try:
            return getattr(record, field.name)
        except field.related_model.DoesNotExist:
            return getattr(record, field.attname)
    return getattr(record, field.attname)


def history_delta(older, newer) -> ModelDelta:
    """Every tracked field that differs between two historical records, editable or not."""
    changes = []
    for field in newer.tracked_fields:
        if field.primary_key:
            continue
        old, new = _history_value(older, field), _history_value(newer, field)
        if old != new:
            changes.append(ModelChange(field.name, old, new))
    return ModelDelta(changes, [change.field for change in changes], older, newer)


# --- Shared building blocks (registrations.admin uses them too) ------------------------------


class OrganiserAdminForm(forms.ModelForm):
    """Base of every admin form: bad input becomes a form error, never a server error.

    - `validated_read_only_fields`: fields the admin shows read-only whose stored value must still
      take part in model validation. Django leaves fields outside the form out of validation, and
      with them every database constraint that mentions them; a duplicate would then reach the
      database and fail as an IntegrityError instead of coming back as a message.
    - `locked_once_saved`: fields that can be chosen on a new object but not changed afterwards
      (disabled, so a submitted value is ignored). Used in inlines, where read-only fields cannot
      differ between new and existing rows.
    - An error that model validation attaches to a field this form does not show becomes an error
      of the whole form (Django would raise ValueError).
    """

    validated_read_only_fields = ()
    locked_once_saved = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            for name in self.locked_once_saved:
                if name in self.fields:
                    field = self.fields[name]
                    field.disabled = True
                    # No add, change or delete buttons beside a value that cannot change.
                    for flag in ("can_add_related", "can_change_related", "can_delete_related"):
                        if hasattr(field.widget, flag):
                            setattr(field.widget, flag, False)

    def _get_validation_exclusions(self):
        # A private hook, but the one place ModelForm decides what model validation skips
        # (unchanged since Django 1.2); tests cover the constraints that depend on it.
        return super()._get_validation_exclusions() - set(self.validated_read_only_fields)

    def add_error(self, field, error):
        if field is None:
            if isinstance(error, dict):
                error = ValidationError(error)
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                error = self._attach_unknown_fields_to_form(error)
        super().add_error(field, error)

    def _attach_unknown_fields_to_form(self, error):
        errors = {}
        for name, messages in error.error_dict.items():
            if name != NON_FIELD_ERRORS and name not in self.fields:
                label = _field_label(self._meta.model, name)
                messages = [
                    ValidationError("%(field)s: %(message)s", params={"field": label, "message": m})
                    for m in ValidationError(messages).messages
                ]
                name = NON_FIELD_ERRORS
            errors.setdefault(name, []).extend(messages)
        return ValidationError(errors)


def _field_label(model, name):
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def save_keeping_counters(instance):
    """Save an object edited in the admin without writing its seat counters.

    Writing back the counters read when the form was loaded would undo every registration made
    meanwhile; only the services may change them.
    """
    if instance._state.adding:
        instance.save()
        return
    instance.save(
        update_fields=[
            field.name
            for field in instance._meta.concrete_fields
            if not field.primary_key and field.name not in SEAT_COUNTERS
        ]
    )


def lock_conference(conference_id):
    """Lock a conference row, then the rows of its sessions by primary key.

    The order every writer of seats uses (see `registrations.services`), so an admin save and a
    registration never wait for each other in a circle. Returns the fresh seat counters keyed by
    (model, pk), or None when the conference is gone. Call inside the admin's transaction, before
    validation: `clean()` then compares a new capacity with counters nobody can change until the
    save has committed.
    """
    conference = (
        Conference.objects.select_for_update()
        .filter(pk=conference_id)
        .values("pk", *SEAT_COUNTERS)
        .first()
    )
    if conference is None:
        return None
    counters = {(Conference, conference["pk"]): _counter_values(conference)}
    for session in (
        Session.objects.select_for_update()
        .filter(conference_id=conference_id)
        .order_by("pk")
        .values("pk", *SEAT_COUNTERS)
    ):
        counters[(Session, session["pk"])] = _counter_values(session)
    return counters


def _counter_values(row):
    return tuple(row[name] for name in SEAT_COUNTERS)


def refresh_counters(instance, counters):
    """Copy the locked counters onto `instance`; False if it was not among the locked rows."""
    values = counters.get((type(instance), instance.pk))
    if values is None:
        return False
    for name, value in zip(SEAT_COUNTERS, values, strict=True):
        setattr(instance, name, value)
    return True


class FieldsetsWithRestMixin:
    """Adds every field the fieldsets do not name (e.g. a field added to the model later) in a
    last fieldset, so that a new required field can never be missing from the form."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        listed = set(flatten_fieldsets(fieldsets))
        rest = [name for name in self.get_fields(request, obj) if name not in listed]
        if rest:
            fieldsets.append((_("Weitere Angaben"), {"fields": rest}))
        return fieldsets


class SeatCountersMixin:
    """Seat counters as read-only fields, and as short columns (conference and session)."""

    @admin.display(description=_("freie Plätze"))
    def seats_left(self, obj):
        # Nothing to compute on an add form (no capacity yet) or for a session without seats.
        if obj.capacity is None:
            return self.get_empty_value_display()
        return obj.seats_left

    @admin.display(description=_("Plätze"), ordering="capacity")
    def capacity_column(self, obj):
        return obj.capacity

    @admin.display(description=_("vergeben"), ordering="seats_taken")
    def seats_taken_column(self, obj):
        return obj.seats_taken

    @admin.display(description=_("frei"))
    def seats_left_column(self, obj):
        return self.seats_left(obj)

    @admin.display(description=_("Warteliste"), ordering="waitlist_count")
    def waitlist_column(self, obj):
        return obj.waitlist_count


#: The seat columns of a changelist.
SEAT_COLUMNS = ("capacity_column", "seats_taken_column", "seats_left_column", "waitlist_column")


class CountersSavedByServicesFormSet(forms.BaseInlineFormSet):
    """Inline rows are saved without their seat counters (see `save_keeping_counters`)."""

    def save_new(self, form, commit=True):
        instance = form.save(commit=False)
        if commit:
            save_keeping_counters(instance)
            form.save_m2m()
        return instance

    def save_existing(self, form, obj, commit=True):
        instance = form.save(commit=False)
        if commit:
            save_keeping_counters(instance)
            form.save_m2m()
        return instance


# --- Conference series and topics -------------------------------------------------------------


@admin.register(ConferenceSeries)
class ConferenceSeriesAdmin(admin.ModelAdmin):
    form = OrganiserAdminForm
    list_display = ("title", "slug", "conference_count")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_conference_count=Count("conferences"))

    @admin.display(description=_("Konferenzen"), ordering="_conference_count")
    def conference_count(self, obj):
        return obj._conference_count


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = OrganiserAdminForm
    list_display = ("name", "position", "session_count", "exhibitor_count")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _session_count=Count("sessions", distinct=True),
                _exhibitor_count=Count("exhibitors", distinct=True),
            )
        )

    @admin.display(description=_("Programmpunkte"), ordering="_session_count")
    def session_count(self, obj):
        return obj._session_count

    @admin.display(description=_("Ausstellende"), ordering="_exhibitor_count")
    def exhibitor_count(self, obj):
        return obj._exhibitor_count


# --- Conferences ---------------------------------------------------------------------------


class SessionInlineForm(OrganiserAdminForm):
    def clean(self):
        cleaned_data = super().clean()
        # Session.clean() compares with the conference only once the conference is saved; on
        # the add form the new conference is compared here.
        conference = cleaned_data.get("conference")
        starts_at, ends_at = cleaned_data.get("starts_at"), cleaned_data.get("ends_at")
        if (
            conference is not None
            and conference.pk is None
            and conference.starts_at
            and conference.ends_at
            and starts_at
            and ends_at
            and (starts_at < conference.starts_at or ends_at > conference.ends_at)
        ):
            self.add_error(
                "starts_at",
                _("Der Programmpunkt muss innerhalb der Konferenz liegen (%(start)s bis %(end)s).")
                % {
                    "start": timezone.localtime(conference.starts_at).strftime("%d.%m.%Y %H:%M"),
                    "end": timezone.localtime(conference.ends_at).strftime("%d.%m.%Y %H:%M"),
                },
            )
        return cleaned_data


class SessionInline(SeatCountersMixin, admin.TabularInline):
    """The programme at a glance; topic, description and speakers on the session's own page."""

    model = Session
    form = SessionInlineForm
    formset = CountersSavedByServicesFormSet
    fields = (
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "room",
        "is_bookable",
        "capacity",
        "seats_taken",
        "seats_left",
        "waitlist_count",
    )
    readonly_fields = ("seats_taken", "seats_left", "waitlist_count")
    # One line per session: a single date-and-time box instead of the split calendar widgets.
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            "widget": forms.DateTimeInput(attrs={"size": 17}),
        }
    }
    extra = 0
    show_change_link = True


@admin.register(Conference)
class ConferenceAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, SeatCountersMixin, HistoryAdmin):
    form = OrganiserAdminForm
    list_display = (
        "title",
        "city",
        "starts_at",
        "status",
        *SEAT_COLUMNS,
        "preview_link",
    )
    list_filter = ("status", "series", "city", "starts_at")
    list_select_related = ("series",)
    search_fields = ("title", "motto", "city", "venue_name")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("organisers",)
    readonly_fields = (
        "preview_link",
        "seats_taken",
        "seats_left",
        "waitlist_count",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "motto", "series", "status", "preview_link")}),
        (_("Ort"), {"fields": ("city", "venue_name", "address", "accessibility_info")}),
        (
            _("Zeit und Anmeldung"),
            {
                "fields": (
                    "starts_at",
                    "ends_at",
                    "registration_opens_at",
                    "registration_closes_at",
                    "requires_approval",
                )
            },
        ),
        (_("Plätze"), {"fields": ("capacity", "seats_taken", "seats_left", "waitlist_count")}),
        (_("Beschreibung"), {"fields": ("description",)}),
        (
            _("Organisationsteam"),
            {"fields": ("contact_email", "contact_phone", "organisers")},
        ),
        (_("Verlauf"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (SessionInline,)

    @admin.display(description=_("Vorschau"))
    def preview_link(self, obj):
        if obj.pk is None:
            return _("Die Vorschau gibt es nach dem ersten Speichern.")
        return format_html(
            '<a href="{}">{}</a>',
            obj.get_absolute_url(),
            _("Öffentliche Seite ansehen"),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            # Who organises a conference decides who sees it: superusers choose.
            readonly = (*readonly, "organisers")
        return readonly

    def get_object(self, request, object_id, from_field=None):
        conference = super().get_object(request, object_id, from_field)
        if conference is not None and request.method == "POST":
            # The inline sessions are read after this, so they see the locked counters too.
            counters = lock_conference(conference.pk)
            if counters is None or not refresh_counters(conference, counters):
                return None
        return conference

    def save_model(self, request, obj, form, change):
        save_keeping_counters(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # Whoever else may add a conference organises it (or would not see it again).
            form.instance.organisers.add(request.user)
        seats_changed = "capacity" in form.changed_data or any(
            "capacity" in inline_form.changed_data
            for formset in formsets
            if formset.model is Session
            for inline_form in formset.forms
        )
        if change and seats_changed:
            self.capacity_changed(request, form.instance)

    def capacity_changed(self, request, conference):
        """Called in the save's transaction when the conference or one of its sessions got
        another capacity. `registrations.admin` hands the new seats to the waiting lists."""


# --- Sessions and speakers --------------------------------------------------------------------


class SessionAdminForm(OrganiserAdminForm):
    def clean_conference(self):
        conference = self.cleaned_data["conference"]
        if (
            not self.instance._state.adding
            and conference.pk != self.instance.conference_id
            and self.instance.bookings.exists()
        ):
            raise ValidationError(
                _(
                    "Für diesen Programmpunkt gibt es Buchungen; er kann nicht in eine andere "
                    "Konferenz verschoben werden."
                )
            )
        return conference


class SessionSpeakerFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        return _("Jede Person kann nur einmal an einem Programmpunkt mitwirken.")


class SessionSpeakerInline(admin.TabularInline):
    model = SessionSpeaker
    form = OrganiserAdminForm
    formset = SessionSpeakerFormSet
    fields = ("speaker", "role", "order")
    autocomplete_fields = ("speaker",)
    extra = 0


@admin.register(Session)
class SessionAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, SeatCountersMixin, HistoryAdmin):
    form = SessionAdminForm
    list_display = (
        "title",
        "conference_title",
        "kind",
        "starts_at",
        "room",
        "topic",
        "speaker_names",
        *SEAT_COLUMNS,
    )
    list_filter = (("conference", VisibleConferenceListFilter), "kind", "is_bookable", "topic")
    list_select_related = ("conference", "topic")
    search_fields = ("title", "room", "conference__title", "conference__city")
    date_hierarchy = "starts_at"
    readonly_fields = ("seats_taken", "seats_left", "waitlist_count")
    fieldsets = (
        (None, {"fields": ("conference", "title", "kind", "topic", "description")}),
        (_("Zeit und Raum"), {"fields": ("starts_at", "ends_at", "room")}),
        (
            _("Plätze"),
            {
                "fields": (
                    "is_bookable",
                    "capacity",
                    "seats_taken",
                    "seats_left",
                    "waitlist_count",
                )
            },
        ),
    )
    inlines = (SessionSpeakerInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("roles", queryset=SessionSpeaker.objects.select_related("speaker"))
            )
        )

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    @admin.display(description=_("Mitwirkende"))
    def speaker_names(self, obj):
        return ", ".join(str(role.speaker) for role in obj.roles.all())

    def get_object(self, request, object_id, from_field=None):
        session = super().get_object(request, object_id, from_field)
        if session is not None and request.method == "POST":
            # The whole conference, not only this row: the order the services lock in.
            counters = lock_conference(session.conference_id)
            if counters is None or not refresh_counters(session, counters):
                return None
        return session

    def save_model(self, request, obj, form, change):
        save_keeping_counters(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "capacity" in form.changed_data:
            self.capacity_changed(request, form.instance)

    def capacity_changed(self, request, session):
        """Called in the save's transaction when the session got another capacity.
        `registrations.admin` hands the new seats to the waiting list."""


@admin.register(Speaker)
class SpeakerAdmin(FieldsetsWithRestMixin, admin.ModelAdmin):
    form = OrganiserAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("last_name", "first_name", "academic_title", "organisation", "session_count")
    list_display_links = ("last_name", "first_name")
    list_filter = (("sessions__conference", VisibleConferenceListFilter),)
    search_fields = ("last_name", "first_name", "organisation", "position")
    prepopulated_fields = {"slug": ("first_name", "last_name")}
    fieldsets = (
        (None, {"fields": ("academic_title", "first_name", "last_name", "slug")}),
        (_("Funktion"), {"fields": ("organisation", "position", "website")}),
        (_("Vorstellung"), {"fields": ("biography", "photo", "photo_alt")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_session_count=Count("roles", distinct=True))

    def _only_in_own_conferences(self, request, speaker):
        if request.user.is_superuser or speaker is None:
            return True
        own = organised_conferences(request.user).values("pk")
        return not speaker.roles.exclude(session__conference__in=own).exists()

    def has_change_permission(self, request, obj=None):
        # Speakers are shared: a change would show on another organiser's programme too.
        return super().has_change_permission(request, obj) and self._only_in_own_conferences(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._only_in_own_conferences(
            request, obj
        )

    @admin.display(description=_("Programmpunkte"), ordering="_session_count")
    def session_count(self, obj):
        return obj._session_count


# --- Markt der Möglichkeiten ----------------------------------------------------------------


@admin.register(Exhibitor)
class ExhibitorAdmin(OrganiserScopeMixin, FieldsetsWithRestMixin, HistoryAdmin):
    form = OrganiserAdminForm
    # An address typed without a scheme ("projekt.de") is taken as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "organisation",
        "project",
        "conference_title",
        "stand",
        "status",
        "topic",
        "needs",
        "staff_count",
        "created_at",
    )
    list_filter = (
        ("conference", VisibleConferenceListFilter),
        "status",
        "topic",
        "needs_power",
        "needs_pinboard",
    )
    list_select_related = ("conference", "topic")
    search_fields = ("organisation", "project", "contact_name", "email", "stand")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("conference", "organisation", "project", "topic", "description")}),
        (_("Kontakt"), {"fields": ("contact_name", "email", "phone", "website")}),
        (
            _("Stand und Bedarfe"),
            {
                "fields": (
                    "status",
                    "stand",
                    "staff_count",
                    "needs_table",
                    "needs_power",
                    "needs_pinboard",
                    "needs_space",
                    "needs_notes",
                )
            },
        ),
        (_("Verlauf"), {"fields": ("created_at",)}),
    )

    @admin.display(description=_("Konferenz"), ordering="conference__starts_at")
    def conference_title(self, obj):
        return obj.conference.title

    @admin.display(description=_("Bedarfe"))
    def needs(self, obj):
        wanted = (
            (obj.needs_table, Exhibitor._meta.get_field("needs_table").verbose_name),
            (obj.needs_power, Exhibitor._meta.get_field("needs_power").verbose_name),
            (obj.needs_pinboard, Exhibitor._meta.get_field("needs_pinboard").verbose_name),
            (obj.needs_space, Exhibitor._meta.get_field("needs_space").verbose_name),
        )
        return ", ".join(str(label) for needed, label in wanted if needed)


# --- Legal pages: Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit ------------
# (kept at the end of this module by the public-pages work)
from urllib.parse import urlencode  # noqa: E402

from django.urls import reverse  # noqa: E402

from .models import LegalPage  # noqa: E402


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
