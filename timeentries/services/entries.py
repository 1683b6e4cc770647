"""Time entries: the checks every write makes and create, update, delete."""

from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError, Forbidden
from core.signals import domain_event, send_collecting, time_entry_written
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, Project, Task, TimeEntry, Timesheet
from timeentries.selectors import day_worked, worked_by_day
from timeentries.services.refusals import (
    day_over_24_hours_error,
    overlap_conflict,
    payroll_locked_conflict,
    week_locked_conflict,
)
from users.closings import ensure_months_open
from users.models import User
from users.permissions import user_manages
from users.services import ensure_employed

OVERLAP_CONSTRAINT = "timeentry_no_overlap"
RUNNING_CONSTRAINT = "timeentry_one_running_timer_per_user"
ENTRY_NEEDS_END = gettext_lazy("An entry needs an end; use the timer for work that is still running.")


# --- checks ------------------------------------------------------------------------------


def _ensure_can_log_to(*, user: User, project: Project, task: Task | None) -> None:
    if project.archived:
        raise DomainValidationError(_("Project %(code)s is archived.") % {"code": project.code}, field="project")
    # Read through `.all()`: a caller checking many entries prefetches the teams once.
    teams = {team.pk for team in project.teams.all()}
    if teams and user.team_id not in teams:
        raise DomainValidationError(
            _("%(user)s's team may not log time to project %(code)s.") % {"user": user, "code": project.code},
            field="project",
        )
    if task is not None:
        if task.project_id != project.pk:
            raise DomainValidationError(
                _("Task '%(task)s' does not belong to project %(code)s.") % {"task": task, "code": project.code},
                field="task",
            )
        if task.archived:
            raise DomainValidationError(_("Task '%(task)s' is archived.") % {"task": task}, field="task")


def in_utc(moment: datetime | None) -> datetime | None:
    """A moment as UTC. Python subtracts two datetimes of one zone on the wall clock (00:00 to
    23:59 on the 25-hour October day reads 23 h 59 in Europe/Berlin), so every time the
    services take is turned to UTC first and every length they measure is elapsed time."""
    return moment.astimezone(UTC) if moment is not None else None


def _ensure_valid_interval(*, user: User, start: datetime, end: datetime | None) -> None:
    tomorrow = periods.local_midnight(user.local_today() + timedelta(days=1), user.tzinfo)
    if start >= tomorrow:
        raise DomainValidationError(_("The start cannot be after today."), field="start")
    if end is None:
        return
    if end <= start:
        raise DomainValidationError(_("The end must be after the start."), field="end")
    if end - start > MAX_ENTRY_LENGTH:
        raise DomainValidationError(_("An entry cannot be longer than 24 hours."), field="end")
    if end > tomorrow:
        raise DomainValidationError(_("The end cannot be after today."), field="end")


def _ensure_valid_break(*, start: datetime, end: datetime | None, break_minutes: int) -> None:
    if break_minutes is None or break_minutes < 0 or break_minutes > 24 * 60:
        raise DomainValidationError(_("A break is between 0 and 1440 minutes."), field="break_minutes")
    if break_minutes and end is not None and timedelta(minutes=break_minutes) >= end - start:
        raise DomainValidationError(
            _("The break must be shorter than the time from start to end."), field="break_minutes"
        )


def _ensure_valid_duration(*, user: User, day: date | None, duration: timedelta | None) -> None:
    if day is None:
        raise DomainValidationError(_("Give the day the hours belong to."), field="day")
    if day > user.local_today():
        raise DomainValidationError(_("The day cannot be after today."), field="day")
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        raise DomainValidationError(_("Give the hours worked, more than zero."), field="duration")
    if duration > MAX_ENTRY_LENGTH:
        raise DomainValidationError(_("A day has 24 hours; an entry cannot hold more."), field="duration")


def _ensure_day_not_over_24_hours(entry: TimeEntry) -> None:
    """No local day may hold more than 24 hours of work, whatever the kinds of its entries
    (the entry as it now stands, plus everything else the user logged those days)."""
    tz = entry.user.tzinfo
    mine = dict(worked_by_day(entry, tz))
    logged = day_worked(entry.user, sorted(mine), exclude_pk=entry.pk)
    for day, worked in sorted(mine.items()):
        total = logged[day] + worked
        if total > MAX_ENTRY_LENGTH:
            raise day_over_24_hours_error(entry, day, total=total, logged=logged[day])


