"""Issue 16.13 and 16.14: the working day starts with the start of work (ArbZG §3, Art. 3
"per 24-hour period"), a gap shorter than the daily rest between shifts is a rest
violation, not a break, and nobody works more than six hours in a row (ArbZG §4 sentence 3).

Figures are Berlin local times in March 2026 (UTC+1)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from compliance import rules
from compliance.models import Violation

BERLIN = ZoneInfo("Europe/Berlin")
LIMITS = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11))
MONDAY, TUESDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
WEEK = {MONDAY + timedelta(days=n) for n in range(-1, 8)}


def worked(day: date, start_hour: float, hours: float, break_minutes: int = 0, pk=None) -> rules.Interval:
    """`hours` from `start_hour` local time on `day` (the span; the declared break is inside)."""
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=start_hour)
    end = start + timedelta(hours=hours)
    return rules.Interval(pk, start.astimezone(UTC), end.astimezone(UTC), break_minutes)


def by_rule(findings) -> dict[str, list[rules.Finding]]:
    found: dict[str, list[rules.Finding]] = {}
    for finding in findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def judge(intervals, days=WEEK, **named):
    return by_rule(
        rules.evaluate(
            intervals,
            BERLIN,
            LIMITS,
            days=set(days),
            neutral_days=set(),
            history_start=MONDAY - timedelta(days=7),
            now=datetime(2026, 3, 20, tzinfo=UTC),
            **named,
        )
    )


# --- 16.13: the 24 hours from the start of work -----------------------------------------------


def test_a_12_hour_night_shift_from_18_00_to_06_45_breaks_the_daily_maximum():
    night = worked(MONDAY, 18, 12.75, break_minutes=45, pk=1)  # 18:00-06:45, 12 h worked
    found = judge([night])
    [daily_max] = found["daily_max"]
    assert (daily_max.measured, daily_max.limit) == (Decimal("12.00"), Decimal(10))
    assert (daily_max.period_start, daily_max.period_end) == (MONDAY, TUESDAY)
    assert daily_max.entries == (1,)
    assert daily_max.message == "12 h worked in the 24 h from 18:00 on Mon 2 Mar, more than the 10 h allowed."
    assert "daily_rest" not in found


def test_06_to_14_then_22_to_06_is_an_8_hour_rest_and_15_hours_within_24():
    early = worked(MONDAY, 6, 8, break_minutes=30, pk=1)  # 06:00-14:00, 7 h 30
    night = worked(MONDAY, 22, 8, break_minutes=30, pk=2)  # 22:00-06:00, 7 h 30
    found = judge([early, night])
    [rest] = found["daily_rest"]
    assert (rest.measured, rest.limit) == (Decimal("8.00"), Decimal(11))
    assert (rest.period_start, rest.period_end) == (MONDAY, MONDAY)
    assert rest.entries == (1, 2)
    assert rest.message == "Only 8 h of rest since 14:00, before work at 22:00 on Mon 2 Mar; 11 h are required."
    [daily_max] = found["daily_max"]
    assert daily_max.measured == Decimal("15.00") and daily_max.period_start == MONDAY
    assert daily_max.entries == (1, 2)
    # The night shift's own 24 hours hold 7 h 30 only: one finding, not two.
    assert "breaks" not in found


def test_a_17_hour_stint_with_a_2_5_hour_gap_is_one_shift_over_the_maximum():
    evening = worked(MONDAY, 16, 8, pk=1)  # 16:00-00:00
    morning = worked(TUESDAY, 2.5, 6.5, pk=2)  # 02:30-09:00
    found = judge([evening, morning])
    [daily_max] = found["daily_max"]
    assert daily_max.measured == Decimal("14.50")
    assert (daily_max.period_start, daily_max.period_end) == (MONDAY, TUESDAY)
    assert "daily_rest" not in found  # 2 h 30 is a break inside the shift
    assert "breaks" not in found  # 150 minutes of break for 14 h 30


def test_a_rest_between_two_blocks_on_one_calendar_day_is_checked():
    night = worked(MONDAY, 0.5, 4, pk=1)  # 00:30-04:30
    day = worked(MONDAY, 12, 6, pk=2)  # 12:00-18:00
    [rest] = judge([night, day])["daily_rest"]
    assert rest.measured == Decimal("7.50") and rest.entries == (1, 2)
    assert (rest.period_start, rest.period_end) == (MONDAY, MONDAY)


def test_the_working_day_runs_24_hours_from_its_start_into_the_next_calendar_day():
    # Mon 08:00-18:00 (30 min lunch), Tue 06:00-16:00 (30 min lunch): 12 h of rest, but
    # the 24 hours from Monday 08:00 hold 9 h 30 + Tuesday's first 2 h = 11 h 30.
    monday = [worked(MONDAY, 8, 4, pk=1), worked(MONDAY, 12.5, 5.5, pk=2)]
    tuesday = [worked(TUESDAY, 6, 6, pk=3), worked(TUESDAY, 12.5, 3.5, pk=4)]
    found = judge([*monday, *tuesday])
    [daily_max] = found["daily_max"]
    assert daily_max.measured == Decimal("11.50") and (daily_max.period_start, daily_max.period_end) == (
        MONDAY,
        TUESDAY,
    )
    assert daily_max.entries == (1, 2, 3)
    assert "daily_rest" not in found


def test_an_ordinary_week_of_8_hour_days_finds_nothing():
    days = [MONDAY + timedelta(days=n) for n in range(5)]
    intervals = [worked(day, 8, 8.5, break_minutes=30, pk=n) for n, day in enumerate(days)]
    assert judge(intervals) == {}


def test_a_shift_only_partly_in_the_judged_days_is_still_found():
    night = worked(MONDAY, 18, 12.75, break_minutes=45, pk=1)
    assert [f.measured for f in rules.check_daily_max([night], BERLIN, LIMITS, {TUESDAY})] == [Decimal("12.00")]
    assert rules.check_daily_max([night], BERLIN, LIMITS, {WEDNESDAY}) == []


def test_durations_keep_counting_per_calendar_day():
    clocked = worked(TUESDAY, 8, 6, pk=1)
    found = judge([clocked], durations={TUESDAY: timedelta(hours=5)}, duration_entries={TUESDAY: (2,)})
    [daily_max] = found["daily_max"]
    assert daily_max.measured == Decimal("11.00") and (daily_max.period_start, daily_max.period_end) == (
        TUESDAY,
        TUESDAY,
    )
    assert daily_max.entries == (1, 2)
    assert daily_max.message == "11 h worked on Tue 3 Mar, more than the 10 h allowed."
    only_hours = judge([], durations={TUESDAY: timedelta(hours=10, minutes=30)})
    assert [f.measured for f in only_hours["daily_max"]] == [Decimal("10.50")]


# --- 16.14: six hours in a row; a short rest is no break -----------------------------------------


def test_more_than_six_hours_in_a_row_is_a_finding_even_with_enough_break_in_total():
    # 07:00-14:00, a 45-minute break, 14:45-16:00: 8 h 15 worked, 45 min of break (30 needed).
    morning, afternoon = worked(MONDAY, 7, 7, pk=1), worked(MONDAY, 14.75, 1.25, pk=2)
    found = judge([morning, afternoon])
    assert "breaks" not in found
    [in_a_row] = found["work_in_a_row"]
    assert (in_a_row.measured, in_a_row.limit, in_a_row.severity) == (Decimal("7.00"), Decimal(6), rules.VIOLATION)
    assert (in_a_row.period_start, in_a_row.period_end) == (MONDAY, MONDAY)
    assert in_a_row.entries == (1,)  # the stretch's entries
    assert in_a_row.message == "7 h worked in a row from 07:00 on Mon 2 Mar without a break; at most 6 h are allowed."


def test_a_gap_under_the_minimum_break_does_not_end_the_stretch():
    # 08:00-11:00, 10 minutes off, 11:10-14:40: 6 h 30 in a row (a 10-minute gap is no break).
    found = judge([worked(MONDAY, 8, 3, pk=1), worked(MONDAY, 11 + 10 / 60, 3.5, pk=2)])
    assert [f.measured for f in found["work_in_a_row"]] == [Decimal("6.50")]


def test_a_declared_break_is_taken_to_split_its_entry_in_the_middle():
    assert "work_in_a_row" not in judge([worked(MONDAY, 8, 8.5, break_minutes=30)])  # 4 h + 4 h
    # 06:00-20:00 with 45 minutes declared: 13 h 15 worked, at best 6 h 37.5 on each side.
    long = judge([worked(MONDAY, 6, 14, break_minutes=45, pk=1)])
    assert [f.measured for f in long["work_in_a_row"]] == [Decimal("6.63")]
    assert [f.measured for f in long["daily_max"]] == [Decimal("13.25")]


def test_exactly_six_hours_in_a_row_is_allowed():
    assert "work_in_a_row" not in judge([worked(MONDAY, 8, 6), worked(MONDAY, 14.5, 2)])


def test_a_four_hour_rest_is_not_a_break_that_answers_the_morning():
    # 06:00-13:00 without a break, then 17:00-19:00. The 4 hours between are a (short) rest:
    # the morning shift still needed its 30 minutes.
    morning, evening = worked(MONDAY, 6, 7, pk=1), worked(MONDAY, 17, 2, pk=2)
    found = judge([morning, evening])
    [breaks] = found["breaks"]
    assert (breaks.measured, breaks.limit, breaks.entries) == (Decimal(0), Decimal(30), (1,))
    assert [f.measured for f in found["daily_rest"]] == [Decimal("4.00")]
    assert [f.measured for f in found["work_in_a_row"]] == [Decimal("7.00")]


def test_shifts_split_at_three_hours_and_breaks_below_that_count():
    blocks = [worked(MONDAY, 8, 4, pk=1), worked(MONDAY, 14.9, 3, pk=2), worked(MONDAY, 21, 1, pk=3)]
    assert [[i.id for i in shift] for shift in rules.shifts(blocks, LIMITS)] == [[1, 2], [3]]


# --- through the API --------------------------------------------------------------------------

ENTRIES = "/api/v1/time-entries"


@pytest.mark.django_db
def test_the_night_shift_and_the_short_rest_through_the_api(frozen_2026_03_04, api, alice, ops):
    night = api(alice).post(
        ENTRIES,
        {
            "project": ops.pk,
            "start": "2026-03-02T18:00:00+01:00",
            "end": "2026-03-03T06:45:00+01:00",
            "break_minutes": 45,
        },
    )
    assert night.status_code == 201, night.json()
    [daily_max] = [w for w in night.json()["compliance_warnings"] if w["rule"] == "daily_max"]
    assert daily_max["measured"] == "12.00" and daily_max["period_start"] == "2026-03-02"
    stored = Violation.objects.get(user=alice, rule="daily_max")
    assert (stored.period_start, stored.period_end, stored.measured) == (MONDAY, TUESDAY, Decimal("12.00"))

    # Tuesday 12:00-18:00 after the 06:45 end: 5 h 15 of rest.
    day = api(alice).post(
        ENTRIES, {"project": ops.pk, "start": "2026-03-03T12:00:00+01:00", "end": "2026-03-03T18:00:00+01:00"}
    )
    assert day.status_code == 201
    [rest] = [w for w in day.json()["compliance_warnings"] if w["rule"] == "daily_rest"]
    assert rest["measured"] == "5.25"
    assert Violation.objects.get(user=alice, rule="daily_rest").measured == Decimal("5.25")


@pytest.mark.django_db
def test_six_hours_in_a_row_through_the_api_and_an_edit_resolves_it(frozen_2026_03_04, api, alice, ops):
    client = api(alice)
    morning = client.post(
        ENTRIES, {"project": ops.pk, "start": "2026-03-03T07:00:00+01:00", "end": "2026-03-03T14:00:00+01:00"}
    )
    afternoon = client.post(
        ENTRIES, {"project": ops.pk, "start": "2026-03-03T14:45:00+01:00", "end": "2026-03-03T16:00:00+01:00"}
    )
    assert afternoon.status_code == 201
    rules_warned = {w["rule"]: w["measured"] for w in afternoon.json()["compliance_warnings"]}
    assert rules_warned == {"work_in_a_row": "7.00"}
    violation = Violation.objects.get(user=alice, rule="work_in_a_row")
    assert violation.get_rule_display() == "Work in a row without a break"

    # The morning really had a 30-minute break at 10:00: split into two entries.
    assert client.patch(f"{ENTRIES}/{morning.json()['id']}", {"end": "2026-03-03T10:00:00+01:00"}).status_code == 200
    client.post(ENTRIES, {"project": ops.pk, "start": "2026-03-03T10:30:00+01:00", "end": "2026-03-03T14:00:00+01:00"})
    violation.refresh_from_db()
    assert violation.status == Violation.Status.RESOLVED
