"""Audit plumbing: the actor for django-auditlog, business events in AuditEvent, who may
read them, and their retention."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled, auditlog_value, disable_auditlog, set_actor
from auditlog.diff import model_instance_diff
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.receivers import _create_log_entry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

from core.models import AuditEvent
from core.net import client_ip
from core.signals import audit_events_purged

logger = logging.getLogger(__name__)

RETENTION_ACTOR_LABEL = "system:audit-retention"


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client address taken the same way the rate limits
    take it (auditlog's own believes any X-Forwarded-For)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)


def audit_actor_set(user) -> None:
    """Make `user` the actor of auditlog entries for the rest of this request.

    auditlog's middleware captures `request.user` before DRF authenticates a JWT, so the
    DRF authentication classes call this once they know the user.
    """
    context = auditlog_value.get(None)
    if context is None:  # outside a request (tasks, shell): callers pass the actor explicitly
        return
    context["actor"] = user


@dataclass(frozen=True)
class TaskActor:
    """Who a task acts for: a person, or (when none) a named system actor."""

    user: models.Model | None
    label: str


@contextmanager
def task_actor(actor_id: int | None, label: str) -> Iterator[TaskActor]:
    """Run a task's body as the person who caused it.

    With an `actor_id` of an existing user, auditlog's LogEntry rows written inside get that
    user as actor; pass `.user` and `.label` on to `audit_event_record`. Without one, the
    label (e.g. "system:<task name>") names the actor. auditlog's `set_actor` leaves its
    context behind; it is restored here, so a task run eagerly inside a request does not
    take the request's actor away from the rest of that request.
    """
    user = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    if user is None:
        yield TaskActor(user=None, label=label)
        return
    token = auditlog_value.set(auditlog_value.get(None))
    try:
        with set_actor(user):
            yield TaskActor(user=user, label="")
    finally:
        auditlog_value.reset(token)


def _subject_id_of(target: models.Model | None):
    """The person an event about `target` concerns: the user itself, or the target's `user`."""
    if target is None:
        return None
    user_model = get_user_model()
    if isinstance(target, user_model):
        return target.pk
    try:
        field = target._meta.get_field("user")
    except FieldDoesNotExist:
        return None
    if field.many_to_one and field.related_model is user_model:
        return getattr(target, field.attname)
    return None


def audit_event_record(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    ip_address: str | None = None,
    request=None,
    data: dict | None = None,
    subject=None,
    actor_label: str = "",
) -> AuditEvent:
    """Write one business event. Call it inside the service's transaction.

    `subject` (the person the event is about) defaults to the target user or the target's
    `user`; `actor_label` names a system actor when no person acted.
    """
    if request is not None and ip_address is None:
        ip_address = client_ip(request)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label="" if actor is not None else actor_label,
        subject_id=subject.pk if subject is not None else _subject_id_of(target),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=ip_address,
        data=data or {},
    )


def audited_update_save(instance: models.Model, *, old: models.Model) -> None:
    """Save a changed `instance` with its auditlog entry diffed against `old`, the row as the
    caller read (and locked) it before the change: the entry auditlog's pre_save receiver
    writes, without that receiver's read of the row again. `auto_now` fields are left out
    of the diff, as they are when auditlog diffs before the save sets them."""
    with disable_auditlog():
        instance.save()
    if auditlog_disabled.get():
        return  # the caller turned auditlog off (fixtures)
    fields = _diffed_fields(type(instance))
    _create_log_entry(
        action=LogEntry.Action.UPDATE,
        instance=instance,
        sender=type(instance),
        diff_old=old,
        diff_new=instance,
        fields_to_check=fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


def _diffed_fields(model: type[models.Model]) -> list[str]:
    """The fields an update's history diffs: all but `auto_now` ones, which a `save()` sets
    only after auditlog compared the row."""
    return [field.name for field in model._meta.concrete_fields if not getattr(field, "auto_now", False)]


def audit_log_bulk(*, model: type[models.Model], created=(), updated=()) -> int:
    """Write in one INSERT the auditlog entries that `save()` of each row would have written:
    for each of `created` (saved rows, with their pks) a "create" entry, for each (old, new)
    pair of `updated` an "update" entry diffed against `old`, the row as the caller read (and
    locked) it before changing it. Bulk writes send no signals (STYLE.md), so the services
    that use `bulk_create`/`bulk_update` call this. Every field auditlog fills is filled as
    its receiver fills it: the same diff, representation, serialized data and correlation id,
    and the actor and client address of the current auditlog context (its `pre_save` hook on
    LogEntry, sent here for each). Answers how many entries were written."""
    if auditlog_disabled.get():
        return 0  # the caller turned auditlog off (fixtures)
    content_type = ContentType.objects.get_for_model(model)
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    diffed = _diffed_fields(model)
    changes = [(LogEntry.Action.CREATE, None, new, None) for new in created]
    changes += [(LogEntry.Action.UPDATE, old, new, diffed) for old, new in updated]
    entries = []
    for action, old, new, fields in changes:
        diff = model_instance_diff(old, new, fields_to_check=fields, use_json_for_changes=use_json)
        if not diff:
            continue
        entry = LogEntry(
            content_type=content_type,
            object_pk=new.pk,
            object_id=new.pk if isinstance(new.pk, int) else None,
            object_repr=smart_str(new),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(new),
            action=action,
            changes=diff,
            cid=get_cid(),
        )
        if callable(getattr(new, "get_additional_data", None)):
            entry.additional_data = new.get_additional_data()
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=None, update_fields=None)
        entries.append(entry)
    LogEntry.objects.bulk_create(entries)
    return len(entries)


