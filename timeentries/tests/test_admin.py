"""The time admin: scoped changelists, approval actions that report row by row, and edits
that go through the services so the week and payroll locks hold in the admin too."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.admin.models import CHANGE, DELETION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client

from core.models import AuditEvent
from timeentries import services
from timeentries.models import LockPeriod, Project, Task, TimeEntry, Timesheet
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)  # a Thursday; the week before starts Monday 2 November
TIMESHEETS = "/admin/timeentries/timesheet/"
ENTRIES = "/admin/timeentries/timeentry/"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def project(db):
    project = Project.objects.create(code="ACME", name="Acme site")
    Task.objects.create(project=project, name="Dev")
    return project


def admin_client(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def log(user, project, day=3, hours=(8, 12), description="Work") -> TimeEntry:
    """A finished entry of `user` on November `day`, 2026 (UTC hours)."""
    return services.time_entry_create(
        actor=user,
        project=project,
        task=project.tasks.first(),
        start=datetime(2026, 11, day, hours[0], tzinfo=UTC),
        end=datetime(2026, 11, day, hours[1], tzinfo=UTC),
        description=description,
    )


def week_of(entry: TimeEntry) -> Timesheet:
    return Timesheet.objects.get(user=entry.user, week_start=datetime(2026, 11, 2).date())


def submitted_week(user, project, day=3) -> Timesheet:
    timesheet = week_of(log(user, project, day=day))
    return services.timesheet_submit(timesheet_id=timesheet.pk, actor=user, comment="short week")


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client, action, *timesheets, **extra):
    data = {"action": action, "_selected_action": [t.pk for t in timesheets], "index": "0", **extra}
    return client.post(TIMESHEETS, data)


BERLIN = ZoneInfo("Europe/Berlin")


def entry_form(entry: TimeEntry, **changes) -> dict:
    """The change form as the admin shows it: in the signed-in user's zone (Berlin here)."""
    start, end = entry.start.astimezone(BERLIN), entry.end.astimezone(BERLIN)
    data = {
        "project": entry.project_id,
        "task": entry.task_id or "",
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "description": entry.description,
    }
    if entry.billable:
        data["billable"] = "on"
    return {**data, **changes}


# --- scoping -------------------------------------------------------------------------------


def test_manager_sees_only_their_teams_entries_and_weeks(bob, alice, dave, project, password):
    alice_entry, dave_entry = log(alice, project), log(dave, project)
    client = admin_client(bob, password)

    entries = client.get(ENTRIES)
    assert entries.status_code == 200
    assert {entry.user for entry in entries.context["cl"].result_list} == {alice}
    timesheets = client.get(TIMESHEETS)
    assert timesheets.status_code == 200
    assert {timesheet.user for timesheet in timesheets.context["cl"].result_list} == {alice}
    # Someone else's rows are not found, not merely forbidden.
    assert client.get(f"{ENTRIES}{dave_entry.pk}/change/").status_code == 302
    assert client.get(f"{TIMESHEETS}{week_of(dave_entry).pk}/change/").status_code == 302
    assert client.get(f"{ENTRIES}{alice_entry.pk}/change/").status_code == 200


def test_user_filter_offers_only_visible_people(bob, alice, dave, team_a, project, password):
    colleague = UserFactory(email="amir@example.com", team=team_a)
    log(alice, project), log(colleague, project), log(dave, project)
    html = admin_client(bob, password).get(ENTRIES).content.decode()
    assert f"user__id__exact={alice.pk}" in html and f"user__id__exact={colleague.pk}" in html
    assert f"user__id__exact={dave.pk}" not in html


# --- approval actions ----------------------------------------------------------------------


def test_manager_approves_a_submitted_week_and_hears_per_row(bob, alice, project, password):
    timesheet = submitted_week(alice, project)
    response = run_action(admin_client(bob, password), "approve_selected", timesheet)

    assert response.status_code == 302
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.APPROVED and timesheet.decided_by == bob
    assert messages_of(response) == [("success", f"{timesheet}: approved.")]
    assert AuditEvent.objects.get(action="timesheet_approved").actor == bob


def test_admin_approving_a_mix_reports_each_row(carol, alice, dave, project, password):
    submitted = submitted_week(alice, project)
    still_open = week_of(log(dave, project))

    response = run_action(admin_client(carol, password), "approve_selected", submitted, still_open)

    submitted.refresh_from_db(), still_open.refresh_from_db()
    assert submitted.status == Timesheet.Status.APPROVED
    assert still_open.status == Timesheet.Status.OPEN
    assert sorted(messages_of(response)) == sorted(
        [
            ("success", f"{submitted}: approved."),
            ("error", f"{still_open}: Week 2026-W45 is open, not submitted."),
        ]
    )


