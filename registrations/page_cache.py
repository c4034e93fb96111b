"""The blank registration page, rendered once per programme, language and address.

When a registration opens, hundreds of people load the same page within minutes. Rendering it
(the crispy form above all) costs many times what the rest of the request costs, yet two
visitors' pages differ only in the CSRF token, the signed form token and the seats left. So the
page is rendered with fixed placeholders for those, cached, and filled in for each request.

The key holds everything else the page shows: the conference as last saved (`updated_at`), the
bookable sessions and their times (slots and field names), whether the conference is full, the
language and the address (the language switch links to it). Titles and rooms of sessions are in
the seat labels, which are filled in from the sessions of the moment. Changes of templates or
translations show after REGISTRATION_FORM_CACHE_SECONDS.

The placeholders are fixed, not random: processes share the cache (Redis). Nothing a participant
typed is ever part of the cached HTML, and every value filled in is escaped.
"""

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

MARK = "tbPlaceholder9x"
_PLACEHOLDER = re.compile(rf"{MARK}(\w+?){MARK}")


def placeholder(name) -> str:
    return f"{MARK}{name}{MARK}"


def fill(html: str, values: dict[str, str], *, html_values=None) -> str:
    """The HTML with each placeholder replaced by its value, escaped (unknown ones: empty).
    `html_values` are HTML we rendered ourselves (a bound form), inserted as they are."""
    html_values = html_values or {}

    def value(match):
        name = match.group(1)
        if name in html_values:
            return html_values[name]
        return escape(values.get(name, ""))

    return mark_safe(_PLACEHOLDER.sub(value, html))  # noqa: S308 - escaped or our own HTML


def page_key(request, conference, sessions, *, variant="blank") -> str:
    """`variant`: "blank" (the page as first shown) or "invalid" (the frame of a form sent
    back with errors: the title says so, the form itself is rendered for the request)."""
    signature = repr(
        (
            variant,
            conference.pk,
            conference.updated_at.isoformat() if conference.updated_at else None,
            conference.is_full,
            get_language(),
            request.get_full_path(),
            [(s.pk, s.starts_at.isoformat(), s.ends_at.isoformat()) for s in sessions],
        )
    )
    return "registrations:page-html:" + hashlib.sha256(signature.encode()).hexdigest()


def cached_page(key: str, render) -> str:
    """The cached HTML under `key`, rendered by `render()` (with placeholders) when missing."""
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, settings.REGISTRATION_FORM_CACHE_SECONDS)
    return html


def has_messages(request) -> bool:
    """Whether the page would show messages (they are not part of the cached page)."""
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0
