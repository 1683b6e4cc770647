"""The reports page `/reports/` through the Django client: tabs, period presets, scoped
filters, errors at the field, sorting, the empty state, downloads equal to the table, the
background export above EXPORT_SYNC_MAX_ROWS, and the payroll month's close status.

November 2026 in Berlin (the clock stands on Thursday 26 November): Alice worked 3 h on
Acme (billable, 95.50 an hour) and 1.5 h on Internal (not billable), Frank 5 h on Acme,
Dave (team B) 2 h on Acme; in October Alice worked 2 h on Acme."""

import csv
import io
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from analytics.models import Export
from core.models import AuditEvent
from users.models import MonthClosing

BERLIN = ZoneInfo("Europe/Berlin")
PAGE = "/reports/"
TABLE = 'data-testid="report-table"'

pytestmark = pytest.mark.usefixtures("frozen_2026_11_26", "media_in_tmp")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def worked_in_november(alice, frank, dave, acme, internal, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 12))
    log(alice, internal, berlin(2026, 11, 5, 9), berlin(2026, 11, 5, 10, 30), billable=False)
    log(frank, acme, berlin(2026, 11, 10, 13), berlin(2026, 11, 10, 18))
    log(dave, acme, berlin(2026, 11, 11, 8), berlin(2026, 11, 11, 10))
    log(alice, acme, berlin(2026, 10, 15, 9), berlin(2026, 10, 15, 11))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class ReportTable(HTMLParser):
    """The cells of the report's table (header labels without their hidden sort hint), the
    download links, and the form controls with their ids."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self.attrs = [], {}, {}
        self.in_table = self.in_cell = False
        self.hidden_depth = 0
        self.sorted_headers = []
        self.download_form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.attrs[attrs["id"]] = attrs
        if tag == "table" and attrs.get("data-testid") == "report-table":
            self.in_table = True
        elif self.in_table and tag == "tr":
            self.rows.append([])
        elif self.in_table and tag in ("th", "td"):
            self.in_cell = True
            self.rows[-1].append("")
            if attrs.get("aria-sort"):
                self.sorted_headers.append((len(self.rows[-1]) - 1, attrs["aria-sort"]))
        elif self.in_cell and tag == "span":
            self.hidden_depth += 1
        elif tag == "form" and attrs.get("action") == "/reports/download":
            self.download_form = []  # the direct downloads: a GET form, a button per format
        elif tag == "input" and self.download_form is not None and attrs.get("type") == "hidden":
            self.download_form.append((attrs["name"], attrs["value"]))
        elif tag == "option" and self.download_form is not None and "selected" in attrs:
            self.download_form.append(("locale", attrs["value"]))
        elif tag == "button" and self.download_form is not None and attrs.get("name") == "format":
            fields = [*self.download_form, ("format", attrs["value"])]
            self.links[attrs["value"]] = "/reports/download?" + urlencode(fields)

    def handle_endtag(self, tag):
        if tag == "form":
            self.download_form = None
        if tag == "table":
            self.in_table = False
        elif tag in ("th", "td"):
            self.in_cell = False
        elif tag == "span" and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if self.in_table and self.in_cell and not self.hidden_depth:
            self.rows[-1][-1] += data.strip()


def page_of(response) -> ReportTable:
    parser = ReportTable()
    parser.feed(response.content.decode())
    return parser


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def canonical(value) -> str:
    """A table text or an xlsx cell, comparable: numbers with two places."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:.2f}"
    try:
        return f"{float(value):.2f}"
    except ValueError:
        return str(value)


# --- tabs, presets, the table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "first", "last"),
    [
        ("this_week", "2026-11-23", "2026-11-29"),
        ("last_week", "2026-11-16", "2026-11-22"),
        ("this_month", "2026-11-01", "2026-11-30"),
        ("last_month", "2026-10-01", "2026-10-31"),
    ],
)
def test_a_period_preset_becomes_its_dates(bob, worked_in_november, preset, first, last):
    response = signed_in(bob).get(PAGE, {"range": preset})

    assert response.status_code == 200
    page = page_of(response)
    assert page.attrs["report-from"]["value"] == first and page.attrs["report-to"]["value"] == last
    assert f"Time report, {first} to {last}" in response.content.decode()