# --- who may read the trail ---------------------------------------------------------------


def audit_log_entries_visible_to(actor) -> QuerySet[LogEntry]:
    """Field-level history shows every field of every person: admins only."""
    entries = LogEntry.objects.select_related("actor", "content_type")
    return entries if actor.is_admin else entries.none()


# --- retention ------------------------------------------------------------------------------


def audit_retention_cutoff(now: datetime | None = None) -> datetime:
    """Rows strictly older than this instant are expired; a row exactly at it is kept."""
    return (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION)


def _purge_older_than(
    model: type[models.Model], field: str, cutoff: datetime, batch_size: int, *, actor, actor_label: str
) -> tuple[int, int]:
    """Delete `model` rows with `field` < cutoff, at most `batch_size` per transaction, so a
    large backlog never holds one long lock; returns (rows deleted, batches).

    Each batch is one set-based DELETE (no per-row signals: the search index follows with
    one delete-by-query, see `audit_events_purged`) and writes its own "audit_purge_batch"
    event in the same transaction, so a purge killed half-way leaves a trace of what it did.
    Nothing refers to AuditEvent or LogEntry rows, so there are no cascades to honour.
    """
    expired = model.objects.filter(**{f"{field}__lt": cutoff}).order_by("pk").values("pk")
    deleted = batches = 0
    while True:
        with transaction.atomic():
            batch = model.objects.filter(pk__in=expired[:batch_size])
            count = batch._raw_delete(batch.db)
            if count:
                audit_event_record(
                    action="audit_purge_batch",
                    actor=actor,
                    actor_label=actor_label,
                    data={
                        "model": model._meta.label,
                        "deleted": count,
                        "batch": batches + 1,
                        "cutoff": cutoff.isoformat(),
                    },
                )
        if not count:
            break
        deleted += count
        batches += 1
        logger.info(
            "audit purge: deleted %d %s rows (batch %d)",
            count,
            model._meta.label,
            batches,
            extra={"audit_purge_model": model._meta.label, "audit_purge_deleted": count},
        )
        if count < batch_size:
            break
    return deleted, batches


def audit_purge_expired(
    *, now: datetime | None = None, actor=None, actor_label: str = RETENTION_ACTOR_LABEL, dry_run: bool = False
) -> dict:
    """Delete AuditEvent and auditlog LogEntry rows older than AUDIT_RETENTION days, in
    batches of AUDIT_PURGE_BATCH_SIZE rows per transaction (each with its own
    "audit_purge_batch" event), and record the whole run as an "audit_purged" event. With
    `dry_run`, count what would go and change nothing."""
    cutoff = audit_retention_cutoff(now)
    if dry_run:
        return {
            "events": AuditEvent.objects.filter(created_at__lt=cutoff).count(),
            "log_entries": LogEntry.objects.filter(timestamp__lt=cutoff).count(),
            "cutoff": cutoff.isoformat(),
            "dry_run": True,
        }
    batch_size = max(1, settings.AUDIT_PURGE_BATCH_SIZE)
    who = {"actor": actor, "actor_label": actor_label}
    events, event_batches = _purge_older_than(AuditEvent, "created_at", cutoff, batch_size, **who)
    log_entries, log_entry_batches = _purge_older_than(LogEntry, "timestamp", cutoff, batch_size, **who)
    audit_events_purged.send(sender=AuditEvent, cutoff=cutoff)
    audit_event_record(
        action="audit_purged",
        actor=actor,
        actor_label=actor_label,
        data={"events": events, "log_entries": log_entries, "cutoff": cutoff.isoformat()},
    )
    return {
        "events": events,
        "log_entries": log_entries,
        "event_batches": event_batches,
        "log_entry_batches": log_entry_batches,
        "cutoff": cutoff.isoformat(),
    }
