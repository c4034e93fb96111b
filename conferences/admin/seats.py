"""Seat counters in the admin.

The counters (`seats_taken`, `waitlist_count`) are shown, never edited: only
`registrations.services` changes them. A save from the admin writes every other column
(`save_keeping_counters`), and a change form locks the rows it may write before it validates them
(`lock_conference`), so a capacity is checked against counters no registration can change
meanwhile.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Conference, Session

#: Maintained only by `registrations.services`; the admin shows them and never writes them.
SEAT_COUNTERS = ("seats_taken", "waitlist_count")


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
