"""Issue 16.17 night work (ArbZG §2(3)-(5), §6(2)) and 16.18 Sunday and public-holiday work
(ArbZG §9-§11): the cases and figures of the issue, through the rules, the services and the API.

February 2027 begins on a Monday and has 28 days: 24 working days (Monday to Saturday)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.services import compliance_scan
from compliance.tests.factories import BERLIN, violation_of, worked
from leave.models import Holiday, HolidayCalendar

pytestmark = pytest.mark.django_db

VIOLATIONS = "/api/v1/compliance/violations"
POLICIES = "/api/v1/compliance/policies"
SUMMARY = "/api/v1/compliance/summary"
LIMITS = rules.Limits(max_weekly_hours=Decimal(48), min_daily_rest_hours=Decimal(11))


def frozen(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def interval(day: date, start_hour: float, hours: float, break_minutes: int = 0) -> rules.Interval:
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN) + timedelta(hours=start_hour)
    return rules.Interval(None, start.astimezone(UTC), (start + timedelta(hours=hours)).astimezone(UTC), break_minutes)


def nights(user, project, first: date, last: date, hours: float, weekdays=range(1, 6)) -> None:
    """A shift from 20:00 lasting `hours` on each of `weekdays` (ISO) from `first` to `last`."""
    day = first
    while day <= last:
        if day.isoweekday() in weekdays:
            worked(user, project, day, 20, hours)
        day += timedelta(days=1)


def rules_of(user, rule: str) -> list[Violation]:
    return list(Violation.objects.filter(user=user, rule=rule).order_by("period_start"))


# --- 16.17 night work ------------------------------------------------------------------------


def test_night_work_is_more_than_two_hours_of_night_time_23_to_06():
    two_hours = interval(date(2027, 2, 1), 20, 5)  # 20:00-01:00: 23:00-01:00 is 2 h, not more
    two_and_a_half = interval(date(2027, 2, 2), 20, 5.5)  # to 01:30: 2.5 h of night time

    by_night = rules.night_time_by_night([two_hours, two_and_a_half], BERLIN, LIMITS)

    assert by_night == {date(2027, 2, 1): timedelta(hours=2), date(2027, 2, 2): timedelta(hours=2.5)}
    assert rules.night_work_nights([two_hours, two_and_a_half], BERLIN, LIMITS) == [date(2027, 2, 2)]


def test_night_hours_per_local_day_share_out_the_declared_break():
    # 22:00-06:30 with a 30-minute break: 8 h worked, 7 h of the span in night time, so
    # 7 x 8/8.5 = 6.588 h of night work: 0.94 h before midnight, 5.65 h after.
    shift = interval(date(2027, 2, 1), 22, 8.5, break_minutes=30)

    per_day = rules.night_hours_by_day([shift], BERLIN, LIMITS)

    assert rules.decimal_hours(per_day[date(2027, 2, 1)]) == Decimal("0.94")
    assert rules.decimal_hours(per_day[date(2027, 2, 2)]) == Decimal("5.65")
    assert rules.decimal_hours(sum(per_day.values(), timedelta())) == Decimal("6.59")


def test_a_night_workers_month_above_8_hours_a_working_day_is_a_violation(alice, ops, api, bob):
    """20 night shifts of 10 h in February 2027: 200 h over 24 working days, 8.33 h a day
    on average; 8 h are allowed (ArbZG §6(2))."""
    alice.night_worker = True
    alice.save(update_fields=["night_worker"])
    nights(alice, ops, date(2027, 2, 1), date(2027, 2, 26), 10)

    with frozen(2027, 3, 1, 12):
        compliance_scan(start=date(2027, 2, 1), end=date(2027, 2, 28), users=type(alice).objects.filter(pk=alice.pk))
        [violation] = rules_of(alice, "night_average")
        assert (violation.period_start, violation.period_end) == (date(2027, 2, 1), date(2027, 2, 28))
        assert (violation.measured, violation.limit) == (Decimal("8.33"), Decimal("8.00"))
        assert "200.00 h over the 24 working days" in violation.message

        listed = api(bob).get(VIOLATIONS, {"rule": "night_average"}).json()["results"]
        assert [row["id"] for row in listed] == [violation.pk]
        assert listed[0]["rule_label"] == "Night workers' 8-hour average"


def test_nine_and_a_half_hour_nights_average_below_8_and_pass(alice, ops):
    # 20 x 9.5 h = 190 h over 24 working days: 7.92 h a day.
    alice.night_worker = True
    alice.save(update_fields=["night_worker"])
    nights(alice, ops, date(2027, 2, 1), date(2027, 2, 26), 9.5)

    with frozen(2027, 3, 1, 12):
        compliance_scan(start=date(2027, 2, 1), end=date(2027, 2, 28), users=type(alice).objects.filter(pk=alice.pk))

    assert rules_of(alice, "night_average") == []


def test_someone_not_flagged_with_20_nights_is_not_a_night_worker(alice, ops):
    nights(alice, ops, date(2027, 2, 1), date(2027, 2, 26), 10)

    with frozen(2027, 3, 1, 12):
        compliance_scan(start=date(2027, 2, 1), end=date(2027, 2, 28), users=type(alice).objects.filter(pk=alice.pk))

    assert rules_of(alice, "night_average") == []


def test_night_work_on_48_days_of_the_year_makes_a_night_worker_from_then_on(alice, ops, api):
    """Six 10-hour nights a week from 4 January 2027: 24 nights by the end of January (not
    yet a night worker, though January averages 9.23 h), the 48th on Saturday 27 February:
    February's 240 h over 24 working days average 10 h."""
    nights(alice, ops, date(2027, 1, 4), date(2027, 2, 27), 10, weekdays=range(1, 7))

    with frozen(2027, 3, 1, 12):
        compliance_scan(start=date(2027, 1, 1), end=date(2027, 2, 28), users=type(alice).objects.filter(pk=alice.pk))
        [february] = rules_of(alice, "night_average")
        assert (february.period_start, february.measured) == (date(2027, 2, 1), Decimal("10.00"))

        january = api(alice).get(SUMMARY, {"from": "2027-01-01", "to": "2027-01-31"}).json()
        assert (january["night_work_days"], january["night_worker"]) == (24, False)
        body = api(alice).get(SUMMARY, {"from": "2027-02-01", "to": "2027-02-28"}).json()
        assert (body["night_work_days"], body["night_worker"]) == (24, True)


