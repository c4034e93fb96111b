"""Opening of registration: people arrive over a minute, fill in the form for a while, send it.

An open loop, unlike `registration_load.py` (a fixed number of browsers, each sending its next
request when the last was answered): N people arrive within a window of T seconds, at times
drawn independently and uniformly from the window (a Poisson process conditioned on N arrivals
in T), whatever the server does. Each person has its own cookies (the load benchmark's `Client`)
and its own loopback address (127.0.0.2, 127.0.0.3, ...: the client socket is bound to it before
it connects, so the server's REMOTE_ADDR and its per-address rate limit see different people).
A person GETs the registration page on arrival, takes a fill time drawn uniformly from
`--fill` (default 20 to 90 s), and POSTs the form (CSRF token, form token, forum choices,
Origin, Referer). When the form comes back ("filled while you were typing"), the person reads it
for `--reread` seconds and sends it once more (`--resubmits`); a second refusal is the outcome.

The waits are entries in a heap of due times: one dispatcher thread hands each due request to a
thread pool, so a slow answer delays no arrival and up to N people can be "filling in" without a
thread each. Threads are started as needed (up to `--threads`); a request's latency counts from
when it was due, so a load generator that falls behind cannot hide a slow server, and how late
requests started is reported too ("start lag": if it grows, the load generator fell behind).

The server keeps its abuse protection: rate limits (30 POSTs per 10 minutes per address, 5 per
hour per e-mail address) and the minimum fill time (3 s). With `--start-server WORKERS`, gunicorn
runs as in `registration_load.py` but without lifting them. After the run, one address POSTs an
invalid form more often than the per-address limit allows, to show that the limiter is on and
counts by the address it sees.

Report: count, p50, p95, p99 and max latency per request type; 5xx answers, 429 answers and
connection errors; every person's outcome (seat, waiting list, refused with the reason), which
must add up to N and match the database; the load benchmark's capacity checks (stored counters
equal a recount, nothing over capacity); server CPU and SQL statements per registration.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bench_opening \\
        .venv/bin/python bench/registration_opening.py --start-server 2 --url http://127.0.0.1:8411
"""

import argparse
import heapq
import ipaddress
import itertools
import os
import random
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import registration_load as load  # beside this script (the script's directory is on sys.path)

GOAL_P99_SECONDS = 0.3
REGISTERED = "answered 302"
# Left at the server's defaults in this mode (registration_load.py lifts them).
ABUSE_PROTECTION = ("REGISTRATION_RATE_LIMIT_ENABLED", "REGISTRATION_MIN_FILL_SECONDS")
SERVER_ENVIRONMENT = {
    name: value for name, value in load.SERVER_ENVIRONMENT.items() if name not in ABUSE_PROTECTION
}
# 127.0.0.0 is the network's, 127.0.0.1 the server's and the probe's, 127.255.255.255 broadcast.
FIRST_HOST = 2
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def arrival_schedule(people, window, rng):
    """`people` arrival times in seconds after the start, sorted, each in [0, window).

    Drawn independently of each other and of the server's answers (an open loop); N independent
    uniform times are a Poisson process conditioned on N arrivals in the window."""
    return sorted(rng.random() * window for _ in range(people))


# One address each for at most this many people.
MAX_PEOPLE = LOOPBACK.num_addresses - FIRST_HOST - 1


def source_address(index):
    """The loopback address of person `index` (from 0): 127.0.0.2 on, never the network
    address, 127.0.0.1 or the broadcast address."""
    if not 0 <= index < MAX_PEOPLE:
        raise ValueError(f"at most {MAX_PEOPLE} people, one loopback address each")
    return str(LOOPBACK.network_address + FIRST_HOST + index)


def source_addresses(count):
    """Distinct loopback addresses for `count` people."""
    if count > MAX_PEOPLE:
        raise ValueError(f"at most {MAX_PEOPLE} people, one loopback address each")
    return [source_address(i) for i in range(count)]


def parse_range(text):
    """'20:90' -> (20.0, 90.0) seconds; '30' -> (30.0, 30.0)."""
    low, _, high = text.partition(":")
    low, high = float(low), float(high or low)
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"not a range of seconds: {text!r}")
    return low, high