def test_presets_follow_the_users_own_day(bob, worked_in_november):
    # Sunday 29 November 23:30 UTC is Monday 30 November in Berlin: a new week there.
    with time_machine.travel(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), tick=False):
        page = page_of(signed_in(bob).get(PAGE, {"range": "this_week"}))
    assert (page.attrs["report-from"]["value"], page.attrs["report-to"]["value"]) == ("2026-11-30", "2026-12-06")


def test_a_manager_sees_his_teams_hours_with_totals_sorted_as_asked(bob, alice, frank, worked_in_november):
    client = signed_in(bob)

    default = page_of(client.get(PAGE, {"group_by": "user"}))
    by_hours = page_of(client.get(PAGE, {"group_by": "user", "sort": "-hours"}))

    header = ["User", "Hours", "Billable hours", "Amount", "Entries"]
    assert default.rows[0] == header
    assert [row[:2] for row in default.rows[1:-1]] == [[str(alice), "4.50"], [str(frank), "5.00"]]
    assert default.sorted_headers == []
    assert [row[:2] for row in by_hours.rows[1:-1]] == [[str(frank), "5.00"], [str(alice), "4.50"]]
    assert by_hours.rows[-1] == ["Total", "9.50", "8.00", "764.00", "3"]
    assert by_hours.sorted_headers == [(1, "descending")]
    # the sorted column's link turns the order round
    ascending = client.get(PAGE, {"group_by": "user", "sort": "hours"}).content.decode()
    assert 'aria-sort="ascending"' in ascending and "sort=-hours" in ascending


def test_each_tab_shows_its_report(bob, alice, worked_in_november):
    client = signed_in(bob)

    overtime = page_of(client.get(PAGE, {"report": "overtime", "range": "last_week", "user": alice.pk}))
    leave = page_of(client.get(PAGE, {"report": "leave", "user": alice.pk}))
    payroll = client.get(PAGE, {"report": "payroll", "preliminary": "true", "team": alice.team_id})

    assert overtime.rows[0][:3] == ["User", "Period", "From"]
    assert overtime.rows[1][1:4] == ["2026-W47", "11/16/2026", "11/22/2026"]  # dates in the reader's format
    assert leave.rows[0][:2] == ["User", "Leave type"] and len(leave.rows) > 1
    assert payroll.status_code == 200
    assert [row[3] for row in page_of(payroll).rows[1:]] == ["2026-10"] * 3  # Bob, Alice, Frank


def test_the_tabs_keep_the_team_and_person_chosen(bob, alice, team_a):
    html = signed_in(bob).get(PAGE, {"team": team_a.pk, "user": alice.pk}).content.decode()
    assert f'href="/reports/?report=leave&amp;team={team_a.pk}&amp;user={alice.pk}"' in html
    assert f'href="/reports/?report=payroll&amp;team={team_a.pk}"' in html


def test_the_header_nav_links_the_page_for_everyone(alice):
    html = signed_in(alice).get("/timesheet/").content.decode()
    assert f'href="{PAGE}"' in html


# --- scope and errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("report", ["time", "overtime", "leave"])
def test_another_teams_team_or_person_is_404_as_in_the_api(bob, dave, team_b, worked_in_november, report):
    client = signed_in(bob)
    assert client.get(PAGE, {"report": report, "team": team_b.pk}).status_code == 404
    assert client.get(PAGE, {"report": report, "user": dave.pk}).status_code == 404
    assert client.get(PAGE, {"report": report, "user": 999_999}).status_code == 404


