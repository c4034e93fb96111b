"""Warnings the admin shows on its index and on a conference's change page (template tag
`privacy_notice_warnings` in `conferences.templatetags.admin_warnings`): registration is open
while no privacy notice of the organisers' own is in force (`conferences.checks`). Each
organiser is warned about the conferences they organise."""

from django.utils.translation import gettext as _

from ..checks import without_privacy_notice
from ..legal import PrivacyNotice
from ..models import Conference


def privacy_notice_warnings(user, *, now=None) -> list[str]:
    """The warnings for `user`, in the active language (none, or one)."""
    state, affected = without_privacy_notice(Conference.objects.organised_by(user), now=now)
    if not affected:
        return []
    titles = ", ".join(f"„{conference.title}“" for conference in affected)
    if state == PrivacyNotice.MISSING:
        text = _(
            "Die Anmeldung ist geöffnet (%(conferences)s), aber es ist keine "
            "Datenschutzerklärung veröffentlicht. Das Anmeldeformular verlangt, dass die "
            "Teilnehmenden sie zur Kenntnis nehmen: Bitte legen Sie sie unter „Rechtstexte“ an."
        )
    else:
        text = _(
            "Die Anmeldung ist geöffnet (%(conferences)s), aber als Datenschutzerklärung gilt "
            "noch der Mustertext. Bitte ersetzen Sie ihn unter „Rechtstexte“ durch Ihre eigene "
            "Datenschutzerklärung (eine neue Fassung ohne „Mustertext“ in der Überschrift)."
        )
    return [text % {"conferences": titles}]
