"""Celery tasks that keep the search indices current. They take ids and are idempotent:
running one twice leaves the index as running it once."""

import logging
from datetime import datetime

from celery import Task, shared_task
from django.conf import settings
from elasticsearch import ConnectionError, ConnectionTimeout, TransportError

from core.locks import PeriodicJob
from core.outbox import TRANSIENT_ERRORS
from search import indexing
from search.documents import DOCUMENTS
from search.models import IndexFailure

logger = logging.getLogger(__name__)
RETRYABLE = (ConnectionError, ConnectionTimeout, TransportError, *TRANSIENT_ERRORS)  # Elasticsearch, database, broker


def _index_arguments(model_label: str, pk: int, cascade: bool = False) -> tuple[str, int, bool]:
    return model_label, pk, cascade


class RecordsGivingUp(Task):
    """An index task that, once it exhausts its retries, leaves an `IndexFailure` for the
    periodic `search_reconcile_task` instead of losing the update."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        model_label, pk, cascade = _index_arguments(*args, **kwargs)
        try:
            failure, created = IndexFailure.objects.get_or_create(
                model_label=model_label.lower(), object_pk=pk, defaults={"cascade": cascade, "error": repr(exc)[:2000]}
            )
            if not created:
                failure.cascade, failure.error = failure.cascade or cascade, repr(exc)[:2000]
                failure.save(update_fields=["cascade", "error", "failed_at"])
        except Exception:
            logger.exception("search: could not record the failed update of %s %s", model_label, pk)
        logger.error("search: gave up indexing %s %s (%r); search_reconcile_task retries it", model_label, pk, exc)


@shared_task(
    base=RecordsGivingUp,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=300,  # below the visibility timeout (core.outbox.RETRY_ON_OUTAGE)
    retry_jitter=True,
    max_retries=5,
)
def search_index_object(model_label: str, pk: int, cascade: bool = False) -> str:
    return indexing.index_object(model_label, pk, cascade=cascade)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, max_retries=5)
def search_delete_older_than(model_label: str, field: str, cutoff: str) -> str | None:
    """Remove the documents of rows a set-based purge deleted (it sends no per-row signals).
    Lost, it is made good by the next purge, whose later cut-off covers these documents."""
    return indexing.delete_older_than(model_label, field, datetime.fromisoformat(cutoff))


@shared_task(base=PeriodicJob, name="search.tasks.search_reconcile_task")
def search_reconcile_task(limit: int = 5000) -> dict[str, int]:
    """Periodic: index again the rows whose update gave up (`IndexFailure`), oldest first.
    A record goes only when its row was sent without error; one written again meanwhile (a
    newer failure) stays for the next run."""
    if not settings.ELASTICSEARCH_ENABLED:
        return {"reindexed": 0, "left": IndexFailure.objects.count()}
    failures = list(IndexFailure.objects.order_by("failed_at", "pk")[:limit])
    done: list[IndexFailure] = []
    by_label: dict[str, list[IndexFailure]] = {}
    for failure in failures:
        if failure.cascade or failure.model_label not in DOCUMENTS:
            indexing.index_object(failure.model_label, failure.object_pk, cascade=failure.cascade)
            done.append(failure)
        else:
            by_label.setdefault(failure.model_label, []).append(failure)
    for label, group in by_label.items():
        _, failed = indexing.index_bulk(label, [failure.object_pk for failure in group])
        if not failed:
            done.extend(group)
    for failure in done:
        IndexFailure.objects.filter(pk=failure.pk, failed_at=failure.failed_at).delete()
    return {"reindexed": len(done), "left": IndexFailure.objects.count()}


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, max_retries=5)
def search_reindex(model_label: str, start_pk: int = 0, batch: int = 1000) -> int:
    """Reindex every row of `model_label` with pk > start_pk, `batch` rows at a time.

    Progress is logged with the last pk done, so an interrupted run resumes with
    `search_reindex(model_label, start_pk=<last pk>)`. Returns the number of rows sent.
    """
    if not settings.ELASTICSEARCH_ENABLED:
        return 0
    if not indexing.ensure_index(model_label):
        indexing.update_mapping(model_label)  # an index from before a field was added
    model = indexing.document_for(model_label).django.model
    rows = model._default_manager.order_by("pk").values_list("pk", flat=True)
    done, last_pk = 0, start_pk
    while True:
        pks = list(rows.filter(pk__gt=last_pk)[:batch])
        if not pks:
            break
        _, failed = indexing.index_bulk(model_label, pks)
        done, last_pk = done + len(pks), pks[-1]
        logger.info(
            "search_reindex %s: %d rows done, last pk %s (%d failed in batch)", model_label, done, last_pk, failed
        )
    logger.info("search_reindex %s: finished, %d rows", model_label, done)
    return done


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=300, retry_jitter=True, max_retries=5)
def search_index_many(model_label: str, pks: list[int]) -> int:
    """Index (or drop, when gone) the rows a bulk write created or removed (an import or its
    revert): one bulk request instead of a task per row. Answers the documents sent."""
    succeeded, _ = indexing.index_bulk(model_label, pks)
    return succeeded
