"""E-mails to participants: recorded with the state change, rendered and sent by a task.

- `queue`: `queue_email` (called by the services inside their transaction), `muted`,
  `send_again`, `retry_due_emails`;
- `delivery`: `deliver` (claim, send, record the outcome, retry with exponential backoff),
  the task `send_email` and `enqueue`;
- `render`: subjects, the plain-text and HTML bodies in the participant's language, the .ics
  file, the absolute confirm and manage links.

The log is `registrations.models.SentEmail`. Private links appear only in the rendered bodies,
never in the log row or in log output. Imports run one way: queue -> delivery -> render; the
package imports only `registrations.models`, `.rules`, `.selectors`, `conferences` and libraries,
so the services can import it.
"""

from .delivery import deliver, enqueue, send_email
from .queue import muted, queue_email, retry_due_emails, send_again
from .render import build_message, calendar_for, tidy_text

__all__ = [
    "build_message",
    "calendar_for",
    "deliver",
    "enqueue",
    "muted",
    "queue_email",
    "retry_due_emails",
    "send_again",
    "send_email",
    "tidy_text",
]
