"""Load test of the registration form: many browsers register at once against a running server.

Each client is a thread with its own cookie jar, like a browser: it GETs the registration page
(CSRF cookie, CSRF token, signed form token, the forum choices), picks forums, and POSTs the form.
When the page answers that the conference or a forum filled while the form was open, the client
submits the re-rendered form once more, as a person would who reads the message. Only the
standard library is used for HTTP.

The script talks to the same database as the server (same DATABASE_URL): it creates a fresh
conference before the run (with fewer seats than clients) and checks afterwards that no seat was
given twice: stored counters equal a recount, nothing exceeds its capacity.

With `--start-server WORKERS` the script migrates the database, collects the static files and
starts gunicorn itself (DEBUG=false, a random SECRET_KEY, HTTP cookies; the rate limits and the
minimum fill time lifted: REGISTRATION_RATE_LIMIT_ENABLED=false, REGISTRATION_MIN_FILL_SECONDS=0),
and stops it at the end. Example (see BENCHMARKS.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_flow_bench \\
        .venv/bin/python bench/registration_load.py --start-server 4 --clients 64
"""

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
RADIO = re.compile(r'type="radio"[^>]*name="(slot_\d+)" value="(\d*)"')
ERROR_SUMMARY = 'id="error-summary"'


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Client:
    """One browser: a cookie jar and a connection-per-request opener."""

    def __init__(self, base_url, path):
        self.url = base_url.rstrip("/") + path
        self.origin = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, data=None, timeout=60):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url, data=body)
        request.add_header("User-Agent", "registration-load/1")
        request.add_header("Accept-Language", "de")
        if body is not None:
            request.add_header("Referer", self.url)
            request.add_header("Origin", self.origin)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, html = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, html = error.code, error.read().decode(errors="replace")
        return status, html, time.perf_counter() - started


def form_data(html, number, rng):
    choices = {}
    for name, value in RADIO.findall(html):
        choices.setdefault(name, []).append(value)
    data = {
        "csrfmiddlewaretoken": CSRF.search(html).group(1),
        "form_token": FORM_TOKEN.search(html).group(1),
        "salutation": rng.choice(["", "ms", "mr", "diverse"]),
        "first_name": rng.choice(["Ina", "Nima", "Lucia", "Mehmet", "مريم"]),
        "last_name": rng.choice(["Jerenashvili", "Zaeri-Esfahani", "Kühne-Hörmann", "Yılmaz"]),
        "email": f"bench-{number}@example.org",
        "organisation": "Landkreis Kassel",
        "organisation_type": "district",
        "consent_privacy": "on",
        "consent_photos": "on",
    }
    for name, values in choices.items():
        data[name] = rng.choice(values)
    return data


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.get_latencies = []
        self.post_latencies = []
        self.registration_latencies = []
        self.registered = 0
        self.resubmitted = 0
        self.refused = 0
        self.refusals = []
        self.server_errors = 0
        self.other_errors = []

    def add(self, **values):
        with self.lock:
            for key, value in values.items():
                target = getattr(self, key)
                if isinstance(target, list):
                    target.append(value)
                else:
                    setattr(self, key, target + value)


def _summary(status, html):
    """What the page said when the form was refused: the error summary, as text."""
    start = html.find(ERROR_SUMMARY)
    if start < 0:
        return f"HTTP {status}"
    text = re.sub(r"<[^>]+>", " ", html[start : html.find("</div>", start)])
    return f"HTTP {status}: " + re.sub(r"\s+", " ", text).strip()[:300]


