"""Reads behind the timesheet pages: a person's week as rows of (project, task) with one
cell per local day (and the rows they added, kept in the session), and the team's weeks,
each in a fixed number of queries.

Nothing here writes to the database or decides a rule: whether a day is editable or a week
can be submitted or decided is asked of `timeentries.services`, which enforces it on write.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import periods
from core.pages import format_hours
from timeentries import selectors, services
from timeentries.forms import work_key
from timeentries.models import Project, Task, TimeEntry, Timesheet
from users.models import User
from users.selectors import users_visible_to

SESSION_ROWS = "timesheet_rows"
SESSION_ROW_SETTINGS = "timesheet_row_settings"
SESSION_ROWS_WEEKS = 12  # extra rows are remembered for the most recently touched weeks only


@dataclass
class Cell:
    """One (project, task, local day) of the grid. Its number is all the work logged there;
    what the person types is kept in the cell's one duration entry (no invented times),
    while clocked entries (timer, day view, API) keep their times and are changed in the
    day view, where the cell links."""

    day: date
    worked: timedelta = timedelta()
    entries: list[TimeEntry] = field(default_factory=list)
    editable: bool = False
    problem: str = ""  # why the cell is read-only ("timer running", "2 entries")
    error: str = ""
    typed: str = ""  # what was entered when it was refused, shown again for correcting
    input_id: str = ""
    day_url: str = ""

    @property
    def hours(self) -> str:
        return format_hours(self.worked) if self.worked else ""

    @property
    def value(self) -> str:
        return self.typed if self.error else self.hours

    @property
    def clocked(self) -> list[TimeEntry]:
        return [entry for entry in self.entries if entry.is_clocked]

    @property
    def duration_entry(self) -> TimeEntry | None:
        return next((entry for entry in self.entries if not entry.is_clocked), None)

    @property
    def note(self) -> str:
        """The cell's note: its duration entry's description."""
        entry = self.duration_entry
        return entry.description if entry else ""


@dataclass
class Row:
    project: Project
    task: Task | None
    cells: list[Cell]
    has_entries: bool = False
    description: str = ""  # what the row's duration entries say (and new cells will)
    billable: bool = True

    @property
    def key(self) -> str:
        return work_key(self.project.pk, self.task.pk if self.task else None)

    @property
    def dom_key(self) -> str:
        return f"{self.project.pk}-{self.task.pk if self.task else 0}"

    @property
    def label(self) -> str:
        return f"{self.project.code} {self.project.name}" + (f", {self.task.name}" if self.task else "")

    @property
    def total(self) -> str:
        return format_hours(sum((cell.worked for cell in self.cells), timedelta()))


def day_url(day: date) -> str:
    """The day view of `day` (its route comes with the day view; a plain path until then)."""
    try:
        return reverse("timesheet-day", kwargs={"day": day})
    except NoReverseMatch:
        return f"/timesheet/day/{day.isoformat()}/"


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=offset) for offset in range(7)]


def week_nav(week_start: date, today: date) -> dict:
    """The week's labels and its neighbours', for the week navigation."""
    current = periods.week_start_of(today)
    return {
        "start": week_start,
        "end": week_start + timedelta(days=6),
        "label": periods.iso_week_label(week_start),
        "prev": periods.iso_week_label(week_start - timedelta(days=7)),
        "next": periods.iso_week_label(week_start + timedelta(days=7)),
        "current": periods.iso_week_label(current),
        "is_current": week_start == current,
    }


def status_of(timesheet: Timesheet | None) -> str:
    return timesheet.status if timesheet else "empty"


def status_label(timesheet: Timesheet | None) -> str:
    return timesheet.get_status_display() if timesheet else _("No time")


def loggable(user: User) -> tuple[list[Project], list[Task]]:
    """Projects the user may log to and their active tasks (two queries)."""
    projects = list(selectors.projects_loggable_by(user).order_by("code"))
    tasks = list(Task.objects.filter(project__in=[p.pk for p in projects], archived=False).order_by("name"))
    return projects, tasks


def resolve_rows(pairs, projects: list[Project], tasks: list[Task]) -> list[tuple[Project, Task | None]]:
    """(project id, task id) pairs -> objects, keeping only what the user may still log to."""
    project_by_id = {project.pk: project for project in projects}
    task_by_id = {task.pk: task for task in tasks}
    resolved = []
    for project_id, task_id in pairs:
        project, task = project_by_id.get(project_id), task_by_id.get(task_id) if task_id else None
        if project is None or (task_id and (task is None or task.project_id != project_id)):
            continue
        resolved.append((project, task))
    return resolved


# Rows the person added to a week (no time on them yet) live in the session, per week.


def session_rows(request, week_start: date) -> list[tuple[int, int | None]]:
    stored = request.session.get(SESSION_ROWS, {}).get(periods.iso_week_label(week_start), [])
    return [(int(project_id), int(task_id) if task_id else None) for project_id, task_id in stored]


def session_rows_save(request, week_start: date, rows: list[tuple[int, int | None]]) -> None:
    stored = dict(request.session.get(SESSION_ROWS, {}))
    label = periods.iso_week_label(week_start)
    stored.pop(label, None)
    if rows:
        stored[label] = [list(row) for row in rows]
    request.session[SESSION_ROWS] = dict(list(stored.items())[-SESSION_ROWS_WEEKS:])


def session_rows_add(request, week_start: date, rows) -> int:
    current = session_rows(request, week_start)
    new = [row for row in dict.fromkeys(rows) if row not in current]
    if new:
        session_rows_save(request, week_start, current + new)
    return len(new)


def session_row_settings(request, week_start: date) -> dict[str, dict]:
    """The description and billable the person gave each row of the week (by row key)."""
    return dict(request.session.get(SESSION_ROW_SETTINGS, {}).get(periods.iso_week_label(week_start), {}))


def session_row_settings_save(request, week_start: date, key: str, *, description: str, billable: bool) -> None:
    stored = dict(request.session.get(SESSION_ROW_SETTINGS, {}))
    label = periods.iso_week_label(week_start)
    week = dict(stored.pop(label, {}))
    week[key] = {"description": description, "billable": billable}
    stored[label] = week
    request.session[SESSION_ROW_SETTINGS] = dict(list(stored.items())[-SESSION_ROWS_WEEKS:])


def editable_days(
    *, owner: User, week_start: date, timesheet: Timesheet | None, lock_date: date | None, closed_months=frozenset()
) -> set:
    """The owner's days of the week that the services would let a write touch
    (`closed_months`: the first days of the months closed for the owner)."""
    return {
        day
        for day in week_days(week_start)
        if services.day_is_editable(
            user=owner, day=day, timesheet=timesheet, lock_date=lock_date, closed_months=closed_months
        )
    }


def _place_entries(rows: dict, row_for, *, entries, week_start: date, tz) -> None:
    """Add each entry's worked time on the local days of the week to the cells of its row
    (duration entries on their day, clocked ones split at midnight, less their breaks)."""
    week_range = periods.week_bounds(week_start, tz)
    now = timezone.now()
    for entry in entries:
        row = row_for(entry.project, entry.task)
        row.has_entries = True
        pieces = list(selectors.worked_by_day(entry, tz, now=now, within=week_range))
        if not pieces and entry.is_running and week_range[0] <= entry.start < week_range[1]:
            pieces = [(periods.local_date(entry.start, tz), timedelta())]  # a timer started this very second
        for day, worked in pieces:
            if 0 <= (day - week_start).days < 7:
                cell = row.cells[(day - week_start).days]
                cell.worked += worked
                cell.entries.append(entry)


def _row_settings(row: Row, settings: dict) -> None:
    """The row's description and billable: what its duration entries of the week say (the
    most recent one), else what the person set for the row, else the project's default."""
    durations = [entry for cell in row.cells for entry in cell.entries if not entry.is_clocked]
    saved = settings.get(row.key, {})
    if durations:
        latest = max(durations, key=lambda entry: (entry.day, entry.pk))
        row.description, row.billable = saved.get("description", latest.description), latest.billable
    else:
        row.description = saved.get("description", "")
        row.billable = saved.get("billable", row.project.billable)


