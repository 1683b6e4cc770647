"""Clocked and duration entries, judged honestly (issue 14): a clocked entry's declared break
is break time and not worked time; duration entries count in the totals but never make
rests or breaks; a day of durations only is "times not recorded" where the policy wants
clocked times. Through the scan command, the API and the page."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from compliance.models import Violation, WorkingTimePolicy
from compliance.tests.factories import hours_on, worked
from leave.models import HolidayCalendar

pytestmark = pytest.mark.django_db

VIOLATIONS = "/api/v1/compliance/violations"
POLICIES = "/api/v1/compliance/policies"
SUMMARY = "/api/v1/compliance/summary"
TUESDAY = date(2026, 3, 3)


def scan(first: str = "2026-03-01", last: str = "2026-03-04") -> None:
    call_command("check_working_time", "--from", first, "--to", last, stdout=io.StringIO())


def findings(api, viewer, **params) -> list[dict]:
    response = api(viewer).get(VIOLATIONS, {"status": "open", **params})
    assert response.status_code == 200
    return response.json()["results"]


def on_german_calendar(team) -> None:
    team.holiday_calendar = HolidayCalendar.objects.create(name="Germany (Berlin)", country="DE", subdivision="BE")
    team.save()


# --- acceptance 1 ------------------------------------------------------------------------------


def test_a_clocked_day_with_its_declared_break_raises_nothing(frozen_2026_03_04, api, alice, bob, ops):
    worked(alice, ops, TUESDAY, 8, 8.5, break_minutes=30)  # 08:00-16:30, 30 min break: 8 h worked
    scan()
    assert findings(api, bob) == []


def test_the_same_day_without_its_break_is_a_breaks_finding_in_local_words(frozen_2026_03_04, api, alice, bob, ops):
    entry = worked(alice, ops, TUESDAY, 8, 8.5)
    scan()
    [finding] = findings(api, bob, rule="breaks")
    assert [f["measured"] for f in findings(api, bob, rule="work_in_a_row")] == ["8.50"]
    assert (finding["rule"], finding["rule_label"], finding["entries"]) == ("breaks", "Breaks", [entry.pk])
    assert (finding["measured"], finding["limit"]) == ("0.00", "30.00")
    assert finding["message"] == "8 h 30 without a 30-minute break (from 08:00 on Tue 3 Mar; required after 6 h)."


def test_a_declared_break_shorter_than_a_break_is_worked_time_but_no_break(frozen_2026_03_04, api, alice, bob, ops):
    worked(alice, ops, TUESDAY, 8, 7.25, break_minutes=10)  # 7 h 05 worked, 10 min is no break
    worked(alice, ops, date(2026, 3, 2), 8, 10.5, break_minutes=45)  # Monday: 9 h 45 worked, 45 min break
    scan()
    [finding] = findings(api, bob, rule="breaks")
    assert (finding["rule"], finding["period_start"]) == ("breaks", "2026-03-03")
    assert finding["message"] == "7 h 05 without a 30-minute break (from 08:00 on Tue 3 Mar; required after 6 h)."


def test_an_8_hour_duration_raises_no_break_or_rest_finding(frozen_2026_03_04, api, alice, bob, ops):
    for day in range(2, 5):  # Monday to Wednesday, 8 h a day without times
        hours_on(alice, ops, date(2026, 3, day), 8)
    hours_on(alice, ops, date(2026, 3, 2), 2)  # a second entry on Monday: 10 h, the maximum
    scan()
    assert findings(api, bob) == []


def test_a_short_duration_day_next_to_clocked_work_makes_no_rest(frozen_2026_03_04, api, alice, bob, ops):
    """The issue's 24 h Friday cut back to 3 h: the grid used to invent 00:00-03:00 and a
    "daily rest" violation with it. As a duration it only counts as 3 h."""
    worked(alice, ops, date(2026, 3, 2), 14, 8, break_minutes=30)  # Monday 14:00-22:00
    hours_on(alice, ops, TUESDAY, 3)
    worked(alice, ops, date(2026, 3, 4), 6, 4)  # Wednesday 06:00-10:00
    scan()
    assert findings(api, bob) == []


# --- durations count in the totals ---------------------------------------------------------------


def test_durations_count_in_the_daily_maximum_and_the_summary(frozen_2026_03_04, api, alice, bob, ops):
    clocked = worked(alice, ops, TUESDAY, 8, 6.5, break_minutes=30)  # 6 h worked
    grid = hours_on(alice, ops, TUESDAY, 5)
    scan()
    [finding] = findings(api, bob)
    assert (finding["rule"], finding["measured"], finding["entries"]) == (
        "daily_max",
        "11.00",
        sorted([clocked.pk, grid.pk]),
    )
    assert finding["message"] == "11 h worked on Tue 3 Mar, more than the 10 h allowed."

    summary = api(alice).get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-04"}).json()
    assert [day["hours"] for day in summary["days"]] == ["0.00", "11.00", "0.00"]
    assert summary["weeks"][0]["hours"] == "11.00" and summary["shortest_rests"] == []


def test_durations_count_in_the_rolling_weekly_average(frozen_2026_03_04, api, alice, bob, ops):
    for day in range(2, 7):  # Mon 2 to Fri 6 March, 10 h a day without times, and a Saturday
        hours_on(alice, ops, date(2026, 3, day), 10)
    hours_on(alice, ops, date(2026, 3, 7), 9)
    summary = api(alice).get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-08"}).json()
    assert summary["weeks"][0]["hours"] == "59.00" and summary["weeks"][0]["rolling_average"] == "59.00"
    assert summary["weeks"][0]["above_limit"] is True
    # The first week ever recorded: later weeks of the reference period can still balance it
    # (issue 16.20), so it is a warning, not a recorded violation (`test_new_starters`).
    assert summary["weeks"][0]["reference_complete"] is False
    scan("2026-03-02", "2026-03-08")
    assert findings(api, bob) == []


# --- times not recorded --------------------------------------------------------------------------


def test_a_duration_only_day_on_a_german_calendar_is_times_not_recorded(
    frozen_2026_03_04, api, alice, bob, team_a, ops
):
    on_german_calendar(team_a)
    grid = hours_on(alice, ops, TUESDAY, 7.5)
    hours_on(alice, ops, date(2026, 3, 2), 4)  # Monday has clocked work too: recorded
    worked(alice, ops, date(2026, 3, 2), 13, 4)
    scan()
    [finding] = findings(api, bob)
    assert (finding["rule"], finding["rule_label"], finding["entries"]) == (
        "times_not_recorded",
        "Times not recorded",
        [grid.pk],
    )
    assert (finding["period_start"], finding["period_end"], finding["measured"]) == ("2026-03-03", "2026-03-03", "7.50")
    assert finding["message"] == "7 h 30 on Tue 3 Mar recorded without start and end times; the policy requires them."

    # Clocking the day resolves it.
    worked(alice, ops, TUESDAY, 14, 2)
    scan()
    assert findings(api, bob) == []
    assert Violation.objects.get(rule="times_not_recorded").status == "resolved"


@pytest.mark.parametrize(
    ("setting", "german", "expected"),
    [("auto", False, []), ("off", True, []), ("on", False, ["times_not_recorded"])],
)
def test_the_policy_decides_whether_clocked_times_are_required(
    frozen_2026_03_04, api, alice, bob, carol, team_a, ops, setting, german, expected
):
    if german:
        on_german_calendar(team_a)
    policy = WorkingTimePolicy.objects.get(is_default=True)
    changed = api(carol).patch(f"{POLICIES}/{policy.pk}", {"require_clocked_times": setting})
    assert changed.status_code == 200 and changed.json()["require_clocked_times"] == setting
    hours_on(alice, ops, TUESDAY, 8)
    scan()
    assert [f["rule"] for f in findings(api, bob)] == expected


def test_the_policy_flag_is_validated_and_shown(api, carol):
    policy = WorkingTimePolicy.objects.get(is_default=True)
    assert api(carol).get(f"{POLICIES}/{policy.pk}").json()["require_clocked_times"] == "auto"
    refused = api(carol).patch(f"{POLICIES}/{policy.pk}", {"require_clocked_times": "sometimes"})
    assert refused.status_code == 400 and "require_clocked_times" in str(refused.json())


def test_times_not_recorded_is_a_warning_a_block_policy_does_not_refuse(frozen_2026_03_04, api, alice, team_a, ops):
    """Under `block`, a grid day without times is only a warning: the write goes through
    (as every write does, 16.12) and the warning comes back with it."""
    on_german_calendar(team_a)
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement="block")
    hours_on(alice, ops, date(2026, 3, 2), 6)
    response = api(alice).post(
        "/api/v1/time-entries",
        {"project": ops.pk, "start": "2026-03-03T08:00:00+01:00", "end": "2026-03-03T12:00:00+01:00"},
    )
    assert response.status_code == 201
    assert [w["rule"] for w in response.json()["compliance_warnings"]] == ["times_not_recorded"]
    assert response.json()["compliance_warnings"][0]["severity"] == "warning"


def test_the_compliance_page_shows_times_not_recorded_by_its_label(
    frozen_2026_03_04, alice, bob, team_a, ops, password
):
    on_german_calendar(team_a)
    hours_on(alice, ops, TUESDAY, 8)
    scan()
    client = Client()
    assert client.login(email=bob.email, password=password)
    html = client.get("/compliance/").content.decode()
    assert "Times not recorded" in html
    assert "8 h on Tue 3 Mar recorded without start and end times" in html
    assert "start and end" in html


# --- messages in the person's words ---------------------------------------------------------------


def test_a_short_daily_rest_speaks_local_time(frozen_2026_03_04, api, alice, bob, ops):
    worked(alice, ops, date(2026, 3, 2), 22, 8)  # 22:00-06:00
    worked(alice, ops, TUESDAY, 14, 4)
    scan()
    [finding] = findings(api, bob, rule="daily_rest")
    assert finding["message"] == ("Only 8 h of rest since 06:00, before work at 14:00 on Tue 3 Mar; 11 h are required.")


def test_a_short_rest_since_yesterday_evening(frozen_2026_03_04, api, alice, bob, ops):
    worked(alice, ops, date(2026, 3, 2), 13, 9)  # 13:00-22:00, a 30 min gap inside
    worked(alice, ops, TUESDAY, 7, 4)
    scan()
    messages = {f["rule"]: f["message"] for f in findings(api, bob)}
    assert messages["daily_rest"] == (
        "Only 9 h of rest since yesterday 22:00, before work at 07:00 on Tue 3 Mar; 11 h are required."
    )


# --- acceptance 1 through the time entries API (the live check) ---------------------------------

ENTRIES = "/api/v1/time-entries"


def warnings_of(response) -> dict[str, str]:
    assert response.status_code == 201, response.json()
    return {warning["rule"]: warning["message"] for warning in response.json()["compliance_warnings"]}


def test_the_live_check_judges_the_declared_break(frozen_2026_03_04, api, alice, ops):
    day = {"project": ops.pk, "start": "2026-03-03T08:00:00+01:00", "end": "2026-03-03T16:30:00+01:00"}
    assert warnings_of(api(alice).post(ENTRIES, {**day, "break_minutes": 30})) == {}
    later = {**day, "start": "2026-03-04T08:00:00+01:00", "end": "2026-03-04T16:30:00+01:00"}
    assert warnings_of(api(alice).post(ENTRIES, later)) == {
        "breaks": "8 h 30 without a 30-minute break (from 08:00 on Wed 4 Mar; required after 6 h).",
        "work_in_a_row": "8 h 30 worked in a row from 08:00 on Wed 4 Mar without a break; at most 6 h are allowed.",
    }


def test_the_live_check_of_an_8_hour_grid_day_finds_nothing(frozen_2026_03_04, api, alice, ops):
    worked(alice, ops, date(2026, 3, 2), 14, 8.5, break_minutes=30)  # Monday until 22:30
    assert warnings_of(api(alice).post(ENTRIES, {"project": ops.pk, "day": "2026-03-03", "hours": "8"})) == {}
    assert warnings_of(api(alice).post(ENTRIES, {"project": ops.pk, "day": "2026-03-04", "hours": "3"})) == {}


def test_a_grid_day_over_the_maximum_is_recorded_and_raised_under_a_block_policy(frozen_2026_03_04, api, alice, ops):
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement="block")
    worked(alice, ops, TUESDAY, 8, 6.5, break_minutes=30)
    response = api(alice).post(ENTRIES, {"project": ops.pk, "day": "2026-03-03", "hours": "5"})
    assert warnings_of(response)["daily_max"] == "11 h worked on Tue 3 Mar, more than the 10 h allowed."
    assert Violation.objects.get(user=alice, rule="daily_max").measured == 11


def test_a_night_shifts_break_is_shared_between_its_two_days(frozen_2026_03_04, api, alice, ops):
    worked(alice, ops, date(2026, 3, 2), 22, 8, break_minutes=60)  # 22:00-06:00, 7 h worked
    summary = api(alice).get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-03"}).json()
    assert [day["hours"] for day in summary["days"]] == ["1.75", "5.25"]
    assert summary["weeks"][0]["hours"] == "7.00"
