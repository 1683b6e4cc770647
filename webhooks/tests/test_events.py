"""Every event of the catalogue, caused through the public API as people cause them, reaches
a real receiver on 127.0.0.1 signed so that the receiver verifies it (issue 19, acceptance 4),
with the data hand-checked for one of each kind."""

from datetime import UTC, date, datetime

import pytest

from compliance.models import Violation
from leave import services as leave_services
from timeentries.models import Timesheet
from webhooks.models import EVENTS, WebhookDelivery
from webhooks.tests.conftest import signature_valid

ENTRIES = "/api/v1/time-entries"
SHEETS = "/api/v1/timesheets"
REQUESTS = "/api/v1/leave/requests"
CLOSINGS = "/api/v1/month-closings"
LEAVE_EVENTS = ["leave_request.created", "leave_request.approved", "leave_request.rejected", "leave_request.cancelled"]


@pytest.fixture
def staff_since_2020(frozen_2026_03_02, alice, bob, carol):
    """Alice and Bob have worked here since 2020; Alice has her 2026 vacation."""
    for person in (alice, bob, carol):
        person.employment_start = date(2020, 1, 1)
        person.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
        person.save(update_fields=["employment_start", "date_joined"])
    leave_services.leave_accrue_year(year=2026)
    return alice


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def work_and_leave_story(api, alice, bob, carol, internal, vacation):
    """Each event of the catalogue at least once; answers the ids the checks need."""
    tuesday = ok(
        api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-02-24T08:00:00Z", "end": "2026-02-24T11:00:00Z"}
        ),
        201,
    )
    # Twelve hours without a break on Wednesday: working-time violations are recorded.
    ok(
        api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-02-25T07:00:00Z", "end": "2026-02-25T19:00:00Z"}
        ),
        201,
    )
    monday = ok(
        api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-03-02T08:00:00Z", "end": "2026-03-02T09:00:00Z"}
        ),
        201,
    )
    ok(api(alice).patch(f"{ENTRIES}/{monday['id']}", {"description": "Planning"}))
    assert api(alice).delete(f"{ENTRIES}/{monday['id']}").status_code == 204

    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 2, 23))
    ok(api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "short week"}))
    ok(api(bob).post(f"{SHEETS}/{sheet.pk}/reject", {"comment": "Wednesday needs a break"}))
    ok(api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "short week, as agreed"}))
    ok(api(bob).post(f"{SHEETS}/{sheet.pk}/approve", {"comment": "thanks"}))

    requests = [
        ok(api(alice).post(REQUESTS, {"type": vacation.pk, "start_date": start, "end_date": end}), 201)["id"]
        for start, end in (("2026-03-09", "2026-03-10"), ("2026-03-16", "2026-03-16"), ("2026-03-23", "2026-03-23"))
    ]
    ok(api(bob).post(f"{REQUESTS}/{requests[0]}/approve", {"comment": "Enjoy"}))
    ok(api(bob).post(f"{REQUESTS}/{requests[1]}/reject", {"comment": "Release week"}))
    ok(api(alice).post(f"{REQUESTS}/{requests[2]}/cancel"))

    ok(api(carol).post(CLOSINGS, {"month": "2026-02", "team": None}, format="json"), 201)
    return {"tuesday": tuesday["id"], "monday": monday["id"], "sheet": sheet.pk, "approved_leave": requests[0]}


