"""Weekly timesheets (submit, approve, reject, reopen) and the payroll lock."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from timeentries.models import LockPeriod, TimeEntry, Timesheet
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for

# --- timesheets ----------------------------------------------------------------------------


def _locked_timesheet(timesheet_id: int) -> Timesheet:
    return Timesheet.objects.select_for_update(of=("self",)).select_related("user").get(pk=timesheet_id)


@transaction.atomic
def timesheet_submit(*, timesheet_id: int, actor: User) -> Timesheet:
    """The owner hands in an open or rejected week for approval."""
    timesheet = _locked_timesheet(timesheet_id)
    refusal = _submit_refusal(timesheet=timesheet, actor=actor)
    if refusal is not None:
        raise refusal
    start, end = periods.week_bounds(timesheet.week_start, timesheet.user.tzinfo)
    if TimeEntry.objects.running().filter(user=timesheet.user, start__lt=end).exists():
        raise Conflict(f"Stop the running timer before submitting week {timesheet.week}.", code="timer_running")
    if not TimeEntry.objects.overlapping(user_id=timesheet.user_id, start=start, end=end).exists():
        raise _empty_week(timesheet.week)
    timesheet.status = Timesheet.Status.SUBMITTED
    timesheet.submitted_at = timezone.now()
    timesheet.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_event_record(action="timesheet_submitted", actor=actor, target=timesheet, data={"week": timesheet.week})
    return timesheet


@transaction.atomic
def timesheet_submit_week(*, actor: User, week_start: date) -> Timesheet:
    """The owner hands in the week starting `week_start`; a week without a timesheet has
    never held an entry, so it is refused as empty like any other empty week."""
    timesheet = Timesheet.objects.filter(user=actor, week_start=week_start).first()
    if timesheet is None:
        raise _empty_week(periods.iso_week_label(week_start))
    return timesheet_submit(timesheet_id=timesheet.pk, actor=actor)


def _empty_week(week: str) -> Conflict:
    return Conflict(f"Week {week} has no time entries to submit.", code="empty_week")


def _submit_refusal(*, timesheet: Timesheet, actor: User) -> DomainError | None:
    """Why the actor may not submit the week as it stands (who and which state), or None.
    What the week holds (entries, a running timer) is checked when it is submitted."""
    if actor.pk != timesheet.user_id:
        return Forbidden("Only the owner can submit a week.")
    if timesheet.status not in (Timesheet.Status.OPEN, Timesheet.Status.REJECTED):
        return Conflict(f"Week {timesheet.week} is {timesheet.status}, it cannot be submitted.", code="invalid_state")
    return None


def timesheet_can_submit(*, timesheet: Timesheet | None, actor: User) -> bool:
    """Whether the page offers "Submit week": the owner, an open or rejected week."""
    return timesheet is not None and _submit_refusal(timesheet=timesheet, actor=actor) is None


def timesheet_can_decide(timesheet: Timesheet | None) -> bool:
    """A week can be approved or rejected while it is submitted."""
    return timesheet is not None and timesheet.status == Timesheet.Status.SUBMITTED


def timesheet_can_reopen(timesheet: Timesheet | None) -> bool:
    """A submitted, approved or rejected week can be reopened; an open one is open already."""
    return timesheet is not None and timesheet.status != Timesheet.Status.OPEN


def _decide(*, timesheet_id: int, actor: User, status: str, comment: str, verb: str) -> Timesheet:
    timesheet = _locked_timesheet(timesheet_id)
    ensure_can_decide_for(actor, timesheet.user, what=f"{verb} this week")
    if not timesheet_can_decide(timesheet):
        raise Conflict(f"Week {timesheet.week} is {timesheet.status}, not submitted.", code="invalid_state")
    timesheet.status = status
    timesheet.decided_by, timesheet.decided_at, timesheet.decision_comment = actor, timezone.now(), comment
    timesheet.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(
        action=f"timesheet_{status}", actor=actor, target=timesheet, data={"week": timesheet.week, "comment": comment}
    )
    return timesheet


@transaction.atomic
def timesheet_approve(*, timesheet_id: int, actor: User, comment: str = "") -> Timesheet:
    """The owner's manager (or an admin, never the owner) approves a submitted week."""
    return _decide(
        timesheet_id=timesheet_id, actor=actor, status=Timesheet.Status.APPROVED, comment=comment, verb="approve"
    )


@transaction.atomic
def timesheet_reject(*, timesheet_id: int, actor: User, comment: str) -> Timesheet:
    """Send a submitted week back with a reason; the owner edits and submits again."""
    if not (comment or "").strip():
        raise DomainValidationError("Say why the week is rejected.", field="comment")
    return _decide(
        timesheet_id=timesheet_id, actor=actor, status=Timesheet.Status.REJECTED, comment=comment, verb="reject"
    )


@transaction.atomic
def timesheet_reopen(*, timesheet_id: int, actor: User, comment: str = "") -> Timesheet:
    """A manager or admin opens a submitted, approved or rejected week for editing again."""
    timesheet = _locked_timesheet(timesheet_id)
    ensure_can_decide_for(actor, timesheet.user, what="reopen this week")
    if not timesheet_can_reopen(timesheet):
        raise Conflict(f"Week {timesheet.week} is already open.", code="invalid_state")
    previous = timesheet.status
    timesheet.status = Timesheet.Status.OPEN
    timesheet.decided_by, timesheet.decided_at, timesheet.decision_comment = actor, timezone.now(), comment
    timesheet.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(
        action="timesheet_reopened",
        actor=actor,
        target=timesheet,
        data={"week": timesheet.week, "from": previous, "comment": comment},
    )
    return timesheet


@transaction.atomic
def lock_period_set(*, actor: User, locked_before: date, note: str = "") -> LockPeriod:
    """Close everything before `locked_before` for payroll (admins only; moving it back reopens)."""
    ensure_admin(actor, what="set the payroll lock date")
    previous = LockPeriod.current_lock_date()
    lock = LockPeriod.objects.create(locked_before=locked_before, set_by=actor, note=note)
    audit_event_record(
        action="lock_period_set",
        actor=actor,
        target=lock,
        data={"locked_before": locked_before.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return lock
