"""What a write on a person's time must know besides the entry itself, read at once: may
their team log to the project, the payroll lock date, the months closed for them, the
timesheets of the weeks written (locked FOR UPDATE, so that an approval running at the same
moment cannot slip between the check and the write) and their other entries on the days
written (the 24-hour day). On PostgreSQL that is one statement; elsewhere a few queries
give the same `WriteContext`, and the same checks below read it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core import periods
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, Project, TimeEntry, Timesheet
from timeentries.selectors import worked_by_day
from timeentries.services.entry_checks import day_is_payroll_locked
from timeentries.services.refusals import day_over_24_hours_error, payroll_locked_conflict, week_locked_conflict
from users.closings import closings_in_force_for, ensure_months_open, month_closed_conflict, month_start
from users.models import MonthClosing, User

Span = tuple[datetime, datetime | None]


@dataclass
class WriteContext:
    user: User
    days: frozenset[date]
    weeks: frozenset[date]
    team_may_log: bool | None
    lock_date: date | None
    closed_months: list[date]
    timesheets: dict[date, Timesheet]
    entries: list[TimeEntry]  # the person's other entries touching `days`
    excluded_pk: int | None

    def covers(self, span: Span, exclude_pk=None) -> bool:
        """Whether this read holds what checking a write on `span` needs."""
        days, weeks = span_days_and_weeks(self.user, span)
        return exclude_pk == self.excluded_pk and days <= self.days and weeks <= self.weeks

    @property
    def weeks_with_timesheet(self) -> set[date]:
        return set(self.timesheets)

    def ensure_open(self, span: Span) -> None:
        """409 when the span's first day is before the payroll lock (`period_locked`), a
        month it touches is closed for the person (`month_closed`, the first one) or a week
        it touches is submitted or approved (`week_locked`): `ensure_days_open` and
        `ensure_weeks_open` on what was read."""
        tz = self.user.tzinfo
        days = periods.local_days_touched(*span, tz)
        first, last = days[0], days[-1]
        if day_is_payroll_locked(first, self.lock_date):
            raise payroll_locked_conflict(first, self.lock_date)
        closed = [month for month in self.closed_months if month_start(first) <= month <= last]
        if closed:
            raise month_closed_conflict(min(closed))
        for week in periods.weeks_touched(*span, tz):
            timesheet = self.timesheets.get(week)
            if timesheet is not None and timesheet.is_locked:
                raise week_locked_conflict(timesheet)

    def ensure_day_not_over_24_hours(self, entry: TimeEntry) -> None:
        """No local day may hold more than 24 hours of work, whatever the kinds of its
        entries (the entry as it now stands, plus everything else the person logged those
        days; a running timer counts up to now)."""
        tz, now = self.user.tzinfo, timezone.now()
        mine = dict(worked_by_day(entry, tz))
        logged = dict.fromkeys(mine, timedelta())
        for other in self.entries:
            if other.pk == entry.pk:
                continue
            for day, worked in worked_by_day(other, tz, now=now):
                if day in logged:
                    logged[day] += worked
        for day, worked in sorted(mine.items()):
            total = logged[day] + worked
            if total > MAX_ENTRY_LENGTH:
                raise day_over_24_hours_error(entry, day, total=total, logged=logged[day])


def span_days_and_weeks(user: User, span: Span) -> tuple[set[date], set[date]]:
    """The local days a write on `span` touches, with the day(s) its own worked time falls
    on (a running timer's up to now), and their weeks."""
    tz = user.tzinfo
    days = set(periods.local_days_touched(*span, tz))
    if span[1] is None:
        days.add(timezone.localdate(timezone.now(), tz))
    return days, {periods.week_start_of(day) for day in periods.local_days_touched(*span, tz)}


def write_context_read(
    *, user: User, spans: list[Span], project: Project | None = None, exclude_pk=None
) -> WriteContext:
    """Read what writing on `spans` for `user` needs (and whether their team may log to
    `project`, when given), locking the weeks' timesheets."""
    days, weeks = set(), set()
    for span in spans:
        span_days, span_weeks = span_days_and_weeks(user, span)
        days |= span_days
        weeks |= span_weeks
    read = _read_postgresql if connection.vendor == "postgresql" else _read_each
    return read(user=user, days=days, weeks=weeks, project=project, exclude_pk=exclude_pk)


def _entry_bounds(user: User, days: set[date]) -> tuple[datetime, datetime]:
    tz = user.tzinfo
    return periods.day_bounds(min(days), tz)[0], periods.day_bounds(max(days), tz)[1]


def _read_postgresql(*, user, days, weeks, project, exclude_pk) -> WriteContext:
    """The write's context in one statement. Long because most of it is that statement
    (access, payroll lock, closed months, the weeks' timesheets, the day's entries)."""
    first_bound, last_bound = _entry_bounds(user, days) if days else (None, None)
    params = {
        "user": user.pk,
        "team": user.team_id,
        "project": project.pk if project is not None else None,
        "weeks": sorted(weeks),
        "days": sorted(days),
        "first_month": month_start(min(days)) if days else None,
        "last_day": max(days) if days else None,
        "first_bound": first_bound,
        "last_bound": last_bound,
        "exclude": exclude_pk,
    }
    sql = f"""
        WITH sheets AS MATERIALIZED (
            SELECT id, week_start, status FROM {Timesheet._meta.db_table}
            WHERE user_id = %(user)s AND week_start = ANY(%(weeks)s::date[])
            ORDER BY week_start FOR UPDATE
        ), context AS MATERIALIZED (
            SELECT
                CASE WHEN %(project)s::bigint IS NULL THEN NULL ELSE (
                    NOT EXISTS (SELECT 1 FROM {Project.teams.through._meta.db_table} WHERE project_id = %(project)s)
                    OR EXISTS (
                        SELECT 1 FROM {Project.teams.through._meta.db_table}
                        WHERE project_id = %(project)s AND team_id = %(team)s
                    )
                ) END AS team_may_log,
                (SELECT locked_before FROM {LockPeriod._meta.db_table} ORDER BY set_at DESC, id DESC LIMIT 1)
                    AS lock_date,
                ARRAY(
                    SELECT month FROM {MonthClosing._meta.db_table}
                    WHERE reopened_at IS NULL AND (team_id IS NULL OR team_id = %(team)s)
                      AND month >= %(first_month)s AND month <= %(last_day)s
                ) AS closed_months,
                ARRAY(SELECT id FROM sheets ORDER BY week_start) AS sheet_ids,
                ARRAY(SELECT week_start FROM sheets ORDER BY week_start) AS sheet_weeks,
                ARRAY(SELECT status FROM sheets ORDER BY week_start) AS sheet_statuses
        )
        SELECT c.team_may_log, c.lock_date, c.closed_months, c.sheet_ids, c.sheet_weeks, c.sheet_statuses,
               e.id, e.kind, e.day, e.start, e."end", e.break_minutes, e.duration
        FROM context c
        LEFT JOIN {TimeEntry._meta.db_table} e ON e.user_id = %(user)s
            AND e.id IS DISTINCT FROM %(exclude)s
            AND (
                (e.kind = 'duration' AND e.day = ANY(%(days)s::date[]))
                OR (e.kind = 'clocked' AND e.start < %(last_bound)s
                    AND (e."end" IS NULL OR e."end" > %(first_bound)s))
            )
    """  # noqa: S608 - table names from model metadata; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    team_may_log, lock_date, closed_months, sheet_ids, sheet_weeks, sheet_statuses = rows[0][:6]
    timesheets = {
        week: Timesheet(pk=pk, user=user, week_start=week, status=status)
        for pk, week, status in zip(sheet_ids, sheet_weeks, sheet_statuses, strict=True)
    }
    entries = [
        TimeEntry(
            pk=pk, user=user, kind=kind, day=day, start=start, end=end, break_minutes=break_minutes, duration=duration
        )
        for *_, pk, kind, day, start, end, break_minutes, duration in rows
        if pk is not None
    ]
    return WriteContext(
        user=user,
        days=frozenset(days),
        weeks=frozenset(weeks),
        team_may_log=team_may_log,
        lock_date=lock_date,
        closed_months=list(closed_months),
        timesheets=timesheets,
        entries=entries,
        excluded_pk=exclude_pk,
    )


def _read_each(*, user, days, weeks, project, exclude_pk) -> WriteContext:
    """The same read as a few queries, for databases without the statement above."""
    team_may_log = None
    if project is not None:
        teams = {team.pk for team in project.teams.all()}
        team_may_log = not teams or user.team_id in teams
    closed_months, entries = [], []
    if days:
        closed_months = list(closings_in_force_for(user, min(days), max(days)).values_list("month", flat=True))
        first, last = _entry_bounds(user, days)
        clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=last) & (Q(end__isnull=True) | Q(end__gt=first))
        touching = TimeEntry.objects.filter(Q(kind=TimeEntry.Kind.DURATION, day__in=days) | clocked, user=user)
        entries = [entry for entry in touching.order_by() if entry.pk != exclude_pk]
    timesheets = {
        timesheet.week_start: timesheet
        for timesheet in Timesheet.objects.select_for_update().filter(user=user, week_start__in=weeks).order_by()
    }
    return WriteContext(
        user=user,
        days=frozenset(days),
        weeks=frozenset(weeks),
        team_may_log=team_may_log,
        lock_date=LockPeriod.current_lock_date(),
        closed_months=closed_months,
        timesheets=timesheets,
        entries=entries,
        excluded_pk=exclude_pk,
    )


# --- the same rules, one query each: for writes of other kinds (leave) ---------------------


def ensure_days_open(*, user: User, first: date, last: date) -> None:
    """409 when a day from `first` to `last` lies before the payroll lock date
    (`period_locked`) or in a month closed for `user` (`month_closed`, naming the month):
    the rule every write on a person's time follows (entries here, leave in `leave`)."""
    lock_date = LockPeriod.current_lock_date()
    if day_is_payroll_locked(first, lock_date):
        raise payroll_locked_conflict(first, lock_date)
    ensure_months_open(user=user, first=first, last=last)


def ensure_weeks_open(*, user: User, weeks) -> set[date]:
    """409 `week_locked` when one of `weeks` (their Mondays) is submitted or approved. The
    timesheets are locked (select_for_update) so that an approval running at the same
    moment cannot slip between this check and the write. Answers the weeks that have a
    timesheet already."""
    existing = set()
    for timesheet in Timesheet.objects.select_for_update().filter(user=user, week_start__in=weeks).order_by():
        if timesheet.is_locked:
            raise week_locked_conflict(timesheet)
        existing.add(timesheet.week_start)
    return existing