def grid_rows(*, owner: User, week_start: date, entries, extra_rows, editable: set, errors: dict, settings=None):
    """Rows of (project, task) with one cell per local day; returns (rows, unplaced errors).

    `errors` maps (project id, task id, day) to (message, the value that was typed);
    `settings` maps a row's key to the description and billable the person gave it."""
    tz = owner.tzinfo
    days = week_days(week_start)
    rows: dict[tuple[int, int | None], Row] = {}

    def row_for(project: Project, task: Task | None) -> Row:
        key = (project.pk, task.pk if task else None)
        if key not in rows:
            rows[key] = Row(project=project, task=task, cells=[Cell(day=day) for day in days])
        return rows[key]

    _place_entries(rows, row_for, entries=entries, week_start=week_start, tz=tz)
    for project, task in extra_rows:
        row_for(project, task)

    unplaced = dict(errors)
    for (project_id, task_id), row in rows.items():
        for cell in row.cells:
            cell.input_id = f"cell-{row.dom_key}-{cell.day.isoformat()}"
            cell.error, cell.typed = unplaced.pop((project_id, task_id, cell.day), ("", ""))
            cell.day_url = day_url(cell.day)
            cell.problem = services.cell_problem(cell.entries, cell.day, tz)
            cell.editable = cell.day in editable and not cell.problem and not cell.clocked
        _row_settings(row, settings or {})
    ordered = sorted(rows.values(), key=lambda r: (r.project.code.lower(), r.task.name.lower() if r.task else ""))
    return ordered, [message for message, _ in unplaced.values()]


def team_weeks(manager: User, week_start: date) -> list[tuple[User, Timesheet | None, dict]]:
    """Each member the manager sees (not the manager): (member, timesheet, week totals)."""
    members_qs = users_visible_to(manager).exclude(pk=manager.pk)
    members = list(members_qs.order_by("first_name", "last_name", "email"))
    # Members live in different time zones: read a UTC window wide enough for all of them,
    # then week_totals keeps each member's own local week.
    window_from = periods.local_midnight(week_start - timedelta(days=1), UTC)
    window_to = periods.local_midnight(week_start + timedelta(days=8), UTC)
    entries_by_user = defaultdict(list)
    clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=window_to) & (Q(end__isnull=True) | Q(end__gt=window_from))
    in_week = Q(kind=TimeEntry.Kind.DURATION, day__gte=week_start, day__lt=week_start + timedelta(days=7))
    window = (
        TimeEntry.objects.filter(clocked | in_week, user_id__in=members_qs.values("pk"))
        .select_related("project")
        .order_by("day", "pk")
    )
    for entry in window:
        entries_by_user[entry.user_id].append(entry)
    timesheets = {
        timesheet.user_id: timesheet
        for timesheet in Timesheet.objects.filter(
            user_id__in=members_qs.values("pk"), week_start=week_start
        ).select_related("decided_by")
    }
    return [
        (
            member,
            timesheets.get(member.pk),
            selectors.week_totals(member, week_start, entries=entries_by_user[member.pk]),
        )
        for member in members
    ]
