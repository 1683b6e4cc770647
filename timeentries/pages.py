"""Server-rendered timesheet pages: a person's week grid (cells, timer, submission) and the
team view where managers approve.

Every write goes through `timeentries.services`; a `DomainError` is shown next to what
caused it. What lives here is only page work: turning "this cell should hold 3 hours" into
one service call, and reading a week into rows and cells in a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core import periods
from core.errors import DomainError, DomainValidationError
from core.forms import DecisionForm
from timeentries import selectors, services
from timeentries.forms import AddRowForm, CellForm, TimerStartForm, work_key
from timeentries.models import LockPeriod, Project, Task, TimeEntry, Timesheet
from users.models import User
from users.selectors import users_visible_to

# A new cell entry starts at 09:00 local time, or at the nearest free stretch of that day.
CELL_DEFAULT_START = time(9, 0)
SESSION_ROWS = "timesheet_rows"
SESSION_ROWS_WEEKS = 12  # extra rows are remembered for the most recently touched weeks only
DECISIONS = {
    "approve": (services.timesheet_approve, "approved"),
    "reject": (services.timesheet_reject, "rejected"),
    "reopen": (services.timesheet_reopen, "reopened"),
}


def format_hours(value) -> str:
    """7.5 -> "7.5", 8.0 -> "8", 0 -> "0": at most two decimals, no trailing zeros."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _local_timezone(view):
    """Render dates and times in the signed-in user's own time zone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(request.user.tzinfo):
            return view(request, *args, **kwargs)

    return wrapper


def _requested_week(value: str | None, user: User) -> tuple[date, str]:
    """The Monday of `value` ("2026-W45"), else of the user's current week and an error."""
    if value:
        try:
            return periods.parse_iso_week(value), ""
        except ValueError:
            return periods.week_start_of(user.local_today()), "Use an ISO week such as 2026-W45."
    return periods.week_start_of(user.local_today()), ""


def _week_url(week_start: date, name: str = "timesheet", **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs or None)}?week={periods.iso_week_label(week_start)}"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _ensure_manager(user: User) -> None:
    if not (user.is_manager or user.is_admin):
        raise PermissionDenied("Only managers and admins see their team's timesheets.")


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Check the input."


# --- reads for the grid ----------------------------------------------------------------------


def _loggable(user: User) -> tuple[list[Project], list[Task]]:
    """Projects the user may log to and their active tasks (two queries)."""
    projects = list(selectors.projects_loggable_by(user).order_by("code"))
    tasks = list(Task.objects.filter(project__in=[p.pk for p in projects], archived=False).order_by("name"))
    return projects, tasks


def _resolve_rows(pairs, projects: list[Project], tasks: list[Task]) -> list[tuple[Project, Task | None]]:
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


def _session_rows(request, week_start: date) -> list[tuple[int, int | None]]:
    stored = request.session.get(SESSION_ROWS, {}).get(periods.iso_week_label(week_start), [])
    return [(int(project_id), int(task_id) if task_id else None) for project_id, task_id in stored]


def _session_rows_save(request, week_start: date, rows: list[tuple[int, int | None]]) -> None:
    stored = dict(request.session.get(SESSION_ROWS, {}))
    label = periods.iso_week_label(week_start)
    stored.pop(label, None)
    if rows:
        stored[label] = [list(row) for row in rows]
    request.session[SESSION_ROWS] = dict(list(stored.items())[-SESSION_ROWS_WEEKS:])


def _session_rows_add(request, week_start: date, rows) -> int:
    current = _session_rows(request, week_start)
    new = [row for row in dict.fromkeys(rows) if row not in current]
    if new:
        _session_rows_save(request, week_start, current + new)
    return len(new)


@dataclass
class Cell:
    day: date
    worked: timedelta = timedelta()
    entries: list[TimeEntry] = field(default_factory=list)
    editable: bool = False
    note: str = ""
    error: str = ""
    typed: str = ""  # what was entered when it was refused, shown again for correcting
    input_id: str = ""

    @property
    def hours(self) -> str:
        return format_hours(periods.hours(self.worked)) if self.worked else ""

    @property
    def value(self) -> str:
        return self.typed if self.error else self.hours


