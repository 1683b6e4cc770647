import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from conftest import requires_postgres
from core.models import AuditEvent
from timeentries import services
from timeentries.models import TimeEntry, Timesheet
from users.tests.factories import UserFactory

ENTRIES = "/api/v1/time-entries"
SHEETS = "/api/v1/timesheets"


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def log(user, project, start, end):
    return services.time_entry_create(actor=user, project=project, start=at(start), end=at(end))


@pytest.mark.django_db
def test_entry_across_the_dst_night_counts_its_true_duration(api, alice, acme):
    """Berlin leaves summer time on 25 Oct 2026 at 03:00 -> 02:00: 22:00 to 06:00 is 9 hours."""
    with time_machine.travel(datetime(2026, 10, 28, 12, 0, tzinfo=UTC), tick=False):
        response = api(alice).post(
            ENTRIES, {"project": acme.pk, "start": "2026-10-24T22:00:00+02:00", "end": "2026-10-25T06:00:00+01:00"}
        )
        assert response.status_code == 201, response.json()
        assert response.json()["hours"] == 9.0
        sheet = Timesheet.objects.get(user=alice)
        assert sheet.week == "2026-W43"
        detail = api(alice).get(f"{SHEETS}/{sheet.pk}").json()
        days = {day["date"]: day["hours"] for day in detail["totals"]["days"]}
        assert days["2026-10-24"] == 2.0 and days["2026-10-25"] == 7.0
        assert detail["totals"]["total_hours"] == 9.0
        assert detail["totals"]["projects"] == [
            {"project": acme.pk, "project_code": "ACME", "project_name": "Acme website", "hours": 9.0}
        ]


@pytest.mark.django_db
def test_days_and_weeks_follow_the_users_time_zone(frozen_2026_11_12, api, alice, acme):
    alice.timezone = "Pacific/Auckland"
    alice.save()
    # 20:00 UTC on Sunday 8 Nov is 09:00 on Monday 9 Nov in Auckland: week 46, not 45.
    log(alice, acme, "2026-11-08T20:00:00+00:00", "2026-11-08T22:00:00+00:00")
    sheet = Timesheet.objects.get(user=alice)
    assert sheet.week == "2026-W46"
    listed = api(alice).get(ENTRIES, {"from": "2026-11-09", "to": "2026-11-09"}).json()
    assert listed["count"] == 1
    assert api(alice).get(ENTRIES, {"from": "2026-11-08", "to": "2026-11-08"}).json()["count"] == 0


@pytest.mark.django_db
def test_entry_crossing_midnight_into_a_new_week_opens_both_timesheets(frozen_2026_11_12, alice, acme):
    log(alice, acme, "2026-11-08T22:00:00+01:00", "2026-11-09T02:00:00+01:00")
    assert sorted(sheet.week for sheet in Timesheet.objects.filter(user=alice)) == ["2026-W45", "2026-W46"]


@pytest.mark.django_db
def test_submit_approve_lock_and_reopen_story(frozen_2026_11_12, api, alice, bob, acme):
    entry = log(alice, acme, "2026-11-10T09:00:00+01:00", "2026-11-10T12:00:00+01:00")
    sheet = Timesheet.objects.get(user=alice)
    listed = api(alice).get(SHEETS, {"week": "2026-W46"}).json()
    assert [row["id"] for row in listed["results"]] == [sheet.pk]
    assert listed["results"][0]["status"] == "open"

    assert api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "part-time week"}).json()["status"] == "submitted"

    # A submitted week is read-only for the employee: edit, create and delete are 409 naming the week.
    edit = api(alice).patch(f"{ENTRIES}/{entry.pk}", {"description": "late edit"})
    assert edit.status_code == 409 and "2026-W46" in edit.json()["detail"]
    create = api(alice).post(
        ENTRIES, {"project": acme.pk, "start": "2026-11-11T09:00:00+01:00", "end": "2026-11-11T10:00:00+01:00"}
    )
    assert create.status_code == 409 and "2026-W46" in create.json()["detail"]
    assert api(alice).delete(f"{ENTRIES}/{entry.pk}").status_code == 409

    assert api(alice).post(f"{SHEETS}/{sheet.pk}/approve").status_code == 403  # never oneself
    approved = api(bob).post(f"{SHEETS}/{sheet.pk}/approve", {"comment": "thanks"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == bob.pk
    assert api(bob).post(f"{SHEETS}/{sheet.pk}/approve").status_code == 409
    assert api(alice).patch(f"{ENTRIES}/{entry.pk}", {"description": "x"}).status_code == 409
    assert api(alice).post(f"{SHEETS}/{sheet.pk}/reopen").status_code == 403

    reopened = api(bob).post(f"{SHEETS}/{sheet.pk}/reopen", {"comment": "fix Tuesday"})
    assert reopened.json()["status"] == "open"
    assert api(alice).patch(f"{ENTRIES}/{entry.pk}", {"description": "fixed"}).status_code == 200
    actions = list(AuditEvent.objects.filter(target_type="timeentries.timesheet").values_list("action", flat=True))
    assert set(actions) == {"timesheet_submitted", "timesheet_approved", "timesheet_reopened"}
    assert AuditEvent.objects.get(action="timesheet_approved").actor == bob


@pytest.mark.django_db
def test_reject_needs_a_comment_and_the_employee_resubmits(frozen_2026_11_12, api, alice, bob, acme):
    entry = log(alice, acme, "2026-11-10T09:00:00+01:00", "2026-11-10T12:00:00+01:00")
    sheet = Timesheet.objects.get(user=alice)
    api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "part-time week"})
    no_reason = api(bob).post(f"{SHEETS}/{sheet.pk}/reject", {"comment": "  "})
    assert no_reason.status_code == 400 and "comment" in no_reason.json()["errors"]
    rejected = api(bob).post(f"{SHEETS}/{sheet.pk}/reject", {"comment": "Tuesday is missing"})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_comment"] == "Tuesday is missing"
    assert api(alice).patch(f"{ENTRIES}/{entry.pk}", {"end": "2026-11-10T13:00:00+01:00"}).status_code == 200
    assert api(alice).post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "part-time week"}).json()["status"] == "submitted"


