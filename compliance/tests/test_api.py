"""The compliance API as clients use it: scoped violations and their acknowledgement,
policies that admins write, and the working-time summary."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from compliance.models import Violation, WorkingTimePolicy
from compliance.services import compliance_scan
from compliance.tests.factories import violation_of, worked
from core.models import AuditEvent
from leave import services as leave_services
from leave.models import LeaveType
from timeentries.models import Timesheet
from timeentries.services import timesheet_submit
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIOLATIONS = "/api/v1/compliance/violations"
POLICIES = "/api/v1/compliance/policies"
SUMMARY = "/api/v1/compliance/summary"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- violations --------------------------------------------------------------------------------


@pytest.fixture
def daves_daily_max(dave):
    return violation_of(dave, rule=Violation.Rule.DAILY_MAX, day=date(2026, 2, 10), period_start=date(2026, 2, 10))


def test_violations_are_scoped_employee_own_manager_team_admin_all(
    api, alice, bob, carol, dave, erin, alices, daves_daily_max
):
    assert ids(api(alice).get(VIOLATIONS)) == [alices.pk]
    assert ids(api(bob).get(VIOLATIONS)) == [alices.pk]
    assert ids(api(erin).get(VIOLATIONS)) == [daves_daily_max.pk]
    assert ids(api(dave).get(VIOLATIONS)) == [daves_daily_max.pk]
    assert ids(api(carol).get(VIOLATIONS)) == [alices.pk, daves_daily_max.pk]  # the latest period first

    assert api(erin).get(f"{VIOLATIONS}/{alices.pk}").status_code == 404
    assert api(alice).get(f"{VIOLATIONS}/{daves_daily_max.pk}").status_code == 404
    detail = api(bob).get(f"{VIOLATIONS}/{alices.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["user_email"] == "alice@example.com" and body["rule"] == "daily_rest"
    assert body["measured"] == "8.00" and body["limit"] == "11.00" and body["status"] == "open"


def test_violations_filter_by_status_rule_user_and_overlapping_dates(api, alice, carol, dave, alices, daves_daily_max):
    weekly = violation_of(
        alice,
        rule=Violation.Rule.WEEKLY_AVERAGE,
        period_start=date(2025, 11, 10),
        period_end=date(2026, 3, 8),
        status=Violation.Status.ACKNOWLEDGED,
    )
    client = api(carol)
    assert ids(client.get(VIOLATIONS, {"status": "acknowledged"})) == [weekly.pk]
    assert ids(client.get(VIOLATIONS, {"rule": "daily_max"})) == [daves_daily_max.pk]
    assert ids(client.get(VIOLATIONS, {"user": dave.pk})) == [daves_daily_max.pk]
    # 1-2 March overlaps Alice's rest (2-3 March) and the long average period, not Dave's day.
    assert set(ids(client.get(VIOLATIONS, {"from": "2026-03-01", "to": "2026-03-02"}))) == {alices.pk, weekly.pk}
    assert ids(client.get(VIOLATIONS, {"to": "2026-02-10", "from": "2026-02-10"})) == [weekly.pk, daves_daily_max.pk]
    assert ids(client.get(VIOLATIONS, {"from": "2026-03-09"})) == []

    bad = client.get(VIOLATIONS, {"from": "March"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert client.get(VIOLATIONS, {"rule": "nap"}).status_code == 400


def test_violations_are_read_only(api, carol, alices):
    client = api(carol)
    assert client.post(VIOLATIONS, {"user": alices.user_id}).status_code == 405
    assert client.patch(f"{VIOLATIONS}/{alices.pk}", {"status": "resolved"}).status_code == 405
    assert client.delete(f"{VIOLATIONS}/{alices.pk}").status_code == 405


def test_bob_acknowledges_alices_violation_with_a_comment(api, alice, bob, alices):
    response = api(bob).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", {"comment": "Talked to Alice; rota fixed."})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == bob.pk
    assert body["comment"] == "Talked to Alice; rota fixed." and body["acknowledged_at"]
    alices.refresh_from_db()
    assert alices.status == Violation.Status.ACKNOWLEDGED
    event = AuditEvent.objects.get(action="violation_acknowledged")
    assert event.actor == bob and event.target_id == str(alices.pk)
    assert event.data["comment"] == "Talked to Alice; rota fixed."

    again = api(bob).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", {"comment": "Twice"})
    assert again.status_code == 409


def test_acknowledging_is_for_managers_of_the_person(api, alice, bob, carol, erin, alices):
    own = api(alice).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", {"comment": "I promise"})
    assert own.status_code == 403 and own.json()["code"] == "permission_denied"
    assert api(erin).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", {"comment": "Not mine"}).status_code == 404

    for body in ({}, {"comment": "   "}):
        missing = api(bob).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", body)
        assert missing.status_code == 400 and "comment" in missing.json()["errors"]
    alices.refresh_from_db()
    assert alices.status == Violation.Status.OPEN and not AuditEvent.objects.filter(action="violation_acknowledged")

    assert api(carol).post(f"{VIOLATIONS}/{alices.pk}/acknowledge", {"comment": "Seen"}).status_code == 200


def test_violation_list_costs_constant_queries(api, carol, team_a, django_assert_max_num_queries):
    def add(count: int) -> None:
        for _ in range(count):
            person = UserFactory(team=team_a)
            violation_of(person)
            violation_of(person, rule=Violation.Rule.WEEKLY_REST, acknowledged_by=carol, status="acknowledged")

    client = api(carol)
    add(2)
    with django_assert_max_num_queries(4):
        assert len(ids(client.get(VIOLATIONS))) == 4
    add(10)
    with django_assert_max_num_queries(4):
        assert len(ids(client.get(VIOLATIONS))) == 24


# --- policies ----------------------------------------------------------------------------------


def night_shift(user, project):
    """22:00 to 06:00 on 2 March with a half-hour break: 8 h, rested only until 14:00 on 3 March."""
    worked(user, project, date(2026, 3, 2), 22, 4)
    worked(user, project, date(2026, 3, 2), 26.5, 3.5)


AFTERNOON = {"start": "2026-03-03T14:00:00+01:00", "end": "2026-03-03T18:00:00+01:00"}


def test_a_team_policy_in_block_mode_holds_back_only_that_teams_approvals(
    frozen_2026_03_04, api, alice, bob, carol, dave, erin, team_a, ops
):
    created = api(carol).post(
        POLICIES, {"name": "Team A: strict", "teams": [team_a.pk], "enforcement": "block", "max_weekly_hours": "45"}
    )
    assert created.status_code == 201, created.content
    policy = WorkingTimePolicy.objects.get(name="Team A: strict")
    assert list(policy.teams.all()) == [team_a] and policy.enforcement == "block"
    assert created.json()["teams"] == [team_a.pk] and created.json()["max_weekly_hours"] == "45.00"
    assert AuditEvent.objects.filter(action="policy_saved", actor=carol, target_id=str(policy.pk)).exists()

    night_shift(alice, ops)
    night_shift(dave, ops)
    for person in (alice, dave):
        recorded = api(person).post("/api/v1/time-entries", {"project": ops.pk, **AFTERNOON})
        assert recorded.status_code == 201  # recording is never refused (16.12)
        [rest] = [w for w in recorded.json()["compliance_warnings"] if w["rule"] == "daily_rest"]
        assert rest["measured"] == "8.00"
        assert Violation.objects.filter(user=person, rule="daily_rest").exists()
        week = Timesheet.objects.get(user=person, week_start=date(2026, 3, 2))
        timesheet_submit(timesheet_id=week.pk, actor=person, comment="Night shift")
    alices_week, daves_week = (Timesheet.objects.get(user=p, week_start=date(2026, 3, 2)) for p in (alice, dave))
    refused = api(bob).post(f"/api/v1/timesheets/{alices_week.pk}/approve", {})
    assert refused.status_code == 409 and refused.json()["code"] == "compliance_open_violations"
    assert api(erin).post(f"/api/v1/timesheets/{daves_week.pk}/approve", {}).status_code == 200


def test_a_team_follows_one_policy_at_most(api, carol, team_a, team_b):
    first = api(carol).post(POLICIES, {"name": "Night workers", "teams": [team_a.pk]})
    assert first.status_code == 201
    second = api(carol).post(POLICIES, {"name": "Office", "teams": [team_a.pk, team_b.pk]})
    assert second.status_code == 400
    assert "teams" in second.json()["errors"]
    assert not WorkingTimePolicy.objects.filter(name="Office").exists()  # the service's transaction rolled back

    office = api(carol).post(POLICIES, {"name": "Office", "teams": [team_b.pk]}).json()
    moved = api(carol).patch(f"{POLICIES}/{office['id']}", {"teams": [team_a.pk, team_b.pk]})
    assert moved.status_code == 400 and "teams" in moved.json()["errors"]
    renamed = api(carol).patch(f"{POLICIES}/{office['id']}", {"name": "Office (Team B)"})
    assert renamed.status_code == 200 and renamed.json()["teams"] == [team_b.pk]


def test_policy_input_errors_name_the_field(api, carol):
    duplicate = api(carol).post(POLICIES, {"name": "eu working time directive"})
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]
    zero = api(carol).post(POLICIES, {"name": "Nothing allowed", "max_weekly_hours": "0"})
    assert zero.status_code == 400 and "max_weekly_hours" in zero.json()["errors"]
    long_period = api(carol).post(POLICIES, {"name": "Long", "reference_period_weeks": 53})
    assert long_period.status_code == 400 and "reference_period_weeks" in long_period.json()["errors"]
    endless_break = api(carol).post(POLICIES, {"name": "Siesta", "break_minutes": 40000})
    assert endless_break.status_code == 400 and "break_minutes" in endless_break.json()["errors"]


def test_only_admins_write_policies_everyone_reads(api, alice, bob, carol):
    default = WorkingTimePolicy.objects.get(is_default=True)
    assert api(bob).post(POLICIES, {"name": "Lenient"}).status_code == 403
    assert api(bob).patch(f"{POLICIES}/{default.pk}", {"max_weekly_hours": "60"}).status_code == 403
    assert api(alice).patch(f"{POLICIES}/{default.pk}", {"enforcement": "block"}).status_code == 403
    listed = api(alice).get(POLICIES)
    assert listed.status_code == 200 and [row["name"] for row in listed.json()["results"]] == [default.name]
    assert listed.json()["results"][0]["is_default"] is True
    # No DELETE: the default (or any) policy is never removed through the API.
    assert api(carol).delete(f"{POLICIES}/{default.pk}").status_code == 405
    assert api(carol).put(f"{POLICIES}/{default.pk}", {"name": "x"}).status_code == 405


def test_making_a_policy_the_default_moves_the_flag(api, carol):
    created = api(carol).post(POLICIES, {"name": "New default", "is_default": True})
    assert created.status_code == 201
    assert list(WorkingTimePolicy.objects.filter(is_default=True).values_list("name", flat=True)) == ["New default"]


# --- summary -----------------------------------------------------------------------------------


@pytest.fixture
def alices_days(alice, ops):
    """Fri 27 Feb 08-14 (6 h); Mon 2 Mar 09-13 and 13:30-19:30 (10 h); Tue 3 Mar 04-10 (6 h,
    after only 8.5 h of rest); Wed 4 Mar 08-10 (2 h). Berlin time."""
    worked(alice, ops, date(2026, 2, 27), 8, 6)
    worked(alice, ops, date(2026, 3, 2), 9, 4)
    worked(alice, ops, date(2026, 3, 2), 13.5, 6)
    worked(alice, ops, date(2026, 3, 3), 4, 6)
    worked(alice, ops, date(2026, 3, 4), 8, 2)
    return alice


def test_summary_hours_per_day_and_week_rolling_average_and_shortest_rests(frozen_2026_03_04, api, alices_days):
    compliance_scan(start=date(2026, 2, 27), end=date(2026, 3, 4))
    response = api(alices_days).get(SUMMARY, {"from": "2026-02-27", "to": "2026-03-04"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"] == alices_days.pk and body["timezone"] == "Europe/Berlin"
    assert (body["from"], body["to"]) == ("2026-02-27", "2026-03-04")
    assert body["policy"]["name"] == "EU Working Time Directive"
    assert [(day["date"], day["hours"]) for day in body["days"]] == [
        ("2026-02-27", "6.00"),
        ("2026-02-28", "0.00"),
        ("2026-03-01", "0.00"),
        ("2026-03-02", "10.00"),
        ("2026-03-03", "6.00"),
        ("2026-03-04", "2.00"),
    ]
    w09, w10 = body["weeks"]
    assert (w09["week"], w09["week_start"], w09["week_end"], w09["hours"]) == (
        "2026-W09",
        "2026-02-23",
        "2026-03-01",
        "6.00",
    )
    # The average never reaches before the first entry (Fri 27 Feb): 6 h over 3 days, times 7.
    assert (w09["rolling_average"], w09["days_counted"]) == ("14.00", 3)
    # 24 h over the 10 days from 27 Feb to Sun 8 Mar, times 7.
    assert (w10["hours"], w10["rolling_average"], w10["days_counted"]) == ("18.00", "16.80", 10)
    assert w10["max_weekly_hours"] == "48.00" and w10["above_limit"] is False

    rests = [(rest["day"], rest["hours"], rest["below_minimum"]) for rest in body["shortest_rests"]]
    assert rests == [("2026-03-03", "8.50", True), ("2026-03-04", "22.00", False), ("2026-03-02", "67.00", False)]
    assert body["shortest_rests"][0]["start"] == "2026-03-02T18:30:00Z"
    assert body["shortest_rests"][0]["end"] == "2026-03-03T03:00:00Z"

    # Monday's 10 h needed 45 minutes of break (the 8 h 30 of rest after it is no break), and
    # the 24 hours from Monday 09:00 hold Monday's 10 h and Tuesday's 04:00-09:00 (ArbZG §3, §4).
    assert [(v["rule"], v["measured"], v["period_end"]) for v in body["violations"]] == [
        ("breaks", "30.00", "2026-03-02"),
        ("daily_max", "15.00", "2026-03-03"),
        ("daily_rest", "8.50", "2026-03-03"),
    ]


def test_summary_of_someone_else_follows_the_scope(frozen_2026_03_04, api, alices_days, bob, carol, erin, dave):
    monday = {"user": alices_days.pk, "from": "2026-03-02", "to": "2026-03-02"}
    assert api(bob).get(SUMMARY, monday).json()["days"] == [
        {"date": "2026-03-02", "hours": "10.00", "night_hours": "0.00"}
    ]
    assert api(carol).get(SUMMARY, monday).status_code == 200
    for outsider, person in ((erin, alices_days), (alices_days, bob), (dave, alices_days)):
        response = api(outsider).get(SUMMARY, {"user": person.pk, "from": "2026-03-02", "to": "2026-03-02"})
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-03-04"}, "from"),
        ({"from": "2026-03-04"}, "to"),
        ({"from": "4 March", "to": "2026-03-04"}, "from"),
        ({"from": "2026-03-04", "to": "2026-02-30"}, "to"),
        ({"from": "2026-03-04", "to": "2026-03-03"}, "to"),
        ({"from": "2025-03-03", "to": "2026-03-04"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-04", "user": "alice"}, "user"),
        ({"from": "2026-03-02", "to": "2026-03-04", "user": "99999999999999999999"}, "user"),
    ],
)
def test_summary_refuses_bad_parameters_naming_the_field(api, alice, params, field):
    response = api(alice).get(SUMMARY, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_summary_takes_up_to_366_days(frozen_2026_03_04, api, alice):
    response = api(alice).get(SUMMARY, {"from": "2025-03-04", "to": "2026-03-04"})
    assert response.status_code == 200
    assert len(response.json()["days"]) == 366 and response.json()["weeks"][0]["rolling_average"] == "0.00"


def test_summary_needs_a_sign_in(anon):
    assert anon.get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-04"}).status_code == 401
    assert anon.get(VIOLATIONS).status_code == 401
    assert anon.get(POLICIES).status_code == 401


def test_the_summarys_rolling_average_is_what_the_scan_flags(api, alice, bob, ops):
    """17 weeks of 50 hours with a week of annual leave in the middle: leave is neutral, so the
    average stays at 50 h, as the weekly-average violation measures it."""
    alice.date_joined = datetime(2025, 1, 1, tzinfo=UTC)
    alice.save()
    vacation = LeaveType.objects.get(code="vacation")
    leave_services.leave_accrue_year(year=2026)
    first_monday = date(2026, 1, 5)
    with time_machine.travel(datetime(2026, 5, 4, 6, tzinfo=UTC), tick=False):
        for week in range(17):
            monday = first_monday + timedelta(weeks=week)
            if week == 10:
                leave = leave_services.leave_request_create(
                    actor=alice, leave_type=vacation, start_date=monday, end_date=monday + timedelta(days=6)
                )
                leave_services.leave_request_approve(request_id=leave.pk, actor=bob)
                continue
            for weekday in range(5):
                worked(alice, ops, monday + timedelta(days=weekday), 8, 5)
                worked(alice, ops, monday + timedelta(days=weekday), 13.75, 5)
        last_week = first_monday + timedelta(weeks=16)
        compliance_scan(start=last_week, end=last_week + timedelta(days=6))
        flagged = Violation.objects.get(user=alice, rule="weekly_average")

        body = api(bob).get(SUMMARY, {"user": alice.pk, "from": str(last_week), "to": str(last_week)}).json()

    [week] = body["weeks"]
    assert week["rolling_average"] == str(flagged.measured) == "50.00"
    # The leave week is left out and the period cannot reach before the first entry: 16 weeks.
    assert week["days_counted"] == 16 * 7 and week["above_limit"] is True
    assert [v["id"] for v in body["violations"]] == [flagged.pk]
