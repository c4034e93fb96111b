"""Load test of the registration form: many browsers register at once against a running server.

Each client is a thread with its own cookies, like a browser: it GETs the registration page
(CSRF cookie, CSRF token, signed form token, the forum choices), picks forums, and POSTs the form
with the cookies, the CSRF token, Origin and Referer. When the page answers that the conference or
a forum filled while the form was open, the client submits the re-rendered form once more, as a
person would who reads the message. A 302 answer counts as registered; its Location is not
followed.

The client is kept cheap in CPU because it shares the machine with the server: requests written
to plain sockets, one connection per request with `Connection: close` (gunicorn's sync workers
close it after each answer anyway), a minimal cookie store filled from the Set-Cookie headers
(name=value; Max-Age/Expires deletions, Secure and Path honoured; one host, so no Domain
matching), and the HTML searched as bytes with precompiled patterns, decoded only for the
values taken from it.

The script talks to the same database as the server (same DATABASE_URL): it creates a fresh
conference before the run (with fewer seats than clients) and checks afterwards that no seat was
given twice: stored counters equal a recount, nothing exceeds its capacity. Then it prints the
SQL statements of a registration, counted in-process by `statements.py` (its own process).

With `--start-server WORKERS` the script migrates the database, collects the static files and
starts gunicorn itself with the deployment's `config/gunicorn.py` and WORKERS processes
(DEBUG=false, a random SECRET_KEY, HTTP cookies; the rate limits and the minimum fill time
lifted: REGISTRATION_RATE_LIMIT_ENABLED=false, REGISTRATION_MIN_FILL_SECONDS=0), and stops it
at the end. Example (see BENCHMARKS.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_flow_bench \\
        .venv/bin/python bench/registration_load.py --start-server 2 --clients 64
"""

import argparse
import email.utils
import functools
import os
import random
import re
import secrets
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The HTML is searched as bytes: only the values found are decoded.
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')
RADIO = re.compile(rb'type="radio"[^>]*name="(slot_\d+)" value="(\d*)"')
ERROR_SUMMARY = b'id="error-summary"'
# The form's names and most of its values repeat from one POST to the next: quote each once.
QUOTE = functools.lru_cache(maxsize=1024)(urllib.parse.quote_plus)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Client:
    """One browser on one page: its own cookies, one connection per request.

    Each request is written to a plain socket with `Connection: close` and the answer read
    until the server closes the connection, as gunicorn's sync workers do after every answer.
    Of the answer only the status, the Set-Cookie headers and the body (as bytes) are taken.
    Redirects are not followed. (With http.client, which parses every answer's headers with the
    email package, the client took about 1.6 times the CPU: 0.8 to 1.3 ms per registration
    against 0.5 to 0.8 ms in alternating runs, CPU it takes from the server on this machine.)
    """

    def __init__(self, base_url, path, timeout=60, source=None):
        url = urllib.parse.urlsplit(base_url.rstrip("/") + path)
        # Local address to connect from (e.g. one of 127.0.0.0/8 per simulated person), or None.
        self.source = (source, 0) if source else None
        self.secure = url.scheme == "https"
        self.address = (url.hostname, url.port or (443 if self.secure else 80))
        self.tls = ssl.create_default_context() if self.secure else None
        self.timeout = timeout
        self.path = url.path
        self.cookies = {}
        common = (
            f"Host: {url.netloc}\r\nUser-Agent: registration-load/1\r\n"
            "Accept-Language: de\r\nConnection: close\r\n"
        )
        self.get_head = f"GET {url.path} HTTP/1.1\r\n{common}"
        self.post_head = (
            f"POST {url.path} HTTP/1.1\r\n{common}"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Origin: {url.scheme}://{url.netloc}\r\nReferer: {urllib.parse.urlunsplit(url)}\r\n"
        )

    def request(self, data=None):
        if data is None:
            head, body = self.get_head, b""
        else:
            body = urllib.parse.urlencode(data, quote_via=QUOTE).encode()
            head = f"{self.post_head}Content-Length: {len(body)}\r\n"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{n}={v}" for n, v in self.cookies.items()) + "\r\n"
        started = time.perf_counter()
        status, set_cookies, html = self._exchange(head.encode("latin-1") + b"\r\n" + body)
        elapsed = time.perf_counter() - started
        self.store_cookies(set_cookies)
        return status, html, elapsed

    def _exchange(self, message):
        """Send `message` on a new connection; (status, Set-Cookie values, body) of the answer."""
        with socket.create_connection(
            self.address, timeout=self.timeout, source_address=self.source
        ) as connection:
            if self.tls:
                connection = self.tls.wrap_socket(connection, server_hostname=self.address[0])
            connection.sendall(message)
            received = bytearray()
            while chunk := connection.recv(262144):
                received += chunk
        head, complete, body = bytes(received).partition(b"\r\n\r\n")
        if not complete:
            raise ConnectionError("the server closed the connection before its answer was complete")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = [line.partition(b":") for line in lines[1:]]
        fields = {name.strip().lower(): value.strip() for name, _, value in headers}
        if b"chunked" in fields.get(b"transfer-encoding", b""):
            raise NotImplementedError("chunked answers (the server sends Content-Length)")
        length = int(fields[b"content-length"]) if b"content-length" in fields else len(body)
        if len(body) < length:
            raise ConnectionError(f"answer cut short: {len(body)} of {length} bytes")
        set_cookies = [
            value.strip().decode("latin-1")
            for name, _, value in headers
            if name.strip().lower() == b"set-cookie"
        ]
        return status, set_cookies, body[:length]

    def store_cookies(self, set_cookies):
        """Keep or delete cookies as a browser would for this one host and page."""
        for line in set_cookies or ():
            pair, _, attributes = line.partition(";")
            name, has_value, value = pair.partition("=")
            name = name.strip()
            if not has_value or not name:
                continue
            options = {}
            for attribute in attributes.split(";"):
                key, _, option = attribute.partition("=")
                options[key.strip().lower()] = option.strip()
            if "secure" in options and not self.secure:
                continue  # a browser neither stores nor sends it over plain HTTP
            if not _path_matches(self.path, options.get("path") or "/"):
                continue  # a browser would keep it, but never send it to this page
            if _expired(options):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value.strip()


