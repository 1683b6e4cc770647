"""Issue 15's leave rules through the API: sickness during approved vacation gives the days
back (BUrlG §9), a request spanning New Year is debited per leave year."""

from datetime import UTC, date, datetime

import pytest

from leave import services

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
LEDGER = "/api/v1/leave/ledger"


def ask(client, leave_type, start, end, **extra):
    response = client.post(REQUESTS, {"type": leave_type.pk, "start_date": start, "end_date": end, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def vacation_left(client, as_of):
    response = client.get(BALANCES, {"as_of": as_of})
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")["left"]


def ledger(client, kind=None):
    rows = client.get(LEDGER).json()["results"]
    return [row for row in rows if kind is None or row["kind"] == kind]


@pytest.fixture
def on_vacation(api, funded, bob, vacation):
    """Alice's approved vacation Monday 9 to Friday 20 March 2026: ten working days."""
    body = ask(api(funded), vacation, "2026-03-09", "2026-03-20")
    assert api(bob).post(f"{REQUESTS}/{body['id']}/approve").status_code == 200
    assert vacation_left(api(funded), "2026-03-31") == "15.00"
    return body["id"]


@pytest.mark.django_db
def test_sick_days_inside_approved_vacation_are_credited_back_and_a_cancel_reverses_it(api, funded, on_vacation, sick):
    # Sick Wednesday 11 and Thursday 12 March: accepted although it overlaps the vacation.
    sick_request = ask(api(funded), sick, "2026-03-11", "2026-03-12")
    assert (sick_request["status"], sick_request["working_days"]) == ("approved", "2.0")

    credit = ledger(api(funded), "sick_credit")
    assert [(row["date"], row["amount"], row["request"], row["related_request"]) for row in credit] == [
        ("2026-03-11", "2.00", on_vacation, sick_request["id"])
    ]
    shown = api(funded).get(f"{REQUESTS}/{on_vacation}").json()
    assert (shown["working_days"], shown["sick_days_credited"], shown["net_working_days"]) == ("10.0", "2.0", "8.0")
    assert vacation_left(api(funded), "2026-03-31") == "17.00"  # 25 - 10 + 2

    assert api(funded).post(f"{REQUESTS}/{sick_request['id']}/cancel").status_code == 200
    rows = ledger(api(funded), "sick_credit")
    assert sorted((row["amount"], row["request"], row["related_request"]) for row in rows) == [
        ("-2.00", on_vacation, sick_request["id"]),
        ("2.00", on_vacation, sick_request["id"]),
    ]
    shown = api(funded).get(f"{REQUESTS}/{on_vacation}").json()
    assert (shown["sick_days_credited"], shown["net_working_days"]) == ("0.0", "10.0")
    assert vacation_left(api(funded), "2026-03-31") == "15.00"


@pytest.mark.django_db
def test_a_half_sick_day_credits_half_and_cancelling_the_vacation_gives_back_only_what_it_holds(
    api, funded, on_vacation, sick
):
    # Sick from Friday 20 March afternoon (the vacation's last day) to Monday 23 March.
    sick_request = ask(api(funded), sick, "2026-03-20", "2026-03-23", start_half="afternoon")
    assert [row["amount"] for row in ledger(api(funded), "sick_credit")] == ["0.50"]
    assert vacation_left(api(funded), "2026-03-31") == "15.50"

    # The vacation cancelled: 9.5 days come back, not 10 (0.5 already did).
    assert api(funded).post(f"{REQUESTS}/{on_vacation}/cancel").status_code == 200
    assert [row["amount"] for row in ledger(api(funded), "credit")] == ["9.50"]
    assert vacation_left(api(funded), "2026-03-31") == "25.00"
    # Cancelling the sick leave afterwards takes nothing from the cancelled vacation.
    assert api(funded).post(f"{REQUESTS}/{sick_request['id']}/cancel").status_code == 200
    assert len(ledger(api(funded), "sick_credit")) == 1
    assert vacation_left(api(funded), "2026-03-31") == "25.00"


@pytest.mark.django_db
def test_other_overlaps_stay_refused(api, funded, bob, vacation, sick, unpaid, on_vacation):
    assert (
        api(funded)
        .post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-03-10", "end_date": "2026-03-10"})
        .status_code
        == 409
    )
    pending = ask(api(funded), vacation, "2026-04-13", "2026-04-14")
    # Sickness over a vacation still pending is an overlap to sort out first.
    overlap = api(funded).post(REQUESTS, {"type": sick.pk, "start_date": "2026-04-14", "end_date": "2026-04-14"})
    assert overlap.status_code == 409, pending
    ask(api(funded), sick, "2026-03-16", "2026-03-16")
    # Two sick requests on one day are still one too many.
    again = api(funded).post(REQUESTS, {"type": sick.pk, "start_date": "2026-03-16", "end_date": "2026-03-16"})
    assert again.status_code == 409


@pytest.fixture
def bavarian_new_year(frozen_2026_11_26, alice, bob, bavaria):
    """Alice, employed for years, on the Bavarian calendar with 2026's and 2027's public
    holidays, both leave years opened (25 days each, 5 of 2026 carried over: she was told
    in October what lapses, so New Year caps the carry-over)."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    services.holidays_import(calendar=bavaria, year=2026)
    services.holidays_import(calendar=bavaria, year=2027)
    services.leave_accrue_year(year=2026)
    services.leave_forfeiture_notices_send_due(today=date(2026, 11, 26))
    return alice


@pytest.mark.django_db
def test_a_request_over_new_year_is_debited_per_leave_year(api, bavarian_new_year, bob, vacation):
    alice = bavarian_new_year
    # Mon 28 to Thu 31 Dec 2026: 4 days. Fri 1 Jan 2027 is a holiday, 2 and 3 Jan a weekend,
    # Mon 4 and Tue 5 Jan: 2 days. 6 total.
    body = ask(api(alice), vacation, "2026-12-28", "2027-01-05")
    assert body["working_days"] == "6.0"
    assert api(bob).post(f"{REQUESTS}/{body['id']}/approve").status_code == 200
    services.leave_accrue_year(year=2027)  # on 1 January: 2026 closes with 21 left
    debits = [(row["date"], row["amount"], row["request"]) for row in ledger(api(alice), "debit")]
    assert debits == [("2026-12-28", "-4.00", body["id"]), ("2027-01-01", "-2.00", body["id"])]
    assert vacation_left(api(alice), "2026-12-31") == "21.00"  # 25 - 4
    # 2027: 5 of the 21 carried over + 25 - 2.
    assert vacation_left(api(alice), "2027-12-31") == "28.00"

    assert api(alice).post(f"{REQUESTS}/{body['id']}/cancel").status_code == 200
    credits = [(row["date"], row["amount"]) for row in ledger(api(alice), "credit")]
    assert credits == [("2026-12-28", "4.00"), ("2027-01-01", "2.00")]


@pytest.mark.django_db
def test_each_leave_year_checks_its_own_part(api, bavarian_new_year, bob, vacation, carol):
    alice = bavarian_new_year
    services.leave_accrue_year(year=2027)
    # 2027's balance is 30 (5 carried + 25); take it down to 1 in 2027 only.
    services.ledger_adjust(actor=carol, user=alice, leave_type=vacation, amount=-29, on=date(2027, 2, 1), note="Test")
    # 4 days in 2026 (21 left there) but 2 in 2027 with only 1: refused, naming 2027.
    response = api(alice).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-12-28", "end_date": "2027-01-05"})
    assert response.status_code == 400, response.json()
    assert "2027" in str(response.json())
    # Ending on Monday 4 January, 1 day in 2027: fits.
    assert ask(api(alice), vacation, "2026-12-28", "2027-01-04")["working_days"] == "5.0"


@pytest.mark.django_db
def test_the_leave_report_shows_the_statutory_minimum_for_the_contracts_work_days(api, funded, bob):
    from users.models import Contract

    report = "/api/v1/reports/leave"
    funded.employment_start = date(2020, 1, 1)
    funded.save()

    def minimum_by_code():
        response = api(bob).get(report, {"as_of": "2026-03-02", "user": funded.pk})
        assert response.status_code == 200, response.json()
        return {row["type_code"]: row["statutory_minimum_days"] for row in response.json()["rows"]}

    assert minimum_by_code() == {"vacation": "20.00"}  # five days a week
    Contract.objects.create(user=funded, valid_from=date(2026, 2, 1), weekly_hours=32, work_days="1234")
    assert minimum_by_code() == {"vacation": "16.00"}  # 20 x 4/5
    csv_text = b"".join(api(bob).get(report, {"as_of": "2026-03-02", "format": "csv"}).streaming_content).decode()
    assert "Statutory minimum (days)" in csv_text.splitlines()[0]


@pytest.mark.django_db
def test_a_leavers_entitlement_is_pro_rated_by_full_months_and_follows_changes(api, funded, carol):
    from core.signals import leave_basis_changed
    from users.models import User

    def leaving(end):
        # As the people's side does when it changes an employment: set the date, send the signal.
        funded.employment_start, funded.employment_end = date(2020, 1, 1), end
        funded.save()
        leave_basis_changed.send(
            sender=User, user_ids=[funded.pk], since=date(2026, 3, 2), actor=carol, reason="Employment end"
        )

    assert vacation_left(api(funded), "2026-03-02") == "25.00"
    # January to June: 6 full months, 25 x 6/12 = 12.5; half a day rounds up (§5(2)): 13.
    leaving(date(2026, 6, 30))
    assert vacation_left(api(funded), "2026-03-02") == "13.00"
    leaving(date(2026, 6, 30))  # nothing changed, nothing written
    assert [row["amount"] for row in ledger(api(funded), "adjustment")] == ["-12.00"]
    # 4 full months (May is not): 25 x 4/12 = 8.33; less than half a day is owed, to the half day: 8.5.
    leaving(date(2026, 5, 15))
    assert vacation_left(api(funded), "2026-03-02") == "8.50"
    leaving(None)  # the leaving date withdrawn: the full year again
    assert vacation_left(api(funded), "2026-03-02") == "25.00"
    assert sorted(row["amount"] for row in ledger(api(funded), "adjustment")) == ["-12.00", "-4.50", "16.50"]
