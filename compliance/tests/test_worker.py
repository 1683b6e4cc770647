"""The daily scan on a real Celery worker: the task goes through Redis to a `celery worker`
process that writes to the test database, and a second run records nothing new.

Needs PostgreSQL (the worker is another process, so it must reach the test database over
the network) and Redis (the broker). The worker listens on a queue of its own, so a worker
that another test run started on the same Redis never takes this test's task.
"""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from compliance.models import Violation
from compliance.tasks import compliance_scan_task
from compliance.tests.factories import worked
from config.celery import app
from conftest import requires_postgres, requires_redis

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds


def _test_database_url() -> str:
    """The URL of pytest-django's test database (test_…), which the worker must use."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


def _wait_for(condition, what: str, log: Path):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} within {WAIT} s. Worker log:\n{log.read_text()[-4000:]}")


@pytest.fixture
def eager_off(settings):
    """Send tasks to the broker: the test settings (and the app's cached config) run them eagerly."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def worker(settings, eager_off):
    """A `celery worker` process on the test database, listening on its own queue."""
    queue, name = f"compliance-test-{uuid.uuid4().hex}", f"compliance-test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "worker.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--loglevel=info",
                    "--without-gossip",
                    "--without-mingle",
                    "-Q",
                    queue,
                    "-n",
                    name,
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_for(
                    lambda: process.poll() is None and bool(app.control.ping(destination=[name], timeout=0.5)),
                    "The worker did not answer a ping",
                    log,
                )
                yield {"queue": queue, "log": log}
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_violation_once(worker, alice, ops):
    # Real time: the worker's clock cannot be frozen. A night shift two days ago, then an
    # afternoon start yesterday after only 8 hours of rest.
    night = timezone.localdate() - timedelta(days=2)
    worked(alice, ops, night, 22, 4)
    worked(alice, ops, night, 26.5, 3.5)
    worked(alice, ops, night + timedelta(days=1), 14, 4)
    assert not Violation.objects.exists()

    def run_on_the_worker() -> str:
        result = compliance_scan_task.apply_async(kwargs={"days_back": 3}, queue=worker["queue"])
        done = f"[{result.id}] succeeded"
        _wait_for(lambda: done in worker["log"].read_text(), "The task did not finish", worker["log"])
        return next(line for line in worker["log"].read_text().splitlines() if done in line)

    first = run_on_the_worker()
    assert "'created': 1" in first
    violation = Violation.objects.get(user=alice)
    assert (violation.rule, violation.status, str(violation.measured)) == ("daily_rest", "open", "8.00")

    second = run_on_the_worker()
    assert "'created': 0" in second and "'updated': 0" in second
    assert Violation.objects.count() == 1
