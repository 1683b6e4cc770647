"""The leave ledger: one signed row per movement of a balance, written once by key; the
balance check requests must pass; manual adjustments, the yearly accrual with carry-over,
and the lapse of carry-over not used by its expiry day."""

import uuid
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from core.texts import ShortDate, Template, Text
from leave import selectors, selectors_lapse
from leave.models import LeaveLedgerEntry, LeaveType
from leave.services.entitlement import entitlement
from users.closings import ensure_months_open
from users.models import User
from users.permissions import ensure_admin
from users.schedules import Schedule, schedule_of, schedules_of

Kind = LeaveLedgerEntry.Kind


def ledger_note_fields(note: str) -> dict:
    """A note as a ledger row keeps it: a written one (a `Text`) in English in `note`, as the
    API has always carried it, and as a code with parameters each reader sees in their own
    language (`LeaveLedgerEntry.note_text`); a note an admin typed as it was typed."""
    if not isinstance(note, Text):
        return {"note": note[:255]}
    data = note.as_data()
    return {"note": note.english()[:255], "note_code": data["code"], "note_params": data["params"]}


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
    statutory: Decimal = Decimal(0),
) -> LeaveLedgerEntry | None:
    """Write one ledger row once: a second call with the same key changes nothing. A
    request's row dated in a leave year already closed closes that year again
    (`ledger_reclose_year`)."""
    try:
        with transaction.atomic():
            entry = LeaveLedgerEntry.objects.create(
                idempotency_key=key,
                user=user,
                leave_type=leave_type,
                date=on,
                amount=amount,
                statutory=statutory,
                kind=kind,
                request=request,
                related_request=related_request,
                **ledger_note_fields(note),
                created_by=actor,
            )
    except IntegrityError:
        if LeaveLedgerEntry.objects.filter(idempotency_key=key).exists():
            return None
        raise
    if request is not None:
        ledger_reclose_year(user=user, leave_type=leave_type, year=on.year, actor=actor)
    return entry


def _closing_keys(user: User, leave_type: LeaveType, year: int) -> tuple[str, str, str]:
    """The keys of `year`'s closing rows (`leave_accrue_year`) and the prefix of its corrections."""
    prefix = f"reclose:{user.pk}:{leave_type.pk}:{year}:"
    return f"close:{user.pk}:{leave_type.pk}:{year}", f"carry:{user.pk}:{leave_type.pk}:{year + 1}", prefix


def _closing_rows(user: User, leave_type: LeaveType, year: int):
    """`year`'s closing rows, or the next year's accrual: none while `year` is not closed.
    The yearly run closes a year on the next 1 January, so this year and later ones are
    not asked about (no query on the usual path)."""
    if year >= user.local_today().year:
        return LeaveLedgerEntry.objects.none()
    close_key, carry_key, prefix = _closing_keys(user, leave_type, year)
    return LeaveLedgerEntry.objects.filter(user=user, leave_type=leave_type).filter(
        Q(idempotency_key__in=[close_key, carry_key, f"accrual:{user.pk}:{leave_type.pk}:{year + 1}"])
        | Q(idempotency_key__startswith=prefix)
    )


def _year_closing(user: User, leave_type: LeaveType, year: int, left: Decimal) -> tuple[Decimal, Decimal]:
    """(closed, carried): what closing leave year `year` with `left` takes off as the year's
    close, and what of it is carried into the next. One rule for the yearly close
    (`_close_year`) and a late re-close (`ledger_reclose_year`): a carry-over whose lapse
    illness postponed stays on the books (not closed); the rest is carried, up to
    `max_carry_over` only when a forfeiture notice for `year` is on record and sickness did
    not cover every working day from the notice to 31 December; without one nothing lapses."""
    year_end = date(year, 12, 31)
    kept = min(max(left, Decimal(0)), selectors_lapse.postponed_unused(user, leave_type, year, year_end))
    closed = left - kept
    carried = closed
    notice = selectors_lapse.notice_for(user, leave_type, year) if closed > 0 else None
    if notice is not None:
        told_on = timezone.localdate(notice.sent_at, user.tzinfo)
        if not selectors_lapse.sick_throughout(user, told_on, year_end):
            carried = min(closed, leave_type.max_carry_over)
    return closed, carried


