"""How many SQL statements one registration sends to the database, counted in-process.

A running gunicorn cannot count its statements without a change to the application (and
pg_stat_statements is not loaded on these machines), so this script counts them where Django
sends them: the requests of a registration run through Django's WSGI handler with the full
middleware (as `request_cost.py` runs them), each inside `CaptureQueriesContext`, against the
database of DATABASE_URL, in a fresh conference with seats for everyone:

- `GET`: the registration page; `POST`: the form sent with a forum chosen in each slot,
  answered 302 (the e-mail task's row, written after the commit, included); `sent back`: the
  form sent after its forums filled meanwhile, answered 200 with "filled while you were typing".
- Each twice: with the conference and its sessions read on every request
  (REGISTRATION_READ_CACHE_SECONDS=0), and with the read of the page reused by the POST (as under
  load, where a process reads them at most once a second): the upper and the lower bound.

The minimum fill time and the rate limits are lifted in this process only (they cost no SQL);
one registration before the counted ones fills the page cache and compiles the prepared queries.
The load benchmarks run this script in its own process after their run (`--mix`: with the run's
numbers of requests) and print what it prints. Alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bench_x .venv/bin/python bench/statements.py
"""

import argparse
import os
import random
import sys
import urllib.parse
from types import SimpleNamespace

import registration_load  # beside this script (the script's directory is on sys.path)
import request_cost

ENVIRONMENT = {**registration_load.SERVER_ENVIRONMENT, "DJANGO_SETTINGS_MODULE": "config.settings"}


def count_statements():
    """{"fresh" | "reused": {"GET": n, "POST": n, "sent back": n}} for one registration each."""
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from conferences.models import Session

    application = get_wsgi_application()
    conference = registration_load.setup_conference(
        SimpleNamespace(capacity=10**6, session_capacity=10**6, migrate=False)
    )
    path = reverse("registrations:register", kwargs={"slug": conference.slug})
    sessions = Session.objects.filter(conference=conference)
    rng = random.Random(1)
    numbers = iter(range(10**9))

    def counted(browser, body=None):
        with CaptureQueriesContext(connection) as queries:
            status, html = browser.request(body)
        return status, html, len(queries)

    def registration(fill_forums=False):
        browser = request_cost.Browser(application, path)
        status, html, get_count = counted(browser)
        data = registration_load.form_data(html, f"statements-{next(numbers)}", rng)
        # A forum in every slot, never "none": each chosen forum is a booking row and a counter.
        for match in registration_load.RADIO.finditer(html):
            if match.group(2):
                data[match.group(1).decode()] = match.group(2).decode()
        if fill_forums:
            sessions.update(capacity=F("seats_taken"))
        status, html, post_count = counted(browser, urllib.parse.urlencode(data).encode())
        if fill_forums:
            sessions.update(capacity=10**6)
        expected = 200 if fill_forums else 302
        if status != expected or (fill_forums and registration_load.ERROR_SUMMARY not in html):
            raise SystemExit(
                f"unexpected answer ({fill_forums=}): {registration_load.summary(status, html)}"
            )
        return get_count, post_count

    counts = {}
    # Reused first: a refused form stores a fresh read (forums full) that later pages would reuse.
    for name, read_seconds in (("reused", 3600), ("fresh", 0)):
        with override_settings(
            REGISTRATION_MIN_FILL_SECONDS=0,
            REGISTRATION_RATE_LIMIT_ENABLED=False,
            REGISTRATION_READ_CACHE_SECONDS=read_seconds,
        ):
            registration()  # warm-up: page cache, prepared queries
            get_count, post_count = registration()
            _get, sent_back = registration(fill_forums=True)
        counts[name] = {"GET": get_count, "POST": post_count, "sent back": sent_back}
    return counts


def describe(counts, gets=None, posts=None, sent_back=None, registered=None):
    """Lines for a load benchmark's report; with the run's requests, also its mix per
    registration (every GET, every POST answered 302, every form sent back)."""
    fresh, reused = counts["fresh"], counts["reused"]
    lines = [
        "SQL statements (bench/statements.py, in-process, same database): "
        f"GET page {reused['GET']} to {fresh['GET']}, POST registered {reused['POST']} to "
        f"{fresh['POST']}, POST sent back {reused['sent back']} to {fresh['sent back']} "
        "(read reused / read fresh)",
        "SQL statements per registration (GET + POST): "
        f"{reused['GET'] + reused['POST']} to {fresh['GET'] + fresh['POST']}",
    ]
    if registered:
        low, high = (
            (c["GET"] * gets + c["POST"] * posts + c["sent back"] * sent_back) / registered
            for c in (reused, fresh)
        )
        lines.append(
            f"SQL statements per registration with this run's requests ({gets} GET, {posts} "
            f"POST registered, {sent_back} sent back): {low:.1f} to {high:.1f}"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mix",
        type=int,
        nargs=4,
        metavar=("GETS", "POSTS", "SENT_BACK", "REGISTERED"),
        help="a load run's requests: also print its statements per registration",
    )
    args = parser.parse_args()
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("SECRET_KEY", "statements-benchmark-" + "x" * 32)
    import django
    from django.core.management import call_command

    django.setup()
    if not args.mix:  # (a load benchmark has migrated and collected the static files)
        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
    counts = count_statements()
    print("\n".join(describe(counts, *(args.mix or ()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
