"""The yearly leave entitlement as the law gives it (issue 16 items 1, 2 and 8; issue 15's
leavers): by working days a week, never below the statutory four weeks, the statutory part
apart from the contractual extra, joiners and leavers by BUrlG §4 and §5. Figures by hand."""

from datetime import date
from decimal import Decimal

import pytest

from core.signals import leave_basis_changed
from leave import services
from leave.models import LeaveLedgerEntry, LeaveType
from users.models import Contract, User

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
LEDGER = "/api/v1/leave/ledger"
REPORT = "/api/v1/reports/leave"


def balance_row(client, code="vacation", **params) -> dict:
    response = client.get(BALANCES, params)
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["balances"] if row["type_code"] == code)


def accrual_rows(user, leave_type) -> list[tuple[Decimal, Decimal]]:
    rows = LeaveLedgerEntry.objects.filter(user=user, leave_type=leave_type, kind=LeaveLedgerEntry.Kind.ACCRUAL)
    return [(row.amount, row.statutory) for row in rows]


def works(user, *, hours, days, since=date(2020, 1, 1)) -> None:
    Contract.objects.create(user=user, valid_from=since, weekly_hours=hours, work_days=days)


def set_employment(user, *, start, end=None, actor=None) -> None:
    """As the people's side does when it changes an employment: set the dates, send the signal."""
    user.employment_start, user.employment_end = start, end
    user.save()
    leave_basis_changed.send(sender=User, user_ids=[user.pk], since=date(2026, 3, 2), actor=actor, reason="test")


@pytest.fixture
def hour_vacation(db):
    """Vacation counted in hours: 25 days a year at a full-time week."""
    return LeaveType.objects.create(
        name="Vacation (hours)", code="vacation-hours", unit=LeaveType.Unit.HOUR, annual_allowance=25
    )


# --- 16.1: part-time entitlement by working days ------------------------------------------------


@pytest.mark.django_db
def test_five_short_days_a_week_earn_the_full_allowance_and_a_week_off_costs_five(
    api, frozen_2026_03_02, alice, bob, vacation
):
    works(alice, hours=20, days="12345")  # 5 days x 4 h
    services.leave_accrue_year(year=2026)

    # By days: 25 (was 25 x 20/40 = 12.5, two and a half weeks of leave).
    assert balance_row(api(alice))["entitlement"] == "25.00"
    week = api(alice).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-06-08", "end_date": "2026-06-12"})
    assert week.status_code == 201 and week.json()["working_days"] == "5.0"
    assert balance_row(api(alice))["left"] == "20.00"  # five weeks of leave a year, as full-timers


@pytest.mark.django_db
def test_four_days_a_week_earn_four_fifths_whatever_the_hours(api, frozen_2026_03_02, alice, dave, vacation):
    works(alice, hours=24, days="1234")  # 4 days x 6 h: 25 x 4/5 = 20 (was 25 x 24/40 = 15)
    works(dave, hours=40, days="1234")  # 4 days x 10 h: 20 too (was 25)
    services.leave_accrue_year(year=2026)

    assert balance_row(api(alice))["entitlement"] == "20.00"
    assert balance_row(api(dave))["entitlement"] == "20.00"


@pytest.mark.django_db
def test_a_change_of_work_days_counts_each_day_under_its_version(api, frozen_2026_03_02, alice, carol, vacation):
    works(alice, hours=40, days="12345")
    services.leave_accrue_year(year=2026)
    assert balance_row(api(alice))["entitlement"] == "25.00"

    # From 1 July on 4 days x 5 h: 25/5 x (181 x 5 + 184 x 4)/365 = 22.48 -> 22.5; booked
    # as soon as the version is known (the difference, dated with the accrual).
    works(alice, hours=20, days="1234", since=date(2026, 7, 1))
    leave_basis_changed.send(sender=User, user_ids=[alice.pk], since=date(2026, 7, 1), actor=carol, reason="4 days")

    assert balance_row(api(alice))["entitlement"] == "22.50"
    leave_basis_changed.send(sender=User, user_ids=[alice.pk], since=date(2026, 7, 1), actor=carol, reason="again")
    adjustments = LeaveLedgerEntry.objects.filter(user=alice, kind=LeaveLedgerEntry.Kind.ADJUSTMENT)
    assert [(row.amount, row.statutory) for row in adjustments] == [(Decimal("-2.5"), Decimal("-2"))]


@pytest.mark.django_db
def test_hour_based_leave_keeps_hours(api, frozen_2026_03_02, alice, dave, hour_vacation):
    works(alice, hours=20, days="12345")  # 25 days x 4 h = 100 h (was 12.5 x 4 = 50)
    works(dave, hours=40, days="12345")  # 25 days x 8 h = 200 h
    services.leave_accrue_year(year=2026)

    assert balance_row(api(alice), code="vacation-hours")["entitlement"] == "100.00"
    assert balance_row(api(dave), code="vacation-hours")["entitlement"] == "200.00"


# --- 16.2: statutory minimum and contractual extra -----------------------------------------------


