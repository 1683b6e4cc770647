"""Issue 16.20: a policy looser than the law (ArbZG, Working Time Directive) is refused with a
400 naming the field, unless marked as a collective-agreement exception with its reference."""

from decimal import Decimal

import pytest

from compliance.models import WorkingTimePolicy
from compliance.tests.test_admin import POLICIES as ADMIN_POLICIES
from compliance.tests.test_admin import admin_client, policy_form

pytestmark = pytest.mark.django_db

POLICIES = "/api/v1/compliance/policies"


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [
        ("max_weekly_hours", "48.5", "At most 48"),
        ("reference_period_weeks", 26, "At most 24"),
        ("max_daily_hours", "10.5", "At most 10"),
        ("min_daily_rest_hours", "10", "At least 11"),
        ("min_weekly_rest_hours", "20", "At least 24"),
        ("break_after_hours", "6.5", "At most 6"),
        ("break_minutes", 20, "At least 30"),
        ("long_break_after_hours", "10", "At most 9"),
        ("long_break_minutes", 30, "At least 45"),
        ("min_break_gap_minutes", 10, "At least 15"),
    ],
)
def test_a_limit_looser_than_the_law_is_refused_naming_the_field(api, carol, field, value, bound):
    response = api(carol).post(POLICIES, {"name": "Loose", field: value}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert bound in str(response.json()["errors"][field])
    assert not WorkingTimePolicy.objects.filter(name="Loose").exists()


def test_the_legal_limits_themselves_and_stricter_ones_are_accepted(api, carol):
    at_the_limits = api(carol).post(POLICIES, {"name": "Statutory", "reference_period_weeks": 24}, format="json")
    stricter = api(carol).post(
        POLICIES, {"name": "Strict", "max_weekly_hours": "40", "min_daily_rest_hours": "12"}, format="json"
    )
    assert (at_the_limits.status_code, stricter.status_code) == (201, 201)
    assert at_the_limits.json()["collective_agreement_exception"] is False


def test_a_collective_agreement_exception_needs_its_reference(api, carol):
    unnamed = {"name": "Hospital", "min_daily_rest_hours": "10", "collective_agreement_exception": True}
    response = api(carol).post(POLICIES, unnamed, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["collective_agreement_reference"]

    named = {**unnamed, "reference_period_weeks": 52, "collective_agreement_reference": "TV-Ärzte/VKA §7(1)"}
    created = api(carol).post(POLICIES, named, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["min_daily_rest_hours"], body["reference_period_weeks"]) == ("10.00", 52)
    assert body["collective_agreement_reference"] == "TV-Ärzte/VKA §7(1)"


def test_an_existing_policy_loosened_later_is_refused_too(api, carol):
    policy = WorkingTimePolicy.objects.get(is_default=True)
    response = api(carol).patch(f"{POLICIES}/{policy.pk}", {"max_weekly_hours": "50"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["max_weekly_hours"]
    policy.refresh_from_db()
    assert policy.max_weekly_hours == Decimal("48.00")


def test_the_admin_form_shows_the_reason_on_the_field(carol, password):
    client = admin_client(carol, password)
    refused = client.post(f"{ADMIN_POLICIES}add/", policy_form(max_daily_hours="12"))
    assert refused.status_code == 200
    assert "At most 10" in refused.context["adminform"].form.errors["max_daily_hours"][0]

    marked = policy_form(
        max_daily_hours="12", collective_agreement_exception="on", collective_agreement_reference="MTV Metall §3"
    )
    assert client.post(f"{ADMIN_POLICIES}add/", marked).status_code == 302
    assert WorkingTimePolicy.objects.get(name="Night shift").max_daily_hours == Decimal("12.00")
