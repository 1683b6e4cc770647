"""Requests across leave years (issues 15 and 16.5, 16.11): each year's part is checked and
taken in its own year, a year already closed is closed again when a request books into it
late, and the leave report's "left" holds only the year asked about."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from leave import services

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
LEDGER = "/api/v1/leave/ledger"
REPORT = "/api/v1/reports/leave"


def ask(client, leave_type, start, end, **extra):
    return client.post(REQUESTS, {"type": leave_type.pk, "start_date": start, "end_date": end, **extra})


def vacation_row(client, as_of):
    response = client.get(BALANCES, {"as_of": as_of})
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")


@pytest.fixture
def bavarian_alice(frozen_2026_11_26, alice, bob, bavaria, vacation):
    """Alice, employed for years, on the Bavarian calendar with 2026's and 2027's public
    holidays; 2026 opened with 25 days of vacation, and she was told in the autumn that
    what is left above 5 lapses at New Year (the forfeiture notice: without one nothing
    would lapse)."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.employment_start = date(2020, 1, 1)
    alice.save()
    services.holidays_import(calendar=bavaria, year=2026)
    services.holidays_import(calendar=bavaria, year=2027)
    services.leave_accrue_year(year=2026)
    services.leave_forfeiture_notice_record(user=alice, leave_type=vacation, year=2026, actor=None)
    return alice


@pytest.mark.django_db
def test_approving_a_new_year_request_after_the_year_closed_counts_its_old_part_once(
    api, bavarian_alice, bob, vacation
):
    alice = bavarian_alice
    # Mon 28 to Thu 31 Dec 2026: 4 days; Fri 1 Jan a holiday, Mon 4 and Tue 5 Jan: 2 days.
    asked = ask(api(alice), vacation, "2026-12-28", "2027-01-05")
    assert asked.status_code == 201, asked.json()
    services.leave_accrue_year(year=2027)  # 1 January: 2026 closes with 25 left, 5 carried
    with time_machine.travel(datetime(2027, 1, 4, 8, tzinfo=UTC), tick=False):
        approved = api(bob).post(f"{REQUESTS}/{asked.json()['id']}/approve")
        assert approved.status_code == 200, approved.json()
        # 2026: 25 - 4 = 21 left, of which 5 carried as before; 2027: 5 + 25 - 2 = 28.
        assert vacation_row(api(alice), "2026-12-31")["left"] == "21.00"
        assert vacation_row(api(alice), "2027-12-31")["left"] == "28.00"
        assert vacation_row(api(alice), "2027-12-31")["taken"] == "2.00"  # not 6

        # Cancelled again: 2026 closes with 25 as it did, 2027 is whole.
        assert api(bob).post(f"{REQUESTS}/{asked.json()['id']}/cancel").status_code == 200
        assert vacation_row(api(alice), "2026-12-31")["left"] == "25.00"
        assert vacation_row(api(alice), "2027-12-31")["left"] == "30.00"


@pytest.mark.django_db
def test_a_late_old_year_part_that_eats_the_carry_over_is_checked_against_the_new_year(
    api, bavarian_alice, bob, carol, vacation
):
    alice = bavarian_alice
    services.ledger_adjust(actor=carol, user=alice, leave_type=vacation, amount=-22, on=date(2026, 6, 1), note="Taken")
    asked = ask(api(alice), vacation, "2026-12-28", "2027-01-05")  # 4 + 2, 3 left in 2026
    assert asked.status_code == 400, asked.json()
    asked = ask(api(alice), vacation, "2026-12-29", "2027-01-05")  # 3 + 2
    assert asked.status_code == 201, asked.json()
    services.leave_accrue_year(year=2027)  # 2026 closes with 3 left, all 3 carried: 2027 has 28
    with time_machine.travel(datetime(2027, 1, 4, 8, tzinfo=UTC), tick=False):
        assert api(bob).post(f"{REQUESTS}/{asked.json()['id']}/approve").status_code == 200
        # The 3 days of 2026 use up what was carried: 2027 has 25 - 2 = 23 left.
        assert vacation_row(api(alice), "2026-12-31")["left"] == "0.00"
        assert vacation_row(api(alice), "2027-12-31")["left"] == "23.00"


