"""Readers that used to take a person's own fields (today's hours, work days and munich) for
every day now ask the contract version in force on the day (issue 15): who a holiday change
re-counts, the team calendar's days off and holidays, the holidays on /leave/ and in the
leave calendar API. Each test has a contract change that makes the old reading wrong.

The clock stands on Monday 2 March 2026; alice works 40 h on Monday to Friday and, from
1 July 2026, 20 h on Monday to Thursday on the Bavarian calendar (neither she nor her team
has a calendar of their own)."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from leave import services
from leave.models import HolidayCalendar, LeaveLedgerEntry
from leave.tests.helpers import ask
from users.models import Contract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_02")]

TEAM = "/leave/team/"


@pytest.fixture
def munich(db):
    return HolidayCalendar.objects.create(name="Munich", country="DE", subdivision="BY")


@pytest.fixture
def from_july_on_calendar(funded, munich):
    """alice: 40 h Mon-Fri since 2020; from 1 July 2026 20 h Mon-Thu on the Munich munich."""
    Contract.objects.create(user=funded, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345")
    Contract.objects.create(
        user=funded, valid_from=date(2026, 7, 1), weekly_hours=20, work_days="1234", holiday_calendar=munich
    )
    return funded


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def test_a_holiday_on_a_calendar_named_only_by_a_contract_version_recounts_that_persons_leave(
    from_july_on_calendar, bob, carol, munich, vacation
):
    alice = from_july_on_calendar
    week = ask(alice, vacation, "2026-08-10", "2026-08-13")  # Mon-Thu under the July version
    services.leave_request_approve(request_id=week.pk, actor=bob)
    assert week.__class__.objects.get(pk=week.pk).working_days == 4

    services.holiday_create(calendar=munich, day=date(2026, 8, 12), name="Company day", actor=carol)

    week.refresh_from_db()
    assert (week.working_days, week.hours) == (3, Decimal("15.00"))  # 3 days at 5 h
    adjustment = LeaveLedgerEntry.objects.get(request=week, kind=LeaveLedgerEntry.Kind.ADJUSTMENT)
    assert adjustment.amount == 1


def test_a_contract_version_superseded_before_the_holiday_does_not_count_but_the_user_fields_still_do(
    funded, frank, munich, team_a
):
    from leave.selectors import users_on_calendar

    Contract.objects.create(user=funded, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345")
    Contract.objects.create(
        user=funded, valid_from=date(2025, 1, 1), weekly_hours=40, work_days="12345", holiday_calendar=munich
    )
    Contract.objects.create(user=funded, valid_from=date(2026, 1, 1), weekly_hours=40, work_days="12345")
    frank.holiday_calendar = munich  # no version names a calendar: his own field does
    frank.save()

    assert set(users_on_calendar(munich.pk, since=date(2025, 6, 1))) == {funded, frank}
    assert set(users_on_calendar(munich.pk, since=date(2026, 3, 1))) == {frank}
    assert set(users_on_calendar(munich.pk)) == {funded, frank}


def test_the_team_calendar_shows_each_persons_days_off_and_holidays_of_the_version_in_force(
    from_july_on_calendar, bob, munich, password
):
    alice = from_july_on_calendar
    munich.holidays.create(date=date(2026, 7, 6), name="Company day")

    response = signed_in(bob, password).get(TEAM, {"month": "2026-07"})

    assert response.status_code == 200
    row = next(row for row in response.context["calendar"]["rows"] if row["person"] == alice)
    cells = {cell.day.day: cell for cell in row["cells"]}
    # Friday 3 July is no work day under the July version (today's fields say Mon-Fri).
    assert "cal__cell--off" in cells[3].css_class and cells[3].marks[0].text == "day off"
    # Her calendar comes with the version; bob, the reader, has none.
    assert cells[6].marks[0].text == "Holiday: Company day"
    bobs = next(row for row in response.context["calendar"]["rows"] if row["person"] == bob)
    assert {cell.day.day: cell for cell in bobs["cells"]}[6].css_class == "cal__cell"
    assert response.context["calendar"]["holidays"] == []
    june = signed_in(bob, password).get(TEAM, {"month": "2026-06"})
    cells = {
        cell.day.day: cell
        for cell in next(r for r in june.context["calendar"]["rows"] if r["person"] == alice)["cells"]
    }
    assert cells[5].css_class == "cal__cell"  # Friday 5 June: still a work day under the 2020 version


def test_the_readers_holidays_follow_their_version_on_each_day(from_july_on_calendar, munich, password, api):
    alice = from_july_on_calendar
    munich.holidays.create(date=date(2026, 6, 30), name="Before her version")
    munich.holidays.create(date=date(2026, 7, 6), name="Company day")

    july = signed_in(alice, password).get(TEAM, {"month": "2026-07"})
    assert [holiday.name for holiday in july.context["calendar"]["holidays"]] == ["Company day"]
    assert "You have no holiday calendar" not in july.content.decode()
    june = signed_in(alice, password).get(TEAM, {"month": "2026-06"})
    assert june.context["calendar"]["holidays"] == []

    answer = api(alice).get("/api/v1/leave/calendar", {"from": "2026-06-29", "to": "2026-07-10"})
    assert answer.status_code == 200, answer.json()
    assert [holiday["name"] for holiday in answer.json()["holidays"]] == ["Company day"]


def test_my_leave_page_knows_the_calendar_of_todays_version(funded, munich, password):
    Contract.objects.create(
        user=funded, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345", holiday_calendar=munich
    )

    html = signed_in(funded, password).get("/leave/").content.decode()

    assert "No holiday calendar is set" not in html


def test_my_leave_page_says_when_todays_version_has_no_calendar(from_july_on_calendar, password):
    html = signed_in(from_july_on_calendar, password).get("/leave/").content.decode()

    assert "No holiday calendar is set" in html  # the calendar starts with July's version


def test_a_calendar_a_contract_version_names_is_not_deleted_409(from_july_on_calendar, munich, carol, api):
    answer = api(carol).delete(f"/api/v1/holiday-calendars/{munich.pk}")

    assert answer.status_code == 409 and answer.json()["code"] == "in_use"
    assert HolidayCalendar.objects.filter(pk=munich.pk).exists()
