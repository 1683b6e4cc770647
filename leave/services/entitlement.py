"""The yearly leave entitlement: how much a person is owed of a leave type in a year, and
which part of it is the statutory minimum. Pure arithmetic over the type, the year and the
person's `Schedule`; the ledger books what this gives (`ledger._accrue`, and
`ledger.leave_entitlement_recount` when the basis changes).

- By work days a week, not hours (BUrlG §3, TzBfG §4, CJEU C-486/08): the allowance is given
  for a `FULL_TIME_WORK_DAYS` week; each employed day earns at the work days of the contract
  version in force that day (a year under two versions is weighted by the days under each).
- Statutory minimum: four weeks at those work days (20 at five, 16 at four), on types with
  `statutory_annual_leave`; an allowance below it is raised to it. The rest is the
  contractual extra.
- Joiners and leavers (BUrlG §4, §5): whoever completes the six months' waiting period in the
  year and does not leave in its first half is owed the full statutory minimum; otherwise it
  is one twelfth per full month employed (§5(1)(a)-(c)). The contractual extra is pro-rated
  by full months in any year not employed throughout.
- Rounding (§5(2)): a fraction of half a day or more rounds up to a whole day; a smaller
  fraction is owed too (it may not be rounded away), and the ledger counts half days, so it
  rounds up to the half day.
"""

from calendar import monthrange
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings

from leave.models import LeaveType
from leave.selectors import daterange
from users.schedules import Schedule

ZERO = Decimal(0)
# BUrlG §3: 24 working days at a six-day week, four weeks at any number of days.
STATUTORY_WEEKS = Decimal(4)
WAITING_MONTHS = 6  # BUrlG §4


@dataclass(frozen=True)
class Entitlement:
    """A year's entitlement in the type's unit, and the statutory part of it."""

    total: Decimal
    statutory: Decimal

    @property
    def extra(self) -> Decimal:
        return self.total - self.statutory


NOTHING = Entitlement(total=ZERO, statutory=ZERO)


def statutory_minimum_days(work_days_per_week: int | Decimal) -> Decimal:
    """Four weeks of leave at `work_days_per_week`: 20 days at five, 16 at four."""
    return STATUTORY_WEEKS * Decimal(work_days_per_week)


def round_entitlement(days: Decimal) -> Decimal:
    """§5(2) BUrlG: half a day or more up to the whole day; a smaller fraction up to the half day."""
    days = Decimal(days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = days.to_integral_value(rounding=ROUND_FLOOR)
    fraction = days - whole
    if not fraction:
        return whole
    return whole + (Decimal(1) if fraction >= Decimal("0.5") else Decimal("0.5"))


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


def full_statutory_claim(schedule: Schedule, year: int) -> bool:
    """Whether `year` gives the full statutory minimum: the waiting period (six months from
    `employment_start`) is completed by the year's last day employed, and the person does
    not leave in the year's first half (§5(1)(c))."""
    end = schedule.employment_end
    last = min(date(year, 12, 31), end or date(year, 12, 31))
    if full_months_employed(schedule.employment_start, last) < WAITING_MONTHS:
        return False
    return not (end is not None and end.year == year and end <= date(year, 6, 30))


def entitlement(leave_type: LeaveType, year: int, schedule: Schedule) -> Entitlement:
    """`year`'s entitlement of `leave_type` under `schedule` (the module's rules), in the
    type's unit: in hours, the days times the hours of a work day under the versions."""
    first = max(date(year, 1, 1), schedule.employment_start)
    last = min(date(year, 12, 31), schedule.employment_end or date(year, 12, 31))
    if first > last:
        return NOTHING
    days_under = Counter(schedule.terms_on(day) for day in daterange(first, last))
    employed = sum(days_under.values())
    work_day_count = sum(len(terms.work_days) * count for terms, count in days_under.items())
    if not work_day_count:
        return NOTHING
    work_days_per_week = Decimal(work_day_count) / employed
    allowance = leave_type.annual_allowance * work_days_per_week / settings.FULL_TIME_WORK_DAYS
    minimum = statutory_minimum_days(work_days_per_week) if leave_type.statutory_annual_leave else ZERO
    extra = max(ZERO, allowance - minimum)
    share = Decimal(full_months_employed(first, last)) / 12
    statutory = minimum if full_statutory_claim(schedule, year) else minimum * share
    total_days = round_entitlement(statutory + extra * share)
    statutory_days = min(total_days, round_entitlement(statutory)) if statutory else ZERO
    if leave_type.unit != LeaveType.Unit.HOUR:
        return Entitlement(total=total_days, statutory=statutory_days)
    # Hours of a work day over the year: each version's weekly hours over its work days,
    # weighted by the work days under it.
    hours_per_day = sum((terms.weekly_hours * count for terms, count in days_under.items()), ZERO) / work_day_count

    def hours(days: Decimal) -> Decimal:
        return (days * hours_per_day).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    return Entitlement(total=hours(total_days), statutory=hours(statutory_days))