@dataclass
class Row:
    project: Project
    task: Task | None
    cells: list[Cell]
    has_entries: bool = False

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
        return format_hours(periods.hours(sum((cell.worked for cell in self.cells), timedelta())))


def _cell_problem(entries: list[TimeEntry], day: date, tz) -> str:
    """Why a cell cannot be edited as one number, or "" if it can."""
    if len(entries) > 1:
        return f"{len(entries)} entries"
    if entries:
        entry = entries[0]
        if entry.end is None:
            return "timer running"
        day_start, day_end = periods.day_bounds(day, tz)
        if entry.start < day_start or entry.end > day_end:
            return "crosses midnight"
    return ""


CELL_PROBLEM_MESSAGES = {
    "timer running": "The timer is running in this cell; stop it first.",
    "crosses midnight": "This entry crosses midnight, so it cannot be edited as one day's hours.",
}


def _grid_rows(*, owner: User, week_start: date, entries, extra_rows, editable_days: set, errors: dict):
    """Rows of (project, task) with one cell per local day; returns (rows, unplaced errors).

    `errors` maps (project id, task id, day) to (message, the value that was typed)."""
    tz = owner.tzinfo
    week_from, week_to = periods.week_bounds(week_start, tz)
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    now = timezone.now()
    rows: dict[tuple[int, int | None], Row] = {}

    def row_for(project: Project, task: Task | None) -> Row:
        key = (project.pk, task.pk if task else None)
        if key not in rows:
            rows[key] = Row(project=project, task=task, cells=[Cell(day=day) for day in days])
        return rows[key]

    for entry in entries:
        row = row_for(entry.project, entry.task)
        row.has_entries = True
        start, end = max(entry.start, week_from), min(entry.end or now, week_to)
        pieces = list(periods.split_by_local_day(start, end, tz))
        if not pieces and entry.end is None and week_from <= entry.start < week_to:
            pieces = [(periods.local_date(entry.start, tz), timedelta())]  # a timer started this very second
        for day, worked in pieces:
            cell = row.cells[(day - week_start).days]
            cell.worked += worked
            cell.entries.append(entry)
    for project, task in extra_rows:
        row_for(project, task)

    unplaced = dict(errors)
    for (project_id, task_id), row in rows.items():
        for cell in row.cells:
            cell.input_id = f"cell-{row.dom_key}-{cell.day.isoformat()}"
            cell.error, cell.typed = unplaced.pop((project_id, task_id, cell.day), ("", ""))
            cell.note = _cell_problem(cell.entries, cell.day, tz)
            cell.editable = cell.day in editable_days and not cell.note
    ordered = sorted(rows.values(), key=lambda r: (r.project.code.lower(), r.task.name.lower() if r.task else ""))
    return ordered, [message for message, _ in unplaced.values()]


def _status_of(timesheet: Timesheet | None) -> str:
    return timesheet.status if timesheet else "empty"


def _status_label(timesheet: Timesheet | None) -> str:
    return timesheet.get_status_display() if timesheet else "No time"


def _decision_forms(timesheet: Timesheet | None, bound: dict | None = None) -> dict:
    """The approve / reject / reopen forms a manager gets for this timesheet's state."""
    if timesheet is None:
        return {}
    bound = bound or {}
    offered = {
        Timesheet.Status.SUBMITTED: ("approve", "reject"),
        Timesheet.Status.APPROVED: ("reopen",),
    }.get(timesheet.status, ())
    return {
        decision: bound.get((timesheet.pk, decision)) or DecisionForm(auto_id=f"ts{timesheet.pk}-{decision}-%s")
        for decision in offered
    }


