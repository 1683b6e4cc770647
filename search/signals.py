"""Keep the search indices in step with the database: the changed row's id goes into the
outbox with the change and to a Celery task after the commit. Nothing is sent for a
rolled-back transaction, and a failing broker or Elasticsearch never breaks the write that
triggered it (the outbox relays what the broker did not take, the task retries; a
`search_reindex` repairs anything lost)."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from core import outbox
from core.signals import audit_events_purged
from search.copies import watched_fields
from search.documents import DOCUMENTS
from search.tasks import search_delete_older_than, search_index_object
from users.models import User

INDEXED_MODELS = tuple(document.Django.model for _, document in DOCUMENTS.values())
# Fields other documents copy (declared by the documents' `copies`, see `search.copies`):
# changing one reindexes those documents too (`indexing.DEPENDENTS`).
DENORMALIZED_FIELDS = watched_fields(DOCUMENTS)


def model_label(instance) -> str:
    return instance._meta.label_lower


def enqueue_index(instance, *, cascade: bool = False) -> None:
    if not settings.ELASTICSEARCH_ENABLED:
        return
    outbox.enqueue(search_index_object, model_label(instance), instance.pk, cascade=cascade)


def remember_denormalized(sender, instance, update_fields=None, **kwargs):
    """Before a save: note whether a field other documents copy is about to change."""
    instance._search_renamed = False
    if not settings.ELASTICSEARCH_ENABLED or instance.pk is None:
        return
    watched = DENORMALIZED_FIELDS[sender]
    if update_fields is not None and not {field.removesuffix("_id") for field in watched} & {
        field.removesuffix("_id") for field in update_fields
    }:
        return
    before = sender._default_manager.filter(pk=instance.pk).values(*watched).first()
    instance._search_renamed = before is not None and any(
        before[field] != getattr(instance, field) for field in watched
    )


def index_saved(sender, instance, created=False, update_fields=None, **kwargs):
    if sender is User and update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in changes nothing searchable
    enqueue_index(instance, cascade=getattr(instance, "_search_renamed", False))


def dependents_saved(sender, instance, **kwargs):
    """A row without a document of its own: only the documents copying it follow."""
    if getattr(instance, "_search_renamed", False):
        enqueue_index(instance, cascade=True)


def index_deleted(sender, instance, **kwargs):
    enqueue_index(instance)


for _model in INDEXED_MODELS:
    post_save.connect(index_saved, sender=_model, dispatch_uid=f"search-saved-{_model._meta.label_lower}")
    post_delete.connect(index_deleted, sender=_model, dispatch_uid=f"search-deleted-{_model._meta.label_lower}")
for _model in DENORMALIZED_FIELDS:
    pre_save.connect(remember_denormalized, sender=_model, dispatch_uid=f"search-renamed-{_model._meta.label_lower}")
    if _model not in INDEXED_MODELS:
        post_save.connect(dependents_saved, sender=_model, dispatch_uid=f"search-saved-{_model._meta.label_lower}")


def audit_purged(sender, cutoff, **kwargs):
    """The retention purge deleted events without per-row signals: one delete-by-query
    removes their documents."""
    if not settings.ELASTICSEARCH_ENABLED:
        return
    outbox.enqueue(search_delete_older_than, model_label(sender), "created_at", cutoff.isoformat())


audit_events_purged.connect(audit_purged, dispatch_uid="search-audit-events-purged")
