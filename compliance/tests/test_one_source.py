"""What the summary shows is what the checks judge, and the limits come from one place."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from compliance.models import WorkingTimePolicy
from compliance.tests.factories import worked
from leave import services as leave_services
from leave.models import LeaveType

pytestmark = pytest.mark.django_db

VIOLATIONS = "/api/v1/compliance/violations"
POLICIES = "/api/v1/compliance/policies"
SUMMARY = "/api/v1/compliance/summary"
ENTRIES = "/api/v1/time-entries"


@pytest.fixture
def alices_dst_week(alice, bob, ops):
    """The week of the spring DST change in Berlin (Sun 29 March 2026, 02:00 -> 03:00), in
    Berlin time: Fri 20 09-17; Mon 23 08-12 and 12:30-18; Tue 24 03-09 (9 h of rest); a
    night shift Wed 25 22:00 to Thu 26 06:00 with a half-hour break after midnight; Fri 27
    a day of annual leave; Sat 28 12-22; Sun 29 08-12, 9 real hours after Saturday though
    the clocks say 10."""
    worked(alice, ops, date(2026, 3, 20), 9, 8)
    worked(alice, ops, date(2026, 3, 23), 8, 4)
    worked(alice, ops, date(2026, 3, 23), 12.5, 5.5)
    worked(alice, ops, date(2026, 3, 24), 3, 6)
    worked(alice, ops, date(2026, 3, 25), 22, 3)
    worked(alice, ops, date(2026, 3, 25), 25.5, 4.5)
    worked(alice, ops, date(2026, 3, 28), 12, 10)
    worked(alice, ops, date(2026, 3, 29), 8, 4)
    leave_services.leave_accrue_year(year=2026)
    request = leave_services.leave_request_create(
        actor=alice,
        leave_type=LeaveType.objects.get(code="vacation"),
        start_date=date(2026, 3, 27),
        end_date=date(2026, 3, 27),
    )
    leave_services.leave_request_approve(request_id=request.pk, actor=bob)
    return alice


def _rests_seen_by_both(api, alice, carol) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(day, hours) of the summary's shortest rests below the minimum, and of the daily-rest
    violations the scan recorded for the same week, both through their public surface."""
    call_command("check_working_time", "--user", str(alice.pk), "--from", "2026-03-23", "--to", "2026-03-29")
    summary = api(alice).get(SUMMARY, {"from": "2026-03-23", "to": "2026-03-29"})
    assert summary.status_code == 200, summary.content
    below = [(rest["day"], rest["hours"]) for rest in summary.json()["shortest_rests"] if rest["below_minimum"]]
    listed = api(carol).get(VIOLATIONS, {"user": alice.pk, "rule": "daily_rest", "status": "open"}).json()["results"]
    judged = sorted(
        ((v["period_end"], v["measured"]) for v in listed if "2026-03-23" <= v["period_end"] <= "2026-03-29"),
        key=lambda rest: (Decimal(rest[1]), rest[0]),
    )
    return below, judged


def test_the_summarys_shortest_rests_are_the_rests_the_checks_judge(api, alices_dst_week, carol, team_a):
    with time_machine.travel(datetime(2026, 4, 1, 12, tzinfo=UTC), tick=False):
        below, judged = _rests_seen_by_both(api, alices_dst_week, carol)
        # The policy's 11 h: the short rest on Tuesday and the one across the DST change.
        assert below == judged == [("2026-03-24", "9.00"), ("2026-03-29", "9.00")]

        # A minimum no rest meets: every rest between two working days is judged, so the
        # summary's rests and the checks' must be the same rests, measured alike. The night
        # shift resuming after midnight is one working day, not a rest of half an hour.
        strict = api(carol).post(POLICIES, {"name": "Never rested", "teams": [team_a.pk], "min_daily_rest_hours": "99"})
        assert strict.status_code == 201, strict.content
        below, judged = _rests_seen_by_both(api, alices_dst_week, carol)
        assert below == judged
        assert below == [
            ("2026-03-24", "9.00"),
            ("2026-03-29", "9.00"),
            ("2026-03-25", "37.00"),
            ("2026-03-28", "54.00"),
            ("2026-03-23", "63.00"),
        ]


@override_settings(WORKING_TIME_MAX_WEEKLY_HOURS=40, WORKING_TIME_MIN_DAILY_REST=12)
def test_the_settings_limits_reach_the_checks_the_summary_and_a_new_default_policy(api, alice, carol, ops):
    """Nobody's policy is stored: the settings decide. 45 h from Monday to Friday, with
    11.5 h of rest before Friday: within the directive's 48 h and 11 h, above these."""
    WorkingTimePolicy.objects.all().delete()
    for day in range(2, 6):
        worked(alice, ops, date(2026, 3, day), 8, 4.5)
        worked(alice, ops, date(2026, 3, day), 13, 4.5)
    worked(alice, ops, date(2026, 3, 6), 5, 4.5)
    with time_machine.travel(datetime(2026, 3, 6, 15, tzinfo=UTC), tick=False):
        written = api(alice).post(
            ENTRIES, {"project": ops.pk, "start": "2026-03-06T10:00:00+01:00", "end": "2026-03-06T14:30:00+01:00"}
        )
        assert written.status_code == 201, written.content
        warnings = {w["rule"]: (w["measured"], w["limit"]) for w in written.json()["compliance_warnings"]}
        assert warnings["daily_rest"] == ("11.50", "12.00")
        assert warnings["weekly_average"] == ("45.00", "40.00")

        summary = api(alice).get(SUMMARY, {"from": "2026-03-02", "to": "2026-03-06"}).json()
        [week] = summary["weeks"]
        assert (week["max_weekly_hours"], week["rolling_average"], week["above_limit"]) == ("40.00", "45.00", True)
        [shortest, *_] = summary["shortest_rests"]
        assert (shortest["hours"], shortest["min_daily_rest_hours"], shortest["below_minimum"]) == (
            "11.50",
            "12.00",
            True,
        )

    created = api(carol).post(POLICIES, {"name": "Company", "is_default": True})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["max_weekly_hours"], body["min_daily_rest_hours"]) == ("40.00", "12.00")
    assert (body["reference_period_weeks"], body["min_weekly_rest_hours"], body["max_daily_hours"]) == (
        17,
        "24.00",
        "10.00",
    )
