"""The overtime report under employment dates and contract versions (issue 15): expected
hours only while employed and per the version in force each day, and a running balance that
starts at employment start whatever range is asked."""

from datetime import date

import pytest

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