def entry_span(entry: TimeEntry) -> tuple[datetime, datetime | None]:
    """The range an entry stands for when locks and compliance ask which days it touches: a
    clocked entry's start and end, a duration entry's whole local day."""
    if entry.is_clocked:
        return entry.start, entry.end
    return periods.day_bounds(entry.day, entry.user.tzinfo)


def _ensure_writable(*, user: User, start: datetime, end: datetime | None) -> set[date]:
    """Weeks that are submitted or approved, days before the payroll lock and months closed
    for payroll (`users.closings`) are read-only. Answers the weeks that have a timesheet
    already (`ensure_weeks_open`).
    """
    tz = user.tzinfo
    days = periods.local_days_touched(start, end, tz)
    ensure_days_open(user=user, first=days[0], last=days[-1])
    return ensure_weeks_open(user=user, weeks=periods.weeks_touched(start, end, tz))


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


def _ensure_no_overlap(*, user: User, start: datetime, end: datetime | None, exclude_pk=None) -> None:
    if connection.vendor == "postgresql":
        return  # the exclusion constraint refuses the write itself; `_save` answers the same 409
    clash = (
        TimeEntry.objects.overlapping(user_id=user.pk, start=start, end=end, exclude_pk=exclude_pk)
        .select_related("project", "task", "user")
        .first()
    )
    if clash:
        raise overlap_conflict(clash)


def _ensure_has_end(*, end: datetime | None, running: bool) -> None:
    """Only the timer's running entry may lack an end: the API, the admin and the pages
    log finished work."""
    if end is None and not running:
        raise DomainValidationError(str(ENTRY_NEEDS_END), field="end")


def day_is_payroll_locked(day: date, lock_date: date | None) -> bool:
    """Days before the payroll lock date are closed."""
    return lock_date is not None and day < lock_date


def _ensure_can_edit(*, actor: User, entry: TimeEntry) -> None:
    if actor.pk != entry.user_id and not user_manages(actor, entry.user):
        raise Forbidden(_("You can only change your own time entries or your team's."))


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
                .select_related("project", "task", "user")
                .first()
            )
            raise (
                overlap_conflict(clash) if clash else Conflict(_("Overlaps another time entry."), code="overlap")
            ) from error
        if RUNNING_CONSTRAINT in message:
            raise Conflict(_("A timer is already running."), code="timer_running") from error
        raise
    _timesheets_ensure(user=entry.user, span=entry_span(entry), existing=weeks_with_timesheet)
    return entry


def _ensure_employed_then(entry: TimeEntry, start: datetime, end: datetime | None) -> None:
    """Time is logged only on days of the person's employment (400 on `start`, or `day`)."""
    if entry.is_clocked:
        days = periods.local_days_touched(start, end, entry.user.tzinfo)
        ensure_employed(entry.user, days[0], days[-1], "start")
    else:
        ensure_employed(entry.user, entry.day, entry.day, "day")


def _write(entry: TimeEntry, *, spans) -> TimeEntry:
    """Write `entry` as it now stands: its span must be open (week and payroll locks) and
    free (no overlap, no day over 24 hours); it is saved and its weeks get their timesheets.
    Then the working time the write leaves on `spans` is judged by the receivers of
    `time_entry_written` (compliance records the violations and never refuses the write)
    and what they report stays on the entry for `compliance_warnings`. A
    duration entry's span is its whole local day (`entry_span`)."""
    start, end = entry_span(entry)
    _ensure_employed_then(entry, start, end)
    weeks = _ensure_writable(user=entry.user, start=start, end=end)
    if entry.is_clocked:
        _ensure_no_overlap(user=entry.user, start=start, end=end, exclude_pk=entry.pk)
    _ensure_day_not_over_24_hours(entry)
    verb = "created" if entry._state.adding else "updated"
    _save(entry, weeks_with_timesheet=weeks)
    domain_event.send(sender=TimeEntry, event=f"time_entry.{verb}", instance=entry)
    entry.compliance_warnings = send_collecting(
        time_entry_written, sender=TimeEntry, user=entry.user, spans=spans, may_veto=True
    )
    return entry