def latency_summary(values):
    """count, p50, p95, p99 and max of the latencies (seconds)."""
    summary = {"count": len(values)}
    for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        summary[name] = load.percentile(values, fraction)
    summary["max"] = max(values) if values else float("nan")
    return summary


def account(answers, stored, people, seat_statuses=("pending", "confirmed")):
    """Every person's outcome, and what does not add up.

    `answers`: e-mail address -> what the person's last answer said (REGISTERED for a 302);
    `stored`: e-mail address -> status of the stored registration. Returns (outcomes, problems):
    a person answered 302 has a seat or is on the waiting list as stored; everyone else has the
    outcome of their answer and nothing stored; the outcomes add up to `people`."""
    outcomes, problems = Counter(), []
    for email, answer in answers.items():
        status = stored.get(email)
        if answer != REGISTERED:
            outcomes[answer] += 1
            if status is not None:
                problems.append(f"{email}: stored as {status}, but answered {answer!r}")
        elif status is None:
            outcomes["answered 302, nothing stored"] += 1
            problems.append(f"{email}: answered 302, nothing stored")
        elif status in seat_statuses:
            outcomes["registered with a seat"] += 1
        elif status == "waitlisted":
            outcomes["on the waiting list"] += 1
        else:
            outcomes[f"answered 302, stored as {status}"] += 1
    if outcomes["no outcome"]:
        problems.append(f"{outcomes['no outcome']} people without an outcome")
    strangers = sorted(set(stored) - set(answers))
    if strangers:
        problems.append(f"{len(strangers)} stored registrations no person made: {strangers[:3]}")
    if sum(outcomes.values()) != people:
        problems.append(f"{sum(outcomes.values())} outcomes for {people} people")
    return outcomes, problems


@dataclass
class Person:
    number: int
    email_number: str
    address: str
    arrives: float
    fill: float
    reread: float
    client: object = None
    data: dict = None
    posts: int = 0
    outcome: str = None


class Scheduler:
    """Steps due at given times (time.perf_counter()), run by a thread pool.

    A step may schedule the next one (`at`) before it returns; `run` returns when nothing is
    due or running any more."""

    def __init__(self, threads):
        self.heap, self.order = [], itertools.count()
        self.condition = threading.Condition()
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="person")
        self.pending = 0  # scheduled or running
        self.lags, self.failures = [], []
        self.current = threading.local()  # .lag: how late the running step started

    def at(self, due, step, *args):
        with self.condition:
            heapq.heappush(self.heap, (due, next(self.order), step, args))
            self.pending += 1
            self.condition.notify()

    def run(self):
        while True:
            with self.condition:
                while True:
                    if not self.pending:
                        self.pool.shutdown()
                        return
                    now = time.perf_counter()
                    if self.heap and self.heap[0][0] <= now:
                        break
                    self.condition.wait(self.heap[0][0] - now if self.heap else None)
                due, _, step, args = heapq.heappop(self.heap)
            self.pool.submit(self._call, due, step, args)

    def _call(self, due, step, args):
        self.current.lag = time.perf_counter() - due
        self.lags.append(self.current.lag)
        try:
            step(*args)
        except Exception as error:  # a bug in the load generator: report it, keep going
            self.failures.append(f"{type(error).__name__}: {error}")
        finally:
            with self.condition:
                self.pending -= 1
                self.condition.notify()


