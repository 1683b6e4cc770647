"""Compliance follows the time services through `core.signals.time_entry_written` and
`core.signals.timesheet_approving` (the list of every signal and receiver is in
core/signals.py)."""

from compliance.services import compliance_after_write, timesheet_approval_check
from core.signals import time_entry_written, timesheet_approving


def time_entry_judge(sender, *, user, spans, may_veto: bool, **kwargs) -> list[dict]:
    """Inside the writing transaction: judge the days the write touched, record the
    violations and return the findings for the entry's `compliance_warnings`. Recording is
    never refused, whatever the policy (issue 16.12), so `may_veto` is not used."""
    return [finding.as_dict() for finding in compliance_after_write(user=user, spans=spans)]


def timesheet_approval_judge(sender, *, timesheet, actor, reason: str = "", **kwargs) -> list:
    """Inside the approving transaction: under a `block` policy, open violations of the week
    veto the approval (`Conflict`) unless a reason is given, which acknowledges each."""
    timesheet_approval_check(user=timesheet.user, week_start=timesheet.week_start, actor=actor, reason=reason)
    return []


def connect() -> None:
    time_entry_written.connect(time_entry_judge, dispatch_uid="compliance-time-entry-judge")
    timesheet_approving.connect(timesheet_approval_judge, dispatch_uid="compliance-timesheet-approval-judge")
