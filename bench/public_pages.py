"""Public pages: bytes transferred on a first visit, and server time.

What it does, all on this machine:

1. prepares a database (default: a fresh SQLite file) with `migrate` and the demo data of
   `manage.py seed` (factory data when the seed is not available);
2. runs `collectstatic` with DEBUG=false, so whitenoise serves hashed, pre-compressed
   (Brotli/gzip) assets as in production;
3. starts gunicorn with DEBUG=false on 127.0.0.1 (one worker, one thread);
4. first load: fetches the conference page and the programme page of the seeded conference with
   the largest programme like a browser with an empty cache (Accept-Encoding: br, gzip), then
   every stylesheet, script and image the HTML references, and adds up the bytes on the wire
   (headers + bodies). Django sends HTML uncompressed; the reverse proxy in front compresses it,
   so the total is given with the HTML gzip-compressed (level 6) as well;
5. server time: the median (and 90th percentile) of N sequential requests per page after a
   warm-up, measured at the client over loopback.

    .venv/bin/python bench/public_pages.py                     # SQLite in /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bench_public .venv/bin/python \\
        bench/public_pages.py --requests 200
"""

import argparse
import gzip
import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class AssetParser(HTMLParser):
    """URLs a browser fetches on first load: stylesheets (any media), scripts, images, icons."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        if tag == "link" and ({"stylesheet", "icon", "preload"} & set(rel)) and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])


def fetch(base, path):
    """(status, header bytes, body bytes on the wire, content-encoding, body)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(
        "GET", path, headers={"Accept-Encoding": "br, gzip", "Accept": "*/*", "Host": parts.netloc}
    )
    response = connection.getresponse()
    body = response.read()
    header_bytes = sum(len(f"{k}: {v}\r\n") for k, v in response.getheaders()) + 17
    encoding = response.getheader("Content-Encoding", "")
    connection.close()
    return response.status, header_bytes, len(body), encoding, body


def first_load(base, path):
    status, header_bytes, body_bytes, _encoding, body = fetch(base, path)
    assert status == 200, (path, status)
    html = body.decode()
    parser = AssetParser()
    parser.feed(html)
    rows = [(path, "html", header_bytes + body_bytes, len(body))]
    html_gzip = header_bytes + len(gzip.compress(body, compresslevel=6))
    for url in dict.fromkeys(parser.urls):
        asset = urlsplit(urljoin(base + path, url))
        if f"{asset.scheme}://{asset.netloc}" != base:
            raise SystemExit(f"{path} references another origin: {url}")
        a_status, a_headers, a_body, a_encoding, _raw = fetch(base, asset.path)
        assert a_status == 200, (asset.path, a_status)
        rows.append((asset.path, a_encoding or "identity", a_headers + a_body, a_body))
    assets = sum(row[2] for row in rows[1:])
    return {
        "rows": rows,
        "total": rows[0][2] + assets,
        "total_html_gzip": html_gzip + assets,
        "html_raw": len(body),
    }


def server_times(base, path, requests):
    for _ in range(5):
        fetch(base, path)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        status, *_rest = fetch(base, path)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.9) - 1]


def prepare_database(env):
    def manage(*args, check=True):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=check,
            capture_output=True,
            text=True,
        )

    manage("migrate", "--noinput")
    seeded = manage("seed", check=False)
    source = "manage.py seed"
    if seeded.returncode != 0 or "Nothing to seed" in seeded.stdout:
        manage("shell", "-c", FACTORY_DATA)
        source = "factories (60 sessions, 80 speakers, 30 exhibitors)"
    manage("collectstatic", "--noinput", "--clear")
    slug = (
        manage(
            "shell",
            "-c",
            "from django.db.models import Count; from conferences.models import Conference; "
            "print(Conference.objects.published().annotate(n=Count('sessions'))"
            ".order_by('-n', 'starts_at').values_list('slug', flat=True).first())",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return slug, source


FACTORY_DATA = """
from datetime import timedelta
from tests.factories import (
    ConferenceFactory, ExhibitorFactory, SessionFactory, SessionSpeakerFactory, SpeakerFactory,
)
c = ConferenceFactory(slug="bench")
c.ends_at = c.starts_at + timedelta(days=1, hours=9)
c.save()
sessions = []
for i in range(60):
    start = c.starts_at + timedelta(days=i % 2, hours=(i // 8) % 8)
    sessions.append(SessionFactory(conference=c, starts_at=start,
                                   ends_at=start + timedelta(minutes=60), room=f"Raum {i % 4 + 1}"))
for i, person in enumerate(SpeakerFactory.create_batch(80)):
    SessionSpeakerFactory(session=sessions[i % 60], speaker=person)
for i in range(30):
    ExhibitorFactory(conference=c, stand=f"A{i + 1}")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8203)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "sqlite:////tmp/tb-bench-public.sqlite3")
    if env["DATABASE_URL"] == "sqlite:////tmp/tb-bench-public.sqlite3":
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/tb-bench-public.sqlite3{suffix}").unlink(missing_ok=True)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    slug, source = prepare_database(env)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                fetch(base, "/")
                break
            except OSError:
                time.sleep(0.1)
        pages = {
            "Konferenzseite": f"/konferenz/{slug}/",
            "Programm": f"/konferenz/{slug}/programm/",
        }
        print(f"data: {source}; conference: {slug}; database: {env['DATABASE_URL']}")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
        print("| page | HTML (raw) | first load as served | first load, HTML gzip | "
              f"median server time | p90 ({args.requests} requests) |")  # fmt: skip
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        details = []
        for name, path in pages.items():
            load = first_load(base, path)
            median, p90 = server_times(base, path, args.requests)
            print(
                f"| {name} `{path}` | {load['html_raw'] / 1024:.1f} KB "
                f"| {load['total'] / 1024:.1f} KB | {load['total_html_gzip'] / 1024:.1f} KB "
                f"| {median:.1f} ms | {p90:.1f} ms |"
            )
            details.append((name, load["rows"]))
        for name, rows in details:
            print(f"\n{name}: bytes on the wire per request (headers + body)")
            for path, encoding, wire, body in rows:
                path = re.sub(r"\.[0-9a-f]{12}\.", ".<hash>.", path)
                print(f"  {path:<55} {encoding:<8} {wire:>8} B  (body {body} B)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
