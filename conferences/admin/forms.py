"""Building blocks of every admin form and fieldset (the registrations admin uses them too).

Bad input comes back as a form error, never as a server error (`OrganiserAdminForm`), and a field
added to a model later is never missing from a form (`FieldsetsWithRestMixin`).
"""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


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
