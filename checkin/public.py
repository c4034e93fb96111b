"""The participants' side of certificates: the download through the private link and the
public verification page. Both count wrong attempts against the rate limits of
`registrations.ratelimit`, so that neither links nor codes can be guessed in bulk."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from registrations import ratelimit, services

from .certificates import certificate_pdf
from .codes import checkin_code_for
from .models import Certificate
from .rules import certificates_open, is_eligible_for_certificate

#: Verification lookups per client address (valid or not): enough for an office checking a
#: pile of certificates, far too few to try codes (31^10 of them).
VERIFY_RATE = "60/10m"


@never_cache
def certificate_download(request, public_id, token):
    registration = services.get_registration_by_token(public_id=public_id, token=token)
    if registration is None:
        limited = ratelimit.refusal(
            request, group="token-ip", rate=settings.REGISTRATION_RATE_LIMIT_TOKEN_IP
        )
        if limited:
            return limited
        raise Http404(_("Dieser Link ist ungültig."))
    conference = registration.conference
    if not certificates_open(conference) or not is_eligible_for_certificate(registration):
        return TemplateResponse(
            request,
            "checkin/no_certificate.html",
            {
                "registration": registration,
                "conference": conference,
                "too_early": not certificates_open(conference),
            },
            status=404,
        )
    data = certificate_pdf(registration)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"teilnahmebescheinigung-{conference.slug}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def checkin_code_svg(request, public_id, token):
    """The person's check-in code as a QR code (SVG), for the manage page: shown at the door
    on the phone instead of the printed badge. Only seat holders have one."""
    registration = services.get_registration_by_token(public_id=public_id, token=token)
    if registration is None:
        limited = ratelimit.refusal(
            request, group="token-ip", rate=settings.REGISTRATION_RATE_LIMIT_TOKEN_IP
        )
        if limited:
            return limited
        raise Http404(_("Dieser Link ist ungültig."))
    if not registration.holds_seat:
        raise Http404
    buffer = io.BytesIO()
    segno.make(checkin_code_for(registration), error="m", micro=False).save(
        buffer, kind="svg", scale=6, border=2, title=_("Check-in-Code"), svgclass=None
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def verify(request, code=None):
    """Confirms name, conference and date for a known code; says nothing else for any other."""
    code = (code or request.GET.get("code") or "").strip().upper().replace(" ", "")
    if not code:
        return TemplateResponse(request, "checkin/verify.html", {"asked": False})
    limited = ratelimit.refusal(request, group="certificate-verify", rate=VERIFY_RATE)
    if limited:
        return limited
    certificate = (
        Certificate.objects.select_related("registration__conference").filter(code=code).first()
    )
    if certificate is not None and not is_eligible_for_certificate(certificate.registration):
        certificate = None  # withdrawn (e.g. a check-in undone): no longer confirmed
    context = {"asked": True, "code": code, "certificate": certificate}
    if certificate is not None:
        conference = certificate.registration.conference
        context.update(
            name=certificate.registration.full_name,
            conference=conference,
            starts=timezone.localdate(conference.starts_at),
            ends=timezone.localdate(conference.ends_at),
        )
    response = TemplateResponse(
        request, "checkin/verify.html", context, status=200 if certificate else 404
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