def test_manager_cannot_approve_their_own_week(bob, project, password):
    own = submitted_week(bob, project)
    response = run_action(admin_client(bob, password), "approve_selected", own)

    own.refresh_from_db()
    assert own.status == Timesheet.Status.SUBMITTED and own.decided_by is None
    [(level, message)] = messages_of(response)
    assert level == "error" and "your own" in message


def test_manager_cannot_act_on_another_teams_week(bob, dave, project, password):
    theirs = submitted_week(dave, project)
    response = run_action(admin_client(bob, password), "approve_selected", theirs)

    theirs.refresh_from_db()
    assert theirs.status == Timesheet.Status.SUBMITTED
    assert messages_of(response) == []  # the row is outside bob's changelist, so it is not selected at all


def test_reject_asks_for_a_comment_before_changing_anything(bob, alice, project, password):
    timesheet = submitted_week(alice, project)
    client = admin_client(bob, password)

    confirmation = run_action(client, "reject_selected", timesheet)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert '<label class="required" for="id_comment">' in html and "<textarea" in html and "required" in html
    assert "<script" not in html.split('id="content"')[1] and "style=" not in html.split('id="content"')[1]

    without_comment = run_action(client, "reject_selected", timesheet, post="yes", comment="  ")
    assert without_comment.status_code == 200
    assert "This field is required." in without_comment.content.decode()
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.SUBMITTED

    rejected = run_action(client, "reject_selected", timesheet, post="yes", comment="Tuesday is missing")
    assert rejected.status_code == 302
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.REJECTED
    assert timesheet.decision_comment == "Tuesday is missing" and timesheet.decided_by == bob
    assert messages_of(rejected) == [("success", f"{timesheet}: rejected.")]


def test_reopen_selected_opens_an_approved_week(bob, alice, project, password):
    timesheet = submitted_week(alice, project)
    services.timesheet_approve(timesheet_id=timesheet.pk, actor=bob)
    response = run_action(admin_client(bob, password), "reopen_selected", timesheet)

    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.OPEN
    assert messages_of(response) == [("success", f"{timesheet}: reopened.")]


def test_timesheets_cannot_be_edited_or_deleted_in_the_admin(bob, alice, project, password):
    timesheet = submitted_week(alice, project)
    client = admin_client(bob, password)
    page = client.get(f"{TIMESHEETS}{timesheet.pk}/change/")
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    client.post(f"{TIMESHEETS}{timesheet.pk}/change/", {"status": "approved"})
    assert client.post(f"{TIMESHEETS}{timesheet.pk}/delete/", {"post": "yes"}).status_code == 403
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.SUBMITTED


# --- time entries through the services -------------------------------------------------------


def test_entry_in_an_approved_week_cannot_be_changed_in_the_admin(bob, alice, project, password):
    entry = log(alice, project, description="Before")
    timesheet = services.timesheet_submit(timesheet_id=week_of(entry).pk, actor=alice, comment="short week")
    services.timesheet_approve(timesheet_id=timesheet.pk, actor=bob)

    response = admin_client(bob, password).post(f"{ENTRIES}{entry.pk}/change/", entry_form(entry, description="After"))

    assert response.status_code == 200
    assert "Week 2026-W45 is approved; ask your manager to reopen it." in response.content.decode()
    assert not any(level == "success" for level, _ in messages_of(response))
    entry.refresh_from_db(), timesheet.refresh_from_db()
    assert entry.description == "Before"
    assert timesheet.status == Timesheet.Status.APPROVED
    assert not LogEntry.objects.get_for_object(entry).filter(action=LogEntry.Action.UPDATE).exists()
    assert not AdminLogEntry.objects.filter(object_id=str(entry.pk), action_flag=CHANGE).exists()


