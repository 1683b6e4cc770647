"""The audit trail as a compliance officer relies on it: every business model has field-level
history with the right actor whichever door the change came through (JWT API, admin, page,
task); business events are scoped, filterable and read-only; old rows go in small batches."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from compliance.models import WorkingTimePolicy
from core.audit import audit_event_record, audit_purge_expired, task_actor
from core.models import AuditEvent
from core.schedules import PERIODIC_TASKS
from core.tasks import audit_purge_expired_task
from leave.models import CalendarFeed, LeaveLedgerEntry
from leave.services import calendar_feed_regenerate
from leave.tasks import leave_accrue_year_task, leave_carry_over_expire_task
from timeentries.models import Project, TimeEntry
from users.models import Team

pytestmark = pytest.mark.django_db

EVENTS, CHANGES = "/api/v1/audit-logs", "/api/v1/audit-logs/changes"
BUSINESS_APPS = ("users", "timeentries", "leave", "compliance", "analytics")


def log_entries_for(obj, action=None):
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk))
    return entries.filter(action=action) if action is not None else entries


# --- registration ---------------------------------------------------------------------------


def test_every_business_model_has_field_level_history():
    models = [model for app in BUSINESS_APPS for model in apps.get_app_config(app).get_models()]
    assert {model._meta.label for model in models} >= {
        "users.User",
        "users.Team",
        "timeentries.Client",
        "timeentries.Project",
        "timeentries.Task",
        "timeentries.TimeEntry",
        "timeentries.Timesheet",
        "timeentries.LockPeriod",
        "leave.LeaveType",
        "leave.HolidayCalendar",
        "leave.Holiday",
        "leave.LeaveRequest",
        "leave.LeaveLedgerEntry",
        "leave.CalendarFeed",
        "compliance.WorkingTimePolicy",
        "compliance.Violation",
    }
    missing = [model._meta.label for model in models if not auditlog.contains(model)]
    assert missing == []
    assert not auditlog.contains(AuditEvent)  # the trail itself is not audited by auditlog


def test_policy_team_changes_are_recorded_as_many_to_many(carol, team_a):
    policy = WorkingTimePolicy.objects.create(name="Night shift")
    with set_actor(carol):
        policy.teams.add(team_a)
    entry = log_entries_for(policy, LogEntry.Action.UPDATE).get()
    assert entry.actor == carol
    assert entry.changes_dict["teams"]["objects"] == [str(team_a)]


def test_calendar_feed_history_never_holds_its_token(alice):
    feed = CalendarFeed.objects.create(user=alice, scope=CalendarFeed.Scope.PERSONAL)
    created = log_entries_for(feed, LogEntry.Action.CREATE).get()
    assert "token" not in created.changes_dict
    calendar_feed_regenerate(feed=feed, actor=alice)
    assert all(feed.token not in str(entry.changes) for entry in log_entries_for(feed))
    assert AuditEvent.objects.get(action="calendar_feed_regenerated").subject == alice


# --- the actor, whichever door the change came through --------------------------------------


def test_jwt_api_change_is_logged_with_the_token_holder_as_actor(api, alice):
    response = api(alice).patch("/api/v1/users/me", {"last_name": "Liddell"})
    assert response.status_code == 200
    entry = log_entries_for(alice, LogEntry.Action.UPDATE).latest("timestamp")
    assert (entry.actor, entry.changes_dict["last_name"][1]) == (alice, "Liddell")


def test_admin_change_is_logged_with_the_admin_as_actor(carol, bob, team_a):
    client = Client()
    client.force_login(carol)
    response = client.post(
        f"/admin/users/team/{team_a.pk}/change/",
        {
            "name": "Team Alpha",
            "managers": [bob.pk],
            "holiday_calendar": "",
            "absences_visible_to_members": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = log_entries_for(team_a, LogEntry.Action.UPDATE).latest("timestamp")
    assert (entry.actor, entry.changes_dict["name"]) == (carol, ["Team A", "Team Alpha"])


def test_page_sign_in_is_a_login_event_with_the_person_as_actor(alice, password):
    response = Client().post("/accounts/login/", {"email": alice.email, "password": password}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="login")
    assert (event.actor, event.subject, event.ip_address, event.data) == (
        alice,
        alice,
        "192.0.2.7",
        {"method": "session"},
    )


def test_page_form_change_is_logged_with_the_signed_in_person_as_actor(alice):
    project = Project.objects.create(code="WEB", name="Website")
    client = Client()
    client.force_login(alice)
    response = client.post("/timesheet/timer/start/", {"timer-work": str(project.pk), "timer-description": "Logo"})
    assert response.status_code == 302
    entry = log_entries_for(TimeEntry.objects.get(user=alice), LogEntry.Action.CREATE).get()
    assert entry.actor == alice


def test_task_records_who_started_it(carol):
    result = audit_purge_expired_task.delay(actor_id=carol.pk).get()
    event = AuditEvent.objects.get(action="audit_purged")
    assert (event.actor, event.actor_label) == (carol, "")
    assert event.data == {"events": 0, "log_entries": 0, "cutoff": result["cutoff"]}


def test_task_without_a_person_is_recorded_as_a_named_system_actor(db):
    audit_purge_expired_task.delay().get()
    event = AuditEvent.objects.get(action="audit_purged")
    assert event.actor is None
    assert event.actor_label == "system:core.tasks.audit_purge_expired_task"


def test_leave_accrual_task_records_who_started_it(alice, carol):
    leave_accrue_year_task.delay(year=2026, actor_id=carol.pk).get()
    accrual = LeaveLedgerEntry.objects.filter(user=alice, kind=LeaveLedgerEntry.Kind.ACCRUAL).first()
    assert accrual is not None and accrual.created_by == carol
    assert log_entries_for(accrual, LogEntry.Action.CREATE).get().actor == carol

    leave_carry_over_expire_task.delay(actor_id=carol.pk).get()  # accepts the actor too


def test_task_actor_sets_the_auditlog_actor_and_restores_the_request_one(alice, carol):
    with set_actor(alice):  # what the middleware does around a request
        with task_actor(carol.pk, "system:test") as acting:
            assert (acting.user, acting.label) == (carol, "")
            during = Team.objects.create(name="Made by the task")
        after = Team.objects.create(name="Made by the request afterwards")
    assert log_entries_for(during).get().actor == carol
    assert log_entries_for(after).get().actor == alice

    with task_actor(None, "system:test") as acting:
        assert (acting.user, acting.label) == (None, "system:test")
        unattributed = Team.objects.create(name="Made by the system")
    assert log_entries_for(unattributed).get().actor is None


# --- business events: who they are about ---------------------------------------------------


def test_event_subject_is_the_target_user_or_the_target_owner(alice, bob, carol, team_a):
    feed = CalendarFeed.objects.create(user=alice, scope=CalendarFeed.Scope.PERSONAL)
    assert audit_event_record(action="x", actor=carol, target=alice).subject == alice
    assert audit_event_record(action="x", actor=carol, target=feed).subject == alice
    assert audit_event_record(action="x", actor=carol, target=team_a).subject is None
    assert audit_event_record(action="x", actor=carol, target=team_a, subject=bob).subject == bob
    system = audit_event_record(action="x", actor_label="system:seed", target=team_a)
    assert (system.actor, system.actor_label) == (None, "system:seed")
    assert audit_event_record(action="x", actor=carol, actor_label="system:seed").actor_label == ""


# --- the API: read-only, scoped, filtered ---------------------------------------------------


@pytest.fixture
def events(alice, bob, carol, dave, erin):
    return {
        "about_alice": audit_event_record(action="role_changed", actor=carol, target=alice),
        "by_bob": audit_event_record(action="team_created", actor=bob, target=alice.team),
        "about_dave": audit_event_record(action="leave_approved", actor=erin, target=dave),
        "anonymous": audit_event_record(action="login_failed", data={"email": "x@example.com"}),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_manager_sees_events_about_or_by_their_people_only(api, bob, events):
    assert ids(api(bob).get(EVENTS)) == {events["about_alice"].pk, events["by_bob"].pk}
    assert api(bob).get(f"{EVENTS}/{events['about_dave'].pk}").status_code == 404


def test_admin_sees_every_event(api, carol, events):
    assert ids(api(carol).get(EVENTS)) >= {event.pk for event in events.values()}


def test_employees_cannot_read_the_trail(api, alice, events):
    assert api(alice).get(EVENTS).status_code == 403
    assert api(alice).get(CHANGES).status_code == 403


def test_field_level_history_is_for_admins_only(api, bob, carol, alice):
    assert api(bob).get(CHANGES).status_code == 403
    response = api(carol).get(CHANGES, {"object_type": "users.user", "object_id": alice.pk, "action": "create"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["object_type"] == "users.user" and row["object_id"] == str(alice.pk) and row["action"] == "create"
    assert set(row) == {
        "id",
        "timestamp",
        "actor",
        "actor_email",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "remote_addr",
    }
    assert api(carol).get(f"{CHANGES}/{row['id']}").json()["object_repr"] == str(alice)


def test_event_rows_show_actor_subject_and_object(api, carol, alice, events):
    row = api(carol).get(f"{EVENTS}/{events['about_alice'].pk}").json()
    assert row["actor"] == carol.pk and row["actor_email"] == carol.email
    assert row["subject"] == alice.pk and row["subject_email"] == alice.email
    assert (row["object_type"], row["object_id"], row["action"]) == ("users.user", str(alice.pk), "role_changed")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nobody_writes_the_trail_through_the_api(api, carol, events, method):
    client = api(carol)
    entry = LogEntry.objects.first()
    assert getattr(client, method)(f"{EVENTS}/{events['about_alice'].pk}", {"action": "forged"}).status_code == 405
    assert getattr(client, method)(f"{CHANGES}/{entry.pk}", {"object_repr": "forged"}).status_code == 405
    assert client.post(EVENTS, {"action": "forged"}).status_code == 405
    assert client.post(CHANGES, {"object_repr": "forged"}).status_code == 405
    assert AuditEvent.objects.get(pk=events["about_alice"].pk).action == "role_changed"
    assert not LogEntry.objects.filter(object_repr="forged").exists()


def test_event_filters(api, carol, alice, bob, dave, events):
    client = api(carol)
    assert ids(client.get(EVENTS, {"actor": bob.pk})) == {events["by_bob"].pk}
    assert ids(client.get(EVENTS, {"subject": dave.pk})) == {events["about_dave"].pk}
    assert ids(client.get(EVENTS, {"action": "login_failed"})) == {events["anonymous"].pk}
    assert ids(client.get(EVENTS, {"object_type": "users.team", "object_id": alice.team_id})) == {events["by_bob"].pk}
    assert ids(client.get(EVENTS, {"object_type": "users.user", "object_id": alice.pk})) == {events["about_alice"].pk}
    assert client.get(EVENTS, {"actor": "carol"}).status_code == 400


def test_date_filters_use_the_requesters_time_zone(api, carol, events):
    # 23:30 UTC on 9 November is already 10 November in Berlin, carol's time zone.
    event = events["about_alice"]
    AuditEvent.objects.filter(pk=event.pk).update(created_at=datetime(2026, 11, 9, 23, 30, tzinfo=UTC))
    client = api(carol)
    assert ids(client.get(EVENTS, {"from": "2026-11-10", "to": "2026-11-10"})) == {event.pk}
    assert ids(client.get(EVENTS, {"from": "2026-11-09", "to": "2026-11-09"})) == set()
    assert client.get(EVENTS, {"from": "not-a-date"}).status_code == 400


def test_change_filters(api, carol, alice, bob, team_a):
    client = Client()
    client.force_login(carol)
    client.post(f"/admin/users/team/{team_a.pk}/change/", {"name": "Team Alpha", "managers": [bob.pk]})
    entry = log_entries_for(team_a, LogEntry.Action.UPDATE).latest("timestamp")
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=datetime(2026, 11, 9, 23, 30, tzinfo=UTC))

    api_client = api(carol)
    by_carol = api_client.get(CHANGES, {"actor": carol.pk, "object_type": "users.team", "action": "update"})
    assert entry.pk in ids(by_carol)
    assert ids(api_client.get(CHANGES, {"actor": alice.pk, "object_type": "users.team"})) == set()
    assert ids(api_client.get(CHANGES, {"from": "2026-11-10", "to": "2026-11-10"})) == {entry.pk}
    assert api_client.get(CHANGES, {"action": "rename"}).status_code == 400


def test_event_pages_keep_a_stable_newest_first_order(api, carol, alice):
    same_moment = timezone.now()
    for number in range(5):
        audit_event_record(action=f"event_{number}", actor=carol, target=alice)
    AuditEvent.objects.update(created_at=same_moment)
    expected = list(AuditEvent.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    client = api(carol)
    seen = []
    for page in (1, 2, 3):
        seen += [row["id"] for row in client.get(EVENTS, {"page_size": 2, "page": page}).json()["results"]]
    assert seen == expected


# --- the admin: read-only ---------------------------------------------------------------------


@pytest.fixture
def admin_of(carol):
    client = Client()
    client.force_login(carol)
    return client


def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin(admin_of, events):
    event = events["about_alice"]
    assert admin_of.get("/admin/core/auditevent/").status_code == 200
    assert admin_of.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200  # a read-only view
    assert admin_of.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert admin_of.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_of.get("/admin/core/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "role_changed"


def test_log_entries_cannot_be_changed_or_deleted_in_the_admin(admin_of, alice):
    entry = log_entries_for(alice).first()
    assert admin_of.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200
    assert admin_of.post(f"/admin/auditlog/logentry/{entry.pk}/change/", {"object_repr": "forged"}).status_code == 403
    assert admin_of.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = admin_of.post(
        "/admin/auditlog/logentry/", {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    assert LogEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def test_managers_have_no_audit_admin(bob):
    client = Client()
    client.force_login(bob)
    assert client.get("/admin/core/auditevent/").status_code == 403


# --- retention ------------------------------------------------------------------------------

NOW = datetime(2026, 11, 12, 3, 30, tzinfo=UTC)
RETENTION_DAYS = 180
CUTOFF = NOW - timedelta(days=RETENTION_DAYS)
OLD_AGES = [timedelta(seconds=2), timedelta(hours=1), timedelta(days=1), timedelta(days=30), timedelta(days=400)]
NEW_AGES = [timedelta(seconds=2), timedelta(hours=1), timedelta(days=1), timedelta(days=90), timedelta(days=179)]


BLOCK = 2_500


def _insert_bulk_events(moments: list[datetime]) -> list[int]:
    """One row per moment, in this order; returns their ids in the same order.

    Written with one executemany: bulk_create is limited by Django to 999 parameters per
    statement on SQLite (99 rows here), ~10 s for 50,000 rows. `created_at` goes in directly,
    in the database's own format (auto_now_add would overwrite it on the ORM's path).
    """
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"INSERT INTO {connection.ops.quote_name(AuditEvent._meta.db_table)} "
        "(created_at, action, actor_label, target_type, target_id, target_repr, data) "
        "VALUES (%s, 'bulk', '', '', '', '', '{}')"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapt(moment),) for moment in moments])
    return list(AuditEvent.objects.filter(action="bulk").order_by("pk").values_list("pk", flat=True))


def test_purge_deletes_exactly_the_expired_rows_in_bounded_batches(settings, caplog, alice):
    """ "Older than" is strict: a row stamped exactly at the cut-off is kept, one second
    before it is deleted. 25,000 old and 25,000 new rows are interleaved in blocks of 2,500
    ids, so the batches cannot simply take the lowest ids."""
    settings.AUDIT_RETENTION = RETENTION_DAYS
    settings.AUDIT_PURGE_BATCH_SIZE = 10_000
    blocks = []  # (is_old, moment) per block of 2,500 consecutive ids, alternating old and new
    for block in range(20):
        is_old = block % 2 == 0
        age = (OLD_AGES if is_old else NEW_AGES)[block // 2 % 5]
        blocks.append((is_old, CUTOFF - age if is_old else CUTOFF + age))
    pks = _insert_bulk_events([moment for _, moment in blocks for _ in range(BLOCK)])
    assert len(pks) == 50_000
    old_pks, new_pks = set(), set()
    for index, (is_old, _) in enumerate(blocks):
        (old_pks if is_old else new_pks).update(pks[index * BLOCK : (index + 1) * BLOCK])
    before, at, after = (audit_event_record(action="boundary") for _ in range(3))
    for event, moment in (
        (before, CUTOFF - timedelta(seconds=1)),
        (at, CUTOFF),
        (after, CUTOFF + timedelta(seconds=1)),
    ):
        AuditEvent.objects.filter(pk=event.pk).update(created_at=moment)
    LogEntry.objects.update(timestamp=CUTOFF - timedelta(days=1))  # the personas' creation history
    old_entries = set(LogEntry.objects.values_list("pk", flat=True))
    kept_entry = LogEntry.objects.log_create(
        alice, action=LogEntry.Action.UPDATE, changes={"x": ["1", "2"]}, force_log=True
    )
    at_cutoff_entry = LogEntry.objects.log_create(
        alice, action=LogEntry.Action.UPDATE, changes={"x": ["2", "3"]}, force_log=True
    )
    LogEntry.objects.filter(pk=at_cutoff_entry.pk).update(timestamp=CUTOFF)

    with caplog.at_level(logging.INFO, logger="core.audit"):
        result = audit_purge_expired(now=NOW)

    assert result["events"] == 25_001 and result["log_entries"] == len(old_entries)
    assert result["event_batches"] == 3  # 10,000 + 10,000 + 5,001
    batches = [record for record in caplog.records if hasattr(record, "audit_purge_deleted")]
    assert sum(r.audit_purge_deleted for r in batches if r.audit_purge_model == "core.AuditEvent") == 25_001
    assert max(record.audit_purge_deleted for record in batches) <= 10_000
    remaining = set(AuditEvent.objects.filter(action__in=["bulk", "boundary"]).values_list("pk", flat=True))
    assert remaining == new_pks | {at.pk, after.pk}
    assert not AuditEvent.objects.filter(pk__in=old_pks | {before.pk}).exists()
    assert set(LogEntry.objects.values_list("pk", flat=True)) == {kept_entry.pk, at_cutoff_entry.pk}
    run = AuditEvent.objects.get(action="audit_purged")
    assert (run.actor, run.actor_label) == (None, "system:audit-retention")
    assert run.data == {"events": 25_001, "log_entries": len(old_entries), "cutoff": CUTOFF.isoformat()}

    again = audit_purge_expired(now=NOW)
    assert (again["events"], again["log_entries"], again["event_batches"]) == (0, 0, 0)
    assert AuditEvent.objects.filter(action__in=["bulk", "boundary"]).count() == 25_002


def test_purge_command_dry_run_deletes_nothing(settings, capsys, db):
    settings.AUDIT_RETENTION = 30
    old = audit_event_record(action="login")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    call_command("purge_audit_log", "--dry-run")
    assert "would delete 1 audit events" in capsys.readouterr().out
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert not AuditEvent.objects.filter(action="audit_purged").exists()

    call_command("purge_audit_log")
    assert "deleted 1 audit events" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.get(action="audit_purged").data["events"] == 1


def test_the_nightly_purge_keeps_its_scheduled_task_name():
    assert "core.tasks.audit_purge_expired_task" in {task for task, _ in PERIODIC_TASKS.values()}
