"""Partial cancellation (issue 16.7): shortening approved leave or recalling someone from it
books the difference back, linked to the request; expected hours and the working-time
account follow. Alice's approved vacation runs Monday 9 to Friday 20 March 2026 (ten days
of her 25; 15 left); the clock stands on Monday 2 March 2026."""

from decimal import Decimal

import pytest
from django.test import Client

from core.models import AuditEvent
from leave.models import LeaveLedgerEntry, LeaveRequest

REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
ACCOUNT = "/api/v1/working-time-accounts"

pytestmark = pytest.mark.django_db


def ask(client, leave_type, start, end, **extra):
    response = client.post(REQUESTS, {"type": leave_type.pk, "start_date": start, "end_date": end, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def vacation_left(client):
    response = client.get(BALANCES, {"as_of": "2026-03-31"})
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")["left"]


def expected_hours(client, user):
    response = client.get(ACCOUNT, {"user": user.pk, "as_of": "2026-03-31"})
    assert response.status_code == 200, response.json()
    return Decimal(response.json()["expected_hours"])


def shorten(client, request_id, **body):
    return client.post(f"{REQUESTS}/{request_id}/shorten", body, format="json")


@pytest.fixture
def vacation_9_to_20(api, funded, bob, vacation):
    funded.employment_start = funded.date_joined.date()
    funded.save(update_fields=["employment_start"])
    body = ask(api(funded), vacation, "2026-03-09", "2026-03-20")
    assert api(bob).post(f"{REQUESTS}/{body['id']}/approve").status_code == 200
    assert vacation_left(api(funded)) == "15.00"
    return body["id"]


def test_a_manager_shortens_approved_leave_and_the_ledger_books_the_difference(api, funded, bob, vacation_9_to_20):
    expected_before = expected_hours(api(bob), funded)
    response = shorten(api(bob), vacation_9_to_20, end_date="2026-03-13", comment="Needed for the release")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["end_date"], body["working_days"], body["status"]) == ("2026-03-13", "5.0", "approved")

    credits = LeaveLedgerEntry.objects.filter(request_id=vacation_9_to_20, kind="credit")
    assert [(row.amount, row.date.isoformat()) for row in credits] == [(Decimal("5.00"), "2026-03-09")]
    assert vacation_left(api(funded)) == "20.00"  # 25 - 5
    # Monday 16 to Friday 20 March are working days again: 5 x 8 hours expected.
    assert expected_hours(api(bob), funded) - expected_before == 40
    event = AuditEvent.objects.get(action="leave_shortened", target_id=str(vacation_9_to_20))
    assert (event.data["end_date_was"], event.data["comment"]) == ("2026-03-20", "Needed for the release")

    # Half a day more: ends Thursday 12 March at noon, 3.5 days.
    response = shorten(api(bob), vacation_9_to_20, end_date="2026-03-12", end_half="morning")
    assert response.json()["working_days"] == "3.5"
    assert vacation_left(api(funded)) == "21.50"
    # Cancelling it now gives back what it still holds, 3.5 days.
    assert api(bob).post(f"{REQUESTS}/{vacation_9_to_20}/cancel").status_code == 200
    assert vacation_left(api(funded)) == "25.00"


def test_a_recall_ends_the_leave_the_day_before_and_takes_back_sick_credits_after_it(
    api, funded, bob, sick, vacation_9_to_20
):
    # Sick on Wednesday 18 March, inside the vacation: one day back (16 left).
    ask(api(funded), sick, "2026-03-18", "2026-03-18")
    assert vacation_left(api(funded)) == "16.00"
    # Recalled from Monday 16 March: the vacation ends the day before (Friday 13 its last
    # working day), five days.
    response = shorten(api(bob), vacation_9_to_20, recalled_from="2026-03-16", comment="Recalled: outage")
    assert response.status_code == 200, response.json()
    assert (response.json()["end_date"], response.json()["working_days"]) == ("2026-03-15", "5.0")
    assert response.json()["sick_days_credited"] == "0.0"
    assert vacation_left(api(funded)) == "20.00"  # not 21: the sick day is no vacation day now
    kinds = LeaveLedgerEntry.objects.filter(request_id=vacation_9_to_20).order_by("pk")
    assert [(row.kind, row.amount) for row in kinds] == [
        ("debit", Decimal("-10.00")),
        ("sick_credit", Decimal("1.00")),
        ("credit", Decimal("5.00")),
        ("sick_credit", Decimal("-1.00")),
    ]


def test_who_may_shorten_what(api, funded, bob, dave, vacation, vacation_9_to_20):
    # Alice cannot shorten her own approved leave; dave does not see it.
    assert shorten(api(funded), vacation_9_to_20, end_date="2026-03-13").status_code == 403
    assert shorten(api(dave), vacation_9_to_20, end_date="2026-03-13").status_code == 404
    # The new end must make it shorter and keep at least a day.
    for body, field in (
        ({"end_date": "2026-03-23"}, "end_date"),
        ({"end_date": "2026-03-20"}, "end_date"),
        ({"end_date": "2026-03-08"}, "end_date"),
        ({"recalled_from": "2026-03-09"}, "end_date"),
        ({}, "end_date"),
        ({"end_date": "2026-03-13", "recalled_from": "2026-03-16"}, "end_date"),
    ):
        response = shorten(api(bob), vacation_9_to_20, **body)
        assert response.status_code == 400, (body, response.json())
        assert field in str(response.json()), response.json()
    assert vacation_left(api(funded)) == "15.00"

    # Her own pending request she shortens herself; nothing is booked.
    pending = ask(api(funded), vacation, "2026-04-13", "2026-04-17")
    response = shorten(api(funded), pending["id"], end_date="2026-04-15")
    assert response.status_code == 200, response.json()
    assert (response.json()["working_days"], response.json()["status"]) == ("3.0", "pending")
    assert not LeaveLedgerEntry.objects.filter(request_id=pending["id"]).exists()
    assert LeaveRequest.objects.get(pk=pending["id"]).end_date.isoformat() == "2026-04-15"


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def test_the_admin_action_shortens_through_the_service(funded, bob, password, vacation_9_to_20):
    client = signed_in(bob, password)
    data = {"action": "shorten_selected", "_selected_action": [vacation_9_to_20], "index": "0"}
    confirmation = client.post("/admin/leave/leaverequest/", data)
    assert confirmation.status_code == 200
    assert 'for="id_end_date">New last day</label>' in confirmation.content.decode()

    done = client.post(
        "/admin/leave/leaverequest/", {**data, "post": "yes", "end_date": "2026-03-17", "comment": "Recalled"}
    )
    assert done.status_code == 302
    leave = LeaveRequest.objects.get(pk=vacation_9_to_20)
    assert (leave.end_date.isoformat(), leave.working_days) == ("2026-03-17", Decimal("7.0"))
    assert LeaveLedgerEntry.objects.get(request=leave, kind="credit").amount == Decimal("3.00")


def test_the_leave_page_shortens_her_own_pending_request(api, funded, password, vacation, vacation_9_to_20):
    pending = ask(api(funded), vacation, "2026-04-13", "2026-04-17")
    client = signed_in(funded, password)
    page = client.get("/leave/").content.decode()
    assert f'action="/leave/requests/{pending["id"]}/shorten/"' in page
    assert f'action="/leave/requests/{vacation_9_to_20}/shorten/"' not in page  # approved: her manager's
    assert f'<label for="shorten-{pending["id"]}-end_date">New last day</label>' in page

    refused = client.post(f"/leave/requests/{pending['id']}/shorten/", {"end_date": "2026-04-20"})
    assert refused.status_code == 400
    assert "The new end must be between 2026-04-13 and 2026-04-17." in refused.content.decode()

    done = client.post(f"/leave/requests/{pending['id']}/shorten/", {"end_date": "2026-04-14", "end_half": "morning"})
    assert done.status_code == 302
    assert LeaveRequest.objects.get(pk=pending["id"]).working_days == Decimal("1.5")


def test_shortening_sick_leave_inside_a_vacation_gives_back_only_the_days_still_sick(
    api, funded, bob, sick, vacation_9_to_20
):
    # Sick Monday 16 to Wednesday 18 March: three vacation days credited back, 18 left.
    sick_leave = ask(api(funded), sick, "2026-03-16", "2026-03-18")
    assert vacation_left(api(funded)) == "18.00"
    # Well again on Tuesday: the sick leave ends on Monday 16, one day credited.
    response = shorten(api(bob), sick_leave["id"], end_date="2026-03-16")
    assert response.status_code == 200, response.json()
    assert vacation_left(api(funded)) == "16.00"
    shown = api(funded).get(f"{REQUESTS}/{vacation_9_to_20}").json()
    assert (shown["sick_days_credited"], shown["net_working_days"]) == ("1.0", "9.0")
