"""The rules about one time entry on its own: its kind and times, break, hours, project and
task, and the person's employment dates. They need no other rows (a project's teams aside),
so `entries` runs them before it reads the person's locks and other entries, and the
set-based twin (`bulk`) runs the very same functions per row: `entry_shape` decides an
entry's shape from plain values or names the rule they break, with no model instance."""

from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import periods
from core.errors import DomainValidationError
from timeentries.models import MAX_BREAK_MINUTES, MAX_ENTRY_LENGTH, Project, Task, TimeEntry
from users.models import User
from users.services import ensure_employed

ENTRY_NEEDS_END = gettext_lazy("An entry needs an end; use the timer for work that is still running.")
CLOCKED, DURATION = TimeEntry.Kind.CLOCKED.value, TimeEntry.Kind.DURATION.value


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


class Refusal(NamedTuple):
    """A rule a new entry's values break: the field it names and its message."""

    field: str
    message: Promise

    def error(self) -> DomainValidationError:
        return DomainValidationError(str(self.message), field=self.field)


NOT_BOTH = Refusal("duration", gettext_lazy("Give either start and end, or a day and hours, not both."))
START_TOO = Refusal("start", gettext_lazy("Give the start too."))
NEEDS_END = Refusal("end", ENTRY_NEEDS_END)
START_AFTER_TODAY = Refusal("start", gettext_lazy("The start cannot be after today."))
END_NOT_AFTER_START = Refusal("end", gettext_lazy("The end must be after the start."))
LONGER_THAN_A_DAY = Refusal("end", gettext_lazy("An entry cannot be longer than 24 hours."))
END_AFTER_TODAY = Refusal("end", gettext_lazy("The end cannot be after today."))
DAY_NOT_START_DAY = Refusal("day", gettext_lazy("The day is the start's local day; leave it out or match it."))
BREAK_OUT_OF_RANGE = Refusal("break_minutes", gettext_lazy("A break is between 0 and 1440 minutes."))
BREAK_TOO_LONG = Refusal("break_minutes", gettext_lazy("The break must be shorter than the time from start to end."))
BREAK_WITHOUT_TIMES = Refusal("break_minutes", gettext_lazy("A break needs the start and end it falls between."))
NO_DAY = Refusal("day", gettext_lazy("Give the day the hours belong to."))
DAY_AFTER_TODAY = Refusal("day", gettext_lazy("The day cannot be after today."))
NO_HOURS = Refusal("duration", gettext_lazy("Give the hours worked, more than zero."))
HOURS_OVER_A_DAY = Refusal("duration", gettext_lazy("A day has 24 hours; an entry cannot hold more."))


class EntryShape(NamedTuple):
    """What a new entry's values make of it when they break no rule: its kind, UTC times,
    first and last local day (`day` as `TimeEntry.save()` derives it), break, worked time
    (its `duration`) and the work it puts on each local day (`worked_by_day`)."""

    kind: str
    start: datetime | None
    end: datetime | None
    day: date
    last_day: date
    break_minutes: int
    worked: timedelta
    pieces: list[tuple[date, timedelta]]


def tomorrow_of(user: User, today: date | None = None) -> datetime:
    """The instant the day after `user`'s today (or `today`) begins: nothing logged may end later."""
    return periods.local_midnight((today or user.local_today()) + timedelta(days=1), user.tzinfo)


def interval_refusal(start: datetime, end: datetime | None, tomorrow: datetime) -> Refusal | None:
    """The rule clocked times break (`end` None: a running timer's start alone), if any."""
    if start >= tomorrow:
        return START_AFTER_TODAY
    if end is None:
        return None
    if end <= start:
        return END_NOT_AFTER_START
    if end - start > MAX_ENTRY_LENGTH:
        return LONGER_THAN_A_DAY
    if end > tomorrow:
        return END_AFTER_TODAY
    return None


def break_refusal(start: datetime, end: datetime | None, break_minutes) -> Refusal | None:
    """The rule a clocked entry's break breaks, if any."""
    if break_minutes is None or break_minutes < 0 or break_minutes > MAX_BREAK_MINUTES:
        return BREAK_OUT_OF_RANGE
    if break_minutes and end is not None and timedelta(minutes=break_minutes) >= end - start:
        return BREAK_TOO_LONG
    return None