def test_the_filters_offer_only_whom_the_manager_sees(bob, dave, team_b, worked_in_november):
    html = signed_in(bob).get(PAGE).content.decode()
    assert "Alice" in html and "Frank" in html
    assert str(dave) not in html and "Team B" not in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"range": "custom", "from": "2026-13-01", "to": "2026-11-30"}, "report-from", "Date has wrong format"),
        ({"range": "custom", "from": "2026-11-30", "to": "2026-11-01"}, "report-to", "The end cannot be before"),
        ({"group_by": "colour"}, "report-group_by", "Unknown grouping"),
        ({"range": "yesterday"}, "report-range", "Choose a period"),
        ({"team": "A"}, "report-team", "A valid integer is required"),
        ({"report": "payroll", "month": "2026-13"}, "report-month", "does not match"),
    ],
)
def test_bad_parameters_are_400_with_the_error_at_the_field(carol, params, field, message):
    response = signed_in(carol).get(PAGE, params)

    assert response.status_code == 400
    page = page_of(response)
    assert page.attrs[field]["aria-invalid"] == "true"
    assert f"{field}-error" in page.attrs
    assert f'href="#{field}"' in response.content.decode()  # the summary at the top links the field
    assert message in response.content.decode()
    assert TABLE not in response.content.decode()


def test_an_unknown_sort_or_report_is_400_saying_so(carol):
    client = signed_in(carol)
    bad_sort = client.get(PAGE, {"sort": "colour"})
    bad_report = client.get(PAGE, {"report": "salaries"})
    assert bad_sort.status_code == 400 and "Sort by one of the report" in bad_sort.content.decode()
    assert bad_report.status_code == 400 and "Choose one of: time, overtime" in bad_report.content.decode()


def test_the_empty_state_says_what_to_change(bob, internal, worked_in_november):
    response = signed_in(bob).get(PAGE, {"range": "last_week", "project": internal.pk})

    assert response.status_code == 200
    assert "No hours for these filters: widen the period or clear the project filter." in response.content.decode()
    assert TABLE not in response.content.decode()


def test_an_employee_sees_only_her_own_hours(alice, frank, worked_in_november):
    client = signed_in(alice)

    page = page_of(client.get(PAGE, {"group_by": "user"}))

    assert [row[0] for row in page.rows[1:-1]] == [str(alice)]
    assert "report-team" not in page.attrs and "report-user" not in page.attrs
    assert client.get(PAGE, {"user": frank.pk}).status_code == 404
    assert client.get(PAGE, {"report": "payroll"}).status_code == 403


# --- downloads ---------------------------------------------------------------------------------------


def test_the_csv_and_xlsx_downloads_hold_the_tables_rows(bob, alice, frank, worked_in_november):
    client = signed_in(bob)
    page = page_of(client.get(PAGE, {"range": "this_month", "group_by": ["user", "project"], "sort": "-amount"}))

    csv_file = client.get(page.links["csv"])
    xlsx_file = client.get(page.links["xlsx"])

    assert csv_file.status_code == 200 and xlsx_file.status_code == 200
    assert 'filename="time-report-2026-11-01-2026-11-30.csv"' in csv_file["Content-Disposition"]
    link = query_of(page.links["csv"])
    assert (link["from"], link["to"], link["group_by"]) == ("2026-11-01", "2026-11-30", "user,project")
    assert "range" not in link  # the file keeps the dates, not "this month"
    lines = list(csv.reader(io.StringIO(b"".join(csv_file.streaming_content).decode())))
    assert lines == page.rows[:-1]  # the table without its totals row
    assert [line[:3] for line in lines[1:]] == [
        [str(frank), "Acme website", "5.00"],
        [str(alice), "Acme website", "3.00"],
        [str(alice), "Internal", "1.50"],
    ]
    sheet = load_workbook(io.BytesIO(xlsx_file.getvalue())).active
    cells = [[canonical(cell.value) for cell in row] for row in sheet.iter_rows()]
    assert cells == [[canonical(text) for text in row] for row in page.rows]  # totals included
    event = AuditEvent.objects.filter(action="report_exported").latest("pk")
    assert event.data["params"]["sort"] == "-amount" and event.data["rows"] == 3


