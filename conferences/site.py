"""The site's own address, for absolute links that leave a response: the links in e-mails, the
pages named in calendar files, the demo login that `make run` prints.

- `SITE_URL`, when set, is the address, always (production sets it; `check --deploy` warns
  when it does not).
- Unset, links follow the address a request came to (`SiteURLMiddleware` notes the request for
  as long as it runs). An e-mail queued during a request records that address
  (`recorded_url`), so the worker that sends it later links back to the same place
  (`serving`).
- Without a request (commands, cron jobs, e-mails queued by them): `LOCAL_SITE_URL`, which
  `make run` sets to the address it serves (`http://$(HOST):$(PORT)`).

Calendar UIDs never follow a request: `calendar_domain` is the host of `SITE_URL`, or a fixed
name while it is unset, so the same event keeps its UID whichever address served it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

#: The UID domain while no SITE_URL is set (the host of the old default SITE_URL, so UIDs that
#: calendars have already stored stay the same).
UNSET_CALENDAR_DOMAIN = "127.0.0.1"

# The request being answered, or the address recorded with an e-mail being rendered.
_current: ContextVar[HttpRequest | str | None] = ContextVar("site_current", default=None)


def base_url() -> str:
    """Scheme, host and port that absolute links start with (no trailing slash)."""
    return settings.SITE_URL or _current_url() or settings.LOCAL_SITE_URL


def absolute_url(path: str) -> str:
    """`path` (starting with "/") as an absolute URL under `base_url`."""
    return f"{base_url()}{path}"


def recorded_url() -> str | None:
    """The address to record with something that is rendered later (an e-mail): the current
    request's, or None when SITE_URL is set (it will still hold then) or no request runs."""
    if settings.SITE_URL:
        return None
    return _current_url()


@contextmanager
def serving(url: str | None) -> Iterator[None]:
    """Inside the block, links follow `url` (an address recorded by `recorded_url`); with None,
    nothing changes."""
    if not url:
        yield
        return
    token = _current.set(url.rstrip("/"))
    try:
        yield
    finally:
        _current.reset(token)


def calendar_domain() -> str:
    """The right-hand side of every calendar UID (see the module docstring)."""
    return urlsplit(settings.SITE_URL).hostname or UNSET_CALENDAR_DOMAIN


def _current_url() -> str | None:
    current = _current.get()
    if isinstance(current, HttpRequest):
        # get_host() has checked the host against ALLOWED_HOSTS before any view ran.
        return current.build_absolute_uri("/").rstrip("/")
    return current


class SiteURLMiddleware:
    """Notes the request being answered, so that links built during it (e-mails queued by the
    services) follow the address it came to while SITE_URL is unset. The address is worked out
    only when a link needs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
