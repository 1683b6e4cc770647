"""The working-time rules as pure functions over one person's entries in their time zone.

Nothing here touches the database: callers pass intervals (UTC datetimes), the person's
zone, the limits and the days/weeks to judge, and get findings back. Every finding says
what was measured, the limit, the period and the entries involved, and its message speaks
the person's local time ("6 h 30 without a 30-minute break"), never UTC or ids.

Two kinds of work come in: clocked intervals (start, end and a declared break) and
durations (hours on a local day, no times). Durations count in the daily and weekly
totals and the rolling average; rests and breaks are judged on clocked intervals only,
since a duration says nothing about when the work happened.
"""

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from core import periods
from core.texts import Day, DayTime, Template

VIOLATION, WARNING = "violation", "warning"
TIMES_NOT_RECORDED = "times_not_recorded"
# Warnings that are recorded as violations to follow up all the same (the others, such as
# one long week within the average, are only shown where they happen).
RECORDED_WARNINGS = frozenset({TIMES_NOT_RECORDED, "sunday_work", "holiday_work"})
HOUR = Decimal(3600)
# A gap shorter than this inside a shift is a break (a night shift resuming after midnight),
# never the daily rest between two working days.
MAX_SHIFT_BREAK = timedelta(hours=3)


@dataclass(frozen=True)
class Interval:
    """A clocked entry: from `start` to `end`, less `break_minutes` declared inside it."""

    id: int | None
    start: datetime
    end: datetime
    break_minutes: int = 0

    @property
    def worked(self) -> timedelta:
        return max(self.end - self.start - timedelta(minutes=self.break_minutes), timedelta())


# Work recorded as hours on a local day without times (duration entries): the hours, and
# the ids of the entries behind them.
Durations = dict[date, timedelta]
DurationEntries = dict[date, tuple[int, ...]]


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
    # Night time (ArbZG §2(3)) and the reference period of night workers' 8-hour average
    # (§6(2)): "month" (the calendar month) or "4weeks" (the four ISO weeks ending with each week).
    night_start: time = time(23)
    night_end: time = time(6)
    night_average_period: str = "month"

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


