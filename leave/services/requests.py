"""Leave requests: asking, approving, rejecting and cancelling, each with its ledger row,
audit event and notification."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import outbox
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError, Forbidden
from core.signals import domain_event, leave_days_changed
from core.texts import ShortDate, Template, Text
from leave import selectors
from leave.models import APPROVED_AUTOMATICALLY, LeaveLedgerEntry, LeaveRequest, LeaveType
from leave.notifications import notify_leave_decided, notify_leave_requested
from leave.services.account import ensure_toil_fits
from leave.services.ledger import closed_year_carry_loss, ensure_balance, ledger_write
from leave.services.locks import ensure_leave_days_open, ensure_no_work_on_leave_days
from users.models import User
from users.permissions import ensure_can_decide_for, user_manages
from users.services import ensure_employed

Kind = LeaveLedgerEntry.Kind
# A half day as a ledger note names it.
HALF_NAMES = {"morning": gettext_noop("morning"), "afternoon": gettext_noop("afternoon")}
Status = LeaveRequest.Status


YearPart = selectors.YearPart


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
        raise DomainValidationError(_("%(type)s is not available.") % {"type": leave_type.name}, field="type")
    if end_date < start_date:
        raise DomainValidationError(_("The end date cannot be before the start date."), field="end_date")
    if (end_date - start_date).days > 366:
        raise DomainValidationError(_("A request cannot be longer than a year."), field="end_date")
    ensure_employed(user, start_date, end_date, "start_date", "end_date")
    if leave_type is not None and (start_half or end_half) and not leave_type.half_days_allowed:
        raise DomainValidationError(
            _("%(type)s cannot be taken in half days.") % {"type": leave_type.name},
            field="start_half" if start_half else "end_half",
        )
    if start_date == end_date and start_half and end_half and start_half != end_half:
        raise DomainValidationError(_("A single day is either the morning or the afternoon."), field="end_half")
    length = selectors.leave_length(user, start_date, end_date, start_half, end_half)
    if length.working_days <= 0:
        raise DomainValidationError(_("The request covers no working day."), field="start_date")
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
    days = {"start_date": start_date, "end_date": end_date, "start_half": start_half, "end_half": end_half}
    request = _request_save(actor=actor, user=actor, leave_type=leave_type, days=days, reason=reason)
    domain_event.send(sender=LeaveRequest, event="leave_request.created", instance=request)
    if not leave_type.requires_approval:
        _approve(request, actor=None, comment=APPROVED_AUTOMATICALLY)
    else:
        outbox.enqueue(notify_leave_requested, request.pk)
    return request


def _request_save(*, actor: User, user: User, leave_type: LeaveType, days: dict, reason: str) -> LeaveRequest:
    """Every check a new request of `user` passes, then the request saved (pending) and its
    audit event."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per person
    length = leave_request_length(user=user, leave_type=leave_type, **days)
    ensure_leave_days_open(user=user, start=days["start_date"], end=days["end_date"])
    ensure_no_work_on_leave_days(user=user, leave_type=leave_type, **days)
    _ensure_no_overlap(user=user, **days, interrupting=leave_type.interrupts_leave)
    request = LeaveRequest(
        user=user, leave_type=leave_type, **days, working_days=length.working_days, hours=length.hours, reason=reason
    )
    _ensure_balance_by_year(request)
    ensure_toil_fits(user=user, leave_type=leave_type, amount=length.hours)
    request.save()
    audit_event_record(action="leave_requested", actor=actor, target=request)
    return request


@transaction.atomic
def leave_request_record(
    *,
    actor: User,
    user: User,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    start_half: str = "",
    end_half: str = "",
    reason: str = "",
    approved: bool = False,
) -> LeaveRequest:
    """A request from another system's history (an import), for `user` by `actor` (the
    person, their manager or an admin): the checks of `leave_request_create`; an approved
    one is approved by `actor` under `leave_request_approve`'s rule, with its ledger debit,
    and nobody is mailed about the past."""
    if actor.pk != user.pk and not user_manages(actor, user):
        raise Forbidden(
            _("You may record leave for yourself and your teams' people only, not for %(user)s.") % {"user": user}
        )
    if approved:
        ensure_can_decide_for(
            actor,
            user,
            own=_("You cannot record your own leave as approved."),
            others=_("Only %(person)s's manager or an admin can record this leave as approved."),
        )
    days = {"start_date": start_date, "end_date": end_date, "start_half": start_half, "end_half": end_half}
    request = _request_save(actor=actor, user=user, leave_type=leave_type, days=days, reason=reason)
    if approved:
        _approve(request, actor=actor, comment="Recorded as approved by an import.", notify=False)
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
                    _("Overlaps your %(status)s %(type)s request %(id)s (%(start)s to %(end)s).")
                    % {
                        "status": other.get_status_display().lower(),
                        "type": other.leave_type.name,
                        "id": other.pk,
                        "start": other.start_date,
                        "end": other.end_date,
                    },
                    code="overlap",
                )