@pytest.mark.django_db
def test_a_request_over_new_year_fits_when_each_years_part_fits(api, bavarian_alice, bob, carol, vacation):
    alice = bavarian_alice
    services.ledger_adjust(actor=carol, user=alice, leave_type=vacation, amount=-21, on=date(2026, 6, 1), note="Taken")
    # 4 left in 2026. Mon 28 to Thu 31 Dec: 4 days; 1 Jan and 6 Jan are Bavarian holidays,
    # Mon 4, Tue 5, Thu 7, Fri 8 Jan: 4 days of 2027's 25.
    asked = ask(api(alice), vacation, "2026-12-28", "2027-01-08")
    assert asked.status_code == 201, asked.json()
    assert asked.json()["working_days"] == "8.0"
    # Pending: this year holds its own part only.
    row_2026 = vacation_row(api(alice), "2026-12-31")
    assert (row_2026["pending"], row_2026["left"]) == ("4.00", "0.00")
    approved = api(bob).post(f"{REQUESTS}/{asked.json()['id']}/approve")
    assert approved.status_code == 200, approved.json()
    row_2026 = vacation_row(api(alice), "2026-12-31")
    assert (row_2026["taken"], row_2026["left"]) == ("4.00", "0.00")  # the request's 4 (the 21 were a correction)
    services.leave_accrue_year(year=2027)
    with time_machine.travel(datetime(2027, 1, 11, 8, tzinfo=UTC), tick=False):
        row_2027 = vacation_row(api(alice), "2027-01-11")
        assert (row_2027["taken"], row_2027["left"]) == ("4.00", "21.00")


@pytest.mark.django_db
def test_the_leave_report_left_ignores_pending_requests_of_other_years(api, bavarian_alice, bob, carol, vacation):
    alice = bavarian_alice
    # 4 days taken in 2026 (21 left); a day and a half asked for in 2027, still pending.
    services.ledger_adjust(actor=carol, user=alice, leave_type=vacation, amount=-4, on=date(2026, 6, 1), note="Taken")
    assert ask(api(alice), vacation, "2027-02-01", "2027-02-02", end_half="morning").status_code == 201

    response = api(bob).get(REPORT, {"as_of": "2026-11-26", "user": alice.pk})
    assert response.status_code == 200, response.json()
    row = next(row for row in response.json()["rows"] if row["type_code"] == "vacation")
    assert (row["pending"], row["left"]) == ("0.00", "21.00")  # not 19.5
    row_2027 = vacation_row(api(alice), "2027-06-01")
    assert row_2027["pending"] == "1.50"


@pytest.mark.django_db
def test_a_holiday_and_a_shortening_change_only_their_own_years_part(
    api, bavarian_alice, bob, carol, vacation, bavaria
):
    alice = bavarian_alice
    # 28 Dec - 8 Jan: 4 days in 2026, 4 in 2027 (1 and 6 January are holidays).
    asked = ask(api(alice), vacation, "2026-12-28", "2027-01-08")
    assert api(bob).post(f"{REQUESTS}/{asked.json()['id']}/approve").status_code == 200
    added = api(carol).post("/api/v1/holidays", {"calendar": bavaria.pk, "date": "2027-01-07", "name": "Company day"})
    assert added.status_code == 201, added.json()

    def by_year():
        rows = api(alice).get(LEDGER, {"page_size": 100}).json()["results"]
        totals = {}
        for row in rows:
            if row["request"] == asked.json()["id"]:
                totals[row["date"][:4]] = totals.get(row["date"][:4], 0) + float(row["amount"])
        return totals

    assert by_year() == {"2026": -4.0, "2027": -3.0}  # the company day gives 2027 its day back
    # Shortened to end on New Year's Eve: 2027's three days come back to 2027.
    response = api(bob).post(f"{REQUESTS}/{asked.json()['id']}/shorten", {"end_date": "2026-12-31"})
    assert response.status_code == 200, response.json()
    assert by_year() == {"2026": -4.0, "2027": 0.0}
    assert vacation_row(api(alice), "2026-12-31")["left"] == "21.00"