def _worked_by_local_day(interval: Interval, tz: ZoneInfo) -> list[tuple[date, timedelta]]:
    """The interval's worked time (span less its declared break) per local day. A break
    in an entry crossing midnight is shared out in proportion to each day's part, in whole
    microseconds; the last day takes the rounding, so the parts add up exactly."""
    parts = list(periods.split_by_local_day(interval.start, interval.end, tz))
    if not interval.break_minutes or not parts:
        return parts
    span_us = sum(part // timedelta(microseconds=1) for _, part in parts)
    worked_us = interval.worked // timedelta(microseconds=1)
    shared, given = [], 0
    for index, (day, part) in enumerate(parts):
        if index == len(parts) - 1:
            share = worked_us - given
        else:
            share = (part // timedelta(microseconds=1)) * worked_us // span_us if span_us else 0
        given += share
        shared.append((day, timedelta(microseconds=share)))
    return shared


def hours_by_day(intervals: list[Interval], tz: ZoneInfo, durations: Durations | None = None) -> dict[date, timedelta]:
    """Worked time per local day: clocked intervals less their breaks, plus the durations
    recorded on the day without times."""
    per_day: dict[date, timedelta] = defaultdict(timedelta)
    for interval in intervals:
        for day, worked in _worked_by_local_day(interval, tz):
            per_day[day] += worked
    for day, worked in (durations or {}).items():
        per_day[day] += worked
    return per_day


# --- how the messages speak ---------------------------------------------------------------


def hours_label(value: timedelta | Decimal) -> str:
    """ "6 h 30", "8 h", "45 min": a length as people say it, to the minute."""
    if isinstance(value, timedelta):
        minutes = int((value.total_seconds() + 30) // 60)
    else:
        minutes = int((Decimal(value) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def day_label(day: date) -> Day:
    """ "Tue 3 Mar", in the language of whoever reads the message (`core.texts`)."""
    return Day(day)


def _time_on(local: datetime, day: date) -> dict:
    return {"time": f"{local:%H:%M}", "day": day_label(day)}


def moment_label(moment: datetime, tz: ZoneInfo, *, relative_to: date | None = None) -> str:
    """A moment in local time: "22:00" on `relative_to`, "yesterday 22:00" the day before,
    else "Sun 1 Mar 22:00"."""
    local = moment.astimezone(tz)
    if relative_to is not None and local.date() == relative_to:
        return f"{local:%H:%M}"
    if relative_to is not None and local.date() == relative_to - timedelta(days=1):
        return Template(gettext_noop("yesterday %(time)s")) % {"time": f"{local:%H:%M}"}
    return DayTime(local)


def shifts(intervals: list[Interval], limits: Limits) -> list[list[Interval]]:
    """Entries grouped into shifts: a gap shorter than MAX_SHIFT_BREAK is a break inside
    the shift (a night shift resuming after midnight is one shift); a gap of MAX_SHIFT_BREAK
    or more ends it, and is the rest before the next shift (`daily_rests`), however short."""
    grouped: list[list[Interval]] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if grouped and interval.start - max(i.end for i in grouped[-1]) < MAX_SHIFT_BREAK:
            grouped[-1].append(interval)
        else:
            grouped.append([interval])
    return grouped


def _last_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local day work ending at `moment` last touched (an end at midnight is the day before)."""
    return periods.local_date(moment - timedelta(microseconds=1), tz)


def _in_days(first: date, last: date, days: set[date]) -> bool:
    """Whether a finding from `first` to `last` is judged with `days`: as the services
    resolve them (`violations_sync`), a daily finding belongs to both its first and its
    last day."""
    return first in days or last in days


def _worked_within(interval: Interval, start: datetime, end: datetime) -> timedelta:
    """The interval's worked time falling in [start, end): the declared break is shared out
    in proportion to the part, in whole microseconds, as `hours_by_day` shares it per day."""
    part = min(interval.end, end) - max(interval.start, start)
    if part <= timedelta():
        return timedelta()
    if not interval.break_minutes:
        return part
    micro = timedelta(microseconds=1)
    span = (interval.end - interval.start) // micro
    return timedelta(microseconds=(part // micro) * (interval.worked // micro) // span) if span else timedelta()


def working_day_starts(intervals: list[Interval], limits: Limits) -> list[datetime]:
    """Where working days begin (ArbZG §3: the working day is the 24 hours from the start
    of work, not the calendar day): the start of every shift, and within a shift running
    past 24 hours the first entry starting after them."""
    starts: list[datetime] = []
    for shift in shifts(intervals, limits):
        starts.append(shift[0].start)
        for interval in shift[1:]:
            if interval.start >= starts[-1] + timedelta(hours=24):
                starts.append(interval.start)
    return starts


def _daily_max_finding(worked: Decimal, first: date, last: date, limits: Limits, ids, since: str = "") -> Finding:
    values = {"worked": hours_label(worked), "since": since, "day": day_label(first)}
    values["allowed"] = hours_label(limits.max_daily_hours)
    if since:
        message = Template(
            gettext_noop("%(worked)s worked in the 24 h from %(since)s, more than the %(allowed)s allowed.")
        )
    else:
        message = Template(gettext_noop("%(worked)s worked on %(day)s, more than the %(allowed)s allowed."))
    return Finding(
        "daily_max",
        VIOLATION,
        first,
        last,
        worked,
        limits.max_daily_hours,
        message % values,
        tuple(sorted(ids)),
    )


def check_daily_max(
    intervals: list[Interval],
    tz: ZoneInfo,
    limits: Limits,
    days: set[date],
    durations: Durations | None = None,
    duration_entries: DurationEntries | None = None,
) -> list[Finding]:
    """Worked time above the daily maximum, judged per working day (ArbZG §3, Art. 3 "per
    24-hour period"): clocked work in the 24 hours from each start of work
    (`working_day_starts`), whichever calendar days they cross, so a night shift is judged
    whole and a start the next morning still counts towards the day before. Durations have
    no times: a local day holding some is judged as a calendar day, clocked and durations
    together. One finding per period; the larger measure wins where both ways meet."""
    found: dict[tuple[date, date], Finding] = {}
    # A window ends on the next local day, or the one after across the 23-hour spring day.
    earliest, latest = (min(days) - timedelta(days=2), max(days)) if days else (date.max, date.min)
    for start in working_day_starts(intervals, limits):
        if not earliest <= periods.local_date(start, tz) <= latest:
            continue  # cannot touch the judged days
        end = start + timedelta(hours=24)
        involved = [i for i in intervals if i.start < end and i.end > start]
        worked = decimal_hours(sum((_worked_within(i, start, end) for i in involved), timedelta()))
        if worked <= limits.max_daily_hours:
            continue
        first, last = periods.local_date(start, tz), _last_day(min(end, max(i.end for i in involved)), tz)
        if not _in_days(first, last, days):
            continue
        since = (
            ""
            if first == last
            else Template(gettext_noop("%(time)s on %(day)s")) % _time_on(start.astimezone(tz), first)
        )
        finding = _daily_max_finding(worked, first, last, limits, _ids(involved), since)
        if (first, last) not in found or found[first, last].measured < worked:
            found[first, last] = finding
    per_day = hours_by_day(intervals, tz, durations)
    for day in sorted(set(durations or {}) & days):
        worked = decimal_hours(per_day.get(day, timedelta()))
        if worked <= limits.max_daily_hours or ((day, day) in found and found[day, day].measured >= worked):
            continue
        start, end = periods.day_bounds(day, tz)
        involved = [i for i in intervals if i.start < end and i.end > start]
        ids = {*_ids(involved), *(duration_entries or {}).get(day, ())}
        found[day, day] = _daily_max_finding(worked, day, day, limits, ids)
    return [found[period] for period in sorted(found)]


def check_breaks(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    """More than `break_after_hours` worked in a shift needs `break_minutes` of breaks, more
    than `long_break_after_hours` needs `long_break_minutes` (ArbZG §4). A break is a gap of
    at least `min_break_gap_minutes` between entries of the shift, or a break of at least
    that long declared in a clocked entry; worked time is the span less the declared breaks.
    A gap of MAX_SHIFT_BREAK or more ends the shift (`shifts`): it is a rest, never a break
    that answers for the work before it. Clocked intervals only: durations have no times."""
    findings = []
    min_gap = timedelta(minutes=limits.min_break_gap_minutes)
    for shift in shifts(intervals, limits):
        day, last = periods.local_date(shift[0].start, tz), _last_day(max(i.end for i in shift), tz)
        if not _in_days(day, last, days):
            continue
        worked_time = sum((i.worked for i in shift), timedelta())
        worked = decimal_hours(worked_time)
        if worked > limits.long_break_after_hours:
            required, after = limits.long_break_minutes, limits.long_break_after_hours
        elif worked > limits.break_after_hours:
            required, after = limits.break_minutes, limits.break_after_hours
        else:
            continue
        breaks = sum(
            (timedelta(minutes=i.break_minutes) for i in shift if i.break_minutes >= limits.min_break_gap_minutes),
            timedelta(),
        )
        for earlier, later in itertools.pairwise(shift):
            gap = later.start - earlier.end
            if gap >= min_gap:
                breaks += gap
        taken = int(breaks.total_seconds() // 60)
        if taken < required:
            values = {
                "worked": hours_label(worked_time),
                "from": moment_label(shift[0].start, tz, relative_to=day),
                "day": day_label(day),
                "taken": taken,
                "required": required,
                "after": hours_label(after),
            }
            if taken:
                message = Template(
                    gettext_noop(
                        "%(worked)s worked from %(from)s on %(day)s with only %(taken)s minutes of break; "
                        "%(required)s minutes are required after %(after)s."
                    )
                )
            else:
                message = Template(
                    gettext_noop(
                        "%(worked)s without a %(required)s-minute break (from %(from)s on %(day)s; "
                        "required after %(after)s)."
                    )
                )
            message %= values
            findings.append(
                Finding("breaks", VIOLATION, day, last, Decimal(taken), Decimal(required), message, _ids(shift))
            )
    return findings


@dataclass(frozen=True)
class Rest:
    """The time off between two shifts: it follows the shift that began on `after_day` and
    leads into the one beginning on `day` (local days); `entries` are the last entry before
    it and the first after."""

    start: datetime
    end: datetime
    after_day: date
    day: date
    entries: tuple[int, ...]

    @property
    def hours(self) -> Decimal:
        return decimal_hours(self.end - self.start)


def daily_rests(intervals: list[Interval], tz: ZoneInfo, limits: Limits) -> list[Rest]:
    """Every rest between two shifts (`shifts`): every gap of MAX_SHIFT_BREAK or more,
    whether it crosses midnight or not. A gap shorter than the daily rest between shifts
    is a short rest (`check_daily_rest`), never a break."""
    rests = []
    for earlier, later in itertools.pairwise(shifts(intervals, limits)):
        last = max(earlier, key=lambda i: i.end)
        entries = tuple(sorted(pk for pk in {last.id, later[0].id} if pk is not None))
        rests.append(
            Rest(
                last.end,
                later[0].start,
                periods.local_date(earlier[0].start, tz),
                periods.local_date(later[0].start, tz),
                entries,
            )
        )
    return rests


def check_daily_rest(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    """Between the end of one shift and the start of the next (`daily_rests`), at least
    `min_daily_rest_hours` (ArbZG §5, Art. 3), measured in real hours."""
    findings = []
    minimum = timedelta(hours=float(limits.min_daily_rest_hours))
    for rest in daily_rests(intervals, tz, limits):
        end_day = periods.local_date(rest.start, tz)
        if rest.end - rest.start < minimum and (_in_days(end_day, rest.day, days) or rest.after_day in days):
            findings.append(
                Finding(
                    "daily_rest",
                    VIOLATION,
                    min(end_day, rest.day),
                    rest.day,
                    rest.hours,
                    limits.min_daily_rest_hours,
                    Template(
                        gettext_noop(
                            "Only %(rest)s of rest since %(since)s, before work at %(time)s on %(day)s; "
                            "%(required)s are required."
                        )
                    )
                    % {
                        "rest": hours_label(rest.end - rest.start),
                        "since": moment_label(rest.start, tz, relative_to=rest.day),
                        "time": f"{rest.end.astimezone(tz):%H:%M}",
                        "day": day_label(rest.day),
                        "required": hours_label(limits.min_daily_rest_hours),
                    },
                    rest.entries,
                )
            )
    return findings


def _stretches(shift: list[Interval], limits: Limits) -> list[tuple[datetime, timedelta, tuple[int, ...]]]:
    """The stretches of work in a shift between breaks: (start, worked, entries). A gap of at
    least `min_break_gap_minutes` ends a stretch; so does a declared break of that length,
    which the record does not place: it is taken in the middle of its entry's work, the
    most favourable place (half the entry's work before it, half after)."""
    min_gap = timedelta(minutes=limits.min_break_gap_minutes)
    stretches: list[tuple[datetime, timedelta, tuple[int, ...]]] = []
    start, worked, ids, previous_end = None, timedelta(), [], None
    for interval in shift:
        if start is not None and interval.start - previous_end >= min_gap:
            stretches.append((start, worked, tuple(ids)))
            start = None
        if start is None:
            start, worked, ids = interval.start, timedelta(), []
        ids.append(interval.id)
        if interval.break_minutes >= limits.min_break_gap_minutes:
            half = interval.worked / 2
            stretches.append((start, worked + half, tuple(ids)))
            middle = interval.start + (interval.end - interval.start) / 2
            start, worked, ids = middle, half, [interval.id]
        else:
            worked += interval.worked
        previous_end = max(previous_end or interval.end, interval.end)
    if start is not None:
        stretches.append((start, worked, tuple(ids)))
    return stretches


def check_work_in_a_row(intervals: list[Interval], tz: ZoneInfo, limits: Limits, days: set[date]) -> list[Finding]:
    """No more than `break_after_hours` of work in a row without a break (ArbZG §4 sentence
    3): per shift, the longest stretch between breaks (`_stretches`; gaps under the minimum
    break do not end it, a rest ends the shift). Clocked intervals only."""
    findings = []
    for shift in shifts(intervals, limits):
        day, last = periods.local_date(shift[0].start, tz), _last_day(max(i.end for i in shift), tz)
        if not _in_days(day, last, days):
            continue
        start, worked_time, ids = max(_stretches(shift, limits), key=lambda stretch: stretch[1])
        worked = decimal_hours(worked_time)
        if worked <= limits.break_after_hours:
            continue
        findings.append(
            Finding(
                "work_in_a_row",
                VIOLATION,
                day,
                last,
                worked,
                limits.break_after_hours,
                Template(
                    gettext_noop(
                        "%(worked)s worked in a row from %(from)s on %(day)s without a break; "
                        "at most %(allowed)s are allowed."
                    )
                )
                % {
                    "worked": hours_label(worked_time),
                    "from": moment_label(start, tz, relative_to=day),
                    "day": day_label(day),
                    "allowed": hours_label(limits.break_after_hours),
                },
                tuple(sorted({pk for pk in ids if pk is not None})),
            )
        )
    return findings


def check_weekly_rest(
    intervals: list[Interval], tz: ZoneInfo, limits: Limits, weeks: set[date], now: datetime
) -> list[Finding]:
    """Each 7-day period (the ISO week, local time) needs one uninterrupted rest of the
    weekly rest plus a daily rest (24 h + 11 h by default) whose weekly part lies within the
    period: at least `min_weekly_rest_hours` of it inside the week, the daily rest may
    adjoin it across the week's edge (Art. 5; CJEU C-306/16: within each 7-day period, so
    at most 12 working days between two weekly rests). A rest overlapping the edge by a few
    hours serves only the week holding its weekly part. The rest before the first entry we
    know of began before our data; a rest still running decides the week only once it is
    over."""
    findings = []
    required = limits.min_weekly_rest_hours + limits.min_daily_rest_hours
    needed = timedelta(hours=float(required))
    needed_inside = timedelta(hours=float(limits.min_weekly_rest_hours))
    blocks = to_blocks(intervals, timedelta(minutes=limits.min_break_gap_minutes))
    # Rests between blocks: (from, to); None stands for "before our data" / "still running".
    rests = list(zip([None, *(b.end for b in blocks)], [*(b.start for b in blocks), None], strict=True))
    for week_start in sorted(weeks):
        week_from, week_to = periods.week_bounds(week_start, tz)
        worked_in_week = [i for i in intervals if i.start < week_to and i.end > week_from]
        if not worked_in_week:
            continue
        longest_inside, satisfied, undecided = timedelta(), False, False
        for rest_from, rest_to in rests:
            if (rest_from is not None and rest_from >= week_to) or (rest_to is not None and rest_to <= week_from):
                continue
            end = now if rest_to is None else rest_to
            inside = max(min(end, week_to) - max(rest_from or week_from, week_from), timedelta())
            longest_inside = max(longest_inside, inside)
            long_enough = rest_from is None or end - rest_from >= needed
            satisfied = satisfied or (long_enough and inside >= needed_inside)
            undecided = undecided or (rest_to is None and week_to > now)
        if not satisfied and not undecided:
            findings.append(
                Finding(
                    "weekly_rest",
                    VIOLATION,
                    week_start,
                    week_start + timedelta(days=6),
                    decimal_hours(longest_inside),
                    required,
                    Template(
                        gettext_noop(
                            "Week %(week)s (%(first)s to %(last)s): no rest of %(required)s in one piece "
                            "with %(inside)s of it inside the week; the longest rest within it was %(longest)s."
                        )
                    )
                    % {
                        "week": periods.iso_week_label(week_start),
                        "first": day_label(week_start),
                        "last": day_label(week_start + timedelta(days=6)),
                        "required": hours_label(required),
                        "inside": hours_label(limits.min_weekly_rest_hours),
                        "longest": hours_label(longest_inside),
                    },
                    _ids(worked_in_week),
                )
            )
    return findings


@dataclass(frozen=True)
class Average:
    """The average weekly hours over the reference period ending with `last_day`, or over
    the part of it since the history's start (`complete` False): `hours` worked over
    `days` counted (calendar days less what neutral leave takes out), from `first_day`.
    `value` is None when nothing counts."""

    value: Decimal | None
    hours: Decimal
    days: Decimal
    first_day: date
    last_day: date
    complete: bool

    @property
    def weeks(self) -> Decimal:
        return self.days / 7


def weeks_label(days: Decimal) -> str:
    """ "16 weeks", "15.8 weeks", "3 days": the length an average was taken over."""
    if days < 7:
        whole = _tenths(days)
        return (Template(gettext_noop("%(count)s day")) if whole == 1 else Template(gettext_noop("%(count)s days"))) % {
            "count": whole
        }
    weeks = _tenths(days / 7)
    return (Template(gettext_noop("%(count)s week")) if weeks == 1 else Template(gettext_noop("%(count)s weeks"))) % {
        "count": weeks
    }


def _tenths(value: Decimal) -> Decimal:
    """To the tenth, without a trailing ",0" (16 weeks, 15.8 weeks)."""
    tenths = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return tenths.quantize(Decimal(1)) if tenths == tenths.to_integral_value() else tenths


def rolling_average(
    per_day: dict[date, timedelta],
    last_day: date,
    limits: Limits,
    neutral_days: set[date] | frozenset[date],
    history_start: date,
    neutral_share: Mapping[date, Decimal] | None = None,
) -> Average:
    """The average weekly hours over the reference period ending with `last_day`, never
    before `history_start` (employment start, first recorded work): hours worked per week
    actually worked (Art. 16(b)). Neutral leave counts in neither: the hours of its whole
    days are left out, and each of its days takes its `neutral_share` of a week out of the
    period (a contract work day 1/5 of a week at five days, half of that for a half day),
    so 49 hours every week worked average 49 whatever leave sits in the period."""
    span = limits.reference_period_weeks * 7
    nominal_first = last_day - timedelta(days=span - 1)
    first = max(nominal_first, history_start)
    complete = history_start <= nominal_first
    if first > last_day:
        return Average(None, Decimal(0), Decimal(0), first, last_day, complete)
    share = neutral_share or {}
    worked, taken_out, day = timedelta(), Decimal(0), first
    while day <= last_day:
        if day not in neutral_days:
            worked += per_day.get(day, timedelta())
        taken_out += share.get(day, Decimal(0))
        day += timedelta(days=1)
    days = max(Decimal((last_day - first).days + 1) - 7 * taken_out, Decimal(0))
    hours = decimal_hours(worked)
    value = (hours * 7 / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if days else None
    return Average(value, hours, days, first, last_day, complete)


def check_weekly_hours(
    intervals: list[Interval],
    tz: ZoneInfo,
    limits: Limits,
    weeks: set[date],
    neutral_days: set[date],
    history_start: date,
    durations: Durations | None = None,
    neutral_share: Mapping[date, Decimal] | None = None,
) -> list[Finding]:
    """Average weekly hours over the rolling reference period ending with each week
    (Art. 6 and 16(b); ArbZG §3), neutral leave left out (`rolling_average`). Above the
    maximum over a whole reference period is a violation. Within the first reference
    period since `history_start` (a new starter) the weeks elapsed are averaged, and above
    the maximum is only a warning while the weeks still to come can balance it: a
    violation once the hours already worked exceed what the whole period allows. A single
    week above the maximum, with the average within it, is a warning. Clocked intervals
    less their breaks and durations both count."""
    findings = []
    per_day = hours_by_day(intervals, tz, durations)
    limit = limits.max_weekly_hours
    for week_start in sorted(weeks):
        week_end = week_start + timedelta(days=6)
        average = rolling_average(per_day, week_end, limits, neutral_days, history_start, neutral_share)
        if average.value is None:
            continue
        this_week = decimal_hours(
            sum((per_day.get(week_start + timedelta(days=n), timedelta()) for n in range(7)), timedelta())
        )
        over = Template(gettext_noop("Average %(average)s h a week over %(length)s to %(day)s")) % {
            "average": average.value,
            "length": weeks_label(average.days),
            "day": day_label(week_end),
        }
        if average.value > limit and average.complete:
            findings.append(
                Finding(
                    "weekly_average",
                    VIOLATION,
                    average.first_day,
                    week_end,
                    average.value,
                    limit,
                    Template(gettext_noop("%(over)s (from %(day)s), more than %(limit)s h."))
                    % {"over": over, "day": day_label(average.first_day), "limit": limit},
                )
            )
        elif average.value > limit:
            findings.append(_first_period_finding(average, limits, history_start, week_end, over))
        elif this_week > limit:
            findings.append(_weekly_hours_warning(this_week, week_start, limits, average.value))
    return findings


def _weekly_hours_warning(this_week: Decimal, week_start: date, limits: Limits, average: Decimal) -> Finding:
    """One week above the maximum while the reference period's average is within it."""
    values = {
        "hours": this_week,
        "week": periods.iso_week_label(week_start),
        "limit": limits.max_weekly_hours,
        "weeks": limits.reference_period_weeks,
        "average": average,
    }
    message = Template(
        gettext_noop(
            "%(hours)s h in week %(week)s, above %(limit)s h; "
            "the %(weeks)s-week average (%(average)s h) is within the limit."
        )
    )
    week_end = week_start + timedelta(days=6)
    return Finding("weekly_hours", WARNING, week_start, week_end, this_week, limits.max_weekly_hours, message % values)


def _first_period_finding(average, limits: Limits, history_start: date, week_end: date, over: str) -> Finding:
    """An average above the maximum inside a new starter's first reference period, still
    running: what the period allows in all is its weeks (less the leave taken so far) at the
    maximum. Above that already is a violation; below, a warning the weeks to come can
    balance."""
    span = limits.reference_period_weeks * 7
    limit = limits.max_weekly_hours
    period_end = history_start + timedelta(days=span - 1)
    period_days = Decimal(span) - (Decimal((average.last_day - average.first_day).days + 1) - average.days)
    allowed = (limit * period_days / 7).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    values = {
        "over": over,
        "start": day_label(history_start),
        "worked": average.hours,
        "allowed": allowed,
        "weeks": limits.reference_period_weeks,
        "end": day_label(period_end),
        "limit": limit,
        "remain": allowed - average.hours,
    }
    if average.hours > allowed:
        severity = VIOLATION
        message = Template(
            gettext_noop(
                "%(over)s (since the start on %(start)s): %(worked)s h worked, more than the %(allowed)s h the "
                "%(weeks)s-week period to %(end)s allows."
            )
        )
    else:
        severity = WARNING
        message = Template(
            gettext_noop(
                "%(over)s (since the start on %(start)s), above %(limit)s h; the weeks to %(end)s can "
                "balance it: %(remain)s h remain of the %(weeks)s-week period's %(allowed)s h."
            )
        )
    message %= values
    return Finding("weekly_average", severity, average.first_day, week_end, average.value, limit, message)


def check_times_recorded(
    intervals: list[Interval],
    tz: ZoneInfo,
    days: set[date],
    durations: Durations,
    duration_entries: DurationEntries | None = None,
) -> list[Finding]:
    """Where the policy requires clocked times (beginning, end and duration of the daily
    working time, BAG 1 ABR 22/21): a day with hours recorded only as durations.

    A WARNING, never a violation: a `block` policy holds back the approval of a week with
    open violations, and holding back the week grid's hours would only push people to
    invent times; the finding asks for the times instead, and is recorded for the manager
    all the same (`RECORDED_WARNINGS`)."""
    clocked_days = {day for i in intervals for day in periods.local_days_touched(i.start, i.end, tz)}
    findings = []
    for day in sorted(days):
        worked = durations.get(day)
        if not worked or day in clocked_days:
            continue
        findings.append(
            Finding(
                TIMES_NOT_RECORDED,
                WARNING,
                day,
                day,
                decimal_hours(worked),
                Decimal(0),
                Template(
                    gettext_noop(
                        "%(worked)s on %(day)s recorded without start and end times; the policy requires them."
                    )
                )
                % {"worked": hours_label(worked), "day": day_label(day)},
                tuple(sorted((duration_entries or {}).get(day, ()))),
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
    durations: Durations | None = None,
    duration_entries: DurationEntries | None = None,
    times_required: bool = False,
    neutral_share: Mapping[date, Decimal] | None = None,
    holidays: set[date] | frozenset[date] = frozenset(),
    night_worker: bool = False,
) -> list[Finding]:
    """Every rule, judged for `days` and the ISO weeks they fall in. `intervals` are the
    clocked entries, `durations` the hours recorded per day without times: both count in
    the totals; rests and breaks come from the intervals alone. `holidays` are the person's
    public holidays, `night_worker` their flag (ArbZG §2(5) nr. 1)."""
    weeks = {periods.week_start_of(day) for day in days}
    durations = durations or {}
    return [
        *check_weekly_hours(intervals, tz, limits, weeks, neutral_days, history_start, durations, neutral_share),
        *check_daily_rest(intervals, tz, limits, days),
        *check_weekly_rest(intervals, tz, limits, weeks, now),
        *check_daily_max(intervals, tz, limits, days, durations, duration_entries),
        *check_breaks(intervals, tz, limits, days),
        *check_work_in_a_row(intervals, tz, limits, days),
        *(check_times_recorded(intervals, tz, days, durations, duration_entries) if times_required else []),
        *check_night_average(
            intervals,
            tz,
            limits,
            days,
            night_worker=night_worker,
            neutral_days=neutral_days,
            holidays=set(holidays),
            durations=durations,
        ),
        *check_sunday_work(intervals, tz, days, set(holidays), durations, duration_entries),
        *check_substitute_rest(
            intervals,
            tz,
            days,
            holidays=set(holidays),
            neutral_days=neutral_days,
            now=now,
            history_start=history_start,
            durations=durations,
            duration_entries=duration_entries,
        ),
        *check_free_sundays(intervals, tz, days, durations, duration_entries),
    ]


# --- night work (ArbZG §2(3)-(5), §6(2); Directive Art. 8) --------------------------------

# §2(4): night work is work covering more than two hours of night time.
NIGHT_WORK_MORE_THAN = timedelta(hours=2)
# §2(5) nr. 2: someone doing night work on at least 48 days of a calendar year is a night worker.
NIGHT_WORKER_DAYS = 48
# §6(2): a night worker's working day averages at most 8 hours over the reference period.
NIGHT_WORKER_DAILY_AVERAGE = Decimal(8)
# Findings judged over a span longer than the days they name: a write anywhere in
# `judged_span` re-judges them.
SPAN_JUDGED = frozenset({"night_average", "substitute_rest", "free_sundays"})


def judged_span(rule: str, period_start: date, period_end: date) -> tuple[date, date]:
    """The days whose work decides a finding of `rule` over that period: a substitute rest
    day's window begins on the Monday of the week worked (ArbZG §11(3)), the others are
    their period."""
    if rule == "substitute_rest":
        return periods.week_start_of(period_start), period_end
    return period_start, period_end


def _overlaps(sorted_days: list[date], first: date, last: date) -> bool:
    index = bisect.bisect_left(sorted_days, first)
    return index < len(sorted_days) and sorted_days[index] <= last


def _night_window(day: date, tz: ZoneInfo, limits: Limits) -> tuple[datetime, datetime]:
    """The night time beginning on local `day`: 23:00 to 06:00 the next morning by default."""
    end_day = day if limits.night_end > limits.night_start else day + timedelta(days=1)
    return datetime.combine(day, limits.night_start, tzinfo=tz), datetime.combine(end_day, limits.night_end, tzinfo=tz)


def _worked_share(interval: Interval, part: timedelta) -> timedelta:
    """The worked time in `part` of an interval: its declared break is spread over the span
    in proportion, since where in the entry it fell is not recorded."""
    span_us = (interval.end - interval.start) // timedelta(microseconds=1)
    if not interval.break_minutes or not span_us:
        return part
    return timedelta(
        microseconds=(part // timedelta(microseconds=1)) * (interval.worked // timedelta(microseconds=1)) // span_us
    )


def _night_parts(intervals: list[Interval], tz: ZoneInfo, limits: Limits):
    """(interval, the local day its night began, start, end) of every part of an interval
    within night time."""
    for interval in intervals:
        night = periods.local_date(interval.start, tz) - timedelta(days=1)
        while night <= periods.local_date(interval.end, tz):
            night_from, night_to = _night_window(night, tz, limits)
            start, end = max(interval.start, night_from), min(interval.end, night_to)
            if start < end:
                yield interval, night, start, end
            night += timedelta(days=1)


def night_time_by_night(intervals: list[Interval], tz: ZoneInfo, limits: Limits) -> dict[date, timedelta]:
    """Worked time within each night time, keyed by the local day the night begins."""
    nights: dict[date, timedelta] = defaultdict(timedelta)
    for interval, night, start, end in _night_parts(intervals, tz, limits):
        nights[night] += _worked_share(interval, end - start)
    return nights


def night_hours_by_day(intervals: list[Interval], tz: ZoneInfo, limits: Limits) -> dict[date, timedelta]:
    """Worked time within night time per local calendar day (the summary's night hours)."""
    per_day: dict[date, timedelta] = defaultdict(timedelta)
    for interval, _, start, end in _night_parts(intervals, tz, limits):
        for day, part in periods.split_by_local_day(start, end, tz):
            per_day[day] += _worked_share(interval, part)
    return per_day


def night_work_nights(intervals: list[Interval], tz: ZoneInfo, limits: Limits) -> list[date]:
    """The nights (local day they begin) with night work: more than 2 hours of night time."""
    return sorted(
        night for night, worked in night_time_by_night(intervals, tz, limits).items() if worked > NIGHT_WORK_MORE_THAN
    )


def night_worker_derived(nights: list[date], on: date) -> bool:
    """Night work on at least 48 days of the calendar year up to `on` (ArbZG §2(5) nr. 2)."""
    return bisect.bisect_right(nights, on) - bisect.bisect_left(nights, date(on.year, 1, 1)) >= NIGHT_WORKER_DAYS


def night_average_periods(limits: Limits, days: set[date]) -> list[tuple[date, date]]:
    """The reference periods of §6(2) that contain any of `days`: calendar months, or the
    four ISO weeks ending with each week."""
    first, last = min(days), max(days)
    if limits.night_average_period == "4weeks":
        week, found = periods.week_start_of(first), []
        while week <= periods.week_start_of(last) + timedelta(weeks=3):
            found.append((week - timedelta(weeks=3), week + timedelta(days=6)))
            week += timedelta(weeks=1)
    else:
        month, found = first.replace(day=1), []
        while month <= last:
            following = (month + timedelta(days=32)).replace(day=1)
            found.append((month, following - timedelta(days=1)))
            month = following
    ordered = sorted(days)
    return [(start, end) for start, end in found if _overlaps(ordered, start, end)]


def working_days_between(start: date, end: date, holidays: set[date], neutral_days: set[date]) -> int:
    """Werktage (Monday to Saturday, not a public holiday) from `start` to `end`, days of
    neutral leave left out as in the weekly average."""
    count, day = 0, start
    while day <= end:
        if day.isoweekday() != 7 and day not in holidays and day not in neutral_days:
            count += 1
        day += timedelta(days=1)
    return count


def check_night_average(
    intervals: list[Interval],
    tz: ZoneInfo,
    limits: Limits,
    days: set[date],
    *,
    night_worker: bool,
    neutral_days: set[date],
    holidays: set[date],
    durations: Durations | None = None,
) -> list[Finding]:
    """A night worker's hours over the reference period (calendar month or 4 weeks) above
    8 h per working day (ArbZG §6(2)). Night workers are the flagged ones (night work in
    rotating shifts, §2(5) nr. 1), and those with night work on 48 days of the year so far
    (nr. 2) in periods where they do night work. The average is over all the period's
    working days, the future ones too: once the hours exceed them, no later day can
    balance the period, and at its end it is the period's average."""
    if not days:
        return []
    findings = []
    per_day = hours_by_day(intervals, tz, durations)
    nights = night_work_nights(intervals, tz, limits)
    for start, end in night_average_periods(limits, days):
        flagged_or_derived = night_worker or (night_worker_derived(nights, end) and _overlaps(nights, start, end))
        if not flagged_or_derived:
            continue
        working_days = working_days_between(start, end, holidays, neutral_days)
        worked = decimal_hours(
            sum(
                (per_day.get(start + timedelta(days=n), timedelta()) for n in range((end - start).days + 1)),
                timedelta(),
            )
        )
        if not working_days or worked <= NIGHT_WORKER_DAILY_AVERAGE * working_days:
            continue
        average = (worked / working_days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        findings.append(
            Finding(
                "night_average",
                VIOLATION,
                start,
                end,
                average,
                NIGHT_WORKER_DAILY_AVERAGE,
                Template(
                    gettext_noop(
                        "Night worker: %(worked)s h over the %(days)s working days from %(start)s to "
                        "%(end)s, %(average)s h a day on average; 8 h are allowed (ArbZG §6(2))."
                    )
                )
                % {
                    "worked": worked,
                    "days": working_days,
                    "start": day_label(start),
                    "end": day_label(end),
                    "average": average,
                },
            )
        )
    return findings


# --- Sunday and public-holiday work (ArbZG §9-§11) -----------------------------------------

FREE_SUNDAYS = 15  # §11(1)
SUNDAY_SUBSTITUTE_WEEKS, HOLIDAY_SUBSTITUTE_WEEKS = 2, 8  # §11(3)


@dataclass(frozen=True)
class SubstituteRest:
    """The substitute rest day owed for work on a Sunday or on a public holiday falling on
    a working day (§11(3)): within the two (eight) weeks from the Monday of the week worked.
    `given_on` is the free working day that settles it; `status` is given, open (the window
    is still running) or missed (it ended without one)."""

    worked_day: date
    kind: str
    window_start: date
    due_by: date
    given_on: date | None
    status: str


def _entries_on(
    intervals: list[Interval], tz: ZoneInfo, day: date, duration_entries: DurationEntries | None
) -> tuple[int, ...]:
    start, end = periods.day_bounds(day, tz)
    on_day = [i for i in intervals if i.start < end and i.end > start]
    return tuple(sorted({*_ids(on_day), *(duration_entries or {}).get(day, ())}))


def _is_rest_day(day: date, holidays: set[date]) -> bool:
    return day.isoweekday() == 7 or day in holidays


def check_sunday_work(
    intervals: list[Interval],
    tz: ZoneInfo,
    days: set[date],
    holidays: set[date],
    durations: Durations | None = None,
    duration_entries: DurationEntries | None = None,
) -> list[Finding]:
    """Work on a Sunday or a public holiday (§9(1), midnight to midnight): a warning,
    recorded (`RECORDED_WARNINGS`), naming the window of the substitute rest day owed."""
    per_day = hours_by_day(intervals, tz, durations)
    findings = []
    for day in sorted(days):
        worked = per_day.get(day, timedelta())
        if worked <= timedelta() or not _is_rest_day(day, holidays):
            continue
        sunday = day.isoweekday() == 7
        weeks = SUNDAY_SUBSTITUTE_WEEKS if sunday else HOLIDAY_SUBSTITUTE_WEEKS
        window_start = periods.week_start_of(day)
        message = (
            Template(
                gettext_noop(
                    "%(worked)s worked on Sunday, %(day)s: a substitute rest day is owed between "
                    "%(first)s and %(last)s."
                )
            )
            if sunday
            else Template(
                gettext_noop(
                    "%(worked)s worked on a public holiday, %(day)s: a substitute rest day is owed between "
                    "%(first)s and %(last)s."
                )
            )
        )
        findings.append(
            Finding(
                "sunday_work" if sunday else "holiday_work",
                WARNING,
                day,
                day,
                decimal_hours(worked),
                Decimal(0),
                message
                % {
                    "worked": hours_label(worked),
                    "day": day_label(day),
                    "first": day_label(window_start),
                    "last": day_label(window_start + timedelta(weeks=weeks, days=-1)),
                },
                _entries_on(intervals, tz, day, duration_entries),
            )
        )
    return findings


def substitute_rest_days(
    per_day: dict[date, timedelta], holidays: set[date], neutral_days: set[date], today: date, history_start: date
) -> list[SubstituteRest]:
    """Every substitute rest day owed for the work in `per_day`, matched to free days: a
    working day (Monday to Saturday, not a public holiday) that is over, without work or
    neutral leave (leave is owed as leave, not as rest), on or after the first day of
    recorded work, and not already the substitute for another. The day owed first (the
    earliest end of window) takes the earliest free day of its window."""
    owed = []
    for day, worked in per_day.items():
        if worked <= timedelta() or not _is_rest_day(day, holidays):
            continue
        sunday = day.isoweekday() == 7
        window_start = periods.week_start_of(day)
        weeks = SUNDAY_SUBSTITUTE_WEEKS if sunday else HOLIDAY_SUBSTITUTE_WEEKS
        owed.append(
            (window_start + timedelta(weeks=weeks, days=-1), day, "sunday" if sunday else "holiday", window_start)
        )
    taken: set[date] = set()
    found = []
    for due_by, day, kind, window_start in sorted(owed):
        given_on, candidate = None, max(window_start, history_start)
        while candidate <= due_by and candidate < today:
            if (
                candidate not in taken
                and not _is_rest_day(candidate, holidays)
                and candidate not in neutral_days
                and per_day.get(candidate, timedelta()) <= timedelta()
            ):
                given_on = candidate
                taken.add(candidate)
                break
            candidate += timedelta(days=1)
        status = "given" if given_on else ("missed" if due_by < today else "open")
        found.append(SubstituteRest(day, kind, window_start, due_by, given_on, status))
    return sorted(found, key=lambda owed_day: owed_day.worked_day)


def check_substitute_rest(
    intervals: list[Interval],
    tz: ZoneInfo,
    days: set[date],
    *,
    holidays: set[date],
    neutral_days: set[date],
    now: datetime,
    history_start: date,
    durations: Durations | None = None,
    duration_entries: DurationEntries | None = None,
) -> list[Finding]:
    """A substitute rest day whose window ended without one (§11(3)): a violation over the
    day worked to the end of the window, judged whenever a day of its window is."""
    per_day = hours_by_day(intervals, tz, durations)
    ordered = sorted(days)
    findings = []
    for owed in substitute_rest_days(per_day, holidays, neutral_days, periods.local_date(now, tz), history_start):
        if owed.status != "missed" or not _overlaps(ordered, owed.window_start, owed.due_by):
            continue
        message = (
            Template(
                gettext_noop(
                    "No substitute rest day for the work on Sunday %(day)s: no free working day "
                    "between %(first)s and %(last)s (ArbZG §11(3))."
                )
            )
            if owed.kind == "sunday"
            else Template(
                gettext_noop(
                    "No substitute rest day for the work on the public holiday %(day)s: no free working day "
                    "between %(first)s and %(last)s (ArbZG §11(3))."
                )
            )
        )
        findings.append(
            Finding(
                "substitute_rest",
                VIOLATION,
                owed.worked_day,
                owed.due_by,
                Decimal(0),
                Decimal(1),
                message
                % {
                    "day": day_label(owed.worked_day),
                    "first": day_label(owed.window_start),
                    "last": day_label(owed.due_by),
                },
                _entries_on(intervals, tz, owed.worked_day, duration_entries),
            )
        )
    return findings


def check_free_sundays(
    intervals: list[Interval],
    tz: ZoneInfo,
    days: set[date],
    durations: Durations | None = None,
    duration_entries: DurationEntries | None = None,
) -> list[Finding]:
    """At least 15 Sundays a year free of work (§11(1)): a violation over the calendar year
    once so many of its Sundays were worked that fewer than 15 can stay free."""
    per_day = hours_by_day(intervals, tz, durations)
    findings = []
    for year in sorted({day.year for day in days}):
        first_sunday = date(year, 1, 1) + timedelta(days=(6 - date(year, 1, 1).weekday()))
        sundays = [
            first_sunday + timedelta(weeks=n) for n in range(53) if (first_sunday + timedelta(weeks=n)).year == year
        ]
        worked = [sunday for sunday in sundays if per_day.get(sunday, timedelta()) > timedelta()]
        can_be_free = len(sundays) - len(worked)
        if can_be_free >= FREE_SUNDAYS:
            continue
        tipping = worked[len(sundays) - FREE_SUNDAYS]
        findings.append(
            Finding(
                "free_sundays",
                VIOLATION,
                date(year, 1, 1),
                date(year, 12, 31),
                Decimal(can_be_free),
                Decimal(FREE_SUNDAYS),
                Template(
                    gettext_noop(
                        "%(worked)s of the %(sundays)s Sundays of %(year)s worked (since %(day)s, fewer "
                        "than %(free)s can stay free): at most %(can_be_free)s free Sundays (ArbZG §11(1))."
                    )
                )
                % {
                    "worked": len(worked),
                    "sundays": len(sundays),
                    "year": year,
                    "day": day_label(tipping),
                    "free": FREE_SUNDAYS,
                    "can_be_free": can_be_free,
                },
                _entries_on(intervals, tz, tipping, duration_entries),
            )
        )
    return findings
