"""The leave ledger: one signed row per movement of a balance, written once by key; the
balance check requests must pass; manual adjustments, the yearly accrual with carry-over,
and the lapse of carry-over not used by its expiry day."""

import uuid
from calendar import monthrange
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from leave import selectors, selectors_lapse
from leave.models import LeaveLedgerEntry, LeaveType
from users.models import User
from users.permissions import ensure_admin
from users.schedules import Schedule, Terms, schedule_of, schedules_of

Kind = LeaveLedgerEntry.Kind


def ledger_write(
    *,
    key: str,
    user: User,
    leave_type: LeaveType,
    on: date,
    amount: Decimal,
    kind: str,
    request=None,
    related_request=None,
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
                related_request=related_request,
                note=note[:255],
                created_by=actor,
            )
    except IntegrityError:
        if LeaveLedgerEntry.objects.filter(idempotency_key=key).exists():
            return None
        raise


def ensure_balance(
    *,
    user: User,
    leave_type: LeaveType,
    amount: Decimal,
    on: date,
    exclude_pk=None,
    conflict=False,
    name_year=False,
):
    """`amount` debited on `on` must fit the balance at the end of that year after the
    requests pending until then, and at the end of every later year someone has pending
    requests in (what is taken now is missing from the years after). `name_year`: the
    refusal names the year even when it is `on`'s (a request spanning New Year)."""
    if not leave_type.tracks_balance or leave_type.allow_negative or not leave_type.reduces_expected_hours:
        return  # time off in lieu draws on the working-time account: `account.ensure_toil_fits`
    pending = selectors.pending_by_year(user, leave_type, exclude_pk=exclude_pk)
    for year in sorted({on.year, *(year for year in pending if year > on.year)}):
        available = (
            selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31))
            + _allowance_not_booked_yet(user, leave_type, year)
            - sum((total for pending_year, total in pending.items() if pending_year <= year), Decimal(0))
            - _lapses_ahead(user, leave_type, year, pending)
        )
        if amount > available:
            unit = leave_type.get_unit_display().lower()
            message = (
                f"Not enough {leave_type.name} left: {_fmt(available)} {unit} available"
                f"{'' if year == on.year and not name_year else f' in {year}'}, {_fmt(amount)} requested."
            )
            if conflict:
                raise Conflict(message, code="insufficient_balance")
            raise DomainValidationError(message, field="end_date")


def _lapses_ahead(user: User, leave_type: LeaveType, year: int, pending: dict[int, Decimal]) -> Decimal:
    """What of the balance at the end of `year` will lapse before then and is not booked
    yet: a carry-over whose expiry day is over (its lapse is booked by the next run of the
    daily job), and, for a later year, what the close of each year before it takes above
    `max_carry_over` (the notice job is counted on to have told the person). A carry-over
    not expired yet lapses nothing here: leave approved now is booked against it first."""
    today = user.local_today()
    ahead = Decimal(0)
    carry_years = set(
        LeaveLedgerEntry.objects.filter(
            user=user,
            leave_type=leave_type,
            kind=Kind.CARRY_OVER,
            amount__gt=0,
            date__year__gte=today.year - 1,
            date__year__lte=min(today.year, year),
        ).values_list("date__year", flat=True)
    )
    for carry_year in sorted(carry_years):
        expiry = selectors_lapse.carry_over_expiry(leave_type, carry_year)
        if expiry is None or expiry >= today:
            continue  # not expired: leave approved now is booked against it first
        if LeaveLedgerEntry.objects.filter(
            idempotency_key=f"carry-expiry:{user.pk}:{leave_type.pk}:{carry_year}"
        ).exists():
            continue
        lapse = selectors_lapse.carry_over_lapse(user, leave_type, carry_year, as_of=today)
        if lapse.last_day is not None and lapse.last_day < today:
            ahead += lapse.amount
    for closing in range(today.year, year):
        if LeaveLedgerEntry.objects.filter(idempotency_key=f"close:{user.pk}:{leave_type.pk}:{closing}").exists():
            continue
        left = (
            selectors.leave_balance_as_of(user, leave_type, date(closing, 12, 31))
            + _allowance_not_booked_yet(user, leave_type, closing)
            - sum((total for pending_year, total in pending.items() if pending_year <= closing), Decimal(0))
            - ahead
        )
        ahead += max(Decimal(0), left - leave_type.max_carry_over)
    return ahead


