"""Issue 12, stream "jobs": background work that survives a dead worker (item 14), runs once
per schedule slot however many beats dispatch it (item 15), and an audit purge that neither
floods the broker nor loses index updates (item 16)."""

import os
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from analytics.models import Export
from analytics.tasks import exports_reap_stale_task
from conftest import requires_postgres, requires_redis
from core.audit import audit_event_record
from core.locks import PeriodicJob
from core.models import AuditEvent, PeriodicJobRun
from core.schedules import PERIODIC_TASKS
from core.tasks import audit_purge_expired_task
from core.tests.processes import wait_until
from search.indexing import index_of
from search.models import IndexFailure
from search.tasks import search_index_object, search_reconcile_task

ROOT = Path(__file__).resolve().parents[3]
EXPORTS = "/api/v1/exports"
TIME_REPORT = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}


# --- item 14: a killed worker --------------------------------------------------------------


def _celery_config(**env) -> list[str]:
    """The time limit and visibility timeout of the configured Celery app, read in a fresh
    process so the settings are computed from `env`."""
    code = (
        "from config.celery import app; c = app.conf; "
        "print(c.task_time_limit, c.broker_transport_options['visibility_timeout'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return [int(value) for value in out.stdout.split()]


def test_item14_broker_visibility_timeout_follows_the_task_time_limit():
    """Redis redelivers a task a dead worker held after the visibility timeout (an hour by
    default): it must be just above the hard time limit, whatever that is set to."""
    for limit in (None, "900"):
        env = {"CELERY_TASK_TIME_LIMIT": limit} if limit else {}
        time_limit, visibility = _celery_config(**env)
        assert time_limit == int(limit or settings.CELERY_TASK_TIME_LIMIT)
        assert time_limit < visibility <= time_limit + 120


def _stuck(owner, status, *, age: timedelta, requeued: bool = False) -> Export:
    moment = timezone.now() - age
    export = Export.objects.create(owner=owner, report="time", format="csv", params=TIME_REPORT, status=status)
    Export.objects.filter(pk=export.pk).update(
        created_at=moment,
        started_at=moment if status == Export.Status.RUNNING else None,
        requeued_at=moment if requeued else None,
        progress=5 if status == Export.Status.RUNNING else 0,
    )
    return export


def test_item14_exports_a_dead_worker_left_behind_are_built_again_once(
    api, alice, media_in_tmp, django_capture_on_commit_callbacks
):
    stale = timedelta(seconds=settings.TASK_STALE_AFTER + 5)
    running = _stuck(alice, Export.Status.RUNNING, age=stale)
    lost = _stuck(alice, Export.Status.PENDING, age=stale)  # its message never reached a worker
    busy = _stuck(alice, Export.Status.RUNNING, age=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT - 30))

    with django_capture_on_commit_callbacks(execute=True):
        result = exports_reap_stale_task.delay().get()

    assert result == {"requeued": 2, "failed": 0}
    client = api(alice)
    for export in (running, lost):
        body = client.get(f"{EXPORTS}/{export.pk}").json()
        assert (body["status"], body["progress"], body["error"]) == ("done", 100, "")
        assert body["download_url"]
    assert client.get(f"{EXPORTS}/{busy.pk}").json()["status"] == "running"  # still within its time limit


