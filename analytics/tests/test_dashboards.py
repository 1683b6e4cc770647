"""Dashboard widgets and layouts over the API, with hand-computed numbers.

Time is frozen on Thursday 26 November 2026 (`frozen_2026_11_26`, root conftest.py); alice and dave log hours this
month and in earlier weeks, so each widget has something to show."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from compliance.models import Violation
from leave import services as leave_services
from leave.models import Holiday, HolidayCalendar

BERLIN = ZoneInfo("Europe/Berlin")
LAYOUT = "/api/v1/dashboards/me"


def widget(client, kind, **params):
    return client.get(f"/api/v1/analytics/widgets/{kind}", params)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def approved_leave(user, approver, leave_type, start: date, end: date):
    """Leave taken the way people take it, through the services (balance, working days,
    overlap): a year's allowance for a long-standing employee, a request, an approval."""
    user.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    user.save(update_fields=["date_joined"])
    leave_services.leave_accrue_year(year=start.year, users=[user])
    request = leave_services.leave_request_create(actor=user, leave_type=leave_type, start_date=start, end_date=end)
    return leave_services.leave_request_approve(request_id=request.pk, actor=approver)


@pytest.fixture
def worked(frozen_2026_11_26, alice, dave, acme, internal, log):
    """alice: 3 h Acme (billable) and 1 h Internal on Mon 23 Nov, 2 h Acme on Mon 16 Nov;
    dave: 5 h Acme on Tue 24 Nov."""
    log(alice, acme, at(date(2026, 11, 23), 9), at(date(2026, 11, 23), 12))
    log(alice, internal, at(date(2026, 11, 23), 13), at(date(2026, 11, 23), 14), billable=False)
    log(alice, acme, at(date(2026, 11, 16), 9), at(date(2026, 11, 16), 11))
    log(dave, acme, at(date(2026, 11, 24), 9), at(date(2026, 11, 24), 14))


def series(data) -> dict:
    return {dataset["label"]: dict(zip(data["labels"], dataset["data"], strict=True)) for dataset in data["datasets"]}


# --- widget data ------------------------------------------------------------------------------


def test_hours_per_week_stacks_projects_by_iso_week(api, alice, worked):
    response = widget(api(alice), "hours_per_week")
    assert response.status_code == 200
    data = response.json()
    assert data["kind"] == "hours_per_week" and data["range_days"] == 84 and data["chart"] == "bar"
    assert data["stacked"] is True
    assert len(data["labels"]) == 13 and data["labels"][-1] == "2026-W48"
    assert series(data)["Acme website"]["2026-W47"] == 2
    assert series(data)["Acme website"]["2026-W48"] == 3
    assert series(data)["Internal"]["2026-W48"] == 1
    assert series(data)["Internal"]["2026-W47"] == 0


def test_month_by_project_of_a_manager_leaves_out_other_teams(api, bob, worked):
    data = widget(api(bob), "month_by_project").json()
    assert data["labels"] == ["Acme website", "Internal"]
    assert data["datasets"][0]["data"] == [5, 1]  # alice's 3 h + 2 h on Acme; dave's 5 h are not bob's to see


def test_month_by_project_of_an_admin_counts_everyone(api, carol, worked):
    data = widget(api(carol), "month_by_project").json()
    assert series(data)["Hours"] == {"Acme website": 10, "Internal": 1}


def test_utilisation_is_the_billable_share_per_person(api, carol, alice, dave, worked):
    data = widget(api(carol), "utilisation").json()
    # alice: 5 of 6 hours billable; dave: all 5.
    assert series(data)["Billable share (%)"] == {str(alice): 83.33, str(dave): 100.0}


def test_overtime_trend_runs_a_balance_per_person(api, alice, worked):
    alice.employment_start = date(2026, 11, 23)  # the running balance starts with the widget's week
    alice.save(update_fields=["employment_start"])
    data = widget(api(alice), "overtime_trend", range_days=4).json()
    assert data["chart"] == "line"
    assert len(data["datasets"]) == 1
    assert data["labels"] == ["2026-W48"]
    # Mon 23 to Thu 26 November with no leave: four 8 h days expected, 4 h worked.
    assert data["datasets"][0]["data"] == [-28.0]


