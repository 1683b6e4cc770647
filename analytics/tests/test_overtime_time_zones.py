"""The overtime report's worked hours per local week and month in each person's own time
zone, across the autumn clock changes, with hand-computed numbers (the same on SQLite's
Python path and PostgreSQL's SQL path)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics import reports

BERLIN = ZoneInfo("Europe/Berlin")  # summer time ends Sunday 25 October 2026, 03:00 -> 02:00
NEW_YORK = ZoneInfo("America/New_York")  # daylight time ends Sunday 1 November 2026, 02:00 -> 01:00


@pytest.fixture
def two_time_zones(frozen_2026_11_26, alice, frank, acme, log):
    """Alice in Berlin, Frank in New York, both employed from Monday 19 October 2026 (40 h
    over Monday to Friday)."""
    alice.timezone, frank.timezone = "Europe/Berlin", "America/New_York"
    for person in (alice, frank):
        person.employment_start = date(2026, 10, 19)
        person.save()
    # Sat 22:00 to Sun 06:00 Berlin across the change: 9 hours (2 on Saturday, 7 on Sunday).
    log(alice, acme, datetime(2026, 10, 24, 22, tzinfo=BERLIN), datetime(2026, 10, 25, 6, tzinfo=BERLIN))
    # Sun 22:00 to Mon 04:00 across the week's end, an hour's break: 5 hours worked, spread
    # over the pieces in proportion: 1 h 40 on Sunday (week 43), 3 h 20 on Monday (week 44).
    log(
        alice,
        acme,
        datetime(2026, 10, 25, 22, tzinfo=BERLIN),
        datetime(2026, 10, 26, 4, tzinfo=BERLIN),
        break_minutes=60,
    )
    # 00:30 to 03:30 New York on the night the clocks go back: 4 hours, all on Sunday 1 Nov.
    log(frank, acme, datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK), datetime(2026, 11, 1, 3, 30, tzinfo=NEW_YORK))
    # Sun 22:00 to Mon 02:00 New York: 2 hours in week 44, 2 in week 45.
    log(frank, acme, datetime(2026, 11, 1, 22, tzinfo=NEW_YORK), datetime(2026, 11, 2, 2, tzinfo=NEW_YORK))
    return alice, frank


def figures(result, person) -> list[tuple]:
    return [
        (row["period"], row["expected_hours"], row["actual_hours"], row["opening_balance"], row["balance"])
        for row in result["rows"]
        if row["user"] == person.pk
    ]


def test_weeks_are_each_persons_local_weeks_across_the_clock_change(two_time_zones, carol):
    alice, frank = two_time_zones

    result = reports.overtime_report(
        actor=carol, date_from=date(2026, 10, 19), date_to=date(2026, 11, 8), period="week"
    )

    assert figures(result, alice) == [
        ("2026-W43", Decimal("40.00"), Decimal("10.67"), Decimal("0.00"), Decimal("-29.33")),
        ("2026-W44", Decimal("40.00"), Decimal("3.33"), Decimal("-29.33"), Decimal("-66.00")),
        ("2026-W45", Decimal("40.00"), Decimal("0.00"), Decimal("-66.00"), Decimal("-106.00")),
    ]
    assert figures(result, frank) == [
        ("2026-W43", Decimal("40.00"), Decimal("0.00"), Decimal("0.00"), Decimal("-40.00")),
        ("2026-W44", Decimal("40.00"), Decimal("6.00"), Decimal("-40.00"), Decimal("-74.00")),
        ("2026-W45", Decimal("40.00"), Decimal("2.00"), Decimal("-74.00"), Decimal("-112.00")),
    ]


def test_months_and_the_opening_balance_before_a_later_range(two_time_zones, carol):
    alice, frank = two_time_zones

    months = reports.overtime_report(
        actor=carol, date_from=date(2026, 10, 19), date_to=date(2026, 11, 8), period="month"
    )
    later = reports.overtime_report(actor=carol, date_from=date(2026, 10, 26), date_to=date(2026, 11, 1), period="week")

    # October from the 19th: 9 h + 1 h 40 + 3 h 20 = 14 h against 10 work days (80 h);
    # November to the 8th: 5 work days.
    assert figures(months, alice) == [
        ("2026-10", Decimal("80.00"), Decimal("14.00"), Decimal("0.00"), Decimal("-66.00")),
        ("2026-11", Decimal("40.00"), Decimal("0.00"), Decimal("-66.00"), Decimal("-106.00")),
    ]
    assert figures(months, frank) == [
        ("2026-10", Decimal("80.00"), Decimal("0.00"), Decimal("0.00"), Decimal("-80.00")),
        ("2026-11", Decimal("40.00"), Decimal("8.00"), Decimal("-80.00"), Decimal("-112.00")),
    ]
    # The week before the range opens the balance: Alice's 10 h 40 of week 43's 40 h.
    assert figures(later, alice) == [
        ("2026-W44", Decimal("40.00"), Decimal("3.33"), Decimal("-29.33"), Decimal("-66.00"))
    ]
    assert figures(later, frank) == [
        ("2026-W44", Decimal("40.00"), Decimal("6.00"), Decimal("-40.00"), Decimal("-74.00"))
    ]
