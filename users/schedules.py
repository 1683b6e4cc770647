"""A person's contract over time (issue 15): which version is in force on a day, and
whether they are employed then. Every reader that counts per day (expected hours, overtime,
leave working days, accrual, compliance limits) asks a `Schedule` instead of reading
today's `User.weekly_contract_hours`/`work_days` for every past day.

`schedules_of(users)` reads everyone's versions in one query.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from users.models import Contract, User

ZERO = Decimal(0)


@dataclass(frozen=True)
class Terms:
    """What one contract version says."""

    valid_from: date
    weekly_hours: Decimal
    work_days: frozenset[int]
    holiday_calendar_id: int | None = None
    policy_id: int | None = None

    @property
    def hours_per_work_day(self) -> Decimal:
        return self.weekly_hours / max(1, len(self.work_days))

    @classmethod
    def of(cls, version: Contract) -> "Terms":
        return cls(
            valid_from=version.valid_from,
            weekly_hours=Decimal(str(version.weekly_hours)),
            work_days=version.work_weekdays,
            holiday_calendar_id=version.holiday_calendar_id,
            policy_id=version.policy_id,
        )


@dataclass(frozen=True)
class Schedule:
    """One person's employment and contract versions (oldest first). Someone without a
    version (written before contracts, or by hand) works on their user fields' terms."""

    user_id: int
    employment_start: date
    employment_end: date | None
    versions: tuple[Terms, ...]
    fallback: Terms

    def employed_on(self, day: date) -> bool:
        return self.employment_start <= day and (self.employment_end is None or day <= self.employment_end)

    def terms_on(self, day: date) -> Terms | None:
        """The version in force on `day` (the latest `valid_from` on or before it; before the
        first version, the first one), or None when the person is not employed then."""
        if not self.employed_on(day):
            return None
        if not self.versions:
            return self.fallback
        index = bisect_right([terms.valid_from for terms in self.versions], day) - 1
        return self.versions[max(index, 0)]

    def works_on(self, day: date) -> bool:
        """A contract work day while employed (holidays and leave are leave's business)."""
        terms = self.terms_on(day)
        return terms is not None and day.isoweekday() in terms.work_days

    def hours_on(self, day: date) -> Decimal:
        """Contract hours of `day`: its share of the weekly hours on a work day, else 0."""
        terms = self.terms_on(day)
        if terms is None or day.isoweekday() not in terms.work_days:
            return ZERO
        return terms.hours_per_work_day


def _fallback(user: User) -> Terms:
    return Terms(
        valid_from=user.employment_start,
        weekly_hours=Decimal(str(user.weekly_contract_hours)),
        work_days=user.work_weekdays,
        holiday_calendar_id=user.holiday_calendar_id,
    )


def schedules_of(users: Iterable[User]) -> dict[int, Schedule]:
    """Everyone's schedule, their versions read in one query."""
    users = list(users)
    versions: dict[int, list[Terms]] = defaultdict(list)
    for version in Contract.objects.filter(user_id__in=[user.pk for user in users]).order_by("user_id", "valid_from"):
        versions[version.user_id].append(Terms.of(version))
    return {
        user.pk: Schedule(
            user_id=user.pk,
            employment_start=user.employment_start,
            employment_end=user.employment_end,
            versions=tuple(versions[user.pk]),
            fallback=_fallback(user),
        )
        for user in users
    }


def schedule_of(user: User) -> Schedule:
    return schedules_of([user])[user.pk]