def _week_context(
    request,
    *,
    owner: User,
    week_start: date,
    cell_errors: dict | None = None,
    errors: dict | None = None,
    forms: dict | None = None,
    week_error: str = "",
) -> dict:
    """Everything the week page and its grid fragment show, in a fixed number of queries."""
    is_owner = request.user.pk == owner.pk
    errors, forms = dict(errors or {}), forms or {}
    today = owner.local_today()
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    entries = list(selectors.entries_of_week(owner, week_start))
    totals = selectors.week_totals(owner, week_start, entries=entries)
    timesheet = Timesheet.objects.filter(user=owner, week_start=week_start).select_related("decided_by").first()
    lock_date = LockPeriod.current_lock_date()
    week_locked = timesheet is not None and timesheet.is_locked
    editable_days = set()
    if is_owner and not week_locked:
        editable_days = {day for day in days if day <= today and (lock_date is None or day >= lock_date)}

    projects, tasks, extra_rows = [], [], []
    if is_owner:
        projects, tasks = _loggable(owner)
        extra_rows = _resolve_rows(_session_rows(request, week_start), projects, tasks)
    rows, unplaced = _grid_rows(
        owner=owner,
        week_start=week_start,
        entries=entries,
        extra_rows=extra_rows,
        editable_days=editable_days,
        errors=cell_errors or {},
    )
    if unplaced:
        errors["grid"] = " ".join(unplaced)
    is_current = week_start == periods.week_start_of(today)
    running = services.running_entry_of(owner) if is_owner else None
    return {
        "nav": "timesheet" if is_owner else "team",
        "owner": owner,
        "is_owner": is_owner,
        "tz_name": owner.tzinfo.key,
        "week": {
            "start": week_start,
            "end": days[-1],
            "label": periods.iso_week_label(week_start),
            "prev": periods.iso_week_label(week_start - timedelta(days=7)),
            "next": periods.iso_week_label(week_start + timedelta(days=7)),
            "current": periods.iso_week_label(periods.week_start_of(today)),
            "is_current": is_current,
        },
        "week_error": week_error,
        "today": today,
        "days": [
            {"date": day, "total": format_hours(total["hours"]), "is_today": day == today}
            for day, total in zip(days, totals["days"], strict=True)
        ],
        "rows": rows,
        "total": format_hours(totals["total_hours"]),
        "timesheet": timesheet,
        "status": _status_of(timesheet),
        "status_label": _status_label(timesheet),
        "lock_date": lock_date if lock_date and days[0] < lock_date else None,
        "can_edit": bool(editable_days),
        "can_submit": is_owner
        and timesheet is not None
        and timesheet.status in (Timesheet.Status.OPEN, Timesheet.Status.REJECTED),
        "week_path": reverse("timesheet") if is_owner else reverse("timesheet-member", kwargs={"user_id": owner.pk}),
        "add_row_form": forms.get("row") or AddRowForm(projects=projects, tasks=tasks),
        "timer_form": forms.get("timer") or TimerStartForm(projects=projects, tasks=tasks),
        "show_timer_start": is_owner and is_current and not week_locked and running is None,
        "running": running,
        "decision_forms": {} if is_owner else _decision_forms(timesheet, forms.get("decisions")),
        "errors": errors,
    }


def _week_page(request, *, week_start: date, status: int = 200, **context_args):
    context = _week_context(request, owner=request.user, week_start=week_start, **context_args)
    return render(request, "timesheet/week.html", context, status=status)


# --- the cell: hours -> one service call -----------------------------------------------------


def _free_start(
    *, preferred: datetime, length: timedelta, day_start: datetime, day_end: datetime, others
) -> datetime | None:
    """Where a stretch of `length` fits inside the day without meeting another entry of the
    user (a running one covers everything after its start): at `preferred` if possible,
    else right after the work already logged, else before it."""
    busy = [(entry.start, entry.end or day_end + timedelta(days=1)) for entry in others]

    def fits(start: datetime) -> bool:
        end = start + length
        return day_start <= start and end <= day_end and all(not (s < end and start < e) for s, e in busy)

    candidates = {day_start, day_end - length, *(end for _, end in busy), *(start - length for start, _ in busy)}
    later = sorted(candidate for candidate in candidates if candidate > preferred)
    earlier = sorted((candidate for candidate in candidates if candidate < preferred), reverse=True)
    return next((candidate for candidate in [preferred, *later, *earlier] if fits(candidate)), None)