def duration_refusal(day: date | None, duration, today: date) -> Refusal | None:
    """The rule a duration entry's day and hours break, if any."""
    if day is None:
        return NO_DAY
    if day > today:
        return DAY_AFTER_TODAY
    if not isinstance(duration, timedelta) or duration <= timedelta(0):
        return NO_HOURS
    if duration > MAX_ENTRY_LENGTH:
        return HOURS_OVER_A_DAY
    return None


def entry_shape(
    *, tz, today: date, tomorrow: datetime, start, end, day, duration, break_minutes
) -> EntryShape | Refusal:
    """The shape a new entry's values give it, or the first rule they break: the one home of
    the rules on an entry's kind, times, break and hours, for `entry_new_checked` (which
    raises the refusal) and for many rows at once (`bulk`, which builds no model instance).
    `today` and `tomorrow` are the person's (`tomorrow_of`)."""
    if start is not None or end is not None:
        if duration is not None:
            return NOT_BOTH
        if start is None:
            return START_TOO
        if end is None:
            return NEEDS_END
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        refusal = interval_refusal(start, end, tomorrow)
        if refusal is not None:
            return refusal
        first = start.astimezone(tz).date()
        if day is not None and day != first:
            return DAY_NOT_START_DAY
        refusal = break_refusal(start, end, break_minutes)
        if refusal is not None:
            return refusal
        pieces = periods.worked_by_local_day(start, end, break_minutes, tz)
        worked = end - start - timedelta(minutes=break_minutes)
        return EntryShape(CLOCKED, start, end, first, pieces[-1][0], break_minutes, worked, pieces)
    if break_minutes:
        return BREAK_WITHOUT_TIMES
    if day is None and duration is None:
        return NEEDS_END
    refusal = duration_refusal(day, duration, today)
    if refusal is not None:
        return refusal
    return EntryShape(DURATION, None, None, day, day, 0, duration, [(day, duration)])


def _refuse(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise refusal.error()


def _ensure_valid_interval(*, user: User, start: datetime, end: datetime | None) -> None:
    _refuse(interval_refusal(start, end, tomorrow_of(user)))


def _ensure_valid_break(*, start: datetime, end: datetime | None, break_minutes: int) -> None:
    _refuse(break_refusal(start, end, break_minutes))


def _ensure_valid_duration(*, user: User, day: date | None, duration: timedelta | None) -> None:
    _refuse(duration_refusal(day, duration, user.local_today()))


def _ensure_has_end(*, end: datetime | None, running: bool) -> None:
    """Only the timer's running entry may lack an end: the API, the admin and the pages
    log finished work."""
    if end is None and not running:
        raise NEEDS_END.error()


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


def ensure_employed_over(user: User, shape: EntryShape) -> None:
    """`_ensure_employed_then` for a new entry's shape."""
    ensure_employed(user, shape.day, shape.last_day, "start" if shape.kind == CLOCKED else "day")


def entry_billable(project: Project, billable: bool | None) -> bool:
    """An entry is billable as given, else as its project is by default."""
    return project.billable if billable is None else billable


def _new_entry(actor, project, task, start, end, description, billable, **shape) -> TimeEntry:
    """An unsaved entry of the actor's. `shape` gives a duration entry's kind, day and
    duration, or a clocked one's break."""
    return TimeEntry(
        user=actor,
        project=project,
        task=task,
        start=start,
        end=end,
        description=description,
        billable=entry_billable(project, billable),
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
    (`timeentries.services.bulk`) are checked by the same rules (`entry_shape`)."""
    may_log(user=user, project=project, task=task)
    today = user.local_today()
    shape = entry_shape(
        tz=user.tzinfo,
        today=today,
        tomorrow=tomorrow_of(user, today),
        start=start,
        end=end,
        day=day,
        duration=duration,
        break_minutes=break_minutes,
    )
    if isinstance(shape, Refusal):
        raise shape.error()
    ensure_employed_over(user, shape)
    if shape.kind == CLOCKED:
        return _new_entry(
            user, project, task, shape.start, shape.end, description, billable, break_minutes=shape.break_minutes
        )
    kind = {"kind": TimeEntry.Kind.DURATION, "day": shape.day, "duration": shape.worked}
    return _new_entry(user, project, task, None, None, description, billable, **kind)


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