@pytest.mark.django_db
def test_every_event_reaches_the_receiver_signed_with_the_webhooks_secret(
    staff_since_2020, api, alice, bob, carol, internal, vacation, receiver, register, django_capture_on_commit_callbacks
):
    everything = register(receiver.url)
    leave_only = register(receiver.url.replace("/time", "/leave"), events=LEAVE_EVENTS)

    with django_capture_on_commit_callbacks(execute=True):
        ids = work_and_leave_story(api, alice, bob, carol, internal, vacation)

    to_everything = [request for request in receiver.requests if request.path == "/hooks/time"]
    to_leave = [request for request in receiver.requests if request.path == "/hooks/leave"]
    assert {request.json["event"] for request in to_everything} == set(EVENTS)
    assert [request.json["event"] for request in to_leave] == [
        *["leave_request.created"] * 3,
        "leave_request.approved",
        "leave_request.rejected",
        "leave_request.cancelled",
    ]
    for request in to_everything:
        assert signature_valid(everything["secret"], request), request.json["event"]
        assert not signature_valid(leave_only["secret"], request)
        assert request.headers["Webhook-Id"] == request.json["id"] and request.json["id"].startswith("msg_")
        assert set(request.json) == {"id", "event", "created_at", "data"}
    assert all(signature_valid(leave_only["secret"], request) for request in to_leave)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}

    by_event = {}
    for request in to_everything:
        by_event.setdefault(request.json["event"], []).append(request.json["data"])
    assert by_event["time_entry.created"][0] == {
        "id": ids["tuesday"],
        "user": alice.pk,
        "project": internal.pk,
        "task": None,
        "kind": "clocked",
        "day": "2026-02-24",
        "start": "2026-02-24T08:00:00+00:00",
        "end": "2026-02-24T11:00:00+00:00",
        "break_minutes": 0,
        "hours": "3.00",
        "description": "",
        "billable": False,
    }
    assert by_event["time_entry.updated"][0]["description"] == "Planning"
    assert by_event["time_entry.deleted"][0]["id"] == ids["monday"]
    assert [data["status"] for data in by_event["timesheet.submitted"]] == ["submitted", "submitted"]
    approved = by_event["timesheet.approved"][0]
    assert (approved["id"], approved["week"], approved["status"], approved["decided_by"]) == (
        ids["sheet"],
        "2026-W09",
        "approved",
        bob.pk,
    )
    assert by_event["timesheet.rejected"][0]["status"] == "rejected"
    leave = by_event["leave_request.approved"][0]
    assert (leave["id"], leave["type"], leave["working_days"], leave["hours"]) == (
        ids["approved_leave"],
        "vacation",
        "2.0",
        "16.00",
    )
    assert "reason" not in leave  # free text stays home
    assert {violation["period_start"] for violation in by_event["violation.created"]} == {"2026-02-25"}
    assert by_event["month.closed"] == [
        {
            "id": by_event["month.closed"][0]["id"],
            "month": "2026-02",
            "team": None,
            "closed_by": carol.pk,
            "closed_at": "2026-03-02T10:00:00+00:00",
            "people": by_event["month.closed"][0]["people"],
        }
    ]


@pytest.mark.django_db
def test_a_write_that_is_refused_sends_nothing(
    staff_since_2020, api, alice, internal, receiver, register, django_capture_on_commit_callbacks
):
    register(receiver.url, events=["time_entry.created"])
    with django_capture_on_commit_callbacks(execute=True):
        ok(
            api(alice).post(
                ENTRIES, {"project": internal.pk, "start": "2026-02-24T08:00:00Z", "end": "2026-02-24T11:00:00Z"}
            ),
            201,
        )
        overlapping = api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-02-24T10:00:00Z", "end": "2026-02-24T12:00:00Z"}
        )
    assert overlapping.status_code == 409
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_each_violation_a_judgement_records_is_one_event(
    api, alice_since_2020, internal, receiver, register, django_capture_on_commit_callbacks
):
    """The judgement writes its violations in one INSERT; each still sends its own event."""
    register(receiver.url, events=["violation.created"])

    with django_capture_on_commit_callbacks(execute=True):
        ok(
            api(alice_since_2020).post(
                ENTRIES, {"project": internal.pk, "start": "2026-02-25T07:00:00Z", "end": "2026-02-25T19:00:00Z"}
            ),
            201,
        )

    recorded = Violation.objects.filter(user=alice_since_2020)
    assert recorded.count() == 3
    sent = {request.json["data"]["id"]: request.json["data"] for request in receiver.requests}
    assert set(sent) == set(recorded.values_list("pk", flat=True))
    assert {data["rule"] for data in sent.values()} == {"daily_max", "breaks", "work_in_a_row"}
    assert len({request.json["id"] for request in receiver.requests}) == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