@pytest.mark.django_db
def test_the_ledger_keeps_the_statutory_part_apart_and_the_balances_show_both(
    api, frozen_2026_03_02, alice, dave, vacation
):
    works(dave, hours=32, days="1234")
    services.leave_accrue_year(year=2026)

    # 5 days: 20 statutory (4 weeks) + 5 extra; 4 days: 16 + 4.
    assert accrual_rows(alice, vacation) == [(Decimal(25), Decimal(20))]
    assert accrual_rows(dave, vacation) == [(Decimal(20), Decimal(16))]
    shown = balance_row(api(dave))
    assert (shown["statutory_entitlement"], shown["contractual_entitlement"]) == ("16.00", "4.00")
    assert shown["statutory_left"] == "16.00"
    ledger = api(alice).get(LEDGER).json()["results"]
    assert [(row["kind"], row["amount"], row["statutory"]) for row in ledger] == [("accrual", "25.00", "20.00")]


@pytest.mark.django_db
def test_an_allowance_below_four_weeks_is_raised_to_the_statutory_minimum(
    api, frozen_2026_03_02, alice, dave, carol, vacation
):
    vacation.annual_allowance = 18
    vacation.save()
    works(dave, hours=32, days="1234")
    services.leave_accrue_year(year=2026)

    assert accrual_rows(alice, vacation) == [(Decimal(20), Decimal(20))]  # not 18
    assert accrual_rows(dave, vacation) == [(Decimal(16), Decimal(16))]  # not 18 x 4/5 = 14.4
    report = api(carol).get(REPORT, {"as_of": "2026-03-02", "user": alice.pk}).json()["rows"]
    assert [(row["statutory_entitlement"], row["contractual_entitlement"]) for row in report] == [("20.00", "0.00")]


@pytest.mark.django_db
def test_the_statutory_part_cannot_be_paid_out_while_employed(api, funded, bob, carol, vacation):
    # 25 = 20 statutory + 5 extra; ten days taken use the statutory part first: 10 + 5 left.
    taken = api(funded).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-04-13", "end_date": "2026-04-24"})
    assert api(bob).post(f"{REQUESTS}/{taken.json()['id']}/approve").status_code == 200
    assert balance_row(api(funded), as_of="2026-12-31")["statutory_left"] == "10.00"

    def pay_out(amount, on="2026-11-30"):
        body = {"user": funded.pk, "type": vacation.pk, "amount": amount, "date": on, "note": "Paid", "kind": "payout"}
        return api(carol).post(LEDGER, body, format="json")

    refused = pay_out("-6")
    assert refused.status_code == 409, refused.json()
    assert "statutory" in refused.json()["detail"]
    paid = pay_out("-5")
    assert paid.status_code == 201, paid.json()
    assert (paid.json()["kind"], paid.json()["amount"], paid.json()["statutory"]) == ("payout", "-5.00", "0.00")
    assert pay_out("-1").status_code == 409
    assert pay_out("2").status_code == 400  # a payout takes days away

    # Once the person has left, what is left is paid out (BUrlG §7(4)): the statutory 10.
    funded.employment_end = date(2026, 11, 30)
    funded.save()
    leaving = pay_out("-10")
    assert leaving.status_code == 201, leaving.json()
    assert leaving.json()["statutory"] == "-10.00"
    assert balance_row(api(funded), as_of="2026-12-31")["statutory_left"] == "0.00"


# --- 16.8: joiners ------------------------------------------------------------------------------


def joiner(api, carol, start: str) -> User:
    body = {"email": f"new-{start}@example.com", "password": "a-long-pass-phrase", "employment_start": start}
    created = api(carol).post("/api/v1/users", body, format="json")
    assert created.status_code == 201, created.json()
    return User.objects.get(pk=created.json()["id"])


@pytest.mark.django_db
def test_a_joiner_by_1_july_has_the_full_statutory_minimum(api, frozen_2026_03_02, carol, vacation):
    # 30 June: the six months' waiting period ends within the year (BUrlG §4): 20 in full;
    # the extra 5 x 6 full months (30 June to 29 December)/12 = 2.5, a half day or more
    # rounds up (§5(2)): 3. 23 (was 25 x 185/365 = 12.5).
    assert accrual_rows(joiner(api, carol, "2026-06-30"), vacation) == [(Decimal(23), Decimal(20))]
    # 1 July still completes it (1 July to 31 December): 20 + 2.5 -> 23.
    assert accrual_rows(joiner(api, carol, "2026-07-01"), vacation) == [(Decimal(23), Decimal(20))]
    # 2 March: 20 + 5 x 9/12 = 3.75 -> 4: 24 (was 25 x 305/365 = 21).
    assert accrual_rows(joiner(api, carol, "2026-03-02"), vacation) == [(Decimal(24), Decimal(20))]


