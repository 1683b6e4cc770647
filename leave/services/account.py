"""The working-time account: adjustments written by admins, and the check that time off in
lieu fits the account (reads in `leave.selectors_account`)."""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from leave.models import LeaveType, WorkingTimeAdjustment
from leave.selectors_account import toil_available, working_time_account
from users.closings import ensure_months_open
from users.models import User
from users.permissions import ensure_admin

MAX_ADJUSTMENT_HOURS = Decimal("10000")


def account_min_balance() -> Decimal:
    """How far below zero time off in lieu may take an account: `WORKING_TIME_ACCOUNT_MIN_BALANCE`
    hours (0 by default: not below zero; -16 lets people go 16 hours into the red)."""
    return Decimal(str(settings.WORKING_TIME_ACCOUNT_MIN_BALANCE))


@transaction.atomic
def working_time_adjustment_create(
    *, actor: User, user: User, kind: str, hours: Decimal, on: date, reason: str, idempotency_key: str = ""
) -> tuple[WorkingTimeAdjustment, bool]:
    """An admin moves `user`'s account by signed `hours`, always with a reason; audited.
    The same `idempotency_key` again returns the first row and `False` (nothing written)."""
    ensure_admin(actor, denied=_("Only admins can adjust working-time accounts."))
    if kind not in WorkingTimeAdjustment.Kind.values:
        raise DomainValidationError(_("Unknown kind '%(kind)s'.") % {"kind": kind}, field="kind")
    if not (reason or "").strip():
        raise DomainValidationError(_("Say why the account is adjusted."), field="reason")
    if hours == 0:
        raise DomainValidationError(_("An adjustment needs a non-zero number of hours."), field="hours")
    if abs(hours) > MAX_ADJUSTMENT_HOURS:
        raise DomainValidationError(
            _("At most %(hours)s hours either way.") % {"hours": MAX_ADJUSTMENT_HOURS}, field="hours"
        )
    if on < user.employment_start:
        raise DomainValidationError(
            _("The account starts with the employment on %(date)s.") % {"date": user.employment_start}, field="date"
        )
    key = idempotency_key or f"adjustment:{uuid.uuid4()}"
    existing = WorkingTimeAdjustment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_or_conflict(existing, user=user, kind=kind, hours=hours, on=on), False
    # A closed month's snapshot is what payroll was paid from: an adjustment dated in it
    # would change the account behind payroll's back.
    ensure_months_open(user=user, first=on)
    try:
        with transaction.atomic():
            adjustment = WorkingTimeAdjustment.objects.create(
                user=user,
                kind=kind,
                hours=hours,
                date=on,
                reason=reason.strip()[:255],
                actor=actor,
                idempotency_key=key,
            )
    except IntegrityError:  # the same key posted twice at once: the other one won
        existing = WorkingTimeAdjustment.objects.get(idempotency_key=key)
        return _same_or_conflict(existing, user=user, kind=kind, hours=hours, on=on), False
    audit_event_record(
        action="working_time_adjusted",
        actor=actor,
        target=adjustment,
        data={"kind": kind, "hours": str(hours), "date": on.isoformat(), "reason": adjustment.reason},
    )
    return adjustment, True


def _same_or_conflict(existing: WorkingTimeAdjustment, *, user, kind, hours, on) -> WorkingTimeAdjustment:
    if (existing.user_id, existing.kind, existing.hours, existing.date) != (user.pk, kind, hours, on):
        raise Conflict(_("This idempotency key was used for another adjustment."), code="idempotency_key_reused")
    return existing


def ensure_toil_fits(*, user: User, leave_type: LeaveType, amount: Decimal, exclude_pk: int | None = None) -> None:
    """Time off in lieu (a type that keeps its days expected) of `amount` hours must leave the
    account at or above `account_min_balance()`, else 409 `insufficient_balance`. Types that
    allow a negative balance are not checked. Call it inside the write's transaction."""
    if leave_type.reduces_expected_hours or leave_type.allow_negative:
        return
    # One check at a time per person: two approvals at once must not both spend the same hours.
    User.objects.select_for_update().filter(pk=user.pk).first()
    available = toil_available(user, exclude_pk=exclude_pk) - account_min_balance()
    if amount > available:
        raise Conflict(
            _("Not enough on the working-time account: %(available)s hours available, %(requested)s requested.")
            % {"available": _fmt(available), "requested": _fmt(amount)},
            code="insufficient_balance",
        )


def _fmt(amount: Decimal) -> str:
    return format(Decimal(amount).quantize(Decimal("0.01")).normalize(), "f")


def working_time_forfeit_above_cap(*, user: User, cap: Decimal, on: date, key: str, reason: str):
    """At the end of a cap period (`on`, its last day): the hours of `user`'s account above
    `cap` at the end of `on` are forfeited, a `forfeit` adjustment dated `on` with actor
    "system", audited. Nothing when the balance is at or below the cap; the same `key`
    again books nothing (a rerun). Answers the adjustment or None."""
    if WorkingTimeAdjustment.objects.filter(idempotency_key=key).exists():
        return None
    excess = working_time_account(user, on).balance_hours - cap
    if excess <= 0:
        return None
    adjustment = WorkingTimeAdjustment.objects.create(
        user=user,
        kind=WorkingTimeAdjustment.Kind.FORFEIT,
        hours=-excess,
        date=on,
        reason=reason[:255],
        idempotency_key=key,
    )
    audit_event_record(
        action="working_time_forfeited",
        actor_label="system",
        target=adjustment,
        subject=user,
        data={"hours": str(-excess), "cap": str(cap), "date": on.isoformat(), "reason": adjustment.reason},
    )
    return adjustment
