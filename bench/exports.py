"""Exports: time, time to first byte and memory of the attendee CSV and XLSX and of the PDFs.

What it does, all on this machine:

1. prepares a database (default: a fresh SQLite file in /tmp; or DATABASE_URL) with `migrate`
   and three conferences made with bulk_create: `bench-10k` (--rows registrations, each with a
   workshop booking and two consents), `bench-50k` (--large registrations, the same) and
   `bench-badges` (--badges registrations, for the PDFs);
2. measures every export in a fresh Python process (so that peak RSS belongs to that export),
   modules imported and fonts registered first, as in a running server:
   - time: the whole file produced and consumed (chunks counted, not stored), after one
     warm-up export of the same kind from the small conference (translations loaded,
     connection open), as in a running server; wall-clock and CPU time of the process (the
     machine has 2 cores shared with whatever else runs: CPU time is the steadier figure);
   - first byte: the first chunk of the stream (CSV: BOM + header, before any query);
     first row: the first chunk holding data rows;
   - memory: the peak of Python allocations during the export (tracemalloc, in a second run,
     since tracing slows the code down) and the growth of the process's peak RSS
     (VmHWM) over what it had before the export;
3. prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python bench/exports.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bench_exports .venv/bin/python \\
        bench/exports.py
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "sqlite:////tmp/tb-bench-exports.sqlite3"

MEASUREMENTS = {
    # name: (conference slug, what to run)
    "csv-10k": ("bench-10k", "csv"),
    "csv-semicolon-10k": ("bench-10k", "csv-semicolon"),
    "csv-50k": ("bench-50k", "csv"),
    "xlsx-10k": ("bench-10k", "xlsx"),
    "xlsx-50k": ("bench-50k", "xlsx"),
    "session-lists-xlsx-10k": ("bench-10k", "session-lists"),
    "badges-a4-300": ("bench-badges", "badges-a4"),
    "badges-a6-300": ("bench-badges", "badges-a6"),
    "sign-in-sheet-300": ("bench-badges", "sign-in"),
    "certificates-300": ("bench-badges", "certificates"),
}


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()


def prepare(rows: int, large: int, badges: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from conferences.models import Conference, Session
    from registrations.models import Consent, Registration, SessionBooking

    call_command("migrate", verbosity=0)
    starts = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(30)
    for slug, count in (("bench-10k", rows), ("bench-50k", large), ("bench-badges", badges)):
        conference = Conference.objects.filter(slug=slug).first()
        if conference and conference.registrations.count() == count:
            continue
        if conference:
            SessionBooking.objects.filter(session__conference=conference).delete()
            conference.registrations.all().delete()
            conference.delete()
        began = time.perf_counter()
        conference = Conference.objects.create(
            title=f"Benchmark {slug}",
            slug=slug,
            city="Kassel",
            venue_name="Kongress Palais Kassel",
            address="Holger-Börner-Platz 1\n34119 Kassel",
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            capacity=count,
            contact_email="tagung@example.org",
        )
        sessions = Session.objects.bulk_create(
            Session(
                conference=conference,
                title=f"Workshop {n}",
                kind=Session.Kind.WORKSHOP,
                starts_at=starts + timedelta(hours=2),
                ends_at=starts + timedelta(hours=3, minutes=30),
                room=f"Raum {n}",
                is_bookable=True,
            )
            for n in range(1, 5)
        )
        moment = timezone.now()
        names = ["Zaeri-Esfahani", "Kühne-Hörmann", "Jerenashvili", "Müller", "العلي", "Schmidt"]
        for offset in range(0, count, 5000):
            batch = Registration.objects.bulk_create(
                Registration(
                    conference=conference,
                    academic_title="Dr." if n % 7 == 0 else "",
                    first_name=f"Vorname{n}",
                    last_name=f"{names[n % len(names)]}{n}",
                    email=f"person{n}@example.org",
                    organisation=f"Landkreis {n % 40}, Fachdienst Migration",
                    position="Integrationsbeauftragte",
                    organisation_type=Registration.OrganisationType.DISTRICT,
                    region="Nordhessen",
                    diet=["", "vegetarian", "vegan", "halal"][n % 4],
                    dietary_notes="ohne Nüsse" if n % 25 == 0 else "",
                    accessibility_needs="Rollstuhlplatz" if n % 50 == 0 else "",
                    status=Registration.Status.CONFIRMED,
                    created_at=moment,
                    confirmed_at=moment,
                )
                for n in range(offset, min(offset + 5000, count))
            )
            SessionBooking.objects.bulk_create(
                SessionBooking(registration=r, session=sessions[r.pk % 4], created_at=moment)
                for r in batch
            )
            Consent.objects.bulk_create(
                Consent(registration=r, purpose=purpose, text_version="1", given_at=moment)
                for r in batch
                for purpose in (Consent.Purpose.PRIVACY, Consent.Purpose.PARTICIPANT_LIST)
            )
        print(f"  {slug}: {count} registrations in {time.perf_counter() - began:.1f} s")


def _export(kind: str, conference):
    """The export run through the registry, as the admin and the `export` command run it."""
    from exports.registry import get_exporter

    identifier, params = {
        "csv": ("attendees", {"format": "csv"}),
        "csv-semicolon": ("attendees", {"format": "csv-semicolon"}),
        "xlsx": ("attendees", {"format": "xlsx"}),
        "session-lists": ("session_lists", {"format": "xlsx"}),
        "badges-a4": ("badges", {"layout": "a4"}),
        "badges-a6": ("badges", {"layout": "a6"}),
        "sign-in": ("sign_in", {}),
        "certificates": ("certificates", {}),
    }[kind]
    return get_exporter(identifier)(conference=conference).run(params)


def _peak_rss_mb() -> float:
    """Peak resident memory of this process. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent across fork + exec, and the parent grew while it made the data."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(kind: str, conference) -> dict:
    cpu = _cpu()
    began = time.perf_counter()
    chunks = iter(_export(kind, conference))
    first = next(chunks)
    first_byte = time.perf_counter() - began
    size, first_row = len(first), None
    if first.count(b"\n") > 1 or not kind.startswith("csv"):
        first_row = first_byte
    for chunk in chunks:
        if first_row is None:
            first_row = time.perf_counter() - began
        size += len(chunk)
    return {
        "seconds": time.perf_counter() - began,
        "cpu_seconds": _cpu() - cpu,
        "first_byte": first_byte,
        "first_row": first_row,
        "bytes": size,
    }


