"""The browser harness itself: it must catch what the flows rely on it for."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PageWatch

pytestmark = pytest.mark.browser

PROBE_POLICY = "default-src 'self'; script-src 'self'"
PROBE_PAGE = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Probe</h1>{body}</main></body></html>"""


def probe_page(browser, site, *, body: str):
    """Open a page served by a route, not by Karma, with Karma-like policy."""
    browser_context = browser.new_context(base_url=site)
    page = browser_context.new_page()
    page.route(
        "**/harness-probe/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": PROBE_POLICY},
            body=PROBE_PAGE.format(body=body),
        ),
    )
    return page


def test_reports_inline_script_blocked_by_the_policy(browser, site):
    watch = PageWatch()
    page = probe_page(browser, site, body="<script>document.title = 'ran'</script>")
    page.on("console", watch.on_console)

    page.goto("/harness-probe/")
    page.wait_for_load_state("load")

    assert page.title() == "Probe"
    assert any("Content Security Policy" in problem for problem in watch.problems)
    page.context.close()


def test_fails_a_page_with_a_critical_accessibility_violation(browser, site, scan):
    page = probe_page(browser, site, body='<img src="/static/none.png">')
    page.goto("/harness-probe/")

    with pytest.raises(AssertionError, match="image-alt"):
        scan(page)
    page.context.close()


def test_error_page_keeps_the_policy_and_loads_its_assets(page, scan, watch):
    response = page.goto("/no-such-page/")

    assert response.status == 404
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("typeof bootstrap") == "object"
    scan(page)
    watch.assert_clean()