class Opening:
    """The people of one run, their requests and what was answered."""

    def __init__(self, args, path, scheduler):
        self.args, self.path, self.scheduler = args, path, scheduler
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # request type -> seconds
        self.statuses = Counter()  # (request type, status or error)
        self.connection_errors = []
        self.sent_back = 0
        self.arrived = self.finished = self.in_flight = self.peak_in_flight = 0

    def _request(self, kind, person, data=None):
        """(status, html), or None after a connection error (then the person's outcome).

        The latency counts from when the request was due, not from when a thread of the pool
        was free to send it: a load generator that falls behind must not hide a slow server."""
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            status, html, elapsed = person.client.request(data)
        except (OSError, ConnectionError) as error:
            with self.lock:
                self.statuses[kind, "connection error"] += 1
                self.connection_errors.append(f"{type(error).__name__}: {error}")
            self._finish(person, f"connection error ({kind})")
            return None
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.latencies[kind].append(self.scheduler.current.lag + elapsed)
            self.statuses[kind, status] += 1
        return status, html

    def _finish(self, person, outcome):
        person.outcome = outcome
        with self.lock:
            self.finished += 1

    def _failed(self, person, status, html):
        """The outcome of a refused request: its kind, or the reason the page gave."""
        if status == 429:
            return "rate limited (429)"
        if status >= 500:
            return "server error (5xx)"
        return "refused: " + load.summary(status, html)

    def arrive(self, person):
        with self.lock:
            self.arrived += 1
        person.client = load.Client(self.args.url, self.path, source=person.address)
        answer = self._request("GET page", person)
        if answer is None:
            return
        status, html = answer
        if status != 200 or not load.FORM_TOKEN.search(html):
            return self._finish(person, self._failed(person, status, html))
        person.data = load.form_data(html, person.email_number, random.Random(person.number))
        self.scheduler.at(time.perf_counter() + person.fill, self.send, person)

    def send(self, person):
        person.posts += 1
        kind = "POST form" if person.posts == 1 else "POST again"
        answer = self._request(kind, person, person.data)
        if answer is None:
            return
        status, html = answer
        if status == 302:
            return self._finish(person, REGISTERED)
        if status == 200 and load.ERROR_SUMMARY in html:
            with self.lock:
                self.sent_back += 1
            if person.posts <= self.args.resubmits:
                # "Filled while you were typing": read the message, send the form once more.
                person.data = {
                    **person.data,
                    "form_token": load.FORM_TOKEN.search(html).group(1).decode(),
                    "csrfmiddlewaretoken": load.CSRF.search(html).group(1).decode(),
                }
                self.scheduler.at(time.perf_counter() + person.reread, self.send, person)
                return
        self._finish(person, self._failed(person, status, html))


def make_people(args, tag):
    rng = random.Random(args.seed)
    arrivals = arrival_schedule(args.people, args.window, rng)
    addresses = source_addresses(args.people)
    return [
        Person(
            number=i,
            email_number=f"{tag}-{i}",  # one address per person and run (5/h per e-mail address)
            address=addresses[i],
            arrives=arrivals[i],
            fill=rng.uniform(*args.fill),
            reread=rng.uniform(*args.reread),
        )
        for i in range(args.people)
    ]


def report_progress(opening, started, stop, load_averages):
    while not stop.wait(10):
        load_averages.append(os.getloadavg()[0])
        with opening.lock:
            arrived, finished, flying = opening.arrived, opening.finished, opening.in_flight
        print(
            f"  {time.perf_counter() - started:5.0f} s: {arrived} arrived, "
            f"{arrived - finished} filling in or sending, {flying} requests in flight, "
            f"{finished} done, load average {load_averages[-1]:.2f}",
            flush=True,
        )


