"""Scoped reads for time: who sees which entries, projects and timesheets, and the
per-day / per-project totals of a week."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from core import periods
from core.periods import hours
from timeentries.models import Client, Project, Task, TimeEntry, Timesheet
from users.models import User
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
    """Entries that overlap the user's local ISO week (including ones crossing into it)."""
    start, end = periods.week_bounds(week_start, user.tzinfo)
    return (
        TimeEntry.objects.filter(user=user, start__lt=end)
        .filter(Q(end__isnull=True) | Q(end__gt=start))
        .select_related("project", "task")
        .order_by("start")
    )


def week_totals(user: User, week_start: date, entries=None) -> dict:
    """Hours per local day and per project for one week, counting only the part of each
    entry inside the week (a running timer counts up to now)."""
    tz = user.tzinfo
    week_from, week_to = periods.week_bounds(week_start, tz)
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    per_day: dict[date, timedelta] = dict.fromkeys(days, timedelta())
    per_project: dict[int, dict] = defaultdict(lambda: {"hours": timedelta()})
    now = timezone.now()
    for entry in entries if entries is not None else entries_of_week(user, week_start):
        start, end = max(entry.start, week_from), min(entry.end or now, week_to)
        for day, worked in periods.split_by_local_day(start, end, tz):
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
