"""The API's smoke set, with every transaction committed for real, and what transaction
pooling changes: no session state may outlive a transaction.

On any PostgreSQL these are ordinary API tests. `.ci/run` runs them a second time through
PgBouncer in pool_mode=transaction (scripts/pgbouncer-up.sh, DATABASE_POOL_MODE=transaction),
whose config hands one client's consecutive transactions to different server sessions
(server_round_robin): a temp table, a session lock or a prepared statement that outlived its
transaction would then be missing, or left behind, and these tests fail.
"""

import time
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.models import Export
from conftest import requires_postgres
from core.models import AuditEvent
from core.schedules import PERIODIC_TASKS
from core.tasks import audit_purge_expired_task
from imports.tests.helpers import ENTRY_HEADER, IMPORTS, csv_file
from timeentries.models import TimeEntry

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_in_tmp")]
requires_transaction_pooling = pytest.mark.skipif(
    not settings.DATABASE_TRANSACTION_POOLING,
    reason="needs PgBouncer in transaction mode (scripts/pgbouncer-up.sh, DATABASE_POOL_MODE=transaction)",
)

ENTRIES = "/api/v1/time-entries"
REQUESTS = "/api/v1/leave/requests"
EXPORTS = "/api/v1/exports"


def _signed_in(anon, user, password):
    """A client with the JWT `user` gets from /api/v1/auth/token, as an app signs in."""
    tokens = anon.post("/api/v1/auth/token", {"email": user.email, "password": password}, format="json")
    assert tokens.status_code == 200, tokens.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    return client


def _advisory_locks_held() -> int:
    """Advisory locks any session holds on this test database (the server's view)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def test_the_api_smoke_set_works_with_every_transaction_committed(anon, password, alice, bob, acme, unpaid):
    staff, manager = _signed_in(anon, alice, password), _signed_in(anon, bob, password)
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)

    created = staff.post(
        ENTRIES, {"project": acme.pk, "start": f"{yesterday}T09:00:00Z", "end": f"{yesterday}T12:30:00Z"}
    )
    assert created.status_code == 201, created.content
    listed = staff.get(ENTRIES, {"from": str(yesterday), "to": str(yesterday)})
    assert [entry["id"] for entry in listed.json()["results"]] == [created.json()["id"]]

    started = staff.post(f"{ENTRIES}/timer/start", {"project": acme.pk, "description": "smoke"})
    assert started.status_code == 201, started.content
    assert staff.get(f"{ENTRIES}/timer").json()["id"] == started.json()["id"]
    stopped = staff.post(f"{ENTRIES}/timer/stop")
    assert stopped.status_code == 200 and stopped.json()["end"] is not None

    monday = today + timedelta(weeks=3, days=-today.weekday())
    asked = staff.post(REQUESTS, {"type": unpaid.pk, "start_date": str(monday), "end_date": str(monday)})
    assert asked.status_code == 201, asked.content
    approved = manager.post(f"{REQUESTS}/{asked.json()['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    month = {"from": str(yesterday.replace(day=1)), "to": str(today)}
    report = manager.get("/api/v1/reports/time", {**month, "group_by": "day", "format": "csv"})
    assert report.status_code == 200 and "3.50" in b"".join(report.streaming_content).decode()
    queued = staff.post(EXPORTS, {"report": "time", "format": "csv", "params": month}, format="json")
    assert queued.status_code == 202, queued.content
    export = staff.get(f"{EXPORTS}/{queued.json()['id']}").json()
    assert (export["status"], export["progress"]) == ("done", 100)
    assert Export.objects.get(pk=export["id"]).row_count >= 1

    assert anon.get("/health").status_code == 200


def test_an_import_dry_run_checks_its_rows_in_the_staging_tables(api, alice, acme):
    """The time-entry import's set checks run in temporary staging tables (COPY, then SQL)."""
    day = timezone.localdate() - timedelta(days=2)
    rows = [
        ENTRY_HEADER,
        f"alice@example.com,ACME,,{day} 09:00,{day} 11:00,,,,first",
        f"alice@example.com,ACME,,{day} 10:00,{day} 12:00,,,,overlaps the first",
    ]
    uploaded = api(alice).post(
        IMPORTS, {"file": csv_file(*rows), "kind": "time_entries", "dry_run": True}, format="multipart"
    )
    assert uploaded.status_code == 202, uploaded.content

    found = api(alice).get(f"{IMPORTS}/{uploaded.json()['id']}").json()
    assert found["status"] == "invalid", found
    assert [(error["row"], error["field"]) for error in found["errors"]] == [(3, "start")]
    assert not TimeEntry.objects.exists()
    with connection.cursor() as cursor:  # nothing is left for the next client of this session
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'timeentries_entry%%staging'")
        assert cursor.fetchone()[0] == 0


def test_a_periodic_job_claims_its_slot_once_and_leaves_no_lock_behind():
    call_command("setup_schedules", verbosity=0)
    schedule = next(name for name, (path, _) in PERIODIC_TASKS.items() if path == "core.tasks.audit_purge_expired_task")

    for _ in range(2):  # beat's dispatch, then a second beat's for the same slot
        audit_purge_expired_task.apply(headers={"periodic_task_name": schedule}).get()
        assert _advisory_locks_held() == 0

    assert AuditEvent.objects.filter(action="audit_purged").count() == 1


@requires_transaction_pooling
def test_the_database_address_is_pgbouncer_in_transaction_mode():
    database = connection.settings_dict
    admin = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="pgbouncer", autocommit=True
    )
    with admin:
        config = {row[0]: row[1] for row in admin.execute("SHOW CONFIG").fetchall()}
        pools = {row[0]: row for row in admin.execute("SHOW POOLS").fetchall()}
    assert config["pool_mode"] == "transaction"
    assert pools[database["NAME"]][-1] == "transaction"


@requires_transaction_pooling
def test_one_clients_transactions_reach_several_server_sessions(alice):
    """What makes the other tests here bite: the pooler hands our transactions out in turn."""
    sessions = set()
    for _ in range(40):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            sessions.add(cursor.fetchone()[0])
        if len(sessions) > 1:
            break
        time.sleep(0.1)  # a moment for the pooler to open its min_pool_size sessions
    assert len(sessions) > 1