def closed_year_carry_loss(*, user: User, leave_type: LeaveType, year: int, amount: Decimal) -> Decimal:
    """What debiting `amount` in leave year `year` takes from the next year too, when
    `year` is closed already: the part of the carry-over it uses up (0 when not closed)."""
    if not amount or not _closing_rows(user, leave_type, year).exists():
        return Decimal(0)
    left = selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31))
    return _year_closing(user, leave_type, year, left)[1] - _year_closing(user, leave_type, year, left - amount)[1]


def ledger_reclose_year(*, user: User, leave_type: LeaveType, year: int, actor: User | None = None) -> int:
    """When a request books into a leave year `leave_accrue_year` has already closed (a New
    Year request approved in January, its cancellation, a sick credit), what that year
    left changed after its closing: the closing is done again, one expiry and one
    carry-over correction dated 1 January of the next year, so the change counts in its
    own year and the next year gets the carry-over it would have had (`_year_closing`, the
    yearly close's own rule: notices, illness, `max_carry_over`). Years not closed yet are
    left alone; the closing follows on. Returns the rows written."""
    close_key, carry_key, prefix = _closing_keys(user, leave_type, year)
    closing = _closing_rows(user, leave_type, year)
    if not closing.exists():
        return 0
    User.objects.select_for_update().filter(pk=user.pk).first()  # one re-closing at a time per person
    expired = carried = Decimal(0)
    for key, amount in closing.values_list("idempotency_key", "amount"):
        if key == close_key or key.startswith(f"{prefix}expiry:"):
            expired += amount
        elif key == carry_key or key.startswith(f"{prefix}carry:"):
            carried += amount
    left = selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31))
    closed, wanted_carry = _year_closing(user, leave_type, year, left)
    written = 0
    for part, kind, difference in (
        ("expiry", Kind.EXPIRY, -closed - expired),
        ("carry", Kind.CARRY_OVER, wanted_carry - carried),
    ):
        if difference and ledger_write(
            key=f"{prefix}{part}:{uuid.uuid4()}",
            user=user,
            leave_type=leave_type,
            on=date(year + 1, 1, 1),
            amount=difference,
            kind=kind,
            note=Template(gettext_noop("%(year)s closed again: %(left)s left after a late change"))
            % {"year": year, "left": Decimal(_fmt(left))},
            actor=actor,
        ):
            written += 1
    if written:  # the next year's own closing, if done, follows
        written += ledger_reclose_year(user=user, leave_type=leave_type, year=year + 1, actor=actor)
    return written


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
            values = {"type": leave_type.name, "available": _fmt(available), "unit": unit, "year": year}
            values["requested"] = _fmt(amount)
            if year == on.year and not name_year:
                message = _("Not enough %(type)s left: %(available)s %(unit)s available, %(requested)s requested.")
            else:
                message = _(
                    "Not enough %(type)s left: %(available)s %(unit)s available in %(year)s, %(requested)s requested."
                )
            message %= values
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
    ensure_admin(actor, denied=_("Only admins can adjust leave balances."))
    if not note.strip():
        raise DomainValidationError(_("Say why the balance is adjusted."), field="note")
    if amount == 0:
        raise DomainValidationError(_("An adjustment needs a non-zero amount."), field="amount")
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


