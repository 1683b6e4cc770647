"""Work queues: exports, search indexing, compliance, notifications and webhooks each wait in
a queue of their own (CELERY_TASK_ROUTES), so a slow export does not hold up a mail."""

import shutil
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from analytics.models import Export
from config.celery import app
from conftest import requires_postgres, requires_redis
from core.tests.processes import RedisServer, celery_worker_process, test_database_url, wait_until

EXPORTS = "/api/v1/exports"
REQUESTS = "/api/v1/leave/requests"


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_routed_task_exists_and_every_queue_is_declared():
    app.loader.import_default_modules()
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    for task_name, route in settings.CELERY_TASK_ROUTES.items():
        assert task_name in app.tasks, f"{task_name} is routed but no such task is registered"
        assert route["queue"] in declared


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("analytics.tasks.export_run", "exports"),
        ("search.tasks.search_index_object", "search"),
        ("search.tasks.search_index_many", "search"),
        ("compliance.tasks.compliance_scan_task", "compliance"),
        ("leave.tasks.notify_leave_decided", "notifications"),
        ("webhooks.tasks.webhook_disabled_notify", "notifications"),
        ("webhooks.tasks.webhook_deliver_task", "webhooks"),
        ("core.tasks.outbox_relay", "celery"),
        ("imports.tasks.import_process", "celery"),
    ],
)
def test_each_group_of_tasks_goes_to_its_own_queue(task_name, queue):
    assert _queue_of(task_name) == queue


@pytest.fixture
def own_broker(settings, tmp_path):
    """A redis-server of this test's own, which the app sends tasks to (not eagerly): its
    queues hold nothing another test run put there."""
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server program (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    previous = app.conf.broker_url, app.conf.task_always_eager
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = server.url, False
    app.conf.broker_url, app.conf.task_always_eager = server.url, False
    app._pool, app.amqp._producer_pool = None, None  # the app's pools belong to one broker URL
    yield server
    app.conf.broker_url, app.conf.task_always_eager = previous
    app._pool, app.amqp._producer_pool = None, None
    server.stop()


def _active(worker: dict) -> list[str]:
    """The tasks `worker` is running now, by name."""
    answer = app.control.inspect(destination=[worker["name"]], timeout=2).active() or {}
    return [task["name"] for task in answer.get(worker["name"], [])]


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_mail_goes_out_while_the_export_worker_is_busy_with_a_slow_export(
    own_broker, media_in_tmp, api, alice, bob, unpaid
):
    month = {"from": str(timezone.localdate().replace(day=1)), "to": str(timezone.localdate())}
    queued = api(alice).post(EXPORTS, {"report": "time", "format": "csv", "params": month}, format="json")
    assert queued.status_code == 202, queued.content
    export_id = queued.json()["id"]

    # The export is slow: another session holds its row, which the build locks first.
    holder = psycopg.connect(test_database_url())
    holder.execute("SELECT id FROM analytics_export WHERE id = %s FOR UPDATE", [export_id])
    try:
        with (
            celery_worker_process(redis_url=own_broker.url, app=app, queues=["exports"], pool="prefork") as exports,
            celery_worker_process(redis_url=own_broker.url, app=app, queues=["notifications"]) as mails,
        ):
            wait_until(lambda: "analytics.tasks.export_run" in _active(exports), "The export worker took no export")

            monday = timezone.localdate() + timedelta(weeks=3, days=-timezone.localdate().weekday())
            asked = api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": monday, "end_date": monday})
            assert asked.status_code == 201, asked.content
            mailed = "leave.tasks.notify_leave_requested["
            wait_until(
                lambda: any(mailed in line and "succeeded" in line for line in mails["log"].read_text().splitlines()),
                "The notification was not sent while the export ran",
                mails["log"],
            )
            assert f"Leave request from {alice}" in mails["log"].read_text()  # the mail, on the console
            assert _active(exports) == ["analytics.tasks.export_run"]
            assert api(alice).get(f"{EXPORTS}/{export_id}").json()["status"] == "pending"

            holder.rollback()  # the export may go on
            wait_until(
                lambda: api(alice).get(f"{EXPORTS}/{export_id}").json()["status"] == "done",
                "The export did not finish",
                exports["log"],
            )
    finally:
        holder.close()
    export = Export.objects.get(pk=export_id)
    assert export.progress == 100
    # The worker process wrote the file under its own MEDIA_ROOT, the project's media/.
    (settings.BASE_DIR / "media" / export.file.name).unlink(missing_ok=True)
