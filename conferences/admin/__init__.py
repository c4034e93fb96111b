"""Organiser admin for what organisers publish: conferences, their programme, speakers.

One module per part: `scope` (who sees what), `history` (Änderungsverlauf), `forms` and `seats`
(building blocks the registrations admin uses too), `conferences`, `sessions`, `speakers`,
`legal` (the exhibitors' admin lives in `exhibitors`). Importing this package registers the
admins of this app; the admins of
Conference and Session are defined here and registered once, extended, by `registrations.admin`
(a changed capacity goes to the waiting list, and this app never imports registrations).

Invariants kept here:

- The seat counters are shown, never edited (`seats`).
- Bad input comes back as a form error, never as a server error (`OrganiserAdminForm`).
- Every changelist issues the same number of queries for 1 row and for many: related objects come
  from `list_select_related` or one prefetch, related counts from counters or annotations.
- Superusers see everything; other staff see only the conferences they organise and what belongs
  to them (`scope`); speakers belong to the conferences of their sessions (`speakers`). Series,
  topics and legal texts are shared on purpose and read-only to organisers.
- History (django-simple-history) is shown as "Änderungsverlauf" and never reverted from the admin:
  a revert would write seat counters and states past the services.
"""

from . import conferences, legal, sessions, speakers
from .conferences import BaseConferenceAdmin
from .forms import FieldsetsWithRestMixin, OrganiserAdminForm
from .history import HistoryAdmin
from .scope import (
    OrganiserScopeMixin,
    ScopedChoicesMixin,
    VisibleConferenceListFilter,
    visible_to,
)
from .sessions import BaseSessionAdmin

__all__ = [
    "BaseConferenceAdmin",
    "BaseSessionAdmin",
    "FieldsetsWithRestMixin",
    "HistoryAdmin",
    "OrganiserAdminForm",
    "OrganiserScopeMixin",
    "ScopedChoicesMixin",
    "VisibleConferenceListFilter",
    "conferences",
    "legal",
    "sessions",
    "speakers",
    "visible_to",
]