def run_client(index, args, path, numbers, results, barrier):
    rng = random.Random(index)
    client = Client(args.url, path)
    barrier.wait()
    for number in numbers:
        try:
            started = time.perf_counter()
            status, html, elapsed = client.request()
            results.add(get_latencies=elapsed)
            if status >= 500:
                results.add(server_errors=1)
                continue
            data = form_data(html, number, rng)
            for attempt in range(5):
                status, html, elapsed = client.request(data)
                results.add(post_latencies=elapsed)
                if status >= 500:
                    results.add(server_errors=1)
                    break
                if status == 302:
                    results.add(registered=1, registration_latencies=time.perf_counter() - started)
                    break
                if status == 200 and ERROR_SUMMARY in html and attempt < 4:
                    # "filled while you were typing": read the message, send again.
                    results.add(resubmitted=1)
                    data = {**data, "form_token": FORM_TOKEN.search(html).group(1)}
                    data["csrfmiddlewaretoken"] = CSRF.search(html).group(1)
                    continue
                results.add(refused=1, refusals=_summary(status, html))
                break
        except Exception as error:
            results.add(other_errors=f"{type(error).__name__}: {error}")


def server_cpu_seconds(master_pid):
    """User + system CPU time of the gunicorn master's worker processes, in seconds."""
    if not master_pid:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


SERVER_ENVIRONMENT = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_COOKIES": "false",
    "REGISTRATION_RATE_LIMIT_ENABLED": "false",
    "REGISTRATION_MIN_FILL_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
}
ROOT = Path(__file__).resolve().parent.parent


def start_server(args):
    """Migrate, collect static files and start gunicorn; returns the process."""
    os.environ.update(SERVER_ENVIRONMENT)
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    python = sys.executable
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, check=True)
    bind = urllib.parse.urlsplit(args.url).netloc
    gunicorn = Path(python).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "-w",
            str(args.start_server),
            "-b",
            bind,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(args.url + "/", timeout=10):
                return server
        except OSError:  # refused while booting, or a worker still importing Django
            time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    raise SystemExit(f"gunicorn did not answer on {args.url} within 60 s")