@pytest.mark.django_db
def test_submit_refuses_a_week_with_a_running_timer(frozen_2026_11_12, api, alice, acme):
    api(alice).post(f"{ENTRIES}/timer/start", {"project": acme.pk})
    sheet = Timesheet.objects.get(user=alice)
    response = api(alice).post(f"{SHEETS}/{sheet.pk}/submit")
    assert response.status_code == 409 and response.json()["code"] == "timer_running"


@pytest.mark.django_db
def test_payroll_lock_closes_earlier_days(frozen_2026_11_12, api, alice, carol, bob, acme):
    entry = log(alice, acme, "2026-11-02T09:00:00+01:00", "2026-11-02T10:00:00+01:00")
    with pytest.raises(Exception, match="Only admins"):
        services.lock_period_set(actor=bob, locked_before=datetime(2026, 11, 9).date())
    services.lock_period_set(actor=carol, locked_before=datetime(2026, 11, 9).date())
    response = api(alice).patch(f"{ENTRIES}/{entry.pk}", {"description": "x"})
    assert response.status_code == 409 and "closed for payroll" in response.json()["detail"]
    create = api(alice).post(
        ENTRIES, {"project": acme.pk, "start": "2026-11-08T09:00:00+01:00", "end": "2026-11-08T10:00:00+01:00"}
    )
    assert create.status_code == 409
    assert api(bob).delete(f"{ENTRIES}/{entry.pk}").status_code == 409  # managers too: payroll is closed
    allowed = api(alice).post(
        ENTRIES, {"project": acme.pk, "start": "2026-11-09T09:00:00+01:00", "end": "2026-11-09T10:00:00+01:00"}
    )
    assert allowed.status_code == 201
    assert AuditEvent.objects.filter(action="lock_period_set", actor=carol).exists()


@pytest.mark.django_db
def test_scoping_matrix_for_entries_and_timesheets(frozen_2026_11_12, api, alice, bob, carol, dave, erin, acme):
    alice_entry = log(alice, acme, "2026-11-10T09:00:00+01:00", "2026-11-10T10:00:00+01:00")
    dave_entry = log(dave, acme, "2026-11-10T09:00:00+01:00", "2026-11-10T10:00:00+01:00")
    alice_sheet, dave_sheet = Timesheet.objects.get(user=alice), Timesheet.objects.get(user=dave)

    def visible(user, url):
        return sorted(row["id"] for row in api(user).get(url).json()["results"])

    assert visible(alice, ENTRIES) == [alice_entry.pk]
    assert visible(bob, ENTRIES) == [alice_entry.pk]
    assert visible(erin, ENTRIES) == [dave_entry.pk]
    assert visible(carol, ENTRIES) == sorted([alice_entry.pk, dave_entry.pk])
    assert visible(bob, SHEETS) == [alice_sheet.pk]
    assert visible(carol, SHEETS) == sorted([alice_sheet.pk, dave_sheet.pk])

    assert api(alice).get(f"{ENTRIES}/{dave_entry.pk}").status_code == 404
    assert api(bob).get(f"{ENTRIES}/{dave_entry.pk}").status_code == 404
    assert api(bob).patch(f"{ENTRIES}/{dave_entry.pk}", {"description": "x"}).status_code == 404
    assert api(erin).get(f"{SHEETS}/{alice_sheet.pk}").status_code == 404
    api(alice).post(f"{SHEETS}/{alice_sheet.pk}/submit", {"comment": "part-time week"})
    assert api(erin).post(f"{SHEETS}/{alice_sheet.pk}/approve").status_code == 404
    assert api(dave).post(f"{SHEETS}/{alice_sheet.pk}/approve").status_code == 404
    assert api(carol).post(f"{SHEETS}/{alice_sheet.pk}/approve").status_code == 200
    assert api(alice).get(ENTRIES, {"user": dave.pk}).json()["count"] == 0
    assert api(carol).get(ENTRIES, {"team": dave.team_id}).json()["count"] == 1


