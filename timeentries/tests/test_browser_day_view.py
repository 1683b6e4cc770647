"""The day view in a real Chromium, at desktop width and on a phone: a block of work with its
times and break typed from the keyboard, hours without times typed as 1:30, a 25-hour day
refused next to the field, and the running timer's counter ticking. No CSP violation, and
the page never scrolls sideways at 375 px.

Time is not frozen (the live server runs in another thread): the day used is today.
"""

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from timeentries import services
from timeentries.models import Project, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser):
    context = browser.new_context(viewport=WIDTHS[request.param], is_mobile=request.param == "phone", locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, WIDTHS[request.param]["width"]
    context.close()
    # No CSP violation, no script error; a refused form is answered with 400 on purpose.
    assert [problem for problem in problems if "status of 400" not in problem] == []


def open_day(page, base_url: str, day, email: str, password: str) -> None:
    day_path = f"/timesheet/day/{day.isoformat()}/"
    page.goto(f"{base_url}{day_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{day_path}")


def assert_no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_a_block_and_hours_from_the_keyboard(live_server, sized_page, alice, password):
    page, width = sized_page
    web = Project.objects.create(code="WEB", name="Website")
    today = timezone.localdate(timezone.now(), alice.tzinfo)
    open_day(page, live_server.url, today, alice.email, password)
    assert_no_sideways_scroll(page, width)

    work = page.get_by_label("Project and task").first
    expect(work).to_be_focused()
    work.select_option(str(web.pk))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Start")).to_be_focused()
    page.keyboard.type("0800")
    page.keyboard.press("Tab")
    page.keyboard.type("16:30")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Ends next day")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Break (minutes)")).to_be_focused()
    page.keyboard.type("30")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Added 8 h on WEB.")).to_be_visible()
    expect(page.locator("#day-total")).to_have_text("8")
    expect(page.locator(".day-entries tbody tr").first).to_contain_text("08:00\u201316:30")
    entry = TimeEntry.objects.get(user=alice)
    assert (entry.break_minutes, entry.duration) == (30, timedelta(hours=8))

    hours = page.locator("#id_hours-hours")
    page.locator("#id_hours-work").select_option(str(web.pk))
    hours.fill("1:30")
    hours.press("Enter")
    expect(page.locator("#day-total")).to_have_text("9.5")
    expect(page.locator(".day-entries")).to_contain_text("hours without times")
    assert TimeEntry.objects.durations().get(user=alice).duration == timedelta(hours=1.5)

    page.locator("#id_hours-work").select_option(str(web.pk))
    page.locator("#id_hours-hours").fill("25")
    page.locator("#id_hours-hours").press("Enter")
    error = page.locator("#id_hours-hours_error")
    expect(error).to_contain_text("more than 24 hours")
    expect(page.locator("#id_hours-hours")).to_have_attribute("aria-describedby", re.compile("id_hours-hours_error"))
    expect(page.locator("#id_hours-hours")).to_be_focused()
    assert TimeEntry.objects.filter(user=alice).count() == 2
    assert_no_sideways_scroll(page, width)


def test_the_running_timer_counts_each_second(live_server, sized_page, alice, password):
    page, width = sized_page
    web = Project.objects.create(code="WEB", name="Website")
    services.timer_start(actor=alice, project=web)
    TimeEntry.objects.filter(user=alice).update(start=timezone.now().astimezone(UTC) - timedelta(minutes=5))
    today = timezone.localdate(timezone.now(), alice.tzinfo)
    open_day(page, live_server.url, today, alice.email, password)

    counter = page.locator(".timer [data-timer-started]")
    expect(counter).to_have_text(re.compile(r"^00:0[5-6]:\d\d$"))
    first = counter.inner_text()
    expect(counter).not_to_have_text(first, timeout=3_000)
    assert_no_sideways_scroll(page, width)

    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_text(re.compile(r"Timer stopped after"))).to_be_visible()
    expect(page.locator(".day-entries")).to_contain_text("WEB Website")
    assert TimeEntry.objects.get(user=alice).end is not None
