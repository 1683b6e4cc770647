"""The leave report: balances per person and leave type."""

from datetime import date

from analytics.reports.common import people_in_report
from leave.selectors import leave_balances_of
from users.models import User

LEAVE_REPORT_FIELDS = ("type", "type_code", "type_name", "unit", "entitlement", "taken", "planned", "pending", "left")


def leave_report(*, actor: User, as_of: date, user: int | None = None, team: int | None = None) -> dict:
    """Per visible user (or only `user`, or `team`'s members) and balance-tracking leave type:
    entitlement, taken, pending and left for the leave year of `as_of`."""
    rows = []
    people = list(people_in_report(actor, user=user, team=team))
    balances = leave_balances_of(people, as_of)
    for person in people:
        for balance in balances[person.pk]:
            rows.append(
                {"user": person.pk, "user_name": str(person), **{key: balance[key] for key in LEAVE_REPORT_FIELDS}}
            )
    return {"rows": rows, "totals": {}}