def _new_entry(actor, project, task, start, end, description, billable, **shape) -> TimeEntry:
    """An unsaved entry of the actor's; `billable` defaults to the project's. `shape` gives
    a duration entry's kind, day and duration, or a clocked one's break."""
    return TimeEntry(
        user=actor,
        project=project,
        task=task,
        start=start,
        end=end,
        description=description,
        billable=project.billable if billable is None else billable,
        **shape,
    )


def _timesheets_ensure(*, user: User, span, existing: set[date]) -> None:
    """A week has its (open) timesheet as soon as it has an entry, so clients can submit it."""
    for week_start in periods.weeks_touched(*span, user.tzinfo):
        if week_start not in existing:
            Timesheet.objects.get_or_create(user=user, week_start=week_start)


# --- time entries --------------------------------------------------------------------------


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    project: Project,
    task: Task | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    day: date | None = None,
    duration: timedelta | None = None,
    break_minutes: int = 0,
    description: str = "",
    billable: bool | None = None,
) -> TimeEntry:
    """Log finished work for the actor, of one of two kinds: with `start` and `end` (and
    `break_minutes`) a clocked entry; with `day` and `duration` and no times a duration
    entry. Giving times and a duration, or a break without times, is refused (400 naming
    the field); so is a local day that would hold more than 24 hours of work."""
    entry = entry_new_checked(
        user=actor,
        project=project,
        task=task,
        start=start,
        end=end,
        day=day,
        duration=duration,
        break_minutes=break_minutes,
        description=description,
        billable=billable,
    )
    return _write(entry, spans=[entry_span(entry)])


def entry_new_checked(
    *,
    user: User,
    project,
    task,
    start,
    end,
    day,
    duration,
    break_minutes,
    description,
    billable,
    may_log=_ensure_can_log_to,
) -> TimeEntry:
    """An unsaved new entry of `user`'s that passes every rule about the entry alone (kind,
    times, break, hours, project and task, employment dates): what `time_entry_create`
    checks before it looks at the person's other entries and locks. Many entries at once
    (`timeentries.services.bulk`) are checked by this same function, `may_log` being
    `_ensure_can_log_to` remembered per person's team, project and task."""
    may_log(user=user, project=project, task=task)
    start, end = in_utc(start), in_utc(end)
    if start is not None or end is not None:
        if duration is not None:
            raise DomainValidationError(_("Give either start and end, or a day and hours, not both."), field="duration")
        if start is None:
            raise DomainValidationError(_("Give the start too."), field="start")
        _ensure_has_end(end=end, running=False)
        _ensure_valid_interval(user=user, start=start, end=end)
        if day is not None and day != periods.local_date(start, user.tzinfo):
            raise DomainValidationError(_("The day is the start's local day; leave it out or match it."), field="day")
        _ensure_valid_break(start=start, end=end, break_minutes=break_minutes)
        entry = _new_entry(user, project, task, start, end, description, billable, break_minutes=break_minutes)
    else:
        if break_minutes:
            raise DomainValidationError(_("A break needs the start and end it falls between."), field="break_minutes")
        if day is None and duration is None:
            raise DomainValidationError(str(ENTRY_NEEDS_END), field="end")
        _ensure_valid_duration(user=user, day=day, duration=duration)
        shape = {"kind": TimeEntry.Kind.DURATION, "day": day, "duration": duration}
        entry = _new_entry(user, project, task, None, None, description, billable, **shape)
    _ensure_employed_then(entry, *entry_span(entry))
    return entry


