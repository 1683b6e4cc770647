"""Compliance follows the time services through `core.signals.time_entry_written` (the
list of every signal and receiver is in core/signals.py)."""

from compliance.services import compliance_after_write
from core.signals import time_entry_written


def time_entry_judge(sender, *, user, spans, may_veto: bool, **kwargs) -> list[dict]:
    """Inside the writing transaction: judge the days the write touched. Under a `block`
    policy a violation raises `Conflict`, vetoing the write; otherwise the findings come back
    for the entry's `compliance_warnings`."""
    return [finding.as_dict() for finding in compliance_after_write(user=user, spans=spans, refuse_violations=may_veto)]


def connect() -> None:
    time_entry_written.connect(time_entry_judge, dispatch_uid="compliance-time-entry-judge")
