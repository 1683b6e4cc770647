"""The timesheet story in a real Chromium: alice fills her week with htmx, runs the timer
and submits; bob approves; alice finds the week read-only. No CSP violation on the way.

Time is not frozen here (the live server runs in another thread), so the cells used are
this week's Monday and today, which are never in the future.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core import periods
from timeentries.models import Project, Task, TimeEntry, Timesheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/timesheet/")
    page.wait_for_url(f"{base_url}/accounts/login/?next=/timesheet/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/timesheet/")


def sign_out(page, base_url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/accounts/login/")
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def fill_cell(page, cell_id: str, hours: str, *, commit: str, sent: bool = True) -> None:
    """Type hours into a grid cell and commit with Enter or by leaving the field; wait for
    htmx to post it and swap the answer in (unless the browser refuses to send it)."""
    cell = page.locator(f"#{cell_id}")
    cell.fill(hours)
    if not sent:
        cell.press(commit)
        return
    with page.expect_response(lambda response: response.url.endswith("/timesheet/cell/")):
        cell.press(commit)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_week_story_in_chromium(live_server, page, alice, bob, password):
    web = Project.objects.create(code="WEB", name="Website")
    design = Task.objects.create(project=web, name="Design")
    internal = Project.objects.create(code="INT", name="Internal", billable=False)
    docs = Project.objects.create(code="DOC", name="Documentation")
    today = timezone.localdate(timezone.now(), alice.tzinfo)
    monday = periods.week_start_of(today)
    week = periods.iso_week_label(monday)
    # The second cell is today's, in a row of its own (the timer's entry makes today's
    # Internal cell a read-only link to the day).
    second = (docs, None, today)

    console_errors, page_errors = [], []
    page.on("console", lambda message: console_errors.append(message) if message.type == "error" else None)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    base = live_server.url

    # --- alice: timer, cells, totals, submit ------------------------------------------------
    sign_in(page, base, alice.email, password)
    expect(page.get_by_role("heading", name=f"Your week {week}")).to_be_visible()

    page.get_by_label("Project and task").first.select_option(str(internal.pk))
    page.get_by_label("What are you working on?").fill("Stand-up")
    page.get_by_role("button", name="Start timer").click()
    expect(page.get_by_text("Running on")).to_be_visible()
    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_text("Timer stopped")).to_be_visible()
    assert TimeEntry.objects.get(user=alice).end is not None

    page.locator("#id_row-work").select_option(str(docs.pk))
    page.get_by_role("button", name="Add row").click()
    page.locator("#id_row-work").select_option(f"{web.pk}:{design.pk}")
    page.get_by_role("button", name="Add row").click()
    first_cell = f"cell-{web.pk}-{design.pk}-{monday.isoformat()}"
    expect(page.locator(f"#{first_cell}")).to_be_editable()
    expect(page.get_by_label(f"WEB Website, Design, {monday:%A} {monday.day} {monday:%B}, hours")).to_be_visible()

    cell_posts = []
    page.on("request", lambda request: cell_posts.append(request) if request.url.endswith("/timesheet/cell/") else None)
    page.evaluate("window.stillTheSamePage = true")  # survives only if htmx swaps in place
    fill_cell(page, first_cell, "2", commit="Enter")
    expect(page.locator(f'td[data-day="{monday.isoformat()}"]')).to_have_text("2")
    expect(page.locator("#week-total")).to_have_text("2")
    expect(page.locator(f"#{first_cell}")).to_be_focused()  # the swapped cell keeps the focus
    assert len(cell_posts) == 1  # Enter fires change and submit; hx-sync sends once
    assert cell_posts[0].headers["x-csrftoken"]

    project, task, day = second
    second_cell = f"cell-{project.pk}-{task.pk if task else 0}-{day.isoformat()}"
    fill_cell(page, second_cell, "1.5", commit="Tab")
    expect(page.locator("#week-total")).to_have_text("3.5")
    expect(page.locator(f'td[data-day="{day.isoformat()}"]')).to_have_text("3.5" if day == monday else "1.5")
    assert page.evaluate("window.stillTheSamePage") is True
    assert TimeEntry.objects.filter(user=alice).count() == 3

    # More than a day is refused next to the cell, in words.
    fill_cell(page, first_cell, "30", commit="Tab")
    expect(page.locator(f"#{first_cell}-error")).to_contain_text("more than 24 hours")
    expect(page.locator(f"#{first_cell}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#week-total")).to_have_text("3.5")
    fill_cell(page, first_cell, "2", commit="Enter")
    expect(page.locator(f"#{first_cell}-error")).to_have_count(0)
    assert TimeEntry.objects.filter(user=alice).count() == 3

    page.get_by_role("button", name=f"Submit week {week} for approval").click()
    page.get_by_label("Comment for your manager").fill("Half the week at the fair.")  # 3.5 h is short
    page.get_by_role("button", name=f"Submit week {week} with this comment").click()
    expect(page.get_by_text(f"Week {week} is submitted for approval.")).to_be_visible()
    expect(page.locator(".cell-input")).to_have_count(0)
    assert Timesheet.objects.get(user=alice, week_start=monday).status == Timesheet.Status.SUBMITTED
    sign_out(page, base)

    # --- bob approves ------------------------------------------------------------------------
    sign_in(page, base, bob.email, password)
    page.get_by_role("link", name="Team", exact=True).click()
    row = page.locator("tr", has_text=alice.email)
    expect(row.locator(".badge")).to_have_text("Submitted")
    expect(row.locator("td.num")).to_have_text("3.5")
    row.get_by_role("button", name=f"Approve {week}").click()
    expect(page.get_by_text(f"week {week} is approved")).to_be_visible()
    expect(page.locator("tr", has_text=alice.email).locator(".badge")).to_have_text("Approved")
    sign_out(page, base)

    # --- alice's approved week is read-only ---------------------------------------------------
    sign_in(page, base, alice.email, password)
    expect(page.get_by_text("Approved by Bob")).to_be_visible()
    expect(page.locator("#grid input:not([type=hidden])")).to_have_count(0)
    expect(page.get_by_role("button", name="Add row")).to_have_count(0)
    expect(page.locator(f'td[data-day="{monday.isoformat()}"]')).to_have_text("3.5" if today == monday else "2")

    assert [message.text for message in console_errors if "Content Security Policy" in message.text] == []
    # The one error the browser logs is the page answering the first submit with 400: the
    # week asks for a comment.
    assert [(message.text, message.location["url"]) for message in console_errors] == [
        (
            "Failed to load resource: the server responded with a status of 400 (Bad Request)",
            f"{base}/timesheet/submit/",
        )
    ]
    assert page_errors == []


def test_grid_scrolls_sideways_on_a_phone(live_server, browser, alice, password):
    web = Project.objects.create(code="WEB", name="Website")
    Task.objects.create(project=web, name="Design")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, alice.email, password)
        page.locator("#id_row-work").select_option(str(web.pk))
        page.get_by_role("button", name="Add row").click()
        expect(page.locator(".grid")).to_be_visible()
        widths = page.evaluate(
            """() => {
                const scroller = document.querySelector('.grid-scroll');
                return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
                        inner: scroller.scrollWidth, outer: scroller.clientWidth};
            }"""
        )
        # The page itself does not scroll sideways. A phone widens its layout viewport (and
        # window.innerWidth with it) to fit what overflows, so compare with the phone's width.
        assert widths["page"] <= 375 and widths["viewport"] == 375, widths
        assert widths["inner"] > widths["outer"]  # the grid does
    finally:
        context.close()


def test_grid_cells_save_without_javascript(live_server, browser, alice, password):
    web = Project.objects.create(code="WEB", name="Website")
    monday = periods.week_start_of(timezone.localdate(timezone.now(), alice.tzinfo))
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, alice.email, password)
        page.locator("#id_row-work").select_option(str(web.pk))
        page.get_by_role("button", name="Add row").click()
        cell = page.locator(f"#cell-{web.pk}-0-{monday.isoformat()}")
        cell.fill("3")
        expect(page.get_by_role("button", name=f"Save WEB Website, {monday:%A}")).to_be_visible()
        cell.press("Enter")  # a plain form post, then back to the week
        page.wait_for_url(f"{live_server.url}/timesheet/?week={periods.iso_week_label(monday)}#grid")
        expect(page.locator("#week-total")).to_have_text("3")
        entry = TimeEntry.objects.get(user=alice)
        assert entry.kind == TimeEntry.Kind.DURATION and entry.duration == timedelta(hours=3)
    finally:
        context.close()
