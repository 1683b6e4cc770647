"""Months closed for payroll: the lock every write on a person's time asks.

`users` is the lowest layer among those that must refuse a write into a closed month
(contract versions here, entries in `timeentries`, leave in `leave`), so the question lives
here; closing and reopening (which snapshot worked and expected hours, read in higher
layers) are `leave.services.closings`.
"""

from bisect import bisect_left
from datetime import date

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from core.errors import Conflict
from users.models import MonthClosing, User


def month_start(day: date) -> date:
    return day.replace(day=1)


def closings_in_force_for(user: User, first: date, last: date | None):
    """The closings in force (not reopened) over `user` for the months from `first` to
    `last` (None: every later month): the company's and their team's."""
    scope = Q(team__isnull=True) | Q(team_id=user.team_id) if user.team_id else Q(team__isnull=True)
    closings = MonthClosing.objects.filter(scope, reopened_at__isnull=True, month__gte=month_start(first))
    if last is not None:
        closings = closings.filter(month__lte=last)
    return closings.order_by("month")


def closed_months_of(user: User, first: date, last: date) -> set[date]:
    """The first days of the months from `first` to `last` closed for `user` (one query):
    what pages ask to show those days read-only."""
    return set(closings_in_force_for(user, first, last).values_list("month", flat=True))


def first_closed_month_for_any(users, first: date, last: date) -> date | None:
    """The first month from `first` to `last` closed for any of `users` (a queryset of
    people): by the company, or for a team one of them is on; None when all are open."""
    if not users.exists():
        return None
    teams = users.filter(team__isnull=False).values("team_id")
    closing = (
        MonthClosing.objects.filter(Q(team__isnull=True) | Q(team_id__in=teams), reopened_at__isnull=True)
        .filter(month__gte=month_start(first), month__lte=last)
        .order_by("month")
        .first()
    )
    return closing.month if closing is not None else None


def month_is_closed(user: User, day: date) -> bool:
    """Whether the month of `day` is closed for payroll for `user`."""
    return closings_in_force_for(user, day, day).exists()


def month_closed_conflict(month: date) -> Conflict:
    """409 `month_closed` naming the month as the reader's language does ("Oktober 2026"),
    as the day page names it (`date:"F Y"`)."""
    message = _("%(month)s is closed for payroll; ask an admin to reopen it.")
    return Conflict(message % {"month": formats.date_format(month, "F Y")}, code="month_closed")


def ensure_months_open(*, user: User, first: date, last: date | None = None) -> None:
    """409 `month_closed` naming the first closed month between `first` and `last` (default:
    `first` alone) for `user`. Services call it before any write on the person's time:
    entries, leave requests and their decisions, contract versions (pass the version's
    `valid_from` and the day before the next version, or None for an open end: then every
    later closed month counts)."""
    closing = closings_in_force_for(user, first, last or first).first()
    if closing is not None:
        raise month_closed_conflict(closing.month)


def ensure_contract_version_writable(*, user: User, valid_from: date, valid_until: date | None) -> None:
    """For the contract version services: a version in force over a closed month (from
    `valid_from` to `valid_until`, or open-ended) may not be added, changed or removed."""
    closing = closings_in_force_for(user, valid_from, valid_until).first()
    if closing is not None:
        raise month_closed_conflict(closing.month)


class ClosedMonths:
    """Every closing in force, read once: the set-based twin of `closings_in_force_for` for
    checking many writes (an import) without a query each."""

    def __init__(self):
        self.by_team: dict[int | None, set[date]] = {}
        for team_id, month in MonthClosing.objects.filter(reopened_at__isnull=True).values_list("team_id", "month"):
            self.by_team.setdefault(team_id, set()).add(month)
        self.sorted_for_team: dict[int | None, list[date]] = {}

    def first_for(self, user: User, first: date, last: date) -> date | None:
        """The first month from `first` to `last` closed for `user` (the company's closings
        and their team's), as `ensure_months_open` finds it; None when all are open."""
        months = self.sorted_for_team.get(user.team_id)
        if months is None:
            company = self.by_team.get(None, set())
            team = self.by_team.get(user.team_id, set()) if user.team_id else set()
            months = self.sorted_for_team[user.team_id] = sorted(company | team)
        if not months:
            return None
        at = bisect_left(months, month_start(first))
        return months[at] if at < len(months) and months[at] <= last else None