def _path_matches(path, cookie_path):
    """RFC 6265 path-match of the request path against a cookie's Path."""
    if not path.startswith(cookie_path):
        return False
    return (
        len(path) == len(cookie_path) or cookie_path.endswith("/") or path[len(cookie_path)] == "/"
    )


def _expired(options):
    """Max-Age (it wins over Expires) of zero or less, or an Expires date in the past."""
    if "max-age" in options:
        try:
            return int(options["max-age"]) <= 0
        except ValueError:
            pass
    if options.get("expires"):
        try:
            return email.utils.parsedate_to_datetime(options["expires"]) <= datetime.now(UTC)
        except (TypeError, ValueError):
            pass
    return False


def form_data(html, number, rng):
    choices = {}
    for name, value in RADIO.findall(html):
        choices.setdefault(name.decode(), []).append(value.decode())
    data = {
        "csrfmiddlewaretoken": CSRF.search(html).group(1).decode(),
        "form_token": FORM_TOKEN.search(html).group(1).decode(),
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


def summary(status, html):
    """What the page said when the form was refused: the error summary, as text."""
    html = html.decode(errors="replace")
    start = html.find(ERROR_SUMMARY.decode())
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
                    data = {**data, "form_token": FORM_TOKEN.search(html).group(1).decode()}
                    data["csrfmiddlewaretoken"] = CSRF.search(html).group(1).decode()
                    continue
                results.add(refused=1, refusals=summary(status, html))
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


def postgres_cpu_seconds():
    """User + system CPU time of the local PostgreSQL processes (Linux /proc; 0 if none), with
    that of the processes that ended (the postmaster's waited-for children: a connection older
    than CONN_MAX_AGE is closed and its backend's time would otherwise vanish)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name, fields = stat[stat.find("(") + 1 : stat.rfind(")")], stat.rsplit(")", 1)[1].split()
        if name == "postgres":
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def machine_busy_seconds():
    """(busy, total) CPU seconds of the whole machine so far, all cores (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / ticks, sum(values) / ticks


SERVER_ENVIRONMENT = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_COOKIES": "false",
    "REGISTRATION_RATE_LIMIT_ENABLED": "false",
    "REGISTRATION_MIN_FILL_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
}
ROOT = Path(__file__).resolve().parent.parent


def start_server(args, environment=SERVER_ENVIRONMENT):
    """Migrate, collect static files and start gunicorn; returns the process."""
    os.environ.update(environment)
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
            "-c",
            args.gunicorn_config or str(ROOT / "config" / "gunicorn.py"),
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


def print_sql_statements(gets, posts, sent_back, registered):
    """Count the statements of a registration with bench/statements.py (its own process: it
    imports this module) and print them, also weighted by this run's requests."""
    command = [sys.executable, str(ROOT / "bench" / "statements.py"), "--mix"]
    command += [str(number) for number in (gets, posts, sent_back, registered)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        print("SQL statements: not counted:", (result.stderr.strip().splitlines() or ["?"])[-1])
    else:
        print(result.stdout, end="")


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
    parser.add_argument(
        "--gunicorn-config",
        help="gunicorn configuration file for --start-server (default: config/gunicorn.py, the "
        "deployment's; --start-server's worker count wins over its own)",
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
    postgres_cpu_before = postgres_cpu_seconds()
    busy_before, total_before = machine_busy_seconds()
    client_cpu_before = time.process_time()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    server_cpu = server_cpu_seconds(args.server_pid) - server_cpu_before
    postgres_cpu = postgres_cpu_seconds() - postgres_cpu_before
    busy_after, total_after = machine_busy_seconds()
    busy_share = (busy_after - busy_before) / max(total_after - total_before, 1e-9)

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
    if postgres_cpu:
        print(
            f"CPU: PostgreSQL processes {postgres_cpu:.1f} s "
            f"({postgres_cpu * per_registration:.1f} ms per registration)"
        )
    print(f"machine CPU busy during the run: {busy_share:.0%} of {os.cpu_count()} cores")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")
    print(
        f"database: {db['registrations']} registrations, {db['holding_seat']} holding a seat "
        f"(capacity {db['capacity']}), {db['waitlisted']} on the waiting list"
    )
    print("forums (title, taken, capacity, waiting):", db["session_seats"])
    overbooked = bool(db["problems"])
    print(f"capacity exceeded: {'YES: ' + '; '.join(db['problems']) if overbooked else 'no'}")
    print_sql_statements(
        len(results.get_latencies),
        results.registered,
        results.resubmitted + results.refused,
        results.registered,
    )
    consistent = db["registrations"] == results.registered
    print(f"registrations stored = registrations answered 302: {consistent}")
    failed = overbooked or results.server_errors or results.other_errors or not consistent
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
