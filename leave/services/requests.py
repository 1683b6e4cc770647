"""Leave requests: asking, approving, rejecting and cancelling, each with its ledger row,
audit event and notification."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import outbox
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from core.signals import leave_days_changed
from leave import selectors
from leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType
from leave.notifications import notify_leave_decided, notify_leave_requested
from leave.services.account import ensure_toil_fits
from leave.services.ledger import ensure_balance, ledger_write
from users.closings import ensure_months_open
from users.models import User
from users.permissions import ensure_can_decide_for, user_manages
from users.services import ensure_employed

Kind = LeaveLedgerEntry.Kind
Status = LeaveRequest.Status


@dataclass(frozen=True)
class YearPart:
    """The share of a request (or of some of its days) that falls in one leave year."""

    year: int
    first_day: date
    working_days: Decimal
    amount: Decimal


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
    ensure_employed(user, start_date, end_date, "start_date", "end_date")
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
    _ensure_no_overlap(user=actor, **days, interrupting=leave_type.interrupts_leave)
    request = LeaveRequest(
        user=actor, leave_type=leave_type, **days, working_days=length.working_days, hours=length.hours, reason=reason
    )
    _ensure_balance_by_year(request)
    ensure_toil_fits(user=actor, leave_type=leave_type, amount=length.hours)
    request.save()
    audit_event_record(action="leave_requested", actor=actor, target=request)
    if not leave_type.requires_approval:
        _approve(request, actor=None, comment="Approved automatically.")
    else:
        outbox.enqueue(notify_leave_requested, request.pk)
    return request


def _ensure_no_overlap(*, user, start_date, end_date, start_half, end_half, exclude_pk=None, interrupting=False):
    """No two live requests of a person share a half day, except that sick leave (a type that
    `interrupts_leave`) may fall inside approved balance-tracking leave (BUrlG §9)."""
    for other in selectors.overlapping_requests(user, start_date, end_date, exclude_pk=exclude_pk):
        if interrupting and other.status == Status.APPROVED and other.leave_type.tracks_balance:
            continue
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


def _year_parts(request: LeaveRequest, start: date, end: date, start_half: str, end_half: str) -> list[YearPart]:
    """The days from `start` to `end` (halves as given) split by leave year, each part with
    its first day and the amount it takes in the request type's unit. The parts add up to
    the request's own count: the last part takes the rest, so rounding of hours cannot
    make a cent appear or vanish."""
    parts = []
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        length = selectors.leave_length(
            request.user, first, last, start_half if first == start else "", end_half if last == end else ""
        )
        amount = length.hours if request.leave_type.unit == LeaveType.Unit.HOUR else length.working_days
        parts.append(YearPart(year=year, first_day=first, working_days=length.working_days, amount=amount))
    return parts


def _request_parts(request: LeaveRequest) -> list[YearPart]:
    """The request's own days by leave year: one part, as counted on the request, unless it
    spans New Year."""
    if request.start_date.year == request.end_date.year:
        return [YearPart(request.start_date.year, request.start_date, request.working_days, request.amount)]
    parts = _year_parts(request, request.start_date, request.end_date, request.start_half, request.end_half)
    if len(parts) > 1:
        rest = request.amount - sum((part.amount for part in parts[:-1]), Decimal(0))
        parts[-1] = YearPart(parts[-1].year, parts[-1].first_day, parts[-1].working_days, rest)
    return parts


def _ensure_balance_by_year(request: LeaveRequest, *, parts=None, conflict: bool = False) -> None:
    """Each leave year's part of the request (`parts`, counted here when not given) must
    fit that year's balance."""
    parts = _request_parts(request) if parts is None else parts
    for part in parts:
        ensure_balance(
            user=request.user,
            leave_type=request.leave_type,
            amount=part.amount,
            on=part.first_day,
            exclude_pk=request.pk,
            conflict=conflict,
            name_year=len(parts) > 1,
        )


def _debit_key(request: LeaveRequest, part: YearPart) -> str:
    # The first year keeps the key requests always had, so older rows stay idempotent.
    suffix = "" if part.first_day == request.start_date else f":{part.year}"
    return f"request:{request.pk}:debit{suffix}"


def _approve(request: LeaveRequest, *, actor: User | None, comment: str) -> LeaveRequest:
    parts = _request_parts(request) if request.leave_type.tracks_balance else []
    _ensure_balance_by_year(request, parts=parts, conflict=True)
    ensure_toil_fits(user=request.user, leave_type=request.leave_type, amount=request.hours, exclude_pk=request.pk)
    request.status = Status.APPROVED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if request.leave_type.tracks_balance:
        for part in parts:
            if part.amount:
                ledger_write(
                    key=_debit_key(request, part),
                    user=request.user,
                    leave_type=request.leave_type,
                    on=part.first_day,
                    amount=-part.amount,
                    kind=Kind.DEBIT,
                    request=request,
                    note=f"{request.leave_type.name} {request.start_date} to {request.end_date}",
                    actor=actor,
                )
    if request.leave_type.interrupts_leave:
        _credit_interrupted_leave(request, actor=actor)
    audit_event_record(action="leave_approved", actor=actor, target=request, data={"comment": comment})
    _neutral_days_changed(request)
    _notify_decided(request)
    return request


