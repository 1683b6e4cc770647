"""A leave balance has one definition (`LeaveLedgerQuerySet.balances`): the API's balances,
the leave report, the admin's ledger column and the balance check on a new request all
read the same figure off a ledger holding every kind of row."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from leave import services
from leave.models import LeaveLedgerEntry
from leave.tests.helpers import ask

pytestmark = pytest.mark.django_db

BALANCES = "/api/v1/leave/balances"
REPORT = "/api/v1/reports/leave"
REQUESTS = "/api/v1/leave/requests"
ADMIN_REQUESTS = "/admin/leave/leaverequest/"
TODAY = "2026-03-02"  # the `frozen_2026_03_02` day


@pytest.fixture
def every_kind_of_row(frozen_2026_03_02, alice, bob, carol, vacation, sick):
    """Alice's vacation ledger: 2025's accrual, a debit, an approved request cancelled
    (debit and credit), the year's close (expiry) and carry-over, 2026's accrual, the
    carry-over lapsing after 1 February (she was told of it), an adjustment, leave approved for April and a sick
    day inside it credited back."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    vacation.carry_over_expires_month, vacation.carry_over_expires_day = 2, 1
    vacation.save()
    services.leave_accrue_year(year=2025, users=[alice])
    services.leave_request_approve(request_id=ask(alice, vacation, "2025-06-02", "2025-06-06").pk, actor=bob)
    cancelled = services.leave_request_approve(
        request_id=ask(alice, vacation, "2025-07-07", "2025-07-08").pk, actor=bob
    )
    services.leave_request_cancel(request_id=cancelled.pk, actor=bob)
    services.leave_forfeiture_notice_record(user=alice, leave_type=vacation, year=2025, actor=None)
    services.leave_accrue_year(year=2026, users=[alice])
    assert services.leave_carry_over_expire(today=date(2026, 3, 2)) == 1
    services.ledger_adjust(
        actor=carol, user=alice, leave_type=vacation, amount=Decimal("1.5"), on=date(2026, 2, 15), note="Correction"
    )
    services.leave_request_approve(request_id=ask(alice, vacation, "2026-04-06", "2026-04-07").pk, actor=bob)
    ask(alice, sick, "2026-04-07")
    services.ledger_payout(
        actor=carol, user=alice, leave_type=vacation, amount=Decimal(-1), on=date(2026, 2, 20), note="Paid out"
    )
    kinds = set(LeaveLedgerEntry.objects.filter(user=alice).values_list("kind", flat=True))
    assert kinds == set(LeaveLedgerEntry.Kind.values)
    # 25 - 5 - 2 + 2 - 20 (closed) + 5 (carried) + 25 - 5 (lapsed) + 1.5 - 2 (April) + 1 (sick)
    # - 1 (a day of the contractual extra paid out)
    return Decimal("24.5")


def test_the_api_the_report_the_admin_and_the_balance_check_agree(
    every_kind_of_row, api, alice, bob, vacation, password
):
    expected = every_kind_of_row

    balances = api(bob).get(BALANCES, {"user": alice.pk, "as_of": TODAY}).json()["balances"]
    from_api = next(Decimal(row["left"]) for row in balances if row["type"] == vacation.pk)

    rows = api(bob).get(REPORT, {"user": alice.pk, "as_of": TODAY}).json()["rows"]
    from_report = next(Decimal(str(row["left"])) for row in rows if row["type"] == vacation.pk)

    client = Client()
    assert client.login(email=bob.email, password=password)
    changelist = client.get(ADMIN_REQUESTS)
    from_admin = {row.ledger_balance for row in changelist.context["cl"].result_list if row.leave_type == vacation}
    assert changelist.content.decode().count('<td class="field-balance_left">24.5 days</td>') == 3

    too_much = api(alice).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-05-04", "end_date": "2026-06-19"}, format="json"
    )
    assert too_much.status_code == 400
    assert "24.5 days available" in too_much.json()["errors"]["end_date"][0]

    assert from_api == from_report == expected
    assert from_admin == {expected}
