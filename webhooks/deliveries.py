"""Sending deliveries: the first try at once (through the outbox, after the event's commit),
retries with backoff on network errors, 5xx and 429, picked up by the every-minute job
`webhooks.tasks.webhook_deliveries_due_task` from `next_attempt_at`, so they survive worker
restarts. A webhook failing for longer than `WEBHOOK_DISABLE_AFTER_DAYS` is switched off and
its owner told.

An attempt is claimed by moving `attempts` from n-1 to n in one UPDATE, so a duplicate task
(the outbox and the job may both hand one out) sends nothing. The claim also pushes
`next_attempt_at` out by `IN_FLIGHT_LEASE`: a worker killed mid-request leaves the delivery
due again after it, and the job tries it once more."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.audit import audit_event_record
from core.texts import Template, english
from webhooks import signing, transport
from webhooks.models import (
    DISABLED,
    DISABLED_REASON,
    SWITCHED_OFF,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from webhooks.selectors import subscriptions_changed

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# The pause after each failed try: 8 tries over about 24 hours (23 h 42 min).
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
IN_FLIGHT_LEASE = timedelta(minutes=5)
DUE_BATCH = 500
LOG_RETENTION = timedelta(days=30)  # finished deliveries are kept this long, then purged
DELIVER_TASK = "webhooks.tasks.webhook_deliver_task"
NOTIFY_TASK = "webhooks.tasks.webhook_disabled_notify"


def delivery_queue(delivery: WebhookDelivery) -> None:
    """Hand the delivery's next attempt to a worker once the current transaction commits."""
    lease_end = timezone.now() + IN_FLIGHT_LEASE
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=lease_end)
    outbox.enqueue(DELIVER_TASK, delivery.pk, delivery.attempts + 1)


def deliveries_queue(deliveries: list[WebhookDelivery]) -> None:
    """`delivery_queue` for new deliveries written in bulk with their lease already set
    (`IN_FLIGHT_LEASE` from now): their outbox messages in one INSERT."""
    outbox.enqueue_many(DELIVER_TASK, [(delivery.pk, delivery.attempts + 1) for delivery in deliveries])


def webhook_deliveries_send_due(*, now=None) -> int:
    """Queue every pending delivery whose next attempt is due; answers how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at"
        )
        batch = list(due.select_for_update(skip_locked=True)[:DUE_BATCH])
        for delivery in batch:
            delivery_queue(delivery)
    return len(batch)


def webhook_deliveries_purge(*, now=None) -> int:
    """Delete deliveries finished more than `LOG_RETENTION` ago (their attempts go with them)
    and the events no delivery refers to any more; answers how many deliveries went."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted = WebhookDelivery.objects.filter(finished_at__lt=now - LOG_RETENTION).delete()[1]
        WebhookEvent.objects.filter(deliveries__isnull=True).delete()
    return deleted.get(WebhookDelivery._meta.label, 0)


def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> str | None:
    """Make try number `attempt` of a pending delivery, unless another worker has (None).
    Answers the delivery's status afterwards. The request is made outside any transaction."""
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING, attempts=attempt - 1).update(
        attempts=attempt, next_attempt_at=timezone.now() + IN_FLIGHT_LEASE
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook", "message").get(pk=delivery_id)
    webhook, message = delivery.webhook, delivery.message
    if not webhook.active:  # switched off by hand meanwhile: nothing is sent, nothing counts as failing
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=Status.FAILED,
            attempts=attempt - 1,
            finished_at=timezone.now(),
            next_attempt_at=None,
            last_error=SWITCHED_OFF,
        )
        return Status.FAILED
    started = timezone.now()
    headers = signing.headers(webhook.secret, message.id, int(started.timestamp()), message.body)
    outcome = transport.post(webhook.url, message.body, headers)
    return _record(delivery, attempt=attempt, started=started, outcome=outcome)


@transaction.atomic
def _record(delivery: WebhookDelivery, *, attempt: int, started, outcome: transport.Outcome) -> str:
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=attempt,
        started_at=started,
        response_code=outcome.response_code,
        duration_ms=outcome.duration_ms,
        succeeded=outcome.succeeded,
        error=outcome.error,
    )
    now = timezone.now()
    if outcome.succeeded:
        status, next_attempt_at = Status.SUCCEEDED, None
        Webhook.objects.filter(pk=delivery.webhook_id).update(failing_since=None)
    elif outcome.retryable and attempt < MAX_ATTEMPTS:
        status, next_attempt_at = Status.PENDING, now + BACKOFF[attempt - 1]
    else:
        status, next_attempt_at = Status.FAILED, None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        response_code=outcome.response_code,
        duration_ms=outcome.duration_ms,
        last_error=outcome.error,
        next_attempt_at=next_attempt_at,
        finished_at=None if status == Status.PENDING else now,
    )
    logger.info(
        "webhook %s delivery %s attempt %s: %s %s",
        delivery.webhook_id,
        delivery.pk,
        attempt,
        outcome.response_code or "-",
        status,
    )
    if not outcome.succeeded:
        _failure_note(delivery.webhook_id, now=now)
    return status


def _failure_note(webhook_id: int, *, now) -> None:
    """A failed try starts (or continues) the webhook's failing streak; past
    `WEBHOOK_DISABLE_AFTER_DAYS` the webhook is switched off and its owner told."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    if webhook.failing_since is None:
        Webhook.objects.filter(pk=webhook_id).update(failing_since=now)
        return
    days = settings.WEBHOOK_DISABLE_AFTER_DAYS
    if not webhook.active or now - webhook.failing_since <= timedelta(days=days):
        return
    reason = english(Template(DISABLED_REASON) % {"moment": f"{webhook.failing_since:%Y-%m-%d %H:%M}", "days": days})
    Webhook.objects.filter(pk=webhook_id).update(active=False, disabled_reason=reason)
    subscriptions_changed()
    WebhookDelivery.objects.filter(webhook_id=webhook_id, status=Status.PENDING).update(
        status=Status.FAILED, finished_at=now, next_attempt_at=None, last_error=DISABLED
    )
    audit_event_record(
        action="webhook_disabled", target=webhook, actor_label="system:webhooks", data={"reason": reason}
    )
    logger.warning("webhook %s disabled: %s", webhook_id, reason)
    outbox.enqueue(NOTIFY_TASK, webhook_id, webhook.failing_since.isoformat())
