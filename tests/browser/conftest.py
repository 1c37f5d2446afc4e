"""Playwright on the system Chromium, against Karma on a live test server.

Every page a test loads must be scanned with `scan(page)` (axe-core, no
serious or critical violation) and must log no console error, which is how
Chromium reports Content-Security-Policy violations; a test that forgets
either fails at teardown.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path(os.environ.get("KARMA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}
# Waits stay short: every page is served by a server on loopback.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

_axe = Axe()


class _SharedConnectionServer(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads
    share the tests' in-memory SQLite connection.

    Every thread then runs its queries and transactions on that one
    connection, so a page load that overlaps the player's background
    events fails with "database table is locked" or mixes the two
    transactions. A file database (WAL, busy timeout) and PostgreSQL give
    each thread its own connection and keep answering in parallel.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, connections_override=connections_override, **kwargs)
        self._one_at_a_time = threading.Lock() if connections_override else None

    def set_app(self, application):
        if self._one_at_a_time is None:
            return super().set_app(application)
        lock = self._one_at_a_time

        def serialised(environ, start_response):
            with lock:
                return application(environ, start_response)

        return super().set_app(serialised)


LiveServerThread.server_class = _SharedConnectionServer


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all browser tests; missing Chromium skips them.

    With KARMA_REQUIRE_BROWSER=1 (CI) a missing Chromium fails instead.
    """
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("KARMA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KARMA_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)

    # Playwright's sync API keeps its asyncio loop registered as the running
    # loop of this thread between calls, so Django takes the tests' plain
    # ORM calls for calls from async code and refuses them. Nothing here is
    # async, and the live server answers from its own thread; the flag lives
    # exactly as long as Playwright does, so other tests keep the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started once the test database exists.

    On in-memory SQLite the server's threads must be handed the tests'
    connection; started before the test database, they open connections
    of their own to the shared in-memory database, whose table locks fail
    at once ("database table is locked") instead of waiting.
    """
    return live_server


@pytest.fixture
def site(live_server, transactional_db, settings, smtp_settings, mailbox):
    """Karma on the live server, mailing through the loopback SMTP server.

    Links in emails are built from SITE_URL, so it must name the live server.
    """
    settings.SITE_URL = live_server.url
    # Login throttling counts in the cache; each test starts with none.
    cache.clear()
    return live_server.url


@dataclass
class PageWatch:
    """What a page did that a test must account for."""

    loaded: set[str] = field(default_factory=set)
    scanned: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def on_load(self, page) -> None:
        self.loaded.add(page.url)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        # A page answered with an error status (a 404 that a test expects)
        # logs "Failed to load resource" for the document itself; failed
        # scripts and stylesheets are caught by on_response instead.
        if message.text.startswith("Failed to load resource"):
            return
        self.problems.append(f"console error: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught script error: {error}")

    def on_response(self, response) -> None:
        request = response.request
        if request.resource_type == "document" or response.status < 400:
            return
        self.problems.append(
            f"{request.resource_type} {urlsplit(response.url).path} "
            f"answered {response.status}"
        )

    def on_request_failed(self, request) -> None:
        # The browser's own requests (chrome-extension:// streams of its PDF
        # viewer) are none of Karma's; closing the page cuts them off.
        if urlsplit(request.url).scheme not in ("http", "https"):
            return
        # The player's reports go with keepalive, so the browser delivers
        # them after the page is left; Playwright still calls them aborted.
        # Tests that leave a lesson early check the server got the report.
        if (
            request.failure == "net::ERR_ABORTED"
            and request.resource_type == "fetch"
            and urlsplit(request.url).path.endswith("/events/")
        ):
            return
        self.problems.append(
            f"{request.resource_type} {urlsplit(request.url).path} failed: "
            f"{request.failure}"
        )

    def assert_clean(self) -> None:
        assert not self.problems, "the page misbehaved:\n  " + "\n  ".join(
            self.problems
        )


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.karma_call_failed = report.failed
    return report


@pytest.fixture
def new_page(request, browser, site, watch):
    """Return a factory of pages, each in a fresh browser profile.

    Two people in one test (an admin and the person they invite) each get
    their own profile, as they would their own browser. Every load must be
    scanned and every page must stay free of errors.
    """
    contexts = []

    def open_page():
        browser_context = browser.new_context(
            base_url=site,
            locale="en-GB",
            timezone_id="Europe/Madrid",
            viewport={"width": 1280, "height": 900},
        )
        browser_context.set_default_timeout(TIMEOUT_MS)
        contexts.append(browser_context)
        page = browser_context.new_page()
        page.on("load", watch.on_load)
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        page.on("response", watch.on_response)
        page.on("requestfailed", watch.on_request_failed)
        return page

    yield open_page

    for browser_context in contexts:
        browser_context.close()
    if getattr(request.node, "karma_call_failed", False):
        # The failure is already reported; add what the page did, not a
        # second error.
        print("page problems:", watch.problems or "none")  # noqa: T201
        return
    unscanned = sorted(watch.loaded - watch.scanned)
    assert not unscanned, f"pages loaded but never scanned with axe: {unscanned}"
    watch.assert_clean()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def scan(watch):
    """Return `scan(page)`: fail on serious or critical axe-core violations.

    axe is injected through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so the policy stays on.
    """

    def scan_page(page) -> None:
        page.wait_for_load_state("load")
        results = _axe.run(page, options={"resultTypes": ["violations"]})
        blocking = [
            violation
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        assert not blocking, (
            f"accessibility violations on {urlsplit(page.url).path}:\n"
            + accessibility_report(blocking)
        )
        watch.scanned.add(page.url)

    return scan_page


def accessibility_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)
