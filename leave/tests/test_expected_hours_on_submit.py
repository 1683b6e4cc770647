"""A week with a public holiday or approved leave expects fewer hours: submitting it asks for
no comment (issue 14: "a week submitted below the expected hours asks for a comment"). Leave
answers `core.signals.expected_hours_requested` for the time services, which sit below it."""

from datetime import UTC, date, datetime

import pytest

from leave import services
from timeentries.models import Timesheet

pytestmark = pytest.mark.django_db
ENTRIES, SHEETS = "/api/v1/time-entries", "/api/v1/timesheets"


def _four_days_of_eight_hours(client, project):
    for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
        response = client.post(ENTRIES, {"project": project.pk, "day": day, "hours": "8"}, format="json")
        assert response.status_code == 201, response.json()


def test_a_public_holiday_takes_its_hours_out_of_the_week(frozen_2026_11_12, api, alice, acme, bavaria, carol):
    services.holiday_create(calendar=bavaria, day=date(2026, 11, 6), name="Company day", actor=carol)
    client = api(alice)
    _four_days_of_eight_hours(client, acme)
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))

    response = client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted" and response.json()["submit_comment"] == ""


def test_approved_leave_takes_its_hours_out_of_the_week(frozen_2026_11_12, api, alice, bob, acme, vacation):
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    services.leave_accrue_year(year=2026)
    client = api(alice)
    asked = client.post(
        "/api/v1/leave/requests",
        {"type": vacation.pk, "start_date": "2026-11-06", "end_date": "2026-11-06"},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    _four_days_of_eight_hours(client, acme)
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))
    # Still pending: the day is expected, so four days are short.
    assert client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json").json()["code"] == "comment_required"

    assert api(bob).post(f"/api/v1/leave/requests/{asked.json()['id']}/approve", {}, format="json").status_code == 200
    assert client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json").status_code == 200
