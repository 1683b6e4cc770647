"""Sick credits follow what sickness still covers of approved leave (issue 15): a holiday
added on a sick-credited day gives the day back once, not twice."""

import pytest

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
LEDGER = "/api/v1/leave/ledger"
HOLIDAYS = "/api/v1/holidays"


def ask(client, leave_type, start, end, **extra):
    response = client.post(REQUESTS, {"type": leave_type.pk, "start_date": start, "end_date": end, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def vacation_left(client):
    response = client.get(BALANCES, {"as_of": "2026-03-31"})
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")["left"]


@pytest.fixture
def sick_in_vacation(api, funded, bob, vacation, sick, bavaria):
    """Alice's approved vacation Monday 9 to Friday 20 March 2026 (ten days), sick on
    Wednesday 11 March: one day credited back, 16 left."""
    body = ask(api(funded), vacation, "2026-03-09", "2026-03-20")
    assert api(bob).post(f"{REQUESTS}/{body['id']}/approve").status_code == 200
    sick_request = ask(api(funded), sick, "2026-03-11", "2026-03-11")
    assert vacation_left(api(funded)) == "16.00"
    return body["id"], sick_request["id"]


@pytest.mark.django_db
def test_a_holiday_on_a_sick_credited_day_gives_the_day_back_once(api, funded, carol, bavaria, sick_in_vacation):
    vacation_id, sick_id = sick_in_vacation
    added = api(carol).post(HOLIDAYS, {"calendar": bavaria.pk, "date": "2026-03-11", "name": "Company day"})
    assert added.status_code == 201, added.json()

    # Wednesday is no working day now: the vacation takes 9 days, the sickness none of them.
    shown = api(funded).get(f"{REQUESTS}/{vacation_id}").json()
    assert (shown["working_days"], shown["sick_days_credited"], shown["net_working_days"]) == ("9.0", "0.0", "9.0")
    assert vacation_left(api(funded)) == "16.00"  # 25 - 9, not 17

    # The holiday removed again: 10 days, the sick day credited again.
    assert api(carol).delete(f"{HOLIDAYS}/{added.json()['id']}").status_code == 204
    shown = api(funded).get(f"{REQUESTS}/{vacation_id}").json()
    assert (shown["working_days"], shown["sick_days_credited"]) == ("10.0", "1.0")
    assert vacation_left(api(funded)) == "16.00"

    # Cancelling the sick leave now takes back exactly the one day it holds.
    assert api(funded).post(f"{REQUESTS}/{sick_id}/cancel").status_code == 200
    assert vacation_left(api(funded)) == "15.00"
    rows = [row for row in api(funded).get(LEDGER).json()["results"] if row["kind"] == "sick_credit"]
    assert sum(float(row["amount"]) for row in rows) == 0
    assert all(row["request"] == vacation_id and row["related_request"] == sick_id for row in rows)