def probe_rate_limit(args, path, posts):
    """POST an invalid form `posts` times from 127.0.0.1: the statuses answered."""
    client = load.Client(args.url, path, source="127.0.0.1")
    _status, html, _elapsed = client.request()
    data = {**load.form_data(html, "probe", random.Random(0)), "email": ""}  # nothing stored
    return Counter(client.request(data)[0] for _ in range(posts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8411")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60, help="seconds in which people arrive")
    parser.add_argument(
        "--fill", type=parse_range, default=(20.0, 90.0), help="seconds to fill in, LOW:HIGH"
    )
    parser.add_argument(
        "--reread",
        type=parse_range,
        default=(5.0, 15.0),
        help="seconds to read a form sent back before sending it again, LOW:HIGH",
    )
    parser.add_argument(
        "--resubmits",
        type=int,
        default=1,
        help="times a person sends a form sent back once more; refused after that",
    )
    parser.add_argument("--capacity", type=int, default=300, help="conference seats")
    parser.add_argument("--session-capacity", type=int, default=60, help="seats per forum")
    parser.add_argument(
        "--threads",
        type=int,
        default=1000,
        help="requests in flight at most (threads are started as needed; a slow server must "
        "not make people wait for a free thread)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    parser.add_argument("--server-pid", type=int, help="gunicorn master, for its workers' CPU")
    parser.add_argument("--start-server", type=int, metavar="WORKERS")
    parser.add_argument("--gunicorn-config", help="as in registration_load.py")
    parser.add_argument(
        "--probe-posts",
        type=int,
        help="POSTs from one address after the run (default: the per-address limit times the "
        "workers (4 without --start-server), plus 10: without a shared cache (Redis) each "
        "process counts for itself, so at least 10 of them are answered 429)",
    )
    args = parser.parse_args()
    server = None
    if args.start_server:
        for name in ABUSE_PROTECTION:
            os.environ.pop(name, None)
        server = load.start_server(args, SERVER_ENVIRONMENT)
        args.server_pid = server.pid
    try:
        return run(args)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run(args):
    conference = load.setup_conference(args)
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from registrations.models import Registration

    if not settings.RATELIMIT_ENABLE or not settings.REGISTRATION_MIN_FILL_SECONDS:
        raise SystemExit("This mode keeps the rate limits and the minimum fill time on.")
    print(
        f"abuse protection (this environment): rate limit {settings.REGISTRATION_RATE_LIMIT_IP} "
        f"per address, {settings.REGISTRATION_RATE_LIMIT_EMAIL} per e-mail address, minimum "
        f"fill time {settings.REGISTRATION_MIN_FILL_SECONDS} s"
    )
    connection.close()
    path = reverse("registrations:register", kwargs={"slug": conference.slug})
    people = make_people(args, conference.slug.rsplit("-", 1)[-1])
    scheduler = Scheduler(args.threads)
    opening = Opening(args, path, scheduler)
    load_averages = [os.getloadavg()[0]]
    print(
        f"{args.people} people over {args.window:.0f} s, filling in {args.fill[0]:.0f} to "
        f"{args.fill[1]:.0f} s; load average before: {load_averages[0]:.2f}",
        flush=True,
    )
    server_cpu_before = load.server_cpu_seconds(args.server_pid)
    postgres_cpu_before = load.postgres_cpu_seconds()
    busy_before, total_before = load.machine_busy_seconds()
    client_cpu_before = time.process_time()
    started = time.perf_counter()
    for person in people:
        scheduler.at(started + person.arrives, opening.arrive, person)
    stop = threading.Event()
    progress = threading.Thread(
        target=report_progress, args=(opening, started, stop, load_averages), daemon=True
    )
    progress.start()
    scheduler.run()
    stop.set()
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    server_cpu = load.server_cpu_seconds(args.server_pid) - server_cpu_before
    postgres_cpu = load.postgres_cpu_seconds() - postgres_cpu_before
    busy_after, total_after = load.machine_busy_seconds()
    load_averages.append(os.getloadavg()[0])
    measured = {
        "wall": wall,
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
        "postgres_cpu": postgres_cpu,
        "busy_share": (busy_after - busy_before) / max(total_after - total_before, 1e-9),
        "load_averages": load_averages,
    }

    db = load.check_database(conference)
    stored = dict(Registration.objects.filter(conference=conference).values_list("email", "status"))
    answers = {f"bench-{p.email_number}@example.org": p.outcome or "no outcome" for p in people}
    outcomes, problems = account(answers, stored, args.people, tuple(Registration.SEAT_HOLDING))
    limit = int(settings.REGISTRATION_RATE_LIMIT_IP.split("/")[0])
    probe_posts = args.probe_posts or limit * (args.start_server or 4) + 10
    probe = probe_rate_limit(args, path, probe_posts)
    registered = sum(1 for person in people if person.outcome == REGISTERED)
    return print_report(
        args, opening, scheduler, conference, db, registered, outcomes, problems, probe, measured
    )


def print_report(
    args, opening, scheduler, conference, db, registered, outcomes, problems, probe, run
):
    ms = 1000
    wall = run["wall"]
    print(f"database: {db['vendor']}, conference {conference.slug}")
    print(
        f"people: {args.people} over {args.window:.0f} s (uniform arrival times), filling in "
        f"{args.fill[0]:.0f} to {args.fill[1]:.0f} s, capacity {args.capacity}, forum capacity "
        f"{args.session_capacity}; wall time {wall:.1f} s"
    )
    worst_p99 = 0.0
    for kind in ("GET page", "POST form", "POST again"):
        values = opening.latencies.get(kind, [])
        if not values:
            continue
        s = latency_summary(values)
        worst_p99 = max(worst_p99, s["p99"])
        print(
            f"latency {kind}: {s['count']} requests, p50 {s['p50'] * ms:.0f} ms, p95 "
            f"{s['p95'] * ms:.0f} ms, p99 {s['p99'] * ms:.0f} ms, max {s['max'] * ms:.0f} ms"
        )
    lag = latency_summary(scheduler.lags)
    print(
        f"start lag of the load generator (included in the latencies): p99 "
        f"{lag['p99'] * ms:.1f} ms, max {lag['max'] * ms:.1f} ms; requests in flight at most: "
        f"{opening.peak_in_flight}"
    )
    statuses = Counter()
    for (_kind, status), count in opening.statuses.items():
        statuses[status] += count
    server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    print(
        "answers:",
        ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=str)),
    )
    print(
        f"errors: 5xx {server_errors}, 429 {statuses[429]}, connection errors "
        f"{statuses['connection error']} {opening.connection_errors[:3]}"
    )
    if scheduler.failures:
        print(f"load generator failures: {len(scheduler.failures)} {scheduler.failures[:3]}")
    print(f"registrations (302): {registered}; forms sent back: {opening.sent_back}")
    print(f"outcomes of the {args.people} people:")
    for outcome, count in outcomes.most_common():
        print(f"  {count:5d}  {outcome}")
    print(
        f"database: {db['registrations']} registrations, {db['holding_seat']} holding a seat "
        f"(capacity {db['capacity']}), {db['waitlisted']} on the waiting list"
    )
    print("forums (title, taken, capacity, waiting):", db["session_seats"])
    overbooked = bool(db["problems"])
    print(f"capacity exceeded: {'YES: ' + '; '.join(db['problems']) if overbooked else 'no'}")
    print(f"accounting: {'; '.join(problems[:5]) if problems else 'every person accounted for'}")
    print(
        f"rate limit check: {sum(probe.values())} POSTs from 127.0.0.1 answered "
        f"{dict(sorted(probe.items()))}; the {args.people} people, one address each: "
        f"{statuses[429]} answered 429"
    )
    per_registration = 1000 / max(registered, 1)
    if args.server_pid:
        print(
            f"CPU: server workers {run['server_cpu']:.1f} s "
            f"({run['server_cpu'] * per_registration:.1f} ms per registration), "
            f"load generator {run['client_cpu']:.1f} s"
        )
    if db["vendor"] == "postgresql":
        print(
            f"CPU: all PostgreSQL processes of the machine {run['postgres_cpu']:.1f} s "
            f"({run['postgres_cpu'] * per_registration:.1f} ms per registration)"
        )
    averages = run["load_averages"]
    print(
        f"machine CPU busy during the run: {run['busy_share']:.0%} of {os.cpu_count()} cores; "
        f"load average before {averages[0]:.2f}, highest {max(averages):.2f}, "
        f"after {averages[-1]:.2f}"
    )
    load.print_sql_statements(
        len(opening.latencies["GET page"]), registered, opening.sent_back, registered
    )
    errors = server_errors + statuses[429] + statuses["connection error"] + len(scheduler.failures)
    failed = bool(errors or overbooked or problems)
    met = worst_p99 < GOAL_P99_SECONDS and not failed
    print(
        f"goal (p99 < {GOAL_P99_SECONDS * ms:.0f} ms for every request, zero errors, zero "
        f"overbooking, every registration accounted for): {'met' if met else 'NOT met'} "
        f"(worst p99 {worst_p99 * ms:.0f} ms, {errors} errors)"
    )
    return 1 if failed else 0  # as registration_load.py: latency alone is no failure


if __name__ == "__main__":
    sys.exit(main())
