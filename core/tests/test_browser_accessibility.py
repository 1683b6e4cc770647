"""axe-core in a real Chromium on the pages people use every day, at desktop and phone width:
no "serious" or "critical" violation, and no sideways page scroll on a phone.

axe-core comes from the pinned `axe-playwright-python` wheel (it ships axe.min.js, axe-core
4.12.1, MPL-2.0): nothing is fetched from a CDN and no browser is downloaded. The script is
handed to the page through Playwright's evaluate, which the pages' CSP does not govern.
"""

import contextlib
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from compliance.services import compliance_scan
from core import periods
from timeentries.models import Project, Task
from timeentries.services import time_entry_create
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
# WCAG 2.0-2.2 A/AA, axe's best practices, and its experimental rules, which hold "label in
# name" (the dashboard's Move up/down buttons broke it).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"],
    },
}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe on the page; the serious and critical violations, one line of detail each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/timesheet/")


def page_paths(day) -> dict[str, str]:
    paths = {
        "timesheet": reverse("timesheet"),
        "leave": reverse("leave"),
        "dashboard": reverse("dashboard"),
        "compliance": reverse("compliance"),
        "team": reverse("timesheet-team"),
        "two-factor": reverse("mfa"),
    }
    with contextlib.suppress(NoReverseMatch):  # the day view, once its route exists
        paths["day"] = reverse("timesheet-day", kwargs={"day": day})
    return paths


@pytest.fixture
def week_with_findings(alice, bob):
    """Alice's week holds a row with hours and a long day without a break, so the grid, the
    dashboard and the compliance page have something to show."""
    web = Project.objects.create(code="WEB", name="Website")
    Task.objects.create(project=web, name="Design")
    today = timezone.localdate(timezone.now(), alice.tzinfo)
    monday = periods.week_start_of(today)
    last_monday = monday - timedelta(days=7)
    start = datetime.combine(last_monday, datetime.min.time(), tzinfo=alice.tzinfo).astimezone(UTC) + timedelta(hours=7)
    time_entry_create(actor=alice, project=web, start=start, end=start + timedelta(hours=10))
    time_entry_create(actor=alice, project=web, start=start + timedelta(days=1), end=start + timedelta(days=1, hours=4))
    compliance_scan(start=last_monday, end=today, users=User.objects.filter(pk=alice.pk))
    return last_monday


@pytest.mark.parametrize("width", list(WIDTHS))
def test_pages_have_no_serious_accessibility_violation(
    live_server, browser, alice, bob, password, week_with_findings, width
):
    context = browser.new_context(viewport=WIDTHS[width], locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    found, wide = {}, {}
    try:
        for who in (alice, bob):
            sign_in(page, live_server.url, who.email, password)
            for name, path in page_paths(week_with_findings).items():
                if who == alice and name in ("compliance", "team"):
                    continue  # manager pages: bob's turn
                week = f"?week={periods.iso_week_label(week_with_findings)}" if name == "timesheet" else ""
                page.goto(f"{live_server.url}{path}{week}")
                page.wait_for_load_state("networkidle")
                violations = axe_violations(page)
                if violations:
                    found[f"{who.first_name} {name}"] = violations
                scroll = page.evaluate("() => document.documentElement.scrollWidth")
                if scroll > WIDTHS[width]["width"]:
                    wide[f"{who.first_name} {name}"] = scroll
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(f"{live_server.url}/accounts/login/")
    finally:
        context.close()
    assert found == {}
    assert wide == {}  # no page scrolls sideways