@transaction.atomic
def ledger_payout(
    *, actor: User, user: User, leave_type: LeaveType, amount: Decimal, on: date, note: str
) -> LeaveLedgerEntry:
    """Days of leave paid out with the salary (`amount` negative). While the person is
    employed only the contractual extra left may be paid out: the statutory minimum is for
    rest, and money replaces it only when the employment ends (BUrlG §7(4), WTD Art. 7(2)).
    From `employment_end` on, what is left is paid out, its statutory part recorded."""
    ensure_admin(actor, denied=_("Only admins can pay out leave."))
    if not note.strip():
        raise DomainValidationError(_("Say why the leave is paid out."), field="note")
    if amount >= 0:
        raise DomainValidationError(_("A payout takes days away: give a negative amount."), field="amount")
    # Payroll was paid from the closed month's figures; a payout dated in it would not reach them.
    ensure_months_open(user=user, first=on)
    user = User.objects.select_for_update().get(pk=user.pk)  # two payouts at once spend the balance once
    year_end = date(on.year, 12, 31)
    left = selectors.leave_balance_as_of(user, leave_type, year_end)
    statutory_left = selectors.entitlement_parts_of([user.pk], [leave_type], year_end)[(user.pk, leave_type.pk)][
        "statutory_left"
    ]
    extra_left = max(Decimal(0), left - statutory_left)
    days = -amount
    if days > left:
        raise Conflict(
            _("Only %(left)s %(unit)s of %(type)s left in %(year)s.")
            % {
                "left": _fmt(left),
                "unit": leave_type.get_unit_display().lower(),
                "type": leave_type.name,
                "year": on.year,
            },
            code="insufficient_balance",
        )
    has_left = user.employment_end is not None and on >= user.employment_end
    if days > extra_left and not has_left:
        raise Conflict(
            _(
                "Only the contractual extra (%(extra)s left) can be paid out while %(user)s is employed; "
                "the statutory minimum (%(statutory)s left) is paid out only when the employment ends."
            )
            % {"extra": _fmt(extra_left), "user": user, "statutory": _fmt(statutory_left)},
            code="statutory_leave_payout",
        )
    entry = ledger_write(
        key=f"payout:{uuid.uuid4()}",
        user=user,
        leave_type=leave_type,
        on=on,
        amount=amount,
        statutory=-max(Decimal(0), days - extra_left),
        kind=Kind.PAYOUT,
        note=note,
        actor=actor,
    )
    audit_event_record(action="leave_paid_out", actor=actor, target=entry, data={"amount": str(amount), "note": note})
    return entry


def prorated_allowance(user: User, leave_type: LeaveType, year: int, schedule: Schedule | None = None) -> Decimal:
    """The year's entitlement in the type's unit (`entitlement.entitlement`: by work days
    under each contract version, employment, the statutory minimum, BUrlG §4 and §5)."""
    return entitlement(leave_type, year, schedule or schedule_of(user)).total


def _accrue(*, user: User, leave_type: LeaveType, year: int, schedule: Schedule, actor: User | None) -> bool:
    """Credit `year`'s entitlement once (key `accrual:<user>:<type>:<year>`, the same for the
    yearly run and a new person's booking), its statutory part apart, on 1 January or the
    first day of employment. True when a row was written."""
    owed = entitlement(leave_type, year, schedule)
    return bool(
        owed.total
        and ledger_write(
            key=f"accrual:{user.pk}:{leave_type.pk}:{year}",
            user=user,
            leave_type=leave_type,
            on=max(date(year, 1, 1), schedule.employment_start),
            amount=owed.total,
            statutory=owed.statutory,
            kind=Kind.ACCRUAL,
            note=Template(gettext_noop("Allowance %(year)s")) % {"year": year},
            actor=actor,
        )
    )


# Rows that re-count a year's entitlement after its accrual: `entitlement:` now, `leaver:`
# as the leaver's pro-rating wrote them before (issue 15).
RECOUNT_KEY_PREFIXES = ("entitlement:", "leaver:")


def _recount_rows(user: User, leave_type: LeaveType):
    keyed = Q()
    for prefix in RECOUNT_KEY_PREFIXES:
        keyed |= Q(idempotency_key__startswith=f"{prefix}{user.pk}:{leave_type.pk}:")
    return LeaveLedgerEntry.objects.filter(keyed, user=user, leave_type=leave_type)


