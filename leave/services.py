"""Every write on leave: requests and their decisions, the ledger, accrual and carry-over,
holiday calendars. API, pages, admin and tasks call these."""

import uuid
from calendar import monthrange
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import holidays as holidays_package
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import outbox
from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError, Forbidden
from leave import selectors
from leave.models import (
    CalendarFeed,
    Holiday,
    HolidayCalendar,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    new_feed_token,
)
from leave.notifications import notify_leave_decided, notify_leave_requested
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for, user_manages

Kind = LeaveLedgerEntry.Kind
Status = LeaveRequest.Status


def _ledger_write(
    *,
    key: str,
    user: User,
    leave_type: LeaveType,
    on: date,
    amount: Decimal,
    kind: str,
    request=None,
    note="",
    actor=None,
) -> LeaveLedgerEntry | None:
    """Write one ledger row once: a second call with the same key changes nothing."""
    try:
        with transaction.atomic():
            return LeaveLedgerEntry.objects.create(
                idempotency_key=key,
                user=user,
                leave_type=leave_type,
                date=on,
                amount=amount,
                kind=kind,
                request=request,
                note=note[:255],
                created_by=actor,
            )
    except IntegrityError:
        if LeaveLedgerEntry.objects.filter(idempotency_key=key).exists():
            return None
        raise


def _ensure_balance(*, user: User, leave_type: LeaveType, amount: Decimal, on: date, exclude_pk=None, conflict=False):
    """`amount` debited on `on` must fit the balance at the end of that year after the
    requests pending until then, and at the end of every later year someone has pending
    requests in (what is taken now is missing from the years after)."""
    if not leave_type.tracks_balance or leave_type.allow_negative:
        return
    pending = selectors.pending_by_year(user, leave_type, exclude_pk=exclude_pk)
    for year in sorted({on.year, *(year for year in pending if year > on.year)}):
        available = selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31)) - sum(
            (total for pending_year, total in pending.items() if pending_year <= year), Decimal(0)
        )
        if amount > available:
            unit = leave_type.get_unit_display().lower()
            message = (
                f"Not enough {leave_type.name} left: {_fmt(available)} {unit} available"
                f"{'' if year == on.year else f' in {year}'}, {_fmt(amount)} requested."
            )
            if conflict:
                raise Conflict(message, code="insufficient_balance")
            raise DomainValidationError(message, field="end_date")


def _fmt(amount: Decimal) -> str:
    """2.50 -> '2.5', 10.00 -> '10': the same text whichever database summed it."""
    return format(Decimal(amount).quantize(Decimal("0.01")).normalize(), "f")


