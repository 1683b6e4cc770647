"""The monthly payroll export (issue 17, "Payroll export", acceptance 3 and 5): one row per
person, read from the working-time account, the closing's snapshot and the leave ledger;
an open month is a 409 unless asked preliminary; scoped like every per-person report."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analytics.models import Export
from leave import services as leave_services
from leave.services.account import working_time_adjustment_create
from timeentries.services import time_entry_create
from users.models import MonthClosingRow

PAYROLL = "/api/v1/reports/payroll"
ACCOUNT = "/api/v1/working-time-accounts"
CLOSINGS = "/api/v1/month-closings"


def entry(user, project, start, end):
    return time_entry_create(
        actor=user, project=project, start=datetime.fromisoformat(start), end=datetime.fromisoformat(end)
    )


@pytest.fixture
def november(frozen_2026_11_26, alice, bob, carol, frank, acme, vacation, sick):
    """Alice, employed since January 2026 (40 h over Monday to Friday: 8 h a day; 21 work
    days in November), whose account opens with 150 h on Sunday 1 November; Frank, her team
    mate, employed from that day and idle."""
    alice.employment_start, frank.employment_start = date(2026, 1, 1), date(2026, 11, 1)
    alice.save(update_fields=["employment_start"])
    frank.save(update_fields=["employment_start"])
    leave_services.leave_accrue_year(year=2026)
    working_time_adjustment_create(
        actor=carol, user=alice, kind="opening", hours=Decimal(150), on=date(2026, 11, 1), reason="Old system"
    )
    entry(alice, acme, "2026-11-10T08:00:00+00:00", "2026-11-10T16:00:00+00:00")  # 8 h
    entry(alice, acme, "2026-11-11T08:00:00+00:00", "2026-11-11T16:30:00+00:00")  # 8.5 h
    entry(alice, acme, "2026-11-15T09:00:00+00:00", "2026-11-15T13:00:00+00:00")  # Sunday: 4 h
    asked = leave_services.leave_request_create(
        actor=alice, leave_type=vacation, start_date=date(2026, 11, 16), end_date=date(2026, 11, 17)
    )
    leave_services.leave_request_approve(request_id=asked.pk, actor=bob)  # 2 days
    leave_services.leave_request_create(  # sick on Friday 27 November: 1 day
        actor=alice, leave_type=sick, start_date=date(2026, 11, 27), end_date=date(2026, 11, 27)
    )
    working_time_adjustment_create(
        actor=carol, user=alice, kind="payout", hours=Decimal(-5), on=date(2026, 11, 20), reason="Paid in November"
    )
    return alice


def rows_of(response) -> dict[int, dict]:
    assert response.status_code == 200, response.content
    return {row["user"]: row for row in response.json()["rows"]}


@pytest.mark.django_db
def test_a_closed_november_equals_the_account_and_the_closing_row(api, november, alice, carol, frank):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201

    row = rows_of(api(carol).get(PAYROLL, {"month": "2026-11"}))[alice.pk]

    # Expected: 21 work days less 2 vacation and 1 sick = 18 x 8 h = 144 h. Worked: 8 + 8.5 + 4
    # = 20.5 h. Balance: 150 + 20.5 - 144 - 5 paid out = 21.5 h.
    assert row["expected_hours"] == "144.00" and row["worked_hours"] == "20.50"
    assert row["overtime_hours"] == "-123.50"
    assert row["balance_hours"] == "21.50" and row["paid_out_hours"] == "5.00"
    assert (row["vacation_days"], row["sick_days"], row["unpaid_days"]) == ("2.00", "1.00", "0.00")
    assert row["other_leave"] == {}
    assert row["sunday_days_worked"] == 1 and row["holiday_days_worked"] == 0
    assert row["weekly_hours"] == "40.00" and row["employment_start"] == "2026-01-01"
    assert row["employment_end"] is None and row["preliminary"] is False
    account = api(carol).get(ACCOUNT, {"user": alice.pk, "as_of": "2026-11-30"}).json()
    assert account["balance_hours"] == row["balance_hours"]
    snapshot = MonthClosingRow.objects.get(user=alice, closing__month=date(2026, 11, 1))
    assert (f"{snapshot.worked_hours:.2f}", f"{snapshot.expected_hours:.2f}", f"{snapshot.balance_hours:.2f}") == (
        row["worked_hours"],
        row["expected_hours"],
        row["balance_hours"],
    )
    assert frank.pk in rows_of(api(carol).get(PAYROLL, {"month": "2026-11"}))


@pytest.mark.django_db
def test_a_closed_month_reads_the_snapshot_not_later_changes(api, november, alice, carol):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201
    MonthClosingRow.objects.filter(user=alice).update(worked_hours=Decimal("99.00"))

    row = rows_of(api(carol).get(PAYROLL, {"month": "2026-11"}))[alice.pk]

    assert row["worked_hours"] == "99.00" and row["overtime_hours"] == "-45.00"


@pytest.mark.django_db
def test_an_open_month_is_a_409_naming_it(api, november, carol):
    response = api(carol).get(PAYROLL, {"month": "2026-11"})

    assert response.status_code == 409
    assert response.json()["code"] == "month_open" and "November 2026" in response.json()["detail"]


@pytest.mark.django_db
def test_preliminary_answers_an_open_month_with_every_row_flagged(api, november, alice, carol):
    rows = rows_of(api(carol).get(PAYROLL, {"month": "2026-11", "preliminary": "true"}))

    assert rows and all(row["preliminary"] is True for row in rows.values())
    assert rows[alice.pk]["balance_hours"] == "21.50" and rows[alice.pk]["worked_hours"] == "20.50"


@pytest.mark.django_db
def test_a_team_closing_closes_the_month_for_its_members_only(api, november, alice, carol, team_a, team_b, dave):
    dave.employment_start = date(2026, 11, 1)
    dave.save(update_fields=["employment_start"])
    assert api(carol).post(CLOSINGS, {"month": "2026-11", "team": team_a.pk}, format="json").status_code == 201

    assert rows_of(api(carol).get(PAYROLL, {"month": "2026-11", "team": team_a.pk}))[alice.pk]["preliminary"] is False
    assert api(carol).get(PAYROLL, {"month": "2026-11"}).status_code == 409  # Dave's team is open


@pytest.mark.django_db
def test_managers_see_their_teams_only_and_employees_none(api, november, alice, bob, carol, erin, dave, team_a):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201

    assert alice.pk in rows_of(api(bob).get(PAYROLL, {"month": "2026-11"}))
    assert alice.pk not in rows_of(api(erin).get(PAYROLL, {"month": "2026-11"}))
    assert api(erin).get(PAYROLL, {"month": "2026-11", "team": team_a.pk}).status_code == 404
    assert api(alice).get(PAYROLL, {"month": "2026-11"}).status_code == 403


@pytest.mark.django_db
def test_csv_and_xlsx_hold_the_json_rows(api, november, alice, carol):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201

    response = api(carol).get(PAYROLL, {"month": "2026-11", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="payroll-2026-11.csv"'
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    mine = next(line for line in lines if line["Email"] == alice.email)
    assert (mine["Worked hours"], mine["Expected hours"], mine["Account balance at month end"]) == (
        "20.50",
        "144.00",
        "21.50",
    )
    assert (mine["Vacation days"], mine["Sick days"], mine["Paid-out hours"]) == ("2.00", "1.00", "5.00")

    response = api(carol).get(PAYROLL, {"month": "2026-11", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    header, *rows = list(sheet.values)
    mine = dict(zip(header, next(row for row in rows if alice.email in row), strict=True))
    assert (mine["Worked hours"], mine["Account balance at month end"]) == (20.5, 21.5)


@pytest.mark.django_db
def test_a_bad_month_names_the_field(api, frozen_2026_11_26, carol):
    response = api(carol).get(PAYROLL, {"month": "2026-13"})

    assert response.status_code == 400 and "month" in str(response.json())


@pytest.mark.django_db
def test_the_schema_lists_the_payroll_report(anon):
    response = anon.get("/api/v1/openapi.json")

    operation = response.json()["paths"]["/api/v1/reports/payroll"]["get"]
    assert operation["operationId"] == "reports_payroll"
    assert {"month", "team", "preliminary", "format"} <= {parameter["name"] for parameter in operation["parameters"]}
    assert "409" in operation["responses"]


@pytest.mark.django_db
def test_holidays_on_work_days_and_work_on_them_are_counted(api, november, alice, carol, acme, team_a):
    from leave.models import Holiday, HolidayCalendar

    calendar = HolidayCalendar.objects.create(name="Company days")
    Holiday.objects.create(calendar=calendar, date=date(2026, 11, 18), name="Day of prayer")  # Wednesday
    Holiday.objects.create(calendar=calendar, date=date(2026, 11, 24), name="Half day", half_day=True)  # Tuesday
    Holiday.objects.create(calendar=calendar, date=date(2026, 11, 21), name="On a Saturday")  # not a work day
    team_a.holiday_calendar = calendar
    team_a.save()
    entry(alice, acme, "2026-11-18T09:00:00+00:00", "2026-11-18T12:00:00+00:00")  # 3 h on the holiday

    row = rows_of(api(carol).get(PAYROLL, {"month": "2026-11", "preliminary": "true"}))[alice.pk]

    # 21 work days: 1 holiday and 1 half-day holiday on them (1.5); the Saturday one does not
    # count. Expected: (21 - 1.5 - 2 vacation - 1 sick) x 8 h = 132 h; worked 20.5 + 3 = 23.5 h.
    assert row["public_holidays"] == "1.50" and row["holiday_days_worked"] == 1
    assert row["expected_hours"] == "132.00" and row["worked_hours"] == "23.50"
    assert row["sunday_days_worked"] == 1


@pytest.mark.django_db
def test_a_sick_day_inside_vacation_counts_as_sick_not_vacation(api, november, alice, carol, sick):
    leave_services.leave_request_create(  # sick on Tuesday 17 November, the vacation's second day
        actor=alice, leave_type=sick, start_date=date(2026, 11, 17), end_date=date(2026, 11, 17)
    )

    row = rows_of(api(carol).get(PAYROLL, {"month": "2026-11", "preliminary": "true"}))[alice.pk]

    # BUrlG §9: the sick day is credited back to the vacation: 1 vacation day, 2 sick days.
    assert (row["vacation_days"], row["sick_days"]) == ("1.00", "2.00")


# --- as a background export (POST /api/v1/exports) -------------------------------------------

EXPORTS = "/api/v1/exports"


def export_payroll(client, capture, output="csv", **params):
    with capture(execute=True):
        return client.post(
            EXPORTS, {"report": "payroll", "format": output, "params": {"month": "2026-11", **params}}, format="json"
        )


def cells(content: bytes, output: str) -> list[list]:
    if output == "csv":
        return list(csv.reader(io.StringIO(content.decode())))
    return [[cell.value for cell in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


@pytest.mark.django_db
@pytest.mark.usefixtures("media_in_tmp")
@pytest.mark.parametrize("output", ["csv", "xlsx"])
def test_the_background_payroll_file_is_the_direct_download(
    api, november, alice, carol, frank, output, django_capture_on_commit_callbacks
):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201
    client = api(carol)

    response = export_payroll(client, django_capture_on_commit_callbacks, output)

    assert response.status_code == 202, response.json()
    status = client.get(f"{EXPORTS}/{response.json()['id']}").json()
    # Everyone employed in November: the fixture's people and Carol herself.
    assert (status["status"], status["report"], status["row_count"]) == ("done", "payroll", 4)
    background = client.get(status["download_url"])
    assert background["Content-Disposition"] == f'attachment; filename="payroll-2026-11.{output}"'
    direct = client.get(PAYROLL, {"month": "2026-11", "format": output})
    direct_content = direct.getvalue()
    rows = cells(b"".join(background.streaming_content), output)
    assert rows == cells(direct_content, output)
    assert {row[1] for row in rows[1:]} == {"alice@example.com", "bob@example.com", "carol@example.com", frank.email}
    mine = dict(zip(rows[0], next(row for row in rows if alice.email in row), strict=True))
    # As the direct report: 20.5 h worked of 144 h expected, 21.5 h on the account, 5 h paid out.
    if output == "csv":
        assert (mine["Worked hours"], mine["Expected hours"], mine["Account balance at month end"]) == (
            "20.50",
            "144.00",
            "21.50",
        )
        assert (mine["Vacation days"], mine["Sick days"], mine["Paid-out hours"]) == ("2.00", "1.00", "5.00")
    else:
        assert (mine["Worked hours"], mine["Expected hours"], mine["Paid-out hours"]) == (20.5, 144, 5)


@pytest.mark.django_db
def test_an_open_month_is_refused_when_the_export_is_asked_for(
    api, november, carol, django_capture_on_commit_callbacks
):
    response = export_payroll(api(carol), django_capture_on_commit_callbacks)

    assert response.status_code == 409
    assert response.json()["code"] == "month_open" and "November 2026" in response.json()["detail"]
    assert not Export.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("media_in_tmp")
def test_a_preliminary_payroll_export_of_an_open_month_is_built(
    api, november, carol, django_capture_on_commit_callbacks
):
    client = api(carol)

    response = export_payroll(client, django_capture_on_commit_callbacks, preliminary="true")

    assert response.status_code == 202, response.json()
    status = client.get(f"{EXPORTS}/{response.json()['id']}").json()
    rows = cells(b"".join(client.get(status["download_url"]).streaming_content), "csv")
    assert status["status"] == "done" and {row[-1] for row in rows[1:]} == {"True"}


@pytest.mark.django_db
def test_payroll_exports_are_scoped_as_the_report_is(
    api, november, alice, bob, carol, erin, team_a, django_capture_on_commit_callbacks
):
    assert api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json").status_code == 201

    assert export_payroll(api(alice), django_capture_on_commit_callbacks).status_code == 403
    assert export_payroll(api(erin), django_capture_on_commit_callbacks, team=str(team_a.pk)).status_code == 404
    assert not Export.objects.exists()
    assert export_payroll(api(bob), django_capture_on_commit_callbacks, team=str(team_a.pk)).status_code == 202
