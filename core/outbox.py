"""The transactional outbox: background work survives a broker outage.

`enqueue(task, *args, **kwargs)` writes the task request into `OutboxMessage` in the
transaction of the change that asks for it, and after the commit tries to hand it to the
broker at once. When the broker is down the write still succeeds (the client gets its 2xx)
and the row waits for `relay()`, the every-minute job `core.tasks.outbox_relay`, which sends
due rows with growing pauses between attempts. On PostgreSQL a row being sent is locked
(`FOR UPDATE SKIP LOCKED`), so two relays, or a relay and the on-commit send, never send
one row twice. A message can still reach a worker twice (a send whose "sent" mark was lost,
a worker killed before its ack), so consumers are idempotent; notifications use
`send_once` for that.

With eager Celery (no Redis) the task runs at commit as before, and a failure is logged and
left for the relay instead of failing the request.
"""

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

from celery import current_app
from celery.result import EagerResult
from celery.utils.time import get_exponential_backoff_interval
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.models import OutboxMessage, SentNotification

logger = logging.getLogger(__name__)

# Errors a task may meet while the database or the broker is briefly away: retried.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)
# Celery options of a task that retries those with exponential backoff: 5 s, 10 s, ... up to
# 5 min between tries (each drawn at random below that, so workers do not return at once),
# for at most about 75 minutes. The pause stays below the broker's visibility timeout
# (TASK_STALE_AFTER): Redis hands out again a message held unacknowledged for longer, so a
# longer countdown would run the retry twice.
RETRY_ON_OUTAGE = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 20,
}


def retry_or_give_up(task, error: Exception, give_up: Callable[[str], str]) -> str:
    """In a bound task's `except TRANSIENT_ERRORS`: retry `task` after a pause that grows as
    RETRY_ON_OUTAGE's does, or, once its retries are spent, answer `give_up(reason)` (the
    job is marked failed with the reason, so nobody waits on it forever)."""
    if task.request.retries >= task.max_retries:
        reason = gettext("Gave up after %(attempts)s attempts: %(error)s") % {
            "attempts": task.request.retries + 1,
            "error": f"{type(error).__name__}: {error}",
        }
        return give_up(reason)
    pause = get_exponential_backoff_interval(
        RETRY_ON_OUTAGE["retry_backoff"], task.request.retries, RETRY_ON_OUTAGE["retry_backoff_max"], full_jitter=True
    )
    raise task.retry(exc=error, countdown=pause) from error


RELAY_GRACE = timedelta(seconds=30)  # the on-commit send goes first; the relay only after this
RELAY_BACKOFF_BASE, RELAY_BACKOFF_MAX = timedelta(seconds=30), timedelta(hours=1)
RELAY_BATCH, RELAY_MAX_BATCHES = 100, 20
SENT_RETENTION = timedelta(days=7)
NOTIFICATION_RETENTION = timedelta(days=90)


def enqueue(task, *args, **kwargs) -> OutboxMessage:
    """Ask for `task(*args, **kwargs)` once the current transaction commits (nothing is sent
    for a rollback). `task` is a Celery task or its registered name: a service whose task
    module imports the service back names it, so neither imports the other. Arguments must
    be JSON values, as they are for Celery's JSON messages."""
    message = OutboxMessage.objects.create(
        task=task if isinstance(task, str) else task.name,
        args=list(args),
        kwargs=kwargs,
        next_attempt_at=timezone.now() + RELAY_GRACE,
    )
    transaction.on_commit(lambda: _send_after_commit(message.pk))
    return message


def enqueue_many(task, calls: list[tuple]) -> list[OutboxMessage]:
    """`enqueue(task, *args)` for each `args` of `calls`, written in one INSERT (a bulk write's
    follow-up work): each message is sent after the commit as `enqueue` sends it."""
    if not calls:
        return []
    due = timezone.now() + RELAY_GRACE
    name = task if isinstance(task, str) else task.name
    messages = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task=name, args=list(args), kwargs={}, next_attempt_at=due) for args in calls]
    )
    pks = [message.pk for message in messages]
    transaction.on_commit(lambda: [_send_after_commit(pk) for pk in pks])
    return messages


def relay(*, now=None) -> dict[str, int]:
    """Send every due unsent message, oldest first; purge old sent ones. At the first broker
    error the run stops (the broker is down): the rest waits for the next run."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    for _ in range(RELAY_MAX_BATCHES):
        broker_down = False
        with _sending():
            due = OutboxMessage.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).order_by("id")
            if not _eager():
                due = due.select_for_update(skip_locked=True)
            batch = list(due[:RELAY_BATCH])
            for message in batch:
                error = _deliver(message, publish_retry=True, now=now)
                counts["failed" if error else "sent"] += 1
                if isinstance(error, TRANSIENT_ERRORS):
                    broker_down = True
                    break
        if broker_down or len(batch) < RELAY_BATCH:
            break
    counts["purged"] = OutboxMessage.objects.filter(sent_at__lt=now - SENT_RETENTION).delete()[0]
    SentNotification.objects.filter(created_at__lt=now - NOTIFICATION_RETENTION).delete()
    return counts


def send_once(key: str, send) -> int:
    """Call `send()` (which sends a notification and returns how many went out) unless the
    notification `key` names was sent before. The key is recorded in the same transaction:
    a failed send records nothing and may be retried, and a redelivery sends nothing. Two
    deliveries at once: the second waits on the unique key and then finds it."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                SentNotification.objects.create(key=key[:255])
        except IntegrityError:
            logger.info("notification %s was already sent", key)
            return 0
        return send()


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _sending():
    """Broker sends hold the rows' locks until their "sent" mark commits. Eager tasks run
    inline, so they must not run inside that transaction (they would become part of it)."""
    return contextlib.nullcontext() if _eager() else transaction.atomic()


def _send_after_commit(pk: int) -> None:
    try:
        with _sending():
            message = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True)
            if not _eager():
                message = message.select_for_update(skip_locked=True)
            message = message.first()
            if message is not None:
                _deliver(message, publish_retry=False)
    except Exception:  # the change is committed: never fail the request for its follow-up work
        logger.exception("outbox: could not send message %s; the relay will", pk)


def _task(name: str):
    if name not in current_app.tasks:
        import_module(name.rsplit(".", 1)[0])  # tasks are named after their module
    return current_app.tasks[name]


def _publish(task, message: OutboxMessage, *, fail_fast: bool):
    if _eager():
        return task.apply_async(args=message.args, kwargs=message.kwargs)
    with current_app.producer_or_acquire() as producer:
        if fail_fast:  # at commit a client waits: one try (kombu would retry for seconds), the relay does the rest
            producer.connection.ensure_connection(max_retries=0)
        return task.apply_async(args=message.args, kwargs=message.kwargs, producer=producer, retry=not fail_fast)


def _deliver(message: OutboxMessage, *, publish_retry: bool, now=None) -> Exception | None:
    """Hand one message to Celery; record the outcome on its row. Returns the error, if any.
    An eager task counts as sent once it ran: one that failed (after its retries) waits for
    the relay like an unsent message."""
    try:
        result = _publish(_task(message.task), message, fail_fast=not publish_retry)
        if isinstance(result, EagerResult) and result.failed():
            raise result.result
    except Exception as error:
        attempts = message.attempts + 1
        pause = min(RELAY_BACKOFF_BASE * 2 ** (attempts - 1), RELAY_BACKOFF_MAX)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            next_attempt_at=(now or timezone.now()) + pause,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("outbox: message %s (%s) not sent, attempt %s: %s", message.pk, message.task, attempts, error)
        return error
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    return None
