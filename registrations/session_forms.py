"""The programme part of the participant forms: one radio group per time slot.

Sessions that overlap in time form a slot; a person attends one session of a slot. The
registration form and the manage page's session form share these radio groups.
"""

from dataclasses import dataclass, field

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass
class Slot:
    """Bookable sessions that overlap in time; a person can attend one of them."""

    starts_at: object
    ends_at: object
    sessions: list = field(default_factory=list)

    @property
    def field_name(self):
        return "slot_" + timezone.localtime(self.starts_at).strftime("%Y%m%d%H%M")

    @property
    def label(self):
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return _("%(day)s, %(start)s bis %(end)s Uhr") % {
            "day": formats.date_format(start, "LONG_DATE_FORMAT"),
            "start": formats.time_format(start, "H:i"),
            "end": formats.time_format(end, "H:i"),
        }


def group_into_slots(sessions):
    """Sessions sorted by start, grouped so that overlapping ones share a slot."""
    slots = []
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.pk)):
        if slots and session.starts_at < slots[-1].ends_at:
            slots[-1].sessions.append(session)
            slots[-1].ends_at = max(slots[-1].ends_at, session.ends_at)
        else:
            slots.append(Slot(session.starts_at, session.ends_at, [session]))
    return slots


def session_option_label(
    session, *, booked_ids=frozenset(), swap_ids=frozenset(), with_times=False
):
    """ "Title · room – seats": the seats from the model (`Session.seats_left`); with
    `with_times`, the session's own start and end first (in a slot of sessions that overlap
    but do not all start and end together)."""
    times = ""
    if with_times:
        times = _("%(start)s–%(end)s Uhr") % {
            "start": formats.time_format(timezone.localtime(session.starts_at), "H:i"),
            "end": formats.time_format(timezone.localtime(session.ends_at), "H:i"),
        }
    title = " · ".join(part for part in (times, session.title, session.room) if part)
    if session.pk in swap_ids:
        state = _("ausgebucht – Sie warten auf einen Tausch")
    elif session.pk in booked_ids:
        state = _("Ihr Platz")
    elif session.seats_left is None:
        state = _("ohne Platzbegrenzung")
    elif session.seats_left == 0:
        state = _("ausgebucht – Warteliste")
    else:
        left = session.seats_left
        state = ngettext("noch %(n)d Platz frei", "noch %(n)d Plätze frei", left) % {"n": left}
    return f"{title} – {state}"


class SessionChoiceMixin:
    """Adds a radio group (with "keine Auswahl") per slot of the conference's bookable sessions."""

    def add_slot_fields(self, sessions, *, booked_ids=frozenset(), swap_ids=frozenset()):
        """`booked_ids`: the person's bookings; `swap_ids`: those of them that wait to swap (the
        slot's choice: keeping it selected keeps the swap, choosing the held seat leaves it)."""
        self.slots = group_into_slots(sessions)
        self.booked_ids = frozenset(booked_ids)
        self.swap_ids = frozenset(swap_ids)
        self.sessions_by_id = {}
        for slot in self.slots:
            self.fields[slot.field_name] = forms.TypedChoiceField(
                label=slot.label,
                required=False,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
            )
            initial = [s.pk for s in slot.sessions if s.pk in self.swap_ids] + [
                s.pk for s in slot.sessions if s.pk in self.booked_ids
            ]
            self.initial.setdefault(slot.field_name, initial[0] if initial else "")
        self.show_sessions(sessions)

    def show_sessions(self, sessions):
        """Label the options with the seats of `sessions` (read again after a session filled
        while the form was open, so that the page shows what changed)."""
        self.sessions_by_id = {s.pk: s for s in sessions}
        for slot in self.slots:
            slot.sessions = [self.sessions_by_id.get(s.pk, s) for s in slot.sessions]
            # The slot's label gives its first start and last end; a session that differs
            # shows its own times, and then every option of the slot does.
            with_times = any(
                (s.starts_at, s.ends_at) != (slot.starts_at, slot.ends_at) for s in slot.sessions
            )
            self.fields[slot.field_name].choices = [("", _("keine Auswahl"))] + [
                (
                    s.pk,
                    session_option_label(
                        s,
                        booked_ids=self.booked_ids,
                        swap_ids=self.swap_ids,
                        with_times=with_times,
                    ),
                )
                for s in slot.sessions
            ]

    def slot_field_names(self):
        return [slot.field_name for slot in self.slots]

    def chosen_session_ids(self):
        return [
            self.cleaned_data[name]
            for name in self.slot_field_names()
            if self.cleaned_data.get(name) is not None
        ]

    def field_for_session(self, session_id):
        for slot in self.slots:
            if any(s.pk == session_id for s in slot.sessions):
                return slot.field_name
        return None

    def full_session_ids(self):
        """The sessions shown as full (no seat left), as the form token records them."""
        return sorted(pk for pk, s in self.sessions_by_id.items() if s.seats_left == 0)
