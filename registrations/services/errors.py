"""The one exception of the registration services and the wording of every refusal.

Views, forms and the admin turn a `RegistrationError` into a form error or a message; tests
compare with `MESSAGES`, so that they see the wording the participant sees.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

__all__ = ["MESSAGES", "RegistrationError", "refusal"]


class RegistrationError(Exception):
    """A rule refused the request. `message` is translatable and meant for the participant.

    `field` names the form field it is about (None: the whole form); `code` says which rule;
    `session_ids` lists the sessions a session error is about.
    """

    def __init__(self, message, *, code: str, field: str | None = None, session_ids=()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.session_ids = sorted(session_ids)

    def __str__(self):
        return str(self.message)

    def __repr__(self):
        return f"RegistrationError(code={self.code!r}, field={self.field!r})"


MESSAGES = {
    "not_open": _("Die Anmeldung zu dieser Konferenz ist noch nicht geöffnet."),
    "closed": _("Die Anmeldung zu dieser Konferenz ist geschlossen."),
    "ended": _("Die Konferenz ist bereits zu Ende. Eine Anmeldung ist nicht mehr möglich."),
    "duplicate": _(
        "Mit dieser E-Mail-Adresse besteht bereits eine Anmeldung zu dieser Konferenz. "
        "Wir können Ihnen den persönlichen Link zu Ihrer Anmeldung erneut zusenden."
    ),
    "privacy_required": _(
        "Bitte bestätigen Sie, dass Sie die Datenschutzhinweise zur Kenntnis genommen haben."
    ),
    "invalid_consent": _("Diese Einwilligung gibt es nicht."),
    "invalid_session": _("Dieser Programmpunkt kann nicht gewählt werden."),
    "session_conflict": _(
        "Diese Programmpunkte finden zur selben Zeit statt. Bitte wählen Sie nur einen davon."
    ),
    "session_full": _(
        "Während Sie das Formular ausgefüllt haben, sind in diesem Programmpunkt alle Plätze "
        "vergeben worden. Sie können einen anderen wählen oder sich auf die Warteliste setzen."
    ),
    "conference_full_changed": _(
        "Während Sie das Formular ausgefüllt haben, sind alle Plätze der Konferenz vergeben "
        "worden. Wenn Sie das Formular erneut absenden, kommen Sie auf die Warteliste."
    ),
    "expired": _(
        "Diese Anmeldung ist nicht mehr gültig, weil die E-Mail-Adresse nicht rechtzeitig "
        "bestätigt wurde oder die Anmeldung storniert ist. Sie können sich erneut anmelden."
    ),
    "cancelled": _("Diese Anmeldung ist storniert und kann nicht mehr geändert werden."),
    "started": _(
        "Die Konferenz hat bereits begonnen. Bitte wenden Sie sich an das Organisationsteam."
    ),
    "not_awaiting_approval": _("Diese Anmeldung wartet nicht auf eine Freigabe."),
    "required": _("Dieses Feld ist erforderlich."),
    "invalid_email": _("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    "control_characters": _("Bitte verwenden Sie keine Steuerzeichen."),
    "line_breaks": _("Bitte schreiben Sie dieses Feld in eine Zeile."),
    "busy": _("Gerade ist viel los. Bitte versuchen Sie es in einigen Sekunden noch einmal."),
}


def refusal(code: str, *, field: str | None = None, session_ids=(), message=None):
    """The RegistrationError for rule `code`, worded as in MESSAGES unless `message` is given."""
    return RegistrationError(
        message or MESSAGES[code], code=code, field=field, session_ids=session_ids
    )
