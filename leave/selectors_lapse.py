"""Reads behind the lapse of leave (docs/COMPLIANCE.md §3, §4, §9): when a carry-over
expires, how much of it was used by then, whether a forfeiture notice is on record, and
whether long-term illness postpones the lapse.

The rules, in one place:

- The carry-over into year Y may be taken up to and including its expiry day E (the
  type's `carry_over_expires_month`/`_day`, 31 March); what is unused lapses at the end of
  E, booked on the day after.
- "Used" is leave taken, day by day: the working days of approved requests of the type
  from 1 January Y to E (a request starting in March uses the carry-over only for its days
  up to E), net of sick days inside them (BUrlG §9), plus every day in Y of requests
  approved on or before E: leave approved before the expiry is booked against the
  carry-over first, so the lapse cannot push it into a negative balance. Manual
  adjustments are never use (a positive one adds entitlement, it takes no leave).
- Nothing lapses, at New Year or at E, unless a forfeiture notice for the year the days
  come from is on record (CJEU C-684/16, BAG 9 AZR 541/15).
- Long-term illness (CJEU C-214/10 KHS): when the person was sick on every working day of
  the carry-over period (1 January Y to E), the carry-over into Y lapses only at the end of
  31 March Y+1, fifteen months after the end of the year it comes from.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from leave import selectors
from leave.models import LeaveForfeitureNotice, LeaveLedgerEntry, LeaveRequest, LeaveType
from users.models import User
from users.schedules import schedule_of

ZERO = Decimal(0)
Status = LeaveRequest.Status


def carry_over_expiry(leave_type: LeaveType, year: int) -> date | None:
    """The last day the carry-over into `year` may be taken (None: it never expires). A day
    the month lacks is clamped to its last day."""
    month, day = leave_type.carry_over_expires_month, leave_type.carry_over_expires_day
    if month is None:
        return None
    return date(year, month, min(day, monthrange(year, month)[1]))


def illness_expiry(year: int) -> date:
    """The last day the carry-over into `year` may be taken when long-term illness kept the
    person from taking it: 31 March of the next year, fifteen months after the end of the
    year the days come from (CJEU C-214/10 KHS)."""
    return date(year + 1, 3, 31)


def notice_for(user: User, leave_type: LeaveType, year: int) -> LeaveForfeitureNotice | None:
    """The forfeiture notice on record for `user`'s leave of `year`, if any."""
    return LeaveForfeitureNotice.objects.filter(user=user, leave_type=leave_type, year=year).first()


def _sick_halves(user: User, start: date, end: date) -> dict[date, set[str]]:
    """The halves of each day from `start` to `end` covered by approved sick leave (types that
    `interrupts_leave`)."""
    covered: dict[date, set[str]] = {}
    sick = LeaveRequest.objects.filter(
        user=user,
        status=Status.APPROVED,
        leave_type__interrupts_leave=True,
        start_date__lte=end,
        end_date__gte=start,
    )
    for request in sick:
        for day in selectors.daterange(max(start, request.start_date), min(end, request.end_date)):
            halves = selectors.requested_halves(
                day, request.start_date, request.end_date, request.start_half, request.end_half
            )
            covered.setdefault(day, set()).update(halves)
    return covered


def sick_throughout(user: User, start: date, end: date) -> bool:
    """Whether approved sick leave covers every working half day of `user` from `start` to
    `end` (under the contract in force each day); False when the span has no working day."""
    if end < start:
        return False
    schedule = schedule_of(user)
    days = selectors.contract_days(user, schedule, start, end)
    holidays = selectors.holidays_by_calendar({item.calendar_id for item in days}, start, end)
    sick = _sick_halves(user, start, end)
    worked_any = False
    for item in days:
        working = selectors.working_halves(item.terms, item.day, holidays[item.calendar_id])
        if not working:
            continue
        worked_any = True
        if not working <= sick.get(item.day, set()):
            return False
    return worked_any


def leave_taken(
    user: User,
    leave_type: LeaveType,
    start: date,
    end: date,
    *,
    approved_by: date | None = None,
    through: date | None = None,
) -> Decimal:
    """Leave of `leave_type` approved for `user` on the days from `start` to `end`, in the
    type's unit, net of sick days inside it; with `approved_by`, also the days after `end`
    up to `through` of requests approved on or before `approved_by` (in the person's time
    zone)."""
    last = max(end, through or end)
    requests = list(
        LeaveRequest.objects.filter(
            user=user, leave_type=leave_type, status=Status.APPROVED, start_date__lte=last, end_date__gte=start
        )
    )
    if not requests:
        return ZERO
    schedule = schedule_of(user)
    days = {item.day: item for item in selectors.contract_days(user, schedule, start, last)}
    holidays = selectors.holidays_by_calendar({item.calendar_id for item in days.values()}, start, last)
    sick = _sick_halves(user, start, last)
    total = ZERO
    for request in requests:
        upto = end
        decided = timezone.localdate(request.decided_at, user.tzinfo) if request.decided_at else None
        if approved_by is not None and decided is not None and decided <= approved_by:
            upto = last
        for day in selectors.daterange(max(start, request.start_date), min(upto, request.end_date)):
            item = days[day]
            halves = (
                selectors.working_halves(item.terms, day, holidays[item.calendar_id])
                & selectors.requested_halves(
                    day, request.start_date, request.end_date, request.start_half, request.end_half
                )
            ) - sick.get(day, set())
            if not halves:
                continue
            share = Decimal(len(halves)) / 2
            total += share * item.terms.hours_per_work_day if leave_type.unit == LeaveType.Unit.HOUR else share
    return total


