"""Background work survives a broker or database outage, and each effect happens once.

Item 12: task requests go into the outbox with the change and are relayed to the broker.
Item 17: a decision's notification announces that decision, whatever happened since.
Item 19: tasks retry a database outage; a notification delivered twice is sent once.
"""

import io
import shutil
import threading
from datetime import date, timedelta

import pytest
from celery._state import _set_task_join_will_block
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics import services as analytics_services
from config.celery import app
from conftest import requires_postgres
from core import outbox
from core.models import OutboxMessage, SentNotification
from core.schedules import PERIODIC_TASKS
from core.tasks import outbox_relay
from core.tests.processes import WAIT, RedisServer, wait_until
from leave import notifications as leave_tasks
from leave.models import LeaveRequest

REQUESTS = "/api/v1/leave/requests"
EXPORTS = "/api/v1/exports"
DEAD_BROKER = "redis://127.0.0.1:1/0"
EXPORT_BODY = {"report": "time", "format": "csv", "params": {"from": "2026-11-01", "to": "2026-11-30"}}


def a_future_week(weeks_ahead: int = 2) -> tuple[str, str]:
    """Monday to Friday of a week at least `weeks_ahead` weeks ahead (real time: a worker may run)."""
    start = timezone.localdate() + timedelta(weeks=weeks_ahead)
    start += timedelta(days=-start.weekday())
    return start.isoformat(), (start + timedelta(days=4)).isoformat()


def a_request(user, leave_type, weeks_ahead: int = 2) -> LeaveRequest:
    """A pending request written directly (its own "requested" mail is not this test's subject)."""
    start, end = a_future_week(weeks_ahead)
    return LeaveRequest.objects.create(
        user=user, leave_type=leave_type, start_date=date.fromisoformat(start), end_date=date.fromisoformat(end)
    )


def unsent(task) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task=task.name, sent_at__isnull=True))


pytestmark = pytest.mark.usefixtures("media_in_tmp")


