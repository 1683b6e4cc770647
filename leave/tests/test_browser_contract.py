"""The contract page in a real Chromium: carol (an admin) opens alice's page, adds a version
with the form (work days as checkboxes) and books an adjustment; the page has no serious
axe violation and no CSP error, at desktop and phone width (no sideways scroll).

Time is not frozen here (the live server runs in another thread)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.tests.test_browser_accessibility import WIDTHS, axe_violations, sign_in
from leave.models import WorkingTimeAdjustment
from users.models import Contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_admin_adds_a_version_and_an_adjustment_on_the_page(live_server, browser, alice, carol, password, width):
    Contract.objects.create(user=alice, valid_from=alice.employment_start, weekly_hours=40, work_days="12345")
    first_of_next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    context = browser.new_context(viewport=WIDTHS[width], locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live_server.url, carol.email, password)
        page.goto(f"{live_server.url}/users/{alice.pk}/contract/")
        expect(page.get_by_role("heading", name="Contract versions")).to_be_visible()

        form = page.get_by_role("form", name="Add a contract version")
        form.get_by_label("Valid from").fill(first_of_next_month.isoformat())
        form.get_by_label("Weekly hours").fill("20")
        form.get_by_label("Fri").uncheck()
        form.get_by_role("button", name="Add version").click()
        expect(page.get_by_text("New contract version from")).to_be_visible()
        version = Contract.objects.get(user=alice, valid_from=first_of_next_month)
        assert (version.weekly_hours, version.work_days) == (20, "1234")

        adjustment = page.get_by_role("form", name="Book an adjustment")
        adjustment.get_by_label("Hours (signed)").fill("12.5")
        adjustment.get_by_label("Reason").fill("Carried from the old system")
        adjustment.get_by_role("button", name="Book adjustment").click()
        expect(page.get_by_text("Opening balance of +12.5 h booked")).to_be_visible()
        assert WorkingTimeAdjustment.objects.get(user=alice).hours == Decimal("12.5")

        assert axe_violations(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    finally:
        context.close()
    assert errors == []
