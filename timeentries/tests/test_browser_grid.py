"""The week grid of issue 14 in a real Chromium, at desktop width and on a phone: hours typed
as 1:30, a 25-hour day refused next to the day, a short week submitted with a comment the
manager reads, and "Add row" tapped on a phone without the page scrolling sideways.

Time is not frozen (the live server runs in another thread): the cells used are this week's
Monday, never in the future.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core import periods
from timeentries.models import Project, TimeEntry, Timesheet
from timeentries.services import time_entry_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(VIEWPORTS))
def screen(request, browser):
    context = browser.new_context(locale="en-US", **VIEWPORTS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield request.param, page
    context.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/timesheet/")


def press(page, locator, kind: str) -> None:
    """Tap on a phone, click on a desktop."""
    if kind == "phone":
        locator.tap()
    else:
        locator.click()


def type_hours(page, cell_id: str, hours: str) -> None:
    cell = page.locator(f"#{cell_id}")
    cell.fill(hours)
    with page.expect_response(lambda response: response.url.endswith("/timesheet/cell/")):
        cell.press("Enter")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def add_row(page, kind: str, value: str) -> None:
    page.locator("#id_row-work").select_option(value)
    button = page.get_by_role("button", name="Add row")
    box = button.bounding_box()
    assert box["height"] >= 44, box  # a finger's touch target
    press(page, button, kind)
    page.wait_for_load_state("load")


def test_week_grid_story(live_server, screen, alice, bob, password):
    kind, page = screen
    width = VIEWPORTS[kind]["viewport"]["width"]
    web = Project.objects.create(code="WEB", name="Website")
    internal = Project.objects.create(code="INT", name="Internal", billable=False)
    ops = Project.objects.create(code="OPS", name="Operations")
    monday = periods.week_start_of(timezone.localdate(timezone.now(), alice.tzinfo))
    # Monday already holds 11 clocked hours (the timer or the day view wrote them).
    start = datetime.combine(monday, time(7, 0), tzinfo=alice.tzinfo)
    time_entry_create(actor=alice, project=ops, start=start, end=start + timedelta(hours=11))
    week = periods.iso_week_label(monday)
    base = live_server.url
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    sign_in(page, base, alice.email, password)
    assert page_width(page) <= width
    add_row(page, kind, str(web.pk))
    web_cell = f"cell-{web.pk}-0-{monday.isoformat()}"
    expect(page.locator(f"#{web_cell}")).to_be_editable()  # the row is there
    assert page_width(page) <= width  # the grid scrolls inside its card, not the page

    # The clocked hours are shown, read-only, as a link to their day; so is each day header.
    clocked = page.get_by_role("link", name=f"hours with start and end, OPS Operations, {monday:%A}")
    expect(clocked).to_have_attribute("href", f"/timesheet/day/{monday.isoformat()}/")
    expect(clocked).to_contain_text("11")
    day_link = page.get_by_role("link", name=f"{monday:%A} {monday.day} {monday:%B}: open the day")
    expect(day_link).to_have_attribute("href", f"/timesheet/day/{monday.isoformat()}/")

    # "1:30" is an hour and a half; the day is over the policy's 10 hours: a warning next to it.
    type_hours(page, web_cell, "1:30")
    expect(page.locator(f"#{web_cell}")).to_have_value("1.5")
    expect(page.locator(f'td[data-day="{monday.isoformat()}"]')).to_have_text("12.5")
    notice = page.locator(f"#day-notice-{monday.isoformat()}")
    expect(notice).to_contain_text("more than the 10 h allowed")
    entry = TimeEntry.objects.get(user=alice, project=web)
    assert entry.kind == TimeEntry.Kind.DURATION and entry.start is None
    assert entry.duration == timedelta(hours=1, minutes=30)

    # A 24.5-hour day is refused, next to the day; nothing is saved.
    add_row(page, kind, str(internal.pk))
    int_cell = f"cell-{internal.pk}-0-{monday.isoformat()}"
    type_hours(page, int_cell, "12")
    expect(notice).to_contain_text("24.5 hours")
    expect(notice).to_contain_text("a day has 24 hours")
    expect(page.locator(f"#{int_cell}-error")).to_be_visible()
    expect(page.locator(f"#{int_cell}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f'td[data-day="{monday.isoformat()}"]')).to_have_text("12.5")
    assert TimeEntry.objects.filter(user=alice, project=internal).count() == 0
    assert page_width(page) <= width

    # 12.5 h is a short week: submitting asks for a comment, then hands it in.
    press(page, page.get_by_role("button", name=f"Submit week {week} for approval"), kind)
    expect(page.get_by_role("alert").filter(has_text="add a comment")).to_be_visible()
    assert Timesheet.objects.get(user=alice, week_start=monday).status == Timesheet.Status.OPEN
    page.get_by_label("Comment for your manager").fill("Two days at the fair, not logged here.")
    press(page, page.get_by_role("button", name=f"Submit week {week} with this comment"), kind)
    expect(page.get_by_text(f"Week {week} is submitted for approval.")).to_be_visible()
    assert page_width(page) <= width
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/")

    # Bob reads the comment on the team page and on alice's week.
    sign_in(page, base, bob.email, password)
    page.goto(f"{base}/timesheet/team/?week={week}")
    row = page.locator("tr", has_text=alice.email)
    expect(row).to_contain_text("Two days at the fair, not logged here.")
    assert page_width(page) <= width
    press(page, row.get_by_role("link", name=str(alice), exact=True), kind)
    expect(page.locator("#week-status")).to_contain_text("Two days at the fair, not logged here.")
    assert page_errors == []