def test_team_absences_count_people_away_per_day(api, bob, alice, dave, erin, vacation, frozen_2026_11_26):
    approved_leave(alice, bob, vacation, date(2026, 11, 30), date(2026, 12, 1))
    approved_leave(dave, erin, vacation, date(2026, 11, 30), date(2026, 11, 30))
    data = widget(api(bob), "team_absences", range_days=10).json()
    assert data["labels"][0] == "2026-11-26" and len(data["labels"]) == 10
    approved = series(data)["Approved"]
    assert approved["2026-11-30"] == 1 and approved["2026-12-01"] == 1 and approved["2026-11-27"] == 0


def test_an_employee_counts_team_mates_away_but_never_sees_their_leave_type(
    api, alice, frank, dave, team_a, sick, frozen_2026_11_26
):
    """Issue 14: team mates see who is away; sick leave (a private type) tells no one its type."""
    client = api(alice)
    assert series(widget(client, "team_absences", range_days=10).json())["Approved"]["2026-11-30"] == 0
    for person in (frank, dave):
        leave_services.leave_request_create(
            actor=person, leave_type=sick, start_date=date(2026, 11, 30), end_date=date(2026, 11, 30), reason="Migraine"
        )
    response = widget(client, "team_absences", range_days=10)
    assert series(response.json())["Approved"]["2026-11-30"] == 1  # frank, not dave of team B
    assert "Sick" not in response.content.decode() and "Migraine" not in response.content.decode()

    team_a.absences_visible_to_members = False
    team_a.save()
    assert series(widget(client, "team_absences", range_days=10).json())["Approved"]["2026-11-30"] == 0


def test_open_violations_count_by_rule_within_scope(api, bob, alice, dave, frozen_2026_11_26):
    def violation(user, rule, status=Violation.Status.OPEN, day=date(2026, 11, 20)):
        Violation.objects.create(
            user=user, rule=rule, period_start=day, period_end=day, measured=11, limit=10, message="x", status=status
        )

    violation(alice, Violation.Rule.DAILY_MAX)
    violation(alice, Violation.Rule.BREAKS)
    violation(alice, Violation.Rule.BREAKS, day=date(2026, 11, 19))
    violation(alice, Violation.Rule.DAILY_REST, status=Violation.Status.RESOLVED)
    violation(dave, Violation.Rule.DAILY_MAX)
    data = widget(api(bob), "open_violations").json()
    assert series(data)["Open violations"] == {"Maximum daily hours": 1, "Breaks": 2}
    assert widget(api(dave), "open_violations").json()["datasets"][0]["data"] == [1]


def test_an_unknown_kind_is_a_400_naming_the_kind(api, alice):
    response = widget(api(alice), "pie_in_the_sky")
    assert response.status_code == 400
    assert "kind" in str(response.json())


@pytest.mark.parametrize("range_days", ["0", "367", "week"])
def test_a_bad_range_is_a_400_naming_the_range(api, alice, range_days):
    response = widget(api(alice), "hours_per_week", range_days=range_days)
    assert response.status_code == 400
    assert "range_days" in str(response.json())


def test_widgets_need_a_signed_in_user(anon):
    assert widget(anon, "hours_per_week").status_code == 401


# --- cache ------------------------------------------------------------------------------------


def test_a_new_entry_shows_at_once_despite_the_cache(api, bob, alice, acme, worked, log):
    client = api(bob)
    before = widget(client, "month_by_project").json()
    assert series(before)["Hours"]["Acme website"] == 5
    assert widget(client, "month_by_project").json() == before  # served again, unchanged
    entry = log(alice, acme, at(date(2026, 11, 25), 9), at(date(2026, 11, 25), 11))
    assert series(widget(client, "month_by_project").json())["Hours"]["Acme website"] == 7
    entry.delete()
    assert series(widget(client, "month_by_project").json())["Hours"]["Acme website"] == 5


def test_widgets_count_duration_entries_and_clocked_time_less_breaks(api, bob, alice, acme, worked, log, log_duration):
    client = api(bob)
    assert series(widget(client, "month_by_project").json())["Hours"]["Acme website"] == 5
    log_duration(alice, acme, date(2026, 11, 25), 2.5)
    log(alice, acme, at(date(2026, 11, 26), 8), at(date(2026, 11, 26), 12), break_minutes=30)

    assert series(widget(client, "month_by_project").json())["Hours"]["Acme website"] == 11  # 5 + 2.5 + 3.5
    assert series(widget(api(alice), "hours_per_week").json())["Acme website"]["2026-W48"] == 9  # 3 + 2.5 + 3.5


