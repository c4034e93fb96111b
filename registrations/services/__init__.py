"""Every change of registration state: register, confirm, change, cancel, expire, promote,
approve, check in, erase. Views, admin actions, management commands and seeds call these
functions; nothing else writes `Registration.status`, `SessionBooking` rows or the seat counters.

Import from here (`from registrations import services`); the modules are cut along the domain:

- `registration`: a person's registration from register to cancel/expire/approve;
- `sessions`: changing the session choice (a change to a full session is a swap that keeps the
  seat held), leaving a swap, moving a booking;
- `waitlist`: promotion (swaps included) and capacity changes (`change_capacity`: the way to
  change a capacity, in the shell too, since a plain `save()` promotes nobody);
- `addresses`: a new e-mail address, confirmed through a link sent to it;
- `consents`, `door` (check-in), `mailings` (mails that change no state), `erasure`;
- underneath: `locking` (locks in primary-key order, with a timeout), `seats` (taking and giving
  back seats, the counters), `participants` (checking typed input), `errors`.
"""

from .addresses import confirm_email_change, email_change_refusal
from .consents import set_consents, withdraw_consent
from .door import CheckIn, check_in, check_in_once, undo_check_in
from .erasure import erase_registration, purge_finished_conferences, purge_registrations
from .errors import MESSAGES, RegistrationError
from .mailings import (
    MESSAGE_SUBJECT_MAX_LENGTH,
    message_recipients,
    resend_confirmation,
    resend_manage_link,
    send_manage_link,
    send_message,
    send_reminders,
)
from .participants import PARTICIPANT_FIELDS
from .registration import (
    approve_registration,
    cancel_registration,
    confirm_email,
    confirmation_expired,
    expire_unconfirmed,
    get_registration_by_token,
    register_participant,
    update_participant,
)
from .seats import Counts, SeatCounts, recount_seats, stored_seat_counts
from .sessions import change_sessions, leave_swap, move_booking
from .waitlist import (
    Promotions,
    change_capacity,
    promote_from_waitlist,
)

__all__ = [
    "MESSAGES",
    "MESSAGE_SUBJECT_MAX_LENGTH",
    "PARTICIPANT_FIELDS",
    "CheckIn",
    "Counts",
    "Promotions",
    "RegistrationError",
    "SeatCounts",
    "approve_registration",
    "cancel_registration",
    "change_capacity",
    "change_sessions",
    "check_in",
    "check_in_once",
    "confirm_email",
    "confirm_email_change",
    "confirmation_expired",
    "email_change_refusal",
    "erase_registration",
    "expire_unconfirmed",
    "get_registration_by_token",
    "leave_swap",
    "message_recipients",
    "move_booking",
    "promote_from_waitlist",
    "purge_finished_conferences",
    "purge_registrations",
    "recount_seats",
    "register_participant",
    "resend_confirmation",
    "resend_manage_link",
    "send_manage_link",
    "send_message",
    "send_reminders",
    "set_consents",
    "stored_seat_counts",
    "undo_check_in",
    "update_participant",
    "withdraw_consent",
]
