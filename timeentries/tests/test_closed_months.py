"""Months closed for payroll on the timesheet (issue 15's leftovers): the week grid and the
day page show a closed month's days read-only with the month named, and a week lying in
closed months (or before the payroll lock date) keeps its status: submit, approve, reject
and reopen answer 409 naming the month."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leave.services import month_closing_create, month_closing_reopen
from timeentries import services
from timeentries.models import Project, Timesheet

BERLIN = ZoneInfo("Europe/Berlin")
GRID, CELL = "/timesheet/", "/timesheet/cell/"
SHEETS = "/api/v1/timesheets"
OCTOBER_CLOSED = "October 2026 is closed for payroll; ask an admin to reopen it."


@pytest.fixture
def november_12():
    with time_machine.travel(datetime(2026, 11, 12, 14, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def web(db):
    return Project.objects.create(code="WEB", name="Website")


def log(user, project, day: date, start_hour: int, end_hour: int):
    start = datetime(day.year, day.month, day.day, start_hour, tzinfo=BERLIN)
    end = datetime(day.year, day.month, day.day, end_hour, tzinfo=BERLIN)
    return services.time_entry_create(actor=user, project=project, start=start, end=end)


def log_hours(user, project, day: date, hours: int):
    return services.time_entry_create(actor=user, project=project, day=day, duration=timedelta(hours=hours))


def cell_inputs(html: str) -> list[str]:
    return re.findall(r'<input class="cell-input" id="cell-[^"]*-(\d{4}-\d{2}-\d{2})"', html)


@pytest.mark.django_db
def test_the_grid_shows_a_closed_months_days_read_only_with_the_month_named(november_12, client, alice, carol, web):
    """Week 2026-W44 runs from Monday 26 October to Sunday 1 November. With October closed,
    its six October days are read-only and labelled; Sunday 1 November stays editable."""
    log_hours(alice, web, date(2026, 10, 27), 2)
    month_closing_create(actor=carol, month=date(2026, 10, 1))
    client.force_login(alice)

    response = client.get(GRID, {"week": "2026-W44"})

    html = response.content.decode()
    offered = {cell.day for row in response.context["rows"] for cell in row.cells if cell.editable}
    assert offered == {date(2026, 11, 1)}
    assert cell_inputs(html) == ["2026-11-01"]
    assert "October 2026 is closed for payroll: its days are read-only." in html
    assert [day["closed"] for day in response.context["days"]] == [True] * 6 + [False]
    assert html.count('<span class="badge badge--quiet">Closed</span>') == 6
    refused = client.post(CELL, {"project": web.pk, "task": "", "day": "2026-10-28", "hours": "3"})
    assert refused.status_code == 409 and OCTOBER_CLOSED.encode() in refused.content
    accepted = client.post(CELL, {"project": web.pk, "task": "", "day": "2026-11-01", "hours": "1"})
    assert accepted.status_code == 302


@pytest.mark.django_db
def test_the_day_page_of_a_closed_month_says_the_month_is_closed(november_12, client, alice, carol, web):
    month_closing_create(actor=carol, month=date(2026, 10, 1))
    client.force_login(alice)

    closed = client.get("/timesheet/day/2026-10-28/")
    open_day = client.get("/timesheet/day/2026-11-02/")

    assert closed.context["editable"] is False and closed.context["month_closed"] is True
    assert "October 2026 is closed for payroll; ask an admin to reopen it." in closed.content.decode()
    assert open_day.context["editable"] is True and open_day.context["month_closed"] is False


@pytest.mark.django_db
def test_a_week_in_a_closed_month_cannot_be_submitted_approved_or_reopened(november_12, api, alice, bob, carol, web):
    # Week 2026-W42 (12-18 October) is handed in before the closing, 2026-W43 (19-25 October)
    # is not; 2026-W44 (26 October - 1 November) runs into November.
    log(alice, web, date(2026, 10, 13), 9, 17)
    log(alice, web, date(2026, 10, 20), 9, 17)
    log(alice, web, date(2026, 10, 27), 9, 17)
    submitted = Timesheet.objects.get(user=alice, week_start=date(2026, 10, 12))
    services.timesheet_submit(timesheet_id=submitted.pk, actor=alice, comment="one day this week")
    approved_before = Timesheet.objects.get(user=alice, week_start=date(2026, 10, 19))
    straddling = Timesheet.objects.get(user=alice, week_start=date(2026, 10, 26))
    closing = month_closing_create(actor=carol, month=date(2026, 10, 1))
    week = {"comment": "one day this week"}

    refusals = [
        api(alice).post(f"{SHEETS}/{approved_before.pk}/submit", week),
        api(bob).post(f"{SHEETS}/{submitted.pk}/approve", {}),
        api(bob).post(f"{SHEETS}/{submitted.pk}/reject", {"comment": "no"}),
        api(bob).post(f"{SHEETS}/{submitted.pk}/reopen", {}),
    ]

    for response in refusals:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "month_closed"
        assert response.json()["detail"] == OCTOBER_CLOSED
    assert Timesheet.objects.get(pk=submitted.pk).status == Timesheet.Status.SUBMITTED
    # the week that runs into the open November is handed in and approved as usual
    assert api(alice).post(f"{SHEETS}/{straddling.pk}/submit", week).status_code == 200
    assert api(bob).post(f"{SHEETS}/{straddling.pk}/approve", {}).status_code == 200
    month_closing_reopen(closing_id=closing.pk, actor=carol)
    assert api(bob).post(f"{SHEETS}/{submitted.pk}/approve", {}).status_code == 200
    assert api(alice).post(f"{SHEETS}/{approved_before.pk}/submit", week).status_code == 200


@pytest.mark.django_db
def test_a_week_before_the_payroll_lock_date_cannot_be_submitted(november_12, api, alice, carol, web):
    log(alice, web, date(2026, 10, 20), 9, 17)
    sheet = Timesheet.objects.get(user=alice)
    services.lock_period_set(actor=carol, locked_before=date(2026, 11, 1))

    response = api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "one day"})

    assert response.status_code == 409 and response.json()["code"] == "period_locked"
    assert response.json()["detail"] == "Week 2026-W43 lies before 2026-11-01, closed for payroll."