def setup_conference(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from conferences.models import Conference, Session

    if args.migrate:
        call_command("migrate", verbosity=0)
    now = timezone.now()
    starts = (now + timedelta(days=60)).replace(hour=9, minute=0, second=0, microsecond=0)
    conference = Conference.objects.create(
        title="Lasttest-Konferenz",
        slug=f"lasttest-{int(time.time() * 1000)}",
        city="Kassel",
        venue_name="Kongress Palais Kassel",
        address="Holger-Börner-Platz 1\n34119 Kassel",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        capacity=args.capacity,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=starts - timedelta(days=1),
        status=Conference.Status.PUBLISHED,
        contact_email="tagung@example.org",
    )
    for slot in range(2):
        for forum in range(3):
            Session.objects.create(
                conference=conference,
                title=f"Forum {slot * 3 + forum + 1}",
                kind=Session.Kind.FORUM,
                starts_at=starts + timedelta(hours=2 + 3 * slot),
                ends_at=starts + timedelta(hours=3 + 3 * slot),
                room=f"Raum {forum + 1}",
                is_bookable=True,
                capacity=args.session_capacity,
            )
    return conference


def check_database(conference):
    from django.db import connection

    from conferences.models import Conference
    from registrations import services
    from registrations.models import Registration, SessionBooking

    connection.close()
    conference = Conference.objects.get(pk=conference.pk)
    stored = services.stored_seat_counts(conference=conference)
    recount = services.recount_seats(conference=conference)
    problems = []
    if stored != recount:
        problems.append(f"stored counters {stored} differ from the recount {recount}")
    holding = Registration.objects.filter(
        conference=conference, status__in=Registration.SEAT_HOLDING
    ).count()
    if holding > conference.capacity or conference.seats_taken > conference.capacity:
        problems.append(f"conference overbooked: {holding} seats held of {conference.capacity}")
    for session in conference.sessions.all():
        booked = SessionBooking.objects.filter(
            session=session, status=SessionBooking.Status.BOOKED
        ).count()
        if session.capacity is not None and booked > session.capacity:
            problems.append(f"{session} overbooked: {booked} of {session.capacity}")
    registrations = Registration.objects.filter(conference=conference)
    return {
        "registrations": registrations.count(),
        "holding_seat": holding,
        "waitlisted": registrations.filter(status=Registration.Status.WAITLISTED).count(),
        "capacity": conference.capacity,
        "session_seats": [
            (s.title, s.seats_taken, s.capacity, s.waitlist_count)
            for s in conference.sessions.order_by("pk")
        ],
        "problems": problems,
        "vendor": connection.vendor,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8310")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--per-client", type=int, default=10, help="registrations per client")
    parser.add_argument("--capacity", type=int, default=48, help="conference seats")
    parser.add_argument("--session-capacity", type=int, default=10, help="seats per forum")
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    parser.add_argument(
        "--server-pid",
        type=int,
        help="gunicorn master: report the CPU time its workers spent (Linux /proc)",
    )
    parser.add_argument(
        "--start-server",
        type=int,
        metavar="WORKERS",
        help="migrate and start gunicorn with this many workers on --url's address, stop it after",
    )
    args = parser.parse_args()
    server = None
    if args.start_server:
        server = start_server(args)
        args.server_pid = server.pid
    try:
        return run(args)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(args):
    conference = setup_conference(args)
    from django.db import connection
    from django.urls import reverse

    connection.close()
    path = reverse("registrations:register", kwargs={"slug": conference.slug})
    results = Results()
    barrier = threading.Barrier(args.clients + 1)
    threads = [
        threading.Thread(
            target=run_client,
            args=(
                i,
                args,
                path,
                range(i * args.per_client, (i + 1) * args.per_client),
                results,
                barrier,
            ),
        )
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    server_cpu_before = server_cpu_seconds(args.server_pid)
    client_cpu_before = time.process_time()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    server_cpu = server_cpu_seconds(args.server_pid) - server_cpu_before

    db = check_database(conference)
    ms = 1000
    print(f"database: {db['vendor']}, conference {conference.slug}")
    print(
        f"clients: {args.clients} x {args.per_client} registrations, "
        f"capacity {args.capacity}, forum capacity {args.session_capacity}"
    )
    print(f"wall time: {wall:.2f} s")
    print(f"registrations: {results.registered} ({results.registered / wall:.1f}/s)")
    print(f"resubmitted after 'filled while open': {results.resubmitted}")
    print(f"refused (form errors): {results.refused}")
    for message, count in Counter(results.refusals).most_common(5):
        print(f"  {count} x {message}")
    print(f"server errors (5xx): {results.server_errors}")
    print(f"other errors: {len(results.other_errors)} {results.other_errors[:3]}")
    for label, values in (
        ("GET form", results.get_latencies),
        ("POST form", results.post_latencies),
        ("whole registration", results.registration_latencies),
    ):
        print(
            f"latency {label}: median {statistics.median(values) * ms:.0f} ms, "
            f"p99 {percentile(values, 0.99) * ms:.0f} ms, max {max(values) * ms:.0f} ms"
        )
    per_registration = 1000 / max(results.registered, 1)
    if args.server_pid:
        print(
            f"CPU: server workers {server_cpu:.1f} s ({server_cpu * per_registration:.1f} ms per "
            f"registration), load generator {client_cpu:.1f} s "
            f"({client_cpu * per_registration:.1f} ms per registration)"
        )
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    print(
        f"database: {db['registrations']} registrations, {db['holding_seat']} holding a seat "
        f"(capacity {db['capacity']}), {db['waitlisted']} on the waiting list"
    )
    print("forums (title, taken, capacity, waiting):", db["session_seats"])
    overbooked = bool(db["problems"])
    print(f"capacity exceeded: {'YES: ' + '; '.join(db['problems']) if overbooked else 'no'}")
    consistent = db["registrations"] == results.registered
    print(f"registrations stored = registrations answered 302: {consistent}")
    failed = overbooked or results.server_errors or results.other_errors or not consistent
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
