"""The working-time rules as pure functions over one person's entries in their time zone.

Nothing here touches the database: callers pass intervals (UTC datetimes), the person's
zone, the limits and the days/weeks to judge, and get findings back. Every finding says
what was measured, the limit, the period and the entries involved.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from core import periods

VIOLATION, WARNING = "violation", "warning"
HOUR = Decimal(3600)
# A gap shorter than this inside a shift is a break (a night shift resuming after midnight),
# never the daily rest between two working days.
MAX_SHIFT_BREAK = timedelta(hours=3)


@dataclass(frozen=True)
class Interval:
    id: int | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Limits:
    """What a policy allows. The weekly maximum and the daily rest have no default here:
    the settings give them (`compliance.policies.default_limits`); the other defaults are
    the directive's and seed a new policy's fields."""

    max_weekly_hours: Decimal
    min_daily_rest_hours: Decimal
    reference_period_weeks: int = 17
    min_weekly_rest_hours: Decimal = Decimal(24)
    max_daily_hours: Decimal = Decimal(10)
    break_after_hours: Decimal = Decimal(6)
    break_minutes: int = 30
    long_break_after_hours: Decimal = Decimal(9)
    long_break_minutes: int = 45
    min_break_gap_minutes: int = 15

    @classmethod
    def of(cls, policy) -> "Limits":
        return cls(**{name: getattr(policy, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    period_start: date
    period_end: date
    measured: Decimal
    limit: Decimal
    message: str
    entries: tuple[int, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "measured": str(self.measured),
            "limit": str(self.limit),
            "message": self.message,
            "entries": list(self.entries),
        }


@dataclass
class Block:
    """Entries that follow each other with gaps shorter than a break: one stretch of work."""

    start: datetime
    end: datetime
    ids: list[int]


def decimal_hours(duration: timedelta) -> Decimal:
    """Hours to the cent, rounded as every surface rounds them (`core.periods.hours`)."""
    return periods.hours(duration)


def _ids(intervals: Iterable[Interval]) -> tuple[int, ...]:
    return tuple(sorted(i.id for i in intervals if i.id is not None))


def to_blocks(intervals: list[Interval], join_gap: timedelta) -> list[Block]:
    blocks: list[Block] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if blocks and interval.start - blocks[-1].end < join_gap:
            blocks[-1].end = max(blocks[-1].end, interval.end)
            blocks[-1].ids.append(interval.id)
        else:
            blocks.append(Block(interval.start, interval.end, [interval.id]))
    return blocks


def hours_by_day(intervals: list[Interval], tz: ZoneInfo) -> dict[date, timedelta]:
    per_day: dict[date, timedelta] = defaultdict(timedelta)
    for interval in intervals:
        for day, worked in periods.split_by_local_day(interval.start, interval.end, tz):
            per_day[day] += worked
    return per_day


def check_daily_max(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    findings = []
    per_day = hours_by_day(intervals, tz)
    for day in sorted(days):
        worked = decimal_hours(per_day.get(day, timedelta()))
        if worked > limits.max_daily_hours:
            start, end = periods.day_bounds(day, tz)
            involved = [i for i in intervals if i.start < end and i.end > start]
            findings.append(
                Finding(
                    "daily_max",
                    VIOLATION,
                    day,
                    day,
                    worked,
                    limits.max_daily_hours,
                    f"{worked} h worked on {day}, more than {limits.max_daily_hours} h.",
                    _ids(involved),
                )
            )
    return findings


def shifts(intervals: list[Interval], limits: Limits) -> list[list[Interval]]:
    """Entries grouped into shifts: a new shift begins after a daily rest's worth of time
    off, so a night shift that crosses midnight is one shift."""
    rest = timedelta(hours=float(limits.min_daily_rest_hours))
    grouped: list[list[Interval]] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if grouped and interval.start - max(i.end for i in grouped[-1]) < rest:
            grouped[-1].append(interval)
        else:
            grouped.append([interval])
    return grouped


def check_breaks(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    """More than `break_after_hours` worked in a shift needs `break_minutes` of breaks, more
    than `long_break_after_hours` needs `long_break_minutes`; a break is a gap of at least
    `min_break_gap_minutes` between entries. A shift belongs to the day it starts."""
    findings = []
    min_gap = timedelta(minutes=limits.min_break_gap_minutes)
    for shift in shifts(intervals, limits):
        day = periods.local_date(shift[0].start, tz)
        if day not in days:
            continue
        worked = decimal_hours(sum((i.end - i.start for i in shift), timedelta()))
        if worked > limits.long_break_after_hours:
            required = limits.long_break_minutes
        elif worked > limits.break_after_hours:
            required = limits.break_minutes
        else:
            continue
        breaks = timedelta()
        for earlier, later in itertools.pairwise(shift):
            gap = later.start - earlier.end
            if gap >= min_gap:
                breaks += gap
        taken = int(breaks.total_seconds() // 60)
        if taken < required:
            findings.append(
                Finding(
                    "breaks",
                    VIOLATION,
                    day,
                    periods.local_date(shift[-1].end, tz),
                    Decimal(taken),
                    Decimal(required),
                    f"{worked} h worked from {shift[0].start.astimezone(tz):%Y-%m-%d %H:%M} with {taken} min "
                    f"of breaks; {required} min are required.",
                    _ids(shift),
                )
            )
    return findings


@dataclass(frozen=True)
class Rest:
    """The time off between two working days: it follows `after_day` and leads into `day`
    (local working days); `entries` are the last entry before it and the first after."""

    start: datetime
    end: datetime
    after_day: date
    day: date
    entries: tuple[int, ...]

    @property
    def hours(self) -> Decimal:
        return decimal_hours(self.end - self.start)


def daily_rests(intervals: list[Interval], tz: ZoneInfo, limits: Limits) -> list[Rest]:
    """Every rest between two working days. Entries are joined into blocks across gaps
    shorter than a break; a block starting on a later local day begins a new working day,
    unless it follows the previous block by less than MAX_SHIFT_BREAK: then it is the same
    night shift resuming after a break, not a new day."""
    blocks = to_blocks(intervals, timedelta(minutes=limits.min_break_gap_minutes))
    if not blocks:
        return []
    rests = []
    working_day = periods.local_date(blocks[0].start, tz)
    for earlier, later in itertools.pairwise(blocks):
        next_day = periods.local_date(later.start, tz)
        if next_day <= working_day or later.start - earlier.end < MAX_SHIFT_BREAK:
            continue
        entries = tuple(sorted(pk for pk in {earlier.ids[-1], later.ids[0]} if pk is not None))
        rests.append(Rest(earlier.end, later.start, working_day, next_day, entries))
        working_day = next_day
    return rests


def check_daily_rest(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    """Between the last block of one working day and the first block of the next
    (`daily_rests`), at least `min_daily_rest_hours`."""
    findings = []
    minimum = timedelta(hours=float(limits.min_daily_rest_hours))
    for rest in daily_rests(intervals, tz, limits):
        end_day = periods.local_date(rest.start, tz)
        if rest.end - rest.start < minimum and (end_day in days or rest.day in days or rest.after_day in days):
            findings.append(
                Finding(
                    "daily_rest",
                    VIOLATION,
                    min(end_day, rest.day),
                    rest.day,
                    rest.hours,
                    limits.min_daily_rest_hours,
                    f"Only {rest.hours} h of rest before {rest.end.astimezone(tz):%Y-%m-%d %H:%M}; "
                    f"{limits.min_daily_rest_hours} h are required.",
                    rest.entries,
                )
            )
    return findings


def check_weekly_rest(
    intervals: list[Interval], tz: ZoneInfo, limits: Limits, weeks: set[date], now: datetime
) -> list[Finding]:
    """Each ISO week needs one uninterrupted rest of weekly plus daily rest (35 h by default).
    A rest spanning the week's edge counts for the week it overlaps. A rest before the first
    entry we know of passes; a rest still running decides the week only once it is over."""
    findings = []
    required = limits.min_weekly_rest_hours + limits.min_daily_rest_hours
    needed = timedelta(hours=float(required))
    blocks = to_blocks(intervals, timedelta(minutes=limits.min_break_gap_minutes))
    # Rests between blocks: (from, to); None stands for "before our data" / "still running".
    rests = list(zip([None, *(b.end for b in blocks)], [*(b.start for b in blocks), None], strict=True))
    for week_start in sorted(weeks):
        week_from, week_to = periods.week_bounds(week_start, tz)
        worked_in_week = [i for i in intervals if i.start < week_to and i.end > week_from]
        if not worked_in_week:
            continue
        longest, undecided = timedelta(), False
        for rest_from, rest_to in rests:
            if (rest_from is not None and rest_from >= week_to) or (rest_to is not None and rest_to <= week_from):
                continue
            if rest_from is None:
                longest = max(longest, needed)
            elif rest_to is None:
                longest = max(longest, now - rest_from)
                undecided = undecided or week_to > now
            else:
                longest = max(longest, rest_to - rest_from)
        if longest < needed and not undecided:
            findings.append(
                Finding(
                    "weekly_rest",
                    VIOLATION,
                    week_start,
                    week_start + timedelta(days=6),
                    decimal_hours(longest),
                    required,
                    f"Week {periods.iso_week_label(week_start)}: longest rest {decimal_hours(longest)} h, "
                    f"{required} h required.",
                    _ids(worked_in_week),
                )
            )
    return findings


def rolling_average(
    per_day: dict[date, timedelta], last_day: date, limits: Limits, neutral_days: set[date], history_start: date
) -> tuple[Decimal | None, int, date]:
    """The average weekly hours over the reference period ending with `last_day`: days of
    neutral leave are left out and the period reaches back by as many days, never before
    `history_start`. Answers (average, days counted, first day of the window); the average
    is None when no day counts."""
    span = limits.reference_period_weeks * 7
    counted, worked, day = 0, timedelta(), last_day
    while counted < span and day >= history_start:
        if day not in neutral_days:
            counted += 1
            worked += per_day.get(day, timedelta())
        day -= timedelta(days=1)
    if not counted:
        return None, 0, last_day
    return (
        (decimal_hours(worked) * 7 / counted).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        counted,
        day + timedelta(days=1),
    )


def check_weekly_hours(
    intervals: list[Interval],
    tz: ZoneInfo,
    limits: Limits,
    weeks: set[date],
    neutral_days: set[date],
    history_start: date,
) -> list[Finding]:
    """Average weekly hours over the rolling reference period ending with each week
    (Art. 6 and 16(b)). Days of paid annual or sick leave are neutral: they are left out
    and the period reaches back by as many days, so leave never dilutes the average. A
    single week above the maximum, with the average within it, is only a warning."""
    findings = []
    per_day = hours_by_day(intervals, tz)
    span = limits.reference_period_weeks * 7
    for week_start in sorted(weeks):
        week_end = week_start + timedelta(days=6)
        average, counted, window_start = rolling_average(per_day, week_end, limits, neutral_days, history_start)
        if average is None:
            continue
        this_week = decimal_hours(
            sum((per_day.get(week_start + timedelta(days=n), timedelta()) for n in range(7)), timedelta())
        )
        if average > limits.max_weekly_hours:
            findings.append(
                Finding(
                    "weekly_average",
                    VIOLATION,
                    week_start - timedelta(days=span - 7),
                    week_end,
                    average,
                    limits.max_weekly_hours,
                    f"Average {average} h a week over {counted // 7} weeks to {week_end} "
                    f"(from {window_start}), more than {limits.max_weekly_hours} h.",
                )
            )
        elif this_week > limits.max_weekly_hours:
            findings.append(
                Finding(
                    "weekly_hours",
                    WARNING,
                    week_start,
                    week_end,
                    this_week,
                    limits.max_weekly_hours,
                    f"{this_week} h in week {periods.iso_week_label(week_start)}, above {limits.max_weekly_hours} h; "
                    f"the {limits.reference_period_weeks}-week average ({average} h) is within the limit.",
                )
            )
    return findings


def evaluate(
    intervals: list[Interval],
    tz: ZoneInfo,
    limits: Limits,
    *,
    days: set[date],
    neutral_days: set[date],
    history_start: date,
    now: datetime,
) -> list[Finding]:
    """Every rule, judged for `days` and the ISO weeks they fall in."""
    weeks = {periods.week_start_of(day) for day in days}
    return [
        *check_weekly_hours(intervals, tz, limits, weeks, neutral_days, history_start),
        *check_daily_rest(intervals, tz, limits, days),
        *check_weekly_rest(intervals, tz, limits, weeks, now),
        *check_daily_max(intervals, tz, limits, days),
        *check_breaks(intervals, tz, limits, days),
    ]
