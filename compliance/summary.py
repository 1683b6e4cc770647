"""Reads behind the working-time summary (API) and the compliance page: hours per local day
and ISO week, the rolling weekly average, the shortest daily rests and the violations of a
range. Pure reads, no writes.

The numbers are measured the way compliance/rules.py judges: the same intervals (a running
entry counts up to now), the same blocks and working days for rests, the same reference
period with neutral leave left out. So a week shown above the limit here is a week the scan
flags, and the other way round.
"""

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.selectors import policy_for
from compliance.services import LOOKBACK_MARGIN
from core import periods
from leave.models import LeaveRequest
from leave.selectors import HALVES, daterange, requested_halves
from timeentries.models import TimeEntry
from users.models import User

SHORTEST_RESTS = 5
CENT = Decimal("0.01")


def decimal_hours(duration: timedelta) -> Decimal:
    """Hours to the cent, rounded as every surface rounds them (`core.periods.hours`)."""
    return periods.hours(duration)


@dataclass
class RecordedWork:
    """One person's work around a span of days, read as the services read it."""

    user: User
    policy: WorkingTimePolicy
    limits: rules.Limits
    intervals: list[rules.Interval]
    neutral_days: set[date]
    history_start: date


@dataclass(frozen=True)
class Rest:
    """The time off between two working days; `day` is the working day it leads into."""

    start: datetime
    end: datetime
    day: date

    @property
    def hours(self) -> Decimal:
        return decimal_hours(self.end - self.start)


def _read_from(limits: rules.Limits, first_week: date) -> date:
    """The first local day whose entries can count for the week starting `first_week`:
    the reference period, plus the margin the live check also reads for neutral leave."""
    return first_week - timedelta(weeks=limits.reference_period_weeks) - LOOKBACK_MARGIN


def recorded_work(users: list[User], first_day: date, last_day: date) -> dict[int, RecordedWork]:
    """Everything the measures need for `users` from the reference period before the week
    of `first_day` to the end of the week of `last_day`.

    A fixed number of queries whatever the number of people (entries, first entries and
    neutral leave are read in bulk), plus one policy lookup per team."""
    if not users:
        return {}
    now = timezone.now()
    first_week, last_week = periods.week_start_of(first_day), periods.week_start_of(last_day)
    policies: dict[int | None, WorkingTimePolicy] = {}
    limits_of: dict[int, rules.Limits] = {}
    read_from = {}
    for user in users:
        if user.team_id not in policies:
            policies[user.team_id] = policy_for(user)
        limits_of[user.pk] = rules.Limits.of(policies[user.team_id])
        read_from[user.pk] = _read_from(limits_of[user.pk], first_week)
    # One UTC window wide enough for everyone's zone; it ends the day after the last week,
    # for a night shift reaching into it.
    earliest = min(periods.local_midnight(read_from[user.pk], user.tzinfo) for user in users)
    latest = max(periods.local_midnight(last_week + timedelta(days=8), user.tzinfo) for user in users)

    intervals: dict[int, list[rules.Interval]] = defaultdict(list)
    entries = (
        TimeEntry.objects.filter(user_id__in=[user.pk for user in users], start__lt=latest)
        .exclude(end__lt=earliest)
        .order_by("start", "pk")
        .values_list("user_id", "pk", "start", "end")
    )
    for user_id, pk, start, end in entries:
        # As compliance.services reads them: a running entry lasts until now (at least a minute).
        intervals[user_id].append(rules.Interval(pk, start, end or max(now, start + timedelta(minutes=1))))

    first_entries = dict(
        TimeEntry.objects.filter(user_id__in=[user.pk for user in users])
        .order_by()
        .values("user_id")
        .annotate(first=Min("start"))
        .values_list("user_id", "first")
    )
    neutral = _neutral_leave_days(users, min(read_from.values()), last_week + timedelta(days=6))

    work = {}
    for user in users:
        first = first_entries.get(user.pk)
        work[user.pk] = RecordedWork(
            user=user,
            policy=policies[user.team_id],
            limits=limits_of[user.pk],
            intervals=intervals[user.pk],
            neutral_days=neutral[user.pk],
            # The reference period never reaches before the first entry (see compliance.services).
            history_start=periods.local_date(first, user.tzinfo) if first else first_day,
        )
    return work


