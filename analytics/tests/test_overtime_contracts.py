"""The overtime report under employment dates and contract versions (issue 15): expected
hours only while employed and per the version in force each day, and a running balance that
starts at employment start whatever range is asked."""

from datetime import date
from decimal import Decimal

import pytest

from leave.models import Holiday, HolidayCalendar, LeaveRequest
from users.models import Contract

OVERTIME = "/api/v1/reports/overtime"


def rows_of(client, **params) -> list[dict]:
    response = client.get(OVERTIME, params)
    assert response.status_code == 200, response.json()
    return response.json()["rows"]


@pytest.mark.django_db
def test_expected_hours_run_only_from_the_first_to_the_last_day_employed(api, frozen_2026_11_26, carol, dave):
    dave.employment_start, dave.employment_end = date(2026, 10, 15), date(2026, 11, 10)
    dave.save()

    rows = rows_of(api(carol), **{"from": "2026-10-01", "to": "2026-11-30", "period": "month", "user": dave.pk})

    # October from Thursday the 15th: 2 + 5 + 5 = 12 work days; November to Tuesday the 10th:
    # 5 + 2 = 7 work days; 8 h each.
    assert [(row["period"], row["expected_hours"]) for row in rows] == [("2026-10", "96.00"), ("2026-11", "56.00")]
    assert [row["opening_balance"] for row in rows] == ["0.00", "-96.00"]
    assert [row["balance"] for row in rows] == ["-96.00", "-152.00"]


@pytest.mark.django_db
def test_a_contract_change_halves_the_expected_hours_from_its_day(api, frozen_2026_11_26, carol, dave):
    dave.employment_start = date(2026, 11, 9)
    dave.save()
    Contract.objects.create(user=dave, valid_from=date(2026, 11, 9), weekly_hours=40, work_days="12345")
    Contract.objects.create(user=dave, valid_from=date(2026, 11, 16), weekly_hours=20, work_days="1234")

    rows = rows_of(api(carol), **{"from": "2026-11-09", "to": "2026-11-22", "period": "week", "user": dave.pk})

    assert [(row["period"], row["expected_hours"]) for row in rows] == [("2026-W46", "40.00"), ("2026-W47", "20.00")]


@pytest.mark.django_db
def test_one_week_asked_shows_the_balance_since_employment_start(
    api, frozen_2026_11_26, carol, dave, acme, log_duration
):
    dave.employment_start = date(2026, 11, 2)
    dave.save()
    for day in range(2, 7):  # Monday 2 to Friday 6 November, 9 h a day: 45 h against 40 h
        log_duration(dave, acme, date(2026, 11, day), 9)

    client = api(carol)
    alone = rows_of(client, **{"from": "2026-11-09", "to": "2026-11-15", "period": "week", "user": dave.pk})
    both = rows_of(client, **{"from": "2026-11-02", "to": "2026-11-15", "period": "week", "user": dave.pk})

    assert [(row["opening_balance"], row["difference"], row["balance"]) for row in alone] == [
        ("5.00", "-40.00", "-35.00")
    ]
    assert [(row["opening_balance"], row["difference"], row["balance"]) for row in both] == [
        ("0.00", "5.00", "5.00"),
        ("5.00", "-40.00", "-35.00"),
    ]

    # The CSV carries the opening balance too, as a last column (existing columns keep their place).
    response = client.get(
        OVERTIME, {"from": "2026-11-09", "to": "2026-11-15", "period": "week", "user": dave.pk, "format": "csv"}
    )
    csv_text = b"".join(response.streaming_content).decode()
    header, row = csv_text.splitlines()[:2]
    assert header.split(",")[-2:] == ["Balance", "Opening balance"]
    assert row.split(",")[-2:] == ["-35.00", "5.00"]


@pytest.mark.django_db
def test_leave_holidays_and_sick_days_count_as_the_day_by_day_rule_says(
    api, frozen_2026_11_26, carol, dave, acme, log_duration, vacation, sick
):
    """Issue 21: the days off are read for everyone at once, not one by one; every case
    the rule knows still counts. Until 15 November 40 h on Monday to Friday (8 h a day)
    under one calendar, from 16 November 30 h on Monday to Wednesday (10 h) under another."""
    dave.employment_start = date(2026, 11, 2)
    dave.save()
    first, second = HolidayCalendar.objects.create(name="First"), HolidayCalendar.objects.create(name="Second")
    Holiday.objects.create(calendar=first, date=date(2026, 11, 4), name="Whole")
    Holiday.objects.create(calendar=first, date=date(2026, 11, 5), name="Half", half_day=True)
    Holiday.objects.create(calendar=first, date=date(2026, 11, 18), name="The first calendar's only")
    Holiday.objects.create(calendar=second, date=date(2026, 11, 17), name="Second's")
    Contract.objects.create(
        user=dave, valid_from=date(2026, 11, 2), weekly_hours=40, work_days="12345", holiday_calendar=first
    )
    Contract.objects.create(
        user=dave, valid_from=date(2026, 11, 16), weekly_hours=30, work_days="123", holiday_calendar=second
    )
    log_duration(dave, acme, date(2026, 11, 6), 1.5)
    log_duration(dave, acme, date(2026, 11, 10), 6)
    for leave_type, start, end, start_half, end_half in (
        (vacation, date(2026, 11, 3), date(2026, 11, 6), "afternoon", "morning"),
        (sick, date(2026, 11, 6), date(2026, 11, 7), "", ""),  # into the vacation's last day and a Saturday
        (sick, date(2026, 11, 10), date(2026, 11, 10), "afternoon", ""),
        (vacation, date(2026, 11, 13), date(2026, 11, 16), "", ""),  # over a weekend into the second version
    ):
        LeaveRequest.objects.create(
            user=dave,
            leave_type=leave_type,
            start_date=start,
            end_date=end,
            start_half=start_half,
            end_half=end_half,
            status=LeaveRequest.Status.APPROVED,
        )
    client = api(carol)

    weeks = rows_of(client, **{"from": "2026-11-02", "to": "2026-11-22", "period": "week", "user": dave.pk})
    later = rows_of(client, **{"from": "2026-11-16", "to": "2026-11-22", "period": "week", "user": dave.pk})
    month = rows_of(client, **{"from": "2026-11-01", "to": "2026-11-30", "period": "month", "user": dave.pk})

    # W45: Mon 8; Tue morning 4; Wed holiday; Thu half holiday, on leave; Fri afternoon 4 of
    # which 2.5 sick (1.5 worked). W46: Tue's afternoon 4 sick, of which 2 not worked (6 h
    # worked): 6; Fri on leave. W47: Mon on leave, Tue the second calendar's holiday, Wed 10.
    assert [row["expected_hours"] for row in weeks] == ["13.50", "30.00", "10.00"]
    assert [row["opening_balance"] for row in later] == [str(Decimal("7.50") - Decimal("43.50"))]
    assert [row["expected_hours"] for row in month] == ["93.50"]  # W48 30 and Monday the 30th 10
