"""The guards every leave write asks first: leave follows the rule time entries follow, and a
leave day does not contradict work recorded that day.

- Days before the payroll lock date (409 `period_locked`), in a month closed for payroll
  (409 `month_closed`, naming the month) or in a submitted or approved week (409
  `week_locked`) are read-only for leave as for entries: creating, approving, cancelling or
  shortening leave there would change hours that payroll or a manager already took.
- A whole day of leave on a day with recorded work is refused (400 on `start_date` naming
  the dates: "8 h worked on Thu 12 Nov; correct the time entries first"): the person says
  which is true. Sick leave is the exception (someone who falls ill at work goes home
  sick): it is accepted, and it covers only the contract hours not worked that day
  (`leave.selectors.expected_hours_of`), so the worked hours never become overtime.
"""

from datetime import date, timedelta

from django.utils import dateformat
from django.utils.translation import gettext as _

from core import periods
from core.errors import DomainValidationError
from core.pages import format_hours
from leave import selectors
from leave.models import LeaveType
from timeentries.selectors import day_worked
from timeentries.services import ensure_days_open, ensure_weeks_open
from users.models import User
from users.schedules import schedules_of


def ensure_leave_days_open(*, user: User, start: date, end: date) -> None:
    """409 when a day from `start` to `end` is closed for `user`'s time: before the payroll
    lock date, in a closed month, or in a submitted or approved week (its timesheet is
    locked for the rest of the transaction, as entries do)."""
    ensure_days_open(user=user, first=start, last=end)
    first_week, last_week = periods.week_start_of(start), periods.week_start_of(end)
    weeks = [first_week + timedelta(weeks=n) for n in range((last_week - first_week).days // 7 + 1)]
    ensure_weeks_open(user=user, weeks=weeks)


def ensure_no_work_on_leave_days(
    *, user: User, leave_type: LeaveType, start_date: date, end_date: date, start_half: str = "", end_half: str = ""
) -> None:
    """400 on `start_date` when the request takes whole working days on which `user`
    recorded work, naming each ("8 h worked on Thu 12 Nov, 3.5 h on Fri 13 Nov; correct the
    time entries first"). Sick leave (`interrupts_leave`) and half days are not refused:
    the expected hours count them against the work (see the module docstring)."""
    if leave_type.interrupts_leave or start_date > user.local_today():
        return
    days = selectors.contract_days(user, schedules_of([user])[user.pk], start_date, min(end_date, user.local_today()))
    holidays = selectors.holidays_by_calendar({item.calendar_id for item in days}, start_date, end_date)
    whole = []
    for item in days:
        working = selectors.working_halves(item.terms, item.day, holidays[item.calendar_id])
        asked = selectors.requested_halves(item.day, start_date, end_date, start_half, end_half)
        if working and working <= asked:
            whole.append(item.day)
    worked = {day: amount for day, amount in day_worked(user, whole).items() if amount}
    if not worked:
        return
    named = [
        (_("%(hours)s h worked on %(day)s") if first else _("%(hours)s h on %(day)s"))
        % {"hours": format_hours(amount), "day": dateformat.format(day, "D j M")}
        for first, (day, amount) in zip([True, *[False] * len(worked)], sorted(worked.items()), strict=False)
    ]
    raise DomainValidationError(
        _("%(days)s; correct the time entries first.") % {"days": ", ".join(named)}, field="start_date"
    )
