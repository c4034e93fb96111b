"""The message to the participants of a conference (or of one session): written, previewed as
the first recipient will get it, then sent by `services.send_message`. No private link (token) is
shown: the preview carries a placeholder instead. A message is sent once, even if the form is sent
twice (a nonce per preview)."""

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from conferences.models import Session

from .. import mail, services
from ..forms import NoControlCharacters
from ..models import Registration
from .pages import conference_or_404, page_context, require_permission, session_choice_label

SENT_MESSAGES_KEY = "registrations_sent_messages"
PREVIEW_LINK = _("[persönlicher Link der Person]")


class MessageForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("An"),
        required=False,
        queryset=Session.objects.none(),
        empty_label=_("alle bestätigten Teilnehmenden der Konferenz"),
        help_text=_(
            "Oder nur die bestätigten Teilnehmenden mit einem Platz in einem Programmpunkt."
        ),
    )
    subject = forms.CharField(
        label=_("Betreff"),
        max_length=services.MESSAGE_SUBJECT_MAX_LENGTH,
        validators=[NoControlCharacters()],
    )
    body = forms.CharField(
        label=_("Nachricht"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        validators=[NoControlCharacters(multiline=True)],
        help_text=_(
            "Nur Text. Anrede, Gruß des Organisationsteams und der persönliche Link jeder Person "
            "werden ergänzt."
        ),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = conference.sessions.order_by("starts_at", "title")
        self.fields["session"].label_from_instance = session_choice_label


def message_preview(conference, *, body, subject, recipient=None) -> dict:
    """The e-mail as the first recipient will get it, with a placeholder for the private link."""
    registration = recipient or Registration(
        conference=conference, first_name=str(_("Vorname")), last_name=str(_("Nachname"))
    )
    context = {
        "subject": subject,
        "registration": registration,
        "conference": conference,
        "extra": {"body": body},
        "manage_url": str(PREVIEW_LINK),
    }
    with translation.override(recipient.language if recipient else settings.LANGUAGE_CODE):
        text = mail.tidy_text(render_to_string("registrations/email/message.txt", context))
    return {"text": text}


def message(model_admin, request, conference_id):
    conference = conference_or_404(request, conference_id)
    require_permission(request, "registrations.message_participants")
    overview_url = reverse("admin:conferences_conference_overview", args=(conference.pk,))
    form = MessageForm(request.POST or None, conference=conference)
    template = "admin/registrations/message_form.html"
    extra = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = data["session"]
        if "send" in request.POST:
            sent = request.session.get(SENT_MESSAGES_KEY, [])
            if not data["nonce"] or data["nonce"] in sent:
                model_admin.message_user(
                    request,
                    _("Diese Nachricht ist bereits gesendet worden."),
                    messages.WARNING,
                )
                return redirect(overview_url)
            try:
                delivered = services.send_message(
                    conference=conference,
                    session=session,
                    subject=data["subject"],
                    body=data["body"],
                )
            except services.RegistrationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                request.session[SENT_MESSAGES_KEY] = [*sent[-19:], data["nonce"]]
                summary = ngettext(
                    "Nachricht „%(subject)s“ an %(count)d Person gesendet.",
                    "Nachricht „%(subject)s“ an %(count)d Personen gesendet.",
                    len(delivered),
                ) % {"subject": data["subject"], "count": len(delivered)}
                model_admin.log_change(request, conference, summary)
                model_admin.message_user(
                    request, summary, messages.SUCCESS if delivered else messages.WARNING
                )
                return redirect(overview_url)
        elif "edit" not in request.POST:
            recipients = services.message_recipients(conference=conference, session=session)
            shown = list(
                recipients.only(
                    "first_name", "last_name", "academic_title", "organisation", "language"
                )[:20]
            )
            count = recipients.count() if len(shown) == 20 else len(shown)
            preview_form = MessageForm(
                initial={**data, "nonce": secrets.token_urlsafe(16)}, conference=conference
            )
            for name, field in preview_form.fields.items():
                # A hidden textarea keeps the line breaks of the message.
                field.widget = (
                    forms.Textarea(attrs={"hidden": True})
                    if name == "body"
                    else forms.HiddenInput()
                )
            template = "admin/registrations/message_preview.html"
            extra = {
                "preview": message_preview(
                    conference,
                    body=data["body"],
                    subject=data["subject"],
                    recipient=shown[0] if shown else None,
                ),
                "recipients": shown,
                "recipient_count": count,
                "more_recipients": count - len(shown),
                "session": session,
                "form": preview_form,
            }
    context = page_context(
        model_admin,
        request,
        conference,
        title=_("Nachricht an Teilnehmende: %(title)s") % {"title": conference.title},
        overview_url=overview_url,
        **{"form": form, **extra},
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, template, context)
