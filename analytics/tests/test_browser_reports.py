"""The reports page in a real Chromium (issue 17, acceptance 1): Bob, a manager, filters last
month by project, sees the table, downloads CSV and XLSX whose rows are the table's, sorts
with the keyboard; above EXPORT_SYNC_MAX_ROWS the report is built in the background and its
progress bar, polled by htmx, reaches 100 % and offers the file. No serious axe violation,
no CSP error, no sideways scroll at 375 px.

Time is not frozen here (the live server runs in another thread): the entries are put in
last month, whatever today is."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from analytics import services
from analytics.models import Export
from core.tests.test_browser_accessibility import WIDTHS, axe_violations, sign_in
from timeentries.models import Project, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]

BERLIN = ZoneInfo("Europe/Berlin")
TABLE_ROWS = """() => [...document.querySelectorAll('table[data-testid="report-table"] tr')].map((row) =>
  [...row.children].map((cell) => {
    const link = cell.querySelector('a');
    return (link ? link.childNodes[0].textContent : cell.textContent).trim();
  }))"""


@pytest.fixture
def last_month_worked(alice, frank):
    """Alice 5 h and Frank 3 h on Website, Alice 1 h on Internal, on the 10th of last month."""
    web = Project.objects.create(code="WEB", name="Website")
    internal = Project.objects.create(code="INT", name="Internal", billable=False)
    day = timezone.localdate(timezone.now(), BERLIN).replace(day=1) - timedelta(days=20)
    nine = datetime(day.year, day.month, 10, 9, tzinfo=BERLIN)
    TimeEntry.objects.create(user=alice, project=web, start=nine, end=nine + timedelta(hours=5))
    TimeEntry.objects.create(user=frank, project=web, start=nine, end=nine + timedelta(hours=3))
    after = nine + timedelta(hours=6)
    TimeEntry.objects.create(user=alice, project=internal, start=after, end=after + timedelta(hours=1))
    return web


def downloaded_rows(page, link) -> list[list[str]]:
    """The rows of the file `link` downloads: CSV as written, xlsx numbers with two places."""
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    if info.value.suggested_filename.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as file:
            return list(csv.reader(file))
    rows = load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows()  # the path has no extension
    return [[_text(cell.value) for cell in row] for row in rows]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:.2f}"
    return str(value)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_filters_downloads_and_exports_in_the_background(
    live_server, browser, bob, alice, frank, password, last_month_worked, settings, width
):
    context = browser.new_context(viewport=WIDTHS[width], locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live_server.url, bob.email, password)
        page.get_by_role("link", name="Reports").click()
        expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
        filters = page.get_by_role("form", name="Report filters")
        filters.get_by_label("Period").select_option("last_month")
        filters.get_by_label("Group by").select_option("user")
        filters.get_by_label("Project").select_option(str(last_month_worked.pk))
        filters.get_by_role("button", name="Show report").click()

        table = page.locator('table[data-testid="report-table"]')
        expect(table).to_be_visible()
        page.wait_for_function("() => Chart.getChart(document.getElementById('report-chart')) !== undefined")
        shown = page.evaluate(TABLE_ROWS)
        assert shown[0] == ["User", "Hours", "Billable hours", "Amount", "Entries"]
        assert [row[:2] for row in shown[1:]] == [[str(alice), "5.00"], [str(frank), "3.00"], ["Total", "8.00"]]
        assert downloaded_rows(page, page.get_by_role("button", name="Download CSV")) == shown[:-1]  # no totals
        as_xlsx = [shown[0], *([row[0], *(f"{float(cell):.2f}" for cell in row[1:])] for row in shown[1:])]
        assert downloaded_rows(page, page.get_by_role("button", name="Download XLSX")) == as_xlsx  # totals too

        # keyboard: tab to the Hours header and sort by it
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.textContent.startsWith('Hours,')"):
                break
        page.keyboard.press("Enter")
        expect(page.locator('th[aria-sort="ascending"]')).to_have_text("Hours ▲, sort descending")
        assert [row[0] for row in page.evaluate(TABLE_ROWS)[1:3]] == [str(frank), str(alice)]

        assert axe_violations(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[width]["width"]

        # more rows than download at once: the file is built in the background
        settings.EXPORT_SYNC_MAX_ROWS = 1
        page.reload()
        page.get_by_role("button", name="Export XLSX in the background").click()
        expect(page.get_by_text("The XLSX export has started")).to_be_visible()
        export = Export.objects.get(owner=bob)
        expect(page.locator(f"#export-{export.pk} progress")).to_have_attribute("value", "100")
        background = page.locator(f"#export-{export.pk}").get_by_role("link", name="Download Excel")
        assert downloaded_rows(page, background) == [as_xlsx[0], as_xlsx[2], as_xlsx[1], as_xlsx[3]]  # as sorted
        assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    finally:
        context.close()
    assert errors == []


def test_the_progress_bar_follows_an_export_being_built(live_server, page, bob, password, last_month_worked):
    """htmx polls the export's fragment every second until it is done, then offers the file."""
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"}
    export = Export.objects.create(owner=bob, report="time", format="csv", params=params)
    sign_in(page, live_server.url, bob.email, password)
    page.goto(f"{live_server.url}/reports/#exports")
    progress = page.locator(f"#export-{export.pk} progress")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator(f"#export-{export.pk}")).to_have_attribute("hx-trigger", "every 1s")

    services.export_build(export_id=export.pk)

    expect(progress).to_have_attribute("value", "100")
    link = page.locator(f"#export-{export.pk}").get_by_role("link")
    expect(link).to_contain_text("Download CSV")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "time-report-2026-11-01-2026-11-30.csv"
