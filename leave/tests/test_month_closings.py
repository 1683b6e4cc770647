"""Closing a month for payroll (issue 15, acceptance 6), through the API as its clients use
it: the snapshot, the 409 on entries, leave and contract versions of a closed month, reopening,
the audit trail, and the beat job on MONTH_CLOSE_DAY."""

import importlib
from datetime import UTC, date, datetime

import pytest
import time_machine

import core.schedules
from leave import services as leave_services
from leave.tasks import month_close_previous_task
from timeentries import services as entry_services
from users.closings import month_is_closed
from users.models import MonthClosing

CLOSINGS = "/api/v1/month-closings"
CONTRACTS = "/api/v1/contracts"
ENTRIES = "/api/v1/time-entries"
REQUESTS = "/api/v1/leave/requests"
EVENTS = "/api/v1/audit-logs"
NOVEMBER_CLOSED = "November 2026 is closed for payroll; ask an admin to reopen it."


@pytest.fixture
def staff(frozen_2026_11_26, alice, frank, bob, dave, erin, carol):
    """Everyone employed since 2020, so the whole of November counts."""
    for person in (alice, frank, bob, dave, erin, carol):
        person.employment_start = date(2020, 1, 1)
        person.save(update_fields=["employment_start"])
    return alice


def entry(user, project, start, end):
    return entry_services.time_entry_create(
        actor=user, project=project, start=datetime.fromisoformat(start), end=datetime.fromisoformat(end)
    )


def close(api, actor, month="2026-11", team=None):
    return api(actor).post(CLOSINGS, {"month": month, "team": team}, format="json")


@pytest.mark.django_db
def test_closing_november_freezes_worked_and_expected_hours_per_person(staff, api, alice, frank, carol, acme, sick):
    entry(alice, acme, "2026-11-10T09:00:00+00:00", "2026-11-10T12:30:00+00:00")  # 3.5 h
    entry(alice, acme, "2026-11-11T08:00:00+00:00", "2026-11-11T16:15:00+00:00")  # 8.25 h
    entry(alice, acme, "2026-10-30T08:00:00+00:00", "2026-10-30T16:00:00+00:00")  # October: not counted
    leave_services.leave_request_create(  # sick on Friday 27 November: auto-approved
        actor=frank, leave_type=sick, start_date=date(2026, 11, 27), end_date=date(2026, 11, 27)
    )

    response = close(api, carol)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["month"] == "2026-11" and body["team"] is None and body["closed_by"] == carol.pk
    assert body["reopened_at"] is None
    rows = {row["user"]: row for row in body["rows"]}
    # November 2026 has 21 weekdays (2-6, 9-13, 16-20, 23-27, 30); 40 h over 5 days = 8 h each.
    assert rows[alice.pk]["worked_hours"] == "11.75"
    assert rows[alice.pk]["expected_hours"] == "168.00"
    assert rows[frank.pk]["worked_hours"] == "0.00"
    assert rows[frank.pk]["expected_hours"] == "160.00"  # one day of sick leave less
    # The account's balance at 30 November is frozen with the month, as the account reads it.
    account = api(carol).get("/api/v1/working-time-accounts", {"user": alice.pk, "as_of": "2026-11-30"}).json()
    assert rows[alice.pk]["balance_hours"] == account["balance_hours"]
    assert len(rows) == 6
    listed = api(carol).get(CLOSINGS).json()
    assert [closing["id"] for closing in listed["results"]] == [body["id"]]


