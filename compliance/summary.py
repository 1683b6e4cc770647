"""Reads behind the working-time summary (API) and the compliance page: hours per local day
and ISO week, the rolling weekly average, the shortest daily rests and the violations of a
range. Pure reads, no writes.

The numbers are measured by the functions the checks use: the work is read by
`selectors.recorded_work` (a running entry counts up to now, neutral leave from
`leave.selectors.neutral_leave_of`), the rests are `rules.daily_rests`, the average is
`rules.rolling_average`. So a week shown above the limit here with its reference period
complete is a week the scan flags (within a new starter's first period it is a warning
later weeks can balance), a rest shown below the minimum is one it records, and the other
way round.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from compliance import rules
from compliance.models import Violation
from compliance.selectors import RecordedWork, recorded_work
from core import periods
from leave.selectors import daterange
from users.models import User

SHORTEST_RESTS = 5


def rolling_weekly_average(per_day: dict[date, timedelta], week_start: date, work: RecordedWork) -> rules.Average:
    """The average weekly hours over the reference period ending with the week:
    `rules.rolling_average`, as `rules.check_weekly_hours` measures it."""
    return rules.rolling_average(
        per_day,
        week_start + timedelta(days=6),
        work.limits,
        work.neutral_days,
        work.history_start,
        work.neutral_share,
    )


def _week_row(per_day: dict[date, timedelta], week_start: date, work: RecordedWork) -> dict:
    days = (week_start + timedelta(days=n) for n in range(7))
    hours = rules.decimal_hours(sum((per_day.get(day, timedelta()) for day in days), timedelta()))
    average = rolling_weekly_average(per_day, week_start, work)
    limit = work.limits.max_weekly_hours
    return {
        "week": periods.iso_week_label(week_start),
        "week_start": week_start,
        "week_end": week_start + timedelta(days=6),
        "hours": hours,
        "rolling_average": average.value,
        "days_counted": int(average.days.to_integral_value(rounding=ROUND_HALF_UP)),
        "weeks_counted": average.weeks.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "reference_complete": average.complete,
        "max_weekly_hours": limit,
        "above_limit": average.value is not None and average.value > limit,
    }


def _night_and_sunday(work: RecordedWork, night_per_day: dict[date, timedelta], start: date, end: date, now) -> dict:
    """The summary's night work (ArbZG §2, §6) and the substitute rest days owed for Sunday
    and holiday work (§11(3)) whose window meets the range."""
    nights = rules.night_work_nights(work.intervals, work.user.tzinfo, work.limits)
    return {
        "night_hours": rules.decimal_hours(
            sum((night_per_day.get(day, timedelta()) for day in daterange(start, end)), timedelta())
        ),
        "night_work_days": sum(start <= night <= end for night in nights),
        "night_worker": work.user.night_worker or rules.night_worker_derived(nights, end),
        "substitute_rest_days": [
            owed for owed in work.substitute_rest_days(now) if owed.window_start <= end and owed.due_by >= start
        ],
    }


def working_time_summary(user: User, start: date, end: date) -> dict:
    """`user`'s working time from `start` to `end` (inclusive, local days): hours per day,
    each ISO week touched (whole weeks) with the rolling average at its end, the shortest
    rests before working days in the range, and the violations (open or acknowledged)
    whose period overlaps it. Night hours per day and in all, the night-work days (nights
    beginning in the range), whether the person is a night worker (flagged, or night work on
    48 days of the year by the range's end), and the substitute rest days owed for Sunday
    and holiday work whose window meets the range, open, given or missed."""
    now = timezone.now()
    work = recorded_work([user], start, end, now=now)[user.pk]
    per_day = work.hours_by_day()
    night_per_day = work.night_hours_by_day()
    weeks = []
    week = periods.week_start_of(start)
    while week <= end:
        weeks.append(_week_row(per_day, week, work))
        week += timedelta(days=7)
    rests = sorted(
        (rest for rest in rules.daily_rests(work.intervals, user.tzinfo, work.limits) if start <= rest.day <= end),
        key=lambda rest: rest.end - rest.start,
    )[:SHORTEST_RESTS]
    minimum = work.limits.min_daily_rest_hours
    violations = (
        Violation.objects.filter(user=user, period_end__gte=start, period_start__lte=end)
        .exclude(status=Violation.Status.RESOLVED)
        .select_related("user", "acknowledged_by")
        .order_by("period_start", "rule", "pk")
    )
    return {
        "user": user.pk,
        "from": start,
        "to": end,
        "timezone": user.tzinfo.key,
        "policy": work.policy,
        "days": [
            {
                "date": day,
                "hours": rules.decimal_hours(per_day.get(day, timedelta())),
                "night_hours": rules.decimal_hours(night_per_day.get(day, timedelta())),
            }
            for day in daterange(start, end)
        ],
        **_night_and_sunday(work, night_per_day, start, end, now),
        "weeks": weeks,
        "shortest_rests": [
            {
                "start": rest.start,
                "end": rest.end,
                "day": rest.day,
                "hours": rest.hours,
                "min_daily_rest_hours": minimum,
                "below_minimum": rest.hours < minimum,
            }
            for rest in rests
        ],
        "violations": list(violations),
    }


def weekly_averages(users: list[User], week_start: date) -> dict[int, dict]:
    """For each of `users`: the hours of the ISO week starting `week_start` (in their own
    time zone) and the rolling average at its end against their policy's limit."""
    work = recorded_work(users, week_start, week_start)
    rows = {}
    for user in users:
        per_day = work[user.pk].hours_by_day()
        rows[user.pk] = {**_week_row(per_day, week_start, work[user.pk]), "policy": work[user.pk].policy}
    return rows
