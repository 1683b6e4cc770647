"""Closed months against holiday changes and re-counts, and who a closing covers (issue 15's
leftovers).

- A holiday added or removed on a day of a month closed for someone on its calendar would
  change that month's frozen expected hours: 409 naming the month. An import skips such
  days and reports them in its audit event.
- A re-count never writes a ledger row dated in a closed month: the difference of a request
  running into an open month is booked on its first open day; a request lying wholly in
  closed months is left as counted, with an audit event naming the month.
- A company closing covers everyone employed some day of the month, including people whose
  employment ended in it (and whose account is switched off); a team closing covers the
  team's members at close time.

The clock stands on Thursday 26 November 2026; everyone has been employed since 2020."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from core.models import AuditEvent
from leave import services
from leave.models import HolidayCalendar, LeaveLedgerEntry
from leave.tests.helpers import ask
from timeentries import services as entry_services
from users.closings import month_is_closed

HOLIDAYS = "/api/v1/holidays"
CLOSINGS = "/api/v1/month-closings"
OCTOBER_CLOSED = "October 2026 is closed for payroll; ask an admin to reopen it."

pytestmark = pytest.mark.django_db


@pytest.fixture
def accrued_alice(frozen_2026_11_26, alice, frank, bob, dave, erin, carol, bavaria):
    for person in (alice, frank, bob, dave, erin, carol):
        person.employment_start = date(2020, 1, 1)
        person.save(update_fields=["employment_start"])
    services.leave_accrue_year(year=2026)
    return alice


def approved(user, manager, leave_type, start, end):
    request = ask(user, leave_type, start, end)
    return services.leave_request_approve(request_id=request.pk, actor=manager)


def test_a_holiday_in_a_closed_month_is_refused_naming_the_month(accrued_alice, api, carol, bavaria, team_b):
    kept = services.holiday_create(calendar=bavaria, day=date(2026, 10, 20), name="Company day", actor=carol)
    services.month_closing_create(actor=carol, month=date(2026, 10, 1))

    added = api(carol).post(HOLIDAYS, {"calendar": bavaria.pk, "date": "2026-10-15", "name": "Fair"})
    removed = api(carol).delete(f"{HOLIDAYS}/{kept.pk}")

    for response in (added, removed):
        assert response.status_code == 409, response.json()
        assert response.json() == {"detail": OCTOBER_CLOSED, "code": "month_closed"}
    # November is closed for team B only; Bavaria's calendar is team A's: open for it
    api(carol).post(CLOSINGS, {"month": "2026-11", "team": team_b.pk}, format="json")
    november = api(carol).post(HOLIDAYS, {"calendar": bavaria.pk, "date": "2026-11-20", "name": "Fair"})
    assert november.status_code == 201, november.json()


def test_a_holiday_re_counts_leave_running_into_an_open_month_on_its_first_open_day(
    accrued_alice, bob, carol, bavaria, vacation
):
    # Thursday 29 October to Wednesday 4 November: 5 working days, 2 of them in October.
    request = approved(accrued_alice, bob, vacation, "2026-10-29", "2026-11-04")
    assert request.working_days == 5
    services.month_closing_create(actor=carol, month=date(2026, 10, 1))

    services.holiday_create(calendar=bavaria, day=date(2026, 11, 3), name="Company day", actor=carol)

    request.refresh_from_db()
    assert request.working_days == 4
    adjustment = LeaveLedgerEntry.objects.get(request=request, kind=LeaveLedgerEntry.Kind.ADJUSTMENT)
    assert (adjustment.amount, adjustment.date) == (Decimal("1.00"), date(2026, 11, 1))


def test_a_re_count_leaves_a_request_of_a_closed_month_as_counted_and_reports_it(accrued_alice, bob, carol, vacation):
    # Monday 12 to Friday 16 October: 5 working days, all in October.
    request = approved(accrued_alice, bob, vacation, "2026-10-12", "2026-10-16")
    services.month_closing_create(actor=carol, month=date(2026, 10, 1))
    fair = HolidayCalendar.objects.create(name="Fair city", country="DE")
    services.holiday_create(calendar=fair, day=date(2026, 10, 14), name="Fair")
    accrued_alice.holiday_calendar = fair
    accrued_alice.save(update_fields=["holiday_calendar"])

    changed = services.leave_requests_recount(
        user_ids=[accrued_alice.pk], since=date(2026, 10, 1), actor=carol, reason="Calendar changed"
    )

    request.refresh_from_db()
    assert changed == 0 and request.working_days == 5
    assert not LeaveLedgerEntry.objects.filter(request=request, kind=LeaveLedgerEntry.Kind.ADJUSTMENT).exists()
    skipped = AuditEvent.objects.get(action="leave_recount_skipped")
    assert skipped.target_id == str(request.pk) and skipped.data["month_closed"] == "2026-10"


def test_an_import_skips_days_of_closed_months_and_reports_them(accrued_alice, api, carol, bavaria):
    services.month_closing_create(actor=carol, month=date(2026, 10, 1))

    response = api(carol).post(f"/api/v1/holiday-calendars/{bavaria.pk}/import", {"year": 2026})

    assert response.status_code in (200, 201), response.json()
    dates = {holiday["date"] for holiday in response.json()["holidays"]}
    assert "2026-10-03" not in dates and "2026-12-25" in dates and "2026-01-06" in dates
    event = AuditEvent.objects.get(action="holidays_imported")
    assert event.data["skipped_closed_months"] == ["2026-10-03"]


def test_a_company_closing_covers_people_who_left_during_the_month(accrued_alice, api, alice, frank, carol, acme):
    """Frank worked 7.5 h on Monday 2 November and left on Tuesday 10 November; his account
    was switched off. His November (7 working days, 2-6 and 9-10, so 56 h expected) is
    frozen with the company's."""
    entry_services.time_entry_create(
        actor=frank,
        project=acme,
        start=datetime.fromisoformat("2026-11-02T08:00:00+00:00"),
        end=datetime.fromisoformat("2026-11-02T15:30:00+00:00"),
    )
    frank.employment_end = date(2026, 11, 10)
    frank.is_active = False
    frank.save(update_fields=["employment_end", "is_active"])

    company = api(carol).post(CLOSINGS, {"month": "2026-11"}, format="json")

    assert company.status_code == 201, company.json()
    rows = {row["user"]: row for row in company.json()["rows"]}
    assert (rows[frank.pk]["worked_hours"], rows[frank.pk]["expected_hours"]) == ("7.50", "56.00")


def test_a_team_closing_covers_its_members_at_close_time(accrued_alice, api, alice, frank, dave, carol, team_a, team_b):
    """Frank moved from team A to team B on 15 November: team A's closing covers its members
    at close time, not him; his November is frozen by team B's closing or the company's."""
    frank.team = team_b
    frank.save(update_fields=["team"])

    team_closing = api(carol).post(CLOSINGS, {"month": "2026-11", "team": team_a.pk}, format="json")

    people = {row["user"] for row in team_closing.json()["rows"]}
    assert alice.pk in people and frank.pk not in people and dave.pk not in people
    assert not month_is_closed(frank, date(2026, 11, 3))
    api(carol).post(CLOSINGS, {"month": "2026-11", "team": team_b.pk}, format="json")
    assert month_is_closed(frank, date(2026, 11, 3))
