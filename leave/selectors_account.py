"""Reads for the working-time account ("Arbeitszeitkonto"): worked minus expected hours from
the start of employment (or a later opening balance), plus adjustments, and what time off in
lieu may still draw on it.

The figures, for one person and a day `as_of` (all inclusive, in the person's local days):
- the account starts on `employment_start`, or on the first `opening` adjustment's date when
  that is later (the opening balance is the balance at the start of that day);
- `worked_hours`: their recorded work of each day from then to `as_of` (duration entries on
  their day, clocked entries split at local midnight, less breaks; a running timer up to now);
- `expected_hours`: `leave.selectors.expected_hours_of` over the same days. Leave whose type
  does not reduce the expected hours (time off in lieu, "comp-time") leaves its days expected,
  so such a day, not worked, lowers the account by its contract hours;
- `toil_hours`: those hours of approved time off in lieu in the range (already part of
  `expected_hours`, shown so people see where the hours went);
- `balance_hours` = opening + worked - expected + adjustments (payouts, corrections, forfeits
  up to `as_of`).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from core import periods
from core.pages import format_hours
from core.periods import hours
from leave.models import LeaveRequest, WorkingTimeAdjustment
from leave.selectors import daterange, expected_hours_of, requested_halves
from timeentries.models import TimeEntry
from timeentries.selectors import worked_by_day
from users.models import User
from users.selectors import owned_rows_visible_to

ZERO = Decimal(0)
Kind = WorkingTimeAdjustment.Kind


@dataclass(frozen=True)
class Account:
    user: int
    as_of: date
    opening_balance_hours: Decimal
    worked_hours: Decimal
    expected_hours: Decimal
    adjustment_hours: Decimal
    toil_hours: Decimal
    balance_hours: Decimal


def adjustments_visible_to(actor: User) -> QuerySet[WorkingTimeAdjustment]:
    """Adjustments of the people `actor` sees (admins all, managers their teams, employees their own)."""
    return owned_rows_visible_to(actor, WorkingTimeAdjustment.objects.select_related("user", "actor"))


def account_start(user: User) -> date:
    """The account's first day: employment start, or the first opening balance's date if later."""
    first_opening = (
        WorkingTimeAdjustment.objects.filter(user=user, kind=Kind.OPENING).order_by("date").values("date").first()
    )
    if first_opening is not None and first_opening["date"] > user.employment_start:
        return first_opening["date"]
    return user.employment_start


def worked_hours_by_day(user: User, start: date, end: date) -> dict[date, Decimal]:
    """Recorded work of each local day from `start` to `end`, in hours to the cent."""
    if end < start:
        return {}
    tz = user.tzinfo
    first, last = periods.day_bounds(start, tz)[0], periods.day_bounds(end, tz)[1]
    clocked = Q(kind=TimeEntry.Kind.CLOCKED, start__lt=last) & (Q(end__isnull=True) | Q(end__gt=first))
    duration = Q(kind=TimeEntry.Kind.DURATION, day__range=(start, end))
    totals: dict[date, timedelta] = {}
    now = timezone.now()
    for entry in TimeEntry.objects.filter(duration | clocked, user=user):
        for day, worked in worked_by_day(entry, tz, now=now, within=(first, last)):
            if start <= day <= end:
                totals[day] = totals.get(day, timedelta()) + worked
    return {day: hours(worked) for day, worked in totals.items()}


def toil_hours(
    user: User, start: date, end: date, expected: dict[date, Decimal], *, statuses, exclude_pk: int | None = None
) -> Decimal:
    """Hours of time off in lieu (types that keep their days expected) of `statuses` between
    `start` and `end`: each day's expected hours, halved for a half day."""
    total = ZERO
    if end < start:
        return total
    requests = LeaveRequest.objects.filter(
        user=user,
        status__in=statuses,
        leave_type__reduces_expected_hours=False,
        start_date__lte=end,
        end_date__gte=start,
    ).exclude(pk=exclude_pk)
    for request in requests:
        for day in daterange(max(request.start_date, start), min(request.end_date, end)):
            halves = requested_halves(day, request.start_date, request.end_date, request.start_half, request.end_half)
            total += expected.get(day, ZERO) * len(halves) / 2
    return total


def working_time_account(user: User, as_of: date) -> Account:
    """The account of `user` at the end of `as_of` (see the module docstring)."""
    start = account_start(user)
    adjustments = (
        WorkingTimeAdjustment.objects.filter(user=user, date__lte=as_of)
        .values("kind")
        .order_by()
        .annotate(total=Sum("hours"))
    )
    by_kind = {row["kind"]: row["total"] for row in adjustments}
    opening = by_kind.pop(Kind.OPENING, ZERO)
    adjusted = sum(by_kind.values(), ZERO)
    expected = expected_hours_of([user], start, as_of)[user.pk] if as_of >= start else {}
    worked = sum(worked_hours_by_day(user, start, as_of).values(), ZERO)
    expected_total = sum(expected.values(), ZERO)
    toil = toil_hours(user, start, as_of, expected, statuses=[LeaveRequest.Status.APPROVED])
    cent = Decimal("0.01")
    return Account(
        user=user.pk,
        as_of=as_of,
        opening_balance_hours=opening.quantize(cent),
        worked_hours=worked.quantize(cent),
        expected_hours=expected_total.quantize(cent),
        adjustment_hours=adjusted.quantize(cent),
        toil_hours=toil.quantize(cent),
        balance_hours=(opening + worked - expected_total + adjusted).quantize(cent),
    )


def toil_available(user: User, *, exclude_pk: int | None = None) -> Decimal:
    """Hours time off in lieu may still take: today's balance less the time off in lieu
    approved for days after today and all that waits for a decision (`exclude_pk`: the
    request being checked). Work not recorded yet does not count."""
    today = user.local_today()
    balance = working_time_account(user, today).balance_hours
    toil = LeaveRequest.objects.filter(user=user, leave_type__reduces_expected_hours=False).exclude(pk=exclude_pk)
    pending = toil.filter(status=LeaveRequest.Status.PENDING).aggregate(total=Sum("hours"))["total"] or ZERO
    last = toil.filter(status=LeaveRequest.Status.APPROVED, end_date__gt=today).order_by("-end_date").first()
    approved_ahead = ZERO
    if last is not None:
        later = today + timedelta(days=1)
        expected = expected_hours_of([user], later, last.end_date)[user.pk]
        statuses = [LeaveRequest.Status.APPROVED]
        approved_ahead = toil_hours(user, later, last.end_date, expected, statuses=statuses, exclude_pk=exclude_pk)
    return balance - pending - approved_ahead


def signed_hours(value: Decimal) -> str:
    """+9.5 h, -43 h, 0 h (`core.pages.format_hours`, with the sign)."""
    return f"{'+' if value > 0 else ''}{format_hours(value)} h"


def account_summary(account: Account) -> str:
    """The one line the contract page and the dashboard's overtime widget show:
    'Working-time account: +9.5 h as of Mon 23 Feb 2026'."""
    day = account.as_of
    return _("Working-time account: %(hours)s as of %(day)s") % {
        "hours": signed_hours(account.balance_hours),
        "day": dateformat.format(day, "D j M Y"),
    }