def _shape_after(entry: TimeEntry, fields: dict) -> dict:
    """The kind and times the entry has after an update with `fields`.

    Giving `start` or `end` makes (or keeps) it clocked: a duration entry given times
    becomes a clocked one (its day then follows from the start). A clocked entry keeps its
    day and duration derived from its times: giving it `day` or `duration` is refused."""
    times_given = fields.get("start") is not None or fields.get("end") is not None
    if entry.is_clocked or times_given:
        if entry.is_clocked and (fields.get("day") is not None or fields.get("duration") is not None):
            name = "duration" if fields.get("duration") is not None else "day"
            raise DomainValidationError(
                _("A clocked entry's day and duration follow from its start, end and break; change those."), field=name
            )
        if not entry.is_clocked and fields.get("duration") is not None:
            raise DomainValidationError(_("Give either start and end, or a day and hours, not both."), field="duration")
        start, end = fields.get("start") or entry.start, fields.get("end") or entry.end
        if start is None:
            raise DomainValidationError(_("Give the start too."), field="start")
        break_minutes = fields.get("break_minutes")
        return {
            "kind": TimeEntry.Kind.CLOCKED,
            "start": start,
            "end": end,
            "break_minutes": entry.break_minutes if break_minutes is None else break_minutes,
        }
    if fields.get("break_minutes"):
        raise DomainValidationError(_("A break needs the start and end it falls between."), field="break_minutes")
    return {
        "kind": TimeEntry.Kind.DURATION,
        "start": None,
        "end": None,
        "break_minutes": 0,
        "day": fields.get("day") or entry.day,
        "duration": fields.get("duration") or entry.duration,
    }


@transaction.atomic
def time_entry_update(*, entry: TimeEntry, actor: User, **fields) -> TimeEntry:
    """Change an entry (the fields of `time_entry_create`); both the days it leaves and the
    days it moves to must be open. A duration entry given `start`/`end` becomes clocked. A
    manager (or admin) changing someone else's entry leaves a business event naming both."""
    entry = TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
    _ensure_can_edit(actor=actor, entry=entry)
    fields.update({name: in_utc(fields[name]) for name in ("start", "end") if fields.get(name) is not None})
    old_span = entry_span(entry)
    _ensure_writable(user=entry.user, start=old_span[0], end=old_span[1])
    before = _audited_state(entry)
    project = fields.get("project") or entry.project
    task = fields.get("task", entry.task if project.pk == entry.project_id else None)
    if "project" in fields or "task" in fields:
        _ensure_can_log_to(user=entry.user, project=project, task=task)
    shape = _shape_after(entry, fields)
    if shape["kind"] == TimeEntry.Kind.CLOCKED:
        _ensure_has_end(end=shape["end"], running=entry.is_running)
        _ensure_valid_interval(user=entry.user, start=shape["start"], end=shape["end"])
        _ensure_valid_break(start=shape["start"], end=shape["end"], break_minutes=shape["break_minutes"])
    else:
        _ensure_valid_duration(user=entry.user, day=shape["day"], duration=shape["duration"])
    if fields.get("billable") is not None:
        entry.billable = fields["billable"]
    elif project.pk != entry.project_id:
        entry.billable = project.billable  # a new project brings its own default
    entry.project, entry.task = project, task
    for name, value in shape.items():
        setattr(entry, name, value)
    if "description" in fields and fields["description"] is not None:
        entry.description = fields["description"]
    _write(entry, spans=[old_span, entry_span(entry)])
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
        "kind": entry.kind,
        "day": entry.day.isoformat() if entry.day else None,
        "start": entry.start.astimezone(UTC).isoformat() if entry.start else None,
        "end": entry.end.astimezone(UTC).isoformat() if entry.end else None,
        "break_minutes": entry.break_minutes,
        "duration": entry.duration.total_seconds() if entry.duration else None,
        "description": entry.description,
        "billable": entry.billable,
    }


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    """Delete an entry in an open week. A manager (or admin) deleting someone else's entry
    leaves a business event naming both, with what the entry was."""
    entry = TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
    _ensure_can_edit(actor=actor, entry=entry)
    span = entry_span(entry)
    _ensure_writable(user=entry.user, start=span[0], end=span[1])
    if actor.pk != entry.user_id:
        audit_event_record(
            action="time_entry_deleted", actor=actor, target=entry, data={"entry": _audited_state(entry)}
        )
    domain_event.send(sender=TimeEntry, event="time_entry.deleted", instance=entry)
    entry.delete()
    time_entry_written.send(sender=TimeEntry, user=entry.user, spans=[span], may_veto=False)
