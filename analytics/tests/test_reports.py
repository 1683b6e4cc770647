"""The time, overtime and leave reports, with hand-computed numbers.

Every test here runs on SQLite (the Python path) and on PostgreSQL (the SQL path) alike."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from analytics import reports
from analytics.reports.common import TimeReportQuery
from analytics.reports.python import time_report_python
from analytics.reports.sql import time_report_sql
from conftest import requires_postgres
from core.models import AuditEvent
from leave import services as leave_services
from leave.models import HolidayCalendar, LeaveType
from timeentries.models import TimeEntry
from users.tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TIME = "/api/v1/reports/time"
OVERTIME = "/api/v1/reports/overtime"
LEAVE = "/api/v1/reports/leave"


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def report(actor, date_from, date_to, group_by, tz=BERLIN, **filters):
    return reports.time_report(
        actor=actor,
        date_from=date.fromisoformat(date_from),
        date_to=date.fromisoformat(date_to),
        group_by=group_by,
        tz=tz,
        filters=filters,
    )


def hours_by(result, key) -> dict:
    return {row[key]: row["hours"] for row in result["rows"]}


# --- splitting at local boundaries ------------------------------------------------------------


def test_an_entry_across_midnight_is_split_between_the_two_days(alice, acme, log):
    log(alice, acme, berlin(2026, 11, 2, 22), berlin(2026, 11, 3, 2))

    result = report(alice, "2026-11-01", "2026-11-30", ["day"])

    assert hours_by(result, "day") == {"2026-11-02": Decimal("2.00"), "2026-11-03": Decimal("2.00")}
    assert [row["entries"] for row in result["rows"]] == [1, 1]
    assert result["totals"] == {
        "hours": Decimal("4.00"),
        "billable_hours": Decimal("4.00"),
        "amount": Decimal("382.00"),
        "entries": 1,
    }


def test_entries_are_clipped_to_the_local_days_asked_for(alice, acme, log):
    log(alice, acme, berlin(2026, 11, 2, 22), berlin(2026, 11, 3, 2))

    result = report(alice, "2026-11-03", "2026-11-03", ["project"])

    assert result["rows"][0]["hours"] == Decimal("2.00")
    assert result["totals"]["hours"] == Decimal("2.00")


def test_the_dst_night_counts_its_real_hours(alice, acme, log):
    # 22:00 CEST on 24 Oct to 06:00 CET on 25 Oct 2026: nine hours, the clocks went back at 03:00.
    start = datetime(2026, 10, 24, 22, tzinfo=ZoneInfo("Etc/GMT-2"))
    end = datetime(2026, 10, 25, 6, tzinfo=ZoneInfo("Etc/GMT-1"))
    log(alice, acme, start, end)

    result = report(alice, "2026-10-01", "2026-10-31", ["day"])

    assert hours_by(result, "day") == {"2026-10-24": Decimal("2.00"), "2026-10-25": Decimal("7.00")}
    assert result["totals"]["hours"] == Decimal("9.00")


def test_an_entry_across_a_month_end_is_split_between_the_months(alice, acme, log):
    log(alice, acme, berlin(2026, 10, 31, 22), berlin(2026, 11, 1, 1))

    result = report(alice, "2026-10-01", "2026-11-30", ["month"])

    assert hours_by(result, "month") == {"2026-10": Decimal("2.00"), "2026-11": Decimal("1.00")}


def test_an_entry_across_sunday_night_is_split_between_the_iso_weeks(alice, acme, log):
    log(alice, acme, berlin(2026, 11, 1, 23), berlin(2026, 11, 2, 1))  # Sunday 23:00 to Monday 01:00

    result = report(alice, "2026-10-26", "2026-11-08", ["week"])

    assert hours_by(result, "week") == {"2026-W44": Decimal("1.00"), "2026-W45": Decimal("1.00")}


def test_days_are_the_requesters_unless_another_zone_is_asked_for(carol, alice, dave, acme, log):
    dave.timezone = "America/New_York"
    dave.save()
    log(alice, acme, berlin(2026, 11, 10, 0, 30), berlin(2026, 11, 10, 1, 30))  # 18:30-19:30 on the 9th in New York
    log(dave, acme, datetime(2026, 11, 9, 23, tzinfo=NEW_YORK), datetime(2026, 11, 10, 1, tzinfo=NEW_YORK))

    in_berlin = report(carol, "2026-11-09", "2026-11-10", ["day"])
    in_new_york = report(carol, "2026-11-09", "2026-11-10", ["day"], tz=NEW_YORK)

    assert hours_by(in_berlin, "day") == {"2026-11-10": Decimal("3.00")}
    assert hours_by(in_new_york, "day") == {"2026-11-09": Decimal("2.00"), "2026-11-10": Decimal("1.00")}


def test_days_by_user_name_each_persons_share(carol, alice, dave, acme, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 12))
    log(dave, acme, berlin(2026, 11, 4, 10), berlin(2026, 11, 4, 11))

    rows = report(carol, "2026-11-04", "2026-11-04", ["day", "user"])["rows"]

    assert [(row["day"], row["user"], row["user_name"], row["hours"]) for row in rows] == [
        ("2026-11-04", alice.pk, str(alice), Decimal("3.00")),
        ("2026-11-04", dave.pk, str(dave), Decimal("1.00")),
    ]


# --- money --------------------------------------------------------------------------------------


def test_billable_amounts_are_exact_to_the_cent(alice, acme, internal, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10, 20))  # 1 h 20 min at 95.50 = 127.33
    log(alice, acme, berlin(2026, 11, 4, 11), berlin(2026, 11, 4, 11, 30), billable=False)
    log(alice, internal, berlin(2026, 11, 4, 13), berlin(2026, 11, 4, 15), billable=False)

    result = report(alice, "2026-11-04", "2026-11-04", ["project"])

    acme_row, internal_row = result["rows"]
    assert (acme_row["project_name"], acme_row["hours"], acme_row["billable_hours"], acme_row["amount"]) == (
        "Acme website",
        Decimal("1.83"),
        Decimal("1.33"),
        Decimal("127.33"),
    )
    assert (internal_row["hours"], internal_row["billable_hours"], internal_row["amount"]) == (
        Decimal("2.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert result["totals"] == {
        "hours": Decimal("3.83"),
        "billable_hours": Decimal("1.33"),
        "amount": Decimal("127.33"),
        "entries": 3,
    }


def test_grouped_by_project_and_user_with_client_and_task_names(carol, alice, bob, acme, acme_dev, internal, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 11), task=acme_dev)
    log(bob, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10))
    log(alice, internal, berlin(2026, 11, 5, 9), berlin(2026, 11, 5, 10))

    rows = report(carol, "2026-11-01", "2026-11-30", ["project", "user"])["rows"]

    assert [(row["project_name"], row["user_name"], row["hours"]) for row in rows] == [
        ("Acme website", str(alice), Decimal("2.00")),
        ("Acme website", str(bob), Decimal("1.00")),
        ("Internal", str(alice), Decimal("1.00")),
    ]
    by_client = report(carol, "2026-11-01", "2026-11-30", ["client", "task"])["rows"]
    assert [(row["client_name"], row["task_name"], row["hours"]) for row in by_client] == [
        (None, None, Decimal("1.00")),
        ("Acme Corp", None, Decimal("1.00")),
        ("Acme Corp", "Development", Decimal("2.00")),
    ]


def test_filters_narrow_the_entries(carol, alice, bob, dave, acme, internal, team_b, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 11))
    log(alice, internal, berlin(2026, 11, 4, 12), berlin(2026, 11, 4, 13), billable=False)
    log(dave, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 13))

    def total(**filters):
        return report(carol, "2026-11-01", "2026-11-30", ["user"], **filters)["totals"]["hours"]

    assert total() == Decimal("7.00")
    assert total(user=alice.pk) == Decimal("3.00")
    assert total(team=team_b.pk) == Decimal("4.00")
    assert total(project=internal.pk) == Decimal("1.00")
    assert total(client=acme.client_id) == Decimal("6.00")
    assert total(billable=False) == Decimal("1.00")


def test_running_timers_are_left_out(alice, acme, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10))
    TimeEntry.objects.create(user=alice, project=acme, start=berlin(2026, 11, 4, 11))

    assert report(alice, "2026-11-04", "2026-11-04", ["day"])["totals"]["entries"] == 1


# --- scoping ---------------------------------------------------------------------------------


@pytest.fixture
def three_people_worked(alice, bob, dave, acme, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10))
    log(bob, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 11))
    log(dave, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 13))


def test_a_manager_sees_their_team_never_another(bob, alice, dave, three_people_worked):
    rows = report(bob, "2026-11-01", "2026-11-30", ["user"])["rows"]

    assert {row["user"] for row in rows} == {alice.pk, bob.pk}
    assert report(bob, "2026-11-01", "2026-11-30", ["user"], user=dave.pk)["totals"]["hours"] == Decimal("0.00")


def test_an_employee_sees_only_their_own_hours(alice, three_people_worked):
    result = report(alice, "2026-11-01", "2026-11-30", ["user"])

    assert [row["user"] for row in result["rows"]] == [alice.pk]
    assert result["totals"]["hours"] == Decimal("1.00")


def test_an_admin_sees_everyone(carol, three_people_worked):
    assert report(carol, "2026-11-01", "2026-11-30", ["team"])["totals"]["hours"] == Decimal("7.00")


def test_an_empty_report_has_zero_totals(alice):
    assert report(alice, "2026-11-01", "2026-11-30", ["day"]) == {
        "rows": [],
        "totals": {
            "hours": Decimal("0.00"),
            "billable_hours": Decimal("0.00"),
            "amount": Decimal("0.00"),
            "entries": 0,
        },
    }


@requires_postgres
@pytest.mark.parametrize(
    "group_by", [["day"], ["week"], ["month"], ["user"], ["team", "day"], ["project", "user"], ["client", "task"]]
)
@pytest.mark.parametrize("who", ["carol", "bob"])
def test_the_sql_and_python_paths_agree(
    request, alice, dave, acme, acme_dev, internal, log, log_duration, group_by, who
):
    dave.timezone = "America/New_York"
    dave.save()
    # Breaks spread over the local days a clocked entry touches, and duration entries on
    # their days (the first and last of the range, a month end; one after the range).
    log(alice, acme, berlin(2026, 10, 26, 20), berlin(2026, 10, 27, 6, 7), break_minutes=47, task=acme_dev)
    log(dave, internal, berlin(2026, 11, 29, 23), berlin(2026, 11, 30, 2, 1), break_minutes=13, billable=False)
    log_duration(alice, acme, date(2026, 3, 1), 7.25, task=acme_dev)
    log_duration(alice, internal, date(2026, 10, 31), 3.5, billable=False)
    log_duration(dave, acme, date(2026, 11, 30), 8)
    log_duration(dave, acme, date(2026, 12, 1), 8)
    # 24 hours from 23:30 before the spring-forward night: three local days (0.5 h, 23 h, 0.5 h).
    log(alice, acme, berlin(2026, 3, 28, 23, 30), berlin(2026, 3, 28, 23, 30) + timedelta(hours=24))
    log(alice, acme, berlin(2026, 10, 24, 22), berlin(2026, 10, 25, 5), task=acme_dev)
    log(alice, acme, berlin(2026, 10, 31, 22), berlin(2026, 11, 1, 1, 7))
    log(alice, internal, berlin(2026, 11, 2, 22), berlin(2026, 11, 3, 2), billable=False)
    log(dave, acme, berlin(2026, 10, 1, 0, 30), berlin(2026, 10, 1, 3, 11))
    log(dave, acme, berlin(2026, 11, 30, 23), berlin(2026, 12, 1, 4))
    actor = request.getfixturevalue(who)
    query = TimeReportQuery.of(actor, date(2026, 3, 1), date(2026, 11, 30), group_by, BERLIN, {})

    sql = json.loads(time_report_sql(query))
    python = reports.jsonable(time_report_python(query))

    assert sql == python
    assert sql["rows"]
    assert {row.get("user") for row in sql["rows"]} <= {alice.pk, dave.pk if who == "carol" else alice.pk, None}


@requires_postgres
def test_the_api_sends_what_the_report_selector_answers(api, carol, alice, acme, log):
    log(alice, acme, berlin(2026, 11, 2, 9), berlin(2026, 11, 2, 17, 30))
    params = {"date_from": date(2026, 11, 1), "date_to": date(2026, 11, 30), "group_by": ["user", "day"], "tz": BERLIN}

    response = api(carol).get(f"{TIME}?from=2026-11-01&to=2026-11-30&group_by=user,day&tz=Europe/Berlin")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == reports.jsonable(reports.time_report(actor=carol, **params))
    assert response.json()["rows"] == [
        {
            "user": alice.pk,
            "user_name": str(alice),
            "day": "2026-11-02",
            "hours": "8.50",
            "billable_hours": "8.50",
            "amount": "811.75",  # 8.5 h x 95.50
            "entries": 1,
        }
    ]


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_json_with_amounts_as_strings(api, alice, acme, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10, 20))

    response = api(alice).get(TIME, {"from": "2026-11-01", "to": "2026-11-30", "group_by": "project,day"})

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "rows": [
            {
                "project": acme.pk,
                "project_name": "Acme website",
                "day": "2026-11-04",
                "hours": "1.33",
                "billable_hours": "1.33",
                "amount": "127.33",
                "entries": 1,
            }
        ],
        "totals": {"hours": "1.33", "billable_hours": "1.33", "amount": "127.33", "entries": 1},
    }


def test_the_api_uses_the_requesters_zone_by_default(api, alice, acme, log):
    log(alice, acme, berlin(2026, 11, 10, 0, 30), berlin(2026, 11, 10, 1, 30))
    client = api(alice)

    mine = client.get(TIME, {"from": "2026-11-09", "to": "2026-11-10", "group_by": "day"}).json()
    new_york = client.get(
        TIME, {"from": "2026-11-09", "to": "2026-11-10", "group_by": "day", "tz": "America/New_York"}
    ).json()

    assert [row["day"] for row in mine["rows"]] == ["2026-11-10"]
    assert [row["day"] for row in new_york["rows"]] == ["2026-11-09"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "project,salary"}, "group_by"),
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "user,project,task"}, "group_by"),
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "day,week"}, "group_by"),
        ({"from": "2026-11-01", "to": "2026-11-30", "tz": "Mars/Olympus"}, "tz"),
        ({"from": "2026-11-01", "to": "2026-11-30", "format": "pdf"}, "format"),
        ({"from": "2026-11-01", "to": "2026-11-30", "project": "x"}, "project"),
    ],
)
def test_bad_parameters_answer_400_naming_the_field(api, alice, params, field):
    response = api(alice).get(TIME, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_full_leap_year_span_is_allowed(api, alice):
    assert api(alice).get(TIME, {"from": "2028-01-01", "to": "2028-12-31"}).status_code == 200


def test_csv_rows_equal_the_json_rows_and_the_export_is_audited(api, bob, alice, acme, internal, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10, 20))
    log(bob, internal, berlin(2026, 11, 5, 22), berlin(2026, 11, 6, 1), billable=False)
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user,day"}
    client = api(bob)

    json_rows = client.get(TIME, params).json()["rows"]
    response = client.get(TIME, {**params, "format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="time-report-2026-11-01-2026-11-30.csv"'
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["User", "Day", "Hours", "Billable hours", "Amount", "Entries"]
    assert lines[1:] == [
        [row["user_name"], row["day"], row["hours"], row["billable_hours"], row["amount"], str(row["entries"])]
        for row in json_rows
    ]
    assert len(lines) == 1 + 3
    event = AuditEvent.objects.get(action="report_exported")
    assert event.actor == bob
    assert event.data["format"] == "csv"
    assert event.data["report"] == "time"


def test_xlsx_has_a_bold_frozen_header_typed_cells_and_totals(api, alice, acme, log):
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10, 20))
    log(alice, acme, berlin(2026, 11, 5, 9), berlin(2026, 11, 5, 11))

    response = api(alice).get(TIME, {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="time-report-2026-11-01-2026-11-30.xlsx"'
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == ["Day", "Hours", "Billable hours", "Amount", "Entries"]
    assert all(cell.font.bold for cell in rows[0])
    assert sheet.freeze_panes == "A2"
    first = rows[1]
    assert first[0].is_date and first[0].value.date() == date(2026, 11, 4)
    assert first[1].value == pytest.approx(1.33) and first[1].number_format == "0.00"
    assert first[3].value == pytest.approx(127.33) and first[3].data_type == "n"
    totals = rows[-1]
    assert totals[0].value == "Total" and totals[0].font.bold
    assert totals[1].value == pytest.approx(3.33) and totals[1].font.bold
    assert totals[3].value == pytest.approx(318.33)
    assert len(rows) == 1 + 2 + 1
    assert sheet.column_dimensions["A"].width == 12
    assert AuditEvent.objects.filter(action="report_exported", actor=alice).count() == 1


def test_a_download_too_large_for_a_request_answers_413(api, alice, acme, log, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    log(alice, acme, berlin(2026, 11, 4, 9), berlin(2026, 11, 4, 10))
    log(alice, acme, berlin(2026, 11, 5, 9), berlin(2026, 11, 5, 10))
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}

    response = api(alice).get(TIME, {**params, "format": "csv"})

    assert response.status_code == 413
    assert "/exports" in response.json()["detail"]
    assert api(alice).get(TIME, params).status_code == 200  # JSON has no such limit
    assert not AuditEvent.objects.filter(action="report_exported").exists()


# --- overtime --------------------------------------------------------------------------------


@pytest.fixture
def calendar(team_a):
    calendar = HolidayCalendar.objects.create(name="Berlin", country="DE", subdivision="BE")
    team_a.holiday_calendar = calendar
    team_a.save()
    return calendar


@pytest.fixture
def half_day_off(frozen_2026_11_26, calendar, alice, bob, carol):
    """Week 2026-W47 (Mon 16 to Sun 22 Nov): a holiday on Wednesday, Friday afternoon off."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=BERLIN)
    alice.save()
    leave_services.leave_accrue_year(year=2026)
    leave_services.holiday_create(calendar=calendar, day=date(2026, 11, 18), name="Buss- und Bettag", actor=carol)
    vacation = LeaveType.objects.get(code="vacation")
    request = leave_services.leave_request_create(
        actor=alice,
        leave_type=vacation,
        start_date=date(2026, 11, 20),
        end_date=date(2026, 11, 20),
        start_half="afternoon",
    )
    leave_services.leave_request_approve(request_id=request.pk, actor=bob)
    return alice


