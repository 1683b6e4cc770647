"""Issue 16.12: a `block` policy never stops recording what happened (CJEU C-55/18, BAG 1 ABR
22/21, ArbZG §16(2)); it blocks the approval of a week with open violations until a manager
acknowledges them or approves with a reason recorded on each."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from compliance.models import Violation, WorkingTimePolicy
from compliance.tests.factories import worked
from core.models import AuditEvent
from timeentries import services as time_services
from timeentries.models import TimeEntry, Timesheet

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
ENTRIES = "/api/v1/time-entries"
TIMESHEETS = "/api/v1/timesheets"
VIOLATIONS = "/api/v1/compliance/violations"
MONDAY, TUESDAY = date(2026, 3, 2), date(2026, 3, 3)


@pytest.fixture
def blocking(db):
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement=WorkingTimePolicy.Enforcement.BLOCK)


def test_a_real_10_5_hour_day_is_recorded_and_raised(frozen_2026_03_04, blocking, api, alice, ops):
    response = api(alice).post(
        ENTRIES,
        {
            "project": ops.pk,
            "start": "2026-03-03T07:00:00+01:00",
            "end": "2026-03-03T18:15:00+01:00",
            "break_minutes": 45,
        },
    )

    assert response.status_code == 201, response.json()
    [daily_max] = [w for w in response.json()["compliance_warnings"] if w["rule"] == "daily_max"]
    assert daily_max["measured"] == "10.50"
    assert TimeEntry.objects.get(user=alice).duration == timedelta(hours=10, minutes=30)
    violation = Violation.objects.get(user=alice, rule="daily_max")
    assert (violation.status, violation.measured) == (Violation.Status.OPEN, Decimal("10.50"))


def test_a_timer_past_10_hours_stops_at_the_true_time(frozen_2026_03_04, blocking, api, alice, ops):
    frozen_2026_03_04.move_to(datetime(2026, 3, 4, 7, 0, tzinfo=BERLIN))
    assert api(alice).post(f"{ENTRIES}/timer/start", {"project": ops.pk}).status_code in (200, 201)
    frozen_2026_03_04.move_to(datetime(2026, 3, 4, 18, 0, tzinfo=BERLIN))

    stopped = api(alice).post(f"{ENTRIES}/timer/stop", {})

    assert stopped.status_code == 200, stopped.json()
    entry = TimeEntry.objects.get(user=alice)
    assert entry.end == datetime(2026, 3, 4, 18, 0, tzinfo=BERLIN) and entry.duration == timedelta(hours=11)
    assert {v.rule for v in Violation.objects.filter(user=alice)} >= {"daily_max", "breaks", "work_in_a_row"}


def test_correcting_one_violation_is_not_refused_for_revealing_another(frozen_2026_03_04, blocking, api, alice, ops):
    worked(alice, ops, MONDAY, 22, 4)  # 22:00-02:00, a 30-minute break, 02:30-06:00
    worked(alice, ops, MONDAY, 26.5, 3.5)
    afternoon = worked(alice, ops, TUESDAY, 14, 4)  # 14:00-18:00: only 8 h of rest
    api(alice).patch(f"{ENTRIES}/{afternoon.pk}", {"description": "afternoon"})
    rest = Violation.objects.get(user=alice, rule="daily_rest")

    # The truth: 17:00-23:30 without a break. The rest is fixed (11 h); the break is not, and
    # the 24 hours from Monday 22:00 now hold 7 h 30 + 5 h.
    fixed = api(alice).patch(
        f"{ENTRIES}/{afternoon.pk}", {"start": "2026-03-03T17:00:00+01:00", "end": "2026-03-03T23:30:00+01:00"}
    )

    assert fixed.status_code == 200, fixed.json()
    assert {w["rule"] for w in fixed.json()["compliance_warnings"]} == {"breaks", "work_in_a_row", "daily_max"}
    rest.refresh_from_db()
    assert rest.status == Violation.Status.RESOLVED
    assert Violation.objects.get(user=alice, rule="breaks").status == Violation.Status.OPEN


def week_with_a_short_rest(alice, ops) -> Timesheet:
    """Alice's week 2026-W10 holds an 8-hour rest (22:00-06:00 on Monday, 14:00-16:00 on
    Tuesday), recorded as an open violation; she submits the week."""
    worked(alice, ops, MONDAY, 22, 4)
    worked(alice, ops, MONDAY, 26.5, 3.5)
    entry = time_services.time_entry_create(
        actor=alice,
        project=ops,
        start=datetime(2026, 3, 3, 14, tzinfo=BERLIN),
        end=datetime(2026, 3, 3, 16, tzinfo=BERLIN),
    )
    assert [w["rule"] for w in entry.compliance_warnings] == ["daily_rest"]
    timesheet = Timesheet.objects.get(user=alice, week_start=MONDAY)
    time_services.timesheet_submit(timesheet_id=timesheet.pk, actor=alice, comment="Night shift cover")
    return timesheet


def test_a_week_with_open_violations_is_not_approved_without_a_reason(
    frozen_2026_03_04, blocking, api, alice, bob, ops
):
    timesheet = week_with_a_short_rest(alice, ops)

    refused = api(bob).post(f"{TIMESHEETS}/{timesheet.pk}/approve", {"comment": "Fine"})

    assert refused.status_code == 409
    assert refused.json()["code"] == "compliance_open_violations"
    assert "Daily rest" in refused.json()["detail"]
    assert "Only 8 h of rest since 06:00, before work at 14:00 on Tue 3 Mar" in refused.json()["detail"]
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.SUBMITTED

    approved = api(bob).post(
        f"{TIMESHEETS}/{timesheet.pk}/approve", {"comment": "Fine", "reason": "Cover for a sick colleague"}
    )

    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    violation = Violation.objects.get(user=alice, rule="daily_rest")
    assert violation.status == Violation.Status.ACKNOWLEDGED
    assert (violation.acknowledged_by, violation.comment) == (bob, "Cover for a sick colleague")
    assert AuditEvent.objects.filter(action="violation_acknowledged", actor=bob, target_id=str(violation.pk)).exists()


def test_acknowledging_each_violation_first_lets_the_week_be_approved(
    frozen_2026_03_04, blocking, api, alice, bob, ops
):
    timesheet = week_with_a_short_rest(alice, ops)
    violation = Violation.objects.get(user=alice, rule="daily_rest")

    acknowledged = api(bob).post(f"{VIOLATIONS}/{violation.pk}/acknowledge", {"comment": "Agreed one-off"})
    assert acknowledged.status_code == 200

    approved = api(bob).post(f"{TIMESHEETS}/{timesheet.pk}/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    violation.refresh_from_db()
    assert violation.comment == "Agreed one-off"


def test_a_warn_policy_approves_a_week_with_open_violations(frozen_2026_03_04, api, alice, bob, ops):
    timesheet = week_with_a_short_rest(alice, ops)

    approved = api(bob).post(f"{TIMESHEETS}/{timesheet.pk}/approve", {})

    assert approved.status_code == 200
    assert Violation.objects.get(user=alice, rule="daily_rest").status == Violation.Status.OPEN


def test_violations_of_other_weeks_do_not_hold_this_week_back(frozen_2026_03_04, blocking, api, alice, bob, ops):
    timesheet = week_with_a_short_rest(alice, ops)
    Violation.objects.filter(user=alice).update(
        period_start=date(2026, 2, 23),
        period_end=date(2026, 2, 24),  # week 2026-W09
    )

    assert api(bob).post(f"{TIMESHEETS}/{timesheet.pk}/approve", {}).status_code == 200


def test_the_block_choice_keeps_its_value_and_says_what_it_does(api, carol):
    policy = WorkingTimePolicy.objects.get(is_default=True)
    assert api(carol).patch(f"/api/v1/compliance/policies/{policy.pk}", {"enforcement": "block"}).status_code == 200
    assert WorkingTimePolicy.Enforcement.BLOCK.value == "block"
    assert "approv" in WorkingTimePolicy.Enforcement.BLOCK.label
    assert "never" in WorkingTimePolicy._meta.get_field("enforcement").help_text
