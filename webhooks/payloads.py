"""The `data` of each event: the row as it stands when the event happens, in plain JSON
values. Free text a person wrote for their manager (a leave reason, comments) is left out:
receivers are other systems, and a reason for sick leave is health data."""

from compliance.models import Violation
from core.periods import hours
from leave.models import LeaveRequest
from timeentries.models import TimeEntry, Timesheet
from users.models import MonthClosing


def _moment(value):
    return value.isoformat() if value is not None else None


def time_entry_data(entry: TimeEntry) -> dict:
    return {
        "id": entry.pk,
        "user": entry.user_id,
        "project": entry.project_id,
        "task": entry.task_id,
        "kind": entry.kind,
        "day": _moment(entry.day),
        "start": _moment(entry.start),
        "end": _moment(entry.end),
        "break_minutes": entry.break_minutes,
        "hours": str(hours(entry.duration)) if entry.duration is not None else None,
        "description": entry.description,
        "billable": entry.billable,
    }


def timesheet_data(timesheet: Timesheet) -> dict:
    return {
        "id": timesheet.pk,
        "user": timesheet.user_id,
        "week": timesheet.week,
        "week_start": _moment(timesheet.week_start),
        "status": timesheet.status,
        "submitted_at": _moment(timesheet.submitted_at),
        "decided_by": timesheet.decided_by_id,
        "decided_at": _moment(timesheet.decided_at),
    }


def leave_request_data(request: LeaveRequest) -> dict:
    return {
        "id": request.pk,
        "user": request.user_id,
        "type": request.leave_type.code,
        "start_date": _moment(request.start_date),
        "end_date": _moment(request.end_date),
        "start_half": request.start_half,
        "end_half": request.end_half,
        "working_days": str(request.working_days),
        "hours": str(request.hours),
        "status": request.status,
        "decided_by": request.decided_by_id,
        "decided_at": _moment(request.decided_at),
    }


def violation_data(violation: Violation) -> dict:
    return {
        "id": violation.pk,
        "user": violation.user_id,
        "rule": violation.rule,
        "period_start": _moment(violation.period_start),
        "period_end": _moment(violation.period_end),
        "measured": str(violation.measured),
        "limit": str(violation.limit),
        "message": violation.message,
        "status": violation.status,
    }


def month_closing_data(closing: MonthClosing, people: int) -> dict:
    return {
        "id": closing.pk,
        "month": f"{closing.month:%Y-%m}",
        "team": closing.team_id,
        "closed_by": closing.closed_by_id,
        "closed_at": _moment(closing.closed_at),
        "people": people,
    }


DATA_OF = {
    TimeEntry: time_entry_data,
    Timesheet: timesheet_data,
    LeaveRequest: leave_request_data,
    Violation: violation_data,
}
