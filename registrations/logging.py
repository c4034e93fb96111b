"""Keep the private tokens of confirm and manage links out of the logs.

Whoever holds such a link can read and change a registration, so the token must not end up in
request logs (`django.request`, `django.server`) or anything else that passes a handler with
this filter. Wired in `config.settings.LOGGING`.
"""

import logging
import re

# /anmeldung/<uuid>/<token>/… and /anmeldung/<uuid>/bestaetigen/<token>/… (any language prefix):
# the segment after the UUID (or after "bestaetigen/") is the token. Kept in step with
# registrations/urls.py by tests/registrations/test_views.py.
_TOKEN_IN_PATH = re.compile(
    r"(/anmeldung/[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}/(?:bestaetigen/)?)[^/\s?#\"']+"
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


def _redact_value(value):
    return redact(value) if isinstance(value, str) else value


class RedactTokensFilter(logging.Filter):
    """Rewrites the record's message and arguments in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True