def _locked_request(request_id: int) -> LeaveRequest:
    return LeaveRequest.objects.select_for_update(of=("self",)).select_related("user", "leave_type").get(pk=request_id)


_year_parts = selectors.year_parts
_request_parts = selectors.request_year_parts


def _ensure_balance_by_year(request: LeaveRequest, *, parts=None, conflict: bool = False) -> None:
    """Each leave year's part of the request (`parts`, counted here when not given) must
    fit that year's balance. A part in a year already closed (a New Year request approved
    in January) also takes from the next year what it uses of the carry-over."""
    parts = _request_parts(request) if parts is None else parts
    needed = {part.year: (part.first_day, part.amount) for part in parts}
    if request.leave_type.tracks_balance:
        for part in parts:
            loss = closed_year_carry_loss(
                user=request.user, leave_type=request.leave_type, year=part.year, amount=part.amount
            )
            if loss:
                first_day, amount = needed.get(part.year + 1, (date(part.year + 1, 1, 1), Decimal(0)))
                needed[part.year + 1] = (first_day, amount + loss)
    for year in sorted(needed):
        first_day, amount = needed[year]
        ensure_balance(
            user=request.user,
            leave_type=request.leave_type,
            amount=amount,
            on=first_day,
            exclude_pk=request.pk,
            conflict=conflict,
            name_year=len(needed) > 1,
        )


def _debit_key(request: LeaveRequest, part: YearPart) -> str:
    # The first year keeps the key requests always had, so older rows stay idempotent.
    suffix = "" if part.first_day == request.start_date else f":{part.year}"
    return f"request:{request.pk}:debit{suffix}"


def _approve(request: LeaveRequest, *, actor: User | None, comment: str, notify: bool = True) -> LeaveRequest:
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
                    note=Template(gettext_noop("%(type)s %(start)s to %(end)s"))
                    % {
                        "type": request.leave_type.name,
                        "start": ShortDate(request.start_date),
                        "end": ShortDate(request.end_date),
                    },
                    actor=actor,
                )
    if request.leave_type.interrupts_leave:
        _credit_interrupted_leave(request, actor=actor)
    audit_event_record(action="leave_approved", actor=actor, target=request, data={"comment": comment})
    _neutral_days_changed(request)
    if notify:  # imported history is announced to nobody: no mail, no webhook
        domain_event.send(sender=LeaveRequest, event="leave_request.approved", instance=request)
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
    ensure_can_decide_for(
        actor,
        request.user,
        own=_("You cannot approve your own leave request."),
        others=_("Only %(person)s's manager or an admin can approve this leave request."),
    )
    if request.status != Status.PENDING:
        raise Conflict(
            _("The request is %(status)s, not pending.") % {"status": request.get_status_display().lower()},
            code="invalid_state",
        )
    ensure_leave_days_open(user=request.user, start=request.start_date, end=request.end_date)
    ensure_no_work_on_leave_days(
        user=request.user,
        leave_type=request.leave_type,
        start_date=request.start_date,
        end_date=request.end_date,
        start_half=request.start_half,
        end_half=request.end_half,
    )
    return _approve(request, actor=actor, comment=comment)


@transaction.atomic
def leave_request_reject(*, request_id: int, actor: User, comment: str) -> LeaveRequest:
    if not (comment or "").strip():
        raise DomainValidationError(_("Say why the request is rejected."), field="comment")
    request = _locked_request(request_id)
    ensure_can_decide_for(
        actor,
        request.user,
        own=_("You cannot reject your own leave request."),
        others=_("Only %(person)s's manager or an admin can reject this leave request."),
    )
    if request.status != Status.PENDING:
        raise Conflict(
            _("The request is %(status)s, not pending.") % {"status": request.get_status_display().lower()},
            code="invalid_state",
        )
    request.status = Status.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    audit_event_record(action="leave_rejected", actor=actor, target=request, data={"comment": comment})
    domain_event.send(sender=LeaveRequest, event="leave_request.rejected", instance=request)
    _notify_decided(request)
    return request