@pytest.mark.django_db
def test_closed_november_refuses_entries_leave_and_contracts_until_reopened(
    staff, api, alice, bob, carol, acme, unpaid
):
    """Acceptance 6: every write into November answers 409 naming the month; reopening
    allows them again; both are audit events."""
    first_version = {"user": alice.pk, "valid_from": "2020-01-01", "weekly_hours": "40", "work_days": "12345"}
    assert api(carol).post(CONTRACTS, first_version, format="json").status_code == 201
    written = entry(alice, acme, "2026-11-10T09:00:00+00:00", "2026-11-10T12:00:00+00:00")
    pending = (
        api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-11-30", "end_date": "2026-11-30"}).json()
    )
    to_cancel = (
        api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-11-27", "end_date": "2026-11-27"}).json()
    )
    closing = close(api, carol).json()

    refusals = [
        api(alice).patch(f"{ENTRIES}/{written.pk}", {"end": "2026-11-10T13:00:00Z"}),
        api(alice).delete(f"{ENTRIES}/{written.pk}"),
        api(alice).post(ENTRIES, {"project": acme.pk, "start": "2026-11-12T09:00:00Z", "end": "2026-11-12T10:00:00Z"}),
        api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-11-25", "end_date": "2026-11-25"}),
        api(bob).post(f"{REQUESTS}/{pending['id']}/approve", {}),
        api(alice).post(f"{REQUESTS}/{to_cancel['id']}/cancel", {}),
    ]
    for response in refusals:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "month_closed"
        assert response.json()["detail"] == NOVEMBER_CLOSED
    # leave running from October into November touches the closed month too
    spanning = api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-10-30", "end_date": "2026-11-02"})
    assert spanning.status_code == 409 and spanning.json()["detail"] == NOVEMBER_CLOSED
    # contract versions through /contracts: a version from 15 November is refused; changing
    # the version in force over November is refused; one from December on is not
    version = {"user": alice.pk, "weekly_hours": "20", "work_days": "1234"}
    refused = api(carol).post(CONTRACTS, {**version, "valid_from": "2026-11-15"}, format="json")
    assert refused.status_code == 409 and refused.json()["detail"] == NOVEMBER_CLOSED
    current = api(carol).get(CONTRACTS, {"user": alice.pk}).json()["results"][0]
    changed = api(carol).patch(f"{CONTRACTS}/{current['id']}", {"weekly_hours": "30"}, format="json")
    assert changed.status_code == 409 and changed.json()["code"] == "month_closed"
    december = api(carol).post(CONTRACTS, {**version, "valid_from": "2026-12-01"}, format="json")
    assert december.status_code == 201, december.json()

    reopened = api(carol).post(f"{CLOSINGS}/{closing['id']}/reopen")

    assert reopened.status_code == 200
    assert reopened.json()["reopened_by"] == carol.pk and reopened.json()["reopened_at"]
    assert api(alice).patch(f"{ENTRIES}/{written.pk}", {"end": "2026-11-10T13:00:00Z"}).status_code == 200
    assert api(bob).post(f"{REQUESTS}/{pending['id']}/approve", {}).status_code == 200
    assert api(alice).post(f"{REQUESTS}/{to_cancel['id']}/cancel", {}).status_code == 200
    asked = api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": "2026-11-25", "end_date": "2026-11-25"})
    assert asked.status_code == 201
    assert api(carol).post(CONTRACTS, {**version, "valid_from": "2026-11-15"}, format="json").status_code == 201
    events = api(carol).get(EVENTS, {"object_type": "users.monthclosing"}).json()["results"]
    assert sorted(event["action"] for event in events) == ["month_closed", "month_reopened"]
    assert {event["object_id"] for event in events} == {str(closing["id"])}
    assert all(event["actor"] == carol.pk and event["data"]["month"] == "2026-11" for event in events)


@pytest.mark.django_db
def test_a_team_closing_locks_only_that_team(staff, api, alice, dave, carol, team_a, acme):
    response = close(api, carol, team=team_a.pk)
    assert response.status_code == 201
    assert {row["user"] for row in response.json()["rows"]} == {alice.pk, *team_a.members.values_list("pk", flat=True)}
    assert month_is_closed(alice, date(2026, 11, 3)) and not month_is_closed(alice, date(2026, 10, 31))
    assert not month_is_closed(dave, date(2026, 11, 3))
    body = {"project": acme.pk, "start": "2026-11-12T09:00:00Z", "end": "2026-11-12T10:00:00Z"}
    assert api(dave).post(ENTRIES, body).status_code == 201
    assert api(alice).post(ENTRIES, body).status_code == 409