def test_the_four_week_reference_period_judges_four_weeks_across_two_months():
    """10-hour nights Monday to Friday from 15 February to 12 March 2027: 200 h over the 24
    working days of those 4 weeks (8.33 h); the calendar months hold 100 h each (4.17 h over
    February's 24 working days, 3.70 h over March's 27)."""
    shifts = [
        interval(date(2027, 2, 15) + timedelta(days=n), 20, 10)
        for n in range(26)
        if (date(2027, 2, 15) + timedelta(days=n)).isoweekday() <= 5
    ]
    four_weeks = rules.Limits(**{**LIMITS.__dict__, "night_average_period": "4weeks"})
    days = {date(2027, 3, 14)}

    [finding] = rules.check_night_average(
        shifts, BERLIN, four_weeks, days, night_worker=True, neutral_days=set(), holidays=set()
    )
    assert (finding.period_start, finding.period_end, finding.measured) == (
        date(2027, 2, 15),
        date(2027, 3, 14),
        Decimal("8.33"),
    )
    by_month = rules.check_night_average(
        shifts,
        BERLIN,
        LIMITS,
        {date(2027, 2, 28), date(2027, 3, 14)},
        night_worker=True,
        neutral_days=set(),
        holidays=set(),
    )
    assert by_month == []


def test_the_summary_reports_night_hours_per_day_and_in_all(alice, ops, api):
    worked(alice, ops, date(2027, 2, 1), 20, 10)  # Mon 20:00 to Tue 06:00: 1 h of night, then 6 h

    with frozen(2027, 2, 3, 12):
        body = api(alice).get(SUMMARY, {"from": "2027-02-01", "to": "2027-02-02"}).json()

    assert body["days"] == [
        {"date": "2027-02-01", "hours": "4.00", "night_hours": "1.00"},
        {"date": "2027-02-02", "hours": "6.00", "night_hours": "6.00"},
    ]
    assert (body["night_hours"], body["night_work_days"], body["night_worker"]) == ("7.00", 1, False)


