"""Periodic jobs run once per schedule slot, however many beat processes dispatch them.

Every task in `core.schedules.PERIODIC_TASKS` uses `PeriodicJob` as its Celery base. A run
that beat dispatched (django-celery-beat puts the schedule's name in the message's
`periodic_task_name` header) first works out its slot, the scheduled time it is for, and
claims it:

- on PostgreSQL it takes an advisory lock on (task, slot) with `pg_try_advisory_xact_lock`
  (in a transaction held open beside the job), so a second dispatch arriving while the
  first runs is skipped;
- then it records the slot in `PeriodicJobRun` (unique per task and slot), and marks it
  finished when the job succeeded, so a second dispatch arriving after the first finished
  is skipped too. A run that died (its worker was killed) leaves the slot unfinished: the
  redelivered message runs the job again.

On SQLite there is no advisory lock: the unique row still skips a later duplicate, which is
all a single-process development setup needs. Runs started by hand (`.delay()`, the shell,
management commands) carry no header and always run; the beat admin's "Run selected tasks"
sends beat's header, so it runs a job only when the job's latest slot has not run.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from celery import Task
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from core.models import PeriodicJobRun

logger = logging.getLogger(__name__)

KEEP_RUNS = timedelta(days=7)  # slot records older than this are no longer needed


def _periodic_task_name(request) -> str | None:
    """The schedule beat dispatched this run for: a worker sees the message header as a
    request attribute, an eager `apply(headers=...)` inside `request.headers`."""
    return getattr(request, "periodic_task_name", None) or (getattr(request, "headers", None) or {}).get(
        "periodic_task_name"
    )


def _last_occurrence(cron, now: datetime) -> datetime:
    """The latest time at or before `now` that the crontab `cron` (celery's, parsed into
    sets) fires at, in its own time zone."""
    tz = getattr(cron, "tz", None) or UTC
    local = now.astimezone(tz).replace(second=0, microsecond=0)
    times = sorted(((hour, minute) for hour in cron.hour for minute in cron.minute), reverse=True)
    day = local.date()
    for _ in range(366 * 8):  # a 29 February job waits up to eight years
        weekday = day.isoweekday() % 7  # crontab counts from Sunday = 0
        if day.month in cron.month_of_year and day.day in cron.day_of_month and weekday in cron.day_of_week:
            for hour, minute in times:
                candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
                if candidate <= local:
                    return candidate.astimezone(UTC)
        day -= timedelta(days=1)
    return local.astimezone(UTC)


def schedule_slot(schedule_name: str, now: datetime) -> datetime:
    """The slot a dispatch of the schedule `schedule_name` at `now` belongs to: its latest
    crontab time (or interval boundary) not after `now`, as beat has it in its table."""
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab", "interval").filter(name=schedule_name).first()
    if task is not None and task.crontab is not None:
        return _last_occurrence(task.crontab.schedule, now)
    if task is not None and task.interval is not None:
        every = task.interval.schedule.run_every.total_seconds()
        return datetime.fromtimestamp(now.timestamp() // every * every, tz=UTC)
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def _lock_key(name: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    """Try PostgreSQL's advisory lock on `name`; True when held (always on SQLite).

    The lock is a transaction lock (`pg_try_advisory_xact_lock`) held by a transaction of a
    connection of its own, open while the job runs: the job's own transactions stay its own,
    and behind a transaction pooler (PgBouncer) no session lock is left on a server session
    that another client gets next. The lock ends with that transaction, or with the
    connection if the worker dies."""
    if connection.vendor != "postgresql":
        yield True
        return
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(name)])
            locked = cursor.fetchone()[0]
        yield locked
    finally:
        try:
            holder.rollback()
        finally:
            holder.close()


@contextmanager
def slot_claimed(task_name: str, slot: datetime) -> Iterator[bool]:
    """True when this run owns the slot: nobody is running it and nobody finished it."""
    with _advisory_lock(f"periodic:{task_name}@{slot.isoformat()}") as locked:
        if not locked:
            yield False
            return
        run, created = PeriodicJobRun.objects.get_or_create(task=task_name, slot=slot)
        if not created and run.finished_at is not None:
            yield False
            return
        yield True
        PeriodicJobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        PeriodicJobRun.objects.filter(task=task_name, slot__lt=slot - KEEP_RUNS).delete()


class PeriodicJob(Task):
    """Base of every scheduled task: a beat dispatch runs only if it claims its slot."""

    def __call__(self, *args, **kwargs):
        if self.request.called_directly:  # a plain function call, outside any worker
            return super().__call__(*args, **kwargs)
        schedule_name = _periodic_task_name(self.request)
        if schedule_name is None:
            return self.run(*args, **kwargs)
        slot = schedule_slot(schedule_name, timezone.now())
        with slot_claimed(self.name, slot) as claimed:
            if not claimed:
                logger.info("%s: the %s slot ran or runs already (another beat?); skipped", self.name, slot)
                return None
            return self.run(*args, **kwargs)