def _cancel_refusal(request: LeaveRequest, actor: User) -> DomainError | None:
    """Why `actor` may not cancel `request` (see `leave_request_cancel`), or None."""
    is_owner = actor.pk == request.user_id
    manages_only = not is_owner and user_manages(actor, request.user)
    if not (is_owner or manages_only):
        return Forbidden(_("Only the requester or their manager can cancel this request."))
    if request.status not in (Status.PENDING, Status.APPROVED):
        return Conflict(
            _("The request is already %(status)s.") % {"status": request.get_status_display().lower()},
            code="invalid_state",
        )
    started = request.start_date <= request.user.local_today()
    if request.status == Status.APPROVED and started and not manages_only:
        return Forbidden(_("Leave that has started can only be cancelled by a manager or an admin."))
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
    ensure_leave_days_open(user=request.user, start=request.start_date, end=request.end_date)
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
    domain_event.send(sender=LeaveRequest, event="leave_request.cancelled", instance=request)
    _notify_decided(request)
    return request


def leave_request_rebook(
    *, request: LeaveRequest, kind: str, key: str, note: str, actor: User | None, not_before: date | None = None
) -> None:
    """Book, per leave year, the difference between what approved `request` holds in the
    ledger (its debits, credits and adjustments; sick credits apart) and what its days take
    now (`request_year_parts`), as `kind` rows keyed `<key>:<uuid>` linked to it: after a
    re-count (a holiday, a contract change) or a shortening, each year gains or gives what
    its own days changed. `not_before` (the request's first day in an open month) keeps the
    rows out of months closed for payroll: a year wholly before it is left as closed."""
    held: dict[int, Decimal] = {}
    dated: dict[int, date] = {}
    rows = LeaveLedgerEntry.objects.filter(request=request).exclude(kind=Kind.SICK_CREDIT).order_by("date")
    for on, amount in rows.values_list("date", "amount"):
        held[on.year] = held.get(on.year, Decimal(0)) + amount
        dated.setdefault(on.year, on)
    wanted: dict[int, Decimal] = {}
    for part in _request_parts(request):
        wanted[part.year] = -part.amount
        dated[part.year] = part.first_day
    for year in sorted(set(held) | set(wanted)):
        difference = wanted.get(year, Decimal(0)) - held.get(year, Decimal(0))
        if not_before is not None and not_before.year > year:
            continue
        on = max(dated[year], not_before) if not_before is not None and not_before.year == year else dated[year]
        if difference:
            ledger_write(
                key=f"{key}:{uuid.uuid4()}",
                user=request.user,
                leave_type=request.leave_type,
                on=on,
                amount=difference,
                kind=kind,
                request=request,
                note=note,
                actor=actor,
            )


def _shorten_refusal(request: LeaveRequest, actor: User) -> DomainError | None:
    """Why `actor` may not shorten `request` (see `leave_request_shorten`), or None."""
    is_owner = actor.pk == request.user_id
    manages_only = not is_owner and user_manages(actor, request.user)
    if not (is_owner or manages_only):
        return Forbidden(_("Only the requester or their manager can change this request."))
    if request.status not in (Status.PENDING, Status.APPROVED):
        return Conflict(
            _("The request is %(status)s: there is nothing to shorten.")
            % {"status": request.get_status_display().lower()},
            code="invalid_state",
        )
    if request.status == Status.APPROVED and not manages_only:
        return Forbidden(_("Approved leave is shortened by a manager or an admin (or cancelled, before it starts)."))
    return None


def leave_request_shortenable(*, request: LeaveRequest, actor: User) -> bool:
    """Whether `leave_request_shorten` would let `actor` shorten `request` now (what pages offer)."""
    return _shorten_refusal(request, actor) is None and (
        request.start_date < request.end_date or (not request.start_half and not request.end_half)
    )