def test_leave_violations_and_holidays_show_at_once_despite_the_cache(
    api, bob, alice, dave, vacation, frozen_2026_11_26
):
    client = api(bob)
    assert series(widget(client, "team_absences", range_days=10).json())["Approved"]["2026-11-30"] == 0
    assert widget(client, "open_violations").json()["datasets"][0]["data"] == []
    trend = widget(api(alice), "overtime_trend", range_days=4).json()["datasets"][0]["data"]

    request = approved_leave(alice, bob, vacation, date(2026, 11, 30), date(2026, 11, 30))
    assert series(widget(client, "team_absences", range_days=10).json())["Approved"]["2026-11-30"] == 1
    leave_services.leave_request_cancel(request_id=request.pk, actor=alice)
    assert series(widget(client, "team_absences", range_days=10).json())["Approved"]["2026-11-30"] == 0

    violation = Violation.objects.create(
        user=alice,
        rule=Violation.Rule.BREAKS,
        period_start=date(2026, 11, 20),
        period_end=date(2026, 11, 20),
        measured=7,
        limit=6,
        message="x",
    )
    assert series(widget(client, "open_violations").json())["Open violations"] == {"Breaks": 1}
    violation.status = Violation.Status.RESOLVED
    violation.save()
    assert widget(client, "open_violations").json()["datasets"][0]["data"] == []

    # A public holiday on Wednesday lowers alice's expected hours by a day (8 h).
    calendar = HolidayCalendar.objects.create(name="Test", country="DE")
    alice.team.holiday_calendar = calendar
    alice.team.save()
    Holiday.objects.create(calendar=calendar, date=date(2026, 11, 25), name="Test day")
    assert widget(api(alice), "overtime_trend", range_days=4).json()["datasets"][0]["data"] == [trend[0] + 8]


def test_a_person_moving_team_leaves_the_old_managers_dashboard_at_once(api, bob, alice, team_b, worked):
    client = api(bob)
    assert series(widget(client, "month_by_project").json())["Hours"] == {"Acme website": 5, "Internal": 1}

    alice.team = team_b
    alice.save()

    assert widget(client, "month_by_project").json()["labels"] == []


# --- layout -----------------------------------------------------------------------------------


def test_a_new_user_gets_the_default_layout(api, alice, bob):
    kinds = [w["kind"] for w in api(alice).get(LAYOUT).json()["widgets"]]
    assert kinds == ["hours_per_week", "month_by_project", "overtime_trend", "team_absences"]
    assert len(api(bob).get(LAYOUT).json()["widgets"]) == 6


def test_a_saved_layout_comes_back_in_order_with_default_ranges(api, alice):
    client = api(alice)
    body = {
        "widgets": [
            {"kind": "utilisation", "position": 1},
            {"kind": "overtime_trend", "position": 0, "range_days": 14},
        ]
    }
    response = client.put(LAYOUT, body, format="json")
    assert response.status_code == 200
    expected = [
        {"kind": "overtime_trend", "position": 0, "range_days": 14},
        {"kind": "utilisation", "position": 1, "range_days": 30},
    ]
    assert response.json()["widgets"] == expected
    assert client.get(LAYOUT).json()["widgets"] == expected
    assert client.put(LAYOUT, {"widgets": []}, format="json").json()["widgets"] == []
    assert client.get(LAYOUT).json()["widgets"] == []


def test_a_layout_with_an_unknown_kind_or_too_many_widgets_is_refused(api, alice):
    client = api(alice)
    client.put(LAYOUT, {"widgets": [{"kind": "utilisation"}]}, format="json")
    bad = client.put(LAYOUT, {"widgets": [{"kind": "horoscope"}]}, format="json")
    assert bad.status_code == 400 and "kind" in str(bad.json())
    crowded = client.put(LAYOUT, {"widgets": [{"kind": "utilisation"}] * 13}, format="json")
    assert crowded.status_code == 400 and "widgets" in str(crowded.json())
    assert client.get(LAYOUT).json()["widgets"] == [{"kind": "utilisation", "position": 0, "range_days": 30}]


def test_the_dashboard_page_lists_the_widgets(client, alice):
    client.force_login(alice)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<canvas") == 5  # four widgets and the template for new ones
    assert "chart.umd.min.js" in html and "Hours per week" in html