def _allowance_not_booked_yet(user: User, leave_type: LeaveType, year: int) -> Decimal:
    """The allowances of the years after this one up to `year` that the yearly accrual has
    not booked yet (it runs on 1 January), as they will be: December's plans for next year
    are checked against next year's entitlement, not only what is left of this one."""
    this_year = user.local_today().year
    if year <= this_year:
        return Decimal(0)
    schedule = schedule_of(user)
    booked = set(
        LeaveLedgerEntry.objects.filter(
            user=user, leave_type=leave_type, kind=Kind.ACCRUAL, date__year__gt=this_year, date__year__lte=year
        ).values_list("date__year", flat=True)
    )
    return sum(
        (
            prorated_allowance(user, leave_type, later, schedule)
            for later in range(this_year + 1, year + 1)
            if later not in booked
        ),
        Decimal(0),
    )


def _fmt(amount: Decimal) -> str:
    """2.50 -> '2.5', 10.00 -> '10': the same text whichever database summed it."""
    return format(Decimal(amount).quantize(Decimal("0.01")).normalize(), "f")


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
    entry = ledger_write(
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


def contract_share(terms: Terms) -> Decimal:
    """How much of a full-time year's allowance a version earns per day under it: its weekly
    hours relative to the full-time week (`FULL_TIME_WEEKLY_HOURS`), the rule the allowance
    has always scaled by."""
    return terms.weekly_hours / Decimal(settings.FULL_TIME_WEEKLY_HOURS)


def prorated_allowance(user: User, leave_type: LeaveType, year: int, schedule: Schedule | None = None) -> Decimal:
    """The year's allowance pro-rated by the days of the year employed (from
    `employment_start` to `employment_end`) and, day by day, by the contract version in
    force (`contract_share`), to half days. In hours: those days times the versions' hours
    per work day (weighted by the days under each)."""
    schedule = schedule or schedule_of(user)
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    first = max(year_start, schedule.employment_start)
    last = min(year_end, schedule.employment_end or year_end)
    if first > last:
        return Decimal(0)
    year_days = (year_end - year_start).days + 1
    days_under: dict[Terms, int] = {}
    for day in selectors.daterange(first, last):
        terms = schedule.terms_on(day)
        days_under[terms] = days_under.get(terms, 0) + 1
    exact = {
        terms: leave_type.annual_allowance * Decimal(count) / year_days * contract_share(terms)
        for terms, count in days_under.items()
    }
    total = sum(exact.values(), Decimal(0))
    days = _round_half(total)
    if leave_type.unit == LeaveType.Unit.HOUR:
        if not total:
            return Decimal(0)
        hours_per_day = sum((share * terms.hours_per_work_day for terms, share in exact.items()), Decimal(0)) / total
        return (days * hours_per_day).quantize(Decimal("0.01"))
    return days


def _accrue(*, user: User, leave_type: LeaveType, year: int, schedule: Schedule, actor: User | None) -> bool:
    """Credit `year`'s pro-rated allowance once (key `accrual:<user>:<type>:<year>`, the
    same for the yearly run and a new person's booking), on 1 January or the first day of
    employment. True when a row was written."""
    allowance = prorated_allowance(user, leave_type, year, schedule)
    return bool(
        allowance
        and ledger_write(
            key=f"accrual:{user.pk}:{leave_type.pk}:{year}",
            user=user,
            leave_type=leave_type,
            on=max(date(year, 1, 1), schedule.employment_start),
            amount=allowance,
            kind=Kind.ACCRUAL,
            note=f"Allowance {year}",
            actor=actor,
        )
    )


def full_months_employed(first: date, last: date) -> int:
    """Whole months from `first` to `last`, both days included: a month is full on the day
    before the same day a month later (15 January to 14 February is one)."""
    months = 0
    while True:
        year, month = divmod(first.month - 1 + months + 1, 12)
        year += first.year
        month += 1
        next_start = date(year, month, min(first.day, monthrange(year, month)[1]))
        if (next_start - last).days > 1:
            return months
        months += 1


def _leaver_key_prefix(user: User, leave_type: LeaveType, year: int) -> str:
    return f"leaver:{user.pk}:{leave_type.pk}:{year}:"


@transaction.atomic
def leave_entitlement_prorate_for_leaver(*, user_ids, actor: User | None = None) -> int:
    """A leaver's entitlement for the year they leave is one twelfth of the year's allowance
    per full month employed in it (BUrlG §5), to half days: what that year's accrual gave is
    corrected by an adjustment dated with the accrual, so the balance check refuses leave
    beyond it all year. Idempotent, and follows
    changes: a later or cleared `employment_end` books the difference back. Years not yet
    accrued are left alone (their accrual is the place to pro-rate them). Returns the rows
    written."""
    written = 0
    types = list(LeaveType.objects.filter(active=True, tracks_balance=True))
    for user in User.objects.filter(pk__in=list(user_ids)):
        end = user.employment_end
        for leave_type in types:
            earlier = LeaveLedgerEntry.objects.filter(
                user=user, leave_type=leave_type, idempotency_key__startswith=f"leaver:{user.pk}:{leave_type.pk}:"
            )
            years = {row.year for row in earlier.values_list("date", flat=True)} | ({end.year} if end else set())
            for year in sorted(years):
                booked = sum(
                    earlier.filter(idempotency_key__startswith=_leaver_key_prefix(user, leave_type, year)).values_list(
                        "amount", flat=True
                    ),
                    Decimal(0),
                )
                accruals = list(
                    LeaveLedgerEntry.objects.filter(
                        user=user, leave_type=leave_type, kind=Kind.ACCRUAL, date__year=year
                    ).values_list("date", "amount")
                )
                accrued = sum((amount for _, amount in accruals), Decimal(0))
                wanted = Decimal(0)
                if end is not None and end.year == year and accrued:
                    first = max(date(year, 1, 1), user.employment_start)
                    months = full_months_employed(first, end) if first <= end else 0
                    wanted = _leaver_entitlement(user, leave_type, months) - accrued
                if wanted == booked:
                    continue
                ledger_write(
                    key=f"{_leaver_key_prefix(user, leave_type, year)}{uuid.uuid4()}",
                    user=user,
                    leave_type=leave_type,
                    on=min((day for day, _ in accruals), default=date(year, 1, 1)),
                    amount=wanted - booked,
                    kind=Kind.ADJUSTMENT,
                    note=f"Leaving on {end}: entitlement {year} pro-rated" if end else f"Leaving date {year} withdrawn",
                    actor=actor,
                )
                written += 1
    return written


def _leaver_entitlement(user: User, leave_type: LeaveType, months: int) -> Decimal:
    """`months` twelfths of the year's allowance at the person's contract hours, to half days."""
    hours_share = Decimal(user.weekly_contract_hours) / Decimal(settings.FULL_TIME_WEEKLY_HOURS)
    days = _round_half(leave_type.annual_allowance * months / 12 * hours_share)
    if leave_type.unit == LeaveType.Unit.HOUR:
        return (days * user.hours_per_work_day).quantize(Decimal("0.01"))
    return days


@transaction.atomic
def leave_accrue_year(*, year: int, actor: User | None = None, users=None) -> dict[str, int]:
    """Open leave year `year` for every active user: close last year's balance, carry over
    up to `max_carry_over` (all of it without a forfeiture notice: `_close_year`), and
    credit the pro-rated allowance. Idempotent: every row has
    a key, so running it twice changes nothing."""
    written = {"accrual": 0, "carry_over": 0, "expiry": 0}
    users = list(users if users is not None else User.objects.filter(is_active=True))
    schedules = schedules_of(users)
    types = list(LeaveType.objects.filter(active=True, tracks_balance=True))
    for user in users:
        for leave_type in types:
            _close_year(user=user, leave_type=leave_type, year=year - 1, actor=actor, written=written)
            if _accrue(user=user, leave_type=leave_type, year=year, schedule=schedules[user.pk], actor=actor):
                written["accrual"] += 1
    return written


def _close_year(*, user: User, leave_type: LeaveType, year: int, actor: User | None, written: dict) -> None:
    """Close leave year `year` on 1 January of the next: the balance left is closed and
    carried over, up to `max_carry_over` when a forfeiture notice for `year` is on record;
    without one nothing lapses (all of it is carried), nor when sickness covered every
    working day from the notice to 31 December. A carry-over into `year` whose lapse illness
    postponed stays on the books until its own expiry (`selectors_lapse`)."""
    year_end = date(year, 12, 31)
    left = selectors.leave_balance_as_of(user, leave_type, year_end)
    kept = min(max(left, Decimal(0)), selectors_lapse.postponed_unused(user, leave_type, year, year_end))
    rest = left - kept
    if not rest:
        return
    carried = rest
    notice = selectors_lapse.notice_for(user, leave_type, year)
    if rest > 0 and notice is not None:
        told_on = timezone.localdate(notice.sent_at, user.tzinfo)
        if not selectors_lapse.sick_throughout(user, told_on, year_end):
            carried = min(rest, leave_type.max_carry_over)
    new_year = date(year + 1, 1, 1)
    if ledger_write(
        key=f"close:{user.pk}:{leave_type.pk}:{year}",
        user=user,
        leave_type=leave_type,
        on=new_year,
        amount=-rest,
        kind=Kind.EXPIRY,
        note=f"{year} closed",
        actor=actor,
    ):
        written["expiry"] += 1
    if carried and ledger_write(
        key=f"carry:{user.pk}:{leave_type.pk}:{year + 1}",
        user=user,
        leave_type=leave_type,
        on=new_year,
        amount=carried,
        kind=Kind.CARRY_OVER,
        note=f"Carried over from {year}" + ("" if notice is not None else " (no forfeiture notice: nothing lapses)"),
        actor=actor,
    ):
        written["carry_over"] += 1


@transaction.atomic
def leave_entitlement_book_for_new_person(*, user: User, actor: User | None = None) -> int:
    """A new person's pro-rated allowance of the year they start in (this year, or a later
    one when they start then), booked at once instead of waiting for the yearly run. The
    keys are the yearly accrual's, so that run does not book it twice. Returns the rows
    written."""
    schedule = schedule_of(user)
    types = LeaveType.objects.filter(active=True, tracks_balance=True)
    years = sorted({user.local_today().year, schedule.employment_start.year})
    years = [year for year in years if year >= user.local_today().year]
    return sum(
        _accrue(user=user, leave_type=leave_type, year=year, schedule=schedule, actor=actor)
        for year in years
        for leave_type in types
    )


@transaction.atomic
def leave_carry_over_expire(*, today: date) -> int:
    """The carry-over not used by the end of its expiry day lapses the day after
    (`selectors_lapse.carry_over_lapse`: only with a forfeiture notice on record, fifteen
    months after the year's end under long-term illness). Idempotent: one row per
    carry-over, whenever the job runs after the expiry."""
    expired = 0
    carried = (
        LeaveLedgerEntry.objects.filter(
            kind=Kind.CARRY_OVER,
            amount__gt=0,
            leave_type__carry_over_expires_month__isnull=False,
            date__year__gte=today.year - 2,  # illness postpones a lapse by a year at most
        )
        .values_list("user_id", "leave_type_id", "date__year")
        .distinct()
    )
    users = {user.pk: user for user in User.objects.filter(pk__in={user_id for user_id, _, _ in carried})}
    expiring = LeaveType.objects.filter(carry_over_expires_month__isnull=False)
    types = {leave_type.pk: leave_type for leave_type in expiring}
    for user_id, type_id, year in sorted(set(carried)):
        key = f"carry-expiry:{user_id}:{type_id}:{year}"
        if LeaveLedgerEntry.objects.filter(idempotency_key=key).exists():
            continue
        user, leave_type = users[user_id], types[type_id]
        lapse = selectors_lapse.carry_over_lapse(user, leave_type, year, as_of=today)
        if lapse.last_day is None or lapse.last_day >= today or lapse.amount <= 0:
            continue
        note = f"Carry-over from {year - 1} expired"
        if lapse.postponed:
            note += f" (kept over long-term illness until {lapse.last_day})"
        if ledger_write(
            key=key,
            user=user,
            leave_type=leave_type,
            on=lapse.lapses_on,
            amount=-lapse.amount,
            kind=Kind.EXPIRY,
            note=note,
        ):
            expired += 1
    return expired