@transaction.atomic
def leave_entitlement_recount(*, user_ids, since: date | None = None, actor: User | None = None) -> int:
    """Book the difference between what the entitlement rules give a year now and what its
    accrual and earlier re-counts booked: when a contract version changes the work days, or
    an employment ends (BUrlG §5) or its end moves or is withdrawn. Years counted: those
    accrued from `since` (this year at the earliest), the year of the employment's end, and
    years re-counted before. The difference is an adjustment dated with the accrual, so the
    balance check knows it all year; its statutory part rides along (a change that moves
    days between the parts alone is two rows). Idempotent; the person's row is locked, so
    two re-counts at once book once. Years not accrued yet are left to their accrual.
    Returns the rows written."""
    written = 0
    types = list(LeaveType.objects.filter(active=True, tracks_balance=True))
    users = list(User.objects.select_for_update().filter(pk__in=list(user_ids)).order_by("pk"))
    schedules = schedules_of(users)
    for user in users:
        floor = max(user.local_today().year, since.year if since else 0)
        end = user.employment_end
        for leave_type in types:
            accruals = LeaveLedgerEntry.objects.filter(user=user, leave_type=leave_type, kind=Kind.ACCRUAL)
            recounts = _recount_rows(user, leave_type)
            years = {day.year for day in accruals.values_list("date", flat=True) if day.year >= floor}
            years |= {day.year for day in recounts.values_list("date", flat=True)}
            years |= {end.year} if end else set()
            for year in sorted(years):
                written += _recount_year(user, leave_type, year, schedules[user.pk], accruals, recounts, actor)
    return written


def _recount_year(user, leave_type, year, schedule, accruals, recounts, actor) -> int:
    booked_rows = list(accruals.filter(date__year=year)) + list(recounts.filter(date__year=year))
    accrued = [row for row in booked_rows if row.kind == Kind.ACCRUAL]
    if not accrued:
        return 0
    owed = entitlement(leave_type, year, schedule)
    total = owed.total - sum((row.amount for row in booked_rows), Decimal(0))
    statutory = owed.statutory - sum((row.statutory for row in booked_rows), Decimal(0))
    if not total and not statutory:
        return 0
    if statutory * total >= 0 and abs(statutory) <= abs(total):
        parts = [(total, statutory)]
    else:  # the statutory part moves on its own: one row for it, one for the extra
        parts = [(statutory, statutory), (total - statutory, Decimal(0))]
    end = schedule.employment_end
    note = (
        Template(gettext_noop("Entitlement %(year)s re-counted (leaving on %(end)s)"))
        % {"year": year, "end": ShortDate(end)}
        if end and end.year == year
        else Template(gettext_noop("Entitlement %(year)s re-counted")) % {"year": year}
    )
    written = 0
    for index, (amount, statutory_part) in enumerate(parts):
        # Keyed by how many re-count rows the year had: a second re-count of the same state
        # (run at once in another transaction) hits the same key and writes nothing.
        if amount and ledger_write(
            key=f"entitlement:{user.pk}:{leave_type.pk}:{year}:{len(booked_rows) - len(accrued)}:{index}",
            user=user,
            leave_type=leave_type,
            on=min(row.date for row in accrued),
            amount=amount,
            statutory=statutory_part,
            kind=Kind.ADJUSTMENT,
            note=note,
            actor=actor,
        ):
            written += 1
    return written


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
    left = selectors.leave_balance_as_of(user, leave_type, date(year, 12, 31))
    rest, carried = _year_closing(user, leave_type, year, left)
    if not rest:
        return
    notice = selectors_lapse.notice_for(user, leave_type, year)
    new_year = date(year + 1, 1, 1)
    if ledger_write(
        key=f"close:{user.pk}:{leave_type.pk}:{year}",
        user=user,
        leave_type=leave_type,
        on=new_year,
        amount=-rest,
        kind=Kind.EXPIRY,
        note=Template(gettext_noop("%(year)s closed")) % {"year": year},
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
        note=(
            Template(gettext_noop("Carried over from %(year)s"))
            if notice is not None
            else Template(gettext_noop("Carried over from %(year)s (no forfeiture notice: nothing lapses)"))
        )
        % {"year": year},
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
        note = (
            Template(gettext_noop("Carry-over from %(year)s expired (kept over long-term illness until %(day)s)"))
            % {"year": year - 1, "day": ShortDate(lapse.last_day)}
            if lapse.postponed
            else Template(gettext_noop("Carry-over from %(year)s expired")) % {"year": year - 1}
        )
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
