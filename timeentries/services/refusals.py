"""The refusals of a time entry write, worded once for the one-entry services (`entries`)
and their set-based twin (`bulk`): a day over 24 hours, the payroll lock, a locked week, an
overlap named as its owner knows it."""

from datetime import date, timedelta

from django.utils import dateformat
from django.utils.translation import gettext as _

from core import periods
from core.errors import Conflict, DomainValidationError
from core.pages import format_hours
from timeentries.models import TimeEntry, Timesheet


def day_over_24_hours_error(entry: TimeEntry, day: date, *, total: timedelta, logged: timedelta):
    return DomainValidationError(
        _("%(day)s would hold %(total)s hours of work (%(logged)s h logged already); a day has 24 hours.")
        % {
            "day": day_label(day),
            "total": format_hours(periods.hours(total)),
            "logged": format_hours(periods.hours(logged)),
        },
        field="end" if entry.is_clocked else "duration",
    )


def day_label(day: date) -> str:
    """A day as people read it: "Tue 3 Nov"."""
    return dateformat.format(day, "D j M")


def payroll_locked_conflict(first: date, lock_date: date) -> Conflict:
    return Conflict(
        _("Time before %(date)s is closed for payroll (week %(week)s).")
        % {"date": f"{lock_date:%Y-%m-%d}", "week": periods.iso_week_label(periods.week_start_of(first))},
        code="period_locked",
    )


def week_locked_conflict(timesheet: Timesheet) -> Conflict:
    return Conflict(
        _("Week %(week)s is %(status)s; ask your manager to reopen it.")
        % {"week": timesheet.week, "status": timesheet.get_status_display().lower()},
        code="week_locked",
    )


def overlap_conflict(clash: TimeEntry) -> Conflict:
    """409 naming the other entry as its owner knows it: local times, day, project / task
    ("Overlaps your entry 09:00-11:00 on Tue 3 Nov, ACME / Design", with an en dash), never an id or UTC."""
    tz = clash.user.tzinfo
    start = clash.start.astimezone(tz)
    what = clash.project.code + (f" / {clash.task.name}" if clash.task_id else "")
    if clash.end is None:
        return Conflict(
            _("Overlaps your running timer, started %(time)s on %(day)s, %(what)s.")
            % {"time": f"{start:%H:%M}", "day": day_label(start.date()), "what": what},
            code="overlap",
        )
    end = clash.end.astimezone(tz)
    times = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "day": day_label(start.date()), "what": what}
    if end.date() == start.date():
        message = _("Overlaps your entry %(start)s–%(end)s on %(day)s, %(what)s.") % times  # noqa: RUF001 - xgettext cannot read \N{EN DASH}
    else:
        message = _("Overlaps your entry %(start)s–%(end)s on %(end_day)s on %(day)s, %(what)s.") % {  # noqa: RUF001 - xgettext cannot read \N{EN DASH}
            **times,
            "end_day": day_label(end.date()),
        }
    return Conflict(message, code="overlap")
