"""Two kinds of entry through the API (issue 14): clocked (start, end, break) and duration
(hours on a day, no times); the 24-hour day; totals; submitting a week with a comment; the
timer; the grid cell's service; the OpenAPI schema."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from timeentries import services
from timeentries.models import TimeEntry, Timesheet

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries"
SHEETS = "/api/v1/timesheets"


def duration_body(project, day, hours, **extra):
    return {"project": project.pk, "day": day, "hours": hours, **extra}


def post(client, body):
    return client.post(URL, body, format="json")


# --- create ---------------------------------------------------------------------------------


def test_day_and_hours_create_a_duration_entry_without_times(frozen_2026_11_12, api, alice, acme):
    response = post(api(alice), duration_body(acme, "2026-11-10", "7,5"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "duration"
    assert body["start"] is None and body["end"] is None
    assert body["day"] == "2026-11-10"
    assert body["duration"] == 27000 and body["hours"] == 7.5
    assert body["break_minutes"] == 0 and body["running"] is False
    entry = TimeEntry.objects.get(pk=body["id"])
    assert (entry.kind, entry.start, entry.end, entry.duration) == ("duration", None, None, timedelta(hours=7.5))
    # Its week has a timesheet, like any week with an entry.
    assert Timesheet.objects.filter(user=alice, week_start=date(2026, 11, 9)).exists()


def test_hours_typed_as_hours_and_minutes(frozen_2026_11_12, api, alice, acme):
    assert post(api(alice), duration_body(acme, "2026-11-10", "1:30")).json()["hours"] == 1.5
    assert post(api(alice), duration_body(acme, "2026-11-11", 2)).json()["duration"] == 7200


def test_start_and_end_with_a_break_create_a_clocked_entry(frozen_2026_11_12, api, alice, acme):
    body = {
        "project": acme.pk,
        "start": "2026-11-10T08:00:00+01:00",
        "end": "2026-11-10T16:30:00+01:00",
        "break_minutes": 30,
    }
    response = post(api(alice), body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "clocked" and data["day"] == "2026-11-10"
    assert data["break_minutes"] == 30
    assert data["duration"] == 8 * 3600 and data["hours"] == 8.0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T09:00:00+01:00", "hours": 1}, "hours"),
        ({"day": "2026-11-10"}, "hours"),
        ({"hours": 2}, "day"),
        ({"day": "2026-11-10", "hours": 2, "break_minutes": 30}, "break_minutes"),
        ({"end": "2026-11-10T09:00:00+01:00"}, "start"),
        ({"start": "2026-11-10T08:00:00+01:00"}, "end"),
        ({}, "start"),
        ({"day": "2026-11-10", "hours": 0}, "hours"),
        ({"day": "2026-11-10", "hours": "25"}, "hours"),
        ({"day": "2026-11-10", "hours": "two"}, "hours"),
        ({"day": "2026-11-13", "hours": 2}, "day"),
        ({"start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T09:00:00+01:00", "day": "2026-11-09"}, "day"),
        (
            {"start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T09:00:00+01:00", "break_minutes": 60},
            "break_minutes",
        ),
    ],
)
def test_mixed_or_incomplete_input_is_a_400_naming_the_field(frozen_2026_11_12, api, alice, acme, body, field):
    response = post(api(alice), {"project": acme.pk, **body})
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not TimeEntry.objects.exists()


# --- a day has 24 hours ---------------------------------------------------------------------


def test_25_hours_of_duration_entries_in_one_day_are_refused(frozen_2026_11_12, api, alice, acme, internal):
    client = api(alice)
    assert post(client, duration_body(acme, "2026-11-10", 20)).status_code == 201
    response = post(client, duration_body(internal, "2026-11-10", 5))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["hours"]
    assert "Tue 10 Nov would hold 25 hours" in response.json()["detail"]
    assert post(client, duration_body(internal, "2026-11-10", 4)).status_code == 201  # 24 h is a full day


def test_25_hours_of_clocked_and_duration_work_in_one_day_are_refused(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    assert post(client, duration_body(acme, "2026-11-10", 20)).status_code == 201
    clocked = {"project": acme.pk, "start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T13:00:00+01:00"}
    response = post(client, clocked)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["end"]
    # A break makes the same times fit: 5 h less 1 h break is 4 h of work.
    assert post(client, {**clocked, "break_minutes": 60}).status_code == 201


def test_a_duration_entry_does_not_fit_a_day_already_full_of_clocked_work(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    whole_day = {"project": acme.pk, "start": "2026-11-10T00:00:00+01:00", "end": "2026-11-10T22:00:00+01:00"}
    assert post(client, whole_day).status_code == 201
    response = post(client, duration_body(acme, "2026-11-10", 3))
    assert response.status_code == 400 and list(response.json()["errors"]) == ["hours"]
    # Changing an entry counts the day without its old self.
    entry = TimeEntry.objects.get()
    assert client.patch(f"{URL}/{entry.pk}", {"end": "2026-11-10T23:00:00+01:00"}, format="json").status_code == 200


def test_a_night_shift_counts_on_both_days(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    night = {"project": acme.pk, "start": "2026-11-09T20:00:00+01:00", "end": "2026-11-10T06:00:00+01:00"}
    assert post(client, night).status_code == 201
    assert post(client, duration_body(acme, "2026-11-10", 19)).status_code == 400  # 6 h + 19 h
    assert post(client, duration_body(acme, "2026-11-10", 18)).status_code == 201


# --- overlap (acceptance 4) -------------------------------------------------------------------


def test_overlap_names_the_other_entry_by_local_time_day_and_project(
    frozen_2026_11_12, api, alice, acme, internal, internal_meetings
):
    client = api(alice)
    first = {
        "project": internal.pk,
        "task": internal_meetings.pk,
        "start": "2026-11-03T09:00:00+01:00",
        "end": "2026-11-03T11:00:00+01:00",
    }
    assert post(client, first).status_code == 201
    clash = {"project": acme.pk, "start": "2026-11-03T10:30:00+01:00", "end": "2026-11-03T12:00:00+01:00"}
    response = post(client, clash)
    assert response.status_code == 409
    assert response.json()["detail"] == "Overlaps your entry 09:00\N{EN DASH}11:00 on Tue 3 Nov, INT / Meetings."
    # Duration entries have no times, so they never overlap anything.
    assert post(client, duration_body(acme, "2026-11-03", 2)).status_code == 201


# --- update -------------------------------------------------------------------------------------


def test_patch_changes_a_duration_entrys_day_hours_and_project(frozen_2026_11_12, api, alice, acme, internal):
    client = api(alice)
    entry = post(client, duration_body(acme, "2026-11-10", 2)).json()
    response = client.patch(
        f"{URL}/{entry['id']}",
        {"day": "2026-11-11", "hours": "3.25", "project": internal.pk, "description": "moved"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["kind"], data["day"], data["hours"], data["project"]) == ("duration", "2026-11-11", 3.25, internal.pk)
    assert data["start"] is None and data["billable"] is False  # the new project's default


def test_patch_with_times_turns_a_duration_entry_into_a_clocked_one(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    entry = post(client, duration_body(acme, "2026-11-10", 2)).json()
    response = client.patch(
        f"{URL}/{entry['id']}",
        {"start": "2026-11-11T08:00:00+01:00", "end": "2026-11-11T16:30:00+01:00", "break_minutes": 30},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["kind"], data["day"], data["hours"], data["break_minutes"]) == ("clocked", "2026-11-11", 8.0, 30)
    # Half a range is not enough to say when the work was.
    other = post(client, duration_body(acme, "2026-11-09", 2)).json()
    only_end = client.patch(f"{URL}/{other['id']}", {"end": "2026-11-09T10:00:00+01:00"}, format="json")
    assert only_end.status_code == 400 and "start" in only_end.json()["errors"]


def test_a_clocked_entrys_day_and_hours_follow_from_its_times(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    body = {"project": acme.pk, "start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T10:00:00+01:00"}
    entry = post(client, body).json()
    assert client.patch(f"{URL}/{entry['id']}", {"hours": 3}, format="json").json()["errors"].keys() == {"hours"}
    assert client.patch(f"{URL}/{entry['id']}", {"day": "2026-11-09"}, format="json").status_code == 400
    moved = client.patch(f"{URL}/{entry['id']}", {"break_minutes": 15}, format="json")
    assert moved.status_code == 200 and moved.json()["hours"] == 1.75
    # Sending back what was read changes nothing and is no contradiction.
    echoed = {name: moved.json()[name] for name in ("day", "hours", "start", "end", "description")}
    again = client.patch(f"{URL}/{entry['id']}", echoed, format="json")
    assert again.status_code == 200 and again.json()["hours"] == 1.75


# --- reads ----------------------------------------------------------------------------------------


def test_from_and_to_find_duration_entries_by_day_and_the_newest_day_comes_first(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    older = post(client, duration_body(acme, "2026-11-09", 1)).json()
    clocked = post(
        client, {"project": acme.pk, "start": "2026-11-10T08:00:00+01:00", "end": "2026-11-10T09:00:00+01:00"}
    ).json()
    newer = post(client, duration_body(acme, "2026-11-11", 1)).json()
    listed = [row["id"] for row in client.get(URL).json()["results"]]
    assert listed == [newer["id"], clocked["id"], older["id"]]
    in_range = client.get(URL, {"from": "2026-11-10", "to": "2026-11-11"}).json()["results"]
    assert [row["id"] for row in in_range] == [newer["id"], clocked["id"]]
    assert [row["id"] for row in client.get(URL, {"to": "2026-11-09"}).json()["results"]] == [older["id"]]
    assert client.get(URL, {"running": "true"}).json()["count"] == 0


def test_week_totals_count_duration_entries_on_their_day_and_clocked_work_less_breaks(
    frozen_2026_11_12, api, alice, acme
):
    client = api(alice)
    post(client, duration_body(acme, "2026-11-09", "7.5"))
    post(
        client,
        {
            "project": acme.pk,
            "start": "2026-11-10T08:00:00+01:00",
            "end": "2026-11-10T16:30:00+01:00",
            "break_minutes": 30,
        },
    )
    # A night shift's break is spread over both days in proportion: 4 h + 4 h less 1 h.
    post(
        client,
        {
            "project": acme.pk,
            "start": "2026-11-10T20:00:00+01:00",
            "end": "2026-11-11T04:00:00+01:00",
            "break_minutes": 60,
        },
    )
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 9))
    totals = client.get(f"{SHEETS}/{sheet.pk}").json()["totals"]
    by_day = {row["date"]: row["hours"] for row in totals["days"]}
    assert by_day["2026-11-09"] == 7.5
    assert by_day["2026-11-10"] == 8 + 3.5
    assert by_day["2026-11-11"] == 3.5
    assert totals["total_hours"] == 22.5


# --- submitting a week ----------------------------------------------------------------------------


def test_a_short_week_needs_a_comment_the_manager_sees(frozen_2026_11_12, api, alice, bob, acme):
    client = api(alice)
    for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
        post(client, duration_body(acme, day, 8))
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))
    refused = client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "comment_required"
    assert list(refused.json()["errors"]) == ["comment"]
    assert refused.json()["detail"].startswith("32 h logged, 40 h expected this week; add a comment for your manager")
    sheet.refresh_from_db()
    assert sheet.status == "open"
    assert client.post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "  "}, format="json").status_code == 400

    submitted = client.post(f"{SHEETS}/{sheet.pk}/submit", {"comment": "Friday was a bridge day"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    seen = api(bob).get(f"{SHEETS}/{sheet.pk}").json()
    assert seen["submit_comment"] == "Friday was a bridge day"
    assert api(bob).get(SHEETS).json()["results"][0]["submit_comment"] == "Friday was a bridge day"


def test_a_full_week_is_submitted_without_a_comment(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    for day in range(2, 7):
        post(client, duration_body(acme, f"2026-11-0{day}", "7.75"))  # 38.75 h: more than half an hour short
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))
    assert client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json").status_code == 400
    post(client, duration_body(acme, "2026-11-07", 1))  # Saturday: 39.75 h, within half an hour
    response = client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json")
    assert response.status_code == 200 and response.json()["submit_comment"] == ""


def test_a_week_far_above_the_expected_hours_needs_a_comment(frozen_2026_11_12, api, alice, acme):
    alice.weekly_contract_hours = Decimal(20)
    alice.save()
    client = api(alice)
    for day in range(2, 7):
        post(client, duration_body(acme, f"2026-11-0{day}", "5.5"))  # 27.5 h > 20 h + 25 %
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))
    refused = client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "comment_required"
    assert refused.json()["detail"].startswith("27.5 h logged, 20 h expected this week")


def test_a_week_over_the_weekly_maximum_needs_a_comment_whatever_the_contract(
    frozen_2026_11_12, api, alice, acme, settings
):
    settings.WORKING_TIME_MAX_WEEKLY_HOURS = 48
    alice.weekly_contract_hours = Decimal(40)
    alice.work_days = "123456"
    alice.save()
    client = api(alice)
    for day in range(2, 8):
        post(client, duration_body(acme, f"2026-11-0{day}", "8.25"))  # 49.5 h: < 40 * 1.25 but > 48
    sheet = Timesheet.objects.get(user=alice, week_start=date(2026, 11, 2))
    assert client.post(f"{SHEETS}/{sheet.pk}/submit", {}, format="json").json()["code"] == "comment_required"


def test_expected_hours_are_the_contract_pro_rata_over_work_days_less_days_off(alice):
    from timeentries.selectors import week_expected_hours

    alice.weekly_contract_hours, alice.work_days = Decimal(30), "1234"
    monday = date(2026, 11, 2)
    assert week_expected_hours(alice, monday) == Decimal("30.00")
    assert week_expected_hours(alice, monday, days_off=[monday, date(2026, 11, 6)]) == Decimal("22.50")


def test_a_caller_that_knows_leave_passes_the_expected_hours(frozen_2026_11_12, alice, acme):
    services.time_entry_create(actor=alice, project=acme, day=date(2026, 11, 2), duration=timedelta(hours=8))
    sheet = Timesheet.objects.get(user=alice)
    submitted = services.timesheet_submit(timesheet_id=sheet.pk, actor=alice, expected_hours=Decimal(8))
    assert submitted.status == "submitted"


# --- the timer ------------------------------------------------------------------------------------


def test_the_timer_writes_a_clocked_entry_whose_stop_sets_the_duration(frozen_2026_11_12, api, alice, acme):
    client = api(alice)
    started = client.post(f"{URL}/timer/start", {"project": acme.pk}, format="json").json()
    assert (started["kind"], started["duration"], started["hours"], started["end"]) == ("clocked", None, None, None)
    assert client.get(URL, {"running": "true"}).json()["count"] == 1
    frozen_2026_11_12.shift(timedelta(minutes=2))  # within the token's lifetime
    stopped = client.post(f"{URL}/timer/stop", {}, format="json").json()
    assert stopped["kind"] == "clocked" and stopped["duration"] == 2 * 60 and stopped["day"] == "2026-11-12"


# --- the grid cell's service ------------------------------------------------------------------------


def test_a_grid_cell_holds_one_duration_entry_and_invents_no_times(frozen_2026_11_12, alice, acme, acme_dev):
    day = date(2026, 11, 10)
    services.time_entry_day_hours_set(actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal("7.5"))
    entry = TimeEntry.objects.get()
    assert (entry.kind, entry.start, entry.end, entry.day) == ("duration", None, None, day)
    assert entry.duration == timedelta(hours=7.5)
    services.time_entry_day_hours_set(
        actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal(3), description="review", billable=False
    )
    entry.refresh_from_db()
    assert (entry.duration, entry.description, entry.billable) == (timedelta(hours=3), "review", False)
    assert TimeEntry.objects.count() == 1
    services.time_entry_day_hours_set(actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal(0))
    assert not TimeEntry.objects.exists()


def test_a_grid_cell_with_clocked_work_holds_the_rest(frozen_2026_11_12, api, alice, acme, acme_dev):
    from core.errors import DomainValidationError

    post(
        api(alice),
        {
            "project": acme.pk,
            "task": acme_dev.pk,
            "start": "2026-11-10T08:00:00+01:00",
            "end": "2026-11-10T10:00:00+01:00",
        },
    )
    day = date(2026, 11, 10)
    services.time_entry_day_hours_set(actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal(5))
    assert TimeEntry.objects.durations().get().duration == timedelta(hours=3)
    with pytest.raises(DomainValidationError) as refused:
        services.time_entry_day_hours_set(actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal(1))
    assert refused.value.field == "hours"
    services.time_entry_day_hours_set(actor=alice, project=acme, task=acme_dev, day=day, hours=Decimal(2))
    assert not TimeEntry.objects.durations().exists() and TimeEntry.objects.clocked().count() == 1


# --- the schema -------------------------------------------------------------------------------------


def test_the_openapi_schema_shows_the_entry_kinds_and_the_submit_comment(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    entry = schema["components"]["schemas"]["TimeEntry"]["properties"]
    assert entry["kind"]["readOnly"] is True
    for name in ("day", "break_minutes", "hours", "start", "end", "duration"):
        assert name in entry
    assert not entry["hours"].get("readOnly")
    assert "clocked" in entry["start"]["description"]
    sheet = schema["components"]["schemas"]["TimesheetDetail"]["properties"]
    assert sheet["submit_comment"]["readOnly"] is True
    submit = schema["paths"]["/api/v1/timesheets/{id}/submit"]["post"]
    assert "requestBody" in submit
