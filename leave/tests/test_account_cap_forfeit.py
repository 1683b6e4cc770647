"""Issue 15's leftover: hours above a policy's account cap are forfeited at the close of the
cap period's last month (a `forfeit` adjustment, actor "system", audited, once per closing).

Alice (40 h over Monday to Friday) started on Monday 30 November 2026 with an opening balance
of +40 h carried from the previous system, and worked 10 h that day against 8 h expected:
40 + 10 - 8 = 42 h at the end of November. The company's policy caps accounts at 20 h:
closing November forfeits 22 h, and the frozen balance is 20 h. The clock stands on Thursday
3 December 2026."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from compliance.models import WorkingTimePolicy
from core.models import AuditEvent
from leave.models import WorkingTimeAdjustment
from leave.services import working_time_adjustment_create
from timeentries import services as entry_services

CLOSINGS = "/api/v1/month-closings"
ACCOUNT = "/api/v1/working-time-accounts"
POLICIES = "/api/v1/compliance/policies"

pytestmark = pytest.mark.django_db


@pytest.fixture
def capped(alice, bob, carol, acme, api):
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):
        alice.employment_start = date(2026, 11, 30)
        alice.save(update_fields=["employment_start"])
        working_time_adjustment_create(
            actor=carol, user=alice, kind="opening", hours=Decimal(40), on=date(2026, 11, 30), reason="Old system"
        )
        entry_services.time_entry_create(
            actor=alice, project=acme, day=date(2026, 11, 30), duration=timedelta(hours=10)
        )
        created = api(carol).post(
            POLICIES,
            {"name": "Company", "is_default": True, "account_cap_hours": "20.00", "account_cap_period": "month"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        assert (created.json()["account_cap_hours"], created.json()["account_cap_period"]) == ("20.00", "month")
        yield WorkingTimePolicy.objects.get(pk=created.json()["id"])


def account(api, user, carol):
    return api(carol).get(ACCOUNT, {"user": user.pk, "as_of": "2026-11-30"}).json()


def test_closing_the_month_forfeits_the_hours_above_the_cap_once(capped, api, alice, carol):
    assert account(api, alice, carol)["balance_hours"] == "42.00"

    closing = api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json")

    assert closing.status_code == 201, closing.json()
    row = next(row for row in closing.json()["rows"] if row["user"] == alice.pk)
    assert row["balance_hours"] == "20.00"
    after = account(api, alice, carol)
    assert (after["balance_hours"], after["adjustment_hours"]) == ("20.00", "-22.00")
    forfeit = WorkingTimeAdjustment.objects.get(user=alice, kind="forfeit")
    assert (forfeit.hours, forfeit.date, forfeit.actor) == (Decimal("-22.00"), date(2026, 11, 30), None)
    assert forfeit.reason == "Above the Company cap of 20.00 h at the close of November 2026"
    event = AuditEvent.objects.get(action="working_time_forfeited")
    assert (event.actor, event.actor_label, event.data["hours"]) == (None, "system", "-22.00")
    # reopened and closed again: the balance is at the cap, nothing more is forfeited
    api(carol).post(f"{CLOSINGS}/{closing.json()['id']}/reopen")
    again = api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json")
    assert again.status_code == 201
    assert WorkingTimeAdjustment.objects.filter(kind="forfeit").count() == 1


def test_no_cap_or_a_period_not_ending_forfeits_nothing(capped, api, alice, carol):
    capped.account_cap_period = WorkingTimePolicy.AccountCapPeriod.QUARTER  # ends with March, June, Sep, Dec
    capped.save()
    api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json")
    assert not WorkingTimeAdjustment.objects.filter(kind="forfeit").exists()
    assert account(api, alice, carol)["balance_hours"] == "42.00"


def test_a_policy_without_a_cap_forfeits_nothing(capped, api, alice, carol):
    capped.account_cap_hours = None
    capped.save()
    api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json")
    assert account(api, alice, carol)["balance_hours"] == "42.00"
