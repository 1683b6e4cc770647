"""Leave requests: asking, approving, rejecting and cancelling, each with its ledger row,
audit event and notification."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from core import outbox
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from leave import selectors
from leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType
from leave.notifications import notify_leave_decided, notify_leave_requested
from leave.services.ledger import ensure_balance, ledger_write
from users.closings import ensure_months_open
from users.models import User
from users.permissions import ensure_can_decide_for, user_manages

Kind = LeaveLedgerEntry.Kind
Status = LeaveRequest.Status


def leave_request_length(
    *,
    user: User,
    leave_type: LeaveType | None,
    start_date: date,
    end_date: date,
    start_half: str = "",
    end_half: str = "",
) -> selectors.LeaveLength:
    """What a request of these days takes, or the `DomainValidationError` saying why it
    cannot be asked: an active type that allows the halves asked, dates in order and within
    a year, a single day whole or one half, some working day covered. `leave_request_create`
    asks this, and so does the page's live count (with `leave_type` None while no type is
    picked, only the days are checked)."""
    if leave_type is not None and not leave_type.active:
        raise DomainValidationError(f"{leave_type.name} is not available.", field="type")
    if end_date < start_date:
        raise DomainValidationError("The end date cannot be before the start date.", field="end_date")
    if (end_date - start_date).days > 366:
        raise DomainValidationError("A request cannot be longer than a year.", field="end_date")
    if leave_type is not None and (start_half or end_half) and not leave_type.half_days_allowed:
        raise DomainValidationError(
            f"{leave_type.name} cannot be taken in half days.", field="start_half" if start_half else "end_half"
        )
    if start_date == end_date and start_half and end_half and start_half != end_half:
        raise DomainValidationError("A single day is either the morning or the afternoon.", field="end_half")
    length = selectors.leave_length(user, start_date, end_date, start_half, end_half)
    if length.working_days <= 0:
        raise DomainValidationError("The request covers no working day.", field="start_date")
    return length


@transaction.atomic
def leave_request_create(
    *,
    actor: User,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    start_half: str = "",
    end_half: str = "",
    reason: str = "",
) -> LeaveRequest:
    """Ask for leave. Types without approval are approved (and debited) at once."""
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one request at a time per person
    days = {"start_date": start_date, "end_date": end_date, "start_half": start_half, "end_half": end_half}
    length = leave_request_length(user=actor, leave_type=leave_type, **days)
    ensure_months_open(user=actor, first=start_date, last=end_date)
    _ensure_no_overlap(user=actor, **days)
    amount = length.hours if leave_type.unit == LeaveType.Unit.HOUR else length.working_days
    ensure_balance(user=actor, leave_type=leave_type, amount=amount, on=start_date)
    request = LeaveRequest.objects.create(
        user=actor, leave_type=leave_type, **days, working_days=length.working_days, hours=length.hours, reason=reason
    )
    audit_event_record(action="leave_requested", actor=actor, target=request)
    if not leave_type.requires_approval:
        _approve(request, actor=None, comment="Approved automatically.")
    else:
        outbox.enqueue(notify_leave_requested, request.pk)
    return request


def _ensure_no_overlap(*, user, start_date, end_date, start_half, end_half, exclude_pk=None):
    for other in selectors.overlapping_requests(user, start_date, end_date, exclude_pk=exclude_pk):
        for day in selectors.daterange(max(start_date, other.start_date), min(end_date, other.end_date)):
            mine = selectors.requested_halves(day, start_date, end_date, start_half, end_half)
            theirs = selectors.requested_halves(day, other.start_date, other.end_date, other.start_half, other.end_half)
            if mine & theirs:
                raise Conflict(
                    f"Overlaps your {other.status} {other.leave_type.name} request {other.pk} "
                    f"({other.start_date} to {other.end_date}).",
                    code="overlap",
                )


def _locked_request(request_id: int) -> LeaveRequest:
    return LeaveRequest.objects.select_for_update(of=("self",)).select_related("user", "leave_type").get(pk=request_id)


def _approve(request: LeaveRequest, *, actor: User | None, comment: str) -> LeaveRequest:
    ensure_balance(
        user=request.user,
        leave_type=request.leave_type,
        amount=request.amount,
        on=request.start_date,
        exclude_pk=request.pk,
        conflict=True,
    )
    request.status = Status.APPROVED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if request.leave_type.tracks_balance:
        ledger_write(
            key=f"request:{request.pk}:debit",
            user=request.user,
            leave_type=request.leave_type,
            on=request.start_date,
            amount=-request.amount,
            kind=Kind.DEBIT,
            request=request,
            note=f"{request.leave_type.name} {request.start_date} to {request.end_date}",
            actor=actor,
        )
    audit_event_record(action="leave_approved", actor=actor, target=request, data={"comment": comment})
    _notify_decided(request)
    return request


def _notify_decided(request: LeaveRequest) -> None:
    """Mail the decision just taken. The message carries it, so a later change to the
    request (a cancel right after an approval) cannot change what this one announces."""
    outbox.enqueue(
        notify_leave_decided,
        request.pk,
        status=request.status,
        decided_by_id=request.decided_by_id,
        comment=request.decision_comment,
        decided_at=request.decided_at.isoformat(),
    )


@transaction.atomic
def leave_request_approve(*, request_id: int, actor: User, comment: str = "") -> LeaveRequest:
    """The requester's manager or an admin (never the requester) approves a pending request;
    the debit is written in the same transaction."""
    request = _locked_request(request_id)
    ensure_can_decide_for(actor, request.user, what="approve this leave request")
    if request.status != Status.PENDING:
        raise Conflict(f"The request is {request.status}, not pending.", code="invalid_state")
    ensure_months_open(user=request.user, first=request.start_date, last=request.end_date)
    return _approve(request, actor=actor, comment=comment)


@transaction.atomic
def leave_request_reject(*, request_id: int, actor: User, comment: str) -> LeaveRequest:
    if not (comment or "").strip():
        raise DomainValidationError("Say why the request is rejected.", field="comment")
    request = _locked_request(request_id)
    ensure_can_decide_for(actor, request.user, what="reject this leave request")
    if request.status != Status.PENDING:
        raise Conflict(f"The request is {request.status}, not pending.", code="invalid_state")
    request.status = Status.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(action="leave_rejected", actor=actor, target=request, data={"comment": comment})
    _notify_decided(request)
    return request


def _cancel_refusal(request: LeaveRequest, actor: User) -> DomainError | None:
    """Why `actor` may not cancel `request` (see `leave_request_cancel`), or None."""
    is_owner = actor.pk == request.user_id
    manages_only = not is_owner and user_manages(actor, request.user)
    if not (is_owner or manages_only):
        return Forbidden("Only the requester or their manager can cancel this request.")
    if request.status not in (Status.PENDING, Status.APPROVED):
        return Conflict(f"The request is already {request.status}.", code="invalid_state")
    started = request.start_date <= request.user.local_today()
    if request.status == Status.APPROVED and started and not manages_only:
        return Forbidden("Leave that has started can only be cancelled by a manager or an admin.")
    return None


def leave_request_cancellable(*, request: LeaveRequest, actor: User) -> bool:
    """Whether `leave_request_cancel` would let `actor` cancel `request` now: what pages
    offer, asked of the rule itself."""
    return _cancel_refusal(request, actor) is None


@transaction.atomic
def leave_request_cancel(*, request_id: int, actor: User, comment: str = "") -> LeaveRequest:
    """Pending: the owner (or their manager) withdraws it. Approved and not yet started: the
    owner or their manager cancels and the days are credited back. Started: only a
    manager or admin may cancel it. The requester and their managers are told (not whoever
    cancelled)."""
    request = _locked_request(request_id)
    refusal = _cancel_refusal(request, actor)
    if refusal is not None:
        raise refusal
    ensure_months_open(user=request.user, first=request.start_date, last=request.end_date)
    was_approved = request.status == Status.APPROVED
    request.status = Status.CANCELLED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if was_approved and request.leave_type.tracks_balance:
        ledger_write(
            key=f"request:{request.pk}:credit",
            user=request.user,
            leave_type=request.leave_type,
            on=request.start_date,
            amount=request.amount,
            kind=Kind.CREDIT,
            request=request,
            note="Cancelled",
            actor=actor,
        )
    audit_event_record(
        action="leave_cancelled", actor=actor, target=request, data={"was": "approved" if was_approved else "pending"}
    )
    _notify_decided(request)
    return request
