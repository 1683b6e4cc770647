"""Compliance follows the time services through `core.signals.time_entry_written` and leave
through `leave_days_changed` (the list of every signal and receiver is in core/signals.py)."""

from datetime import date

from compliance.services import compliance_after_write
from core import outbox
from core.signals import leave_days_changed, time_entry_written


def time_entry_judge(sender, *, user, spans, may_veto: bool, **kwargs) -> list[dict]:
    """Inside the writing transaction: judge the days the write touched. Under a `block`
    policy a violation raises `Conflict`, vetoing the write; otherwise the findings come back
    for the entry's `compliance_warnings`."""
    return [finding.as_dict() for finding in compliance_after_write(user=user, spans=spans, refuse_violations=may_veto)]


def leave_days_judge(sender, *, user, start: date, end: date, **kwargs) -> None:
    """On commit: re-judge the weekly averages whose reference period the leave's days are
    in (neutral leave came or went). It only follows, never vetoes."""
    outbox.enqueue("compliance.tasks.compliance_rejudge_averages_task", user.pk, start.isoformat(), end.isoformat())


def connect() -> None:
    time_entry_written.connect(time_entry_judge, dispatch_uid="compliance-time-entry-judge")
    leave_days_changed.connect(leave_days_judge, dispatch_uid="compliance-leave-days-judge")