def measure(name: str) -> dict:
    import logging

    django_setup()
    logging.getLogger("tagungsbuero.exports").setLevel(logging.WARNING)
    import reportlab.pdfgen.canvas  # noqa: F401
    import segno  # noqa: F401
    import xlsxwriter  # noqa: F401

    from conferences.models import Conference
    from exports.pdf import text

    text.fonts()
    slug, kind = MEASUREMENTS[name]
    _run(kind, Conference.objects.get(slug="bench-badges"))  # warm-up
    conference = Conference.objects.get(slug=slug)
    rows = conference.registrations.count()
    before = _peak_rss_mb()
    result = _run(kind, conference)
    after = _peak_rss_mb()
    tracemalloc.start()
    _run(kind, conference)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "name": name,
        "rows": rows,
        **result,
        "python_peak_mb": peak / 2**20,
        "rss_before_mb": before,
        "rss_peak_mb": after,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--badges", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse the SQLite file")
    parser.add_argument("--only", nargs="*", choices=sorted(MEASUREMENTS))
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DEBUG", "true")
    database = os.environ["DATABASE_URL"]
    if database == DEFAULT_DB and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(DEFAULT_DB.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    print(f"database: {database.split('@')[-1]}")
    django_setup()
    prepare(args.rows, args.large, args.badges)
    from django.db import connection

    vendor = connection.vendor
    connection.close()

    results = []
    for name in args.only or MEASUREMENTS:
        output = subprocess.run(
            [sys.executable, __file__, "--measure", name],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        r = results[-1]
        print(f"  {name}: {r['seconds']:.2f} s", flush=True)

    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (1 min)")
    print(f"\n| export ({vendor}) | rows | size | time | CPU | first byte | first row |", end="")
    print(" Python peak (tracemalloc) | peak RSS of the process (before) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        first_row = f"{r['first_row'] * 1000:.0f} ms" if r["first_row"] is not None else "–"
        print(
            f"| {r['name']} | {r['rows']:,} | {r['bytes'] / 2**20:.1f} MB | {r['seconds']:.2f} s"
            f" | {r['cpu_seconds']:.2f} s | {r['first_byte'] * 1000:.1f} ms | {first_row}"
            f" | {r['python_peak_mb']:.1f} MB"
            f" | {r['rss_peak_mb']:.0f} MB ({r['rss_before_mb']:.0f} MB) |"
        )


if __name__ == "__main__":
    main()
