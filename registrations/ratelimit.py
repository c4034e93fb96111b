"""Fixed-window rate limits on Django's cache.

The counters live in the default cache, so they are shared between processes only when that
cache is (Redis in production; the local-memory default counts per process). Keys hold a hash,
never an e-mail address. A cache that cannot be reached lets requests through: an outage of the
cache must not turn registrations into server errors.
"""

import hashlib
import ipaddress
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, value: str) -> "Rate":
        """'5/h', '30/10m', '100/d': a number of requests per (multiple of a) time unit."""
        match = _RATE.match(value)
        if not match:
            raise ValueError(f"Not a rate: {value!r} (expected e.g. '5/h' or '30/10m').")
        limit, multiple, unit = match.groups()
        return cls(limit=int(limit), period=int(multiple or 1) * _UNIT_SECONDS[unit])


def client_ip(request) -> str:
    """The client's address as the nearest trusted proxy saw it; IPv6 grouped by /64.

    REGISTRATION_CLIENT_IP_HEADER names the request.META key to read: REMOTE_ADDR when the
    application server faces the clients, e.g. HTTP_X_REAL_IP or HTTP_X_FORWARDED_FOR behind a
    reverse proxy (of a forwarded list, the last entry is the one our proxy appended).
    """
    header = getattr(settings, "REGISTRATION_CLIENT_IP_HEADER", "REMOTE_ADDR")
    raw = request.META.get(header) or request.META.get("REMOTE_ADDR") or ""
    raw = raw.split(",")[-1].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        # One household or office gets a whole /64: count it as one client.
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one attempt; return None if it is allowed, else the seconds until the window ends."""
    if not getattr(settings, "REGISTRATION_RATE_LIMIT_ENABLED", True):
        return None
    parsed = Rate.parse(rate)
    now = time.time()
    window = int(now // parsed.period)
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    try:
        if cache.add(cache_key, 1, timeout=parsed.period + 1):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add() and incr()
                cache.set(cache_key, 1, timeout=parsed.period + 1)
                count = 1
    except Exception:
        logger.warning("Rate limit cache unavailable; letting the request through.", exc_info=True)
        return None
    if count <= parsed.limit:
        return None
    return max(1, int((window + 1) * parsed.period - now))
