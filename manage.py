#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

`manage.py` is the developer's tool, so it runs with the laptop defaults (DEBUG on) unless the
environment says otherwise; production sets DEBUG=false for its commands (cron, migrate) as for
the server. The WSGI/ASGI entry points have no such default: a server started without
configuration refuses to run without a real SECRET_KEY.
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Only a default: DEBUG from the environment or from .env still wins (config/settings.py).
    os.environ.setdefault("DEBUG_DEFAULT", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
