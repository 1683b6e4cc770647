"""Delivering: retries with backoff and the delivery log (issue 19, acceptance 4), redelivery
with the same Webhook-Id, the test event, refusing private addresses and redirects, and
switching off a webhook that keeps failing."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.tasks import webhook_deliveries_due_task, webhook_deliveries_purge_task
from webhooks.tests.conftest import HOOKS, signature_valid

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # frozen_2026_03_02


@pytest.fixture
def run_due_job(django_capture_on_commit_callbacks):
    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_deliveries_due_task.delay().get()

    return run


def deliveries(api, carol, hook_id) -> list[dict]:
    response = api(carol).get(f"{HOOKS}/{hook_id}/deliveries")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.mark.django_db
def test_500_twice_then_200_is_three_attempts_one_success_and_a_redelivery_keeps_the_webhook_id(
    api, carol, receiver, register, log_work, run_due_job, frozen_2026_03_02, django_capture_on_commit_callbacks
):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.script = [500, 500]

    log_work("2026-02-24")
    [first] = deliveries(api, carol, hook["id"])
    assert (first["status"], first["attempts"], first["response_code"]) == ("pending", 1, 500)
    assert first["next_attempt_at"] == "2026-03-02T10:00:30Z"  # 30 s after the first try

    frozen_2026_03_02.shift(timedelta(seconds=29))
    assert run_due_job() == 0 and len(receiver.requests) == 1  # not due yet
    frozen_2026_03_02.shift(timedelta(seconds=1))
    assert run_due_job() == 1
    [second] = deliveries(api, carol, hook["id"])
    assert (second["status"], second["attempts"], second["next_attempt_at"]) == ("pending", 2, "2026-03-02T10:02:30Z")

    frozen_2026_03_02.shift(timedelta(minutes=2))
    assert run_due_job() == 1
    assert run_due_job() == 0  # nothing left to try

    [done] = deliveries(api, carol, hook["id"])
    assert (done["status"], done["attempts"], done["response_code"], done["next_attempt_at"]) == (
        "succeeded",
        3,
        200,
        None,
    )
    assert [(a["number"], a["response_code"], a["succeeded"]) for a in done["attempt_log"]] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert [a["started_at"] for a in done["attempt_log"]] == [
        "2026-03-02T10:00:00Z",
        "2026-03-02T10:00:30Z",
        "2026-03-02T10:02:30Z",
    ]
    assert all(isinstance(a["duration_ms"], int) for a in done["attempt_log"])
    assert len(receiver.requests) == 3
    assert len({request.headers["Webhook-Id"] for request in receiver.requests}) == 1
    assert [request.headers["Webhook-Timestamp"] for request in receiver.requests] == [
        str(int(NOW.timestamp())),
        str(int(NOW.timestamp()) + 30),
        str(int(NOW.timestamp()) + 150),
    ]
    assert all(signature_valid(hook["secret"], request) for request in receiver.requests)

    frozen_2026_03_02.shift(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        again = api(carol).post(f"{HOOKS}/{hook['id']}/deliveries/{done['id']}/redeliver")
    assert again.status_code == 202, again.json()
    assert again.json()["redelivery_of"] == done["id"] and again.json()["event_id"] == done["event_id"]
    redelivered = receiver.requests[-1]
    assert len(receiver.requests) == 4
    assert redelivered.headers["Webhook-Id"] == receiver.requests[0].headers["Webhook-Id"] == done["event_id"]
    assert redelivered.body == receiver.requests[0].body  # the event as it was, not as it is now
    assert signature_valid(hook["secret"], redelivered)  # signed anew at its own time
    log = deliveries(api, carol, hook["id"])
    assert [(row["id"], row["status"], row["attempts"]) for row in log] == [
        (again.json()["id"], "succeeded", 1),
        (done["id"], "succeeded", 3),
    ]


@pytest.mark.django_db
def test_after_eight_failed_tries_over_a_day_the_delivery_is_failed(
    api, carol, receiver, register, log_work, run_due_job, frozen_2026_03_02
):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.then = 503
    log_work("2026-02-24")
    pauses = [30, 120, 600, 1800, 7200, 21600, 54000]  # seconds: 23 h 42 min in all
    for pause in pauses:
        frozen_2026_03_02.shift(timedelta(seconds=pause))
        assert run_due_job() == 1
    [failed] = deliveries(api, carol, hook["id"])
    assert (failed["status"], failed["attempts"], failed["response_code"], failed["next_attempt_at"]) == (
        "failed",
        8,
        503,
        None,
    )
    assert failed["finished_at"] == "2026-03-03T09:42:30Z"
    frozen_2026_03_02.shift(timedelta(days=1))
    assert run_due_job() == 0 and len(receiver.requests) == 8


@pytest.mark.django_db
def test_a_4xx_answer_other_than_429_is_not_tried_again_but_429_is(
    api, carol, receiver, register, log_work, run_due_job, frozen_2026_03_02
):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.script = [410, 429]
    log_work("2026-02-24")
    log_work("2026-02-25")
    gone, limited = sorted(deliveries(api, carol, hook["id"]), key=lambda row: row["id"])
    assert (gone["status"], gone["response_code"]) == ("failed", 410)
    assert (limited["status"], limited["response_code"]) == ("pending", 429)
    frozen_2026_03_02.shift(timedelta(seconds=30))
    assert run_due_job() == 1
    assert {row["status"] for row in deliveries(api, carol, hook["id"])} == {"failed", "succeeded"}


@pytest.mark.django_db
def test_redirects_are_not_followed(api, carol, receiver, register, log_work):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.script, receiver.location = [302], f"http://127.0.0.1:{receiver.port}/elsewhere"
    log_work("2026-02-24")
    assert [request.path for request in receiver.requests] == ["/hooks/time"]
    [delivery] = deliveries(api, carol, hook["id"])
    assert (delivery["status"], delivery["response_code"], delivery["attempts"]) == ("failed", 302, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/hooks", "10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://localhost:{port}/hooks/time", "127.0.0.1"),
        ("http://[::ffff:127.0.0.1]:{port}/hooks/time", "127.0.0.1"),
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_without_the_setting(
    api, carol, receiver, register, log_work, settings, url, address
):
    hook = register(url.format(port=receiver.port), events=["time_entry.created"])
    settings.WEBHOOK_ALLOW_PRIVATE = False
    log_work("2026-02-24")
    [delivery] = deliveries(api, carol, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_code"]) == ("failed", 1, None)
    assert "private or reserved address" in delivery["last_error"] and address in delivery["last_error"]
    assert receiver.requests == []  # localhost is the receiver: no request reached it

    literal = api(carol).post(HOOKS, {"url": "https://10.1.2.3/hooks", "events": ["month.closed"]}, format="json")
    assert literal.status_code == 400 and "url" in literal.json()["errors"]


@pytest.mark.django_db
def test_send_test_event_reaches_only_that_webhook(
    api, carol, alice, receiver, register, django_capture_on_commit_callbacks
):
    hook = register(receiver.url, events=["month.closed"])
    register(receiver.url.replace("/time", "/other"), events=["month.closed"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api(carol).post(f"{HOOKS}/{hook['id']}/test")
    assert response.status_code == 202, response.json()
    [request] = receiver.requests
    assert request.path == "/hooks/time" and request.json["event"] == "webhook.test"
    assert request.json["data"] == {"webhook": hook["id"], "message": "A test event from Time Tracker."}
    assert signature_valid(hook["secret"], request)
    assert api(alice).post(f"{HOOKS}/{hook['id']}/test").status_code == 403


@pytest.mark.django_db
def test_redeliver_is_refused_while_pending_and_unknown_deliveries_are_404(api, carol, receiver, register, log_work):
    hook = register(receiver.url, events=["time_entry.created"])
    other = register(receiver.url, events=["time_entry.created"])
    receiver.then = 500
    log_work("2026-02-24")
    pending = WebhookDelivery.objects.get(webhook_id=hook["id"])
    refused = api(carol).post(f"{HOOKS}/{hook['id']}/deliveries/{pending.pk}/redeliver")
    assert refused.status_code == 409 and refused.json()["code"] == "delivery_pending"
    assert api(carol).post(f"{HOOKS}/{other['id']}/deliveries/{pending.pk}/redeliver").status_code == 404
    assert api(carol).post(f"{HOOKS}/{hook['id']}/deliveries/999999999999999999/redeliver").status_code == 404


@pytest.mark.django_db
def test_a_webhook_failing_for_more_than_three_days_is_switched_off_and_its_owner_mailed(
    api, carol, receiver, register, log_work, frozen_2026_03_02
):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.then = 500
    log_work("2026-02-23")  # failing since Monday 2 March 10:00
    frozen_2026_03_02.shift(timedelta(days=3))
    log_work("2026-02-24")  # exactly three days: still on
    assert api(carol).get(f"{HOOKS}/{hook['id']}").json()["active"] is True
    assert mail.outbox == []

    frozen_2026_03_02.shift(timedelta(minutes=1))
    log_work("2026-02-25")
    switched_off = api(carol).get(f"{HOOKS}/{hook['id']}").json()
    assert switched_off["active"] is False
    assert switched_off["failing_since"] == "2026-03-02T10:00:00Z"
    assert switched_off["disabled_reason"] == ("Every delivery failed since 2026-03-02 10:00 UTC, more than 3 days.")
    assert {row["status"] for row in deliveries(api, carol, hook["id"])} == {"failed"}
    [message] = mail.outbox
    assert (
        message.to == ["carol@example.com"] and message.subject == f"[Time Tracker] Webhook {hook['id']} switched off"
    )
    assert "more than 3 days" in message.body

    log_work("2026-02-26")  # a switched-off webhook gets nothing
    assert len(receiver.requests) == 3

    receiver.then = 200
    back_on = api(carol).patch(f"{HOOKS}/{hook['id']}", {"active": True}, format="json").json()
    assert (back_on["active"], back_on["failing_since"], back_on["disabled_reason"]) == (True, None, "")
    log_work("2026-02-27")
    assert len(receiver.requests) == 4 and receiver.requests[-1].json["data"]["day"] == "2026-02-27"


@pytest.mark.django_db
def test_switching_a_webhook_off_by_hand_ends_its_retries_without_a_request(
    api, carol, receiver, register, log_work, run_due_job, frozen_2026_03_02
):
    hook = register(receiver.url, events=["time_entry.created"])
    receiver.script = [500]
    log_work("2026-02-24")
    assert api(carol).patch(f"{HOOKS}/{hook['id']}", {"active": False}, format="json").status_code == 200
    frozen_2026_03_02.shift(timedelta(seconds=30))
    assert run_due_job() == 1
    [delivery] = deliveries(api, carol, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "failed",
        1,
        "the webhook was switched off",
    )
    assert len(delivery["attempt_log"]) == 1 and len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_due_delivery_job_is_scheduled_every_minute():
    call_command("setup_schedules", stdout=StringIO())
    job = PeriodicTask.objects.get(task="webhooks.tasks.webhook_deliveries_due_task")
    assert (job.crontab.minute, job.crontab.hour) == ("*", "*")


@pytest.mark.django_db
def test_deliveries_finished_more_than_thirty_days_ago_are_purged(
    api, carol, receiver, register, log_work, frozen_2026_03_02
):
    hook = register(receiver.url, events=["time_entry.created"])
    log_work("2026-02-23")  # finished on 2 March 10:00
    frozen_2026_03_02.shift(timedelta(days=20))
    receiver.then = 500
    log_work("2026-02-24")  # still pending on 22 March
    frozen_2026_03_02.shift(timedelta(days=10))
    assert webhook_deliveries_purge_task.delay().get() == 0  # exactly 30 days: kept
    frozen_2026_03_02.shift(timedelta(seconds=1))
    assert webhook_deliveries_purge_task.delay().get() == 1
    [left] = deliveries(api, carol, hook["id"])
    assert left["status"] == "pending" and left["event"] == "time_entry.created"
    assert WebhookEvent.objects.count() == 1
