"""Issue 12, stream "jobs": background work that survives a dead worker (item 14), runs once
per schedule slot however many beats dispatch it (item 15), and an audit purge that neither
floods the broker nor loses index updates (item 16)."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from analytics.models import Export
from analytics.tasks import exports_reap_stale_task

ROOT = Path(__file__).resolve().parents[3]
EXPORTS = "/api/v1/exports"
TIME_REPORT = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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
    api, alice, _media, django_capture_on_commit_callbacks
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
    api, alice, _media, django_capture_on_commit_callbacks
):
    stale = timedelta(seconds=settings.TASK_STALE_AFTER + 5)
    export = _stuck(alice, Export.Status.RUNNING, age=stale, requeued=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert exports_reap_stale_task.delay().get() == {"requeued": 0, "failed": 1}

    body = api(alice).get(f"{EXPORTS}/{export.pk}").json()
    assert body["status"] == "failed"
    assert "worker" in body["error"] and str(settings.TASK_STALE_AFTER) in body["error"]
    assert body["finished_at"] and body["download_url"] is None
