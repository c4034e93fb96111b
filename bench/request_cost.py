"""What one registration costs the server, measured without the noise of a loaded machine.

The load benchmark (`registration_load.py`) gives registrations per second, but this machine's
speed drifts by 15 to 40 % within minutes, so two versions of the code compare only in
alternating runs, and small changes drown. This script runs the requests of a registration
in-process through Django's WSGI handler, one after another, against the database of
DATABASE_URL (a conference with seats for everyone, created as the load benchmark creates one):

- `registration`: GET the form, POST it (302);
- `page`: GET the form only;
- `sent-back`: GET the form, fill the chosen forums meanwhile (two UPDATEs, counted too), POST:
  the form comes back with "filled while you were typing" (200). Run it with
  REGISTRATION_READ_CACHE_SECONDS=0: with the read reused, the next page already shows the
  forums full.

It prints the CPU time per iteration and Python's function calls per iteration (cProfile's
count). With `--instructions` it runs itself under valgrind's callgrind, counting the machine
instructions of the measured iterations only: the same count to 0.1 % from run to run, whatever
else the machine does (the database's own work is not counted; the number of queries is).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_cost \\
        .venv/bin/python bench/request_cost.py --requests registration --count 50 --instructions

Settings as for the load benchmark: DEBUG off, rate limits and the minimum fill time lifted.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from types import SimpleNamespace

import registration_load  # beside this script (the script's directory is on sys.path)

# The load benchmark's server settings (rate limits and minimum fill time lifted).
ENVIRONMENT = {**registration_load.SERVER_ENVIRONMENT, "DJANGO_SETTINGS_MODULE": "config.settings"}
WARM_UP = 30
_rng = random.Random(1)


class Browser:
    """One visitor's requests through the WSGI handler, with its cookies (kept as the load
    benchmark's browser keeps them)."""

    def __init__(self, application, path):
        self.application, self.path = application, path
        self.jar = registration_load.Client("http://127.0.0.1", path)

    def request(self, body=None):
        environ = {
            "REQUEST_METHOD": "GET" if body is None else "POST",
            "PATH_INFO": self.path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "de",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body or b""),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body or b"")),
        }
        if body is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["HTTP_ORIGIN"] = "http://127.0.0.1"
            environ["HTTP_REFERER"] = "http://127.0.0.1" + self.path
        if self.jar.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.jar.cookies.items())
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status[:3]), headers

        html = b"".join(self.application(environ, start_response))
        self.jar.store_cookies(v for n, v in answer["headers"] if n.lower() == "set-cookie")
        return answer["status"], html


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", choices=["registration", "page", "sent-back"], required=True)
    parser.add_argument("--count", type=int, default=200, help="measured iterations")
    parser.add_argument("--instructions", action="store_true", help="count with callgrind")
    parser.add_argument("--under-callgrind", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        return count_instructions(args)
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("SECRET_KEY", "request-cost-benchmark-" + "x" * 32)
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    conference = registration_load.setup_conference(
        SimpleNamespace(capacity=10**6, session_capacity=10**6, migrate=False)
    )
    path = reverse("registrations:register", kwargs={"slug": conference.slug})
    browser = Browser(get_wsgi_application(), path)
    iteration = ITERATIONS[args.requests](browser, conference)
    for _ in range(WARM_UP):
        iteration()
    if args.under_callgrind:
        _callgrind(os.getpid(), "on")
        for _ in range(args.count):
            iteration()
        _callgrind(os.getpid(), "off")
        return 0
    started = time.process_time()
    for _ in range(args.count):
        iteration()
    cpu = (time.process_time() - started) / args.count
    profile = cProfile.Profile()
    profile.runcall(lambda: [iteration() for _ in range(args.count)])
    calls = pstats.Stats(profile).total_calls / args.count
    print(f"{args.requests}: {cpu * 1000:.2f} ms CPU, {calls:,.0f} Python calls per iteration")
    return 0


def _callgrind(pid, state):
    subprocess.run(["callgrind_control", "-i", state, str(pid)], check=True, capture_output=True)


def count_instructions(args):
    with tempfile.TemporaryDirectory() as directory:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={directory}/callgrind.out",
            sys.executable,
            __file__,
            "--requests",
            args.requests,
            "--count",
            str(args.count),
            "--under-callgrind",
        ]
        result = subprocess.run(command, capture_output=True, text=True)
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or not collected:
        sys.stderr.write(result.stdout + result.stderr)
        return 1
    per_iteration = int(collected.group(1)) / args.count
    print(f"{args.requests}: {per_iteration / 1e6:.2f} million instructions per iteration")
    return 0


def _registration(browser, conference):
    numbers = iter(range(10**9))

    def iteration():
        status, html = browser.request()
        data = registration_load.form_data(html, next(numbers), _rng)
        status, html = browser.request(urllib.parse.urlencode(data).encode())
        assert status == 302, registration_load.summary(status, html)

    return iteration


def _page(browser, conference):
    def iteration():
        status, _html = browser.request()
        assert status == 200, status

    return iteration


def _sent_back(browser, conference):
    from django.conf import settings
    from django.db.models import F

    from conferences.models import Session

    if getattr(settings, "REGISTRATION_READ_CACHE_SECONDS", 0):  # (older code: no such reuse)
        raise SystemExit("Run sent-back with REGISTRATION_READ_CACHE_SECONDS=0.")
    numbers = iter(range(10**9))
    sessions = Session.objects.filter(conference=conference)

    def iteration():
        status, html = browser.request()
        data = registration_load.form_data(html, next(numbers), _rng)
        for match in registration_load.RADIO.finditer(html):
            if match.group(2):  # a forum in every slot, never "none"
                data[match.group(1).decode()] = match.group(2).decode()
        sessions.update(capacity=F("seats_taken"))  # filled while the form was open
        status, html = browser.request(urllib.parse.urlencode(data).encode())
        sessions.update(capacity=10**6)
        assert status == 200 and registration_load.ERROR_SUMMARY in html, status

    return iteration


ITERATIONS = {"registration": _registration, "page": _page, "sent-back": _sent_back}

if __name__ == "__main__":
    sys.exit(main())
