"""The pages behind an exhibitor's private link (the same token rules as participants': a
256-bit secret in the link, compared in constant time, wrong links counted against the
client's rate limit, pages never cached or indexed): confirm the address, see the status,
correct the application under review, name the stand staff, withdraw."""

from crispy_forms.layout import Hidden
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registrations import ratelimit
from registrations.self_service import private

from . import services
from .forms import ApplicationForm, StaffForm
from .models import Exhibitor, Market


def exhibitor_or_404(request, pk, token):
    exhibitor = services.get_exhibitor_by_token(pk=pk, token=token)
    if exhibitor is None:
        limited = ratelimit.refusal(
            request, group="exhibitor-token-ip", rate=settings.REGISTRATION_RATE_LIMIT_TOKEN_IP
        )
        if limited:
            return None, limited
        raise Http404
    return exhibitor, None


@private
@require_http_methods(["GET", "POST"])
def confirm(request, pk, token):
    """A GET shows a button (mail scanners follow links); the POST confirms."""
    exhibitor, limited = exhibitor_or_404(request, pk, token)
    if limited:
        return limited
    if request.method == "POST":
        services.confirm_address(exhibitor=exhibitor)
        messages.success(request, _("Vielen Dank! Ihre E-Mail-Adresse ist bestätigt."))
        return redirect("exhibitors:manage", pk=pk, token=token)
    return TemplateResponse(
        request,
        "exhibitors/confirm.html",
        {"exhibitor": exhibitor, "conference": exhibitor.conference},
    )


@private
@require_http_methods(["GET", "POST"])
def manage(request, pk, token):
    exhibitor, limited = exhibitor_or_404(request, pk, token)
    if limited:
        return limited
    market = Market.objects.get(conference_id=exhibitor.conference_id)
    action = request.POST.get("action") if request.method == "POST" else None
    editable = exhibitor.status in Exhibitor.EDITABLE
    accepted = exhibitor.status == Exhibitor.Status.ACCEPTED
    application = staff = None
    if editable:
        application = ApplicationForm(
            *((request.POST, request.FILES) if action == "update" else ()),
            instance=Exhibitor.objects.get(pk=exhibitor.pk),
            conference=exhibitor.conference,
            market=market,
            correcting=True,
        )
        application.helper.layout.append(Hidden("action", "update"))
    if accepted:
        staff = StaffForm(
            *((request.POST,) if action == "staff" else ()),
            exhibitor=exhibitor,
            limit=market.max_staff_per_stand,
        )
        staff.helper.layout.append(Hidden("action", "staff"))
    try:
        if action == "update" and application is not None and application.is_valid():
            services.update_application(exhibitor=exhibitor, data=application.application_data())
            messages.success(request, _("Ihre Änderungen sind gespeichert."))
            return redirect("exhibitors:manage", pk=pk, token=token)
        if action == "staff" and staff is not None and staff.is_valid():
            services.set_staff(exhibitor=exhibitor, people=staff.people())
            messages.success(request, _("Die Personen an Ihrem Stand sind gespeichert."))
            return redirect("exhibitors:manage", pk=pk, token=token)
        if action == "withdraw" and exhibitor.status in Exhibitor.ACTIVE:
            services.withdraw_application(exhibitor=exhibitor)
            messages.success(request, _("Ihre Standanmeldung ist zurückgezogen."))
            return redirect("exhibitors:manage", pk=pk, token=token)
    except services.ExhibitorError as error:
        messages.error(request, error.message)
    return TemplateResponse(
        request,
        "exhibitors/manage.html",
        {
            "exhibitor": exhibitor,
            "conference": exhibitor.conference,
            "application": application,
            "staff_form": staff,
            "staff": list(exhibitor.staff.all()),
            "can_withdraw": exhibitor.status in Exhibitor.ACTIVE,
        },
    )
