"""Issue 20, acceptance 1: a browser that asks for German (`Accept-Language: de`) gets the
sign-in page, the week grid, the leave page, the approvals inbox, the reports page, the
dashboard and the admin in German. Each page is saved as a screenshot under
test-artifacts/german/ (the CI keeps that folder).

Time is not frozen (the live server runs in another thread): Alice's entry is today's and her
submitted week is last week, waiting for Bob."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from core import periods
from timeentries.models import Project, TimeEntry, Timesheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "german"


@pytest.fixture
def german_page(browser):
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_email").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{base}/timesheet/")


def sign_out(page) -> None:
    page.locator("form.signout button[type=submit]").click()


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def test_the_pages_people_use_are_german(live_server, german_page, alice, bob, carol, password):
    page, base = german_page, live_server.url
    web = Project.objects.create(code="WEB", name="Website")
    end = timezone.now().replace(microsecond=0)
    TimeEntry.objects.create(user=alice, project=web, start=end - timedelta(hours=2), end=end)
    last_week = periods.week_start_of(timezone.localdate()) - timedelta(days=7)
    TimeEntry.objects.create(
        user=alice, project=web, start=end - timedelta(days=7, hours=3), end=end - timedelta(days=7)
    )
    Timesheet.objects.update_or_create(
        user=alice,
        week_start=last_week,
        defaults={"status": Timesheet.Status.SUBMITTED, "submitted_at": end - timedelta(days=1)},
    )

    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(heading(page, "Anmelden")).to_be_visible()
    shot(page, "1-login")

    sign_in(page, base, alice.email, password)
    expect(heading(page, "Stunden")).to_be_visible()
    expect(page.get_by_role("link", name="Stundenzettel")).to_be_visible()
    shot(page, "2-week-grid")

    page.goto(f"{base}/leave/")
    expect(heading(page, "Abwesenheit beantragen")).to_be_visible()
    shot(page, "3-leave")
    sign_out(page)

    sign_in(page, base, bob.email, password)
    page.goto(f"{base}/approvals/")
    expect(page.get_by_text("1 Vorgang wartet auf Ihre Entscheidung, älteste zuerst.")).to_be_visible()
    expect(page.get_by_role("button", name="Ausgewählte genehmigen")).to_be_visible()
    shot(page, "4-approvals")

    page.goto(f"{base}/reports/")
    expect(heading(page, "Berichte")).to_be_visible()
    expect(page.get_by_role("button", name="Bericht anzeigen")).to_be_visible()
    shot(page, "5-reports")

    page.goto(f"{base}/dashboard/")
    first = page.locator("#dashboard .dashboard__grid section.widget").first
    title = first.locator(".widget__title").inner_text()
    # dashboard.js names the buttons from the page's German texts (data-text-*).
    expect(first.locator(".widget__up")).to_have_attribute("aria-label", f"Nach oben: {title}")
    expect(page.get_by_role("button", name="Widget hinzufügen")).to_be_visible()
    shot(page, "6-dashboard")
    sign_out(page)

    sign_in(page, base, carol.email, password)
    page.goto(f"{base}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_text("Willkommen,")).to_be_visible()
    shot(page, "7-admin")
    page.goto(f"{base}/admin/timeentries/timeentry/")
    expect(page.get_by_role("button", name="Ausführen")).to_be_visible()
    shot(page, "8-admin-changelist")
