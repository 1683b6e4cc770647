"""Compliance follows the time services through `core.signals.time_entry_written` and
`core.signals.timesheet_approving`, and leave through `leave_days_changed` (the list of
every signal and receiver is in core/signals.py)."""

from datetime import date

from compliance.selectors import policy_for
from compliance.services import compliance_judge_written, timesheet_approval_check
from core import outbox
from core.signals import leave_days_changed, month_closing, time_entry_written, timesheet_approving
from leave.services.account import working_time_forfeit_above_cap

# The months whose close ends each cap period.
CAP_PERIOD_MONTHS = {"month": range(1, 13), "quarter": (3, 6, 9, 12), "year": (12,)}


def time_entry_judge(sender, *, user, spans, may_veto: bool, **kwargs) -> list[dict]:
    """Right after the write committed: judge the days it touched, record the violations and
    return the findings for the entry's `compliance_warnings`. Recording is never refused,
    whatever the policy (issue 16.12)."""
    return [finding.as_dict() for finding in compliance_judge_written(user=user, spans=spans)]


def timesheet_approval_judge(sender, *, timesheet, actor, reason: str = "", **kwargs) -> list:
    """Inside the approving transaction: under a `block` policy, open violations of the week
    veto the approval (`Conflict`) unless a reason is given, which acknowledges each."""
    timesheet_approval_check(user=timesheet.user, week_start=timesheet.week_start, actor=actor, reason=reason)
    return []


def account_cap_forfeit(sender, *, closing, people, last_day, **kwargs) -> None:
    """Inside the closing's transaction: for each person whose policy caps the working-time
    account and whose cap period ends with this month, the hours above the cap at the
    month's last day are forfeited (one adjustment per person and closing)."""
    for person in people:
        policy = policy_for(person, on=last_day)
        if policy.account_cap_hours is None or last_day.month not in CAP_PERIOD_MONTHS[policy.account_cap_period]:
            continue
        working_time_forfeit_above_cap(
            user=person,
            cap=policy.account_cap_hours,
            on=last_day,
            key=f"forfeit:{person.pk}:{last_day:%Y-%m}:closing:{closing.pk}",
            reason=f"Above the {policy.name} cap of {policy.account_cap_hours} h at the close of {last_day:%B %Y}",
        )


def leave_days_judge(sender, *, user, start: date, end: date, **kwargs) -> None:
    """On commit: re-judge the weekly averages whose reference period the leave's days are
    in (neutral leave came or went). It only follows, never vetoes."""
    outbox.enqueue("compliance.tasks.compliance_rejudge_averages_task", user.pk, start.isoformat(), end.isoformat())


def connect() -> None:
    time_entry_written.connect(time_entry_judge, dispatch_uid="compliance-time-entry-judge")
    month_closing.connect(account_cap_forfeit, dispatch_uid="compliance-account-cap-forfeit")
    timesheet_approving.connect(timesheet_approval_judge, dispatch_uid="compliance-timesheet-approval-judge")
    leave_days_changed.connect(leave_days_judge, dispatch_uid="compliance-leave-days-judge")
