"""Bug "hours disagree by a cent": an entry of 8 h 07 min 30 s (8.125 h) reads 8.13 on every
surface, because every one of them rounds with `core.periods.hours` (half-up, two places),
the SQL time report included."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from analytics.reports.common import TimeReportQuery
from analytics.reports.sql import time_report_sql
from conftest import requires_postgres
from core.periods import hours
from timeentries import services
from timeentries.models import Client as Customer
from timeentries.models import Project, TimeEntry, Timesheet

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, 8, 0, tzinfo=BERLIN)  # Monday of 2026-W45
LENGTH = timedelta(hours=8, minutes=7, seconds=30)


@pytest.fixture
def entry(alice):
    project = Project.objects.create(client=Customer.objects.create(name="Acme Corp"), name="Acme website", code="ACME")
    with time_machine.travel(datetime(2026, 11, 12, 12, tzinfo=BERLIN), tick=False):
        yield services.time_entry_create(actor=alice, project=project, start=START, end=START + LENGTH)


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def test_hours_rounds_half_up_to_the_cent():
    assert hours(LENGTH) == Decimal("8.13")
    assert hours(timedelta(minutes=20)) == Decimal("0.33")
    assert hours(timedelta(hours=2)) == Decimal("2.00")
    assert hours(timedelta(seconds=18)) == Decimal("0.01")  # 0.005 h rounds up
    assert hours(timedelta()) == Decimal("0.00")


def test_the_entry_and_the_timesheet_api_read_8_13(api, alice, entry):
    body = api(alice).get(f"/api/v1/time-entries/{entry.pk}").json()
    assert body["hours"] == 8.13  # still a JSON number

    timesheet = Timesheet.objects.get(user=alice)
    totals = api(alice).get(f"/api/v1/timesheets/{timesheet.pk}").json()["totals"]
    assert totals["total_hours"] == 8.13
    assert {day["date"]: day["hours"] for day in totals["days"]}["2026-11-02"] == 8.13
    assert [project["hours"] for project in totals["projects"]] == [8.13]


def test_the_timesheet_page_and_the_admin_read_8_13(alice, carol, password, entry):
    page = signed_in(alice, password).get("/timesheet/", {"week": "2026-W45"})
    assert page.status_code == 200
    assert "8.13" in page.content.decode() and "8.12" not in page.content.decode()

    changelist = signed_in(carol, password).get("/admin/timeentries/timeentry/")
    assert changelist.status_code == 200
    assert "8.13" in changelist.content.decode() and "8.12" not in changelist.content.decode()


def test_the_time_report_json_and_csv_and_the_compliance_summary_read_8_13(api, alice, entry):
    params = {"from": "2026-11-02", "to": "2026-11-02", "group_by": "day", "tz": "Europe/Berlin"}
    report = api(alice).get("/api/v1/reports/time", params).json()
    assert report["rows"][0]["hours"] == "8.13" and report["totals"]["hours"] == "8.13"

    download = api(alice).get("/api/v1/reports/time", {**params, "format": "csv"})
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert lines[:2] == [
        ["Day", "Hours", "Billable hours", "Amount", "Entries"],
        ["2026-11-02", "8.13", "8.13", "0.00", "1"],
    ]

    with time_machine.travel(datetime(2026, 11, 12, 12, tzinfo=BERLIN), tick=False):
        summary = api(alice).get("/api/v1/compliance/summary", {"from": "2026-11-02", "to": "2026-11-02"}).json()
    assert [{"date": day["date"], "hours": day["hours"]} for day in summary["days"]] == [
        {"date": "2026-11-02", "hours": "8.13"}
    ]


@requires_postgres
def test_the_sql_time_report_rounds_like_hours(alice, entry):
    """The report's SQL (`ROUND(seconds / 3600, 2)`) is held to `core.periods.hours` for
    lengths that sit on or near a half cent."""
    lengths = [timedelta(seconds=s) for s in (18, 30, 54, 162, 3618, 7254, 29_250, 29_249)]
    for day, length in enumerate(lengths, start=3):
        start = START + timedelta(days=day * 7)
        TimeEntry.objects.create(user=alice, project=entry.project, start=start, end=start + length)
    query = TimeReportQuery.of(alice, date(2026, 11, 2), date(2027, 1, 31), ["week"], BERLIN, {})

    sql = json.loads(time_report_sql(query))

    assert [row["hours"] for row in sql["rows"]] == [str(hours(length)) for length in [LENGTH, *lengths]]
    assert sql["totals"]["hours"] == str(hours(sum([LENGTH, *lengths], timedelta())))