@pytest.mark.django_db
def test_manager_can_correct_a_team_members_open_entry(frozen_2026_11_12, api, alice, bob, erin, acme):
    entry = log(alice, acme, "2026-11-10T09:00:00+01:00", "2026-11-10T10:00:00+01:00")
    assert api(bob).patch(f"{ENTRIES}/{entry.pk}", {"description": "corrected"}).status_code == 200
    assert TimeEntry.objects.get(pk=entry.pk).user == alice


@pytest.mark.django_db
def test_filters_and_bad_query_params(frozen_2026_11_12, api, alice, acme, internal):
    log(alice, acme, "2026-11-09T09:00:00+01:00", "2026-11-09T10:00:00+01:00")
    log(alice, internal, "2026-11-10T09:00:00+01:00", "2026-11-10T10:00:00+01:00")
    client = api(alice)
    assert client.get(ENTRIES, {"project": internal.pk}).json()["count"] == 1
    assert client.get(ENTRIES, {"billable": "true"}).json()["count"] == 1
    assert client.get(ENTRIES, {"running": "false"}).json()["count"] == 2
    assert client.get(ENTRIES, {"from": "2026-11-10"}).json()["count"] == 1
    assert [r["project"] for r in client.get(ENTRIES, {"ordering": "start"}).json()["results"]] == [
        acme.pk,
        internal.pk,
    ]
    for params in ({"from": "garbage"}, {"to": "2026-02-30"}, {"project": "x"}, {"user": "-"}):
        response = client.get(ENTRIES, params)
        assert response.status_code == 400, params
        assert set(response.json()["errors"]) <= {"date_from", "date_to", "from", "to", "project", "user"}
    bad_week = client.get(SHEETS, {"week": "2026-46"})
    assert bad_week.status_code == 400 and "week" in bad_week.json()["errors"]
    assert client.get(SHEETS, {"week": "2026-W99"}).status_code == 400
    assert client.get(ENTRIES, {"page_size": 10**9}).status_code == 200


@pytest.mark.django_db
def test_entry_list_costs_constant_queries(
    frozen_2026_11_12, api, carol, acme, acme_dev, django_assert_max_num_queries
):
    users = UserFactory.create_batch(3)
    for hour, user in enumerate(users * 10):
        services.time_entry_create(
            actor=user,
            project=acme,
            task=acme_dev,
            start=at(f"2026-11-1{hour % 3}T0{hour // 3}:00:00+00:00"),
            end=at(f"2026-11-1{hour % 3}T0{hour // 3}:30:00+00:00"),
        )
    client = api(carol)
    with django_assert_max_num_queries(6):
        small = client.get(ENTRIES, {"page_size": 3})
    with django_assert_max_num_queries(6):
        large = client.get(ENTRIES, {"page_size": 200})
    assert len(small.json()["results"]) == 3 and len(large.json()["results"]) == 30
    with django_assert_max_num_queries(6):
        assert api(carol).get(SHEETS).status_code == 200


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_on_one_week_let_exactly_one_win_on_postgres(alice, bob, carol, acme):
    log(alice, acme, "2026-01-05T09:00:00+01:00", "2026-01-05T12:00:00+01:00")
    sheet = Timesheet.objects.get(user=alice)
    services.timesheet_submit(timesheet_id=sheet.pk, actor=alice, comment="part-time week")
    barrier, statuses = threading.Barrier(6), []

    def decide(user, verb):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        barrier.wait()
        try:
            statuses.append(client.post(f"{SHEETS}/{sheet.pk}/{verb}", {"comment": "ok"}).status_code)
        finally:
            connection.close()

    jobs = [
        (bob, "approve"),
        (carol, "approve"),
        (bob, "reject"),
        (carol, "reject"),
        (bob, "approve"),
        (carol, "reject"),
    ]
    threads = [threading.Thread(target=decide, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 5
    assert AuditEvent.objects.filter(action__in=["timesheet_approved", "timesheet_rejected"]).count() == 1


@pytest.mark.django_db
def test_logging_an_entry_costs_the_same_queries_whatever_the_history(
    frozen_2026_11_12, api, alice, acme, django_assert_max_num_queries, django_assert_num_queries
):
    """The live checks read the reference period in one query, not per entry or per week."""
    client = api(alice)

    def log(day: str):
        body = {"project": acme.pk, "start": f"{day}T08:00:00Z", "end": f"{day}T09:00:00Z"}
        response = client.post(ENTRIES, body, format="json")
        assert response.status_code == 201, response.json()

    log("2026-10-05")  # Monday: the week's timesheet exists from here on
    # 20: the day's 24-hour check reads the day once; one asks whether its month is closed;
    # one reads the contract versions, whose holiday calendars decide Sunday and holiday work
    with django_assert_max_num_queries(21) as few:
        log("2026-10-06")
    first_count = len(few.captured_queries)  # read now: each request resets the query log
    for day in range(7, 32):
        log(f"2026-10-{day:02d}")
    log("2026-11-09")
    with django_assert_num_queries(first_count):  # 28 entries in the reference period now
        log("2026-11-10")
