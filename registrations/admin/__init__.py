"""Organiser admin for who comes: registrations, their session bookings and consents, the e-mail
log and the export log; and the one admin of Conference and Session, extended with what running a
conference needs (overview, message to participants, exports) and with the waiting list.

One module per part: `registrations` (changelist, change form, actions; `filters`), `bookings`,
`consents`, `sent_emails`, `export_log`, `conferences` (the registered Conference and Session
admins), and the pages of a conference: `overview` (with `charts`), `messages`,
`register_person`, `export_views`; `pages` and `promotions` are what they share. Importing this
package registers every admin of this app.

Invariants kept here:

- State belongs to the services: every admin action that changes state calls one and reports
  each refusal (`RegistrationError`) as a message, never as a server error.
- Staff who are not superusers see the objects of the conferences they organise only: every admin
  here is scoped (`conferences.admin.scope`, its `conference_path`); the overview, message and
  export pages check the same rule and their own permission.
- Every changelist issues the same number of queries for 1 row and for many.
"""

from . import (
    bookings,
    conferences,
    consents,
    export_log,
    registrations,
    sent_emails,
)

__all__ = ["bookings", "conferences", "consents", "export_log", "registrations", "sent_emails"]
