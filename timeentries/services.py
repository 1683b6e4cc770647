"""Every write on time: entries, the timer, weekly timesheets and the payroll lock.

The API, the pages, the admin and tasks all call these functions; each validates, checks
permissions and locks, and turns a constraint violation from a race into the same 409 the
Python check gives.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from core.pages import format_hours
from core.signals import send_collecting, time_entry_written
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, Project, Task, TimeEntry, Timesheet
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for, user_manages

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


# --- the week grid: a day's hours of one project/task -------------------------------------

# A new cell entry starts at 09:00 local time, or at the nearest free stretch of that day.
CELL_DEFAULT_START = time(9, 0)
CELL_PROBLEM_MESSAGES = {
    "timer running": "The timer is running in this cell; stop it first.",
    "crosses midnight": "This entry crosses midnight, so it cannot be edited as one day's hours.",
}


def day_is_editable(*, user: User, day: date, timesheet: Timesheet | None, lock_date: date | None) -> bool:
    """Whether a write may touch the user's `day`: not after today, not before the payroll
    lock, not in a submitted or approved week (`timesheet` is that day's week's)."""
    if timesheet is not None and timesheet.is_locked:
        return False
    return day <= user.local_today() and not day_is_payroll_locked(day, lock_date)


def cell_problem(entries: list[TimeEntry], day: date, tz) -> str:
    """Why the entries of one project/task on one local day cannot be edited as one
    number of hours, or "" if they can."""
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
def time_entry_day_hours_set(*, actor: User, project: Project, task: Task | None, day: date, hours: Decimal) -> None:
    """Make the actor's (project, task, day) hold `hours`: create one entry at 09:00 (or the
    nearest free stretch of the day), change the one entry's end, or delete it at zero.
    Several entries, a running timer or a night shift are refused: change them one by one."""
    tz = actor.tzinfo
    day_start, day_end = periods.day_bounds(day, tz)
    day_entries = list(
        TimeEntry.objects.filter(user=actor, start__lt=day_end).filter(Q(end__isnull=True) | Q(end__gt=day_start))
    )
    task_id = task.pk if task else None
    in_cell = [entry for entry in day_entries if entry.project_id == project.pk and entry.task_id == task_id]
    problem = cell_problem(in_cell, day, tz)
    if problem:
        message = CELL_PROBLEM_MESSAGES.get(problem, f"This cell holds {problem}; change them one by one.")
        raise DomainValidationError(message, field="hours")
    entry = in_cell[0] if in_cell else None
    length = timedelta(seconds=int(hours * 3600))
    if not length:
        if entry is not None:
            time_entry_delete(entry=entry, actor=actor)
        return
    preferred = entry.start if entry else datetime.combine(day, CELL_DEFAULT_START, tzinfo=tz).astimezone(UTC)
    others = [other for other in day_entries if entry is None or other.pk != entry.pk]
    start = _free_start(preferred=preferred, length=length, day_start=day_start, day_end=day_end, others=others)
    if start is None:
        raise DomainValidationError(f"{day:%A} has no free stretch of {format_hours(hours)} hours left.", field="hours")
    if entry is not None:
        time_entry_update(entry=entry, actor=actor, start=start, end=start + length)
    else:
        time_entry_create(actor=actor, project=project, task=task, start=start, end=start + length)


# --- timer ---------------------------------------------------------------------------------


def running_entry_of(user: User) -> TimeEntry | None:
    return TimeEntry.objects.running().filter(user=user).select_related("project", "task").first()


@transaction.atomic
def timer_start(
    *,
    actor: User,
    project: Project,
    task: Task | None = None,
    description: str = "",
    billable: bool | None = None,
    stop_running: bool = True,
) -> TimeEntry:
    """Start the actor's timer now. A running timer is stopped first (its end is now), or,
    with `stop_running=False`, the start is refused with 409."""
    _ensure_can_log_to(user=actor, project=project, task=task)
    now = timezone.now().replace(microsecond=0)
    running = TimeEntry.objects.select_for_update().filter(user=actor, end__isnull=True).first()
    if running is not None:
        if not stop_running:
            raise Conflict(f"Timer {running.pk} is already running; stop it first.", code="timer_running")
        timer_stop(actor=actor)
    entry = _new_entry(actor, project, task, now, None, description, billable)
    return _write(entry, spans=[(now, None)])


@transaction.atomic
def timer_stop(*, actor: User, end: datetime | None = None) -> TimeEntry:
    """Stop the actor's running timer at `end` (default now). A timer that has run for more
    than 24 hours is never silently closed: its end must be given explicitly."""
    running = TimeEntry.objects.select_for_update().filter(user=actor, end__isnull=True).first()
    if running is None:
        raise Conflict("No timer is running.", code="no_timer")
    now = timezone.now().replace(microsecond=0)
    if end is None:
        if now - running.start > MAX_ENTRY_LENGTH:
            raise DomainValidationError(
                f"This timer has run since {running.start.isoformat()}, more than 24 hours; give its end explicitly.",
                field="end",
            )
        end = max(now, running.start + timedelta(seconds=1))
    elif end > now:
        raise DomainValidationError("The end cannot be in the future.", field="end")
    _ensure_valid_interval(user=actor, start=running.start, end=end)
    running.end = end
    return _write(running, spans=[(running.start, end)])


# --- timesheets ----------------------------------------------------------------------------


def _locked_timesheet(timesheet_id: int) -> Timesheet:
    return Timesheet.objects.select_for_update(of=("self",)).select_related("user").get(pk=timesheet_id)


@transaction.atomic
def timesheet_submit(*, timesheet_id: int, actor: User) -> Timesheet:
    """The owner hands in an open or rejected week for approval."""
    timesheet = _locked_timesheet(timesheet_id)
    refusal = _submit_refusal(timesheet=timesheet, actor=actor)
    if refusal is not None:
        raise refusal
    start, end = periods.week_bounds(timesheet.week_start, timesheet.user.tzinfo)
    if TimeEntry.objects.running().filter(user=timesheet.user, start__lt=end).exists():
        raise Conflict(f"Stop the running timer before submitting week {timesheet.week}.", code="timer_running")
    if not TimeEntry.objects.overlapping(user_id=timesheet.user_id, start=start, end=end).exists():
        raise _empty_week(timesheet.week)
    timesheet.status = Timesheet.Status.SUBMITTED
    timesheet.submitted_at = timezone.now()
    timesheet.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_event_record(action="timesheet_submitted", actor=actor, target=timesheet, data={"week": timesheet.week})
    return timesheet


@transaction.atomic
def timesheet_submit_week(*, actor: User, week_start: date) -> Timesheet:
    """The owner hands in the week starting `week_start`; a week without a timesheet has
    never held an entry, so it is refused as empty like any other empty week."""
    timesheet = Timesheet.objects.filter(user=actor, week_start=week_start).first()
    if timesheet is None:
        raise _empty_week(periods.iso_week_label(week_start))
    return timesheet_submit(timesheet_id=timesheet.pk, actor=actor)


def _empty_week(week: str) -> Conflict:
    return Conflict(f"Week {week} has no time entries to submit.", code="empty_week")


def _submit_refusal(*, timesheet: Timesheet, actor: User) -> DomainError | None:
    """Why the actor may not submit the week as it stands (who and which state), or None.
    What the week holds (entries, a running timer) is checked when it is submitted."""
    if actor.pk != timesheet.user_id:
        return Forbidden("Only the owner can submit a week.")
    if timesheet.status not in (Timesheet.Status.OPEN, Timesheet.Status.REJECTED):
        return Conflict(f"Week {timesheet.week} is {timesheet.status}, it cannot be submitted.", code="invalid_state")
    return None


def timesheet_can_submit(*, timesheet: Timesheet | None, actor: User) -> bool:
    """Whether the page offers "Submit week": the owner, an open or rejected week."""
    return timesheet is not None and _submit_refusal(timesheet=timesheet, actor=actor) is None


def timesheet_can_decide(timesheet: Timesheet | None) -> bool:
    """A week can be approved or rejected while it is submitted."""
    return timesheet is not None and timesheet.status == Timesheet.Status.SUBMITTED


def timesheet_can_reopen(timesheet: Timesheet | None) -> bool:
    """A submitted, approved or rejected week can be reopened; an open one is open already."""
    return timesheet is not None and timesheet.status != Timesheet.Status.OPEN


def _decide(*, timesheet_id: int, actor: User, status: str, comment: str, verb: str) -> Timesheet:
    timesheet = _locked_timesheet(timesheet_id)
    ensure_can_decide_for(actor, timesheet.user, what=f"{verb} this week")
    if not timesheet_can_decide(timesheet):
        raise Conflict(f"Week {timesheet.week} is {timesheet.status}, not submitted.", code="invalid_state")
    timesheet.status = status
    timesheet.decided_by, timesheet.decided_at, timesheet.decision_comment = actor, timezone.now(), comment
    timesheet.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(
        action=f"timesheet_{status}", actor=actor, target=timesheet, data={"week": timesheet.week, "comment": comment}
    )
    return timesheet


@transaction.atomic
def timesheet_approve(*, timesheet_id: int, actor: User, comment: str = "") -> Timesheet:
    """The owner's manager (or an admin, never the owner) approves a submitted week."""
    return _decide(
        timesheet_id=timesheet_id, actor=actor, status=Timesheet.Status.APPROVED, comment=comment, verb="approve"
    )


