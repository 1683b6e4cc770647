"""The monthly payroll report: one row per person employed some day of a month, with the
figures payroll needs (issue 17, "Payroll export").

Every figure is read from the selectors that own it, never computed anew:
- worked, expected and the working-time account balance at month end: the closing's
  snapshot row (`users.MonthClosingRow`) when the month is closed for the person (the
  company's closing or their team's); in a preliminary report of an open month, the
  working-time account (`leave.selectors_account`) and `leave.selectors.expected_hours_of`;
- paid-out hours: the account adjustments of kind payout dated in the month (booked
  negative, shown positive);
- leave: approved requests, their working days inside the month (as `leave_length` counts
  them: each day under the contract version in force and its holidays): sick leave (types
  that `interrupts_leave`), vacation (statutory annual leave), unpaid leave (unpaid types),
  and any other type by its code; a sick day inside other leave counts as sick only;
- public holidays: the person's work days that were holidays (a half-day holiday 0.5);
- days worked on Sundays and on holidays: days with recorded work.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, Sum
from django.utils.dateformat import format as date_text
from django.utils.translation import gettext as _

from analytics.reports.common import people_in_report
from core.errors import Conflict
from leave.models import LeaveRequest, LeaveType, WorkingTimeAdjustment
from leave.selectors import (
    contract_days,
    daterange,
    expected_hours_of,
    holidays_by_calendar,
    holidays_of_user,
    requested_halves,
    working_halves,
)
from leave.selectors_account import worked_hours_by_day, working_time_account
from users.closings import closings_in_force_for
from users.models import MonthClosing, MonthClosingRow, User
from users.schedules import schedules_of
from users.selectors import teams_visible_to

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Month:
    first: date
    last: date

    @classmethod
    def of(cls, first: date) -> "Month":
        first = first.replace(day=1)
        return cls(first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def month_open_conflict(month: date) -> Conflict:
    return Conflict(
        _("%(month)s is not closed for payroll; close it first or ask for preliminary=true.")
        % {"month": date_text(month, "F Y")},
        code="month_open",
    )


def payroll_people(actor: User, month: Month, *, team: int | None) -> list[User]:
    """The people `actor` may see (admins everyone, managers their teams; employees none),
    narrowed to `team`, employed some day of `month`."""
    if not (actor.is_admin or actor.role == User.Role.MANAGER):
        raise PermissionDenied(_("Only admins and managers see the payroll report."))
    people = people_in_report(actor, user=None, team=team)
    people = people.filter(employment_start__lte=month.last).filter(
        Q(employment_end__isnull=True) | Q(employment_end__gte=month.first)
    )
    return list(people.select_related("team"))


def _snapshot(person: User, month: Month) -> MonthClosingRow | None:
    """The person's row of the closing in force over `month` (their team's before the
    company's), or None when the month is open for them."""
    for closing in sorted(closings_in_force_for(person, month.first, month.first), key=lambda c: c.team_id is None):
        row = MonthClosingRow.objects.filter(closing=closing, user=person).first()
        if row is not None:
            return row
    return None


def _halves_taken(person: User, month: Month, requests: list[LeaveRequest]) -> dict[int, set[tuple[date, str]]]:
    """Per request, the (day, half) pairs of the month it takes: the person's working halves
    (contract version and holiday calendar of each day) it asks for."""
    days = contract_days(person, schedules_of([person])[person.pk], month.first, month.last)
    holidays = holidays_by_calendar({item.calendar_id for item in days}, month.first, month.last)
    taken: dict[int, set[tuple[date, str]]] = {}
    for request in requests:
        taken[request.pk] = {
            (item.day, half)
            for item in days
            if request.start_date <= item.day <= request.end_date
            for half in working_halves(item.terms, item.day, holidays[item.calendar_id])
            & requested_halves(item.day, request.start_date, request.end_date, request.start_half, request.end_half)
        }
    return taken


def _leave_days(person: User, month: Month) -> tuple[Decimal, Decimal, Decimal, dict[str, Decimal]]:
    """Working days of approved leave in the month: sick, vacation, unpaid and other types
    (by code). A sick day inside other leave counts as sick only (BUrlG §9: it is credited
    back to that leave)."""
    requests = list(
        LeaveRequest.objects.filter(
            user=person, status=LeaveRequest.Status.APPROVED, start_date__lte=month.last, end_date__gte=month.first
        ).select_related("leave_type")
    )
    taken = _halves_taken(person, month, requests)
    sick_halves = set().union(*(taken[r.pk] for r in requests if r.leave_type.interrupts_leave))
    vacation = unpaid = ZERO
    other: dict[str, Decimal] = {}
    for request in requests:
        kind: LeaveType = request.leave_type
        if kind.interrupts_leave:
            continue
        days = Decimal(len(taken[request.pk] - sick_halves)) / 2
        if kind.statutory_annual_leave:
            vacation += days
        elif not kind.paid:
            unpaid += days
        else:
            other[kind.code] = other.get(kind.code, ZERO) + days
    return vacation, Decimal(len(sick_halves)) / 2, unpaid, other


