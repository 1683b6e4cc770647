"""The leave report: balances per person and leave type."""

from datetime import date
from decimal import Decimal

from analytics.reports.common import people_in_report
from leave.selectors import leave_balances_of
from leave.services.entitlement import statutory_minimum_days as leave_statutory_minimum_days
from users.models import User
from users.schedules import Schedule, schedules_of

LEAVE_REPORT_FIELDS = (
    "type",
    "type_code",
    "type_name",
    "unit",
    "entitlement",
    "taken",
    "planned",
    "pending",
    "left",
    "statutory_entitlement",
    "contractual_entitlement",
    "statutory_left",
)


def statutory_minimum_days(schedule: Schedule, as_of: date) -> Decimal:
    """The statutory minimum vacation a year on the contract in force on `as_of` (the last
    one for someone who has left by then): 20 days at a five-day week, 16 at four."""
    terms = schedule.terms_on(as_of)
    if terms is None and schedule.employment_end is not None and as_of > schedule.employment_end:
        terms = schedule.terms_on(schedule.employment_end)
    return leave_statutory_minimum_days(len((terms or schedule.fallback).work_days))


def leave_report(*, actor: User, as_of: date, user: int | None = None, team: int | None = None) -> dict:
    """Per visible user (or only `user`, or `team`'s members) and balance-tracking leave type:
    entitlement, taken, pending and left for the leave year of `as_of`, the entitlement's
    statutory part and contractual extra and the statutory part left; day-counted types
    also show the statutory minimum a year at the contract's work days (hour-counted ones:
    None)."""
    rows = []
    people = list(people_in_report(actor, user=user, team=team))
    balances = leave_balances_of(people, as_of)
    schedules = schedules_of(people)
    for person in people:
        minimum = statutory_minimum_days(schedules[person.pk], as_of)
        for balance in balances[person.pk]:
            rows.append(
                {
                    "user": person.pk,
                    "user_name": str(person),
                    **{key: balance[key] for key in LEAVE_REPORT_FIELDS},
                    "statutory_minimum_days": minimum if balance["unit"] == "day" else None,
                }
            )
    return {"rows": rows, "totals": {}}
