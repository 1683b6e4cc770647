"""The daily scan on a real Celery worker: the task goes through Redis to a `celery worker`
process that writes to the test database, and a second run records nothing new.

Needs PostgreSQL (the worker is another process, so it must reach the test database over
the network) and Redis (the broker). The worker listens on a queue of its own, so a worker
that another test run started on the same Redis never takes this test's task.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Violation
from compliance.tasks import compliance_scan_task
from compliance.tests.factories import worked
from conftest import requires_postgres, requires_redis
from core.tests.processes import wait_until


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_violation_once(worker_process, alice, ops):
    # Real time: the worker's clock cannot be frozen. A night shift two days ago, then an
    # afternoon start yesterday after only 8 hours of rest (2 h, so the 24 hours from the
    # night shift's start hold 9.5 h, within the daily maximum).
    night = timezone.localdate() - timedelta(days=2)
    worked(alice, ops, night, 22, 4)
    worked(alice, ops, night, 26.5, 3.5)
    worked(alice, ops, night + timedelta(days=1), 14, 2)
    assert not Violation.objects.exists()

    def run_on_the_worker() -> str:
        result = compliance_scan_task.apply_async(kwargs={"days_back": 3}, queue=worker_process["queue"])
        done = f"[{result.id}] succeeded"
        log = worker_process["log"]
        wait_until(lambda: done in log.read_text(), "The task did not finish", log)
        return next(line for line in log.read_text().splitlines() if done in line)

    first = run_on_the_worker()
    assert "'created': 1" in first
    violation = Violation.objects.get(user=alice)
    assert (violation.rule, violation.status, str(violation.measured)) == ("daily_rest", "open", "8.00")

    second = run_on_the_worker()
    assert "'created': 0" in second and "'updated': 0" in second
    assert Violation.objects.count() == 1