def _day_counts(person: User, month: Month, schedule) -> tuple[Decimal, int, int]:
    """Public holidays on work days, days worked on Sundays, days worked on holidays."""
    holidays = holidays_of_user(person, month.first, month.last)
    public = ZERO
    for day in daterange(month.first, month.last):
        terms = schedule.terms_on(day)
        if day in holidays and terms is not None and day.isoweekday() in terms.work_days:
            public += Decimal("0.5") if holidays[day].half_day else Decimal(1)
    worked = {day for day, hours in worked_hours_by_day(person, month.first, month.last).items() if hours > 0}
    return public, sum(1 for day in worked if day.isoweekday() == 7), sum(1 for day in worked if day in holidays)


def _figures(person: User, month: Month, snapshot: MonthClosingRow | None) -> tuple[Decimal, Decimal, Decimal]:
    if snapshot is not None and snapshot.balance_hours is not None:
        return snapshot.worked_hours, snapshot.expected_hours, snapshot.balance_hours
    if snapshot is not None:  # closed before accounts existed
        return snapshot.worked_hours, snapshot.expected_hours, working_time_account(person, month.last).balance_hours
    worked = sum(worked_hours_by_day(person, month.first, month.last).values(), ZERO)
    expected = sum(expected_hours_of([person], month.first, month.last)[person.pk].values(), ZERO)
    return worked.quantize(CENT), expected.quantize(CENT), working_time_account(person, month.last).balance_hours


def payroll_row(person: User, month: Month, snapshot: MonthClosingRow | None, schedule, *, preliminary: bool) -> dict:
    worked, expected, balance = _figures(person, month, snapshot)
    terms = schedule.terms_on(min(month.last, person.employment_end or month.last))
    payout = WorkingTimeAdjustment.objects.filter(
        user=person, kind=WorkingTimeAdjustment.Kind.PAYOUT, date__range=(month.first, month.last)
    ).aggregate(total=Sum("hours"))["total"]
    vacation, sick, unpaid, other = _leave_days(person, month)
    public, sundays, holidays_worked = _day_counts(person, month, schedule)
    return {
        "user": person.pk,
        "user_name": str(person),
        "email": person.email,
        "team_name": person.team.name if person.team_id else "",
        "month": f"{month.first:%Y-%m}",
        "employment_start": person.employment_start.isoformat(),
        "employment_end": person.employment_end.isoformat() if person.employment_end else None,
        "weekly_hours": terms.weekly_hours if terms is not None else None,
        "expected_hours": expected,
        "worked_hours": worked,
        "overtime_hours": worked - expected,
        "balance_hours": balance,
        "paid_out_hours": -(payout or ZERO),
        "vacation_days": vacation,
        "sick_days": sick,
        "unpaid_days": unpaid,
        "other_leave": other,
        "other_leave_text": "; ".join(f"{code}: {days}" for code, days in sorted(other.items())),
        "public_holidays": public,
        "sunday_days_worked": sundays,
        "holiday_days_worked": holidays_worked,
        "preliminary": preliminary,
    }


def _people_and_snapshots(
    actor: User, span: Month, *, team: int | None, preliminary: bool
) -> tuple[list[User], dict[int, MonthClosingRow | None]]:
    """Whom the report covers and their closing rows; refuses an employee (403), a team the
    actor may not see (404) and, unless `preliminary`, a month open for one of them (409)."""
    people = payroll_people(actor, span, team=team)
    snapshots = {person.pk: _snapshot(person, span) for person in people}
    if not preliminary and any(row is None for row in snapshots.values()):
        raise month_open_conflict(span.first)
    return people, snapshots


def payroll_report_check(*, actor: User, month: date, team: int | None = None, preliminary: bool = False) -> None:
    """Refuse now what `payroll_report` would refuse with these arguments, without reading
    the figures: a background export is then refused when asked for, not failed later."""
    _people_and_snapshots(actor, Month.of(month), team=team, preliminary=preliminary)


def payroll_report(*, actor: User, month: date, team: int | None = None, preliminary: bool = False) -> dict:
    """The payroll rows of `month` (its first day) for the people `actor` may see. A month
    not closed for one of them is a 409 naming it, unless `preliminary`: then the rows of
    the people it is open for say `preliminary: true` and read the live figures."""
    span = Month.of(month)
    people, snapshots = _people_and_snapshots(actor, span, team=team, preliminary=preliminary)
    schedules = schedules_of(people)
    rows = [
        payroll_row(person, span, snapshots[person.pk], schedules[person.pk], preliminary=snapshots[person.pk] is None)
        for person in people
    ]
    return {"rows": rows, "totals": None}


def payroll_month_closings(actor: User, month: date, *, team: int | None = None) -> list[MonthClosing]:
    """The closings in force over `month` that `actor`'s payroll report reads: the company's
    first, then those of the teams they see (only `team`'s when given)."""
    teams = teams_visible_to(actor)
    if team is not None:
        teams = teams.filter(pk=team)
    closings = MonthClosing.objects.filter(
        Q(team__isnull=True) | Q(team__in=teams.values("pk")), month=month.replace(day=1), reopened_at__isnull=True
    )
    return list(closings.select_related("team", "closed_by").order_by(F("team__name").asc(nulls_first=True)))


def payroll_report_row_count(
    *, actor: User, month: date, team: int | None = None, preliminary: bool = False, limit: int
) -> int:
    """How many rows `payroll_report` has with these arguments (one per person it covers),
    counted no further than `limit`, without reading their figures."""
    return min(len(payroll_people(actor, Month.of(month), team=team)), limit)
