"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
live server.

Fixtures for any flow:

- `browser`: one Chromium per test session. Without Chromium the tests are skipped with the
  reason, except under CI=true, where a missing browser is a failure.
- `page`: a fresh browser context per test (German locale, Europe/Berlin), opened on the live
  server; every request it makes is recorded by `same_origin`.
- `same_origin`: the recorder. Requests to any other origin than the live server are blocked
  and fail the test (`same_origin.assert_clean()` checks at any moment, and teardown checks
  again).
- `axe_check(page)`: runs axe-core (bundled with axe-playwright-python, offline) with the WCAG
  2.0/2.1 A and AA rules and fails with a readable report unless there are zero violations.
- `login(page, user)`: the page's context is logged in as `user` (no login form involved).

Mark browser tests with `@pytest.mark.browser`.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would refuse database
# access from the test code (factories) there without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEFAULT_TIMEOUT_MS = 15_000


def _browser_unavailable():
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (install it: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_unavailable()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests cannot run under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RequestRecorder:
    """Every request of a browser context; those to another origin are blocked and reported."""

    def __init__(self, allowed_origin):
        self.allowed_origin = _origin(allowed_origin)
        self.requests = []

    def record(self, request):
        self.requests.append(request.url)

    def route(self, route):
        if self._is_foreign(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _is_foreign(self, url):
        scheme = urlsplit(url).scheme
        return scheme not in ("data", "blob", "about") and _origin(url) != self.allowed_origin

    @property
    def foreign(self):
        return [url for url in self.requests if self._is_foreign(url)]

    def assert_clean(self):
        foreign = self.foreign
        if foreign:
            pytest.fail(
                f"{len(foreign)} request(s) to other origins than {self.allowed_origin}:\n  "
                + "\n  ".join(foreign),
                pytrace=False,
            )


@pytest.fixture
def same_origin(live_server):
    return RequestRecorder(live_server.url)


@pytest.fixture
def page(browser, live_server, same_origin):
    context = browser.new_context(
        base_url=live_server.url,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 800},
    )
    context.on("request", same_origin.record)
    context.route("**/*", same_origin.route)
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield page
    context.close()
    same_origin.assert_clean()


def run_axe(page, context=None):
    """Zero WCAG 2.0/2.1 A and AA violations on the page (or within `context`, a selector)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    if results.violations_count:
        pytest.fail(
            f"axe-core found {results.violations_count} WCAG 2.1 A/AA violation(s) on "
            f"{page.url}:\n{results.generate_report()}",
            pytrace=False,
        )


@pytest.fixture
def axe_check():
    return run_axe


@pytest.fixture
def login(live_server):
    """`login(page, user)`: a session for `user`, set as a cookie in the page's context."""
    from django.conf import settings
    from django.test import Client

    def _login(page, user):
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    return _login