def _days_removed(request: LeaveRequest, end_date: date, end_half: str) -> list[date]:
    """The days (or half days) ending `request` on `end_date` (`end_half`) takes out of it,
    or the `DomainValidationError` saying why that end does not shorten it."""
    old_end, old_end_half = request.end_date, request.end_half
    if end_date > old_end or end_date < request.start_date:
        raise DomainValidationError(
            _("The new end must be between %(start)s and %(end)s.") % {"start": request.start_date, "end": old_end},
            field="end_date",
        )
    if end_half not in ("", LeaveRequest.Half.MORNING, LeaveRequest.Half.AFTERNOON):
        raise DomainValidationError(_("Give morning, afternoon or nothing (the whole day)."), field="end_half")

    def halves(day: date, end: date, half: str) -> frozenset[str]:
        if day > end:
            return frozenset()
        return selectors.requested_halves(day, request.start_date, end, request.start_half, half)

    days = list(selectors.daterange(request.start_date, old_end))
    removed = [day for day in days if halves(day, end_date, end_half) != halves(day, old_end, old_end_half)]
    kept_within = all(halves(day, end_date, end_half) <= halves(day, old_end, old_end_half) for day in days)
    if not removed or not kept_within:
        raise DomainValidationError(_("The new end must make the request shorter."), field="end_date")
    return removed


@transaction.atomic
def leave_request_shorten(
    *, request_id: int, actor: User, end_date: date, end_half: str = "", comment: str = ""
) -> LeaveRequest:
    """End a request earlier, on `end_date` (`end_half`), shorter and not empty (a recall
    ends it the day before the person is back). Pending: the requester (or their manager).
    Approved: only a manager or an admin; the removed days are credited per leave year
    (`credit` rows linked to it), sick credits on them lapse, and expected hours and the
    working-time account follow its new dates."""
    request = _locked_request(request_id)
    refusal = _shorten_refusal(request, actor)
    if refusal is not None:
        raise refusal
    old_end, old_end_half = request.end_date, request.end_half
    removed = _days_removed(request, end_date, end_half)
    length = leave_request_length(
        user=request.user,
        leave_type=request.leave_type,
        start_date=request.start_date,
        end_date=end_date,
        start_half=request.start_half,
        end_half=end_half,
    )
    ensure_leave_days_open(user=request.user, start=removed[0], end=old_end)
    approved = request.status == Status.APPROVED
    interrupted = []
    if approved and request.leave_type.interrupts_leave:
        others = selectors.overlapping_requests(request.user, request.start_date, old_end, exclude_pk=request.pk)
        interrupted = list(
            others.filter(status=Status.APPROVED, leave_type__tracks_balance=True).select_for_update(of=("self",))
        )
    request.end_date, request.end_half = end_date, end_half
    request.working_days, request.hours = length.working_days, length.hours
    request.save(update_fields=["end_date", "end_half", "working_days", "hours", "updated_at"])
    if approved and request.leave_type.tracks_balance:
        leave_request_rebook(
            request=request,
            kind=Kind.CREDIT,
            key=f"request:{request.pk}:shortened",
            note=(
                Template(gettext_noop("Shortened: ends %(end)s (%(half)s) instead of %(old_end)s"))
                if end_half
                else Template(gettext_noop("Shortened: ends %(end)s instead of %(old_end)s"))
            )
            % {"end": ShortDate(end_date), "half": Text(HALF_NAMES.get(end_half, "")), "old_end": ShortDate(old_end)},
            actor=actor,
        )
        leave_sick_credits_sync(leave=request, actor=actor)
    for leave in interrupted:
        leave.user = request.user
        leave_sick_credits_sync(leave=leave, actor=actor)
    if approved and request.leave_type.neutral_for_working_time:
        # The removed days are working days again for the 48-hour average.
        leave_days_changed.send(sender=LeaveRequest, user=request.user, start=removed[0], end=old_end)
    _audit_shortened(request, actor=actor, was=(old_end, old_end_half), comment=comment)
    return request


def _audit_shortened(request: LeaveRequest, *, actor: User, was: tuple[date, str], comment: str) -> None:
    audit_event_record(
        action="leave_shortened",
        actor=actor,
        target=request,
        data={
            "end_date_was": was[0].isoformat(),
            "end_half_was": was[1],
            "end_date": request.end_date.isoformat(),
            "end_half": request.end_half,
            "status": request.status,
            "comment": comment,
        },
    )


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
            note=Template(gettext_noop("Cancelled")) % {},
            actor=actor,
        )


def _credit_interrupted_leave(sick: LeaveRequest, *, actor: User | None) -> None:
    """Sickness inside approved balance-tracking leave does not count as leave (BUrlG §9):
    each such leave the sick request meets has its sick credits brought up to date."""
    others = selectors.overlapping_requests(sick.user, sick.start_date, sick.end_date, exclude_pk=sick.pk)
    for leave in others.filter(status=Status.APPROVED, leave_type__tracks_balance=True).select_for_update(of=("self",)):
        leave.user = sick.user  # already loaded; the day counts read its schedule
        leave_sick_credits_sync(leave=leave, actor=actor)


