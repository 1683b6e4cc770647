"""Issue 16.15, 16.19, 16.20: the 48-hour average over the weeks actually worked, re-judged
whenever a write or a leave decision reaches into a reference period, and a new starter's
first weeks judged on their own."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.services import compliance_scan
from compliance.tasks import compliance_scan_task
from compliance.tests.factories import BERLIN, worked
from leave import services as leave_services
from leave.models import LeaveType
from timeentries import services as time_services

pytestmark = pytest.mark.django_db

FIRST = date(2026, 1, 5)  # Monday of ISO week 2026-W02
LAST_WEEK = FIRST + timedelta(weeks=16)  # Monday 27 April: the 17th week
SUMMARY = "/api/v1/compliance/summary/"
LIMITS = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11))


def day_of_work(user, project, day: date, *, morning_only: bool = False) -> None:
    """9 h 48 (49 h over five days): 08:00-13:00 and 13:30-18:18; 4 h 54 for a morning."""
    if morning_only:
        worked(user, project, day, 8, 4.9)
        return
    worked(user, project, day, 8, 5)
    worked(user, project, day, 13.5, 4.8)


def take(user, manager, code: str, start: date, end: date, **halves) -> None:
    leave_type = LeaveType.objects.get(code=code)
    request = leave_services.leave_request_create(
        actor=user, leave_type=leave_type, start_date=start, end_date=end, **halves
    )
    if request.status == request.Status.PENDING:
        leave_services.leave_request_approve(request_id=request.pk, actor=manager)


def weekly_average(user) -> Violation:
    return Violation.objects.get(user=user, rule="weekly_average", period_end=LAST_WEEK + timedelta(days=6))


# --- 16.15 neutral leave in the 48-hour average ---------------------------------------------------


@pytest.mark.parametrize(
    "vacation_end",
    [FIRST + timedelta(weeks=9, days=4), FIRST + timedelta(weeks=9, days=6)],
    ids=["booked-monday-to-friday", "booked-monday-to-sunday"],
)
def test_49_hours_every_week_worked_average_49_whatever_leave_sits_in_the_period(alice, bob, ops, api, vacation_end):
    """17 weeks (5 Jan to 3 May 2026) of 49 h in every week worked: a week of vacation in
    week 10, two sick days (Wed, Thu) in week 5 with 29.4 h worked on the other three, a
    vacation afternoon on Friday of week 13 with 4.9 h worked that morning. Neutral leave
    leaves out its hours and its share of a week: 686 + 29.4 + 44.1 h over 14 + 0.6 + 0.9
    weeks = 759.5 / 15.5 = 49.00 (earlier weekdays used to replace the leave days instead)."""
    leave_services.leave_accrue_year(year=2026)
    vacation_start = FIRST + timedelta(weeks=9)
    sick_days = {FIRST + timedelta(weeks=4, days=2), FIRST + timedelta(weeks=4, days=3)}
    half_day = FIRST + timedelta(weeks=12, days=4)
    with time_machine.travel(datetime(2026, 1, 2, 9, tzinfo=UTC), tick=False):
        take(alice, bob, "vacation", vacation_start, vacation_end)
        take(alice, bob, "vacation", half_day, half_day, start_half="afternoon")
    for week in range(17):
        for weekday in range(5):
            day = FIRST + timedelta(weeks=week, days=weekday)
            if week == 9 or day in sick_days:
                continue
            day_of_work(alice, ops, day, morning_only=day == half_day)
    with time_machine.travel(datetime(2026, 5, 4, 6, tzinfo=UTC), tick=False):
        take(alice, bob, "sick", min(sick_days), max(sick_days))
        compliance_scan(start=LAST_WEEK, end=LAST_WEEK + timedelta(days=6))
        body = api(bob).get(SUMMARY, {"user": alice.pk, "from": str(LAST_WEEK), "to": str(LAST_WEEK)}).json()

    assert weekly_average(alice).measured == Decimal("49.00")
    [week] = body["weeks"]
    assert (week["rolling_average"], week["weeks_counted"], week["days_counted"]) == ("49.00", "15.50", 109)
    assert week["reference_complete"] is True


def test_a_half_day_of_leave_is_neutral_by_half():
    """One week: 4 days of 9.8 h and a morning of 4.9 h with the afternoon on leave: 44.1 h
    over 0.9 of a week = 49 h."""
    monday = date(2026, 3, 2)
    intervals = [shift(monday + timedelta(days=n), 8, 9.8) for n in range(4)]
    intervals.append(shift(monday + timedelta(days=4), 8, 4.9))
    average = rules.rolling_average(
        rules.hours_by_day(intervals, BERLIN),
        monday + timedelta(days=6),
        LIMITS,
        set(),
        monday,
        {monday + timedelta(days=4): Decimal("0.1")},
    )
    assert (average.value, average.hours, average.days) == (Decimal("49.00"), Decimal("44.10"), Decimal("6.3"))


def shift(day: date, start_hour: float, hours: float) -> rules.Interval:
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=start_hour)
    return rules.Interval(None, start.astimezone(UTC), (start + timedelta(hours=hours)).astimezone(UTC))


# --- 16.20 new starters ---------------------------------------------------------------------------


def long_week(user, project, monday: date, days: int = 6) -> None:
    """9 h 15 a day (08:00-13:00, 13:45-18:00): 55.5 h over six days."""
    for n in range(days):
        worked(user, project, monday + timedelta(days=n), 8, 5)
        worked(user, project, monday + timedelta(days=n), 13.75, 4.25)


def test_a_new_starters_single_long_week_is_a_warning_later_weeks_can_balance(alice, ops, api):
    """Alice starts on Monday 2 March 2026 and works 55.5 h in her first week. Her 17-week
    reference period has just begun: the average over what has elapsed is 55.5 h, a
    warning, not a violation (816 h are allowed to 28 June; 760.5 h remain). Work booked
    before her start does not count."""
    alice.employment_start = date(2026, 3, 2)
    alice.save()
    worked(alice, ops, date(2026, 2, 20), 8, 10)  # a trial day before the employment began
    long_week(alice, ops, date(2026, 3, 2))
    with time_machine.travel(datetime(2026, 3, 9, 6, tzinfo=UTC), tick=False):
        compliance_scan(start=date(2026, 3, 2), end=date(2026, 3, 8))
        body = api(alice).get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-08"}).json()
        entry = time_services.time_entry_create(
            actor=alice,
            project=ops,
            start=datetime(2026, 3, 8, 9, tzinfo=BERLIN),
            end=datetime(2026, 3, 8, 9, 30, tzinfo=BERLIN),
        )

    assert not Violation.objects.filter(user=alice, rule="weekly_average").exists()
    [week] = body["weeks"]
    assert (week["rolling_average"], week["days_counted"], week["reference_complete"]) == ("55.50", 7, False)
    [warning] = [w for w in entry.compliance_warnings if w["rule"] == "weekly_average"]
    assert warning["severity"] == "warning" and warning["measured"] == "56.00"
    assert "since the start on Mon 2 Mar" in warning["message"] and "760.00 h remain" in warning["message"]


def test_a_new_starter_mid_week_is_averaged_over_the_days_since_the_start():
    """Start on Wednesday 4 March: 3 days of 9.8 h = 29.4 h over the 5 days to Sunday."""
    wednesday = date(2026, 3, 4)
    intervals = [shift(wednesday + timedelta(days=n), 8, 9.8) for n in range(3)]
    assert rules.check_weekly_hours(intervals, BERLIN, LIMITS, {date(2026, 3, 2)}, set(), wednesday) == []
    average = rules.rolling_average(rules.hours_by_day(intervals, BERLIN), date(2026, 3, 8), LIMITS, set(), wednesday)
    assert (average.value, average.days, average.first_day, average.complete) == (
        Decimal("41.16"),
        Decimal(5),
        wednesday,
        False,
    )


def test_a_starter_whose_hours_exceed_the_whole_period_is_a_violation_before_it_ends():
    """A 4-week reference period allows 192 h. Three weeks of 66 h from the start (198 h)
    already exceed it: a violation in week 3, though the period runs one more week; weeks 1
    and 2 (66 h, 132 h) are warnings."""
    limits = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11), reference_period_weeks=4)
    start = date(2026, 3, 2)
    mondays_to_saturdays = [start + timedelta(days=n) for n in range(21) if (start + timedelta(days=n)).weekday() < 6]
    intervals = [shift(day, 7, 11) for day in mondays_to_saturdays]
    weeks = {start + timedelta(weeks=n) for n in range(3)}
    findings = rules.check_weekly_hours(intervals, BERLIN, limits, weeks, set(), start)
    assert [(f.period_end, f.severity, f.measured) for f in findings] == [
        (date(2026, 3, 8), rules.WARNING, Decimal("66.00")),
        (date(2026, 3, 15), rules.WARNING, Decimal("66.00")),
        (date(2026, 3, 22), rules.VIOLATION, Decimal("66.00")),
    ]
    assert "198.00 h worked, more than the 192.00 h the 4-week period to Sun 29 Mar allows" in findings[2].message


# --- 16.19 stale findings -------------------------------------------------------------------------


def four_week_policy(team, user=None, project=None) -> WorkingTimePolicy:
    """A 4-week reference period for `team`; with `user`, an hour of theirs on Monday 2
    February, so their history starts a period before W1 and every window is complete."""
    policy = WorkingTimePolicy.objects.create(name="Four weeks", reference_period_weeks=4)
    policy.teams.add(team)
    if user is not None:
        worked(user, project, date(2026, 2, 2), 8, 1)
    return policy


def ten_hour_days(user, project, monday: date, weekdays=range(5)) -> list:
    """10 h a day (07:00-12:00, 12:45-17:45): 50 h over five days."""
    entries = []
    for n in weekdays:
        entries.append(worked(user, project, monday + timedelta(days=n), 7, 5))
        entries.append(worked(user, project, monday + timedelta(days=n), 12.75, 5))
    return entries


def open_averages(user) -> list[tuple[date, Decimal]]:
    rows = Violation.objects.filter(user=user, rule="weekly_average").exclude(status=Violation.Status.RESOLVED)
    return list(rows.order_by("period_end").values_list("period_end", "measured"))


W1 = date(2026, 3, 2)  # five weeks of 50 h: W1 to W5 (2 March to 5 April 2026)
WEEK_4_END, WEEK_5_END = W1 + timedelta(weeks=3, days=6), W1 + timedelta(weeks=4, days=6)


def test_a_back_dated_correction_re_judges_every_later_week_of_its_reference_period(alice, team_a, ops, api):
    """A 4-week reference period, five weeks of 50 h: the averages ending with weeks 4 and 5
    are 50 h. Alice corrects week 2 afterwards (Monday deleted, Tuesday 10 h -> 3 h): 33 h,
    so both windows average (50 + 33 + 50 + 50) / 4 = 45.75 h and both violations resolve."""
    four_week_policy(team_a, alice, ops)
    entries = {}
    for week in range(5):
        entries[week] = ten_hour_days(alice, ops, W1 + timedelta(weeks=week))
    with time_machine.travel(datetime(2026, 4, 6, 6, tzinfo=UTC), tick=False):
        compliance_scan(start=W1, end=WEEK_5_END)
        assert open_averages(alice) == [(WEEK_4_END, Decimal("50.00")), (WEEK_5_END, Decimal("50.00"))]
        monday_morning, monday_afternoon, tuesday_morning, tuesday_afternoon = entries[1][:4]
        time_services.time_entry_delete(entry=monday_morning, actor=alice)
        time_services.time_entry_delete(entry=monday_afternoon, actor=alice)
        time_services.time_entry_delete(entry=tuesday_morning, actor=alice)
        time_services.time_entry_update(
            entry=tuesday_afternoon, actor=alice, end=tuesday_afternoon.start + timedelta(hours=3)
        )
        body = api(alice).get(SUMMARY, {"from": str(WEEK_4_END), "to": str(WEEK_5_END)}).json()

    assert [week["rolling_average"] for week in body["weeks"]] == ["45.75", "45.75"]
    assert open_averages(alice) == []


def test_sick_leave_approved_after_the_fact_re_judges_the_weeks_it_covers(
    alice, bob, team_a, ops, django_capture_on_commit_callbacks
):
    """Weeks 1, 2 and 4 of 50 h, week 3 not worked: (150 + 0) / 4 = 37.5 h. Sick leave for
    week 3 booked afterwards makes it neutral: 150 h over 3 weeks = 50 h, a violation; the
    sick leave cancelled, the violation resolves again."""
    four_week_policy(team_a, alice, ops)
    leave_services.leave_accrue_year(year=2026)
    for week in (0, 1, 3):
        ten_hour_days(alice, ops, W1 + timedelta(weeks=week))
    with time_machine.travel(datetime(2026, 3, 30, 6, tzinfo=UTC), tick=False):
        compliance_scan(start=W1, end=WEEK_4_END)
        assert open_averages(alice) == []
        with django_capture_on_commit_callbacks(execute=True):
            take(alice, bob, "sick", W1 + timedelta(weeks=2), W1 + timedelta(weeks=2, days=4))
        assert open_averages(alice) == [(WEEK_4_END, Decimal("50.00"))]
        sick = alice.leave_requests.get(leave_type__code="sick")
        with django_capture_on_commit_callbacks(execute=True):
            leave_services.leave_request_cancel(request_id=sick.pk, actor=bob, comment="Booked by mistake")
    assert open_averages(alice) == []


def test_the_nightly_scan_covers_the_longest_reference_period_of_any_policy(settings, alice, team_a, ops):
    """Alice's 4-week average ending Sunday 25 January 2026 is 50 h. On 1 June that week is 19
    weeks back: beyond COMPLIANCE_SCAN_DAYS (14) and the default 17 weeks, within another
    policy's 20, so the nightly scan reaches it."""
    settings.COMPLIANCE_SCAN_DAYS = 14
    four_week_policy(team_a)
    WorkingTimePolicy.objects.create(name="Twenty weeks", reference_period_weeks=20)
    for week in range(4):
        ten_hour_days(alice, ops, date(2025, 12, 29) + timedelta(weeks=week))
    with time_machine.travel(datetime(2026, 6, 1, 3, tzinfo=UTC), tick=False):
        compliance_scan_task.delay().get()
    assert open_averages(alice) == [(date(2026, 1, 25), Decimal("50.00"))]