def test_item14_an_export_stale_again_after_its_retry_fails_with_the_reason(
    api, alice, media_in_tmp, django_capture_on_commit_callbacks
):
    stale = timedelta(seconds=settings.TASK_STALE_AFTER + 5)
    export = _stuck(alice, Export.Status.RUNNING, age=stale, requeued=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert exports_reap_stale_task.delay().get() == {"requeued": 0, "failed": 1}

    body = api(alice).get(f"{EXPORTS}/{export.pk}").json()
    assert body["status"] == "failed"
    assert "worker" in body["error"] and str(settings.TASK_STALE_AFTER) in body["error"]
    assert body["finished_at"] and body["download_url"] is None


# --- item 15: one run per schedule slot ---------------------------------------------------


def _beat_dispatch(task, schedule_name: str):
    """Run `task` the way beat sends it: django-celery-beat names the schedule in a header."""
    return task.apply(headers={"periodic_task_name": schedule_name})


def _schedule_of(task_path: str) -> str:
    call_command("setup_schedules", stdout=StringIO())
    return next(name for name, (path, _) in PERIODIC_TASKS.items() if path == task_path)


def test_item15_every_scheduled_job_claims_its_slot():
    for path, _ in PERIODIC_TASKS.values():
        assert isinstance(import_string(path), PeriodicJob), path


def test_item15_a_second_beat_dispatching_a_finished_slot_is_skipped(settings, db):
    """Works on SQLite too: the slot's record makes the late duplicate a no-op."""
    schedule = _schedule_of("core.tasks.audit_purge_expired_task")

    _beat_dispatch(audit_purge_expired_task, schedule).get()
    _beat_dispatch(audit_purge_expired_task, schedule).get()  # the second beat, a little later

    assert AuditEvent.objects.filter(action="audit_purged").count() == 1
    audit_purge_expired_task.delay().get()  # started by hand: not a slot, it runs
    assert AuditEvent.objects.filter(action="audit_purged").count() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item15_two_beats_dispatching_the_same_slot_at_once_run_the_job_once_on_postgres():
    schedule = _schedule_of("core.tasks.audit_purge_expired_task")
    start, errors = threading.Barrier(2), []

    def beat():
        try:
            start.wait(timeout=10)
            _beat_dispatch(audit_purge_expired_task, schedule).get()
        except Exception as error:  # surfaced below, with the thread's own traceback lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.filter(action="audit_purged").count() == 1
    _beat_dispatch(audit_purge_expired_task, schedule).get()  # and a late third dispatch
    assert AuditEvent.objects.filter(action="audit_purged").count() == 1


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_item15_a_real_worker_skips_the_second_beat_dispatch_of_a_slot(worker_process):
    """The header beat sets reaches the task on a real worker through Redis."""
    schedule, log = _schedule_of("core.tasks.audit_purge_expired_task"), worker_process["log"]
    for _ in range(2):
        result = audit_purge_expired_task.apply_async(
            headers={"periodic_task_name": schedule}, queue=worker_process["queue"]
        )
        done = f"[{result.id}] succeeded"
        wait_until(lambda done=done: done in log.read_text(), "The task did not finish", log)
    assert AuditEvent.objects.filter(action="audit_purged").count() == 1
    assert PeriodicJobRun.objects.get(task="core.tasks.audit_purge_expired_task").finished_at is not None


# --- item 16: the audit purge and the search index -----------------------------------------


def _bulk_requests(fake_es):
    return [r for r in fake_es.requests if r.path.endswith("/_bulk")]


def _old_events(count: int, age: timedelta) -> set[int]:
    """`count` events created `age` ago, written like a busy year of logins (no signals)."""
    AuditEvent.objects.bulk_create([AuditEvent(action="old_login") for _ in range(count)])
    AuditEvent.objects.filter(action="old_login").update(created_at=timezone.now() - age)
    return set(AuditEvent.objects.filter(action="old_login").values_list("pk", flat=True))


def test_item16_purge_with_search_on_removes_documents_with_one_delete_by_query(
    settings, fake_es, alice, django_capture_on_commit_callbacks
):
    settings.AUDIT_RETENTION, settings.AUDIT_PURGE_BATCH_SIZE = 30, 50
    old = _old_events(120, timedelta(days=31))
    recent = audit_event_record(action="login", actor=alice)
    LogEntry.objects.update(timestamp=timezone.now() - timedelta(days=31))
    log_entries = LogEntry.objects.count()
    fake_es.requests.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = audit_purge_expired_task.delay().get()

    assert (result["events"], result["log_entries"]) == (120, log_entries)
    assert not AuditEvent.objects.filter(pk__in=old).exists() and not LogEntry.objects.exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    # No per-row index update for the purged events: not one request names one of them.
    touched = {r.path.rsplit("/", 1)[-1] for r in fake_es.requests if "/_doc/" in r.path}
    touched |= {line["delete"]["_id"] for r in _bulk_requests(fake_es) for line in r.body if "delete" in line}
    assert not touched & {str(pk) for pk in old}
    (delete_by_query,) = fake_es.of("POST", "_delete_by_query")
    assert delete_by_query.path.startswith(f"/{index_of('core.auditevent')}/")
    assert delete_by_query.body == {"query": {"range": {"created_at": {"lt": result["cutoff"]}}}}
    # One event per committed batch, so a purge killed half-way leaves a trace.
    batches = AuditEvent.objects.filter(action="audit_purge_batch", data__model="core.AuditEvent")
    assert sorted(event.data["deleted"] for event in batches) == [20, 50, 50]
    assert {event.actor_label for event in batches} == {"system:core.tasks.audit_purge_expired_task"}
    log_batches = AuditEvent.objects.filter(action="audit_purge_batch", data__model="auditlog.LogEntry")
    assert sum(event.data["deleted"] for event in log_batches) == log_entries
    assert AuditEvent.objects.filter(action="audit_purged").count() == 1


def test_item16_an_index_update_that_exhausts_its_retries_is_caught_by_the_reconcile(settings, fake_es, alice):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"  # nothing listens: every retry fails
    # Its last attempt: the five retries are used up (eager retries cannot wait out a backoff).
    result = search_index_object.apply(
        args=("users.user", alice.pk), retries=search_index_object.max_retries, throw=False
    )
    assert result.failed()
    assert list(IndexFailure.objects.values_list("model_label", "object_pk")) == [("users.user", alice.pk)]

    settings.ELASTICSEARCH_URL = fake_es.url  # Elasticsearch is back
    fake_es.requests.clear()
    assert search_reconcile_task.delay().get() == {"reindexed": 1, "left": 0}

    sent = [line for r in _bulk_requests(fake_es) for line in r.body]
    assert {"index": {"_index": index_of("users.user"), "_id": str(alice.pk)}} in sent
    assert not IndexFailure.objects.exists()