@transaction.atomic
def _cell_hours_set(*, user: User, project: Project, task: Task | None, day: date, hours: Decimal) -> None:
    """Make the (project, task, day) cell hold `hours`: create one entry at 09:00 (or the
    nearest free stretch of the day), change the one entry's end, or delete it at zero.
    A cell holding several entries, a running timer or a night shift is left alone."""
    tz = user.tzinfo
    day_start, day_end = periods.day_bounds(day, tz)
    day_entries = list(
        TimeEntry.objects.filter(user=user, start__lt=day_end).filter(Q(end__isnull=True) | Q(end__gt=day_start))
    )
    task_id = task.pk if task else None
    in_cell = [entry for entry in day_entries if entry.project_id == project.pk and entry.task_id == task_id]
    problem = _cell_problem(in_cell, day, tz)
    if problem:
        raise DomainValidationError(
            CELL_PROBLEM_MESSAGES.get(problem, f"This cell holds {problem}; change them one by one."), field="hours"
        )
    entry = in_cell[0] if in_cell else None
    length = timedelta(seconds=int(hours * 3600))
    if not length:
        if entry is not None:
            services.time_entry_delete(entry=entry, actor=user)
        return
    preferred = entry.start if entry else datetime.combine(day, CELL_DEFAULT_START, tzinfo=tz).astimezone(UTC)
    others = [other for other in day_entries if entry is None or other.pk != entry.pk]
    start = _free_start(preferred=preferred, length=length, day_start=day_start, day_end=day_end, others=others)
    if start is None:
        raise DomainValidationError(f"{day:%A} has no free stretch of {format_hours(hours)} hours left.", field="hours")
    if entry is not None:
        services.time_entry_update(entry=entry, actor=user, start=start, end=start + length)
    else:
        services.time_entry_create(actor=user, project=project, task=task, start=start, end=start + length)


# --- the person's own week ---------------------------------------------------------------------


@login_required
@require_GET
@_local_timezone
def week_page(request):
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    return _week_page(request, week_start=week_start, week_error=week_error, status=400 if week_error else 200)


@login_required
@require_POST
@_local_timezone
def cell_save(request):
    """Set one cell's hours. htmx gets the cell back (200, its error inside) with the totals
    and status swapped out of band, so what is being typed in other cells is never
    replaced; without JavaScript the browser goes back to the week, showing any error."""
    form = CellForm(request.POST)
    valid = form.is_valid()
    project, task, day = (form.cleaned_data.get(name) for name in ("project", "task", "day"))
    week_start = periods.week_start_of(day) if day else _requested_week(request.POST.get("week"), request.user)[0]
    message, status = "", 200
    if valid:
        try:
            _cell_hours_set(user=request.user, project=project, task=task, day=day, hours=form.cleaned_data["hours"])
        except DomainError as error:
            message, status = error.detail, error.status_code
    else:
        message, status = _first_error(form), 400
    if project is not None:  # the row stays on the grid even when its last entry is cleared
        _session_rows_add(request, week_start, [(project.pk, task.pk if task else None)])

    cell_errors, errors = {}, {}
    if message and project is not None and day is not None:
        cell_errors[(project.pk, task.pk if task else None, day)] = (message, request.POST.get("hours", "")[:12])
    elif message:
        errors["grid"] = message
    if _is_htmx(request):
        return _cell_fragment(
            request, week_start=week_start, project=project, task=task, day=day, cell_errors=cell_errors, errors=errors
        )
    if not message:
        return redirect(f"{_week_url(week_start)}#grid")
    return _week_page(request, week_start=week_start, status=status, cell_errors=cell_errors, errors=errors)


def _cell_fragment(request, *, week_start: date, project, task, day, cell_errors: dict, errors: dict):
    context = _week_context(request, owner=request.user, week_start=week_start, cell_errors=cell_errors, errors=errors)
    key = (project.pk if project else None, task.pk if task else None)
    row = next((row for row in context["rows"] if (row.project.pk, row.task.pk if row.task else None) == key), None)
    if row is None or day is None or not 0 <= (day - week_start).days < 7:
        # No such cell on the grid (a forged or stale post): show the whole grid instead.
        response = render(request, "timesheet/_grid.html", context)
        response["HX-Retarget"], response["HX-Reswap"] = "#grid", "outerHTML"
        return response
    index = (day - week_start).days
    context.update(row=row, cell=row.cells[index], day=context["days"][index])
    return render(request, "timesheet/_cell_response.html", context)