def _neutral_days_changed(request: LeaveRequest) -> None:
    """Approved leave neutral for the working-time average came or went: compliance
    re-judges the averages over those days (`core.signals.leave_days_changed`)."""
    if request.leave_type.neutral_for_working_time:
        leave_days_changed.send(sender=LeaveRequest, user=request.user, start=request.start_date, end=request.end_date)


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
        _credit_cancelled(request, actor=actor)
    if was_approved and request.leave_type.interrupts_leave:
        _reverse_sick_credits(request, actor=actor)
    if was_approved:
        _neutral_days_changed(request)
    audit_event_record(
        action="leave_cancelled", actor=actor, target=request, data={"was": "approved" if was_approved else "pending"}
    )
    _notify_decided(request)
    return request


def _credit_cancelled(request: LeaveRequest, *, actor: User | None) -> None:
    """Give back what the approved request still holds, per leave year: its debits net of
    any sick credits and re-count adjustments booked to it in that year."""
    first_days = {part.year: part.first_day for part in _request_parts(request)}
    held: dict[int, Decimal] = {}
    for on, amount in LeaveLedgerEntry.objects.filter(request=request).values_list("date", "amount"):
        held[on.year] = held.get(on.year, Decimal(0)) + amount
    for year in sorted(held):
        if held[year] >= 0:
            continue
        suffix = "" if year == request.start_date.year else f":{year}"
        ledger_write(
            key=f"request:{request.pk}:credit{suffix}",
            user=request.user,
            leave_type=request.leave_type,
            on=first_days.get(year, date(year, 1, 1)),
            amount=-held[year],
            kind=Kind.CREDIT,
            request=request,
            note="Cancelled",
            actor=actor,
        )


def _credit_interrupted_leave(sick: LeaveRequest, *, actor: User | None) -> None:
    """Sickness inside approved balance-tracking leave does not count as leave (BUrlG §9):
    the working days of that leave the sick request covers are credited back, one
    `sick_credit` row per leave request and leave year, linked to both requests."""
    others = selectors.overlapping_requests(sick.user, sick.start_date, sick.end_date, exclude_pk=sick.pk)
    for leave in others.filter(status=Status.APPROVED, leave_type__tracks_balance=True).select_for_update(of=("self",)):
        leave.user = sick.user  # already loaded; the day counts read its schedule
        covered = _covered_halves(leave, sick)
        if covered is None:
            continue
        start, end, start_half, end_half = covered
        credited_days = Decimal(0)
        for part in _year_parts(leave, start, end, start_half, end_half):
            if not part.amount:
                continue
            ledger_write(
                key=f"sick-credit:{leave.pk}:{sick.pk}:{part.year}",
                user=sick.user,
                leave_type=leave.leave_type,
                on=part.first_day,
                amount=part.amount,
                kind=Kind.SICK_CREDIT,
                request=leave,
                related_request=sick,
                note=f"Sick during {leave.leave_type.name} ({sick.start_date} to {sick.end_date})",
                actor=actor,
            )
            credited_days += part.working_days
        if credited_days:
            leave.sick_days_credited += credited_days
            leave.save(update_fields=["sick_days_credited", "updated_at"])
            audit_event_record(
                action="leave_sick_credited",
                actor=actor,
                target=leave,
                data={"sick_request": sick.pk, "working_days": str(credited_days)},
            )


def _covered_halves(leave: LeaveRequest, sick: LeaveRequest) -> tuple[date, date, str, str] | None:
    """The days both requests share, as a start and end with halves, or None when they share
    no half day (one ends in the morning the other starts in the afternoon)."""
    start, end = max(leave.start_date, sick.start_date), min(leave.end_date, sick.end_date)

    def shared(day: date) -> frozenset[str]:
        mine = selectors.requested_halves(day, leave.start_date, leave.end_date, leave.start_half, leave.end_half)
        theirs = selectors.requested_halves(day, sick.start_date, sick.end_date, sick.start_half, sick.end_half)
        return mine & theirs

    while start <= end and not shared(start):
        start += timedelta(days=1)
    while end >= start and not shared(end):
        end -= timedelta(days=1)
    if start > end:
        return None
    first, last = shared(start), shared(end)
    start_half = next(iter(first)) if len(first) == 1 else ""
    end_half = next(iter(last)) if len(last) == 1 else ""
    return start, end, start_half, end_half


def _reverse_sick_credits(sick: LeaveRequest, *, actor: User | None) -> None:
    """Cancelling sick leave takes back the credits it gave to leave that is still approved
    (leave cancelled since already gave back only what it still held)."""
    credits = LeaveLedgerEntry.objects.filter(
        related_request=sick, kind=Kind.SICK_CREDIT, amount__gt=0, request__status=Status.APPROVED
    ).select_related("request", "leave_type")
    for credit in credits:
        leave = credit.request
        if not ledger_write(
            key=f"sick-credit-reversal:{credit.pk}",
            user=credit.user,
            leave_type=credit.leave_type,
            on=credit.date,
            amount=-credit.amount,
            kind=Kind.SICK_CREDIT,
            request=leave,
            related_request=sick,
            note=f"Sick leave {sick.start_date} to {sick.end_date} cancelled",
            actor=actor,
        ):
            continue
        days = credit.amount if leave.leave_type.unit == LeaveType.Unit.DAY else _days_of(leave, credit.amount)
        LeaveRequest.objects.filter(pk=leave.pk).update(sick_days_credited=F("sick_days_credited") - days)
        audit_event_record(
            action="leave_sick_credit_reversed",
            actor=actor,
            target=leave,
            data={"sick_request": sick.pk, "amount": str(credit.amount)},
        )


def _days_of(leave: LeaveRequest, hours: Decimal) -> Decimal:
    """Hours of an hour-unit request back in working days (to the half day)."""
    per_day = leave.hours / leave.working_days if leave.working_days else Decimal(1)
    return ((hours / per_day) * 2).quantize(Decimal(1)) / 2