@pytest.fixture
def like_a_worker():
    """Eager tasks retry and fail as on a worker instead of raising into the caller (the test
    settings propagate eager errors so no failure goes unnoticed)."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def use_broker(settings):
    """`use_broker(url)`: send tasks to that broker, not eagerly (the test settings and the
    app's cached config run them in-process). The app's connection pools follow the URL."""

    def point_at(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.broker_url, app.conf.task_always_eager = url, False
        _drop_pools()

    previous = app.conf.broker_url, app.conf.task_always_eager
    yield point_at
    app.conf.broker_url, app.conf.task_always_eager = previous
    _drop_pools()


def _drop_pools() -> None:
    """The app caches its pools for one broker URL (kombu keeps one per URL, never close it)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis_down(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server program (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    yield server
    server.stop()


# --- item 12: the outbox --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_item12_a_dead_broker_neither_fails_the_approval_nor_loses_its_email(use_broker, api, alice, bob, unpaid):
    use_broker(DEAD_BROKER)
    request = a_request(alice, unpaid)

    approved = api(bob).post(f"{REQUESTS}/{request.pk}/approve")

    assert approved.status_code == 200, approved.content
    assert LeaveRequest.objects.get(pk=request.pk).status == "approved"
    [message] = unsent(leave_tasks.notify_leave_decided)
    assert message.args == [request.pk] and message.kwargs["status"] == "approved"
    assert message.attempts == 1 and "OperationalError" in message.last_error
    assert mail.outbox == []

    # The relay, with the broker still down, keeps it and waits longer before the next try.
    first_retry = message.next_attempt_at
    outbox_relay.apply(kwargs={}).get()  # as beat runs it, but without a broker to reach
    assert OutboxMessage.objects.get(pk=message.pk).next_attempt_at == first_retry  # not due yet
    outbox.relay(now=first_retry)
    again = OutboxMessage.objects.get(pk=message.pk)
    assert (again.sent_at, again.attempts) == (None, 2)
    assert again.next_attempt_at - first_retry == 2 * outbox.RELAY_BACKOFF_BASE


@pytest.mark.django_db
def test_item12_the_admin_shows_what_waits_for_the_broker_read_only(
    use_broker, api, alice, bob, carol, unpaid, django_capture_on_commit_callbacks
):
    use_broker(DEAD_BROKER)
    request = a_request(alice, unpaid)
    with django_capture_on_commit_callbacks(execute=True):
        assert api(bob).post(f"{REQUESTS}/{request.pk}/approve").status_code == 200
    [message] = unsent(leave_tasks.notify_leave_decided)
    admin = Client()
    admin.force_login(carol)

    waiting = admin.get("/admin/core/outboxmessage/", {"sent_at__isempty": "1"})

    assert waiting.status_code == 200
    assert "leave.tasks.notify_leave_decided" in waiting.text and "Connection refused" in waiting.text
    assert admin.get(f"/admin/core/outboxmessage/{message.pk}/change/").status_code == 200
    assert admin.post(f"/admin/core/outboxmessage/{message.pk}/change/", {"task": "x"}).status_code == 403
    assert admin.post(f"/admin/core/outboxmessage/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.get(pk=message.pk).task == "leave.tasks.notify_leave_decided"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item12_with_the_broker_down_each_effect_happens_exactly_once_after_it_returns(
    use_broker, own_redis_down, api, alice, bob, unpaid
):
    """Commit a leave request, an approval (of another one) and an export while the broker is
    down; bring it back; the relay sends everything twice (a lost "sent" mark); a real worker
    consumes."""
    use_broker(own_redis_down.url)  # not started yet: the broker is down
    start, end = a_future_week()
    created = api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": start, "end_date": end})
    approved = api(bob).post(f"{REQUESTS}/{a_request(alice, unpaid, weeks_ahead=4).pk}/approve")
    export = api(alice).post(EXPORTS, EXPORT_BODY, format="json")
    assert (created.status_code, approved.status_code, export.status_code) == (201, 200, 202)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3

    own_redis_down.start()
    later = timezone.now() + timedelta(hours=2)
    assert outbox.relay(now=later)["sent"] == 3
    OutboxMessage.objects.update(sent_at=None)
    assert outbox.relay(now=later)["sent"] == 3
    assert own_redis_down.waiting() == 6
    # With the broker back, a new change is sent at its commit, not left for the relay.
    second_export = api(alice).post(EXPORTS, EXPORT_BODY, format="json")
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0 and own_redis_down.waiting() == 7

    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            wait_until(lambda: own_redis_down.waiting() == 0, "The worker did not finish the seven messages")
    finally:
        # The in-process worker's thread marks the process as inside a worker (celery's
        # global "a join would block"), sometimes after start_worker cleared it: clear it
        # again, or a later test in this process that waits on an eager result fails.
        _set_task_join_will_block(False)

    assert sorted((m.to, m.subject.split("] ")[1]) for m in mail.outbox) == [
        (["alice@example.com"], "Your leave request was approved"),
        (["bob@example.com"], f"Leave request from {alice}"),
    ]
    for started in (export, second_export):
        status = api(alice).get(f"{EXPORTS}/{started.json()['id']}").json()
        assert (status["status"], status["progress"]) == ("done", 100)
    assert SentNotification.objects.count() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item12_a_message_another_relay_is_sending_is_skipped_on_postgres(use_broker, alice):
    use_broker(DEAD_BROKER)
    with transaction.atomic():
        held = outbox.enqueue(leave_tasks.notify_leave_requested, 1)
        free = outbox.enqueue(leave_tasks.notify_leave_requested, 2)
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(WAIT)
        finally:
            connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(WAIT)
        outbox.relay(now=timezone.now() + timedelta(hours=2))
    finally:
        release.set()
        thread.join()

    assert OutboxMessage.objects.get(pk=held.pk).attempts == 1  # only the on-commit try
    assert OutboxMessage.objects.get(pk=free.pk).attempts == 2


def test_item12_the_relay_runs_every_minute_and_purges_sent_messages(db):
    task, cron = PERIODIC_TASKS["core: relay outbox messages the broker did not take at commit; purge sent ones"]
    assert (task, cron["minute"], cron["hour"]) == ("core.tasks.outbox_relay", "*", "*")
    call_command("setup_schedules", stdout=io.StringIO())
    assert PeriodicTask.objects.get(task="core.tasks.outbox_relay").crontab.minute == "*"

    old, recent = (
        OutboxMessage.objects.create(task="x.tasks.y", next_attempt_at=timezone.now(), sent_at=when)
        for when in (timezone.now() - timedelta(days=8), timezone.now() - timedelta(days=6))
    )
    waiting = OutboxMessage.objects.create(task="x.tasks.y", next_attempt_at=timezone.now() + timedelta(hours=1))
    assert outbox.relay()["purged"] == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert old.pk not in OutboxMessage.objects.values_list("pk", flat=True)


# --- item 17: the notification carries its decision -------------------------------------------


@pytest.mark.django_db
def test_item17_approve_then_cancel_mails_approved_then_cancelled(
    api, alice, bob, unpaid, django_capture_on_commit_callbacks
):
    request = a_request(alice, unpaid)
    with django_capture_on_commit_callbacks() as callbacks:  # the tasks run after both decisions
        assert api(bob).post(f"{REQUESTS}/{request.pk}/approve").status_code == 200
        assert api(alice).post(f"{REQUESTS}/{request.pk}/cancel").status_code == 200
    for callback in callbacks:
        callback()

    assert [(m.to, m.subject.split("] ")[1]) for m in mail.outbox] == [
        (["alice@example.com"], "Your leave request was approved"),
        (["bob@example.com"], f"Leave of {alice} was cancelled"),
    ]
    assert f"by {bob}" in mail.outbox[0].body and f"by {alice}" in mail.outbox[1].body


@pytest.mark.django_db
def test_item17_a_cancellation_by_a_manager_tells_the_requester(
    api, alice, bob, unpaid, django_capture_on_commit_callbacks
):
    start, end = a_future_week()
    with django_capture_on_commit_callbacks(execute=True):
        created = api(alice).post(REQUESTS, {"type": unpaid.pk, "start_date": start, "end_date": end})
    with django_capture_on_commit_callbacks(execute=True):
        api(bob).post(f"{REQUESTS}/{created.json()['id']}/cancel", {"comment": "Trade fair that week"})

    assert [(m.to, m.subject.split("] ")[1]) for m in mail.outbox] == [
        (["bob@example.com"], f"Leave request from {alice}"),
        (["alice@example.com"], "Your leave request was cancelled"),
    ]
    assert "Trade fair that week" in mail.outbox[1].body


# --- item 19: retries and exactly-once notifications ---------------------------------------------


def _fails_once(function):
    """`function`, except that its first call meets a database that just went away."""
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return function(*args, **kwargs)

    return flaky, calls


@pytest.mark.django_db
def test_item19_an_export_survives_a_short_database_outage(
    like_a_worker, monkeypatch, api, alice, django_capture_on_commit_callbacks
):
    flaky, calls = _fails_once(analytics_services.export_build)
    monkeypatch.setattr(analytics_services, "export_build", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(EXPORTS, EXPORT_BODY, format="json")
    assert response.status_code == 202

    status = api(alice).get(f"{EXPORTS}/{response.json()['id']}").json()
    assert (status["status"], status["error"], len(calls)) == ("done", "", 2)


@pytest.mark.django_db
def test_item19_an_export_that_never_reaches_the_database_ends_failed_with_the_reason(
    like_a_worker, monkeypatch, api, alice, django_capture_on_commit_callbacks
):
    def database_down(*, export_id):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(analytics_services, "export_build", database_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(EXPORTS, EXPORT_BODY, format="json")
    assert response.status_code == 202

    status = api(alice).get(f"{EXPORTS}/{response.json()['id']}").json()
    assert status["status"] == "failed" and status["finished_at"]
    assert "could not connect to server" in status["error"] and "attempts" in status["error"]


@pytest.mark.django_db
def test_item19_a_decision_mail_retries_a_database_outage_and_a_redelivery_sends_nothing(
    like_a_worker, monkeypatch, api, alice, bob, unpaid, django_capture_on_commit_callbacks
):
    request = a_request(alice, unpaid)
    flaky, calls = _fails_once(leave_tasks.send_once)
    monkeypatch.setattr(leave_tasks, "send_once", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        assert api(bob).post(f"{REQUESTS}/{request.pk}/approve").status_code == 200
    assert len(calls) == 2 and [m.to for m in mail.outbox] == [["alice@example.com"]]

    message = OutboxMessage.objects.get(task=leave_tasks.notify_leave_decided.name)
    assert message.sent_at is not None
    leave_tasks.notify_leave_decided.apply(args=message.args, kwargs=message.kwargs).get()  # delivered again
    OutboxMessage.objects.update(sent_at=None)
    outbox.relay(now=timezone.now() + timedelta(hours=2))  # and relayed again
    assert len(mail.outbox) == 1


def test_item19_an_index_update_retries_a_database_outage(like_a_worker, monkeypatch):
    from search import indexing
    from search.tasks import search_index_object

    flaky, calls = _fails_once(lambda label, pk, cascade=False: f"indexed {label} {pk}")
    monkeypatch.setattr(indexing, "index_object", flaky)

    result = search_index_object.apply(args=["timeentries.timeentry", 7])

    assert (result.get(), len(calls)) == ("indexed timeentries.timeentry 7", 2)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item19_two_deliveries_at_once_send_the_decision_mail_once_on_postgres(monkeypatch, alice, bob, unpaid):
    """The first delivery is inside the mail sending; the second waits on the first's
    notification key; once the first commits the second finds the key and sends nothing."""
    request = a_request(alice, unpaid)
    decision = {"status": "approved", "decided_by_id": bob.pk, "comment": "", "decided_at": "2026-12-01T09:00:00+00:00"}
    inside_send, release = threading.Event(), threading.Event()
    real_send_mail = leave_tasks.send_mail_translated

    def slow_send_mail(*args, **kwargs):
        inside_send.set()
        release.wait(WAIT)
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(leave_tasks, "send_mail_translated", slow_send_mail)
    sent = {}

    def deliver(name):
        try:
            sent[name] = leave_tasks.notify_leave_decided.apply(args=[request.pk], kwargs=decision).get()
        finally:
            connection.close()

    first, second = (threading.Thread(target=deliver, args=(name,)) for name in ("first", "second"))
    first.start()
    try:
        assert inside_send.wait(WAIT)
        second.start()
        wait_until(_a_session_waits_on_a_lock, "The second delivery did not wait for the first")
    finally:
        release.set()
        first.join()
        if second.ident:  # started
            second.join()

    assert sent == {"first": 1, "second": 0}
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def _a_session_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