def test_above_the_limit_the_page_exports_in_the_background(
    bob, settings, worked_in_november, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = signed_in(bob)
    params = {"range": "this_month", "group_by": "user", "sort": "-hours"}
    response = client.get(PAGE, params)
    html = response.content.decode()
    assert "Download CSV" not in html and "Export CSV in the background" in html
    direct = client.get("/reports/download?" + urlencode({"group_by": "user", "format": "csv"}))
    assert direct.status_code == 302  # too many rows: back to the page, which says so

    action = "/reports/exports/?" + urlencode({"report": "time", "from": "2026-11-01", "to": "2026-11-30", **params})
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(action, {"format": "csv"})

    assert created.status_code == 302 and created["Location"].endswith("#exports")
    export = Export.objects.get(owner=bob)
    assert export.params == {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user", "sort": "-hours"}
    fragment = client.get(f"/reports/exports/{export.pk}/").content.decode()
    assert 'value="100"' in fragment and "hx-trigger" not in fragment
    assert f'href="/reports/exports/{export.pk}/download"' in fragment
    download = client.get(f"/reports/exports/{export.pk}/download")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert lines == page_of(response).rows[:-1]  # sorted as the table was


def test_a_pending_export_is_polled_until_done_and_only_its_owner_sees_it(bob, alice, settings, worked_in_november):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = signed_in(bob)
    client.post("/reports/exports/?" + urlencode({"group_by": "user"}), {"format": "xlsx"})  # not committed: pending
    export = Export.objects.get(owner=bob)

    fragment = client.get(f"/reports/exports/{export.pk}/").content.decode()

    assert 'hx-trigger="every 1s"' in fragment and f'hx-get="/reports/exports/{export.pk}/"' in fragment
    assert 'value="0"' in fragment and 'aria-label="Export' in fragment and "download" not in fragment
    assert signed_in(alice).get(f"/reports/exports/{export.pk}/").status_code == 404
    assert signed_in(alice).get(f"/reports/exports/{export.pk}/download").status_code == 404
    assert client.get(f"/reports/exports/{export.pk}/download").status_code == 302  # not done: a message


def test_recent_exports_lists_the_users_last_ten(bob, alice):
    for _ in range(12):
        Export.objects.create(owner=bob, report="time", format="csv", params={"from": "2026-11-01", "to": "2026-11-30"})
    theirs = Export.objects.create(owner=alice, report="leave", format="xlsx", params={"as_of": "2026-11-26"})

    html = signed_in(bob).get(PAGE).content.decode()

    assert html.count('class="export-status"') == 10
    assert f'id="export-{theirs.pk}"' not in html


def test_the_api_export_checks_and_keeps_the_sort(api, bob, worked_in_november, django_capture_on_commit_callbacks):
    client = api(bob)
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"}
    bad = client.post("/api/v1/exports", {"report": "time", "format": "csv", "params": {**params, "sort": "x"}}, "json")
    assert bad.status_code == 400 and "params.sort" in bad.json()["errors"]


# --- payroll ----------------------------------------------------------------------------------------


def test_an_admin_sees_the_month_open_and_closes_it(carol, alice, worked_in_november):
    client = signed_in(carol)

    open_month = client.get(PAGE, {"report": "payroll", "month": "2026-10"}).content.decode()
    assert "October 2026 is not closed for payroll" in open_month
    assert "Open: the figures are preliminary." in open_month
    assert "Show the preliminary figures" in open_month and TABLE not in open_month

    closed = client.post("/reports/payroll/close", {"month": "2026-10"})

    assert closed.status_code == 302
    closing = MonthClosing.objects.get(month="2026-10-01", team=None)
    assert closing.closed_by == carol
    html = client.get(PAGE, {"report": "payroll", "month": "2026-10"}).content.decode()
    assert "Closed for the company on" in html and f"by {carol}" in html
    assert TABLE in html and "Close October 2026" not in html
    again = client.post("/reports/payroll/close", {"month": "2026-10"}, follow=True)
    assert "Not closed: October 2026 is closed already for the company." in again.content.decode()


def test_a_manager_sees_the_close_status_but_may_not_close(bob, worked_in_november):
    client = signed_in(bob)

    html = client.get(PAGE, {"report": "payroll", "month": "2026-10"}).content.decode()

    assert "Open: the figures are preliminary." in html and "Close October 2026" not in html
    assert client.post("/reports/payroll/close", {"month": "2026-10"}).status_code == 403
    assert not MonthClosing.objects.exists()


def test_a_payroll_above_the_limit_is_built_in_the_background_like_the_table(
    carol, settings, worked_in_november, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = signed_in(carol)
    params = {"report": "payroll", "month": "2026-10", "preliminary": "true"}

    page = client.get(PAGE, params)
    html = page.content.decode()
    assert TABLE in html and "Download CSV" not in html and "Export CSV in the background" in html

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/reports/exports/?" + urlencode(params), {"format": "csv"})

    assert created.status_code == 302
    export = Export.objects.get(owner=carol)
    assert (export.report, export.status) == ("payroll", Export.Status.DONE)
    download = client.get(f"/reports/exports/{export.pk}/download")
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    # The table says yes/no where the file holds the True/False payroll tools read, and
    # writes dates in the reader's format where the file keeps them ISO.
    table = [
        [{"yes": "True", "no": "False", "01/01/2020": "2020-01-01"}.get(cell, cell) for cell in row]
        for row in page_of(page).rows
    ]
    assert lines == table  # the payroll table has no totals row


# --- saved reports -------------------------------------------------------------------------


def test_a_manager_saves_last_month_by_project_and_it_stays_last_month(bob, worked_in_november):
    client = signed_in(bob)
    query = urlencode({"report": "time", "range": "last_month", "group_by": "project", "sort": "-hours"})

    saved = client.post("/reports/saved/", {"name": "Last month by project", "query": query})

    assert saved.status_code == 302
    assert saved["Location"] == "/reports/?report=time&group_by=project&range=last_month&sort=-hours"
    body = client.get("/api/v1/saved-reports").json()["results"]
    assert [(item["name"], item["params"]) for item in body] == [
        ("Last month by project", {"group_by": "project", "range": "last_month", "sort": "-hours"})
    ]
    listed = client.get(PAGE).content.decode()
    assert 'href="/reports/?report=time&amp;group_by=project&amp;range=last_month&amp;sort=-hours"' in listed
    with time_machine.travel(datetime(2027, 1, 12, 9, tzinfo=UTC)):
        opened = signed_in(bob).get(saved["Location"])
    assert "Time report, 2026-12-01 to 2026-12-31" in opened.content.decode()


def test_saving_a_second_report_of_the_same_name_says_why_and_keeps_the_filters(bob, worked_in_november):
    client = signed_in(bob)
    query = urlencode({"report": "time", "range": "custom", "from": "2026-11-02", "to": "2026-11-08"})
    assert client.post("/reports/saved/", {"name": "Week 45", "query": query}).status_code == 302

    again = client.post("/reports/saved/", {"name": "Week 45", "query": query}, follow=True)

    assert "Not saved: You already have a saved report named &#x27;Week 45&#x27;." in again.content.decode()
    assert again.redirect_chain[-1][0] == "/reports/?" + query
    assert bob.saved_reports.get().params == {"range": "custom", "from": "2026-11-02", "to": "2026-11-08"}


def test_a_saved_report_is_deleted_by_its_owner_only(bob, carol, worked_in_november):
    client = signed_in(bob)
    client.post("/reports/saved/", {"name": "Mine", "query": "report=leave"})
    saved = bob.saved_reports.get()

    assert signed_in(carol).post(f"/reports/saved/{saved.pk}/delete").status_code == 404
    deleted = client.post(f"/reports/saved/{saved.pk}/delete", {"query": "report=leave"})

    assert deleted.status_code == 302 and deleted["Location"] == "/reports/?report=leave"
    assert not bob.saved_reports.exists()