# --- requests ------------------------------------------------------------------------------


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
    if not leave_type.active:
        raise DomainValidationError(f"{leave_type.name} is not available.", field="type")
    if end_date < start_date:
        raise DomainValidationError("The end date cannot be before the start date.", field="end_date")
    if (end_date - start_date).days > 366:
        raise DomainValidationError("A request cannot be longer than a year.", field="end_date")
    if (start_half or end_half) and not leave_type.half_days_allowed:
        raise DomainValidationError(
            f"{leave_type.name} cannot be taken in half days.", field="start_half" if start_half else "end_half"
        )
    if start_date == end_date and start_half and end_half and start_half != end_half:
        raise DomainValidationError("A single day is either the morning or the afternoon.", field="end_half")
    length = selectors.leave_length(actor, start_date, end_date, start_half, end_half)
    if length.working_days <= 0:
        raise DomainValidationError("The request covers no working day.", field="start_date")
    _ensure_no_overlap(user=actor, start_date=start_date, end_date=end_date, start_half=start_half, end_half=end_half)
    amount = length.hours if leave_type.unit == LeaveType.Unit.HOUR else length.working_days
    _ensure_balance(user=actor, leave_type=leave_type, amount=amount, on=start_date)
    request = LeaveRequest.objects.create(
        user=actor,
        leave_type=leave_type,
        start_date=start_date,
        end_date=end_date,
        start_half=start_half,
        end_half=end_half,
        working_days=length.working_days,
        hours=length.hours,
        reason=reason,
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
    _ensure_balance(
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
        _ledger_write(
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


@transaction.atomic
def leave_request_cancel(*, request_id: int, actor: User, comment: str = "") -> LeaveRequest:
    """Pending: the owner (or their manager) withdraws it. Approved and not yet started: the
    owner or their manager cancels and the days are credited back. Started: only a
    manager or admin may cancel it. The requester and their managers are told (not whoever
    cancelled)."""
    request = _locked_request(request_id)
    is_owner, manages = actor.pk == request.user_id, user_manages(actor, request.user)
    if not (is_owner or manages):
        raise Forbidden("Only the requester or their manager can cancel this request.")
    if request.status not in (Status.PENDING, Status.APPROVED):
        raise Conflict(f"The request is already {request.status}.", code="invalid_state")
    was_approved = request.status == Status.APPROVED
    if was_approved and request.start_date <= request.user.local_today() and not (manages and not is_owner):
        raise Forbidden("Leave that has started can only be cancelled by a manager or an admin.")
    request.status = Status.CANCELLED
    request.decided_by, request.decided_at, request.decision_comment = actor, timezone.now(), comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if was_approved and request.leave_type.tracks_balance:
        _ledger_write(
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


# --- ledger --------------------------------------------------------------------------------


@transaction.atomic
def ledger_adjust(
    *, actor: User, user: User, leave_type: LeaveType, amount: Decimal, on: date, note: str
) -> LeaveLedgerEntry:
    """A manual correction by an admin, always with a note."""
    ensure_admin(actor, what="adjust leave balances")
    if not note.strip():
        raise DomainValidationError("Say why the balance is adjusted.", field="note")
    if amount == 0:
        raise DomainValidationError("An adjustment needs a non-zero amount.", field="amount")
    entry = _ledger_write(
        key=f"adjustment:{uuid.uuid4()}",
        user=user,
        leave_type=leave_type,
        on=on,
        amount=amount,
        kind=Kind.ADJUSTMENT,
        note=note,
        actor=actor,
    )
    audit_event_record(action="leave_adjusted", actor=actor, target=entry, data={"amount": str(amount), "note": note})
    return entry


def _round_half(value: Decimal) -> Decimal:
    return (value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def prorated_allowance(user: User, leave_type: LeaveType, year: int) -> Decimal:
    """The year's allowance pro-rated by the months employed and contract hours, to half days."""
    joined = timezone.localdate(user.date_joined, user.tzinfo)
    if joined.year > year:
        return Decimal(0)
    first = max(date(year, 1, 1), joined)
    year_days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    employed = Decimal((date(year, 12, 31) - first).days + 1) / year_days
    hours_share = Decimal(user.weekly_contract_hours) / Decimal(settings.FULL_TIME_WEEKLY_HOURS)
    days = _round_half(leave_type.annual_allowance * employed * hours_share)
    if leave_type.unit == LeaveType.Unit.HOUR:
        return (days * user.hours_per_work_day).quantize(Decimal("0.01"))
    return days


@transaction.atomic
def leave_accrue_year(*, year: int, actor: User | None = None, users=None) -> dict[str, int]:
    """Open leave year `year` for every active user: close last year's balance, carry over
    up to `max_carry_over`, and credit the pro-rated allowance. Idempotent: every row has
    a key, so running it twice changes nothing."""
    written = {"accrual": 0, "carry_over": 0, "expiry": 0}
    users = users if users is not None else User.objects.filter(is_active=True)
    types = list(LeaveType.objects.filter(active=True, tracks_balance=True))
    new_year = date(year, 1, 1)
    for user in users:
        for leave_type in types:
            left = selectors.leave_balance_as_of(user, leave_type, date(year - 1, 12, 31))
            if left:
                carried = min(left, leave_type.max_carry_over) if left > 0 else left
                if _ledger_write(
                    key=f"close:{user.pk}:{leave_type.pk}:{year - 1}",
                    user=user,
                    leave_type=leave_type,
                    on=new_year,
                    amount=-left,
                    kind=Kind.EXPIRY,
                    note=f"{year - 1} closed",
                    actor=actor,
                ):
                    written["expiry"] += 1
                if carried and _ledger_write(
                    key=f"carry:{user.pk}:{leave_type.pk}:{year}",
                    user=user,
                    leave_type=leave_type,
                    on=new_year,
                    amount=carried,
                    kind=Kind.CARRY_OVER,
                    note=f"Carried over from {year - 1}",
                    actor=actor,
                ):
                    written["carry_over"] += 1
            allowance = prorated_allowance(user, leave_type, year)
            if allowance and _ledger_write(
                key=f"accrual:{user.pk}:{leave_type.pk}:{year}",
                user=user,
                leave_type=leave_type,
                on=max(new_year, timezone.localdate(user.date_joined, user.tzinfo)),
                amount=allowance,
                kind=Kind.ACCRUAL,
                note=f"Allowance {year}",
                actor=actor,
            ):
                written["accrual"] += 1
    return written


@transaction.atomic
def leave_carry_over_expire(*, today: date) -> int:
    """On each type's expiry date, the part of the carry-over not used by then lapses."""
    expired = 0
    carry_rows = LeaveLedgerEntry.objects.filter(
        kind=Kind.CARRY_OVER, amount__gt=0, leave_type__carry_over_expires_month__isnull=False
    ).select_related("leave_type", "user")
    for row in carry_rows:
        leave_type = row.leave_type
        month = leave_type.carry_over_expires_month
        # Clamp a day the month lacks (29 February in a common year) to the month's last day.
        expiry = date(row.date.year, month, min(leave_type.carry_over_expires_day, monthrange(row.date.year, month)[1]))
        if expiry > today:
            continue
        spent = LeaveLedgerEntry.objects.filter(
            user=row.user,
            leave_type=leave_type,
            kind__in=[Kind.DEBIT, Kind.CREDIT, Kind.ADJUSTMENT],
            date__gte=date(row.date.year, 1, 1),
            date__lt=expiry,
        ).values_list("amount", flat=True)
        used = max(Decimal(0), -sum(spent, Decimal(0)))
        lapsing = row.amount - min(row.amount, used)
        if lapsing > 0 and _ledger_write(
            key=f"carry-expiry:{row.user_id}:{leave_type.pk}:{row.date.year}",
            user=row.user,
            leave_type=leave_type,
            on=expiry,
            amount=-lapsing,
            kind=Kind.EXPIRY,
            note=f"Carry-over from {row.date.year - 1} expired",
        ):
            expired += 1
    return expired


# --- holidays ------------------------------------------------------------------------------


def _recount(requests, *, actor: User | None, note: str, data: dict) -> int:
    """Re-count each request's length as calendars and contracts now stand; an approved one
    books the difference to the ledger as an adjustment, with an audit event. Returns how
    many requests changed."""
    changed = 0
    for request in requests.select_related("user", "leave_type").select_for_update(of=("self",)):
        length = selectors.leave_length(
            request.user, request.start_date, request.end_date, request.start_half, request.end_half
        )
        old_amount = request.amount
        request.working_days, request.hours = length.working_days, length.hours
        difference = request.amount - old_amount
        if not difference:
            continue
        changed += 1
        request.save(update_fields=["working_days", "hours", "updated_at"])
        if request.status == Status.APPROVED and request.leave_type.tracks_balance:
            _ledger_write(
                key=f"recalc:{request.pk}:{uuid.uuid4()}",
                user=request.user,
                leave_type=request.leave_type,
                on=request.start_date,
                amount=-difference,
                kind=Kind.ADJUSTMENT,
                request=request,
                note=note,
                actor=actor,
            )
            audit_event_record(
                action="leave_recalculated", actor=actor, target=request, data={**data, "difference": str(difference)}
            )
    return changed


def _recalculate_after_holiday_change(*, calendar: HolidayCalendar, day: date, actor: User | None, reason: str):
    """Requests covering `day` of everyone on `calendar` are re-counted."""
    affected = LeaveRequest.objects.filter(
        user__in=selectors.users_on_calendar(calendar.pk),
        status__in=[Status.PENDING, Status.APPROVED],
        start_date__lte=day,
        end_date__gte=day,
    )
    _recount(affected, actor=actor, note=f"{reason} on {day}", data={"day": day.isoformat(), "reason": reason})


@transaction.atomic
def leave_requests_recount(*, user_ids, since: date, actor: User | None, reason: str) -> int:
    """What makes a leave day long changed for these people (their holiday calendar, their
    working days or contract hours): their pending and approved requests that end on or
    after `since` are re-counted, approved ones booking the difference. Leave taken before
    stays as it was counted then."""
    affected = LeaveRequest.objects.filter(
        user_id__in=list(user_ids), status__in=[Status.PENDING, Status.APPROVED], end_date__gte=since
    )
    return _recount(affected, actor=actor, note=reason, data={"since": since.isoformat(), "reason": reason})


@transaction.atomic
def holiday_calendar_delete(*, calendar: HolidayCalendar, actor: User) -> None:
    """Delete a calendar with its holidays; the people it applied to have their coming
    leave re-counted without those holidays."""
    ensure_admin(actor, what="delete holiday calendars")
    user_ids = list(selectors.users_on_calendar(calendar.pk).values_list("pk", flat=True))
    name = str(calendar)
    calendar.delete()
    audit_event_record(action="holidaycalendar_deleted", actor=actor, data={"repr": name})
    leave_requests_recount(
        user_ids=user_ids, since=actor.local_today(), actor=actor, reason=f"Holiday calendar {name} deleted"
    )


@transaction.atomic
def holiday_create(
    *, calendar: HolidayCalendar, day: date, name: str, half_day: bool = False, actor: User | None = None
) -> Holiday:
    """Add a company day or public holiday (admins); approved leave on that day is re-counted."""
    if actor is not None:
        ensure_admin(actor, what="change holiday calendars")
    return _holiday_add(calendar=calendar, day=day, name=name, half_day=half_day, actor=actor, imported=False)


def _holiday_add(*, calendar, day, name, half_day, actor, imported) -> Holiday:
    if Holiday.objects.filter(calendar=calendar, date=day).exists():
        raise Conflict(f"{calendar} already has a holiday on {day}.", code="duplicate")
    holiday = Holiday.objects.create(calendar=calendar, date=day, name=name, half_day=half_day, imported=imported)
    _recalculate_after_holiday_change(calendar=calendar, day=day, actor=actor, reason=f"Holiday {name} added")
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday, actor: User) -> None:
    ensure_admin(actor, what="change holiday calendars")
    calendar, day, name = holiday.calendar, holiday.date, holiday.name
    holiday.delete()
    _recalculate_after_holiday_change(calendar=calendar, day=day, actor=actor, reason=f"Holiday {name} removed")


@transaction.atomic
def holidays_import(*, calendar: HolidayCalendar, year: int, actor: User | None = None) -> list[Holiday]:
    """Add the public holidays of `year` for the calendar's country (and subdivision) from
    the `holidays` package; days already in the calendar are left as they are."""
    if actor is not None:
        ensure_admin(actor, what="import holidays")
    if not 1900 <= year <= 2200:
        raise DomainValidationError("Give a year between 1900 and 2200.", field="year")
    supported = holidays_package.list_supported_countries()
    if calendar.country.upper() not in supported:
        raise DomainValidationError(f"No holidays known for country '{calendar.country}'.", field="country")
    subdivisions = supported[calendar.country.upper()]
    if calendar.subdivision and calendar.subdivision not in subdivisions:
        raise DomainValidationError(
            f"'{calendar.subdivision}' is not a subdivision of {calendar.country} "
            f"(e.g. {', '.join(subdivisions[:5])}).",
            field="subdivision",
        )
    try:
        public = holidays_package.country_holidays(calendar.country, subdiv=calendar.subdivision or None, years=year)
    except NotImplementedError as error:
        raise DomainValidationError(f"No holidays known for country '{calendar.country}'.", field="country") from error
    except ValueError as error:
        raise DomainValidationError(str(error), field="subdivision") from error
    existing = set(Holiday.objects.filter(calendar=calendar, date__year=year).values_list("date", flat=True))
    created = [
        _holiday_add(calendar=calendar, day=day, name=name, half_day=False, actor=actor, imported=True)
        for day, name in sorted(public.items())
        if day not in existing
    ]
    audit_event_record(
        action="holidays_imported", actor=actor, target=calendar, data={"year": year, "created": len(created)}
    )
    return created


# --- calendar feeds ------------------------------------------------------------------------


def calendar_feeds_for(user: User) -> list[CalendarFeed]:
    """The user's ICS feeds: a personal one, and a team one for managers and admins."""
    scopes = [CalendarFeed.Scope.PERSONAL]
    if user.is_manager or user.is_admin:
        scopes.append(CalendarFeed.Scope.TEAM)
    return [CalendarFeed.objects.get_or_create(user=user, scope=scope)[0] for scope in scopes]


@transaction.atomic
def calendar_feed_regenerate(*, feed: CalendarFeed, actor: User) -> CalendarFeed:
    """A new secret token; the old URL stops working at once."""
    if feed.user_id != actor.pk:
        raise Forbidden("You can only regenerate your own feeds.")
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    audit_event_record(action="calendar_feed_regenerated", actor=actor, target=feed)
    return feed
