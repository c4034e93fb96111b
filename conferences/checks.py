"""What must be in place before people register, checked where operators and organisers look:
`manage.py check --deploy` (system checks registered with `deploy=True`) and the admin
(`conferences.admin.warnings`).

- A conference takes registrations while no privacy notice of the organisers' own is in force
  (none at all, or only the sample text the demo seeds): the registration form asks every
  person to accept that notice.
- SITE_URL is unset: the links in e-mails then follow the address of each request, and
  e-mails sent by cron jobs link to LOCAL_SITE_URL (`conferences.site`).
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from .legal import PrivacyNotice, privacy_notice_state
from .models import Conference
from .rules import registration_refusal


def open_for_registration(conferences=None, *, now=None) -> list[Conference]:
    """The conferences of `conferences` (default: all) that people can register for at `now`."""
    now = now or timezone.now()
    candidates = (conferences if conferences is not None else Conference.objects.all()).filter(
        status=Conference.Status.PUBLISHED, ends_at__gt=now
    )
    return [c for c in candidates.order_by("starts_at") if registration_refusal(c, now) is None]


def without_privacy_notice(conferences=None, *, now=None) -> tuple[str, list[Conference]]:
    """What is wrong with the privacy notice (`PrivacyNotice.MISSING` or `.SAMPLE`) and the
    conferences of `conferences` open for registration meanwhile; `(PUBLISHED, [])` when
    nothing is."""
    now = now or timezone.now()
    state = privacy_notice_state(now)
    if state == PrivacyNotice.PUBLISHED:
        return state, []
    affected = open_for_registration(conferences, now=now)
    return (state, affected) if affected else (PrivacyNotice.PUBLISHED, [])


@checks.register(checks.Tags.security, deploy=True)
def check_privacy_notice(app_configs=None, **kwargs):
    try:
        state, affected = without_privacy_notice()
    except DatabaseError:
        return []  # not migrated yet: no conference takes registrations
    if not affected:
        return []
    titles = ", ".join(conference.title for conference in affected)
    if state == PrivacyNotice.MISSING:
        message = f"Registration is open ({titles}), but no privacy notice is published."
        error_id = "conferences.W001"
    else:
        message = (
            f"Registration is open ({titles}), but the privacy notice in force is the sample "
            "text (its title says “Mustertext”)."
        )
        error_id = "conferences.W002"
    return [
        checks.Warning(
            message,
            hint="The registration form asks every person to accept it: publish your own "
            "privacy notice in the admin (Rechtstexte).",
            id=error_id,
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL is not set: links in e-mails follow the address of each request, and "
            f"e-mails sent by commands (reminders) link to {settings.LOCAL_SITE_URL}.",
            hint="Set SITE_URL to the public address, e.g. https://tagung.example.org.",
            id="conferences.W003",
        )
    ]
