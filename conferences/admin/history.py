"""The change history (django-simple-history) as "Änderungsverlauf": shown for the objects a user
may see, never reverted from the admin (a revert would write seat counters and states past the
services)."""

from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper


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
