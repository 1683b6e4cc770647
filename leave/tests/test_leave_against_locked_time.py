"""Issue 16, item 10: leave against locked and approved time.

Alice works 40 h over Monday to Friday (8 h a day) with no holiday calendar, employed since
2020. November 2026 has 21 weekdays: 168 h expected; an approved vacation of Monday 16 to
Friday 20 November takes 40 h out, leaving 128 h. The clock stands on Thursday 3 December
2026.

- With November locked (the payroll lock date or a month closing) cancelling that vacation
  would put the month back to 168 h (-40 h on the account): 409, like an entry there. So are
  new vacation and sick leave in the month and approving a request waiting there; a
  submitted or approved week refuses leave as it refuses entries, until it is reopened.
- A whole day of vacation on a day with recorded work is refused naming the dates; sick
  leave on such a day is accepted and covers only the hours not worked: 8 h worked on a day
  booked sick stay 8 h expected, not overtime; 3 h worked then sick leave 3 h expected.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from leave import selectors, services
from leave.models import LeaveRequest
from leave.tests.helpers import ask
from timeentries import services as entry_services
from timeentries.models import Timesheet

REQUESTS = "/api/v1/leave/requests"
ACCOUNT = "/api/v1/working-time-accounts"
SHEETS = "/api/v1/timesheets"
NOVEMBER_CLOSED = "November 2026 is closed for payroll; ask an admin to reopen it."

pytestmark = pytest.mark.django_db


@pytest.fixture
def december_3(alice, frank, bob, carol):
    with time_machine.travel(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), tick=False):
        for person in (alice, frank, bob, carol):
            person.employment_start = date(2020, 1, 1)
            person.save(update_fields=["employment_start"])
        services.leave_accrue_year(year=2026)
        yield alice


def november_expected(user) -> Decimal:
    return sum(selectors.expected_hours_of([user], date(2026, 11, 1), date(2026, 11, 30))[user.pk].values())


def balance(api, user, as_of="2026-11-30") -> str:
    return api(user).get(ACCOUNT, {"user": user.pk, "as_of": as_of}).json()["balance_hours"]


def worked(user, project, day: str, hours: float):
    return entry_services.time_entry_create(
        actor=user, project=project, day=date.fromisoformat(day), duration=timedelta(hours=hours)
    )


def request_body(leave_type, start, end=None, **extra):
    return {"type": leave_type.pk, "start_date": start, "end_date": end or start, **extra}


@pytest.fixture
def november_vacation(december_3, bob, vacation):
    request = ask(december_3, vacation, "2026-11-16", "2026-11-20")
    services.leave_request_approve(request_id=request.pk, actor=bob)
    assert november_expected(december_3) == Decimal("128")
    return request


@pytest.mark.parametrize("lock", ["payroll_lock_date", "month_closing"])
def test_leave_in_a_locked_november_answers_409_like_entries(
    lock, november_vacation, api, alice, bob, carol, vacation, sick
):
    waiting = ask(alice, vacation, "2026-11-27")
    before = balance(api, alice)
    if lock == "payroll_lock_date":
        entry_services.lock_period_set(actor=carol, locked_before=date(2026, 12, 1))
        code = "period_locked"
    else:
        services.month_closing_create(actor=carol, month=date(2026, 11, 1))
        code = "month_closed"

    refusals = {
        "cancel": api(bob).post(f"{REQUESTS}/{november_vacation.pk}/cancel", {"comment": "plans changed"}),
        "vacation": api(alice).post(REQUESTS, request_body(vacation, "2026-11-25")),
        "sick": api(alice).post(REQUESTS, request_body(sick, "2026-11-26")),
        "approve": api(bob).post(f"{REQUESTS}/{waiting.pk}/approve", {}),
    }

    for what, response in refusals.items():
        assert response.status_code == 409, (what, response.json())
        assert response.json()["code"] == code, what
        if code == "month_closed":
            assert response.json()["detail"] == NOVEMBER_CLOSED
    november_vacation.refresh_from_db()
    assert november_vacation.status == LeaveRequest.Status.APPROVED
    assert november_expected(alice) == Decimal("128") and balance(api, alice) == before
    assert LeaveRequest.objects.filter(user=alice).count() == 2


def test_a_submitted_or_approved_week_refuses_leave_until_it_is_reopened(december_3, api, alice, bob, acme, sick):
    for day in ("2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"):
        worked(alice, acme, day, 8)
    week = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 9))
    entry_services.timesheet_submit(timesheet_id=week.pk, actor=alice)
    entry_services.timesheet_approve(timesheet_id=week.pk, actor=bob)
    before = balance(api, alice)

    refused = api(alice).post(REQUESTS, request_body(sick, "2026-11-12"))

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Week 2026-W46 is approved; ask your manager to reopen it.",
        "code": "week_locked",
    }
    entry_services.timesheet_reopen(timesheet_id=week.pk, actor=bob, comment="sick note arrived")
    booked = api(alice).post(REQUESTS, request_body(sick, "2026-11-12"))
    assert booked.status_code == 201, booked.json()
    assert booked.json()["status"] == "approved"
    # 8 h worked on the day booked sick stay 8 h expected: 168 h in November, no overtime
    assert november_expected(alice) == Decimal("168")
    assert balance(api, alice) == before


def test_sick_leave_covers_only_the_hours_not_worked(december_3, api, alice, acme, sick):
    worked(alice, acme, "2026-11-16", 3)  # went home sick after 3 h

    booked = api(alice).post(REQUESTS, request_body(sick, "2026-11-16", "2026-11-17"))

    assert booked.status_code == 201, booked.json()
    expected = selectors.expected_hours_of([alice], date(2026, 11, 16), date(2026, 11, 17))[alice.pk]
    assert expected == {date(2026, 11, 16): Decimal("3"), date(2026, 11, 17): Decimal("0")}
    assert november_expected(alice) == Decimal("155")  # 168 - 5 - 8


def test_vacation_on_days_with_recorded_work_is_refused_naming_the_dates(december_3, api, alice, bob, acme, vacation):
    worked(alice, acme, "2026-11-12", 8)
    worked(alice, acme, "2026-11-13", 3.5)

    one = api(alice).post(REQUESTS, request_body(vacation, "2026-11-12"))
    two = api(alice).post(REQUESTS, request_body(vacation, "2026-11-09", "2026-11-13"))
    half = api(alice).post(REQUESTS, request_body(vacation, "2026-11-13", start_half="afternoon"))

    assert one.status_code == 400 and one.json()["errors"] == {
        "start_date": ["8 h worked on Thu 12 Nov; correct the time entries first."]
    }
    assert two.status_code == 400 and two.json()["errors"] == {
        "start_date": ["8 h worked on Thu 12 Nov, 3.5 h on Fri 13 Nov; correct the time entries first."]
    }
    assert half.status_code == 201, half.json()  # worked in the morning, off in the afternoon
    # a request asked before the work was recorded is refused on approval the same way
    waiting = ask(alice, vacation, "2026-11-30")
    worked(alice, acme, "2026-11-30", 2)
    approval = api(bob).post(f"{REQUESTS}/{waiting.pk}/approve", {})
    assert approval.status_code == 400
    assert approval.json()["errors"] == {"start_date": ["2 h worked on Mon 30 Nov; correct the time entries first."]}