@pytest.mark.django_db
def test_a_joiner_after_1_july_has_twelfths_per_full_month(api, frozen_2026_03_02, carol, vacation):
    # 16 September: 3 full months (to 15 December), 25 x 3/12 = 6.25; a fraction below half a
    # day is owed, not rounded away, and the ledger counts half days: 6.5 (was 7.5), of which
    # 20 x 3/12 = 5 statutory.
    assert accrual_rows(joiner(api, carol, "2026-09-16"), vacation) == [(Decimal("6.5"), Decimal(5))]
    # 2 July: 5 full months: 25 x 5/12 = 10.42 -> 10.5, statutory 20 x 5/12 = 8.33 -> 8.5.
    assert accrual_rows(joiner(api, carol, "2026-07-02"), vacation) == [(Decimal("10.5"), Decimal("8.5"))]


# --- issue 15: leavers (BUrlG §5) -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_leaver_in_the_second_half_keeps_the_full_statutory_minimum(api, funded, carol):
    set_employment(funded, start=date(2020, 1, 1), end=date(2026, 8, 31), actor=carol)

    # 20 statutory + 5 x 8 full months/12 = 3.33 -> 3.5: 23.5 (was 25 x 8/12 = 16.5).
    shown = balance_row(api(funded), as_of="2026-03-02")
    assert (shown["entitlement"], shown["statutory_entitlement"], shown["contractual_entitlement"]) == (
        "23.50",
        "20.00",
        "3.50",
    )
    report = api(carol).get(REPORT, {"as_of": "2026-09-15", "user": funded.pk}).json()["rows"]
    assert [(row["statutory_minimum_days"], row["statutory_entitlement"]) for row in report] == [("20.00", "20.00")]


@pytest.mark.django_db
def test_a_leaver_in_the_first_half_has_twelfths_of_both_parts(api, funded, carol):
    set_employment(funded, start=date(2020, 1, 1), end=date(2026, 6, 30), actor=carol)

    # 6 full months (§5(1)(c)): 25 x 6/12 = 12.5, and half a day rounds up to a whole one
    # (§5(2)): 13, of which 20 x 6/12 = 10 statutory.
    shown = balance_row(api(funded), as_of="2026-03-02")
    assert (shown["entitlement"], shown["statutory_entitlement"]) == ("13.00", "10.00")
    report = api(carol).get(REPORT, {"as_of": "2026-03-02", "user": funded.pk}).json()["rows"]
    assert [(row["statutory_minimum_days"], row["statutory_entitlement"]) for row in report] == [("20.00", "10.00")]


@pytest.mark.django_db
def test_a_joiner_leaving_in_the_same_year(api, frozen_2026_03_02, carol, vacation):
    # Joined 15 March, leaves 20 August: 5 full months, the waiting period (to 14 September)
    # not completed (§5(1)(b)): 25 x 5/12 = 10.42 -> 10.5.
    early = joiner(api, carol, "2026-03-15")
    set_employment(early, start=date(2026, 3, 15), end=date(2026, 8, 20), actor=carol)
    assert balance_row(api(early), as_of="2026-03-16")["entitlement"] == "10.50"
    # Joined 1 March, leaves 31 August: waiting period completed, second half: 20 + 5 x 6/12
    # = 22.5 -> 23.
    later = joiner(api, carol, "2026-03-01")
    set_employment(later, start=date(2026, 3, 1), end=date(2026, 8, 31), actor=carol)
    assert balance_row(api(later), as_of="2026-03-02")["entitlement"] == "23.00"


@pytest.mark.django_db
def test_the_admin_pays_out_through_the_same_rule(funded, carol, vacation, password):
    from django.test import Client

    client = Client()
    assert client.login(email=carol.email, password=password)
    form = {"user": funded.pk, "leave_type": vacation.pk, "date": "2026-11-30", "note": "Paid", "kind": "payout"}

    # 25 left, 20 of them statutory: 5 may be paid out while she is employed, not 6.
    refused = client.post("/admin/leave/leaveledgerentry/add/", {**form, "amount": "-6"})
    assert refused.status_code == 200
    assert "statutory minimum" in refused.content.decode()
    assert not LeaveLedgerEntry.objects.filter(kind=LeaveLedgerEntry.Kind.PAYOUT).exists()
    paid = client.post("/admin/leave/leaveledgerentry/add/", {**form, "amount": "-5"})
    assert paid.status_code == 302
    assert LeaveLedgerEntry.objects.get(kind=LeaveLedgerEntry.Kind.PAYOUT).amount == -5


@pytest.mark.django_db
def test_a_payout_dated_in_a_closed_month_is_409_and_books_nothing(api, funded, carol, vacation):
    """Payroll took February's figures when it closed; a payout dated in it would be paid
    with no salary run to carry it. March, still open, takes it."""
    services.month_closing_create(actor=carol, month=date(2026, 2, 1))

    def pay_out(on):
        body = {"user": funded.pk, "type": vacation.pk, "amount": "-2", "date": on, "note": "Paid", "kind": "payout"}
        return api(carol).post(LEDGER, body, format="json")

    refused = pay_out("2026-02-27")
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "month_closed"
    assert not LeaveLedgerEntry.objects.filter(kind=LeaveLedgerEntry.Kind.PAYOUT).exists()
    assert pay_out("2026-03-02").status_code == 201
