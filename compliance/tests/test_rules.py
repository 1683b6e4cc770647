"""The directive's fixtures, against the pure rules and through the services."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.services import compliance_scan
from leave import services as leave_services
from leave.models import LeaveType
from timeentries import services as time_services
from timeentries.models import TimeEntry

BERLIN = ZoneInfo("Europe/Berlin")
LIMITS = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11))


def shift(day: date, start_hour: float, hours: float, tz=BERLIN, pk=None) -> rules.Interval:
    start = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=start_hour)
    return rules.Interval(pk, start.astimezone(UTC), (start + timedelta(hours=hours)).astimezone(UTC))


def weeks_of(hours_per_week: list[float], first_monday: date) -> list[rules.Interval]:
    """Each week's hours spread over Monday to Friday, 08:00 onwards, with a lunch break."""
    intervals = []
    for index, hours in enumerate(hours_per_week):
        for weekday in range(5):
            day = first_monday + timedelta(weeks=index, days=weekday)
            daily = hours / 5
            intervals.append(shift(day, 8, min(daily, 5)))
            if daily > 5:
                intervals.append(shift(day, 13.75, daily - 5))
    return intervals


FIRST = date(2026, 1, 5)  # a Monday
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def weekly(intervals, week_index, neutral=frozenset()):
    """Judge one week; `neutral` are whole days of leave of someone working Monday to Friday
    (each weekday takes a fifth of a week out of the reference period)."""
    week = FIRST + timedelta(weeks=week_index)
    share = {day: Decimal(1) / 5 for day in neutral if day.isoweekday() <= 5}
    return rules.check_weekly_hours(intervals, BERLIN, LIMITS, {week}, set(neutral), FIRST, None, share)


def test_one_58_hour_week_in_a_17_week_average_of_40_is_a_warning_not_a_violation():
    hours = [40.0] * 17
    hours[8] = 58.0
    intervals = weeks_of(hours, FIRST)
    [on_the_long_week] = weekly(intervals, 8)
    assert on_the_long_week.severity == rules.WARNING and on_the_long_week.measured == Decimal("58.00")
    assert weekly(intervals, 16) == []  # the average over 17 weeks is 41.06 h


def test_seventeen_weeks_of_50_hours_is_a_violation():
    intervals = weeks_of([50.0] * 17, FIRST)
    [finding] = weekly(intervals, 16)
    assert finding.rule == "weekly_average" and finding.severity == rules.VIOLATION
    assert finding.measured == Decimal("50.00") and finding.limit == 48


def test_a_week_of_annual_leave_does_not_dilute_the_average():
    hours = [50.0] * 17
    hours[10] = 0.0  # the leave week
    intervals = weeks_of(hours, FIRST)
    leave_week = {FIRST + timedelta(weeks=10, days=n) for n in range(7)}
    [finding] = weekly(intervals, 16, neutral=leave_week)
    assert finding.severity == rules.VIOLATION and finding.measured == Decimal("50.00")
    # Without neutrality the empty week would have pulled the average down to 47.06 h.
    [diluted] = weekly(intervals, 16)
    assert diluted.severity == rules.WARNING and "47.06" in diluted.message


def test_night_shift_then_afternoon_start_breaks_the_daily_rest():
    night = shift(date(2026, 3, 2), 22, 8, pk=1)  # 22:00-06:00
    afternoon = shift(date(2026, 3, 3), 14, 6, pk=2)
    [finding] = rules.check_daily_rest([night, afternoon], BERLIN, LIMITS, {date(2026, 3, 3)})
    assert finding.measured == Decimal("8.00") and finding.limit == 11 and finding.entries == (1, 2)


def test_entries_within_15_minutes_are_one_block_for_rest():
    morning = shift(date(2026, 3, 2), 8, 4, pk=1)
    after_short_gap = shift(date(2026, 3, 2), 12 + 10 / 60, 4, pk=2)
    next_day = shift(date(2026, 3, 3), 8, 4, pk=3)
    assert rules.check_daily_rest([morning, after_short_gap, next_day], BERLIN, LIMITS, {date(2026, 3, 3)}) == []


def test_daily_rest_across_the_dst_night_is_measured_in_real_hours():
    # Berlin leaves summer time on 25 Oct 2026: 18:00 to 04:00 the next day is 11 real hours.
    evening = shift(date(2026, 10, 24), 10, 8, pk=1)
    early = rules.Interval(2, datetime(2026, 10, 25, 4, tzinfo=BERLIN), datetime(2026, 10, 25, 8, tzinfo=BERLIN))
    assert rules.check_daily_rest([evening, early], BERLIN, LIMITS, {date(2026, 10, 25)}) == []
    earlier = rules.Interval(2, datetime(2026, 10, 25, 3, 30, tzinfo=BERLIN), datetime(2026, 10, 25, 8, tzinfo=BERLIN))
    [finding] = rules.check_daily_rest([evening, earlier], BERLIN, LIMITS, {date(2026, 10, 25)})
    assert finding.measured == Decimal("10.50")


def test_dst_week_hours_are_counted_in_local_days():
    # 22:00-06:00 across the DST night is 9 real hours; the week counts 9, split 2 + 7.
    night = rules.Interval(1, datetime(2026, 10, 24, 22, tzinfo=BERLIN), datetime(2026, 10, 25, 6, tzinfo=BERLIN))
    per_day = rules.hours_by_day([night], BERLIN)
    assert per_day[date(2026, 10, 24)] == timedelta(hours=2)
    assert per_day[date(2026, 10, 25)] == timedelta(hours=7)