def _sick_credits_wanted(leave: LeaveRequest, dated: dict) -> tuple[dict, dict, Decimal]:
    """What approved sick leave covers of `leave` now: the amount per (sick request, leave
    year), the sick requests by id, and the working days; `dated` gets each part's first day."""
    wanted: dict[tuple[int, int], Decimal] = {}
    credited_days = Decimal(0)
    sick_requests = selectors.overlapping_requests(leave.user, leave.start_date, leave.end_date, exclude_pk=leave.pk)
    sick_requests = sick_requests.filter(status=Status.APPROVED, leave_type__interrupts_leave=True)
    by_id = {sick.pk: sick for sick in sick_requests}
    for sick in by_id.values():
        covered = _covered_halves(leave, sick)
        if covered is None:
            continue
        for part in _year_parts(leave, *covered):
            if part.amount:
                wanted[(sick.pk, part.year)] = part.amount
                dated[(sick.pk, part.year)] = part.first_day
                credited_days += part.working_days
    return wanted, by_id, credited_days


def leave_sick_credits_sync(*, leave: LeaveRequest, actor: User | None) -> None:
    """The sick credits of approved balance-tracking `leave` made what approved sick leave
    (types that `interrupts_leave`) covers of its working days now, one `sick_credit` row
    per sick request and leave year for each difference, linked to both requests, and
    `sick_days_credited` with them. Called when sickness is approved or cancelled and when
    the leave is re-counted (a holiday on a sick day makes it no working day: the day is
    given back by the re-count, not twice) or shortened. Leave not approved is left alone:
    a cancelled request gave back only what it still held."""
    if leave.status != Status.APPROVED or not leave.leave_type.tracks_balance:
        return
    held: dict[tuple[int, int], Decimal] = {}
    dated: dict[tuple[int, int], date] = {}
    rows = LeaveLedgerEntry.objects.filter(request=leave, kind=Kind.SICK_CREDIT)
    for sick_id, on, amount in rows.values_list("related_request_id", "date", "amount"):
        held[(sick_id, on.year)] = held.get((sick_id, on.year), Decimal(0)) + amount
        dated.setdefault((sick_id, on.year), on)
    wanted, by_id, credited_days = _sick_credits_wanted(leave, dated)
    missing = {sick_id for sick_id, _ in held} - set(by_id)
    by_id.update(LeaveRequest.objects.in_bulk(missing))
    for sick_id, year in sorted(set(held) | set(wanted)):
        difference = wanted.get((sick_id, year), Decimal(0)) - held.get((sick_id, year), Decimal(0))
        if not difference:
            continue
        sick = by_id[sick_id]
        first = (sick_id, year) not in held
        ledger_write(
            key=f"sick-credit:{leave.pk}:{sick_id}:{year}" + ("" if first else f":{uuid.uuid4()}"),
            user=leave.user,
            leave_type=leave.leave_type,
            on=dated[(sick_id, year)],
            amount=difference,
            kind=Kind.SICK_CREDIT,
            request=leave,
            related_request=sick,
            note=Template(gettext_noop("Sick during %(type)s (%(start)s to %(end)s)"))
            % {"type": leave.leave_type.name, "start": ShortDate(sick.start_date), "end": ShortDate(sick.end_date)}
            if difference > 0
            else f"Sick leave {sick.start_date} to {sick.end_date}: {_fmt(-difference)} no longer credited",
            actor=actor,
        )
        audit_event_record(
            action="leave_sick_credited" if difference > 0 else "leave_sick_credit_reversed",
            actor=actor,
            target=leave,
            data={"sick_request": sick_id, "amount": str(difference)},
        )
    if leave.sick_days_credited != credited_days:
        leave.sick_days_credited = credited_days
        leave.save(update_fields=["sick_days_credited", "updated_at"])


def _fmt(amount: Decimal) -> str:
    return format(Decimal(amount).quantize(Decimal("0.01")).normalize(), "f")


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
    credited = LeaveLedgerEntry.objects.filter(related_request=sick, kind=Kind.SICK_CREDIT).values("request_id")
    leaves = LeaveRequest.objects.filter(pk__in=credited, status=Status.APPROVED).select_related("user", "leave_type")
    for leave in leaves.select_for_update(of=("self",)):
        leave_sick_credits_sync(leave=leave, actor=actor)