def test_a_policy_sets_night_time_and_the_reference_period(alice, ops, api, carol):
    created = api(carol).post(
        POLICIES,
        {
            "name": "Bakery",
            "is_default": True,
            "night_start": "22:00",
            "night_end": "05:00",
            "night_average_period": "4weeks",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert (created.json()["night_start"], created.json()["night_average_period"]) == ("22:00:00", "4weeks")
    assert WorkingTimePolicy.objects.get(name="Bakery").night_end == time(5)
    worked(alice, ops, date(2027, 2, 1), 20, 5)  # 20:00-01:00: 3 h of the bakery's night

    with frozen(2027, 2, 3, 12):
        body = api(alice).get(SUMMARY, {"from": "2027-02-01", "to": "2027-02-02"}).json()

    assert (body["night_hours"], body["night_work_days"]) == ("3.00", 1)
    bad = api(carol).post(POLICIES, {"name": "Odd", "night_average_period": "fortnight"}, format="json")
    assert bad.status_code == 400 and "night_average_period" in bad.json()["errors"]


def test_admins_flag_a_night_worker_through_the_users_api(alice, api, carol):
    response = api(carol).patch(f"/api/v1/users/{alice.pk}", {"night_worker": True}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["night_worker"] is True
    alice.refresh_from_db()
    assert alice.night_worker


# --- 16.18 Sunday and public-holiday work ------------------------------------------------------


def test_work_on_a_sunday_is_a_recorded_warning_naming_the_substitute_window(alice, ops, api):
    with frozen(2027, 3, 7, 18):
        response = api(alice).post(
            "/api/v1/time-entries",
            {"project": ops.pk, "start": "2027-03-07T08:00:00+01:00", "end": "2027-03-07T14:00:00+01:00"},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert [w["rule"] for w in response.json()["compliance_warnings"]] == ["sunday_work"]

    [sunday] = rules_of(alice, "sunday_work")
    assert (sunday.period_start, sunday.measured) == (date(2027, 3, 7), Decimal("6.00"))
    assert sunday.entries == [response.json()["id"]]
    assert "between Mon 1 Mar and Sun 14 Mar" in sunday.message


def two_weeks_without_a_free_day(user, project):
    """Monday 1 to Saturday 13 March 2027, 08:00-16:00 every day, the Sunday included."""
    for n in range(13):
        worked(user, project, date(2027, 3, 1) + timedelta(days=n), 8, 8)


def test_a_substitute_rest_day_stays_open_while_its_two_weeks_run(alice, ops, api):
    two_weeks_without_a_free_day(alice, ops)

    with frozen(2027, 3, 10, 12):
        compliance_scan(start=date(2027, 3, 1), end=date(2027, 3, 9), users=type(alice).objects.filter(pk=alice.pk))
        body = api(alice).get(SUMMARY, {"from": "2027-03-01", "to": "2027-03-09"}).json()

    assert body["substitute_rest_days"] == [
        {
            "worked_day": "2027-03-07",
            "kind": "sunday",
            "window_start": "2027-03-01",
            "due_by": "2027-03-14",
            "given_on": None,
            "status": "open",
        }
    ]
    assert rules_of(alice, "substitute_rest") == []


def test_no_free_working_day_in_the_two_weeks_is_a_violation_once_they_end(alice, ops, api):
    two_weeks_without_a_free_day(alice, ops)

    with frozen(2027, 3, 15, 12):
        compliance_scan(start=date(2027, 3, 1), end=date(2027, 3, 14), users=type(alice).objects.filter(pk=alice.pk))
        [missed] = rules_of(alice, "substitute_rest")
        assert (missed.period_start, missed.period_end) == (date(2027, 3, 7), date(2027, 3, 14))
        assert "between Mon 1 Mar and Sun 14 Mar" in missed.message
        summary = api(alice).get(SUMMARY, {"from": "2027-03-01", "to": "2027-03-14"}).json()
        assert [(owed["status"], owed["given_on"]) for owed in summary["substitute_rest_days"]] == [("missed", None)]

        # Deleting Wednesday's work gives the rest day back: the write re-judges the window.
        wednesday = alice.time_entries.get(start__date=date(2027, 3, 10))
        assert api(alice).delete(f"/api/v1/time-entries/{wednesday.pk}").status_code == 204
        missed.refresh_from_db()
        assert missed.status == Violation.Status.RESOLVED
        summary = api(alice).get(SUMMARY, {"from": "2027-03-01", "to": "2027-03-14"}).json()
        assert [(owed["status"], owed["given_on"]) for owed in summary["substitute_rest_days"]] == [
            ("given", "2027-03-10")
        ]


def test_one_free_day_is_the_substitute_for_one_sunday_only():
    """Sundays 7 and 14 March 2027 worked; the only free working day is Saturday 13 March:
    it settles 7 March (due first, by 14 March); 14 March (due by 21 March) is missed."""
    free = {date(2027, 3, 13), date(2027, 3, 21)}
    per_day = {
        date(2027, 3, 1) + timedelta(days=n): timedelta(hours=8)
        for n in range(21)
        if date(2027, 3, 1) + timedelta(days=n) not in free
    }

    owed = rules.substitute_rest_days(per_day, set(), set(), date(2027, 3, 23), date(2027, 3, 1))

    assert [(o.worked_day, o.given_on, o.status) for o in owed] == [
        (date(2027, 3, 7), date(2027, 3, 13), "given"),
        (date(2027, 3, 14), None, "missed"),
    ]


def test_a_day_of_leave_is_not_a_substitute_rest_day():
    per_day = {date(2027, 3, 1) + timedelta(days=n): timedelta(hours=8) for n in range(13) if n != 2}

    [owed] = rules.substitute_rest_days(per_day, set(), {date(2027, 3, 3)}, date(2027, 3, 16), date(2027, 3, 1))

    assert (owed.given_on, owed.status) == (None, "missed")


@pytest.fixture
def berlin_good_friday(alice):
    calendar = HolidayCalendar.objects.create(name="Germany (Berlin)", country="DE", subdivision="BE")
    Holiday.objects.create(calendar=calendar, date=date(2027, 3, 26), name="Karfreitag")
    alice.holiday_calendar = calendar
    alice.save(update_fields=["holiday_calendar"])
    return calendar


def test_work_on_a_public_holiday_owes_a_substitute_day_within_eight_weeks(alice, ops, api, berlin_good_friday):
    """Good Friday, 26 March 2027, worked: the window runs from Monday 22 March to Sunday
    16 May. Monday to Thursday worked, Saturday 27 March free: it is the substitute."""
    for n in range(5):
        worked(alice, ops, date(2027, 3, 22) + timedelta(days=n), 8, 8)

    with frozen(2027, 3, 29, 12):
        compliance_scan(start=date(2027, 3, 22), end=date(2027, 3, 28), users=type(alice).objects.filter(pk=alice.pk))
        body = api(alice).get(SUMMARY, {"from": "2027-03-22", "to": "2027-03-28"}).json()

    [holiday] = rules_of(alice, "holiday_work")
    assert (holiday.period_start, holiday.measured) == (date(2027, 3, 26), Decimal("8.00"))
    assert "between Mon 22 Mar and Sun 16 May" in holiday.message
    assert body["substitute_rest_days"] == [
        {
            "worked_day": "2027-03-26",
            "kind": "holiday",
            "window_start": "2027-03-22",
            "due_by": "2027-05-16",
            "given_on": "2027-03-27",
            "status": "given",
        }
    ]
    assert rules_of(alice, "sunday_work") == []


def test_thirty_eight_sundays_worked_leave_fewer_than_15_free_in_2027(alice, ops):
    """2027 has 52 Sundays. 37 worked leave 15 free; the 38th (19 September) leaves 14."""
    sundays = [date(2027, 1, 3) + timedelta(weeks=n) for n in range(38)]
    for sunday in sundays[:37]:
        worked(alice, ops, sunday, 8, 4)
    people = type(alice).objects.filter(pk=alice.pk)

    with frozen(2027, 9, 20, 12):
        compliance_scan(start=date(2027, 9, 12), end=date(2027, 9, 19), users=people)
        assert rules_of(alice, "free_sundays") == []

        worked(alice, ops, sundays[37], 8, 4)
        compliance_scan(start=date(2027, 9, 19), end=date(2027, 9, 19), users=people)

    [violation] = rules_of(alice, "free_sundays")
    assert sundays[37] == date(2027, 9, 19)
    assert (violation.period_start, violation.period_end) == (date(2027, 1, 1), date(2027, 12, 31))
    assert (violation.measured, violation.limit) == (Decimal("14.00"), Decimal("15.00"))
    assert "38 of the 52 Sundays of 2027 worked (since Sun 19 Sep" in violation.message


# --- the findings on the compliance page ----------------------------------------------------


def test_the_compliance_page_counts_days_and_sundays_and_hours_a_day(frozen_2026_03_04, alice, bob, password):
    violation_of(
        alice,
        rule=Violation.Rule.FREE_SUNDAYS,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        measured=14,
        limit=15,
        message="38 of the 52 Sundays worked.",
    )
    violation_of(
        alice,
        rule=Violation.Rule.SUBSTITUTE_REST,
        period_start=date(2026, 2, 22),
        period_end=date(2026, 3, 1),
        measured=0,
        limit=1,
        message="No substitute rest day.",
    )
    violation_of(
        alice,
        rule=Violation.Rule.NIGHT_AVERAGE,
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        measured=Decimal("8.33"),
        limit=8,
        message="Night worker: 200 h.",
    )
    client = Client()
    assert client.login(email=bob.email, password=password)

    rows = {
        row["violation"].rule: (row["measured"], row["limit"])
        for row in client.get("/compliance/").context["violations"]
    }

    assert rows["free_sundays"] == ("14 free Sundays", "15 free Sundays")
    assert rows["substitute_rest"] == ("0 days", "1 day")
    assert rows["night_average"] == ("8.33 h a day", "8 h a day")
