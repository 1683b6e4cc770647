"""Time entries: the checks every write makes and create, update, delete."""

from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, connection, transaction

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError, Forbidden
from core.signals import send_collecting, time_entry_written
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, Project, Task, TimeEntry, Timesheet
from users.models import User
from users.permissions import user_manages

OVERLAP_CONSTRAINT = "timeentry_no_overlap"
RUNNING_CONSTRAINT = "timeentry_one_running_timer_per_user"
ENTRY_NEEDS_END = "An entry needs an end; use the timer for work that is still running."


# --- checks ------------------------------------------------------------------------------


def _ensure_can_log_to(*, user: User, project: Project, task: Task | None) -> None:
    if project.archived:
        raise DomainValidationError(f"Project {project.code} is archived.", field="project")
    if project.teams.exists() and not project.teams.filter(pk=user.team_id).exists():
        raise DomainValidationError(f"{user}'s team may not log time to project {project.code}.", field="project")
    if task is not None:
        if task.project_id != project.pk:
            raise DomainValidationError(f"Task '{task}' does not belong to project {project.code}.", field="task")
        if task.archived:
            raise DomainValidationError(f"Task '{task}' is archived.", field="task")


def _ensure_valid_interval(*, user: User, start: datetime, end: datetime | None) -> None:
    tomorrow = periods.local_midnight(user.local_today() + timedelta(days=1), user.tzinfo)
    if start >= tomorrow:
        raise DomainValidationError("The start cannot be after today.", field="start")
    if end is None:
        return
    if end <= start:
        raise DomainValidationError("The end must be after the start.", field="end")
    if end - start > MAX_ENTRY_LENGTH:
        raise DomainValidationError("An entry cannot be longer than 24 hours.", field="end")
    if end > tomorrow:
        raise DomainValidationError("The end cannot be after today.", field="end")


def _ensure_writable(*, user: User, start: datetime, end: datetime | None) -> set[date]:
    """Weeks that are submitted or approved, and days before the payroll lock, are read-only.

    The timesheets of the touched weeks are locked (select_for_update) so that an approval
    running at the same moment cannot slip between this check and the write. Answers the
    weeks that have a timesheet already.
    """
    tz = user.tzinfo
    lock_date = LockPeriod.current_lock_date()
    first_day = periods.local_days_touched(start, end, tz)[0]
    if day_is_payroll_locked(first_day, lock_date):
        raise Conflict(
            f"Time before {lock_date:%Y-%m-%d} is closed for payroll "
            f"(week {periods.iso_week_label(periods.week_start_of(first_day))}).",
            code="period_locked",
        )
    weeks = periods.weeks_touched(start, end, tz)
    existing = set()
    for timesheet in Timesheet.objects.select_for_update().filter(user=user, week_start__in=weeks).order_by():
        if timesheet.is_locked:
            raise Conflict(
                f"Week {timesheet.week} is {timesheet.status}; ask your manager to reopen it.", code="week_locked"
            )
        existing.add(timesheet.week_start)
    return existing


def _ensure_no_overlap(*, user: User, start: datetime, end: datetime | None, exclude_pk=None) -> None:
    if connection.vendor == "postgresql":
        return  # the exclusion constraint refuses the write itself; `_save` answers the same 409
    clash = (
        TimeEntry.objects.overlapping(user_id=user.pk, start=start, end=end, exclude_pk=exclude_pk)
        .select_related("project")
        .first()
    )
    if clash:
        raise _overlap_conflict(clash)


def _overlap_conflict(clash: TimeEntry) -> Conflict:
    until = "running" if clash.end is None else f"{clash.end.isoformat()}"
    return Conflict(
        f"Overlaps time entry {clash.pk} ({clash.project.code}, {clash.start.isoformat()} to {until}).",
        code="overlap",
    )


def _ensure_has_end(*, end: datetime | None, running: bool) -> None:
    """Only the timer's running entry may lack an end: the API, the admin and the pages
    log finished work."""
    if end is None and not running:
        raise DomainValidationError(ENTRY_NEEDS_END, field="end")


def day_is_payroll_locked(day: date, lock_date: date | None) -> bool:
    """Days before the payroll lock date are closed."""
    return lock_date is not None and day < lock_date


def _ensure_can_edit(*, actor: User, entry: TimeEntry) -> None:
    if actor.pk != entry.user_id and not user_manages(actor, entry.user):
        raise Forbidden("You can only change your own time entries or your team's.")


def _save(entry: TimeEntry, *, weeks_with_timesheet: set[date]) -> TimeEntry:
    """Save, mapping a constraint a concurrent request won to the checks' own 409."""
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        message = str(error)
        if OVERLAP_CONSTRAINT in message:
            clash = (
                TimeEntry.objects.overlapping(
                    user_id=entry.user_id, start=entry.start, end=entry.end, exclude_pk=entry.pk
                )
                .select_related("project")
                .first()
            )
            raise (
                _overlap_conflict(clash) if clash else Conflict("Overlaps another time entry.", code="overlap")
            ) from error
        if RUNNING_CONSTRAINT in message:
            raise Conflict("A timer is already running.", code="timer_running") from error
        raise
    _timesheets_ensure(user=entry.user, start=entry.start, end=entry.end, existing=weeks_with_timesheet)
    return entry


