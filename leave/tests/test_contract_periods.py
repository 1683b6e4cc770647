"""Leave under contract versions (issue 15): each day counts under the version in force that
day, the year's allowance is pro-rated by the days under each version and by employment,
and a new person has this year's allowance at once."""

from datetime import date
from decimal import Decimal

import pytest

from core.signals import leave_basis_changed
from leave import services
from users.models import Contract, User

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"


def vacation_row(client, **params) -> dict:
    response = client.get(BALANCES, params)
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")


def four_days_from_july(user) -> None:
    """40 h on Monday to Friday until June 2026, then 20 h on Monday to Thursday (5 h a day)."""
    Contract.objects.create(user=user, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345")
    Contract.objects.create(user=user, valid_from=date(2026, 7, 1), weekly_hours=20, work_days="1234")


@pytest.mark.django_db
def test_a_request_across_a_contract_change_counts_each_day_under_its_version(api, frozen_2026_03_02, alice, vacation):
    four_days_from_july(alice)
    services.leave_accrue_year(year=2026)

    # Mon 29 and Tue 30 June at 8 h; Wed 1 and Thu 2 July at 5 h; Fri 3 July is no work day.
    response = api(alice).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-06-29", "end_date": "2026-07-03"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert (Decimal(response.json()["working_days"]), Decimal(response.json()["hours"])) == (4, 26)
    friday_only = api(alice).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-07-10", "end_date": "2026-07-10"}, format="json"
    )
    assert friday_only.status_code == 400 and list(friday_only.json()["errors"]) == ["start_date"]


@pytest.mark.django_db
def test_the_years_allowance_is_prorated_by_the_days_under_each_version(api, frozen_2026_03_02, alice, vacation):
    four_days_from_july(alice)

    services.leave_accrue_year(year=2026)

    # By work days, not hours (issue 16.1): 25/5 * (181 days at 5 + 184 at 4)/365 = 22.48 -> 22.5.
    assert vacation_row(api(alice))["entitlement"] == "22.50"


@pytest.mark.django_db
def test_a_contract_change_recounts_approved_leave_after_it(api, funded, bob, carol, vacation):
    asked = api(funded).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-07-06", "end_date": "2026-07-10"}, format="json"
    )
    assert asked.status_code == 201 and Decimal(asked.json()["working_days"]) == 5
    services.leave_request_approve(request_id=asked.json()["id"], actor=bob)
    assert vacation_row(api(funded), as_of="2026-12-31")["left"] == "20.00"

    four_days_from_july(funded)
    leave_basis_changed.send(
        sender=User, user_ids=[funded.pk], since=date(2026, 7, 1), actor=carol, reason="Contract from 1 July"
    )

    shown = api(funded).get(f"{REQUESTS}/{asked.json()['id']}").json()
    assert (Decimal(shown["working_days"]), Decimal(shown["hours"])) == (4, 20)
    # The year's entitlement follows the version too: 25/5 * (181 x 5 + 184 x 4)/365 = 22.5; - 4.
    assert vacation_row(api(funded), as_of="2026-12-31")["left"] == "18.50"


@pytest.mark.django_db
def test_no_leave_is_counted_after_employment_ends(api, frozen_2026_03_02, alice, vacation):
    alice.employment_end = date(2026, 6, 30)
    alice.save()
    services.leave_accrue_year(year=2026)

    # Leaving in the first half (BUrlG §5(1)(c)): 25 x 6 full months/12 = 12.5, half a day
    # rounds up (§5(2)): 13.
    assert vacation_row(api(alice))["entitlement"] == "13.00"
    # Leave reaching past the last day is refused, naming the field; up to it, it counts.
    beyond = api(alice).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-06-29", "end_date": "2026-07-02"}, format="json"
    )
    assert beyond.status_code == 400 and list(beyond.json()["errors"]) == ["end_date"]
    response = api(alice).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-06-29", "end_date": "2026-06-30"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["working_days"]) == 2


@pytest.mark.django_db
def test_a_new_person_has_this_years_prorated_allowance_at_once(api, frozen_2026_03_02, carol, team_b, vacation):
    body = {"email": "new@example.com", "password": "a-long-pass-phrase", "team": team_b.pk}
    created = api(carol).post("/api/v1/users", body, format="json")
    assert created.status_code == 201, created.json()
    newcomer = User.objects.get(email="new@example.com")
    assert newcomer.employment_start == date(2026, 3, 2)

    # From 2 March (BUrlG §4, §5): the statutory 20 in full, the extra 5 x 9 full months/12
    # = 3.75 -> 4: 24.
    assert vacation_row(api(carol), user=newcomer.pk)["entitlement"] == "24.00"
    assert services.leave_accrue_year(year=2026, users=[newcomer])["accrual"] == 0
    assert vacation_row(api(carol), user=newcomer.pk)["entitlement"] == "24.00"
    first = api(newcomer).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-03-09", "end_date": "2026-03-13"}, format="json"
    )
    assert first.status_code == 201, first.json()


@pytest.mark.django_db
def test_a_request_for_next_year_is_checked_against_next_years_entitlement(api, funded, vacation):
    client = api(funded)

    # 4 January to 12 February 2027, six weeks: 30 days against 2027's 25 plus the 5 of 2026's
    # 25 that New Year carries over (the other 20 lapse then: docs/COMPLIANCE.md §4).
    six_weeks = client.post(
        REQUESTS, {"type": vacation.pk, "start_date": "2027-01-04", "end_date": "2027-02-12"}, format="json"
    )
    assert six_weeks.status_code == 201, six_weeks.json()
    refused = client.post(
        REQUESTS, {"type": vacation.pk, "start_date": "2027-03-01", "end_date": "2027-04-09"}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["end_date"]
    assert "0 days available, 30 requested" in refused.json()["detail"], refused.json()