def test_overtime_counts_holidays_and_half_days_of_leave(half_day_off, bob, acme, log):
    alice = half_day_off
    alice.employment_start = date(2026, 11, 16)  # the running balance starts with the report
    alice.save(update_fields=["employment_start"])
    log(alice, acme, berlin(2026, 11, 16, 8), berlin(2026, 11, 16, 17))  # 9 h
    log(alice, acme, berlin(2026, 11, 17, 22), berlin(2026, 11, 18, 2))  # 2 h on Tue, 2 h on the holiday
    log(alice, acme, berlin(2026, 11, 23, 9), berlin(2026, 11, 23, 12))  # 3 h in W48

    result = reports.overtime_report(
        actor=bob, date_from=date(2026, 11, 16), date_to=date(2026, 11, 29), period="week", user=alice.pk
    )

    # Mon 8 + Tue 8 + Wed holiday 0 + Thu 8 + Fri morning 4 = 28 expected hours.
    assert [
        (
            row["period"],
            row["period_start"],
            row["expected_hours"],
            row["actual_hours"],
            row["difference"],
            row["balance"],
        )
        for row in result["rows"]
    ] == [
        ("2026-W47", "2026-11-16", Decimal("28.00"), Decimal("13.00"), Decimal("-15.00"), Decimal("-15.00")),
        ("2026-W48", "2026-11-23", Decimal("40.00"), Decimal("3.00"), Decimal("-37.00"), Decimal("-52.00")),
    ]
    assert result["totals"]["difference"] == Decimal("-52.00")


