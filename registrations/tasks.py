"""The e-mail task's old address, kept for task rows queued before the mail package.

Queued task rows store the task's dotted path. Rows written by the previous release say
`registrations.tasks.send_email` (a retry can wait hours with backoff), so this alias lets the
worker run them. Delete this module in the release after next, once no READY `DBTaskResult`
has that `task_path`. Nothing imports it; new rows point to `registrations.mail.delivery`.
"""

from registrations.mail.delivery import send_email

__all__ = ["send_email"]
