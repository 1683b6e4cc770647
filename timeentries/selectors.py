"""Scoped reads for time: who sees which entries, projects and timesheets, and the
per-day / per-project totals of a week."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core import periods
from core.periods import hours
from timeentries.models import Client, Project, Task, TimeEntry, Timesheet
from users.models import User
from users.schedules import schedule_of
from users.selectors import owned_rows_visible_to


def entries_visible_to(actor: User) -> QuerySet[TimeEntry]:
    return owned_rows_visible_to(actor, TimeEntry.objects.select_related("user", "project", "project__client", "task"))


def timesheets_visible_to(actor: User) -> QuerySet[Timesheet]:
    return owned_rows_visible_to(actor, Timesheet.objects.select_related("user", "decided_by"))


def projects_loggable_by(user: User) -> QuerySet[Project]:
    """Active projects open to every team or to the user's team."""
    open_to_team = Q(teams__isnull=True)
    if user.team_id:
        open_to_team |= Q(teams=user.team_id)
    ids = Project.objects.filter(open_to_team, archived=False).values("pk")
    return Project.objects.filter(pk__in=ids)


def projects_visible_to(actor: User) -> QuerySet[Project]:
    projects = Project.objects.select_related("client").prefetch_related("teams")
    if actor.is_admin:
        return projects
    return projects.filter(pk__in=projects_loggable_by(actor).values("pk"))


def tasks_visible_to(actor: User) -> QuerySet[Task]:
    tasks = Task.objects.select_related("project")
    if actor.is_admin:
        return tasks
    return tasks.filter(project__in=projects_loggable_by(actor).values("pk"), archived=False)


def clients_visible_to(actor: User) -> QuerySet[Client]:
    if actor.is_admin:
        return Client.objects.all()
    return Client.objects.filter(pk__in=projects_loggable_by(actor).values("client_id"))


def entries_of_week(user: User, week_start: date) -> QuerySet[TimeEntry]:
    """Entries of the user's local ISO week: duration entries on one of its days, clocked
    ones that overlap it (including ones crossing into it); oldest first."""
    start, end = periods.week_bounds(week_start, user.tzinfo)
    week_days = Q(kind=TimeEntry.Kind.DURATION, day__gte=week_start, day__lt=week_start + timedelta(days=7))
    clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    return (
        TimeEntry.objects.filter(week_days | clocked, user=user)
        .select_related("project", "task")
        .order_by("day", F("start").asc(nulls_first=True), "pk")
    )


def worked_by_day(entry: TimeEntry, tz, *, now=None, within=None) -> Iterator[tuple[date, timedelta]]:
    """(local day, worked time) of an entry: a duration entry's whole duration on its day; a
    clocked entry's pieces split at local midnight (a running one up to `now`), each less
    its share of the break: the break is spread over the pieces in proportion to their
    length, so a night shift's break lowers both days. `within` = (from, to) clips the
    clocked range first (the share of the break stays that of the whole entry)."""
    if not entry.is_clocked:
        yield entry.day, entry.duration
        return
    end = entry.end or now or timezone.now()
    yield from periods.worked_by_local_day(entry.start, end, entry.break_minutes, tz, within=within)


def week_totals(user: User, week_start: date, entries=None) -> dict:
    """Hours per local day and per project for one week: duration entries on their day,
    clocked entries' worked time of each local day inside the week (a running timer counts
    up to now; a break is spread over the pieces, see `worked_by_day`)."""
    tz = user.tzinfo
    week_range = periods.week_bounds(week_start, tz)
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    per_day: dict[date, timedelta] = dict.fromkeys(days, timedelta())
    per_project: dict[int, dict] = defaultdict(lambda: {"hours": timedelta()})
    now = timezone.now()
    for entry in entries if entries is not None else entries_of_week(user, week_start):
        for day, worked in worked_by_day(entry, tz, now=now, within=week_range):
            if day in per_day:
                per_day[day] += worked
                bucket = per_project[entry.project_id]
                bucket.update(
                    project=entry.project_id, project_code=entry.project.code, project_name=entry.project.name
                )
                bucket["hours"] += worked
    total = sum(per_day.values(), timedelta())
    return {
        "days": [{"date": day.isoformat(), "hours": hours(per_day[day])} for day in days],
        "projects": [{**bucket, "hours": hours(bucket["hours"])} for bucket in per_project.values()],
        "total_hours": hours(total),
    }


def day_worked(user: User, days: list[date], *, exclude_pk=None) -> dict[date, timedelta]:
    """Work the user has logged on each of `days` (local), every kind, less breaks; a
    running timer counts up to now. `exclude_pk` leaves out the entry being changed."""
    tz = user.tzinfo
    totals = dict.fromkeys(days, timedelta())
    if not days:
        return totals
    first, last = periods.day_bounds(min(days), tz)[0], periods.day_bounds(max(days), tz)[1]
    clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=last) & (Q(end__isnull=True) | Q(end__gt=first))
    entries = TimeEntry.objects.filter(Q(kind=TimeEntry.Kind.DURATION, day__in=days) | clocked, user=user)
    if exclude_pk:
        entries = entries.exclude(pk=exclude_pk)
    now = timezone.now()
    for entry in entries:
        for day, worked in worked_by_day(entry, tz, now=now):
            if day in totals:
                totals[day] += worked
    return totals


def week_expected_hours(user: User, week_start: date, *, days_off: Iterable[date] = ()) -> Decimal:
    """Hours the user's contract expects in the week: each day's share of the weekly hours
    of the contract version in force that day (`users.schedules`; nothing outside the
    employment), less the days in `days_off` (approved leave and public holidays: they live
    in `leave`, a higher layer, so the caller passes them)."""
    off = set(days_off)
    schedule = schedule_of(user)
    days = (week_start + timedelta(days=offset) for offset in range(7))
    return sum((schedule.hours_on(day) for day in days if day not in off), Decimal(0)).quantize(periods.CENT)