@dataclass(frozen=True)
class CarryOverLapse:
    """What becomes of the carry-over into `year`: `amount` unused and lapsing at the end of
    `last_day` (booked the next day), or nothing when `kept` says why it does not lapse."""

    year: int
    carried: Decimal
    last_day: date | None
    amount: Decimal
    postponed: bool = False
    kept: str = ""

    @property
    def lapses_on(self) -> date | None:
        return self.last_day + timedelta(days=1) if self.last_day else None


def carried_into(user: User, leave_type: LeaveType, year: int) -> Decimal:
    """The carry-over booked into `year` (the sum of its carry-over rows)."""
    rows = LeaveLedgerEntry.objects.filter(
        user=user, leave_type=leave_type, kind=LeaveLedgerEntry.Kind.CARRY_OVER, date__year=year
    ).values_list("amount", flat=True)
    return sum(rows, ZERO)


def _postponed(user: User, leave_type: LeaveType, year: int) -> tuple[Decimal, date] | None:
    """The carry-over into `year` and its last day when long-term illness postponed its lapse
    (a notice on record for `year - 1`, sick on every working day of the carry-over period),
    else None. Asked once the carry-over period is over."""
    carried = carried_into(user, leave_type, year)
    expiry = carry_over_expiry(leave_type, year)
    if carried <= 0 or expiry is None or notice_for(user, leave_type, year - 1) is None:
        return None
    if not sick_throughout(user, date(year, 1, 1), expiry):
        return None
    return carried, illness_expiry(year)


def postponed_unused(user: User, leave_type: LeaveType, year: int, until: date) -> Decimal:
    """Of the carry-over into `year` whose lapse illness postponed, what leave taken from
    1 January `year` to `until` has not used yet (0 when it was not postponed)."""
    postponed = _postponed(user, leave_type, year)
    if postponed is None:
        return ZERO
    used = leave_taken(user, leave_type, date(year, 1, 1), until) - _used_by_older(user, leave_type, year, until)
    return max(ZERO, postponed[0] - max(ZERO, used))


def carry_over_lapse(user: User, leave_type: LeaveType, year: int, *, as_of: date | None = None) -> CarryOverLapse:
    """The lapse of the carry-over into `year` by the rules in this module's docstring. The
    illness test needs the carry-over period to be over: before that (`as_of` up to E) the
    lapse is the ordinary one."""
    carried = carried_into(user, leave_type, year)
    expiry = carry_over_expiry(leave_type, year)
    if carried <= 0 or expiry is None:
        return CarryOverLapse(year=year, carried=carried, last_day=None, amount=ZERO, kept="never expires")
    if notice_for(user, leave_type, year - 1) is None:
        return CarryOverLapse(year=year, carried=carried, last_day=None, amount=ZERO, kept="no notice")
    if (as_of is None or as_of > expiry) and sick_throughout(user, date(year, 1, 1), expiry):
        last_day = illness_expiry(year)
        used = leave_taken(
            user, leave_type, date(year, 1, 1), last_day, approved_by=last_day, through=date(year + 1, 12, 31)
        )
        used = max(ZERO, used - _used_by_older(user, leave_type, year, last_day))
        return CarryOverLapse(
            year=year, carried=carried, last_day=last_day, amount=carried - min(carried, used), postponed=True
        )
    used = leave_taken(user, leave_type, date(year, 1, 1), expiry, approved_by=expiry, through=date(year, 12, 31))
    used = max(ZERO, used - _used_by_older(user, leave_type, year, expiry))
    return CarryOverLapse(year=year, carried=carried, last_day=expiry, amount=carried - min(carried, used))


def _used_by_older(user: User, leave_type: LeaveType, year: int, until: date) -> Decimal:
    """Leave taken in `year` up to `until` that went to the carry-over into the year before,
    when illness postponed its lapse into `year` (older days are used first). Only that one
    can still be open: a postponed lapse falls on 31 March of the next year."""
    older = _postponed(user, leave_type, year - 1)
    if older is None:
        return ZERO
    carried, last_day = older
    used_before = leave_taken(user, leave_type, date(year - 1, 1, 1), date(year - 1, 12, 31))
    left_for_this_year = max(ZERO, carried - used_before)
    used_now = leave_taken(user, leave_type, date(year, 1, 1), min(until, last_day))
    return min(left_for_this_year, used_now)