@login_required
@require_POST
@_local_timezone
def row_add(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    projects, tasks = _loggable(request.user)
    form = AddRowForm(request.POST, projects=projects, tasks=tasks)
    if not form.is_valid():
        return _week_page(request, week_start=week_start, status=400, forms={"row": form})
    project, task = form.cleaned_data["work"]
    _session_rows_add(request, week_start, [(project.pk, task.pk if task else None)])
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
def row_remove(request):
    """Forget an added row; rows with time on them stay, since they come from the entries."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    key = request.POST.get("work", "")
    _session_rows_save(
        request, week_start, [row for row in _session_rows(request, week_start) if work_key(*row) != key]
    )
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
@_local_timezone
def rows_copy(request):
    """Add last week's project/task rows, with empty cells, to this week."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    previous = week_start - timedelta(days=7)
    used = selectors.entries_of_week(request.user, previous).order_by().values_list("project_id", "task_id").distinct()
    pairs = dict.fromkeys([*used, *_session_rows(request, previous)])
    resolved = _resolve_rows(pairs, *_loggable(request.user))
    if not resolved:
        return _week_page(
            request,
            week_start=week_start,
            status=400,
            errors={"rows": f"Week {periods.iso_week_label(previous)} has no rows to copy."},
        )
    added = _session_rows_add(request, week_start, [(p.pk, t.pk if t else None) for p, t in resolved])
    messages.success(
        request, f"Copied {added} row{'s' if added != 1 else ''} from week {periods.iso_week_label(previous)}."
    )
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
@_local_timezone
def timer_start(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    projects, tasks = _loggable(request.user)
    form = TimerStartForm(request.POST, projects=projects, tasks=tasks)
    status = 400
    if form.is_valid():
        project, task = form.cleaned_data["work"]
        try:
            services.timer_start(
                actor=request.user, project=project, task=task, description=form.cleaned_data["description"]
            )
        except DomainError as error:
            form.add_error("work" if error.field in ("project", "task") else None, error.detail)
            status = error.status_code
        else:
            messages.success(request, f"Timer started on {project.code}{f', {task.name}' if task else ''}.")
            return redirect(_week_url(week_start))
    return _week_page(request, week_start=week_start, status=status, forms={"timer": form})


@login_required
@require_POST
@_local_timezone
def timer_stop(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    try:
        entry = services.timer_stop(actor=request.user)
    except DomainError as error:
        return _week_page(request, week_start=week_start, status=error.status_code, errors={"timer": error.detail})
    messages.success(request, f"Timer stopped after {format_hours(periods.hours(entry.duration))} hours.")
    return redirect(_week_url(week_start))


@login_required
@require_POST
@_local_timezone
def week_submit(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    label = periods.iso_week_label(week_start)
    timesheet = Timesheet.objects.filter(user=request.user, week_start=week_start).first()
    try:
        if timesheet is None:
            raise DomainValidationError(f"Week {label} is empty: log some time before submitting it.")
        services.timesheet_submit(timesheet_id=timesheet.pk, actor=request.user)
    except DomainError as error:
        return _week_page(request, week_start=week_start, status=error.status_code, errors={"submit": error.detail})
    messages.success(request, f"Week {label} is submitted for approval.")
    return redirect(_week_url(week_start))


# --- the team --------------------------------------------------------------------------------


def _team_context(request, *, week_start: date, forms: dict | None = None) -> dict:
    """Each visible member's hours and timesheet for the week, in a fixed number of queries."""
    manager = request.user
    members_qs = users_visible_to(manager).exclude(pk=manager.pk)
    members = list(members_qs.order_by("first_name", "last_name", "email"))
    # Members live in different time zones: read a UTC window wide enough for all of them,
    # then week_totals keeps each member's own local week.
    window_from = periods.local_midnight(week_start - timedelta(days=1), UTC)
    window_to = periods.local_midnight(week_start + timedelta(days=8), UTC)
    entries_by_user = defaultdict(list)
    window = (
        TimeEntry.objects.filter(user_id__in=members_qs.values("pk"), start__lt=window_to)
        .filter(Q(end__isnull=True) | Q(end__gt=window_from))
        .select_related("project")
        .order_by("start")
    )
    for entry in window:
        entries_by_user[entry.user_id].append(entry)
    timesheets = {
        timesheet.user_id: timesheet
        for timesheet in Timesheet.objects.filter(
            user_id__in=members_qs.values("pk"), week_start=week_start
        ).select_related("decided_by")
    }
    rows = []
    for member in members:
        timesheet = timesheets.get(member.pk)
        totals = selectors.week_totals(member, week_start, entries=entries_by_user[member.pk])
        rows.append(
            {
                "member": member,
                "hours": format_hours(totals["total_hours"]),
                "timesheet": timesheet,
                "status": _status_of(timesheet),
                "status_label": _status_label(timesheet),
                "decision_forms": _decision_forms(timesheet, forms),
            }
        )
    today = manager.local_today()
    return {
        "nav": "team",
        "rows": rows,
        "week_path": reverse("timesheet-team"),
        "waiting": sum(1 for row in rows if row["status"] == Timesheet.Status.SUBMITTED),
        "week": {
            "start": week_start,
            "end": week_start + timedelta(days=6),
            "label": periods.iso_week_label(week_start),
            "prev": periods.iso_week_label(week_start - timedelta(days=7)),
            "next": periods.iso_week_label(week_start + timedelta(days=7)),
            "current": periods.iso_week_label(periods.week_start_of(today)),
            "is_current": week_start == periods.week_start_of(today),
        },
    }


@login_required
@require_GET
@_local_timezone
def team_page(request):
    _ensure_manager(request.user)
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    context = {**_team_context(request, week_start=week_start), "week_error": week_error}
    return render(request, "timesheet/team.html", context, status=400 if week_error else 200)


@login_required
@require_GET
@_local_timezone
def member_week_page(request, user_id: int):
    """A team member's week, read-only, with the manager's decision forms."""
    _ensure_manager(request.user)
    member = get_object_or_404(users_visible_to(request.user), pk=user_id)
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    context = _week_context(request, owner=member, week_start=week_start, week_error=week_error)
    return render(request, "timesheet/week.html", context, status=400 if week_error else 200)


@login_required
@require_POST
@_local_timezone
def timesheet_decide(request, timesheet_id: int, decision: str):
    """Approve, reject or reopen a week, then go back to the team (or the member's week)."""
    _ensure_manager(request.user)
    timesheet = get_object_or_404(selectors.timesheets_visible_to(request.user), pk=timesheet_id)
    decide, past = DECISIONS[decision]
    form = DecisionForm(request.POST, auto_id=f"ts{timesheet.pk}-{decision}-%s")
    status = 400
    if form.is_valid():
        try:
            decide(timesheet_id=timesheet.pk, actor=request.user, comment=form.cleaned_data["comment"])
        except DomainError as error:
            form.add_error("comment" if error.field == "comment" else None, error.detail)
            status = error.status_code
        else:
            messages.success(request, f"{timesheet.user}'s week {timesheet.week} is {past}.")
            if request.POST.get("back") == "member":
                return redirect(_week_url(timesheet.week_start, "timesheet-member", user_id=timesheet.user_id))
            return redirect(_week_url(timesheet.week_start, "timesheet-team"))
    bound = {(timesheet.pk, decision): form}
    if request.POST.get("back") == "member":
        template = "timesheet/week.html"
        context = _week_context(
            request, owner=timesheet.user, week_start=timesheet.week_start, forms={"decisions": bound}
        )
        shown = [context["decision_forms"]]
    else:
        template = "timesheet/team.html"
        context = _team_context(request, week_start=timesheet.week_start, forms=bound)
        shown = [row["decision_forms"] for row in context["rows"]]
    if not any(form in forms.values() for forms in shown):
        # The form is not on the page (the manager's own week, or the week moved on meanwhile).
        context["page_error"] = " ".join(error for errors in form.errors.values() for error in errors)
    return render(request, template, context, status=status)
