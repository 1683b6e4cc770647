"""Swagger UI in a real browser: it renders, fetches nothing from outside, breaks no CSP."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_from_local_assets_only(live_server, page):
    requested, csp_errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    # Swagger UI renders its operation list virtually (only the rows in view), so wait for the
    # first operation rather than one far down the list.
    page.locator(".opblock-summary-path").first.wait_for()

    assert "Time Tracker API" in page.inner_text(".swagger-ui .info .title")
    external = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert external == []
    assert csp_errors == []
