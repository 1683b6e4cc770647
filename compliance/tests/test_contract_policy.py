"""Issue 15: "compliance's per-person limits where a contract names a policy". A contract
version naming a policy puts its limits on that person from its `valid_from`; before it,
and for everyone else in the team, the team's (here the default) policy applies."""

from decimal import Decimal

import pytest

from compliance.models import WorkingTimePolicy
from compliance.selectors import policy_for

ENTRIES = "/api/v1/time-entries"

pytestmark = pytest.mark.usefixtures("frozen_2026_03_04")


@pytest.fixture
def eight_hour_days(db):
    """A stricter policy (8 h a day at most), as for a young worker (JArbSchG §8)."""
    return WorkingTimePolicy.objects.create(name="Eight-hour days", max_daily_hours=Decimal(8))


def nine_hours_on(client, project, day: str):
    response = client.post(
        ENTRIES,
        {"project": project.pk, "start": f"{day}T07:00:00+01:00", "end": f"{day}T16:30:00+01:00", "break_minutes": 30},
    )
    assert response.status_code == 201, response.content
    return {warning["rule"] for warning in response.json()["compliance_warnings"]}


def test_a_contract_naming_a_policy_puts_its_limits_on_that_person_from_its_day(
    api, carol, alice, bob, ops, eight_hour_days
):
    created = api(carol).post(
        "/api/v1/contracts",
        {
            "user": alice.pk,
            "valid_from": "2026-03-02",
            "weekly_hours": 40,
            "work_days": "12345",
            "policy": eight_hour_days.pk,
        },
    )
    assert created.status_code == 201, created.content

    # 9 h worked: over the contract's 8 h from 2 March, within the default 10 h before it.
    assert "daily_max" in nine_hours_on(api(alice), ops, "2026-03-03")
    assert "daily_max" not in nine_hours_on(api(alice), ops, "2026-02-24")
    assert policy_for(alice, on=alice.employment_start) != eight_hour_days
    # The rest of the team keeps the team's limits.
    assert policy_for(bob) != eight_hour_days and policy_for(alice) == eight_hour_days