def test_overtime_by_month_clips_the_periods_and_covers_every_visible_person(
    frozen_2026_11_26, bob, alice, dave, acme, log
):
    log(alice, acme, berlin(2026, 10, 30, 9), berlin(2026, 10, 30, 19))  # Friday, 10 h

    result = reports.overtime_report(actor=bob, date_from=date(2026, 10, 26), date_to=date(2026, 11, 1), period="month")

    alice_rows = [row for row in result["rows"] if row["user"] == alice.pk]
    assert [(row["period"], row["period_start"], row["period_end"]) for row in alice_rows] == [
        ("2026-10", "2026-10-26", "2026-10-31"),
        ("2026-11", "2026-11-01", "2026-11-01"),
    ]
    assert (alice_rows[0]["expected_hours"], alice_rows[0]["actual_hours"]) == (Decimal("40.00"), Decimal("10.00"))
    assert {row["user"] for row in result["rows"]} == {alice.pk, bob.pk}
    assert dave.pk not in {row["user"] for row in result["rows"]}


def test_overtime_api_and_another_teams_person_is_404(api, frozen_2026_11_26, bob, alice, dave):
    client = api(bob)

    response = client.get(OVERTIME, {"from": "2026-11-16", "to": "2026-11-22", "period": "week", "user": alice.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["rows"][0]["expected_hours"] == "40.00"
    assert client.get(OVERTIME, {"from": "2026-11-16", "to": "2026-11-22", "user": dave.pk}).status_code == 404
    assert client.get(OVERTIME, {"from": "2025-01-01", "to": "2026-11-22"}).status_code == 400
    xlsx = client.get(OVERTIME, {"from": "2026-11-16", "to": "2026-11-22", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == 'attachment; filename="overtime-report-2026-11-16-2026-11-22.xlsx"'


# --- leave -----------------------------------------------------------------------------------


def test_leave_report_shows_each_visible_persons_balances(api, half_day_off, bob, dave):
    response = api(bob).get(LEAVE, {"as_of": "2026-11-26"})

    assert response.status_code == 200, response.json()
    rows = response.json()["rows"]
    assert dave.pk not in {row["user"] for row in rows}
    vacation = next(row for row in rows if row["user"] == half_day_off.pk and row["type_code"] == "vacation")
    assert (vacation["entitlement"], vacation["taken"], vacation["pending"], vacation["left"]) == (
        "25.00",
        "0.50",
        "0.00",
        "24.50",
    )
    assert api(bob).get(LEAVE, {}).status_code == 400
    csv_response = api(bob).get(LEAVE, {"as_of": "2026-11-26", "format": "csv"})
    assert csv_response["Content-Disposition"] == 'attachment; filename="leave-report-2026-11-26.csv"'


def test_a_range_never_leaks_entries_outside_it(alice, acme, log):
    log(alice, acme, berlin(2026, 10, 31, 23), berlin(2026, 11, 1, 0) + timedelta(minutes=30))

    assert report(alice, "2026-11-01", "2026-11-01", ["day"])["totals"]["hours"] == Decimal("0.50")
    assert report(alice, "2026-10-31", "2026-10-31", ["day"])["totals"]["hours"] == Decimal("1.00")


def test_overtime_and_leave_reports_cost_the_same_queries_for_more_people(api, carol):
    """Balances and expected hours are read for everyone at once, not once per person."""
    client = api(carol)
    requests = [
        (OVERTIME, {"from": "2026-11-02", "to": "2026-11-29"}),
        (LEAVE, {"as_of": "2026-11-15"}),
    ]

    def count(url, params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    few = [count(url, params) for url, params in requests]
    assert min(few) > 3  # the reports themselves were counted, not only the sign-in
    UserFactory.create_batch(12)
    assert [count(url, params) for url, params in requests] == few, few


# --- two kinds of entry: duration entries on their day, clocked ones less their break ---------


@pytest.fixture
def both_kinds(alice, acme, internal, log, log_duration):
    """alice: clocked Mon 2 Nov 20:00 to Tue 02:00 (Berlin) with a 60-minute break (5 h worked:
    4 h of the span on Monday, 2 h on Tuesday, the break spread 4:2), 2.5 h typed on Tuesday,
    1.5 h non-billable typed on Wednesday (after the range asked for below)."""
    log(alice, acme, berlin(2026, 11, 2, 20), berlin(2026, 11, 3, 2), break_minutes=60)
    log_duration(alice, acme, date(2026, 11, 3), 2.5)
    log_duration(alice, internal, date(2026, 11, 4), 1.5, billable=False)


def test_the_api_counts_duration_entries_on_their_day_and_spreads_a_break(api, alice, both_kinds):
    response = api(alice).get(TIME, {"from": "2026-11-02", "to": "2026-11-03", "group_by": "day"})

    assert response.status_code == 200, response.json()
    assert [(row["day"], row["hours"], row["entries"]) for row in response.json()["rows"]] == [
        ("2026-11-02", "3.33", 1),  # 4 h x 5/6
        ("2026-11-03", "4.17", 2),  # 2 h x 5/6 + 2.5 h
    ]
    assert response.json()["totals"] == {
        "hours": "7.50",
        "billable_hours": "7.50",
        "amount": "716.25",  # 7.5 h x 95.50
        "entries": 2,
    }


def test_the_api_groups_both_kinds_by_project_week_and_month(api, alice, both_kinds):
    client = api(alice)
    params = {"from": "2026-11-01", "to": "2026-11-30"}

    by_project = client.get(TIME, {**params, "group_by": "project"}).json()
    by_week = client.get(TIME, {**params, "group_by": "week,project"}).json()
    by_month = client.get(TIME, {**params, "group_by": "month"}).json()

    assert [(row["project_name"], row["hours"], row["entries"]) for row in by_project["rows"]] == [
        ("Acme website", "7.50", 2),
        ("Internal", "1.50", 1),
    ]
    assert [(row["week"], row["project_name"], row["hours"]) for row in by_week["rows"]] == [
        ("2026-W45", "Acme website", "7.50"),
        ("2026-W45", "Internal", "1.50"),
    ]
    assert [(row["month"], row["hours"], row["billable_hours"]) for row in by_month["rows"]] == [
        ("2026-11", "9.00", "7.50")
    ]


def test_a_duration_entry_counts_on_its_own_day_whatever_zone_is_asked_for(api, alice, both_kinds):
    response = api(alice).get(
        TIME, {"from": "2026-11-04", "to": "2026-11-04", "group_by": "day", "tz": "America/New_York"}
    )

    assert [(row["day"], row["hours"]) for row in response.json()["rows"]] == [("2026-11-04", "1.50")]


def test_csv_and_xlsx_exports_count_both_kinds(api, alice, both_kinds):
    client = api(alice)
    params = {"from": "2026-11-02", "to": "2026-11-03", "group_by": "day"}

    csv_response = client.get(TIME, {**params, "format": "csv"})
    xlsx_response = client.get(TIME, {**params, "format": "xlsx"})

    lines = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert lines == [
        ["Day", "Hours", "Billable hours", "Amount", "Entries"],
        ["2026-11-02", "3.33", "3.33", "318.33", "1"],
        ["2026-11-03", "4.17", "4.17", "397.92", "2"],
    ]
    sheet = load_workbook(io.BytesIO(xlsx_response.getvalue())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [3.33, 4.17, 7.5]


def test_overtime_counts_duration_entries_and_clocked_time_less_breaks(
    frozen_2026_11_26, api, bob, alice, acme, log, log_duration
):
    log_duration(alice, acme, date(2026, 11, 16), 8)
    log(alice, acme, berlin(2026, 11, 17, 8), berlin(2026, 11, 17, 16, 30), break_minutes=30)  # 8 h
    log(alice, acme, berlin(2026, 11, 18, 20), berlin(2026, 11, 19, 2), break_minutes=60)  # 3h20 + 1h40
    log_duration(alice, acme, date(2026, 11, 23), 6)  # the week after the range

    response = api(bob).get(OVERTIME, {"from": "2026-11-16", "to": "2026-11-22", "period": "week", "user": alice.pk})

    assert response.status_code == 200, response.json()
    row = response.json()["rows"][0]
    assert (row["expected_hours"], row["actual_hours"], row["difference"]) == ("40.00", "21.00", "-19.00")
