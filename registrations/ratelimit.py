"""Abuse limits of the participant pages, counted by django-ratelimit.

The counters live in the cache RATELIMIT_USE_CACHE names (the default cache): shared between
processes only when that cache is (Redis in production; the in-process default counts per
process, which is enough on a laptop). django-ratelimit hashes every cache key, so no e-mail
address is stored. A cache that cannot be reached lets requests through: an outage of the cache
must not turn registrations into server errors.

What stays ours: which address a request comes from (REGISTRATION_CLIENT_IP_HEADER, via
RATELIMIT_IP_META_KEY; django-ratelimit counts an IPv6 /64 as one client) and the page a
refused request gets (HTTP 429 with Retry-After).
"""

import ipaddress
import logging

from django.conf import settings
from django.template.response import TemplateResponse
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 - a key for clients without an address, not a bind


def client_address(request) -> str:
    """The client's address as the nearest trusted proxy saw it (RATELIMIT_IP_META_KEY).

    REGISTRATION_CLIENT_IP_HEADER names the request.META key to read: REMOTE_ADDR when the
    application server faces the clients, e.g. HTTP_X_REAL_IP or HTTP_X_FORWARDED_FOR behind a
    reverse proxy (of a forwarded list, the last entry is the one our proxy appended). Clients
    without a readable address share one limit.
    """
    header = settings.REGISTRATION_CLIENT_IP_HEADER
    for raw in (request.META.get(header) or "", request.META.get("REMOTE_ADDR") or ""):
        try:
            address = ipaddress.ip_address(raw.split(",")[-1].strip())
        except ValueError:
            continue
        if address.version == 6 and address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(address)
    return UNKNOWN_CLIENT


def refusal(request, *, group: str, rate: str, per: str | None = None, conference=None):
    """Count this request against `rate` (e.g. "30/10m") in `group`: per client address, or
    per `per` (an e-mail address, case-insensitive). None if allowed, else the 429 page."""
    key = "ip" if per is None else (lambda _group, _request: per.lower())
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    except Exception:
        logger.warning("Rate limit cache unavailable; letting the request through.", exc_info=True)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    retry_after = max(1, usage["time_left"])
    response = TemplateResponse(
        request,
        "registrations/rate_limited.html",
        {"retry_minutes": max(1, -(-retry_after // 60)), "conference": conference},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
