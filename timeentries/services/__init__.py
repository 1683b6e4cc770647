"""Every write on time: entries (`entries`), the week grid's cells (`cells`), the timer
(`timer`), weekly timesheets and the payroll lock (`timesheets`).

The API, the pages, the admin and tasks all call these functions; each validates, checks
permissions and locks, and turns a constraint violation from a race into the same 409 the
Python check gives.
"""

from timeentries.services.cells import (
    cell_problem,
    day_is_editable,
    time_entries_row_set,
    time_entry_day_hours_set,
)
from timeentries.services.entries import (
    ENTRY_NEEDS_END,
    OVERLAP_CONSTRAINT,
    RUNNING_CONSTRAINT,
    day_is_payroll_locked,
    ensure_days_open,
    ensure_weeks_open,
    entry_span,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from timeentries.services.refusals import payroll_locked_conflict
from timeentries.services.timer import (
    running_entry_of,
    timer_start,
    timer_stop,
)
from timeentries.services.timesheets import (
    lock_period_set,
    timesheet_approve,
    timesheet_can_decide,
    timesheet_can_reopen,
    timesheet_can_submit,
    timesheet_reject,
    timesheet_reopen,
    timesheet_submit,
    timesheet_submit_week,
)

__all__ = [
    "ENTRY_NEEDS_END",
    "OVERLAP_CONSTRAINT",
    "RUNNING_CONSTRAINT",
    "cell_problem",
    "day_is_editable",
    "day_is_payroll_locked",
    "ensure_days_open",
    "ensure_weeks_open",
    "entry_span",
    "lock_period_set",
    "payroll_locked_conflict",
    "running_entry_of",
    "time_entries_row_set",
    "time_entry_create",
    "time_entry_day_hours_set",
    "time_entry_delete",
    "time_entry_update",
    "timer_start",
    "timer_stop",
    "timesheet_approve",
    "timesheet_can_decide",
    "timesheet_can_reopen",
    "timesheet_can_submit",
    "timesheet_reject",
    "timesheet_reopen",
    "timesheet_submit",
    "timesheet_submit_week",
]