@transaction.atomic
def timesheet_reject(*, timesheet_id: int, actor: User, comment: str) -> Timesheet:
    """Send a submitted week back with a reason; the owner edits and submits again."""
    if not (comment or "").strip():
        raise DomainValidationError("Say why the week is rejected.", field="comment")
    return _decide(
        timesheet_id=timesheet_id, actor=actor, status=Timesheet.Status.REJECTED, comment=comment, verb="reject"
    )


@transaction.atomic
def timesheet_reopen(*, timesheet_id: int, actor: User, comment: str = "") -> Timesheet:
    """A manager or admin opens a submitted, approved or rejected week for editing again."""
    timesheet = _locked_timesheet(timesheet_id)
    ensure_can_decide_for(actor, timesheet.user, what="reopen this week")
    if not timesheet_can_reopen(timesheet):
        raise Conflict(f"Week {timesheet.week} is already open.", code="invalid_state")
    previous = timesheet.status
    timesheet.status = Timesheet.Status.OPEN
    timesheet.decided_by, timesheet.decided_at, timesheet.decision_comment = actor, timezone.now(), comment
    timesheet.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(
        action="timesheet_reopened",
        actor=actor,
        target=timesheet,
        data={"week": timesheet.week, "from": previous, "comment": comment},
    )
    return timesheet


@transaction.atomic
def lock_period_set(*, actor: User, locked_before: date, note: str = "") -> LockPeriod:
    """Close everything before `locked_before` for payroll (admins only; moving it back reopens)."""
    ensure_admin(actor, what="set the payroll lock date")
    previous = LockPeriod.current_lock_date()
    lock = LockPeriod.objects.create(locked_before=locked_before, set_by=actor, note=note)
    audit_event_record(
        action="lock_period_set",
        actor=actor,
        target=lock,
        data={"locked_before": locked_before.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return lock
