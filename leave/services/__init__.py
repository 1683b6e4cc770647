"""Every write on leave: requests and their decisions, the ledger, accrual and carry-over,
holiday calendars, calendar feeds. API, pages, admin and tasks call these.

The rules live in the modules below, one seam each; this package re-exports their public
names, so callers write `from leave import services` and `services.leave_request_create(...)`:

- `requests`: asking for leave, deciding, shortening and cancelling it (`leave_request_*`),
  and the sick credits of leave sickness interrupts
- `ledger`: ledger rows, the balance check, adjustments and payouts, accrual, the
  entitlement's re-count, and carry-over expiry
- `entitlement`: the yearly entitlement's arithmetic (work days, statutory minimum, joiners
  and leavers) that the accrual books
- `holidays`: holiday calendars and holidays, and the re-count of leave they cause
  (`leave_requests_recount`, also called when a person's contract or calendar changes)
- `feeds`: the secret ICS feed URLs
- `account`: working-time account adjustments and the check that time off in lieu fits it
- `closings`: closing a month for payroll (with its snapshot) and reopening it
- `notices`: forfeiture notices, without which no leave lapses (and their daily job)
"""

from leave.services.account import (
    account_min_balance,
    ensure_toil_fits,
    working_time_adjustment_create,
    working_time_forfeit_above_cap,
)
from leave.services.closings import (
    month_closing_close_if_open,
    month_closing_create,
    month_closing_reopen,
    previous_month,
)
from leave.services.feeds import calendar_feed_allowed, calendar_feed_regenerate, calendar_feeds_for
from leave.services.holidays import (
    holiday_calendar_delete,
    holiday_create,
    holiday_delete,
    holidays_import,
    leave_requests_recount,
)
from leave.services.ledger import (
    ensure_balance,
    leave_accrue_year,
    leave_carry_over_expire,
    leave_entitlement_book_for_new_person,
    leave_entitlement_recount,
    ledger_adjust,
    ledger_payout,
    ledger_write,
    prorated_allowance,
)
from leave.services.notices import leave_forfeiture_notice_record, leave_forfeiture_notices_send_due, notice_types
from leave.services.requests import (
    leave_request_approve,
    leave_request_cancel,
    leave_request_cancellable,
    leave_request_create,
    leave_request_length,
    leave_request_record,
    leave_request_reject,
    leave_request_shorten,
    leave_request_shortenable,
    leave_sick_credits_sync,
)

__all__ = [
    "account_min_balance",
    "calendar_feed_allowed",
    "calendar_feed_regenerate",
    "calendar_feeds_for",
    "ensure_balance",
    "ensure_toil_fits",
    "holiday_calendar_delete",
    "holiday_create",
    "holiday_delete",
    "holidays_import",
    "leave_accrue_year",
    "leave_carry_over_expire",
    "leave_entitlement_book_for_new_person",
    "leave_entitlement_recount",
    "leave_forfeiture_notice_record",
    "leave_forfeiture_notices_send_due",
    "leave_request_approve",
    "leave_request_cancel",
    "leave_request_cancellable",
    "leave_request_create",
    "leave_request_length",
    "leave_request_record",
    "leave_request_reject",
    "leave_request_shorten",
    "leave_request_shortenable",
    "leave_requests_recount",
    "leave_sick_credits_sync",
    "ledger_adjust",
    "ledger_payout",
    "ledger_write",
    "month_closing_close_if_open",
    "month_closing_create",
    "month_closing_reopen",
    "notice_types",
    "previous_month",
    "prorated_allowance",
    "working_time_adjustment_create",
    "working_time_forfeit_above_cap",
]