@pytest.mark.django_db
def test_only_admins_close_reopen_or_list(staff, api, alice, bob, carol):
    assert close(api, bob).status_code == 403
    assert close(api, alice).status_code == 403
    assert api(bob).get(CLOSINGS).status_code == 403
    closing = close(api, carol).json()
    assert api(bob).post(f"{CLOSINGS}/{closing['id']}/reopen").status_code == 403
    assert MonthClosing.objects.get().reopened_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["2026-13", "November", "", None, "2026-12"])
def test_a_bad_or_future_month_is_400_naming_month(staff, api, carol, month):
    response = api(carol).post(CLOSINGS, {"month": month}, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["month"]
    assert not MonthClosing.objects.exists()


@pytest.mark.django_db
def test_closing_twice_is_409_and_reopening_twice_is_409(staff, api, carol):
    closing = close(api, carol).json()
    again = close(api, carol)
    assert again.status_code == 409 and again.json()["code"] == "already_closed"
    assert api(carol).post(f"{CLOSINGS}/{closing['id']}/reopen").status_code == 200
    assert api(carol).post(f"{CLOSINGS}/{closing['id']}/reopen").status_code == 409
    assert close(api, carol).status_code == 201  # closed again after a reopen: a new closing
    assert MonthClosing.objects.filter(reopened_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_the_beat_job_closes_last_month_on_month_close_day_once(settings, alice, carol):
    settings.MONTH_CLOSE_DAY = None
    with time_machine.travel(datetime(2026, 12, 5, 1, 0, tzinfo=UTC), tick=False):
        assert month_close_previous_task.apply().get() is None
        assert not MonthClosing.objects.exists()
        settings.MONTH_CLOSE_DAY = 5
        closing_id = month_close_previous_task.apply().get()
        assert month_close_previous_task.apply().get() is None  # a rerun changes nothing
    closing = MonthClosing.objects.get()
    assert closing.pk == closing_id and closing.month == date(2026, 11, 1) and closing.team is None
    assert closing.closed_by is None
    assert month_is_closed(alice, date(2026, 11, 30))


@pytest.mark.django_db
def test_the_schedule_exists_only_when_month_close_day_is_set(settings):
    name = "leave: close the previous month for payroll on MONTH_CLOSE_DAY"
    try:
        settings.MONTH_CLOSE_DAY = 5
        importlib.reload(core.schedules)
        task, cron = core.schedules.PERIODIC_TASKS[name]
        assert task == "leave.tasks.month_close_previous_task" and cron["day_of_month"] == "5"
        settings.MONTH_CLOSE_DAY = None
        importlib.reload(core.schedules)
        assert name not in core.schedules.PERIODIC_TASKS
    finally:
        importlib.reload(core.schedules)


ADMIN = "/admin/users/monthclosing/"


@pytest.mark.django_db
def test_the_admin_closes_and_reopens_through_the_services(staff, client, alice, bob, carol, password):
    client.force_login(carol)
    added = client.post(
        f"{ADMIN}add/", {"month": "2026-11-17", "team": "", "rows-TOTAL_FORMS": "0", "rows-INITIAL_FORMS": "0"}
    )
    assert added.status_code == 302
    closing = MonthClosing.objects.get()
    assert closing.month == date(2026, 11, 1) and closing.closed_by == carol and closing.rows.count() == 6
    again = client.post(
        f"{ADMIN}add/", {"month": "2026-11-03", "team": "", "rows-TOTAL_FORMS": "0", "rows-INITIAL_FORMS": "0"}
    )
    assert again.status_code == 200 and "November 2026 is closed already" in again.content.decode()
    assert client.get(f"{ADMIN}{closing.pk}/change/").status_code == 200

    client.post(ADMIN, {"action": "reopen_selected", "_selected_action": [closing.pk], "index": "0"})

    closing.refresh_from_db()
    assert closing.reopened_by == carol and not month_is_closed(alice, date(2026, 11, 3))
    client.force_login(bob)  # a manager: staff, but closings are the admins'
    assert client.get(ADMIN).status_code == 403
