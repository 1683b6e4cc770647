"""Keep the search indices in step with the database: after a commit, hand the changed
row's id to a Celery task. Nothing is sent for a rolled-back transaction, and a failing
broker or Elasticsearch never breaks the write that triggered it (the task retries; a
`search_reindex` repairs anything lost)."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core.models import AuditEvent
from leave.models import LeaveRequest
from timeentries.models import Project, Task, TimeEntry
from users.models import User

logger = logging.getLogger(__name__)
INDEXED_MODELS = (TimeEntry, Project, Task, User, LeaveRequest, AuditEvent)
# Fields copied into other documents: changing one reindexes the project's entries and tasks.
PROJECT_DENORMALIZED_FIELDS = ("name", "code", "client_id")


def model_label(instance) -> str:
    return instance._meta.label_lower


def _send(label: str, pk: int, cascade: bool) -> None:
    from search.tasks import search_index_object

    try:
        search_index_object.delay(label, pk, cascade=cascade)
    except Exception:  # a down broker (or, with eager tasks, a down Elasticsearch) must not fail the write
        logger.exception("search: could not update the index for %s %s; run search_reindex to repair", label, pk)


def enqueue_index(instance, *, cascade: bool = False) -> None:
    if not settings.ELASTICSEARCH_ENABLED:
        return
    label, pk = model_label(instance), instance.pk
    transaction.on_commit(lambda: _send(label, pk, cascade))


@receiver(pre_save, sender=Project, dispatch_uid="search-project-renamed")
def project_remember_denormalized(sender, instance, **kwargs):
    if not settings.ELASTICSEARCH_ENABLED or instance.pk is None:
        return
    before = Project.objects.filter(pk=instance.pk).values(*PROJECT_DENORMALIZED_FIELDS).first()
    instance._search_renamed = before is not None and any(
        before[field] != getattr(instance, field) for field in PROJECT_DENORMALIZED_FIELDS
    )


def index_saved(sender, instance, created=False, update_fields=None, **kwargs):
    if sender is User and update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in changes nothing searchable
    enqueue_index(instance, cascade=getattr(instance, "_search_renamed", False))


def index_deleted(sender, instance, **kwargs):
    enqueue_index(instance)


for _model in INDEXED_MODELS:
    post_save.connect(index_saved, sender=_model, dispatch_uid=f"search-saved-{_model._meta.label_lower}")
    post_delete.connect(index_deleted, sender=_model, dispatch_uid=f"search-deleted-{_model._meta.label_lower}")
