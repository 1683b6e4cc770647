"""The refusals of a time entry write, worded once for the one-entry services (`entries`)
and their set-based twin (`bulk`): a day over 24 hours, the payroll lock, a locked week, an
overlap named as its owner knows it."""

from datetime import date, timedelta

from core import periods
from core.errors import Conflict, DomainValidationError
from core.pages import format_hours
from timeentries.models import TimeEntry, Timesheet


def day_over_24_hours_error(entry: TimeEntry, day: date, *, total: timedelta, logged: timedelta):
    return DomainValidationError(
        f"{day_label(day)} would hold {format_hours(periods.hours(total))} hours of work "
        f"({format_hours(periods.hours(logged))} h logged already); a day has 24 hours.",
        field="end" if entry.is_clocked else "duration",
    )


def day_label(day: date) -> str:
    """A day as people read it: "Tue 3 Nov"."""
    return f"{day:%a} {day.day} {day:%b}"


def payroll_locked_conflict(first: date, lock_date: date) -> Conflict:
    return Conflict(
        f"Time before {lock_date:%Y-%m-%d} is closed for payroll "
        f"(week {periods.iso_week_label(periods.week_start_of(first))}).",
        code="period_locked",
    )


def week_locked_conflict(timesheet: Timesheet) -> Conflict:
    return Conflict(f"Week {timesheet.week} is {timesheet.status}; ask your manager to reopen it.", code="week_locked")


def overlap_conflict(clash: TimeEntry) -> Conflict:
    """409 naming the other entry as its owner knows it: local times, day, project / task
    ("Overlaps your entry 09:00-11:00 on Tue 3 Nov, ACME / Design", with an en dash), never an id or UTC."""
    tz = clash.user.tzinfo
    start = clash.start.astimezone(tz)
    what = clash.project.code + (f" / {clash.task.name}" if clash.task_id else "")
    if clash.end is None:
        return Conflict(
            f"Overlaps your running timer, started {start:%H:%M} on {day_label(start.date())}, {what}.",
            code="overlap",
        )
    end = clash.end.astimezone(tz)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%H:%M} on {day_label(end.date())}"
    when = f"{start:%H:%M}\N{EN DASH}{until} on {day_label(start.date())}"
    return Conflict(f"Overlaps your entry {when}, {what}.", code="overlap")