def _neutral_leave_days(users: list[User], start: date, end: date) -> dict[int, set[date]]:
    """`leave.selectors.neutral_leave_days` for several people in one query: whole days of
    approved leave whose type is neutral for the working-time average."""
    days: dict[int, set[date]] = defaultdict(set)
    leave = LeaveRequest.objects.filter(
        user_id__in=[user.pk for user in users],
        status=LeaveRequest.Status.APPROVED,
        leave_type__neutral_for_working_time=True,
        start_date__lte=end,
        end_date__gte=start,
    ).only("user_id", "start_date", "end_date", "start_half", "end_half")
    for request in leave:
        for day in daterange(max(request.start_date, start), min(request.end_date, end)):
            halves = requested_halves(day, request.start_date, request.end_date, request.start_half, request.end_half)
            if halves == HALVES:
                days[request.user_id].add(day)
    return days


def rolling_weekly_average(
    per_day: dict[date, timedelta], week_start: date, work: RecordedWork
) -> tuple[Decimal | None, int]:
    """The average weekly hours over the reference period ending with the week, and the days
    it counts: `rules.rolling_average`, as `rules.check_weekly_hours` measures it."""
    average, counted, _ = rules.rolling_average(
        per_day, week_start + timedelta(days=6), work.limits, work.neutral_days, work.history_start
    )
    return average, counted


def daily_rests(work: RecordedWork) -> list[Rest]:
    """Every rest between two working days, with working days found as
    `rules.check_daily_rest` finds them: blocks of entries joined across short gaps; a block
    starting on a later local day begins a new working day unless it resumes a night shift
    less than `rules.MAX_SHIFT_BREAK` after the previous block."""
    tz = work.user.tzinfo
    blocks = rules.to_blocks(work.intervals, timedelta(minutes=work.limits.min_break_gap_minutes))
    if not blocks:
        return []
    rests = []
    working_day = periods.local_date(blocks[0].start, tz)
    for earlier, later in itertools.pairwise(blocks):
        next_day = periods.local_date(later.start, tz)
        if next_day <= working_day or later.start - earlier.end < rules.MAX_SHIFT_BREAK:
            continue
        working_day = next_day
        rests.append(Rest(start=earlier.end, end=later.start, day=next_day))
    return rests


def _week_row(per_day: dict[date, timedelta], week_start: date, work: RecordedWork) -> dict:
    days = (week_start + timedelta(days=n) for n in range(7))
    hours = decimal_hours(sum((per_day.get(day, timedelta()) for day in days), timedelta()))
    average, counted = rolling_weekly_average(per_day, week_start, work)
    limit = work.limits.max_weekly_hours
    return {
        "week": periods.iso_week_label(week_start),
        "week_start": week_start,
        "week_end": week_start + timedelta(days=6),
        "hours": hours,
        "rolling_average": average,
        "days_counted": counted,
        "max_weekly_hours": limit,
        "above_limit": average is not None and average > limit,
    }


def working_time_summary(user: User, start: date, end: date) -> dict:
    """`user`'s working time from `start` to `end` (inclusive, local days): hours per day,
    each ISO week touched (whole weeks) with the rolling average at its end, the shortest
    rests before working days in the range, and the violations (open or acknowledged)
    whose period overlaps it."""
    work = recorded_work([user], start, end)[user.pk]
    per_day = rules.hours_by_day(work.intervals, user.tzinfo)
    weeks = []
    week = periods.week_start_of(start)
    while week <= end:
        weeks.append(_week_row(per_day, week, work))
        week += timedelta(days=7)
    rests = sorted(
        (rest for rest in daily_rests(work) if start <= rest.day <= end), key=lambda rest: rest.end - rest.start
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
        "days": [{"date": day, "hours": decimal_hours(per_day.get(day, timedelta()))} for day in daterange(start, end)],
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
        per_day = rules.hours_by_day(work[user.pk].intervals, user.tzinfo)
        rows[user.pk] = {**_week_row(per_day, week_start, work[user.pk]), "policy": work[user.pk].policy}
    return rows