def test_weekly_rest_needs_35_uninterrupted_hours():
    # Seven days of 08:00-18:00: the longest rest is 14 h.
    every_day = [shift(date(2026, 3, 2) + timedelta(days=n), 8, 10, pk=n) for n in range(7)]
    every_day += [shift(date(2026, 3, 9), 8, 10, pk=8), shift(date(2026, 3, 1), 8, 10, pk=9)]
    [finding] = rules.check_weekly_rest(every_day, BERLIN, LIMITS, {date(2026, 3, 2)}, NOW)
    assert finding.measured == Decimal("14.00") and finding.limit == 35
    weekend_off = [i for i in every_day if i.id not in (5, 6)]
    assert rules.check_weekly_rest(weekend_off, BERLIN, LIMITS, {date(2026, 3, 2)}, NOW) == []


def test_daily_maximum_and_breaks():
    long_day = [shift(date(2026, 3, 2), 7, 6, pk=1), shift(date(2026, 3, 2), 13.25, 5, pk=2)]  # 11 h, 15 min break
    findings = rules.check_daily_max(long_day, BERLIN, LIMITS, {date(2026, 3, 2)})
    assert [f.measured for f in findings] == [Decimal("11.00")]
    [breaks] = rules.check_breaks(long_day, BERLIN, LIMITS, {date(2026, 3, 2)})
    assert (breaks.measured, breaks.limit) == (15, 45)
    seven_hours_no_gap = [shift(date(2026, 3, 3), 8, 3.5, pk=3), shift(date(2026, 3, 3), 11.6, 3.5, pk=4)]
    [short] = rules.check_breaks(seven_hours_no_gap, BERLIN, LIMITS, {date(2026, 3, 3)})
    assert short.limit == 30 and short.measured == 0  # a 6-minute gap is no break
    fine = [shift(date(2026, 3, 4), 8, 4, pk=5), shift(date(2026, 3, 4), 12.5, 3.5, pk=6)]
    assert rules.check_breaks(fine, BERLIN, LIMITS, {date(2026, 3, 4)}) == []


# --- through the services ----------------------------------------------------------------------


def log(user, project, day: date, start_hour: float, hours: float):
    interval = shift(day, start_hour, hours)
    return time_services.time_entry_create(actor=user, project=project, start=interval.start, end=interval.end)


@pytest.mark.django_db
def test_warn_mode_saves_and_reports_and_an_edit_resolves(api, alice, ops):
    with time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        log(alice, ops, date(2026, 3, 2), 22, 8)
        response = api(alice).post(
            "/api/v1/time-entries",
            {"project": ops.pk, "start": "2026-03-03T14:00:00+01:00", "end": "2026-03-03T18:00:00+01:00"},
        )
        assert response.status_code == 201
        [warning] = [w for w in response.json()["compliance_warnings"] if w["rule"] == "daily_rest"]
        assert warning["measured"] == "8.00" and warning["limit"] == "11.00"
        violation = Violation.objects.get(user=alice, rule="daily_rest")
        assert violation.status == "open"

        fixed = api(alice).patch(
            f"/api/v1/time-entries/{response.json()['id']}", {"start": "2026-03-03T17:00:00+01:00"}
        )
        assert fixed.status_code == 200
        violation.refresh_from_db()
        assert violation.status == "resolved"


@pytest.mark.django_db
def test_block_mode_saves_and_records_the_violation(api, alice, ops):
    """Issue 16.12: `block` never refuses the record (it holds back the week's approval)."""
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement="block")
    with time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        log(alice, ops, date(2026, 3, 2), 22, 4)  # 22:00-02:00, a break, then 02:30-06:00
        log(alice, ops, date(2026, 3, 2), 26.5, 3.5)
        response = api(alice).post(
            "/api/v1/time-entries",
            {"project": ops.pk, "start": "2026-03-03T14:00:00+01:00", "end": "2026-03-03T16:00:00+01:00"},
        )
        assert response.status_code == 201
        assert [w["rule"] for w in response.json()["compliance_warnings"]] == ["daily_rest"]
        assert TimeEntry.objects.filter(user=alice).count() == 3
        assert Violation.objects.get(user=alice).rule == "daily_rest"


@pytest.mark.django_db
def test_annual_leave_keeps_the_average_honest_through_the_services(alice, bob, ops):
    alice.date_joined = datetime(2025, 1, 1, tzinfo=UTC)
    alice.save()
    vacation = LeaveType.objects.get(code="vacation")
    leave_services.leave_accrue_year(year=2026)
    with time_machine.travel(datetime(2026, 5, 4, 6, tzinfo=UTC), tick=False):
        for week in range(17):
            monday = FIRST + timedelta(weeks=week)
            if week == 10:
                request = leave_services.leave_request_create(
                    actor=alice, leave_type=vacation, start_date=monday, end_date=monday + timedelta(days=6)
                )
                leave_services.leave_request_approve(request_id=request.pk, actor=bob)
                continue
            for weekday in range(5):
                TimeEntry.objects.create(
                    user=alice,
                    project=ops,
                    start=shift(monday + timedelta(days=weekday), 8, 5).start,
                    end=shift(monday + timedelta(days=weekday), 8, 5).end,
                )
                TimeEntry.objects.create(
                    user=alice,
                    project=ops,
                    start=shift(monday + timedelta(days=weekday), 13.75, 5).start,
                    end=shift(monday + timedelta(days=weekday), 13.75, 5).end,
                )
        last_week = FIRST + timedelta(weeks=16)
        totals = compliance_scan(start=last_week, end=last_week + timedelta(days=6))
        assert totals["created"] >= 1
        violation = Violation.objects.get(user=alice, rule="weekly_average")
        assert violation.measured == Decimal("50.00")
        again = compliance_scan(start=last_week, end=last_week + timedelta(days=6))
        assert again["created"] == 0 and again["resolved"] == 0
        assert list(Violation.objects.filter(user=alice).values_list("rule", flat=True)) == ["weekly_average"]
