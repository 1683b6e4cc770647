"""The rules about one time entry on its own: its kind and times, break, hours, project and
task, and the person's employment dates. They need no other rows (a project's teams aside),
so `entries` runs them before it reads the person's locks and other entries, and the
set-based twin (`bulk`) runs the very same functions per row."""

from datetime import UTC, date, datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import periods
from core.errors import DomainValidationError
from timeentries.models import MAX_ENTRY_LENGTH, Project, Task, TimeEntry
from users.models import User
from users.services import ensure_employed

ENTRY_NEEDS_END = gettext_lazy("An entry needs an end; use the timer for work that is still running.")


def in_utc(moment: datetime | None) -> datetime | None:
    """A moment as UTC. Python subtracts two datetimes of one zone on the wall clock (00:00 to
    23:59 on the 25-hour October day reads 23 h 59 in Europe/Berlin), so every time the
    services take is turned to UTC first and every length they measure is elapsed time."""
    return moment.astimezone(UTC) if moment is not None else None


def _ensure_can_log_to(*, user: User, project: Project, task: Task | None, team_may_log: bool | None = None) -> None:
    """The project is open, the person's team may log to it and the task is the project's
    and open. `team_may_log`, when the caller read it already (`write_context`), saves
    reading the project's teams."""
    if project.archived:
        raise DomainValidationError(_("Project %(code)s is archived.") % {"code": project.code}, field="project")
    if team_may_log is None:
        # Read through `.all()`: a caller checking many entries prefetches the teams once.
        teams = {team.pk for team in project.teams.all()}
        team_may_log = not teams or user.team_id in teams
    if not team_may_log:
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


def _ensure_has_end(*, end: datetime | None, running: bool) -> None:
    """Only the timer's running entry may lack an end: the API, the admin and the pages
    log finished work."""
    if end is None and not running:
        raise DomainValidationError(str(ENTRY_NEEDS_END), field="end")


def entry_span(entry: TimeEntry) -> tuple[datetime, datetime | None]:
    """The range an entry stands for when locks and compliance ask which days it touches: a
    clocked entry's start and end, a duration entry's whole local day."""
    if entry.is_clocked:
        return entry.start, entry.end
    return periods.day_bounds(entry.day, entry.user.tzinfo)


def day_is_payroll_locked(day: date, lock_date: date | None) -> bool:
    """Days before the payroll lock date are closed."""
    return lock_date is not None and day < lock_date


def _ensure_employed_then(entry: TimeEntry, start: datetime, end: datetime | None) -> None:
    """Time is logged only on days of the person's employment (400 on `start`, or `day`)."""
    if entry.is_clocked:
        days = periods.local_days_touched(start, end, entry.user.tzinfo)
        ensure_employed(entry.user, days[0], days[-1], "start")
    else:
        ensure_employed(entry.user, entry.day, entry.day, "day")


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


def span_of_input(user: User, *, start=None, end=None, day=None) -> tuple[datetime, datetime | None] | None:
    """The span an entry given these fields would stand for (`entry_span`), when they make
    one; None when they are incomplete or out of range (the checks then refuse them). Lets
    `entries` read the locks of the days written before the checks have run."""
    start, end = in_utc(start), in_utc(end)
    if start is not None and end is not None:
        return (start, end) if start < end and end - start <= MAX_ENTRY_LENGTH else None
    if start is None and end is None and isinstance(day, date):
        return periods.day_bounds(day, user.tzinfo)
    return None


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
