"""Issue 16.16: a weekly rest of 24 h + 11 h within each 7-day period (Art. 5; CJEU
C-306/16), so at most 12 working days between two weekly rests: 14 in a row are a finding."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from compliance import rules
from compliance.models import Violation
from compliance.services import compliance_scan
from compliance.tests.factories import BERLIN, worked

LIMITS = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
W11, W12 = date(2026, 3, 9), date(2026, 3, 16)


def day_shift(day: date, pk: int) -> rules.Interval:
    start = datetime(day.year, day.month, day.day, 8, tzinfo=BERLIN)
    return rules.Interval(pk, start.astimezone(UTC), (start + timedelta(hours=10)).astimezone(UTC))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_fourteen_consecutive_working_days_break_the_weekly_rest_of_both_weeks():
    """Monday 2 to Friday 6 March, weekend off, then 08:00-18:00 every day from Monday 9 to
    Sunday 22 March, Monday 23 off. The 62 h rest before has only 8 h inside week 11, the
    38 h rest after only 6 h inside week 12: each week's longest rest within it is 14 h."""
    worked_days = days(date(2026, 3, 2), date(2026, 3, 6)) + days(W11, date(2026, 3, 22)) + [date(2026, 3, 24)]
    intervals = [day_shift(day, pk) for pk, day in enumerate(worked_days)]
    findings = rules.check_weekly_rest(intervals, BERLIN, LIMITS, {W11, W12}, NOW)
    assert [(f.period_start, f.measured, f.limit) for f in findings] == [
        (W11, Decimal("14.00"), Decimal(35)),
        (W12, Decimal("14.00"), Decimal(35)),
    ]
    assert "no rest of 35 h in one piece with 24 h of it inside the week" in findings[0].message


def test_twelve_working_days_between_two_weekly_rests_pass():
    """C-306/16's case: Monday 9 March off (Sunday 18:00 to Tuesday 08:00, 32 h of it in week
    11), twelve days from Tuesday 10 to Saturday 21, then Sunday 22 off (30 h in week 12)."""
    worked_days = days(date(2026, 3, 2), date(2026, 3, 8)) + days(date(2026, 3, 10), date(2026, 3, 21))
    worked_days.append(date(2026, 3, 23))
    intervals = [day_shift(day, pk) for pk, day in enumerate(worked_days)]
    assert rules.check_weekly_rest(intervals, BERLIN, LIMITS, {W11, W12}, NOW) == []


def test_days_off_across_the_weeks_edge_serve_both_weeks_when_24_hours_fall_in_each():
    """Tuesday to Saturday every week, Sunday and Monday off: Saturday 18:00 to Tuesday 08:00
    is 62 h, 30 h in one week and 32 h in the next."""
    worked_days = [day for day in days(date(2026, 3, 3), date(2026, 3, 28)) if day.isoweekday() not in (7, 1)]
    intervals = [day_shift(day, pk) for pk, day in enumerate(worked_days)]
    assert rules.check_weekly_rest(intervals, BERLIN, LIMITS, {W11, W12}, NOW) == []


@pytest.mark.django_db
def test_the_scan_records_the_fourteen_days(alice, ops):
    for day in days(date(2026, 3, 2), date(2026, 3, 6)) + days(W11, date(2026, 3, 22)) + [date(2026, 3, 24)]:
        worked(alice, ops, day, 8, 5)
        worked(alice, ops, day, 13.5, 4.5)
    with time_machine.travel(datetime(2026, 3, 30, 6, tzinfo=UTC), tick=False):
        compliance_scan(start=W11, end=date(2026, 3, 22))
    rests = Violation.objects.filter(user=alice, rule="weekly_rest").order_by("period_start")
    assert [(v.period_start, v.measured) for v in rests] == [(W11, Decimal("14.00")), (W12, Decimal("14.00"))]
