"""The dashboard in a real Chromium: bob signs in, every default widget draws its chart,
he adds one, and after a reload it is still there. No CSP violation on the way.

Time is not frozen here (the live server runs in another thread); the entry is today's."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from timeentries.models import Project, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll('#dashboard .dashboard__grid canvas')];
  return canvases.length > 0 && canvases.every((canvas) => {
    const chart = Chart.getChart(canvas);
    return chart !== undefined && canvas.width > 0 && canvas.height > 0;
  });
}"""


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/")
    page.wait_for_url(f"{base_url}/accounts/login/?next=/dashboard/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/dashboard/")


def test_dashboard_draws_and_keeps_an_added_widget(live_server, page, alice, bob, password):
    web = Project.objects.create(code="WEB", name="Website")
    end = timezone.now().replace(microsecond=0)
    TimeEntry.objects.create(user=alice, project=web, start=end - timedelta(hours=2), end=end)

    console_errors, page_errors = [], []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    base = live_server.url

    sign_in(page, base, bob.email, password)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    sections = page.locator("#dashboard .dashboard__grid section.widget")
    expect(sections).to_have_count(6)
    page.wait_for_function(ALL_CHARTS_DRAWN)
    counts = page.evaluate(
        "() => [...document.querySelectorAll('#dashboard .dashboard__grid canvas')]"
        ".map((canvas) => Chart.getChart(canvas).data.labels.length)"
    )
    assert len(counts) == 6
    expect(page.locator("section.widget", has_text="This month by project").get_by_text("Website")).to_be_attached()

    page.get_by_label("Widget", exact=True).select_option("utilisation")
    with page.expect_response(lambda response: response.url.endswith("/api/v1/dashboards/me")) as saved:
        page.get_by_role("button", name="Add widget").click()
    assert saved.value.status == 200
    expect(sections).to_have_count(7)
    page.wait_for_function(ALL_CHARTS_DRAWN)

    page.get_by_role("button", name="Remove Hours per week").click()
    expect(page.get_by_text("Layout saved.")).to_be_visible()
    expect(sections).to_have_count(6)

    page.reload()
    expect(sections).to_have_count(6)
    expect(sections.last.get_by_role("heading", name="Utilisation")).to_be_visible()
    expect(sections.first.get_by_role("heading", name="This month by project")).to_be_visible()
    page.wait_for_function(ALL_CHARTS_DRAWN)

    assert [text for text in console_errors if "Content Security Policy" in text] == []
    assert console_errors == []
    assert page_errors == []