def test_entry_in_an_open_week_changes_through_the_service(bob, alice, project, password):
    entry = log(alice, project, description="Before")
    response = admin_client(bob, password).post(
        f"{ENTRIES}{entry.pk}/change/", entry_form(entry, description="After", end_1="13:00:00")
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    # 13:00 in Berlin (the manager's zone) is 12:00 UTC.
    assert entry.description == "After" and entry.end == datetime(2026, 11, 3, 12, tzinfo=UTC)
    assert entry.user == alice
    [(level, message)] = messages_of(response)
    assert level == "success" and message.endswith("was changed successfully.")


def test_a_refused_field_keeps_the_input_and_names_the_field(carol, alice, project, password):
    entry = log(alice, project)
    response = admin_client(carol, password).post(
        f"{ENTRIES}{entry.pk}/change/", entry_form(entry, start_0="2026-11-13", end_0="2026-11-13", description="Typed")
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"start": ["The start cannot be after today."]}
    assert form["description"].value() == "Typed"
    entry.refresh_from_db()
    assert entry.end == datetime(2026, 11, 3, 12, tzinfo=UTC)


def test_admin_adds_an_entry_for_themself_with_its_week(carol, project, password):
    response = admin_client(carol, password).post(
        f"{ENTRIES}add/",
        {
            "project": project.pk,
            "task": project.tasks.first().pk,
            "start_0": "2026-11-10",
            "start_1": "09:00:00",
            "end_0": "2026-11-10",
            "end_1": "11:30:00",
            "description": "Release",
            "billable": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = TimeEntry.objects.get(description="Release")
    assert entry.user == carol
    assert Timesheet.objects.filter(user=carol, week_start=datetime(2026, 11, 9).date()).exists()


def test_admin_adds_a_duration_entry_and_a_clocked_one_with_a_break(carol, project, password):
    client = admin_client(carol, password)
    hours = client.post(
        f"{ENTRIES}add/",
        {"project": project.pk, "day": "2026-11-10", "duration": "07:30:00", "description": "Grid-like"},
    )
    assert hours.status_code == 302, hours.content.decode()[:3000]
    entry = TimeEntry.objects.get(description="Grid-like")
    assert (entry.kind, entry.start, entry.end, entry.duration) == ("duration", None, None, timedelta(hours=7.5))
    clocked = client.post(
        f"{ENTRIES}add/",
        {
            "project": project.pk,
            "start_0": "2026-11-11",
            "start_1": "08:00:00",
            "end_0": "2026-11-11",
            "end_1": "16:30:00",
            "break_minutes": "30",
            "description": "With lunch",
        },
    )
    assert clocked.status_code == 302, clocked.content.decode()[:3000]
    entry = TimeEntry.objects.get(description="With lunch")
    assert (entry.kind, entry.break_minutes, entry.duration) == ("clocked", 30, timedelta(hours=8))
    # A day has 24 hours: refused on the form, nothing written.
    too_long = client.post(
        f"{ENTRIES}add/",
        {"project": project.pk, "day": "2026-11-12", "duration": "30:00:00", "description": "Too long"},
    )
    assert too_long.status_code == 200 and not TimeEntry.objects.filter(description="Too long").exists()
    listed = client.get(ENTRIES).content.decode()
    assert "Duration on a day" in listed and "Clocked (start and end)" in listed


def test_admin_changes_a_duration_entrys_hours_through_the_service(carol, project, password):
    entry = services.time_entry_create(
        actor=carol, project=project, day=datetime(2026, 11, 10).date(), duration=timedelta(hours=2)
    )
    response = admin_client(carol, password).post(
        f"{ENTRIES}{entry.pk}/change/",
        {"project": project.pk, "day": "2026-11-10", "duration": "03:00:00", "description": "more"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry.refresh_from_db()
    assert (entry.kind, entry.duration, entry.description) == ("duration", timedelta(hours=3), "more")


def test_the_manager_sees_the_submit_comment_in_the_admin(bob, alice, project, password):
    timesheet = submitted_week(alice, project)
    page = admin_client(bob, password).get(f"{TIMESHEETS}{timesheet.pk}/change/").content.decode()
    assert "short week" in page
    assert "short week" in admin_client(bob, password).get(TIMESHEETS).content.decode()


def test_managers_cannot_add_or_delete_entries(bob, alice, project, password):
    entry = log(alice, project)
    client = admin_client(bob, password)
    assert client.get(f"{ENTRIES}add/").status_code == 403
    assert client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


# --- payroll lock ----------------------------------------------------------------------------


def test_admin_sets_the_lock_date_and_it_holds_in_the_admin(carol, alice, project, password):
    entry = log(alice, project)
    client = admin_client(carol, password)

    added = client.post("/admin/timeentries/lockperiod/add/", {"locked_before": "2026-11-09", "note": "October"})

    assert added.status_code == 302, added.content.decode()[:3000]
    assert messages_of(added)[0][0] == "success"
    lock = LockPeriod.objects.get()
    assert lock.set_by == carol and LockPeriod.current_lock_date() == datetime(2026, 11, 9).date()
    assert AuditEvent.objects.get(action="lock_period_set").actor == carol

    refused = client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 302 and refused["Location"] == f"{ENTRIES}{entry.pk}/change/"
    assert messages_of(refused)[-1] == ("error", "Time before 2026-11-09 is closed for payroll (week 2026-W45).")
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    assert not AdminLogEntry.objects.filter(object_id=str(entry.pk), action_flag=DELETION).exists()


def test_lock_history_is_read_only_and_only_admins_add(carol, bob, password):
    lock = services.lock_period_set(actor=carol, locked_before=datetime(2026, 10, 1).date())
    admin = admin_client(carol, password)
    assert (
        admin.post(f"/admin/timeentries/lockperiod/{lock.pk}/change/", {"locked_before": "2026-12-01"}).status_code
        == 403
    )
    assert admin.post(f"/admin/timeentries/lockperiod/{lock.pk}/delete/", {"post": "yes"}).status_code == 403
    manager = admin_client(bob, password)
    assert manager.get("/admin/timeentries/lockperiod/add/").status_code == 403
    assert manager.post("/admin/timeentries/lockperiod/add/", {"locked_before": "2026-12-01"}).status_code == 403
    assert list(LockPeriod.objects.values_list("locked_before", flat=True)) == [datetime(2026, 10, 1).date()]


# --- audit and demo data ---------------------------------------------------------------------


def test_time_changes_have_field_history(alice, project):
    entry = log(alice, project, description="Before")
    services.time_entry_update(entry=entry, actor=alice, description="After")
    change = LogEntry.objects.get_for_object(entry).filter(action=LogEntry.Action.UPDATE).get()
    assert change.changes_dict["description"] == ["Before", "After"]


def test_seed_demo_is_idempotent_and_leaves_one_week_waiting():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (TimeEntry.objects.count(), Timesheet.objects.count(), Project.objects.count(), Task.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (
        TimeEntry.objects.count(),
        Timesheet.objects.count(),
        Project.objects.count(),
        Task.objects.count(),
    ) == counts
    employees = User.objects.filter(role=User.Role.EMPLOYEE)
    assert employees.count() == 6
    assert set(TimeEntry.objects.values_list("user", flat=True).distinct()) == set(
        employees.values_list("pk", flat=True)
    )
    waiting = Timesheet.objects.get(status=Timesheet.Status.SUBMITTED)
    assert waiting.user.email == "alice@example.com" and waiting.week_start == datetime(2026, 11, 2).date()
    assert Timesheet.objects.filter(status=Timesheet.Status.APPROVED).count() == 6 * 3
    assert Timesheet.objects.filter(status=Timesheet.Status.OPEN).count() == 5
    assert Project.objects.filter(archived=True).count() == 1
    assert Project.objects.get(code="GLX-APP").teams.get().name == "Engineering"
    for entry in TimeEntry.objects.clocked():
        assert entry.end <= NOW
    # A true story: grid days as hours without times, clocked days with a real break.
    assert TimeEntry.objects.durations().filter(start__isnull=True).count() > 5
    with_break = TimeEntry.objects.clocked().filter(break_minutes=30)
    assert with_break.exists()
    assert {
        (e.start.astimezone(e.user.tzinfo).strftime("%H:%M"), e.end.astimezone(e.user.tzinfo).strftime("%H:%M"))
        for e in with_break
    } == {("08:00", "16:30")}
    assert waiting.submit_comment == "Doctor's appointment on Friday afternoon."
    assert TimeEntry.objects.exclude(duration__gt=timedelta(0)).count() == 0


# --- catalogue -------------------------------------------------------------------------------


def test_admin_adds_a_team_project_through_the_catalog_service(carol, bob, team_a, password):
    response = admin_client(carol, password).post(
        "/admin/timeentries/project/add/",
        {
            "code": "GLX",
            "name": "Globex app",
            "color": "#3366cc",
            "billable": "on",
            "hourly_rate": "90",
            "teams": [team_a.pk],
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(code="GLX")
    assert list(project.teams.all()) == [team_a]
    assert AuditEvent.objects.get(action="project_saved").actor == carol
    assert admin_client(bob, password).get("/admin/timeentries/project/add/").status_code == 403