def _write(entry: TimeEntry, *, spans) -> TimeEntry:
    """Write `entry` as it now stands: its span must be open (week and payroll locks) and
    free (no overlap); it is saved and its weeks get their timesheets. Then the working time
    the write leaves on `spans` is judged by the receivers of `time_entry_written` (compliance:
    a `block` policy refuses a violation with 409, rolling the write back) and what they
    report stays on the entry for `compliance_warnings`."""
    weeks = _ensure_writable(user=entry.user, start=entry.start, end=entry.end)
    _ensure_no_overlap(user=entry.user, start=entry.start, end=entry.end, exclude_pk=entry.pk)
    _save(entry, weeks_with_timesheet=weeks)
    entry.compliance_warnings = send_collecting(
        time_entry_written, sender=TimeEntry, user=entry.user, spans=spans, may_veto=True
    )
    return entry


def _new_entry(actor, project, task, start, end, description, billable) -> TimeEntry:
    """An unsaved entry of the actor's; `billable` defaults to the project's."""
    return TimeEntry(
        user=actor,
        project=project,
        task=task,
        start=start,
        end=end,
        description=description,
        billable=project.billable if billable is None else billable,
    )


def _timesheets_ensure(*, user: User, start: datetime, end: datetime | None, existing: set[date]) -> None:
    """A week has its (open) timesheet as soon as it has an entry, so clients can submit it."""
    for week_start in periods.weeks_touched(start, end, user.tzinfo):
        if week_start not in existing:
            Timesheet.objects.get_or_create(user=user, week_start=week_start)


# --- time entries --------------------------------------------------------------------------


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    project: Project,
    start: datetime,
    end: datetime | None = None,
    task: Task | None = None,
    description: str = "",
    billable: bool | None = None,
) -> TimeEntry:
    """Log a finished stretch of work for the actor."""
    _ensure_has_end(end=end, running=False)
    _ensure_can_log_to(user=actor, project=project, task=task)
    _ensure_valid_interval(user=actor, start=start, end=end)
    entry = _new_entry(actor, project, task, start, end, description, billable)
    return _write(entry, spans=[(start, end)])


@transaction.atomic
def time_entry_update(*, entry: TimeEntry, actor: User, **fields) -> TimeEntry:
    """Change an entry; both the week it leaves and the week it moves to must be open. A
    manager (or admin) changing someone else's entry leaves a business event naming both."""
    entry = TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
    _ensure_can_edit(actor=actor, entry=entry)
    _ensure_writable(user=entry.user, start=entry.start, end=entry.end)
    before = _audited_state(entry)
    project = fields.get("project", entry.project)
    task = fields.get("task", entry.task if project.pk == entry.project_id else None)
    start, end = fields.get("start", entry.start), fields.get("end", entry.end)
    if "project" in fields or "task" in fields:
        _ensure_can_log_to(user=entry.user, project=project, task=task)
    _ensure_has_end(end=end, running=entry.is_running)
    _ensure_valid_interval(user=entry.user, start=start, end=end)
    old_span = (entry.start, entry.end)
    if fields.get("billable") is not None:
        entry.billable = fields["billable"]
    elif project.pk != entry.project_id:
        entry.billable = project.billable  # a new project brings its own default
    entry.project, entry.task, entry.start, entry.end = project, task, start, end
    if "description" in fields:
        entry.description = fields["description"]
    _write(entry, spans=[old_span, (start, end)])
    if actor.pk != entry.user_id:
        after = _audited_state(entry)
        changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
        audit_event_record(action="time_entry_changed", actor=actor, target=entry, data={"changes": changes})
    return entry


def _audited_state(entry: TimeEntry) -> dict:
    """What an audit event about someone else's entry records of it."""
    return {
        "project": entry.project.code,
        "task": entry.task.name if entry.task_id else None,
        "start": entry.start.astimezone(UTC).isoformat(),
        "end": entry.end.astimezone(UTC).isoformat() if entry.end else None,
        "description": entry.description,
        "billable": entry.billable,
    }


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    """Delete an entry in an open week. A manager (or admin) deleting someone else's entry
    leaves a business event naming both, with what the entry was."""
    entry = TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
    _ensure_can_edit(actor=actor, entry=entry)
    _ensure_writable(user=entry.user, start=entry.start, end=entry.end)
    span = (entry.start, entry.end)
    if actor.pk != entry.user_id:
        audit_event_record(
            action="time_entry_deleted", actor=actor, target=entry, data={"entry": _audited_state(entry)}
        )
    entry.delete()
    time_entry_written.send(sender=TimeEntry, user=entry.user, spans=[span], may_veto=False)
