"""Weekly timesheets (submit, approve, reject, reopen) and the payroll lock."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from core.pages import format_hours
from core.signals import domain_event, expected_hours_requested, send_collecting, timesheet_approving
from timeentries.models import LockPeriod, TimeEntry, Timesheet
from timeentries.selectors import entries_of_week, week_expected_hours, week_totals
from users.closings import closed_months_of, month_closed_conflict, month_start
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for

# --- timesheets ----------------------------------------------------------------------------


def _locked_timesheet(timesheet_id: int) -> Timesheet:
    return Timesheet.objects.select_for_update(of=("self",)).select_related("user").get(pk=timesheet_id)


@transaction.atomic
def timesheet_submit(
    *, timesheet_id: int, actor: User, comment: str = "", expected_hours: Decimal | None = None
) -> Timesheet:
    """The owner hands in an open or rejected week for approval.

    A week whose hours are below the expected hours (by more than half an hour) or far above
    them (more than 25 % over, or over `WORKING_TIME_MAX_WEEKLY_HOURS`) needs a `comment`
    for the manager, else 400 `comment_required` on the field "comment". `expected_hours`
    defaults to `selectors.week_expected_hours` (the contract's hours pro rata over the work
    days); leave and public holidays live in `leave`, a higher layer, so a caller that knows
    them passes the hours that are left."""
    timesheet = _locked_timesheet(timesheet_id)
    refusal = _submit_refusal(timesheet=timesheet, actor=actor)
    if refusal is not None:
        raise refusal
    user = timesheet.user
    end = periods.week_bounds(timesheet.week_start, user.tzinfo)[1]
    if TimeEntry.objects.running().filter(user=user, start__lt=end).exists():
        raise Conflict(
            _("Stop the running timer before submitting week %(week)s.") % {"week": timesheet.week},
            code="timer_running",
        )
    entries = list(entries_of_week(user, timesheet.week_start))
    if not entries:
        raise _empty_week(timesheet.week)
    comment = (comment or "").strip()
    if not comment:
        logged = week_totals(user, timesheet.week_start, entries=entries)["total_hours"]
        if expected_hours is None:
            expected_hours = _expected_hours_of_week(user, timesheet.week_start)
        _ensure_plausible_week(logged=logged, expected=Decimal(expected_hours))
    timesheet.status = Timesheet.Status.SUBMITTED
    timesheet.submitted_at = timezone.now()
    timesheet.submit_comment = comment
    timesheet.save(update_fields=["status", "submitted_at", "submit_comment", "updated_at"])
    data = {"week": timesheet.week, **({"comment": comment} if comment else {})}
    audit_event_record(action="timesheet_submitted", actor=actor, target=timesheet, data=data)
    domain_event.send(sender=Timesheet, event="timesheet.submitted", instance=timesheet)
    return timesheet


# A week this far off the expected hours asks for a comment on submit.
SHORT_WEEK_TOLERANCE = Decimal("0.5")
LONG_WEEK_FACTOR = Decimal("1.25")


def _ensure_plausible_week(*, logged: Decimal, expected: Decimal) -> None:
    """Refuse a week far from what is expected unless a comment explains it."""
    maximum = Decimal(str(settings.WORKING_TIME_MAX_WEEKLY_HOURS))
    hours = {"logged": format_hours(logged), "expected": format_hours(expected)}
    if logged < expected - SHORT_WEEK_TOLERANCE:
        message = _(
            "%(logged)s h logged, %(expected)s h expected this week; "
            "add a comment for your manager (below the expected hours)."
        )
    elif logged > expected * LONG_WEEK_FACTOR or logged > maximum:
        message = _(
            "%(logged)s h logged, %(expected)s h expected this week; "
            "add a comment for your manager (far above the expected hours)."
        )
    else:
        return
    raise DomainValidationError(
        message % hours,
        field="comment",
        code="comment_required",
    )


def _expected_hours_of_week(user: User, week_start: date) -> Decimal:
    """What leave answers (holidays and approved leave taken out), else the contract spread
    over the work days."""
    answers = send_collecting(
        expected_hours_requested, sender=User, user=user, start=week_start, end=week_start + timedelta(days=6)
    )
    return answers[0] if answers else week_expected_hours(user, week_start)


@transaction.atomic
def timesheet_submit_week(
    *, actor: User, week_start: date, comment: str = "", expected_hours: Decimal | None = None
) -> Timesheet:
    """The owner hands in the week starting `week_start` (see `timesheet_submit`); a week
    without a timesheet has never held an entry, so it is refused as empty like any other
    empty week."""
    timesheet = Timesheet.objects.filter(user=actor, week_start=week_start).first()
    if timesheet is None:
        raise _empty_week(periods.iso_week_label(week_start))
    return timesheet_submit(timesheet_id=timesheet.pk, actor=actor, comment=comment, expected_hours=expected_hours)


def _empty_week(week: str) -> Conflict:
    return Conflict(_("Week %(week)s has no time entries to submit.") % {"week": week}, code="empty_week")


def _submit_refusal(*, timesheet: Timesheet, actor: User, **known) -> DomainError | None:
    """Why the actor may not submit the week as it stands (who, which state, a week closed
    for payroll), or None. What the week holds (entries, a running timer) is checked when
    it is submitted. `known`: see `_week_closed_refusal`."""
    if actor.pk != timesheet.user_id:
        return Forbidden(_("Only the owner can submit a week."))
    if timesheet.status not in (Timesheet.Status.OPEN, Timesheet.Status.REJECTED):
        return Conflict(
            _("Week %(week)s is %(status)s, it cannot be submitted.")
            % {"week": timesheet.week, "status": timesheet.get_status_display().lower()},
            code="invalid_state",
        )
    return _week_closed_refusal(timesheet, user=actor, **known)


_READ = object()


def _week_closed_refusal(
    timesheet: Timesheet, *, user: User | None = None, lock_date=_READ, closed_months=None
) -> Conflict | None:
    """A week whose every day lies before the payroll lock date (`period_locked`) or in
    months closed for payroll (`month_closed`, naming the first) keeps its status: it may
    not be submitted, approved, rejected or reopened. A week that runs into an open month
    may: its closed days stay read-only all the same (entries check them), and its open
    days must still be handed in. A page that read the lock date and the week's closed
    months already passes them (and the owner as `user`)."""
    user, first = user or timesheet.user, timesheet.week_start
    last = first + timedelta(days=6)
    if lock_date is _READ:
        lock_date = LockPeriod.current_lock_date()
    if lock_date is not None and last < lock_date:
        message = _("Week %(week)s lies before %(date)s, closed for payroll.") % {
            "week": timesheet.week,
            "date": f"{lock_date:%Y-%m-%d}",
        }
        return Conflict(message, code="period_locked")
    closed = closed_months_of(user, first, last) if closed_months is None else closed_months
    if closed and {month_start(first), month_start(last)} <= set(closed):
        return month_closed_conflict(min(closed))
    return None


def _ensure_week_not_closed(timesheet: Timesheet) -> None:
    refusal = _week_closed_refusal(timesheet)
    if refusal is not None:
        raise refusal


def timesheet_can_submit(*, timesheet: Timesheet | None, actor: User, **known) -> bool:
    """Whether the page offers "Submit week": the owner, an open or rejected week, not
    closed for payroll (`known`: the lock date and the week's closed months, when read)."""
    return timesheet is not None and _submit_refusal(timesheet=timesheet, actor=actor, **known) is None


def timesheet_can_decide(timesheet: Timesheet | None) -> bool:
    """A week can be approved or rejected while it is submitted."""
    return timesheet is not None and timesheet.status == Timesheet.Status.SUBMITTED


def timesheet_can_reopen(timesheet: Timesheet | None) -> bool:
    """A submitted, approved or rejected week can be reopened; an open one is open already."""
    return timesheet is not None and timesheet.status != Timesheet.Status.OPEN


# How `ensure_can_decide_for` refuses each decision: on one's own week, on someone else's.
DECIDING = {
    "approve": (
        gettext_lazy("You cannot approve your own week."),
        gettext_lazy("Only %(person)s's manager or an admin can approve this week."),
    ),
    "reject": (
        gettext_lazy("You cannot reject your own week."),
        gettext_lazy("Only %(person)s's manager or an admin can reject this week."),
    ),
}


def _decide(*, timesheet_id: int, actor: User, status: str, comment: str, verb: str, reason: str = "") -> Timesheet:
    timesheet = _locked_timesheet(timesheet_id)
    own, others = DECIDING[verb]
    ensure_can_decide_for(actor, timesheet.user, own=own, others=others)
    if not timesheet_can_decide(timesheet):
        raise Conflict(
            _("Week %(week)s is %(status)s, not submitted.")
            % {"week": timesheet.week, "status": timesheet.get_status_display().lower()},
            code="invalid_state",
        )
    _ensure_week_not_closed(timesheet)
    if status == Timesheet.Status.APPROVED:
        # Compliance may refuse: a `block` policy holds back a week with open violations.
        timesheet_approving.send(sender=Timesheet, timesheet=timesheet, actor=actor, reason=reason)
    timesheet.status = status
    timesheet.decided_by, timesheet.decided_at, timesheet.decision_comment = actor, timezone.now(), comment
    timesheet.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(
        action=f"timesheet_{status}", actor=actor, target=timesheet, data={"week": timesheet.week, "comment": comment}
    )
    domain_event.send(sender=Timesheet, event=f"timesheet.{status}", instance=timesheet)
    return timesheet


@transaction.atomic
def timesheet_approve(*, timesheet_id: int, actor: User, comment: str = "", reason: str = "") -> Timesheet:
    """The owner's manager (or an admin, never the owner) approves a submitted week. Under a
    `block` working-time policy a week with open violations needs them acknowledged first,
    or a `reason`, recorded on each (`core.signals.timesheet_approving`): else 409."""
    return _decide(
        timesheet_id=timesheet_id,
        actor=actor,
        status=Timesheet.Status.APPROVED,
        comment=comment,
        verb="approve",
        reason=reason,
    )


@transaction.atomic
def timesheet_reject(*, timesheet_id: int, actor: User, comment: str) -> Timesheet:
    """Send a submitted week back with a reason; the owner edits and submits again."""
    if not (comment or "").strip():
        raise DomainValidationError(_("Say why the week is rejected."), field="comment")
    return _decide(
        timesheet_id=timesheet_id, actor=actor, status=Timesheet.Status.REJECTED, comment=comment, verb="reject"
    )


@transaction.atomic
def timesheet_reopen(*, timesheet_id: int, actor: User, comment: str = "") -> Timesheet:
    """A manager or admin opens a submitted, approved or rejected week for editing again."""
    timesheet = _locked_timesheet(timesheet_id)
    ensure_can_decide_for(
        actor,
        timesheet.user,
        own=_("You cannot reopen your own week."),
        others=_("Only %(person)s's manager or an admin can reopen this week."),
    )
    if not timesheet_can_reopen(timesheet):
        raise Conflict(_("Week %(week)s is already open.") % {"week": timesheet.week}, code="invalid_state")
    _ensure_week_not_closed(timesheet)
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
    ensure_admin(actor, denied=_("Only admins can set the payroll lock date."))
    previous = LockPeriod.current_lock_date()
    lock = LockPeriod.objects.create(locked_before=locked_before, set_by=actor, note=note)
    audit_event_record(
        action="lock_period_set",
        actor=actor,
        target=lock,
        data={"locked_before": locked_before.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return lock
