"""Check-in at the door under load: the time to answer a scan while 4 devices scan and
registrations come in.

What it does, all on this machine:

1. starts gunicorn (`--start-server WORKERS`, the deployment's config/gunicorn.py) on the
   database of DATABASE_URL after `migrate` and `collectstatic`;
2. creates a conference `bench-door-<time>` (capacity 5,000) with --people confirmed registrations
   and a check-in staff user (role "Einlass"), logged in once;
3. runs --devices threads, each a device scanning --per-device codes one after another over HTTP
   (the page's own endpoint, POST /einlass/<slug>/scan/, one connection per request), the
   devices' lists overlapping so that every person is scanned twice (the second answer is
   "already checked in"); meanwhile one thread registers people through
   `registrations.services.register_participant` (as the admin's "Person anmelden" does) as
   fast as it can (or at --registrations-per-second) on the same database;
4. prints the answer times (p50/p95/p99/max), the outcomes and the registrations made, and
   checks that everyone scanned is checked in exactly once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bench_checkin \\
        .venv/bin/python bench/checkin_scan.py --start-server 2 --url http://127.0.0.1:8615
"""

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from registration_load import SERVER_ENVIRONMENT, percentile, start_server  # noqa: E402


def prepare(people: int):
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from checkin.codes import checkin_code_for
    from checkin.models import DoorStaff
    from conferences.models import Conference
    from registrations.models import Registration

    now = timezone.now()
    slug = f"bench-door-{int(time.time())}"  # a new conference per run
    conference = Conference.objects.create(
        title="Bench Einlass",
        slug=slug,
        city="Kassel",
        venue_name="Halle",
        starts_at=now,
        ends_at=now + timedelta(hours=8),
        capacity=5000,
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now + timedelta(hours=8),
        status=Conference.Status.PUBLISHED,
        contact_email="bench@example.org",
    )
    Registration.objects.bulk_create(
        Registration(
            conference=conference,
            first_name=f"Vorname{n}",
            last_name=f"Nachname{n}",
            email=f"door{n}@example.org",
            organisation="Stadt Kassel",
            status=Registration.Status.CONFIRMED,
        )
        for n in range(people)
    )
    conference.seats_taken = people
    conference.save(update_fields=["seats_taken"])
    user, _ = get_user_model().objects.get_or_create(username="bench-door")
    DoorStaff.objects.get_or_create(conference=conference, user=user)
    client = Client()
    client.force_login(user)
    codes = [checkin_code_for(r) for r in Registration.objects.filter(conference=conference)]
    return conference, client.cookies["sessionid"].value, codes


def scan(url: str, session_id: str, code: str) -> tuple[float, str]:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"code": code}).encode(),
        headers={
            "Cookie": f"sessionid={session_id}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": url,
            "Connection": "close",
        },
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            outcome = json.loads(response.read())["outcome"]
    except Exception as error:  # counted, never hidden
        outcome = f"error {type(error).__name__}"
    return time.perf_counter() - start, outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8615")
    parser.add_argument("--start-server", type=int, default=2, metavar="WORKERS")
    parser.add_argument("--gunicorn-config")
    parser.add_argument("--people", type=int, default=1200)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--per-device", type=int, default=300)
    parser.add_argument(
        "--registrations-per-second",
        type=float,
        default=0,
        help="pace of the registering thread (0: as fast as it can)",
    )
    args = parser.parse_args()

    server = start_server(args, SERVER_ENVIRONMENT)
    try:
        conference, session_id, codes = prepare(args.people)
        url = f"{args.url}/einlass/{conference.slug}/scan/"
        times, outcomes = [], Counter()
        lock = threading.Lock()
        done = threading.Event()
        registered = Counter()
        step = len(codes) // args.devices

        def device(index):
            mine = [codes[(index * step // 2 + n) % len(codes)] for n in range(args.per_device)]
            for code in mine:
                elapsed, outcome = scan(url, session_id, code)
                with lock:
                    times.append(elapsed)
                    outcomes[outcome] += 1

        def registrar():
            from django.db import connection

            from registrations import services

            n = 0
            pause = 1 / args.registrations_per_second if args.registrations_per_second else 0
            while not done.is_set():
                n += 1
                if pause:
                    time.sleep(pause)
                try:
                    services.register_participant(
                        conference=conference,
                        participant={
                            "first_name": "Neu",
                            "last_name": f"Anmeldung{n}",
                            "email": f"new{n}-{secrets.token_hex(3)}@example.org",
                            "organisation": "Verein",
                            "organisation_type": "other",
                        },
                        session_ids=[],
                        consents=["privacy"],
                        language="de",
                        by_organiser=True,
                        address_confirmed=True,
                    )
                    registered["ok"] += 1
                except Exception as error:
                    registered[type(error).__name__] += 1
            connection.close()

        background = threading.Thread(target=registrar)
        background.start()
        started = time.perf_counter()
        devices = [threading.Thread(target=device, args=(i,)) for i in range(args.devices)]
        for thread in devices:
            thread.start()
        for thread in devices:
            thread.join()
        wall = time.perf_counter() - started
        done.set()
        background.join()

        from registrations.models import Registration

        checked = Registration.objects.filter(
            conference=conference, checked_in_at__isnull=False
        ).count()
        ms = sorted(t * 1000 for t in times)
        print(
            f"scans: {len(ms)} in {wall:.1f} s ({len(ms) / wall:.0f}/s), outcomes {dict(outcomes)}"
        )
        print(f"registrations meanwhile: {dict(registered)}")
        print(f"people checked in: {checked} (distinct codes scanned: see outcomes 'ok')")
        print("| scans | p50 | p95 | p99 | max |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        print(
            f"| {len(ms)} | {percentile(ms, 0.5):.0f} ms | {percentile(ms, 0.95):.0f} ms | "
            f"{percentile(ms, 0.99):.0f} ms | {ms[-1]:.0f} ms |"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
