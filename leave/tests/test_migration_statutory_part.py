"""leave 0007 (issue 16.1, 16.2): accruals get their statutory part, and this year's
entitlement booked under the old hours rule is re-counted by work days (the difference an
adjustment dated with the accrual); earlier, closed years are left as they were."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leave.models import LeaveLedgerEntry, LeaveType
from users.models import Contract

BEFORE = [("leave", "0006_sick_credit_and_interrupting_types")]


@pytest.mark.django_db(transaction=True)
def test_this_years_entitlement_is_rebooked_by_work_days_and_accruals_get_their_statutory_part(
    frozen_2026_03_02, alice, dave
):
    Contract.objects.create(user=alice, valid_from=date(2020, 1, 1), weekly_hours=20, work_days="12345")
    Contract.objects.create(user=dave, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Entry, OldType = old.get_model("leave", "LeaveLedgerEntry"), old.get_model("leave", "LeaveType")
    vacation = OldType.objects.get(code="vacation")

    def accrual(user, year, amount):
        Entry.objects.create(
            idempotency_key=f"accrual:{user.pk}:{vacation.pk}:{year}",
            user_id=user.pk,
            leave_type=vacation,
            date=date(year, 1, 1),
            amount=amount,
            kind="accrual",
        )

    # Alice, 5 days x 4 h, was booked 25 x 20/40 = 12.5 a year; Dave, full time, 25.
    accrual(alice, 2025, Decimal("12.5"))
    accrual(alice, 2026, Decimal("12.5"))
    accrual(dave, 2026, Decimal(25))

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert LeaveType.objects.get(code="vacation").statutory_annual_leave

    def rows(user):
        return [
            (row.date, row.kind, row.amount, row.statutory)
            for row in LeaveLedgerEntry.objects.filter(user=user).order_by("date", "id")
        ]

    assert rows(alice) == [
        (date(2025, 1, 1), "accrual", Decimal("12.5"), Decimal("12.5")),  # closed year: as it was
        (date(2026, 1, 1), "accrual", Decimal("12.5"), Decimal("12.5")),
        # 25 by work days (20 statutory): 12.5 more, 7.5 of it statutory.
        (date(2026, 1, 1), "adjustment", Decimal("12.5"), Decimal("7.5")),
    ]
    assert rows(dave) == [(date(2026, 1, 1), "accrual", Decimal(25), Decimal(20))]
